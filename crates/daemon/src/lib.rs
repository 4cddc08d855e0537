//! Daemon plumbing shared by ferroswitch's daemons (ovsdb-server, ovs-vswitchd).
//!
//! Open vSwitch's daemons share a set of behaviours users and scripts rely on; this crate
//! implements them once:
//!
//! - [`paths::Dirs`]: default directories from `OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR`,
//!   `OVS_SYSCONFDIR`, `OVS_PKGDATADIR` (so tests run isolated instances side by side).
//! - [`pidfile::Pidfile`]: `--pidfile[=FILE]` / `--overwrite-pidfile`, locked while the daemon
//!   runs so a second instance refuses to start, removed on clean exit.
//! - [`detach`]: `--detach`, `--monitor` and `--no-chdir`. Detaching re-executes the program
//!   (no `fork` in a multi-threaded process, and no `unsafe`): the foreground process waits until
//!   the background one reports that it is ready (database open, sockets listening) and only then
//!   exits 0, so `ovsdb-server --detach && ovs-vsctl ...` works. With `--monitor` an intermediate
//!   process restarts the daemon when it crashes.

pub mod detach;
pub mod paths;
pub mod pidfile;

pub use detach::{Stage, StartError};
pub use paths::Dirs;
pub use pidfile::{Pidfile, PidfileError};
