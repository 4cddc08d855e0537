//! One subtable: every rule that shares a single wildcard mask.
//!
//! Rules with the same mask are told apart by their masked values only, so a subtable is a hash
//! table keyed by "the flow ANDed with the mask". Only the words of the mask that have any bit
//! set are hashed and stored (a rule matching `tcp,nw_dst=10.0.0.1,tp_dst=80` keeps four
//! words, not the 45 of a whole flow), which is what keeps memory per rule small.
//!
//! The significant words are grouped into *stages* in the order metadata, L2, L3, L4 (see
//! [`stage_of_word`]). The hash is computed incrementally stage by stage; for every stage but
//! the last the subtable keeps a counting set of the partial hashes of its rules. Lookup stops
//! at the first stage whose partial hash is absent: then no rule of the subtable can match,
//! and the decision depended only on the bits of the stages seen so far, which are all that
//! must be un-wildcarded. A partial-hash hit may be a hash collision; that only costs going
//! on to the next stage, never a wrong answer, because the final stage compares values.
//!
//! Prefix-trie checks (see [`crate::trie`]) are attached to the stage holding the trie's
//! field. They are consulted only once the subtable is known to miss at that stage or a later
//! one, to see whether the miss can be justified by fewer address bits than the stages' full
//! masks; a hit never pays for a trie walk.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use flow::{Flow, FlowWildcards, Match, FLOW_WORDS};
use smallvec::SmallVec;

use crate::minimatch::{MiniMatch, Shape, Values};

use crate::Version;

/// Number of lookup stages (metadata, L2, L3, L4).
pub(crate) const N_STAGES: usize = 4;

/// The lookup stage a flow word belongs to. Follows the word layout documented in
/// `flow::field`: tunnel, metadata, registers, in_port, recirculation and conntrack words are
/// "metadata"; Ethernet, VLAN and MPLS are L2; IPv4/IPv6 addresses, IP header fields and ARP
/// addresses are L3; transport ports, TCP flags, ARP/ND hardware addresses and the ND target
/// are L4. Words past the field registry (extra storage for inner VLAN tags and further MPLS
/// label stack entries, which only a megaflow cache's masks can cover) count as L2.
pub(crate) fn stage_of_word(w: usize) -> usize {
    match w {
        0..=21 | 39..=44 => 0,
        22 | 23 | 38 | 45 | 46 => 1,
        24..=28 | 31 | 37 => 2,
        _ => 3,
    }
}

/// Hash step over one masked word (multiply-xorshift; collisions only cost time).
#[inline]
pub(crate) fn mix(h: u64, w: u64) -> u64 {
    let x = (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 31)
}

/// Finaliser applied to a running hash before it is used as a table key, so that both the
/// low bits (bucket index) and high bits (control bytes) of the key are well mixed.
#[inline]
pub(crate) fn finish(h: u64) -> u64 {
    let x = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 29)
}

/// A `Hasher` that passes an already-mixed `u64` key through unchanged.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = mix(self.0, u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;

/// A fast `Hasher` for wildcard masks (the subtable index by mask): whole 8-byte words are
/// mixed at a time, instead of SipHash over hundreds of bytes. Masks are not chosen by an
/// adversary who could profit from collisions (they only cost time).
#[derive(Default, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        finish(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        // Masks are mostly zero words: only nonzero ones (with their position) are mixed
        // in, which keeps the dependent multiply chain short. Equal inputs still hash alike.
        let mut chunks = bytes.chunks_exact(8);
        for (i, c) in (&mut chunks).enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            let w = u64::from_le_bytes(w);
            if w != 0 {
                self.0 = mix(self.0 ^ (i as u64), w);
            }
        }
        for b in chunks.remainder() {
            self.0 = mix(self.0, u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0, n);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = mix(self.0, n as u64);
    }
}

pub(crate) type WordBuild = BuildHasherDefault<WordHasher>;

/// A rule as stored in the classifier: priority, match, visibility window and payload.
#[derive(Debug)]
pub struct Rule<T> {
    m: MiniMatch,
    priority: u32,
    seq: u64,
    add_version: Version,
    remove_version: Version,
    payload: T,
}

impl<T> Rule<T> {
    /// The rule's priority (higher wins).
    pub fn priority(&self) -> u32 {
        self.priority
    }

    /// The caller's payload.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// The rule's match, rebuilt from the stored words.
    pub fn to_match(&self) -> Match {
        self.m.to_match()
    }

    /// The rule's match in compact form (sharing the subtable's mask).
    pub fn mini_match(&self) -> &MiniMatch {
        &self.m
    }

    /// The rule's (normalised) match values as a flow.
    pub(crate) fn flow(&self) -> Flow {
        self.m.flow()
    }

    pub(crate) fn set_remove_version(&mut self, v: Version) {
        self.remove_version = v;
    }

    pub(crate) fn payload_mut(&mut self) -> &mut T {
        &mut self.payload
    }

    pub(crate) fn into_payload(self) -> T {
        self.payload
    }

    /// The rule's wildcard mask.
    pub fn mask(&self) -> &FlowWildcards {
        self.m.wildcards()
    }

    /// Whether `flow` is selected by the rule's match (ignoring visibility).
    pub fn matches(&self, flow: &Flow) -> bool {
        self.values_match(flow)
    }

    /// First version in which the rule is visible.
    pub fn add_version(&self) -> Version {
        self.add_version
    }

    /// First version in which the rule is no longer visible ([`crate::VERSION_NEVER`] if it
    /// has not been removed).
    pub fn remove_version(&self) -> Version {
        self.remove_version
    }

    /// Whether lookups at `version` see the rule.
    pub fn is_visible_in(&self, version: Version) -> bool {
        self.add_version <= version && version < self.remove_version
    }

    /// Insertion sequence number used to break ties between equal-priority rules (smaller
    /// wins). A rule that replaces an identical one inherits its number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    #[inline]
    fn values_match(&self, flow: &Flow) -> bool {
        self.m.matches(flow)
    }
}

/// One stage of the subtable's staged lookup.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    /// End (exclusive) of this stage's words in `Shape::words`.
    pub(crate) end: usize,
    /// Trie checks to run before this stage: (trie index, prefix length).
    pub(crate) trie_checks: SmallVec<[(u8, u8); 2]>,
}

type Bucket<T> = SmallVec<[Rule<T>; 1]>;

/// What [`Subtable::truncate`] changed.
pub(crate) struct Truncated {
    /// The hash key the rules are stored under.
    pub(crate) key: u64,
    /// (sequence number, new remove version) of every rule whose visibility was cut.
    pub(crate) changed: SmallVec<[(u64, Version); 2]>,
    /// Sequence number of the rule that was live, if any.
    pub(crate) live: Option<u64>,
}

/// What a subtable lookup decided, with the bits it depended on already folded into the
/// accumulator.
pub(crate) struct TrieCheck<'a> {
    pub(crate) tries: &'a [crate::classifier::TrieSlot],
    pub(crate) results: [Option<crate::trie::TrieResult>; crate::MAX_PREFIX_FIELDS],
}

impl TrieCheck<'_> {
    /// Like [`TrieCheck::skips`], but only if trie `t` has already been walked for this flow.
    #[inline]
    fn skips_if_known(&mut self, t: usize, plen: u32, acc: &mut [u64; FLOW_WORDS]) -> bool {
        match (self.results.get(t), self.tries.get(t)) {
            (Some(Some(r)), Some(slot)) if !r.has_len(plen) => {
                slot.unwildcard_prefix(plen.min(r.checked), acc);
                true
            }
            _ => false,
        }
    }

    /// Whether the trie proves that no rule with prefix length `plen` on its field matches
    /// `flow`; if so, ORs the address bits the proof used into `acc`.
    #[inline]
    fn skips(&mut self, t: usize, plen: u32, flow: &Flow, acc: &mut [u64; FLOW_WORDS]) -> bool {
        let Some(slot) = self.tries.get(t) else {
            return false;
        };
        let Some(cache) = self.results.get_mut(t) else {
            return false;
        };
        let r = *cache.get_or_insert_with(|| slot.trie.lookup(slot.addr_of(flow)));
        if r.has_len(plen) {
            return false;
        }
        slot.unwildcard_prefix(plen.min(r.checked), acc);
        true
    }
}

/// All rules with one mask. See the module documentation.
#[derive(Debug)]
pub(crate) struct Subtable<T> {
    pub(crate) shape: Arc<Shape>,
    pub(crate) stages: Vec<Stage>,
    /// Counting sets of partial hashes, one per stage except the last.
    indices: Vec<HashMap<u64, u32, IdBuild>>,
    rules: HashMap<u64, Bucket<T>, IdBuild>,
    /// Priority -> (number of rules, lower bound of their sequence numbers).
    prios: BTreeMap<u32, (u32, u64)>,
    pub(crate) n_rules: usize,
    /// For each configured trie, this subtable's prefix length on its field (0 = none).
    pub(crate) trie_plens: [u8; crate::MAX_PREFIX_FIELDS],
}

impl<T> Subtable<T> {
    pub(crate) fn new(mask: FlowWildcards) -> Self {
        let shape = Arc::new(Shape::new(mask));
        let mut stages = Vec::new();
        let mut i = 0;
        while i < shape.words.len() {
            let s = stage_of_word(usize::from(shape.words.get(i).copied().unwrap_or(0)));
            while i < shape.words.len()
                && stage_of_word(usize::from(shape.words.get(i).copied().unwrap_or(0))) == s
            {
                i += 1;
            }
            stages.push(Stage {
                end: i,
                trie_checks: SmallVec::new(),
            });
        }
        if stages.is_empty() {
            // The catch-all mask: one empty stage.
            stages.push(Stage {
                end: 0,
                trie_checks: SmallVec::new(),
            });
        }
        let indices = (1..stages.len()).map(|_| HashMap::default()).collect();
        Subtable {
            shape,
            stages,
            indices,
            rules: HashMap::default(),
            prios: BTreeMap::new(),
            n_rules: 0,
            trie_plens: [0; crate::MAX_PREFIX_FIELDS],
        }
    }

    /// Attaches trie checks: `plens[t]` is this subtable's prefix length on trie `t`'s field,
    /// `stage_words[t]` the flow word holding that field.
    pub(crate) fn set_trie_checks(&mut self, plens: &[(u8, usize)]) {
        for st in &mut self.stages {
            st.trie_checks.clear();
        }
        self.trie_plens = [0; crate::MAX_PREFIX_FIELDS];
        for (t, &(plen, word)) in plens.iter().enumerate() {
            if plen == 0 {
                continue;
            }
            if let Some(p) = self.trie_plens.get_mut(t) {
                *p = plen;
            }
            let stage = stage_of_word(word);
            // The stage of the subtable whose words include `stage`; every stage has at least
            // one word, and the trie field is in the mask, so it is found.
            let mut start = 0;
            for st in &mut self.stages {
                let first = self.shape.words.get(start).copied().unwrap_or(0);
                if stage_of_word(usize::from(first)) == stage {
                    st.trie_checks.push((t as u8, plen));
                    break;
                }
                start = st.end;
            }
        }
    }

    /// Highest priority of any stored rule, and a lower bound of the sequence numbers of the
    /// rules at that priority.
    pub(crate) fn max_priority(&self) -> Option<(u32, u64)> {
        self.prios.iter().next_back().map(|(p, (_, s))| (*p, *s))
    }

    /// Partial hashes after each stage (finished) plus the final one.
    fn hashes(&self, values: &[u64]) -> SmallVec<[u64; N_STAGES]> {
        let mut out = SmallVec::new();
        let mut h = 0u64;
        let mut start = 0;
        for st in &self.stages {
            for v in values.get(start..st.end).unwrap_or(&[]) {
                h = mix(h, *v);
            }
            out.push(finish(h));
            start = st.end;
        }
        out
    }

    /// Ends, as of `version`, the visibility of every stored rule with this match and
    /// priority that is still visible at `version` or later (a rule added after `version`
    /// becomes never-visible). Returns the rules changed as (sequence number, new remove
    /// version), the hash key they are stored under, and the sequence number of the rule that
    /// was live, if any.
    pub(crate) fn truncate(
        &mut self,
        values: &[u64],
        priority: u32,
        version: Version,
    ) -> Truncated {
        let key = self.key_of(values);
        let mut changed = SmallVec::new();
        let mut live = None;
        if let Some(bucket) = self.rules.get_mut(&key) {
            for r in bucket
                .iter_mut()
                .filter(|r| r.priority == priority && *r.m.values == *values)
            {
                if r.remove_version == crate::VERSION_NEVER {
                    live = Some(r.seq);
                }
                if r.remove_version > version {
                    r.remove_version = version.max(r.add_version);
                    changed.push((r.seq, r.remove_version));
                }
            }
        }
        Truncated { key, changed, live }
    }

    /// Adds a rule visible from `version` on with sequence number `seq`. The caller has
    /// already truncated identical rules (see [`Subtable::truncate`]).
    pub(crate) fn insert(
        &mut self,
        values: Values,
        priority: u32,
        payload: T,
        version: Version,
        seq: u64,
    ) -> MiniMatch {
        let hashes = self.hashes(&values);
        let key = hashes.last().copied().unwrap_or(0);
        let bucket = self.rules.entry(key).or_default();
        let m = MiniMatch {
            shape: Arc::clone(&self.shape),
            values,
        };
        let rule = Rule {
            m: m.clone(),
            priority,
            seq,
            add_version: version,
            remove_version: crate::VERSION_NEVER,
            payload,
        };
        let pos = bucket
            .iter()
            .position(|r| {
                (r.priority, std::cmp::Reverse(r.seq)) < (priority, std::cmp::Reverse(seq))
            })
            .unwrap_or(bucket.len());
        bucket.insert(pos, rule);
        for (idx, h) in self.indices.iter_mut().zip(hashes.iter()) {
            *idx.entry(*h).or_insert(0) += 1;
        }
        let e = self.prios.entry(priority).or_insert((0, seq));
        e.0 += 1;
        e.1 = e.1.min(seq);
        self.n_rules += 1;
        m
    }

    /// The hash key rules with these values are stored under.
    pub(crate) fn key_of(&self, values: &[u64]) -> u64 {
        self.hashes(values).last().copied().unwrap_or(0)
    }

    /// Finds the stored rule for `flow`/`priority` satisfying `pred`.
    pub(crate) fn find(
        &self,
        values: &[u64],
        priority: u32,
        pred: impl Fn(&Rule<T>) -> bool,
    ) -> Option<&Rule<T>> {
        let key = self.key_of(values);
        self.rules
            .get(&key)?
            .iter()
            .find(|r| r.priority == priority && *r.m.values == *values && pred(r))
    }

    /// Mutable variant of [`Subtable::find`].
    pub(crate) fn find_mut(
        &mut self,
        values: &[u64],
        priority: u32,
        pred: impl Fn(&Rule<T>) -> bool,
    ) -> Option<&mut Rule<T>> {
        let key = self.key_of(values);
        self.rules
            .get_mut(&key)?
            .iter_mut()
            .find(|r| r.priority == priority && *r.m.values == *values && pred(r))
    }

    /// Physically removes the stored rule for `flow`/`priority` satisfying `pred`.
    pub(crate) fn remove(
        &mut self,
        values: &[u64],
        priority: u32,
        pred: impl Fn(&Rule<T>) -> bool,
    ) -> Option<Rule<T>> {
        let key = self.key_of(values);
        self.remove_by_key(key, |r| {
            r.priority == priority && *r.m.values == *values && pred(r)
        })
    }

    /// Physically removes the first rule stored under hash `key` satisfying `pred`.
    pub(crate) fn remove_by_key(
        &mut self,
        key: u64,
        pred: impl Fn(&Rule<T>) -> bool,
    ) -> Option<Rule<T>> {
        let bucket = self.rules.get_mut(&key)?;
        let pos = bucket.iter().position(pred)?;
        let rule = bucket.remove(pos);
        if bucket.is_empty() {
            self.rules.remove(&key);
        }
        let hashes = self.hashes(&rule.m.values);
        for (idx, h) in self.indices.iter_mut().zip(hashes.iter()) {
            if let Some(c) = idx.get_mut(h) {
                *c -= 1;
                if *c == 0 {
                    idx.remove(h);
                }
            }
        }
        if let Some(e) = self.prios.get_mut(&rule.priority) {
            e.0 -= 1;
            if e.0 == 0 {
                self.prios.remove(&rule.priority);
            }
        }
        self.n_rules -= 1;
        Some(rule)
    }

    /// Staged lookup of `flow` at `version`: the best rule of this subtable that matches, or
    /// `None`. Either way, the flow bits the answer depended on are ORed into `acc`.
    #[inline]
    pub(crate) fn lookup(
        &self,
        flow: &Flow,
        version: Version,
        tries: &mut TrieCheck<'_>,
        acc: &mut [u64; FLOW_WORDS],
    ) -> Option<&Rule<T>> {
        let fw = flow.words();
        let words = &self.shape.words;
        let masks = &self.shape.masks;
        let mut h = 0u64;
        let mut start = 0;
        let last = self.stages.len().saturating_sub(1);
        for (i, st) in self.stages.iter().enumerate() {
            // A trie walk already done for an earlier subtable is free to consult up front.
            for &(t, plen) in &st.trie_checks {
                if tries.skips_if_known(usize::from(t), u32::from(plen), acc) {
                    return None;
                }
            }
            for (w, m) in words
                .get(start..st.end)
                .unwrap_or(&[])
                .iter()
                .zip(masks.get(start..st.end).unwrap_or(&[]))
            {
                h = mix(h, fw.get(usize::from(*w)).copied().unwrap_or(0) & m);
            }
            if i < last {
                let present = self
                    .indices
                    .get(i)
                    .is_some_and(|idx| idx.contains_key(&finish(h)));
                if !present {
                    return self.miss(i, st.end, flow, tries, acc);
                }
            }
            start = st.end;
        }
        let found = self.rules.get(&finish(h)).and_then(|b| {
            b.iter()
                .find(|r| r.is_visible_in(version) && r.values_match(flow))
        });
        match found {
            Some(r) => {
                self.fold(words.len(), acc);
                Some(r)
            }
            None => self.miss(last, words.len(), flow, tries, acc),
        }
    }

    /// Records a miss decided at stage `stage` (whose words end at `end`): if a prefix trie
    /// attached to that stage or an earlier one proves the miss with fewer address bits, only
    /// those are un-wildcarded; otherwise all mask bits of the stages seen so far are.
    /// Tries are consulted only here, so a lookup that hits never pays for a trie walk.
    #[inline]
    fn miss(
        &self,
        stage: usize,
        end: usize,
        flow: &Flow,
        tries: &mut TrieCheck<'_>,
        acc: &mut [u64; FLOW_WORDS],
    ) -> Option<&Rule<T>> {
        for st in self.stages.get(..=stage).unwrap_or(&[]) {
            for &(t, plen) in &st.trie_checks {
                if tries.skips(usize::from(t), u32::from(plen), flow, acc) {
                    return None;
                }
            }
        }
        self.fold(end, acc);
        None
    }

    /// ORs the first `n` significant mask words into `acc`.
    #[inline]
    fn fold(&self, n: usize, acc: &mut [u64; FLOW_WORDS]) {
        for (w, m) in self
            .shape
            .words
            .get(..n)
            .unwrap_or(&[])
            .iter()
            .zip(self.shape.masks.iter())
        {
            if let Some(a) = acc.get_mut(usize::from(*w)) {
                *a |= m;
            }
        }
    }

    /// Ends, as of `version`, the visibility of every rule visible in `version` that `sel`
    /// selects (only among those stored under hash `key`, if given), calling `done` with
    /// the hash key, the rule (already truncated) and whether it was live.
    pub(crate) fn truncate_visible(
        &mut self,
        key: Option<u64>,
        version: Version,
        sel: impl Fn(&Rule<T>) -> bool,
        mut done: impl FnMut(u64, &Rule<T>, bool),
    ) {
        let mut visit = |k: u64, bucket: &mut Bucket<T>| {
            for r in bucket.iter_mut() {
                if r.is_visible_in(version) && sel(r) {
                    let live = r.remove_version == crate::VERSION_NEVER;
                    r.remove_version = version.max(r.add_version);
                    done(k, r, live);
                }
            }
        };
        match key {
            Some(k) => {
                if let Some(b) = self.rules.get_mut(&k) {
                    visit(k, b);
                }
            }
            None => {
                for (k, b) in self.rules.iter_mut() {
                    visit(*k, b);
                }
            }
        }
    }

    /// Consumes the subtable, yielding every stored rule.
    pub(crate) fn into_rules(self) -> impl Iterator<Item = Rule<T>> {
        self.rules.into_values().flatten()
    }

    /// Every stored rule (all versions).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Rule<T>> {
        self.rules.values().flat_map(|b| b.iter())
    }

    /// Stored rules whose masked values equal `m`'s (when `m` has exactly this mask).
    pub(crate) fn iter_key<'a>(&'a self, m: &Match) -> impl Iterator<Item = &'a Rule<T>> + 'a {
        let values = self.shape.values_of(m.flow());
        let key = self.key_of(&values);
        self.rules
            .get(&key)
            .into_iter()
            .flat_map(|b| b.iter())
            .filter(move |r| r.m.values == values)
    }

    /// Approximate heap bytes used, excluding payload heap data.
    pub(crate) fn heap_bytes(&self) -> usize {
        let bucket = std::mem::size_of::<(u64, Bucket<T>)>() + 1;
        let mut n = self.rules.capacity() * bucket;
        for idx in &self.indices {
            n += idx.capacity() * (std::mem::size_of::<(u64, u32)>() + 1);
        }
        for b in self.rules.values() {
            if b.spilled() {
                n += b.capacity() * std::mem::size_of::<Rule<T>>();
            }
            for r in b.iter() {
                n += r.m.heap_bytes();
            }
        }
        n + self.prios.len() * 32 + std::mem::size_of::<Shape>() + self.shape.words.len() * 9
    }
}
