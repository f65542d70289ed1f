//! Calendar buckets: the integer key SQL computes for a day, and the bucket's first and last day.
//!
//! Keys are `year` for years, `year * 10 + quarter` for quarters and `year * 100 + month` for months
//! (see `dialect::bucket`), so they sort in calendar order.

use chrono::NaiveDate;

use super::Grain;

/// The first and last day of the bucket with `key` at `grain`; `None` for a key that names no bucket.
pub fn bucket_bounds(grain: Grain, key: i64) -> Option<(NaiveDate, NaiveDate)> {
    let (year, first_month, months) = match grain {
        Grain::Year => (key, 1, 12),
        Grain::Quarter => (key / 10, (key % 10 - 1) * 3 + 1, 3),
        Grain::Month => (key / 100, key % 100, 1),
    };
    let year = i32::try_from(year).ok()?;
    let first_month = u32::try_from(first_month).ok()?;
    if !(1..=12).contains(&first_month) {
        return None;
    }
    let start = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let end = start
        .checked_add_months(chrono::Months::new(months))?
        .pred_opt()?;
    Some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn buckets_have_calendar_bounds() {
        assert_eq!(
            bucket_bounds(Grain::Year, 2022),
            Some((d("2022-01-01"), d("2022-12-31")))
        );
        assert_eq!(
            bucket_bounds(Grain::Quarter, 20221),
            Some((d("2022-01-01"), d("2022-03-31")))
        );
        assert_eq!(
            bucket_bounds(Grain::Quarter, 20244),
            Some((d("2024-10-01"), d("2024-12-31")))
        );
        assert_eq!(
            bucket_bounds(Grain::Month, 202402),
            Some((d("2024-02-01"), d("2024-02-29")))
        );
        assert_eq!(
            bucket_bounds(Grain::Month, 202212),
            Some((d("2022-12-01"), d("2022-12-31")))
        );
        assert_eq!(bucket_bounds(Grain::Month, 202213), None);
        assert_eq!(bucket_bounds(Grain::Quarter, 20225), None);
    }
}
