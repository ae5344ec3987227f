//! Temporary: the engine now lives in the app crate.
pub use app::engine::Engine;
