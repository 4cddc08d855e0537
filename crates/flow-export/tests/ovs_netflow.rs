//! Differential test of NetFlow v5 against Open vSwitch itself.
//!
//! A private ovs-vswitchd (dummy datapath) gets OpenFlow rules (port 1 to
//! port 2, port 2 dropped) and a NetFlow target that is a UDP socket of this
//! test; known frames are injected and the records Open vSwitch exports when
//! the datapath flows idle out are compared with what our exporter produces
//! from the same statistics: every field except the timestamps must be
//! identical (timestamps are checked for consistency), and the headers must
//! carry the same engine fields and flow sequence numbering. Both plain and
//! `add_id_to_interface` numbering are covered. Prints SKIPPED when the Open
//! vSwitch binaries are missing; daemons are killed by pid.

mod common;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use common::run;
use flow_export::{
    ActiveTimeout, FlowKey, FlowUpdate, NetflowConfig, NetflowExporter, NetflowOutput,
    NetflowVersion,
};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn csum(b: &[u8]) -> u16 {
    let mut s: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// An Ethernet/IPv4 frame around `l4`.
fn ip_frame(src: [u8; 4], dst: [u8; 4], proto: u8, tos: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = vec![0x50, 0x54, 0, 0, 0, 2, 0x50, 0x54, 0, 0, 0, 1, 0x08, 0x00];
    let len = 20 + l4.len();
    let mut ip = vec![
        0x45,
        tos,
        (len >> 8) as u8,
        len as u8,
        0,
        0,
        0x40,
        0,
        64,
        proto,
        0,
        0,
    ];
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let c = csum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(l4);
    f
}

fn tcp(sport: u16, dport: u16, flags: u8, payload: usize) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0x20, 0, 0, 0, 0, 0]);
    t.resize(20 + payload, 0x61);
    t
}

fn udp(sport: u16, dport: u16, payload: usize) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.resize(8 + payload, 0x62);
    u
}

fn icmp(ty: u8, code: u8) -> Vec<u8> {
    let mut i = vec![ty, code, 0, 0, 0, 1, 0, 1];
    i.resize(16, 0x63);
    let c = csum(&i);
    i[2..4].copy_from_slice(&c.to_be_bytes());
    i
}

struct Injected {
    port: u16,
    key: FlowKey,
    tos: u8,
    flags: u8,
    frame: Vec<u8>,
}

fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_be_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]])
}

fn scenario(add_id: bool) {
    let Some(sw) = common::RefSwitch::start(
        "netflow_matches_open_vswitch",
        &["ovs-ofctl", "ovs-vsctl", "ovs-appctl"],
    ) else {
        return;
    };
    let d = sw.dir.clone();
    let ds = sw.ds();
    let db = format!("--db=unix:{ds}/db.sock");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let port = sock.local_addr().expect("addr").port();
    let (engine_type, engine_id) = (6u8, 5u8);
    let add_id_arg = format!("add_id_to_interface={add_id}");
    let targets = format!("targets=\"127.0.0.1:{port}\"");
    run(
        "ovs-vsctl",
        &[
            &db,
            "--",
            "add-br",
            "br0",
            "--",
            "set",
            "bridge",
            "br0",
            "datapath_type=dummy",
            "other_config:max-idle=500",
            "--",
            "add-port",
            "br0",
            "p1",
            "--",
            "set",
            "interface",
            "p1",
            "type=dummy",
            "ofport_request=1",
            "--",
            "add-port",
            "br0",
            "p2",
            "--",
            "set",
            "interface",
            "p2",
            "type=dummy",
            "ofport_request=2",
            "--",
            "set",
            "bridge",
            "br0",
            "netflow=@nf",
            "--",
            "--id=@nf",
            "create",
            "netflow",
            &targets,
            "active_timeout=0",
            &format!("engine_type={engine_type}"),
            &format!("engine_id={engine_id}"),
            &add_id_arg,
        ],
        &d,
    );
    let mgmt = format!("unix:{ds}/br0.mgmt");
    run(
        "ovs-ofctl",
        &["add-flow", &mgmt, "priority=100,in_port=1,actions=output:2"],
        &d,
    );
    run(
        "ovs-ofctl",
        &["add-flow", &mgmt, "priority=100,in_port=2,actions=drop"],
        &d,
    );

    let a = [10, 0, 0, 1];
    let b = [10, 0, 0, 2];
    let key = |in_port, src: [u8; 4], dst: [u8; 4], protocol, src_port, dst_port| FlowKey {
        in_port,
        src: Ipv4Addr::from(src),
        dst: Ipv4Addr::from(dst),
        protocol,
        src_port,
        dst_port,
    };
    let mut inj = Vec::new();
    for (flags, payload) in [(0x02u8, 0usize), (0x10, 100), (0x18, 300)] {
        inj.push(Injected {
            port: 1,
            key: key(1, a, b, 6, 1234, 80),
            tos: 0x20,
            flags,
            frame: ip_frame(a, b, 6, 0x20, &tcp(1234, 80, flags, payload)),
        });
    }
    for payload in [10usize, 20] {
        inj.push(Injected {
            port: 2,
            key: key(2, b, a, 17, 53, 5353),
            tos: 0,
            flags: 0,
            frame: ip_frame(b, a, 17, 0, &udp(53, 5353, payload)),
        });
    }
    inj.push(Injected {
        port: 1,
        key: key(1, [10, 0, 0, 3], b, 1, 8, 3),
        tos: 0,
        flags: 0,
        frame: ip_frame([10, 0, 0, 3], b, 1, 0, &icmp(8, 3)),
    });
    for i in &inj {
        run(
            "ovs-appctl",
            &[
                "-t",
                &format!("{ds}/vs.ctl"),
                "netdev-dummy/receive",
                &format!("p{}", i.port),
                &hex(&i.frame),
            ],
            &d,
        );
    }

    // Our exporter, fed the same statistics.
    let cfg = NetflowConfig {
        engine_type,
        engine_id,
        active_timeout: ActiveTimeout::from_column(0).expect("timeout"),
        add_id_to_interface: add_id,
        version: NetflowVersion::V5,
    };
    let mut ours = NetflowExporter::new(cfg, 0);
    for i in &inj {
        let output = if i.port == 1 {
            NetflowOutput::Port(2)
        } else {
            NetflowOutput::Drop
        };
        let u = FlowUpdate {
            packets: 1,
            bytes: i.frame.len() as u64,
            tcp_flags: i.flags,
            tos: i.tos,
            output,
            used_ms: 10,
        };
        ours.update(i.key, &u, 10);
    }
    ours.remove_all();
    let our_dgrams = ours.run(20, Duration::from_secs(1)).expect("run");
    assert_eq!(our_dgrams.len(), 1);
    let our = &our_dgrams[0];

    // Collect Open vSwitch's records until every flow is accounted for.
    let expected_packets = inj.len() as u32;
    let mut theirs: Vec<Vec<u8>> = Vec::new();
    let mut records_sent = 0u32;
    let mut got_packets = 0u32;
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(30);
    while got_packets < expected_packets {
        assert!(
            Instant::now() < deadline,
            "timed out with {got_packets} of {expected_packets} packets reported"
        );
        let Ok(n) = sock.recv(&mut buf) else { continue };
        let dg = &buf[..n];
        assert_eq!(u16::from_be_bytes([dg[0], dg[1]]), 5);
        let count = usize::from(u16::from_be_bytes([dg[2], dg[3]]));
        assert_eq!(n, 24 + 48 * count);
        records_sent += count as u32;
        assert_eq!(u32_at(dg, 16), records_sent - 1, "flow sequence");
        assert_eq!((dg[20], dg[21]), (engine_type, engine_id));
        assert_eq!(&dg[22..24], &[0, 0], "sampling interval");
        let uptime = u32_at(dg, 4);
        for r in dg[24..].chunks(48) {
            let (first, last) = (u32_at(r, 24), u32_at(r, 28));
            assert!(
                first <= last && last <= uptime,
                "first {first} last {last} uptime {uptime}"
            );
            got_packets += u32_at(r, 16);
            theirs.push(r.to_vec());
        }
    }

    // Compare per flow: everything but first/last (bytes 24..32), which depend on timing.
    let masked = |r: &[u8]| {
        let mut m = r.to_vec();
        m[24..32].fill(0);
        (m[0..16].to_vec(), m[32..36].to_vec(), m)
    };
    let mut their_map = BTreeMap::new();
    for r in &theirs {
        let (k1, k2, m) = masked(r);
        assert!(
            their_map.insert((k1, k2), m).is_none(),
            "one record per flow"
        );
    }
    let mut our_map = BTreeMap::new();
    for r in our[24..].chunks(48) {
        let (k1, k2, m) = masked(r);
        our_map.insert((k1, k2), m);
    }
    assert_eq!(their_map.len(), 3);
    for (k, m) in &our_map {
        let t = their_map
            .get(k)
            .unwrap_or_else(|| panic!("Open vSwitch did not report flow {}", hex(&k.0)));
        assert_eq!(hex(t), hex(m), "record for flow {} differs", hex(&k.0));
    }
}

#[test]
fn netflow_matches_open_vswitch() {
    scenario(false);
}

#[test]
fn netflow_add_id_to_interface_matches_open_vswitch() {
    scenario(true);
}
