//! The threat map module (§4.4): signals by country on a world map, the top source IPs, the
//! countries and their regions, and the ISPs by location.

use analytics::overview::{term, ThreatMap};
use leptos::prelude::*;

use super::common::{clicked_key, empty, Change, Drill, Stat, IMPORTANT};
use crate::charts::{self, Wedge};
use crate::format::{compact, thousands};

/// The world map as one SVG: every country a `<use>` of the shared shapes, those with signals
/// shaded and linked to their signals. Everything from the data is escaped.
fn world_map(d: &ThreatMap, drill: &Drill) -> String {
    charts::memo(("world_map", &d.countries, drill), || draw_world_map(d, drill))
}

fn draw_world_map(d: &ThreatMap, drill: &Drill) -> String {
    let max = d.countries.iter().map(|c| c.signals).max().unwrap_or(1).max(1) as f64;
    let (vw, vh) = crate::world::VIEW_BOX;
    let mut map = format!(
        r#"<svg class="world-map" viewBox="0 0 {vw} {vh}" width="100%" role="group" aria-label="Signals by country: arrow keys move between countries" data-roving="" xmlns="http://www.w3.org/2000/svg">"#
    );
    for c in crate::world::COUNTRIES {
        if !d.countries.iter().any(|k| k.iso == c.iso) {
            map.push_str(&format!(r##"<use href="/world.svg#c-{}" class="land"/>"##, charts::escape(c.iso)));
        }
    }
    for (k, c) in d.countries.iter().enumerate() {
        let t = (c.signals as f64 / max).sqrt();
        // The map is one tab stop (see `crate::roving`).
        let tab_stop = if k == 0 { "0" } else { "-1" };
        let name = crate::world::name(&c.iso);
        let title = format!("{name}: {} signals, {} important", thousands(c.signals as f64), thousands(c.important as f64));
        let marker = crate::world::country(&c.iso)
            .map(|p| format!(r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" class="map-dot"/>"#, p.x, p.y, 1.5 + 4.0 * t))
            .unwrap_or_default();
        map.push_str(&format!(
            r##"<a class="mark country" href="{}" tabindex="{tab_stop}" data-count="{}" data-iso="{}"><title>{}</title><use href="/world.svg#c-{}" fill="{}" class="hit"/>{marker}</a>"##,
            charts::escape(&drill.href(&c.query)),
            c.signals,
            charts::escape(&c.iso),
            charts::escape(&title),
            charts::escape(&c.iso),
            charts::heat(0.2 + 0.8 * t)
        ));
    }
    map.push_str("</svg>");
    map
}

/// The map and the top source IPs, then the countries (a click opens their regions) and the
/// ISPs (each opens its locations).
#[component]
pub(super) fn ThreatMapPanel(d: ThreatMap, drill: Drill) -> impl IntoView {
    if d.countries.is_empty() {
        return view! {
            <div class="stats">
                <Stat label="Located signals" value="0".to_owned() change=view! { <Change kpi=d.located_signals lower_is_better=true/> }.into_any()/>
            </div>
            {empty("No signal with a known origin in this window.")}
        }
        .into_any();
    }
    let map = world_map(&d, &drill);
    let max = d.countries.iter().map(|c| c.signals).max().unwrap_or(1).max(1) as f64;

    let selected = RwSignal::new(None::<String>);
    let countries = d.countries.clone();
    let country_drill = drill.clone();
    let wedges_view = move || {
        let drill = country_drill.clone();
        match selected.get().and_then(|iso| countries.iter().find(|c| c.iso == iso).cloned()) {
            None => {
                let mut wedges: Vec<Wedge> = countries
                    .iter()
                    .take(8)
                    .enumerate()
                    .map(|(k, c)| Wedge {
                        label: crate::world::name(&c.iso).to_owned(),
                        value: c.signals as f64,
                        colour: charts::palette(k),
                        href: None,
                        key: Some(c.iso.clone()),
                    })
                    .collect();
                let rest: u64 = countries.iter().skip(8).map(|c| c.signals).sum();
                if rest > 0 {
                    wedges.push(Wedge { label: "Other countries".into(), value: rest as f64, colour: charts::palette(9), href: None, key: None });
                }
                let total: u64 = countries.iter().map(|c| c.signals).sum();
                let svg = charts::donut(150, "Signals by country", &wedges, &compact(total as f64));
                view! {
                    <h3 class="module-subtitle">"Signals by country"</h3>
                    <div class="chart-box donut-box" inner_html=svg data-testid="country-donut"
                        on:click=move |ev| { if let Some(key) = clicked_key(&ev) { selected.set(Some(key)) } }
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                #[cfg(not(feature = "ssr"))]
                                {
                                    use leptos::wasm_bindgen::JsCast;
                                    if let Some(key) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.get_attribute("data-key")) {
                                        selected.set(Some(key));
                                    }
                                }
                            }
                        }></div>
                    <ul class="legend-list">
                        {countries.iter().take(8).enumerate().map(|(k, c)| {
                            let iso = c.iso.clone();
                            view! {
                                <li>
                                    <button type="button" class="legend-item" data-testid=format!("country-{}", c.iso)
                                        title="Drill into its states or provinces"
                                        on:click=move |_| selected.set(Some(iso.clone()))>
                                        <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                                        {crate::world::name(&c.iso).to_owned()}
                                        <span class="legend-value">{thousands(c.signals as f64)}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }
            Some(country) => {
                let base = country.query.clone();
                let wedges: Vec<Wedge> = country
                    .regions
                    .iter()
                    .enumerate()
                    .map(|(k, (region, n))| Wedge {
                        label: region.clone(),
                        value: *n as f64,
                        colour: charts::palette(k),
                        href: Some(drill.href(&format!("{base} {}", term("@network.client.geoip.subdivision.name", region)))),
                        key: None,
                    })
                    .collect();
                let svg = charts::donut(150, "Signals by state or province", &wedges, &compact(country.signals as f64));
                let name = crate::world::name(&country.iso).to_owned();
                view! {
                    <h3 class="module-subtitle">
                        <button type="button" class="link-button" on:click=move |_| selected.set(None)>"All countries"</button>
                        {format!(" › {name}")}
                    </h3>
                    <div class="chart-box donut-box" inner_html=svg data-testid="region-donut"></div>
                    <ul class="legend-list">
                        {country.regions.iter().enumerate().map(|(k, (region, n))| view! {
                            <li>
                                <a class="legend-item drill" data-count=*n
                                    href=drill.href(&format!("{base} {}", term("@network.client.geoip.subdivision.name", region)))>
                                    <span class="swatch" style=format!("background: {}", charts::css(charts::palette(k)))></span>
                                    {region.clone()}
                                    <span class="legend-value">{thousands(*n as f64)}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }
        }
    };

    let open_isp = RwSignal::new(None::<String>);
    let isp_max = d.isps.iter().map(|i| i.signals).max().unwrap_or(1).max(1) as f64;
    let stats = view! {
        <div class="stats">
            <Stat label="Located signals" value=thousands(d.located_signals.value)
                change=view! { <Change kpi=d.located_signals lower_is_better=true/> }.into_any()/>
            <Stat label="Countries" value=d.countries.len().to_string()/>
        </div>
    }
    .into_any();
    let map_and_ips = view! {
        <div class="split">
            <div class="split-main">
                <div class="map-box" inner_html=map data-testid="world-map"></div>
                <p class="map-legend">
                    <span>"fewer"</span><span class="map-ramp"></span><span>{format!("{} signals", thousands(max))}</span>
                </p>
            </div>
            <div class="split-side">
                <h3 class="module-subtitle">"Top source IPs"</h3>
                <table class="mini-table" data-testid="top-ips">
                    <thead><tr><th>"IP"</th><th>"Country"</th><th class="num">"Important"</th><th class="num">"Other"</th></tr></thead>
                    <tbody>
                        {d.top_ips.into_iter().take(10).map(|ip| {
                            let important_q = format!("{} {IMPORTANT}", ip.query);
                            let other_q = format!("{} (status:medium OR status:low OR status:info)", ip.query);
                            view! {
                                <tr>
                                    <td><a class="mono drill" href=drill.href(&ip.query) data-count=ip.important + ip.other>{ip.ip}</a></td>
                                    <td>{ip.country.as_deref().map(crate::world::name).unwrap_or("–").to_owned()}</td>
                                    <td class="num"><a class="drill" href=drill.href(&important_q) data-count=ip.important>{thousands(ip.important as f64)}</a></td>
                                    <td class="num"><a class="drill" href=drill.href(&other_q) data-count=ip.other>{thousands(ip.other as f64)}</a></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
    .into_any();
    let providers = view! {
        <div class="split">
            <div class="split-side">{wedges_view}</div>
            <div class="split-main">
                <h3 class="module-subtitle">"Signals by ISP"</h3>
                <ul class="rows bar-rows" data-testid="isps">
                    {d.isps.into_iter().take(8).map(|isp| {
                        let name = isp.isp.clone();
                        let toggle_name = name.clone();
                        let is_open = Memo::new(move |_| open_isp.get().as_deref() == Some(name.as_str()));
                        let base = isp.query.clone();
                        let locations = isp.locations.clone();
                        let drill_loc = drill.clone();
                        view! {
                            <li class="row bar-row" style=format!("--bar: {:.1}%", isp.signals as f64 * 100.0 / isp_max)>
                                <a class="row-main drill" href=drill.href(&isp.query) data-count=isp.signals>{isp.isp.clone()}</a>
                                <span class="row-detail">{isp.asn.map(|a| format!("AS{a} · ")).unwrap_or_default()}{thousands(isp.signals as f64)}</span>
                                <button type="button" class="button button-small" aria-expanded=move || is_open.get().to_string()
                                    aria-label=format!("by location: {}", isp.isp)
                                    on:click=move |_| open_isp.update(|o| *o = if o.as_deref() == Some(toggle_name.as_str()) { None } else { Some(toggle_name.clone()) })>
                                    "by location"
                                </button>
                            </li>
                            <Show when=move || is_open.get()>
                                <li class="row sub-rows">
                                    <ul class="rows">
                                        {locations.iter().map(|(country, region, n)| {
                                            let q = format!("{base} {} {}", term("@network.client.geoip.country.iso_code", country), term("@network.client.geoip.subdivision.name", region));
                                            view! {
                                                <li class="row">
                                                    <a class="row-main drill" href=drill_loc.href(&q) data-count=*n>{format!("{}, {region}", crate::world::name(country))}</a>
                                                    <span class="row-detail">{thousands(*n as f64)}</span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </li>
                            </Show>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </div>
    }
    .into_any();
    view! { {stats} {map_and_ips} {providers} }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_values_stay_inert_in_the_map() {
        let hostile = "\"/><script>alert(1)</script>";
        let d = ThreatMap {
            countries: vec![analytics::overview::CountryCount {
                iso: hostile.to_owned(),
                signals: 3,
                important: 1,
                query: format!("@x:\"{hostile}\""),
                regions: Vec::new(),
            }],
            located_signals: analytics::overview::Kpi::new(3.0, 0.0),
            top_ips: Vec::new(),
            isps: Vec::new(),
        };
        let svg = world_map(&d, &Drill::new("7d"));
        assert!(!svg.contains("<script"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"), "{svg}");
    }
}
