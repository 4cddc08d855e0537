//! `ct(...)`, `nat(...)`: connection-tracking actions (syntax, printing, Nicira wire form).
//!
//! `ct` carries flags (`commit`, `force`), a zone (a constant or a 16-bit subfield), an
//! optional recirculation table, an ALG and nested actions: `set_field`/`load` to `ct_mark` or
//! `ct_label`, and `nat`. As in OVS, a `nat` that comes first among the nested actions prints
//! outside `exec(...)`; nested actions after it print inside.

use crate::action::{Action, Ct, CtZone, Nat, NatAddr};
use crate::error::{ActionError, DecodeError, EncodeError};
use crate::parse::parse_ip_any;
use crate::subfield::parse_subfield;
use crate::wire::{self, NxSubtype, Version};
use flow::value::{format_ipv4, format_ipv6};
use flow::{FieldId, KeyValues, PortMap};
use octets::{Reader, Writer};
use std::fmt::Write as _;

const NX_CT_F_COMMIT: u16 = 1;
const NX_CT_F_FORCE: u16 = 2;
const NX_NAT_F_SRC: u16 = 1;
const NX_NAT_F_DST: u16 = 2;
const NX_NAT_F_PERSISTENT: u16 = 4;
const NX_NAT_F_PROTO_HASH: u16 = 8;
const NX_NAT_F_PROTO_RANDOM: u16 = 16;

type R<T> = Result<T, ActionError>;

/// Parses the argument of `ct(...)`.
pub(crate) fn parse_ct(value: &str, ports: Option<&PortMap>) -> R<Action> {
    let mut ct = Ct {
        commit: false,
        force: false,
        table: None,
        zone: CtZone::Imm(0),
        alg: 0,
        actions: Vec::new(),
    };
    for (k, v) in KeyValues::new(value) {
        match k {
            "commit" => ct.commit = true,
            "force" => ct.force = true,
            "table" => {
                let t: u8 = flow::value::parse_uint(v)
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| ActionError::syntax(format!("unknown table {v}")))?;
                if t == 255 {
                    return Err(ActionError::syntax(format!("invalid table {t:#x}")));
                }
                ct.table = Some(t);
            }
            "zone" => {
                ct.zone = match flow::value::parse_uint(v).and_then(|n| u16::try_from(n).ok()) {
                    Some(z) => CtZone::Imm(z),
                    None => {
                        let sf = parse_subfield(v)?;
                        if sf.n_bits != 16 {
                            return Err(ActionError::syntax(format!(
                                "{v}: zone must be 16 bits wide"
                            )));
                        }
                        CtZone::Field(sf)
                    }
                }
            }
            "alg" => {
                ct.alg = match v {
                    "ftp" => 21,
                    "tftp" => 69,
                    _ => {
                        return Err(ActionError::syntax(format!(
                            "invalid conntrack helper \"{v}\""
                        )))
                    }
                }
            }
            "exec" => {
                let inner = crate::parse::parse_nested(v, ports)?;
                for a in &inner {
                    let ok = match a {
                        Action::SetField(sf) => {
                            matches!(sf.field, FieldId::CtMark | FieldId::CtLabel)
                        }
                        Action::Move { dst, .. } => {
                            matches!(dst.field, FieldId::CtMark | FieldId::CtLabel)
                        }
                        Action::Nat(_) => true,
                        _ => false,
                    };
                    if !ok {
                        let what = match a {
                            Action::SetField(sf) => {
                                format!("modification of {}", sf.field.name())
                            }
                            Action::Move { dst, .. } => {
                                format!("modification of {}", dst.field.name())
                            }
                            other => format!("action {}", crate::format::action_name(other)),
                        };
                        return Err(ActionError::syntax(format!(
                            "ct action doesn't support nested {what}"
                        )));
                    }
                }
                ct.actions.extend(inner);
            }
            "nat" => ct.actions.push(Action::Nat(parse_nat(v)?)),
            _ => {
                return Err(ActionError::syntax(format!(
                    "invalid argument to \"ct\" action: `{k}'"
                )))
            }
        }
    }
    if ct.force && !ct.commit {
        return Err(ActionError::syntax(
            "\"force\" flag requires \"commit\" flag.",
        ));
    }
    Ok(Action::Ct(Box::new(ct)))
}

/// Parses the argument of `nat(...)`.
pub(crate) fn parse_nat(value: &str) -> R<Nat> {
    let mut nat = Nat::default();
    for (k, v) in KeyValues::new(value) {
        match k {
            "src" | "dst" => {
                if nat.kind != 0 {
                    return Err(ActionError::syntax(
                        "May only specify one of \"src\" or \"dst\".",
                    ));
                }
                nat.kind = if k == "src" { 1 } else { 2 };
                if !v.is_empty() {
                    parse_nat_range(v, &mut nat)?;
                }
            }
            "persistent" => nat.persistent = true,
            "hash" => nat.hash = true,
            "random" => nat.random = true,
            _ => {
                return Err(ActionError::syntax(format!(
                    "invalid key \"{k}\" in \"nat\" argument"
                )))
            }
        }
    }
    if nat.kind == 0 && (nat.persistent || nat.hash || nat.random) {
        return Err(ActionError::syntax(
            "Flags allowed only with \"src\" or \"dst\".",
        ));
    }
    if nat.hash && nat.random {
        return Err(ActionError::syntax(
            "Both \"hash\" and \"random\" are specified.",
        ));
    }
    Ok(nat)
}

fn parse_nat_range(s: &str, nat: &mut Nat) -> R<()> {
    let bad = || ActionError::syntax(format!("invalid nat range \"{s}\""));
    let (addrs, ports) = if let Some(rest) = s.strip_prefix('[') {
        // [a]-[b]:p or [a]:p
        let close = rest.find(']').ok_or_else(bad)?;
        let first = &rest[..close];
        let after = &rest[close + 1..];
        let (second, after) = if let Some(r) = after.strip_prefix("-[") {
            let c = r.find(']').ok_or_else(bad)?;
            (Some(&r[..c]), &r[c + 1..])
        } else {
            (None, after)
        };
        let a = flow::value::parse_ipv6(first).ok_or_else(bad)?;
        let b = match second {
            Some(t) => flow::value::parse_ipv6(t).ok_or_else(bad)?,
            None => a,
        };
        ((NatAddr::V6(a), NatAddr::V6(b)), after.strip_prefix(':'))
    } else if s.matches(':').count() > 1 {
        // IPv6 without brackets: no ports possible.
        let (lo, hi) = s.split_once('-').unwrap_or((s, s));
        let lo = flow::value::parse_ipv6(lo).ok_or_else(bad)?;
        let hi = flow::value::parse_ipv6(hi).ok_or_else(bad)?;
        ((NatAddr::V6(lo), NatAddr::V6(hi)), None)
    } else {
        let (a, p) = match s.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let (lo, hi) = match a.split_once('-') {
            Some((x, y)) => (x, y),
            None => (a, a),
        };
        let lo = parse_ip_any(lo).ok_or_else(bad)?;
        let hi = parse_ip_any(hi).ok_or_else(bad)?;
        let ordered = match (lo, hi) {
            (NatAddr::V4(a), NatAddr::V4(b)) => a <= b,
            (NatAddr::V6(a), NatAddr::V6(b)) => a <= b,
            _ => false,
        };
        if !ordered {
            return Err(bad());
        }
        ((lo, hi), p)
    };
    nat.addr = Some(addrs);
    if let Some(p) = ports {
        let (lo, hi) = match p.split_once('-') {
            Some((x, y)) => (x, y),
            None => (p, p),
        };
        let lo: u16 = lo.parse().map_err(|_| bad())?;
        let hi: u16 = hi.parse().map_err(|_| bad())?;
        if hi < lo {
            return Err(bad());
        }
        nat.ports = Some((lo, hi));
    }
    Ok(())
}

/// IPv6 addresses are bracketed only when ports follow, as OVS prints them.
fn fmt_addr(out: &mut String, a: NatAddr, bracket: bool) {
    match a {
        NatAddr::V4(x) => format_ipv4(out, x),
        NatAddr::V6(x) if bracket => {
            out.push('[');
            format_ipv6(out, x);
            out.push(']');
        }
        NatAddr::V6(x) => format_ipv6(out, x),
    }
}

/// Prints `nat(...)`.
pub(crate) fn format_nat(out: &mut String, nat: &Nat) {
    out.push_str("nat");
    if nat.kind == 0 {
        return;
    }
    out.push('(');
    out.push_str(if nat.kind == 1 { "src" } else { "dst" });
    // OVS prints the flags only together with an address range.
    if let Some((lo, hi)) = nat.addr {
        let bracket = nat.ports.is_some();
        out.push('=');
        fmt_addr(out, lo, bracket);
        if hi != lo {
            out.push('-');
            fmt_addr(out, hi, bracket);
        }
        if let Some((plo, phi)) = nat.ports {
            let _ = write!(out, ":{plo}");
            if phi != plo {
                let _ = write!(out, "-{phi}");
            }
        }
        if nat.persistent {
            out.push_str(",persistent");
        }
        if nat.hash {
            out.push_str(",hash");
        }
        if nat.random {
            out.push_str(",random");
        }
    }
    out.push(')');
}

/// Prints `ct(...)`.
pub(crate) fn format_ct(out: &mut String, ct: &Ct, ports: Option<&PortMap>) {
    out.push_str("ct(");
    if ct.commit {
        out.push_str("commit,");
    }
    if ct.force {
        out.push_str("force,");
    }
    if let Some(t) = ct.table {
        let _ = write!(out, "table={t},");
    }
    match ct.zone {
        CtZone::Field(sf) => {
            let _ = write!(out, "zone={sf},");
        }
        CtZone::Imm(0) => {}
        CtZone::Imm(z) => {
            let _ = write!(out, "zone={z},");
        }
    }
    let mut rest: &[Action] = &ct.actions;
    if let Some((Action::Nat(n), tail)) = rest.split_first() {
        format_nat(out, n);
        out.push(',');
        rest = tail;
    }
    if !rest.is_empty() {
        out.push_str("exec(");
        crate::format::format_list(out, rest, ports);
        out.push_str("),");
    }
    match ct.alg {
        0 => {}
        21 => out.push_str("alg=ftp,"),
        69 => out.push_str("alg=tftp,"),
        a => {
            let _ = write!(out, "alg={a},");
        }
    }
    if out.ends_with(',') {
        out.pop();
    }
    out.push(')');
}

/// Encodes `NXAST_CT`.
pub(crate) fn encode_ct(w: &mut Writer, ct: &Ct, v: wire::Cx) -> Result<(), EncodeError> {
    let start = wire::nx_start(w, NxSubtype::Ct);
    let mut flags = 0;
    if ct.commit {
        flags |= NX_CT_F_COMMIT;
    }
    if ct.force {
        flags |= NX_CT_F_FORCE;
    }
    w.u16(flags);
    match ct.zone {
        CtZone::Imm(z) => {
            w.u32(0);
            w.u16(z);
        }
        CtZone::Field(sf) => {
            crate::subfield::put_header(w, sf.field, false, false)?;
            w.u16(wire::ofs_nbits(sf));
        }
    }
    w.u8(ct.table.unwrap_or(255));
    w.zeros(3);
    w.u16(ct.alg);
    for a in &ct.actions {
        match a {
            Action::Nat(n) => encode_nat(w, n),
            other => wire::encode_one(w, other, v)?,
        }
    }
    wire::nx_finish(w, start);
    Ok(())
}

fn encode_nat(w: &mut Writer, n: &Nat) {
    let start = wire::nx_start(w, NxSubtype::Nat);
    w.zeros(2);
    let mut flags = match n.kind {
        1 => NX_NAT_F_SRC,
        2 => NX_NAT_F_DST,
        _ => 0,
    };
    if n.persistent {
        flags |= NX_NAT_F_PERSISTENT;
    }
    if n.hash {
        flags |= NX_NAT_F_PROTO_HASH;
    }
    if n.random {
        flags |= NX_NAT_F_PROTO_RANDOM;
    }
    w.u16(flags);
    let mut present = 0u16;
    let mut body = Writer::new();
    match n.addr {
        Some((NatAddr::V4(lo), hi)) => {
            present |= 1;
            body.u32(lo);
            if let NatAddr::V4(h) = hi {
                if h != lo {
                    present |= 2;
                    body.u32(h);
                }
            }
        }
        Some((NatAddr::V6(lo), hi)) => {
            present |= 4;
            body.uint(lo, 16);
            if let NatAddr::V6(h) = hi {
                if h != lo {
                    present |= 8;
                    body.uint(h, 16);
                }
            }
        }
        None => {}
    }
    if let Some((lo, hi)) = n.ports {
        present |= 16;
        body.u16(lo);
        if hi != lo {
            present |= 32;
            body.u16(hi);
        }
    }
    w.u16(present);
    w.bytes(body.as_slice());
    wire::nx_finish(w, start);
}

/// Decodes the body of `NXAST_CT` (after the 10-byte Nicira header).
pub(crate) fn decode_ct(
    r: &mut Reader<'_>,
    v: Version,
    depth: usize,
) -> Result<Action, DecodeError> {
    let flags = r.u16()?;
    let zone_src = r.u32()?;
    let zone_x = r.u16()?;
    let table = r.u8()?;
    r.skip(3)?;
    let alg = r.u16()?;
    let zone = if zone_src == 0 {
        CtZone::Imm(zone_x)
    } else {
        let mut hr = Writer::new();
        hr.u32(zone_src);
        let mut rr = Reader::new(hr.as_slice());
        let h = crate::subfield::get_header(&mut rr)?;
        let sf = wire::subfield_from(h.field, zone_x)?;
        CtZone::Field(sf)
    };
    let nested = wire::decode_list(r.take_rest(), v, depth)?;
    for a in &nested {
        let ok = match a {
            Action::Nat(_) => true,
            Action::SetField(sf) => matches!(sf.field, FieldId::CtMark | FieldId::CtLabel),
            Action::Move { dst, .. } => matches!(dst.field, FieldId::CtMark | FieldId::CtLabel),
            _ => false,
        };
        if !ok {
            return Err(DecodeError::new("OFPBAC_BAD_ARGUMENT"));
        }
    }
    if flags & !(NX_CT_F_COMMIT | NX_CT_F_FORCE) != 0 {
        return Err(DecodeError::new("OFPBAC_BAD_ARGUMENT"));
    }
    Ok(Action::Ct(Box::new(Ct {
        commit: flags & NX_CT_F_COMMIT != 0,
        force: flags & NX_CT_F_FORCE != 0,
        table: (table != 255).then_some(table),
        zone,
        alg,
        actions: nested,
    })))
}

/// Decodes the body of `NXAST_NAT`.
pub(crate) fn decode_nat(r: &mut Reader<'_>) -> Result<Action, DecodeError> {
    r.skip(2)?;
    let flags = r.u16()?;
    let present = r.u16()?;
    let bad = DecodeError::new("OFPBAC_BAD_ARGUMENT");
    let kind = match flags & 3 {
        0 => 0,
        NX_NAT_F_SRC => 1,
        NX_NAT_F_DST => 2,
        _ => return Err(bad),
    };
    let mut nat = Nat {
        kind,
        persistent: flags & NX_NAT_F_PERSISTENT != 0,
        hash: flags & NX_NAT_F_PROTO_HASH != 0,
        random: flags & NX_NAT_F_PROTO_RANDOM != 0,
        ..Nat::default()
    };
    if present & 1 != 0 {
        let lo = r.u32()?;
        let hi = if present & 2 != 0 { r.u32()? } else { lo };
        nat.addr = Some((NatAddr::V4(lo), NatAddr::V4(hi)));
    } else if present & 4 != 0 {
        let lo = r.uint(16)?;
        let hi = if present & 8 != 0 { r.uint(16)? } else { lo };
        nat.addr = Some((NatAddr::V6(lo), NatAddr::V6(hi)));
    }
    if present & 16 != 0 {
        let lo = r.u16()?;
        let hi = if present & 32 != 0 { r.u16()? } else { lo };
        nat.ports = Some((lo, hi));
    }
    Ok(Action::Nat(nat))
}
