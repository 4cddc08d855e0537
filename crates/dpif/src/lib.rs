//! The datapath interface of ferroswitch: what sits between ofproto (OpenFlow semantics,
//! translation) and the userspace datapath (ports, megaflow cache, fast path).
//!
//! * [`provider`]: the [`Dpif`] trait (ports, megaflow put/del/get/dump/flush, execute,
//!   upcalls, statistics) with an essay on when each operation is called and what its
//!   failures mean, plus the types it exchanges ([`DpifPort`], [`DpifFlow`], [`FlowStats`],
//!   [`Upcall`], [`DpifStats`]).
//! * [`action`]: datapath actions ([`OdpAction`]) and their Open vSwitch text form
//!   (`push_vlan(vid=5,pcp=0),2,pop_vlan,3`), printing and parsing.
//! * [`attr`]: flow-key attributes (`eth(...)`, `ipv4(...)`, `skb_mark(...)`), shared by keys
//!   and `set(...)` actions.
//! * [`key`]: megaflow keys/masks from a [`flow::Flow`] + [`flow::FlowWildcards`] in the
//!   syntax of `dpctl/dump-flows`, and whole dump lines with statistics.
//! * [`upcall`]: [`UpcallQueue`], the bounded queue between poll threads and handler
//!   threads that a datapath can put behind `recv`/`recv_wait`/`recv_wake`.
//! * [`execute`]: a pure executor of action lists over [`packet::PacketBuf`], with
//!   incremental checksum updates, that never panics on any packet.
//!
//! # Example
//!
//! ```
//! use dpif::{execute_to_batch, format_actions, parse_actions, ExecEvent, PacketMetadata};
//! use packet::{PacketBuf, PacketBuilder, TcpFlags};
//! use std::net::Ipv4Addr;
//!
//! // Datapath actions as ofproto/trace prints them, parsed and printed back.
//! let text = "push_vlan(vid=5,pcp=0),2,pop_vlan,set(ipv4(src=10.0.0.5,ttl=63)),3";
//! let actions = parse_actions(text)?;
//! assert_eq!(format_actions(&actions), text);
//!
//! // Run them on a packet: port 2 gets it tagged, port 3 untagged and rewritten.
//! let mut pkt = PacketBuilder::new()
//!     .ethernet("50:54:00:00:00:01".parse().unwrap(), "50:54:00:00:00:02".parse().unwrap())
//!     .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
//!     .tcp(1000, 80, TcpFlags(TcpFlags::SYN))
//!     .build_buf()?;
//! let len = pkt.len();
//! let mut md = PacketMetadata::default();
//! let events = execute_to_batch(&mut pkt, &mut md, &actions, &mut || 0);
//! match &events[..] {
//!     [ExecEvent::Output { port: 2, packet: tagged }, ExecEvent::Output { port: 3, packet: out }] => {
//!         assert_eq!(tagged.len(), len + 4);
//!         assert_eq!(&out[26..30], &[10, 0, 0, 5]);
//!         assert_eq!(out[22], 63);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Fidelity
//!
//! Everything observable is checked against Debian's Open vSwitch 3.1 with data captured by
//! `tests/data/regen.sh` (OVS is not needed to run the tests): the printing and parsing of
//! ~180 datapath action lists (`ofproto/trace` and `dpctl/dump-flows` output) and ~120
//! megaflow dump lines, and, for the executor, the exact bytes OVS's userspace datapath
//! transmits for ~55 action lists applied to injected frames (`tests/data/exec.tsv`).
//!
//! Known differences:
//!
//! * A `set` on a header the packet does not have is skipped. OVS trusts the flow key: it
//!   writes IPv6 fields into an IPv4 packet at the layer-3 offset, and OVS 3.1 aborts on a
//!   masked ICMP set or an IPv4 set on a frame that ends after the EtherType.
//! * `hash(l4(..))`/`hash(sym_l4(..))` compute a different (but equally well-mixed) hash, so
//!   `dp_hash` values, and therefore `dp_hash`-based select-group buckets, differ from OVS.
//! * `ct`, `meter` and `lb_output` are handed to the caller's [`ExecSink`]; the executor keeps
//!   no conntrack, meter or bond state.
//! * Key text: `tunnel(...)` keys, `ct_tuple4/6`, NSH and the verbose (`-m`) form are not
//!   supported, and `in_port` is limited to 16 bits (the flow's OpenFlow-port storage).
//!
//! The crate does no I/O.

pub mod action;
pub mod attr;
pub mod error;
pub mod execute;
pub mod key;
pub mod provider;
mod text;
pub mod upcall;

pub use action::{
    format_actions, parse_actions, CtAction, CtNat, HashAlg, OdpAction, UserspaceAction,
    UserspaceCookie,
};
pub use attr::{AttrKind, KeyAttr, Masked};
pub use error::{DpifError, ParseError};
pub use execute::{
    execute_actions, execute_to_batch, remark_dscp, ExecEvent, ExecSink, FnSink, PacketMetadata,
};
pub use key::{format_dump_flow, format_key, parse_dump_flow, parse_key, KeyLayout};
pub use provider::{
    Dpif, DpifFlow, DpifPort, DpifStats, FlowPutFlags, FlowStats, OdpPort, Upcall, UpcallType,
    ODPP_LOCAL, ODPP_NONE,
};
pub use upcall::UpcallQueue;
