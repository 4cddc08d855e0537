//! Timeouts and eviction.
//!
//! [`OfprotoTables::expire`] is the periodic pass Open vSwitch runs about once a second:
//! a rule whose hard timeout has passed (counted from its last add or modify) or whose idle
//! timeout has passed (counted from its last use, which the caller moves forward when it
//! folds datapath statistics in with [`OfprotoTables::credit_stats`]) is removed, with a
//! flow_removed event if it asked for one. A rule expires once the clock is *strictly* past
//! the deadline; the hard timeout is checked first.
//!
//! The same pass then evicts from every table that has eviction on and holds more rules
//! than its limit (the limit may have been lowered). Eviction — here and when an add finds
//! its table full — follows the algorithm documented for `Flow_Table` in
//! ovs-vswitchd.conf.db(5): only rules with an idle or hard timeout are candidates; they
//! are divided into groups by the values of the table's eviction fields (an unspecified
//! field counts as 0); the largest groups are considered; among them the lowest importance;
//! among those the rule that expires soonest (ties: the oldest rule id).
//!
//! Known difference: Open vSwitch compares expiry times in whole seconds (and so picks
//! arbitrarily among rules expiring in the same second); this compares milliseconds.

use std::collections::HashMap;

use classifier::Version;

use crate::rule::{RemovedReason, RuleActions, RuleId};
use crate::tables::{FlowModOutcome, OfprotoTables};

impl<A: RuleActions> OfprotoTables<A> {
    /// Removes expired rules and evicts from over-full tables, at `now_ms`. Returns what
    /// went away and the flow_removed events.
    pub fn expire(&mut self, now_ms: u64) -> FlowModOutcome {
        let mut expired: Vec<(RuleId, RemovedReason)> = if self.n_timed == 0 {
            Vec::new()
        } else {
            self.rules
                .values()
                .filter_map(|r| r.expired(now_ms).map(|why| (r.id, why)))
                .collect()
        };
        expired.sort_unstable_by_key(|(id, _)| *id);
        let mut txn = self.begin();
        let v = self.next_version(&mut txn);
        for (id, why) in expired {
            self.remove_at(&mut txn, id, v, why, now_ms);
        }
        for ti in 0..self.tables.len() {
            let Some(t) = self.tables.get(ti) else {
                continue;
            };
            if !t.config.eviction {
                continue;
            }
            let limit = t.config.max_flows as usize;
            let mut n = t.cls.len();
            while n > limit {
                let Some(victim) = self.choose_victim(ti as u8, v) else {
                    break;
                };
                self.remove_at(&mut txn, victim, v, RemovedReason::Eviction, now_ms);
                n -= 1;
            }
        }
        self.commit(txn)
    }

    /// The rule eviction would remove from `table_id` at version `v`, if any rule is
    /// evictable.
    pub(crate) fn choose_victim(&self, table_id: u8, v: Version) -> Option<RuleId> {
        let t = self.tables.get(usize::from(table_id))?;
        let fields = &t.config.eviction_fields;
        // (group key, importance, expiration, id) of every evictable rule.
        let cands: Vec<(Vec<u128>, u16, u64, RuleId)> = t
            .cls
            .iter_visible(v)
            .filter_map(|cr| self.rules.get(cr.payload()))
            .filter_map(|r| {
                let exp = r.expiration_ms()?;
                let key = fields.iter().map(|f| r.match_.flow().get(*f)).collect();
                Some((key, r.importance, exp, r.id))
            })
            .collect();
        let mut sizes: HashMap<&[u128], usize> = HashMap::new();
        for c in &cands {
            *sizes.entry(c.0.as_slice()).or_insert(0) += 1;
        }
        let largest = sizes.values().copied().max()?;
        cands
            .iter()
            .filter(|c| sizes.get(c.0.as_slice()).copied() == Some(largest))
            .min_by_key(|c| (c.1, c.2, c.3))
            .map(|c| c.3)
    }
}
