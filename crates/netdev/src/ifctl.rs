//! Interface control for kernel interfaces: index, MTU, Ethernet address, administrative state,
//! carrier and statistics.
//!
//! Setters and simple getters use the classic interface ioctls (`SIOCGIFINDEX`, `SIOC[GS]IFMTU`,
//! `SIOC[GS]IFHWADDR`, `SIOC[GS]IFFLAGS`) on a datagram socket: synchronous, one system call,
//! and the kernel's errno says exactly what went wrong. Carrier and the 64-bit counters come
//! from one `RTM_GETLINK` request ([`crate::netlink`]) because the ioctls have no stats and
//! `/sys/class/net` shows the namespace sysfs was mounted in, not the caller's.
//!
//! Both kinds of socket belong to the namespace of the thread that created them. A
//! [`KernelIf`] creates its sockets once when the port is opened, so later calls (from any
//! thread) keep addressing the interface in that namespace. The free functions open a fresh
//! socket per call, in the calling thread's namespace.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Mutex;

use crate::error::{NetdevError, Result};
use crate::netlink::{LinkInfo, RtnlSocket};
use crate::sys;
use crate::types::{MacAddr, NetdevStats};

fn ctl_socket(name: &str) -> Result<OwnedFd> {
    sys::socket(libc::AF_INET, libc::SOCK_DGRAM, 0)
        .map_err(|e| NetdevError::io(name, "open control socket", e))
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 15
        || name.contains(['/', '\0'])
        || name.contains(char::is_whitespace)
    {
        return Err(NetdevError::InvalidArgument(format!(
            "{name:?}: invalid interface name (1 to 15 characters, no '/' or spaces)"
        )));
    }
    Ok(())
}

/// A kernel interface addressed by name, with control sockets bound to the namespace it was
/// opened in.
#[derive(Debug)]
pub struct KernelIf {
    name: String,
    ifindex: u32,
    ctl: OwnedFd,
    rtnl: Mutex<RtnlSocket>,
}

impl KernelIf {
    /// Looks `name` up in the calling thread's namespace.
    pub fn open(name: &str) -> Result<KernelIf> {
        check_name(name)?;
        let ctl = ctl_socket(name)?;
        let ifindex =
            sys::get_ifindex(ctl.as_fd(), name).map_err(|e| NetdevError::io(name, "find", e))?;
        let rtnl = RtnlSocket::new().map_err(|e| NetdevError::io(name, "open rtnetlink", e))?;
        Ok(KernelIf {
            name: name.to_string(),
            ifindex,
            ctl,
            rtnl: Mutex::new(rtnl),
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The index found when opened.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Whether an interface with our index still exists and still has our name.
    pub fn still_exists(&self) -> bool {
        matches!(sys::get_ifindex(self.ctl.as_fd(), &self.name), Ok(i) if i == self.ifindex)
    }

    /// MTU.
    pub fn mtu(&self) -> Result<u32> {
        sys::get_mtu(self.ctl.as_fd(), &self.name)
            .map_err(|e| NetdevError::io(&self.name, "get MTU", e))
    }

    /// Sets the MTU.
    pub fn set_mtu(&self, mtu: u32) -> Result<()> {
        sys::set_mtu(self.ctl.as_fd(), &self.name, mtu)
            .map_err(|e| NetdevError::io(&self.name, "set MTU", e))
    }

    /// Ethernet address.
    pub fn mac(&self) -> Result<MacAddr> {
        sys::get_hwaddr(self.ctl.as_fd(), &self.name)
            .map(MacAddr)
            .map_err(|e| NetdevError::io(&self.name, "get Ethernet address", e))
    }

    /// Sets the Ethernet address (unicast only).
    pub fn set_mac(&self, mac: MacAddr) -> Result<()> {
        if mac.is_multicast() || mac.is_zero() {
            return Err(NetdevError::InvalidArgument(format!(
                "{}: {mac} is not a unicast Ethernet address",
                self.name
            )));
        }
        sys::set_hwaddr(self.ctl.as_fd(), &self.name, mac.0)
            .map_err(|e| NetdevError::io(&self.name, "set Ethernet address", e))
    }

    /// `IFF_*` flags (low 16 bits).
    pub fn flags(&self) -> Result<u16> {
        sys::get_flags(self.ctl.as_fd(), &self.name)
            .map_err(|e| NetdevError::io(&self.name, "get flags", e))
    }

    /// Turns flag bits `on` on and `off` off (read-modify-write).
    pub fn update_flags(&self, on: u16, off: u16) -> Result<()> {
        let old = self.flags()?;
        let new = (old | on) & !off;
        if new != old {
            sys::set_flags(self.ctl.as_fd(), &self.name, new)
                .map_err(|e| NetdevError::io(&self.name, "set flags", e))?;
        }
        Ok(())
    }

    /// Whether administratively up.
    pub fn is_up(&self) -> Result<bool> {
        Ok(self.flags()? & libc::IFF_UP as u16 != 0)
    }

    /// Brings the interface up or down.
    pub fn set_up(&self, up: bool) -> Result<()> {
        let f = libc::IFF_UP as u16;
        if up {
            self.update_flags(f, 0)
        } else {
            self.update_flags(0, f)
        }
    }

    /// Everything rtnetlink says about the interface.
    pub fn link_info(&self) -> Result<LinkInfo> {
        let mut s = self.rtnl.lock().unwrap_or_else(|p| p.into_inner());
        s.get_link(self.ifindex)
            .map_err(|e| NetdevError::io(&self.name, "query link", e))
    }

    /// Whether the link has carrier (false when administratively down).
    pub fn carrier(&self) -> Result<bool> {
        let info = self.link_info()?;
        Ok(info.is_up() && info.has_carrier())
    }

    /// Kernel counters.
    pub fn stats(&self) -> Result<NetdevStats> {
        Ok(self.link_info()?.stats.unwrap_or_default())
    }
}

/// The index of interface `name` in the calling thread's namespace.
pub fn ifindex(name: &str) -> Result<u32> {
    check_name(name)?;
    let ctl = ctl_socket(name)?;
    sys::get_ifindex(ctl.as_fd(), name).map_err(|e| NetdevError::io(name, "find", e))
}

/// Whether interface `name` exists (a cheap check for polling by name).
pub fn exists(name: &str) -> bool {
    ifindex(name).is_ok()
}

/// MTU of `name`.
pub fn mtu(name: &str) -> Result<u32> {
    KernelIf::open(name)?.mtu()
}

/// Sets the MTU of `name`.
pub fn set_mtu(name: &str, mtu: u32) -> Result<()> {
    KernelIf::open(name)?.set_mtu(mtu)
}

/// Ethernet address of `name`.
pub fn mac(name: &str) -> Result<MacAddr> {
    KernelIf::open(name)?.mac()
}

/// Sets the Ethernet address of `name`.
pub fn set_mac(name: &str, mac: MacAddr) -> Result<()> {
    KernelIf::open(name)?.set_mac(mac)
}

/// Brings `name` up or down.
pub fn set_up(name: &str, up: bool) -> Result<()> {
    KernelIf::open(name)?.set_up(up)
}

/// Everything rtnetlink says about `name`.
pub fn link_info(name: &str) -> Result<LinkInfo> {
    KernelIf::open(name)?.link_info()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_any_syscall() {
        for bad in ["", "a/b", "0123456789abcdef", "a b", "x\0"] {
            assert!(
                matches!(ifindex(bad), Err(NetdevError::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn loopback_is_readable() {
        // Every namespace has "lo"; reading it needs no privilege.
        let lo = KernelIf::open("lo").unwrap();
        assert!(lo.ifindex() > 0);
        assert!(lo.mtu().unwrap() > 0);
        assert!(lo.link_info().unwrap().name.as_deref() == Some("lo"));
        assert!(exists("lo"));
        assert!(!exists("nonexistent0x"));
        assert!(matches!(
            mtu("nonexistent0x"),
            Err(NetdevError::NoSuchDevice { .. })
        ));
    }
}
