//! Printing a [`Match`] the way `ovs-ofctl dump-flows` / `parse-flow` print it.
//!
//! The output is a comma-separated list in OVS's fixed order (not registry order):
//! metadata-ish fields first (`pkt_mark`, `recirc_id`, `dp_hash`, `conj_id`, `skb_priority`,
//! `actset_output`, conntrack state and original-direction tuple), then the protocol
//! shorthand (`tcp`, `ipv6`, `arp`, ...; an `eth` keyword precedes it when `recirc_id` is
//! matched, as OVS prints datapath-style flows), registers, tunnel, `metadata`, `in_port`,
//! VLAN (the inner tag of a double-tagged flow, which no OpenFlow field names, prints as
//! `vlan_tci1` or `dl_vlan1`/`dl_vlan_pcp1` when matched), Ethernet, `dl_type` when no
//! shorthand covers it, L3 (with `mpls_lse1`/`mpls_lse2` for deeper MPLS label stack
//! entries), L4, neighbour discovery and finally `tcp_flags`. Layer-4 ports print as
//! `icmp_type`/`icmp_code` for ICMP and `tp_src`/`tp_dst` otherwise. Registers always print
//! as 32-bit `regN` (never `xreg`/`xxreg`). A fully wildcarded field prints nothing and a
//! catch-all match prints as the empty string; `priority=` and everything outside the match
//! is the caller's business.
//!
//! Number styles follow OVS: hex fields print `%#x` (so zero is `0`), masked values as
//! `value/mask`, decimal fields as decimal but `0x../0x..` when partially masked, `vlan_tci`
//! and `dl_type` zero-padded to four hex digits, `ipv6_label` to five.

use crate::field::FieldId;
use crate::flow::{ExtraField, Match};
use crate::value::{
    format_ipv4_masked, format_ipv6_masked, format_mac, format_port, frag_keyword, PortMap,
    CT_STATE_FLAGS, TCP_FLAGS, TUN_FLAGS,
};
use std::fmt::Write as _;

struct Out<'a> {
    m: &'a Match,
    s: String,
}

impl Out<'_> {
    fn key(&mut self, name: &str) {
        if !self.s.is_empty() {
            self.s.push(',');
        }
        self.s.push_str(name);
    }

    fn kv(&mut self, name: &str) {
        self.key(name);
        self.s.push('=');
    }

    fn hex(&mut self, name: &str, f: FieldId) {
        let (v, mask) = self.m.get(f);
        if mask == 0 {
            return;
        }
        self.kv(name);
        push_hex(&mut self.s, v);
        if mask & f.info().valid_mask != f.info().valid_mask {
            self.s.push('/');
            push_hex(&mut self.s, mask);
        }
    }

    fn dec(&mut self, name: &str, f: FieldId) {
        let (v, mask) = self.m.get(f);
        if mask == 0 {
            return;
        }
        self.kv(name);
        if mask & f.info().valid_mask == f.info().valid_mask {
            let _ = write!(self.s, "{v}");
        } else {
            let _ = write!(self.s, "{v:#x}/{mask:#x}");
        }
    }

    fn ipv4(&mut self, name: &str, f: FieldId) {
        let (v, mask) = self.m.get(f);
        if mask != 0 {
            self.kv(name);
            format_ipv4_masked(&mut self.s, v as u32, mask as u32);
        }
    }

    fn ipv6(&mut self, name: &str, f: FieldId) {
        let (v, mask) = self.m.get(f);
        if mask != 0 {
            self.kv(name);
            format_ipv6_masked(&mut self.s, v, mask);
        }
    }

    fn mac(&mut self, name: &str, f: FieldId) {
        let (v, mask) = self.m.get(f);
        if mask != 0 {
            self.kv(name);
            format_mac(&mut self.s, v as u64);
            if mask != 0xffff_ffff_ffff {
                self.s.push('/');
                format_mac(&mut self.s, mask as u64);
            }
        }
    }
}

fn push_hex(s: &mut String, v: u128) {
    if v == 0 {
        s.push('0');
    } else {
        let _ = write!(s, "{v:#x}");
    }
}

/// The shorthand keyword OVS prints for this match's `dl_type`/`nw_proto`, if any.
pub fn shorthand(m: &Match) -> Option<&'static str> {
    let dl_type = m.exact_value(FieldId::EthType)?;
    let proto = m.exact_value(FieldId::NwProto);
    Some(match (dl_type, proto) {
        (0x0800, Some(1)) => "icmp",
        (0x0800, Some(6)) => "tcp",
        (0x0800, Some(17)) => "udp",
        (0x0800, Some(132)) => "sctp",
        (0x0800, _) => "ip",
        (0x86dd, Some(58)) => "icmp6",
        (0x86dd, Some(6)) => "tcp6",
        (0x86dd, Some(17)) => "udp6",
        (0x86dd, Some(132)) => "sctp6",
        (0x86dd, _) => "ipv6",
        (0x0806, _) => "arp",
        (0x8035, _) => "rarp",
        (0x8847, _) => "mpls",
        (0x8848, _) => "mplsm",
        _ => return None,
    })
}

fn is_icmp(m: &Match) -> bool {
    matches!(
        (
            m.exact_value(FieldId::EthType),
            m.exact_value(FieldId::NwProto)
        ),
        (Some(0x0800), Some(1)) | (Some(0x86dd), Some(58))
    )
}

/// Formats `m` in ovs-ofctl syntax; port numbers print as names from `ports` when given.
pub fn format_match(m: &Match, ports: Option<&PortMap>) -> String {
    let mut o = Out {
        m,
        s: String::new(),
    };
    o.hex("pkt_mark", FieldId::PktMark);
    o.hex("recirc_id", FieldId::RecircId);
    o.hex("dp_hash", FieldId::DpHash);
    o.dec("conj_id", FieldId::ConjId);
    o.hex("skb_priority", FieldId::SkbPriority);
    if m.is_matched(FieldId::ActsetOutput) {
        o.kv("actset_output");
        format_port(&mut o.s, m.flow().get(FieldId::ActsetOutput) as u16, ports);
    }
    let (v, mask) = m.get(FieldId::CtState);
    if mask != 0 {
        o.kv("ct_state");
        CT_STATE_FLAGS.format(&mut o.s, v as u32, mask as u32, false);
    }
    o.dec("ct_zone", FieldId::CtZone);
    o.hex("ct_mark", FieldId::CtMark);
    o.hex("ct_label", FieldId::CtLabel);
    o.ipv4("ct_nw_src", FieldId::CtNwSrc);
    o.ipv4("ct_nw_dst", FieldId::CtNwDst);
    o.ipv6("ct_ipv6_src", FieldId::CtIpv6Src);
    o.ipv6("ct_ipv6_dst", FieldId::CtIpv6Dst);
    o.dec("ct_nw_proto", FieldId::CtNwProto);
    o.dec("ct_tp_src", FieldId::CtTpSrc);
    o.dec("ct_tp_dst", FieldId::CtTpDst);

    let sh = shorthand(m);
    // OVS prints the packet type ("eth") for datapath-style matches (recirc_id set) as soon as
    // any field beyond pure metadata is matched.
    let l2_or_above = |f: &crate::field::FieldInfo| {
        f.prereq != crate::field::Prereq::None
            || matches!(
                f.id,
                FieldId::EthSrc | FieldId::EthDst | FieldId::EthType | FieldId::VlanTci
            )
    };
    if m.is_matched(FieldId::RecircId)
        && crate::field::all_fields()
            .iter()
            .any(|f| f.primary && l2_or_above(f) && m.is_matched(f.id))
    {
        o.key("eth");
    }
    if let Some(sh) = sh {
        o.key(sh);
    }
    for i in 0..16 {
        if let Some(f) = FieldId::reg(i) {
            o.hex(f.name(), f);
        }
    }
    o.hex("tun_id", FieldId::TunId);
    o.ipv4("tun_src", FieldId::TunSrc);
    o.ipv4("tun_dst", FieldId::TunDst);
    o.ipv6("tun_ipv6_src", FieldId::TunIpv6Src);
    o.ipv6("tun_ipv6_dst", FieldId::TunIpv6Dst);
    let (v, mask) = m.get(FieldId::TunFlags);
    if mask != 0 {
        o.kv("tun_flags");
        TUN_FLAGS.format(&mut o.s, v as u32, mask as u32, true);
    }
    o.hex("metadata", FieldId::Metadata);
    if m.is_matched(FieldId::InPort) {
        o.kv("in_port");
        format_port(&mut o.s, m.flow().get(FieldId::InPort) as u16, ports);
    }
    format_vlan(&mut o);
    o.mac("dl_src", FieldId::EthSrc);
    o.mac("dl_dst", FieldId::EthDst);
    if sh.is_none() && m.is_matched(FieldId::EthType) {
        o.kv("dl_type");
        let _ = write!(o.s, "0x{:04x}", m.flow().get(FieldId::EthType));
    }
    o.ipv6("ipv6_src", FieldId::Ipv6Src);
    o.ipv6("ipv6_dst", FieldId::Ipv6Dst);
    let (v, mask) = m.get(FieldId::Ipv6Label);
    if mask != 0 {
        o.kv("ipv6_label");
        let _ = write!(o.s, "0x{v:05x}");
        if mask != 0xfffff {
            let _ = write!(o.s, "/0x{mask:05x}");
        }
    }
    o.ipv4("nw_src", FieldId::IpSrc);
    o.ipv4("nw_dst", FieldId::IpDst);
    o.ipv4("arp_spa", FieldId::ArpSpa);
    o.ipv4("arp_tpa", FieldId::ArpTpa);
    if matches!(sh, None | Some("ip") | Some("ipv6")) {
        o.dec("nw_proto", FieldId::NwProto);
    }
    o.dec("nw_tos", FieldId::NwTos);
    o.dec("nw_ecn", FieldId::NwEcn);
    o.dec("nw_ttl", FieldId::NwTtl);
    o.dec("mpls_label", FieldId::MplsLabel);
    o.dec("mpls_tc", FieldId::MplsTc);
    o.dec("mpls_ttl", FieldId::MplsTtl);
    o.dec("mpls_bos", FieldId::MplsBos);
    // Extensions Open vSwitch lacks (so no order of its to follow).
    o.dec("pbb_isid", FieldId::PbbIsid);
    o.hex("ipv6_exthdr", FieldId::Ipv6Exthdr);
    for (name, f) in [
        ("mpls_lse1", ExtraField::MplsLse1),
        ("mpls_lse2", ExtraField::MplsLse2),
    ] {
        let (v, mask) = m.get_extra(f);
        if mask == 0xffff_ffff {
            o.kv(name);
            let _ = write!(o.s, "{v}");
        } else if mask != 0 {
            o.kv(name);
            let _ = write!(o.s, "{v:#x}/{mask:#x}");
        }
    }
    let (v, mask) = m.get(FieldId::NwFrag);
    if let Some(k) = frag_keyword(v as u8, mask as u8) {
        o.kv("nw_frag");
        o.s.push_str(k);
    }
    o.dec("arp_op", FieldId::ArpOp);
    o.mac("arp_sha", FieldId::ArpSha);
    o.mac("arp_tha", FieldId::ArpTha);
    if is_icmp(m) {
        o.dec("icmp_type", FieldId::TpSrc);
        o.dec("icmp_code", FieldId::TpDst);
    } else {
        o.dec("tp_src", FieldId::TpSrc);
        o.dec("tp_dst", FieldId::TpDst);
    }
    o.ipv6("nd_target", FieldId::NdTarget);
    o.mac("nd_sll", FieldId::NdSll);
    o.mac("nd_tll", FieldId::NdTll);
    let (v, mask) = m.get(FieldId::TcpFlags);
    if mask != 0 {
        o.kv("tcp_flags");
        TCP_FLAGS.format(&mut o.s, v as u32, mask as u32, false);
    }
    o.s
}

fn format_vlan(o: &mut Out<'_>) {
    // Tag 0 is `vlan_tci`; tag 1 (the inner tag, extra storage) prints with a "1" suffix, and
    // only when tag 0 is matched, as OVS stops at the first unmatched tag.
    for (i, suffix) in ["", "1"].into_iter().enumerate() {
        let (tci, mask) = if i == 0 {
            o.m.get(FieldId::VlanTci)
        } else {
            let (v, m) = o.m.get_extra(ExtraField::VlanTci1);
            (u128::from(v), u128::from(m))
        };
        if mask == 0 {
            return;
        }
        let vid_mask = mask & 0x0fff;
        let pcp_mask = mask & 0xe000;
        let cfi = mask & 0x1000;
        if cfi != 0
            && tci & 0x1000 != 0
            && (vid_mask == 0 || vid_mask == 0x0fff)
            && (pcp_mask == 0 || pcp_mask == 0xe000)
            && (vid_mask != 0 || pcp_mask != 0)
        {
            if vid_mask != 0 {
                o.key("dl_vlan");
                let _ = write!(o.s, "{suffix}={}", tci & 0x0fff);
            }
            if pcp_mask != 0 {
                o.key("dl_vlan_pcp");
                let _ = write!(o.s, "{suffix}={}", tci >> 13);
            }
        } else if mask == 0xffff {
            o.key("vlan_tci");
            let _ = write!(o.s, "{suffix}=0x{tci:04x}");
        } else {
            o.key("vlan_tci");
            let _ = write!(o.s, "{suffix}=0x{tci:04x}/0x{mask:04x}");
        }
    }
}

impl std::fmt::Display for Match {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format_match(self, None))
    }
}
