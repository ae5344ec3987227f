//! What every response tells the browser, and what every state-changing request must show.
//!
//! - A Content-Security-Policy that lets the page run only the app's own script and wasm:
//!   pages carry a per-response nonce for Leptos's inline hydration script ([`page_policy`],
//!   set while the page renders); every other response gets the nonce-less policy, which runs
//!   no script at all. `frame-ancestors 'none'` keeps the app out of frames.
//! - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (queries in URLs never
//!   leave the app; `no-referrer` would make browsers send `Origin: null` on the app's own forms), `Cross-Origin-Opener-Policy`, a restrictive `Permissions-Policy`, HSTS when
//!   the request came over HTTPS, and `Cache-Control: no-store` on everything but the static
//!   bundle (SOC data and one-time secrets are never cached).
//! - Cross-site request forgery, beyond SameSite cookies: a state-changing request (anything
//!   but GET, HEAD and OPTIONS) whose `Sec-Fetch-Site` says another site, or whose `Origin`
//!   is not this host, is refused with 403 before it reaches a handler. Clients that send
//!   neither header (curl, scripts with an API key) are not browsers and pass.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The policy of a page rendered with `nonce`, or of any other response (`None`).
pub(crate) fn policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        Some(nonce) => format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; {scripts}; style-src 'self'; style-src-elem 'self'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy with the nonce Leptos renders into its inline scripts. Called in the
/// context of every page render (the server's `leptos_routes_with_context`).
pub(crate) fn page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&policy(Some(&nonce))) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Whether the request reached us over HTTPS (directly or through a proxy that says so).
pub(crate) fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// Static files that may be cached (the bundle's names change with its content).
fn cacheable(path: &str) -> bool {
    path.starts_with("/pkg/") || matches!(path, "/world.svg" | "/favicon.svg")
}

/// The middleware adding the headers above to every response.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let https = over_https(request.headers());
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&policy(None)).expect("a valid header"));
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !cacheable(&path) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Why a request is not the app's own, if it is not.
fn cross_site(method: &Method, headers: &HeaderMap, trust_proxy: bool) -> Option<String> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    // A browser that sends Fetch Metadata says where the request comes from, and that is the
    // answer (its `Origin` may be "null" for a form post under some referrer policies).
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return (!matches!(site, "same-origin" | "none"))
            .then(|| format!("the browser says this request comes from another site (Sec-Fetch-Site: {site})"));
    }
    let origin = headers.get(header::ORIGIN)?.to_str().unwrap_or("null");
    let host = trust_proxy
        .then(|| headers.get("x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if origin == "null" || host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
        return Some(format!("the request comes from {origin}, not from this site"));
    }
    None
}

/// What the CSRF middleware needs.
#[derive(Clone, Copy)]
pub(crate) struct SameOrigin {
    /// Compare `Origin` with `X-Forwarded-Host` (set by the trusted proxy) instead of `Host`.
    pub trust_proxy: bool,
}

/// The middleware refusing cross-site state-changing requests.
pub(crate) async fn same_origin(axum::extract::State(config): axum::extract::State<SameOrigin>, request: Request, next: Next) -> Response {
    if let Some(why) = cross_site(request.method(), request.headers(), config.trust_proxy) {
        tracing::warn!(method = %request.method(), path = request.uri().path(), "{why}");
        return (StatusCode::FORBIDDEN, Json(json!({ "error": format!("refused: {why}") }))).into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_writes_are_told_apart_from_the_apps_own() {
        let post = Method::POST;
        let own = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000"), ("sec-fetch-site", "same-origin")]);
        assert_eq!(cross_site(&post, &own, false), None);
        let own_form = headers(&[("host", "127.0.0.1:3000"), ("origin", "null"), ("sec-fetch-site", "same-origin")]);
        assert_eq!(cross_site(&post, &own_form, false), None, "Fetch Metadata decides when present");
        assert_eq!(cross_site(&post, &headers(&[("host", "127.0.0.1:3000")]), false), None, "no browser headers: not a browser");
        let evil = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")]);
        assert!(cross_site(&post, &evil, false).unwrap().contains("http://evil.example"));
        assert!(cross_site(&Method::GET, &evil, false).is_none(), "reads are not checked");
        let fetch = headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")]);
        assert!(cross_site(&post, &fetch, false).unwrap().contains("cross-site"));
        let null = headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]);
        assert!(cross_site(&post, &null, false).is_some());
        let proxied = headers(&[("host", "10.0.0.5:3000"), ("x-forwarded-host", "soc.example.com"), ("origin", "https://soc.example.com")]);
        assert_eq!(cross_site(&post, &proxied, true), None);
        assert!(cross_site(&post, &proxied, false).is_some(), "X-Forwarded-Host only behind a trusted proxy");
    }

    #[test]
    fn the_policy_allows_only_own_scripts() {
        let page = policy(Some("abc"));
        assert!(page.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{page}");
        assert!(page.contains("frame-ancestors 'none'") && page.contains("object-src 'none'"));
        let scripts = page.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
        assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains(" 'unsafe-eval'"), "{scripts}");
        assert!(!policy(None).contains("nonce"));
    }
}
