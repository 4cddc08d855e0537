//! The match wire codecs: translating a [`flow::Match`] to and from every
//! way OpenFlow carries a match.
//!
//! * [`nxm`]: the type-length-value formats.  NXM (Nicira extensible match,
//!   used with OpenFlow 1.0 through `NXT_FLOW_MOD` and friends) and OXM
//!   (OpenFlow 1.2+) share one entry layout, `class:16 field:7 hasmask:1
//!   length:8 [experimenter:32] value [mask]`; they differ in which header
//!   each field gets ([`Dialect`]) and in how the match is framed (NXM: a
//!   `match_len` in the enclosing message; OXM: an `ofp_match` header of
//!   type `OFPMT_OXM`, padded to 8 bytes).
//! * [`std_match`]: the fixed-layout matches, OpenFlow 1.0's 40-byte
//!   `ofp_match` (wildcard bits, CIDR bit counts for IPv4 addresses) and
//!   OpenFlow 1.1's 88-byte "standard" match (wildcard bits plus inverted
//!   bit masks).
//! * [`usable`]: which of these can express a given match exactly (OVS's
//!   "usable protocols").
//!
//! Encoding follows Open vSwitch's canonical output: fields appear in a
//! fixed order in which every prerequisite precedes the fields that need it
//! (metadata, in_port, Ethernet, VLAN, MPLS, L3, L4, tunnel, registers,
//! conntrack, OpenFlow metadata), a field whose mask covers all of its
//! bits is sent without a mask, and a fully wildcarded field is left out.
//! Decoding reports problems with the OpenFlow error OVS uses
//! (`OFPBMC_BAD_FIELD`, `OFPBMC_BAD_PREREQ`, `OFPBMC_DUP_FIELD`,
//! `OFPBMC_BAD_MASK`, `OFPBMC_BAD_VALUE`, `OFPBMC_BAD_LEN`,
//! `OFPBMC_BAD_TYPE`, `OFPBMC_BAD_WILDCARDS`), carried in a
//! [`crate::msgs::BodyError`].

pub mod nxm;
pub mod std_match;
pub mod usable;

pub use nxm::{
    decode_nxm, decode_nxm_cookie, decode_oxm_match, encode_nxm, encode_nxm_cookie,
    encode_oxm_match, Dialect, NXM_NX_COOKIE, OXM_MATCH_TYPE,
};
pub use std_match::{
    decode_of10, decode_of11, encode_of10, encode_of11, OF10_MATCH_LEN, OF11_MATCH_LEN,
};
pub use usable::{equivalent, usable_protocols, Protocols};
