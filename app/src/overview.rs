//! The overview page: the page header with the time window, and the module grid.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::modules::{ModuleInfo, MODULES};
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
            {MODULES.iter().map(|module| view! { <ModuleFrame module=*module/> }).collect_view()}
        </div>
    }
}

/// The frame every module is drawn in. Until a module has data it shows an empty state rather
/// than zeros that would pretend to be data.
#[component]
fn ModuleFrame(module: ModuleInfo) -> impl IntoView {
    let heading_id = format!("module-{}-title", module.id);
    let labelled_by = heading_id.clone();
    view! {
        <section class="module" data-module=module.id aria-labelledby=labelled_by>
            <header class="module-header">
                <h2 id=heading_id>{module.title}</h2>
            </header>
            <p class="module-summary">{module.summary}</p>
            <div class="module-empty">
                <span class="module-empty-mark" aria-hidden="true"></span>
                <span>"No data yet"</span>
            </div>
        </section>
    }
}
