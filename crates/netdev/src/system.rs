//! The `system` provider: an existing Linux interface (NIC, veth, a tap someone else created)
//! used through one AF_PACKET raw socket bound to its ifindex.
//!
//! Socket setup, in order (protocol 0 at creation so nothing is queued before the options
//! apply; `ETH_P_ALL` only at bind):
//!
//! - `PACKET_VNET_HDR`: every frame is prefixed by a virtio-net header in both directions, so
//!   GSO super-packets and partial checksums produced by local stacks (a namespace, a VM behind
//!   a tap) are carried through unsegmented instead of being split or checksummed in software.
//!   The header is exposed to the caller ([`crate::RxBatch::vnet_hdr`], [`TxPacket::vnet`]).
//! - `PACKET_AUXDATA`: the kernel moves VLAN tags into skb metadata on receive; the auxdata
//!   control message returns the tag and we put it back into the frame (in the slot headroom),
//!   so the switch sees frames exactly as they were on the wire.
//! - `PACKET_IGNORE_OUTGOING`: without it an AF_PACKET socket also sees every frame sent out of
//!   the interface, by us or by the host stack; the switch must only see frames arriving from
//!   the link. Kernels older than 4.20 lack the option; then frames with
//!   `sll_pkttype == PACKET_OUTGOING` are dropped on receive instead.
//! - `PACKET_QDISC_BYPASS`: transmit straight to the driver, skipping the qdisc layer (the
//!   switch is the queueing point; the driver still applies back-pressure by failing sends).
//! - `PACKET_ADD_MEMBERSHIP`/`PACKET_MR_PROMISC`: a switch port receives every frame. The
//!   membership is reference counted by the kernel and dropped when the socket closes, so
//!   closing the port restores the interface's previous promiscuity.
//! - bigger socket buffers (`SO_RCVBUFFORCE`/`SO_SNDBUFFORCE` when privileged).
//!
//! Receive is one `recvmmsg` per batch, transmit one `sendmmsg` per 64 packets; no allocation
//! on either path (message headers live on the stack, frames go straight into the batch's
//! slots). A TPACKET_V3 ring was considered and not used: a V3 block is handed to user space
//! only when full or when its retire timer (millisecond granularity) fires, which adds up to a
//! millisecond of latency to a lightly loaded port; `recvmmsg` has none and costs one system
//! call per batch under load.
//!
//! Failure: when the interface is set down or deleted the kernel reports `ENETDOWN` once on the
//! socket; receive then checks whether the ifindex still exists and returns
//! [`NetdevError::NoSuchDevice`] (now and on every later call) if not, or an empty batch if the
//! link is merely down (the socket starts receiving again when it comes back up).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::batch::RxBatch;
use crate::error::{is_gone, NetdevError, Result};
use crate::ifctl::KernelIf;
use crate::sys::{self, RecvMeta, MAX_MSGS};
use crate::types::{MacAddr, NetdevKind, NetdevStats, Offloads, TxPacket, VnetHdr};
use crate::Netdev;

const ETH_P_ALL: u16 = 0x0003;
const SOCKBUF: libc::c_int = 4 * 1024 * 1024;

/// Options for opening a `system` port.
#[derive(Clone, Copy, Debug)]
pub struct SystemOptions {
    /// Enable `PACKET_VNET_HDR` (GSO and partial-checksum pass-through).
    pub vnet_hdr: bool,
    /// Put the interface in promiscuous mode while open.
    pub promisc: bool,
    /// Transmit bypassing the qdisc layer.
    pub qdisc_bypass: bool,
}

impl Default for SystemOptions {
    fn default() -> SystemOptions {
        SystemOptions {
            vnet_hdr: true,
            promisc: true,
            qdisc_bypass: true,
        }
    }
}

/// An existing Linux interface used through AF_PACKET; see the module docs.
#[derive(Debug)]
pub struct SystemNetdev {
    kif: KernelIf,
    sock: OwnedFd,
    vnet: bool,
    filter_outgoing: bool,
    gone: AtomicBool,
    rx_errors: AtomicU64,
    tx_dropped: AtomicU64,
}

impl SystemNetdev {
    /// Opens interface `name` (in the calling thread's network namespace) with default options.
    pub fn open(name: &str) -> Result<SystemNetdev> {
        SystemNetdev::open_with(name, SystemOptions::default())
    }

    /// Opens interface `name` with `opts`.
    pub fn open_with(name: &str, opts: SystemOptions) -> Result<SystemNetdev> {
        let kif = KernelIf::open(name)?;
        let sock = sys::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_NONBLOCK, 0)
            .map_err(|e| NetdevError::io(name, "open AF_PACKET socket", e))?;
        let fd = sock.as_fd();
        let one: libc::c_int = 1;
        let vnet = opts.vnet_hdr
            && sys::setsockopt(fd, libc::SOL_PACKET, sys::PACKET_VNET_HDR, &one).is_ok();
        sys::setsockopt(fd, libc::SOL_PACKET, sys::PACKET_AUXDATA, &one)
            .map_err(|e| NetdevError::io(name, "enable PACKET_AUXDATA", e))?;
        let filter_outgoing =
            sys::setsockopt(fd, libc::SOL_PACKET, sys::PACKET_IGNORE_OUTGOING, &one).is_err();
        if opts.qdisc_bypass {
            // Best effort: without it transmit still works, through the qdisc.
            let _ = sys::setsockopt(fd, libc::SOL_PACKET, sys::PACKET_QDISC_BYPASS, &one);
        }
        for (force, plain) in [
            (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF),
            (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF),
        ] {
            if sys::setsockopt(fd, libc::SOL_SOCKET, force, &SOCKBUF).is_err() {
                let _ = sys::setsockopt(fd, libc::SOL_SOCKET, plain, &SOCKBUF);
            }
        }
        sys::bind_packet(fd, kif.ifindex(), ETH_P_ALL)
            .map_err(|e| NetdevError::io(name, "bind AF_PACKET socket", e))?;
        if opts.promisc {
            let mreq = sys::PacketMreq {
                ifindex: kif.ifindex() as libc::c_int,
                kind: sys::PACKET_MR_PROMISC,
                alen: 0,
                address: [0; 8],
            };
            sys::setsockopt(fd, libc::SOL_PACKET, sys::PACKET_ADD_MEMBERSHIP, &mreq)
                .map_err(|e| NetdevError::io(name, "enable promiscuous mode", e))?;
        }
        Ok(SystemNetdev {
            kif,
            sock,
            vnet,
            filter_outgoing,
            gone: AtomicBool::new(false),
            rx_errors: AtomicU64::new(0),
            tx_dropped: AtomicU64::new(0),
        })
    }

    fn gone_error(&self) -> NetdevError {
        NetdevError::NoSuchDevice {
            name: self.kif.name().to_string(),
        }
    }

    fn check_gone(&self) -> Result<()> {
        if self.gone.load(Ordering::Relaxed) {
            return Err(self.gone_error());
        }
        if !self.kif.still_exists() {
            self.gone.store(true, Ordering::Relaxed);
            return Err(self.gone_error());
        }
        Ok(())
    }
}

/// Puts a VLAN tag the kernel stripped back between the MAC addresses and the EtherType, using
/// 4 bytes of the slot's headroom. Returns the new frame start, or `None` if impossible.
pub(crate) fn reinsert_vlan(
    slot: &mut [u8],
    start: usize,
    len: usize,
    tpid: u16,
    tci: u16,
) -> Option<usize> {
    if start < 4 || len < 12 || start + len > slot.len() {
        return None;
    }
    let ns = start - 4;
    slot.copy_within(start..start + 12, ns);
    slot.get_mut(ns + 12..ns + 14)?
        .copy_from_slice(&tpid.to_be_bytes());
    slot.get_mut(ns + 14..ns + 16)?
        .copy_from_slice(&tci.to_be_bytes());
    Some(ns)
}

impl Netdev for SystemNetdev {
    fn name(&self) -> &str {
        self.kif.name()
    }

    fn kind(&self) -> NetdevKind {
        NetdevKind::System
    }

    fn ifindex(&self) -> Result<u32> {
        Ok(self.kif.ifindex())
    }

    fn recv_batch(&self, batch: &mut RxBatch) -> Result<usize> {
        batch.clear();
        if self.gone.load(Ordering::Relaxed) {
            return Err(self.gone_error());
        }
        let cap = batch.capacity().min(MAX_MSGS);
        let mut meta = [RecvMeta::default(); MAX_MSGS];
        let (arena, slot_size, headroom, vnet_buf) = batch.raw_parts();
        let vnet_arg = if self.vnet { Some(vnet_buf) } else { None };
        let got = match sys::recvmmsg_packet(
            self.sock.as_fd(),
            arena,
            slot_size,
            headroom,
            cap,
            vnet_arg,
            &mut meta,
        ) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(0),
            Err(e) if e.raw_os_error() == Some(libc::ENETDOWN) || is_gone(&e) => {
                self.check_gone()?;
                return Ok(0);
            }
            Err(e) => return Err(NetdevError::io(self.name(), "receive", e)),
        };
        for (i, m) in meta.iter().take(got).enumerate() {
            if m.truncated {
                self.rx_errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if self.filter_outgoing && m.pkttype == sys::PACKET_OUTGOING {
                continue;
            }
            let (_, _, _, vnet_buf) = batch.raw_parts();
            let mut vnet = if self.vnet {
                vnet_buf.get(i).map(VnetHdr::from_bytes)
            } else {
                None
            };
            let mut start = headroom;
            let mut len = m.len;
            if let Some((tpid, tci)) = m.vlan {
                let Some(slot) = batch.slot_mut(i) else {
                    continue;
                };
                match reinsert_vlan(slot, start, len, tpid, tci) {
                    Some(ns) => {
                        start = ns;
                        len += 4;
                        if let Some(v) = vnet.as_mut() {
                            if v.needs_csum() {
                                v.csum_start = v.csum_start.saturating_add(4);
                            }
                            if v.is_gso() {
                                v.hdr_len = v.hdr_len.saturating_add(4);
                            }
                        }
                    }
                    None => {
                        self.rx_errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            batch.commit(i, start, len, vnet);
        }
        Ok(batch.len())
    }

    fn send_batch(&self, pkts: &[TxPacket<'_>]) -> Result<usize> {
        if self.gone.load(Ordering::Relaxed) {
            return Err(self.gone_error());
        }
        let mut sent = 0usize;
        let mut i = 0usize;
        while let Some(rest) = pkts.get(i..).filter(|r| !r.is_empty()) {
            // Without a vnet header the kernel cannot be told about offloads: such packets are
            // dropped (the caller must segment / checksum them first; see `offloads`).
            let chunk = if self.vnet {
                rest
            } else {
                match rest.iter().position(TxPacket::needs_offload) {
                    Some(0) => {
                        self.tx_dropped.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                        continue;
                    }
                    Some(bad) => &rest[..bad],
                    None => rest,
                }
            };
            let (consumed, ok) = self.send_some(chunk)?;
            sent += ok;
            i += consumed.max(1);
        }
        Ok(sent)
    }

    fn rx_fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    fn mtu(&self) -> Result<u32> {
        self.kif.mtu()
    }

    fn set_mtu(&self, mtu: u32) -> Result<()> {
        self.kif.set_mtu(mtu)
    }

    fn mac(&self) -> Result<MacAddr> {
        self.kif.mac()
    }

    fn set_mac(&self, mac: MacAddr) -> Result<()> {
        self.kif.set_mac(mac)
    }

    fn is_up(&self) -> Result<bool> {
        self.kif.is_up()
    }

    fn set_up(&self, up: bool) -> Result<()> {
        self.kif.set_up(up)
    }

    fn carrier(&self) -> Result<bool> {
        self.kif.carrier()
    }

    fn stats(&self) -> Result<NetdevStats> {
        let mut s = self.kif.stats()?;
        s.rx_errors += self.rx_errors.load(Ordering::Relaxed);
        s.tx_dropped += self.tx_dropped.load(Ordering::Relaxed);
        Ok(s)
    }

    fn offloads(&self) -> Offloads {
        Offloads {
            vnet_hdr: self.vnet,
            partial_csum: self.vnet,
            gso: self.vnet,
        }
    }
}

impl SystemNetdev {
    /// Sends a prefix of `pkts` with one `sendmmsg`. Returns `(consumed, sent)`: how many
    /// packets were dealt with (sent, or dropped and counted; at least one unless `pkts` is
    /// empty) and how many of those the kernel accepted.
    fn send_some(&self, pkts: &[TxPacket<'_>]) -> Result<(usize, usize)> {
        if pkts.is_empty() {
            return Ok((0, 0));
        }
        let drop = |n: usize| {
            self.tx_dropped.fetch_add(n as u64, Ordering::Relaxed);
            Ok((n, 0))
        };
        match sys::sendmmsg_packet(self.sock.as_fd(), pkts, self.vnet) {
            Ok(n) if n > 0 => Ok((n, n)),
            Ok(_) => drop(1),
            Err(e) if is_gone(&e) => {
                self.check_gone()?;
                // ENXIO while the interface still exists: it is down. Drop this chunk.
                drop(pkts.len().min(MAX_MSGS))
            }
            // Socket buffer full: the port cannot keep up; drop the rest of this chunk.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => drop(pkts.len().min(MAX_MSGS)),
            // ENOBUFS, EMSGSIZE, ENETDOWN, EINVAL (bad vnet header)...: this packet is lost.
            Err(_) => drop(1),
        }
    }
}
