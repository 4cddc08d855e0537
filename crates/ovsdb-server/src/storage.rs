//! One database served from one file: the in-memory engine plus its on-disk log.
//!
//! Opening replays the file (the schema record, then every transaction record) into an
//! [`ovsdb::db::Database`] with `ovsdb_storage::replay`. A torn or corrupt tail (a crash
//! mid-write) is reported and dropped; everything before it is kept, as Open vSwitch does. Committing appends one record per
//! transaction; [`StoredDb::write_pending`] writes a batch's records with one write and the
//! server `fdatasync`s them (inline with [`StoredDb::sync`], or on its sync thread through
//! [`StoredDb::sync_handle`]) before any reply of the batch leaves (group commit). Compaction
//! rewrites the file as one snapshot record when the log has grown, under the policy
//! `ovsdb-log` documents.

use std::path::{Path, PathBuf};

use ovsdb::changes::ChangeSet;
use ovsdb::db::Database;
use ovsdb::record;
use ovsdb_log::{Log, OpenMode};
use ovsdb_storage::replay::{replay, ReplayOptions};

/// A database with its file.
#[derive(Debug)]
pub struct StoredDb {
    /// The in-memory database.
    pub db: Database,
    log: Log,
    path: PathBuf,
    /// Records committed in memory but not yet written (one write per batch).
    pending: Vec<u8>,
    pending_records: u64,
    last_compaction_ms: i64,
    /// The handle [`Self::sync_handle`] gives out, kept so that a sync on the thread does not
    /// cost a `dup` and a `close`; dropped when compaction replaces the file.
    sync_handle: Option<std::sync::Arc<ovsdb_log::SyncHandle>>,
}

/// Why a database file could not be served.
pub type OpenError = String;

impl StoredDb {
    /// Opens `path` for serving. Returns the database and, when the file had a damaged tail, a
    /// warning to log.
    pub fn open(path: &Path, now_ms: i64) -> Result<(StoredDb, Option<String>), OpenError> {
        let opened = Log::open(path, OpenMode::ReadWrite).map_err(|e| e.to_string())?;
        let mut gen = crate::uuidgen::UuidGen::new();
        let loaded = replay(opened, &mut move || gen.next(), ReplayOptions::default())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let warning = loaded.tail_error.map(|e| {
            format!(
                "{}: {} (discarded {} bytes after the last good record)",
                path.display(),
                e,
                loaded.discarded_bytes
            )
        });
        Ok((
            StoredDb {
                db: loaded.db,
                log: loaded.log,
                path: path.to_path_buf(),
                pending: Vec::new(),
                pending_records: 0,
                last_compaction_ms: now_ms,
                sync_handle: None,
            },
            warning,
        ))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies a committed transaction to memory and queues its log record; [`Self::sync`]
    /// writes and fsyncs everything queued. No reply may leave before that sync succeeds.
    pub fn commit(
        &mut self,
        changes: &ChangeSet,
        now_ms: i64,
        comment: Option<&str>,
    ) -> Result<(), String> {
        // The record's text is written straight from the change set (no JSON value built).
        if let Some(mut text) = record::txn_record_text(self.db.schema(), changes, now_ms, comment)
        {
            text.push('\n');
            let bytes = ovsdb_log::codec::frame_body(ovsdb_log::Magic::Standalone, text.as_bytes());
            self.pending.extend_from_slice(&bytes);
            self.pending_records += 1;
        }
        self.db.commit(changes);
        Ok(())
    }

    /// Writes every queued record with one write and makes everything written so far durable
    /// with one fsync (group commit). On failure memory is ahead of the file: the caller must
    /// not acknowledge the batch, and must stop.
    pub fn sync(&mut self) -> Result<(), String> {
        self.write_pending()?;
        self.log
            .sync()
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    /// Writes every queued record with one write, without waiting for the disk; returns
    /// whether anything was written (and so needs an `fdatasync`, see [`Self::sync_handle`])
    /// before the batch may be acknowledged.
    pub fn write_pending(&mut self) -> Result<bool, String> {
        if self.pending_records == 0 {
            return Ok(false);
        }
        self.log
            .append_encoded_records(&self.pending, self.pending_records, false)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        self.pending.clear();
        self.pending_records = 0;
        Ok(true)
    }

    /// A handle to `fdatasync` what [`Self::write_pending`] wrote, from another thread.
    pub fn sync_handle(&mut self) -> Result<std::sync::Arc<ovsdb_log::SyncHandle>, String> {
        if let Some(h) = &self.sync_handle {
            return Ok(h.clone());
        }
        let handle = std::sync::Arc::new(
            self.log
                .sync_handle()
                .map_err(|e| format!("{}: {e}", self.path.display()))?,
        );
        self.sync_handle = Some(handle.clone());
        Ok(handle)
    }

    /// Whether the log has grown enough to compact (see `ovsdb_log::policy`).
    pub fn wants_compaction(&self, now_ms: i64) -> bool {
        let since = (now_ms - self.last_compaction_ms).max(0) as u64;
        ovsdb_log::policy::CompactionPolicy::default().should_compact(&self.log.stats(), since)
    }

    /// Rewrites the file as the schema plus one snapshot of the current contents.
    pub fn compact(&mut self, now_ms: i64) -> Result<(), String> {
        let schema = self.db.schema().to_json();
        let snapshot =
            record::snapshot_record(&self.db, now_ms, Some("compacting database online"));
        self.sync()?;
        // The handle refers to the file being replaced.
        self.sync_handle = None;
        self.log
            .replace(&[schema, snapshot])
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        self.last_compaction_ms = now_ms;
        Ok(())
    }
}
