//! When a page is ready: hydrated, and the loads it starts at once in the browser finished.
//! The `data-hydrated` mark on `<html>` is set then, so a user's script (and every browser test)
//! that waits for it finds the page's content there, whether the server rendered it or the
//! browser fetched it after hydration (the overview's lower modules, see `overview.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;

/// How many of the page's first loads are still running.
#[derive(Clone, Copy)]
pub struct PageLoads(RwSignal<usize>);

impl PageLoads {
    /// Made once, by the app, for every page it shows.
    pub fn provide() -> Self {
        let loads = PageLoads(RwSignal::new(0));
        provide_context(loads);
        loads
    }

    /// Whether no first load is running.
    pub fn settled(self) -> bool {
        self.0.get() == 0
    }
}

/// One first load the page waits for. It ends when [`Load::finish`] is called or when the
/// component that began it goes away, whichever comes first, and only once.
#[derive(Clone)]
pub struct Load {
    loads: Option<PageLoads>,
    done: Arc<AtomicBool>,
}

impl Load {
    /// Counts a load from now on (outside the app, as in a component test, nothing is counted).
    pub fn begin() -> Load {
        let loads = use_context::<PageLoads>();
        if let Some(PageLoads(pending)) = loads {
            pending.update(|n| *n += 1);
        }
        let load = Load { loads, done: Arc::new(AtomicBool::new(false)) };
        let on_drop = load.clone();
        on_cleanup(move || on_drop.finish());
        load
    }

    /// Ends the load; later calls do nothing.
    pub fn finish(&self) {
        if !self.done.swap(true, Ordering::Relaxed) {
            if let Some(PageLoads(pending)) = self.loads {
                pending.try_update(|n| *n = n.saturating_sub(1));
            }
        }
    }
}
