//! Threads for the intake's CPU work (reading bodies, parsing, enrichment), at a lower CPU
//! priority than the threads answering readers, so a flood of logs slows the logs, not the
//! overview (docs/product.md §7).

use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// How many intake threads run at once (this machine class has two cores).
const THREADS: usize = 2;

/// The `nice` value the intake threads run at (0 is normal, 19 the lowest priority).
const NICENESS: i32 = 10;

static POOL: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();

fn pool() -> &'static Mutex<mpsc::Sender<Job>> {
    POOL.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = std::sync::Arc::new(Mutex::new(receive));
        for n in 0..THREADS {
            let receive = receive.clone();
            std::thread::Builder::new()
                .name(format!("intake-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match receive.lock().expect("intake queue lock").recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        job();
                    }
                })
                .expect("an intake thread starts");
        }
        Mutex::new(send)
    })
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority(2) on this thread's own id only changes its scheduling priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Runs `work` on an intake thread and waits for it without holding an async worker.
pub(crate) async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, &'static str> {
    let (done, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    pool().lock().expect("intake pool lock").send(job).map_err(|_| "the intake threads have stopped")?;
    answer.await.map_err(|_| "an intake job failed")
}
