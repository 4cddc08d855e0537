//! Lock files compatible with Open vSwitch's.
//!
//! Open vSwitch never locks a database file itself.  Before opening
//! `dir/name` for writing it creates (mode 0600, empty) the lock file
//! `dir/.name.~lock~` and takes an fcntl write lock on the whole of it
//! (`F_SETLK`, `F_WRLCK`, start 0, length 0 = to EOF), without waiting; if
//! the lock is held elsewhere the open fails with
//! "failed to lock lockfile (Resource temporarily unavailable)".  The lock
//! file is left in place afterwards.  (The message names the database
//! file, not the lock file.)  Readers (`ovsdb-tool show-log`, ...)
//! take no lock.  When `name` is a symbolic link the lock is taken beside
//! the link's final target.  Compaction additionally locks
//! `dir/.name.tmp.~lock~` while it writes `dir/name.tmp`.  All of this was
//! observed with `strace` and `/proc/locks` against Debian's 3.1 tools.
//!
//! We take exactly the same lock (`rustix::fs::fcntl_lock`, which issues
//! `F_SETLK`/`F_WRLCK` over the whole file), so our processes and Open
//! vSwitch's exclude each other.  Classic POSIX locks belong to a process,
//! not to an open file: a second lock from the same process would succeed,
//! and closing *any* descriptor of the lock file would drop the lock.  Like
//! Open vSwitch, we therefore keep a process-wide table of held lock files
//! (by device and inode), refuse a second lock from this process (Open
//! vSwitch reports that as "failed to lock lockfile (Resource deadlock
//! avoided)"), and never open a lock file that this process already holds.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Lock files held by this process, as (device, inode).
static HELD: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

fn held() -> MutexGuard<'static, Vec<(u64, u64)>> {
    // A panic while holding the mutex cannot leave the table inconsistent
    // (every update is a single push or remove), so poisoning is ignored.
    HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A held lock; dropping it releases the lock (the file stays).
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    id: (u64, u64),
    _file: File,
}

impl Drop for LockFile {
    fn drop(&mut self) {
        // The descriptor (and so the lock) is closed after this runs.
        held().retain(|id| *id != self.id);
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error("{}: failed to lock lockfile (Resource temporarily unavailable)", .path.display())]
    Busy {
        /// The file being locked (the database, or the lock file itself
        /// for [`LockFile::lock_path`]).
        path: PathBuf,
    },
    /// This process already holds the lock.
    #[error("{}: failed to lock lockfile (Resource deadlock avoided: this process already holds it)", .path.display())]
    HeldByThisProcess {
        /// The file being locked.
        path: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("{}: failed to lock lockfile ({source})", .path.display())]
    Io {
        /// The file being locked.
        path: PathBuf,
        /// Underlying error.
        source: io::Error,
    },
}

/// Follows `path` through symbolic links (at most 10 levels, like Open
/// vSwitch) and returns the final target; on any problem returns `path`.
pub fn follow_symlinks(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..10 {
        match std::fs::read_link(&current) {
            Ok(target) => {
                current = if target.is_absolute() {
                    target
                } else {
                    match current.parent() {
                        Some(dir) => dir.join(target),
                        None => target,
                    }
                };
            }
            Err(_) => break,
        }
    }
    current
}

/// The lock file Open vSwitch uses for `path`: `.NAME.~lock~` beside the
/// final target of `path`.
pub fn lock_file_name(path: &Path) -> PathBuf {
    let target = follow_symlinks(path);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lock_name = format!(".{name}.~lock~");
    match target.parent() {
        Some(dir) => dir.join(lock_name),
        None => PathBuf::from(lock_name),
    }
}

impl LockFile {
    /// Takes the Open vSwitch-compatible lock for database file `db_path`,
    /// failing immediately with [`LockError::Busy`] if it is held.
    /// Errors name `db_path`, as Open vSwitch's do.
    pub fn lock_for(db_path: &Path) -> Result<LockFile, LockError> {
        LockFile::lock_named(&lock_file_name(db_path), db_path)
    }

    /// Creates (mode 0600) and locks the lock file `path` itself.
    pub fn lock_path(path: &Path) -> Result<LockFile, LockError> {
        LockFile::lock_named(path, path)
    }

    fn lock_named(path: &Path, shown: &Path) -> Result<LockFile, LockError> {
        let mut table = held();
        let io_error = |source| LockError::Io {
            path: shown.to_path_buf(),
            source,
        };
        if let Ok(meta) = std::fs::metadata(path) {
            if table.contains(&(meta.dev(), meta.ino())) {
                return Err(LockError::HeldByThisProcess {
                    path: shown.to_path_buf(),
                });
            }
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(io_error)?;
        let meta = file.metadata().map_err(io_error)?;
        let id = (meta.dev(), meta.ino());
        loop {
            match rustix::fs::fcntl_lock(
                &file,
                rustix::fs::FlockOperation::NonBlockingLockExclusive,
            ) {
                Ok(()) => break,
                Err(e) if e == rustix::io::Errno::INTR => continue,
                Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::ACCESS => {
                    return Err(LockError::Busy {
                        path: shown.to_path_buf(),
                    })
                }
                Err(e) => {
                    return Err(LockError::Io {
                        path: shown.to_path_buf(),
                        source: e.into(),
                    })
                }
            }
        }
        table.push(id);
        Ok(LockFile {
            path: path.to_path_buf(),
            id,
            _file: file,
        })
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_name_is_hidden_sibling() {
        assert_eq!(
            lock_file_name(Path::new("/nonexistent/dir/conf.db")),
            PathBuf::from("/nonexistent/dir/.conf.db.~lock~")
        );
        assert_eq!(
            lock_file_name(Path::new("conf.db")),
            PathBuf::from(".conf.db.~lock~")
        );
    }

    #[test]
    fn second_lock_in_same_process_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db");
        let first = LockFile::lock_for(&db).expect("first lock");
        let err = LockFile::lock_for(&db).expect_err("second lock must fail");
        assert!(matches!(err, LockError::HeldByThisProcess { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "{}: failed to lock lockfile (Resource deadlock avoided: this process already holds it)",
                db.display()
            )
        );
        drop(first);
        LockFile::lock_for(&db).expect("lock after release");
    }

    #[test]
    fn follows_symlink_for_lock_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).expect("mkdir");
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink("real/target.db", &link).expect("symlink");
        assert_eq!(lock_file_name(&link), real_dir.join(".target.db.~lock~"));
    }
}
