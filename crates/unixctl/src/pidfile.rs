//! Pidfiles the way Open vSwitch uses them.
//!
//! `ovs-appctl -t NAME` finds a daemon through `$OVS_RUNDIR/NAME.pid`. OVS
//! does not trust the pid written in the file alone: a daemon holds a POSIX
//! (`fcntl`) write lock on its pidfile for as long as it runs, and a reader
//! treats an unlocked pidfile as stale ("No such process"). Both halves
//! are here, so that our daemons are found by Debian's `ovs-appctl` and our
//! `ovs-appctl` rejects stale files exactly as Debian's does:
//!
//! * [`PidFile::create`] writes the pid to a temporary file, locks it and
//!   renames it into place (so readers never see a half-written file), then
//!   keeps the descriptor open to hold the lock; dropping it removes the
//!   file.
//! * [`read_pidfile`] opens the file, asks the kernel whether some process
//!   holds a conflicting lock, and returns the pid written in the file.
//!
//! Locks are taken through `rustix`, which wraps `fcntl(F_SETLK/F_GETLK)`
//! without `unsafe` in this crate.

use rustix::fs::{fcntl_lock, FlockOperation};
use rustix::process::{fcntl_getlk, Flock, FlockOffsetType, FlockType};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// A pidfile this process owns and holds locked.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    _file: File,
}

impl PidFile {
    /// Creates `path` containing this process's pid, locked.
    pub fn create(path: &Path) -> io::Result<PidFile> {
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
            .open(&tmp)?;
        fcntl_lock(&file, FlockOperation::NonBlockingLockExclusive).map_err(io::Error::from)?;
        writeln!(file, "{}", std::process::id())?;
        file.flush()?;
        std::fs::rename(&tmp, path)?;
        Ok(PidFile {
            path: path.to_path_buf(),
            _file: file,
        })
    }

    /// The pidfile's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads the pid of the live daemon owning `path`. An unlocked (stale)
/// file, or one without a valid pid, is `ESRCH` ("No such process").
pub fn read_pidfile(path: &Path) -> io::Result<u32> {
    let mut file = File::open(path)?;
    let probe = Flock {
        start: 0,
        length: 0,
        pid: None,
        typ: FlockType::WriteLock,
        offset_type: FlockOffsetType::Set,
    };
    let holder = fcntl_getlk(&file, &probe).map_err(io::Error::from)?;
    if holder.is_none() {
        return Err(io::Error::from_raw_os_error(
            rustix::io::Errno::SRCH.raw_os_error(),
        ));
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    match text.trim().parse::<u32>() {
        Ok(pid) if pid > 0 => Ok(pid),
        _ => Err(io::Error::from_raw_os_error(
            rustix::io::Errno::SRCH.raw_os_error(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_pidfile_reads_and_stale_one_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pid");
        assert_eq!(
            read_pidfile(&path).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        // A plain file with a pid but no lock is stale.
        std::fs::write(&path, format!("{}\n", std::process::id())).unwrap();
        assert_eq!(read_pidfile(&path).unwrap_err().raw_os_error(), Some(3));
        // POSIX locks are per process, so F_GETLK cannot see our own lock;
        // reading a locked pidfile is tested across processes in
        // tests/debian_client.rs.
        let own = PidFile::create(&dir.path().join("own.pid")).unwrap();
        assert!(own.path().exists());
        let path = own.path().to_path_buf();
        drop(own);
        assert!(!path.exists());
    }
}
