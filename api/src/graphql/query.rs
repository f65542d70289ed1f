//! The read operations of `../shared/spec/api.md`: lookups by key and filtered, paged lists. The
//! statements are in `store::reads`; this module checks arguments and builds the connections.

use async_graphql::{Context, Object, Result};
use chrono::NaiveDate;

use super::context::{self, metric_by_code, optional, program_by_code, region_by_code};
use super::loaders::{RegionChildren, RegionId};
use super::metric::Metric;
use super::observation::{Observation, with_metrics};
use super::paging::{self, Page, decode_cursor, encode_cursor};
use super::program::Program;
use super::region::{self, Region};
use super::report::Report;
use super::scalars::Date;
use crate::aggregate::check_window;
use crate::domain::Level;
use crate::error::ApiError;
use crate::store::reads::{self, ObservationFilter, ProgramFilter, RegionFilter, ReportFilter};
use crate::store::relations::Slice;

/// The read half of the query root.
#[derive(Default)]
pub struct ReadQuery;

/// A database error as the client sees it.
fn db_error(e: sea_orm::DbErr) -> async_graphql::Error {
    ApiError::from(e).into()
}

/// The sort key in an `after` cursor, if one is given.
fn after_key(after: Option<&str>) -> Result<Option<String>> {
    Ok(after.map(decode_cursor).transpose()?)
}

/// The `search` text, refused with `BAD_INPUT` when longer than the configured limit.
fn search_text<'a>(ctx: &Context<'_>, search: &'a Option<String>) -> Result<Option<&'a str>> {
    let max = context::config(ctx)?.max_search_length;
    match search.as_deref() {
        Some(s) if s.chars().count() > max => {
            Err(ApiError::bad_input(format!("search: at most {max} characters")).into())
        }
        s => Ok(s),
    }
}

/// `BAD_INPUT` when both ends of a window are given and `from` is after `to`.
fn window(from: Option<Date>, to: Option<Date>) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
    check_window("from", from, "to", to)?;
    Ok((from, to))
}

/// `BAD_INPUT` naming `after` for a cursor that is not one of this list.
fn not_a_cursor(after: &str) -> ApiError {
    ApiError::bad_input(format!("after: `{after}` is not a cursor of this list"))
}

#[Object]
impl ReadQuery {
    /// The region with this code.
    async fn region(&self, ctx: &Context<'_>, code: String) -> Result<Option<Region>> {
        let db = context::read(ctx).await?;
        let field = ctx.look_ahead();
        let children = region::children_window(ctx, &field);
        if !field.field("parent").exists() && children.is_none() {
            let found = reads::region_by_code(&db, &code).await;
            return Ok(found.map_err(db_error)?.map(Region));
        }
        // The parent and the children's page come in the same statement, handed to the loader, which
        // `parent` and `children` ask (and the children's `parent`, the region itself).
        let found = reads::region_kin_by_code(&db, &code, children).await;
        let Some(kin) = found.map_err(db_error)? else {
            return Ok(None);
        };
        let loaders = context::loaders(ctx)?;
        let known = std::iter::once(kin.region.clone()).chain(kin.parent);
        loaders.feed_many(known.map(|r| (RegionId(r.id), r))).await;
        if let (Some(window), Some(rows)) = (children, kin.children) {
            let slice = Slice {
                parent: kin.region.id,
                window,
                filter: (),
            };
            loaders.feed_one(RegionChildren(slice), rows).await;
        }
        Ok(Some(Region(kin.region)))
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
        let limit = paging::limit(ctx, first)?;
        let within = optional(within.as_deref().map(|c| region_by_code(ctx, c))).await?;
        let after = after_key(after.as_deref())?;
        let filter = RegionFilter {
            level,
            within: within.as_ref(),
            search: search_text(ctx, &search)?,
        };
        let rows = reads::regions(&*context::read(ctx).await?, filter, after.as_deref(), limit)
            .await
            .map_err(db_error)?;
        let cursor = |_: usize, r: &entity::region::Model| encode_cursor(&r.code);
        Ok(paging::page(rows, limit.first, after.is_some(), cursor, Region))
    }

    /// The metric with this code.
    async fn metric(&self, ctx: &Context<'_>, code: String) -> Result<Option<Metric>> {
        let found = reads::metric_by_code(&*context::read(ctx).await?, &code).await;
        Ok(found.map_err(db_error)?.map(Metric::from))
    }

    /// All metrics, by code.
    async fn metrics(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Page<Metric>> {
        let limit = paging::limit(ctx, first)?;
        let after = after_key(after.as_deref())?;
        let rows = reads::metrics(&*context::read(ctx).await?, after.as_deref(), limit)
            .await
            .map_err(db_error)?;
        let cursor = |_: usize, m: &entity::metric::Model| encode_cursor(&m.code);
        Ok(paging::page(
            rows,
            limit.first,
            after.is_some(),
            cursor,
            Metric::from,
        ))
    }

    /// The program with this code.
    async fn program(&self, ctx: &Context<'_>, code: String) -> Result<Option<Program>> {
        let found = reads::program_by_code(&*context::read(ctx).await?, &code).await;
        Ok(found.map_err(db_error)?.map(Program))
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
        let limit = paging::limit(ctx, first)?;
        let within = optional(within.as_deref().map(|c| region_by_code(ctx, c))).await?;
        let after = after_key(after.as_deref())?;
        let filter = ProgramFilter {
            within: within.as_ref(),
            category: category.as_deref(),
            search: search_text(ctx, &search)?,
        };
        let rows = reads::programs(&*context::read(ctx).await?, filter, after.as_deref(), limit)
            .await
            .map_err(db_error)?;
        let cursor = |_: usize, p: &entity::program::Model| encode_cursor(&p.code);
        Ok(paging::page(rows, limit.first, after.is_some(), cursor, Program))
    }

    /// The report with this external id.
    async fn report(&self, ctx: &Context<'_>, external_id: String) -> Result<Option<Report>> {
        let found = reads::report_by_external_id(&*context::read(ctx).await?, &external_id).await;
        Ok(found.map_err(db_error)?.map(Report::new))
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
        let limit = paging::limit(ctx, first)?;
        let within = optional(within.as_deref().map(|c| region_by_code(ctx, c))).await?;
        let after_key = match (after_key(after.as_deref())?, after.as_deref()) {
            (Some(key), Some(after)) => Some(parse_report_cursor(&key).ok_or_else(|| not_a_cursor(after))?),
            _ => None,
        };
        let (from, to) = window(from, to)?;
        let filter = ReportFilter {
            within: within.as_ref(),
            from,
            to,
            source: source.as_deref(),
            search: search_text(ctx, &search)?,
        };
        let rows = reads::reports(&*context::read(ctx).await?, filter, after_key, limit)
            .await
            .map_err(db_error)?;
        let cursor =
            |_: usize, r: &entity::report::Model| encode_cursor(&format!("{}|{}", r.published_on, r.id));
        Ok(paging::page(
            rows,
            limit.first,
            after_key.is_some(),
            cursor,
            Report::new,
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
        let limit = paging::limit(ctx, first)?;
        let metric = optional(metric.as_deref().map(|c| metric_by_code(ctx, c))).await?;
        let within = optional(within.as_deref().map(|c| region_by_code(ctx, c))).await?;
        let program = optional(program.as_deref().map(|c| program_by_code(ctx, c))).await?;
        let after_id = match (after_key(after.as_deref())?, after.as_deref()) {
            (Some(key), Some(after)) => Some(key.parse::<i64>().map_err(|_| not_a_cursor(after))?),
            _ => None,
        };
        let (from, to) = window(from, to)?;
        let filter = ObservationFilter {
            metric_id: metric.map(|m| m.id),
            within: within.as_ref(),
            program_id: program.map(|p| p.id),
            from,
            to,
        };
        let rows = reads::observations(&*context::read(ctx).await?, filter, after_id, limit)
            .await
            .map_err(db_error)?;
        let cursor = |_: usize, o: &entity::observation::Model| encode_cursor(&o.id.to_string());
        let page = paging::page(rows, limit.first, after_id.is_some(), cursor, Observation::new);
        with_metrics(ctx, page).await
    }
}

fn parse_report_cursor(key: &str) -> Option<(NaiveDate, i64)> {
    let (date, id) = key.split_once('|')?;
    Some((
        NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
        id.parse().ok()?,
    ))
}
