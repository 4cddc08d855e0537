//! Pidfiles: `--pidfile[=FILE]` and `--overwrite-pidfile`.
//!
//! The file holds the daemon's pid followed by a newline and stays locked (an advisory `flock`)
//! for the daemon's lifetime. A second instance finds the lock held and refuses to start, naming
//! the pid that holds it; a stale file left by a crashed daemon is not locked, so it is simply
//! replaced. The file is written under a temporary name and renamed into place, so a reader never
//! sees a partial pid.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

/// Why a pidfile could not be created.
#[derive(Debug, thiserror::Error)]
pub enum PidfileError {
    /// Another live process holds the pidfile.
    #[error("{path}: already running as pid {pid}, aborting")]
    AlreadyRunning {
        /// The pidfile.
        path: String,
        /// The pid written in it.
        pid: String,
    },
    /// A filesystem error.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A created, locked pidfile; removed when dropped.
#[derive(Debug)]
pub struct Pidfile {
    path: PathBuf,
    _lock: Flock<File>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PidfileError + '_ {
    move |source| PidfileError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Pidfile {
    /// Creates `path` holding `pid`. Unless `overwrite`, fails when a running process holds it.
    pub fn create(path: &Path, pid: u32, overwrite: bool) -> Result<Pidfile, PidfileError> {
        if !overwrite {
            if let Ok(existing) = File::open(path) {
                match Flock::lock(existing, FlockArg::LockExclusiveNonblock) {
                    Ok(lock) => drop(lock), // stale: nobody holds it
                    Err((_, _)) => {
                        let pid = fs::read_to_string(path).unwrap_or_default();
                        return Err(PidfileError::AlreadyRunning {
                            path: path.display().to_string(),
                            pid: pid.trim().to_string(),
                        });
                    }
                }
            }
        }
        let tmp = path.with_extension(format!("pid.tmp{pid}"));
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        file.write_all(format!("{pid}\n").as_bytes())
            .map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        let lock = Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| {
            PidfileError::Io {
                path: tmp.display().to_string(),
                source: e.into(),
            }
        })?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        Ok(Pidfile {
            path: path.to_path_buf(),
            _lock: lock,
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

/// Reads the pid stored in `path`.
pub fn read_pid(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_instance_refused_and_stale_file_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pid");
        let first = Pidfile::create(&path, 111, false).unwrap();
        assert_eq!(read_pid(&path), Some(111));
        let err = Pidfile::create(&path, 222, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: already running as pid 111, aborting", path.display())
        );
        drop(first);
        assert!(!path.exists(), "removed on drop");
        // A stale file (no lock holder) is replaced.
        fs::write(&path, "999\n").unwrap();
        let _second = Pidfile::create(&path, 333, false).unwrap();
        assert_eq!(read_pid(&path), Some(333));
    }

    #[test]
    fn overwrite_ignores_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pid");
        let _first = Pidfile::create(&path, 1, false).unwrap();
        let _second = Pidfile::create(&path, 2, true).unwrap();
        assert_eq!(read_pid(&path), Some(2));
    }
}
