use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    signalboard::cli::run(signalboard::cli::Cli::parse()).await
}
