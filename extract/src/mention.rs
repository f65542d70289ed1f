//! What the extractor reads ([`Document`]) and what it finds ([`Mention`]).
//!
//! A [`Mention`] serializes to the JSON object that `civicgraph extract` prints, one per line: field names
//! in camelCase, the qualifier as its GraphQL name (`"OVER"`), the kind in lower case and dates as
//! `YYYY-MM-DD`.

use chrono::NaiveDate;
use entity::Qualifier;
use serde::{Serialize, Serializer};

/// One text to extract from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    /// The name printed as `doc` in every mention (a file name as given, or `-`).
    pub name: String,
    /// The UTF-8 text.
    pub text: String,
    /// The publication date that relative periods (今年以来, 截至7月底) are resolved against; when it is
    /// `None`, a full date in the document header is used if there is one.
    pub published_on: Option<NaiveDate>,
    /// The code of the region the report is about, used when no place in the text governs a figure.
    pub region: Option<String>,
}

/// What a quantity measures, judged from its counter or unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Things, people, events: 户, 人次, 件, 个.
    Count,
    /// 元 and other currencies.
    Money,
    /// `%` and 百分点.
    Percent,
    /// 亩, 平方米, 公顷.
    Area,
    /// 天, 个月, 年, 小时, 分钟.
    Duration,
    /// 吨, 斤, 公斤.
    Weight,
    /// 公里, 米.
    Length,
    /// Any other unit (立方米, 千瓦时).
    Other,
}

impl Kind {
    /// The kind's name (`count`, `money`, …), as serialized and as written in the dictionaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Count => "count",
            Kind::Money => "money",
            Kind::Percent => "percent",
            Kind::Area => "area",
            Kind::Duration => "duration",
            Kind::Weight => "weight",
            Kind::Length => "length",
            Kind::Other => "other",
        }
    }

    /// Every kind.
    pub const ALL: [Kind; 8] = [
        Kind::Count,
        Kind::Money,
        Kind::Percent,
        Kind::Area,
        Kind::Duration,
        Kind::Weight,
        Kind::Length,
        Kind::Other,
    ];

    /// The kind named `name` (`count`, `money`, …), as written in the dictionaries.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The place a figure belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegionRef {
    /// The place as the text names it; the catalog's name when the catalog knows the place.
    pub name: String,
    /// The matching catalog region, if any.
    pub code: Option<String>,
}

/// The period a figure covers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PeriodRef {
    /// The wording in the text (`今年以来`, `截至7月底`), or `None` when the figure takes the report's period.
    pub text: Option<String>,
    /// First day covered, when it can be resolved.
    pub start: Option<NaiveDate>,
    /// Last day covered, when it can be resolved.
    pub end: Option<NaiveDate>,
}

/// The named initiative a figure belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProgramRef {
    /// The programme as the text names it; the catalog's name when the catalog knows it.
    pub name: String,
    /// The matching catalog programme, if any.
    pub code: Option<String>,
}

/// A metric proposed for a measure that matches none in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MetricSuggestion {
    /// A proposed code (`households_visited`).
    pub code: String,
    /// A proposed name (`走访户数`, or the measure phrase).
    pub name: String,
}

/// One quantity written in the text, with what it measures, where and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mention {
    /// The document's name.
    pub doc: String,
    /// Offset of the first character of the quote, in Unicode scalar values.
    pub start: usize,
    /// Offset just past the quote.
    pub end: usize,
    /// The text between `start` and `end`: qualifier, number, scale word and counter.
    pub quote: String,
    /// The number with 万/亿 multiplied out; a percentage keeps its percent number.
    pub value: f64,
    /// The counter or unit as written, without 万/亿 (`人次`, `元`, `%`).
    pub unit: String,
    /// 1, 10000 or 100000000: the scale word written in the quote.
    pub scale: u64,
    /// How exact the value is.
    #[serde(serialize_with = "qualifier_name")]
    pub qualifier: Qualifier,
    /// What the unit measures.
    pub kind: Kind,
    /// Whether this is a reported figure (result, output, input, indicator, scale attribute) rather than a
    /// norm, plan, target, design parameter, background duration or descriptive detail.
    pub figure: bool,
    /// The words that say what is counted, as written around the quantity.
    pub measure: String,
    /// The code of the catalog metric the measure matches.
    pub metric: Option<String>,
    /// A proposed metric when none matches.
    pub metric_suggestion: Option<MetricSuggestion>,
    /// The most specific place the figure belongs to.
    pub region: Option<RegionRef>,
    /// The period wording and the dates it resolves to.
    pub period: PeriodRef,
    /// The named initiative the figure belongs to.
    pub program: Option<ProgramRef>,
}

fn qualifier_name<S: Serializer>(qualifier: &Qualifier, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(qualifier.graphql_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_the_field_names_the_scorer_reads() {
        let mention = Mention {
            doc: "a.txt".into(),
            start: 3,
            end: 10,
            quote: "7000余人次".into(),
            value: 7000.0,
            unit: "人次".into(),
            scale: 1,
            qualifier: Qualifier::Over,
            kind: Kind::Count,
            figure: true,
            measure: "走访各类人员".into(),
            metric: None,
            metric_suggestion: Some(MetricSuggestion {
                code: "people_visited".into(),
                name: "走访人次".into(),
            }),
            region: Some(RegionRef {
                name: "紫金街道".into(),
                code: Some("331102-zijin".into()),
            }),
            period: PeriodRef {
                text: Some("今年以来".into()),
                start: NaiveDate::from_ymd_opt(2022, 1, 1),
                end: NaiveDate::from_ymd_opt(2022, 8, 20),
            },
            program: None,
        };
        let json = serde_json::to_value(&mention).unwrap();
        assert_eq!(json["qualifier"], "OVER");
        assert_eq!(json["kind"], "count");
        assert_eq!(json["metricSuggestion"]["code"], "people_visited");
        assert_eq!(json["region"]["name"], "紫金街道");
        assert_eq!(json["period"]["start"], "2022-01-01");
        assert_eq!(json["period"]["text"], "今年以来");
        assert!(json["metric"].is_null() && json["program"].is_null());
        assert_eq!(json["value"], 7000.0);
    }
}
