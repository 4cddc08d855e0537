//! Flow table commands: `dump-flows`, `dump-aggregate`, `add-flow`, `add-flows`,
//! `mod-flows`, `del-flows`.
//!
//! The text is parsed by [`openflow::flow_text`] with the switch's port names (fetched first,
//! like OVS, together with the table names), then the protocol is agreed as OVS does:
//!
//! * for dumps, the first of OpenFlow 1.5, 1.4, 1.3, 1.2, 1.1, OpenFlow 1.0 with NXM and plain
//!   OpenFlow 1.0 that both the request and `-O`/`-F` allow and the connection can switch to
//!   (only the flow format, not the version, can change on a connection; switching sends
//!   `NXT_SET_FLOW_FORMAT` and waits for a barrier);
//! * for modifications, the connection's own protocol if the flows can use it, else the
//!   first usable one in protocol order that the switch accepts (which may also need
//!   `NXT_FLOW_MOD_TABLE_ID`).
//!
//! Replies to dumps are printed as they come, except that with `--sort`/`--rsort` (by a
//! field, or by priority) or `--no-stats` the flows are collected, ordered as OVS orders
//! them (flows without the field last), and printed one per line without the reply header; modifications are each followed by a barrier
//! and the first error reply is printed on standard error (exit status 1).

use crate::offline::preprocessed_lines;
use crate::online::arg;
use crate::session::{collect_multipart, Session};
use crate::vconn::Vconn;
use crate::Fatal;
use openflow::flow_text::{parse_flow_mod, Command, ParsedFlowMod};
use openflow::msgs::config::flow_format;
use openflow::msgs::flow::{fmf, FlowStats, FlowStatsRequest, OFPG_ANY};
use openflow::print::flow::{format_actions, format_flow_stats, format_match_with_priority};
use openflow::protocol::{Protocol, ProtocolSet};
use openflow::{Message, OfpMsg, Version};

/// The protocol a connection starts with for its version.
fn protocol_of(v: Version) -> Protocol {
    match v {
        Version::Of10 => Protocol::Of10Std,
        Version::Of11 => Protocol::Of11Std,
        Version::Of12 => Protocol::Of12Oxm,
        Version::Of13 => Protocol::Of13Oxm,
        Version::Of14 => Protocol::Of14Oxm,
        Version::Of15 => Protocol::Of15Oxm,
    }
}

/// Tries to switch the connection from `*cur` to `want` (OVS's `try_set_protocol`).
fn try_set_protocol(
    s: &mut Session,
    vc: &mut Vconn,
    want: Protocol,
    cur: &mut Protocol,
) -> Result<bool, Fatal> {
    loop {
        if cur.version() != want.version() {
            return Ok(*cur == want);
        }
        let (body, next) = if cur.is_nxm() != want.is_nxm() {
            let format = if want.is_nxm() {
                flow_format::NXM
            } else {
                flow_format::OPENFLOW10
            };
            let next = pick(want.is_nxm(), cur.has_table_id());
            (Message::SetFlowFormat(format), next)
        } else if cur.has_table_id() != want.has_table_id() {
            let next = pick(cur.is_nxm(), want.has_table_id());
            (Message::FlowModTableId(u8::from(want.has_table_id())), next)
        } else {
            return Ok(true);
        };
        let m = s.msg(vc.version, body);
        let reply = vc
            .transact_noreply(&m, &mut s.xids)
            .map_err(|e| crate::session::talking(vc, &e))?;
        if reply.is_some() {
            return Ok(false);
        }
        *cur = next;
    }
}

/// The OpenFlow 1.0 protocol with these properties.
fn pick(nxm: bool, tid: bool) -> Protocol {
    match (nxm, tid) {
        (false, false) => Protocol::Of10Std,
        (false, true) => Protocol::Of10StdTid,
        (true, false) => Protocol::Of10Nxm,
        (true, true) => Protocol::Of10NxmTid,
    }
}

fn none_allowed(usable: ProtocolSet, allowed: ProtocolSet) -> Fatal {
    Fatal(format!(
        "none of the usable flow formats ({}) is among the allowed flow formats ({})",
        usable.to_ovs_string(),
        allowed.to_ovs_string()
    ))
}

fn unsupported(usable: ProtocolSet) -> Fatal {
    Fatal(format!(
        "switch does not support any of the usable flow formats ({})",
        usable.to_ovs_string()
    ))
}

/// Opens `target` and agrees on a protocol for sending flow_mods usable with `usable`.
pub fn open_for_flow_mod(
    s: &mut Session,
    target: &str,
    usable: ProtocolSet,
) -> Result<(Vconn, Protocol), Fatal> {
    let allowed = s.cx.allowed;
    if usable.intersect(allowed).is_empty() {
        return Err(none_allowed(usable, allowed));
    }
    let mut vc = s.open(target)?;
    let mut cur = protocol_of(vc.version);
    if usable.intersect(allowed).contains(cur) {
        return Ok((vc, cur));
    }
    for f in usable.intersect(allowed).iter() {
        if f != cur && try_set_protocol(s, &mut vc, f, &mut cur)? {
            return Ok((vc, f));
        }
    }
    Err(unsupported(usable))
}

/// Agrees on a protocol for a flow statistics request usable with `usable`.
fn set_protocol_for_dump(
    s: &mut Session,
    vc: &mut Vconn,
    usable: ProtocolSet,
) -> Result<Protocol, Fatal> {
    let allowed = s.cx.allowed;
    let mut cur = protocol_of(vc.version);
    for f in [
        Protocol::Of15Oxm,
        Protocol::Of14Oxm,
        Protocol::Of13Oxm,
        Protocol::Of12Oxm,
        Protocol::Of11Std,
        Protocol::Of10Nxm,
        Protocol::Of10Std,
    ] {
        if usable.intersect(allowed).contains(f) && try_set_protocol(s, vc, f, &mut cur)? {
            return Ok(f);
        }
    }
    if usable.intersect(allowed).is_empty() {
        Err(none_allowed(usable, allowed))
    } else {
        Err(unsupported(usable))
    }
}

/// `dump-flows SWITCH [FLOW]` and `dump-aggregate SWITCH [FLOW]`.
fn dump(s: &mut Session, a: &[String], aggregate: bool) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let filter = arg(a, 1);
    let ports = if filter.is_empty() {
        None
    } else {
        let p = s.ports(target)?;
        s.tables(target)?;
        Some(p)
    };
    let fm = parse_flow_mod(filter, Command::Delete, ports.as_ref())?;
    let mut usable =
        ProtocolSet::from_match_protocols(openflow::ofmatch::usable_protocols(&fm.match_));
    if fm.cookie_mask != 0 {
        usable = usable.intersect(ProtocolSet::NXM_OF11_UP);
    }
    if fm.out_group != OFPG_ANY {
        usable = usable.intersect(ProtocolSet::OF11_UP);
    }
    let mut vc = s.open(target)?;
    let p = set_protocol_for_dump(s, &mut vc, usable)?;
    let req = FlowStatsRequest {
        table_id: fm.table_id,
        out_port: fm.out_port,
        out_group: fm.out_group,
        cookie: fm.cookie,
        cookie_mask: fm.cookie_mask,
        match_: fm.match_,
    };
    let m = match (aggregate, p.is_nxm()) {
        (false, false) => s.msg(vc.version, Message::FlowStatsRequest(req)),
        (true, false) => s.msg(vc.version, Message::AggregateRequest(req)),
        (false, true) => s.raw_msg(
            vc.version,
            "NXST_FLOW",
            false,
            Message::FlowStatsRequest(req),
        ),
        (true, true) => s.raw_msg(
            vc.version,
            "NXST_AGGREGATE",
            false,
            Message::AggregateRequest(req),
        ),
    };
    if aggregate || (s.cx.sort.is_empty() && s.cx.stats) {
        return s.dump_transaction(&mut vc, &m);
    }
    // Sorted or without statistics: the flows one per line, without the reply's header.
    let mut flows: Vec<FlowStats> = Vec::new();
    for reply in collect_multipart(&mut vc, &m)? {
        match OfpMsg::decode(&reply) {
            Ok(OfpMsg {
                body: Message::FlowStatsReply(f),
                ..
            }) => flows.extend(f),
            _ => {
                return Err(Fatal(format!(
                    "received bad reply: {}",
                    openflow::print::ofp_to_string_verbosity(&reply, 1)
                )))
            }
        }
    }
    if !s.cx.sort.is_empty() {
        // As in OVS, ties are broken by descending priority.
        let mut criteria = s.cx.sort.clone();
        criteria.push((None, true));
        flows.sort_by(|a, b| compare_flows(a, b, &criteria));
    }
    let instructions = vc.version != Version::Of10;
    let mut out = String::new();
    for mut fs in flows {
        if s.cx.stats {
            fs.idle_age = 0;
            fs.hard_age = 0;
            format_flow_stats(vc.version, false, std::slice::from_ref(&fs), &mut out)
                .map_err(|e| Fatal(e.to_string()))?;
        } else {
            out.push_str("\n ");
            if fs.cookie != 0 {
                out.push_str(&format!("cookie={:#x}, ", fs.cookie));
            }
            if fs.table_id != 0 {
                out.push_str(&format!("table={}, ", fs.table_id));
            }
            if fs.idle_timeout != 0 {
                out.push_str(&format!("idle_timeout={}, ", fs.idle_timeout));
            }
            if fs.hard_timeout != 0 {
                out.push_str(&format!("hard_timeout={}, ", fs.hard_timeout));
            }
            for (bit, name) in [
                (fmf::SEND_FLOW_REM, "send_flow_rem "),
                (fmf::CHECK_OVERLAP, "check_overlap "),
                (fmf::RESET_COUNTS, "reset_counts "),
                (fmf::NO_PKT_COUNTS, "no_packet_counts "),
                (fmf::NO_BYT_COUNTS, "no_byte_counts "),
            ] {
                if fs.flags & bit != 0 {
                    out.push_str(name);
                }
            }
            if fs.importance != 0 {
                out.push_str(&format!("importance={}, ", fs.importance));
            }
            let mt = format_match_with_priority(&fs.match_, fs.priority);
            if !mt.is_empty() {
                out.push_str(&mt);
                out.push(' ');
            }
            out.push_str("actions=");
            out.push_str(
                &format_actions(&fs.actions, instructions).map_err(|e| Fatal(e.to_string()))?,
            );
        }
    }
    let text = out.strip_prefix('\n').unwrap_or(&out);
    if !text.is_empty() {
        println!("{text}");
    }
    Ok(())
}

/// One `--sort`/`--rsort` criterion: a field (`None` = priority) and whether descending.
pub type SortKey = (Option<flow::FieldId>, bool);

/// OVS's flow order for `--sort`: each criterion in turn; flows lacking a field sort last
/// in either direction.
fn compare_flows(a: &FlowStats, b: &FlowStats, criteria: &[SortKey]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for (field, desc) in criteria {
        let ord = match field {
            None => a.priority.cmp(&b.priority),
            Some(f) => {
                let (av, am) = a.match_.get(*f);
                let (bv, bm) = b.match_.get(*f);
                match (am != 0, bm != 0) {
                    (true, false) => return Ordering::Less,
                    (false, true) => return Ordering::Greater,
                    _ => av.cmp(&bv),
                }
            }
        };
        if ord != Ordering::Equal {
            return if *desc { ord.reverse() } else { ord };
        }
    }
    Ordering::Equal
}

/// `dump-flows SWITCH [FLOW]`.
pub fn dump_flows(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    dump(s, a, false)
}

/// `dump-aggregate SWITCH [FLOW]`.
pub fn dump_aggregate(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    dump(s, a, true)
}

/// Sends parsed flow_mods.
fn send_flow_mods(s: &mut Session, target: &str, fms: &[ParsedFlowMod]) -> Result<(), Fatal> {
    let usable = fms
        .iter()
        .fold(ProtocolSet::ANY, |u, fm| u.intersect(fm.usable));
    let (mut vc, p) = open_for_flow_mod(s, target, usable)?;
    let mut msgs: Vec<OfpMsg> = Vec::new();
    for fm in fms {
        let xid = s.xids.alloc();
        msgs.push(fm.to_message(p, xid)?);
    }
    if s.cx.bundle {
        return s.bundle_transact(&mut vc, &msgs);
    }
    s.transact_noreply_all(&mut vc, &msgs)
}

/// Parses one flow from the command line for `command`, after fetching table and port names.
fn one_flow(s: &mut Session, a: &[String], command: Command) -> Result<(), Fatal> {
    let target = arg(a, 0);
    s.tables(target)?;
    let ports = s.ports(target)?;
    let fm = parse_flow_mod(arg(a, 1), command, Some(&ports))?;
    send_flow_mods(s, target, &[fm])
}

/// `add-flow SWITCH FLOW`.
pub fn add_flow(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    one_flow(s, a, Command::Add)
}

/// `mod-flows SWITCH FLOW`.
pub fn mod_flows(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let c = if s.cx.strict {
        Command::ModifyStrict
    } else {
        Command::Modify
    };
    one_flow(s, a, c)
}

/// `del-flows SWITCH [FLOW]`.
pub fn del_flows(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let c = if s.cx.strict {
        Command::DeleteStrict
    } else {
        Command::Delete
    };
    one_flow(s, a, c)
}

/// `add-flows SWITCH FILE` (`-` = standard input).
pub fn add_flows(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let file = arg(a, 1);
    s.tables(target)?;
    let ports = s.ports(target)?;
    let text = crate::offline::read_input(file)?;
    let mut fms = Vec::new();
    for (n, line) in preprocessed_lines(&text) {
        match parse_flow_mod(line, Command::Add, Some(&ports)) {
            Ok(fm) => fms.push(fm),
            Err(e) => return Err(Fatal(format!("{file}:{n}: {e}"))),
        }
    }
    send_flow_mods(s, target, &fms)
}
