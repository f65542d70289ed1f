//! One observation: its figure, coverage and period, written as a JSON object with a quote in the words a
//! report would use (`莲都区今年以来累计走访群众7300余人次`).

use entity::{Qualifier, ValueType};

use crate::calendar::Calendar;
use crate::catalog::{METRICS, MetricDef};
use crate::figures;
use crate::json::{Decimal, Object, Text};
use crate::names::Name;
use crate::programs::Program;

/// The period words of a quote.
#[derive(Clone, Copy)]
pub(crate) enum When {
    /// Year to date up to a day (`今年以来`).
    Ytd,
    /// Year to date up to the end of month index `m` (`1至6月`).
    Through(usize),
    /// Month index `m` (`6月`).
    Month(usize),
    /// Quarter index `q` (`二季度`).
    Quarter(usize),
    /// Month index and day of month (`6月18日`).
    Day(usize, u32),
    /// The whole year (`全年`).
    Year,
    /// The last day of the year (`截至年底`).
    YearEnd,
}

/// One observation to write.
pub(crate) struct Obs<'a> {
    /// Index in [`METRICS`].
    pub(crate) metric: usize,
    pub(crate) region: u64,
    /// The region's name, for the quote.
    pub(crate) place: &'a Name,
    pub(crate) program: Option<&'a Program>,
    /// The true value, scaled (see [`figures`]); the text may state it rounded.
    pub(crate) value: i64,
    /// The first and last day covered.
    pub(crate) period: (u32, u32),
    pub(crate) when: When,
    /// A correction of an earlier figure.
    pub(crate) corrected: bool,
}

impl<'a> Obs<'a> {
    /// An observation of `metric` for region `region` (named `place`), of no program and not a correction.
    pub(crate) fn new(
        metric: usize,
        region: u64,
        place: &'a Name,
        value: i64,
        period: (u32, u32),
        when: When,
    ) -> Self {
        Obs {
            metric,
            region,
            place,
            program: None,
            value,
            period,
            when,
            corrected: false,
        }
    }

    /// The same observation, tagged with `program`.
    pub(crate) fn of(self, program: Option<&'a Program>) -> Self {
        Obs { program, ..self }
    }

    /// The same observation, as a correction of an earlier figure.
    pub(crate) fn correction(self) -> Self {
        Obs {
            corrected: true,
            ..self
        }
    }

    /// Writes the observation's fields, stating `stated` (scaled) with qualifier `q`.
    pub(crate) fn write(&self, o: &mut Object<'_>, cal: &Calendar, q: Qualifier, stated: i64) {
        let def = &METRICS[self.metric];
        let number = figures::decimal(def.value_type, stated);
        o.str("metric", def.code);
        o.digits("region", self.region);
        if let Some(p) = self.program {
            o.str("program", &p.code);
        }
        o.number("value", &number);
        if q != Qualifier::Exact {
            o.str("qualifier", q.as_str());
        }
        o.date("period_start", cal.iso(self.period.0));
        o.date("period_end", cal.iso(self.period.1));
        o.text("quote", |t| self.quote(t, def, q, &number));
    }

    /// The quote: `[更正：]{place}[“program”]{period}{phrase}{value}`.
    fn quote(&self, t: &mut Text<'_>, def: &MetricDef, q: Qualifier, number: &Decimal) {
        if self.corrected {
            t.push("更正：");
        }
        for syllable in self.place.syllables() {
            t.push(syllable);
        }
        t.push(self.place.suffix);
        if let Some(p) = self.program {
            t.push("“").push(p.template().name).push("”");
        }
        let ratio = def.value_type == ValueType::Ratio;
        let total = if ratio { "" } else { "累计" };
        match self.when {
            When::Ytd => t.push("今年以来").push(total),
            When::Through(0) => t.push("1月"),
            When::Through(m) => t.push("1至").uint(m as u64 + 1).push("月").push(total),
            When::Month(m) => t.uint(m as u64 + 1).push("月"),
            When::Quarter(q) => t.push(["一", "二", "三", "四"][q]).push("季度"),
            When::Day(m, d) => t.uint(m as u64 + 1).push("月").uint(u64::from(d)).push("日"),
            When::Year => t.push("全年"),
            When::YearEnd => t.push("截至年底"),
        };
        t.push(def.phrase);
        if ratio {
            let verb = match q {
                Qualifier::Exact => "达",
                Qualifier::Over => "超过",
                Qualifier::Approx => "约为",
                Qualifier::Nearly => "接近",
                Qualifier::Under => "不足",
            };
            t.push(verb).number(number).push("%");
        } else {
            let before = match q {
                Qualifier::Approx => "约",
                Qualifier::Nearly => "近",
                Qualifier::Under => "不足",
                Qualifier::Over if def.value_type == ValueType::Amount => "超过",
                _ => "",
            };
            let after = match q {
                Qualifier::Over if def.value_type == ValueType::Count => "余",
                _ => "",
            };
            t.push(before).number(number).push(after).push(def.unit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::mi;
    use crate::random::Rng;

    fn written(obs: &Obs<'_>, q: Qualifier, stated: i64) -> serde_json::Value {
        let cal = Calendar::new();
        let mut buf = Vec::new();
        let mut o = Object::open(&mut buf);
        obs.write(&mut o, &cal, q, stated);
        o.close();
        serde_json::from_slice(&buf).expect("valid JSON")
    }

    #[test]
    fn quotes_state_the_figure_as_a_text_would() {
        let place = Name::unique(&mut Rng::new(1), 2, "区", |_| false);
        let cal = Calendar::new();
        let (first, last) = (cal.year_first(3), cal.month_last(3, 5));
        let obs = Obs::new(
            mi("people_visited"),
            331102,
            &place,
            7351,
            (first, last),
            When::Through(5),
        );
        let v = written(&obs, Qualifier::Over, 7300);
        let expected = format!("{place}1至6月累计走访群众7300余人次");
        assert_eq!(v["quote"], expected.as_str());
        assert_eq!(v["region"], "331102");
        assert_eq!(v["value"], 7300);
        assert_eq!(v["qualifier"], "over");
        assert_eq!(v["period_start"], "2022-01-01");
        assert_eq!(v["period_end"], "2022-06-30");
        assert!(v.get("program").is_none());

        let rate = Obs::new(
            mi("satisfaction_rate"),
            331102,
            &place,
            953,
            (first, last),
            When::Year,
        );
        let v = written(&rate.correction(), Qualifier::Exact, 953);
        assert_eq!(v["quote"], format!("更正：{place}全年群众满意度达95.3%").as_str());
        assert_eq!(v["value"], 95.3);
        assert!(v.get("qualifier").is_none(), "exact is the default and left out");
    }
}
