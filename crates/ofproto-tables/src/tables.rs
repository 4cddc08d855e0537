//! The set of OpenFlow tables and the flow_mod engine.
//!
//! [`OfprotoTables`] owns 255 tables (each a versioned [`classifier::Classifier`] of rule
//! ids) and a map from rule id to [`Rule`]. Every change happens in a *transaction*: a
//! single flow_mod, a bundle of them ([`OfprotoTables::apply_batch`]), or a timeout pass.
//! The n-th flow_mod of a transaction works at classifier version `base + n`, so it sees the
//! effect of the earlier ones (a bundle may add a flow and modify it), while lookups keep
//! using `base` until the transaction commits and the current version jumps to the last
//! one used. A batch is therefore all or nothing, and no lookup sees half of it.
//!
//! Each change is recorded in an undo log. If any flow_mod fails, the log is replayed
//! backwards: rules the transaction added are physically removed
//! ([`classifier::Classifier::remove_now`]) and rules it marked removed are made visible
//! again ([`classifier::Classifier::restore`]). Giving every flow_mod its own version keeps
//! this unambiguous: at most one rule with a given match and priority is marked removed at
//! any one version. On commit, the rules removed by the transaction are garbage-collected
//! (there are no concurrent readers of these classifiers; a multi-threaded datapath reads
//! a snapshot published by the caller).
//!
//! The flow_mod semantics are Open vSwitch's (checked against `ovs-vswitchd` 3.1):
//!
//! * **add** replaces a visible rule with the same match and priority (no overlap or
//!   table-full check then); the new rule takes the new cookie, timeouts, importance and
//!   flags, gets a fresh creation time, inherits the last-used time and — unless
//!   `reset_counts` — the counters. Otherwise `check_overlap` refuses an overlapping rule
//!   of the same priority (`OFPFMFC_OVERLAP`), and a full table evicts
//!   ([`crate::expire`]) or refuses (`OFPFMFC_TABLE_FULL`). `table_id=255` adds to
//!   table 0.
//! * **modify** replaces each selected rule (strict: same match and priority; loose: at
//!   least as specific, any priority; filtered by cookie) with one carrying the new
//!   actions; the timeouts, importance, flags and creation time stay, the last-modified
//!   time becomes now (restarting the hard timeout), the cookie changes only with a new
//!   cookie and `modify_cookie`, counters stay unless `reset_counts`. If nothing is selected it adds when
//!   [`FlowMod::modify_may_add`].
//! * **delete** removes each selected rule (also filtered by `out_port`/`out_group`), with
//!   a flow_removed event (reason `delete`) for rules that asked for one. Deleting nothing
//!   is not an error.
//! * `table_id=255` in modify/delete means every table but hidden ones (except, as in Open
//!   vSwitch, when the cookie mask is all-ones); rules in read-only tables are skipped, and if that leaves nothing while some were found the request fails
//!   with `OFPBRC_EPERM`. A table id past the last table is `OFPBRC_BAD_TABLE_ID`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use classifier::{Insertion, MiniMatch, Version, VERSION_MIN};
use flow::{Flow, FlowWildcards, Match};

use crate::error::{BatchError, OfpError};
use crate::flow_mod::{FlowMod, FlowModCommand, TABLE_ALL};
use crate::rule::{FlowRemoved, PortNo, RemovedReason, Rule, RuleActions, RuleId};
use crate::table::{Table, TableConfig, TableStats, N_TABLES};

/// Which rules a modify, delete, dump or aggregate request selects.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowFilter {
    /// A table, or [`TABLE_ALL`].
    pub table_id: u8,
    /// Rules at least as specific as this (or, when `strict` is set, exactly this).
    pub match_: Match,
    /// Strict selection: only the rule with exactly `match_` and this priority.
    pub strict: Option<u16>,
    /// Cookie value to match under `cookie_mask`.
    pub cookie: u64,
    /// Cookie mask (0: any cookie).
    pub cookie_mask: u64,
    /// Only rules that output to this port.
    pub out_port: Option<PortNo>,
    /// Only rules that output to this group.
    pub out_group: Option<u32>,
}

impl FlowFilter {
    /// Every rule of every (non-hidden) table.
    pub fn all() -> Self {
        FlowFilter {
            table_id: TABLE_ALL,
            match_: Match::catchall(),
            strict: None,
            cookie: 0,
            cookie_mask: 0,
            out_port: None,
            out_group: None,
        }
    }

    /// The rules `fm` selects (modifies ignore `out_port`/`out_group`, as Open vSwitch).
    pub fn from_flow_mod<A>(fm: &FlowMod<A>) -> Self {
        let is_delete = matches!(
            fm.command,
            FlowModCommand::Delete | FlowModCommand::DeleteStrict
        );
        FlowFilter {
            table_id: fm.table_id,
            match_: fm.match_,
            strict: fm.command.is_strict().then_some(fm.priority),
            cookie: fm.cookie,
            cookie_mask: fm.cookie_mask,
            out_port: if is_delete { fm.out_port } else { None },
            out_group: if is_delete { fm.out_group } else { None },
        }
    }
}

/// What a successful flow_mod, batch or timeout pass did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowModOutcome {
    /// flow_removed events, for removed rules that have `send_flow_rem`.
    pub flow_removed: Vec<FlowRemoved>,
    /// Rules created (adds, and the replacements made by modifies).
    pub added: Vec<RuleId>,
    /// Rules that went away (deleted, replaced, evicted, expired).
    pub removed: Vec<RuleId>,
}

impl FlowModOutcome {
    /// True if nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Clone, Copy)]
enum Undo {
    Inserted { id: RuleId },
    Removed { id: RuleId, version: Version },
}

/// A transaction in progress.
#[derive(Debug, Default)]
pub(crate) struct Txn {
    undo: Vec<Undo>,
    out: FlowModOutcome,
    touched: Vec<u8>,
    last_version: Version,
}

/// A `Hasher` for rule ids (sequential numbers chosen here, not by a peer): one multiply
/// and shift, much cheaper than SipHash.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        let x = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^ (x >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// Rules by id. Boxed, so that the table's unused slots (a hash table is at most 7/8 full,
/// and half full after growing) cost a pointer each rather than a whole rule.
pub(crate) type RuleMap<A> = HashMap<RuleId, Box<Rule<A>>, BuildHasherDefault<IdHasher>>;

/// The OpenFlow tables of one bridge. See the module documentation.
#[derive(Debug)]
pub struct OfprotoTables<A> {
    pub(crate) tables: Vec<Table>,
    pub(crate) rules: RuleMap<A>,
    next_id: RuleId,
    /// Number of rules in `rules` with an idle or hard timeout (timeout passes over tables
    /// without any skip the scan).
    pub(crate) n_timed: usize,
    version: Version,
}

impl<A: RuleActions> Default for OfprotoTables<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: RuleActions> OfprotoTables<A> {
    /// Open vSwitch's 255 tables with their default configuration, empty.
    pub fn new() -> Self {
        Self::with_tables(N_TABLES)
    }

    /// `n` tables (1..=255; clamped), for switches configured with fewer.
    pub fn with_tables(n: usize) -> Self {
        let n = n.clamp(1, N_TABLES);
        OfprotoTables {
            tables: (0..n).map(|i| Table::new(i as u8)).collect(),
            rules: RuleMap::default(),
            next_id: 1,
            n_timed: 0,
            version: VERSION_MIN,
        }
    }

    /// Number of tables.
    pub fn n_tables(&self) -> usize {
        self.tables.len()
    }

    /// The classifier version lookups currently use (advances with every committed change).
    pub fn version(&self) -> Version {
        self.version
    }

    /// A table's configuration.
    pub fn table_config(&self, table_id: u8) -> Option<&TableConfig> {
        self.tables.get(usize::from(table_id)).map(|t| &t.config)
    }

    /// Replaces a table's configuration. Lowering `max_flows` does not remove rules by
    /// itself; [`OfprotoTables::expire`] evicts down to the limit when eviction is on.
    pub fn set_table_config(&mut self, table_id: u8, config: TableConfig) -> Result<(), OfpError> {
        let t = self
            .tables
            .get_mut(usize::from(table_id))
            .ok_or(OfpError::BadTableId)?;
        t.config = config;
        Ok(())
    }

    /// `dump-tables` statistics of a table.
    pub fn table_stats(&self, table_id: u8) -> Option<TableStats> {
        self.tables.get(usize::from(table_id)).map(|t| TableStats {
            active_count: t.cls.len() as u64,
            lookup_count: t.lookups,
            matched_count: t.matched,
        })
    }

    /// Folds datapath lookup statistics into a table's counters.
    pub fn credit_table_stats(&mut self, table_id: u8, lookups: u64, matched: u64) {
        if let Some(t) = self.tables.get_mut(usize::from(table_id)) {
            t.lookups = t.lookups.saturating_add(lookups);
            t.matched = t.matched.saturating_add(matched);
        }
    }

    /// Number of rules in a table.
    pub fn n_rules(&self, table_id: u8) -> usize {
        self.tables
            .get(usize::from(table_id))
            .map_or(0, |t| t.cls.len())
    }

    /// Total number of rules.
    pub fn total_rules(&self) -> usize {
        self.tables.iter().map(|t| t.cls.len()).sum()
    }

    /// The rule with this id, if it is current.
    pub fn rule(&self, id: RuleId) -> Option<&Rule<A>> {
        self.rules.get(&id).map(|r| &**r)
    }

    /// Every current rule of `table_id`, in no particular order.
    pub fn rules_in_table(&self, table_id: u8) -> impl Iterator<Item = &Rule<A>> + '_ {
        let version = self.version;
        self.tables
            .get(usize::from(table_id))
            .into_iter()
            .flat_map(move |t| t.cls.iter_visible(version))
            .filter_map(|r| self.rules.get(r.payload()).map(|r| &**r))
    }

    /// The rule with exactly this match and priority in `table_id`.
    pub fn find_exact(&self, table_id: u8, m: &Match, priority: u16) -> Option<&Rule<A>> {
        let t = self.tables.get(usize::from(table_id))?;
        let r = t.cls.find_exact(m, u32::from(priority), self.version)?;
        self.rules.get(r.payload()).map(|r| &**r)
    }

    /// The highest-priority rule of `table_id` matching `flow`; ORs into `wc` the bits the
    /// answer depended on. Does not count.
    pub fn lookup(&self, table_id: u8, flow: &Flow, wc: &mut FlowWildcards) -> Option<&Rule<A>> {
        let t = self.tables.get(usize::from(table_id))?;
        let r = t.cls.lookup(self.version, flow, wc)?;
        self.rules.get(r.payload()).map(|r| &**r)
    }

    /// [`OfprotoTables::lookup`] that also counts the lookup (and the match) in the
    /// table's statistics.
    pub fn lookup_counted(
        &mut self,
        table_id: u8,
        flow: &Flow,
        wc: &mut FlowWildcards,
    ) -> Option<&Rule<A>> {
        let id = self.lookup(table_id, flow, wc).map(|r| r.id);
        self.credit_table_stats(table_id, 1, u64::from(id.is_some()));
        id.and_then(|id| self.rules.get(&id)).map(|r| &**r)
    }

    /// Folds datapath statistics into a rule: adds the counts and moves its last-used time
    /// forward to `used_ms`. Returns false if the rule is gone.
    pub fn credit_stats(&mut self, id: RuleId, packets: u64, bytes: u64, used_ms: u64) -> bool {
        match self.rules.get_mut(&id) {
            Some(r) => {
                r.n_packets = r.n_packets.saturating_add(packets);
                r.n_bytes = r.n_bytes.saturating_add(bytes);
                r.used_ms = r.used_ms.max(used_ms);
                true
            }
            None => false,
        }
    }

    /// Applies one flow_mod at `now_ms`. On error nothing changed.
    pub fn apply(&mut self, fm: &FlowMod<A>, now_ms: u64) -> Result<FlowModOutcome, OfpError> {
        self.apply_batch(std::slice::from_ref(fm), now_ms)
            .map_err(|e| e.error)
    }

    /// Applies a bundle of flow_mods atomically: all of them, visible at once, or (on the
    /// first error) none.
    pub fn apply_batch(
        &mut self,
        mods: &[FlowMod<A>],
        now_ms: u64,
    ) -> Result<FlowModOutcome, BatchError> {
        let mut txn = self.begin();
        for (index, fm) in mods.iter().enumerate() {
            let v = self.next_version(&mut txn);
            if let Err(error) = self.flow_mod_at(&mut txn, fm, v, now_ms) {
                self.rollback(txn);
                return Err(BatchError { index, error });
            }
        }
        Ok(self.commit(txn))
    }

    pub(crate) fn begin(&self) -> Txn {
        Txn {
            last_version: self.version,
            ..Txn::default()
        }
    }

    pub(crate) fn next_version(&self, txn: &mut Txn) -> Version {
        txn.last_version += 1;
        txn.last_version
    }

    pub(crate) fn commit(&mut self, mut txn: Txn) -> FlowModOutcome {
        if txn.undo.is_empty() {
            return txn.out;
        }
        self.version = txn.last_version;
        txn.touched.sort_unstable();
        txn.touched.dedup();
        for t in &txn.touched {
            if let Some(table) = self.tables.get_mut(usize::from(*t)) {
                let mut garbage = table.cls.collect_garbage(self.version);
                // In id order, which is roughly the order the rules were allocated in, so
                // that freeing many of them walks memory forwards.
                garbage.sort_unstable();
                for id in garbage {
                    self.forget_rule(id);
                }
            }
        }
        txn.out
    }

    /// Drops rule `id` from the id map (the classifier no longer has it).
    fn forget_rule(&mut self, id: RuleId) -> Option<Box<Rule<A>>> {
        let r = self.rules.remove(&id)?;
        if r.expiration_ms().is_some() {
            self.n_timed -= 1;
        }
        Some(r)
    }

    fn rollback(&mut self, txn: Txn) {
        for u in txn.undo.into_iter().rev() {
            match u {
                Undo::Inserted { id } => {
                    if let Some(r) = self.forget_rule(id) {
                        if let Some(t) = self.tables.get_mut(usize::from(r.table_id)) {
                            t.cls.remove_now(&r.match_, u32::from(r.priority));
                        }
                    }
                }
                Undo::Removed { id, version } => {
                    if let Some(r) = self.rules.get(&id) {
                        if let Some(t) = self.tables.get_mut(usize::from(r.table_id)) {
                            t.cls.restore(&r.match_, u32::from(r.priority), version);
                        }
                    }
                }
            }
        }
    }

    fn flow_mod_at(
        &mut self,
        txn: &mut Txn,
        fm: &FlowMod<A>,
        v: Version,
        now: u64,
    ) -> Result<(), OfpError> {
        match fm.command {
            FlowModCommand::Add => self.add_at(txn, fm, v, now),
            FlowModCommand::Modify | FlowModCommand::ModifyStrict => {
                self.modify_at(txn, fm, v, now)
            }
            FlowModCommand::Delete | FlowModCommand::DeleteStrict => {
                let filter = FlowFilter::from_flow_mod(fm);
                if self.delete_unfiltered(txn, &filter, v, now)? {
                    return Ok(());
                }
                let ids = self.collect(&filter, v, false)?;
                for id in ids {
                    self.remove_at(txn, id, v, RemovedReason::Delete, now);
                }
                Ok(())
            }
        }
    }

    /// A non-strict delete that filters on nothing but the match (no cookie, port or group),
    /// such as deleting every flow: done with one [`classifier::Classifier::remove_loose`]
    /// pass per table instead of a lookup per rule. Has the effect of `collect` followed by
    /// `remove_at` for each rule in id order (the same undo log, removed list and
    /// flow_removed events, and `OFPBRC_EPERM` when only read-only tables had matching
    /// rules). Returns false, doing nothing, for other deletes.
    fn delete_unfiltered(
        &mut self,
        txn: &mut Txn,
        filter: &FlowFilter,
        v: Version,
        now: u64,
    ) -> Result<bool, OfpError> {
        if filter.strict.is_some()
            || filter.cookie_mask != 0
            || filter.out_port.is_some()
            || filter.out_group.is_some()
        {
            return Ok(false);
        }
        let tables: Vec<usize> = if filter.table_id == TABLE_ALL {
            (0..self.tables.len())
                .filter(|i| self.tables.get(*i).is_some_and(|t| !t.config.hidden))
                .collect()
        } else if usize::from(filter.table_id) < self.tables.len() {
            vec![usize::from(filter.table_id)]
        } else {
            return Err(OfpError::BadTableId);
        };
        let mut ids = Vec::new();
        let mut n_readonly = 0usize;
        for ti in tables {
            let Some(t) = self.tables.get_mut(ti) else {
                continue;
            };
            if t.config.read_only {
                n_readonly += t.cls.iter_loose(&filter.match_, v).count();
                continue;
            }
            let removed = t.cls.remove_loose(&filter.match_, v);
            if !removed.is_empty() {
                txn.touched.push(ti as u8);
            }
            ids.extend(removed);
        }
        if ids.is_empty() && n_readonly > 0 {
            return Err(OfpError::Eperm);
        }
        ids.sort_unstable();
        for id in ids {
            txn.undo.push(Undo::Removed { id, version: v });
            txn.out.removed.push(id);
            if let Some(r) = self.rules.get(&id) {
                if r.flags.send_flow_rem {
                    txn.out
                        .flow_removed
                        .push(r.removed_event(RemovedReason::Delete, now));
                }
            }
        }
        Ok(true)
    }

    /// The rules `filter` selects at version `v`, sorted by id. With `include_readonly`
    /// false, rules of read-only tables are skipped (and `OFPBRC_EPERM` reported if they
    /// were all there was).
    pub(crate) fn collect(
        &self,
        filter: &FlowFilter,
        v: Version,
        include_readonly: bool,
    ) -> Result<Vec<RuleId>, OfpError> {
        // Open vSwitch finds rules by a full cookie mask through its cookie index, which
        // does not skip hidden tables: `dump-flows cookie=0/-1` shows table 254, and
        // `del-flows cookie=0/-1` with no other match fails with OFPBRC_EPERM.
        let include_hidden = filter.cookie_mask == u64::MAX;
        let tables: Vec<usize> = if filter.table_id == TABLE_ALL {
            (0..self.tables.len())
                .filter(|i| {
                    self.tables
                        .get(*i)
                        .is_some_and(|t| include_hidden || !t.config.hidden)
                })
                .collect()
        } else if usize::from(filter.table_id) < self.tables.len() {
            vec![usize::from(filter.table_id)]
        } else {
            return Err(OfpError::BadTableId);
        };
        let mut out = Vec::new();
        let mut n_readonly = 0usize;
        for ti in tables {
            let Some(t) = self.tables.get(ti) else {
                continue;
            };
            let ids: Vec<RuleId> = match filter.strict {
                Some(p) => t
                    .cls
                    .find_exact(&filter.match_, u32::from(p), v)
                    .map(|r| *r.payload())
                    .into_iter()
                    .collect(),
                None => t
                    .cls
                    .iter_loose(&filter.match_, v)
                    .map(|r| *r.payload())
                    .collect(),
            };
            // Without a cookie, port or group filter the rules themselves need not be read.
            let unfiltered =
                filter.cookie_mask == 0 && filter.out_port.is_none() && filter.out_group.is_none();
            for id in ids {
                if unfiltered {
                    if t.config.read_only && !include_readonly {
                        n_readonly += 1;
                    } else {
                        out.push(id);
                    }
                    continue;
                }
                let Some(r) = self.rules.get(&id) else {
                    continue;
                };
                if (r.cookie ^ filter.cookie) & filter.cookie_mask != 0 {
                    continue;
                }
                if filter
                    .out_port
                    .is_some_and(|p| !r.actions.outputs_to_port(p))
                {
                    continue;
                }
                if filter
                    .out_group
                    .is_some_and(|g| !r.actions.outputs_to_group(g))
                {
                    continue;
                }
                if t.config.read_only && !include_readonly {
                    n_readonly += 1;
                } else {
                    out.push(id);
                }
            }
        }
        if out.is_empty() && n_readonly > 0 {
            return Err(OfpError::Eperm);
        }
        out.sort_unstable();
        Ok(out)
    }

    fn add_at(
        &mut self,
        txn: &mut Txn,
        fm: &FlowMod<A>,
        v: Version,
        now: u64,
    ) -> Result<(), OfpError> {
        let table_id = if fm.table_id == TABLE_ALL {
            0
        } else {
            fm.table_id
        };
        let t = self
            .tables
            .get(usize::from(table_id))
            .ok_or(OfpError::BadTableId)?;
        if t.config.read_only && !fm.no_readonly {
            return Err(OfpError::Eperm);
        }
        let prio = u32::from(fm.priority);
        let old = t
            .cls
            .find_exact(&fm.match_, prio, v)
            .and_then(|r| self.rules.get(r.payload()));
        let mut victim = None;
        if old.is_none() {
            if fm.flags.check_overlap && self.overlaps(table_id, &fm.match_, fm.priority, v) {
                return Err(OfpError::Overlap);
            }
            if t.cls.len() >= t.config.max_flows as usize {
                if !t.config.eviction {
                    return Err(OfpError::TableFull);
                }
                victim = Some(self.choose_victim(table_id, v).ok_or(OfpError::TableFull)?);
            }
        }
        let (created, used, n_packets, n_bytes) = match old {
            Some(o) if !fm.flags.reset_counts => (now, o.used_ms, o.n_packets, o.n_bytes),
            Some(o) => (now, o.used_ms, 0, 0),
            None => (now, now, 0, 0),
        };
        let rule = Rule {
            id: 0,
            table_id,
            match_: MiniMatch::new(&fm.match_),
            priority: fm.priority,
            cookie: fm.add_cookie(),
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            importance: fm.importance,
            flags: fm.flags,
            created_ms: created,
            modified_ms: now,
            used_ms: used,
            n_packets,
            n_bytes,
            actions: fm.actions.clone(),
        };
        let old = old.map(|o| o.id);
        if let Some(victim) = victim {
            self.remove_at(txn, victim, v, RemovedReason::Eviction, now);
        }
        self.insert_at(txn, rule, v, old)
    }

    fn modify_at(
        &mut self,
        txn: &mut Txn,
        fm: &FlowMod<A>,
        v: Version,
        now: u64,
    ) -> Result<(), OfpError> {
        let mut filter = FlowFilter::from_flow_mod(fm);
        filter.out_port = None;
        filter.out_group = None;
        let ids = self.collect(&filter, v, fm.no_readonly)?;
        if ids.is_empty() {
            if fm.modify_may_add() {
                return self.add_at(txn, fm, v, now);
            }
            return Ok(());
        }
        for id in ids {
            let Some(old) = self.rules.get(&id) else {
                continue;
            };
            let rule = Rule {
                id: 0,
                table_id: old.table_id,
                match_: old.match_.clone(),
                priority: old.priority,
                cookie: match fm.new_cookie {
                    Some(c) if fm.modify_cookie => c,
                    _ => old.cookie,
                },
                idle_timeout: old.idle_timeout,
                hard_timeout: old.hard_timeout,
                importance: old.importance,
                flags: old.flags,
                created_ms: old.created_ms,
                modified_ms: now,
                used_ms: old.used_ms,
                n_packets: if fm.flags.reset_counts {
                    0
                } else {
                    old.n_packets
                },
                n_bytes: if fm.flags.reset_counts {
                    0
                } else {
                    old.n_bytes
                },
                actions: fm.actions.clone(),
            };
            self.insert_at(txn, rule, v, Some(id))?;
        }
        Ok(())
    }

    /// Whether a rule of `priority` in `table_id` visible at `v` overlaps `m`: some packet
    /// could match both (they agree on every bit both match on).
    fn overlaps(&self, table_id: u8, m: &Match, priority: u16, v: Version) -> bool {
        let Some(t) = self.tables.get(usize::from(table_id)) else {
            return false;
        };
        let (mf, mw) = (m.flow().words(), m.wildcards().words());
        t.cls
            .iter_visible(v)
            .filter(|r| r.priority() == u32::from(priority))
            .any(|r| {
                let other = r.to_match();
                let (of, ow) = (other.flow().words(), other.wildcards().words());
                mf.iter()
                    .zip(mw.iter())
                    .zip(of.iter().zip(ow.iter()))
                    .all(|((a, am), (b, bm))| (a ^ b) & am & bm == 0)
            })
    }

    /// Inserts `rule` (its id is assigned here) at version `v`, replacing the visible rule
    /// with the same match and priority, `old` (the caller has looked it up).
    pub(crate) fn insert_at(
        &mut self,
        txn: &mut Txn,
        mut rule: Rule<A>,
        v: Version,
        old: Option<RuleId>,
    ) -> Result<(), OfpError> {
        let table_id = rule.table_id;
        let t = self
            .tables
            .get_mut(usize::from(table_id))
            .ok_or(OfpError::BadTableId)?;
        let prio = u32::from(rule.priority);
        let id = self.next_id;
        self.next_id += 1;
        rule.id = id;
        match t.cls.insert_shared(&rule.match_, prio, id, v) {
            Ok((Insertion::Replaced | Insertion::Added, shared)) => rule.match_ = shared,
            Err(_) => return Err(OfpError::Unknown),
        }
        if let Some(old) = old {
            txn.undo.push(Undo::Removed {
                id: old,
                version: v,
            });
            txn.out.removed.push(old);
        }
        txn.undo.push(Undo::Inserted { id });
        if txn.touched.last() != Some(&table_id) {
            txn.touched.push(table_id);
        }
        txn.out.added.push(id);
        if rule.expiration_ms().is_some() {
            self.n_timed += 1;
        }
        self.rules.insert(id, Box::new(rule));
        Ok(())
    }

    /// Marks rule `id` removed as of `v`, recording a flow_removed event if it wants one.
    pub(crate) fn remove_at(
        &mut self,
        txn: &mut Txn,
        id: RuleId,
        v: Version,
        reason: RemovedReason,
        now: u64,
    ) {
        let Some(r) = self.rules.get(&id) else {
            return;
        };
        let Some(t) = self.tables.get_mut(usize::from(r.table_id)) else {
            return;
        };
        if !t.cls.remove(&r.match_, u32::from(r.priority), v) {
            return;
        }
        txn.undo.push(Undo::Removed { id, version: v });
        if txn.touched.last() != Some(&r.table_id) {
            txn.touched.push(r.table_id);
        }
        txn.out.removed.push(id);
        if r.flags.send_flow_rem {
            txn.out.flow_removed.push(r.removed_event(reason, now));
        }
    }

    /// Deletes every rule whose actions send to group `group_id` (a group delete does this),
    /// with flow_removed reason `group_delete`.
    pub fn delete_for_group(&mut self, group_id: u32, now_ms: u64) -> FlowModOutcome {
        self.delete_where(now_ms, RemovedReason::GroupDelete, |a| {
            a.outputs_to_group(group_id)
        })
    }

    /// Deletes every rule whose actions use meter `meter_id` (a meter delete does this),
    /// with flow_removed reason `meter_delete`.
    pub fn delete_for_meter(&mut self, meter_id: u32, now_ms: u64) -> FlowModOutcome {
        self.delete_where(now_ms, RemovedReason::MeterDelete, |a| {
            a.uses_meter(meter_id)
        })
    }

    /// Number of rules sending to group `group_id` (the group's `ref_count`).
    pub fn group_ref_count(&self, group_id: u32) -> usize {
        self.rules
            .values()
            .filter(|r| r.actions.outputs_to_group(group_id))
            .count()
    }

    /// Number of rules using meter `meter_id` (the meter's `flow_count`).
    pub fn meter_flow_count(&self, meter_id: u32) -> usize {
        self.rules
            .values()
            .filter(|r| r.actions.uses_meter(meter_id))
            .count()
    }

    fn delete_where(
        &mut self,
        now: u64,
        reason: RemovedReason,
        pred: impl Fn(&A) -> bool,
    ) -> FlowModOutcome {
        let mut ids: Vec<RuleId> = self
            .rules
            .values()
            .filter(|r| pred(&r.actions))
            .map(|r| r.id)
            .collect();
        ids.sort_unstable();
        let mut txn = self.begin();
        let v = self.next_version(&mut txn);
        for id in ids {
            self.remove_at(&mut txn, id, v, reason, now);
        }
        self.commit(txn)
    }
}
