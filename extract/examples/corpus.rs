//! Prints the quantity mentions of report texts as NDJSON, with each text dated from the demo dataset,
//! or checks how many of the demo's observations the mentions recover.
//!
//! ```sh
//! cd /work/main
//! cargo run -p civicgraph-extract --example corpus -- data/demo.ndjson ../shared/corpus/*.txt > /tmp/pred.ndjson
//! python3 ../shared/extraction/score.py ../shared/extraction/gold.jsonl /tmp/pred.ndjson
//! cargo run -p civicgraph-extract --example corpus -- --check-demo data/demo.ndjson ../shared/corpus/*.txt
//! ```
//!
//! The first argument is an interchange NDJSON file: its region, metric and programme records are the
//! catalog, and its reports date the texts. A text `NNN_….txt` takes the publication date of the demo
//! reports whose `external_id` starts with `corpus-NNN` (else a date in its header), and their region
//! when exactly one of them has observations.

use std::collections::HashMap;
use std::error::Error;
use std::path::Path;

use chrono::NaiveDate;
use civicgraph_extract::{Catalog, Dictionaries, Document, Extractor, Mention};
use serde_json::Value;

/// A demo report: the texts it belongs to are found by the prefix of its external id.
struct Report {
    external_id: String,
    published_on: Option<NaiveDate>,
    region: Option<String>,
    observations: Vec<Value>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.first().is_some_and(|a| a == "--check-demo");
    if check {
        args.remove(0);
    }
    let Some((dataset, files)) = args.split_first() else {
        return Err("usage: corpus [--check-demo] DATASET.ndjson FILE...".into());
    };
    let dataset_text = std::fs::read_to_string(dataset).map_err(|e| format!("{dataset}: {e}"))?;
    let catalog = Catalog::from_interchange_ndjson(&dataset_text).map_err(|e| format!("{dataset}: {e}"))?;
    let reports = reports(&dataset_text)?;
    let extractor = Extractor::new(catalog, Dictionaries::builtin());
    let mut recovered = 0;
    let mut total = 0;
    for file in files {
        let name = Path::new(file)
            .file_name()
            .map_or(file.clone(), |n| n.to_string_lossy().into_owned());
        let prefix = format!("corpus-{}", name.get(..3).unwrap_or(""));
        let own: Vec<&Report> = reports
            .iter()
            .filter(|r| r.external_id.starts_with(&prefix))
            .collect();
        let with_figures: Vec<&&Report> = own.iter().filter(|r| !r.observations.is_empty()).collect();
        let document = Document {
            name: name.clone(),
            text: std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?,
            published_on: own.iter().find_map(|r| r.published_on),
            region: match with_figures.as_slice() {
                [only] => only.region.clone(),
                _ => None,
            },
        };
        let mentions = extractor.extract(&document);
        if !check {
            for mention in &mentions {
                println!("{}", serde_json::to_string(mention)?);
            }
            continue;
        }
        for report in own {
            for observation in &report.observations {
                total += 1;
                let region = observation["region"].as_str().or(report.region.as_deref());
                match mentions.iter().find(|m| recovers(m, observation, region)) {
                    Some(_) => recovered += 1,
                    None => println!(
                        "{name} {}: {}",
                        report.external_id,
                        closest(&mentions, observation)
                    ),
                }
            }
        }
    }
    if check {
        let share = if total == 0 {
            0.0
        } else {
            recovered as f64 / total as f64
        };
        println!("recovered {recovered} of {total} demo observations ({share:.3})");
    }
    Ok(())
}

fn reports(dataset: &str) -> Result<Vec<Report>, Box<dyn Error>> {
    let mut reports = Vec::new();
    for line in dataset.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line)?;
        if record["kind"] != "report" {
            continue;
        }
        reports.push(Report {
            external_id: record["external_id"].as_str().unwrap_or_default().to_owned(),
            published_on: record["published_on"].as_str().and_then(|d| d.parse().ok()),
            region: record["region"].as_str().map(str::to_owned),
            observations: record["observations"].as_array().cloned().unwrap_or_default(),
        });
    }
    Ok(reports)
}

/// Same value (as written or multiplied out), qualifier, region and metric.
fn recovers(mention: &Mention, observation: &Value, region: Option<&str>) -> bool {
    let value = observation["value"].as_f64().unwrap_or(f64::NAN);
    let same_value = (mention.value - value).abs() <= 1e-6 * value.abs().max(1.0);
    let qualifier = observation["qualifier"].as_str().unwrap_or("exact");
    same_value
        && mention.qualifier.as_str() == qualifier
        && mention.region.as_ref().and_then(|r| r.code.as_deref()) == region
        && mention.metric.as_deref() == observation["metric"].as_str()
}

/// What the mention with the observation's value says, to show a disagreement.
fn closest(mentions: &[Mention], observation: &Value) -> String {
    let value = observation["value"].as_f64().unwrap_or(f64::NAN);
    let wanted = format!(
        "{} {} {} {}",
        observation["metric"].as_str().unwrap_or("?"),
        value,
        observation["qualifier"].as_str().unwrap_or("exact"),
        observation["region"].as_str().unwrap_or("(report region)"),
    );
    let found: HashMap<String, String> = mentions
        .iter()
        .filter(|m| (m.value - value).abs() <= 1e-6 * value.abs().max(1.0))
        .map(|m| {
            let region = m.region.as_ref().map_or("-".to_owned(), |r| {
                format!("{}={}", r.name, r.code.as_deref().unwrap_or("?"))
            });
            let metric = m
                .metric
                .clone()
                .unwrap_or_else(|| format!("?{}", m.metric_suggestion.as_ref().map_or("", |s| &s.code)));
            (
                m.quote.clone(),
                format!("{metric} {} {region} [{}]", m.qualifier.as_str(), m.measure),
            )
        })
        .collect();
    format!(
        "wanted {wanted} ({}); found {found:?}",
        observation["quote"].as_str().unwrap_or("")
    )
}
