//! Decodes our sFlow and NetFlow datagrams with an independent decoder
//! (Wireshark's tshark) and checks the fields it reports.
//! Prints SKIPPED when tshark is not installed.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use common::{assert_count, have_tshark, tcp_frame, tshark_decode};
use flow_export::{
    CounterRecord, EthernetCounters, FlowKey, FlowUpdate, GenericInterfaceCounters, NetflowConfig,
    NetflowExporter, NetflowOutput, PacketSample, PollTarget, SflowAgent, SflowConfig,
    SflowInterface,
};

fn sflow_agent(agent: IpAddr) -> SflowAgent {
    let mut c = SflowConfig::new(agent);
    c.sampling_rate = 64;
    c.header_bytes = 128;
    c.polling_interval = 1;
    c.sub_agent_id = 3;
    SflowAgent::new(c, 1_000).expect("agent")
}

#[test]
fn sflow_flow_samples_decode() {
    if !have_tshark() {
        println!("SKIPPED: tshark not installed");
        return;
    }
    let mut a = sflow_agent(IpAddr::V4(Ipv4Addr::new(172, 16, 18, 1)));
    let plain = tcp_frame(None, 200);
    let tagged = tcp_frame(Some((5, 3)), 90);
    for i in 0..8u32 {
        let (frame, output) = if i % 2 == 0 {
            (&plain, SflowInterface::Index(1002))
        } else {
            (&tagged, SflowInterface::Multiple(3))
        };
        let s = PacketSample {
            frame,
            input: SflowInterface::Index(1001),
            output,
            switch: None,
            extra: vec![],
        };
        a.add_packet_sample(&s, 2_000).expect("sample");
    }
    a.add_drops(2);
    let s = PacketSample {
        frame: &plain,
        input: SflowInterface::Index(1001),
        output: SflowInterface::from_outputs(&[]),
        switch: None,
        extra: vec![],
    };
    a.add_packet_sample(&s, 2_000).expect("sample");
    let dgrams = a.flush(3_500).expect("flush");
    assert!(
        dgrams.len() >= 2,
        "9 samples of ~200 bytes need several datagrams"
    );
    for d in &dgrams {
        assert!(d.len() <= 1400);
    }
    let text = tshark_decode(6343, "sflow", &dgrams);
    assert!(!text.contains("Malformed"), "{text}");
    assert_count(&text, "Agent address: 172.16.18.1", dgrams.len());
    assert_count(&text, "Sub-agent ID: 3", dgrams.len());
    for seq in 1..=dgrams.len() {
        assert_count(&text, &format!("Sequence number: {seq}"), 2); // datagram seq + a flow sample seq
    }
    // Full datagrams are closed when the next sample arrives (t = 2 s, uptime 1 s);
    // the last one by the flush (t = 3.5 s).
    assert_count(&text, "SysUptime: 1 second (1000ms)", dgrams.len() - 1);
    assert_count(&text, "SysUptime: 2 seconds (2500ms)", 1);
    assert_count(&text, "Sampling rate: 1 out of 64 packets", 9);
    assert_count(&text, "Sample pool: 64 total packets", 1);
    assert_count(&text, "Sample pool: 576 total packets", 1);
    assert_count(&text, "Input interface (ifIndex): 1001", 9);
    assert_count(&text, "Output interface: 0x000003ea", 4);
    assert_count(
        &text,
        "..00 0000 0000 0000 0000 0011 1110 1010 = Output interface value: 1002",
        4,
    );
    assert_count(&text, "Output interface: 0x40000102", 1);
    assert_count(
        &text,
        "..00 0000 0000 0000 0000 0001 0000 0010 = Output interface value: ACL (258)",
        1,
    );
    assert_count(&text, "Output interface: 0x80000003", 4);
    assert_count(&text, "Dropped packets: 2", 1);
    assert_count(&text, "Header protocol: Ethernet (1)", 9);
    assert_count(&text, "Frame Length: 204", 5);
    assert_count(&text, "Frame Length: 94", 4);
    assert_count(&text, "Payload stripped: 4", 9);
    assert_count(&text, "Sampled header length: 128", 5);
    assert_count(&text, "Sampled header length: 90", 4);
    assert_count(&text, "Incoming 802.1Q VLAN: 5", 4);
    assert_count(&text, "Outgoing 802.1p priority: 3", 4);
    assert_count(&text, "Source Address: 10.0.0.1", 9);
    assert_count(&text, "Destination Port: 80", 9);
}

#[test]
fn sflow_counter_samples_decode() {
    if !have_tshark() {
        println!("SKIPPED: tshark not installed");
        return;
    }
    let mut a = sflow_agent(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)));
    a.add_port(1001, 1_000);
    let due = a.due_polls(5_000);
    assert_eq!(due, vec![PollTarget::Bridge, PollTarget::Port(1001)]);
    let g = GenericInterfaceCounters {
        if_index: 1001,
        if_type: 6,
        if_speed: 10_000_000_000,
        if_direction: 1,
        admin_up: true,
        oper_up: true,
        in_octets: Some(123_456_789_012),
        in_ucast_pkts: Some(4242),
        in_discards: Some(7),
        in_errors: Some(1),
        out_octets: Some(987_654),
        out_ucast_pkts: Some(321),
        ..Default::default()
    };
    // tshark 4.0 cannot skip counter records it does not know (such as the
    // OpenFlow-port and port-name records Open vSwitch adds, formats 1004 and
    // 1005: it misparses what follows), so this sample carries only the
    // standard records; the others are checked byte by byte in unit tests and
    // against Open vSwitch in tests/ovs_sflow.rs.
    let recs = vec![
        CounterRecord::Ethernet(EthernetCounters {
            fcs_errors: Some(9),
            ..Default::default()
        }),
        CounterRecord::Generic(g),
    ];
    a.add_counter_sample(PollTarget::Port(1001), recs, 5_000)
        .expect("counters");
    let dgrams = a.flush(5_000).expect("flush");
    let text = tshark_decode(6343, "sflow", &dgrams);
    assert!(!text.contains("Malformed"), "{text}");
    assert_count(&text, "Agent address type: IPv6 (2)", 1);
    assert_count(&text, "Agent address: 2001:db8::7", 1);
    assert_count(&text, "Interface index: 1001", 1);
    assert_count(&text, "Interface Type: 6", 1);
    assert_count(&text, "Interface Speed: 10000000000", 1);
    assert_count(&text, "Interface Direction: Full-Duplex (1)", 1);
    assert_count(&text, "Input Multicast Packets: 4294967295", 1);
    assert_count(&text, "Alignment Errors: 4294967295", 1);
    assert_count(&text, "Promiscuous Mode: 0", 1);
    assert_count(&text, "Input Octets: 123456789012", 1);
    assert_count(&text, "Input Packets: 4242", 1);
    assert_count(&text, "Input Discarded Packets: 7", 1);
    assert_count(&text, "Input Errors: 1", 1);
    assert_count(&text, "Output Octets: 987654", 1);
    assert_count(&text, "Output Packets: 321", 1);
    assert_count(&text, "FCS Errors: 9", 1);
}

#[test]
fn netflow_v5_decodes() {
    if !have_tshark() {
        println!("SKIPPED: tshark not installed");
        return;
    }
    let cfg = NetflowConfig {
        engine_type: 7,
        engine_id: 9,
        ..NetflowConfig::default()
    };
    let mut x = NetflowExporter::new(cfg, 10_000);
    for p in 0..35u16 {
        let key = FlowKey {
            in_port: 1,
            src: Ipv4Addr::new(192, 168, 1, 10),
            dst: Ipv4Addr::new(192, 168, 2, 20),
            protocol: 6,
            src_port: 10_000 + p,
            dst_port: 443,
        };
        let u = FlowUpdate {
            packets: 10,
            bytes: 1_500,
            tcp_flags: 0x1b,
            tos: 0x20,
            output: NetflowOutput::Port(2),
            used_ms: 12_000,
        };
        x.update(key, &u, 11_000);
        x.remove(&key);
    }
    let dgrams = x
        .run(13_000, Duration::new(1_700_000_000, 250_000_000))
        .expect("run");
    assert_eq!(dgrams.len(), 2);
    let text = tshark_decode(2055, "cflow", &dgrams);
    assert!(!text.contains("Malformed"), "{text}");
    assert_count(&text, "Version: 5", 2);
    assert_count(&text, "Count: 30", 1);
    assert_count(&text, "Count: 5", 1);
    assert_count(&text, "FlowSequence: 29", 1);
    assert_count(&text, "FlowSequence: 34", 1);
    assert_count(&text, "EngineType: Unknown (7)", 2);
    assert_count(&text, "SysUptime: 3.000000000 seconds", 2);
    assert_count(&text, "CurrentSecs: 1700000000", 2);
    assert_count(&text, "CurrentNSecs: 250000000", 2);
    assert_count(&text, "StartTime: 2.000000000 seconds", 35);
    assert_count(&text, "TCP Flags: 0x1b", 35);
    assert_count(&text, "IP ToS: 0x20", 35);
    assert_count(&text, "EngineId: 9", 2);
    assert_count(&text, "SrcAddr: 192.168.1.10", 35);
    assert_count(&text, "DstAddr: 192.168.2.20", 35);
    assert_count(&text, "InputInt: 1", 35);
    assert_count(&text, "OutputInt: 2", 35);
    assert_count(&text, "Packets: 10", 35);
    assert_count(&text, "Octets: 1500", 35);
    assert_count(&text, "DstPort: 443", 35);
    assert_count(&text, "SrcPort: 10034", 1);
    assert_count(&text, "Protocol: TCP (6)", 35);
}

#[test]
fn netflow_v9_decodes() {
    if !have_tshark() {
        println!("SKIPPED: tshark not installed");
        return;
    }
    let cfg = NetflowConfig {
        engine_type: 1,
        engine_id: 2,
        version: flow_export::NetflowVersion::V9 {
            source_id: 0x0102,
            template_refresh: 20,
        },
        ..NetflowConfig::default()
    };
    let mut x = NetflowExporter::new(cfg, 0);
    for p in 0..40u16 {
        let key = FlowKey {
            in_port: 3,
            src: Ipv4Addr::new(172, 16, 0, 1),
            dst: Ipv4Addr::new(172, 16, 0, 2),
            protocol: 17,
            src_port: 5000 + p,
            dst_port: 53,
        };
        let u = FlowUpdate {
            packets: 2,
            bytes: 180,
            tcp_flags: 0,
            tos: 0,
            output: NetflowOutput::Drop,
            used_ms: 4_000,
        };
        x.update(key, &u, 3_000);
        x.remove(&key);
    }
    let dgrams = x.run(5_000, Duration::new(1_700_000_000, 0)).expect("run");
    assert_eq!(dgrams.len(), 2);
    let text = tshark_decode(2055, "cflow", &dgrams);
    assert!(!text.contains("Malformed"), "{text}");
    assert_count(&text, "Version: 9", 2);
    assert_count(&text, "Count: 31", 1);
    assert_count(&text, "Count: 10", 1);
    assert_count(&text, "FlowSequence: 0", 1);
    assert_count(&text, "FlowSequence: 1", 1);
    assert_count(&text, "Template Id: 256", 1);
    assert_count(&text, "Field Count: 14", 1);
    assert_count(&text, "SrcAddr: 172.16.0.1", 40);
    assert_count(&text, "DstAddr: 172.16.0.2", 40);
    assert_count(&text, "InputInt: 3", 40);
    assert_count(&text, "OutputInt: 65533", 40);
    assert_count(&text, "Packets: 2", 40);
    assert_count(&text, "Octets: 180", 40);
    assert_count(&text, "DstPort: 53 (53)", 40);
    assert_count(&text, "SrcPort: 5039 (5039)", 1);
    // 40 records plus the outer IPv4 header of the 2 capture frames.
    assert_count(&text, "Protocol: UDP (17)", 42);
    assert_count(&text, "StartTime: 4.000000000 seconds", 40);
    assert_count(&text, "SourceId: 258", 2);
    // The second packet has no template of its own: tshark resolved it from the first.
    assert_count(&text, "[Template Frame: 1]", 2);
}
