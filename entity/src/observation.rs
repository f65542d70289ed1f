//! One figure from one report.
//!
//! `published_on` copies the report's date and `province_id` .. `village_id` copy the region's ancestor
//! columns, so that scoping and deduplication run on one indexed table.

use sea_orm::entity::prelude::*;

use crate::Qualifier;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "observation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    pub metric_id: i64,
    pub region_id: i64,
    pub program_id: Option<i64>,
    pub value: f64,
    pub qualifier: Qualifier,
    pub period_start: Date,
    pub period_end: Date,
    pub quote: Option<String>,
    pub published_on: Date,
    pub province_id: i64,
    pub city_id: i64,
    pub county_id: i64,
    pub town_id: i64,
    pub village_id: i64,
    /// Whether the extractor filled it from the report's body.
    pub extracted: bool,
    /// Where `quote` starts in the report's body, in characters.
    pub quote_start: Option<i32>,
    /// Where `quote` ends in the report's body (exclusive).
    pub quote_end: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
