//! Between the datapath and the bridges: which bridge a datapath port belongs to, the
//! handler PMD threads call when a packet misses the megaflow cache, and revalidation.
//!
//! # Consistency
//!
//! Each bridge's OpenFlow state (an [`ofswitch::Switch`], holding the translation
//! [`ofproto::Snapshot`]) sits behind one mutex. A miss is handled entirely under that
//! mutex: translate, apply the side effects (rule statistics, MAC learning), install the
//! megaflow, and only then release it (the datapath is told not to install it again).
//! Every change to the bridge's tables is made under the same mutex and is followed, before
//! the mutex is released, by [`revalidate`]: each of the bridge's megaflows is translated
//! again and deleted when its mask no longer fits, or given the new actions. So once an
//! OpenFlow message that changed the tables has been processed (and therefore before its
//! barrier reply), no packet is forwarded by a stale megaflow, and no upcall racing with the
//! change can install one after it.
//!
//! Statistics: a megaflow's packets are credited to the rules that produced it by the next
//! revalidation pass (the counter deltas since the last pass), which also runs before flow
//! statistics are read and before timeouts are checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};

use datapath::{Datapath, UpcallHandler, UpcallResult};
use dpif::{Dpif, FlowPutFlags, OdpPort};
use flow::{FieldId, Flow, FlowWildcards};
use ofproto::{megaflow_mask, xlate_with, SideEffect, Snapshot, XlateOptions, XlateOutput};
use ofswitch::Switch;
use packet::PacketBuf;

use crate::clock::Clock;

/// A datapath port's owner: its bridge's switch and its OpenFlow port number.
#[derive(Clone)]
pub struct Route {
    /// The bridge.
    pub switch: Arc<Mutex<Switch>>,
    /// OpenFlow port number on that bridge.
    pub ofp_port: u16,
}

/// A megaflow's counters as last credited.
#[derive(Clone, Copy, Debug)]
struct Credited {
    packets: u64,
    bytes: u64,
    active_ms: u64,
}

/// How long a megaflow may go without traffic before revalidation deletes it (Open
/// vSwitch's `other_config:max-idle` default): the megaflow table only holds live flows.
pub const MAX_IDLE_MS: u64 = 10_000;

/// Datapath port -> bridge, shared by the control side and the PMD threads.
#[derive(Default)]
pub struct Router {
    routes: RwLock<HashMap<OdpPort, Route>>,
    /// Per megaflow (key, mask): the packets and bytes already credited to rules, and when
    /// (switch clock) it was last seen forwarding.
    credited: Mutex<HashMap<(Flow, FlowWildcards), Credited>>,
    /// The next free recirculation id (one counter for the daemon's life, as in Open
    /// vSwitch; 0 means "not recirculated" so the counter starts at 1).
    next_recirc: std::sync::atomic::AtomicU32,
    /// NetFlow exporters of the bridges that have one (fed by revalidation).
    pub netflow: Mutex<crate::netflow::Netflows>,
}

impl Router {
    /// Sets (or with `None` removes) the owner of datapath port `odp`.
    pub fn set(&self, odp: OdpPort, route: Option<Route>) {
        let mut r = self.routes.write().unwrap_or_else(|e| e.into_inner());
        match route {
            Some(x) => {
                r.insert(odp, x);
            }
            None => {
                r.remove(&odp);
            }
        }
    }

    /// Runs `f` with the next free recirculation id and stores the one it returns.
    pub fn with_recirc<T>(&self, f: impl FnOnce(u32) -> (T, u32)) -> T {
        use std::sync::atomic::Ordering;
        let cur = self.next_recirc.load(Ordering::Relaxed).max(1);
        let (v, next) = f(cur);
        self.next_recirc.fetch_max(next, Ordering::Relaxed);
        v
    }

    /// The next free recirculation id, without taking it.
    pub fn peek_recirc(&self) -> u32 {
        self.next_recirc
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1)
    }

    /// The owner of datapath port `odp`.
    pub fn get(&self, odp: OdpPort) -> Option<Route> {
        self.routes
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&odp)
            .cloned()
    }
}

/// Locks a mutex, recovering from poisoning (a panicking thread must not stop the switch).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The flow translation sees: the datapath's flow with `in_port` as an OpenFlow port.
fn of_flow(dp_flow: &Flow, ofp_port: u16) -> Flow {
    let mut f = *dp_flow;
    f.set(FieldId::InPort, u128::from(ofp_port));
    f
}

/// Translates `dp_flow` (datapath numbering) on `snap`.
pub fn translate(
    router: &Router,
    snap: &Snapshot,
    dp_flow: &Flow,
    ofp_port: u16,
    now_ms: u64,
) -> XlateOutput {
    router.with_recirc(|next_recirc_id| {
        let out = xlate_with(
            snap,
            &of_flow(dp_flow, ofp_port),
            XlateOptions {
                tracing: false,
                next_recirc_id,
                now_ms,
            },
        );
        let next = out.next_recirc_id;
        (out, next)
    })
}

/// The datapath mask for a translation (`in_port` exact, in datapath numbering).
///
/// Whether a packet carries VLAN tags is always part of the key, as it is in Open
/// vSwitch's datapath keys (where a tagged packet's outer `eth_type` is 0x8100): otherwise a
/// megaflow made for untagged packets, whose rules never looked at the VLAN, would also
/// take tagged ones (and the reverse) although a rule added later may tell them apart.
fn dp_mask(of_flow: &Flow, out: &XlateOutput) -> FlowWildcards {
    const VLAN_CFI: u128 = 0x1000;
    let mut m = megaflow_mask(of_flow, &out.wc);
    m.set(FieldId::InPort, u128::MAX);
    m.set(FieldId::VlanTci, m.get(FieldId::VlanTci) | VLAN_CFI);
    let outer = flow::ExtraField::VlanTci1;
    m.set_extra(outer, m.get_extra(outer) | VLAN_CFI as u64);
    m
}

/// Applies translation side effects. Returns true when the MAC table changed in a way
/// that can change other translations (a new or moved entry).
fn apply_effects(snap: &mut Snapshot, out: &XlateOutput, bytes: u64, now_ms: u64) -> bool {
    let mut mac_changed = false;
    for e in &out.side_effects {
        match e {
            SideEffect::RuleHit { rule_id, table_id } => {
                snap.tables.credit_stats(*rule_id, 1, bytes, now_ms);
                snap.tables.credit_table_stats(*table_id, 1, 1);
            }
            SideEffect::TableMiss { table_id } => {
                snap.tables.credit_table_stats(*table_id, 1, 0);
            }
            SideEffect::MacLearn { mac, vlan, port } => {
                use normal::LearnOutcome;
                let o = snap
                    .normal
                    .macs
                    .learn(*mac, *vlan, *port, false, false, now_ms);
                if matches!(o, LearnOutcome::Learned | LearnOutcome::Moved) {
                    mac_changed = true;
                }
            }
            _ => {}
        }
    }
    mac_changed
}

/// The upcall handler registered with the datapath.
pub struct Handler {
    /// The routes.
    pub router: Arc<Router>,
    /// The datapath (weak: the datapath owns the handler).
    pub dp: Weak<Datapath>,
    /// The switch clock.
    pub clock: Arc<Clock>,
}

impl UpcallHandler for Handler {
    fn upcall(&self, packet: &PacketBuf, flow: &Flow, in_port: OdpPort) -> UpcallResult {
        let drop_all = || {
            let mut wc = FlowWildcards::catchall();
            wc.set(FieldId::InPort, u128::MAX);
            wc.set(FieldId::RecircId, u128::MAX);
            UpcallResult {
                actions: Vec::new(),
                wildcards: wc,
                install: true,
            }
        };
        let Some(route) = self.router.get(in_port) else {
            return drop_all();
        };
        let Some(dp) = self.dp.upgrade() else {
            return drop_all();
        };
        let now = self.clock.now_ms();
        let mut sw = lock(&route.switch);
        // LACP frames of bond members go to the bond, never through the tables.
        const ETH_TYPE_SLOW: u128 = 0x8809;
        if flow.get(FieldId::EthType) == ETH_TYPE_SLOW
            && crate::bonds::receive_lacp(&sw, route.ofp_port, packet.data(), now)
        {
            return UpcallResult {
                actions: Vec::new(),
                wildcards: FlowWildcards::catchall(),
                install: false,
            };
        }
        let out = translate(&self.router, &sw.snap, flow, route.ofp_port, now);
        let mask = dp_mask(&of_flow(flow, route.ofp_port), &out);
        let mac_changed = apply_effects(&mut sw.snap, &out, packet.len() as u64, now);
        if mac_changed {
            revalidate_bridge(&dp, &self.router, &route.switch, &mut sw.snap, now);
        }
        if dp
            .flow_put(flow, &mask, &out.actions, FlowPutFlags::CREATE)
            .is_ok()
        {
            // Its first packet is credited now (the datapath executes it without counting
            // it in the megaflow); later ones by revalidation, which counts its idle time
            // from now. (The datapath dumps it under this very key and mask.)
            lock(&self.router.credited).insert(
                (*flow, mask),
                Credited {
                    packets: 0,
                    bytes: 0,
                    active_ms: now,
                },
            );
            let mut netflow = lock(&self.router.netflow);
            if netflow.enabled(&route.switch) {
                let credit = crate::netflow::Credit {
                    key: flow,
                    in_port: route.ofp_port,
                    packets: 1,
                    bytes: packet.len() as u64,
                    tcp_flags: flow.get(FieldId::TcpFlags) as u16,
                    actions: &out.actions,
                };
                netflow.credit(&route.switch, &self.router, &credit, now);
            }
        }
        UpcallResult {
            actions: out.actions,
            wildcards: mask,
            install: false,
        }
    }
}

/// Revalidates the megaflows of the bridge whose switch is `me` (whose snapshot the caller
/// holds locked as `snap`): re-translates each, deletes those whose mask changed or that
/// have been idle for [`MAX_IDLE_MS`], updates actions, and credits counter deltas to rules.
pub fn revalidate_bridge(
    dp: &Datapath,
    router: &Router,
    me: &Arc<Mutex<Switch>>,
    snap: &mut Snapshot,
    now_ms: u64,
) {
    let flows = dp.flow_dump();
    let mut credited = lock(&router.credited);
    let mut netflow = lock(&router.netflow);
    let netflow_on = netflow.enabled(me);
    let mut seen = std::collections::HashSet::new();
    for f in flows {
        let in_port = f.key.get(FieldId::InPort) as OdpPort;
        let Some(route) = router.get(in_port) else {
            let _ = dp.flow_del(&f.key, &f.mask);
            continue;
        };
        if !Arc::ptr_eq(&route.switch, me) {
            continue;
        }
        // Re-translation must not use up recirculation ids (Open vSwitch keeps a
        // megaflow's ids when it revalidates it).
        let out = xlate_with(
            snap,
            &of_flow(&f.key, route.ofp_port),
            XlateOptions {
                tracing: false,
                next_recirc_id: router.peek_recirc(),
                now_ms,
            },
        );
        let id = (f.key, f.mask);
        let last = credited.get(&id).copied().unwrap_or(Credited {
            packets: 0,
            bytes: 0,
            active_ms: now_ms,
        });
        let (p0, b0) = (last.packets, last.bytes);
        let (dp_packets, dp_bytes) = (f.stats.packets.max(p0), f.stats.bytes.max(b0));
        let active_ms = if dp_packets > p0 {
            now_ms
        } else {
            last.active_ms
        };
        if netflow_on && dp_packets > p0 {
            let credit = crate::netflow::Credit {
                key: &f.key,
                in_port: route.ofp_port,
                packets: dp_packets - p0,
                bytes: dp_bytes - b0,
                tcp_flags: f.stats.tcp_flags,
                actions: &f.actions,
            };
            netflow.credit(me, router, &credit, now_ms);
        }
        if dp_packets > p0 {
            for e in &out.side_effects {
                let n = dp_packets - p0;
                match e {
                    SideEffect::RuleHit { rule_id, table_id } => {
                        snap.tables.credit_stats(*rule_id, n, dp_bytes - b0, now_ms);
                        snap.tables.credit_table_stats(*table_id, n, n);
                    }
                    SideEffect::TableMiss { table_id } => {
                        snap.tables.credit_table_stats(*table_id, n, 0);
                    }
                    _ => {}
                }
            }
        }
        let mask = dp_mask(&of_flow(&f.key, route.ofp_port), &out);
        let idle = now_ms.saturating_sub(active_ms) >= MAX_IDLE_MS;
        if mask != f.mask || idle {
            let _ = dp.flow_del(&f.key, &f.mask);
            credited.remove(&id);
            if netflow_on {
                netflow.forget(me, &f.key, route.ofp_port);
            }
        } else {
            if out.actions != f.actions {
                let _ = dp.flow_put(&f.key, &f.mask, &out.actions, FlowPutFlags::MODIFY);
            }
            credited.insert(
                id,
                Credited {
                    packets: dp_packets,
                    bytes: dp_bytes,
                    active_ms,
                },
            );
            seen.insert(id);
        }
    }
    // Forget megaflows of this bridge that left the datapath some other way.
    credited.retain(|id, _| {
        seen.contains(id)
            || router
                .get(id.0.get(FieldId::InPort) as OdpPort)
                .is_some_and(|r| !Arc::ptr_eq(&r.switch, me))
    });
}

/// Deletes every megaflow of the datapath and forgets their credits.
pub fn purge(dp: &Datapath, router: &Router) {
    let _ = dp.flow_flush();
    lock(&router.credited).clear();
}
