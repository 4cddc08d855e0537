//! The in-memory copy of a database that a client keeps up to date.
//!
//! A [`Replica`] holds, for every table of a schema, the rows the server has
//! sent, keyed by UUID, as [`ovsdb::Row`]s (columns that are not monitored
//! keep their default values).  It is fed the `update2` notation of
//! `monitor_cond`: the initial reply and every `update2` notification go
//! through [`Replica::apply_update2`], which understands the four row
//! operations (`initial`, `insert`, `modify` with its set/map differences,
//! `delete`).  Each applied batch bumps [`Replica::seqno`], which callers use
//! to notice that "something changed" (to retry a transaction, or to
//! re-check a `--wait` condition).
//!
//! The replica is pure data: no I/O, no clock.  [`crate::Txn`] builds
//! transactions against a snapshot of it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ovsdb::schema::{TableSchema, UUID_COLUMN};
use ovsdb::{DatabaseSchema, Datum, Row};
use serde_json::Value;
use uuid::Uuid;

use crate::IdlError;

/// A client-side copy of a database's monitored contents.
#[derive(Debug, Clone)]
pub struct Replica {
    schema: Arc<DatabaseSchema>,
    tables: BTreeMap<String, BTreeMap<Uuid, Row>>,
    seqno: u64,
    changes: Changes,
}

/// What the updates applied since the last [`Replica::take_changes`] touched: per table,
/// whether rows came or went and which columns of existing rows were modified.  A daemon
/// uses it to tell changes it must react to from the echo of its own status writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Everything must be considered changed (the replica was cleared).
    pub all: bool,
    /// Touched tables by name.
    pub tables: BTreeMap<String, TableChanges>,
}

/// The changes to one table (see [`Changes`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableChanges {
    /// Rows were inserted or deleted.
    pub rows: bool,
    /// Columns that modifications of existing rows touched.
    pub columns: BTreeSet<String>,
    /// The rows inserted, deleted or modified.
    pub touched: BTreeSet<Uuid>,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.all && self.tables.is_empty()
    }

    /// Whether anything changed besides the columns `ignored` lists (table name, column
    /// names); inserted or deleted rows always count.
    pub fn any_except(&self, ignored: &[(&str, &[&str])]) -> bool {
        if self.all {
            return true;
        }
        self.tables.iter().any(|(t, c)| {
            let skip: &[&str] = ignored
                .iter()
                .find(|(n, _)| n == t)
                .map_or(&[], |(_, cols)| cols);
            c.rows || c.columns.iter().any(|col| !skip.contains(&col.as_str()))
        })
    }
}

impl Replica {
    /// An empty replica of `schema`.
    pub fn new(schema: Arc<DatabaseSchema>) -> Replica {
        let tables = schema
            .tables
            .iter()
            .map(|t| (t.name.clone(), BTreeMap::new()))
            .collect();
        Replica {
            schema,
            tables,
            seqno: 0,
            changes: Changes::default(),
        }
    }

    /// What the updates applied since the last call changed (see [`Changes`]); resets it.
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// What the updates applied since the last [`Replica::take_changes`] changed.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// The database schema.
    pub fn schema(&self) -> &Arc<DatabaseSchema> {
        &self.schema
    }

    /// The schema of table `name`.
    pub fn table_schema(&self, name: &str) -> Option<&TableSchema> {
        self.schema.table(name)
    }

    /// Incremented every time a batch of updates is applied.
    pub fn seqno(&self) -> u64 {
        self.seqno
    }

    /// The rows of `table` in UUID order (empty for an unknown table).
    pub fn rows(&self, table: &str) -> impl Iterator<Item = &Row> + '_ {
        self.tables.get(table).into_iter().flat_map(|t| t.values())
    }

    /// Number of rows in `table`.
    pub fn len(&self, table: &str) -> usize {
        self.tables.get(table).map_or(0, BTreeMap::len)
    }

    /// Whether the whole replica holds no row.
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(BTreeMap::is_empty)
    }

    /// Row `uuid` of `table`.
    pub fn row(&self, table: &str, uuid: &Uuid) -> Option<&Row> {
        self.tables.get(table)?.get(uuid)
    }

    /// The value of `column` in row `uuid` of `table`.
    pub fn get(&self, table: &str, uuid: &Uuid, column: &str) -> Option<&Datum> {
        let idx = self.schema.table(table)?.column_index(column)?;
        self.row(table, uuid)?.get(idx)
    }

    /// Inserts or replaces a whole row (used by transactions' local views).
    pub fn put_row(&mut self, table: &str, row: Row) {
        if let Some(t) = self.tables.get_mut(table) {
            t.insert(row.uuid(), row);
        }
    }

    /// Removes row `uuid` of `table`, returning it.
    pub fn remove_row(&mut self, table: &str, uuid: &Uuid) -> Option<Row> {
        self.tables.get_mut(table)?.remove(uuid)
    }

    /// Removes every row (the server connection was lost or restarted).
    pub fn clear(&mut self) {
        for t in self.tables.values_mut() {
            t.clear();
        }
        self.changes.all = true;
        self.seqno += 1;
    }

    /// Applies a `monitor_cond` initial reply or `update2` notification
    /// body: `{"<table>": {"<uuid>": {"initial"|"insert"|"modify"|"delete": ...}}}`.
    ///
    /// Tables and columns the schema does not know are ignored, as Open
    /// vSwitch's IDL does.  A malformed update is an error and leaves the
    /// rows processed before it applied.
    pub fn apply_update2(&mut self, updates: &Value) -> Result<(), IdlError> {
        let Some(updates) = updates.as_object() else {
            if updates.is_null() {
                return Ok(());
            }
            return Err(IdlError::Protocol("update is not an object".into()));
        };
        self.seqno += 1;
        for (tname, rows) in updates {
            let Some(ts) = self.schema.table(tname).cloned() else {
                continue;
            };
            let Some(rows) = rows.as_object() else {
                return Err(IdlError::Protocol(format!(
                    "<table-update> for {tname} is not an object"
                )));
            };
            for (uuid_s, change) in rows {
                let uuid = Uuid::parse_str(uuid_s)
                    .map_err(|_| IdlError::Protocol(format!("bad row UUID {uuid_s}")))?;
                let Some((op, body)) = change.as_object().and_then(|o| o.iter().next()) else {
                    return Err(IdlError::Protocol(format!(
                        "bad <row-update2> for {uuid_s}"
                    )));
                };
                let table = self.tables.entry(tname.clone()).or_default();
                let changes = self.changes.tables.entry(tname.clone()).or_default();
                changes.touched.insert(uuid);
                match op.as_str() {
                    "delete" => {
                        table.remove(&uuid);
                        changes.rows = true;
                    }
                    "initial" | "insert" => {
                        let mut row = Row::new(&ts, uuid, Uuid::nil());
                        set_columns(&ts, &mut row, body, false)?;
                        table.insert(uuid, row);
                        changes.rows = true;
                    }
                    "modify" => {
                        let Some(row) = table.get_mut(&uuid) else {
                            return Err(IdlError::Protocol(format!(
                                "modify of missing row {uuid} in {tname}"
                            )));
                        };
                        set_columns(&ts, row, body, true)?;
                        if let Some(cols) = body.as_object() {
                            for c in cols.keys() {
                                if !changes.columns.contains(c) {
                                    changes.columns.insert(c.clone());
                                }
                            }
                        }
                    }
                    other => {
                        return Err(IdlError::Protocol(format!("unknown row operation {other}")));
                    }
                }
            }
        }
        Ok(())
    }
}

fn set_columns(ts: &TableSchema, row: &mut Row, body: &Value, diff: bool) -> Result<(), IdlError> {
    let Some(obj) = body.as_object() else {
        return Err(IdlError::Protocol("row is not an object".into()));
    };
    for (cname, v) in obj {
        let Some(idx) = ts.column_index(cname) else {
            continue;
        };
        if idx == UUID_COLUMN {
            continue;
        }
        let Some(col) = ts.columns.get(idx) else {
            continue;
        };
        if diff {
            // A difference may hold more elements than the type allows, so
            // it is parsed with an unlimited maximum and no constraints.
            let mut loose = col.ty.clone();
            loose.min = 0;
            loose.max = ovsdb::types::UNLIMITED;
            loose.key = loose.key.without_constraints();
            loose.value = loose.value.map(|b| b.without_constraints());
            let d = Datum::from_json(&loose, v, None)
                .map_err(|e| IdlError::Protocol(format!("column {cname}: {}", e.to_message())))?;
            let old = row
                .get(idx)
                .cloned()
                .unwrap_or_else(|| Datum::default_for(&col.ty));
            // Servers send the new value, not a difference, for columns that hold at most
            // one element (scalars and optional values: `["set", []]` clears one).
            let new = if col.ty.is_scalar() || (col.ty.max == 1 && col.ty.value.is_none()) {
                d
            } else {
                old.apply_diff(&d)
            };
            row.set(idx, new);
        } else {
            let d = Datum::from_json(&col.ty, v, None)
                .map_err(|e| IdlError::Protocol(format!("column {cname}: {}", e.to_message())))?;
            row.set(idx, d);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Arc<DatabaseSchema> {
        Arc::new(
            DatabaseSchema::from_json(&json!({"name": "D", "tables": {"T": {"columns": {
                "name": {"type": "string"},
                "tags": {"type": {"key": "integer", "min": 0, "max": "unlimited"}},
                "opt": {"type": {"key": "integer", "min": 0, "max": 1}},
                "m": {"type": {"key": "string", "value": "string", "min": 0, "max": "unlimited"}}
            }}}}))
            .unwrap(),
        )
    }

    #[test]
    fn applies_initial_modify_delete() {
        let mut r = Replica::new(schema());
        let u = "00000000-0000-0000-0000-000000000001";
        r.apply_update2(
            &json!({"T": {u: {"initial": {"name": "a", "tags": ["set", [1, 2]],
            "m": ["map", [["k", "v"]]]}}}}),
        )
        .unwrap();
        let uuid = Uuid::parse_str(u).unwrap();
        let t = r.table_schema("T").unwrap().clone();
        assert_eq!(
            r.get("T", &uuid, "tags")
                .unwrap()
                .to_ovs_string(&t.column("tags").unwrap().ty),
            "[1, 2]"
        );
        r.apply_update2(
            &json!({"T": {u: {"modify": {"tags": ["set", [2, 3]], "opt": 5,
            "m": ["map", [["k", "w"], ["x", "y"]]]}}}}),
        )
        .unwrap();
        assert_eq!(
            r.get("T", &uuid, "tags")
                .unwrap()
                .to_ovs_string(&t.column("tags").unwrap().ty),
            "[1, 3]"
        );
        assert_eq!(
            r.get("T", &uuid, "opt")
                .unwrap()
                .to_ovs_string(&t.column("opt").unwrap().ty),
            "5"
        );
        assert_eq!(
            r.get("T", &uuid, "m")
                .unwrap()
                .to_ovs_string(&t.column("m").unwrap().ty),
            "{k=w, x=y}"
        );
        assert_eq!(r.seqno(), 2);
        // An optional column carries its new value (as Open vSwitch's server sends it),
        // not a difference: 5 -> 6 is "6", and clearing is an empty set.
        r.apply_update2(&json!({"T": {u: {"modify": {"opt": 6}}}}))
            .unwrap();
        let opt_ty = &t.column("opt").unwrap().ty;
        assert_eq!(r.get("T", &uuid, "opt").unwrap().to_ovs_string(opt_ty), "6");
        r.apply_update2(&json!({"T": {u: {"modify": {"opt": ["set", []]}}}}))
            .unwrap();
        assert_eq!(
            r.get("T", &uuid, "opt").unwrap().to_ovs_string(opt_ty),
            "[]"
        );
        let ch = r.take_changes();
        assert!(ch.tables.get("T").is_some_and(|t| t.rows));
        assert!(ch.any_except(&[("T", &["opt", "tags", "m"])]));
        assert!(r.take_changes().is_empty());
        r.apply_update2(&json!({"T": {u: {"modify": {"opt": 7}}}}))
            .unwrap();
        let ch = r.take_changes();
        assert_eq!(
            ch.tables.get("T").map(|t| (t.rows, t.columns.len())),
            Some((false, 1))
        );
        assert!(ch
            .tables
            .get("T")
            .is_some_and(|t| t.touched.contains(&uuid)));
        assert!(!ch.any_except(&[("T", &["opt"])]));
        assert!(ch.any_except(&[("T", &["tags"])]));
        r.apply_update2(&json!({"T": {u: {"delete": null}}}))
            .unwrap();
        assert!(r.take_changes().any_except(&[("T", &["opt"])]));
        assert_eq!(r.len("T"), 0);
        assert!(r.apply_update2(&json!({"T": {u: {"modify": {}}}})).is_err());
        assert!(r.apply_update2(&json!([1])).is_err());
    }
}
