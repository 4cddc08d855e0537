//! OpenFlow connections: each bridge's management socket (`<rundir>/<bridge>.mgmt`, the one
//! `ovs-ofctl br0 ...` uses), the per-connection tasks that feed messages to the bridge's
//! [`ofswitch::Switch`], the environment the switch calls back into ([`Env`]: packet_out,
//! port statistics, revalidation), and the timers (flow expiry, MAC aging).
//!
//! Messages of one connection are handled in order, each under the bridge lock. A change to
//! the tables marks the bridge dirty; before any reply produced by a chunk of input is
//! written (so in particular before a barrier reply), the bridge's megaflows are
//! revalidated. A connection yields to the others after every chunk it read, so a client
//! flooding flow_mods does not starve the rest.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datapath::Datapath;
use dpif::{Dpif, PacketMetadata};
use flow::{FieldId, Flow};
use ofproto::{xlate_actions, Snapshot, XlateOptions};
use ofswitch::{ConnId, ConnKind, Outgoing, PortCounters, Switch, SwitchEnv};
use packet::PacketBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::upcall::{lock, revalidate_bridge, Router};
use crate::Shared;

/// Largest OpenFlow message accepted.
const MAX_MSG: usize = 65_535;

/// Every OpenFlow version (1.0 .. 1.5) as a hello bitmap.
pub const ALL_VERSIONS: u32 = 0b111_1110;

type ConnKey = (usize, u64);

/// A connection's send queue: `Some(bytes)` to send, `None` to close.
pub type SendQueue = mpsc::UnboundedSender<Option<Vec<u8>>>;

/// Open connections' send queues, by (switch, connection).
pub type Registry = Mutex<HashMap<ConnKey, SendQueue>>;

fn key(sw: &Arc<Mutex<Switch>>, c: ConnId) -> ConnKey {
    (Arc::as_ptr(sw) as usize, c.0)
}

/// Sends the switch's outgoing messages to their connections.
pub fn dispatch(shared: &Shared, sw: &Arc<Mutex<Switch>>, out: Vec<Outgoing>) {
    if out.is_empty() {
        return;
    }
    let reg = lock(&shared.conns);
    // Consecutive messages to one connection travel (and are written) as one buffer.
    let mut pending: Option<(ConnId, Vec<u8>)> = None;
    let flush = |p: &mut Option<(ConnId, Vec<u8>)>| {
        if let Some((c, bytes)) = p.take() {
            if let Some(tx) = reg.get(&key(sw, c)) {
                let _ = tx.send(Some(bytes));
            }
        }
    };
    for o in out {
        match o {
            Outgoing::Send(c, bytes) => match pending.as_mut() {
                Some((pc, buf)) if *pc == c && buf.len() < 1 << 20 => buf.extend_from_slice(&bytes),
                _ => {
                    flush(&mut pending);
                    pending = Some((c, bytes));
                }
            },
            Outgoing::Close(c) => {
                flush(&mut pending);
                if let Some(tx) = reg.get(&key(sw, c)) {
                    let _ = tx.send(None);
                }
            }
        }
    }
    flush(&mut pending);
}

/// A listening management socket.
pub struct Listener {
    task: tokio::task::JoinHandle<()>,
    path: PathBuf,
}

impl Listener {
    /// Stops listening and removes the socket file.
    pub fn stop(self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Starts management sockets for new bridges and stops those of deleted ones.
pub fn sync_listeners(shared: &Arc<Shared>) {
    let bridges: Vec<(String, Arc<Mutex<Switch>>)> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| (n.clone(), b.switch.clone()))
        .collect();
    let mut mg = lock(&shared.mgmt);
    let gone: Vec<String> = mg
        .keys()
        .filter(|n| !bridges.iter().any(|(b, _)| b == *n))
        .cloned()
        .collect();
    for n in gone {
        if let Some(l) = mg.remove(&n) {
            l.stop();
        }
    }
    for (name, sw) in bridges {
        if mg.contains_key(&name) {
            continue;
        }
        let path = shared.rundir.join(format!("{name}.mgmt"));
        let _ = std::fs::remove_file(&path);
        let listener = match std::os::unix::net::UnixListener::bind(&path)
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .and_then(tokio::net::UnixListener::from_std)
        {
            Ok(l) => l,
            Err(e) => {
                vlog::global().log(
                    "connmgr",
                    vlog::Level::Err,
                    &format!("{}: failed to listen ({e})", path.display()),
                );
                continue;
            }
        };
        let sh = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((s, _)) => {
                        tokio::spawn(serve(sh.clone(), sw.clone(), s, ConnKind::Service));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        mg.insert(name, Listener { task, path });
    }
}

/// The message kinds the daemon does something around (besides the switch's handling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MsgKind {
    /// OpenFlow 1.3+ `OFPT_METER_MOD`: the datapath's meters follow.
    MeterMod,
    /// A statistics request of OpenFlow 1.1+: meter counters are folded first.
    MultipartRequest,
    Other,
}

fn msg_kind(msg: &[u8]) -> MsgKind {
    const OFP13_VERSION: u8 = 4;
    const OFP11_VERSION: u8 = 2;
    const OFPT13_METER_MOD: u8 = 29;
    const OFPT11_MULTIPART_REQUEST: u8 = 18;
    match (msg.first().copied(), msg.get(1).copied()) {
        (Some(v), Some(OFPT13_METER_MOD)) if v >= OFP13_VERSION => MsgKind::MeterMod,
        (Some(v), Some(OFPT11_MULTIPART_REQUEST)) if v >= OFP11_VERSION => {
            MsgKind::MultipartRequest
        }
        _ => MsgKind::Other,
    }
}

/// What the switch calls back into.
pub struct Env<'a> {
    dp: &'a Datapath,
    clock: &'a Clock,
    router: &'a Router,
    me: &'a Arc<Mutex<Switch>>,
    /// The bridge's ports: OpenFlow number -> datapath number.
    odp_of: HashMap<u16, u32>,
    /// Set when the tables changed.
    pub dirty: bool,
    /// Set when a port's link state may have changed.
    pub ports_changed: bool,
}

impl<'a> Env<'a> {
    fn new(
        dp: &'a Datapath,
        clock: &'a Clock,
        router: &'a Router,
        me: &'a Arc<Mutex<Switch>>,
        sw: &Switch,
    ) -> Env<'a> {
        Env {
            dp,
            clock,
            router,
            me,
            odp_of: sw
                .snap
                .ports
                .iter()
                .map(|p| (p.ofp_port, p.odp_port))
                .collect(),
            dirty: false,
            ports_changed: false,
        }
    }
}

impl SwitchEnv for Env<'_> {
    fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    fn port_counters(&self, ofp_port: u16) -> Option<PortCounters> {
        let odp = *self.odp_of.get(&ofp_port)?;
        let dev = self.dp.netdev(odp)?;
        let st = dev.stats().ok()?;
        let dummy = self
            .dp
            .port_query_by_number(odp)
            .is_ok_and(|p| p.port_type.starts_with("dummy"));
        if dummy {
            // A dummy port counts packets and bytes only; the rest print as "?".
            return Some(PortCounters {
                rx_packets: st.rx_packets,
                tx_packets: st.tx_packets,
                rx_bytes: st.rx_bytes,
                tx_bytes: st.tx_bytes,
                ..PortCounters::default()
            });
        }
        Some(PortCounters {
            rx_frame_err: 0,
            rx_over_err: 0,
            rx_crc_err: 0,
            rx_packets: st.rx_packets,
            tx_packets: st.tx_packets,
            rx_bytes: st.rx_bytes,
            tx_bytes: st.tx_bytes,
            rx_dropped: st.rx_dropped,
            tx_dropped: st.tx_dropped,
            rx_errors: st.rx_errors,
            tx_errors: st.tx_errors,
            collisions: st.collisions,
            ..PortCounters::default()
        })
    }

    fn packet_out(
        &mut self,
        snap: &Snapshot,
        in_port: u16,
        actions: &[ofp_actions::Action],
        packet: &[u8],
    ) -> Result<(), openflow::OfpErr> {
        let mut f = Flow::new();
        flow::extract(
            packet,
            &flow::Metadata {
                in_port,
                ..flow::Metadata::default()
            },
            &mut f,
        );
        f.set(FieldId::InPort, u128::from(in_port));
        let out = xlate_actions(
            snap,
            &f,
            actions,
            XlateOptions {
                tracing: false,
                next_recirc_id: 1,
                now_ms: self.clock.now_ms(),
            },
        );
        let md = PacketMetadata {
            in_port: self.odp_of.get(&in_port).copied().unwrap_or(u32::MAX),
            ..PacketMetadata::default()
        };
        let _ = self
            .dp
            .execute(PacketBuf::from_slice(packet), &md, &out.actions);
        Ok(())
    }

    fn port_mod(&mut self, ofp_port: u16, config: u32, mask: u32) -> Result<(), openflow::OfpErr> {
        const OFPPC_PORT_DOWN: u32 = 1;
        if mask & OFPPC_PORT_DOWN != 0 {
            if let Some(dev) = self
                .odp_of
                .get(&ofp_port)
                .and_then(|odp| self.dp.netdev(*odp))
            {
                let _ = dev.set_up(config & OFPPC_PORT_DOWN == 0);
                self.ports_changed = true;
            }
        }
        Ok(())
    }

    fn tables_changed(&mut self, _snap: &Snapshot) {
        self.dirty = true;
    }

    fn fold_stats(&mut self, snap: &mut Snapshot) {
        // Revalidation credits each megaflow's new packets to its rules and tables.
        revalidate_bridge(self.dp, self.router, self.me, snap, self.clock.now_ms());
    }
}

/// Recomputes which packet-in reasons some connection wants (translation marks the others
/// `dont_send`). Returns true if that changed.
pub fn update_wanted_packet_ins(sw: &mut Switch) -> bool {
    let mut bits = 0u32;
    for id in sw.conn_ids() {
        if let Some(c) = sw.conn(id) {
            for reason in 0..8u8 {
                if c.wants(ofswitch::conn::oam::PACKET_IN, reason) {
                    bits |= 1 << reason;
                }
            }
        }
    }
    let changed = sw.snap.wanted_packet_ins != bits;
    sw.snap.wanted_packet_ins = bits;
    changed
}

/// Re-reads each port's link state (administratively up and carrier) from its netdev.
/// Returns `None` when nothing changed, else the `PORT_STATUS` messages for the connections
/// that want them (possibly none).
pub fn refresh_port_states(dp: &Datapath, sw: &mut Switch) -> Option<Vec<Outgoing>> {
    const LINK_DOWN: u32 = 1;
    const LIVE: u32 = 4;
    let mut ports = sw.ports().to_vec();
    let mut changed = false;
    for p in ports.iter_mut() {
        let Some(dev) = dp.netdev(p.odp_port) else {
            continue;
        };
        // A device that vanished (its namespace deleted, unplugged) answers with errors.
        let up = dev.is_up().unwrap_or(false) && dev.carrier().unwrap_or(false);
        let state = if up { LIVE } else { LINK_DOWN };
        if p.state != state {
            p.state = state;
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    let out = sw.set_ports(ports.clone());
    for info in sw.snap.ports.iter_mut() {
        if let Some(d) = ports.iter().find(|d| d.ofp_port == info.ofp_port) {
            info.up = d.state & LINK_DOWN == 0;
        }
    }
    Some(out)
}

/// The datapath, router and clock.
pub fn handles(shared: &Shared) -> (Arc<Datapath>, Arc<Router>, Arc<Clock>) {
    let vs = lock(&shared.vs);
    (vs.dp.clone(), vs.router.clone(), vs.clock.clone())
}

/// Serves one OpenFlow connection until it closes.
pub async fn serve<S>(shared: Arc<Shared>, sw: Arc<Mutex<Switch>>, stream: S, kind: ConnKind)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    serve_with(shared, sw, stream, kind, |_| {}).await;
}

/// [`serve`], telling `opened` the connection's id once the switch has it.
pub async fn serve_with<S>(
    shared: Arc<Shared>,
    sw: Arc<Mutex<Switch>>,
    stream: S,
    kind: ConnKind,
    opened: impl FnOnce(ofswitch::ConnId),
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (tx, mut rx) = mpsc::unbounded_channel::<Option<Vec<u8>>>();
    let (id, hello) = lock(&sw).open_conn(kind, ALL_VERSIONS);
    opened(id);
    lock(&shared.conns).insert(key(&sw, id), tx);
    dispatch(&shared, &sw, hello);
    let (dp, router, clock) = handles(&shared);
    let mut buf: Vec<u8> = Vec::with_capacity(65_536);
    let mut chunk = vec![0u8; 65_536];
    // One task reads and writes: replies to this connection's own requests are written
    // right away (no hand-off to another task per round trip); what other tasks send it
    // (packet-ins, flow_removed, monitor updates) arrives through the queue.
    'outer: loop {
        let n = tokio::select! {
            queued = rx.recv() => {
                let Some(Some(mut bytes)) = queued else {
                    break 'outer;
                };
                let mut closing = false;
                while bytes.len() < 1 << 20 {
                    match rx.try_recv() {
                        Ok(Some(more)) => bytes.extend_from_slice(&more),
                        Ok(None) => {
                            closing = true;
                            break;
                        }
                        Err(_) => break,
                    }
                }
                if wr.write_all(&bytes).await.is_err() || closing {
                    break 'outer;
                }
                continue 'outer;
            }
            r = rd.read(&mut chunk) => match r {
                Ok(0) | Err(_) => break 'outer,
                Ok(n) => n,
            },
        };
        buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
        let mut pos = 0;
        let mut outs = Vec::new();
        let mut dirty = false;
        let mut unframeable = false;
        loop {
            let rest = buf.get(pos..).unwrap_or(&[]);
            match openflow::frame(rest, MAX_MSG) {
                Ok(Some(len)) => {
                    let msg = rest.get(..len).unwrap_or(&[]);
                    let mut g = lock(&sw);
                    let kind = msg_kind(msg);
                    if kind == MsgKind::MultipartRequest && !g.snap.dp_meters.is_empty() {
                        crate::meters::fold_stats(&dp, &mut g);
                    }
                    let mut env = Env::new(&dp, &clock, &router, &sw, &g);
                    let mut out = g.receive(id, msg, &mut env);
                    if kind == MsgKind::MeterMod {
                        crate::meters::sync(&dp, &mut g);
                    }
                    if env.dirty | update_wanted_packet_ins(&mut g) {
                        dirty = true;
                    }
                    if env.ports_changed {
                        out.extend(refresh_port_states(&dp, &mut g).unwrap_or_default());
                    }
                    // A barrier (or anything answered after a change) must find the
                    // datapath up to date: revalidate before queueing the replies.
                    if dirty && !out.is_empty() {
                        let now = clock.now_ms();
                        revalidate_bridge(&dp, &router, &sw, &mut g.snap, now);
                        dirty = false;
                    }
                    drop(g);
                    outs.extend(out);
                    pos += len;
                }
                Ok(None) => break,
                Err(_) => {
                    // Unframeable input: OpenFlow gives no way to resynchronise.
                    unframeable = true;
                    break;
                }
            }
        }
        if dirty {
            let mut g = lock(&sw);
            let now = clock.now_ms();
            revalidate_bridge(&dp, &router, &sw, &mut g.snap, now);
        }
        buf.drain(..pos);
        // Our own replies go out now, in order; everything else to its connection's queue.
        let mut mine: Vec<u8> = Vec::new();
        let mut close = false;
        let mut others = Vec::new();
        for o in outs {
            match o {
                Outgoing::Send(c, bytes) if c == id && !close => mine.extend_from_slice(&bytes),
                Outgoing::Close(c) if c == id => close = true,
                Outgoing::Send(c, _) if c == id => {}
                other => others.push(other),
            }
        }
        dispatch(&shared, &sw, others);
        if !mine.is_empty() && wr.write_all(&mine).await.is_err() {
            break;
        }
        if close || unframeable {
            break;
        }
    }
    let _ = wr.shutdown().await;
    {
        let mut g = lock(&sw);
        g.close_conn(id);
        if update_wanted_packet_ins(&mut g) {
            let now = clock.now_ms();
            revalidate_bridge(&dp, &router, &sw, &mut g.snap, now);
        }
    }
    lock(&shared.conns).remove(&key(&sw, id));
}

/// The kernel's link notifications, and how many timer rounds ran (see [`run_timers`]).
#[derive(Debug, Default)]
pub struct LinkWatch {
    /// Link change notifications (None if they could not be subscribed to).
    pub monitor: Option<netdev::netlink::LinkMonitor>,
    /// Timer rounds so far.
    pub rounds: u32,
}

/// Periodic work: fold datapath statistics into rules, expire flows (sending
/// flow_removed), age MAC entries.
pub async fn timers(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        run_timers(&shared);
    }
}

/// One round of [`timers`] (also run by `time/warp`).
pub fn run_timers(shared: &Shared) {
    let (dp, router, clock) = handles(shared);
    let switches: Vec<Arc<Mutex<Switch>>> = lock(&shared.vs)
        .bridges
        .values()
        .map(|b| b.switch.clone())
        .collect();
    // Link states are read from every port when the kernel reported a link change, and
    // once a second anyway (ports without kernel devices, a missed notification): reading
    // them every round costs a netlink round trip per tap port.
    let refresh_links = {
        let mut w = lock(&shared.link_watch);
        w.rounds = w.rounds.wrapping_add(1);
        let mut events = Vec::new();
        let notified = match w.monitor.as_mut() {
            Some(m) => m.poll(&mut events).map_or(true, |n| n > 0),
            None => true,
        };
        notified || w.rounds % 4 == 0
    };
    // Per bridge whose links changed: each port's OpenFlow number and whether it is up.
    type LinkStates = Vec<(u16, bool)>;
    let mut link_changes: Vec<(Arc<Mutex<Switch>>, LinkStates)> = Vec::new();
    for sw in switches {
        let mut g = lock(&sw);
        let now = clock.now_ms();
        revalidate_bridge(&dp, &router, &sw, &mut g.snap, now);
        let refreshed = if refresh_links {
            refresh_port_states(&dp, &mut g)
        } else {
            None
        };
        let links_changed = refreshed.is_some();
        let mut out = refreshed.unwrap_or_default();
        if links_changed {
            let states = g
                .ports()
                .iter()
                .map(|p| (p.ofp_port, p.state & 1 == 0))
                .collect();
            link_changes.push((sw.clone(), states));
        }
        let mut env = Env::new(&dp, &clock, &router, &sw, &g);
        out.extend(g.run_timers(&mut env));
        let mac_changed = g.snap.normal.macs.run(now);
        if env.dirty || mac_changed {
            revalidate_bridge(&dp, &router, &sw, &mut g.snap, now);
        }
        drop(g);
        dispatch(shared, &sw, out);
    }
    if !link_changes.is_empty() {
        // Report the new link states in the database.
        let mut vs = lock(&shared.vs);
        let mut updates = Vec::new();
        for br in vs.bridges.values() {
            let Some((_, states)) = link_changes
                .iter()
                .find(|(s, _)| Arc::ptr_eq(s, &br.switch))
            else {
                continue;
            };
            for i in br.ifaces.values() {
                if let (Some(u), Some((_, up))) =
                    (i.uuid, states.iter().find(|(p, _)| *p == i.ofp_port))
                {
                    updates.push((u, *up));
                }
            }
        }
        for (u, up) in updates {
            if let Some(st) = vs.status.get_mut(&u) {
                st.up = Some(up);
            }
        }
        drop(vs);
        shared.kick.notify_one();
    }
    crate::sflow::run(shared);
    crate::netflow::run(shared);
    crate::bonds::run(shared);
    for sw in crate::controller::update_fail_open(shared) {
        let mut g = lock(&sw);
        revalidate_bridge(&dp, &router, &sw, &mut g.snap, clock.now_ms());
    }
}
