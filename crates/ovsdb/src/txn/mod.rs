//! Transactions: executing an RFC 7047 `transact` request.
//!
//! [`Database::execute`] runs the operations of one `transact` params array
//! against a private overlay of the database (the database itself is not
//! touched), then performs the commit-time checks, and returns an
//! [`Outcome`]:
//!
//! * [`Outcome::Done`] with the result array exactly as ovsdb-server would
//!   send it and, on success, the [`ChangeSet`] to commit with
//!   [`Database::commit`] (after the caller has logged it, if it wants
//!   durability first);
//! * [`Outcome::Blocked`] when a `wait` operation is not yet satisfied and its
//!   timeout has not expired: nothing happened, and the caller should run the
//!   same request again when the database changes, or at the deadline (when
//!   the `wait` then reports `timed out`).
//!
//! Result shape (RFC 7047 section 4.1.3, as Open vSwitch implements it): one
//! element per operation; when an operation fails its element is the error
//! object, the operations after it are not executed and their elements are
//! `null`; when every operation succeeds but a commit-time check fails
//! (referential integrity, constraints, indexes, `maxRows`), the error object
//! is appended as one extra element.  A malformed params array (not an
//! array, or not starting with the database name) yields a bare error object
//! instead of an array.
//!
//! Everything external is passed in through [`TxnEnv`]: the clock (for
//! `wait` timeouts), a UUID generator (for new rows and `_version`s) and a
//! lock-ownership check (for `assert`).
//!
//! The work is split in three files: this one holds the public API and the
//! overlay (`TxnState`) that reads through to the committed database; `ops`
//! parses and executes each operation; `commit` runs the commit-time checks
//! and builds the change set.

pub(crate) mod commit;
mod ops;

use crate::atom::SymbolTable;
use crate::changes::ChangeSet;
use crate::condition::Condition;
use crate::db::{Database, Row};
use crate::error::OvsdbError;
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Lock-ownership check used by the `assert` operation.
pub trait LockOwner {
    /// Whether the session running the transaction holds lock `name`.
    fn holds_lock(&self, name: &str) -> bool;
}

/// A [`LockOwner`] that holds no lock at all (e.g. for offline tools).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLocks;

impl LockOwner for NoLocks {
    fn holds_lock(&self, _name: &str) -> bool {
        false
    }
}

impl<F: Fn(&str) -> bool> LockOwner for F {
    fn holds_lock(&self, name: &str) -> bool {
        self(name)
    }
}

/// What a transaction needs from the outside world.
pub struct TxnEnv<'a> {
    /// The current time, in milliseconds.
    pub now_ms: i64,
    /// When the request was first received (for `wait` timeouts when a
    /// blocked transaction is retried), in milliseconds.
    pub started_ms: i64,
    /// Source of fresh UUIDs (new rows and `_version` values).
    pub uuid_gen: &'a mut dyn FnMut() -> Uuid,
    /// Lock ownership, for `assert`.
    pub locks: &'a dyn LockOwner,
    /// Whether the database is read-only for this request (as on a backup
    /// server): `insert`, `update`, `mutate`, `delete` and `commit` then
    /// fail with `not allowed`.
    pub read_only: bool,
}

impl<'a> TxnEnv<'a> {
    /// An environment at time `now_ms` (also used as the start time), not
    /// read-only.
    pub fn new(
        now_ms: i64,
        uuid_gen: &'a mut dyn FnMut() -> Uuid,
        locks: &'a dyn LockOwner,
    ) -> Self {
        TxnEnv {
            now_ms,
            started_ms: now_ms,
            uuid_gen,
            locks,
            read_only: false,
        }
    }
}

impl std::fmt::Debug for TxnEnv<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TxnEnv")
            .field("now_ms", &self.now_ms)
            .field("started_ms", &self.started_ms)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// A completed transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct TxnResult {
    /// The `result` member of the JSON-RPC reply.
    pub result: Value,
    /// Whether every operation and every commit check succeeded.
    pub success: bool,
    /// What to commit (empty on failure, or when nothing changed).
    pub changes: ChangeSet,
    /// Whether a `commit` operation asked for `"durable": true`.
    pub durable: bool,
    /// The `comment` operations' text joined with newlines, if any.
    pub comment: Option<String>,
}

/// The outcome of [`Database::execute`].
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The transaction finished (successfully or not).
    Done(TxnResult),
    /// A `wait` is unsatisfied: retry when the database changes, or at
    /// `deadline_ms` (if any), when the wait will time out.
    Blocked {
        /// When the blocking `wait` times out (`None`: never).
        deadline_ms: Option<i64>,
    },
}

impl Outcome {
    /// The finished result, if not blocked.
    pub fn done(self) -> Option<TxnResult> {
        match self {
            Outcome::Done(r) => Some(r),
            Outcome::Blocked { .. } => None,
        }
    }
}

/// One row touched by a transaction.
#[derive(Debug, Clone)]
pub(crate) struct TxnRow {
    /// The committed row (`None` if inserted by this transaction).
    pub old: Option<Row>,
    /// The row as of now (`None` if deleted).
    pub new: Option<Row>,
}

/// The transaction's private view: committed database plus touched rows.
pub(crate) struct TxnState<'d> {
    pub db: &'d Database,
    pub tables: Vec<BTreeMap<Uuid, TxnRow>>,
}

impl<'d> TxnState<'d> {
    pub fn new(db: &'d Database) -> Self {
        TxnState {
            db,
            tables: vec![BTreeMap::new(); db.schema().tables.len()],
        }
    }

    /// The current version of a row, if it exists.
    pub fn get(&self, t: usize, u: &Uuid) -> Option<&Row> {
        match self.tables.get(t).and_then(|m| m.get(u)) {
            Some(tr) => tr.new.as_ref(),
            None => self.db.table_at(t)?.get(u),
        }
    }

    /// Whether `u` exists now, or was committed, or was touched in this
    /// transaction (used to refuse reusing a UUID).
    pub fn uuid_known(&self, t: usize, u: &Uuid) -> bool {
        self.tables.get(t).is_some_and(|m| m.contains_key(u))
            || self.db.table_at(t).is_some_and(|tb| tb.get(u).is_some())
    }

    /// Whether the row was inserted by this transaction.
    pub fn is_inserted(&self, t: usize, u: &Uuid) -> bool {
        matches!(
            self.tables.get(t).and_then(|m| m.get(u)),
            Some(TxnRow { old: None, .. })
        )
    }

    pub fn insert(&mut self, t: usize, row: Row) {
        if let Some(m) = self.tables.get_mut(t) {
            m.insert(
                row.uuid(),
                TxnRow {
                    old: None,
                    new: Some(row),
                },
            );
        }
    }

    /// A mutable current version of the row, copying it into the overlay.
    pub fn modify(&mut self, t: usize, u: &Uuid) -> Option<&mut Row> {
        let committed = self.db.table_at(t).and_then(|tb| tb.get(u));
        let m = self.tables.get_mut(t)?;
        if !m.contains_key(u) {
            let row = committed?.clone();
            m.insert(
                *u,
                TxnRow {
                    old: Some(row.clone()),
                    new: Some(row),
                },
            );
        }
        m.get_mut(u)?.new.as_mut()
    }

    pub fn delete(&mut self, t: usize, u: &Uuid) {
        let committed = self.db.table_at(t).and_then(|tb| tb.get(u)).cloned();
        let Some(m) = self.tables.get_mut(t) else {
            return;
        };
        match m.get_mut(u) {
            Some(tr) if tr.old.is_none() => {
                m.remove(u);
            }
            Some(tr) => tr.new = None,
            None => {
                if let Some(row) = committed {
                    m.insert(
                        *u,
                        TxnRow {
                            old: Some(row),
                            new: None,
                        },
                    );
                }
            }
        }
    }

    /// UUIDs of all rows that currently exist in table `t`, in order.
    pub fn live_uuids(&self, t: usize) -> Vec<Uuid> {
        let mut out = Vec::new();
        let overlay = self.tables.get(t);
        if let Some(tb) = self.db.table_at(t) {
            out.extend(
                tb.uuids()
                    .filter(|u| !overlay.is_some_and(|m| m.contains_key(u)))
                    .copied(),
            );
        }
        if let Some(m) = overlay {
            out.extend(m.iter().filter(|(_, tr)| tr.new.is_some()).map(|(u, _)| *u));
        }
        out.sort();
        out
    }

    /// Number of rows that currently exist in table `t`.
    pub fn row_count(&self, t: usize) -> usize {
        let base = self.db.table_at(t).map_or(0, |tb| tb.len());
        let Some(m) = self.tables.get(t) else {
            return base;
        };
        let mut n = base as i64;
        for tr in m.values() {
            n += i64::from(tr.new.is_some()) - i64::from(tr.old.is_some());
        }
        n.max(0) as usize
    }

    /// UUIDs of the current rows of `t` that satisfy every clause.
    pub fn matching(&self, t: usize, cond: &Condition) -> Vec<Uuid> {
        if let Some(u) = cond.uuid_equality() {
            return match self.get(t, &u) {
                Some(r) if cond.matches_all(r) => vec![u],
                _ => Vec::new(),
            };
        }
        if let Some(candidates) = self.index_candidates(t, cond) {
            return candidates
                .into_iter()
                .filter(|u| self.get(t, u).is_some_and(|r| cond.matches_all(r)))
                .collect();
        }
        self.live_uuids(t)
            .into_iter()
            .filter(|u| self.get(t, u).is_some_and(|r| cond.matches_all(r)))
            .collect()
    }

    /// When an `==` clause pins every column of a unique index, the only
    /// rows that can match are the committed row holding that key (if any)
    /// and rows touched by this transaction.  Returns that superset, sorted,
    /// or `None` when no index applies.
    fn index_candidates(&self, t: usize, cond: &Condition) -> Option<Vec<Uuid>> {
        let ts = self.db.schema().tables.get(t)?;
        let table = self.db.table_at(t)?;
        let eq = |col: usize| {
            cond.clauses.iter().find_map(|c| match c {
                crate::condition::Clause::Compare {
                    column,
                    function: crate::condition::Function::Eq,
                    arg,
                } if *column == col => Some(arg.clone()),
                _ => None,
            })
        };
        for (ii, cols) in ts.indexes.iter().enumerate() {
            let key: Option<Vec<_>> = cols.iter().map(|c| eq(*c)).collect();
            let Some(key) = key else { continue };
            let mut out: Vec<Uuid> = table.index_lookup(ii, &key).into_iter().collect();
            if let Some(m) = self.tables.get(t) {
                out.extend(m.iter().filter(|(_, tr)| tr.new.is_some()).map(|(u, _)| *u));
            }
            out.sort();
            out.dedup();
            return Some(out);
        }
        None
    }
}

/// Per-execution context shared by the operation executors.
pub(crate) struct ExecCtx<'a, 'g> {
    pub symtab: SymbolTable<'g>,
    pub env_now: i64,
    pub env_started: i64,
    pub locks: &'a dyn LockOwner,
    pub read_only: bool,
    pub durable: bool,
    pub comments: Vec<String>,
}

/// Why an operation stopped the transaction.
pub(crate) enum OpStop {
    Error(OvsdbError),
    Blocked(Option<i64>),
}

impl From<OvsdbError> for OpStop {
    fn from(e: OvsdbError) -> Self {
        OpStop::Error(e)
    }
}

impl Database {
    /// Executes a `transact` params array (`[db-name, op, ...]`) without
    /// changing the database.  See the module documentation.
    pub fn execute(&self, params: &Value, env: &mut TxnEnv<'_>) -> Outcome {
        let fail = |e: OvsdbError| {
            Outcome::Done(TxnResult {
                result: e.to_json(),
                success: false,
                changes: ChangeSet::default(),
                durable: false,
                comment: None,
            })
        };
        let Some(items) = params.as_array() else {
            return fail(OvsdbError::syntax(params, "array expected"));
        };
        match items.first().and_then(Value::as_str) {
            Some(name) if name == self.name() => {}
            _ => {
                return fail(OvsdbError::syntax(
                    params,
                    "database name expected as first parameter",
                ))
            }
        }
        let ops = items.get(1..).unwrap_or(&[]);
        let mut state = TxnState::new(self);
        let mut ctx = ExecCtx {
            symtab: SymbolTable::new(&mut *env.uuid_gen),
            env_now: env.now_ms,
            env_started: env.started_ms,
            locks: env.locks,
            read_only: env.read_only,
            durable: false,
            comments: Vec::new(),
        };
        let mut results = Vec::with_capacity(ops.len() + 1);
        let mut failed = false;
        for (i, op) in ops.iter().enumerate() {
            match ops::execute_op(&mut state, &mut ctx, op, i, ops.len()) {
                Ok(r) => results.push(r),
                Err(OpStop::Error(e)) => {
                    results.push(e.to_json());
                    failed = true;
                    break;
                }
                Err(OpStop::Blocked(deadline_ms)) => return Outcome::Blocked { deadline_ms },
            }
        }
        while results.len() < ops.len() {
            results.push(Value::Null);
        }
        let comment = if ctx.comments.is_empty() {
            None
        } else {
            Some(ctx.comments.join("\n"))
        };
        let durable = ctx.durable;
        let mut changes = ChangeSet::default();
        if !failed {
            match commit::finish(&mut state, &mut || ctx.symtab.generate()) {
                Ok(cs) => changes = cs,
                Err(e) => {
                    results.push(e.to_json());
                    failed = true;
                }
            }
        }
        Outcome::Done(TxnResult {
            result: Value::Array(results),
            success: !failed,
            changes,
            durable,
            comment,
        })
    }

    /// Commits a change set produced by [`Database::execute`].
    pub fn commit(&mut self, changes: &ChangeSet) {
        self.apply(changes);
    }

    /// Executes and, on success, immediately commits a transaction.
    pub fn transact(&mut self, params: &Value, env: &mut TxnEnv<'_>) -> Outcome {
        let out = self.execute(params, env);
        if let Outcome::Done(r) = &out {
            if r.success {
                self.apply(&r.changes);
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests;
