//! Reports carry their region's ancestor columns (`province_id` .. `village_id`, 0 below the region's
//! level and for a report without a region), as observations do, with an index per level ordered by
//! date: "the newest reports within a region" is then one walk of one index, where it was a walk per
//! region of the subtree (PostgreSQL) or every report of the subtree sorted (SQLite). A village has no
//! subtree: its reports are those of `idx_report_region`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::m20261123_000001_create_core_tables::LEVEL_COLUMNS;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in LEVEL_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("report"))
                    .add_column(
                        ColumnDef::new(Alias::new(column))
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        }
        // The reports written before: their region's path, one join per report (`UPDATE … FROM`, which
        // both backends run).
        let set: Vec<String> = LEVEL_COLUMNS.iter().map(|c| format!("{c} = g.{c}")).collect();
        m.get_connection()
            .execute_unprepared(&format!(
                "UPDATE report SET {} FROM region g WHERE g.id = report.region_id",
                set.join(", ")
            ))
            .await?;
        // An index per level but the last (a village's reports are those of `idx_report_region`).
        for column in &LEVEL_COLUMNS[..4] {
            m.create_index(
                Index::create()
                    .name(index_name(column))
                    .table(Alias::new("report"))
                    .col(Alias::new(*column))
                    .col(Alias::new("published_on"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in &LEVEL_COLUMNS[..4] {
            m.drop_index(
                Index::drop()
                    .name(index_name(column))
                    .table(Alias::new("report"))
                    .to_owned(),
            )
            .await?;
        }
        for column in LEVEL_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("report"))
                    .drop_column(Alias::new(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

/// `idx_report_province` for `province_id`, and so on.
fn index_name(column: &str) -> String {
    format!("idx_report_{}", column.trim_end_matches("_id"))
}
