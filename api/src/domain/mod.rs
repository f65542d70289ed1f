//! The domain at the bottom of the library: the closed vocabularies (defined with their column types in
//! the `entity` crate and re-exported here) and [`RegionPath`], the ancestor path of a region.
//!
//! Everything above (the store, the aggregation engine, ingest and writes, GraphQL and HTTP) speaks in
//! these types; none of them travels as a string or a bare integer.

mod path;

pub use entity::vocabulary::{Aggregation, Level, Qualifier, ValueType};
pub use path::RegionPath;
