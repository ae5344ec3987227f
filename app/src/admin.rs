//! The admin page (`/admin`): invite users, change roles, deactivate accounts, create and revoke
//! API keys, and set the workflow webhook. The server refuses all of it to anyone but an admin.

use leptos::prelude::*;
use leptos_meta::Title;
use analytics::{CasePriority, Role};

use crate::client;
use analytics::model::{ThreatCategory, ThreatIntention, ThreatSubcategory};

use crate::contract::{ApiKeyRequest, CaseSla, IntelListRequest, InviteRequest, KeyScope, UserChange, WebhookRequest};
use crate::service::admin_overview;

#[component]
pub fn AdminPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let data = Resource::new(move || refresh.get(), |_| admin_overview());
    let message = RwSignal::new(None::<Result<String, String>>);
    let change_user = move |id: i64, change: UserChange| {
        let activation = change.active.is_some();
        client::run(refresh, message, async move { client::change_user(id, &change).await }, move |answer| {
            let user = &answer.user;
            match activation {
                true => format!("{} is now {}", user.username, if user.active { "active" } else { "deactivated" }),
                false => format!("{} is now {}", user.username, user.role.as_str()),
            }
        });
    };
    let (username, role) = (RwSignal::new(String::new()), RwSignal::new(Role::Analyst));
    let service = RwSignal::new(false);
    let key_name = RwSignal::new(String::new());
    let key_owner = RwSignal::new(String::new());
    let key_scopes = RwSignal::new("read,write".to_owned());
    let intel_name = RwSignal::new(String::new());
    let intel_category = RwSignal::new(ThreatCategory::Anonymizer);
    let intel_subcategory = RwSignal::new(None::<ThreatSubcategory>);
    let intel_intention = RwSignal::new(ThreatIntention::Unknown);
    let intel_entries = RwSignal::new(String::new());
    let webhook = RwSignal::new(String::new());
    // Per priority (P1 first), the targets as typed: hours to the first response and to close.
    let sla = RwSignal::new(vec![(String::new(), String::new()); CasePriority::COUNT]);
    // The row waiting for "Deactivate" to be confirmed, and the admin's own id (no action on it).
    let confirming = RwSignal::new(None::<i64>);
    let user = crate::auth::use_current_user();
    view! {
        <Title text="Admin"/>
        <div class="page-header"><div class="page-heading"><h1>"Admin"</h1>
            <p class="page-subtitle">"Users, roles, API keys, threat intelligence and the workflow webhook."</p></div></div>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(crate::rows::AdminData { accounts, keys, webhook: current_webhook, intel, case_sla }) => {
                    let hours = |ms: i64| format!("{}", ms as f64 / 3_600_000.0);
                    sla.set(CasePriority::ALL.iter().map(|p| {
                        case_sla.iter().find(|t| t.priority == *p).map_or_else(Default::default, |t| (hours(t.response_ms), hours(t.close_ms)))
                    }).collect());
                    let me = user.get().map_or(0, |u| u.id);
                    webhook.set(current_webhook.unwrap_or_default());
                    let service_accounts: Vec<(i64, String)> = accounts.iter().filter(|a| a.service && a.active).map(|a| (a.id, a.username.clone())).collect();
                    view! {
                        <section class="admin-section" id="users">
                            <h2>"Users"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let request = InviteRequest {
                                    username: username.get_untracked(),
                                    display_name: None,
                                    email: None,
                                    role: role.get_untracked(),
                                    service: service.get_untracked(),
                                };
                                client::run(refresh, message, async move { client::invite_user(&request).await }, |invited| match &invited.password {
                                    Some(p) => format!("Invited {}. One-time password (shown only now; they choose their own at first sign-in): {p}", invited.user.username),
                                    None => format!("Created the service account {}: create an API key that acts as it below.", invited.user.username),
                                });
                            }>
                                <input placeholder="username" aria-label="New username" required on:input=move |ev| username.set(event_target_value(&ev))/>
                                <select aria-label="New user's role" on:change=move |ev| {
                                    if let Ok(chosen) = Role::parse(&event_target_value(&ev)) {
                                        role.set(chosen);
                                    }
                                }>
                                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Analyst>{r.as_str()}</option> }).collect_view()}
                                </select>
                                <label class="service-check"><input type="checkbox" data-testid="service-account" on:change=move |ev| service.set(event_target_checked(&ev))/>" Service account (API keys only)"</label>
                                <button class="button primary" type="submit">"Invite"</button>
                            </form>
                            <table class="signal-table">
                                <thead><tr><th>"Username"</th><th>"Name"</th><th>"Role"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {accounts.into_iter().map(|a| {
                                        let id = a.id;
                                        view! {
                                            <tr data-user=a.username.clone()>
                                                <td>{a.username.clone()}</td>
                                                <td>{a.display_name.clone()}</td>
                                                <td>
                                                    // The server refuses an admin's change to their own role: the page does not offer it.
                                                    <select aria-label=format!("Role of {}", a.username) disabled=id == me
                                                        title=(id == me).then_some("You cannot change your own role") on:change=move |ev| {
                                                        change_user(id, UserChange { role: Role::parse(&event_target_value(&ev)).ok(), active: None });
                                                    }>
                                                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == a.role>{r.as_str()}</option> }).collect_view()}
                                                    </select>
                                                </td>
                                                <td>{if !a.active { "deactivated" } else if a.service { "service account" } else if a.can_sign_in { "active" } else { "active, no password" }}</td>
                                                <td class="row-actions">
                                                    {if id == me {
                                                        view! { <span class="muted" data-testid="own-account">"you"</span> }.into_any()
                                                    } else if !a.active {
                                                        view! {
                                                            <button class="button ghost" on:click=move |_| {
                                                                change_user(id, UserChange { role: None, active: Some(true) });
                                                            }>"Reactivate"</button>
                                                        }.into_any()
                                                    } else {
                                                        let name = a.username.clone();
                                                        view! {
                                                            <Show when=move || confirming.get() == Some(id) fallback=move || view! {
                                                                <button class="button ghost" on:click=move |_| confirming.set(Some(id))>"Deactivate"</button>
                                                            }>
                                                                <span class="confirm" role="group" aria-label=format!("Deactivate {name}?")>
                                                                    {format!("Deactivate {name}? Their sessions and API keys stop working now. ")}
                                                                    <button class="button danger" on:click=move |_| {
                                                                        confirming.set(None);
                                                                        change_user(id, UserChange { role: None, active: Some(false) });
                                                                    }>"Deactivate"</button>
                                                                    " "
                                                                    <button class="button ghost" on:click=move |_| confirming.set(None)>"Cancel"</button>
                                                                </span>
                                                            </Show>
                                                        }.into_any()
                                                    }}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section class="admin-section" id="api-keys">
                            <h2>"API keys"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let owner = key_owner.get_untracked().parse::<i64>().ok();
                                let scopes = KeyScope::parse_list(&key_scopes.get_untracked());
                                let request = ApiKeyRequest { name: key_name.get_untracked(), user_id: owner, scopes };
                                client::run(refresh, message, async move { client::create_api_key(&request).await }, |created| {
                                    format!("Key created ({}; shown only now): {}", KeyScope::join(&created.scopes), created.key)
                                });
                            }>
                                <input placeholder="key name" aria-label="API key name" required on:input=move |ev| key_name.set(event_target_value(&ev))/>
                                <select aria-label="The key acts as" on:change=move |ev| key_owner.set(event_target_value(&ev))>
                                    <option value="" selected>"acts as me"</option>
                                    {service_accounts.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{format!("acts as {name} (service)")}</option> }).collect_view()}
                                </select>
                                <select aria-label="What the key may do" data-testid="key-scopes" on:change=move |ev| key_scopes.set(event_target_value(&ev))>
                                    <option value="read,write" selected>"read and write (scripts)"</option>
                                    <option value="read">"read only"</option>
                                    <option value="ingest">"ingest only (log shippers)"</option>
                                </select>
                                <button class="button" type="submit">"Create key"</button>
                            </form>
                            <p class="admin-hint">"Shippers send logs to "<code>"POST /api/v1/logs?source=cloudtrail"</code>" (Authorization: Bearer) or the Splunk HEC endpoint "<code>"/services/collector/event"</code>" (Authorization: Splunk) with an ingest key."</p>
                            <ul>
                                {keys.into_iter().map(|k| {
                                    let id = k.id;
                                    view! {
                                        <li data-testid="api-key">{format!("{} (user {}; {}){}", k.name, k.user_id, k.scopes.replace(',', ", "), if k.revoked { ", revoked" } else { "" })}
                                            {(!k.revoked).then(|| view! {
                                                " " <button class="button ghost" on:click=move |_| client::run(refresh, message, async move { client::revoke_api_key(id).await }, |_| "Key revoked".to_owned())>"Revoke"</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="admin-section" data-testid="intel-lists">
                            <h2>"Threat intelligence"</h2>
                            <p class="admin-hint">"Activity from an address on a list raises a signal with the list's category and intention (the "<code>"@threat_intel.*"</code>" attributes)."</p>
                            <form class="intel-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let request = IntelListRequest {
                                    name: intel_name.get_untracked(),
                                    category: intel_category.get_untracked(),
                                    subcategory: intel_subcategory.get_untracked(),
                                    intention: intel_intention.get_untracked(),
                                    entries: intel_entries.get_untracked(),
                                };
                                if let Err(refusal) = request.check() {
                                    message.set(Some(Err(refusal)));
                                    return;
                                }
                                client::run(refresh, message, async move { client::import_intel_list(&request).await }, |list| {
                                    format!("Imported '{}': {} addresses and networks", list.name, list.entries)
                                });
                            }>
                                <div class="inline-form">
                                    <input placeholder="list name" aria-label="List name" required on:input=move |ev| intel_name.set(event_target_value(&ev))/>
                                    <select aria-label="Category" on:change=move |ev| if let Ok(c) = ThreatCategory::parse(&event_target_value(&ev)) { intel_category.set(c) }>
                                        {ThreatCategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.as_str()}</option> }).collect_view()}
                                    </select>
                                    <select aria-label="Subcategory" on:change=move |ev| intel_subcategory.set(ThreatSubcategory::parse(&event_target_value(&ev)).ok())>
                                        <option value="" selected>"no subcategory"</option>
                                        {ThreatSubcategory::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.as_str()}</option> }).collect_view()}
                                    </select>
                                    <select aria-label="Intention" on:change=move |ev| if let Ok(i) = ThreatIntention::parse(&event_target_value(&ev)) { intel_intention.set(i) }>
                                        <option value="unknown" selected>"unknown"</option>
                                        <option value="malicious">"malicious"</option>
                                    </select>
                                    <button class="button" type="submit">"Import list"</button>
                                </div>
                                <textarea rows="3" aria-label="Addresses and networks, one per line" placeholder="185.220.101.1
198.51.100.0/24" on:input=move |ev| intel_entries.set(event_target_value(&ev))></textarea>
                            </form>
                            {if intel.is_empty() {
                                view! { <p class="empty-state">"No list imported yet: "<code>"signalboard intel import FILE --category anonymizer --subcategory tor"</code>" or the form above."</p> }.into_any()
                            } else {
                                view! {
                                    <ul>
                                        {intel.into_iter().map(|l| {
                                            let id = l.id;
                                            let kind = match l.subcategory { Some(s) => format!("{}/{}", l.category.as_str(), s.as_str()), None => l.category.as_str().to_owned() };
                                            view! {
                                                <li data-testid="intel-list">{format!("{}: {} entries, {kind}, {}", l.name, l.entries, l.intention.as_str())}
                                                    " " <button class="button ghost" on:click=move |_| client::run(refresh, message, async move { client::remove_intel_list(id).await }, |_| "List removed".to_owned())>"Remove"</button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                        <section class="admin-section" id="case-sla">
                            <h2>"Case SLA targets"</h2>
                            <p class="admin-hint">"Hours from a case's creation to its first response (its first move out of open) and to closing, per priority. The case aging module on the overview measures every open case against them."</p>
                            <form data-testid="sla-form" on:submit=move |ev| {
                                ev.prevent_default();
                                match sla_request(&sla.get_untracked()) {
                                    Err(problem) => message.set(Some(Err(problem))),
                                    Ok(request) => client::run(refresh, message, async move { client::set_case_sla(&request).await }, |_| {
                                        "Case SLA targets saved".to_owned()
                                    }),
                                }
                            }>
                                <table class="mini-table sla-table">
                                    <thead><tr><th scope="col">"Priority"</th><th scope="col">"First response (hours)"</th><th scope="col">"Close (hours)"</th></tr></thead>
                                    <tbody>
                                        {CasePriority::ALL.iter().enumerate().map(|(k, p)| view! {
                                            <tr>
                                                <th scope="row">{p.as_str()}</th>
                                                <td><input type="number" min="0" step="any" required aria-label=format!("{p} first response, hours")
                                                    prop:value=move || sla.with(|s| s[k].0.clone())
                                                    on:input=move |ev| sla.update(|s| s[k].0 = event_target_value(&ev))/></td>
                                                <td><input type="number" min="0" step="any" required aria-label=format!("{p} close, hours")
                                                    prop:value=move || sla.with(|s| s[k].1.clone())
                                                    on:input=move |ev| sla.update(|s| s[k].1 = event_target_value(&ev))/></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <button class="button" type="submit">"Save targets"</button>
                            </form>
                        </section>
                        <section class="admin-section" id="webhook">
                            <h2>"Workflow webhook"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let request = WebhookRequest { url: webhook.get_untracked() };
                                client::run(refresh, message, async move { client::set_webhook(&request).await }, |setting| {
                                    format!("Workflows now post to {}", setting.url.as_deref().unwrap_or(""))
                                });
                            }>
                                <input class="query-input" type="url" placeholder="https://hooks.example.com/signalboard" aria-label="Webhook URL" prop:value=webhook on:input=move |ev| webhook.set(event_target_value(&ev))/>
                                <button class="button" type="submit">"Save"</button>
                            </form>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The targets as typed (hours, per priority) as the API takes them; a value that is not a
/// positive number of hours is named.
fn sla_request(typed: &[(String, String)]) -> Result<CaseSla, String> {
    let ms = |priority: CasePriority, what: &str, text: &str| -> Result<i64, String> {
        match text.trim().parse::<f64>() {
            Ok(hours) if hours > 0.0 && hours.is_finite() => Ok((hours * 3_600_000.0).round() as i64),
            _ => Err(format!("{priority} {what}: '{text}' is not a positive number of hours")),
        }
    };
    let targets = CasePriority::ALL
        .iter()
        .zip(typed)
        .map(|(&priority, (response, close))| {
            Ok(analytics::overview::SlaTarget { priority, response_ms: ms(priority, "first response", response)?, close_ms: ms(priority, "close", close)? })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(CaseSla { targets })
}
