//! The network side: listeners, active connections and per-connection tasks.
//!
//! The set of remotes in force arrives on a watch channel from the core (it depends on `db:`
//! references); [`run_remotes`] starts a task per remote and stops those no longer wanted.
//! A passive remote accepts connections; an active one connects and reconnects with backoff.
//! Each connection is a task that frames JSON-RPC, hands messages to the core and writes
//! whatever the core queues for it. Inactivity probes follow Open vSwitch: TCP and SSL sessions
//! are probed after 5 s of silence (or the Manager row's `inactivity_probe`) and dropped after
//! another probe interval without traffic; unix-socket sessions are not probed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender as EventSender;
use std::sync::Arc;
use std::time::Duration;

use jsonrpc::{ConnError, Connection};
use stream::{Address, BoxedStream, Context};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::core::{ConnId, Event};
use crate::remotes::{Remote, Resolved};

/// Default probe interval for TCP and SSL sessions, as in Open vSwitch.
const DEFAULT_PROBE_MS: u64 = 5000;
/// Largest JSON-RPC message accepted from a client.
const MAX_MESSAGE: usize = 64 << 20;
/// Messages queued to one client before it is considered stuck and dropped.
const QUEUE_LEN: usize = 100_000;

fn log(level: vlog::Level, module: &str, msg: &str) {
    vlog::global().log(module, level, msg);
}

/// Shared by every connection task.
#[derive(Clone)]
pub struct Shared {
    /// Where events for the core go.
    pub events: EventSender<Event>,
    /// Wakes the core after an event is queued.
    pub wake: Arc<Notify>,
    /// Connection id allocator.
    pub next_conn: Arc<AtomicU64>,
    /// Transport context (run dir, TLS files).
    pub ctx: Arc<Context>,
}

impl Shared {
    /// Queues `event` for the core and wakes it; false when the core has stopped.
    pub fn post(&self, event: Event) -> bool {
        let ok = self.events.send(event).is_ok();
        self.wake.notify_one();
        ok
    }
}

/// Keeps the listeners and connections for the remotes in `rx` running. When the SSL files
/// change, every `ssl:`/`pssl:` remote is restarted with the new ones.
///
/// `ready` fires once every remote of the first set has had its first attempt (passive remotes
/// bound, or failed once and retrying), so `--detach` can return only when the server really
/// accepts connections.
pub async fn run_remotes(
    mut rx: watch::Receiver<Resolved>,
    mut shared: Shared,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut running: HashMap<String, JoinHandle<()>> = HashMap::new();
    let mut ready = Some(ready);
    loop {
        let mut first_attempts = Vec::new();
        let Resolved {
            remotes: wanted,
            tls,
        } = rx.borrow_and_update().clone();
        let tls_changed = shared.ctx.tls != tls;
        if tls_changed {
            let mut ctx = (*shared.ctx).clone();
            ctx.tls = tls;
            shared.ctx = Arc::new(ctx);
        }
        running.retain(|target, task| {
            let is_ssl = target.starts_with("ssl:") || target.starts_with("pssl:");
            let keep = wanted.iter().any(|r| &r.target == target) && !(tls_changed && is_ssl);
            if !keep {
                task.abort();
            }
            keep
        });
        for remote in wanted {
            if running.contains_key(&remote.target) {
                continue;
            }
            let shared = shared.clone();
            let target = remote.target.clone();
            let (tried_tx, tried_rx) = tokio::sync::oneshot::channel();
            first_attempts.push(tried_rx);
            let task = tokio::spawn(async move { run_remote(remote, shared, tried_tx).await });
            running.insert(target, task);
        }
        if let Some(ready) = ready.take() {
            for attempt in first_attempts {
                let _ = attempt.await;
            }
            let _ = ready.send(());
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}

async fn run_remote(remote: Remote, shared: Shared, tried: tokio::sync::oneshot::Sender<()>) {
    let addr = match Address::parse(&remote.target, Some(stream::OVSDB_PORT)) {
        Ok(a) => a,
        Err(e) => {
            log(
                vlog::Level::Err,
                "ovsdb_jsonrpc_server",
                &format!("{}: {e}", remote.target),
            );
            return;
        }
    };
    let probe = match (&addr, remote.inactivity_probe) {
        (_, Some(p)) => p,
        (Address::Unix(_) | Address::PUnix(_), None) => 0,
        _ => DEFAULT_PROBE_MS,
    };
    if addr.is_passive() {
        run_listener(addr, remote.target, probe, shared, tried).await
    } else {
        let _ = tried.send(());
        run_active(addr, remote, probe, shared).await
    }
}

async fn run_listener(
    addr: Address,
    target: String,
    probe: u64,
    shared: Shared,
    tried: tokio::sync::oneshot::Sender<()>,
) {
    let mut backoff = Duration::from_secs(1);
    let mut tried = Some(tried);
    let mut listener = loop {
        let attempt = stream::listen(&addr, &shared.ctx).await;
        if let Some(t) = tried.take() {
            let _ = t.send(());
        }
        match attempt {
            Ok(l) => break l,
            Err(e) => {
                log(
                    vlog::Level::Err,
                    "ovsdb_jsonrpc_server",
                    &format!("{target}: listen failed: {e}"),
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(8));
            }
        }
    };
    let unix = matches!(addr, Address::PUnix(_));
    loop {
        let incoming = match listener.accept().await {
            Ok(i) => i,
            Err(e) => {
                log(
                    vlog::Level::Warn,
                    "ovsdb_jsonrpc_server",
                    &format!("{target}: accept failed: {e}"),
                );
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let conn_id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
            let name = if unix {
                format!("unix#{conn_id}")
            } else {
                incoming.peer().to_string()
            };
            match incoming.establish().await {
                Ok(io) => serve(io, name, conn_id, probe, &shared).await,
                Err(e) => log(vlog::Level::Warn, "stream_ssl", &format!("{name}: {e}")),
            }
        });
    }
}

async fn run_active(addr: Address, remote: Remote, probe: u64, shared: Shared) {
    let max_backoff = Duration::from_millis(remote.max_backoff.unwrap_or(8000).max(1000));
    let mut backoff = Duration::from_secs(1);
    loop {
        match stream::connect(&addr, &shared.ctx).await {
            Ok(io) => {
                let conn_id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
                log(
                    vlog::Level::Info,
                    "reconnect",
                    &format!("{}: connected", remote.target),
                );
                serve(io, remote.target.clone(), conn_id, probe, &shared).await;
                backoff = Duration::from_secs(1);
            }
            Err(e) => log(
                vlog::Level::Info,
                "reconnect",
                &format!("{}: connection attempt failed ({e})", remote.target),
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(max_backoff);
    }
}

/// Runs one JSON-RPC session until either side closes it.
async fn serve(io: BoxedStream, name: String, conn_id: ConnId, probe_ms: u64, shared: &Shared) {
    let mut conn = Connection::new(
        io,
        jsonrpc::Config {
            max_message_size: MAX_MESSAGE,
            queue_len: QUEUE_LEN,
            handle_echo: true,
        },
    );
    let closer = Arc::new(Notify::new());
    if !shared.post(Event::Connected {
        conn: conn_id,
        sender: conn.sender(),
        name: name.clone(),
        closer: closer.clone(),
    }) {
        return;
    }
    let probe = (probe_ms > 0).then(|| Duration::from_millis(probe_ms));
    let mut probed = false;
    loop {
        let idle = async {
            match probe {
                Some(p) => tokio::time::sleep(p).await,
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            r = conn.recv() => match r {
                Ok(Some(jsonrpc::Message::Reply { .. } | jsonrpc::Message::Error { .. })) => {
                    // The server sends no requests besides probes (whose replies the connection
                    // swallows): Open vSwitch drops a client that answers anything else.
                    log(vlog::Level::Warn, "ovsdb_jsonrpc_server",
                        &format!("{name}: received unexpected reply message"));
                    break;
                }
                Ok(Some(msg)) => {
                    probed = false;
                    if !shared.post(Event::Message { conn: conn_id, msg }) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    report_error(&name, &e);
                    break;
                }
            },
            _ = idle => {
                if probed {
                    log(vlog::Level::Err, "reconnect", &format!(
                        "{name}: no response to inactivity probe after {} seconds, disconnecting",
                        probe_ms * 2 / 1000));
                    break;
                }
                probed = true;
                if conn.send_probe().is_err() {
                    break;
                }
            }
            _ = closer.notified() => break,
        }
    }
    shared.post(Event::Disconnected { conn: conn_id });
}

fn report_error(name: &str, e: &ConnError) {
    match e {
        ConnError::Frame(f) => {
            log(vlog::Level::Warn, "jsonrpc", &format!("{name}: {f}"));
            log(
                vlog::Level::Warn,
                "reconnect",
                &format!("{name}: connection dropped (Protocol error)"),
            );
        }
        ConnError::Io(io) => {
            log(
                vlog::Level::Warn,
                "reconnect",
                &format!("{name}: connection dropped ({io})"),
            );
        }
        other => log(
            vlog::Level::Warn,
            "reconnect",
            &format!("{name}: connection dropped ({other})"),
        ),
    }
}
