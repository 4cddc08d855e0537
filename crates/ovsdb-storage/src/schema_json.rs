//! A database schema as Open vSwitch prints it.
//!
//! `ovsdb-tool create` writes the schema record of a new database by
//! re-serialising the parsed schema, so the member order of every object in
//! that record is Open vSwitch's hash-map iteration order (see
//! [`crate::shash`]) rather than the order of the `.ovsschema` file.  To write
//! byte-identical files we rebuild the JSON the same way: each object's
//! members are inserted in the order Open vSwitch's serialiser inserts them
//! and then put in iteration order.  Tables and columns are inserted in the
//! iteration order of Open vSwitch's own `shash`es, which were in turn
//! filled while iterating the parsed source JSON, whose order the
//! [`DatabaseSchema`] keeps (tables and user columns in source order).

use crate::shash;
use ovsdb::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use ovsdb::types::{BaseType, Type};
use serde_json::{Map, Value};

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let m: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    Value::Object(shash::reorder(m))
}

fn reorder_value(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(shash::reorder(m)),
        other => other,
    }
}

fn base_json(b: &BaseType) -> Value {
    // The ovsdb crate inserts members in Open vSwitch's order already.
    reorder_value(b.to_json())
}

fn type_json(t: &Type) -> Value {
    if t.is_scalar() && !t.key.has_constraints() {
        return base_json(&t.key);
    }
    let mut pairs = vec![("key", base_json(&t.key))];
    if let Some(v) = &t.value {
        pairs.push(("value", base_json(v)));
    }
    if t.min != 1 {
        pairs.push(("min", Value::from(t.min)));
    }
    if t.max == ovsdb::types::UNLIMITED {
        pairs.push(("max", Value::from("unlimited")));
    } else if t.max != 1 {
        pairs.push(("max", Value::from(t.max)));
    }
    obj(pairs)
}

fn column_json(c: &ColumnSchema) -> Value {
    let mut pairs = vec![("type", type_json(&c.ty))];
    if !c.mutable {
        pairs.push(("mutable", Value::Bool(false)));
    }
    if c.ephemeral {
        pairs.push(("ephemeral", Value::Bool(true)));
    }
    obj(pairs)
}

/// The columns of `t` (including `_uuid` and `_version`) in the order Open
/// vSwitch's table schema iterates them.
pub fn column_order(t: &TableSchema) -> Vec<&ColumnSchema> {
    // The source object is parsed (insertion in source order) and iterated
    // to fill the table's shash after `_uuid` and `_version`.
    let user: Vec<&ColumnSchema> = t.user_columns().map(|(_, c)| c).collect();
    let parsed = shash::iteration_order(&user.iter().map(|c| c.name.as_str()).collect::<Vec<_>>());
    let mut inserted: Vec<&ColumnSchema> = t.columns.iter().take(2).collect();
    inserted.extend(parsed.into_iter().filter_map(|i| user.get(i).copied()));
    let order =
        shash::iteration_order(&inserted.iter().map(|c| c.name.as_str()).collect::<Vec<_>>());
    order
        .into_iter()
        .filter_map(|i| inserted.get(i).copied())
        .collect()
}

/// The tables of `s` in the order Open vSwitch's schema iterates them.
pub fn table_order(s: &DatabaseSchema) -> Vec<&TableSchema> {
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    let parsed: Vec<&TableSchema> = shash::iteration_order(&names)
        .into_iter()
        .filter_map(|i| s.tables.get(i))
        .collect();
    let order = shash::iteration_order(&parsed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>());
    order
        .into_iter()
        .filter_map(|i| parsed.get(i).copied())
        .collect()
}

fn table_json(t: &TableSchema, default_is_root: bool) -> Value {
    let mut pairs = Vec::new();
    if t.is_root != default_is_root {
        pairs.push(("isRoot", Value::Bool(t.is_root)));
    }
    let cols: Map<String, Value> = column_order(t)
        .into_iter()
        .filter(|c| !c.name.starts_with('_'))
        .map(|c| (c.name.clone(), column_json(c)))
        .collect();
    pairs.push(("columns", Value::Object(shash::reorder(cols))));
    if let Some(n) = t.max_rows {
        pairs.push(("maxRows", Value::from(n)));
    }
    if !t.indexes.is_empty() {
        // The engine words the index lists (column names) as Open vSwitch does.
        if let Some(idx) = t.to_json().get_mut("indexes").map(Value::take) {
            pairs.push(("indexes", idx));
        }
    }
    obj(pairs)
}

/// The schema JSON Open vSwitch writes for `s`, member order included.
pub fn schema_to_json(s: &DatabaseSchema) -> Value {
    let default_is_root = !s.tables.iter().any(|t| t.is_root_declared);
    let tables: Map<String, Value> = table_order(s)
        .into_iter()
        .map(|t| {
            let root = if default_is_root {
                true
            } else {
                t.is_root_declared
            };
            let mut t2 = t.clone();
            t2.is_root = root;
            (t.name.clone(), table_json(&t2, default_is_root))
        })
        .collect();
    let mut pairs = vec![("name", Value::String(s.name.clone()))];
    if let Some(v) = &s.version {
        pairs.push(("version", Value::String(v.clone())));
    }
    if let Some(c) = &s.cksum {
        pairs.push(("cksum", Value::String(c.clone())));
    }
    pairs.push(("tables", Value::Object(shash::reorder(tables))));
    obj(pairs)
}
