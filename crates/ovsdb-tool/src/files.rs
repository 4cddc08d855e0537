//! Reading schemas and database files, with Open vSwitch's error wording.
//!
//! [`read_schema`] loads a `.ovsschema` file as `ovsdb-tool` does (JSON
//! errors and schema errors are reported with the file name), and
//! [`open_db`] opens a standalone database file and replays every record
//! into an in-memory [`Database`] with `ovsdb_storage::replay` (the schema
//! record first, then each transaction record), the way `ovsdb-tool
//! query`/`transact`/`compact`/`convert` load a database before working on
//! it.  [`ToolError`] carries
//! the message the tool prints after `ovsdb-tool: `.

use std::path::{Path, PathBuf};

use ovsdb::db::Database;
use ovsdb::error::OvsdbError;
use ovsdb::schema::{DatabaseSchema, TableSchema};
use ovsdb_log::{DecodeError, DecodeErrorKind, LockError, Log, LogError, OpenMode, Opened};
use ovsdb_storage::replay::{replay, ReplayError, ReplayOptions};
use ovsdb_storage::shash::reorder;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A fatal error; Display is the text after `ovsdb-tool: `.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

impl From<OvsdbError> for ToolError {
    fn from(e: OvsdbError) -> Self {
        ToolError(e.to_message())
    }
}

/// An `io::Error` as C's `strerror` words it (without Rust's `(os error N)`).
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// The message Open vSwitch prints for a bad record in `path`.
pub fn decode_error_message(path: &Path, e: &DecodeError) -> String {
    match &e.kind {
        DecodeErrorKind::TruncatedBody { body_len, .. } => format!(
            "I/O error: {}: error reading {} bytes starting at offset {} (End of file)",
            path.display(),
            body_len,
            e.body_offset
        ),
        _ => format!("syntax error: {}: {}", path.display(), e),
    }
}

/// The pid holding a POSIX lock on the file with inode `ino`, from
/// `/proc/locks` (what Open vSwitch learns with `F_GETLK`).
fn lock_holder(ino: u64) -> Option<u32> {
    let text = std::fs::read_to_string("/proc/locks").ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        let dev_ino = f.get(5)?;
        let this_ino = dev_ino.rsplit(':').next()?.parse::<u64>().ok()?;
        (this_ino == ino && !l.contains("->")).then(|| f.get(4)?.parse().ok())?
    })
}

/// Prints the `lockfile` warnings Open vSwitch logs when it cannot lock
/// database `path` (on stderr, in its log format).
pub fn warn_lock_failure(path: &Path, e: &LockError) {
    use std::os::unix::fs::MetadataExt;
    let lock = ovsdb_log::lock::lock_file_name(path);
    let lock = lock.display();
    let stamp = || {
        let ts = ovsdb_client::table::format_timestamp(now_ms());
        format!(
            "{}T{}Z",
            ts.get(..10).unwrap_or(""),
            ts.get(11..19).unwrap_or("")
        )
    };
    match e {
        LockError::Busy { .. } => {
            let pid = std::fs::metadata(ovsdb_log::lock::lock_file_name(path))
                .ok()
                .and_then(|m| lock_holder(m.ino()))
                .unwrap_or(0);
            eprintln!(
                "{}|00001|lockfile|WARN|{lock}: cannot lock file because it is already locked by pid {pid}",
                stamp()
            );
        }
        LockError::Io { source, .. } => {
            let why = strerror(source);
            eprintln!(
                "{}|00001|lockfile|WARN|{lock}: failed to open lock file: {why}",
                stamp()
            );
            eprintln!(
                "{}|00002|lockfile|WARN|{lock}: failed to lock file: {why}",
                stamp()
            );
        }
        LockError::HeldByThisProcess { .. } => {}
    }
}

/// A lock error as Open vSwitch words it, without the `I/O error: ` that
/// some of its tools' paths add.
pub fn lock_error_message(e: &LockError) -> String {
    match e {
        LockError::Io { path, source } => format!(
            "{}: failed to lock lockfile ({})",
            path.display(),
            strerror(source)
        ),
        other => other.to_string(),
    }
}

/// A log error as Open vSwitch's tools print it.
pub fn log_error_message(e: &LogError) -> String {
    match e {
        LogError::Lock(l) => format!("I/O error: {}", lock_error_message(l)),
        LogError::Io { path, op, source } => format!(
            "I/O error: {}: {} failed ({})",
            path.display(),
            op,
            strerror(source)
        ),
        LogError::Corrupt { path, error } => decode_error_message(path, error),
        other => other.to_string(),
    }
}

/// Opens a log, mapping errors to Open vSwitch's wording (and printing its
/// lock warnings when the lock is taken).
pub fn open_log(path: &Path, mode: OpenMode) -> Result<Opened, ToolError> {
    Log::open(path, mode).map_err(|e| {
        if let LogError::Lock(l) = &e {
            warn_lock_failure(path, l);
        }
        ToolError(log_error_message(&e))
    })
}

/// Reads and parses a `.ovsschema` file.
pub fn read_schema(path: &Path) -> Result<(DatabaseSchema, Value), ToolError> {
    let p = path.display();
    let text = std::fs::read(path).map_err(|e| {
        ToolError(format!(
            "failed to read schema: \"{p}\" could not be read as JSON (error opening \"{p}\": {})",
            strerror(&e)
        ))
    })?;
    let json: Value = serde_json::from_slice(&text).map_err(|e| {
        ToolError(format!(
            "failed to read schema: \"{p}\" could not be read as JSON ({})",
            json_error(&String::from_utf8_lossy(&text), &e)
        ))
    })?;
    let schema = DatabaseSchema::from_json(&json).map_err(|e| {
        let mut e = e;
        let details = e.details.take().unwrap_or_default();
        e.details = Some(format!(
            "failed to parse \"{p}\" as ovsdb schema: {details}"
        ));
        ToolError::from(e)
    })?;
    Ok((schema, json))
}

/// The error for a database file without a schema record.
fn no_schema(path: &Path) -> ToolError {
    ToolError(format!(
        "ovsdb error: {}: cannot identify file type",
        path.display()
    ))
}

/// The schema stored in the first record of an opened log.
pub fn schema_of(path: &Path, opened: &Opened) -> Result<DatabaseSchema, ToolError> {
    let Some(first) = opened.records.first() else {
        return Err(no_schema(path));
    };
    Ok(DatabaseSchema::from_json(&Value::Object(
        first.value.clone(),
    ))?)
}

/// Reads only the schema of the database file `path`.
pub fn read_db_schema(path: &Path) -> Result<DatabaseSchema, ToolError> {
    let opened = open_log(path, OpenMode::ReadOnly)?;
    schema_of(path, &opened)
}

pub use ovsdb_storage::replay::RowOrder;

/// A database file loaded into memory.
#[derive(Debug)]
pub struct LoadedDb {
    /// The replayed database.
    pub db: Database,
    /// Row insertion order, per table.
    pub rows: RowOrder,
    /// The transaction records replayed (everything after the schema).
    pub records: Vec<Map<String, Value>>,
    /// The open log (writable if opened so).
    pub log: Log,
    /// The path it was opened with.
    pub path: PathBuf,
}

/// Opens `path` and replays it.  `writable` takes the lock, as `transact`,
/// `compact` and in-place `convert` do.
pub fn open_db(path: &Path, writable: bool) -> Result<LoadedDb, ToolError> {
    let mode = if writable {
        OpenMode::ReadWrite
    } else {
        OpenMode::ReadOnly
    };
    if writable {
        // Check without the lock first: a writable open would cut off a
        // damaged tail, but Open vSwitch's tools refuse such a file untouched.
        if let Some(e) = open_log(path, OpenMode::ReadOnly)?.tail_error {
            return Err(ToolError(decode_error_message(path, &e)));
        }
    }
    let opened = open_log(path, mode)?;
    if let Some(e) = &opened.tail_error {
        // Open vSwitch stops at a bad record in the middle of a file.
        return Err(ToolError(decode_error_message(path, e)));
    }
    let options = ReplayOptions {
        track_rows: true,
        keep_records: true,
    };
    let loaded = replay(opened, &mut uuid::Uuid::new_v4, options).map_err(|e| match e {
        ReplayError::NoSchema => no_schema(path),
        ReplayError::Schema(e) | ReplayError::Record { error: e, .. } => ToolError::from(e),
    })?;
    Ok(LoadedDb {
        db: loaded.db,
        rows: loaded.rows,
        records: loaded.records,
        log: loaded.log,
        path: path.to_path_buf(),
    })
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A transaction or snapshot record with every object's members in the
/// order Open vSwitch writes them: it fills each row object while iterating
/// the table's columns and the record while iterating the tables, then
/// serialises them in hash-map order (see [`ovsdb_storage::shash`]).
///
/// Tables are visited in `first_tables` order when given (a transaction
/// record lists tables in the order the transaction first touched them),
/// otherwise in the order of the database's own table map.
pub fn ovs_ordered(
    schema: &DatabaseSchema,
    v: Value,
    order: Option<&RowOrder>,
    first_tables: Option<&[String]>,
) -> Value {
    use ovsdb_storage::schema_json::{column_order, table_order};
    let Value::Object(mut rec) = v else { return v };
    let mut out = Map::new();
    // The database's own table map is filled from the schema's, so its
    // iteration is one more level of hash order.
    let tables = table_order(schema);
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut db_order: Vec<&TableSchema> = ovsdb_storage::shash::iteration_order(&names)
        .into_iter()
        .filter_map(|i| tables.get(i).copied())
        .collect();
    if let Some(first) = first_tables {
        let rank = |t: &TableSchema| {
            first
                .iter()
                .position(|n| *n == t.name)
                .unwrap_or(usize::MAX)
        };
        db_order.sort_by_key(|t| rank(t));
    }
    for ts in db_order {
        let Some(Value::Object(rows)) = rec.remove(&ts.name) else {
            continue;
        };
        let cols = column_order(ts);
        let mut rows: Vec<(String, Value)> = rows.into_iter().collect();
        if let Some(hmap) = order.and_then(|o| o.get(&ts.name)) {
            let pos: HashMap<String, usize> = hmap
                .keys()
                .into_iter()
                .enumerate()
                .map(|(i, u)| (u.to_string(), i))
                .collect();
            rows.sort_by_key(|(u, _)| pos.get(u).copied().unwrap_or(usize::MAX));
        }
        let rows: Map<String, Value> = rows
            .into_iter()
            .map(|(uuid, row)| {
                let row = match row {
                    Value::Object(mut r) => {
                        let mut m = Map::new();
                        for c in &cols {
                            if let Some(v) = r.remove(&c.name) {
                                m.insert(c.name.clone(), v);
                            }
                        }
                        m.extend(r);
                        Value::Object(reorder(m))
                    }
                    other => other,
                };
                (uuid, row)
            })
            .collect();
        out.insert(ts.name.clone(), Value::Object(reorder(rows)));
    }
    // Open vSwitch annotates a record with `_comment` before `_date`.
    for k in ["_comment", "_date", "_is_diff"] {
        if let Some(v) = rec.remove(k) {
            out.insert(k.to_string(), v);
        }
    }
    out.extend(rec);
    Value::Object(reorder(out))
}

pub use ovsdb_storage::parse::json_error;
