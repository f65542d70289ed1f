//! Period wording (今年以来, 截至7月底, 今年1~11月, 自1月份启动…以来, 8月起, 近两年, 每月) and the period
//! each figure takes.
//!
//! A period phrase governs the figures after it in its part of the sentence (up to ；); a rate word
//! (每月, 每年) only the first figure after it in its clause. Figures in a leading list (50天,25天,20天……
//! 今年上半年) take the first phrase after them, and a sentence without wording inherits the phrase that
//! opens the previous sentence of its paragraph.

use chrono::{Datelike, NaiveDate};

use crate::dates::{self, Dates};
use crate::dictionaries::{Dictionaries, PeriodRule};
use crate::layout::{Layout, Span};
use crate::numbers;
use crate::phrases::{digit_value, is_punctuation, separates_clauses};

/// A period phrase in the text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PeriodPhrase {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// A rate word (每月): it applies to the first figure after it only.
    pub rate: bool,
    pub dates: Dates,
    /// The start is not written (自试运行以来): it comes from the programme or an earlier phrase.
    pub open_start: bool,
    /// Numbers inside are part of the wording, not quantities (近两年, 1~11月).
    pub blocks_numbers: bool,
}

/// The longest reach of 自/从 … 以来 and … 以来.
const SINCE_MAX: usize = 25;

/// What a phrase means before it is resolved against the publication date.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Meaning {
    Rule(PeriodRule, Option<i32>),
    Months {
        year: Option<i32>,
        from: u32,
        to: u32,
    },
    From {
        year: Option<i32>,
        month: u32,
    },
    Until {
        year: Option<i32>,
        month: Option<u32>,
    },
    Year(i32),
    Recent {
        years: u32,
        months: u32,
    },
    Holiday {
        year: Option<i32>,
        start: (u32, u32),
        end: (u32, u32),
        before: bool,
    },
    Rate(crate::dictionaries::RateUnit),
    Open,
}

struct Finder<'a> {
    text: &'a [char],
    dict: &'a Dictionaries,
    published: Option<NaiveDate>,
}

/// Finds the period phrases of `text`.
pub(crate) fn find_periods(
    text: &[char],
    layout: &Layout,
    dict: &Dictionaries,
    published: Option<NaiveDate>,
) -> Vec<PeriodPhrase> {
    let finder = Finder {
        text,
        dict,
        published,
    };
    let mut phrases = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if layout.in_name(i) {
            i += 1;
            continue;
        }
        match finder.phrase_at(i, layout) {
            Some((start, end, meaning)) => {
                phrases.push(finder.resolve(start, end, meaning));
                i = end;
            }
            None => i += 1,
        }
    }
    phrases
}

impl Finder<'_> {
    fn at(&self, i: usize) -> char {
        self.text.get(i).copied().unwrap_or('\0')
    }

    fn starts_with(&self, i: usize, word: &str) -> bool {
        word.chars().enumerate().all(|(k, c)| self.at(i + k) == c)
    }

    fn phrase_at(&self, i: usize, layout: &Layout) -> Option<(usize, usize, Meaning)> {
        if let Some(found) = self.until(i).or_else(|| self.since(i, layout)) {
            return Some(found);
        }
        let compound = self
            .with_year(i)
            .or_else(|| self.month_phrase(i, None))
            .or_else(|| self.recent(i));
        let fixed = self
            .dict
            .periods
            .longest_at(self.text, i)
            .map(|(len, e)| (i, i + len, Meaning::Rule(e.rule, None)));
        let rate = self
            .dict
            .rates
            .longest_at(self.text, i)
            .map(|(len, &u)| (i, i + len, Meaning::Rate(u)));
        let holiday = self.holiday(i, None);
        let Some(best) = [compound, fixed, rate, holiday]
            .into_iter()
            .flatten()
            .max_by_key(|&(s, e, _)| e - s)
        else {
            return self.generic_since(i, layout);
        };
        let comparison = self.dict.comparisons.longest_ending_at(self.text, i).is_some()
            || self.starts_with(best.1, "同期");
        (!comparison).then_some(best)
    }

    /// A number of up to `max` digits (Arabic or Chinese) at `i`: its value and the offset after it.
    fn small_number(&self, i: usize, max: usize) -> Option<(u32, usize)> {
        let mut value = 0;
        let mut j = i;
        while j - i < max {
            match digit_value(self.at(j)) {
                Some(d) => value = value * 10 + d,
                None => break,
            }
            j += 1;
        }
        if j > i {
            return Some((value, j));
        }
        let chinese = |c: char| numbers::chinese_digit(c).filter(|&d| d > 0);
        match (self.at(i), chinese(self.at(i + 1))) {
            ('十', Some(d)) => Some((10 + d, i + 2)),
            ('十', None) => Some((10, i + 1)),
            (c, _) => chinese(c).map(|d| (d, i + 1)),
        }
    }

    /// 今年/去年/前年/本年/2023年 followed by a month, a part of the year, a holiday, 以来 or 度.
    fn with_year(&self, i: usize) -> Option<(usize, usize, Meaning)> {
        let (year, after) = self.year_prefix(i)?;
        if let Some(found) = self
            .month_phrase(after, Some(year))
            .or_else(|| self.holiday(after, Some(year)))
        {
            return Some((i, found.1, found.2));
        }
        if let Some((len, entry)) = self.dict.periods.longest_at(self.text, after)
            && entry.rule.is_part_of_year()
        {
            return Some((i, after + len, Meaning::Rule(entry.rule, Some(year))));
        }
        let explicit = digit_value(self.at(i)).is_some();
        if explicit && self.starts_with(after, "以来") {
            return Some((
                i,
                after + 2,
                Meaning::From {
                    year: Some(year),
                    month: 1,
                },
            ));
        }
        if explicit {
            let end = if matches!(self.at(after), '度' | '底' | '末') {
                after + 1
            } else {
                after
            };
            return Some((i, end, Meaning::Year(year)));
        }
        None
    }

    fn year_prefix(&self, i: usize) -> Option<(i32, usize)> {
        let published_year = self.published.map(|d| d.year());
        for (word, offset) in [("今年", 0), ("本年", 0), ("去年", -1), ("前年", -2)] {
            if self.starts_with(i, word) {
                return Some((published_year.unwrap_or(0) + offset, i + 2));
            }
        }
        if (i == 0 || digit_value(self.at(i - 1)).is_none())
            && (0..4).all(|k| digit_value(self.at(i + k)).is_some())
        {
            let (year, end) = self.small_number(i, 4)?;
            if self.at(end) == '年' && (1900..=2100).contains(&year) {
                return Some((year as i32, end + 1));
            }
        }
        None
    }

    /// 1~11月, 1-10月, 11月 (with a year only), 8月起, 8月份以来.
    fn month_phrase(&self, i: usize, year: Option<i32>) -> Option<(usize, usize, Meaning)> {
        let (from, mut j) = self.small_number(i, 2)?;
        let mut to = from;
        if matches!(self.at(j), '~' | '～' | '-' | '—' | '至' | '到') {
            let (last, k) = self.small_number(j + 1, 2)?;
            to = last;
            j = k;
        }
        if self.at(j) != '月' || !(1..=12).contains(&from) || !(from..=12).contains(&to) {
            return None;
        }
        j += 1;
        if self.at(j) == '份' {
            j += 1;
        }
        for word in ["以来", "起", "开始"] {
            if to == from && self.starts_with(j, word) {
                return Some((i, j + word.chars().count(), Meaning::From { year, month: from }));
            }
        }
        let ranged = to != from;
        (ranged || year.is_some()).then_some((i, j, Meaning::Months { year, from, to }))
    }

    /// 近两年, 近6个月, 三年来.
    fn recent(&self, i: usize) -> Option<(usize, usize, Meaning)> {
        let near = self.at(i) == '近';
        let (n, j) = self.small_number(if near { i + 1 } else { i }, 2)?;
        let (years, months, mut end) = if self.at(j) == '年' {
            (n, 0, j + 1)
        } else if self.starts_with(j, "个月") {
            (0, n, j + 2)
        } else {
            return None;
        };
        if self.starts_with(end, "以来") {
            end += 2;
        } else if self.at(end) == '来' {
            end += 1;
        } else if !near || !(is_punctuation(self.at(end)) || matches!(self.at(end), '内' | '间' | '中')) {
            return None;
        }
        Some((i, end, Meaning::Recent { years, months }))
    }

    /// 国庆, 国庆前, 国庆期间 (after a year or alone).
    fn holiday(&self, i: usize, year: Option<i32>) -> Option<(usize, usize, Meaning)> {
        let (len, holiday) = self.dict.holidays.longest_at(self.text, i)?;
        let mut end = i + len;
        let mut before = false;
        for word in ["期间", "假期", "黄金周", "前", "后"] {
            if self.starts_with(end, word) {
                before = word == "前";
                end += word.chars().count();
                break;
            }
        }
        Some((
            i,
            end,
            Meaning::Holiday {
                year,
                start: holiday.start,
                end: holiday.end,
                before,
            },
        ))
    }

    /// 截至目前, 截至7月底, 截至2023年.
    fn until(&self, i: usize) -> Option<(usize, usize, Meaning)> {
        let word = ["截至到", "截止到", "截至", "截止"]
            .into_iter()
            .find(|w| self.starts_with(i, w))?;
        let after = i + word.chars().count();
        for now in ["目前", "当前", "现在", "今天"] {
            if self.starts_with(after, now) {
                return Some((i, after + 2, Meaning::Rule(PeriodRule::YearToDate, None)));
            }
        }
        let (year, mut j) = match self.year_prefix(after) {
            Some((year, j)) => (Some(year), j),
            None => (None, after),
        };
        let mut month = None;
        if let Some((m, k)) = self
            .small_number(j, 2)
            .filter(|&(m, k)| self.at(k) == '月' && (1..=12).contains(&m))
        {
            month = Some(m);
            j = k + 1;
            if matches!(self.at(j), '底' | '末' | '份') {
                j += 1;
            }
        } else if self.starts_with(j, "年底") || self.starts_with(j, "年末") {
            month = Some(12);
            j += 2;
        }
        (year.is_some() || month.is_some()).then_some((i, j, Meaning::Until { year, month }))
    }

    /// 自1月份启动干部大走访以来, 从2013年开始, 自试运行以来.
    fn since(&self, i: usize, layout: &Layout) -> Option<(usize, usize, Meaning)> {
        if !matches!(self.at(i), '自' | '从') {
            return None;
        }
        let clause_end = layout.clause(i).1;
        let limit = (i + SINCE_MAX).min(clause_end);
        let end = (i + 2..=limit).find_map(|j| {
            ["以来", "开始"]
                .into_iter()
                .find(|w| self.starts_with(j, w))
                .map(|w| j + w.chars().count())
                .or_else(|| {
                    (self.at(j) == '起' && matches!(self.at(j.wrapping_sub(1)), '月' | '日' | '年' | '份'))
                        .then_some(j + 1)
                })
        })?;
        let dated = (i + 1..end).find_map(|j| {
            let (year, k) = self.year_prefix(j).map_or((None, j), |(y, k)| (Some(y), k));
            match self.month_phrase(k, year) {
                Some((_, _, Meaning::From { month, .. } | Meaning::Months { from: month, .. })) => {
                    Some(Meaning::From { year, month })
                }
                _ => year.map(|y| Meaning::From {
                    year: Some(y),
                    month: 1,
                }),
            }
            .or_else(|| {
                let (m, k) = self.small_number(j, 2)?;
                (self.at(k) == '月' && (1..=12).contains(&m))
                    .then_some(Meaning::From { year: None, month: m })
            })
        });
        Some((i, end, dated.unwrap_or(Meaning::Open)))
    }

    /// “治转提”专项行动开展以来: a clause that ends in 以来.
    fn generic_since(&self, i: usize, layout: &Layout) -> Option<(usize, usize, Meaning)> {
        if !self.starts_with(i, "以来") {
            return None;
        }
        let mut start = layout.clause(i).0;
        while start < i && (self.text[start].is_whitespace() || matches!(self.text[start], '在' | '于')) {
            start += 1;
        }
        (start + 2 <= i && i - start <= SINCE_MAX).then_some((start, i + 2, Meaning::Open))
    }

    fn resolve(&self, start: usize, end: usize, meaning: Meaning) -> PeriodPhrase {
        let published = self.published;
        let dates = match (meaning, published) {
            (Meaning::Year(year), _) => (dates::ymd(year, 1, 1), dates::ymd(year, 12, 31)),
            (_, None) => (None, None),
            (Meaning::Rule(rule, year), Some(p)) => dates::rule_dates(rule, year.unwrap_or(p.year()), p),
            (Meaning::Months { year, from, to }, Some(p)) => {
                dates::months(year.unwrap_or_else(|| dates::year_of_month(to, p)), from, to)
            }
            (Meaning::From { year, month }, Some(p)) => (
                dates::ymd(year.unwrap_or_else(|| dates::year_of_month(month, p)), month, 1),
                Some(p),
            ),
            (Meaning::Until { year, month }, Some(p)) => {
                let year = year.unwrap_or_else(|| month.map_or(p.year(), |m| dates::year_of_month(m, p)));
                let end = dates::month_end(year, month.unwrap_or(12)).map(|end| end.min(p));
                (dates::ymd(year, 1, 1), end)
            }
            (Meaning::Recent { years, months }, Some(p)) => dates::recent_dates(years, months, p),
            (
                Meaning::Holiday {
                    year,
                    start,
                    end,
                    before,
                },
                Some(p),
            ) => {
                let year = year.unwrap_or(p.year());
                let first = dates::ymd(year, start.0, start.1);
                if before {
                    let eve = first.and_then(|d| d.pred_opt());
                    (eve, eve)
                } else {
                    (first, dates::ymd(year, end.0, end.1))
                }
            }
            (Meaning::Rate(unit), Some(p)) => dates::rate_dates(unit, p),
            (Meaning::Open, Some(p)) => (None, Some(p)),
        };
        let text_of = &self.text[start..end];
        PeriodPhrase {
            start,
            end,
            text: text_of.iter().collect(),
            rate: matches!(meaning, Meaning::Rate(_)),
            dates,
            open_start: matches!(meaning, Meaning::Open),
            blocks_numbers: !matches!(meaning, Meaning::Open | Meaning::From { .. }) || text_of.len() <= 8,
        }
    }
}

/// The phrases that start in `from..to` and end by `to` (phrases are in text order).
fn within(
    phrases: &[PeriodPhrase],
    from: usize,
    to: usize,
) -> impl DoubleEndedIterator<Item = &PeriodPhrase> {
    let first = phrases.partition_point(|p| p.start < from);
    let last = phrases.partition_point(|p| p.start < to);
    phrases[first..last.max(first)]
        .iter()
        .filter(move |p| p.end <= to)
}

/// The phrase whose period a figure takes. `quote` is the figure's quote, `quantities` all quotes in
/// order and `in_quantity` marks their characters.
pub(crate) fn period_for<'p>(
    quote: Span,
    phrases: &'p [PeriodPhrase],
    layout: &Layout,
    quantities: &[Span],
    in_quantity: &[bool],
    text: &[char],
) -> Option<&'p PeriodPhrase> {
    let clause = layout.clause(quote.0);
    let quantity_between = |from: usize| {
        let next = quantities.partition_point(|&(s, _)| s < from);
        quantities.get(next).is_some_and(|&(s, _)| s < quote.0)
    };
    let rate = within(phrases, clause.0, quote.0)
        .rev()
        .find(|p| p.rate && !quantity_between(p.end));
    if rate.is_some() {
        return rate;
    }
    let stated = |from: usize| within(phrases, from, quote.0).rev().find(|p| !p.rate);
    if let Some(phrase) = stated(layout.part(quote.0).0) {
        return Some(phrase);
    }
    let sentence = layout.sentence(quote.0);
    let leading_list =
        (sentence.0..clause.1).all(|i| in_quantity[i] || is_punctuation(text[i]) || text[i].is_whitespace());
    if leading_list {
        return within(phrases, quote.1, sentence.1).find(|p| !p.rate);
    }
    if stated(sentence.0).is_some() || sentence.0 == 0 {
        return None;
    }
    let previous = layout.sentence(sentence.0 - 1);
    let same_paragraph = layout.paragraph(previous.0) == layout.paragraph(sentence.0);
    let opening = within(phrases, previous.0, previous.1).find(|p| !p.rate && p.start == previous.0);
    opening.filter(|p| same_paragraph && separates_clauses(text.get(p.end).copied().unwrap_or('\0')))
}

#[cfg(test)]
mod tests;
