//! Calls to the REST API from the browser (gloo-net): every change the pages make goes through
//! the same routes, and the same permission checks, as any other client.

use serde::Serialize;
use serde_json::Value;

/// Sends `body` as JSON with `method` to `path`; answers the JSON reply, or the server's error
/// message (`{"error": ...}`) for people to read.
pub async fn send(method: &str, path: &str, body: &impl Serialize) -> Result<Value, String> {
    #[cfg(feature = "hydrate")]
    {
        use gloo_net::http::Request;
        let builder = match method {
            "PATCH" => Request::patch(path),
            "PUT" => Request::put(path),
            "DELETE" => Request::delete(path),
            _ => Request::post(path),
        };
        let response = builder
            .json(body)
            .map_err(|e| format!("cannot send the request: {e}"))?
            .send()
            .await
            .map_err(|e| format!("the server could not be reached: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(value["error"].as_str().map_or_else(|| format!("the server answered {status}"), str::to_owned))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, path, serde_json::to_string(body));
        Err("changes are made from the browser".to_owned())
    }
}

/// `POST` with a JSON body.
pub async fn post(path: &str, body: &impl Serialize) -> Result<Value, String> {
    send("POST", path, body).await
}

/// What the last change said: `Ok` for a confirmation, `Err` for the server's refusal.
pub type Outcome = leptos::prelude::RwSignal<Option<Result<String, String>>>;

/// Runs a change in the browser, then says how it went in `message` and bumps `refresh` so the
/// page reloads what it shows.
pub fn run(
    refresh: leptos::prelude::RwSignal<u32>,
    message: Outcome,
    call: impl std::future::Future<Output = Result<Value, String>> + 'static,
    describe: impl Fn(&Value) -> String + 'static,
) {
    use leptos::prelude::{Set, Update};
    leptos::task::spawn_local(async move {
        let outcome = call.await;
        message.set(Some(outcome.as_ref().map(&describe).map_err(Clone::clone)));
        refresh.update(|n| *n += 1);
    });
}

/// The confirmation (`role=status`) or refusal (`role=alert`) of the last change.
#[leptos::component]
pub fn Notice(message: Outcome) -> impl leptos::IntoView {
    use leptos::prelude::*;
    move || {
        message.get().map(|m| match m {
            Ok(text) => view! { <p class="notice ok" role="status">{text}</p> }.into_any(),
            Err(text) => view! { <p class="notice error" role="alert">{text}</p> }.into_any(),
        })
    }
}
