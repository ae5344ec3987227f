//! Signalboard's release notes (`/release-notes`), read from `docs/release-notes.md` in the
//! repository; the research module's release notes link to their sections.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::service::release_notes;

/// A list item's text with its `code` spans.
fn inline(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(k, part)| if k % 2 == 1 { view! { <code>{part.to_owned()}</code> }.into_any() } else { part.to_owned().into_any() })
        .collect_view()
}

#[component]
pub fn ReleaseNotesPage() -> impl IntoView {
    let notes = Resource::new(|| (), |_| release_notes());
    view! {
        <Title text="Release notes"/>
        <div class="page-header">
            <div class="page-heading">
                <h1>"Release notes"</h1>
                <p class="page-subtitle">"What changed in Signalboard, newest first."</p>
            </div>
        </div>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || notes.get().map(|result| match result {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(notes) => view! {
                    <div class="release-notes">
                        {notes.into_iter().map(|n| view! {
                            <section class="card release-note" id=n.anchor.clone() aria-labelledby=format!("{}-title", n.anchor)>
                                <h2 id=format!("{}-title", n.anchor)>{n.title}</h2>
                                <p class="page-subtitle">{n.date}</p>
                                <ul>{n.items.into_iter().map(|i| view! { <li>{inline(&i)}</li> }).collect_view()}</ul>
                            </section>
                        }).collect_view()}
                    </div>
                }.into_any(),
            })}
        </Suspense>
    }
}
