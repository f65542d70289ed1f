//! The `Observation` type.

use std::sync::Arc;

use async_graphql::{Context, Lookahead, Object, Result, SelectionField};
use entity::observation::Column;
use entity::{metric, observation};

use super::context;
use super::loaders::{MetricId, ProgramId, RegionId, ReportId, load};
use super::metric::Metric;
use super::paging::Page;
use super::program::Program;
use super::region::Region;
use super::report::Report;
use super::scalars::Date;
use crate::domain::Qualifier;
use crate::store::observation_columns::ObservationColumns;

/// One figure from one report: "累计走访各类人员7000余人次" is 7000, `OVER`, of 走访人次.
pub struct Observation {
    pub model: observation::Model,
    /// Its metric, when [`read_metrics`] read it with the others of its page.
    metric: Option<Arc<metric::Model>>,
}

impl Observation {
    /// An observation read from the store; its `metric` is read through the request's loader.
    pub fn new(model: observation::Model) -> Self {
        Observation { model, metric: None }
    }
}

/// The columns a page of observations reads for the connection field `field`: those of the fields
/// its nodes select, or all of them when a node selects a field not named here (so a field added to
/// `Observation` without a line here is still answered right, only slower).
pub fn columns(field: &Lookahead<'_>) -> ObservationColumns {
    let mut picked = ObservationColumns::keys();
    for node in selected_nodes(field) {
        for selected in node.selection_set() {
            let column = match selected.name() {
                "__typename" => continue,
                "value" => Column::Value,
                "qualifier" => Column::Qualifier,
                "periodStart" => Column::PeriodStart,
                "periodEnd" => Column::PeriodEnd,
                "quote" => Column::Quote,
                "extracted" => Column::Extracted,
                "quoteStart" => Column::QuoteStart,
                "quoteEnd" => Column::QuoteEnd,
                "metric" => Column::MetricId,
                "region" => Column::RegionId,
                "program" => Column::ProgramId,
                "report" => Column::ReportId,
                _ => return ObservationColumns::all(),
            };
            picked = picked | ObservationColumns::of(column);
        }
    }
    picked
}

/// The node selections of the connection field `field`: its `nodes` and its `edges { node }`.
fn selected_nodes<'a>(field: &Lookahead<'a>) -> Vec<SelectionField<'a>> {
    let mut nodes = field.field("nodes").selection_fields();
    nodes.extend(field.field("edges").field("node").selection_fields());
    nodes
}

/// `page` with each observation's metric read ahead ([`read_metrics`]) when the connection field being
/// resolved selects it.
pub async fn with_metrics(ctx: &Context<'_>, mut page: Page<Observation>) -> Result<Page<Observation>> {
    let nodes = selected_nodes(&ctx.look_ahead());
    if Lookahead::try_from(nodes.as_slice()).is_ok_and(|nodes| nodes.field("metric").exists()) {
        read_metrics(ctx, page.edges.iter_mut().map(|e| &mut e.node)).await?;
    }
    Ok(page)
}

/// Reads the metrics of `observations` in one call of the request's loader and hands each its own,
/// for a list whose `metric` the query selects. Left to themselves, the `metric` fields of a page would
/// each call the loader: one call per observation, each with its own channel and copy of the batch's
/// answer (Q5 of the benchmark, 211 observations: 9 % of the request's instructions).
pub async fn read_metrics<'a>(
    ctx: &Context<'_>,
    observations: impl Iterator<Item = &'a mut Observation>,
) -> Result<()> {
    let observations: Vec<&mut Observation> = observations.collect();
    if observations.is_empty() {
        return Ok(());
    }
    let ids: Vec<MetricId> = observations.iter().map(|o| MetricId(o.model.metric_id)).collect();
    let metrics = context::loaders(ctx)?.load_many(ids).await?;
    for o in observations {
        o.metric = metrics.get(&MetricId(o.model.metric_id)).cloned();
    }
    Ok(())
}

#[Object]
impl Observation {
    async fn value(&self) -> f64 {
        self.model.value
    }

    /// How exact the value is.
    async fn qualifier(&self) -> Qualifier {
        self.model.qualifier
    }

    /// First day of the period the figure covers.
    async fn period_start(&self) -> Date {
        Date(self.model.period_start)
    }

    /// Last day of the period the figure covers.
    async fn period_end(&self) -> Date {
        Date(self.model.period_end)
    }

    /// The source text the figure came from.
    async fn quote(&self) -> Option<&str> {
        self.model.quote.as_deref()
    }

    /// Whether the extractor filled it from the report's body (`postReport(extract: true)`).
    async fn extracted(&self) -> bool {
        self.model.extracted
    }

    /// Where `quote` starts in the report's body, in characters (extracted figures).
    async fn quote_start(&self) -> Option<i32> {
        self.model.quote_start
    }

    /// Where `quote` ends in the report's body (exclusive).
    async fn quote_end(&self) -> Option<i32> {
        self.model.quote_end
    }

    async fn metric(&self, ctx: &Context<'_>) -> Result<Option<Metric>> {
        if let Some(metric) = &self.metric {
            return Ok(Some(Metric(metric.clone())));
        }
        load(ctx, Some(MetricId(self.model.metric_id)), Metric).await
    }

    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        load(ctx, Some(RegionId(self.model.region_id)), Region).await
    }

    async fn program(&self, ctx: &Context<'_>) -> Result<Option<Program>> {
        load(ctx, self.model.program_id.map(ProgramId), Program).await
    }

    /// The report the figure came from.
    async fn report(&self, ctx: &Context<'_>) -> Result<Option<Report>> {
        load(ctx, Some(ReportId(self.model.report_id)), Report::new).await
    }
}
