//! Building the application from its settings, and running it until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use app::{shell, App, BUNDLE_NAME};
use axum::extract::FromRef;
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use storage::Database;
use tokio::net::TcpListener;

use crate::{health, telemetry};

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    pub database_url: String,
    /// Folder holding `pkg/` (the browser bundle) and the public assets.
    pub site_root: PathBuf,
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

/// Shared by every handler and server function.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Database,
}

/// A built application, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
}

impl Application {
    /// Opens the database (applying migrations) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
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
        };
        tracing::info!(
            backend = db.backend().as_str(),
            site_root = %settings.site_root.display(),
            "listening on http://{addr}"
        );
        Ok(Application {
            listener,
            router: router(state),
            db,
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

    /// Serves until SIGINT or SIGTERM, lets in-flight requests finish, then closes the database.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then drains and closes like a signal would.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every route: the health check, the Leptos pages, and the static bundle as the fallback.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_db = state.db.clone();
    let shell_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_db.clone()),
            move || shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(telemetry::log_request))
        .with_state(state)
}

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
