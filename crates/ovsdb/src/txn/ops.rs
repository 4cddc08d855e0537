//! Parsing and executing the individual operations of a transaction.
//!
//! Each operation is a JSON object whose members are fetched with
//! [`ObjParser`] so that malformed operations get Open vSwitch's messages,
//! prefixed with `Parsing ovsdb operation N of M failed:` and quoting the
//! whole operation.  Semantic errors (bad rows, conditions, mutations,
//! constraint violations) are reported without that prefix, as Open vSwitch
//! does.  Unknown members are reported after the operation ran (the whole
//! transaction fails either way, so the order only affects which error is
//! shown).

use super::{ExecCtx, OpStop, TxnState};
use crate::atom::{parse_uuid_text, uuid_to_json};
use crate::condition::Condition;
use crate::datum::Datum;
use crate::db::Row;
use crate::error::OvsdbError;
use crate::mutation::{apply_mutations, parse_mutations};
use crate::parser::{Kind, ObjParser};
use crate::schema::{TableSchema, N_RESERVED};
use serde_json::{Map, Value};
use std::collections::HashSet;

type OpResult = Result<Value, OpStop>;

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// Executes operation `i` (0-based) of `n`.
pub(super) fn execute_op(
    state: &mut TxnState<'_>,
    ctx: &mut ExecCtx<'_, '_>,
    op: &Value,
    i: usize,
    n: usize,
) -> OpResult {
    let mut p = ObjParser::new(op, format!("ovsdb operation {} of {}", i + 1, n));
    let name = p.required("op", Kind::String).and_then(Value::as_str);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let name = name.unwrap_or_default();
    if ctx.read_only && matches!(name, "insert" | "update" | "mutate" | "delete" | "commit") {
        return Err(OvsdbError::new(
            "not allowed",
            format!("{name} operation not allowed when database server is in read only mode"),
        )
        .into());
    }
    let result = match name {
        "insert" => insert(state, ctx, &mut p, op),
        "select" => select(state, ctx, &mut p),
        "update" => update(state, ctx, &mut p, op),
        "mutate" => mutate(state, ctx, &mut p),
        "delete" => delete(state, ctx, &mut p),
        "wait" => wait(state, ctx, &mut p),
        "commit" => {
            let d = p.required("durable", Kind::Bool);
            if let Some(e) = p.error() {
                return Err(e.into());
            }
            if d.and_then(Value::as_bool) == Some(true) {
                ctx.durable = true;
            }
            Ok(obj(vec![]))
        }
        "abort" => Err(OvsdbError::new("aborted", "aborted by request").into()),
        "comment" => {
            let c = p.required("comment", Kind::String);
            if let Some(e) = p.error() {
                return Err(e.into());
            }
            ctx.comments
                .push(c.and_then(Value::as_str).unwrap_or_default().to_string());
            Ok(obj(vec![]))
        }
        "assert" => {
            let l = p.required("lock", Kind::String);
            if let Some(e) = p.error() {
                return Err(e.into());
            }
            let lock = l.and_then(Value::as_str).unwrap_or_default();
            if ctx.locks.holds_lock(lock) {
                Ok(obj(vec![]))
            } else {
                Err(OvsdbError::new("not owner", format!("Asserted lock {lock} not held.")).into())
            }
        }
        other => {
            p.raise(format!("No operation \"{other}\""));
            return Err(p
                .error()
                .unwrap_or_else(|| OvsdbError::tag_only("syntax error"))
                .into());
        }
    };
    let value = result?;
    p.finish()?;
    Ok(value)
}

/// Fetches and resolves the `table` member.
fn parse_table<'s>(
    state: &TxnState<'s>,
    p: &mut ObjParser<'_>,
) -> Option<(usize, &'s TableSchema)> {
    let name = p.required("table", Kind::Id)?.as_str()?;
    let schema = &state.db.schema();
    match schema.table_index(name) {
        Some(i) => state.db.schema().tables.get(i).map(|t| (i, t)),
        None => {
            p.raise(format!("No table named {name}."));
            None
        }
    }
}

/// Parses a row object into (column index, value) pairs.
fn parse_row(
    table: &TableSchema,
    json: &Value,
    ctx: &mut ExecCtx<'_, '_>,
) -> Result<Vec<(usize, Datum)>, OvsdbError> {
    let Some(m) = json.as_object() else {
        return Err(OvsdbError::syntax(json, "row must be JSON object"));
    };
    let mut out = Vec::with_capacity(m.len());
    for (name, v) in m {
        let Some(idx) = table.column_index(name) else {
            return Err(OvsdbError::with_syntax(
                "unknown column",
                json,
                format!("No column {} in table {}.", name, table.name),
            ));
        };
        let Some(cs) = table.columns.get(idx) else {
            continue;
        };
        out.push((idx, Datum::from_json(&cs.ty, v, Some(&mut ctx.symtab))?));
    }
    Ok(out)
}

/// Parses a `columns` array (all columns when absent).
fn parse_columns(table: &TableSchema, json: Option<&Value>) -> Result<Vec<usize>, OvsdbError> {
    let Some(json) = json else {
        return Ok((0..table.columns.len()).collect());
    };
    let bad = || OvsdbError::syntax(json, "array of distinct column names expected");
    let Some(items) = json.as_array() else {
        return Err(bad());
    };
    let mut out = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for it in items {
        let Some(name) = it.as_str() else {
            return Err(bad());
        };
        let Some(idx) = table.column_index(name) else {
            return Err(OvsdbError::syntax(
                json,
                format!("{name} is not a valid column name"),
            ));
        };
        if !seen.insert(idx) {
            return Err(bad());
        }
        out.push(idx);
    }
    Ok(out)
}

fn parse_where(
    table: &TableSchema,
    json: Option<&Value>,
    ctx: &mut ExecCtx<'_, '_>,
) -> Result<Condition, OvsdbError> {
    match json {
        Some(w) => Condition::from_json(table, w, Some(&mut ctx.symtab)),
        None => Ok(Condition::default()),
    }
}

fn insert(
    state: &mut TxnState<'_>,
    ctx: &mut ExecCtx<'_, '_>,
    p: &mut ObjParser<'_>,
    _op: &Value,
) -> OpResult {
    let table = parse_table(state, p);
    let row_json = p.required("row", Kind::Object);
    let uuid_name = p.optional("uuid-name", Kind::Id);
    let uuid_json = p.optional("uuid", Kind::String);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let (Some((ti, ts)), Some(row_json)) = (table, row_json) else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let mut uuid = None;
    if let Some(uj) = uuid_json {
        let u = uj
            .as_str()
            .and_then(parse_uuid_text)
            .ok_or_else(|| OvsdbError::syntax(uj, "bad uuid"))?;
        if state.uuid_known(ti, &u) {
            return Err(OvsdbError::with_syntax(
                "duplicate uuid",
                uj,
                "This UUID would duplicate a UUID already present within the table or deleted within the same transaction.",
            )
            .into());
        }
        uuid = Some(u);
    }
    if let Some(nj) = uuid_name {
        let name = nj.as_str().unwrap_or_default();
        match ctx.symtab.create(name, uuid) {
            Some(u) => {
                if uuid.is_none() {
                    uuid = Some(u);
                }
            }
            None => {
                return Err(OvsdbError::with_syntax(
                    "duplicate uuid-name",
                    nj,
                    "This \"uuid-name\" appeared on an earlier \"insert\" operation.",
                )
                .into())
            }
        }
    }
    let uuid = match uuid {
        Some(u) => u,
        None => ctx.symtab.generate(),
    };
    if uuid_json.is_none() && state.uuid_known(ti, &uuid) {
        return Err(OvsdbError::with_syntax(
            "duplicate uuid",
            &uuid_to_json(&uuid),
            "This UUID would duplicate a UUID already present within the table or deleted within the same transaction.",
        )
        .into());
    }
    let values = parse_row(ts, row_json, ctx)?;
    let mut row = Row::new(ts, uuid, uuid::Uuid::nil());
    for (idx, d) in values {
        if idx >= N_RESERVED {
            row.set(idx, d);
        }
    }
    for (idx, cs) in ts.user_columns() {
        if let Some(d) = row.get(idx) {
            d.check_constraints(&cs.ty)?;
        }
    }
    state.insert(ti, row);
    Ok(obj(vec![("uuid", uuid_to_json(&uuid))]))
}

fn select(state: &mut TxnState<'_>, ctx: &mut ExecCtx<'_, '_>, p: &mut ObjParser<'_>) -> OpResult {
    let table = parse_table(state, p);
    let where_json = p.required("where", Kind::Array);
    let columns_json = p.optional("columns", Kind::Array);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let Some((ti, ts)) = table else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let cond = parse_where(ts, where_json, ctx)?;
    let columns = parse_columns(ts, columns_json)?;
    let rows: Vec<Value> = state
        .matching(ti, &cond)
        .iter()
        .filter_map(|u| state.get(ti, u))
        .map(|r| r.to_json(ts, &columns))
        .collect();
    Ok(obj(vec![("rows", Value::Array(rows))]))
}

fn update(
    state: &mut TxnState<'_>,
    ctx: &mut ExecCtx<'_, '_>,
    p: &mut ObjParser<'_>,
    op: &Value,
) -> OpResult {
    let table = parse_table(state, p);
    let where_json = p.required("where", Kind::Array);
    let row_json = p.required("row", Kind::Object);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let (Some((ti, ts)), Some(row_json)) = (table, row_json) else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let values = parse_row(ts, row_json, ctx)?;
    for (idx, _) in &values {
        if let Some(cs) = ts.columns.get(*idx) {
            if *idx < N_RESERVED || !cs.mutable {
                return Err(OvsdbError::with_syntax(
                    "constraint violation",
                    op,
                    format!(
                        "Cannot update immutable column {} in table {}.",
                        cs.name, ts.name
                    ),
                )
                .into());
            }
        }
    }
    let cond = parse_where(ts, where_json, ctx)?;
    let uuids = state.matching(ti, &cond);
    for u in &uuids {
        if let Some(row) = state.modify(ti, u) {
            for (idx, d) in &values {
                row.set(*idx, d.clone());
            }
        }
    }
    Ok(obj(vec![("count", Value::from(uuids.len()))]))
}

fn mutate(state: &mut TxnState<'_>, ctx: &mut ExecCtx<'_, '_>, p: &mut ObjParser<'_>) -> OpResult {
    let table = parse_table(state, p);
    let where_json = p.required("where", Kind::Array);
    let mutations_json = p.required("mutations", Kind::Array);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let (Some((ti, ts)), Some(mj)) = (table, mutations_json) else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let mutations = parse_mutations(ts, mj, Some(&mut ctx.symtab))?;
    let cond = parse_where(ts, where_json, ctx)?;
    let uuids = state.matching(ti, &cond);
    for u in &uuids {
        if let Some(row) = state.modify(ti, u) {
            apply_mutations(ts, row, &mutations)?;
        }
    }
    Ok(obj(vec![("count", Value::from(uuids.len()))]))
}

fn delete(state: &mut TxnState<'_>, ctx: &mut ExecCtx<'_, '_>, p: &mut ObjParser<'_>) -> OpResult {
    let table = parse_table(state, p);
    let where_json = p.required("where", Kind::Array);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let Some((ti, ts)) = table else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let cond = parse_where(ts, where_json, ctx)?;
    let uuids = state.matching(ti, &cond);
    for u in &uuids {
        state.delete(ti, u);
    }
    Ok(obj(vec![("count", Value::from(uuids.len()))]))
}

fn wait(state: &mut TxnState<'_>, ctx: &mut ExecCtx<'_, '_>, p: &mut ObjParser<'_>) -> OpResult {
    let table = parse_table(state, p);
    let where_json = p.required("where", Kind::Array);
    let columns_json = p.optional("columns", Kind::Array);
    let until = p.required("until", Kind::String);
    let rows_json = p.required("rows", Kind::Array);
    let timeout_json = p.optional("timeout", Kind::Integer);
    if let Some(e) = p.error() {
        return Err(e.into());
    }
    let (Some((ti, ts)), Some(until), Some(rows_json)) = (table, until, rows_json) else {
        return Err(OvsdbError::tag_only("syntax error").into());
    };
    let timeout = match timeout_json {
        Some(t) => {
            let v = crate::json::as_integer(t).unwrap_or(-1);
            if v < 0 {
                return Err(OvsdbError::syntax(t, "timeout must be nonnegative").into());
            }
            Some(v)
        }
        None => None,
    };
    let cond = parse_where(ts, where_json, ctx)?;
    let columns = parse_columns(ts, columns_json)?;
    let equal_wanted = match until.as_str() {
        Some("==") => true,
        Some("!=") => false,
        _ => return Err(OvsdbError::syntax(until, "\"until\" must be \"==\" or \"!=\"").into()),
    };
    let mut expected: HashSet<Vec<Datum>> = HashSet::new();
    for rj in rows_json.as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let values = parse_row(ts, rj, ctx)?;
        let mut row = Row::new(ts, uuid::Uuid::nil(), uuid::Uuid::nil());
        for (idx, d) in values {
            row.set(idx, d);
        }
        expected.insert(row.index_key(&columns));
    }
    let actual: HashSet<Vec<Datum>> = state
        .matching(ti, &cond)
        .iter()
        .filter_map(|u| state.get(ti, u))
        .map(|r| r.index_key(&columns))
        .collect();
    if (actual == expected) == equal_wanted {
        return Ok(obj(vec![]));
    }
    let timed_out = || OpStop::Error(OvsdbError::new("timed out", "\"where\" clause test failed"));
    match timeout {
        Some(0) => Err(timed_out()),
        Some(t) => {
            let deadline = ctx.env_started.saturating_add(t);
            if ctx.env_now >= deadline {
                Err(timed_out())
            } else {
                Err(OpStop::Blocked(Some(deadline)))
            }
        }
        None => Err(OpStop::Blocked(None)),
    }
}
