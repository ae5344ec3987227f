//! The overview page: the page header with the time window, the module grid, and the
//! "Customize page" mode that arranges it (order, hidden, collapsed), stored on the server.

use leptos::prelude::*;
use leptos_meta::Title;

use analytics::{Window, WindowError, WindowPreset};

use crate::layout::Layout;
use analytics::overview::ModuleId;
use crate::panels::ModuleBody;
use crate::service::{load_layout, load_module, reset_layout, save_layout};
use crate::window_picker::{use_window, WindowPicker};

type WindowMemo = Memo<Result<Window, WindowError>>;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let window = use_window();
    let label = move || window.get().unwrap_or_default().label();
    let customizing = RwSignal::new(false);
    let layout = Resource::new(|| (), |_| load_layout());

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
            <div class="page-actions">
                <WindowPicker window/>
                <button
                    type="button"
                    class="button customize-toggle"
                    aria-pressed=move || customizing.get().to_string()
                    on:click=move |_| customizing.update(|c| *c = !*c)
                >
                    {move || if customizing.get() { "Done" } else { "Customize page" }}
                </button>
            </div>
        </div>
        {move || {
            window
                .get()
                .err()
                .map(|error| {
                    view! {
                        <p class="notice notice-warning" role="alert">
                            {error.to_string()}
                            {format!(". Showing {}.", WindowPreset::default().label().to_lowercase())}
                        </p>
                    }
                })
        }}
        // One `Suspend`, not a closure: the grid (and each module's resource) is made once the
        // layout is here. A closure would be run again by each of the Suspense's passes over its
        // children while rendering on the server, making every module's resource, and writing
        // its data into the page, once per pass.
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading the page layout…"</div> }>
            {Suspend::new(async move {
                let (initial, problem) = match layout.await {
                    Ok(layout) => (layout, None),
                    Err(error) => (Layout::default(), Some(error.to_string())),
                };
                view! {
                    {problem.map(|p| view! {
                        <p class="notice notice-warning" role="alert">
                            {format!("Your saved layout could not be loaded ({p}); showing the default.")}
                        </p>
                    })}
                    <ModuleGrid initial window customizing/>
                }
            })}
        </Suspense>
    }
}

/// Whether the last change to the layout reached the server.
#[derive(Debug, Clone, PartialEq)]
enum SaveStatus {
    Unchanged,
    Saving,
    Saved,
    Failed(String),
}

/// The editable layout and its saving. Changes are saved one request at a time, and the last
/// change always wins: a change made while a save is running is sent when it finishes.
#[derive(Clone, Copy)]
struct Arrangement {
    layout: RwSignal<Layout>,
    status: RwSignal<SaveStatus>,
    saving: RwSignal<bool>,
    dirty: RwSignal<bool>,
    dragging: RwSignal<Option<&'static str>>,
    drop_target: RwSignal<Option<&'static str>>,
}

impl Arrangement {
    fn new(initial: Layout) -> Self {
        Arrangement {
            layout: RwSignal::new(initial),
            status: RwSignal::new(SaveStatus::Unchanged),
            saving: RwSignal::new(false),
            dirty: RwSignal::new(false),
            dragging: RwSignal::new(None),
            drop_target: RwSignal::new(None),
        }
    }

    /// Applies a change; saves it when it changed anything.
    fn edit(self, change: impl FnOnce(&mut Layout) -> bool) {
        let mut changed = false;
        self.layout.update(|layout| changed = change(layout));
        if changed {
            self.persist();
        }
    }

    fn persist(self) {
        if self.saving.get_untracked() {
            self.dirty.set(true);
            return;
        }
        self.saving.set(true);
        self.status.set(SaveStatus::Saving);
        leptos::task::spawn_local(async move {
            loop {
                let layout = self.layout.get_untracked();
                // Storing the default is forgetting: a later default applies to this user too.
                let result = if layout == Layout::default() {
                    reset_layout().await.map(|_| ())
                } else {
                    match serde_json::to_string(&layout) {
                        Ok(json) => save_layout(json).await.map(|_| ()),
                        Err(error) => Err(crate::error::AppError::Internal(error.to_string())),
                    }
                };
                if self.dirty.get_untracked() {
                    self.dirty.set(false);
                    continue;
                }
                self.status.set(match result {
                    Ok(()) => SaveStatus::Saved,
                    Err(error) => SaveStatus::Failed(error.to_string()),
                });
                self.saving.set(false);
                break;
            }
        });
    }
}

/// A module's data for the current window; `None` while it is hidden or collapsed (not loaded).
type ModuleData = Resource<Option<Result<crate::rows::ModuleResult, crate::error::AppError>>>;

/// Whether a module is loaded: shown and expanded.
fn wanted(layout: RwSignal<Layout>, id: &'static str) -> Memo<bool> {
    Memo::new(move |_| layout.with(|l| l.state(id).is_none_or(|m| !m.hidden && !m.collapsed)))
}

#[component]
fn ModuleGrid(initial: Layout, window: WindowMemo, customizing: RwSignal<bool>) -> impl IntoView {
    let arrangement = Arrangement::new(initial);
    let layout = arrangement.layout;
    // Every module's resource, made here once: `For` builds its rows more than once while the
    // server renders (each build would make, and write into the page, its own copy).
    let data: Vec<ModuleData> = ModuleId::ALL
        .iter()
        .map(|&module| {
            let id = module.as_str();
            let wanted = wanted(layout, id);
            let resource = Resource::new(
                move || wanted.get().then(|| window.get().unwrap_or_default()),
                move |preset| async move {
                    match preset {
                        Some(window) => Some(load_module(id.to_owned(), window.as_param()).await),
                        None => None,
                    }
                },
            );
            resource
        })
        .collect();
    let shown = move || {
        let all = customizing.get();
        layout.with(|l| {
            l.modules
                .iter()
                .filter(|m| all || !m.hidden)
                .filter_map(|m| ModuleId::parse(&m.id).ok())
                .collect::<Vec<_>>()
        })
    };
    let status = move || match arrangement.status.get() {
        SaveStatus::Unchanged => String::new(),
        SaveStatus::Saving => "Saving…".to_owned(),
        SaveStatus::Saved => "Saved".to_owned(),
        SaveStatus::Failed(error) => format!("Not saved: {error}"),
    };
    let failed = move || matches!(arrangement.status.get(), SaveStatus::Failed(_));
    let all_hidden = move || !customizing.get() && layout.with(|l| l.modules.iter().all(|m| m.hidden));

    view! {
        <Show when=move || customizing.get()>
            <div class="customize-bar" role="region" aria-label="Customize page">
                <p>
                    "Drag a module onto another to move it there, or use "
                    <strong>"Move up"</strong>" and "<strong>"Move down"</strong>
                    ". Hidden modules are neither shown nor loaded; collapsed ones are not loaded."
                </p>
                <span class="save-status" class:failed=failed role="status" data-testid="save-status">{status}</span>
                <button type="button" class="button" on:click=move |_| arrangement.edit(|l| {
                    let default = Layout::default();
                    let changed = *l != default;
                    *l = default;
                    changed
                })>"Reset to default"</button>
                <button type="button" class="button button-primary" on:click=move |_| customizing.set(false)>"Done"</button>
            </div>
        </Show>
        <Show when=all_hidden>
            <p class="module-empty-text">"Every module is hidden. Use Customize page to show them again."</p>
        </Show>
        <div class="module-grid" data-testid="module-grid" class:customizing=move || customizing.get()>
            <For each=shown key=|module| *module let:module>
                <ModuleFrame module data=data[module.index()] arrangement window customizing/>
            </For>
        </div>
    }
}

/// Puts the keyboard focus back on a control after the module it belongs to moved (moving a
/// node in the DOM drops the focus), or on `fallback` when the control is now disabled.
fn refocus(id: String, fallback: String) {
    request_animation_frame(move || {
        let document = document();
        for candidate in [id, fallback] {
            if let Some(element) = document.get_element_by_id(&candidate) {
                if element.get_attribute("disabled").is_none() {
                    if let Ok(element) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
                        let _ = element.focus();
                        return;
                    }
                }
            }
        }
    });
}

/// The frame every module is drawn in: title, when its data was computed, its own refresh,
/// collapse, the Customize page controls, and its body. A module whose data fails shows the
/// error inside itself only. A hidden or collapsed module does not request its data.
#[component]
fn ModuleFrame(module: ModuleId, data: ModuleData, arrangement: Arrangement, window: WindowMemo, customizing: RwSignal<bool>) -> impl IntoView {
    let id = module.as_str();
    let layout = arrangement.layout;
    let heading_id = format!("module-{id}-title");
    let labelled_by = heading_id.clone();
    let hidden = Memo::new(move |_| layout.with(|l| l.state(id).is_some_and(|m| m.hidden)));
    let collapsed = Memo::new(move |_| layout.with(|l| l.state(id).is_some_and(|m| m.collapsed)));
    let position = Memo::new(move |_| layout.with(|l| (l.position(id).unwrap_or(0), l.modules.len())));
    let wanted = wanted(layout, id);
    let computed_at = move || {
        data.get().flatten().and_then(Result::ok).map(|result| {
            let time = result.computed_at.get(11..19).unwrap_or_default().to_owned();
            view! {
                <span class="computed-at" title=format!("Computed at {}", result.computed_at)>
                    {format!("computed {time} UTC")}
                </span>
            }
        })
    };
    let (up_id, down_id) = (format!("move-up-{id}"), format!("move-down-{id}"));
    let move_by = move |delta: isize| {
        arrangement.edit(|l| l.move_by(id, delta));
        let (up, down) = (format!("move-up-{id}"), format!("move-down-{id}"));
        if delta < 0 { refocus(up, down) } else { refocus(down, up) }
    };
    let title = module.title();

    view! {
        <section
            class="module"
            class:module-wide=module.wide()
            class:collapsed=move || collapsed.get()
            class:hidden-module=move || hidden.get()
            class:dragging=move || arrangement.dragging.get() == Some(id)
            class:drop-target=move || arrangement.drop_target.get() == Some(id)
            data-module=id
            aria-labelledby=labelled_by
            draggable=move || if customizing.get() { "true" } else { "false" }
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if !customizing.get_untracked() {
                    return;
                }
                if let Some(transfer) = ev.data_transfer() {
                    let _ = transfer.set_data("text/plain", id);
                    transfer.set_effect_allowed("move");
                }
                arrangement.dragging.set(Some(id));
            }
            on:dragenter=move |ev: leptos::ev::DragEvent| {
                // Accepting the drag on entering as well as over: otherwise Chromium may end it
                // without a drop.
                if arrangement.dragging.get_untracked().is_some_and(|from| from != id) {
                    ev.prevent_default();
                }
            }
            on:dragover=move |ev: leptos::ev::DragEvent| {
                if arrangement.dragging.get_untracked().is_some_and(|from| from != id) {
                    ev.prevent_default();
                    if arrangement.drop_target.get_untracked() != Some(id) {
                        arrangement.drop_target.set(Some(id));
                    }
                }
            }
            on:dragleave=move |_| {
                if arrangement.drop_target.get_untracked() == Some(id) {
                    arrangement.drop_target.set(None);
                }
            }
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                if let Some(from) = arrangement.dragging.get_untracked() {
                    arrangement.edit(|l| l.move_onto(from, id));
                }
                arrangement.dragging.set(None);
                arrangement.drop_target.set(None);
            }
            on:dragend=move |_| {
                arrangement.dragging.set(None);
                arrangement.drop_target.set(None);
            }
        >
            <header class="module-header">
                <Show when=move || customizing.get()>
                    <span class="drag-handle" aria-hidden="true" title="Drag to move">"⠿"</span>
                </Show>
                <h2 id=heading_id>{title}</h2>
                <div class="module-tools">
                    <Suspense fallback=|| ()>{computed_at}</Suspense>
                    <Show when=move || customizing.get()>
                        <button
                            type="button"
                            class="icon-button"
                            id=up_id.clone()
                            aria-label=format!("Move {title} up")
                            title="Move up"
                            disabled=move || position.get().0 == 0
                            on:click=move |_| move_by(-1)
                        >
                            "↑"
                        </button>
                        <button
                            type="button"
                            class="icon-button"
                            id=down_id.clone()
                            aria-label=format!("Move {title} down")
                            title="Move down"
                            disabled=move || { let (at, len) = position.get(); at + 1 >= len }
                            on:click=move |_| move_by(1)
                        >
                            "↓"
                        </button>
                        <button
                            type="button"
                            class="button button-small"
                            aria-label=move || format!("{} {title}", if hidden.get() { "Show" } else { "Hide" })
                            aria-pressed=move || hidden.get().to_string()
                            on:click=move |_| {
                                let hide = !hidden.get_untracked();
                                arrangement.edit(|l| {
                                    l.set_hidden(id, hide);
                                    true
                                });
                            }
                        >
                            {move || if hidden.get() { "Show" } else { "Hide" }}
                        </button>
                    </Show>
                    <button
                        class="icon-button"
                        type="button"
                        title="Refresh this module"
                        aria-label=format!("Refresh {title}")
                        disabled=move || !wanted.get()
                        on:click=move |_| data.refetch()
                    >
                        "↻"
                    </button>
                    <button
                        class="icon-button collapse-toggle"
                        type="button"
                        title=move || if collapsed.get() { "Expand" } else { "Collapse" }
                        aria-label=move || format!("{} {title}", if collapsed.get() { "Expand" } else { "Collapse" })
                        aria-expanded=move || (!collapsed.get()).to_string()
                        on:click=move |_| {
                            let collapse = !collapsed.get_untracked();
                            arrangement.edit(|l| {
                                l.set_collapsed(id, collapse);
                                true
                            });
                        }
                    >
                        {move || if collapsed.get() { "▸" } else { "▾" }}
                    </button>
                </div>
            </header>
            <Show when=move || hidden.get()>
                <p class="module-hidden-note">"Hidden: not shown or loaded outside Customize page."</p>
            </Show>
            <Show when=move || wanted.get()>
                <p class="module-summary">{module.summary()}</p>
                <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
                    {move || {
                        data.get().flatten().map(|result| match result {
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
            </Show>
        </section>
    }
}
