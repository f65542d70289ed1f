//! The product's items that the tests use, re-exported from this one place: when the library's modules
//! move, only these paths change, not the tests.

/// The aggregation engine, called directly (to run both ways of deciding supersession on one database).
pub use civicgraph::aggregate::{AggregateSpec, Collect, Grain, GroupRow, Supersession, aggregate_with};
pub use civicgraph::auth::{Role, authenticate, hash_token};
pub use civicgraph::cli::DEMO_DATASET;
pub use civicgraph::cli::token::create_token;
/// The server's settings and limits (fields `private`, `import_body_limit`, …).
pub use civicgraph::config::Config;
pub use civicgraph::domain::{Aggregation, Level};
/// The GraphQL schema as SDL, as `schema.graphql` at the project root holds it.
pub use civicgraph::graphql::cost::{AGGREGATION_COST, CostLimits};
pub use civicgraph::graphql::sdl as schema_sdl;
pub(crate) use civicgraph::http::{AppState, serve};
pub use civicgraph::ingest::{ImportOptions, ImportSummary, Importer, import_lines};
/// Writes the database (or the part `within` a region) as interchange lines.
pub use civicgraph::interchange::export::export as export_ndjson;
pub use civicgraph::store::Db;
pub use civicgraph::store::reads::{metric_by_code, region_by_code};
pub use civicgraph::store::tokens::{list as list_tokens, revoke as revoke_token};
