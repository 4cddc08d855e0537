//! The classifier proper: subtables ordered by priority, prefix tries, versions and garbage
//! collection. The design is explained in the crate documentation.

use std::collections::HashMap;

use smallvec::SmallVec;

use flow::{FieldId, Flow, FlowWildcards, Match, FLOW_WORDS};

use crate::minimatch::{MatchRef, MiniMatch, Shape};
use crate::subtable::{Rule, Subtable, TrieCheck, Truncated, WordBuild};
use crate::trie::{top_mask, PrefixTrie};
use crate::{ClassifierError, Version, MAX_PREFIX_FIELDS, VERSION_NEVER};

/// Fields that may be used for prefix tracking (the set `ovs-vswitchd.conf.db(5)` lists for
/// the `prefixes` column of `Flow_Table`).
pub const PREFIX_FIELDS: &[FieldId] = &[
    FieldId::TunId,
    FieldId::TunSrc,
    FieldId::TunDst,
    FieldId::TunIpv6Src,
    FieldId::TunIpv6Dst,
    FieldId::IpSrc,
    FieldId::IpDst,
    FieldId::Ipv6Src,
    FieldId::Ipv6Dst,
];

/// The prefix fields a new classifier tracks: `ip_dst` and `ip_src`, as Open vSwitch does for
/// every flow table unless told otherwise.
pub const DEFAULT_PREFIX_FIELDS: &[FieldId] = &[FieldId::IpDst, FieldId::IpSrc];

/// A configured prefix trie and where its field lives.
#[derive(Debug, Clone)]
pub(crate) struct TrieSlot {
    pub(crate) field: FieldId,
    pub(crate) trie: PrefixTrie,
    word: usize,
    shift: u32,
    width: u32,
}

impl TrieSlot {
    fn new(field: FieldId) -> Self {
        let loc = field.info().loc;
        let width = u32::from(loc.bits).min(128);
        TrieSlot {
            field,
            trie: PrefixTrie::new(width),
            word: usize::from(loc.word),
            shift: u32::from(loc.shift),
            width,
        }
    }

    /// The field's value in `flow`, left-aligned.
    #[inline]
    pub(crate) fn addr_of(&self, flow: &Flow) -> u128 {
        let w = flow.words();
        let hi = w.get(self.word).copied().unwrap_or(0);
        if self.width >= 128 {
            let lo = w.get(self.word + 1).copied().unwrap_or(0);
            (u128::from(hi) << 64) | u128::from(lo)
        } else {
            let low_bits = u64::MAX
                .checked_shr(64u32.saturating_sub(self.width))
                .unwrap_or(0);
            let v = hi.checked_shr(self.shift).unwrap_or(0) & low_bits;
            u128::from(v) << (128 - self.width)
        }
    }

    /// The prefix length of `mask`'s field mask if it is a CIDR prefix (0 if the field is
    /// wildcarded or the mask is not a prefix).
    fn plen_of(&self, mask: &FlowWildcards) -> u32 {
        let m = mask.get(self.field) << (128 - self.width);
        let n = m.leading_ones();
        if m == top_mask(n) {
            n
        } else {
            0
        }
    }

    /// ORs the top `n` bits of the field into `acc`.
    #[inline]
    pub(crate) fn unwildcard_prefix(&self, n: u32, acc: &mut [u64; FLOW_WORDS]) {
        let m = top_mask(n.min(self.width));
        if self.width >= 128 {
            if let Some(a) = acc.get_mut(self.word) {
                *a |= (m >> 64) as u64;
            }
            if let Some(a) = acc.get_mut(self.word + 1) {
                *a |= m as u64;
            }
        } else if let Some(a) = acc.get_mut(self.word) {
            *a |= ((m >> (128 - self.width)) as u64) << self.shift;
        }
    }
}

/// How a rule of one subtable is checked against the criteria of a loose (non-strict)
/// selection: the criteria's significant words as (position among the subtable's stored
/// words, criteria mask, criteria value). The subtable's mask covers the criteria's, so a
/// rule is selected if each of those stored words agrees under the criteria mask.
struct LooseChecks(SmallVec<[(usize, u64, u64); 8]>);

impl LooseChecks {
    fn new(shape: &Shape, criteria: &Match) -> Self {
        let cw = criteria.wildcards();
        LooseChecks(
            shape
                .words
                .iter()
                .enumerate()
                .filter_map(|(pos, w)| {
                    let w = usize::from(*w);
                    let m = cw.words().get(w).copied().unwrap_or(0);
                    let v = criteria.flow().words().get(w).copied().unwrap_or(0);
                    (m != 0).then_some((pos, m, v))
                })
                .collect(),
        )
    }

    fn selects<T>(&self, r: &Rule<T>) -> bool {
        self.0
            .iter()
            .all(|(pos, m, v)| r.mini_match().values.get(*pos).is_some_and(|x| x & m == *v))
    }
}

/// Position of a subtable in priority order.
#[derive(Debug, Clone, Copy)]
struct OrderEntry {
    max_priority: u32,
    min_seq: u64,
    idx: usize,
}

/// A rule marked removed, waiting for [`Classifier::collect_garbage`].
#[derive(Debug, Clone)]
struct Pending {
    remove_version: Version,
    /// Subtable slot and hash key the rule is stored under.
    subtable: usize,
    key: u64,
    /// Sequence numbers are unique to one (match, priority), so with the remove version they
    /// identify the rule (a stale entry, after a restore or a slot reuse, finds nothing).
    seq: u64,
}

/// How [`Classifier::insert`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insertion {
    /// A new (match, priority) pair.
    Added,
    /// A live rule with the same match and priority was superseded as of the insertion
    /// version; it stays visible to older versions until collected.
    Replaced,
}

/// A packet classifier holding rules with payloads of type `T`. See the crate documentation.
#[derive(Debug)]
pub struct Classifier<T> {
    subtables: Vec<Option<Subtable<T>>>,
    free_slots: Vec<usize>,
    by_mask: HashMap<FlowWildcards, usize, WordBuild>,
    order: Vec<OrderEntry>,
    tries: Vec<TrieSlot>,
    next_seq: u64,
    n_live: usize,
    n_stored: usize,
    pending: Vec<Pending>,
}

impl<T> Default for Classifier<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Classifier<T> {
    /// An empty classifier tracking the default prefix fields (`ip_dst`, `ip_src`).
    pub fn new() -> Self {
        let mut c = Classifier {
            subtables: Vec::new(),
            free_slots: Vec::new(),
            by_mask: HashMap::default(),
            order: Vec::new(),
            tries: Vec::new(),
            next_seq: 0,
            n_live: 0,
            n_stored: 0,
            pending: Vec::new(),
        };
        c.tries = DEFAULT_PREFIX_FIELDS
            .iter()
            .map(|f| TrieSlot::new(*f))
            .collect();
        c
    }

    /// An empty classifier tracking `fields` (at most [`MAX_PREFIX_FIELDS`] of
    /// [`PREFIX_FIELDS`]; an empty slice disables prefix tracking).
    pub fn with_prefix_fields(fields: &[FieldId]) -> Result<Self, ClassifierError> {
        let mut c = Self::new();
        c.set_prefix_fields(fields)?;
        Ok(c)
    }

    /// The prefix fields in use.
    pub fn prefix_fields(&self) -> Vec<FieldId> {
        self.tries.iter().map(|t| t.field).collect()
    }

    /// Replaces the set of prefix-tracked fields, rebuilding the tries from the stored rules.
    /// On error nothing changes.
    pub fn set_prefix_fields(&mut self, fields: &[FieldId]) -> Result<(), ClassifierError> {
        if fields.len() > MAX_PREFIX_FIELDS {
            return Err(ClassifierError::TooManyPrefixFields(fields.len()));
        }
        for (i, f) in fields.iter().enumerate() {
            if !PREFIX_FIELDS.contains(f) {
                return Err(ClassifierError::UnsupportedPrefixField(f.name()));
            }
            if fields.get(..i).is_some_and(|prev| prev.contains(f)) {
                return Err(ClassifierError::DuplicatePrefixField(f.name()));
            }
        }
        self.tries = fields.iter().map(|f| TrieSlot::new(*f)).collect();
        let tries = &mut self.tries;
        for st in self.subtables.iter_mut().flatten() {
            let plens = Self::plens_for(tries, &st.shape.mask);
            st.set_trie_checks(&plens);
            for r in st.iter() {
                let flow = r.flow();
                for (t, (plen, _)) in tries.iter_mut().zip(plens.iter()) {
                    if *plen > 0 {
                        let v = t.addr_of(&flow);
                        t.trie.insert(v, u32::from(*plen));
                    }
                }
            }
        }
        Ok(())
    }

    fn plens_for(tries: &[TrieSlot], mask: &FlowWildcards) -> Vec<(u8, usize)> {
        tries
            .iter()
            .map(|t| (t.plen_of(mask) as u8, t.word))
            .collect()
    }

    /// Number of live rules: stored and not marked removed (whatever their add version).
    pub fn len(&self) -> usize {
        self.n_live
    }

    /// True if there are no live rules.
    pub fn is_empty(&self) -> bool {
        self.n_live == 0
    }

    /// Number of stored rules, including those marked removed but not yet collected.
    pub fn stored_len(&self) -> usize {
        self.n_stored
    }

    /// Number of subtables (distinct masks).
    pub fn n_subtables(&self) -> usize {
        self.order.len()
    }

    fn subtable(&self, idx: usize) -> Option<&Subtable<T>> {
        self.subtables.get(idx).and_then(|s| s.as_ref())
    }

    fn subtable_mut(&mut self, idx: usize) -> Option<&mut Subtable<T>> {
        self.subtables.get_mut(idx).and_then(|s| s.as_mut())
    }

    /// Re-sorts the subtable order after `idx`'s priorities changed.
    fn reorder(&mut self, idx: usize) {
        let top = self.subtable(idx).and_then(|s| s.max_priority());
        let pos = self.order.iter().position(|e| e.idx == idx);
        match (top, pos) {
            (Some((p, s)), Some(i)) => {
                if let Some(e) = self.order.get_mut(i) {
                    if e.max_priority == p && e.min_seq == s {
                        return;
                    }
                    e.max_priority = p;
                    e.min_seq = s;
                }
            }
            (Some((p, s)), None) => self.order.push(OrderEntry {
                max_priority: p,
                min_seq: s,
                idx,
            }),
            (None, Some(i)) => {
                self.order.remove(i);
                return;
            }
            (None, None) => return,
        }
        self.order.sort_by(|a, b| {
            b.max_priority
                .cmp(&a.max_priority)
                .then(a.min_seq.cmp(&b.min_seq))
                .then(a.idx.cmp(&b.idx))
        });
    }

    /// Adds a rule visible from `version` on. Every stored rule with the same match and
    /// priority still visible at `version` or later is superseded: its visibility ends at
    /// `version` (one added after `version` becomes never-visible). If one of them was live,
    /// the new rule inherits its place in tie-breaking and [`Insertion::Replaced`] is
    /// returned. Versions are normally non-decreasing; the rule above keeps at most one rule
    /// per match and priority visible in any version even when they are not.
    pub fn insert(
        &mut self,
        m: Match,
        priority: u32,
        payload: T,
        version: Version,
    ) -> Result<Insertion, ClassifierError> {
        self.insert_shared(&m, priority, payload, version)
            .map(|(i, _)| i)
    }

    /// [`Classifier::insert`], also returning the stored rule's match in compact form,
    /// sharing the subtable's mask (see [`MiniMatch`]): the cheapest way for the owner of
    /// the rule to keep its match too.
    pub fn insert_shared<'m>(
        &mut self,
        m: impl Into<MatchRef<'m>>,
        priority: u32,
        payload: T,
        version: Version,
    ) -> Result<(Insertion, MiniMatch), ClassifierError> {
        let m: MatchRef<'m> = m.into();
        if version == VERSION_NEVER {
            return Err(ClassifierError::InvalidVersion);
        }
        let mask = *m.wildcards();
        let idx = match self.by_mask.get(&mask) {
            Some(i) => *i,
            None => {
                let mut st = Subtable::new(mask);
                st.set_trie_checks(&Self::plens_for(&self.tries, &mask));
                let i = match self.free_slots.pop() {
                    Some(i) => {
                        if let Some(slot) = self.subtables.get_mut(i) {
                            *slot = Some(st);
                        }
                        i
                    }
                    None => {
                        self.subtables.push(Some(st));
                        self.subtables.len() - 1
                    }
                };
                self.by_mask.insert(mask, i);
                i
            }
        };
        let Some(st) = self.subtable_mut(idx) else {
            return Err(ClassifierError::Internal);
        };
        let plens = st.trie_plens;
        let values = m.values_in(&st.shape);
        let Truncated { key, changed, live } = st.truncate(&values, priority, version);
        let seq = match live {
            Some(s) => s,
            None => {
                self.next_seq += 1;
                self.next_seq
            }
        };
        let Some(st) = self.subtable_mut(idx) else {
            return Err(ClassifierError::Internal);
        };
        let mini = st.insert(values, priority, payload, version, seq);
        if plens.iter().any(|p| *p > 0) {
            let flow = mini.flow();
            for (t, plen) in self.tries.iter_mut().zip(plens.iter()) {
                if *plen > 0 {
                    let v = t.addr_of(&flow);
                    t.trie.insert(v, u32::from(*plen));
                }
            }
        }
        self.n_stored += 1;
        self.reorder(idx);
        for (seq, remove_version) in changed {
            self.pending.push(Pending {
                remove_version,
                subtable: idx,
                key,
                seq,
            });
        }
        if live.is_some() {
            Ok((Insertion::Replaced, mini))
        } else {
            self.n_live += 1;
            Ok((Insertion::Added, mini))
        }
    }

    /// Ends, as of `version`, the visibility of the rule with exactly this match and priority
    /// (and of any older rule with that match and priority still visible then). Returns
    /// false if nothing was visible at `version` or later. Removed rules stay stored, visible
    /// to older versions, until [`Classifier::collect_garbage`] is called with a version at
    /// or after `version`.
    pub fn remove<'m>(
        &mut self,
        m: impl Into<MatchRef<'m>>,
        priority: u32,
        version: Version,
    ) -> bool {
        let m: MatchRef<'m> = m.into();
        let Some(&idx) = self.by_mask.get(m.wildcards()) else {
            return false;
        };
        let Some(st) = self.subtable_mut(idx) else {
            return false;
        };
        let values = m.values_in(&st.shape);
        let Truncated { key, changed, live } = st.truncate(&values, priority, version);
        if live.is_some() {
            self.n_live -= 1;
        }
        let any = !changed.is_empty();
        for (seq, remove_version) in changed {
            self.pending.push(Pending {
                remove_version,
                subtable: idx,
                key,
                seq,
            });
        }
        any
    }

    /// Undoes [`Classifier::remove`] (or a replacement): the rule with this match and priority
    /// that was marked removed as of `removed_in` becomes live again. Fails (returns false) if
    /// there is no such rule or if another rule with the same match and priority is visible
    /// at or after `removed_in` (undo that one first, e.g. with [`Classifier::remove_now`]).
    pub fn restore<'m>(
        &mut self,
        m: impl Into<MatchRef<'m>>,
        priority: u32,
        removed_in: Version,
    ) -> bool {
        let m: MatchRef<'m> = m.into();
        let Some(&idx) = self.by_mask.get(m.wildcards()) else {
            return false;
        };
        let Some(st) = self.subtable_mut(idx) else {
            return false;
        };
        let values = m.values_in(&st.shape);
        if st
            .find(&values, priority, |r| r.remove_version() > removed_in)
            .is_some()
        {
            return false;
        }
        let Some(r) = st.find_mut(&values, priority, |r| r.remove_version() == removed_in) else {
            return false;
        };
        r.set_remove_version(VERSION_NEVER);
        self.n_live += 1;
        true
    }

    /// Physically removes the live rule with this match and priority right away and returns
    /// its payload. Only for rules no reader can be looking at in a version where they are
    /// visible (for example a rule added by a bundle that is being aborted, or when the caller
    /// does not use versions at all).
    pub fn remove_now<'m>(&mut self, m: impl Into<MatchRef<'m>>, priority: u32) -> Option<T> {
        let m: MatchRef<'m> = m.into();
        let idx = *self.by_mask.get(m.wildcards())?;
        let st = self.subtable_mut(idx)?;
        let values = m.values_in(&st.shape);
        let rule = st.remove(&values, priority, |r| r.remove_version() == VERSION_NEVER)?;
        self.n_live -= 1;
        self.n_stored -= 1;
        Some(self.after_physical_removal(idx, rule))
    }

    /// Tries and bookkeeping after a rule left subtable `idx`.
    fn after_physical_removal(&mut self, idx: usize, rule: Rule<T>) -> T {
        let plens = self.subtable(idx).map(|s| s.trie_plens).unwrap_or_default();
        let flow = rule.flow();
        for (t, plen) in self.tries.iter_mut().zip(plens.iter()) {
            if *plen > 0 {
                let v = t.addr_of(&flow);
                t.trie.remove(v, u32::from(*plen));
            }
        }
        if self.subtable(idx).is_some_and(|s| s.n_rules == 0) {
            if let Some(slot) = self.subtables.get_mut(idx) {
                *slot = None;
            }
            self.by_mask.remove(rule.mask());
            self.free_slots.push(idx);
        }
        self.reorder(idx);
        rule.into_payload()
    }

    /// Physically removes every rule that is invisible in `oldest_in_use` and all later
    /// versions (its remove version is at or before `oldest_in_use`), returning their
    /// payloads. Call it once no lookup can still use a version older than `oldest_in_use`.
    pub fn collect_garbage(&mut self, oldest_in_use: Version) -> Vec<T> {
        let mut out = Vec::new();
        let pending = std::mem::take(&mut self.pending);
        // Subtables all of whose rules are garbage (a delete of everything, say) are dropped
        // whole, without a hash lookup per rule; the others rule by rule.
        let mut due = vec![0usize; self.subtables.len()];
        for p in pending.iter().filter(|p| p.remove_version <= oldest_in_use) {
            if let Some(n) = due.get_mut(p.subtable) {
                *n += 1;
            }
        }
        for (idx, n) in due.iter().enumerate() {
            let all_garbage = self.subtable(idx).is_some_and(|st| {
                *n >= st.n_rules && st.iter().all(|r| r.remove_version() <= oldest_in_use)
            });
            if all_garbage {
                self.drop_subtable(idx, &mut out);
            }
        }
        let mut keep = Vec::new();
        for p in pending {
            if p.remove_version > oldest_in_use {
                keep.push(p);
                continue;
            }
            let removed = self.subtable_mut(p.subtable).and_then(|st| {
                st.remove_by_key(p.key, |r| {
                    r.seq() == p.seq && r.remove_version() == p.remove_version
                })
            });
            if let Some(rule) = removed {
                self.n_stored -= 1;
                out.push(self.after_physical_removal(p.subtable, rule));
            }
        }
        self.pending = keep;
        out
    }

    /// Physically removes subtable `idx` and all its rules, appending their payloads.
    fn drop_subtable(&mut self, idx: usize, out: &mut Vec<T>) {
        let Some(st) = self.subtables.get_mut(idx).and_then(|s| s.take()) else {
            return;
        };
        let mut plens = st.trie_plens;
        self.by_mask.remove(&st.shape.mask);
        self.free_slots.push(idx);
        // A trie no remaining subtable uses is emptied at once rather than prefix by prefix.
        for (t, plen) in plens.iter_mut().enumerate() {
            let used = self
                .subtables
                .iter()
                .flatten()
                .any(|o| o.trie_plens.get(t).is_some_and(|p| *p > 0));
            if *plen > 0 && !used {
                if let Some(slot) = self.tries.get_mut(t) {
                    slot.trie.clear();
                }
                *plen = 0;
            }
        }
        let tracked = plens.iter().any(|p| *p > 0);
        for rule in st.into_rules() {
            if tracked {
                let flow = rule.flow();
                for (t, plen) in self.tries.iter_mut().zip(plens.iter()) {
                    if *plen > 0 {
                        t.trie.remove(t.addr_of(&flow), u32::from(*plen));
                    }
                }
            }
            self.n_stored -= 1;
            out.push(rule.into_payload());
        }
        self.reorder(idx);
    }

    /// The rule with exactly this match and priority that is visible in `version` (for strict
    /// flow_mod modify/delete).
    pub fn find_exact<'m>(
        &self,
        m: impl Into<MatchRef<'m>>,
        priority: u32,
        version: Version,
    ) -> Option<&Rule<T>> {
        let m: MatchRef<'m> = m.into();
        let idx = *self.by_mask.get(m.wildcards())?;
        let st = self.subtable(idx)?;
        let values = m.values_in(&st.shape);
        st.find(&values, priority, |r| r.is_visible_in(version))
    }

    /// Mutable access to the payload of the rule [`Classifier::find_exact`] would return.
    pub fn find_exact_mut<'m>(
        &mut self,
        m: impl Into<MatchRef<'m>>,
        priority: u32,
        version: Version,
    ) -> Option<&mut T> {
        let m: MatchRef<'m> = m.into();
        let idx = *self.by_mask.get(m.wildcards())?;
        let st = self.subtable_mut(idx)?;
        let values = m.values_in(&st.shape);
        st.find_mut(&values, priority, |r| r.is_visible_in(version))
            .map(|r| r.payload_mut())
    }

    /// The highest-priority rule visible in `version` that matches `flow`, ties going to the
    /// smaller [`Rule::seq`]. ORs into `wc` the bits of `flow` the answer depended on: every
    /// flow agreeing with `flow` on all bits of `wc` (as it was on entry, plus what this adds)
    /// gets the same answer. Does not allocate.
    pub fn lookup(
        &self,
        version: Version,
        flow: &Flow,
        wc: &mut FlowWildcards,
    ) -> Option<&Rule<T>> {
        let mut acc = *wc.words();
        let r = self.lookup_acc(version, flow, &mut acc);
        *wc = FlowWildcards::from_words(acc);
        r
    }

    /// [`Classifier::lookup`] without un-wildcarding.
    pub fn lookup_no_wc(&self, version: Version, flow: &Flow) -> Option<&Rule<T>> {
        let mut acc = [0u64; FLOW_WORDS];
        self.lookup_acc(version, flow, &mut acc)
    }

    fn lookup_acc(
        &self,
        version: Version,
        flow: &Flow,
        acc: &mut [u64; FLOW_WORDS],
    ) -> Option<&Rule<T>> {
        let mut tries = TrieCheck {
            tries: &self.tries,
            results: [None; MAX_PREFIX_FIELDS],
        };
        let mut best: Option<&Rule<T>> = None;
        for e in &self.order {
            if let Some(b) = best {
                if e.max_priority < b.priority()
                    || (e.max_priority == b.priority() && e.min_seq > b.seq())
                {
                    break;
                }
            }
            let Some(st) = self.subtables.get(e.idx).and_then(|s| s.as_ref()) else {
                continue;
            };
            if let Some(r) = st.lookup(flow, version, &mut tries, acc) {
                let better = match best {
                    None => true,
                    Some(b) => {
                        r.priority() > b.priority()
                            || (r.priority() == b.priority() && r.seq() < b.seq())
                    }
                };
                if better {
                    best = Some(r);
                }
            }
        }
        best
    }

    /// Every rule visible in `version` whose match is at least as specific as `criteria`
    /// (matches on every bit `criteria` matches on, with the same values), in no particular
    /// order. This is the rule set a non-strict OpenFlow modify or delete affects.
    pub fn iter_loose<'a>(
        &'a self,
        criteria: &'a Match,
        version: Version,
    ) -> impl Iterator<Item = &'a Rule<T>> + 'a {
        let cw = criteria.wildcards();
        self.subtables
            .iter()
            .flatten()
            .filter(move |st| st.shape.mask.and(cw) == *cw)
            .flat_map(move |st| {
                let exact = st.shape.mask == *cw;
                let checks = LooseChecks::new(&st.shape, criteria);
                let (a, b) = if exact {
                    (Some(st.iter_key(criteria)), None)
                } else {
                    (None, Some(st.iter()))
                };
                a.into_iter()
                    .flatten()
                    .chain(b.into_iter().flatten())
                    .filter(move |r| r.is_visible_in(version) && checks.selects(r))
            })
    }

    /// Ends, as of `version`, the visibility of every rule [`Classifier::iter_loose`] would
    /// return for `criteria` and `version`, and returns their payloads: the effect of
    /// [`Classifier::remove`] on each of them, in one pass over the subtables instead of a
    /// lookup per rule (what deleting a whole table costs). Unlike `remove`, rules added
    /// after `version` with the same match and priority are left alone; within one batch
    /// of increasing versions there are none.
    pub fn remove_loose(&mut self, criteria: &Match, version: Version) -> Vec<T>
    where
        T: Clone,
    {
        let cw = *criteria.wildcards();
        let mut out = Vec::new();
        let mut unlive = 0usize;
        for (idx, slot) in self.subtables.iter_mut().enumerate() {
            let Some(st) = slot.as_mut() else {
                continue;
            };
            if st.shape.mask.and(&cw) != cw {
                continue;
            }
            let checks = LooseChecks::new(&st.shape, criteria);
            let key = (st.shape.mask == cw).then(|| {
                let values = st.shape.values_of(criteria.flow());
                st.key_of(&values)
            });
            let pending = &mut self.pending;
            st.truncate_visible(
                key,
                version,
                |r| checks.selects(r),
                |key, r, live| {
                    pending.push(Pending {
                        remove_version: r.remove_version(),
                        subtable: idx,
                        key,
                        seq: r.seq(),
                    });
                    unlive += usize::from(live);
                    out.push(r.payload().clone());
                },
            );
        }
        self.n_live -= unlive;
        out
    }

    /// Every rule visible in `version`, in no particular order.
    pub fn iter_visible(&self, version: Version) -> impl Iterator<Item = &Rule<T>> + '_ {
        self.iter_stored().filter(move |r| r.is_visible_in(version))
    }

    /// Every stored rule, including ones not visible in any current version.
    pub fn iter_stored(&self) -> impl Iterator<Item = &Rule<T>> + '_ {
        self.subtables.iter().flatten().flat_map(|st| st.iter())
    }

    /// Rough number of bytes the classifier uses, excluding heap data owned by payloads.
    pub fn memory_estimate(&self) -> usize {
        let mut n = std::mem::size_of::<Self>();
        n += self.subtables.capacity() * std::mem::size_of::<Option<Subtable<T>>>();
        for st in self.subtables.iter().flatten() {
            n += st.heap_bytes();
        }
        n += self.by_mask.capacity() * (std::mem::size_of::<(FlowWildcards, usize)>() + 1);
        n += self.order.capacity() * std::mem::size_of::<OrderEntry>();
        n += self.pending.capacity() * std::mem::size_of::<Pending>();
        for t in &self.tries {
            n += t.trie.heap_bytes();
        }
        n
    }
}
