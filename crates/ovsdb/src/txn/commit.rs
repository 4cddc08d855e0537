//! Commit-time checks and change-set construction.
//!
//! After every operation succeeded, the transaction is checked as a whole,
//! in this order (the order decides which error is reported when several
//! apply):
//!
//! 1. strong references in new or modified rows must point at existing rows
//!    (`referential integrity violation`, `... references nonexistent row
//!    ...`);
//! 2. a deleted row must not still be strongly referenced (`cannot delete B
//!    row ... because of N remaining reference(s)`);
//! 3. garbage collection: rows of non-root tables that the transaction
//!    touched, or that lost a strong reference, and that no strong reference
//!    reaches any more, are deleted, repeatedly until nothing changes;
//! 4. weak references to rows that do not exist (any more) are removed from
//!    touched rows and from rows that referenced a deleted row, after which
//!    the column's minimum size is checked again (`constraint violation`
//!    with Open vSwitch's wording);
//! 5. `maxRows` limits;
//! 6. unique indexes, with Open vSwitch's detailed message naming both rows.
//!
//! Then every row whose content really changed gets a fresh `_version` and
//! the [`ChangeSet`] is built; rows touched without any change are dropped.
//!
//! Replaying a log record ([`finish_replay`]) reuses step 4 only, without
//! its size check.

use super::{TxnRow, TxnState};
use crate::atom::Atom;
use crate::changes::{ChangeSet, RowChange, TableChanges};
use crate::datum::Datum;
use crate::error::OvsdbError;
use crate::schema::{DatabaseSchema, N_RESERVED};
use crate::types::RefType;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

type Result<T> = std::result::Result<T, OvsdbError>;

/// Runs the checks and produces the change set.
pub(crate) fn finish(state: &mut TxnState<'_>, gen: &mut dyn FnMut() -> Uuid) -> Result<ChangeSet> {
    let schema = state.db.schema().clone();
    check_nonexistent_refs(state, &schema)?;
    check_deleted_refs(state, &schema)?;
    collect_garbage(state, &schema);
    remove_weak_refs(state, &schema, true)?;
    check_max_rows(state, &schema)?;
    check_indexes(state, &schema)?;
    Ok(build_changes(state, &schema, gen))
}

/// Completes a change set replayed from a log record: removes weak
/// references to rows that no longer exist (Open vSwitch does not always log
/// those removals and relies on replay to redo them) and builds the change
/// set.  No other check is made: the log is trusted.
pub(crate) fn finish_replay(state: &mut TxnState<'_>, gen: &mut dyn FnMut() -> Uuid) -> ChangeSet {
    let schema = state.db.schema().clone();
    // Non-strict removal never fails.
    let _ = remove_weak_refs(state, &schema, false);
    build_changes(state, &schema, gen)
}

fn check_nonexistent_refs(state: &TxnState<'_>, schema: &DatabaseSchema) -> Result<()> {
    for (ti, rows) in state.tables.iter().enumerate() {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        for (u, tr) in rows {
            let Some(new) = &tr.new else { continue };
            for (ci, cs) in ts.user_columns() {
                let Some(d) = new.get(ci) else { continue };
                let parts = [
                    (Some(&cs.ty.key), Some(d.keys())),
                    (cs.ty.value.as_ref(), d.values()),
                ];
                for (base, atoms) in parts {
                    let (Some(base), Some(atoms)) = (base, atoms) else {
                        continue;
                    };
                    let Some((rt, RefType::Strong)) = base.reference() else {
                        continue;
                    };
                    let Some(rti) = schema.table_index(rt) else {
                        continue;
                    };
                    for target in atoms.iter().filter_map(Atom::as_uuid) {
                        if state.get(rti, &target).is_none() {
                            return Err(OvsdbError::new(
                                "referential integrity violation",
                                format!(
                                    "Table {} column {} row {} references nonexistent row {} in table {}.",
                                    ts.name, cs.name, u, target, rt
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Strong reference count changes caused by the transaction so far.
fn ref_deltas(state: &TxnState<'_>, schema: &DatabaseSchema) -> HashMap<(usize, Uuid), i64> {
    let mut delta: HashMap<(usize, Uuid), i64> = HashMap::new();
    for (ti, rows) in state.tables.iter().enumerate() {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        for tr in rows.values() {
            if let Some(old) = &tr.old {
                for key in old.strong_refs(ts, schema) {
                    *delta.entry(key).or_insert(0) -= 1;
                }
            }
            if let Some(new) = &tr.new {
                for key in new.strong_refs(ts, schema) {
                    *delta.entry(key).or_insert(0) += 1;
                }
            }
        }
    }
    delta
}

fn ref_count(
    state: &TxnState<'_>,
    delta: &HashMap<(usize, Uuid), i64>,
    ti: usize,
    u: &Uuid,
) -> i64 {
    let base = state
        .db
        .table_at(ti)
        .map_or(0, |t| i64::from(t.strong_ref_count(u)));
    base + delta.get(&(ti, *u)).copied().unwrap_or(0)
}

fn check_deleted_refs(state: &TxnState<'_>, schema: &DatabaseSchema) -> Result<()> {
    let delta = ref_deltas(state, schema);
    for (ti, rows) in state.tables.iter().enumerate() {
        for (u, tr) in rows {
            if tr.old.is_some() && tr.new.is_none() {
                let n = ref_count(state, &delta, ti, u);
                if n > 0 {
                    let name = schema.tables.get(ti).map_or("", |t| t.name.as_str());
                    return Err(OvsdbError::new(
                        "referential integrity violation",
                        format!(
                            "cannot delete {name} row {u} because of {n} remaining reference(s)"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn collect_garbage(state: &mut TxnState<'_>, schema: &DatabaseSchema) {
    loop {
        let delta = ref_deltas(state, schema);
        let mut candidates: BTreeSet<(usize, Uuid)> = BTreeSet::new();
        for (ti, rows) in state.tables.iter().enumerate() {
            if schema.tables.get(ti).is_none_or(|t| t.is_root) {
                continue;
            }
            candidates.extend(
                rows.iter()
                    .filter(|(_, tr)| tr.new.is_some())
                    .map(|(u, _)| (ti, *u)),
            );
        }
        for ((ti, u), d) in &delta {
            if *d < 0 && schema.tables.get(*ti).is_some_and(|t| !t.is_root) {
                candidates.insert((*ti, *u));
            }
        }
        let garbage: Vec<(usize, Uuid)> = candidates
            .into_iter()
            .filter(|(ti, u)| state.get(*ti, u).is_some() && ref_count(state, &delta, *ti, u) <= 0)
            .collect();
        if garbage.is_empty() {
            return;
        }
        for (ti, u) in garbage {
            state.delete(ti, &u);
        }
    }
}

fn remove_weak_refs(state: &mut TxnState<'_>, schema: &DatabaseSchema, strict: bool) -> Result<()> {
    // Rows to check: every row the transaction inserted or modified, plus
    // committed rows that weakly reference a row deleted by it.
    let mut to_check: BTreeSet<(usize, Uuid)> = BTreeSet::new();
    for (ti, rows) in state.tables.iter().enumerate() {
        for (u, tr) in rows {
            if tr.new.is_some() {
                to_check.insert((ti, *u));
            } else if let Some(t) = state.db.table_at(ti) {
                to_check.extend(t.weak_referrers(u).copied());
            }
        }
    }
    for (ti, u) in to_check {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        let Some(row) = state.get(ti, &u) else {
            continue;
        };
        let mut fixed: Vec<(usize, Datum, usize, bool)> = Vec::new();
        for (ci, cs) in ts.user_columns() {
            let weak = [Some(&cs.ty.key), cs.ty.value.as_ref()]
                .into_iter()
                .flatten()
                .any(|b| matches!(b.reference(), Some((_, RefType::Weak))));
            if !weak {
                continue;
            }
            let Some(d) = row.get(ci) else {
                continue;
            };
            let mut nd = d.clone();
            let mut removed = 0usize;
            let mut zero = false;
            let exists = |base: &crate::types::BaseType,
                          a: &Atom,
                          zero: &mut bool,
                          removed: &mut usize|
             -> bool {
                let Some((rt, RefType::Weak)) = base.reference() else {
                    return true;
                };
                let Some(target) = a.as_uuid() else {
                    return true;
                };
                let ok = schema
                    .table_index(rt)
                    .is_some_and(|rti| state.get(rti, &target).is_some());
                if !ok {
                    *removed += 1;
                    if target.is_nil() {
                        *zero = true;
                    }
                }
                ok
            };
            nd.retain_keys(|a| exists(&cs.ty.key, a, &mut zero, &mut removed));
            if let Some(vt) = &cs.ty.value {
                nd.retain_values(|a| exists(vt, a, &mut zero, &mut removed));
            }
            if removed > 0 {
                fixed.push((ci, nd, removed, zero));
            }
        }
        if fixed.is_empty() {
            continue;
        }
        let inserted = state.is_inserted(ti, &u);
        for (ci, nd, removed, zero) in &fixed {
            let Some(cs) = ts.columns.get(*ci) else {
                continue;
            };
            if strict && (nd.len() as u64) < u64::from(cs.ty.min) {
                let status = if inserted {
                    " (inserted within this transaction)"
                } else {
                    ""
                };
                let msg = if *zero {
                    format!(
                        "Weak reference column \"{}\" in \"{}\" row {}{} contained all-zeros UUID (probably as the default value for this column) but deleting this value caused a constraint volation because this column is not allowed to be empty.",
                        cs.name, ts.name, u, status
                    )
                } else {
                    format!(
                        "Deletion of {} weak reference(s) to deleted (or never-existing) rows from column \"{}\" in \"{}\" row {}{} caused this column to become empty, but constraints on this column disallow an empty column.",
                        removed, cs.name, ts.name, u, status
                    )
                };
                return Err(OvsdbError::constraint(msg));
            }
        }
        if let Some(row) = state.modify(ti, &u) {
            for (ci, nd, _, _) in fixed {
                row.set(ci, nd);
            }
        }
    }
    Ok(())
}

fn check_max_rows(state: &TxnState<'_>, schema: &DatabaseSchema) -> Result<()> {
    for (ti, rows) in state.tables.iter().enumerate() {
        if rows.is_empty() {
            continue;
        }
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        if let Some(max) = ts.max_rows {
            let n = state.row_count(ti);
            if n as u64 > u64::from(max) {
                return Err(OvsdbError::constraint(format!(
                    "transaction causes \"{}\" table to contain {} rows, greater than the schema-defined limit of {} row(s)",
                    ts.name, n, max
                )));
            }
        }
    }
    Ok(())
}

/// "a", "a and b", "a, b, and c".
fn english_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {}", rest.join(", "), last),
    }
}

fn check_indexes(state: &TxnState<'_>, schema: &DatabaseSchema) -> Result<()> {
    for (ti, rows) in state.tables.iter().enumerate() {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        if rows.is_empty() || ts.indexes.is_empty() {
            continue;
        }
        for (ii, cols) in ts.indexes.iter().enumerate() {
            // Clashes among the transaction's own rows (none possible with one row).
            let mut seen: HashMap<Vec<Datum>, Uuid> = HashMap::new();
            let several = rows.len() > 1;
            if several {
                seen.reserve(rows.len());
            }
            for (u, tr) in rows {
                let Some(new) = &tr.new else { continue };
                let key = new.index_key(cols);
                let other = match seen.get(&key) {
                    Some(o) => Some(*o),
                    None => state
                        .db
                        .table_at(ti)
                        .and_then(|t| t.index_lookup(ii, &key))
                        .filter(|o| o != u && !rows.contains_key(o)),
                };
                if let Some(other) = other {
                    let values: Vec<String> = cols
                        .iter()
                        .zip(&key)
                        .map(|(ci, d)| {
                            ts.columns
                                .get(*ci)
                                .map_or_else(String::new, |c| d.to_ovs_string(&c.ty))
                        })
                        .collect();
                    let names: Vec<String> = cols
                        .iter()
                        .filter_map(|ci| ts.columns.get(*ci))
                        .map(|c| format!("\"{}\"", c.name))
                        .collect();
                    let status = |x: &Uuid| -> String {
                        match rows.get(x) {
                            None => "existed in the database before this transaction and was not modified by the transaction".to_string(),
                            Some(TxnRow { old: None, .. }) => "was inserted by this transaction".to_string(),
                            Some(TxnRow { old: Some(old), .. }) => {
                                let vals: Vec<String> = cols
                                    .iter()
                                    .map(|ci| {
                                        let d = old.get(*ci).cloned().unwrap_or_default();
                                        ts.columns.get(*ci).map_or_else(String::new, |c| d.to_ovs_string(&c.ty))
                                    })
                                    .collect();
                                format!("had the following index values before the transaction: {}", english_list(&vals))
                            }
                        }
                    };
                    return Err(OvsdbError::constraint(format!(
                        "Transaction causes multiple rows in \"{}\" table to have identical values ({}) for index on column{} {}.  First row, with UUID {}, {}.  Second row, with UUID {}, {}.",
                        ts.name,
                        english_list(&values),
                        if cols.len() > 1 { "s" } else { "" },
                        english_list(&names),
                        other,
                        status(&other),
                        u,
                        status(u)
                    )));
                }
                if several {
                    seen.insert(key, *u);
                }
            }
        }
    }
    Ok(())
}

fn build_changes(
    state: &mut TxnState<'_>,
    schema: &DatabaseSchema,
    gen: &mut dyn FnMut() -> Uuid,
) -> ChangeSet {
    let mut cs = ChangeSet::default();
    let tables = std::mem::take(&mut state.tables);
    for (ti, rows) in tables.into_iter().enumerate() {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        let mut out = std::collections::BTreeMap::new();
        for (u, tr) in rows {
            let changed: Vec<usize> = match (&tr.old, &tr.new) {
                (None, None) => continue,
                (Some(_), None) => Vec::new(),
                (None, Some(new)) => ts
                    .user_columns()
                    .filter(|(i, c)| new.get(*i).is_some_and(|d| !d.is_default(&c.ty)))
                    .map(|(i, _)| i)
                    .collect(),
                (Some(old), Some(new)) => {
                    let ch: Vec<usize> = (N_RESERVED..ts.columns.len())
                        .filter(|i| old.get(*i) != new.get(*i))
                        .collect();
                    if ch.is_empty() {
                        continue;
                    }
                    ch
                }
            };
            let mut new = tr.new;
            if let Some(n) = &mut new {
                n.set_version(gen());
            }
            out.insert(
                u,
                RowChange {
                    uuid: u,
                    old: tr.old,
                    new,
                    changed,
                },
            );
        }
        if !out.is_empty() {
            cs.tables.push(TableChanges {
                table: ti,
                name: ts.name.clone(),
                rows: out,
            });
        }
    }
    cs
}
