//! The log of report events: one row per report created or replaced, written in the transaction of
//! the write, so that every server can tail it and a subscriber can resume after the last event it
//! saw. `seq` only grows (SQLite `AUTOINCREMENT`, a PostgreSQL identity); `report_id` is null on the
//! row that marks where pruned history ends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ReportEvent::Table)
                .col(big_pk_auto(ReportEvent::Seq))
                .col(big_integer_null(ReportEvent::ReportId))
                .col(timestamp_with_time_zone(ReportEvent::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("report_event_at")
                .table(ReportEvent::Table)
                .col(ReportEvent::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ReportEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReportEvent {
    Table,
    Seq,
    ReportId,
    At,
}
