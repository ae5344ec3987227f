//! Dark (the default, for a SOC wall screen) or light. The choice is remembered in a cookie so
//! the server renders the page in it from the first byte, with no flash of the other theme.

use leptos::prelude::*;

/// The cookie holding the theme: `dark` or `light`.
pub const THEME_COOKIE: &str = "signalboard_theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

impl Theme {
    pub const fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        match value.trim() {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            _ => None,
        }
    }

    pub const fn other(self) -> Theme {
        match self {
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Dark,
        }
    }

    /// The theme named by a `Cookie` header, if any.
    pub fn from_cookie_header(header: &str) -> Option<Theme> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == THEME_COOKIE)
            .and_then(|(_, value)| Theme::parse(value))
    }
}

/// The theme of the page being rendered: from the request's cookie on the server, from the
/// document (which the server rendered with it) in the browser.
pub fn current_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get_all(http::header::COOKIE)
                    .iter()
                    .filter_map(|value| value.to_str().ok())
                    .find_map(Theme::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|root| root.get_attribute("data-theme"))
            .and_then(|value| Theme::parse(&value))
            .unwrap_or_default()
    }
}

#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(current_theme());
    let switch = move |_| {
        let next = theme.get_untracked().other();
        theme.set(next);
        apply(next);
    };
    view! {
        <button
            type="button"
            class="icon-button theme-toggle"
            data-testid="theme-toggle"
            aria-label=move || format!("Switch to the {} theme", theme.get().other().as_str())
            title=move || format!("Switch to the {} theme", theme.get().other().as_str())
            on:click=switch
        >
            {move || if theme.get() == Theme::Dark { "☀" } else { "☾" }}
        </button>
    }
}

/// Sets the theme on the document and remembers it for a year.
fn apply(theme: Theme) {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::JsCast;
        let document = document();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-theme", theme.as_str());
        }
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = html.set_cookie(&format!(
                "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                theme.as_str()
            ));
        }
    }
    #[cfg(feature = "ssr")]
    let _ = theme;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_is_read_from_the_cookie_header() {
        assert_eq!(Theme::from_cookie_header("a=b; signalboard_theme=light"), Some(Theme::Light));
        assert_eq!(Theme::from_cookie_header("signalboard_theme=dark"), Some(Theme::Dark));
        assert_eq!(Theme::from_cookie_header("signalboard_theme=purple"), None);
        assert_eq!(Theme::from_cookie_header("other_theme=light"), None);
        assert_eq!(Theme::from_cookie_header(""), None);
    }
}
