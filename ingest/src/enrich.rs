//! Enriching a source IP (docs/product.md §7): geography and network owner from MaxMind-format
//! databases (MaxMind GeoIP2/GeoLite2, DB-IP, IPinfo's), and threat intelligence from the lists
//! an admin imported.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use analytics::model::{ThreatCategory, ThreatIntention, ThreatSubcategory};
use serde::Deserialize;

/// What a MaxMind-format database could not be opened for.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot read the IP database '{path}': {reason}")]
    Open { path: String, reason: String },
    #[error("the IP database '{path}' is damaged: {reason}")]
    Damaged { path: String, reason: String },
    #[error("the IP database '{path}' is a '{kind}' database; {flag} takes {expected}")]
    WrongKind { path: String, kind: String, flag: &'static str, expected: &'static str },
}

/// Where an address is and who runs its network, as much as the databases know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub country_iso: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub isp: Option<String>,
    pub asn: Option<i64>,
}

/// The location and network-owner databases the server was started with.
#[derive(Default)]
pub struct GeoIp {
    city: Option<maxminddb::Reader<Vec<u8>>>,
    asn: Option<maxminddb::Reader<Vec<u8>>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp").field("city", &self.city.is_some()).field("asn", &self.asn.is_some()).finish()
    }
}

#[derive(Deserialize)]
struct Named {
    iso_code: Option<String>,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct CityRecord {
    country: Option<Named>,
    #[serde(default)]
    subdivisions: Vec<Named>,
    city: Option<Named>,
}

#[derive(Deserialize)]
struct NetworkRecord {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
    isp: Option<String>,
    organization: Option<String>,
}

impl GeoIp {
    /// Opens and checks the databases: a damaged file is an error here, at start-up, never a
    /// failure at lookup time.
    pub fn open(city: Option<&Path>, asn: Option<&Path>) -> Result<GeoIp, GeoError> {
        Ok(GeoIp {
            city: city.map(|p| open(p, "--geoip-city", "a City or Country database", &["city", "country"])).transpose()?,
            asn: asn.map(|p| open(p, "--geoip-asn", "an ASN or ISP database", &["asn", "isp"])).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.city.is_none() && self.asn.is_none()
    }

    /// What the databases say about `ip` (empty when they do not know it).
    pub fn place(&self, ip: IpAddr) -> Place {
        let mut place = Place::default();
        if let Some(city) = self.city.as_ref().and_then(|r| r.lookup(ip).ok()?.decode::<CityRecord>().ok().flatten()) {
            place.country_iso = city.country.and_then(|c| c.iso_code);
            place.region = city.subdivisions.into_iter().next().and_then(english);
            place.city = city.city.and_then(english);
        }
        if let Some(network) = self.asn.as_ref().and_then(|r| r.lookup(ip).ok()?.decode::<NetworkRecord>().ok().flatten()) {
            place.asn = network.autonomous_system_number.map(i64::from);
            place.isp = network.isp.or(network.organization).or(network.autonomous_system_organization);
        }
        place
    }
}

fn english(named: Named) -> Option<String> {
    named.names.get("en").cloned()
}

fn open(path: &Path, flag: &'static str, expected: &'static str, kinds: &[&str]) -> Result<maxminddb::Reader<Vec<u8>>, GeoError> {
    let shown = path.display().to_string();
    let reader = maxminddb::Reader::open_readfile(path).map_err(|e| GeoError::Open { path: shown.clone(), reason: e.to_string() })?;
    reader.verify().map_err(|e| GeoError::Damaged { path: shown.clone(), reason: e.to_string() })?;
    let kind = reader.metadata().database_type.clone();
    if !kinds.iter().any(|k| kind.to_ascii_lowercase().contains(k)) {
        return Err(GeoError::WrongKind { path: shown, kind, flag, expected });
    }
    Ok(reader)
}

/// One threat-intelligence list as imported: what its addresses are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntelList {
    pub id: i64,
    pub name: String,
    pub category: ThreatCategory,
    pub subcategory: Option<ThreatSubcategory>,
    pub intention: ThreatIntention,
}

/// An address or network of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Network {
    /// The first and last address, IPv4 mapped into IPv6.
    pub first: u128,
    pub last: u128,
}

impl Network {
    /// `1.2.3.4`, `1.2.3.0/24`, `2001:db8::/32`.
    pub fn parse(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let ip: IpAddr = address.parse().map_err(|_| format!("'{text}' is not an IP address or CIDR network"))?;
        let (base, bits) = match ip {
            IpAddr::V4(v4) => (u128::from(v4.to_ipv6_mapped()), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        };
        let prefix = match prefix {
            Some(p) => p.parse::<u32>().ok().filter(|p| *p <= bits).ok_or_else(|| format!("'{text}': the prefix length must be 0 to {bits}"))?,
            None => bits,
        };
        let host_bits = bits - prefix;
        let mask = if host_bits == 0 { 0 } else { (1u128 << host_bits) - 1 };
        Ok(Network { first: base & !mask, last: base | mask })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let n = key(ip);
        self.first <= n && n <= self.last
    }

    /// The network as written back (`1.2.3.0/24`, or the address alone).
    pub fn to_text(&self) -> String {
        let size = self.last - self.first;
        let host_bits = 128 - size.leading_zeros();
        let v4 = std::net::Ipv6Addr::from(self.first).to_ipv4_mapped();
        match v4 {
            Some(v4) if host_bits == 0 => v4.to_string(),
            Some(v4) => format!("{v4}/{}", 32 - host_bits),
            None if host_bits == 0 => std::net::Ipv6Addr::from(self.first).to_string(),
            None => format!("{}/{}", std::net::Ipv6Addr::from(self.first), 128 - host_bits),
        }
    }
}

fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The addresses of a list file: one per line, or CSV whose first column is the address (a
/// header line and `#` comments are skipped). A line that is neither is an error naming it.
pub fn parse_list(text: &str) -> Result<Vec<Network>, String> {
    let mut networks = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split([',', ';', '\t']).next().unwrap_or("").trim().trim_matches('"');
        match Network::parse(first) {
            Ok(network) => networks.push(network),
            // A CSV header names its columns.
            Err(_) if n == 0 && first.chars().all(|c| c.is_ascii_alphabetic() || c == '_' || c == ' ') => {}
            Err(reason) => return Err(format!("line {}: {reason}", n + 1)),
        }
    }
    if networks.is_empty() {
        return Err("the file lists no IP address or network".to_owned());
    }
    Ok(networks)
}

/// Every imported list's networks, searchable by address.
#[derive(Debug, Clone, Default)]
pub struct Intel {
    lists: Vec<IntelList>,
    /// (network, index into `lists`), sorted by first address…
    networks: Vec<(Network, usize)>,
    /// …and the largest last address among each network and those before it.
    reach: Vec<u128>,
}

impl Intel {
    pub fn new(lists: Vec<IntelList>, networks: Vec<(i64, Network)>) -> Intel {
        let mut networks: Vec<(Network, usize)> = networks
            .into_iter()
            .filter_map(|(list, network)| lists.iter().position(|l| l.id == list).map(|i| (network, i)))
            .collect();
        networks.sort();
        let mut reach = Vec::with_capacity(networks.len());
        let mut far = 0;
        for (network, _) in &networks {
            far = far.max(network.last);
            reach.push(far);
        }
        Intel { lists, networks, reach }
    }

    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// The list an address is on (the most specific network when several hold it).
    pub fn lookup(&self, ip: IpAddr) -> Option<&IntelList> {
        let n = key(ip);
        let mut i = self.networks.partition_point(|(network, _)| network.first <= n);
        let mut best: Option<&(Network, usize)> = None;
        while i > 0 && self.reach[i - 1] >= n {
            i -= 1;
            let candidate = &self.networks[i];
            if candidate.0.last >= n && best.is_none_or(|b| candidate.0.last - candidate.0.first < b.0.last - b.0.first) {
                best = Some(candidate);
            }
        }
        best.map(|(_, list)| &self.lists[*list])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(file: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/maxmind-test-data").join(file)
    }

    #[test]
    fn the_test_databases_place_their_documented_addresses() {
        let geo = GeoIp::open(Some(&data("GeoIP2-City-Test.mmdb")), Some(&data("GeoLite2-ASN-Test.mmdb"))).unwrap();
        // GeoIP2-City-Test.json: 81.2.69.142/31 is London, England; GeoLite2-ASN-Test.json:
        // 1.128.0.0/11 is AS1221 Telstra.
        let london = geo.place("81.2.69.142".parse().unwrap());
        assert_eq!(
            (london.country_iso.as_deref(), london.region.as_deref(), london.city.as_deref()),
            (Some("GB"), Some("England"), Some("London"))
        );
        let telstra = geo.place("1.128.0.1".parse().unwrap());
        assert_eq!((telstra.asn, telstra.isp.as_deref()), (Some(1221), Some("Telstra Pty Ltd")));
        assert_eq!(geo.place("10.0.0.1".parse().unwrap()), Place::default());
        let isp = GeoIp::open(None, Some(&data("GeoIP2-ISP-Test.mmdb"))).unwrap();
        assert!(isp.place("1.128.0.1".parse().unwrap()).isp.is_some());
    }

    #[test]
    fn a_damaged_or_mismatched_database_is_a_clear_error() {
        for broken in ["MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb"] {
            let error = GeoIp::open(Some(&data(broken)), None).unwrap_err().to_string();
            assert!(error.contains(broken) && (error.contains("is damaged") || error.contains("cannot read")), "{error}");
        }
        let error = GeoIp::open(Some(&data("GeoLite2-ASN-Test.mmdb")), None).unwrap_err().to_string();
        assert!(error.ends_with("is a 'GeoLite2-ASN' database; --geoip-city takes a City or Country database"), "{error}");
        let error = GeoIp::open(Some(Path::new("/nonexistent.mmdb")), None).unwrap_err().to_string();
        assert!(error.starts_with("cannot read the IP database '/nonexistent.mmdb'"), "{error}");
    }

    #[test]
    fn lists_parse_addresses_and_networks_and_name_a_bad_line() {
        let networks = parse_list("ip,comment\n185.220.101.1,tor exit\n# a comment\n10.0.0.0/8\n2001:db8::/32\n").unwrap();
        assert_eq!(networks.iter().map(Network::to_text).collect::<Vec<_>>(), ["185.220.101.1", "10.0.0.0/8", "2001:db8::/32"]);
        assert_eq!(parse_list("1.2.3.4\nnot-an-ip\n").unwrap_err(), "line 2: 'not-an-ip' is not an IP address or CIDR network");
        assert_eq!(parse_list("1.2.3.0/33").unwrap_err(), "line 1: '1.2.3.0/33': the prefix length must be 0 to 32");
        assert_eq!(parse_list("\n# nothing\n").unwrap_err(), "the file lists no IP address or network");
    }

    #[test]
    fn the_most_specific_list_answers_for_an_address() {
        let list = |id, category| IntelList { id, name: format!("list {id}"), category, subcategory: None, intention: ThreatIntention::Unknown };
        let intel = Intel::new(
            vec![list(1, ThreatCategory::Scanner), list(2, ThreatCategory::Botnet)],
            vec![(1, Network::parse("10.0.0.0/8").unwrap()), (2, Network::parse("10.1.2.3").unwrap()), (1, Network::parse("192.0.2.0/24").unwrap())],
        );
        assert_eq!(intel.lookup("10.1.2.3".parse().unwrap()).unwrap().id, 2);
        assert_eq!(intel.lookup("10.200.0.1".parse().unwrap()).unwrap().id, 1);
        assert_eq!(intel.lookup("192.0.2.255".parse().unwrap()).unwrap().id, 1);
        assert!(intel.lookup("192.0.3.0".parse().unwrap()).is_none());
        assert!(intel.lookup("::ffff:10.0.0.1".parse().unwrap()).is_some(), "an IPv4-mapped address is the IPv4 one");
    }
}
