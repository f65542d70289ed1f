//! The statements behind relation fields: one page of a relation for many parents at once.
//!
//! Every relation (a region's children, programs, reports and observations; a report's observations)
//! is described by a [`Relation`]: where its rows live, which expression names each row's parent and
//! the page order. [`load_slices`] answers the pages of many parents in one statement per distinct
//! window and filter, so a request runs a number of statements bounded by its depth.

use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDate;
use entity::observation;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult, QueryResult, Value};

use super::Sql;
use super::observation_columns::ObservationColumns;
use super::reads::Rows;

/// Which slice of a relation to load for each parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Rows to return (one more is fetched to tell whether there is a next page).
    pub first: u64,
    /// Rows to skip.
    pub offset: u64,
    /// Whether to count each parent's rows too (`totalCount`).
    pub total: bool,
}

/// The slice of a relation wanted for one parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slice<F> {
    pub parent: i64,
    pub window: Window,
    pub filter: F,
}

/// Filters of `Region.observations`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PeriodFilter {
    pub metric_id: Option<i64>,
    /// Whole period on or after.
    pub from: Option<NaiveDate>,
    /// Whole period on or before.
    pub to: Option<NaiveDate>,
}

/// A filter of an observation relation with the columns its pages read (see [`observations`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Picked<F> {
    pub filter: F,
    pub columns: ObservationColumns,
}

/// How a page statement reads the rows of a relation: its select list over `t` and the value of each
/// row, both by the slice's filter.
pub struct RowReader<F, M> {
    select: fn(&F) -> String,
    read: fn(&QueryResult, &F) -> Result<M, DbErr>,
}

/// Whole rows (`t.*`), each read as `M`.
pub fn whole<F, M: FromQueryResult>() -> RowReader<F, M> {
    RowReader {
        select: |_| "t.*".to_owned(),
        read: |row, _| M::from_query_result(row, ""),
    }
}

/// Observations, each read with the columns its slice picked only.
pub fn observations<F>() -> RowReader<Picked<F>, observation::Model> {
    RowReader {
        select: |f| f.columns.select_list("t"),
        read: |row, f| f.columns.read(row),
    }
}

/// Where a relation's rows live: the `FROM` clause (rows aliased `t`), the table of `t` (its rows are
/// read again by `id` once their page is known), the expression naming each row's parent, and the
/// page order.
#[derive(Clone, Copy, Debug)]
pub struct Relation {
    from: &'static str,
    table: &'static str,
    parent: &'static str,
    order: &'static str,
}

/// `Region.children`, by code.
pub const REGION_CHILDREN: Relation = Relation {
    from: "region t",
    table: "region",
    parent: "t.parent_id",
    order: "t.code",
};
/// `Region.programs`, by code.
pub const REGION_PROGRAMS: Relation = Relation {
    from: "program t",
    table: "program",
    parent: "t.region_id",
    order: "t.code",
};
/// `Region.reports`, newest first.
pub const REGION_REPORTS: Relation = Relation {
    from: "report t",
    table: "report",
    parent: "t.region_id",
    order: "t.published_on DESC, t.id DESC",
};
/// `Region.observations`, by period. An observation is about region `r` when its path equals r's,
/// which the scope index answers once per metric.
pub const REGION_OBSERVATIONS: Relation = Relation {
    from: "region r JOIN observation t ON t.metric_id IN (SELECT id FROM metric) \
           AND t.province_id = r.province_id AND t.city_id = r.city_id AND t.county_id = r.county_id \
           AND t.town_id = r.town_id AND t.village_id = r.village_id",
    table: "observation",
    parent: "r.id",
    order: "t.period_start, t.id",
};
/// `Report.observations`, in the report's order.
pub const REPORT_OBSERVATIONS: Relation = Relation {
    from: "observation t",
    table: "observation",
    parent: "t.report_id",
    order: "t.id",
};

/// No filter beyond the parent.
pub fn no_filter<F>(_: &F, _: &mut Sql) {}

/// Appends the conditions of a [`PeriodFilter`] on rows aliased `t`.
pub fn period_filter(f: &Picked<PeriodFilter>, sql: &mut Sql) {
    let f = &f.filter;
    if let Some(m) = f.metric_id {
        sql.push(" AND t.metric_id = ").bind(m);
    }
    if let Some(from) = f.from {
        sql.push(" AND t.period_start >= ").bind(Value::from(from));
    }
    if let Some(to) = f.to {
        sql.push(" AND t.period_end <= ").bind(Value::from(to));
    }
}

/// Loads the slices of one relation for many parents in one statement per distinct window and filter.
///
/// PostgreSQL reads each parent's window with a `LATERAL` subquery: an index walk that stops at the
/// window's end (the window-function form below numbered every row of every parent and read the kept
/// ones again by id: 0.68 → 0.38 ms for the observations of Q5's 20 reports, BENCHMARKS.md). SQLite,
/// which has no `LATERAL`, numbers the rows' ids per parent with a window function, keeps each parent's
/// window and reads only those rows whole (numbering narrow rows sorts less: 2.8 → 2.0 ms for a report
/// page of Q5). Rows are counted per parent only for windows that ask for the total; a parent whose
/// window comes back empty is then counted separately, so `totalCount` is right there too.
pub async fn load_slices<M, F: Copy + Eq + Hash>(
    db: &DatabaseConnection,
    relation: &Relation,
    keys: &[Slice<F>],
    filter: fn(&F, &mut Sql),
    reader: RowReader<F, M>,
) -> Result<HashMap<Slice<F>, Rows<M>>, DbErr> {
    let mut groups: HashMap<(Window, F), Vec<i64>> = HashMap::new();
    for k in keys {
        groups.entry((k.window, k.filter)).or_default().push(k.parent);
    }
    let mut out = HashMap::new();
    for ((window, f), parents) in groups {
        let select = (reader.select)(&f);
        let sql = match db.get_database_backend() {
            DbBackend::Postgres => {
                lateral_windows(relation, &select, &parents, window, |sql| filter(&f, sql))
            }
            backend => numbered_windows(backend, relation, &select, &parents, window, |sql| {
                filter(&f, sql)
            }),
        };
        let mut found: HashMap<i64, Rows<M>> = HashMap::new();
        for row in db.query_all_raw(sql.build()).await? {
            let parent: i64 = row.try_get("", "page_parent")?;
            let entry = found.entry(parent).or_insert_with(Rows::empty);
            if window.total {
                entry.total = row.try_get("", "page_total")?;
            }
            entry.rows.push((reader.read)(&row, &f)?);
        }
        let empty: Vec<i64> = parents
            .iter()
            .copied()
            .filter(|p| !found.contains_key(p))
            .collect();
        if window.total && !empty.is_empty() && (window.offset > 0 || window.first == 0) {
            let Relation { from, parent, .. } = relation;
            let mut sql = Sql::new(db.get_database_backend());
            sql.push(&format!(
                "SELECT {parent} AS parent, COUNT(*) AS n FROM {from} WHERE {parent} IN "
            ));
            sql.bind_list(empty.iter().copied());
            filter(&f, &mut sql);
            sql.push(&format!(" GROUP BY {parent}"));
            for row in db.query_all_raw(sql.build()).await? {
                let parent: i64 = row.try_get("", "parent")?;
                found.entry(parent).or_insert_with(Rows::empty).total = row.try_get("", "n")?;
            }
        }
        for parent in parents {
            let key = Slice {
                parent,
                window,
                filter: f,
            };
            out.insert(key, found.remove(&parent).unwrap_or_else(Rows::empty));
        }
    }
    Ok(out)
}

/// PostgreSQL: each parent's window by a `LATERAL` subquery, its rows' `select` list then
/// `page_parent` (and `page_total` when the window asks for it).
fn lateral_windows(
    relation: &Relation,
    select: &str,
    parents: &[i64],
    window: Window,
    filter: impl Fn(&mut Sql),
) -> Sql {
    let Relation {
        from, parent, order, ..
    } = relation;
    let mut sql = Sql::new(DbBackend::Postgres);
    sql.push(&format!("SELECT {select}, p.page_parent"));
    if window.total {
        sql.push(&format!(
            ", (SELECT COUNT(*) FROM {from} WHERE {parent} = p.page_parent"
        ));
        filter(&mut sql);
        sql.push(") AS page_total");
    }
    sql.push(" FROM (VALUES ");
    for (i, id) in parents.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(*id)
            .push("::bigint)");
    }
    sql.push(&format!(
        ") AS p(page_parent) CROSS JOIN LATERAL (SELECT {select} FROM {from} WHERE {parent} = p.page_parent"
    ));
    filter(&mut sql);
    sql.push(&format!(" ORDER BY {order}"))
        .limit((window.first + 1) as i64)
        .push(&format!(
            " OFFSET {}) t ORDER BY p.page_parent, {order}",
            window.offset
        ));
    sql
}

/// SQLite: the rows' ids numbered per parent, each parent's window kept and its rows' `select` list
/// read, then `page_parent` (and `page_total` when the window asks for it).
fn numbered_windows(
    backend: DbBackend,
    relation: &Relation,
    select: &str,
    parents: &[i64],
    window: Window,
    filter: impl Fn(&mut Sql),
) -> Sql {
    let Relation {
        from,
        table,
        parent,
        order,
    } = relation;
    let (total, counted) = if window.total {
        (
            ", p.page_total",
            format!(", COUNT(*) OVER (PARTITION BY {parent}) AS page_total"),
        )
    } else {
        ("", String::new())
    };
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT {select}, p.page_parent{total} FROM (SELECT t.id AS page_id, {parent} AS page_parent, \
         ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {order}) AS page_rn{counted} \
         FROM {from} WHERE {parent} IN "
    ));
    sql.bind_list(parents.iter().copied());
    filter(&mut sql);
    sql.push(&format!(
        ") p JOIN {table} t ON t.id = p.page_id WHERE p.page_rn > "
    ))
    .bind(window.offset as i64);
    sql.push(" AND p.page_rn <= ")
        .bind((window.offset + window.first + 1) as i64);
    sql.push(" ORDER BY p.page_parent, p.page_rn");
    sql
}
