//! Library side of ferroswitch's `ovsdb-client`, shared with other CLIs.
//!
//! * [`shash`] reproduces the order in which Open vSwitch iterates its
//!   string hash maps, which decides the member order of the JSON it prints
//!   and writes and the order of several listings.
//! * [`table`] is Open vSwitch's table printer (`--format=table|list|html|
//!   csv|json`, `--no-headings`, `--pretty`, `--bare`), for `ovsdb-client`
//!   and `ovs-vsctl`.
//! * [`rpc`] is a small request/reply JSON-RPC client over [`stream`]
//!   connections.
//! * [`schema_json`] prints a schema the way Open vSwitch does.
//! * [`parse`] words JSON syntax errors as Open vSwitch does.

pub mod parse;
pub mod rpc;
pub mod schema_json;
pub mod shash;
pub mod table;
