//! The signal explorer (`/signals`): where every number on the overview leads, and where the
//! team triages. The query, window, sort, page and open signal all live in the URL, so any view
//! can be shared. Facets count the whole result and add terms to the query; a side panel shows
//! one signal with its history and, for those allowed, the triage actions.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::json;

use analytics::query::Sort;
use analytics::{ArchiveReason, TriageState};

use crate::auth::use_current_user;
use crate::client;
use crate::service::{list_signals, load_signal_detail, signal_facets, SignalDetail, SignalRow};
use crate::window_picker::{use_window, WindowPicker};

/// `/signals?query=…&window=…`, percent-encoded.
pub fn signals_href(query: &str, window: &str) -> String {
    format!("/signals?query={}&window={}", encode(query), encode(window))
}

/// Percent-encodes everything but unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `query` with `attribute:value` added (quoted when needed), unless it is already there.
pub fn add_term(query: &str, attribute: &str, value: &str) -> String {
    let term = format!("{attribute}:{}", analytics::query::render_value(value));
    let query = query.trim();
    if query.split_whitespace().any(|t| t == term) {
        query.to_owned()
    } else if query.is_empty() {
        term
    } else if query.contains(" OR ") {
        format!("({query}) {term}")
    } else {
        format!("{query} {term}")
    }
}

fn words(text: &str) -> String {
    text.replace('_', " ")
}

fn short_time(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").get(0..19).unwrap_or_default().to_owned()
}

#[component]
pub fn SignalsPage() -> impl IntoView {
    let params = use_query_map();
    let window = use_window();
    let query = move || params.read().get("query").unwrap_or_default();
    let cursor = move || params.read().get("cursor");
    let open_signal = move || params.read().get("signal").and_then(|s| s.parse::<i64>().ok());
    let sort = move || params.read().get("sort").and_then(|s| Sort::parse(&s)).unwrap_or_default();
    // Bumped after every change, so the list, the facets and the panel reload.
    let refresh = RwSignal::new(0u32);
    let page = Resource::new(
        move || (query(), window.get().unwrap_or_default(), cursor(), sort(), refresh.get()),
        |(query, window, cursor, sort, _)| list_signals(query, window.as_param(), cursor, sort.as_str().to_owned()),
    );
    let facets = Resource::new(
        move || (query(), window.get().unwrap_or_default(), refresh.get()),
        |(query, window, _)| signal_facets(query, window.as_param()),
    );
    let href_with = move |sort: Sort, cursor: Option<String>| {
        let mut href = signals_href(&query(), &window.get().unwrap_or_default().as_param());
        if sort != Sort::Newest {
            href.push_str(&format!("&sort={}", sort.as_str()));
        }
        if let Some(cursor) = cursor {
            href.push_str(&format!("&cursor={}", encode(&cursor)));
        }
        href
    };
    let sort_param = sort;
    let panel_href = move |id: Option<i64>| {
        let mut href = href_with(sort_param(), cursor());
        if let Some(id) = id {
            href.push_str(&format!("&signal={id}"));
        }
        href
    };
    let export_href = move |format: &str| {
        format!(
            "/api/v1/signals?format={format}&query={}&window={}",
            encode(&query()),
            encode(&window.get().unwrap_or_default().as_param())
        )
    };
    let user = use_current_user();
    let can_write = move || user.get().is_some_and(|u| u.can_write_signals());
    let selected = RwSignal::new(Vec::<(i64, i64)>::new());
    let message = RwSignal::new(None::<Result<String, String>>);

    view! {
        <Title text="Signals"/>
        <div class="page-header">
            <div class="page-heading">
                <h1>"Signals"</h1>
                <p class="page-subtitle">
                    "Matching the query for "
                    <span class="window-label">{move || window.get().unwrap_or_default().label()}</span>
                </p>
            </div>
            <WindowPicker window/>
        </div>
        <form class="query-form" method="get" action="/signals">
            <input
                class="query-input"
                type="search"
                name="query"
                aria-label="Query"
                placeholder="@workflow.triage.state:open status:high"
                prop:value=query
            />
            <input type="hidden" name="window" prop:value=move || window.get().unwrap_or_default().as_param()/>
            <button class="button" type="submit">"Search"</button>
            <a class="button ghost" href=move || export_href("csv") download="signals.csv">"Export CSV"</a>
            <a class="button ghost" href=move || export_href("ndjson") download="signals.ndjson">"Export NDJSON"</a>
        </form>
        <nav class="quick-queries" aria-label="Saved views">
            {move || user.get().map(|u| {
                let mine = format!("@workflow.triage.assignee:{} -@workflow.triage.state:archived", analytics::query::render_value(&u.username));
                view! { <a href=move || signals_href(&mine, &window.get().unwrap_or_default().as_param())>"Assigned to me"</a> }
            })}
            <a href=move || signals_href("@workflow.triage.state:open -@workflow.triage.assignee:*", &window.get().unwrap_or_default().as_param())>"Open and unassigned"</a>
            <a href=move || signals_href("@workflow.triage.state:open (status:critical OR status:high)", &window.get().unwrap_or_default().as_param())>"Open and important"</a>
            <a href=move || signals_href("@workflow.triage.state:under_review", &window.get().unwrap_or_default().as_param())>"Under review"</a>
        </nav>
        <client::Notice message/>
        <div class="explorer" class:with-panel=move || open_signal().is_some()>
            <aside class="facets" aria-label="Facets">
                <Suspense fallback=|| ()>
                    {move || facets.get().and_then(Result::ok).map(|facets| {
                        facets.into_iter().filter(|f| !f.values.is_empty()).map(|facet| {
                            let attribute = facet.attribute.clone();
                            view! {
                                <section class="facet">
                                    <h3>{facet.label.clone()}</h3>
                                    <ul>
                                        {facet.values.into_iter().map(|v| {
                                            let href = signals_href(
                                                &add_term(&query(), &attribute, &v.value),
                                                &window.get_untracked().unwrap_or_default().as_param(),
                                            );
                                            view! {
                                                <li>
                                                    <a href=href data-facet=attribute.clone() data-value=v.value.clone()>
                                                        <span class="facet-value" title=v.label.clone()>{v.label.clone()}</span>
                                                        <span class="facet-count">{crate::panels::thousands(v.count as f64)}</span>
                                                    </a>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </section>
                            }
                        }).collect_view()
                    })}
                </Suspense>
            </aside>
            <div class="explorer-main">
                <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
                    {move || {
                        page.get().map(|result| match result {
                            Err(error) => view! {
                                <p class="module-error" role="alert">{clean_error(&error.to_string())}</p>
                            }
                            .into_any(),
                            Ok(page) => {
                                let total = page.total;
                                let next = page.next_cursor.clone();
                                let rows = page.rows;
                                let versions: Vec<(i64, i64)> = rows.iter().map(|r| (r.id, r.version)).collect();
                                view! {
                                    <div class="list-bar">
                                        <span>
                                            <strong data-testid="signal-total">{crate::panels::thousands(total as f64)}</strong>
                                            {if total == 1 { " signal" } else { " signals" }}
                                        </span>
                                        <span class="list-links">
                                            <a href=move || href_with(if sort() == Sort::Newest { Sort::Oldest } else { Sort::Newest }, None)>
                                                {move || match sort() {
                                                    Sort::Newest => "Newest first ▾",
                                                    Sort::Oldest => "Oldest first ▴",
                                                    Sort::Severity => "Most severe first ▾",
                                                }}
                                            </a>
                                            {move || cursor().map(|_| view! { <a href=href_with(sort_param(), None)>"First page"</a> })}
                                            {next.map(|next| view! { <a href=href_with(sort_param(), Some(next)) rel="next">"Next page"</a> })}
                                        </span>
                                    </div>
                                    <Show when=move || can_write() && !selected.get().is_empty()>
                                        <BulkBar selected refresh message/>
                                    </Show>
                                    {if rows.is_empty() {
                                        view! { <p class="module-empty-text">"No signal matches this query in this window."</p> }.into_any()
                                    } else {
                                        let all = versions.clone();
                                        view! {
                                            <table class="signal-table">
                                                <thead>
                                                    <tr>
                                                        <Show when=can_write>
                                                            <th class="select-cell">
                                                                <input
                                                                    type="checkbox"
                                                                    aria-label="Select every signal on this page"
                                                                    prop:checked={
                                                                        let all = all.clone();
                                                                        move || !all.is_empty() && selected.with(|s| all.iter().all(|x| s.contains(x)))
                                                                    }
                                                                    on:change={
                                                                        let all = all.clone();
                                                                        move |ev| {
                                                                            let on = event_target_checked(&ev);
                                                                            selected.set(if on { all.clone() } else { Vec::new() });
                                                                        }
                                                                    }
                                                                />
                                                            </th>
                                                        </Show>
                                                        <th aria-sort=move || match sort() { Sort::Newest => "descending", Sort::Oldest => "ascending", Sort::Severity => "none" }>
                                                            <a class="sort-header" href=move || href_with(if sort() == Sort::Newest { Sort::Oldest } else { Sort::Newest }, None)>"Detected"</a>
                                                        </th>
                                                        <th aria-sort=move || if sort() == Sort::Severity { "descending" } else { "none" }>
                                                            <a class="sort-header" href=move || href_with(Sort::Severity, None)>"Severity"</a>
                                                        </th>
                                                        <th>"Title"</th>
                                                        <th class="col-rule">"Rule"</th>
                                                        <th class="col-source">"Source"</th>
                                                        <th>"State"</th>
                                                        <th class="col-assignee">"Assignee"</th>
                                                        <th class="col-country">"Country"</th>
                                                        <th class="col-ip">"IP"</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {rows.into_iter().map(|row| {
                                                        let key = (row.id, row.version);
                                                        let current = move || open_signal() == Some(key.0);
                                                        view! {
                                                            <tr data-signal=row.id class:current=current>
                                                                <Show when=can_write>
                                                                    <td class="select-cell">
                                                                        <input
                                                                            type="checkbox"
                                                                            aria-label=format!("Select signal {}", key.0)
                                                                            prop:checked=move || selected.with(|s| s.contains(&key))
                                                                            on:change=move |ev| {
                                                                                let on = event_target_checked(&ev);
                                                                                selected.update(|s| {
                                                                                    s.retain(|x| x.0 != key.0);
                                                                                    if on {
                                                                                        s.push(key);
                                                                                    }
                                                                                });
                                                                            }
                                                                        />
                                                                    </td>
                                                                </Show>
                                                                <td class="mono">{short_time(&row.detected_at)}</td>
                                                                <td><span class=format!("pill sev-{}", row.severity.as_str())>{row.severity.as_str()}</span></td>
                                                                <td><a class="signal-link" href=panel_href(Some(row.id))>{row.title.clone()}</a></td>
                                                                <td class="col-rule">{row.rule_name.clone()}</td>
                                                                <td class="col-source">{row.source.clone()}</td>
                                                                <td data-testid="state">{state_label(&row)}</td>
                                                                <td class="col-assignee">{row.assignee.clone().unwrap_or_default()}</td>
                                                                <td class="col-country">{row.country.clone().unwrap_or_default()}</td>
                                                                <td class="mono col-ip">{row.ip.clone().unwrap_or_default()}</td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }
                                        .into_any()
                                    }}
                                }
                                .into_any()
                            }
                        })
                    }}
                </Suspense>
            </div>
            {move || open_signal().map(|id| view! { <SidePanel id refresh message close_href=panel_href(None)/> })}
        </div>
    }
}

fn state_label(row: &SignalRow) -> String {
    match row.archive_reason {
        Some(reason) if row.state == TriageState::Archived => format!("archived: {}", words(reason.as_str())),
        _ => words(row.state.as_str()),
    }
}


/// The actions on every selected signal.
#[component]
fn BulkBar(
    selected: RwSignal<Vec<(i64, i64)>>,
    refresh: RwSignal<u32>,
    message: client::Outcome,
) -> impl IntoView {
    let user = use_current_user();
    let reason = RwSignal::new(String::new());
    let case_title = RwSignal::new(String::new());
    let open_cases = Resource::new(|| (), |_| crate::service::list_cases());
    let items = move || {
        selected
            .get_untracked()
            .iter()
            .map(|(id, version)| json!({ "id": id, "version": version }))
            .collect::<Vec<_>>()
    };
    let bulk = move |change: serde_json::Value| {
        let mut body = change;
        body["signals"] = json!(items());
        selected.set(Vec::new());
        client::run(refresh, message, async move { client::post("/api/v1/signals/triage", &body).await }, |v| {
            let changed = v["changed"].as_array().map_or(0, Vec::len);
            let refused = v["refused"].as_array().cloned().unwrap_or_default();
            let mut text = format!("{changed} changed");
            if !refused.is_empty() {
                let reasons: Vec<String> = refused.iter().filter_map(|r| r["error"].as_str().map(str::to_owned)).take(3).collect();
                text.push_str(&format!("; {} refused: {}", refused.len(), reasons.join("; ")));
            }
            text
        });
    };
    view! {
        <div class="bulk-bar" role="toolbar" aria-label="Bulk actions">
            <span><strong>{move || selected.get().len()}</strong>" selected"</span>
            <button class="button" on:click=move |_| bulk(json!({ "change": "state", "to": "under_review" }))>"Under review"</button>
            <button class="button" on:click=move |_| bulk(json!({ "change": "state", "to": "open" }))>"Reopen"</button>
            <button
                class="button"
                on:click=move |_| bulk(json!({ "change": "assign", "assignee_id": user.get().map(|u| u.id) }))
            >
                "Assign to me"
            </button>
            <span class="inline-form">
                <select aria-label="Archive reason for the selection" on:change=move |ev| reason.set(event_target_value(&ev))>
                    <option value="">"Archive as…"</option>
                    {ArchiveReason::ALL.iter().map(|r| view! { <option value=r.as_str()>{words(r.as_str())}</option> }).collect_view()}
                </select>
                <button
                    class="button"
                    prop:disabled=move || reason.get().is_empty()
                    on:click=move |_| bulk(json!({ "change": "state", "to": "archived", "reason": reason.get_untracked() }))
                >
                    "Archive"
                </button>
            </span>
            <span class="inline-form">
                <input
                    placeholder="New case title"
                    aria-label="New case title"
                    prop:value=case_title
                    on:input=move |ev| case_title.set(event_target_value(&ev))
                />
                <button
                    class="button"
                    prop:disabled=move || case_title.get().trim().is_empty()
                    on:click=move |_| {
                        let body = json!({ "title": case_title.get_untracked(), "signals": items() });
                        selected.set(Vec::new());
                        case_title.set(String::new());
                        client::run(refresh, message, async move { client::post("/api/v1/cases", &body).await }, |v| {
                            format!("created case {} with {} signals", v["case"]["id"], v["linked"].as_array().map_or(0, Vec::len))
                        });
                    }
                >
                    "Create case"
                </button>
            </span>
            <select
                aria-label="Add the selection to a case"
                on:change=move |ev| {
                    if let Ok(case) = event_target_value(&ev).parse::<i64>() {
                        let body = json!({ "signals": items() });
                        selected.set(Vec::new());
                        client::run(refresh, message, async move { client::post(&format!("/api/v1/cases/{case}/signals"), &body).await }, move |v| {
                            format!("{} added to case {case}", v["linked"].as_array().map_or(0, Vec::len))
                        });
                    }
                }
            >
                <option value="">"Add to case…"</option>
                // The bar exists only in the browser (after a selection), so no hydration here.
                {move || open_cases.get().and_then(Result::ok).map(|cases| {
                    cases
                        .into_iter()
                        .filter(|c| c.status != analytics::CaseStatus::Closed)
                        .take(50)
                        .map(|c| view! { <option value=c.id.to_string()>{format!("{}: {}", c.id, c.title)}</option> })
                        .collect_view()
                })}
            </select>
            <button class="button ghost" on:click=move |_| selected.set(Vec::new())>"Clear"</button>
        </div>
    }
}

/// One signal: everything about it, its history, and the triage actions.
#[component]
fn SidePanel(
    id: i64,
    refresh: RwSignal<u32>,
    message: client::Outcome,
    close_href: String,
) -> impl IntoView {
    let detail = Resource::new(move || (id, refresh.get()), |(id, _)| load_signal_detail(id));
    view! {
        <aside class="side-panel" aria-label=format!("Signal {id}") data-testid="side-panel">
            <a class="panel-close" href=close_href aria-label="Close">"×"</a>
            <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
                {move || detail.get().map(|d| match d {
                    Ok(Some(d)) => view! { <SignalView d refresh message/> }.into_any(),
                    Ok(None) => view! { <p class="module-error">{format!("Signal {id} does not exist.")}</p> }.into_any(),
                    Err(e) => view! { <p class="module-error" role="alert">{clean_error(&e.to_string())}</p> }.into_any(),
                })}
            </Suspense>
        </aside>
    }
}

#[component]
fn SignalView(d: SignalDetail, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let user = use_current_user();
    let can_write = move || user.get().is_some_and(|u| u.can_write_signals());
    let row = d.row.clone();
    let query_href = |q: String| signals_href(&q, "30d");
    let kv = |label: &'static str, value: Option<String>| {
        value.map(|v| view! { <div class="kv"><dt>{label}</dt><dd>{v}</dd></div> })
    };
    view! {
        <header class="panel-head">
            <span class=format!("pill sev-{}", row.severity.as_str())>{row.severity.as_str()}</span>
            <h2>{row.title.clone()}</h2>
            <p class="panel-sub">
                {format!("Signal {} · detected {} · ", row.id, short_time(&row.detected_at))}
                <strong data-testid="panel-state">{state_label(&row)}</strong>
                {row.assignee.clone().map(|a| format!(" · assigned to {a}"))}
                {row.case_id.map(|c| view! { " · " <a href=format!("/cases/{c}")>{format!("case {c}")}</a> })}
            </p>
        </header>
        {
            let d = d.clone();
            move || can_write().then(|| view! { <TriageActions d=d.clone() refresh message/> })
        }
        <section class="panel-section">
            <h3>"Rule and ATT&CK"</h3>
            <dl>
                <div class="kv"><dt>"Rule"</dt><dd><a href=query_href(format!("@workflow.rule.id:{}", d.rule_id))>{row.rule_name.clone()}</a>" " <span class="mono">{d.rule_id.clone()}</span></dd></div>
                <div class="kv"><dt>"Tactics"</dt><dd>{d.tactics.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                <div class="kv"><dt>"Techniques"</dt><dd>{d.techniques.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                {kv("Source", Some(row.source.clone()))}
                {kv("Product", Some(d.product.clone()))}
                {kv("First seen", Some(short_time(&d.first_seen)))}
            </dl>
        </section>
        <section class="panel-section">
            <h3>"Entities"</h3>
            <ul class="entity-list">
                {d.entities.iter().map(|(kind, name)| view! {
                    <li><span class="entity-kind">{words(kind)}</span>" "<a href=query_href(format!("@entity.name:{}", analytics::query::render_value(name)))>{name.clone()}</a></li>
                }).collect_view()}
            </ul>
        </section>
        <section class="panel-section">
            <h3>"Network and threat intel"</h3>
            <dl>
                {kv("IP", row.ip.clone())}
                {kv("Country", row.country.clone())}
                {kv("Region", d.region.clone())}
                {kv("City", d.city.clone())}
                {kv("ISP", d.isp.clone())}
                {kv("ASN", d.asn.map(|a| format!("AS{a}")))}
                {kv("Indicator", d.ti_indicator.clone())}
                {kv("Category", d.ti_category.clone())}
                {kv("Intention", d.ti_intention.clone())}
                {kv("Subcategory", d.ti_subcategory.clone())}
                {kv("Archive comment", d.archive_comment.clone())}
            </dl>
        </section>
        <section class="panel-section">
            <h3>{format!("Related signals ({})", d.related.len())}</h3>
            <ul class="related-list">
                {d.related.iter().map(|r| view! {
                    <li>
                        <span class=format!("pill sev-{}", r.severity.as_str())>{r.severity.as_str()}</span>" "
                        <a href=format!("/signals?query={}&window=30d&signal={}", encode(&format!("@network.ip.list:{}", r.ip.clone().unwrap_or_default())), r.id)>{r.title.clone()}</a>
                        <span class="muted">{format!(" {}", short_time(&r.detected_at))}</span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="panel-section">
            <h3>"History"</h3>
            <ol class="history-list" data-testid="history">
                {d.history.iter().rev().map(|h| view! {
                    <li>
                        <span class="mono">{short_time(&h.at)}</span>" "
                        <strong>{h.actor.clone().unwrap_or_else(|| "system".into())}</strong>" "
                        {format!("{}: {} → {}", h.action, h.old_value.clone().unwrap_or_else(|| "–".into()), h.new_value.clone().unwrap_or_else(|| "–".into()))}
                        {h.reason.clone().map(|r| format!(" ({})", words(&r)))}
                        {h.comment.clone().map(|c| view! { <q>{c}</q> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn TriageActions(d: SignalDetail, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let user = use_current_user();
    let id = d.row.id;
    let version = d.row.version;
    let reason = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let case_title = RwSignal::new(d.row.title.clone());
    let incident_severity = RwSignal::new("SEV-3".to_owned());
    let change = move |body: serde_json::Value, done: &'static str| {
        let mut body = body;
        body["version"] = json!(version);
        client::run(refresh, message, async move { client::post(&format!("/api/v1/signals/{id}/triage"), &body).await }, move |_| {
            format!("Signal {id}: {done}")
        });
    };
    if !d.modifiable {
        return view! {
            <p class="notice" data-testid="too-old">"Detected more than 30 days ago: this signal can no longer be changed."</p>
        }
        .into_any();
    }
    let states = d.next_states.clone();
    let can_archive = states.contains(&TriageState::Archived);
    let assignee = d.assignee_id;
    let navigate = use_navigate();
    let _ = &navigate;
    view! {
        <section class="panel-section triage" aria-label="Triage">
            <div class="action-row">
                {states.iter().filter(|s| **s != TriageState::Archived).map(|&s| {
                    let label = match s {
                        TriageState::UnderReview => "Move to under review",
                        TriageState::Open => "Reopen",
                        TriageState::Archived => "Archive",
                    };
                    view! { <button class="button" on:click=move |_| change(json!({ "change": "state", "to": s.as_str() }), label)>{label}</button> }
                }).collect_view()}
                {if assignee.is_some() && assignee == user.get_untracked().map(|u| u.id) {
                    view! { <button class="button" on:click=move |_| change(json!({ "change": "assign", "assignee_id": null }), "unassigned")>"Unassign"</button> }.into_any()
                } else {
                    view! {
                        <button class="button" on:click=move |_| change(json!({ "change": "assign", "assignee_id": user.get_untracked().map(|u| u.id) }), "assigned to you")>
                            "Assign to me"
                        </button>
                    }
                    .into_any()
                }}
                <select aria-label="Assignee" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let assignee = value.parse::<i64>().ok();
                    change(json!({ "change": "assign", "assignee_id": assignee }), "assignee changed");
                }>
                    <option value="" selected=assignee.is_none()>"Unassigned"</option>
                    {d.assignable.iter().map(|a| view! {
                        <option value=a.id.to_string() selected=assignee == Some(a.id)>{a.display_name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            {can_archive.then(|| view! {
                <form class="archive-form" on:submit=move |ev| {
                    ev.prevent_default();
                    change(json!({ "change": "state", "to": "archived", "reason": reason.get_untracked(), "comment": comment.get_untracked() }), "archived");
                }>
                    <select aria-label="Archive reason" required on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="">"Reason…"</option>
                        {ArchiveReason::ALL.iter().map(|r| view! { <option value=r.as_str()>{words(r.as_str())}</option> }).collect_view()}
                    </select>
                    <input aria-label="Archive comment" placeholder="Comment (optional)" on:input=move |ev| comment.set(event_target_value(&ev))/>
                    <button class="button primary" type="submit" prop:disabled=move || reason.get().is_empty()>"Archive"</button>
                </form>
            })}
            <div class="action-row">
                <input aria-label="Case title" prop:value=case_title on:input=move |ev| case_title.set(event_target_value(&ev))/>
                <button class="button" on:click=move |_| {
                    let body = json!({ "title": case_title.get_untracked(), "signals": [{ "id": id, "version": version }] });
                    client::run(refresh, message, async move { client::post("/api/v1/cases", &body).await }, |v| format!("Created case {}", v["case"]["id"]));
                }>"Create case"</button>
                {(!d.open_cases.is_empty()).then(|| view! {
                    <select aria-label="Add to case" on:change=move |ev| {
                        if let Ok(case) = event_target_value(&ev).parse::<i64>() {
                            let body = json!({ "signals": [{ "id": id, "version": version }] });
                            client::run(refresh, message, async move { client::post(&format!("/api/v1/cases/{case}/signals"), &body).await }, move |_| format!("Added to case {case}"));
                        }
                    }>
                        <option value="">"Add to case…"</option>
                        {d.open_cases.iter().take(50).map(|(cid, title)| view! { <option value=cid.to_string()>{format!("{cid}: {title}")}</option> }).collect_view()}
                    </select>
                })}
            </div>
            <div class="action-row">
                <select aria-label="Incident severity" on:change=move |ev| incident_severity.set(event_target_value(&ev))>
                    {analytics::IncidentSeverity::ALL.iter().map(|s| view! { <option value=s.as_str() selected=s.as_str() == "SEV-3">{s.as_str()}</option> }).collect_view()}
                </select>
                <button class="button" on:click={
                    let title = d.row.title.clone();
                    move |_| {
                        let body = json!({ "title": title, "severity": incident_severity.get_untracked(), "signal_id": id, "commander_id": user.get_untracked().map(|u| u.id) });
                        client::run(refresh, message, async move { client::post("/api/v1/incidents", &body).await }, |v| format!("Declared incident {}", v["incident"]["id"]));
                    }
                }>"Declare incident"</button>
                <button class="button" on:click=move |_| {
                    client::run(refresh, message, async move { client::post(&format!("/api/v1/signals/{id}/workflow"), &json!({})).await }, |v| format!("Workflow ran: the webhook answered {}", v["status"]));
                }>"Run workflow"</button>
            </div>
        </section>
    }
    .into_any()
}

/// Server function errors arrive prefixed with their kind; people need only the message.
fn clean_error(text: &str) -> String {
    let message = text.split_once(": ").map_or(text, |(_, rest)| rest);
    format!("Query error: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drill_down_links_encode_the_query() {
        assert_eq!(
            signals_href("@workflow.rule.id:def-0001 status:\"a b\"", "7d"),
            "/signals?query=%40workflow.rule.id%3Adef-0001%20status%3A%22a%20b%22&window=7d"
        );
    }

    #[test]
    fn facet_clicks_add_a_term_once() {
        assert_eq!(add_term("", "status", "high"), "status:high");
        assert_eq!(add_term("status:high", "source", "okta"), "status:high source:okta");
        assert_eq!(add_term("status:high", "status", "high"), "status:high");
        assert_eq!(add_term("a OR b", "status", "high"), "(a OR b) status:high");
        let q = add_term("", "@network.client.isp", "Amazon.com, Inc.");
        assert_eq!(
            analytics::query::Query::parse(&q).unwrap(),
            analytics::query::Query::Term {
                attribute: analytics::query::Attribute::Isp,
                value: "Amazon.com, Inc.".into()
            }
        );
    }
}
