//! Program reports: a running program's year-to-date figures, for its region and each of its children.

use std::io::{self, Write};

use super::County;
use super::ledger::TREND;
use crate::calendar::FIRST_YEAR;
use crate::names::Name;
use crate::observation::{Obs, When};
use crate::random::{Rng, mix};
use crate::records::{Records, ReportHeader};

impl County<'_> {
    /// Half `half` (0 or 1) of the current year of program `index`, covering the days `period` and
    /// published on day `published`.
    pub(super) fn program_report<W: Write>(
        &self,
        g: &mut Records<'_, W>,
        index: usize,
        half: usize,
        period: (u32, u32),
        published: u32,
    ) -> io::Result<()> {
        let (cal, yi) = (g.cal, self.yi);
        let (start, end) = period;
        let p = &self.programs[index];
        let tpl = p.template();
        let mut rng = Rng::new(mix(self.year_seed, 300 + 2 * index as u64 + half as u64));
        let (code, place, tpl_name, county) = (&p.code, p.place.short(), tpl.name, &self.county.name);
        let (year, h) = (FIRST_YEAR + yi as i32, half + 1);
        let (month, day) = cal.month_day(end);
        let (sm, sd) = cal.month_day(p.started);
        let (sy, topic) = (FIRST_YEAR + cal.year_index(p.started) as i32, tpl.topic);
        g.begin_report(&ReportHeader {
            external_id: format_args!("{code}-{year}-h{h}"),
            title: format_args!("{place}“{tpl_name}”工作推进情况（截至{year}年{month}月{day}日）"),
            source: format_args!("{county}融媒体中心"),
            url: None,
            published,
            authors: self.pick_authors(&mut rng),
            region: p.region,
            body: format_args!(
                "{place}“{tpl_name}”自{sy}年{sm}月{sd}日启动以来持续推进，{topic}各项工作有序开展。"
            ),
        })?;
        let months = f64::from(end - start + 1) / 30.44 * TREND[yi] * p.intensity;
        let salt = mix(u64::from(start), u64::from(end));
        let lead = tpl.metrics[0];
        // The program's region and its children: the county's towns, or the town's villages.
        let children: Vec<(u64, &Name, u64)> = match p.town {
            Some(t) => self.tree.villages[self.tree.towns[t].villages.clone()]
                .iter()
                .map(|v| (v.code, &v.name, v.population))
                .collect(),
            None => self
                .tree
                .towns
                .iter()
                .map(|t| (t.code, &t.name, t.population))
                .collect(),
        };
        let population = children.iter().map(|c| c.2).sum();
        let sum: i64 = children
            .iter()
            .map(|&(code, _, pop)| self.fresh(lead, code, pop, months, salt))
            .sum();
        for (i, &metric) in tpl.metrics.iter().enumerate() {
            let value = if i == 0 {
                (sum as f64 * rng.between(1.0, 1.04)).round() as i64
            } else {
                self.fresh(metric, p.region, population, months, salt)
            };
            let obs = Obs::new(metric, p.region, &p.place, value, period, When::Ytd);
            g.observation(&mut rng, &obs.of(Some(p)));
        }
        for &(code, name, pop) in &children {
            let value = self.fresh(lead, code, pop, months, salt);
            let obs = Obs::new(lead, code, name, value, period, When::Ytd);
            g.observation(&mut rng, &obs.of(Some(p)));
        }
        g.end_report()
    }
}
