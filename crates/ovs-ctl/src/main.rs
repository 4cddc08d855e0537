//! `ovs-ctl`: starts, stops and checks ferroswitch's daemons, as Open vSwitch's `ovs-ctl` does
//! for system start scripts (ovs-ctl(8)).
//!
//! `start` is idempotent: a daemon that already runs is left alone (and said so), the database
//! is created only when missing and converted when its schema is older than the one shipped,
//! the `Open_vSwitch` row is initialised (versions, system id, host name), then ovs-vswitchd is
//! started when it exists and is not running. There is no kernel module: the datapath runs in
//! user space, so the `load-kmod` steps are no-ops. Daemons are found next to this program
//! (never on `PATH`) and run with `--detach --monitor --pidfile`; `stop` asks each to exit through
//! its control socket and waits for it to go.

mod ctl;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match ctl::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("ovs-ctl: {e}");
            ExitCode::from(1)
        }
    }
}
