//! The time window picker. The choice lives in the URL (`?window=7d`) so a view can be shared;
//! the links are ordinary anchors, which the router turns into navigations without a reload once
//! the page is hydrated (and which still work before that, or without WebAssembly).

use analytics::{WindowPreset, WindowPresetError};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The URL parameter that holds the window.
pub const WINDOW_PARAM: &str = "window";

/// The window the URL asks for: the default when absent, an error when it names no window.
pub fn use_window() -> Memo<Result<WindowPreset, WindowPresetError>> {
    let query = use_query_map();
    Memo::new(move |_| match query.read().get(WINDOW_PARAM) {
        None => Ok(WindowPreset::default()),
        Some(value) => WindowPreset::parse(&value),
    })
}

#[component]
pub fn WindowPicker(window: Memo<Result<WindowPreset, WindowPresetError>>) -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let current = move || window.get().unwrap_or_default();

    view! {
        <nav class="window-picker" aria-label="Time window">
            {WindowPreset::ALL
                .into_iter()
                .map(|preset| {
                    // Keep the rest of the URL (an explorer query, say); a page cursor belongs to
                    // the old window and is dropped.
                    let href = move || {
                        let mut params = query.get();
                        params.remove("cursor");
                        params.remove(WINDOW_PARAM);
                        params.replace(WINDOW_PARAM, preset.as_str().to_owned());
                        format!("{}{}", location.pathname.get(), params.to_query_string())
                    };
                    let selected = move || current() == preset;
                    view! {
                        <a
                            href=href
                            class="window-option"
                            class:selected=selected
                            aria-current=move || selected().then_some("true")
                            title=preset.label()
                            data-window=preset.as_str()
                        >
                            {preset.as_str()}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
