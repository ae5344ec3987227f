use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any thread starts: the allocator's settings apply to every arena.
    signalboard::memory::tune_allocator();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(signalboard::cli::run(signalboard::cli::Cli::parse()))
}
