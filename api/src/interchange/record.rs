//! The interchange records (`../shared/spec/interchange.md`) as Rust data, parsed with the path of any
//! field at fault, and normalized (defaults applied) so that one report always has one canonical form.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{Aggregation, Level, Qualifier, ValueType};

/// One line of an NDJSON file.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Region(RegionRecord),
    Metric(MetricRecord),
    Program(ProgramRecord),
    Report(ReportRecord),
}

impl Record {
    /// The record's kind as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Region(_) => "region",
            Record::Metric(_) => "metric",
            Record::Program(_) => "program",
            Record::Report(_) => "report",
        }
    }

    /// The record's natural key (`code`, or `external_id` for reports).
    pub fn key(&self) -> &str {
        match self {
            Record::Region(r) => &r.code,
            Record::Metric(m) => &m.code,
            Record::Program(p) => &p.code,
            Record::Report(r) => &r.external_id,
        }
    }
}

/// What kind of fault a [`FieldError`] is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fault {
    /// The record is invalid in itself or references codes that do not exist (`BAD_INPUT`).
    #[default]
    Invalid,
    /// The record is valid but contradicts stored data: a metric's value type or a region's level that
    /// can no longer change (`CONFLICT`).
    Conflict,
}

/// A field at fault: which field (`""` for the record as a whole), what is wrong, and what kind of fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub fault: Fault,
}

impl FieldError {
    /// An invalid `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
            fault: Fault::Invalid,
        }
    }

    /// A valid `field` that contradicts stored data.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            fault: Fault::Conflict,
            ..FieldError::new(field, message)
        }
    }
}

/// Parses one NDJSON line into a record. A NUL character in any string is refused, naming its field:
/// no database stores it the same way (PostgreSQL refuses it, SQLite keeps it).
pub fn parse_line(line: &str) -> Result<Record, FieldError> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| FieldError::new("", format!("invalid JSON: {e}")))?;
    if let Some(field) = nul_path(&value, String::new()) {
        return Err(FieldError::new(field, NUL_MESSAGE));
    }
    let kind = match value.get("kind") {
        Some(serde_json::Value::String(k)) => k.clone(),
        Some(_) => return Err(FieldError::new("kind", "must be a string")),
        None if value.is_object() => return Err(FieldError::new("kind", "is missing")),
        None => return Err(FieldError::new("", "each line must be a JSON object")),
    };
    fn typed<T: for<'de> Deserialize<'de>>(value: serde_json::Value) -> Result<T, FieldError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { String::new() } else { path };
            FieldError::new(field, e.into_inner().to_string())
        })
    }
    match kind.as_str() {
        "region" => typed(value).map(Record::Region),
        "metric" => typed(value).map(Record::Metric),
        "program" => typed(value).map(Record::Program),
        "report" => typed(value).map(Record::Report),
        other => Err(FieldError::new(
            "kind",
            format!("unknown kind `{other}` (expected region, metric, program or report)"),
        )),
    }
}

/// What a string holding a NUL character is told.
pub const NUL_MESSAGE: &str = "contains a NUL character (\\u0000), which is not allowed in text";

/// The path (`observations[2].quote`, `""` for the value itself) of the first string in `value`
/// that holds a NUL character, if any; object keys count as their value's place.
pub fn nul_path(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_path(v, format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(path)
            } else {
                nul_path(v, path)
            }
        }),
        _ => None,
    }
}

/// A node of the region tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionRecord {
    pub code: String,
    pub name: String,
    pub level: Level,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
}

/// What is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRecord {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub value_type: ValueType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<Aggregation>,
}

impl MetricRecord {
    /// The aggregation, or the value type's default.
    pub fn effective_aggregation(&self) -> Aggregation {
        self.aggregation.unwrap_or(self.value_type.default_aggregation())
    }
}

/// A named initiative run by one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramRecord {
    pub code: String,
    pub name: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_on: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_on: Option<NaiveDate>,
}

/// A dated source document with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub external_id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(deserialize_with = "date")]
    pub published_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authors: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default)]
    pub observations: Vec<ObservationRecord>,
}

/// One figure of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationRecord {
    pub metric: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<Qualifier>,
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub period_start: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub period_end: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Where `quote` starts in the report's body, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_start: Option<u32>,
    /// Where `quote` ends in the report's body (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote_end: Option<u32>,
    /// Whether the extractor filled it from the report's body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extracted: bool,
}

impl ReportRecord {
    /// The report with every default made explicit: each observation's region, qualifier and period.
    /// Two records that mean the same report normalize to equal values.
    pub fn normalized(&self) -> ReportRecord {
        let mut report = self.clone();
        for o in &mut report.observations {
            if o.region.is_none() {
                o.region = report.region.clone();
            }
            o.qualifier = Some(o.qualifier.unwrap_or_default());
            o.period_start = Some(o.period_start.unwrap_or(report.published_on));
            o.period_end = Some(o.period_end.unwrap_or(report.published_on));
        }
        report
    }

    /// The SHA-256 of the normalized report's canonical JSON, hex-encoded: equal for equal content.
    pub fn content_hash(&self) -> String {
        let canonical = serde_json::to_vec(&self.normalized()).expect("a report serializes");
        Sha256::digest(&canonical)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Serializes a record as one interchange line (with its `kind`, no trailing newline).
pub fn to_line(record: &Record) -> String {
    fn tagged<T: Serialize>(kind: &str, body: &T) -> String {
        let body = serde_json::to_string(body).expect("a record serializes");
        // Every record has fields, so `body` is `{…}`: put the kind first.
        format!("{{\"kind\":\"{kind}\",{}", &body[1..])
    }
    match record {
        Record::Region(r) => tagged("region", r),
        Record::Metric(m) => tagged("metric", m),
        Record::Program(p) => tagged("program", p),
        Record::Report(r) => tagged("report", r),
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    if s.len() != 10 {
        return Err(format!("`{s}` is not a date in the form YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a valid date (YYYY-MM-DD)"))
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = String::deserialize(d)?;
    parse_date(&s).map_err(serde::de::Error::custom)
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => parse_date(&s).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let e = parse_line(r#"{"kind":"region","code":"a","name":"A","level":"hamlet"}"#).unwrap_err();
        assert_eq!(e.field, "level");
        let e = parse_line(
            r#"{"kind":"report","external_id":"r","title":"t","published_on":"2022-02-30","observations":[]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "published_on");
        assert!(e.message.contains("2022-02-30"), "{}", e.message);
        let e = parse_line(
            r#"{"kind":"report","external_id":"r","title":"t","published_on":"2022-02-03",
               "observations":[{"metric":"m","value":"NaN"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "observations[0].value");
        assert_eq!(parse_line(r#"{"kind":"town"}"#).unwrap_err().field, "kind");
        assert_eq!(parse_line("{not json").unwrap_err().field, "");
    }

    #[test]
    fn normalization_makes_defaults_explicit() {
        let line = r#"{"kind":"report","external_id":"r","title":"t","published_on":"2022-08-20","region":"x",
            "observations":[{"metric":"m","value":3}]}"#;
        let Record::Report(r) = parse_line(line).unwrap() else {
            panic!()
        };
        let n = r.normalized();
        assert_eq!(n.observations[0].region.as_deref(), Some("x"));
        assert_eq!(n.observations[0].period_end, NaiveDate::from_ymd_opt(2022, 8, 20));
        let explicit = to_line(&Record::Report(n.clone()));
        let Record::Report(again) = parse_line(&explicit).unwrap() else {
            panic!()
        };
        assert_eq!(again.content_hash(), r.content_hash());
    }
}
