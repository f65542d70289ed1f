//! Database migrations of civicgraph, one module per change, applied in order.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_core_tables;
mod m20261123_000010_create_api_token;
mod m20261201_000020_observation_extraction;
mod m20261215_000030_report_event;
mod m20261216_000040_scope_index_covers_values;
mod m20261218_000050_report_region_path;

/// All migrations, in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_core_tables::Migration),
            Box::new(m20261123_000010_create_api_token::Migration),
            Box::new(m20261201_000020_observation_extraction::Migration),
            Box::new(m20261215_000030_report_event::Migration),
            Box::new(m20261216_000040_scope_index_covers_values::Migration),
            Box::new(m20261218_000050_report_region_path::Migration),
        ]
    }
}
