//! The in-memory database: tables of rows keyed by UUID.
//!
//! A [`Database`] owns its [`DatabaseSchema`] (shared through an `Arc`) and
//! one [`Table`] per schema table.  A table keeps its rows in a `BTreeMap`
//! ordered by UUID, a count of the *strong* references that point at each
//! row (used for referential integrity and garbage collection), the set of
//! rows holding *weak* references to each row (so that deleting a row finds
//! the references to remove without scanning), and one hash map per unique
//! index from the indexed column values to the row holding them (also used
//! to answer `==` conditions on indexed columns without scanning).
//!
//! The database is only ever changed by applying a [`ChangeSet`]: either one
//! produced by executing a transaction (see [`crate::txn`]) or one rebuilt
//! from an on-disk log record (see [`crate::record`]).  [`Database::apply`]
//! keeps rows, reference counts and indexes consistent; it trusts the change
//! set, which the transaction engine has already validated.

use crate::atom::Atom;
use crate::changes::ChangeSet;
use crate::datum::Datum;
use crate::schema::{DatabaseSchema, TableSchema, UUID_COLUMN, VERSION_COLUMN};
use crate::types::RefType;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use uuid::Uuid;

/// One row: the value of every column, `_uuid` and `_version` first.
///
/// The values are shared copy-on-write: cloning a row (into a transaction's overlay, into a
/// change set, into the table at commit, into the server's history) is a reference-count
/// increment, and the first change to a shared row copies it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    values: Arc<[Datum]>,
}

impl Row {
    /// A row of `table` with every column at its default value.
    pub fn new(table: &TableSchema, uuid: Uuid, version: Uuid) -> Row {
        // Collected straight into the shared slice: one allocation per row.
        let values: Arc<[Datum]> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match i {
                UUID_COLUMN => Datum::scalar(Atom::Uuid(uuid)),
                VERSION_COLUMN => Datum::scalar(Atom::Uuid(version)),
                _ => Datum::default_for(&c.ty),
            })
            .collect();
        Row { values }
    }

    /// The row's UUID.
    pub fn uuid(&self) -> Uuid {
        self.values
            .get(UUID_COLUMN)
            .and_then(Datum::first)
            .and_then(Atom::as_uuid)
            .unwrap_or_default()
    }

    /// The row's `_version`.
    pub fn version(&self) -> Uuid {
        self.values
            .get(VERSION_COLUMN)
            .and_then(Datum::first)
            .and_then(Atom::as_uuid)
            .unwrap_or_default()
    }

    pub(crate) fn set_version(&mut self, v: Uuid) {
        self.set(VERSION_COLUMN, Datum::scalar(Atom::Uuid(v)));
    }

    /// The value of column `idx`.
    pub fn get(&self, idx: usize) -> Option<&Datum> {
        self.values.get(idx)
    }

    /// All values in column order.
    pub fn values(&self) -> &[Datum] {
        &self.values
    }

    /// Sets column `idx` (ignored if out of range).
    pub fn set(&mut self, idx: usize, d: Datum) {
        if let Some(slot) = self.get_mut(idx) {
            *slot = d;
        }
    }

    pub(crate) fn get_mut(&mut self, idx: usize) -> Option<&mut Datum> {
        if idx >= self.values.len() {
            return None;
        }
        if Arc::get_mut(&mut self.values).is_none() {
            // Shared: copy on write.
            self.values = self.values.iter().cloned().collect();
        }
        Arc::get_mut(&mut self.values)?.get_mut(idx)
    }

    /// The row as a JSON object holding the given columns.
    pub fn to_json(&self, table: &TableSchema, columns: &[usize]) -> Value {
        let mut m = Map::new();
        for &i in columns {
            if let (Some(c), Some(d)) = (table.columns.get(i), self.values.get(i)) {
                m.insert(c.name.clone(), d.to_json());
            }
        }
        Value::Object(m)
    }

    /// The UUIDs this row references strongly (with repetition), paired with
    /// the referenced table's index.
    pub fn strong_refs(&self, table: &TableSchema, schema: &DatabaseSchema) -> Vec<(usize, Uuid)> {
        self.refs(table, schema, RefType::Strong)
    }

    /// The UUIDs this row references weakly (with repetition), paired with
    /// the referenced table's index.
    pub fn weak_refs(&self, table: &TableSchema, schema: &DatabaseSchema) -> Vec<(usize, Uuid)> {
        self.refs(table, schema, RefType::Weak)
    }

    fn refs(
        &self,
        table: &TableSchema,
        schema: &DatabaseSchema,
        kind: RefType,
    ) -> Vec<(usize, Uuid)> {
        let mut out = Vec::new();
        for (i, c) in table.user_columns() {
            let Some(d) = self.values.get(i) else {
                continue;
            };
            if let Some((rt, k)) = c.ty.key.reference() {
                if let (true, Some(ti)) = (k == kind, schema.table_index(rt)) {
                    out.extend(d.keys().iter().filter_map(Atom::as_uuid).map(|u| (ti, u)));
                }
            }
            if let Some((rt, k)) = c.ty.value.as_ref().and_then(|v| v.reference()) {
                if let (true, Some(ti), Some(vals)) =
                    (k == kind, schema.table_index(rt), d.values())
                {
                    out.extend(vals.iter().filter_map(Atom::as_uuid).map(|u| (ti, u)));
                }
            }
        }
        out
    }

    /// The values of the given index columns.
    pub(crate) fn index_key(&self, cols: &[usize]) -> Vec<Datum> {
        cols.iter()
            .map(|i| self.values.get(*i).cloned().unwrap_or_default())
            .collect()
    }
}

/// The rows of one table plus bookkeeping.
#[derive(Debug, Clone, Default)]
pub struct Table {
    rows: BTreeMap<Uuid, Row>,
    strong_refs: HashMap<Uuid, u32>,
    /// Rows (table index, UUID) holding weak references to each row.
    weak_referrers: HashMap<Uuid, BTreeSet<(usize, Uuid)>>,
    indexes: Vec<HashMap<Vec<Datum>, Uuid>>,
}

impl Table {
    /// The row with this UUID.
    pub fn get(&self, uuid: &Uuid) -> Option<&Row> {
        self.rows.get(uuid)
    }

    /// All rows in UUID order.
    pub fn rows(&self) -> impl Iterator<Item = &Row> + '_ {
        self.rows.values()
    }

    /// All row UUIDs in order.
    pub fn uuids(&self) -> impl Iterator<Item = &Uuid> + '_ {
        self.rows.keys()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of strong references to `uuid` from rows of the database.
    pub fn strong_ref_count(&self, uuid: &Uuid) -> u32 {
        self.strong_refs.get(uuid).copied().unwrap_or(0)
    }

    /// Rows (table index, UUID) that weakly reference row `uuid`.
    pub fn weak_referrers(&self, uuid: &Uuid) -> impl Iterator<Item = &(usize, Uuid)> + '_ {
        self.weak_referrers.get(uuid).into_iter().flatten()
    }

    /// The row holding `key` in unique index `idx`, if any.
    pub fn index_lookup(&self, idx: usize, key: &[Datum]) -> Option<Uuid> {
        self.indexes.get(idx)?.get(key).copied()
    }
}

/// An in-memory OVSDB database.
#[derive(Debug, Clone)]
pub struct Database {
    schema: Arc<DatabaseSchema>,
    tables: Vec<Table>,
}

impl Database {
    /// An empty database with the given schema.
    pub fn new(schema: DatabaseSchema) -> Database {
        Self::with_schema(Arc::new(schema))
    }

    /// An empty database sharing the given schema.
    pub fn with_schema(schema: Arc<DatabaseSchema>) -> Database {
        let tables = schema
            .tables
            .iter()
            .map(|t| Table {
                rows: BTreeMap::new(),
                strong_refs: HashMap::new(),
                weak_referrers: HashMap::new(),
                indexes: vec![HashMap::new(); t.indexes.len()],
            })
            .collect();
        Database { schema, tables }
    }

    /// The schema.
    pub fn schema(&self) -> &Arc<DatabaseSchema> {
        &self.schema
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.schema.name
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(self.schema.table_index(name)?)
    }

    /// The table at schema index `idx`.
    pub fn table_at(&self, idx: usize) -> Option<&Table> {
        self.tables.get(idx)
    }

    /// The row `uuid` of table `table`.
    pub fn row(&self, table: &str, uuid: &Uuid) -> Option<&Row> {
        self.table(table)?.get(uuid)
    }

    /// Applies a validated change set: inserts, replaces and deletes rows and
    /// updates reference counts and indexes.
    pub fn apply(&mut self, changes: &ChangeSet) {
        let schema = Arc::clone(&self.schema);
        // Reference counts: drop the old rows' strong references, add the new.
        for tc in &changes.tables {
            let Some(ts) = schema.tables.get(tc.table) else {
                continue;
            };
            for rc in tc.rows.values() {
                if let Some(old) = &rc.old {
                    for (ti, u) in old.strong_refs(ts, &schema) {
                        if let Some(t) = self.tables.get_mut(ti) {
                            if let Some(n) = t.strong_refs.get_mut(&u) {
                                *n = n.saturating_sub(1);
                                if *n == 0 {
                                    t.strong_refs.remove(&u);
                                }
                            }
                        }
                    }
                }
                if let Some(new) = &rc.new {
                    for (ti, u) in new.strong_refs(ts, &schema) {
                        if let Some(t) = self.tables.get_mut(ti) {
                            *t.strong_refs.entry(u).or_insert(0) += 1;
                        }
                    }
                }
                let src = (tc.table, rc.uuid);
                if let Some(old) = &rc.old {
                    for (ti, u) in old.weak_refs(ts, &schema) {
                        if let Some(t) = self.tables.get_mut(ti) {
                            if let Some(set) = t.weak_referrers.get_mut(&u) {
                                set.remove(&src);
                                if set.is_empty() {
                                    t.weak_referrers.remove(&u);
                                }
                            }
                        }
                    }
                }
                if let Some(new) = &rc.new {
                    for (ti, u) in new.weak_refs(ts, &schema) {
                        if let Some(t) = self.tables.get_mut(ti) {
                            t.weak_referrers.entry(u).or_default().insert(src);
                        }
                    }
                }
            }
        }
        // Rows and indexes.  Remove every old index entry first so that rows
        // swapping index values in one transaction do not clash.
        for tc in &changes.tables {
            let (Some(ts), Some(t)) = (schema.tables.get(tc.table), self.tables.get_mut(tc.table))
            else {
                continue;
            };
            for rc in tc.rows.values() {
                if let Some(old) = &rc.old {
                    for (i, cols) in ts.indexes.iter().enumerate() {
                        let key = old.index_key(cols);
                        if let Some(idx) = t.indexes.get_mut(i) {
                            if idx.get(&key) == Some(&rc.uuid) {
                                idx.remove(&key);
                            }
                        }
                    }
                }
            }
            for rc in tc.rows.values() {
                match &rc.new {
                    Some(new) => {
                        for (i, cols) in ts.indexes.iter().enumerate() {
                            if let Some(idx) = t.indexes.get_mut(i) {
                                idx.insert(new.index_key(cols), rc.uuid);
                            }
                        }
                        t.rows.insert(rc.uuid, new.clone());
                    }
                    None => {
                        t.rows.remove(&rc.uuid);
                    }
                }
            }
        }
    }
}
