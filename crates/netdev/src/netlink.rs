//! Just enough rtnetlink for the port layer: querying one link (`RTM_GETLINK`: flags, MTU,
//! address, carrier, 64-bit statistics) and listening to the `RTNLGRP_LINK` multicast group so
//! the switch learns when an interface appears, changes or disappears (a VM's tap created after
//! `add-port`, a veth deleted under a running switch).
//!
//! The socket side is a plain `NETLINK_ROUTE` datagram socket read and written as a file; the
//! message side is a pure, bounds-checked parser ([`parse_link_messages`]) that skips anything
//! malformed instead of panicking, so it is unit-tested on hand-made byte strings. A netlink
//! socket belongs to the network namespace of the thread that created it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{NetdevError, Result};
use crate::sys;
use crate::types::{MacAddr, NetdevStats};

const NLMSG_HDRLEN: usize = 16;
const IFINFO_LEN: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSG_OVERRUN: u16 = 4;
const RTM_NEWLINK: u16 = 16;
const RTM_DELLINK: u16 = 17;
const RTM_GETLINK: u16 = 18;
const NLM_F_REQUEST: u16 = 1;
const IFLA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFLA_STATS64: u16 = 23;
const IFLA_CARRIER: u16 = 33;
/// `IFF_LOWER_UP`: the link has carrier (reported in netlink flags only).
pub const IFF_LOWER_UP: u32 = 0x1_0000;

static SEQ: AtomicU32 = AtomicU32::new(1);

/// What one `RTM_NEWLINK`/`RTM_DELLINK` message says about an interface.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkInfo {
    /// Interface index.
    pub ifindex: u32,
    /// Name, when present.
    pub name: Option<String>,
    /// `IFF_*` flags (including `IFF_LOWER_UP`).
    pub flags: u32,
    /// MTU.
    pub mtu: Option<u32>,
    /// Hardware address, when it is an Ethernet address.
    pub mac: Option<MacAddr>,
    /// Carrier (`IFLA_CARRIER`).
    pub carrier: Option<bool>,
    /// Kernel counters (`IFLA_STATS64`).
    pub stats: Option<NetdevStats>,
}

impl LinkInfo {
    /// Whether the interface is administratively up.
    pub fn is_up(&self) -> bool {
        self.flags & libc::IFF_UP as u32 != 0
    }

    /// Whether the link has carrier (`IFLA_CARRIER`, else `IFF_LOWER_UP`).
    pub fn has_carrier(&self) -> bool {
        self.carrier.unwrap_or(self.flags & IFF_LOWER_UP != 0)
    }
}

/// A change reported by a [`LinkMonitor`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkEvent {
    /// An interface was created or changed (flags, MTU, address, name, carrier...).
    New(LinkInfo),
    /// An interface was deleted (or moved to another namespace).
    Deleted(LinkInfo),
    /// The kernel dropped notifications (receive buffer overrun): the listener must re-check
    /// every interface it cares about.
    Overflow,
}

/// One parsed netlink message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NlMessage {
    /// `RTM_NEWLINK` (`true`) or `RTM_DELLINK` (`false`).
    Link(bool, LinkInfo),
    /// `NLMSG_ERROR` with its (negative errno, 0 for an ack) code.
    Error(i32),
    /// `NLMSG_DONE`.
    Done,
    /// `NLMSG_OVERRUN`.
    Overrun,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(i..i + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

fn parse_stats64(d: &[u8]) -> Option<NetdevStats> {
    let f = |i: usize| u64_at(d, i * 8);
    Some(NetdevStats {
        rx_packets: f(0)?,
        tx_packets: f(1)?,
        rx_bytes: f(2)?,
        tx_bytes: f(3)?,
        rx_errors: f(4)?,
        tx_errors: f(5)?,
        rx_dropped: f(6)?,
        tx_dropped: f(7)?,
        multicast: f(8)?,
        collisions: f(9)?,
    })
}

fn parse_link(body: &[u8]) -> Option<LinkInfo> {
    let ifindex = u32_at(body, 4)?;
    let flags = u32_at(body, 8)?;
    let mut info = LinkInfo {
        ifindex,
        flags,
        ..Default::default()
    };
    let mut off = IFINFO_LEN;
    while off + 4 <= body.len() {
        let len = usize::from(u16_at(body, off)?);
        let ty = u16_at(body, off + 2)? & 0x3fff;
        if len < 4 || off + len > body.len() {
            break;
        }
        let d = &body[off + 4..off + len];
        match ty {
            IFLA_IFNAME => {
                let s: Vec<u8> = d.iter().copied().take_while(|c| *c != 0).collect();
                info.name = Some(String::from_utf8_lossy(&s).into_owned());
            }
            IFLA_MTU => info.mtu = u32_at(d, 0),
            IFLA_ADDRESS => {
                if let Ok(a) = <[u8; 6]>::try_from(d) {
                    info.mac = Some(MacAddr(a));
                }
            }
            IFLA_CARRIER => info.carrier = d.first().map(|c| *c != 0),
            IFLA_STATS64 => info.stats = parse_stats64(d),
            _ => {}
        }
        off += len.div_ceil(4) * 4;
    }
    Some(info)
}

/// Parses every netlink message in `buf` (one datagram), appending the interesting ones to
/// `out`. Malformed or truncated messages end the parse; nothing panics.
pub fn parse_link_messages(buf: &[u8], out: &mut Vec<NlMessage>) {
    let mut off = 0usize;
    while off + NLMSG_HDRLEN <= buf.len() {
        let (Some(len), Some(ty)) = (u32_at(buf, off), u16_at(buf, off + 4)) else {
            return;
        };
        let len = len as usize;
        if len < NLMSG_HDRLEN || off + len > buf.len() {
            return;
        }
        let body = &buf[off + NLMSG_HDRLEN..off + len];
        match ty {
            RTM_NEWLINK | RTM_DELLINK => {
                if let Some(info) = parse_link(body) {
                    out.push(NlMessage::Link(ty == RTM_NEWLINK, info));
                }
            }
            NLMSG_ERROR => {
                if let Some(code) = u32_at(body, 0) {
                    out.push(NlMessage::Error(code as i32));
                }
            }
            NLMSG_DONE => out.push(NlMessage::Done),
            NLMSG_OVERRUN => out.push(NlMessage::Overrun),
            _ => {}
        }
        off += len.div_ceil(4) * 4;
    }
}

fn nl_socket(groups: u32) -> io::Result<File> {
    let fd = sys::socket(
        libc::AF_NETLINK,
        libc::SOCK_RAW | libc::SOCK_NONBLOCK,
        libc::NETLINK_ROUTE,
    )?;
    sys::bind_netlink(fd.as_fd(), groups)?;
    Ok(File::from(fd))
}

/// A request socket for querying links.
#[derive(Debug)]
pub struct RtnlSocket {
    file: File,
    buf: Vec<u8>,
}

impl RtnlSocket {
    /// Opens a socket in the calling thread's network namespace.
    pub fn new() -> io::Result<RtnlSocket> {
        Ok(RtnlSocket {
            file: nl_socket(0)?,
            buf: vec![0; 32 * 1024],
        })
    }

    /// Asks the kernel about interface `ifindex`. Errors with the kernel's errno (ENODEV when
    /// it does not exist).
    pub fn get_link(&mut self, ifindex: u32) -> io::Result<LinkInfo> {
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let mut req = [0u8; NLMSG_HDRLEN + IFINFO_LEN];
        req[0..4].copy_from_slice(&((NLMSG_HDRLEN + IFINFO_LEN) as u32).to_ne_bytes());
        req[4..6].copy_from_slice(&RTM_GETLINK.to_ne_bytes());
        req[6..8].copy_from_slice(&NLM_F_REQUEST.to_ne_bytes());
        req[8..12].copy_from_slice(&seq.to_ne_bytes());
        req[20..24].copy_from_slice(&(ifindex as i32).to_ne_bytes());
        self.file.write_all(&req)?;
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut msgs = Vec::new();
        loop {
            match self.file.read(&mut self.buf) {
                Ok(n) => {
                    msgs.clear();
                    let Some(data) = self.buf.get(..n) else {
                        continue;
                    };
                    // Only answers to our request (other sequence numbers are stale replies).
                    if u32_at(data, 8) != Some(seq) {
                        continue;
                    }
                    parse_link_messages(data, &mut msgs);
                    for m in msgs.drain(..) {
                        match m {
                            NlMessage::Link(true, info) if info.ifindex == ifindex => {
                                return Ok(info)
                            }
                            NlMessage::Error(code) if code < 0 => {
                                return Err(io::Error::from_raw_os_error(-code))
                            }
                            _ => {}
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(io::Error::from(io::ErrorKind::TimedOut));
                    }
                    sys::poll_readable(&[self.file.as_fd()], Some(left))?;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Listens for link changes (`RTNLGRP_LINK`) in the namespace of the thread that created it.
/// Non-blocking: poll [`LinkMonitor::fd`] for readability, then call [`LinkMonitor::poll`].
#[derive(Debug)]
pub struct LinkMonitor {
    file: File,
    buf: Vec<u8>,
    scratch: Vec<NlMessage>,
}

impl LinkMonitor {
    /// Subscribes to link notifications.
    pub fn new() -> Result<LinkMonitor> {
        let file = nl_socket(libc::RTMGRP_LINK as u32)
            .map_err(|e| NetdevError::io("rtnetlink", "open link monitor", e))?;
        Ok(LinkMonitor {
            file,
            buf: vec![0; 64 * 1024],
            scratch: Vec::new(),
        })
    }

    /// The descriptor that becomes readable when events are pending.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// Appends every pending event to `out` without blocking; returns how many were added.
    pub fn poll(&mut self, out: &mut Vec<LinkEvent>) -> Result<usize> {
        let before = out.len();
        loop {
            match self.file.read(&mut self.buf) {
                Ok(n) => {
                    self.scratch.clear();
                    parse_link_messages(self.buf.get(..n).unwrap_or(&[]), &mut self.scratch);
                    for m in self.scratch.drain(..) {
                        match m {
                            NlMessage::Link(true, info) => out.push(LinkEvent::New(info)),
                            NlMessage::Link(false, info) => out.push(LinkEvent::Deleted(info)),
                            NlMessage::Overrun => out.push(LinkEvent::Overflow),
                            _ => {}
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => out.push(LinkEvent::Overflow),
                Err(e) => return Err(NetdevError::io("rtnetlink", "read link events", e)),
            }
        }
        Ok(out.len() - before)
    }

    /// Waits up to `timeout` for events and returns them (possibly none).
    pub fn wait(&mut self, timeout: Duration, out: &mut Vec<LinkEvent>) -> Result<usize> {
        sys::poll_readable(&[self.file.as_fd()], Some(timeout))
            .map_err(|e| NetdevError::io("rtnetlink", "wait for link events", e))?;
        self.poll(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(ty: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&((4 + data.len()) as u16).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(data);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    fn msg(ty: u16, ifindex: i32, flags: u32, attrs: &[Vec<u8>]) -> Vec<u8> {
        let mut body = vec![0u8; IFINFO_LEN];
        body[4..8].copy_from_slice(&ifindex.to_ne_bytes());
        body[8..12].copy_from_slice(&flags.to_ne_bytes());
        for a in attrs {
            body.extend_from_slice(a);
        }
        let mut v = Vec::new();
        v.extend_from_slice(&((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&[0; 10]);
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn parses_new_and_del_link() {
        let mut stats = vec![0u8; 8 * 24];
        stats[..8].copy_from_slice(&5u64.to_ne_bytes());
        stats[24..32].copy_from_slice(&700u64.to_ne_bytes());
        let mut buf = msg(
            RTM_NEWLINK,
            7,
            libc::IFF_UP as u32 | IFF_LOWER_UP,
            &[
                attr(IFLA_IFNAME, b"tap0\0"),
                attr(IFLA_MTU, &1500u32.to_ne_bytes()),
                attr(IFLA_ADDRESS, &[2, 0, 0, 0, 0, 1]),
                attr(IFLA_CARRIER, &[1]),
                attr(IFLA_STATS64, &stats),
                attr(999, &[1, 2, 3]),
            ],
        );
        buf.extend(msg(RTM_DELLINK, 8, 0, &[attr(IFLA_IFNAME, b"gone\0")]));
        let mut out = Vec::new();
        parse_link_messages(&buf, &mut out);
        assert_eq!(out.len(), 2);
        let NlMessage::Link(true, a) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(a.ifindex, 7);
        assert_eq!(a.name.as_deref(), Some("tap0"));
        assert_eq!(a.mtu, Some(1500));
        assert_eq!(a.mac, Some(MacAddr([2, 0, 0, 0, 0, 1])));
        assert!(a.is_up() && a.has_carrier());
        let s = a.stats.unwrap();
        assert_eq!((s.rx_packets, s.tx_bytes), (5, 700));
        assert_eq!(
            out[1],
            NlMessage::Link(
                false,
                LinkInfo {
                    ifindex: 8,
                    name: Some("gone".into()),
                    ..Default::default()
                }
            )
        );
    }

    #[test]
    fn malformed_input_never_panics() {
        let good = msg(RTM_NEWLINK, 1, 0, &[attr(IFLA_IFNAME, b"x\0")]);
        for cut in 0..good.len() {
            let mut out = Vec::new();
            parse_link_messages(&good[..cut], &mut out);
        }
        // Attribute length running past the message.
        let mut bad = good.clone();
        bad[NLMSG_HDRLEN + IFINFO_LEN] = 200;
        let mut out = Vec::new();
        parse_link_messages(&bad, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0],
            NlMessage::Link(
                true,
                LinkInfo {
                    ifindex: 1,
                    ..Default::default()
                }
            )
        );
        // Garbage bytes.
        let mut out = Vec::new();
        parse_link_messages(&[0xffu8; 300], &mut out);
        parse_link_messages(&[0u8; 300], &mut out);
        assert!(out.is_empty());
    }
}
