//! The metrics an operator watches, in Prometheus text format at `GET /metrics`: requests by
//! operation and outcome with their durations, database connections by pool and state, reports and
//! observations written, import lines read and refused, active subscriptions, events delivered, and
//! the build. Counters are process-wide (one recorder per process).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Distinct operation names kept as labels; later ones count as `other`, so that a client cannot
/// grow the metrics without bound by naming operations at random.
const MAX_OPERATION_LABELS: usize = 100;
/// Request duration buckets, in seconds.
const DURATION_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static OPERATIONS: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// Installs the process's recorder (once) and answers the handle that renders it.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new();
        let builder = builder
            .set_buckets_for_metric(
                Matcher::Full("civicgraph_request_duration_seconds".into()),
                &DURATION_BUCKETS,
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was installed already; /metrics shows only this one's");
        }
        describe();
        gauge!("civicgraph_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        gauge!("civicgraph_subscriptions_active").set(0.0);
        counter!("civicgraph_events_delivered_total").increment(0);
        handle
    })
}

fn describe() {
    describe_counter!(
        "civicgraph_requests_total",
        "HTTP requests by GraphQL operation (or path) and outcome"
    );
    describe_histogram!(
        "civicgraph_request_duration_seconds",
        "Time to answer an HTTP request"
    );
    describe_gauge!(
        "civicgraph_db_connections",
        "Database connections by pool and state"
    );
    describe_counter!("civicgraph_reports_written_total", "Reports created or replaced");
    describe_counter!("civicgraph_observations_written_total", "Observations written");
    describe_counter!(
        "civicgraph_import_lines_total",
        "NDJSON lines imported, by result (read, refused)"
    );
    describe_gauge!(
        "civicgraph_subscriptions_active",
        "Live reportPosted subscriptions"
    );
    describe_counter!(
        "civicgraph_events_delivered_total",
        "Reports announced to subscribers"
    );
    describe_gauge!("civicgraph_build_info", "The running build (value 1)");
}

/// The metrics in Prometheus text format.
pub fn render() -> String {
    install().render()
}

/// The label of an operation name: itself among the first names seen, else `other`.
fn operation_label(operation: &str) -> String {
    let known = OPERATIONS.get_or_init(Mutex::default);
    let mut known = known.lock().unwrap_or_else(|p| p.into_inner());
    if known.contains(operation) || known.len() < MAX_OPERATION_LABELS && known.insert(operation.to_owned()) {
        operation.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Counts one answered request: `operation` is the GraphQL operation name, or the path.
pub fn request(operation: &str, status: u16, seconds: f64) {
    let outcome = match status {
        500.. => "server_error",
        400..=499 => "client_error",
        _ => "ok",
    };
    let operation = operation_label(operation);
    counter!("civicgraph_requests_total", "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    histogram!("civicgraph_request_duration_seconds", "operation" => operation).record(seconds);
}

/// Sets the connections of `pool` (`read`, `write`) that are `busy` and `idle`.
pub fn connections(pool: &'static str, busy: u32, idle: u32) {
    gauge!("civicgraph_db_connections", "pool" => pool, "state" => "busy").set(f64::from(busy));
    gauge!("civicgraph_db_connections", "pool" => pool, "state" => "idle").set(f64::from(idle));
}

/// Counts reports created or replaced and the observations written with them.
pub fn written(reports: u64, observations: u64) {
    counter!("civicgraph_reports_written_total").increment(reports);
    counter!("civicgraph_observations_written_total").increment(observations);
}

/// Counts the lines of an import: all those read, and those refused.
pub fn imported(lines: u64, refused: u64) {
    counter!("civicgraph_import_lines_total", "result" => "read").increment(lines);
    counter!("civicgraph_import_lines_total", "result" => "refused").increment(refused);
}

/// A live subscription, counted while it lives.
pub struct Subscription(());

impl Subscription {
    /// Counts a subscription that starts now.
    pub fn start() -> Subscription {
        gauge!("civicgraph_subscriptions_active").increment(1.0);
        Subscription(())
    }

    /// Counts one report announced to it.
    pub fn delivered(&self) {
        counter!("civicgraph_events_delivered_total").increment(1);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        gauge!("civicgraph_subscriptions_active").decrement(1.0);
    }
}
