//! IPv4 headers (RFC 791): options, fragmentation and header checksum.
//!
//! [`Packet::check_len`] guarantees `20 <= header_len <= total_len <=
//! buffer length`, so after `new_checked` the option bytes and the payload
//! (`header_len..total_len`, i.e. without Ethernet padding) are in range.
//! The header checksum is *not* verified by parsing — a switch forwards
//! packets with bad checksums unchanged — use [`Packet::verify_checksum`].
//! The `set_*_incremental` setters keep the header checksum valid with an
//! RFC 1624 update instead of a recomputation, which is what the datapath
//! `set_field` actions need.

use std::net::Ipv4Addr;

use crate::checksum;
use crate::error::{malformed, need, room, Error, Result};
use crate::field::{
    get_array, get_u16, get_u8, set_array, set_slice, set_u16, set_u8, sub, sub_mut,
};
use crate::ip::{FragInfo, IpProtocol};

mod field {
    pub const VER_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const LENGTH: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLG_OFF: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
}

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;
/// Longest header (IHL 15).
pub const MAX_HEADER_LEN: usize = 60;
/// "Don't fragment" flag bit in the flags/offset word.
pub const FLAG_DF: u16 = 0x4000;
/// "More fragments" flag bit.
pub const FLAG_MF: u16 = 0x2000;
/// Fragment offset mask (units of 8 bytes).
pub const OFFSET_MASK: u16 = 0x1fff;

/// Zero-copy view of an IPv4 header and its payload.
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

    /// Checks `20 <= header_len <= total_len <= buffer length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("IPv4", HEADER_LEN, len)?;
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return malformed("IPv4", "header length below 20");
        }
        need("IPv4", hl, len)?;
        let tl = usize::from(self.total_len());
        if tl < hl {
            return malformed("IPv4", "total length below header length");
        }
        need("IPv4", tl, len)
    }

    /// Returns the wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version field (4 for IPv4).
    #[inline]
    pub fn version(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::VER_IHL) >> 4
    }
    /// Header length in bytes (IHL * 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(get_u8(self.buffer.as_ref(), field::VER_IHL) & 0x0f) * 4
    }
    /// The whole TOS byte (DSCP << 2 | ECN).
    #[inline]
    pub fn tos(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::TOS)
    }
    /// DSCP (upper six bits of TOS).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.tos() >> 2
    }
    /// ECN (lower two bits of TOS).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.tos() & 3
    }
    /// Total length field.
    #[inline]
    pub fn total_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }
    /// Identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::IDENT)
    }
    /// Raw flags + fragment offset word.
    #[inline]
    pub fn flags_frag(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLG_OFF)
    }
    /// Don't-fragment flag.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.flags_frag() & FLAG_DF != 0
    }
    /// More-fragments flag.
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.flags_frag() & FLAG_MF != 0
    }
    /// Fragment offset in units of 8 bytes.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        self.flags_frag() & OFFSET_MASK
    }
    /// Fragment classification (OVS `nw_frag`).
    #[inline]
    pub fn frag_info(&self) -> FragInfo {
        let w = self.flags_frag();
        if w & (FLAG_MF | OFFSET_MASK) == 0 {
            FragInfo::NONE
        } else if w & OFFSET_MASK != 0 {
            FragInfo(FragInfo::ANY | FragInfo::LATER)
        } else {
            FragInfo(FragInfo::ANY)
        }
    }
    /// Time to live.
    #[inline]
    pub fn ttl(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::TTL)
    }
    /// Protocol of the payload.
    #[inline]
    pub fn protocol(&self) -> IpProtocol {
        IpProtocol::from(get_u8(self.buffer.as_ref(), field::PROTOCOL))
    }
    /// Header checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::SRC))
    }
    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::DST))
    }
    /// Option bytes (between byte 20 and `header_len`).
    #[inline]
    pub fn options(&self) -> &[u8] {
        sub(self.buffer.as_ref(), HEADER_LEN, self.header_len())
    }
    /// Iterates the options.
    #[inline]
    pub fn options_iter(&self) -> OptionsIter<'_> {
        OptionsIter::new(self.options())
    }
    /// The header bytes.
    #[inline]
    pub fn header(&self) -> &[u8] {
        sub(self.buffer.as_ref(), 0, self.header_len())
    }
    /// Payload: `header_len..total_len` (layer-2 padding excluded).
    #[inline]
    pub fn payload(&self) -> &[u8] {
        sub(
            self.buffer.as_ref(),
            self.header_len(),
            usize::from(self.total_len()),
        )
    }
    /// True if the header checksum verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.header()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version and header length (bytes, multiple of 4, <= 60).
    #[inline]
    pub fn set_version_and_header_len(&mut self, version: u8, header_len: usize) {
        let ihl = ((header_len / 4) & 0x0f) as u8;
        set_u8(self.buffer.as_mut(), field::VER_IHL, (version << 4) | ihl)
    }
    /// Sets the TOS byte.
    #[inline]
    pub fn set_tos(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), field::TOS, v)
    }
    /// Sets the total length.
    #[inline]
    pub fn set_total_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, v)
    }
    /// Sets the identification.
    #[inline]
    pub fn set_ident(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::IDENT, v)
    }
    /// Sets the raw flags + fragment offset word.
    #[inline]
    pub fn set_flags_frag(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::FLG_OFF, v)
    }
    /// Sets the TTL.
    #[inline]
    pub fn set_ttl(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), field::TTL, v)
    }
    /// Sets the protocol.
    #[inline]
    pub fn set_protocol(&mut self, v: IpProtocol) {
        set_u8(self.buffer.as_mut(), field::PROTOCOL, v.value())
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    /// Sets the source address.
    #[inline]
    pub fn set_src_addr(&mut self, v: Ipv4Addr) {
        set_array(self.buffer.as_mut(), field::SRC, v.octets())
    }
    /// Sets the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, v: Ipv4Addr) {
        set_array(self.buffer.as_mut(), field::DST, v.octets())
    }
    /// Recomputes and stores the header checksum.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.header());
        self.set_checksum(c);
    }
    /// Sets the source address, updating the header checksum
    /// incrementally.  Returns the old address (layer-4 checksums over the
    /// pseudo-header need the same update, see
    /// [`checksum::update_ipv4_addr`]).
    #[inline]
    pub fn set_src_addr_incremental(&mut self, v: Ipv4Addr) -> Ipv4Addr {
        let old = self.src_addr();
        let c = checksum::update_ipv4_addr(self.checksum(), old, v);
        self.set_src_addr(v);
        self.set_checksum(c);
        old
    }
    /// Sets the destination address, updating the header checksum
    /// incrementally; returns the old address.
    #[inline]
    pub fn set_dst_addr_incremental(&mut self, v: Ipv4Addr) -> Ipv4Addr {
        let old = self.dst_addr();
        let c = checksum::update_ipv4_addr(self.checksum(), old, v);
        self.set_dst_addr(v);
        self.set_checksum(c);
        old
    }
    /// Sets the TTL, updating the header checksum incrementally.
    #[inline]
    pub fn set_ttl_incremental(&mut self, v: u8) {
        let c = checksum::update_ttl(self.checksum(), self.ttl(), v);
        self.set_ttl(v);
        self.set_checksum(c);
    }
    /// Sets the TOS byte, updating the header checksum incrementally.
    #[inline]
    pub fn set_tos_incremental(&mut self, v: u8) {
        let old = get_u16(self.buffer.as_ref(), field::VER_IHL);
        let new = (old & 0xff00) | u16::from(v);
        let c = checksum::update_u16(self.checksum(), old, new);
        self.set_tos(v);
        self.set_checksum(c);
    }
    /// Mutable option bytes.
    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        sub_mut(self.buffer.as_mut(), HEADER_LEN, hl)
    }
    /// Mutable payload (`header_len..total_len`).
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (hl, tl) = (self.header_len(), usize::from(self.total_len()));
        sub_mut(self.buffer.as_mut(), hl, tl)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// One IPv4 option: its type byte and data (after the length byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Option<'a> {
    /// Option type (copied flag, class and number).
    pub kind: u8,
    /// Option data; empty for No-Operation.
    pub data: &'a [u8],
}

/// Iterator over IPv4 options.  Stops at End-of-Options-List, at the end of
/// the bytes, or at the first option whose length is below 2 or runs past
/// the end (check [`OptionsIter::malformed`] afterwards to tell these apart).
#[derive(Debug, Clone)]
pub struct OptionsIter<'a> {
    rest: &'a [u8],
    malformed: bool,
}

impl<'a> OptionsIter<'a> {
    /// Iterates `raw` option bytes.
    pub fn new(raw: &'a [u8]) -> Self {
        OptionsIter {
            rest: raw,
            malformed: false,
        }
    }
    /// True if iteration stopped at a malformed option.
    pub fn malformed(&self) -> bool {
        self.malformed
    }
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = Ipv4Option<'a>;

    fn next(&mut self) -> Option<Ipv4Option<'a>> {
        let (&kind, tail) = self.rest.split_first()?;
        match kind {
            0 => {
                self.rest = &[];
                None
            }
            1 => {
                self.rest = tail;
                Some(Ipv4Option { kind, data: &[] })
            }
            _ => {
                let len = usize::from(get_u8(self.rest, 1));
                match self.rest.get(2..len) {
                    Some(data) if len >= 2 => {
                        self.rest = sub(self.rest, len, self.rest.len());
                        Some(Ipv4Option { kind, data })
                    }
                    _ => {
                        self.malformed = true;
                        self.rest = &[];
                        None
                    }
                }
            }
        }
    }
}

/// IPv4 options, stored inline (at most 40 bytes) so [`Repr`] stays `Copy`
/// and allocation-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    len: u8,
    bytes: [u8; 40],
}

impl Default for Options {
    fn default() -> Self {
        Options {
            len: 0,
            bytes: [0; 40],
        }
    }
}

impl Options {
    /// Options from raw bytes; fails if longer than 40 bytes or not a
    /// multiple of 4 (pad with End-of-Options-List (0) bytes first).
    pub fn new(raw: &[u8]) -> Result<Options> {
        if raw.len() > 40 || raw.len() % 4 != 0 {
            return malformed("IPv4", "options must be a multiple of 4 bytes, at most 40");
        }
        let mut bytes = [0; 40];
        set_slice(&mut bytes, 0, raw);
        Ok(Options {
            len: raw.len() as u8,
            bytes,
        })
    }
    /// The option bytes.
    pub fn as_bytes(&self) -> &[u8] {
        sub(&self.bytes, 0, usize::from(self.len))
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }
    /// True when there are no options.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// High-level IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Payload protocol.
    pub protocol: IpProtocol,
    /// Time to live.
    pub ttl: u8,
    /// DSCP (6 bits).
    pub dscp: u8,
    /// ECN (2 bits).
    pub ecn: u8,
    /// Identification.
    pub ident: u16,
    /// Don't-fragment flag.
    pub dont_frag: bool,
    /// More-fragments flag.
    pub more_frags: bool,
    /// Fragment offset in 8-byte units.
    pub frag_offset: u16,
    /// Options.
    pub options: Options,
    /// Payload length (total length minus header length).
    pub payload_len: usize,
}

impl Repr {
    /// A plain header: TTL 64, no options, not fragmented.
    pub fn new(
        src_addr: Ipv4Addr,
        dst_addr: Ipv4Addr,
        protocol: IpProtocol,
        payload_len: usize,
    ) -> Repr {
        Repr {
            src_addr,
            dst_addr,
            protocol,
            ttl: 64,
            dscp: 0,
            ecn: 0,
            ident: 0,
            dont_frag: false,
            more_frags: false,
            frag_offset: 0,
            options: Options::default(),
            payload_len,
        }
    }

    /// Parses a checked header.  Rejects versions other than 4; does not
    /// verify the checksum.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        if p.version() != 4 {
            return malformed("IPv4", "version is not 4");
        }
        Ok(Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            protocol: p.protocol(),
            ttl: p.ttl(),
            dscp: p.dscp(),
            ecn: p.ecn(),
            ident: p.ident(),
            dont_frag: p.dont_frag(),
            more_frags: p.more_frags(),
            frag_offset: p.frag_offset(),
            options: Options::new(p.options())?,
            payload_len: usize::from(p.total_len()) - p.header_len(),
        })
    }

    /// Header length this repr emits.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }

    /// Fragment classification (OVS `nw_frag`).
    pub fn frag_info(&self) -> FragInfo {
        if self.frag_offset != 0 {
            FragInfo(FragInfo::ANY | FragInfo::LATER)
        } else if self.more_frags {
            FragInfo(FragInfo::ANY)
        } else {
            FragInfo::NONE
        }
    }

    /// Writes the header (with a valid checksum) into `p`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        let hl = self.buffer_len();
        room("IPv4", hl, p.buffer.as_ref().len())?;
        let total = hl + self.payload_len;
        let total = u16::try_from(total).map_err(|_| Error::Malformed {
            layer: "IPv4",
            reason: "total length exceeds 65535",
        })?;
        p.set_version_and_header_len(4, hl);
        p.set_tos((self.dscp << 2) | (self.ecn & 3));
        p.set_total_len(total);
        p.set_ident(self.ident);
        let mut ff = self.frag_offset & OFFSET_MASK;
        if self.dont_frag {
            ff |= FLAG_DF;
        }
        if self.more_frags {
            ff |= FLAG_MF;
        }
        p.set_flags_frag(ff);
        p.set_ttl(self.ttl);
        p.set_protocol(self.protocol);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
        set_slice(p.buffer.as_mut(), HEADER_LEN, self.options.as_bytes());
        p.fill_checksum();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKT: [u8; 30] = [
        0x46, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7, 0x01, 0x01, 0x01, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    ];

    fn pkt() -> [u8; 30] {
        let mut p = PKT;
        let c = checksum::checksum(&p[..24]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p
    }

    #[test]
    fn view() {
        let b = pkt();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 4);
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.total_len(), 28);
        assert_eq!(p.ident(), 0x1234);
        assert!(p.more_frags() && !p.dont_frag());
        assert_eq!(p.frag_offset(), 0);
        assert!(p.frag_info().is_first());
        assert_eq!(p.protocol(), IpProtocol::Udp);
        assert_eq!(p.options(), &[1, 1, 1, 0]);
        assert_eq!(p.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]); // padding excluded
        assert!(p.verify_checksum());
    }

    #[test]
    fn length_checks() {
        let b = pkt();
        assert!(Packet::new_checked(&b[..19]).is_err());
        assert!(Packet::new_checked(&b[..23]).is_err());
        assert!(Packet::new_checked(&b[..27]).is_err());
        let mut bad = b;
        bad[0] = 0x44;
        assert!(matches!(
            Packet::new_checked(&bad[..]),
            Err(Error::Malformed { .. })
        ));
        let mut bad = b;
        bad[3] = 20;
        assert!(Packet::new_checked(&bad[..]).is_err());
        let mut v6 = b;
        v6[0] = 0x66;
        assert!(Repr::parse(&Packet::new_unchecked(&v6[..])).is_err());
    }

    #[test]
    fn repr_roundtrip_and_incremental() {
        let b = pkt();
        let r = Repr::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
        assert_eq!(r.payload_len, 4);
        assert_eq!(r.buffer_len(), 24);
        let mut out = [0u8; 28];
        r.emit(&mut Packet::new_unchecked(&mut out[..])).unwrap();
        assert_eq!(out[..24], b[..24]);
        let mut p = Packet::new_unchecked(&mut out[..]);
        p.set_ttl_incremental(1);
        assert!(p.verify_checksum());
        p.set_src_addr_incremental(Ipv4Addr::new(10, 1, 2, 3));
        p.set_dst_addr_incremental(Ipv4Addr::new(255, 0, 0, 9));
        p.set_tos_incremental(0xb8);
        assert!(p.verify_checksum());
        assert_eq!(p.dscp(), 46);
        let later = Repr {
            frag_offset: 10,
            ..r
        };
        assert!(later.frag_info().is_later());
        let huge = Repr {
            payload_len: 70000,
            ..r
        };
        assert!(huge.emit(&mut Packet::new_unchecked(&mut out[..])).is_err());
        assert!(Options::new(&[1, 2, 3]).is_err());
    }

    #[test]
    fn options_iterator() {
        // NOP, Router Alert (type 148, len 4), EOL, garbage after EOL.
        let raw = [1, 148, 4, 0, 0, 0, 7, 7];
        let v: Vec<_> = OptionsIter::new(&raw).collect();
        assert_eq!(
            v,
            vec![
                Ipv4Option { kind: 1, data: &[] },
                Ipv4Option {
                    kind: 148,
                    data: &[0, 0]
                }
            ]
        );
        for bad in [&[148u8, 1][..], &[148, 9, 0, 0], &[7]] {
            let mut it = OptionsIter::new(bad);
            assert_eq!(it.next(), None);
            assert!(it.malformed());
        }
        let b = pkt();
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.options_iter().count(), 3); // three NOPs, then End of List
    }
}
