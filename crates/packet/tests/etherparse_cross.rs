//! Differential tests against the `etherparse` crate.
//!
//! For random header values, the same packet is composed by etherparse's
//! `PacketBuilder` and by ours; the frames must be byte-for-byte identical
//! (which checks lengths, EtherTypes/protocol numbers and every checksum),
//! our parsers must recover the values from etherparse's frame, and
//! etherparse must recover them from ours.

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::{
    IpNumber, LinkHeader, NetHeaders, PacketHeaders, TcpHeader, TransportHeader, VlanHeader, VlanId,
};
use packet::builder::{Layer, PacketBuilder};
use packet::checksum::PseudoHeader;
use packet::ethernet::{EtherType, EthernetAddress};
use packet::ip::IpProtocol;
use packet::layers::Layers;
use packet::tcp::TcpFlags;
use packet::vlan::Tci;
use packet::{icmpv4, icmpv6, ipv4, ipv6, tcp, udp};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Common {
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    vlans: Vec<u16>,
    ttl: u8,
    payload: Vec<u8>,
}

fn common() -> impl Strategy<Value = Common> {
    (
        any::<[u8; 6]>(),
        any::<[u8; 6]>(),
        prop::collection::vec(0u16..4096, 0..=2),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(src_mac, dst_mac, vlans, ttl, payload)| Common {
            src_mac,
            dst_mac,
            vlans,
            ttl,
            payload,
        })
}

/// etherparse builder up to (and including) the link + VLAN step, then IPv4/IPv6.
fn ep_l2(c: &Common) -> etherparse::PacketBuilderStep<etherparse::Ethernet2Header> {
    etherparse::PacketBuilder::ethernet2(c.src_mac, c.dst_mac)
}

fn our_l2(c: &Common) -> PacketBuilder {
    let mut b =
        PacketBuilder::new().ethernet(EthernetAddress(c.src_mac), EthernetAddress(c.dst_mac));
    match c.vlans.as_slice() {
        [v] => b = b.vlan(Tci::new(0, false, *v)),
        [o, i] => {
            b = b
                .vlan_tpid(EtherType::QinQ, Tci::new(0, false, *o))
                .vlan(Tci::new(0, false, *i));
        }
        _ => {}
    }
    b
}

macro_rules! ep_with_vlans {
    ($c:expr, |$s:ident| $rest:expr) => {{
        let c = $c;
        match c.vlans.as_slice() {
            [v] => {
                let $s = ep_l2(c).single_vlan(VlanId::try_new(*v).unwrap());
                $rest
            }
            [o, i] => {
                let $s = ep_l2(c)
                    .double_vlan(VlanId::try_new(*o).unwrap(), VlanId::try_new(*i).unwrap());
                $rest
            }
            _ => {
                let $s = ep_l2(c);
                $rest
            }
        }
    }};
}

fn check_l2(c: &Common, frame: &[u8], l: &Layers) {
    let h = PacketHeaders::from_ethernet_slice(frame).unwrap();
    let Some(LinkHeader::Ethernet2(e)) = h.link else {
        panic!("no ethernet")
    };
    assert_eq!(e.source, c.src_mac);
    assert_eq!(e.destination, c.dst_mac);
    let ours: Vec<u16> = l.vlans().iter().map(|v| v.tci.vid()).collect();
    assert_eq!(ours, c.vlans);
    match (&h.vlan, c.vlans.len()) {
        (None, 0) => {}
        (Some(VlanHeader::Single(s)), 1) => assert_eq!(s.vlan_id.value(), c.vlans[0]),
        (Some(VlanHeader::Double(d)), 2) => {
            assert_eq!(d.outer.vlan_id.value(), c.vlans[0]);
            assert_eq!(d.inner.vlan_id.value(), c.vlans[1]);
        }
        other => panic!("vlan mismatch {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn ipv4_udp(c in common(), src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(), sp in any::<u16>(), dp in any::<u16>()) {
        let mut theirs = Vec::new();
        ep_with_vlans!(&c, |s| s.ipv4(src, dst, c.ttl).udp(sp, dp).write(&mut theirs, &c.payload).unwrap());
        let mut ip = ipv4::Repr::new(Ipv4Addr::from(src), Ipv4Addr::from(dst), IpProtocol::Udp, 0);
        ip.ttl = c.ttl;
        ip.dont_frag = true;
        let ours = our_l2(&c).layer(Layer::Ipv4(ip)).udp(sp, dp).payload(&c.payload).build().unwrap();
        prop_assert_eq!(&ours, &theirs);

        let l = Layers::parse(&theirs);
        prop_assert!(l.stop.is_none());
        prop_assert_eq!(l.ip_proto, Some(IpProtocol::Udp));
        let hp = PacketHeaders::from_ethernet_slice(&theirs).unwrap();
        prop_assert_eq!(usize::from(l.l7.unwrap()), theirs.len() - hp.payload.slice().len());
        check_l2(&c, &theirs, &l);
        let l3 = usize::from(l.l3.unwrap());
        let p = ipv4::Packet::new_checked(&theirs[l3..]).unwrap();
        prop_assert!(p.verify_checksum());
        let r = ipv4::Repr::parse(&p).unwrap();
        prop_assert_eq!(r.src_addr, Ipv4Addr::from(src));
        prop_assert_eq!(r.ttl, c.ttl);
        let u = udp::Packet::new_checked(p.payload()).unwrap();
        prop_assert!(u.verify_checksum(&PseudoHeader::V4(r.src_addr, r.dst_addr)));
        prop_assert_eq!((u.src_port(), u.dst_port()), (sp, dp));
        prop_assert_eq!(u.payload(), &c.payload[..]);
    }

    #[test]
    fn ipv4_tcp(c in common(), src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(), sp in any::<u16>(), dp in any::<u16>(),
                seq in any::<u32>(), ack in any::<u32>(), win in any::<u16>(), flags in 0u16..0x200,
                opt_words in 0usize..=10) {
        let opts: Vec<u8> = (0..opt_words * 4).map(|i| if i % 4 == 3 { 0 } else { 1 }).collect();
        let mut th = TcpHeader::new(sp, dp, seq, win);
        th.acknowledgment_number = ack;
        th.fin = flags & TcpFlags::FIN != 0;
        th.syn = flags & TcpFlags::SYN != 0;
        th.rst = flags & TcpFlags::RST != 0;
        th.psh = flags & TcpFlags::PSH != 0;
        th.ack = flags & TcpFlags::ACK != 0;
        th.urg = flags & TcpFlags::URG != 0;
        th.ece = flags & TcpFlags::ECE != 0;
        th.cwr = flags & TcpFlags::CWR != 0;
        th.ns = flags & TcpFlags::NS != 0;
        th.set_options_raw(&opts).unwrap();
        let mut theirs = Vec::new();
        ep_with_vlans!(&c, |s| s.ipv4(src, dst, c.ttl).tcp_header(th.clone()).write(&mut theirs, &c.payload).unwrap());

        let mut ip = ipv4::Repr::new(Ipv4Addr::from(src), Ipv4Addr::from(dst), IpProtocol::Tcp, 0);
        ip.ttl = c.ttl;
        ip.dont_frag = true;
        let mut t = tcp::Repr::new(sp, dp, TcpFlags(flags));
        t.seq_number = seq;
        t.ack_number = ack;
        t.window = win;
        t.set_options(&opts).unwrap();
        let ours = our_l2(&c).layer(Layer::Ipv4(ip)).layer(Layer::Tcp(t)).payload(&c.payload).build().unwrap();
        prop_assert_eq!(&ours, &theirs);

        let l = Layers::parse(&theirs);
        check_l2(&c, &theirs, &l);
        let l4 = usize::from(l.l4.unwrap());
        let tp = tcp::Packet::new_checked(&theirs[l4..]).unwrap();
        prop_assert_eq!(tcp::Repr::parse(&tp).unwrap(), t);
        prop_assert_eq!(usize::from(l.l7.unwrap()), l4 + 20 + opts.len());
        prop_assert!(tp.verify_checksum(&PseudoHeader::V4(src.into(), dst.into())));

        let h = PacketHeaders::from_ethernet_slice(&ours).unwrap();
        let Some(TransportHeader::Tcp(back)) = h.transport else { panic!("no tcp") };
        let mut expect = th.clone();
        expect.checksum = tp.checksum();
        prop_assert_eq!(back, expect);
    }

    #[test]
    fn ipv6_udp_tcp(c in common(), src in any::<[u8; 16]>(), dst in any::<[u8; 16]>(), sp in any::<u16>(), dp in any::<u16>(), use_tcp in any::<bool>()) {
        let mut theirs = Vec::new();
        if use_tcp {
            ep_with_vlans!(&c, |s| s.ipv6(src, dst, c.ttl).tcp(sp, dp, 7, 100).write(&mut theirs, &c.payload).unwrap());
        } else {
            ep_with_vlans!(&c, |s| s.ipv6(src, dst, c.ttl).udp(sp, dp).write(&mut theirs, &c.payload).unwrap());
        }
        let mut ip = ipv6::Repr::new(Ipv6Addr::from(src), Ipv6Addr::from(dst), IpProtocol::Udp, 0);
        ip.hop_limit = c.ttl;
        let b = our_l2(&c).layer(Layer::Ipv6(ip));
        let b = if use_tcp {
            let mut t = tcp::Repr::new(sp, dp, TcpFlags(0));
            t.seq_number = 7;
            t.window = 100;
            b.layer(Layer::Tcp(t))
        } else {
            b.udp(sp, dp)
        };
        let ours = b.payload(&c.payload).build().unwrap();
        prop_assert_eq!(&ours, &theirs);

        let l = Layers::parse(&theirs);
        check_l2(&c, &theirs, &l);
        prop_assert_eq!(l.ethertype, EtherType::Ipv6);
        let hp = PacketHeaders::from_ethernet_slice(&theirs).unwrap();
        prop_assert_eq!(usize::from(l.l7.unwrap()), theirs.len() - hp.payload.slice().len());
        prop_assert_eq!(l.ip_proto, Some(if use_tcp { IpProtocol::Tcp } else { IpProtocol::Udp }));
        let l3 = usize::from(l.l3.unwrap());
        let r = ipv6::Repr::parse(&ipv6::Packet::new_checked(&theirs[l3..]).unwrap()).unwrap();
        prop_assert_eq!(r.src_addr, Ipv6Addr::from(src));
        prop_assert_eq!(r.payload_len, theirs.len() - l3 - 40);
        let h = PacketHeaders::from_ethernet_slice(&ours).unwrap();
        let Some(NetHeaders::Ipv6(h6, _)) = h.net else { panic!("no ipv6") };
        prop_assert_eq!(h6.source, src);
        prop_assert_eq!(h6.hop_limit, c.ttl);
        prop_assert_eq!(h6.next_header, if use_tcp { IpNumber::TCP } else { IpNumber::UDP });
    }

    #[test]
    fn icmp_echo(c in common(), id in any::<u16>(), seq in any::<u16>(), v6 in any::<bool>(), reply in any::<bool>()) {
        let s4 = [10, 0, 0, 1];
        let d4 = [10, 0, 0, 2];
        let s6: [u8; 16] = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).octets();
        let d6: [u8; 16] = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2).octets();
        let mut theirs = Vec::new();
        match (v6, reply) {
            (false, false) => ep_with_vlans!(&c, |s| s.ipv4(s4, d4, c.ttl).icmpv4_echo_request(id, seq).write(&mut theirs, &c.payload).unwrap()),
            (false, true) => ep_with_vlans!(&c, |s| s.ipv4(s4, d4, c.ttl).icmpv4_echo_reply(id, seq).write(&mut theirs, &c.payload).unwrap()),
            (true, false) => ep_with_vlans!(&c, |s| s.ipv6(s6, d6, c.ttl).icmpv6_echo_request(id, seq).write(&mut theirs, &c.payload).unwrap()),
            (true, true) => ep_with_vlans!(&c, |s| s.ipv6(s6, d6, c.ttl).icmpv6_echo_reply(id, seq).write(&mut theirs, &c.payload).unwrap()),
        }
        let b = our_l2(&c);
        let b = if v6 {
            let mut ip = ipv6::Repr::new(s6.into(), d6.into(), IpProtocol::Icmpv6, 0);
            ip.hop_limit = c.ttl;
            b.layer(Layer::Ipv6(ip)).icmpv6(icmpv6::Repr::echo(reply, id, seq))
        } else {
            let mut ip = ipv4::Repr::new(s4.into(), d4.into(), IpProtocol::Icmp, 0);
            ip.ttl = c.ttl;
            ip.dont_frag = true;
            b.layer(Layer::Ipv4(ip)).icmpv4(icmpv4::Repr::echo(reply, id, seq))
        };
        let ours = b.payload(&c.payload).build().unwrap();
        prop_assert_eq!(&ours, &theirs);
        let l = Layers::parse(&theirs);
        prop_assert!(l.l7.is_some());
        let l4 = usize::from(l.l4.unwrap());
        if v6 {
            let p = icmpv6::Packet::new_checked(&theirs[l4..]).unwrap();
            prop_assert!(p.verify_checksum(&PseudoHeader::V6(s6.into(), d6.into())));
            prop_assert_eq!(icmpv6::Repr::parse(&p).unwrap(), icmpv6::Repr::echo(reply, id, seq));
        } else {
            let p = icmpv4::Packet::new_checked(&theirs[l4..]).unwrap();
            prop_assert!(p.verify_checksum());
            prop_assert_eq!((p.echo_ident(), p.echo_seq_no()), (id, seq));
        }
    }
}

#[test]
fn ipv6_extension_headers_match_etherparse() {
    use etherparse::{
        IpAuthHeader, IpHeaders, Ipv6Extensions, Ipv6Header, Ipv6RawExtHeader,
        Ipv6RoutingExtensions,
    };
    // No fragment header here: etherparse 0.16 encodes the M flag as bit
    // 0x80 of the fourth byte instead of bit 0x01 (RFC 8200 §4.5), so its
    // fragment headers are not a valid oracle (see `etherparse_fragment_encoding`).
    let raw = |data: &[u8]| Ipv6RawExtHeader::new_raw(IpNumber(0), data).unwrap();
    let exts = Ipv6Extensions {
        hop_by_hop_options: Some(raw(&[1, 4, 0, 0, 0, 0])),
        destination_options: Some(raw(&[1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
        routing: Some(Ipv6RoutingExtensions {
            routing: raw(&[0, 0, 0, 0, 0, 0]),
            final_destination_options: Some(raw(&[1, 4, 0, 0, 0, 0])),
        }),
        fragment: None,
        auth: Some(IpAuthHeader::new(IpNumber(0), 1, 2, &[0; 12]).unwrap()),
    };
    let h6 = Ipv6Header {
        source: Ipv6Addr::LOCALHOST.octets(),
        destination: Ipv6Addr::LOCALHOST.octets(),
        hop_limit: 9,
        ..Default::default()
    };
    let mut theirs = Vec::new();
    etherparse::PacketBuilder::ethernet2([2; 6], [4; 6])
        .ip(IpHeaders::Ipv6(h6, exts))
        .udp(1, 2)
        .write(&mut theirs, b"xyz")
        .unwrap();
    let l = Layers::parse(&theirs);
    assert!(l.stop.is_none(), "{:?}", l.stop);
    assert_eq!(l.ip_proto, Some(IpProtocol::Udp));
    assert!(!l.frag.is_fragment());
    let hdrs = PacketHeaders::from_ethernet_slice(&theirs).unwrap();
    let payload_at = theirs.len() - hdrs.payload.slice().len();
    assert_eq!(usize::from(l.l7.unwrap()), payload_at);
    assert_eq!(&theirs[payload_at..], b"xyz");
}

/// Documents the one place where etherparse 0.16 and RFC 8200 disagree:
/// the more-fragments flag is the least significant bit of the
/// offset/flags word.  Our encoding follows the RFC.
#[test]
fn etherparse_fragment_encoding() {
    use etherparse::{IpFragOffset, Ipv6FragmentHeader};
    let theirs = Ipv6FragmentHeader::new(IpNumber(17), IpFragOffset::ZERO, true, 1).to_bytes();
    let mut ours = [0u8; 8];
    ipv6::FragmentRepr {
        next_header: IpProtocol::Udp,
        frag_offset: 0,
        more_frags: true,
        ident: 1,
    }
    .emit(&mut ours)
    .unwrap();
    assert_eq!(ours, [17, 0, 0, 1, 0, 0, 0, 1]);
    assert_eq!(
        theirs[3], 0x80,
        "etherparse changed its fragment encoding; revisit the cross-check"
    );
}
