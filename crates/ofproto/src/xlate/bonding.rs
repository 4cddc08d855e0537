//! Bonds in translation: a port with several interfaces is one NORMAL bundle whose
//! members are separate OpenFlow ports.
//!
//! * A packet received on a member enters NORMAL through the bond's bundle (MAC learning
//!   names the bundle), after the bond's admissibility verdict (a backup member of an
//!   active-backup bond, a bond whose LACP did not negotiate, balance-slb's reflection
//!   check: [`bond::Bond::admissibility`]).
//! * NORMAL output to the bond goes to the member the bond chooses for the flow
//!   ([`bond::Bond::choose_output`]): the active member (active-backup) or a hash of the
//!   source MAC and VLAN (balance-slb) or of the L2-L4 fields (balance-tcp); the megaflow
//!   keeps the fields the choice read. No usable member: the output is dropped.
//! * Slow-protocol frames (LACP) are never switched: the daemon hands them to the bond's
//!   LACP instance before translation.
//!
//! The daemon owns the state ([`BondPort::bond`]) and changes it from its timers (member
//! up/down, LACP); a change revalidates the bridge's megaflows.

use std::sync::{Arc, Mutex};

use bond::hash::TcpHashFields;
use flow::{FieldId, Flow, FlowWildcards};
use normal::BondVerdict;

/// One bonded port of a bridge.
#[derive(Debug)]
pub struct BondPort {
    /// The port's name.
    pub name: String,
    /// Its bundle in the NORMAL configuration (the lowest member's OpenFlow number).
    pub bundle: u16,
    /// Members: OpenFlow number and interface name.
    pub members: Vec<(u16, String)>,
    /// The bond's state.
    pub bond: Mutex<bond::Bond>,
    /// Its LACP instance, when `lacp` is active or passive (the daemon feeds it the
    /// members' slow-protocol frames and sends what it returns).
    pub lacp: Mutex<Option<bond::Lacp>>,
}

impl BondPort {
    fn state(&self) -> std::sync::MutexGuard<'_, bond::Bond> {
        self.bond.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The member name of OpenFlow port `ofp`, if it is one.
    pub fn member_name(&self, ofp: u16) -> Option<&str> {
        self.members
            .iter()
            .find(|(p, _)| *p == ofp)
            .map(|(_, n)| n.as_str())
    }

    /// The verdict on a frame with destination `dl_dst` received on member `ofp`.
    pub fn admissibility(&self, ofp: u16, dl_dst: u64) -> BondVerdict {
        match self.member_name(ofp) {
            Some(n) => self.state().admissibility(n, dl_dst),
            None => BondVerdict::Drop,
        }
    }

    /// The member (OpenFlow number) that sends `flow`, adding the fields the choice read
    /// to `wc`; None when no member may send.
    pub fn choose(&self, flow: &Flow, vlan: u16, wc: &mut FlowWildcards) -> Option<u16> {
        let mut b = self.state();
        let tcp = match b.effective_mode() {
            bond::BondMode::ActiveBackup => None,
            bond::BondMode::BalanceSlb => {
                wc.set(FieldId::EthSrc, u128::MAX);
                wc.set(FieldId::VlanTci, u128::MAX);
                None
            }
            bond::BondMode::BalanceTcp => {
                for f in [
                    FieldId::EthSrc,
                    FieldId::EthDst,
                    FieldId::VlanTci,
                    FieldId::EthType,
                    FieldId::NwProto,
                    FieldId::TpSrc,
                    FieldId::TpDst,
                ] {
                    wc.set(f, u128::MAX);
                }
                Some(tcp_fields(flow, vlan, wc))
            }
        };
        let dl_src = flow.get(FieldId::EthSrc) as u64;
        let name = b.choose_output(dl_src, vlan, tcp.as_ref())?;
        self.members
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(p, _)| *p)
    }
}

fn tcp_fields(flow: &Flow, vlan: u16, wc: &mut FlowWildcards) -> TcpHashFields {
    let dl_type = flow.get(FieldId::EthType) as u16;
    let (mut nw_src, mut nw_dst) = ([0u8; 16], [0u8; 16]);
    match dl_type {
        0x0800 => {
            wc.set(FieldId::IpSrc, u128::MAX);
            wc.set(FieldId::IpDst, u128::MAX);
            nw_src[12..].copy_from_slice(&(flow.get(FieldId::IpSrc) as u32).to_be_bytes());
            nw_dst[12..].copy_from_slice(&(flow.get(FieldId::IpDst) as u32).to_be_bytes());
        }
        0x86dd => {
            wc.set(FieldId::Ipv6Src, u128::MAX);
            wc.set(FieldId::Ipv6Dst, u128::MAX);
            nw_src = flow.get(FieldId::Ipv6Src).to_be_bytes();
            nw_dst = flow.get(FieldId::Ipv6Dst).to_be_bytes();
        }
        _ => {}
    }
    TcpHashFields {
        dl_src: flow.get(FieldId::EthSrc) as u64,
        dl_dst: flow.get(FieldId::EthDst) as u64,
        vlan,
        dl_type,
        nw_src,
        nw_dst,
        nw_proto: flow.get(FieldId::NwProto) as u8,
        tp_src: flow.get(FieldId::TpSrc) as u16,
        tp_dst: flow.get(FieldId::TpDst) as u16,
    }
}

/// The bond that OpenFlow port `ofp` is a member of.
pub fn bond_of(bonds: &[Arc<BondPort>], ofp: u16) -> Option<&Arc<BondPort>> {
    bonds.iter().find(|b| b.member_name(ofp).is_some())
}

/// The bond whose bundle is `bundle`.
pub fn bond_by_bundle(bonds: &[Arc<BondPort>], bundle: u16) -> Option<&Arc<BondPort>> {
    bonds.iter().find(|b| b.bundle == bundle)
}
