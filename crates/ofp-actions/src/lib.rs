//! OpenFlow actions and instructions, independent of the OpenFlow version.
//!
//! This crate plays the role of Open vSwitch's "ofpacts": one list type ([`Action`], a flow's
//! actions are a `Vec<Action>`) that covers OpenFlow 1.0-1.5 actions, the 1.1+ instructions and
//! the Nicira extension actions, with
//!
//! * [`parse_actions`]: the ovs-ofctl action language (`ovs-actions(7)`), with OVS's error
//!   wording;
//! * [`format_actions`]: OVS's canonical text (what `dump-flows` prints);
//! * [`check_actions`]: validation against the flow's match, table and OpenFlow version
//!   (prerequisites of `set_field`, instruction constraints, OpenFlow 1.1+ consistency);
//! * [`encode_actions`] / [`encode_instructions`] and [`decode_actions`] /
//!   [`decode_instructions`]: the wire formats of every version, translating the way OVS
//!   does (see [`wire`]).
//!
//! ```
//! use ofp_actions::{parse_actions, format_actions, encode_instructions, decode_instructions, Version};
//! let acts = parse_actions("mod_dl_src:00:01:02:03:04:05,output:1", None).unwrap();
//! let bytes = encode_instructions(&acts, Version::Of13).unwrap();
//! let back = decode_instructions(&bytes, Version::Of13).unwrap();
//! assert_eq!(format_actions(&back, None), "set_field:00:01:02:03:04:05->eth_src,output:1");
//! ```
//!
//! Field references use the `flow` crate's registry; port names come from a caller-supplied
//! [`flow::PortMap`]. The crate is pure: no I/O, no globals. Byte handling goes through the
//! workspace's panic-free big-endian cursor (the `octets` crate); a truncated read becomes
//! `OFPBAC_BAD_LEN`.
//!
//! # Verified against Open vSwitch
//!
//! `tests/data/cases.txt` holds over 600 action strings (valid and invalid). For each, and for
//! OpenFlow 1.0 through 1.5, `tests/data/expected.tsv` records what `ovs-ofctl parse-flow`
//! prints and `tests/data/wire.tsv` the exact bytes `ovs-ofctl add-flow` sends to a switch;
//! the tests replay both (scripts in `scripts/` regenerate them).
//!
//! # Known differences from Open vSwitch 3.1
//!
//! Each is pinned, with its reason, in `tests/data/deviations.tsv` or
//! `tests/data/wire-deviations.tsv`. In short:
//!
//! * Problems OVS only notices when the switch decodes the flow_mod (a `push_mpls` with a
//!   non-MPLS Ethertype, `load` into read-only `ct_state`, a `ct` zone subfield that is not
//!   16 bits, `bundle_load` into a field narrower than 16 bits, `goto_table` to the flow's own
//!   table, `write_metadata` before `goto_table` in OpenFlow 1.0, a zero-mask `set_field` in
//!   1.5) are refused here by the parser or [`check_actions`], before anything is sent.
//! * A masked `set_field` to `eth_src`/`eth_dst`/`ip_src`/`ip_dst` in OpenFlow 1.0/1.1 keeps its
//!   mask (sent as `NXAST_REG_LOAD`; OVS sends the unmasked OpenFlow 1.0 action), and masked
//!   values are masked before sending (OVS 3.1 sends stray bits and rejects its own message).
//! * `set_field` to `dl_vlan`/`dl_vlan_pcp` is sent as `vlan_vid`/`vlan_pcp` (OVS garbles it).
//! * Numbers OVS reads with `atoi()` or truncates (`multipath`/`bundle` arguments,
//!   `learn(priority=65536)`, `sample(obs_domain_id=2^32)`) are rejected rather than
//!   silently becoming 0, and a few messages that print `(null)` in OVS are worded sensibly.
//! * A whole-field `load` to `mpls_label` in OpenFlow 1.5 is sent unmasked.
//!
//! Not modelled: `push`/`pop` (the register stack), `encap`/`decap`, `dec_nsh_ttl`,
//! `delete_field`, `debug_recirc`/`debug_slow`, OpenFlow 1.1 `copy_ttl_in`/`copy_ttl_out`,
//! `push_pbb`/`pop_pbb`, the ONF OpenFlow 1.3 `copy_field` extension, tunnel metadata fields,
//! and remembering which of several equivalent wire forms a decoded action arrived in (OVS
//! re-encodes a received `NXAST_RESUBMIT` as such; this crate always sends the table form).

pub mod action;
pub mod check;
pub mod ct;
pub mod error;
pub mod format;
pub mod learn;
pub mod parse;
pub mod subfield;
pub mod wire;

pub use action::{Action, InstructionKind, SetField, SetFieldStyle};
pub use check::{check_actions, CheckContext};
pub use error::{ActionError, DecodeError, EncodeError};
pub use format::format_actions;
pub use parse::parse_actions;
pub use subfield::Subfield;
pub use wire::{
    decode_actions, decode_instructions, encode_actions, encode_actions_ctx, encode_instructions,
    encode_instructions_ctx, expressibility, EncodeContext, Expressibility, Version,
};
