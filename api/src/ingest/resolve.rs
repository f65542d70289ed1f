//! Resolving a checked report's codes to the ids it is written with.

use crate::interchange::ReportRecord;
use crate::store::known::Known;
use crate::store::writer::{ObservationRow, ReportRow};

/// Resolves a validated, normalized report's codes to ids.
pub fn resolve_report(known: &Known, r: &ReportRecord, content_hash: String) -> ReportRow {
    let region = r.region.as_ref().map(|c| &known.regions[c]);
    let observations = r
        .observations
        .iter()
        .map(|o| {
            let region = &known.regions[o.region.as_ref().expect("normalized and validated")];
            ObservationRow {
                metric_id: known.metrics[&o.metric].id,
                region_id: region.id,
                program_id: o.program.as_ref().map(|p| known.programs[p].id),
                value: o.value,
                qualifier: o.qualifier.unwrap_or_default(),
                period_start: o.period_start.unwrap_or(r.published_on),
                period_end: o.period_end.unwrap_or(r.published_on),
                quote: o.quote.clone(),
                quote_span: o
                    .quote_start
                    .zip(o.quote_end)
                    .and_then(|(s, e)| Some((i32::try_from(s).ok()?, i32::try_from(e).ok()?))),
                extracted: o.extracted,
                path: region.path,
            }
        })
        .collect();
    ReportRow {
        external_id: r.external_id.clone(),
        title: r.title.clone(),
        source: r.source.clone(),
        url: r.url.clone(),
        published_on: r.published_on,
        authors: r
            .authors
            .as_ref()
            .map(|a| serde_json::to_string(a).expect("strings serialize")),
        region_id: region.map(|g| g.id),
        path: region.map(|g| g.path).unwrap_or_default(),
        body: r.body.clone(),
        content_hash,
        observations,
    }
}
