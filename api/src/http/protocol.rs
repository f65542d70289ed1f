//! GraphQL over HTTP (the GraphQL-over-HTTP spec; `tests/http-audit` runs the `graphql-http` audits):
//! reading a request from a `POST` body or a `GET` query string, and writing the answer.
//!
//! The answer is `application/graphql-response+json` when `Accept` prefers it, else
//! `application/json`. A request that cannot run (body not JSON, a parameter of the wrong type, a
//! document that does not parse or validate, variables that do not coerce, a query over the cost
//! limits) gets `errors` and no `data`: status 400, or 200 for a well-formed request answered as
//! `application/json`. Refusals have their own statuses: 401/403 for tokens, 405 for anything but a
//! query over `GET`, 413 for a body over the limit, 415 for a body that is not JSON, 429 and 503.

use std::collections::BTreeMap;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::graphql::cost::ParsedQueries;

/// The media type of a GraphQL answer, chosen from the request's `Accept` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerFormat {
    /// `application/json`: request errors are 200 when the request itself was well formed.
    Json,
    /// `application/graphql-response+json`: request errors are 4xx.
    GraphqlResponse,
}

impl AnswerFormat {
    /// The supported media type with the highest `q` in `Accept` (the first one on a tie);
    /// `application/json` when there is none.
    pub fn negotiate(headers: &HeaderMap) -> AnswerFormat {
        let accept = header_str(headers, header::ACCEPT).unwrap_or("");
        let mut best: Option<(f32, AnswerFormat)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let format = match parts.next().unwrap_or("").to_ascii_lowercase().as_str() {
                "application/graphql-response+json" => AnswerFormat::GraphqlResponse,
                "application/json" | "application/*" | "*/*" => AnswerFormat::Json,
                _ => continue,
            };
            let q = parts
                .find_map(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, format));
            }
        }
        best.map_or(AnswerFormat::Json, |(_, format)| format)
    }

    /// The value of the answer's `Content-Type`.
    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            AnswerFormat::Json => "application/json",
            AnswerFormat::GraphqlResponse => "application/graphql-response+json",
        })
    }
}

/// A header's value, when it is there and readable.
pub fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Reads a `POST` body of at most `limit` bytes. A batch (a JSON array) is refused: each request is
/// costed and limited on its own, so a client sends one request per `POST`.
pub fn request_from_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<async_graphql::Request, ApiError> {
    let content_type = header_str(headers, header::CONTENT_TYPE)
        .ok_or_else(|| {
            ApiError::UnsupportedMediaType(
                "the `Content-Type` header is missing: send `application/json`".into(),
            )
        })?
        .to_ascii_lowercase();
    let mut parts = content_type.split(';').map(str::trim);
    let utf8 = |p: &str| {
        p.strip_prefix("charset=")
            .is_none_or(|c| c.trim_matches('"') == "utf-8")
    };
    if parts.next() != Some("application/json") || !parts.all(utf8) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "`Content-Type: {content_type}` is not supported: send `application/json` (UTF-8)"
        )));
    }
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge(format!("the request body is over the limit of {limit} bytes"))
        }
        _ => ApiError::bad_input(format!("the request body could not be read: {}", e.body_text())),
    })?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        ApiError::bad_input(format!(
            "the request body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    match serde_json::from_str(text) {
        Ok(Value::Object(fields)) => request_from_fields(fields),
        Ok(Value::Array(_)) => Err(ApiError::bad_input(
            "batches (a JSON array of requests) are not supported: send one request object per POST",
        )),
        Ok(_) => Err(ApiError::bad_input(
            "the request body must be a JSON object with `query`",
        )),
        Err(e) => Err(ApiError::bad_input(format!(
            "the request body is not valid JSON: {e}"
        ))),
    }
}

/// Reads the parameters of a `GET`; `variables` and `extensions` are JSON text.
pub fn request_from_query_string(params: Vec<(String, String)>) -> Result<async_graphql::Request, ApiError> {
    let mut fields = Map::new();
    for (name, value) in params {
        let value = match name.as_str() {
            "variables" | "extensions" => serde_json::from_str(&value)
                .map_err(|e| ApiError::bad_input(format!("`{name}` is not valid JSON: {e}")))?,
            _ => Value::String(value),
        };
        fields.insert(name, value);
    }
    request_from_fields(fields)
}

/// Builds a request from its parameters: `query` (a string), and optionally `operationName` (a
/// string), `variables` and `extensions` (objects); each may be `null`. Other fields are ignored.
fn request_from_fields(mut fields: Map<String, Value>) -> Result<async_graphql::Request, ApiError> {
    let mut take = |name: &str, expected: &str, fits: fn(&Value) -> bool| match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) if fits(&value) => Ok(Some(value)),
        Some(_) => Err(ApiError::bad_input(format!(
            "`{name}` must be {expected} (or null)"
        ))),
    };
    let query = take("query", "a string", Value::is_string)?;
    let operation_name = take("operationName", "a string", Value::is_string)?;
    let variables = take("variables", "an object", Value::is_object)?;
    let extensions = take("extensions", "an object", Value::is_object)?;
    let Some(Value::String(query)) = query else {
        return Err(ApiError::bad_input(
            "`query` is missing: send the GraphQL document in `query`",
        ));
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(Value::String(name)) = operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = variables {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    if let Some(Value::Object(extensions)) = extensions {
        for (name, value) in extensions {
            let value = async_graphql::Value::from_json(value).map_err(|e| {
                ApiError::bad_input(format!("`extensions.{name}` is not a GraphQL value: {e}"))
            })?;
            request.extensions.0.insert(name, value);
        }
    }
    Ok(request)
}

/// Whether an operation of type `operation` (from [`operation_type`]) is a query. A document that
/// does not parse, or names no operation of its own, counts as one: execution reports what is wrong
/// with it.
pub fn is_query(operation: Option<OperationType>) -> bool {
    operation.is_none_or(|ty| ty == OperationType::Query)
}

/// The type of the operation `request` selects, its document taken from `parsed`; `None` when the
/// document does not parse or names no operation of its own.
pub fn operation_type(parsed: &ParsedQueries, request: &async_graphql::Request) -> Option<OperationType> {
    let document = parsed.document(&request.query).ok()?;
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.map(|operation| operation.node.ty)
}

/// A GraphQL response as written: the fields of `async_graphql::Response`, in its order, without
/// `data` on a request error. Serialized straight to text, not through a `serde_json::Value`.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
}

/// Writes a GraphQL response in `format`. A request error (`data` null, and no error from a field:
/// none has a `path`) loses its `data` and, as `application/graphql-response+json`, is a 400. When
/// the database is unreachable or the request ran out of time, the status is 503 in both formats.
pub fn answer(format: AnswerFormat, response: async_graphql::Response) -> Response {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let unavailable = response.errors.iter().any(|e| {
        let code = e.extensions.as_ref().and_then(|x| x.get("code"));
        matches!(code, Some(async_graphql::Value::String(c)) if c == "SERVICE_UNAVAILABLE" || c == "TIMEOUT")
    });
    let body = Body {
        data: (!request_error).then_some(&response.data),
        extensions: &response.extensions,
        errors: &response.errors,
    };
    let Ok(body) = serde_json::to_vec(&body) else {
        return refused(
            format,
            ApiError::Internal("a response could not be serialized".into()),
        );
    };
    let status = match format {
        _ if unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AnswerFormat::GraphqlResponse if request_error => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let mut http = json_answer(format, status, body);
    if unavailable {
        http.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if response.is_ok()
        && let Some(cache_control) = response.cache_control.value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        http.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    http.headers_mut().extend(response.http_headers);
    http
}

/// The answer to a request refused before it ran: one error, no `data`, the error's status and
/// headers.
pub fn refused(format: AnswerFormat, e: ApiError) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": e.message(), "extensions": { "code": e.code() } }],
    });
    let mut response = json_answer(format, e.status(), body.to_string().into_bytes());
    e.add_headers(&mut response);
    response
}

/// `body`, JSON text, with the content type of `format`.
fn json_answer(format: AnswerFormat, status: StatusCode, body: Vec<u8>) -> Response {
    let content_type = [(header::CONTENT_TYPE, format.content_type())];
    (status, content_type, body).into_response()
}
