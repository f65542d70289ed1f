//! The domain's closed vocabularies: region levels, value types, aggregations and qualifiers.
//!
//! Each is a GraphQL enum (upper case) and an interchange value (lower case), stored as its lower-case
//! name except [`Level`], which is stored as its depth (1 = province .. 5 = village).

use async_graphql::Enum;
use serde::{Deserialize, Serialize};

/// A level of the administrative tree, from the top.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[graphql(name = "RegionLevel")]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Province,
    City,
    County,
    Town,
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
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// A non-negative number of things.
    Count,
    /// An additive quantity: money, area, weight.
    Amount,
    /// A percentage in 0..100; not additive.
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

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<ValueType> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
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
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregation {
    Sum,
    Mean,
    Min,
    Max,
    /// The latest figure: latest `periodEnd`, then latest-published report, then the one imported later.
    Last,
    /// The number of counted observations.
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

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Aggregation> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

/// How exact a figure is: "7000余" is `OVER` 7000.
#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    #[default]
    Exact,
    /// At least this (余, 多, 超过, 以上).
    Over,
    /// A little below this (近, 将近).
    Nearly,
    /// Below this (不到, 不足).
    Under,
    /// About this (约, 左右).
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

    /// Parses the stored name; unknown text reads as `APPROX`, the weakest claim.
    pub fn parse(s: &str) -> Qualifier {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or(Qualifier::Approx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_depth_round_trips() {
        for level in Level::ALL {
            assert_eq!(Level::from_depth(level.depth()), Some(level));
        }
        assert_eq!(Level::from_depth(0), None);
        assert_eq!(Level::from_depth(6), None);
        assert_eq!(Level::Town.column(), "town_id");
    }

    #[test]
    fn names_parse_back() {
        assert_eq!(ValueType::parse("ratio"), Some(ValueType::Ratio));
        assert_eq!(Aggregation::parse("last"), Some(Aggregation::Last));
        assert_eq!(Qualifier::parse("nearly"), Qualifier::Nearly);
        assert_eq!(ValueType::parse("RATIO"), None);
    }
}
