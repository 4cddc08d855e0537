//! Monitors: the pure logic behind `monitor`, `monitor_cond`,
//! `monitor_cond_since` and `monitor_cond_change`.
//!
//! A [`Monitor`] is built from the `<monitor-requests>` object of a request
//! (RFC 7047 section 4.1.5, and ovsdb-server(7) sections 4.1.12 to 4.1.16)
//! and then answers three questions for the server:
//!
//! * [`Monitor::initial`]: the reply to the request (the rows selected for
//!   `initial`);
//! * [`Monitor::updates`]: the `<table-updates>` (or `<table-updates2>`) to
//!   send for one committed [`ChangeSet`], or `None` when the client is not
//!   interested in any of it;
//! * [`Monitor::change_conditions`]: the updates caused by
//!   `monitor_cond_change`, which installs new `where` conditions.
//!
//! Formats, as ovsdb-server 3.1 produces them (checked against the real
//! server, see the tests):
//!
//! * version 1 (`monitor`, `update`): `{"<uuid>": {"old": .., "new": ..}}`.
//!   `new` holds every monitored column for initial, insert and modify;
//!   `old` holds every monitored column for delete and only the changed ones
//!   for modify.
//! * version 2 (`monitor_cond`/`update2`, and `monitor_cond_since`/`update3`
//!   whose table updates are the same): `{"<uuid>": {"initial"|"insert":
//!   row, "delete": null, "modify": diff}}`, where rows omit default-valued
//!   columns and a modify carries, for each changed column, the new value of
//!   a single-valued column or the [`Datum::diff`] of a set or map.
//!
//! When no `columns` are given, every column except `_uuid` is monitored
//! (so `_version` is).  Each column carries the `select` flags of the
//! request that named it; a row change of some kind is reported only with
//! the columns selected for that kind.  Conditions use "any clause matches"
//! semantics; a modified row that starts or stops matching is reported as an
//! insert or a delete.  When several requests for one table give a `where`,
//! the first one is used (as ovsdb-server does).
//!
//! Transaction ids and history for `monitor_cond_since` are the server's
//! business: it keeps recent change sets and feeds them to
//! [`Monitor::updates`].

use crate::changes::ChangeSet;
use crate::condition::Condition;
use crate::datum::Datum;
use crate::db::{Database, Row};
use crate::error::{OvsdbError, Result};
use crate::parser::{Kind, ObjParser};
use crate::record::stores_diff;
use crate::schema::{DatabaseSchema, TableSchema, UUID_COLUMN};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Which notification format a monitor uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorVersion {
    /// `monitor` / `update` (RFC 7047).
    V1,
    /// `monitor_cond` / `update2`.
    V2,
    /// `monitor_cond_since` / `update3` (same table updates as V2).
    V3,
}

impl MonitorVersion {
    fn conditional(self) -> bool {
        self != MonitorVersion::V1
    }
}

/// The `<monitor-select>` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Select {
    /// Send the initial contents.
    pub initial: bool,
    /// Report inserted rows.
    pub insert: bool,
    /// Report deleted rows.
    pub delete: bool,
    /// Report modified rows.
    pub modify: bool,
}

impl Default for Select {
    fn default() -> Self {
        Select {
            initial: true,
            insert: true,
            delete: true,
            modify: true,
        }
    }
}

impl Select {
    fn none() -> Self {
        Select {
            initial: false,
            insert: false,
            delete: false,
            modify: false,
        }
    }

    fn union(self, o: Select) -> Select {
        Select {
            initial: self.initial || o.initial,
            insert: self.insert || o.insert,
            delete: self.delete || o.delete,
            modify: self.modify || o.modify,
        }
    }

    fn has(self, kind: Kind2) -> bool {
        match kind {
            Kind2::Initial => self.initial,
            Kind2::Insert => self.insert,
            Kind2::Delete => self.delete,
            Kind2::Modify => self.modify,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind2 {
    Initial,
    Insert,
    Delete,
    Modify,
}

/// One monitored table.
#[derive(Debug, Clone)]
pub struct TableMonitor {
    /// Schema index of the table.
    pub table: usize,
    /// Table name.
    pub name: String,
    /// Monitored columns with the select flags of the request naming them.
    pub columns: Vec<(usize, Select)>,
    /// Union of the columns' select flags.
    pub select: Select,
    /// The `where` condition (monitor semantics: any clause).
    pub condition: Condition,
}

impl TableMonitor {
    fn cols(&self, kind: Kind2) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .filter(move |(_, s)| s.has(kind))
            .map(|(i, _)| *i)
    }

    fn matches(&self, row: &Row) -> bool {
        self.condition.matches_any(row)
    }
}

/// A parsed monitor request.
#[derive(Debug, Clone)]
pub struct Monitor {
    schema: Arc<DatabaseSchema>,
    /// The format version.
    pub version: MonitorVersion,
    /// The monitored tables.
    pub tables: Vec<TableMonitor>,
}

fn parse_select(ts: &TableSchema, json: Option<&Value>) -> Result<Select> {
    let Some(json) = json else {
        return Ok(Select::default());
    };
    let mut p = ObjParser::new(json, format!("table {} select", ts.name));
    let flag = |p: &mut ObjParser<'_>, name: &str| {
        p.optional(name, Kind::Bool)
            .and_then(Value::as_bool)
            .unwrap_or(true)
    };
    let s = Select {
        initial: flag(&mut p, "initial"),
        insert: flag(&mut p, "insert"),
        delete: flag(&mut p, "delete"),
        modify: flag(&mut p, "modify"),
    };
    p.finish()?;
    Ok(s)
}

impl Monitor {
    /// Parses `<monitor-requests>` (or `<monitor-cond-requests>`).
    pub fn from_json(
        schema: &Arc<DatabaseSchema>,
        requests: &Value,
        version: MonitorVersion,
    ) -> Result<Monitor> {
        let Some(reqs) = requests.as_object() else {
            return Err(OvsdbError::syntax(
                requests,
                "monitor-requests must be object",
            ));
        };
        let mut tables = Vec::new();
        for (tname, tjson) in reqs {
            let (Some(ti), Some(ts)) = (schema.table_index(tname), schema.table(tname)) else {
                return Err(OvsdbError::new(
                    "syntax error",
                    format!("no table named {tname}"),
                ));
            };
            let items: Vec<&Value> = match tjson {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            let mut tm = TableMonitor {
                table: ti,
                name: ts.name.clone(),
                columns: Vec::new(),
                select: Select::none(),
                condition: Condition::default(),
            };
            let mut have_where = false;
            for item in items {
                let mut p = ObjParser::new(item, format!("table {}", ts.name));
                let columns = p.optional("columns", Kind::Array);
                let select = p.optional("select", Kind::Object);
                let where_json = if version.conditional() {
                    p.optional("where", Kind::Array)
                } else {
                    None
                };
                p.finish()?;
                let sel = parse_select(ts, select)?;
                tm.select = tm.select.union(sel);
                let cols: Vec<usize> = match columns {
                    None => (0..ts.columns.len())
                        .filter(|i| *i != UUID_COLUMN)
                        .collect(),
                    Some(cj) => {
                        let mut v = Vec::new();
                        for c in cj.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                            let Some(name) = c.as_str() else {
                                return Err(OvsdbError::syntax(
                                    cj,
                                    "array of column names expected",
                                ));
                            };
                            let Some(idx) = ts.column_index(name) else {
                                return Err(OvsdbError::syntax(
                                    cj,
                                    format!("{name} is not a valid column name"),
                                ));
                            };
                            v.push(idx);
                        }
                        v
                    }
                };
                for idx in cols {
                    if tm.columns.iter().any(|(i, _)| *i == idx) {
                        let name = ts.columns.get(idx).map_or("", |c| c.name.as_str());
                        let cj = columns.cloned().unwrap_or(Value::Null);
                        return Err(OvsdbError::syntax(
                            &cj,
                            format!("column {name} mentioned more than once"),
                        ));
                    }
                    tm.columns.push((idx, sel));
                }
                if let Some(w) = where_json {
                    if !have_where {
                        tm.condition = Condition::from_json(ts, w, None)?;
                        have_where = true;
                    }
                }
            }
            tables.push(tm);
        }
        Ok(Monitor {
            schema: Arc::clone(schema),
            version,
            tables,
        })
    }

    fn row_json(
        &self,
        ts: &TableSchema,
        row: &Row,
        cols: impl Iterator<Item = usize>,
        skip_default: bool,
    ) -> Value {
        let mut m = Map::new();
        for i in cols {
            let (Some(c), Some(d)) = (ts.columns.get(i), row.get(i)) else {
                continue;
            };
            if skip_default && d.is_default(&c.ty) {
                continue;
            }
            m.insert(c.name.clone(), d.to_json());
        }
        Value::Object(m)
    }

    fn row_update(
        &self,
        tm: &TableMonitor,
        kind: Kind2,
        old: Option<&Row>,
        new: Option<&Row>,
    ) -> Option<Value> {
        let ts = self.schema.tables.get(tm.table)?;
        if !tm.select.has(kind) {
            return None;
        }
        let mut out = Map::new();
        if self.version == MonitorVersion::V1 {
            match kind {
                Kind2::Initial | Kind2::Insert => {
                    out.insert("new".into(), self.row_json(ts, new?, tm.cols(kind), false));
                }
                Kind2::Delete => {
                    out.insert("old".into(), self.row_json(ts, old?, tm.cols(kind), false));
                }
                Kind2::Modify => {
                    let (o, n) = (old?, new?);
                    let changed: Vec<usize> =
                        tm.cols(kind).filter(|i| o.get(*i) != n.get(*i)).collect();
                    if changed.is_empty() {
                        return None;
                    }
                    out.insert(
                        "old".into(),
                        self.row_json(ts, o, changed.into_iter(), false),
                    );
                    out.insert("new".into(), self.row_json(ts, n, tm.cols(kind), false));
                }
            }
        } else {
            match kind {
                Kind2::Initial => {
                    out.insert(
                        "initial".into(),
                        self.row_json(ts, new?, tm.cols(kind), true),
                    );
                }
                Kind2::Insert => {
                    out.insert(
                        "insert".into(),
                        self.row_json(ts, new?, tm.cols(kind), true),
                    );
                }
                Kind2::Delete => {
                    out.insert("delete".into(), Value::Null);
                }
                Kind2::Modify => {
                    let (o, n) = (old?, new?);
                    let mut m = Map::new();
                    for i in tm.cols(kind) {
                        let (Some(c), Some(od), Some(nd)) = (ts.columns.get(i), o.get(i), n.get(i))
                        else {
                            continue;
                        };
                        if od == nd {
                            continue;
                        }
                        let v = if stores_diff(&c.ty) {
                            Datum::diff(od, nd).to_json()
                        } else {
                            nd.to_json()
                        };
                        m.insert(c.name.clone(), v);
                    }
                    if m.is_empty() {
                        return None;
                    }
                    out.insert("modify".into(), Value::Object(m));
                }
            }
        }
        Some(Value::Object(out))
    }

    /// The reply to the monitor request: the initial contents.
    pub fn initial(&self, db: &Database) -> Value {
        let mut out = Map::new();
        for tm in &self.tables {
            if !tm.select.initial {
                continue;
            }
            let Some(t) = db.table_at(tm.table) else {
                continue;
            };
            let mut rows = Map::new();
            for row in t.rows() {
                if !tm.matches(row) {
                    continue;
                }
                if let Some(v) = self.row_update(tm, Kind2::Initial, None, Some(row)) {
                    rows.insert(row.uuid().to_string(), v);
                }
            }
            if !rows.is_empty() {
                out.insert(tm.name.clone(), Value::Object(rows));
            }
        }
        Value::Object(out)
    }

    /// The table updates for one committed change set, or `None` if the
    /// monitor is not interested in any of it.
    pub fn updates(&self, changes: &ChangeSet) -> Option<Value> {
        let mut out = Map::new();
        for tm in &self.tables {
            let Some(tc) = changes.tables.iter().find(|t| t.table == tm.table) else {
                continue;
            };
            let mut rows = Map::new();
            for rc in tc.rows.values() {
                let old = rc.old.as_ref().filter(|r| tm.matches(r));
                let new = rc.new.as_ref().filter(|r| tm.matches(r));
                let kind = match (old, new) {
                    (Some(_), Some(_)) => Kind2::Modify,
                    (Some(_), None) => Kind2::Delete,
                    (None, Some(_)) => Kind2::Insert,
                    (None, None) => continue,
                };
                if let Some(v) = self.row_update(tm, kind, old, new) {
                    rows.insert(rc.uuid.to_string(), v);
                }
            }
            if !rows.is_empty() {
                out.insert(tm.name.clone(), Value::Object(rows));
            }
        }
        if out.is_empty() {
            None
        } else {
            Some(Value::Object(out))
        }
    }

    /// Applies `monitor_cond_change` requests (`{"table": [{"where": ..}]}`)
    /// and returns the resulting table updates, if any: rows that now match
    /// and did not are inserts, rows that no longer match are deletes.  On
    /// error nothing changes.  As in ovsdb-server, changing `columns` is not
    /// supported.
    pub fn change_conditions(&mut self, db: &Database, requests: &Value) -> Result<Option<Value>> {
        let Some(reqs) = requests.as_object() else {
            return Err(OvsdbError::syntax(requests, "object expected"));
        };
        // Parse everything first so an error changes nothing.
        let mut new_conds = Vec::new();
        for (tname, tjson) in reqs {
            let Some(pos) = self.tables.iter().position(|t| &t.name == tname) else {
                return Err(OvsdbError::new(
                    "syntax error",
                    format!("no table named {tname} in monitor session"),
                ));
            };
            let Some(ts) = self
                .tables
                .get(pos)
                .and_then(|t| self.schema.tables.get(t.table))
            else {
                continue;
            };
            let Some(items) = tjson.as_array() else {
                return Err(OvsdbError::new(
                    "syntax error",
                    format!("table {tname} no monitor-cond-change JSON array"),
                ));
            };
            let mut cond = None;
            for item in items {
                let mut p = ObjParser::new(item, format!("table {}", ts.name));
                let columns = p.optional("columns", Kind::Array);
                let w = p.optional("where", Kind::Array);
                p.finish()?;
                if columns.is_some() {
                    return Err(OvsdbError::syntax(item, "changing columns is unsupported"));
                }
                if let (Some(w), None) = (w, &cond) {
                    cond = Some(Condition::from_json(ts, w, None)?);
                }
            }
            if let Some(c) = cond {
                new_conds.push((pos, c));
            }
        }
        let mut out = Map::new();
        for (pos, cond) in new_conds {
            let Some(tm) = self.tables.get(pos) else {
                continue;
            };
            let mut updated = tm.clone();
            updated.condition = cond;
            let mut rows = Map::new();
            if let Some(t) = db.table_at(tm.table) {
                for row in t.rows() {
                    let (was, is) = (tm.matches(row), updated.matches(row));
                    let v = match (was, is) {
                        (false, true) => self.row_update(&updated, Kind2::Insert, None, Some(row)),
                        (true, false) => self.row_update(&updated, Kind2::Delete, Some(row), None),
                        _ => None,
                    };
                    if let Some(v) = v {
                        rows.insert(row.uuid().to_string(), v);
                    }
                }
            }
            if !rows.is_empty() {
                out.insert(tm.name.clone(), Value::Object(rows));
            }
            if let Some(slot) = self.tables.get_mut(pos) {
                *slot = updated;
            }
        }
        Ok(if out.is_empty() {
            None
        } else {
            Some(Value::Object(out))
        })
    }
}

#[cfg(test)]
mod tests;
