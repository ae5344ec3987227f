//! The signal explorer (`/signals`): where every number on the overview leads, and where the
//! team triages. The query, window, sort, page and open signal all live in the URL, so any view
//! can be shared. Facets count the whole result and add terms to the query; a side panel shows
//! one signal with its history and, for those allowed, the triage actions.
//!
//! This file holds the page (query, facets, list); the bulk actions, the side panel and the
//! triage actions of one signal have their own files.

// Leptos' `#[component]` gives props builders `pub` setters (see `crate::panels`).
#[allow(unreachable_pub)]
mod bulk;
#[allow(unreachable_pub)]
mod detail;
#[allow(unreachable_pub)]
mod triage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use analytics::query::Sort;
use analytics::TriageState;

use crate::auth::use_current_user;
use crate::client;
use crate::format::{encode, human, short_time, signals_href, thousands};
use crate::rows::SignalRow;
use crate::service::{list_signals, signal_facets};
use crate::window_picker::{use_window, WindowPicker};
pub(crate) use bulk::BulkBar;
use detail::SidePanel;

/// Where the explorer's links and the server's redirects have always found them.

/// `query` with `attribute:value` added (quoted when needed), unless it is already there.
fn add_term(query: &str, attribute: &str, value: &str) -> String {
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
    let hidden_columns = RwSignal::new(Vec::<&'static str>::new());
    // The columns each person chose are kept in their browser, read once the page is live (the
    // server renders every column).
    Effect::new(move |_| hidden_columns.set(stored_hidden_columns()));

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
                                // Each facet folds away (its heading is the toggle).
                                <details class="facet" open>
                                    <summary><h3>{facet.label.clone()}</h3></summary>
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
                                                        <span class="facet-count">{thousands(v.count as f64)}</span>
                                                    </a>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </details>
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
                                <p class="module-error" role="alert">{query_error(&error)}</p>
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
                                            <strong data-testid="signal-total">{thousands(total as f64)}</strong>
                                            {if total == 1 { " signal" } else { " signals" }}
                                        </span>
                                        <span class="list-links">
                                            <a href=move || href_with(if sort() == Sort::Newest { Sort::Oldest } else { Sort::Newest }, None)>
                                                {move || match sort() {
                                                    Sort::Newest => "Newest first ▾",
                                                    Sort::Oldest => "Oldest first ▴",
                                                    Sort::Severity => "Most severe first ▾",
                                                    Sort::State => "By state: open first ▾",
                                                }}
                                            </a>
                                            {move || cursor().map(|_| view! { <a href=href_with(sort_param(), None)>"First page"</a> })}
                                            {next.map(|next| view! { <a href=href_with(sort_param(), Some(next)) rel="next">"Next page"</a> })}
                                            <ColumnChooser hidden=hidden_columns/>
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
                                            <div class="signal-scroll">
                                            <table class=move || {
                                                let mut class = String::from("signal-table");
                                                for column in hidden_columns.get() {
                                                    class.push_str(" hide-");
                                                    class.push_str(column);
                                                }
                                                class
                                            }>
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
                                                        <th aria-sort=move || match sort() { Sort::Newest => "descending", Sort::Oldest => "ascending", Sort::Severity | Sort::State => "none" }>
                                                            <a class="sort-header" href=move || href_with(if sort() == Sort::Newest { Sort::Oldest } else { Sort::Newest }, None)>"Detected"</a>
                                                        </th>
                                                        <th aria-sort=move || if sort() == Sort::Severity { "descending" } else { "none" }>
                                                            <a class="sort-header" href=move || href_with(Sort::Severity, None)>"Severity"</a>
                                                        </th>
                                                        <th class="col-title">"Title"</th>
                                                        <th class="col-rule">"Rule"</th>
                                                        <th class="col-source">"Source"</th>
                                                        <th class="col-state" aria-sort=move || if sort() == Sort::State { "ascending" } else { "none" }>
                                                            <a class="sort-header" href=move || href_with(Sort::State, None)>"State"</a>
                                                        </th>
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
                                                                // Month, day and time: the year is in the hover text.
                                                                <td class="mono col-detected" title=short_time(&row.detected_at)>{short_time(&row.detected_at).get(5..).unwrap_or_default().to_owned()}</td>
                                                                <td><span class=format!("pill sev-{}", row.severity.as_str())>{row.severity.as_str()}</span></td>
                                                                <td class="col-title"><a class="signal-link" href=panel_href(Some(row.id)) title=row.title.clone()>{row.title.clone()}</a></td>
                                                                <td class="col-rule" title=row.rule_name.clone()>{row.rule_name.clone()}</td>
                                                                <td class="col-source">{row.source.clone()}</td>
                                                                <td class="col-state" data-testid="state" title=state_label(&row)>{state_label(&row)}</td>
                                                                <td class="col-assignee" title=row.assignee.clone().unwrap_or_default()>{row.assignee.clone().unwrap_or_default()}</td>
                                                                <td class="col-country">{row.country.clone().unwrap_or_default()}</td>
                                                                <td class="mono col-ip">{row.ip.clone().unwrap_or_default()}</td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                            </div>
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

/// The columns a person can hide or show (`class`, label), beyond detection time, severity
/// and title, which every row keeps.
const OPTIONAL_COLUMNS: [(&str, &str); 6] =
    [("rule", "Rule"), ("source", "Source"), ("state", "State"), ("assignee", "Assignee"), ("country", "Country"), ("ip", "IP")];

/// Where the browser keeps the hidden columns.
#[cfg_attr(feature = "ssr", allow(dead_code))]
const COLUMNS_KEY: &str = "signalboard.explorer.hidden-columns";

fn stored_hidden_columns() -> Vec<&'static str> {
    #[cfg(not(feature = "ssr"))]
    {
        let stored = window().local_storage().ok().flatten().and_then(|s| s.get_item(COLUMNS_KEY).ok().flatten()).unwrap_or_default();
        OPTIONAL_COLUMNS.iter().map(|c| c.0).filter(|c| stored.split(',').any(|s| s == *c)).collect()
    }
    #[cfg(feature = "ssr")]
    {
        Vec::new()
    }
}

fn store_hidden_columns(hidden: &[&'static str]) {
    #[cfg(not(feature = "ssr"))]
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(COLUMNS_KEY, &hidden.join(","));
    }
    #[cfg(feature = "ssr")]
    let _ = hidden;
}

/// "Columns": a fold-out list of the optional columns, each a checkbox.
#[component]
fn ColumnChooser(hidden: RwSignal<Vec<&'static str>>) -> impl IntoView {
    view! {
        <details class="column-chooser" data-testid="column-chooser">
            <summary>"Columns"</summary>
            <fieldset>
                <legend class="visually-hidden">"Columns shown"</legend>
                {OPTIONAL_COLUMNS.iter().map(|&(column, label)| view! {
                    <label>
                        <input type="checkbox" prop:checked=move || !hidden.with(|h| h.contains(&column))
                            on:change=move |ev| {
                                let show = event_target_checked(&ev);
                                hidden.update(|h| {
                                    h.retain(|c| *c != column);
                                    if !show {
                                        h.push(column);
                                    }
                                });
                                store_hidden_columns(&hidden.get_untracked());
                            }/>
                        {label}
                    </label>
                }).collect_view()}
            </fieldset>
        </details>
    }
}

fn state_label(row: &SignalRow) -> String {
    match row.archive_reason {
        Some(reason) if row.state == TriageState::Archived => format!("archived: {}", human(reason.as_str())),
        _ => human(row.state.as_str()),
    }
}

/// What the list says when the server refuses a query (the message says what and where).
fn query_error(error: &crate::error::AppError) -> String {
    format!("Query error: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

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
