//! The one-shot `ovsdb-client` commands (`list-dbs`, `get-schema*`,
//! `list-tables`, `list-columns`, `transact`, `query`, `wait`, locks) and
//! the dispatcher that also routes to `monitor` and `dump`.

use std::collections::BTreeMap;

use daemon::Dirs;
use ovsdb::json::to_string_sorted;
use ovsdb::schema::DatabaseSchema;
use ovsdb_client::rpc::{Rpc, RpcError};
use ovsdb_client::table::{json_text, Cell, Printer, Table};
use ovsdb_storage::schema_json::{column_order, table_order};
use serde_json::{json, Value};

use crate::{Ctx, Fatal};

/// `ovsdb-client --help`.
pub fn usage(dirs: &Dirs) -> String {
    include_str!("usage.txt")
        .replace("@REMOTE@", &dirs.default_db_remote())
        .replace("@RUNDIR@", &dirs.rundir.display().to_string())
        .replace("@LOGDIR@", &dirs.logdir.display().to_string())
}

/// The databases the server has, sorted.
pub fn fetch_dbs(rpc: &mut Rpc) -> Result<Vec<String>, Fatal> {
    let result = rpc.call("list_dbs", vec![]).map_err(|e| match e {
        RpcError::Server(err) => Fatal(format!(
            "list_dbs request returned error: {}",
            to_string_sorted(&err)
        )),
        other => Fatal(other.to_string()),
    })?;
    let Some(a) = result.as_array() else {
        return Err(Fatal("list_dbs response is not array".into()));
    };
    let mut names = Vec::new();
    for v in a {
        match v.as_str() {
            Some(s) => names.push(s.to_string()),
            None => return Err(Fatal("list_dbs response 0 is not string".into())),
        }
    }
    names.sort();
    Ok(names)
}

/// Fetches and parses the schema of `db`; also returns its JSON.
pub fn fetch_schema(rpc: &mut Rpc, db: &str) -> Result<(DatabaseSchema, Value), Fatal> {
    let result = rpc
        .call("get_schema", vec![Value::String(db.into())])
        .map_err(|e| match e {
            RpcError::Server(err) => Fatal(format!(
                "get_schema request returned error: {}",
                to_string_sorted(&err)
            )),
            other => Fatal(other.to_string()),
        })?;
    let schema = DatabaseSchema::from_json(&result).map_err(|e| Fatal(e.to_message()))?;
    Ok((schema, result))
}

/// Sends a `transact` and returns its result, or dies with Open vSwitch's
/// message for an error reply.
pub fn transact(rpc: &mut Rpc, params: Vec<Value>) -> Result<Value, Fatal> {
    rpc.call("transact", params).map_err(|e| match e {
        RpcError::Server(err) => Fatal(format!(
            "transaction returned error: {}",
            to_string_sorted(&err)
        )),
        other => Fatal(other.to_string()),
    })
}

fn parse_json_arg(s: &str) -> Result<Value, Fatal> {
    serde_json::from_str(s).map_err(|e| {
        Fatal(format!(
            "\"{s}\": {}",
            ovsdb_storage::parse::json_error(s, &e)
        ))
    })
}

/// Runs command `name`; returns the exit status.
pub fn run(
    name: &str,
    rpc: Option<Rpc>,
    db: Option<&str>,
    args: &[String],
    ctx: &Ctx,
) -> Result<i32, Fatal> {
    if name == "wait" {
        return wait(args, ctx);
    }
    if name == "help" {
        print!("{}", usage(&ctx.dirs));
        return Ok(0);
    }
    let Some(mut rpc) = rpc else { return Ok(1) };
    let db = db.unwrap_or("");
    match name {
        "list-dbs" => {
            for d in fetch_dbs(&mut rpc)? {
                println!("{d}");
            }
            Ok(0)
        }
        "get-schema" => {
            let (_, json) = fetch_schema(&mut rpc, db)?;
            println!("{}", json_text(&json, ctx.style.pretty));
            Ok(0)
        }
        "get-schema-version" | "get-schema-cksum" => {
            let (s, _) = fetch_schema(&mut rpc, db)?;
            let v = if name.ends_with("version") {
                s.version
            } else {
                s.cksum
            };
            println!("{}", v.unwrap_or_default());
            Ok(0)
        }
        "list-tables" => {
            let (s, _) = fetch_schema(&mut rpc, db)?;
            let mut t = Table::new(vec!["Table".into()]);
            for ts in table_order(&s) {
                t.rows.push(vec![Cell::text(ts.name.clone())]);
            }
            print!("{}", Printer::default().print(&t, &ctx.style));
            Ok(0)
        }
        "list-columns" => {
            let (s, _) = fetch_schema(&mut rpc, db)?;
            let only = args.first();
            let mut headings = Vec::new();
            if only.is_none() {
                headings.push("Table".to_string());
            }
            headings.push("Column".into());
            headings.push("Type".into());
            let mut t = Table::new(headings);
            for ts in table_order(&s) {
                if only.is_some_and(|o| *o != ts.name) {
                    continue;
                }
                for c in column_order(ts) {
                    let mut row = Vec::new();
                    if only.is_none() {
                        row.push(Cell::text(ts.name.clone()));
                    }
                    row.push(Cell::text(c.name.clone()));
                    row.push(Cell::text(to_string_sorted(&c.ty.to_json())));
                    t.rows.push(row);
                }
            }
            print!("{}", Printer::default().print(&t, &ctx.style));
            Ok(0)
        }
        "transact" | "query" => {
            let txn = parse_json_arg(args.first().map(String::as_str).unwrap_or(""))?;
            let Value::Array(mut params) = txn else {
                return Err(Fatal("not a valid OVSDB query".into()));
            };
            let abort_idx = if name == "query" {
                params.push(json!({"op": "abort"}));
                params.len().checked_sub(2)
            } else {
                None
            };
            let mut result = transact(&mut rpc, params)?;
            if let (Some(i), Value::Array(a)) = (abort_idx, &mut result) {
                let aborted = a
                    .get(i)
                    .and_then(|r| r.get("error"))
                    .and_then(Value::as_str)
                    == Some("aborted");
                if aborted {
                    a.remove(i);
                }
            }
            println!("{}", json_text(&result, ctx.style.pretty));
            Ok(0)
        }
        "monitor" | "monitor-cond" | "monitor-cond-since" => {
            crate::monitor::run(name, &mut rpc, db, args, ctx)
        }
        "dump" => crate::dump::dump(&mut rpc, db, args, ctx),
        "backup" => crate::dump::backup(&mut rpc, db),
        "restore" => crate::restore::restore(&mut rpc, db, ctx),
        "convert" => crate::restore::convert(&mut rpc, args.first().map_or("", String::as_str)),
        "needs-conversion" => {
            crate::restore::needs_conversion(&mut rpc, args.first().map_or("", String::as_str))
        }
        "lock" | "steal" | "unlock" => {
            let lock = args.first().cloned().unwrap_or_default();
            let r = rpc
                .call(name, vec![Value::String(lock)])
                .map_err(|e| Fatal(e.to_string()))?;
            println!("{}", json_text(&r, ctx.style.pretty));
            if name == "unlock" {
                return Ok(0);
            }
            loop {
                let m = rpc
                    .next_notification(None)
                    .map_err(|e| Fatal(e.to_string()))?;
                if let jsonrpc::Message::Notify { method, params } = m {
                    println!("{method}: {}", json_text(&Value::Array(params), false));
                }
            }
        }
        _ => Err(Fatal(format!(
            "'{name}' command is not supported by ferroswitch"
        ))),
    }
}

fn vlog_line(seq: usize, module: &str, level: &str, msg: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let ts = ovsdb_client::table::format_timestamp(now);
    let date = ts.get(..10).unwrap_or("");
    let time = ts.get(11..19).unwrap_or("");
    eprintln!("{date}T{time}Z|{seq:05}|{module}|{level}|{msg}");
}

/// `wait [SERVER] DATABASE STATE`.
fn wait(args: &[String], ctx: &Ctx) -> Result<i32, Fatal> {
    let (server, rest) = match args {
        [s, rest @ ..] if args.len() > 2 && crate::looks_like_server(s) => (s.clone(), rest),
        _ => (ctx.dirs.default_db_remote(), args),
    };
    let (Some(db), Some(state)) = (rest.first(), rest.get(1)) else {
        return Err(Fatal(
            "invalid syntax for 'wait' (use --help for help)".into(),
        ));
    };
    if !matches!(state.as_str(), "added" | "connected" | "removed") {
        return Err(Fatal(format!("{state}: unknown state")));
    }
    vlog_line(1, "reconnect", "INFO", &format!("{server}: connecting..."));
    let mut rpc = loop {
        match Rpc::connect_with(&server, ctx.dirs.rundir.clone(), ctx.tls.clone()) {
            Ok(r) => break r,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(500)),
        }
    };
    vlog_line(2, "reconnect", "INFO", &format!("{server}: connected"));
    let req = json!({"Database": [{"columns": ["name", "connected"]}]});
    let initial = rpc
        .call("monitor", vec![json!("_Server"), json!("wait"), req])
        .map_err(|e| Fatal(e.to_string()))?;
    let mut rows: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let apply = |update: &Value, rows: &mut BTreeMap<String, (String, bool)>| {
        if let Some(t) = update.get("Database").and_then(Value::as_object) {
            for (uuid, ru) in t {
                match ru.get("new") {
                    Some(new) => {
                        let name = new
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .or_else(|| rows.get(uuid).map(|r| r.0.clone()))
                            .unwrap_or_default();
                        let connected = new
                            .get("connected")
                            .and_then(Value::as_bool)
                            .or_else(|| rows.get(uuid).map(|r| r.1))
                            .unwrap_or(false);
                        rows.insert(uuid.clone(), (name, connected));
                    }
                    None => {
                        rows.remove(uuid);
                    }
                }
            }
        }
    };
    apply(&initial, &mut rows);
    loop {
        let found = rows.values().find(|(n, _)| n == db);
        let done = match state.as_str() {
            "added" => found.is_some(),
            "connected" => found.is_some_and(|r| r.1),
            _ => found.is_none(),
        };
        if done {
            return Ok(0);
        }
        match rpc.next_notification(None) {
            Ok(jsonrpc::Message::Notify { method, params }) if method == "update" => {
                if let Some(u) = params.get(1) {
                    apply(u, &mut rows);
                }
            }
            Ok(_) => {}
            Err(e) => return Err(Fatal(e.to_string())),
        }
    }
}
