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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
