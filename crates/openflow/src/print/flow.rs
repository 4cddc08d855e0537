//! `ofp-print` text of the flow-carrying messages: flow_mod,
//! flow_removed, flow/aggregate statistics, group_mod and group
//! description/statistics, packet_in and packet_out.  OVS follows the
//! packet_in/packet_out line with a dissection of the packet data (the
//! flow extracted from it), which needs a packet parser: this crate prints
//! [`PACKET_PLACEHOLDER`] there instead.
//!
//! The match is printed by the `flow` crate's [`flow::format_match`]; the
//! surrounding layout (command, `table:`, `cookie:`, `idle:`, `hard:`,
//! `importance:`, `pri:`, `buf:`, `out_port:`, flag words, then
//! `actions=`) is Open vSwitch's.  Action lists are the `ofp-actions`
//! crate's business: [`format_actions`] prints only what needs no action
//! decoder (an empty list is `drop`; plain `output:N` lists), and otherwise
//! leaves the marked placeholder [`ACTIONS_PLACEHOLDER`] that the actions
//! crate will replace.

use crate::header::Version;
use crate::msgs::flow::{
    fmc, fmf, AggregateStats, FlowMod, FlowRemoved, FlowStats, FlowStatsRequest, PacketIn,
    PacketOut, RawActions, DEFAULT_PRIORITY, NO_BUFFER,
};
use crate::msgs::group::{Bucket, GroupDesc, GroupMod, GroupStats};
use crate::msgs::ofpp;
use std::fmt::Write as _;

/// Printed in place of action lists that need the `ofp-actions` crate.
pub const ACTIONS_PLACEHOLDER: &str = "***actions not decoded***";

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

/// Outputs of a plain action list: OpenFlow 1.0 `OFPAT_OUTPUT` (8 bytes,
/// 16-bit port) or OpenFlow 1.1+ (16 bytes, 32-bit port).
fn plain_outputs(v: Version, b: &[u8]) -> Option<Vec<u32>> {
    let (len, wide) = if v == Version::Of10 {
        (8, false)
    } else {
        (16, true)
    };
    if b.len() % len != 0 {
        return None;
    }
    b.chunks(len)
        .map(|a| {
            let ty = u16::from_be_bytes([*a.first()?, *a.get(1)?]);
            let alen = usize::from(u16::from_be_bytes([*a.get(2)?, *a.get(3)?]));
            if ty != 0 || alen != len {
                return None;
            }
            let port = if wide {
                u32::from_be_bytes([*a.get(4)?, *a.get(5)?, *a.get(6)?, *a.get(7)?])
            } else {
                crate::msgs::port_from_of10(u16::from_be_bytes([*a.get(4)?, *a.get(5)?]))
            };
            (port < ofpp::MAX).then_some(port)
        })
        .collect()
}

/// The text after `actions=` for an action list (`instructions` for
/// OpenFlow 1.1+ flow_mods).
pub fn format_actions(a: &RawActions, instructions: bool) -> String {
    if a.bytes.is_empty() {
        return "drop".into();
    }
    let v = a.version;
    let list = if instructions {
        // A single OFPIT_APPLY_ACTIONS instruction.
        let b = &a.bytes;
        let ty = b.get(..2).map(|x| u16::from_be_bytes([x[0], x[1]]));
        let len = b
            .get(2..4)
            .map(|x| usize::from(u16::from_be_bytes([x[0], x[1]])));
        match (ty, len) {
            (Some(4), Some(l)) if l == b.len() && l >= 8 => b.get(8..),
            _ => None,
        }
    } else {
        Some(&a.bytes[..])
    };
    match list.and_then(|l| plain_outputs(v, l)) {
        Some(ports) if !ports.is_empty() => ports
            .iter()
            .map(|p| format!("output:{p}"))
            .collect::<Vec<_>>()
            .join(","),
        _ => ACTIONS_PLACEHOLDER.into(),
    }
}

/// The body text of a flow_mod (after the header line), starting with a
/// space.
pub fn format_flow_mod(v: Version, nx: bool, fm: &FlowMod, s: &mut String) {
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
    s.push_str(&format_actions(&fm.actions, v != Version::Of10 && !nx));
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
pub fn format_flow_stats(v: Version, nx: bool, entries: &[FlowStats], s: &mut String) {
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
        s.push_str(&format_actions(&fs.actions, v != Version::Of10 && !nx));
    }
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

fn format_group(id: u32, ty: Option<u8>, buckets: &[Bucket], v15: bool, s: &mut String) {
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
        s.push_str(&format_actions(&b.actions, false));
    }
}

/// Body text of a group_mod (`v15`: OpenFlow 1.5 / Nicira form, with
/// bucket ids).
pub fn format_group_mod(g: &GroupMod, v15: bool, s: &mut String) {
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
    format_group(g.group_id, ty, &g.buckets, v15, s);
}

/// Body text of a group description reply.
pub fn format_group_descs(descs: &[GroupDesc], v15: bool, s: &mut String) {
    for d in descs {
        s.push_str("\n ");
        format_group(d.group_id, Some(d.group_type), &d.buckets, v15, s);
    }
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

/// Printed in place of the dissection of packet data (OVS prints the flow
/// extracted from the packet there), which needs a packet parser this
/// crate does not have; a higher layer can replace it.
pub const PACKET_PLACEHOLDER: &str = "***packet data not dissected***";

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
/// [`PACKET_PLACEHOLDER`] on a second line.
pub fn format_packet_in(pi: &PacketIn, has_cookie: bool, s: &mut String) {
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
    if !pi.data.is_empty() {
        s.push_str(PACKET_PLACEHOLDER);
    }
}

/// Body text of a packet_out.  Packet data is represented by
/// [`PACKET_PLACEHOLDER`] on a second line.
pub fn format_packet_out(po: &PacketOut, s: &mut String) {
    s.push(' ');
    s.push_str(&flow::format_match(&po.match_, None));
    s.push_str(" actions=");
    s.push_str(&format_actions(&po.actions, false));
    if po.buffer_id == NO_BUFFER {
        let _ = write!(s, " data_len={}", po.data.len());
        if !po.data.is_empty() {
            s.push('\n');
            s.push_str(PACKET_PLACEHOLDER);
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", po.buffer_id);
    }
}
