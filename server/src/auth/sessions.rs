//! Sessions checked in the last second, kept so that a page and the dozen requests it makes, or a
//! team's screens refreshing together, do not each ask the database again. Only sessions the
//! database accepted are kept (a made-up token is always looked up, and never fills this), and for
//! at most [`SESSION_RECHECK`]:
//!
//! - signing out, a role change, a deactivation and a password change on this server forget the
//!   cached sessions at once;
//! - the same changes made elsewhere (another server on the same PostgreSQL database, or the
//!   command line) take effect within [`SESSION_RECHECK`].
//!
//! A session in use is checked again ahead of time: the first request past half of
//! [`SESSION_RECHECK`] is answered from the cache while one background check asks the database
//! ([`SessionCache::lookup`]), so a team's screens reading together never wait for the database,
//! not even when it is busy committing a stream of logs, and the bound above still holds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use storage::Account;

/// The longest a session accepted by the database is trusted without asking it again.
pub const SESSION_RECHECK: Duration = Duration::from_secs(1);

/// Past this many sessions, the expired ones are dropped before another is added (sessions of
/// the last second only: a team's, not an attacker's).
const PRUNE_AT: usize = 4_096;

/// A session the database accepted: when, and whether a check ahead of time is under way.
struct Accepted {
    account: Account,
    checked: Instant,
    checking: bool,
}

/// What the cache knows of a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    /// Accepted less than [`SESSION_RECHECK`] ago; `check_ahead` asks the caller to check it
    /// again in the background (once: later callers are not asked until that check is done).
    Accepted { account: Account, check_ahead: bool },
    /// Not known, or known too long ago: the database must be asked before answering.
    Unknown,
}

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Accepted>>,
}

impl SessionCache {
    /// The account of the session with this token hash, if the database accepted it less than
    /// [`SESSION_RECHECK`] ago, and whether to check it again ahead of time (past half of
    /// [`SESSION_RECHECK`], when no such check is under way).
    pub fn lookup(&self, token_hash: &str) -> Cached {
        self.lookup_at(token_hash, Instant::now())
    }

    fn lookup_at(&self, token_hash: &str, now: Instant) -> Cached {
        let mut entries = self.entries.lock().expect("session cache lock");
        let Some(accepted) = entries.get_mut(token_hash) else { return Cached::Unknown };
        let age = now.saturating_duration_since(accepted.checked);
        if age >= SESSION_RECHECK {
            return Cached::Unknown;
        }
        let check_ahead = age >= SESSION_RECHECK / 2 && !accepted.checking;
        if check_ahead {
            accepted.checking = true;
        }
        Cached::Accepted { account: accepted.account.clone(), check_ahead }
    }

    /// A check ahead of time failed to reach the database: the next request past half of
    /// [`SESSION_RECHECK`] asks for another one.
    pub fn check_failed(&self, token_hash: &str) {
        if let Some(accepted) = self.entries.lock().expect("session cache lock").get_mut(token_hash) {
            accepted.checking = false;
        }
    }

    /// Remembers that the database accepted this session just now.
    pub fn insert(&self, token_hash: String, account: Account) {
        let mut entries = self.entries.lock().expect("session cache lock");
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, a| a.checked.elapsed() < SESSION_RECHECK);
        }
        entries.insert(token_hash, Accepted { account, checked: Instant::now(), checking: false });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Account {
        Account {
            id: 7,
            username: name.to_owned(),
            display_name: name.to_owned(),
            email: None,
            role: analytics::Role::Viewer,
            active: true,
            password_hash: None,
            created_at_ms: 0,
            must_change_password: false,
            service: false,
        }
    }

    #[test]
    fn a_session_is_checked_ahead_once_past_half_its_time_and_never_trusted_past_it() {
        let cache = SessionCache::default();
        assert_eq!(cache.lookup("h"), Cached::Unknown, "never accepted");
        cache.insert("h".into(), account("ann"));
        let checked = cache.entries.lock().unwrap()["h"].checked;
        let at = |ms: u64| checked + Duration::from_millis(ms);
        let accepted = |check_ahead| Cached::Accepted { account: account("ann"), check_ahead };
        assert_eq!(cache.lookup_at("h", at(100)), accepted(false), "fresh: no check");
        assert_eq!(cache.lookup_at("h", at(600)), accepted(true), "past half: this caller checks");
        assert_eq!(cache.lookup_at("h", at(700)), accepted(false), "one check at a time");
        assert_eq!(cache.lookup_at("h", at(1000)), Cached::Unknown, "past the limit: the database is asked");
        // A check that could not reach the database lets the next caller try again.
        cache.check_failed("h");
        assert_eq!(cache.lookup_at("h", at(800)), accepted(true));
        // A check that succeeded starts the time again; one that found the session gone forgets it.
        cache.insert("h".into(), account("ann"));
        assert_eq!(cache.lookup("h"), accepted(false));
        cache.forget("h");
        assert_eq!(cache.lookup("h"), Cached::Unknown);
    }
}
