//! The `signalboard` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use storage::Database;

use crate::startup::{Application, DemoSize, Settings, SnapshotPlace};
use crate::telemetry;

/// Signalboard: a Cloud SIEM overview for security operations centres.
///
/// Without a subcommand, `signalboard` serves the web app (the same as `signalboard serve`).
/// Data lives in SQLite by default (a file under ./data/, created on first start); a
/// `postgres://` database URL selects PostgreSQL. Migrations are applied at start-up.
#[derive(Debug, Parser)]
#[command(name = "signalboard", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (the default).
    Serve(ServeArgs),
    /// Apply any pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Fill an empty database with a realistic, deterministic demo dataset ending now.
    Seed(SeedArgs),
    /// Manage accounts (the first admin is created here).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage API keys (a shipper's ingest key is created here or on the Admin page).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Replay log files (plain or gzipped; JSON, NDJSON or CloudTrail's {"Records": [...]}) into
    /// the database, as if a shipper had sent them. Run it with the server stopped (SQLite), or
    /// send to the running server's /api/v1/logs instead.
    Ingest(IngestArgs),
    /// Threat-intelligence lists: addresses and networks whose activity raises a signal.
    #[command(subcommand)]
    Intel(IntelCommand),
    /// Detection rules: Sigma rules imported from files and folders.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Import Sigma rules (files, or folders read recursively for *.yml and *.yaml). A rule
    /// already there (same Sigma id) is updated in place; new rules are enabled unless
    /// --disabled; rules whose log source is not ingested, or that the evaluator cannot run,
    /// are imported disabled with the reason. A running server picks them up within 30 s.
    Import(RulesImportArgs),
    /// List the rules: id, enabled, severity, log source, title.
    List(DatabaseArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RulesImportArgs {
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Import new rules disabled.
    #[arg(long)]
    pub disabled: bool,
    /// Also list every skipped document with its reason.
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key; it is printed once and never again.
    Create(CreateKeyArgs),
    /// List the API keys (never the keys themselves).
    List(DatabaseArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CreateKeyArgs {
    /// A name saying where the key is used (`vector`, `fluent-bit`, `ci`).
    #[arg(long)]
    pub name: String,
    /// What the key may do: read, write, ingest; repeat or comma-separate for several.
    #[arg(long = "scope", value_delimiter = ',', required = true, value_parser = parse_scope)]
    pub scopes: Vec<app::contract::KeyScope>,
    /// The account the key acts as [default for an ingest-only key: the service account
    /// `shipper`, created when missing]. A read or write key needs one.
    #[arg(long)]
    pub user: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn parse_scope(value: &str) -> Result<app::contract::KeyScope, String> {
    app::contract::KeyScope::parse(value)
}

#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    /// The files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The log source they are from (cloudtrail, okta, github-audit, gcp-audit, azure-activity,
    /// kubernetes-audit, json).
    #[arg(long)]
    pub source: String,
    #[command(flatten)]
    pub intake: IntakeArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// The intake's enrichment databases and limits (shared by `serve` and `ingest`).
#[derive(Debug, Clone, Args)]
pub struct IntakeArgs {
    /// A MaxMind-format City or Country database (GeoLite2-City, DB-IP City Lite, …) for the
    /// country, region and city of source IPs.
    #[arg(long, env = "SIGNALBOARD_GEOIP_CITY")]
    pub geoip_city: Option<PathBuf>,
    /// A MaxMind-format ASN or ISP database (GeoLite2-ASN, DB-IP ASN Lite, …) for the network
    /// owner of source IPs.
    #[arg(long, env = "SIGNALBOARD_GEOIP_ASN")]
    pub geoip_asn: Option<PathBuf>,
    /// The largest body a shipper may send, compressed and again decompressed (bytes).
    #[arg(long, env = "SIGNALBOARD_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// The largest single event (bytes); a larger one refuses its batch, naming its line.
    #[arg(long, env = "SIGNALBOARD_MAX_EVENT_BYTES", default_value_t = 1024 * 1024)]
    pub max_event_bytes: usize,
}

impl IntakeArgs {
    pub fn settings(&self) -> crate::intake::IntakeSettings {
        crate::intake::IntakeSettings {
            geoip_city: self.geoip_city.clone(),
            geoip_asn: self.geoip_asn.clone(),
            limits: ingest::body::Limits { max_body: self.max_body_bytes, max_event: self.max_event_bytes },
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum IntelCommand {
    /// Import a list (plain text or CSV of IPs and CIDR networks; a list of the same name is
    /// replaced).
    Import(IntelImportArgs),
    /// List the imported lists.
    List(DatabaseArgs),
    /// Remove a list.
    Remove(IntelRemoveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct IntelImportArgs {
    pub file: PathBuf,
    /// anonymizer, scanner, malware or botnet.
    #[arg(long, value_parser = |v: &str| analytics::model::ThreatCategory::parse(v).map_err(|e| e.to_string()))]
    pub category: analytics::model::ThreatCategory,
    /// proxy, tor or vpn (for anonymizers).
    #[arg(long, value_parser = |v: &str| analytics::model::ThreatSubcategory::parse(v).map_err(|e| e.to_string()))]
    pub subcategory: Option<analytics::model::ThreatSubcategory>,
    /// malicious or unknown.
    #[arg(long, default_value = "unknown", value_parser = |v: &str| analytics::model::ThreatIntention::parse(v).map_err(|e| e.to_string()))]
    pub intention: analytics::model::ThreatIntention,
    /// The list's name [default: the file's name without its extension].
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct IntelRemoveArgs {
    /// The list's name.
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account. Without --password-stdin a password is generated and printed once.
    Create(CreateUserArgs),
    /// Set a new password for an account (generated and printed once without --password-stdin).
    SetPassword(SetPasswordArgs),
    /// List the accounts.
    List(DatabaseArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CreateUserArgs {
    #[arg(long)]
    pub username: String,
    /// viewer, analyst or admin.
    #[arg(long, value_parser = parse_role)]
    pub role: analytics::Role,
    /// The name shown in the app [default: the username].
    #[arg(long)]
    pub display_name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SetPasswordArgs {
    #[arg(long)]
    pub username: String,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

fn parse_role(value: &str) -> Result<analytics::Role, String> {
    analytics::Role::parse(value).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// How many signals to generate.
    #[arg(long, default_value_t = 20_000)]
    pub signals: usize,
    /// The random seed: the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How many days the data spans, ending now.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,
    /// Print the demo accounts' passwords even when standard output is not a terminal.
    #[arg(long)]
    pub print_demo_passwords: bool,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; port 0 picks a free port.
    #[arg(long, env = "SIGNALBOARD_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Folder holding the built browser bundle (pkg/) and assets [default: target/site, or
    /// ../site beside the executable]
    #[arg(long, env = "LEPTOS_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// Do not write the demo dataset into an empty database (a real deployment). A database
    /// that already has accounts never gets the demo.
    #[arg(long, env = "SIGNALBOARD_NO_DEMO", conflicts_with = "demo")]
    pub no_demo: bool,

    /// Write the demo dataset into an empty database (the default; say it to be explicit).
    #[arg(long)]
    pub demo: bool,

    /// Print the demo accounts' passwords even when standard output is not a terminal.
    #[arg(long)]
    pub print_demo_passwords: bool,

    /// Let the workflow webhook reach loopback, private and link-local addresses (a receiver
    /// on the same network); by default only public addresses are reached.
    #[arg(long, env = "SIGNALBOARD_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,

    /// A PEM file of CA certificates to trust, besides the public ones, for an HTTPS webhook
    /// receiver with an internal certificate.
    #[arg(long, env = "SIGNALBOARD_WEBHOOK_CA_FILE")]
    pub webhook_ca_file: Option<PathBuf>,

    /// Behind a reverse proxy: count failed sign-ins by the address in X-Forwarded-For (the
    /// proxy must set it and drop the client's own).
    #[arg(long, env = "SIGNALBOARD_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Where to keep the dataset's snapshot, read at start-up instead of loading every row when
    /// it matches the database [default: beside a SQLite file as FILE.snapshot; none on
    /// PostgreSQL]
    #[arg(long, env = "SIGNALBOARD_SNAPSHOT", conflicts_with = "no_snapshot")]
    pub snapshot: Option<PathBuf>,

    /// Keep no snapshot: always load the dataset from the database.
    #[arg(long, env = "SIGNALBOARD_NO_SNAPSHOT")]
    pub no_snapshot: bool,

    #[command(flatten)]
    pub intake: IntakeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database to use: sqlite://PATH (created when missing) or postgres://USER@HOST:PORT/DB.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        default_value = storage::DEFAULT_DATABASE_URL
    )]
    pub database_url: String,
}

/// Runs the parsed command line; errors are printed and turned into a failing exit code.
pub async fn run(cli: Cli) -> ExitCode {
    telemetry::init();
    let outcome = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Migrate(args)) => migrate(args).await,
        Some(Command::Seed(args)) => seed(args).await,
        Some(Command::Users(command)) => users(command).await,
        Some(Command::Keys(command)) => crate::commands::keys(command).await,
        Some(Command::Ingest(args)) => crate::commands::ingest(args).await,
        Some(Command::Intel(command)) => crate::commands::intel(command).await,
        Some(Command::Rules(command)) => crate::commands::rules(command).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The password to set: the first line of standard input, or a generated one (printed once).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        crate::auth::check_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok((password, false))
    } else {
        Ok((crate::auth::generate_password(), true))
    }
}

async fn users(command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::Create(args) => {
            app::contract::check_username(&args.username).map_err(|e| anyhow::anyhow!("{e}"))?;
            let (password, generated) = password(args.password_stdin)?;
            let db = Database::open(&args.database.database_url).await?;
            let hash = crate::auth::hash_password(&password)?;
            let account = db
                .create_account(
                    &storage::NewAccount {
                        username: &args.username,
                        display_name: args.display_name.as_deref().unwrap_or(&args.username),
                        email: args.email.as_deref(),
                        role: args.role,
                        password_hash: Some(&hash),
                        must_change_password: false,
                        service: false,
                    },
                    crate::auth::now_ms(),
                )
                .await?;
            println!("created {} ({}, id {})", account.username, account.role, account.id);
            if generated {
                println!("password (shown once): {password}");
            }
            db.close().await;
        }
        UsersCommand::SetPassword(args) => {
            let (password, generated) = password(args.password_stdin)?;
            let db = Database::open(&args.database.database_url).await?;
            let account = db
                .account_by_username(&args.username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no user '{}'", args.username))?;
            // Whoever held the old password is signed out everywhere.
            db.set_password_hash(account.id, &crate::auth::hash_password(&password)?, false).await?;
            println!("password set for {} (its sessions have ended)", account.username);
            if generated {
                println!("password (shown once): {password}");
            }
            db.close().await;
        }
        UsersCommand::List(args) => {
            let db = Database::open(&args.database_url).await?;
            for a in db.accounts().await? {
                println!(
                    "{:>4}  {:<24} {:<8} {}{}",
                    a.id,
                    a.username,
                    a.role.as_str(),
                    if a.active { "active" } else { "deactivated" },
                    if a.password_hash.is_some() { "" } else { ", cannot sign in" }
                );
            }
            db.close().await;
        }
    }
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let first_admin = match (std::env::var("SIGNALBOARD_ADMIN_USERNAME"), std::env::var("SIGNALBOARD_ADMIN_PASSWORD")) {
        (Ok(user), Ok(password)) if !user.is_empty() => Some((user, password)),
        _ => None,
    };
    let settings = Settings {
        first_admin,
        trust_proxy: args.trust_proxy,
        snapshot: match (args.no_snapshot, args.snapshot) {
            (true, _) => SnapshotPlace::Off,
            (false, Some(path)) => SnapshotPlace::At(path),
            (false, None) => SnapshotPlace::BesideDatabase,
        },
        addr: args.addr,
        database_url: args.database.database_url,
        site_root: args.site_root.unwrap_or_else(Settings::default_site_root),
        demo_when_empty: (!args.no_demo).then_some(DemoSize::SERVE_DEFAULT),
        print_demo_passwords: args.print_demo_passwords,
        webhook: crate::webhook::Policy { allow_private: args.allow_private_webhooks, ca_file: args.webhook_ca_file },
        intake: args.intake.settings(),
    };
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    Ok(())
}

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database.database_url).await?;
    let size = DemoSize { signals: args.signals, days: args.days, seed: args.seed };
    let started = std::time::Instant::now();
    let accounts = crate::startup::seed_demo(&db, size).await?;
    crate::startup::print_demo_accounts(&accounts, args.print_demo_passwords);
    println!(
        "wrote {} signals over {} days (seed {}) in {:.1} s",
        args.signals,
        args.days,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    db.close().await;
    Ok(())
}

async fn migrate(args: DatabaseArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database_url).await?;
    let applied = db.applied_migrations().await?;
    tracing::info!(
        backend = db.backend().as_str(),
        applied = applied.len(),
        "database schema is up to date"
    );
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_and_takes_the_same_flags() {
        let bare = Cli::try_parse_from(["signalboard", "--addr", "127.0.0.1:4000"]).unwrap();
        assert!(bare.command.is_none());
        assert_eq!(bare.serve.addr, "127.0.0.1:4000".parse().unwrap());

        let explicit = Cli::try_parse_from([
            "signalboard",
            "serve",
            "--database-url",
            "postgres://sb@127.0.0.1/sb",
        ])
        .unwrap();
        match explicit.command {
            Some(Command::Serve(args)) => {
                assert_eq!(args.database.database_url, "postgres://sb@127.0.0.1/sb")
            }
            other => panic!("expected serve, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_address_is_refused_with_the_flag_named() {
        let err = Cli::try_parse_from(["signalboard", "serve", "--addr", "nowhere"]).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("--addr"), "{message}");
        assert!(message.contains("nowhere"), "{message}");
    }
}
