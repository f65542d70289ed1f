//! A real civicgraph server on its own database, spoken to over HTTP, and a counter of the SQL
//! statements it runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::backend::Backend;
use crate::database::TestDb;
use crate::product::{AppState, Config, Db, ImportOptions, ImportSummary, import_lines, serve};

/// A running server on its own database.
pub struct TestServer {
    /// Base URL, e.g. `http://127.0.0.1:43123`.
    pub url: String,
    /// The HTTP client the helpers below use.
    pub client: reqwest::Client,
    /// The server's database handles (for importing fixtures and checking what was written).
    pub db: Db,
    /// The backend the server's database is on.
    pub backend: Backend,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    // Declared last: dropped after the server is stopped.
    test_db: TestDb,
}

impl TestServer {
    /// Starts a server on a fresh database.
    pub async fn start(backend: &Backend) -> TestServer {
        Self::start_with(backend, Config::default(), |_| {}).await
    }

    /// Starts a server on a fresh database, after `setup` adjusted the connection (e.g. to count
    /// statements with `set_metric_callback`).
    pub async fn start_with(backend: &Backend, config: Config, setup: impl FnOnce(&mut Db)) -> TestServer {
        let test_db = TestDb::create(backend).await;
        let mut db = test_db.open().await;
        setup(&mut db);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = AppState::new(db.clone(), config);
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            serve(listener, state, async {
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
        let summary = import_lines(
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
