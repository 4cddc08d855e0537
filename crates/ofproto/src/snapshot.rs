//! The read-only bridge state translation works on.
//!
//! A [`Snapshot`] is what the main thread publishes (behind an `Arc`) for translating
//! threads: the bridge name, its ports in the order floods visit them, the OpenFlow tables
//! and the groups. [`OfActions`] is the actions payload the tables store: a plain
//! `Vec<ofp_actions::Action>` with the [`RuleActions`] hooks the tables need.

use flow::PortMap;
use normal::{BridgeConfig, MacTable};
use ofp_actions::Action;
use ofproto_tables::{GroupTable, OfprotoTables, PortNo, RuleActions};

/// A rule's or bucket's actions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OfActions(pub Vec<Action>);

fn outputs_to(acts: &[Action], port: PortNo) -> bool {
    acts.iter().any(|a| match a {
        Action::Output { port: p, .. } | Action::Enqueue { port: p, .. } => {
            ofp10_to_ofp11(*p) == port
        }
        Action::OutputTrunc { port: p, .. } => ofp10_to_ofp11(*p) == port,
        Action::Controller(_) => port == ofp10_to_ofp11(ofp_actions::action::OFPP_CONTROLLER),
        Action::WriteActions(inner) | Action::Clone(inner) => outputs_to(inner, port),
        _ => false,
    })
}

fn groups_in(acts: &[Action], out: &mut Vec<u32>) {
    for a in acts {
        match a {
            Action::Group(g) => out.push(*g),
            Action::WriteActions(inner) | Action::Clone(inner) => groups_in(inner, out),
            _ => {}
        }
    }
}

/// OpenFlow 1.0 port number to the 1.1+ numbering (reserved ports move to the top).
pub fn ofp10_to_ofp11(port: u16) -> PortNo {
    if port >= ofp_actions::action::OFPP_MAX {
        u32::from(port) + 0xffff_0000
    } else {
        u32::from(port)
    }
}

impl RuleActions for OfActions {
    fn outputs_to_port(&self, port: PortNo) -> bool {
        outputs_to(&self.0, port)
    }
    fn outputs_to_group(&self, group_id: u32) -> bool {
        self.referenced_groups().contains(&group_id)
    }
    fn uses_meter(&self, meter_id: u32) -> bool {
        self.0
            .iter()
            .any(|a| matches!(a, Action::Meter(m) if *m == meter_id))
    }
    fn referenced_groups(&self) -> Vec<u32> {
        let mut v = Vec::new();
        groups_in(&self.0, &mut v);
        v
    }
    fn format_actions(&self, out: &mut String, ports: Option<&PortMap>) {
        out.push_str(&ofp_actions::format_actions(&self.0, ports));
    }
}

/// One bridge port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// OpenFlow port number (`OFPP_LOCAL` = 0xfffe for the bridge's own port).
    pub ofp_port: u16,
    /// Datapath port number.
    pub odp_port: u32,
    /// Port (interface) name.
    pub name: String,
    /// Whether the port is live (fast-failover groups watch this).
    pub up: bool,
}

/// Everything translation reads.
#[derive(Debug)]
pub struct Snapshot {
    /// Bridge name (`bridge("br0")` in traces).
    pub bridge: String,
    /// Ports, in the order `flood`/`all` visit them.
    pub ports: Vec<PortInfo>,
    /// The OpenFlow tables.
    pub tables: OfprotoTables<OfActions>,
    /// The groups.
    pub groups: GroupTable<OfActions>,
    /// NORMAL's bridge configuration (bundles keyed by OpenFlow port number, in flooding
    /// order) and MAC learning table. Translation only reads the table; learning comes
    /// back as [`crate::SideEffect::MacLearn`].
    pub normal: NormalState,
    /// Packet-in reasons some connected controller wants, one bit per OpenFlow reason code
    /// (`1 << PacketInReason::Action as u32`...); the others are marked `dont_send`.
    pub wanted_packet_ins: u32,
    /// Frozen translation states, by recirculation id (filled by translation itself).
    pub recirc: crate::recirc::RecircTable,
    /// The datapath meter behind each OpenFlow meter id (kept by the daemon). An OpenFlow
    /// `meter` instruction translates to the datapath's `meter(id)`; one without a datapath
    /// meter translates to nothing.
    pub dp_meters: std::collections::HashMap<u32, u32>,
    /// sFlow sampling of the bridge, if configured: every translation of a packet starts
    /// with a `sample` action that sends 1 in N packets to the sFlow agent.
    pub sflow: Option<SflowSampling>,
    /// NetFlow is exported for the bridge: megaflows keep the IPv4 addresses, protocol,
    /// ports and DSCP exact, so that each is one NetFlow flow.
    pub netflow: bool,
    /// Port mirrors (the daemon also marks their output ports' bundles `mirror_out`).
    pub mirrors: Vec<crate::xlate::mirror::Mirror>,
    /// "Fail open": a standalone bridge that has lost its controllers acts as a learning
    /// switch whatever its flow tables say (Open vSwitch's fail-open rule, which outranks
    /// every OpenFlow priority), until a controller connects again.
    pub fail_open: bool,
    /// Bonded ports (their bundles in `normal` stand for all their members).
    pub bonds: Vec<std::sync::Arc<crate::xlate::bonding::BondPort>>,
}

/// How translation samples packets for sFlow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SflowSampling {
    /// Sampling probability as a fraction of `u32::MAX` (`u32::MAX / sampling_rate`).
    pub probability: u32,
    /// The kernel interface index of each datapath port that has one (an sFlow sample
    /// names its output interface by ifIndex).
    pub ifindex: std::collections::HashMap<u32, u32>,
}

/// The state the `NORMAL` action reads.
#[derive(Debug, Clone, Default)]
pub struct NormalState {
    /// Ports with their VLAN configuration, in flooding order.
    pub bridge: BridgeConfig<u16>,
    /// Learned addresses.
    pub macs: MacTable<u16>,
}

impl Snapshot {
    /// An empty bridge with the given ports.
    pub fn new(bridge: impl Into<String>, ports: Vec<PortInfo>) -> Self {
        Snapshot {
            bridge: bridge.into(),
            ports,
            tables: OfprotoTables::new(),
            groups: GroupTable::new(),
            normal: NormalState::default(),
            wanted_packet_ins: 0,
            recirc: crate::recirc::RecircTable::new(),
            dp_meters: std::collections::HashMap::new(),
            sflow: None,
            netflow: false,
            mirrors: Vec::new(),
            fail_open: false,
            bonds: Vec::new(),
        }
    }

    /// The port with OpenFlow number `ofp_port`.
    pub fn port(&self, ofp_port: u16) -> Option<&PortInfo> {
        self.ports.iter().find(|p| p.ofp_port == ofp_port)
    }
}
