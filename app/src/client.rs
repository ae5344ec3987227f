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
