//! 802.1Q / 802.1ad VLAN tags.
//!
//! On the wire a tag is a 16-bit TPID (0x8100 for a customer tag, 0x88a8
//! for a service tag) in the place of the Ethernet type, followed by the
//! 16-bit Tag Control Information (priority, drop-eligible bit, VLAN id) and
//! then the next type field.  [`Tag`] is a view of the 4 bytes *after* the
//! TPID (TCI + inner EtherType), in the same way that the Ethernet type field
//! says what follows; so a double-tagged frame reads as
//! `Ethernet(0x88a8) -> Tag(tci, 0x8100) -> Tag(tci, 0x0800) -> IPv4`.
//!
//! Pushing and popping tags on a packet in place is done by
//! `crate::buffer::PacketBuf::push_vlan` / `pop_vlan`; this module only
//! describes the format.

use core::fmt;

use crate::error::{need, room, Result};
use crate::ethernet::EtherType;
use crate::field::{get_u16, set_u16, sub};

/// Tag Control Information: PCP (3 bits), DEI (1 bit), VID (12 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Tci(pub u16);

impl Tci {
    /// Mask of the VLAN id bits.
    pub const VID_MASK: u16 = 0x0fff;
    /// The DEI (formerly CFI) bit.
    pub const DEI: u16 = 0x1000;
    /// Mask of the priority bits.
    pub const PCP_MASK: u16 = 0xe000;

    /// Builds a TCI from its parts (excess bits are masked off).
    #[inline]
    pub const fn new(pcp: u8, dei: bool, vid: u16) -> Tci {
        Tci((((pcp & 7) as u16) << 13) | ((dei as u16) << 12) | (vid & 0x0fff))
    }

    /// Priority code point, 0..=7.
    #[inline]
    pub const fn pcp(self) -> u8 {
        (self.0 >> 13) as u8
    }

    /// Drop-eligible indicator.
    #[inline]
    pub const fn dei(self) -> bool {
        self.0 & Self::DEI != 0
    }

    /// VLAN identifier, 0..=4095.
    #[inline]
    pub const fn vid(self) -> u16 {
        self.0 & Self::VID_MASK
    }
}

impl fmt::Display for Tci {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vid={},pcp={}", self.vid(), self.pcp())
    }
}

/// Length of the part of a tag after its TPID.
pub const HEADER_LEN: usize = 4;
/// Length of a full tag including its TPID.
pub const TAG_LEN: usize = 4;

/// Zero-copy view of TCI + inner type (the 4 bytes after a TPID).
#[derive(Debug, Clone)]
pub struct Tag<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Tag<T> {
    /// Wraps without checking; accessors read zero past the end.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Tag { buffer }
    }

    /// Wraps after checking the length.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let t = Self::new_unchecked(buffer);
        t.check_len()?;
        Ok(t)
    }

    /// Checks the buffer holds TCI and inner type.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need("VLAN", HEADER_LEN, self.buffer.as_ref().len())
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Tag control information.
    #[inline]
    pub fn tci(&self) -> Tci {
        Tci(get_u16(self.buffer.as_ref(), 0))
    }

    /// Type (or 802.3 length) of what follows the tag.
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), 2))
    }

    /// Bytes after the tag.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Tag<T> {
    /// Sets the TCI.
    #[inline]
    pub fn set_tci(&mut self, tci: Tci) {
        set_u16(self.buffer.as_mut(), 0, tci.0)
    }

    /// Sets the inner type.
    #[inline]
    pub fn set_ethertype(&mut self, t: EtherType) {
        set_u16(self.buffer.as_mut(), 2, t.value())
    }
}

/// High-level VLAN tag (the part after the TPID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Tag control information.
    pub tci: Tci,
    /// Type of what follows.
    pub ethertype: EtherType,
}

impl Repr {
    /// Parses a tag.
    pub fn parse<T: AsRef<[u8]>>(tag: &Tag<T>) -> Result<Repr> {
        tag.check_len()?;
        Ok(Repr {
            tci: tag.tci(),
            ethertype: tag.ethertype(),
        })
    }

    /// Bytes emitted (4).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the tag.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, tag: &mut Tag<T>) -> Result<()> {
        room("VLAN", HEADER_LEN, tag.buffer.as_ref().len())?;
        tag.set_tci(self.tci);
        tag.set_ethertype(self.ethertype);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tci_fields() {
        let t = Tci::new(5, true, 100);
        assert_eq!(t.0, 0xb064);
        assert_eq!((t.pcp(), t.dei(), t.vid()), (5, true, 100));
        assert_eq!(Tci::new(9, false, 0xffff).0, 0x2fff);
    }

    #[test]
    fn tag_view_roundtrip() {
        let b = [0x20, 0x0a, 0x86, 0xdd, 0x60];
        let t = Tag::new_checked(&b[..]).unwrap();
        assert_eq!(t.tci().vid(), 10);
        assert_eq!(t.tci().pcp(), 1);
        assert_eq!(t.ethertype(), EtherType::Ipv6);
        assert_eq!(t.payload(), &[0x60]);
        let r = Repr::parse(&t).unwrap();
        let mut out = [0u8; 4];
        r.emit(&mut Tag::new_unchecked(&mut out[..])).unwrap();
        assert_eq!(out, b[..4]);
        assert!(Tag::new_checked(&b[..3]).is_err());
    }
}
