//! The unixctl control protocol: `ovs-appctl` talking to a daemon.
//!
//! Every Open vSwitch daemon listens on a unix socket (by default
//! `<rundir>/<program>.<pid>.ctl`) for JSON-RPC requests whose method is a
//! command name (`vlog/set`, `list-commands`, `exit`, ...) and whose params
//! are the command's string arguments. The reply's `result` is the text
//! to print; an `error` is a message for stderr. This crate provides both
//! ends:
//!
//! * [`server`] — a command registry ([`Server::register`]: name, usage
//!   string, min/max argument counts, handler returning `Ok(text)` or
//!   `Err(text)`), with the built-in `list-commands` and `version`, the
//!   `vlog/*` commands wired to a [`vlog::Vlog`], and a tokio listener
//!   ([`Server::bind`]). Argument-count, argument-type and unknown-command
//!   errors use OVS's exact texts, and replies get the trailing newline
//!   OVS adds.
//! * [`client`] — connect to a socket, send one command, return the reply
//!   text or error text ([`Client`]), with the reply validation and error
//!   texts `ovs-appctl` relies on.
//!
//!
//! Like OVS's unixctl (and unlike OVSDB sessions), the server does not
//! answer `echo`: it is just an unknown command.

pub mod client;
pub mod server;

pub use client::{Client, ClientError};
pub use server::{default_socket_path, BoundServer, Handler, Server};
