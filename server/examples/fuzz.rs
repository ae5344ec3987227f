//! The fuzz driver for the parsers of untrusted input (see `signalboard::fuzzing`).
//!
//! `cargo run --example fuzz -- [--seconds N] [TARGET...]` runs each target (all by default) in
//! a child process for N seconds (default 30) and prints a table: runs, corpus size, crashes.
//! Inputs that crash a target or break one of its invariants are written to
//! `fuzz/regressions/<target>/`, which the tests replay; the corpus grows in
//! `target/fuzz/corpus/<target>/`. Exits non-zero when anything was found.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use signalboard::fuzzing::{target, Target, TARGETS};

/// SplitMix64: fast, and the same seed replays the same run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const MAX_INPUT: usize = 12_000;

/// One mutation of `input`, drawing on the target's alphabet and the rest of the corpus.
fn mutate(rng: &mut Rng, input: &str, alphabet: &[char], corpus: &[String]) -> String {
    let mut chars: Vec<char> = input.chars().collect();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let at = rng.below(chars.len() + 1);
        match rng.below(9) {
            0 | 1 => chars.insert(at, alphabet[rng.below(alphabet.len())]),
            2 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(chars.len());
                chars.drain(at.min(chars.len())..end);
            }
            3 if !chars.is_empty() => {
                // Repeat a slice many times: deep nesting, long runs.
                let start = at.min(chars.len() - 1);
                let end = (start + 1 + rng.below(6)).min(chars.len());
                let slice: Vec<char> = chars[start..end].to_vec();
                let times = [2, 10, 100, 1_000, 5_000][rng.below(5)];
                for _ in 0..times {
                    chars.splice(start..start, slice.iter().copied());
                    if chars.len() > MAX_INPUT {
                        break;
                    }
                }
            }
            4 => {
                // Splice in part of another input.
                let other: Vec<char> = corpus[rng.below(corpus.len())].chars().collect();
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let to = (from + 1 + rng.below(other.len() - from)).min(other.len());
                    chars.splice(at..at, other[from..to].iter().copied());
                }
            }
            5 => chars.insert(at, char::from_u32(rng.below(0x80) as u32).unwrap_or('?')),
            6 => chars.insert(at, ['\u{0}', '\u{7f}', 'é', '𝕏', '\u{202e}', '\u{feff}', '\n', '\\'][rng.below(8)]),
            7 if !chars.is_empty() => {
                let i = at.min(chars.len() - 1);
                chars[i] = alphabet[rng.below(alphabet.len())];
            }
            _ => chars.truncate(at),
        }
    }
    chars.truncate(MAX_INPUT);
    chars.into_iter().collect()
}

fn corpus_dir(name: &str) -> PathBuf {
    PathBuf::from("target/fuzz/corpus").join(name)
}

fn read_dir_texts(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths.into_iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

fn save(dir: &Path, input: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a corpus folder");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in input.bytes() {
        hash = (hash ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let path = dir.join(format!("{hash:016x}.txt"));
    std::fs::write(&path, input).expect("write a corpus entry");
    path
}

/// The child: fuzzes one target until the time is up, writing inputs to `current` first (so a
/// crash leaves its input behind: every long input, which is what can exhaust a stack, and
/// every 64th short one), and prints `runs corpus findings` at the end.
fn run_worker(target: &Target, seconds: u64, current: &Path) -> ExitCode {
    std::panic::set_hook(Box::new(|_| {}));
    let alphabet: Vec<char> = target.alphabet.chars().chain("abcxyz019 ".chars()).collect();
    let mut corpus: Vec<String> = target.seeds.iter().map(|s| s.to_string()).collect();
    corpus.extend(read_dir_texts(&Path::new("fuzz/corpus").join(target.name)));
    corpus.extend(read_dir_texts(&corpus_dir(target.name)));
    let mut seen: HashSet<String> = HashSet::new();
    for input in &corpus {
        if let Ok(signature) = (target.check)(input) {
            seen.insert(signature);
        }
    }
    let mut rng = Rng(std::process::id() as u64 ^ 0x5eed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut runs, mut findings) = (0u64, 0u64);
    let mut file = std::fs::File::create(current).expect("the current-input file");
    while Instant::now() < deadline {
        let base = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &base, &alphabet, &corpus);
        // Only long inputs are written each time (they are the ones that reach the limits);
        // short ones every 64 runs, to keep the pace.
        if input.len() > 256 || runs % 64 == 0 {
            use std::io::Seek;
            let _ = file.set_len(0);
            let _ = file.seek(std::io::SeekFrom::Start(0));
            let _ = file.write_all(input.as_bytes());
        }
        runs += 1;
        match std::panic::catch_unwind(|| (target.check)(&input)) {
            Ok(Ok(signature)) => {
                if seen.insert(signature) && corpus.len() < 5_000 {
                    save(&corpus_dir(target.name), &input);
                    corpus.push(input);
                }
            }
            Ok(Err(broken)) => {
                findings += 1;
                let path = save(&Path::new("fuzz/regressions").join(target.name), &input);
                eprintln!("{}: invariant broken ({}): {broken}", target.name, path.display());
            }
            Err(_) => {
                findings += 1;
                let path = save(&Path::new("fuzz/regressions").join(target.name), &input);
                eprintln!("{}: panicked ({})", target.name, path.display());
            }
        }
    }
    println!("{runs} {} {findings}", corpus.len());
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        let target = target(&args[1]).expect("a known target");
        let seconds: u64 = args[2].parse().expect("seconds");
        return run_worker(target, seconds, Path::new(&args[3]));
    }
    let mut seconds = 30;
    let mut names = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--seconds" => seconds = rest.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            name if target(name).is_some() => names.push(name.to_owned()),
            other => {
                eprintln!("unknown argument or target '{other}'; targets: {}", TARGETS.iter().map(|t| t.name).collect::<Vec<_>>().join(", "));
                return ExitCode::FAILURE;
            }
        }
    }
    if names.is_empty() {
        names = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    }
    std::fs::create_dir_all("target/fuzz").expect("target/fuzz");
    let exe = std::env::current_exe().expect("this program");
    let mut found = false;
    println!("| target | seconds | runs | corpus | crashes or broken invariants |");
    println!("|---|---:|---:|---:|---:|");
    for name in names {
        let current = PathBuf::from(format!("target/fuzz/{name}.current"));
        let output = Command::new(&exe)
            .args(["--worker", &name, &seconds.to_string(), &current.display().to_string()])
            .output()
            .expect("run the worker");
        std::io::stderr().write_all(&output.stderr).ok();
        if output.status.success() {
            let text = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = text.split_whitespace().collect();
            let findings: u64 = fields.get(2).and_then(|f| f.parse().ok()).unwrap_or(0);
            found |= findings > 0;
            println!("| {name} | {seconds} | {} | {} | {findings} |", fields.first().unwrap_or(&"?"), fields.get(1).unwrap_or(&"?"));
        } else {
            // A crash no panic hook sees (a stack overflow, an abort): keep the last input.
            found = true;
            let input = std::fs::read_to_string(&current).unwrap_or_default();
            let path = save(&Path::new("fuzz/regressions").join(&name), &input);
            println!("| {name} | {seconds} | ? | ? | process died ({}), input kept in {} |", output.status, path.display());
        }
    }
    if found {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
