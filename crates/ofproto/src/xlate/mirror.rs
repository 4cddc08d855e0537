//! Port mirroring (SPAN and RSPAN, the `Mirror` table): after a packet's translation, each
//! mirror that selects it gets a copy of the packet as it was received.
//!
//! A mirror selects a packet that came in on one of its `select_src_port`s, or that the
//! translation sends out of one of its `select_dst_port`s, or any packet with
//! `select_all`; if `select_vlan` is not empty, only packets in those VLANs (the VLAN the
//! packet belongs to inside the bridge, after the input port's VLAN rules). The copy goes
//!
//! * to `output_port` (SPAN), with the VLAN headers that port would give the packet in
//!   NORMAL switching (a port with no VLAN configuration carries the packet tagged with its
//!   VLAN, so the monitor sees which VLAN it belonged to); or
//! * with `output_vlan` (RSPAN) to every port that carries that VLAN (but the input port
//!   and mirror output ports), the VLAN being the copy's own.
//!
//! A copy never goes back to the input port, one port gets at most one copy, and a packet
//! already in an RSPAN mirror's VLAN is not copied into it. (A trunk that carries both the
//! packet's VLAN and an RSPAN VLAN gets the packet and its copy, as in Open vSwitch.) The copies are made before the packet's own
//! actions run: the datapath actions push/pop VLAN headers around each copy's output and
//! leave the packet as it was. Ports that are mirror outputs take no part in switching
//! (NORMAL neither learns on them nor floods to them; the daemon marks their bundles).
//!
//! Not done: mirror statistics (`Mirror` table `statistics`), and mirroring of the copies
//! made by `clone`/groups as separate selections (only the top-level outputs count).

use dpif::OdpAction;
use flow::{FieldId, Flow, FlowWildcards};
use normal::{VlanHdr, XVlan};

use crate::snapshot::Snapshot;

/// Where a mirror sends its copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MirrorOutput {
    /// A port (SPAN), by OpenFlow number.
    Port(u16),
    /// A VLAN (RSPAN).
    Vlan(u16),
}

/// One mirror of a bridge, with ports by OpenFlow number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mirror {
    /// The mirror's name (for traces).
    pub name: String,
    /// Select every packet.
    pub select_all: bool,
    /// Packets received on these ports.
    pub select_src: Vec<u16>,
    /// Packets sent to these ports.
    pub select_dst: Vec<u16>,
    /// Only packets in these VLANs (empty: all).
    pub select_vlan: Vec<u16>,
    /// Where copies go.
    pub output: MirrorOutput,
}

const VLAN_CFI: u16 = 0x1000;

fn tci(h: &VlanHdr) -> u16 {
    VLAN_CFI | (h.vid & 0x0fff) | (u16::from(h.pcp & 7) << 13)
}

/// The datapath actions that send copies of the (unmodified) packet `flow` to the mirrors
/// that select it, given the datapath actions `acts` of the packet itself. Adds the bits
/// the choice depended on to `wc`.
pub fn mirror_actions(
    snap: &Snapshot,
    flow: &Flow,
    acts: &[OdpAction],
    wc: &mut FlowWildcards,
) -> Vec<OdpAction> {
    if snap.mirrors.is_empty() {
        return Vec::new();
    }
    // The packet's VLAN headers decide both the selection and the copies' headers.
    wc.set(FieldId::VlanTci, u128::MAX);
    let in_port = flow.get(FieldId::InPort) as u16;
    let odp_to_ofp = |odp: u32| snap.ports.iter().find(|p| p.odp_port == odp);
    let outputs: Vec<u16> = acts
        .iter()
        .filter_map(|a| match a {
            OdpAction::Output(p) => odp_to_ofp(*p).map(|p| p.ofp_port),
            _ => None,
        })
        .collect();
    let wire = XVlan::from_tcis(
        flow.vlan_tci(),
        flow.vlan_tpid(0),
        flow.vlan_tci1(),
        flow.vlan_tpid(1),
    );
    let bridge = &snap.normal.bridge;
    // The packet's VLAN inside the bridge (as NORMAL would see it).
    let internal = match bridge.bundle(in_port) {
        Some(b) => b.vlan.input_vlans(&wire),
        None => wire,
    };
    // Ports that got a copy (never the input port).
    let mut sent: Vec<u16> = vec![in_port];
    let mut copies: Vec<(u16, Vec<VlanHdr>)> = Vec::new();
    for m in &snap.mirrors {
        let selected = m.select_all
            || m.select_src.contains(&in_port)
            || m.select_dst.iter().any(|p| outputs.contains(p));
        if !selected || !(m.select_vlan.is_empty() || m.select_vlan.contains(&internal.vid())) {
            continue;
        }
        match m.output {
            MirrorOutput::Port(p) => {
                if sent.contains(&p) {
                    continue;
                }
                let tags = match bridge.bundle(p) {
                    Some(b) => b.vlan.output_vlans(&internal).wire_tags(),
                    None => internal.wire_tags(),
                };
                sent.push(p);
                copies.push((p, tags));
            }
            // A packet already in the output VLAN is not copied into it again.
            MirrorOutput::Vlan(v) if v == internal.vid() => {}
            MirrorOutput::Vlan(v) => {
                let mut x = internal;
                x.0[0].vid = v;
                if x.0[0].tpid == 0 {
                    x.0[0].tpid = 0x8100;
                }
                for b in &bridge.bundles {
                    if b.mirror_out || sent.contains(&b.id) || !b.vlan.includes(&x) {
                        continue;
                    }
                    sent.push(b.id);
                    copies.push((b.id, b.vlan.output_vlans(&x).wire_tags()));
                }
            }
        }
    }
    let orig = wire.wire_tags();
    let mut out = Vec::new();
    // Copies with the same headers in a row share one change of headers.
    let mut i = 0;
    while i < copies.len() {
        let tags = &copies[i].1;
        let n = copies[i..].iter().take_while(|(_, t)| t == tags).count();
        let odps = copies[i..i + n]
            .iter()
            .filter_map(|(p, _)| snap.port(*p).map(|p| OdpAction::Output(p.odp_port)));
        if *tags == orig {
            out.extend(odps);
        } else {
            // Off with the packet's own headers, on with the copy's (innermost first),
            // out, and back.
            out.extend(orig.iter().map(|_| OdpAction::PopVlan));
            out.extend(tags.iter().rev().map(push));
            out.extend(odps);
            out.extend(tags.iter().map(|_| OdpAction::PopVlan));
            out.extend(orig.iter().rev().map(push));
        }
        i += n;
    }
    out
}

fn push(h: &VlanHdr) -> OdpAction {
    OdpAction::PushVlan {
        tpid: h.tpid,
        tci: tci(h),
    }
}
