//! A file-backed standalone OVSDB log.
//!
//! [`Log::open`] reads every record of a database file with the
//! [`codec`](crate::codec), stopping at the first bad one.  What happens to
//! a damaged tail mirrors `ovsdb-server`: the good records are used, the
//! problem is reported (here as [`Opened::tail_error`], with its offset and
//! reason), and when the log is writable the file is cut back to the end of
//! the last good record so new records follow intact data.  (Open vSwitch
//! performs that truncation lazily, just before its first write; we do it at
//! open time, which leaves the same file behind.)  A bad *first* record is
//! not a torn tail but an unusable file and is returned as an error, without
//! touching the file.
//!
//! Writable opens take the Open vSwitch lock ([`crate::lock`]) first, so
//! our daemons and Debian's refuse to write the same database at once.
//! Read-only opens take no lock, like `ovsdb-tool show-log`.
//!
//! [`Log::append`] writes one record at the end; with `durable` set it
//! also `fdatasync`s before returning.  [`Log::sync_handle`] lets another
//! thread do that `fdatasync` while the owner carries on appending.  If a write fails the file is cut
//! back to its previous length; if even that fails the log refuses further
//! writes.  [`Log::replace`] is compaction: it writes the new contents to
//! `NAME.tmp` (locking `.NAME.tmp.~lock~` meanwhile, as Open vSwitch does),
//! `fsync`s it, renames it over the database and `fsync`s the directory,
//! so a crash leaves either the old or the new file, never a mixture.
//!
//! New files are created with mode 0660 minus the umask (0640 under the
//! usual 022), as Debian's tools create database files.
//!
//! [`Log::size`], [`Log::record_count`], [`Log::base_size`] and
//! [`Log::records_since_compaction`] feed [`crate::policy`], which decides
//! when a server should compact.

use crate::codec::{self, DecodeError, Magic, Record};
use crate::lock::{follow_symlinks, LockError, LockFile};
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// File mode for newly created database files (subject to the umask).
pub const DB_FILE_MODE: u32 = 0o660;

/// How to open a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Read an existing file; no lock, no writes.
    ReadOnly,
    /// Read and then append to an existing file (locks it).
    ReadWrite,
    /// Like `ReadWrite`, creating the file if it is missing; an existing
    /// empty file is treated as new.
    Create,
    /// Create a new file, failing if it exists.
    CreateExcl,
}

impl OpenMode {
    fn writable(self) -> bool {
        !matches!(self, OpenMode::ReadOnly)
    }
}

/// Errors from the file-backed log.  Display is the text a user reads.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The lock could not be taken (another writer has the database).
    #[error("I/O error: {0}")]
    Lock(#[from] LockError),
    /// A system call failed.
    #[error("I/O error: {}: {op} failed ({source})", .path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// Underlying error.
        source: io::Error,
    },
    /// The file is a clustered (Raft) database.
    #[error("{}: clustered databases not supported (file has \"{}\" magic)", .path.display(), codec::MAGIC_CLUSTERED)]
    Clustered {
        /// The file.
        path: PathBuf,
    },
    /// The file is empty and was not opened for creation.
    #[error("ovsdb error: {}: cannot identify file type", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file does not start with an OVSDB record header.
    #[error("ovsdb error: {}: unexpected file format", .path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The first record (the schema) is bad, so nothing can be recovered.
    #[error("syntax error: {}: {error}", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with the first record.
        error: DecodeError,
    },
    /// A record passed for writing is not a JSON object.
    #[error("{}: {error}", .path.display())]
    Encode {
        /// The file.
        path: PathBuf,
        /// What is wrong with the record.
        error: codec::EncodeError,
    },
    /// The log was opened read-only.
    #[error("{}: log is open read-only", .path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
    },
    /// An earlier write failed and could not be undone.
    #[error("{}: log is in an unknown state after a failed write; reopen it", .path.display())]
    Poisoned {
        /// The file.
        path: PathBuf,
    },
}

fn io_err<'a>(path: &'a Path, op: &'static str) -> impl FnOnce(io::Error) -> LogError + 'a {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        op,
        source,
    }
}

/// A freshly opened log with what was read from it.
#[derive(Debug)]
pub struct Opened {
    /// The log, positioned after the last good record.
    pub log: Log,
    /// Every good record, in file order.
    pub records: Vec<Record>,
    /// The first bad record, if the file had a damaged tail.  For a writable
    /// open the file has already been truncated to [`Log::size`].
    pub tail_error: Option<DecodeError>,
    /// How many bytes of damaged tail followed the last good record (and,
    /// for writable opens, were removed).
    pub discarded_bytes: u64,
}

/// An open standalone OVSDB log file.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    real_path: PathBuf,
    file: File,
    lock: Option<LockFile>,
    size: u64,
    record_count: u64,
    base_size: u64,
    records_since_compaction: u64,
    poisoned: bool,
}

impl Log {
    /// Opens the log at `path`; see the module documentation.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Opened, LogError> {
        let lock = if mode.writable() {
            Some(LockFile::lock_for(path)?)
        } else {
            None
        };
        let real_path = follow_symlinks(path);
        let mut options = OpenOptions::new();
        options.read(true);
        match mode {
            OpenMode::ReadOnly => {}
            OpenMode::ReadWrite => {
                options.write(true);
            }
            OpenMode::Create => {
                options.write(true).create(true).mode(DB_FILE_MODE);
            }
            OpenMode::CreateExcl => {
                options.write(true).create_new(true).mode(DB_FILE_MODE);
            }
        }
        let existed = real_path.exists();
        let mut file = options.open(&real_path).map_err(io_err(path, "open"))?;
        if mode.writable() && !existed {
            sync_parent_dir(&real_path)?;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io_err(path, "read"))?;

        let mut log = Log {
            path: path.to_path_buf(),
            real_path,
            file,
            lock,
            size: 0,
            record_count: 0,
            base_size: 0,
            records_since_compaction: 0,
            poisoned: false,
        };
        if data.is_empty() {
            return match mode {
                OpenMode::Create | OpenMode::CreateExcl => Ok(Opened {
                    log,
                    records: Vec::new(),
                    tail_error: None,
                    discarded_bytes: 0,
                }),
                _ => Err(LogError::Empty {
                    path: path.to_path_buf(),
                }),
            };
        }
        match codec::identify(&data) {
            None => {
                return Err(LogError::UnknownFormat {
                    path: path.to_path_buf(),
                })
            }
            Some(Magic::Clustered) => {
                return Err(LogError::Clustered {
                    path: path.to_path_buf(),
                })
            }
            Some(Magic::Standalone) => {}
        }
        let decoded = codec::decode_all(&data);
        if decoded.records.is_empty() {
            if let Some(error) = decoded.tail_error {
                return Err(LogError::Corrupt {
                    path: path.to_path_buf(),
                    error,
                });
            }
        }
        let discarded_bytes = (data.len() as u64).saturating_sub(decoded.good_len);
        if discarded_bytes > 0 && mode.writable() {
            log.file
                .set_len(decoded.good_len)
                .map_err(io_err(path, "truncate"))?;
            log.file.sync_all().map_err(io_err(path, "fsync"))?;
        }
        let n = decoded.records.len() as u64;
        log.size = decoded.good_len;
        log.base_size = decoded.good_len;
        log.record_count = n;
        log.records_since_compaction = n;
        Ok(Opened {
            log,
            records: decoded.records,
            tail_error: decoded.tail_error,
            discarded_bytes,
        })
    }

    /// Appends `record` (a JSON object) and returns its offset.  With
    /// `durable` the data is flushed to stable storage before returning.
    pub fn append(&mut self, record: &Value, durable: bool) -> Result<u64, LogError> {
        let bytes = codec::encode_record(record).map_err(|error| LogError::Encode {
            path: self.path.clone(),
            error,
        })?;
        self.append_encoded(&bytes, durable)
    }

    /// Appends bytes produced by [`codec::encode_record`] (or
    /// [`codec::frame_body`]) and returns their offset.
    pub fn append_encoded(&mut self, bytes: &[u8], durable: bool) -> Result<u64, LogError> {
        self.append_encoded_records(bytes, 1, durable)
    }

    /// Appends `records` already-encoded records, concatenated in `bytes`, with one write (a
    /// server batching the commits of many clients), and returns their offset.
    pub fn append_encoded_records(
        &mut self,
        bytes: &[u8],
        records: u64,
        durable: bool,
    ) -> Result<u64, LogError> {
        self.check_writable()?;
        let offset = self.size;
        if let Err(source) = self.file.write_all_at(bytes, offset) {
            // Undo a partial write so the file stays a valid log.
            if self.file.set_len(offset).is_err() {
                self.poisoned = true;
            }
            return Err(LogError::Io {
                path: self.path.clone(),
                op: "write",
                source,
            });
        }
        self.size = offset + bytes.len() as u64;
        self.record_count += records;
        self.records_since_compaction += records;
        if durable {
            self.sync()?;
        }
        Ok(offset)
    }

    /// Flushes everything appended so far to stable storage.
    pub fn sync(&mut self) -> Result<(), LogError> {
        self.file.sync_data().map_err(io_err(&self.path, "fsync"))
    }

    /// A handle that makes what has been appended so far durable from another thread, so that
    /// a server can keep executing transactions (and appending their records) while the
    /// `fdatasync` is in flight. Records appended after the handle's sync started may or may
    /// not be covered by it. The handle refers to the current file: after [`Log::replace`]
    /// take a new one.
    pub fn sync_handle(&self) -> Result<SyncHandle, LogError> {
        let file = self
            .file
            .try_clone()
            .map_err(io_err(&self.path, "duplicate file descriptor"))?;
        Ok(SyncHandle {
            file,
            path: self.path.clone(),
        })
    }

    /// Atomically replaces the whole log with `records` (compaction).
    ///
    /// On error the old file is still in place and the log keeps appending
    /// to it.
    pub fn replace(&mut self, records: &[Value]) -> Result<(), LogError> {
        self.check_writable()?;
        let mut contents = Vec::new();
        for record in records {
            let bytes = codec::encode_record(record).map_err(|error| LogError::Encode {
                path: self.path.clone(),
                error,
            })?;
            contents.extend_from_slice(&bytes);
        }
        let mut tmp_name = self.real_path.clone().into_os_string();
        tmp_name.push(".tmp");
        let tmp_path = PathBuf::from(tmp_name);
        let _tmp_lock = LockFile::lock_for(&tmp_path)?;
        let tmp = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(DB_FILE_MODE)
            .open(&tmp_path)
            .map_err(io_err(&tmp_path, "open"))?;
        let written = tmp
            .write_all_at(&contents, 0)
            .map_err(io_err(&tmp_path, "write"))
            .and_then(|()| tmp.sync_all().map_err(io_err(&tmp_path, "fsync")))
            .and_then(|()| {
                std::fs::rename(&tmp_path, &self.real_path).map_err(io_err(&tmp_path, "rename"))
            });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp_path);
            return Err(e);
        }
        self.file = tmp;
        self.size = contents.len() as u64;
        self.base_size = self.size;
        self.record_count = records.len() as u64;
        self.records_since_compaction = 0;
        self.poisoned = false;
        sync_parent_dir(&self.real_path)
    }

    fn check_writable(&self) -> Result<(), LogError> {
        if self.lock.is_none() {
            return Err(LogError::ReadOnly {
                path: self.path.clone(),
            });
        }
        if self.poisoned {
            return Err(LogError::Poisoned {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// The path the log was opened with.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True if the log was opened for writing (and holds the lock).
    pub fn is_writable(&self) -> bool {
        self.lock.is_some()
    }

    /// Current length of the log in bytes (end of the last good record).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Number of records in the file now.
    pub fn record_count(&self) -> u64 {
        self.record_count
    }

    /// Size of the file when it was opened or last replaced: the base
    /// against which growth is measured.
    pub fn base_size(&self) -> u64 {
        self.base_size
    }

    /// Records read at open plus records appended since, reset to zero by
    /// [`Log::replace`] (Open vSwitch's "commits added" count).
    pub fn records_since_compaction(&self) -> u64 {
        self.records_since_compaction
    }

    /// The statistics [`crate::policy::CompactionPolicy`] looks at.
    pub fn stats(&self) -> crate::policy::LogStats {
        crate::policy::LogStats {
            size: self.size,
            base_size: self.base_size,
            records_since_compaction: self.records_since_compaction,
        }
    }
}

/// Makes a log's appended records durable; see [`Log::sync_handle`].
#[derive(Debug)]
pub struct SyncHandle {
    file: File,
    path: PathBuf,
}

impl SyncHandle {
    /// `fdatasync`s the log file.
    pub fn sync(&self) -> Result<(), LogError> {
        self.file.sync_data().map_err(io_err(&self.path, "fsync"))
    }
}

/// `fsync`s the directory holding `path`, making a create or rename durable.
fn sync_parent_dir(path: &Path) -> Result<(), LogError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let handle = File::open(dir).map_err(io_err(dir, "open directory"))?;
    handle.sync_all().map_err(io_err(dir, "fsync directory"))
}
