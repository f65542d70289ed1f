//! Finds quantity mentions: a number with its counter or unit and the qualifier words around it.
//!
//! A number is a quantity only when a counter or unit follows it (`7000余人次`, `98.8%`, `1小时内`), and
//! not when it is a date or time of day (2023年, 8月10日, 11时30分), an ordinal (第3次, 二期 as a phase),
//! part of a name (“四五行动”, 12345, 三门县, 万年山), an idiom (千家万户), a lone 一 used as an article
//! (一家企业, 一项), a small rhetorical numeral (八种能力, 四个层面) or a person in an anecdote (两位老人).

#[cfg(test)]
mod tests;

use entity::Qualifier;

use crate::dictionaries::{Dictionaries, QualifierEntry, QualifierPosition, UnitCondition, UnitEntry};
use crate::layout::Layout;
use crate::mention::Kind;
use crate::numbers::{self, Number};
use crate::phrases::{digit_value, is_punctuation};

/// A quantity found in the text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Quantity {
    /// Start of the quote (the qualifier word when there is one, else the number).
    pub start: usize,
    /// End of the quote.
    pub end: usize,
    /// Start of the number itself.
    pub number_start: usize,
    /// End of the counter or unit.
    pub unit_end: usize,
    pub value: f64,
    pub scale: u64,
    pub unit: String,
    pub kind: Kind,
    pub qualifier: Qualifier,
    /// The qualifier word written before the number (至少, 不少于, 近), if any.
    pub qualifier_word: Option<String>,
    /// Written in Chinese numerals.
    pub chinese: bool,
}

/// The longest verb allowed between 至少 and its number (至少开展一次).
const GAP_MAX: usize = 3;

/// Counters that may stand before a place suffix in a count (5个社区, 3座县城); with any other counter a
/// numeral before a place suffix is part of a name (三门县, 七台河市).
const PLACE_COUNTERS: [&str; 8] = ["个", "座", "所", "处", "家", "类", "名", "批"];

/// The quantities of `text`, in text order. `blocked[i]` marks characters that cannot start a number
/// (names, places, period wording, idioms).
pub(crate) fn scan(text: &[char], layout: &Layout, dict: &Dictionaries, blocked: &[bool]) -> Vec<Quantity> {
    let scanner = Scanner { text, layout, dict };
    let mut quantities = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if blocked.get(i).copied().unwrap_or(false)
            || !(numbers::may_start_number(text[i]) || text[i] == '半')
        {
            i += 1;
            continue;
        }
        match scanner.quantity_at(i) {
            Ok(quantity) => {
                i = quantity.end.max(i + 1);
                quantities.push(quantity);
            }
            Err(skip) => i = skip.max(i + 1),
        }
    }
    quantities
}

struct Scanner<'a> {
    text: &'a [char],
    layout: &'a Layout,
    dict: &'a Dictionaries,
}

/// The qualifier found on one side of a number: the word, its qualifier and where it starts or ends.
struct Found {
    word: String,
    qualifier: Qualifier,
    at: usize,
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> char {
        self.text.get(i).copied().unwrap_or('\0')
    }

    /// The quantity starting at `start`, or the offset to continue scanning from.
    fn quantity_at(&self, start: usize) -> Result<Quantity, usize> {
        let (number_start, number, percent_prefix) = self.number_at(start).ok_or(start + 1)?;
        let skip = number.end;
        if !self.may_be_quantity(start, &number) {
            return Err(skip);
        }
        let (value, mut pos, ranged) = self.extent(number_start, &number).ok_or(skip)?;
        let mut after_number = None;
        if let Some((len, entry)) = self.dict.qualifiers.longest_at(self.text, pos)
            && entry.position == QualifierPosition::AfterNumber
        {
            after_number = Some(entry.qualifier);
            pos += len;
        }
        let unit_entry = |unit: &str, kind| UnitEntry {
            unit: unit.into(),
            kind,
            condition: UnitCondition::Always,
        };
        let (unit_end, unit) = match self.dict.units.longest_at_skipping_space(self.text, pos) {
            _ if percent_prefix => (pos, unit_entry("%", Kind::Percent)),
            Some((end, entry)) => (end, entry.clone()),
            // 常住人口约2.1万,: a scaled number needs no counter.
            None if number.scale > 1
                && (is_punctuation(self.at(pos)) || matches!(self.at(pos), '\0' | '\n')) =>
            {
                (pos, unit_entry("", Kind::Count))
            }
            None => return Err(skip),
        };
        if !self.counter_holds(&number, &unit, number_start, unit_end) {
            return Err(skip);
        }
        let after_unit = self.after_unit(unit_end, unit.kind);
        if unit.condition == UnitCondition::LimitOnly
            && after_unit
                .as_ref()
                .is_none_or(|f| f.qualifier != Qualifier::Under)
        {
            return Err(skip);
        }
        let before = self.before(start, &number);
        if number.bare_one && !self.lone_one_counts(start, &unit.unit, before.as_ref()) {
            return Err(skip);
        }
        if number.chinese && !self.chinese_counts(&number, &unit.unit, unit_end, before.is_some()) {
            return Err(skip);
        }
        let qualifier = before
            .as_ref()
            .map(|f| f.qualifier)
            .or(after_unit.as_ref().map(|f| f.qualifier))
            .or(after_number)
            .or((unit.condition == UnitCondition::Over || ranged).then_some(Qualifier::Over))
            .or(number.vague.then_some(Qualifier::Over))
            .unwrap_or(Qualifier::Exact);
        let quote_start = before.as_ref().map_or(start, |f| f.at);
        let end = after_unit.as_ref().map_or(unit_end, |f| f.at);
        Ok(Quantity {
            start: quote_start,
            end,
            number_start,
            unit_end,
            value,
            scale: number.scale,
            unit: unit.unit,
            kind: unit.kind,
            qualifier,
            qualifier_word: before.map(|f| f.word),
            chinese: number.chinese,
        })
    }

    /// The number at `start` (after 百分之 for a percentage): where it starts, the number, and whether it
    /// was a 百分之 percentage.
    fn number_at(&self, start: usize) -> Option<(usize, Number, bool)> {
        if self.text.get(start..start + 3) == Some(&['百', '分', '之']) {
            let number = numbers::parse(self.text, start + 3, false)?;
            return Some((start + 3, number, true));
        }
        if self.at(start) == '半' {
            let half = Number {
                end: start + 1,
                value: 0.5,
                scale: 1,
                vague: false,
                chinese: false,
                plain_digits: 0,
                bare_one: false,
            };
            let (_, entry) = self.dict.units.longest_at(self.text, start + 1)?;
            let half_counts =
                entry.kind == Kind::Duration && !matches!(self.at(start + 1), '年' | '月' | '日');
            return half_counts.then_some((start, half, false));
        }
        let bare = matches!(self.at(start), '百' | '千' | '万' | '亿');
        let allow_bare = bare
            && (matches!(self.at(start + 1), '余' | '多') || self.qualifier_before(start, true).is_some());
        let number = numbers::parse(self.text, start, allow_bare)?;
        (number.value > 0.0 || !number.chinese).then_some((start, number, false))
    }

    /// Rules on the number alone: ordinals, model numbers, names in quotes, headlines.
    fn may_be_quantity(&self, start: usize, number: &Number) -> bool {
        let before = self.at(start.wrapping_sub(1));
        if matches!(before, '第' | '之' | '初') || before.is_ascii_alphanumeric() || before == '.' {
            return false;
        }
        // 排名前3名: a rank, not a count.
        if before == '前' && matches!(self.at(number.end), '名' | '位') {
            return false;
        }
        if number.chinese && (before == '周' || self.layout.in_headline(start)) {
            return false;
        }
        !self.layout.in_name(start)
    }

    /// Where the number ends and what it is worth: `1+12条` is summed (`1+X+N` is a name), and a range
    /// `3-5天` or `三至五年` takes its lower bound (the third value tells it is a range).
    fn extent(&self, start: usize, number: &Number) -> Option<(f64, usize, bool)> {
        let mut value = number.value;
        let mut end = number.end;
        if matches!(self.at(end), '-' | '~' | '～' | '—' | '至' | '到')
            && let Some(upper) =
                numbers::parse(self.text, end + 1, false).filter(|n| n.chinese == number.chinese)
        {
            return Some((value, upper.end, true));
        }
        if number.chinese {
            return Some((value, end, false));
        }
        while self.at(end) == '+' {
            digit_value(self.at(end + 1))?;
            let next = numbers::parse(self.text, end + 1, false)?;
            value += next.value;
            end = next.end;
        }
        if end > number.end && start > 0 && self.at(start - 1) == '+' {
            return None;
        }
        Some((value, end, false))
    }

    /// Whether the counter really is one here: 2023年 is a year, 九点半 a time, 一期工程 a phase, 三门县 a
    /// name.
    fn counter_holds(&self, number: &Number, unit: &UnitEntry, number_start: usize, unit_end: usize) -> bool {
        let next = self.at(unit_end);
        let year_like = (number.plain_digits == 4 && (1000.0..=2100.0).contains(&number.value))
            || (number.chinese && number.plain_digits >= 2);
        let holds = match unit.condition {
            UnitCondition::NotYear => !year_like && !matches!(next, '度' | '级' | '代' | '底' | '初' | '末'),
            UnitCondition::NotTime => {
                self.dict
                    .times_of_day
                    .longest_ending_at(self.text, number_start)
                    .is_none()
                    && !matches!(next, '半' | '钟' | '整' | '零' | '多')
                    && digit_value(next).is_none()
            }
            UnitCondition::Event => {
                self.dict.event_nouns.longest_at(self.text, unit_end).is_some()
                    || is_punctuation(next)
                    || next == '\0'
            }
            _ => true,
        };
        let place_name = number.chinese
            && !PLACE_COUNTERS.contains(&unit.unit.as_str())
            && unit.kind == Kind::Count
            && self
                .dict
                .place_suffixes
                .longest_at(self.text, unit_end)
                .is_some_and(|(len, _)| len == 1);
        holds && !place_name
    }

    /// A lone 一 counts only as a frequency: 每月一次, 至少开展一次.
    fn lone_one_counts(&self, start: usize, unit: &str, before: Option<&Found>) -> bool {
        unit == "次" && (before.is_some() || self.dict.rates.longest_ending_at(self.text, start).is_some())
    }

    /// Chinese numerals are not counts when rhetorical (八种能力) or anecdotal people (两位老人).
    fn chinese_counts(&self, number: &Number, unit: &str, unit_end: usize, qualified: bool) -> bool {
        let small = number.value < 10.0 && !number.vague && !qualified;
        let next = self.at(unit_end);
        // 五个一批, 三个一: a numeral right after the counter makes a slogan.
        let slogan = numbers::may_start_number(next) && !matches!(next, '上' | '数');
        let rhetorical = number.value <= 10.0
            && (slogan
                || self
                    .dict
                    .rhetorical_heads
                    .longest_at(self.text, unit_end)
                    .is_some());
        let people = small && matches!(unit, "位" | "人");
        !rhetorical && !people
    }

    /// The qualifier word right before the number (or, for 至少, a few characters before it).
    fn before(&self, start: usize, number: &Number) -> Option<Found> {
        let bare = !number.chinese || matches!(self.at(start), '百' | '千' | '万' | '亿');
        self.qualifier_before(start, bare)
            .or_else(|| self.gapped_qualifier_before(start))
    }

    fn qualifier_before(&self, start: usize, bare_multiplier: bool) -> Option<Found> {
        let (len, entry) = self.dict.qualifiers.longest_ending_at(self.text, start)?;
        let usable = match entry.position {
            QualifierPosition::Before | QualifierPosition::BeforeGap => true,
            QualifierPosition::BeforeMultiplier => {
                bare_multiplier && matches!(self.at(start), '百' | '千' | '万' | '亿')
            }
            _ => false,
        };
        let at = start - len;
        (usable && !self.blocked_by(entry, at)).then(|| Found {
            word: self.text[at..start].iter().collect(),
            qualifier: entry.qualifier,
            at,
        })
    }

    fn gapped_qualifier_before(&self, start: usize) -> Option<Found> {
        (1..=GAP_MAX).find_map(|gap| {
            let end = start.checked_sub(gap)?;
            if self.text[end..start]
                .iter()
                .any(|&c| is_punctuation(c) || c.is_whitespace())
            {
                return None;
            }
            let (len, entry) = self.dict.qualifiers.longest_ending_at(self.text, end)?;
            (entry.position == QualifierPosition::BeforeGap).then(|| Found {
                word: self.text[end - len..end].iter().collect(),
                qualifier: entry.qualifier,
                at: end - len,
            })
        })
    }

    fn blocked_by(&self, entry: &QualifierEntry, word_start: usize) -> bool {
        word_start > 0 && entry.blocked_after.contains(&self.text[word_start - 1])
    }

    /// The qualifier word after the counter (以上, 有余, 左右, 内 after a duration, 多 after a duration).
    fn after_unit(&self, unit_end: usize, kind: Kind) -> Option<Found> {
        let mut at = unit_end;
        while self.at(at).is_whitespace() && at < self.text.len() {
            at += 1;
        }
        let timed = matches!(kind, Kind::Duration | Kind::Length);
        if timed && matches!(self.at(at), '多' | '余') {
            return Some(Found {
                word: self.at(at).to_string(),
                qualifier: Qualifier::Over,
                at: at + 1,
            });
        }
        let (len, entry) = self.dict.qualifiers.longest_at(self.text, at)?;
        let usable = match entry.position {
            QualifierPosition::AfterUnit => true,
            QualifierPosition::AfterDuration => timed,
            _ => false,
        };
        usable.then(|| Found {
            word: self.text[at..at + len].iter().collect(),
            qualifier: entry.qualifier,
            at: at + len,
        })
    }
}
