//! Property tests: encoders never panic on any input, and every declared
//! length (datagram sample counts, sample and record lengths, NetFlow counts)
//! matches the bytes that follow.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use flow_export::sflow::records::{encode_counter_sample, encode_flow_sample, SampleFormat};
use flow_export::{
    encode_v5, CounterRecord, CounterSample, DataSource, ExtendedSwitch, FlowKey, FlowRecord,
    FlowSample, FlowUpdate, GenericInterfaceCounters, NetflowConfig, NetflowExporter,
    NetflowOutput, PacketSample, PollTarget, SflowAgent, SflowConfig, SflowInterface, V5Header,
    V5Record,
};
use proptest::prelude::*;

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    b.get(o..o + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Walks `count` length-prefixed elements starting at `off`; returns the end offset.
fn walk(b: &[u8], mut off: usize, count: u32) -> Option<usize> {
    for _ in 0..count {
        let len = u32_at(b, off + 4)? as usize;
        if len % 4 != 0 {
            return None;
        }
        off = off.checked_add(8 + len)?;
        if off > b.len() {
            return None;
        }
    }
    Some(off)
}

/// Checks a whole sample (format, length, body) including its records.
fn check_sample(s: &[u8], compact: bool) {
    let len = u32_at(s, 4).expect("length") as usize;
    assert_eq!(len + 8, s.len());
    let format = u32_at(s, 0).expect("format");
    let nrec_off = match (format, compact) {
        (1, true) => 36,
        (3, false) => 48,
        (2, true) => 16,
        (4, false) => 20,
        other => panic!("format {other:?}"),
    };
    let n = u32_at(s, nrec_off).expect("record count");
    assert_eq!(walk(s, nrec_off + 4, n), Some(s.len()));
}

fn check_datagram(d: &[u8], max: usize) {
    assert!(d.len() <= max);
    let hdr = if u32_at(d, 4) == Some(1) { 28 } else { 40 };
    let n = u32_at(d, hdr - 4).expect("count");
    assert_eq!(walk(d, hdr, n), Some(d.len()));
    let mut off = hdr;
    for _ in 0..n {
        let len = u32_at(d, off + 4).expect("len") as usize;
        check_sample(&d[off..off + 8 + len], true);
        off += 8 + len;
    }
}

fn iface() -> impl Strategy<Value = SflowInterface> {
    prop_oneof![
        Just(SflowInterface::Unknown),
        Just(SflowInterface::Internal),
        any::<u32>().prop_map(SflowInterface::Index),
        any::<u32>().prop_map(SflowInterface::Discarded),
        any::<u32>().prop_map(SflowInterface::Multiple),
    ]
}

proptest! {
    #[test]
    fn flow_sample_lengths(
        frame in proptest::collection::vec(any::<u8>(), 0..300),
        raw in proptest::collection::vec(any::<u8>(), 0..40),
        header_bytes in 0u32..400,
        input in iface(),
        output in iface(),
        class in 0u8..4,
        index in any::<u32>(),
        expanded in any::<bool>(),
        seq in any::<u32>(),
        labels in proptest::collection::vec(any::<u32>(), 0..20),
    ) {
        let source = match DataSource::new(class, index) { Ok(s) => s, Err(_) => DataSource::if_index(index) };
        let sample = FlowSample {
            sequence: seq,
            source,
            sampling_rate: 1,
            sample_pool: seq,
            drops: 0,
            input,
            output,
            records: vec![
                FlowRecord::Raw { format: 2100, data: &raw },
                FlowRecord::VniIngress(seq),
                FlowRecord::Mpls(flow_export::ExtendedMpls {
                    next_hop: IpAddr::V6(Ipv6Addr::LOCALHOST),
                    in_stack: &labels,
                    out_stack: &labels[..labels.len() / 2],
                }),
                FlowRecord::ExtendedSwitch(ExtendedSwitch::from_frame(&frame)),
                FlowRecord::SampledHeader(flow_export::SampledHeader::ethernet(&frame, header_bytes)),
            ],
        };
        let fmt = if expanded { SampleFormat::Expanded } else { SampleFormat::Compact };
        if let Ok(bytes) = encode_flow_sample(&sample, fmt) {
            check_sample(&bytes, !expanded);
        }
    }

    #[test]
    fn counter_sample_lengths(
        name in "[a-z0-9]{0,300}",
        counters in proptest::collection::vec(proptest::option::of(any::<u64>()), 13),
        index in any::<u32>(),
        expanded in any::<bool>(),
    ) {
        let g = GenericInterfaceCounters {
            if_index: index,
            in_octets: counters[0],
            in_ucast_pkts: counters[1],
            in_multicast_pkts: counters[2],
            in_broadcast_pkts: counters[3],
            in_discards: counters[4],
            in_errors: counters[5],
            in_unknown_protos: counters[6],
            out_octets: counters[7],
            out_ucast_pkts: counters[8],
            out_multicast_pkts: counters[9],
            out_broadcast_pkts: counters[10],
            out_discards: counters[11],
            out_errors: counters[12],
            ..Default::default()
        };
        let sample = CounterSample {
            sequence: 1,
            source: DataSource::if_index(index),
            records: vec![CounterRecord::PortName(&name), CounterRecord::Generic(g)],
        };
        let fmt = if expanded { SampleFormat::Expanded } else { SampleFormat::Compact };
        match encode_counter_sample(&sample, fmt) {
            Ok(bytes) => check_sample(&bytes, !expanded),
            Err(_) => prop_assert!(name.len() > 255 || (!expanded && index > 0x00ff_ffff)),
        }
    }

    #[test]
    fn agent_batches_within_limit(
        frames in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..1600), 0..30),
        header_bytes in 1u32..=1024,
        max in 256usize..3000,
        v6 in any::<bool>(),
        polls in proptest::collection::vec(0u64..100_000, 0..10),
    ) {
        let agent = if v6 { IpAddr::V6(Ipv6Addr::LOCALHOST) } else { IpAddr::V4(Ipv4Addr::LOCALHOST) };
        let mut cfg = SflowConfig::new(agent);
        cfg.header_bytes = header_bytes;
        cfg.max_datagram = max;
        cfg.polling_interval = 1;
        let mut a = SflowAgent::new(cfg, 0).unwrap();
        a.add_port(7, 0);
        let mut accepted = 0u32;
        for f in &frames {
            let s = PacketSample {
                frame: f,
                input: SflowInterface::Index(7),
                output: SflowInterface::Unknown,
                switch: None,
                extra: vec![],
            };
            if a.add_packet_sample(&s, 10).is_ok() {
                accepted += 1;
            }
        }
        for t in polls {
            for target in a.due_polls(t) {
                let recs = match target {
                    PollTarget::Port(i) => vec![CounterRecord::Generic(GenericInterfaceCounters { if_index: i, ..Default::default() })],
                    PollTarget::Bridge => vec![],
                };
                a.add_counter_sample(target, recs, t).unwrap();
            }
        }
        let out = a.flush(u64::MAX).unwrap();
        let mut flows = 0;
        for d in &out {
            check_datagram(d, max);
            let hdr = if v6 { 40 } else { 28 };
            let n = u32_at(d, hdr - 4).unwrap();
            let mut off = hdr;
            for _ in 0..n {
                if u32_at(d, off) == Some(1) { flows += 1; }
                off += 8 + u32_at(d, off + 4).unwrap() as usize;
            }
        }
        prop_assert_eq!(flows, accepted);
    }

    #[test]
    fn netflow_lengths(
        n in 0usize..40,
        header in (any::<u32>(), any::<u32>(), any::<u32>(), any::<u8>(), any::<u8>()),
        updates in proptest::collection::vec((any::<u16>(), any::<u16>(), any::<u64>(), any::<u64>(), any::<u8>(), any::<u64>()), 0..80),
        timeout in -1i64..5,
        add_id in any::<bool>(),
    ) {
        let h = V5Header { sys_uptime_ms: header.0, unix_secs: header.1, flow_sequence: header.2, engine_type: header.3, engine_id: header.4, ..Default::default() };
        let recs = vec![V5Record::default(); n];
        match encode_v5(&h, &recs) {
            Ok(d) => {
                prop_assert_eq!(d.len(), 24 + 48 * n);
                prop_assert_eq!(usize::from(u16::from_be_bytes([d[2], d[3]])), n);
            }
            Err(_) => prop_assert!(n == 0 || n > 30),
        }
        let cfg = NetflowConfig {
            active_timeout: flow_export::ActiveTimeout::from_column(timeout).unwrap(),
            add_id_to_interface: add_id,
            engine_id: header.4,
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 0);
        let mut seq = 0u32;
        for (i, (port, sport, packets, bytes, flags, t)) in updates.iter().enumerate() {
            let key = FlowKey { in_port: *port, src: Ipv4Addr::new(1, 2, 3, 4), dst: Ipv4Addr::new(5, 6, 7, 8), protocol: 6, src_port: *sport, dst_port: 80 };
            x.update(key, &FlowUpdate { packets: *packets, bytes: *bytes, tcp_flags: *flags, tos: 0, output: NetflowOutput::Port(*port), used_ms: *t }, *t);
            if i % 3 == 0 { x.remove(&key); }
            for d in x.run(*t, Duration::from_millis(*t)).unwrap() {
                let count = usize::from(u16::from_be_bytes([d[2], d[3]]));
                prop_assert!((1..=30).contains(&count));
                prop_assert_eq!(d.len(), 24 + 48 * count);
                seq = seq.wrapping_add(count as u32);
                prop_assert_eq!(u32::from_be_bytes([d[16], d[17], d[18], d[19]]), seq.wrapping_sub(1));
            }
        }
    }
}
