//! OpenFlow controllers of a bridge (`ovs-vsctl set-controller`), and the packet-in pump.
//!
//! * Active targets (`tcp:IP[:PORT]`, `unix:FILE`, `ssl:...`): a task per target connects,
//!   serves the connection as a primary controller until it drops, then reconnects after a
//!   back-off that doubles from 1 s up to the Controller's `max_backoff` (default 8 s).
//! * Passive targets (`ptcp:PORT[:IP]`, `punix:FILE`): a listener whose connections are
//!   controller connections.
//!
//! [`sync_controllers`] starts and stops these tasks as the configuration changes, and
//! [`status_columns`] says what the Controller rows' `is_connected`, `role` and `status`
//! should hold (the daemon's status pass writes them).
//! [`start_packet_in_pump`] runs a thread that takes the datapath's `userspace()` upcalls
//! (packets a flow sends to the controller) and turns them into packet-ins.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dpif::{Dpif, UserspaceCookie};
use flow::{FieldId, Match};
use ofswitch::{ConnId, ConnKind, PacketIn, Role, Switch};

use crate::ofconn::{dispatch, serve_with};
use crate::upcall::lock;
use crate::Shared;

/// Default OpenFlow port for targets that give none.
const OFP_PORT: u16 = 6653;

/// Running controller tasks, keyed by (bridge, target).
pub type ControllerTasks = Mutex<HashMap<(String, String), tokio::task::JoinHandle<()>>>;

/// The connection state of one controller target.
#[derive(Debug)]
pub struct TargetState {
    /// Open connections (an active target has at most one; a passive one, any number).
    conns: Vec<ConnId>,
    /// When the target last got its first connection / lost its last one.
    since: Option<Instant>,
    /// Why the last connection attempt failed.
    last_error: Option<String>,
    /// An active target waiting before it reconnects.
    backoff: bool,
    /// When the target was first seen.
    created: Instant,
}

impl Default for TargetState {
    fn default() -> Self {
        TargetState {
            conns: Vec::new(),
            since: None,
            last_error: None,
            backoff: false,
            created: Instant::now(),
        }
    }
}

/// Connection states by (bridge, target).
pub type ControllerStates = Mutex<HashMap<(String, String), TargetState>>;

fn note(shared: &Shared, key: &(String, String), f: impl FnOnce(&mut TargetState)) {
    f(lock(&shared.controller_states)
        .entry(key.clone())
        .or_default());
}

/// Starts tasks for new controller targets and stops those no longer configured.
pub fn sync_controllers(shared: &Arc<Shared>) {
    type Wanted = ((String, String), Arc<Mutex<Switch>>, u64);
    let want: Vec<Wanted> = lock(&shared.vs)
        .bridges
        .iter()
        .flat_map(|(name, b)| {
            b.cfg.controllers.iter().map(move |c| {
                (
                    (name.clone(), c.target.clone()),
                    b.switch.clone(),
                    c.max_backoff.unwrap_or(8_000).clamp(1_000, 3_600_000) as u64,
                )
            })
        })
        .collect();
    let mut tasks = lock(&shared.controllers);
    tasks.retain(|k, t| {
        let keep = want.iter().any(|(w, _, _)| w == k);
        if !keep {
            t.abort();
            lock(&shared.controller_states).remove(k);
        }
        keep
    });
    for (key, sw, max_backoff) in want {
        if tasks.contains_key(&key) {
            continue;
        }
        let Ok(addr) = stream::Address::parse(&key.1, Some(OFP_PORT)) else {
            vlog::global().log(
                "connmgr",
                vlog::Level::Warn,
                &format!("{}: {}: bad controller target", key.0, key.1),
            );
            continue;
        };
        note(shared, &key, |_| {});
        let sh = shared.clone();
        let task = if addr.is_passive() {
            tokio::spawn(listen(sh, sw, key.clone(), addr))
        } else {
            tokio::spawn(connect_loop(sh, sw, key.clone(), addr, max_backoff))
        };
        tasks.insert(key, task);
    }
}

async fn connect_loop(
    shared: Arc<Shared>,
    sw: Arc<Mutex<Switch>>,
    key: (String, String),
    addr: stream::Address,
    max_backoff_ms: u64,
) {
    let ctx = stream::Context::new(shared.rundir.clone());
    let mut backoff = Duration::from_secs(1);
    loop {
        note(&shared, &key, |t| t.backoff = false);
        match stream::connect(&addr, &ctx).await {
            Ok(s) => {
                vlog::global().log("rconn", vlog::Level::Info, &format!("{addr}: connected"));
                backoff = Duration::from_secs(1);
                let sh = shared.clone();
                let k = key.clone();
                serve_with(
                    shared.clone(),
                    sw.clone(),
                    s,
                    ConnKind::Controller,
                    move |id| {
                        note(&sh, &k, |t| {
                            t.conns.push(id);
                            t.since = Some(Instant::now());
                            t.last_error = None;
                        });
                    },
                )
                .await;
                note(&shared, &key, |t| {
                    t.conns.clear();
                    t.since = Some(Instant::now());
                });
                vlog::global().log(
                    "rconn",
                    vlog::Level::Info,
                    &format!("{addr}: connection dropped"),
                );
            }
            Err(e) => {
                note(&shared, &key, |t| t.last_error = Some(e.to_string()));
                vlog::global().log(
                    "rconn",
                    vlog::Level::Info,
                    &format!("{addr}: connection failed ({e})"),
                )
            }
        }
        note(&shared, &key, |t| t.backoff = true);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(max_backoff_ms));
    }
}

async fn listen(
    shared: Arc<Shared>,
    sw: Arc<Mutex<Switch>>,
    key: (String, String),
    addr: stream::Address,
) {
    let ctx = stream::Context::new(shared.rundir.clone());
    let mut l = match stream::listen(&addr, &ctx).await {
        Ok(l) => l,
        Err(e) => {
            vlog::global().log(
                "connmgr",
                vlog::Level::Err,
                &format!("{addr}: listen failed ({e})"),
            );
            return;
        }
    };
    loop {
        match l.accept().await {
            Ok(inc) => {
                let (sh, sw, key) = (shared.clone(), sw.clone(), key.clone());
                tokio::spawn(async move {
                    if let Ok(s) = inc.establish().await {
                        let (sh2, k2) = (sh.clone(), key.clone());
                        let mut me = None;
                        serve_with(sh.clone(), sw, s, ConnKind::Controller, |id| {
                            me = Some(id);
                            note(&sh2, &k2, |t| {
                                if t.conns.is_empty() {
                                    t.since = Some(Instant::now());
                                }
                                t.conns.push(id);
                            });
                        })
                        .await;
                        note(&sh, &key, |t| {
                            t.conns.retain(|c| Some(*c) != me);
                            if t.conns.is_empty() {
                                t.since = Some(Instant::now());
                            }
                        });
                    }
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Starts the thread that turns `userspace(controller(...))` upcalls into packet-ins.
pub fn start_packet_in_pump(shared: Arc<Shared>) -> std::io::Result<()> {
    let (dp, router, clock) = crate::ofconn::handles(&shared);
    std::thread::Builder::new()
        .name("packet-in".into())
        .spawn(move || loop {
            if Arc::strong_count(&shared) == 1 {
                return;
            }
            dp.recv_wait(200);
            while let Ok(Some(up)) = dp.recv() {
                if let Some(route) = router.get(up.in_port) {
                    if crate::sflow::sample(&shared, &route.switch, &up, clock.now_ms()) {
                        continue;
                    }
                }
                let Some(UserspaceCookie::Controller {
                    reason,
                    dont_send,
                    rule_cookie,
                    controller_id,
                    max_len,
                    ..
                }) = up.userdata
                else {
                    continue;
                };
                if dont_send {
                    continue;
                }
                let Some(route) = router.get(up.in_port) else {
                    continue;
                };
                let mut md = Match::catchall();
                for i in 0..16 {
                    if let Some(f) = FieldId::reg(i) {
                        let v = up.key.get(f);
                        if v != 0 {
                            md.set_raw(f, v, u128::from(u32::MAX));
                        }
                    }
                }
                let meta = up.key.get(FieldId::Metadata);
                if meta != 0 {
                    md.set_raw(FieldId::Metadata, meta, u128::from(u64::MAX));
                }
                let pi = PacketIn {
                    in_port: route.ofp_port,
                    reason,
                    table_id: 0,
                    cookie: rule_cookie,
                    packet: up.packet.data().to_vec(),
                    max_len: if reason == 0 && max_len == u16::MAX {
                        None
                    } else {
                        Some(max_len)
                    },
                    controller_id,
                    metadata: md,
                };
                let out = lock(&route.switch).packet_in(pi);
                dispatch(&shared, &route.switch, out);
            }
        })
        .map(|_| ())
}

/// The Controller rows' status columns: `(row, column, value)` for every configured
/// controller; `status` only `with_status` (its `sec_since_*` counters change every second,
/// so the daemon writes it only with its periodic statistics).
pub fn status_columns(
    shared: &Shared,
    with_status: bool,
) -> Vec<(uuid::Uuid, &'static str, ovsdb::Datum)> {
    use ovsdb::{Atom, Datum};
    type BridgeControllers = (String, Arc<Mutex<Switch>>, Vec<(uuid::Uuid, String)>);
    let bridges: Vec<BridgeControllers> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| {
            let ctls = b
                .cfg
                .controllers
                .iter()
                .map(|c| (c.uuid, c.target.clone()))
                .collect();
            (n.clone(), b.switch.clone(), ctls)
        })
        .collect();
    let states = lock(&shared.controller_states);
    let mut out = Vec::new();
    for (bridge, sw, ctls) in bridges {
        for (uuid, target) in ctls {
            let st = states.get(&(bridge.clone(), target.clone()));
            let conns: &[ConnId] = st.map_or(&[], |s| s.conns.as_slice());
            let connected = !conns.is_empty();
            out.push((
                uuid,
                "is_connected",
                Datum::scalar(Atom::Boolean(connected)),
            ));
            let role = {
                let g = lock(&sw);
                conns.iter().find_map(|c| g.conn(*c).map(|s| s.role))
            };
            out.push((
                uuid,
                "role",
                match role {
                    Some(Role::Primary) => Datum::scalar(Atom::String("master".into())),
                    Some(Role::Secondary) => Datum::scalar(Atom::String("slave".into())),
                    Some(Role::Equal) => Datum::scalar(Atom::String("other".into())),
                    None => Datum::set(Vec::new()),
                },
            ));
            if !with_status {
                continue;
            }
            let mut status = BTreeMap::new();
            let passive =
                stream::Address::parse(&target, Some(OFP_PORT)).is_ok_and(|a| a.is_passive());
            if connected || !passive {
                let state = match st {
                    _ if connected => "ACTIVE",
                    Some(s) if s.backoff => "BACKOFF",
                    _ => "CONNECTING",
                };
                status.insert("state".to_string(), state.to_string());
            }
            if let Some(e) = st.and_then(|s| s.last_error.as_ref()) {
                status.insert("last_error".to_string(), e.clone());
            }
            if let Some(since) = st.and_then(|s| s.since) {
                let key = if connected {
                    "sec_since_connect"
                } else {
                    "sec_since_disconnect"
                };
                status.insert(key.to_string(), since.elapsed().as_secs().to_string());
            }
            out.push((
                uuid,
                "status",
                Datum::map(
                    status
                        .into_iter()
                        .map(|(k, v)| (Atom::String(k), Atom::String(v)))
                        .collect(),
                ),
            ));
        }
    }
    out
}

/// Default `inactivity_probe` of a controller, in milliseconds.
const DEFAULT_PROBE_MS: i64 = 5_000;

/// Puts standalone bridges whose controllers have all been unreachable for three probe
/// intervals into fail-open mode (a learning switch), and takes them out as soon as one
/// connects; `fail_mode=secure` bridges never fail open. Returns the bridges that changed.
pub fn update_fail_open(shared: &Shared) -> Vec<Arc<Mutex<Switch>>> {
    type Candidate = (String, Arc<Mutex<Switch>>, bool, Vec<(String, i64)>);
    let bridges: Vec<Candidate> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| {
            let secure = b.cfg.fail_mode.as_deref() == Some("secure");
            let ctls = b
                .cfg
                .controllers
                .iter()
                .map(|c| {
                    (
                        c.target.clone(),
                        c.inactivity_probe.unwrap_or(DEFAULT_PROBE_MS).max(0),
                    )
                })
                .collect();
            (n.clone(), b.switch.clone(), secure, ctls)
        })
        .collect();
    let states = lock(&shared.controller_states);
    let mut changed = Vec::new();
    for (bridge, sw, secure, ctls) in bridges {
        let fail_open = !secure
            && !ctls.is_empty()
            && ctls.iter().all(|(target, probe_ms)| {
                let st = states.get(&(bridge.clone(), target.clone()));
                let connected = st.is_some_and(|s| !s.conns.is_empty());
                // Never connected: count from when the target was configured.
                let since = st.and_then(|s| s.since.or(Some(s.created)));
                !connected
                    && since
                        .is_some_and(|t| t.elapsed() >= Duration::from_millis(3 * *probe_ms as u64))
            });
        let mut g = lock(&sw);
        if g.snap.fail_open != fail_open {
            g.snap.fail_open = fail_open;
            vlog::global().log(
                "fail_open",
                vlog::Level::Warn,
                &format!(
                    "{bridge}: {}",
                    if fail_open {
                        "could not connect to controller for a while; entering fail-open mode"
                    } else {
                        "leaving fail-open mode"
                    }
                ),
            );
            drop(g);
            changed.push(sw);
        }
    }
    changed
}
