//! The only module of this crate that contains `unsafe` code: thin, audited wrappers around the
//! Linux system calls the port layer needs (AF_PACKET and netlink sockets, interface ioctls, tap
//! setup, `recvmmsg`/`sendmmsg`, `readv`/`writev`, `poll`, `eventfd`).
//!
//! Every wrapper takes safe Rust types (borrowed file descriptors, slices, plain values), checks
//! whatever the kernel will rely on (buffer sizes, name lengths, batch sizes) *before* the call,
//! and returns `io::Result`. Raw pointers handed to the kernel always point into slices that are
//! borrowed for the duration of the call, so the kernel never writes outside memory we own. The
//! rest of the crate is safe code built on these functions.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::Duration;

use libc::{c_int, c_short, c_ulong, c_void};

use crate::types::{TxPacket, VnetHdr};

/// Most messages handed to one `recvmmsg`/`sendmmsg` call.
pub(crate) const MAX_MSGS: usize = 64;

/// `SOL_PACKET` socket options (linux/if_packet.h).
pub(crate) const PACKET_ADD_MEMBERSHIP: c_int = 1;
pub(crate) const PACKET_AUXDATA: c_int = 8;
pub(crate) const PACKET_VNET_HDR: c_int = 15;
pub(crate) const PACKET_QDISC_BYPASS: c_int = 20;
pub(crate) const PACKET_IGNORE_OUTGOING: c_int = 23;
pub(crate) const PACKET_MR_PROMISC: u16 = 1;
/// `sll_pkttype` of frames this host sent out of the interface.
pub(crate) const PACKET_OUTGOING: u8 = 4;
const TP_STATUS_VLAN_VALID: u32 = 0x10;
const TP_STATUS_VLAN_TPID_VALID: u32 = 0x40;

fn cvt(r: c_int) -> io::Result<c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

fn cvt_size(r: isize) -> io::Result<usize> {
    usize::try_from(r).map_err(|_| io::Error::last_os_error())
}

/// Creates a socket (always close-on-exec).
pub(crate) fn socket(domain: c_int, ty: c_int, protocol: c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes only integers; on success it returns a new descriptor that
    // nothing else owns, so wrapping it in OwnedFd transfers sole ownership.
    let fd = cvt(unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, protocol) })?;
    // SAFETY: `fd` is a freshly created, valid descriptor owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Creates a non-blocking, close-on-exec eventfd.
pub(crate) fn eventfd() -> io::Result<OwnedFd> {
    // SAFETY: eventfd(2) takes only integers and returns a new descriptor.
    let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
    // SAFETY: `fd` is a freshly created, valid descriptor owned by no one else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Sets a socket option whose value is the plain-old-data `T` (an int or a kernel struct).
pub(crate) fn setsockopt<T: Copy>(
    fd: BorrowedFd<'_>,
    level: c_int,
    name: c_int,
    value: &T,
) -> io::Result<()> {
    let len = libc::socklen_t::try_from(size_of::<T>())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `value` is a live reference to `size_of::<T>()` readable bytes for the duration
    // of the call; the kernel only reads `len` bytes from it.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast::<c_void>(),
            len,
        )
    })
    .map(drop)
}

/// `struct packet_mreq` (linux/if_packet.h).
#[repr(C)]
#[derive(Clone, Copy)]
pub(crate) struct PacketMreq {
    pub ifindex: c_int,
    pub kind: u16,
    pub alen: u16,
    pub address: [u8; 8],
}

/// Binds an AF_PACKET socket to `ifindex`, receiving frames of `protocol` (host order).
pub(crate) fn bind_packet(fd: BorrowedFd<'_>, ifindex: u32, protocol: u16) -> io::Result<()> {
    // SAFETY: sockaddr_ll is plain old data for which all-zero bytes are a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = protocol.to_be();
    sll.sll_ifindex =
        c_int::try_from(ifindex).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `sll` is a valid sockaddr_ll that lives across the call and its exact size is
    // passed, so the kernel reads only initialised memory we own.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast::<libc::sockaddr>(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Binds a netlink socket, subscribing to the multicast `groups` bitmask.
pub(crate) fn bind_netlink(fd: BorrowedFd<'_>, groups: u32) -> io::Result<()> {
    // SAFETY: sockaddr_nl is plain old data for which all-zero bytes are a valid value.
    let mut snl: libc::sockaddr_nl = unsafe { zeroed() };
    snl.nl_family = libc::AF_NETLINK as u16;
    snl.nl_groups = groups;
    // SAFETY: `snl` is a valid sockaddr_nl that lives across the call and its exact size is
    // passed.
    cvt(unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&snl as *const libc::sockaddr_nl).cast::<libc::sockaddr>(),
            size_of::<libc::sockaddr_nl>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// A zeroed `struct ifreq` carrying `name`, which must be 1..=15 bytes without NUL.
fn ifreq(name: &str) -> io::Result<libc::ifreq> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ || bytes.contains(&0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name must be 1 to 15 bytes",
        ));
    }
    // SAFETY: ifreq is plain old data (a name array and a union of integers, sockaddrs and a
    // pointer); all-zero bytes are a valid value of every union member.
    let mut ifr: libc::ifreq = unsafe { zeroed() };
    for (dst, src) in ifr.ifr_name.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    Ok(ifr)
}

fn ifreq_name(ifr: &libc::ifreq) -> String {
    let bytes: Vec<u8> = ifr
        .ifr_name
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Issues an ifreq ioctl (SIOCxIFxxx, TUNSETIFF) on `fd`.
fn ioctl_ifreq(fd: BorrowedFd<'_>, req: c_ulong, ifr: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: `ifr` is a valid, exclusively borrowed ifreq for the whole call; the interface
    // ioctls used here read and write only within `struct ifreq`.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), req as _, ifr as *mut libc::ifreq) }).map(drop)
}

/// SIOCGIFINDEX.
pub(crate) fn get_ifindex(fd: BorrowedFd<'_>, name: &str) -> io::Result<u32> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFINDEX, &mut ifr)?;
    // SAFETY: SIOCGIFINDEX succeeded, so the kernel stored the index in `ifru_ifindex`; every
    // member of the union is plain data anyway.
    let idx = unsafe { ifr.ifr_ifru.ifru_ifindex };
    u32::try_from(idx).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

/// SIOCGIFMTU.
pub(crate) fn get_mtu(fd: BorrowedFd<'_>, name: &str) -> io::Result<u32> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFMTU, &mut ifr)?;
    // SAFETY: SIOCGIFMTU stores the MTU in `ifru_mtu`; the union holds plain data.
    let mtu = unsafe { ifr.ifr_ifru.ifru_mtu };
    u32::try_from(mtu).map_err(|_| io::Error::from(io::ErrorKind::InvalidData))
}

/// SIOCSIFMTU.
pub(crate) fn set_mtu(fd: BorrowedFd<'_>, name: &str, mtu: u32) -> io::Result<()> {
    let mut ifr = ifreq(name)?;
    ifr.ifr_ifru.ifru_mtu =
        c_int::try_from(mtu).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    ioctl_ifreq(fd, libc::SIOCSIFMTU, &mut ifr)
}

/// SIOCGIFFLAGS (the 16 low flag bits).
pub(crate) fn get_flags(fd: BorrowedFd<'_>, name: &str) -> io::Result<u16> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFFLAGS, &mut ifr)?;
    // SAFETY: SIOCGIFFLAGS stores the flags in `ifru_flags`; the union holds plain data.
    Ok(unsafe { ifr.ifr_ifru.ifru_flags } as u16)
}

/// SIOCSIFFLAGS.
pub(crate) fn set_flags(fd: BorrowedFd<'_>, name: &str, flags: u16) -> io::Result<()> {
    let mut ifr = ifreq(name)?;
    ifr.ifr_ifru.ifru_flags = flags as c_short;
    ioctl_ifreq(fd, libc::SIOCSIFFLAGS, &mut ifr)
}

/// SIOCGIFHWADDR: the 6-byte Ethernet address.
pub(crate) fn get_hwaddr(fd: BorrowedFd<'_>, name: &str) -> io::Result<[u8; 6]> {
    let mut ifr = ifreq(name)?;
    ioctl_ifreq(fd, libc::SIOCGIFHWADDR, &mut ifr)?;
    // SAFETY: SIOCGIFHWADDR stores a sockaddr in `ifru_hwaddr`; the union holds plain data.
    let sa = unsafe { ifr.ifr_ifru.ifru_hwaddr };
    let mut mac = [0u8; 6];
    for (dst, src) in mac.iter_mut().zip(sa.sa_data.iter()) {
        *dst = *src as u8;
    }
    Ok(mac)
}

/// SIOCSIFHWADDR with an Ethernet address.
pub(crate) fn set_hwaddr(fd: BorrowedFd<'_>, name: &str, mac: [u8; 6]) -> io::Result<()> {
    let mut ifr = ifreq(name)?;
    // SAFETY: sockaddr is plain old data; all-zero bytes are valid.
    let mut sa: libc::sockaddr = unsafe { zeroed() };
    sa.sa_family = libc::ARPHRD_ETHER;
    for (dst, src) in sa.sa_data.iter_mut().zip(mac.iter()) {
        *dst = *src as libc::c_char;
    }
    ifr.ifr_ifru.ifru_hwaddr = sa;
    ioctl_ifreq(fd, libc::SIOCSIFHWADDR, &mut ifr)
}

/// TUNSETIFF: attaches the /dev/net/tun descriptor to device `name` (created if missing) with
/// `flags`; returns the device's actual name.
pub(crate) fn tun_set_iff(fd: BorrowedFd<'_>, name: &str, flags: c_int) -> io::Result<String> {
    let mut ifr = ifreq(name)?;
    ifr.ifr_ifru.ifru_flags = flags as c_short;
    ioctl_ifreq(fd, libc::TUNSETIFF as c_ulong, &mut ifr)?;
    Ok(ifreq_name(&ifr))
}

/// A tun ioctl whose argument is passed by value (TUNSETPERSIST, TUNSETOFFLOAD).
pub(crate) fn tun_ioctl_value(fd: BorrowedFd<'_>, req: c_ulong, value: c_ulong) -> io::Result<()> {
    // SAFETY: these tun ioctls take their argument as an integer, not a pointer, so the kernel
    // dereferences no memory of ours.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), req as _, value) }).map(drop)
}

/// A tun ioctl whose argument is a pointer to an int (TUNSETVNETHDRSZ).
pub(crate) fn tun_ioctl_int_ptr(fd: BorrowedFd<'_>, req: c_ulong, value: c_int) -> io::Result<()> {
    let v = value;
    // SAFETY: `v` lives on the stack across the call; the kernel reads one int from it.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), req as _, &v as *const c_int) }).map(drop)
}

/// `readv` into `head` then `body`.
pub(crate) fn readv2(fd: BorrowedFd<'_>, head: &mut [u8], body: &mut [u8]) -> io::Result<usize> {
    let iov = [
        libc::iovec {
            iov_base: head.as_mut_ptr().cast(),
            iov_len: head.len(),
        },
        libc::iovec {
            iov_base: body.as_mut_ptr().cast(),
            iov_len: body.len(),
        },
    ];
    let (iov, cnt) = if head.is_empty() {
        (&iov[1..], 1)
    } else {
        (&iov[..], 2)
    };
    // SAFETY: each iovec points into a slice exclusively borrowed for this call with its exact
    // length, so the kernel writes only memory we own.
    cvt_size(unsafe { libc::readv(fd.as_raw_fd(), iov.as_ptr(), cnt) })
}

/// `writev` of `head` then `body`.
pub(crate) fn writev2(fd: BorrowedFd<'_>, head: &[u8], body: &[u8]) -> io::Result<usize> {
    let iov = [
        libc::iovec {
            iov_base: head.as_ptr() as *mut c_void,
            iov_len: head.len(),
        },
        libc::iovec {
            iov_base: body.as_ptr() as *mut c_void,
            iov_len: body.len(),
        },
    ];
    let (iov, cnt) = if head.is_empty() {
        (&iov[1..], 1)
    } else {
        (&iov[..], 2)
    };
    // SAFETY: each iovec points into a slice borrowed for this call with its exact length;
    // writev only reads from them.
    cvt_size(unsafe { libc::writev(fd.as_raw_fd(), iov.as_ptr(), cnt) })
}

/// Waits until one of `fds` is readable (or reports an error/hang-up) or `timeout` passes
/// (`None`: forever). Returns whether any is ready. At most 64 descriptors.
pub(crate) fn poll_readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> io::Result<bool> {
    if fds.len() > MAX_MSGS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "too many descriptors",
        ));
    }
    let mut pfds = [libc::pollfd {
        fd: -1,
        events: 0,
        revents: 0,
    }; MAX_MSGS];
    for (p, fd) in pfds.iter_mut().zip(fds) {
        p.fd = fd.as_raw_fd();
        p.events = libc::POLLIN;
    }
    let ms = match timeout {
        None => -1,
        Some(d) => c_int::try_from(d.as_millis()).unwrap_or(c_int::MAX),
    };
    loop {
        // SAFETY: `pfds` is a live local array and we pass at most its length.
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
        match cvt(r) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// What the kernel said about one received message.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RecvMeta {
    /// Bytes stored in the frame buffer (the virtio-net header not included).
    pub len: usize,
    /// The frame did not fit its buffer.
    pub truncated: bool,
    /// `sll_pkttype`.
    pub pkttype: u8,
    /// A VLAN tag the kernel stripped into metadata: (TPID, TCI).
    pub vlan: Option<(u16, u16)>,
}

/// Control-message buffer for one `PACKET_AUXDATA` cmsg, aligned like `struct cmsghdr`.
#[repr(C, align(8))]
#[derive(Clone, Copy)]
struct CmsgBuf([u8; 64]);

/// Parses the `tpacket_auxdata` control message, if any, in `ctl` for a VLAN tag.
fn auxdata_vlan(ctl: &[u8]) -> Option<(u16, u16)> {
    let hdr = size_of::<libc::cmsghdr>();
    let align = size_of::<usize>();
    let mut off = 0usize;
    while off + hdr <= ctl.len() {
        let len = usize::from_ne_bytes(ctl.get(off..off + align)?.try_into().ok()?);
        let level = i32::from_ne_bytes(ctl.get(off + align..off + align + 4)?.try_into().ok()?);
        let ty = i32::from_ne_bytes(ctl.get(off + align + 4..off + align + 8)?.try_into().ok()?);
        if len < hdr {
            return None;
        }
        if level == libc::SOL_PACKET && ty == PACKET_AUXDATA {
            // struct tpacket_auxdata: status u32, len u32, snaplen u32, mac u16, net u16,
            // vlan_tci u16, vlan_tpid u16.
            let d = ctl.get(off + hdr..off + len)?;
            let status = u32::from_ne_bytes(d.get(0..4)?.try_into().ok()?);
            let tci = u16::from_ne_bytes(d.get(16..18)?.try_into().ok()?);
            let tpid = u16::from_ne_bytes(d.get(18..20)?.try_into().ok()?);
            if status & TP_STATUS_VLAN_VALID != 0 || tci != 0 {
                let tpid = if status & TP_STATUS_VLAN_TPID_VALID != 0 && tpid != 0 {
                    tpid
                } else {
                    0x8100
                };
                return Some((tpid, tci));
            }
            return None;
        }
        off += len.div_ceil(align) * align;
    }
    None
}

/// One `recvmmsg` on an AF_PACKET socket into up to `n` slots of `arena` (each `slot_size`
/// bytes, frame stored from byte `data_off` of its slot). With `vnet` the first
/// [`VnetHdr::LEN`] bytes of every message go to `vnet[i]`. Returns how many messages arrived;
/// `meta[i]` describes message `i`.
pub(crate) fn recvmmsg_packet(
    fd: BorrowedFd<'_>,
    arena: &mut [u8],
    slot_size: usize,
    data_off: usize,
    n: usize,
    mut vnet: Option<&mut [[u8; VnetHdr::LEN]]>,
    meta: &mut [RecvMeta],
) -> io::Result<usize> {
    let n = n.min(MAX_MSGS).min(meta.len());
    let n = match vnet.as_deref() {
        Some(v) => n.min(v.len()),
        None => n,
    };
    if slot_size == 0 || data_off >= slot_size || n == 0 {
        return Ok(0);
    }
    let null_iov = libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    };
    let mut iov = [null_iov; 2 * MAX_MSGS];
    // SAFETY: sockaddr_ll is plain old data; all-zero bytes are valid.
    let mut names: [libc::sockaddr_ll; MAX_MSGS] = unsafe { zeroed() };
    let mut ctl = [CmsgBuf([0; 64]); MAX_MSGS];
    // SAFETY: mmsghdr is plain old data (integers and raw pointers); all-zero bytes are valid
    // (null pointers with zero lengths).
    let mut msgs: [libc::mmsghdr; MAX_MSGS] = unsafe { zeroed() };
    let mut count = 0usize;
    for (i, slot) in arena.chunks_exact_mut(slot_size).take(n).enumerate() {
        let body = &mut slot[data_off..];
        let per = if let Some(v) = vnet.as_deref_mut() {
            let h = &mut v[i];
            iov[2 * i] = libc::iovec {
                iov_base: h.as_mut_ptr().cast(),
                iov_len: h.len(),
            };
            iov[2 * i + 1] = libc::iovec {
                iov_base: body.as_mut_ptr().cast(),
                iov_len: body.len(),
            };
            2
        } else {
            iov[2 * i] = libc::iovec {
                iov_base: body.as_mut_ptr().cast(),
                iov_len: body.len(),
            };
            1
        };
        let m = &mut msgs[i].msg_hdr;
        m.msg_name = (&mut names[i] as *mut libc::sockaddr_ll).cast();
        m.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        m.msg_iov = &mut iov[2 * i];
        m.msg_iovlen = per;
        m.msg_control = ctl[i].0.as_mut_ptr().cast();
        m.msg_controllen = ctl[i].0.len();
        count += 1;
    }
    if count == 0 {
        return Ok(0);
    }
    // SAFETY: the first `count` mmsghdrs point (name, iovecs, control) only into locals and
    // into `arena`/`vnet` slices exclusively borrowed for this call, each with its exact length,
    // so the kernel writes only memory we own; the array has at least `count` entries.
    let got = cvt(unsafe {
        libc::recvmmsg(
            fd.as_raw_fd(),
            msgs.as_mut_ptr(),
            count as libc::c_uint,
            libc::MSG_DONTWAIT | libc::MSG_TRUNC,
            std::ptr::null_mut(),
        )
    })? as usize;
    let hlen = if vnet.is_some() { VnetHdr::LEN } else { 0 };
    let room = slot_size - data_off;
    for i in 0..got.min(count) {
        let total = msgs[i].msg_len as usize;
        let flags = msgs[i].msg_hdr.msg_flags;
        let ctl_len = msgs[i].msg_hdr.msg_controllen.min(ctl[i].0.len());
        let body = total.saturating_sub(hlen);
        meta[i] = RecvMeta {
            len: body.min(room),
            truncated: body > room || flags & libc::MSG_TRUNC != 0 || total < hlen,
            pkttype: names[i].sll_pkttype,
            vlan: auxdata_vlan(&ctl[i].0[..ctl_len]),
        };
    }
    Ok(got.min(count))
}

/// One `sendmmsg` of up to [`MAX_MSGS`] of `pkts` on a connected/bound AF_PACKET socket; with
/// `vnet` every message is prefixed by the packet's virtio-net header (zeroes when it has
/// none). Returns how many the kernel accepted; an error concerns the first packet.
pub(crate) fn sendmmsg_packet(
    fd: BorrowedFd<'_>,
    pkts: &[TxPacket<'_>],
    vnet: bool,
) -> io::Result<usize> {
    let n = pkts.len().min(MAX_MSGS);
    if n == 0 {
        return Ok(0);
    }
    let mut hdrs = [[0u8; VnetHdr::LEN]; MAX_MSGS];
    let null_iov = libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    };
    let mut iov = [null_iov; 2 * MAX_MSGS];
    // SAFETY: mmsghdr is plain old data; all-zero bytes are valid (null pointers, zero lengths).
    let mut msgs: [libc::mmsghdr; MAX_MSGS] = unsafe { zeroed() };
    for (i, p) in pkts.iter().take(n).enumerate() {
        let per = if vnet {
            hdrs[i] = p.vnet.unwrap_or_default().to_bytes();
            iov[2 * i] = libc::iovec {
                iov_base: hdrs[i].as_mut_ptr().cast(),
                iov_len: VnetHdr::LEN,
            };
            iov[2 * i + 1] = libc::iovec {
                iov_base: p.data.as_ptr() as *mut c_void,
                iov_len: p.data.len(),
            };
            2
        } else {
            iov[2 * i] = libc::iovec {
                iov_base: p.data.as_ptr() as *mut c_void,
                iov_len: p.data.len(),
            };
            1
        };
        msgs[i].msg_hdr.msg_iov = &mut iov[2 * i];
        msgs[i].msg_hdr.msg_iovlen = per;
    }
    // SAFETY: the first `n` mmsghdrs reference only the local header array and packet slices
    // borrowed for this call, each with its exact length; sendmmsg only reads them.
    let sent = cvt(unsafe {
        libc::sendmmsg(
            fd.as_raw_fd(),
            msgs.as_mut_ptr(),
            n as libc::c_uint,
            libc::MSG_DONTWAIT,
        )
    })?;
    Ok(sent as usize)
}

// ---- TPACKET_V2 receive ring -------------------------------------------------------------

/// `SOL_PACKET` options for the receive ring (linux/if_packet.h).
const PACKET_RX_RING: c_int = 5;
const PACKET_COPY_THRESH: c_int = 7;
const PACKET_VERSION: c_int = 10;
const TPACKET_V2: c_int = 1;
/// Frame status bits (`tp_status`).
const TP_STATUS_USER: u32 = 0x1;
const TP_STATUS_COPY: u32 = 0x2;
/// Size of `struct tpacket2_hdr`, and where the `sockaddr_ll` that follows it starts.
const TPACKET2_HDR_LEN: usize = 32;
/// Offset of `sll_pkttype` in a V2 frame (after the header, inside `sockaddr_ll`).
const FRAME_PKTTYPE_OFF: usize = TPACKET2_HDR_LEN + 10;

/// `struct tpacket_req`.
#[repr(C)]
#[derive(Clone, Copy)]
struct TpacketReq {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
}

/// What the kernel wrote in the header of one ring frame.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RingFrame {
    /// The frame was too big for the ring: the whole packet waits in the socket's receive
    /// queue and must be read with a normal receive (in ring order).
    pub copy: bool,
    /// Length of the packet on the wire (the virtio-net header not included).
    pub len: usize,
    /// Bytes of it stored in the ring frame.
    pub snaplen: usize,
    /// Offset of the Ethernet header from the frame start.
    pub mac: usize,
    /// `sll_pkttype`.
    pub pkttype: u8,
    /// A VLAN tag the kernel stripped into metadata: (TPID, TCI).
    pub vlan: Option<(u16, u16)>,
}

/// A `TPACKET_V2` receive ring mapped from an AF_PACKET socket: `frame_nr` fixed-size frames
/// that the kernel fills (setting `TP_STATUS_USER`) and user space hands back (status
/// `TP_STATUS_KERNEL`, 0), in order. Memory is shared with the kernel, so it is only ever
/// accessed through raw pointers: the status word atomically, the rest only while the frame is
/// ours. Unmapped on drop.
#[derive(Debug)]
pub(crate) struct RxRing {
    base: *mut u8,
    map_len: usize,
    frame_size: usize,
    block_size: usize,
    frames_per_block: usize,
    frame_nr: usize,
}

// SAFETY: the ring is plain shared memory; every access goes through `&self` methods that
// touch the status word atomically and read frame contents only after observing (with
// acquire ordering) that the kernel handed the frame over. Which frame a thread may read is
// decided by the caller's own locking (the receive head lives behind a mutex).
unsafe impl Send for RxRing {}
// SAFETY: see `Send`; no method hands out references into the mapping.
unsafe impl Sync for RxRing {}

impl RxRing {
    /// Switches `fd` (an unbound AF_PACKET socket, after `PACKET_VNET_HDR` if wanted) to
    /// `TPACKET_V2`, creates a receive ring of at least `frame_nr` frames of `frame_size`
    /// bytes in blocks of `block_size` and maps it. Frames too big for the ring are queued on
    /// the socket in full (`PACKET_COPY_THRESH`).
    pub fn new(
        fd: BorrowedFd<'_>,
        frame_size: usize,
        block_size: usize,
        frame_nr: usize,
    ) -> io::Result<RxRing> {
        let invalid = || io::Error::from(io::ErrorKind::InvalidInput);
        // SAFETY: sysconf takes an integer and returns one.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .ok()
            .filter(|p| *p > 0)
            .unwrap_or(4096);
        if frame_size < 256
            || frame_size % 16 != 0
            || block_size < frame_size
            || block_size % page != 0
            || frame_nr == 0
        {
            return Err(invalid());
        }
        let frames_per_block = block_size / frame_size;
        let block_nr = frame_nr.div_ceil(frames_per_block);
        let frame_nr = block_nr * frames_per_block;
        let map_len = block_nr.checked_mul(block_size).ok_or_else(invalid)?;
        let u = |v: usize| u32::try_from(v).map_err(|_| invalid());
        let req = TpacketReq {
            block_size: u(block_size)?,
            block_nr: u(block_nr)?,
            frame_size: u(frame_size)?,
            frame_nr: u(frame_nr)?,
        };
        let one: c_int = 1;
        setsockopt(fd, libc::SOL_PACKET, PACKET_VERSION, &TPACKET_V2)?;
        setsockopt(fd, libc::SOL_PACKET, PACKET_COPY_THRESH, &one)?;
        setsockopt(fd, libc::SOL_PACKET, PACKET_RX_RING, &req)?;
        // SAFETY: maps the ring the kernel just created for this socket; we pass its exact
        // size and check the result before using it. The mapping is released in `Drop`.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(RxRing {
            base: base.cast(),
            map_len,
            frame_size,
            block_size,
            frames_per_block,
            frame_nr,
        })
    }

    /// Number of frames.
    pub fn frame_nr(&self) -> usize {
        self.frame_nr
    }

    /// Byte offset of frame `i` in the mapping (`i < frame_nr`).
    fn frame_off(&self, i: usize) -> Option<usize> {
        if i >= self.frame_nr {
            return None;
        }
        let off = (i / self.frames_per_block) * self.block_size
            + (i % self.frames_per_block) * self.frame_size;
        (off + self.frame_size <= self.map_len).then_some(off)
    }

    fn status(&self, off: usize) -> &std::sync::atomic::AtomicU32 {
        // SAFETY: `off` comes from `frame_off`, so `base + off` is inside the mapping and
        // 16-byte aligned (frame and block sizes are multiples of 16, the mapping is
        // page-aligned); the status word is only ever accessed atomically, by us and (with
        // its own barriers) by the kernel, and the mapping outlives `&self`.
        unsafe { &*self.base.add(off).cast::<std::sync::atomic::AtomicU32>() }
    }

    /// The header of frame `i` if the kernel has handed it to user space.
    pub fn frame(&self, i: usize) -> Option<RingFrame> {
        let off = self.frame_off(i)?;
        let status = self.status(off).load(std::sync::atomic::Ordering::Acquire);
        if status & TP_STATUS_USER == 0 {
            return None;
        }
        let mut h = [0u8; TPACKET2_HDR_LEN + 12];
        // SAFETY: the frame belongs to user space until `release` (status USER, observed with
        // acquire ordering above, so the kernel's writes to it are visible); `h` is a local
        // buffer and `h.len()` is below the frame size (at least 256), so the copy stays
        // inside the mapping.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.add(off), h.as_mut_ptr(), h.len());
        }
        let u32_at = |o: usize| u32::from_ne_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
        let u16_at = |o: usize| u16::from_ne_bytes([h[o], h[o + 1]]);
        // struct tpacket2_hdr: status, len, snaplen (u32), mac, net (u16), sec, nsec (u32),
        // vlan_tci, vlan_tpid (u16), padding.
        let vlan = if status & TP_STATUS_VLAN_VALID != 0 || u16_at(24) != 0 {
            let tpid = match u16_at(26) {
                t if status & TP_STATUS_VLAN_TPID_VALID != 0 && t != 0 => t,
                _ => 0x8100,
            };
            Some((tpid, u16_at(24)))
        } else {
            None
        };
        Some(RingFrame {
            copy: status & TP_STATUS_COPY != 0,
            len: u32_at(4) as usize,
            snaplen: u32_at(8) as usize,
            mac: usize::from(u16_at(12)),
            pkttype: h[FRAME_PKTTYPE_OFF],
            vlan,
        })
    }

    /// Copies `dst.len()` bytes starting `at` bytes into frame `i` (which must be ours: a
    /// [`RxRing::frame`] returned `Some` and it was not released since). False if out of the
    /// frame.
    pub fn read(&self, i: usize, at: usize, dst: &mut [u8]) -> bool {
        let Some(off) = self.frame_off(i) else {
            return false;
        };
        if at
            .checked_add(dst.len())
            .is_none_or(|end| end > self.frame_size)
        {
            return false;
        }
        // SAFETY: the source range lies inside frame `i` (checked just above), which the
        // kernel does not write while it is user-owned; `dst` is an exclusively borrowed
        // slice of exactly the copied length and cannot overlap the mapping.
        unsafe {
            std::ptr::copy_nonoverlapping(self.base.add(off + at), dst.as_mut_ptr(), dst.len());
        }
        true
    }

    /// Hands frame `i` back to the kernel.
    pub fn release(&self, i: usize) {
        if let Some(off) = self.frame_off(i) {
            self.status(off)
                .store(0, std::sync::atomic::Ordering::Release);
        }
    }
}

impl Drop for RxRing {
    fn drop(&mut self) {
        // SAFETY: `base`/`map_len` are exactly what mmap returned; nothing refers into the
        // mapping once the ring is dropped (no method returns references into it).
        unsafe {
            libc::munmap(self.base.cast(), self.map_len);
        }
    }
}

/// `PACKET_STATISTICS`: frames the socket dropped (ring or receive queue full) since the
/// last call; the kernel resets the counters on every read.
pub(crate) fn packet_drops(fd: BorrowedFd<'_>) -> io::Result<u64> {
    const PACKET_STATISTICS: c_int = 6;
    // struct tpacket_stats (V1/V2): tp_packets, tp_drops.
    let mut st = [0u32; 2];
    let mut len = size_of::<[u32; 2]>() as libc::socklen_t;
    // SAFETY: `st` is a local buffer of `len` bytes, exclusively borrowed for the call; the
    // kernel writes at most `len` bytes and updates `len`.
    cvt(unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            PACKET_STATISTICS,
            st.as_mut_ptr().cast(),
            &mut len,
        )
    })?;
    Ok(u64::from(st[1]))
}

/// A non-blocking, non-consuming receive of nothing: reports (and clears) a pending socket
/// error such as `ENETDOWN`; `Ok` when there is none.
pub(crate) fn pending_error(fd: BorrowedFd<'_>) -> io::Result<()> {
    // SAFETY: a zero-length receive with a null buffer: the kernel writes nothing.
    let r = unsafe {
        libc::recv(
            fd.as_raw_fd(),
            std::ptr::null_mut(),
            0,
            libc::MSG_DONTWAIT | libc::MSG_PEEK | libc::MSG_TRUNC,
        )
    };
    match cvt_size(r) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifreq_rejects_bad_names() {
        assert!(ifreq("").is_err());
        assert!(ifreq("0123456789abcdef").is_err());
        assert!(ifreq("a\0b").is_err());
        let r = ifreq("eth0").unwrap();
        assert_eq!(ifreq_name(&r), "eth0");
    }

    #[test]
    fn auxdata_parser_tolerates_garbage() {
        assert_eq!(auxdata_vlan(&[]), None);
        assert_eq!(auxdata_vlan(&[0xff; 7]), None);
        assert_eq!(auxdata_vlan(&[0; 64]), None);
        // A well-formed auxdata cmsg with a VLAN tag.
        let hdr = size_of::<libc::cmsghdr>();
        let mut b = vec![0u8; hdr + 20];
        b[..size_of::<usize>()].copy_from_slice(&(hdr + 20).to_ne_bytes());
        let a = size_of::<usize>();
        b[a..a + 4].copy_from_slice(&libc::SOL_PACKET.to_ne_bytes());
        b[a + 4..a + 8].copy_from_slice(&PACKET_AUXDATA.to_ne_bytes());
        b[hdr..hdr + 4]
            .copy_from_slice(&(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID).to_ne_bytes());
        b[hdr + 16..hdr + 18].copy_from_slice(&42u16.to_ne_bytes());
        b[hdr + 18..hdr + 20].copy_from_slice(&0x88a8u16.to_ne_bytes());
        assert_eq!(auxdata_vlan(&b), Some((0x88a8, 42)));
        // A cmsg_len pointing past the end is ignored rather than read.
        b[..size_of::<usize>()].copy_from_slice(&1000usize.to_ne_bytes());
        assert_eq!(auxdata_vlan(&b), None);
    }
}
