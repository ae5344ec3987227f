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

/// The application in this process, on a free port, over a fresh SQLite file.
pub struct TestApp {
    pub addr: SocketAddr,
    pub db: Database,
    pub client: reqwest::Client,
    dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(None).await
    }

    /// With `signals` demo signals over 30 days in the database.
    pub async fn spawn_with_demo(signals: usize) -> Self {
        Self::spawn_with(Some(signalboard::DemoSize { signals, days: 30, seed: 7 })).await
    }

    async fn spawn_with(demo: Option<signalboard::DemoSize>) -> Self {
        signalboard::telemetry::init();
        let dir = tempfile::tempdir().unwrap();
        let site_root = dir.path().join("site");
        std::fs::create_dir_all(site_root.join("pkg")).unwrap();
        let settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", dir.path().join("test.db").display()),
            site_root,
            demo_when_empty: demo,
            first_admin: None,
        };
        let app = Application::build(settings).await.expect("application builds");
        let addr = app.local_addr();
        let db = app.database().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        TestApp {
            addr,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            dir,
        }
    }

    pub fn site_root(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
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

