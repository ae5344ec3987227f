//! Signalboard's intake (docs/product.md §7), with no web framework: reading shippers' bodies
//! within limits ([`body`]), the built-in log sources and what each one's events name
//! ([`sources`]), and the enrichment of source IPs with geography, network owner and threat
//! intelligence ([`enrich`]).

pub mod body;
pub mod enrich;
pub mod health;
pub mod sigma;
pub mod sources;
