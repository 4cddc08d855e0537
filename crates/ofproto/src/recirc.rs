//! Frozen translation states for recirculation.
//!
//! Some decisions cannot be made on the flow the datapath handed to translation: after
//! `pop_mpls` to an IP EtherType or `pop_pbb`, the inner headers were never extracted, so a
//! later `goto_table` (or any action that reads or writes them) needs the datapath to look
//! at the packet again; a `select` group picks its bucket by a hash the datapath computes.
//! Translation then *freezes*: it commits what it has, emits `recirc(id)`, and records here
//! what is left to do under `id` (the remaining actions, the table and cookie they belong
//! to, the OpenFlow 1.1+ action set, the pipeline metadata and registers, and for a select
//! group the group whose bucket is still to be chosen). When the packet comes back with
//! that `recirc_id`, [`crate::xlate()`](fn@crate::xlate) finds the state and continues
//! from it instead of starting at table 0, as Open vSwitch does with its frozen states.
//!
//! Identical states share one id (found by comparison), so re-translating a megaflow
//! (revalidation) reuses the id its first translation allocated. The table lives in the
//! bridge's [`crate::Snapshot`] behind a mutex (translation only has `&Snapshot`); it holds
//! at most [`MAX_FROZEN`] states and forgets the oldest beyond that (a packet that comes
//! back with a forgotten id is dropped, as Open vSwitch drops unknown ids).

use flow::FieldId;
use ofp_actions::Action;
use std::sync::Mutex;

/// Most states kept per bridge.
pub const MAX_FROZEN: usize = 4096;

/// What translation still has to do when a recirculated packet comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenState {
    /// The table whose rule the remaining actions belong to.
    pub table_id: u8,
    /// That rule's cookie.
    pub cookie: u64,
    /// A select group whose bucket is chosen by `dp_hash` before `actions` run.
    pub group: Option<u32>,
    /// The remaining actions.
    pub actions: Vec<Action>,
    /// The OpenFlow 1.1+ action set.
    pub action_set: Vec<Action>,
    /// Pipeline fields to restore (metadata, registers, `actset_output`), as set values.
    pub fields: Vec<(FieldId, u128)>,
}

#[derive(Debug, Default)]
struct Inner {
    states: Vec<(u32, FrozenState)>,
    next: u32,
}

/// The frozen states of one bridge.
#[derive(Debug, Default)]
pub struct RecircTable {
    inner: Mutex<Inner>,
}

impl RecircTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The id of `state`: the one an identical state already has, else a new one, at least
    /// `candidate` (the caller's next free id) and above every id this table gave out.
    /// Returns the id and whether it is new.
    pub fn freeze(&self, state: FrozenState, candidate: u32) -> (u32, bool) {
        let mut inner = self.lock();
        if let Some((id, _)) = inner.states.iter().find(|(_, s)| *s == state) {
            return (*id, false);
        }
        let id = candidate.max(inner.next).max(1);
        inner.next = id.wrapping_add(1).max(1);
        if inner.states.len() >= MAX_FROZEN {
            inner.states.remove(0);
        }
        inner.states.push((id, state));
        (id, true)
    }

    /// The state frozen under `id`.
    pub fn get(&self, id: u32) -> Option<FrozenState> {
        let inner = self.lock();
        inner
            .states
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, s)| s.clone())
    }

    /// How many states are kept.
    pub fn len(&self) -> usize {
        self.lock().states.len()
    }

    /// Whether no state is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(table_id: u8) -> FrozenState {
        FrozenState {
            table_id,
            cookie: 0,
            group: None,
            actions: vec![Action::GotoTable(table_id)],
            action_set: Vec::new(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn identical_states_share_an_id() {
        let t = RecircTable::new();
        assert_eq!(t.freeze(st(1), 5), (5, true));
        assert_eq!(t.freeze(st(1), 9), (5, false));
        assert_eq!(t.freeze(st(2), 5), (6, true));
        assert_eq!(t.get(6), Some(st(2)));
        assert_eq!(t.get(7), None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn oldest_state_is_forgotten_when_full() {
        let t = RecircTable::new();
        for i in 0..MAX_FROZEN {
            let mut s = st(1);
            s.cookie = i as u64;
            t.freeze(s, 1);
        }
        assert!(t.get(1).is_some());
        let mut s = st(1);
        s.cookie = u64::MAX;
        let (id, new) = t.freeze(s, 1);
        assert!(new);
        assert_eq!(t.get(1), None);
        assert!(t.get(id).is_some());
        assert_eq!(t.len(), MAX_FROZEN);
    }
}
