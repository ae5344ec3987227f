//! The ATT&CK matrix's overlay bar (§4.6): export the coverage as a Navigator layer, import a
//! layer (kept for the signed-in user) or pick an ATT&CK group, and see how many of its
//! techniques the enabled rules cover, the uncovered ones first. The overlay outlines its cells
//! in the matrix. Everything here is fetched in the browser once hydrated.

use analytics::navigator::Overlay;
use leptos::prelude::*;

use crate::contract::{AttackGroupView, AttackLayerView};

/// What can be drawn over the matrix: the user's layers and MITRE's groups.
#[derive(Debug, Clone, Default, PartialEq)]
struct Choices {
    layers: Vec<AttackLayerView>,
    groups: Vec<AttackGroupView>,
}

/// How many uncovered techniques are listed before "and N more".
const LISTED: usize = 12;

#[component]
pub(super) fn OverlayBar(overlay: RwSignal<Option<Overlay>>) -> impl IntoView {
    let choices = RwSignal::new(Choices::default());
    let problem = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(String::new());
    let reload = RwSignal::new(0u32);
    Effect::new(move |_| {
        reload.track();
        leptos::task::spawn_local(async move {
            match crate::service::attack_choices().await {
                Ok((layers, groups)) => choices.set(Choices { layers, groups }),
                Err(e) => problem.set(Some(format!("Layers and groups could not be loaded: {e}"))),
            }
        });
    });
    let pick = move |value: String| {
        chosen.set(value.clone());
        problem.set(None);
        if value.is_empty() {
            overlay.set(None);
            return;
        }
        let (layer, group) = match value.split_once(':') {
            Some(("layer", id)) => (id.parse::<i64>().ok(), None),
            Some(("group", id)) => (None, Some(id.to_owned())),
            _ => (None, None),
        };
        leptos::task::spawn_local(async move {
            match crate::service::attack_overlay(layer, group).await {
                Ok(o) => overlay.set(Some(o)),
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    };
    // `?overlay=group:G0016` (the threat-informed coverage module's "On the matrix") or
    // `?overlay=layer:ID` draws that overlay once hydrated, and brings the bar into view.
    let query = leptos_router::hooks::use_query_map();
    let bar = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let Some(wanted) = query.with(|q| q.get("overlay")) else { return };
        if wanted != chosen.get_untracked() {
            pick(wanted);
            if let Some(bar) = bar.get_untracked() {
                bar.scroll_into_view();
            }
        }
    });
    let file = NodeRef::<leptos::html::Input>::new();
    let import = move |_| {
        let Some(input) = file.get_untracked() else { return };
        problem.set(None);
        leptos::task::spawn_local(async move {
            match read_layer(&input).await {
                Err(e) => problem.set(Some(e)),
                Ok(layer) => match crate::client::import_attack_layer(&layer).await {
                    Err(e) => problem.set(Some(e)),
                    Ok(imported) => {
                        chosen.set(format!("layer:{}", imported.layer.id));
                        overlay.set(Some(imported.overlay));
                        reload.update(|n| *n += 1);
                    }
                },
            }
        });
    };
    let summary = move || {
        overlay.get().map(|o| {
            let total = o.techniques.len();
            let uncovered: Vec<_> = o.techniques.iter().filter(|t| !t.covered).cloned().collect();
            let more = uncovered.len().saturating_sub(LISTED);
            view! {
                <div class="overlay-summary" data-testid="overlay-summary">
                    <p class="overlay-kpi">
                        <strong data-testid="overlay-covered">{format!("{} of {total}", o.covered)}</strong>
                        {format!(" techniques of {} covered by an enabled rule", o.name)}
                        {(!o.unplaced.is_empty()).then(|| view! {
                            <span class="faint" title=o.unplaced.join(", ")>{format!(" · {} IDs not on today's matrix", o.unplaced.len())}</span>
                        })}
                    </p>
                    {(!uncovered.is_empty()).then(|| view! {
                        <p class="overlay-uncovered" data-testid="overlay-uncovered">
                            <span class="faint">"Uncovered: "</span>
                            {uncovered.iter().take(LISTED).map(|t| view! {
                                <span class="pill uncovered" title=t.from.join(", ")>{format!("{} {}", t.id, t.name)}</span>
                            }).collect_view()}
                            {(more > 0).then(|| view! { <span class="faint">{format!(" and {more} more")}</span> })}
                        </p>
                    })}
                </div>
            }
        })
    };
    view! {
        <div class="overlay-bar" data-testid="overlay-bar" node_ref=bar>
            <a class="button" href="/api/v1/attack/navigator-layer" download="signalboard-attack-coverage.json" data-testid="export-layer">
                "Export Navigator layer"
            </a>
            <label class="inline-field">
                "Overlay "
                <select data-testid="overlay-select" prop:value=move || { choices.track(); chosen.get() } on:change=move |ev| pick(event_target_value(&ev))>
                    <option value="">"None"</option>
                    {move || {
                        let c = choices.get();
                        view! {
                            <optgroup label="Your layers">
                                {c.layers.into_iter().map(|l| view! {
                                    <option value=format!("layer:{}", l.id)>{format!("{} ({} techniques)", l.name, l.techniques)}</option>
                                }).collect_view()}
                            </optgroup>
                            <optgroup label="MITRE ATT&CK groups">
                                {c.groups.into_iter().map(|g| view! {
                                    <option value=format!("group:{}", g.id) title=g.aliases.join(", ")>{format!("{} ({}) · {} techniques", g.name, g.id, g.techniques)}</option>
                                }).collect_view()}
                            </optgroup>
                        }
                    }}
                </select>
            </label>
            <label class="inline-field">
                "Import layer "
                <input type="file" accept=".json,application/json" node_ref=file data-testid="import-layer" on:change=import/>
            </label>
        </div>
        {move || problem.get().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
        {summary}
    }
}

/// The chosen file as JSON, or what is wrong with it.
#[cfg(feature = "hydrate")]
async fn read_layer(input: &web_sys::HtmlInputElement) -> Result<serde_json::Value, String> {
    let file = input.files().and_then(|list| list.item(0)).ok_or_else(|| "choose a Navigator layer file (.json)".to_owned())?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.map_err(|_| format!("{}: cannot be read", file.name()))?;
    serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|e| format!("{}: not JSON ({e})", file.name()))
}

#[cfg(not(feature = "hydrate"))]
async fn read_layer(_input: &web_sys::HtmlInputElement) -> Result<serde_json::Value, String> {
    Err("files are read in the browser".into())
}
