//! Synthetic interchange data for civicgraph: the dataset behind `civicgraph generate --scale
//! small|medium|large [--seed N]` and the benchmarks.
//!
//! [`generate`] streams a deterministic dataset as NDJSON (`interchange.md`): the same scale and seed always
//! give the same bytes, on any platform (the generator has its own random number generator and uses only
//! exactly rounded floating-point operations). Memory stays small and flat: only the top of the region tree
//! (provinces, cities, counties), the programs, and one county's towns and villages at a time are held.
//!
//! # Shape of the data
//! Records come in this order: regions (provinces, cities, counties, then each county's towns, each town
//! followed by its villages; codes are 2/4/6/9/12 digits, every code extends its parent's), the 40 metrics,
//! the programs (1–3 per county, run by the county or by one of its towns), and then the reports, county by
//! county and year by year (2019–2024), in order of publication within a county and year. Per county and
//! year there are:
//! - 12 **monthly bulletins** (`{county}-bulletin-YYYY-MM`, region the county, published 3–12 days into the
//!   next month): every town's monthly `people_visited` and `disputes_mediated` (first..last day of the
//!   month); in March, June, September and December every town's quarterly figure of the county's *extra*
//!   metric; the county's own year-to-date totals (Jan 1 → month end) of both core metrics, the extra metric,
//!   a county metric and `dispute_resolution_rate`, repeated every month so that later ones supersede earlier
//!   ones and the county's totals supersede its towns' figures; two daily figures (`peak_daily_visitors` of a
//!   town, aggregated by `max`, and an event day, tagged with a program when one is running); and in about a
//!   third of the bulletins 1–2 corrections that repeat a town's figure of the previous month with the same
//!   coverage and a revised value (same-coverage duplicates).
//! - one **annual report** (`{county}-annual-YYYY`, January–February of the next year; 2024's on
//!   2024-12-31): the county's figures for the whole year, among them the same coverage as the December
//!   bulletin's year-to-date totals (duplicates published later, sometimes revised), the year-end
//!   `volunteers_registered` (aggregated by `last`), and every town's annual figure of one amount metric.
//! - up to two **program reports** per running program (`prog-{county}-{n}-YYYY-h1|h2`, late June and late
//!   November/December): year-to-date figures (Jan 1, or the program's start → publication date) tagged with
//!   the program, for the program's region (three metrics) and for each of its children (the lead metric).
//! - **village reports** (July and January; half-year and full-year year-to-date figures, so the second
//!   supersedes the first, and each town's figure supersedes its villages'): from about one town in twenty
//!   (`{town}-villages-YYYY-h1|h2`, two metrics, the town and each of its villages), and from about one
//!   county in sixteen (`{county}-villages-YYYY-h1|h2`, one metric, every town and village of the county,
//!   up to ≈ 320 observations).
//!
//! About 10% of the observations carry a qualifier other than `exact`, with the value rounded the way a
//! text would (`7300余人次` is `over` 7300). Counts are integers ≥ 0, amounts positive with at most two
//! decimals, ratios within 0..100 with one decimal.
//!
//! # Layout
//! - `random`, `calendar`: the seeded random streams and the days of 2019–2025, fixed so that the output
//!   never changes;
//! - `names`, `catalog` (the metrics), `programs`: the vocabulary, and who runs which program;
//! - `world`: the region tree; `scale`: its fan-outs per [`Scale`];
//! - `reports`: each county's reports, year by year (`ledger`, `bulletin`, `annual`, `program`,
//!   `villages`), stated as `observation`s whose figures `figures` rounds and qualifies;
//! - `records` writes the NDJSON lines, through `json`, the one place that writes JSON text.

mod calendar;
mod catalog;
mod figures;
mod json;
mod names;
mod observation;
mod programs;
mod random;
mod records;
mod reports;
mod scale;
mod world;

use std::io::{self, Write};

use calendar::{Calendar, YEARS};
use records::Records;
use reports::County;
pub use scale::Scale;
use world::{Tree, World};

/// Counts of what was written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GenerateStats {
    /// Region records.
    pub regions: u64,
    /// Metric records.
    pub metrics: u64,
    /// Program records.
    pub programs: u64,
    /// Report records.
    pub reports: u64,
    /// Observations, over all reports.
    pub observations: u64,
}

/// Writes a deterministic synthetic dataset (same scale + seed => byte-identical output) as NDJSON to `out`.
///
/// Output is buffered here (records are written in chunks of about 1 MB), so `out` need not be buffered;
/// `out` is flushed at the end.
pub fn generate(scale: Scale, seed: u64, out: &mut impl Write) -> io::Result<GenerateStats> {
    let shape = scale.shape();
    let cal = Calendar::new();
    let world = World::build(&shape, seed, &cal);
    let mut records = Records::new(out, &cal);
    let mut tree = Tree::default();
    records.areas(&world)?;
    for county in &world.counties {
        tree.build(seed, &shape, county);
        records.towns(county, &tree)?;
    }
    records.metrics()?;
    records.programs(&world)?;
    for (county, programs) in world.counties.iter().zip(&world.programs) {
        tree.build(seed, &shape, county);
        let mut reports = County::new(seed, county, &tree, programs);
        for yi in 0..YEARS {
            reports.year(&mut records, yi)?;
        }
    }
    records.finish()
}
