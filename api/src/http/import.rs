//! `POST /import`: an NDJSON body streamed into the bulk importer, never buffered whole.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};

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

/// What of a refused body is still read, and for how long, before the answer: a client still sending
/// when the server closes the connection gets it reset, and may lose the answer with it.
const DISCARD_BYTES: usize = 4 << 20;
const DISCARD_FOR: Duration = Duration::from_secs(2);

/// Reads and drops what is left of a refused body, up to [`DISCARD_BYTES`] or [`DISCARD_FOR`].
async fn discard(mut stream: BodyDataStream) {
    let mut left = DISCARD_BYTES;
    let _ = tokio::time::timeout(DISCARD_FOR, async {
        while let Some(Ok(chunk)) = stream.next().await {
            left = left.saturating_sub(chunk.len());
            if left == 0 {
                break;
            }
        }
    })
    .await;
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
        discard(body.into_data_stream()).await;
        return too_large();
    }
    // The body is read on a task of its own, counting the bytes as they stream in: a body that goes
    // over the limit, or that cannot be read, ends the importer's stream with an error (the import
    // then writes nothing), and the task tells which.
    let (mut chunks, received) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(4);
    let reading = tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let failure = match chunk {
                Err(e) => BodyFailure::Unreadable(e.to_string()),
                Ok(c) if total + c.len() > limit => BodyFailure::TooLarge,
                Ok(c) => {
                    total += c.len();
                    if chunks.send(Ok(c)).await.is_err() {
                        break;
                    }
                    continue;
                }
            };
            let _ = chunks.send(Err(std::io::Error::other(failure.to_string()))).await;
            if matches!(failure, BodyFailure::TooLarge) {
                discard(stream).await;
            }
            return Some(failure);
        }
        None
    });
    let reader = tokio_util::io::StreamReader::new(received);
    let result = state.writes.import_stream(reader, params.skip_invalid).await;
    let failure = reading.await.unwrap_or(None);
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
