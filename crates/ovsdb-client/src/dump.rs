//! `ovsdb-client dump` and `backup`.
//!
//! `dump` selects every row of every table (or of one table, optionally
//! limited to some columns) in a single transaction and prints one table
//! per database table, in table-name order.  Columns are sorted by name and
//! `_version` is left out; rows are sorted by their values, column by
//! column in that order, skipping columns that hold UUIDs (which differ
//! between otherwise identical databases), so the output does not depend on
//! the server's row order.  Rows that tie keep the server's order.
//!
//! `backup` writes a standalone database file to stdout: the schema record
//! (serialised as Open vSwitch serialises a schema) and one record holding
//! every row's persistent columns, with the comment Open vSwitch uses.

use std::cmp::Ordering;
use std::io::{IsTerminal, Write};

use ovsdb::atom::AtomicType;
use ovsdb::datum::Datum;
use ovsdb::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use ovsdb_client::table::{Cell, Printer, Table};
use ovsdb_storage::schema_json::{column_order, schema_to_json, table_order};
use ovsdb_storage::shash;
use serde_json::{json, Map, Value};

use crate::commands::{fetch_schema, transact};
use crate::{Ctx, Fatal};

fn select_all(
    rpc: &mut ovsdb_client::rpc::Rpc,
    db: &str,
    tables: &[(&TableSchema, Vec<&ColumnSchema>)],
) -> Result<Vec<Vec<Map<String, Value>>>, Fatal> {
    let mut params = vec![Value::String(db.to_string())];
    for (t, cols) in tables {
        let names: Vec<Value> = cols.iter().map(|c| Value::String(c.name.clone())).collect();
        params.push(json!({"op": "select", "table": t.name, "where": [], "columns": names}));
    }
    let result = transact(rpc, params)?;
    let Some(results) = result.as_array() else {
        return Err(Fatal(format!(
            "transaction returned error: {}",
            ovsdb::json::to_string_sorted(&result)
        )));
    };
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if let Some(e) = r.get("error") {
            let _ = e;
            return Err(Fatal(format!(
                "transaction returned error: {}",
                ovsdb::json::to_string_sorted(r)
            )));
        }
        let rows = r
            .get("rows")
            .and_then(Value::as_array)
            .ok_or_else(|| Fatal(format!("result {i} has no \"rows\" member")))?;
        out.push(
            rows.iter()
                .filter_map(|row| row.as_object().cloned())
                .collect(),
        );
    }
    Ok(out)
}

fn compare_rows(a: &[Option<Datum>], b: &[Option<Datum>], skip: &[bool]) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        if skip.get(i).copied().unwrap_or(false) {
            continue;
        }
        let c = match (x, y) {
            (Some(x), Some(y)) => x
                .len()
                .cmp(&y.len())
                .then_with(|| x.keys().cmp(y.keys()))
                .then_with(|| x.values().cmp(&y.values())),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

/// `dump [TABLE [COLUMN]...]`.
pub fn dump(
    rpc: &mut ovsdb_client::rpc::Rpc,
    db: &str,
    args: &[String],
    ctx: &Ctx,
) -> Result<i32, Fatal> {
    let (schema, _) = fetch_schema(rpc, db)?;
    let mut tables: Vec<(&TableSchema, Vec<&ColumnSchema>)> = Vec::new();
    match args.split_first() {
        None => {
            let mut all: Vec<&TableSchema> = schema.tables.iter().collect();
            all.sort_by(|a, b| a.name.cmp(&b.name));
            for t in all {
                let mut cols: Vec<&ColumnSchema> =
                    t.columns.iter().filter(|c| c.name != "_version").collect();
                cols.sort_by(|a, b| a.name.cmp(&b.name));
                tables.push((t, cols));
            }
        }
        Some((tname, cnames)) => {
            let t = schema
                .table(tname)
                .ok_or_else(|| Fatal(format!("No table \"{tname}\" found.")))?;
            let mut cols: Vec<&ColumnSchema> = Vec::new();
            if cnames.is_empty() {
                cols.extend(t.columns.iter().filter(|c| c.name != "_version"));
            } else {
                for n in cnames {
                    let c = t
                        .column(n)
                        .ok_or_else(|| Fatal(format!("Table \"{}\" has no column {n}.", t.name)))?;
                    if !cols.iter().any(|x| x.name == c.name) {
                        cols.push(c);
                    }
                }
            }
            cols.sort_by(|a, b| a.name.cmp(&b.name));
            tables.push((t, cols));
        }
    }
    let results = select_all(rpc, db, &tables)?;
    let mut printer = Printer::default();
    let mut out = String::new();
    for ((t, cols), rows) in tables.iter().zip(results) {
        // UUIDs differ from one database to the next, so they do not count.
        let skip: Vec<bool> = cols
            .iter()
            .map(|c| {
                c.ty.key.atomic == AtomicType::Uuid
                    || c.ty
                        .value
                        .as_ref()
                        .is_some_and(|v| v.atomic == AtomicType::Uuid)
            })
            .collect();
        let mut data: Vec<(Vec<Option<Datum>>, Vec<Cell>, String)> = rows
            .iter()
            .map(|row| {
                let mut datums = Vec::new();
                let mut cells = Vec::new();
                for c in cols {
                    let v = row.get(&c.name).cloned().unwrap_or(Value::Null);
                    datums.push(Datum::from_json(&c.ty, &v, None).ok());
                    cells.push(Cell::value(v, &c.ty));
                }
                let uuid = row
                    .get("_uuid")
                    .and_then(|u| u.get(1))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (datums, cells, uuid)
            })
            .collect();
        data.sort_by(|a, b| compare_rows(&a.0, &b.0, &skip));
        let mut table = Table::new(cols.iter().map(|c| c.name.clone()).collect());
        table.caption = Some(format!("{} table", t.name));
        table.rows = data.into_iter().map(|d| d.1).collect();
        out.push_str(&printer.print(&table, &ctx.style));
    }
    print!("{out}");
    Ok(0)
}

/// `backup`: a standalone database file on stdout.
pub fn backup(rpc: &mut ovsdb_client::rpc::Rpc, db: &str) -> Result<i32, Fatal> {
    if std::io::stdout().is_terminal() {
        return Err(Fatal(
            "not writing backup to a terminal; please redirect stdout to a file".into(),
        ));
    }
    let (schema, _) = fetch_schema(rpc, db)?;
    let order: Vec<&TableSchema> = table_order(&schema);
    let tables: Vec<(&TableSchema, Vec<&ColumnSchema>)> = order
        .iter()
        .map(|t| {
            (
                *t,
                t.columns
                    .iter()
                    .filter(|c| c.name != "_version" && !c.ephemeral)
                    .collect(),
            )
        })
        .collect();
    let results = select_all(rpc, db, &tables)?;
    let record = backup_record(&schema, &tables, results);
    let mut bytes = Vec::new();
    for r in [schema_to_json(&schema), record] {
        let b = ovsdb_log::encode_record(&r).map_err(|e| Fatal(e.to_string()))?;
        bytes.extend_from_slice(&b);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Fatal(format!("/dev/stdout: write failed ({e})")))?;
    Ok(0)
}

fn backup_record(
    _schema: &DatabaseSchema,
    tables: &[(&TableSchema, Vec<&ColumnSchema>)],
    results: Vec<Vec<Map<String, Value>>>,
) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut rec = Map::new();
    for ((t, _), rows) in tables.iter().zip(results) {
        if rows.is_empty() {
            continue;
        }
        let mut out_rows = Map::new();
        for row in rows {
            let uuid = row
                .get("_uuid")
                .and_then(|u| u.get(1))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            // Filled in the table's column order, printed in hash order.
            let mut row = row;
            let mut r = Map::new();
            for c in column_order(t) {
                if c.name.starts_with('_') {
                    continue;
                }
                if let Some(v) = row.remove(&c.name) {
                    r.insert(c.name.clone(), v);
                }
            }
            // The server built the row the same way and the client re-parsed it.
            let r = shash::reorder(shash::reorder(r));
            out_rows.insert(uuid, Value::Object(r));
        }
        rec.insert(t.name.clone(), Value::Object(shash::reorder(out_rows)));
    }
    rec.insert("_date".into(), Value::from(now));
    rec.insert(
        "_comment".into(),
        Value::String("produced by \"ovsdb-client backup\"".into()),
    );
    rec.insert("_is_diff".into(), Value::Bool(true));
    Value::Object(shash::reorder(rec))
}
