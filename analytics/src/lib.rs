//! Signalboard's domain: the SOC's vocabulary (time windows, and as the product grows, signals,
//! rules, entities and cases) and the definitions of every overview metric.
//!
//! This crate knows nothing about Leptos, axum or SQL. It compiles to WebAssembly so the browser
//! and the server share one definition of each concept.

pub mod window;

pub use window::{TimeWindow, WindowPreset, WindowPresetError};
