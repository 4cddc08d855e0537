//! Transactions with Open vSwitch's optimistic concurrency.
//!
//! A [`Txn`] starts from a snapshot of a [`Replica`] and keeps a *view*: the
//! snapshot with the transaction's own changes applied, so that later steps
//! of a multi-command transaction see earlier ones (a bridge added by one
//! `ovs-vsctl` command is visible to the next).  Changes are recorded as
//! row inserts, column writes and row deletes; reads the caller's decision
//! depends on are recorded with [`Txn::verify`].
//!
//! [`Txn::build`] turns this into a `transact` request:
//!
//! * one `wait` operation per verified row, requiring the verified columns
//!   to still hold the values the snapshot had (`"until": "=="`, timeout 0),
//!   so that if another client changed them meanwhile the server rejects the
//!   whole transaction and the caller re-runs its logic on fresh data
//!   ([`CommitStatus::TryAgain`]);
//! * `insert` (with a `uuid-name`), `update` (the written columns) and
//!   `delete` operations; references to rows inserted by this transaction
//!   are sent as `named-uuid`s;
//! * optionally a `mutate` that increments a counter column (`next_cfg`) and
//!   a `select` that reads the new value back, used for `--wait`;
//! * `comment` operations.
//!
//! [`Txn::parse_reply`] interprets the server's reply: the UUIDs given to
//! inserted rows, the counter's new value, or the error.  A transaction
//! whose writes change nothing is reported as [`CommitStatus::Unchanged`]
//! without being sent, as Open vSwitch does.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ovsdb::{Atom, Datum, Row};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::Replica;

type RowKey = (String, Uuid);

/// A transaction under construction (see module docs).
#[derive(Debug, Clone)]
pub struct Txn {
    base: Replica,
    view: Replica,
    inserted: BTreeMap<RowKey, ()>,
    deleted: BTreeSet<RowKey>,
    written: BTreeMap<RowKey, BTreeSet<usize>>,
    verified: BTreeMap<RowKey, BTreeSet<usize>>,
    comments: Vec<String>,
    increment: Option<(String, Uuid, String)>,
    insert_order: Vec<RowKey>,
}

/// What the server's reply said.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitStatus {
    /// Nothing to commit.
    Unchanged,
    /// Committed.
    Success {
        /// Real UUIDs of rows inserted, keyed by the provisional UUID.
        inserted: HashMap<Uuid, Uuid>,
        /// The incremented counter's new value, if one was requested.
        increment: Option<i64>,
    },
    /// A verified value changed (or a row vanished): re-run and retry.
    TryAgain,
    /// The server refused the transaction; the error object as JSON.
    Error(Value),
}

/// Indexes into a built request, to interpret the reply.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    inserts: Vec<(usize, Uuid)>,
    must_match_one: Vec<usize>,
    select: Option<usize>,
    increment_column: String,
}

impl Txn {
    /// A transaction against `replica`'s current contents.
    pub fn new(replica: &Replica) -> Txn {
        Txn {
            base: replica.clone(),
            view: replica.clone(),
            inserted: BTreeMap::new(),
            deleted: BTreeSet::new(),
            written: BTreeMap::new(),
            verified: BTreeMap::new(),
            comments: Vec::new(),
            increment: None,
            insert_order: Vec::new(),
        }
    }

    /// The database as this transaction sees it (snapshot plus changes).
    pub fn view(&self) -> &Replica {
        &self.view
    }

    /// The snapshot the transaction started from.
    pub fn base(&self) -> &Replica {
        &self.base
    }

    /// Whether row `uuid` of `table` was inserted by this transaction.
    pub fn is_inserted(&self, table: &str, uuid: &Uuid) -> bool {
        self.inserted.contains_key(&(table.to_string(), *uuid))
    }

    /// Inserts a new row of `table` with default values and returns its
    /// provisional UUID (`uuid` if given, else a random one).
    pub fn insert(&mut self, table: &str, uuid: Option<Uuid>) -> Uuid {
        let uuid = uuid.unwrap_or_else(Uuid::new_v4);
        if let Some(ts) = self.view.table_schema(table) {
            let row = Row::new(ts, uuid, Uuid::nil());
            self.view.put_row(table, row);
            let key = (table.to_string(), uuid);
            self.inserted.insert(key.clone(), ());
            self.insert_order.push(key);
        }
        uuid
    }

    /// Sets `column` of row `uuid` in `table` to `value`.  Unknown tables,
    /// columns or rows are ignored.
    pub fn write(&mut self, table: &str, uuid: &Uuid, column: &str, value: Datum) {
        let Some(idx) = self
            .view
            .table_schema(table)
            .and_then(|t| t.column_index(column))
        else {
            return;
        };
        let Some(mut row) = self.view.row(table, uuid).cloned() else {
            return;
        };
        row.set(idx, value);
        self.view.put_row(table, row);
        self.written
            .entry((table.to_string(), *uuid))
            .or_default()
            .insert(idx);
    }

    /// Deletes row `uuid` of `table`.
    pub fn delete(&mut self, table: &str, uuid: &Uuid) {
        if self.view.remove_row(table, uuid).is_none() {
            return;
        }
        let key = (table.to_string(), *uuid);
        if self.inserted.remove(&key).is_some() {
            self.insert_order.retain(|k| k != &key);
            self.written.remove(&key);
        } else {
            self.deleted.insert(key);
        }
    }

    /// Records that the caller's decisions depend on `column` of row `uuid`
    /// keeping its snapshot value.
    pub fn verify(&mut self, table: &str, uuid: &Uuid, column: &str) {
        let Some(idx) = self
            .base
            .table_schema(table)
            .and_then(|t| t.column_index(column))
        else {
            return;
        };
        if self.base.row(table, uuid).is_some() {
            self.verified
                .entry((table.to_string(), *uuid))
                .or_default()
                .insert(idx);
        }
    }

    /// Adds a comment operation (shown in the server's log).
    pub fn add_comment(&mut self, comment: impl Into<String>) {
        self.comments.push(comment.into());
    }

    /// Asks for integer `column` of row `uuid` to be incremented at commit
    /// and its new value reported (Open vSwitch's `next_cfg` protocol).
    pub fn increment(&mut self, table: &str, uuid: &Uuid, column: &str) {
        self.increment = Some((table.to_string(), *uuid, column.to_string()));
    }

    /// Whether the transaction changes anything.
    pub fn has_changes(&self) -> bool {
        if !self.inserted.is_empty() || !self.deleted.is_empty() {
            return true;
        }
        self.written.keys().any(|(t, u)| {
            self.base.row(t, u).map(Row::values) != self.view.row(t, u).map(Row::values)
        })
    }

    fn atom_json(&self, a: &Atom) -> Value {
        match a {
            Atom::Uuid(u) if self.inserted.keys().any(|(_, x)| x == u) => {
                json!(["named-uuid", named(u)])
            }
            other => other.to_json(),
        }
    }

    fn datum_json(&self, d: &Datum) -> Value {
        if d.is_map() {
            let pairs: Vec<Value> = d
                .iter()
                .map(|(k, v)| {
                    json!([
                        self.atom_json(k),
                        v.map(|v| self.atom_json(v)).unwrap_or(Value::Null)
                    ])
                })
                .collect();
            json!(["map", pairs])
        } else if d.len() == 1 {
            d.first().map(|a| self.atom_json(a)).unwrap_or(Value::Null)
        } else {
            let elems: Vec<Value> = d.keys().iter().map(|a| self.atom_json(a)).collect();
            json!(["set", elems])
        }
    }

    /// The columns `cols` of a row as a JSON object: from the snapshot
    /// (`snapshot`, plain RFC 7047 values, for `wait`) or from the view
    /// (with references to rows inserted here as `named-uuid`s).
    fn row_json(&self, table: &str, uuid: &Uuid, cols: &BTreeSet<usize>, snapshot: bool) -> Value {
        let from = if snapshot { &self.base } else { &self.view };
        let mut m = serde_json::Map::new();
        if let (Some(ts), Some(row)) = (from.table_schema(table), from.row(table, uuid)) {
            for &i in cols {
                if let (Some(c), Some(d)) = (ts.columns.get(i), row.get(i)) {
                    let v = if snapshot {
                        d.to_json()
                    } else {
                        self.datum_json(d)
                    };
                    m.insert(c.name.clone(), v);
                }
            }
        }
        Value::Object(m)
    }

    /// Builds the `transact` params for database `db` (see module docs).
    pub fn build(&self, db: &str) -> (Vec<Value>, Layout) {
        let mut ops = vec![Value::String(db.to_string())];
        let mut layout = Layout::default();
        let where_uuid = |u: &Uuid| json!([["_uuid", "==", self.atom_json(&Atom::Uuid(*u))]]);
        for ((t, u), cols) in &self.verified {
            if self.deleted.contains(&(t.clone(), *u)) && cols.is_empty() {
                continue;
            }
            let names: Vec<Value> = self
                .base
                .table_schema(t)
                .map(|ts| {
                    cols.iter()
                        .filter_map(|&i| ts.columns.get(i).map(|c| Value::String(c.name.clone())))
                        .collect()
                })
                .unwrap_or_default();
            ops.push(
                json!({"op": "wait", "table": t, "timeout": 0, "where": where_uuid(u),
                "until": "==", "columns": names,
                "rows": [self.row_json(t, u, cols, true)]}),
            );
        }
        for key in &self.insert_order {
            let (t, u) = key;
            let cols = self.written.get(key).cloned().unwrap_or_default();
            layout.inserts.push((ops.len() - 1, *u));
            ops.push(json!({"op": "insert", "table": t, "uuid-name": named(u),
                "row": self.row_json(t, u, &cols, false)}));
        }
        for (key, cols) in &self.written {
            let (t, u) = key;
            if self.inserted.contains_key(key) || self.deleted.contains(key) {
                continue;
            }
            if self.view.row(t, u).is_none() {
                continue;
            }
            layout.must_match_one.push(ops.len() - 1);
            ops.push(json!({"op": "update", "table": t, "where": where_uuid(u),
                "row": self.row_json(t, u, cols, false)}));
        }
        for (t, u) in &self.deleted {
            layout.must_match_one.push(ops.len() - 1);
            ops.push(json!({"op": "delete", "table": t, "where": where_uuid(u)}));
        }
        if let Some((t, u, c)) = &self.increment {
            ops.push(json!({"op": "mutate", "table": t, "where": where_uuid(u),
                "mutations": [[c, "+=", 1]]}));
            layout.select = Some(ops.len() - 1);
            layout.increment_column = c.clone();
            ops.push(json!({"op": "select", "table": t, "where": where_uuid(u), "columns": [c]}));
        }
        for c in &self.comments {
            ops.push(json!({"op": "comment", "comment": c}));
        }
        (ops, layout)
    }

    /// Interprets the `result` of the `transact` request built by
    /// [`Txn::build`] (or the JSON-RPC error, passed as `Err`).
    pub fn parse_reply(&self, layout: &Layout, reply: Result<&Value, &Value>) -> CommitStatus {
        let results = match reply {
            Ok(Value::Array(a)) => a,
            Ok(other) => return CommitStatus::Error(other.clone()),
            Err(e) => return CommitStatus::Error(e.clone()),
        };
        for r in results.iter() {
            if let Some(err) = r.get("error") {
                if err == "timed out" {
                    return CommitStatus::TryAgain;
                }
                return CommitStatus::Error(r.clone());
            }
        }
        for &i in &layout.must_match_one {
            if results
                .get(i)
                .and_then(|r| r.get("count"))
                .and_then(Value::as_i64)
                != Some(1)
            {
                return CommitStatus::TryAgain;
            }
        }
        let mut inserted = HashMap::new();
        for (i, provisional) in &layout.inserts {
            let real = results
                .get(*i)
                .and_then(|r| r.get("uuid"))
                .and_then(|u| u.get(1))
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok());
            if let Some(real) = real {
                inserted.insert(*provisional, real);
            }
        }
        let increment = layout.select.and_then(|i| {
            results
                .get(i)?
                .get("rows")?
                .get(0)?
                .get(&layout.increment_column)?
                .as_i64()
        });
        CommitStatus::Success {
            inserted,
            increment,
        }
    }
}

/// The `uuid-name` under which a provisional row UUID is sent.
pub fn named(u: &Uuid) -> String {
    format!("row{}", u.to_string().replace('-', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovsdb::DatabaseSchema;
    use std::sync::Arc;

    fn replica() -> Replica {
        let s = DatabaseSchema::from_json(&json!({"name": "D", "tables": {
            "P": {"columns": {"name": {"type": "string"},
                "kids": {"type": {"key": {"type": "uuid", "refTable": "C"}, "min": 0, "max": "unlimited"}},
                "n": {"type": "integer"}}, "isRoot": true},
            "C": {"columns": {"name": {"type": "string"}}}}}))
        .unwrap();
        let mut r = Replica::new(Arc::new(s));
        r.apply_update2(&json!({"P": {"00000000-0000-0000-0000-000000000001":
            {"initial": {"name": "p", "n": 3}}}}))
            .unwrap();
        r
    }

    #[test]
    fn builds_waits_inserts_updates() {
        let r = replica();
        let p = Uuid::from_u128(1);
        let mut t = Txn::new(&r);
        assert!(!t.has_changes());
        t.verify("P", &p, "kids");
        let c = t.insert("C", None);
        t.write("C", &c, "name", Datum::scalar(Atom::String("c".into())));
        t.write("P", &p, "kids", Datum::set(vec![Atom::Uuid(c)]));
        t.increment("P", &p, "n");
        assert!(t.has_changes());
        assert_eq!(t.view().len("C"), 1);
        let (ops, layout) = t.build("D");
        assert_eq!(ops[1]["op"], "wait");
        assert_eq!(ops[1]["rows"], json!([{"kids": ["set", []]}]));
        assert_eq!(ops[2]["op"], "insert");
        assert_eq!(ops[2]["row"], json!({"name": "c"}));
        assert_eq!(ops[3]["row"]["kids"], json!(["named-uuid", named(&c)]));
        assert_eq!(ops[4]["op"], "mutate");
        let real = "00000000-0000-0000-0000-0000000000aa";
        let reply = json!([{}, {"uuid": ["uuid", real]}, {"count": 1}, {"count": 1},
            {"rows": [{"n": 4}]}]);
        match t.parse_reply(&layout, Ok(&reply)) {
            CommitStatus::Success {
                inserted,
                increment,
            } => {
                assert_eq!(
                    inserted.get(&c).map(|u| u.to_string()),
                    Some(real.to_string())
                );
                assert_eq!(increment, Some(4));
            }
            other => panic!("{other:?}"),
        }
        let reply = json!([{"error": "timed out"}]);
        assert_eq!(t.parse_reply(&layout, Ok(&reply)), CommitStatus::TryAgain);
        let reply = json!([{}, {}, {"count": 0}, {"count": 1}, {"rows": []}]);
        assert_eq!(t.parse_reply(&layout, Ok(&reply)), CommitStatus::TryAgain);
    }

    #[test]
    fn insert_then_delete_is_no_change() {
        let r = replica();
        let mut t = Txn::new(&r);
        let c = t.insert("C", None);
        t.delete("C", &c);
        assert!(!t.has_changes());
        let p = Uuid::from_u128(1);
        t.write("P", &p, "n", Datum::scalar(Atom::Integer(3)));
        assert!(!t.has_changes());
        t.delete("P", &p);
        assert!(t.has_changes());
        let (ops, _) = t.build("D");
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[1]["op"], "delete");
    }
}
