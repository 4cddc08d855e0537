//! OpenFlow wire protocol for ferroswitch: versions 1.0 through 1.5 plus the
//! Nicira and ONF extension messages that Open vSwitch uses.
//!
//! Layers, bottom up:
//!
//! * [`octets`] (the workspace's `octets` crate, re-exported): panic-free
//!   big-endian cursors; all byte access goes through them.
//! * [`header`]: the common 8-byte header, [`Version`], and stream
//!   framing ([`frame`]).
//! * [`raw`]: the single declarative table of message identities (version
//!   range x type x stats type x vendor/subtype -> [`MsgType`], with OVS's
//!   names).
//! * [`error`]: every OpenFlow/Nicira error OVS knows ([`OfpErr`]) with
//!   its per-version encodings.
//! * [`ofmatch`]: the match codecs (OF1.0/1.1 fixed matches, NXM, OXM)
//!   between [`flow::Match`] and the wire, and "usable protocols".
//! * [`msgs`]: version-independent structures for individual messages and
//!   their per-version body codecs.
//! * [`message`]: the [`Message`] enum and [`OfpMsg`] (version, xid, raw
//!   identity, stats flags, body) with `decode` / `encode`.
//! * [`print`](mod@print): Open vSwitch's `ofp-print` text format, with actions
//!   decoded and printed by the `ofp-actions` crate and packet data
//!   dissected by the `flow` crate.
//! * [`protocol`]: the nine flow-table protocols `ovs-ofctl` distinguishes
//!   (table-id variants included), their names, `-O`/`-F` parsing and the
//!   choice among them.
//! * [`flow_text`]: the `ovs-ofctl` flow_mod syntax (`add-flow`,
//!   `mod-flows`, `del-flows`) with usable-protocol computation and
//!   encoding for a chosen protocol.
//!
//! The crate is pure: no I/O, no clocks, no globals.  Decoding never panics;
//! malformed input yields a [`DecodeError`] that maps onto the OpenFlow error
//! OVS would report.  The flow-carrying messages (flow_mod, flow_removed,
//! packet_in, packet_out, flow/aggregate/group statistics, group_mod) carry
//! a [`flow::Match`] and keep their action/instruction lists as raw bytes
//! ([`msgs::flow::RawActions`]); the printer and [`flow_text`] interpret
//! them with the `ofp-actions` crate.
//! Table descriptions and table status, flow monitoring (Nicira, ONF and
//! OpenFlow 1.4 layouts), `NXT_PACKET_IN2` / `NXT_RESUME` with their
//! continuations, and requestforward are modelled too
//! ([`msgs::table_desc`], [`msgs::monitor`], [`msgs::packet_in2`]).
//! Bodies of messages not modelled yet (TLV table mod/reply, IPFIX
//! statistics, `NXT_CT_FLUSH`, ...) are identified and carried as opaque
//! bytes, so decode -> encode is lossless for every message.

pub mod error;
pub mod flow_text;
pub mod header;
pub mod message;
pub mod msgs;
pub mod ofmatch;
pub mod print;
pub mod protocol;
pub mod raw;

pub use octets;

pub use error::{ErrorWire, OfpErr};
pub use header::{frame, split_messages, FrameError, Header, Version, MAX_MSG_LEN};
pub use message::{DecodeError, EncodeError, Message, OfpMsg};
pub use raw::{MsgType, RawCode, RawId};
