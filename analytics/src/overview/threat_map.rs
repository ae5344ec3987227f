//! Threat map (docs/product.md §4.4): where the attackers' IPs are, by country, IP and provider.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::stats::*;
use super::{term, Kpi, Span};
use crate::dataset::Dataset;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CountryCount {
    pub iso: String,
    pub signals: u64,
    pub important: u64,
    /// Signals per region (subdivision), most first: the wedge's drill-down.
    pub regions: Vec<(String, u64)>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IpRow {
    pub ip: String,
    pub country: Option<String>,
    pub important: u64,
    pub other: u64,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IspRow {
    pub isp: String,
    pub asn: Option<i64>,
    pub signals: u64,
    /// Signals per (country, region): the provider drilled into by location.
    pub locations: Vec<(String, String, u64)>,
    pub query: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThreatMap {
    /// Every country with signals in the window, most first.
    pub countries: Vec<CountryCount>,
    /// Signals with a known attacker country.
    pub located_signals: Kpi,
    pub top_ips: Vec<IpRow>,
    pub isps: Vec<IspRow>,
}

/// Threat map (§4.4). Counts signals detected in the window that carry an attacker IP; a signal
/// without a country is not on the map. "Important" is critical or high.
pub fn threat_map(data: &Dataset, span: Span) -> ThreatMap {
    let t = &data.signals;
    // Dense counters indexed by interned string id; pairs and triples in a fast hash map.
    let n = t.strings.len();
    let mut country_counts = vec![(0u64, 0u64); n];
    let mut ip_counts = vec![(0u32, 0u64, 0u64); n];
    let mut isp_counts = vec![(0i64, 0u64); n];
    let mut regions: FastMap<(u32, u32), u64> = FastMap::default();
    let mut isp_locations: FastMap<(u32, u32, u32), u64> = FastMap::default();
    for i in t.range(span.from, span.to) {
        let important = t.severity[i].is_important();
        let (country, region, ip, isp) = (t.country[i], t.region[i], t.ip[i], t.isp[i]);
        if country != 0 {
            let c = &mut country_counts[country as usize];
            c.0 += 1;
            c.1 += important as u64;
            if region != 0 {
                *regions.entry((country, region)).or_default() += 1;
            }
        }
        if ip != 0 {
            let c = &mut ip_counts[ip as usize];
            c.0 = country;
            if important {
                c.1 += 1;
            } else {
                c.2 += 1;
            }
        }
        if isp != 0 {
            let c = &mut isp_counts[isp as usize];
            c.0 = t.asn[i];
            c.1 += 1;
            *isp_locations.entry((isp, country, region)).or_default() += 1;
        }
    }
    let mut country_regions: HashMap<u32, HashMap<u32, u64>> = HashMap::new();
    for ((c, r), count) in regions {
        country_regions.entry(c).or_default().insert(r, count);
    }
    let countries: HashMap<u32, (u64, u64, HashMap<u32, u64>)> = country_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.0 > 0)
        .map(|(id, c)| (id as u32, (c.0, c.1, country_regions.remove(&(id as u32)).unwrap_or_default())))
        .collect();
    let ips: HashMap<u32, (u32, u64, u64)> = ip_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.1 + c.2 > 0)
        .map(|(id, c)| (id as u32, *c))
        .collect();
    let mut locations_of: HashMap<u32, HashMap<(u32, u32), u64>> = HashMap::new();
    for ((isp, c, r), count) in isp_locations {
        locations_of.entry(isp).or_default().insert((c, r), count);
    }
    let isps: HashMap<u32, (i64, u64, HashMap<(u32, u32), u64>)> = isp_counts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.1 > 0)
        .map(|(id, c)| (id as u32, (c.0, c.1, locations_of.remove(&(id as u32)).unwrap_or_default())))
        .collect();
    let s = |id: u32| t.strings.get(id).to_owned();
    let mut country_rows: Vec<CountryCount> = countries
        .into_iter()
        .map(|(c, (signals, important, regions))| {
            let mut regions: Vec<(String, u64)> = regions.into_iter().map(|(r, n)| (s(r), n)).collect();
            regions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            CountryCount {
                query: term("@network.client.geoip.country.iso_code", t.strings.get(c)),
                iso: s(c),
                signals,
                important,
                regions,
            }
        })
        .collect();
    country_rows.sort_by(|a, b| b.signals.cmp(&a.signals).then(a.iso.cmp(&b.iso)));
    let mut ip_rows: Vec<IpRow> = ips
        .into_iter()
        .map(|(ip, (country, important, other))| IpRow {
            query: term("@network.ip.list", t.strings.get(ip)),
            ip: s(ip),
            country: t.strings.get_opt(country).map(str::to_owned),
            important,
            other,
        })
        .collect();
    ip_rows.sort_by(|a, b| {
        (b.important + b.other)
            .cmp(&(a.important + a.other))
            .then(b.important.cmp(&a.important))
            .then(a.ip.cmp(&b.ip))
    });
    ip_rows.truncate(10);
    let mut isp_rows: Vec<IspRow> = isps
        .into_iter()
        .map(|(isp, (asn, signals, locations))| {
            let mut locations: Vec<(String, String, u64)> = locations
                .into_iter()
                .map(|((c, r), n)| (s(c), s(r), n))
                .collect();
            locations.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
            IspRow {
                query: term("@network.client.isp", t.strings.get(isp)),
                isp: s(isp),
                asn: (asn != 0).then_some(asn),
                signals,
                locations,
            }
        })
        .collect();
    isp_rows.sort_by(|a, b| b.signals.cmp(&a.signals).then(a.isp.cmp(&b.isp)));
    isp_rows.truncate(10);
    let located = |span: Span| t.range(span.from, span.to).filter(|&i| t.country[i] != 0).count();
    ThreatMap {
        located_signals: Kpi::new(located(span) as f64, located(span.previous()) as f64),
        countries: country_rows,
        top_ips: ip_rows,
        isps: isp_rows,
    }
}

