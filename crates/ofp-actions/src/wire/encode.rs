//! Encoding actions and instructions (see the [parent module](super) for the translations).

use super::*;
use crate::error::EncodeError;
use crate::subfield::{bit_mask, field_bytes, put_header};
/// Encodes an action list (the body of an apply-actions instruction, a packet-out or an
/// OpenFlow 1.0 flow_mod). Instructions in the list are encoded the OpenFlow 1.0 way (see the
/// module docs); use [`encode_instructions`] for OpenFlow 1.1+ flow_mods.
pub fn encode_actions(acts: &[Action], v: Version) -> Result<Vec<u8>, EncodeError> {
    encode_actions_ctx(
        acts,
        EncodeContext {
            version: v,
            flow_match: None,
        },
    )
}

/// [`encode_actions`] with a match context.
pub fn encode_actions_ctx(acts: &[Action], cx: EncodeContext<'_>) -> Result<Vec<u8>, EncodeError> {
    let c = cx_of(cx);
    let mut w = Writer::new();
    encode_seq(&mut w, acts.iter(), c)?;
    fits(w.into_vec())
}

/// Every length on the wire is 16 bits and an OpenFlow message is at most 65535 bytes, so
/// longer action lists (e.g. a huge `note`) cannot be sent.
fn fits(buf: Vec<u8>) -> Result<Vec<u8>, EncodeError> {
    if buf.len() > usize::from(u16::MAX) - 64 {
        return Err(EncodeError::Other(format!(
            "actions too long to encode ({} bytes)",
            buf.len()
        )));
    }
    Ok(buf)
}

/// Encodes actions in order, tracking whether the packet has a VLAN header at each point
/// (so `mod_vlan_vid` after `push_vlan` does not push a second tag, as in OVS).
pub(crate) fn encode_seq<'a>(
    w: &mut Writer,
    acts: impl Iterator<Item = &'a Action>,
    mut cx: Cx,
) -> Result<(), EncodeError> {
    for a in acts {
        encode_one(w, a, cx)?;
        match a {
            Action::PushVlan(_) => cx.has_vlan = true,
            Action::StripVlan { .. } => cx.has_vlan = false,
            Action::SetVlanVid { push: true, .. } | Action::SetVlanPcp { push: true, .. } => {
                cx.has_vlan = true
            }
            _ => {}
        }
    }
    Ok(())
}

/// Encodes a flow's actions as OpenFlow 1.1+ instructions (or, for 1.0, as an action list).
pub fn encode_instructions(acts: &[Action], v: Version) -> Result<Vec<u8>, EncodeError> {
    encode_instructions_ctx(
        acts,
        EncodeContext {
            version: v,
            flow_match: None,
        },
    )
}

/// [`encode_instructions`] with a match context.
pub fn encode_instructions_ctx(
    acts: &[Action],
    cx: EncodeContext<'_>,
) -> Result<Vec<u8>, EncodeError> {
    let v = cx.version;
    if v == Version::Of10 {
        return encode_actions_ctx(acts, cx);
    }
    let c = cx_of(cx);
    let mut w = Writer::new();
    let apply: Vec<&Action> = acts
        .iter()
        .filter(|a| a.instruction() == InstructionKind::ApplyActions)
        .collect();
    for a in acts {
        if let Action::Meter(m) = a {
            if v >= Version::Of15 {
                continue;
            }
            if v < Version::Of13 {
                return Err(EncodeError::Unsupported {
                    action: "meter",
                    version: v.text(),
                });
            }
            w.u16(6);
            w.u16(8);
            w.u32(*m);
        }
    }
    let meter15: Vec<&Action> = if v >= Version::Of15 {
        acts.iter()
            .filter(|a| matches!(a, Action::Meter(_)))
            .collect()
    } else {
        Vec::new()
    };
    if !apply.is_empty() || !meter15.is_empty() {
        let start = w.len();
        w.u16(4);
        w.u16(0);
        w.zeros(4);
        encode_seq(&mut w, meter15.into_iter().chain(apply), c)?;
        let len = (w.len() - start) as u16;
        if len == 8 {
            // Nothing to apply after all (e.g. only zero-mask set_fields): like OVS, send no
            // apply-actions instruction.
            w.truncate(start);
        } else {
            w.patch_u16(start + 2, len);
        }
    }
    for a in acts {
        match a {
            Action::ClearActions => {
                w.u16(5);
                w.u16(8);
                w.zeros(4);
            }
            Action::WriteActions(inner) => {
                let start = w.len();
                w.u16(3);
                w.u16(0);
                w.zeros(4);
                encode_seq(&mut w, inner.iter(), c)?;
                let len = (w.len() - start) as u16;
                w.patch_u16(start + 2, len);
            }
            _ => {}
        }
    }
    for a in acts {
        if let Action::WriteMetadata { value, mask } = a {
            w.u16(2);
            w.u16(24);
            w.zeros(4);
            w.u64(*value);
            w.u64(*mask);
        }
    }
    for a in acts {
        if let Action::GotoTable(t) = a {
            w.u16(1);
            w.u16(8);
            w.u8(*t);
            w.zeros(3);
        }
    }
    fits(w.into_vec())
}

fn simple_nx(w: &mut Writer, st: NxSubtype) {
    let s = nx_start(w, st);
    nx_finish(w, s);
}

fn nx_u32(w: &mut Writer, st: NxSubtype, v: u32) {
    let s = nx_start(w, st);
    w.zeros(2);
    w.u32(v);
    nx_finish(w, s);
}

fn std_u8(w: &mut Writer, ty: u16, v: u8) {
    w.u16(ty);
    w.u16(8);
    w.u8(v);
    w.zeros(3);
}

fn std_u16(w: &mut Writer, ty: u16, v: u16) {
    w.u16(ty);
    w.u16(8);
    w.u16(v);
    w.zeros(2);
}

fn std_u32(w: &mut Writer, ty: u16, v: u32) {
    w.u16(ty);
    w.u16(8);
    w.u32(v);
}

fn std_mac(w: &mut Writer, ty: u16, mac: u64) {
    w.u16(ty);
    w.u16(16);
    w.uint(u128::from(mac), 6);
    w.zeros(6);
}

fn unsupported(a: &Action, v: Version) -> EncodeError {
    EncodeError::Unsupported {
        action: crate::format::action_name(a),
        version: v.text(),
    }
}

fn put_set_field(
    v: Version,
    w: &mut Writer,
    field: FieldId,
    value: u128,
    mask: u128,
) -> Result<(), EncodeError> {
    let start = std_start(w, 25);
    let full = bit_mask(field_bits(field));
    let masked = mask & full != full;
    if field == FieldId::InPortOxm {
        put_header(w, FieldId::InPortOxm, false, true)?;
        w.u32(port_to_of11(value as u16));
    } else {
        // OpenFlow 1.2 lacks the OXM codes that 1.3 added (MPLS_BOS, PBB_ISID, TUNNEL_ID,
        // IPV6_EXTHDR): use the NXM code there.
        let oxm_too_new = v == Version::Of12
            && field
                .info()
                .oxm
                .is_some_and(|c| c.class == flow::field::OXM_OF_BASIC && c.field >= 36);
        put_header(w, field, masked, !oxm_too_new)?;
        let n = field_bytes(field);
        w.uint(value, n);
        if masked {
            w.uint(mask, n);
        }
    }
    nx_finish(w, start);
    Ok(())
}

fn put_reg_load(
    w: &mut Writer,
    field: FieldId,
    value: u128,
    mask: u128,
) -> Result<(), EncodeError> {
    for (ofs, n) in crate::format::load_segments(mask) {
        let s = nx_start(w, NxSubtype::RegLoad);
        w.u16(ofs_nbits(Subfield {
            field,
            ofs,
            n_bits: n,
        }));
        put_header(w, field, false, false)?;
        w.u64(((value >> ofs) & bit_mask(n)) as u64);
        nx_finish(w, s);
    }
    Ok(())
}

/// Encodes one action.
pub(crate) fn encode_one(w: &mut Writer, a: &Action, cx: Cx) -> Result<(), EncodeError> {
    let v = cx.v;
    let v10 = v == Version::Of10;
    let v11 = v == Version::Of11;
    let v12 = v >= Version::Of12;
    match a {
        Action::Output { port, max_len } => {
            if v10 {
                w.u16(0);
                w.u16(8);
                w.u16(*port);
                w.u16(*max_len);
            } else {
                w.u16(0);
                w.u16(16);
                w.u32(port_to_of11(*port));
                w.u16(*max_len);
                w.zeros(6);
            }
        }
        Action::Controller(c) => encode_controller(w, c),
        Action::Enqueue { port, queue } => {
            if v10 {
                w.u16(11);
                w.u16(16);
                w.u16(*port);
                w.zeros(6);
                w.u32(*queue);
            } else {
                encode_one(w, &Action::SetQueue(*queue), cx)?;
                encode_one(
                    w,
                    &Action::Output {
                        port: *port,
                        max_len: u16::MAX,
                    },
                    cx,
                )?;
                encode_one(w, &Action::PopQueue, cx)?;
            }
        }
        Action::OutputReg { src, max_len } => {
            let s = nx_start(w, NxSubtype::OutputReg);
            w.u16(ofs_nbits(*src));
            put_header(w, src.field, false, false)?;
            w.u16(*max_len);
            nx_finish(w, s);
        }
        Action::OutputTrunc { port, max_len } => {
            let s = nx_start(w, NxSubtype::OutputTrunc);
            w.u16(*port);
            w.u32(*max_len);
            nx_finish(w, s);
        }
        Action::Bundle(b) => {
            let s = nx_start(
                w,
                if b.dst.is_some() {
                    NxSubtype::BundleLoad
                } else {
                    NxSubtype::Bundle
                },
            );
            w.u16(b.algorithm as u16);
            w.u16(b.fields as u16);
            w.u16(b.basis);
            w.u32(0x0000_0002);
            w.u16(b.members.len() as u16);
            match b.dst {
                Some(d) => {
                    w.u16(ofs_nbits(d));
                    put_header(w, d.field, false, false)?;
                }
                None => {
                    w.u16(0);
                    w.u32(0);
                }
            }
            w.zeros(4);
            for m in &b.members {
                w.u16(*m);
            }
            nx_finish(w, s);
        }
        Action::SetVlanVid { vid, push } => {
            if v12 {
                if *push && !cx.has_vlan {
                    std_u16(w, 17, 0x8100);
                }
                put_set_field(v, w, FieldId::VlanVid, u128::from(*vid | 0x1000), u128::MAX)?;
            } else {
                if v11 && *push && !cx.has_vlan {
                    std_u16(w, 17, 0x8100);
                }
                std_u16(w, 1, *vid);
            }
        }
        Action::SetVlanPcp { pcp, push } => {
            if v12 {
                if *push && !cx.has_vlan {
                    std_u16(w, 17, 0x8100);
                }
                put_set_field(v, w, FieldId::VlanPcp, u128::from(*pcp), u128::MAX)?;
            } else {
                if v11 && *push && !cx.has_vlan {
                    std_u16(w, 17, 0x8100);
                }
                std_u8(w, 2, *pcp);
            }
        }
        Action::StripVlan { .. } => {
            w.u16(if v10 { 3 } else { 18 });
            w.u16(8);
            w.zeros(4);
        }
        Action::PushVlan(t) => {
            if v10 {
                return Err(unsupported(a, v));
            }
            std_u16(w, 17, *t);
        }
        Action::SetEthSrc(m) | Action::SetEthDst(m) => {
            let src = matches!(a, Action::SetEthSrc(_));
            if v12 {
                let f = if src {
                    FieldId::EthSrc
                } else {
                    FieldId::EthDst
                };
                put_set_field(v, w, f, u128::from(*m), u128::MAX)?;
            } else {
                let ty = match (v10, src) {
                    (true, true) => 4,
                    (true, false) => 5,
                    (false, true) => 3,
                    (false, false) => 4,
                };
                std_mac(w, ty, *m);
            }
        }
        Action::SetIpv4Src(ip) | Action::SetIpv4Dst(ip) => {
            let src = matches!(a, Action::SetIpv4Src(_));
            if v12 {
                let f = if src { FieldId::IpSrc } else { FieldId::IpDst };
                put_set_field(v, w, f, u128::from(*ip), u128::MAX)?;
            } else {
                let ty = if v10 { 6 } else { 5 } + u16::from(!src);
                std_u32(w, ty, *ip);
            }
        }
        Action::SetIpDscp(tos) => {
            if v12 {
                put_set_field(v, w, FieldId::IpDscp, u128::from(*tos >> 2), u128::MAX)?;
            } else {
                std_u8(w, if v10 { 8 } else { 7 }, *tos);
            }
        }
        Action::SetIpEcn(e) => {
            if v10 {
                put_reg_load(w, FieldId::NwEcn, u128::from(*e), 3)?;
            } else if v11 {
                std_u8(w, 8, *e);
            } else {
                put_set_field(v, w, FieldId::NwEcn, u128::from(*e), u128::MAX)?;
            }
        }
        Action::SetIpTtl(t) => {
            if v10 {
                put_reg_load(w, FieldId::NwTtl, u128::from(*t), 0xff)?;
            } else {
                std_u8(w, 23, *t);
            }
        }
        Action::SetL4Src(p) | Action::SetL4Dst(p) => {
            let src = matches!(a, Action::SetL4Src(_));
            if v12 {
                let proto = cx.l4;
                let f = match (proto, src) {
                    (17, true) => FieldId::UdpSrc,
                    (17, false) => FieldId::UdpDst,
                    (132, true) => FieldId::SctpSrc,
                    (132, false) => FieldId::SctpDst,
                    (_, true) => FieldId::TcpSrc,
                    (_, false) => FieldId::TcpDst,
                };
                put_set_field(v, w, f, u128::from(*p), u128::MAX)?;
            } else {
                std_u16(w, if src { 9 } else { 10 }, *p);
            }
        }
        Action::DecTtl(ids) => {
            if ids.is_empty() {
                if v10 {
                    simple_nx(w, NxSubtype::DecTtl);
                } else {
                    w.u16(24);
                    w.u16(8);
                    w.zeros(4);
                }
            } else {
                let s = nx_start(w, NxSubtype::DecTtlCntIds);
                w.u16(ids.len() as u16);
                w.zeros(4);
                for id in ids {
                    w.u16(*id);
                }
                nx_finish(w, s);
            }
        }
        Action::SetMplsLabel(l) => {
            if v10 {
                let s = nx_start(w, NxSubtype::SetMplsLabel);
                w.zeros(2);
                w.u32(*l);
                nx_finish(w, s);
            } else if v11 {
                std_u32(w, 13, *l);
            } else {
                put_set_field(v, w, FieldId::MplsLabel, u128::from(*l), u128::MAX)?;
            }
        }
        Action::SetMplsTc(t) => {
            if v10 {
                let s = nx_start(w, NxSubtype::SetMplsTc);
                w.u8(*t);
                nx_finish(w, s);
            } else if v11 {
                std_u8(w, 14, *t);
            } else {
                put_set_field(v, w, FieldId::MplsTc, u128::from(*t), u128::MAX)?;
            }
        }
        Action::SetMplsTtl(t) => {
            if v10 {
                let s = nx_start(w, NxSubtype::SetMplsTtl);
                w.u8(*t);
                nx_finish(w, s);
            } else {
                std_u8(w, 15, *t);
            }
        }
        Action::DecMplsTtl => {
            if v10 {
                simple_nx(w, NxSubtype::DecMplsTtl);
            } else {
                w.u16(16);
                w.u16(8);
                w.zeros(4);
            }
        }
        Action::PushMpls(t) | Action::PopMpls(t) => {
            let push = matches!(a, Action::PushMpls(_));
            if v10 {
                let s = nx_start(
                    w,
                    if push {
                        NxSubtype::PushMpls
                    } else {
                        NxSubtype::PopMpls
                    },
                );
                w.u16(*t);
                nx_finish(w, s);
            } else {
                std_u16(w, if push { 19 } else { 20 }, *t);
            }
        }
        Action::CopyTtlOut | Action::CopyTtlIn | Action::PopPbb => {
            if v10 {
                return Err(unsupported(a, v));
            }
            w.u16(match a {
                Action::CopyTtlOut => 11,
                Action::CopyTtlIn => 12,
                _ => 27,
            });
            w.u16(8);
            w.zeros(4);
        }
        Action::PushPbb(t) => {
            if v10 {
                return Err(unsupported(a, v));
            }
            std_u16(w, 26, *t);
        }
        Action::SetField(sf) => encode_set_field(w, sf, cx)?,
        Action::Move { src, dst } => {
            if v >= Version::Of15 {
                let s = std_start(w, 28);
                w.u16(src.n_bits);
                w.u16(src.ofs);
                w.u16(dst.ofs);
                w.zeros(2);
                put_header(w, src.field, false, true)?;
                put_header(w, dst.field, false, true)?;
                nx_finish(w, s);
            } else {
                let s = nx_start(w, NxSubtype::RegMove);
                w.u16(src.n_bits);
                w.u16(src.ofs);
                w.u16(dst.ofs);
                put_header(w, src.field, false, false)?;
                put_header(w, dst.field, false, false)?;
                nx_finish(w, s);
            }
        }
        Action::Resubmit { port, table, ct } => {
            // OVS always sends the table form (NXAST_RESUBMIT only when re-encoding one it
            // received); table 255 means "current table".
            let st = if *ct {
                NxSubtype::ResubmitTableCt
            } else {
                NxSubtype::ResubmitTable
            };
            let s = nx_start(w, st);
            w.u16(*port);
            w.u8(table.unwrap_or(255));
            nx_finish(w, s);
        }
        Action::SetTunnel { id, wide } => {
            if v12 {
                put_set_field(v, w, FieldId::TunId, u128::from(*id), u128::MAX)?;
            } else if *wide || *id > u64::from(u32::MAX) {
                let s = nx_start(w, NxSubtype::SetTunnel64);
                w.zeros(6);
                w.u64(*id);
                nx_finish(w, s);
            } else {
                nx_u32(w, NxSubtype::SetTunnel, *id as u32);
            }
        }
        Action::SetQueue(q) => {
            if v10 {
                nx_u32(w, NxSubtype::SetQueue, *q);
            } else {
                std_u32(w, 21, *q);
            }
        }
        Action::PopQueue => simple_nx(w, NxSubtype::PopQueue),
        Action::FinTimeout { idle, hard } => {
            let s = nx_start(w, NxSubtype::FinTimeout);
            w.u16(*idle);
            w.u16(*hard);
            nx_finish(w, s);
        }
        Action::Note(b) => {
            let s = nx_start(w, NxSubtype::Note);
            w.bytes(b);
            if w.len() - s < 16 {
                w.zeros(16 - (w.len() - s));
            }
            nx_finish(w, s);
        }
        Action::Exit => simple_nx(w, NxSubtype::Exit),
        Action::Sample(smp) => {
            let st = if smp.direction != SampleDirection::Default {
                NxSubtype::Sample3
            } else if smp.sampling_port != OFPP_NONE {
                NxSubtype::Sample2
            } else {
                NxSubtype::Sample
            };
            let s = nx_start(w, st);
            w.u16(smp.probability);
            w.u32(smp.collector_set_id);
            w.u32(smp.obs_domain_id);
            w.u32(smp.obs_point_id);
            if st != NxSubtype::Sample {
                w.u16(smp.sampling_port);
                w.u8(smp.direction as u8);
            }
            nx_finish(w, s);
        }
        Action::Learn(l) => crate::learn::encode_learn(w, l)?,
        Action::Conjunction {
            id,
            clause,
            n_clauses,
        } => {
            let s = nx_start(w, NxSubtype::Conjunction);
            w.u8(*clause);
            w.u8(*n_clauses);
            w.u32(*id);
            nx_finish(w, s);
        }
        Action::Ct(ct) => crate::ct::encode_ct(w, ct, cx)?,
        Action::Nat(_) => return Err(unsupported(a, v)),
        Action::CtClear => simple_nx(w, NxSubtype::CtClear),
        Action::Multipath(m) => {
            let s = nx_start(w, NxSubtype::Multipath);
            w.u16(m.fields as u16);
            w.u16(m.basis);
            w.zeros(2);
            w.u16(m.algorithm as u16);
            w.u16(m.max_link);
            w.u32(m.arg);
            w.zeros(2);
            w.u16(ofs_nbits(m.dst));
            put_header(w, m.dst.field, false, false)?;
            nx_finish(w, s);
        }
        Action::CheckPktLarger { pkt_len, dst } => {
            let s = nx_start(w, NxSubtype::CheckPktLarger);
            w.u16(*pkt_len);
            w.u16(dst.ofs);
            put_header(w, dst.field, false, false)?;
            nx_finish(w, s);
        }
        Action::Clone(inner) => {
            let s = nx_start(w, NxSubtype::Clone);
            w.zeros(6);
            encode_seq(w, inner.iter(), cx)?;
            nx_finish(w, s);
        }
        Action::Group(g) => {
            if v10 {
                nx_u32(w, NxSubtype::Group, *g);
            } else {
                std_u32(w, 22, *g);
            }
        }
        Action::Meter(m) => {
            if v >= Version::Of15 {
                std_u32(w, 29, *m);
            } else {
                return Err(unsupported(a, v));
            }
        }
        Action::ClearActions | Action::WriteActions(_) => {
            if !v10 {
                return Err(unsupported(a, v));
            }
        }
        Action::WriteMetadata { value, mask } => {
            if !v10 {
                return Err(unsupported(a, v));
            }
            let s = nx_start(w, NxSubtype::WriteMetadata);
            w.zeros(6);
            w.u64(*value);
            w.u64(*mask);
            nx_finish(w, s);
        }
        Action::GotoTable(t) => {
            if !v10 {
                return Err(unsupported(a, v));
            }
            let s = nx_start(w, NxSubtype::ResubmitTable);
            w.u16(OFPP_IN_PORT);
            w.u8(*t);
            nx_finish(w, s);
        }
    }
    Ok(())
}

fn encode_controller(w: &mut Writer, c: &Controller) {
    if c.is_simple() {
        w.u16(0);
        w.u16(8);
        w.u16(OFPP_CONTROLLER);
        w.u16(c.max_len);
        return;
    }
    if c.userdata.is_empty() && !c.pause && c.meter_id.is_none() {
        let s = nx_start(w, NxSubtype::Controller);
        w.u16(c.max_len);
        w.u16(c.controller_id);
        w.u8(c.reason as u8);
        nx_finish(w, s);
        return;
    }
    let s = nx_start(w, NxSubtype::Controller2);
    w.zeros(6);
    let prop = |w: &mut Writer, ty: u16, body: &[u8]| {
        let ps = w.len();
        w.u16(ty);
        w.u16((4 + body.len()) as u16);
        w.bytes(body);
        w.pad_to(ps, 8);
    };
    // 16-bit properties carry two bytes of padding inside their length, as OVS sends them.
    if c.max_len != u16::MAX {
        let b = c.max_len.to_be_bytes();
        prop(w, 0, &[b[0], b[1], 0, 0]);
    }
    if c.controller_id != 0 {
        let b = c.controller_id.to_be_bytes();
        prop(w, 1, &[b[0], b[1], 0, 0]);
    }
    if c.reason != PacketInReason::Action {
        prop(w, 2, &[c.reason as u8]);
    }
    if !c.userdata.is_empty() {
        prop(w, 3, &c.userdata);
    }
    if c.pause {
        prop(w, 4, &[]);
    }
    if let Some(m) = c.meter_id {
        prop(w, 5, &m.to_be_bytes());
    }
    nx_finish(w, s);
}

/// Native OpenFlow 1.0/1.1 action for a full-width `set_field`, if there is one.
fn legacy_set_field(sf: &SetField, v: Version) -> Option<Action> {
    let full = bit_mask(field_bits(sf.field));
    if sf.mask & full != full || sf.style != SetFieldStyle::SetField {
        return None;
    }
    let val = sf.value;
    Some(match sf.field {
        FieldId::EthSrc => Action::SetEthSrc(val as u64),
        FieldId::EthDst => Action::SetEthDst(val as u64),
        FieldId::IpSrc => Action::SetIpv4Src(val as u32),
        FieldId::IpDst => Action::SetIpv4Dst(val as u32),
        FieldId::IpDscp => Action::SetIpDscp((val as u8) << 2),
        FieldId::NwTos => Action::SetIpDscp(val as u8),
        FieldId::TcpSrc | FieldId::UdpSrc | FieldId::TpSrc => Action::SetL4Src(val as u16),
        FieldId::TcpDst | FieldId::UdpDst | FieldId::TpDst => Action::SetL4Dst(val as u16),
        FieldId::VlanPcp | FieldId::DlVlanPcp => Action::SetVlanPcp {
            pcp: val as u8,
            push: false,
        },
        FieldId::DlVlan => Action::SetVlanVid {
            vid: val as u16,
            push: false,
        },
        FieldId::VlanVid if val & 0x1000 != 0 => Action::SetVlanVid {
            vid: (val & 0xfff) as u16,
            push: false,
        },
        FieldId::NwEcn if v == Version::Of11 => Action::SetIpEcn(val as u8),
        _ => return None,
    })
}

fn encode_set_field(w: &mut Writer, sf: &SetField, cx: Cx) -> Result<(), EncodeError> {
    let v = cx.v;
    let full = bit_mask(field_bits(sf.field));
    let partial = sf.mask & full != full;
    if v < Version::Of12 {
        let full_tci =
            sf.field == FieldId::VlanTci && !partial && sf.style == SetFieldStyle::SetField;
        if full_tci {
            // OVS expresses a whole-TCI store with the OpenFlow 1.0/1.1 VLAN actions.
            if sf.value & 0x1000 == 0 {
                return encode_one(w, &Action::StripVlan { pop: false }, cx);
            }
            let vid = Action::SetVlanVid {
                vid: (sf.value & 0xfff) as u16,
                push: false,
            };
            let pcp = Action::SetVlanPcp {
                pcp: ((sf.value >> 13) & 7) as u8,
                push: false,
            };
            encode_one(w, &vid, cx)?;
            return encode_one(w, &pcp, cx);
        }
        if let Some(a) = legacy_set_field(sf, v) {
            return encode_one(w, &a, cx);
        }
        return put_reg_load(w, sf.field, sf.value, sf.mask);
    }
    // dl_vlan and dl_vlan_pcp have no wire code of their own: send them as vlan_vid (with the
    // VLAN-present bit) and vlan_pcp.
    if !partial && sf.field == FieldId::DlVlan {
        return put_set_field(
            v,
            w,
            FieldId::VlanVid,
            (sf.value & 0xfff) | 0x1000,
            u128::MAX,
        );
    }
    if !partial && sf.field == FieldId::DlVlanPcp {
        return put_set_field(v, w, FieldId::VlanPcp, sf.value & 7, u128::MAX);
    }
    if v < Version::Of15 && (partial || sf.style == SetFieldStyle::Load) {
        return put_reg_load(w, sf.field, sf.value, sf.mask);
    }
    put_set_field(v, w, sf.field, sf.value, sf.mask)
}
