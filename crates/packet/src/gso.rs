//! Software segmentation of GSO frames (TSO/USO), for ports that hand the
//! datapath oversized frames described by a virtio-net header.
//!
//! A tap or veth peer with offloads enabled may deliver one TCP (or UDP
//! with `GSO_UDP_L4`) "super-frame" far larger than the MTU, plus a
//! virtio-net header giving the segment size.  When such a frame has to
//! leave through a port that cannot offload, it must be cut into
//! `gso_size`-byte segments here, each with a copy of the headers:
//!
//! * IPv4: total length per segment, identification incremented per
//!   segment, header checksum recomputed;
//! * IPv6: payload length per segment (extension headers are copied);
//! * TCP: sequence number advanced by the bytes before the segment; FIN and
//!   PSH only on the last segment, CWR only on the first; checksum
//!   computed in full;
//! * UDP (`GSO_UDP_L4`): length and checksum per segment.
//!
//! UDP fragmentation offload (`GSO_UDP`, IP fragmentation) is not
//! supported and is reported as [`Error::Unsupported`].  Layer-2 padding
//! after the IP datagram is dropped.  The output frames are complete: no
//! checksum is left partial.

use crate::checksum::PseudoHeader;
use crate::error::{malformed, Error, Result};
use crate::ethernet::EtherType;
use crate::field::{get_u16, get_u32, set_u16, set_u32};
use crate::ip::IpProtocol;
use crate::layers::Layers;
use crate::tcp::TcpFlags;
use crate::virtio::{self, GSO_ECN, GSO_NONE, GSO_TCPV4, GSO_TCPV6, GSO_UDP, GSO_UDP_L4};
use crate::{ipv4, ipv6, tcp, udp};

fn unsupported<T>(reason: &'static str) -> Result<T> {
    Err(Error::Unsupported {
        layer: "GSO",
        reason,
    })
}

/// Cuts `frame` into segments of at most `hdr.gso_size` payload bytes as
/// described by `hdr` (see the module docs).  With `GSO_NONE` the frame is
/// returned whole, with a partial checksum completed if one is pending.
pub fn segment(frame: &[u8], hdr: &virtio::Repr) -> Result<Vec<Vec<u8>>> {
    let kind = hdr.gso_type & !GSO_ECN;
    if kind == GSO_NONE {
        let mut f = frame.to_vec();
        hdr.complete(&mut f)?;
        return Ok(vec![f]);
    }
    if kind == GSO_UDP {
        return unsupported("UDP fragmentation offload (GSO_UDP) is not supported");
    }
    let mss = usize::from(hdr.gso_size);
    if mss == 0 {
        return malformed("GSO", "gso_size is zero");
    }
    let l = Layers::parse(frame);
    let (Some(l3), Some(l4), Some(l7)) = (l.l3, l.l4, l.l7) else {
        return malformed("GSO", "frame has no complete layer-4 header");
    };
    let (l3, l4, l7) = (usize::from(l3), usize::from(l4), usize::from(l7));
    let want = match kind {
        GSO_TCPV4 => (EtherType::Ipv4, IpProtocol::Tcp),
        GSO_TCPV6 => (EtherType::Ipv6, IpProtocol::Tcp),
        GSO_UDP_L4 if l.ethertype == EtherType::Ipv6 => (EtherType::Ipv6, IpProtocol::Udp),
        GSO_UDP_L4 => (EtherType::Ipv4, IpProtocol::Udp),
        _ => return unsupported("unknown gso_type"),
    };
    if (l.ethertype, l.ip_proto) != (want.0, Some(want.1)) || l.frag.is_fragment() {
        return malformed("GSO", "gso_type does not match the frame's headers");
    }
    let end = frame.len() - usize::from(l.l2_pad);
    let headers = frame.get(..l7).unwrap_or(&[]);
    let payload = frame.get(l7..end).unwrap_or(&[]);
    let ph = match l.ethertype {
        EtherType::Ipv4 => {
            let p = ipv4::Packet::new_unchecked(frame.get(l3..).unwrap_or(&[]));
            PseudoHeader::V4(p.src_addr(), p.dst_addr())
        }
        _ => {
            let p = ipv6::Packet::new_unchecked(frame.get(l3..).unwrap_or(&[]));
            PseudoHeader::V6(p.src_addr(), p.dst_addr())
        }
    };
    let ident = get_u16(frame, l3 + 4);
    let seq = get_u32(frame, l4 + 4);
    let flags = TcpFlags(get_u16(frame, l4 + 12) & TcpFlags::MASK);
    let n = payload.len().div_ceil(mss).max(1);
    let mut out = Vec::with_capacity(n);
    for (i, chunk) in payload
        .chunks(mss)
        .chain(payload.is_empty().then_some(&[][..]))
        .enumerate()
    {
        let mut seg = Vec::with_capacity(headers.len() + chunk.len());
        seg.extend_from_slice(headers);
        seg.extend_from_slice(chunk);
        let len = seg.len();
        if l.ethertype == EtherType::Ipv4 {
            let tl = u16::try_from(len - l3).map_err(|_| Error::Malformed {
                layer: "GSO",
                reason: "segment exceeds the IPv4 length limit",
            })?;
            let mut ip = ipv4::Packet::new_unchecked(seg.get_mut(l3..).unwrap_or(&mut []));
            ip.set_total_len(tl);
            ip.set_ident(ident.wrapping_add(i as u16));
            ip.fill_checksum();
        } else {
            let pl = u16::try_from(len - l3 - ipv6::HEADER_LEN).map_err(|_| Error::Malformed {
                layer: "GSO",
                reason: "segment exceeds the IPv6 length limit",
            })?;
            ipv6::Packet::new_unchecked(seg.get_mut(l3..).unwrap_or(&mut [])).set_payload_len(pl);
        }
        let l4b = seg.get_mut(l4..).unwrap_or(&mut []);
        if want.1 == IpProtocol::Tcp {
            set_u32(l4b, 4, seq.wrapping_add((i * mss) as u32));
            let mut f = flags.0;
            if i + 1 < n {
                f &= !(TcpFlags::FIN | TcpFlags::PSH);
            }
            if i > 0 {
                f &= !TcpFlags::CWR;
            }
            let mut t = tcp::Packet::new_unchecked(l4b);
            t.set_flags(TcpFlags(f));
            t.fill_checksum(&ph);
        } else {
            let ul = u16::try_from(l4b.len()).unwrap_or(u16::MAX);
            set_u16(l4b, 4, ul);
            udp::Packet::new_unchecked(l4b).fill_checksum(&ph);
        }
        out.push(seg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::PacketBuilder;
    use crate::ethernet::EthernetAddress;
    use crate::vlan::Tci;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const A: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 1]);
    const B: EthernetAddress = EthernetAddress([2, 0, 0, 0, 0, 2]);

    fn gso(kind: u8, size: u16) -> virtio::Repr {
        virtio::Repr {
            gso_type: kind,
            gso_size: size,
            ..Default::default()
        }
    }

    fn payload(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7) as u8).collect()
    }

    #[test]
    fn tcpv4_segments() {
        let data = payload(4000);
        let mut b = PacketBuilder::new()
            .ethernet(A, B)
            .vlan(Tci(7))
            .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
            .tcp(
                1,
                2,
                TcpFlags(TcpFlags::ACK | TcpFlags::PSH | TcpFlags::FIN | TcpFlags::CWR),
            );
        if let Some(crate::builder::Layer::Ipv4(r)) = b.layers_mut().get_mut(2) {
            r.ident = 0xfffe;
        }
        if let Some(crate::builder::Layer::Tcp(t)) = b.layers_mut().get_mut(3) {
            t.seq_number = 0xffff_ff00;
        }
        let f = b.payload(&data).build().unwrap();
        let segs = segment(&f, &gso(GSO_TCPV4 | GSO_ECN, 1448)).unwrap();
        assert_eq!(segs.len(), 3);
        let mut joined = Vec::new();
        for (i, s) in segs.iter().enumerate() {
            let l = Layers::parse(s);
            assert!(l.stop.is_none());
            assert_eq!(l.n_vlans, 1);
            let ip = ipv4::Packet::new_checked(&s[18..]).unwrap();
            assert!(ip.verify_checksum());
            assert_eq!(usize::from(ip.total_len()), s.len() - 18);
            assert_eq!(ip.ident(), 0xfffeu16.wrapping_add(i as u16));
            let t = tcp::Packet::new_checked(ip.payload()).unwrap();
            assert!(t.verify_checksum(&PseudoHeader::V4(ip.src_addr(), ip.dst_addr())));
            assert_eq!(
                t.seq_number(),
                0xffff_ff00u32.wrapping_add((i * 1448) as u32)
            );
            let last = i == segs.len() - 1;
            assert_eq!(t.flags().contains(TcpFlags::FIN | TcpFlags::PSH), last);
            assert_eq!(t.flags().contains(TcpFlags::CWR), i == 0);
            assert!(t.flags().contains(TcpFlags::ACK));
            assert!(t.payload().len() <= 1448);
            joined.extend_from_slice(t.payload());
        }
        assert_eq!(joined, data);
    }

    #[test]
    fn tcpv6_and_udp_l4() {
        let s6: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let d6: Ipv6Addr = "2001:db8::2".parse().unwrap();
        let data = payload(3000);
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .ipv6(s6, d6)
            .tcp(5, 6, TcpFlags(TcpFlags::ACK))
            .payload(&data)
            .build()
            .unwrap();
        let segs = segment(&f, &gso(GSO_TCPV6, 1000)).unwrap();
        assert_eq!(segs.len(), 3);
        for s in &segs {
            let ip = ipv6::Packet::new_checked(&s[14..]).unwrap();
            let t = tcp::Packet::new_checked(ip.payload()).unwrap();
            assert!(t.verify_checksum(&PseudoHeader::V6(s6, d6)));
            assert_eq!(t.payload().len(), 1000);
        }
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .ipv4(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2))
            .udp(7, 8)
            .payload(&data)
            .build()
            .unwrap();
        let segs = segment(&f, &gso(GSO_UDP_L4, 1200)).unwrap();
        assert_eq!(segs.len(), 3);
        let mut joined = Vec::new();
        for s in &segs {
            let ip = ipv4::Packet::new_checked(&s[14..]).unwrap();
            let u = udp::Packet::new_checked(ip.payload()).unwrap();
            assert!(u.verify_checksum(&PseudoHeader::V4(ip.src_addr(), ip.dst_addr())));
            joined.extend_from_slice(u.payload());
        }
        assert_eq!(joined, data);
    }

    #[test]
    fn rejects_bad_requests() {
        let f = PacketBuilder::new()
            .ethernet(A, B)
            .ipv4(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2))
            .udp(7, 8)
            .payload(&payload(100))
            .build()
            .unwrap();
        assert!(segment(&f, &gso(GSO_TCPV4, 10)).is_err());
        assert!(segment(&f, &gso(GSO_UDP_L4, 0)).is_err());
        assert!(matches!(
            segment(&f, &gso(GSO_UDP, 10)),
            Err(Error::Unsupported { .. })
        ));
        assert!(segment(&f[..30], &gso(GSO_UDP_L4, 10)).is_err());
        assert_eq!(segment(&f, &gso(GSO_NONE, 0)).unwrap(), vec![f.clone()]);
        // Small payload: one segment, checksum recomputed.
        assert_eq!(segment(&f, &gso(GSO_UDP_L4, 1000)).unwrap().len(), 1);
    }
}
