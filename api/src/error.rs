//! The errors every part of the API answers with, each with a stable `extensions.code`.

use async_graphql::ErrorExtensions;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    /// The HTTP method is not allowed here, e.g. a mutation over `GET` (`METHOD_NOT_ALLOWED`).
    MethodNotAllowed(String),
    /// The request body is over a limit (`PAYLOAD_TOO_LARGE`).
    PayloadTooLarge(String),
    /// The request body is not of a supported media type (`UNSUPPORTED_MEDIA_TYPE`).
    UnsupportedMediaType(String),
    /// The query would cost more than the limits allow; refused before it ran (`TOO_COMPLEX`).
    TooComplex(String),
    /// The client sent too many requests; retry after a second (`RATE_LIMITED`).
    RateLimited(String),
    /// The request ran out of its time (`TIMEOUT`).
    Timeout(String),
    /// The history asked for is no longer kept, e.g. events pruned from the event log
    /// (`HISTORY_EXPIRED`).
    Expired(String),
    /// The database cannot be reached now; retry later (`SERVICE_UNAVAILABLE`).
    Unavailable(String),
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
            ApiError::MethodNotAllowed(_) => "METHOD_NOT_ALLOWED",
            ApiError::PayloadTooLarge(_) => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::TooComplex(_) => "TOO_COMPLEX",
            ApiError::RateLimited(_) => "RATE_LIMITED",
            ApiError::Timeout(_) => "TIMEOUT",
            ApiError::Expired(_) => "HISTORY_EXPIRED",
            ApiError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The HTTP status of a request refused with this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadInput(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooComplex(_) => StatusCode::BAD_REQUEST,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Expired(_) => StatusCode::GONE,
            ApiError::Timeout(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body of a non-GraphQL endpoint's error: `{ "code", "message" }` and any `extra` fields.
    pub fn into_response_with(self, extra: serde_json::Value) -> Response {
        let mut body = serde_json::json!({ "code": self.code(), "message": self.message() });
        if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        self.respond(body)
    }

    /// A GraphQL response of this one error, for a request refused before execution.
    pub fn into_graphql_response(self) -> Response {
        let body = serde_json::json!({
            "data": null,
            "errors": [{ "message": self.message(), "extensions": { "code": self.code() } }],
        });
        self.respond(body)
    }

    /// `body` with this error's status and headers.
    fn respond(&self, body: serde_json::Value) -> Response {
        let mut response = (self.status(), axum::Json(body)).into_response();
        self.add_headers(&mut response);
        response
    }

    /// The headers that go with this error: a `WWW-Authenticate` challenge when a token is missing,
    /// `Retry-After` when the client should come back later, `Allow` for a refused method.
    pub fn add_headers(&self, response: &mut Response) {
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthenticated(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited(_) | ApiError::Unavailable(_) | ApiError::Timeout(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::MethodNotAllowed(_) => {
                headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
            }
            _ => {}
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
            | ApiError::Conflict(m)
            | ApiError::MethodNotAllowed(m)
            | ApiError::PayloadTooLarge(m)
            | ApiError::UnsupportedMediaType(m)
            | ApiError::TooComplex(m)
            | ApiError::RateLimited(m)
            | ApiError::Timeout(m)
            | ApiError::Expired(m)
            | ApiError::Unavailable(m) => m,
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
    /// `SERVICE_UNAVAILABLE` when the database cannot be reached, `TIMEOUT` when a statement ran out
    /// of time, else `INTERNAL`; the details are logged, not shown.
    fn from(err: DbErr) -> Self {
        match crate::store::failure(&err) {
            crate::store::Failure::Unreachable => {
                tracing::warn!(error = %err, "the database cannot be reached");
                ApiError::Unavailable("the database cannot be reached now; retry shortly".into())
            }
            crate::store::Failure::TimedOut => {
                tracing::warn!(error = %err, "a statement ran out of time");
                ApiError::Timeout("the request ran out of time".into())
            }
            crate::store::Failure::Other => {
                tracing::error!(error = %err, "database error");
                ApiError::Internal(err.to_string())
            }
        }
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

impl ApiError {
    /// The error as a request-level GraphQL error (no position, no path), with its code.
    pub fn into_server_error(self) -> async_graphql::ServerError {
        let mut error = async_graphql::ServerError::new(self.message(), None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", self.code());
        error.extensions = Some(extensions);
        error
    }
}

impl IntoResponse for ApiError {
    /// The error as `{ "code", "message" }` with its status.
    fn into_response(self) -> Response {
        self.into_response_with(serde_json::Value::Null)
    }
}

/// The result type of resolvers and the functions they call.
pub type ApiResult<T> = Result<T, ApiError>;
