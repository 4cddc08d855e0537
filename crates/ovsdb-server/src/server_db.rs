//! The `_Server` database: what this server serves, for clients to monitor.
//!
//! Open vSwitch's clients (the C and Python IDLs, ovs-vsctl) first monitor `_Server`'s
//! `Database` table to learn whether the database they want is served, connected and (for
//! clusters) the leader. A standalone server reports each database with `model` "standalone",
//! `connected` and `leader` true, and its schema as a JSON string. The database is read-only to
//! clients: writes are refused with Open vSwitch's "not allowed" error.

use ovsdb::changes::ChangeSet;
use ovsdb::db::Database;
use ovsdb::schema::DatabaseSchema;
use ovsdb::txn::{Outcome, TxnEnv};
use serde_json::{json, Value};

/// The database's name.
pub const NAME: &str = "_Server";

/// The schema, shipped in the repository's `schemas/`.
const SCHEMA: &str = include_str!("../../../schemas/_Server.ovsschema");

/// An empty `_Server` database.
pub fn new_database() -> Database {
    let json: Value = serde_json::from_str(SCHEMA).expect("_Server schema is valid JSON");
    let schema = DatabaseSchema::from_json(&json).expect("_Server schema is a valid schema");
    Database::new(schema)
}

/// The change set that makes `db`'s `Database` table list exactly `served` (name, schema),
/// or `None` when it already does.
pub fn sync_changes(db: &Database, served: &[(String, Value)]) -> Option<ChangeSet> {
    let mut ops = vec![json!(NAME)];
    ops.push(json!({"op": "delete", "table": "Database", "where": []}));
    for (name, schema) in served {
        let schema_text = sorted_json(schema);
        ops.push(json!({
            "op": "insert",
            "table": "Database",
            "row": {
                "name": name,
                "model": "standalone",
                "connected": true,
                "leader": true,
                "schema": schema_text,
            }
        }));
    }
    let mut gen = uuid::Uuid::new_v4;
    let mut env = TxnEnv {
        now_ms: 0,
        started_ms: 0,
        uuid_gen: &mut gen,
        locks: &ovsdb::txn::NoLocks,
        read_only: false,
    };
    match db.execute(&Value::Array(ops), &mut env) {
        Outcome::Done(r) if r.success => {
            // Rows that were deleted and re-inserted with identical contents still count as
            // changes; only report when the listing differs.
            let current: Vec<(String, String)> = listing(db);
            let wanted: Vec<(String, String)> = served
                .iter()
                .map(|(n, s)| (n.clone(), sorted_json(s)))
                .collect();
            if sorted(current) == sorted(wanted) {
                None
            } else {
                Some(r.changes)
            }
        }
        _ => None,
    }
}

/// Serialises `v` with object members in sorted order, as Open vSwitch writes the `schema`
/// column.
fn sorted_json(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

fn listing(db: &Database) -> Vec<(String, String)> {
    let Some(table) = db.table("Database") else {
        return Vec::new();
    };
    let schema = db.schema();
    let Some(ts) = schema.table("Database") else {
        return Vec::new();
    };
    let (Some(ni), Some(si)) = (ts.column_index("name"), ts.column_index("schema")) else {
        return Vec::new();
    };
    table
        .rows()
        .map(|row| {
            let name = row
                .get(ni)
                .and_then(|d| d.first())
                .and_then(|a| a.as_str())
                .unwrap_or_default()
                .to_string();
            let schema = row
                .get(si)
                .and_then(|d| d.first())
                .and_then(|a| a.as_str())
                .unwrap_or_default()
                .to_string();
            (name, schema)
        })
        .collect()
}

/// For a transaction on `_Server` whose engine result was `result`: when it contains a write
/// operation that the engine accepted, the result Open vSwitch returns (the error at the first
/// write, `null` after it); `None` when the engine's result stands (read-only transactions, and
/// errors the engine found at or before the first write).
pub fn reject_writes(params: &Value, result: &Value) -> Option<Value> {
    let ops = params.as_array()?.get(1..)?;
    let first_write = ops.iter().position(|op| {
        matches!(
            op.get("op").and_then(Value::as_str),
            Some("insert" | "update" | "mutate" | "delete")
        )
    })?;
    let engine = result.as_array()?;
    if engine
        .iter()
        .take(first_write + 1)
        .any(|r| r.get("error").is_some())
    {
        return None;
    }
    let op_name = ops[first_write]["op"].as_str().unwrap_or_default();
    let mut result: Vec<Value> = engine.iter().take(first_write).cloned().collect();
    result.push(json!({
        "error": "not allowed",
        "details": format!("{op_name} operation not allowed on table in reserved database {NAME}"),
    }));
    result.resize(ops.len(), Value::Null);
    Some(Value::Array(result))
}
