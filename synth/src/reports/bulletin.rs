//! Monthly bulletins: every town's monthly core figures, quarterly extra figures, the county's year-to-date
//! totals, two daily figures, and now and then corrections of last month's figures.

use std::io::{self, Write};

use entity::ValueType;

use super::County;
use super::ledger::{SLOTS, TREND};
use crate::calendar::FIRST_YEAR;
use crate::catalog::{PEAK_DAILY_VISITORS, VOLUNTEER_SERVICES};
use crate::figures::scale;
use crate::observation::{Obs, When};
use crate::random::{Rng, mix};
use crate::records::{Records, ReportHeader};

impl County<'_> {
    /// The bulletin of month index `m`, published on day `published`.
    pub(super) fn bulletin<W: Write>(
        &self,
        g: &mut Records<'_, W>,
        m: usize,
        published: u32,
    ) -> io::Result<()> {
        let (cal, yi, towns, ledger) = (g.cal, self.yi, &self.tree.towns, &self.ledger);
        let mut rng = Rng::new(mix(self.year_seed, 100 + m as u64));
        let (code, name, year, month) = (self.county.code, &self.county.name, FIRST_YEAR + yi as i32, m + 1);
        g.begin_report(&ReportHeader {
            external_id: format_args!("{code}-bulletin-{year}-{month:02}"),
            title: format_args!("{name}{year}年{month}月基层社会治理工作简报"),
            source: format_args!("{name}委政法委"),
            url: Some(format_args!("https://{code}.gov.example.cn/jb/{year}{month:02}.html")),
            published,
            authors: self.pick_authors(&mut rng),
            region: code,
            body: format_args!(
                "本期简报汇总{year}年{month}月{name}各乡镇（街道）走访群众、矛盾纠纷调解等基层社会治理主要数据。"
            ),
        })?;
        let (first, last) = (cal.month_first(yi, m), cal.month_last(yi, m));
        for (t, town) in towns.iter().enumerate() {
            for k in 0..2 {
                let value = ledger.town_month(t, k, m);
                let obs = Obs::new(
                    ledger.slots[k],
                    town.code,
                    &town.name,
                    value,
                    (first, last),
                    When::Month(m),
                );
                g.observation(&mut rng, &obs);
            }
        }
        if m % 3 == 2 {
            let quarter = (cal.month_first(yi, m - 2), last);
            for (t, town) in towns.iter().enumerate() {
                let value = ledger.town_over(t, 2, m - 2..m + 1);
                let obs = Obs::new(
                    ledger.slots[2],
                    town.code,
                    &town.name,
                    value,
                    quarter,
                    When::Quarter(m / 3),
                );
                g.observation(&mut rng, &obs);
            }
        }
        for k in 0..SLOTS {
            let value = ledger.county_ytd(k, m);
            let period = (cal.year_first(yi), last);
            let obs = Obs::new(ledger.slots[k], code, name, value, period, When::Through(m));
            g.observation(&mut rng, &obs);
        }
        let days = cal.month_len(yi, m);
        // The busiest day of one town.
        let t = rng.below(towns.len());
        let d = rng.below(days as usize) as u32;
        let peak = ledger.town_month(t, 0, m) as f64 / f64::from(days) * rng.between(1.8, 3.2);
        let value = scale(ValueType::Count, peak);
        let day = (first + d, first + d);
        let obs = Obs::new(
            PEAK_DAILY_VISITORS,
            towns[t].code,
            &towns[t].name,
            value,
            day,
            When::Day(m, d + 1),
        );
        g.observation(&mut rng, &obs);
        // An event day, of a running program when there is one.
        let d = rng.below(days as usize) as u32;
        let day = first + d;
        let program = (!self.programs.is_empty() && rng.chance(0.7))
            .then(|| &self.programs[rng.below(self.programs.len())])
            .filter(|p| p.active(day));
        let (t, metric, intensity) = match program {
            Some(p) => (
                p.town.unwrap_or_else(|| rng.below(towns.len())),
                p.template().metrics[0],
                p.intensity,
            ),
            None => (rng.below(towns.len()), VOLUNTEER_SERVICES, 1.0),
        };
        let months = rng.between(2.0, 5.0) / 30.44 * intensity * TREND[yi];
        let town = &towns[t];
        let value = self.fresh(metric, town.code, town.population, months, u64::from(day));
        let obs = Obs::new(
            metric,
            town.code,
            &town.name,
            value,
            (day, day),
            When::Day(m, d + 1),
        );
        g.observation(&mut rng, &obs.of(program));
        // Corrections of last month's figures: the same coverage again, revised.
        if m > 0 && rng.chance(0.3) {
            let k0 = rng.below(2);
            let period = (cal.month_first(yi, m - 1), cal.month_last(yi, m - 1));
            for i in 0..1 + rng.below(2) {
                let k = (k0 + i) % 2;
                let t = rng.below(towns.len());
                let before = ledger.town_month(t, k, m - 1);
                let mut value = (before as f64 * rng.between(0.95, 1.05)).round() as i64;
                if value == before {
                    value += 1;
                }
                let obs = Obs::new(
                    ledger.slots[k],
                    towns[t].code,
                    &towns[t].name,
                    value,
                    period,
                    When::Month(m - 1),
                );
                g.observation(&mut rng, &obs.correction());
            }
        }
        g.end_report()
    }
}
