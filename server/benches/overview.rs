//! The overview's speed at volume: seeds 100,000 and 1,000,000 demo signals on SQLite and on
//! PostgreSQL, loads them, and times the full overview (every module, serialized to JSON) for a
//! 30-day and a 1-day window, cold (cache cleared) and repeated (unchanged data). Prints a
//! Markdown table. Run: `cargo bench -p signalboard --bench overview`.
//!
//! `BENCH_SIZES=100000` limits the sizes; `BENCH_BACKENDS=sqlite` the backends;
//! `SIGNALBOARD_TEST_POSTGRES_URL` points at another PostgreSQL server.

use std::time::{Duration, Instant};

use analytics::overview::Span;
use analytics::WindowPreset;
use app::engine::{Engine, Fresh};
use signalboard::startup::{seed_demo, DemoSize};
use storage::Database;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

async fn postgres_database(name: &str) -> (String, String) {
    let admin = std::env::var("SIGNALBOARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let pool = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL for the benchmark");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    pool.close().await;
    let server = admin.rsplit_once('/').map(|(s, _)| s.to_owned()).unwrap();
    (format!("{server}/{name}"), admin)
}

async fn drop_postgres(admin: &str, name: &str) {
    let pool = sqlx::PgPool::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".to_owned())
        .split(',')
        .map(|s| s.trim().parse().expect("BENCH_SIZES: numbers separated by commas"))
        .collect();
    let backends: Vec<String> = std::env::var("BENCH_BACKENDS")
        .unwrap_or_else(|_| "sqlite,postgres".to_owned())
        .split(',')
        .map(str::to_owned)
        .collect();
    let runs = 11;
    println!("| backend | signals | seed (s) | load (s) | overview 30 d, cold (ms) | overview 1 d, cold (ms) | repeated, unchanged data (ms) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for backend in &backends {
        for &signals in &sizes {
            let dir = tempfile::tempdir().unwrap();
            let pg_name = format!("signalboard_bench_{signals}");
            let (url, admin) = match backend.as_str() {
                "sqlite" => (format!("sqlite://{}", dir.path().join("bench.db").display()), String::new()),
                "postgres" => postgres_database(&pg_name).await,
                other => panic!("unknown backend {other}"),
            };
            let db = Database::open(&url).await.unwrap();
            let started = Instant::now();
            seed_demo(&db, DemoSize { signals, days: 30, seed: 42 }).await.unwrap();
            let seed_time = started.elapsed();
            let started = Instant::now();
            let engine = Engine::load(db.clone()).await.unwrap();
            let load_time = started.elapsed();
            let now = chrono::Utc::now().timestamp_millis();
            let window = |preset: WindowPreset| -> Span {
                analytics::Window::Preset(preset).span(now)
            };
            let cold = |span: Span| {
                let samples: Vec<Duration> = (0..runs)
                    .map(|_| {
                        engine.clear_cache();
                        let t = Instant::now();
                        std::hint::black_box(serde_json::to_string(&engine.overview(span, now, Fresh::Current)).unwrap());
                        t.elapsed()
                    })
                    .collect();
                median(samples)
            };
            if std::env::var("BENCH_DETAIL").is_ok() {
                let data = engine.snapshot();
                let span = window(WindowPreset::ThirtyDays);
                for &id in analytics::overview::ModuleId::ALL {
                    let t = Instant::now();
                    let value = analytics::overview::compute(&data, id, span, now);
                    let computed = t.elapsed();
                    let t = Instant::now();
                    let json = serde_json::to_string(&value).unwrap();
                    eprintln!("{id}: compute {} ms, serialize {} ms ({} bytes)", ms(computed), ms(t.elapsed()), json.len());
                }
            }
            let month = cold(window(WindowPreset::ThirtyDays));
            let day = cold(window(WindowPreset::OneDay));
            let span = window(WindowPreset::ThirtyDays);
            engine.overview(span, now, Fresh::Current);
            let warm = median(
                (0..runs)
                    .map(|_| {
                        let t = Instant::now();
                        std::hint::black_box(serde_json::to_string(&engine.overview(span, now, Fresh::Current)).unwrap());
                        t.elapsed()
                    })
                    .collect(),
            );
            println!(
                "| {backend} | {signals} | {:.1} | {:.1} | {} | {} | {} |",
                seed_time.as_secs_f64(),
                load_time.as_secs_f64(),
                ms(month),
                ms(day),
                ms(warm)
            );
            db.close().await;
            if backend == "postgres" {
                drop_postgres(&admin, &pg_name).await;
            }
        }
    }
}
