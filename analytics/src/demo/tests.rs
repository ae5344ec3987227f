//! The demo data's promises: deterministic, realistic in shape, ending at `now`.

use super::*;

fn params(signals: usize, seed: u64) -> DemoParams {
    DemoParams { signals, seed, days: 30, now_ms: 1_795_000_000_000 }
}

#[test]
fn the_same_seed_gives_the_same_data() {
    let a = generate(params(2_000, 7));
    let b = generate(params(2_000, 7));
    assert_eq!(a.signals.len(), 2_000);
    for i in [0, 999, 1_999] {
        assert_eq!(a.signal_record(i), b.signal_record(i));
    }
    assert_eq!(a.history_events(), b.history_events());
    let c = generate(params(2_000, 8));
    assert_ne!(a.signal_record(999), c.signal_record(999));
}

#[test]
fn data_ends_now_and_spans_the_days() {
    let p = params(5_000, 1);
    let data = generate(p);
    let t = &data.signals;
    assert!(*t.detected_at_ms.last().unwrap() < p.now_ms);
    assert!(t.detected_at_ms[0] >= p.now_ms - 30 * DAY_MS);
    assert!(t.detected_at_ms.iter().zip(t.detected_at_ms.iter().skip(1)).all(|(a, b)| a <= b), "signals are in time order");
    assert!((0..t.len()).all(|i| t.first_seen_ms[i] <= t.detected_at_ms[i]));
}

#[test]
fn triage_history_agrees_with_the_signals() {
    let data = generate(params(5_000, 3));
    let t = &data.signals;
    let archived = (0..t.len()).filter(|&i| t.state[i] == TriageState::Archived).count();
    assert!(archived > 2_000, "most old signals were handled: {archived}");
    for i in 0..t.len() {
        match t.state[i] {
            TriageState::Archived => {
                assert!(t.archive_reason[i].is_some());
                assert!(t.first_response(i).is_some() && t.archived_at(i).is_some());
            }
            TriageState::UnderReview => assert!(t.first_response(i).is_some()),
            TriageState::Open => assert!(t.first_response(i).is_none() && t.archive_reason[i].is_none()),
        }
    }
    assert!(data.history().zip(data.history().skip(1)).all(|(a, b)| a.at_ms() <= b.at_ms()));
}

#[test]
fn each_signal_finds_its_own_history() {
    let data = generate(params(3_000, 4));
    for i in (0..data.signals.len()).step_by(97) {
        let id = data.signals.id[i].to_string();
        let scanned: Vec<_> = data
            .history_events()
            .into_iter()
            .filter(|h| h.asset_type == AssetType::SecuritySignal && h.asset_id == id)
            .collect();
        let indexed: Vec<_> = data.history_of(i).collect();
        assert_eq!(indexed, scanned, "signal {id}");
    }
    assert!(data.history_of(data.signals.len() + 5).next().is_none());
}

#[test]
fn critical_signals_are_answered_faster_than_info() {
    let data = generate(params(20_000, 5));
    let t = &data.signals;
    let mean_response = |s: Severity| {
        let v: Vec<f64> = (0..t.len())
            .filter(|&i| t.severity[i] == s)
            .filter_map(|i| t.first_response(i).map(|r| (r - t.detected_at_ms[i]) as f64))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(mean_response(Severity::Critical) < mean_response(Severity::Medium));
    assert!(mean_response(Severity::Medium) < mean_response(Severity::Info));
}

#[test]
fn the_broken_source_stops_sending_logs() {
    let data = generate(params(1_000, 2));
    let broken = data.packs.iter().position(|p| p.health == PackHealth::Broken).unwrap();
    let since = data.packs[broken].health_since_ms.unwrap();
    let source = data.sources.iter().position(|s| s.pack == broken).unwrap();
    assert!(data.volume.iter().any(|v| v.source == source && v.hour_ms < since));
    assert!(!data.volume.iter().any(|v| v.source == source && v.hour_ms >= since));
}

#[test]
fn a_rule_names_only_entities_its_log_source_can_produce() {
    let data = generate(params(20_000, 42));
    let records: Vec<SignalRecord> = (0..data.signals.len()).map(|i| data.signal_record(i)).collect();
    let source_of = |r: &SignalRecord| LOG_SOURCES.iter().find(|s| s.id == r.log_source_id).expect("a catalogue source");
    let entity = |id: i64| &data.entities[data.entity_by_id(id).expect("the entity exists")];
    let mut named = 0;
    for r in &records {
        let source = source_of(r);
        for &id in &r.entity_ids {
            let e = entity(id);
            if e.kind == EntityKind::Ip {
                assert_eq!(r.ip.as_deref(), Some(e.name.as_str()), "signal {}: the address entity is its address", r.id);
                continue;
            }
            named += 1;
            assert!(
                source.entities.iter().any(|slot| slot.kind == e.kind && slot.admits(&e.name)),
                "signal {} of source {} names the {} {}",
                r.id,
                source.id,
                e.kind.as_str(),
                e.name
            );
        }
    }
    assert!(named > 15_000, "most signals name an entity besides their address: {named}");
    // The examples SOC managers gave: flow logs never name an e-mail, CloudTrail never a GCP
    // service account, the WAF never a bucket.
    let names_of = |source: &str| -> Vec<&str> {
        records
            .iter()
            .filter(|r| r.log_source_id == source)
            .flat_map(|r| r.entity_ids.iter().map(|&id| entity(id).name.as_str()))
            .collect()
    };
    assert!(names_of("vpc-flow").iter().all(|n| !n.contains('@')));
    assert!(names_of("cloudtrail").iter().all(|n| !n.contains("gserviceaccount")));
    assert!(names_of("appsec-waf").iter().all(|n| !n.starts_with("s3://") && !n.starts_with("gs://")));
}

#[test]
fn the_riskiest_entities_are_a_mix_of_kinds() {
    let p = params(20_000, 42);
    let data = generate(p);
    let scores = crate::overview::risk_scores(&data, p.now_ms);
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let top: Vec<EntityKind> = order[..20].iter().map(|&e| data.entities[e].kind).collect();
    for kind in [EntityKind::User, EntityKind::Host, EntityKind::CloudIdentity, EntityKind::Ip] {
        assert!(top.contains(&kind), "the top 20 hold a {}: {top:?}", kind.as_str());
    }
    let most = EntityKind::ALL.iter().map(|k| top.iter().filter(|t| *t == k).count()).max().unwrap();
    assert!(most <= 10, "no kind fills more than half the top 20: {top:?}");
    // Risk ranks rather than saturates: a few dozen critical entities, not a fifth of them.
    let risky = scores.iter().filter(|&&s| s > 0.0).count();
    let critical = scores.iter().filter(|&&s| s >= 90.0).count();
    assert!(critical * 10 < risky, "{critical} critical of {risky} risky");
}
