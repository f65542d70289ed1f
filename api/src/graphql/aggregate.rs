//! `aggregate` and `compare` (see `api.md`): argument checks and output types; the work is done in SQL
//! by [`crate::aggregate`]. Regions, programs and source reports of the rows resolve through the
//! request's loaders, so a request runs a fixed number of statements whatever the number of rows.

use async_graphql::{Context, Object, Result};

use super::context::{self, metric_by_code, optional, program_by_code, region_by_code};
use super::loaders::{ObservationId, ProgramId, ReportId, load, load_all};
use super::metric::Metric;
use super::observation::{Observation, read_metrics};
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::aggregate::{
    self, AggregateSpec, Collect, CompareRow, CompareSpec, Grain, GroupRow, check_window, resolve_function,
};
use crate::domain::{Aggregation, Level, Qualifier};
use crate::error::ApiError;

/// The aggregation half of the query root.
#[derive(Default)]
pub struct AggregateQuery;

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// `BAD_INPUT` unless `value` is positive.
fn positive(name: &str, value: Option<i32>) -> Result<Option<i64>> {
    match value {
        Some(v) if v <= 0 => Err(ApiError::bad_input(format!("{name}: must be positive, got {v}")).into()),
        v => Ok(v.map(i64::from)),
    }
}

#[Object]
impl AggregateQuery {
    /// Aggregates the observations of `metric`: within `within` (and of `program`), whose whole period
    /// lies inside `[from, to]`, grouped by the ancestor-or-self region at `level`, by program with
    /// `byProgram` and by calendar bucket with `grain`. Inside a group, a figure covered by a wider one
    /// (a higher region, a longer period) or revised by a later report is counted once. `fn` defaults
    /// to the metric's aggregation; `asOf` answers with the data as it stood on that day.
    /// Without `level`, a row's region is `within`.
    #[allow(clippy::too_many_arguments)]
    async fn aggregate(
        &self,
        ctx: &Context<'_>,
        metric: String,
        within: Option<String>,
        level: Option<Level>,
        program: Option<String>,
        #[graphql(default_with = "Some(false)")] by_program: Option<bool>,
        from: Option<Date>,
        to: Option<Date>,
        grain: Option<Grain>,
        #[graphql(name = "fn")] function: Option<Aggregation>,
        as_of: Option<Date>,
    ) -> Result<Vec<AggregateRow>> {
        let (from, to) = (from.map(|d| d.0), to.map(|d| d.0));
        check_window("from", from, "to", to)?;
        let metric = Metric::from(metric_by_code(ctx, &metric).await?);
        let within = optional(within.as_deref().map(|c| region_by_code(ctx, c))).await?;
        let program = optional(program.as_deref().map(|c| program_by_code(ctx, c))).await?;
        let spec = AggregateSpec {
            metric_id: metric.0.id,
            within,
            level,
            program_id: program.map(|p| p.id),
            by_program: by_program.unwrap_or(false),
            from,
            to,
            grain,
            function: resolve_function(metric.value_type(), metric.aggregation(), function)?,
            as_of: as_of.map(|d| d.0),
            // Each row's region comes with it: rows are ordered by its code, and `region` needs no
            // statement of its own.
            collect: Collect {
                regions: true,
                ..Collect::default()
            },
        };
        spec.check()?;
        let rows = aggregate::aggregate(&*context::read(ctx).await?, &spec).await?;
        Ok(rows.into_iter().map(AggregateRow).collect())
    }

    /// Compares every region at `level` within `within` (also those without data) on `metric` over
    /// `[from, to]`, under the rules of `aggregate`: ranks, shares, per-capita values, change against
    /// the baseline window, and the total, mean and median (computed before `top` trims the rows).
    #[allow(clippy::too_many_arguments)]
    async fn compare(
        &self,
        ctx: &Context<'_>,
        metric: String,
        within: String,
        level: Level,
        from: Date,
        to: Date,
        baseline_from: Option<Date>,
        baseline_to: Option<Date>,
        per_capita: Option<i32>,
        program: Option<String>,
        top: Option<i32>,
        as_of: Option<Date>,
    ) -> Result<Comparison> {
        check_window("from", Some(from.0), "to", Some(to.0))?;
        let baseline = match (baseline_from, baseline_to) {
            (Some(f), Some(t)) => {
                check_window("baselineFrom", Some(f.0), "baselineTo", Some(t.0))?;
                Some((f.0, t.0))
            }
            (None, None) => None,
            _ => {
                return Err(ApiError::bad_input(
                    "baselineFrom: baselineFrom and baselineTo must be given together",
                )
                .into());
            }
        };
        let per_capita = positive("perCapita", per_capita)?;
        let top = positive("top", top)?.map(|t| t as usize);
        let metric = Metric::from(metric_by_code(ctx, &metric).await?);
        let within = region_by_code(ctx, &within).await?;
        let program = optional(program.as_deref().map(|c| program_by_code(ctx, c))).await?;
        let function = resolve_function(metric.value_type(), metric.aggregation(), None)?;
        let selected = ctx.look_ahead();
        let spec = CompareSpec {
            metric_id: metric.0.id,
            function,
            within,
            level,
            from: from.0,
            to: to.0,
            baseline,
            per_capita,
            program_id: program.map(|p| p.id),
            top,
            as_of: as_of.map(|d| d.0),
            // The rows' regions are read with the regions at `level`, not with the groups.
            collect: Collect {
                reports: selected.field("rows").field("sources").exists(),
                observations: selected.field("rows").field("evidence").exists(),
                regions: false,
            },
            with_total: selected.field("total").exists() || selected.field("totalQualifier").exists(),
        };
        spec.check()?;
        let found = aggregate::compare(
            &*context::read_with(ctx, aggregate::COMPARE_STATEMENTS).await?,
            &spec,
        )
        .await?;
        Ok(Comparison {
            metric,
            rows: found.rows.into_iter().map(ComparisonRow).collect(),
            total: found.total,
            total_qualifier: found.total_qualifier,
            mean: found.mean,
            median: found.median,
        })
    }
}

/// One group of `aggregate`.
pub struct AggregateRow(pub GroupRow);

#[Object]
impl AggregateRow {
    /// The group's region: the ancestor-or-self at `level`; without `level`, `within`.
    async fn region(&self) -> Option<Region> {
        self.0.region.clone().map(Region)
    }

    /// The group's program with `byProgram` (or the `program` asked for); null for "no program".
    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        load(ctx, self.0.program_id.map(ProgramId), Program).await
    }

    /// With `grain`, the bucket's first day; else the earliest start of the counted observations.
    async fn period_start(&self) -> Option<Date> {
        self.0.period_start.map(Date)
    }

    /// With `grain`, the bucket's last day; else the latest end of the counted observations.
    async fn period_end(&self) -> Option<Date> {
        self.0.period_end.map(Date)
    }

    /// The aggregated value.
    async fn value(&self) -> Option<f64> {
        self.0.value
    }

    /// `EXACT` if every counted input is exact, `OVER` if each is exact or over, `UNDER` if each is
    /// exact, under or nearly, else `APPROX`; `COUNT` is always `EXACT`.
    async fn qualifier(&self) -> Qualifier {
        self.0.qualifier
    }

    /// How many observations counted.
    async fn observations(&self) -> i32 {
        int(self.0.observations)
    }

    /// How many observations of the group were dropped as superseded.
    async fn superseded(&self) -> i32 {
        int(self.0.superseded)
    }
}

/// The answer of `compare`.
pub struct Comparison {
    metric: Metric,
    rows: Vec<ComparisonRow>,
    total: Option<f64>,
    total_qualifier: Qualifier,
    mean: Option<f64>,
    median: Option<f64>,
}

#[Object]
impl Comparison {
    /// The compared metric.
    async fn metric(&self) -> &Metric {
        &self.metric
    }

    /// One row per region at `level`, highest value first; regions without data last.
    async fn rows(&self) -> &[ComparisonRow] {
        &self.rows
    }

    /// The aggregate of the whole of `within` under the same rules (not necessarily the sum of rows).
    async fn total(&self) -> Option<f64> {
        self.total
    }

    /// How exact `total` is.
    async fn total_qualifier(&self) -> Qualifier {
        self.total_qualifier
    }

    /// The mean of the row values (rows without a value left out; before `top`).
    async fn mean(&self) -> Option<f64> {
        self.mean
    }

    /// The median of the row values (rows without a value left out; before `top`).
    async fn median(&self) -> Option<f64> {
        self.median
    }
}

/// One compared region.
pub struct ComparisonRow(pub CompareRow);

#[Object]
impl ComparisonRow {
    /// The region.
    async fn region(&self) -> Region {
        Region(self.0.region.clone())
    }

    /// Its value over `[from, to]`; null without data.
    async fn value(&self) -> Option<f64> {
        self.0.value
    }

    /// How exact the value is.
    async fn qualifier(&self) -> Qualifier {
        self.0.qualifier
    }

    /// 1 = highest value; ties share a rank and the next skips (1, 2, 2, 4); null without data.
    async fn rank(&self) -> Option<i32> {
        self.0.rank.map(int)
    }

    /// The value over the sum of the row values, for metrics aggregated by `SUM`.
    async fn share(&self) -> Option<f64> {
        self.0.share
    }

    /// The value per `perCapita` people of the region's population.
    async fn per_capita(&self) -> Option<f64> {
        self.0.per_capita
    }

    /// The value over the baseline window.
    async fn baseline(&self) -> Option<f64> {
        self.0.baseline
    }

    /// `value − baseline`.
    async fn change(&self) -> Option<f64> {
        self.0.change
    }

    /// `change / baseline × 100`; null when the baseline is 0.
    async fn change_pct(&self) -> Option<f64> {
        self.0.change_pct
    }

    /// How many observations counted.
    async fn observations(&self) -> i32 {
        int(self.0.observations)
    }

    /// The reports whose observations counted, oldest first.
    async fn sources(&self, ctx: &Context<'_>) -> Result<Vec<Report>> {
        let keys = self.0.report_ids.iter().map(|id| ReportId(*id)).collect();
        let mut reports: Vec<entity::report::Model> = load_all(ctx, keys).await?;
        reports.sort_by_key(|r| (r.published_on, r.id));
        Ok(reports.into_iter().map(Report::new).collect())
    }

    /// The observations that counted, each with its quote and report: where the value came from.
    /// By period end, then period start, then import order.
    async fn evidence(&self, ctx: &Context<'_>) -> Result<Vec<Observation>> {
        let keys = self
            .0
            .observation_ids
            .iter()
            .map(|id| ObservationId(*id))
            .collect();
        let mut found: Vec<entity::observation::Model> = load_all(ctx, keys).await?;
        found.sort_by_key(|o| (o.period_end, o.period_start, o.id));
        let mut found: Vec<Observation> = found.into_iter().map(Observation::new).collect();
        if ctx.look_ahead().field("metric").exists() {
            read_metrics(ctx, found.iter_mut()).await?;
        }
        Ok(found)
    }
}
