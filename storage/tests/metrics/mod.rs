//! The metric tests' datasets (`analytics/tests/fixture`) through the database: each is written
//! to SQLite and to PostgreSQL and read back, and must come back equal to the dataset built in
//! memory in everything the metrics read, and give the same data for every overview module.
//! The metrics themselves are tested in memory, in `analytics/tests/metrics.rs`.

use analytics::dataset::*;
use analytics::overview::{compute, ModuleId, Span};
use storage::Database;

use crate::support::on_both_backends;

#[path = "../../../analytics/tests/fixture/mod.rs"]
mod fixture;

use fixture::{Fixture, NOW};

/// Writes the fixture's dataset to `db`, reads it back and checks that nothing changed.
async fn assert_round_trip(db: Database, fixture: Fixture) {
    let built = fixture.build();
    db.save_dataset(&built).await.expect("save");
    let loaded = db.load_dataset().await.expect("load");

    assert_eq!(loaded.packs, built.packs, "content packs");
    assert_eq!(loaded.sources, built.sources, "log sources");
    assert_eq!(loaded.rules, built.rules, "rules");
    assert_eq!(loaded.users, built.users, "users");
    assert_eq!(loaded.entities, built.entities, "entities");
    assert_eq!(loaded.cases, built.cases, "cases");
    assert_eq!(loaded.incidents, built.incidents, "incidents");
    assert_eq!(loaded.history_events(), built.history_events(), "history");
    assert_eq!(loaded.volume, built.volume, "log volume");
    assert_eq!(loaded.articles, built.articles, "articles");

    assert_eq!(loaded.signals.len(), built.signals.len(), "signals");
    for i in 0..built.signals.len() {
        assert_eq!(loaded.signal_record(i), built.signal_record(i), "signal {i}");
        assert_eq!(loaded.signals.first_response(i), built.signals.first_response(i), "first response of signal {i}");
        assert_eq!(loaded.signals.archived_at(i), built.signals.archived_at(i), "archive time of signal {i}");
        assert!(loaded.history_of(i).eq(built.history_of(i)), "history of signal {i}");
    }

    // Every module, over the windows the metric tests use. ModuleData has no PartialEq (and
    // this crate no serde_json): its Debug text shows every field.
    for days in [1, 7, 30] {
        let span = Span { from: NOW - days * DAY_MS, to: NOW };
        for &id in ModuleId::ALL {
            assert_eq!(
                format!("{:?}", compute(&loaded, id, span, NOW)),
                format!("{:?}", compute(&built, id, span, NOW)),
                "{id} over {days} days"
            );
        }
    }
}

#[tokio::test]
async fn a_stored_dataset_reads_back_with_the_same_metrics() {
    on_both_backends(|db| assert_round_trip(db, fixture::open_signals_in_two_countries())).await;
}

#[tokio::test]
async fn stored_response_times_read_back_with_the_same_metrics() {
    on_both_backends(|db| assert_round_trip(db, fixture::response_times())).await;
}

#[tokio::test]
async fn stored_entity_risk_reads_back_with_the_same_metrics() {
    on_both_backends(|db| assert_round_trip(db, fixture::entity_risk())).await;
}

#[tokio::test]
async fn stored_case_work_reads_back_with_the_same_case_aging() {
    on_both_backends(|db| assert_round_trip(db, fixture::case_work())).await;
}

#[tokio::test]
async fn stored_noise_reads_back_with_the_same_noise_report() {
    on_both_backends(|db| assert_round_trip(db, fixture::noise_work())).await;
}

#[tokio::test]
async fn stored_rule_changes_read_back_with_the_same_threat_coverage() {
    on_both_backends(|db| assert_round_trip(db, fixture::threat_work())).await;
}

#[tokio::test]
async fn stored_team_work_reads_back_with_the_same_team_performance() {
    on_both_backends(|db: Database| async move {
        assert_round_trip(db.clone(), fixture::team_work()).await;
        // With the per-analyst rows, which the shared module leaves out.
        let built = fixture::team_work().build();
        let loaded = db.load_dataset().await.expect("load");
        let span = Span { from: NOW - DAY_MS, to: NOW };
        let per_analyst = |data: &Dataset| format!("{:?}", analytics::overview::team_performance(data, span, true));
        assert_eq!(per_analyst(&loaded), per_analyst(&built));
        assert!(per_analyst(&loaded).contains("\"ana\""), "the analysts are there");
    })
    .await;
}
