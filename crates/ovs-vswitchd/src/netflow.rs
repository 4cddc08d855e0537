//! NetFlow v5 export: each bridge with a `NetFlow` row gets an exporter
//! ([`flow_export::NetflowExporter`]) that sends flow records to the row's `targets`.
//!
//! With NetFlow on, translation keeps the IPv4 addresses, protocol, ports and DSCP exact in
//! every megaflow (Open vSwitch does the same), so each megaflow's counters belong to one
//! NetFlow flow. Revalidation ([`crate::upcall::revalidate_bridge`]) hands each megaflow's
//! new packets and bytes to [`Netflows::credit`], with where its actions send the packet
//! (one OpenFlow port, several, or none); [`run`] (the daemon's timer) exports flows whose
//! active timeout passed and sends the datagrams; a megaflow that goes away exports its flow.
//! [`sync`] follows the configuration; a changed row restarts the exporter.
//!
//! Differences from Open vSwitch: a flood is reported as "multiple ports" (0xfffe) rather
//! than 0xffff, because the datapath actions no longer say whether the outputs came from a
//! flood; the flow's start and end times are those of the revalidation that saw the
//! traffic (within the timer's 250 ms) rather than the datapath's last-used time.

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use dpif::OdpAction;
use flow::{FieldId, Flow};
use flow_export::{
    ActiveTimeout, FlowKey, FlowUpdate, NetflowConfig, NetflowExporter, NetflowOutput,
};
use ofswitch::Switch;

use crate::collectors::Collectors;
use crate::config::NetflowCfg;
use crate::upcall::{lock, revalidate_bridge, Router};
use crate::Shared;

const ETH_TYPE_IP: u128 = 0x0800;

/// One bridge's exporter.
struct BridgeNetflow {
    cfg: NetflowCfg,
    exporter: NetflowExporter,
    collectors: Collectors,
    switch: Arc<Mutex<Switch>>,
}

/// The exporters of every bridge with NetFlow (kept in the [`Router`], which revalidation
/// has at hand).
#[derive(Default)]
pub struct Netflows(Vec<BridgeNetflow>);

/// What revalidation saw of one megaflow since the last time.
pub struct Credit<'a> {
    /// The megaflow's key (datapath in_port).
    pub key: &'a Flow,
    /// The bridge's OpenFlow number of the input port.
    pub in_port: u16,
    /// New packets and bytes.
    pub packets: u64,
    /// New bytes.
    pub bytes: u64,
    /// TCP flags seen.
    pub tcp_flags: u16,
    /// The megaflow's actions.
    pub actions: &'a [OdpAction],
}

fn flow_key(key: &Flow, in_port: u16) -> Option<FlowKey> {
    if key.get(FieldId::EthType) != ETH_TYPE_IP {
        return None;
    }
    Some(FlowKey {
        in_port,
        src: Ipv4Addr::from(key.get(FieldId::IpSrc) as u32),
        dst: Ipv4Addr::from(key.get(FieldId::IpDst) as u32),
        protocol: key.get(FieldId::NwProto) as u8,
        src_port: key.get(FieldId::TpSrc) as u16,
        dst_port: key.get(FieldId::TpDst) as u16,
    })
}

impl Netflows {
    /// True if `switch`'s bridge exports NetFlow.
    pub fn enabled(&self, switch: &Arc<Mutex<Switch>>) -> bool {
        self.0.iter().any(|b| Arc::ptr_eq(&b.switch, switch))
    }

    /// Credits a megaflow's new traffic to its NetFlow flow (non-IPv4 traffic is not
    /// exported, as in NetFlow v5).
    pub fn credit(
        &mut self,
        switch: &Arc<Mutex<Switch>>,
        router: &Router,
        c: &Credit<'_>,
        now_ms: u64,
    ) {
        let Some(b) = self.0.iter_mut().find(|b| Arc::ptr_eq(&b.switch, switch)) else {
            return;
        };
        let Some(key) = flow_key(c.key, c.in_port) else {
            return;
        };
        let mut outs = c.actions.iter().filter_map(|a| match a {
            OdpAction::Output(p) => Some(*p),
            _ => None,
        });
        let output = match (outs.next(), outs.next()) {
            (None, _) => NetflowOutput::Drop,
            (Some(p), None) => router
                .get(p)
                .map_or(NetflowOutput::Multiple, |r| NetflowOutput::Port(r.ofp_port)),
            _ => NetflowOutput::Multiple,
        };
        let update = FlowUpdate {
            packets: c.packets,
            bytes: c.bytes,
            tcp_flags: c.tcp_flags as u8,
            tos: c.key.get(FieldId::NwTos) as u8,
            output,
            used_ms: now_ms,
        };
        b.exporter.update(key, &update, now_ms);
    }

    /// A megaflow went away: export what its flow has not exported yet.
    pub fn forget(&mut self, switch: &Arc<Mutex<Switch>>, key: &Flow, in_port: u16) {
        if let (Some(b), Some(k)) = (
            self.0.iter_mut().find(|b| Arc::ptr_eq(&b.switch, switch)),
            flow_key(key, in_port),
        ) {
            b.exporter.remove(&k);
        }
    }
}

fn new_exporter(cfg: &NetflowCfg, now_ms: u64) -> Result<(NetflowExporter, Collectors), String> {
    let collectors = Collectors::open(&cfg.targets, None)?;
    let byte = |v: Option<i64>| v.and_then(|v| u8::try_from(v).ok()).unwrap_or(0);
    let config = NetflowConfig {
        engine_type: byte(cfg.engine_type),
        engine_id: byte(cfg.engine_id),
        active_timeout: match cfg.active_timeout {
            Some(v) => ActiveTimeout::from_column(v).map_err(|e| e.to_string())?,
            None => NetflowConfig::default().active_timeout,
        },
        add_id_to_interface: cfg.add_id_to_interface,
        ..NetflowConfig::default()
    };
    Ok((NetflowExporter::new(config, now_ms), collectors))
}

/// Follows the configuration (called after each reconfiguration).
pub fn sync(shared: &Shared) {
    let (dp, router, clock) = crate::ofconn::handles(shared);
    let want: Vec<(String, Option<NetflowCfg>, Arc<Mutex<Switch>>)> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| (n.clone(), b.cfg.netflow.clone(), b.switch.clone()))
        .collect();
    let now = clock.now_ms();
    for (name, cfg, switch) in want {
        let on = {
            let mut nf = lock(&router.netflow);
            let pos = nf.0.iter().position(|b| Arc::ptr_eq(&b.switch, &switch));
            match (&cfg, pos) {
                (Some(c), Some(i)) if nf.0[i].cfg == *c => true,
                (Some(c), pos) => {
                    if let Some(i) = pos {
                        nf.0.remove(i);
                    }
                    match new_exporter(c, now) {
                        Ok((exporter, collectors)) => {
                            nf.0.push(BridgeNetflow {
                                cfg: c.clone(),
                                exporter,
                                collectors,
                                switch: switch.clone(),
                            });
                            true
                        }
                        Err(e) => {
                            vlog::global().log(
                                "netflow",
                                vlog::Level::Warn,
                                &format!("{name}: NetFlow not started: {e}"),
                            );
                            false
                        }
                    }
                }
                (None, Some(i)) => {
                    nf.0.remove(i);
                    false
                }
                (None, None) => false,
            }
        };
        let mut sw = lock(&switch);
        if sw.snap.netflow != on {
            sw.snap.netflow = on;
            revalidate_bridge(&dp, &router, &switch, &mut sw.snap, now);
        }
    }
    // Bridges that are gone.
    let live: Vec<Arc<Mutex<Switch>>> = lock(&shared.vs)
        .bridges
        .values()
        .map(|b| b.switch.clone())
        .collect();
    lock(&router.netflow)
        .0
        .retain(|b| live.iter().any(|s| Arc::ptr_eq(s, &b.switch)));
}

/// Exports timed-out flows and sends the datagrams (the daemon's timer).
pub fn run(shared: &Shared) {
    let (_, router, clock) = crate::ofconn::handles(shared);
    let now = clock.now_ms();
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut nf = lock(&router.netflow);
    for b in &mut nf.0 {
        let Ok(datagrams) = b.exporter.run(now, wall) else {
            continue;
        };
        b.collectors.send(&datagrams);
    }
}
