//! Observations filled from report text: whether the extractor made them, and where their quote
//! stands in the report's body (character offsets, end exclusive).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        let columns = [
            ColumnDef::new(Observation::Extracted)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Observation::QuoteStart)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Observation::QuoteEnd).integer().null().to_owned(),
        ];
        for column in columns {
            m.alter_table(
                Table::alter()
                    .table(Observation::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Observation::Extracted,
            Observation::QuoteStart,
            Observation::QuoteEnd,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Observation::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Observation {
    Table,
    Extracted,
    QuoteStart,
    QuoteEnd,
}
