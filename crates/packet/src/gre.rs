//! GRE (RFC 2784) with the key and sequence-number extensions (RFC 2890).
//!
//! Layout: C, R, K, S flag bits, 9 reserved bits, 3-bit version (must be
//! 0), protocol type; then, in order, checksum + reserved (if C — or R, for
//! the obsolete RFC 1701 layout), key (if K), sequence number (if S).  The
//! header length therefore varies from 4 to 16 bytes.  Version 1 (the
//! PPTP variant) and the routing bit are rejected by [`Repr::parse`], as
//! Open vSwitch's GRE tunnel does.

use crate::checksum;
use crate::error::{malformed, need, room, Result};
use crate::ethernet::EtherType;
use crate::field::{get_u16, get_u32, set_u16, set_u32, sub};

/// Checksum present.
pub const FLAG_C: u16 = 0x8000;
/// Routing present (obsolete).
pub const FLAG_R: u16 = 0x4000;
/// Key present.
pub const FLAG_K: u16 = 0x2000;
/// Sequence number present.
pub const FLAG_S: u16 = 0x1000;
/// Version mask.
pub const VERSION_MASK: u16 = 0x0007;
/// Length of the base header.
pub const BASE_LEN: usize = 4;

/// Zero-copy view of a GRE header.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps after checking the header (with its optional fields) fits.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }
    /// Checks the header (with its optional fields) fits.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("GRE", BASE_LEN, len)?;
        need("GRE", self.header_len(), len)
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Flags and version word.
    pub fn flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 0)
    }
    /// Version.
    pub fn version(&self) -> u8 {
        (self.flags() & VERSION_MASK) as u8
    }
    /// Payload protocol.
    pub fn protocol(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), 2))
    }
    fn has_csum_word(&self) -> bool {
        self.flags() & (FLAG_C | FLAG_R) != 0
    }
    fn key_offset(&self) -> usize {
        BASE_LEN + if self.has_csum_word() { 4 } else { 0 }
    }
    fn seq_offset(&self) -> usize {
        self.key_offset() + if self.flags() & FLAG_K != 0 { 4 } else { 0 }
    }
    /// Header length implied by the flags.
    pub fn header_len(&self) -> usize {
        self.seq_offset() + if self.flags() & FLAG_S != 0 { 4 } else { 0 }
    }
    /// Checksum field, if the C flag is set.
    pub fn checksum(&self) -> Option<u16> {
        (self.flags() & FLAG_C != 0).then(|| get_u16(self.buffer.as_ref(), 4))
    }
    /// Key, if the K flag is set.
    pub fn key(&self) -> Option<u32> {
        (self.flags() & FLAG_K != 0).then(|| get_u32(self.buffer.as_ref(), self.key_offset()))
    }
    /// Sequence number, if the S flag is set.
    pub fn seq_number(&self) -> Option<u32> {
        (self.flags() & FLAG_S != 0).then(|| get_u32(self.buffer.as_ref(), self.seq_offset()))
    }
    /// Payload after the header.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, self.header_len(), b.len())
    }
    /// True if there is no checksum, or it verifies over the whole buffer.
    pub fn verify_checksum(&self) -> bool {
        self.checksum().is_none() || checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Computes and stores the checksum over the whole buffer (header and
    /// payload); no-op without the C flag.
    pub fn fill_checksum(&mut self) {
        if self.flags() & FLAG_C == 0 {
            return;
        }
        set_u16(self.buffer.as_mut(), 4, 0);
        let c = checksum::checksum(self.buffer.as_ref());
        set_u16(self.buffer.as_mut(), 4, c);
    }
}

/// High-level GRE header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Payload protocol (0x6558 for Ethernet, 0x0800 for IPv4, ...).
    pub protocol: EtherType,
    /// Whether a checksum is present (its value is computed by
    /// [`Packet::fill_checksum`]).
    pub checksum: bool,
    /// Key.
    pub key: Option<u32>,
    /// Sequence number.
    pub seq_number: Option<u32>,
}

impl Repr {
    /// Parses a header; rejects version != 0 and the routing bit.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        if p.version() != 0 {
            return malformed("GRE", "version is not 0");
        }
        if p.flags() & FLAG_R != 0 {
            return malformed("GRE", "routing present");
        }
        Ok(Repr {
            protocol: p.protocol(),
            checksum: p.checksum().is_some(),
            key: p.key(),
            seq_number: p.seq_number(),
        })
    }
    /// Bytes emitted.
    pub fn buffer_len(&self) -> usize {
        BASE_LEN
            + 4 * (usize::from(self.checksum)
                + usize::from(self.key.is_some())
                + usize::from(self.seq_number.is_some()))
    }
    /// Writes the header (checksum zero; fill it once the payload is in place).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("GRE", self.buffer_len(), p.buffer.as_ref().len())?;
        let mut flags = 0;
        if self.checksum {
            flags |= FLAG_C;
        }
        if self.key.is_some() {
            flags |= FLAG_K;
        }
        if self.seq_number.is_some() {
            flags |= FLAG_S;
        }
        let b = p.buffer.as_mut();
        set_u16(b, 0, flags);
        set_u16(b, 2, self.protocol.value());
        let mut off = BASE_LEN;
        if self.checksum {
            set_u32(b, off, 0);
            off += 4;
        }
        if let Some(k) = self.key {
            set_u32(b, off, k);
            off += 4;
        }
        if let Some(s) = self.seq_number {
            set_u32(b, off, s);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_field_combinations() {
        for mask in 0..8u8 {
            let r = Repr {
                protocol: EtherType::TransparentEthernet,
                checksum: mask & 1 != 0,
                key: (mask & 2 != 0).then_some(0x1122_3344),
                seq_number: (mask & 4 != 0).then_some(9),
            };
            let mut b = vec![0u8; r.buffer_len() + 5];
            let mut p = Packet::new_unchecked(&mut b[..]);
            r.emit(&mut p).unwrap();
            p.fill_checksum();
            let p = Packet::new_checked(&b[..]).unwrap();
            assert_eq!(p.header_len(), r.buffer_len());
            assert!(p.verify_checksum());
            assert_eq!(Repr::parse(&p).unwrap(), r);
            assert_eq!(p.payload().len(), 5);
            assert!(Packet::new_checked(&b[..r.buffer_len() - 1]).is_err());
        }
        let v1 = [0x20, 0x01, 0x88, 0x0b, 0, 0, 0, 0];
        assert!(Repr::parse(&Packet::new_unchecked(&v1[..])).is_err());
    }
}
