//! The `ovsdb-tool` commands.
//!
//! [`run`] checks the argument count the way Open vSwitch's command table
//! does (`'X' command requires at least N arguments` / `takes at most N
//! arguments`), fills in the default database and schema paths, and runs
//! the command.  It returns the exit status (`compare-versions` and the
//! `db-is-*` tests use 2 for "false") or a fatal error.

use std::path::{Path, PathBuf};

use daemon::Dirs;
use ovsdb::json::to_string_sorted;
use ovsdb::record;
use ovsdb::txn::{NoLocks, Outcome, TxnEnv};
use ovsdb_log::{Log, Magic, OpenMode};
use serde_json::{json, Value};

use crate::files::{
    self, log_error_message, now_ms, open_db, ovs_ordered, read_db_schema, read_schema, ToolError,
};
use crate::Options;

struct Spec {
    name: &'static str,
    min: usize,
    max: usize,
    /// Argument synopsis, as `list-commands` prints it.
    usage: &'static str,
}

const COMMANDS: &[Spec] = &[
    Spec {
        name: "create",
        min: 0,
        max: 2,
        usage: "[db [schema]]",
    },
    Spec {
        name: "create-cluster",
        min: 3,
        max: 3,
        usage: "db contents local",
    },
    Spec {
        name: "join-cluster",
        min: 4,
        max: usize::MAX,
        usage: "db name local remote...",
    },
    Spec {
        name: "compact",
        min: 0,
        max: 2,
        usage: "[db [dst]]",
    },
    Spec {
        name: "convert",
        min: 0,
        max: 3,
        usage: "[db [schema [dst]]]",
    },
    Spec {
        name: "needs-conversion",
        min: 0,
        max: 2,
        usage: "",
    },
    Spec {
        name: "db-name",
        min: 0,
        max: 1,
        usage: "[db]",
    },
    Spec {
        name: "db-version",
        min: 0,
        max: 1,
        usage: "[db]",
    },
    Spec {
        name: "db-cksum",
        min: 0,
        max: 1,
        usage: "[db]",
    },
    Spec {
        name: "db-cid",
        min: 1,
        max: 1,
        usage: "db",
    },
    Spec {
        name: "db-sid",
        min: 1,
        max: 1,
        usage: "db",
    },
    Spec {
        name: "db-local-address",
        min: 1,
        max: 1,
        usage: "db",
    },
    Spec {
        name: "db-is-clustered",
        min: 1,
        max: 1,
        usage: "db",
    },
    Spec {
        name: "db-is-standalone",
        min: 1,
        max: 1,
        usage: "db",
    },
    Spec {
        name: "schema-name",
        min: 0,
        max: 1,
        usage: "[schema]",
    },
    Spec {
        name: "schema-version",
        min: 0,
        max: 1,
        usage: "[schema]",
    },
    Spec {
        name: "schema-cksum",
        min: 0,
        max: 1,
        usage: "[schema]",
    },
    Spec {
        name: "query",
        min: 1,
        max: 2,
        usage: "[db] trns",
    },
    Spec {
        name: "transact",
        min: 1,
        max: 2,
        usage: "[db] trns",
    },
    Spec {
        name: "show-log",
        min: 0,
        max: 1,
        usage: "[db]",
    },
    Spec {
        name: "check-cluster",
        min: 1,
        max: usize::MAX,
        usage: "db...",
    },
    Spec {
        name: "compare-versions",
        min: 3,
        max: 3,
        usage: "a op b",
    },
    Spec {
        name: "help",
        min: 0,
        max: usize::MAX,
        usage: "",
    },
    Spec {
        name: "list-commands",
        min: 0,
        max: usize::MAX,
        usage: "",
    },
    Spec {
        name: "cluster-to-standalone",
        min: 2,
        max: 2,
        usage: "db clusterdb",
    },
];

const COMPACT_COMMENT: &str = "compacted by ovsdb-tool 3.1.0";
const CONVERT_COMMENT: &str = "converted by ovsdb-tool 3.1.0";

/// Runs command `name` with `args`; returns the exit status.
pub fn run(name: &str, args: &[String], opts: &Options, dirs: &Dirs) -> Result<i32, ToolError> {
    let Some(spec) = COMMANDS.iter().find(|c| c.name == name) else {
        return Err(ToolError(format!(
            "unknown command '{name}'; use --help for help"
        )));
    };
    if args.len() < spec.min {
        return Err(ToolError(format!(
            "'{name}' command requires at least {} arguments",
            spec.min
        )));
    }
    if args.len() > spec.max {
        return Err(ToolError(format!(
            "'{name}' command takes at most {} arguments",
            spec.max
        )));
    }
    let db_arg = |i: usize| -> PathBuf {
        args.get(i)
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.default_db())
    };
    let schema_arg = |i: usize| -> PathBuf {
        args.get(i)
            .map(PathBuf::from)
            .unwrap_or_else(|| dirs.pkgdatadir.join("vswitch.ovsschema"))
    };
    match name {
        "create" => create(&db_arg(0), &schema_arg(1)).map(|()| 0),
        "compact" => compact(&db_arg(0), args.get(1).map(Path::new)).map(|()| 0),
        "convert" => convert(&db_arg(0), &schema_arg(1), args.get(2).map(Path::new)).map(|()| 0),
        "needs-conversion" => {
            let db = read_db_schema(&db_arg(0))?;
            let (schema, _) = read_schema(&schema_arg(1))?;
            let same = to_string_sorted(&db.to_json()) == to_string_sorted(&schema.to_json());
            println!("{}", if same { "no" } else { "yes" });
            Ok(0)
        }
        "db-name" | "db-version" | "db-cksum" => {
            let s = read_db_schema(&db_arg(0))?;
            print_fact(name, &s);
            Ok(0)
        }
        "schema-name" | "schema-version" | "schema-cksum" => {
            let (s, _) = read_schema(&schema_arg(0))?;
            print_fact(name, &s);
            Ok(0)
        }
        "db-cid" | "db-sid" | "db-local-address" => {
            let path = db_arg(0);
            require_clustered(&path)?;
            Ok(0)
        }
        "db-is-clustered" | "db-is-standalone" => {
            let path = db_arg(0);
            let magic = file_magic(&path)?;
            let clustered = magic == Magic::Clustered;
            Ok(if clustered == (name == "db-is-clustered") {
                0
            } else {
                2
            })
        }
        "check-cluster" => {
            let path = db_arg(0);
            if file_magic(&path)? != Magic::Clustered {
                return Err(ToolError(format!(
                    "ovsdb error: {}: cannot identify file type",
                    path.display()
                )));
            }
            Err(clustered_unsupported(&path))
        }
        "cluster-to-standalone" => {
            let src = db_arg(1);
            if file_magic(&src)? != Magic::Clustered {
                return Err(ToolError("Database is not clustered db.\n".into()));
            }
            Err(clustered_unsupported(&src))
        }
        "create-cluster" | "join-cluster" => Err(ToolError(
            "clustered databases are not supported by ferroswitch".into(),
        )),
        "compare-versions" => compare_versions(args),
        "query" | "transact" => {
            let (db, txn) = match args {
                [txn] => (dirs.default_db(), txn),
                [db, txn, ..] => (PathBuf::from(db), txn),
                [] => return Ok(1),
            };
            transact(&db, txn, name == "transact")
        }
        "show-log" => crate::showlog::show_log(&db_arg(0), opts.more).map(|()| 0),
        "list-commands" => {
            println!("The available commands are:");
            for c in COMMANDS {
                println!("  {:<24}{}", c.name, c.usage);
            }
            Ok(0)
        }
        _ => {
            print!("{}", crate::usage(dirs));
            Ok(0)
        }
    }
}

fn print_fact(cmd: &str, s: &ovsdb::schema::DatabaseSchema) {
    let v = if cmd.ends_with("name") {
        s.name.as_str()
    } else if cmd.ends_with("version") {
        s.version.as_deref().unwrap_or("")
    } else {
        s.cksum.as_deref().unwrap_or("")
    };
    println!("{v}");
}

fn clustered_unsupported(path: &Path) -> ToolError {
    ToolError(format!(
        "{}: clustered databases are not supported by ferroswitch",
        path.display()
    ))
}

/// The magic of the first record of `path`.
fn file_magic(path: &Path) -> Result<Magic, ToolError> {
    let data = std::fs::read(path).map_err(|e| {
        ToolError(format!(
            "I/O error: {}: open failed ({})",
            path.display(),
            files::strerror(&e)
        ))
    })?;
    if data.is_empty() {
        return Err(ToolError(format!(
            "ovsdb error: {}: cannot identify file type",
            path.display()
        )));
    }
    ovsdb_log::codec::identify(&data).ok_or_else(|| {
        ToolError(format!(
            "ovsdb error: {}: unexpected file format",
            path.display()
        ))
    })
}

fn require_clustered(path: &Path) -> Result<(), ToolError> {
    if file_magic(path)? != Magic::Clustered {
        return Err(ToolError(format!(
            "{}: not a clustered database",
            path.display()
        )));
    }
    Err(clustered_unsupported(path))
}

fn parse_version(s: &str) -> Result<(u32, u32, u32), ToolError> {
    let bad = || ToolError(format!("{s}: not an OVSDB version number in format x.y.z"));
    if !ovsdb::schema::is_valid_version(s) {
        return Err(bad());
    }
    let mut it = s.split('.').map(|p| p.parse::<u32>());
    match (it.next(), it.next(), it.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => Ok((a, b, c)),
        _ => Err(bad()),
    }
}

fn compare_versions(args: &[String]) -> Result<i32, ToolError> {
    let (Some(a), Some(op), Some(b)) = (args.first(), args.get(1), args.get(2)) else {
        return Ok(1);
    };
    let a = parse_version(a)?;
    let b = parse_version(b)?;
    let c = a.cmp(&b);
    use std::cmp::Ordering::*;
    let r = match op.as_str() {
        "<" => c == Less,
        "<=" => c != Greater,
        "==" => c == Equal,
        ">=" => c != Less,
        ">" => c == Greater,
        "!=" => c != Equal,
        _ => return Err(ToolError(format!("{op}: not a relational operator"))),
    };
    Ok(if r { 0 } else { 2 })
}

fn create(db: &Path, schema_path: &Path) -> Result<(), ToolError> {
    let (schema, _) = read_schema(schema_path)?;
    // Open vSwitch refuses to overwrite an existing file.
    if std::fs::symlink_metadata(db).is_ok() {
        return Err(ToolError(format!(
            "I/O error: {}: create failed (File exists)",
            db.display()
        )));
    }
    let mut opened = files::open_log(db, OpenMode::CreateExcl)
        .map_err(|e| ToolError(e.0.replace(": open failed", ": create failed")))?;
    let record = ovsdb_storage::schema_json::schema_to_json(&schema);
    opened
        .log
        .append(&record, true)
        .map_err(|e| ToolError(log_error_message(&e)))?;
    Ok(())
}

/// Writes `records` as the new contents of `dst` (in place when `dst` is
/// the log itself, else as a new file).
fn write_db(log: &mut Log, dst: Option<&Path>, records: &[Value]) -> Result<(), ToolError> {
    match dst {
        None => log
            .replace(records)
            .map_err(|e| ToolError(log_error_message(&e))),
        Some(path) => {
            let _ = std::fs::remove_file(path);
            let mut opened = files::open_log(path, OpenMode::CreateExcl)?;
            for r in records {
                opened
                    .log
                    .append(r, false)
                    .map_err(|e| ToolError(log_error_message(&e)))?;
            }
            opened
                .log
                .sync()
                .map_err(|e| ToolError(log_error_message(&e)))
        }
    }
}

fn snapshot_records(
    db: &ovsdb::db::Database,
    order: &files::RowOrder,
    comment: &str,
) -> Vec<Value> {
    vec![
        ovsdb_storage::schema_json::schema_to_json(db.schema()),
        ovs_ordered(
            db.schema(),
            record::snapshot_record(db, now_ms(), Some(comment)),
            Some(order),
            None,
        ),
    ]
}

/// Takes the lock on the file `compact`/`convert` will write, worded as
/// Open vSwitch words it there (no `I/O error: ` prefix).
fn lock_target(path: &Path) -> Result<ovsdb_log::LockFile, ToolError> {
    ovsdb_log::LockFile::lock_for(path).map_err(|e| {
        files::warn_lock_failure(path, &e);
        ToolError(files::lock_error_message(&e))
    })
}

fn compact(db: &Path, dst: Option<&Path>) -> Result<(), ToolError> {
    if let Some(d) = dst {
        drop(lock_target(d)?);
    } else {
        drop(lock_target(db)?);
    }
    let mut loaded = open_db(db, dst.is_none())?;
    let records = snapshot_records(&loaded.db, &loaded.rows, COMPACT_COMMENT);
    write_db(&mut loaded.log, dst, &records)
}

fn convert(db: &Path, schema_path: &Path, dst: Option<&Path>) -> Result<(), ToolError> {
    if let Some(d) = dst {
        drop(lock_target(d)?);
    } else {
        drop(lock_target(db)?);
    }
    let mut loaded = open_db(db, dst.is_none())?;
    let (schema, _) = read_schema(schema_path)?;
    check_records_fit(&loaded.records, &schema)?;
    let mut gen = uuid::Uuid::new_v4;
    let new = ovsdb::convert::convert(&loaded.db, std::sync::Arc::new(schema), &mut gen)?;
    // The converted tables iterate their rows as the old ones did.
    let mut order = files::RowOrder::new();
    for (table, old) in &loaded.rows {
        let mut fresh = old.clone();
        for u in old.keys() {
            if new.row(table, &u).is_none() {
                fresh.remove(ovsdb_storage::shash::uuid_hash(&u), &u);
            }
        }
        order.insert(table.clone(), fresh);
    }
    let records = snapshot_records(&new, &order, CONVERT_COMMENT);
    write_db(&mut loaded.log, dst, &records)
}

fn transact(db: &Path, txn_text: &str, write: bool) -> Result<i32, ToolError> {
    let mut loaded = open_db(db, write)?;
    let params: Value = serde_json::from_str(txn_text).map_err(|e| {
        ToolError(format!(
            "\"{txn_text}\": {}",
            files::json_error(txn_text, &e)
        ))
    })?;
    let now = now_ms();
    let mut gen = uuid::Uuid::new_v4;
    let mut env = TxnEnv::new(now, &mut gen, &NoLocks);
    // Tables in the order the operations first name them.
    let mut touched: Vec<String> = Vec::new();
    for op in params.as_array().into_iter().flatten() {
        if let Some(t) = op.get("table").and_then(Value::as_str) {
            if !touched.iter().any(|x| x == t) {
                touched.push(t.to_string());
            }
        }
    }
    let result = match loaded.db.execute(&params, &mut env) {
        Outcome::Done(r) => {
            let mut result = r.result;
            if r.success {
                if let Some(rec) =
                    record::txn_record(loaded.db.schema(), &r.changes, now, r.comment.as_deref())
                {
                    if write {
                        loaded
                            .log
                            .append(
                                &ovs_ordered(loaded.db.schema(), rec, None, Some(&touched)),
                                true,
                            )
                            .map_err(|e| ToolError(log_error_message(&e)))?;
                    } else if let Value::Array(a) = &mut result {
                        // Open vSwitch 3.1 tries to write the read-only
                        // log and reports the failure in the result.
                        a.push(json!({
                            "details": format!(
                                "{}: cannot truncate to length {}",
                                loaded.path.display(),
                                loaded.log.size()
                            ),
                            "error": "I/O error",
                            "io-error": "Invalid argument"
                        }));
                    }
                }
                loaded.db.commit(&r.changes);
            }
            result
        }
        Outcome::Blocked { .. } => blocked_result(&loaded.db, &params, now),
    };
    println!("{}", to_string_sorted(&result));
    Ok(0)
}

/// The result Open vSwitch's tool prints for a transaction whose `wait`
/// would block (it has no triggers): the results of the operations before
/// the blocking `wait`, an error for it and `null` for the rest.
fn blocked_result(db: &ovsdb::db::Database, params: &Value, now: i64) -> Value {
    let Some(all) = params.as_array() else {
        return Value::Null;
    };
    let n_ops = all.len().saturating_sub(1);
    let mut gen = uuid::Uuid::new_v4;
    for k in 1..=n_ops {
        let prefix = Value::Array(all.iter().take(k + 1).cloned().collect());
        let mut env = TxnEnv::new(now, &mut gen, &NoLocks);
        if let Outcome::Blocked { .. } = db.execute(&prefix, &mut env) {
            let before = Value::Array(all.iter().take(k).cloned().collect());
            let mut env = TxnEnv::new(now, &mut gen, &NoLocks);
            let mut results = match db.execute(&before, &mut env) {
                Outcome::Done(r) => r.result.as_array().cloned().unwrap_or_default(),
                Outcome::Blocked { .. } => Vec::new(),
            };
            results.push(json!({"details": "triggers not supported", "error": "not supported"}));
            results.resize(n_ops, Value::Null);
            return Value::Array(results);
        }
    }
    Value::Null
}

/// Open vSwitch converts a database by replaying its log against the new
/// schema, so a value anywhere in the log (even one a later record
/// replaced) that does not fit the new column type fails the conversion,
/// with the value's own error.  Tables and columns the new schema drops are
/// ignored.
fn check_records_fit(
    records: &[serde_json::Map<String, Value>],
    schema: &ovsdb::schema::DatabaseSchema,
) -> Result<(), ToolError> {
    for rec in records {
        let is_diff = rec.get("_is_diff").and_then(Value::as_bool) == Some(true);
        for (table, rows) in ovsdb_storage::shash::reorder(rec.clone()) {
            let (Some(ts), Value::Object(rows)) = (schema.table(&table), rows) else {
                continue;
            };
            for (_, row) in ovsdb_storage::shash::reorder(rows) {
                let Value::Object(row) = row else { continue };
                for (col, value) in ovsdb_storage::shash::reorder(row) {
                    let Some(c) = ts.column(&col) else { continue };
                    let mut ty = c.ty.clone();
                    if is_diff && ty.max > 1 {
                        ty.min = 0;
                        ty.max = ovsdb::types::UNLIMITED;
                    }
                    if let Err(e) = ovsdb::datum::Datum::from_json(&ty, &value, None) {
                        return Err(e.into());
                    }
                }
            }
        }
    }
    Ok(())
}
