//! Village reports: half-year and full-year figures of a town and each of its villages (two metrics), or
//! of every town and village of a county (one metric).

use std::io::{self, Write};

use entity::ValueType;

use super::County;
use super::ledger::TREND;
use crate::calendar::FIRST_YEAR;
use crate::catalog::{METRICS, VILLAGE_METRICS};
use crate::observation::{Obs, When};
use crate::random::{Rng, mix};
use crate::records::{Records, ReportHeader};

impl County<'_> {
    /// Half `half` (0 or 1) of the current year's village report of town index `town`, or of the whole
    /// county, published on day `published`.
    pub(super) fn village_report<W: Write>(
        &self,
        g: &mut Records<'_, W>,
        town: Option<usize>,
        half: usize,
        published: u32,
    ) -> io::Result<()> {
        let (cal, yi, c) = (g.cal, self.yi, self.county);
        let id = town.map_or(0, |t| 1 + t as u64);
        let mut rng = Rng::new(mix(self.year_seed, 1000 + 2 * id + half as u64));
        // The same metrics in both halves of a year.
        let mut pick = Rng::new(mix(self.year_seed, 100_000 + id));
        let both = [pick.pick(VILLAGE_METRICS[0]), pick.pick(VILLAGE_METRICS[1])];
        let (towns, metrics) = match town {
            Some(t) => (t..t + 1, &both[..]),
            None => {
                let i = pick.below(2);
                (0..self.tree.towns.len(), &both[i..i + 1])
            }
        };
        let (year, h) = (FIRST_YEAR + yi as i32, half + 1);
        let period = if half == 0 { "上半年" } else { "全年" };
        // A town's report names the town; a county's reviews (考核) the whole county (全县, 全区).
        let (code, name) = match town {
            Some(t) => (self.tree.towns[t].code, &self.tree.towns[t].name),
            None => (c.code, &c.name),
        };
        let (title, office, scope) = match town {
            Some(_) => (
                "工作情况通报",
                "党政办公室",
                format!("{name}{year}年{period}各村（社区）重点工作情况"),
            ),
            None => (
                "重点工作考核通报",
                "委组织部",
                format!("{year}年{period}全{}各村（社区）重点工作考核情况", name.suffix),
            ),
        };
        g.begin_report(&ReportHeader {
            external_id: format_args!("{code}-villages-{year}-h{h}"),
            title: format_args!("{name}{year}年{period}村（社区）{title}"),
            source: format_args!("{name}{office}"),
            url: None,
            published,
            authors: self.pick_authors(&mut rng),
            region: code,
            body: format_args!("现将{scope}通报如下。"),
        })?;
        let through = if half == 0 { 5 } else { 11 };
        let covered = (cal.year_first(yi), cal.month_last(yi, through));
        let months = (through + 1) as f64 * TREND[yi];
        let salt = (yi * 2 + half) as u64;
        for town in &self.tree.towns[towns] {
            let villages = &self.tree.villages[town.villages.clone()];
            for &metric in metrics {
                let values = villages
                    .iter()
                    .map(|v| (v, self.fresh(metric, v.code, v.population, months, salt)));
                let value = if METRICS[metric].value_type == ValueType::Ratio {
                    let weighted: f64 = values.map(|(v, x)| v.population as f64 * x as f64).sum();
                    (weighted / town.population as f64).round() as i64
                } else {
                    (values.map(|(_, x)| x).sum::<i64>() as f64 * rng.between(1.0, 1.04)).round() as i64
                };
                let obs = Obs::new(
                    metric,
                    town.code,
                    &town.name,
                    value,
                    covered,
                    When::Through(through),
                );
                g.observation(&mut rng, &obs);
            }
            for v in villages {
                for &metric in metrics {
                    let value = self.fresh(metric, v.code, v.population, months, salt);
                    let obs = Obs::new(metric, v.code, &v.name, value, covered, When::Through(through));
                    g.observation(&mut rng, &obs);
                }
            }
        }
        g.end_report()
    }
}
