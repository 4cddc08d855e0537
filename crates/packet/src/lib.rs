//! Packet formats for ferroswitch: the lowest layer of the userspace
//! datapath.
//!
//! # Shape of the API
//!
//! Modelled on smoltcp's `wire` module.  For every header there is
//!
//! * a zero-copy **view** — `ethernet::Frame<T>`, `ipv4::Packet<T>`,
//!   `tcp::Packet<T>`, ... over any `T: AsRef<[u8]>` — with
//!   `new_checked` (length-validated), field getters, and setters when
//!   `T: AsMut<[u8]>`;
//! * a high-level **`Repr`** with `parse(&view)`, `buffer_len()` and
//!   `emit(&mut view)`;
//! * protocol-number enums that keep values they do not know
//!   ([`ethernet::EtherType::Unknown`], [`ip::IpProtocol::Unknown`], ...).
//!
//! On top of those:
//!
//! * [`layers::Layers`] walks a whole frame (VLAN tags, LLC/SNAP, MPLS, IPv4
//!   or IPv6 with extension headers, TCP/UDP/SCTP/ICMP) the way Open
//!   vSwitch's flow extraction does and records each layer's offset;
//! * [`buffer::PacketBuf`] is the datapath's owned buffer, with headroom for
//!   cheap VLAN push/pop and tunnel encapsulation and cached layer offsets;
//! * [`checksum`] has the Internet checksum, RFC 1624 incremental updates
//!   and pseudo-header sums; [`virtio`] completes partial checksums
//!   described by a virtio-net header, and [`gso`] cuts TSO/USO
//!   super-frames into segments in software; [`sctp`] has CRC32c;
//! * [`builder::PacketBuilder`] composes frames from a stack of reprs,
//!   filling in lengths, type fields and checksums (for tests and
//!   `ovs-ofctl compose-packet`).
//!
//! Headers covered: Ethernet II and 802.3 + LLC/SNAP ([`ethernet`]), 802.1Q
//! and 802.1ad tags ([`vlan`]), MPLS ([`mpls`]), ARP/RARP ([`arp`]), IPv4
//! ([`ipv4`]), IPv6 and its extension headers ([`ipv6`]), ICMPv4
//! ([`icmpv4`]), ICMPv6 and Neighbor Discovery ([`icmpv6`]), TCP ([`tcp`]),
//! UDP ([`udp`]), SCTP ([`sctp`]), VXLAN ([`vxlan`]), Geneve ([`geneve`]),
//! GRE ([`gre`]), IGMP ([`igmp`]) and the virtio-net header ([`virtio`]).
//!
//! # Example
//!
//! ```
//! use std::net::Ipv4Addr;
//! use packet::{ipv4, tcp, EtherType, Layers, PacketBuilder, TcpFlags, Tci};
//!
//! // Compose Ethernet / 802.1Q / IPv4 / TCP with lengths and checksums filled in.
//! let frame = PacketBuilder::new()
//!     .ethernet("02:00:00:00:00:01".parse().unwrap(), "02:00:00:00:00:02".parse().unwrap())
//!     .vlan(Tci::new(0, false, 10))
//!     .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
//!     .tcp(40000, 80, TcpFlags(TcpFlags::SYN))
//!     .build()?;
//!
//! // Walk the layers, then look at one header through a zero-copy view.
//! let l = Layers::parse(&frame);
//! assert_eq!((l.ethertype, l.vlans()[0].tci.vid()), (EtherType::Ipv4, 10));
//! let ip = ipv4::Packet::new_checked(&frame[usize::from(l.l3.unwrap_or(0))..])?;
//! assert!(ip.verify_checksum());
//! let syn = tcp::Packet::new_checked(ip.payload())?;
//! assert_eq!(syn.flags().to_string(), "syn");
//!
//! // Truncated input is an error, never a panic.
//! assert!(ipv4::Packet::new_checked(&frame[18..30]).is_err());
//! # Ok::<(), packet::Error>(())
//! ```
//!
//! # No-panic contract
//!
//! **No function in this crate panics on any input bytes.**  Concretely:
//!
//! * every `new_checked`, `check_len`, `Repr::parse`, [`layers::Layers::parse`],
//!   [`ipv6::walk_extension_headers`] and [`icmpv6::NdRepr::parse`] returns
//!   an [`Error`] (or, for `Layers`, records where it stopped) instead of
//!   panicking, for every byte string;
//! * every getter and setter of every view is total even on a view built
//!   with `new_unchecked` over a too-short buffer: fields beyond the end
//!   read as zero, writes beyond the end are ignored, and payload slices
//!   are clamped to the buffer.  `new_checked` exists so that callers get
//!   an *error* for short input rather than silently zero fields;
//! * `emit` returns [`Error::BufferTooSmall`] rather than writing out of
//!   range, and length fields that do not fit their width are errors.
//!
//! The contract is enforced by construction (all byte access goes through
//! checked helpers) and tested by property tests that feed random and
//! mutated frames to every parser and accessor (`tests/no_panic.rs`).
//!
//! # Byte order and purity
//!
//! All multi-byte fields are read and written in network byte order except
//! the virtio-net header, which is little-endian.  The crate is pure: no
//! I/O, no clocks, no globals, no `unsafe`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arp;
pub mod buffer;
pub mod builder;
pub mod checksum;
mod error;
pub mod ethernet;
mod field;
pub mod geneve;
pub mod gre;
pub mod gso;
pub mod icmpv4;
pub mod icmpv6;
pub mod igmp;
pub mod ip;
pub mod ipv4;
pub mod ipv6;
pub mod layers;
pub mod mpls;
pub mod sctp;
pub mod tcp;
pub mod udp;
pub mod virtio;
pub mod vlan;
pub mod vxlan;

pub use buffer::PacketBuf;
pub use builder::{Layer, PacketBuilder};
pub use error::{Error, Result};
pub use ethernet::{EtherType, EthernetAddress, Frame as EthernetFrame, Repr as EthernetRepr};
pub use ip::{FragInfo, IpProtocol};
pub use layers::Layers;
pub use tcp::TcpFlags;
pub use vlan::Tci;

/// ARP view and repr.
pub use arp::{Packet as ArpPacket, Repr as ArpRepr};
/// ICMPv4 view and repr.
pub use icmpv4::{Packet as Icmpv4Packet, Repr as Icmpv4Repr};
/// ICMPv6 view and repr.
pub use icmpv6::{NdRepr, Packet as Icmpv6Packet, Repr as Icmpv6Repr};
/// IPv4 view and repr.
pub use ipv4::{Packet as Ipv4Packet, Repr as Ipv4Repr};
/// IPv6 view and repr.
pub use ipv6::{Packet as Ipv6Packet, Repr as Ipv6Repr};
/// TCP view and repr.
pub use tcp::{Packet as TcpPacket, Repr as TcpRepr};
/// UDP view and repr.
pub use udp::{Packet as UdpPacket, Repr as UdpRepr};
