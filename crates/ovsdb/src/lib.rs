//! The OVSDB database engine: RFC 7047 plus Open vSwitch's extensions.
//!
//! This crate is pure: no sockets, no files, no clock reads, no global
//! state.  Time, UUID generation and lock ownership are passed in.  It is
//! shared by ovsdb-server, ovsdb-tool, ovsdb-client and ovs-vsctl.
//!
//! # Layers
//!
//! * Values: [`atom::Atom`] (integer, real, boolean, string, UUID) and
//!   [`datum::Datum`] (a column value: scalar, set or map, always sorted in
//!   Open vSwitch's order), typed by [`types::Type`] /
//!   [`types::BaseType`] with their constraints.  All convert to and from
//!   RFC 7047 JSON exactly as ovsdb-server prints them.
//! * Schema: [`schema::DatabaseSchema`] parses, validates and prints
//!   `.ovsschema` JSON.
//! * Data: [`db::Database`] holds tables of [`db::Row`]s keyed by UUID, with
//!   strong-reference counts and unique indexes.
//! * Transactions: [`db::Database::execute`] runs a `transact` params array
//!   and returns a [`txn::Outcome`]: the exact JSON result plus a
//!   [`changes::ChangeSet`] to commit, or "blocked" for an unsatisfied
//!   `wait`.  [`condition`] and [`mutation`] implement `where` clauses and
//!   mutators.
//! * Persistence: [`record`] turns a change set into the JSON record Open
//!   vSwitch's standalone file format stores, replays such records, and
//!   produces compaction snapshots.
//! * Monitors: [`monitor::Monitor`] computes `monitor`/`monitor_cond`
//!   initial replies, update notifications and `monitor_cond_change`
//!   results.
//! * Conversion: [`convert::convert`] moves a database to a new schema
//!   (`ovsdb-tool convert`, the server's `convert` method).
//! * Text notation: [`text`] parses the `ovs-vsctl` value syntax
//!   (`{k=v}`, `[1, 2]`, `1-5`, `@name`); printing is
//!   [`datum::Datum::to_ovs_string`].
//! * Errors: [`error::OvsdbError`] is the `{"error", "details", "syntax"}`
//!   object of RFC 7047, with Open vSwitch's wording.  [`json`] prints JSON
//!   the way Open vSwitch does (reals as `%.15g`/`%.17g`, sorted keys).
//!
//! # Typical server flow
//!
//! ```
//! use ovsdb::{Database, DatabaseSchema, NoLocks, Outcome, TxnEnv};
//! use serde_json::json;
//!
//! let schema = DatabaseSchema::from_json(&json!({"name": "D", "tables": {
//!     "T": {"columns": {"name": {"type": "string"}}}}})).unwrap();
//! let mut db = Database::new(schema);
//! let mut n = 0u128;
//! let mut gen = || { n += 1; uuid::Uuid::from_u128(n) };
//! let mut env = TxnEnv::new(0, &mut gen, &NoLocks);
//! let params = json!(["D", {"op": "insert", "table": "T", "row": {"name": "x"}}]);
//! match db.execute(&params, &mut env) {
//!     Outcome::Done(r) => {
//!         if r.success {
//!             // 1. write ovsdb::record::txn_record(..) to the log (if Some),
//!             // 2. commit, 3. send monitor updates, 4. reply with r.result.
//!             let record = ovsdb::record::txn_record(db.schema(), &r.changes, 0, r.comment.as_deref());
//!             assert!(record.is_some());
//!             db.commit(&r.changes);
//!         }
//!         assert_eq!(r.result, json!([{"uuid": ["uuid", "00000000-0000-0000-0000-000000000001"]}]));
//!     }
//!     Outcome::Blocked { .. } => { /* keep the request; retry after the next commit */ }
//! }
//! ```

pub mod atom;
pub mod changes;
pub mod condition;
pub mod convert;
pub mod datum;
pub mod db;
pub mod error;
pub mod json;
pub mod monitor;
pub mod mutation;
pub mod parser;
pub mod record;
pub mod schema;
pub mod text;
pub mod txn;
pub mod types;

pub use atom::{Atom, AtomicType};
pub use changes::{ChangeKind, ChangeSet, RowChange, TableChanges};
pub use condition::Condition;
pub use datum::Datum;
pub use db::{Database, Row, Table};
pub use error::OvsdbError;
pub use monitor::{Monitor, MonitorVersion};
pub use schema::{ColumnSchema, DatabaseSchema, TableSchema};
pub use txn::{LockOwner, NoLocks, Outcome, TxnEnv, TxnResult};
pub use types::{BaseType, RefType, Type};
