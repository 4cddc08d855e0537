//! The receive batch: preallocated packet buffers a provider fills in one call.
//!
//! An [`RxBatch`] is one allocation of `capacity` fixed-size slots, made once per poll thread
//! and reused for every `recv_batch` call, so receiving allocates nothing. Each slot is
//! `headroom + frame_room` bytes: the frame is stored after the headroom, which lets a provider
//! re-insert a VLAN tag the kernel stripped (4 bytes) and lets the datapath push headers
//! (VLAN, MPLS, tunnel encapsulation) in place without copying the frame. Offload metadata (a
//! [`VnetHdr`]) is kept beside each frame, not inside it.
//!
//! Slots must be large enough for the biggest frame the port can deliver: MTU plus Ethernet
//! and VLAN headers for a plain port, 64 KiB for a port that delivers GSO super-packets.
//! [`RxBatch::for_netdev`] picks that size; a frame that does not fit is dropped by the
//! provider and counted as a receive error (never silently truncated).

use crate::types::{Offloads, TxPacket, VnetHdr};

/// Default headroom before each received frame.
pub const DEFAULT_HEADROOM: usize = 128;
/// Smallest headroom accepted (room to re-insert a VLAN tag).
pub const MIN_HEADROOM: usize = 4;
/// Default number of packets per batch (Open vSwitch's `NETDEV_MAX_BURST`).
pub const DEFAULT_BATCH: usize = 32;
/// Frame room for ports that deliver GSO super-packets (the largest IP datagram plus headers).
pub const GSO_FRAME_ROOM: usize = 65536 + 64;

#[derive(Clone, Copy, Debug, Default)]
struct Meta {
    slot: usize,
    start: usize,
    len: usize,
    vnet: Option<VnetHdr>,
}

/// Preallocated receive buffers; see the module docs.
#[derive(Debug)]
pub struct RxBatch {
    arena: Vec<u8>,
    slot_size: usize,
    headroom: usize,
    capacity: usize,
    pkts: Vec<Meta>,
    vnet_scratch: Vec<[u8; VnetHdr::LEN]>,
}

impl RxBatch {
    /// A batch of `capacity` packets of up to `frame_room` bytes each, with the default headroom.
    pub fn new(capacity: usize, frame_room: usize) -> RxBatch {
        RxBatch::with_headroom(capacity, frame_room, DEFAULT_HEADROOM)
    }

    /// A batch with explicit headroom (at least [`MIN_HEADROOM`]).
    pub fn with_headroom(capacity: usize, frame_room: usize, headroom: usize) -> RxBatch {
        let capacity = capacity.max(1);
        let frame_room = frame_room.max(64);
        let headroom = headroom.max(MIN_HEADROOM);
        // Keep slots 64-byte aligned relative to each other.
        let slot_size = (headroom + frame_room).div_ceil(64) * 64;
        RxBatch {
            arena: vec![0; slot_size * capacity],
            slot_size,
            headroom,
            capacity,
            pkts: Vec::with_capacity(capacity),
            vnet_scratch: vec![[0; VnetHdr::LEN]; capacity],
        }
    }

    /// A batch sized for a port with `offloads` and `mtu`: 64 KiB slots when it may deliver
    /// GSO super-packets, otherwise MTU + 22 bytes (Ethernet + VLAN headers + FCS slack).
    pub fn for_port(capacity: usize, offloads: Offloads, mtu: u32) -> RxBatch {
        let room = if offloads.gso {
            GSO_FRAME_ROOM
        } else {
            (mtu as usize).max(1500) + 22
        };
        RxBatch::new(capacity, room)
    }

    /// A batch sized for `dev` (see [`RxBatch::for_port`]); MTU 1500 if it cannot be read.
    pub fn for_netdev(dev: &dyn crate::Netdev, capacity: usize) -> RxBatch {
        RxBatch::for_port(capacity, dev.offloads(), dev.mtu().unwrap_or(1500))
    }

    /// Packets currently held.
    pub fn len(&self) -> usize {
        self.pkts.len()
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.pkts.is_empty()
    }

    /// Most packets one receive can store.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Largest frame a slot can hold.
    pub fn frame_room(&self) -> usize {
        self.slot_size - self.headroom
    }

    /// Headroom reserved in front of every slot's frame area.
    pub fn headroom(&self) -> usize {
        self.headroom
    }

    /// Forgets the held packets (buffers are kept).
    pub fn clear(&mut self) {
        self.pkts.clear();
    }

    /// Frame `i`.
    pub fn packet(&self, i: usize) -> Option<&[u8]> {
        let m = self.pkts.get(i)?;
        let base = m.slot * self.slot_size;
        self.arena.get(base + m.start..base + m.start + m.len)
    }

    /// Frame `i`, writable.
    pub fn packet_mut(&mut self, i: usize) -> Option<&mut [u8]> {
        let m = *self.pkts.get(i)?;
        let base = m.slot * self.slot_size;
        self.arena.get_mut(base + m.start..base + m.start + m.len)
    }

    /// Frame `i`'s virtio-net header, when the port delivers them and it is not all zeroes.
    pub fn vnet_hdr(&self, i: usize) -> Option<VnetHdr> {
        self.pkts.get(i)?.vnet
    }

    /// Headroom available in front of frame `i`.
    pub fn headroom_of(&self, i: usize) -> Option<usize> {
        self.pkts.get(i).map(|m| m.start)
    }

    /// Grows frame `i` by `n` bytes at the front (into its headroom) and returns the whole
    /// frame; `None` if there is not enough headroom.
    pub fn push_front(&mut self, i: usize, n: usize) -> Option<&mut [u8]> {
        let m = self.pkts.get_mut(i)?;
        if n > m.start {
            return None;
        }
        m.start -= n;
        m.len += n;
        self.packet_mut(i)
    }

    /// Shrinks frame `i` to `len` bytes.
    pub fn truncate(&mut self, i: usize, len: usize) {
        if let Some(m) = self.pkts.get_mut(i) {
            m.len = m.len.min(len);
        }
    }

    /// Iterates over the held packets as transmit descriptors (frame + offload metadata).
    pub fn iter(&self) -> impl Iterator<Item = TxPacket<'_>> + '_ {
        (0..self.pkts.len()).filter_map(move |i| {
            Some(TxPacket {
                data: self.packet(i)?,
                vnet: self.vnet_hdr(i),
            })
        })
    }

    /// Fills `out` with the held packets as transmit descriptors (for forwarding a received
    /// batch without allocating) and returns how many were stored.
    pub fn fill_tx<'a>(&'a self, out: &mut [TxPacket<'a>]) -> usize {
        let mut n = 0;
        for (slot, p) in out.iter_mut().zip(self.iter()) {
            *slot = p;
            n += 1;
        }
        n
    }

    // ---- provider side -------------------------------------------------------------------

    /// The raw parts a provider receives into: the slot arena, slot size, headroom, and one
    /// virtio-net header buffer per slot.
    pub(crate) fn raw_parts(&mut self) -> (&mut [u8], usize, usize, &mut [[u8; VnetHdr::LEN]]) {
        (
            &mut self.arena,
            self.slot_size,
            self.headroom,
            &mut self.vnet_scratch,
        )
    }

    /// Slot `slot`'s frame area (after the headroom), for providers that read one at a time.
    pub(crate) fn slot_parts(
        &mut self,
        slot: usize,
    ) -> Option<(&mut [u8; VnetHdr::LEN], &mut [u8])> {
        let base = slot.checked_mul(self.slot_size)?;
        let area = self
            .arena
            .get_mut(base + self.headroom..base + self.slot_size)?;
        let hdr = self.vnet_scratch.get_mut(slot)?;
        Some((hdr, area))
    }

    /// Slot `slot` from its start (headroom included).
    pub(crate) fn slot_mut(&mut self, slot: usize) -> Option<&mut [u8]> {
        let base = slot.checked_mul(self.slot_size)?;
        self.arena.get_mut(base..base + self.slot_size)
    }

    /// Records that slot `slot` holds a `len`-byte frame starting `start` bytes into the slot.
    pub(crate) fn commit(&mut self, slot: usize, start: usize, len: usize, vnet: Option<VnetHdr>) {
        if slot < self.capacity
            && start.saturating_add(len) <= self.slot_size
            && self.pkts.len() < self.capacity
        {
            let vnet = vnet.filter(|v| *v != VnetHdr::default());
            self.pkts.push(Meta {
                slot,
                start,
                len,
                vnet,
            });
        }
    }

    /// Copies `frame` into the next free slot (for in-memory providers); false when full or too
    /// big.
    pub(crate) fn push_copy(&mut self, frame: &[u8], vnet: Option<VnetHdr>) -> bool {
        let slot = self.pkts.len();
        if slot >= self.capacity || frame.len() > self.frame_room() {
            return false;
        }
        let headroom = self.headroom;
        let Some(s) = self.slot_mut(slot) else {
            return false;
        };
        let Some(dst) = s.get_mut(headroom..headroom + frame.len()) else {
            return false;
        };
        dst.copy_from_slice(frame);
        self.commit(slot, headroom, frame.len(), vnet);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_copy_and_views() {
        let mut b = RxBatch::new(2, 100);
        assert!(b.push_copy(&[1, 2, 3], None));
        let v = VnetHdr {
            flags: VnetHdr::F_NEEDS_CSUM,
            ..Default::default()
        };
        assert!(b.push_copy(&[4; 100], Some(v)));
        assert!(!b.push_copy(&[5], None), "full");
        assert_eq!(b.len(), 2);
        assert_eq!(b.packet(0), Some(&[1u8, 2, 3][..]));
        assert_eq!(b.vnet_hdr(0), None);
        assert_eq!(b.vnet_hdr(1), Some(v));
        assert_eq!(b.packet(2), None);
        let f = b.push_front(0, 2).unwrap();
        f[0] = 9;
        f[1] = 8;
        assert_eq!(b.packet(0), Some(&[9u8, 8, 1, 2, 3][..]));
        assert!(b.push_front(0, 10_000).is_none());
        let mut tx = [TxPacket::default(); 4];
        assert_eq!(b.fill_tx(&mut tx), 2);
        assert_eq!(tx[1].data.len(), 100);
        b.clear();
        assert!(b.is_empty());
        assert!(!b.push_copy(&[0; 200], None), "too big");
    }

    #[test]
    fn sizing() {
        let b = RxBatch::for_port(4, Offloads::default(), 9000);
        assert!(b.frame_room() >= 9018);
        let g = RxBatch::for_port(
            4,
            Offloads {
                vnet_hdr: true,
                partial_csum: true,
                gso: true,
            },
            1500,
        );
        assert!(g.frame_room() >= 65535);
    }
}
