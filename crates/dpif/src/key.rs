//! Megaflow keys and masks in Open vSwitch's datapath text form, and whole flow-dump lines.
//!
//! A megaflow is a [`Flow`] plus a [`FlowWildcards`] mask. Open vSwitch prints it (in
//! `ovs-appctl dpctl/dump-flows` and `dpif/dump-flows`) as a list of key attributes
//! (see [`crate::attr`]) in a fixed order:
//!
//! ```text
//! skb_priority skb_mark ct_state ct_zone ct_mark ct_label recirc_id dp_hash in_port
//! packet_type eth [eth_type(TPID) vlan encap(] eth_type ipv4|ipv6|arp|mpls tcp|udp|sctp|icmp|icmpv6 tcp_flags nd [)]
//! ```
//!
//! In the compact form an attribute whose mask is entirely zero is left out, and so is each
//! field inside an attribute whose mask is zero. Two items do not come from the flow itself
//! and are kept in a [`KeyLayout`]: whether the key has a `packet_type(ns=0,id=0)` attribute
//! (flows the userspace datapath installs from upcalls have one) and whether an empty
//! `eth()` is printed (OVS prints it for flows whose key has an Ethernet attribute but no
//! packet type, e.g. those added with `dpctl/add-flow`).
//!
//! A VLAN-tagged flow prints the tag's TPID as an `eth_type`, then `vlan(vid=..,pcp=..)`, then
//! the rest of the key inside `encap(...)`; a second tag nests once more. Keys keep the bits
//! of the packet that created them even outside the mask (OVS prints
//! `ipv4(dst=10.0.0.2/255.255.255.0)`), so nothing here normalises the flow.
//!
//! [`format_key`] / [`parse_key`] convert a key and mask; [`format_dump_flow`] /
//! [`parse_dump_flow`] handle a whole dump line with statistics and actions
//! (`..., packets:2, bytes:108, used:0.009s, flags:S., actions:2`).
//!
//! Limits: `in_port` lives in the flow's 16-bit OpenFlow-port storage, so a key with a
//! datapath port number above 65535 is refused by the parser.
//!
//! Not covered: tunnel keys (`tunnel(...)`), `ct_tuple4/6`, NSH, `nd_ext`, and the verbose
//! (`-m`) form with port names and `ufid:`.

use crate::action::{format_actions_into, parse_actions};
use crate::attr::{frag, AttrKind, KeyAttr, Masked};
use crate::error::ParseError;
use crate::provider::{DpifFlow, FlowStats};
use crate::text::split_top;
use flow::{ExtraField, FieldId, Flow, FlowWildcards};
use std::fmt::Write;

/// Parts of a key's text form that a flow and mask do not determine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyLayout {
    /// `packet_type(ns=..,id=..)`, if the key has one.
    pub packet_type: Option<(u16, u16)>,
    /// Print `eth()` even when both addresses are wildcarded.
    pub eth_explicit: bool,
}

impl Default for KeyLayout {
    /// The layout of flows the userspace datapath installs: `packet_type(ns=0,id=0)`, no
    /// empty `eth()`.
    fn default() -> Self {
        KeyLayout {
            packet_type: Some((0, 0)),
            eth_explicit: false,
        }
    }
}

fn fm(flow: &Flow, mask: &FlowWildcards, id: FieldId) -> Masked {
    Masked {
        value: flow.get(id),
        mask: mask.get(id),
    }
}

/// Widens a flow mask to the datapath's all-ones value when the field is exact in the flow.
fn widen(m: Masked, flow_full: u128, dp_full: u128) -> Masked {
    if m.mask == flow_full {
        Masked {
            value: m.value,
            mask: dp_full,
        }
    } else {
        m
    }
}

fn single(out: &mut Vec<String>, kind: AttrKind, m: Masked) {
    if m.mask != 0 {
        let mut a = KeyAttr::new(kind);
        a.fields[0] = m;
        out.push(a.to_string());
    }
}

fn frag_to_dp(v: u128, m: u128) -> Masked {
    let value = if v & 1 == 0 {
        frag::NO
    } else if v & 2 == 0 {
        frag::FIRST
    } else {
        frag::LATER
    };
    let mask = if m & 3 == 0 {
        0
    } else {
        0xfc | (m & 1) as u8 | (m & 2) as u8
    };
    Masked {
        value: u128::from(value),
        mask: u128::from(mask),
    }
}

fn frag_from_dp(m: Masked) -> (u128, u128) {
    let v = match m.value as u8 {
        frag::FIRST => 1,
        frag::LATER => 3,
        _ => 0,
    };
    (v, m.mask & 3)
}

fn tos(flow: &Flow, mask: &FlowWildcards) -> Masked {
    Masked {
        value: flow.get(FieldId::NwTos) | flow.get(FieldId::NwEcn),
        mask: mask.get(FieldId::NwTos) | mask.get(FieldId::NwEcn),
    }
}

/// Prints a megaflow key and mask in OVS's compact datapath syntax.
pub fn format_key(flow: &Flow, mask: &FlowWildcards, layout: &KeyLayout) -> String {
    let mut p: Vec<String> = Vec::new();
    single(
        &mut p,
        AttrKind::SkbPriority,
        widen(
            fm(flow, mask, FieldId::SkbPriority),
            0xffff_ffff,
            0xffff_ffff,
        ),
    );
    single(&mut p, AttrKind::SkbMark, fm(flow, mask, FieldId::PktMark));
    single(&mut p, AttrKind::CtState, fm(flow, mask, FieldId::CtState));
    single(&mut p, AttrKind::CtZone, fm(flow, mask, FieldId::CtZone));
    single(&mut p, AttrKind::CtMark, fm(flow, mask, FieldId::CtMark));
    single(&mut p, AttrKind::CtLabel, fm(flow, mask, FieldId::CtLabel));
    single(
        &mut p,
        AttrKind::RecircId,
        fm(flow, mask, FieldId::RecircId),
    );
    single(&mut p, AttrKind::DpHash, fm(flow, mask, FieldId::DpHash));
    single(
        &mut p,
        AttrKind::InPort,
        widen(fm(flow, mask, FieldId::InPort), 0xffff, 0xffff_ffff),
    );
    if let Some((ns, id)) = layout.packet_type {
        let mut a = KeyAttr::new(AttrKind::PacketType);
        a.set_exact(0, u128::from(ns));
        a.set_exact(1, u128::from(id));
        p.push(a.to_string());
    }
    let mut eth = KeyAttr::new(AttrKind::Eth);
    eth.fields[0] = fm(flow, mask, FieldId::EthSrc);
    eth.fields[1] = fm(flow, mask, FieldId::EthDst);
    if !eth.is_wildcard() || (layout.eth_explicit && layout.packet_type.is_none()) {
        p.push(eth.to_string());
    }
    format_l2(&mut p, flow, mask, 0);
    p.join(",")
}

fn format_l2(p: &mut Vec<String>, flow: &Flow, mask: &FlowWildcards, depth: usize) {
    let (tci, tci_m) = match depth {
        0 => (u128::from(flow.vlan_tci()), mask.get(FieldId::VlanTci)),
        1 => (
            u128::from(flow.vlan_tci1()),
            u128::from(mask.get_extra(ExtraField::VlanTci1)),
        ),
        _ => (0, 0),
    };
    if tci & tci_m & 0x1000 != 0 {
        p.push(format!("eth_type(0x{:04x})", flow.vlan_tpid(depth)));
        let mut v = KeyAttr::new(AttrKind::Vlan);
        v.fields[0] = Masked {
            value: tci,
            mask: tci_m,
        };
        p.push(v.to_string());
        let mut inner = Vec::new();
        format_l2(&mut inner, flow, mask, depth + 1);
        p.push(format!("encap({})", inner.join(",")));
        return;
    }
    format_l3(p, flow, mask);
}

fn format_l3(p: &mut Vec<String>, flow: &Flow, mask: &FlowWildcards) {
    let et = fm(flow, mask, FieldId::EthType);
    if et.mask == 0 {
        return;
    }
    single(p, AttrKind::EthType, et);
    if et.mask != 0xffff {
        return;
    }
    let proto = fm(flow, mask, FieldId::NwProto);
    let fr = fm(flow, mask, FieldId::NwFrag);
    let l4_ok = proto.mask == 0xff && fr.value & 2 == 0;
    let ports = |kind| {
        let mut a = KeyAttr::new(kind);
        a.fields[0] = fm(flow, mask, FieldId::TpSrc);
        a.fields[1] = fm(flow, mask, FieldId::TpDst);
        a
    };
    let icmp = |kind| {
        let mut a = KeyAttr::new(kind);
        let (s, d) = (
            fm(flow, mask, FieldId::TpSrc),
            fm(flow, mask, FieldId::TpDst),
        );
        a.fields[0] = Masked {
            value: s.value & 0xff,
            mask: s.mask & 0xff,
        };
        a.fields[1] = Masked {
            value: d.value & 0xff,
            mask: d.mask & 0xff,
        };
        a
    };
    let push = |p: &mut Vec<String>, a: KeyAttr| {
        if !a.is_wildcard() {
            p.push(a.to_string());
        }
    };
    match et.value {
        0x0800 | 0x86dd => {
            let v4 = et.value == 0x0800;
            let mut a = KeyAttr::new(if v4 { AttrKind::Ipv4 } else { AttrKind::Ipv6 });
            if v4 {
                a.fields[0] = fm(flow, mask, FieldId::IpSrc);
                a.fields[1] = fm(flow, mask, FieldId::IpDst);
                a.fields[2] = proto;
                a.fields[3] = tos(flow, mask);
                a.fields[4] = fm(flow, mask, FieldId::NwTtl);
                a.fields[5] = frag_to_dp(fr.value, fr.mask);
            } else {
                a.fields[0] = fm(flow, mask, FieldId::Ipv6Src);
                a.fields[1] = fm(flow, mask, FieldId::Ipv6Dst);
                a.fields[2] = fm(flow, mask, FieldId::Ipv6Label);
                a.fields[3] = proto;
                a.fields[4] = tos(flow, mask);
                a.fields[5] = fm(flow, mask, FieldId::NwTtl);
                a.fields[6] = frag_to_dp(fr.value, fr.mask);
            }
            push(p, a);
            if !l4_ok {
                return;
            }
            match proto.value {
                6 => {
                    push(p, ports(AttrKind::Tcp));
                    let mut f = KeyAttr::new(AttrKind::TcpFlags);
                    f.fields[0] = widen(fm(flow, mask, FieldId::TcpFlags), 0xfff, 0xffff);
                    push(p, f);
                }
                17 => push(p, ports(AttrKind::Udp)),
                132 => push(p, ports(AttrKind::Sctp)),
                1 if v4 => push(p, icmp(AttrKind::Icmp)),
                58 if !v4 => {
                    let a = icmp(AttrKind::Icmpv6);
                    let nd = a.get(0).value == 135 || a.get(0).value == 136;
                    let code0 = a.get(1).value == 0;
                    push(p, a);
                    if nd && code0 {
                        let mut n = KeyAttr::new(AttrKind::Nd);
                        n.fields[0] = fm(flow, mask, FieldId::NdTarget);
                        n.fields[1] = fm(flow, mask, FieldId::NdSll);
                        n.fields[2] = fm(flow, mask, FieldId::NdTll);
                        push(p, n);
                    }
                }
                _ => {}
            }
        }
        0x0806 | 0x8035 => {
            let mut a = KeyAttr::new(AttrKind::Arp);
            a.fields[0] = fm(flow, mask, FieldId::ArpSpa);
            a.fields[1] = fm(flow, mask, FieldId::ArpTpa);
            a.fields[2] = fm(flow, mask, FieldId::ArpOp);
            a.fields[3] = fm(flow, mask, FieldId::ArpSha);
            a.fields[4] = fm(flow, mask, FieldId::ArpTha);
            push(p, a);
        }
        0x8847 | 0x8848 => {
            let mut a = KeyAttr::new(AttrKind::Mpls);
            let m = (mask.get(FieldId::MplsLabel) << 12)
                | (mask.get(FieldId::MplsTc) << 9)
                | (mask.get(FieldId::MplsBos) << 8)
                | mask.get(FieldId::MplsTtl);
            a.fields[0] = Masked {
                value: u128::from(flow.mpls_lse(0)),
                mask: m,
            };
            push(p, a);
        }
        _ => {}
    }
}

fn put(flow: &mut Flow, mask: &mut FlowWildcards, id: FieldId, m: Masked) {
    flow.set(id, m.value);
    mask.set(id, m.mask);
}

/// Parses a key in datapath syntax into a flow, a mask and the layout details.
pub fn parse_key(s: &str) -> Result<(Flow, FlowWildcards, KeyLayout), ParseError> {
    let mut flow = Flow::new();
    let mut mask = FlowWildcards::catchall();
    let mut layout = KeyLayout {
        packet_type: None,
        eth_explicit: false,
    };
    parse_items(s, &mut flow, &mut mask, &mut layout, 0)?;
    Ok((flow, mask, layout))
}

fn parse_items(
    s: &str,
    flow: &mut Flow,
    mask: &mut FlowWildcards,
    layout: &mut KeyLayout,
    depth: usize,
) -> Result<(), ParseError> {
    let mut last_eth_type: Option<u16> = None;
    for item in split_top(s)? {
        if item.is_empty() {
            continue;
        }
        let (name, args) = crate::text::split_call(item)?;
        if name == "encap" {
            parse_items(args.unwrap_or(""), flow, mask, layout, depth + 1)?;
            continue;
        }
        let a = KeyAttr::parse(item)?;
        let g = |i: usize| a.get(i);
        match a.kind {
            AttrKind::SkbPriority => put(flow, mask, FieldId::SkbPriority, g(0)),
            AttrKind::SkbMark => put(flow, mask, FieldId::PktMark, g(0)),
            AttrKind::CtState => put(flow, mask, FieldId::CtState, g(0)),
            AttrKind::CtZone => put(flow, mask, FieldId::CtZone, g(0)),
            AttrKind::CtMark => put(flow, mask, FieldId::CtMark, g(0)),
            AttrKind::CtLabel => put(flow, mask, FieldId::CtLabel, g(0)),
            AttrKind::RecircId => put(flow, mask, FieldId::RecircId, g(0)),
            AttrKind::DpHash => put(flow, mask, FieldId::DpHash, g(0)),
            AttrKind::InPort => {
                let m = g(0);
                if m.value > 0xffff {
                    return Err(ParseError::BadValue {
                        field: "in_port",
                        value: m.value.to_string(),
                    });
                }
                put(flow, mask, FieldId::InPort, m);
            }
            AttrKind::PacketType => {
                layout.packet_type = Some((g(0).value as u16, g(1).value as u16));
            }
            AttrKind::Eth => {
                put(flow, mask, FieldId::EthSrc, g(0));
                put(flow, mask, FieldId::EthDst, g(1));
                if a.is_wildcard() {
                    layout.eth_explicit = true;
                }
            }
            AttrKind::EthType => {
                last_eth_type = Some(g(0).value as u16);
                put(flow, mask, FieldId::EthType, g(0));
            }
            AttrKind::Vlan => {
                let tpid = last_eth_type.unwrap_or(0x8100);
                put(flow, mask, FieldId::EthType, Masked::default());
                match depth {
                    0 => put(flow, mask, FieldId::VlanTci, g(0)),
                    1 => {
                        flow.set_extra(ExtraField::VlanTci1, g(0).value as u64);
                        mask.set_extra(ExtraField::VlanTci1, g(0).mask as u64);
                    }
                    _ => {
                        return Err(ParseError::Invalid(
                            "more than two VLAN tags in a key".into(),
                        ))
                    }
                }
                flow.set_vlan_tpid(depth, tpid);
                if tpid == 0x88a8 {
                    let m = mask.get_extra(ExtraField::VlanTpids);
                    mask.set_extra(ExtraField::VlanTpids, m | (1 << depth));
                }
            }
            AttrKind::Ipv4 => {
                put(flow, mask, FieldId::IpSrc, g(0));
                put(flow, mask, FieldId::IpDst, g(1));
                put(flow, mask, FieldId::NwProto, g(2));
                set_tos(flow, mask, g(3));
                put(flow, mask, FieldId::NwTtl, g(4));
                set_frag(flow, mask, g(5));
            }
            AttrKind::Ipv6 => {
                put(flow, mask, FieldId::Ipv6Src, g(0));
                put(flow, mask, FieldId::Ipv6Dst, g(1));
                put(flow, mask, FieldId::Ipv6Label, g(2));
                put(flow, mask, FieldId::NwProto, g(3));
                set_tos(flow, mask, g(4));
                put(flow, mask, FieldId::NwTtl, g(5));
                set_frag(flow, mask, g(6));
            }
            AttrKind::Tcp | AttrKind::Udp | AttrKind::Sctp | AttrKind::Icmp | AttrKind::Icmpv6 => {
                put(flow, mask, FieldId::TpSrc, g(0));
                put(flow, mask, FieldId::TpDst, g(1));
            }
            AttrKind::TcpFlags => put(flow, mask, FieldId::TcpFlags, g(0)),
            AttrKind::Arp => {
                put(flow, mask, FieldId::ArpSpa, g(0));
                put(flow, mask, FieldId::ArpTpa, g(1));
                put(flow, mask, FieldId::ArpOp, g(2));
                put(flow, mask, FieldId::ArpSha, g(3));
                put(flow, mask, FieldId::ArpTha, g(4));
            }
            AttrKind::Nd => {
                put(flow, mask, FieldId::NdTarget, g(0));
                put(flow, mask, FieldId::NdSll, g(1));
                put(flow, mask, FieldId::NdTll, g(2));
            }
            AttrKind::Mpls => {
                let m = g(0);
                flow.set_mpls_lse(0, m.value as u32);
                let mm = m.mask;
                mask.set(FieldId::MplsLabel, mm >> 12);
                mask.set(FieldId::MplsTc, (mm >> 9) & 7);
                mask.set(FieldId::MplsBos, (mm >> 8) & 1);
                mask.set(FieldId::MplsTtl, mm & 0xff);
            }
            AttrKind::Tunnel => {
                return Err(ParseError::Unknown {
                    kind: "key attribute (not supported in keys)",
                    name: "tunnel".into(),
                })
            }
        }
    }
    Ok(())
}

fn set_tos(flow: &mut Flow, mask: &mut FlowWildcards, m: Masked) {
    flow.set(FieldId::NwTos, m.value & 0xfc);
    flow.set(FieldId::NwEcn, m.value & 3);
    mask.set(FieldId::NwTos, m.mask & 0xfc);
    mask.set(FieldId::NwEcn, m.mask & 3);
}

fn set_frag(flow: &mut Flow, mask: &mut FlowWildcards, m: Masked) {
    let (v, mm) = frag_from_dp(m);
    flow.set(FieldId::NwFrag, v);
    mask.set(FieldId::NwFrag, mm);
}

/// Prints TCP flags the way flow dumps show them (`S.` for SYN+ACK).
pub fn format_tcp_flags_short(out: &mut String, flags: u16) {
    const ORDER: [(u16, char); 9] = [
        (0x002, 'S'),
        (0x001, 'F'),
        (0x008, 'P'),
        (0x004, 'R'),
        (0x020, 'U'),
        (0x010, '.'),
        (0x040, 'E'),
        (0x080, 'C'),
        (0x100, 'N'),
    ];
    for (bit, c) in ORDER {
        if flags & bit != 0 {
            out.push(c);
        }
    }
}

fn parse_tcp_flags_short(s: &str) -> Result<u16, ParseError> {
    let mut v = 0;
    for c in s.chars() {
        v |= match c {
            'S' => 0x002,
            'F' => 0x001,
            'P' => 0x008,
            'R' => 0x004,
            'U' => 0x020,
            '.' => 0x010,
            'E' => 0x040,
            'C' => 0x080,
            'N' => 0x100,
            _ => {
                return Err(ParseError::BadValue {
                    field: "flags",
                    value: s.to_string(),
                })
            }
        };
    }
    Ok(v)
}

/// Prints one flow the way `dpctl/dump-flows` does. `now` is the current time in the same
/// millisecond clock as [`FlowStats::used`].
pub fn format_dump_flow(f: &DpifFlow, layout: &KeyLayout, now: u64) -> String {
    let mut s = format_key(&f.key, &f.mask, layout);
    let _ = write!(
        s,
        ", packets:{}, bytes:{}, used:",
        f.stats.packets, f.stats.bytes
    );
    match f.stats.used {
        None => s.push_str("never"),
        Some(t) => {
            let ago = now.saturating_sub(t);
            let _ = write!(s, "{}.{:03}s", ago / 1000, ago % 1000);
        }
    }
    if f.stats.tcp_flags != 0 {
        s.push_str(", flags:");
        format_tcp_flags_short(&mut s, f.stats.tcp_flags);
    }
    s.push_str(", actions:");
    format_actions_into(&mut s, &f.actions);
    s
}

/// Parses one `dpctl/dump-flows` line; `used:` is converted to an absolute time relative to
/// `now`.
pub fn parse_dump_flow(line: &str, now: u64) -> Result<(DpifFlow, KeyLayout), ParseError> {
    let (head, actions) = line
        .split_once(", actions:")
        .ok_or(ParseError::UnexpectedEnd("actions:"))?;
    let (key_text, stats_text) = head
        .split_once(", packets:")
        .ok_or(ParseError::UnexpectedEnd("packets:"))?;
    let (key, mask, layout) = parse_key(key_text)?;
    let mut stats = FlowStats::default();
    let bad = |f: &'static str, v: &str| ParseError::BadValue {
        field: f,
        value: v.to_string(),
    };
    for (i, part) in stats_text.split(", ").enumerate() {
        let (k, v) = if i == 0 {
            ("packets", part)
        } else {
            part.split_once(':').ok_or_else(|| bad("stats", part))?
        };
        match k {
            "packets" => stats.packets = v.parse().map_err(|_| bad("packets", v))?,
            "bytes" => stats.bytes = v.parse().map_err(|_| bad("bytes", v))?,
            "used" if v == "never" => stats.used = None,
            "used" => {
                let secs = v.strip_suffix('s').ok_or_else(|| bad("used", v))?;
                let (a, b) = secs.split_once('.').unwrap_or((secs, "0"));
                let whole: u64 = a.parse().map_err(|_| bad("used", v))?;
                let frac: u64 = format!("{b:0<3}")
                    .get(..3)
                    .unwrap_or("0")
                    .parse()
                    .map_err(|_| bad("used", v))?;
                let ago = whole.saturating_mul(1000).saturating_add(frac);
                stats.used = Some(now.saturating_sub(ago));
            }
            "flags" => stats.tcp_flags = parse_tcp_flags_short(v)?,
            _ => return Err(bad("stats", part)),
        }
    }
    Ok((
        DpifFlow {
            key,
            mask,
            actions: parse_actions(actions)?,
            stats,
        },
        layout,
    ))
}
