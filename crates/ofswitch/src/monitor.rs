//! Flow monitors (`NXST_FLOW_MONITOR`, `ONFST_FLOW_MONITOR`, OpenFlow 1.4's
//! `OFPMP_FLOW_MONITOR`; `ovs-ofctl monitor ... watch:`): a connection asks to hear about
//! the flows that match a filter, gets the current ones (with the `initial` flag), and
//! then one update per flow added, deleted or modified, as unsolicited multipart replies.
//!
//! Changes are found from the rule ids a change added and removed, with copies of the
//! rules it could remove taken before (only while some connection has a monitor): a rule
//! that went away and came back with the same table, match and priority was modified,
//! other new rules were added and other vanished rules deleted (with the reason: timeouts
//! are recognised from the old rule's timers, anything else is a delete). Rules evicted
//! to make room for an add are not reported. Changes a
//! connection makes itself are reported to its own monitors only with the `own` flag, as
//! full updates (Open vSwitch would send one abbreviated update instead).

use std::collections::HashMap;

use ofproto::OfActions;
use ofproto_tables::{
    FlowFilter, FlowModCommand, Rule, RuleActions, RuleId, GROUP_ALL, METER_ALL, TABLE_ALL,
};

use crate::mods::ModItem;
use openflow::msgs::flow::RawActions;
use openflow::msgs::monitor::{fmf, FlowMonitorRequest, FlowUpdate, FlowUpdateFull, UpdateEvent};
use openflow::msgs::ofpp;
use openflow::{Message, OfpErr, OfpMsg, RawId, Version};

use crate::handle::actions_version;
use crate::{ConnId, Outgoing, Switch};

/// One monitor of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Monitor {
    flags: u16,
    out_port: Option<u32>,
    table_id: u8,
    match_: flow::Match,
}

/// The rules before a change, for [`Switch::monitor_changes`].
pub(crate) type Before = Option<HashMap<RuleId, Rule<OfActions>>>;

impl Monitor {
    fn selects(&self, r: &Rule<OfActions>) -> bool {
        if self.table_id == TABLE_ALL {
            // "All tables" leaves out the hidden internal table.
            if r.table_id == ofproto_tables::TABLE_INTERNAL {
                return false;
            }
        } else if r.table_id != self.table_id {
            return false;
        }
        if let Some(p) = self.out_port {
            if !r.actions.outputs_to_port(p) {
                return false;
            }
        }
        let filter = FlowFilter {
            table_id: r.table_id,
            match_: self.match_,
            ..FlowFilter::all()
        };
        // The rule must be at least as specific as the monitor's match.
        filter_covers(&filter.match_, &r.match_())
    }
}

/// Whether every packet `inner` matches also matches `outer` (outer is looser).
fn filter_covers(outer: &flow::Match, inner: &flow::Match) -> bool {
    let ow = outer.wildcards();
    let iw = inner.wildcards();
    // The inner mask must include the outer one, and agree with it under the outer mask.
    let om = ow.or(iw) == *iw;
    om && outer.flow().masked(ow) == inner.flow().masked(ow)
}

impl Switch {
    fn has_monitors(&self) -> bool {
        self.conns.values().any(|c| !c.monitors.is_empty())
    }

    /// Copies of the rules `items` may remove or replace (flow_mods: the rules they select,
    /// or the identical rule an add replaces; group and meter deletions: the rules using
    /// them), if some connection monitors flows.
    pub(crate) fn monitor_before(&self, items: &[&ModItem]) -> Before {
        if !self.has_monitors() {
            return None;
        }
        let mut before = HashMap::new();
        let mut keep = |r: &Rule<OfActions>| {
            before.entry(r.id).or_insert_with(|| r.clone());
        };
        for item in items {
            match item {
                ModItem::Flow { fm, .. } => {
                    if fm.command == FlowModCommand::Add {
                        let table = if fm.table_id == TABLE_ALL {
                            0
                        } else {
                            fm.table_id
                        };
                        if let Some(r) = self.snap.tables.find_exact(table, &fm.match_, fm.priority)
                        {
                            keep(r);
                        }
                    } else if let Ok(rules) =
                        self.snap.tables.dump_flows(&FlowFilter::from_flow_mod(fm))
                    {
                        for r in rules {
                            keep(r);
                        }
                    }
                }
                ModItem::Group(gm) => {
                    for t in 0..=u8::MAX {
                        for r in self.snap.tables.rules_in_table(t) {
                            if r.actions.outputs_to_group(gm.group_id) || gm.group_id == GROUP_ALL {
                                keep(r);
                            }
                        }
                    }
                }
                ModItem::Meter(mm) => {
                    for t in 0..=u8::MAX {
                        for r in self.snap.tables.rules_in_table(t) {
                            if r.actions.uses_meter(mm.meter_id) || mm.meter_id == METER_ALL {
                                keep(r);
                            }
                        }
                    }
                }
                ModItem::PacketOut(..) => {}
            }
        }
        Some(before)
    }

    /// Copies of the rules whose timeouts have passed at `now`, if some connection
    /// monitors flows (what `run_timers` may remove).
    pub(crate) fn monitor_before_expiry(&self, now: u64) -> Before {
        if !self.has_monitors() {
            return None;
        }
        let mut before = HashMap::new();
        for t in 0..=u8::MAX {
            for r in self.snap.tables.rules_in_table(t) {
                if r.expired(now).is_some() {
                    before.insert(r.id, r.clone());
                }
            }
        }
        Some(before)
    }

    /// Sends the updates for a change that added the rules `added` and removed the rules
    /// `removed` (whose old contents are in `before`), made by `origin` if a connection's
    /// request did it. A removed rule replaced by an added one with the same table, match
    /// and priority was modified.
    pub(crate) fn monitor_changes(
        &self,
        before: Before,
        added: &[RuleId],
        removed: &[RuleId],
        origin: Option<ConnId>,
        now: u64,
        out: &mut Vec<Outgoing>,
    ) {
        let Some(before) = before else {
            return;
        };
        let key = |r: &Rule<OfActions>| (r.table_id, r.mini_match().clone(), r.priority);
        let mut events: Vec<(UpdateEvent, u16, &Rule<OfActions>)> = Vec::new();
        let mut replaced = std::collections::HashSet::new();
        for id in added {
            let Some(r) = self.snap.tables.rule(*id) else {
                continue;
            };
            let old = removed
                .iter()
                .filter_map(|o| before.get(o))
                .find(|o| !replaced.contains(&o.id) && key(o) == key(r));
            match old {
                Some(o) => {
                    replaced.insert(o.id);
                    events.push((UpdateEvent::Modified, 0, r));
                }
                None => events.push((UpdateEvent::Added, 0, r)),
            }
        }
        for id in removed {
            let Some(o) = before.get(id) else {
                continue;
            };
            if replaced.contains(id) || self.snap.tables.rule(*id).is_some() {
                continue;
            }
            let reason = match o.expired(now) {
                Some(ofproto_tables::RemovedReason::IdleTimeout) => 0,
                Some(ofproto_tables::RemovedReason::HardTimeout) => 1,
                _ => 2,
            };
            events.push((UpdateEvent::Deleted, reason, o));
        }
        if events.is_empty() {
            return;
        }
        for (id, c) in &self.conns {
            let Some(v) = c.version else {
                continue;
            };
            if c.monitors.is_empty() {
                continue;
            }
            let own = origin == Some(*id);
            let mut updates = Vec::new();
            for (event, reason, r) in &events {
                let bit = match event {
                    UpdateEvent::Added | UpdateEvent::Initial => fmf::ADD,
                    UpdateEvent::Deleted => fmf::DELETE,
                    UpdateEvent::Modified => fmf::MODIFY,
                };
                let wanted = c.monitors.values().find(|m| {
                    m.flags & bit != 0 && (!own || m.flags & fmf::OWN != 0) && m.selects(r)
                });
                if let Some(m) = wanted {
                    updates.push(full_update(
                        v,
                        *event,
                        *reason,
                        r,
                        m.flags & fmf::ACTIONS != 0,
                    ));
                }
            }
            if updates.is_empty() {
                continue;
            }
            let msg = OfpMsg {
                version: v,
                xid: 0,
                raw: c.monitor_reply_raw,
                stats_flags: 0,
                body: Message::FlowMonitorReply(updates),
            };
            if let Ok(b) = msg.encode() {
                out.push(Outgoing::Send(*id, b));
            }
        }
    }

    /// A flow monitor request: adds (or, in OpenFlow 1.4, modifies or deletes) monitors
    /// and replies with the initial flows.
    pub(crate) fn flow_monitor_request(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        reqs: &[FlowMonitorRequest],
        reply_raw: Option<RawId>,
    ) -> Result<Vec<FlowUpdate>, OfpErr> {
        let c = self.conns.get(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
        let mut monitors = c.monitors.clone();
        let mut initial = Vec::new();
        for q in reqs {
            let out_port = crate::port32(q.out_port)?;
            let mon = Monitor {
                flags: q.flags,
                out_port: (out_port != ofpp::ANY).then_some(out_port),
                table_id: q.table_id,
                match_: q.match_,
            };
            if q.table_id != TABLE_ALL && usize::from(q.table_id) >= ofproto_tables::N_TABLES {
                return Err(OfpErr::OFPMOFC_BAD_TABLE_ID);
            }
            match q.command {
                // Delete (OpenFlow 1.4).
                2 => {
                    monitors
                        .remove(&q.id)
                        .ok_or(OfpErr::OFPMOFC_UNKNOWN_MONITOR)?;
                    continue;
                }
                // Modify (OpenFlow 1.4).
                1 => {
                    if !monitors.contains_key(&q.id) {
                        return Err(OfpErr::OFPMOFC_UNKNOWN_MONITOR);
                    }
                }
                _ => {
                    if monitors.contains_key(&q.id) {
                        return Err(OfpErr::OFPMOFC_MONITOR_EXISTS);
                    }
                }
            }
            if q.flags & fmf::INITIAL != 0 {
                for t in 0..=u8::MAX {
                    for r in self.snap.tables.rules_in_table(t) {
                        if mon.selects(r) && !initial.iter().any(|(id, _)| *id == r.id) {
                            initial.push((r.id, mon.flags & fmf::ACTIONS != 0));
                        }
                    }
                }
            }
            monitors.insert(q.id, mon);
        }
        let v = m.version;
        let mut updates = Vec::new();
        for (id, with_actions) in initial {
            if let Some(r) = self.snap.tables.rule(id) {
                updates.push(full_update(v, UpdateEvent::Initial, 0, r, with_actions));
            }
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.monitors = monitors;
            c.monitor_reply_raw = reply_raw;
        }
        Ok(updates)
    }

    /// `NXT_FLOW_MONITOR_CANCEL` / `ONFT_FLOW_MONITOR_CANCEL`.
    pub(crate) fn flow_monitor_cancel(&mut self, conn: ConnId, id: u32) -> Result<(), OfpErr> {
        let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
        c.monitors
            .remove(&id)
            .map(|_| ())
            .ok_or(OfpErr::OFPMOFC_UNKNOWN_MONITOR)
    }
}

fn full_update(
    v: Version,
    event: UpdateEvent,
    reason: u16,
    r: &Rule<OfActions>,
    with_actions: bool,
) -> FlowUpdate {
    let av = actions_version(v);
    let bytes = if with_actions {
        ofp_actions::encode_instructions(&r.actions.0, av).unwrap_or_default()
    } else {
        Vec::new()
    };
    FlowUpdate::Full(FlowUpdateFull {
        event,
        reason,
        priority: r.priority,
        idle_timeout: r.idle_timeout,
        hard_timeout: r.hard_timeout,
        table_id: r.table_id,
        cookie: r.cookie,
        match_: r.match_(),
        actions: RawActions { version: v, bytes },
    })
}
