//! Page rendering off the async workers: the server-side render of a page (the HTML, its charts
//! and the data it waits for) runs on the blocking pool, a few pages at a time, so `/healthz`,
//! cached API answers and static files stay fast while pages queue (docs/product.md §6).

use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest page rendered (a page is tens of kilobytes; this is a guard, not a budget).
const MAX_PAGE_BYTES: usize = 16 << 20;

/// Pages rendered at once: two per core, so a page waiting for its data (which runs on the
/// heavy-work pool) does not leave a core idle.
static RENDERS: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(2 * std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Renders a page (a `GET`) on the blocking pool, whole, and answers it; anything else (server
/// functions, which put their own heavy work on the pool) goes through as it is.
pub(crate) async fn render_off_workers(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let Ok(_permit) = RENDERS.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the server is stopping").into_response();
    };
    let runtime = tokio::runtime::Handle::current();
    let rendered = tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            let (parts, body) = next.run(request).await.into_parts();
            axum::body::to_bytes(body, MAX_PAGE_BYTES).await.map(|bytes| (parts, bytes))
        })
    })
    .await;
    let error = match rendered {
        Ok(Ok((parts, bytes))) => return Response::from_parts(parts, Body::from(bytes)),
        Ok(Err(error)) => error.to_string(),
        Err(error) => error.to_string(),
    };
    tracing::error!(%error, "a page could not be rendered");
    (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response()
}
