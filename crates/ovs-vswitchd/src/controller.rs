//! OpenFlow controllers of a bridge (`ovs-vsctl set-controller`), and the packet-in pump.
//!
//! * Active targets (`tcp:IP[:PORT]`, `unix:FILE`, `ssl:...`): a task per target connects,
//!   serves the connection as a primary controller until it drops, then reconnects after a
//!   back-off that doubles from 1 s up to the Controller's `max_backoff` (default 8 s).
//! * Passive targets (`ptcp:PORT[:IP]`, `punix:FILE`): a listener whose connections are
//!   controller connections.
//!
//! [`sync_controllers`] starts and stops these tasks as the configuration changes.
//! [`start_packet_in_pump`] runs a thread that takes the datapath's `userspace()` upcalls
//! (packets a flow sends to the controller) and turns them into packet-ins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dpif::{Dpif, UserspaceCookie};
use flow::{FieldId, Match};
use ofswitch::{ConnKind, PacketIn, Switch};

use crate::ofconn::{dispatch, serve};
use crate::upcall::lock;
use crate::Shared;

/// Default OpenFlow port for targets that give none.
const OFP_PORT: u16 = 6653;

/// Running controller tasks, keyed by (bridge, target).
pub type ControllerTasks = Mutex<HashMap<(String, String), tokio::task::JoinHandle<()>>>;

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
        let sh = shared.clone();
        let task = if addr.is_passive() {
            tokio::spawn(listen(sh, sw, addr))
        } else {
            tokio::spawn(connect_loop(sh, sw, addr, max_backoff))
        };
        tasks.insert(key, task);
    }
}

async fn connect_loop(
    shared: Arc<Shared>,
    sw: Arc<Mutex<Switch>>,
    addr: stream::Address,
    max_backoff_ms: u64,
) {
    let ctx = stream::Context::new(shared.rundir.clone());
    let mut backoff = Duration::from_secs(1);
    loop {
        match stream::connect(&addr, &ctx).await {
            Ok(s) => {
                vlog::global().log("rconn", vlog::Level::Info, &format!("{addr}: connected"));
                backoff = Duration::from_secs(1);
                serve(shared.clone(), sw.clone(), s, ConnKind::Controller).await;
                vlog::global().log(
                    "rconn",
                    vlog::Level::Info,
                    &format!("{addr}: connection dropped"),
                );
            }
            Err(e) => vlog::global().log(
                "rconn",
                vlog::Level::Info,
                &format!("{addr}: connection failed ({e})"),
            ),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(max_backoff_ms));
    }
}

async fn listen(shared: Arc<Shared>, sw: Arc<Mutex<Switch>>, addr: stream::Address) {
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
                let (sh, sw) = (shared.clone(), sw.clone());
                tokio::spawn(async move {
                    if let Ok(s) = inc.establish().await {
                        serve(sh, sw, s, ConnKind::Controller).await;
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
