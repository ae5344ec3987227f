//! What several panels share: the drill-down to the signal explorer, a KPI's change against
//! the previous window, the stat tiles, severity pills, the empty state and chart clicks.

use std::sync::Arc;

use analytics::overview::Kpi;
use analytics::Severity;
use leptos::prelude::*;

use crate::format::{duration, signals_href, thousands};

/// Where a drill-down leads: the signal list for a query, in the page's window.
#[derive(Clone, Debug)]
pub(super) struct Drill {
    window: Arc<str>,
}

impl Drill {
    pub(super) fn new(window: &str) -> Drill {
        Drill { window: window.into() }
    }

    pub(super) fn href(&self, query: &str) -> String {
        signals_href(query, &self.window)
    }

    /// The page's window, as its URL names it.
    pub(super) fn window(&self) -> &str {
        &self.window
    }
}

/// The query of the important severities (critical and high).
pub(super) const IMPORTANT: &str = "(status:critical OR status:high)";

/// The change against the previous window, as shown beside a KPI; `duration` when the KPI is a
/// time in milliseconds (its change and the previous value are then written as durations).
#[component]
pub(super) fn Change(kpi: Kpi, #[prop(optional)] lower_is_better: bool, #[prop(optional)] duration: bool) -> impl IntoView {
    let amount = move |v: f64| if duration { self::duration(v) } else { thousands(v) };
    if !kpi.earlier_data {
        return view! {
            <span class="change flat" title="nothing was recorded before this window">"no earlier data"</span>
        }
        .into_any();
    }
    let (text, class) = if kpi.change == 0.0 {
        ("no change".to_owned(), "change flat")
    } else {
        let arrow = if kpi.change > 0.0 { "▲" } else { "▼" };
        let text = match kpi.change_pct {
            Some(pct) => format!("{arrow} {:.0}%", pct.abs()),
            None => format!("{arrow} {}", amount(kpi.change.abs())),
        };
        let good = (kpi.change < 0.0) == lower_is_better;
        (text, if good { "change good" } else { "change bad" })
    };
    view! {
        <span class=class title=format!("previous window: {}", amount(kpi.previous))>{text}</span>
    }
    .into_any()
}

/// A duration's change against the previous window (shorter is better).
pub(super) fn duration_change(now: Option<f64>, previous: Option<f64>) -> impl IntoView {
    match (now, previous) {
        (Some(now), Some(previous)) if previous > 0.0 => {
            let kpi = Kpi::new(now, previous);
            view! {
                <span class=if kpi.change == 0.0 { "change flat" } else if kpi.change < 0.0 { "change good" } else { "change bad" }
                    title=format!("previous window: {}", duration(previous))>
                    {match kpi.change_pct {
                        Some(pct) if kpi.change != 0.0 => format!("{} {:.0}%", if kpi.change > 0.0 { "▲" } else { "▼" }, pct.abs()),
                        _ => "no change".to_owned(),
                    }}
                </span>
            }
            .into_any()
        }
        _ => view! { <span class="change flat" title="nothing to compare with in the previous window">"–"</span> }.into_any(),
    }
}

#[component]
pub(super) fn Stat(label: &'static str, value: String, #[prop(optional)] change: Option<AnyView>) -> impl IntoView {
    view! {
        <div class="stat">
            <span class="stat-label">{label}</span>
            <span class="stat-value">{value}</span>
            {change}
        </div>
    }
}

pub(super) fn severity_class(s: Severity) -> String {
    format!("pill sev-{}", s.as_str())
}

/// More signals is worse.
pub(super) fn change_class(change: i64) -> &'static str {
    match change {
        c if c > 0 => "change bad",
        c if c < 0 => "change good",
        _ => "change flat",
    }
}

pub(super) fn empty(text: &'static str) -> AnyView {
    view! { <p class="module-empty" data-testid="empty-state">{text}</p> }.into_any()
}

/// The `data-key` of the chart shape under a click, if any.
pub(super) fn clicked_key(ev: &leptos::ev::MouseEvent) -> Option<String> {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::JsCast;
        let element: web_sys::Element = ev.target()?.dyn_into().ok()?;
        element.closest("[data-key]").ok()??.get_attribute("data-key")
    }
    #[cfg(feature = "ssr")]
    {
        let _ = ev;
        None
    }
}

/// Rows a list shows before "Show all".
pub(super) const SHORT_LIST: usize = 8;

/// How many of `available` rows a list shows: all of them, or the short list.
pub(super) fn listed(all: bool, available: usize) -> usize {
    if all {
        available
    } else {
        SHORT_LIST.min(available)
    }
}

/// "Show all N" / "Show fewer" after a list's count line, when the list is longer than the short one.
#[component]
pub(super) fn ShowAll(all: RwSignal<bool>, available: usize, testid: &'static str) -> impl IntoView {
    (available > SHORT_LIST).then(|| {
        view! {
            " "
            <button type="button" class="link-button" data-testid=testid
                aria-expanded=move || all.get().to_string()
                on:click=move |_| all.update(|all| *all = !*all)>
                {move || if all.get() { "Show fewer".to_owned() } else { format!("Show all {available}") }}
            </button>
        }
    })
}
