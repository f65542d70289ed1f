//! What the database knows: regions, metrics and programmes that names in the text are matched against.

use std::fmt;

use chrono::NaiveDate;
use entity::Level;
use serde_json::Value;

/// A region of the administrative tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogRegion {
    /// Its unique code (`331102-zijin`).
    pub code: String,
    /// Its full name (`紫金街道`).
    pub name: String,
    /// Other names the texts use (`紫金`).
    pub aliases: Vec<String>,
    /// Its level.
    pub level: Level,
    /// The code of its parent, if any.
    pub parent: Option<String>,
}

/// A metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogMetric {
    /// Its unique code (`people_visited`).
    pub code: String,
    /// Its name (`走访人次`).
    pub name: String,
    /// Its unit (`人次`).
    pub unit: String,
    /// Other names of what it measures.
    pub aliases: Vec<String>,
}

/// A named initiative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogProgram {
    /// Its unique code.
    pub code: String,
    /// Its name (`四五行动`, `“治转提”专项行动`).
    pub name: String,
    /// The code of the region that runs it.
    pub region: Option<String>,
    /// When it started, if known: the start of periods such as “自…开展以来”.
    pub started_on: Option<NaiveDate>,
}

/// Everything names in the text can resolve to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Regions.
    pub regions: Vec<CatalogRegion>,
    /// Metrics.
    pub metrics: Vec<CatalogMetric>,
    /// Programmes.
    pub programs: Vec<CatalogProgram>,
}

/// A line of an interchange file that cannot be read as a catalog record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CatalogError {}

impl Catalog {
    /// Reads the `region`, `metric` and `program` records of an interchange NDJSON text (other kinds,
    /// such as reports, are skipped).
    pub fn from_interchange_ndjson(text: &str) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::default();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let error = |message: String| CatalogError {
                line: index + 1,
                message,
            };
            let record: Value = serde_json::from_str(line).map_err(|e| error(format!("not JSON: {e}")))?;
            let field = |name: &str| record.get(name).and_then(Value::as_str).map(str::to_owned);
            let required = |name: &str| field(name).ok_or_else(|| error(format!("`{name}` is missing")));
            match record.get("kind").and_then(Value::as_str) {
                Some("region") => {
                    let level = field("level").unwrap_or_default();
                    let level = Level::ALL
                        .into_iter()
                        .find(|l| l.as_str() == level)
                        .ok_or_else(|| error(format!("`level` {level:?} is not a region level")))?;
                    catalog.regions.push(CatalogRegion {
                        code: required("code")?,
                        name: required("name")?,
                        aliases: strings(record.get("aliases")),
                        level,
                        parent: field("parent"),
                    });
                }
                Some("metric") => catalog.metrics.push(CatalogMetric {
                    code: required("code")?,
                    name: required("name")?,
                    unit: field("unit").unwrap_or_default(),
                    aliases: strings(record.get("aliases")),
                }),
                Some("program") => {
                    let started_on = match field("started_on") {
                        Some(date) => Some(
                            NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                                .map_err(|_| error(format!("`started_on` {date:?} is not a date")))?,
                        ),
                        None => None,
                    };
                    catalog.programs.push(CatalogProgram {
                        code: required("code")?,
                        name: required("name")?,
                        region: field("region"),
                        started_on,
                    });
                }
                _ => {}
            }
        }
        Ok(catalog)
    }

    /// The region with `code`.
    pub fn region(&self, code: &str) -> Option<&CatalogRegion> {
        self.regions.iter().find(|r| r.code == code)
    }
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_catalog_records_and_skips_reports() {
        let text = concat!(
            r#"{"kind": "region", "code": "331102", "name": "莲都区", "level": "county", "aliases": ["莲都"]}"#,
            "\n",
            r#"{"kind": "metric", "code": "people_visited", "name": "走访人次", "unit": "人次"}"#,
            "\n\n",
            r#"{"kind": "program", "code": "p", "name": "四五行动", "region": "331102", "started_on": "2022-01-01"}"#,
            "\n",
            r#"{"kind": "report", "external_id": "r"}"#,
        );
        let catalog = Catalog::from_interchange_ndjson(text).unwrap();
        assert_eq!(catalog.regions[0].aliases, ["莲都"]);
        assert_eq!(catalog.regions[0].level, Level::County);
        assert_eq!(catalog.metrics[0].unit, "人次");
        assert_eq!(
            catalog.programs[0].started_on,
            NaiveDate::from_ymd_opt(2022, 1, 1)
        );
        assert_eq!(catalog.region("331102").map(|r| r.name.as_str()), Some("莲都区"));
    }

    #[test]
    fn names_the_line_at_fault() {
        let text = "{\"kind\": \"metric\", \"code\": \"a\", \"name\": \"n\"}\n{\"kind\": \"region\", \"code\": \"x\"}";
        let error = Catalog::from_interchange_ndjson(text).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.to_string().contains("level"), "{error}");
    }
}
