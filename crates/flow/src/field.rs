//! The field registry: every matchable field, its names, width, maskability, prerequisites,
//! writability, NXM/OXM codes and storage location.
//!
//! This plays the role of Open vSwitch's "meta-flow" layer (the facts are those documented in
//! `ovs-fields(7)`). Each [`FieldId`] has one static [`FieldInfo`]; generic code (the match
//! parser and formatter here, the NXM/OXM codecs and `set_field` actions later) is written
//! against the registry instead of against individual fields.
//!
//! Some fields are *views* of another field's storage, as in OVS: `tp_src`, `tcp_src`,
//! `udp_src`, `sctp_src`, `icmp_type` and `icmpv6_type` all live in the same 16 bits;
//! `nw_tos`/`ip_dscp`/`nw_ecn` share the IP ToS byte; `dl_vlan`, `dl_vlan_pcp`, `vlan_vid` and
//! `vlan_pcp` are pieces of `vlan_tci`; `xreg`/`xxreg` are wide views of the 32-bit registers.
//! [`FieldInfo::primary`] is false for the views whose storage is fully described by another
//! entry. One deliberate difference from OVS: `tp_src`/`tp_dst` are their own entries (generic
//! L4 ports with the prerequisite "TCP, UDP or SCTP") rather than aliases of `tcp_src`/`tcp_dst`,
//! so `udp,tp_dst=53` keeps working while `tcp_dst` keeps its strict TCP prerequisite.
//! Likewise `icmp_type`/`icmp_code` accept ICMPv4 or ICMPv6 (ovs-ofctl prints them for both),
//! while `icmpv6_type`/`icmpv6_code` require ICMPv6. The codecs pick the wire field for these
//! shared entries from the match's `dl_type`/`nw_proto`.
//!
//! Prerequisites ([`Prereq`]) are checked by [`crate::Match::check_prerequisites`]; see the
//! crate documentation for how this differs from OVS 3.1.

use crate::flow::Loc;
use crate::flow::Match;

/// How a field may be masked in a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Maskable {
    /// Exact match or fully wildcarded only.
    No,
    /// Only CIDR-style prefix masks.
    Prefix,
    /// Any bitwise mask.
    Arbitrary,
}

/// Whether an OpenFlow 1.0 / 1.1 fixed-layout `ofp_match` can express matching on a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Of1xSupport {
    /// Not at all (NXM/OXM needed).
    No,
    /// Exact match or wildcard only.
    Exact,
    /// CIDR prefixes (OpenFlow 1.0 IPv4 addresses).
    Cidr,
    /// Arbitrary bitwise masks.
    Masked,
}

/// How a field's value is written in ovs-ofctl syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueFormat {
    /// Decimal integer (masked forms print in hex).
    Decimal,
    /// Hexadecimal integer.
    Hex,
    /// Dotted-quad IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// Colon-separated Ethernet address.
    Ethernet,
    /// OpenFlow port number or reserved port name.
    Port,
    /// TCP flag names.
    TcpFlags,
    /// Connection-tracking state flag names.
    CtState,
    /// Tunnel flag names.
    TunFlags,
    /// IP fragment keyword (`no`, `yes`, `first`, `later`, `not_later`).
    Frag,
}

/// What a match must already pin down for a field to be meaningful.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prereq {
    /// Always meaningful.
    None,
    /// An 802.1Q header (`vlan_tci` CFI/present bit matched as 1).
    Vlan,
    /// `dl_type=0x0800`.
    Ipv4,
    /// `dl_type=0x86dd`.
    Ipv6,
    /// `dl_type` IPv4 or IPv6.
    Ip,
    /// `dl_type` ARP (0x0806) or RARP (0x8035).
    Arp,
    /// `dl_type` MPLS unicast (0x8847) or multicast (0x8848).
    Mpls,
    /// `dl_type` 802.1ah backbone (0x88e7), for `pbb_isid`.
    Pbb,
    /// IPv4/IPv6 with `nw_proto=6`.
    Tcp,
    /// IPv4/IPv6 with `nw_proto=17`.
    Udp,
    /// IPv4/IPv6 with `nw_proto=132`.
    Sctp,
    /// IPv4/IPv6 with `nw_proto` TCP, UDP or SCTP.
    L4Port,
    /// IPv4 with `nw_proto=1`.
    Icmpv4,
    /// IPv6 with `nw_proto=58`.
    Icmpv6,
    /// ICMP over either IP version (ovs-ofctl's `icmp_type`/`icmp_code` serve both).
    Icmp,
    /// Tracked, valid connection: `ct_state` matches `+trk-inv`.
    Ct,
    /// `Ct` plus `dl_type=0x0800`.
    CtIpv4,
    /// `Ct` plus `dl_type=0x86dd`.
    CtIpv6,
    /// `Ct` plus a nonzero `ct_nw_proto`.
    CtL4,
    /// ICMPv6 with `icmp_type` 135 or 136 and code 0 or unmatched (neighbour discovery).
    Nd,
    /// ICMPv6 with `icmp_type=135`, code 0 or unmatched (neighbour solicitation).
    NdSolicit,
    /// ICMPv6 with `icmp_type=136`, code 0 or unmatched (neighbour advertisement).
    NdAdvert,
}

impl Prereq {
    /// Whether the prerequisite involves a TCP/UDP/SCTP header, which later IP fragments
    /// lack. (ICMP fields are allowed on later fragments, as in OVS, where they read as 0.)
    pub fn needs_l4_header(self) -> bool {
        matches!(
            self,
            Prereq::Tcp | Prereq::Udp | Prereq::Sctp | Prereq::L4Port
        )
    }

    /// What a user has to add, in words that appear in error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Prereq::None => "nothing",
            Prereq::Vlan => "an 802.1Q header (dl_vlan, or vlan_tci with the 0x1000 bit set)",
            Prereq::Ipv4 => "ip",
            Prereq::Ipv6 => "ipv6",
            Prereq::Ip => "ip or ipv6",
            Prereq::Arp => "arp or rarp",
            Prereq::Mpls => "mpls or mplsm",
            Prereq::Pbb => "dl_type=0x88e7",
            Prereq::Tcp => "tcp or tcp6",
            Prereq::Udp => "udp or udp6",
            Prereq::Sctp => "sctp or sctp6",
            Prereq::L4Port => "tcp, udp, sctp, tcp6, udp6 or sctp6",
            Prereq::Icmpv4 => "icmp",
            Prereq::Icmpv6 => "icmp6",
            Prereq::Icmp => "icmp or icmp6",
            Prereq::Ct => "ct_state=+trk-inv",
            Prereq::CtIpv4 => "ip and ct_state=+trk-inv",
            Prereq::CtIpv6 => "ipv6 and ct_state=+trk-inv",
            Prereq::CtL4 => "ct_state=+trk-inv and ct_nw_proto",
            Prereq::Nd => "icmp6 with icmp_type=135 or icmp_type=136 (and icmp_code=0 or unset)",
            Prereq::NdSolicit => "icmp6 with icmp_type=135 (and icmp_code=0 or unset)",
            Prereq::NdAdvert => "icmp6 with icmp_type=136 (and icmp_code=0 or unset)",
        }
    }

    /// Whether `m` pins down this prerequisite.
    pub fn is_satisfied(self, m: &Match) -> bool {
        let dl_type = m.exact_value(FieldId::EthType);
        let nw_proto = || m.exact_value(FieldId::NwProto);
        let is_v4 = dl_type == Some(0x0800);
        let is_v6 = dl_type == Some(0x86dd);
        let ip_proto = |p: u128| (is_v4 || is_v6) && nw_proto() == Some(p);
        let icmp6_type = || {
            // Neighbour discovery also needs ICMP code 0 (an unmatched code reads as 0).
            if ip_proto(58) && m.flow().get(FieldId::Icmpv6Code) == 0 {
                m.exact_value(FieldId::Icmpv6Type)
            } else {
                None
            }
        };
        let ct_ok = || {
            let (v, mask) = m.get(FieldId::CtState);
            // trk (0x20) matched as 1 and inv (0x10) matched as 0.
            mask & 0x30 == 0x30 && v & 0x30 == 0x20
        };
        match self {
            Prereq::None => true,
            Prereq::Ct => ct_ok(),
            Prereq::CtIpv4 => ct_ok() && is_v4,
            Prereq::CtIpv6 => ct_ok() && is_v6,
            Prereq::CtL4 => {
                ct_ok() && matches!(m.exact_value(FieldId::CtNwProto), Some(p) if p != 0)
            }
            Prereq::Vlan => {
                let (v, mask) = m.get(FieldId::VlanTci);
                mask & 0x1000 != 0 && v & 0x1000 != 0
            }
            Prereq::Ipv4 => is_v4,
            Prereq::Ipv6 => is_v6,
            Prereq::Ip => is_v4 || is_v6,
            Prereq::Arp => matches!(dl_type, Some(0x0806) | Some(0x8035)),
            Prereq::Mpls => matches!(dl_type, Some(0x8847) | Some(0x8848)),
            Prereq::Pbb => dl_type == Some(0x88e7),
            Prereq::Tcp => ip_proto(6),
            Prereq::Udp => ip_proto(17),
            Prereq::Sctp => ip_proto(132),
            Prereq::L4Port => ip_proto(6) || ip_proto(17) || ip_proto(132),
            Prereq::Icmpv4 => is_v4 && nw_proto() == Some(1),
            Prereq::Icmpv6 => ip_proto(58),
            Prereq::Icmp => (is_v4 && nw_proto() == Some(1)) || ip_proto(58),
            Prereq::Nd => matches!(icmp6_type(), Some(135) | Some(136)),
            Prereq::NdSolicit => icmp6_type() == Some(135),
            Prereq::NdAdvert => icmp6_type() == Some(136),
        }
    }
}

/// An NXM or OXM header class/field pair (the type part of a TLV header, without length and
/// has-mask bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchCode {
    /// The 16-bit class (0x0000 NXM_OF, 0x0001 NXM_NX, 0x8000 OpenFlow basic, 0x8001 packet
    /// registers, 0xffff experimenter).
    pub class: u16,
    /// The 7-bit field number within the class.
    pub field: u8,
    /// For class 0xffff, the experimenter ID that follows the header.
    pub experimenter: Option<u32>,
}

/// NXM class 0 (`NXM_OF_*`).
pub const NXM_OF: u16 = 0x0000;
/// NXM class 1 (`NXM_NX_*`).
pub const NXM_NX: u16 = 0x0001;
/// OXM OpenFlow basic class.
pub const OXM_OF_BASIC: u16 = 0x8000;
/// OXM packet-register class (`xreg`).
pub const OXM_PACKET_REGS: u16 = 0x8001;
/// OXM experimenter class.
pub const OXM_EXPERIMENTER: u16 = 0xffff;
/// ONF experimenter ID (`ONFOXM_ET_*`).
pub const ONF_EXPERIMENTER_ID: u32 = 0x4f4e_4600;

const fn nx(field: u8) -> Option<MatchCode> {
    Some(MatchCode {
        class: NXM_NX,
        field,
        experimenter: None,
    })
}
const fn nof(field: u8) -> Option<MatchCode> {
    Some(MatchCode {
        class: NXM_OF,
        field,
        experimenter: None,
    })
}
const fn ox(field: u8) -> Option<MatchCode> {
    Some(MatchCode {
        class: OXM_OF_BASIC,
        field,
        experimenter: None,
    })
}
const fn onf(field: u8) -> Option<MatchCode> {
    Some(MatchCode {
        class: OXM_EXPERIMENTER,
        field,
        experimenter: Some(ONF_EXPERIMENTER_ID),
    })
}
const fn preg(field: u8) -> Option<MatchCode> {
    Some(MatchCode {
        class: OXM_PACKET_REGS,
        field,
        experimenter: None,
    })
}

/// Static description of one field.
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    /// The field.
    pub id: FieldId,
    /// Canonical name (the one `ovs-fields(7)` lists first).
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// The name OVS uses for this field in parse error messages.
    pub err_name: &'static str,
    /// Nominal width in bits (as documented; see `valid_mask` for usable bits).
    pub bits: u16,
    /// Width in bytes used when checking a parsed integer ("value too large for N-byte field").
    pub n_bytes: u8,
    /// Bits of the (right-aligned) value that may be nonzero.
    pub valid_mask: u128,
    /// Masking support.
    pub maskable: Maskable,
    /// Prerequisite.
    pub prereq: Prereq,
    /// Whether `set_field` may write it.
    pub writable: bool,
    /// Textual format.
    pub format: ValueFormat,
    /// NXM code, if the field has one.
    pub nxm: Option<MatchCode>,
    /// OXM code, if the field has one.
    pub oxm: Option<MatchCode>,
    /// Support in the OpenFlow 1.0 `ofp_match`.
    pub of10: Of1xSupport,
    /// Support in the OpenFlow 1.1 `ofp_match`.
    pub of11: Of1xSupport,
    /// Storage location in [`crate::Flow`].
    pub loc: Loc,
    /// False for views whose storage another entry fully describes.
    pub primary: bool,
    /// True if OVS silently drops value bits outside `valid_mask` (rather than rejecting).
    pub truncates: bool,
}

macro_rules! fields {
    ($($id:ident),* $(,)?) => {
        /// Identifier of a matchable field. `FieldId::ALL` lists them in registry order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum FieldId { $($id),* }

        impl FieldId {
            /// Every field, in registry order.
            pub const ALL: &'static [FieldId] = &[$(FieldId::$id),*];
        }
    };
}

fields! {
    InPort, InPortOxm, SkbPriority, PktMark, RecircId, DpHash, ConjId, ActsetOutput, Metadata,
    Reg0, Reg1, Reg2, Reg3, Reg4, Reg5, Reg6, Reg7,
    Reg8, Reg9, Reg10, Reg11, Reg12, Reg13, Reg14, Reg15,
    Xreg0, Xreg1, Xreg2, Xreg3, Xreg4, Xreg5, Xreg6, Xreg7,
    Xxreg0, Xxreg1, Xxreg2, Xxreg3,
    TunId, TunSrc, TunDst, TunIpv6Src, TunIpv6Dst, TunFlags,
    CtState, CtZone, CtMark, CtLabel,
    CtNwSrc, CtNwDst, CtIpv6Src, CtIpv6Dst, CtNwProto, CtTpSrc, CtTpDst,
    EthSrc, EthDst, EthType, VlanTci, DlVlan, DlVlanPcp, VlanVid, VlanPcp,
    MplsLabel, MplsTc, MplsBos, MplsTtl,
    IpSrc, IpDst, Ipv6Src, Ipv6Dst, Ipv6Label, NwProto, NwTtl, NwFrag, NwTos, IpDscp, NwEcn,
    ArpOp, ArpSpa, ArpTpa, ArpSha, ArpTha,
    TpSrc, TpDst, TcpSrc, TcpDst, TcpFlags, UdpSrc, UdpDst, SctpSrc, SctpDst,
    IcmpType, IcmpCode, Icmpv6Type, Icmpv6Code, NdTarget, NdSll, NdTll,
    PbbIsid, Ipv6Exthdr,
}

const fn loc(word: u8, shift: u8, bits: u8) -> Loc {
    Loc { word, shift, bits }
}

const fn mask_of(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

/// Compact constructor used by the table below.
#[allow(clippy::too_many_arguments)]
const fn fi(
    id: FieldId,
    name: &'static str,
    aliases: &'static [&'static str],
    bits: u16,
    valid_mask: u128,
    maskable: Maskable,
    prereq: Prereq,
    writable: bool,
    format: ValueFormat,
    nxm: Option<MatchCode>,
    oxm: Option<MatchCode>,
    loc: Loc,
) -> FieldInfo {
    FieldInfo {
        id,
        name,
        aliases,
        err_name: name,
        bits,
        n_bytes: bits.div_ceil(8) as u8,
        valid_mask,
        maskable,
        prereq,
        writable,
        format,
        nxm,
        oxm,
        of10: Of1xSupport::No,
        of11: Of1xSupport::No,
        loc,
        primary: true,
        truncates: false,
    }
}

const fn of1x(mut f: FieldInfo, of10: Of1xSupport, of11: Of1xSupport) -> FieldInfo {
    f.of10 = of10;
    f.of11 = of11;
    f
}

const fn view(mut f: FieldInfo) -> FieldInfo {
    f.primary = false;
    f
}

const fn trunc(mut f: FieldInfo) -> FieldInfo {
    f.truncates = true;
    f
}

const fn errname(mut f: FieldInfo, n: &'static str) -> FieldInfo {
    f.err_name = n;
    f
}

const fn nbytes(mut f: FieldInfo, n: u8) -> FieldInfo {
    f.n_bytes = n;
    f
}

use FieldId as F;
use Maskable::{Arbitrary as ARB, No as NO};
use Prereq as P;
use ValueFormat as V;

const fn reg(i: u8) -> FieldInfo {
    const NAMES: [&str; 16] = [
        "reg0", "reg1", "reg2", "reg3", "reg4", "reg5", "reg6", "reg7", "reg8", "reg9", "reg10",
        "reg11", "reg12", "reg13", "reg14", "reg15",
    ];
    const IDS: [FieldId; 16] = [
        F::Reg0,
        F::Reg1,
        F::Reg2,
        F::Reg3,
        F::Reg4,
        F::Reg5,
        F::Reg6,
        F::Reg7,
        F::Reg8,
        F::Reg9,
        F::Reg10,
        F::Reg11,
        F::Reg12,
        F::Reg13,
        F::Reg14,
        F::Reg15,
    ];
    let shift = if i % 2 == 0 { 32 } else { 0 };
    fi(
        IDS[i as usize],
        NAMES[i as usize],
        &[],
        32,
        mask_of(32),
        ARB,
        P::None,
        true,
        V::Hex,
        nx(i),
        None,
        loc(8 + i / 2, shift, 32),
    )
}

const fn xreg(i: u8) -> FieldInfo {
    const NAMES: [&str; 8] = [
        "xreg0", "xreg1", "xreg2", "xreg3", "xreg4", "xreg5", "xreg6", "xreg7",
    ];
    const IDS: [FieldId; 8] = [
        F::Xreg0,
        F::Xreg1,
        F::Xreg2,
        F::Xreg3,
        F::Xreg4,
        F::Xreg5,
        F::Xreg6,
        F::Xreg7,
    ];
    view(fi(
        IDS[i as usize],
        NAMES[i as usize],
        &[],
        64,
        mask_of(64),
        ARB,
        P::None,
        true,
        V::Hex,
        None,
        preg(i),
        loc(8 + i, 0, 64),
    ))
}

const fn xxreg(i: u8) -> FieldInfo {
    const NAMES: [&str; 4] = ["xxreg0", "xxreg1", "xxreg2", "xxreg3"];
    const IDS: [FieldId; 4] = [F::Xxreg0, F::Xxreg1, F::Xxreg2, F::Xxreg3];
    view(fi(
        IDS[i as usize],
        NAMES[i as usize],
        &[],
        128,
        u128::MAX,
        ARB,
        P::None,
        true,
        V::Hex,
        nx(111 + i),
        None,
        loc(8 + 2 * i, 0, 128),
    ))
}

// Word layout (see flow.rs): 0 tun_id | 1 tun_src,tun_dst | 2-3 tun_ipv6_src |
// 4-5 tun_ipv6_dst | 6 pkt_mark,ct_zone,tun_flags | 7 metadata | 8-15 registers |
// 16 in_port,skb_priority | 17 recirc_id,dp_hash | 18 conj_id,actset_output |
// 19 ct_state,ct_mark | 20-21 ct_label | 22 dl_dst,dl_type | 23 dl_src,vlan_tci |
// 24 nw_src,nw_dst | 25-26 ipv6_src | 27-28 ipv6_dst | 29-30 nd_target |
// 31 ipv6_label,nw_proto,tos,nw_ttl,nw_frag | 32 tp_src,tp_dst,tcp_flags,arp_op |
// 33 arp_sha,ipv6_exthdr | 34 arp_tha | 35 nd_sll | 36 nd_tll | 37 arp_spa,arp_tpa |
// 38 mpls_label,mpls_tc,mpls_bos,mpls_ttl | 39 ct_nw_src,ct_nw_dst | 40-41 ct_ipv6_src |
// 42-43 ct_ipv6_dst | 44 ct_tp_src,ct_tp_dst,ct_nw_proto,pbb_isid |
// 45-46 storage outside the registry (`flow::ExtraField`: MPLS LSEs 1-2, IGMP group / ND
// reserved, inner VLAN TCI, TPID kinds).
#[rustfmt::skip]
static FIELDS: [FieldInfo; FieldId::ALL.len()] = [
    of1x(nbytes(fi(F::InPort, "in_port", &[], 16, mask_of(16), NO, P::None, true, V::Port, nof(0), None, loc(16, 32, 32)), 2), Of1xSupport::Exact, Of1xSupport::Exact),
    // The OXM view of in_port: 32-bit OpenFlow 1.1+ port numbers, stored in OF1.0 numbering.
    of1x(view(fi(F::InPortOxm, "in_port_oxm", &[], 32, mask_of(16), NO, P::None, true, V::Port, None, ox(0), loc(16, 32, 32))), Of1xSupport::No, Of1xSupport::Exact),
    fi(F::SkbPriority, "skb_priority", &[], 32, mask_of(32), NO, P::None, false, V::Hex, None, None, loc(16, 0, 32)),
    fi(F::PktMark, "pkt_mark", &[], 32, mask_of(32), ARB, P::None, true, V::Hex, nx(33), None, loc(6, 32, 32)),
    fi(F::RecircId, "recirc_id", &[], 32, mask_of(32), NO, P::None, false, V::Hex, nx(36), None, loc(17, 32, 32)),
    fi(F::DpHash, "dp_hash", &[], 32, mask_of(32), ARB, P::None, false, V::Hex, nx(35), None, loc(17, 0, 32)),
    fi(F::ConjId, "conj_id", &[], 32, mask_of(32), NO, P::None, false, V::Decimal, nx(37), None, loc(18, 32, 32)),
    fi(F::ActsetOutput, "actset_output", &[], 32, mask_of(16), NO, P::None, false, V::Port, None, onf(43), loc(18, 0, 32)),
    of1x(fi(F::Metadata, "metadata", &[], 64, mask_of(64), ARB, P::None, true, V::Hex, None, ox(2), loc(7, 0, 64)), Of1xSupport::No, Of1xSupport::Masked),
    reg(0), reg(1), reg(2), reg(3), reg(4), reg(5), reg(6), reg(7),
    reg(8), reg(9), reg(10), reg(11), reg(12), reg(13), reg(14), reg(15),
    xreg(0), xreg(1), xreg(2), xreg(3), xreg(4), xreg(5), xreg(6), xreg(7),
    xxreg(0), xxreg(1), xxreg(2), xxreg(3),
    fi(F::TunId, "tun_id", &["tunnel_id"], 64, mask_of(64), ARB, P::None, true, V::Hex, nx(16), ox(38), loc(0, 0, 64)),
    fi(F::TunSrc, "tun_src", &[], 32, mask_of(32), ARB, P::None, true, V::Ipv4, nx(31), None, loc(1, 32, 32)),
    fi(F::TunDst, "tun_dst", &[], 32, mask_of(32), ARB, P::None, true, V::Ipv4, nx(32), None, loc(1, 0, 32)),
    fi(F::TunIpv6Src, "tun_ipv6_src", &[], 128, u128::MAX, ARB, P::None, true, V::Ipv6, nx(109), None, loc(2, 0, 128)),
    fi(F::TunIpv6Dst, "tun_ipv6_dst", &[], 128, u128::MAX, ARB, P::None, true, V::Ipv6, nx(110), None, loc(4, 0, 128)),
    fi(F::TunFlags, "tun_flags", &[], 16, 0x1, ARB, P::None, true, V::TunFlags, nx(104), None, loc(6, 0, 16)),
    fi(F::CtState, "ct_state", &[], 32, 0xff, ARB, P::None, false, V::CtState, nx(105), None, loc(19, 32, 32)),
    fi(F::CtZone, "ct_zone", &[], 16, mask_of(16), NO, P::None, false, V::Decimal, nx(106), None, loc(6, 16, 16)),
    fi(F::CtMark, "ct_mark", &[], 32, mask_of(32), ARB, P::None, true, V::Hex, nx(107), None, loc(19, 0, 32)),
    fi(F::CtLabel, "ct_label", &[], 128, u128::MAX, ARB, P::None, true, V::Hex, nx(108), None, loc(20, 0, 128)),
    fi(F::CtNwSrc, "ct_nw_src", &[], 32, mask_of(32), ARB, P::CtIpv4, false, V::Ipv4, nx(120), None, loc(39, 32, 32)),
    fi(F::CtNwDst, "ct_nw_dst", &[], 32, mask_of(32), ARB, P::CtIpv4, false, V::Ipv4, nx(121), None, loc(39, 0, 32)),
    fi(F::CtIpv6Src, "ct_ipv6_src", &[], 128, u128::MAX, ARB, P::CtIpv6, false, V::Ipv6, nx(122), None, loc(40, 0, 128)),
    fi(F::CtIpv6Dst, "ct_ipv6_dst", &[], 128, u128::MAX, ARB, P::CtIpv6, false, V::Ipv6, nx(123), None, loc(42, 0, 128)),
    fi(F::CtNwProto, "ct_nw_proto", &[], 8, mask_of(8), NO, P::Ct, false, V::Decimal, nx(119), None, loc(44, 24, 8)),
    fi(F::CtTpSrc, "ct_tp_src", &[], 16, mask_of(16), ARB, P::CtL4, false, V::Decimal, nx(124), None, loc(44, 48, 16)),
    fi(F::CtTpDst, "ct_tp_dst", &[], 16, mask_of(16), ARB, P::CtL4, false, V::Decimal, nx(125), None, loc(44, 32, 16)),
    of1x(fi(F::EthSrc, "eth_src", &["dl_src"], 48, mask_of(48), ARB, P::None, true, V::Ethernet, nof(2), ox(4), loc(23, 16, 48)), Of1xSupport::Exact, Of1xSupport::Masked),
    of1x(fi(F::EthDst, "eth_dst", &["dl_dst"], 48, mask_of(48), ARB, P::None, true, V::Ethernet, nof(1), ox(3), loc(22, 16, 48)), Of1xSupport::Exact, Of1xSupport::Masked),
    of1x(fi(F::EthType, "eth_type", &["dl_type"], 16, mask_of(16), NO, P::None, false, V::Hex, nof(3), ox(5), loc(22, 0, 16)), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(fi(F::VlanTci, "vlan_tci", &[], 16, mask_of(16), ARB, P::None, true, V::Hex, nof(4), None, loc(23, 0, 16)), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(view(fi(F::DlVlan, "dl_vlan", &[], 16, 0xfff, NO, P::None, true, V::Decimal, None, None, loc(23, 0, 12)))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(view(fi(F::DlVlanPcp, "dl_vlan_pcp", &[], 8, 0x7, NO, P::None, true, V::Decimal, None, None, loc(23, 13, 3)))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(view(fi(F::VlanVid, "vlan_vid", &[], 16, 0x1fff, ARB, P::None, true, V::Decimal, None, ox(6), loc(23, 0, 13))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(view(fi(F::VlanPcp, "vlan_pcp", &[], 8, 0x7, NO, P::Vlan, true, V::Decimal, None, ox(7), loc(23, 13, 3)))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(fi(F::MplsLabel, "mpls_label", &[], 32, 0xfffff, NO, P::Mpls, true, V::Decimal, None, ox(34), loc(38, 32, 32))), Of1xSupport::No, Of1xSupport::Exact),
    of1x(trunc(fi(F::MplsTc, "mpls_tc", &[], 8, 0x7, NO, P::Mpls, true, V::Decimal, None, ox(35), loc(38, 24, 8))), Of1xSupport::No, Of1xSupport::Exact),
    trunc(fi(F::MplsBos, "mpls_bos", &[], 8, 0x1, NO, P::Mpls, false, V::Decimal, None, ox(36), loc(38, 16, 8))),
    fi(F::MplsTtl, "mpls_ttl", &[], 8, mask_of(8), NO, P::Mpls, true, V::Decimal, nx(30), None, loc(38, 8, 8)),
    of1x(fi(F::IpSrc, "ip_src", &["nw_src"], 32, mask_of(32), ARB, P::Ipv4, true, V::Ipv4, nof(7), ox(11), loc(24, 32, 32)), Of1xSupport::Cidr, Of1xSupport::Masked),
    of1x(fi(F::IpDst, "ip_dst", &["nw_dst"], 32, mask_of(32), ARB, P::Ipv4, true, V::Ipv4, nof(8), ox(12), loc(24, 0, 32)), Of1xSupport::Cidr, Of1xSupport::Masked),
    fi(F::Ipv6Src, "ipv6_src", &[], 128, u128::MAX, ARB, P::Ipv6, true, V::Ipv6, nx(19), ox(26), loc(25, 0, 128)),
    fi(F::Ipv6Dst, "ipv6_dst", &[], 128, u128::MAX, ARB, P::Ipv6, true, V::Ipv6, nx(20), ox(27), loc(27, 0, 128)),
    fi(F::Ipv6Label, "ipv6_label", &[], 32, 0xfffff, ARB, P::Ipv6, true, V::Hex, nx(27), ox(28), loc(31, 32, 32)),
    of1x(fi(F::NwProto, "nw_proto", &["ip_proto"], 8, mask_of(8), NO, P::Ip, false, V::Decimal, nof(6), ox(10), loc(31, 24, 8)), Of1xSupport::Exact, Of1xSupport::Exact),
    fi(F::NwTtl, "nw_ttl", &[], 8, mask_of(8), NO, P::Ip, true, V::Decimal, nx(29), None, loc(31, 8, 8)),
    fi(F::NwFrag, "ip_frag", &["nw_frag"], 8, 0x3, ARB, P::Ip, false, V::Frag, nx(26), None, loc(31, 0, 8)),
    of1x(trunc(fi(F::NwTos, "nw_tos", &[], 8, 0xfc, NO, P::Ip, true, V::Decimal, nof(5), None, loc(31, 16, 8))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(view(fi(F::IpDscp, "ip_dscp", &[], 8, 0x3f, NO, P::Ip, true, V::Decimal, None, ox(8), loc(31, 18, 6)))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(trunc(fi(F::NwEcn, "nw_ecn", &["ip_ecn"], 8, 0x3, NO, P::Ip, true, V::Decimal, nx(28), ox(9), loc(31, 16, 8))), Of1xSupport::No, Of1xSupport::Exact),
    of1x(fi(F::ArpOp, "arp_op", &[], 16, mask_of(16), NO, P::Arp, true, V::Decimal, nof(15), ox(21), loc(32, 0, 16)), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(fi(F::ArpSpa, "arp_spa", &[], 32, mask_of(32), ARB, P::Arp, true, V::Ipv4, nof(16), ox(22), loc(37, 32, 32)), Of1xSupport::Cidr, Of1xSupport::Masked),
    of1x(fi(F::ArpTpa, "arp_tpa", &[], 32, mask_of(32), ARB, P::Arp, true, V::Ipv4, nof(17), ox(23), loc(37, 0, 32)), Of1xSupport::Cidr, Of1xSupport::Masked),
    fi(F::ArpSha, "arp_sha", &[], 48, mask_of(48), ARB, P::Arp, true, V::Ethernet, nx(17), ox(24), loc(33, 16, 48)),
    fi(F::ArpTha, "arp_tha", &[], 48, mask_of(48), ARB, P::Arp, true, V::Ethernet, nx(18), ox(25), loc(34, 16, 48)),
    of1x(errname(fi(F::TpSrc, "tp_src", &[], 16, mask_of(16), ARB, P::L4Port, true, V::Decimal, None, None, loc(32, 48, 16)), "tcp_src"), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(errname(fi(F::TpDst, "tp_dst", &[], 16, mask_of(16), ARB, P::L4Port, true, V::Decimal, None, None, loc(32, 32, 16)), "tcp_dst"), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(view(fi(F::TcpSrc, "tcp_src", &[], 16, mask_of(16), ARB, P::Tcp, true, V::Decimal, nof(9), ox(13), loc(32, 48, 16))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(view(fi(F::TcpDst, "tcp_dst", &[], 16, mask_of(16), ARB, P::Tcp, true, V::Decimal, nof(10), ox(14), loc(32, 32, 16))), Of1xSupport::Exact, Of1xSupport::Exact),
    fi(F::TcpFlags, "tcp_flags", &[], 16, 0xfff, ARB, P::Tcp, false, V::TcpFlags, nx(34), onf(42), loc(32, 16, 16)),
    of1x(view(fi(F::UdpSrc, "udp_src", &[], 16, mask_of(16), ARB, P::Udp, true, V::Decimal, nof(11), ox(15), loc(32, 48, 16))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(view(fi(F::UdpDst, "udp_dst", &[], 16, mask_of(16), ARB, P::Udp, true, V::Decimal, nof(12), ox(16), loc(32, 32, 16))), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(view(fi(F::SctpSrc, "sctp_src", &[], 16, mask_of(16), ARB, P::Sctp, true, V::Decimal, None, ox(17), loc(32, 48, 16))), Of1xSupport::No, Of1xSupport::Exact),
    of1x(view(fi(F::SctpDst, "sctp_dst", &[], 16, mask_of(16), ARB, P::Sctp, true, V::Decimal, None, ox(18), loc(32, 32, 16))), Of1xSupport::No, Of1xSupport::Exact),
    of1x(nbytes(view(fi(F::IcmpType, "icmp_type", &[], 8, mask_of(16), NO, P::Icmp, true, V::Decimal, nof(13), ox(19), loc(32, 48, 16))), 1), Of1xSupport::Exact, Of1xSupport::Exact),
    of1x(nbytes(view(fi(F::IcmpCode, "icmp_code", &[], 8, mask_of(16), NO, P::Icmp, true, V::Decimal, nof(14), ox(20), loc(32, 32, 16))), 1), Of1xSupport::Exact, Of1xSupport::Exact),
    nbytes(view(fi(F::Icmpv6Type, "icmpv6_type", &[], 8, mask_of(16), NO, P::Icmpv6, true, V::Decimal, nx(21), ox(29), loc(32, 48, 16))), 1),
    nbytes(view(fi(F::Icmpv6Code, "icmpv6_code", &[], 8, mask_of(16), NO, P::Icmpv6, true, V::Decimal, nx(22), ox(30), loc(32, 32, 16))), 1),
    fi(F::NdTarget, "nd_target", &[], 128, u128::MAX, ARB, P::Nd, true, V::Ipv6, nx(23), ox(31), loc(29, 0, 128)),
    fi(F::NdSll, "nd_sll", &[], 48, mask_of(48), ARB, P::NdSolicit, true, V::Ethernet, nx(24), ox(32), loc(35, 16, 48)),
    fi(F::NdTll, "nd_tll", &[], 48, mask_of(48), ARB, P::NdAdvert, true, V::Ethernet, nx(25), ox(33), loc(36, 16, 48)),
    // 802.1ah I-SID (OXM PBB_ISID): an extension, Open vSwitch has no PBB support.
    fi(F::PbbIsid, "pbb_isid", &[], 24, mask_of(24), ARB, P::Pbb, true, V::Decimal, None, ox(37), loc(44, 0, 24)),
    // OpenFlow 1.3 IPV6_EXTHDR pseudo-field (OFPIEH_* bits): an extension, Open vSwitch
    // does not support it.
    nbytes(fi(F::Ipv6Exthdr, "ipv6_exthdr", &[], 16, 0x1ff, ARB, P::Ipv6, false, V::Hex, None, ox(39), loc(33, 0, 16)), 2),
];

impl FieldId {
    /// The registry entry.
    #[inline]
    pub fn info(self) -> &'static FieldInfo {
        // The table is built in the same order as the enum; `registry_is_consistent` tests it.
        &FIELDS[self as usize]
    }

    /// Canonical name.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a field up by any of its names (case-sensitive, as OVS).
    pub fn from_name(name: &str) -> Option<FieldId> {
        FIELDS
            .iter()
            .find(|f| f.name == name || f.aliases.contains(&name))
            .map(|f| f.id)
    }

    /// `reg0`..`reg15`.
    pub fn reg(idx: usize) -> Option<FieldId> {
        FieldId::ALL
            .get(FieldId::Reg0 as usize + idx)
            .copied()
            .filter(|_| idx < 16)
    }

    /// `xreg0`..`xreg7`.
    pub fn xreg(idx: usize) -> Option<FieldId> {
        FieldId::ALL
            .get(FieldId::Xreg0 as usize + idx)
            .copied()
            .filter(|_| idx < 8)
    }

    /// `xxreg0`..`xxreg3`.
    pub fn xxreg(idx: usize) -> Option<FieldId> {
        FieldId::ALL
            .get(FieldId::Xxreg0 as usize + idx)
            .copied()
            .filter(|_| idx < 4)
    }

    /// Finds the field with a given NXM or OXM code.
    pub fn from_code(code: MatchCode) -> Option<FieldId> {
        FIELDS
            .iter()
            .find(|f| f.nxm == Some(code) || f.oxm == Some(code))
            .map(|f| f.id)
    }
}

/// The registry in order.
pub fn all_fields() -> &'static [FieldInfo] {
    &FIELDS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(f.id as usize, i, "{} out of order", f.name);
            assert_eq!(FieldId::from_name(f.name), Some(f.id));
            for a in f.aliases {
                assert_eq!(FieldId::from_name(a), Some(f.id));
            }
            let l = f.loc;
            if l.bits == 128 {
                assert_eq!(l.shift, 0);
                assert!(usize::from(l.word) + 1 < crate::FLOW_WORDS);
            } else {
                assert!(u32::from(l.shift) + u32::from(l.bits) <= 64, "{}", f.name);
                assert!(usize::from(l.word) < crate::FLOW_WORDS);
            }
            assert_eq!(f.valid_mask & !l.value_mask(), 0, "{}", f.name);
        }
    }

    #[test]
    fn primary_fields_do_not_overlap() {
        let mut used = [0u64; crate::FLOW_WORDS];
        for f in FIELDS.iter().filter(|f| f.primary) {
            let mut m = crate::FlowWildcards::catchall();
            m.set(f.id, f.valid_mask);
            for (u, w) in used.iter_mut().zip(m.words().iter()) {
                assert_eq!(*u & w, 0, "{} overlaps", f.name);
                *u |= w;
            }
        }
    }

    #[test]
    fn extra_fields_use_storage_no_field_uses() {
        let mut used = [0u64; crate::FLOW_WORDS];
        for f in FIELDS.iter().filter(|f| f.primary) {
            let mut m = crate::FlowWildcards::catchall();
            m.set(f.id, f.valid_mask);
            for (u, w) in used.iter_mut().zip(m.words().iter()) {
                *u |= w;
            }
        }
        for x in crate::ExtraField::ALL {
            let mut m = crate::FlowWildcards::catchall();
            m.set_extra(*x, u64::MAX);
            assert!(!m.is_catchall(), "{x:?} has no storage");
            for (u, w) in used.iter_mut().zip(m.words().iter()) {
                assert_eq!(*u & w, 0, "{x:?} overlaps");
                *u |= w;
            }
        }
    }

    #[test]
    fn codes_are_unique() {
        for a in FIELDS.iter() {
            for b in FIELDS.iter().filter(|b| b.id != a.id) {
                if a.nxm.is_some() {
                    assert_ne!(a.nxm, b.nxm, "{} {}", a.name, b.name);
                }
                if a.oxm.is_some() {
                    assert_ne!(a.oxm, b.oxm, "{} {}", a.name, b.name);
                }
            }
        }
    }
}
