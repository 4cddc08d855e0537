//! Geneve (RFC 8926) with TLV options.
//!
//! Layout: version (2) | option length in 4-byte words (6) | O (1) | C (1)
//! | reserved (6) | protocol type (16) | VNI (24) | reserved (8), then the
//! options.  Each option is class (16) | C+type (8) | reserved (3) |
//! length in 4-byte words (5) | data.  [`Packet::check_len`] verifies the
//! option area fits in the buffer and that the option TLVs tile it
//! exactly; [`Packet::options`] iterates them.

use crate::error::{malformed, need, room, Result};
use crate::ethernet::EtherType;
use crate::field::{get_u16, get_u32, get_u8, set_slice, set_u16, set_u32, set_u8, sub};

/// Length of the fixed header.
pub const HEADER_LEN: usize = 8;
/// IANA UDP port.
pub const UDP_PORT: u16 = 6081;
/// Longest option area (63 words).
pub const MAX_OPTIONS_LEN: usize = 252;
/// OAM flag.
pub const FLAG_OAM: u8 = 0x80;
/// Critical-options-present flag.
pub const FLAG_CRITICAL: u8 = 0x40;

/// One Geneve option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeneveOption<'a> {
    /// Option class.
    pub class: u16,
    /// Type (its top bit is the "critical" bit).
    pub opt_type: u8,
    /// Option data (a multiple of 4 bytes).
    pub data: &'a [u8],
}

/// Iterator over the options of a Geneve header; stops at the first
/// option that does not fit.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Options<'a> {
    type Item = GeneveOption<'a>;

    fn next(&mut self) -> Option<GeneveOption<'a>> {
        let r = self.rest;
        if r.len() < 4 {
            return None;
        }
        let len = 4 + usize::from(get_u8(r, 3) & 0x1f) * 4;
        let data = r.get(4..len)?;
        self.rest = sub(r, len, r.len());
        Some(GeneveOption {
            class: get_u16(r, 0),
            opt_type: get_u8(r, 2),
            data,
        })
    }
}

/// Zero-copy view of a Geneve header.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }
    /// Checks the fixed header and options fit and the options tile the
    /// option area exactly.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("Geneve", HEADER_LEN, len)?;
        need("Geneve", self.header_len(), len)?;
        let opts = self.options_bytes();
        let used: usize = self.options().map(|o| 4 + o.data.len()).sum();
        if used != opts.len() {
            return malformed("Geneve", "options overrun the option area");
        }
        Ok(())
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Version (0).
    pub fn version(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 0) >> 6
    }
    /// Option area length in bytes.
    pub fn options_len(&self) -> usize {
        usize::from(get_u8(self.buffer.as_ref(), 0) & 0x3f) * 4
    }
    /// Header length including options.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options_len()
    }
    /// O and C flag byte.
    pub fn flags(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 1)
    }
    /// Protocol of the payload (0x6558 for Ethernet).
    pub fn protocol(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), 2))
    }
    /// VNI (24 bits).
    pub fn vni(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4) >> 8
    }
    /// Raw option bytes.
    pub fn options_bytes(&self) -> &[u8] {
        sub(self.buffer.as_ref(), HEADER_LEN, self.header_len())
    }
    /// Iterates the options.
    pub fn options(&self) -> Options<'_> {
        Options {
            rest: self.options_bytes(),
        }
    }
    /// Payload after the options.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, self.header_len(), b.len())
    }
}

/// High-level Geneve header; options are kept as raw TLV bytes inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// O and C flags byte.
    pub flags: u8,
    /// Payload protocol.
    pub protocol: EtherType,
    /// VNI (24 bits).
    pub vni: u32,
    options_len: u8,
    options: [u8; MAX_OPTIONS_LEN],
}

impl Repr {
    /// A header without options.
    pub fn new(vni: u32, protocol: EtherType) -> Repr {
        Repr {
            flags: 0,
            protocol,
            vni,
            options_len: 0,
            options: [0; MAX_OPTIONS_LEN],
        }
    }
    /// Appends an option (`data` must be a multiple of 4, at most 124 bytes).
    pub fn push_option(&mut self, class: u16, opt_type: u8, data: &[u8]) -> Result<()> {
        if data.len() % 4 != 0 || data.len() > 124 {
            return malformed(
                "Geneve",
                "option data must be a multiple of 4 bytes, at most 124",
            );
        }
        let at = usize::from(self.options_len);
        let end = at + 4 + data.len();
        if end > MAX_OPTIONS_LEN {
            return malformed("Geneve", "options exceed 252 bytes");
        }
        set_u16(&mut self.options, at, class);
        set_u8(&mut self.options, at + 2, opt_type);
        set_u8(&mut self.options, at + 3, (data.len() / 4) as u8);
        set_slice(&mut self.options, at + 4, data);
        self.options_len = end as u8;
        Ok(())
    }
    /// Raw option bytes.
    pub fn options_bytes(&self) -> &[u8] {
        sub(&self.options, 0, usize::from(self.options_len))
    }
    /// Iterates the options.
    pub fn options(&self) -> Options<'_> {
        Options {
            rest: self.options_bytes(),
        }
    }
    /// Parses a checked header; version must be 0.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        if p.version() != 0 {
            return malformed("Geneve", "version is not 0");
        }
        let mut r = Repr::new(p.vni(), p.protocol());
        r.flags = p.flags();
        let o = p.options_bytes();
        set_slice(&mut r.options, 0, o);
        r.options_len = o.len() as u8;
        Ok(r)
    }
    /// Bytes emitted.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + usize::from(self.options_len)
    }
    /// Writes the header and options.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("Geneve", self.buffer_len(), p.buffer.as_ref().len())?;
        let b = p.buffer.as_mut();
        set_u8(b, 0, self.options_len / 4);
        set_u8(b, 1, self.flags);
        set_u16(b, 2, self.protocol.value());
        set_u32(b, 4, (self.vni & 0x00ff_ffff) << 8);
        set_slice(b, HEADER_LEN, self.options_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_roundtrip() {
        let mut r = Repr::new(0xabcdef, EtherType::TransparentEthernet);
        r.push_option(0x0102, 0x80, &[1, 2, 3, 4]).unwrap();
        r.push_option(0xffff, 3, &[]).unwrap();
        assert!(r.push_option(1, 1, &[1, 2, 3]).is_err());
        let mut b = vec![0u8; r.buffer_len() + 2];
        r.emit(&mut Packet::new_unchecked(&mut b[..])).unwrap();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.options_len(), 12);
        assert_eq!(p.vni(), 0xabcdef);
        assert_eq!(p.protocol(), EtherType::TransparentEthernet);
        let opts: Vec<_> = p.options().collect();
        assert_eq!(opts.len(), 2);
        assert_eq!(opts[0].class, 0x0102);
        assert_eq!(opts[0].opt_type, 0x80);
        assert_eq!(opts[0].data, &[1, 2, 3, 4]);
        assert_eq!(opts[1].data.len(), 0);
        assert_eq!(Repr::parse(&p).unwrap(), r);
        assert_eq!(p.payload().len(), 2);
        // option claiming more than the option area
        let mut bad = b.clone();
        bad[8 + 3] = 5;
        assert!(Packet::new_checked(&bad[..]).is_err());
        assert!(Packet::new_checked(&b[..10]).is_err());
    }
}
