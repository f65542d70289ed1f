//! `POST /import`: an NDJSON body streamed into the bulk importer, never buffered whole.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

use super::AppState;
use crate::auth::{self, Role};
use crate::error::ApiError;

/// The query string of `POST /import`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ImportParams {
    /// Write the valid records and list the invalid ones, instead of writing nothing.
    #[serde(default)]
    skip_invalid: bool,
}

/// Why an import body stopped streaming.
#[derive(Debug)]
enum BodyFailure {
    /// It went over the import limit.
    TooLarge,
    /// The connection failed.
    Unreadable(String),
}

impl std::fmt::Display for BodyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyFailure::TooLarge => f.write_str("the request body is over the import limit"),
            BodyFailure::Unreadable(e) => write!(f, "the request body could not be read: {e}"),
        }
    }
}

/// `POST /import`: an NDJSON body, streamed into the importer (never buffered whole), with the rules
/// of the command line importer. 200 with the summary; 422 with every error and nothing written;
/// 413 when the body is over the limit (nothing written); 401/403 without an importer token.
pub(super) async fn import(
    State(state): State<Arc<AppState>>,
    Query(params): Query<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let caller = match auth::caller_from_headers(&state.db, &headers).await {
        Ok(caller) => caller,
        Err(e) => return ApiError::from(e).into_response(),
    };
    if let Err(e) = caller.require(Role::Importer) {
        return e.into_response();
    }
    let limit = state.config.import_body_limit;
    let too_large = || {
        let e = ApiError::PayloadTooLarge(format!(
            "the request body is larger than the import limit of {limit} bytes \
             (`serve --import-body-limit`); nothing was written: split the file"
        ));
        e.into_response_with(serde_json::json!({ "limit": limit }))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    // Counts the bytes as they stream in; a body that goes over the limit, or that cannot be read,
    // ends the stream with an error (the import then writes nothing), remembered for the answer.
    let failure: Arc<std::sync::Mutex<Option<BodyFailure>>> = Arc::default();
    let seen = failure.clone();
    let mut received = 0usize;
    let stream = body.into_data_stream().map(move |chunk| {
        let failed = |f: BodyFailure| {
            let e = std::io::Error::other(f.to_string());
            *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
            e
        };
        let chunk = chunk.map_err(|e| failed(BodyFailure::Unreadable(e.to_string())))?;
        received += chunk.len();
        if received > limit {
            return Err(failed(BodyFailure::TooLarge));
        }
        Ok(chunk)
    });
    let reader = tokio_util::io::StreamReader::new(stream);
    let result = state.writes.import_stream(reader, params.skip_invalid).await;
    let failure = failure.lock().unwrap_or_else(|p| p.into_inner()).take();
    match (result, failure) {
        (_, Some(BodyFailure::TooLarge)) => too_large(),
        (Err(_), Some(BodyFailure::Unreadable(e))) => {
            tracing::warn!(error = %e, "an import body could not be read");
            ApiError::bad_input(format!(
                "the request body could not be read ({e}); nothing was written"
            ))
            .into_response()
        }
        (Err(e), _) => ApiError::from(e).into_response(),
        (Ok(summary), _) if summary.committed => (StatusCode::OK, axum::Json(summary)).into_response(),
        (Ok(summary), _) => {
            let message = format!(
                "{} invalid record(s); nothing was written (see `errors`, or retry with ?skipInvalid=true)",
                summary.error_count
            );
            let mut response = ApiError::bad_input(message)
                .into_response_with(serde_json::to_value(&summary).unwrap_or_default());
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    }
}
