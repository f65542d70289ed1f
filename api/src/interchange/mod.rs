//! The NDJSON interchange format (`../shared/spec/interchange.md`): the records as Rust data, parsed
//! with the path of any field at fault ([`record`]), checked against the codes known so far
//! ([`validate`]), and written back from the database ([`export`]).

pub mod export;
pub mod record;
pub mod validate;

pub use record::{
    Fault, FieldError, MetricRecord, ObservationRecord, ProgramRecord, Record, RegionRecord, ReportRecord,
    parse_line, to_line,
};
