//! Why a write was refused, field by field.

use sea_orm::DbErr;

use crate::ingest::LineError;
use crate::interchange::{Fault, FieldError};

/// An invalid field: which item of a list (`None` for a single report), which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub index: Option<usize>,
    /// The field in interchange spelling (`observations[2].period_start`), `""` for the whole item.
    pub field: String,
    pub message: String,
}

/// Why a write was refused; nothing was written.
#[derive(Debug)]
pub enum WriteError {
    /// The input is invalid or references codes that do not exist.
    Invalid(Vec<ItemError>),
    /// The input is valid but contradicts stored data (a metric's value type or a region's level
    /// that can no longer change).
    Conflict(Vec<ItemError>),
    /// The database failed.
    Db(DbErr),
}

impl From<DbErr> for WriteError {
    fn from(e: DbErr) -> Self {
        WriteError::Db(e)
    }
}

impl WriteError {
    /// The refusal of a single item's errors: a conflict when every fault is one, else invalid input.
    pub fn of_fields(errors: Vec<FieldError>) -> WriteError {
        let faults: Vec<Fault> = errors.iter().map(|e| e.fault).collect();
        let items = errors
            .into_iter()
            .map(|e| ItemError {
                index: None,
                field: e.field,
                message: e.message,
            })
            .collect();
        WriteError::classify(&faults, items)
    }

    /// The refusal of a list's errors, as an importer with index numbering listed them (line N is
    /// index N − 1).
    pub fn of_lines(errors: Vec<LineError>) -> WriteError {
        let faults: Vec<Fault> = errors.iter().map(|e| e.fault).collect();
        let items = errors
            .into_iter()
            .map(|e| ItemError {
                index: usize::try_from(e.line).ok().and_then(|l| l.checked_sub(1)),
                field: e.field,
                message: e.message,
            })
            .collect();
        WriteError::classify(&faults, items)
    }

    fn classify(faults: &[Fault], items: Vec<ItemError>) -> WriteError {
        if !faults.is_empty() && faults.iter().all(|f| *f == Fault::Conflict) {
            WriteError::Conflict(items)
        } else {
            WriteError::Invalid(items)
        }
    }
}
