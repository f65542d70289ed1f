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
        WriteError::classify(errors.into_iter().map(|e| (None, e.field, e.message, e.fault)))
    }

    /// The refusal of a list's errors, as an importer with index numbering listed them (line N is
    /// index N − 1).
    pub fn of_lines(errors: Vec<LineError>) -> WriteError {
        WriteError::classify(errors.into_iter().map(|e| {
            let index = usize::try_from(e.line).ok().and_then(|l| l.checked_sub(1));
            (index, e.field, e.message, e.fault)
        }))
    }

    /// `(index, field, message, fault)` as a refusal: a conflict when every fault is one.
    fn classify(errors: impl Iterator<Item = (Option<usize>, String, String, Fault)>) -> WriteError {
        let mut conflict = true;
        let items: Vec<ItemError> = errors
            .map(|(index, field, message, fault)| {
                conflict &= fault == Fault::Conflict;
                ItemError {
                    index,
                    field,
                    message,
                }
            })
            .collect();
        if conflict && !items.is_empty() {
            WriteError::Conflict(items)
        } else {
            WriteError::Invalid(items)
        }
    }
}
