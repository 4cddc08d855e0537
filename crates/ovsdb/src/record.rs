//! On-disk log records of Open vSwitch's standalone database format.
//!
//! A standalone OVSDB file is a schema followed by one JSON record per
//! committed transaction (the framing and checksums belong to the log
//! crate; this module only builds and interprets the JSON).  A transaction
//! record, as written by Open vSwitch 3.x, looks like
//!
//! ```text
//! {"Bridge": {"<uuid>": {"name": "br0", ...}, "<uuid>": null},
//!  "_date": 1795650848435, "_is_diff": true, "_comment": "..."}
//! ```
//!
//! * an inserted row stores every persistent column whose value is not the
//!   type's default;
//! * a modified row stores only the changed persistent columns: for columns
//!   that may hold more than one element (`max > 1`) the value is the
//!   *difference* ([`Datum::diff`]), otherwise the new value; the record says
//!   so with `"_is_diff": true`;
//! * a deleted row is `null`;
//! * `_date` is milliseconds since the epoch (passed in) and `_comment` the
//!   transaction's comments, when there are any.
//!
//! [`snapshot_record`] produces the single record that compaction writes:
//! every row with its non-default persistent columns, no `_is_diff`.
//! [`apply_record`] replays either kind of record into a [`Database`];
//! without `_is_diff` every stored value is a full value.  `_version` is not
//! stored; replay assigns fresh ones from the caller's UUID generator.
//! Replay also removes weak references to rows that no longer exist, since
//! Open vSwitch does not log the removal of weak references to rows that
//! garbage collection deleted in the same transaction.

use crate::atom::parse_uuid_text;
use crate::changes::ChangeSet;
use crate::datum::Datum;
use crate::db::{Database, Row};
use crate::error::{OvsdbError, Result};
use crate::schema::{DatabaseSchema, TableSchema, N_RESERVED};
use crate::txn::TxnState;
use crate::types::Type;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Whether the log stores a difference (rather than the new value) for a
/// modified column of type `t`.
pub fn stores_diff(t: &Type) -> bool {
    t.max > 1
}

fn insert_json(ts: &TableSchema, row: &Row) -> Value {
    let mut m = Map::new();
    for (i, c) in ts.user_columns() {
        if !c.persistent() {
            continue;
        }
        if let Some(d) = row.get(i) {
            if !d.is_default(&c.ty) {
                m.insert(c.name.clone(), d.to_json());
            }
        }
    }
    Value::Object(m)
}

/// The record for one committed transaction, or `None` when it changed
/// nothing that is persistent (nothing needs to be written).
pub fn txn_record(
    schema: &DatabaseSchema,
    changes: &ChangeSet,
    date_ms: i64,
    comment: Option<&str>,
) -> Option<Value> {
    let mut rec = Map::new();
    for tc in &changes.tables {
        let Some(ts) = schema.tables.get(tc.table) else {
            continue;
        };
        let mut rows = Map::new();
        for rc in tc.rows.values() {
            let v = match (&rc.old, &rc.new) {
                (_, None) => Value::Null,
                (None, Some(new)) => insert_json(ts, new),
                (Some(old), Some(new)) => {
                    let mut m = Map::new();
                    for &i in &rc.changed {
                        let Some(c) = ts.columns.get(i) else { continue };
                        if !c.persistent() {
                            continue;
                        }
                        let (Some(o), Some(n)) = (old.get(i), new.get(i)) else {
                            continue;
                        };
                        let v = if stores_diff(&c.ty) {
                            Datum::diff(o, n).to_json()
                        } else {
                            n.to_json()
                        };
                        m.insert(c.name.clone(), v);
                    }
                    if m.is_empty() {
                        continue;
                    }
                    Value::Object(m)
                }
            };
            rows.insert(rc.uuid.to_string(), v);
        }
        if !rows.is_empty() {
            rec.insert(tc.name.clone(), Value::Object(rows));
        }
    }
    if rec.is_empty() {
        return None;
    }
    rec.insert("_date".into(), Value::from(date_ms));
    rec.insert("_is_diff".into(), Value::Bool(true));
    if let Some(c) = comment {
        rec.insert("_comment".into(), Value::String(c.to_string()));
    }
    Some(Value::Object(rec))
}

/// The text of [`txn_record`]'s record, exactly as `ovs_json::to_string` would write it, built
/// without the intermediate JSON value (this runs for every committed transaction).
pub fn txn_record_text(
    schema: &DatabaseSchema,
    changes: &ChangeSet,
    date_ms: i64,
    comment: Option<&str>,
) -> Option<String> {
    let mut out = String::with_capacity(256);
    out.push('{');
    let mut any_table = false;
    for tc in &changes.tables {
        let Some(ts) = schema.tables.get(tc.table) else {
            continue;
        };
        let table_start = out.len();
        if any_table {
            out.push(',');
        }
        ovs_json::write_string(&tc.name, &mut out);
        out.push_str(":{");
        let mut any_row = false;
        for rc in tc.rows.values() {
            let row_start = out.len();
            if any_row {
                out.push(',');
            }
            let mut buf = Uuid::encode_buffer();
            ovs_json::write_string(rc.uuid.hyphenated().encode_lower(&mut buf), &mut out);
            out.push(':');
            match (&rc.old, &rc.new) {
                (_, None) => out.push_str("null"),
                (None, Some(new)) => {
                    out.push('{');
                    let mut first = true;
                    for (i, c) in ts.user_columns() {
                        if !c.persistent() {
                            continue;
                        }
                        let Some(d) = new.get(i) else { continue };
                        if d.is_default(&c.ty) {
                            continue;
                        }
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        ovs_json::write_string(&c.name, &mut out);
                        out.push(':');
                        d.write_json(&mut out);
                    }
                    out.push('}');
                }
                (Some(old), Some(new)) => {
                    out.push('{');
                    let mut first = true;
                    for &i in &rc.changed {
                        let Some(c) = ts.columns.get(i) else { continue };
                        if !c.persistent() {
                            continue;
                        }
                        let (Some(o), Some(n)) = (old.get(i), new.get(i)) else {
                            continue;
                        };
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        ovs_json::write_string(&c.name, &mut out);
                        out.push(':');
                        if stores_diff(&c.ty) {
                            Datum::diff(o, n).write_json(&mut out);
                        } else {
                            n.write_json(&mut out);
                        }
                    }
                    if first {
                        // Nothing persistent changed: the row is left out.
                        out.truncate(row_start);
                        continue;
                    }
                    out.push('}');
                }
            }
            any_row = true;
        }
        if any_row {
            out.push('}');
            any_table = true;
        } else {
            out.truncate(table_start);
        }
    }
    if !any_table {
        return None;
    }
    out.push_str(",\"_date\":");
    ovs_json::write_value(&Value::from(date_ms), &mut out);
    out.push_str(",\"_is_diff\":true");
    if let Some(c) = comment {
        out.push_str(",\"_comment\":");
        ovs_json::write_string(c, &mut out);
    }
    out.push('}');
    Some(out)
}

/// The compacted snapshot record of the whole database.
pub fn snapshot_record(db: &Database, date_ms: i64, comment: Option<&str>) -> Value {
    let mut rec = Map::new();
    for (ti, ts) in db.schema().tables.iter().enumerate() {
        let Some(t) = db.table_at(ti) else { continue };
        if t.is_empty() {
            continue;
        }
        let mut rows = Map::new();
        for row in t.rows() {
            rows.insert(row.uuid().to_string(), insert_json(ts, row));
        }
        rec.insert(ts.name.clone(), Value::Object(rows));
    }
    rec.insert("_date".into(), Value::from(date_ms));
    if let Some(c) = comment {
        rec.insert("_comment".into(), Value::String(c.to_string()));
    }
    Value::Object(rec)
}

/// Metadata of a record (`_date`, `_comment`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordInfo {
    /// `_date`, if present.
    pub date_ms: Option<i64>,
    /// `_comment`, if present.
    pub comment: Option<String>,
}

/// Converts a transaction or snapshot record into a change set against the
/// current contents of `db` (without applying it).
pub fn record_to_changes(
    db: &Database,
    record: &Value,
    uuid_gen: &mut dyn FnMut() -> Uuid,
) -> Result<(ChangeSet, RecordInfo)> {
    let Some(obj) = record.as_object() else {
        return Err(OvsdbError::syntax(record, "object expected"));
    };
    let is_diff = obj
        .get("_is_diff")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let info = RecordInfo {
        date_ms: obj.get("_date").and_then(crate::json::as_integer),
        comment: obj
            .get("_comment")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    let schema = db.schema().clone();
    let mut state = TxnState::new(db);
    for (tname, tjson) in obj {
        if tname.starts_with('_') {
            continue;
        }
        let (Some(ti), Some(ts)) = (schema.table_index(tname), schema.table(tname)) else {
            return Err(OvsdbError::syntax(
                record,
                format!("No table named {tname}."),
            ));
        };
        let Some(rows) = tjson.as_object() else {
            return Err(OvsdbError::syntax(tjson, "object expected"));
        };
        for (ustr, rjson) in rows {
            let u = parse_uuid_text(ustr).ok_or_else(|| {
                OvsdbError::syntax(tjson, format!("\"{ustr}\" is not a valid UUID"))
            })?;
            let exists = state.get(ti, &u).is_some();
            if rjson.is_null() {
                if !exists {
                    return Err(OvsdbError::generic(format!(
                        "transaction deletes nonexistent row {u}"
                    )));
                }
                state.delete(ti, &u);
                continue;
            }
            let Some(cols) = rjson.as_object() else {
                return Err(OvsdbError::syntax(rjson, "object expected"));
            };
            let mut values = Vec::with_capacity(cols.len());
            for (cname, cjson) in cols {
                let Some((ci, c)) = ts
                    .column_index(cname)
                    .filter(|i| *i >= N_RESERVED)
                    .and_then(|i| ts.columns.get(i).map(|c| (i, c)))
                else {
                    return Err(OvsdbError::with_syntax(
                        "unknown column",
                        rjson,
                        format!("No column {} in table {}.", cname, ts.name),
                    ));
                };
                let value = if is_diff && exists && stores_diff(&c.ty) {
                    let mut relaxed = c.ty.clone();
                    relaxed.min = 0;
                    relaxed.max = crate::types::UNLIMITED;
                    let diff = Datum::from_json(&relaxed, cjson, None)?;
                    state
                        .get(ti, &u)
                        .and_then(|r| r.get(ci))
                        .cloned()
                        .unwrap_or_default()
                        .apply_diff(&diff)
                } else {
                    Datum::from_json(&c.ty, cjson, None)?
                };
                values.push((ci, value));
            }
            if !exists {
                state.insert(ti, Row::new(ts, u, Uuid::nil()));
            }
            if let Some(row) = state.modify(ti, &u) {
                for (ci, v) in values {
                    row.set(ci, v);
                }
            }
        }
    }
    let cs = crate::txn::commit::finish_replay(&mut state, uuid_gen);
    Ok((cs, info))
}

/// Replays a record into `db`; returns the change set it applied.
pub fn apply_record(
    db: &mut Database,
    record: &Value,
    uuid_gen: &mut dyn FnMut() -> Uuid,
) -> Result<(ChangeSet, RecordInfo)> {
    let (cs, info) = record_to_changes(db, record, uuid_gen)?;
    db.apply(&cs);
    Ok((cs, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::txn::tests::{u, us, Harness};
    use serde_json::json;

    fn schema() -> Value {
        json!({"name":"T","tables":{
            "A":{"columns":{
                "name":{"type":"string"},"i":{"type":"integer"},
                "str":{"type":{"key":"string","min":0,"max":1}},
                "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
                "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}},
                "eph":{"type":"integer","ephemeral":true},
                "ref":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":"unlimited"}}},"isRoot":true},
            "B":{"columns":{"n":{"type":"integer"}}}}})
    }

    /// [`txn_record`], after checking that [`txn_record_text`] writes exactly its text.
    fn checked_record(
        s: &DatabaseSchema,
        cs: &ChangeSet,
        date: i64,
        comment: Option<&str>,
    ) -> Option<Value> {
        let rec = txn_record(s, cs, date, comment);
        let text = txn_record_text(s, cs, date, comment);
        assert_eq!(text, rec.as_ref().map(ovs_json::to_string));
        rec
    }

    #[test]
    fn record_text_matches_value_form_for_every_atom_type() {
        let mut h = Harness::new(json!({"name":"T","tables":{
            "A":{"columns":{
                "r":{"type":"real"},"b":{"type":"boolean"},"s":{"type":"string"},
                "i":{"type":"integer"},
                "u":{"type":{"key":"uuid","min":0,"max":"unlimited"}},
                "rm":{"type":{"key":"string","value":"real","min":0,"max":"unlimited"}},
                "bs":{"type":{"key":"boolean","min":0,"max":2}}},"isRoot":true}}}));
        let s = h.db.schema().clone();
        for ops in [
            json!([{"op":"insert","table":"A","row":{"r":-0.5,"b":true,"s":"q\"u\\o\u{1}te\u{e9}",
                "i":-7,"u":["set",[["uuid","00000000-0000-0000-0000-000000000001"],
                                   ["uuid","ffffffff-0000-0000-0000-00000000000a"]]],
                "rm":["map",[["x",1.5],["y",1e300],["z",3]]],"bs":["set",[false,true]]}}]),
            json!([{"op":"update","table":"A","where":[],"row":{"r":2,"b":false,"s":"",
                "rm":["map",[["x",2.25]]],"bs":["set",[]]}}]),
            json!([{"op":"insert","table":"A","row":{}},
                   {"op":"delete","table":"A","where":[["s","==",""]]}]),
        ] {
            let cs = exec(&mut h, ops);
            let _ = checked_record(&s, &cs, 42, Some("multi\nline \"comment\""));
            let _ = checked_record(&s, &cs, -1, None);
        }
    }

    fn exec(h: &mut Harness, ops: Value) -> ChangeSet {
        let mut p = vec![json!("T")];
        p.extend(ops.as_array().cloned().unwrap_or_default());
        let r = h.outcome(Value::Array(p), 0).done().unwrap();
        assert!(r.success, "{}", r.result);
        r.changes
    }

    #[test]
    fn records_like_ovsdb_tool() {
        // Shapes checked against .db files written by Debian's
        // `ovsdb-tool transact` 3.1 (see `ovsdb-tool show-log -mm`).
        let mut h = Harness::new(schema());
        let s = h.db.schema().clone();
        let cs = exec(
            &mut h,
            json!([
            {"op":"insert","table":"B","row":{"n":1},"uuid-name":"b"},
            {"op":"insert","table":"A","row":{"name":"a2","m":["map",[["z",1],["a",2]]],"ref":["named-uuid","b"],"eph":5}}]),
        );
        let rec = checked_record(&s, &cs, 1795650083790, None).unwrap();
        assert_eq!(
            rec,
            json!({"_date":1795650083790i64,"_is_diff":true,
            "B":{us(1):{"n":1}},
            "A":{us(2):{"name":"a2","m":["map",[["a",2],["z",1]]],"ref":["uuid",us(1)]}}})
        );
        let cs = exec(
            &mut h,
            json!([{"op":"update","table":"A","where":[],"row":{"i":5,"set":["set",[1,2,3]],"m":["map",[["a",3],["b",4]]],"str":"ab"}}]),
        );
        let rec = checked_record(&s, &cs, 7, Some("hello")).unwrap();
        assert_eq!(
            rec,
            json!({"_date":7,"_is_diff":true,"_comment":"hello",
            "A":{us(2):{"i":5,"set":["set",[1,2,3]],"m":["map",[["a",3],["b",4],["z",1]]],"str":"ab"}}})
        );
        let cs = exec(
            &mut h,
            json!([{"op":"mutate","table":"A","where":[],"mutations":[["set","insert",4],["i","+=",2]]},
            {"op":"update","table":"A","where":[],"row":{"str":"cd"}}]),
        );
        let rec = checked_record(&s, &cs, 8, None).unwrap();
        assert_eq!(
            rec,
            json!({"_date":8,"_is_diff":true,"A":{us(2):{"set":4,"i":7,"str":"cd"}}})
        );
        let cs = exec(
            &mut h,
            json!([{"op":"update","table":"A","where":[],"row":{"ref":["set",[]],"str":["set",[]]}}]),
        );
        let rec = checked_record(&s, &cs, 9, None).unwrap();
        assert_eq!(
            rec,
            json!({"_date":9,"_is_diff":true,"B":{us(1):null},"A":{us(2):{"ref":["uuid",us(1)],"str":["set",[]]}}})
        );
        // Only an ephemeral column changed: nothing to write.
        let cs = exec(
            &mut h,
            json!([{"op":"update","table":"A","where":[],"row":{"eph":6}}]),
        );
        assert!(!cs.is_empty());
        assert_eq!(checked_record(&s, &cs, 10, None), None);
        let snap = snapshot_record(&h.db, 11, Some("compacted by test"));
        assert_eq!(
            snap,
            json!({"_date":11,"_comment":"compacted by test",
            "A":{us(2):{"name":"a2","i":7,"set":["set",[1,2,3,4]],"m":["map",[["a",3],["b",4]]]}}})
        );
    }

    #[test]
    fn replay_reproduces_database() {
        let mut h = Harness::new(schema());
        let s = h.db.schema().clone();
        let mut records = Vec::new();
        for ops in [
            json!([{"op":"insert","table":"B","row":{"n":1},"uuid-name":"b"},
                   {"op":"insert","table":"A","row":{"name":"a","set":["set",[1,2]],"m":["map",[["k",1]]],"ref":["named-uuid","b"]}}]),
            json!([{"op":"mutate","table":"A","where":[],"mutations":[["set","delete",1],["set","insert",["set",[7,8]]],["m","insert",["map",[["q",2]]]]]}]),
            json!([{"op":"update","table":"A","where":[],"row":{"m":["map",[["k",5]]],"str":"x","i":3}}]),
            json!([{"op":"insert","table":"A","row":{"name":"gone"}}]),
            json!([{"op":"delete","table":"A","where":[["name","==","gone"]]}]),
            json!([{"op":"update","table":"A","where":[],"row":{"ref":["set",[]]}}]),
        ] {
            let cs = exec(&mut h, ops);
            if let Some(r) = checked_record(&s, &cs, 1, None) {
                records.push(r);
            }
        }
        let mut replayed = Database::new((*s).clone());
        let mut n = 1000u128;
        let mut gen = || {
            n += 1;
            u(n)
        };
        for r in &records {
            apply_record(&mut replayed, r, &mut gen).unwrap();
        }
        let snap = |db: &Database| snapshot_record(db, 0, None);
        assert_eq!(snap(&replayed), snap(&h.db));
        assert!(replayed.table("B").unwrap().is_empty());
        // A snapshot replays into an empty database as well.
        let mut again = Database::new((*s).clone());
        apply_record(&mut again, &snap(&h.db), &mut gen).unwrap();
        assert_eq!(snap(&again), snap(&h.db));
        // Bad records are errors, not panics.
        assert!(apply_record(&mut again, &json!({"Nope":{}}), &mut gen).is_err());
        assert!(apply_record(&mut again, &json!({"A":{"zz":null}}), &mut gen).is_err());
        assert!(apply_record(&mut again, &json!({"A":{us(2):{"bogus":1}}}), &mut gen).is_err());
        assert!(apply_record(&mut again, &json!([1]), &mut gen).is_err());
    }

    #[test]
    fn replay_redoes_unlogged_weak_reference_removal() {
        // Records shaped like the ones ovsdb-tool 3.1 wrote for this
        // scenario: the second one deletes the garbage-collected rows but
        // does not mention the weak reference column that pointed at them.
        let s = DatabaseSchema::from_json(&json!({"name":"G","tables":{
            "A":{"columns":{"ref":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":"unlimited"}},
                            "wref":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}}},"isRoot":true},
            "B":{"columns":{"n":{"type":"integer"},"child":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":1}}}}}}))
        .unwrap();
        let (a, p, c) = (us(1), us(2), us(3));
        let r1 = json!({"_date":1,"_is_diff":true,
            "B":{p.clone():{"n":10,"child":["uuid",c.clone()]},c.clone():{"n":11}},
            "A":{a.clone():{"ref":["uuid",p.clone()],"wref":["set",[["uuid",p.clone()],["uuid",c.clone()]]]}}});
        let r2 = json!({"_date":2,"_is_diff":true,"B":{p.clone():null,c.clone():null},"A":{a.clone():{"ref":["uuid",p.clone()]}}});
        let mut db = Database::new(s);
        let mut n = 100u128;
        let mut gen = || {
            n += 1;
            u(n)
        };
        apply_record(&mut db, &r1, &mut gen).unwrap();
        let (cs, info) = apply_record(&mut db, &r2, &mut gen).unwrap();
        assert_eq!(info.date_ms, Some(2));
        let row = db.row("A", &u(1)).unwrap();
        let wi = db
            .schema()
            .table("A")
            .unwrap()
            .column_index("wref")
            .unwrap();
        assert!(row.get(wi).unwrap().is_empty());
        assert_eq!(cs.n_rows(), 3);
        assert!(db.table("B").unwrap().is_empty());
    }

    #[test]
    fn diffs_may_exceed_the_column_size() {
        // ovsdb-tool 3.1 logs {0} -> {3, 4} in a max-2 column as the diff
        // ["set",[0,3,4]]; replay must accept it.
        let s = DatabaseSchema::from_json(&json!({"name":"S","tables":{"A":{"columns":{
            "set2":{"type":{"key":"integer","min":1,"max":2}}}}}}))
        .unwrap();
        let mut db = Database::new(s);
        let mut n = 0u128;
        let mut gen = || {
            n += 1;
            u(n)
        };
        apply_record(&mut db, &json!({"A":{us(1):{}}}), &mut gen).unwrap();
        apply_record(
            &mut db,
            &json!({"_is_diff":true,"A":{us(1):{"set2":["set",[0,3,4]]}}}),
            &mut gen,
        )
        .unwrap();
        let snap = snapshot_record(&db, 0, None);
        assert_eq!(snap, json!({"_date":0,"A":{us(1):{"set2":["set",[3,4]]}}}));
    }
}
