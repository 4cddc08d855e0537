//! UDP headers (RFC 768).
//!
//! [`Packet::check_len`] requires the 8-byte header and a length field in
//! `8..=buffer length`; [`Packet::payload`] then stops at the declared
//! length.  (A flow extractor that, like Open vSwitch, only needs the ports
//! can use `new_unchecked` after checking for 8 bytes.)  A checksum of 0
//! means "not computed" over IPv4; a computed 0 is transmitted as 0xffff,
//! which [`Packet::fill_checksum`] and the incremental setters respect.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum::{self, PseudoHeader};
use crate::error::{malformed, need, room, Error, Result};
use crate::field::{get_u16, set_u16, sub, sub_mut};

/// Header length.
pub const HEADER_LEN: usize = 8;

/// Zero-copy view of a UDP datagram.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the header is present and `8 <= length <= buffer length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("UDP", HEADER_LEN, len)?;
        let l = usize::from(self.len());
        if l < HEADER_LEN {
            return malformed("UDP", "length field below 8");
        }
        need("UDP", l, len)
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 0)
    }
    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2)
    }
    /// Length field (header + payload).
    #[inline]
    pub fn len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 4)
    }
    /// True if the length field says there is no payload.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() <= 8
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 6)
    }
    /// Payload, up to the length field.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        sub(self.buffer.as_ref(), HEADER_LEN, usize::from(self.len()))
    }
    /// True if the checksum verifies (or is absent, 0, over IPv4).
    pub fn verify_checksum(&self, ph: &PseudoHeader) -> bool {
        if self.checksum() == 0 && matches!(ph, PseudoHeader::V4(..)) {
            return true;
        }
        let l = usize::from(self.len());
        ph.verify(17, sub(self.buffer.as_ref(), 0, l))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the source port.
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 0, v)
    }
    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 2, v)
    }
    /// Sets the length field.
    #[inline]
    pub fn set_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 4, v)
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 6, v)
    }
    /// Computes and stores the checksum over `0..length`.
    pub fn fill_checksum(&mut self, ph: &PseudoHeader) {
        self.set_checksum(0);
        let l = usize::from(self.len());
        let c = ph.checksum(17, sub(self.buffer.as_ref(), 0, l));
        self.set_checksum(if c == 0 { 0xffff } else { c });
    }
    /// Sets the source port, updating a present checksum incrementally.
    pub fn set_src_port_incremental(&mut self, v: u16) {
        let c = self.checksum();
        let n = checksum::udp_update(c, checksum::update_port(c, self.src_port(), v));
        self.set_src_port(v);
        self.set_checksum(n);
    }
    /// Sets the destination port, updating a present checksum incrementally.
    pub fn set_dst_port_incremental(&mut self, v: u16) {
        let c = self.checksum();
        let n = checksum::udp_update(c, checksum::update_port(c, self.dst_port(), v));
        self.set_dst_port(v);
        self.set_checksum(n);
    }
    /// Updates a present checksum after an IPv4 pseudo-header address
    /// changed (a zero "no checksum" value stays zero).
    pub fn update_checksum_ipv4_addr(&mut self, old: Ipv4Addr, new: Ipv4Addr) {
        let c = self.checksum();
        self.set_checksum(checksum::udp_update(
            c,
            checksum::update_ipv4_addr(c, old, new),
        ));
    }
    /// Updates the checksum after an IPv6 pseudo-header address changed.
    pub fn update_checksum_ipv6_addr(&mut self, old: &Ipv6Addr, new: &Ipv6Addr) {
        let c = self.checksum();
        self.set_checksum(checksum::udp_update(
            c,
            checksum::update_ipv6_addr(c, old, new),
        ));
    }
    /// Mutable payload, up to the length field.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let l = usize::from(self.len());
        sub_mut(self.buffer.as_mut(), HEADER_LEN, l)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// High-level UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length (the length field minus 8).
    pub payload_len: usize,
}

impl Repr {
    /// Parses a checked header.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: usize::from(p.len()) - HEADER_LEN,
        })
    }

    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header; checksum left zero ("none").
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("UDP", HEADER_LEN, p.buffer.as_ref().len())?;
        let len = u16::try_from(HEADER_LEN + self.payload_len).map_err(|_| Error::Malformed {
            layer: "UDP",
            reason: "length exceeds 65535",
        })?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_len(len);
        p.set_checksum(0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_repr_checksum() {
        let r = Repr {
            src_port: 53,
            dst_port: 4096,
            payload_len: 4,
        };
        let mut b = [0u8; 14]; // 2 bytes of trailing padding
        b[8..12].copy_from_slice(&[1, 2, 3, 4]);
        r.emit(&mut Packet::new_unchecked(&mut b[..])).unwrap();
        let mut p = Packet::new_checked(&mut b[..]).unwrap();
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        let ph = PseudoHeader::V4(Ipv4Addr::new(1, 2, 3, 4), Ipv4Addr::new(5, 6, 7, 8));
        assert!(p.verify_checksum(&ph)); // 0 = none over IPv4
        p.fill_checksum(&ph);
        assert_ne!(p.checksum(), 0);
        assert!(p.verify_checksum(&ph));
        p.set_src_port_incremental(5353);
        assert!(p.verify_checksum(&ph));
        let ph6 = PseudoHeader::V6(Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
        p.fill_checksum(&ph6);
        assert!(p.verify_checksum(&ph6));
        let new6: Ipv6Addr = "2001:db8::77".parse().unwrap();
        p.update_checksum_ipv6_addr(&Ipv6Addr::LOCALHOST, &new6);
        assert!(p.verify_checksum(&PseudoHeader::V6(new6, Ipv6Addr::UNSPECIFIED)));
        p.fill_checksum(&ph6);
        assert_eq!(Repr::parse(&p).unwrap().src_port, 5353);
        p.set_checksum(0);
        p.set_dst_port_incremental(1);
        assert_eq!(p.checksum(), 0);
        p.set_len(7);
        assert!(p.check_len().is_err());
        p.set_len(15);
        assert!(p.check_len().is_err());
    }
}
