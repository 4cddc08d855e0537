//! A minimal daemon exposing a unixctl socket, for trying `ovs-appctl`
//! (ours or Debian's) by hand:
//!
//! ```text
//! OVS_RUNDIR=/tmp/demo cargo run -p unixctl --example unixctl_demo &
//! OVS_RUNDIR=/tmp/demo ovs-appctl -t unixctl-demo list-commands
//! OVS_RUNDIR=/tmp/demo ovs-appctl -t unixctl-demo exit
//! ```
//!
//! It writes (and locks) `$OVS_RUNDIR/unixctl-demo.pid`, listens on
//! `$OVS_RUNDIR/unixctl-demo.<pid>.ctl`, and serves `exit`, `demo/echo`
//! and the standard `version`, `list-commands` and `vlog/*` commands.

use std::path::PathBuf;
use unixctl::Server;

fn main() -> std::io::Result<()> {
    let program = "unixctl-demo";
    let rundir = std::env::var_os("OVS_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/openvswitch"));
    let pid = std::process::id();
    let log = vlog::init(program);
    let server = Server::new(&format!("{program} (Open vSwitch) 3.1.0"));
    server.register_vlog_commands(log);
    let (exit_tx, mut exit_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    server.register("exit", "", 0, 0, move |_| {
        let _ = exit_tx.send(());
        Ok(String::new())
    });
    server.register("demo/echo", "[ARG...]", 0, usize::MAX, |args| {
        Ok(args.join(" "))
    });
    let pidfile = daemon::Pidfile::create(&rundir.join(format!("{program}.pid")), pid, false)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let bound = server.bind(&unixctl::default_socket_path(&rundir, program, pid))?;
        tokio::select! {
            r = bound.run() => r,
            _ = exit_rx.recv() => Ok(()),
        }
    });
    drop(pidfile);
    result
}
