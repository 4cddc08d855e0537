//! Replaying a standalone database file into an in-memory database.
//!
//! A standalone OVSDB file is a log whose first record is the schema and whose later records are
//! transactions (or, after compaction, one snapshot). Loading it means parsing the schema into a
//! fresh [`Database`] and applying every later record in file order with
//! [`ovsdb::record::apply_record`]. The server does this before serving a file, and the offline
//! tool before querying, transacting on, compacting or converting one; [`replay`] is the single
//! implementation both use.
//!
//! The caller opens the log itself (with `ovsdb_log::Log::open`), because what a damaged tail
//! means and how an open failure is worded differ: the server logs a warning and serves what
//! was good, the tool refuses the file. [`replay`] consumes the [`Opened`] log, hands the
//! damaged-tail facts back in [`Loaded`], and reports schema or record failures as a typed
//! [`ReplayError`] that each caller words as Open vSwitch's corresponding program does.
//!
//! Open vSwitch writes rows in the order its per-table hash map iterates them, which depends on
//! the order rows were inserted and removed while replaying. With
//! [`ReplayOptions::track_rows`] the replay simulates those maps (see [`crate::shash::Hmap`]),
//! visiting each record's tables and rows in the order Open vSwitch's replay visits them, so
//! that a compacted or converted file can list rows in the same order.

use std::collections::HashMap;

use ovsdb::db::Database;
use ovsdb::error::OvsdbError;
use ovsdb::record;
use ovsdb::schema::DatabaseSchema;
use ovsdb_log::{DecodeError, Log, Opened};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::shash::{reorder, uuid_hash, Hmap};

/// For each table, Open vSwitch's row hash map as the replay would have filled it (its
/// iteration order decides the order rows are written).
pub type RowOrder = HashMap<String, Hmap<Uuid>>;

/// What [`replay`] keeps besides the database.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplayOptions {
    /// Simulate Open vSwitch's per-table row hash maps into [`Loaded::rows`].
    pub track_rows: bool,
    /// Keep the transaction records in [`Loaded::records`].
    pub keep_records: bool,
}

/// A database file loaded into memory.
#[derive(Debug)]
pub struct Loaded {
    /// The replayed database.
    pub db: Database,
    /// Row insertion order per table (empty unless [`ReplayOptions::track_rows`]).
    pub rows: RowOrder,
    /// The transaction records replayed, everything after the schema (empty unless
    /// [`ReplayOptions::keep_records`]).
    pub records: Vec<Map<String, Value>>,
    /// The open log, positioned after the last good record.
    pub log: Log,
    /// The first bad record, when the file had a damaged tail.
    pub tail_error: Option<DecodeError>,
    /// How many bytes of damaged tail followed the last good record.
    pub discarded_bytes: u64,
}

/// Why a log could not be replayed. Display is the reason without the file name.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The log has no records at all.
    #[error("database file contains no schema")]
    NoSchema,
    /// The first record is not a valid schema.
    #[error("{0}")]
    Schema(OvsdbError),
    /// A transaction record does not apply to the database.
    #[error("record at offset {offset}: {error}")]
    Record {
        /// Byte offset of the record in the file.
        offset: u64,
        /// Why it does not apply.
        error: OvsdbError,
    },
}

/// Builds the database the records of `opened` describe: the first record is the schema, every
/// later one is applied in order, drawing fresh UUIDs from `uuid_gen`.
pub fn replay(
    opened: Opened,
    uuid_gen: &mut dyn FnMut() -> Uuid,
    options: ReplayOptions,
) -> Result<Loaded, ReplayError> {
    let mut records = opened.records.into_iter();
    let schema_rec = records.next().ok_or(ReplayError::NoSchema)?;
    let schema =
        DatabaseSchema::from_json(&Value::Object(schema_rec.value)).map_err(ReplayError::Schema)?;
    let mut db = Database::new(schema);
    let mut rows = RowOrder::new();
    let mut kept = Vec::new();
    for rec in records {
        if options.track_rows {
            track_rows(&mut rows, &rec.value, &db);
        }
        let value = Value::Object(rec.value);
        record::apply_record(&mut db, &value, uuid_gen).map_err(|error| ReplayError::Record {
            offset: rec.offset,
            error,
        })?;
        if options.keep_records {
            if let Value::Object(m) = value {
                kept.push(m);
            }
        }
    }
    Ok(Loaded {
        db,
        rows,
        records: kept,
        log: opened.log,
        tail_error: opened.tail_error,
        discarded_bytes: opened.discarded_bytes,
    })
}

/// Records in `order` the rows `record` inserts and deletes (against `db`, before the record is
/// applied), visiting them in the order Open vSwitch's replay does.
fn track_rows(order: &mut RowOrder, record: &Map<String, Value>, db: &Database) {
    for (table, rows) in reorder(record.clone()) {
        let Value::Object(rows) = rows else { continue };
        if table.starts_with('_') {
            continue;
        }
        let map = order.entry(table.clone()).or_default();
        for (u, row) in reorder(rows) {
            let Some(u) = ovsdb::atom::parse_uuid_text(&u) else {
                continue;
            };
            let present = db.row(&table, &u).is_some();
            if row.is_null() {
                map.remove(uuid_hash(&u), &u);
            } else if !present {
                map.insert(uuid_hash(&u), u);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovsdb_log::OpenMode;
    use serde_json::json;

    const A: &str = "8c2b5d7e-1111-4a4a-8b8b-000000000001";
    const B: &str = "1d3c6e8f-2222-4a4a-8b8b-000000000002";

    fn schema() -> Value {
        json!({"name": "T", "tables": {"t": {"columns": {"n": {"type": "integer"}}}}})
    }

    fn write(dir: &tempfile::TempDir, records: &[Value]) -> std::path::PathBuf {
        let path = dir.path().join("db");
        let mut opened = Log::open(&path, OpenMode::CreateExcl).expect("create");
        for r in records {
            opened.log.append(r, false).expect("append");
        }
        path
    }

    fn load(path: &std::path::Path, options: ReplayOptions) -> Result<Loaded, ReplayError> {
        let opened = Log::open(path, OpenMode::ReadOnly).expect("open");
        replay(opened, &mut Uuid::new_v4, options)
    }

    #[test]
    fn replays_records_and_tracks_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            &dir,
            &[
                schema(),
                json!({"t": {A: {"n": 1}, B: {"n": 2}}}),
                json!({"t": {A: null}}),
            ],
        );
        let all = ReplayOptions {
            track_rows: true,
            keep_records: true,
        };
        let loaded = load(&path, all).expect("replay");
        let a = Uuid::parse_str(A).expect("uuid");
        let b = Uuid::parse_str(B).expect("uuid");
        assert!(loaded.db.row("t", &a).is_none());
        assert!(loaded.db.row("t", &b).is_some());
        assert_eq!(loaded.records.len(), 2);
        assert_eq!(loaded.rows.get("t").map(|m| m.keys()), Some(vec![b]));
        assert!(loaded.tail_error.is_none());

        let bare = load(&path, ReplayOptions::default()).expect("replay");
        assert!(bare.rows.is_empty() && bare.records.is_empty());
        assert!(bare.db.row("t", &b).is_some());
    }

    #[test]
    fn failures_are_typed() {
        // (An empty file is refused by `Log::open` before replay sees it.)
        let dir = tempfile::tempdir().expect("tempdir");
        let bad_schema = write(&dir, &[json!({"tables": {}})]);
        assert!(matches!(
            load(&bad_schema, ReplayOptions::default()),
            Err(ReplayError::Schema(_))
        ));

        let dir = tempfile::tempdir().expect("tempdir");
        let bad_record = write(&dir, &[schema(), json!({"nosuch": {A: {}}})]);
        let err = load(&bad_record, ReplayOptions::default()).expect_err("bad record");
        let ReplayError::Record { offset, .. } = &err else {
            panic!("unexpected {err:?}");
        };
        assert!(*offset > 0);
        assert!(err
            .to_string()
            .starts_with(&format!("record at offset {offset}: ")));
    }
}
