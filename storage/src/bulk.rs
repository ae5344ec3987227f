//! The bulk paths for a SQLite file, through a direct SQLite connection: writing a whole dataset
//! with prepared statements in one transaction, and reading the big tables back.

use std::collections::HashMap;
use std::path::Path;

use analytics::dataset::{Dataset, HistoryEvent};
use rusqlite::{Connection, OpenFlags};

use crate::decode::{corrupt, history_from, signal_from, Fetch, HISTORY_SQL, LINKS_SQL, SIGNALS_SQL};
use crate::rows::{rows, TABLES};
use crate::StorageError;

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        StorageError::Sqlite(error.to_string())
    }
}

impl Fetch for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<i64, StorageError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StorageError> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<String, StorageError> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StorageError> {
        Ok(self.get(i)?)
    }
}

fn open(path: &Path, flags: OpenFlags) -> Result<Connection, StorageError> {
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(connection)
}

/// Writes every table in one transaction; on any error nothing is written.
pub(crate) fn save(path: &Path, data: &Dataset) -> Result<(), StorageError> {
    let mut connection = open(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // A large page cache keeps the indexes being filled in memory (the default is 2 MB).
    connection.pragma_update(None, "cache_size", -512 * 1024)?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    let tx = connection.transaction()?;
    // Filling an index row by row costs a random B-tree insert each; building it afterwards is a
    // sort. The secondary indexes are dropped and re-created from their own stored definitions
    // (so they stay exactly as the migrations made them), inside the same transaction.
    let indexes: Vec<String> = {
        let mut statement =
            tx.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")?;
        let found = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        for (name, _) in &found {
            tx.execute(&format!("DROP INDEX \"{name}\""), [])?;
        }
        found.into_iter().map(|(_, sql)| sql).collect()
    };
    for table in TABLES {
        let placeholders = (1..=table.columns.len()).map(|k| format!("?{k}")).collect::<Vec<_>>().join(", ");
        let sql = format!("INSERT INTO {} ({}) VALUES ({placeholders})", table.name, table.columns.join(", "));
        let mut statement = tx.prepare(&sql)?;
        for row in rows(data, table) {
            statement.execute(rusqlite::params_from_iter(row.iter()))?;
        }
    }
    for sql in &indexes {
        tx.execute(sql, [])?;
    }
    tx.commit()?;
    Ok(())
}

/// The history, oldest first.
pub(crate) fn load_history(path: &Path) -> Result<Vec<HistoryEvent>, StorageError> {
    let connection = open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut statement = connection.prepare(HISTORY_SQL)?;
    let mut rows = statement.query([])?;
    let mut history = Vec::new();
    while let Some(row) = rows.next()? {
        history.push(history_from(row)?);
    }
    Ok(history)
}

/// Every signal with its entities, pushed into `data` in time order.
pub(crate) fn load_signals(path: &Path, data: &mut Dataset) -> Result<(), StorageError> {
    let connection = open(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
    {
        let mut statement = connection.prepare(LINKS_SQL)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            links.entry(row.int(0)?).or_default().push(row.int(1)?);
        }
    }
    let mut statement = connection.prepare(SIGNALS_SQL)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let record = signal_from(row, &mut links)?;
        data.push_signal(&record).map_err(corrupt)?;
    }
    Ok(())
}
