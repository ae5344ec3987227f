//! Building the application from its settings, and running it until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use app::{shell, App, BUNDLE_NAME};
use axum::routing::{get, post};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use storage::Database;
use tokio::net::TcpListener;

use app::engine::Engine;

use crate::state::AppState;
use crate::{auth, health, routes, telemetry};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    /// Folder holding `pkg/` (the browser bundle) and the public assets.
    pub site_root: PathBuf,
    /// Fill an empty database (no data and no accounts) with this demo dataset before serving.
    pub demo_when_empty: Option<DemoSize>,
    /// Print the demo accounts' passwords even when standard output is not a terminal.
    pub print_demo_passwords: bool,
    /// Where the workflow webhook may post (see [`crate::webhook`]).
    pub webhook: crate::webhook::Policy,
    /// Create this admin (username, password) on start unless the username exists
    /// (`SIGNALBOARD_ADMIN_USERNAME` and `SIGNALBOARD_ADMIN_PASSWORD`).
    pub first_admin: Option<(String, String)>,
    /// Take the client address for sign-in throttling from `X-Forwarded-For` (behind a proxy).
    pub trust_proxy: bool,
    /// Where the dataset's snapshot is kept (docs/product.md §6).
    pub snapshot: SnapshotPlace,
    /// The intake's IP databases and limits (docs/product.md §7).
    pub intake: crate::intake::IntakeSettings,
}

/// Where the dataset's snapshot is kept: read at start-up when it matches the database, written
/// after a full load and when the server stops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SnapshotPlace {
    /// Beside a SQLite database file (`FILE.snapshot`); none on PostgreSQL.
    #[default]
    BesideDatabase,
    At(PathBuf),
    /// None: always load from the database.
    Off,
}

impl SnapshotPlace {
    pub fn path(&self, db: &Database) -> Option<PathBuf> {
        match self {
            SnapshotPlace::BesideDatabase => db.sqlite_file().map(|file| {
                let mut name = file.into_os_string();
                name.push(".snapshot");
                PathBuf::from(name)
            }),
            SnapshotPlace::At(path) => Some(path.clone()),
            SnapshotPlace::Off => None,
        }
    }
}

/// The size of a demo dataset.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub signals: usize,
    pub days: u32,
    pub seed: u64,
}

impl DemoSize {
    /// What `serve` seeds an empty database with: about 20,000 signals over 30 days.
    pub const SERVE_DEFAULT: DemoSize = DemoSize { signals: 20_000, days: 30, seed: 42 };
}

/// A demo account that can sign in, with its password (shown once).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: analytics::Role,
    pub password: String,
}

/// The demo team members who can sign in: the first of each role.
async fn demo_accounts(db: &Database) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = db.accounts().await?;
    accounts.sort_by_key(|a| a.id);
    let mut out = Vec::new();
    for role in [analytics::Role::Admin, analytics::Role::Analyst, analytics::Role::Viewer] {
        if let Some(account) = accounts.iter().find(|a| a.role == role && a.active) {
            let password = crate::auth::generate_password();
            db.set_password_hash(account.id, &crate::auth::hash_password_async(password.clone()).await?, false).await?;
            out.push(DemoAccount { username: account.username.clone(), role, password });
        }
    }
    Ok(out)
}

/// Prints the demo accounts' passwords (the only time they are shown) when standard output is
/// a terminal or `always` asks for them; otherwise says how to set them, so passwords never
/// land in a log file or a service manager's journal by accident.
pub fn print_demo_accounts(accounts: &[DemoAccount], always: bool) {
    use std::io::IsTerminal;
    if accounts.is_empty() {
        return;
    }
    if !always && !std::io::stdout().is_terminal() {
        println!(
            "Demo accounts {} can sign in; their passwords are not printed because standard output is not a terminal \
             (use --print-demo-passwords, or `signalboard users set-password --username NAME`).",
            accounts.iter().map(|a| a.username.as_str()).collect::<Vec<_>>().join(", ")
        );
        return;
    }
    println!("Demo accounts (passwords are shown only now; `signalboard users set-password` sets new ones):");
    for a in accounts {
        println!("  {:<8} {:<16} {}", a.role.as_str(), a.username, a.password);
    }
}

/// Fills an empty database with demo data ending now, with one account per role that can sign
/// in; refuses a database that holds data.
pub async fn seed_demo(db: &Database, size: DemoSize) -> anyhow::Result<Vec<DemoAccount>> {
    if !db.is_empty().await? {
        anyhow::bail!("the database already holds data; demo data is only written to an empty database");
    }
    let accounts = db.accounts().await?;
    if !accounts.is_empty() {
        anyhow::bail!(
            "the database already has accounts ({}); demo data, which brings its own team, is only written to a database without any",
            accounts.iter().take(3).map(|a| a.username.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let started = std::time::Instant::now();
    let params = analytics::demo::DemoParams {
        signals: size.signals,
        seed: size.seed,
        days: size.days,
        now_ms: chrono::Utc::now().timestamp_millis(),
    };
    let data = tokio::task::spawn_blocking(move || analytics::demo::generate(params)).await?;
    let generated = started.elapsed();
    db.save_dataset(&data).await?;
    tracing::info!(
        signals = size.signals,
        days = size.days,
        seed = size.seed,
        generate_ms = generated.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "demo data written"
    );
    demo_accounts(db).await
}

impl Settings {
    /// `target/site` when run from the workspace, else `../site` beside the executable (where
    /// cargo-leptos puts it relative to `target/<profile>/signalboard`).
    pub fn default_site_root() -> PathBuf {
        let in_workspace = PathBuf::from("target/site");
        if in_workspace.is_dir() {
            return in_workspace;
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().and_then(Path::parent).map(|dir| dir.join("site")))
            .filter(|dir| dir.is_dir())
            .unwrap_or(in_workspace)
    }
}

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
    engine: Arc<Engine>,
    intake: Arc<crate::intake::Intake>,
    snapshot: Option<PathBuf>,
}

impl Application {
    /// Opens the database (applying migrations) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // Before anything reports (loading the data sets the engine's gauges).
        telemetry::install_metrics();
        let db = Database::open(&settings.database_url).await.with_context(|| {
            format!(
                "cannot open the database at {}",
                storage::redact(&settings.database_url)
            )
        })?;
        Self::with_database(settings, db).await
    }

    /// Builds on a database that is already open and migrated.
    pub async fn with_database(settings: Settings, db: Database) -> anyhow::Result<Self> {
        // The demo is for a first look: only a database with neither data nor accounts gets it.
        // One with accounts is a real deployment being set up (`users create` came first), and
        // starts empty.
        if let Some(size) = settings.demo_when_empty {
            if db.is_empty().await? {
                if db.accounts().await?.is_empty() {
                    tracing::warn!(
                        signals = size.signals,
                        "DEMO MODE: empty database, writing the demo dataset and demo accounts; start with --no-demo for a real deployment"
                    );
                    let accounts = seed_demo(&db, size).await?;
                    print_demo_accounts(&accounts, settings.print_demo_passwords);
                } else {
                    tracing::info!("the database has accounts but no data: starting without the demo dataset");
                }
            }
        }
        if let Some((username, password)) = &settings.first_admin {
            if db.account_by_username(username).await?.is_none() {
                app::contract::check_username(username).map_err(|e| anyhow::anyhow!("SIGNALBOARD_ADMIN_USERNAME: {e}"))?;
                crate::auth::check_password(password).map_err(|e| anyhow::anyhow!("SIGNALBOARD_ADMIN_PASSWORD: {e}"))?;
                let hash = crate::auth::hash_password_async(password.clone()).await?;
                db.create_account(
                    &storage::NewAccount {
                        username,
                        display_name: username,
                        email: None,
                        role: analytics::Role::Admin,
                        password_hash: Some(&hash),
                        must_change_password: false,
                        service: false,
                    },
                    crate::auth::now_ms(),
                )
                .await?;
                tracing::info!(%username, "created the first admin from the environment");
            }
        }
        if db.count_sign_in_accounts().await? == 0 {
            tracing::warn!("no account can sign in yet: create the first admin with `signalboard users create --username NAME --role admin`");
        }
        let snapshot = settings.snapshot.path(&db);
        let engine = Arc::new(Engine::open(db.clone(), snapshot.clone()).await.context("cannot load the data")?);
        let intake = Arc::new(crate::intake::Intake::open(db.clone(), Some(engine.clone()), &settings.intake).await?);
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let addr = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name(BUNDLE_NAME)
            .site_root(settings.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let state = AppState {
            leptos_options,
            db: db.clone(),
            engine,
            intake: intake.clone(),
            sessions: Default::default(),
            trust_proxy: settings.trust_proxy,
            webhook: settings.webhook.clone(),
        };
        tracing::info!(
            backend = db.backend().as_str(),
            site_root = %settings.site_root.display(),
            "listening on http://{addr}"
        );
        let engine = state.engine.clone();
        Ok(Application {
            listener,
            router: router(state),
            db,
            engine,
            intake,
            snapshot,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The in-memory data the server answers from.
    pub fn engine(&self) -> Arc<Engine> {
        self.engine.clone()
    }

    /// Serves until SIGINT or SIGTERM, lets in-flight requests finish, then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then drains and closes like a signal would.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        // Expired sessions and aged-out failed sign-ins are forgotten every hour.
        let db = self.db.clone();
        let pruner = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3_600));
            loop {
                every.tick().await;
                let now = crate::auth::now_ms();
                if let Err(error) = db.prune_sessions(now, now - crate::auth::SESSION_IDLE_MS, now - crate::auth::FAILURE_WINDOW_MS).await {
                    tracing::warn!(%error, "cannot prune expired sessions");
                }
            }
        });
        // On PostgreSQL, other instances' changes are applied here as they commit.
        let follower = tokio::spawn(self.engine.clone().follow());
        // Pack health follows the sources' freshness; imported intel lists reach the intake.
        let watcher = tokio::spawn(self.intake.clone().watch(INTAKE_WATCH));
        let served = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await;
        pruner.abort();
        follower.abort();
        watcher.abort();
        served?;
        if let Some(path) = &self.snapshot {
            if let Err(error) = self.engine.save_snapshot(path).await {
                tracing::warn!(path = %path.display(), %error, "cannot write the dataset snapshot");
            }
        }
        self.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every route: the health check, the Leptos pages, and the static bundle as the fallback.
pub fn router(state: AppState) -> Router {
    telemetry::install_metrics();
    let routes = generate_route_list(App);
    let context_db = state.db.clone();
    let engine = state.engine.clone();
    let shell_options = state.leptos_options.clone();
    let health_db = state.db.clone();
    // The bundle and the map, compressed once at build time (`end2end/scripts/precompress.mjs`)
    // at settings too slow for on-the-fly compression; without those files, the originals are
    // compressed on the fly like everything else.
    let site_root = std::path::PathBuf::from(state.leptos_options.site_root.to_string());
    let bundle = tower_http::services::ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let world = tower_http::services::ServeFile::new(site_root.join("world.svg"))
        .precompressed_br()
        .precompressed_gzip();
    // The pages (and the server functions they call), each page rendered off the async workers.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                crate::security::page_policy();
                provide_context(context_db.clone());
                provide_context(engine.clone());
            },
            move || shell(shell_options.clone()),
        )
        .route_layer(axum::middleware::from_fn(crate::pages::render_off_workers));
    let app = Router::new()
        .nest_service("/pkg", bundle)
        .route_service("/world.svg", world)
        .route("/login", post(auth::sign_in))
        .route("/logout", post(auth::sign_out))
        .route("/account/password", post(auth::change_password))
        .route("/metrics", get(telemetry::metrics))
        .merge(routes::router())
        .merge(pages)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Everything but the sign-in page, the health check and static files needs a session.
        .layer(axum::middleware::from_fn_with_state(
            auth::Guard { db: state.db.clone(), sessions: state.sessions.clone(), trust_proxy: state.trust_proxy },
            auth::require_session,
        ))
        // No cross-site write gets as far as the session check.
        .layer(axum::middleware::from_fn_with_state(
            crate::security::SameOrigin { trust_proxy: state.trust_proxy },
            crate::security::same_origin,
        ))
        // However many requests arrive, at most this many are worked on at once (the rest
        // wait their turn), and none takes longer than a minute to answer.
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT_REQUESTS))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .with_state(state);
    Router::new()
        // The health check stays outside the limits: it answers while everything else queues.
        .route("/healthz", get(health::healthz))
        .with_state(health_db)
        .merge(app)
        .layer(axum::middleware::from_fn(crate::security::headers))
        // Pages, JSON and the wasm bundle shrink several times over (the bundle 865 KB -> 320 KB).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn(telemetry::log_request))
}

/// How often pack health is judged and the intel lists read again.
const INTAKE_WATCH: std::time::Duration = std::time::Duration::from_secs(30);

/// Requests worked on at once (see [`router`]).
pub const MAX_CONCURRENT_REQUESTS: usize = 256;
/// The longest a request may take to start its answer (a streamed export continues after).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => tracing::info!("interrupted; finishing in-flight requests"),
        () = terminate => tracing::info!("terminated; finishing in-flight requests"),
    }
}
