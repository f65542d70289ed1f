//! The domain's closed vocabularies: region levels, value types, aggregations and qualifiers.
//!
//! Each is a column type (sea-orm `ActiveEnum`), a GraphQL enum (upper case) and an interchange value
//! (lower case). [`Level`] is stored as its depth (1 = province .. 5 = village), the others as their
//! lower-case name, so a stored value that is none of them is an error when it is read, not a guess.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A level of the administrative tree, from the top.
#[derive(
    Enum,
    Copy,
    Clone,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    EnumIter,
    DeriveActiveEnum,
)]
#[graphql(name = "RegionLevel")]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "i16", db_type = "SmallInteger")]
pub enum Level {
    #[sea_orm(num_value = 1)]
    Province,
    #[sea_orm(num_value = 2)]
    City,
    #[sea_orm(num_value = 3)]
    County,
    #[sea_orm(num_value = 4)]
    Town,
    #[sea_orm(num_value = 5)]
    Village,
}

impl Level {
    /// All levels, from the top.
    pub const ALL: [Level; 5] = [
        Level::Province,
        Level::City,
        Level::County,
        Level::Town,
        Level::Village,
    ];

    /// The stored depth: 1 = province .. 5 = village.
    pub fn depth(self) -> i16 {
        self as i16 + 1
    }

    /// The position in [`Level::ALL`] and in a region path: 0 = province .. 4 = village.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The level stored as `depth`, if any.
    pub fn from_depth(depth: i16) -> Option<Level> {
        Level::ALL
            .get(usize::try_from(depth).ok()?.checked_sub(1)?)
            .copied()
    }

    /// The ancestor column of this level on `region` and `observation`.
    pub fn column(self) -> &'static str {
        ["province_id", "city_id", "county_id", "town_id", "village_id"][self as usize]
    }

    /// The interchange name (`province` .. `village`).
    pub fn as_str(self) -> &'static str {
        ["province", "city", "county", "town", "village"][self as usize]
    }
}

/// What kind of quantity a metric measures.
#[derive(
    Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ValueType {
    /// A non-negative number of things.
    #[sea_orm(string_value = "count")]
    Count,
    /// An additive quantity: money, area, weight.
    #[sea_orm(string_value = "amount")]
    Amount,
    /// A percentage in 0..100; not additive.
    #[sea_orm(string_value = "ratio")]
    Ratio,
}

impl ValueType {
    /// The stored and interchange name.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Count => "count",
            ValueType::Amount => "amount",
            ValueType::Ratio => "ratio",
        }
    }

    /// The aggregation a metric of this type gets when none is given.
    pub fn default_aggregation(self) -> Aggregation {
        match self {
            ValueType::Ratio => Aggregation::Mean,
            _ => Aggregation::Sum,
        }
    }
}

/// How observations of a metric combine into one figure.
#[derive(
    Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Aggregation {
    #[sea_orm(string_value = "sum")]
    Sum,
    #[sea_orm(string_value = "mean")]
    Mean,
    #[sea_orm(string_value = "min")]
    Min,
    #[sea_orm(string_value = "max")]
    Max,
    /// The latest figure: latest `periodEnd`, then latest-published report, then the one imported later.
    #[sea_orm(string_value = "last")]
    Last,
    /// The number of counted observations.
    #[sea_orm(string_value = "count")]
    Count,
}

impl Aggregation {
    /// The stored and interchange name.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Mean => "mean",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Last => "last",
            Aggregation::Count => "count",
        }
    }
}

/// How exact a figure is: "7000余" is `OVER` 7000.
#[derive(
    Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, EnumIter, DeriveActiveEnum,
)]
#[serde(rename_all = "lowercase")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Qualifier {
    #[default]
    #[sea_orm(string_value = "exact")]
    Exact,
    /// At least this (余, 多, 超过, 以上).
    #[sea_orm(string_value = "over")]
    Over,
    /// A little below this (近, 将近).
    #[sea_orm(string_value = "nearly")]
    Nearly,
    /// Below this (不到, 不足).
    #[sea_orm(string_value = "under")]
    Under,
    /// About this (约, 左右).
    #[sea_orm(string_value = "approx")]
    Approx,
}

impl Qualifier {
    /// The stored and interchange name.
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::Over => "over",
            Qualifier::Nearly => "nearly",
            Qualifier::Under => "under",
            Qualifier::Approx => "approx",
        }
    }

    /// The GraphQL name (`EXACT` .. `APPROX`), as the extractor and the dashboard print it.
    pub fn graphql_name(self) -> &'static str {
        match self {
            Qualifier::Exact => "EXACT",
            Qualifier::Over => "OVER",
            Qualifier::Nearly => "NEARLY",
            Qualifier::Under => "UNDER",
            Qualifier::Approx => "APPROX",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    #[test]
    fn level_depth_round_trips() {
        for level in Level::ALL {
            assert_eq!(Level::from_depth(level.depth()), Some(level));
            assert_eq!(level.to_value(), level.depth());
        }
        assert_eq!(Level::from_depth(0), None);
        assert_eq!(Level::from_depth(6), None);
        assert_eq!(Level::Town.column(), "town_id");
    }

    #[test]
    fn stored_names_are_the_interchange_names() {
        for v in ValueType::iter() {
            assert_eq!(v.to_value(), v.as_str());
        }
        for a in Aggregation::iter() {
            assert_eq!(a.to_value(), a.as_str());
        }
        for q in Qualifier::iter() {
            assert_eq!(q.to_value(), q.as_str());
            assert_eq!(q.graphql_name(), q.as_str().to_uppercase());
        }
        assert!(Qualifier::try_from_value(&"roughly".to_owned()).is_err());
    }
}
