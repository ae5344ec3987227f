//! Heavy work (searches, facets, module computations) off the async workers: on the blocking
//! pool, a few at a time (one per core), each with a deadline it checks as it goes, so no query
//! can hold a worker or starve the rest (`/healthz` included).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// How long one piece of heavy work may take, and how long a request waits for its turn.
pub const DEADLINE: Duration = Duration::from_secs(15);

static PERMITS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Why heavy work did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the server is busy with other searches; try again in a moment")]
    Busy,
    #[error("the work failed on the server")]
    Failed,
}

/// Runs `work` on the blocking pool once a permit is free (waiting at most [`DEADLINE`]);
/// `work` gets a function that says when its own deadline has passed.
pub async fn run<T: Send + 'static>(work: impl FnOnce(&dyn Fn() -> bool) -> T + Send + 'static) -> Result<T, Refused> {
    let permit = tokio::time::timeout(DEADLINE, PERMITS.acquire())
        .await
        .map_err(|_| Refused::Busy)?
        .map_err(|_| Refused::Failed)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let deadline = Instant::now() + DEADLINE;
        work(&|| Instant::now() > deadline)
    })
    .await
    .map_err(|_| Refused::Failed)
}

impl From<Refused> for crate::error::AppError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Busy => crate::error::AppError::Unavailable(refused.to_string()),
            Refused::Failed => crate::error::AppError::Internal(refused.to_string()),
        }
    }
}
