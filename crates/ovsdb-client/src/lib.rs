//! Library side of ferroswitch's `ovsdb-client`, shared with other CLIs.
//!
//! * [`table`] is Open vSwitch's table printer (`--format=table|list|html|
//!   csv|json`, `--no-headings`, `--pretty`, `--bare`), for `ovsdb-client`
//!   and `ovs-vsctl`.
//! * [`rpc`] is a small request/reply JSON-RPC client over [`stream`]
//!   connections.
//!
//! Open vSwitch's hash-map iteration order, its schema JSON and its JSON
//! parse-error wording live in the `ovsdb-storage` crate.

pub mod rpc;
pub mod table;
