//! civicgraph: an open data-aggregation API for local-governance statistics.
//!
//! Regions, programs, metrics, dated reports and their observations, stored in SQLite or PostgreSQL
//! and served through GraphQL. The modules, from the bottom up (each uses only those above it in this
//! list): `domain` and `error`, `config`, `store` (every SQL statement but the aggregation engine's),
//! `aggregate` (the aggregation engine), `interchange` (the NDJSON format), `ingest` (bulk imports),
//! `events` and `writes` (the API's writes), `auth`, `graphql`, `http` and `cli`. README.md has the
//! map.

pub mod aggregate;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod events;
pub mod extraction;
pub mod graphql;
pub mod http;
pub mod ingest;
pub mod interchange;
pub mod store;
pub mod telemetry;
pub mod writes;
