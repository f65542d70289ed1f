//! The read operations of `../shared/spec/api.md`: lookups by key and filtered, paged lists.

use async_graphql::{Context, Object, Result};
use entity::{metric, observation, program, region, report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, Value,
};

use super::metric::Metric;
use super::observation::Observation;
use super::paging::{self, Page, decode_cursor, encode_cursor};
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::model::Level;
use crate::sql::Sql;

/// The read half of the query root.
#[derive(Default)]
pub struct ReadQuery;

fn conn<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    &ctx.data_unchecked::<Db>().read
}

/// The region with `code`, or `NOT_FOUND`.
pub async fn region_by_code(ctx: &Context<'_>, code: &str) -> ApiResult<region::Model> {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(conn(ctx))
        .await?
        .ok_or_else(|| ApiError::not_found("region", code))
}

/// The metric with `code`, or `NOT_FOUND`.
pub async fn metric_by_code(ctx: &Context<'_>, code: &str) -> ApiResult<metric::Model> {
    metric::Entity::find()
        .filter(metric::Column::Code.eq(code))
        .one(conn(ctx))
        .await?
        .ok_or_else(|| ApiError::not_found("metric", code))
}

/// The program with `code`, or `NOT_FOUND`.
pub async fn program_by_code(ctx: &Context<'_>, code: &str) -> ApiResult<program::Model> {
    program::Entity::find()
        .filter(program::Column::Code.eq(code))
        .one(conn(ctx))
        .await?
        .ok_or_else(|| ApiError::not_found("program", code))
}

/// Appends `AND` conditions that keep rows (with ancestor columns, aliased `alias`) within `region`:
/// equalities on the region's whole path down to its own level, so the scope index is used as a prefix.
pub fn push_within_path(sql: &mut Sql, alias: &str, region: &region::Model) {
    let level = Level::from_depth(region.level).unwrap_or(Level::Village);
    let path = [
        region.province_id,
        region.city_id,
        region.county_id,
        region.town_id,
        region.village_id,
    ];
    for l in &Level::ALL[..=level as usize] {
        let id = if *l == level { region.id } else { path[*l as usize] };
        sql.push(&format!(" AND {alias}.{} = ", l.column())).bind(id);
    }
}

/// Appends ` AND {column} IN (regions within region)`.
fn push_region_within(sql: &mut Sql, column: &str, region: &region::Model) {
    let level = Level::from_depth(region.level).unwrap_or(Level::Village);
    sql.push(&format!(
        " AND {column} IN (SELECT id FROM region WHERE {} = ",
        level.column()
    ));
    sql.bind(region.id).push(")");
}

/// A `LIKE` pattern matching `text` anywhere.
fn contains_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// Whether the query asks for `totalCount` of the current field.
fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Runs `SELECT … {from} {where} ORDER BY … LIMIT first+1` and, when asked for, the matching count.
async fn keyset_page<M: FromQueryResult>(
    ctx: &Context<'_>,
    from: &str,
    filter: &(dyn Fn(&mut Sql) + Sync),
    after: &(dyn Fn(&mut Sql) + Sync),
    order: &str,
    first: u64,
) -> ApiResult<(Vec<M>, i64)> {
    let db = conn(ctx);
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push(&format!("SELECT t.* FROM {from} WHERE 1 = 1"));
    filter(&mut sql);
    after(&mut sql);
    sql.push(&format!(" ORDER BY {order} LIMIT "))
        .bind(first as i64 + 1);
    let rows = M::find_by_statement(sql.build()).all(db).await?;
    let total = if wants_total(ctx) {
        let mut sql = Sql::new(backend);
        sql.push(&format!("SELECT COUNT(*) AS n FROM {from} WHERE 1 = 1"));
        filter(&mut sql);
        let row = db.query_one_raw(sql.build()).await?;
        row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0)
    } else {
        0
    };
    Ok((rows, total))
}

#[Object]
impl ReadQuery {
    /// The region with this code.
    async fn region(&self, ctx: &Context<'_>, code: String) -> Result<Option<Region>> {
        let found = region::Entity::find()
            .filter(region::Column::Code.eq(code))
            .one(conn(ctx))
            .await;
        Ok(found.map_err(ApiError::from)?.map(Region))
    }

    /// Regions by code; `within` keeps a region and everything below it, `search` matches names,
    /// aliases and codes.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        level: Option<Level>,
        within: Option<String>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Region>> {
        let first = paging::page_size(first)?;
        let within = match within {
            Some(code) => Some(region_by_code(ctx, &code).await?),
            None => None,
        };
        let after_code = after.as_deref().map(decode_cursor).transpose()?;
        let filter = |sql: &mut Sql| {
            if let Some(level) = level {
                sql.push(" AND t.level = ").bind(level.depth());
            }
            if let Some(w) = &within {
                let col = Level::from_depth(w.level).unwrap_or(Level::Village).column();
                sql.push(&format!(" AND t.{col} = ")).bind(w.id);
            }
            if let Some(s) = &search {
                let pattern = contains_pattern(s);
                sql.push(" AND (t.name LIKE ")
                    .bind(pattern.clone())
                    .push(" ESCAPE '\\' OR t.aliases LIKE ");
                sql.bind(pattern)
                    .push(" ESCAPE '\\' OR t.code = ")
                    .bind(s.clone())
                    .push(")");
            }
        };
        let after = |sql: &mut Sql| {
            if let Some(code) = &after_code {
                sql.push(" AND t.code > ").bind(code.clone());
            }
        };
        let (rows, total) =
            keyset_page::<region::Model>(ctx, "region t", &filter, &after, "t.code", first).await?;
        Ok(paging::page(
            rows,
            first,
            after_code.is_some(),
            total,
            |_, r| encode_cursor(&r.code),
            Region,
        ))
    }

    /// The metric with this code.
    async fn metric(&self, ctx: &Context<'_>, code: String) -> Result<Option<Metric>> {
        let found = metric::Entity::find()
            .filter(metric::Column::Code.eq(code))
            .one(conn(ctx))
            .await;
        Ok(found.map_err(ApiError::from)?.map(Metric))
    }

    /// All metrics, by code.
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Metric>> {
        let first = paging::page_size(first)?;
        let after_code = after.as_deref().map(decode_cursor).transpose()?;
        let after = |sql: &mut Sql| {
            if let Some(code) = &after_code {
                sql.push(" AND t.code > ").bind(code.clone());
            }
        };
        let (rows, total) =
            keyset_page::<metric::Model>(ctx, "metric t", &|_| {}, &after, "t.code", first).await?;
        Ok(paging::page(
            rows,
            first,
            after_code.is_some(),
            total,
            |_, m| encode_cursor(&m.code),
            Metric,
        ))
    }

    /// The program with this code.
    async fn program(&self, ctx: &Context<'_>, code: String) -> Result<Option<Program>> {
        let found = program::Entity::find()
            .filter(program::Column::Code.eq(code))
            .one(conn(ctx))
            .await;
        Ok(found.map_err(ApiError::from)?.map(Program))
    }

    /// Programs by code; `within` keeps those run by a region within it.
    async fn programs(
        &self,
        ctx: &Context<'_>,
        within: Option<String>,
        category: Option<String>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Program>> {
        let first = paging::page_size(first)?;
        let within = match within {
            Some(code) => Some(region_by_code(ctx, &code).await?),
            None => None,
        };
        let after_code = after.as_deref().map(decode_cursor).transpose()?;
        let filter = |sql: &mut Sql| {
            if let Some(w) = &within {
                push_region_within(sql, "t.region_id", w);
            }
            if let Some(c) = &category {
                sql.push(" AND t.category = ").bind(c.clone());
            }
            if let Some(s) = &search {
                sql.push(" AND (t.name LIKE ")
                    .bind(contains_pattern(s))
                    .push(" ESCAPE '\\' OR t.code = ");
                sql.bind(s.clone()).push(")");
            }
        };
        let after = |sql: &mut Sql| {
            if let Some(code) = &after_code {
                sql.push(" AND t.code > ").bind(code.clone());
            }
        };
        let (rows, total) =
            keyset_page::<program::Model>(ctx, "program t", &filter, &after, "t.code", first).await?;
        Ok(paging::page(
            rows,
            first,
            after_code.is_some(),
            total,
            |_, p| encode_cursor(&p.code),
            Program,
        ))
    }

    /// The report with this external id.
    async fn report(&self, ctx: &Context<'_>, external_id: String) -> Result<Option<Report>> {
        let found = report::Entity::find()
            .filter(report::Column::ExternalId.eq(external_id))
            .one(conn(ctx))
            .await;
        Ok(found.map_err(ApiError::from)?.map(Report))
    }

    /// Reports, newest first; `within` keeps those whose main region is within it, `from`/`to` bound the
    /// publication date, `search` matches titles.
    #[allow(clippy::too_many_arguments)]
    async fn reports(
        &self,
        ctx: &Context<'_>,
        within: Option<String>,
        from: Option<Date>,
        to: Option<Date>,
        source: Option<String>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Report>> {
        let first = paging::page_size(first)?;
        let within = match within {
            Some(code) => Some(region_by_code(ctx, &code).await?),
            None => None,
        };
        let after_key = match after.as_deref().map(decode_cursor).transpose()? {
            None => None,
            Some(key) => Some(parse_report_cursor(&key).ok_or_else(|| {
                ApiError::bad_input(format!(
                    "after: `{}` is not a cursor of this list",
                    after.clone().unwrap_or_default()
                ))
            })?),
        };
        let filter = |sql: &mut Sql| {
            if let Some(w) = &within {
                push_region_within(sql, "t.region_id", w);
            }
            if let Some(from) = from {
                sql.push(" AND t.published_on >= ").bind(Value::from(from.0));
            }
            if let Some(to) = to {
                sql.push(" AND t.published_on <= ").bind(Value::from(to.0));
            }
            if let Some(s) = &source {
                sql.push(" AND t.source = ").bind(s.clone());
            }
            if let Some(s) = &search {
                sql.push(" AND t.title LIKE ")
                    .bind(contains_pattern(s))
                    .push(" ESCAPE '\\'");
            }
        };
        let after = |sql: &mut Sql| {
            if let Some((date, id)) = after_key {
                sql.push(" AND (t.published_on < ")
                    .bind(Value::from(date))
                    .push(" OR (t.published_on = ");
                sql.bind(Value::from(date))
                    .push(" AND t.id < ")
                    .bind(id)
                    .push("))");
            }
        };
        let order = "t.published_on DESC, t.id DESC";
        let (rows, total) =
            keyset_page::<report::Model>(ctx, "report t", &filter, &after, order, first).await?;
        let cursor = |_: usize, r: &report::Model| encode_cursor(&format!("{}|{}", r.published_on, r.id));
        Ok(paging::page(
            rows,
            first,
            after_key.is_some(),
            total,
            cursor,
            Report,
        ))
    }

    /// Observations in import order; `within` keeps those about a region within it, `from`/`to` those
    /// whose whole period lies inside.
    #[allow(clippy::too_many_arguments)]
    async fn observations(
        &self,
        ctx: &Context<'_>,
        metric: Option<String>,
        within: Option<String>,
        program: Option<String>,
        from: Option<Date>,
        to: Option<Date>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Observation>> {
        let first = paging::page_size(first)?;
        let metric = match metric {
            Some(code) => Some(metric_by_code(ctx, &code).await?),
            None => None,
        };
        let within = match within {
            Some(code) => Some(region_by_code(ctx, &code).await?),
            None => None,
        };
        let program = match program {
            Some(code) => Some(program_by_code(ctx, &code).await?),
            None => None,
        };
        let after_id = match after.as_deref().map(decode_cursor).transpose()? {
            None => None,
            Some(key) => Some(
                key.parse::<i64>()
                    .map_err(|_| ApiError::bad_input("after: not a cursor of this list"))?,
            ),
        };
        let filter = |sql: &mut Sql| {
            if let Some(m) = &metric {
                sql.push(" AND t.metric_id = ").bind(m.id);
            }
            if let Some(w) = &within {
                if metric.is_none() {
                    // Lets the scope index (led by the metric) answer once per metric.
                    sql.push(" AND t.metric_id IN (SELECT id FROM metric)");
                }
                push_within_path(sql, "t", w);
            }
            if let Some(p) = &program {
                sql.push(" AND t.program_id = ").bind(p.id);
            }
            if let Some(from) = from {
                sql.push(" AND t.period_start >= ").bind(Value::from(from.0));
            }
            if let Some(to) = to {
                sql.push(" AND t.period_end <= ").bind(Value::from(to.0));
            }
        };
        let after = |sql: &mut Sql| {
            if let Some(id) = after_id {
                sql.push(" AND t.id > ").bind(id);
            }
        };
        let (rows, total) =
            keyset_page::<observation::Model>(ctx, "observation t", &filter, &after, "t.id", first).await?;
        Ok(paging::page(
            rows,
            first,
            after_id.is_some(),
            total,
            |_, o| encode_cursor(&o.id.to_string()),
            Observation,
        ))
    }
}

fn parse_report_cursor(key: &str) -> Option<(chrono::NaiveDate, i64)> {
    let (date, id) = key.split_once('|')?;
    Some((
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
        id.parse().ok()?,
    ))
}
