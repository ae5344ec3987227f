//! The workflow webhook under attack: no internal address, no leaked secret, HTTPS with a
//! private CA only when configured.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Options, Role, TestApp};

/// A receiver that counts what reaches it.
pub(super) async fn counting_receiver() -> (std::net::SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hits.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { axum::http::StatusCode::NO_CONTENT }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, hits)
}

#[tokio::test]
async fn the_webhook_reaches_no_internal_address_and_leaks_no_secret() {
    let app = TestApp::spawn_with_options(300, Options { allow_private_webhooks: false, ..Options::default() }).await;
    let set = |url: String| app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": url }));
    for (url, why) in [
        ("http://127.0.0.1:9/hook".to_owned(), "127.0.0.1 is not a public address"),
        ("http://169.254.169.254/latest/meta-data/".to_owned(), "169.254.169.254 is not a public address"),
        ("http://[::1]:9/".to_owned(), "::1 is not a public address"),
        ("https://user:secret@hooks.example.com/x".to_owned(), "credentials"),
        ("file:///etc/passwd".to_owned(), "only http:// and https://"),
    ] {
        let (status, body) = set(url.clone()).await;
        assert_eq!(status, 400, "{url}: {body}");
        assert!(body["error"].as_str().unwrap().contains(why), "{url}: {body}");
    }
    // A name that resolves to an internal address passes the literal check and is refused when
    // the webhook runs; whether the port is open or closed, the caller learns the same thing.
    let (open, hits) = counting_receiver().await;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    let (_, listed) = app.send_json(Some(Role::Analyst), Method::GET, "/api/v1/signals?window=7d&limit=1", Value::Null).await;
    let id = listed["signals"][0]["id"].as_i64().unwrap();
    let mut answers = Vec::new();
    for port in [open.port(), 9] {
        let (status, body) = set(format!("http://{host}:{port}/hook?token=s3cr3t")).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/workflow"), json!({})).await;
        assert_eq!(status, 502);
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1], "no port scanner");
    assert_eq!(answers[0]["error"], "the webhook could not be reached; the server log says why");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing reached the internal receiver");
    // The history a viewer reads holds the scheme and host, never the token.
    let (_, history) = app.send_json(Some(Role::Viewer), Method::GET, "/api/v1/history?limit=50", Value::Null).await;
    let text = history.to_string();
    assert!(!text.contains("s3cr3t"), "{text}");
    assert!(text.contains(&format!("http://{host}:9")), "{text}");
}

/// A self-signed certificate for 127.0.0.1 and an HTTPS receiver with it; answers its address,
/// the certificate (PEM) and how many requests reached it.
async fn tls_receiver() -> (std::net::SocketAddr, String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.key_pair.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let mut buffer = vec![0u8; 64 * 1024];
                let mut read = 0;
                // Headers, then the body its Content-Length announces.
                loop {
                    let Ok(n) = tls.read(&mut buffer[read..]).await else { return };
                    if n == 0 {
                        return;
                    }
                    read += n;
                    let text = String::from_utf8_lossy(&buffer[..read]).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                            .unwrap_or(0);
                        if read >= end + 4 + length {
                            break;
                        }
                    }
                }
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = tls.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, pem, hits)
}

#[tokio::test]
async fn https_webhooks_work_with_the_receivers_ca() {
    let (addr, pem, hits) = tls_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    for (trusted, expected) in [(false, 502), (true, 200)] {
        let app = TestApp::spawn_with_options(200, Options { allow_private_webhooks: true, webhook_ca_file: trusted.then(|| ca.clone()), ..Options::default() }).await;
        let (status, body) = app.send_json(Some(Role::Admin), Method::PUT, "/api/v1/settings/webhook", json!({ "url": url })).await;
        assert_eq!(status, 200, "{body}");
        let (_, listed) = app.send_json(Some(Role::Analyst), Method::GET, "/api/v1/signals?window=7d&limit=1", Value::Null).await;
        let id = listed["signals"][0]["id"].as_i64().unwrap();
        let (status, body) = app.send_json(Some(Role::Analyst), Method::POST, &format!("/api/v1/signals/{id}/workflow"), json!({})).await;
        assert_eq!(status, expected, "trusted={trusted}: {body}");
        if trusted {
            assert_eq!(body["status"], 204);
        }
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1, "only the trusting server's post got through the handshake");
}
