//! The errors every part of the API answers with, each with a stable `extensions.code`.

use async_graphql::ErrorExtensions;
use sea_orm::DbErr;

/// An error a client can act on. The message names the field or the thing at fault.
///
/// It deliberately has no `Display`: conversion into a GraphQL error must go through the `From`
/// below, which sets `extensions.code`, not async-graphql's generic one, which would not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The input is invalid (`BAD_INPUT`).
    BadInput(String),
    /// A referenced region, metric, program or report does not exist (`NOT_FOUND`).
    NotFound(String),
    /// No valid bearer token was given (`UNAUTHENTICATED`).
    Unauthenticated(String),
    /// The token's role does not allow this (`FORBIDDEN`).
    Forbidden(String),
    /// The write conflicts with the data (`CONFLICT`).
    Conflict(String),
    /// Something failed on the server's side (`INTERNAL`); details are logged, not shown.
    Internal(String),
}

impl ApiError {
    /// The value of `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadInput(_) => "BAD_INPUT",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Conflict(_) => "CONFLICT",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        match self {
            ApiError::Internal(_) => "internal error",
            ApiError::BadInput(m)
            | ApiError::NotFound(m)
            | ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::Conflict(m) => m,
        }
    }

    /// A `BAD_INPUT` error.
    pub fn bad_input(message: impl Into<String>) -> Self {
        ApiError::BadInput(message.into())
    }

    /// A `NOT_FOUND` error for `what` (e.g. `region`) with key `code`.
    pub fn not_found(what: &str, code: &str) -> Self {
        ApiError::NotFound(format!("{what} `{code}` does not exist"))
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        tracing::error!(error = %err, "database error");
        ApiError::Internal(err.to_string())
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.message()).extend_with(|_, e| e.set("code", self.code()))
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        err.extend()
    }
}

/// The result type of resolvers and the functions they call.
pub type ApiResult<T> = Result<T, ApiError>;
