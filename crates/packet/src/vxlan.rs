//! VXLAN (RFC 7348), with the Group-Based Policy extension bits that Open
//! vSwitch exposes as `tun_gbp_id` / `tun_gbp_flags`.
//!
//! Layout: flags (8) | GBP flags (8) | GBP group id (16) | VNI (24) |
//! reserved (8).  The I flag (0x08) must be set for the VNI to be valid;
//! the G flag (0x80) announces a group policy id.

use crate::error::{malformed, need, room, Result};
use crate::field::{get_u16, get_u32, get_u8, set_u16, set_u32, set_u8, sub};

/// Header length.
pub const HEADER_LEN: usize = 8;
/// IANA UDP port.
pub const UDP_PORT: u16 = 4789;
/// "VNI valid" flag.
pub const FLAG_I: u8 = 0x08;
/// "Group policy present" flag (GBP).
pub const FLAG_G: u8 = 0x80;
/// GBP "don't learn" bit (in the second byte).
pub const GBP_DONT_LEARN: u8 = 0x40;
/// GBP "policy applied" bit (in the second byte).
pub const GBP_POLICY_APPLIED: u8 = 0x08;

/// Zero-copy view of a VXLAN header.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps after checking the 8-byte header is present.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        need("VXLAN", HEADER_LEN, p.buffer.as_ref().len())?;
        Ok(p)
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Flags byte.
    pub fn flags(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 0)
    }
    /// GBP flags byte (D and A bits).
    pub fn gbp_flags(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 1)
    }
    /// GBP group policy id.
    pub fn gbp_id(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2)
    }
    /// VXLAN network identifier (24 bits).
    pub fn vni(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4) >> 8
    }
    /// The encapsulated Ethernet frame.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the flags byte.
    pub fn set_flags(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), 0, v)
    }
    /// Sets the GBP flags byte.
    pub fn set_gbp_flags(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), 1, v)
    }
    /// Sets the GBP id.
    pub fn set_gbp_id(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 2, v)
    }
    /// Sets the VNI (and clears the trailing reserved byte).
    pub fn set_vni(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), 4, (v & 0x00ff_ffff) << 8)
    }
}

/// High-level VXLAN header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// VNI (24 bits).
    pub vni: u32,
    /// Group-based policy: `(gbp flags byte, group id)` when the G flag is set.
    pub gbp: Option<(u8, u16)>,
}

impl Repr {
    /// Parses a header; the I flag must be set.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        need("VXLAN", HEADER_LEN, p.buffer.as_ref().len())?;
        if p.flags() & FLAG_I == 0 {
            return malformed("VXLAN", "I flag not set");
        }
        let gbp = (p.flags() & FLAG_G != 0).then(|| (p.gbp_flags(), p.gbp_id()));
        Ok(Repr { vni: p.vni(), gbp })
    }
    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("VXLAN", HEADER_LEN, p.buffer.as_ref().len())?;
        let (g, gf, gid) = match self.gbp {
            Some((f, id)) => (FLAG_G, f, id),
            None => (0, 0, 0),
        };
        p.set_flags(FLAG_I | g);
        p.set_gbp_flags(gf);
        p.set_gbp_id(gid);
        p.set_vni(self.vni);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let b = [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0, 0xaa];
        let p = Packet::new_checked(&b[..]).unwrap();
        let r = Repr::parse(&p).unwrap();
        assert_eq!(
            r,
            Repr {
                vni: 0x123456,
                gbp: None
            }
        );
        assert_eq!(p.payload(), &[0xaa]);
        let g = Repr {
            vni: 7,
            gbp: Some((GBP_DONT_LEARN, 0x1234)),
        };
        let mut o = [0u8; 8];
        g.emit(&mut Packet::new_unchecked(&mut o[..])).unwrap();
        assert_eq!(o, [0x88, 0x40, 0x12, 0x34, 0, 0, 7, 0]);
        assert_eq!(Repr::parse(&Packet::new_unchecked(&o[..])).unwrap(), g);
        assert!(Repr::parse(&Packet::new_unchecked(&[0u8; 8][..])).is_err());
        assert!(Packet::new_checked(&b[..7]).is_err());
    }
}
