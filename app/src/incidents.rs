//! The incident pages: `/incidents` lists every incident (those not resolved first) with its
//! status, severity, commander and age; `/incidents/{id}` shows one with the case it belongs to,
//! its signals, its timeline, and the commander's controls (status, severity, commander).

use analytics::{IncidentSeverity, IncidentStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::auth::use_current_user;
use crate::client;
use crate::contract::IncidentUpdate;
use crate::format::{duration, human, short_time, signals_href};
use crate::rows::{HistoryRow, IncidentDetail, IncidentRow, SignalRow};
use crate::service::{list_incidents, load_incident};

/// Where an incident was declared from: its case, or the signal outside any case.
fn origin(i: &IncidentRow) -> AnyView {
    match (i.case_id, i.signal_id) {
        (Some(case), _) => view! { <a href=format!("/cases/{case}")>{format!("case {case}")}</a> }.into_any(),
        (None, Some(signal)) => view! { <a href=format!("/signals?query=&window=30d&signal={signal}")>{format!("signal {signal}")}</a> }.into_any(),
        (None, None) => view! { <span class="faint">"–"</span> }.into_any(),
    }
}

fn severity_pill(s: IncidentSeverity) -> impl IntoView {
    view! { <span class=format!("pill incident-{}", s.as_str().to_lowercase())>{s.as_str()}</span> }
}

fn status_pill(s: IncidentStatus) -> impl IntoView {
    view! { <span class=format!("pill status-{}", s.as_str()) data-testid="incident-status">{s.as_str()}</span> }
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let incidents = Resource::new(|| (), |_| list_incidents());
    view! {
        <Title text="Incidents"/>
        <div class="page-header"><div class="page-heading"><h1>"Incidents"</h1>
            <p class="page-subtitle">"Declared from a case or from a signal (on its side panel or its case). Those not resolved come first."</p></div></div>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || incidents.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="empty-state">"No incident has been declared."</p> }.into_any(),
                Ok(rows) => view! {
                    <div class="table-scroll">
                        <table class="signal-table incidents-table" data-testid="incidents-table">
                            <thead><tr><th>"Incident"</th><th>"Title"</th><th>"Severity"</th><th>"Status"</th><th>"Commander"</th><th>"Age"</th><th>"Declared from"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|i| view! {
                                    <tr data-incident=i.id>
                                        <td class="mono">{i.id}</td>
                                        <td><a href=format!("/incidents/{}", i.id)>{i.title.clone()}</a></td>
                                        <td>{severity_pill(i.severity)}</td>
                                        <td>{status_pill(i.status)}</td>
                                        <td>{i.commander.clone().unwrap_or_else(|| "none".to_owned())}</td>
                                        <td class="mono" title=short_time(&i.declared_at)>{duration(i.age_ms as f64)}</td>
                                        <td>{origin(&i)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let refresh = RwSignal::new(0u32);
    let message = RwSignal::new(None::<Result<String, String>>);
    let detail = Resource::new(move || (id(), refresh.get()), |(id, _)| load_incident(id));
    view! {
        <Title text="Incident"/>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || detail.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="empty-state">{format!("Incident {} does not exist. ", id())}<a href="/incidents">"All incidents"</a></p> }.into_any(),
                Ok(Some(d)) => view! { <IncidentView d refresh message/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn IncidentView(d: IncidentDetail, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let user = use_current_user();
    let can_write = move || user.get().is_some_and(|u| u.can_write_signals());
    let i = d.incident.clone();
    let id = i.id;
    let update = move |update: IncidentUpdate| {
        client::run(refresh, message, async move { client::update_incident(id, &update).await }, move |answer| {
            let x = &answer.incident;
            format!("Incident {id}: {}, {}", x.status.as_str(), x.severity.as_str())
        });
    };
    let case_query = d.case.as_ref().map(|c| format!("@case.id:{}", c.id));
    view! {
        <div class="page-header">
            <div class="page-heading">
                <p class="crumbs"><a href="/incidents">"Incidents"</a></p>
                <h1 data-testid="incident-title">{format!("Incident {}: {}", i.id, i.title)}</h1>
                <p class="page-subtitle">
                    {severity_pill(i.severity)}" "{status_pill(i.status)}
                    {format!(" · declared {} ago ({} UTC)", duration(i.age_ms as f64), short_time(&i.declared_at))}
                    {format!(" · commander {}", i.commander.clone().unwrap_or_else(|| "none".to_owned()))}
                    " · from "{origin(&i)}
                </p>
            </div>
        </div>
        <section class="case-fields">
            <label>"Status"
                <select data-testid="incident-status-select" prop:disabled=move || !can_write() on:change=move |ev| {
                    update(IncidentUpdate { status: IncidentStatus::parse(&event_target_value(&ev)).ok(), ..IncidentUpdate::default() })
                }>
                    {IncidentStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == i.status>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Severity"
                <select prop:disabled=move || !can_write() on:change=move |ev| {
                    update(IncidentUpdate { severity: IncidentSeverity::parse(&event_target_value(&ev)).ok(), ..IncidentUpdate::default() })
                }>
                    {IncidentSeverity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=*s == i.severity>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Commander"
                <select prop:disabled=move || !can_write() on:change=move |ev| {
                    update(IncidentUpdate { commander_id: Some(event_target_value(&ev).parse::<i64>().ok()), ..IncidentUpdate::default() })
                }>
                    <option value="" selected=i.commander_id.is_none()>"None"</option>
                    {d.assignable.iter().map(|a| view! { <option value=a.id.to_string() selected=i.commander_id == Some(a.id)>{a.display_name.clone()}</option> }).collect_view()}
                </select>
            </label>
        </section>
        {d.case.clone().map(|c| view! {
            <section class="admin-section">
                <h2>"Case"</h2>
                <p data-testid="incident-case">
                    <a href=format!("/cases/{}", c.id)>{format!("Case {}: {}", c.id, c.title)}</a>
                    {format!(" · {} · {} · {} signal{}", human(c.status.as_str()), c.priority.as_str(), c.signals, if c.signals == 1 { "" } else { "s" })}
                </p>
            </section>
        })}
        <section class="admin-section">
            <h2>{format!("Signals ({})", d.signals_total)}</h2>
            <LinkedSignals rows=d.signals.clone() total=d.signals_total query=case_query.clone() testid="incident-signals"/>
        </section>
        <section class="admin-section">
            <h2>"Timeline"</h2>
            <Timeline rows=d.timeline.clone()/>
        </section>
    }
}

/// Signals listed inline with their severity, state and assignee; each opens in the explorer.
/// When there are more than listed, `query` leads to all of them.
#[component]
pub(crate) fn LinkedSignals(rows: Vec<SignalRow>, total: usize, query: Option<String>, testid: &'static str) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty-state">"No signal is linked."</p> }.into_any();
    }
    let more = (total > rows.len()).then(|| {
        view! {
            <p class="list-count">{format!("The newest {} of {}. ", rows.len(), total)}
                {query.map(|q| view! { <a href=signals_href(&q, "30d")>"All in the explorer"</a> })}
            </p>
        }
    });
    view! {
        {more}
        <div class="table-scroll">
            <table class="signal-table linked-signals" data-testid=testid>
                <thead><tr><th>"Detected"</th><th>"Severity"</th><th>"Signal"</th><th>"Rule"</th><th>"State"</th><th>"Assignee"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|s| view! {
                        <tr data-signal=s.id>
                            <td class="mono">{short_time(&s.detected_at)}</td>
                            <td><span class=format!("pill sev-{}", s.severity.as_str())>{s.severity.as_str()}</span></td>
                            <td><a href=format!("/signals?query=&window=30d&signal={}", s.id)>{s.title.clone()}</a></td>
                            <td>{s.rule_name.clone()}</td>
                            <td data-testid="linked-state">{match s.archive_reason {
                                Some(r) => format!("{} ({})", human(s.state.as_str()), human(r.as_str())),
                                None => human(s.state.as_str()),
                            }}</td>
                            <td>{s.assignee.clone().unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// What happened, newest first: the incident's own changes and those of its case and signals.
#[component]
pub(crate) fn Timeline(rows: Vec<HistoryRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty-state">"Nothing recorded yet."</p> }.into_any();
    }
    view! {
        <ol class="history-list" data-testid="timeline">
            {rows.into_iter().map(|h| view! {
                <li>
                    <span class="mono">{short_time(&h.at)}</span>" "
                    <strong>{h.actor.unwrap_or_else(|| "system".into())}</strong>" "
                    {format!("{} {}: {}: {} → {}", human(&h.asset_type), h.asset_id, human(&h.action), h.old_value.unwrap_or_else(|| "–".into()), h.new_value.unwrap_or_else(|| "–".into()))}
                    {h.reason.map(|r| format!(" ({})", human(&r)))}
                    {h.comment.map(|c| format!(" · {c}"))}
                </li>
            }).collect_view()}
        </ol>
    }
    .into_any()
}
