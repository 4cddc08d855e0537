//! Converting a database to a new schema (`ovsdb-tool convert`, and the
//! `convert` method of ovsdb-server).
//!
//! Every table of the new schema that also exists in the old one receives
//! the old rows, with the same UUIDs.  Each column present in both schemas
//! keeps its value, converted to the new type by printing it as JSON and
//! parsing it back with the new type (so a value that does not fit the new
//! type or its constraints is an error); new columns get their default
//! values and dropped columns and tables disappear.  The result then goes
//! through the same commit checks as a transaction: references must resolve,
//! unreferenced rows of non-root tables are garbage-collected, dangling weak
//! references are removed, and `maxRows` and unique indexes are enforced.

use crate::datum::Datum;
use crate::db::{Database, Row};
use crate::error::{OvsdbError, Result};
use crate::schema::{DatabaseSchema, N_RESERVED};
use crate::txn::TxnState;
use std::sync::Arc;
use uuid::Uuid;

/// Converts `old` to `schema`; `uuid_gen` supplies the new `_version`s.
pub fn convert(
    old: &Database,
    schema: Arc<DatabaseSchema>,
    uuid_gen: &mut dyn FnMut() -> Uuid,
) -> Result<Database> {
    let mut db = Database::with_schema(Arc::clone(&schema));
    let cs = {
        let mut state = TxnState::new(&db);
        for (ti, ts) in schema.tables.iter().enumerate() {
            let (Some(old_ts), Some(old_t)) = (old.schema().table(&ts.name), old.table(&ts.name))
            else {
                continue;
            };
            for old_row in old_t.rows() {
                let mut row = Row::new(ts, old_row.uuid(), Uuid::nil());
                for (ci, c) in ts.columns.iter().enumerate().skip(N_RESERVED) {
                    let Some(oci) = old_ts.column_index(&c.name) else {
                        continue;
                    };
                    let (Some(oc), Some(od)) = (old_ts.columns.get(oci), old_row.get(oci)) else {
                        continue;
                    };
                    let d = if oc.ty == c.ty {
                        od.clone()
                    } else {
                        Datum::from_json(&c.ty, &od.to_json(), None).map_err(|e| {
                            OvsdbError::constraint(format!(
                                "Cannot convert column {} in table {} row {}: {}",
                                c.name,
                                ts.name,
                                old_row.uuid(),
                                e.details.as_deref().unwrap_or(&e.tag)
                            ))
                        })?
                    };
                    row.set(ci, d);
                }
                state.insert(ti, row);
            }
        }
        crate::txn::commit::finish(&mut state, uuid_gen)?
    };
    db.apply(&cs);
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::snapshot_record;
    use crate::txn::tests::Harness;
    use serde_json::json;

    #[test]
    fn convert_keeps_compatible_data() {
        let mut h = Harness::new(json!({"name":"D","tables":{
            "A":{"columns":{"name":{"type":"string"},"n":{"type":"integer"},"gone":{"type":"string"},
                 "b":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":1}}},"isRoot":true},
            "B":{"columns":{"x":{"type":"integer"}}},
            "Old":{"columns":{"x":{"type":"integer"}},"isRoot":true}}}));
        h.run(json!([{"op":"insert","table":"A","row":{"name":"a","n":3,"gone":"x","b":["named-uuid","b"]}},
            {"op":"insert","table":"B","row":{"x":1},"uuid-name":"b"},
            {"op":"insert","table":"B","row":{"x":2}},
            {"op":"insert","table":"Old","row":{"x":1}}]));
        let new_schema = Arc::new(
            DatabaseSchema::from_json(&json!({"name":"D","tables":{
                "A":{"columns":{"name":{"type":"string"},"n":{"type":{"key":"integer","min":0,"max":"unlimited"}},
                     "new":{"type":"boolean"},"b":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":1}}},"isRoot":true},
                "B":{"columns":{"x":{"type":"integer"}}}}}))
            .unwrap(),
        );
        let mut n = 500u128;
        let mut gen = || {
            n += 1;
            Uuid::from_u128(n)
        };
        let db = convert(&h.db, Arc::clone(&new_schema), &mut gen).unwrap();
        let snap = snapshot_record(&db, 0, None);
        let a = snap["A"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone();
        assert_eq!(a["name"], json!("a"));
        assert_eq!(a["n"], json!(3));
        assert!(a.get("gone").is_none());
        assert_eq!(db.table("B").unwrap().len(), 1);
        assert!(db.table("Old").is_none());
        // A value that no longer fits is an error.
        let tight = Arc::new(
            DatabaseSchema::from_json(&json!({"name":"D","tables":{
                "A":{"columns":{"n":{"type":{"key":{"type":"integer","maxInteger":2}}}},"isRoot":true}}}))
            .unwrap(),
        );
        let e = convert(&h.db, tight, &mut gen).unwrap_err();
        assert_eq!(e.tag, "constraint violation");
    }
}
