//! Secrets, passwords, addresses, waits and cookies.

use super::forms::wait_text;
use super::*;

#[test]
fn passwords_verify_only_against_their_hash() {
    let hash = hash_password("correct horse battery").unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(verify_password(&hash, "correct horse battery"));
    assert!(!verify_password(&hash, "correct horse batterz"));
    assert!(!verify_password("not a hash", "correct horse battery"));
    // Two hashes of one password differ (random salts).
    assert_ne!(hash, hash_password("correct horse battery").unwrap());
}

#[test]
fn generated_secrets_are_long_and_distinct() {
    let (a, b) = (generate_password(), generate_password());
    assert_eq!(a.len(), 20);
    assert_ne!(a, b);
    assert!(check_password(&a).is_ok());
    let key = new_api_key();
    assert!(key.starts_with("sb_") && key.len() == 67, "{key}");
    assert_eq!(secret_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[test]
fn weak_passwords_are_refused_with_the_rule() {
    assert_eq!(check_password("short").unwrap_err(), "the password is too short (5 characters; at least 12)");
}

#[test]
fn the_client_address_comes_from_the_proxy_only_when_trusted() {
    let request = |forwarded: &str| {
        let mut r = Request::builder().uri("/login").header("x-forwarded-for", forwarded).body(axum::body::Body::empty()).unwrap();
        r.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
        r
    };
    assert_eq!(client_address(&request("203.0.113.9"), false), "10.0.0.1", "untrusted: the peer");
    assert_eq!(client_address(&request("198.51.100.7, 203.0.113.9"), true), "203.0.113.9", "the entry the proxy added");
    assert_eq!(client_address(&request("not an address"), true), "10.0.0.1", "garbage falls back to the peer");
    // A client's own header line comes first; the proxy's line is the last one.
    let mut r = Request::builder()
        .uri("/login")
        .header("x-forwarded-for", "203.0.113.66")
        .header("x-forwarded-for", "198.51.100.7, 192.0.2.1")
        .body(axum::body::Body::empty())
        .unwrap();
    r.extensions_mut().insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 443))));
    assert_eq!(client_address(&r, true), "192.0.2.1", "the last value of the last line");
}

#[test]
fn the_wait_between_attempts_grows_and_is_capped() {
    let waits: Vec<i64> = (0..8).map(attempt_wait_ms).collect();
    assert_eq!(waits, [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000]);
    assert_eq!(attempt_wait_ms(40), MAX_ATTEMPT_WAIT_MS);
    assert_eq!(wait_text(1_000), "1 second");
    assert_eq!(wait_text(7_500), "8 seconds");
    assert_eq!(wait_text(900_000), "15 minutes");
}

#[test]
fn the_session_cookie_is_http_only_and_strict() {
    let cookie = session_cookie("t", 60, false);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"));
    let secure = session_cookie("t", 60, true);
    assert!(secure.starts_with("__Host-signalboard_session=t; Path=/;") && secure.ends_with("; Secure"), "{secure}");
    assert!(!secure.contains("Domain"));
}
