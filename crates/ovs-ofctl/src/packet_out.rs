//! `packet-out`: sends packets through the switch's OpenFlow pipeline.
//!
//! Two syntaxes, as in OVS 3.x:
//!
//! * `packet-out SWITCH PACKET-OUT`: one argument of `key=value` pairs, `in_port=PORT`
//!   (default `CONTROLLER`), `packet=HEX` (required) and `actions=LIST` (everything after the
//!   first `=` following the word `action`, as for flows);
//! * `packet-out SWITCH IN_PORT ACTIONS PACKET...`: the older form, one packet_out per packet.
//!
//! Each packet_out is followed by a barrier; an error reply is printed on standard error and
//! the run fails, as for flow_mods.

use crate::flows::open_for_flow_mod;
use crate::online::arg;
use crate::session::Session;
use crate::Fatal;
use flow::parse::{finish_match, try_apply_key_value, MatchBuilder};
use flow::{KeyValues, Match, PortMap};
use openflow::msgs::flow::{PacketOut, RawActions, NO_BUFFER};
use openflow::protocol::ProtocolSet;
use openflow::{Message, Version};

/// One packet to send.
struct Parsed {
    match_: Match,
    actions: Vec<ofp_actions::Action>,
    data: Vec<u8>,
}

/// The match carrying only `in_port`.
fn in_port_match(port: &str, ports: &PortMap) -> Result<Match, Fatal> {
    let mut b = MatchBuilder::new();
    try_apply_key_value(&mut b, "in_port", port, Some(ports))?;
    Ok(finish_match(b)?)
}

/// Hex bytes with OVS's complaint for anything else.
fn packet_hex(s: &str) -> Result<Vec<u8>, Fatal> {
    crate::offline::parse_hex(s)
        .map_err(|_| Fatal("packet: Trailing garbage in packet data".into()))
}

/// Parses the one-argument syntax.
fn parse_new(text: &str, ports: &PortMap) -> Result<Parsed, Fatal> {
    let (head, act) = match text.find("action") {
        Some(i) => {
            let rest = text.get(i + 1..).unwrap_or_default();
            (
                text.get(..i).unwrap_or_default(),
                rest.find('=')
                    .map(|e| rest.get(e + 1..).unwrap_or_default()),
            )
        }
        None => (text, None),
    };
    let mut in_port = "CONTROLLER".to_string();
    let mut data = None;
    for (name, value) in KeyValues::new(head) {
        match name {
            "in_port" => in_port = value.to_string(),
            "packet" => data = Some(packet_hex(value)?),
            _ => return Err(Fatal(format!("unknown keyword {name}"))),
        }
    }
    let Some(data) = data else {
        return Err(Fatal("must specify packet".into()));
    };
    let actions = ofp_actions::parse_actions(act.unwrap_or_default(), Some(ports))?;
    Ok(Parsed {
        match_: in_port_match(&in_port, ports)?,
        actions,
        data,
    })
}

fn actions_version(v: Version) -> ofp_actions::Version {
    match v {
        Version::Of10 => ofp_actions::Version::Of10,
        Version::Of11 => ofp_actions::Version::Of11,
        Version::Of12 => ofp_actions::Version::Of12,
        Version::Of13 => ofp_actions::Version::Of13,
        Version::Of14 => ofp_actions::Version::Of14,
        Version::Of15 => ofp_actions::Version::Of15,
    }
}

/// `packet-out SWITCH ...`.
pub fn packet_out(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let parsed = if a.len() == 2 {
        s.tables(target)?;
        let ports = s.ports(target)?;
        vec![parse_new(arg(a, 1), &ports)?]
    } else {
        let ports = s.ports(target)?;
        s.tables(target)?;
        let port = arg(a, 1);
        if flow::value::parse_port(port, Some(&ports)).is_none() {
            return Err(Fatal(format!("{target}: unknown port `{port}'")));
        }
        let m = in_port_match(port, &ports)?;
        let actions = ofp_actions::parse_actions(arg(a, 2), Some(&ports))?;
        let mut out = Vec::new();
        for p in a.get(3..).unwrap_or_default() {
            out.push(Parsed {
                match_: m,
                actions: actions.clone(),
                data: packet_hex(p)?,
            });
        }
        out
    };
    let (mut vc, _) = open_for_flow_mod(s, target, ProtocolSet::ANY)?;
    for p in parsed {
        let bytes = ofp_actions::encode_actions(&p.actions, actions_version(vc.version))
            .map_err(|e| Fatal(e.to_string()))?;
        let po = PacketOut {
            buffer_id: NO_BUFFER,
            match_: p.match_,
            actions: RawActions {
                version: vc.version,
                bytes,
            },
            data: p.data,
        };
        let m = s.msg(vc.version, Message::PacketOut(po));
        s.transact_noreply_all(&mut vc, &[m])?;
    }
    Ok(())
}
