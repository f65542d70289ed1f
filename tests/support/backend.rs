//! Which database a test runs on, and [`backend_test!`](crate::backend_test), which makes one test of
//! each backend.

use std::io::Write;

/// The environment variable naming the PostgreSQL server that the `postgres` tests run on.
pub const DATABASE_URL_VARIABLE: &str = "TEST_DATABASE_URL";

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A server URL whose database is used to create per-test databases.
    Postgres(String),
}

impl Backend {
    /// A short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// PostgreSQL at `TEST_DATABASE_URL`, or `None` when the variable is unset or empty.
    pub fn postgres_from_env() -> Option<Backend> {
        std::env::var(DATABASE_URL_VARIABLE)
            .ok()
            .filter(|url| !url.is_empty())
            .map(Backend::Postgres)
    }
}

/// For [`backend_test!`](crate::backend_test): PostgreSQL at `TEST_DATABASE_URL`, or `None` after
/// printing that the `postgres` test in `module_path` (the module the macro made) is skipped.
#[doc(hidden)]
pub fn postgres_or_skip(module_path: &str) -> Option<Backend> {
    let backend = Backend::postgres_from_env();
    if backend.is_none() {
        // The test's name as the harness lists it: the module path without the crate.
        let test = module_path.split_once("::").map_or(module_path, |(_, path)| path);
        // Written to the handle, not with `eprintln!`, which the harness captures for passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}::postgres: {DATABASE_URL_VARIABLE} is not set"
        );
    }
    backend
}

/// Makes each named `async fn NAME(backend: Backend)` two tests, `NAME::sqlite` and `NAME::postgres`,
/// each a `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]` of its own, so that they pass
/// and fail separately (`cargo test NAME` runs both, `cargo test ::postgres` every PostgreSQL one).
///
/// The PostgreSQL test runs on a server named by `TEST_DATABASE_URL`; when that is unset or empty it
/// prints `skipped AREA::NAME::postgres: TEST_DATABASE_URL is not set` to stderr and passes. The
/// crate that calls the macro depends on `tokio` (features `macros`, `rt-multi-thread`).
///
/// The macro goes next to the function; the function keeps its doc comment and is formatted as any
/// other (the test module shares its name, which lives in the other namespace):
///
/// ```text
/// use civicgraph_tests::{Backend, TestServer, backend_test};
///
/// backend_test!(health_is_ok);
/// /// The health check answers 200.
/// async fn health_is_ok(backend: Backend) {
///     let s = TestServer::start(&backend).await;
///     let health = s.client.get(format!("{}/healthz", s.url)).send().await.unwrap();
///     assert_eq!(health.status(), 200, "[{}]", backend.name());
///     s.stop().await;
/// }
/// ```
#[macro_export]
macro_rules! backend_test {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(backend) = $crate::postgres_or_skip(module_path!()) {
                    super::$name(backend).await;
                }
            }
        }
    )+};
}
