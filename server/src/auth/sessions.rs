//! Sessions checked in the last second, kept so that a page and the dozen requests it makes, or a
//! team's screens refreshing together, do not each ask the database again. Only sessions the
//! database accepted are kept (a made-up token is always looked up, and never fills this), and for
//! at most [`SESSION_RECHECK`]:
//!
//! - signing out, a role change, a deactivation and a password change on this server forget the
//!   cached sessions at once;
//! - the same changes made elsewhere (another server on the same PostgreSQL database, or the
//!   command line) take effect within [`SESSION_RECHECK`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use storage::Account;

/// The longest a session accepted by the database is trusted without asking it again.
pub const SESSION_RECHECK: Duration = Duration::from_secs(1);

/// Past this many sessions, the expired ones are dropped before another is added (sessions of
/// the last second only: a team's, not an attacker's).
const PRUNE_AT: usize = 4_096;

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Account, Instant)>>,
}

impl SessionCache {
    /// The account of the session with this token hash, if the database accepted it less than
    /// [`SESSION_RECHECK`] ago.
    pub fn get(&self, token_hash: &str) -> Option<Account> {
        let entries = self.entries.lock().expect("session cache lock");
        entries
            .get(token_hash)
            .filter(|(_, checked)| checked.elapsed() < SESSION_RECHECK)
            .map(|(account, _)| account.clone())
    }

    /// Remembers that the database accepted this session just now.
    pub fn insert(&self, token_hash: String, account: Account) {
        let mut entries = self.entries.lock().expect("session cache lock");
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, (_, checked)| checked.elapsed() < SESSION_RECHECK);
        }
        entries.insert(token_hash, (account, Instant::now()));
    }

    /// Forgets one session (signed out).
    pub fn forget(&self, token_hash: &str) {
        self.entries.lock().expect("session cache lock").remove(token_hash);
    }

    /// Forgets every session (an account changed: its role, whether it is active, its password).
    pub fn clear(&self) {
        self.entries.lock().expect("session cache lock").clear();
    }
}
