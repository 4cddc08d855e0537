//! SCTP common header (RFC 9260) and its CRC32c checksum (RFC 3309).
//!
//! The checksum is CRC32c (Castagnoli, reflected polynomial 0x82f63b78)
//! over the whole packet with the checksum field zeroed; the resulting
//! 32-bit value is stored least-significant byte first, as the RFC's
//! reference code does.  [`crc32c`] is table-driven with a table built at
//! compile time.

use crate::error::{need, room, Result};
use crate::field::{get_u16, get_u32, set_array, set_u16, set_u32, sub};

const fn make_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x82f6_3b78
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 256] = make_table();

/// Continues a CRC32c computation: pass the previous return value (start
/// with `0`) to checksum data in pieces.
pub fn crc32c_update(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c = TABLE[usize::from((c as u8) ^ b)] ^ (c >> 8);
    }
    !c
}

/// CRC32c of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c_update(0, data)
}

/// Common header length.
pub const HEADER_LEN: usize = 12;

/// Zero-copy view of an SCTP packet (common header + chunks).
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps after checking the common header is present.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }
    /// Checks the common header is present.
    pub fn check_len(&self) -> Result<()> {
        need("SCTP", HEADER_LEN, self.buffer.as_ref().len())
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Source port.
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 0)
    }
    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2)
    }
    /// Verification tag.
    pub fn verification_tag(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4)
    }
    /// Checksum as stored (the CRC value, decoded little-endian).
    pub fn checksum(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 8).swap_bytes()
    }
    /// Chunks after the common header.
    pub fn chunks(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
    /// Computes the CRC32c of the packet as if its checksum field were 0.
    pub fn compute_checksum(&self) -> u32 {
        let b = self.buffer.as_ref();
        let c = crc32c_update(0, sub(b, 0, 8));
        let c = crc32c_update(c, &[0; 4]);
        crc32c_update(c, sub(b, HEADER_LEN, b.len()))
    }
    /// True if the stored checksum matches.
    pub fn verify_checksum(&self) -> bool {
        self.buffer.as_ref().len() >= HEADER_LEN && self.compute_checksum() == self.checksum()
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the source port.
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 0, v)
    }
    /// Sets the destination port.
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 2, v)
    }
    /// Sets the verification tag.
    pub fn set_verification_tag(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), 4, v)
    }
    /// Stores a checksum value (written little-endian).
    pub fn set_checksum(&mut self, v: u32) {
        set_array(self.buffer.as_mut(), 8, v.to_le_bytes())
    }
    /// Computes and stores the checksum.  SCTP's CRC cannot be updated
    /// incrementally, so call this after rewriting ports.
    pub fn fill_checksum(&mut self) {
        let c = self.compute_checksum();
        self.set_checksum(c);
    }
}

/// High-level SCTP common header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Verification tag.
    pub verification_tag: u32,
}

impl Repr {
    /// Parses the common header (checksum not verified).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            verification_tag: p.verification_tag(),
        })
    }
    /// Bytes emitted (12).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header with a zero checksum; call `fill_checksum` after
    /// the chunks are in place.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("SCTP", HEADER_LEN, p.buffer.as_ref().len())?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_verification_tag(self.verification_tag);
        p.set_checksum(0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_vectors() {
        // Standard check value and the RFC 3720 (iSCSI) test vectors.
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62a8_ab43);
        let inc: Vec<u8> = (0..32).collect();
        assert_eq!(crc32c(&inc), 0x46dd_794e);
        let part = crc32c_update(crc32c(&inc[..10]), &inc[10..]);
        assert_eq!(part, 0x46dd_794e);
    }

    #[test]
    fn header_and_checksum() {
        let r = Repr {
            src_port: 5000,
            dst_port: 36412,
            verification_tag: 0xdead_beef,
        };
        let mut b = [0u8; 20];
        b[12..].copy_from_slice(&[1, 0, 0, 8, 0, 0, 0, 0]);
        let mut p = Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p).unwrap();
        p.fill_checksum();
        assert!(p.verify_checksum());
        let c = p.checksum();
        assert_eq!(&b[8..12], &c.to_le_bytes());
        assert_eq!(
            Repr::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap(),
            r
        );
        b[13] ^= 1;
        assert!(!Packet::new_unchecked(&b[..]).verify_checksum());
        assert!(Packet::new_checked(&b[..11]).is_err());
    }
}
