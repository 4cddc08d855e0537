//! `learn(...)`: syntax, printing and the Nicira `NXAST_LEARN`/`NXAST_LEARN2` wire forms.
//!
//! A learn action carries the new flow's parameters (table, timeouts, priority, cookie, flags,
//! limit, `result_dst`) and a list of specs. Each spec copies `n_bits` bits from a source (a
//! packet subfield or an immediate value) to a destination: a match field of the new flow, a
//! `load` in its actions, or its `output` port. On the wire each spec is a 16-bit header
//! (source type, destination type, bit count) followed by the source and destination.

use crate::action::{Action, Learn, LearnSpec};
use crate::error::{ActionError, DecodeError, EncodeError};
use crate::subfield::{bit_mask, field_bits, get_header, parse_subfield, put_header, Subfield};
use crate::wire::{self, NxSubtype};
use flow::{KeyValues, Match, PortMap};
use octets::{Reader, Writer};
use std::fmt::Write as _;

type R<T> = Result<T, ActionError>;

const SRC_IMM: u16 = 1 << 13;
const DST_LOAD: u16 = 1 << 11;
const DST_OUTPUT: u16 = 2 << 11;
const F_SEND_FLOW_REM: u16 = 1;
const F_DELETE_LEARNED: u16 = 2;
const F_WRITE_RESULT: u16 = 4;

fn num<T: TryFrom<u128>>(s: &str) -> R<T> {
    flow::value::parse_uint(s)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| ActionError::syntax(format!("invalid numeric format {s}")))
}

/// Parses the argument of `learn(...)`.
pub(crate) fn parse_learn(value: &str, ports: Option<&PortMap>) -> R<Action> {
    let mut l = Learn::default();
    for (k, v) in KeyValues::new(value) {
        match k {
            "table" => {
                l.table = flow::value::parse_uint(v)
                    .and_then(|t| u8::try_from(t).ok())
                    .ok_or_else(|| ActionError::syntax(format!("unknown table \"{v}\"")))?;
                if l.table == 255 {
                    return Err(ActionError::syntax(format!(
                        "{value}: table id 255 not valid for `learn' action"
                    )));
                }
            }
            "priority" => l.priority = num(v)?,
            "idle_timeout" => l.idle_timeout = num(v)?,
            "hard_timeout" => l.hard_timeout = num(v)?,
            "fin_idle_timeout" => l.fin_idle_timeout = num(v)?,
            "fin_hard_timeout" => l.fin_hard_timeout = num(v)?,
            "cookie" => l.cookie = num(v)?,
            "limit" => l.limit = num(v)?,
            "result_dst" => {
                let d = parse_subfield(v)?;
                if d.n_bits != 1 {
                    return Err(ActionError::syntax(
                        "result_dst in 'learn' action must be a single bit",
                    ));
                }
                l.result_dst = Some(d);
            }
            "send_flow_rem" => l.send_flow_rem = true,
            "delete_learned" => l.delete_learned = true,
            "load" => {
                let (s, d) = v
                    .split_once("->")
                    .ok_or_else(|| ActionError::syntax(format!("{k}: missing `->' in `{v}'")))?;
                let dst = parse_subfield(d)?;
                if s.starts_with(|c: char| c.is_ascii_digit()) {
                    let value: u128 = num(s)?;
                    if dst.n_bits < 128 && value >> dst.n_bits != 0 {
                        return Err(ActionError::syntax(format!(
                            "{v}: value does not fit into {} bits",
                            dst.n_bits
                        )));
                    }
                    l.specs.push(LearnSpec::LoadImm { dst, value });
                } else {
                    let src = parse_subfield(s)?;
                    if src.n_bits != dst.n_bits {
                        return Err(ActionError::syntax(format!(
                            "{v}: source field is {} bits wide but destination is {} bits wide",
                            src.n_bits, dst.n_bits
                        )));
                    }
                    l.specs.push(LearnSpec::LoadField { src, dst });
                }
            }
            "output" => l.specs.push(LearnSpec::Output {
                src: parse_subfield(v)?,
            }),
            _ => {
                let unknown = || ActionError::syntax(format!("{value}: unknown keyword {k}"));
                let dst = if k.contains('[') {
                    parse_subfield(k).map_err(|_| unknown())?
                } else {
                    Subfield::whole(crate::subfield::field_from_any_name(k).ok_or_else(unknown)?)
                };
                if v.is_empty() {
                    l.specs.push(LearnSpec::MatchField { dst, src: dst });
                    continue;
                }
                // Like OVS: first try the value as a subfield, then as an immediate.
                let sub_err = match parse_subfield(v) {
                    Ok(src) => {
                        if src.n_bits != dst.n_bits {
                            // OVS's wording, which pairs each name with the other's width.
                            return Err(ActionError::syntax(format!(
                                "{value}: bit widths of {k} ({}) and {v} ({}) differ",
                                src.n_bits, dst.n_bits
                            )));
                        }
                        l.specs.push(LearnSpec::MatchField { dst, src });
                        continue;
                    }
                    Err(e) => e,
                };
                let imm = if dst.is_whole() {
                    let mut m = Match::catchall();
                    m.set_field_str(dst.field, v, ports)
                        .map(|()| m.get(dst.field).0)
                        .map_err(ActionError::from)
                } else {
                    match flow::value::parse_uint(v) {
                        Some(x) if x >> dst.n_bits == 0 => Ok(x),
                        Some(_) => Err(ActionError::syntax(format!(
                            "{v}: value does not fit into {} bits",
                            dst.n_bits
                        ))),
                        None => Err(ActionError::syntax(format!("{v}: bad syntax"))),
                    }
                };
                match imm {
                    Ok(value) => l.specs.push(LearnSpec::MatchImm { dst, value }),
                    Err(imm_err) => {
                        return Err(ActionError::syntax(format!(
                            "{value}: {k} value {v} cannot be parsed as a subfield ({sub_err}) or an immediate value ({imm_err})"
                        )))
                    }
                }
            }
        }
    }
    Ok(Action::Learn(Box::new(l)))
}

/// Prints `learn(...)`.
pub(crate) fn format_learn(out: &mut String, l: &Learn, ports: Option<&PortMap>) {
    let _ = write!(out, "learn(table={}", l.table);
    if l.idle_timeout != 0 {
        let _ = write!(out, ",idle_timeout={}", l.idle_timeout);
    }
    if l.hard_timeout != 0 {
        let _ = write!(out, ",hard_timeout={}", l.hard_timeout);
    }
    if l.fin_idle_timeout != 0 {
        let _ = write!(out, ",fin_idle_timeout={}", l.fin_idle_timeout);
    }
    if l.fin_hard_timeout != 0 {
        let _ = write!(out, ",fin_hard_timeout={}", l.fin_hard_timeout);
    }
    if l.priority != 0x8000 {
        let _ = write!(out, ",priority={}", l.priority);
    }
    if l.send_flow_rem {
        out.push_str(",send_flow_rem");
    }
    if l.delete_learned {
        out.push_str(",delete_learned");
    }
    if l.cookie != 0 {
        let _ = write!(out, ",cookie={:#x}", l.cookie);
    }
    if l.limit != 0 {
        let _ = write!(out, ",limit={}", l.limit);
    }
    if let Some(d) = l.result_dst {
        let _ = write!(out, ",result_dst={d}");
    }
    for s in &l.specs {
        out.push(',');
        match s {
            LearnSpec::MatchField { dst, src } => {
                if dst == src {
                    let _ = write!(out, "{dst}");
                } else {
                    let _ = write!(out, "{dst}={src}");
                }
            }
            LearnSpec::MatchImm { dst, value } => {
                if dst.is_whole() {
                    out.push_str(dst.field.name());
                    out.push('=');
                    crate::format::format_field_value(out, dst.field, *value, u128::MAX, ports);
                } else {
                    let _ = write!(out, "{dst}={value:#x}");
                }
            }
            LearnSpec::LoadImm { dst, value } => {
                let _ = write!(out, "load:{value:#x}->{dst}");
            }
            LearnSpec::LoadField { src, dst } => {
                let _ = write!(out, "load:{src}->{dst}");
            }
            LearnSpec::Output { src } => {
                let _ = write!(out, "output:{src}");
            }
        }
    }
    out.push(')');
}

fn put_sf(w: &mut Writer, sf: &Subfield) -> Result<(), EncodeError> {
    put_header(w, sf.field, false, false)?;
    w.u16(sf.ofs);
    Ok(())
}

/// Encodes `NXAST_LEARN` (or `NXAST_LEARN2` when `limit`/`result_dst` are used).
pub(crate) fn encode_learn(w: &mut Writer, l: &Learn) -> Result<(), EncodeError> {
    let v2 = l.limit != 0 || l.result_dst.is_some();
    let start = wire::nx_start(
        w,
        if v2 {
            NxSubtype::Learn2
        } else {
            NxSubtype::Learn
        },
    );
    w.u16(l.idle_timeout);
    w.u16(l.hard_timeout);
    w.u16(l.priority);
    w.u64(l.cookie);
    let mut flags = 0;
    if l.send_flow_rem {
        flags |= F_SEND_FLOW_REM;
    }
    if l.delete_learned {
        flags |= F_DELETE_LEARNED;
    }
    if l.result_dst.is_some() {
        flags |= F_WRITE_RESULT;
    }
    w.u16(flags);
    w.u8(l.table);
    w.u8(0);
    w.u16(l.fin_idle_timeout);
    w.u16(l.fin_hard_timeout);
    if v2 {
        w.u32(l.limit);
        w.u16(l.result_dst.map_or(0, |d| d.ofs));
        w.zeros(2);
        if let Some(d) = l.result_dst {
            put_header(w, d.field, false, false)?;
        }
    }
    for s in &l.specs {
        match s {
            LearnSpec::MatchField { dst, src } => {
                w.u16(dst.n_bits);
                put_sf(w, src)?;
                put_sf(w, dst)?;
            }
            LearnSpec::MatchImm { dst, value } => {
                w.u16(SRC_IMM | dst.n_bits);
                put_imm(w, *value, dst.n_bits);
                put_sf(w, dst)?;
            }
            LearnSpec::LoadField { src, dst } => {
                w.u16(DST_LOAD | dst.n_bits);
                put_sf(w, src)?;
                put_sf(w, dst)?;
            }
            LearnSpec::LoadImm { dst, value } => {
                w.u16(SRC_IMM | DST_LOAD | dst.n_bits);
                put_imm(w, *value, dst.n_bits);
                put_sf(w, dst)?;
            }
            LearnSpec::Output { src } => {
                w.u16(DST_OUTPUT | src.n_bits);
                put_sf(w, src)?;
            }
        }
    }
    wire::nx_finish(w, start);
    Ok(())
}

fn put_imm(w: &mut Writer, v: u128, n_bits: u16) {
    let n = usize::from(n_bits).div_ceil(16) * 2;
    w.uint(v & bit_mask(n_bits), n);
}

fn get_sf(r: &mut Reader<'_>, n_bits: u16) -> Result<Subfield, DecodeError> {
    let h = get_header(r)?;
    let ofs = r.u16()?;
    let width = field_bits(h.field);
    if u32::from(ofs) + u32::from(n_bits) > u32::from(width) || n_bits == 0 {
        return Err(DecodeError::new("OFPBAC_BAD_ARGUMENT"));
    }
    Ok(Subfield {
        field: h.field,
        ofs,
        n_bits,
    })
}

/// Decodes the body of `NXAST_LEARN`/`NXAST_LEARN2` (after the Nicira header).
pub(crate) fn decode_learn(r: &mut Reader<'_>, v2: bool) -> Result<Action, DecodeError> {
    let bad = DecodeError::new("OFPBAC_BAD_ARGUMENT");
    let mut l = Learn {
        idle_timeout: r.u16()?,
        hard_timeout: r.u16()?,
        priority: r.u16()?,
        cookie: r.u64()?,
        ..Learn::default()
    };
    let flags = r.u16()?;
    l.table = r.u8()?;
    r.skip(1)?;
    l.fin_idle_timeout = r.u16()?;
    l.fin_hard_timeout = r.u16()?;
    if flags & !(F_SEND_FLOW_REM | F_DELETE_LEARNED | F_WRITE_RESULT) != 0 || l.table == 255 {
        return Err(bad);
    }
    l.send_flow_rem = flags & F_SEND_FLOW_REM != 0;
    l.delete_learned = flags & F_DELETE_LEARNED != 0;
    if v2 {
        l.limit = r.u32()?;
        let ofs = r.u16()?;
        r.skip(2)?;
        if flags & F_WRITE_RESULT != 0 {
            let h = get_header(r)?;
            if ofs >= field_bits(h.field) {
                return Err(bad);
            }
            l.result_dst = Some(Subfield {
                field: h.field,
                ofs,
                n_bits: 1,
            });
        }
    } else if flags & F_WRITE_RESULT != 0 {
        return Err(bad);
    }
    while r.remaining() >= 2 {
        let hdr = r.u16()?;
        if hdr == 0 {
            break;
        }
        let n_bits = hdr & 0x7ff;
        let imm = hdr & SRC_IMM != 0;
        let dst_type = hdr & (3 << 11);
        if hdr & 0xc000 != 0 || n_bits == 0 {
            return Err(bad);
        }
        let (src, value) = if imm {
            let n = usize::from(n_bits).div_ceil(16) * 2;
            if n > 16 {
                // Wider than any field.
                return Err(bad);
            }
            (None, Some(r.uint(n)? & bit_mask(n_bits)))
        } else {
            (Some(get_sf(r, n_bits)?), None)
        };
        let spec = match dst_type {
            0 => {
                let dst = get_sf(r, n_bits)?;
                match (src, value) {
                    (Some(src), _) => LearnSpec::MatchField { dst, src },
                    (_, Some(value)) => LearnSpec::MatchImm { dst, value },
                    _ => return Err(bad),
                }
            }
            DST_LOAD => {
                let dst = get_sf(r, n_bits)?;
                match (src, value) {
                    (Some(src), _) => LearnSpec::LoadField { src, dst },
                    (_, Some(value)) => LearnSpec::LoadImm { dst, value },
                    _ => return Err(bad),
                }
            }
            DST_OUTPUT => match src {
                Some(src) => LearnSpec::Output { src },
                None => return Err(bad),
            },
            _ => return Err(bad),
        };
        l.specs.push(spec);
    }
    if r.take_rest().iter().any(|b| *b != 0) {
        return Err(bad);
    }
    Ok(Action::Learn(Box::new(l)))
}
