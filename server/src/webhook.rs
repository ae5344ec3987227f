//! The workflow webhook: which addresses it may point at, and posting a signal to it.
//!
//! An admin sets the URL, but the server makes the request, from inside the network: left
//! unchecked, the webhook would reach loopback services, the cloud metadata endpoint or any
//! internal host, and the errors it reports would map the internal network. So:
//!
//! - the URL is `http` or `https`, has a host, and carries no credentials (a token in the path
//!   or query is fine: the URL itself is only shown to admins);
//! - the host is resolved once, every address it resolves to must be public (not loopback,
//!   private, link-local, carrier-grade NAT, multicast, documentation or reserved ranges),
//!   and the connection goes to exactly those addresses (no second lookup that DNS rebinding
//!   could answer differently); `--allow-private-webhooks` lifts the range check for a
//!   receiver on the same network;
//! - no redirects are followed, no proxy from the environment is used, and the request ends
//!   after 10 seconds;
//! - callers learn only "answered N" or "could not be reached"; the reason goes to the log,
//!   without the URL;
//! - the history and the run log keep only the scheme and host ([`redacted`]).
//!
//! HTTPS uses rustls with the Mozilla root certificates, plus the CA certificates in the PEM
//! file named by `--webhook-ca-file` (an internal CA).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

/// What the webhook may reach, from the command line.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Allow loopback, private and link-local addresses (an on-premises receiver).
    pub allow_private: bool,
    /// Extra CA certificates (PEM) to trust for HTTPS receivers.
    pub ca_file: Option<PathBuf>,
}

/// The longest webhook URL accepted.
const MAX_URL: usize = 2_048;

/// Checks a webhook URL as an admin gives it; the error names what is wrong (never the secret
/// parts of the URL). Addresses given literally are checked against the policy at once; names
/// are resolved when the webhook runs.
pub fn check_url(text: &str, policy: &Policy) -> Result<Url, String> {
    let text = text.trim();
    if text.len() > MAX_URL {
        return Err(format!("url: {} characters; at most {MAX_URL}", text.len()));
    }
    let url = Url::parse(text).map_err(|e| format!("url: not a valid address ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("url: the scheme is '{}'; only http:// and https:// are allowed", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url: credentials in the address (user:password@) are not allowed; put a token in the path or query instead".to_owned());
    }
    let Some(host) = url.host() else {
        return Err("url: the address has no host".to_owned());
    };
    if !policy.allow_private {
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(name) if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") => {
                Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
            url::Host::Domain(_) => None,
        };
        if let Some(ip) = literal.filter(|ip| !is_public(*ip)) {
            return Err(format!(
                "url: {ip} is not a public address; start the server with --allow-private-webhooks to post to a receiver on your own network"
            ));
        }
    }
    Ok(url)
}

/// The part of a webhook URL that may be shown to anyone and kept in the history: scheme, host
/// and port, never the path or query (where tokens live).
pub fn redacted(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("");
            match url.port() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        Err(_) => "(an invalid address)".to_owned(),
    }
}

/// Whether an address is on the public internet: what a webhook may reach by default.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return is_public_v4(v4);
            }
            !(v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only 100::/64
                || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible ::a.b.c.d and the like
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: the cloud metadata endpoint lives here
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// How a webhook post went, for the caller and the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered with this status.
    Answered(u16),
    /// It could not be reached; the reason is for the log only.
    Unreachable(String),
}

/// Posts `payload` to the webhook at `url` (already accepted by [`check_url`]).
pub async fn post(url: &str, payload: &serde_json::Value, policy: &Policy) -> Outcome {
    match try_post(url, payload, policy).await {
        Ok(status) => Outcome::Answered(status),
        Err(reason) => Outcome::Unreachable(reason),
    }
}

async fn try_post(url: &str, payload: &serde_json::Value, policy: &Policy) -> Result<u16, String> {
    let url = check_url(url, policy)?;
    let host = url.host_str().ok_or("no host")?.trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().ok_or("no port")?;
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| "the name did not resolve within 5 seconds".to_owned())?
            .map_err(|e| format!("the name does not resolve: {e}"))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err("the name resolves to no address".to_owned());
    }
    if !policy.allow_private {
        if let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(format!("the name resolves to {}, which is not a public address", private.ip()));
        }
    }
    let mut client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .https_only(false)
        .resolve_to_addrs(&host, &addresses);
    if let Some(path) = &policy.ca_file {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read the webhook CA file {}: {e}", path.display()))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| format!("the webhook CA file is not PEM: {e}"))? {
            client = client.add_root_certificate(cert);
        }
    }
    let client = client.build().map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let response = client.post(url).json(payload).send().await.map_err(|e| e.without_url().to_string())?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
            "255.255.255.255", "224.0.0.1", "192.0.2.10", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1",
            "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2001:db8::1", "::127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["1.1.1.1", "8.8.8.8", "203.0.114.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn urls_are_checked_and_redacted() {
        let strict = Policy::default();
        let open = Policy { allow_private: true, ca_file: None };
        assert!(check_url("https://hooks.example.com/services/T0/B0/secret", &strict).is_ok());
        for (url, why) in [
            ("ftp://hooks.example.com/x", "only http:// and https://"),
            ("https://user:pass@hooks.example.com/x", "credentials in the address"),
            ("http://127.0.0.1:8080/x", "127.0.0.1 is not a public address"),
            ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a public address"),
            ("http://[::1]:9000/", "::1 is not a public address"),
            ("http://localhost:5432/", "127.0.0.1 is not a public address"),
            ("not a url", "not a valid address"),
        ] {
            let error = check_url(url, &strict).unwrap_err();
            assert!(error.contains(why), "{url}: {error}");
        }
        assert!(check_url("http://127.0.0.1:8080/x", &open).is_ok(), "allowed on request");
        assert!(check_url("https://user:pass@10.0.0.1/", &open).is_err(), "credentials never");
        assert_eq!(redacted("https://hooks.example.com/services/T0/B0/secret?token=abc"), "https://hooks.example.com");
        assert_eq!(redacted("http://10.0.0.5:8443/x?k=v"), "http://10.0.0.5:8443");
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_private_address_is_not_reached() {
        // This machine's own name resolves (through /etc/hosts) to a loopback or private
        // address: the name passes the literal check, and is refused once resolved.
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
        let resolved: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 9)).await.map(|a| a.collect()).unwrap_or_default();
        assert!(!resolved.is_empty() && resolved.iter().all(|a| !is_public(a.ip())), "{name} resolves to {resolved:?}");
        assert!(check_url(&format!("http://{name}:9/hook"), &Policy::default()).is_ok());
        let outcome = post(&format!("http://{name}:9/hook"), &serde_json::json!({}), &Policy::default()).await;
        match outcome {
            Outcome::Unreachable(reason) => assert!(reason.contains("not a public address"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
