#![warn(unreachable_pub)]
//! Signalboard's domain: the SOC's vocabulary (time windows, signals, rules, entities, cases),
//! the MITRE ATT&CK matrix, and the definitions of every overview metric.
//!
//! This crate knows nothing about Leptos, axum or SQL. It compiles to WebAssembly so the browser
//! and the server share one definition of each concept.

pub mod attack;
pub mod navigator;
pub mod audit;
pub mod dataset;
pub mod demo;
pub mod entity;
pub mod model;
pub mod overview;
pub mod query;
pub mod release_notes;
pub mod time;
pub mod window;
pub mod workflow;

pub use model::*;
pub use window::{TimeWindow, Window, WindowError, WindowPreset, WindowPresetError};
