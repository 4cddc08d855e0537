//! What the OVSDB server and tools share about database files and Open vSwitch's output order.
//!
//! This crate sits above the pure engine (`ovsdb`, no file I/O) and the log format (`ovsdb-log`,
//! no data model), and below the daemons and command-line tools that use both:
//!
//! * [`replay`] loads a standalone database file: the schema record becomes an
//!   [`ovsdb::db::Database`] and every later record is applied to it. It can also track, per
//!   table, the order Open vSwitch's row hash map would iterate the rows in. Each caller words
//!   the typed [`replay::ReplayError`] its own way.
//! * [`shash`] reproduces the order in which Open vSwitch iterates its string hash maps, which
//!   decides the member order of the JSON it prints and writes and the order of several
//!   listings.
//! * [`schema_json`] prints a schema the way Open vSwitch does.
//! * [`parse`] words JSON syntax errors as Open vSwitch does.

pub mod parse;
pub mod replay;
pub mod schema_json;
pub mod shash;
