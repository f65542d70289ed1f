//! A dated source document; its figures are observations.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub external_id: String,
    pub title: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub published_on: Date,
    /// JSON array of author names.
    pub authors: Option<String>,
    pub region_id: Option<i64>,
    pub body: Option<String>,
    /// Hash of the report's canonical interchange record: an identical re-post is `UNCHANGED`.
    pub content_hash: String,
    /// `province_id` .. `village_id` copy the region's ancestor columns (0 below its level, and all 0
    /// without a region), so that `within` reads one index.
    pub province_id: i64,
    pub city_id: i64,
    pub county_id: i64,
    pub town_id: i64,
    pub village_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
