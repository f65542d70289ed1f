//! What a figure measures: the measure phrase around it, and the metric that phrase matches.
//!
//! The measure is the clause's words before the quantity and the noun phrase after it (打造2处带货达人
//! 孵化中心 → 打造带货达人孵化中心), without places, period wording, other quantities and filler words.
//! Quantities joined by 、 share the words after the last one (5支、100余人的志愿者队伍). The metric is the
//! best dictionary pattern whose keywords all occur and whose units allow the unit, if the catalog holds
//! its code; else the catalog metric whose name is most like the measure; else a suggestion.

use std::collections::HashSet;

use crate::catalog::Catalog;
use crate::dictionaries::{Dictionaries, MetricPattern};
use crate::layout::{Layout, Span};
use crate::mention::{Kind, MetricSuggestion};
use crate::phrases::{PhraseTable, is_punctuation};

/// The longest stretch of words kept before the quantity.
const BEFORE_MAX: usize = 24;
/// The longest stretch of words kept after the quantity.
const AFTER_MAX: usize = 16;
/// The least similarity (Dice over character pairs) for a catalog metric name to match a measure.
const SIMILARITY_MIN: f64 = 0.5;

/// A catalog metric name or alias prepared for comparison.
#[derive(Clone, Debug)]
struct MetricName {
    code: String,
    unit: String,
    /// The pairs of adjacent characters of the name.
    pairs: HashSet<(char, char)>,
}

/// Catalog metrics prepared for matching.
#[derive(Clone, Debug, Default)]
pub(crate) struct MetricIndex {
    codes: HashSet<String>,
    names: Vec<MetricName>,
}

fn pairs(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

impl MetricIndex {
    pub(crate) fn new(catalog: &Catalog) -> MetricIndex {
        let mut index = MetricIndex::default();
        for metric in &catalog.metrics {
            index.codes.insert(metric.code.clone());
            for name in std::iter::once(&metric.name).chain(&metric.aliases) {
                let (code, unit) = (metric.code.clone(), metric.unit.clone());
                index.names.push(MetricName {
                    code,
                    unit,
                    pairs: pairs(name),
                });
            }
        }
        index
    }
}

/// Everything around a quantity that the measure is read from.
pub(crate) struct Surroundings<'a> {
    pub text: &'a [char],
    pub layout: &'a Layout,
    pub dict: &'a Dictionaries,
    /// Spans whose characters are not part of a measure: places, period wording.
    pub excluded: &'a [bool],
    /// The quotes of all quantities, in order.
    pub quantities: &'a [Span],
    /// For each character, whether it lies in a quantity that is not a limit (1小时内 stays part of the
    /// measure it defines: 1小时内办结率).
    pub in_quantity: &'a [bool],
}

impl Surroundings<'_> {
    /// The measure phrase of quantity `index`.
    pub(crate) fn measure(&self, index: usize) -> String {
        let (start, _) = self.quantities[index];
        let clause = self.layout.clause(start);
        // In a list of figures (市级抽检23批次、县级抽检57批次) each item's words start after the 、.
        let first_in_clause = self
            .quantities
            .get(self.quantities.partition_point(|&(s, _)| s < clause.0))
            .copied()
            .unwrap_or((start, start));
        let mut pre_start = clause.0;
        for i in (clause.0..start).rev() {
            if self.text[i] == '、' && first_in_clause.1 <= i {
                pre_start = i + 1;
                break;
            }
        }
        let mut pre = self.clean(pre_start, start, true);
        if pre.is_empty() && pre_start > clause.0 {
            // 辖5个社区、2个行政村: a later item without words of its own shares the list's verb.
            pre = self.clean(clause.0, first_in_clause.0, true);
        }
        // Quantities joined by 、 share the words after the last of them (5支、100余人的志愿者队伍).
        let mut last = index;
        while let Some(&(next_start, _)) = self.quantities.get(last + 1) {
            let gap = &self.text[self.quantities[last].1..next_start];
            if next_start >= clause.1
                || !gap
                    .iter()
                    .all(|&c| matches!(c, '、' | '和' | '及') || c.is_whitespace())
            {
                break;
            }
            last += 1;
        }
        let post_start = self.quantities[last].1;
        let list_end = (post_start..clause.1)
            .find(|&i| self.text[i] == '、')
            .unwrap_or(clause.1);
        let next = self.quantities.get(last + 1).map_or(clause.1, |&(s, _)| s);
        // The words after a quantity end where a new predicate begins (…5000万元打造的项目也为…).
        let predicate =
            (post_start..clause.1).find(|&i| matches!(self.text[i], '也' | '并' | '还' | '又' | '而' | '且'));
        let post_end = list_end
            .min(next)
            .min(predicate.unwrap_or(clause.1))
            .max(post_start);
        let post = self.clean(post_start, post_end, false);
        pre + &post
    }

    /// The words of `from..to` without excluded characters, quantities, punctuation and filler at either
    /// end (and, before the quantity, a trailing 达 or 为); the last `BEFORE_MAX` characters before a quantity or the first `AFTER_MAX` after it.
    fn clean(&self, from: usize, to: usize, before: bool) -> String {
        let mut chars: Vec<char> = (from..to)
            .filter(|&i| !self.excluded[i] && !self.in_quantity[i])
            .map(|i| self.text[i])
            .filter(|&c| !is_punctuation(c) && !c.is_whitespace())
            .collect();
        loop {
            let lead = self
                .dict
                .fillers
                .longest_at(&chars, 0)
                .map(|(l, _)| l)
                .unwrap_or(0);
            chars.drain(..lead);
            let tables: &[&PhraseTable<()>] = if before {
                &[&self.dict.fillers, &self.dict.trailing_fillers]
            } else {
                &[&self.dict.fillers]
            };
            let trail = tables
                .iter()
                .filter_map(|table| table.longest_ending_at(&chars, chars.len()).map(|(l, _)| l))
                .max()
                .unwrap_or(0);
            chars.truncate(chars.len() - trail);
            if lead == 0 && trail == 0 {
                break;
            }
        }
        let kept = if before {
            &chars[chars.len().saturating_sub(BEFORE_MAX)..]
        } else {
            &chars[..chars.len().min(AFTER_MAX)]
        };
        kept.iter().collect()
    }
}

/// The metric of a measure: a catalog code, or a suggestion. `context` is the measure with the words
/// that qualify it (每月, 不少于); `sentence` is used when the measure is empty (a lead list: 50天,25天).
pub(crate) fn resolve(
    context: &str,
    measure: &str,
    sentence: &str,
    unit: &str,
    kind: Kind,
    dict: &Dictionaries,
    index: &MetricIndex,
) -> (Option<String>, Option<MetricSuggestion>) {
    let context = if measure.is_empty() { sentence } else { context };
    let pattern = best_pattern(context, unit, &dict.metrics);
    if let Some(pattern) = pattern
        && index.codes.contains(&pattern.code)
    {
        return (Some(pattern.code.clone()), None);
    }
    if let Some(code) = most_similar(measure, unit, index) {
        return (Some(code), None);
    }
    let suggestion = match pattern {
        Some(pattern) => MetricSuggestion {
            code: pattern.code.clone(),
            name: pattern.name.clone(),
        },
        None => suggest(measure, unit, kind, dict),
    };
    (None, Some(suggestion))
}

fn best_pattern<'d>(measure: &str, unit: &str, patterns: &'d [MetricPattern]) -> Option<&'d MetricPattern> {
    let mut best: Option<(usize, &MetricPattern)> = None;
    for pattern in patterns {
        if !pattern.units.is_empty() && !pattern.units.iter().any(|u| u == unit) {
            continue;
        }
        let mut score = 0;
        let matched = pattern.groups.iter().all(|group| {
            let longest = group
                .iter()
                .filter(|w| measure.contains(w.as_str()))
                .map(|w| w.chars().count())
                .max();
            score += longest.unwrap_or(0);
            longest.is_some()
        });
        let score = score * 10 + usize::from(!pattern.units.is_empty());
        if matched && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, pattern));
        }
    }
    best.map(|(_, p)| p)
}

fn most_similar(measure: &str, unit: &str, index: &MetricIndex) -> Option<String> {
    let measure_pairs = pairs(measure);
    if measure_pairs.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for name in &index.names {
        if !name.unit.is_empty() && name.unit != unit || name.pairs.is_empty() {
            continue;
        }
        let shared = measure_pairs.intersection(&name.pairs).count() as f64;
        let dice = 2.0 * shared / (measure_pairs.len() + name.pairs.len()) as f64;
        if dice >= SIMILARITY_MIN && best.is_none_or(|(d, _)| dice > d) {
            best = Some((dice, &name.code));
        }
    }
    best.map(|(_, code)| code.to_owned())
}

/// A code from the English words of the measure's terms (objects, then actions), and the measure as name.
fn suggest(measure: &str, unit: &str, kind: Kind, dict: &Dictionaries) -> MetricSuggestion {
    let chars: Vec<char> = measure.chars().collect();
    let mut objects: Vec<&str> = Vec::new();
    let mut actions: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match dict.terms.longest_at(&chars, i) {
            Some((len, term)) => {
                let list = if term.is_action {
                    &mut actions
                } else {
                    &mut objects
                };
                if !list.contains(&term.english.as_str()) {
                    list.push(&term.english);
                }
                i += len;
            }
            None => i += 1,
        }
    }
    let words: Vec<&str> = objects
        .iter()
        .rev()
        .take(2)
        .rev()
        .chain(actions.last())
        .copied()
        .collect();
    let code = if words.is_empty() {
        kind_name(kind).to_owned()
    } else {
        words.join("_")
    };
    let name = if measure.is_empty() {
        unit.to_owned()
    } else {
        format!("{measure}({unit})")
    };
    MetricSuggestion { code, name }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Count => "count",
        Kind::Money => "amount",
        Kind::Percent => "rate",
        Kind::Area => "area",
        Kind::Duration => "duration",
        Kind::Weight => "weight",
        Kind::Length => "length",
        Kind::Other => "quantity",
    }
}
