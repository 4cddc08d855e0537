//! The port layer of ferroswitch's userspace datapath ("netdev" in Open vSwitch terms): moving
//! batches of Ethernet frames in and out of network interfaces, and controlling those
//! interfaces.
//!
//! # Model
//!
//! A port is a [`Netdev`], opened by a provider (see [`open`]):
//!
//! - [`system::SystemNetdev`] (`type=system`, the default): an existing Linux interface — a
//!   NIC, a veth end, a tap someone else created — used through an AF_PACKET socket.
//! - [`tap::TapNetdev`] (`type=tap` / `type=internal`): a tap device through `/dev/net/tun`;
//!   `internal` is the tap the switch creates and owns for a bridge's local port.
//! - [`dummy::DummyNetdev`] (`type=dummy`): in memory, for tests.
//!
//! # The data path: batches, no allocation
//!
//! Receiving fills an [`RxBatch`], a set of preallocated slots the poll thread creates once and
//! reuses: AF_PACKET ports copy frames out of a memory-mapped receive ring (no system call
//! while frames are waiting; `recvmmsg` per batch where the ring is unavailable), taps make
//! one system call per packet (the kernel has nothing better), dummies none. Transmitting takes a slice of [`TxPacket`]s —
//! borrowed frames plus optional offload metadata — and makes one `sendmmsg` per 64 packets
//! (`writev` per packet on taps). Neither path allocates. A received batch can be forwarded
//! as is with [`RxBatch::fill_tx`].
//!
//! # Offloads
//!
//! Local senders (a namespace's TCP stack, a VM behind a tap) hand the kernel 64 KiB TCP
//! "super-packets" and leave checksums for the hardware. A switch that forces the kernel to
//! segment and checksum everything before handing it over loses most of its throughput, so
//! kernel-backed ports exchange a virtio-net header ([`VnetHdr`]) with every frame: a received
//! frame may be a GSO super-packet and/or carry a partial checksum, and a transmitted frame may
//! too when the port says so in [`Netdev::offloads`]. Whoever sends such a frame to a port that
//! cannot take it must segment or finish the checksum first (`packet::virtio` has the checksum
//! completion); providers drop and count offloaded frames a port cannot accept rather than
//! emit corrupt ones.
//!
//! # Threads
//!
//! Every method takes `&self` and every provider is `Send + Sync`, so a port lives in an
//! `Arc<dyn Netdev>` shared by:
//!
//! - **one receive thread** (the poll thread that owns the port's receive side) calling
//!   [`Netdev::recv_batch`] — with its own `RxBatch`, so receive needs no lock: AF_PACKET and
//!   tap descriptors may be read concurrently, only pointless;
//! - **any number of transmit threads** calling [`Netdev::send_batch`] concurrently. The kernel
//!   serialises `sendmmsg`/`writev` on one descriptor; message headers are built on the caller's
//!   stack, so there is no shared transmit state and no lock. (Per-thread transmit queues, as
//!   DPDK ports need, are unnecessary for kernel ports; multi-queue taps and AF_PACKET fanout
//!   would be added as extra receive queues, not by changing this trait.)
//! - the **main thread** doing control calls (MTU, MAC, flags, stats) at any time.
//!
//! This differs from the `recv_batch(&mut self)` first sketched: with `&mut self` a port could
//! not be received from on one thread while another transmits to it without an external lock.
//!
//! # Sleeping
//!
//! [`Netdev::rx_fd`] becomes readable when a receive would return packets (or an error). A poll
//! thread that found nothing on any of its ports for a while waits on these descriptors
//! ([`wait_readable`], or its own epoll set) instead of spinning, so an idle switch uses no CPU.
//!
//! # Failure
//!
//! Receive and transmit never fail for per-packet reasons: frames too large for a slot, frames
//! the kernel refused (no buffer space, link down, too big), offloaded frames a port cannot
//! take are dropped and counted in [`Netdev::stats`]. They return an error only when the port
//! itself is unusable — typically [`NetdevError::NoSuchDevice`] because the interface was
//! deleted — and keep returning it; the caller then reports the port as broken and closes it.
//! Control calls return the kernel's error (e.g. `EINVAL` for an MTU the driver refuses).
//!
//! # Interfaces coming and going
//!
//! [`netlink::LinkMonitor`] delivers `RTNLGRP_LINK` notifications (created, changed, deleted,
//! plus an overflow marker meaning "re-check everything"); [`ifctl::exists`] is the cheap check
//! for polling by name.
//!
//! # Opening and closing
//!
//! A port is opened by its provider's constructor or [`open`] and closed by dropping it (the
//! socket or tap descriptor is closed; promiscuous membership goes away with it; a
//! non-persistent tap, hence every `internal` port, is deleted by the kernel).
//!
//! `unsafe` code is confined to the private `sys` module (system-call wrappers, each block with
//! a `SAFETY:` comment); everything else is safe Rust.

pub mod batch;
pub mod dummy;
mod error;
pub mod ifctl;
pub mod netlink;
pub mod patch;
pub mod pcap;
#[allow(unsafe_code)]
mod sys;
pub mod system;
pub mod tap;
mod types;

use std::collections::BTreeMap;
use std::os::fd::BorrowedFd;
use std::time::Duration;

pub use batch::{RxBatch, DEFAULT_BATCH};
pub use error::{NetdevError, Result};
pub use types::{MacAddr, NetdevKind, NetdevStats, Offloads, TxPacket, VnetHdr};

/// A port: batched packet I/O plus interface control. See the crate docs for the threading
/// and failure model.
pub trait Netdev: Send + Sync + std::fmt::Debug {
    /// The interface (port) name.
    fn name(&self) -> &str;

    /// Which provider implements it.
    fn kind(&self) -> NetdevKind;

    /// The kernel interface index (a process-unique synthetic one for dummies).
    fn ifindex(&self) -> Result<u32>;

    /// Receives up to `batch.capacity()` frames without blocking, replacing the batch's
    /// contents; returns how many (0 when nothing is waiting). Called by the port's poll thread.
    fn recv_batch(&self, batch: &mut RxBatch) -> Result<usize>;

    /// Transmits `pkts` without blocking; returns how many the port accepted (the others were
    /// dropped and counted). Callable from several threads at once.
    fn send_batch(&self, pkts: &[TxPacket<'_>]) -> Result<usize>;

    /// A descriptor that is readable when `recv_batch` has something to return.
    fn rx_fd(&self) -> BorrowedFd<'_>;

    /// The MTU (IP payload bytes, excluding the Ethernet header).
    fn mtu(&self) -> Result<u32>;

    /// Sets the MTU.
    fn set_mtu(&self, mtu: u32) -> Result<()>;

    /// The Ethernet address.
    fn mac(&self) -> Result<MacAddr>;

    /// Sets the Ethernet address.
    fn set_mac(&self, mac: MacAddr) -> Result<()>;

    /// Whether administratively up.
    fn is_up(&self) -> Result<bool>;

    /// Brings the port up or down administratively.
    fn set_up(&self, up: bool) -> Result<()>;

    /// Whether the link has carrier (false when administratively down).
    fn carrier(&self) -> Result<bool>;

    /// Counters, from the switch's point of view (rx = received by the switch).
    fn stats(&self) -> Result<NetdevStats>;

    /// What the port delivers and accepts besides plain frames.
    fn offloads(&self) -> Offloads;
}

fn bool_option(options: &BTreeMap<String, String>, key: &str, default: bool) -> Result<bool> {
    match options.get(key).map(String::as_str) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(v) => Err(NetdevError::InvalidArgument(format!(
            "{key}={v}: expected true or false"
        ))),
    }
}

fn reject_unknown(options: &BTreeMap<String, String>, known: &[&str], kind: &str) -> Result<()> {
    match options.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(NetdevError::InvalidArgument(format!(
            "{k}: unknown option for {kind} ports"
        ))),
        None => Ok(()),
    }
}

/// Opens port `name` of OVSDB Interface type `kind` (`""`/`"system"`, `"tap"`, `"internal"`,
/// `"dummy"`) with the Interface `options`.
///
/// Options: system — `vnet_hdr`, `promisc`, `qdisc_bypass`, `rx_ring` (true/false); tap — `vnet_hdr`,
/// `offload`, `persistent`; dummy — see [`dummy::DummyOptions::from_map`].
pub fn open(kind: &str, name: &str, options: &BTreeMap<String, String>) -> Result<Box<dyn Netdev>> {
    match kind {
        "" | "system" => {
            reject_unknown(
                options,
                &["vnet_hdr", "promisc", "qdisc_bypass", "rx_ring"],
                "system",
            )?;
            let d = system::SystemOptions::default();
            let opts = system::SystemOptions {
                vnet_hdr: bool_option(options, "vnet_hdr", d.vnet_hdr)?,
                promisc: bool_option(options, "promisc", d.promisc)?,
                qdisc_bypass: bool_option(options, "qdisc_bypass", d.qdisc_bypass)?,
                rx_ring: bool_option(options, "rx_ring", d.rx_ring)?,
            };
            Ok(Box::new(system::SystemNetdev::open_with(name, opts)?))
        }
        "tap" => {
            reject_unknown(options, &["vnet_hdr", "offload", "persistent"], "tap")?;
            let d = tap::TapOptions::default();
            let opts = tap::TapOptions {
                vnet_hdr: bool_option(options, "vnet_hdr", d.vnet_hdr)?,
                offload: bool_option(options, "offload", d.offload)?,
                persistent: bool_option(options, "persistent", d.persistent)?,
            };
            Ok(Box::new(tap::TapNetdev::open(name, opts)?))
        }
        "internal" => {
            reject_unknown(options, &[], "internal")?;
            Ok(Box::new(tap::TapNetdev::open_internal(name)?))
        }
        "patch" => {
            reject_unknown(options, &["peer"], "patch")?;
            let peer = options.get("peer").map(String::as_str).unwrap_or_default();
            Ok(Box::new(patch::PatchNetdev::open(name, peer)?))
        }
        "dummy" => {
            let opts = dummy::DummyOptions::from_map(options)?;
            Ok(Box::new(dummy::DummyNetdev::open(name, &opts)?))
        }
        other => Err(NetdevError::InvalidArgument(format!(
            "{name}: unsupported interface type {other:?}"
        ))),
    }
}

/// Sleeps until one of `fds` (e.g. [`Netdev::rx_fd`]s) is readable or `timeout` passes
/// (`None`: no limit). Returns whether any became readable. At most 64 descriptors.
pub fn wait_readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> Result<bool> {
    sys::poll_readable(fds, timeout).map_err(|e| NetdevError::Io {
        name: "poll".into(),
        op: "wait for packets",
        source: e,
    })
}
