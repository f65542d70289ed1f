//! The output: NDJSON lines of regions, metrics, programs and reports, buffered and flushed in large
//! chunks, and the counts of what was written.

use std::fmt;
use std::io::{self, Write};

use entity::Level;

use crate::GenerateStats;
use crate::calendar::Calendar;
use crate::catalog::METRICS;
use crate::figures;
use crate::json::{Decimal, Object, close_array_and_object};
use crate::names::{Name, Person};
use crate::observation::Obs;
use crate::random::Rng;
use crate::world::{Area, Tree, World};

/// Bytes buffered before they go to the writer.
const FLUSH_AT: usize = 1 << 20;

/// What a report states before its observations.
pub(crate) struct ReportHeader<'a> {
    /// The report's identity (`{county}-bulletin-2022-06`).
    pub(crate) external_id: fmt::Arguments<'a>,
    pub(crate) title: fmt::Arguments<'a>,
    /// The publisher.
    pub(crate) source: fmt::Arguments<'a>,
    /// Left out when `None`.
    pub(crate) url: Option<fmt::Arguments<'a>>,
    /// The day of publication.
    pub(crate) published: u32,
    pub(crate) authors: &'a [Person],
    /// The report's main region.
    pub(crate) region: u64,
    /// The full text, one sentence here.
    pub(crate) body: fmt::Arguments<'a>,
}

/// The writer of the records: a buffer flushed to `out` in large chunks, and the counts.
pub(crate) struct Records<'a, W: Write> {
    out: &'a mut W,
    /// The calendar that day numbers are written from.
    pub(crate) cal: &'a Calendar,
    buf: Vec<u8>,
    stats: GenerateStats,
    /// Observations written in the current report.
    in_report: u32,
}

impl<'a, W: Write> Records<'a, W> {
    /// A writer to `out` of days of `cal`.
    pub(crate) fn new(out: &'a mut W, cal: &'a Calendar) -> Self {
        Records {
            out,
            cal,
            buf: Vec::with_capacity(FLUSH_AT + (1 << 18)),
            stats: GenerateStats::default(),
            in_report: 0,
        }
    }

    fn end_line(&mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is buffered, flushes `out`, and returns the counts.
    pub(crate) fn finish(self) -> io::Result<GenerateStats> {
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.stats)
    }

    fn region(
        &mut self,
        code: u64,
        name: &Name,
        level: Level,
        parent: Option<u64>,
        population: u64,
    ) -> io::Result<()> {
        let mut o = Object::open(&mut self.buf);
        o.str("kind", "region");
        o.digits("code", code);
        o.display("name", name)?;
        o.str("level", level.as_str());
        match parent {
            Some(p) => o.digits("parent", p),
            None => o.null("parent"),
        }
        o.number("population", &Decimal::uint(population));
        if matches!(level, Level::Province | Level::City | Level::County) {
            o.strings("aliases", [name.short()])?;
        }
        o.close();
        self.stats.regions += 1;
        self.end_line()
    }

    /// The top of the region tree: provinces, cities, then counties.
    pub(crate) fn areas(&mut self, world: &World) -> io::Result<()> {
        for p in &world.provinces {
            self.region(p.code, &p.name, Level::Province, None, p.population)?;
        }
        for c in &world.cities {
            let parent = world.provinces[c.parent].code;
            self.region(c.code, &c.name, Level::City, Some(parent), c.population)?;
        }
        for c in &world.counties {
            let parent = world.cities[c.parent].code;
            self.region(c.code, &c.name, Level::County, Some(parent), c.population)?;
        }
        Ok(())
    }

    /// The towns of `county`, each followed by its villages.
    pub(crate) fn towns(&mut self, county: &Area, tree: &Tree) -> io::Result<()> {
        for t in &tree.towns {
            self.region(t.code, &t.name, Level::Town, Some(county.code), t.population)?;
            for v in &tree.villages[t.villages.clone()] {
                self.region(v.code, &v.name, Level::Village, Some(t.code), v.population)?;
            }
        }
        Ok(())
    }

    /// Every metric.
    pub(crate) fn metrics(&mut self) -> io::Result<()> {
        for m in &METRICS {
            let mut o = Object::open(&mut self.buf);
            o.str("kind", "metric");
            o.str("code", m.code);
            o.str("name", m.name);
            o.str("unit", m.unit);
            o.str("value_type", m.value_type.as_str());
            if let Some(a) = m.aggregation {
                o.str("aggregation", a.as_str());
            }
            o.close();
            self.stats.metrics += 1;
            self.end_line()?;
        }
        Ok(())
    }

    /// Every program, county by county.
    pub(crate) fn programs(&mut self, world: &World) -> io::Result<()> {
        for p in world.programs.iter().flatten() {
            let t = p.template();
            let mut o = Object::open(&mut self.buf);
            o.str("kind", "program");
            o.str("code", &p.code);
            o.display("name", format_args!("{}“{}”", p.place.short(), t.name))?;
            o.digits("region", p.region);
            o.str("category", t.category);
            o.display(
                "description",
                format_args!("{}组织实施的{}专项工作", p.place, t.topic),
            )?;
            o.date("started_on", self.cal.iso(p.started));
            if let Some(e) = p.ended {
                o.date("ended_on", self.cal.iso(e));
            }
            o.close();
            self.stats.programs += 1;
            self.end_line()?;
        }
        Ok(())
    }

    /// Starts a report: writes its header, up to its first observation.
    pub(crate) fn begin_report(&mut self, h: &ReportHeader<'_>) -> io::Result<()> {
        let mut o = Object::open(&mut self.buf);
        o.str("kind", "report");
        o.display("external_id", h.external_id)?;
        o.display("title", h.title)?;
        o.display("source", h.source)?;
        if let Some(url) = h.url {
            o.display("url", url)?;
        }
        o.date("published_on", self.cal.iso(h.published));
        o.strings("authors", h.authors)?;
        o.digits("region", h.region);
        o.display("body", h.body)?;
        o.end_with_array("observations");
        self.in_report = 0;
        Ok(())
    }

    /// Writes an observation of the current report; `rng` decides how its value is stated.
    pub(crate) fn observation(&mut self, rng: &mut Rng, obs: &Obs<'_>) {
        let (q, stated) = figures::qualify(rng, METRICS[obs.metric].value_type, obs.value);
        let mut o = Object::array_item(&mut self.buf, self.in_report == 0);
        obs.write(&mut o, self.cal, q, stated);
        o.close();
        self.in_report += 1;
        self.stats.observations += 1;
    }

    /// Ends the current report.
    pub(crate) fn end_report(&mut self) -> io::Result<()> {
        debug_assert!(
            (10..=500).contains(&self.in_report),
            "{} observations",
            self.in_report
        );
        close_array_and_object(&mut self.buf);
        self.stats.reports += 1;
        self.end_line()
    }
}
