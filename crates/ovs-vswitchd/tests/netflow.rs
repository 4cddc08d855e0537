//! NetFlow v5 export (seed section 5: "NetFlow export is also expected"), on dummy ports:
//! `ovs-vsctl -- set bridge br0 netflow=@nf -- --id=@nf create netflow targets=...` makes
//! the switch send a record per IPv4 flow with its input and output ports and counts.

mod common;

use std::net::{Ipv4Addr, UdpSocket};
use std::time::Duration;

use common::{frame, Switch, T};
use testkit::wait_until;

/// A NetFlow v5 record's fields the test checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    input: u16,
    output: u16,
    packets: u32,
    protocol: u8,
}

fn parse(d: &[u8]) -> Option<(u8, u8, Vec<Record>)> {
    let be16 = |i: usize| Some(u16::from_be_bytes(d.get(i..i + 2)?.try_into().ok()?));
    let be32 = |i: usize| Some(u32::from_be_bytes(d.get(i..i + 4)?.try_into().ok()?));
    if be16(0)? != 5 {
        return None;
    }
    let count = usize::from(be16(2)?);
    if d.len() != 24 + 48 * count {
        return None;
    }
    let recs = (0..count)
        .map(|i| {
            let r = 24 + 48 * i;
            Some(Record {
                src: Ipv4Addr::from(be32(r)?),
                dst: Ipv4Addr::from(be32(r + 4)?),
                input: be16(r + 12)?,
                output: be16(r + 14)?,
                packets: be32(r + 16)?,
                protocol: *d.get(r + 38)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((*d.get(20)?, *d.get(21)?, recs))
}

#[test]
fn ipv4_flows_are_exported_with_ports_and_counts() {
    let collector = UdpSocket::bind("127.0.0.1:0").unwrap();
    collector
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let target = format!("targets=\"{}\"", collector.local_addr().unwrap());
    let sw = Switch::start("netflow");
    sw.vsctl_ok_owned(&common::bridge_args("br0", &[("p1", 1), ("p2", 2)]));
    sw.vsctl_ok(&[
        "--",
        "set",
        "bridge",
        "br0",
        "netflow=@nf",
        "--",
        "--id=@nf",
        "create",
        "netflow",
        &target,
        "engine_type=7",
        "engine_id=9",
        "active_timeout=1",
    ]);
    // p2's host speaks first, so p1's traffic to it is unicast to port 2.
    let (a, b) = ("00:00:00:00:00:01", "00:00:00:00:00:02");
    sw.appctl_ok(&[
        "netdev-dummy/receive",
        "p2",
        &frame(b, "ff:ff:ff:ff:ff:ff", None),
    ]);
    for _ in 0..5 {
        sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(a, b, None)]);
    }
    // The frames are ICMP 10.0.0.1 -> 10.0.0.2; sum what the collector gets for them.
    let mut got: Vec<Record> = Vec::new();
    let mut buf = [0u8; 65536];
    wait_until("NetFlow records for 5 packets from port 1", T, || {
        if let Ok(n) = collector.recv(&mut buf) {
            let (engine_type, engine_id, recs) = parse(&buf[..n]).expect("a NetFlow v5 datagram");
            assert_eq!((engine_type, engine_id), (7, 9));
            got.extend(recs);
        }
        got.iter()
            .filter(|r| r.input == 1)
            .map(|r| r.packets)
            .sum::<u32>()
            >= 5
    })
    .unwrap_or_else(|e| panic!("{e}: {got:?}"));
    let from_p1: Vec<&Record> = got.iter().filter(|r| r.input == 1).collect();
    assert!(
        from_p1.iter().all(|r| r.src == Ipv4Addr::new(10, 0, 0, 1)
            && r.dst == Ipv4Addr::new(10, 0, 0, 2)
            && r.protocol == 1
            && r.output == 2),
        "{from_p1:?}"
    );
    assert_eq!(from_p1.iter().map(|r| r.packets).sum::<u32>(), 5);
    // The rule counts every packet too, including the first of each megaflow (which the
    // datapath does not count), also when a megaflow's key is the packet's whole flow.
    let o = sw.run(testkit::bins::bin_path("ovs-ofctl"), &["dump-flows", "br0"]);
    let flows = String::from_utf8_lossy(&o.stdout);
    assert!(flows.contains("n_packets=6,"), "{flows}");
}
