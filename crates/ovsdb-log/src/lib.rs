//! Open vSwitch's standalone OVSDB file format: the on-disk log.
//!
//! A standalone OVSDB database file is an append-only log of JSON records,
//! each framed by a header line carrying its length and SHA-1 (see
//! [`codec`] for the exact format, established against Debian's
//! `ovsdb-tool` 3.1).  This crate reads and writes that format byte for
//! byte as Open vSwitch does, so files move freely between ferroswitch and
//! Open vSwitch:
//!
//! * [`json`] serialises JSON exactly as Open vSwitch does (number and
//!   string formatting), so identical content gives identical files.
//! * [`codec`] is pure: it frames records and decodes a byte slice record
//!   by record, telling precisely where and why a record is bad.
//! * [`log`] is the file-backed [`Log`]: open with recovery of torn tails,
//!   append with optional `fsync`, atomic replacement for compaction.
//! * [`lock`] takes the same lock file Open vSwitch does.
//! * [`policy`] says when a server should compact.
//!
//! Clustered databases (`OVSDB CLUSTER` magic) are recognised and refused.
//! What the records mean (schema, transactions) is the `ovsdb` crate's
//! business.

pub mod codec;
pub mod json;
pub mod lock;
pub mod log;
pub mod policy;

pub use codec::{
    decode_all, encode_record, DecodeError, DecodeErrorKind, Decoded, Decoder, EncodeError, Magic,
    Record,
};
pub use lock::{LockError, LockFile};
pub use log::{Log, LogError, OpenMode, Opened, SyncHandle};
pub use policy::{CompactionPolicy, LogStats};
