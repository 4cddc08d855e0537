//! Decoding actions and instructions (see the [parent module](super)).

use super::*;
use crate::subfield::{bit_mask, field_bytes, get_header};
use octets::Reader;
/// Decodes an action list for version `v`.
pub fn decode_actions(bytes: &[u8], v: Version) -> Result<Vec<Action>, DecodeError> {
    decode_list(bytes, v, 0)
}

/// Deepest nesting of `clone`/`ct` action lists accepted (bounds recursion on hostile input).
pub(crate) const MAX_NESTING: usize = 64;

pub(crate) fn decode_list(
    bytes: &[u8],
    v: Version,
    depth: usize,
) -> Result<Vec<Action>, DecodeError> {
    if depth > MAX_NESTING {
        return Err(DecodeError::new("OFPBAC_BAD_ARGUMENT"));
    }
    let mut out = Vec::new();
    let mut r = Reader::new(bytes);
    while r.remaining() > 0 {
        if r.remaining() < 8 {
            return Err(DecodeError::new("OFPBAC_BAD_LEN"));
        }
        let mut peek = r.clone();
        let _ty = peek.u16()?;
        let len = usize::from(peek.u16()?);
        if len < 8 || len % 8 != 0 || len > r.remaining() {
            return Err(DecodeError::new("OFPBAC_BAD_LEN"));
        }
        let body = r.bytes(len)?;
        decode_one(body, v, depth, &mut out)?;
    }
    Ok(out)
}

fn bad_arg() -> DecodeError {
    DecodeError::new("OFPBAC_BAD_ARGUMENT")
}

fn decode_one(
    buf: &[u8],
    v: Version,
    depth: usize,
    out: &mut Vec<Action>,
) -> Result<(), DecodeError> {
    let mut r = Reader::new(buf);
    let ty = r.u16()?;
    let len = usize::from(r.u16()?);
    let v10 = v == Version::Of10;
    let v11 = v == Version::Of11;
    let fixed = |want: usize| {
        if len == want {
            Ok(())
        } else {
            Err(DecodeError::new("OFPBAC_BAD_LEN"))
        }
    };
    if ty == OFPAT_VENDOR {
        return decode_vendor(&mut r, v, depth, out);
    }
    let a = match (ty, v10, v11) {
        (0, true, _) => {
            fixed(8)?;
            let port = r.u16()?;
            let max_len = r.u16()?;
            output_action(port, max_len)?
        }
        (0, false, _) => {
            fixed(16)?;
            let port = port_from_of11(r.u32()?)?;
            let max_len = r.u16()?;
            output_action(port, max_len)?
        }
        (1, _, true) | (1, true, _) => {
            fixed(8)?;
            let vid = r.u16()?;
            if vid > 0xfff {
                return Err(bad_arg());
            }
            Action::SetVlanVid { vid, push: v10 }
        }
        (2, _, true) | (2, true, _) => {
            fixed(8)?;
            let pcp = r.u8()?;
            if pcp > 7 {
                return Err(bad_arg());
            }
            Action::SetVlanPcp { pcp, push: v10 }
        }
        (3, true, _) => {
            fixed(8)?;
            Action::StripVlan { pop: false }
        }
        (4, true, _) | (3, _, true) => {
            fixed(16)?;
            Action::SetEthSrc(r.uint(6)? as u64)
        }
        (5, true, _) | (4, _, true) => {
            fixed(16)?;
            Action::SetEthDst(r.uint(6)? as u64)
        }
        (6, true, _) | (5, _, true) => {
            fixed(8)?;
            Action::SetIpv4Src(r.u32()?)
        }
        (7, true, _) | (6, _, true) => {
            fixed(8)?;
            Action::SetIpv4Dst(r.u32()?)
        }
        (8, true, _) | (7, _, true) => {
            fixed(8)?;
            let tos = r.u8()?;
            if tos & 3 != 0 {
                return Err(bad_arg());
            }
            Action::SetIpDscp(tos)
        }
        (8, _, true) => {
            fixed(8)?;
            let e = r.u8()?;
            if e > 3 {
                return Err(bad_arg());
            }
            Action::SetIpEcn(e)
        }
        (9, true, _) | (9, _, true) => {
            fixed(8)?;
            Action::SetL4Src(r.u16()?)
        }
        (10, true, _) | (10, _, true) => {
            fixed(8)?;
            Action::SetL4Dst(r.u16()?)
        }
        (11, true, _) => {
            fixed(16)?;
            let port = r.u16()?;
            r.skip(6)?;
            let queue = r.u32()?;
            if port >= OFPP_MAX && port != OFPP_IN_PORT && port != OFPP_LOCAL {
                return Err(DecodeError::new("OFPBAC_BAD_OUT_PORT"));
            }
            Action::Enqueue { port, queue }
        }
        (11, false, _) => {
            fixed(8)?;
            Action::CopyTtlOut
        }
        (12, false, _) => {
            fixed(8)?;
            Action::CopyTtlIn
        }
        (26, false, _) => {
            fixed(8)?;
            let t = r.u16()?;
            if t != 0x88e7 {
                return Err(bad_arg());
            }
            Action::PushPbb(t)
        }
        (27, false, _) => {
            fixed(8)?;
            Action::PopPbb
        }
        (13, _, true) => {
            fixed(8)?;
            Action::SetMplsLabel(r.u32()?)
        }
        (14, _, true) => {
            fixed(8)?;
            Action::SetMplsTc(r.u8()?)
        }
        (15, false, _) => {
            fixed(8)?;
            Action::SetMplsTtl(r.u8()?)
        }
        (16, false, _) => {
            fixed(8)?;
            Action::DecMplsTtl
        }
        (17, false, _) => {
            fixed(8)?;
            let t = r.u16()?;
            if t != 0x8100 && t != 0x88a8 {
                return Err(bad_arg());
            }
            Action::PushVlan(t)
        }
        (18, false, _) => {
            fixed(8)?;
            Action::StripVlan { pop: true }
        }
        (19, false, _) => {
            fixed(8)?;
            let t = r.u16()?;
            if t != 0x8847 && t != 0x8848 {
                return Err(bad_arg());
            }
            Action::PushMpls(t)
        }
        (20, false, _) => {
            fixed(8)?;
            Action::PopMpls(r.u16()?)
        }
        (21, false, _) => {
            fixed(8)?;
            Action::SetQueue(r.u32()?)
        }
        (22, false, _) => {
            fixed(8)?;
            Action::Group(r.u32()?)
        }
        (23, false, _) => {
            fixed(8)?;
            Action::SetIpTtl(r.u8()?)
        }
        (24, false, _) => {
            fixed(8)?;
            Action::DecTtl(Vec::new())
        }
        (25, false, false) => decode_set_field(&mut r)?,
        (28, false, false) if v >= Version::Of15 => {
            let n_bits = r.u16()?;
            let src_ofs = r.u16()?;
            let dst_ofs = r.u16()?;
            r.skip(2)?;
            let s = get_header(&mut r)?;
            let d = get_header(&mut r)?;
            move_action(s.field, d.field, n_bits, src_ofs, dst_ofs)?
        }
        (29, false, false) if v >= Version::Of15 => {
            fixed(8)?;
            Action::Meter(r.u32()?)
        }
        _ => return Err(DecodeError::new("OFPBAC_BAD_TYPE")),
    };
    out.push(a);
    Ok(())
}

fn output_action(port: u16, max_len: u16) -> Result<Action, DecodeError> {
    if port >= OFPP_MAX && !(OFPP_IN_PORT..=OFPP_LOCAL).contains(&port) {
        return Err(DecodeError::new("OFPBAC_BAD_OUT_PORT"));
    }
    Ok(Action::Output { port, max_len })
}

fn move_action(
    src: FieldId,
    dst: FieldId,
    n_bits: u16,
    src_ofs: u16,
    dst_ofs: u16,
) -> Result<Action, DecodeError> {
    let ok = |f: FieldId, ofs: u16| u32::from(ofs) + u32::from(n_bits) <= u32::from(field_bits(f));
    if n_bits == 0 || !ok(src, src_ofs) || !ok(dst, dst_ofs) {
        return Err(DecodeError::new("OFPBAC_BAD_SET_LEN"));
    }
    if !dst.info().writable {
        return Err(DecodeError::new("OFPBAC_BAD_SET_ARGUMENT"));
    }
    Ok(Action::Move {
        src: Subfield {
            field: src,
            ofs: src_ofs,
            n_bits,
        },
        dst: Subfield {
            field: dst,
            ofs: dst_ofs,
            n_bits,
        },
    })
}

fn decode_set_field(r: &mut Reader<'_>) -> Result<Action, DecodeError> {
    let h = get_header(r)?;
    let (field, value, mask) = if h.field == FieldId::InPortOxm {
        if h.masked || h.len != 4 {
            return Err(DecodeError::new("OFPBAC_BAD_SET_LEN"));
        }
        let p = port_from_of11(r.u32()?)?;
        (FieldId::InPort, u128::from(p), bit_mask(16))
    } else {
        let n = field_bytes(h.field);
        let want = if h.masked { 2 * n } else { n };
        if h.len != want {
            return Err(DecodeError::new("OFPBAC_BAD_SET_LEN"));
        }
        let value = r.uint(n)?;
        let full = bit_mask(field_bits(h.field));
        let mask = if h.masked { r.uint(n)? } else { full };
        if value & !full != 0 && h.field != FieldId::VlanVid {
            return Err(DecodeError::new("OFPBAC_BAD_SET_ARGUMENT"));
        }
        (h.field, value & mask, mask & full)
    };
    if !field.info().writable || mask == 0 {
        return Err(DecodeError::new("OFPBAC_BAD_SET_ARGUMENT"));
    }
    if r.take_rest().iter().any(|b| *b != 0) {
        return Err(DecodeError::new("OFPBAC_BAD_SET_ARGUMENT"));
    }
    Ok(Action::SetField(SetField {
        field,
        value,
        mask,
        style: SetFieldStyle::SetField,
    }))
}

fn decode_vendor(
    r: &mut Reader<'_>,
    v: Version,
    depth: usize,
    out: &mut Vec<Action>,
) -> Result<(), DecodeError> {
    let vendor = r.u32()?;
    if vendor != NX_VENDOR {
        return Err(DecodeError::new("OFPBAC_BAD_VENDOR"));
    }
    let st = r.u16()?;
    let a = match st {
        1 | 14 | 44 => {
            let port = r.u16()?;
            let table = r.u8()?;
            if st == 1 {
                Action::Resubmit {
                    port,
                    table: None,
                    ct: false,
                }
            } else {
                Action::Resubmit {
                    port,
                    table: (table != 255).then_some(table),
                    ct: st == 44,
                }
            }
        }
        2 => {
            r.skip(2)?;
            Action::SetTunnel {
                id: u64::from(r.u32()?),
                wide: false,
            }
        }
        4 => {
            r.skip(2)?;
            Action::SetQueue(r.u32()?)
        }
        5 => Action::PopQueue,
        6 => {
            let n_bits = r.u16()?;
            let src_ofs = r.u16()?;
            let dst_ofs = r.u16()?;
            let s = get_header(r)?;
            let d = get_header(r)?;
            move_action(s.field, d.field, n_bits, src_ofs, dst_ofs)?
        }
        7 => {
            let on = r.u16()?;
            let h = get_header(r)?;
            let value = u128::from(r.u64()?);
            let sf = subfield_from(h.field, on)?;
            if !h.field.info().writable {
                return Err(DecodeError::new("OFPBAC_BAD_SET_ARGUMENT"));
            }
            if sf.n_bits < 64 && value >> sf.n_bits != 0 {
                return Err(bad_arg());
            }
            Action::SetField(SetField {
                field: h.field,
                value: value << sf.ofs,
                mask: sf.mask(),
                style: SetFieldStyle::Load,
            })
        }
        8 => Action::Note(r.take_rest().to_vec()),
        9 => {
            r.skip(6)?;
            Action::SetTunnel {
                id: r.u64()?,
                wide: true,
            }
        }
        10 => {
            let fields = HashFields::from_code(r.u16()?).ok_or_else(bad_arg)?;
            let basis = r.u16()?;
            r.skip(2)?;
            let algorithm = MultipathAlgorithm::from_code(r.u16()?).ok_or_else(bad_arg)?;
            let max_link = r.u16()?;
            let arg = r.u32()?;
            r.skip(2)?;
            let on = r.u16()?;
            let h = get_header(r)?;
            let dst = subfield_from(h.field, on)?;
            Action::Multipath(Multipath {
                fields,
                basis,
                algorithm,
                max_link,
                arg,
                dst,
            })
        }
        12 | 13 => {
            let algorithm = match r.u16()? {
                0 => BundleAlgorithm::ActiveBackup,
                1 => BundleAlgorithm::Hrw,
                _ => return Err(bad_arg()),
            };
            let fields = HashFields::from_code(r.u16()?).ok_or_else(bad_arg)?;
            let basis = r.u16()?;
            if r.u32()? != 2 {
                return Err(bad_arg());
            }
            let n = usize::from(r.u16()?);
            let on = r.u16()?;
            let dst_hdr = r.u32()?;
            r.skip(4)?;
            let dst = if st == 13 {
                let mut hw = Writer::new();
                hw.u32(dst_hdr);
                let h = get_header(&mut Reader::new(hw.as_slice()))?;
                Some(subfield_from(h.field, on)?)
            } else {
                None
            };
            let mut members = Vec::with_capacity(n.min(256));
            for _ in 0..n {
                members.push(r.u16()?);
            }
            Action::Bundle(Bundle {
                fields,
                basis,
                algorithm,
                dst,
                members,
            })
        }
        15 => {
            let on = r.u16()?;
            let h = get_header(r)?;
            let max_len = r.u16()?;
            Action::OutputReg {
                src: subfield_from(h.field, on)?,
                max_len,
            }
        }
        16 | 45 => crate::learn::decode_learn(r, st == 45)?,
        17 => Action::Exit,
        18 => Action::DecTtl(Vec::new()),
        19 => Action::FinTimeout {
            idle: r.u16()?,
            hard: r.u16()?,
        },
        20 => {
            let max_len = r.u16()?;
            let controller_id = r.u16()?;
            let reason = PacketInReason::from_code(r.u8()?).ok_or_else(bad_arg)?;
            let c = Controller {
                max_len,
                controller_id,
                reason,
                ..Controller::default()
            };
            if c.is_simple() {
                Action::Output {
                    port: OFPP_CONTROLLER,
                    max_len,
                }
            } else {
                Action::Controller(c)
            }
        }
        21 => {
            let n = usize::from(r.u16()?);
            r.skip(4)?;
            let mut ids = Vec::with_capacity(n.min(256));
            for _ in 0..n {
                ids.push(r.u16()?);
            }
            Action::DecTtl(ids)
        }
        22 => {
            r.skip(6)?;
            Action::WriteMetadata {
                value: r.u64()?,
                mask: r.u64()?,
            }
        }
        23 => Action::PushMpls(r.u16()?),
        24 => Action::PopMpls(r.u16()?),
        25 => Action::SetMplsTtl(r.u8()?),
        26 => Action::DecMplsTtl,
        29 | 38 | 41 => {
            let probability = r.u16()?;
            let mut s = Sample {
                probability,
                collector_set_id: r.u32()?,
                obs_domain_id: r.u32()?,
                obs_point_id: r.u32()?,
                sampling_port: OFPP_NONE,
                direction: SampleDirection::Default,
            };
            if st != 29 {
                s.sampling_port = r.u16()?;
            }
            if st == 41 {
                s.direction = match r.u8()? {
                    0 => SampleDirection::Default,
                    1 => SampleDirection::Ingress,
                    2 => SampleDirection::Egress,
                    _ => return Err(bad_arg()),
                };
            }
            if probability == 0 {
                return Err(bad_arg());
            }
            Action::Sample(s)
        }
        30 => {
            r.skip(2)?;
            Action::SetMplsLabel(r.u32()?)
        }
        31 => Action::SetMplsTc(r.u8()?),
        32 => {
            // NXAST_OUTPUT_REG2: room for an experimenter OXM header.
            let on = r.u16()?;
            let max_len = r.u16()?;
            let h = get_header(r)?;
            Action::OutputReg {
                src: subfield_from(h.field, on)?,
                max_len,
            }
        }
        33 => decode_set_field(r)?,
        34 => {
            let clause = r.u8()?;
            let n_clauses = r.u8()?;
            let id = r.u32()?;
            if !(2..=64).contains(&n_clauses) || clause >= n_clauses {
                return Err(bad_arg());
            }
            Action::Conjunction {
                id,
                clause,
                n_clauses,
            }
        }
        35 => crate::ct::decode_ct(r, v, depth + 1)?,
        36 => crate::ct::decode_nat(r)?,
        37 => decode_controller2(r)?,
        39 => Action::OutputTrunc {
            port: r.u16()?,
            max_len: r.u32()?,
        },
        40 => {
            r.skip(2)?;
            Action::Group(r.u32()?)
        }
        42 => {
            r.skip(6)?;
            Action::Clone(decode_list(r.take_rest(), v, depth + 1)?)
        }
        43 => Action::CtClear,
        49 => {
            let pkt_len = r.u16()?;
            let ofs = r.u16()?;
            let h = get_header(r)?;
            if ofs >= field_bits(h.field) {
                return Err(bad_arg());
            }
            Action::CheckPktLarger {
                pkt_len,
                dst: Subfield {
                    field: h.field,
                    ofs,
                    n_bits: 1,
                },
            }
        }
        _ => return Err(DecodeError::new("OFPBAC_BAD_VENDOR_TYPE")),
    };
    out.push(a);
    Ok(())
}

fn decode_controller2(r: &mut Reader<'_>) -> Result<Action, DecodeError> {
    r.skip(6)?;
    let mut c = Controller::default();
    while r.remaining() >= 4 {
        let ty = r.u16()?;
        let len = usize::from(r.u16()?);
        if ty == 0 && len == 0 {
            break;
        }
        if len < 4 {
            return Err(DecodeError::new("OFPBAC_BAD_LEN"));
        }
        let body = r.bytes(len - 4)?;
        r.skip((8 - len % 8) % 8)?;
        let mut b = Reader::new(body);
        match ty {
            0 => c.max_len = b.u16()?,
            1 => c.controller_id = b.u16()?,
            2 => c.reason = PacketInReason::from_code(b.u8()?).ok_or_else(bad_arg)?,
            3 => c.userdata = body.to_vec(),
            4 => c.pause = true,
            5 => c.meter_id = Some(b.u32()?),
            _ => return Err(DecodeError::new("OFPBAC_BAD_ARGUMENT")),
        }
    }
    Ok(if c.is_simple() {
        Action::Output {
            port: OFPP_CONTROLLER,
            max_len: c.max_len,
        }
    } else {
        Action::Controller(c)
    })
}

/// Decodes OpenFlow 1.1+ instructions (for 1.0, an action list) into one action list.
pub fn decode_instructions(bytes: &[u8], v: Version) -> Result<Vec<Action>, DecodeError> {
    if v == Version::Of10 {
        return decode_list(bytes, v, 0);
    }
    let mut r = Reader::new(bytes);
    let mut parts: Vec<(InstructionKind, Vec<Action>)> = Vec::new();
    while r.remaining() > 0 {
        if r.remaining() < 8 {
            return Err(DecodeError::new("OFPBIC_BAD_LEN"));
        }
        let mut peek = r.clone();
        let ty = peek.u16()?;
        let len = usize::from(peek.u16()?);
        if len < 8 || len % 8 != 0 || len > r.remaining() {
            return Err(DecodeError::new("OFPBIC_BAD_LEN"));
        }
        let body = r.bytes(len)?;
        let mut b = Reader::new(body);
        b.skip(4)?;
        let (kind, acts) = match ty {
            1 => {
                let t = b.u8()?;
                (InstructionKind::GotoTable, vec![Action::GotoTable(t)])
            }
            2 => {
                if len != 24 {
                    return Err(DecodeError::new("OFPBIC_BAD_LEN"));
                }
                b.skip(4)?;
                let value = b.u64()?;
                let mask = b.u64()?;
                (
                    InstructionKind::WriteMetadata,
                    vec![Action::WriteMetadata {
                        value: value & mask,
                        mask,
                    }],
                )
            }
            3 => {
                b.skip(4)?;
                let inner = decode_list(b.take_rest(), v, 1)?;
                (
                    InstructionKind::WriteActions,
                    vec![Action::WriteActions(inner)],
                )
            }
            4 => {
                b.skip(4)?;
                (
                    InstructionKind::ApplyActions,
                    decode_list(b.take_rest(), v, 0)?,
                )
            }
            5 => (InstructionKind::ClearActions, vec![Action::ClearActions]),
            6 if v >= Version::Of13 && v < Version::Of15 => {
                (InstructionKind::Meter, vec![Action::Meter(b.u32()?)])
            }
            _ => return Err(DecodeError::new("OFPBIC_UNKNOWN_INST")),
        };
        if parts.iter().any(|(k, _)| *k == kind) {
            return Err(DecodeError::new("OFPBIC_DUP_INST"));
        }
        parts.push((kind, acts));
    }
    parts.sort_by_key(|(k, _)| *k);
    let mut out = Vec::new();
    for (_, acts) in parts {
        out.extend(acts);
    }
    // An OpenFlow 1.5 meter action leads the apply-actions; keep it first.
    out.sort_by_key(|a| a.instruction());
    Ok(out)
}
