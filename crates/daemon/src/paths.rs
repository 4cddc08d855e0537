//! Default directories, as Open vSwitch derives them from its environment variables.

use std::path::{Path, PathBuf};

/// The directories a daemon or CLI uses for sockets, databases, logs and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Sockets and pidfiles (`OVS_RUNDIR`, default `/var/run/openvswitch`).
    pub rundir: PathBuf,
    /// Database files (`OVS_DBDIR`, default `$OVS_SYSCONFDIR/openvswitch`).
    pub dbdir: PathBuf,
    /// Log files (`OVS_LOGDIR`, default `/var/log/openvswitch`).
    pub logdir: PathBuf,
    /// Configuration (`OVS_SYSCONFDIR`, default `/etc`).
    pub sysconfdir: PathBuf,
    /// Shared data such as schemas (`OVS_PKGDATADIR`, default `/usr/share/openvswitch`).
    pub pkgdatadir: PathBuf,
}

impl Dirs {
    /// Reads the directories from the process environment.
    pub fn from_env() -> Dirs {
        Dirs::from_lookup(|k| std::env::var_os(k).map(PathBuf::from))
    }

    /// Derives the directories from `lookup` (an environment), for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<PathBuf>) -> Dirs {
        let nonempty = |k: &str| lookup(k).filter(|p| !p.as_os_str().is_empty());
        let sysconfdir = nonempty("OVS_SYSCONFDIR").unwrap_or_else(|| PathBuf::from("/etc"));
        Dirs {
            rundir: nonempty("OVS_RUNDIR").unwrap_or_else(|| PathBuf::from("/var/run/openvswitch")),
            dbdir: nonempty("OVS_DBDIR").unwrap_or_else(|| sysconfdir.join("openvswitch")),
            logdir: nonempty("OVS_LOGDIR").unwrap_or_else(|| PathBuf::from("/var/log/openvswitch")),
            pkgdatadir: nonempty("OVS_PKGDATADIR")
                .unwrap_or_else(|| PathBuf::from("/usr/share/openvswitch")),
            sysconfdir,
        }
    }

    /// The default database file, `$OVS_DBDIR/conf.db`.
    pub fn default_db(&self) -> PathBuf {
        self.dbdir.join("conf.db")
    }

    /// The default database socket, `$OVS_RUNDIR/db.sock`.
    pub fn default_db_socket(&self) -> PathBuf {
        self.rundir.join("db.sock")
    }

    /// The default database remote as a client names it, `unix:$OVS_RUNDIR/db.sock`.
    pub fn default_db_remote(&self) -> String {
        format!("unix:{}", self.default_db_socket().display())
    }

    /// The default pidfile for `program`, `$OVS_RUNDIR/<program>.pid`.
    pub fn pidfile(&self, program: &str) -> PathBuf {
        self.rundir.join(format!("{program}.pid"))
    }

    /// The default log file for `program`, `$OVS_LOGDIR/<program>.log`.
    pub fn logfile(&self, program: &str) -> PathBuf {
        self.logdir.join(format!("{program}.log"))
    }

    /// The default control socket for `program` running as `pid`, `$OVS_RUNDIR/<program>.<pid>.ctl`.
    pub fn unixctl(&self, program: &str, pid: u32) -> PathBuf {
        self.rundir.join(format!("{program}.{pid}.ctl"))
    }

    /// Resolves a file name given on the command line: absolute names are kept, relative ones
    /// are taken relative to `base` (Open vSwitch resolves `--pidfile=NAME` in the run dir).
    pub fn resolve(base: &Path, name: &Path) -> PathBuf {
        if name.is_absolute() {
            name.to_path_buf()
        } else {
            base.join(name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_environment() {
        let d = Dirs::from_lookup(|_| None);
        assert_eq!(d.rundir, PathBuf::from("/var/run/openvswitch"));
        assert_eq!(d.dbdir, PathBuf::from("/etc/openvswitch"));
        assert_eq!(d.logdir, PathBuf::from("/var/log/openvswitch"));
        assert_eq!(d.default_db(), PathBuf::from("/etc/openvswitch/conf.db"));
        assert_eq!(d.default_db_remote(), "unix:/var/run/openvswitch/db.sock");
    }

    #[test]
    fn environment_overrides() {
        let d = Dirs::from_lookup(|k| match k {
            "OVS_RUNDIR" => Some("/tmp/r".into()),
            "OVS_SYSCONFDIR" => Some("/tmp/e".into()),
            _ => None,
        });
        assert_eq!(d.rundir, PathBuf::from("/tmp/r"));
        assert_eq!(d.dbdir, PathBuf::from("/tmp/e/openvswitch"));
        assert_eq!(
            d.pidfile("ovsdb-server"),
            PathBuf::from("/tmp/r/ovsdb-server.pid")
        );
        assert_eq!(
            d.unixctl("ovs-vswitchd", 42),
            PathBuf::from("/tmp/r/ovs-vswitchd.42.ctl")
        );
    }
}
