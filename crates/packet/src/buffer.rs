//! [`PacketBuf`]: the owned packet buffer the datapath works on.
//!
//! One contiguous `Vec<u8>` holds *headroom*, the frame, and *tailroom*.
//! Prepending (VLAN push, tunnel encapsulation) consumes headroom and moves
//! at most the 12 MAC-address bytes, never the payload; stripping a header
//! just advances the start.  Only when headroom runs out does a push
//! reallocate, and then it reserves [`DEFAULT_HEADROOM`] extra bytes so the
//! next push is free again.
//!
//! After [`PacketBuf::parse`] the buffer caches the layer offsets from
//! [`Layers`] (layer 2.5, 3 and 4, relative to the start of the frame, as
//! `u16` with `u16::MAX` meaning "unset", like `dp_packet`).  Operations
//! that move bytes keep the cached offsets pointing at the same headers:
//! pushing/popping a VLAN tag shifts every offset past the MAC addresses by
//! 4, `push_front(n)` shifts all by `n`, and `pull_front(n)` shifts them
//! back, unsetting any that pointed into the removed bytes.

use crate::error::{need, Result};
use crate::ethernet::EtherType;
use crate::field::{get_u16, set_u16};
use crate::layers::Layers;
use crate::vlan::Tci;

/// Headroom reserved by default (room for a VXLAN/Geneve-over-IPv6 outer
/// header stack plus a couple of tags).
pub const DEFAULT_HEADROOM: usize = 128;
const UNSET: u16 = u16::MAX;

/// An owned frame with headroom and cached layer offsets.
#[derive(Clone, PartialEq, Eq)]
pub struct PacketBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    l2_5: u16,
    l3: u16,
    l4: u16,
    csum_start: u16,
    csum_offset: u16,
}

impl core::fmt::Debug for PacketBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PacketBuf")
            .field("len", &self.len())
            .field("headroom", &self.headroom())
            .field("l2_5", &self.l2_5_offset())
            .field("l3", &self.l3_offset())
            .field("l4", &self.l4_offset())
            .field("partial_checksum", &self.partial_checksum())
            .finish()
    }
}

impl Default for PacketBuf {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_HEADROOM, 0)
    }
}

impl PacketBuf {
    /// An empty buffer with `headroom` bytes before and room for
    /// `capacity` bytes of frame.
    pub fn with_capacity(headroom: usize, capacity: usize) -> PacketBuf {
        PacketBuf {
            buf: vec![0; headroom.saturating_add(capacity)],
            start: headroom,
            end: headroom,
            l2_5: UNSET,
            l3: UNSET,
            l4: UNSET,
            csum_start: UNSET,
            csum_offset: 0,
        }
    }

    /// A copy of `frame` with [`DEFAULT_HEADROOM`].
    pub fn from_slice(frame: &[u8]) -> PacketBuf {
        Self::from_slice_with_headroom(frame, DEFAULT_HEADROOM)
    }

    /// A copy of `frame` with the given headroom.
    pub fn from_slice_with_headroom(frame: &[u8], headroom: usize) -> PacketBuf {
        let mut p = Self::with_capacity(headroom, frame.len());
        p.extend_from_slice(frame);
        p
    }

    /// Takes ownership of `frame` without copying; there is no headroom
    /// until the first push (which then reallocates once).
    pub fn from_vec(frame: Vec<u8>) -> PacketBuf {
        let end = frame.len();
        PacketBuf {
            buf: frame,
            start: 0,
            end,
            l2_5: UNSET,
            l3: UNSET,
            l4: UNSET,
            csum_start: UNSET,
            csum_offset: 0,
        }
    }

    /// The frame.
    #[inline]
    pub fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or(&[])
    }

    /// The frame, mutably.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        match self.buf.get_mut(self.start..self.end) {
            Some(s) => s,
            None => &mut [],
        }
    }

    /// Frame length.
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True for an empty frame.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Free bytes before the frame.
    #[inline]
    pub fn headroom(&self) -> usize {
        self.start
    }

    /// Free bytes after the frame.
    #[inline]
    pub fn tailroom(&self) -> usize {
        self.buf.len() - self.end
    }

    /// Copies the frame out.
    pub fn to_vec(&self) -> Vec<u8> {
        self.data().to_vec()
    }

    /// Ensures at least `n` bytes of headroom (reallocates if needed).
    pub fn reserve_headroom(&mut self, n: usize) {
        if self.start >= n {
            return;
        }
        let grow = n - self.start + DEFAULT_HEADROOM;
        let mut nb = vec![0u8; self.buf.len() + grow];
        if let (Some(dst), Some(src)) = (
            nb.get_mut(self.start + grow..self.end + grow),
            self.buf.get(self.start..self.end),
        ) {
            dst.copy_from_slice(src);
        }
        self.buf = nb;
        self.start += grow;
        self.end += grow;
    }

    /// Ensures at least `n` bytes of tailroom.
    pub fn reserve_tailroom(&mut self, n: usize) {
        if self.tailroom() < n {
            self.buf.resize(self.end + n, 0);
        }
    }

    fn shift_offsets(&mut self, from: u16, delta: isize) {
        for o in [
            &mut self.l2_5,
            &mut self.l3,
            &mut self.l4,
            &mut self.csum_start,
        ] {
            if *o == UNSET || *o < from {
                continue;
            }
            let v = *o as isize + delta;
            *o = if v >= 0 && v < UNSET as isize {
                v as u16
            } else {
                UNSET
            };
        }
    }

    /// Prepends `n` bytes (zeroed) and returns them for the caller to fill.
    /// Uses headroom when there is enough; cached offsets shift by `n`.
    pub fn push_front(&mut self, n: usize) -> &mut [u8] {
        self.reserve_headroom(n);
        self.start -= n;
        self.shift_offsets(0, n as isize);
        let s = self.start;
        match self.buf.get_mut(s..s + n) {
            Some(h) => {
                h.fill(0);
                h
            }
            None => &mut [],
        }
    }

    /// Prepends a copy of `header`.
    pub fn prepend(&mut self, header: &[u8]) {
        let h = self.push_front(header.len());
        if h.len() == header.len() {
            h.copy_from_slice(header);
        }
    }

    /// Removes `n` bytes from the front (decapsulation).  Offsets into the
    /// removed bytes become unset.
    pub fn pull_front(&mut self, n: usize) -> Result<()> {
        need("packet", n, self.len())?;
        self.start += n;
        let n16 = u16::try_from(n).unwrap_or(UNSET);
        for o in [
            &mut self.l2_5,
            &mut self.l3,
            &mut self.l4,
            &mut self.csum_start,
        ] {
            *o = if *o == UNSET || *o < n16 {
                UNSET
            } else {
                *o - n16
            };
        }
        Ok(())
    }

    /// Appends bytes.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve_tailroom(bytes.len());
        if let Some(d) = self.buf.get_mut(self.end..self.end + bytes.len()) {
            d.copy_from_slice(bytes);
        }
        self.end += bytes.len();
    }

    /// Appends `n` zero bytes and returns them.
    pub fn push_back(&mut self, n: usize) -> &mut [u8] {
        self.reserve_tailroom(n);
        let e = self.end;
        self.end += n;
        match self.buf.get_mut(e..e + n) {
            Some(t) => {
                t.fill(0);
                t
            }
            None => &mut [],
        }
    }

    /// Shortens the frame to `len` bytes (no-op if already shorter).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.end = self.start + len;
            if self
                .partial_checksum()
                .is_some_and(|(s, o)| s + o + 2 > len)
            {
                self.csum_start = UNSET;
            }
        }
    }

    /// Walks the frame's layers and caches the offsets.
    pub fn parse(&mut self) -> Layers {
        let l = Layers::parse(self.data());
        self.set_layers(&l);
        l
    }

    /// Caches the offsets of `l`.
    pub fn set_layers(&mut self, l: &Layers) {
        self.l2_5 = l.l2_5.unwrap_or(UNSET);
        self.l3 = l.l3.unwrap_or(UNSET);
        self.l4 = l.l4.unwrap_or(UNSET);
    }

    /// Forgets all cached offsets.
    pub fn reset_offsets(&mut self) {
        self.l2_5 = UNSET;
        self.l3 = UNSET;
        self.l4 = UNSET;
    }

    /// Sets the cached offsets directly (`None` = unset).
    pub fn set_offsets(&mut self, l2_5: Option<u16>, l3: Option<u16>, l4: Option<u16>) {
        self.l2_5 = l2_5.unwrap_or(UNSET);
        self.l3 = l3.unwrap_or(UNSET);
        self.l4 = l4.unwrap_or(UNSET);
    }

    fn opt(o: u16) -> Option<usize> {
        (o != UNSET).then_some(usize::from(o))
    }

    /// Cached MPLS offset.
    pub fn l2_5_offset(&self) -> Option<usize> {
        Self::opt(self.l2_5)
    }
    /// Cached layer-3 offset.
    pub fn l3_offset(&self) -> Option<usize> {
        Self::opt(self.l3)
    }
    /// Cached layer-4 offset.
    pub fn l4_offset(&self) -> Option<usize> {
        Self::opt(self.l4)
    }

    /// Bytes from the layer-3 offset to the end of the frame.
    pub fn l3(&self) -> Option<&[u8]> {
        self.l3_offset().and_then(|o| self.data().get(o..))
    }
    /// Bytes from the layer-4 offset to the end of the frame.
    pub fn l4(&self) -> Option<&[u8]> {
        self.l4_offset().and_then(|o| self.data().get(o..))
    }
    /// Mutable layer-3 bytes.
    pub fn l3_mut(&mut self) -> Option<&mut [u8]> {
        let o = self.l3_offset()?;
        self.data_mut().get_mut(o..)
    }
    /// Mutable layer-4 bytes.
    pub fn l4_mut(&mut self) -> Option<&mut [u8]> {
        let o = self.l4_offset()?;
        self.data_mut().get_mut(o..)
    }

    /// Records that the frame's layer-4 checksum is partial
    /// (`CHECKSUM_PARTIAL`): it must be completed by summing from `start`
    /// and storing at `start + offset`.  The start moves with the frame
    /// when headers are pushed or popped.
    pub fn set_partial_checksum(&mut self, start: usize, offset: usize) -> Result<()> {
        let ok = start
            .checked_add(offset)
            .and_then(|e| e.checked_add(2))
            .is_some_and(|e| e <= self.len());
        match (ok, u16::try_from(start), u16::try_from(offset)) {
            (true, Ok(s), Ok(o)) if s != UNSET => {
                self.csum_start = s;
                self.csum_offset = o;
                Ok(())
            }
            _ => crate::error::malformed("packet", "partial checksum outside the frame"),
        }
    }

    /// The pending partial checksum `(start, offset)`, if any.
    pub fn partial_checksum(&self) -> Option<(usize, usize)> {
        Self::opt(self.csum_start).map(|s| (s, usize::from(self.csum_offset)))
    }

    /// Forgets a pending partial checksum without completing it.
    pub fn clear_partial_checksum(&mut self) {
        self.csum_start = UNSET;
    }

    /// Completes a pending partial checksum in software (no-op if none).
    pub fn complete_checksum(&mut self) -> Result<()> {
        if let Some((s, o)) = self.partial_checksum() {
            crate::virtio::complete_partial_checksum(self.data_mut(), s, o)?;
            self.csum_start = UNSET;
        }
        Ok(())
    }

    /// Builds a buffer from what a tap device with `IFF_VNET_HDR` delivers:
    /// a `hdr_len`-byte virtio-net header (10 or 12) followed by the frame.
    /// A `NEEDS_CSUM` header becomes a pending partial checksum.  GSO
    /// frames are accepted as one large frame (segmentation is not done
    /// here).
    pub fn from_virtio(bytes: &[u8], hdr_len: usize) -> Result<PacketBuf> {
        let h = crate::virtio::VirtioNetHdr::new_checked(bytes)?;
        let r = crate::virtio::Repr::parse(&h)?;
        let frame = bytes.get(hdr_len..).ok_or(crate::Error::Truncated {
            layer: "virtio-net",
            need: hdr_len,
            have: bytes.len(),
        })?;
        let mut p = PacketBuf::from_slice(frame);
        if r.needs_csum() {
            p.set_partial_checksum(usize::from(r.csum_start), usize::from(r.csum_offset))?;
        }
        Ok(p)
    }

    /// The virtio-net header describing this buffer's pending partial
    /// checksum (flags 0 when there is none; no GSO).
    pub fn virtio_header(&self) -> crate::virtio::Repr {
        match self.partial_checksum() {
            Some((s, o)) => crate::virtio::Repr {
                flags: crate::virtio::F_NEEDS_CSUM,
                csum_start: s as u16,
                csum_offset: o as u16,
                ..Default::default()
            },
            None => crate::virtio::Repr::default(),
        }
    }

    /// Opens an `n`-byte zeroed gap at `offset` by moving the `offset`
    /// bytes before it into the headroom (headers are short, so this is
    /// cheap), and returns the gap.  Cached offsets at or after `offset`
    /// shift by `n`.  This is the primitive behind VLAN and MPLS push.
    pub fn insert_head(&mut self, offset: usize, n: usize) -> Result<&mut [u8]> {
        need("packet", offset, self.len())?;
        self.reserve_headroom(n);
        let s = self.start;
        self.buf.copy_within(s..s + offset, s - n);
        self.start -= n;
        self.shift_offsets(u16::try_from(offset).unwrap_or(UNSET), n as isize);
        let at = self.start + offset;
        match self.buf.get_mut(at..at + n) {
            Some(g) => {
                g.fill(0);
                Ok(g)
            }
            None => Ok(&mut []),
        }
    }

    /// Removes `n` bytes at `offset` by moving the `offset` bytes before
    /// them forward.  Cached offsets inside the removed range become unset;
    /// later ones shift back by `n`.  The primitive behind VLAN and MPLS pop.
    pub fn remove_head(&mut self, offset: usize, n: usize) -> Result<()> {
        let end = offset.saturating_add(n);
        need("packet", end, self.len())?;
        let s = self.start;
        self.buf.copy_within(s..s + offset, s + n);
        self.start += n;
        let lo = u16::try_from(offset).unwrap_or(UNSET);
        let hi = u16::try_from(end).unwrap_or(UNSET);
        let n16 = hi - lo;
        for o in [
            &mut self.l2_5,
            &mut self.l3,
            &mut self.l4,
            &mut self.csum_start,
        ] {
            if *o == UNSET || *o < lo {
                continue;
            }
            *o = if *o < hi { UNSET } else { *o - n16 };
        }
        Ok(())
    }

    /// Inserts a VLAN tag (`tpid`, `tci`) right after the MAC addresses,
    /// becoming the outermost tag.  Moves only the 12 address bytes.
    /// The TCI is written as given (a flow layer that uses the DEI/CFI bit
    /// as a "tag present" marker must clear it first).
    pub fn push_vlan(&mut self, tpid: EtherType, tci: Tci) -> Result<()> {
        need("Ethernet", 12, self.len())?;
        let g = self.insert_head(12, 4)?;
        set_u16(g, 0, tpid.value());
        set_u16(g, 2, tci.0);
        Ok(())
    }

    /// Removes the outermost VLAN tag (TPID 0x8100 or 0x88a8) and returns
    /// its TPID and TCI; `None` (and no change) if the frame has no
    /// complete tag.
    pub fn pop_vlan(&mut self) -> Option<(EtherType, Tci)> {
        let d = self.data();
        let tpid = EtherType::from(get_u16(d, 12));
        if !tpid.is_vlan() || d.len() < 14 + 4 {
            return None;
        }
        let tci = Tci(get_u16(d, 14));
        self.remove_head(12, 4).ok()?;
        Some((tpid, tci))
    }

    /// Pushes an MPLS label stack entry: on top of the existing stack if
    /// the cached layer-2.5 offset is set, otherwise at the cached layer-3
    /// offset.  The type field just before it is set to `ethertype`
    /// (0x8847 or 0x8848) and the layer-2.5 offset to the new entry.  The
    /// caller computes the entry (label, TC, BOS, TTL) as the action
    /// requires.  Needs cached offsets (call [`parse`](Self::parse) first).
    pub fn push_mpls(&mut self, ethertype: EtherType, lse: crate::mpls::Lse) -> Result<()> {
        let at = match (self.l2_5_offset(), self.l3_offset()) {
            (Some(o), _) | (None, Some(o)) => o,
            (None, None) => {
                return crate::error::malformed(
                    "packet",
                    "push_mpls needs a parsed layer-2.5 or layer-3 offset",
                )
            }
        };
        if at < 14 {
            return crate::error::malformed("packet", "push_mpls needs an Ethernet header");
        }
        let g = self.insert_head(at, 4)?;
        g.copy_from_slice(&lse.to_bytes());
        set_u16(self.data_mut(), at - 2, ethertype.value());
        self.l2_5 = u16::try_from(at).unwrap_or(UNSET);
        Ok(())
    }

    /// Pushes an 802.1ah (PBB) backbone header in front of the whole frame, which becomes
    /// the customer frame: backbone destination and source copied from the customer's,
    /// EtherType 0x88e7, then an I-TAG with priority, DEI and UCA zero and service
    /// identifier `isid` (24 bits). Clears the cached offsets (the frame must be parsed
    /// again).
    pub fn push_pbb(&mut self, isid: u32) -> Result<()> {
        need("Ethernet", 12, self.len())?;
        let mut h = [0u8; PBB_HEADER_LEN];
        if let (Some(dst), Some(src)) = (h.get_mut(..12), self.data().get(..12)) {
            dst.copy_from_slice(src);
        }
        set_u16(&mut h, 12, PBB_ETH_TYPE);
        if let Some(t) = h.get_mut(14..18) {
            t.copy_from_slice(&(isid & 0x00ff_ffff).to_be_bytes());
        }
        self.prepend(&h);
        self.reset_offsets();
        Ok(())
    }

    /// Removes the outer 802.1ah backbone header: everything before the customer frame
    /// (backbone addresses, any backbone VLAN tags, the 0x88e7 EtherType and the I-TAG).
    /// Fails, changing nothing, if the frame is not a complete PBB frame. Clears the cached
    /// offsets.
    pub fn pop_pbb(&mut self) -> Result<()> {
        let Some(at) = pbb_itag_offset(self.data()) else {
            return crate::error::malformed("packet", "pop_pbb on a frame without an I-TAG");
        };
        let end = at + 4;
        if self.len() < end + 12 {
            return crate::error::malformed("packet", "pop_pbb: truncated customer frame");
        }
        self.pull_front(end)?;
        self.reset_offsets();
        Ok(())
    }

    /// Rewrites the 24-bit service identifier of the outer I-TAG (`set_field` on
    /// `pbb_isid`); false (no change) if the frame has no I-TAG.
    pub fn set_pbb_isid(&mut self, isid: u32) -> bool {
        let Some(at) = pbb_itag_offset(self.data()) else {
            return false;
        };
        let d = self.data_mut();
        let Some(tag) = d.get_mut(at + 1..at + 4) else {
            return false;
        };
        tag.copy_from_slice(&(isid & 0x00ff_ffff).to_be_bytes()[1..]);
        true
    }

    /// OpenFlow's `copy_ttl_out` (`outward`) and `copy_ttl_in` on an MPLS packet: copies
    /// the TTL between the outermost label and the header just inside it (the next label,
    /// or the IPv4 TTL / IPv6 hop limit after the bottom of the stack; an IPv4 header
    /// checksum is updated). False, changing nothing, when the packet has no MPLS label or
    /// what follows the bottom label is neither IPv4 nor IPv6.
    pub fn copy_mpls_ttl(&mut self, outward: bool) -> bool {
        let l = self.parse();
        let Some(top) = l.l2_5.map(usize::from) else {
            return false;
        };
        let d = self.data_mut();
        let (Some(&bos_byte), Some(&top_ttl)) = (d.get(top + 2), d.get(top + 3)) else {
            return false;
        };
        let inner = top + 4;
        if bos_byte & 1 == 0 {
            // Another label follows.
            let Some(&in_ttl) = d.get(inner + 3) else {
                return false;
            };
            let (at, v) = if outward {
                (top + 3, in_ttl)
            } else {
                (inner + 3, top_ttl)
            };
            if let Some(b) = d.get_mut(at) {
                *b = v;
            }
            return true;
        }
        let (ttl_at, v4) = match d.get(inner).map(|b| b >> 4) {
            Some(4) => (inner + 8, true),
            Some(6) => (inner + 7, false),
            _ => return false,
        };
        if d.len() < inner + if v4 { 20 } else { 40 } {
            return false;
        }
        let in_ttl = d[ttl_at];
        if outward {
            d[top + 3] = in_ttl;
            return true;
        }
        if v4 {
            let old = [d[ttl_at], d[ttl_at + 1]];
            let new = [top_ttl, d[ttl_at + 1]];
            let csum = get_u16(d, inner + 10);
            let csum = crate::checksum::update_bytes(csum, &old, &new);
            set_u16(d, inner + 10, csum);
        }
        d[ttl_at] = top_ttl;
        true
    }

    /// Pops the top MPLS label stack entry and writes `ethertype` into the
    /// type field before it; returns the removed entry.  The layer-2.5
    /// offset stays set while labels remain and is cleared after the
    /// bottom of the stack is popped.
    pub fn pop_mpls(&mut self, ethertype: EtherType) -> Result<crate::mpls::Lse> {
        let Some(at) = self.l2_5_offset() else {
            return crate::error::malformed(
                "packet",
                "pop_mpls on a packet without a parsed MPLS label",
            );
        };
        let lse = crate::mpls::Lse::parse(self.data().get(at..).unwrap_or(&[]))?;
        if at < 2 {
            return crate::error::malformed(
                "packet",
                "pop_mpls needs a type field before the label",
            );
        }
        self.remove_head(at, 4)?;
        set_u16(self.data_mut(), at - 2, ethertype.value());
        if !lse.bos() {
            self.l2_5 = u16::try_from(at).unwrap_or(UNSET);
        }
        Ok(lse)
    }
}

/// The 802.1ah backbone EtherType.
pub const PBB_ETH_TYPE: u16 = 0x88e7;
/// Bytes [`PacketBuf::push_pbb`] adds: two addresses, the EtherType and the I-TAG.
pub const PBB_HEADER_LEN: usize = 18;

/// Offset of the I-TAG of a PBB frame (after the addresses, any VLAN tags and the 0x88e7
/// EtherType), or `None` if the frame is not one.
pub fn pbb_itag_offset(frame: &[u8]) -> Option<usize> {
    let mut off = 12;
    loop {
        let t = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
        match t {
            0x8100 | 0x88a8 | 0x9100 => off += 4,
            PBB_ETH_TYPE => break,
            _ => return None,
        }
    }
    let at = off + 2;
    (frame.len() >= at + 4).then_some(at)
}

impl AsRef<[u8]> for PacketBuf {
    fn as_ref(&self) -> &[u8] {
        self.data()
    }
}

impl AsMut<[u8]> for PacketBuf {
    fn as_mut(&mut self) -> &mut [u8] {
        self.data_mut()
    }
}

impl From<Vec<u8>> for PacketBuf {
    fn from(v: Vec<u8>) -> Self {
        Self::from_vec(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Vec<u8> {
        // Ethernet / IPv4 / UDP, 4 bytes payload.
        let mut f = vec![0xffu8; 6];
        f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        f.extend_from_slice(&[0, 1, 0, 2, 0, 12, 0, 0, 1, 2, 3, 4]);
        f
    }

    #[test]
    fn vlan_push_pop_keeps_offsets_and_does_not_reallocate() {
        let f = frame();
        let mut p = PacketBuf::from_slice(&f);
        let l = p.parse();
        assert_eq!((l.l3, l.l4, l.l7), (Some(14), Some(34), Some(42)));
        let ptr = p.buf.as_ptr();
        p.push_vlan(EtherType::Vlan, Tci::new(3, false, 100))
            .unwrap();
        p.push_vlan(EtherType::QinQ, Tci::new(0, false, 200))
            .unwrap();
        assert_eq!(p.buf.as_ptr(), ptr);
        assert_eq!(p.len(), f.len() + 8);
        assert_eq!((p.l3_offset(), p.l4_offset()), (Some(22), Some(42)));
        let l = Layers::parse(p.data());
        assert_eq!(l.n_vlans, 2);
        assert_eq!(l.vlans()[0].tpid, 0x88a8);
        assert_eq!(l.vlans()[1].tci.vid(), 100);
        assert_eq!(l.l4, Some(42));
        assert_eq!(p.l4().map(|b| b.len()), Some(12));
        assert_eq!(p.pop_vlan(), Some((EtherType::QinQ, Tci(200))));
        assert_eq!(
            p.pop_vlan(),
            Some((EtherType::Vlan, Tci::new(3, false, 100)))
        );
        assert_eq!(p.pop_vlan(), None);
        assert_eq!(p.data(), &f[..]);
        assert_eq!((p.l3_offset(), p.l4_offset()), (Some(14), Some(34)));
    }

    #[test]
    fn partial_checksum_follows_the_frame() {
        use crate::checksum::PseudoHeader;
        use std::net::Ipv4Addr;
        let mut f = frame();
        let ph = PseudoHeader::V4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let want = ph.checksum(17, &f[34..]);
        crate::virtio::prepare_partial_checksum(&mut f, 34, 6, ph.sum(17, 12)).unwrap();
        let mut vh = [0u8; 10];
        crate::virtio::Repr {
            flags: crate::virtio::F_NEEDS_CSUM,
            csum_start: 34,
            csum_offset: 6,
            ..Default::default()
        }
        .emit(&mut crate::virtio::VirtioNetHdr::new_unchecked(&mut vh[..]))
        .unwrap();
        let mut p = PacketBuf::from_virtio(&[&vh[..], &f[..]].concat(), 10).unwrap();
        assert_eq!(p.partial_checksum(), Some((34, 6)));
        p.push_vlan(EtherType::Vlan, Tci(7)).unwrap();
        assert_eq!(p.virtio_header().csum_start, 38);
        p.complete_checksum().unwrap();
        assert_eq!(p.partial_checksum(), None);
        assert_eq!(&p.data()[44..46], &want.to_be_bytes());
        assert!(p.set_partial_checksum(p.len() - 1, 0).is_err());
        assert!(PacketBuf::from_virtio(&vh[..5], 10).is_err());
        assert!(PacketBuf::from_virtio(&vh, 12).is_err());
    }

    #[test]
    fn mpls_push_pop() {
        use crate::mpls::Lse;
        let f = frame();
        let mut p = PacketBuf::from_slice(&f);
        p.parse();
        p.push_mpls(EtherType::MplsUnicast, Lse::new(100, 0, true, 64))
            .unwrap();
        p.push_mpls(EtherType::MplsUnicast, Lse::new(200, 0, false, 64))
            .unwrap();
        let l = Layers::parse(p.data());
        assert_eq!(
            (l.ethertype, l.l2_5, l.l3),
            (EtherType::MplsUnicast, Some(14), Some(22))
        );
        assert_eq!(
            (p.l2_5_offset(), p.l3_offset(), p.l4_offset()),
            (Some(14), Some(22), Some(42))
        );
        assert_eq!(p.pop_mpls(EtherType::MplsUnicast).unwrap().label(), 200);
        assert_eq!(p.l2_5_offset(), Some(14));
        assert_eq!(p.pop_mpls(EtherType::Ipv4).unwrap().label(), 100);
        assert_eq!(p.l2_5_offset(), None);
        assert_eq!(p.data(), &f[..]);
        assert_eq!((p.l3_offset(), p.l4_offset()), (Some(14), Some(34)));
        assert!(p.pop_mpls(EtherType::Ipv4).is_err());
        let mut unparsed = PacketBuf::from_slice(&f);
        assert!(unparsed.push_mpls(EtherType::MplsUnicast, Lse(0)).is_err());
        assert!(unparsed.insert_head(1000, 4).is_err());
        assert!(unparsed.remove_head(40, 100).is_err());
        assert!(unparsed.remove_head(usize::MAX, 2).is_err());
    }

    #[test]
    fn encap_decap_and_growth() {
        let f = frame();
        let mut p = PacketBuf::from_vec(f.clone());
        assert_eq!(p.headroom(), 0);
        p.parse();
        p.prepend(&[9; 50]);
        assert!(p.headroom() >= DEFAULT_HEADROOM);
        assert_eq!(p.l3_offset(), Some(64));
        assert_eq!(&p.data()[50..], &f[..]);
        p.pull_front(50).unwrap();
        assert_eq!(p.data(), &f[..]);
        assert_eq!(p.l3_offset(), Some(14));
        p.pull_front(20).unwrap();
        assert_eq!((p.l3_offset(), p.l4_offset()), (None, Some(14)));
        assert!(p.pull_front(1000).is_err());
        p.truncate(3);
        assert_eq!(p.len(), 3);
        p.push_back(2);
        p.extend_from_slice(&[7]);
        assert_eq!(p.data(), &[0, 0, 64, 0, 0, 7]);
        let mut short = PacketBuf::from_slice(&[1, 2, 3]);
        assert!(short.push_vlan(EtherType::Vlan, Tci(1)).is_err());
        assert_eq!(short.pop_vlan(), None);
    }
}

#[cfg(test)]
mod pbb_mpls_tests {
    use super::*;

    fn ipv4_frame(ttl: u8) -> Vec<u8> {
        let mut f = vec![0x22; 6];
        f.extend_from_slice(&[0x12; 6]);
        f.extend_from_slice(&[0x08, 0x00]);
        let mut ip = vec![
            0x45, 0, 0, 20, 0, 1, 0, 0, ttl, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        let c = crate::checksum::checksum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        f.extend_from_slice(&ip);
        f
    }

    #[test]
    fn push_pbb_wraps_the_frame_and_pop_pbb_unwraps_it() {
        let orig = ipv4_frame(64);
        let mut p = PacketBuf::from_slice(&orig);
        p.push_pbb(0x0a0b0c).unwrap();
        let d = p.data();
        assert_eq!(d.len(), orig.len() + PBB_HEADER_LEN);
        assert_eq!(&d[..12], &orig[..12]);
        assert_eq!(&d[12..18], &[0x88, 0xe7, 0, 0x0a, 0x0b, 0x0c]);
        assert_eq!(&d[18..], &orig[..]);
        assert_eq!(pbb_itag_offset(d), Some(14));
        assert!(p.set_pbb_isid(203));
        assert_eq!(&p.data()[14..18], &[0, 0, 0, 203]);
        p.pop_pbb().unwrap();
        assert_eq!(p.data(), &orig[..]);
        // Not a PBB frame: nothing changes.
        assert!(p.pop_pbb().is_err());
        assert!(!p.set_pbb_isid(1));
        assert_eq!(p.data(), &orig[..]);
    }

    #[test]
    fn pbb_behind_a_backbone_vlan_tag() {
        let mut f = vec![0x22; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x88, 0xe7, 0, 0, 0, 100]);
        f.extend_from_slice(&ipv4_frame(5));
        assert_eq!(pbb_itag_offset(&f), Some(18));
        let mut p = PacketBuf::from_slice(&f);
        p.pop_pbb().unwrap();
        assert_eq!(p.data(), &ipv4_frame(5)[..]);
        assert_eq!(pbb_itag_offset(&f[..20]), None);
    }

    #[test]
    fn mpls_ttl_copies() {
        let mut p = PacketBuf::from_slice(&ipv4_frame(32));
        p.parse();
        p.push_mpls(EtherType::from(0x8847), crate::mpls::Lse(0x0006_4140))
            .unwrap();
        assert!(p.copy_mpls_ttl(true));
        assert_eq!(p.data()[17], 32);
        let mut p2 = PacketBuf::from_slice(&ipv4_frame(32));
        p2.parse();
        p2.push_mpls(EtherType::from(0x8847), crate::mpls::Lse(0x0006_4140))
            .unwrap();
        assert!(p2.copy_mpls_ttl(false));
        let ip = &p2.data()[18..38];
        assert_eq!(ip[8], 64);
        assert_eq!(
            crate::checksum::checksum(ip),
            0,
            "IPv4 checksum still valid"
        );
        // Without a label nothing happens.
        let mut p3 = PacketBuf::from_slice(&ipv4_frame(32));
        assert!(!p3.copy_mpls_ttl(true));
    }
}
