//! A node of the administrative tree: province > city > county > town > village.
//!
//! `province_id` .. `village_id` hold the id of the region's ancestor at each level, the region itself at
//! its own level and 0 where there is none (below it, or a level the tree skips), so "within X" is the
//! single indexed predicate `<X's level>_id = X.id` and paths compare with plain equality.

use sea_orm::entity::prelude::*;

use crate::Level;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    /// Stored as its depth: 1 = province .. 5 = village.
    pub level: Level,
    pub parent_id: Option<i64>,
    pub population: Option<i64>,
    /// JSON array of other names.
    pub aliases: Option<String>,
    pub province_id: i64,
    pub city_id: i64,
    pub county_id: i64,
    pub town_id: i64,
    pub village_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
