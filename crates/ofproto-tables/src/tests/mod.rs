//! Unit tests. Expected behaviours and texts were observed on Debian's Open vSwitch 3.1
//! (`ovs-vswitchd --enable-dummy=override` with a dummy bridge, driven by `ovs-ofctl` and
//! `ovs-appctl time/warp`); each test says what it reproduces.

use flow::{parse_match, Match, PortMap};

use crate::*;

mod dumps;
mod flow_mods;
mod groups_meters;
mod prop;
mod timeouts;

/// A test action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Act {
    Output(u32),
    Group(u32),
    Meter(u32),
}

/// Test actions payload: a list of actions, printed as `ovs-ofctl` prints them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Acts(pub(crate) Vec<Act>);

impl RuleActions for Acts {
    fn outputs_to_port(&self, port: PortNo) -> bool {
        self.0.contains(&Act::Output(port))
    }
    fn outputs_to_group(&self, group_id: u32) -> bool {
        self.0.contains(&Act::Group(group_id))
    }
    fn uses_meter(&self, meter_id: u32) -> bool {
        self.0.contains(&Act::Meter(meter_id))
    }
    fn referenced_groups(&self) -> Vec<u32> {
        self.0
            .iter()
            .filter_map(|a| match a {
                Act::Group(g) => Some(*g),
                _ => None,
            })
            .collect()
    }
    fn format_actions(&self, out: &mut String, _ports: Option<&PortMap>) {
        if self.0.is_empty() {
            out.push_str("drop");
            return;
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|a| match a {
                Act::Output(p) => format!("output:{p}"),
                Act::Group(g) => format!("group:{g}"),
                Act::Meter(m) => format!("meter:{m}"),
            })
            .collect();
        out.push_str(&parts.join(","));
    }
}

pub(crate) fn m(s: &str) -> Match {
    match parse_match(s, None) {
        Ok(m) => m,
        Err(e) => panic!("bad test match {s:?}: {e}"),
    }
}

pub(crate) fn out(ports: &[u32]) -> Acts {
    Acts(ports.iter().map(|p| Act::Output(*p)).collect())
}

pub(crate) fn drop_() -> Acts {
    Acts::default()
}

/// An add of `match_` at `priority` to table `table` with `acts`.
pub(crate) fn add(table: u8, match_: &str, priority: u16, acts: Acts) -> FlowMod<Acts> {
    FlowMod::new(FlowModCommand::Add, table, m(match_), acts).with_priority(priority)
}

pub(crate) fn cmd(
    c: FlowModCommand,
    table: u8,
    match_: &str,
    priority: u16,
    acts: Acts,
) -> FlowMod<Acts> {
    FlowMod::new(c, table, m(match_), acts).with_priority(priority)
}

pub(crate) type T = OfprotoTables<Acts>;

/// The single rule of `t` matching exactly `match_`/`priority` in `table`.
pub(crate) fn get<'a>(t: &'a T, table: u8, match_: &str, priority: u16) -> &'a Rule<Acts> {
    match t.find_exact(table, &m(match_), priority) {
        Some(r) => r,
        None => panic!("no rule {match_} priority {priority} in table {table}"),
    }
}

pub(crate) fn line(
    t: &T,
    table: u8,
    match_: &str,
    priority: u16,
    now: u64,
    style: FlowStatsStyle,
) -> String {
    format_flow(get(t, table, match_, priority), now, style, None)
}
