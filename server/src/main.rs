use std::process::ExitCode;

use clap::Parser;

#[global_allocator]
static ALLOCATOR: signalboard::memory::Allocator = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
        .block_on(signalboard::cli::run(signalboard::cli::Cli::parse()))
}
