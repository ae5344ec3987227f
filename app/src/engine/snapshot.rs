//! The dataset's snapshot file (docs/product.md §6): written after a full load and when the
//! server stops, read at start-up when it matches the database, then brought up to date with the
//! history after it, by the same catch-up that follows other instances.

use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use analytics::dataset::snapshot::Stamp;
use analytics::dataset::Dataset;
use storage::Database;

use super::Engine;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Why a snapshot does not match the database, if it does not.
fn mismatch(snapshot: &Stamp, database: &Stamp) -> Option<&'static str> {
    if snapshot.installation != database.installation {
        Some("it is of another database")
    } else if (snapshot.signals, snapshot.newest_signal_id) != (database.signals, database.newest_signal_id) {
        Some("signals were added or removed since it was written")
    } else if snapshot.intake != database.intake {
        Some("logs were ingested since it was written")
    } else if snapshot.history_position > database.history_position {
        Some("the database's history is behind it (was the database restored from a backup?)")
    } else {
        None
    }
}

/// Reads the snapshot at `path` if there is one and it matches `db`.
async fn read(db: &Database, path: &Path) -> Result<Option<(Stamp, Dataset)>, Error> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let mut input = BufReader::with_capacity(1 << 20, file);
    let stamp = Dataset::read_snapshot_stamp(&mut input)?;
    let current = db.snapshot_stamp().await?;
    if let Some(why) = mismatch(&stamp, &current) {
        tracing::info!(path = %path.display(), why, "not using the dataset snapshot: loading from the database");
        return Ok(None);
    }
    let data = tokio::task::spawn_blocking(move || Dataset::read_snapshot_data(&mut input)).await??;
    Ok(Some((stamp, data)))
}

/// Writes `data` with `stamp` to `path`, through a temporary file renamed into place, so a
/// reader never sees half a snapshot.
fn write(path: &Path, stamp: &Stamp, data: &Dataset) -> Result<(), Error> {
    let started = Instant::now();
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&temporary)?);
    data.write_snapshot(stamp, &mut out)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&temporary, path)?;
    tracing::info!(
        path = %path.display(),
        signals = stamp.signals,
        history_position = stamp.history_position,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "dataset snapshot written"
    );
    Ok(())
}

fn stamp_of(data: &Dataset, installation: String, history_position: i64) -> Stamp {
    Stamp {
        installation,
        history_position,
        signals: data.signals.len() as i64,
        newest_signal_id: data.signals.id.iter().copied().max().unwrap_or(0),
        intake: data.intake_fingerprint(),
    }
}

impl Engine {
    /// Loads the dataset from the snapshot at `snapshot` when it matches the database and
    /// applies the history committed after it; otherwise loads every row from the database and
    /// writes a new snapshot there in the background.
    pub async fn open(db: Database, snapshot: Option<PathBuf>) -> Result<Engine, storage::StorageError> {
        if let Some(path) = &snapshot {
            let started = Instant::now();
            match read(&db, path).await {
                Ok(Some((stamp, data))) => {
                    let engine = Engine::holding(db, data, stamp.history_position);
                    let applied = engine.catch_up().await?;
                    tracing::info!(
                        path = %path.display(),
                        signals = stamp.signals,
                        applied,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "dataset read from its snapshot"
                    );
                    return Ok(engine);
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(path = %path.display(), %error, "cannot read the dataset snapshot: loading from the database"),
            }
        }
        let engine = Engine::load(db).await?;
        if let Some(path) = snapshot {
            let installation = engine.database().installation().await?;
            let data = engine.snapshot();
            let stamp = stamp_of(&data, installation, engine.feed_position.load(Ordering::SeqCst));
            tokio::task::spawn_blocking(move || {
                if let Err(error) = write(&path, &stamp, &data) {
                    tracing::warn!(path = %path.display(), %error, "cannot write the dataset snapshot");
                }
            });
        }
        Ok(engine)
    }

    /// Applies everything committed so far, then writes the snapshot (when the server stops).
    pub async fn save_snapshot(&self, path: &Path) -> Result<(), Error> {
        self.catch_up().await?;
        let _writing = self.write_lock().await;
        let installation = self.database().installation().await?;
        let data = self.snapshot();
        let stamp = stamp_of(&data, installation, self.feed_position());
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || write(&path, &stamp, &data)).await?
    }
}
