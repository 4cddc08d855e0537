//! IPv6 fixed header (RFC 8200) and extension-header chain.
//!
//! [`Packet`] views the 40-byte fixed header; `check_len` guarantees the
//! payload length it declares is present, and [`Packet::payload`] excludes
//! layer-2 padding.  The extension headers that may precede the upper-layer
//! header are walked by [`walk_extension_headers`], which follows the rules
//! Open vSwitch uses to find `nw_proto` and `nw_frag`:
//!
//! * hop-by-hop (0), routing (43) and destination options (60) are
//!   `(len + 1) * 8` bytes long; the authentication header (51) is
//!   `(len + 2) * 4` bytes;
//! * a fragment header (44) marks the packet as a fragment unless its
//!   offset/flags word is all zero (an atomic fragment); if its offset
//!   is non-zero the walk stops right after it (a later fragment carries no
//!   upper-layer header) and, as in Open vSwitch, the reported protocol is
//!   44 itself — the fragment header's own next-header value is in
//!   [`ExtChain::fragment`];
//! * anything else (including ESP and "no next header") ends the chain.
//!
//! Each extension header seen also sets a bit in an `IPV6_EXTHDR`-style
//! bitmap ([`ExtHdrFlags`]).

use std::net::Ipv6Addr;

use crate::error::{need, room, Error, Result};
use crate::field::{
    get_array, get_u16, get_u32, get_u8, set_array, set_u16, set_u32, set_u8, sub, sub_mut,
};
use crate::ip::{FragInfo, IpProtocol};

mod field {
    pub const VER_TC_FL: usize = 0;
    pub const LENGTH: usize = 4;
    pub const NXT_HDR: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
}

/// Length of the fixed header.
pub const HEADER_LEN: usize = 40;

/// Zero-copy view of the IPv6 fixed header and what follows.
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

    /// Checks the fixed header and the declared payload are present.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("IPv6", HEADER_LEN, len)?;
        need("IPv6", HEADER_LEN + usize::from(self.payload_len()), len)
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Version (6).
    #[inline]
    pub fn version(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 0) >> 4
    }
    /// Traffic class (DSCP << 2 | ECN).
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (get_u16(self.buffer.as_ref(), field::VER_TC_FL) >> 4) as u8
    }
    /// Flow label (20 bits).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VER_TC_FL) & 0x000f_ffff
    }
    /// Payload length.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::LENGTH)
    }
    /// Next header after the fixed header.
    #[inline]
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(get_u8(self.buffer.as_ref(), field::NXT_HDR))
    }
    /// Hop limit.
    #[inline]
    pub fn hop_limit(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::HOP_LIMIT)
    }
    /// Source address.
    #[inline]
    pub fn src_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(get_array::<16>(self.buffer.as_ref(), field::SRC))
    }
    /// Destination address.
    #[inline]
    pub fn dst_addr(&self) -> Ipv6Addr {
        Ipv6Addr::from(get_array::<16>(self.buffer.as_ref(), field::DST))
    }
    /// Bytes after the fixed header, up to the declared payload length.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        sub(
            self.buffer.as_ref(),
            HEADER_LEN,
            HEADER_LEN + usize::from(self.payload_len()),
        )
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets version 6, traffic class and flow label together.
    #[inline]
    pub fn set_version_tc_flow(&mut self, traffic_class: u8, flow_label: u32) {
        let w = (6u32 << 28) | (u32::from(traffic_class) << 20) | (flow_label & 0x000f_ffff);
        set_u32(self.buffer.as_mut(), field::VER_TC_FL, w)
    }
    /// Sets the traffic class, keeping version and flow label.
    #[inline]
    pub fn set_traffic_class(&mut self, tc: u8) {
        let w = get_u32(self.buffer.as_ref(), 0);
        let w = (w & 0xf00f_ffff) | (u32::from(tc) << 20);
        set_u32(self.buffer.as_mut(), 0, w)
    }
    /// Sets the flow label, keeping version and traffic class.
    #[inline]
    pub fn set_flow_label(&mut self, fl: u32) {
        let w = get_u32(self.buffer.as_ref(), 0);
        set_u32(
            self.buffer.as_mut(),
            0,
            (w & 0xfff0_0000) | (fl & 0x000f_ffff),
        )
    }
    /// Sets the payload length.
    #[inline]
    pub fn set_payload_len(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::LENGTH, v)
    }
    /// Sets the next header.
    #[inline]
    pub fn set_next_header(&mut self, v: IpProtocol) {
        set_u8(self.buffer.as_mut(), field::NXT_HDR, v.value())
    }
    /// Sets the hop limit.
    #[inline]
    pub fn set_hop_limit(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), field::HOP_LIMIT, v)
    }
    /// Sets the source address.
    #[inline]
    pub fn set_src_addr(&mut self, v: Ipv6Addr) {
        set_array(self.buffer.as_mut(), field::SRC, v.octets())
    }
    /// Sets the destination address.
    #[inline]
    pub fn set_dst_addr(&mut self, v: Ipv6Addr) {
        set_array(self.buffer.as_mut(), field::DST, v.octets())
    }
    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        sub_mut(self.buffer.as_mut(), HEADER_LEN, end)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// High-level IPv6 fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source address.
    pub src_addr: Ipv6Addr,
    /// Destination address.
    pub dst_addr: Ipv6Addr,
    /// Next header after the fixed header.
    pub next_header: IpProtocol,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length (extension headers included).
    pub payload_len: usize,
}

impl Repr {
    /// A plain header: hop limit 64, traffic class and flow label 0.
    pub fn new(
        src_addr: Ipv6Addr,
        dst_addr: Ipv6Addr,
        next_header: IpProtocol,
        payload_len: usize,
    ) -> Repr {
        Repr {
            src_addr,
            dst_addr,
            next_header,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
            payload_len,
        }
    }

    /// Parses a fixed header; rejects versions other than 6.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        if p.version() != 6 {
            return Err(Error::Malformed {
                layer: "IPv6",
                reason: "version is not 6",
            });
        }
        Ok(Repr {
            src_addr: p.src_addr(),
            dst_addr: p.dst_addr(),
            next_header: p.next_header(),
            hop_limit: p.hop_limit(),
            traffic_class: p.traffic_class(),
            flow_label: p.flow_label(),
            payload_len: usize::from(p.payload_len()),
        })
    }

    /// Bytes emitted (40).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the fixed header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("IPv6", HEADER_LEN, p.buffer.as_ref().len())?;
        let len = u16::try_from(self.payload_len).map_err(|_| Error::Malformed {
            layer: "IPv6",
            reason: "payload length exceeds 65535 (jumbograms unsupported)",
        })?;
        p.set_version_tc_flow(self.traffic_class, self.flow_label);
        p.set_payload_len(len);
        p.set_next_header(self.next_header);
        p.set_hop_limit(self.hop_limit);
        p.set_src_addr(self.src_addr);
        p.set_dst_addr(self.dst_addr);
        Ok(())
    }
}

/// Length of a fragment header.
pub const FRAGMENT_HEADER_LEN: usize = 8;

/// Zero-copy view of a generic extension header (hop-by-hop, routing,
/// destination options, fragment or AH).
#[derive(Debug, Clone)]
pub struct ExtHeader<T: AsRef<[u8]>> {
    buffer: T,
    kind: IpProtocol,
}

impl<T: AsRef<[u8]>> ExtHeader<T> {
    /// Wraps a header of type `kind` (the next-header value that announced
    /// it), checking its declared length fits.
    pub fn new_checked(buffer: T, kind: IpProtocol) -> Result<Self> {
        let h = ExtHeader { buffer, kind };
        let len = h.buffer.as_ref().len();
        need("IPv6 extension", 2, len)?;
        need("IPv6 extension", h.header_len(), len)?;
        Ok(h)
    }
    /// Next header.
    pub fn next_header(&self) -> IpProtocol {
        IpProtocol::from(get_u8(self.buffer.as_ref(), 0))
    }
    /// Length in bytes, computed from the length field by header kind.
    pub fn header_len(&self) -> usize {
        let l = usize::from(get_u8(self.buffer.as_ref(), 1));
        match self.kind {
            IpProtocol::Ipv6Frag => FRAGMENT_HEADER_LEN,
            IpProtocol::Ah => (l + 2) * 4,
            _ => (l + 1) * 8,
        }
    }
    /// Header body after the next-header and length bytes.
    pub fn data(&self) -> &[u8] {
        sub(self.buffer.as_ref(), 2, self.header_len())
    }
    /// Routing type (routing header only).
    pub fn routing_type(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 2)
    }
    /// Segments left (routing header only).
    pub fn segments_left(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 3)
    }
    /// Fragment offset in 8-byte units (fragment header only).
    pub fn frag_offset(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2) >> 3
    }
    /// More-fragments flag (fragment header only).
    pub fn more_frags(&self) -> bool {
        get_u16(self.buffer.as_ref(), 2) & 1 != 0
    }
    /// Identification (fragment header only).
    pub fn frag_ident(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4)
    }
}

/// High-level fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragmentRepr {
    /// Next header.
    pub next_header: IpProtocol,
    /// Offset in 8-byte units.
    pub frag_offset: u16,
    /// More fragments follow.
    pub more_frags: bool,
    /// Identification.
    pub ident: u32,
}

impl FragmentRepr {
    /// Parses the fragment header at the start of `b`.
    pub fn parse(b: &[u8]) -> Result<FragmentRepr> {
        let h = ExtHeader::new_checked(b, IpProtocol::Ipv6Frag)?;
        Ok(FragmentRepr {
            next_header: h.next_header(),
            frag_offset: h.frag_offset(),
            more_frags: h.more_frags(),
            ident: h.frag_ident(),
        })
    }
    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        FRAGMENT_HEADER_LEN
    }
    /// Writes the header at the start of `b`.
    pub fn emit(&self, b: &mut [u8]) -> Result<()> {
        room("IPv6 fragment", FRAGMENT_HEADER_LEN, b.len())?;
        set_u8(b, 0, self.next_header.value());
        set_u8(b, 1, 0);
        set_u16(
            b,
            2,
            ((self.frag_offset & 0x1fff) << 3) | u16::from(self.more_frags),
        );
        set_u32(b, 4, self.ident);
        Ok(())
    }
}

/// Bitmap of extension headers seen, with OpenFlow `IPV6_EXTHDR` bit values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExtHdrFlags(pub u16);

impl ExtHdrFlags {
    /// "No next header" encountered.
    pub const NONEXT: u16 = 1 << 0;
    /// ESP header present.
    pub const ESP: u16 = 1 << 1;
    /// Authentication header present.
    pub const AUTH: u16 = 1 << 2;
    /// Destination options present.
    pub const DEST: u16 = 1 << 3;
    /// Fragment header present.
    pub const FRAG: u16 = 1 << 4;
    /// Routing header present.
    pub const ROUTER: u16 = 1 << 5;
    /// Hop-by-hop header present.
    pub const HOP: u16 = 1 << 6;
}

/// Result of walking an extension-header chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtChain {
    /// The upper-layer protocol (OVS `nw_proto`); 44 for a non-first fragment.
    pub protocol: IpProtocol,
    /// Offset of the upper-layer header from the start of the walked bytes.
    pub offset: usize,
    /// Fragment classification (OVS `nw_frag`).
    pub frag: FragInfo,
    /// The fragment header, if one was seen.
    pub fragment: Option<FragmentRepr>,
    /// Extension headers seen.
    pub flags: ExtHdrFlags,
}

/// Walks the extension headers in `payload` (the bytes after the fixed
/// header), starting from next-header value `first`.  See the module docs
/// for the rules.  Fails if a header is truncated.
pub fn walk_extension_headers(first: IpProtocol, payload: &[u8]) -> Result<ExtChain> {
    let mut chain = ExtChain {
        protocol: first,
        offset: 0,
        frag: FragInfo::NONE,
        fragment: None,
        flags: ExtHdrFlags::default(),
    };
    loop {
        let bit = match chain.protocol {
            IpProtocol::HopByHop => ExtHdrFlags::HOP,
            IpProtocol::Ipv6Route => ExtHdrFlags::ROUTER,
            IpProtocol::Ipv6Opts => ExtHdrFlags::DEST,
            IpProtocol::Ah => ExtHdrFlags::AUTH,
            IpProtocol::Ipv6Frag => ExtHdrFlags::FRAG,
            IpProtocol::Esp => {
                chain.flags.0 |= ExtHdrFlags::ESP;
                return Ok(chain);
            }
            IpProtocol::Ipv6NoNxt => {
                chain.flags.0 |= ExtHdrFlags::NONEXT;
                return Ok(chain);
            }
            _ => return Ok(chain),
        };
        chain.flags.0 |= bit;
        let rest = payload.get(chain.offset..).unwrap_or(&[]);
        let h = ExtHeader::new_checked(rest, chain.protocol)?;
        let len = h.header_len();
        if chain.protocol == IpProtocol::Ipv6Frag {
            let f = FragmentRepr::parse(rest)?;
            chain.fragment = Some(f);
            // Like OVS: an all-zero offset/flags word (an "atomic
            // fragment") does not make the packet a fragment, but any
            // other bit, reserved ones included, does.
            if get_u16(rest, 2) != 0 {
                chain.frag = FragInfo(FragInfo::ANY);
            }
            chain.protocol = f.next_header;
            chain.offset += len;
            if f.frag_offset != 0 {
                chain.frag = FragInfo(FragInfo::ANY | FragInfo::LATER);
                chain.protocol = IpProtocol::Ipv6Frag;
                return Ok(chain);
            }
            continue;
        }
        chain.protocol = h.next_header();
        chain.offset += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(next: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0x6b, 0x80, 0x12, 0x34, 0, payload.len() as u8, next, 64];
        v.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        v.extend_from_slice(&"ff02::1".parse::<Ipv6Addr>().unwrap().octets());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn fixed_header() {
        let b = hdr(17, &[1, 2, 3, 4]);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.version(), 6);
        assert_eq!(p.traffic_class(), 0xb8);
        assert_eq!(p.flow_label(), 0x01234);
        assert_eq!(p.next_header(), IpProtocol::Udp);
        assert_eq!(p.payload(), &[1, 2, 3, 4]);
        let r = Repr::parse(&p).unwrap();
        let mut out = [0u8; 44];
        r.emit(&mut Packet::new_unchecked(&mut out[..])).unwrap();
        assert_eq!(out[..40], b[..40]);
        assert!(Packet::new_checked(&b[..43]).is_err());
        assert!(Packet::new_checked(&b[..39]).is_err());
        let mut p = Packet::new_unchecked(&mut out[..]);
        p.set_traffic_class(3);
        p.set_flow_label(0xfffff);
        assert_eq!(
            (p.version(), p.traffic_class(), p.flow_label()),
            (6, 3, 0xfffff)
        );
    }

    #[test]
    fn extension_chain() {
        // hop-by-hop (8) -> routing (16) -> AH (12) -> fragment(first) -> TCP
        let mut ext = vec![43, 0, 0, 0, 0, 0, 0, 0];
        ext.extend_from_slice(&[51, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        ext.extend_from_slice(&[44, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let frag = FragmentRepr {
            next_header: IpProtocol::Tcp,
            frag_offset: 0,
            more_frags: true,
            ident: 7,
        };
        let mut f = [0u8; 8];
        frag.emit(&mut f).unwrap();
        ext.extend_from_slice(&f);
        let c = walk_extension_headers(IpProtocol::HopByHop, &ext).unwrap();
        assert_eq!(c.protocol, IpProtocol::Tcp);
        assert_eq!(c.offset, 44);
        assert!(c.frag.is_first());
        assert_eq!(c.fragment, Some(frag));
        let want = ExtHdrFlags::HOP | ExtHdrFlags::ROUTER | ExtHdrFlags::AUTH | ExtHdrFlags::FRAG;
        assert_eq!(c.flags.0, want);
        // Later fragment stops the walk.
        let later = FragmentRepr {
            frag_offset: 100,
            ..frag
        };
        let mut f = [0u8; 8];
        later.emit(&mut f).unwrap();
        let c = walk_extension_headers(IpProtocol::Ipv6Frag, &f).unwrap();
        assert!(c.frag.is_later());
        assert_eq!(c.protocol, IpProtocol::Ipv6Frag);
        assert_eq!(c.fragment.map(|f| f.next_header), Some(IpProtocol::Tcp));
        assert_eq!(c.offset, 8);
        // Truncation is an error.
        // Atomic fragment (offset 0, M 0) is not a fragment for OVS; reserved
        // bits alone make it one.
        let mut atomic = [6u8, 0, 0, 0, 0, 0, 0, 1];
        let c = walk_extension_headers(IpProtocol::Ipv6Frag, &atomic).unwrap();
        assert!(!c.frag.is_fragment());
        assert_eq!((c.protocol, c.offset), (IpProtocol::Tcp, 8));
        atomic[3] = 6;
        assert!(walk_extension_headers(IpProtocol::Ipv6Frag, &atomic)
            .unwrap()
            .frag
            .is_first());
        assert!(walk_extension_headers(IpProtocol::HopByHop, &ext[..7]).is_err());
        assert!(walk_extension_headers(IpProtocol::HopByHop, &ext[..20]).is_err());
        assert_eq!(
            walk_extension_headers(IpProtocol::Udp, &[]).unwrap().offset,
            0
        );
        let esp = walk_extension_headers(IpProtocol::Esp, &[]).unwrap();
        assert_eq!(esp.flags.0, ExtHdrFlags::ESP);
    }
}
