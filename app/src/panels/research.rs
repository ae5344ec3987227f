//! The security research and release notes module (§4.8): the latest articles, linked only when
//! their address is a web address.

use analytics::overview::Research;
use leptos::prelude::*;

use super::common::empty;
use crate::format::clock;

/// Whether a stored link is a page of this site (`/release-notes#…`): a path, never `//host`.
fn own_page(url: &str) -> bool {
    url.starts_with('/') && !url.starts_with("//") && !url.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// Whether a stored link may be an `href`: only `https://` and `http://` addresses or a page
/// of this site (never `javascript:`, `data:` or anything a browser would run).
fn safe_link(url: &str) -> bool {
    if own_page(url) {
        return true;
    }
    let url = url.trim_start();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// The latest research articles and release notes.
#[component]
pub(super) fn ResearchPanel(d: Research) -> impl IntoView {
    view! {
        {d.articles.is_empty().then(|| empty("Nothing published yet."))}
        <ul class="rows">
            {d.articles.into_iter().take(8).map(|a| view! {
                <li class="row">
                    <span class="pill case">{if a.kind == "research" { "Research" } else { "Release" }}</span>
                    {if own_page(&a.url) {
                        view! { <a class="row-main" href=a.url title=a.summary>{a.title}</a> }.into_any()
                    } else if safe_link(&a.url) {
                        view! { <a class="row-main" href=a.url target="_blank" rel="noopener noreferrer" title=a.summary>{a.title}</a> }.into_any()
                    } else {
                        view! { <span class="row-main" title=a.summary>{a.title}</span> }.into_any()
                    }}
                    <span class="row-detail">{clock(a.published_at_ms, 86_400_000)}</span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_become_links() {
        for ok in ["https://securitylabs.example/post", "http://example.com/a?b=c", "/release-notes#customize-your-overview"] {
            assert!(safe_link(ok), "{ok}");
        }
        for evil in ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "//evil.example", "https://a b", "/\\\\evil.example", "/a b"] {
            assert!(!safe_link(evil), "{evil}");
        }
    }
}
