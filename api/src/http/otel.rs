//! OpenTelemetry export: when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, the spans of every request are sent
//! over OTLP/HTTP (protobuf) to that collector: each HTTP request's `request` span (with its
//! `request_id`) and, below it at debug level, a span per GraphQL resolver with each SQL statement as an
//! event. The standard `OTEL_*` variables apply (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_BSP_SCHEDULE_DELAY`, …); `CIVICGRAPH_OTEL_FILTER` chooses which spans go out (an `EnvFilter`,
//! default [`DEFAULT_FILTER`]).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// The variable that turns the export on.
pub const ENDPOINT_VARIABLE: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// The spans exported when `CIVICGRAPH_OTEL_FILTER` is not set: requests, resolvers and statements.
pub const DEFAULT_FILTER: &str = "warn,civicgraph=debug";

/// The running export; dropping it sends the spans still waiting.
pub struct Export {
    provider: SdkTracerProvider,
}

impl Drop for Export {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("warning: the last OpenTelemetry spans were not sent: {e}");
        }
    }
}

/// The layer that exports spans, and the export to keep alive while the process runs; `None` when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is unset or empty. A collector that cannot be configured is said on
/// standard error and the process goes on without export.
pub fn layer() -> Option<(Box<dyn Layer<Registry> + Send + Sync>, Export)> {
    let endpoint = std::env::var(ENDPOINT_VARIABLE).ok().filter(|v| !v.is_empty())?;
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()
    {
        Ok(exporter) => exporter,
        Err(e) => {
            eprintln!("warning: no OpenTelemetry export to {endpoint}: {e}");
            return None;
        }
    };
    let mut resource = Resource::builder();
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("civicgraph");
    }
    let provider = SdkTracerProvider::builder()
        .with_resource(resource.build())
        .with_batch_exporter(exporter)
        .build();
    let filter =
        EnvFilter::try_from_env("CIVICGRAPH_OTEL_FILTER").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("civicgraph"))
        .with_filter(filter)
        .boxed();
    Some((layer, Export { provider }))
}
