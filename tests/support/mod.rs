//! Support for the integration tests in `api/`: a real civicgraph server on a fresh database (a SQLite
//! file, or a new PostgreSQL database when `TEST_DATABASE_URL` is set), spoken to over HTTP, and
//! [`backend_test!`], which makes one test of each backend.
//!
//! Every item of the product that the tests use is re-exported here from `product.rs`, the one file
//! that names the library's modules.

mod backend;
mod database;
pub mod process;
mod product;
mod proxy;
mod replica;
mod requirements;
mod server;
pub mod write_helpers;

#[doc(hidden)]
pub use backend::postgres_or_skip;
pub use backend::{Backend, DATABASE_URL_VARIABLE};
pub use database::TestDb;
pub use product::*;
pub use proxy::{Proxy, database_addr};
pub use replica::Replica;
pub use requirements::{REQUIRE_VARIABLE, required, unavailable};
pub use server::{StatementCounter, TestServer};
