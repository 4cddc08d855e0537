//! Cost of one packet-to-flow extraction (`flow::extract`), the work the datapath does for
//! every packet that misses its exact-match cache: TCP/IPv4, UDP/IPv6, ARP and a
//! VLAN-tagged TCP/IPv4 frame. Kept short (small warm-up and measurement times).

use std::hint::black_box;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use flow::{extract, Flow, Metadata};
use packet::{arp, EthernetAddress, PacketBuilder, Tci, TcpFlags};

fn frames() -> Vec<(&'static str, Vec<u8>)> {
    let a = EthernetAddress([2, 0, 0, 0, 0, 1]);
    let b = EthernetAddress([2, 0, 0, 0, 0, 2]);
    let s4 = Ipv4Addr::new(10, 0, 0, 1);
    let d4 = Ipv4Addr::new(10, 0, 0, 2);
    let s6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    let d6 = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
    let build = |p: PacketBuilder| p.build().expect("benchmark frame");
    vec![
        (
            "tcp_ipv4",
            build(
                PacketBuilder::new()
                    .ethernet(a, b)
                    .ipv4(s4, d4)
                    .tcp(40000, 80, TcpFlags(TcpFlags::SYN))
                    .payload(&[0; 64]),
            ),
        ),
        (
            "udp_ipv6",
            build(
                PacketBuilder::new()
                    .ethernet(a, b)
                    .ipv6(s6, d6)
                    .udp(5353, 53)
                    .payload(&[0; 64]),
            ),
        ),
        (
            "arp",
            build(PacketBuilder::new().ethernet(a, b).arp(arp::Repr {
                operation: arp::Operation::Request,
                source_hardware_addr: a,
                source_protocol_addr: s4,
                target_hardware_addr: EthernetAddress::ZERO,
                target_protocol_addr: d4,
            })),
        ),
        (
            "vlan_tcp_ipv4",
            build(
                PacketBuilder::new()
                    .ethernet(a, b)
                    .vlan(Tci::new(3, false, 100))
                    .ipv4(s4, d4)
                    .tcp(40000, 443, TcpFlags(TcpFlags::ACK))
                    .payload(&[0; 64]),
            ),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let md = Metadata {
        in_port: 1,
        ..Metadata::default()
    };
    let mut g = c.benchmark_group("extract");
    g.warm_up_time(Duration::from_millis(300));
    g.measurement_time(Duration::from_secs(1));
    for (name, frame) in frames() {
        let mut flow = Flow::new();
        g.bench_function(name, |bch| {
            bch.iter(|| {
                extract(black_box(&frame), black_box(&md), &mut flow);
                black_box(&flow);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
