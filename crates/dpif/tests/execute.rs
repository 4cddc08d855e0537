//! The action executor: packets built with the packet crate's builder, actions applied,
//! bytes and checksums checked with etherparse; and a property test that no packet and no
//! action list makes it panic.

use dpif::{execute_to_batch, parse_actions, ExecEvent, PacketMetadata};
use etherparse::{Icmpv4Header, Icmpv6Header, NetSlice, SlicedPacket, TransportSlice};
use packet::{icmpv4, icmpv6, PacketBuf, PacketBuilder, Tci, TcpFlags};
use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr};

const SRC: &str = "50:54:00:00:00:01";
const DST: &str = "50:54:00:00:00:02";

fn eth() -> PacketBuilder {
    PacketBuilder::new().ethernet(SRC.parse().unwrap(), DST.parse().unwrap())
}

fn tcp4() -> PacketBuf {
    eth()
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
        .tcp(1000, 80, TcpFlags(TcpFlags::SYN))
        .payload(b"hello world")
        .build_buf()
        .unwrap()
}

fn udp4() -> PacketBuf {
    eth()
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
        .udp(1000, 53)
        .payload(b"query")
        .build_buf()
        .unwrap()
}

fn tcp6() -> PacketBuf {
    eth()
        .ipv6(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        )
        .tcp(1000, 80, TcpFlags(TcpFlags::ACK))
        .payload(b"abc")
        .build_buf()
        .unwrap()
}

/// Outputs (port, bytes), every event, and the final metadata.
type RunResult = (Vec<(u32, Vec<u8>)>, Vec<ExecEvent>, PacketMetadata);

/// Runs `actions` (text) and returns the outputs.
fn run(mut p: PacketBuf, actions: &str) -> RunResult {
    let acts = parse_actions(actions).unwrap();
    let mut md = PacketMetadata::default();
    let mut r = || 0u32;
    let ev = execute_to_batch(&mut p, &mut md, &acts, &mut r);
    let outs = ev
        .iter()
        .filter_map(|e| match e {
            ExecEvent::Output { port, packet } => Some((*port, packet.clone())),
            _ => None,
        })
        .collect();
    (outs, ev, md)
}

/// Parses with etherparse and checks every checksum present; returns the sliced packet.
fn checked(bytes: &[u8]) -> SlicedPacket<'_> {
    let sp = SlicedPacket::from_ethernet(bytes).expect("etherparse accepts the frame");
    let (v4, v6) = match &sp.net {
        Some(NetSlice::Ipv4(ip)) => {
            let h = ip.header();
            assert_eq!(
                h.to_header().calc_header_checksum(),
                h.header_checksum(),
                "IPv4 header checksum"
            );
            (Some((h.source(), h.destination())), None)
        }
        Some(NetSlice::Ipv6(ip)) => {
            let h = ip.header();
            (None, Some((h.source(), h.destination())))
        }
        None => (None, None),
    };
    match &sp.transport {
        Some(TransportSlice::Tcp(t)) => {
            let c = match (v4, v6) {
                (Some((s, d)), _) => t.calc_checksum_ipv4(s, d).unwrap(),
                (_, Some((s, d))) => t.calc_checksum_ipv6(s, d).unwrap(),
                _ => unreachable!(),
            };
            assert_eq!(c, t.checksum(), "TCP checksum");
        }
        Some(TransportSlice::Udp(u)) if u.checksum() != 0 => {
            let h = u.to_header();
            let c = match (v4, v6) {
                (Some((s, d)), _) => h.calc_checksum_ipv4_raw(s, d, u.payload()).unwrap(),
                (_, Some((s, d))) => h.calc_checksum_ipv6_raw(s, d, u.payload()).unwrap(),
                _ => unreachable!(),
            };
            assert_eq!(c, u.checksum(), "UDP checksum");
        }
        Some(TransportSlice::Icmpv4(i)) => {
            let h = Icmpv4Header::with_checksum(i.icmp_type(), i.payload());
            assert_eq!(h.checksum, i.checksum(), "ICMP checksum");
        }
        Some(TransportSlice::Icmpv6(i)) => {
            let (s, d) = v6.unwrap();
            let h = Icmpv6Header::with_checksum(i.icmp_type(), s, d, i.payload()).unwrap();
            assert_eq!(h.checksum, i.checksum(), "ICMPv6 checksum");
        }
        Some(TransportSlice::Udp(_)) | None => {}
    }
    sp
}

#[test]
fn output_and_vlan_push_pop() {
    let orig = tcp4().to_vec();
    let (outs, _, _) = run(tcp4(), "push_vlan(vid=5,pcp=3),2,pop_vlan,3");
    assert_eq!(outs.len(), 2);
    let (p2, b2) = &outs[0];
    assert_eq!(*p2, 2);
    let sp = checked(b2);
    let vlan = match sp.vlan.expect("tagged") {
        etherparse::VlanSlice::SingleVlan(v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(vlan.vlan_identifier().value(), 5);
    assert_eq!(vlan.priority_code_point().value(), 3);
    assert!(
        !vlan.drop_eligible_indicator(),
        "CFI/DEI bit is cleared on the wire"
    );
    assert_eq!(b2.len(), orig.len() + 4);
    assert_eq!(outs[1], (3, orig));
}

#[test]
fn push_8021ad_and_pop_existing_tag() {
    let tagged = eth()
        .vlan(Tci::new(0, false, 10))
        .ipv4(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2))
        .udp(1, 2)
        .build_buf()
        .unwrap();
    let (outs, _, _) = run(tagged.clone(), "pop_vlan,1");
    let sp = checked(&outs[0].1);
    assert!(sp.vlan.is_none());
    let (outs, _, _) = run(tagged, "push_vlan(tpid=0x88a8,vid=7,pcp=0),1");
    assert_eq!(&outs[0].1[12..14], &[0x88, 0xa8]);
    assert_eq!(&outs[0].1[16..18], &[0x81, 0x00]);
    checked(&outs[0].1);
}

#[test]
fn set_eth_masked() {
    let (outs, _, _) = run(
        tcp4(),
        "set(eth(src=00:11:22:33:44:55,dst=aa:00:00:00:00:00/ff:00:00:00:00:00)),1",
    );
    let b = &outs[0].1;
    assert_eq!(&b[6..12], &[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert_eq!(&b[0..6], &[0xaa, 0x54, 0x00, 0x00, 0x00, 0x02]);
    // Value bits outside the mask are ORed in, as OVS's datapath does.
    let (outs, _, _) = run(
        tcp4(),
        "set(eth(dst=aa:00:00:00:00:f0/ff:00:00:00:00:00)),1",
    );
    assert_eq!(&outs[0].1[0..6], &[0xaa, 0x54, 0x00, 0x00, 0x00, 0xf2]);
}

#[test]
fn set_ipv4_updates_ip_and_tcp_checksums() {
    let (outs, _, _) = run(
        tcp4(),
        "set(ipv4(src=192.168.0.1,dst=172.16.0.0/255.255.0.0,tos=0x10/0xfc,ttl=63)),1",
    );
    let sp = checked(&outs[0].1);
    let Some(NetSlice::Ipv4(ip)) = &sp.net else {
        panic!()
    };
    let h = ip.header();
    assert_eq!(h.source(), [192, 168, 0, 1]);
    assert_eq!(h.destination(), [172, 16, 0, 2]);
    assert_eq!(h.ttl(), 63);
    assert_eq!(h.dcp().value() << 2, 0x10);
}

#[test]
fn set_ipv4_udp_and_ports() {
    let (outs, _, _) = run(
        udp4(),
        "set(ipv4(dst=9.9.9.9)),set(udp(src=2000,dst=5353)),1",
    );
    let sp = checked(&outs[0].1);
    let Some(TransportSlice::Udp(u)) = &sp.transport else {
        panic!()
    };
    assert_eq!((u.source_port(), u.destination_port()), (2000, 5353));
    assert_ne!(u.checksum(), 0);
    let (outs, _, _) = run(tcp4(), "set(tcp(src=80/0xff,dst=8080)),1");
    let sp = checked(&outs[0].1);
    let Some(TransportSlice::Tcp(t)) = &sp.transport else {
        panic!()
    };
    assert_eq!(t.source_port(), (1000 & 0xff00) | 80);
    assert_eq!(t.destination_port(), 8080);
}

#[test]
fn udp_zero_checksum_stays_zero() {
    let mut p = udp4();
    let l = packet::Layers::parse(p.data());
    let l4 = usize::from(l.l4.unwrap());
    p.data_mut()[l4 + 6] = 0;
    p.data_mut()[l4 + 7] = 0;
    let (outs, _, _) = run(p, "set(ipv4(src=1.2.3.4)),set(udp(dst=99)),1");
    assert_eq!(&outs[0].1[l4 + 6..l4 + 8], &[0, 0]);
    checked(&outs[0].1);
}

#[test]
fn set_ipv6_and_tcp6() {
    let (outs, _, _) = run(
        tcp6(),
        "set(ipv6(src=2001:db8::99,dst=2001:db8::/ffff:ffff::,label=0x12345,tclass=0x20/0xfc,hlimit=9)),set(tcp(dst=443)),1",
    );
    let sp = checked(&outs[0].1);
    let Some(NetSlice::Ipv6(ip)) = &sp.net else {
        panic!()
    };
    let h = ip.header();
    assert_eq!(
        Ipv6Addr::from(h.source()),
        "2001:db8::99".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(
        Ipv6Addr::from(h.destination()),
        "2001:db8::2".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(h.flow_label().value(), 0x12345);
    assert_eq!(h.traffic_class(), 0x20);
    assert_eq!(h.hop_limit(), 9);
}

#[test]
fn set_icmp_type_code() {
    let p = eth()
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
        .icmpv4(icmpv4::Repr::echo(false, 7, 9))
        .payload(b"ping")
        .build_buf()
        .unwrap();
    let (outs, _, _) = run(p, "set(icmp(type=0,code=0)),set(ipv4(src=1.1.1.1)),1");
    let sp = checked(&outs[0].1);
    let Some(TransportSlice::Icmpv4(i)) = &sp.transport else {
        panic!()
    };
    assert_eq!(i.type_u8(), 0);
    let p = eth()
        .ipv6("fe80::1".parse().unwrap(), "fe80::2".parse().unwrap())
        .icmpv6(icmpv6::Repr::echo(false, 7, 9))
        .build_buf()
        .unwrap();
    let (outs, _, _) = run(p, "set(ipv6(dst=fe80::99)),set(icmpv6(type=129)),1");
    let sp = checked(&outs[0].1);
    let Some(TransportSlice::Icmpv6(i)) = &sp.transport else {
        panic!()
    };
    assert_eq!(i.type_u8(), 129);
}

#[test]
fn set_nd_target_and_sll() {
    let p = eth()
        .ipv6(
            "fe80::1".parse().unwrap(),
            "ff02::1:ff00:2".parse().unwrap(),
        )
        .nd(icmpv6::NdRepr {
            advert: false,
            reserved: 0,
            target: "fe80::2".parse().unwrap(),
            source_ll: Some(SRC.parse().unwrap()),
            target_ll: None,
            options_type: 1,
        })
        .build_buf()
        .unwrap();
    let (outs, _, _) = run(p, "set(nd(target=fe80::3,sll=00:11:22:33:44:55)),1");
    let b = &outs[0].1;
    checked(b);
    let l = packet::Layers::parse(b);
    let l4 = usize::from(l.l4.unwrap());
    assert_eq!(
        Ipv6Addr::from(<[u8; 16]>::try_from(&b[l4 + 8..l4 + 24]).unwrap()),
        "fe80::3".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(&b[l4 + 26..l4 + 32], &[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
}

#[test]
fn set_on_missing_header_is_skipped() {
    let orig = tcp4().to_vec();
    let (outs, _, _) = run(
        tcp4(),
        "set(ipv6(src=::1)),set(udp(src=1)),set(icmp(type=1)),set(arp(op=2)),set(nd(target=::1)),set(mpls(label=1,tc=0,ttl=1,bos=1)),1",
    );
    assert_eq!(outs[0].1, orig);
}

#[test]
fn metadata_sets_and_ct_clear() {
    let (_, _, md) = run(
        tcp4(),
        "set(skb_mark(0xf/0xf)),set(skb_priority(0x5)),set(ct_state(0x21)),ct_clear,set(skb_mark(0x30/0xf0))",
    );
    assert_eq!(md.pkt_mark, 0x3f);
    assert_eq!(md.skb_priority, 5);
    assert_eq!(md.ct_state, 0);
}

#[test]
fn trunc_applies_to_next_output_only() {
    let len = tcp4().len();
    let (outs, _, _) = run(tcp4(), "trunc(20),2,3");
    assert_eq!(outs[0].1.len(), 20);
    assert_eq!(outs[1].1.len(), len);
}

#[test]
fn clone_does_not_leak_changes() {
    let orig = tcp4().to_vec();
    let (outs, _, _) = run(tcp4(), "clone(set(eth(src=00:00:00:00:00:09)),2),3");
    assert_eq!(&outs[0].1[6..12], &[0, 0, 0, 0, 0, 9]);
    assert_eq!(outs[1], (3, orig));
}

#[test]
fn sample_uses_the_random_source() {
    let acts = parse_actions("sample(sample=50.0%,actions(7)),1").unwrap();
    for (r, expect) in [
        (0u32, 2usize),
        (u32::MAX / 2 - 10, 2),
        (u32::MAX / 2 + 10, 1),
        (u32::MAX, 1),
    ] {
        let mut p = tcp4();
        let mut md = PacketMetadata::default();
        let mut rng = || r;
        let ev = execute_to_batch(&mut p, &mut md, &acts, &mut rng);
        assert_eq!(ev.len(), expect, "random {r}");
    }
}

#[test]
fn userspace_recirc_and_check_pkt_len() {
    let (outs, ev, _) = run(
        tcp4(),
        "userspace(pid=0,controller(reason=1,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535)),recirc(0x5),check_pkt_len(size=20,gt(4),le(5)),drop,6",
    );
    assert!(matches!(&ev[0], ExecEvent::Userspace { .. }));
    match &ev[1] {
        ExecEvent::Recirc { md, .. } => assert_eq!(md.recirc_id, 5),
        other => panic!("{other:?}"),
    }
    assert_eq!(outs.iter().map(|o| o.0).collect::<Vec<_>>(), vec![4]);
}

#[test]
fn push_and_pop_mpls() {
    let (outs, _, _) = run(
        tcp4(),
        "push_mpls(label=100,tc=1,ttl=64,bos=1,eth_type=0x8847),2",
    );
    let b = &outs[0].1;
    assert_eq!(&b[12..14], &[0x88, 0x47]);
    assert_eq!(
        u32::from_be_bytes([b[14], b[15], b[16], b[17]]),
        (100 << 12) | (1 << 9) | (1 << 8) | 64
    );
    let (outs2, _, _) = run(
        PacketBuf::from_slice(b),
        "set(mpls(label=7,tc=0,ttl=9,bos=1)),1,pop_mpls(eth_type=0x800),3",
    );
    let b2 = &outs2[0].1;
    assert_eq!(
        u32::from_be_bytes([b2[14], b2[15], b2[16], b2[17]]),
        (7 << 12) | (1 << 8) | 9
    );
    assert_eq!(outs2[1].1, tcp4().to_vec());
}

#[test]
fn hash_sets_dp_hash_symmetrically() {
    let a = run(tcp4(), "hash(sym_l4(0))").2.dp_hash;
    let rev = eth()
        .ipv4(Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 1))
        .tcp(80, 1000, TcpFlags(TcpFlags::SYN))
        .payload(b"hello world")
        .build_buf()
        .unwrap();
    let b = run(rev.clone(), "hash(sym_l4(0))").2.dp_hash;
    assert_eq!(a, b);
    let c = run(rev, "hash(l4(0))").2.dp_hash;
    let d = run(tcp4(), "hash(l4(0))").2.dp_hash;
    assert_ne!(c, d);
}

fn arb_action(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        (0u32..8).prop_map(|p| p.to_string()),
        Just("pop_vlan".to_string()),
        (0u16..4096, 0u8..8).prop_map(|(v, p)| format!("push_vlan(vid={v},pcp={p})")),
        Just("push_vlan(tpid=0x88a8,vid=1,pcp=0)".to_string()),
        Just("push_mpls(label=5,tc=1,ttl=3,bos=1,eth_type=0x8847)".to_string()),
        Just("pop_mpls(eth_type=0x800)".to_string()),
        (0u32..100).prop_map(|n| format!("trunc({n})")),
        Just("set(eth(src=00:00:00:00:00:01/ff:00:00:00:00:ff))".to_string()),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(a, m, t)| format!(
            "set(ipv4(src={}/{},tos={t:#x}/0xfc,ttl={t}))",
            Ipv4Addr::from(a),
            Ipv4Addr::from(m)
        )),
        (any::<u128>(), 0u32..0xfffff).prop_map(|(a, l)| format!(
            "set(ipv6(dst={},label={l:#x},hlimit=3))",
            Ipv6Addr::from(a)
        )),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| format!("set(tcp(src={a},dst={b}))")),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| format!("set(udp(src={a}/0xff,dst={b}))")),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| format!("set(sctp(src={a},dst={b}))")),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| format!("set(icmp(type={a},code={b}))")),
        (any::<u8>(), any::<u8>()).prop_map(|(a, b)| format!("set(icmpv6(type={a},code={b}))")),
        Just("set(arp(sip=1.2.3.4,op=2,tha=00:00:00:00:00:02))".to_string()),
        Just("set(nd(target=::1,sll=00:00:00:00:00:01,tll=00:00:00:00:00:02))".to_string()),
        Just("set(mpls(label=1,tc=2,ttl=3,bos=1))".to_string()),
        Just("set(skb_mark(0x5/0xff))".to_string()),
        Just("recirc(0x3)".to_string()),
        Just("hash(l4(0))".to_string()),
        Just("ct_clear".to_string()),
        Just("ct(commit)".to_string()),
        Just("meter(1)".to_string()),
        Just("userspace(pid=0,slow_path(cfm))".to_string()),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = proptest::collection::vec(arb_action(depth - 1), 0..4).prop_map(|v| {
        if v.is_empty() {
            "drop".to_string()
        } else {
            v.join(",")
        }
    });
    prop_oneof![
        4 => leaf,
        1 => inner.clone().prop_map(|a| format!("clone({a})")),
        1 => inner.clone().prop_map(|a| format!("sample(sample=50.0%,actions({a}))")),
        1 => (inner.clone(), inner).prop_map(|(a, b)| format!("check_pkt_len(size=60,gt({a}),le({b}))")),
    ]
    .boxed()
}

fn arb_packet() -> impl Strategy<Value = Vec<u8>> {
    let seeds = vec![
        tcp4().to_vec(),
        udp4().to_vec(),
        tcp6().to_vec(),
        eth()
            .vlan(Tci::new(1, false, 10))
            .ipv4(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2))
            .sctp(1, 2, 3)
            .build()
            .unwrap(),
        eth()
            .ipv6("fe80::1".parse().unwrap(), "ff02::1".parse().unwrap())
            .nd(icmpv6::NdRepr {
                advert: true,
                reserved: 0,
                target: "fe80::2".parse().unwrap(),
                source_ll: None,
                target_ll: Some(DST.parse().unwrap()),
                options_type: 2,
            })
            .build()
            .unwrap(),
    ];
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..120),
        (
            proptest::sample::select(seeds),
            any::<usize>(),
            proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6)
        )
            .prop_map(|(mut p, cut, flips)| {
                for (i, b) in flips {
                    let n = p.len();
                    if let Some(x) = p.get_mut(i % n.max(1)) {
                        *x ^= b;
                    }
                }
                let n = p.len();
                p.truncate(cut % (n + 1));
                p
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics(
        pkt in arb_packet(),
        acts in proptest::collection::vec(arb_action(2), 0..8),
        rnd in any::<u32>(),
    ) {
        let text = if acts.is_empty() { "drop".to_string() } else { acts.join(",") };
        let actions = parse_actions(&text).unwrap();
        // Printing and parsing agree on generated lists too.
        prop_assert_eq!(parse_actions(&dpif::format_actions(&actions)).unwrap(), actions.clone());
        let mut p = PacketBuf::from_slice(&pkt);
        let mut md = PacketMetadata::default();
        let mut r = || rnd;
        let _ = execute_to_batch(&mut p, &mut md, &actions, &mut r);
    }

    #[test]
    fn checksums_stay_valid(
        which in 0usize..3,
        acts in proptest::collection::vec(arb_action(0), 0..6),
    ) {
        let p = [tcp4(), udp4(), tcp6()][which].clone();
        // Only header rewrites that keep the packet parseable by etherparse.
        let acts: Vec<String> = acts
            .into_iter()
            .filter(|a| a.starts_with("set(ipv4") || a.starts_with("set(ipv6") || a.starts_with("set(tcp") || a.starts_with("set(udp") || a.starts_with("set(eth") || a.chars().all(|c| c.is_ascii_digit()))
            .collect();
        let text = format!("{}{}9", acts.join(","), if acts.is_empty() { "" } else { "," });
        let (outs, _, _) = run(p, &text);
        for (_, b) in &outs {
            checked(b);
        }
    }
}

#[test]
fn checker_detects_bad_checksums() {
    // The checksum checks above must be able to fail: a corrupted payload byte is caught.
    let mut b = tcp4().to_vec();
    let n = b.len();
    b[n - 1] ^= 0x55;
    assert!(std::panic::catch_unwind(|| {
        checked(&b);
    })
    .is_err());
    let mut b = tcp4().to_vec();
    b[14 + 8] ^= 1; // IPv4 TTL without a checksum update
    assert!(std::panic::catch_unwind(|| {
        checked(&b);
    })
    .is_err());
}

#[test]
fn set_sctp_recomputes_crc() {
    let p = eth()
        .ipv4(Ipv4Addr::new(1, 1, 1, 1), Ipv4Addr::new(2, 2, 2, 2))
        .sctp(1, 2, 3)
        .payload(&[0, 1, 2, 3, 4, 5, 6, 7])
        .build_buf()
        .unwrap();
    let (outs, _, _) = run(p, "set(sctp(src=1000,dst=2000)),1");
    let b = &outs[0].1;
    let l = packet::Layers::parse(b);
    let l4 = usize::from(l.l4.unwrap());
    let s = packet::sctp::Packet::new_checked(&b[l4..]).unwrap();
    assert_eq!((s.src_port(), s.dst_port()), (1000, 2000));
    assert!(s.verify_checksum());
}

#[test]
fn later_fragment_ports_untouched() {
    let mut p = udp4();
    let l3 = 14;
    // Fragment offset 8 (in 8-byte units): a later fragment; fix the header checksum.
    p.data_mut()[l3 + 6] = 0x00;
    p.data_mut()[l3 + 7] = 0x08;
    {
        let mut ip = packet::ipv4::Packet::new_unchecked(&mut p.data_mut()[l3..]);
        ip.fill_checksum();
    }
    let before = p.to_vec();
    let (outs, _, _) = run(p, "set(udp(src=1)),1");
    assert_eq!(outs[0].1, before);
}

/// A meter's DSCP-remark band raises the drop precedence (bits 1-2 of the DSCP) and keeps
/// the ECN bits and the checksums right; non-IP frames are left alone.
#[test]
fn dscp_remark_raises_drop_precedence() {
    let tos_of = |p: &[u8]| match checked(p).net {
        Some(NetSlice::Ipv4(ip)) => (ip.header().dcp().value() << 2) | ip.header().ecn().value(),
        Some(NetSlice::Ipv6(ip)) => ip.header().traffic_class(),
        _ => panic!("no IP"),
    };
    // AF21 (18) + 1 level = AF22 (20); AF22 + 2 = AF23 (22, the highest); ECN kept.
    for (v6, tos, prec, want) in [
        (false, (18u8 << 2) | 1, 1u8, (20u8 << 2) | 1),
        (false, 20 << 2, 2, 22 << 2),
        (false, 22 << 2, 1, 22 << 2),
        (true, (18 << 2) | 2, 1, (20 << 2) | 2),
    ] {
        let (base, set) = if v6 {
            (tcp6(), format!("set(ipv6(tclass={tos:#x})),1"))
        } else {
            (tcp4(), format!("set(ipv4(tos={tos:#x}/0xff)),1"))
        };
        let (outs, _, _) = run(base, &set);
        let mut p = PacketBuf::from_slice(&outs[0].1);
        assert_eq!(tos_of(p.data()), tos, "{set}");
        dpif::remark_dscp(&mut p, prec);
        assert_eq!(tos_of(p.data()), want, "{set} + {prec}");
    }
    let mut frame = vec![0u8; 60];
    frame[12..14].copy_from_slice(&[0x08, 0x06]);
    frame[14] = 0x45;
    let mut p = PacketBuf::from_slice(&frame);
    dpif::remark_dscp(&mut p, 1);
    assert_eq!(p.data(), &frame[..], "an ARP frame is not IP");
}
