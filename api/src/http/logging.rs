//! Logs: the subscriber every command writes to standard error with (text or JSON lines, colours only
//! on a terminal), and the one line each HTTP request gets at level `info`.

use std::io::IsTerminal;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::telemetry;

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm_migration=warn";

/// Installs the process's subscriber: standard error, filtered by `RUST_LOG` (else `info`), in
/// `format`. Text has ANSI colours only when standard error is a terminal.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}

/// The GraphQL operation a request named, which the GraphQL handler leaves in its response's
/// extensions for the request log.
#[derive(Clone, Debug)]
pub struct OperationName(pub String);

/// The middleware: one `info` line per request when its answer is ready, with the method, the path,
/// the GraphQL operation name (when there is one), the status and the duration in milliseconds.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let duration_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    let operation = response
        .extensions()
        .get::<OperationName>()
        .map(|OperationName(name)| name.as_str());
    let status = response.status().as_u16();
    if path != "/metrics" {
        telemetry::request(
            operation.unwrap_or(&path),
            status,
            started.elapsed().as_secs_f64(),
        );
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
