//! Per-user page layouts: stored as the page wrote them (JSON text) with the schema version it
//! was written in, so a newer server can read, upgrade or discard an older layout.

use crate::data::on_pool;
use crate::{Database, StorageError};

/// The reserved account that owns the state of everyone who has not signed in (migration 0003).
pub const ANONYMOUS_USER_ID: i64 = 0;

/// A layout as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLayout {
    pub schema_version: i32,
    pub layout: String,
    pub updated_at_ms: i64,
}

impl Database {
    /// The layout `user_id` saved last, if any.
    pub async fn layout(&self, user_id: i64) -> Result<Option<StoredLayout>, StorageError> {
        const SQL: &str = "SELECT schema_version, layout, updated_at_ms FROM user_layouts WHERE user_id = $1";
        let row: Option<(i32, String, i64)> =
            on_pool!(self, pool => sqlx::query_as(SQL).bind(user_id).fetch_optional(pool).await?);
        Ok(row.map(|(schema_version, layout, updated_at_ms)| StoredLayout { schema_version, layout, updated_at_ms }))
    }

    /// Stores `user_id`'s layout, replacing the previous one.
    pub async fn save_layout(&self, user_id: i64, layout: &StoredLayout) -> Result<(), StorageError> {
        const SQL: &str = "INSERT INTO user_layouts (user_id, schema_version, layout, updated_at_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET schema_version = excluded.schema_version, layout = excluded.layout, updated_at_ms = excluded.updated_at_ms";
        on_pool!(self, pool => sqlx::query(SQL)
            .bind(user_id)
            .bind(layout.schema_version)
            .bind(&layout.layout)
            .bind(layout.updated_at_ms)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Forgets `user_id`'s layout (back to the default); whether there was one.
    pub async fn delete_layout(&self, user_id: i64) -> Result<bool, StorageError> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM user_layouts WHERE user_id = $1")
            .bind(user_id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done > 0)
    }
}
