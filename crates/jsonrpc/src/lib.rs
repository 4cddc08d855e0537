//! JSON-RPC 1.0 as Open vSwitch speaks it.
//!
//! This crate is the plumbing under OVSDB, unixctl and every other OVS
//! control connection:
//!
//! * [`message`] — the four message kinds and OVS's validation rules;
//! * [`framer`] — finding message boundaries in a byte stream where JSON
//!   values follow each other with no delimiter;
//! * [`reconnect`] — the sans-io backoff / inactivity-probe state machine
//!   that drives long-lived connections;
//! * [`connection`] — a tokio connection with a bounded send queue and
//!   built-in echo handling;
//! * [`session`] — a reconnecting client combining the two above with a
//!   caller-supplied connector.
//!
//! The first three are pure (no I/O, no clock); only [`connection`] and
//! [`session`] touch sockets and timers, and it accepts any `AsyncRead + AsyncWrite` so that transports
//! (unix, TCP, TLS; see the `stream` crate) stay separate.

pub mod connection;
pub mod framer;
pub mod message;
pub mod reconnect;
pub mod session;

pub use connection::{AsyncReadWrite, Config, ConnError, Connection, Sender};
pub use framer::{FrameError, Framer, DEFAULT_MAX_MESSAGE_SIZE, MAX_DEPTH};
pub use message::{Message, MessageError};
pub use reconnect::{Action, Reconnect, State};
pub use serde_json::Value;
pub use session::{BoxedIo, ConnectFuture, Connector, Event, Session};
