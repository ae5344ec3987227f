//! The time window picker. The choice lives in the URL (`?window=7d`, or a custom range
//! `?window=FROM/TO`) so a view can be shared; the presets are ordinary anchors, which the router
//! turns into navigations without a reload once the page is hydrated (and which still work before
//! that, or without WebAssembly). The custom range is a small form that does the same.

use analytics::window::format_time;
use analytics::{Window, WindowError, WindowPreset};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

/// The URL parameter that holds the window.
pub const WINDOW_PARAM: &str = "window";

/// The window the URL asks for: the default when absent, an error when it names no window.
pub fn use_window() -> Memo<Result<Window, WindowError>> {
    let query = use_query_map();
    Memo::new(move |_| match query.read().get(WINDOW_PARAM) {
        None => Ok(Window::default()),
        Some(value) => Window::parse(&value),
    })
}

/// `2026-11-20T08:00`: what a `datetime-local` input holds (we read it as UTC).
fn local_input(ms: i64) -> String {
    format_time(ms).get(0..16).unwrap_or_default().to_owned()
}

#[component]
pub fn WindowPicker(window: Memo<Result<Window, WindowError>>) -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let current = move || window.get().unwrap_or_default();
    // The URL with another window, keeping the rest (an explorer query, say); a page cursor
    // belongs to the old window and is dropped.
    let href_for = move |value: String| {
        let mut params = query.get();
        params.remove("cursor");
        params.remove(WINDOW_PARAM);
        params.replace(WINDOW_PARAM, value);
        format!("{}{}", location.pathname.get(), params.to_query_string())
    };
    let custom_open = RwSignal::new(false);
    let is_custom = move || matches!(current(), Window::Range { .. });
    let (initial_from, initial_to) = {
        let (from, to) = window.get_untracked().unwrap_or_default().bounds(now_ms());
        (local_input(from), local_input(to))
    };
    let from = RwSignal::new(initial_from);
    let to = RwSignal::new(initial_to);
    let problem = RwSignal::new(None::<String>);
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = format!("{}/{}", from.get_untracked(), to.get_untracked());
        match Window::parse(&text) {
            Ok(window) => {
                problem.set(None);
                custom_open.set(false);
                let navigate = use_navigate();
                navigate(&href_for(window.as_param()), Default::default());
            }
            Err(error) => problem.set(Some(error.to_string())),
        }
    };

    view! {
        <div class="window-picker-wrap">
            <nav class="window-picker" aria-label="Time window">
                {WindowPreset::ALL
                    .into_iter()
                    .map(|preset| {
                        let selected = move || current() == Window::Preset(preset);
                        view! {
                            <a
                                href=move || href_for(preset.as_str().to_owned())
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
                <button
                    type="button"
                    class="window-option"
                    class:selected=is_custom
                    aria-expanded=move || custom_open.get().to_string()
                    data-window="custom"
                    title="A range of your choice (UTC)"
                    on:click=move |_| custom_open.update(|open| *open = !*open)
                >
                    "custom"
                </button>
            </nav>
            <Show when=move || custom_open.get()>
                <form class="custom-range" on:submit=apply aria-label="Custom time range">
                    <label>
                        "From (UTC)"
                        <input type="datetime-local" name="from" prop:value=move || from.get()
                            on:input=move |ev| from.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        "To (UTC)"
                        <input type="datetime-local" name="to" prop:value=move || to.get()
                            on:input=move |ev| to.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="button button-primary button-small">"Apply"</button>
                    {move || problem.get().map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
                </form>
            </Show>
        </div>
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
