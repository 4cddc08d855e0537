//! A client-side replica of an OVSDB database, as Open vSwitch's IDL
//! provides to ovs-vsctl and ovs-vswitchd.
//!
//! * [`replica`] — [`Replica`], the rows of the monitored tables, kept up
//!   to date by applying `monitor_cond` (`update2`) messages.  Pure.
//! * [`txn`] — [`Txn`], a transaction built against a snapshot with Open
//!   vSwitch's optimistic concurrency: the operations for the changes plus
//!   `wait` operations that verify the columns the caller read, so a
//!   concurrent change makes the commit fail with
//!   [`CommitStatus::TryAgain`] and the caller re-runs on fresh data; plus
//!   the `next_cfg` increment used by `--wait`.  Pure.
//! * [`client`] — [`Client`], the JSON-RPC connection (tokio) performing the
//!   start-up sequence (`_Server` monitor, `get_schema`, `monitor_cond`),
//!   applying notifications, and committing transactions.
//!
//! Typical use (ovs-vsctl): connect, build a `Txn` from `client.replica()`,
//! run the commands against `txn.view()`, `client.commit(&txn)`, and on
//! `TryAgain` wait for an update and start over.

pub mod client;
pub mod replica;
pub mod txn;

pub use client::{Client, MonitorSpec};
pub use replica::{Changes, Replica, TableChanges};
pub use txn::{CommitStatus, Layout, Txn};

/// Client-side failures.
#[derive(Debug, thiserror::Error)]
pub enum IdlError {
    /// Opening the connection failed.
    #[error("{0}")]
    Connect(stream::StreamError),
    /// The JSON-RPC connection failed.
    #[error("{0}")]
    Conn(jsonrpc::ConnError),
    /// The server answered a request with an error.
    #[error("{0}")]
    Server(serde_json::Value),
    /// The server sent something this client cannot interpret.
    #[error("protocol error: {0}")]
    Protocol(String),
}
