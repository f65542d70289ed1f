//! The statements of `civicgraph export`: the database, or the part of it within one region, read back
//! a page at a time in an order that imports back (regions parents first, then metrics, programs, and
//! reports with their observations).

use chrono::NaiveDate;
use entity::{metric, report};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryOrder, QueryResult};

use super::Sql;
use super::reads::region_by_code;
use crate::domain::{Level, Qualifier, RegionPath};

/// Rows read per statement.
const PAGE: i64 = 1000;

/// Which regions an export covers: all, or those within one region.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// `(level, id)` of the `within` region.
    within: Option<(Level, i64)>,
    /// Its ancestors, exported too so that the file imports into an empty database.
    ancestors: Vec<i64>,
}

impl Scope {
    /// Everything.
    pub fn all() -> Scope {
        Scope::default()
    }

    /// The region `code` and everything below it (with its ancestors); `None` when there is no such region.
    pub async fn within(db: &DatabaseConnection, code: &str) -> Result<Option<Scope>, DbErr> {
        Ok(region_by_code(db, code).await?.map(|r| Scope {
            within: Some((r.level, r.id)),
            ancestors: RegionPath::of(&r).ancestors(r.level),
        }))
    }

    /// Appends a predicate on the region table aliased `alias`.
    fn region_predicate(&self, sql: &mut Sql, alias: &str) {
        let Some((level, id)) = self.within else {
            sql.push("1 = 1");
            return;
        };
        let col = level.column();
        sql.push(&format!("({alias}.{col} = ")).bind(id);
        sql.push(&format!(" OR {alias}.id IN "))
            .bind_list(self.ancestors.iter().copied());
        sql.push(&format!(
            " OR {alias}.id IN (SELECT o.region_id FROM observation o JOIN report rp ON rp.id = o.report_id \
             JOIN region rr ON rr.id = rp.region_id WHERE rr.{col} = "
        ));
        sql.bind(id).push("))");
    }
}

/// A region as exported, its parent by code.
#[derive(Debug, FromQueryResult)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<String>,
    pub population: Option<i64>,
    /// A JSON array.
    pub aliases: Option<String>,
}

/// The next page of regions in scope, by level then code, after `(level, code)` (start with `None`).
pub async fn regions(
    db: &DatabaseConnection,
    scope: &Scope,
    after: Option<(Level, &str)>,
) -> Result<Vec<RegionRow>, DbErr> {
    let (depth, code) = after.map_or((0, ""), |(l, c)| (l.depth(), c));
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT r.code, r.name, r.level, p.code AS parent, r.population, r.aliases \
         FROM region r LEFT JOIN region p ON p.id = r.parent_id WHERE ",
    );
    scope.region_predicate(&mut sql, "r");
    sql.push(" AND (r.level > ")
        .bind(depth)
        .push(" OR (r.level = ")
        .bind(depth);
    sql.push(" AND r.code > ")
        .bind(code.to_owned())
        .push(")) ORDER BY r.level, r.code")
        .limit(PAGE);
    RegionRow::find_by_statement(sql.build()).all(db).await
}

/// Every metric, by code.
pub async fn metrics(db: &DatabaseConnection) -> Result<Vec<metric::Model>, DbErr> {
    metric::Entity::find()
        .order_by_asc(metric::Column::Code)
        .all(db)
        .await
}

/// A program as exported, its region by code.
#[derive(Debug, FromQueryResult)]
pub struct ProgramRow {
    pub code: String,
    pub name: String,
    pub region: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// The programs run by regions in scope, by code.
pub async fn programs(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<ProgramRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT p.code, p.name, r.code AS region, p.category, p.description, p.started_on, p.ended_on \
         FROM program p JOIN region r ON r.id = p.region_id WHERE ",
    );
    scope.region_predicate(&mut sql, "r");
    sql.push(" ORDER BY p.code");
    ProgramRow::find_by_statement(sql.build()).all(db).await
}

/// A report as exported: the stored row and its region's code.
#[derive(Debug)]
pub struct ReportRow {
    pub report: report::Model,
    pub region: Option<String>,
}

impl FromQueryResult for ReportRow {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(ReportRow {
            report: report::Model::from_query_result(row, pre)?,
            region: row.try_get(pre, "region_code")?,
        })
    }
}

/// The next page of reports whose region is in scope, by id, after the id `after`.
pub async fn reports(db: &DatabaseConnection, scope: &Scope, after: i64) -> Result<Vec<ReportRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT rp.*, r.code AS region_code FROM report rp LEFT JOIN region r ON r.id = rp.region_id \
         WHERE rp.id > ",
    );
    sql.bind(after);
    if let Some((level, id)) = scope.within {
        sql.push(&format!(" AND r.{} = ", level.column())).bind(id);
    }
    sql.push(" ORDER BY rp.id").limit(PAGE);
    ReportRow::find_by_statement(sql.build()).all(db).await
}

/// An observation as exported, its references by code.
#[derive(Debug, FromQueryResult)]
pub struct ObservationRow {
    pub report_id: i64,
    pub metric: String,
    pub region: String,
    pub program: Option<String>,
    pub value: f64,
    pub qualifier: Qualifier,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub quote: Option<String>,
    pub quote_start: Option<i32>,
    pub quote_end: Option<i32>,
    pub extracted: bool,
}

/// The observations of the reports `ids`, by report and then in the report's order.
pub async fn observations(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<ObservationRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT o.report_id, m.code AS metric, r.code AS region, p.code AS program, o.value, o.qualifier, \
         o.period_start, o.period_end, o.quote, o.quote_start, o.quote_end, o.extracted FROM observation o JOIN metric m ON m.id = o.metric_id \
         JOIN region r ON r.id = o.region_id LEFT JOIN program p ON p.id = o.program_id \
         WHERE o.report_id IN ",
    );
    sql.bind_list(ids.iter().copied())
        .push(" ORDER BY o.report_id, o.id");
    ObservationRow::find_by_statement(sql.build()).all(db).await
}
