//! ferroswitch's `ovs-vswitchd`: reads bridges, ports and interfaces from the
//! `Open_vSwitch` database, runs them on one userspace datapath, serves OpenFlow on each
//! bridge's management socket (`<rundir>/<bridge>.mgmt`) and to its controllers, and answers
//! `ovs-appctl` on its control socket.
//!
//! Threads: the main thread runs a single-threaded tokio runtime (database client,
//! reconciliation, OpenFlow connections, control socket, timers); the datapath runs its
//! own PMD threads. See `docs/design/vswitchd.md`.

mod appctl;
mod bonds;
mod clock;
mod collectors;
mod config;
mod controller;
mod meters;
mod mirror;
mod netflow;
mod ofconn;
mod options;
mod sflow;
mod status;
mod upcall;
mod vswitch;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use daemon::detach::{self, Stage};
use daemon::{Dirs, Pidfile};
use datapath::{Datapath, DatapathConfig};
use options::{Command, Options};

use crate::clock::Clock;
use crate::upcall::{lock, Handler, Router};
use crate::vswitch::Vswitch;

const PROGRAM: &str = "ovs-vswitchd";

/// State shared by the main loop, OpenFlow connections and control commands.
pub struct Shared {
    /// The switch.
    pub vs: Mutex<Vswitch>,
    /// Wakes the main loop (reconfigure, write status).
    pub kick: tokio::sync::Notify,
    /// Run directory (management sockets live there).
    pub rundir: PathBuf,
    /// Management socket listeners by bridge name.
    pub mgmt: Mutex<HashMap<String, ofconn::Listener>>,
    /// Set by `exit`.
    pub exiting: tokio::sync::Notify,
    /// Controller connection tasks.
    pub controllers: controller::ControllerTasks,
    /// Controller connection states (for the Controller rows' status columns).
    pub controller_states: controller::ControllerStates,
    /// Open OpenFlow connections' send queues.
    pub conns: ofconn::Registry,
    /// Bonded ports of every bridge.
    pub bonds: Mutex<bonds::Bonds>,
    /// Link notifications for the timer's link-state refresh.
    pub link_watch: Mutex<ofconn::LinkWatch>,
    /// Bond members' last known carrier.
    pub bond_carriers: bonds::Carriers,
    /// sFlow agents of the bridges that have one.
    pub sflow: Mutex<sflow::Agents>,
}

fn main() {
    let dirs = Dirs::from_env();
    let opts = match options::parse(std::env::args().skip(1).collect(), &dirs) {
        Ok(Command::Print(text)) => {
            print!("{text}");
            return;
        }
        Ok(Command::Run(opts)) => *opts,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let stage = match detach::start(&opts.detach) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{PROGRAM}: {e}");
            std::process::exit(1);
        }
    };
    std::process::exit(match run(opts, &dirs, stage) {
        Ok(()) => 0,
        Err(e) => {
            vlog::global().log("vswitchd", vlog::Level::Emer, &e);
            eprintln!("{PROGRAM}: {e}");
            1
        }
    });
}

fn setup_logging(opts: &Options) -> Result<&'static vlog::Vlog, String> {
    let vlog = vlog::init(PROGRAM);
    vlog.register_modules(&[
        "vswitchd",
        "bridge",
        "ofproto",
        "connmgr",
        "rconn",
        "vconn",
        "dpif_netdev",
        "netdev",
        "netdev_dummy",
        "jsonrpc",
        "reconnect",
        "ovsdb_idl",
        "unixctl",
    ]);
    for spec in &opts.verbose {
        match spec {
            Some(s) => vlog.set_spec(s).map_err(|e| e.to_string())?,
            None => vlog.set_levels(None, None, vlog::Level::Dbg),
        }
    }
    if let Some(path) = &opts.log_file {
        vlog.set_log_file(path)
            .map_err(|e| format!("{}: failed to open log file ({e})", path.display()))?;
    }
    Ok(vlog)
}

fn run(opts: Options, dirs: &Dirs, stage: Stage) -> Result<(), String> {
    let vlog = setup_logging(&opts)?;
    let _pidfile = match &opts.pidfile {
        Some(path) => Some(
            Pidfile::create(path, std::process::id(), opts.overwrite_pidfile)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let clock = Arc::new(Clock::new());
    let router = Arc::new(Router::default());
    let dp = Arc::new(
        Datapath::new("ovs-netdev", DatapathConfig::default())
            .map_err(|e| format!("cannot create datapath ({e})"))?,
    );
    dp.set_upcall_handler(Some(Arc::new(Handler {
        router: router.clone(),
        dp: Arc::downgrade(&dp),
        clock: clock.clone(),
    })));
    let shared = Arc::new(Shared {
        vs: Mutex::new(Vswitch::new(
            dp.clone(),
            router,
            clock,
            opts.dummy,
            opts.disable_system,
        )),
        kick: tokio::sync::Notify::new(),
        rundir: dirs.rundir.clone(),
        mgmt: Mutex::new(HashMap::new()),
        exiting: tokio::sync::Notify::new(),
        controllers: Mutex::new(HashMap::new()),
        controller_states: Mutex::new(HashMap::new()),
        conns: Mutex::new(HashMap::new()),
        sflow: Mutex::new(sflow::Agents::default()),
        bonds: Mutex::new(bonds::Bonds::default()),
        bond_carriers: Mutex::new(HashMap::new()),
        link_watch: Mutex::new(ofconn::LinkWatch {
            monitor: netdev::netlink::LinkMonitor::new().ok(),
            rounds: 0,
        }),
    });
    controller::start_packet_in_pump(shared.clone())
        .map_err(|e| format!("cannot start packet-in thread: {e}"))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;
    let unixctl_path = opts
        .unixctl
        .clone()
        .map(|p| Dirs::resolve(&dirs.rundir, &p))
        .unwrap_or_else(|| dirs.unixctl(PROGRAM, std::process::id()));

    let result = runtime.block_on(async {
        let server = unixctl::Server::new(options::version().lines().next().unwrap_or(PROGRAM));
        server.register_vlog_commands(vlog);
        appctl::register(&server, &shared);
        let bound = server
            .bind(&unixctl_path)
            .map_err(|e| format!("{}: could not listen ({e})", unixctl_path.display()))?;
        tokio::spawn(async move {
            let _ = bound.run().await;
        });
        let addr = stream::Address::parse(&opts.remote, Some(6640))
            .map_err(|e| format!("{}: {e}", opts.remote))?;
        let ctx = Arc::new(stream::Context::new(dirs.rundir.clone()));
        tokio::spawn(status::db_loop(shared.clone(), addr, ctx));
        tokio::spawn(ofconn::timers(shared.clone()));
        detach::notify_ready(stage, &opts.detach);
        vlog.log("vswitchd", vlog::Level::Info, options::version().trim_end());
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| e.to_string())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = shared.exiting.notified() => {}
        }
        Ok::<(), String>(())
    });
    // Close management sockets and remove their files.
    for (_, l) in lock(&shared.mgmt).drain() {
        l.stop();
    }
    runtime.shutdown_timeout(Duration::from_secs(1));
    let _ = std::fs::remove_file(&unixctl_path);
    {
        let mut vs = lock(&shared.vs);
        vs.bridges.clear();
    }
    drop(dp);
    result
}
