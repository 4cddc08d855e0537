//! The NORMAL action: one forwarding decision of the 802.1D learning switch.
//!
//! [`xlate_normal`] follows the order in which Open vSwitch's bridge takes the decision,
//! because each step both decides and records which packet fields it looked at:
//!
//! 1. Un-wildcard `dl_src`, `dl_dst` and the outer VLAN's VID and CFI bits: every NORMAL
//!    decision depends on them.
//! 2. Find the input port's bundle (unknown port: drop, "no input bundle").
//! 3. Drop frames whose EtherType says VLAN but whose TCI lacks the CFI/present bit
//!    ("partial VLAN tag"), and frames arriving on a mirror-output-only port.
//! 4. Admission by the input port's VLAN configuration ([`PortVlan::check_input`]), with
//!    Open vSwitch's error text; then the packet's internal VLAN ([`PortVlan::input_vlans`]).
//! 5. Reserved control-protocol destinations are dropped unless `forward-bpdu` is set; a
//!    bond's admissibility verdict ([`BondVerdict`], computed by the caller's bond logic or
//!    [`bond_admissibility`]) is applied, including balance-slb's reflection check (a frame
//!    whose source was learned on another port is dropped unless it is a gratuitous ARP and
//!    the entry is not locked).
//! 6. Learning of the source address (when the caller allows side effects), with the
//!    gratuitous-ARP rule (ARP to broadcast that is a reply, or a request whose sender and
//!    target IP are equal; checking that consults `dl_dst`, `arp_op`, `arp_spa`/`arp_tpa`).
//! 7. Destination lookup: a learned port that is not the input port gets the packet
//!    ("forwarding to learned port"); the input port itself means drop ("learned port is
//!    input port, dropping"); no entry (unknown unicast, multicast, broadcast, flood VLAN)
//!    floods to every other floodable, non-mirror port that carries the packet's VLAN.
//!
//! Deliberate difference: when flooding decides on an access or `cvlans`-restricted
//! dot1q-tunnel port by looking at the packet's *inner* 802.1Q header (double-tagged input
//! on a trunk), the inner VID/CFI bits are un-wildcarded even if that port is not chosen.
//! Open vSwitch 3.1 only does so for ports it outputs to, which leaves a megaflow that also
//! matches packets whose inner VLAN would have been delivered there.
//!
//! Each output carries the VLAN headers the frame must have on that port
//! ([`PortVlan::output_vlans`]); the caller turns them into push/pop actions.
//! [`Decision::trace`] holds the explanation lines `ofproto/trace` prints for NORMAL.

use flow::{FieldId, Flow, FlowWildcards};

use crate::mac::{is_broadcast, is_reserved};
use crate::mac_table::{LearnOutcome, MacTable};
use crate::vlan::{PortVlan, VlanDrop, VlanHdr, XVlan};

const ETH_TYPE_ARP: u16 = 0x0806;

/// One bridge port ("bundle") as NORMAL sees it.
#[derive(Clone, Debug)]
pub struct BundleConfig<P> {
    /// Caller's port identifier.
    pub id: P,
    /// Port name (used in drop messages).
    pub name: String,
    /// Effective VLAN behaviour.
    pub vlan: PortVlan,
    /// False when the port has OpenFlow's `no-flood` set.
    pub floodable: bool,
    /// True when the port is reserved as a mirror output.
    pub mirror_out: bool,
    /// True when the port is a bond (affects gratuitous-ARP locking).
    pub bond: bool,
}

impl<P> BundleConfig<P> {
    /// A floodable, non-mirror, non-bond port.
    pub fn new(id: P, name: impl Into<String>, vlan: PortVlan) -> Self {
        BundleConfig {
            id,
            name: name.into(),
            vlan,
            floodable: true,
            mirror_out: false,
            bond: false,
        }
    }
}

/// A bond's verdict on a frame received on one of its members (computed by the bond logic,
/// see [`bond_admissibility`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BondVerdict {
    /// Take the frame (also the verdict for non-bond ports).
    #[default]
    Accept,
    /// Refuse it ("bonding refused admissibility").
    Drop,
    /// Refuse it if its source was learned on another port, unless it is a gratuitous ARP
    /// and the entry is not under a gratuitous-ARP lock (balance-slb reflection check).
    DropIfMoved,
}

/// A bond's load-balancing mode (`bond_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BondMode {
    /// `active-backup`.
    ActiveBackup,
    /// `balance-slb`.
    BalanceSlb,
    /// `balance-tcp`.
    BalanceTcp,
}

/// The admissibility verdict of a bond without negotiated LACP for a frame to `dl_dst`
/// received on a member: multicast only on the active member; active-backup bonds take
/// nothing on backup members; balance-slb bonds apply the reflection check; balance-tcp
/// bonds need LACP and take nothing. With LACP negotiated (`lacp_negotiated`), enabled
/// members (`member_enabled`) take everything.
pub fn bond_admissibility(
    mode: BondMode,
    lacp_negotiated: bool,
    member_enabled: bool,
    member_is_active: bool,
    dl_dst: u64,
) -> BondVerdict {
    if lacp_negotiated {
        return if member_enabled {
            BondVerdict::Accept
        } else {
            BondVerdict::Drop
        };
    }
    if mode == BondMode::BalanceTcp {
        return BondVerdict::Drop;
    }
    if crate::mac::is_multicast(dl_dst) && !member_is_active {
        return BondVerdict::Drop;
    }
    match mode {
        BondMode::ActiveBackup if member_is_active => BondVerdict::Accept,
        BondMode::BalanceSlb => BondVerdict::DropIfMoved,
        _ => BondVerdict::Drop,
    }
}

/// One packet to switch.
#[derive(Clone, Copy, Debug)]
pub struct NormalInput<'a, P> {
    /// The packet's flow.
    pub flow: &'a Flow,
    /// Input port (bundle identifier).
    pub in_port: P,
    /// Current time in milliseconds.
    pub now_ms: u64,
    /// Learn from the packet (false for `ofproto/trace`-style lookups).
    pub side_effects: bool,
    /// The input bond's verdict ([`BondVerdict::Accept`] for ordinary ports).
    pub bond_verdict: BondVerdict,
}

/// Bridge-wide NORMAL settings.
#[derive(Clone, Debug, Default)]
pub struct BridgeConfig<P> {
    /// Ports in flooding order.
    pub bundles: Vec<BundleConfig<P>>,
    /// `other_config:forward-bpdu`.
    pub forward_bpdu: bool,
}

impl<P: Copy + Eq> BridgeConfig<P> {
    /// The bundle with identifier `id`.
    pub fn bundle(&self, id: P) -> Option<&BundleConfig<P>> {
        self.bundles.iter().find(|b| b.id == id)
    }
}

/// One output of a NORMAL decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output<P> {
    /// Output port.
    pub port: P,
    /// Headers the frame carries when it leaves (outermost first; empty = untagged).
    pub tags: Vec<VlanHdr>,
}

/// Why NORMAL dropped a packet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// The input port is not part of the bridge.
    #[error("no input bundle, dropping")]
    NoInputBundle,
    /// VLAN EtherType without a present TCI.
    #[error("partial VLAN tag, dropping")]
    PartialVlanTag,
    /// Input port is a mirror output.
    #[error("input port is mirror output port, dropping")]
    MirrorInput,
    /// The input port's VLAN configuration refused the packet.
    #[error("disallowed VLAN VID for this input port, dropping")]
    Vlan(VlanDrop),
    /// The input bond refused the frame.
    #[error("bonding refused admissibility, dropping")]
    BondRefused,
    /// A balance-slb bond received a frame whose source lives elsewhere.
    #[error("SLB bond thinks this packet looped back, dropping")]
    BondLoopedBack,
    /// Reserved destination and BPDU forwarding disabled.
    #[error("packet has reserved destination MAC, dropping")]
    ReservedDestination,
    /// The destination was learned on the input port.
    #[error("learned port is input port, dropping")]
    LearnedOnInput,
    /// The destination was learned on a mirror output port.
    #[error("learned port is a mirror port, dropping")]
    LearnedOnMirror,
}

/// The result of [`xlate_normal`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<P> {
    /// Where the packet goes (empty = dropped).
    pub outputs: Vec<Output<P>>,
    /// Why it was dropped, if it was.
    pub drop: Option<DropReason>,
    /// The packet's VLAN inside the switch, once known.
    pub vlan: Option<u16>,
    /// True when the packet was flooded.
    pub flooded: bool,
    /// What learning did (None when learning did not run).
    pub learned: Option<LearnOutcome>,
    /// `ofproto/trace` explanation lines.
    pub trace: Vec<String>,
}

impl<P> Decision<P> {
    fn new() -> Self {
        Decision {
            outputs: Vec::new(),
            drop: None,
            vlan: None,
            flooded: false,
            learned: None,
            trace: Vec::new(),
        }
    }

    fn dropped(mut self, why: DropReason) -> Self {
        match &why {
            DropReason::Vlan(v) => {
                self.trace.push(format!(">>>> {v} <<<<"));
                self.trace.push(format!(">> {why}"));
            }
            DropReason::NoInputBundle | DropReason::PartialVlanTag | DropReason::MirrorInput => {
                self.trace.push(format!(">> {why}"));
            }
            _ => self.trace.push(format!("-> {why}")),
        }
        self.drop = Some(why);
        self
    }
}

/// Whether the flow is a gratuitous ARP, un-wildcarding what that test reads.
pub fn is_gratuitous_arp(flow: &Flow, wc: &mut FlowWildcards) -> bool {
    if flow.dl_type() != ETH_TYPE_ARP {
        return false;
    }
    wc.set(FieldId::EthDst, u128::MAX);
    if !is_broadcast(flow.dl_dst()) {
        return false;
    }
    wc.set(FieldId::ArpOp, u128::MAX);
    match flow.get(FieldId::ArpOp) {
        2 => true,
        1 => {
            wc.set(FieldId::ArpSpa, u128::MAX);
            wc.set(FieldId::ArpTpa, u128::MAX);
            flow.get(FieldId::ArpSpa) == flow.get(FieldId::ArpTpa)
        }
        _ => false,
    }
}

fn output<P: Copy>(bundle: &BundleConfig<P>, x: &XVlan, wc: &mut FlowWildcards) -> Output<P> {
    if bundle.vlan.consults_cvlan() {
        let old = wc.get_extra(flow::ExtraField::VlanTci1);
        wc.set_extra(flow::ExtraField::VlanTci1, old | 0x1fff);
    }
    Output {
        port: bundle.id,
        tags: bundle.vlan.output_vlans(x).wire_tags(),
    }
}

/// Takes the NORMAL decision for `flow` arriving on the (non-bond) port `in_port`.
///
/// With `side_effects` the source address is learned into `table` (as a real packet does);
/// without, the table is only read (as `ofproto/trace` does). `wc` accumulates the flow bits
/// the decision consulted.
pub fn xlate_normal<P: Copy + Eq + Ord + std::hash::Hash>(
    bridge: &BridgeConfig<P>,
    table: &mut MacTable<P>,
    flow: &Flow,
    in_port: P,
    now_ms: u64,
    side_effects: bool,
    wc: &mut FlowWildcards,
) -> Decision<P> {
    let input = NormalInput {
        flow,
        in_port,
        now_ms,
        side_effects,
        bond_verdict: BondVerdict::Accept,
    };
    xlate_normal_input(bridge, table, &input, wc)
}

/// Takes the NORMAL decision for one packet, including a bond's admissibility verdict.
pub fn xlate_normal_input<P: Copy + Eq + Ord + std::hash::Hash>(
    bridge: &BridgeConfig<P>,
    table: &mut MacTable<P>,
    input: &NormalInput<'_, P>,
    wc: &mut FlowWildcards,
) -> Decision<P> {
    let NormalInput {
        flow,
        in_port,
        now_ms,
        side_effects,
        bond_verdict,
    } = *input;
    let mut d = Decision::new();
    wc.set(FieldId::EthSrc, u128::MAX);
    wc.set(FieldId::EthDst, u128::MAX);
    let vm = wc.get(FieldId::VlanTci);
    wc.set(FieldId::VlanTci, vm | 0x1fff);

    let Some(inb) = bridge.bundle(in_port) else {
        return d.dropped(DropReason::NoInputBundle);
    };
    let tci0 = flow.vlan_tci();
    if matches!(flow.dl_type(), 0x8100 | 0x88a8) && tci0 & 0x1000 == 0 {
        return d.dropped(DropReason::PartialVlanTag);
    }
    if inb.mirror_out {
        return d.dropped(DropReason::MirrorInput);
    }
    let pkt = XVlan::from_tcis(tci0, flow.vlan_tpid(0), flow.vlan_tci1(), flow.vlan_tpid(1));
    if let Err(e) = inb.vlan.check_input(pkt.vid(), &inb.name) {
        return d.dropped(DropReason::Vlan(e));
    }
    let x = inb.vlan.input_vlans(&pkt);
    let vlan = x.vid();
    d.vlan = Some(vlan);

    if !bridge.forward_bpdu && is_reserved(flow.dl_dst()) {
        return d.dropped(DropReason::ReservedDestination);
    }

    match bond_verdict {
        BondVerdict::Accept => {}
        BondVerdict::Drop => return d.dropped(DropReason::BondRefused),
        BondVerdict::DropIfMoved => {
            let src = flow.dl_src();
            if let Some(port) = table.lookup(src, vlan, now_ms) {
                if port != inb.id
                    && (!is_gratuitous_arp(flow, wc) || table.is_grat_arp_locked(src, vlan, now_ms))
                {
                    return d.dropped(DropReason::BondLoopedBack);
                }
            }
        }
    }

    let grat = is_gratuitous_arp(flow, wc);
    if side_effects {
        d.learned = Some(table.learn(flow.dl_src(), vlan, inb.id, grat, inb.bond, now_ms));
    }

    match table.lookup(flow.dl_dst(), vlan, now_ms) {
        Some(port) => match bridge.bundle(port) {
            Some(b) if b.mirror_out => return d.dropped(DropReason::LearnedOnMirror),
            Some(b) if b.id != inb.id => {
                d.trace.push("-> forwarding to learned port".to_string());
                d.outputs.push(output(b, &x, wc));
            }
            Some(_) => return d.dropped(DropReason::LearnedOnInput),
            None => {
                d.trace
                    .push("-> learned port is unknown, dropping".to_string());
            }
        },
        None => {
            d.trace
                .push("-> no learned MAC for destination, flooding".to_string());
            d.flooded = true;
            let mut inner_consulted = false;
            for b in &bridge.bundles {
                if b.id == inb.id || !b.floodable || b.mirror_out {
                    continue;
                }
                inner_consulted |= b.vlan.includes_reads_inner();
                if b.vlan.includes(&x) {
                    d.outputs.push(output(b, &x, wc));
                }
            }
            if inner_consulted && inb.vlan.inner_from_packet() {
                let old = wc.get_extra(flow::ExtraField::VlanTci1);
                wc.set_extra(flow::ExtraField::VlanTci1, old | 0x1fff);
            }
        }
    }
    d
}
