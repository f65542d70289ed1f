//! A county's ledger for one year: every town's monthly figures of five metrics, and what the county's own
//! offices add; bulletins and annual reports state figures from it, so that they agree with each other.

use entity::ValueType;

use crate::calendar::{Calendar, YEARS};
use crate::catalog::METRICS;
use crate::figures::{ratio_around, scale};
use crate::random::Rng;
use crate::world::Tree;

/// The number of metrics in a ledger.
pub(super) const SLOTS: usize = 5;

/// Seasonality of activity by month.
const SEASON: [f64; 12] = [
    0.85, 0.75, 1.0, 1.02, 1.05, 1.0, 0.95, 0.95, 1.05, 0.92, 1.06, 1.2,
];
/// The level of activity by year (2020 dipped).
pub(super) const TREND: [f64; YEARS] = [1.0, 0.9, 1.04, 1.08, 1.14, 1.2];

/// One county's ledger of the current year.
pub(super) struct Ledger<'a> {
    tree: &'a Tree,
    /// The metrics: the two core metrics, the extra metric, the county metric and a ratio.
    pub(super) slots: [usize; SLOTS],
    /// Each town's monthly values of the metrics (scaled).
    towns: Vec<[[i64; SLOTS]; 12]>,
    /// What the county's own offices add to its towns' figures, by month.
    own: [[i64; SLOTS]; 12],
}

impl<'a> Ledger<'a> {
    /// An empty ledger of the towns of `tree`, for the metrics `slots`.
    pub(super) fn new(tree: &'a Tree, slots: [usize; SLOTS]) -> Self {
        Ledger {
            tree,
            slots,
            towns: Vec::new(),
            own: [[0; SLOTS]; 12],
        }
    }

    fn value_type(&self, k: usize) -> ValueType {
        METRICS[self.slots[k]].value_type
    }

    /// Draws the figures of year index `yi` from `rng`.
    pub(super) fn fill(&mut self, rng: &mut Rng, cal: &Calendar, yi: usize) {
        self.towns.clear();
        for town in &self.tree.towns {
            let propensity: [f64; SLOTS] = std::array::from_fn(|_| rng.between(0.6, 1.4));
            let mut row = [[0; SLOTS]; 12];
            for (m, values) in row.iter_mut().enumerate() {
                let months = f64::from(cal.month_len(yi, m)) / 30.44 * SEASON[m] * TREND[yi];
                for (k, v) in values.iter_mut().enumerate() {
                    let def = &METRICS[self.slots[k]];
                    *v = match def.value_type {
                        ValueType::Ratio => scale(
                            ValueType::Ratio,
                            ratio_around(def.base, propensity[k], rng.between(-1.0, 1.0)),
                        ),
                        vt => scale(
                            vt,
                            def.base * town.population as f64 / 1e4
                                * months
                                * propensity[k]
                                * rng.between(0.85, 1.15),
                        ),
                    };
                }
            }
            self.towns.push(row);
        }
        for m in 0..12 {
            for k in 0..SLOTS {
                self.own[m][k] = if self.value_type(k) == ValueType::Ratio {
                    0
                } else {
                    let towns: i64 = self.towns.iter().map(|row| row[m][k]).sum();
                    (towns as f64 * rng.between(0.02, 0.08)).round() as i64
                };
            }
        }
    }

    /// Town `t`'s value of slot `k` in month index `m`.
    pub(super) fn town_month(&self, t: usize, k: usize, m: usize) -> i64 {
        self.towns[t][m][k]
    }

    /// The county's year-to-date value of slot `k` through month index `m`.
    pub(super) fn county_ytd(&self, k: usize, m: usize) -> i64 {
        if self.value_type(k) == ValueType::Ratio {
            let mut weighted = 0.0;
            let mut people = 0.0;
            for (row, town) in self.towns.iter().zip(&self.tree.towns) {
                let p = town.population as f64;
                weighted += p * row[..=m].iter().map(|v| v[k] as f64).sum::<f64>();
                people += p * (m + 1) as f64;
            }
            (weighted / people).round() as i64
        } else {
            let towns: i64 = self
                .towns
                .iter()
                .map(|row| row[..=m].iter().map(|v| v[k]).sum::<i64>())
                .sum();
            towns + self.own[..=m].iter().map(|v| v[k]).sum::<i64>()
        }
    }

    /// Town `t`'s value of slot `k` over month indexes `months` (a sum, or a mean for ratios).
    pub(super) fn town_over(&self, t: usize, k: usize, months: std::ops::Range<usize>) -> i64 {
        let n = months.len() as i64;
        let sum: i64 = self.towns[t][months].iter().map(|v| v[k]).sum();
        if self.value_type(k) == ValueType::Ratio {
            (sum + n / 2) / n
        } else {
            sum
        }
    }

    /// The slot of `metric`, if the ledger holds it.
    pub(super) fn slot_of(&self, metric: usize) -> Option<usize> {
        self.slots.iter().position(|&s| s == metric)
    }
}
