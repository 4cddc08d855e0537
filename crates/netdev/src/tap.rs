//! The `tap` and `internal` providers: a tap device attached through `/dev/net/tun`.
//!
//! The descriptor is opened non-blocking and attached with `TUNSETIFF`
//! (`IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`), which creates the device if it does not exist or
//! attaches to an existing (persistent) one. With the virtio-net header enabled we also set
//! `TUNSETVNETHDRSZ` (10 bytes) and `TUNSETOFFLOAD` (`TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
//! TUN_F_TSO_ECN`): the offload flags tell the kernel that we accept partial checksums and TCP
//! GSO super-packets, so the host stack (or a VM) transmitting on the tap may hand us one
//! 64 KiB packet instead of forty-five segments.
//!
//! Directions are those of the switch: what the kernel *transmits* on the tap is what the
//! switch *receives* (`read`), and what the switch sends is injected into the kernel as if
//! received on the tap (`write`). Statistics are therefore reported with rx and tx swapped, as
//! Open vSwitch does for tap and internal ports. There is no batched system call for tap
//! devices: receive is one `readv` per packet until `EAGAIN` or the batch is full, transmit one
//! `writev` per packet (header + frame, no copy).
//!
//! `internal` ports are taps the switch creates and owns (the bridge's local port, which
//! carries the host's IP address on the bridge). They are created non-persistent: the kernel
//! deletes the device, with its addresses, when the port is closed. A persistent tap
//! (`persistent = true`) outlives the descriptor; [`TapNetdev::destroy`] deletes it. Attaching
//! to a tap that already exists leaves its persistence alone (unless `persistent = true`), so
//! closing the port never deletes a device someone else made persistent. When a
//! tap is deleted under us (`ip link del`), reads and writes fail with `EBADFD`, reported as
//! [`NetdevError::NoSuchDevice`].

use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::batch::RxBatch;
use crate::error::{is_gone, NetdevError, Result};
use crate::ifctl::KernelIf;
use crate::sys;
use crate::types::{MacAddr, NetdevKind, NetdevStats, Offloads, TxPacket, VnetHdr};
use crate::Netdev;

/// Options for opening a tap.
#[derive(Clone, Copy, Debug)]
pub struct TapOptions {
    /// Exchange virtio-net headers with the kernel.
    pub vnet_hdr: bool,
    /// Accept partial checksums and TCP GSO super-packets from the kernel (needs `vnet_hdr`).
    pub offload: bool,
    /// Make the device outlive this port (`TUNSETPERSIST`).
    pub persistent: bool,
}

impl Default for TapOptions {
    fn default() -> TapOptions {
        TapOptions {
            vnet_hdr: true,
            offload: true,
            persistent: false,
        }
    }
}

/// A tap device; see the module docs.
#[derive(Debug)]
pub struct TapNetdev {
    kind: NetdevKind,
    file: File,
    kif: KernelIf,
    opts: TapOptions,
    rx_errors: AtomicU64,
    tx_dropped: AtomicU64,
}

impl TapNetdev {
    /// Creates (or attaches to) tap `name` as a `tap` port.
    pub fn open(name: &str, opts: TapOptions) -> Result<TapNetdev> {
        TapNetdev::open_kind(name, opts, NetdevKind::Tap)
    }

    /// Creates (or attaches to) tap `name` as the switch-owned `internal` port: non-persistent,
    /// deleted when closed.
    pub fn open_internal(name: &str) -> Result<TapNetdev> {
        TapNetdev::open_kind(name, TapOptions::default(), NetdevKind::Internal)
    }

    fn open_kind(name: &str, opts: TapOptions, kind: NetdevKind) -> Result<TapNetdev> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open("/dev/net/tun")
            .map_err(|e| NetdevError::io(name, "open /dev/net/tun", e))?;
        let fd = file.as_fd();
        let mut flags = libc::IFF_TAP | libc::IFF_NO_PI;
        if opts.vnet_hdr {
            flags |= libc::IFF_VNET_HDR;
        }
        // A tap that already exists (e.g. a VM's, made persistent by its owner) keeps its
        // persistence unless we are asked to make it persistent; one we create gets ours.
        let existed = crate::ifctl::exists(name);
        let actual = sys::tun_set_iff(fd, name, flags).map_err(|e| NetdevError::Io {
            name: name.to_string(),
            op: "create tap (TUNSETIFF)",
            source: e,
        })?;
        let opts = TapOptions {
            offload: opts.offload && opts.vnet_hdr,
            ..opts
        };
        if opts.vnet_hdr {
            sys::tun_ioctl_int_ptr(
                fd,
                libc::TUNSETVNETHDRSZ as libc::c_ulong,
                VnetHdr::LEN as libc::c_int,
            )
            .map_err(|e| NetdevError::io(&actual, "set vnet header size", e))?;
            let off = if opts.offload {
                libc::TUN_F_CSUM | libc::TUN_F_TSO4 | libc::TUN_F_TSO6 | libc::TUN_F_TSO_ECN
            } else {
                0
            };
            sys::tun_ioctl_value(
                fd,
                libc::TUNSETOFFLOAD as libc::c_ulong,
                off as libc::c_ulong,
            )
            .map_err(|e| NetdevError::io(&actual, "set tap offloads", e))?;
        }
        if opts.persistent || !existed {
            sys::tun_ioctl_value(
                fd,
                libc::TUNSETPERSIST as libc::c_ulong,
                opts.persistent as libc::c_ulong,
            )
            .map_err(|e| NetdevError::io(&actual, "set tap persistence", e))?;
        }
        let kif = KernelIf::open(&actual)?;
        Ok(TapNetdev {
            kind,
            file,
            kif,
            opts,
            rx_errors: AtomicU64::new(0),
            tx_dropped: AtomicU64::new(0),
        })
    }

    /// Deletes the device (clears persistence, then closes it).
    pub fn destroy(self) -> Result<()> {
        if self.opts.persistent {
            sys::tun_ioctl_value(self.file.as_fd(), libc::TUNSETPERSIST as libc::c_ulong, 0)
                .map_err(|e| NetdevError::io(self.kif.name(), "clear tap persistence", e))?;
        }
        Ok(())
    }

    fn gone(&self) -> NetdevError {
        NetdevError::NoSuchDevice {
            name: self.kif.name().to_string(),
        }
    }
}

impl Netdev for TapNetdev {
    fn name(&self) -> &str {
        self.kif.name()
    }

    fn kind(&self) -> NetdevKind {
        self.kind
    }

    fn ifindex(&self) -> Result<u32> {
        Ok(self.kif.ifindex())
    }

    fn recv_batch(&self, batch: &mut RxBatch) -> Result<usize> {
        batch.clear();
        let hlen = if self.opts.vnet_hdr { VnetHdr::LEN } else { 0 };
        let (_, _, headroom, _) = batch.raw_parts();
        for slot in 0..batch.capacity() {
            let Some((hdr, area)) = batch.slot_parts(slot) else {
                break;
            };
            let room = area.len();
            let head: &mut [u8] = if hlen > 0 { &mut hdr[..] } else { &mut [] };
            match sys::readv2(self.file.as_fd(), head, area) {
                Ok(n) if n >= hlen => {
                    let vnet = (hlen > 0).then(|| VnetHdr::from_bytes(hdr));
                    let len = n - hlen;
                    if len > room {
                        self.rx_errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    batch.commit(slot, headroom, len, vnet);
                }
                Ok(_) => {
                    self.rx_errors.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => break,
                Err(e) if is_gone(&e) => return Err(self.gone()),
                // EFAULT/EINVAL: a frame bigger than the slot was consumed and lost.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EFAULT) | Some(libc::EINVAL)) => {
                    self.rx_errors.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    if batch.is_empty() {
                        return Err(NetdevError::io(self.name(), "receive", e));
                    }
                    break;
                }
            }
        }
        Ok(batch.len())
    }

    fn send_batch(&self, pkts: &[TxPacket<'_>]) -> Result<usize> {
        let mut sent = 0;
        for p in pkts {
            if !self.opts.vnet_hdr && p.needs_offload() {
                self.tx_dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let hdr = p.vnet.unwrap_or_default().to_bytes();
            let head: &[u8] = if self.opts.vnet_hdr { &hdr } else { &[] };
            match sys::writev2(self.file.as_fd(), head, p.data) {
                Ok(_) => sent += 1,
                Err(e) if is_gone(&e) => return Err(self.gone()),
                Err(_) => {
                    // EIO (device down), EINVAL (bad header), ENOMEM...: this packet is lost.
                    self.tx_dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        Ok(sent)
    }

    fn rx_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
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
        let mut s = self.kif.stats()?.swapped();
        s.rx_errors += self.rx_errors.load(Ordering::Relaxed);
        s.tx_dropped += self.tx_dropped.load(Ordering::Relaxed);
        Ok(s)
    }

    fn offloads(&self) -> Offloads {
        Offloads {
            vnet_hdr: self.opts.vnet_hdr,
            partial_csum: self.opts.offload,
            gso: self.opts.offload,
        }
    }
}
