//! The virtio-net header that tap/veth devices put in front of frames when
//! offloads are enabled (`IFF_VNET_HDR`), and completion of partial
//! checksums (`CHECKSUM_PARTIAL`).
//!
//! Layout (little-endian, as virtio 1.0 and x86 hosts use): flags (8) |
//! gso_type (8) | hdr_len (16) | gso_size (16) | csum_start (16) |
//! csum_offset (16), optionally followed by num_buffers (16) when mergeable
//! receive buffers or virtio 1.0 framing are negotiated.
//!
//! With `VIRTIO_NET_HDR_F_NEEDS_CSUM` the kernel has *not* computed the
//! layer-4 checksum: the checksum field at `csum_start + csum_offset` holds
//! only the (uncomplemented) pseudo-header sum, and the real checksum is the
//! complement of the one's-complement sum of everything from `csum_start`
//! to the end of the frame.  [`complete_partial_checksum`] does that,
//! storing `0xffff` for a zero result as Linux does; [`prepare_partial_checksum`]
//! is the reverse, for handing a frame to a device that will finish it.

use crate::checksum;
use crate::error::{malformed, need, room, Result};
use crate::field::{get_array, get_u8, set_array, set_u16, set_u8};

/// Length of the basic header.
pub const HEADER_LEN: usize = 10;
/// Length with the `num_buffers` field.
pub const HEADER_LEN_MRG: usize = 12;

/// Flag: the checksum must be completed (`csum_start`/`csum_offset` valid).
pub const F_NEEDS_CSUM: u8 = 1;
/// Flag: the checksum has been validated.
pub const F_DATA_VALID: u8 = 2;
/// Flag: receive-segment-coalescing info present.
pub const F_RSC_INFO: u8 = 4;

/// GSO type: not a GSO frame.
pub const GSO_NONE: u8 = 0;
/// GSO type: TCP over IPv4.
pub const GSO_TCPV4: u8 = 1;
/// GSO type: UDP fragmentation offload.
pub const GSO_UDP: u8 = 3;
/// GSO type: TCP over IPv6.
pub const GSO_TCPV6: u8 = 4;
/// GSO type: UDP segmentation (USO).
pub const GSO_UDP_L4: u8 = 5;
/// GSO flag: ECN (CWR) set on the segments.
pub const GSO_ECN: u8 = 0x80;

fn le16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes(get_array(b, i))
}
fn set_le16(b: &mut [u8], i: usize, v: u16) {
    set_array(b, i, v.to_le_bytes())
}

/// Zero-copy view of a virtio-net header.
#[derive(Debug, Clone)]
pub struct VirtioNetHdr<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VirtioNetHdr<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        VirtioNetHdr { buffer }
    }
    /// Wraps after checking the 10-byte header is present.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let h = Self::new_unchecked(buffer);
        need("virtio-net", HEADER_LEN, h.buffer.as_ref().len())?;
        Ok(h)
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Flags.
    pub fn flags(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 0)
    }
    /// GSO type.
    pub fn gso_type(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 1)
    }
    /// Length of the headers to replicate per segment.
    pub fn hdr_len(&self) -> u16 {
        le16(self.buffer.as_ref(), 2)
    }
    /// Segment payload size.
    pub fn gso_size(&self) -> u16 {
        le16(self.buffer.as_ref(), 4)
    }
    /// Offset where checksumming starts.
    pub fn csum_start(&self) -> u16 {
        le16(self.buffer.as_ref(), 6)
    }
    /// Offset of the checksum field from `csum_start`.
    pub fn csum_offset(&self) -> u16 {
        le16(self.buffer.as_ref(), 8)
    }
    /// Number of merged buffers (12-byte header only; 0 if absent).
    pub fn num_buffers(&self) -> u16 {
        le16(self.buffer.as_ref(), 10)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VirtioNetHdr<T> {
    /// Sets flags.
    pub fn set_flags(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), 0, v)
    }
    /// Sets GSO type.
    pub fn set_gso_type(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), 1, v)
    }
    /// Sets hdr_len.
    pub fn set_hdr_len(&mut self, v: u16) {
        set_le16(self.buffer.as_mut(), 2, v)
    }
    /// Sets gso_size.
    pub fn set_gso_size(&mut self, v: u16) {
        set_le16(self.buffer.as_mut(), 4, v)
    }
    /// Sets csum_start.
    pub fn set_csum_start(&mut self, v: u16) {
        set_le16(self.buffer.as_mut(), 6, v)
    }
    /// Sets csum_offset.
    pub fn set_csum_offset(&mut self, v: u16) {
        set_le16(self.buffer.as_mut(), 8, v)
    }
    /// Sets num_buffers (ignored for a 10-byte buffer).
    pub fn set_num_buffers(&mut self, v: u16) {
        set_le16(self.buffer.as_mut(), 10, v)
    }
}

/// High-level virtio-net header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Repr {
    /// Flags (`F_*`).
    pub flags: u8,
    /// GSO type (`GSO_*`).
    pub gso_type: u8,
    /// Header length for GSO.
    pub hdr_len: u16,
    /// GSO segment size.
    pub gso_size: u16,
    /// Checksum start offset.
    pub csum_start: u16,
    /// Checksum field offset from `csum_start`.
    pub csum_offset: u16,
}

impl Repr {
    /// Parses the 10-byte header.
    pub fn parse<T: AsRef<[u8]>>(h: &VirtioNetHdr<T>) -> Result<Repr> {
        need("virtio-net", HEADER_LEN, h.buffer.as_ref().len())?;
        Ok(Repr {
            flags: h.flags(),
            gso_type: h.gso_type(),
            hdr_len: h.hdr_len(),
            gso_size: h.gso_size(),
            csum_start: h.csum_start(),
            csum_offset: h.csum_offset(),
        })
    }
    /// Bytes emitted (10).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the 10-byte header.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, h: &mut VirtioNetHdr<T>) -> Result<()> {
        room("virtio-net", HEADER_LEN, h.buffer.as_ref().len())?;
        h.set_flags(self.flags);
        h.set_gso_type(self.gso_type);
        h.set_hdr_len(self.hdr_len);
        h.set_gso_size(self.gso_size);
        h.set_csum_start(self.csum_start);
        h.set_csum_offset(self.csum_offset);
        Ok(())
    }
    /// True if the frame's checksum must be completed.
    pub fn needs_csum(&self) -> bool {
        self.flags & F_NEEDS_CSUM != 0
    }
    /// Completes the frame's checksum if `F_NEEDS_CSUM` is set, then
    /// returns the header with that flag cleared (and `F_DATA_VALID` set).
    pub fn complete(&self, frame: &mut [u8]) -> Result<Repr> {
        if !self.needs_csum() {
            return Ok(*self);
        }
        complete_partial_checksum(
            frame,
            usize::from(self.csum_start),
            usize::from(self.csum_offset),
        )?;
        Ok(Repr {
            flags: (self.flags & !F_NEEDS_CSUM) | F_DATA_VALID,
            ..*self
        })
    }
}

fn check_partial(frame: &[u8], csum_start: usize, csum_offset: usize) -> Result<usize> {
    let field = csum_start
        .checked_add(csum_offset)
        .and_then(|f| f.checked_add(2));
    match field {
        Some(end) if end <= frame.len() => Ok(end - 2),
        _ => malformed("virtio-net", "csum_start/csum_offset outside the frame"),
    }
}

/// Completes a partial checksum: stores the complement of the sum of
/// `frame[csum_start..]` at `csum_start + csum_offset` (0 becomes 0xffff).
pub fn complete_partial_checksum(
    frame: &mut [u8],
    csum_start: usize,
    csum_offset: usize,
) -> Result<()> {
    let at = check_partial(frame, csum_start, csum_offset)?;
    let s = checksum::sum(frame.get(csum_start..).unwrap_or(&[]));
    let c = !s;
    set_u16(frame, at, if c == 0 { 0xffff } else { c });
    Ok(())
}

/// Prepares a frame for checksum offload: stores the uncomplemented
/// `pseudo_sum` (see [`checksum::PseudoHeader::sum`]) in the checksum field,
/// so that a device completing it with [`complete_partial_checksum`]
/// semantics produces the right checksum.
pub fn prepare_partial_checksum(
    frame: &mut [u8],
    csum_start: usize,
    csum_offset: usize,
    pseudo_sum: u16,
) -> Result<()> {
    let at = check_partial(frame, csum_start, csum_offset)?;
    set_u16(frame, at, pseudo_sum);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::PseudoHeader;
    use std::net::Ipv4Addr;

    #[test]
    fn header_le_fields() {
        let b = [1u8, 1, 54, 0, 0xa8, 0x05, 34, 0, 16, 0, 1, 0];
        let h = VirtioNetHdr::new_checked(&b[..]).unwrap();
        let r = Repr::parse(&h).unwrap();
        assert_eq!(
            r,
            Repr {
                flags: F_NEEDS_CSUM,
                gso_type: GSO_TCPV4,
                hdr_len: 54,
                gso_size: 1448,
                csum_start: 34,
                csum_offset: 16
            }
        );
        assert_eq!(h.num_buffers(), 1);
        let mut o = [0u8; 10];
        r.emit(&mut VirtioNetHdr::new_unchecked(&mut o[..]))
            .unwrap();
        assert_eq!(o, b[..10]);
        assert!(VirtioNetHdr::new_checked(&b[..9]).is_err());
    }

    #[test]
    fn partial_checksum_completion() {
        // A "frame": 34 bytes of L2/L3 then a UDP datagram of 12 bytes.
        let src = Ipv4Addr::new(10, 0, 0, 1);
        let dst = Ipv4Addr::new(10, 0, 0, 2);
        let mut f = vec![0u8; 46];
        f[34..46].copy_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0, b'p', b'i', b'n', b'g']);
        let ph = PseudoHeader::V4(src, dst);
        let expect = ph.checksum(17, &f[34..]);
        prepare_partial_checksum(&mut f, 34, 6, ph.sum(17, 12)).unwrap();
        let r = Repr {
            flags: F_NEEDS_CSUM,
            csum_start: 34,
            csum_offset: 6,
            ..Repr::default()
        };
        let done = r.complete(&mut f).unwrap();
        assert!(!done.needs_csum() && done.flags & F_DATA_VALID != 0);
        assert_eq!(u16::from_be_bytes([f[40], f[41]]), expect);
        assert!(ph.verify(17, &f[34..]));
        assert!(complete_partial_checksum(&mut f, 45, 0).is_err());
        assert!(complete_partial_checksum(&mut f, usize::MAX, 2).is_err());
        assert!(complete_partial_checksum(&mut f, 44, 0).is_ok());
    }
}
