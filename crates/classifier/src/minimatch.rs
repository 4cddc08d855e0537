//! Compact matches: a [`Match`] stored as a shared sparse mask plus only the value words
//! the mask covers.
//!
//! A full [`Match`] is two 47-word arrays (752 bytes), almost all zero for a typical OpenFlow
//! rule: `tcp,nw_dst=10.0.0.1,tp_dst=80` covers four words. A [`MiniMatch`] keeps a reference
//! counted [`Shape`] (the mask, the indices of its nonzero words in lookup-stage order, and
//! those mask words) and a small inline vector of the masked flow words at those indices.
//! Every rule of a classifier subtable shares the subtable's shape, so a rule's match costs
//! a pointer and its few value words; [`crate::Classifier::insert_shared`] hands out a
//! match sharing the shape, so owners of rules (the OpenFlow tables) can keep the match
//! compactly too. [`MiniMatch::to_match`] expands it again when a whole [`Match`] is needed
//! (dumps, notifications).
//!
//! Two shapes built from the same mask order their words identically, so two compact
//! matches with equal masks compare by their value vectors alone.

use std::fmt;
use std::sync::Arc;

use flow::{Flow, FlowWildcards, Match, FLOW_WORDS};
use smallvec::SmallVec;

use crate::subtable::stage_of_word;

/// The value words of a compact match (inline up to four words).
pub(crate) type Values = SmallVec<[u64; 4]>;

/// A mask with its significant words in stage order, shared by every rule with that mask.
#[derive(Debug)]
pub(crate) struct Shape {
    pub(crate) mask: FlowWildcards,
    /// Indices of the mask's nonzero words, ordered by stage then index.
    pub(crate) words: Box<[u8]>,
    /// The mask words at those indices.
    pub(crate) masks: Box<[u64]>,
}

impl Shape {
    pub(crate) fn new(mask: FlowWildcards) -> Self {
        let mut idx: Vec<u8> = (0..FLOW_WORDS)
            .filter(|w| mask.words().get(*w).is_some_and(|m| *m != 0))
            .map(|w| w as u8)
            .collect();
        idx.sort_by_key(|w| (stage_of_word(usize::from(*w)), *w));
        let masks: Vec<u64> = idx
            .iter()
            .map(|w| mask.words().get(usize::from(*w)).copied().unwrap_or(0))
            .collect();
        Shape {
            mask,
            words: idx.into_boxed_slice(),
            masks: masks.into_boxed_slice(),
        }
    }

    /// The masked values of `flow` at the significant words.
    #[inline]
    pub(crate) fn values_of(&self, flow: &Flow) -> Values {
        self.words
            .iter()
            .zip(self.masks.iter())
            .map(|(w, m)| flow.words().get(usize::from(*w)).copied().unwrap_or(0) & m)
            .collect()
    }

    /// The flow whose significant words are `values` (all others zero).
    #[inline]
    pub(crate) fn flow_of(&self, values: &[u64]) -> Flow {
        let mut words = [0u64; FLOW_WORDS];
        for (w, v) in self.words.iter().zip(values.iter()) {
            if let Some(slot) = words.get_mut(usize::from(*w)) {
                *slot = *v;
            }
        }
        Flow::from_words(words)
    }

    /// Whether `flow` agrees with `values` on every masked bit.
    #[inline]
    pub(crate) fn matches(&self, values: &[u64], flow: &Flow) -> bool {
        let fw = flow.words();
        self.words
            .iter()
            .zip(self.masks.iter())
            .zip(values.iter())
            .all(|((w, m), v)| fw.get(usize::from(*w)).copied().unwrap_or(0) & m == *v)
    }
}

/// A [`Match`] in compact form. See the module documentation.
#[derive(Clone)]
pub struct MiniMatch {
    pub(crate) shape: Arc<Shape>,
    pub(crate) values: Values,
}

impl MiniMatch {
    /// The compact form of `m`, with a mask of its own (not shared with anything).
    pub fn new(m: &Match) -> Self {
        let shape = Arc::new(Shape::new(*m.wildcards()));
        let values = shape.values_of(m.flow());
        MiniMatch { shape, values }
    }

    /// The whole match.
    #[inline]
    pub fn to_match(&self) -> Match {
        Match::new(self.flow(), self.shape.mask)
    }

    /// The match's (normalised) values as a flow.
    #[inline]
    pub fn flow(&self) -> Flow {
        self.shape.flow_of(&self.values)
    }

    /// The match's mask.
    #[inline]
    pub fn wildcards(&self) -> &FlowWildcards {
        &self.shape.mask
    }

    /// Whether `flow` is selected by the match.
    #[inline]
    pub fn matches(&self, flow: &Flow) -> bool {
        self.shape.matches(&self.values, flow)
    }

    /// Whether this and `other` use the very same shared mask (not merely equal ones).
    pub fn shares_mask_with(&self, other: &MiniMatch) -> bool {
        Arc::ptr_eq(&self.shape, &other.shape)
    }

    /// Heap bytes owned by this match alone (the shared mask is not counted).
    pub fn heap_bytes(&self) -> usize {
        if self.values.spilled() {
            self.values.capacity() * 8
        } else {
            0
        }
    }
}

impl From<&Match> for MiniMatch {
    fn from(m: &Match) -> Self {
        MiniMatch::new(m)
    }
}

impl PartialEq for MiniMatch {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
            && (Arc::ptr_eq(&self.shape, &other.shape) || self.shape.mask == other.shape.mask)
    }
}

impl Eq for MiniMatch {}

impl PartialEq<Match> for MiniMatch {
    fn eq(&self, other: &Match) -> bool {
        self.shape.mask == *other.wildcards() && self.values == self.shape.values_of(other.flow())
    }
}

impl fmt::Debug for MiniMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MiniMatch({})",
            flow::format_match(&self.to_match(), None)
        )
    }
}

/// A match argument of the classifier's lookups by exact match: a whole [`Match`] or a
/// compact one ([`MiniMatch`], which saves rebuilding the sparse values).
#[derive(Debug, Clone, Copy)]
pub enum MatchRef<'a> {
    /// A whole match.
    Full(&'a Match),
    /// A compact match.
    Mini(&'a MiniMatch),
}

impl MatchRef<'_> {
    pub(crate) fn wildcards(&self) -> &FlowWildcards {
        match self {
            MatchRef::Full(m) => m.wildcards(),
            MatchRef::Mini(m) => m.wildcards(),
        }
    }

    /// The values in `shape`'s order (`shape` has this match's mask).
    pub(crate) fn values_in(&self, shape: &Shape) -> Values {
        match self {
            MatchRef::Full(m) => shape.values_of(m.flow()),
            MatchRef::Mini(m) => m.values.clone(),
        }
    }
}

impl<'a> From<&'a Match> for MatchRef<'a> {
    fn from(m: &'a Match) -> Self {
        MatchRef::Full(m)
    }
}

impl<'a> From<&'a MiniMatch> for MatchRef<'a> {
    fn from(m: &'a MiniMatch) -> Self {
        MatchRef::Mini(m)
    }
}
