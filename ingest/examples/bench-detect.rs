//! Events per second through parsing, enrichment and Sigma detection (no database), with more
//! and more rules loaded, on Stratus Red Team's CloudTrail records. Prints a markdown table.
//!
//!     cargo run --release -p ingest --example bench-detect
//!
//! Rows: no rule; SigmaHQ's AWS CloudTrail rules; every cloud, identity and application rule that
//! maps to a log source Signalboard ingests (the others cannot run); and those plus each of them
//! loaded again under 20 made-up sources (rules of sources the events do not come from), to show
//! that unrelated rules cost an event nothing. Reads ../shared/data at run time.

use std::path::PathBuf;
use std::time::Instant;

use ingest::enrich::GeoIp;
use ingest::sigma::{read_paths, Detect, Detector, Enabled};
use ingest::sources;

fn shared(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data").join(path)
}

fn main() {
    let mut records: Vec<Box<serde_json::value::RawValue>> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared("stratus-red-team/detonation-logs")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for file in files {
        let values: Vec<Box<serde_json::value::RawValue>> = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        records.extend(values);
    }
    let mean_size = records.iter().map(|r| r.get().len()).sum::<usize>() / records.len();
    let geo = GeoIp::open(Some(&shared("maxmind-test-data/GeoIP2-City-Test.mmdb")), Some(&shared("maxmind-test-data/GeoLite2-ASN-Test.mmdb"))).unwrap();
    let cloudtrail = sources::source("cloudtrail").unwrap();

    let aws = read_paths(&[shared("sigmahq/rules/cloud/aws")]).unwrap();
    let all = read_paths(&[shared("sigmahq/rules/cloud"), shared("sigmahq/rules/identity"), shared("sigmahq/rules/application")]).unwrap();
    let enabled = |rules: &[ingest::sigma::SigmaImport]| -> Vec<Enabled> {
        rules
            .iter()
            .filter(|r| r.evaluable)
            .filter_map(|r| r.source.map(|s| Enabled { id: r.id.clone(), source_id: s.id.to_owned(), yaml: r.yaml.clone() }))
            .collect()
    };
    let aws_rules = enabled(&aws.rules);
    let all_rules = enabled(&all.rules);
    let mut crowded = all_rules.clone();
    for n in 0..20 {
        crowded.extend(all_rules.iter().map(|r| Enabled { source_id: format!("elsewhere-{n}"), ..r.clone() }));
    }
    println!("CloudTrail records: {} (mean {mean_size} bytes), each evaluated {ROUNDS} times per row\n", records.len());
    println!("| rules loaded | of them on cloudtrail | events/s on one thread | µs per event | matches per pass |");
    println!("|---|---|---|---|---|");
    for rules in [Vec::new(), aws_rules, all_rules, crowded] {
        let (detector, problems) = Detector::build(&rules);
        assert!(problems.is_empty(), "{problems:?}");
        let on_cloudtrail = rules.iter().filter(|r| r.source_id == "cloudtrail").count();
        let pass = |matches: &mut usize| {
            for raw in &records {
                let found = cloudtrail.extract(raw);
                let _entities = std::hint::black_box(found.entities());
                if let Some(ip) = found.ip {
                    std::hint::black_box(geo.place(ip));
                }
                *matches += detector.detect("cloudtrail", raw).len();
            }
        };
        // A warm-up pass first (caches, the allocator), then the timed ones.
        pass(&mut 0);
        let mut matches = 0usize;
        let started = Instant::now();
        for _ in 0..ROUNDS {
            pass(&mut matches);
        }
        let seconds = started.elapsed().as_secs_f64();
        let events = (ROUNDS * records.len()) as f64;
        println!(
            "| {} | {on_cloudtrail} | {:.0} | {:.1} | {} |",
            detector.len(),
            events / seconds,
            seconds * 1e6 / events,
            matches / ROUNDS
        );
    }
}

const ROUNDS: usize = 400;
