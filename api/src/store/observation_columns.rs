//! Which of an observation's columns a page reads.
//!
//! Observations are the most numerous rows a request reads (Q5 of the benchmark: 211 of them), and
//! every column of every row costs PostgreSQL an output conversion and the server a decode: reading
//! the four columns Q5 needs instead of all nineteen took its page statement from 0.83–0.94 ms to
//! 0.46–0.49 ms (pgbench, `bench/statements/q5_page_lateral.sql` and `q5_page_narrow.sql`) and Q5 on
//! SQLite from 15.6 M to 10.2 M instructions a request (BENCHMARKS.md). A relation page of
//! observations reads the columns its selection needs ([`ObservationColumns`], chosen by the GraphQL
//! layer) and leaves the others of each [`observation::Model`] at the placeholders of [`unread`],
//! which nothing reads: only the fields that were selected are resolved.

use std::ops::BitOr;

use chrono::NaiveDate;
use entity::Qualifier;
use entity::observation::{self, Column};
use sea_orm::{DbErr, Iterable, QueryResult};

/// A set of the observation table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObservationColumns(u32);

impl ObservationColumns {
    /// Every column: what a selection the GraphQL layer cannot map reads.
    pub fn all() -> Self {
        Column::iter().map(Self::of).fold(Self(0), BitOr::bitor)
    }

    /// The columns every page reads: `id`, which names the row, and `period_start`, which orders
    /// `Region.observations` (`store::relations`, whose page statements sort by these two).
    pub fn keys() -> Self {
        Self::of(Column::Id) | Self::of(Column::PeriodStart)
    }

    /// The set of one column.
    pub fn of(column: Column) -> Self {
        Self(1 << column as u32)
    }

    /// Whether `column` is in the set.
    pub fn contains(self, column: Column) -> bool {
        self.0 & Self::of(column).0 != 0
    }

    /// The columns of the set in the table's order.
    fn columns(self) -> impl Iterator<Item = Column> {
        Column::iter().filter(move |c| self.contains(*c))
    }

    /// The select list of the set over rows aliased `alias`, in the table's order (as [`Self::read`]
    /// reads them).
    pub fn select_list(self, alias: &str) -> String {
        let names: Vec<String> = self
            .columns()
            .map(|c| format!("{alias}.{}", sea_orm::IdenStatic::as_str(&c)))
            .collect();
        names.join(", ")
    }

    /// The observation in the first columns of `row`, selected by [`Self::select_list`]; the columns
    /// outside the set hold [`unread`]'s placeholders.
    pub fn read(self, row: &QueryResult) -> Result<observation::Model, DbErr> {
        let mut m = unread();
        for (i, column) in self.columns().enumerate() {
            match column {
                Column::Id => m.id = row.try_get_by_index(i)?,
                Column::ReportId => m.report_id = row.try_get_by_index(i)?,
                Column::MetricId => m.metric_id = row.try_get_by_index(i)?,
                Column::RegionId => m.region_id = row.try_get_by_index(i)?,
                Column::ProgramId => m.program_id = row.try_get_by_index(i)?,
                Column::Value => m.value = row.try_get_by_index(i)?,
                Column::Qualifier => m.qualifier = row.try_get_by_index(i)?,
                Column::PeriodStart => m.period_start = row.try_get_by_index(i)?,
                Column::PeriodEnd => m.period_end = row.try_get_by_index(i)?,
                Column::Quote => m.quote = row.try_get_by_index(i)?,
                Column::PublishedOn => m.published_on = row.try_get_by_index(i)?,
                Column::ProvinceId => m.province_id = row.try_get_by_index(i)?,
                Column::CityId => m.city_id = row.try_get_by_index(i)?,
                Column::CountyId => m.county_id = row.try_get_by_index(i)?,
                Column::TownId => m.town_id = row.try_get_by_index(i)?,
                Column::VillageId => m.village_id = row.try_get_by_index(i)?,
                Column::Extracted => m.extracted = row.try_get_by_index(i)?,
                Column::QuoteStart => m.quote_start = row.try_get_by_index(i)?,
                Column::QuoteEnd => m.quote_end = row.try_get_by_index(i)?,
            }
        }
        Ok(m)
    }
}

impl BitOr for ObservationColumns {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// An observation whose columns are all unread: zeros, `None`, `exact` and the earliest date.
fn unread() -> observation::Model {
    observation::Model {
        id: 0,
        report_id: 0,
        metric_id: 0,
        region_id: 0,
        program_id: None,
        value: 0.0,
        qualifier: Qualifier::Exact,
        period_start: NaiveDate::MIN,
        period_end: NaiveDate::MIN,
        quote: None,
        published_on: NaiveDate::MIN,
        province_id: 0,
        city_id: 0,
        county_id: 0,
        town_id: 0,
        village_id: 0,
        extracted: false,
        quote_start: None,
        quote_end: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_lists_follow_the_table_order() {
        let some = ObservationColumns::of(Column::Value) | ObservationColumns::keys();
        assert_eq!(some.select_list("t"), "t.id, t.value, t.period_start");
        assert_eq!(
            ObservationColumns::all().columns().count(),
            Column::iter().count()
        );
        assert!(ObservationColumns::all().contains(Column::QuoteEnd));
        assert!(!some.contains(Column::MetricId));
    }
}
