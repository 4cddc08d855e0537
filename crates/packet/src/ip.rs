//! Definitions shared by IPv4 and IPv6: protocol numbers and fragment
//! classification.

use core::fmt;

use crate::field::enum_with_unknown;

enum_with_unknown! {
    /// IP protocol / IPv6 next-header number.
    pub enum IpProtocol(u8) {
        /// IPv6 hop-by-hop options.
        HopByHop = 0,
        /// ICMP for IPv4.
        Icmp = 1,
        /// IGMP.
        Igmp = 2,
        /// IPv4 in IP.
        Ipv4 = 4,
        /// TCP.
        Tcp = 6,
        /// UDP.
        Udp = 17,
        /// IPv6 in IP.
        Ipv6 = 41,
        /// IPv6 routing header.
        Ipv6Route = 43,
        /// IPv6 fragment header.
        Ipv6Frag = 44,
        /// GRE.
        Gre = 47,
        /// IPsec ESP.
        Esp = 50,
        /// IPsec authentication header.
        Ah = 51,
        /// ICMP for IPv6.
        Icmpv6 = 58,
        /// IPv6 "no next header".
        Ipv6NoNxt = 59,
        /// IPv6 destination options.
        Ipv6Opts = 60,
        /// SCTP.
        Sctp = 132,
    }
}

impl fmt::Display for IpProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value())
    }
}

/// Fragment classification, with the bit values of Open vSwitch's
/// `nw_frag` field (`ip_frag=no|first|later`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FragInfo(pub u8);

impl FragInfo {
    /// Not a fragment.
    pub const NONE: FragInfo = FragInfo(0);
    /// Bit: the packet is a fragment (first or later).
    pub const ANY: u8 = 1;
    /// Bit: the packet is a non-first fragment.
    pub const LATER: u8 = 2;

    /// True for any fragment.
    pub const fn is_fragment(self) -> bool {
        self.0 & Self::ANY != 0
    }
    /// True for a non-first fragment (no layer-4 header present).
    pub const fn is_later(self) -> bool {
        self.0 & Self::LATER != 0
    }
    /// True for the first fragment of a fragmented datagram.
    pub const fn is_first(self) -> bool {
        self.is_fragment() && !self.is_later()
    }
}
