//! The typed rows of the dictionary tables and how each is read from its tab-separated columns.

use entity::{Level, Qualifier};

use crate::mention::Kind;

/// A counter or unit.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct UnitEntry {
    /// The unit printed for it (`人(次)` prints `人次`).
    pub unit: String,
    pub kind: Kind,
    pub condition: UnitCondition,
}

/// When a counter that is also an ordinary word counts as a counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnitCondition {
    Always,
    /// 期: only before an event noun (二期培训) or a clause end, never as a phase (一期9个小组).
    Event,
    /// 点: not a time of day (九点半, 下午三点).
    NotTime,
    /// 年: not a calendar year (2023年).
    NotYear,
    /// 日: only as a limit (30日内), never a date.
    LimitOnly,
    /// 个多月: the counter itself says “more than”.
    Over,
}

/// Where a qualifier word stands relative to the number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QualifierPosition {
    /// Directly before the number (超过2万).
    Before,
    /// Before the number, possibly with a short verb between (至少开展一次).
    BeforeGap,
    /// Only before a bare 百/千/万/亿 (过万人).
    BeforeMultiplier,
    /// Between the number and the counter (7000余人次, 50多万).
    AfterNumber,
    /// After the counter (95%以上, 三年有余).
    AfterUnit,
    /// After a duration or length only (1小时内).
    AfterDuration,
}

/// A qualifier word.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QualifierEntry {
    pub qualifier: Qualifier,
    pub position: QualifierPosition,
    /// Characters that, directly before the word, make it part of another word (签约 is not 约).
    pub blocked_after: Vec<char>,
}

/// How a fixed period phrase resolves against the publication date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PeriodRule {
    /// 1 January of the year to the publication date.
    YearToDate,
    /// 1 January of the previous year to the publication date.
    SinceLastYear,
    /// The whole previous year.
    LastYear,
    /// The whole year before the previous one.
    YearBeforeLast,
    /// The publication date alone.
    Now,
    /// The whole year.
    WholeYear,
    FirstHalf,
    SecondHalf,
    /// Quarter 1..=4.
    Quarter(u32),
    /// Quarters 1 to n.
    FirstQuarters(u32),
    ThisMonth,
    LastMonth,
    /// A vague recent span: unknown start, the publication date as end.
    Recent,
}

impl PeriodRule {
    fn parse(name: &str) -> Option<PeriodRule> {
        Some(match name {
            "ytd" => PeriodRule::YearToDate,
            "since-last-year" => PeriodRule::SinceLastYear,
            "last-year" => PeriodRule::LastYear,
            "year-before-last" => PeriodRule::YearBeforeLast,
            "now" => PeriodRule::Now,
            "whole-year" => PeriodRule::WholeYear,
            "first-half" => PeriodRule::FirstHalf,
            "second-half" => PeriodRule::SecondHalf,
            "q1" => PeriodRule::Quarter(1),
            "q2" => PeriodRule::Quarter(2),
            "q3" => PeriodRule::Quarter(3),
            "q4" => PeriodRule::Quarter(4),
            "first-two-quarters" => PeriodRule::FirstQuarters(2),
            "first-three-quarters" => PeriodRule::FirstQuarters(3),
            "this-month" => PeriodRule::ThisMonth,
            "last-month" => PeriodRule::LastMonth,
            "recent" => PeriodRule::Recent,
            _ => return None,
        })
    }

    /// Whether the rule names a part of a year, so that a year prefix may stand before it (今年上半年).
    pub(crate) fn is_part_of_year(self) -> bool {
        matches!(
            self,
            PeriodRule::WholeYear
                | PeriodRule::FirstHalf
                | PeriodRule::SecondHalf
                | PeriodRule::Quarter(_)
                | PeriodRule::FirstQuarters(_)
        )
    }
}

/// A fixed period phrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeriodEntry {
    pub rule: PeriodRule,
}

/// The time unit of a rate word (每月, 每年).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RateUnit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// A holiday: the month and day it starts and ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Holiday {
    pub start: (u32, u32),
    pub end: (u32, u32),
}

/// A metric pattern: every keyword group must occur in the measure, and the unit must be one of `units`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MetricPattern {
    pub code: String,
    pub name: String,
    /// Allowed units; empty means any.
    pub units: Vec<String>,
    /// Groups of alternatives; one word of each group must occur.
    pub groups: Vec<Vec<String>>,
}

/// A word of measure phrases with its English rendering, for proposed metric codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Term {
    pub english: String,
    /// Objects come first in a proposed code, actions after them (`enterprises_visited`).
    pub is_action: bool,
}

/// Why a cue word makes a quantity something other than a reported figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CueReason {
    Plan,
    Norm,
    Design,
    Background,
}

/// Where a figure cue stands relative to the quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CuePosition {
    /// Anywhere in the sentence before the quantity (计划到2025年底,新建…300公里,新增…5000亩).
    Sentence,
    /// Anywhere in the clause before the quantity.
    Before,
    /// Right after the quantity.
    After,
}

/// A word that marks a quantity as not a reported figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FigureCue {
    pub position: CuePosition,
    pub reason: CueReason,
}

/// The columns of one row, with an error that names the column at fault.
pub(crate) struct Columns<'a> {
    fields: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    pub(crate) fn new(line: &'a str) -> Columns<'a> {
        Columns {
            fields: line.split('\t').map(str::trim).collect(),
        }
    }

    /// Column `index` (0-based), required and non-empty.
    pub(crate) fn required(&self, index: usize, what: &str) -> Result<&'a str, String> {
        match self.fields.get(index) {
            Some(field) if !field.is_empty() => Ok(field),
            _ => Err(format!("column {} ({what}) is missing", index + 1)),
        }
    }

    /// Column `index`, or `None` when absent or empty.
    pub(crate) fn optional(&self, index: usize) -> Option<&'a str> {
        self.fields.get(index).copied().filter(|f| !f.is_empty())
    }
}

pub(crate) fn parse_kind(name: &str) -> Result<Kind, String> {
    Kind::from_name(name).ok_or_else(|| format!("{name:?} is not a kind (count, money, percent, …)"))
}

pub(crate) fn parse_unit(row: &Columns) -> Result<(String, UnitEntry), String> {
    let counter = row.required(0, "counter")?;
    let kind = parse_kind(row.required(1, "kind")?)?;
    let unit = row
        .optional(2)
        .filter(|u| *u != "-")
        .unwrap_or(counter)
        .to_owned();
    let condition = match row.optional(3) {
        None => UnitCondition::Always,
        Some("event") => UnitCondition::Event,
        Some("not-time") => UnitCondition::NotTime,
        Some("not-year") => UnitCondition::NotYear,
        Some("limit-only") => UnitCondition::LimitOnly,
        Some("over") => UnitCondition::Over,
        Some(other) => return Err(format!("{other:?} is not a condition (event, not-time, …)")),
    };
    Ok((
        counter.to_owned(),
        UnitEntry {
            unit,
            kind,
            condition,
        },
    ))
}

pub(crate) fn parse_qualifier(row: &Columns) -> Result<(String, QualifierEntry), String> {
    let word = row.required(0, "word")?;
    let qualifier = match row.required(1, "qualifier")? {
        "exact" => Qualifier::Exact,
        "over" => Qualifier::Over,
        "nearly" => Qualifier::Nearly,
        "under" => Qualifier::Under,
        "approx" => Qualifier::Approx,
        other => {
            return Err(format!(
                "{other:?} is not a qualifier (exact, over, nearly, under, approx)"
            ));
        }
    };
    let position = match row.required(2, "position")? {
        "before" => QualifierPosition::Before,
        "before-gap" => QualifierPosition::BeforeGap,
        "before-multiplier" => QualifierPosition::BeforeMultiplier,
        "after-number" => QualifierPosition::AfterNumber,
        "after-unit" => QualifierPosition::AfterUnit,
        "after-duration" => QualifierPosition::AfterDuration,
        other => return Err(format!("{other:?} is not a position (before, after-number, …)")),
    };
    let blocked_after = row.optional(3).map(|s| s.chars().collect()).unwrap_or_default();
    Ok((
        word.to_owned(),
        QualifierEntry {
            qualifier,
            position,
            blocked_after,
        },
    ))
}

pub(crate) fn parse_level(name: &str) -> Result<Level, String> {
    Level::ALL
        .into_iter()
        .find(|l| l.as_str() == name)
        .ok_or_else(|| format!("{name:?} is not a level (province, city, county, town, village)"))
}

pub(crate) fn parse_period(row: &Columns) -> Result<(String, PeriodEntry), String> {
    let phrase = row.required(0, "phrase")?;
    let rule = row.required(1, "rule")?;
    let rule =
        PeriodRule::parse(rule).ok_or_else(|| format!("{rule:?} is not a period rule (ytd, now, …)"))?;
    Ok((phrase.to_owned(), PeriodEntry { rule }))
}

pub(crate) fn parse_rate(row: &Columns) -> Result<(String, RateUnit), String> {
    let unit = match row.required(1, "unit")? {
        "day" => RateUnit::Day,
        "week" => RateUnit::Week,
        "month" => RateUnit::Month,
        "quarter" => RateUnit::Quarter,
        "year" => RateUnit::Year,
        other => {
            return Err(format!(
                "{other:?} is not a rate unit (day, week, month, quarter, year)"
            ));
        }
    };
    Ok((row.required(0, "word")?.to_owned(), unit))
}

pub(crate) fn parse_holiday(row: &Columns) -> Result<(String, Holiday), String> {
    let day = |index: usize, what: &str| -> Result<(u32, u32), String> {
        let text = row.required(index, what)?;
        let parsed = text
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
            .filter(|&(m, d)| (1..=12).contains(&m) && (1..=31).contains(&d));
        parsed.ok_or_else(|| format!("{text:?} is not a month-day such as 10-01"))
    };
    Ok((
        row.required(0, "name")?.to_owned(),
        Holiday {
            start: day(1, "first day")?,
            end: day(2, "last day")?,
        },
    ))
}

pub(crate) fn parse_metric(row: &Columns) -> Result<MetricPattern, String> {
    let split = |text: &str, sep: char| -> Vec<String> {
        text.split(sep)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let units = match row.required(2, "units")? {
        "*" => Vec::new(),
        units => split(units, ','),
    };
    let groups: Vec<Vec<String>> = match row.required(3, "keywords")? {
        "*" => Vec::new(),
        keywords => split(keywords, '+').iter().map(|g| split(g, '|')).collect(),
    };
    if groups.iter().any(Vec::is_empty) {
        return Err("an empty keyword group".to_owned());
    }
    Ok(MetricPattern {
        code: row.required(0, "code")?.to_owned(),
        name: row.required(1, "name")?.to_owned(),
        units,
        groups,
    })
}

pub(crate) fn parse_term(row: &Columns) -> Result<(String, Term), String> {
    let is_action = match row.required(2, "role")? {
        "object" => false,
        "action" => true,
        other => return Err(format!("{other:?} is not a role (object, action)")),
    };
    let english = row.required(1, "english")?;
    if !english.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
        return Err(format!("{english:?} is not a lower-case code word"));
    }
    Ok((
        row.required(0, "word")?.to_owned(),
        Term {
            english: english.to_owned(),
            is_action,
        },
    ))
}

pub(crate) fn parse_figure_cue(row: &Columns) -> Result<(String, FigureCue), String> {
    let position = match row.required(1, "position")? {
        "sentence" => CuePosition::Sentence,
        "before" => CuePosition::Before,
        "after" => CuePosition::After,
        other => return Err(format!("{other:?} is not a position (sentence, before, after)")),
    };
    let reason = match row.required(2, "reason")? {
        "plan" => CueReason::Plan,
        "norm" => CueReason::Norm,
        "design" => CueReason::Design,
        "background" => CueReason::Background,
        other => {
            return Err(format!(
                "{other:?} is not a reason (plan, norm, design, background)"
            ));
        }
    };
    Ok((
        row.required(0, "word")?.to_owned(),
        FigureCue { position, reason },
    ))
}
