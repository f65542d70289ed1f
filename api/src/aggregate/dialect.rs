//! The only SQL that differs between SQLite and PostgreSQL in aggregation.

use sea_orm::DbBackend;

use super::Grain;

/// The integer bucket key of the date expression `day` (see `period`): SQLite stores dates as
/// `YYYY-MM-DD` text, PostgreSQL as `DATE`.
pub fn bucket(backend: DbBackend, grain: Grain, day: &str) -> String {
    let (year, month) = match backend {
        DbBackend::Postgres => (
            format!("CAST(EXTRACT(YEAR FROM {day}) AS BIGINT)"),
            format!("CAST(EXTRACT(MONTH FROM {day}) AS BIGINT)"),
        ),
        _ => (
            format!("CAST(substr({day}, 1, 4) AS INTEGER)"),
            format!("CAST(substr({day}, 6, 2) AS INTEGER)"),
        ),
    };
    match grain {
        Grain::Year => year,
        Grain::Quarter => format!("({year} * 10 + ({month} + 2) / 3)"),
        Grain::Month => format!("({year} * 100 + {month})"),
    }
}

/// The first day of the bucket of the date expression `day`, as a date the column compares with.
pub fn bucket_start(backend: DbBackend, grain: Grain, day: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            let unit = match grain {
                Grain::Year => "year",
                Grain::Quarter => "quarter",
                Grain::Month => "month",
            };
            format!("CAST(date_trunc('{unit}', {day}) AS DATE)")
        }
        _ => match grain {
            Grain::Year => format!("(substr({day}, 1, 4) || '-01-01')"),
            Grain::Quarter => format!(
                "(substr({day}, 1, 5) || CASE WHEN substr({day}, 6, 2) <= '03' THEN '01' \
                 WHEN substr({day}, 6, 2) <= '06' THEN '04' WHEN substr({day}, 6, 2) <= '09' THEN '07' \
                 ELSE '10' END || '-01')"
            ),
            Grain::Month => format!("(substr({day}, 1, 7) || '-01')"),
        },
    }
}

/// The distinct non-null values of the integer expression `expr` in a group, as comma-separated text.
pub fn id_list(backend: DbBackend, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("STRING_AGG(DISTINCT CAST({expr} AS TEXT), ',')"),
        _ => format!("GROUP_CONCAT(DISTINCT {expr})"),
    }
}

/// Joins each row `c` of `scoped` to its observation `t` only when it counts (`c.sup = 0`), by primary
/// key: SQLite seeks the rowid (and skips the null key); PostgreSQL is held to a parameterized index
/// lookup by a lateral subquery that cannot be flattened into a merge or hash join.
pub fn counted_rows(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "LEFT JOIN LATERAL (SELECT t.* FROM observation t WHERE t.id = c.id AND c.sup = 0 LIMIT 1) t ON TRUE"
        }
        _ => "LEFT JOIN observation t ON t.id = CASE WHEN c.sup = 0 THEN c.id END",
    }
}

/// Joins each group `g` of `aggregate` to its region `r` by primary key: SQLite seeks the rowid;
/// PostgreSQL is held to one index lookup per group by a lateral subquery that cannot be flattened
/// into a hash join over every region.
pub fn region_of_group(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "LEFT JOIN LATERAL (SELECT * FROM region r WHERE r.id = g.grp_region LIMIT 1) r ON TRUE"
        }
        _ => "LEFT JOIN region r ON r.id = g.grp_region",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_per_dialect() {
        assert_eq!(
            bucket(DbBackend::Sqlite, Grain::Year, "o.d"),
            "CAST(substr(o.d, 1, 4) AS INTEGER)"
        );
        assert!(bucket(DbBackend::Postgres, Grain::Quarter, "o.d").contains("EXTRACT(MONTH FROM o.d)"));
        assert!(id_list(DbBackend::Sqlite, "x").starts_with("GROUP_CONCAT"));
        assert_eq!(
            bucket_start(DbBackend::Postgres, Grain::Month, "d"),
            "CAST(date_trunc('month', d) AS DATE)"
        );
        assert_eq!(
            bucket_start(DbBackend::Sqlite, Grain::Year, "d"),
            "(substr(d, 1, 4) || '-01-01')"
        );
    }
}
