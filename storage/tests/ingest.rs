//! The intake's storage on both backends (docs/product.md §7): a batch commits its event ids,
//! entities, signals, volume and freshness together; a retried event is a duplicate; refusals,
//! threat-intelligence lists and another instance's view of it all.

mod support;

use analytics::dataset::{SignalRecord, HOUR_MS};
use analytics::model::*;
use storage::ingest::{BatchEvent, BatchSignal, GroupedInto, IngestBatch, SourceCatalog};
use storage::rules::RuleUpsert;
use storage::Database;
use support::on_both_backends;

fn catalog() -> SourceCatalog {
    SourceCatalog {
        pack_id: "okta".into(),
        pack_name: "Okta".into(),
        category: PackCategory::Identity,
        source_id: "okta".into(),
        source_name: "Okta System Log".into(),
        rule_id: "intel-okta".into(),
        rule_name: "Okta: activity from a threat-intelligence listed address".into(),
        rule_severity: Severity::High,
    }
}

fn event(n: u8, actor: &str) -> BatchEvent {
    BatchEvent { key: [n; 16], time_ms: 1_767_323_000_000, entities: vec![(EntityKind::User, actor.to_owned()), (EntityKind::Ip, "81.2.69.142".to_owned())] }
}

fn signal(event: usize, at: i64) -> BatchSignal {
    BatchSignal {
        event,
        record: SignalRecord {
            id: 0,
            rule_id: "intel-okta".into(),
            title: "Okta activity from 81.2.69.142".into(),
            severity: Severity::High,
            product: Product::Siem,
            log_source_id: "okta".into(),
            first_seen_ms: at,
            detected_at_ms: at,
            ip: Some("81.2.69.142".into()),
            country_iso: Some("GB".into()),
            region: Some("England".into()),
            city: Some("London".into()),
            isp: None,
            asn: None,
            ti_indicator: Some("81.2.69.142".into()),
            ti_category: Some(ThreatCategory::Anonymizer),
            ti_intention: Some(ThreatIntention::Malicious),
            ti_subcategory: Some(ThreatSubcategory::Tor),
            triage_state: TriageState::Open,
            assignee_id: None,
            archive_reason: None,
            archive_comment: None,
            case_id: None,
            tags: vec!["source:okta".into()],
            version: 1,
            events: 1,
            last_seen_ms: 0,
            entity_ids: vec![],
        },
        group: None,
        grouped: Vec::new(),
    }
}

#[tokio::test]
async fn a_batch_commits_its_events_once_with_entities_signals_and_volume() {
    on_both_backends(|db: Database| async move {
        let at = 1_767_323_045_000; // 2026-01-02T03:04:05Z
        let registered = db.register_source(&catalog(), at).await.unwrap();
        assert!(registered.pack && registered.source && registered.rule);
        assert_eq!(db.register_source(&catalog(), at).await.unwrap(), Default::default(), "registering again adds nothing");

        // Events 1 and 2, event 1 twice in the batch; a signal on event 2.
        let batch = IngestBatch {
            source_id: "okta".into(),
            received_ms: at,
            events: vec![event(1, "ana@example.com"), event(2, "bo@example.com"), event(1, "ana@example.com")],
            signals: vec![signal(1, at)],
            known_entities: Default::default(),
        };
        let outcome = db.ingest_batch(&batch).await.unwrap();
        assert_eq!((outcome.accepted, outcome.duplicates, outcome.hour_ms), (2, 1, at - at % HOUR_MS));
        assert_eq!(outcome.new_entities.len(), 3, "two users and one address");
        assert_eq!(outcome.signals.len(), 1);
        let stored = &outcome.signals[0];
        assert_eq!(stored.entity_ids.len(), 2, "bo and the address");

        // The retry: all duplicates, nothing new, no second signal.
        let retry = db.ingest_batch(&IngestBatch { received_ms: at + 1_000, ..batch.clone() }).await.unwrap();
        assert_eq!((retry.accepted, retry.duplicates, retry.signals.len(), retry.new_entities.len()), (0, 3, 0, 0));
        assert_eq!(db.source_volume("okta", 0).await.unwrap(), vec![(at - at % HOUR_MS, 2)]);

        // The dataset loaded from the database has them all.
        let data = db.load_dataset().await.unwrap();
        assert_eq!(data.signals.len(), 1);
        let record = data.signal_record(0);
        assert_eq!((record.country_iso.as_deref(), record.ti_subcategory), (Some("GB"), Some(ThreatSubcategory::Tor)));
        assert_eq!(data.entities.len(), 3);
        let status = &db.source_statuses().await.unwrap()[0];
        assert_eq!((status.first_received_ms, status.last_received_ms), (Some(at), Some(at + 1_000)));

        // Another instance sees the same through intake_rows.
        let rows = db.intake_rows(0, 0, at - HOUR_MS).await.unwrap();
        assert_eq!((rows.signals.len(), rows.entities.len(), rows.volume.len(), rows.rules.len()), (1, 3, 1, 1));
        assert_eq!(rows.signals[0].entity_ids, stored.entity_ids);

        // The snapshot stamp follows what the intake changed.
        let stamp = db.snapshot_stamp().await.unwrap();
        assert_eq!(stamp.intake, data.intake_fingerprint());
    })
    .await;
}

#[tokio::test]
async fn a_pack_keeps_its_changes_of_health_in_the_history() {
    on_both_backends(|db: Database| async move {
        let at = 1_767_323_045_000;
        let registered = db.register_source(&catalog(), at).await.unwrap();
        assert_eq!(registered.history.len(), 1, "the pack's first state");
        let first = &registered.history[0];
        assert_eq!((first.asset_id.as_str(), first.action.as_str()), ("pack:okta", "health"));
        assert_eq!((first.old_value.as_deref(), first.new_value.as_deref()), (None, Some("active")));

        let broken = db.set_pack_health("okta", PackHealth::Broken, Some("Okta System Log: silent"), Some(at), at + HOUR_MS).await.unwrap();
        assert_eq!(broken.len(), 1);
        assert_eq!((broken[0].old_value.as_deref(), broken[0].new_value.as_deref()), (Some("active"), Some("broken")));
        assert_eq!((broken[0].at_ms, broken[0].comment.as_deref()), (at + HOUR_MS, Some("Okta System Log: silent")));
        // A new detail in the same state is no change of health.
        let detail = db.set_pack_health("okta", PackHealth::Broken, Some("Okta System Log: refusing"), Some(at), at + 2 * HOUR_MS).await.unwrap();
        assert!(detail.is_empty());

        let data = db.load_dataset().await.unwrap();
        let pack = data.pack_by_id("okta").unwrap();
        assert_eq!(data.packs[pack].health_detail.as_deref(), Some("Okta System Log: refusing"));
        let at_time = |t| analytics::overview::pack_health_at(&data, t)[pack];
        assert_eq!(at_time(at - 1), None, "not registered yet");
        assert_eq!(at_time(at + HOUR_MS - 1), Some(PackHealth::Active));
        assert_eq!(at_time(at + HOUR_MS), Some(PackHealth::Broken));
    })
    .await;
}

#[tokio::test]
async fn refusals_run_together_within_an_hour_and_intel_lists_replace_by_name() {
    on_both_backends(|db: Database| async move {
        let at = 1_767_323_045_000;
        db.register_source(&catalog(), at).await.unwrap();
        db.record_refusal("okta", at, 3, "line 3: not valid JSON").await.unwrap();
        db.record_refusal("okta", at + 60_000, 2, "line 1: an event must be a JSON object, not a number").await.unwrap();
        let status = db.source_statuses().await.unwrap().remove(0);
        assert_eq!((status.refusing_since_ms, status.last_refusal_ms, status.refused_events), (Some(at), Some(at + 60_000), 5));
        assert_eq!(status.last_received_ms, None);
        // More than an hour later, a new run begins.
        db.record_refusal("okta", at + 2 * HOUR_MS, 1, "line 1: x").await.unwrap();
        let status = db.source_statuses().await.unwrap().remove(0);
        assert_eq!((status.refusing_since_ms, status.refused_events), (Some(at + 2 * HOUR_MS), 1));

        let networks = vec!["10.0.0.0/8".to_owned(), "185.220.101.1".to_owned(), "10.0.0.0/8".to_owned()];
        let _first = db.import_intel_list("tor", ThreatCategory::Anonymizer, Some(ThreatSubcategory::Tor), ThreatIntention::Unknown, &networks, at).await.unwrap();
        let second = db.import_intel_list("tor", ThreatCategory::Scanner, None, ThreatIntention::Malicious, &networks[..1], at).await.unwrap();
        let lists = db.intel_lists().await.unwrap();
        assert_eq!(lists.len(), 1, "a list of the same name is replaced");
        assert_eq!((lists[0].category, lists[0].networks), (ThreatCategory::Scanner, 1));
        assert_eq!(db.intel_networks().await.unwrap(), vec![(second, "10.0.0.0/8".to_owned())]);
        assert!(db.delete_intel_list(second).await.unwrap());
        assert!(!db.delete_intel_list(second).await.unwrap());
        assert!(db.intel_networks().await.unwrap().is_empty());
    })
    .await;
}

fn sigma_rule() -> RuleUpsert {
    RuleUpsert {
        id: "5f0b2a7c-0000-4000-8000-00000000000a".into(),
        name: "Okta MFA factor reset".into(),
        description: "A user's MFA factor was reset.".into(),
        author: "test".into(),
        references: vec!["https://example.com/a".into(), "https://example.com/b".into()],
        severity: Severity::Medium,
        status: "test".into(),
        logsource: "product=okta service=okta".into(),
        tactics: vec!["TA0006".into()],
        techniques: vec!["T1556.006".into()],
        source: Some(catalog()),
        evaluable: true,
        problem: None,
        yaml: "title: Okta MFA factor reset".into(),
        enable: true,
    }
}

/// A signal of the Sigma rule grouping `events` (index, time) on `ana`.
fn grouped(events: &[(usize, i64)]) -> BatchSignal {
    let mut s = signal(events[0].0, events[0].1);
    s.record.rule_id = sigma_rule().id;
    s.group = Some(("user:ana@example.com".into(), HOUR_MS));
    s.grouped = events.iter().map(|&(i, t)| (i, t, Some(format!("{{\"n\":{i}}}")))).collect();
    s
}

#[tokio::test]
async fn sigma_rules_update_in_place_and_their_matches_on_one_entity_grow_one_signal_within_the_window() {
    on_both_backends(|db: Database| async move {
        let at = 1_767_323_045_000; // 2026-01-02T03:04:05Z
        let counts = db.upsert_rules(&[sigma_rule()], at).await.unwrap();
        assert_eq!((counts.imported, counts.updated, counts.evaluable, counts.enabled), (1, 0, 1, 1));
        // A rule for logs not ingested: stored disabled under its own source.
        let m365 = RuleUpsert { id: "m365-1".into(), source: None, logsource: "product=m365 service=exchange".into(), problem: Some("not ingested".into()), ..sigma_rule() };
        let counts = db.upsert_rules(&[sigma_rule(), m365], at + 1).await.unwrap();
        assert_eq!((counts.imported, counts.updated, counts.enabled), (1, 1, 1));
        let rules = db.stored_rules().await.unwrap();
        let m365 = rules.iter().find(|r| r.id == "m365-1").unwrap();
        assert_eq!((m365.enabled, m365.log_source_id.as_str(), m365.pack_id.as_str()), (false, "sigma-m365-exchange", "sigma-not-ingested"));
        let rule = db.stored_rule(&sigma_rule().id).await.unwrap().unwrap();
        assert_eq!((rule.tactics.clone(), rule.techniques.clone(), rule.references.len(), rule.custom), (vec!["TA0006".to_owned()], vec!["T1556.006".to_owned()], 2, true));
        assert_eq!(db.active_rules().await.unwrap().len(), 1);

        let events = |from: u8, times: &[i64]| -> Vec<BatchEvent> {
            times.iter().enumerate().map(|(k, &t)| BatchEvent { time_ms: t, ..event(from + k as u8, "ana@example.com") }).collect()
        };
        let batch = |events: Vec<BatchEvent>, signals: Vec<BatchSignal>| IngestBatch {
            source_id: "okta".into(),
            received_ms: at,
            events,
            signals,
            known_entities: Default::default(),
        };
        // Two matches a minute apart: one signal of two events.
        let first = db.ingest_batch(&batch(events(10, &[at, at + 60_000]), vec![grouped(&[(0, at), (1, at + 60_000)])])).await.unwrap();
        assert_eq!(first.signals.len(), 1);
        let signal = &first.signals[0];
        assert_eq!((signal.events, signal.first_seen_ms, signal.last_seen_ms), (2, at, at + 60_000));
        // Half an hour later: added to it.
        let second = db.ingest_batch(&batch(events(20, &[at + 1_800_000]), vec![grouped(&[(0, at + 1_800_000)])])).await.unwrap();
        assert!(second.signals.is_empty());
        assert_eq!(second.grouped, vec![GroupedInto { signal_id: signal.id, events: 3, first_seen_ms: at, last_seen_ms: at + 1_800_000 }]);
        // The same event again is a duplicate and adds nothing.
        let retry = db.ingest_batch(&batch(events(20, &[at + 1_800_000]), vec![grouped(&[(0, at + 1_800_000)])])).await.unwrap();
        assert!(retry.signals.is_empty() && retry.grouped.is_empty());
        // Two hours after the first: a new signal.
        let third = db.ingest_batch(&batch(events(30, &[at + 2 * HOUR_MS]), vec![grouped(&[(0, at + 2 * HOUR_MS)])])).await.unwrap();
        assert_eq!(third.signals.len(), 1);
        assert_ne!(third.signals[0].id, signal.id);
        assert_eq!(db.signal_samples(signal.id).await.unwrap(), vec![r#"{"n":0}"#, r#"{"n":1}"#, r#"{"n":0}"#]);
        assert_eq!(db.signal_last_seen(signal.id).await.unwrap(), Some(at + 1_800_000));
        let data = db.load_dataset().await.unwrap();
        let i = data.signal_by_id(signal.id).unwrap();
        assert_eq!((data.signals.events[i], data.signals.last_seen_ms[i]), (3, at + 1_800_000));

        // Disabling is recorded; a rule that cannot run cannot be enabled.
        let history = db.set_rule_enabled(&sigma_rule().id, false, 0, None, at + 5).await.unwrap().unwrap();
        assert_eq!((history.len(), history[0].entry.action.as_str(), history[0].entry.new_value.as_deref()), (1, "enabled", Some("false")));
        assert!(db.active_rules().await.unwrap().is_empty());
        assert_eq!(db.set_rule_enabled(&sigma_rule().id, false, 0, None, at + 6).await.unwrap().unwrap().len(), 0, "no change, nothing recorded");
        assert!(matches!(db.set_rule_enabled("m365-1", true, 0, None, at + 7).await, Err(storage::StorageError::Conflict(_))));
        assert!(db.set_rule_enabled("nope", true, 0, None, at + 7).await.unwrap().is_none());
    })
    .await;
}
