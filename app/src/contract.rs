//! The REST API's writes, typed: the body each `POST`/`PATCH`/`PUT`/`DELETE` route under
//! `/api/v1` takes and the body it answers, shared by the server (which checks and answers
//! them) and the pages (which send and read them), so a renamed field fails to compile on both
//! sides instead of at run time.
//!
//! The checks a request can be put through without the data (lengths, selections, names) are
//! here too, next to their types, so a page can run the same check before sending. Each
//! answers the message the server sends back with its 400.
//!
//! Serde only: this compiles for the browser too. Answers serialize to the API's JSON as it
//! has always been; an absent optional field of a request means "leave it as it is".

use analytics::dataset::{Case, Incident, Millis};
use analytics::time::rfc3339;
use analytics::{ArchiveReason, CasePriority, CaseStatus, IncidentSeverity, Role, TriageState};
use serde::{Deserialize, Deserializer, Serialize};

pub use analytics::workflow::Change;

/// The most signals one bulk request may change (or link to a case).
pub const MAX_BULK: usize = 500;
/// The longest case or incident title.
pub const MAX_TITLE: usize = 200;
/// The longest case description kept.
pub const MAX_DESCRIPTION: usize = 20_000;
/// The longest display name of a user.
pub const MAX_DISPLAY_NAME: usize = 100;
/// The longest e-mail address of a user.
pub const MAX_EMAIL: usize = 254;
/// The longest API key name.
pub const MAX_KEY_NAME: usize = 100;

/// Every refusal: `{"error": "..."}` with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

// --- triage: POST /signals/{id}/triage, POST /signals/triage -----------------------------------

/// A change to one signal, made against the version the caller read:
/// `{"version": 3, "change": "state", "to": "archived", "reason": "false_positive"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageRequest {
    pub version: i64,
    #[serde(flatten)]
    pub change: Change,
}

/// One signal of a selection, with the version the caller read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selected {
    pub id: i64,
    pub version: i64,
}

/// The same change for several signals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRequest {
    pub signals: Vec<Selected>,
    #[serde(flatten)]
    pub change: Change,
}

impl BulkRequest {
    pub fn check(&self) -> Result<(), String> {
        check_selection(&self.signals, false)
    }
}

/// A signal's triage after a change (the answer to a change of one signal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriageOutcome {
    pub id: i64,
    pub version: i64,
    pub state: TriageState,
    pub assignee_id: Option<i64>,
    pub archive_reason: Option<ArchiveReason>,
    pub archive_comment: Option<String>,
    pub case_id: Option<i64>,
}

/// A signal of a selection that was not changed: the status a change of it alone would have
/// been answered with, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedSignal {
    pub id: i64,
    pub status: u16,
    pub error: String,
}

/// The answer to a bulk change: each selected signal is changed or refused on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub changed: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// A selection of signals to change at once: at least one (unless `allow_empty`), at most
/// [`MAX_BULK`].
pub fn check_selection(signals: &[Selected], allow_empty: bool) -> Result<(), String> {
    if signals.is_empty() && !allow_empty {
        return Err("signals: select at least one signal".to_owned());
    }
    if signals.len() > MAX_BULK {
        return Err(format!("signals: {} selected; at most {MAX_BULK} at once", signals.len()));
    }
    Ok(())
}

// --- cases: POST /cases, PATCH /cases/{id}, POST /cases/{id}/signals ---------------------------

/// A new case, optionally with signals to link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRequest {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_priority")]
    pub priority: CasePriority,
    #[serde(default)]
    pub assignee_id: Option<i64>,
    /// Signals to link to the new case, with the versions the caller read.
    #[serde(default)]
    pub signals: Vec<Selected>,
}

fn default_priority() -> CasePriority {
    CasePriority::P3
}

impl CaseRequest {
    /// A case with this title and these signals, everything else as the server's defaults.
    pub fn titled(title: String, signals: Vec<Selected>) -> CaseRequest {
        CaseRequest { title, description: String::new(), priority: default_priority(), assignee_id: None, signals }
    }
}

impl CaseRequest {
    /// The title and description as kept (trimmed), or why the request is refused.
    pub fn check(&self) -> Result<(String, String), String> {
        let title = check_title(&self.title)?;
        let description = check_description(&self.description)?;
        check_selection(&self.signals, true)?;
        Ok((title, description))
    }
}

/// A change to a case; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CaseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<CasePriority>,
    /// `Some(None)` (`null`) unassigns; `None` (absent) leaves it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub assignee_id: Option<Option<i64>>,
}

/// Signals to link to an existing case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub signals: Vec<Selected>,
}

impl LinkRequest {
    pub fn check(&self) -> Result<(), String> {
        check_selection(&self.signals, false)
    }
}

/// A case as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: CasePriority,
    pub assignee_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

impl From<&Case> for CaseView {
    fn from(case: &Case) -> Self {
        CaseView {
            id: case.id,
            title: case.title.clone(),
            description: case.description.clone(),
            status: case.status,
            priority: case.priority,
            assignee_id: case.assignee_id,
            created_at: rfc3339(case.created_at_ms),
            updated_at: rfc3339(case.updated_at_ms),
            closed_at: case.closed_at_ms.map(rfc3339),
        }
    }
}

/// The answer to `POST /cases` (201): the case and what became of each signal to link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCreated {
    pub case: CaseView,
    pub linked: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// The answer to `PATCH /cases/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAnswer {
    pub case: CaseView,
}

/// The answer to `POST /cases/{id}/signals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOutcome {
    pub linked: Vec<TriageOutcome>,
    pub refused: Vec<RefusedSignal>,
}

/// A case or incident title: trimmed, 1 to [`MAX_TITLE`] characters.
pub fn check_title(title: &str) -> Result<String, String> {
    let title = title.trim();
    if title.is_empty() {
        return Err("title: a title is needed".to_owned());
    }
    let length = title.chars().count();
    if length > MAX_TITLE {
        return Err(format!("title: {length} characters; at most {MAX_TITLE}"));
    }
    Ok(title.to_owned())
}

/// A case description: trimmed, at most [`MAX_DESCRIPTION`] characters.
pub fn check_description(description: &str) -> Result<String, String> {
    let description = description.trim();
    let length = description.chars().count();
    if length > MAX_DESCRIPTION {
        return Err(format!("description: {length} characters; at most {MAX_DESCRIPTION}"));
    }
    Ok(description.to_owned())
}

// --- incidents: POST /incidents, PATCH /incidents/{id} -----------------------------------------

/// An incident declared from a case or a signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentRequest {
    pub title: String,
    pub severity: IncidentSeverity,
    #[serde(default)]
    pub commander_id: Option<i64>,
    #[serde(default)]
    pub case_id: Option<i64>,
    #[serde(default)]
    pub signal_id: Option<i64>,
}

impl IncidentRequest {
    /// The title as kept (trimmed), or why the request is refused.
    pub fn check(&self) -> Result<String, String> {
        let title = check_title(&self.title)?;
        if self.case_id.is_none() && self.signal_id.is_none() {
            return Err("declare an incident from a case (case_id) or a signal (signal_id)".to_owned());
        }
        Ok(title)
    }
}

/// A change to an incident; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<analytics::IncidentStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<IncidentSeverity>,
    /// `Some(None)` (`null`) removes the commander; `None` (absent) leaves it.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub commander_id: Option<Option<i64>>,
}

/// The answer to `POST /incidents` (201) and `PATCH /incidents/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentAnswer {
    pub incident: Incident,
}

// --- workflows: POST /signals/{id}/workflow (no body) -------------------------------------------

/// The answer to a workflow run the webhook accepted: the status it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowOutcome {
    pub status: i32,
}

// --- settings: PUT /settings/webhook ------------------------------------------------------------

/// The workflow webhook to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRequest {
    pub url: String,
}

/// The workflow webhook (`GET`, and the answer to `PUT`); `null` when none is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSetting {
    pub url: Option<String>,
}

// --- users: POST /users, PATCH /users/{id} ------------------------------------------------------

/// A user to invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    /// A service account: nobody signs in as it; an admin creates API keys that act as it
    /// (a log shipper, a script). It gets no password.
    #[serde(default)]
    pub service: bool,
}

impl InviteRequest {
    /// The username and display name as kept (trimmed; the display name defaults to the
    /// username), or why the request is refused.
    pub fn check(&self) -> Result<(&str, &str), String> {
        let username = self.username.trim();
        check_username(username)?;
        let display = self.display_name.as_deref().map(str::trim).filter(|d| !d.is_empty()).unwrap_or(username);
        check_text("display_name", display, MAX_DISPLAY_NAME)?;
        if let Some(email) = &self.email {
            check_text("email", email, MAX_EMAIL)?;
        }
        Ok((username, display))
    }
}

/// A change to a user; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// An account as the API shows it (never its password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub active: bool,
    /// It has a password and is not a service account.
    pub can_sign_in: bool,
    pub service: bool,
    pub must_change_password: bool,
    pub created_at: String,
}

/// `GET /users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserView>,
}

/// The answer to `POST /users` (201): the account and its one-time password (shown once;
/// `null` for a service account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    pub user: UserView,
    pub password: Option<String>,
}

/// The answer to `PATCH /users/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAnswer {
    pub user: UserView,
}

/// A username: 2 to 64 of letters, digits, `.`, `_`, `-` and `@`.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(64).flat_map(char::escape_default).collect();
        Err(format!("username: '{shown}' must be 2 to 64 letters, digits, '.', '_', '-' or '@'"))
    }
}

/// A display name or e-mail: printable, at most `max` characters.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), String> {
    let length = value.chars().count();
    if length > max {
        return Err(format!("{field}: {length} characters; at most {max}"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field}: control characters are not allowed"));
    }
    Ok(())
}

// --- API keys: POST /api-keys, DELETE /api-keys/{id} (no body; answers 204) --------------------

/// An API key to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRequest {
    pub name: String,
    /// The account the key acts as (its role applies): the admin's own by default, or a
    /// service account. A key never acts as another person, so the audit trail's actor is
    /// always who made the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
}

impl ApiKeyRequest {
    /// The name as kept (trimmed): 1 to [`MAX_KEY_NAME`] printable characters.
    pub fn check(&self) -> Result<&str, String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_KEY_NAME || name.chars().any(char::is_control) {
            return Err(format!("name: give the key a name of 1 to {MAX_KEY_NAME} printable characters"));
        }
        Ok(name)
    }
}

/// An API key as the API lists it (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl ApiKeyView {
    pub fn new(id: i64, name: String, user_id: i64, created_at_ms: Millis, revoked_at_ms: Option<Millis>) -> Self {
        ApiKeyView { id, name, user_id, created_at: rfc3339(created_at_ms), revoked_at: revoked_at_ms.map(rfc3339) }
    }
}

/// `GET /api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKeyView>,
}

/// The answer to `POST /api-keys` (201): the key, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyCreated {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub key: String,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
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
        let key = ApiKeyRequest { name: " ".into(), user_id: None };
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
}
