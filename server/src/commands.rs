//! The command line's data commands: `keys`, `ingest` and `intel` (docs/product.md §7).

use std::io::Write as _;
use std::path::Path;

use analytics::dataset::{AssetType, HistoryEntry};
use app::contract::KeyScope;
use ingest::body::{self, Limits};
use ingest::enrich;
use storage::Database;

use crate::auth::now_ms;
use crate::cli::{IngestArgs, IntelCommand, KeysCommand, RulesCommand};
use crate::intake::{Intake, Receipt};

/// The service account an ingest-only key acts as unless told otherwise.
const SHIPPER_ACCOUNT: &str = "shipper";

/// Events committed per transaction when replaying files.
const REPLAY_BATCH: usize = 5_000;

pub(crate) async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create(args) => {
            let name = app::contract::ApiKeyRequest { name: args.name.clone(), user_id: None, scopes: args.scopes.clone() }
                .check()
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .to_owned();
            let mut scopes = args.scopes.clone();
            scopes.sort();
            scopes.dedup();
            let db = Database::open(&args.database.database_url).await?;
            let owner = match &args.user {
                Some(username) => {
                    db.account_by_username(username).await?.ok_or_else(|| anyhow::anyhow!("--user: there is no user '{username}'"))?
                }
                None if scopes == [KeyScope::Ingest] => match db.account_by_username(SHIPPER_ACCOUNT).await? {
                    Some(account) => account,
                    None => {
                        let account = storage::NewAccount {
                            username: SHIPPER_ACCOUNT,
                            display_name: "Log shippers",
                            email: None,
                            role: analytics::Role::Viewer,
                            password_hash: None,
                            must_change_password: false,
                            service: true,
                        };
                        db.create_account(&account, now_ms()).await?
                    }
                },
                None => anyhow::bail!("--user: a key that can read or write acts as an account and its role; name it"),
            };
            if !owner.active {
                anyhow::bail!("--user: {} is deactivated", owner.username);
            }
            let key = crate::auth::new_api_key();
            let now = now_ms();
            let entry = HistoryEntry {
                at_ms: now,
                actor_id: None,
                asset_type: AssetType::User,
                asset_id: owner.id.to_string(),
                action: "api_key_created".to_owned(),
                old_value: None,
                new_value: Some(name.clone()),
                reason: None,
                comment: Some("from the command line".to_owned()),
                api_key_id: None,
            };
            let joined = KeyScope::join(&scopes);
            let (id, _) = db.create_api_key(&name, &crate::auth::secret_hash(&key), owner.id, owner.id, &joined, now, vec![entry]).await?;
            println!("created API key {id} '{name}' (scopes: {joined}), acting as {}", owner.username);
            println!("key (shown once): {key}");
            db.close().await;
        }
        KeysCommand::List(args) => {
            let db = Database::open(&args.database_url).await?;
            for key in db.api_keys().await? {
                println!(
                    "{:>4}  {:<24} {:<18} user {:<4} {}",
                    key.id,
                    key.name,
                    key.scopes,
                    key.user_id,
                    if key.revoked_at_ms.is_some() { "revoked" } else { "active" }
                );
            }
            db.close().await;
        }
    }
    Ok(())
}

/// Replays files into the database with a progress line and a summary; a file that cannot be
/// read is refused whole (and named), the others still go in.
pub(crate) async fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    let source = ingest::sources::source(&args.source).map_err(|e| anyhow::anyhow!("--source: {e}"))?;
    let db = Database::open(&args.database.database_url).await?;
    let intake = Intake::open(db.clone(), None, &args.intake.settings()).await?;
    // Files are the operator's own: read whole, however large.
    let limits = Limits { max_body: usize::MAX / 2, max_event: args.intake.max_event_bytes };
    let started = std::time::Instant::now();
    let mut total = Receipt { source: source.id.to_owned(), ..Receipt::default() };
    let mut refused_events = 0usize;
    let mut refused_files = Vec::new();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    for (n, path) in args.files.iter().enumerate() {
        let events = match read_file(path, source.records_key, limits) {
            Ok(events) => events,
            Err((lines, reason)) => {
                eprintln!("{}: refused: {reason}", path.display());
                refused_events += lines;
                refused_files.push(path.display().to_string());
                continue;
            }
        };
        let count = events.len();
        let mut done = 0;
        let mut events = events.into_iter();
        loop {
            let chunk: Vec<_> = events.by_ref().take(REPLAY_BATCH).collect();
            if chunk.is_empty() {
                break;
            }
            done += chunk.len();
            let receipt = intake.ingest(source, chunk).await?;
            total.accepted += receipt.accepted;
            total.duplicates += receipt.duplicates;
            total.signals += receipt.signals;
            total.grouped += receipt.grouped;
            progress(tty, n + 1, args.files.len(), path, done, count);
        }
        if !tty {
            eprintln!("{}: {count} event{}", path.display(), if count == 1 { "" } else { "s" });
        }
    }
    if tty {
        eprintln!();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} events new, {} duplicates, {} refused, {} signals created, {} added to open signals ({} files in {:.2} s)",
        total.accepted,
        total.duplicates,
        refused_events,
        total.signals,
        total.grouped,
        args.files.len(),
        seconds
    );
    db.close().await;
    if !refused_files.is_empty() {
        anyhow::bail!("{} of {} files refused: {}", refused_files.len(), args.files.len(), refused_files.join(", "));
    }
    Ok(())
}

/// A file's events, or (its lines, why it was refused).
fn read_file(path: &Path, records_key: Option<&str>, limits: Limits) -> Result<Vec<body::Event>, (usize, String)> {
    let bytes = std::fs::read(path).map_err(|e| (0, format!("cannot read it: {e}")))?;
    let lines = bytes.split(|&b| b == b'\n').filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).count();
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    let plain = body::decompress(&bytes, gzip, limits).map_err(|e| (lines, e.to_string()))?;
    body::events(&plain, records_key, limits).map_err(|e| (lines, e.to_string()))
}

fn progress(tty: bool, file: usize, files: usize, path: &Path, done: usize, count: usize) {
    if !tty {
        return;
    }
    const WIDTH: usize = 30;
    let filled = if count == 0 { WIDTH } else { done * WIDTH / count };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    eprint!("\r[{}{}] file {file}/{files} {name}: {done}/{count} events\x1b[K", "#".repeat(filled), "-".repeat(WIDTH - filled));
    let _ = std::io::stderr().flush();
}

pub(crate) async fn intel(command: IntelCommand) -> anyhow::Result<()> {
    match command {
        IntelCommand::Import(args) => {
            let text = std::fs::read_to_string(&args.file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.file.display()))?;
            let networks = enrich::parse_list(&text).map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
            let name = match &args.name {
                Some(name) => name.trim().to_owned(),
                None => args.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "list".to_owned()),
            };
            check_list_name(&name)?;
            let db = Database::open(&args.database.database_url).await?;
            let texts: Vec<String> = networks.iter().map(enrich::Network::to_text).collect();
            let id = db.import_intel_list(&name, args.category, args.subcategory, args.intention, &texts, now_ms()).await?;
            println!("imported '{name}' (list {id}): {} addresses and networks, {}", texts.len(), args.category.as_str());
            db.close().await;
        }
        IntelCommand::List(args) => {
            let db = Database::open(&args.database_url).await?;
            for list in db.intel_lists().await? {
                println!(
                    "{:>4}  {:<32} {:>8} entries  {}{}  {}",
                    list.id,
                    list.name,
                    list.networks,
                    list.category.as_str(),
                    list.subcategory.map(|s| format!("/{}", s.as_str())).unwrap_or_default(),
                    list.intention.as_str()
                );
            }
            db.close().await;
        }
        IntelCommand::Remove(args) => {
            let db = Database::open(&args.database.database_url).await?;
            let list = db.intel_lists().await?.into_iter().find(|l| l.name == args.name);
            let list = list.ok_or_else(|| anyhow::anyhow!("--name: there is no list '{}'", args.name))?;
            db.delete_intel_list(list.id).await?;
            println!("removed '{}'", list.name);
            db.close().await;
        }
    }
    Ok(())
}

/// A list name: 1 to 100 printable characters.
pub(crate) fn check_list_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        anyhow::bail!("name: give the list a name of 1 to 100 printable characters");
    }
    Ok(())
}

pub(crate) async fn rules(command: RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Import(args) => {
            let paths = args.paths.clone();
            let files = tokio::task::spawn_blocking(move || ingest::sigma::read_paths(&paths)).await??;
            let db = Database::open(&args.database.database_url).await?;
            let report = crate::rules::import(&db, &files, args.disabled, now_ms()).await?;
            for line in report.lines() {
                println!("{line}");
            }
            if args.verbose {
                for (file, title, why) in &report.skipped_documents {
                    println!("  {file}: {title}: {why}");
                }
            }
            db.close().await;
        }
        RulesCommand::List(args) => {
            let db = Database::open(&args.database_url).await?;
            for rule in db.stored_rules().await? {
                println!(
                    "{:<38} {:<8} {:<8} {:<20} {}{}",
                    rule.id,
                    if rule.enabled { "enabled" } else { "disabled" },
                    rule.severity.as_str(),
                    rule.log_source_id,
                    rule.name,
                    rule.problem.map(|p| format!("  ({p})")).unwrap_or_default()
                );
            }
            db.close().await;
        }
    }
    Ok(())
}
