//! Which protocols can express a match (Open vSwitch's "usable
//! protocols").
//!
//! A flow table entry can be sent to a switch in several ways: OpenFlow
//! 1.0's fixed `ofp_match`, OpenFlow 1.0 with Nicira extended match
//! (NXM), OpenFlow 1.1's standard match, or OXM in OpenFlow 1.2 to 1.5.
//! A match is usable in a protocol when the protocol's encoding carries it
//! exactly; this module decides that by encoding and decoding the match in
//! each format and comparing, so the answer can never disagree with the
//! codecs.  (OF1.0 cannot express IPv6 addresses, registers, non-CIDR
//! address masks or partial port masks; OF1.1 adds Ethernet/IPv4 bit masks,
//! metadata and MPLS label/TC; NXM and OXM express everything the `flow`
//! crate models.)
//!
//! [`Protocols`] is a set with OVS's names and its abbreviated printing
//! (`any`, `OpenFlow10`, `NXM`, `OXM`, then single protocols), as
//! `ovs-ofctl` prints after "usable protocols:".

use super::{nxm, std_match};
use crate::header::Version;
use flow::Match;
use octets::{Reader, Writer};

/// A set of flow-table protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Protocols(u16);

impl Protocols {
    /// OpenFlow 1.0 with its standard `ofp_match`.
    pub const OF10_STD: Protocols = Protocols(1 << 0);
    /// OpenFlow 1.0 with NXM (Nicira extensions).
    pub const OF10_NXM: Protocols = Protocols(1 << 1);
    /// OpenFlow 1.1 with its standard match.
    pub const OF11_STD: Protocols = Protocols(1 << 2);
    /// OpenFlow 1.2 (OXM).
    pub const OF12_OXM: Protocols = Protocols(1 << 3);
    /// OpenFlow 1.3 (OXM).
    pub const OF13_OXM: Protocols = Protocols(1 << 4);
    /// OpenFlow 1.4 (OXM).
    pub const OF14_OXM: Protocols = Protocols(1 << 5);
    /// OpenFlow 1.5 (OXM).
    pub const OF15_OXM: Protocols = Protocols(1 << 6);
    /// No protocol.
    pub const NONE: Protocols = Protocols(0);
    /// Every OXM version.
    pub const ANY_OXM: Protocols = Protocols(0b111_1000);
    /// NXM and every OXM version.
    pub const NXM_OXM_ANY: Protocols = Protocols(0b111_1010);
    /// Every protocol.
    pub const ANY: Protocols = Protocols(0b111_1111);

    /// Union.
    pub fn union(self, o: Protocols) -> Protocols {
        Protocols(self.0 | o.0)
    }

    /// Intersection.
    pub fn intersect(self, o: Protocols) -> Protocols {
        Protocols(self.0 & o.0)
    }

    /// True if every protocol of `o` is in `self`.
    pub fn contains(self, o: Protocols) -> bool {
        self.0 & o.0 == o.0
    }

    /// True for the empty set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The OXM protocol of `v` (1.2+), or `None`.
    pub fn oxm(v: Version) -> Option<Protocols> {
        Some(match v {
            Version::Of12 => Protocols::OF12_OXM,
            Version::Of13 => Protocols::OF13_OXM,
            Version::Of14 => Protocols::OF14_OXM,
            Version::Of15 => Protocols::OF15_OXM,
            _ => return None,
        })
    }

    /// OVS's text: `any`, or a comma-separated list using the
    /// abbreviations `OpenFlow10`, `NXM`, `OXM` where they apply, then the
    /// remaining single protocols (`OpenFlow11` ... `OpenFlow15`); `none`
    /// for the empty set.
    pub fn to_ovs_string(self) -> String {
        if self == Protocols::ANY {
            return "any".into();
        }
        if self.is_empty() {
            return "none".into();
        }
        let mut parts = Vec::new();
        let mut rest = self;
        for (set, name) in [
            (Protocols::OF10_STD, "OpenFlow10"),
            (Protocols::OF10_NXM, "NXM"),
            (Protocols::ANY_OXM, "OXM"),
        ] {
            if rest.contains(set) {
                parts.push(name);
                rest = Protocols(rest.0 & !set.0);
            }
        }
        for (set, name) in [
            (Protocols::OF11_STD, "OpenFlow11"),
            (Protocols::OF12_OXM, "OpenFlow12"),
            (Protocols::OF13_OXM, "OpenFlow13"),
            (Protocols::OF14_OXM, "OpenFlow14"),
            (Protocols::OF15_OXM, "OpenFlow15"),
        ] {
            if rest.contains(set) {
                parts.push(name);
            }
        }
        parts.join(",")
    }
}

impl std::fmt::Display for Protocols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_ovs_string())
    }
}

fn roundtrips(m: &Match, enc: impl Fn(&mut Writer), dec: impl Fn(&[u8]) -> Option<Match>) -> bool {
    let mut w = Writer::new();
    enc(&mut w);
    dec(w.as_slice()).map(|d| no_tag_canonical(&d)) == Some(no_tag_canonical(m))
}

/// True if `a` and `b` select the same packets and differ at most in how
/// they say "no 802.1Q header" (see [`usable_protocols`]: OXM carries
/// `vlan_tci=0x0000` as `vlan_vid=0`, which decodes as
/// `vlan_tci=0x0000/0x1fff`, exactly as in Open vSwitch).
pub fn equivalent(a: &Match, b: &Match) -> bool {
    no_tag_canonical(a) == no_tag_canonical(b)
}

/// "No 802.1Q header" in its canonical form: a match that requires the
/// CFI bit to be 0 with zero VID/PCP values matches exactly the untagged
/// packets, whose TCI is all zero, whatever else its mask says.  (OXM
/// sends it as `vlan_vid=0`, which decodes with mask 0x1fff.)
fn no_tag_canonical(m: &Match) -> Match {
    use flow::FieldId as F;
    let (tci, mask) = m.get(F::VlanTci);
    let mut out = *m;
    if mask & 0x1000 != 0 && tci == 0 {
        out.set_raw(F::VlanTci, 0, 0xffff);
    }
    out
}

/// The protocols whose match encoding carries `m` exactly (up to
/// [`equivalent`]).
pub fn usable_protocols(m: &Match) -> Protocols {
    let mut p = Protocols::NONE;
    if roundtrips(
        m,
        |w| std_match::encode_of10(m, w),
        |b| std_match::decode_of10(&mut Reader::new(b)).ok(),
    ) {
        p = p.union(Protocols::OF10_STD);
    }
    // OVS only offers OpenFlow 1.1 for VLAN matches that OpenFlow 1.0 can
    // also express (e.g. not "any tag" = vlan_tci=0x1000/0x1000).
    let (tci, tci_mask) = m.get(flow::FieldId::VlanTci);
    let mut vlan_only = Match::catchall();
    vlan_only.set_raw(flow::FieldId::VlanTci, tci, tci_mask);
    let vlan_of10 = roundtrips(
        &vlan_only,
        |w| std_match::encode_of10(&vlan_only, w),
        |b| std_match::decode_of10(&mut Reader::new(b)).ok(),
    );
    if vlan_of10
        && roundtrips(
            m,
            |w| std_match::encode_of11(m, w),
            |b| std_match::decode_of11(&mut Reader::new(b)).ok(),
        )
    {
        p = p.union(Protocols::OF11_STD);
    }
    if roundtrips(
        m,
        |w| nxm::encode_nxm(m, nxm::Dialect::Nxm, w),
        |b| nxm::decode_nxm(b, true).ok(),
    ) {
        p = p.union(Protocols::OF10_NXM);
    }
    for v in [Version::Of12, Version::Of13, Version::Of14, Version::Of15] {
        if roundtrips(
            m,
            |w| nxm::encode_nxm(m, nxm::Dialect::Oxm(v), w),
            |b| nxm::decode_nxm(b, true).ok(),
        ) {
            if let Some(x) = Protocols::oxm(v) {
                p = p.union(x);
            }
        }
    }
    // OVS offers only NXM/OXM for IPv6 L3/L4 fields, and OpenFlow 1.0
    // predates SCTP ports.
    use flow::FieldId as F;
    let dl_type = m.exact_value(F::EthType);
    let l4 = m.is_matched(F::TpSrc) || m.is_matched(F::TpDst);
    if dl_type == Some(0x86dd) && (m.is_matched(F::NwProto) || m.is_matched(F::NwTos) || l4) {
        p = p.intersect(Protocols::NXM_OXM_ANY);
    }
    if m.exact_value(F::NwProto) == Some(132) && l4 {
        p = Protocols(p.0 & !Protocols::OF10_STD.0);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> String {
        usable_protocols(&flow::parse_match(s, None).unwrap()).to_ovs_string()
    }

    #[test]
    fn like_ovs() {
        assert_eq!(u("tcp,tp_dst=80"), "any");
        assert_eq!(u("ipv6"), "any");
        assert_eq!(u("reg0=1"), "NXM,OXM");
        assert_eq!(u("metadata=5"), "NXM,OXM,OpenFlow11");
        assert_eq!(u("ip,nw_src=1.2.3.4/255.0.255.0"), "NXM,OXM,OpenFlow11");
        assert_eq!(u("vlan_tci=0x1000/0x1000"), "NXM,OXM");
        assert_eq!(u("tcp,tp_dst=0x10/0xf0"), "NXM,OXM");
    }
}
