//! `compose-packet FLOW [L7]`: the Ethernet frame Open vSwitch builds for a flow, printed
//! as a hex dump.
//!
//! The flow is parsed as an *exact* flow, the way OVS's `parse_ofp_exact_flow` does: each
//! `key[=value]` is either a protocol shorthand (`tcp`, `arp`, ...) or a field set to one
//! value, with no masks or wildcards (`nw_src=10.0.0.0/8` is refused with OVS's
//! "wildcards not allowed here"), and each field's prerequisites must already be set when
//! it is reached (`tp_dst=80` alone is "prerequisites not met for setting tp_dst").
//! `in_port` defaults to `ANY`.  The optional second argument is the layer-7 payload in
//! hex (whitespace allowed); without it the payload is 64 bytes counting up from 0.
//!
//! The frame comes from the `flow` crate's [`flow::compose_packet`] and is printed as OVS's
//! offset-and-bytes hex dump.  Then, as OVS does, the frame is parsed back into a flow;
//! if that differs from the specified one (a field the frame cannot carry, such as a
//! register or `in_port`), both are printed on standard error and the command fails.

use crate::Fatal;
use flow::{FieldId, Flow, Match};
use std::io::Write as _;

/// OpenFlow 1.0's `OFPP_NONE`, which OVS prints as `ANY`.
const PORT_ANY: u128 = 0xffff;

/// Parses `s` as an exact flow, with OVS's error wording.
pub fn parse_exact_flow(s: &str) -> Result<Flow, String> {
    let mut m = Match::catchall();
    let mut in_port_set = false;
    let mut seen: Vec<FieldId> = Vec::new();
    for (key, value) in flow::parse::KeyValues::new(s) {
        let mut b = flow::parse::MatchBuilder::new();
        // Protocol shorthands (`tcp`, `arp`, ...) set dl_type and nw_proto.
        if value.is_empty() && FieldId::from_name(key).is_none() {
            if flow::parse::try_apply_key_value(&mut b, key, "", None)
                .map_err(|e| format!("{s}: {e}"))?
            {
                let sub = flow::parse::finish_match(b).map_err(|e| format!("{s}: {e}"))?;
                for (f, what) in [
                    (FieldId::EthType, "Ethernet type"),
                    (FieldId::NwProto, "IP protocol"),
                ] {
                    let (v, mask) = sub.get(f);
                    if mask != 0 {
                        if seen.contains(&f) {
                            return Err(format!("{s}: {what} set multiple times"));
                        }
                        seen.push(f);
                        m.set_raw(f, v, mask);
                    }
                }
                continue;
            }
            return Err(format!("{s}: unknown field {key}"));
        }
        let Some(field) = FieldId::from_name(key) else {
            return Err(format!("{s}: unknown field {key}"));
        };
        if value.contains('/') || value == "*" || value.starts_with(['+', '-']) {
            return Err(format!(
                "{s}: bad value for {key} ({value}: wildcards not allowed here)"
            ));
        }
        if seen.contains(&field) {
            return Err(format!("{s}: field {key} set multiple times"));
        }
        if !strict_name_prereq_ok(&m, key) {
            return Err(format!("{s}: prerequisites not met for setting {key}"));
        }
        seen.push(field);
        let mut next = m;
        flow::parse::set_field_from_str(&mut next, field, value, None)
            .map_err(|e| format!("{s}: bad value for {key} ({e})"))?;
        if next.check_prerequisites().is_err() {
            return Err(format!("{s}: prerequisites not met for setting {key}"));
        }
        in_port_set |= field == FieldId::InPort;
        m = next;
    }
    let mut f = *m.flow();
    if !in_port_set {
        f.set(FieldId::InPort, PORT_ANY);
    }
    Ok(f)
}

/// In an exact flow OVS takes `tp_src`/`tp_dst` as the TCP port fields and
/// `icmp_type`/`icmp_code` as the ICMPv4 ones (their names' strict meaning), so
/// they need TCP or ICMPv4 already set.
fn strict_name_prereq_ok(m: &Match, key: &str) -> bool {
    let exact = |f: FieldId| {
        let (v, mask) = m.get(f);
        (mask != 0).then_some(v)
    };
    let dl_type = exact(FieldId::EthType);
    let ip = matches!(dl_type, Some(0x0800) | Some(0x86dd));
    match key {
        "tp_src" | "tp_dst" => ip && exact(FieldId::NwProto) == Some(6),
        "icmp_type" | "icmp_code" => dl_type == Some(0x0800) && exact(FieldId::NwProto) == Some(1),
        _ => true,
    }
}

/// The layer-7 payload from hex text (whitespace between bytes allowed), as OVS reads it.
pub fn parse_l7(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut digits = text.chars().filter(|c| !c.is_whitespace());
    loop {
        match (digits.next(), digits.next()) {
            (None, _) => return Ok(out),
            (Some(a), Some(b)) => match (a.to_digit(16), b.to_digit(16)) {
                (Some(hi), Some(lo)) => out.push(u8::try_from(hi * 16 + lo).unwrap_or(0)),
                _ => return Err(format!("{text}: trailing garbage in packet data")),
            },
            (Some(_), None) => return Err(format!("{text}: trailing garbage in packet data")),
        }
    }
}

/// What `compose-packet` prints: the frame's hex dump, and the error text (without a
/// final newline) if the extracted flow differs from the specified one.
pub fn compose(flow_text: &str, l7: Option<&str>) -> Result<(String, Option<String>), String> {
    let spec = parse_exact_flow(flow_text)?;
    let payload = match l7 {
        Some(t) => parse_l7(t)?,
        None => flow::compose::generated_payload(flow::compose::DEFAULT_L7_LEN),
    };
    let frame = flow::compose_packet(&spec, &payload);
    let dump = openflow::print::hex_dump_plain(&frame);
    let mut back = Flow::default();
    flow::extract(&frame, &flow::Metadata::default(), &mut back);
    back.set(FieldId::InPort, PORT_ANY);
    let differ = (back != spec).then(|| {
        format!(
            "specified and extracted flows differ:\nspecified: {}\nextracted: {}",
            flow::format_packet_flow(&spec, None),
            flow::format_packet_flow(&back, None)
        )
    });
    Ok((dump, differ))
}

/// `compose-packet FLOW [L7]`.
pub fn compose_packet(_s: &mut crate::session::Session, args: &[String]) -> Result<(), Fatal> {
    let flow_text = args.first().map(String::as_str).unwrap_or_default();
    let (dump, differ) = compose(flow_text, args.get(1).map(String::as_str)).map_err(Fatal)?;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(dump.as_bytes());
    let _ = out.flush();
    if let Some(text) = differ {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_a_tcp_frame() {
        let (dump, differ) = compose("tcp,nw_src=1.2.3.4", None).unwrap();
        assert!(differ.is_none());
        assert!(dump.starts_with(
            "00000000  00 00 00 00 00 00 00 00-00 00 00 00 08 00 45 00\n\
             00000010  00 68 00 00 00 00 00 06-b6 8b 01 02 03 04 00 00\n"
        ));
        assert!(dump.ends_with("00000070  3a 3b 3c 3d 3e 3f\n"));
    }

    #[test]
    fn errors_use_ovs_wording() {
        assert_eq!(
            compose("tcp,nw_src=1.2.3.0/24", None).unwrap_err(),
            "tcp,nw_src=1.2.3.0/24: bad value for nw_src (1.2.3.0/24: wildcards not allowed here)"
        );
        assert_eq!(
            compose("tp_dst=80", None).unwrap_err(),
            "tp_dst=80: prerequisites not met for setting tp_dst"
        );
        assert_eq!(compose("foo", None).unwrap_err(), "foo: unknown field foo");
        assert_eq!(
            compose("udp", Some("abc")).unwrap_err(),
            "abc: trailing garbage in packet data"
        );
        assert_eq!(parse_l7("01 02").unwrap(), vec![1, 2]);
        assert_eq!(
            compose("udp,tp_dst=53", None).unwrap_err(),
            "udp,tp_dst=53: prerequisites not met for setting tp_dst"
        );
        assert_eq!(
            compose("ip,udp", None).unwrap_err(),
            "ip,udp: Ethernet type set multiple times"
        );
    }

    #[test]
    fn unrepresentable_fields_differ() {
        let (_, differ) = compose("in_port=3,udp", None).unwrap();
        let text = differ.unwrap();
        assert!(text.starts_with("specified and extracted flows differ:\nspecified: "));
    }
}
