//! A classifier shared between one writer (ofproto) and many readers (upcall handlers).
//!
//! [`SharedClassifier`] wraps a [`Classifier`] and its *published* version in a `RwLock`.
//! Readers run inside [`SharedClassifier::read`], which takes the read lock, reads the
//! published version under it and hands out a [`Snapshot`] bound to that version. The writer
//! changes rules with [`SharedClassifier::modify`], which takes the write lock for one short
//! closure and passes it the *next* version; changes made there stay invisible to readers
//! until [`SharedClassifier::publish`] advances the published version. Publishing also
//! collects the rules removed at or before the new version: no reader can still be using an
//! older version, since readers read the version under the lock. A poisoned lock (a panic in
//! another thread while holding it) is recovered rather than propagated.
//!
//! There is one writer by design: two interleaved batches would share the next version.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use flow::{Flow, FlowWildcards, Match};

use crate::{Classifier, Rule, Version, VERSION_NEVER};

#[derive(Debug)]
struct State<T> {
    cls: Classifier<T>,
    published: Version,
}

/// A classifier plus published version behind a `RwLock`. See the module documentation.
#[derive(Debug)]
pub struct SharedClassifier<T> {
    inner: RwLock<State<T>>,
}

/// A read-only view of the classifier at the published version of the moment.
#[derive(Debug)]
pub struct Snapshot<'a, T> {
    cls: &'a Classifier<T>,
    version: Version,
}

impl<'a, T> Snapshot<'a, T> {
    /// The version this snapshot looks at.
    pub fn version(&self) -> Version {
        self.version
    }

    /// [`Classifier::lookup`] at the snapshot's version.
    pub fn lookup(&self, flow: &Flow, wc: &mut FlowWildcards) -> Option<&'a Rule<T>> {
        self.cls.lookup(self.version, flow, wc)
    }

    /// [`Classifier::lookup_no_wc`] at the snapshot's version.
    pub fn lookup_no_wc(&self, flow: &Flow) -> Option<&'a Rule<T>> {
        self.cls.lookup_no_wc(self.version, flow)
    }

    /// [`Classifier::find_exact`] at the snapshot's version.
    pub fn find_exact(&self, m: &Match, priority: u32) -> Option<&'a Rule<T>> {
        self.cls.find_exact(m, priority, self.version)
    }

    /// The whole classifier (for iteration at [`Snapshot::version`]).
    pub fn classifier(&self) -> &'a Classifier<T> {
        self.cls
    }
}

impl<T> SharedClassifier<T> {
    /// Shares `cls`, publishing `version`.
    pub fn new(cls: Classifier<T>, version: Version) -> Self {
        SharedClassifier {
            inner: RwLock::new(State {
                cls,
                published: version.min(VERSION_NEVER - 1),
            }),
        }
    }

    fn read_lock(&self) -> RwLockReadGuard<'_, State<T>> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, State<T>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on a snapshot at the published version, holding the read lock meanwhile.
    /// Keep `f` short (one packet's lookup): the writer waits for it.
    pub fn read<R>(&self, f: impl FnOnce(&Snapshot<'_, T>) -> R) -> R {
        let g = self.read_lock();
        let snap = Snapshot {
            cls: &g.cls,
            version: g.published,
        };
        f(&snap)
    }

    /// The version readers currently see.
    pub fn published_version(&self) -> Version {
        self.read_lock().published
    }

    /// Runs `f` with exclusive access to the classifier and the version the next batch should
    /// use (published + 1). Changes become visible on [`SharedClassifier::publish`].
    pub fn modify<R>(&self, f: impl FnOnce(&mut Classifier<T>, Version) -> R) -> R {
        let mut g = self.write_lock();
        let next = g.published.saturating_add(1).min(VERSION_NEVER - 1);
        f(&mut g.cls, next)
    }

    /// Makes the pending batch visible (published version + 1) and collects rules no version
    /// in use can see any more. Returns the new version and the collected payloads.
    pub fn publish(&self) -> (Version, Vec<T>) {
        let mut g = self.write_lock();
        g.published = g.published.saturating_add(1).min(VERSION_NEVER - 1);
        let v = g.published;
        let garbage = g.cls.collect_garbage(v);
        (v, garbage)
    }
}
