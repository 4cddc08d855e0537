//! sFlow: each bridge with an `sFlow` row gets an agent ([`flow_export::SflowAgent`]) that
//! sends sFlow v5 datagrams to the row's `targets`.
//!
//! * Packet samples: translation starts every packet's datapath actions with a `sample`
//!   action of probability 1/`sampling` whose `userspace(sFlow(...))` upcall comes back
//!   through the packet-in pump to [`sample`]; the cookie names the input VLAN and the
//!   output interface(s), the packet gives the sampled header (`header` bytes).
//! * Counter samples: every `polling` seconds, each port with a kernel ifIndex is polled
//!   (generic interface counters, its OpenFlow port number and its name) from [`run`],
//!   which the daemon's timer calls; [`run`] also sends what the agents have batched.
//! * [`sync`] follows the configuration: a changed `sFlow` row restarts the bridge's agent
//!   (sequence numbers and uptime start again, as in Open vSwitch), ports are added and
//!   removed as pollers, and the bridge's translation gets or loses its sampling (which
//!   revalidates its megaflows).
//!
//! The agent address is the `agent` column when it is an IP address; otherwise (an
//! interface name, or nothing) it is the local address the host would use to reach the
//! first collector, which is what Open vSwitch falls back to as well. Ports without an
//! ifIndex (dummy ports) are sampled with an unknown interface and are not polled.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex};

use dpif::{Upcall, UserspaceCookie};
use flow_export::{
    CounterRecord, GenericInterfaceCounters, PacketSample, PollTarget, SflowAgent, SflowConfig,
    SflowInterface,
};
use ofproto::SflowSampling;
use ofswitch::Switch;

use crate::collectors::{any_address, Collectors};
use crate::config::SflowCfg;
use crate::upcall::{lock, revalidate_bridge};
use crate::Shared;

/// The sFlow collector port when a target gives none.
const SFLOW_PORT: u16 = 6343;

/// A port as sFlow reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PortRef {
    ifindex: u32,
    ofp_port: u16,
    name: String,
}

/// One bridge's agent.
struct BridgeSflow {
    cfg: SflowCfg,
    agent: SflowAgent,
    collectors: Collectors,
    switch: Arc<Mutex<Switch>>,
    datapath_id: u64,
    /// Datapath port -> port.
    ports: HashMap<u32, PortRef>,
}

/// The agents of every bridge with sFlow, by bridge name.
#[derive(Default)]
pub struct Agents(BTreeMap<String, BridgeSflow>);

/// The agent address: `agent` if it is an address, else the source address towards the
/// first collector.
fn agent_address(agent: Option<&str>, targets: &[SocketAddr]) -> IpAddr {
    if let Some(ip) = agent.and_then(|a| a.parse::<IpAddr>().ok()) {
        return ip;
    }
    targets
        .first()
        .and_then(|t| {
            let s = UdpSocket::bind(any_address(t)).ok()?;
            s.connect(t).ok()?;
            Some(s.local_addr().ok()?.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn new_agent(cfg: &SflowCfg, now_ms: u64) -> Result<(SflowAgent, Collectors), String> {
    let collectors = Collectors::open(&cfg.targets, Some(SFLOW_PORT))?;
    let mut c = SflowConfig::new(agent_address(cfg.agent.as_deref(), &collectors.targets));
    let int = |v: Option<i64>, d: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(d);
    c.sampling_rate = int(cfg.sampling, c.sampling_rate).max(1);
    c.header_bytes = int(cfg.header, c.header_bytes).clamp(1, 256);
    c.polling_interval = int(cfg.polling, c.polling_interval);
    let agent = SflowAgent::new(c, now_ms).map_err(|e| e.to_string())?;
    Ok((agent, collectors))
}

/// Follows the configuration (called after each reconfiguration).
pub fn sync(shared: &Shared) {
    type Want = (
        String,
        Option<SflowCfg>,
        Arc<Mutex<Switch>>,
        u64,
        HashMap<u32, PortRef>,
    );
    let (dp, router, clock) = crate::ofconn::handles(shared);
    let want: Vec<Want> = {
        let vs = lock(&shared.vs);
        vs.bridges
            .iter()
            .map(|(name, b)| {
                let ports = b
                    .ifaces
                    .iter()
                    .map(|(n, i)| {
                        (
                            i.odp_port,
                            PortRef {
                                ifindex: u32::try_from(i.ifindex).unwrap_or(0),
                                ofp_port: i.ofp_port,
                                name: n.clone(),
                            },
                        )
                    })
                    .collect();
                (
                    name.clone(),
                    b.cfg.sflow.clone(),
                    b.switch.clone(),
                    b.datapath_id,
                    ports,
                )
            })
            .collect()
    };
    let now = clock.now_ms();
    let mut agents = lock(&shared.sflow);
    agents
        .0
        .retain(|name, _| want.iter().any(|w| &w.0 == name && w.1.is_some()));
    for (name, cfg, switch, datapath_id, ports) in want {
        let sampling = match &cfg {
            None => None,
            Some(cfg) => {
                let fresh = agents.0.get(&name).is_none_or(|a| a.cfg != *cfg);
                if fresh {
                    match new_agent(cfg, now) {
                        Ok((agent, collectors)) => {
                            agents.0.insert(
                                name.clone(),
                                BridgeSflow {
                                    cfg: cfg.clone(),
                                    agent,
                                    collectors,
                                    switch: switch.clone(),
                                    datapath_id,
                                    ports: HashMap::new(),
                                },
                            );
                        }
                        Err(e) => {
                            agents.0.remove(&name);
                            vlog::global().log(
                                "sflow",
                                vlog::Level::Warn,
                                &format!("{name}: sFlow not started: {e}"),
                            );
                        }
                    }
                }
                agents.0.get_mut(&name).map(|a| {
                    a.datapath_id = datapath_id;
                    for p in a.ports.values() {
                        if p.ifindex != 0 && !ports.values().any(|q| q.ifindex == p.ifindex) {
                            a.agent.remove_port(p.ifindex);
                        }
                    }
                    for p in ports.values().filter(|p| p.ifindex != 0) {
                        a.agent.add_port(p.ifindex, now);
                    }
                    a.ports = ports;
                    SflowSampling {
                        probability: u32::MAX / a.agent.config().sampling_rate.max(1),
                        ifindex: a
                            .ports
                            .iter()
                            .filter(|(_, p)| p.ifindex != 0)
                            .map(|(odp, p)| (*odp, p.ifindex))
                            .collect(),
                    }
                })
            }
        };
        let mut sw = lock(&switch);
        if sw.snap.sflow != sampling {
            sw.snap.sflow = sampling;
            revalidate_bridge(&dp, &router, &switch, &mut sw.snap, now);
        }
    }
}

fn sflow_interface(output: u32) -> SflowInterface {
    if output & 0x8000_0000 != 0 {
        SflowInterface::Multiple(output & 0x3fff_ffff)
    } else if output & 0x4000_0000 != 0 {
        SflowInterface::Discarded(output & 0x3fff_ffff)
    } else {
        SflowInterface::Index(output)
    }
}

/// Handles a datapath `userspace(sFlow(...))` upcall. Returns false if it was not one.
pub fn sample(shared: &Shared, switch: &Arc<Mutex<Switch>>, up: &Upcall, now_ms: u64) -> bool {
    let Some(UserspaceCookie::SFlow { output, .. }) = up.userdata else {
        return false;
    };
    let mut agents = lock(&shared.sflow);
    let Some(a) = agents
        .0
        .values_mut()
        .find(|a| Arc::ptr_eq(&a.switch, switch))
    else {
        return true;
    };
    let input = a
        .ports
        .get(&up.in_port)
        .map_or(SflowInterface::Unknown, |p| {
            SflowInterface::Index(p.ifindex)
        });
    let s = PacketSample {
        frame: up.packet.data(),
        input,
        output: sflow_interface(output),
        switch: None,
        extra: Vec::new(),
    };
    if a.agent.add_packet_sample(&s, now_ms).is_err() {
        a.agent.add_drops(1);
    }
    true
}

/// Polls counters that are due and sends every finished datagram (the daemon's timer).
pub fn run(shared: &Shared) {
    let (dp, _, clock) = crate::ofconn::handles(shared);
    let now = clock.now_ms();
    let mut agents = lock(&shared.sflow);
    for a in agents.0.values_mut() {
        for target in a.agent.due_polls(now) {
            let PollTarget::Port(ifindex) = target else {
                continue;
            };
            let Some((odp, p)) = a.ports.iter().find(|(_, p)| p.ifindex == ifindex) else {
                continue;
            };
            let Some(dev) = dp.netdev(*odp) else {
                continue;
            };
            let st = dev.stats().unwrap_or_default();
            let up = dev.is_up().unwrap_or(false);
            let generic = GenericInterfaceCounters {
                if_index: ifindex,
                if_type: 6,
                if_speed: 0,
                if_direction: 1,
                admin_up: up,
                oper_up: up && dev.carrier().unwrap_or(false),
                in_octets: Some(st.rx_bytes),
                in_ucast_pkts: Some(st.rx_packets),
                in_multicast_pkts: Some(st.multicast),
                in_broadcast_pkts: None,
                in_discards: Some(st.rx_dropped),
                in_errors: Some(st.rx_errors),
                in_unknown_protos: None,
                out_octets: Some(st.tx_bytes),
                out_ucast_pkts: Some(st.tx_packets),
                out_multicast_pkts: None,
                out_broadcast_pkts: None,
                out_discards: Some(st.tx_dropped),
                out_errors: Some(st.tx_errors),
                promiscuous: false,
            };
            let records = vec![
                CounterRecord::Generic(generic),
                CounterRecord::OpenFlowPort {
                    datapath_id: a.datapath_id,
                    port_no: u32::from(p.ofp_port),
                },
                CounterRecord::PortName(&p.name),
            ];
            let _ = a.agent.add_counter_sample(target, records, now);
        }
        let Ok(datagrams) = a.agent.flush(now) else {
            continue;
        };
        a.collectors.send(&datagrams);
    }
}
