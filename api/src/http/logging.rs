//! Logs: the subscriber every command writes to standard error with (text or JSON lines, colours only
//! on a terminal), and the one line each HTTP request gets at level `info`.

use std::io::IsTerminal;
use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use super::otel;
use crate::config::LogFormat;
use crate::telemetry;

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm_migration=warn";

/// Installs the process's subscriber: standard error, filtered by `RUST_LOG` (else `info`), in
/// `format`, and the OpenTelemetry export when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see [`otel`]),
/// whose guard the caller keeps until the process ends. Text has ANSI colours only when standard
/// error is a terminal.
pub fn init(format: LogFormat) -> Option<otel::Export> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let stderr = match format {
        LogFormat::Text => stderr.with_ansi(std::io::stderr().is_terminal()).boxed(),
        LogFormat::Json => stderr
            .json()
            .flatten_event(true)
            // The request's span, with its `request_id`.
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };
    let mut layers = vec![stderr.with_filter(filter).boxed()];
    let (export_layer, export) = otel::layer().unzip();
    layers.extend(export_layer);
    tracing_subscriber::registry().with(layers).init();
    export
}

/// The GraphQL operation a request named, which the GraphQL handler leaves in its response's
/// extensions for the request log.
#[derive(Clone, Debug)]
pub struct OperationName(pub String);

/// The header that carries a request's id, taken from the client when it sends a usable one and
/// returned on every answer.
pub const REQUEST_ID: &str = "x-request-id";

/// The client's request id when it is 1 to 128 visible ASCII characters, else a new random one.
fn request_id(request: &Request) -> String {
    let given = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    match given {
        Some(id) if !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()) => {
            id.to_owned()
        }
        _ => format!("{:032x}", rand::random::<u128>()),
    }
}

/// The middleware: every log line of a request carries its id (`X-Request-Id`, returned on the
/// answer), and one `info` line per request when its answer is ready gives the method, the path, the
/// GraphQL operation name (when there is one), the status and the duration in milliseconds.
pub async fn log_request(request: Request, next: Next) -> Response {
    let id = request_id(&request);
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = log_within(request, next).instrument(span).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

async fn log_within(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let duration_ms = (seconds * 1e6).round() / 1e3;
    let operation = response
        .extensions()
        .get::<OperationName>()
        .map(|OperationName(name)| name.as_str());
    let status = response.status().as_u16();
    if path != "/metrics" {
        telemetry::request(operation.unwrap_or(&path), status, seconds);
    }
    tracing::info!(
        method = %method,
        path,
        operation,
        status,
        duration_ms,
        "request"
    );
    response
}
