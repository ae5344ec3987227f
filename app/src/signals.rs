//! The signal list (`/signals`): where every number on the overview leads. A plain, paged,
//! sortable list of the signals matching an explorer query in the window; the full explorer
//! grows from here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::service::list_signals;
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

#[component]
pub fn SignalsPage() -> impl IntoView {
    let params = use_query_map();
    let window = use_window();
    let query = move || params.read().get("query").unwrap_or_default();
    let cursor = move || params.read().get("cursor");
    let newest_first = move || params.read().get("sort").as_deref() != Some("oldest");
    let page = Resource::new(
        move || (query(), window.get().unwrap_or_default(), cursor(), newest_first()),
        |(query, window, cursor, newest_first)| list_signals(query, window.as_param(), cursor, newest_first),
    );
    let href_with = move |sort: Option<&str>, cursor: Option<String>| {
        let mut href = signals_href(&query(), &window.get().unwrap_or_default().as_param());
        if let Some(sort) = sort {
            href.push_str(&format!("&sort={sort}"));
        }
        if let Some(cursor) = cursor {
            href.push_str(&format!("&cursor={}", encode(&cursor)));
        }
        href
    };
    let sort_param = move || (!newest_first()).then_some("oldest");

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
        </form>
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
                        view! {
                            <div class="list-bar">
                                <span>
                                    <strong data-testid="signal-total">{crate::panels::thousands(total as f64)}</strong>
                                    {if total == 1 { " signal" } else { " signals" }}
                                </span>
                                <span class="list-links">
                                    <a href=move || href_with(if newest_first() { Some("oldest") } else { None }, None)>
                                        {move || if newest_first() { "Newest first ▾" } else { "Oldest first ▴" }}
                                    </a>
                                    {move || cursor().map(|_| view! { <a href=href_with(sort_param(), None)>"First page"</a> })}
                                    {next.map(|next| view! { <a href=href_with(sort_param(), Some(next)) rel="next">"Next page"</a> })}
                                </span>
                            </div>
                            {if rows.is_empty() {
                                view! { <p class="module-empty-text">"No signal matches this query in this window."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="signal-table">
                                        <thead>
                                            <tr>
                                                <th>"Detected"</th>
                                                <th>"Severity"</th>
                                                <th>"Title"</th>
                                                <th>"Rule"</th>
                                                <th>"Source"</th>
                                                <th>"State"</th>
                                                <th>"Country"</th>
                                                <th>"IP"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {rows.into_iter().map(|row| view! {
                                                <tr data-signal=row.id>
                                                    <td class="mono">{row.detected_at.replace('T', " ").get(0..19).unwrap_or_default().to_owned()}</td>
                                                    <td><span class=format!("pill sev-{}", row.severity.as_str())>{row.severity.as_str()}</span></td>
                                                    <td>{row.title}</td>
                                                    <td>{row.rule_name}</td>
                                                    <td>{row.source}</td>
                                                    <td>{row.archive_reason.map(|r| r.as_str().replace('_', " ")).unwrap_or_else(|| row.state.as_str().replace('_', " "))}</td>
                                                    <td>{row.country.unwrap_or_default()}</td>
                                                    <td class="mono">{row.ip.unwrap_or_default()}</td>
                                                </tr>
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
    }
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
}
