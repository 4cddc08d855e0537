//! Committed change sets.
//!
//! A [`ChangeSet`] is what a transaction did, after every check passed: for
//! each touched table, for each touched row, the row before (`old`, absent
//! for inserts) and after (`new`, absent for deletes), plus the indexes of
//! the user columns whose value differs.  Rows that a transaction touched
//! without changing any value are left out, so an empty change set means
//! "nothing to log, nothing to notify".
//!
//! The same structure feeds three consumers: [`crate::db::Database::apply`]
//! (commit to memory), [`crate::record`] (the on-disk log record) and
//! [`crate::monitor`] (update notifications).

use crate::db::Row;
use std::collections::BTreeMap;
use uuid::Uuid;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The row was inserted.
    Insert,
    /// The row was deleted.
    Delete,
    /// Some columns changed.
    Modify,
}

/// The change to one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    /// Row UUID.
    pub uuid: Uuid,
    /// Contents before the transaction (`None` for an insert).
    pub old: Option<Row>,
    /// Contents after the transaction (`None` for a delete).
    pub new: Option<Row>,
    /// Indexes of user columns whose value changed (every non-default column
    /// for inserts, empty for deletes).
    pub changed: Vec<usize>,
}

impl RowChange {
    /// Insert, delete or modify.
    pub fn kind(&self) -> ChangeKind {
        match (&self.old, &self.new) {
            (None, _) => ChangeKind::Insert,
            (Some(_), None) => ChangeKind::Delete,
            (Some(_), Some(_)) => ChangeKind::Modify,
        }
    }
}

/// The changes to one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableChanges {
    /// Schema index of the table.
    pub table: usize,
    /// Table name.
    pub name: String,
    /// Changed rows by UUID.
    pub rows: BTreeMap<Uuid, RowChange>,
}

/// Everything one transaction changed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeSet {
    /// Touched tables in schema order (only those with changes).
    pub tables: Vec<TableChanges>,
}

impl ChangeSet {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|t| t.rows.is_empty())
    }

    /// The changes to the table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableChanges> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Total number of changed rows.
    pub fn n_rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows.len()).sum()
    }
}
