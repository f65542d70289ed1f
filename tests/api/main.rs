//! The integration tests, one binary: one module per area, each over the support library
//! (`civicgraph_tests`). Every per-backend test is made by `backend_test!` as `NAME::sqlite` and
//! `NAME::postgres`; the PostgreSQL ones run when `TEST_DATABASE_URL` names a server and are skipped
//! with a line on stderr when it does not.

mod aggregate;
mod assets;
mod bulk_load;
mod connections;
mod dashboard;
mod events;
mod extract;
mod graphql_http;
mod hygiene;
mod import;
mod import_http;
mod limits;
mod load_balancer;
mod metrics;
mod migrations;
mod observation_pages;
mod operability;
mod outage;
mod processes;
mod read_api;
mod replica;
mod schema;
mod synth;
mod traces;
mod writes;
mod ws;
