//! OpenFlow 1.0-1.5 wire encoding and decoding of action lists and instructions.
//!
//! Every action is a TLV: a 16-bit type, a 16-bit length (a multiple of 8) and a body. Types
//! differ between OpenFlow 1.0, 1.1 and 1.2+ (1.2 replaced the per-field "set" actions by
//! `OFPAT_SET_FIELD` with an OXM TLV); everything the standard cannot express travels as a
//! Nicira vendor action (type `0xffff`, vendor `0x00002320`, a 16-bit subtype).
//!
//! Translation follows Open vSwitch: `mod_nw_src` is `OFPAT10_SET_NW_SRC` in 1.0,
//! `OFPAT11_SET_NW_SRC` in 1.1 and a `set_field` to `ip_src` in 1.2+; `mod_vlan_vid` in 1.2+
//! becomes `push_vlan:0x8100` plus a `set_field` to `vlan_vid`; `enqueue` in 1.1+ becomes
//! `set_queue,output,pop_queue`; a masked `set_field` before 1.5 and every `load` before 1.5
//! become `NXAST_REG_LOAD`s; `move` is `OFPAT15_COPY_FIELD` in 1.5; and in a 1.0 flow_mod
//! `goto_table` becomes `resubmit(,T)`, `write_metadata` a Nicira action, and
//! `clear_actions`/`write_actions` are dropped, as OVS does. Decoding maps every form back to
//! the variant OVS would print.
//!
//! The encodings are byte-for-byte those `ovs-ofctl add-flow` sends (tests/wire_bytes.rs
//! compares more than 2,000 flow_mods captured from it), including OVS's choices where
//! several forms exist: `resubmit` always as `NXAST_RESUBMIT_TABLE`, `controller(...)` as
//! `NXAST_CONTROLLER` or, with `userdata`/`pause`/`meter_id`, `NXAST_CONTROLLER2`, a set
//! whose mask splits into runs as one `NXAST_REG_LOAD` per run of at most 64 bits, and in
//! OpenFlow 1.2 the NXM code for fields whose OXM code only 1.3 defined (`tun_id`).
//! [`expressibility`] tells whether a version carries an action natively, translated, as an
//! extension, or not at all.

mod decode;
mod encode;

pub(crate) use decode::decode_list;
pub use decode::{decode_actions, decode_instructions};
pub(crate) use encode::encode_one;
pub use encode::{
    encode_actions, encode_actions_ctx, encode_instructions, encode_instructions_ctx,
};

use crate::action::*;
use crate::error::DecodeError;
use crate::subfield::{field_bits, Subfield};
use flow::{FieldId, Match};
use octets::Writer;

/// An OpenFlow protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// OpenFlow 1.0 (wire version 1).
    Of10 = 1,
    /// OpenFlow 1.1.
    Of11 = 2,
    /// OpenFlow 1.2.
    Of12 = 3,
    /// OpenFlow 1.3.
    Of13 = 4,
    /// OpenFlow 1.4.
    Of14 = 5,
    /// OpenFlow 1.5.
    Of15 = 6,
}

impl Version {
    /// All versions, oldest first.
    pub const ALL: [Version; 6] = [
        Version::Of10,
        Version::Of11,
        Version::Of12,
        Version::Of13,
        Version::Of14,
        Version::Of15,
    ];
    /// "1.0" ... "1.5".
    pub fn text(self) -> &'static str {
        match self {
            Version::Of10 => "1.0",
            Version::Of11 => "1.1",
            Version::Of12 => "1.2",
            Version::Of13 => "1.3",
            Version::Of14 => "1.4",
            Version::Of15 => "1.5",
        }
    }
    /// From the wire version byte.
    pub fn from_wire(v: u8) -> Option<Version> {
        Version::ALL.get(usize::from(v).wrapping_sub(1)).copied()
    }
}

/// Nicira extension action subtypes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum NxSubtype {
    Resubmit = 1,
    SetTunnel = 2,
    SetQueue = 4,
    PopQueue = 5,
    RegMove = 6,
    RegLoad = 7,
    Note = 8,
    SetTunnel64 = 9,
    Multipath = 10,
    Bundle = 12,
    BundleLoad = 13,
    ResubmitTable = 14,
    OutputReg = 15,
    Learn = 16,
    Exit = 17,
    DecTtl = 18,
    FinTimeout = 19,
    Controller = 20,
    DecTtlCntIds = 21,
    WriteMetadata = 22,
    PushMpls = 23,
    PopMpls = 24,
    SetMplsTtl = 25,
    DecMplsTtl = 26,
    Sample = 29,
    SetMplsLabel = 30,
    SetMplsTc = 31,
    Conjunction = 34,
    Ct = 35,
    Nat = 36,
    Controller2 = 37,
    Sample2 = 38,
    OutputTrunc = 39,
    Group = 40,
    Sample3 = 41,
    Clone = 42,
    CtClear = 43,
    ResubmitTableCt = 44,
    Learn2 = 45,
    CheckPktLarger = 49,
}

pub(crate) const NX_VENDOR: u32 = 0x0000_2320;
pub(crate) const OFPAT_VENDOR: u16 = 0xffff;

/// Starts a Nicira action; returns its start offset for [`nx_finish`].
pub(crate) fn nx_start(w: &mut Writer, st: NxSubtype) -> usize {
    let start = w.len();
    w.u16(OFPAT_VENDOR);
    w.u16(0);
    w.u32(NX_VENDOR);
    w.u16(st as u16);
    start
}

/// Pads an action to a multiple of 8 bytes and fills in its length.
pub(crate) fn nx_finish(w: &mut Writer, start: usize) {
    w.pad_to(start, 8);
    let len = (w.len() - start) as u16;
    w.patch_u16(start + 2, len);
}

pub(crate) fn std_start(w: &mut Writer, ty: u16) -> usize {
    let start = w.len();
    w.u16(ty);
    w.u16(0);
    start
}

/// `ofs << 6 | (n_bits - 1)`.
pub(crate) fn ofs_nbits(sf: Subfield) -> u16 {
    (sf.ofs << 6) | (sf.n_bits.saturating_sub(1) & 0x3f)
}

/// Builds a subfield from a field and an `ofs_nbits` word, checking bounds.
pub(crate) fn subfield_from(field: FieldId, ofs_nbits: u16) -> Result<Subfield, DecodeError> {
    let ofs = ofs_nbits >> 6;
    let n_bits = (ofs_nbits & 0x3f) + 1;
    if u32::from(ofs) + u32::from(n_bits) > u32::from(field_bits(field)) {
        return Err(DecodeError::new("OFPBAC_BAD_SET_LEN"));
    }
    Ok(Subfield { field, ofs, n_bits })
}

pub(crate) fn port_to_of11(p: u16) -> u32 {
    if p >= OFPP_MAX {
        u32::from(p) + 0xffff_0000
    } else {
        u32::from(p)
    }
}

pub(crate) fn port_from_of11(p: u32) -> Result<u16, DecodeError> {
    if p < u32::from(OFPP_MAX) {
        Ok(p as u16)
    } else if p >= 0xffff_ff00 {
        Ok((p - 0xffff_0000) as u16)
    } else {
        Err(DecodeError::new("OFPBAC_BAD_OUT_PORT"))
    }
}

/// Encoding context: the version and, optionally, the flow's match (needed to pick e.g.
/// `tcp_src` vs `udp_src` for `mod_tp_src` in OpenFlow 1.2+).
#[derive(Clone, Copy, Debug)]
pub struct EncodeContext<'a> {
    /// Target version.
    pub version: Version,
    /// The match of the flow the actions belong to.
    pub flow_match: Option<&'a Match>,
}

/// Internal encoding state: version, the flow's IP protocol (for `mod_tp_*` in 1.2+) and
/// whether the match guarantees a VLAN header (then `mod_vlan_vid` needs no `push_vlan`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cx {
    pub(crate) v: Version,
    pub(crate) l4: u8,
    pub(crate) has_vlan: bool,
}

pub(crate) fn cx_of(c: EncodeContext<'_>) -> Cx {
    let l4 = c
        .flow_match
        .and_then(|m| m.exact_value(FieldId::NwProto))
        .map_or(6, |p| p as u8);
    let has_vlan = c
        .flow_match
        .is_some_and(|m| flow::Prereq::Vlan.is_satisfied(m));
    Cx {
        v: c.version,
        l4,
        has_vlan,
    }
}

/// How an OpenFlow version carries an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expressibility {
    /// A standard action (or instruction) of that version, decoding back to the same action.
    Native,
    /// Standard actions of that version, but a different form (e.g. `mod_nw_src` as
    /// `set_field` in 1.2+, `enqueue` as `set_queue,output,pop_queue` in 1.1+).
    Translated,
    /// A Nicira/ONF extension action.
    Extension,
    /// Cannot be sent with that version at all (e.g. `push_vlan` in 1.0, `meter` before 1.3).
    Unsupported,
}

/// Tells whether `a` is native, translated, an extension or impossible in version `v` (as a
/// flow_mod's actions/instructions).
pub fn expressibility(a: &Action, v: Version) -> Expressibility {
    let acts = std::slice::from_ref(a);
    let Ok(bytes) = encode_instructions(acts, v) else {
        return Expressibility::Unsupported;
    };
    let Ok(back) = decode_instructions(&bytes, v) else {
        return Expressibility::Unsupported;
    };
    if bytes.is_empty() {
        // Dropped entirely (clear_actions/write_actions in an OpenFlow 1.0 flow_mod).
        return Expressibility::Unsupported;
    }
    if has_vendor(&bytes, v) {
        return Expressibility::Extension;
    }
    if back.as_slice() == acts {
        Expressibility::Native
    } else {
        Expressibility::Translated
    }
}

/// True if any action TLV (at any instruction level) is a vendor action.
fn has_vendor(bytes: &[u8], v: Version) -> bool {
    let mut r = octets::Reader::new(bytes);
    while r.remaining() >= 4 {
        let (Ok(ty), Ok(len)) = (r.u16(), r.u16()) else {
            return false;
        };
        let len = usize::from(len);
        let Ok(body) = r.bytes(len.saturating_sub(4)) else {
            return false;
        };
        if v == Version::Of10 {
            if ty == 0xffff {
                return true;
            }
        } else if matches!(ty, 3 | 4) {
            // write/apply actions: skip the 4-byte pad and look inside.
            if has_vendor(body.get(4..).unwrap_or(&[]), Version::Of10) {
                return true;
            }
        }
    }
    false
}
