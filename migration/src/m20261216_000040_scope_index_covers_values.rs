//! On PostgreSQL the scope index also carries each observation's `id`, `value` and `qualifier`
//! (`INCLUDE`), so an aggregation reads its observations, and decides which are superseded, from the
//! index alone. SQLite's indexes carry the row id already and have no `INCLUDE`: nothing changes there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The scope index's key columns (as created by the core migration).
const SCOPE: &str = "metric_id, province_id, city_id, county_id, town_id, village_id, \
                     period_start, period_end, program_id, published_on, region_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        recreate(m, "INCLUDE (id, value, qualifier)").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        recreate(m, "").await
    }
}

/// Builds the scope index anew with `include`, then puts it in the old one's place (PostgreSQL only).
async fn recreate(m: &SchemaManager<'_>, include: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.execute_unprepared(&format!(
        "CREATE INDEX idx_observation_scope_next ON observation ({SCOPE}) {include}"
    ))
    .await?;
    db.execute_unprepared("DROP INDEX idx_observation_scope").await?;
    db.execute_unprepared("ALTER INDEX idx_observation_scope_next RENAME TO idx_observation_scope")
        .await?;
    Ok(())
}
