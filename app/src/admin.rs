//! The admin page (`/admin`): invite users, change roles, deactivate accounts, create and revoke
//! API keys, and set the workflow webhook. The server refuses all of it to anyone but an admin.

use leptos::prelude::*;
use leptos_meta::Title;
use analytics::Role;

use crate::client;
use crate::contract::{ApiKeyRequest, InviteRequest, UserChange, WebhookRequest};
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
    let webhook = RwSignal::new(String::new());
    view! {
        <Title text="Admin"/>
        <div class="page-header"><div class="page-heading"><h1>"Admin"</h1>
            <p class="page-subtitle">"Users, roles, API keys and the workflow webhook."</p></div></div>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok((accounts, keys, current_webhook)) => {
                    webhook.set(current_webhook.unwrap_or_default());
                    let service_accounts: Vec<(i64, String)> = accounts.iter().filter(|a| a.service && a.active).map(|a| (a.id, a.username.clone())).collect();
                    view! {
                        <section class="admin-section">
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
                                                    <select aria-label=format!("Role of {}", a.username) on:change=move |ev| {
                                                        change_user(id, UserChange { role: Role::parse(&event_target_value(&ev)).ok(), active: None });
                                                    }>
                                                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == a.role>{r.as_str()}</option> }).collect_view()}
                                                    </select>
                                                </td>
                                                <td>{if !a.active { "deactivated" } else if a.service { "service account" } else if a.can_sign_in { "active" } else { "active, no password" }}</td>
                                                <td>
                                                    <button class="button ghost" on:click=move |_| {
                                                        change_user(id, UserChange { role: None, active: Some(!a.active) });
                                                    }>{if a.active { "Deactivate" } else { "Reactivate" }}</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section class="admin-section">
                            <h2>"API keys"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let owner = key_owner.get_untracked().parse::<i64>().ok();
                                let request = ApiKeyRequest { name: key_name.get_untracked(), user_id: owner };
                                client::run(refresh, message, async move { client::create_api_key(&request).await }, |created| {
                                    format!("Key created (shown only now): {}", created.key)
                                });
                            }>
                                <input placeholder="key name" aria-label="API key name" required on:input=move |ev| key_name.set(event_target_value(&ev))/>
                                <select aria-label="The key acts as" on:change=move |ev| key_owner.set(event_target_value(&ev))>
                                    <option value="" selected>"acts as me"</option>
                                    {service_accounts.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{format!("acts as {name} (service)")}</option> }).collect_view()}
                                </select>
                                <button class="button" type="submit">"Create key"</button>
                            </form>
                            <ul>
                                {keys.into_iter().map(|k| {
                                    let id = k.id;
                                    view! {
                                        <li>{format!("{} (user {}){}", k.name, k.user_id, if k.revoked { ", revoked" } else { "" })}
                                            {(!k.revoked).then(|| view! {
                                                " " <button class="button ghost" on:click=move |_| client::run(refresh, message, async move { client::revoke_api_key(id).await }, |_| "Key revoked".to_owned())>"Revoke"</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="admin-section">
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
