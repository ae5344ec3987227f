//! Cases: the list (`/cases`) and one case's page (`/cases/N`) with its status, priority,
//! assignee, description, linked signals and timeline.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use analytics::{CasePriority, CaseStatus, IncidentSeverity, IncidentStatus};

use crate::auth::use_current_user;
use crate::client;
use crate::contract::{CaseRequest, CaseUpdate, IncidentRequest, IncidentUpdate};
use crate::service::{case_detail, list_cases};
use crate::format::{human, signals_href};

#[component]
pub fn CasesPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let cases = Resource::new(move || refresh.get(), |_| list_cases());
    // `?ids=1,2,3&label=…`: only those cases (a number on the overview opens them).
    let query = leptos_router::hooks::use_query_map();
    let only = move || {
        query.with(|q| q.get("ids").map(|ids| ids.split(',').filter_map(|id| id.trim().parse::<i64>().ok()).collect::<Vec<i64>>()))
    };
    let label = move || query.with(|q| q.get("label")).unwrap_or_else(|| "Selected cases".to_owned());
    let user = use_current_user();
    let can_write = move || user.get().is_some_and(|u| u.can_write_signals());
    let title = RwSignal::new(String::new());
    let priority = RwSignal::new(CasePriority::P3);
    let message = RwSignal::new(None::<Result<String, String>>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = CaseRequest { priority: priority.get_untracked(), ..CaseRequest::titled(title.get_untracked(), Vec::new()) };
        client::run(refresh, message, async move { client::create_case(&request).await }, move |created| {
            title.set(String::new());
            format!("Created case {}", created.case.id)
        });
    };
    view! {
        <Title text="Cases"/>
        <div class="page-header"><div class="page-heading"><h1>"Cases"</h1>
            <p class="page-subtitle">"Create a case here, or from signals in the explorer (select them, or open one)."</p></div></div>
        <Show when=can_write>
            <form class="inline-form new-case" on:submit=create>
                <input placeholder="New case title" aria-label="New case title" required prop:value=title on:input=move |ev| title.set(event_target_value(&ev))/>
                <select aria-label="New case priority" on:change=move |ev| {
                    if let Ok(chosen) = CasePriority::parse(&event_target_value(&ev)) {
                        priority.set(chosen);
                    }
                }>
                    {CasePriority::ALL.iter().map(|p| view! { <option value=p.as_str() selected=p.as_str() == "P3">{p.as_str()}</option> }).collect_view()}
                </select>
                <button class="button primary" type="submit">"Create case"</button>
            </form>
        </Show>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || cases.get().map(|r| match r {
                Err(e) => view! { <p class="module-error">{e.to_string()}</p> }.into_any(),
                Ok(cases) => {
                    let only = only();
                    let cases: Vec<_> = match &only {
                        Some(ids) => cases.into_iter().filter(|c| ids.contains(&c.id)).collect(),
                        None => cases,
                    };
                    let shown = cases.len();
                    view! {
                    {only.map(|_| view! {
                        <p class="list-count" data-testid="cases-filter">
                            {format!("{} · {shown} case{}", label(), if shown == 1 { "" } else { "s" })}
                            " · " <a href="/cases">"Show all cases"</a>
                        </p>
                    })}
                    <div class="table-scroll" data-testid="cases-table">
                    <table class="signal-table cases-table">
                        <thead><tr><th>"Case"</th><th>"Title"</th><th>"Status"</th><th>"Priority"</th><th>"Assignee"</th><th>"Signals"</th><th>"Updated"</th></tr></thead>
                        <tbody>
                            {cases.into_iter().map(|c| view! {
                                <tr>
                                    <td class="mono">{c.id}</td>
                                    <td><a href=format!("/cases/{}", c.id)>{c.title}</a></td>
                                    <td>{human(c.status.as_str())}</td>
                                    <td>{c.priority.as_str()}</td>
                                    <td>{c.assignee.unwrap_or_default()}</td>
                                    <td>{c.signals}</td>
                                    <td class="mono">{c.updated_at.replace('T', " ").get(0..16).unwrap_or_default().to_owned()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn CasePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let refresh = RwSignal::new(0u32);
    let detail = Resource::new(move || (id(), refresh.get()), |(id, _)| case_detail(id));
    let user = use_current_user();
    let can_write = move || user.get().is_some_and(|u| u.can_write_signals());
    let message = RwSignal::new(None::<Result<String, String>>);
    let patch = move |update: CaseUpdate| {
        let id = id();
        client::run(refresh, message, async move { client::update_case(id, &update).await }, |_| "Saved".to_owned());
    };
    view! {
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || detail.get().map(|r| match r {
                Err(e) => view! { <p class="module-error">{e.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="module-error">{format!("Case {} does not exist.", id())}</p> }.into_any(),
                Ok(Some((case, timeline, assignable, incidents, (signals, signals_total)))) => {
                    let description = RwSignal::new(case.description.clone());
                    let severity = RwSignal::new(IncidentSeverity::Sev3);
                    let case_id = case.id;
                    let case_title = case.title.clone();
                    let declare = move |_| {
                        let request = IncidentRequest {
                            title: case_title.clone(),
                            severity: severity.get_untracked(),
                            commander_id: user.get_untracked().map(|u| u.id),
                            case_id: Some(case_id),
                            signal_id: None,
                        };
                        client::run(refresh, message, async move { client::declare_incident(&request).await }, |answer| {
                            format!("Declared incident {}", answer.incident.id)
                        });
                    };
                    view! {
                        <Title text=format!("Case {}", case.id)/>
                        <div class="page-header"><div class="page-heading">
                            <h1>{format!("Case {}: {}", case.id, case.title)}</h1>
                            <p class="page-subtitle">{format!("Opened {} · updated {}", case.created_at.replace('T', " ").get(0..16).unwrap_or_default(), case.updated_at.replace('T', " ").get(0..16).unwrap_or_default())}</p>
                        </div></div>
                        <client::Notice message/>
                        <section class="case-fields">
                            <label>"Status"
                                <select prop:disabled=move || !can_write() on:change=move |ev| patch(CaseUpdate { status: CaseStatus::parse(&event_target_value(&ev)).ok(), ..CaseUpdate::default() })>
                                    {CaseStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == case.status>{human(s.as_str())}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>"Priority"
                                <select prop:disabled=move || !can_write() on:change=move |ev| patch(CaseUpdate { priority: CasePriority::parse(&event_target_value(&ev)).ok(), ..CaseUpdate::default() })>
                                    {CasePriority::ALL.iter().map(|p| view! { <option value=p.as_str() selected=*p == case.priority>{p.as_str()}</option> }).collect_view()}
                                </select>
                            </label>
                            <label>"Assignee"
                                <select prop:disabled=move || !can_write() on:change=move |ev| patch(CaseUpdate { assignee_id: Some(event_target_value(&ev).parse::<i64>().ok()), ..CaseUpdate::default() })>
                                    <option value="" selected=case.assignee_id.is_none()>"Unassigned"</option>
                                    {assignable.iter().map(|a| view! { <option value=a.id.to_string() selected=case.assignee_id == Some(a.id)>{a.display_name.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                            <label class="wide">"Description"
                                <textarea rows="4" prop:disabled=move || !can_write() prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                            </label>
                            <Show when=can_write>
                                <button class="button" on:click=move |_| patch(CaseUpdate { description: Some(description.get_untracked()), ..CaseUpdate::default() })>"Save description"</button>
                            </Show>
                        </section>
                        <section class="admin-section">
                            <h2>{format!("Signals ({signals_total})")}" "
                                <a class="heading-link" href=signals_href(&format!("@case.id:{}", case.id), "30d")>"open in the explorer"</a></h2>
                            <crate::incidents::LinkedSignals rows=signals total=signals_total query=Some(format!("@case.id:{}", case.id)) testid="case-signals"/>
                        </section>
                        <h2>"Incidents"</h2>
                        <Show when=can_write>
                            <p class="inline-form">
                                <select aria-label="Incident severity" on:change=move |ev| {
                                    if let Ok(chosen) = IncidentSeverity::parse(&event_target_value(&ev)) {
                                        severity.set(chosen);
                                    }
                                }>
                                    {IncidentSeverity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == IncidentSeverity::Sev3>{s.as_str()}</option> }).collect_view()}
                                </select>
                                <button class="button" on:click=declare.clone()>"Declare incident"</button>
                            </p>
                        </Show>
                        {if incidents.is_empty() {
                            view! { <p class="muted">"No incident declared from this case or its signals."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="incident-list" data-testid="incidents">
                                    {incidents.into_iter().map(|i| {
                                        let incident = i.id;
                                        let status = i.status;
                                        view! {
                                            <li>
                                                <a href=format!("/incidents/{}", i.id)><strong>{format!("Incident {} · {}", i.id, i.severity.as_str())}</strong></a>
                                                {format!(" {} · declared {}{} · ", i.title, i.declared_at.replace('T', " ").get(0..16).unwrap_or_default(), i.commander.map(|c| format!(" · commander {c}")).unwrap_or_default())}
                                                <select aria-label=format!("Status of incident {incident}") prop:disabled=move || !can_write() on:change=move |ev| {
                                                    let update = IncidentUpdate { status: IncidentStatus::parse(&event_target_value(&ev)).ok(), ..IncidentUpdate::default() };
                                                    client::run(refresh, message, async move { client::update_incident(incident, &update).await }, move |answer| {
                                                        format!("Incident {incident} is now {}", answer.incident.status.as_str())
                                                    });
                                                }>
                                                    {IncidentStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == status>{s.as_str()}</option> }).collect_view()}
                                                </select>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <h2>"Timeline"</h2>
                        <crate::incidents::Timeline rows=timeline/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
