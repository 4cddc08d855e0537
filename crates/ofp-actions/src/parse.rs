//! Parsing the ovs-ofctl action language (`actions=...`, see `ovs-actions(7)`).
//!
//! The text is split into `key[:value]`, `key=value` and `key(value)` items with the same
//! tokenizer the match parser uses ([`flow::KeyValues`]). Each key is an action or instruction
//! name; a key that is not one but names a port (`1`, `LOCAL`, a name from the [`PortMap`])
//! is an `output`. Nested lists (`write_actions(...)`, `clone(...)`, `ct(exec(...))`) are
//! parsed recursively. After the list is read, instruction order (meter, apply-actions,
//! clear_actions, write_actions, write_metadata, goto_table), `drop` exclusivity and the
//! `conjunction` restriction are checked, with OVS's error texts.
//!
//! Checks that need the flow's match (prerequisites of `set_field`, `ct` needing IP, ...)
//! live in [`crate::check`].

use crate::action::*;
use crate::error::ActionError;
use crate::subfield::{bit_mask, field_bits, parse_subfield};
use flow::value::{parse_ipv4, parse_ipv6, parse_mac, parse_port, parse_uint};
use flow::{FieldId, KeyValues, Match, PortMap};

type R<T> = Result<T, ActionError>;

fn err<T>(s: impl Into<String>) -> R<T> {
    Err(ActionError::Syntax(s.into()))
}

/// Parses a nested action list (`write_actions(...)`, `clone(...)`, `ct(exec(...))`), in
/// which instructions are not allowed.
pub(crate) fn parse_nested(s: &str, ports: Option<&PortMap>) -> R<Vec<Action>> {
    let acts = parse_actions(s, ports)?;
    if let Some(a) = acts
        .iter()
        .find(|a| a.instruction() != InstructionKind::ApplyActions)
    {
        return err(format!(
            "{} instruction not allowed here",
            a.instruction().name()
        ));
    }
    Ok(acts)
}

/// Deepest parenthesis nesting accepted in action text (bounds the parser's recursion).
const MAX_PAREN_DEPTH: usize = 64;

fn paren_depth(s: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses an action list. An empty string or `drop` gives an empty list.
pub fn parse_actions(s: &str, ports: Option<&PortMap>) -> R<Vec<Action>> {
    if paren_depth(s) > MAX_PAREN_DEPTH {
        return err("action list is nested too deeply");
    }
    let mut out = Vec::new();
    let mut drop = false;
    for (key, value) in split_actions(s) {
        if key.eq_ignore_ascii_case("drop") {
            drop = true;
            continue;
        }
        parse_one(key, &value, ports, &mut out)?;
    }
    if drop && !out.is_empty() {
        return err("\"drop\" must not be accompanied by any other action or instruction");
    }
    verify_order(&out)?;
    Ok(out)
}

fn is_sep(c: char) -> bool {
    matches!(c, ',' | ' ' | '\t' | '\r' | '\n')
}

/// Splits action text into (key, value) pairs like [`flow::KeyValues`], except that a
/// parenthesised value followed by `->` (as in `check_pkt_larger(100)->reg0[0]`) keeps the
/// arrow and destination as part of its value (`100)->reg0[0]` becomes `100->reg0[0]`).
fn split_actions(s: &str) -> Vec<(&str, std::borrow::Cow<'_, str>)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(is_sep);
        if rest.is_empty() {
            return out;
        }
        let key_end = rest
            .find(|c: char| is_sep(c) || matches!(c, ':' | '=' | '('))
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        let delim = rest[key_end..].chars().next();
        let after = delim.map_or("", |d| &rest[key_end + d.len_utf8()..]);
        match delim {
            Some('(') => {
                let mut depth = 1usize;
                let mut end = after.len();
                for (i, c) in after.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let value = &after[..end];
                let tail = after.get(end + 1..).unwrap_or("");
                if let Some(arrow) = tail.strip_prefix("->") {
                    let dst_end = arrow.find(is_sep).unwrap_or(arrow.len());
                    out.push((key, format!("{value}->{}", &arrow[..dst_end]).into()));
                    rest = &arrow[dst_end..];
                } else {
                    out.push((key, value.into()));
                    rest = tail;
                }
            }
            Some(':') | Some('=') => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        c if depth == 0 && is_sep(c) => {
                            end = i;
                            break;
                        }
                        _ => {}
                    }
                }
                out.push((key, after[..end].into()));
                rest = &after[end..];
            }
            _ => {
                out.push((key, "".into()));
                rest = after;
            }
        }
    }
}

fn verify_order(acts: &[Action]) -> R<()> {
    let mut prev: Option<InstructionKind> = None;
    for a in acts {
        let k = a.instruction();
        if let Some(p) = prev {
            if k < p {
                return err(format!(
                    "invalid instruction ordering: {} must appear before {}, for OpenFlow 1.1+ compatibility",
                    k.name(),
                    p.name()
                ));
            }
            if k == p && k != InstructionKind::ApplyActions {
                return err(format!(
                    "duplicate {} instruction not allowed, for OpenFlow 1.1+ compatibility",
                    k.name()
                ));
            }
        }
        prev = Some(k);
    }
    if acts.iter().any(|a| matches!(a, Action::Conjunction { .. })) {
        if let Some(other) = acts
            .iter()
            .find(|a| !matches!(a, Action::Conjunction { .. } | Action::Note(_)))
        {
            return err(format!(
                "\"conjunction\" actions may be used along with \"note\" but not any other kind of action (such as the \"{}\" action used here)",
                crate::format::action_name(other)
            ));
        }
    }
    Ok(())
}

fn num<T: TryFrom<u128>>(s: &str) -> Option<T> {
    parse_uint(s).and_then(|v| T::try_from(v).ok())
}

fn numeric<T: TryFrom<u128>>(s: &str) -> R<T> {
    if s.is_empty() {
        return err("missing required numeric argument");
    }
    num(s).ok_or_else(|| ActionError::syntax(format!("invalid numeric format {s}")))
}

/// A 32-bit number where, as with C `strtoul`, a leading `-` wraps (`-1` is 4294967295).
fn numeric_u32_wrapping(s: &str) -> R<u32> {
    if let Some(neg) = s.strip_prefix('-') {
        let n: u32 = numeric(neg)?;
        return Ok(n.wrapping_neg());
    }
    numeric(s)
}

fn port_arg(s: &str, ports: Option<&PortMap>) -> Option<u16> {
    parse_port(s, ports)
}

fn parse_one(key: &str, value: &str, ports: Option<&PortMap>, out: &mut Vec<Action>) -> R<()> {
    // Action names are case-insensitive, as in OVS.
    let lower = key.to_ascii_lowercase();
    let a = match lower.as_str() {
        "output" => parse_output(value, ports)?,
        "controller" => parse_controller(value)?,
        "enqueue" => {
            let (p, q) = value
                .split_once(':')
                .or_else(|| value.split_once(','))
                .ok_or_else(|| {
                    ActionError::syntax(
                        "\"enqueue\" syntax is \"enqueue:PORT:QUEUE\" or \"enqueue(PORT,QUEUE)\"",
                    )
                })?;
            let port = port_arg(p, ports)
                .ok_or_else(|| ActionError::syntax(format!("{p}: enqueue to unknown port")))?;
            Action::Enqueue {
                port,
                queue: numeric(q)?,
            }
        }
        "bundle" => parse_bundle(value, false, ports)?,
        "bundle_load" => parse_bundle(value, true, ports)?,
        "mod_vlan_vid" => {
            if value.is_empty() {
                return err("invalid VLAN VID \"\"");
            }
            let vid: u16 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid VLAN VID \"{value}\"")))?;
            if vid > 0xfff {
                return err(format!("{value}: not a valid VLAN VID"));
            }
            Action::SetVlanVid { vid, push: true }
        }
        "mod_vlan_pcp" => {
            let pcp: u8 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid VLAN PCP \"{value}\"")))?;
            if pcp > 7 {
                return err(format!("{value}: not a valid VLAN PCP"));
            }
            Action::SetVlanPcp { pcp, push: true }
        }
        "set_vlan_vid" | "set_vlan_pcp" => {
            let n: u16 = numeric(value)?;
            if lower == "set_vlan_vid" {
                if n > 0xfff {
                    return err(format!("{value}: not a valid VLAN VID"));
                }
                Action::SetVlanVid {
                    vid: n,
                    push: false,
                }
            } else {
                if n > 7 {
                    return err(format!("{value}: not a valid VLAN PCP"));
                }
                Action::SetVlanPcp {
                    pcp: n as u8,
                    push: false,
                }
            }
        }
        "strip_vlan" => Action::StripVlan { pop: false },
        "pop_vlan" => Action::StripVlan { pop: true },
        "push_vlan" => {
            let t: u16 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid ethertype \"{value}\"")))?;
            if t != 0x8100 && t != 0x88a8 {
                return err(format!("{value}: not a valid VLAN ethertype"));
            }
            Action::PushVlan(t)
        }
        "push_mpls" | "pop_mpls" => {
            let t: u16 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid {lower} \"{value}\"")))?;
            if lower == "push_mpls" {
                Action::PushMpls(t)
            } else {
                Action::PopMpls(t)
            }
        }
        "mod_dl_src" | "mod_dl_dst" => {
            let mac = parse_mac(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid mac address {value}")))?;
            if lower == "mod_dl_src" {
                Action::SetEthSrc(mac)
            } else {
                Action::SetEthDst(mac)
            }
        }
        "mod_nw_src" | "mod_nw_dst" => {
            let ip = parse_ipv4(value).ok_or_else(|| {
                ActionError::syntax(format!("{value}: could not convert to IP address"))
            })?;
            if lower == "mod_nw_src" {
                Action::SetIpv4Src(ip)
            } else {
                Action::SetIpv4Dst(ip)
            }
        }
        "mod_nw_tos" => {
            let tos: u8 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid TOS \"{value}\"")))?;
            if tos & 3 != 0 {
                return err(format!("{value}: not a valid TOS"));
            }
            Action::SetIpDscp(tos)
        }
        "mod_nw_ecn" => {
            let ecn: u8 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid ECN \"{value}\"")))?;
            if ecn > 3 {
                return err(format!("{value}: not a valid ECN"));
            }
            Action::SetIpEcn(ecn)
        }
        "mod_nw_ttl" => Action::SetIpTtl(
            num(value).ok_or_else(|| ActionError::syntax(format!("invalid TTL \"{value}\"")))?,
        ),
        "mod_tp_src" | "mod_tp_dst" => {
            let p: u16 = num(value).ok_or_else(|| {
                let which = if lower == "mod_tp_src" {
                    "source"
                } else {
                    "destination"
                };
                ActionError::syntax(format!("invalid {which} port \"{value}\""))
            })?;
            if lower == "mod_tp_src" {
                Action::SetL4Src(p)
            } else {
                Action::SetL4Dst(p)
            }
        }
        "dec_ttl" => {
            let mut ids = Vec::new();
            for id in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                ids.push(num::<u16>(id).unwrap_or(0));
            }
            Action::DecTtl(ids)
        }
        "set_mpls_label" => {
            let v: u32 = numeric(value)?;
            if v > 0xfffff {
                return err(format!("{value}: not a valid MPLS label"));
            }
            Action::SetMplsLabel(v)
        }
        "set_mpls_tc" => {
            let v: u8 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid MPLS TC \"{value}\"")))?;
            if v > 7 {
                return err(format!("{value}: not a valid MPLS TC"));
            }
            Action::SetMplsTc(v)
        }
        "set_mpls_ttl" => Action::SetMplsTtl(
            num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid MPLS TTL \"{value}\"")))?,
        ),
        "dec_mpls_ttl" => Action::DecMplsTtl,
        "copy_ttl_out" => Action::CopyTtlOut,
        "copy_ttl_in" => Action::CopyTtlIn,
        "pop_pbb" => Action::PopPbb,
        "push_pbb" => {
            let t: u16 = num(value)
                .ok_or_else(|| ActionError::syntax(format!("invalid ethertype \"{value}\"")))?;
            if t != 0x88e7 {
                return err(format!("{value}: not a valid PBB ethertype"));
            }
            Action::PushPbb(t)
        }
        "set_field" => match parse_set_field(value, ports)? {
            Some(a) => a,
            None => return Ok(()),
        },
        "load" => parse_load(value)?,
        "move" => {
            let (a, b) = value.split_once("->").ok_or_else(|| {
                ActionError::syntax(format!("{value}: missing `->' following source"))
            })?;
            let src = parse_subfield(a)?;
            let dst = parse_subfield(b)?;
            if src.n_bits != dst.n_bits {
                return err(format!(
                    "{value}: source field is {} bits wide but destination is {} bits wide",
                    src.n_bits, dst.n_bits
                ));
            }
            Action::Move { src, dst }
        }
        "resubmit" => parse_resubmit(value, ports)?,
        "set_tunnel" | "set_tunnel64" => {
            let id: u64 = numeric(value)?;
            Action::SetTunnel {
                id,
                wide: lower == "set_tunnel64" || id > u64::from(u32::MAX),
            }
        }
        "set_queue" => Action::SetQueue(numeric_u32_wrapping(value)?),
        "pop_queue" => Action::PopQueue,
        "fin_timeout" => {
            let (mut idle, mut hard) = (0, 0);
            for (k, v) in KeyValues::new(value) {
                match k {
                    "idle_timeout" | "hard_timeout" => {
                        let t: u16 = num(v)
                            .ok_or_else(|| ActionError::syntax(format!("invalid {k} \"{v}\"")))?;
                        if k == "idle_timeout" {
                            idle = t;
                        } else {
                            hard = t;
                        }
                    }
                    _ => return err(format!("invalid key '{k}' in 'fin_timeout' argument")),
                }
            }
            Action::FinTimeout { idle, hard }
        }
        "note" => Action::Note(parse_note(value)?),
        "exit" => Action::Exit,
        "sample" => parse_sample(value, ports)?,
        "learn" => crate::learn::parse_learn(value, ports)?,
        "conjunction" => parse_conjunction(value)?,
        "ct" => crate::ct::parse_ct(value, ports)?,
        "ct_clear" => Action::CtClear,
        "multipath" => parse_multipath(value)?,
        "check_pkt_larger" => {
            let (a, b) = value
                .split_once("->")
                .ok_or_else(|| ActionError::syntax(format!("{value}: missing `->'")))?;
            let a = a.trim().trim_start_matches('(').trim_end_matches(')');
            let pkt_len: u16 =
                num(a).ok_or_else(|| ActionError::syntax(format!("invalid pkt_len \"{a}\"")))?;
            let dst = parse_subfield(b)?;
            if dst.n_bits != 1 {
                return err("Only 1-bit destination field is allowed");
            }
            Action::CheckPktLarger { pkt_len, dst }
        }
        "clone" => Action::Clone(parse_nested(value, ports)?),
        "group" => Action::Group(numeric(value)?),
        "meter" => Action::Meter(numeric(value)?),
        "clear_actions" => Action::ClearActions,
        "write_actions" => {
            let inner = parse_nested(value, ports)?;
            if inner.is_empty() {
                // OVS drops an empty write_actions.
                return Ok(());
            }
            Action::WriteActions(inner)
        }
        "write_metadata" => {
            let (v, m) = match value.split_once('/') {
                Some((v, m)) => (numeric::<u64>(v)?, numeric::<u64>(m)?),
                None => (numeric::<u64>(value)?, u64::MAX),
            };
            Action::WriteMetadata {
                value: v & m,
                mask: m,
            }
        }
        "goto_table" => Action::GotoTable(
            num(value).ok_or_else(|| ActionError::syntax(format!("unknown table \"{value}\"")))?,
        ),
        "nat" => Action::Nat(crate::ct::parse_nat(value)?),
        _ => {
            if let Some(port) = port_arg(key, ports) {
                if value.is_empty() {
                    out.push(output_to(port, u16::MAX));
                    return Ok(());
                }
            }
            return Err(ActionError::UnknownAction(key.to_string()));
        }
    };
    out.push(a);
    Ok(())
}

/// An output action; `max_len` only matters for `CONTROLLER` (OVS sends 0 otherwise).
fn output_to(port: u16, max_len: u16) -> Action {
    let max_len = if port == OFPP_CONTROLLER { max_len } else { 0 };
    Action::Output { port, max_len }
}

fn parse_output(value: &str, ports: Option<&PortMap>) -> R<Action> {
    if value.contains("port") && value.contains("max_len") {
        let (mut port, mut max_len) = (None, None);
        for (k, v) in KeyValues::new(value) {
            match k {
                "port" => {
                    port = Some(port_arg(v, ports).ok_or_else(|| {
                        ActionError::syntax(format!("output to unknown truncate port: {v}"))
                    })?)
                }
                "max_len" => max_len = Some(numeric::<u32>(v)?),
                _ => return err(format!("invalid key '{k}' in output_trunc argument")),
            }
        }
        let port = port.ok_or_else(|| ActionError::syntax("missing port in output_trunc"))?;
        let max_len =
            max_len.ok_or_else(|| ActionError::syntax("missing max_len in output_trunc"))?;
        return Ok(Action::OutputTrunc { port, max_len });
    }
    if value.contains('[') {
        return Ok(Action::OutputReg {
            src: parse_subfield(value)?,
            max_len: u16::MAX,
        });
    }
    if let Some(port) = port_arg(value, ports) {
        return Ok(output_to(port, u16::MAX));
    }
    if let Ok(src) = parse_subfield(value) {
        return Ok(Action::OutputReg {
            src,
            max_len: u16::MAX,
        });
    }
    err(format!("{value}: output to unknown port"))
}

fn parse_controller(value: &str) -> R<Action> {
    if value.is_empty() {
        return Ok(output_to(OFPP_CONTROLLER, u16::MAX));
    }
    if value.starts_with(|c: char| c.is_ascii_digit()) {
        let max_len: u16 = num(value)
            .ok_or_else(|| ActionError::syntax(format!("invalid max_len \"{value}\"")))?;
        return Ok(output_to(OFPP_CONTROLLER, max_len));
    }
    let mut c = Controller::default();
    for (k, v) in KeyValues::new(value) {
        match k {
            "reason" => {
                c.reason = PacketInReason::from_name(v)
                    .ok_or_else(|| ActionError::syntax(format!("unknown reason \"{v}\"")))?
            }
            "max_len" => {
                c.max_len =
                    num(v).ok_or_else(|| ActionError::syntax(format!("invalid max_len \"{v}\"")))?
            }
            "id" => {
                c.controller_id =
                    num(v).ok_or_else(|| ActionError::syntax(format!("invalid id \"{v}\"")))?
            }
            "userdata" => {
                c.userdata = parse_hex_bytes(v).ok_or_else(|| {
                    ActionError::syntax("bad hex digit in `controller' action `userdata'")
                })?
            }
            "pause" => c.pause = true,
            "meter_id" => c.meter_id = Some(numeric(v)?),
            _ => return err(format!("unknown key \"{k}\" parsing controller action")),
        }
    }
    if c.is_simple() {
        return Ok(output_to(OFPP_CONTROLLER, c.max_len));
    }
    Ok(Action::Controller(c))
}

/// Parses `hh[.hh]...` hex bytes (dots optional between bytes); `None` on a bad digit.
fn parse_hex_bytes(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' {
            i += 1;
            continue;
        }
        let hi = (b[i] as char).to_digit(16);
        let lo = b.get(i + 1).and_then(|c| (*c as char).to_digit(16));
        match (hi, lo) {
            (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
            _ => return None,
        }
        i += 2;
    }
    Some(out)
}

fn parse_note(s: &str) -> R<Vec<u8>> {
    parse_hex_bytes(s).ok_or_else(|| ActionError::syntax("bad hex digit in `note' argument"))
}

fn parse_set_field(value: &str, ports: Option<&PortMap>) -> R<Option<Action>> {
    let (v, f) = value
        .rsplit_once("->")
        .ok_or_else(|| ActionError::syntax(format!("{value}: missing `->'")))?;
    if f.is_empty() {
        return err(format!("{value}: missing field name following `->'"));
    }
    let field = crate::subfield::field_from_any_name(f.trim())
        .ok_or_else(|| ActionError::syntax(format!("{f} is not a valid OXM field name")))?;
    if !field.info().writable {
        return err(format!("{} is read-only", field.name()));
    }
    let mut m = Match::catchall();
    let text_field = match field {
        // The match parser wants its own view names for these.
        FieldId::TcpSrc | FieldId::UdpSrc | FieldId::SctpSrc => field,
        _ => field,
    };
    if v.is_empty() {
        return err(format!(": bad syntax for {} value", field.name()));
    }
    m.set_field_str(text_field, v, ports)
        .map_err(ActionError::from)?;
    let (value, mut mask) = m.get(text_field);
    if mask == 0 {
        // OVS accepts an all-zero mask: a no-op that encodes to nothing before OpenFlow 1.5.
        return Ok(Some(Action::SetField(SetField {
            field,
            value: 0,
            mask: 0,
            style: SetFieldStyle::SetField,
        })));
    }
    if !v.contains('/') {
        mask = bit_mask(field_bits(field));
    }
    Ok(Some(Action::SetField(SetField {
        field,
        value: value & mask,
        mask,
        style: SetFieldStyle::SetField,
    })))
}

fn parse_load(value: &str) -> R<Action> {
    let (v, d) = value
        .split_once("->")
        .ok_or_else(|| ActionError::syntax(format!("{value}: missing `->'")))?;
    if d.is_empty() {
        return err(format!("{value}: missing field name following `->'"));
    }
    let dst = parse_subfield(d)?;
    let val = if v.starts_with('-') {
        None
    } else {
        parse_uint(v)
    }
    .ok_or_else(|| ActionError::syntax(format!("{value}: cannot parse integer value")))?;
    if dst.n_bits < 128 && val >> dst.n_bits != 0 {
        return err(format!(
            "{value}: value {v} does not fit into {} bits",
            dst.n_bits
        ));
    }
    if !dst.field.info().writable {
        return err(format!("{} is read-only", dst.field.name()));
    }
    Ok(Action::SetField(SetField {
        field: dst.field,
        value: val << dst.ofs,
        mask: dst.mask(),
        style: SetFieldStyle::Load,
    }))
}

fn parse_resubmit(value: &str, ports: Option<&PortMap>) -> R<Action> {
    let missing = || {
        ActionError::syntax("at least one \"in_port\" or \"table\" must be specified on resubmit")
    };
    let mut parts = value.split(',');
    let p = parts.next().unwrap_or("").trim();
    let port = if p.is_empty() {
        OFPP_IN_PORT
    } else {
        port_arg(p, ports)
            .ok_or_else(|| ActionError::syntax(format!("{p}: resubmit to unknown port")))?
    };
    let mut table = None;
    let mut ct = false;
    if value.contains(',') {
        let t = parts.next().unwrap_or("").trim();
        if !t.is_empty() {
            let n: u8 = num(t)
                .ok_or_else(|| ActionError::syntax(format!("{t}: resubmit to unknown table")))?;
            if n != 255 {
                table = Some(n);
            }
        }
        if let Some(c) = parts.next() {
            let c = c.trim();
            if c == "ct" {
                ct = true;
            } else {
                return err(format!("{c}: unknown parameter"));
            }
        }
    }
    if port == OFPP_IN_PORT && table.is_none() {
        return Err(missing());
    }
    Ok(Action::Resubmit { port, table, ct })
}

fn parse_sample(value: &str, ports: Option<&PortMap>) -> R<Action> {
    let mut s = Sample {
        probability: 0,
        collector_set_id: 0,
        obs_domain_id: 0,
        obs_point_id: 0,
        sampling_port: OFPP_NONE,
        direction: SampleDirection::Default,
    };
    for (k, v) in KeyValues::new(value) {
        match k {
            "probability" => {
                let p: u16 = num(v)
                    .ok_or_else(|| ActionError::syntax(format!("invalid probability \"{v}\"")))?;
                if p == 0 {
                    return err(format!("invalid probability value \"{v}\""));
                }
                s.probability = p;
            }
            "collector_set_id" => s.collector_set_id = numeric(v)?,
            "obs_domain_id" => s.obs_domain_id = numeric(v)?,
            "obs_point_id" => s.obs_point_id = numeric(v)?,
            "sampling_port" => {
                s.sampling_port = port_arg(v, ports)
                    .ok_or_else(|| ActionError::syntax(format!("{v}: unknown port")))?
            }
            "ingress" => s.direction = SampleDirection::Ingress,
            "egress" => s.direction = SampleDirection::Egress,
            _ => return err(format!("invalid key \"{k}\" in \"sample\" argument")),
        }
    }
    if s.probability == 0 {
        return err("non-zero \"probability\" must be specified on sample");
    }
    Ok(Action::Sample(s))
}

fn parse_conjunction(value: &str) -> R<Action> {
    let bad = || ActionError::syntax("\"conjunction\" syntax is \"conjunction(id,i/n)\"");
    let (id, rest) = value.split_once(',').ok_or_else(bad)?;
    let (k, n) = rest.trim().split_once('/').ok_or_else(bad)?;
    let id: u32 = num(id.trim()).ok_or_else(bad)?;
    let k: u32 = num(k.trim()).ok_or_else(bad)?;
    let n: u32 = num(n.trim()).ok_or_else(bad)?;
    if n < 2 {
        return err("conjunction must have at least 2 clauses");
    }
    if n > 64 {
        return err("conjunction must have at most 64 clauses");
    }
    if k < 1 {
        return err("clause index must be positive");
    }
    if k > n {
        return err("clause index must be less than or equal to number of clauses");
    }
    Ok(Action::Conjunction {
        id,
        clause: (k - 1) as u8,
        n_clauses: n as u8,
    })
}

fn parse_multipath(value: &str) -> R<Action> {
    let parts: Vec<&str> = value.split(',').collect();
    if parts.len() < 6 {
        return err(format!("{value}: not enough arguments to multipath action"));
    }
    let fields = HashFields::from_name(parts[0])
        .ok_or_else(|| ActionError::syntax(format!("{value}: unknown fields `{}'", parts[0])))?;
    let basis: u16 = numeric(parts[1])?;
    let algorithm = MultipathAlgorithm::from_name(parts[2])
        .ok_or_else(|| ActionError::syntax(format!("{value}: unknown algorithm `{}'", parts[2])))?;
    let n_links: u32 = numeric(parts[3])?;
    if n_links == 0 || n_links > 65536 {
        return err(format!(
            "{value}: n_links {n_links} is not in valid range 1 to 65536"
        ));
    }
    let arg: u32 = numeric(parts[4])?;
    let dst = parse_subfield(parts[5])?;
    if dst.n_bits < 16 && n_links > (1u32 << dst.n_bits) {
        return err(format!(
            "{value}: {}-bit destination field has {} possible values, less than specified n_links {n_links}",
            dst.n_bits,
            1u32 << dst.n_bits
        ));
    }
    Ok(Action::Multipath(Multipath {
        fields,
        basis,
        algorithm,
        max_link: (n_links - 1) as u16,
        arg,
        dst,
    }))
}

fn parse_bundle(value: &str, load: bool, ports: Option<&PortMap>) -> R<Action> {
    let parts: Vec<&str> = value.split(',').collect();
    let need = if load { 6 } else { 5 };
    if parts.len() < need {
        return err(format!("{value}: not enough arguments to bundle action"));
    }
    let fields = HashFields::from_name(parts[0])
        .ok_or_else(|| ActionError::syntax(format!("{value}: unknown fields `{}'", parts[0])))?;
    let basis: u16 = numeric(parts[1])?;
    let algorithm = match parts[2] {
        "hrw" => BundleAlgorithm::Hrw,
        "active_backup" => BundleAlgorithm::ActiveBackup,
        a => return err(format!("{value}: unknown algorithm `{a}'")),
    };
    if parts[3] != "ofport" {
        return err(format!("{value}: unknown member_type `{}'", parts[3]));
    }
    let (dst, rest) = if load {
        (Some(parse_subfield(parts[4])?), &parts[5..])
    } else {
        (None, &parts[4..])
    };
    let first = rest.first().copied().unwrap_or("");
    let first = first
        .strip_prefix("members:")
        .or_else(|| first.strip_prefix("slaves:"))
        .ok_or_else(|| {
            ActionError::syntax(format!(
                "{value}: missing member delimiter, expected `members', got `{}'",
                first.split(':').next().unwrap_or(first)
            ))
        })?;
    let mut members = Vec::new();
    for m in std::iter::once(first).chain(rest.iter().skip(1).copied()) {
        if m.is_empty() {
            continue;
        }
        members.push(
            port_arg(m, ports)
                .ok_or_else(|| ActionError::syntax(format!("{m}: bad port number")))?,
        );
    }
    Ok(Action::Bundle(Bundle {
        fields,
        basis,
        algorithm,
        dst,
        members,
    }))
}

/// Parses `value` as an IPv4 or IPv6 address.
pub(crate) fn parse_ip_any(s: &str) -> Option<NatAddr> {
    parse_ipv4(s)
        .map(NatAddr::V4)
        .or_else(|| parse_ipv6(s).map(NatAddr::V6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::format_actions;

    fn round(s: &str) -> String {
        match parse_actions(s, None) {
            Ok(a) => format_actions(&a, None),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn canonical_forms_before_any_wire_translation() {
        assert_eq!(round(""), "drop");
        assert_eq!(round("OUTPUT:1,Normal"), "output:1,NORMAL");
        assert_eq!(round("set_field:1->reg0"), "set_field:0x1->reg0");
        assert_eq!(round("load:1->reg0[0..3]"), "load:0x1->NXM_NX_REG0[0..3]");
        assert_eq!(round("goto_table:2"), "goto_table:2");
        assert_eq!(round("dec_ttl()"), "dec_ttl");
        assert_eq!(round("dec_ttl(0)"), "dec_ttl(0)");
        assert_eq!(
            round("check_pkt_larger(64)->reg0[1],output:1"),
            "check_pkt_larger(64)->NXM_NX_REG0[1],output:1"
        );
        assert_eq!(round("set_vlan_vid:3"), "set_vlan_vid:3");
        assert_eq!(round("write_metadata:5/0xf"), "write_metadata:0x5/0xf");
        assert_eq!(
            round("goto_table:1,goto_table:2"),
            "error: duplicate goto_table instruction not allowed, for OpenFlow 1.1+ compatibility"
        );
    }

    #[test]
    fn port_names_come_from_the_port_map() {
        let mut ports = PortMap::new();
        ports.insert("eth0", 7);
        let a = parse_actions("output:eth0,eth0,enqueue:eth0:3", Some(&ports)).unwrap();
        assert_eq!(
            a,
            vec![
                Action::Output {
                    port: 7,
                    max_len: 0
                },
                Action::Output {
                    port: 7,
                    max_len: 0
                },
                Action::Enqueue { port: 7, queue: 3 },
            ]
        );
        assert_eq!(
            crate::format::format_actions(&a, Some(&ports)),
            "output:eth0,output:eth0,enqueue:eth0:3"
        );
        assert_eq!(
            parse_actions("eth1", Some(&ports)).unwrap_err().to_string(),
            "unknown action eth1"
        );
    }
}
