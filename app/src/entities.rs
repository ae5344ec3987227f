//! The entity pages: `/entities` lists users, hosts, addresses, identities and resources by risk,
//! filtered by type and level; `/entities/{type}/{name}` shows one: its risk score and how it moved
//! over 30 days, the signals behind it with what each adds, its open signals with the analyst's
//! actions on all of them, the cases they are in and the entities they share signals with.

use analytics::entity::{EntityList, EntityProfile, EntitySignal};
use analytics::overview::RiskLevel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::charts;
use crate::client;
use crate::format::{decode, entity_href, human, signals_href, thousands, when};
use crate::service::{entity_list, entity_page};

/// The explorer on the entity's signals of the last 30 days, with one of them open (if `signal`).
fn explorer_href(query: &str, signal: Option<i64>) -> String {
    let mut href = signals_href(query, "30d");
    if let Some(id) = signal {
        href.push_str(&format!("&signal={id}"));
    }
    href
}

/// Rows a signal list of the entity page shows before "Show all".
const SHORT: usize = 10;

fn level_text(level: Option<RiskLevel>) -> &'static str {
    level.map_or("no risk", RiskLevel::as_str)
}

fn score_class(level: Option<RiskLevel>) -> String {
    format!("score risk-{}", level.map_or("none", RiskLevel::as_str))
}

fn severity_pill(s: analytics::Severity) -> impl IntoView {
    view! { <span class=format!("pill sev-{}", s.as_str())>{s.as_str()}</span> }
}

/// `/entities?type=…&level=…`.
#[component]
pub fn EntitiesPage() -> impl IntoView {
    let params = use_query_map();
    let kind = move || params.read().get("type").unwrap_or_default();
    let level = move || params.read().get("level").unwrap_or_default();
    let data = Resource::new(move || (kind(), level()), |(k, l)| entity_list(k, l));
    view! {
        <Title text="Entities"/>
        <div class="page-header"><div class="page-heading"><h1>"Entities"</h1>
            <p class="page-subtitle">"Users, hosts, addresses, cloud identities and resources named by signals, riskiest first. The score is today's (see the product reference §4.3)."</p></div></div>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(list) => view! { <EntityTable list kind=kind() level=level()/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EntityTable(list: EntityList, kind: String, level: String) -> impl IntoView {
    let shown = list.rows.len();
    let count = if (shown as u64) < list.matching {
        format!("The riskiest {shown} of {} entities", thousands(list.matching as f64))
    } else {
        format!("{} entit{}", thousands(list.matching as f64), if list.matching == 1 { "y" } else { "ies" })
    };
    let digits = crate::format::score_decimals(list.rows.iter().map(|r| r.score));
    view! {
        // A plain GET form: it filters before the page is hydrated too.
        <form class="inline-form entity-filters" method="get" action="/entities">
            <label>"Type "
                <select name="type" data-testid="entity-type-filter">
                    <option value="" selected=kind.is_empty()>"any type"</option>
                    {list.by_kind.iter().map(|(k, n)| view! {
                        <option value=k.as_str() selected=kind == k.as_str()>{format!("{} ({n})", human(k.as_str()))}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Risk "
                <select name="level" data-testid="entity-level-filter">
                    <option value="" selected=level.is_empty()>"any level"</option>
                    {list.by_level.iter().map(|(l, n)| {
                        let value = l.map_or("none", RiskLevel::as_str);
                        view! { <option value=value selected=level == value>{format!("{} ({n})", level_text(*l))}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button class="button" type="submit">"Show"</button>
        </form>
        <p class="list-count" data-testid="entity-count">{count}</p>
        {list.rows.is_empty().then(|| view! { <p class="empty-state">"No entity matches these filters."</p> })}
        <div class="table-scroll">
            <table class="signal-table entity-table" data-testid="entity-table">
                <thead><tr><th class="num">"Risk"</th><th>"Entity"</th><th>"Type"</th><th class="num">"Signals, 30 days"</th><th>"Last signal"</th></tr></thead>
                <tbody>
                    {list.rows.into_iter().map(|r| view! {
                        <tr data-kind=r.kind.as_str()>
                            <td class="num"><span class=score_class(r.level) title=format!("{} risk", level_text(r.level))>{format!("{:.*}", digits, r.score)}</span></td>
                            <td class="entity-name"><a href=entity_href(r.kind, &r.name)>{r.name.clone()}</a></td>
                            <td>{human(r.kind.as_str())}</td>
                            <td class="num">{thousands(r.signals as f64)}</td>
                            <td class="faint">{r.last_seen_ms.map(when).unwrap_or_else(|| "–".to_owned())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/entities/{type}/{name}`.
#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || params.read().get("kind").unwrap_or_default();
    // The name is percent-encoded in the path (it may hold slashes).
    let name = move || decode(&params.read().get("name").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let message = RwSignal::new(None::<Result<String, String>>);
    let data = Resource::new(move || (kind(), name(), refresh.get()), |(k, n, _)| entity_page(k, n));
    view! {
        <Title text="Entity"/>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="empty-state">"There is no such entity. "<a href="/entities">"All entities"</a></p> }.into_any(),
                Ok(Some(p)) => view! { <EntityView p refresh message/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EntityView(p: EntityProfile, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let user = crate::auth::use_current_user().0;
    let times: Vec<String> = p.history.iter().map(|(at, _)| analytics::window::format_day(*at)).collect();
    let values: Vec<f64> = p.history.iter().map(|(_, s)| *s).collect();
    let chart = charts::score_line((900, 180), &format!("Risk score of {}, last 30 days", p.name), &values, &times, charts::PALETTE[0]);
    let change = values.first().map_or(0.0, |first| p.score - first);
    let selected = RwSignal::new(p.open.iter().map(|s| (s.id, s.version)).collect::<Vec<_>>());
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    let query = p.query.clone();
    let digits = crate::format::score_decimals(p.contributions.iter().map(|s| s.points).chain([p.score]));
    view! {
        <div class="page-header">
            <div class="page-heading">
                <p class="crumbs"><a href="/entities">"Entities"</a>" / "{human(p.kind.as_str())}</p>
                <h1 class="entity-title" data-testid="entity-name">{p.name.clone()}</h1>
                <p class="page-subtitle">
                    <span class="pill">{human(p.kind.as_str())}</span>" "
                    {match (p.first_seen_ms, p.last_seen_ms) {
                        (Some(first), Some(last)) => format!("first seen {} · last seen {}", when(first), when(last)),
                        _ => "never named by a signal".to_owned(),
                    }}
                    " · "<a href=explorer_href(&query, None) data-testid="entity-explorer">"its signals in the explorer"</a>
                </p>
            </div>
        </div>
        <div class="stats entity-stats">
            <div class="stat">
                <span class="stat-label">"Risk score"</span>
                <span class=format!("stat-value {}", score_class(p.level)) data-testid="entity-score">{format!("{:.*}", digits, p.score)}</span>
                <span class="change flat" data-testid="entity-level">{format!("{} · {:+.1} in 30 days", level_text(p.level), change)}</span>
            </div>
            <div class="stat"><span class="stat-label">"Signals adding to it"</span><span class="stat-value" data-testid="entity-contributing">{thousands(p.contributing as f64)}</span></div>
            <div class="stat"><span class="stat-label">"Open signals"</span><span class="stat-value" data-testid="entity-open-count">{thousands(p.open_count as f64)}</span></div>
            <div class="stat"><span class="stat-label">"Cases"</span><span class="stat-value">{p.cases.len().to_string()}</span></div>
            <a class="stat drill" href=explorer_href(&query, None) data-testid="entity-signals-30d" data-count=p.signals_30d>
                <span class="stat-label">"Signals, last 30 days"</span>
                <span class="stat-value">{thousands(p.signals_30d as f64)}</span>
                <span class="change flat">{format!("{} all time", thousands(p.signals as f64))}</span>
            </a>
        </div>
        <section class="admin-section">
            <h2>"Risk over the last 30 days"</h2>
            <div class="chart-box" data-testid="entity-risk-history" inner_html=chart></div>
            <p class="admin-hint">{format!(
                "The score is 100 × (1 − e^(−S/100)) where S, now {:.2}, sums each signal's severity weight (critical 40, high 20, medium 8, low 3), halved for every full 7 days of age; signals older than 30 days and those archived as false positive or testing add nothing.",
                p.sum
            )}</p>
        </section>
        <section class="admin-section">
            <h2>"What makes up the score"</h2>
            {p.contributions.is_empty().then(|| view! { <p class="empty-state">"No signal adds to this entity's risk now."</p> })}
            {(p.contributing as usize > p.contributions.len()).then(|| view! {
                <p class="list-count">{format!("The {} largest of {} contributions", p.contributions.len(), p.contributing)}</p>
            })}
            <SignalTable rows=p.contributions.clone() query=query.clone() points=true digits testid="entity-contributions"/>
        </section>
        <section class="admin-section">
            <h2>"Open signals"</h2>
            {p.open.is_empty().then(|| view! { <p class="empty-state">"No open signal names this entity."</p> })}
            {(p.open_count as usize > p.open.len()).then(|| view! {
                <p class="list-count">{format!("The newest {} of {} open signals", p.open.len(), p.open_count)}</p>
            })}
            // The actions exist in the browser only (like the explorer's bar, they act through the
            // REST API): drawn once the page is hydrated, so server and browser agree on the markup.
            {move || {
                let can_write = mounted.get() && user.get().flatten().is_some_and(|u| u.can_write_signals());
                (can_write && !selected.get_untracked().is_empty()).then(|| view! {
                    <p class="admin-hint">"Every open signal listed is selected: assign them, archive them, open a case with them or add them to one."</p>
                    <crate::signals::BulkBar selected refresh message/>
                })
            }}
            <SignalTable rows=p.open.clone() query=query.clone() points=false digits testid="entity-open"/>
        </section>
        <div class="rule-columns">
            <section class="admin-section">
                <h2>"Cases"</h2>
                {p.cases.is_empty().then(|| view! { <p class="empty-state">"None of its signals is in a case."</p> })}
                <ul class="rows" data-testid="entity-cases">
                    {p.cases.iter().map(|c| view! {
                        <li class="row">
                            <a class="row-main" href=format!("/cases/{}", c.id)>{format!("{}: {}", c.id, c.title)}</a>
                            <span class="faint">{format!("{} · {} · {} signal{}", human(c.status.as_str()), c.priority.as_str(), c.signals, if c.signals == 1 { "" } else { "s" })}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="admin-section">
                <h2>"Related entities"</h2>
                <p class="admin-hint">"Named by the same signals."</p>
                {p.related.is_empty().then(|| view! { <p class="empty-state">"No signal of it names another entity."</p> })}
                <table class="mini-table" data-testid="entity-related">
                    <thead><tr><th>"Entity"</th><th>"Type"</th><th class="num">"Shared signals"</th><th class="num">"Risk"</th></tr></thead>
                    <tbody>
                        {p.related.iter().map(|r| view! {
                            <tr>
                                <td class="entity-name"><a href=entity_href(r.kind, &r.name)>{r.name.clone()}</a></td>
                                <td>{human(r.kind.as_str())}</td>
                                <td class="num">{thousands(r.shared as f64)}</td>
                                <td class="num">{format!("{:.1}", r.score)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </div>
    }
}

/// Signals of the entity: severity, title (opening it in the explorer), rule, state, detection
/// time and, for the contributions, the points each adds.
#[component]
fn SignalTable(rows: Vec<EntitySignal>, query: String, points: bool, digits: usize, testid: &'static str) -> impl IntoView {
    let available = rows.len();
    let all = RwSignal::new(false);
    (!rows.is_empty()).then(|| {
        view! {
            {(available > SHORT).then(|| view! {
                <p class="list-count">
                    {move || format!("{} of {} listed ", if all.get() { available } else { SHORT }, available)}
                    <button type="button" class="link-button" data-testid=format!("{testid}-show-all")
                        aria-expanded=move || all.get().to_string()
                        on:click=move |_| all.update(|a| *a = !*a)>
                        {move || if all.get() { "Show fewer".to_owned() } else { format!("Show all {available}") }}
                    </button>
                </p>
            })}
            <div class="table-scroll">
                <table class="signal-table entity-signals" data-testid=testid>
                    <thead><tr>
                        {points.then(|| view! { <th class="num">"Adds"</th> })}
                        <th>"Severity"</th><th>"Signal"</th><th>"Rule"</th><th>"State"</th><th>"Detected"</th>
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().enumerate().map(|(k, s)| view! {
                            <tr data-signal=s.id hidden=move || { k >= SHORT && !all.get() }>
                                {points.then(|| view! { <td class="num">{format!("{:.*}", digits.max(1), s.points)}</td> })}
                                <td>{severity_pill(s.severity)}</td>
                                <td><a href=explorer_href(&query, Some(s.id))>{s.title.clone()}</a></td>
                                <td>{s.rule_name.clone()}</td>
                                <td>{match s.archive_reason {
                                    Some(reason) => format!("{} ({})", human(s.state.as_str()), human(reason.as_str())),
                                    None => human(s.state.as_str()),
                                }}</td>
                                <td class="mono">{when(s.detected_at_ms)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
    })
}

