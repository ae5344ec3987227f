//! Administration: `PUT /settings/webhook`, `POST /users`, `PATCH /users/{id}`, `POST /api-keys`,
//! `DELETE /api-keys/{id}`.

use analytics::dataset::Millis;
use analytics::time::rfc3339;
use analytics::Role;
use serde::{Deserialize, Serialize};

use super::{MAX_DISPLAY_NAME, MAX_EMAIL, MAX_KEY_NAME};

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

/// What an API key may do (docs/product.md §2). `read` and `write` as the key's account's role
/// allows; `ingest` sends logs and nothing else unless given the others too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyScope {
    Read,
    Write,
    Ingest,
}

impl KeyScope {
    pub const ALL: [KeyScope; 3] = [KeyScope::Read, KeyScope::Write, KeyScope::Ingest];

    pub const fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::Write => "write",
            KeyScope::Ingest => "ingest",
        }
    }

    pub fn parse(value: &str) -> Result<KeyScope, String> {
        KeyScope::ALL
            .into_iter()
            .find(|s| s.as_str() == value.trim())
            .ok_or_else(|| format!("unknown API key scope '{}': expected read, write or ingest", value.trim()))
    }

    /// `read,write` as stored; an unknown name in it is skipped (a later version's scope).
    pub fn parse_list(stored: &str) -> Vec<KeyScope> {
        let mut scopes: Vec<KeyScope> = stored.split(',').filter_map(|s| KeyScope::parse(s).ok()).collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    pub fn join(scopes: &[KeyScope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }
}

fn default_scopes() -> Vec<KeyScope> {
    vec![KeyScope::Read, KeyScope::Write]
}

/// An API key to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyRequest {
    pub name: String,
    /// What the key may do: `read` and `write` by default; an ingest key for a shipper is
    /// `["ingest"]` alone.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<KeyScope>,
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
        if self.scopes.is_empty() {
            return Err("scopes: give the key at least one scope (read, write, ingest)".to_owned());
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
    pub scopes: Vec<KeyScope>,
}

impl ApiKeyView {
    pub fn new(id: i64, name: String, user_id: i64, created_at_ms: Millis, revoked_at_ms: Option<Millis>, scopes: Vec<KeyScope>) -> Self {
        ApiKeyView { id, name, user_id, created_at: rfc3339(created_at_ms), revoked_at: revoked_at_ms.map(rfc3339), scopes }
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
    pub scopes: Vec<KeyScope>,
}


// --- threat intelligence: GET/POST /intel-lists, DELETE /intel-lists/{id} --------------------

/// A threat-intelligence list to import (a list of the same name is replaced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntelListRequest {
    pub name: String,
    pub category: analytics::model::ThreatCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcategory: Option<analytics::model::ThreatSubcategory>,
    pub intention: analytics::model::ThreatIntention,
    /// The addresses and CIDR networks, one per line (or CSV with the address first).
    pub entries: String,
}

/// The longest list file accepted through the API (bytes).
pub const MAX_INTEL_ENTRIES_BYTES: usize = 8 * 1024 * 1024;

impl IntelListRequest {
    /// The name as kept (trimmed): 1 to 100 printable characters; and some entries.
    pub fn check(&self) -> Result<&str, String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err("name: give the list a name of 1 to 100 printable characters".to_owned());
        }
        if self.entries.trim().is_empty() {
            return Err("entries: list at least one IP address or CIDR network".to_owned());
        }
        if self.entries.len() > MAX_INTEL_ENTRIES_BYTES {
            return Err(format!("entries: at most {MAX_INTEL_ENTRIES_BYTES} bytes"));
        }
        Ok(name)
    }
}

/// A list as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntelListView {
    pub id: i64,
    pub name: String,
    pub category: analytics::model::ThreatCategory,
    pub subcategory: Option<analytics::model::ThreatSubcategory>,
    pub intention: analytics::model::ThreatIntention,
    /// How many addresses and networks it holds.
    pub entries: i64,
    pub imported_at: String,
}

#[cfg(feature = "ssr")]
impl From<storage::ingest::StoredIntelList> for IntelListView {
    fn from(l: storage::ingest::StoredIntelList) -> Self {
        IntelListView {
            id: l.id,
            name: l.name,
            category: l.category,
            subcategory: l.subcategory,
            intention: l.intention,
            entries: l.networks,
            imported_at: rfc3339(l.created_at_ms),
        }
    }
}

/// `GET /intel-lists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntelLists {
    pub lists: Vec<IntelListView>,
}

// --- rules: GET /rules, GET/PATCH /rules/{id}, POST /rules/import -------------------------------

/// The most rule files one upload may carry, and the most bytes each.
pub const MAX_RULE_FILES: usize = 500;
pub const MAX_RULE_FILE_BYTES: usize = 1024 * 1024;

/// Sigma rule files to import (an admin's upload on the Rules page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleUpload {
    pub files: Vec<RuleFile>,
    /// Import new rules disabled.
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFile {
    pub name: String,
    pub text: String,
}

impl RuleUpload {
    /// Why the upload is refused, if it is (before anything is read).
    pub fn check(&self) -> Result<(), String> {
        if self.files.is_empty() {
            return Err("files: choose one or more Sigma rule files (.yml)".into());
        }
        if self.files.len() > MAX_RULE_FILES {
            return Err(format!("files: at most {MAX_RULE_FILES} files at once, not {}", self.files.len()));
        }
        for file in &self.files {
            if file.text.len() > MAX_RULE_FILE_BYTES {
                return Err(format!("files: {} is {} bytes; a rule file may have at most {MAX_RULE_FILE_BYTES}", file.name, file.text.len()));
            }
        }
        Ok(())
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleImportReport {
    pub files: usize,
    /// New rules.
    pub imported: usize,
    /// Rules already there (same Sigma id), updated in place.
    pub updated: usize,
    /// Of those, how many the evaluator runs.
    pub evaluable: usize,
    /// Of those, how many are enabled now.
    pub enabled: usize,
    /// Rules kept disabled because Signalboard does not ingest their log source.
    pub log_source_not_ingested: usize,
    /// Rules the evaluator cannot run: (title, why).
    pub not_evaluable: Vec<(String, String)>,
    /// Documents not imported, by reason: (reason, count).
    pub skipped: Vec<(String, usize)>,
    /// Each skipped document: (file, title, reason and detail).
    pub skipped_documents: Vec<(String, String, String)>,
}

impl RuleImportReport {
    /// One line per count, as `signalboard rules import` prints it and the Rules page shows it.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("{} files read", self.files),
            format!("{} rules imported, {} updated", self.imported, self.updated),
            format!("{} evaluable, {} enabled", self.evaluable, self.enabled),
            format!("{} disabled: log source not ingested", self.log_source_not_ingested),
            format!("{} not evaluable", self.not_evaluable.len()),
        ];
        for (title, reason) in &self.not_evaluable {
            lines.push(format!("  not evaluable: {title}: {reason}"));
        }
        let skipped: usize = self.skipped.iter().map(|(_, n)| n).sum();
        lines.push(format!("{skipped} skipped"));
        for (reason, n) in &self.skipped {
            lines.push(format!("  skipped, {reason}: {n}"));
        }
        lines
    }
}

/// The shortest and longest grouping window of a rule.
pub const MIN_GROUP_WINDOW_MS: i64 = 60_000;
pub const MAX_GROUP_WINDOW_MS: i64 = 7 * 24 * 3_600_000;

/// A change to a rule; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Matches of the rule on one entity within this many milliseconds add to one signal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_window_ms: Option<i64>,
}

impl RuleChange {
    /// Why the change is refused, if it is.
    pub fn check(&self) -> Result<(), String> {
        if self.enabled.is_none() && self.group_window_ms.is_none() {
            return Err("give enabled or group_window_ms".into());
        }
        if let Some(ms) = self.group_window_ms {
            if !(MIN_GROUP_WINDOW_MS..=MAX_GROUP_WINDOW_MS).contains(&ms) {
                return Err(format!("group_window_ms: {ms} is not between {MIN_GROUP_WINDOW_MS} (a minute) and {MAX_GROUP_WINDOW_MS} (7 days)"));
            }
        }
        Ok(())
    }
}

/// A rule as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub author: String,
    pub references: Vec<String>,
    pub severity: analytics::model::Severity,
    pub enabled: bool,
    /// `default` (shipped) or `custom` (imported or written by the team).
    pub origin: String,
    pub log_source: String,
    /// `stable`, `test` or `experimental` for a Sigma rule.
    pub status: Option<String>,
    /// The Sigma `logsource` as the rule states it.
    pub sigma_logsource: Option<String>,
    pub evaluable: bool,
    /// Why it cannot run, if it cannot.
    pub problem: Option<String>,
    /// Matches of the rule on one entity within this window add to one signal.
    pub group_window_ms: i64,
    pub tactics: Vec<String>,
    pub techniques: Vec<String>,
    pub created_at: String,
}

/// `GET /rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleList {
    pub rules: Vec<RuleView>,
}

// --- case SLA targets: GET and PUT /settings/case-sla ---------------------------------------------

/// The case SLA targets (`GET`, the body of `PUT` and its answer): one entry per priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSla {
    pub targets: Vec<analytics::overview::SlaTarget>,
}
