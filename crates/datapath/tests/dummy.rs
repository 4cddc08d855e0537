//! The datapath end to end on dummy ports (no privileges needed): forwarding, megaflow
//! installation and hit counting, the EMC, revalidation guarantees, port changes under
//! traffic, bounds, control-side execution and idle CPU use.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use datapath::{Datapath, DatapathConfig};
use dpif::{
    parse_actions, Dpif, DpifError, FlowPutFlags, OdpAction, PacketMetadata, UpcallType, ODPP_LOCAL,
};
use flow::{FieldId, Flow};
use netdev::dummy::{handle_for, DummyHandle};
use netdev::VnetHdr;
use packet::PacketBuf;

fn dp_with(cfg: DatapathConfig) -> Datapath {
    Datapath::new("ovs-netdev", cfg).unwrap()
}

/// Adds `n` dummy ports; returns their numbers and handles.
fn add_ports(dp: &Datapath, n: usize) -> Vec<(u32, DummyHandle)> {
    (0..n)
        .map(|_| {
            let name = pname("p");
            let no = dp.port_add(&name, "dummy", None).unwrap();
            (no, handle_for(&name).unwrap())
        })
        .collect()
}

fn key_of(frame: &[u8], in_port: u32) -> Flow {
    let mut f = Flow::new();
    let md = flow::Metadata {
        in_port: in_port as u16,
        ..Default::default()
    };
    flow::extract(frame, &md, &mut f);
    f
}

#[test]
fn forwards_installs_megaflow_and_counts_hits() {
    let dp = dp_with(DatapathConfig::default());
    let ports = add_ports(&dp, 2);
    let (a, ha) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    assert_eq!((a, b), (1, 2));
    let fwd = Arc::new(Fwd::new(&[(a, b), (b, a)], mask_with(&[])));
    dp.set_upcall_handler(Some(fwd.clone()));

    // Five frames of one flow: one upcall, the rest hit the installed megaflow.
    for i in 0..5 {
        assert!(ha.inject(&udp_frame(2, i)));
    }
    assert!(wait_until(|| hb.tx_pending() >= 5));
    let out = hb.take_tx();
    let seqs: Vec<u32> = out.iter().map(|f| seq_of(&f.data)).collect();
    assert_eq!(seqs, vec![0, 1, 2, 3, 4]);
    assert_eq!(out[0].data, udp_frame(2, 0));
    assert_eq!(fwd.calls.load(Ordering::SeqCst), 1);

    let flows = dp.flow_dump();
    assert_eq!(flows.len(), 1);
    let f = &flows[0];
    assert_eq!(f.actions, vec![OdpAction::Output(b)]);
    assert_eq!(f.mask.get(FieldId::InPort), 0xffff);
    assert_eq!(f.mask.get(FieldId::EthType), 0xffff);
    assert_eq!(f.mask.get(FieldId::IpDst), 0);
    // The packet that caused the upcall is not credited to the megaflow (as in OVS).
    assert_eq!(f.stats.packets, 4);
    assert_eq!(f.stats.bytes, 4 * udp_frame(2, 0).len() as u64);
    assert!(f.stats.used.is_some());
    let s = dp.stats();
    assert_eq!((s.hit, s.missed, s.flows, s.lost), (4, 1, 1, 0));

    // Same flow again: exact-match cache hits.
    let before = dp.datapath_stats();
    for i in 5..8 {
        ha.inject(&udp_frame(2, i));
    }
    assert!(wait_until(|| hb.tx_pending() >= 3));
    let after = dp.datapath_stats();
    assert_eq!(after.emc_hits - before.emc_hits, 3);
    assert_eq!(after.megaflow_hits, before.megaflow_hits);

    // Other destinations share the megaflow (nw_dst is wildcarded) but miss the EMC.
    for d in 10..14 {
        ha.inject(&udp_frame(d, 100));
    }
    assert!(wait_until(|| hb.tx_pending() >= 7));
    let last = dp.datapath_stats();
    assert_eq!(last.megaflow_hits - after.megaflow_hits, 4);
    assert_eq!(fwd.calls.load(Ordering::SeqCst), 1);
    assert_eq!(dp.flow_dump().len(), 1);

    // The reverse direction gets its own megaflow.
    hb.inject(&udp_frame(1, 9));
    assert!(wait_until(|| ha.tx_pending() == 1));
    assert_eq!(dp.flow_dump().len(), 2);
    assert_eq!(fwd.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn tcp_flags_and_flow_get() {
    let dp = dp_with(DatapathConfig::default());
    let ports = add_ports(&dp, 2);
    let (a, ha) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    let syn = packet::PacketBuilder::new()
        .ethernet(
            "50:54:00:00:00:01".parse().unwrap(),
            "50:54:00:00:00:02".parse().unwrap(),
        )
        .ipv4("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
        .tcp(1000, 80, packet::TcpFlags(packet::TcpFlags::SYN))
        .build()
        .unwrap();
    let key = key_of(&syn, a);
    let mask = mask_with(&[FieldId::NwProto]);
    dp.flow_put(&key, &mask, &[OdpAction::Output(b)], FlowPutFlags::CREATE)
        .unwrap();
    ha.inject(&syn);
    assert!(wait_until(|| hb.tx_pending() == 1));
    let f = dp.flow_get(&key, &mask).unwrap();
    assert_eq!(f.stats.packets, 1);
    assert_eq!(f.stats.tcp_flags, packet::TcpFlags::SYN);
    // Put semantics.
    assert!(matches!(
        dp.flow_put(&key, &mask, &[], FlowPutFlags::CREATE),
        Err(DpifError::Exists(_))
    ));
    let prev = dp
        .flow_put(
            &key,
            &mask,
            &[OdpAction::Output(a)],
            FlowPutFlags {
                modify: true,
                zero_stats: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(prev.map(|s| s.packets), Some(1));
    assert_eq!(dp.flow_get(&key, &mask).unwrap().stats.packets, 0);
    let other = key_of(&udp_frame(3, 0), a);
    assert!(matches!(
        dp.flow_put(&other, &mask, &[], FlowPutFlags::MODIFY),
        Err(DpifError::NotFound(_))
    ));
    assert!(matches!(
        dp.flow_get(&other, &mask),
        Err(DpifError::NotFound(_))
    ));
    dp.flow_flush().unwrap();
    assert!(dp.flow_dump().is_empty());
    assert!(matches!(
        dp.flow_del(&key, &mask),
        Err(DpifError::NotFound(_))
    ));
}

/// Injects numbered frames into `h` until `stop`; `next` is the next sequence number.
fn injector(
    h: DummyHandle,
    stop: Arc<AtomicBool>,
    next: Arc<AtomicU32>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let seq = next.load(Ordering::SeqCst);
            if seq >= 200_000 {
                break;
            }
            if h.inject(&udp_frame(2, seq)) {
                next.store(seq + 1, Ordering::SeqCst);
            }
            if seq % 16 == 0 {
                std::thread::yield_now();
            }
        }
    })
}

#[test]
fn flow_del_and_modify_take_effect_before_returning() {
    for n_pmds in [1, 2] {
        let dp = dp_with(DatapathConfig {
            n_pmds,
            upcall_queue_len: 16,
            ..DatapathConfig::default()
        });
        let ports = add_ports(&dp, 3);
        let (a, ha) = (ports[0].0, ports[0].1.clone());
        let (b, hb) = (ports[1].0, &ports[1].1);
        let (c, hc) = (ports[2].0, &ports[2].1);
        let key = key_of(&udp_frame(2, 0), a);
        let mask = mask_with(&[]);
        dp.flow_put(&key, &mask, &[OdpAction::Output(b)], FlowPutFlags::CREATE)
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let next = Arc::new(AtomicU32::new(0));
        let t = injector(ha, stop.clone(), next.clone());
        assert!(wait_until(|| hb.tx_pending() > 200));

        // Modify: frames injected after the call returns never go to b. Frame `mark` may
        // have been injected (but not yet counted) before the call returned; every later one
        // was injected after it.
        dp.flow_put(&key, &mask, &[OdpAction::Output(c)], FlowPutFlags::MODIFY)
            .unwrap();
        let mark = next.load(Ordering::SeqCst);
        assert!(wait_until(|| hc.tx_pending() > 200));
        let late: Vec<u32> = hb
            .take_tx()
            .iter()
            .map(|f| seq_of(&f.data))
            .filter(|s| *s > mark)
            .collect();
        assert!(
            late.is_empty(),
            "forwarded by old actions after modify: {late:?}"
        );

        // Delete: frames injected after the call returns are not forwarded at all.
        let s = dp.flow_del(&key, &mask).unwrap();
        let mark = next.load(Ordering::SeqCst);
        assert!(s.packets > 200);
        let before_miss = dp.stats().missed;
        assert!(wait_until(|| dp.stats().missed > before_miss + 50));
        stop.store(true, Ordering::SeqCst);
        t.join().unwrap();
        let late: Vec<u32> = hc
            .take_tx()
            .iter()
            .chain(hb.take_tx().iter())
            .map(|f| seq_of(&f.data))
            .filter(|s| *s > mark)
            .collect();
        assert!(late.is_empty(), "forwarded after flow_del: {late:?}");
        // Misses without a handler went to the bounded upcall queue.
        let up = dp.recv().unwrap().unwrap();
        assert_eq!(up.kind, UpcallType::Miss);
        assert_eq!(up.in_port, a);
        assert!(dp.stats().lost > 0);
    }
}

#[test]
fn port_removal_while_traffic_flows() {
    let dp = dp_with(DatapathConfig {
        n_pmds: 2,
        ..DatapathConfig::default()
    });
    let ports = add_ports(&dp, 3);
    let (a, ha) = (ports[0].0, ports[0].1.clone());
    let (b, hb) = (ports[1].0, &ports[1].1);
    let (c, hc) = (ports[2].0, &ports[2].1);
    let fwd = Arc::new(Fwd::new(&[(a, b)], mask_with(&[])));
    dp.set_upcall_handler(Some(fwd));
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU32::new(0));
    let t = injector(ha.clone(), stop.clone(), next.clone());
    assert!(wait_until(|| hb.tx_pending() > 100));
    // Remove the output port under traffic: nothing reaches it afterwards, drops are counted.
    dp.port_del(b).unwrap();
    hb.take_tx();
    let dropped = |dp: &Datapath| dp.pmd_stats().iter().map(|p| p.tx_dropped).sum::<u64>();
    let d0 = dropped(&dp);
    assert!(wait_until(|| dropped(&dp) > d0 + 100));
    assert_eq!(hb.tx_pending(), 0);
    assert!(matches!(dp.port_del(b), Err(DpifError::NotFound(_))));
    // Remove the input port under traffic, then add a port again.
    dp.port_del(a).unwrap();
    let rx0: u64 = dp.pmd_stats().iter().map(|p| p.rx_packets).sum();
    // Let the injector run on for a while (the queue is drained only by a PMD polling it).
    let n0 = next.load(Ordering::SeqCst);
    assert!(wait_until(|| next.load(Ordering::SeqCst) > n0 + 500));
    let rx1: u64 = dp.pmd_stats().iter().map(|p| p.rx_packets).sum();
    assert_eq!(rx0, rx1, "received from a removed port");
    stop.store(true, Ordering::SeqCst);
    t.join().unwrap();
    let name = pname("q");
    let q = dp.port_add(&name, "dummy", None).unwrap();
    assert_eq!(q, 1, "lowest free number is reused");
    dp.flow_flush().unwrap();
    let fwd = Arc::new(Fwd::new(&[(q, c)], mask_with(&[])));
    dp.set_upcall_handler(Some(fwd));
    handle_for(&name).unwrap().inject(&udp_frame(2, 1));
    assert!(wait_until(|| hc.tx_pending() == 1));
    let names: Vec<u32> = dp.port_dump().iter().map(|p| p.port_no).collect();
    assert_eq!(names, vec![1, c]);
}

#[test]
fn megaflow_limit_and_upcall_queue_are_bounded() {
    let dp = dp_with(DatapathConfig {
        max_flows_per_pmd: 4,
        upcall_queue_len: 3,
        ..DatapathConfig::default()
    });
    let ports = add_ports(&dp, 3);
    let (a, ha) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    let fwd = Arc::new(Fwd::new(&[(a, b)], mask_with(&[FieldId::IpDst])));
    dp.set_upcall_handler(Some(fwd.clone()));
    for d in 0..10 {
        ha.inject(&udp_frame(d, 0));
    }
    // Every packet is forwarded, only four megaflows are installed.
    assert!(wait_until(|| hb.tx_pending() >= 10));
    assert_eq!(dp.stats().flows, 4);
    assert_eq!(dp.pmd_stats()[0].flow_limit_hits, 6);
    assert_eq!(fwd.calls.load(Ordering::SeqCst), 10);
    let key = key_of(&udp_frame(99, 0), a);
    assert!(matches!(
        dp.flow_put(
            &key,
            &mask_with(&[FieldId::IpDst]),
            &[],
            FlowPutFlags::CREATE
        ),
        Err(DpifError::NoSpace(_))
    ));

    // Without a handler, misses queue upcalls; the queue holds 3.
    dp.set_upcall_handler(None);
    let (c, hc) = (ports[2].0, &ports[2].1);
    for d in 0..7 {
        hc.inject(&udp_frame(d, 0));
    }
    assert!(wait_until(|| dp.stats().missed >= 17));
    let mut got = Vec::new();
    while let Some(u) = dp.recv().unwrap() {
        got.push(u);
    }
    assert_eq!(got.len(), 3);
    assert!(got
        .iter()
        .all(|u| u.in_port == c && u.kind == UpcallType::Miss));
    assert_eq!(dp.stats().lost, 4);
    assert!(!dp.recv_wait(1));
}

#[test]
fn execute_runs_actions_and_queues_userspace() {
    let dp = dp_with(DatapathConfig::default());
    let ports = add_ports(&dp, 2);
    let (a, _) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    let frame = udp_frame(2, 7);
    let actions = parse_actions(&format!(
        "push_vlan(vid=5,pcp=0),{b},userspace(pid=0,userdata(0102))"
    ))
    .unwrap();
    let md = PacketMetadata {
        in_port: a,
        ..Default::default()
    };
    dp.execute(PacketBuf::from_slice(&frame), &md, &actions)
        .unwrap();
    let out = hb.take_tx();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].data.len(), frame.len() + 4);
    assert_eq!(&out[0].data[12..16], &[0x81, 0x00, 0x00, 0x05]);
    let up = dp.recv().unwrap().unwrap();
    assert_eq!(up.kind, UpcallType::Action);
    assert_eq!(up.packet.len(), frame.len() + 4);
    assert_eq!(up.in_port, a);
    assert!(up.userdata.is_some());
    // Output to a port that does not exist is not an error.
    dp.execute(PacketBuf::from_slice(&frame), &md, &[OdpAction::Output(77)])
        .unwrap();
}

#[test]
fn ports_numbering_and_queries() {
    let dp = dp_with(DatapathConfig::default());
    assert_eq!(dp.name(), "ovs-netdev");
    let d1 = pname("d");
    let br = pname("br");
    assert_eq!(dp.port_add(&d1, "dummy", None), Ok(1));
    assert_eq!(dp.port_add(&br, "dummy-internal", None), Ok(ODPP_LOCAL));
    assert!(matches!(
        dp.port_add(&d1, "dummy", None),
        Err(DpifError::Exists(_))
    ));
    assert!(matches!(
        dp.port_add(&pname("x"), "dummy", Some(1)),
        Err(DpifError::Exists(_))
    ));
    assert!(matches!(
        dp.port_add(&pname("v"), "vxlan", None),
        Err(DpifError::NotSupported(_))
    ));
    assert!(matches!(
        dp.port_add_with_options(
            &pname("o"),
            "dummy",
            None,
            &BTreeMap::from([("bogus".into(), "1".into())])
        ),
        Err(DpifError::Invalid(_))
    ));
    assert_eq!(dp.port_add(&pname("s"), "dummy", Some(9)), Ok(9));
    let q = dp.port_query_by_name(&br).unwrap();
    assert_eq!((q.port_no, q.port_type.as_str()), (0, "dummy-internal"));
    assert_eq!(dp.port_query_by_number(1).unwrap().name, d1);
    assert!(matches!(
        dp.port_query_by_number(5),
        Err(DpifError::NotFound(_))
    ));
    let nos: Vec<u32> = dp.port_dump().iter().map(|p| p.port_no).collect();
    assert_eq!(nos, vec![0, 1, 9]);
}

#[test]
fn gso_frames_are_segmented_for_ports_without_offloads() {
    let dp = dp_with(DatapathConfig::default());
    let off = pname("g");
    let plain = pname("n");
    let a = dp
        .port_add_with_options(
            &off,
            "dummy",
            None,
            &BTreeMap::from([("offload".into(), "true".into())]),
        )
        .unwrap();
    let b = dp.port_add(&plain, "dummy", None).unwrap();
    let (ha, hb) = (handle_for(&off).unwrap(), handle_for(&plain).unwrap());
    dp.set_upcall_handler(Some(Arc::new(Fwd::new(&[(a, b), (b, a)], mask_with(&[])))));
    let payload = vec![0x5a; 3000];
    let frame = packet::PacketBuilder::new()
        .ethernet(
            "50:54:00:00:00:01".parse().unwrap(),
            "50:54:00:00:00:02".parse().unwrap(),
        )
        .ipv4("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap())
        .tcp(1000, 80, packet::TcpFlags(packet::TcpFlags::ACK))
        .payload(&payload)
        .build()
        .unwrap();
    let vnet = VnetHdr {
        flags: VnetHdr::F_NEEDS_CSUM,
        gso_type: VnetHdr::GSO_TCPV4,
        hdr_len: 54,
        gso_size: 1000,
        csum_start: 34,
        csum_offset: 16,
    };
    // Twice: once through the upcall path, once through the megaflow.
    for _ in 0..2 {
        ha.inject_with(&frame, Some(vnet));
        assert!(wait_until(|| hb.tx_pending() >= 3));
        let out = hb.take_tx();
        assert_eq!(out.len(), 3);
        for f in &out {
            assert_eq!(f.data.len(), 54 + 1000);
            assert!(f.vnet.is_none());
        }
    }
    // The other way, a plain frame passes unchanged to the offloading port.
    hb.inject(&udp_frame(2, 1));
    assert!(wait_until(|| ha.tx_pending() == 1));
    assert_eq!(ha.take_tx()[0].data, udp_frame(2, 1));
}

#[test]
fn idle_pmd_uses_no_cpu_and_wakes_on_traffic() {
    let dp = dp_with(DatapathConfig::default());
    let ports = add_ports(&dp, 2);
    let (a, ha) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    dp.set_upcall_handler(Some(Arc::new(Fwd::new(&[(a, b)], mask_with(&[])))));
    assert!(wait_until(|| dp.pmd_thread_ids().iter().all(|t| *t != 0)));
    let tid = dp.pmd_thread_ids()[0];
    let t0 = thread_cpu_ticks(tid).unwrap();
    // Measuring over a fixed period is the point of this test (not synchronisation).
    std::thread::sleep(Duration::from_secs(1));
    let t1 = thread_cpu_ticks(tid).unwrap();
    // Clock ticks are 10 ms: allow 3% of one core.
    assert!(t1 - t0 <= 3, "idle PMD used {} ticks in 1 s", t1 - t0);
    // A sleeping PMD wakes for traffic.
    ha.inject(&udp_frame(2, 0));
    assert!(wait_until(|| hb.tx_pending() == 1));
}

#[test]
fn recirculation_and_port_removal_flushes_its_megaflows() {
    let dp = dp_with(DatapathConfig::default());
    let ports = add_ports(&dp, 3);
    let (a, ha) = (ports[0].0, &ports[0].1);
    let (b, hb) = (ports[1].0, &ports[1].1);
    let c = ports[2].0;
    let frame = udp_frame(2, 3);
    let mask = mask_with(&[FieldId::RecircId]);
    let mut key = key_of(&frame, a);
    dp.flow_put(
        &key,
        &mask,
        &parse_actions("recirc(0x5)").unwrap(),
        FlowPutFlags::CREATE,
    )
    .unwrap();
    key.set(FieldId::RecircId, 5);
    dp.flow_put(&key, &mask, &[OdpAction::Output(b)], FlowPutFlags::CREATE)
        .unwrap();
    let other = key_of(&frame, b);
    dp.flow_put(&other, &mask, &[OdpAction::Output(c)], FlowPutFlags::CREATE)
        .unwrap();
    ha.inject(&frame);
    assert!(wait_until(|| hb.tx_pending() == 1));
    assert_eq!(hb.take_tx()[0].data, frame);
    assert_eq!(dp.flow_get(&key, &mask).unwrap().stats.packets, 1);
    assert_eq!(dp.flow_dump().len(), 3);
    // Removing b removes the megaflow that outputs to it and the one that receives from it.
    dp.port_del(b).unwrap();
    let left = dp.flow_dump();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].actions, parse_actions("recirc(0x5)").unwrap());
}
