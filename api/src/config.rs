//! Settings shared by every command, from flags or the environment.

/// The database used when neither `--db` nor `DATABASE_URL` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://civicgraph.db";
/// The address `serve` listens on by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";
/// The largest request body `POST /graphql` accepts by default.
pub const DEFAULT_GRAPHQL_BODY_LIMIT: usize = 2 * 1024 * 1024;
/// The largest NDJSON body `POST /import` accepts by default.
pub const DEFAULT_IMPORT_BODY_LIMIT: usize = 1024 * 1024 * 1024;

/// Settings of a running server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Largest `POST /import` body in bytes.
    pub import_body_limit: usize,
    /// Whether reads need a token too.
    pub private: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            import_body_limit: DEFAULT_IMPORT_BODY_LIMIT,
            private: false,
        }
    }
}
