//! `ovsdb-client monitor` and `monitor-cond`.
//!
//! The command line names one table (or `ALL`) and optionally columns,
//! given as comma-separated lists that may also hold `!initial`,
//! `!insert`, `!delete` and `!modify` to leave those kinds of changes out.
//! Each list becomes its own monitor request for the table; a list (or a
//! command line) that names no column monitors every column: the user
//! columns in name order, then `_version`.  A column may appear only once
//! over all lists.  The initial contents and every update are
//! printed as a table with `row` and `action` columns in front; a modified
//! row prints as an `old` row (the changed columns' old values) and a
//! `new` row (`monitor`), or as one `modify` row holding the changes
//! (`monitor-cond`, whose updates are in the `update2` form).  With more
//! than one table each table is captioned with its name.  The command runs
//! until the connection closes or it is killed.

use std::io::Write;

use jsonrpc::Message;
use ovsdb::schema::{ColumnSchema, DatabaseSchema, TableSchema};
use ovsdb_client::rpc::{Rpc, RpcError};
use ovsdb_client::table::{Cell, Printer, Table};
use ovsdb_storage::shash;
use serde_json::{json, Map, Value};

use crate::commands::fetch_schema;
use crate::{Ctx, Fatal};

struct Monitored<'s> {
    table: &'s TableSchema,
    /// Every monitored column, in output order.
    columns: Vec<&'s ColumnSchema>,
    /// One monitor request per command-line argument: columns and the
    /// initial/insert/delete/modify selection.
    requests: Vec<(Vec<&'s ColumnSchema>, [bool; 4])>,
}

fn all_columns(table: &TableSchema) -> Vec<&ColumnSchema> {
    let mut columns: Vec<&ColumnSchema> = table.user_columns().map(|(_, c)| c).collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(v) = table.column("_version") {
        columns.push(v);
    }
    columns
}

/// Parses the column arguments: each one is a comma-separated list that
/// becomes its own monitor request (all columns when it names none).
fn parse_columns<'s>(
    server: &str,
    db: &str,
    table: &'s TableSchema,
    args: &[String],
) -> Result<Monitored<'s>, Fatal> {
    let mut requests = Vec::new();
    let mut columns: Vec<&ColumnSchema> = Vec::new();
    let default_arg = [String::new()];
    let args = if args.is_empty() {
        &default_arg[..]
    } else {
        args
    };
    for arg in args {
        let mut select = [true; 4];
        let mut cols: Vec<&ColumnSchema> = Vec::new();
        for tok in arg.split(',').filter(|t| !t.is_empty()) {
            match tok {
                "!initial" => select[0] = false,
                "!insert" => select[1] = false,
                "!delete" => select[2] = false,
                "!modify" => select[3] = false,
                name => cols.push(table.column(name).ok_or_else(|| {
                    Fatal(format!(
                        "{server}: table \"{}\" in {db} does not have a column named \"{name}\"",
                        table.name
                    ))
                })?),
            }
        }
        if cols.is_empty() {
            cols = all_columns(table);
        }
        for c in &cols {
            if columns.iter().any(|x| x.name == c.name) {
                return Err(Fatal(format!(
                    "{server}: column \"{}\" mentioned multiple times",
                    c.name
                )));
            }
            columns.push(c);
        }
        requests.push((cols, select));
    }
    Ok(Monitored {
        table,
        columns,
        requests,
    })
}

fn request(mts: &[Monitored<'_>], condition: Option<&Value>) -> Value {
    let mut m = Map::new();
    for mt in mts {
        let mut reqs = Vec::new();
        for (cols, select) in &mt.requests {
            let mut r = Map::new();
            r.insert(
                "columns".into(),
                Value::Array(cols.iter().map(|c| Value::String(c.name.clone())).collect()),
            );
            if let Some(c) = condition {
                r.insert("where".into(), c.clone());
            }
            let [initial, insert, delete, modify] = *select;
            r.insert(
                "select".into(),
                json!({"initial": initial, "insert": insert, "delete": delete, "modify": modify}),
            );
            reqs.push(Value::Object(r));
        }
        let v = if reqs.len() == 1 && condition.is_none() {
            reqs.pop().unwrap_or(Value::Null)
        } else {
            Value::Array(reqs)
        };
        m.insert(mt.table.name.clone(), v);
    }
    Value::Object(m)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn add_row(t: &mut Table, row: Option<&Value>, action: &str, uuid: &str, mt: &Monitored<'_>) {
    let obj = row.and_then(Value::as_object);
    let mut cells = vec![Cell::text(uuid), Cell::text(action)];
    for c in &mt.columns {
        cells.push(match obj.and_then(|o| o.get(&c.name)) {
            Some(v) => Cell::value(v.clone(), &c.ty),
            None => Cell::text(""),
        });
    }
    t.rows.push(cells);
}

fn print_update(
    printer: &mut Printer,
    ctx: &Ctx,
    mts: &[Monitored<'_>],
    update: &Value,
    initial: bool,
    v2: bool,
) {
    let Some(update) = update.as_object() else {
        return;
    };
    let mut out = String::new();
    for mt in mts {
        let Some(Value::Object(rows)) = update.get(&mt.table.name) else {
            continue;
        };
        let mut headings = vec!["row".to_string(), "action".to_string()];
        headings.extend(mt.columns.iter().map(|c| c.name.clone()));
        let mut t = Table::new(headings);
        if mts.len() > 1 {
            t.caption = Some(mt.table.name.clone());
        }
        if ctx.timestamp {
            t.timestamp_ms = Some(now_ms());
        }
        for (uuid, ru) in shash::reorder(rows.clone()) {
            let Some(ru) = ru.as_object() else { continue };
            if v2 {
                for (action, row) in ru {
                    add_row(&mut t, Some(row), action, &uuid, mt);
                }
                continue;
            }
            let (old, new) = (ru.get("old"), ru.get("new"));
            if initial {
                add_row(&mut t, new, "initial", &uuid, mt);
            } else if old.is_none() {
                add_row(&mut t, new, "insert", &uuid, mt);
            } else if new.is_none() {
                add_row(&mut t, old, "delete", &uuid, mt);
            } else {
                add_row(&mut t, old, "old", &uuid, mt);
                add_row(&mut t, new, "new", "", mt);
            }
        }
        out.push_str(&printer.print(&t, &ctx.style));
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

fn print_raw(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn tables_for<'s>(
    server: &str,
    db: &str,
    schema: &'s DatabaseSchema,
    table: &str,
    cols: &[String],
) -> Result<Vec<Monitored<'s>>, Fatal> {
    if table == "ALL" {
        let mut all: Vec<&TableSchema> = schema.tables.iter().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        return all
            .into_iter()
            .map(|t| parse_columns(server, db, t, &[]))
            .collect();
    }
    let t = schema.table(table).ok_or_else(|| {
        Fatal(format!(
            "{server}: {db} does not have a table named \"{table}\""
        ))
    })?;
    Ok(vec![parse_columns(server, db, t, cols)?])
}

/// Runs `monitor`, `monitor-cond` or `monitor-cond-since`.
pub fn run(name: &str, rpc: &mut Rpc, db: &str, args: &[String], ctx: &Ctx) -> Result<i32, Fatal> {
    let server = rpc.remote().to_string();
    let (schema, _) = fetch_schema(rpc, db)?;
    let mut last_id = None;
    let (condition, rest) = match name {
        "monitor" => (None, args),
        _ => {
            let mut args = args;
            if name == "monitor-cond-since" {
                if let Some(u) = args.first().and_then(|a| ovsdb::atom::parse_uuid_text(a)) {
                    last_id = Some(u);
                    args = args.get(1..).unwrap_or(&[]);
                }
            }
            let Some((c, rest)) = args.split_first() else {
                return Err(Fatal(format!(
                    "invalid syntax for '{name}' (use --help for help)"
                )));
            };
            let cond: Value = serde_json::from_str(c).map_err(|e| {
                Fatal(format!(
                    "\"{c}\": {}",
                    ovsdb_storage::parse::json_error(c, &e)
                ))
            })?;
            (Some(cond), rest)
        }
    };
    let Some((table, cols)) = rest.split_first() else {
        return Err(Fatal(format!(
            "invalid syntax for '{name}' (use --help for help)"
        )));
    };
    let mts = tables_for(&server, db, &schema, table, cols)?;
    let v2 = condition.is_some();
    let since = name == "monitor-cond-since";
    let method = match name {
        "monitor" => "monitor",
        "monitor-cond" => "monitor_cond",
        _ => "monitor_cond_since",
    };
    let req = request(&mts, condition.as_ref());
    let mut params = vec![Value::String(db.into()), json!("monitor"), req];
    if since {
        let id = last_id.unwrap_or_default();
        params.push(Value::String(id.to_string()));
    }
    let reply = rpc.call(method, params).map_err(|e| match e {
        RpcError::Server(err) => Fatal(format!(
            "{server}: {method} failed: {}",
            ovsdb::json::to_string_sorted(&err)
        )),
        other => Fatal(other.to_string()),
    })?;
    let mut printer = Printer::default();
    let initial = if since {
        let found = reply.get(0).and_then(Value::as_bool).unwrap_or(false);
        let id = reply.get(1).and_then(Value::as_str).unwrap_or("");
        print_raw(&format!("found: {found}, last_id: {id}\n"));
        reply.get(2).cloned().unwrap_or(Value::Null)
    } else {
        reply
    };
    // Initial update2 rows are already tagged "initial".
    print_update(&mut printer, ctx, &mts, &initial, !v2, v2);
    loop {
        match rpc.next_notification(None) {
            Ok(Message::Notify { method, params }) => match method.as_str() {
                "update" | "update2" => {
                    if let Some(u) = params.get(1) {
                        print_update(&mut printer, ctx, &mts, u, false, method == "update2");
                    }
                }
                "update3" => {
                    let id = params.get(1).and_then(Value::as_str).unwrap_or("");
                    let sep = if printer.printed() > 0 { "\n" } else { "" };
                    print_raw(&format!("{sep}last_id: {id}\n"));
                    printer.reset();
                    if let Some(u) = params.get(2) {
                        print_update(&mut printer, ctx, &mts, u, false, true);
                    }
                }
                _ => {}
            },
            Ok(_) => {}
            Err(RpcError::Transport { .. }) => return Ok(0),
            Err(e) => return Err(Fatal(e.to_string())),
        }
    }
}
