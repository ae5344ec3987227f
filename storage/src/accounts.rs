//! Accounts, sessions, API keys, failed sign-ins and settings. Secrets never reach this layer:
//! passwords arrive as Argon2 hashes, session tokens and API keys as SHA-256 hashes.

use analytics::dataset::{HistoryEntry, HistoryEvent};
use analytics::Role;

use crate::data::on_pool;
use crate::feed::BeginWrite as _;
use crate::decode::corrupt;
use crate::workflow::insert_history;
use crate::{Database, StorageError};

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub active: bool,
    pub password_hash: Option<String>,
    pub created_at_ms: i64,
    /// Set for an invited account (its one-time password) until its owner chooses a password.
    pub must_change_password: bool,
    /// A service account: no one signs in as it; API keys act as it (shippers, scripts).
    pub service: bool,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub password_hash: Option<&'a str>,
    /// The password was chosen for the owner (an invite): they must change it when signing in.
    pub must_change_password: bool,
    /// A service account (no password; API keys act as it).
    pub service: bool,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub user_id: i64,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    /// What the key may do, comma separated: `read`, `write` (as its account's role allows),
    /// `ingest` (send logs).
    pub scopes: String,
}

const ACCOUNT_COLUMNS: &str =
    "id, username, display_name, email, role, active, password_hash, created_at_ms, must_change_password, service";

type AccountRow = (i64, String, String, Option<String>, String, bool, Option<String>, i64, bool, bool);

fn account(row: AccountRow) -> Result<Account, StorageError> {
    let (id, username, display_name, email, role, active, password_hash, created_at_ms, must_change_password, service) = row;
    Ok(Account {
        id,
        username,
        display_name,
        email,
        role: Role::parse(&role).map_err(corrupt)?,
        active,
        password_hash,
        created_at_ms,
        must_change_password,
        service,
    })
}

/// Failed sign-ins counted when an attempt is reserved (the attempt itself not included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCounts {
    /// Failures for this username from this address in the window.
    pub pair: i64,
    /// When the latest of those was.
    pub pair_last_ms: Option<i64>,
    /// Failures from this address, any username, in the window.
    pub address: i64,
}

impl Database {
    /// Creates an account; a username already taken is a [`StorageError::Conflict`].
    pub async fn create_account(&self, new: &NewAccount<'_>, now_ms: i64) -> Result<Account, StorageError> {
        let (account, _) = self.create_account_recorded(new, now_ms, |_| Vec::new()).await?;
        Ok(account)
    }

    /// Creates an account and appends the history entries `record` makes of it, in one
    /// transaction; a username already taken is a [`StorageError::Conflict`].
    pub async fn create_account_recorded(
        &self,
        new: &NewAccount<'_>,
        now_ms: i64,
        record: impl FnOnce(&Account) -> Vec<HistoryEntry>,
    ) -> Result<(Account, Vec<HistoryEvent>), StorageError> {
        let sql = format!(
            "INSERT INTO users (username, display_name, email, role, active, password_hash, created_at_ms, must_change_password, service) \
             VALUES ($1, $2, $3, $4, TRUE, $5, $6, $7, $8) RETURNING {ACCOUNT_COLUMNS}"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(new.username)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StorageError::Conflict(format!("the username '{}' is taken", new.username)));
            }
            let row: AccountRow = sqlx::query_as(&sql)
                .bind(new.username)
                .bind(new.display_name)
                .bind(new.email)
                .bind(new.role.as_str())
                .bind(new.password_hash)
                .bind(now_ms)
                .bind(new.must_change_password)
                .bind(new.service)
                .fetch_one(&mut *tx)
                .await?;
            let created = account(row)?;
            let stored = insert_history!(tx, record(&created));
            tx.commit().await?;
            Ok((created, stored))
        })
    }

    pub async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE username = $1 AND id > 0");
        let row: Option<AccountRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await?);
        row.map(account).transpose()
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1 AND id > 0");
        let row: Option<AccountRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        row.map(account).transpose()
    }

    /// Every real account (not the reserved anonymous one), by username.
    pub async fn accounts(&self) -> Result<Vec<Account>, StorageError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id > 0 ORDER BY username");
        let rows: Vec<AccountRow> = on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(account).collect()
    }

    /// How many active accounts can sign in (have a password).
    pub async fn count_sign_in_accounts(&self) -> Result<i64, StorageError> {
        const SQL: &str = "SELECT COUNT(*) FROM users WHERE id > 0 AND active AND password_hash IS NOT NULL";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL).fetch_one(pool).await?))
    }

    /// Sets a new password hash and ends every session of the account (whoever held the old
    /// password is signed out). `must_change` asks the owner to choose their own at sign-in.
    pub async fn set_password_hash(&self, user_id: i64, hash: &str, must_change: bool) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3 AND id > 0")
                .bind(hash)
                .bind(must_change)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The owner changes their password: the new hash, the flag cleared, and every other
    /// session of the account ended (the one they are using, `keep_session`, stays).
    pub async fn change_own_password(&self, user_id: i64, hash: &str, keep_session: &str, entry: HistoryEntry) -> Result<Vec<HistoryEvent>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2 AND id > 0")
                .bind(hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_session)
                .execute(&mut *tx)
                .await?;
            let stored = insert_history!(tx, vec![entry]);
            tx.commit().await?;
            Ok(stored)
        })
    }

    /// Changes an account's role and whether it is active, with the history entries `record`
    /// makes from the account before the change, in one transaction. A deactivated account loses
    /// its sessions and API keys at once. A change that would leave no active admin is refused
    /// ([`StorageError::Conflict`]); the admins are counted inside the transaction, with the
    /// admin rows locked, so two admins demoting each other at once cannot both succeed.
    /// Returns the account before and after the change.
    pub async fn update_account(
        &self,
        user_id: i64,
        role: Role,
        active: bool,
        now_ms: i64,
        record: impl FnOnce(&Account) -> Vec<HistoryEntry>,
    ) -> Result<(Account, Account, Vec<HistoryEvent>), StorageError> {
        let select = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1 AND id > 0");
        let postgres = matches!(self, Database::Postgres(_));
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // SQLite's write transaction already holds the lock, so the count below is current.
            if postgres {
                sqlx::query("SELECT id FROM users WHERE role = 'admin' AND active AND id > 0 FOR UPDATE").execute(&mut *tx).await?;
            }
            let row: Option<AccountRow> = sqlx::query_as(&select).bind(user_id).fetch_optional(&mut *tx).await?;
            let before = row.map(account).transpose()?.ok_or_else(|| StorageError::NotFound(format!("user {user_id} does not exist")))?;
            sqlx::query("UPDATE users SET role = $1, active = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(active)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active AND id > 0")
                .fetch_one(&mut *tx)
                .await?;
            if admins == 0 && before.role == Role::Admin && before.active {
                return Err(StorageError::Conflict(format!(
                    "{} is the last active admin: make another account an admin first",
                    before.username
                )));
            }
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE user_id = $2 AND revoked_at_ms IS NULL")
                    .bind(now_ms)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let stored = insert_history!(tx, record(&before));
            let row: AccountRow = sqlx::query_as(&select).bind(user_id).fetch_one(&mut *tx).await?;
            let after = account(row)?;
            tx.commit().await?;
            Ok((before, after, stored))
        })
    }

    // --- sessions ---------------------------------------------------------------------------

    pub async fn create_session(&self, token_hash: &str, user_id: i64, now_ms: i64, expires_at_ms: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(pool)
            .await.map(|_| ())?);
        Ok(())
    }

    /// The active account behind an unexpired session that was used since `idle_since_ms`.
    /// Using it moves its last use to now (written at most once a minute).
    pub async fn session_account(&self, token_hash: &str, now_ms: i64, idle_since_ms: i64) -> Result<Option<Account>, StorageError> {
        let sql = format!(
            "SELECT {}, s.last_seen_ms FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND s.last_seen_ms >= $3 AND u.active",
            ACCOUNT_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        type Row = (i64, String, String, Option<String>, String, bool, Option<String>, i64, bool, bool, i64);
        let row: Option<Row> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(token_hash).bind(now_ms).bind(idle_since_ms).fetch_optional(pool).await?);
        let Some((id, username, display_name, email, role, active, hash, created, must_change, service, last_seen)) = row else {
            return Ok(None);
        };
        if now_ms - last_seen > 60_000 {
            on_pool!(self, pool => sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2")
                .bind(now_ms)
                .bind(token_hash)
                .execute(pool)
                .await.map(|_| ())?);
        }
        account((id, username, display_name, email, role, active, hash, created, must_change, service)).map(Some)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Forgets expired and idle sessions and old failed sign-ins.
    pub async fn prune_sessions(&self, now_ms: i64, idle_before_ms: i64, failures_before_ms: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1 OR last_seen_ms < $2").bind(now_ms).bind(idle_before_ms).execute(pool).await?;
            sqlx::query("DELETE FROM sign_in_failures WHERE at_ms < $1").bind(failures_before_ms).execute(pool).await?;
        });
        Ok(())
    }

    // --- API keys ---------------------------------------------------------------------------

    /// Creates an API key and appends `entries` to the history, in one transaction.
    pub async fn create_api_key(
        &self,
        name: &str,
        key_hash: &str,
        user_id: i64,
        created_by: i64,
        scopes: &str,
        now_ms: i64,
        entries: Vec<HistoryEntry>,
    ) -> Result<(i64, Vec<HistoryEvent>), StorageError> {
        const SQL: &str = "INSERT INTO api_keys (name, key_hash, user_id, created_by, created_at_ms, scopes) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(SQL)
                .bind(name)
                .bind(key_hash)
                .bind(user_id)
                .bind(created_by)
                .bind(now_ms)
                .bind(scopes)
                .fetch_one(&mut *tx)
                .await?;
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok((id, stored))
        })
    }

    /// The key's id, its scopes and the active account it acts as, for an unrevoked key.
    pub async fn api_key_account(&self, key_hash: &str) -> Result<Option<(i64, String, Account)>, StorageError> {
        let sql = format!(
            "SELECT k.id, k.scopes, {} FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE k.key_hash = $1 AND k.revoked_at_ms IS NULL AND u.active",
            ACCOUNT_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        type Row = (i64, String, i64, String, String, Option<String>, String, bool, Option<String>, i64, bool, bool);
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(&sql).bind(key_hash).fetch_optional(pool).await?);
        let Some((key, scopes, id, username, display_name, email, role, active, hash, created, must_change, service)) = row else {
            return Ok(None);
        };
        Ok(Some((key, scopes, account((id, username, display_name, email, role, active, hash, created, must_change, service))?)))
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        const SQL: &str = "SELECT id, name, user_id, created_by, created_at_ms, revoked_at_ms, scopes FROM api_keys ORDER BY id";
        let rows: Vec<(i64, String, i64, Option<i64>, i64, Option<i64>, String)> =
            on_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, user_id, created_by, created_at_ms, revoked_at_ms, scopes)| ApiKey {
                id,
                name,
                user_id,
                created_by,
                created_at_ms,
                revoked_at_ms,
                scopes,
            })
            .collect())
    }

    /// Revokes a key and appends `entries` to the history, in one transaction; `None` when
    /// there was no unrevoked key with that id (nothing is written).
    pub async fn revoke_api_key(&self, id: i64, now_ms: i64, entries: Vec<HistoryEntry>) -> Result<Option<Vec<HistoryEvent>>, StorageError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
                .bind(now_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Ok(None);
            }
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(Some(stored))
        })
    }

    // --- failed sign-ins --------------------------------------------------------------------

    /// Reserves one sign-in attempt: records it as a failure and counts the failures before it,
    /// in one transaction that holds the write lock, so parallel attempts are counted one after
    /// another and none sees a stale count. When `allow` refuses the counts, nothing is written.
    /// Answers the counts and, when allowed, the reservation's id (a success removes it with
    /// [`Database::clear_sign_in_failures`]).
    pub async fn reserve_sign_in_attempt(
        &self,
        username: &str,
        address: &str,
        now_ms: i64,
        since_ms: i64,
        allow: impl FnOnce(&AttemptCounts) -> bool,
    ) -> Result<(AttemptCounts, Option<i64>), StorageError> {
        const INSERT: &str = "INSERT INTO sign_in_failures (username, address, at_ms) VALUES ($1, $2, $3) RETURNING id";
        const COUNT: &str = "SELECT \
             (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND address = $2 AND at_ms >= $3 AND id <> $4), \
             (SELECT MAX(at_ms) FROM sign_in_failures WHERE username = $1 AND address = $2 AND at_ms >= $3 AND id <> $4), \
             (SELECT COUNT(*) FROM sign_in_failures WHERE address = $2 AND at_ms >= $3 AND id <> $4)";
        let postgres = matches!(self, Database::Postgres(_));
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("LOCK TABLE sign_in_failures IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
            }
            // On SQLite the write transaction holds the lock, so the count after the insert is current.
            let id: i64 = sqlx::query_scalar(INSERT).bind(username).bind(address).bind(now_ms).fetch_one(&mut *tx).await?;
            let (pair, pair_last_ms, address_count): (i64, Option<i64>, i64) =
                sqlx::query_as(COUNT).bind(username).bind(address).bind(since_ms).bind(id).fetch_one(&mut *tx).await?;
            let counts = AttemptCounts { pair, pair_last_ms, address: address_count };
            if allow(&counts) {
                tx.commit().await?;
                Ok((counts, Some(id)))
            } else {
                tx.rollback().await?;
                Ok((counts, None))
            }
        })
    }

    /// A successful sign-in forgets the failures of this username from this address (those
    /// from other addresses are someone else's and keep counting).
    pub async fn clear_sign_in_failures(&self, username: &str, address: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sign_in_failures WHERE username = $1 AND address = $2")
            .bind(username)
            .bind(address)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    // --- settings ---------------------------------------------------------------------------

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(on_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?))
    }

    /// Sets a setting and appends `entries` to the history, in one transaction.
    pub async fn set_setting(&self, key: &str, value: &str, now_ms: i64, entries: Vec<HistoryEntry>) -> Result<Vec<HistoryEvent>, StorageError> {
        const SQL: &str = "INSERT INTO settings (key, value, updated_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(SQL).bind(key).bind(value).bind(now_ms).execute(&mut *tx).await?;
            let stored = insert_history!(tx, entries);
            tx.commit().await?;
            Ok(stored)
        })
    }
}
