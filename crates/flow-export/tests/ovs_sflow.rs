//! Differential test against Open vSwitch itself.
//!
//! Starts a private ovsdb-server and ovs-vswitchd (dummy datapath, dummy
//! ports with ifIndexes 1001 and 1002), configures sFlow towards a UDP socket
//! of this test, injects known frames, and compares what Open vSwitch sends
//! with what our agent encodes for the same inputs: flow samples must be
//! byte-identical (sequence numbers, sample pool, interfaces, record order,
//! header record), and counter samples must have the same sources, record
//! formats and layout (encoding the counter values Open vSwitch reported
//! must reproduce its bytes exactly). Prints SKIPPED when the Open vSwitch
//! binaries are missing. The daemons are killed by pid.

mod common;

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use common::{run, tcp_frame};
use flow_export::sflow::records::{encode_counter_sample, SampleFormat};
use flow_export::{
    AppResources, CounterRecord, CounterSample, DataSource, EthernetCounters,
    GenericInterfaceCounters, OvsDpStats, PacketSample, SflowAgent, SflowConfig, SflowInterface,
};

fn u32_at(b: &[u8], o: usize) -> u32 {
    b.get(o..o + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    (u64::from(u32_at(b, o)) << 32) | u64::from(u32_at(b, o + 4))
}

/// One sample of a received datagram: its format word and its whole encoding.
struct Sample {
    format: u32,
    bytes: Vec<u8>,
}

fn parse_datagram(d: &[u8]) -> (u32, Vec<Sample>) {
    assert_eq!(u32_at(d, 0), 5, "version");
    assert_eq!(u32_at(d, 4), 1, "IPv4 agent");
    assert_eq!(&d[8..12], &[127, 0, 0, 1], "agent address");
    assert_eq!(u32_at(d, 12), 0, "sub-agent id");
    let seq = u32_at(d, 16);
    let n = u32_at(d, 24);
    let mut off = 28;
    let mut samples = Vec::new();
    for _ in 0..n {
        let format = u32_at(d, off);
        let len = u32_at(d, off + 4) as usize;
        samples.push(Sample {
            format,
            bytes: d[off..off + 8 + len].to_vec(),
        });
        off += 8 + len;
    }
    assert_eq!(off, d.len(), "declared lengths cover the datagram");
    (seq, samples)
}

/// Counter records of a compact counter sample: (format, body).
fn counter_records(s: &[u8]) -> (u32, Vec<(u32, Vec<u8>)>) {
    let source = u32_at(s, 12);
    let n = u32_at(s, 16);
    let mut off = 20;
    let mut recs = Vec::new();
    for _ in 0..n {
        let f = u32_at(s, off);
        let l = u32_at(s, off + 4) as usize;
        recs.push((f, s[off + 8..off + 8 + l].to_vec()));
        off += 8 + l;
    }
    (source, recs)
}

fn opt(v: u32) -> Option<u64> {
    (v != u32::MAX).then_some(u64::from(v))
}
fn opt64(v: u64) -> Option<u64> {
    (v != u64::MAX).then_some(v)
}
fn opt32(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

/// Rebuilds a counter record from Open vSwitch's bytes through our types.
fn rebuild<'a>(format: u32, b: &'a [u8]) -> CounterRecord<'a> {
    match format {
        1 => CounterRecord::Generic(GenericInterfaceCounters {
            if_index: u32_at(b, 0),
            if_type: u32_at(b, 4),
            if_speed: u64_at(b, 8),
            if_direction: u32_at(b, 16),
            admin_up: u32_at(b, 20) & 1 != 0,
            oper_up: u32_at(b, 20) & 2 != 0,
            in_octets: opt64(u64_at(b, 24)),
            in_ucast_pkts: opt(u32_at(b, 32)),
            in_multicast_pkts: opt(u32_at(b, 36)),
            in_broadcast_pkts: opt(u32_at(b, 40)),
            in_discards: opt(u32_at(b, 44)),
            in_errors: opt(u32_at(b, 48)),
            in_unknown_protos: opt(u32_at(b, 52)),
            out_octets: opt64(u64_at(b, 56)),
            out_ucast_pkts: opt(u32_at(b, 64)),
            out_multicast_pkts: opt(u32_at(b, 68)),
            out_broadcast_pkts: opt(u32_at(b, 72)),
            out_discards: opt(u32_at(b, 76)),
            out_errors: opt(u32_at(b, 80)),
            promiscuous: u32_at(b, 84) != 0,
        }),
        2 => {
            let c = |i: usize| opt32(u32_at(b, i * 4));
            CounterRecord::Ethernet(EthernetCounters {
                alignment_errors: c(0),
                fcs_errors: c(1),
                single_collision_frames: c(2),
                multiple_collision_frames: c(3),
                sqe_test_errors: c(4),
                deferred_transmissions: c(5),
                late_collisions: c(6),
                excessive_collisions: c(7),
                internal_mac_transmit_errors: c(8),
                carrier_sense_errors: c(9),
                frame_too_longs: c(10),
                internal_mac_receive_errors: c(11),
                symbol_errors: c(12),
            })
        }
        1004 => CounterRecord::OpenFlowPort {
            datapath_id: u64_at(b, 0),
            port_no: u32_at(b, 8),
        },
        1005 => {
            let len = u32_at(b, 0) as usize;
            CounterRecord::PortName(std::str::from_utf8(&b[4..4 + len]).expect("utf8 name"))
        }
        2203 => CounterRecord::AppResources(AppResources {
            user_time_ms: u32_at(b, 0),
            system_time_ms: u32_at(b, 4),
            mem_used: u64_at(b, 8),
            mem_max: u64_at(b, 16),
            fd_open: u32_at(b, 24),
            fd_max: u32_at(b, 28),
            conn_open: u32_at(b, 32),
            conn_max: u32_at(b, 36),
        }),
        2207 => CounterRecord::OvsDp(OvsDpStats {
            n_hit: opt32(u32_at(b, 0)),
            n_missed: opt32(u32_at(b, 4)),
            n_lost: opt32(u32_at(b, 8)),
            n_mask_hit: opt32(u32_at(b, 12)),
            n_flows: opt32(u32_at(b, 16)),
            n_masks: opt32(u32_at(b, 20)),
        }),
        other => panic!("Open vSwitch sent counter record format {other} this test does not know"),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn sflow_matches_open_vswitch() {
    let Some(sw) =
        common::RefSwitch::start("sflow_matches_open_vswitch", &["ovs-vsctl", "ovs-appctl"])
    else {
        return;
    };
    let d = sw.dir.clone();
    let ds = sw.ds();
    let db = format!("unix:{ds}/db.sock");
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let port = sock.local_addr().expect("addr").port();
    let dpid: u64 = 0xabcdef;
    run(
        "ovs-vsctl",
        &[
            &format!("--db={db}"),
            "--",
            "add-br",
            "br0",
            "--",
            "set",
            "bridge",
            "br0",
            "datapath_type=dummy",
            &format!("other-config:datapath-id={dpid:016x}"),
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
            "options:ifindex=1001",
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
            "options:ifindex=1002",
        ],
        &d,
    );
    run(
        "ovs-vsctl",
        &[
            &format!("--db={db}"),
            "--",
            "--id=@s",
            "create",
            "sflow",
            "agent=127.0.0.1",
            &format!("targets=\"127.0.0.1:{port}\""),
            "header=128",
            "sampling=1",
            "polling=1",
            "--",
            "set",
            "bridge",
            "br0",
            "sflow=@s",
        ],
        &d,
    );

    // Wait until the agent is up (its first datagram), then inject frames.
    let mut buf = vec![0u8; 65536];
    let mut datagrams: Vec<Vec<u8>> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while datagrams.is_empty() && Instant::now() < deadline {
        if let Ok(n) = sock.recv(&mut buf) {
            datagrams.push(buf[..n].to_vec());
        }
    }
    assert!(!datagrams.is_empty(), "no sFlow datagram from Open vSwitch");
    let frames = [
        (1u32, tcp_frame(None, 200)),
        (1, tcp_frame(None, 60)),
        (2, tcp_frame(Some((5, 3)), 90)),
        (1, tcp_frame(None, 1000)),
    ];
    for (p, f) in &frames {
        run(
            "ovs-appctl",
            &[
                "-t",
                &format!("{ds}/vs.ctl"),
                "netdev-dummy/receive",
                &format!("p{p}"),
                &hex(f),
            ],
            &d,
        );
    }

    // Collect until we have all flow samples and a counter sample from each port.
    let mut flow_samples: Vec<Vec<u8>> = Vec::new();
    let mut port_counters: Vec<Vec<u8>> = Vec::new();
    let mut bridge_counters: Vec<Vec<u8>> = Vec::new();
    let mut seen_ports = std::collections::BTreeSet::new();
    let mut last_seq = None;
    let mut handled = 0;
    loop {
        while handled < datagrams.len() {
            let dg = &datagrams[handled];
            handled += 1;
            assert!(
                dg.len() <= 1400,
                "Open vSwitch datagram of {} bytes",
                dg.len()
            );
            let (seq, samples) = parse_datagram(dg);
            if let Some(prev) = last_seq {
                assert_eq!(seq, prev + 1, "datagram sequence numbers are consecutive");
            }
            last_seq = Some(seq);
            for s in samples {
                match s.format {
                    1 => flow_samples.push(s.bytes),
                    2 if u32_at(&s.bytes, 12) == 0x0200_03e8 => bridge_counters.push(s.bytes),
                    2 => {
                        seen_ports.insert(u32_at(&s.bytes, 12));
                        port_counters.push(s.bytes)
                    }
                    f => panic!("unexpected sample format {f}"),
                }
            }
        }
        if flow_samples.len() >= frames.len() && seen_ports.len() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out: {} flow samples, ports {seen_ports:?}",
            flow_samples.len()
        );
        if let Ok(n) = sock.recv(&mut buf) {
            datagrams.push(buf[..n].to_vec());
        }
    }

    // Flow samples: our agent, fed the same frames, must produce identical bytes.
    assert_eq!(
        flow_samples.len(),
        frames.len(),
        "one sample per frame at sampling=1"
    );
    let mut cfg = SflowConfig::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
    cfg.sampling_rate = 1;
    cfg.header_bytes = 128;
    cfg.polling_interval = 1;
    let mut ours = SflowAgent::new(cfg, 0).expect("agent");
    assert_eq!(ours.bridge_source().compact(), Ok(0x0200_03e8));
    for (p, f) in &frames {
        // NORMAL floods unknown destinations to the other port and br0: two outputs.
        let s = PacketSample {
            frame: f,
            input: SflowInterface::Index(1000 + p),
            output: SflowInterface::Multiple(2),
            switch: None,
            extra: vec![],
        };
        ours.add_packet_sample(&s, 0).expect("sample");
    }
    let our_dgrams = ours.flush(0).expect("flush");
    let our_samples: Vec<Vec<u8>> = our_dgrams
        .iter()
        .flat_map(|d| {
            let (_, s) = parse_datagram(d);
            s.into_iter().map(|s| s.bytes)
        })
        .collect();
    for (i, (theirs, mine)) in flow_samples.iter().zip(&our_samples).enumerate() {
        assert_eq!(
            hex(theirs),
            hex(mine),
            "flow sample {i} differs from Open vSwitch"
        );
    }

    // Port counter samples: same source, record order and layout.
    for s in &port_counters {
        let (source, recs) = counter_records(s);
        let formats: Vec<u32> = recs.iter().map(|r| r.0).collect();
        assert_eq!(
            formats,
            [2, 1004, 1005, 1],
            "record order for port {source}"
        );
        let port_no = source - 1000;
        let rebuilt: Vec<CounterRecord<'_>> = recs.iter().map(|(f, b)| rebuild(*f, b)).collect();
        assert_eq!(
            rebuilt[1],
            CounterRecord::OpenFlowPort {
                datapath_id: dpid,
                port_no
            }
        );
        let name = format!("p{port_no}");
        assert_eq!(rebuilt[2], CounterRecord::PortName(&name));
        match &rebuilt[3] {
            CounterRecord::Generic(g) => {
                assert_eq!(
                    (g.if_index, g.if_type, g.admin_up, g.oper_up),
                    (source, 6, true, true)
                );
            }
            other => panic!("not generic: {other:?}"),
        }
        let sample = CounterSample {
            sequence: u32_at(s, 8),
            source: DataSource::if_index(source),
            records: rebuilt,
        };
        assert_eq!(
            hex(&encode_counter_sample(&sample, SampleFormat::Compact).expect("encode")),
            hex(s)
        );
    }
    // Bridge counter samples: application resources and datapath statistics.
    assert!(!bridge_counters.is_empty());
    for s in &bridge_counters {
        let (_, recs) = counter_records(s);
        let formats: Vec<u32> = recs.iter().map(|r| r.0).collect();
        assert_eq!(formats, [2203, 2207]);
        let rebuilt: Vec<CounterRecord<'_>> = recs.iter().map(|(f, b)| rebuild(*f, b)).collect();
        let sample = CounterSample {
            sequence: u32_at(s, 8),
            source: DataSource::physical_entity(1000),
            records: rebuilt,
        };
        assert_eq!(
            hex(&encode_counter_sample(&sample, SampleFormat::Compact).expect("encode")),
            hex(s)
        );
    }
}
