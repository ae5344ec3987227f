//! Getting started (docs/product.md §4.9): onboarding tasks and content pack health.

use serde::{Deserialize, Serialize};

use super::Span;
use crate::dataset::Dataset;
use crate::model::*;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OnboardingTask {
    pub id: String,
    pub title: String,
    pub done: bool,
    /// The page where the task is done.
    #[serde(default)]
    pub href: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GettingStarted {
    pub tasks: Vec<OnboardingTask>,
    pub completed: u32,
    pub packs_active: u32,
    pub packs_warning: u32,
    pub packs_broken: u32,
}

/// Getting started (§4.9). A task is done when the data shows it: a log source has sent logs
/// in the window; a content pack is enabled; a default rule has a change in the history;
/// a notification webhook is configured (its setting is in the history: an admin's `webhook`
/// change naming an address); more than one active user.
pub fn getting_started(data: &Dataset, span: Span) -> GettingStarted {
    let logs = data
        .volume
        .iter()
        .any(|v| v.events > 0 && v.hour_ms >= span.from && v.hour_ms < span.to);
    let reviewed = data.rule_history().any(|h| {
        data.rule_by_id(&h.asset_id()).is_some_and(|r| !data.rules[r].custom)
    });
    // Each task opens the page where it is done: an ingest key for a shipper, the rules (by their
    // pack's log source), the default rules, the workflow webhook, the users.
    let notified = data
        .rule_history()
        .filter(|h| h.action() == "webhook")
        .last()
        .is_some_and(|h| h.new_value().is_some_and(|url| !url.is_empty()));
    let tasks = vec![
        ("connect-log-source", "Connect a log source", logs, "/admin#api-keys"),
        ("enable-content-pack", "Enable a content pack", data.packs.iter().any(|p| p.enabled), "/rules"),
        ("review-default-rules", "Review the default detection rules", reviewed, "/rules?origin=default"),
        ("set-up-notification", "Set up a notification", notified, "/admin#webhook"),
        ("invite-team", "Invite your team", data.users.iter().filter(|u| u.active).count() > 1, "/admin#users"),
    ];
    let tasks: Vec<OnboardingTask> = tasks
        .into_iter()
        .map(|(id, title, done, href)| OnboardingTask { id: id.to_owned(), title: title.to_owned(), done, href: href.to_owned() })
        .collect();
    let count = |h: PackHealth| data.packs.iter().filter(|p| p.health == h).count() as u32;
    GettingStarted {
        completed: tasks.iter().filter(|t| t.done).count() as u32,
        tasks,
        packs_active: count(PackHealth::Active),
        packs_warning: count(PackHealth::Warning),
        packs_broken: count(PackHealth::Broken),
    }
}
