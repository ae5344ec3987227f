//! Roving tab stops (WAI-ARIA Authoring Practices, "Keyboard Navigation Inside Components"): a
//! chart's marks and the ATT&CK matrix's cells are one tab stop each, not hundreds. The server
//! renders the group (`data-roving`) with its first item at `tabindex="0"` and the others at
//! `-1`; in the browser the arrow keys, Home and End move focus inside the group, and the item
//! last focused becomes the group's tab stop.

/// Listens on the document once, for every group on every page (groups come and go with the
/// modules, so nothing is attached to them).
pub(crate) fn install() {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::wasm_bindgen::{closure::Closure, JsCast};
        use web_sys::{Element, HtmlElement, KeyboardEvent};

        let items_of = |group: &Element| -> Vec<Element> {
            let Ok(list) = group.query_selector_all("[tabindex]") else { return Vec::new() };
            (0..list.length()).filter_map(|k| list.item(k)?.dyn_into::<Element>().ok()).collect()
        };
        let item_in_group = |event: &web_sys::Event| -> Option<(Element, Element)> {
            let target: Element = event.target()?.dyn_into().ok()?;
            let group = target.closest("[data-roving]").ok()??;
            target.has_attribute("tabindex").then_some((target, group))
        };
        let keydown = Closure::<dyn Fn(KeyboardEvent)>::new(move |event: KeyboardEvent| {
            let Some((target, group)) = item_in_group(&event) else { return };
            let items = items_of(&group);
            let Some(at) = items.iter().position(|i| *i == target) else { return };
            let next = match event.key().as_str() {
                "ArrowRight" | "ArrowDown" => (at + 1).min(items.len() - 1),
                "ArrowLeft" | "ArrowUp" => at.saturating_sub(1),
                "Home" => 0,
                "End" => items.len() - 1,
                _ => return,
            };
            event.prevent_default();
            // `focus` is called on the object itself, so it works on SVG links too.
            let _ = items[next].unchecked_ref::<HtmlElement>().focus();
        });
        let focusin = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
            let Some((target, group)) = item_in_group(&event) else { return };
            for item in items_of(&group) {
                let _ = item.set_attribute("tabindex", if item == target { "0" } else { "-1" });
            }
        });
        let document = leptos::prelude::document();
        let _ = document.add_event_listener_with_callback("keydown", keydown.as_ref().unchecked_ref());
        let _ = document.add_event_listener_with_callback("focusin", focusin.as_ref().unchecked_ref());
        // Both live as long as the page.
        keydown.forget();
        focusin.forget();
    }
}
