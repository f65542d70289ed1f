//! The days of the data's six years: day numbers, their `YYYY-MM-DD` text, and month boundaries.

use chrono::{Datelike, Days, NaiveDate};

/// The first year of the data; it covers [`YEARS`] years (2019..=2024).
pub(crate) const FIRST_YEAR: i32 = 2019;
/// How many years the data covers.
pub(crate) const YEARS: usize = 6;

/// A day as `YYYY-MM-DD`: ASCII digits and dashes only (so JSON text needs no escaping of it).
pub(crate) struct IsoDate([u8; 10]);

impl IsoDate {
    fn new(d: NaiveDate) -> IsoDate {
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let (y, m, day) = (d.year().unsigned_abs(), d.month(), d.day());
        IsoDate([
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            b'-',
            digit(m / 10),
            digit(m),
            b'-',
            digit(day / 10),
            digit(day),
        ])
    }

    /// The ten bytes of the date.
    pub(crate) fn as_bytes(&self) -> &[u8; 10] {
        &self.0
    }
}

/// Days are numbered from 2019-01-01 (day 0); the calendar knows them up to the end of 2025.
pub(crate) struct Calendar {
    /// Every day's date.
    dates: Vec<IsoDate>,
    /// The first day of month `12 * year index + month index`, and one past the last month.
    month_start: Vec<u32>,
}

impl Calendar {
    /// The calendar of 2019..=2025.
    pub(crate) fn new() -> Self {
        let first = |year: usize, month: usize| {
            let (year, month) = (FIRST_YEAR + (year + month / 12) as i32, (month % 12) as u32 + 1);
            NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month of 2019..=2026")
        };
        let base = first(0, 0);
        let month_start: Vec<u32> = (0..=(YEARS + 1) * 12)
            .map(|i| (first(0, i) - base).num_days() as u32)
            .collect();
        let days = month_start[(YEARS + 1) * 12];
        let dates = (0..days)
            .map(|i| IsoDate::new(base + Days::new(u64::from(i))))
            .collect();
        Calendar { dates, month_start }
    }

    /// `YYYY-MM-DD` of a day.
    pub(crate) fn iso(&self, day: u32) -> &IsoDate {
        &self.dates[day as usize]
    }

    /// Month (1..=12) and day of month of a day.
    pub(crate) fn month_day(&self, day: u32) -> (u32, u32) {
        let t = self.iso(day).as_bytes();
        let two = |i: usize| u32::from(t[i] - b'0') * 10 + u32::from(t[i + 1] - b'0');
        (two(5), two(8))
    }

    /// The first day of month `m` (0-based; 12 is January of the next year) of year index `y`.
    pub(crate) fn month_first(&self, y: usize, m: usize) -> u32 {
        self.month_start[y * 12 + m]
    }

    /// The last day of month `m` (0-based) of year index `y`.
    pub(crate) fn month_last(&self, y: usize, m: usize) -> u32 {
        self.month_start[y * 12 + m + 1] - 1
    }

    /// The number of days of month `m` (0-based) of year index `y`.
    pub(crate) fn month_len(&self, y: usize, m: usize) -> u32 {
        self.month_last(y, m) - self.month_first(y, m) + 1
    }

    /// January 1 of year index `y`.
    pub(crate) fn year_first(&self, y: usize) -> u32 {
        self.month_first(y, 0)
    }

    /// December 31 of year index `y`.
    pub(crate) fn year_last(&self, y: usize) -> u32 {
        self.month_last(y, 11)
    }

    /// The year index (0 = 2019) of a day.
    pub(crate) fn year_index(&self, day: u32) -> usize {
        (0..=YEARS).take_while(|&y| self.year_first(y) <= day).count() - 1
    }

    /// 2024-12-31, the last day any record mentions.
    pub(crate) fn last_day(&self) -> u32 {
        self.year_last(YEARS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_months_and_years_line_up() {
        let cal = Calendar::new();
        assert_eq!(cal.iso(0).as_bytes(), b"2019-01-01");
        assert_eq!(cal.iso(cal.last_day()).as_bytes(), b"2024-12-31");
        assert_eq!(cal.iso(cal.month_last(YEARS, 11)).as_bytes(), b"2025-12-31");
        // 2020 and 2024 are leap years.
        assert_eq!(cal.month_len(1, 1), 29);
        assert_eq!(cal.month_len(2, 1), 28);
        assert_eq!(cal.year_last(1) - cal.year_first(1) + 1, 366);
        assert_eq!(cal.iso(cal.month_last(3, 5)).as_bytes(), b"2022-06-30");
        assert_eq!(cal.month_day(cal.month_first(4, 9) + 4), (10, 5));
        assert_eq!(cal.year_index(cal.year_last(2)), 2);
        assert_eq!(cal.year_index(cal.year_first(3)), 3);
    }
}
