//! `OFPT_HELLO` and version negotiation.
//!
//! A hello's body is a list of 8-byte-aligned elements; the only defined
//! one is `OFPHET_VERSIONBITMAP` (type 1), a list of 32-bit words in which
//! bit `n` of word `w` means "I speak wire version `32*w + n`".  A hello
//! without a bitmap means "every version up to the one in my header".
//! [`negotiate`] implements Open vSwitch's rule: the agreed version is the
//! highest one both sides allow; with none in common the connection fails
//! with `OFPHFC_INCOMPATIBLE` and an explanatory text.

use super::{BodyError, Ctx, RawProp};
use crate::header::Version;
use crate::OfpErr;
use octets::{Reader, Writer};

/// The version-bitmap hello element type.
pub const OFPHET_VERSIONBITMAP: u16 = 1;

/// One hello element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HelloElement {
    /// `OFPHET_VERSIONBITMAP`: bitmap words, least significant word first.
    VersionBitmap(Vec<u32>),
    /// Any other element, verbatim.
    Unknown(RawProp),
    /// Trailing bytes that do not form a valid element (OVS ignores them).
    Malformed(Vec<u8>),
}

/// An `OFPT_HELLO` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Hello {
    /// The elements in wire order.
    pub elements: Vec<HelloElement>,
}

impl Hello {
    /// A hello advertising exactly the versions in `versions`.
    pub fn with_versions(versions: &[Version]) -> Hello {
        let bits = versions.iter().fold(0u32, |b, v| b | (1 << v.wire()));
        Hello {
            elements: vec![HelloElement::VersionBitmap(vec![bits])],
        }
    }

    /// The versions this hello allows (bit n = wire version n; bit 0 is
    /// never set), given the version in its header.
    pub fn allowed_versions(&self, header_version: u8) -> u32 {
        let bitmap = self.elements.iter().find_map(|e| match e {
            HelloElement::VersionBitmap(words) => Some(words.first().copied().unwrap_or(0)),
            HelloElement::Unknown(_) | HelloElement::Malformed(_) => None,
        });
        match bitmap {
            Some(b) => b & !1,
            None => {
                // Every version from 1.0 up to the header's.
                let top = u32::from(header_version.min(31));
                let upto = if top >= 31 {
                    u32::MAX
                } else {
                    (2u32 << top) - 1
                };
                upto & SUPPORTED
            }
        }
    }

    /// True if the hello has a version bitmap element.
    pub fn has_bitmap(&self) -> bool {
        self.elements
            .iter()
            .any(|e| matches!(e, HelloElement::VersionBitmap(_)))
    }
}

/// Bits of the versions this crate speaks (1.0 .. 1.5).
pub const SUPPORTED: u32 = 0x7e;

/// Decodes a hello body.  OVS ignores elements it cannot parse; a
/// malformed element length makes the rest unparseable, so the rest is
/// kept as one [`HelloElement::Malformed`] so that nothing is lost.
pub fn decode(r: &mut Reader<'_>) -> Result<Hello, BodyError> {
    let mut elements = Vec::new();
    while !r.is_empty() {
        let save = r.clone();
        match r.tlv(8) {
            Ok(t) if t.ty == OFPHET_VERSIONBITMAP && t.value.len() % 4 == 0 => {
                let mut vr = Reader::new(t.value);
                let mut words = Vec::new();
                while !vr.is_empty() {
                    words.push(vr.u32().ctx("hello version bitmap")?);
                }
                elements.push(HelloElement::VersionBitmap(words));
            }
            Ok(t) => elements.push(HelloElement::Unknown(RawProp {
                ty: t.ty,
                value: t.value.to_vec(),
            })),
            Err(_) => {
                *r = save;
                elements.push(HelloElement::Malformed(r.take_rest().to_vec()));
            }
        }
    }
    Ok(Hello { elements })
}

/// Encodes a hello body.
pub fn encode(h: &Hello, w: &mut Writer) {
    for e in &h.elements {
        match e {
            HelloElement::VersionBitmap(words) => {
                w.tlv(OFPHET_VERSIONBITMAP, 8, |w| {
                    for &x in words {
                        w.u32(x);
                    }
                });
            }
            HelloElement::Unknown(p) => p.encode(w),
            HelloElement::Malformed(b) => {
                w.bytes(b);
            }
        }
    }
}

/// `0x01, 0x04` style list of the versions in a bitmap.
pub fn format_versions(bitmap: u32) -> String {
    (0..32)
        .filter(|b| bitmap & (1 << b) != 0)
        .map(|b| format!("0x{b:02x}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe(bitmap: u32) -> String {
    if bitmap.count_ones() == 1 {
        format!("version {}", format_versions(bitmap))
    } else {
        format!("versions {}", format_versions(bitmap))
    }
}

/// Version negotiation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("version negotiation failed (we support {ours}, peer supports {theirs})")]
pub struct NegotiationError {
    /// `version 0x01` / `versions 0x01, 0x04`.
    pub ours: String,
    /// The peer's versions, same format.
    pub theirs: String,
    /// The error to send: `OFPHFC_INCOMPATIBLE`.
    pub err: OfpErr,
    /// The text OVS puts in the error's data.
    pub text: String,
    /// The wire version OVS uses for the error message: the highest
    /// version the peer offered.
    pub reply_version: u8,
}

/// Agrees on a version: `ours` is our allowed-version bitmap (bit n =
/// wire version n), `peer` and `peer_header_version` are the received
/// hello.
pub fn negotiate(
    ours: u32,
    peer: &Hello,
    peer_header_version: u8,
) -> Result<Version, NegotiationError> {
    let theirs = peer.allowed_versions(peer_header_version);
    let common = ours & theirs & SUPPORTED;
    match (1..=6u8).rev().find(|v| common & (1 << v) != 0) {
        Some(v) => Version::from_wire(v).ok_or_else(|| fail(ours, theirs, peer_header_version)),
        None => Err(fail(ours, theirs, peer_header_version)),
    }
}

fn fail(ours: u32, theirs: u32, peer_header_version: u8) -> NegotiationError {
    let ours_s = describe(ours);
    let theirs_s = describe(theirs);
    let reply_version = (0..32u8)
        .rev()
        .find(|b| theirs & (1 << b) != 0)
        .unwrap_or(peer_header_version);
    NegotiationError {
        reply_version,
        text: format!("We support {ours_s}, you support {theirs_s}, no common versions."),
        ours: ours_s,
        theirs: theirs_s,
        err: OfpErr::OFPHFC_INCOMPATIBLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        let all = SUPPORTED;
        let plain = Hello::default();
        assert_eq!(negotiate(all, &plain, 4), Ok(Version::Of13));
        assert_eq!(negotiate(1 << 1, &plain, 4), Ok(Version::Of10));
        let only14 = Hello::with_versions(&[Version::Of14]);
        assert_eq!(negotiate(all, &only14, 6), Ok(Version::Of14));
        let e = negotiate(1 << 1, &only14, 5).unwrap_err();
        assert_eq!(e.err, OfpErr::OFPHFC_INCOMPATIBLE);
        assert_eq!(e.ours, "version 0x01");
        assert_eq!(e.theirs, "version 0x05");
        assert_eq!(format_versions(0x1e), "0x01, 0x02, 0x03, 0x04");
    }

    #[test]
    fn codec() {
        let h = Hello::with_versions(&[Version::Of10, Version::Of13]);
        let mut w = Writer::new();
        encode(&h, &mut w);
        assert_eq!(w.as_slice(), &[0, 1, 0, 8, 0, 0, 0, 0x12]);
        let back = decode(&mut Reader::new(w.as_slice())).unwrap();
        assert_eq!(back, h);
    }
}
