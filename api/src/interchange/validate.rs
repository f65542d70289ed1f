//! Checks of one record against the interchange rules and the codes known so far; each failure names
//! its field.

use super::record::{FieldError, MetricRecord, ProgramRecord, RegionRecord, ReportRecord};
use crate::domain::ValueType;
use crate::store::known::{Known, KnownRegion};

fn check_len(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n == 0 || n > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters long"),
        ));
    }
}

/// Checks a region record; `Ok` carries its parent, if any.
pub fn region(known: &Known, r: &RegionRecord) -> Result<Option<KnownRegion>, Vec<FieldError>> {
    let mut errors = Vec::new();
    check_len(&mut errors, "code", &r.code, 64);
    check_len(&mut errors, "name", &r.name, 200);
    if let Some(p) = r.population
        && p < 0
    {
        errors.push(FieldError::new("population", "must be a whole number ≥ 0"));
    }
    let mut parent = None;
    if let Some(code) = &r.parent {
        match known.regions.get(code) {
            None => errors.push(FieldError::new("parent", format!("unknown region `{code}`"))),
            Some(p) => {
                let own = known.regions.get(&r.code);
                if code == &r.code || own.is_some_and(|own| p.path.is_within(own.level, own.id)) {
                    errors.push(FieldError::new(
                        "parent",
                        format!(
                            "`{code}` is `{}` itself or below it: the tree would have a cycle",
                            r.code
                        ),
                    ));
                } else if p.level >= r.level {
                    errors.push(FieldError::new(
                        "level",
                        format!(
                            "`{}` must be below its parent `{code}`, which is a {}",
                            r.level.as_str(),
                            p.level.as_str()
                        ),
                    ));
                }
                parent = Some(*p);
            }
        }
    }
    if errors.is_empty() {
        Ok(parent)
    } else {
        Err(errors)
    }
}

/// Checks a metric record.
pub fn metric(m: &MetricRecord) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    check_len(&mut errors, "code", &m.code, 64);
    if !m
        .code
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        || !m.code.starts_with(|c: char| c.is_ascii_lowercase())
    {
        errors.push(FieldError::new("code", format!("`{}` is not snake_case", m.code)));
    }
    check_len(&mut errors, "name", &m.name, 200);
    if m.unit.chars().count() > 32 {
        errors.push(FieldError::new("unit", "must be at most 32 characters long"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Checks a program record; `Ok` carries the region that runs it.
pub fn program(known: &Known, p: &ProgramRecord) -> Result<KnownRegion, Vec<FieldError>> {
    let mut errors = Vec::new();
    check_len(&mut errors, "code", &p.code, 64);
    check_len(&mut errors, "name", &p.name, 200);
    if let (Some(start), Some(end)) = (p.started_on, p.ended_on)
        && end < start
    {
        errors.push(FieldError::new(
            "ended_on",
            format!("{end} is before started_on {start}"),
        ));
    }
    let region = known.regions.get(&p.region);
    if region.is_none() {
        errors.push(FieldError::new(
            "region",
            format!("unknown region `{}`", p.region),
        ));
    }
    match region {
        Some(r) if errors.is_empty() => Ok(*r),
        _ => Err(errors),
    }
}

/// Checks a normalized report record (see [`ReportRecord::normalized`]).
pub fn report(known: &Known, r: &ReportRecord) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    check_len(&mut errors, "external_id", &r.external_id, 200);
    if let Some(code) = &r.region
        && !known.regions.contains_key(code)
    {
        errors.push(FieldError::new("region", format!("unknown region `{code}`")));
    }
    for (i, o) in r.observations.iter().enumerate() {
        let at = |f: &str| format!("observations[{i}].{f}");
        let metric = known.metrics.get(&o.metric);
        if metric.is_none() {
            errors.push(FieldError::new(
                at("metric"),
                format!("unknown metric `{}`", o.metric),
            ));
        }
        match &o.region {
            None => errors.push(FieldError::new(
                at("region"),
                "is missing and the report has no region",
            )),
            Some(code) if !known.regions.contains_key(code) && r.region.as_ref() != Some(code) => {
                errors.push(FieldError::new(at("region"), format!("unknown region `{code}`")))
            }
            _ => {}
        }
        if let Some(code) = &o.program
            && !known.programs.contains_key(code)
        {
            errors.push(FieldError::new(
                at("program"),
                format!("unknown program `{code}`"),
            ));
        }
        if !o.value.is_finite() {
            errors.push(FieldError::new(at("value"), "must be a finite number"));
        } else if let Some(m) = metric {
            match m.value_type {
                ValueType::Count if o.value < 0.0 || o.value.fract() != 0.0 => errors.push(FieldError::new(
                    at("value"),
                    format!("{} is not a count: a count is a whole number ≥ 0", o.value),
                )),
                ValueType::Ratio if !(0.0..=100.0).contains(&o.value) => errors.push(FieldError::new(
                    at("value"),
                    format!("{} is not a ratio within 0..100", o.value),
                )),
                _ => {}
            }
        }
        match (o.quote_start, o.quote_end) {
            (Some(start), Some(end)) if start > end => errors.push(FieldError::new(
                at("quote_start"),
                format!("{start} is after quote_end {end}"),
            )),
            (Some(_), None) | (None, Some(_)) => errors.push(FieldError::new(
                at("quote_start"),
                "quote_start and quote_end go together",
            )),
            _ => {}
        }
        if let (Some(start), Some(end)) = (o.period_start, o.period_end)
            && start > end
        {
            errors.push(FieldError::new(
                at("period_start"),
                format!("{start} is after period_end {end}"),
            ));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}
