//! The extractor: finds the quantities of a document and, for each, what it measures, where, when and
//! under which programme.

use chrono::NaiveDate;

use crate::catalog::Catalog;
use crate::dates::header_date;
use crate::dictionaries::Dictionaries;
use crate::figures::{Governing, is_figure};
use crate::layout::{Layout, Span};
use crate::mention::{Document, Mention, PeriodRef, RegionRef};
use crate::metrics::{self, MetricIndex, Surroundings};
use crate::periods::{PeriodPhrase, find_periods, period_for};
use crate::programs::{ProgramIndex, ProgramMention, find_programs, program_for};
use crate::regions::{Place, RegionIndex, fallback_before, find_places, region_for};
use crate::scanner::{Quantity, scan};

/// Extracts quantity mentions from documents, resolving names against one catalog.
#[derive(Clone, Debug)]
pub struct Extractor {
    catalog: Catalog,
    dict: Dictionaries,
    regions: RegionIndex,
    programs: ProgramIndex,
    metrics: MetricIndex,
}

/// The publication date written in the header of `text` (`2017-02-28 09:45`, `2022年9月20日`), if any.
pub fn publication_date(text: &str) -> Option<NaiveDate> {
    header_date(&text.chars().collect::<Vec<char>>())
}

/// What one document holds besides its quantities.
struct Analysis {
    text: Vec<char>,
    layout: Layout,
    published: Option<NaiveDate>,
    places: Vec<Place>,
    periods: Vec<PeriodPhrase>,
    programs: Vec<ProgramMention>,
}

impl Extractor {
    /// An extractor for `catalog` with `dictionaries` (usually [`Dictionaries::builtin`], extended).
    pub fn new(catalog: Catalog, dictionaries: Dictionaries) -> Extractor {
        let regions = RegionIndex::new(&catalog);
        let programs = ProgramIndex::new(&catalog, &dictionaries);
        let metrics = MetricIndex::new(&catalog);
        Extractor {
            catalog,
            dict: dictionaries,
            regions,
            programs,
            metrics,
        }
    }

    /// The catalog names are resolved against.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The quantity mentions of `document`, in text order.
    pub fn extract(&self, document: &Document) -> Vec<Mention> {
        let analysis = self.analyse(document);
        let text = &analysis.text;
        let mut blocked = vec![false; text.len()];
        let mut excluded = vec![false; text.len()];
        let mark =
            |marks: &mut [bool], (start, end): Span| marks[start..end].iter_mut().for_each(|m| *m = true);
        for place in &analysis.places {
            mark(&mut blocked, (place.start, place.end));
            // 村集体 and 全街道 say what is counted (村集体增收, 全街道16个村); names do not.
            if !place.reference {
                mark(&mut excluded, (place.start, place.end));
            }
        }
        for period in &analysis.periods {
            if period.blocks_numbers {
                mark(&mut blocked, (period.start, period.end));
            }
            mark(&mut excluded, (period.start, period.end));
        }
        for i in 0..text.len() {
            if let Some((len, _)) = self.dict.idioms.longest_at(text, i) {
                mark(&mut blocked, (i, i + len));
            }
        }
        let quantities = scan(text, &analysis.layout, &self.dict, &blocked);
        let spans: Vec<Span> = quantities.iter().map(|q| (q.start, q.end)).collect();
        let mut in_quantity = vec![false; text.len()];
        for &(start, end) in spans.iter().filter(|&&(_, end)| text[end - 1] != '内') {
            mark(&mut in_quantity, (start, end));
        }
        let surroundings = Surroundings {
            text,
            layout: &analysis.layout,
            dict: &self.dict,
            excluded: &excluded,
            quantities: &spans,
            in_quantity: &in_quantity,
        };
        (0..quantities.len())
            .map(|index| self.mention(document, &analysis, &quantities, &spans, &surroundings, index))
            .collect()
    }

    fn analyse(&self, document: &Document) -> Analysis {
        let text: Vec<char> = document.text.chars().collect();
        let layout = Layout::new(&text);
        let published = document.published_on.or_else(|| header_date(&text));
        let region = document.region.as_deref();
        let places = find_places(&text, &layout, &self.dict, &self.regions, &self.catalog, region);
        let periods = find_periods(&text, &layout, &self.dict, published);
        let programs = find_programs(&text, &layout, &self.dict, &self.programs, &self.catalog);
        Analysis {
            text,
            layout,
            published,
            places,
            periods,
            programs,
        }
    }

    fn mention(
        &self,
        document: &Document,
        analysis: &Analysis,
        quantities: &[Quantity],
        spans: &[Span],
        surroundings: &Surroundings,
        index: usize,
    ) -> Mention {
        let q = &quantities[index];
        let text = &analysis.text;
        let layout = &analysis.layout;
        let region = region_for(q.start, &analysis.places, layout)
            .map(Place::to_ref)
            .or_else(|| self.document_region(document))
            .or_else(|| fallback_before(q.start, &analysis.places).map(Place::to_ref));
        let program = program_for(q.start, &analysis.programs, layout);
        let phrase = period_for(
            (q.start, q.end),
            &analysis.periods,
            layout,
            spans,
            surroundings.in_quantity,
            text,
        );
        let period = match phrase {
            Some(phrase) => PeriodRef {
                text: Some(phrase.text.clone()),
                start: phrase
                    .dates
                    .0
                    .or_else(|| self.open_start(phrase, program, analysis)),
                end: phrase.dates.1,
            },
            None => PeriodRef {
                text: None,
                start: analysis.published,
                end: analysis.published,
            },
        };
        let measure = surroundings.measure(index);
        let sentence = layout.sentence(q.start);
        let sentence_text: String = text[sentence.0..sentence.1].iter().collect();
        let rate = phrase.is_some_and(|p| p.rate);
        let future = match (period.start, analysis.published) {
            (Some(start), Some(published)) => start > published,
            _ => false,
        };
        let governing = Governing { rate, future };
        // The rate word and a norm word belong to what is measured (每月走访…不少于5户).
        let context: String = [
            phrase.filter(|p| p.rate).map(|p| p.text.as_str()),
            q.qualifier_word.as_deref(),
        ]
        .into_iter()
        .flatten()
        .chain([measure.as_str()])
        .collect();
        let (metric, metric_suggestion) = metrics::resolve(
            &context,
            &measure,
            &sentence_text,
            &q.unit,
            q.kind,
            &self.dict,
            &self.metrics,
        );
        Mention {
            doc: document.name.clone(),
            start: q.start,
            end: q.end,
            quote: text[q.start..q.end].iter().collect(),
            value: q.value,
            unit: q.unit.clone(),
            scale: q.scale,
            qualifier: q.qualifier,
            kind: q.kind,
            figure: is_figure(index, quantities, governing, text, layout, &self.dict),
            measure,
            metric,
            metric_suggestion,
            region,
            period,
            program: program.map(ProgramMention::to_ref),
        }
    }

    fn document_region(&self, document: &Document) -> Option<RegionRef> {
        let code = document.region.as_deref()?;
        let name = self
            .catalog
            .region(code)
            .map_or_else(|| code.to_owned(), |r| r.name.clone());
        Some(RegionRef {
            name,
            code: Some(code.to_owned()),
        })
    }

    /// The start of a period whose wording gives none (自试运行以来): the programme's start, else the
    /// start of the last dated “since” phrase before it in its segment (8月起), else its end.
    fn open_start(
        &self,
        phrase: &PeriodPhrase,
        program: Option<&ProgramMention>,
        analysis: &Analysis,
    ) -> Option<NaiveDate> {
        if !phrase.open_start {
            return None;
        }
        let segment = analysis.layout.segment(phrase.start);
        let since = |p: &&PeriodPhrase| {
            !p.rate
                && !p.open_start
                && (p.text.ends_with('起') || p.text.ends_with("以来") || p.text.ends_with("开始"))
        };
        program
            .and_then(|p| p.started_on)
            .or_else(|| {
                analysis
                    .periods
                    .iter()
                    .filter(since)
                    .rfind(|p| p.start >= segment.0 && p.end <= phrase.start)?
                    .dates
                    .0
            })
            .or(phrase.dates.1)
    }
}

#[cfg(test)]
mod tests;
