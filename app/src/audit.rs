//! The audit trail (`/audit`): every change in the immutable history, newest first, filtered by
//! actor, action and asset type. The filters are a plain GET form, so a view can be shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::service::audit_trail;

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let get = move |name: &'static str| move || params.read().get(name).unwrap_or_default();
    let (actor, action, asset_type) = (get("actor"), get("action"), get("asset_type"));
    let limit = move || params.read().get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(200).clamp(1, 5_000);
    let events = Resource::new(move || (actor(), action(), asset_type(), limit()), |(a, b, c, n)| audit_trail(a, b, c, n));
    let more_href = move || {
        use crate::format::encode;
        format!("/audit?actor={}&action={}&asset_type={}&limit={}", encode(&actor()), encode(&action()), encode(&asset_type()), limit() + 200)
    };
    view! {
        <Title text="Audit trail"/>
        <div class="page-header">
            <div class="page-heading">
                <h1>"Audit trail"</h1>
                <p class="page-subtitle">"Every change to signals, cases, rules and users, as recorded. Nothing here can be edited or deleted."</p>
            </div>
        </div>
        <form class="query-form audit-filters" method="get" action="/audit">
            <label>"Actor" <input name="actor" placeholder="username" prop:value=actor/></label>
            <label>"Action" <input name="action" placeholder="state, assignee, case, incident…" prop:value=action/></label>
            <label>
                "Asset type"
                <select name="asset_type">
                    {["", "security_signal", "case", "rule", "user"].map(|t| view! {
                        <option value=t selected=move || asset_type() == t>{if t.is_empty() { "any" } else { t }}</option>
                    })}
                </select>
            </label>
            <button class="button" type="submit">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || events.get().map(|result| match result {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok((rows, total)) => view! {
                    <p class="list-bar">
                        <span><strong data-testid="audit-total">{total}</strong>" events"{(total > rows.len()).then(|| format!(", the newest {} shown", rows.len()))}</span>
                        {(total > rows.len() && rows.len() < 5_000).then(|| view! { <a href=more_href>"Show 200 more"</a> })}
                    </p>
                    <table class="signal-table audit-table">
                        <thead><tr><th>"Time"</th><th>"Actor"</th><th>"Asset"</th><th>"Action"</th><th>"Old"</th><th>"New"</th><th>"Reason"</th><th>"Comment"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|h| {
                                let asset = match h.asset_type.as_str() {
                                    "security_signal" => view! { <a href=format!("/signals?query=&window=30d&signal={}", h.asset_id)>{format!("signal {}", h.asset_id)}</a> }.into_any(),
                                    "case" => view! { <a href=format!("/cases/{}", h.asset_id)>{format!("case {}", h.asset_id)}</a> }.into_any(),
                                    "rule" => view! { <a href=format!("/rules/{}", crate::format::encode(&h.asset_id))>{format!("rule {}", h.asset_id)}</a> }.into_any(),
                                    other => view! { <span>{format!("{other} {}", h.asset_id)}</span> }.into_any(),
                                };
                                let action = h.action.clone();
                                view! {
                                    <tr data-action=action>
                                        <td class="mono">{h.at.replace('T', " ").get(0..19).unwrap_or_default().to_owned()}</td>
                                        <td>{h.actor.unwrap_or_else(|| "system".into())}</td>
                                        <td>{asset}</td>
                                        <td>{h.action}</td>
                                        <td>{h.old_value.unwrap_or_default()}</td>
                                        <td>{h.new_value.unwrap_or_default()}</td>
                                        <td>{h.reason.unwrap_or_default()}</td>
                                        <td>{h.comment.unwrap_or_default()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}
