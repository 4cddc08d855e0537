//! Composing packets from a stack of header reprs.
//!
//! [`PacketBuilder`] holds a list of [`Layer`]s, outermost first, and
//! [`PacketBuilder::build`] emits them into one buffer, filling in
//! everything that depends on what follows — the way `ovs-ofctl
//! compose-packet` turns a flow description into a frame:
//!
//! * EtherType fields (Ethernet, VLAN) from the next layer (a VLAN layer's
//!   TPID, IPv4, IPv6, ARP — RARP is kept if the Ethernet repr says RARP);
//!   if the next layer is raw payload, the repr's own value is kept;
//! * IP protocol / next-header from the next layer;
//! * IPv4 total length, IPv6 payload length, UDP length;
//! * checksums: IPv4 header, TCP/UDP/ICMPv6 (with the pseudo-header of the
//!   nearest enclosing IP layer), ICMPv4, SCTP CRC32c, GRE when enabled.
//!
//! Layers are emitted innermost first, so each checksum is computed once
//! over bytes that are already final.  Length fields in the reprs
//! (`payload_len`) are ignored and recomputed.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::buffer::PacketBuf;
use crate::checksum::PseudoHeader;
use crate::error::{malformed, Result};
use crate::ethernet::{self, EtherType, EthernetAddress};
use crate::field::{set_slice, sub_mut};
use crate::ip::IpProtocol;
use crate::tcp::TcpFlags;
use crate::vlan::{self, Tci};
use crate::{arp, geneve, gre, icmpv4, icmpv6, ipv4, ipv6, mpls, sctp, tcp, udp, vxlan};

/// One header (or the payload) in a [`PacketBuilder`] stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// Ethernet II header.
    Ethernet(ethernet::Repr),
    /// A VLAN tag; its TPID is written into the preceding type field.
    Vlan {
        /// TPID (0x8100 or 0x88a8).
        tpid: EtherType,
        /// Tag control information.
        tci: Tci,
    },
    /// One MPLS label stack entry; its bottom-of-stack bit is set
    /// automatically when the next layer is not another label.
    Mpls(mpls::Lse),
    /// ARP/RARP.
    Arp(arp::Repr),
    /// IPv4 header.
    Ipv4(ipv4::Repr),
    /// IPv6 fixed header.
    Ipv6(ipv6::Repr),
    /// IPv6 fragment header.
    Ipv6Fragment(ipv6::FragmentRepr),
    /// TCP header.
    Tcp(tcp::Repr),
    /// UDP header.
    Udp(udp::Repr),
    /// SCTP common header.
    Sctp(sctp::Repr),
    /// ICMPv4 header.
    Icmpv4(icmpv4::Repr),
    /// ICMPv6 header.
    Icmpv6(icmpv6::Repr),
    /// ICMPv6 neighbor solicitation/advertisement (complete message).
    Nd(icmpv6::NdRepr),
    /// VXLAN header.
    Vxlan(vxlan::Repr),
    /// Geneve header with options.
    Geneve(Box<geneve::Repr>),
    /// GRE header.
    Gre(gre::Repr),
    /// Raw bytes (must be last).
    Payload(Vec<u8>),
}

impl Layer {
    fn len(&self) -> usize {
        match self {
            Layer::Ethernet(r) => r.buffer_len(),
            Layer::Vlan { .. } => vlan::HEADER_LEN,
            Layer::Mpls(_) => mpls::LSE_LEN,
            Layer::Arp(r) => r.buffer_len(),
            Layer::Ipv4(r) => r.buffer_len(),
            Layer::Ipv6(r) => r.buffer_len(),
            Layer::Ipv6Fragment(r) => r.buffer_len(),
            Layer::Tcp(r) => r.buffer_len(),
            Layer::Udp(r) => r.buffer_len(),
            Layer::Sctp(r) => r.buffer_len(),
            Layer::Icmpv4(r) => r.buffer_len(),
            Layer::Icmpv6(r) => r.buffer_len(),
            Layer::Nd(r) => r.buffer_len(),
            Layer::Vxlan(r) => r.buffer_len(),
            Layer::Geneve(r) => r.buffer_len(),
            Layer::Gre(r) => r.buffer_len(),
            Layer::Payload(p) => p.len(),
        }
    }
}

fn next_ethertype(next: Option<&Layer>, current: EtherType) -> EtherType {
    match next {
        Some(Layer::Vlan { tpid, .. }) => *tpid,
        Some(Layer::Ipv4(_)) => EtherType::Ipv4,
        Some(Layer::Ipv6(_)) => EtherType::Ipv6,
        Some(Layer::Arp(_)) if current == EtherType::Rarp => EtherType::Rarp,
        Some(Layer::Arp(_)) => EtherType::Arp,
        Some(Layer::Ethernet(_)) => EtherType::TransparentEthernet,
        Some(Layer::Mpls(_)) if current == EtherType::MplsMulticast => current,
        Some(Layer::Mpls(_)) => EtherType::MplsUnicast,
        _ => current,
    }
}

fn next_protocol(next: Option<&Layer>, current: IpProtocol) -> IpProtocol {
    match next {
        Some(Layer::Tcp(_)) => IpProtocol::Tcp,
        Some(Layer::Udp(_)) => IpProtocol::Udp,
        Some(Layer::Sctp(_)) => IpProtocol::Sctp,
        Some(Layer::Icmpv4(_)) => IpProtocol::Icmp,
        Some(Layer::Icmpv6(_) | Layer::Nd(_)) => IpProtocol::Icmpv6,
        Some(Layer::Gre(_)) => IpProtocol::Gre,
        Some(Layer::Ipv4(_)) => IpProtocol::Ipv4,
        Some(Layer::Ipv6(_)) => IpProtocol::Ipv6,
        Some(Layer::Ipv6Fragment(_)) => IpProtocol::Ipv6Frag,
        _ => current,
    }
}

/// Builds a packet from a stack of layers; see the module docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PacketBuilder {
    layers: Vec<Layer>,
    min_len: usize,
    skip_sctp_crc: bool,
}

impl PacketBuilder {
    /// An empty stack.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends any layer.
    pub fn layer(mut self, l: Layer) -> Self {
        self.layers.push(l);
        self
    }

    /// The layers so far (outermost first), to adjust reprs in place.
    pub fn layers_mut(&mut self) -> &mut Vec<Layer> {
        &mut self.layers
    }

    /// Pads the finished frame with zeros to at least `len` bytes (e.g. 60
    /// for a minimum-size Ethernet frame without FCS).  Padding is not
    /// counted in any length field.
    pub fn min_len(mut self, len: usize) -> Self {
        self.min_len = len;
        self
    }

    /// Whether to compute SCTP CRC32c checksums (default true).  `ovs-ofctl
    /// compose-packet` leaves them zero, so reproducing its output needs
    /// `false`.
    pub fn sctp_checksum(mut self, compute: bool) -> Self {
        self.skip_sctp_crc = !compute;
        self
    }

    /// Ethernet header (type filled in from the next layer).
    pub fn ethernet(self, src: EthernetAddress, dst: EthernetAddress) -> Self {
        self.layer(Layer::Ethernet(ethernet::Repr {
            src_addr: src,
            dst_addr: dst,
            ethertype: EtherType::NoType,
        }))
    }

    /// 802.1Q tag.
    pub fn vlan(self, tci: Tci) -> Self {
        self.layer(Layer::Vlan {
            tpid: EtherType::Vlan,
            tci,
        })
    }

    /// Tag with an explicit TPID (e.g. 0x88a8 for an S-tag).
    pub fn vlan_tpid(self, tpid: EtherType, tci: Tci) -> Self {
        self.layer(Layer::Vlan { tpid, tci })
    }

    /// ARP/RARP.
    pub fn arp(self, r: arp::Repr) -> Self {
        self.layer(Layer::Arp(r))
    }

    /// IPv4 header with TTL 64.
    pub fn ipv4(self, src: Ipv4Addr, dst: Ipv4Addr) -> Self {
        self.layer(Layer::Ipv4(ipv4::Repr::new(
            src,
            dst,
            IpProtocol::Unknown(255),
            0,
        )))
    }

    /// IPv6 header with hop limit 64.
    pub fn ipv6(self, src: Ipv6Addr, dst: Ipv6Addr) -> Self {
        self.layer(Layer::Ipv6(ipv6::Repr::new(
            src,
            dst,
            IpProtocol::Ipv6NoNxt,
            0,
        )))
    }

    /// TCP header.
    pub fn tcp(self, src_port: u16, dst_port: u16, flags: TcpFlags) -> Self {
        self.layer(Layer::Tcp(tcp::Repr::new(src_port, dst_port, flags)))
    }

    /// UDP header.
    pub fn udp(self, src_port: u16, dst_port: u16) -> Self {
        self.layer(Layer::Udp(udp::Repr {
            src_port,
            dst_port,
            payload_len: 0,
        }))
    }

    /// SCTP common header.
    pub fn sctp(self, src_port: u16, dst_port: u16, verification_tag: u32) -> Self {
        self.layer(Layer::Sctp(sctp::Repr {
            src_port,
            dst_port,
            verification_tag,
        }))
    }

    /// ICMPv4 header.
    pub fn icmpv4(self, r: icmpv4::Repr) -> Self {
        self.layer(Layer::Icmpv4(r))
    }

    /// ICMPv6 header.
    pub fn icmpv6(self, r: icmpv6::Repr) -> Self {
        self.layer(Layer::Icmpv6(r))
    }

    /// Neighbor solicitation/advertisement.
    pub fn nd(self, r: icmpv6::NdRepr) -> Self {
        self.layer(Layer::Nd(r))
    }

    /// VXLAN header.
    pub fn vxlan(self, vni: u32) -> Self {
        self.layer(Layer::Vxlan(vxlan::Repr { vni, gbp: None }))
    }

    /// Geneve header.
    pub fn geneve(self, r: geneve::Repr) -> Self {
        self.layer(Layer::Geneve(Box::new(r)))
    }

    /// GRE header.
    pub fn gre(self, r: gre::Repr) -> Self {
        self.layer(Layer::Gre(r))
    }

    /// Raw payload (must be the last layer).
    pub fn payload(self, bytes: &[u8]) -> Self {
        self.layer(Layer::Payload(bytes.to_vec()))
    }

    /// Total length of the frame `build` produces.
    pub fn len(&self) -> usize {
        self.layers
            .iter()
            .map(Layer::len)
            .sum::<usize>()
            .max(self.min_len)
    }

    /// True if the stack is empty.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    fn pseudo_header(&self, i: usize) -> Result<PseudoHeader> {
        for l in self.layers.get(..i).unwrap_or(&[]).iter().rev() {
            match l {
                Layer::Ipv4(r) => return Ok(PseudoHeader::V4(r.src_addr, r.dst_addr)),
                Layer::Ipv6(r) => return Ok(PseudoHeader::V6(r.src_addr, r.dst_addr)),
                _ => {}
            }
        }
        malformed(
            "builder",
            "TCP/UDP/ICMPv6 layer without an enclosing IP layer",
        )
    }

    /// Emits the stack into a new vector.
    pub fn build(&self) -> Result<Vec<u8>> {
        let total: usize = self.layers.iter().map(Layer::len).sum();
        let mut buf = vec![0u8; total];
        let mut end = total;
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let off = end - layer.len();
            end = off;
            let after = total - off - layer.len();
            let next = self.layers.get(i + 1);
            if matches!(layer, Layer::Payload(_)) && next.is_some() {
                return malformed("builder", "payload must be the last layer");
            }
            let seg = sub_mut(&mut buf, off, total);
            match layer {
                Layer::Ethernet(r) => {
                    let r = ethernet::Repr {
                        ethertype: next_ethertype(next, r.ethertype),
                        ..*r
                    };
                    r.emit(&mut ethernet::Frame::new_unchecked(seg))?;
                }
                Layer::Vlan { tci, .. } => {
                    let r = vlan::Repr {
                        tci: *tci,
                        ethertype: next_ethertype(next, EtherType::NoType),
                    };
                    r.emit(&mut vlan::Tag::new_unchecked(seg))?;
                }
                Layer::Mpls(l) => {
                    let bos = !matches!(next, Some(Layer::Mpls(_)));
                    let l = mpls::Lse::new(l.label(), l.tc(), bos, l.ttl());
                    set_slice(seg, 0, &l.to_bytes());
                }
                Layer::Arp(r) => r.emit(&mut arp::Packet::new_unchecked(seg))?,
                Layer::Ipv4(r) => {
                    let r = ipv4::Repr {
                        protocol: next_protocol(next, r.protocol),
                        payload_len: after,
                        ..*r
                    };
                    r.emit(&mut ipv4::Packet::new_unchecked(seg))?;
                }
                Layer::Ipv6(r) => {
                    let r = ipv6::Repr {
                        next_header: next_protocol(next, r.next_header),
                        payload_len: after,
                        ..*r
                    };
                    r.emit(&mut ipv6::Packet::new_unchecked(seg))?;
                }
                Layer::Ipv6Fragment(r) => {
                    let r = ipv6::FragmentRepr {
                        next_header: next_protocol(next, r.next_header),
                        ..*r
                    };
                    r.emit(seg)?;
                }
                Layer::Tcp(r) => {
                    let ph = self.pseudo_header(i)?;
                    let mut p = tcp::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum(&ph);
                }
                Layer::Udp(r) => {
                    let ph = self.pseudo_header(i)?;
                    let r = udp::Repr {
                        payload_len: after,
                        ..*r
                    };
                    let mut p = udp::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum(&ph);
                }
                Layer::Sctp(r) => {
                    let mut p = sctp::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    if !self.skip_sctp_crc {
                        p.fill_checksum();
                    }
                }
                Layer::Icmpv4(r) => {
                    let mut p = icmpv4::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum();
                }
                Layer::Icmpv6(r) => {
                    let ph = self.pseudo_header(i)?;
                    let mut p = icmpv6::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum(&ph);
                }
                Layer::Nd(r) => {
                    let ph = self.pseudo_header(i)?;
                    let mut p = icmpv6::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum(&ph);
                }
                Layer::Vxlan(r) => r.emit(&mut vxlan::Packet::new_unchecked(seg))?,
                Layer::Geneve(r) => {
                    let mut r = **r;
                    r.protocol = next_ethertype(next, r.protocol);
                    r.emit(&mut geneve::Packet::new_unchecked(seg))?;
                }
                Layer::Gre(r) => {
                    let r = gre::Repr {
                        protocol: next_ethertype(next, r.protocol),
                        ..*r
                    };
                    let mut p = gre::Packet::new_unchecked(seg);
                    r.emit(&mut p)?;
                    p.fill_checksum();
                }
                Layer::Payload(bytes) => set_slice(seg, 0, bytes),
            }
        }
        if buf.len() < self.min_len {
            buf.resize(self.min_len, 0);
        }
        Ok(buf)
    }

    /// Emits the stack into a [`PacketBuf`] (default headroom) with its
    /// layer offsets parsed.
    pub fn build_buf(&self) -> Result<PacketBuf> {
        let mut p = PacketBuf::from_slice(&self.build()?);
        p.parse();
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Layers;

    const A: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 1]);
    const B: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 2]);

    #[test]
    fn udp_over_vlan_ipv4() {
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .vlan(Tci::new(0, false, 10))
            .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
            .udp(1000, 53)
            .payload(b"hello")
            .min_len(60)
            .build()
            .unwrap();
        assert_eq!(f.len(), 60);
        let l = Layers::parse(&f);
        assert_eq!(
            (l.n_vlans, l.ethertype, l.ip_proto),
            (1, EtherType::Ipv4, Some(IpProtocol::Udp))
        );
        assert_eq!(
            (l.l3, l.l4, l.l7, l.l2_pad),
            (Some(18), Some(38), Some(46), 60 - 51)
        );
        let ip = ipv4::Packet::new_checked(&f[18..]).unwrap();
        assert!(ip.verify_checksum());
        let ph = PseudoHeader::V4(ip.src_addr(), ip.dst_addr());
        let u = udp::Packet::new_checked(ip.payload()).unwrap();
        assert!(u.verify_checksum(&ph));
        assert_eq!(u.payload(), b"hello");
    }

    #[test]
    fn tunnels_nest_and_checksum() {
        let s4 = Ipv4Addr::new(192, 0, 2, 1);
        let d4 = Ipv4Addr::new(192, 0, 2, 2);
        let inner = PacketBuilder::new()
            .ethernet(B, A)
            .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
            .tcp(1, 2, TcpFlags(TcpFlags::SYN))
            .payload(b"in");
        let inner_bytes = inner.build().unwrap();

        // VXLAN over IPv6/UDP.
        let s6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let mut b = PacketBuilder::new()
            .ethernet(A, B)
            .ipv6(s6, s6)
            .udp(5555, vxlan::UDP_PORT)
            .vxlan(77);
        b.layers_mut().extend(inner.layers.iter().cloned());
        let f = b.build().unwrap();
        let l = Layers::parse(&f);
        let l7 = usize::from(l.l7.unwrap());
        let v = vxlan::Packet::new_checked(&f[l7..]).unwrap();
        assert_eq!(vxlan::Repr::parse(&v).unwrap().vni, 77);
        assert_eq!(v.payload(), &inner_bytes[..]);
        let u = udp::Packet::new_checked(&f[usize::from(l.l4.unwrap())..]).unwrap();
        assert!(u.verify_checksum(&PseudoHeader::V6(s6, s6)));

        // Geneve with an option over IPv4/UDP.
        let mut g = geneve::Repr::new(9, EtherType::Ipv4);
        g.push_option(0x0102, 0x80, &[0xaa; 8]).unwrap();
        let mut b = PacketBuilder::new()
            .ethernet(A, B)
            .ipv4(s4, d4)
            .udp(1, geneve::UDP_PORT)
            .geneve(g);
        b.layers_mut().extend(inner.layers.iter().cloned());
        let f = b.build().unwrap();
        let l = Layers::parse(&f);
        let gp = geneve::Packet::new_checked(&f[usize::from(l.l7.unwrap())..]).unwrap();
        assert_eq!(gp.protocol(), EtherType::TransparentEthernet); // fixed up from the next layer
        assert_eq!(gp.options().next().map(|o| o.data.len()), Some(8));
        assert_eq!(gp.payload(), &inner_bytes[..]);

        // GRE with checksum, key and sequence over IPv4.
        let mut b = PacketBuilder::new()
            .ethernet(A, B)
            .ipv4(s4, d4)
            .gre(gre::Repr {
                protocol: EtherType::Unknown(0),
                checksum: true,
                key: Some(0xfeed),
                seq_number: Some(1),
            });
        b.layers_mut().extend(inner.layers.iter().cloned());
        let f = b.build().unwrap();
        let l = Layers::parse(&f);
        assert_eq!(l.ip_proto, Some(IpProtocol::Gre));
        let gp = gre::Packet::new_checked(&f[usize::from(l.l4.unwrap())..]).unwrap();
        assert!(gp.verify_checksum());
        assert_eq!(gre::Repr::parse(&gp).unwrap().key, Some(0xfeed));
        assert_eq!(gp.protocol(), EtherType::TransparentEthernet);
        let inner_l = Layers::parse(gp.payload());
        assert_eq!(inner_l.ip_proto, Some(IpProtocol::Tcp));
    }

    #[test]
    fn neighbor_solicitation() {
        let src: Ipv6Addr = "fe80::1".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1:ff00:2".parse().unwrap();
        let nd = icmpv6::NdRepr {
            advert: false,
            reserved: 0,
            target: "fe80::2".parse().unwrap(),
            source_ll: Some(A),
            target_ll: None,
            options_type: icmpv6::ND_OPT_SOURCE_LL,
        };
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .ipv6(src, dst)
            .nd(nd)
            .build()
            .unwrap();
        let l = Layers::parse(&f);
        assert_eq!(l.ip_proto, Some(IpProtocol::Icmpv6));
        let p = icmpv6::Packet::new_checked(&f[usize::from(l.l4.unwrap())..]).unwrap();
        assert!(p.verify_checksum(&PseudoHeader::V6(src, dst)));
        assert_eq!(icmpv6::NdRepr::parse(&p).unwrap(), nd);
    }

    #[test]
    fn mpls_stack() {
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .layer(Layer::Mpls(mpls::Lse::new(100, 1, false, 64)))
            .layer(Layer::Mpls(mpls::Lse::new(200, 0, false, 63)))
            .payload(&[0x45])
            .build()
            .unwrap();
        assert_eq!(&f[12..14], &[0x88, 0x47]);
        let first = mpls::Lse::parse(&f[14..]).unwrap();
        let second = mpls::Lse::parse(&f[18..]).unwrap();
        assert!(!first.bos() && second.bos());
        assert_eq!(
            (first.label(), second.label(), second.ttl()),
            (100, 200, 63)
        );
        let l = Layers::parse(&f);
        assert_eq!((l.l2_5, l.l3), (Some(14), Some(22)));
    }

    #[test]
    fn errors() {
        let e = PacketBuilder::new().udp(1, 2).build();
        assert!(e.is_err());
        let e = PacketBuilder::new()
            .ethernet(A, B)
            .payload(b"x")
            .vlan(Tci(1))
            .build();
        assert!(e.is_err());
        assert!(PacketBuilder::new().is_empty());
    }
}
