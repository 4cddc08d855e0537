//! `ovsdb-server`: serves OVSDB databases over JSON-RPC (RFC 7047 with Open vSwitch's
//! extensions), as a drop-in for Open vSwitch's ovsdb-server.
//!
//! `main` parses the command line, detaches if asked, opens the databases and then runs three
//! things: the core thread (all database state, see `core`), the tokio runtime with the network
//! side (`net`) and the control socket for `ovs-appctl`. It exits when `exit` is requested or on
//! SIGTERM/SIGINT, after the core has made every acknowledged transaction durable.

mod core;
mod net;
mod options;
mod remotes;
mod server_db;
mod storage;
mod syncer;
mod uuidgen;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use daemon::detach::{self, Stage};
use daemon::{Dirs, Pidfile};

use crate::core::{Control, Core, Event};
use crate::options::{Command, Options};
use crate::storage::StoredDb;

const PROGRAM: &str = "ovsdb-server";

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
            vlog::global().log(PROGRAM.replace('-', "_").as_str(), vlog::Level::Emer, &e);
            eprintln!("{PROGRAM}: {e}");
            1
        }
    });
}

fn setup_logging(opts: &Options) -> Result<(), String> {
    let vlog = vlog::init(PROGRAM);
    vlog.register_modules(&[
        "ovsdb_server",
        "ovsdb_jsonrpc_server",
        "jsonrpc",
        "reconnect",
        "stream_ssl",
        "ovsdb_log",
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
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn run(opts: Options, dirs: &Dirs, stage: Stage) -> Result<(), String> {
    setup_logging(&opts)?;
    let vlog = vlog::global();

    // As Open vSwitch does, a second instance is refused on its pidfile before it touches any
    // database file.
    let _pidfile = match &opts.pidfile {
        Some(path) => Some(
            Pidfile::create(path, std::process::id(), opts.overwrite_pidfile)
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };

    let mut files = Vec::new();
    for path in &opts.databases {
        let (stored, warning) = StoredDb::open(path, now_ms())?;
        if let Some(w) = warning {
            vlog.log("ovsdb_log", vlog::Level::Warn, &w);
        }
        if files
            .iter()
            .any(|f: &StoredDb| f.db.name() == stored.db.name())
        {
            return Err(format!(
                "{}: duplicate database name {}",
                path.display(),
                stored.db.name()
            ));
        }
        files.push(stored);
    }

    let ssl = remotes::SslConfig {
        private_key: opts.private_key.clone(),
        certificate: opts.certificate.clone(),
        ca_cert: opts.ca_cert.clone(),
        bootstrap_ca_cert: opts.bootstrap_ca_cert.clone(),
    };
    let remote_config =
        remotes::RemoteConfig::new(&opts.remotes, ssl).map_err(|e| e.to_string())?;

    // One thread runs the core and the network side (like Open vSwitch's single main loop);
    // the control socket has a thread of its own so that a command can wait for the core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;

    let (event_tx, event_rx) = std::sync::mpsc::channel::<Event>();
    let wake = Arc::new(tokio::sync::Notify::new());
    let (remote_tx, remote_rx) = tokio::sync::watch::channel(remotes::Resolved::default());
    let core = Core::new(files, remote_config, remote_tx);

    let unixctl_path = opts
        .unixctl
        .clone()
        .map(|p| Dirs::resolve(&dirs.rundir, &p))
        .unwrap_or_else(|| dirs.unixctl(PROGRAM, std::process::id()));

    let control = start_control_thread(&unixctl_path, vlog, &event_tx, &wake)?;

    let result = runtime.block_on(async {
        let shared = net::Shared {
            events: event_tx.clone(),
            wake: wake.clone(),
            next_conn: Arc::new(AtomicU64::new(1)),
            ctx: Arc::new(stream::Context::new(dirs.rundir.clone())),
        };
        let core_task = tokio::spawn(core.run(event_rx, wake.clone()));
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(net::run_remotes(remote_rx, shared.clone(), ready_tx));
        // Listening before saying ready: `ovsdb-server --detach && ovs-vsctl ...` must work.
        let _ = tokio::time::timeout(Duration::from_secs(30), ready_rx).await;

        detach::notify_ready(stage, &opts.detach);
        // After detaching, as Open vSwitch does: the line goes to the log, not the terminal.
        vlog.log(
            "ovsdb_server",
            vlog::Level::Info,
            options::version().trim_end(),
        );

        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| e.to_string())?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| e.to_string())?;
        let mut core_task = core_task;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = &mut core_task => return Ok::<(), String>(()),
        }
        // Ask the core to finish (it syncs everything acknowledged) and wait for it.
        let (tx, _rx) = std::sync::mpsc::channel();
        shared.post(Event::Control {
            cmd: Control::Exit,
            reply: tx,
        });
        let _ = tokio::time::timeout(Duration::from_secs(10), core_task).await;
        Ok(())
    });
    drop(event_tx);
    drop(control);
    runtime.shutdown_timeout(Duration::from_secs(1));
    let _ = std::fs::remove_file(&unixctl_path);
    result
}

/// Serves the control socket on a thread of its own (its commands wait for the core).
fn start_control_thread(
    path: &std::path::Path,
    vlog: &'static vlog::Vlog,
    events: &std::sync::mpsc::Sender<Event>,
    wake: &Arc<tokio::sync::Notify>,
) -> Result<std::thread::JoinHandle<()>, String> {
    let server = unixctl::Server::new(options::version().lines().next().unwrap_or(PROGRAM));
    server.register_vlog_commands(vlog);
    register_controls(&server, events, wake);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start runtime: {e}"))?;
    let bound = rt
        .block_on(async { server.bind(path) })
        .map_err(|e| format!("{}: could not listen ({e})", path.display()))?;
    std::thread::Builder::new()
        .name("unixctl".into())
        .spawn(move || {
            rt.block_on(async move {
                let _ = bound.run().await;
            })
        })
        .map_err(|e| format!("cannot start control thread: {e}"))
}

/// Registers the `ovs-appctl` commands that act on the core.
fn register_controls(
    server: &unixctl::Server,
    events: &std::sync::mpsc::Sender<Event>,
    wake: &Arc<tokio::sync::Notify>,
) {
    let ask = {
        let events = std::sync::Mutex::new(events.clone());
        let wake = wake.clone();
        let events = Arc::new(events);
        move |cmd: Control| -> Result<String, String> {
            let (tx, rx) = std::sync::mpsc::channel();
            events
                .lock()
                .map_err(|_| "server is shutting down".to_string())?
                .send(Event::Control { cmd, reply: tx })
                .map_err(|_| "server is shutting down".to_string())?;
            wake.notify_one();
            rx.recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| Err("timed out waiting for the database core".into()))
        }
    };
    let a = ask.clone();
    server.register_exit("exit", move || {
        let _ = a(Control::Exit);
    });
    let a = ask.clone();
    server.register("ovsdb-server/compact", "[DB]...", 0, 1, move |args| {
        a(Control::Compact(args.first().cloned()))
    });
    let a = ask.clone();
    server.register("ovsdb-server/list-dbs", "", 0, 0, move |_| {
        a(Control::ListDbs)
    });
    let a = ask.clone();
    server.register("ovsdb-server/add-remote", "REMOTE", 1, 1, move |args| {
        a(Control::AddRemote(args[0].clone()))
    });
    let a = ask.clone();
    server.register("ovsdb-server/remove-remote", "REMOTE", 1, 1, move |args| {
        a(Control::RemoveRemote(args[0].clone()))
    });
    let a = ask;
    server.register("ovsdb-server/list-remotes", "", 0, 0, move |_| {
        a(Control::ListRemotes)
    });
    server.register("ovsdb-server/reconnect", "", 0, 0, |_| Ok(String::new()));
}
