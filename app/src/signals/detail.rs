//! The side panel: one signal with its rule, entities, network and threat intel, related
//! signals and history.

use leptos::prelude::*;

use crate::auth::use_current_user;
use crate::client;
use crate::format::{encode, human, short_time, signals_href};
use crate::rows::SignalDetail;
use crate::service::load_signal_detail;

use super::triage::TriageActions;
use super::{query_error, state_label};

/// One signal: everything about it, its history, and the triage actions.
#[component]
pub(super) fn SidePanel(
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
                    Err(e) => view! { <p class="module-error" role="alert">{query_error(&e)}</p> }.into_any(),
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
                <div class="kv"><dt>"Rule"</dt><dd><a href=query_href(format!("@workflow.rule.id:{}", d.rule_id))>{row.rule_name.clone()}</a>" " <a class="mono" href=format!("/rules/{}", encode(&d.rule_id)) title="The rule's page">{d.rule_id.clone()}</a></dd></div>
                <div class="kv"><dt>"Tactics"</dt><dd>{d.tactics.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                <div class="kv"><dt>"Techniques"</dt><dd>{d.techniques.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                {kv("Source", Some(row.source.clone()))}
                {kv("Product", Some(d.product.clone()))}
                {kv("First seen", Some(short_time(&d.first_seen)))}
                {(row.events > 1).then(|| kv("Last seen", Some(short_time(&d.last_seen))))}
                <div class="kv"><dt>"Events"</dt><dd data-testid="signal-events">{row.events}</dd></div>
            </dl>
        </section>
        {(!d.samples.is_empty()).then(|| view! {
            <section class="panel-section" data-testid="signal-samples">
                <h3>{format!("Sample events ({} of {})", d.samples.len(), row.events)}</h3>
                {d.samples.iter().enumerate().map(|(n, sample)| view! {
                    <details class="sample-event" open=n == 0>
                        <summary>{format!("Event {}", n + 1)}</summary>
                        <pre class="mono">{sample.clone()}</pre>
                    </details>
                }).collect_view()}
            </section>
        })}
        <section class="panel-section">
            <h3>"Entities"</h3>
            <ul class="entity-list">
                // The name opens the entity's page; "signals" its signals in the explorer.
                {d.entities.iter().map(|(kind, name)| view! {
                    <li>
                        <span class="entity-kind">{human(kind)}</span>" "
                        {match analytics::EntityKind::parse(kind) {
                            Ok(k) => view! { <a href=crate::format::entity_href(k, name) data-testid="entity-link">{name.clone()}</a> }.into_any(),
                            Err(_) => view! { <span>{name.clone()}</span> }.into_any(),
                        }}
                        " "<a class="faint" href=query_href(format!("@entity.name:{}", analytics::query::render_value(name)))
                            title=format!("Signals naming {name}")>"signals"</a>
                    </li>
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
                        {h.reason.clone().map(|r| format!(" ({})", human(&r)))}
                        {h.comment.clone().map(|c| view! { <q>{c}</q> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}
