//! The parsers of untrusted input, as fuzz targets: each takes any text and either accepts it
//! or refuses it with a clear error; it never panics, never recurses without bound, and what it
//! accepts means the same when written back. `scripts/fuzz.sh` drives them for a bounded time
//! (`cargo run --example fuzz`); inputs that once broke one are kept under
//! `fuzz/regressions/<target>/` and replayed by the tests.
//!
//! `cargo fuzz` (libFuzzer) needs a nightly compiler for its sanitizer flags, and this project
//! builds on stable only; so the driver is a small mutational fuzzer of its own, which keeps an
//! input when it makes the target behave in a way not seen before (a new kind of answer), and
//! runs each target in a child process so a crash (even a stack overflow) is caught and its
//! input saved.

use analytics::query::Query;

/// One fuzz target.
pub struct Target {
    pub name: &'static str,
    /// Inputs to start from (the committed corpus under `fuzz/corpus/<name>/` adds to these).
    pub seeds: &'static [&'static str],
    /// Characters mutations favour: the target's own syntax.
    pub alphabet: &'static str,
    /// Runs the parser on one input: `Ok` with a short signature of how it answered (its kind
    /// of result, for the fuzzer's feedback), or `Err` when an invariant broke.
    pub check: fn(&str) -> Result<String, String>,
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "query",
        seeds: &[
            "",
            "status:critical",
            "(status:critical OR status:high) -source:okta",
            "@network.client.isp:\"Amazon.com, Inc.\" @workflow.rule.name:*MFA* @case.id:*",
            "NOT (a AND b) OR \"c\\\" d\"",
            "@workflow.triage.state:open -@workflow.triage.assignee:*",
        ],
        alphabet: "()-\"*:@ \\ORANDNOTstaus.",
        check: check_query,
    },
    Target {
        name: "window",
        seeds: &["7d", "1h", "30d", "2026-11-20T08:00:00Z/2026-11-20T20:00:00Z", "2026-11-20T08:00Z/2026-11-21", " 4h "],
        alphabet: "0123456789-:TZ/.+ dh",
        check: check_window,
    },
    Target {
        name: "layout",
        seeds: &[
            "{\"modules\":[]}",
            "{\"schema_version\":1,\"modules\":[{\"id\":\"threat-map\",\"hidden\":true,\"collapsed\":false}]}",
            "{\"modules\":[{\"id\":\"security-coverage\"},{\"id\":\"security-coverage\"}]}",
        ],
        alphabet: "{}[]\":,01 truefalsnmodulesidhdc-",
        check: check_layout,
    },
    Target {
        name: "webhook-url",
        seeds: &["https://hooks.example.com/x?token=1", "http://10.0.0.1:8080/", "http://[::ffff:127.0.0.1]/", "https://u:p@h/"],
        alphabet: ":/@[].%?#0123456789abcdefhtps",
        check: check_webhook_url,
    },
    Target {
        name: "next-path",
        seeds: &["/", "/signals?query=a&window=7d", "//evil.example", "/\\evil"],
        alphabet: "/\\?&=%.:#@ \n\r\t",
        check: check_next,
    },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

fn check_query(input: &str) -> Result<String, String> {
    match Query::parse(input) {
        Ok(query) => {
            let text = query.to_string();
            // Rendering escapes quotes and backslashes, so a query near the length limit may
            // render longer than the limit: that rendering is refused by length, and only that.
            match Query::parse(&text) {
                Ok(again) if again != query => return Err(format!("{}: renders as another query", short(input))),
                Ok(_) => {}
                Err(e) if text.chars().count() > analytics::query::MAX_QUERY_CHARS && e.message.starts_with("the query is too long") => {}
                Err(e) => return Err(format!("{} parsed, but its rendering does not: {e}", short(input))),
            }
            Ok(format!("ok:{}", shape(&query)))
        }
        Err(error) => {
            let length = input.chars().count();
            if error.position > length {
                return Err(format!("{}: the error position {} is past the end ({length})", short(input), error.position));
            }
            Ok(format!("err:{}", error.message.split([' ', '\'']).take(3).collect::<Vec<_>>().join(" ")))
        }
    }
}

/// At most 120 characters of an input, for messages.
fn short(input: &str) -> String {
    let count = input.chars().count();
    if count <= 120 {
        format!("{input:?}")
    } else {
        format!("{:?}… ({count} characters)", input.chars().take(120).collect::<String>())
    }
}

/// A query's shape without its values: `and(term,not(text))`.
fn shape(query: &Query) -> String {
    match query {
        Query::All => "all".into(),
        Query::Text(_) => "text".into(),
        Query::Term { .. } => "term".into(),
        Query::Exists(_) => "exists".into(),
        Query::Not(inner) => format!("not({})", shape(inner)),
        Query::And(parts) => format!("and({})", parts.len().min(3)),
        Query::Or(parts) => format!("or({})", parts.len().min(3)),
    }
}

fn check_window(input: &str) -> Result<String, String> {
    match analytics::Window::parse(input) {
        Ok(window) => {
            let param = window.as_param();
            let again = analytics::Window::parse(&param).map_err(|e| format!("{} parsed, but {param:?} does not: {e}", short(input)))?;
            if again != window {
                return Err(format!("{} writes back as {param:?}, which means another window", short(input)));
            }
            let (from, to) = window.bounds(1_800_000_000_000);
            if from >= to {
                return Err(format!("{}: an empty or backwards window", short(input)));
            }
            Ok(format!("ok:{}", if window.preset().is_some() { "preset" } else { "range" }))
        }
        Err(error) => Ok(format!("err:{}", error.to_string().split(' ').take(3).collect::<Vec<_>>().join(" "))),
    }
}

fn check_layout(input: &str) -> Result<String, String> {
    use app::layout::Layout;
    let page = Layout::from_page(input);
    let stored = Layout::from_stored(1, input);
    if let Ok(layout) = &page {
        let json = serde_json::to_string(layout).map_err(|e| e.to_string())?;
        let again = Layout::from_page(&json).map_err(|e| format!("{} accepted, but as stored it is refused: {e}", short(input)))?;
        if &again != layout {
            return Err(format!("{}: the stored layout reads back differently", short(input)));
        }
    }
    Ok(format!("page:{} stored:{}", page.is_ok(), stored.is_ok()))
}

fn check_webhook_url(input: &str) -> Result<String, String> {
    let strict = crate::webhook::Policy::default();
    match crate::webhook::check_url(input, &strict) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("");
            if !url.username().is_empty() || url.password().is_some() {
                return Err(format!("{}: accepted with credentials", short(input)));
            }
            if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
                if !crate::webhook::is_public(ip) {
                    return Err(format!("{}: accepted the internal address {ip}", short(input)));
                }
            }
            // The redacted form is scheme, host and port: no path, query, fragment or credentials.
            let shown = crate::webhook::redacted(url.as_str());
            let parsed = reqwest::Url::parse(&shown).map_err(|e| format!("{}: the redacted form does not parse: {e}", short(input)))?;
            if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() || parsed.host_str() != url.host_str() {
                return Err(format!("{}: the redacted form {} keeps more than scheme and host", short(input), short(&shown)));
            }
            Ok("ok".into())
        }
        Err(error) => Ok(format!("err:{}", error.split(' ').take(4).collect::<Vec<_>>().join(" "))),
    }
}

fn check_next(input: &str) -> Result<String, String> {
    let next = app::auth::safe_next(input);
    if next != "/" && next != input {
        return Err(format!("{} became {next:?}", short(input)));
    }
    let dangerous = next.starts_with("//") || next.contains('\\') || next.chars().any(|c| c.is_control() || c.is_whitespace()) || !next.starts_with('/');
    if dangerous {
        return Err(format!("{} is followed as {next:?}", short(input)));
    }
    if axum::http::HeaderValue::from_str(next).is_err() {
        return Err(format!("{next:?} is not a valid Location"));
    }
    Ok(if next == "/" { "home".into() } else { "kept".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_pass_their_checks() {
        for target in TARGETS {
            for seed in target.seeds {
                (target.check)(seed).unwrap_or_else(|e| panic!("{}: {e}", target.name));
            }
        }
    }
}
