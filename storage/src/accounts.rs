//! Accounts, sessions, API keys, failed sign-ins and settings. Secrets never reach this layer:
//! passwords arrive as Argon2 hashes, session tokens and API keys as SHA-256 hashes.

use analytics::Role;

use crate::data::{corrupt, on_pool};
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
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub password_hash: Option<&'a str>,
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
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, email, role, active, password_hash, created_at_ms";

type AccountRow = (i64, String, String, Option<String>, String, bool, Option<String>, i64);

fn account(row: AccountRow) -> Result<Account, StorageError> {
    let (id, username, display_name, email, role, active, password_hash, created_at_ms) = row;
    Ok(Account {
        id,
        username,
        display_name,
        email,
        role: Role::parse(&role).map_err(corrupt)?,
        active,
        password_hash,
        created_at_ms,
    })
}

impl Database {
    /// Creates an account; a username already taken is a [`StorageError::Conflict`].
    pub async fn create_account(&self, new: &NewAccount<'_>, now_ms: i64) -> Result<Account, StorageError> {
        let taken: Option<i64> = on_pool!(self, pool => sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(new.username)
            .fetch_optional(pool)
            .await?);
        if taken.is_some() {
            return Err(StorageError::Conflict(format!("the username '{}' is taken", new.username)));
        }
        let sql = format!(
            "INSERT INTO users (username, display_name, email, role, active, password_hash, created_at_ms) \
             VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING {ACCOUNT_COLUMNS}"
        );
        let row: AccountRow = on_pool!(self, pool => sqlx::query_as(&sql)
            .bind(new.username)
            .bind(new.display_name)
            .bind(new.email)
            .bind(new.role.as_str())
            .bind(new.password_hash)
            .bind(now_ms)
            .fetch_one(pool)
            .await?);
        account(row)
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

    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND id > 0")
            .bind(hash)
            .bind(user_id)
            .execute(pool)
            .await.map(|_| ())?);
        Ok(())
    }

    /// Changes an account's role and whether it is active; a deactivated account loses its
    /// sessions and API keys at once. Returns the account before the change.
    pub async fn update_account(&self, user_id: i64, role: Role, active: bool, now_ms: i64) -> Result<Account, StorageError> {
        let before = self
            .account(user_id)
            .await?
            .ok_or_else(|| StorageError::NotFound(format!("user {user_id} does not exist")))?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET role = $1, active = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(active)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE user_id = $2 AND revoked_at_ms IS NULL")
                    .bind(now_ms)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(before)
    }

    // --- sessions ---------------------------------------------------------------------------

    pub async fn create_session(&self, token_hash: &str, user_id: i64, now_ms: i64, expires_at_ms: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms)
            .bind(expires_at_ms)
            .execute(pool)
            .await.map(|_| ())?);
        Ok(())
    }

    /// The active account behind an unexpired session.
    pub async fn session_account(&self, token_hash: &str, now_ms: i64) -> Result<Option<Account>, StorageError> {
        let sql = format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at_ms > $2 AND u.active",
            ACCOUNT_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row: Option<AccountRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(token_hash).bind(now_ms).fetch_optional(pool).await?);
        row.map(account).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Forgets expired sessions and old failed sign-ins.
    pub async fn prune_sessions(&self, now_ms: i64, failures_before_ms: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at_ms <= $1").bind(now_ms).execute(pool).await?;
            sqlx::query("DELETE FROM sign_in_failures WHERE at_ms < $1").bind(failures_before_ms).execute(pool).await?;
        });
        Ok(())
    }

    // --- API keys ---------------------------------------------------------------------------

    pub async fn create_api_key(&self, name: &str, key_hash: &str, user_id: i64, created_by: i64, now_ms: i64) -> Result<i64, StorageError> {
        const SQL: &str = "INSERT INTO api_keys (name, key_hash, user_id, created_by, created_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on_pool!(self, pool => sqlx::query_scalar(SQL)
            .bind(name)
            .bind(key_hash)
            .bind(user_id)
            .bind(created_by)
            .bind(now_ms)
            .fetch_one(pool)
            .await?))
    }

    /// The active account an unrevoked key acts as.
    pub async fn api_key_account(&self, key_hash: &str) -> Result<Option<Account>, StorageError> {
        let sql = format!(
            "SELECT {} FROM api_keys k JOIN users u ON u.id = k.user_id \
             WHERE k.key_hash = $1 AND k.revoked_at_ms IS NULL AND u.active",
            ACCOUNT_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        );
        let row: Option<AccountRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(key_hash).fetch_optional(pool).await?);
        row.map(account).transpose()
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StorageError> {
        const SQL: &str = "SELECT id, name, user_id, created_by, created_at_ms, revoked_at_ms FROM api_keys ORDER BY id";
        let rows: Vec<(i64, String, i64, Option<i64>, i64, Option<i64>)> =
            on_pool!(self, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, name, user_id, created_by, created_at_ms, revoked_at_ms)| ApiKey {
                id,
                name,
                user_id,
                created_by,
                created_at_ms,
                revoked_at_ms,
            })
            .collect())
    }

    /// Revokes a key; whether there was an unrevoked key with that id.
    pub async fn revoke_api_key(&self, id: i64, now_ms: i64) -> Result<bool, StorageError> {
        let done = on_pool!(self, pool => sqlx::query("UPDATE api_keys SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL")
            .bind(now_ms)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done > 0)
    }

    // --- failed sign-ins --------------------------------------------------------------------

    pub async fn record_sign_in_failure(&self, username: &str, address: &str, now_ms: i64) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("INSERT INTO sign_in_failures (username, address, at_ms) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(address)
            .bind(now_ms)
            .execute(pool)
            .await.map(|_| ())?);
        Ok(())
    }

    /// Failed sign-ins since `since_ms`: for this username, and from this address.
    pub async fn sign_in_failures(&self, username: &str, address: &str, since_ms: i64) -> Result<(i64, i64), StorageError> {
        const SQL: &str = "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at_ms >= $3), \
             (SELECT COUNT(*) FROM sign_in_failures WHERE address = $2 AND at_ms >= $3)";
        Ok(on_pool!(self, pool => sqlx::query_as(SQL).bind(username).bind(address).bind(since_ms).fetch_one(pool).await?))
    }

    /// A successful sign-in forgets the account's failures.
    pub async fn clear_sign_in_failures(&self, username: &str) -> Result<(), StorageError> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sign_in_failures WHERE username = $1").bind(username).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    // --- settings ---------------------------------------------------------------------------

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        Ok(on_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(pool).await?))
    }

    pub async fn set_setting(&self, key: &str, value: &str, now_ms: i64) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO settings (key, value, updated_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms";
        on_pool!(self, pool => sqlx::query(SQL).bind(key).bind(value).bind(now_ms).execute(pool).await.map(|_| ())?);
        Ok(())
    }
}
