//! The `signalboard` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use storage::Database;

use crate::startup::{Application, DemoSize, Settings};
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

    /// Do not write the demo dataset into an empty database.
    #[arg(long, env = "SIGNALBOARD_NO_DEMO")]
    pub no_demo: bool,
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        addr: args.addr,
        database_url: args.database.database_url,
        site_root: args.site_root.unwrap_or_else(Settings::default_site_root),
        demo_when_empty: (!args.no_demo).then_some(DemoSize::SERVE_DEFAULT),
    };
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    Ok(())
}

async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    let db = Database::open(&args.database.database_url).await?;
    let size = DemoSize { signals: args.signals, days: args.days, seed: args.seed };
    let started = std::time::Instant::now();
    crate::startup::seed_demo(&db, size).await?;
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
