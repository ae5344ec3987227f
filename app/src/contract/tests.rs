//! The wire format of the contract and its checks.

use analytics::dataset::Case;
use analytics::{CasePriority, CaseStatus, IncidentSeverity, TriageState};

use super::*;
use serde_json::json;

#[test]
fn a_triage_request_reads_and_writes_the_flat_wire_form() {
    let wire = json!({ "version": 3, "change": "state", "to": "archived", "reason": "false_positive", "comment": null });
    let request: TriageRequest = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(request.version, 3);
    assert!(matches!(request.change, Change::State { to: TriageState::Archived, .. }));
    assert_eq!(serde_json::to_value(&request).unwrap(), wire);
}

#[test]
fn an_absent_assignee_differs_from_a_null_one() {
    let absent: CaseUpdate = serde_json::from_value(json!({ "title": "x" })).unwrap();
    assert_eq!(absent.assignee_id, None);
    let null: CaseUpdate = serde_json::from_value(json!({ "assignee_id": null })).unwrap();
    assert_eq!(null.assignee_id, Some(None));
    assert_eq!(serde_json::to_value(&null).unwrap(), json!({ "assignee_id": null }));
    assert_eq!(serde_json::to_value(&absent).unwrap(), json!({ "title": "x" }));
    let unset: IncidentUpdate = serde_json::from_value(json!({ "commander_id": null })).unwrap();
    assert_eq!(unset.commander_id, Some(None));
}

#[test]
fn a_case_request_takes_its_defaults() {
    let request: CaseRequest = serde_json::from_value(json!({ "title": "  Phishing wave " })).unwrap();
    assert_eq!(request.priority, CasePriority::P3);
    assert_eq!(request.check().unwrap(), ("Phishing wave".to_owned(), String::new()));
}

#[test]
fn checks_name_the_field_and_the_limit() {
    assert_eq!(check_title("   ").unwrap_err(), "title: a title is needed");
    assert_eq!(check_title(&"x".repeat(201)).unwrap_err(), "title: 201 characters; at most 200");
    assert_eq!(check_description(&"x".repeat(20_001)).unwrap_err(), "description: 20001 characters; at most 20000");
    assert_eq!(check_selection(&[], false).unwrap_err(), "signals: select at least one signal");
    assert!(check_selection(&[], true).is_ok());
    let many = vec![Selected { id: 1, version: 1 }; MAX_BULK + 1];
    assert_eq!(check_selection(&many, true).unwrap_err(), "signals: 501 selected; at most 500 at once");
    assert!(check_username("t-analyst").is_ok());
    assert_eq!(check_username("a b").unwrap_err(), "username: 'a b' must be 2 to 64 letters, digits, '.', '_', '-' or '@'");
    assert_eq!(check_text("email", "a\u{7}b", 254).unwrap_err(), "email: control characters are not allowed");
    let key = ApiKeyRequest { name: " ".into(), user_id: None, scopes: vec![KeyScope::Read] };
    assert_eq!(key.check().unwrap_err(), "name: give the key a name of 1 to 100 printable characters");
    let incident = IncidentRequest { title: "x".into(), severity: IncidentSeverity::Sev1, commander_id: None, case_id: None, signal_id: None };
    assert_eq!(incident.check().unwrap_err(), "declare an incident from a case (case_id) or a signal (signal_id)");
}

#[test]
fn an_invite_defaults_the_display_name_to_the_username() {
    let invite: InviteRequest = serde_json::from_value(json!({ "username": " ana ", "display_name": "  ", "role": "analyst" })).unwrap();
    assert_eq!(invite.check().unwrap(), ("ana", "ana"));
    assert!(!invite.service);
}

#[test]
fn a_case_is_shown_with_rfc3339_times() {
    let case = Case {
        id: 7,
        title: "t".into(),
        description: String::new(),
        status: CaseStatus::Closed,
        priority: CasePriority::P1,
        assignee_id: None,
        created_at_ms: 0,
        updated_at_ms: 1_000,
        closed_at_ms: Some(2_000),
    };
    let shown = serde_json::to_value(CaseView::from(&case)).unwrap();
    assert_eq!(shown["created_at"], "1970-01-01T00:00:00.000Z");
    assert_eq!(shown["closed_at"], "1970-01-01T00:00:02.000Z");
    assert_eq!(shown["assignee_id"], serde_json::Value::Null);
}
