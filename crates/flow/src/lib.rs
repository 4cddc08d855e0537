//! Flow keys, wildcards, matches and the ovs-ofctl match syntax.
//!
//! This crate is the match layer of ferroswitch. It knows nothing about OpenFlow messages;
//! it defines what a rule can match on, how people write it, and how a packet's headers
//! become a flow (reading them through the `packet` crate):
//!
//! * [`flow`]: [`Flow`] (values of every matchable field in a fixed array of `u64` words),
//!   [`FlowWildcards`] (a mask of the same layout) and [`Match`] (flow + mask, normalised so
//!   masked-out bits are zero). A megaflow cache can hash and compare flows under a mask
//!   word by word.
//! * [`field`]: the field registry in the manner of OVS's meta-flow / `ovs-fields(7)`: names
//!   and aliases, widths, maskability, prerequisites, writability, NXM/OXM codes and where
//!   each field lives in a `Flow`.
//! * [`parse`] and [`mod@format`]: the match part of `ovs-ofctl add-flow` syntax, both ways, with
//!   OVS's error wording and OVS's canonical output (field order, shorthands, mask styles),
//!   verified against Debian's `ovs-ofctl parse-flow` by table-driven tests.
//! * [`mod@extract`]: packet-to-flow extraction (Open vSwitch's `flow_extract()`): fills a
//!   caller-owned [`Flow`] from an Ethernet frame and its [`Metadata`] without allocating,
//!   verified against `ovs-ofctl parse-pcap` on thousands of frames; plus the per-packet
//!   wildcards and printer OVS uses to show a packet's flow ([`packet_wildcards`],
//!   [`format_packet_flow`]).
//! * [`mod@compose`]: flow-to-packet composition (Open vSwitch's `flow_compose()`), the frame
//!   `ovs-ofctl compose-packet`, `netdev-dummy/receive` and `ofproto/trace --generate` build
//!   for a flow ([`compose_packet`], [`compose_packet_sized`]), verified byte for byte
//!   against OVS 3.1.
//! * [`value`]: value syntaxes (numbers, IPv4/IPv6 with prefixes or masks, MACs, flag sets,
//!   fragment keywords, ports and the caller-supplied [`PortMap`]).
//!
//! # Deliberate difference from Open vSwitch 3.1: prerequisites
//!
//! OVS 3.1 accepts a field whose prerequisite the match does not establish (for example
//! `tp_dst=80` without `tcp`/`udp`/`sctp`, or `nw_src=` without `ip`) and then *silently
//! drops it* while normalising the match, logging only at INFO level; the installed rule
//! matches far more traffic than was written. ferroswitch refuses such a match with
//! [`FlowError::Prerequisite`], naming the field as written and the missing prerequisite:
//!
//! ```
//! let err = flow::parse_match("tp_dst=80", None).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "tp_dst: prerequisite not met: this field requires tcp, udp, sctp, tcp6, udp6 or sctp6 in the match"
//! );
//! ```
//!
//! Related consequences: OVS lets fields that share storage stand in for each other
//! (`arp,nw_src=..` becomes `arp_spa`, `udp,icmp_type=3` becomes `tp_src=3`, `ip,arp_op=1`
//! becomes `icmp`); ferroswitch reports those as prerequisite errors too.
//! [`Match::drop_unmet_prerequisites`] is available where OVS's lenient normalisation must be
//! reproduced.
//!
//! Other known differences, each pinned by a case in `tests/data/overrides.tsv`:
//!
//! * TCP/UDP/SCTP fields together with `nw_frag=later` are refused (later fragments have no
//!   layer-4 header); OVS's parser accepts them and its own flow decoder then rejects the flow.
//!   Conntrack tuple fields likewise need `ct_state=+trk-inv` (plus `ip`/`ipv6` for addresses
//!   and a `ct_nw_proto` for ports), which OVS also only enforces when decoding.
//! * `arp_op` is a full 16-bit field (OVS keeps only its low 8 bits, so `arp_op=256` matches
//!   op 0 there).
//! * Any IPv6 address is accepted as a mask; OVS reads a mask that starts with a decimal digit
//!   (`/1:2::`) as a prefix length and rejects it, although it prints such masks itself.
//! * IPv4 octets above 255 are rejected (OVS wraps them modulo 256), and values with bits
//!   outside a field's documented width (e.g. `ipv6_label=0x100000`) are rejected rather than
//!   producing an undecodable flow. Fields OVS itself truncates silently (`nw_tos`, `ip_dscp`,
//!   `nw_ecn`, `dl_vlan`, `dl_vlan_pcp`, `vlan_pcp`, `mpls_label`, `mpls_tc`, `mpls_bos`) are
//!   truncated the same way.
//! * An exact `ct_nw_proto=0` is kept and printed (OVS loses it when encoding the flow).
//! * `skb_priority` can be matched (OVS cannot put it in a flow mod and refuses).
//!
//! Not modelled yet: `packet_type` (only Ethernet packets; the `eth` keyword is accepted),
//! tunnel metadata/GBP/ERSPAN/GTP-U fields, NSH, `nd_reserved`/`nd_options_type`, and the
//! warnings OVS logs for deprecated port numbers.

pub mod compose;
pub mod error;
pub mod extract;
pub mod field;
pub mod flow;
pub mod format;
pub mod parse;
pub mod prereq;
pub mod value;

pub use compose::{
    compose_packet, compose_packet_into, compose_packet_sized, generated_payload, DEFAULT_L7_LEN,
    MAX_SIZED_LEN,
};
pub use error::FlowError;
pub use extract::{
    extract, extract_with_layers, extract_with_vlan_limit, format_packet_flow, packet_wildcards,
    CtTuple, Metadata,
};
pub use field::{FieldId, FieldInfo, Maskable, MatchCode, Of1xSupport, Prereq, ValueFormat};
pub use flow::{ExtraField, Flow, FlowWildcards, Match, FLOW_WORDS};
pub use format::format_match;
pub use parse::{parse_match, KeyValues, MatchBuilder};
pub use value::PortMap;
