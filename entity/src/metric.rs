//! What is measured: a unit, a value type and a default aggregation.

use sea_orm::entity::prelude::*;

use crate::{Aggregation, ValueType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "metric")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub unit: String,
    pub value_type: ValueType,
    pub aggregation: Aggregation,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
