//! The crate's no-panic contract, tested: parsing any byte string at any
//! layer, and calling any accessor on an unchecked view, must not panic.
//!
//! Two generators are used: fully random bytes, and valid frames (built by
//! the crate's own builder) with random bytes overwritten and random
//! truncation, which reach the deep layers far more often than noise does.

use std::net::{Ipv4Addr, Ipv6Addr};

use packet::buffer::PacketBuf;
use packet::builder::PacketBuilder;
use packet::ethernet::{self, EtherType, EthernetAddress};
use packet::ip::IpProtocol;
use packet::layers::Layers;
use packet::tcp::TcpFlags;
use packet::vlan::{self, Tci};
use packet::{
    arp, checksum, geneve, gre, icmpv4, icmpv6, ipv4, ipv6, mpls, sctp, tcp, udp, virtio, vxlan,
};
use proptest::prelude::*;

fn every_layer(b: &[u8]) {
    for limit in 0..4 {
        let l = Layers::parse_with_vlan_limit(b, limit);
        let _ = l.vlans();
    }
    for et in [0x0800u16, 0x86dd, 0x8847, 0x0806, 0x1234] {
        let _ = Layers::parse_l3(b, EtherType::from(et));
    }
    let _ = ethernet::LlcSnap::parse(b);
    let _ = ethernet::resolve_ethertype(0x0020, b);

    let f = ethernet::Frame::new_unchecked(b);
    let _ = (
        f.dst_addr(),
        f.src_addr(),
        f.ethertype(),
        f.payload().len(),
        ethernet::Repr::parse(&f),
    );

    let t = vlan::Tag::new_unchecked(b);
    let _ = (
        t.tci(),
        t.ethertype(),
        t.payload().len(),
        vlan::Repr::parse(&t),
    );

    let _ = (mpls::Lse::parse(b), mpls::stack_len(b));

    let a = arp::Packet::new_unchecked(b);
    let _ = (
        a.check_len(),
        a.is_ethernet_ipv4(),
        a.operation(),
        a.source_protocol_addr(),
        a.target_hardware_addr(),
    );
    let _ = arp::Repr::parse(&a);

    let p = ipv4::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.options().len(),
        p.payload().len(),
        p.verify_checksum(),
        p.frag_info(),
    );
    let _ = ipv4::Repr::parse(&p);

    let p = ipv6::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.payload().len(),
        p.flow_label(),
        p.traffic_class(),
    );
    let _ = ipv6::Repr::parse(&p);
    for nh in [0u8, 43, 44, 50, 51, 59, 60, 6] {
        let _ = ipv6::walk_extension_headers(IpProtocol::from(nh), b);
        if let Ok(h) = ipv6::ExtHeader::new_checked(b, IpProtocol::from(nh)) {
            let _ = (
                h.data().len(),
                h.frag_offset(),
                h.routing_type(),
                h.segments_left(),
            );
        }
    }
    let _ = ipv6::FragmentRepr::parse(b);

    let ph4 = checksum::PseudoHeader::V4(Ipv4Addr::LOCALHOST, Ipv4Addr::BROADCAST);
    let ph6 = checksum::PseudoHeader::V6(Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED);
    let p = tcp::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.options().len(),
        p.payload().len(),
        p.flags().to_string(),
        p.verify_checksum(&ph4),
    );
    let _ = tcp::Repr::parse(&p);
    let p = udp::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.payload().len(),
        p.verify_checksum(&ph4),
        p.verify_checksum(&ph6),
    );
    let _ = udp::Repr::parse(&p);
    let p = sctp::Packet::new_unchecked(b);
    let _ = (p.check_len(), p.verify_checksum(), p.chunks().len());
    let _ = sctp::Repr::parse(&p);
    let p = icmpv4::Packet::new_unchecked(b);
    let _ = (p.data().len(), p.verify_checksum(), icmpv4::Repr::parse(&p));
    let p = icmpv6::Packet::new_unchecked(b);
    let _ = (
        p.body().len(),
        p.verify_checksum(&ph6),
        icmpv6::Repr::parse(&p),
    );
    let _ = icmpv6::NdRepr::parse(&p);

    let p = packet::igmp::Packet::new_unchecked(b);
    let _ = (
        p.group_addr(),
        p.payload().len(),
        p.verify_checksum(),
        packet::igmp::Repr::parse(&p),
    );
    let p = vxlan::Packet::new_unchecked(b);
    let _ = (p.vni(), p.payload().len(), vxlan::Repr::parse(&p));
    let p = geneve::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.options().count(),
        p.payload().len(),
        geneve::Repr::parse(&p),
    );
    let p = gre::Packet::new_unchecked(b);
    let _ = (
        p.check_len(),
        p.key(),
        p.seq_number(),
        p.checksum(),
        p.verify_checksum(),
        p.payload().len(),
    );
    let _ = gre::Repr::parse(&p);

    let h = virtio::VirtioNetHdr::new_unchecked(b);
    let _ = (h.csum_start(), h.num_buffers(), virtio::Repr::parse(&h));
    let _ = checksum::sum(b);
}

fn mutate_frames(b: &[u8], start: u16, off: u16) {
    for kind in [0u8, 1, 3, 4, 5, 0x81, 9] {
        let h = virtio::Repr {
            flags: (start & 1) as u8,
            gso_type: kind,
            hdr_len: 0,
            gso_size: off % 2000,
            csum_start: start % 200,
            csum_offset: off % 40,
        };
        let _ = packet::gso::segment(b, &h);
    }
    let mut m = b.to_vec();
    let _ = virtio::complete_partial_checksum(&mut m, usize::from(start), usize::from(off));
    let _ = virtio::prepare_partial_checksum(&mut m, usize::from(start), usize::from(off), 7);
    let mut t = tcp::Packet::new_unchecked(&mut m[..]);
    t.set_dst_port_incremental(9);
    t.fill_checksum(&checksum::PseudoHeader::V4(
        Ipv4Addr::LOCALHOST,
        Ipv4Addr::LOCALHOST,
    ));
    let mut ip = ipv4::Packet::new_unchecked(&mut m[..]);
    ip.set_ttl_incremental(3);
    ip.fill_checksum();
    let _ = ip.payload_mut().len();
    let mut u = udp::Packet::new_unchecked(&mut m[..]);
    u.set_src_port_incremental(1);
    u.fill_checksum(&checksum::PseudoHeader::V6(
        Ipv6Addr::LOCALHOST,
        Ipv6Addr::LOCALHOST,
    ));
    let mut g = gre::Packet::new_unchecked(&mut m[..]);
    g.fill_checksum();

    let mut p = PacketBuf::from_slice_with_headroom(b, usize::from(start % 8));
    p.parse();
    let _ = p.pop_vlan();
    let _ = p.push_vlan(EtherType::Vlan, Tci(off));
    let _ = p.l3().map(|s| s.len());
    let _ = p.pull_front(usize::from(off % 64));
    let _ = p.l4_mut().map(|s| s.len());
    let _ = p.push_mpls(EtherType::MplsUnicast, mpls::Lse(u32::from(off)));
    let _ = p.pop_mpls(EtherType::Ipv4);
    let _ = p.pop_mpls(EtherType::Ipv4);
    let _ = p.insert_head(usize::from(start % 128), usize::from(off % 64));
    let _ = p.remove_head(usize::from(off % 128), usize::from(start % 64));
    let _ = p.remove_head(usize::MAX - 1, 4);
    let mut ic = icmpv6::Packet::new_unchecked(p.data_mut());
    let _ = ic.set_nd_target_incremental(Ipv6Addr::LOCALHOST);
    let _ = ic.set_nd_lla_incremental(2, EthernetAddress([1; 6]));
    p.prepend(&[0; 20]);
    p.truncate(usize::from(start));
    let _ = p.pop_vlan();
}

fn valid_frames() -> Vec<Vec<u8>> {
    let a = EthernetAddress([2, 0, 0, 0, 0, 1]);
    let z = EthernetAddress([2, 0, 0, 0, 0, 2]);
    let s4 = Ipv4Addr::new(10, 0, 0, 1);
    let d4 = Ipv4Addr::new(10, 0, 0, 2);
    let s6 = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
    let d6 = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 1, 0xff00, 2);
    let mut g = geneve::Repr::new(5, EtherType::TransparentEthernet);
    let _ = g.push_option(0x0102, 1, &[1, 2, 3, 4]);
    let builders = [
        PacketBuilder::new()
            .ethernet(a, z)
            .vlan(Tci(5))
            .ipv4(s4, d4)
            .tcp(1, 2, TcpFlags(2))
            .payload(b"abc"),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv6(s6, d6)
            .udp(1, 4789)
            .vxlan(9)
            .ethernet(a, z)
            .ipv4(s4, d4)
            .udp(3, 4),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv4(s4, d4)
            .udp(1, 6081)
            .geneve(g)
            .ethernet(a, z)
            .arp(arp::Repr {
                operation: arp::Operation::Request,
                source_hardware_addr: a,
                source_protocol_addr: s4,
                target_hardware_addr: z,
                target_protocol_addr: d4,
            }),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv4(s4, d4)
            .gre(gre::Repr {
                protocol: EtherType::TransparentEthernet,
                checksum: true,
                key: Some(1),
                seq_number: Some(2),
            })
            .ethernet(a, z)
            .ipv6(s6, d6)
            .icmpv6(icmpv6::Repr::echo(false, 1, 2)),
        PacketBuilder::new()
            .ethernet(a, z)
            .vlan_tpid(EtherType::QinQ, Tci(1))
            .vlan(Tci(2))
            .ipv6(s6, d6)
            .nd(icmpv6::NdRepr {
                advert: false,
                reserved: 0,
                target: d6,
                source_ll: Some(a),
                target_ll: None,
                options_type: 1,
            }),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv4(s4, d4)
            .sctp(1, 2, 3)
            .payload(&[0; 16]),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv4(s4, d4)
            .icmpv4(icmpv4::Repr::echo(true, 1, 1))
            .payload(b"x"),
        PacketBuilder::new()
            .ethernet(a, z)
            .ipv6(s6, d6)
            .layer(packet::builder::Layer::Ipv6Fragment(ipv6::FragmentRepr {
                next_header: IpProtocol::Udp,
                frag_offset: 0,
                more_frags: true,
                ident: 7,
            }))
            .udp(5, 6)
            .payload(b"frag"),
    ];
    builders
        .iter()
        .map(|b| b.build().unwrap_or_default())
        .collect()
}

/// Cases per property: 2000 by default; set `PACKET_NO_PANIC_CASES` for a
/// longer soak run.
fn cases() -> u32 {
    std::env::var("PACKET_NO_PANIC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn random_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400), start in any::<u16>(), off in any::<u16>()) {
        every_layer(&b);
        mutate_frames(&b, start, off);
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        which in 0usize..8,
        edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
        start in any::<u16>(),
        off in any::<u16>(),
    ) {
        let frames = valid_frames();
        let mut f = frames[which % frames.len()].clone();
        prop_assume!(!f.is_empty());
        for (i, v) in edits {
            let n = f.len();
            f[i % n] = v;
        }
        let keep = cut % (f.len() + 1);
        f.truncate(keep.max(f.len() / 2));
        every_layer(&f);
        let l = Layers::parse(&f);
        for o in [l.l3, l.l4, l.l7, l.l2_5].into_iter().flatten() {
            let o = usize::from(o);
            prop_assert!(o <= f.len());
            every_layer(&f[o..]);
        }
        mutate_frames(&f, start, off);
    }
}

#[test]
fn valid_frames_parse_cleanly() {
    for f in valid_frames() {
        assert!(!f.is_empty());
        let l = Layers::parse(&f);
        assert!(l.stop.is_none(), "{l:?}");
        assert!(l.l3.is_some());
    }
}
