//! One PMD thread's flow caches: the megaflow table and the exact-match cache in front of it.
//!
//! # Megaflows
//!
//! A megaflow is a key, a mask, an action list and counters. The table keeps them in a slab
//! (`Vec<Option<Megaflow>>`, indices recycled through a free list) and indexes them with a
//! [`classifier::Classifier`] whose payload is the slab index: every megaflow is a rule of
//! priority 0 whose match is the key under the mask, so a lookup is one hash probe per
//! distinct mask (tuple-space search), and `flow_put`/`flow_del` find a megaflow by exact
//! match on (key & mask, mask). Versions are not used (everything happens at version 0 and
//! removal is immediate): the table is only touched under its PMD's lock (see the crate
//! documentation), so no reader can be looking at it while it changes.
//!
//! Every slab slot has a generation number, bumped whenever the slot is freed. Handles to a
//! megaflow (`(index, generation)`) held by the exact-match cache therefore go stale the
//! moment the megaflow is deleted, without the delete having to find them.
//!
//! # Exact-match cache (EMC)
//!
//! A direct-mapped array (power-of-two size, 8192 entries by default) indexed by a hash of
//! all words of the extracted [`Flow`]. An entry holds the full flow and a megaflow handle; a
//! hit needs the hash, one 376-byte comparison and a generation check, instead of one
//! masked hash probe per subtable. Entries are written on every megaflow hit and upcall
//! installation (newest wins a slot).

use classifier::Classifier;
use dpif::{DpifError, FlowStats, OdpAction, OdpPort};
use flow::{FieldId, Flow, FlowWildcards, Match};

/// One installed megaflow.
#[derive(Clone, Debug)]
pub(crate) struct Megaflow {
    /// The key as installed (bits outside the mask may be set).
    pub key: Flow,
    /// The mask.
    pub mask: FlowWildcards,
    /// The actions.
    pub actions: Vec<OdpAction>,
    /// When the actions are nothing but outputs, the ports: the PMD then transmits the
    /// received frame itself, without copying it.
    pub simple: Option<Vec<OdpPort>>,
    /// Counters.
    pub stats: FlowStats,
}

impl Megaflow {
    fn new(key: Flow, mask: FlowWildcards, actions: Vec<OdpAction>) -> Megaflow {
        let mut m = Megaflow {
            key,
            mask,
            actions: Vec::new(),
            simple: None,
            stats: FlowStats::default(),
        };
        m.set_actions(actions);
        m
    }

    /// Replaces the actions (and recomputes the output-only shortcut).
    pub fn set_actions(&mut self, actions: Vec<OdpAction>) {
        self.simple = actions
            .iter()
            .map(|a| match a {
                OdpAction::Output(p) => Some(*p),
                _ => None,
            })
            .collect();
        self.actions = actions;
    }

    /// Credits one packet of `bytes` bytes with `tcp_flags`, at time `now`.
    #[inline]
    pub fn credit(&mut self, bytes: usize, tcp_flags: u16, now: u64) {
        self.stats.packets += 1;
        self.stats.bytes += bytes as u64;
        self.stats.used = Some(now);
        self.stats.tcp_flags |= tcp_flags;
    }
}

/// The mask a megaflow is installed with: the caller's, with `in_port` and `recirc_id`
/// forced exact (the cache is partitioned by input port and recirculation pass, as in Open
/// vSwitch's userspace datapath).
pub(crate) fn install_mask(mask: &FlowWildcards) -> FlowWildcards {
    let mut m = *mask;
    m.set(FieldId::InPort, u128::MAX);
    m.set(FieldId::RecircId, u128::MAX);
    m
}

/// Whether `actions` (nested lists included) output to `port`.
pub(crate) fn mentions_port(actions: &[OdpAction], port: OdpPort) -> bool {
    actions.iter().any(|a| match a {
        OdpAction::Output(p) => *p == port,
        OdpAction::Clone(v) | OdpAction::Sample { actions: v, .. } => mentions_port(v, port),
        OdpAction::CheckPktLen { gt, le, .. } => mentions_port(gt, port) || mentions_port(le, port),
        _ => false,
    })
}

/// A hash of every word of `flow` (the EMC index).
#[inline]
pub(crate) fn flow_hash(flow: &Flow) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for w in flow.words() {
        h = (h ^ *w).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 32;
    }
    h
}

#[derive(Clone)]
struct EmcEntry {
    hash: u64,
    flow: Flow,
    idx: u32,
    gen: u32,
}

/// Where a lookup found its megaflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HitKind {
    /// In the exact-match cache.
    Emc,
    /// In the megaflow classifier.
    Megaflow,
}

/// The megaflow table and EMC of one PMD thread. See the module documentation.
pub(crate) struct FlowTable {
    cls: Classifier<u32>,
    slab: Vec<Option<Megaflow>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    len: usize,
    limit: usize,
    emc: Vec<Option<EmcEntry>>,
    emc_mask: usize,
}

impl FlowTable {
    /// A table holding at most `limit` megaflows with an EMC of `emc_entries` (rounded up to
    /// a power of two; 0 disables the EMC).
    pub fn new(limit: usize, emc_entries: usize) -> FlowTable {
        let n = if emc_entries == 0 {
            0
        } else {
            emc_entries.next_power_of_two()
        };
        FlowTable {
            cls: Classifier::new(),
            slab: Vec::new(),
            gens: Vec::new(),
            free: Vec::new(),
            len: 0,
            limit,
            emc: vec![None; n],
            emc_mask: n.saturating_sub(1),
        }
    }

    /// Megaflows installed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Distinct masks (classifier subtables).
    pub fn n_masks(&self) -> usize {
        self.cls.n_subtables()
    }

    /// Finds the megaflow for `flow` (EMC first, then the classifier, refreshing the EMC).
    #[inline]
    pub fn lookup(&mut self, flow: &Flow) -> Option<(u32, HitKind)> {
        let hash = flow_hash(flow);
        if !self.emc.is_empty() {
            let slot = (hash as usize) & self.emc_mask;
            if let Some(Some(e)) = self.emc.get(slot) {
                if e.hash == hash
                    && self.gens.get(e.idx as usize) == Some(&e.gen)
                    && e.flow == *flow
                    && self.slab.get(e.idx as usize).is_some_and(Option::is_some)
                {
                    return Some((e.idx, HitKind::Emc));
                }
            }
        }
        let idx = *self.cls.lookup_no_wc(0, flow)?.payload();
        self.emc_insert(hash, flow, idx);
        Some((idx, HitKind::Megaflow))
    }

    fn emc_insert(&mut self, hash: u64, flow: &Flow, idx: u32) {
        if self.emc.is_empty() {
            return;
        }
        let Some(&gen) = self.gens.get(idx as usize) else {
            return;
        };
        let slot = (hash as usize) & self.emc_mask;
        if let Some(e) = self.emc.get_mut(slot) {
            *e = Some(EmcEntry {
                hash,
                flow: *flow,
                idx,
                gen,
            });
        }
    }

    /// The megaflow at slab index `idx`.
    pub fn get(&self, idx: u32) -> Option<&Megaflow> {
        self.slab.get(idx as usize)?.as_ref()
    }

    /// The megaflow at slab index `idx`, writable.
    pub fn get_mut(&mut self, idx: u32) -> Option<&mut Megaflow> {
        self.slab.get_mut(idx as usize)?.as_mut()
    }

    /// The megaflow with exactly this key (under `mask`) and mask.
    pub fn find(&self, key: &Flow, mask: &FlowWildcards) -> Option<u32> {
        let m = Match::new(*key, *mask);
        self.cls.find_exact(&m, 0, 0).map(|r| *r.payload())
    }

    /// Installs a megaflow (the mask as given; callers apply [`install_mask`]). `Exists` if
    /// one with the same match is there, `NoSpace` at the limit. `emc_flow` also gets an EMC
    /// entry (the packet that caused the installation).
    pub fn insert(
        &mut self,
        key: &Flow,
        mask: &FlowWildcards,
        actions: Vec<OdpAction>,
        emc_flow: Option<&Flow>,
    ) -> Result<u32, DpifError> {
        if self.find(key, mask).is_some() {
            return Err(DpifError::Exists("flow".into()));
        }
        if self.len >= self.limit {
            return Err(DpifError::NoSpace(format!(
                "megaflow limit ({}) reached",
                self.limit
            )));
        }
        let idx = match self.free.pop() {
            Some(i) => i,
            None => {
                let i = u32::try_from(self.slab.len())
                    .map_err(|_| DpifError::NoSpace("megaflow table".into()))?;
                self.slab.push(None);
                self.gens.push(0);
                i
            }
        };
        let m = Match::new(*key, *mask);
        if let Err(e) = self.cls.insert(m, 0, idx, 0) {
            self.free.push(idx);
            return Err(DpifError::Invalid(e.to_string()));
        }
        if let Some(slot) = self.slab.get_mut(idx as usize) {
            *slot = Some(Megaflow::new(*key, *mask, actions));
        }
        self.len += 1;
        if let Some(f) = emc_flow {
            self.emc_insert(flow_hash(f), f, idx);
        }
        Ok(idx)
    }

    /// Removes the megaflow at `idx` and returns it. Its EMC entries go stale at once (the
    /// slot's generation changes).
    pub fn remove(&mut self, idx: u32) -> Option<Megaflow> {
        let mf = self.slab.get_mut(idx as usize)?.take()?;
        self.cls.remove_now(&Match::new(mf.key, mf.mask), 0);
        if let Some(g) = self.gens.get_mut(idx as usize) {
            *g = g.wrapping_add(1);
        }
        self.free.push(idx);
        self.len -= 1;
        Some(mf)
    }

    /// Removes every megaflow and empties the EMC.
    pub fn flush(&mut self) {
        let idxs: Vec<u32> = self
            .slab
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_some())
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        for i in idxs {
            self.remove(i);
        }
        for e in &mut self.emc {
            *e = None;
        }
    }

    /// Removes every megaflow that receives from or outputs to `port` (for port removal, so
    /// that the port's number can be reused safely); returns how many.
    pub fn remove_port(&mut self, port: OdpPort) -> usize {
        let idxs: Vec<u32> = self
            .slab
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.as_ref().is_some_and(|m| {
                    u32::from(m.key.in_port()) == port || mentions_port(&m.actions, port)
                })
            })
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        for &i in &idxs {
            self.remove(i);
        }
        idxs.len()
    }

    /// Every megaflow.
    pub fn iter(&self) -> impl Iterator<Item = &Megaflow> + '_ {
        self.slab.iter().filter_map(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(port: u16, dst: u32) -> Flow {
        let mut f = Flow::new();
        f.set_in_port(port);
        f.set_dl_type(0x0800);
        f.set_nw_dst(dst);
        f
    }

    #[test]
    fn insert_lookup_remove_and_emc_staleness() {
        let mut t = FlowTable::new(2, 16);
        let mut wc = FlowWildcards::catchall();
        wc.set(FieldId::EthType, u128::MAX);
        let mask = install_mask(&wc);
        let idx = t
            .insert(&flow(1, 5), &mask, vec![OdpAction::Output(2)], None)
            .unwrap();
        assert_eq!(t.get(idx).unwrap().simple, Some(vec![2]));
        // First lookup goes to the classifier, the second hits the EMC.
        assert_eq!(t.lookup(&flow(1, 9)), Some((idx, HitKind::Megaflow)));
        assert_eq!(t.lookup(&flow(1, 9)), Some((idx, HitKind::Emc)));
        assert_eq!(t.lookup(&flow(2, 9)), None);
        assert!(matches!(
            t.insert(&flow(1, 7), &mask, vec![], None),
            Err(DpifError::Exists(_))
        ));
        t.insert(&flow(2, 7), &mask, vec![], None).unwrap();
        assert!(matches!(
            t.insert(&flow(3, 7), &mask, vec![], None),
            Err(DpifError::NoSpace(_))
        ));
        assert!(t.remove(idx).is_some());
        // The EMC entry is stale: no hit, and the classifier has nothing either.
        assert_eq!(t.lookup(&flow(1, 9)), None);
        // A new megaflow reusing the slot is found through the classifier, not the stale EMC.
        let idx2 = t
            .insert(&flow(1, 5), &mask, vec![OdpAction::Drop], None)
            .unwrap();
        assert_eq!(idx2, idx);
        assert_eq!(t.lookup(&flow(1, 9)), Some((idx, HitKind::Megaflow)));
        assert_eq!(t.len(), 2);
        t.flush();
        assert_eq!(t.len(), 0);
        assert_eq!(t.lookup(&flow(2, 7)), None);
    }
}
