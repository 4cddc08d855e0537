//! Small value types shared by every provider: Ethernet addresses, the virtio-net header that
//! travels with offloaded packets, offload capabilities, statistics, port kinds and the
//! transmit descriptor.

use std::fmt;
use std::str::FromStr;

use crate::error::NetdevError;

/// A 48-bit Ethernet address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Whether the group (multicast) bit is set.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }

    /// Whether this is all zeroes.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl FromStr for MacAddr {
    type Err = NetdevError;

    fn from_str(s: &str) -> Result<MacAddr, NetdevError> {
        let bad = || NetdevError::InvalidArgument(format!("{s}: invalid Ethernet address"));
        let mut out = [0u8; 6];
        let mut parts = s.split(':');
        for b in out.iter_mut() {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || p.len() > 2 {
                return Err(bad());
            }
            *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MacAddr(out))
    }
}

/// The virtio-net header (`struct virtio_net_hdr`, 10 bytes, host byte order as legacy virtio
/// and the kernel's AF_PACKET/tap code use) that describes an offloaded packet: a checksum the
/// sender left for someone else to finish and/or a GSO super-packet that must be segmented
/// into `gso_size`-byte segments before it reaches a wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VnetHdr {
    /// `VIRTIO_NET_HDR_F_*` flags.
    pub flags: u8,
    /// `VIRTIO_NET_HDR_GSO_*` type (0: not GSO), possibly with [`VnetHdr::GSO_ECN`].
    pub gso_type: u8,
    /// Length of the headers to copy in front of every segment.
    pub hdr_len: u16,
    /// Payload bytes per segment.
    pub gso_size: u16,
    /// Where checksumming starts (from the Ethernet header).
    pub csum_start: u16,
    /// Where the checksum is stored, relative to `csum_start`.
    pub csum_offset: u16,
}

impl VnetHdr {
    /// Size on the wire.
    pub const LEN: usize = 10;
    /// Flag: the layer-4 checksum is partial and must be completed.
    pub const F_NEEDS_CSUM: u8 = 1;
    /// Flag: the checksum has been validated.
    pub const F_DATA_VALID: u8 = 2;
    /// GSO type: none.
    pub const GSO_NONE: u8 = 0;
    /// GSO type: TCP over IPv4.
    pub const GSO_TCPV4: u8 = 1;
    /// GSO type: UDP fragmentation.
    pub const GSO_UDP: u8 = 3;
    /// GSO type: TCP over IPv6.
    pub const GSO_TCPV6: u8 = 4;
    /// GSO type: UDP segmentation.
    pub const GSO_UDP_L4: u8 = 5;
    /// GSO flag: ECN (TCP CWR) must be honoured.
    pub const GSO_ECN: u8 = 0x80;

    /// Decodes the 10-byte header.
    pub fn from_bytes(b: &[u8; VnetHdr::LEN]) -> VnetHdr {
        let u = |i: usize| u16::from_ne_bytes([b[i], b[i + 1]]);
        VnetHdr {
            flags: b[0],
            gso_type: b[1],
            hdr_len: u(2),
            gso_size: u(4),
            csum_start: u(6),
            csum_offset: u(8),
        }
    }

    /// Encodes the 10-byte header.
    pub fn to_bytes(&self) -> [u8; VnetHdr::LEN] {
        let mut b = [0u8; VnetHdr::LEN];
        b[0] = self.flags;
        b[1] = self.gso_type;
        b[2..4].copy_from_slice(&self.hdr_len.to_ne_bytes());
        b[4..6].copy_from_slice(&self.gso_size.to_ne_bytes());
        b[6..8].copy_from_slice(&self.csum_start.to_ne_bytes());
        b[8..10].copy_from_slice(&self.csum_offset.to_ne_bytes());
        b
    }

    /// Whether this describes a GSO super-packet.
    pub fn is_gso(&self) -> bool {
        self.gso_type & !Self::GSO_ECN != Self::GSO_NONE
    }

    /// Whether the layer-4 checksum still has to be completed.
    pub fn needs_csum(&self) -> bool {
        self.flags & Self::F_NEEDS_CSUM != 0
    }

    /// Whether the header says nothing (a plain, fully checksummed frame).
    pub fn is_plain(&self) -> bool {
        !self.is_gso() && !self.needs_csum()
    }
}

/// What a port can hand to the switch and accept from it besides plain, fully checksummed
/// frames no larger than the MTU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offloads {
    /// Packets carry a [`VnetHdr`] (received ones may have one; transmitted ones may).
    pub vnet_hdr: bool,
    /// Received packets may have partial checksums, and transmitted ones may too.
    pub partial_csum: bool,
    /// Received packets may be GSO super-packets (TCP), and transmitted ones may be.
    pub gso: bool,
}

/// Interface counters. For kernel-backed ports these are the kernel's (`rtnl_link_stats64`),
/// plus whatever this crate dropped or rejected in user space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetdevStats {
    /// Packets received by the switch from the port.
    pub rx_packets: u64,
    /// Packets sent by the switch to the port.
    pub tx_packets: u64,
    /// Bytes received.
    pub rx_bytes: u64,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Receive drops.
    pub rx_dropped: u64,
    /// Transmit drops.
    pub tx_dropped: u64,
    /// Multicast packets received.
    pub multicast: u64,
    /// Collisions.
    pub collisions: u64,
}

impl NetdevStats {
    /// The same counters seen from the other side of the link (rx and tx exchanged), as Open
    /// vSwitch reports them for tap and internal ports: what the kernel transmits on a tap, the
    /// switch receives.
    pub fn swapped(&self) -> NetdevStats {
        NetdevStats {
            rx_packets: self.tx_packets,
            tx_packets: self.rx_packets,
            rx_bytes: self.tx_bytes,
            tx_bytes: self.rx_bytes,
            rx_errors: self.tx_errors,
            tx_errors: self.rx_errors,
            rx_dropped: self.tx_dropped,
            tx_dropped: self.rx_dropped,
            multicast: self.multicast,
            collisions: self.collisions,
        }
    }
}

/// Which provider implements a port (the Interface `type` column in OVSDB).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetdevKind {
    /// An existing Linux interface, used through AF_PACKET (`type=""` / `"system"`).
    System,
    /// A tap device (`type="tap"`).
    Tap,
    /// A tap device owned by the switch (`type="internal"`).
    Internal,
    /// An in-memory port for tests (`type="dummy"`).
    Dummy,
    /// One end of a patch cable between bridges (`type="patch"`).
    Patch,
}

impl NetdevKind {
    /// The OVSDB type name.
    pub fn as_str(&self) -> &'static str {
        match self {
            NetdevKind::System => "system",
            NetdevKind::Tap => "tap",
            NetdevKind::Internal => "internal",
            NetdevKind::Dummy => "dummy",
            NetdevKind::Patch => "patch",
        }
    }
}

impl fmt::Display for NetdevKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One packet to transmit: the Ethernet frame and, for offloaded packets, its virtio-net
/// header. `Copy`, borrowed: building a batch of these allocates nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct TxPacket<'a> {
    /// The frame, starting with the Ethernet header.
    pub data: &'a [u8],
    /// Offload metadata; `None` means a plain frame.
    pub vnet: Option<VnetHdr>,
}

impl<'a> TxPacket<'a> {
    /// A plain frame.
    pub fn new(data: &'a [u8]) -> TxPacket<'a> {
        TxPacket { data, vnet: None }
    }

    /// Whether the packet needs an offload (GSO or checksum completion) from the port.
    pub fn needs_offload(&self) -> bool {
        self.vnet.is_some_and(|v| !v.is_plain())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trip() {
        let m: MacAddr = "0a:1B:2c:3d:4e:5f".parse().unwrap();
        assert_eq!(m.0, [0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]);
        assert_eq!(m.to_string(), "0a:1b:2c:3d:4e:5f");
        for bad in [
            "",
            "0a:1b",
            "0a:1b:2c:3d:4e:5f:00",
            "zz:1b:2c:3d:4e:5f",
            "0a::2c:3d:4e:5f",
            "123:1:2:3:4:5",
        ] {
            assert!(bad.parse::<MacAddr>().is_err(), "{bad}");
        }
        assert!("01:00:5e:00:00:01"
            .parse::<MacAddr>()
            .unwrap()
            .is_multicast());
    }

    #[test]
    fn vnet_round_trip() {
        let h = VnetHdr {
            flags: VnetHdr::F_NEEDS_CSUM,
            gso_type: VnetHdr::GSO_TCPV4 | VnetHdr::GSO_ECN,
            hdr_len: 66,
            gso_size: 1448,
            csum_start: 34,
            csum_offset: 16,
        };
        assert_eq!(VnetHdr::from_bytes(&h.to_bytes()), h);
        assert!(h.is_gso() && h.needs_csum() && !h.is_plain());
        assert!(VnetHdr::default().is_plain());
        let s = NetdevStats {
            rx_packets: 1,
            tx_bytes: 7,
            ..Default::default()
        };
        assert_eq!(s.swapped().tx_packets, 1);
        assert_eq!(s.swapped().rx_bytes, 7);
        assert_eq!(s.swapped().swapped(), s);
    }
}
