//! The getting started module (§4.9): the onboarding tasks and the state of the content packs.

use analytics::overview::GettingStarted;
use leptos::prelude::*;

use super::common::Stat;

/// The onboarding tasks with their progress, and the packs by health.
#[component]
pub(super) fn GettingStartedPanel(d: GettingStarted) -> impl IntoView {
    let total = d.tasks.len();
    view! {
        <p class="module-note">{format!("{} of {total} done", d.completed)}</p>
        <div class="progress" role="progressbar" aria-label="Onboarding tasks done" aria-valuemin="0" aria-valuemax=total aria-valuenow=d.completed>
            <span style=format!("width: {:.0}%", d.completed as f64 * 100.0 / total.max(1) as f64)></span>
        </div>
        <ul class="rows">
            {d.tasks.into_iter().map(|t| view! {
                <li class="row">
                    <span class=if t.done { "check done" } else { "check" } role="img" aria-label=if t.done { "done" } else { "to do" }>
                        {if t.done { "✓" } else { "" }}
                    </span>
                    <a class="row-main" href=t.href data-testid=format!("task-{}", t.id)>{t.title}</a>
                </li>
            }).collect_view()}
        </ul>
        <div class="stats">
            <Stat label="Packs active" value=d.packs_active.to_string()/>
            <Stat label="In warning" value=d.packs_warning.to_string()/>
            <Stat label="Broken" value=d.packs_broken.to_string()/>
        </div>
    }
}
