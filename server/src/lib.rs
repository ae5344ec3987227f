#![recursion_limit = "256"]
#![warn(unreachable_pub)]
//! The Signalboard server: the command line, configuration, start-up and shutdown, and the HTTP
//! routes around the Leptos app. `main` only parses the command line; everything else is here
//! so tests can start the real application on port 0.

pub mod auth;
mod background;
pub mod cli;
mod commands;
mod error;
pub mod fuzzing;
mod health;
pub mod intake;
pub mod memory;
pub mod rules;
mod openapi;
mod pages;
mod routes;
mod security;
pub mod startup;
mod state;
pub mod telemetry;
pub mod webhook;

pub use startup::{Application, DemoSize, Settings, SnapshotPlace};
pub use state::AppState;
