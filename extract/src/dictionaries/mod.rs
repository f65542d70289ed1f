//! The extractor's vocabulary: data files shipped in the crate and extendable by the user.
//!
//! A dictionary file is UTF-8 text in sections. A line `[name]` starts a section; `#` starts a comment;
//! blank lines are ignored. Table sections have tab-separated columns; list sections hold words separated
//! by any whitespace. Later entries replace earlier ones with the same key, so a user file can both add
//! and override. The sections:
//!
//! | section | columns / content |
//! |---|---|
//! | `units` | counter, kind, unit printed (`-` = the counter), condition (`event`, `not-time`, `not-year`, `limit-only`, `over`) |
//! | `qualifiers` | word, qualifier, position (`before`, `before-gap`, `before-multiplier`, `after-number`, `after-unit`, `after-duration`), characters that block it when written just before it |
//! | `place_suffixes` | suffix, level |
//! | `known_places` | name, level: places known without a catalog (provinces) |
//! | `anaphors` | word, level: words that refer back to the last place of a level (村集体) |
//! | `periods` | phrase, rule (`ytd`, `since-last-year`, `last-year`, `now`, `first-half`, `q1`, …) |
//! | `rates` | word, unit (`day`, `week`, `month`, `quarter`, `year`) |
//! | `holidays` | name, first day, last day (`10-01`) |
//! | `metrics` | code, name, units (`,`-separated or `*`), keywords (`+` joins required groups, `|` separates alternatives) |
//! | `terms` | word, English code word, role (`object`, `action`) |
//! | `figure_cues` | word, position (`before`, `after`), reason (`plan`, `norm`, `design`, `background`) |
//! | lists | `not_places`, `not_in_place_names`, `place_boundaries`, `organisations`, `destinations`, `anaphora_prefixes`, `comparisons`, `fillers`, `trailing_fillers`, `idioms`, `rhetorical_heads`, `event_nouns`, `times_of_day`, `program_suffixes` |

mod entries;

use std::fmt;
use std::path::Path;

use entity::Level;

use entries::{Columns, parse_level};
pub(crate) use entries::{
    CuePosition, CueReason, FigureCue, Holiday, MetricPattern, PeriodEntry, PeriodRule, QualifierEntry,
    QualifierPosition, RateUnit, Term, UnitCondition, UnitEntry,
};

use crate::phrases::PhraseTable;

/// The built-in dictionary files, by name.
const BUILTIN: [(&str, &str); 6] = [
    ("units.tsv", include_str!("../../dictionaries/units.tsv")),
    (
        "qualifiers.tsv",
        include_str!("../../dictionaries/qualifiers.tsv"),
    ),
    ("places.tsv", include_str!("../../dictionaries/places.tsv")),
    ("periods.tsv", include_str!("../../dictionaries/periods.tsv")),
    ("metrics.tsv", include_str!("../../dictionaries/metrics.tsv")),
    ("mentions.tsv", include_str!("../../dictionaries/mentions.tsv")),
];

/// A dictionary line that cannot be read, or a file that cannot be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DictionaryError {
    /// The file (or name) the text came from.
    pub file: String,
    /// The 1-based line number, or 0 when the file itself could not be read.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DictionaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for DictionaryError {}

/// Every table the extractor consults.
#[derive(Clone, Debug, Default)]
pub struct Dictionaries {
    pub(crate) units: PhraseTable<UnitEntry>,
    pub(crate) qualifiers: PhraseTable<QualifierEntry>,
    pub(crate) place_suffixes: PhraseTable<Level>,
    pub(crate) known_places: PhraseTable<Level>,
    pub(crate) anaphors: PhraseTable<Level>,
    pub(crate) periods: PhraseTable<PeriodEntry>,
    pub(crate) rates: PhraseTable<RateUnit>,
    pub(crate) holidays: PhraseTable<Holiday>,
    pub(crate) metrics: Vec<MetricPattern>,
    pub(crate) terms: PhraseTable<Term>,
    pub(crate) figure_cues: PhraseTable<FigureCue>,
    pub(crate) not_places: PhraseTable<()>,
    pub(crate) not_in_place_names: PhraseTable<()>,
    pub(crate) place_boundaries: PhraseTable<()>,
    pub(crate) organisations: PhraseTable<()>,
    pub(crate) destinations: PhraseTable<()>,
    pub(crate) anaphora_prefixes: PhraseTable<()>,
    pub(crate) comparisons: PhraseTable<()>,
    pub(crate) fillers: PhraseTable<()>,
    pub(crate) trailing_fillers: PhraseTable<()>,
    pub(crate) idioms: PhraseTable<()>,
    pub(crate) rhetorical_heads: PhraseTable<()>,
    pub(crate) event_nouns: PhraseTable<()>,
    pub(crate) times_of_day: PhraseTable<()>,
    pub(crate) program_suffixes: PhraseTable<()>,
}

impl Dictionaries {
    /// The dictionaries shipped with the extractor.
    ///
    /// # Panics
    /// Never in a released build: the built-in files are fixed at compile time and checked by the
    /// `builtin_dictionaries_load` test.
    pub fn builtin() -> Dictionaries {
        let mut dictionaries = Dictionaries::default();
        for (name, text) in BUILTIN {
            if let Err(error) = dictionaries.extend_from_str(name, text) {
                panic!("built-in dictionary {error}");
            }
        }
        dictionaries
    }

    /// Adds the entries of the dictionary file at `path`; entries with an existing key replace it.
    pub fn extend_from_file(&mut self, path: impl AsRef<Path>) -> Result<(), DictionaryError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| DictionaryError {
            file: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        self.extend_from_str(&path.display().to_string(), &text)
    }

    /// Adds the entries of dictionary text `text`; `name` is used in errors.
    pub fn extend_from_str(&mut self, name: &str, text: &str) -> Result<(), DictionaryError> {
        let mut section: Option<String> = None;
        for (index, raw) in text.lines().enumerate() {
            let error = |message: String| DictionaryError {
                file: name.to_owned(),
                line: index + 1,
                message,
            };
            let line = raw.split('#').next().unwrap_or("").trim_end();
            if line.trim().is_empty() {
                continue;
            }
            if let Some(header) = line.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = Some(header.trim().to_owned());
                continue;
            }
            let Some(current) = section.as_deref() else {
                return Err(error("an entry before any [section] line".to_owned()));
            };
            self.add_row(current, line).map_err(error)?;
        }
        Ok(())
    }

    fn add_row(&mut self, section: &str, line: &str) -> Result<(), String> {
        let row = Columns::new(line);
        match section {
            "units" => entries::parse_unit(&row).map(|(k, v)| self.units.insert(&k, v)),
            "qualifiers" => entries::parse_qualifier(&row).map(|(k, v)| self.qualifiers.insert(&k, v)),
            "place_suffixes" | "known_places" | "anaphors" => {
                let word = row.required(0, "word")?;
                let level = parse_level(row.required(1, "level")?)?;
                let table = match section {
                    "anaphors" => &mut self.anaphors,
                    "known_places" => &mut self.known_places,
                    _ => &mut self.place_suffixes,
                };
                table.insert(word, level);
                Ok(())
            }
            "periods" => entries::parse_period(&row).map(|(k, v)| self.periods.insert(&k, v)),
            "rates" => entries::parse_rate(&row).map(|(k, v)| self.rates.insert(&k, v)),
            "holidays" => entries::parse_holiday(&row).map(|(k, v)| self.holidays.insert(&k, v)),
            "metrics" => entries::parse_metric(&row).map(|pattern| self.metrics.push(pattern)),
            "terms" => entries::parse_term(&row).map(|(k, v)| self.terms.insert(&k, v)),
            "figure_cues" => entries::parse_figure_cue(&row).map(|(k, v)| self.figure_cues.insert(&k, v)),
            list => {
                let table = self
                    .word_list(list)
                    .ok_or_else(|| format!("unknown section [{list}]"))?;
                for word in line.split_whitespace() {
                    table.insert(word, ());
                }
                Ok(())
            }
        }
    }

    fn word_list(&mut self, section: &str) -> Option<&mut PhraseTable<()>> {
        Some(match section {
            "not_places" => &mut self.not_places,
            "not_in_place_names" => &mut self.not_in_place_names,
            "place_boundaries" => &mut self.place_boundaries,
            "organisations" => &mut self.organisations,
            "destinations" => &mut self.destinations,
            "anaphora_prefixes" => &mut self.anaphora_prefixes,
            "comparisons" => &mut self.comparisons,
            "fillers" => &mut self.fillers,
            "trailing_fillers" => &mut self.trailing_fillers,
            "idioms" => &mut self.idioms,
            "rhetorical_heads" => &mut self.rhetorical_heads,
            "event_nouns" => &mut self.event_nouns,
            "times_of_day" => &mut self.times_of_day,
            "program_suffixes" => &mut self.program_suffixes,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_dictionaries_load() {
        let mut dictionaries = Dictionaries::default();
        for (name, text) in BUILTIN {
            dictionaries.extend_from_str(name, text).unwrap();
        }
        assert!(dictionaries.units.contains("人次"));
        assert!(dictionaries.metrics.len() > 100);
    }

    #[test]
    fn extends_and_overrides() {
        let mut dictionaries = Dictionaries::builtin();
        assert!(!dictionaries.units.contains("羽"));
        let text = "[units]\n羽\tcount\n# a comment\n\n[idioms]\n一帆风顺 万事如意\n[metrics]\nbirds\t鸟类\t羽\t鸟\n";
        dictionaries.extend_from_str("user.tsv", text).unwrap();
        assert!(dictionaries.units.contains("羽"));
        assert!(dictionaries.idioms.contains("万事如意"));
        assert_eq!(
            dictionaries.metrics.last().map(|m| m.code.as_str()),
            Some("birds")
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let mut dictionaries = Dictionaries::builtin();
        let error = dictionaries
            .extend_from_str("user.tsv", "[units]\n羽\tcount\n只\tanimals\n")
            .unwrap_err();
        assert_eq!((error.file.as_str(), error.line), ("user.tsv", 3));
        assert!(error.to_string().starts_with("user.tsv:3: "), "{error}");
        let error = dictionaries.extend_from_str("u", "羽\tcount\n").unwrap_err();
        assert!(error.message.contains("section"), "{error}");
        let error = dictionaries.extend_from_str("u", "[colours]\n红\n").unwrap_err();
        assert!(error.message.contains("unknown section"), "{error}");
        let error = dictionaries
            .extend_from_file("/nonexistent/dictionary.tsv")
            .unwrap_err();
        assert_eq!(error.line, 0);
        assert!(
            error.to_string().starts_with("/nonexistent/dictionary.tsv: "),
            "{error}"
        );
    }
}
