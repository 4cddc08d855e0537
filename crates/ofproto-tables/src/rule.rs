//! Flow table entries ("rules") and the hook through which the tables ask questions about an
//! opaque actions payload.
//!
//! A [`Rule`] is immutable in everything OpenFlow can change with a flow_mod: a modify makes
//! a *new* rule (with a new [`RuleId`]) that replaces the old one at the next classifier
//! version, exactly as Open vSwitch does. Only the statistics (packet and byte counters and
//! the last-used time) change in place, when the caller folds datapath statistics in.
//!
//! Times are milliseconds on a clock of the caller's choosing (Open vSwitch uses a monotonic
//! clock, warped by `time/warp` in tests); the tables never read a clock.

use classifier::MiniMatch;
use flow::{Match, PortMap};

/// Identifies one rule for its whole life. A flow_mod that modifies or replaces a rule
/// creates a new rule with a new id.
pub type RuleId = u64;

/// `OFPP_ANY`-free output port number, OpenFlow 1.1+ numbering.
pub type PortNo = u32;

/// What the tables need to know about an actions payload. Execution and encoding live
/// elsewhere; these hooks are all flow_mod filtering, group/meter bookkeeping and dump
/// formatting need.
pub trait RuleActions: Clone {
    /// Whether the actions output to `port` (the `out_port` filter of delete and stats
    /// requests; OpenFlow counts `output`, `enqueue` and the like, and Open vSwitch also
    /// `controller` for `OFPP_CONTROLLER`).
    fn outputs_to_port(&self, port: PortNo) -> bool;
    /// Whether the actions send to group `group_id` (the `out_group` filter, and the flows a
    /// group delete removes).
    fn outputs_to_group(&self, group_id: u32) -> bool;
    /// Whether the actions use meter `meter_id` (the flows a meter delete removes).
    fn uses_meter(&self, _meter_id: u32) -> bool {
        false
    }
    /// Every group the actions refer to (for group chaining checks in buckets).
    fn referenced_groups(&self) -> Vec<u32> {
        Vec::new()
    }
    /// Appends the actions as `ovs-ofctl dump-flows` prints them after `actions=`
    /// (`drop` for none).
    fn format_actions(&self, out: &mut String, ports: Option<&PortMap>);
}

/// Flow_mod flags Open vSwitch keeps with a rule (the `OFPFF_*` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FlowModFlags {
    /// Send a flow_removed message when the rule goes away.
    pub send_flow_rem: bool,
    /// Refuse an add that overlaps an existing rule of the same priority.
    pub check_overlap: bool,
    /// Reset the counters of a replaced/modified rule (OpenFlow 1.3+).
    pub reset_counts: bool,
    /// Do not keep packet counts (accepted and stored, counters kept anyway, as OVS).
    pub no_pkt_counts: bool,
    /// Do not keep byte counts (accepted and stored, counters kept anyway, as OVS).
    pub no_byt_counts: bool,
}

impl FlowModFlags {
    /// True if no flag is set.
    pub fn is_empty(&self) -> bool {
        *self == FlowModFlags::default()
    }

    /// Appends the flags as `ovs-ofctl` prints them in flow dumps: each set flag's name
    /// followed by a space, in a fixed order.
    pub fn format(&self, out: &mut String) {
        let names = [
            (self.send_flow_rem, "send_flow_rem"),
            (self.check_overlap, "check_overlap"),
            (self.reset_counts, "reset_counts"),
            (self.no_pkt_counts, "no_packet_counts"),
            (self.no_byt_counts, "no_byte_counts"),
        ];
        for (set, name) in names {
            if set {
                out.push_str(name);
                out.push(' ');
            }
        }
    }
}

/// One flow table entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule<A> {
    /// This rule's identity (new for every replacement).
    pub id: RuleId,
    /// The table holding it.
    pub table_id: u8,
    /// What it matches, in compact form sharing its classifier subtable's mask (see
    /// [`Rule::match_`] and [`Rule::mini_match`]).
    pub(crate) match_: MiniMatch,
    /// OpenFlow priority.
    pub priority: u16,
    /// Controller-chosen cookie.
    pub cookie: u64,
    /// Seconds of inactivity after which the rule expires (0: never).
    pub idle_timeout: u16,
    /// Seconds after the last add/modify at which the rule expires (0: never).
    pub hard_timeout: u16,
    /// Eviction importance (OpenFlow 1.4+; 0 for older versions).
    pub importance: u16,
    /// Flow_mod flags as given when the rule was added.
    pub flags: FlowModFlags,
    /// When the rule was added (kept across modifies; reset by an add that replaces it).
    pub created_ms: u64,
    /// When the rule was last added or modified (the hard timeout counts from here).
    pub modified_ms: u64,
    /// When a packet last hit it (initially the add time; survives replacement).
    pub used_ms: u64,
    /// Packets that hit it.
    pub n_packets: u64,
    /// Bytes that hit it.
    pub n_bytes: u64,
    /// The actions payload.
    pub actions: A,
}

impl<A> Rule<A> {
    /// What the rule matches (expanded from the compact form it is stored in).
    pub fn match_(&self) -> Match {
        self.match_.to_match()
    }

    /// What the rule matches, in the compact form it is stored in.
    pub fn mini_match(&self) -> &MiniMatch {
        &self.match_
    }

    /// When the rule will expire by its own timeouts, if it has any: the hard deadline
    /// counts from `modified_ms`, the idle one from `used_ms` (whichever comes first).
    /// The rule is removed once the clock is strictly past this time.
    pub fn expiration_ms(&self) -> Option<u64> {
        let hard = (self.hard_timeout > 0).then(|| {
            self.modified_ms
                .saturating_add(u64::from(self.hard_timeout) * 1000)
        });
        let idle = (self.idle_timeout > 0).then(|| {
            self.used_ms
                .saturating_add(u64::from(self.idle_timeout) * 1000)
        });
        match (hard, idle) {
            (Some(h), Some(i)) => Some(h.min(i)),
            (h, i) => h.or(i),
        }
    }

    /// Why the rule has expired at `now_ms`, if it has: the hard timeout is checked first,
    /// as Open vSwitch does.
    pub fn expired(&self, now_ms: u64) -> Option<RemovedReason> {
        if self.hard_timeout > 0
            && now_ms
                > self
                    .modified_ms
                    .saturating_add(u64::from(self.hard_timeout) * 1000)
        {
            return Some(RemovedReason::HardTimeout);
        }
        if self.idle_timeout > 0
            && now_ms
                > self
                    .used_ms
                    .saturating_add(u64::from(self.idle_timeout) * 1000)
        {
            return Some(RemovedReason::IdleTimeout);
        }
        None
    }

    /// The flow_removed event for this rule, removed at `now_ms` for `reason`.
    pub fn removed_event(&self, reason: RemovedReason, now_ms: u64) -> FlowRemoved {
        FlowRemoved {
            rule_id: self.id,
            table_id: self.table_id,
            match_: self.match_.to_match(),
            priority: self.priority,
            cookie: self.cookie,
            reason,
            duration_ms: now_ms.saturating_sub(self.created_ms),
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            packet_count: self.n_packets,
            byte_count: self.n_bytes,
        }
    }
}

/// Why a rule was removed (the reason of a flow_removed message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemovedReason {
    /// Idle timeout (`OFPRR_IDLE_TIMEOUT`).
    IdleTimeout,
    /// Hard timeout (`OFPRR_HARD_TIMEOUT`).
    HardTimeout,
    /// Deleted by a flow_mod (`OFPRR_DELETE`).
    Delete,
    /// Its group was deleted (`OFPRR_GROUP_DELETE`).
    GroupDelete,
    /// Its meter was deleted (`OFPRR_METER_DELETE`, OpenFlow 1.4+).
    MeterDelete,
    /// Evicted to make room (`OFPRR_EVICTION`, OpenFlow 1.4+).
    Eviction,
}

impl RemovedReason {
    /// The name `ovs-ofctl` prints (`reason=idle` ...).
    pub fn name(self) -> &'static str {
        match self {
            RemovedReason::IdleTimeout => "idle",
            RemovedReason::HardTimeout => "hard",
            RemovedReason::Delete => "delete",
            RemovedReason::GroupDelete => "group_delete",
            RemovedReason::MeterDelete => "meter_delete",
            RemovedReason::Eviction => "eviction",
        }
    }
}

/// A flow_removed event: a rule with `send_flow_rem` went away. The caller turns it into
/// an `OFPT_FLOW_REMOVED` for the connections that asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    /// The removed rule.
    pub rule_id: RuleId,
    /// Its table.
    pub table_id: u8,
    /// Its match.
    pub match_: Match,
    /// Its priority.
    pub priority: u16,
    /// Its cookie.
    pub cookie: u64,
    /// Why it was removed.
    pub reason: RemovedReason,
    /// How long it existed.
    pub duration_ms: u64,
    /// Its idle timeout.
    pub idle_timeout: u16,
    /// Its hard timeout.
    pub hard_timeout: u16,
    /// Its packet count.
    pub packet_count: u64,
    /// Its byte count.
    pub byte_count: u64,
}
