//! The pipeline walk: table lookups, actions, the commit of header changes to datapath
//! actions, and the `ofproto/trace` text.
//!
//! Translation keeps two flows: `flow`, the packet as OpenFlow actions have changed it so
//! far, and `base`, the packet as the datapath actions emitted so far leave it. Actions that
//! rewrite headers change only `flow` (and unwildcard the bits they wrote); an output first
//! *commits*: it compares the two and emits `pop_vlan`/`push_vlan` and `set(eth(..))`,
//! `set(ipv4(..))`, `set(ipv6(..))`, `set(tcp(..))`/`set(udp(..))` for the fields that
//! differ (masked by the megaflow mask of the field, as Open vSwitch's masked sets), then
//! the output itself.
//!
//! `resubmit` and `goto_table` look up another table with the current flow; nesting is
//! limited to [`MAX_RESUBMIT_DEPTH`] lookups deep, beyond which translation fails and the
//! packet is dropped (`Translation failed (Recursion too deep)`).
//!
//! Trace lines reproduce Open vSwitch 3.1's layout: a table line (` 0. <match>, priority N`)
//! followed by the rule's actions four columns further in; a resubmit that is not the
//! rule's last action nests its table eight columns further in.

use dpif::{AttrKind, KeyAttr, OdpAction, UserspaceAction, UserspaceCookie};
use flow::{FieldId, Flow, FlowWildcards, Match};
use ofp_actions::action::{
    Action, PacketInReason, OFPP_ALL, OFPP_CONTROLLER, OFPP_FLOOD, OFPP_IN_PORT, OFPP_LOCAL,
    OFPP_NORMAL, OFPP_TABLE,
};
use ofproto_tables::{GroupType, RuleId, TableMiss, TABLE_INTERNAL};

use crate::snapshot::Snapshot;

pub mod bonding;
pub mod mirror;
mod mpls;

/// How many resubmits/goto_tables deep translation may go (Open vSwitch's limit).
pub const MAX_RESUBMIT_DEPTH: u32 = 64;

const ETH_TYPE_IP: u128 = 0x0800;
const ETH_TYPE_ARP: u128 = 0x0806;
const ETH_TYPE_RARP: u128 = 0x8035;
const ETH_TYPE_IPV6: u128 = 0x86dd;
const VLAN_CFI: u16 = 0x1000;

/// Why translation stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XlateError {
    /// Too many nested resubmits.
    RecursionTooDeep,
}

impl XlateError {
    /// The name Open vSwitch prints in `Translation failed (...)`.
    pub fn name(self) -> &'static str {
        match self {
            XlateError::RecursionTooDeep => "Recursion too deep",
        }
    }
}

/// Effects of translation that the caller applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SideEffect {
    /// A rule matched: credit its statistics.
    RuleHit {
        /// Table of the rule.
        table_id: u8,
        /// The rule.
        rule_id: RuleId,
    },
    /// A table was looked up and nothing matched: credit its lookup counter.
    TableMiss {
        /// The table.
        table_id: u8,
    },
    /// A group bucket was used: credit its statistics.
    GroupHit {
        /// The group.
        group_id: u32,
        /// Index of the bucket.
        bucket: usize,
    },
    /// NORMAL saw the source address on this port and VLAN: learn it.
    MacLearn {
        /// The source MAC.
        mac: u64,
        /// The packet's VLAN inside the switch.
        vlan: u16,
        /// OpenFlow input port.
        port: u16,
    },
    /// A packet-in is due (the datapath action carries it to userspace).
    PacketIn {
        /// Why.
        reason: PacketInReason,
        /// Bytes of packet to send.
        max_len: u16,
        /// Controller connection id.
        controller_id: u16,
        /// Table of the rule that sent it.
        table_id: u8,
        /// Cookie of that rule.
        cookie: u64,
    },
}

/// Result of [`xlate()`](fn@xlate).
#[derive(Debug, Clone)]
pub struct XlateOutput {
    /// Datapath actions (empty: drop).
    pub actions: Vec<OdpAction>,
    /// Megaflow mask.
    pub wc: FlowWildcards,
    /// The flow after all actions.
    pub final_flow: Flow,
    /// Effects to apply.
    pub side_effects: Vec<SideEffect>,
    /// Trace lines of the `bridge(...)` section (empty unless tracing).
    pub trace: Vec<String>,
    /// Set when translation failed (the actions are then empty: drop).
    pub error: Option<XlateError>,
    /// The next free recirculation id after this translation's allocations.
    pub next_recirc_id: u32,
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    flow: Flow,
    base: Flow,
    wc: FlowWildcards,
    odp: Vec<OdpAction>,
    effects: Vec<SideEffect>,
    trace: Option<Vec<String>>,
    depth: u32,
    error: Option<XlateError>,
    stop: bool,
    next_recirc: u32,
    table_id: u8,
    cookie: u64,
    /// How many of the current outer VLAN tags actions pushed (their bits are not the
    /// packet's, so reading or writing them does not unwildcard anything).
    vlan_pushed: u8,
    /// The flow as it entered.
    orig: Flow,
    /// The OpenFlow 1.1+ action set (`write_actions`), in execution order.
    action_set: Vec<Action>,
    /// Where the trace of the top rule's final resubmit/goto_table starts.
    top_jump: Option<usize>,
    now_ms: u64,
    /// Set when a pop left headers the flow does not describe (`pop_mpls` of the bottom
    /// label, `pop_pbb`): the next action that needs them freezes and recirculates.
    reextract: bool,
    /// The actions after a select group being run (frozen with its bucket choice).
    group_rest: Option<Vec<Action>>,
}

/// Knobs of one translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlateOptions {
    /// Record the `ofproto/trace` explanation.
    pub tracing: bool,
    /// The first recirculation id translation may allocate (for packet-ins and select
    /// groups); the daemon owns the allocator and passes its next free id.
    pub next_recirc_id: u32,
    /// Current time in milliseconds (MAC entry ages for NORMAL).
    pub now_ms: u64,
}

impl Default for XlateOptions {
    fn default() -> Self {
        XlateOptions {
            tracing: false,
            next_recirc_id: 1,
            now_ms: 0,
        }
    }
}

/// Translates `flow` through `snap`'s OpenFlow pipeline from table 0.
pub fn xlate(snap: &Snapshot, flow: &Flow, tracing: bool) -> XlateOutput {
    xlate_with(
        snap,
        flow,
        XlateOptions {
            tracing,
            ..XlateOptions::default()
        },
    )
}

/// [`xlate()`](fn@xlate) with explicit options.
pub fn xlate_with(snap: &Snapshot, flow: &Flow, opts: XlateOptions) -> XlateOutput {
    run(snap, flow, opts, None)
}

/// Translates an explicit action list (an OpenFlow `packet_out`'s) for a packet with flow
/// `flow`, as if a rule in table 0 held them: `resubmit`, `NORMAL`, outputs, rewrites
/// and the action set behave as in [`xlate_with`].
pub fn xlate_actions(
    snap: &Snapshot,
    flow: &Flow,
    actions: &[ofp_actions::Action],
    opts: XlateOptions,
) -> XlateOutput {
    run(snap, flow, opts, Some(actions))
}

fn run(
    snap: &Snapshot,
    flow: &Flow,
    opts: XlateOptions,
    start: Option<&[ofp_actions::Action]>,
) -> XlateOutput {
    let tracing = opts.tracing;
    let mut wc = FlowWildcards::catchall();
    for f in [FieldId::RecircId, FieldId::InPort, FieldId::EthType] {
        wc.set(f, u128::MAX);
    }
    if flow.get(FieldId::EthType) == ETH_TYPE_IP || flow.get(FieldId::EthType) == ETH_TYPE_IPV6 {
        wc.set(FieldId::NwFrag, u128::MAX);
    }
    let mut cx = Ctx {
        snap,
        flow: *flow,
        base: *flow,
        wc,
        odp: Vec::new(),
        effects: Vec::new(),
        trace: tracing.then(Vec::new),
        depth: 0,
        error: None,
        stop: false,
        next_recirc: opts.next_recirc_id,
        vlan_pushed: 0,
        orig: *flow,
        action_set: Vec::new(),
        top_jump: None,
        now_ms: opts.now_ms,
        table_id: 0,
        cookie: 0,
        reextract: false,
        group_rest: None,
    };
    let recirc_id = flow.get(FieldId::RecircId) as u32;
    match start {
        None if recirc_id != 0 => match snap.recirc.get(recirc_id) {
            Some(st) => cx.resume(&st),
            None => cx.line(
                0,
                format!("No frozen state for recirc_id {recirc_id:#x}: drop"),
            ),
        },
        None if snap.fail_open => {
            cx.line(
                0,
                "Fail-open: no controller reachable; acting as a learning switch",
            );
            cx.normal(4);
        }
        None => cx.table(0, 0, 4),
        Some(acts) => {
            cx.actions(acts, 4, 0);
        }
    }
    // The OpenFlow 1.1+ action set runs when the pipeline ends.
    if !cx.stop && !cx.action_set.is_empty() {
        if let Some(start) = cx.top_jump.take() {
            cx.nest_from(start);
        }
        cx.line(0, "--. Executing action set:");
        let set = std::mem::take(&mut cx.action_set);
        cx.actions(&set, 4, 0);
    }
    let mut actions = if cx.error.is_some() {
        Vec::new()
    } else {
        cx.odp
    };
    if snap.netflow && flow.get(FieldId::EthType) == ETH_TYPE_IP {
        for f in [FieldId::IpSrc, FieldId::IpDst, FieldId::NwProto] {
            cx.wc.set(f, u128::MAX);
        }
        cx.wc.set(FieldId::NwTos, 0xfc);
        if matches!(flow.get(FieldId::NwProto), 1 | 6 | 17 | 132) {
            cx.wc.set(FieldId::TpSrc, u128::MAX);
            cx.wc.set(FieldId::TpDst, u128::MAX);
        }
    }
    if recirc_id == 0 && cx.error.is_none() {
        let copies = mirror::mirror_actions(snap, flow, &actions, &mut cx.wc);
        actions.splice(0..0, copies);
    }
    if let (Some(sflow), None, 0) = (&snap.sflow, start, recirc_id) {
        // The sample's cookie says where the packet went; the VLAN it came in on must be
        // part of the megaflow.
        cx.wc.set(FieldId::VlanTci, u128::MAX);
        actions.insert(0, sflow_sample(sflow, flow, &actions));
    }
    XlateOutput {
        actions,
        wc: cx.wc,
        final_flow: cx.flow,
        side_effects: cx.effects,
        trace: cx.trace.unwrap_or_default(),
        error: cx.error,
        next_recirc_id: cx.next_recirc,
    }
}

/// The `sample(sample=P%,actions(userspace(pid=0,sFlow(vid=..,pcp=..,output=..),actions)))`
/// action sFlow puts before a packet's actions. Its output field follows the sFlow v5
/// encoding: one interface by ifIndex, `0x80000000 | n` for n outputs (or one without an
/// ifIndex), `0x40000000 | 256` for a packet dropped.
fn sflow_sample(
    sflow: &crate::snapshot::SflowSampling,
    input: &Flow,
    acts: &[OdpAction],
) -> OdpAction {
    fn outputs(acts: &[OdpAction], out: &mut Vec<u32>) {
        for a in acts {
            match a {
                OdpAction::Output(p) => out.push(*p),
                OdpAction::Clone(inner) => outputs(inner, out),
                _ => {}
            }
        }
    }
    let mut outs = Vec::new();
    outputs(acts, &mut outs);
    let output = match outs.as_slice() {
        [] => 0x4000_0000 | 256,
        [one] => sflow.ifindex.get(one).copied().unwrap_or(0x8000_0001),
        many => 0x8000_0000 | many.len() as u32,
    };
    let tci = input.get(FieldId::VlanTci) as u16;
    OdpAction::Sample {
        probability: sflow.probability,
        actions: vec![OdpAction::Userspace(UserspaceAction {
            pid: 0,
            cookie: Some(dpif::UserspaceCookie::SFlow {
                vid: tci & 0x0fff,
                pcp: (tci >> 13) as u8,
                output,
            }),
            include_actions: true,
            tunnel_out_port: None,
        })],
    }
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

impl Ctx<'_> {
    fn line(&mut self, indent: usize, text: impl AsRef<str>) {
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("{}{}", pad(indent), text.as_ref()));
        }
    }

    /// Looks up `table_id` and runs the matching rule's actions. `t_ind` and `a_ind` are
    /// the trace indentation of the table line and of the actions.
    fn table(&mut self, table_id: u8, t_ind: usize, a_ind: usize) {
        let snap = self.snap;
        let rule = snap.tables.lookup(table_id, &self.flow, &mut self.wc);
        let Some(rule) = rule else {
            self.effects.push(SideEffect::TableMiss { table_id });
            self.line(t_ind, format!("{table_id:2}. No match."));
            // Open vSwitch drops on a miss unless the table was configured otherwise
            // (OpenFlow 1.1/1.2 table_mod); its default ignores the version's rule.
            let miss = snap
                .tables
                .table_config(table_id)
                .map_or(TableMiss::Default, |c| c.miss);
            match miss {
                TableMiss::Continue if table_id < TABLE_INTERNAL - 1 => {
                    self.table(table_id + 1, t_ind, a_ind);
                }
                TableMiss::Controller => {
                    self.packet_in(PacketInReason::NoMatch, u16::MAX, 0);
                }
                _ => self.line(a_ind, "drop"),
            }
            return;
        };
        if self.trace.is_some() {
            let m = flow::format_match(&rule.match_(), None);
            let mut s = format!("{table_id:2}. ");
            if !m.is_empty() {
                s.push_str(&m);
                s.push_str(", ");
            }
            s.push_str(&format!("priority {}", rule.priority));
            if rule.cookie != 0 {
                s.push_str(&format!(", cookie {:#x}", rule.cookie));
            }
            self.line(t_ind, s);
        }
        self.effects.push(SideEffect::RuleHit {
            table_id,
            rule_id: rule.id,
        });
        let (saved_table, saved_cookie) = (self.table_id, self.cookie);
        self.table_id = table_id;
        self.cookie = rule.cookie;
        if rule.actions.0.is_empty() {
            self.line(a_ind, "drop");
        }
        self.actions(&rule.actions.0, a_ind, t_ind);
        self.table_id = saved_table;
        self.cookie = saved_cookie;
    }

    fn resubmit(&mut self, table_id: u8, in_port: Option<u16>, t_ind: usize, a_ind: usize) {
        if self.depth >= MAX_RESUBMIT_DEPTH {
            self.line(
                a_ind + 1,
                format!(">>>> over max translation depth {MAX_RESUBMIT_DEPTH} <<<<"),
            );
            self.error = Some(XlateError::RecursionTooDeep);
            self.stop = true;
            return;
        }
        let old_in = self.flow.get(FieldId::InPort);
        if let Some(p) = in_port {
            self.flow.set(FieldId::InPort, u128::from(p));
        }
        self.depth += 1;
        self.table(table_id, t_ind, a_ind);
        self.depth -= 1;
        if in_port.is_some() {
            self.flow.set(FieldId::InPort, old_in);
        }
    }

    /// Runs `acts`; returns where the trace of a final resubmit starts, if the list ended
    /// with one (a caller with more to print nests it).
    fn actions(&mut self, acts: &[Action], ind: usize, t_ind: usize) -> Option<usize> {
        // Open vSwitch shows a resubmitted table in line with its caller's tables unless
        // the caller's trace goes on afterwards; then the nested table moves in under the
        // resubmit (table line four columns in, its contents eight). `nested` remembers
        // where the last resubmit's lines start until that is known.
        let mut nested: Option<usize> = None;
        for (i, a) in acts.iter().enumerate() {
            if self.stop {
                return None;
            }
            if self.reextract && mpls::needs_reextract(a) {
                self.freeze(acts.get(i..).unwrap_or(&[]), None);
                return None;
            }
            if let Action::Group(g) = a {
                let select = self
                    .snap
                    .groups
                    .get(*g)
                    .is_some_and(|g| g.group_type == GroupType::Select);
                if select {
                    self.group_rest = Some(acts.get(i + 1..).unwrap_or(&[]).to_vec());
                }
            }
            let last = i + 1 == acts.len();
            if let Some(start) = nested.take() {
                self.nest_from(start);
            }
            if let Some(t) = self.trace.as_mut() {
                let text = match a {
                    Action::GotoTable(t) => format!("goto_table:{t}"),
                    _ => ofp_actions::format_actions(std::slice::from_ref(a), None),
                };
                t.push(format!("{}{text}", pad(ind)));
            }
            let start = self.trace.as_ref().map_or(0, Vec::len);
            let inner = self.action(a, ind, t_ind);
            if matches!(a, Action::Resubmit { .. }) && !last {
                nested = Some(start);
            }
            if !last && inner.is_some() {
                nested = inner;
            }
            if matches!(a, Action::Resubmit { .. } | Action::GotoTable(_))
                && last
                && self.depth == 0
                && t_ind == 0
            {
                // The top rule's last table jump nests too if an action set follows.
                self.top_jump = Some(start);
            }
            if last {
                return match a {
                    Action::Resubmit { .. } | Action::GotoTable(_) => Some(start),
                    _ => inner,
                };
            }
        }
        None
    }

    /// Moves the trace lines from `start` on in under the resubmit that produced them.
    fn nest_from(&mut self, start: usize) {
        if let Some(t) = self.trace.as_mut() {
            for (k, l) in t.iter_mut().enumerate().skip(start) {
                let shift = if k == start { 4 } else { 8 };
                *l = format!("{}{l}", pad(shift));
            }
        }
    }

    /// Runs one action; for `clone`, returns where the trace of its final resubmit starts.
    fn action(&mut self, a: &Action, ind: usize, t_ind: usize) -> Option<usize> {
        let f = &mut self.flow;
        let is_ip = f.get(FieldId::EthType) == ETH_TYPE_IP;
        let is_ip_any = is_ip || f.get(FieldId::EthType) == ETH_TYPE_IPV6;
        match a {
            Action::Output { port, max_len } => self.output(*port, *max_len, ind),
            Action::Controller(c) => {
                self.controller(c.reason, c.max_len, c.controller_id);
            }
            Action::Resubmit { port, table, .. } => {
                let tbl = table.unwrap_or(self.table_id);
                let p = (*port != OFPP_IN_PORT).then_some(*port);
                self.resubmit(tbl, p, t_ind, ind);
            }
            Action::GotoTable(t) => self.resubmit(*t, None, t_ind, ind),
            Action::SetEthSrc(v) => self.set(FieldId::EthSrc, u128::from(*v), u128::MAX),
            Action::SetEthDst(v) => self.set(FieldId::EthDst, u128::from(*v), u128::MAX),
            Action::SetIpv4Src(v) if is_ip => {
                self.wc.set(FieldId::NwProto, u128::MAX);
                self.set(FieldId::IpSrc, u128::from(*v), u128::MAX)
            }
            Action::SetIpv4Dst(v) if is_ip => {
                self.wc.set(FieldId::NwProto, u128::MAX);
                self.set(FieldId::IpDst, u128::from(*v), u128::MAX)
            }
            Action::SetIpDscp(v) if is_ip_any => {
                self.wc.set(FieldId::NwProto, u128::MAX);
                self.set(FieldId::NwTos, u128::from(*v & 0xfc), 0xfc)
            }
            Action::SetIpEcn(v) if is_ip_any => self.set(FieldId::NwEcn, u128::from(*v & 3), 3),
            Action::SetIpTtl(v) if is_ip_any => {
                self.wc.set(FieldId::NwProto, u128::MAX);
                self.set(FieldId::NwTtl, u128::from(*v), u128::MAX)
            }
            Action::DecTtl(controller_ids) if is_ip_any => {
                self.wc.set(FieldId::NwProto, u128::MAX);
                let ttl = self.flow.get(FieldId::NwTtl);
                self.wc.set(FieldId::NwTtl, u128::MAX);
                if ttl > 1 {
                    self.flow.set(FieldId::NwTtl, ttl - 1);
                } else {
                    let v6 = self.flow.get(FieldId::EthType) == ETH_TYPE_IPV6;
                    self.line(
                        ind + 1,
                        format!(
                            ">> {} decrement TTL exception",
                            if v6 { "IPv6" } else { "IPv4" }
                        ),
                    );
                    // One packet-in per listed controller, all resuming the same frozen
                    // state (plain `dec_ttl` means controller 0).
                    self.commit();
                    let recirc_id = self.next_recirc;
                    self.next_recirc += 1;
                    let ids: &[u16] = if controller_ids.is_empty() {
                        &[0]
                    } else {
                        controller_ids
                    };
                    for &id in ids {
                        self.push_packet_in(PacketInReason::InvalidTtl, u16::MAX, id, recirc_id);
                    }
                    self.stop = true;
                }
            }
            Action::SetL4Src(v) => self.set_l4(true, *v),
            Action::SetL4Dst(v) => self.set_l4(false, *v),
            Action::SetField(sf) => self.write_field(sf.field, sf.value, sf.mask),
            Action::Move { src, dst } => {
                let v = sub_get(&self.flow, src);
                let wm = self.wc.get(src.field);
                self.wc.set(src.field, wm | src.mask());
                self.write_field(dst.field, shl(v, dst.ofs), dst.mask());
                if self.trace.is_some() {
                    let now = sub_get(&self.flow, dst);
                    let mut text = String::new();
                    if dst.is_whole() {
                        ofp_actions::format::format_field_value(
                            &mut text,
                            dst.field,
                            now,
                            u128::MAX,
                            None,
                        );
                    } else {
                        text = format!("{now:#x}");
                    }
                    self.line(ind + 1, format!("-> {dst} is now {text}"));
                }
            }
            Action::OutputReg { src, max_len } => {
                let v = sub_get(&self.flow, src);
                let wm = self.wc.get(src.field);
                self.wc.set(src.field, wm | src.mask());
                self.line(ind + 1, format!("-> output port is {v}"));
                if let Ok(port) = u16::try_from(v) {
                    self.output(port, *max_len, ind);
                }
            }
            Action::SetVlanVid { vid, push } => self.mod_vlan(0x0fff, *vid & 0x0fff, *push),
            Action::SetVlanPcp { pcp, push } => {
                self.mod_vlan(0xe000, u16::from(*pcp & 7) << 13, *push)
            }
            Action::StripVlan { .. } => {
                if self.flow.vlan_tci() & VLAN_CFI != 0 {
                    if self.vlan_pushed > 0 {
                        self.vlan_pushed -= 1;
                    } else {
                        self.wc.set(FieldId::VlanTci, 0xffff);
                    }
                }
                let inner = self.flow.vlan_tci1();
                self.flow.set_vlan_tci(inner);
                self.flow.set_vlan_tci1(0);
            }
            Action::PushVlan(tpid) => {
                let outer = self.flow.vlan_tci();
                let outer_tpid = self.flow.vlan_tpid(0);
                self.flow.set_vlan_tci1(outer);
                self.flow.set_vlan_tpid(1, outer_tpid);
                // A new tag has VID 0 and PCP 0, as in Open vSwitch 3.1 (OpenFlow 1.3 would
                // copy the outer tag's; the recorded traces pin Open vSwitch's choice).
                self.flow.set_vlan_tci(VLAN_CFI);
                self.flow.set_vlan_tpid(0, *tpid);
                self.vlan_pushed = self.vlan_pushed.saturating_add(1);
            }
            Action::Group(g) => self.group(*g, ind),
            Action::WriteActions(acts) => {
                for a in acts {
                    write_action_set(&mut self.action_set, a);
                }
                // The set's output port is visible to later tables (`actset_output`).
                let out = self.action_set.iter().find_map(|a| match a {
                    Action::Output { port, .. } => Some(crate::snapshot::ofp10_to_ofp11(*port)),
                    _ => None,
                });
                if let Some(p) = out {
                    self.flow.set(FieldId::ActsetOutput, u128::from(p));
                }
                if self.trace.is_some() {
                    let set = ofp_actions::format_actions(&self.action_set, None);
                    self.line(ind + 1, format!("-> action set is: {set}"));
                }
            }
            Action::ClearActions => {
                if !self.action_set.is_empty() {
                    if self.trace.is_some() {
                        let set = ofp_actions::format_actions(&self.action_set, None);
                        self.line(ind + 1, format!("-> action set was: {set}"));
                    }
                    self.action_set.clear();
                }
                let orig = self.orig.get(FieldId::ActsetOutput);
                self.flow.set(FieldId::ActsetOutput, orig);
            }
            Action::Meter(m) => {
                if let Some(dp) = self.snap.dp_meters.get(m) {
                    self.odp.push(OdpAction::Meter(*dp));
                }
            }
            Action::Note(_) | Action::WriteMetadata { .. } => {
                if let Action::WriteMetadata { value, mask } = a {
                    let old = self.flow.get(FieldId::Metadata);
                    let m = u128::from(*mask);
                    self.flow
                        .set(FieldId::Metadata, (old & !m) | (u128::from(*value) & m));
                }
            }
            Action::Exit => self.stop = true,
            Action::Clone(inner) => {
                // The clone's actions run on a copy of the flow; their trace lines sit at
                // the clone's own level.
                let saved = (self.flow, self.action_set.clone());
                let nested = self.actions(inner, ind, t_ind);
                self.flow = saved.0;
                self.action_set = saved.1;
                // (`exit` inside a clone ends the whole translation here; not checked
                // against Open vSwitch.)
                return nested;
            }
            Action::PushMpls(t) => self.push_mpls(*t),
            Action::PopMpls(t) => self.pop_mpls(*t),
            Action::SetMplsLabel(v) => self.set_mpls(FieldId::MplsLabel, u128::from(*v)),
            Action::SetMplsTc(v) => self.set_mpls(FieldId::MplsTc, u128::from(*v)),
            Action::SetMplsTtl(v) => self.set_mpls(FieldId::MplsTtl, u128::from(*v)),
            Action::DecMplsTtl => self.dec_mpls_ttl(ind),
            Action::CopyTtlOut => self.copy_ttl(true),
            Action::CopyTtlIn => self.copy_ttl(false),
            Action::PushPbb(_) => self.push_pbb(),
            Action::PopPbb => self.pop_pbb(),
            Action::SetQueue(q) => self.flow.set(FieldId::SkbPriority, u128::from(*q)),
            Action::PopQueue => {
                let q = self.orig.get(FieldId::SkbPriority);
                self.flow.set(FieldId::SkbPriority, q);
                self.line(ind + 1, format!("-> queue = {}", hex0(q)));
            }
            Action::Enqueue { port, queue } => {
                let old = self.flow.get(FieldId::SkbPriority);
                self.flow.set(FieldId::SkbPriority, u128::from(*queue));
                self.output(*port, 0, ind);
                self.flow.set(FieldId::SkbPriority, old);
            }
            _ => {}
        }
        None
    }

    fn set(&mut self, field: FieldId, value: u128, mask: u128) {
        let info = field.info();
        let mask = mask & info.valid_mask;
        let old = self.flow.get(field);
        self.flow.set(field, (old & !mask) | (value & mask));
        let wm = self.wc.get(field);
        self.wc.set(field, wm | mask);
    }

    /// `set_field`, `load` and the destination of `move`: writes the masked bits of a
    /// writable field, un-wildcarding what Open vSwitch does.
    fn write_field(&mut self, field: FieldId, value: u128, mask: u128) {
        if !field.info().writable {
            return;
        }
        if matches!(
            field,
            FieldId::IpSrc
                | FieldId::IpDst
                | FieldId::NwTtl
                | FieldId::IpDscp
                | FieldId::NwTos
                | FieldId::Ipv6Src
                | FieldId::Ipv6Dst
                | FieldId::Ipv6Label
        ) {
            self.wc.set(FieldId::NwProto, u128::MAX);
        }
        if matches!(
            field,
            FieldId::VlanVid
                | FieldId::VlanPcp
                | FieldId::VlanTci
                | FieldId::DlVlan
                | FieldId::DlVlanPcp
        ) {
            self.set_vlan_field(field, value, mask);
        } else {
            self.set(field, value, mask);
        }
    }

    /// `mod_vlan_vid` / `mod_vlan_pcp`: rewrite `bits` of the outer tag, pushing one first
    /// if there is none and `push` says so.
    fn mod_vlan(&mut self, bits: u16, value: u16, push: bool) {
        let tci = self.flow.vlan_tci();
        if tci & VLAN_CFI == 0 {
            if !push {
                return;
            }
            let outer = self.flow.vlan_tci();
            self.flow.set_vlan_tci1(outer);
            self.flow.set_vlan_tci(VLAN_CFI | value);
            self.vlan_pushed = self.vlan_pushed.saturating_add(1);
            return;
        }
        if self.vlan_pushed == 0 {
            let m = wcv(&self.wc) | u128::from(bits | VLAN_CFI);
            self.wc.set(FieldId::VlanTci, m);
        }
        self.flow.set_vlan_tci((tci & !bits) | value);
    }

    /// `set_field` to a VLAN field: only the bits of a tag the packet came with count for
    /// the megaflow.
    fn set_vlan_field(&mut self, field: FieldId, value: u128, mask: u128) {
        let tci = self.flow.vlan_tci();
        let (bits, v) = match field {
            FieldId::VlanVid => (0x1fffu16 & mask as u16, (value as u16) & 0x1fff),
            FieldId::DlVlan => (0x0fffu16 & mask as u16, (value as u16) & 0x0fff),
            FieldId::VlanPcp | FieldId::DlVlanPcp => (
                0xe000u16 & ((mask as u16) << 13),
                ((value as u16) & 7) << 13,
            ),
            _ => (mask as u16, value as u16),
        };
        if field != FieldId::VlanTci && tci & VLAN_CFI == 0 {
            if self.vlan_pushed == 0 {
                let m = wcv(&self.wc) | u128::from(VLAN_CFI);
                self.wc.set(FieldId::VlanTci, m);
            }
            return;
        }
        if self.vlan_pushed == 0 {
            let m = wcv(&self.wc) | u128::from(bits | VLAN_CFI);
            self.wc.set(FieldId::VlanTci, m);
        }
        let mut new = (tci & !bits) | (v & bits);
        if field == FieldId::VlanVid {
            new |= VLAN_CFI;
        }
        self.flow.set_vlan_tci(new);
    }

    fn set_l4(&mut self, src: bool, v: u16) {
        let is_ip_any = matches!(self.flow.get(FieldId::EthType), ETH_TYPE_IP | ETH_TYPE_IPV6);
        // Later fragments have no L4 header.
        if !is_ip_any || self.flow.get(FieldId::NwFrag) & 2 != 0 {
            return;
        }
        self.wc.set(FieldId::NwProto, u128::MAX);
        let f = if src { FieldId::TpSrc } else { FieldId::TpDst };
        // Whatever the protocol, the flow's port field changes; only TCP, UDP and SCTP
        // headers are rewritten by the commit.
        self.set(f, u128::from(v), u128::MAX);
    }

    fn controller(&mut self, reason: PacketInReason, max_len: u16, controller_id: u16) {
        self.packet_in(reason, max_len, controller_id);
    }

    fn packet_in(&mut self, reason: PacketInReason, max_len: u16, controller_id: u16) {
        self.commit();
        let recirc_id = self.next_recirc;
        self.next_recirc += 1;
        self.push_packet_in(reason, max_len, controller_id, recirc_id);
    }

    /// One `userspace(controller(...))` action with a given (shared) recirculation id.
    fn push_packet_in(
        &mut self,
        reason: PacketInReason,
        max_len: u16,
        controller_id: u16,
        recirc_id: u32,
    ) {
        // The datapath still brings the packet up (a paused pipeline may resume), but no
        // packet-in is sent when no controller asked for this reason.
        let dont_send = self.snap.wanted_packet_ins & (1 << (reason as u32)) == 0;
        self.odp.push(OdpAction::Userspace(UserspaceAction {
            pid: 0,
            cookie: Some(UserspaceCookie::Controller {
                reason: reason as u8,
                dont_send,
                continuation: false,
                recirc_id,
                rule_cookie: self.cookie,
                controller_id,
                max_len,
            }),
            include_actions: false,
            tunnel_out_port: None,
        }));
        self.effects.push(SideEffect::PacketIn {
            reason,
            max_len,
            controller_id,
            table_id: self.table_id,
            cookie: self.cookie,
        });
    }

    fn output(&mut self, port: u16, max_len: u16, ind: usize) {
        // Open vSwitch compares with (and IN_PORT means) the port the packet came in on,
        // whatever resubmit(port) did to the flow.
        let in_port = self.orig.get(FieldId::InPort) as u16;
        match port {
            OFPP_IN_PORT => self.output_to(in_port, ind, true),
            OFPP_NORMAL => self.normal(ind),
            OFPP_TABLE => {}
            OFPP_FLOOD | OFPP_ALL => {
                let ports: Vec<u16> = self.snap.ports.iter().map(|p| p.ofp_port).collect();
                for p in ports {
                    if p != in_port {
                        self.output_to(p, ind, false);
                    }
                }
            }
            OFPP_CONTROLLER => self.controller(PacketInReason::Action, max_len, 0),
            OFPP_LOCAL => self.output_to(OFPP_LOCAL, ind, false),
            p => {
                if p == in_port {
                    self.line(ind + 1, ">> skipping output to input port");
                } else {
                    self.output_to(p, ind, true);
                }
            }
        }
    }

    /// The `NORMAL` action: the learning switch decides, then each output gets its VLAN
    /// headers and the port.
    fn normal(&mut self, ind: usize) {
        let snap = self.snap;
        let member = self.flow.get(FieldId::InPort) as u16;
        // A bond member enters NORMAL as its bond's bundle, subject to the bond's verdict.
        let in_bond = bonding::bond_of(&snap.bonds, member);
        let (in_port, bond_verdict) = match in_bond {
            Some(b) => {
                self.wc.set(FieldId::EthDst, u128::MAX);
                let dst = self.flow.get(FieldId::EthDst) as u64;
                (b.bundle, b.admissibility(member, dst))
            }
            None => (member, normal::BondVerdict::Accept),
        };
        let mut macs = snap.normal.macs.clone();
        let input = normal::NormalInput {
            flow: &self.flow,
            in_port,
            now_ms: self.now_ms,
            side_effects: false,
            bond_verdict,
        };
        let d = normal::xlate_normal_input(&snap.normal.bridge, &mut macs, &input, &mut self.wc);
        for l in &d.trace {
            self.line(ind + 1, l);
        }
        if let Some(vlan) = d.vlan {
            let src = self.flow.get(FieldId::EthSrc) as u64;
            let learnable = src & (1 << 40) == 0;
            if learnable && !matches!(d.drop, Some(normal::DropReason::Vlan(_))) {
                self.effects.push(SideEffect::MacLearn {
                    mac: src,
                    vlan,
                    port: in_port,
                });
            }
        }
        let (tci, tci1) = (self.flow.vlan_tci(), self.flow.vlan_tci1());
        let vlan = d.vlan.unwrap_or(0);
        for o in &d.outputs {
            // To a bond: the member the bond picks for this flow (none: dropped).
            let port = match bonding::bond_by_bundle(&snap.bonds, o.port) {
                Some(b) => match b.choose(&self.flow, vlan, &mut self.wc) {
                    Some(m) => m,
                    None => {
                        self.line(ind + 1, format!("-> no usable member of bond {}", b.name));
                        continue;
                    }
                },
                None => o.port,
            };
            let tag = |i: usize| {
                o.tags.get(i).map_or(0, |h| {
                    VLAN_CFI | (h.vid & 0x0fff) | (u16::from(h.pcp & 7) << 13)
                })
            };
            self.flow.set_vlan_tci(tag(0));
            self.flow.set_vlan_tci1(tag(1));
            self.output_to(port, ind, false);
        }
        self.flow.set_vlan_tci(tci);
        self.flow.set_vlan_tci1(tci1);
    }

    fn output_to(&mut self, ofp_port: u16, ind: usize, report: bool) {
        let Some(odp) = self.snap.port(ofp_port).map(|p| p.odp_port) else {
            if report {
                self.line(ind + 1, ">> Nonexistent output port");
            }
            return;
        };
        self.commit();
        self.odp.push(OdpAction::Output(odp));
    }

    fn group(&mut self, group_id: u32, ind: usize) {
        let snap = self.snap;
        let Some(g) = snap.groups.get(group_id) else {
            return;
        };
        // Chained groups count towards the translation depth, like resubmits.
        if self.depth >= MAX_RESUBMIT_DEPTH {
            self.line(
                ind + 1,
                format!(">>>> over max translation depth {MAX_RESUBMIT_DEPTH} <<<<"),
            );
            self.error = Some(XlateError::RecursionTooDeep);
            self.stop = true;
            return;
        }
        let buckets: Vec<usize> = match g.group_type {
            GroupType::All => (0..g.buckets.len()).collect(),
            GroupType::Indirect => (0..g.buckets.len().min(1)).collect(),
            GroupType::FastFailover => {
                let mut live = None;
                for (i, b) in g.buckets.iter().enumerate() {
                    let ok = match b.watch_port {
                        Some(p) => u16::try_from(p)
                            .ok()
                            .and_then(|p| snap.port(p))
                            .is_some_and(|p| p.up),
                        None => true,
                    };
                    if ok {
                        live = Some(i);
                        break;
                    }
                    if let Some(p) = b.watch_port {
                        self.line(ind + 1, format!("-> bucket {i}: not live due to port {p}"));
                    }
                }
                match live {
                    Some(i) => {
                        self.line(ind + 1, format!("-> using bucket {i}"));
                        vec![i]
                    }
                    None => {
                        self.line(ind + 1, "-> no live bucket");
                        Vec::new()
                    }
                }
            }
            GroupType::Select => {
                // Open vSwitch 3.1's default selection method (dp_hash): hash in the
                // datapath, recirculate, and pick the bucket after recirculation. The trace
                // of the first pass has no dp_hash yet and says so.
                self.line(ind + 1, "-> no live bucket");
                let rest = self.group_rest.take().unwrap_or_default();
                self.freeze(&rest, Some(group_id));
                Vec::new()
            }
        };
        for i in buckets {
            let Some(b) = g.buckets.get(i) else { continue };
            self.line(ind, format!("bucket {i}"));
            self.effects.push(SideEffect::GroupHit {
                group_id,
                bucket: i,
            });
            let saved = self.flow;
            self.depth += 1;
            self.actions(&b.actions.0, ind + 8, ind + 4);
            self.depth -= 1;
            self.flow = saved;
        }
    }

    /// Emits the datapath actions that make the packet match `flow`.
    fn commit(&mut self) {
        let (f, b) = (self.flow, self.base);
        self.commit_attr(AttrKind::Eth, &[(0, FieldId::EthSrc), (1, FieldId::EthDst)]);
        // Leaving MPLS: the pops come before the L3 rewrites they uncover.
        let mpls_done =
            mpls::is_mpls(b.get(FieldId::EthType)) && !mpls::is_mpls(f.get(FieldId::EthType));
        if mpls_done {
            self.commit_mpls();
        }
        let et = f.get(FieldId::EthType);
        if et == ETH_TYPE_IP && f.get(FieldId::NwProto) != 0 {
            self.commit_attr(
                AttrKind::Ipv4,
                &[
                    (0, FieldId::IpSrc),
                    (1, FieldId::IpDst),
                    (3, FieldId::NwTos),
                    (4, FieldId::NwTtl),
                ],
            );
        } else if et == ETH_TYPE_IPV6 && f.get(FieldId::NwProto) != 0 {
            self.commit_attr(
                AttrKind::Ipv6,
                &[
                    (0, FieldId::Ipv6Src),
                    (1, FieldId::Ipv6Dst),
                    (2, FieldId::Ipv6Label),
                    (4, FieldId::NwTos),
                    (5, FieldId::NwTtl),
                ],
            );
        }
        if et == ETH_TYPE_ARP || et == ETH_TYPE_RARP {
            self.commit_attr(
                AttrKind::Arp,
                &[
                    (0, FieldId::ArpSpa),
                    (1, FieldId::ArpTpa),
                    (2, FieldId::ArpOp),
                    (3, FieldId::ArpSha),
                    (4, FieldId::ArpTha),
                ],
            );
        }
        if et == ETH_TYPE_IP || et == ETH_TYPE_IPV6 {
            let proto = f.get(FieldId::NwProto);
            let kind = match proto {
                6 => Some(AttrKind::Tcp),
                17 => Some(AttrKind::Udp),
                132 => Some(AttrKind::Sctp),
                1 if et == ETH_TYPE_IP => Some(AttrKind::Icmp),
                58 if et == ETH_TYPE_IPV6 => Some(AttrKind::Icmpv6),
                _ => None,
            };
            match kind {
                Some(k @ (AttrKind::Icmp | AttrKind::Icmpv6)) => self.commit_icmp(k),
                Some(k) => self.commit_attr(k, &[(0, FieldId::TpSrc), (1, FieldId::TpDst)]),
                None => {}
            }
            let icmp6_type = f.get(FieldId::TpSrc);
            if proto == 58 && et == ETH_TYPE_IPV6 && (icmp6_type == 135 || icmp6_type == 136) {
                self.commit_attr(
                    AttrKind::Nd,
                    &[
                        (0, FieldId::NdTarget),
                        (1, FieldId::NdSll),
                        (2, FieldId::NdTll),
                    ],
                );
            }
        }
        if !mpls_done {
            self.commit_mpls();
        }
        self.commit_pbb();
        // VLAN tags last, as Open vSwitch commits them after the L3/L4 rewrites.
        if (f.vlan_tci(), f.vlan_tci1()) != (b.vlan_tci(), b.vlan_tci1()) {
            // Rewriting a tag the packet came with depends on all of it.
            if b.vlan_tci() & VLAN_CFI != 0 && self.orig.vlan_tci() & VLAN_CFI != 0 {
                self.wc.set(FieldId::VlanTci, 0xffff);
            }
            let mut cur = [b.vlan_tci(), b.vlan_tci1()];
            let want = [f.vlan_tci(), f.vlan_tci1()];
            let depth = |t: [u16; 2]| t.iter().take_while(|x| *x & VLAN_CFI != 0).count();
            // Pop until the remaining tags are a suffix of the wanted ones.
            while depth(cur) > 0
                && !(depth(cur) <= depth(want)
                    && cur[..depth(cur)] == want[depth(want) - depth(cur)..depth(want)])
            {
                self.odp.push(OdpAction::PopVlan);
                cur = [cur[1], 0];
            }
            for i in (0..depth(want).saturating_sub(depth(cur))).rev() {
                let tci = want.get(i).copied().unwrap_or(0);
                let tpid = match f.vlan_tpid(i) {
                    0 => 0x8100,
                    t => t,
                };
                self.odp.push(OdpAction::PushVlan { tpid, tci });
            }
        }
        self.commit_priority();
        self.base = self.flow;
    }

    /// ICMP type and code (kept where the ports are) are rewritten together with an
    /// unmasked `set(icmp(...))`, which makes the megaflow match both, as Open vSwitch does.
    fn commit_icmp(&mut self, kind: AttrKind) {
        let (f, b) = (self.flow, self.base);
        let (t, c) = (f.get(FieldId::TpSrc), f.get(FieldId::TpDst));
        if (t, c) == (b.get(FieldId::TpSrc), b.get(FieldId::TpDst)) {
            return;
        }
        for field in [FieldId::TpSrc, FieldId::TpDst] {
            self.wc.set(field, self.wc.get(field) | 0xff);
        }
        let mut attr = KeyAttr::new(kind);
        attr.set(0, t & 0xff, kind.full_mask(0));
        attr.set(1, c & 0xff, kind.full_mask(1));
        self.odp.push(OdpAction::Set(Box::new(attr)));
    }

    fn commit_priority(&mut self) {
        let (f, b) = (
            self.flow.get(FieldId::SkbPriority),
            self.base.get(FieldId::SkbPriority),
        );
        if f != b {
            self.wc.set(FieldId::SkbPriority, u128::MAX);
            self.odp
                .push(dpif::action::set_exact(AttrKind::SkbPriority, f));
        }
    }

    fn commit_attr(&mut self, kind: AttrKind, fields: &[(usize, FieldId)]) {
        let mut attr = KeyAttr::new(kind);
        let mut any = false;
        for &(idx, field) in fields {
            let (fv, bv) = (self.flow.get(field), self.base.get(field));
            let (v, full, m) = if field == FieldId::NwTos {
                // The datapath's tos byte holds DSCP and ECN together.
                let v = fv | self.flow.get(FieldId::NwEcn);
                if v == bv | self.base.get(FieldId::NwEcn) {
                    continue;
                }
                let m = (self.wc.get(FieldId::NwTos) | self.wc.get(FieldId::NwEcn)) & 0xff;
                (v, 0xff, m)
            } else {
                if fv == bv {
                    continue;
                }
                let full = field.info().valid_mask;
                (fv, full, self.wc.get(field) & full)
            };
            let m = if m == 0 { full } else { m };
            attr.set(idx, v & m, if m == full { kind.full_mask(idx) } else { m });
            any = true;
        }
        if any {
            self.odp.push(OdpAction::Set(Box::new(attr)));
        }
    }
}

fn wcv(wc: &FlowWildcards) -> u128 {
    wc.get(FieldId::VlanTci)
}

/// The whole `ofproto/trace` text for `flow` (the input flow as parsed), ending with a
/// newline, as Open vSwitch 3.1 prints it.
pub fn format_trace(snap: &Snapshot, flow: &Flow, out: &XlateOutput) -> String {
    let mut s = String::new();
    s.push_str("Flow: ");
    s.push_str(&format_flow_with_regs(flow));
    s.push_str("\n\n");
    s.push_str(&format!("bridge(\"{}\")\n", snap.bridge));
    s.push_str(&"-".repeat(snap.bridge.len() + 10));
    s.push('\n');
    for l in &out.trace {
        s.push_str(l);
        s.push('\n');
    }
    s.push('\n');
    s.push_str("Final flow: ");
    if out.final_flow == *flow {
        s.push_str("unchanged");
    } else {
        s.push_str(&format_flow_with_regs(&out.final_flow));
    }
    s.push('\n');
    let m = Match::new(*flow, megaflow_mask(flow, &out.wc));
    s.push_str("Megaflow: ");
    s.push_str(&flow::format_match(&m, None));
    s.push('\n');
    s.push_str("Datapath actions: ");
    if out.actions.is_empty() {
        s.push_str("drop");
    } else {
        s.push_str(&dpif::format_actions(&out.actions));
    }
    s.push('\n');
    if let Some(e) = out.error {
        s.push_str(&format!(
            "Translation failed ({}), packet is dropped.\n",
            e.name()
        ));
    }
    s
}

/// A packet's flow as traces print it: nonzero metadata and registers first, then the
/// packet fields.
fn format_flow_with_regs(flow: &Flow) -> String {
    let mut s = String::new();
    let md = flow.get(FieldId::Metadata);
    if md != 0 {
        s.push_str(&format!("metadata={md:#x},"));
    }
    for i in 0..16 {
        if let Some(f) = FieldId::reg(i) {
            let v = flow.get(f);
            if v != 0 {
                s.push_str(&format!("reg{i}={v:#x},"));
            }
        }
    }
    s.push_str(&flow::format_packet_flow(flow, None));
    s
}

/// The mask a megaflow for `flow` can actually carry: the datapath key has no registers or
/// OpenFlow metadata, and no VLAN attribute for an untagged packet, so those bits of the
/// translation's wildcards are dropped (as Open vSwitch's datapath key conversion does).
pub fn megaflow_mask(flow: &Flow, wc: &FlowWildcards) -> FlowWildcards {
    let mut wc = *wc;
    for i in 0..16 {
        if let Some(f) = FieldId::reg(i) {
            wc.set(f, 0);
        }
    }
    wc.set(FieldId::Metadata, 0);
    if flow.vlan_tci() & VLAN_CFI == 0 {
        wc.set(FieldId::VlanTci, 0);
    }
    if flow.vlan_tci1() & VLAN_CFI == 0 {
        wc.set_extra(flow::ExtraField::VlanTci1, 0);
    }
    wc
}

/// Where an action runs within the action set (OpenFlow 1.3 section 5.10's order), and
/// which earlier action of the set it replaces (one per kind; `set_field` one per field).
fn action_set_rank(a: &Action) -> (u8, Option<FieldId>) {
    match a {
        Action::CopyTtlIn => (0, None),
        Action::StripVlan { .. } | Action::PopMpls(_) | Action::PopPbb => (1, None),
        Action::PushMpls(_) | Action::PushPbb(_) => (2, None),
        Action::PushVlan(_) | Action::CopyTtlOut => (3, None),
        Action::DecTtl(_) | Action::DecMplsTtl => (4, None),
        Action::SetField(sf) => (5, Some(sf.field)),
        Action::SetQueue(_) => (6, None),
        Action::Group(_) => (7, None),
        Action::Output { .. } | Action::OutputReg { .. } | Action::Controller(_) => (8, None),
        _ => (5, None),
    }
}

/// `write_actions`: adds `a` to the set, replacing an action of the same kind.
fn write_action_set(set: &mut Vec<Action>, a: &Action) {
    let key = action_set_rank(a);
    let same_kind = |b: &Action| {
        let k = action_set_rank(b);
        k == key
            && (k.1.is_some() || std::mem::discriminant(a) == std::mem::discriminant(b) || k.0 == 8)
    };
    set.retain(|b| !same_kind(b));
    let pos = set
        .iter()
        .position(|b| action_set_rank(b).0 > key.0)
        .unwrap_or(set.len());
    set.insert(pos, a.clone());
    // A group in the set takes the place of any output.
    if set.iter().any(|b| matches!(b, Action::Group(_))) {
        set.retain(|b| action_set_rank(b).0 != 8);
    }
}

/// `value << ofs`, zero when the shift leaves the 128-bit word.
fn shl(value: u128, ofs: u16) -> u128 {
    value.checked_shl(u32::from(ofs)).unwrap_or(0)
}

/// The bits a subfield covers, shifted down to bit 0.
fn sub_get(flow: &Flow, sf: &ofp_actions::Subfield) -> u128 {
    let v = flow.get(sf.field) & sf.mask();
    v.checked_shr(u32::from(sf.ofs)).unwrap_or(0)
}

/// Hex as Open vSwitch's `%#x` prints it (`0` for zero).
fn hex0(v: u128) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}
