//! Starting the real application for tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use signalboard::{Application, Settings};
use storage::Database;

/// The application in this process, on a free port, over a fresh SQLite file, with one
/// signed-in account per role (`t-viewer`, `t-analyst`, `t-admin`, password [`PASSWORD`]).
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Database,
    pub engine: Arc<app::engine::Engine>,
    pub client: reqwest::Client,
    /// Session tokens by role.
    pub sessions: Vec<(Role, String)>,
    /// Account ids by role.
    pub accounts: Vec<(Role, i64)>,
    dir: tempfile::TempDir,
}

pub use analytics::Role;

/// Settings a test may change.
#[derive(Debug, Clone)]
pub struct Options {
    /// Let the webhook reach loopback (the tests' receivers listen there).
    pub allow_private_webhooks: bool,
    pub webhook_ca_file: Option<PathBuf>,
    /// How many days the demo data spans, ending now.
    pub demo_days: u32,
    /// The intake's IP databases and limits.
    pub intake: signalboard::intake::IntakeSettings,
}

impl Default for Options {
    fn default() -> Self {
        Options { allow_private_webhooks: true, webhook_ca_file: None, demo_days: 30, intake: Default::default() }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(None, Options::default()).await
    }

    /// With `signals` demo signals over 30 days in the database.
    pub async fn spawn_with_demo(signals: usize) -> Self {
        Self::spawn_with(Some(signalboard::DemoSize { signals, days: 30, seed: 7 }), Options::default()).await
    }

    /// With demo signals and settings of its own.
    pub async fn spawn_with_options(signals: usize, options: Options) -> Self {
        Self::spawn_with(Some(signalboard::DemoSize { signals, days: options.demo_days, seed: 7 }), options).await
    }

    /// Without demo data, with settings of its own.
    pub async fn spawn_without_demo(options: Options) -> Self {
        Self::spawn_with(None, options).await
    }

    async fn spawn_with(demo: Option<signalboard::DemoSize>, options: Options) -> Self {
        signalboard::telemetry::init();
        let dir = tempfile::tempdir().unwrap();
        let site_root = dir.path().join("site");
        std::fs::create_dir_all(site_root.join("pkg")).unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("test.db").display());
        // Demo data and the test accounts go in before the server loads the data, as `signalboard
        // seed` and `signalboard users create` would.
        let setup = Database::open(&database_url).await.unwrap();
        if let Some(size) = demo {
            signalboard::startup::seed_demo(&setup, size).await.unwrap();
        }
        let (sessions, accounts) = create_accounts(&setup).await;
        setup.close().await;
        let settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url,
            site_root,
            demo_when_empty: None,
            first_admin: None,
            trust_proxy: false,
            snapshot: signalboard::SnapshotPlace::default(),
            intake: options.intake.clone(),
            print_demo_passwords: false,
            webhook: signalboard::webhook::Policy { allow_private: options.allow_private_webhooks, ca_file: options.webhook_ca_file.clone() },
        };
        let app = Application::build(settings).await.expect("application builds");
        let addr = app.local_addr();
        let db = app.database().clone();
        let engine = app.engine();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            addr,
            db,
            engine,
            sessions,
            accounts,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // A request that never gets its answer fails its test, by name, instead of
                // holding the whole run until CI's time runs out.
                .timeout(std::time::Duration::from_secs(120))
                .build()
                .unwrap(),
            dir,
        }
    }

    pub fn site_root(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    /// GET as the admin.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_as(Some(Role::Admin), path).await
    }

    /// The `Cookie` header of `role`'s session.
    pub fn cookie(&self, role: Role) -> String {
        let token = &self.sessions.iter().find(|(r, _)| *r == role).unwrap().1;
        format!("{}={token}", signalboard::auth::SESSION_COOKIE)
    }

    pub fn account_id(&self, role: Role) -> i64 {
        self.accounts.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// A request as `role` (`None`: signed out).
    pub fn request(&self, role: Option<Role>, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("http://{}{path}", self.addr));
        match role {
            Some(role) => builder.header(reqwest::header::COOKIE, self.cookie(role)),
            None => builder,
        }
    }

    pub async fn get_as(&self, role: Option<Role>, path: &str) -> reqwest::Response {
        self.request(role, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// Sends JSON as `role` and answers the status and the JSON reply (`null` when not JSON).
    pub async fn send_json(&self, role: Option<Role>, method: reqwest::Method, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let response = self
            .request(role, method.clone(), path)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }
}

/// One account per role (`t-viewer`, `t-analyst`, `t-admin`, password [`PASSWORD`]), each with
/// a session: the session tokens and the account ids, by role.
pub async fn create_accounts(db: &Database) -> (Vec<(Role, String)>, Vec<(Role, i64)>) {
    let hash = signalboard::auth::hash_password(PASSWORD).unwrap();
    let now = signalboard::auth::now_ms();
    let mut sessions = Vec::new();
    let mut accounts = Vec::new();
    for role in [Role::Viewer, Role::Analyst, Role::Admin] {
        let username = format!("t-{}", role.as_str());
        let account = db
            .create_account(
                &storage::NewAccount {
                    username: &username,
                    display_name: &username,
                    email: None,
                    role,
                    password_hash: Some(&hash),
                    must_change_password: false,
                    service: false,
                },
                now,
            )
            .await
            .unwrap();
        let token = format!("test-session-{}", role.as_str());
        db.create_session(&signalboard::auth::secret_hash(&token), account.id, now, now + 3_600_000).await.unwrap();
        sessions.push((role, token));
        accounts.push((role, account.id));
    }
    (sessions, accounts)
}

/// The `signalboard` binary in a child process, its log collected as it runs.
pub struct ServerProcess {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_signalboard"))
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .env_remove("SIGNALBOARD_ADDR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the signalboard binary");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&strip_ansi(&line));
                    log.push('\n');
                }
            });
        }
        ServerProcess { child, log }
    }

    /// Waits for the "listening on http://…" line and returns the address.
    pub fn wait_for_address(&mut self) -> SocketAddr {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(addr) = self.log().lines().find_map(|line| {
                let (_, rest) = line.split_once("listening on http://")?;
                rest.split_whitespace().next()?.parse().ok()
            }) {
                return addr;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("server exited early with {status}:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not report its address:\n{}", self.log());
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads drain the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not stop within 15 s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process without warning (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("wait for the killed server");
    }

    /// Whether the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

