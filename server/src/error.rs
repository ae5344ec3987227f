//! The server's one error type: every refusal of a REST route, answered as `{"error": "..."}`
//! with its status. The message is for the person or script that asked; an internal error is
//! logged in full and answered only as "internal error".

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::contract::ErrorBody;

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: a parameter or field is wrong; the message names it.
    #[error("{0}")]
    BadRequest(String),
    /// 403: the role lacks the permission (the message names it).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// 409: someone else changed it first, or it is not set up yet.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body (or, decompressed, what it holds) is over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the workflow rules forbid it.
    #[error("{0}")]
    Unprocessable(String),
    /// 502: the webhook failed.
    #[error("{0}")]
    BadGateway(String),
    /// 503: heavy work that could not run now, or ran out of time; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    /// 500: logged, never shown.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// The result of a route.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    /// A failure of the server itself (the database, hashing); the detail goes to the log.
    pub(crate) fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::Internal(anyhow::anyhow!("{error:#}"))
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn is_internal(&self) -> bool {
        matches!(self, ApiError::Internal(_))
    }
}

impl From<storage::StorageError> for ApiError {
    fn from(error: storage::StorageError) -> Self {
        match error {
            storage::StorageError::Conflict(m) => ApiError::Conflict(m),
            storage::StorageError::NotFound(m) => ApiError::NotFound(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<app::service::heavy::Refused> for ApiError {
    fn from(refused: app::service::heavy::Refused) -> Self {
        match refused {
            app::service::heavy::Refused::Busy => ApiError::Unavailable(refused.to_string()),
            app::service::heavy::Refused::Failed => ApiError::internal(refused),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(error) = &self {
            tracing::error!("{error:#}");
        }
        (self.status(), Json(ErrorBody { error: self.to_string() })).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_conflicts_and_misses_keep_their_message_and_the_rest_is_hidden() {
        let conflict = ApiError::from(storage::StorageError::Conflict("taken".into()));
        assert_eq!((conflict.status(), conflict.to_string()), (StatusCode::CONFLICT, "taken".to_owned()));
        let missing = ApiError::from(storage::StorageError::NotFound("gone".into()));
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let internal = ApiError::internal("the disk is full");
        assert!(internal.is_internal());
        assert_eq!(internal.to_string(), "internal error");
        let busy = ApiError::from(app::service::heavy::Refused::Busy);
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
