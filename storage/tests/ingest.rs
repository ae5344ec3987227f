//! The intake's storage on both backends (docs/product.md §7): a batch commits its event ids,
//! entities, signals, volume and freshness together; a retried event is a duplicate; refusals,
//! threat-intelligence lists and another instance's view of it all.

mod support;

use analytics::dataset::{SignalRecord, HOUR_MS};
use analytics::model::*;
use storage::ingest::{BatchEvent, BatchSignal, IngestBatch, SourceCatalog};
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
