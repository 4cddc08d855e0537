//! `NXT_PACKET_IN2` and `NXT_RESUME`: Open vSwitch's property-based
//! packet-in and the message that resumes a paused pipeline.
//!
//! Both bodies are a list of 8-byte-aligned properties (`NXPINT_*`): the
//! packet, its full length, a buffer id, the table and cookie of the flow
//! that sent it, the reason, the packet metadata as raw OXM/NXM entries,
//! controller userdata, and a *continuation*: a nested property list
//! (`NXCPT_*`, after 4 bytes of padding) with what the switch needs to
//! resume translation (bridge UUID, field stack, mirrors, conntrack state,
//! the actions still to run, grouped by the table and cookie they came
//! from, and the action set).
//!
//! The model keeps the properties in wire order ([`Pin2Prop`],
//! [`ContinuationProp`]) so that decode -> encode is lossless; accessors
//! give the values OVS derives (e.g. [`PacketIn2::total_len`] falls back to
//! the packet length, [`PacketIn2::cookie`] to all-ones).  Unknown
//! properties are kept verbatim (OVS ignores them when decoding loosely).
//! Actions inside the continuation stay encoded ([`RawActions`]) in the
//! message's version; the printer decodes them.  Metadata is re-encoded in
//! OVS's canonical field order for the message's version.

use super::flow::RawActions;
use super::props;
use super::{BodyError, RawProp};
use crate::header::Version;
use crate::ofmatch::{decode_nxm, encode_nxm, Dialect};
use crate::OfpErr;
use flow::Match;
use octets::{Reader, Writer};

/// `NXPINT_*` property types.
pub mod nxpint {
    /// The packet (or its first bytes).
    pub const PACKET: u16 = 0;
    /// Full length of the packet.
    pub const FULL_LEN: u16 = 1;
    /// Buffer id.
    pub const BUFFER_ID: u16 = 2;
    /// Table id of the flow that sent the packet.
    pub const TABLE_ID: u16 = 3;
    /// Cookie of that flow.
    pub const COOKIE: u16 = 4;
    /// Reason (`OFPR_*`).
    pub const REASON: u16 = 5;
    /// Packet metadata as OXM/NXM entries.
    pub const METADATA: u16 = 6;
    /// Controller userdata.
    pub const USERDATA: u16 = 7;
    /// Nested continuation properties.
    pub const CONTINUATION: u16 = 8;
}

/// `NXCPT_*` continuation property types.
pub mod nxcpt {
    /// Bridge UUID.
    pub const BRIDGE: u16 = 0x8000;
    /// One field-stack entry (the first property is the top).
    pub const STACK: u16 = 0x8001;
    /// Mirrors already output to.
    pub const MIRRORS: u16 = 0x8002;
    /// Conntrack has run (a flag).
    pub const CONNTRACKED: u16 = 0x8003;
    /// Table of the following actions.
    pub const TABLE_ID: u16 = 0x8004;
    /// Cookie of the following actions.
    pub const COOKIE: u16 = 0x8005;
    /// Actions still to execute.
    pub const ACTIONS: u16 = 0x8006;
    /// The action set.
    pub const ACTION_SET: u16 = 0x8007;
}

/// Largest field-stack entry (bytes of OVS's `mf_subvalue`).
pub const MAX_STACK_ENTRY: usize = 128;

/// One `NXPINT_*` property.
// Records are short-lived decode results; boxing the full variant would
// only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pin2Prop {
    /// The packet.
    Packet(Vec<u8>),
    /// Full length of the packet.
    FullLen(u32),
    /// Buffer id.
    BufferId(u32),
    /// Table id.
    TableId(u8),
    /// Flow cookie.
    Cookie(u64),
    /// Reason (`OFPR_*`).
    Reason(u8),
    /// Packet metadata.
    Metadata(Match),
    /// Controller userdata.
    Userdata(Vec<u8>),
    /// Continuation.
    Continuation(Vec<ContinuationProp>),
    /// Anything else, verbatim.
    Other(RawProp),
}

/// One `NXCPT_*` continuation property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContinuationProp {
    /// Bridge UUID, as the 16 wire bytes.
    Bridge([u8; 16]),
    /// A field-stack entry (at most [`MAX_STACK_ENTRY`] bytes).
    Stack(Vec<u8>),
    /// Mirror bitmap.
    Mirrors(u32),
    /// Conntrack has run.
    Conntracked,
    /// Table id for the next actions.
    TableId(u8),
    /// Cookie for the next actions.
    Cookie(u64),
    /// Actions (in the message's version).
    Actions(RawActions),
    /// Action set (in the message's version).
    ActionSet(RawActions),
    /// Anything else, verbatim.
    Other(RawProp),
}

/// An `NXT_PACKET_IN2` or `NXT_RESUME` body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PacketIn2 {
    /// Properties in wire order.
    pub props: Vec<Pin2Prop>,
}

impl PacketIn2 {
    fn find<T>(&self, f: impl Fn(&Pin2Prop) -> Option<T>) -> Option<T> {
        self.props.iter().rev().find_map(f)
    }

    /// The packet bytes (empty if absent).
    pub fn packet(&self) -> &[u8] {
        self.props
            .iter()
            .rev()
            .find_map(|p| match p {
                Pin2Prop::Packet(d) => Some(d.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The full packet length: the `FULL_LEN` property, else (or if zero)
    /// the packet length.
    pub fn total_len(&self) -> u64 {
        match self.find(|p| match p {
            Pin2Prop::FullLen(n) => Some(*n),
            _ => None,
        }) {
            Some(n) if n != 0 => u64::from(n),
            _ => self.packet().len() as u64,
        }
    }

    /// The buffer id (`u32::MAX` = unbuffered).
    pub fn buffer_id(&self) -> u32 {
        self.find(|p| match p {
            Pin2Prop::BufferId(b) => Some(*b),
            _ => None,
        })
        .unwrap_or(u32::MAX)
    }

    /// The table id (0 if absent).
    pub fn table_id(&self) -> u8 {
        self.find(|p| match p {
            Pin2Prop::TableId(t) => Some(*t),
            _ => None,
        })
        .unwrap_or(0)
    }

    /// The cookie (all ones if absent).
    pub fn cookie(&self) -> u64 {
        self.find(|p| match p {
            Pin2Prop::Cookie(c) => Some(*c),
            _ => None,
        })
        .unwrap_or(u64::MAX)
    }

    /// The reason (0, `OFPR_NO_MATCH`, if absent).
    pub fn reason(&self) -> u8 {
        self.find(|p| match p {
            Pin2Prop::Reason(r) => Some(*r),
            _ => None,
        })
        .unwrap_or(0)
    }

    /// The metadata (catch-all if absent).
    pub fn metadata(&self) -> Match {
        self.find(|p| match p {
            Pin2Prop::Metadata(m) => Some(*m),
            _ => None,
        })
        .unwrap_or_else(Match::catchall)
    }

    /// The userdata (empty if absent).
    pub fn userdata(&self) -> &[u8] {
        self.props
            .iter()
            .rev()
            .find_map(|p| match p {
                Pin2Prop::Userdata(d) => Some(d.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The continuation properties (empty if absent).
    pub fn continuation(&self) -> &[ContinuationProp] {
        self.props
            .iter()
            .rev()
            .find_map(|p| match p {
                Pin2Prop::Continuation(c) => Some(c.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }
}

/// Decodes a body.  Metadata is decoded loosely (unknown fields are
/// skipped), as `ovs-ofctl` does.
pub fn decode(v: Version, r: &mut Reader<'_>) -> Result<PacketIn2, BodyError> {
    const W: &str = "NXT_PACKET_IN2";
    let mut out = Vec::new();
    while !r.is_empty() {
        let (ty, val) = props::pull(r, W)?;
        out.push(match ty {
            nxpint::PACKET => Pin2Prop::Packet(val.to_vec()),
            nxpint::FULL_LEN => Pin2Prop::FullLen(props::u32_of(val, W)?),
            nxpint::BUFFER_ID => Pin2Prop::BufferId(props::u32_of(val, W)?),
            nxpint::TABLE_ID => Pin2Prop::TableId(props::u8_of(val, W)?),
            nxpint::COOKIE => Pin2Prop::Cookie(props::u64_of(val, W)?),
            nxpint::REASON => Pin2Prop::Reason(props::u8_of(val, W)?),
            nxpint::METADATA => Pin2Prop::Metadata(decode_nxm(val, false)?),
            nxpint::USERDATA => Pin2Prop::Userdata(val.to_vec()),
            nxpint::CONTINUATION => Pin2Prop::Continuation(decode_continuation(v, val)?),
            _ => Pin2Prop::Other(RawProp {
                ty,
                value: val.to_vec(),
            }),
        });
    }
    let pin = PacketIn2 { props: out };
    let bad_len = |m: &str| BodyError::invalid(OfpErr::OFPBRC_BAD_LEN, m.to_string());
    if pin.packet().is_empty() {
        return Err(bad_len("NXT_PACKET_IN2 lacks packet"));
    }
    if pin.total_len() < pin.packet().len() as u64 {
        return Err(bad_len("NXT_PACKET_IN2 claimed full_len < len"));
    }
    Ok(pin)
}

fn nested_pad<'a>(val: &'a [u8], what: &str) -> Result<Reader<'a>, BodyError> {
    let inner = val.get(4..).ok_or_else(|| {
        BodyError::invalid(
            OfpErr::OFPBPC_BAD_LEN,
            format!("{what}: short nested property"),
        )
    })?;
    Ok(Reader::new(inner))
}

fn decode_continuation(v: Version, val: &[u8]) -> Result<Vec<ContinuationProp>, BodyError> {
    const W: &str = "continuation";
    let mut r = nested_pad(val, W)?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let (ty, val) = props::pull(&mut r, W)?;
        out.push(match ty {
            nxcpt::BRIDGE => {
                let b = props::exact(val, 16, W)?;
                let mut u = [0u8; 16];
                u.copy_from_slice(b);
                ContinuationProp::Bridge(u)
            }
            nxcpt::STACK => {
                if val.len() > MAX_STACK_ENTRY {
                    return Err(BodyError::invalid(
                        OfpErr::OFPBPC_BAD_LEN,
                        format!("NXCPT_STACK property has bad length {}", val.len()),
                    ));
                }
                ContinuationProp::Stack(val.to_vec())
            }
            nxcpt::MIRRORS => ContinuationProp::Mirrors(props::u32_of(val, W)?),
            nxcpt::CONNTRACKED => ContinuationProp::Conntracked,
            nxcpt::TABLE_ID => ContinuationProp::TableId(props::u8_of(val, W)?),
            nxcpt::COOKIE => ContinuationProp::Cookie(props::u64_of(val, W)?),
            nxcpt::ACTIONS | nxcpt::ACTION_SET => {
                if val.len() >= 4 && val.len() % 8 != 4 {
                    return Err(BodyError::invalid(
                        OfpErr::OFPBRC_BAD_LEN,
                        format!("actions length {} is not a multiple of 8", val.len()),
                    ));
                }
                let acts = RawActions {
                    version: v,
                    bytes: nested_pad(val, W)?.take_rest().to_vec(),
                };
                if ty == nxcpt::ACTIONS {
                    ContinuationProp::Actions(acts)
                } else {
                    ContinuationProp::ActionSet(acts)
                }
            }
            _ => ContinuationProp::Other(RawProp {
                ty,
                value: val.to_vec(),
            }),
        });
    }
    Ok(out)
}

/// Encodes a body.  Metadata uses `v`'s match dialect.
pub fn encode(v: Version, p: &PacketIn2, w: &mut Writer) {
    for prop in &p.props {
        match prop {
            Pin2Prop::Packet(d) => props::put(w, nxpint::PACKET, d),
            Pin2Prop::FullLen(n) => props::put(w, nxpint::FULL_LEN, &n.to_be_bytes()),
            Pin2Prop::BufferId(n) => props::put(w, nxpint::BUFFER_ID, &n.to_be_bytes()),
            Pin2Prop::TableId(t) => props::put(w, nxpint::TABLE_ID, &[*t]),
            Pin2Prop::Cookie(c) => props::put_u64(w, nxpint::COOKIE, *c),
            Pin2Prop::Reason(r) => props::put(w, nxpint::REASON, &[*r]),
            Pin2Prop::Metadata(m) => {
                w.tlv(nxpint::METADATA, 8, |w| {
                    encode_nxm(m, Dialect::for_version(v), w)
                });
            }
            Pin2Prop::Userdata(d) => props::put(w, nxpint::USERDATA, d),
            Pin2Prop::Continuation(c) => {
                w.tlv(nxpint::CONTINUATION, 8, |w| {
                    w.zeros(4);
                    encode_continuation(c, w);
                });
            }
            Pin2Prop::Other(raw) => raw.encode(w),
        }
    }
}

fn encode_continuation(c: &[ContinuationProp], w: &mut Writer) {
    for p in c {
        match p {
            ContinuationProp::Bridge(u) => props::put(w, nxcpt::BRIDGE, u),
            ContinuationProp::Stack(d) => props::put(w, nxcpt::STACK, d),
            ContinuationProp::Mirrors(m) => props::put(w, nxcpt::MIRRORS, &m.to_be_bytes()),
            ContinuationProp::Conntracked => props::put(w, nxcpt::CONNTRACKED, &[]),
            ContinuationProp::TableId(t) => props::put(w, nxcpt::TABLE_ID, &[*t]),
            ContinuationProp::Cookie(c) => props::put_u64(w, nxcpt::COOKIE, *c),
            ContinuationProp::Actions(a) | ContinuationProp::ActionSet(a) => {
                let ty = if matches!(p, ContinuationProp::Actions(_)) {
                    nxcpt::ACTIONS
                } else {
                    nxcpt::ACTION_SET
                };
                w.tlv(ty, 8, |w| {
                    w.zeros(4).bytes(&a.bytes);
                });
            }
            ContinuationProp::Other(raw) => raw.encode(w),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PacketIn2 {
        let mut md = Match::catchall();
        md.set_raw(flow::FieldId::InPort, 5, 0xffff);
        PacketIn2 {
            props: vec![
                Pin2Prop::Packet(vec![0xff; 20]),
                Pin2Prop::FullLen(64),
                Pin2Prop::TableId(3),
                Pin2Prop::Cookie(0x1234),
                Pin2Prop::Reason(1),
                Pin2Prop::Metadata(md),
                Pin2Prop::Continuation(vec![
                    ContinuationProp::Bridge([7; 16]),
                    ContinuationProp::Stack(vec![1, 2]),
                    ContinuationProp::Mirrors(3),
                    ContinuationProp::Conntracked,
                    ContinuationProp::TableId(2),
                    ContinuationProp::Cookie(9),
                    ContinuationProp::Actions(RawActions {
                        version: Version::Of13,
                        bytes: vec![0, 0, 0, 16, 0, 0, 0, 1, 0xff, 0xe5, 0, 0, 0, 0, 0, 0],
                    }),
                ]),
                Pin2Prop::Userdata(vec![1, 2, 3]),
            ],
        }
    }

    #[test]
    fn round_trip_and_accessors() {
        let p = sample();
        let mut w = Writer::new();
        encode(Version::Of13, &p, &mut w);
        let b = w.into_vec();
        assert_eq!(b.len() % 8, 0);
        let back = decode(Version::Of13, &mut Reader::new(&b)).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.total_len(), 64);
        assert_eq!(back.cookie(), 0x1234);
        assert_eq!(back.buffer_id(), u32::MAX);
        assert_eq!(back.userdata(), &[1, 2, 3]);
        assert_eq!(back.continuation().len(), 7);
    }

    #[test]
    fn rejects_what_ovs_rejects() {
        // No packet.
        let e = decode(Version::Of13, &mut Reader::new(&[])).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBRC_BAD_LEN);
        // Full length below the packet length.
        let mut w = Writer::new();
        encode(
            Version::Of13,
            &PacketIn2 {
                props: vec![Pin2Prop::Packet(vec![1; 10]), Pin2Prop::FullLen(4)],
            },
            &mut w,
        );
        let e = decode(Version::Of13, &mut Reader::new(w.as_slice())).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBRC_BAD_LEN);
        // Oversized stack entry.
        let mut w = Writer::new();
        encode(
            Version::Of13,
            &PacketIn2 {
                props: vec![
                    Pin2Prop::Packet(vec![1; 10]),
                    Pin2Prop::Continuation(vec![ContinuationProp::Stack(vec![0; 129])]),
                ],
            },
            &mut w,
        );
        let e = decode(Version::Of13, &mut Reader::new(w.as_slice())).unwrap_err();
        assert_eq!(e.ofperr(), OfpErr::OFPBPC_BAD_LEN);
    }
}
