//! The REST API's writes, typed: the body each `POST`/`PATCH`/`PUT`/`DELETE` route under
//! `/api/v1` takes and the body it answers, shared by the server (which checks and answers
//! them) and the pages (which send and read them), so a renamed field fails to compile on both
//! sides instead of at run time.
//!
//! The checks a request can be put through without the data (lengths, selections, names) are
//! here too, next to their types, so a page can run the same check before sending. Each
//! answers the message the server sends back with its 400.
//!
//! Serde only: this compiles for the browser too. Answers serialize to the API's JSON as it
//! has always been; an absent optional field of a request means "leave it as it is".

mod admin;
mod attack;
mod cases;
mod triage;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Deserializer, Serialize};

pub use admin::*;
pub use attack::*;
pub use analytics::workflow::Change;
pub use cases::*;
pub use triage::*;

/// The most signals one bulk request may change (or link to a case).
pub const MAX_BULK: usize = 500;
/// The longest case or incident title.
pub const MAX_TITLE: usize = 200;
/// The longest case description kept.
pub const MAX_DESCRIPTION: usize = 20_000;
/// The longest display name of a user.
pub const MAX_DISPLAY_NAME: usize = 100;
/// The longest e-mail address of a user.
pub const MAX_EMAIL: usize = 254;
/// The longest API key name.
pub const MAX_KEY_NAME: usize = 100;

/// Every refusal: `{"error": "..."}` with its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}
