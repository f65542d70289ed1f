//! Figures from Chinese local-governance report prose.
//!
//! [`Extractor::extract`] reads a [`Document`] and returns one [`Mention`] per quantity written in it
//! (`累计走访各类人员7000余人次` → 7000 人次, `OVER`), with the words that say what is counted, the
//! metric they match, the place and period the figure belongs to, the programme it reports on, and
//! whether it is a reported figure at all (`每月至少开展一次` is a norm). Names are resolved against a
//! [`Catalog`] of what the database knows; vocabulary comes from [`Dictionaries`], data files shipped
//! with the crate that users can extend.
//!
//! ```
//! use civicgraph_extract::{Catalog, Dictionaries, Document, Extractor};
//!
//! let extractor = Extractor::new(Catalog::default(), Dictionaries::builtin());
//! let document = Document {
//!     name: "-".into(),
//!     text: "今年以来,宁围街道发现整改隐患86处,事件处置闭环率100%。".into(),
//!     published_on: chrono::NaiveDate::from_ymd_opt(2023, 12, 15),
//!     region: None,
//! };
//! let mentions = extractor.extract(&document);
//! assert_eq!(mentions.len(), 2);
//! assert_eq!((mentions[0].value, mentions[0].unit.as_str()), (86.0, "处"));
//! assert_eq!(mentions[0].region.as_ref().map(|r| r.name.as_str()), Some("宁围街道"));
//! assert_eq!(mentions[1].period.text.as_deref(), Some("今年以来"));
//! ```

mod catalog;
mod dates;
mod dictionaries;
mod extractor;
mod figures;
mod layout;
mod mention;
mod metrics;
mod numbers;
mod periods;
mod phrases;
mod programs;
mod regions;
mod scanner;

pub use catalog::{Catalog, CatalogError, CatalogMetric, CatalogProgram, CatalogRegion};
pub use dictionaries::{Dictionaries, DictionaryError};
pub use extractor::{Extractor, publication_date};
pub use mention::{Document, Kind, Mention, MetricSuggestion, PeriodRef, ProgramRef, RegionRef};
