//! Pidfiles: `--pidfile[=FILE]` and `--overwrite-pidfile`, as Open vSwitch keeps them.
//!
//! The file holds the daemon's pid and a newline, and the daemon holds a POSIX (`fcntl`) write
//! lock on it for as long as it runs. That lock is what makes the file meaningful: `ovs-appctl
//! -t NAME` (ours and Debian's) treats an unlocked pidfile as stale ("No such process"), and a
//! second instance finds the lock held and refuses to start, naming the pid that holds it. A
//! stale file left by a crashed daemon is not locked, so it is simply replaced. The file is
//! written under a temporary name, locked, and renamed into place, so a reader never sees a
//! partial pid or an unlocked live file.
//!
//! POSIX locks belong to the process, so `F_GETLK` cannot see a lock the calling process holds
//! itself; the "already running" path is therefore tested across processes (ovsdb-server's
//! black-box tests), not in unit tests here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use rustix::fs::{fcntl_lock, FlockOperation};
use rustix::process::{fcntl_getlk, Flock, FlockOffsetType, FlockType};

/// Why a pidfile could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PidfileError {
    /// Another live process holds the pidfile.
    #[error("{path}: already running as pid {pid}, aborting")]
    AlreadyRunning {
        /// The pidfile.
        path: String,
        /// The pid holding it.
        pid: u32,
    },
    /// A filesystem error.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        source: io::Error,
    },
}

/// A created, locked pidfile; removed when dropped.
#[derive(Debug)]
pub struct Pidfile {
    path: PathBuf,
    _file: File,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> PidfileError + '_ {
    move |source| PidfileError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The pid of the process holding a write lock on `file`, if any.
fn lock_holder(file: &File) -> io::Result<Option<u32>> {
    let probe = Flock {
        start: 0,
        length: 0,
        pid: None,
        typ: FlockType::WriteLock,
        offset_type: FlockOffsetType::Set,
    };
    let holder = fcntl_getlk(file, &probe).map_err(io::Error::from)?;
    Ok(holder.map(|h| h.pid.map(|p| p.as_raw_nonzero().get() as u32).unwrap_or(0)))
}

impl Pidfile {
    /// Creates `path` holding `pid`, locked. Unless `overwrite`, fails when a running process
    /// holds the existing file.
    pub fn create(path: &Path, pid: u32, overwrite: bool) -> Result<Pidfile, PidfileError> {
        if !overwrite {
            if let Ok(existing) = File::open(path) {
                if let Ok(Some(holder)) = lock_holder(&existing) {
                    return Err(PidfileError::AlreadyRunning {
                        path: path.display().to_string(),
                        pid: holder,
                    });
                }
            }
        }
        let tmp = {
            let mut name = path.as_os_str().to_owned();
            name.push(".tmp");
            PathBuf::from(name)
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        fcntl_lock(&file, FlockOperation::NonBlockingLockExclusive)
            .map_err(io::Error::from)
            .map_err(io_err(&tmp))?;
        writeln!(file, "{pid}").map_err(io_err(&tmp))?;
        file.flush().map_err(io_err(&tmp))?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        Ok(Pidfile {
            path: path.to_path_buf(),
            _file: file,
        })
    }

    /// The pidfile's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Pidfile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Reads the pid of the live daemon owning `path`. An unlocked (stale) file, or one without a
/// valid pid, is `ESRCH` ("No such process"), as Open vSwitch reports it.
pub fn read_live_pid(path: &Path) -> io::Result<u32> {
    let mut file = File::open(path)?;
    let esrch = || io::Error::from_raw_os_error(rustix::io::Errno::SRCH.raw_os_error());
    if lock_holder(&file)?.is_none() {
        return Err(esrch());
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    match text.trim().parse::<u32>() {
        Ok(pid) if pid > 0 => Ok(pid),
        _ => Err(esrch()),
    }
}

/// Reads the pid written in `path`, without checking that it is alive.
pub fn read_pid(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_locked_and_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pid");
        let first = Pidfile::create(&path, 111, false).unwrap();
        assert_eq!(read_pid(&path), Some(111));
        drop(first);
        assert!(!path.exists(), "removed on drop");
    }

    #[test]
    fn stale_file_is_replaced_and_reads_as_no_such_process() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pid");
        fs::write(&path, "999\n").unwrap();
        assert_eq!(read_live_pid(&path).unwrap_err().raw_os_error(), Some(3));
        let _second = Pidfile::create(&path, 333, false).unwrap();
        assert_eq!(read_pid(&path), Some(333));
    }

    #[test]
    fn missing_file_is_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_live_pid(&dir.path().join("nope.pid")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
