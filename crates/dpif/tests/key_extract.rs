//! The flow-key syntax maps attributes onto the same `Flow` storage that packet extraction
//! fills: for packets described in OVS's datapath syntax (the descriptions `regen.sh` feeds
//! to `netdev-dummy/receive`), extracting the equivalent frame must give a flow that agrees
//! with the parsed key on every bit the key specifies.

use dpif::parse_key;
use flow::{extract, FieldId, Metadata};
use packet::{icmpv4, icmpv6, PacketBuilder, Tci, TcpFlags};
use std::net::Ipv4Addr;

const PE: &str = "in_port(1),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02)";

fn eth() -> PacketBuilder {
    PacketBuilder::new().ethernet(
        "50:54:00:00:00:01".parse().unwrap(),
        "50:54:00:00:00:02".parse().unwrap(),
    )
}

fn v4() -> PacketBuilder {
    eth().ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
}

fn v6(src: &str, dst: &str) -> PacketBuilder {
    eth().ipv6(src.parse().unwrap(), dst.parse().unwrap())
}

fn check(desc: &str, frame: &[u8], must_match: &[FieldId]) {
    let key = format!("{PE},{desc}");
    let (kf, km, _) = parse_key(&key).unwrap_or_else(|e| panic!("{key}: {e}"));
    let mut ef = flow::Flow::new();
    extract(
        frame,
        &Metadata {
            in_port: 1,
            ..Default::default()
        },
        &mut ef,
    );
    for id in must_match {
        assert_ne!(km.get(*id), 0, "{key}: {} not in the key", id.name());
    }
    for id in FieldId::ALL {
        let m = km.get(*id);
        assert_eq!(
            ef.get(*id) & m,
            kf.get(*id) & m,
            "{key}: field {} differs (extracted {:#x}, key {:#x}, mask {m:#x})",
            id.name(),
            ef.get(*id),
            kf.get(*id)
        );
    }
    assert!(ef.eq_masked(&kf, &km), "{key}");
}

#[test]
fn tcp4() {
    let f = v4()
        .tcp(1000, 80, TcpFlags(TcpFlags::SYN | TcpFlags::ACK))
        .build()
        .unwrap();
    check(
        "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80),tcp_flags(syn|ack)",
        &f,
        &[FieldId::IpSrc, FieldId::NwTtl, FieldId::NwFrag, FieldId::TpDst, FieldId::TcpFlags],
    );
}

#[test]
fn udp4_with_tos() {
    let mut f = v4().udp(1000, 53).build().unwrap();
    f[15] = 4;
    packet::ipv4::Packet::new_unchecked(&mut f[14..]).fill_checksum();
    check(
        "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=4,ttl=64,frag=no),udp(src=1000,dst=53)",
        &f,
        &[FieldId::NwTos, FieldId::NwEcn, FieldId::TpSrc],
    );
}

#[test]
fn icmp4() {
    let f = v4()
        .icmpv4(icmpv4::Repr::echo(false, 1, 2))
        .build()
        .unwrap();
    check(
        "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)",
        &f,
        &[FieldId::TpSrc, FieldId::TpDst],
    );
}

#[test]
fn first_fragment() {
    let mut f = v4().udp(1000, 53).payload(&[0; 16]).build().unwrap();
    f[20] = 0x20; // MF
    packet::ipv4::Packet::new_unchecked(&mut f[14..]).fill_checksum();
    check(
        "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=first),udp(src=1000,dst=53)",
        &f,
        &[FieldId::NwFrag],
    );
}

#[test]
fn vlan_tcp() {
    let f = eth()
        .vlan(Tci::new(3, false, 10))
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
        .tcp(1000, 80, TcpFlags(0))
        .build()
        .unwrap();
    check(
        "eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=1000,dst=80))",
        &f,
        &[FieldId::VlanTci, FieldId::EthType, FieldId::IpDst],
    );
}

#[test]
fn tcp6_with_label() {
    let mut f = v6("2001:db8::1", "2001:db8::2")
        .tcp(1000, 80, TcpFlags(0))
        .build()
        .unwrap();
    packet::ipv6::Packet::new_unchecked(&mut f[14..]).set_flow_label(5);
    check(
        "eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=5,proto=6,tclass=0,hlimit=64,frag=no),tcp(src=1000,dst=80)",
        &f,
        &[FieldId::Ipv6Src, FieldId::Ipv6Label, FieldId::NwTtl],
    );
}

#[test]
fn icmp6_and_nd() {
    let f = v6("2001:db8::1", "2001:db8::2")
        .icmpv6(icmpv6::Repr::echo(false, 1, 2))
        .build()
        .unwrap();
    check(
        "eth_type(0x86dd),ipv6(src=2001:db8::1,dst=2001:db8::2,label=0,proto=58,tclass=0,hlimit=64,frag=no),icmpv6(type=128,code=0)",
        &f,
        &[FieldId::TpSrc],
    );
    let f = v6("fe80::1", "ff02::1:ff00:2")
        .nd(icmpv6::NdRepr {
            advert: false,
            reserved: 0,
            target: "fe80::2".parse().unwrap(),
            source_ll: Some("50:54:00:00:00:01".parse().unwrap()),
            target_ll: None,
            options_type: 1,
        })
        .build()
        .unwrap();
    check(
        "eth_type(0x86dd),ipv6(src=fe80::1,dst=ff02::1:ff00:2,label=0,proto=58,tclass=0,hlimit=64,frag=no),icmpv6(type=135,code=0),nd(target=fe80::2,sll=50:54:00:00:00:01,tll=00:00:00:00:00:00)",
        &f,
        &[FieldId::NdTarget, FieldId::NdSll, FieldId::NdTll],
    );
}

#[test]
fn arp() {
    let f = eth()
        .arp(packet::ArpRepr {
            operation: packet::arp::Operation::Request,
            source_hardware_addr: "50:54:00:00:00:01".parse().unwrap(),
            source_protocol_addr: Ipv4Addr::new(10, 0, 0, 1),
            target_hardware_addr: "00:00:00:00:00:00".parse().unwrap(),
            target_protocol_addr: Ipv4Addr::new(10, 0, 0, 2),
        })
        .build()
        .unwrap();
    check(
        "eth_type(0x0806),arp(sip=10.0.0.1,tip=10.0.0.2,op=1,sha=50:54:00:00:00:01,tha=00:00:00:00:00:00)",
        &f,
        &[FieldId::ArpSpa, FieldId::ArpOp, FieldId::ArpSha],
    );
}

#[test]
fn mpls() {
    let mut f = eth().build().unwrap();
    f.truncate(12);
    f.extend_from_slice(&[0x88, 0x47]);
    f.extend_from_slice(&((100u32 << 12) | (1 << 9) | (1 << 8) | 64).to_be_bytes());
    check(
        "eth_type(0x8847),mpls(label=100,tc=1,ttl=64,bos=1)",
        &f,
        &[FieldId::MplsLabel, FieldId::MplsTtl],
    );
}
