//! The app's one error type: what a server function answers when it cannot do what was asked.
//! Its text is for people (it says what was wrong and where) and reaches the page as it is.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The request itself is wrong: a bad query, window or value.
    #[error("{0}")]
    BadRequest(String),
    /// Nobody is signed in.
    #[error("sign in first")]
    Unauthorized,
    /// The account's role does not allow it.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// Heavy work that could not run now or ran out of time: worth retrying.
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on the server; the details are in the server's log, not here.
    #[error("{0}")]
    Internal(String),
    /// The call itself failed (the network, or an answer that does not read).
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status the answer carries.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) | AppError::ServerFn(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets this error's status on the response being served, and gives the error back.
    pub fn respond(self) -> Self {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.status());
        }
        self
    }
}

#[cfg(feature = "ssr")]
impl From<storage::StorageError> for AppError {
    fn from(error: storage::StorageError) -> Self {
        tracing::error!(%error, "storage");
        AppError::Internal("the database could not be read or written; see the server log".to_owned())
    }
}
