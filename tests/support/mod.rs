//! Test support: a real civicgraph server on a fresh database (SQLite file, or a new PostgreSQL
//! database when `TEST_DATABASE_URL` is set), spoken to over HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use civicgraph::config::Config as ServerConfig;
use civicgraph::http::{self as server, AppState};
use civicgraph::ingest::{self as import, ImportOptions, ImportSummary};
use civicgraph::store::Db;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Backend {
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
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.is_empty()
    {
        all.push(Backend::Postgres(url));
    }
    all
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<(String, String)>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// Creates an empty database on `backend` (not yet migrated).
    pub async fn create(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb {
                    url,
                    backend: backend.clone(),
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            Backend::Postgres(admin_url) => {
                let name = format!(
                    "cg_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand_suffix()
                );
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at TEST_DATABASE_URL is unreachable: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.close().await.ok();
                let url = replace_database(admin_url, &name);
                TestDb {
                    url,
                    backend: backend.clone(),
                    _dir: None,
                    pg_name: Some((admin_url.clone(), name)),
                }
            }
        }
    }

    /// Connects and migrates.
    pub async fn open(&self) -> Db {
        Db::open(&self.url, &ServerConfig::default())
            .await
            .expect("the test database opens and migrates")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_name.take() {
            // Dropping runs outside the test's runtime, which may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let _ = admin
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000) as u32
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A running server on its own database.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:43123`.
    pub url: String,
    pub client: reqwest::Client,
    /// The server's database handles (for importing fixtures and checking what was written).
    pub db: Db,
    pub backend: Backend,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    // Declared last: dropped after the server is stopped.
    test_db: TestDb,
}

impl TestServer {
    /// Starts a server on a fresh database.
    pub async fn start(backend: &Backend) -> TestServer {
        Self::start_with(backend, ServerConfig::default(), |_| {}).await
    }

    /// Starts a server on a fresh database, after `setup` adjusted the connection (e.g. to count
    /// statements with `set_metric_callback`).
    pub async fn start_with(
        backend: &Backend,
        config: ServerConfig,
        setup: impl FnOnce(&mut Db),
    ) -> TestServer {
        let test_db = TestDb::create(backend).await;
        let mut db = test_db.open().await;
        setup(&mut db);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState::new(db.clone(), config);
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("the server runs");
        });
        TestServer {
            url,
            client: reqwest::Client::new(),
            db,
            backend: backend.clone(),
            shutdown: Some(tx),
            handle: Some(handle),
            test_db,
        }
    }

    /// The database URL the server uses.
    pub fn database_url(&self) -> &str {
        &self.test_db.url
    }

    /// Posts a GraphQL request and answers the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_as(query, variables, None).await
    }

    /// Posts a GraphQL request with an optional bearer token.
    pub async fn graphql_as(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let mut req = self.client.post(format!("{}/graphql", self.url)).json(&json!({
            "query": query,
            "variables": variables,
        }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("the server answers");
        resp.json().await.expect("a JSON response")
    }

    /// Posts a GraphQL request that must succeed and answers its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let resp = self.graphql(query, variables).await;
        assert!(
            resp.get("errors").is_none(),
            "[{}] unexpected errors: {resp:#}",
            self.backend.name()
        );
        resp["data"].clone()
    }

    /// Posts a GraphQL request that must fail and answers its first error's `extensions.code`.
    pub async fn error_code(&self, query: &str, variables: Value) -> (String, String) {
        let resp = self.graphql(query, variables).await;
        let err = &resp["errors"][0];
        assert!(
            !err.is_null(),
            "[{}] expected an error: {resp:#}",
            self.backend.name()
        );
        (
            err["extensions"]["code"].as_str().unwrap_or("").to_owned(),
            err["message"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// Imports NDJSON text straight into the server's database; it must succeed.
    pub async fn import(&self, ndjson: &str) -> ImportSummary {
        let summary = import::import_lines(
            &self.db,
            ImportOptions::default(),
            ndjson.lines().map(str::to_owned),
        )
        .await
        .expect("the import runs");
        assert!(
            summary.committed && summary.errors.is_empty(),
            "fixture did not import: {:?}",
            summary.errors
        );
        summary
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.stop_inner().await;
    }

    async fn stop_inner(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        self.db.read.clone().close().await.ok();
        self.db.write.clone().close().await.ok();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// A counter of SQL statements, for `TestServer::start_with`.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    /// Installs the counter on the read connections of `db`.
    pub fn install(&self, db: &mut Db) {
        let count = self.0.clone();
        db.read.set_metric_callback(move |info| {
            if std::env::var("CG_TRACE_SQL").is_ok() {
                eprintln!(
                    "SQL: {}",
                    &info.statement.sql[..info.statement.sql.len().min(150)]
                );
            }
            count.fetch_add(1, Ordering::SeqCst);
        });
    }

    /// Statements counted so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Resets the count to zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://p@h/test?sslmode=disable", "x"),
            "postgres://p@h/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://p@h", "x"), "postgres://p@h/x");
    }
}
