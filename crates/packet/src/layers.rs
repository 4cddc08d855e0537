//! Walking a frame through all its layers.
//!
//! [`Layers::parse`] follows an Ethernet frame the way Open vSwitch's flow
//! extraction does and records where each layer starts:
//!
//! 1. Ethernet header (14 bytes; shorter frames yield no layers at all);
//! 2. up to [`MAX_VLANS`] 802.1Q/802.1ad tags (TPID 0x8100 or 0x88a8); a
//!    third tag, or a truncated one, ends tag parsing and its TPID becomes
//!    the frame's EtherType;
//! 3. 802.3 length + LLC/SNAP resolution ([`crate::ethernet::resolve_ethertype`]);
//! 4. an MPLS label stack, whose start is the "layer 2.5" offset;
//! 5. the layer-3 offset — set for every frame that got this far, whatever
//!    its EtherType, like `dp_packet`'s `l3_ofs`;
//! 6. IPv4 (length-checked) or IPv6 (fixed header, declared payload
//!    length present, then the extension-header chain) — like Open vSwitch,
//!    the version nibble is *not* checked here (`Repr::parse` does check
//!    it); trailing bytes beyond the IP
//!    datagram are layer-2 padding ([`Layers::l2_pad`]); the layer-4
//!    offset follows the IP headers, even for non-first fragments;
//! 7. for non-later fragments, the TCP (valid data offset), UDP (8 bytes),
//!    SCTP (12), ICMP, ICMPv6 or IGMP (8) header, whose end is the payload
//!    (`l7`) offset.
//!
//! These rules were checked against the reference implementation with
//! `ovs-ofctl parse-pcap` on thousands of mutated frames
//! (`tests/ovs_parse_pcap.rs`).
//!
//! Parsing never fails and never panics: it stops at the first layer that
//! is truncated or malformed, leaves the deeper offsets unset, and says
//! why in [`Layers::stop`].  Offsets are `u16` (relative to the start of
//! the frame); a frame whose headers reach beyond 65535 bytes stops there.

use crate::error::{Error, Result};
use crate::ethernet::{resolve_ethertype, EtherType, HEADER_LEN as ETH_LEN};
use crate::field::get_u16;
use crate::ip::{FragInfo, IpProtocol};
use crate::vlan::Tci;
use crate::{ipv4, ipv6, mpls, tcp};

/// Most VLAN tags parsed (Open vSwitch's `FLOW_MAX_VLAN_HEADERS`).
pub const MAX_VLANS: usize = 2;

/// One parsed VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanInfo {
    /// TPID (0x8100 or 0x88a8), raw.
    pub tpid: u16,
    /// Tag control information.
    pub tci: Tci,
}

/// Offsets and key facts found by walking a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layers {
    /// VLAN tags, outermost first; `n_vlans` are valid.
    pub vlans: [VlanInfo; MAX_VLANS],
    /// Number of valid entries in `vlans`.
    pub n_vlans: u8,
    /// EtherType after tags and LLC/SNAP (OVS `dl_type`).
    pub ethertype: EtherType,
    /// Start of the MPLS label stack, if any.
    pub l2_5: Option<u16>,
    /// Start of layer 3 (the bytes after all layer-2 headers).
    pub l3: Option<u16>,
    /// Start of layer 4 (after the IP header and extension headers).
    pub l4: Option<u16>,
    /// Start of the layer-4 payload, when the layer-4 header was valid.
    pub l7: Option<u16>,
    /// IP protocol (OVS `nw_proto`), for valid IPv4/IPv6.
    pub ip_proto: Option<IpProtocol>,
    /// Fragment classification.
    pub frag: FragInfo,
    /// Bytes of layer-2 padding after the IP datagram.
    pub l2_pad: u16,
    /// Why parsing stopped early, if it did.
    pub stop: Option<Error>,
}

impl Default for Layers {
    fn default() -> Self {
        Layers {
            vlans: [VlanInfo::default(); MAX_VLANS],
            n_vlans: 0,
            ethertype: EtherType::NoType,
            l2_5: None,
            l3: None,
            l4: None,
            l7: None,
            ip_proto: None,
            frag: FragInfo::NONE,
            l2_pad: 0,
            stop: None,
        }
    }
}

fn ofs(v: usize) -> Result<u16> {
    u16::try_from(v).map_err(|_| Error::Unsupported {
        layer: "frame",
        reason: "headers extend beyond 65535 bytes",
    })
}

impl Layers {
    /// Walks `frame` (starting with an Ethernet header), parsing up to
    /// [`MAX_VLANS`] tags.
    pub fn parse(frame: &[u8]) -> Layers {
        Self::parse_with_vlan_limit(frame, MAX_VLANS)
    }

    /// Like [`parse`](Self::parse) but parses at most `vlan_limit` tags
    /// (OVS `other_config:vlan-limit`, whose default is 1); 0 means
    /// [`MAX_VLANS`], and larger values are capped at it.  Further tags are
    /// payload: their TPID becomes the EtherType.
    pub fn parse_with_vlan_limit(frame: &[u8], vlan_limit: usize) -> Layers {
        let limit = if vlan_limit == 0 {
            MAX_VLANS
        } else {
            vlan_limit.min(MAX_VLANS)
        };
        let mut l = Layers::default();
        if let Err(e) = l.walk(frame, limit) {
            l.stop = Some(e);
        }
        l
    }

    /// The VLAN tags found, outermost first.
    pub fn vlans(&self) -> &[VlanInfo] {
        self.vlans.get(..usize::from(self.n_vlans)).unwrap_or(&[])
    }

    fn walk(&mut self, frame: &[u8], vlan_limit: usize) -> Result<()> {
        crate::error::need("Ethernet", ETH_LEN, frame.len())?;
        let mut off = 12;
        let mut tl = get_u16(frame, off);
        while EtherType::from(tl).is_vlan() && usize::from(self.n_vlans) < vlan_limit {
            if frame.len() < off + 2 + 4 {
                break;
            }
            if let Some(slot) = self.vlans.get_mut(usize::from(self.n_vlans)) {
                *slot = VlanInfo {
                    tpid: tl,
                    tci: Tci(get_u16(frame, off + 2)),
                };
            }
            self.n_vlans += 1;
            off += 4;
            tl = get_u16(frame, off);
        }
        off += 2;
        let (et, llc) = resolve_ethertype(tl, frame.get(off..).unwrap_or(&[]));
        self.walk_l3(frame, off + llc, et)
    }

    /// Walks a packet that starts at layer 3 (an OVS `packet_type` of
    /// `(1, ethertype)`, e.g. the IP payload of a GRE tunnel or a layer-3
    /// port): no Ethernet header, `ethertype` says what `packet` holds.
    /// Offsets are relative to the start of `packet`; `l3` is 0 (or after
    /// an MPLS stack).
    pub fn parse_l3(packet: &[u8], ethertype: EtherType) -> Layers {
        let mut l = Layers::default();
        if let Err(e) = l.walk_l3(packet, 0, ethertype) {
            l.stop = Some(e);
        }
        l
    }

    fn walk_l3(&mut self, frame: &[u8], mut off: usize, et: EtherType) -> Result<()> {
        self.ethertype = et;
        if et.is_mpls() {
            self.l2_5 = Some(ofs(off)?);
            off += mpls::stack_len(frame.get(off..).unwrap_or(&[]));
        }
        self.l3 = Some(ofs(off)?);
        let l3 = frame.get(off..).unwrap_or(&[]);
        let (l4off, proto, end) = match et {
            EtherType::Ipv4 => {
                let p = ipv4::Packet::new_checked(l3)?;
                self.ip_proto = Some(p.protocol());
                self.frag = p.frag_info();
                (p.header_len(), p.protocol(), usize::from(p.total_len()))
            }
            EtherType::Ipv6 => {
                let p = ipv6::Packet::new_checked(l3)?;
                let end = ipv6::HEADER_LEN + usize::from(p.payload_len());
                let chain = ipv6::walk_extension_headers(p.next_header(), p.payload())?;
                self.ip_proto = Some(chain.protocol);
                self.frag = chain.frag;
                (ipv6::HEADER_LEN + chain.offset, chain.protocol, end)
            }
            _ => return Ok(()),
        };
        self.l2_pad = u16::try_from(l3.len() - end.min(l3.len())).unwrap_or(u16::MAX);
        let l4start = off + l4off;
        self.l4 = Some(ofs(l4start)?);
        if self.frag.is_later() {
            return Ok(());
        }
        let l4 = l3.get(l4off..end).unwrap_or(&[]);
        let hl = match proto {
            IpProtocol::Tcp => {
                let t = tcp::Packet::new_checked(l4)?;
                t.header_len()
            }
            IpProtocol::Udp => {
                crate::error::need("UDP", 8, l4.len())?;
                8
            }
            IpProtocol::Sctp => {
                crate::error::need("SCTP", 12, l4.len())?;
                12
            }
            IpProtocol::Icmp => {
                crate::error::need("ICMP", 8, l4.len())?;
                8
            }
            IpProtocol::Igmp => {
                crate::error::need("IGMP", 8, l4.len())?;
                8
            }
            IpProtocol::Icmpv6 => {
                crate::error::need("ICMPv6", 8, l4.len())?;
                8
            }
            _ => return Ok(()),
        };
        self.l7 = Some(ofs(l4start + hl)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(ty: &[u8]) -> Vec<u8> {
        let mut v = vec![0xff; 6];
        v.extend_from_slice(&[2, 0, 0, 0, 0, 1]);
        v.extend_from_slice(ty);
        v
    }

    #[test]
    fn short_and_unknown() {
        let l = Layers::parse(&[0u8; 13]);
        assert!(l.stop.is_some() && l.l3.is_none());
        let l = Layers::parse(&eth(&[0x12, 0x34, 9]));
        assert_eq!(l.ethertype, EtherType::Unknown(0x1234));
        assert_eq!(l.l3, Some(14));
        assert!(l.stop.is_none() && l.l4.is_none());
    }

    #[test]
    fn vlans_llc_mpls() {
        let mut f = eth(&[
            0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x20, 0x14, 0x81, 0x00, 0x00, 0x1e, 0x08, 0x00,
        ]);
        let l = Layers::parse(&f);
        assert_eq!(l.n_vlans, 2);
        assert_eq!(
            l.vlans()[0],
            VlanInfo {
                tpid: 0x88a8,
                tci: Tci(10)
            }
        );
        assert_eq!(l.vlans()[1].tci.vid(), 20);
        assert_eq!(l.ethertype, EtherType::Vlan); // third tag not parsed
        assert_eq!(l.l3, Some(22));
        let l1 = Layers::parse_with_vlan_limit(&f, 1);
        assert_eq!(
            (l1.n_vlans, l1.ethertype, l1.l3),
            (1, EtherType::Vlan, Some(18))
        );
        // truncated tag
        f = eth(&[0x81, 0x00, 0x00]);
        let l = Layers::parse(&f);
        assert_eq!((l.n_vlans, l.ethertype), (0, EtherType::Vlan));
        // LLC/SNAP
        let f = eth(&[0x00, 0x30, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0xcc, 1]);
        let l = Layers::parse(&f);
        assert_eq!((l.ethertype, l.l3), (EtherType::Lldp, Some(22)));
        let f = eth(&[0x00, 0x30, 0x42, 0x42, 0x03]);
        assert_eq!(Layers::parse(&f).ethertype, EtherType::NoType);
        // MPLS: two labels
        let f = eth(&[0x88, 0x47, 0, 0, 0x10, 0x40, 0, 0, 0x31, 0x40, 0x45]);
        let l = Layers::parse(&f);
        assert_eq!((l.l2_5, l.l3), (Some(14), Some(22)));
    }

    #[test]
    fn layer3_packets() {
        // IPv4 / UDP without Ethernet.
        let mut ip = vec![
            0x45, 0, 0, 28, 0, 0, 0x20, 0x00, 64, 17, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
        ];
        ip.extend_from_slice(&[0, 1, 0, 2, 0, 8, 0, 0]);
        let l = Layers::parse_l3(&ip, EtherType::Ipv4);
        assert_eq!((l.l3, l.l4, l.l7), (Some(0), Some(20), Some(28)));
        assert!(l.frag.is_first());
        assert_eq!(l.ip_proto, Some(IpProtocol::Udp));
        // Later fragment: l4 offset set, no layer-4 parsing.
        ip[6] = 0x00;
        ip[7] = 0x10;
        let l = Layers::parse_l3(&ip, EtherType::Ipv4);
        assert!(l.frag.is_later());
        assert_eq!((l.l4, l.l7), (Some(20), None));
        // The version nibble is ignored, as OVS ignores it; a bad IHL is not.
        ip[0] = 0x55;
        assert!(Layers::parse_l3(&ip, EtherType::Ipv4).stop.is_none());
        ip[0] = 0x44;
        assert!(Layers::parse_l3(&ip, EtherType::Ipv4).stop.is_some());
    }
}
