//! Group commands: `add-group`, `add-groups`, `mod-group`, `del-groups`, `dump-groups`,
//! `dump-group-stats` (`dump-group-features` is a plain request in [`crate::online`]).
//!
//! The group syntax is OVS's: the text up to the first `bucket=` holds `group_id=` (a number
//! or `all`), `type=` (`all`, `select`, `indirect`, `ff` or `fast_failover`) and, for
//! OpenFlow 1.5, `command_bucket_id=`; each `bucket=` starts a bucket whose `weight:`,
//! `watch_port:`, `watch_group:` and `bucket_id:` settings are taken out and everything else
//! (`actions=LIST`, or bare actions) is the bucket's action list, parsed by the `ofp-actions`
//! crate. Buckets without an id are numbered from 0 (the id is only sent in OpenFlow 1.5 and
//! the Nicira group messages OpenFlow 1.0 uses). As in OVS the switch's table and port names
//! are fetched before the text is parsed, so the transaction ids in the output match.

use crate::flows::open_for_flow_mod;
use crate::online::arg;
use crate::session::Session;
use crate::Fatal;
use flow::{KeyValues, PortMap};
use openflow::flow_text::parse_c_u64;
use openflow::msgs::flow::RawActions;
use openflow::msgs::group::{Bucket, GroupMod, OFPG_ALL, WATCH_NONE};
use openflow::protocol::ProtocolSet;
use openflow::{Message, OfpMsg, Version};

/// `OFPG_ANY`.
const OFPG_ANY: u32 = 0xffff_ffff;
/// Largest ordinary group id.
const OFPG_MAX: u32 = 0xffff_ff00;

/// A parsed group_mod whose actions are still text-free [`ofp_actions::Action`]s.
struct ParsedGroup {
    command: u16,
    group_type: u8,
    group_id: u32,
    command_bucket_id: u32,
    buckets: Vec<(Bucket, Vec<ofp_actions::Action>)>,
}

fn num32(s: &str) -> Result<u32, Fatal> {
    parse_c_u64(s)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| Fatal(format!("invalid numeric format {s}")))
}

/// Parses a group_mod for `command` (0 add, 1 modify, 2 delete; delete also serves for
/// statistics requests, where `group_id` defaults to all groups).
fn parse_group(text: &str, command: u16, ports: &PortMap) -> Result<ParsedGroup, Fatal> {
    let (head, buckets_text) = match text.find("bucket=") {
        Some(i) => (
            text.get(..i).unwrap_or_default(),
            text.get(i..).unwrap_or_default(),
        ),
        None => (text, ""),
    };
    let delete = command == 2;
    let mut g = ParsedGroup {
        command,
        group_type: 0,
        group_id: if delete { OFPG_ALL } else { OFPG_ANY },
        command_bucket_id: 0xffff_ffff,
        buckets: Vec::new(),
    };
    let mut had_id = delete;
    let mut had_type = false;
    for (name, value) in KeyValues::new(head) {
        match name {
            "group_id" => {
                g.group_id = if value == "all" {
                    OFPG_ALL
                } else {
                    let id = num32(value)?;
                    if id > OFPG_MAX {
                        return Err(Fatal(format!("invalid group id {id}")));
                    }
                    id
                };
                had_id = true;
            }
            "type" => {
                g.group_type = match value {
                    "all" => 0,
                    "select" => 1,
                    "indirect" => 2,
                    "ff" | "fast_failover" => 3,
                    _ => return Err(Fatal(format!("invalid group type {value}"))),
                };
                had_type = true;
            }
            "command_bucket_id" => {
                g.command_bucket_id = match value {
                    "first" => 0xffff_fffd,
                    "last" => 0xffff_fffe,
                    "all" => 0xffff_ffff,
                    _ => num32(value)?,
                };
            }
            _ => return Err(Fatal(format!("unknown keyword {name}"))),
        }
    }
    if !had_id {
        return Err(Fatal("must specify a group_id".into()));
    }
    if !delete && !had_type {
        return Err(Fatal("must specify a type".into()));
    }
    let mut rest = buckets_text;
    while let Some(b) = rest.strip_prefix("bucket=") {
        let end = b.find("bucket=").unwrap_or(b.len());
        let one = b.get(..end).unwrap_or_default();
        rest = b.get(end..).unwrap_or_default();
        let index = u32::try_from(g.buckets.len()).unwrap_or(0);
        g.buckets
            .push(parse_bucket(one, g.group_type, index, ports)?);
    }
    Ok(g)
}

/// Parses one bucket's text.
fn parse_bucket(
    text: &str,
    group_type: u8,
    index: u32,
    ports: &PortMap,
) -> Result<(Bucket, Vec<ofp_actions::Action>), Fatal> {
    let mut b = Bucket {
        bucket_id: index,
        weight: u16::from(group_type == 1),
        watch_port: WATCH_NONE,
        watch_group: WATCH_NONE,
        actions: RawActions {
            version: Version::Of10,
            bytes: Vec::new(),
        },
    };
    let mut actions = String::new();
    for (name, value) in KeyValues::new(text) {
        match name {
            "weight" => {
                b.weight = parse_c_u64(value)
                    .and_then(|v| u16::try_from(v).ok())
                    .ok_or_else(|| Fatal(format!("invalid numeric format {value}")))?;
            }
            "watch_port" => {
                b.watch_port = flow::value::parse_port(value, Some(ports))
                    .map(openflow::msgs::port_from_of10)
                    .ok_or_else(|| Fatal(format!("{value}: invalid watch_port")))?;
            }
            "watch_group" => b.watch_group = num32(value)?,
            "bucket_id" => b.bucket_id = num32(value)?,
            "action" | "actions" => {
                actions.push_str(value);
                actions.push(',');
            }
            _ => {
                actions.push_str(&format!("{name}({value}),"));
            }
        }
    }
    let acts = ofp_actions::parse_actions(&actions, Some(ports))?;
    Ok((b, acts))
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

/// The group_mod message for version `v`.
fn encode(g: &ParsedGroup, v: Version, xid: u32) -> Result<OfpMsg, Fatal> {
    let mut buckets = Vec::new();
    for (b, acts) in &g.buckets {
        let mut b = b.clone();
        b.actions = RawActions {
            version: v,
            bytes: ofp_actions::encode_actions(acts, actions_version(v))
                .map_err(|e| Fatal(e.to_string()))?,
        };
        buckets.push(b);
    }
    let gm = GroupMod {
        command: g.command,
        group_type: g.group_type,
        group_id: g.group_id,
        buckets,
        command_bucket_id: g.command_bucket_id,
        props: Vec::new(),
    };
    Ok(OfpMsg::new(v, xid, Message::GroupMod(gm)))
}

/// Sends group_mods parsed from `texts` (with their line numbers for files).
fn group_mods(
    s: &mut Session,
    target: &str,
    texts: &[(String, String)],
    command: u16,
) -> Result<(), Fatal> {
    s.tables(target)?;
    let ports = s.ports(target)?;
    let mut groups = Vec::new();
    for (prefix, t) in texts {
        match parse_group(t, command, &ports) {
            Ok(g) => groups.push(g),
            Err(Fatal(e)) => return Err(Fatal(format!("{prefix}{e}"))),
        }
    }
    let (mut vc, _) = open_for_flow_mod(s, target, ProtocolSet::ANY)?;
    let mut msgs = Vec::new();
    for g in &groups {
        let xid = s.xids.alloc();
        msgs.push(encode(g, vc.version, xid)?);
    }
    if s.cx.bundle {
        return s.bundle_transact(&mut vc, &msgs);
    }
    s.transact_noreply_all(&mut vc, &msgs)
}

fn one(a: &[String]) -> Vec<(String, String)> {
    vec![(String::new(), arg(a, 1).to_string())]
}

/// `add-group SWITCH GROUP`.
pub fn add_group(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    group_mods(s, arg(a, 0), &one(a), 0)
}

/// `mod-group SWITCH GROUP`.
pub fn mod_group(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    group_mods(s, arg(a, 0), &one(a), 1)
}

/// `del-groups SWITCH [GROUP]`.
pub fn del_groups(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    group_mods(s, arg(a, 0), &one(a), 2)
}

/// `add-groups SWITCH FILE`.
pub fn add_groups(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let file = arg(a, 1);
    s.tables(target)?;
    s.ports(target)?;
    let text = crate::offline::read_input(file)?;
    let lines: Vec<(String, String)> = crate::offline::preprocessed_lines(&text)
        .into_iter()
        .map(|(n, l)| (format!("{file}:{n}: "), l.to_string()))
        .collect();
    group_mods(s, target, &lines, 0)
}

/// `dump-groups SWITCH [GROUP]` (a bad group id means all groups, as in OVS; before
/// OpenFlow 1.5 the standard request cannot name a group).
pub fn dump_groups(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let mut vc = s.open(arg(a, 0))?;
    let group_id = match a.get(1).map(String::as_str) {
        Some(t) if t.eq_ignore_ascii_case("all") => OFPG_ALL,
        Some(t) if t.eq_ignore_ascii_case("any") => OFPG_ANY,
        Some(t) => match t.parse::<u32>() {
            Ok(g) if t.bytes().all(|c| c.is_ascii_digit()) => g,
            _ => {
                crate::vconn::log(
                    &mut s.logseq,
                    "ofp_group",
                    "WARN",
                    &format!(
                        "{t} is not a valid group ID.  (Valid group IDs are 32-bit nonnegative \
                         integers or the keywords ANY or ALL.)"
                    ),
                );
                OFPG_ALL
            }
        },
        None => OFPG_ALL,
    };
    let group_id = if vc.version == Version::Of10 || vc.version >= Version::Of15 {
        group_id
    } else {
        OFPG_ALL
    };
    let m = s.msg(vc.version, Message::GroupDescRequest { group_id });
    s.dump_transaction(&mut vc, &m)
}

/// `dump-group-stats SWITCH [GROUP]` (the group in `group_id=` syntax).
pub fn dump_group_stats(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    s.tables(target)?;
    let ports = s.ports(target)?;
    let g = parse_group(arg(a, 1), 2, &ports)?;
    let mut vc = s.open(target)?;
    let m = s.msg(
        vc.version,
        Message::GroupStatsRequest {
            group_id: g.group_id,
        },
    );
    s.dump_transaction(&mut vc, &m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(t: &str, c: u16) -> String {
        parse_group(t, c, &PortMap::new())
            .map(|_| ())
            .unwrap_err()
            .0
    }

    #[test]
    fn group_syntax() {
        let g = parse_group(
            "group_id=2,type=select,bucket=weight:5,actions=output:1,bucket=watch_port:2,output:2",
            0,
            &PortMap::new(),
        )
        .unwrap();
        assert_eq!((g.group_id, g.group_type, g.buckets.len()), (2, 1, 2));
        assert_eq!(g.buckets[0].0.weight, 5);
        assert_eq!(g.buckets[1].0.watch_port, 2);
        assert_eq!(g.buckets[1].0.bucket_id, 1);
        assert_eq!(err("type=all", 0), "must specify a group_id");
        assert_eq!(err("group_id=4", 0), "must specify a type");
        assert_eq!(err("group_id=4,type=bogus", 0), "invalid group type bogus");
        assert_eq!(err("group_id=x,type=all", 0), "invalid numeric format x");
        assert_eq!(err("1", 2), "unknown keyword 1");
        assert_eq!(
            parse_group("", 2, &PortMap::new()).unwrap().group_id,
            OFPG_ALL
        );
    }
}
