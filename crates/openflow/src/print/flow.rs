//! `ofp-print` text of the flow-carrying messages: flow_mod,
//! flow_removed, flow/aggregate statistics, group_mod and group
//! description/statistics, packet_in and packet_out.
//!
//! The match is printed by the `flow` crate's [`flow::format_match`]; the
//! surrounding layout (command, `table:`, `cookie:`, `idle:`, `hard:`,
//! `importance:`, `pri:`, `buf:`, `out_port:`, flag words, then
//! `actions=`) is Open vSwitch's.  Action and instruction lists are decoded
//! by the `ofp-actions` crate for the message's version and printed in
//! OVS's canonical text ([`format_actions`]); a list that does not decode
//! makes the whole message a decode error, as in OVS.  packet_in and
//! packet_out data is dissected the way OVS does ([`packet_to_string`]):
//! the flow extracted from the frame plus its layer-4 checksum.

use crate::header::Version;
use crate::msgs::flow::{
    fmc, fmf, AggregateStats, FlowMod, FlowRemoved, FlowStats, FlowStatsRequest, PacketIn,
    PacketOut, RawActions, DEFAULT_PRIORITY, NO_BUFFER,
};
use crate::msgs::group::{Bucket, GroupDesc, GroupMod, GroupStats};
use crate::msgs::ofpp;
use crate::OfpErr;
use std::fmt::Write as _;

/// OVS's `match_format` with a priority: `priority=N,` first unless it is
/// the default, then the match, without a trailing comma.
pub fn format_match_with_priority(m: &flow::Match, priority: u16) -> String {
    let text = flow::format_match(m, None);
    if priority == DEFAULT_PRIORITY {
        text
    } else if text.is_empty() {
        format!("priority={priority}")
    } else {
        format!("priority={priority},{text}")
    }
}

/// The text after `actions=` for an action list (`instructions`: an
/// OpenFlow 1.1+ instruction list, as in flow_mods and flow statistics):
/// decoded by the `ofp-actions` crate for the list's version and printed in
/// OVS's canonical form (`drop` for an empty list).  A list that does not
/// decode yields the OpenFlow error OVS reports for it.
pub fn format_actions(a: &RawActions, instructions: bool) -> Result<String, OfpErr> {
    let v = ofp_actions::Version::from_wire(a.version as u8).ok_or(OfpErr::OFPBRC_BAD_VERSION)?;
    let decoded = if instructions {
        ofp_actions::decode_instructions(&a.bytes, v)
    } else {
        ofp_actions::decode_actions(&a.bytes, v)
    };
    match decoded {
        Ok(acts) => Ok(ofp_actions::format_actions(&acts, None)),
        Err(e) => Err(OfpErr::from_name(e.code).unwrap_or(OfpErr::OFPBAC_BAD_TYPE)),
    }
}

/// The body text of a flow_mod (after the header line), starting with a
/// space.
pub fn format_flow_mod(v: Version, nx: bool, fm: &FlowMod, s: &mut String) -> Result<(), OfpErr> {
    s.push(' ');
    match fm.command {
        fmc::ADD => s.push_str("ADD"),
        fmc::MODIFY => s.push_str("MOD"),
        fmc::MODIFY_STRICT => s.push_str("MOD_STRICT"),
        fmc::DELETE => s.push_str("DEL"),
        fmc::DELETE_STRICT => s.push_str("DEL_STRICT"),
        c => {
            let _ = write!(s, "cmd:{c}");
        }
    }
    if fm.table_id != 0 {
        let _ = write!(s, " table:{}", fm.table_id);
    }
    s.push(' ');
    s.push_str(&format_match_with_priority(&fm.match_, fm.priority));
    if !s.ends_with(' ') {
        s.push(' ');
    }
    // Which cookie is the "new" one depends on the version and command.
    let legacy = v == Version::Of10 || nx;
    let adds = fm.command == fmc::ADD
        || (v == Version::Of11
            && (fm.command == fmc::MODIFY || fm.command == fmc::MODIFY_STRICT)
            && fm.cookie_mask == 0);
    if legacy {
        if fm.cookie != 0 && fm.cookie != u64::MAX {
            let _ = write!(s, "cookie:{:#x} ", fm.cookie);
        }
        if fm.cookie_mask != 0 {
            let _ = write!(s, "cookie:{:#x}/{:#x} ", fm.match_cookie, fm.cookie_mask);
        }
    } else if adds {
        if fm.cookie != 0 && fm.cookie != u64::MAX {
            let _ = write!(s, "cookie:{:#x} ", fm.cookie);
        }
    } else if fm.cookie_mask != 0 {
        let _ = write!(s, "cookie:{:#x}/{:#x} ", fm.cookie, fm.cookie_mask);
    }
    if fm.idle_timeout != 0 {
        let _ = write!(s, "idle:{} ", fm.idle_timeout);
    }
    if fm.hard_timeout != 0 {
        let _ = write!(s, "hard:{} ", fm.hard_timeout);
    }
    if fm.importance != 0 {
        let _ = write!(s, "importance:{} ", fm.importance);
    }
    if fm.priority != DEFAULT_PRIORITY && !s.contains("priority") {
        let _ = write!(s, "pri:{} ", fm.priority);
    }
    if fm.buffer_id != NO_BUFFER {
        let _ = write!(s, "buf:{:#x} ", fm.buffer_id);
    }
    if fm.out_port != ofpp::ANY {
        let _ = write!(s, "out_port:{} ", super::port_to_string(fm.out_port));
    }
    let mut flags = fm.flags;
    if v <= Version::Of11 {
        flags &= !fmf::RESET_COUNTS;
    }
    for (bit, name) in [
        (fmf::SEND_FLOW_REM, "send_flow_rem "),
        (fmf::CHECK_OVERLAP, "check_overlap "),
        (fmf::RESET_COUNTS, "reset_counts "),
        (fmf::NO_PKT_COUNTS, "no_packet_counts "),
        (fmf::NO_BYT_COUNTS, "no_byte_counts "),
    ] {
        if flags & bit != 0 {
            s.push_str(name);
        }
    }
    s.push_str("actions=");
    s.push_str(&format_actions(&fm.actions, v != Version::Of10 && !nx)?);
    Ok(())
}

/// OVS's duration: seconds, then `.mmm` when the nanoseconds are whole
/// milliseconds, or all nine digits otherwise.
pub fn ovs_duration(sec: u32, nsec: u32) -> String {
    if nsec == 0 {
        format!("{sec}s")
    } else if nsec % 1_000_000 == 0 {
        format!("{sec}.{:03}s", nsec / 1_000_000)
    } else {
        format!("{sec}.{nsec:09}s")
    }
}

/// Body text of a flow_removed.  `table_id` is `None` when the message
/// does not say (OF1.0, or NXM's "unknown").
pub fn format_flow_removed(fr: &FlowRemoved, table_id: Option<u8>, s: &mut String) {
    s.push(' ');
    s.push_str(&format_match_with_priority(&fr.match_, fr.priority));
    let reason = match fr.reason {
        0 => "idle".to_string(),
        1 => "hard".to_string(),
        2 => "delete".to_string(),
        3 => "group_delete".to_string(),
        4 => "eviction".to_string(),
        5 => "meter_delete".to_string(),
        r => r.to_string(),
    };
    let _ = write!(s, " reason={reason}");
    if let Some(t) = table_id.filter(|t| *t != 0xff) {
        let _ = write!(s, " table_id={t}");
    }
    if fr.cookie != 0 {
        let _ = write!(s, " cookie:{:#x}", fr.cookie);
    }
    let _ = write!(
        s,
        " duration{} idle{}",
        ovs_duration(fr.duration_sec, fr.duration_nsec),
        fr.idle_timeout
    );
    if fr.hard_timeout != 0 {
        let _ = write!(s, " hard{}", fr.hard_timeout);
    }
    let _ = write!(s, " pkts{} bytes{}", fr.packet_count, fr.byte_count);
}

/// Body text of a flow or aggregate statistics request.
pub fn format_flow_stats_request(q: &FlowStatsRequest, s: &mut String) {
    if q.table_id != 0xff {
        let _ = write!(s, " table={}", q.table_id);
    }
    if q.out_port != ofpp::ANY {
        let _ = write!(s, " out_port={}", super::port_to_string(q.out_port));
    }
    let text = flow::format_match(&q.match_, None);
    if !text.is_empty() {
        s.push(' ');
        s.push_str(&text);
    }
}

/// Body text of a flow statistics reply (`nx`: NXST_FLOW, whose ages are
/// sent plus one).
pub fn format_flow_stats(
    v: Version,
    nx: bool,
    entries: &[FlowStats],
    s: &mut String,
) -> Result<(), OfpErr> {
    for fs in entries {
        let _ = write!(
            s,
            "\n cookie={:#x}, duration={}, table={}, n_packets={}, n_bytes={}, ",
            fs.cookie,
            ovs_duration(fs.duration_sec, fs.duration_nsec),
            fs.table_id,
            fs.packet_count,
            fs.byte_count
        );
        if fs.idle_timeout != 0 {
            let _ = write!(s, "idle_timeout={}, ", fs.idle_timeout);
        }
        if fs.hard_timeout != 0 {
            let _ = write!(s, "hard_timeout={}, ", fs.hard_timeout);
        }
        for (bit, name) in [
            (fmf::SEND_FLOW_REM, "send_flow_rem "),
            (fmf::CHECK_OVERLAP, "check_overlap "),
            (fmf::RESET_COUNTS, "reset_counts "),
            (fmf::NO_PKT_COUNTS, "no_packet_counts "),
            (fmf::NO_BYT_COUNTS, "no_byte_counts "),
        ] {
            if fs.flags & bit != 0 {
                s.push_str(name);
            }
        }
        if fs.importance != 0 {
            let _ = write!(s, "importance={}, ", fs.importance);
        }
        if (nx || v >= Version::Of15) && fs.idle_age > 0 {
            let _ = write!(s, "idle_age={}, ", fs.idle_age - 1);
        }
        if nx && fs.hard_age > 0 && u32::from(fs.hard_age - 1) != fs.duration_sec {
            let _ = write!(s, "hard_age={}, ", fs.hard_age - 1);
        }
        let m = format_match_with_priority(&fs.match_, fs.priority);
        if !m.is_empty() {
            s.push_str(&m);
            s.push(' ');
        }
        s.push_str("actions=");
        s.push_str(&format_actions(&fs.actions, v != Version::Of10 && !nx)?);
    }
    Ok(())
}

/// Body text of an aggregate statistics reply.
pub fn format_aggregate(a: &AggregateStats, s: &mut String) {
    let _ = write!(
        s,
        " packet_count={} byte_count={} flow_count={}",
        a.packet_count, a.byte_count, a.flow_count
    );
}

/// OVS's group id text (`ALL`, `ANY` or the number).
pub fn group_to_string(g: u32) -> String {
    match g {
        0xffff_fffc => "ALL".into(),
        0xffff_ffff => "ANY".into(),
        g => g.to_string(),
    }
}

fn group_type_name(t: u8) -> String {
    match t {
        0 => "all".into(),
        1 => "select".into(),
        2 => "indirect".into(),
        3 => "ff".into(),
        t => format!("{t}"),
    }
}

fn format_group(
    id: u32,
    ty: Option<u8>,
    buckets: &[Bucket],
    v15: bool,
    s: &mut String,
) -> Result<(), OfpErr> {
    let _ = write!(s, "group_id={id}");
    if let Some(ty) = ty {
        let _ = write!(s, ",type={}", group_type_name(ty));
    }
    let ty = ty.unwrap_or(0);
    for b in buckets {
        s.push_str(",bucket=");
        if v15 {
            let _ = write!(s, "bucket_id:{},", b.bucket_id);
        }
        if u32::from(b.weight) != u32::from(ty == 1) {
            let _ = write!(s, "weight:{},", b.weight);
        }
        if b.watch_port != ofpp::ANY {
            let _ = write!(s, "watch_port:{},", super::port_to_string(b.watch_port));
        }
        if b.watch_group != 0xffff_ffff {
            let _ = write!(s, "watch_group:{},", b.watch_group);
        }
        s.push_str("actions=");
        s.push_str(&format_actions(&b.actions, false)?);
    }
    Ok(())
}

/// Body text of a group_mod (`v15`: OpenFlow 1.5 / Nicira form, with
/// bucket ids).
pub fn format_group_mod(g: &GroupMod, v15: bool, s: &mut String) -> Result<(), OfpErr> {
    s.push_str("\n ");
    match g.command {
        0 => s.push_str("ADD"),
        1 => s.push_str("MOD"),
        2 => s.push_str("DEL"),
        3 => s.push_str("INSERT_BUCKET"),
        5 => s.push_str("REMOVE_BUCKET"),
        0x8000 => s.push_str("ADD_OR_MOD"),
        c => {
            let _ = write!(s, "cmd:{c}");
        }
    }
    s.push(' ');
    // Bucket insertions and removals name a bucket instead of a type.
    let bucket_cmd = g.command == 3 || g.command == 5;
    if bucket_cmd {
        let id = match g.command_bucket_id {
            0xffff_fffd => "first".to_string(),
            0xffff_fffe => "last".to_string(),
            0xffff_ffff => "all".to_string(),
            n => n.to_string(),
        };
        let _ = write!(s, "command_bucket_id:{id},");
    }
    let ty = (!bucket_cmd).then_some(g.group_type);
    format_group(g.group_id, ty, &g.buckets, v15, s)
}

/// Body text of a group description reply.
pub fn format_group_descs(descs: &[GroupDesc], v15: bool, s: &mut String) -> Result<(), OfpErr> {
    for d in descs {
        s.push_str("\n ");
        format_group(d.group_id, Some(d.group_type), &d.buckets, v15, s)?;
    }
    Ok(())
}

/// Body text of a group statistics reply (`with_duration`: OF1.3+).
pub fn format_group_stats(stats: &[GroupStats], with_duration: bool, s: &mut String) {
    for g in stats {
        let _ = write!(s, "\n group_id={}", g.group_id);
        if with_duration {
            let _ = write!(
                s,
                ",duration={}",
                ovs_duration(g.duration_sec, g.duration_nsec)
            );
        }
        let _ = write!(
            s,
            ",ref_count={},packet_count={},byte_count={}",
            g.ref_count, g.packet_count, g.byte_count
        );
        for (i, b) in g.buckets.iter().enumerate() {
            let _ = write!(
                s,
                ",bucket{i}:packet_count={},byte_count={}",
                b.packet_count, b.byte_count
            );
        }
    }
}

/// OVS's dissection of packet data in packet_in/packet_out text: the
/// flow extracted from the frame (no metadata; in OVS's packet-flow form,
/// see [`flow::format_packet_flow`]) followed by the layer-4 checksum when
/// the layer-4 header is present (`tcp_csum:`, `udp_csum:`, `sctp_csum:`,
/// `icmp_csum:`, `icmp6_csum:`, in lower-case hex).
pub fn packet_to_string(data: &[u8]) -> String {
    let mut f = flow::Flow::default();
    let layers = flow::extract_with_layers(data, &flow::Metadata::default(), 2, &mut f);
    let mut s = flow::format_packet_flow(&f, None);
    let Some(l4) = layers.l4.map(usize::from) else {
        return s;
    };
    let end = data.len().saturating_sub(usize::from(layers.l2_pad));
    let l4_data = data.get(l4..end).unwrap_or(&[]);
    let be16 = |o: usize| {
        l4_data
            .get(o..o + 2)
            .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let (name, min, value) = match f.get(flow::FieldId::NwProto) {
        6 => ("tcp_csum", 20, be16(16)),
        17 => ("udp_csum", 8, be16(6)),
        132 => (
            "sctp_csum",
            12,
            l4_data
                .get(8..12)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        ),
        1 => ("icmp_csum", 8, be16(2)),
        58 => ("icmp6_csum", 4, be16(2)),
        _ => return s,
    };
    if l4_data.len() >= min {
        if let Some(v) = value {
            let _ = write!(s, " {name}:{v:x}");
        }
    }
    s
}

fn packet_in_reason(r: u8) -> String {
    match r {
        0 => "no_match".into(),
        1 => "action".into(),
        2 => "invalid_ttl".into(),
        3 => "action_set".into(),
        4 => "group".into(),
        5 => "packet_out".into(),
        r => r.to_string(),
    }
}

/// Body text of a packet_in (`has_cookie`: the encoding carries a cookie,
/// i.e. NXM or OF1.3+).  Packet data is represented by
/// its dissection ([`packet_to_string`]) on a second line.
pub fn format_packet_in(pi: &PacketIn, has_cookie: bool, verbosity: i32, s: &mut String) {
    if pi.table_id != 0 {
        let _ = write!(s, " table_id={}", pi.table_id);
    }
    if has_cookie && pi.cookie != u64::MAX {
        let _ = write!(s, " cookie={:#x}", pi.cookie);
    }
    let _ = write!(s, " total_len={} ", pi.total_len);
    s.push_str(&flow::format_match(&pi.match_, None));
    let _ = write!(
        s,
        " (via {}) data_len={}",
        packet_in_reason(pi.reason),
        pi.data.len()
    );
    if pi.buffer_id == NO_BUFFER {
        s.push_str(" (unbuffered)");
        if usize::from(pi.total_len) != pi.data.len() {
            s.push_str(" (***total_len != data_len***)");
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", pi.buffer_id);
        if usize::from(pi.total_len) < pi.data.len() {
            s.push_str(" (***total_len < data_len***)");
        }
    }
    s.push('\n');
    push_packet(&pi.data, verbosity, s);
}

/// The dissection (verbosity 1+) and hex dump (verbosity 3+) of packet
/// data, each ending in a newline.
fn push_packet(data: &[u8], verbosity: i32, s: &mut String) {
    if verbosity > 0 {
        s.push_str(&packet_to_string(data));
        s.push('\n');
    }
    if verbosity > 2 {
        s.push_str(&super::hex_dump_plain(data));
    }
}

/// Body text of a packet_out.  Packet data is represented by
/// its dissection ([`packet_to_string`]) on a second line.
pub fn format_packet_out(po: &PacketOut, verbosity: i32, s: &mut String) -> Result<(), OfpErr> {
    s.push(' ');
    s.push_str(&flow::format_match(&po.match_, None));
    s.push_str(" actions=");
    s.push_str(&format_actions(&po.actions, false)?);
    if po.buffer_id == NO_BUFFER {
        let _ = write!(s, " data_len={}", po.data.len());
        if !po.data.is_empty() {
            s.push('\n');
            push_packet(&po.data, verbosity, s);
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", po.buffer_id);
    }
    Ok(())
}
