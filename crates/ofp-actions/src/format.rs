//! Printing actions in the canonical ovs-ofctl syntax (what `ovs-ofctl dump-flows` shows).
//!
//! Reserved output ports print by name (`NORMAL`, `IN_PORT`, `CONTROLLER:65535`), ordinary
//! ones as `output:N`; `set_field` values print in the field's own syntax (`10.0.0.1`,
//! `00:01:02:03:04:05`, decimal or hex) and `load` as one `load:` per contiguous run of mask
//! bits, at most 64 bits each; subfields use their NXM/OXM names. An empty list prints `drop`.

use crate::action::*;
use crate::subfield::{bit_mask, field_bits, Subfield};
use flow::value::{format_ipv4_masked, format_ipv6_masked, format_mac, format_port};
use flow::{PortMap, ValueFormat};
use std::fmt::Write as _;

/// Formats a whole action list (`drop` when empty).
pub fn format_actions(acts: &[Action], ports: Option<&PortMap>) -> String {
    let mut s = String::new();
    if acts.is_empty() {
        s.push_str("drop");
    } else {
        format_list(&mut s, acts, ports);
    }
    s
}

/// Formats actions separated by commas (nothing for an empty list).
pub(crate) fn format_list(out: &mut String, acts: &[Action], ports: Option<&PortMap>) {
    for (i, a) in acts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        format_action(out, a, ports);
    }
}

/// OVS's name for the action (used in error messages).
pub fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Output { .. } => "output",
        Action::Controller(_) => "controller",
        Action::Enqueue { .. } => "enqueue",
        Action::OutputReg { .. } => "output_reg",
        Action::OutputTrunc { .. } => "output_trunc",
        Action::Bundle(_) => "bundle",
        Action::SetVlanVid { .. } => "set_vlan_vid",
        Action::SetVlanPcp { .. } => "set_vlan_pcp",
        Action::StripVlan { .. } => "strip_vlan",
        Action::PushVlan(_) => "push_vlan",
        Action::SetEthSrc(_) => "mod_dl_src",
        Action::SetEthDst(_) => "mod_dl_dst",
        Action::SetIpv4Src(_) => "mod_nw_src",
        Action::SetIpv4Dst(_) => "mod_nw_dst",
        Action::SetIpDscp(_) => "mod_nw_tos",
        Action::SetIpEcn(_) => "mod_nw_ecn",
        Action::SetIpTtl(_) => "mod_nw_ttl",
        Action::SetL4Src(_) => "mod_tp_src",
        Action::SetL4Dst(_) => "mod_tp_dst",
        Action::DecTtl(_) => "dec_ttl",
        Action::SetMplsLabel(_) => "set_mpls_label",
        Action::SetMplsTc(_) => "set_mpls_tc",
        Action::SetMplsTtl(_) => "set_mpls_ttl",
        Action::DecMplsTtl => "dec_mpls_ttl",
        Action::PushMpls(_) => "push_mpls",
        Action::PopMpls(_) => "pop_mpls",
        Action::CopyTtlOut => "copy_ttl_out",
        Action::CopyTtlIn => "copy_ttl_in",
        Action::PushPbb(_) => "push_pbb",
        Action::PopPbb => "pop_pbb",
        Action::SetField(_) => "set_field",
        Action::Move { .. } => "move",
        Action::Resubmit { .. } => "resubmit",
        Action::SetTunnel { .. } => "set_tunnel",
        Action::SetQueue(_) => "set_queue",
        Action::PopQueue => "pop_queue",
        Action::FinTimeout { .. } => "fin_timeout",
        Action::Note(_) => "note",
        Action::Exit => "exit",
        Action::Sample(_) => "sample",
        Action::Learn(_) => "learn",
        Action::Conjunction { .. } => "conjunction",
        Action::Ct(_) => "ct",
        Action::Nat(_) => "nat",
        Action::CtClear => "ct_clear",
        Action::Multipath(_) => "multipath",
        Action::CheckPktLarger { .. } => "check_pkt_larger",
        Action::Clone(_) => "clone",
        Action::Group(_) => "group",
        Action::Meter(_) => "meter",
        Action::ClearActions => "clear_actions",
        Action::WriteActions(_) => "write_actions",
        Action::WriteMetadata { .. } => "write_metadata",
        Action::GotoTable(_) => "goto_table",
    }
}

fn port(out: &mut String, p: u16, ports: Option<&PortMap>) {
    format_port(out, p, ports);
}

fn hex(out: &mut String, v: u128) {
    if v == 0 {
        out.push('0');
    } else {
        let _ = write!(out, "{v:#x}");
    }
}

/// Formats a field value (and mask, when partial) in the field's own syntax.
pub fn format_field_value(
    out: &mut String,
    field: flow::FieldId,
    value: u128,
    mask: u128,
    ports: Option<&PortMap>,
) {
    let full = bit_mask(field_bits(field));
    let partial = mask & full != full;
    match field.info().format {
        ValueFormat::Ipv4 => format_ipv4_masked(out, value as u32, mask as u32),
        ValueFormat::Ipv6 => format_ipv6_masked(out, value, mask),
        ValueFormat::Ethernet => {
            format_mac(out, value as u64);
            if partial {
                out.push('/');
                format_mac(out, mask as u64);
            }
        }
        ValueFormat::Port if !partial => port(out, value as u16, ports),
        ValueFormat::TunFlags | ValueFormat::CtState | ValueFormat::TcpFlags => {
            let set = match field.info().format {
                ValueFormat::TunFlags => flow::value::TUN_FLAGS,
                ValueFormat::CtState => flow::value::CT_STATE_FLAGS,
                _ => flow::value::TCP_FLAGS,
            };
            set.format(
                out,
                value as u32,
                if partial { mask as u32 } else { u32::MAX },
                false,
            );
        }
        ValueFormat::Decimal | ValueFormat::Port => {
            let _ = write!(out, "{value}");
            if partial {
                out.push('/');
                hex(out, mask);
            }
        }
        _ => {
            hex(out, value);
            if partial {
                out.push('/');
                hex(out, mask);
            }
        }
    }
}

/// Splits a mask into contiguous runs of at most 64 bits: (ofs, n_bits).
pub(crate) fn load_segments(mask: u128) -> Vec<(u16, u16)> {
    let mut segs = Vec::new();
    let mut ofs = 0u16;
    while ofs < 128 {
        if (mask >> ofs) & 1 == 0 {
            ofs += 1;
            continue;
        }
        let mut n = 0u16;
        while ofs + n < 128 && (mask >> (ofs + n)) & 1 == 1 && n < 64 {
            n += 1;
        }
        segs.push((ofs, n));
        ofs += n;
    }
    segs
}

fn format_action(out: &mut String, a: &Action, ports: Option<&PortMap>) {
    match a {
        Action::Output { port: p, max_len } => {
            if *p == OFPP_CONTROLLER {
                let _ = write!(out, "CONTROLLER:{max_len}");
            } else if *p >= OFPP_MAX && *p != OFPP_NONE {
                port(out, *p, ports);
            } else {
                out.push_str("output:");
                port(out, *p, ports);
            }
        }
        Action::Controller(c) => {
            if c.is_simple() {
                let _ = write!(out, "CONTROLLER:{}", c.max_len);
                return;
            }
            out.push_str("controller(");
            if c.reason != PacketInReason::Action {
                let _ = write!(out, "reason={},", c.reason.name());
            }
            if c.max_len != u16::MAX {
                let _ = write!(out, "max_len={},", c.max_len);
            }
            if c.controller_id != 0 {
                let _ = write!(out, "id={},", c.controller_id);
            }
            if !c.userdata.is_empty() {
                out.push_str("userdata=");
                hex_bytes(out, &c.userdata);
                out.push(',');
            }
            if c.pause {
                out.push_str("pause,");
            }
            if let Some(m) = c.meter_id {
                let _ = write!(out, "meter_id={m},");
            }
            if out.ends_with(',') {
                out.pop();
            }
            out.push(')');
        }
        Action::Enqueue { port: p, queue } => {
            out.push_str("enqueue:");
            port(out, *p, ports);
            let _ = write!(out, ":{queue}");
        }
        Action::OutputReg { src, max_len } => {
            if *max_len == u16::MAX {
                let _ = write!(out, "output:{src}");
            } else {
                let _ = write!(out, "output(port={src},max_len={max_len})");
            }
        }
        Action::OutputTrunc { port: p, max_len } => {
            out.push_str("output(port=");
            port(out, *p, ports);
            let _ = write!(out, ",max_len={max_len})");
        }
        Action::Bundle(b) => {
            let alg = match b.algorithm {
                BundleAlgorithm::Hrw => "hrw",
                BundleAlgorithm::ActiveBackup => "active_backup",
            };
            let _ = match b.dst {
                None => write!(out, "bundle({},{},{alg},ofport,", b.fields.name(), b.basis),
                Some(d) => write!(
                    out,
                    "bundle_load({},{},{alg},ofport,{d},",
                    b.fields.name(),
                    b.basis
                ),
            };
            out.push_str("members:");
            for (i, m) in b.members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                port(out, *m, ports);
            }
            out.push(')');
        }
        Action::SetVlanVid { vid, push } => {
            let n = if *push {
                "mod_vlan_vid"
            } else {
                "set_vlan_vid"
            };
            let _ = write!(out, "{n}:{vid}");
        }
        Action::SetVlanPcp { pcp, push } => {
            let n = if *push {
                "mod_vlan_pcp"
            } else {
                "set_vlan_pcp"
            };
            let _ = write!(out, "{n}:{pcp}");
        }
        Action::StripVlan { pop } => out.push_str(if *pop { "pop_vlan" } else { "strip_vlan" }),
        Action::PushVlan(t) => {
            let _ = write!(out, "push_vlan:{t:#x}");
        }
        Action::SetEthSrc(m) | Action::SetEthDst(m) => {
            out.push_str(action_name(a));
            out.push(':');
            format_mac(out, *m);
        }
        Action::SetIpv4Src(ip) | Action::SetIpv4Dst(ip) => {
            out.push_str(action_name(a));
            out.push(':');
            flow::value::format_ipv4(out, *ip);
        }
        Action::SetIpDscp(v) | Action::SetIpEcn(v) | Action::SetIpTtl(v) => {
            let _ = write!(out, "{}:{v}", action_name(a));
        }
        Action::SetL4Src(v) | Action::SetL4Dst(v) => {
            let _ = write!(out, "{}:{v}", action_name(a));
        }
        Action::DecTtl(ids) => {
            if ids.is_empty() {
                out.push_str("dec_ttl");
            } else {
                out.push_str("dec_ttl(");
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{id}");
                }
                out.push(')');
            }
        }
        Action::SetMplsLabel(v) => {
            let _ = write!(out, "set_mpls_label({v})");
        }
        Action::SetMplsTc(v) => {
            let _ = write!(out, "set_mpls_tc({v})");
        }
        Action::SetMplsTtl(v) => {
            let _ = write!(out, "set_mpls_ttl({v})");
        }
        Action::DecMplsTtl => out.push_str("dec_mpls_ttl"),
        Action::PushMpls(t) => {
            let _ = write!(out, "push_mpls:0x{t:04x}");
        }
        Action::PopMpls(t) => {
            let _ = write!(out, "pop_mpls:0x{t:04x}");
        }
        Action::CopyTtlOut => out.push_str("copy_ttl_out"),
        Action::CopyTtlIn => out.push_str("copy_ttl_in"),
        Action::PushPbb(t) => {
            let _ = write!(out, "push_pbb:0x{t:04x}");
        }
        Action::PopPbb => out.push_str("pop_pbb"),
        Action::SetField(sf) => match sf.style {
            SetFieldStyle::Load => {
                for (i, (ofs, n)) in load_segments(sf.mask).into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str("load:");
                    hex(out, (sf.value >> ofs) & bit_mask(n));
                    let dst = Subfield {
                        field: sf.field,
                        ofs,
                        n_bits: n,
                    };
                    let _ = write!(out, "->{dst}");
                }
            }
            SetFieldStyle::SetField => {
                out.push_str("set_field:");
                format_field_value(out, sf.field, sf.value, sf.mask, ports);
                let _ = write!(out, "->{}", sf.field.name());
            }
        },
        Action::Move { src, dst } => {
            let _ = write!(out, "move:{src}->{dst}");
        }
        Action::Resubmit { port: p, table, ct } => {
            if *p != OFPP_IN_PORT && table.is_none() && !ct {
                out.push_str("resubmit:");
                port(out, *p, ports);
            } else {
                out.push_str("resubmit(");
                if *p != OFPP_IN_PORT {
                    port(out, *p, ports);
                }
                out.push(',');
                if let Some(t) = table {
                    let _ = write!(out, "{t}");
                }
                if *ct {
                    out.push_str(",ct");
                }
                out.push(')');
            }
        }
        Action::SetTunnel { id, wide } => {
            out.push_str(if *wide {
                "set_tunnel64:"
            } else {
                "set_tunnel:"
            });
            hex(out, u128::from(*id));
        }
        Action::SetQueue(q) => {
            let _ = write!(out, "set_queue:{q}");
        }
        Action::PopQueue => out.push_str("pop_queue"),
        Action::FinTimeout { idle, hard } => {
            out.push_str("fin_timeout(");
            if *idle != 0 {
                let _ = write!(out, "idle_timeout={idle},");
            }
            if *hard != 0 {
                let _ = write!(out, "hard_timeout={hard},");
            }
            if out.ends_with(',') {
                out.pop();
            }
            out.push(')');
        }
        Action::Note(b) => {
            out.push_str("note:");
            hex_bytes(out, b);
        }
        Action::Exit => out.push_str("exit"),
        Action::Sample(s) => {
            let _ = write!(
                out,
                "sample(probability={},collector_set_id={},obs_domain_id={},obs_point_id={}",
                s.probability, s.collector_set_id, s.obs_domain_id, s.obs_point_id
            );
            if s.sampling_port != OFPP_NONE {
                out.push_str(",sampling_port=");
                port(out, s.sampling_port, ports);
            }
            match s.direction {
                SampleDirection::Ingress => out.push_str(",ingress"),
                SampleDirection::Egress => out.push_str(",egress"),
                SampleDirection::Default => {}
            }
            out.push(')');
        }
        Action::Learn(l) => crate::learn::format_learn(out, l, ports),
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            let _ = write!(
                out,
                "conjunction({id},{}/{n_clauses})",
                u16::from(*clause) + 1
            );
        }
        Action::Ct(ct) => crate::ct::format_ct(out, ct, ports),
        Action::Nat(n) => crate::ct::format_nat(out, n),
        Action::CtClear => out.push_str("ct_clear"),
        Action::Multipath(m) => {
            let _ = write!(
                out,
                "multipath({},{},{},{},{},{})",
                m.fields.name(),
                m.basis,
                m.algorithm.name(),
                u32::from(m.max_link) + 1,
                m.arg,
                m.dst
            );
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let _ = write!(out, "check_pkt_larger({pkt_len})->{dst}");
        }
        Action::Clone(inner) => {
            out.push_str("clone(");
            out.push_str(&format_actions(inner, ports));
            out.push(')');
        }
        Action::Group(g) => {
            let _ = write!(out, "group:{g}");
        }
        Action::Meter(m) => {
            let _ = write!(out, "meter:{m}");
        }
        Action::ClearActions => out.push_str("clear_actions"),
        Action::WriteActions(inner) => {
            out.push_str("write_actions(");
            format_list(out, inner, ports);
            out.push(')');
        }
        Action::WriteMetadata { value, mask } => {
            out.push_str("write_metadata:");
            hex(out, u128::from(*value));
            if *mask != u64::MAX {
                out.push('/');
                hex(out, u128::from(*mask));
            }
        }
        Action::GotoTable(t) => {
            let _ = write!(out, "goto_table:{t}");
        }
    }
}

fn hex_bytes(out: &mut String, b: &[u8]) {
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        let _ = write!(out, "{x:02x}");
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        format_action(&mut s, self, None);
        f.write_str(&s)
    }
}
