//! civicgraph: an open data-aggregation API for local-governance statistics.
//!
//! Regions, programs, metrics, dated reports and their observations, stored in SQLite or PostgreSQL
//! and served through GraphQL. See README.md for the tour.

pub mod aggregate;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod import;
pub mod model;
pub mod server;
pub mod sql;
