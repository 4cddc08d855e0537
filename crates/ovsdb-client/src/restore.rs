//! `ovsdb-client restore`, `convert` and `needs-conversion`.
//!
//! `restore` reads a standalone database file (as `backup` writes it) from
//! stdin, replays it in memory and replaces the contents of the served
//! database with it in one transaction: for each table, delete every row,
//! then insert the backup's rows.  Rows get fresh UUIDs (the server
//! chooses them); references between restored rows are rewritten to
//! `named-uuid`s (`row` plus the old UUID with `-` turned into `_`), as Open
//! vSwitch does.  Unless `--force` is given the backup's schema must match
//! the database's.

use std::collections::HashSet;
use std::io::Read;

use ovsdb::atom::Atom;
use ovsdb::db::Database;
use ovsdb::json::to_string_sorted;
use ovsdb::schema::DatabaseSchema;
use ovsdb::types::BaseType;
use ovsdb_client::rpc::Rpc;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::commands::{fetch_schema, transact};
use crate::{Ctx, Fatal};

fn named(u: &Uuid) -> String {
    format!("row{}", u.to_string().replace('-', "_"))
}

fn atom_json(a: &Atom, base: &BaseType, known: &HashSet<Uuid>) -> Value {
    match a {
        Atom::Uuid(u) if base.ref_table.is_some() && known.contains(u) => {
            json!(["named-uuid", named(u)])
        }
        other => other.to_json(),
    }
}

fn datum_json(d: &ovsdb::datum::Datum, ty: &ovsdb::types::Type, known: &HashSet<Uuid>) -> Value {
    if let Some(vt) = &ty.value {
        let pairs: Vec<Value> = d
            .iter()
            .map(|(k, v)| {
                json!([
                    atom_json(k, &ty.key, known),
                    v.map_or(Value::Null, |v| atom_json(v, vt, known))
                ])
            })
            .collect();
        return json!(["map", pairs]);
    }
    let atoms: Vec<Value> = d
        .keys()
        .iter()
        .map(|a| atom_json(a, &ty.key, known))
        .collect();
    match atoms.as_slice() {
        [one] if ty.max == 1 => one.clone(),
        _ => json!(["set", atoms]),
    }
}

fn read_backup() -> Result<Database, Fatal> {
    let mut data = Vec::new();
    std::io::stdin()
        .read_to_end(&mut data)
        .map_err(|e| Fatal(format!("/dev/stdin: read failed ({e})")))?;
    if data.is_empty() {
        return Err(Fatal(
            "ovsdb error: /dev/stdin: cannot identify file type".into(),
        ));
    }
    match ovsdb_log::codec::identify(&data) {
        Some(ovsdb_log::Magic::Standalone) => {}
        Some(_) => {
            return Err(Fatal(
                "/dev/stdin: clustered databases are not supported by ferroswitch".into(),
            ))
        }
        None => {
            return Err(Fatal(
                "ovsdb error: /dev/stdin: unexpected file format".into(),
            ))
        }
    }
    let decoded = ovsdb_log::decode_all(&data);
    if let Some(e) = decoded.tail_error {
        return Err(Fatal(format!("syntax error: /dev/stdin: {e}")));
    }
    let mut records = decoded.records.into_iter();
    let schema = records
        .next()
        .ok_or_else(|| Fatal("ovsdb error: /dev/stdin: cannot identify file type".into()))?;
    let schema = DatabaseSchema::from_json(&Value::Object(schema.value))
        .map_err(|e| Fatal(e.to_message()))?;
    let mut db = Database::new(schema);
    let mut gen = Uuid::new_v4;
    for r in records {
        ovsdb::record::apply_record(&mut db, &Value::Object(r.value), &mut gen)
            .map_err(|e| Fatal(e.to_message()))?;
    }
    Ok(db)
}

/// `restore`.
pub fn restore(rpc: &mut Rpc, db_name: &str, ctx: &Ctx) -> Result<i32, Fatal> {
    let (schema, schema_json) = fetch_schema(rpc, db_name)?;
    let backup = read_backup()?;
    let bs = backup.schema();
    if !ctx.force {
        let hint = "(use --force to override differences, or \"ovsdb-client convert\" to change the schema)";
        if bs.version != schema.version {
            return Err(Fatal(format!(
                "backup schema has version \"{}\" but database schema has version \"{}\" {hint}",
                bs.version.as_deref().unwrap_or(""),
                schema.version.as_deref().unwrap_or("")
            )));
        }
        if bs.name != schema.name {
            return Err(Fatal(format!(
                "backup schema has name \"{}\" but database schema has name \"{}\" {hint}",
                bs.name, schema.name
            )));
        }
        if to_string_sorted(&bs.to_json()) != to_string_sorted(&schema_json)
            && to_string_sorted(&bs.to_json()) != to_string_sorted(&schema.to_json())
        {
            return Err(Fatal(format!(
                "backup schema and database schema differ {hint}"
            )));
        }
    }
    let mut known = HashSet::new();
    for (ti, _) in bs.tables.iter().enumerate() {
        if let Some(t) = backup.table_at(ti) {
            known.extend(t.uuids().copied());
        }
    }
    let mut params = vec![Value::String(db_name.to_string())];
    for ts in ovsdb_storage::schema_json::table_order(bs) {
        let Some(t) = backup.table(&ts.name) else {
            continue;
        };
        params.push(json!({"op": "delete", "table": ts.name, "where": []}));
        for row in t.rows() {
            let mut r = Map::new();
            for (i, c) in ts.user_columns() {
                if c.ephemeral {
                    continue;
                }
                if let Some(d) = row.get(i) {
                    r.insert(c.name.clone(), datum_json(d, &c.ty, &known));
                }
            }
            params.push(json!({
                "op": "insert",
                "table": ts.name,
                "uuid-name": named(&row.uuid()),
                "row": Value::Object(r),
            }));
        }
    }
    let result = transact(rpc, params)?;
    if let Some(err) = result
        .as_array()
        .and_then(|a| a.iter().find(|r| r.get("error").is_some()))
    {
        return Err(Fatal(format!(
            "transaction returned error: {}",
            to_string_sorted(err)
        )));
    }
    Ok(0)
}

/// `needs-conversion [SERVER] SCHEMA`.
pub fn needs_conversion(rpc: &mut Rpc, path: &str) -> Result<i32, Fatal> {
    let schema = read_schema_file(path)?;
    let (current, _) = fetch_schema(rpc, &schema.name)?;
    let same = to_string_sorted(&current.to_json()) == to_string_sorted(&schema.to_json());
    println!("{}", if same { "no" } else { "yes" });
    Ok(0)
}

/// `convert [SERVER] SCHEMA`: asks the server to convert the database the
/// schema names.
pub fn convert(rpc: &mut Rpc, path: &str) -> Result<i32, Fatal> {
    let schema = read_schema_file(path)?;
    rpc.call(
        "convert",
        vec![Value::String(schema.name.clone()), schema.to_json()],
    )
    .map_err(|e| match e {
        ovsdb_client::rpc::RpcError::Server(err) => Fatal(format!(
            "convert request returned error: {}",
            to_string_sorted(&err)
        )),
        other => Fatal(other.to_string()),
    })?;
    Ok(0)
}

/// Reads a schema file with `ovsdb-tool`'s error wording.
fn read_schema_file(path: &str) -> Result<DatabaseSchema, Fatal> {
    let text = std::fs::read(path).map_err(|e| {
        let s = e.to_string();
        let s = s.split(" (os error").next().unwrap_or(&s).to_string();
        Fatal(format!(
            "failed to read schema: \"{path}\" could not be read as JSON (error opening \"{path}\": {s})"
        ))
    })?;
    let json: Value = serde_json::from_slice(&text).map_err(|e| {
        Fatal(format!(
            "failed to read schema: \"{path}\" could not be read as JSON ({})",
            ovsdb_storage::parse::json_error(&String::from_utf8_lossy(&text), &e)
        ))
    })?;
    DatabaseSchema::from_json(&json).map_err(|e| Fatal(e.to_message()))
}
