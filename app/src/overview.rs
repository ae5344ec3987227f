//! The overview page: the page header with the time window, and the module grid.

use leptos::prelude::*;
use leptos_meta::Title;

use analytics::{WindowPreset, WindowPresetError};

use crate::modules::{ModuleInfo, MODULES};
use crate::panels::ModuleBody;
use crate::service::load_module;
use crate::window_picker::{use_window, WindowPicker};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let window = use_window();
    let label = move || window.get().unwrap_or_default().label();

    view! {
        <Title text="Overview"/>
        <div class="page-header">
            <div class="page-heading">
                <h1>"Security overview"</h1>
                <p class="page-subtitle">
                    "Coverage, signals, risk and response for "
                    <span class="window-label" data-testid="window-label">{label}</span>
                </p>
            </div>
            <WindowPicker window/>
        </div>
        {move || {
            window
                .get()
                .err()
                .map(|error| {
                    view! {
                        <p class="notice notice-warning" role="alert">
                            {error.to_string()}
                            {format!(". Showing {}.", analytics::WindowPreset::default().label().to_lowercase())}
                        </p>
                    }
                })
        }}
        <div class="module-grid" data-testid="module-grid">
            {MODULES.iter().map(|module| view! { <ModuleFrame module=*module window/> }).collect_view()}
        </div>
    }
}

/// The frame every module is drawn in: title, when its data was computed, its own refresh, and
/// its body. A module whose data fails shows the error inside itself only.
#[component]
fn ModuleFrame(module: ModuleInfo, window: Memo<Result<WindowPreset, WindowPresetError>>) -> impl IntoView {
    let heading_id = format!("module-{}-title", module.id);
    let labelled_by = heading_id.clone();
    let data = Resource::new(
        move || window.get().unwrap_or_default(),
        move |preset| load_module(module.id.to_owned(), preset.as_str().to_owned()),
    );
    let computed_at = move || {
        data.get().and_then(Result::ok).map(|result| {
            let time = result.computed_at.get(11..19).unwrap_or_default().to_owned();
            view! {
                <span class="computed-at" title=format!("Computed at {}", result.computed_at)>
                    {format!("computed {time} UTC")}
                </span>
            }
        })
    };
    view! {
        <section class="module" data-module=module.id aria-labelledby=labelled_by>
            <header class="module-header">
                <h2 id=heading_id>{module.title}</h2>
                <div class="module-tools">
                    <Suspense fallback=|| ()>{computed_at}</Suspense>
                    <button
                        class="icon-button"
                        type="button"
                        title="Refresh this module"
                        aria-label=format!("Refresh {}", module.title)
                        on:click=move |_| data.refetch()
                    >
                        "↻"
                    </button>
                </div>
            </header>
            <p class="module-summary">{module.summary}</p>
            <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
                {move || {
                    data.get().map(|result| match result {
                        Ok(result) => {
                            let window = window.get_untracked().unwrap_or_default();
                            view! { <div class="module-body"><ModuleBody data=result.data window/></div> }.into_any()
                        }
                        Err(error) => view! {
                            <p class="module-error" role="alert">
                                {format!("This module could not be loaded: {error}")}
                            </p>
                        }
                        .into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}
