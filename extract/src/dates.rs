//! Calendar arithmetic for period wording, and the publication date written in a document header.

use chrono::{Datelike, Months, NaiveDate};

use crate::dictionaries::{PeriodRule, RateUnit};
use crate::phrases::digit_value;

/// A span of days; either end may be unknown.
pub(crate) type Dates = (Option<NaiveDate>, Option<NaiveDate>);

/// How many lines of the header are searched for the publication date.
const HEADER_LINES: usize = 6;

pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(crate) fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first = ymd(year, month, 1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

pub(crate) fn months(year: i32, from: u32, to: u32) -> Dates {
    (ymd(year, from, 1), month_end(year, to))
}

/// The year a month without a year refers to: this year, unless the month is still to come.
pub(crate) fn year_of_month(month: u32, published: NaiveDate) -> i32 {
    if month > published.month() {
        published.year() - 1
    } else {
        published.year()
    }
}

/// What a fixed period phrase covers, `year` being the year it is about.
pub(crate) fn rule_dates(rule: PeriodRule, year: i32, published: NaiveDate) -> Dates {
    let this_year = year == published.year();
    let to_date = |end: Option<NaiveDate>| {
        if this_year {
            end.map(|e| e.min(published))
        } else {
            end
        }
    };
    match rule {
        PeriodRule::YearToDate => (
            ymd(year, 1, 1),
            if this_year {
                Some(published)
            } else {
                ymd(year, 12, 31)
            },
        ),
        PeriodRule::SinceLastYear => (ymd(published.year() - 1, 1, 1), Some(published)),
        PeriodRule::LastYear => (ymd(published.year() - 1, 1, 1), ymd(published.year() - 1, 12, 31)),
        PeriodRule::YearBeforeLast => (ymd(published.year() - 2, 1, 1), ymd(published.year() - 2, 12, 31)),
        PeriodRule::Now => (Some(published), Some(published)),
        PeriodRule::WholeYear => (ymd(year, 1, 1), to_date(ymd(year, 12, 31))),
        PeriodRule::FirstHalf => (ymd(year, 1, 1), to_date(ymd(year, 6, 30))),
        PeriodRule::SecondHalf => (ymd(year, 7, 1), to_date(ymd(year, 12, 31))),
        PeriodRule::Quarter(q) => months(year, q * 3 - 2, q * 3),
        PeriodRule::FirstQuarters(q) => months(year, 1, q * 3),
        PeriodRule::ThisMonth => (ymd(published.year(), published.month(), 1), Some(published)),
        PeriodRule::LastMonth => {
            let last = published.with_day(1).and_then(|d| d.pred_opt());
            (last.and_then(|d| d.with_day(1)), last)
        }
        PeriodRule::Recent => (None, Some(published)),
    }
}

/// The span one rate unit long that ends on the publication date (每年 → the last twelve months).
pub(crate) fn rate_dates(unit: RateUnit, published: NaiveDate) -> Dates {
    let back = |months: u32| {
        published
            .checked_sub_months(Months::new(months))
            .and_then(|d| d.succ_opt())
    };
    let start = match unit {
        RateUnit::Day => Some(published),
        RateUnit::Week => published.checked_sub_days(chrono::Days::new(6)),
        RateUnit::Month => back(1),
        RateUnit::Quarter => back(3),
        RateUnit::Year => back(12),
    };
    (start, Some(published))
}

/// The last `years` years or `months` months up to the publication date (近两年, 近6个月).
pub(crate) fn recent_dates(years: u32, months: u32, published: NaiveDate) -> Dates {
    let start = published
        .checked_sub_months(Months::new(years * 12 + months))
        .and_then(|d| d.succ_opt());
    (start, Some(published))
}

/// The first full date (`2017-02-28`, `2017/2/28`, `2017.02.28`, `2022年9月20日`) in the first lines.
pub fn header_date(text: &[char]) -> Option<NaiveDate> {
    let mut lines = 0;
    let mut i = 0;
    while i < text.len() && lines < HEADER_LINES {
        if text[i] == '\n' {
            if i > 0 && text[i - 1] != '\n' {
                lines += 1;
            }
            i += 1;
            continue;
        }
        if let Some(date) = date_at(text, i) {
            return Some(date);
        }
        i += 1;
    }
    None
}

fn date_at(text: &[char], at: usize) -> Option<NaiveDate> {
    if at > 0 && digit_value(text[at - 1]).is_some() {
        return None;
    }
    let (year, mut i) = digits(text, at, 4)?;
    let (month, day, end) = match text.get(i)? {
        '-' | '/' | '.' => {
            let separator = text[i];
            let (month, next) = digits(text, i + 1, 2)?;
            if text.get(next) != Some(&separator) {
                return None;
            }
            let (day, end) = digits(text, next + 1, 2)?;
            (month, day, end)
        }
        '年' => {
            i += 1;
            let (month, next) = digits(text, i, 2)?;
            if text.get(next) != Some(&'月') {
                return None;
            }
            let (day, end) = digits(text, next + 1, 2)?;
            if text.get(end) != Some(&'日') {
                return None;
            }
            (month, day, end + 1)
        }
        _ => return None,
    };
    if text.get(end).copied().and_then(digit_value).is_some() {
        return None;
    }
    ymd(year as i32, month, day)
}

/// Up to `max` digits at `at` (at least one): their value and the offset after them.
fn digits(text: &[char], at: usize, max: usize) -> Option<(u32, usize)> {
    let mut value = 0;
    let mut i = at;
    while i < text.len() && i - at < max {
        let Some(d) = digit_value(text[i]) else { break };
        value = value * 10 + d;
        i += 1;
    }
    (i > at && (max != 4 || i - at == 4)).then_some((value, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn finds_a_full_date_in_the_header_only() {
        assert_eq!(
            header_date(&chars("看家乡事\n\n标题\n\n陇东报 2017-02-28 09:45 大字\n正文")),
            ymd(2017, 2, 28)
        );
        assert_eq!(header_date(&chars("本报讯 2022年9月20日,全区")), ymd(2022, 9, 20));
        assert_eq!(header_date(&chars("2023/7/31\n")), ymd(2023, 7, 31));
        assert_eq!(header_date(&chars("今年8月10日,村里")), None);
        assert_eq!(header_date(&chars("编号12017-02-28")), None);
        let late = format!("{}2017-02-28", "一\n".repeat(10));
        assert_eq!(header_date(&chars(&late)), None);
    }

    #[test]
    fn resolves_rules_against_the_publication_date() {
        let published = ymd(2023, 12, 15).unwrap();
        assert_eq!(
            rule_dates(PeriodRule::YearToDate, 2023, published),
            (ymd(2023, 1, 1), Some(published))
        );
        assert_eq!(
            rule_dates(PeriodRule::SinceLastYear, 2023, published),
            (ymd(2022, 1, 1), Some(published))
        );
        assert_eq!(
            rule_dates(PeriodRule::LastYear, 2023, published),
            (ymd(2022, 1, 1), ymd(2022, 12, 31))
        );
        assert_eq!(
            rule_dates(PeriodRule::FirstHalf, 2023, published),
            (ymd(2023, 1, 1), ymd(2023, 6, 30))
        );
        assert_eq!(
            rule_dates(PeriodRule::Quarter(3), 2023, published),
            (ymd(2023, 7, 1), ymd(2023, 9, 30))
        );
        assert_eq!(
            rule_dates(PeriodRule::LastMonth, 2023, published),
            (ymd(2023, 11, 1), ymd(2023, 11, 30))
        );
        assert_eq!(months(2023, 1, 11), (ymd(2023, 1, 1), ymd(2023, 11, 30)));
        assert_eq!(month_end(2024, 2), ymd(2024, 2, 29));
        assert_eq!(year_of_month(8, published), 2023);
        assert_eq!(year_of_month(8, ymd(2023, 7, 31).unwrap()), 2022);
        assert_eq!(
            rate_dates(RateUnit::Year, published),
            (ymd(2022, 12, 16), Some(published))
        );
        assert_eq!(
            recent_dates(2, 0, published),
            (ymd(2021, 12, 16), Some(published))
        );
    }
}
