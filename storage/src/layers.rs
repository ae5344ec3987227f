//! The ATT&CK Navigator layers each user imported (docs/product.md §4.6): kept per user, drawn
//! over the matrix as an overlay.

use crate::data::on_pool;
use crate::{Database, StorageError};

/// How many layers one user keeps.
pub const MAX_LAYERS_PER_USER: i64 = 50;

/// A saved layer: its name and the technique IDs it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedLayer {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub techniques: Vec<String>,
    pub created_at_ms: i64,
}

type Row = (i64, i64, String, String, i64);

fn saved((id, user_id, name, techniques, created_at_ms): Row) -> SavedLayer {
    let techniques = techniques.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect();
    SavedLayer { id, user_id, name, techniques, created_at_ms }
}

impl Database {
    /// Keeps a layer for `user_id`; `None` when the user already keeps [`MAX_LAYERS_PER_USER`].
    pub async fn save_attack_layer(&self, user_id: i64, name: &str, techniques: &[String], now_ms: i64) -> Result<Option<SavedLayer>, StorageError> {
        let joined = techniques.join(",");
        on_pool!(self, pool => {
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attack_layers WHERE user_id = $1").bind(user_id).fetch_one(pool).await?;
            if held >= MAX_LAYERS_PER_USER {
                return Ok(None);
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO attack_layers (user_id, name, techniques, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(user_id).bind(name).bind(&joined).bind(now_ms)
                .fetch_one(pool).await?;
            Ok(Some(SavedLayer { id, user_id, name: name.to_owned(), techniques: techniques.to_vec(), created_at_ms: now_ms }))
        })
    }

    /// The layers `user_id` keeps, oldest first.
    pub async fn attack_layers(&self, user_id: i64) -> Result<Vec<SavedLayer>, StorageError> {
        const SQL: &str = "SELECT id, user_id, name, techniques, created_at_ms FROM attack_layers WHERE user_id = $1 ORDER BY id";
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(SQL).bind(user_id).fetch_all(pool).await?);
        Ok(rows.into_iter().map(saved).collect())
    }

    /// Layer `id` if `user_id` keeps it.
    pub async fn attack_layer(&self, user_id: i64, id: i64) -> Result<Option<SavedLayer>, StorageError> {
        const SQL: &str = "SELECT id, user_id, name, techniques, created_at_ms FROM attack_layers WHERE user_id = $1 AND id = $2";
        let row: Option<Row> = on_pool!(self, pool => sqlx::query_as(SQL).bind(user_id).bind(id).fetch_optional(pool).await?);
        Ok(row.map(saved))
    }

    /// Forgets layer `id` of `user_id`; whether it was theirs.
    pub async fn delete_attack_layer(&self, user_id: i64, id: i64) -> Result<bool, StorageError> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM attack_layers WHERE user_id = $1 AND id = $2")
            .bind(user_id).bind(id).execute(pool).await?.rows_affected());
        Ok(done > 0)
    }
}
