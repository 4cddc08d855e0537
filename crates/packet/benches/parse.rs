//! Parsing a TCP/IPv4 frame through every layer.
//!
//! `layers` measures the OVS-style walk ([`Layers::parse`]); `reprs`
//! measures full high-level parsing of each header with checked views;
//! `checksum_1500` measures the Internet checksum over an MTU-sized
//! payload; `vlan_push_pop` measures an in-place tag push + pop.

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use packet::checksum;
use packet::ethernet::{self, EthernetAddress};
use packet::layers::Layers;
use packet::tcp::TcpFlags;
use packet::vlan::Tci;
use packet::{ipv4, tcp, EtherType, PacketBuf, PacketBuilder};

fn frame() -> Vec<u8> {
    let mut b = PacketBuilder::new()
        .ethernet(
            EthernetAddress([2, 0, 0, 0, 0, 1]),
            EthernetAddress([2, 0, 0, 0, 0, 2]),
        )
        .ipv4(Ipv4Addr::new(192, 168, 1, 10), Ipv4Addr::new(10, 1, 2, 3))
        .tcp(43512, 443, TcpFlags(TcpFlags::ACK | TcpFlags::PSH));
    if let Some(packet::Layer::Tcp(t)) = b.layers_mut().last_mut() {
        // MSS + NOPs + timestamps, a typical 12-byte option block.
        let _ = t.set_options(&[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
    }
    b.payload(&[0x5a; 64]).build().unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let f = frame();
    let mut g = c.benchmark_group("parse_tcp_ipv4");
    g.throughput(Throughput::Elements(1));
    g.bench_function("layers", |b| b.iter(|| Layers::parse(black_box(&f))));
    g.bench_function("reprs", |b| {
        b.iter(|| {
            let f = black_box(&f[..]);
            let eth = ethernet::Frame::new_checked(f).ok()?;
            let er = ethernet::Repr::parse(&eth).ok()?;
            let ip = ipv4::Packet::new_checked(eth.payload()).ok()?;
            let ir = ipv4::Repr::parse(&ip).ok()?;
            let t = tcp::Packet::new_checked(ip.payload()).ok()?;
            let tr = tcp::Repr::parse(&t).ok()?;
            Some((er.ethertype, ir.src_addr, tr.dst_port, t.payload().len()))
        })
    });
    g.finish();

    let data = vec![0xa7u8; 1500];
    let mut g = c.benchmark_group("checksum");
    g.throughput(Throughput::Bytes(1500));
    g.bench_function("checksum_1500", |b| {
        b.iter(|| checksum::checksum(black_box(&data)))
    });
    g.finish();

    let mut p = PacketBuf::from_slice(&f);
    p.parse();
    c.bench_function("vlan_push_pop", |b| {
        b.iter(|| {
            let _ = p.push_vlan(EtherType::Vlan, Tci::new(0, false, 100));
            black_box(p.pop_vlan())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
