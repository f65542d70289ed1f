//! The region tree, metrics, programs, reports and observations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The per-level ancestor columns shared by `region` and `observation` (and `report` since
/// `m20261218_000050_report_region_path`): the id of the ancestor (or the region itself) at each level,
/// 0 where there is none, so that paths compare with plain equality.
pub(crate) const LEVEL_COLUMNS: [&str; 5] = ["province_id", "city_id", "county_id", "town_id", "village_id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut region = Table::create();
        region
            .table(Region::Table)
            .col(big_pk_auto(Region::Id))
            .col(string_uniq(Region::Code))
            .col(string(Region::Name))
            .col(small_integer(Region::Level))
            .col(big_integer_null(Region::ParentId))
            .col(big_integer_null(Region::Population))
            .col(text_null(Region::Aliases));
        for c in LEVEL_COLUMNS {
            region.col(big_integer(Alias::new(c)).default(0));
        }
        region.foreign_key(
            ForeignKey::create()
                .from(Region::Table, Region::ParentId)
                .to(Region::Table, Region::Id),
        );
        m.create_table(region).await?;
        index(m, "region", "idx_region_parent", &["parent_id"]).await?;
        index(m, "region", "idx_region_level_code", &["level", "code"]).await?;
        for c in &LEVEL_COLUMNS[..4] {
            index(m, "region", &format!("idx_region_{c}"), &[c, "code"]).await?;
        }

        m.create_table(
            Table::create()
                .table(Metric::Table)
                .col(big_pk_auto(Metric::Id))
                .col(string_uniq(Metric::Code))
                .col(string(Metric::Name))
                .col(string(Metric::Unit))
                .col(string(Metric::ValueType))
                .col(string(Metric::Aggregation))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Program::Table)
                .col(big_pk_auto(Program::Id))
                .col(string_uniq(Program::Code))
                .col(string(Program::Name))
                .col(big_integer(Program::RegionId))
                .col(string_null(Program::Category))
                .col(text_null(Program::Description))
                .col(date_null(Program::StartedOn))
                .col(date_null(Program::EndedOn))
                .foreign_key(
                    ForeignKey::create()
                        .from(Program::Table, Program::RegionId)
                        .to(Region::Table, Region::Id),
                )
                .to_owned(),
        )
        .await?;
        index(m, "program", "idx_program_region", &["region_id"]).await?;
        index(m, "program", "idx_program_category", &["category", "code"]).await?;

        m.create_table(
            Table::create()
                .table(Report::Table)
                .col(big_pk_auto(Report::Id))
                .col(string_uniq(Report::ExternalId))
                .col(text(Report::Title))
                .col(string_null(Report::Source))
                .col(text_null(Report::Url))
                .col(date(Report::PublishedOn))
                .col(text_null(Report::Authors))
                .col(big_integer_null(Report::RegionId))
                .col(text_null(Report::Body))
                .col(string(Report::ContentHash))
                .foreign_key(
                    ForeignKey::create()
                        .from(Report::Table, Report::RegionId)
                        .to(Region::Table, Region::Id),
                )
                .to_owned(),
        )
        .await?;
        index(m, "report", "idx_report_published", &["published_on", "id"]).await?;
        index(m, "report", "idx_report_region", &["region_id", "published_on"]).await?;

        let mut observation = Table::create();
        observation
            .table(Observation::Table)
            .col(big_pk_auto(Observation::Id))
            .col(big_integer(Observation::ReportId))
            .col(big_integer(Observation::MetricId))
            .col(big_integer(Observation::RegionId))
            .col(big_integer_null(Observation::ProgramId))
            .col(double(Observation::Value))
            .col(string(Observation::Qualifier))
            .col(date(Observation::PeriodStart))
            .col(date(Observation::PeriodEnd))
            .col(text_null(Observation::Quote))
            .col(date(Observation::PublishedOn));
        for c in LEVEL_COLUMNS {
            observation.col(big_integer(Alias::new(c)).default(0));
        }
        observation
            .foreign_key(
                ForeignKey::create()
                    .from(Observation::Table, Observation::ReportId)
                    .to(Report::Table, Report::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Observation::Table, Observation::MetricId)
                    .to(Metric::Table, Metric::Id),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Observation::Table, Observation::RegionId)
                    .to(Region::Table, Region::Id),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Observation::Table, Observation::ProgramId)
                    .to(Program::Table, Program::Id),
            );
        m.create_table(observation).await?;
        index(m, "observation", "idx_observation_report", &["report_id"]).await?;
        // The one index over observations' content: metric, then the region path, then the period, then
        // what deduplication compares. `within` at any level is an equality prefix of it, and so is "the
        // figures about exactly this region" (a whole path, padded with 0), which is how the ancestor
        // probe of deduplication finds wider figures without reading the table.
        let mut scope = vec!["metric_id"];
        scope.extend(LEVEL_COLUMNS);
        scope.extend([
            "period_start",
            "period_end",
            "program_id",
            "published_on",
            "region_id",
        ]);
        index(m, "observation", "idx_observation_scope", &scope).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["observation", "report", "program", "metric", "region"] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index(m: &SchemaManager<'_>, table: &str, name: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(Alias::new(table));
    for c in cols {
        idx.col(Alias::new(*c));
    }
    m.create_index(idx).await
}

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    Code,
    Name,
    Level,
    ParentId,
    Population,
    Aliases,
}

#[derive(DeriveIden)]
enum Metric {
    Table,
    Id,
    Code,
    Name,
    Unit,
    ValueType,
    Aggregation,
}

#[derive(DeriveIden)]
enum Program {
    Table,
    Id,
    Code,
    Name,
    RegionId,
    Category,
    Description,
    StartedOn,
    EndedOn,
}

#[derive(DeriveIden)]
enum Report {
    Table,
    Id,
    ExternalId,
    Title,
    Source,
    Url,
    PublishedOn,
    Authors,
    RegionId,
    Body,
    ContentHash,
}

#[derive(DeriveIden)]
enum Observation {
    Table,
    Id,
    ReportId,
    MetricId,
    RegionId,
    ProgramId,
    Value,
    Qualifier,
    PeriodStart,
    PeriodEnd,
    Quote,
    PublishedOn,
}
