//! The reports of one county, year by year: planned (what is published when), then written in order of
//! publication. Each kind of report has its own module; they share the county's [`Ledger`] and
//! [`County::fresh`] figures.

mod annual;
mod bulletin;
mod ledger;
mod program;
mod villages;

use std::io::{self, Write};

use crate::calendar::YEARS;
use crate::catalog::{
    COUNTY_METRICS, DISPUTE_RESOLUTION_RATE, DISPUTES_MEDIATED, EXTRA_METRICS, METRICS, PEOPLE_VISITED,
};
use crate::figures::{ratio_around, scale};
use crate::names::Person;
use crate::programs::Program;
use crate::random::{Rng, mix, tag, unit};
use crate::records::Records;
use crate::world::{Area, Tree};
use ledger::Ledger;

/// The chance that a town publishes village reports in a year (both halves).
const VILLAGE_REPORT_CHANCE: f64 = 0.045;
/// The chance that a county publishes a county-wide village report in a year.
const COUNTY_VILLAGE_REPORT_CHANCE: f64 = 0.06;

/// A report of a county's year, planned before it is written.
#[derive(Clone, Copy)]
enum Spec {
    /// The bulletin of month index `month`.
    Bulletin {
        month: usize,
    },
    Annual,
    /// Half `half` (0 or 1) of the year of program `index`, covering the days `start..=end`.
    Program {
        index: usize,
        half: usize,
        start: u32,
        end: u32,
    },
    /// Of one town, or of the whole county.
    Villages {
        town: Option<usize>,
        half: usize,
    },
}

/// One county while its reports are written.
pub(crate) struct County<'a> {
    seed: u64,
    county: &'a Area,
    tree: &'a Tree,
    programs: &'a [Program],
    /// People who write the county's reports.
    authors: [Person; 5],
    /// The current year's figures of the county's five ledger metrics.
    ledger: Ledger<'a>,
    /// The current year's index and seed.
    yi: usize,
    year_seed: u64,
    /// The current year's reports, by day of publication.
    specs: Vec<(u32, Spec)>,
}

impl<'a> County<'a> {
    /// The county `county`, whose towns and villages `tree` holds and which runs `programs`.
    pub(crate) fn new(seed: u64, county: &'a Area, tree: &'a Tree, programs: &'a [Program]) -> Self {
        let mut rng = Rng::new(mix(mix(seed, tag::COUNTY), county.code));
        let extra = rng.pick(&EXTRA_METRICS);
        let own = rng.pick(&COUNTY_METRICS);
        let authors = std::array::from_fn(|_| Person::random(&mut rng));
        let slots = [
            PEOPLE_VISITED,
            DISPUTES_MEDIATED,
            extra,
            own,
            DISPUTE_RESOLUTION_RATE,
        ];
        County {
            seed,
            county,
            tree,
            programs,
            authors,
            ledger: Ledger::new(tree, slots),
            yi: 0,
            year_seed: 0,
            specs: Vec::new(),
        }
    }

    /// Writes the reports of year index `yi`, in order of publication.
    pub(crate) fn year<W: Write>(&mut self, g: &mut Records<'_, W>, yi: usize) -> io::Result<()> {
        self.yi = yi;
        self.year_seed = mix(mix(mix(self.seed, tag::YEAR), self.county.code), yi as u64);
        self.ledger.fill(&mut Rng::new(mix(self.year_seed, 2)), g.cal, yi);
        let mut specs = std::mem::take(&mut self.specs);
        self.plan(g, &mut specs);
        for &(published, spec) in &specs {
            match spec {
                Spec::Bulletin { month } => self.bulletin(g, month, published)?,
                Spec::Annual => self.annual(g, published)?,
                Spec::Program {
                    index,
                    half,
                    start,
                    end,
                } => self.program_report(g, index, half, (start, end), published)?,
                Spec::Villages { town, half } => self.village_report(g, town, half, published)?,
            }
        }
        self.specs = specs;
        Ok(())
    }

    /// The current year's reports and their days of publication, in order of publication.
    fn plan<W: Write>(&self, g: &Records<'_, W>, specs: &mut Vec<(u32, Spec)>) {
        let (cal, yi) = (g.cal, self.yi);
        let last_year = yi == YEARS - 1;
        let mut rng = Rng::new(mix(self.year_seed, 1));
        specs.clear();
        for month in 0..12 {
            let published = if last_year && month == 11 {
                cal.last_day()
            } else {
                cal.month_first(yi, month + 1) + 2 + rng.below(10) as u32
            };
            specs.push((published, Spec::Bulletin { month }));
        }
        let published = if last_year {
            cal.last_day()
        } else {
            cal.month_first(yi, 12) + 14 + rng.below(45) as u32
        };
        specs.push((published, Spec::Annual));
        for (index, p) in self.programs.iter().enumerate() {
            for half in 0..2 {
                let published = if half == 0 {
                    cal.month_first(yi, 5) + 14 + rng.below(21) as u32
                } else {
                    cal.month_first(yi, 10) + 24 + rng.below(26) as u32
                };
                let start = cal.year_first(yi).max(p.started);
                let end = p.ended.map_or(published, |e| e.min(published));
                if end >= start + 20 {
                    let spec = Spec::Program {
                        index,
                        half,
                        start,
                        end,
                    };
                    specs.push((published, spec));
                }
            }
        }
        let towns = (0..self.tree.towns.len()).map(Some);
        for town in std::iter::once(None).chain(towns) {
            let chance = if town.is_some() {
                VILLAGE_REPORT_CHANCE
            } else {
                COUNTY_VILLAGE_REPORT_CHANCE
            };
            if rng.chance(chance) {
                let published = cal.month_first(yi, 6) + 2 + rng.below(18) as u32;
                specs.push((published, Spec::Villages { town, half: 0 }));
                let published = if last_year {
                    cal.last_day()
                } else {
                    cal.month_first(yi, 12) + 4 + rng.below(20) as u32
                };
                specs.push((published, Spec::Villages { town, half: 1 }));
            }
        }
        // Stable: on the same day, bulletins come before the annual report, which supersedes them.
        specs.sort_by_key(|&(published, _)| published);
    }

    /// A figure of `metric` for a region over `months` months (already multiplied by any intensity and
    /// trend), computed from hashes so that it can be recomputed: the region's stable propensity for the
    /// metric, and a little noise keyed by `salt`.
    fn fresh(&self, metric: usize, region: u64, population: u64, months: f64, salt: u64) -> i64 {
        let def = &METRICS[metric];
        let h = mix(mix(mix(self.seed, tag::FRESH), region), metric as u64);
        let propensity = 0.7 + 0.6 * unit(h);
        let noise = unit(mix(h, salt));
        match def.value_type {
            entity::ValueType::Ratio => scale(
                entity::ValueType::Ratio,
                ratio_around(def.base, propensity, noise * 2.0 - 1.0),
            ),
            vt => scale(
                vt,
                def.base * population as f64 / 1e4 * months * propensity * (0.9 + 0.2 * noise),
            ),
        }
    }

    /// One or two of the county's authors.
    fn pick_authors(&self, rng: &mut Rng) -> &[Person] {
        let start = rng.below(4);
        &self.authors[start..start + 1 + rng.below(2)]
    }
}
