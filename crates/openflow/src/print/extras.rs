//! `ofp-print` text of table descriptions and table status, flow
//! monitoring, and `NXT_PACKET_IN2` / `NXT_RESUME`.
//!
//! Layouts follow Open vSwitch 3.1's output:
//!
//! * table desc: a `table N:` stanza per table with `eviction=`,
//!   `eviction_flags=` and `vacancy=` lines, stanzas separated by a blank
//!   line; table status prefixes it with `reason=` and `table_desc:-`;
//! * flow monitor requests and updates: one line per record, starting
//!   with a space (`id=.. flags=..`, `event=ADDED table=.. cookie=..`);
//! * packet_in2: the packet_in line, then ` userdata=` and
//!   ` continuation.*=` lines, then the packet's dissection.
//!
//! As in OVS, the last line of a message never ends in a space (OVS's
//! final output drops it), while inner lines may.

use super::flow::{format_actions, packet_to_string};
use crate::msgs::flow::RawActions;
use crate::msgs::monitor::{fmc, fmf, FlowMonitorRequest, FlowUpdate, Layout, UpdateEvent};
use crate::msgs::packet_in2::{ContinuationProp, PacketIn2};
use crate::msgs::port_name;
use crate::msgs::table_desc::{
    TableDesc, TableStatus, CONFIG_EVICTION, CONFIG_VACANCY_EVENTS, REASON_VACANCY_DOWN,
};
use crate::OfpErr;
use std::fmt::Write as _;

/// `%#x` as C prints it: `0` for zero, `0x..` otherwise.
fn c_hex(x: u64) -> String {
    if x == 0 {
        "0".into()
    } else {
        format!("{x:#x}")
    }
}

fn eviction_flags(f: Option<u32>) -> String {
    let Some(f) = f else {
        return "(default)".into();
    };
    if f == 0 {
        return "0".into();
    }
    let mut parts: Vec<String> = Vec::new();
    for (bit, name) in [(1u32, "OTHER"), (2, "IMPORTANCE"), (4, "LIFETIME")] {
        if f & bit != 0 {
            parts.push(name.into());
        }
    }
    let rest = f & !7;
    if rest != 0 {
        parts.push(format!("0x{rest:x}"));
    }
    parts.join("|")
}

fn format_desc(d: &TableDesc, s: &mut String) {
    let _ = write!(
        s,
        "\n  table {}:\n   eviction={} eviction_flags={}\n   vacancy=",
        d.table_id,
        if d.config & CONFIG_EVICTION != 0 {
            "on"
        } else {
            "off"
        },
        eviction_flags(d.eviction_flags()),
    );
    if d.config & CONFIG_VACANCY_EVENTS != 0 {
        let v = d.vacancy().unwrap_or_default();
        let _ = write!(
            s,
            "on vacancy_down={}% vacancy_up={}% vacancy={}%",
            v.down, v.up, v.vacancy
        );
    } else {
        s.push_str("off");
    }
}

/// Body of an `OFPST_TABLE_DESC` reply.
pub(super) fn format_table_descs(ds: &[TableDesc], s: &mut String) {
    for (i, d) in ds.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        format_desc(d, s);
    }
}

/// Body of an `OFPT_TABLE_STATUS`.
pub(super) fn format_table_status(t: &TableStatus, s: &mut String) {
    let reason = if t.reason == REASON_VACANCY_DOWN {
        "VACANCY_DOWN"
    } else {
        "VACANCY_UP"
    };
    let _ = write!(s, " reason={reason}\ntable_desc:-");
    format_desc(&t.desc, s);
}

fn monitor_flags(f: u16) -> String {
    let names = [
        (fmf::INITIAL, "initial"),
        (fmf::ADD, "add"),
        (fmf::DELETE, "delete"),
        (fmf::MODIFY, "modify"),
        (fmf::ACTIONS, "actions"),
        (fmf::OWN, "own"),
    ];
    names
        .iter()
        .filter(|(b, _)| f & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// Body of a flow monitor request.
pub(super) fn format_monitor_requests(reqs: &[FlowMonitorRequest], s: &mut String) {
    for q in reqs {
        let _ = write!(s, "\n id={}", q.id);
        if q.command == fmc::DELETE {
            s.push_str(" command=delete");
            continue;
        }
        let _ = write!(s, " flags={}", monitor_flags(q.flags));
        if q.out_port != crate::msgs::ofpp::ANY {
            let _ = write!(s, " out_port={}", port_name(q.out_port));
        }
        if q.out_group != 0xffff_ffff {
            let _ = write!(
                s,
                " out_group={}",
                super::flow::group_to_string(q.out_group)
            );
        }
        if q.table_id != 0xff {
            let _ = write!(s, " table={}", q.table_id);
        }
        s.push(' ');
        s.push_str(&flow::format_match(&q.match_, None));
    }
    trim_end_spaces(s);
}

fn removed_reason(r: u16) -> String {
    match r {
        0 => "idle".into(),
        1 => "hard".into(),
        2 => "delete".into(),
        3 => "group_delete".into(),
        4 => "meter_delete".into(),
        5 => "eviction".into(),
        r => r.to_string(),
    }
}

/// Body of a flow monitor reply.
pub(super) fn format_monitor_updates(
    layout: Layout,
    ups: &[FlowUpdate],
    s: &mut String,
) -> Result<(), OfpErr> {
    for u in ups {
        s.push_str("\n event=");
        match u {
            FlowUpdate::Abbrev { xid } => {
                let _ = write!(s, "ABBREV xid=0x{xid:x}");
            }
            FlowUpdate::Paused => s.push_str("PAUSED"),
            FlowUpdate::Resumed => s.push_str("RESUMED"),
            FlowUpdate::Full(f) => {
                s.push_str(match f.event {
                    UpdateEvent::Initial => "INITIAL",
                    UpdateEvent::Added => "ADDED",
                    UpdateEvent::Deleted => "DELETED",
                    UpdateEvent::Modified => "MODIFIED",
                });
                if f.event == UpdateEvent::Deleted {
                    let _ = write!(s, " reason={}", removed_reason(f.reason));
                }
                let _ = write!(s, " table={}", f.table_id);
                if f.idle_timeout != 0 {
                    let _ = write!(s, " idle_timeout={}", f.idle_timeout);
                }
                if f.hard_timeout != 0 {
                    let _ = write!(s, " hard_timeout={}", f.hard_timeout);
                }
                let _ = write!(s, " cookie={} ", c_hex(f.cookie));
                s.push_str(&flow::format_match(&f.match_, None));
                if !f.actions.bytes.is_empty() {
                    trim_end_spaces(s);
                    let acts = format_actions(&f.actions, layout != Layout::Nicira)?;
                    let _ = write!(s, " actions={acts}");
                }
            }
        }
    }
    trim_end_spaces(s);
    Ok(())
}

fn trim_end_spaces(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
    }
}

fn pin_reason(r: u8) -> String {
    match r {
        0 => "no_match".into(),
        1 => "action".into(),
        2 => "invalid_ttl".into(),
        3 => "action_set".into(),
        4 => "group".into(),
        5 => "packet_out".into(),
        6 | 7 => String::new(),
        r => r.to_string(),
    }
}

/// A bridge UUID as OVS prints it: the 16 bytes read as four host-order
/// (little-endian) 32-bit words.
fn uuid_text(u: &[u8; 16]) -> String {
    let w = |i: usize| u32::from_le_bytes([u[i * 4], u[i * 4 + 1], u[i * 4 + 2], u[i * 4 + 3]]);
    let (a, b, c, d) = (w(0), w(1), w(2), w(3));
    format!(
        "{a:08x}-{:04x}-{:04x}-{:04x}-{:04x}{d:08x}",
        b >> 16,
        b & 0xffff,
        c >> 16,
        c & 0xffff
    )
}

/// A field-stack value: hex without leading zeros, `0` if zero.
fn stack_value(v: &[u8]) -> String {
    let digits: String = v.iter().map(|b| format!("{b:02x}")).collect();
    let t = digits.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        format!("0x{t}")
    }
}

/// Body of an `NXT_PACKET_IN2` / `NXT_RESUME`.
pub(super) fn format_packet_in2(
    p: &PacketIn2,
    verbosity: i32,
    s: &mut String,
) -> Result<(), OfpErr> {
    if p.table_id() != 0 {
        let _ = write!(s, " table_id={}", p.table_id());
    }
    if p.cookie() != u64::MAX {
        let _ = write!(s, " cookie={:#x}", p.cookie());
    }
    let data = p.packet();
    let total = p.total_len();
    let _ = write!(
        s,
        " total_len={total} {} (via {}) data_len={}",
        flow::format_match(&p.metadata(), None),
        pin_reason(p.reason()),
        data.len()
    );
    if p.buffer_id() == u32::MAX {
        s.push_str(" (unbuffered)");
        if total != data.len() as u64 {
            s.push_str(" (***total_len != data_len***)");
        }
    } else {
        let _ = write!(s, " buffer=0x{:08x}", p.buffer_id());
    }
    s.push('\n');
    let ud = p.userdata();
    if !ud.is_empty() {
        let hex: Vec<String> = ud.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(s, " userdata={}", hex.join("."));
    }
    format_continuation(p.continuation(), s)?;
    if verbosity > 0 {
        s.push_str(&packet_to_string(data));
        s.push('\n');
    }
    if verbosity > 2 {
        s.push_str(&super::hex_dump_plain(data));
    }
    Ok(())
}

fn format_continuation(c: &[ContinuationProp], s: &mut String) -> Result<(), OfpErr> {
    let mut bridge = None;
    let mut stack = Vec::new();
    let mut mirrors = 0u32;
    let mut conntracked = false;
    let (mut table, mut cookie) = (0u8, 0u64);
    let mut actions: Vec<String> = Vec::new();
    let mut action_set: Option<&RawActions> = None;
    for p in c {
        match p {
            ContinuationProp::Bridge(u) => bridge = Some(*u),
            ContinuationProp::Stack(v) => stack.push(stack_value(v)),
            ContinuationProp::Mirrors(m) => mirrors = *m,
            ContinuationProp::Conntracked => conntracked = true,
            ContinuationProp::TableId(t) => table = *t,
            ContinuationProp::Cookie(k) => cookie = *k,
            ContinuationProp::Actions(a) => {
                actions.push(format!("unroll_xlate(table={table}, cookie={cookie})"));
                if !a.bytes.is_empty() {
                    actions.push(format_actions(a, false)?);
                }
            }
            ContinuationProp::ActionSet(a) => action_set = Some(a),
            ContinuationProp::Other(_) => {}
        }
    }
    if let Some(u) = bridge.filter(|u| u.iter().any(|&b| b != 0)) {
        let _ = writeln!(s, " continuation.bridge={}", uuid_text(&u));
    }
    if !stack.is_empty() {
        let _ = writeln!(s, " continuation.stack=(top) {} (bottom)", stack.join(" "));
    }
    if mirrors != 0 {
        let _ = writeln!(s, " continuation.mirrors=0x{mirrors:x}");
    }
    if conntracked {
        s.push_str(" continuation.conntracked=true\n");
    }
    if !actions.is_empty() {
        let _ = writeln!(s, " continuation.actions={}", actions.join(","));
    }
    if let Some(a) = action_set.filter(|a| !a.bytes.is_empty()) {
        let _ = writeln!(s, " continuation.action_set={}", format_actions(a, false)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_formats() {
        assert_eq!(c_hex(0), "0");
        assert_eq!(c_hex(255), "0xff");
        assert_eq!(eviction_flags(None), "(default)");
        assert_eq!(eviction_flags(Some(0xf1)), "OTHER|0xf0");
        assert_eq!(stack_value(&[0, 0x0a, 0x0b]), "0xa0b");
        assert_eq!(stack_value(&[]), "0");
        let u: [u8; 16] = [
            0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
            0xff,
        ];
        assert_eq!(uuid_text(&u), "44332211-8877-6655-bbaa-0099ffeeddcc");
    }
}
