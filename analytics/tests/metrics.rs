//! Every overview metric on small hand-built datasets whose answers are worked out here by hand.
//! The datasets are built in memory (see `fixture`); the storage tests check that the same
//! datasets read back from SQLite and PostgreSQL give the same metrics.

mod fixture;

use analytics::dataset::*;
use analytics::model::*;
use analytics::overview::*;
use fixture::{count, day, Fixture, MIN, NOW};

#[test]
fn an_empty_window_has_no_data_and_no_means() {
    let mut f = Fixture::new();
    f.signal("r-okta", Severity::High, 3 * 24 * 60, 60);
    let data = f.build();
    let span = Span { from: NOW - HOUR_MS, to: NOW };
    let o = security_overview(&data, span);
    assert_eq!(o.total.value, 0.0);
    assert!(o.flow.is_empty());
    assert_eq!(o.response[0].mean_ms, None);
    assert_eq!(o.response[0].p90_ms, None);
    let p = rule_performance(&data, span);
    assert_eq!(p.mttd[0].mean_ms, None);
    assert!(p.rules_by_false_positive_rate.is_empty());
    assert!(important_signals(&data, span, NOW).rules.is_empty());
    assert!(threat_map(&data, span).countries.is_empty());
}

#[test]
fn signals_straddling_the_edges_count_only_inside_the_half_open_window() {
    let mut f = Fixture::new();
    // 24 h + 1 min ago: before the window. Exactly 24 h ago: the first instant inside.
    f.signal("r-okta", Severity::High, 24 * 60 + 1, 10);
    f.signal("r-okta", Severity::High, 24 * 60, 10);
    f.signal("r-okta", Severity::Critical, 1, 10);
    f.signal("r-okta", Severity::Critical, 0, 10); // detected at NOW: after the window.
    let data = f.build();
    let o = security_overview(&data, day());
    assert_eq!(o.total.value, 2.0);
    assert_eq!(o.total.previous, 1.0, "the signal before the window is in the previous one");
    assert_eq!(o.by_severity[0].count.value, 1.0);
    assert_eq!(o.by_severity[1].count.value, 1.0);
    let rows = important_signals(&data, day(), NOW).rules;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].by_severity, [1, 1, 0, 0, 0]);
    assert_eq!(count(&data, &rows[0].query, day()), 2);
}

#[test]
fn mean_time_to_respond_uses_the_first_move_and_leaves_out_signals_never_responded_to() {
    let data = fixture::response_times().build();
    let o = security_overview(&data, day());
    let all = &o.response[0];
    assert_eq!(all.responded, 10);
    assert_eq!(all.unresponded, 2);
    assert_eq!(all.mean_ms, Some(5.5 * MIN as f64));
    // Nearest rank: p50 is the 5th of 10, p90 the 9th.
    assert_eq!(all.p50_ms, Some(5.0 * MIN as f64));
    assert_eq!(all.p90_ms, Some(9.0 * MIN as f64));
    let medium = o.response.iter().find(|r| r.severity == Some(Severity::Medium)).unwrap();
    assert_eq!((medium.responded, medium.unresponded, medium.mean_ms), (0, 1, None));
}

#[test]
fn mean_time_to_detect_overall_and_per_severity() {
    let mut f = Fixture::new();
    f.signal("r-okta", Severity::Critical, 100, 60);
    f.signal("r-okta", Severity::Critical, 90, 180);
    f.signal("r-ct", Severity::Medium, 80, 600);
    f.signal("r-ct", Severity::Low, 70, 0);
    f.signal("r-ct", Severity::Low, 25 * 60, 9_999); // previous window
    let data = f.build();
    let p = rule_performance(&data, day());
    assert_eq!(p.mttd[0].severity, None);
    assert_eq!(p.mttd[0].signals, 4);
    assert_eq!(p.mttd[0].mean_ms, Some((60.0 + 180.0 + 600.0 + 0.0) / 4.0 * 1000.0));
    assert_eq!(p.mttd[0].previous_mean_ms, Some(9_999_000.0));
    assert_eq!(p.mttd[1].mean_ms, Some(120_000.0), "critical");
    assert_eq!(p.mttd[2].mean_ms, None, "no high signals");
    assert_eq!(p.mttd[3].mean_ms, Some(600_000.0), "medium");
}

#[test]
fn false_positive_rate_counts_behind_the_percentage_and_rules_without_signals() {
    let mut f = Fixture::new();
    for k in 0..4 {
        let id = f.signal("r-okta", Severity::Medium, 100 + k, 5);
        if k == 0 {
            f.move_to(id, TriageState::Archived, Some(ArchiveReason::FalsePositive), 5);
        }
    }
    for k in 0..2 {
        let id = f.signal("r-ct", Severity::High, 50 + k, 5);
        f.move_to(id, TriageState::Archived, Some(ArchiveReason::FalsePositive), 5);
    }
    let id = f.signal("r-ct", Severity::High, 40, 5);
    f.move_to(id, TriageState::Archived, Some(ArchiveReason::TruePositiveMalicious), 5);
    let data = f.build();
    let p = rule_performance(&data, day());
    let rates = &p.rules_by_false_positive_rate;
    assert_eq!(rates.len(), 2, "rules without false positives (and r-idle, with no signals) are left out");
    assert_eq!((rates[0].rule_id.as_str(), rates[0].false_positives, rates[0].signals), ("r-ct", 2, 3));
    assert!((rates[0].rate - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((rates[1].rule_id.as_str(), rates[1].false_positives, rates[1].signals, rates[1].rate), ("r-okta", 1, 4, 0.25));
    assert_eq!(count(&data, &rates[0].query, day()), 2);
    assert_eq!(p.rules_true_positive_malicious.len(), 1);
    assert_eq!(p.rules_true_positive_malicious[0].count, 1);
    // Important signals by archive reason: the three high r-ct signals.
    let by_reason: std::collections::HashMap<_, _> = p.important_by_archive_reason.iter().cloned().collect();
    assert_eq!(by_reason[&ArchiveReason::FalsePositive], 2);
    assert_eq!(by_reason[&ArchiveReason::TruePositiveMalicious], 1);
}

#[test]
fn risk_score_follows_the_formula_and_ignores_old_and_cleared_signals() {
    let data = fixture::entity_risk().build();
    let week = Span { from: NOW - 7 * DAY_MS, to: NOW };
    let r = risk_insights(&data, week);
    assert_eq!(r.top.len(), 2);
    // Bob: three critical signals of the last minutes, a sum of 120: 100 × (1 − e^−1.2) = 69.88,
    // just under high (70).
    // Alice: critical 1 day old 40, high 8 days old 10, medium 15 days old 2 (the false positive
    // and the 31-day-old signal add nothing), a sum of 52: 100 × (1 − e^−0.52) = 40.55.
    assert_eq!((r.top[0].name.as_str(), r.top[0].score, r.top[0].level), ("bob@acme-corp.com", 69.88, RiskLevel::Medium));
    assert_eq!((r.top[1].name.as_str(), r.top[1].score, r.top[1].level), ("alice@acme-corp.com", 40.55, RiskLevel::Medium));
    // At the window's start (7 days ago) alice had: high 1 day old = 20, medium 8 days = 4,
    // the 31-day-old critical was then 24 days old = 40 / 8 = 5 (malicious does not clear): a
    // sum of 29, 100 × (1 − e^−0.29) = 25.17, so the change is 40.548 − 25.174 = 15.37.
    assert_eq!(r.top[1].score_at_start, 25.17);
    assert_eq!(r.top[1].change, 15.37);
    // Signals in the window behind each row: bob's three, alice's two of the last 7 days
    // (the false positive counts: it is a signal of hers, even if it adds no risk).
    assert_eq!((r.top[0].signals, r.top[1].signals), (3, 2));
    assert_eq!(count(&data, &r.top[0].query, week), 3);
    assert_eq!(count(&data, &r.top[1].query, week), 2);
    let levels: std::collections::HashMap<_, _> = r.by_level.iter().map(|(l, k)| (*l, (k.value, k.previous))).collect();
    // Each level against the previous window's end (7 days ago): alice then summed 29 (as at
    // the start, worked above), 25.17, low; bob had no signal yet.
    assert_eq!(
        (levels[&RiskLevel::Critical], levels[&RiskLevel::High], levels[&RiskLevel::Medium], levels[&RiskLevel::Low]),
        ((0.0, 0.0), (0.0, 0.0), (2.0, 0.0), (0.0, 1.0))
    );
    let types: std::collections::HashMap<_, _> = r.by_type.iter().cloned().collect();
    assert_eq!(types[&EntityKind::User], 2);
    // A 30-day window leaves out the signal detected 31 days ago.
    let month = Span { from: NOW - 30 * DAY_MS, to: NOW };
    assert_eq!(security_overview(&data, month).total.value, 7.0);
}

#[test]
fn attack_coverage_counts_enabled_rules_and_follows_revoked_entries() {
    let mut f = Fixture::new();
    f.signal("r-okta", Severity::High, 30, 5);
    f.signal("r-old", Severity::Low, 20, 5);
    let data = f.build();
    let m = mitre_coverage(&data, day());
    assert_eq!(m.total_techniques, 216);
    // Enabled rules cover T1621, T1078 (through T1078.004), T1562 (through .008) and T1560
    // (T1002 is revoked in its favour). T1053.004 is deprecated and covers nothing.
    assert_eq!(m.covered_techniques, 4);
    assert_eq!((m.covered.value, m.covered.previous), (4.0, 4.0), "no rule changed during the day");
    assert_eq!((m.density_low, m.density_medium, m.density_high), (4, 0, 0));
    assert_eq!(m.density_none, 212);
    assert_eq!(m.outdated_mappings, vec![("r-old".to_owned(), "T1053.004".to_owned())]);
    let cell = |id: &str| {
        m.tactics.iter().flat_map(|t| &t.techniques).find(|c| c.id == id).unwrap().clone()
    };
    // r-idle also maps T1621 but is disabled: not counted as a rule.
    assert_eq!(cell("T1621").rules, vec!["r-okta".to_owned()]);
    assert_eq!(cell("T1621").signals, 1);
    assert_eq!(cell("T1560").signals, 1);
    let valid = cell("T1078");
    assert_eq!(valid.signals, 1);
    let cloud = valid.subtechniques.iter().find(|s| s.id == "T1078.004").unwrap();
    assert_eq!((cloud.rules.clone(), cloud.signals), (vec!["r-okta".to_owned()], 1));
    assert_eq!(count(&data, &valid.query, day()), 1);
    assert_eq!(count(&data, "@technique:T1560", day()), 1);
    // Tactic counts: each signal once through its rule's tactics.
    let tactic = |id: &str| m.tactics.iter().find(|t| t.id == id).unwrap();
    assert_eq!((tactic("TA0006").signals, tactic("TA0006").rules), (1, 1));
    assert_eq!((tactic("TA0010").signals, tactic("TA0010").rules), (1, 1));
    assert_eq!(count(&data, &tactic("TA0006").query, day()), 1);
}

#[test]
fn open_signals_cases_threat_map_and_coverage() {
    let data = fixture::open_signals_in_two_countries().build();
    let i = important_signals(&data, day(), NOW);
    // r-ct has an open critical, so it comes first despite r-okta's equal count.
    assert_eq!(i.rules.iter().map(|r| r.rule_id.as_str()).collect::<Vec<_>>(), ["r-ct", "r-okta"]);
    assert_eq!(i.rules[0].by_severity, [1, 0, 0, 1, 0]);
    assert_eq!(i.open_signals.value, 4.0);
    assert_eq!(i.open_cases.iter().map(|c| c.id).collect::<Vec<_>>(), [2, 1], "P1 before P3; closed left out");
    assert_eq!(i.open_cases[1].age_ms, 5 * DAY_MS);
    // Open cases now (1 and 2) against those open when the day began: only case 1 (case 2 is an
    // hour old, case 3 was created as the day began and is closed).
    assert_eq!((i.open_cases_total.value, i.open_cases_total.previous), (2.0, 1.0));

    let m = threat_map(&data, day());
    assert_eq!(m.countries.len(), 2);
    assert_eq!((m.countries[0].iso.as_str(), m.countries[0].signals, m.countries[0].important), ("NL", 4, 2));
    assert_eq!(m.countries[0].regions, vec![("North Holland".to_owned(), 4)]);
    assert_eq!(count(&data, &m.countries[1].query, day()), 1);
    assert_eq!((m.top_ips[0].ip.as_str(), m.top_ips[0].important, m.top_ips[0].other), ("203.0.113.7", 2, 2));
    assert_eq!(count(&data, &m.top_ips[0].query, day()), 4);
    assert_eq!(m.isps[0].isp, "M247 Europe SRL");
    assert_eq!(count(&data, &m.isps[1].query, day()), 1);

    let c = security_coverage(&data, day());
    assert_eq!((c.packs_active.value, c.packs_warning.value, c.packs_broken.value), (1.0, 1.0, 1.0));
    assert_eq!(c.problems[0].health, PackHealth::Broken, "broken first");
    assert_eq!(c.logs.total.value, 157.0);
    assert_eq!(c.logs.total.previous, 40.0);
    assert_eq!(c.logs.series[0].source_id, "okta");

    let flow = security_overview(&data, day()).flow;
    let link = flow.iter().find(|l| l.from == "source:cloudtrail" && l.to == "resolution:other").unwrap();
    assert_eq!(link.signals, 1);
    assert_eq!(count(&data, &link.query, day()), 1);

    let r = research(&data);
    assert_eq!(r.articles[0].title, "Newer");
}

#[test]
fn one_week_comparisons_are_anchored_at_the_window_end() {
    let mut f = Fixture::new();
    // r-ct: 3 important in the last 7 days, 1 in the 7 days before. r-okta: 1 and 2.
    for m in [60, 2 * 24 * 60, 6 * 24 * 60] {
        f.signal("r-ct", Severity::High, m, 5);
    }
    f.signal("r-ct", Severity::Critical, 9 * 24 * 60, 5);
    f.signal("r-okta", Severity::High, 60, 5);
    f.signal("r-okta", Severity::High, 8 * 24 * 60, 5);
    f.signal("r-okta", Severity::High, 10 * 24 * 60, 5);
    f.signal("r-okta", Severity::Low, 15 * 24 * 60, 5); // outside both weeks
    let data = f.build();
    let p = rule_performance(&data, Span { from: NOW - HOUR_MS * 2, to: NOW });
    assert_eq!(p.rules_by_important_change.len(), 1, "only growing rules are listed");
    let r = &p.rules_by_important_change[0];
    assert_eq!((r.rule_id.as_str(), r.last_7d, r.previous_7d, r.change), ("r-ct", 3, 1, 2));
    let high = p.severity_change.iter().find(|s| s.severity == Severity::High).unwrap();
    assert_eq!((high.last_7d, high.previous_7d), (4, 2));
    let low = p.severity_change.iter().find(|s| s.severity == Severity::Low).unwrap();
    assert_eq!((low.last_7d, low.previous_7d), (0, 0));
}

#[test]
fn a_gap_cell_lists_the_disabled_rules_that_would_close_it() {
    let mut f = Fixture::new();
    // With r-okta disabled too, nothing enabled maps T1621 (MFA request generation).
    f.rules.iter_mut().find(|r| r.id == "r-okta").unwrap().enabled = false;
    let data = f.build();
    let m = mitre_coverage(&data, day());
    let cell = |id: &str| m.tactics.iter().flat_map(|t| &t.techniques).find(|c| c.id == id).unwrap().clone();
    let gap = cell("T1621");
    assert!(gap.rules.is_empty());
    assert_eq!(
        gap.closing_rules,
        vec![("r-idle".to_owned(), "Never fires".to_owned()), ("r-okta".to_owned(), "Okta MFA fatigue".to_owned())]
    );
    // A covered cell lists none; a gap no rule maps lists none either.
    assert!(cell("T1562").closing_rules.is_empty() && !cell("T1562").rules.is_empty());
    assert!(cell("T1110").closing_rules.is_empty() && cell("T1110").rules.is_empty());
}

#[test]
fn a_window_reaching_back_before_any_record_has_no_earlier_data() {
    let mut f = Fixture::new();
    f.signal("r-okta", Severity::High, 40 * 60, 10); // 40 h ago, after the first hour of logs (30 h ago)
    f.signal("r-okta", Severity::Critical, 60, 10);
    let data = f.build();
    let kpis = |span: Span| match compute(&data, ModuleId::SecurityOverview, span, NOW) {
        ModuleData::SecurityOverview(o) => o,
        other => panic!("{other:?}"),
    };
    // The last 24 h: the signal 40 h ago and the logs 30 h ago lie before it, so zero is known.
    let known = kpis(day());
    assert!(known.total.earlier_data && known.by_severity.iter().all(|s| s.count.earlier_data));
    assert_eq!((known.total.value, known.total.previous), (1.0, 1.0));
    // The last 7 days: nothing at all was recorded before them, so the change is unknown.
    let week = Span { from: NOW - 7 * DAY_MS, to: NOW };
    let unknown = kpis(week);
    assert_eq!((unknown.total.value, unknown.total.previous), (2.0, 0.0));
    assert!(!unknown.total.earlier_data && unknown.by_severity.iter().all(|s| !s.count.earlier_data));
    match compute(&data, ModuleId::SecurityCoverage, week, NOW) {
        ModuleData::SecurityCoverage(c) => assert!(!c.logs.total.earlier_data),
        other => panic!("{other:?}"),
    }
    // Exactly at the first record: it is inside the window, so nothing lies before.
    let first = data.signals.detected_at_ms[0];
    assert!(!records_before(&data, first.min(NOW - 30 * HOUR_MS)));
    assert!(records_before(&data, first + 1));
}

#[test]
fn an_entity_profile_shows_its_score_history_contributions_cases_and_neighbours() {
    let mut f = fixture::entity_risk();
    f.at(1).entity_ids = vec![1, 2]; // alice's critical of a day ago also names the host build-01
    f.at(2).case_id = Some(1);
    let data = f.build();
    let alice = analytics::entity::entity_profile(&data, EntityKind::User, "alice@acme-corp.com", NOW).unwrap();
    // 40 + 10 + 2 (see risk_score_follows_the_formula…): 100 × (1 − e^−0.52) = 40.55.
    assert_eq!((alice.sum, alice.score, alice.level), (52.0, 40.55, Some(RiskLevel::Medium)));
    let points: Vec<(i64, f64)> = alice.contributions.iter().map(|s| (s.id, s.points)).collect();
    assert_eq!(points, [(1, 40.0), (2, 10.0), (3, 2.0)], "largest first; the false positive and the 31-day-old one add nothing");
    assert_eq!(alice.contributing, 3);
    assert_eq!(alice.open.iter().map(|s| s.id).collect::<Vec<_>>(), [1, 2, 3], "newest first");
    assert_eq!((alice.open_count, alice.signals, alice.signals_30d), (3, 5, 4));
    assert_eq!(alice.first_seen_ms, Some(NOW - 31 * DAY_MS - 5_000));
    assert_eq!(alice.last_seen_ms, Some(NOW - DAY_MS));
    assert_eq!(alice.cases.iter().map(|c| (c.id, c.signals)).collect::<Vec<_>>(), [(1, 1)]);
    assert_eq!(alice.related.len(), 1);
    // build-01 carries the one critical of a day ago: 40 → 32.97.
    assert_eq!((alice.related[0].name.as_str(), alice.related[0].shared, alice.related[0].score), ("build-01", 1, 32.97));
    // 31 daily points. 30 days ago only the 31-day-old critical (then a day old, archived as
    // malicious, which does not clear) counted: 40 → 32.97; 7 days ago 25.17; now 40.55.
    assert_eq!(alice.history.len(), 31);
    assert_eq!(alice.history[0], (NOW - 30 * DAY_MS, 32.97));
    assert_eq!(alice.history[23], (NOW - 7 * DAY_MS, 25.17));
    assert_eq!(alice.history[30], (NOW, 40.55));
    assert_eq!(count(&data, &alice.query, Span { from: NOW - 40 * DAY_MS, to: NOW }), 5);
    assert!(analytics::entity::entity_profile(&data, EntityKind::Host, "alice@acme-corp.com", NOW).is_none(), "kind and name both match");

    use analytics::entity::entity_list;
    let all = entity_list(&data, None, None, NOW, 100);
    let rows: Vec<(&str, f64, u64)> = all.rows.iter().map(|r| (r.name.as_str(), r.score, r.signals)).collect();
    assert_eq!(
        rows,
        [
            ("bob@acme-corp.com", 69.88, 3),
            ("alice@acme-corp.com", 40.55, 4),
            ("build-01", 32.97, 1),
            ("203.0.113.7", 0.0, 0),
            ("ci-deployer", 0.0, 0)
        ]
    );
    assert_eq!(all.matching, 5);
    let levels: std::collections::HashMap<_, _> = all.by_level.iter().cloned().collect();
    assert_eq!((levels[&Some(RiskLevel::Medium)], levels[&Some(RiskLevel::Low)], levels[&None]), (2, 1, 2));
    let users = entity_list(&data, Some(EntityKind::User), None, NOW, 1);
    assert_eq!((users.matching, users.rows.len(), users.rows[0].name.as_str()), (2, 1, "bob@acme-corp.com"));
    let low = entity_list(&data, None, Some(Some(RiskLevel::Low)), NOW, 100);
    assert_eq!(low.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["build-01"]);
    assert_eq!(entity_list(&data, None, Some(None), NOW, 100).matching, 2);
}

#[test]
fn getting_started_tasks_follow_the_data_and_open_their_pages() {
    let mut f = Fixture::new();
    f.signal("r-okta", Severity::High, 60, 5);
    let task = |g: &GettingStarted, id: &str| g.tasks.iter().find(|t| t.id == id).cloned().unwrap();
    let g = getting_started(&f.build(), day());
    // Logs in the last day (okta, 2 h ago), enabled packs and two active users; no default rule
    // reviewed and no webhook.
    assert!(task(&g, "connect-log-source").done && task(&g, "enable-content-pack").done && task(&g, "invite-team").done);
    assert!(!task(&g, "review-default-rules").done && !task(&g, "set-up-notification").done);
    assert_eq!(g.completed, 3);
    assert_eq!(task(&g, "set-up-notification").href, "/admin#webhook");
    assert_eq!(task(&g, "review-default-rules").href, "/rules?origin=default");
    // An admin sets the workflow webhook: the history says so, and the task is done.
    f.history.push(HistoryEvent {
        id: f.history.len() as i64 + 1,
        entry: HistoryEntry {
            at_ms: NOW - MIN,
            actor_id: Some(1),
            asset_type: AssetType::Rule,
            asset_id: "workflow".into(),
            action: "webhook".into(),
            old_value: None,
            new_value: Some("https://hooks.example.com/signalboard".into()),
            reason: None,
            comment: None,
            api_key_id: None,
        },
    });
    let g = getting_started(&f.build(), day());
    assert!(task(&g, "set-up-notification").done);
    assert!(!task(&g, "review-default-rules").done, "the webhook is not a rule review");
    assert_eq!(g.completed, 4);
}

#[test]
fn pack_health_is_compared_with_the_states_when_the_window_began() {
    let mut f = Fixture::new();
    let change = |f: &mut Fixture, pack: &str, minutes_ago: i64, old: Option<&str>, new: &str| {
        let id = f.history.len() as i64 + 1;
        f.history.push(HistoryEvent {
            id,
            entry: HistoryEntry {
                at_ms: NOW - minutes_ago * MIN,
                actor_id: None,
                asset_type: AssetType::Rule,
                asset_id: analytics::overview::pack_asset_id(pack),
                action: "health".into(),
                old_value: old.map(Into::into),
                new_value: Some(new.into()),
                reason: None,
                comment: None,
                api_key_id: None,
            },
        });
    };
    // aws-pack: active, then warning 30 hours ago (before the day), then broken 3 hours ago.
    // dns-pack: registered 2 days ago, warning 5 hours ago. okta-pack: registered 2 hours ago.
    change(&mut f, "aws-pack", 30 * 60, Some("active"), "warning");
    change(&mut f, "aws-pack", 3 * 60, Some("warning"), "broken");
    change(&mut f, "dns-pack", 2 * 24 * 60, None, "active");
    change(&mut f, "dns-pack", 5 * 60, Some("active"), "warning");
    change(&mut f, "okta-pack", 2 * 60, None, "active");
    let data = f.build();
    let at = |t| analytics::overview::pack_health_at(&data, t);
    assert_eq!(at(NOW - DAY_MS), [Some(PackHealth::Warning), Some(PackHealth::Active), None]);
    assert_eq!(at(NOW - 3 * DAY_MS), [Some(PackHealth::Active), None, None]);
    assert_eq!(at(NOW), [Some(PackHealth::Broken), Some(PackHealth::Warning), Some(PackHealth::Active)]);
    // Now: okta active, dns warning, aws broken. When the day began: dns active, aws warning,
    // okta not there yet.
    let c = security_coverage(&data, day());
    let kpi = |k: &analytics::overview::Kpi| (k.value, k.previous);
    assert_eq!(kpi(&c.packs_active), (1.0, 1.0));
    assert_eq!(kpi(&c.packs_warning), (1.0, 1.0));
    assert_eq!(kpi(&c.packs_broken), (1.0, 0.0));
    assert_eq!(kpi(&c.packs_disabled), (0.0, 0.0));
}

#[test]
fn coverage_is_compared_with_the_rules_enabled_when_the_window_began() {
    let mut f = Fixture::new();
    // r-okta (T1078.004 and T1621) was enabled an hour ago, having been disabled; r-ct (T1562.008)
    // was disabled two hours ago; r-old was imported half a day ago.
    f.enable("r-okta", 60, true);
    f.enable("r-ct", 120, false);
    f.rules.iter_mut().find(|r| r.id == "r-old").unwrap().created_at_ms = NOW - 12 * HOUR_MS;
    let data = f.build();
    let enabled = analytics::overview::rules_enabled_at(&data, NOW - DAY_MS);
    let at_start = |id: &str| enabled[data.rule_by_id(id).unwrap()];
    assert!(!at_start("r-okta") && at_start("r-ct") && !at_start("r-old") && !at_start("r-idle"));
    let m = mitre_coverage(&data, day());
    // Now: r-okta covers T1078 and T1621, r-old T1560 (through revoked T1002): 3 techniques.
    // At the start: only r-ct, covering T1562: 1 technique.
    assert_eq!((m.covered.value, m.covered.previous), (3.0, 1.0));
    // Each density against the start: three techniques of one rule now (low), one then.
    let densities: Vec<_> = m.densities.iter().map(|(d, k)| (*d, k.value, k.previous)).collect();
    assert_eq!(
        densities,
        [(Density::High, 0.0, 0.0), (Density::Medium, 0.0, 0.0), (Density::Low, 3.0, 1.0), (Density::None, 213.0, 215.0)]
    );
}

#[test]
fn team_performance_counts_who_took_answered_archived_and_reopened_from_the_history() {
    let data = fixture::team_work().build();
    let t = team_performance(&data, day(), true);
    let all = &t.views[0];
    assert_eq!(all.severity, None);
    let minutes = |m: f64| Some(m * MIN as f64);
    // Team: taken 1 (ana, by assignment), 2 (bo), 3 (ana), 4 (ed, by assignment).
    let team = &all.team;
    assert_eq!(team.taken.count, 4);
    assert_eq!((all.taken.value, all.taken.previous), (4.0, 1.0), "the day before: signal 6");
    // Responses after 4, 10 and 20 minutes (signal 4 has none).
    assert_eq!(team.first_response.count, 3);
    assert_eq!((team.first_response.p50_ms, team.first_response.p90_ms, team.first_response.p99_ms), (minutes(10.0), minutes(20.0), minutes(20.0)));
    assert_eq!(all.previous_first_response_p50_ms, minutes(8.0));
    // Archived last by someone: 1, 2, 3; still archived: 1 (30 min) and 2 (60 min).
    assert_eq!(team.archived.count, 3);
    assert_eq!((team.to_archive.count, team.to_archive.p50_ms, team.to_archive.p90_ms), (2, minutes(30.0), minutes(60.0)));
    let reasons: Vec<(ArchiveReason, u64)> = team.by_reason.iter().map(|(r, c)| (*r, c.count)).collect();
    assert_eq!(reasons, [(ArchiveReason::FalsePositive, 1), (ArchiveReason::TruePositiveMalicious, 1)]);
    assert_eq!(team.reopened.count, 1);
    assert!((team.reopen_rate_pct.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(team.open_assigned.count, 1, "signal 4, on ed's desk");

    // Per analyst: ana took two, ed one (with an open one on the desk), bo one.
    let names: Vec<&str> = all.analysts.iter().map(|r| r.username.as_deref().unwrap()).collect();
    assert_eq!(names, ["ana", "ed", "bo"]);
    let ana = &all.analysts[0];
    assert_eq!((ana.taken.count, ana.first_response.p50_ms, ana.first_response.p90_ms), (2, minutes(4.0), minutes(10.0)));
    assert_eq!((ana.archived.count, ana.to_archive.count, ana.reopened.count), (2, 1, 1));
    assert_eq!(ana.reopen_rate_pct, Some(50.0), "signal 3, which bo reopened, was ana's archive");
    let ed = &all.analysts[1];
    assert_eq!((ed.taken.count, ed.first_response.count, ed.first_response.p50_ms), (1, 0, None), "an analyst with no responses");
    assert_eq!((ed.archived.count, ed.reopen_rate_pct, ed.open_assigned.count), (0, None, 1));
    let bo = &all.analysts[2];
    assert_eq!((bo.taken.count, bo.first_response.p50_ms, bo.to_archive.p50_ms, bo.reopen_rate_pct), (1, minutes(20.0), minutes(60.0), Some(0.0)));

    // The severity filter: high is signals 1 and 2 (and 6 the day before).
    let high = t.views.iter().find(|v| v.severity == Some(Severity::High)).unwrap();
    assert_eq!((high.taken.value, high.taken.previous), (2.0, 1.0));
    assert_eq!(high.analysts.iter().map(|r| r.username.as_deref().unwrap()).collect::<Vec<_>>(), ["ana", "bo"]);

    // Every count leads to exactly its signals.
    for view in &t.views {
        for row in std::iter::once(&view.team).chain(&view.analysts) {
            let mut counted = vec![&row.taken, &row.archived, &row.reopened, &row.open_assigned];
            counted.extend(row.by_reason.iter().map(|(_, c)| c));
            for c in counted {
                assert_eq!(count(&data, &c.query, day()) as u64, c.count, "{:?} {:?}: {}", view.severity, row.username, c.query);
            }
        }
    }
    // The shared module names nobody.
    assert!(team_performance(&data, day(), false).views.iter().all(|v| v.analysts.is_empty()));
}

#[test]
fn case_aging_lists_breaches_first_and_counts_each_case_once() {
    let data = fixture::case_work().build();
    let a = case_aging(&data, day(), NOW);
    let ids = |set: &CaseSet| set.ids.clone();
    // Open now: 1, 2, 3, 4 and 6; at the day's start: 3, 4, 5 and 6 (1 and 2 did not exist yet).
    assert_eq!((a.open.value, a.open.previous), (5.0, 4.0));
    assert_eq!(ids(&a.open_cases), [1, 2, 3, 4, 6]);
    // Breaching now: 6 (response 10 days late), 4 (close 9 days late), 1 (response an hour late).
    // At the start: 4, 5 and 6.
    assert_eq!(ids(&a.breaching_cases), [6, 4, 1]);
    assert_eq!((a.breaching.value, a.breaching.previous), (3.0, 3.0));
    assert_eq!(ids(&a.at_risk), [2], "closes in 30 minutes: the last quarter of its 4 hours");
    let order: Vec<(i64, SlaState)> = a.cases.iter().map(|c| (c.id, c.sla)).collect();
    assert_eq!(
        order,
        [(6, SlaState::Breached), (4, SlaState::Breached), (1, SlaState::Breached), (2, SlaState::AtRisk), (3, SlaState::Within)]
    );
    let case = |id: i64| a.cases.iter().find(|c| c.id == id).unwrap();
    assert_eq!(case(1).detail, "response overdue by 60 min");
    assert_eq!(case(4).detail, "close overdue by 9 d");
    assert_eq!(case(2).detail, "close due in 30 min");
    assert_eq!(case(3).detail, "response due in 24 h");
    assert_eq!((case(2).response_due_ms, case(4).response_due_ms), (None, None), "both responded");
    // Idle: case 2 was last touched through its signal an hour ago; case 1, a case with no
    // events, since its creation.
    assert_eq!((case(2).idle_ms, case(1).idle_ms, case(3).idle_ms), (HOUR_MS, 5 * HOUR_MS, 2 * DAY_MS));
    // Ages 3.5 h, 5 h, 2 d, 10 d, 40 d.
    let hours = |h: f64| Some(h * HOUR_MS as f64);
    assert_eq!(a.mean_age_ms, hours((3.5 + 5.0 + 48.0 + 240.0 + 960.0) / 5.0));
    assert_eq!(a.p90_age_ms, hours(960.0));
    let cells: Vec<(CasePriority, usize, Vec<i64>)> = a
        .by_age
        .iter()
        .flat_map(|(p, sets)| sets.iter().enumerate().filter(|(_, s)| s.count > 0).map(move |(k, s)| (*p, k, s.ids.clone())))
        .collect();
    assert_eq!(
        cells,
        [(CasePriority::P1, 0, vec![1, 2]), (CasePriority::P2, 3, vec![4]), (CasePriority::P3, 1, vec![3]), (CasePriority::P5, 4, vec![6])]
    );
    let load: Vec<(Option<&str>, Vec<i64>)> = a.by_assignee.iter().map(|(who, s)| (who.as_deref(), s.ids.clone())).collect();
    assert_eq!(load, [(Some("Ana"), vec![1, 2]), (Some("Bo"), vec![3, 6]), (None, vec![4])]);
    assert_eq!(a.targets, SlaTargets::default());
}

#[test]
fn sla_targets_come_from_the_newest_recorded_change_and_bad_ones_are_refused() {
    let mut f = fixture::case_work();
    let tight = SlaTargets(
        CasePriority::ALL.iter().map(|&priority| SlaTarget { priority, response_ms: HOUR_MS, close_ms: 2 * DAY_MS }).collect(),
    );
    let id = f.history.len() as i64 + 1;
    f.history.push(HistoryEvent {
        id,
        entry: HistoryEntry {
            at_ms: NOW - 10 * MIN,
            actor_id: Some(4),
            asset_type: AssetType::Rule,
            asset_id: SLA_ASSET_ID.into(),
            action: SLA_ACTION.into(),
            old_value: Some(SlaTargets::default().to_text()),
            new_value: Some(tight.to_text()),
            reason: None,
            comment: None,
            api_key_id: None,
        },
    });
    let data = f.build();
    assert_eq!(SlaTargets::current(&data), tight);
    let a = case_aging(&data, day(), NOW);
    // Every open case but 2 (responded, 3.5 hours old) and 3 (2 days: at the close target,
    // which is breached) is past its one-hour response or two-day close.
    let case = |id: i64| a.cases.iter().find(|c| c.id == id).unwrap();
    assert_eq!(case(2).sla, SlaState::Within);
    assert_eq!(case(3).detail, "response overdue by 47 h");
    assert_eq!(a.breaching_cases.ids, [6, 4, 3, 1]);

    // What an admin may send.
    let mut missing = SlaTargets::default();
    missing.0.pop();
    assert_eq!(missing.check().unwrap_err(), "P5: no targets given (every priority needs both)");
    let mut twice = SlaTargets::default();
    twice.0.push(twice.0[0]);
    assert_eq!(twice.check().unwrap_err(), "P1: given more than once");
    let mut inverted = SlaTargets::default();
    inverted.0[1].response_ms = 2 * DAY_MS;
    assert_eq!(inverted.check().unwrap_err(), "P2: the response target is longer than the close target");
    let mut zero = SlaTargets::default();
    zero.0[2].response_ms = 0;
    assert_eq!(zero.check().unwrap_err(), "P3: the response target must be longer than zero");
    let mut long = SlaTargets::default();
    long.0[4].close_ms = 400 * DAY_MS;
    assert_eq!(long.check().unwrap_err(), "P5: the close target is longer than 365 days");
    assert_eq!(SlaTargets::from_text(&tight.to_text()), Some(tight));
    assert_eq!(SlaTargets::from_text("P1 1 2; P9 3 4"), None);
}

#[test]
fn the_noise_report_ranks_rules_by_false_positives_and_testing_with_their_cost_and_months() {
    let data = fixture::noise_work().build();
    let n = noise_report(&data, day());
    assert_eq!((n.noise.value, n.noise.previous), (6.0, 1.0));
    assert_eq!((n.analyst_time_ms.value, n.analyst_time_ms.previous), ((250 * MIN) as f64, (20 * MIN) as f64));
    assert_eq!(n.noisy_rules, 3);
    let order: Vec<&str> = n.rules.iter().map(|r| r.rule_id.as_str()).collect();
    assert_eq!(order, ["r-okta", "r-old", "r-ct"]);
    assert_eq!(n.month_labels, ["Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026"]);
    assert_eq!(n.month_starts.len(), NOISE_MONTHS + 1);
    let okta = &n.rules[0];
    assert_eq!((okta.rule_id.as_str(), okta.noise.count, okta.signals.count), ("r-okta", 3, 4));
    assert_eq!((okta.share_pct, okta.analyst_time_ms), (75.0, 180 * MIN));
    let reasons: Vec<_> = okta.by_reason.iter().map(|(r, c)| (*r, c.count)).collect();
    assert_eq!(reasons, [(ArchiveReason::FalsePositive, 2), (ArchiveReason::TestingOrMaintenance, 1)]);
    // November holds the day's three and the day before's false positive.
    let nov = &okta.months[5];
    assert_eq!((nov.false_positives, nov.testing), (3, 1));
    // A rule with only false positives is all noise.
    let old = &n.rules[1];
    assert_eq!((old.noise.count, old.signals.count, old.share_pct, old.analyst_time_ms), (2, 2, 100.0, 60 * MIN));
    assert_eq!(old.by_reason.iter().map(|(r, c)| (*r, c.count)).collect::<Vec<_>>(), [(ArchiveReason::FalsePositive, 2)]);
    let ct = &n.rules[2];
    assert_eq!((ct.rule_id.as_str(), ct.noise.count, ct.analyst_time_ms), ("r-ct", 1, 10 * MIN));
    assert!((ct.share_pct - 100.0 / 3.0).abs() < 1e-9);
    let months: Vec<u64> = ct.months.iter().map(|m| m.false_positives + m.testing).collect();
    assert_eq!(months, [0, 0, 0, 0, 1, 1], "October's false positive, November's");
    // Every count leads to its signals: in the window, and a month's in that month.
    for rule in &n.rules {
        let mut counted = vec![&rule.signals, &rule.noise];
        counted.extend(rule.by_reason.iter().map(|(_, c)| c));
        for c in counted {
            assert_eq!(count(&data, &c.query, day()) as u64, c.count, "{}", c.query);
        }
        for (k, m) in rule.months.iter().enumerate() {
            let month = Span { from: n.month_starts[k], to: n.month_starts[k + 1] };
            assert_eq!(count(&data, &noise_query(&rule.rule_id), month) as u64, m.false_positives + m.testing);
        }
    }
}

#[test]
fn threat_coverage_lays_each_group_on_the_matrix_and_compares_with_the_window_start() {
    let data = fixture::threat_work().build();
    // Threat Group-1314 (G0028) uses T1021.002, T1059.003, T1072 and T1078.002: four techniques.
    // Only T1078 is covered (r-okta, through T1078.004), and r-okta was enabled an hour ago.
    let g = group_coverage(&data, day(), "G0028").unwrap();
    assert_eq!((g.name.as_str(), g.techniques, g.covered.value, g.covered.previous), ("Threat Group-1314", 4, 1.0, 0.0));
    assert_eq!(g.uncovered_count, 3);
    let uncovered: Vec<(&str, &str)> = g.uncovered.iter().map(|(i, n)| (i.as_str(), n.as_str())).collect();
    assert_eq!(uncovered, [("T1021", "Remote Services"), ("T1059", "Command and Scripting Interpreter"), ("T1072", "Software Deployment Tools")]);
    // Its signals: r-okta's two of the day (r-okta maps T1078.004, a sub-technique of T1078).
    assert_eq!(g.signals.query, "@technique:T1021 OR @technique:T1059 OR @technique:T1072 OR @technique:T1078");
    assert_eq!((g.signals.count, count(&data, &g.signals.query, day())), (2, 2));

    // Gallmaker (G0084) uses T1560.001: covered by r-old's revoked T1002, replaced by T1560;
    // r-old's one signal counts, before and now.
    let g = group_coverage(&data, day(), "G0084").unwrap();
    assert_eq!((g.techniques, g.covered.value, g.covered.previous, g.uncovered_count), (6, 1.0, 1.0, 5));
    assert_eq!((g.signals.count, count(&data, &g.signals.query, day())), (1, 1));
    assert!(group_coverage(&data, day(), "G9999").is_none(), "no such group");

    let t = threat_coverage(&data, day());
    // Every technique any group uses (196 on today's matrix); of those the enabled rules cover
    // T1078, T1621 (r-okta) and T1560 (r-old) now, and at the start T1562 (r-ct) and T1560.
    assert_eq!(t.techniques, 196);
    assert_eq!((t.covered.value, t.covered.previous), (3.0, 2.0));
    // PittyTiger (G0011) uses T1078 and T1588: half covered now, not at the start.
    let pitty = group_coverage(&data, day(), "G0011").unwrap();
    assert_eq!((pitty.techniques, pitty.covered.value, pitty.covered.previous), (2, 1.0, 0.0));
    assert!(t.half_covered_groups.value >= 1.0);
    assert_eq!(t.half_covered_groups.value - t.half_covered_groups.previous, half_covered_change(&data));
    // Ten listed, the most uncovered first; every group of the release with a technique counts.
    assert_eq!(t.groups.len(), LISTED_GROUPS);
    assert!(t.groups.windows(2).all(|w| w[0].uncovered_count >= w[1].uncovered_count));
    assert_eq!(t.groups[0].id, "G0094", "Kimsuky uses the most techniques");
    assert_eq!(t.groups_total as usize, analytics::attack::groups().iter().filter(|g| group_coverage(&data, day(), g.id).is_some()).count());
    for g in &t.groups {
        assert_eq!(g.signals.count as usize, count(&data, &g.signals.query, day()), "{}", g.id);
    }
}

/// How many groups crossed "half covered" during the day, counted group by group.
fn half_covered_change(data: &Dataset) -> f64 {
    let half = |covered: f64, total: u32| 2.0 * covered >= f64::from(total);
    analytics::attack::groups()
        .iter()
        .filter_map(|g| group_coverage(data, day(), g.id))
        .map(|g| f64::from(u8::from(half(g.covered.value, g.techniques))) - f64::from(u8::from(half(g.covered.previous, g.techniques))))
        .sum()
}
