//! Annual reports: the county's figures for the whole year, and every town's annual figure of one amount
//! metric.

use std::io::{self, Write};

use super::County;
use super::ledger::TREND;
use crate::calendar::FIRST_YEAR;
use crate::catalog::{ANNUAL_METRICS, METRICS, TOWN_ANNUAL_METRICS, VOLUNTEERS_REGISTERED};
use crate::figures::revise;
use crate::observation::{Obs, When};
use crate::random::{Rng, mix};
use crate::records::{Records, ReportHeader};

impl County<'_> {
    /// The annual report of the current year, published on day `published`.
    pub(super) fn annual<W: Write>(&self, g: &mut Records<'_, W>, published: u32) -> io::Result<()> {
        let (cal, yi, c, ledger) = (g.cal, self.yi, self.county, &self.ledger);
        let mut rng = Rng::new(mix(self.year_seed, 200));
        let (code, name, year) = (c.code, &c.name, FIRST_YEAR + yi as i32);
        g.begin_report(&ReportHeader {
            external_id: format_args!("{code}-annual-{year}"),
            title: format_args!("{name}{year}年基层社会治理工作总结"),
            source: format_args!("{name}人民政府办公室"),
            url: Some(format_args!("https://{code}.gov.example.cn/zj/{year}.html")),
            published,
            authors: self.pick_authors(&mut rng),
            region: code,
            body: format_args!(
                "{year}年，{name}坚持和发展新时代“枫桥经验”，基层社会治理各项工作取得新成效。"
            ),
        })?;
        let year_long = (cal.year_first(yi), cal.year_last(yi));
        for &metric in &ANNUAL_METRICS {
            let vt = METRICS[metric].value_type;
            let (value, when) = if let Some(k) = ledger.slot_of(metric) {
                // The December bulletin's year-to-date total, sometimes revised.
                let v = ledger.county_ytd(k, 11);
                let v = if rng.chance(0.35) {
                    revise(&mut rng, vt, v)
                } else {
                    v
                };
                (v, When::Year)
            } else if metric == VOLUNTEERS_REGISTERED {
                let v = self.fresh(metric, code, c.population, TREND[yi], yi as u64);
                (v, When::YearEnd)
            } else {
                let v = self.fresh(metric, code, c.population, 12.0 * TREND[yi], yi as u64);
                (v, When::Year)
            };
            g.observation(&mut rng, &Obs::new(metric, code, name, value, year_long, when));
        }
        let metric = rng.pick(&TOWN_ANNUAL_METRICS);
        for (t, town) in self.tree.towns.iter().enumerate() {
            let value = match ledger.slot_of(metric) {
                Some(k) => ledger.town_over(t, k, 0..12),
                None => self.fresh(metric, town.code, town.population, 12.0 * TREND[yi], yi as u64),
            };
            let obs = Obs::new(metric, town.code, &town.name, value, year_long, When::Year);
            g.observation(&mut rng, &obs);
        }
        g.end_report()
    }
}
