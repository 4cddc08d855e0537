//! `dummy` ports: injection, capture, readiness, pcap output, control state, option parsing.
//! Needs no privileges.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use netdev::dummy::{handle_for, DummyNetdev, DummyOptions, TxFrame};
use netdev::{pcap, wait_readable, MacAddr, Netdev, NetdevKind, RxBatch, TxPacket, VnetHdr};

fn frame(n: u8, len: usize) -> Vec<u8> {
    let mut f = vec![n; len];
    f[0..6].copy_from_slice(&[2, 0, 0, 0, 0, n]);
    f
}

#[test]
fn inject_receive_and_capture() {
    let d = DummyNetdev::open("dmy-a", &DummyOptions::default()).unwrap();
    let h = d.handle();
    assert_eq!(d.kind(), NetdevKind::Dummy);
    let mut batch = RxBatch::for_netdev(&d, 4);
    // Idle: nothing to receive and the descriptor is not readable.
    assert_eq!(d.recv_batch(&mut batch).unwrap(), 0);
    assert!(!wait_readable(&[d.rx_fd()], Some(Duration::ZERO)).unwrap());
    for i in 0..6 {
        assert!(h.inject(&frame(i, 60 + usize::from(i))));
    }
    assert!(wait_readable(&[d.rx_fd()], Some(Duration::from_secs(1))).unwrap());
    assert_eq!(
        d.recv_batch(&mut batch).unwrap(),
        4,
        "limited by batch capacity"
    );
    assert_eq!(batch.packet(3), Some(&frame(3, 63)[..]));
    assert!(
        wait_readable(&[d.rx_fd()], Some(Duration::ZERO)).unwrap(),
        "2 left"
    );
    assert_eq!(d.recv_batch(&mut batch).unwrap(), 2);
    assert_eq!(batch.packet(1), Some(&frame(5, 65)[..]));
    assert!(
        !wait_readable(&[d.rx_fd()], Some(Duration::ZERO)).unwrap(),
        "drained"
    );

    let a = frame(7, 70);
    let b = frame(8, 80);
    assert_eq!(
        d.send_batch(&[TxPacket::new(&a), TxPacket::new(&b)])
            .unwrap(),
        2
    );
    assert_eq!(h.tx_pending(), 2);
    let tx = h.take_tx();
    assert_eq!(
        tx,
        vec![
            TxFrame {
                data: a.clone(),
                vnet: None
            },
            TxFrame {
                data: b,
                vnet: None
            }
        ]
    );
    assert!(h.take_tx().is_empty());
    let s = d.stats().unwrap();
    assert_eq!((s.rx_packets, s.tx_packets), (6, 2));
    assert_eq!(s.tx_bytes, 150);
}

#[test]
fn forwarding_between_dummies_from_threads() {
    let a = Arc::new(DummyNetdev::open("dmy-fa", &DummyOptions::default()).unwrap());
    let b = Arc::new(DummyNetdev::open("dmy-fb", &DummyOptions::default()).unwrap());
    let (ha, hb) = (a.handle(), b.handle());
    for i in 0..100u8 {
        ha.inject(&frame(i, 64));
    }
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let t = std::thread::spawn(move || {
        let mut batch = RxBatch::for_netdev(&*a2, 32);
        let mut moved = 0;
        while moved < 100 {
            if !wait_readable(&[a2.rx_fd()], Some(Duration::from_secs(5))).unwrap() {
                break;
            }
            a2.recv_batch(&mut batch).unwrap();
            let mut tx = [TxPacket::default(); 32];
            let n = batch.fill_tx(&mut tx);
            moved += b2.send_batch(&tx[..n]).unwrap();
        }
        moved
    });
    assert_eq!(t.join().unwrap(), 100);
    let out = hb.take_tx();
    assert_eq!(out.len(), 100);
    assert!(out
        .iter()
        .enumerate()
        .all(|(i, f)| f.data == frame(i as u8, 64)));
}

#[test]
fn pcap_files_record_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let both = dir.path().join("both.pcap");
    let rx = dir.path().join("rx.pcap");
    let mut opts = BTreeMap::new();
    opts.insert("pcap".to_string(), both.display().to_string());
    let d = netdev::open("dummy", "dmy-p1", &opts).unwrap();
    let opts2 = DummyOptions {
        rxq_pcap: Some(rx.display().to_string()),
        ..Default::default()
    };
    let d2 = DummyNetdev::open("dmy-p2", &opts2).unwrap();
    let h = handle_for("dmy-p1").expect("registered");
    let f1 = frame(1, 64);
    let f2 = frame(2, 99);
    h.inject(&f1);
    let mut batch = RxBatch::new(8, 2048);
    assert_eq!(d.recv_batch(&mut batch).unwrap(), 1);
    d.send_batch(&[TxPacket::new(&f2)]).unwrap();
    d2.handle().inject(&f2);
    d2.recv_batch(&mut batch).unwrap();
    d2.send_batch(&[TxPacket::new(&f1)]).unwrap(); // not recorded: rx only
    let frames = pcap::read_all(std::fs::File::open(&both).unwrap()).unwrap();
    assert_eq!(frames, vec![f1.clone(), f2.clone()]);
    let frames = pcap::read_all(std::fs::File::open(&rx).unwrap()).unwrap();
    assert_eq!(frames, vec![f2]);
    drop(d);
    assert!(handle_for("dmy-p1").is_none(), "unregistered on close");
}

#[test]
fn control_state_and_offloads() {
    let d = DummyNetdev::open("dmy-c", &DummyOptions::default()).unwrap();
    let h = d.handle();
    assert_eq!(d.mtu().unwrap(), 1500);
    d.set_mtu(9000).unwrap();
    assert_eq!(d.mtu().unwrap(), 9000);
    assert!(d.set_mtu(20).is_err());
    let mac: MacAddr = "02:00:00:00:00:99".parse().unwrap();
    d.set_mac(mac).unwrap();
    assert_eq!(d.mac().unwrap(), mac);
    assert!(d.set_mac("01:00:00:00:00:00".parse().unwrap()).is_err());
    assert!(d.is_up().unwrap() && d.carrier().unwrap());
    h.set_carrier(false);
    assert!(!d.carrier().unwrap());
    assert!(!h.inject(&frame(1, 60)), "no carrier: dropped");
    h.set_carrier(true);
    d.set_up(false).unwrap();
    assert!(!d.carrier().unwrap());
    let f = frame(3, 60);
    assert_eq!(d.send_batch(&[TxPacket::new(&f)]).unwrap(), 0);
    assert_eq!(d.stats().unwrap().tx_dropped, 1);
    d.set_up(true).unwrap();
    // Too big for the MTU and not GSO: refused.
    d.set_mtu(1500).unwrap();
    let big = frame(4, 3000);
    assert_eq!(d.send_batch(&[TxPacket::new(&big)]).unwrap(), 0);
    assert_eq!(d.stats().unwrap().tx_errors, 1);
    // Without offload, a GSO packet is dropped; with it, it passes with its header.
    let gso = VnetHdr {
        flags: VnetHdr::F_NEEDS_CSUM,
        gso_type: VnetHdr::GSO_TCPV4,
        hdr_len: 54,
        gso_size: 1448,
        csum_start: 34,
        csum_offset: 16,
    };
    let p = TxPacket {
        data: &big,
        vnet: Some(gso),
    };
    assert_eq!(d.send_batch(&[p]).unwrap(), 0);
    let o = DummyNetdev::open(
        "dmy-o",
        &DummyOptions {
            offload: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(o.offloads().gso);
    assert_eq!(o.send_batch(&[p]).unwrap(), 1);
    assert_eq!(o.handle().take_tx()[0].vnet, Some(gso));
    o.handle().inject_with(&big, Some(gso));
    let mut batch = RxBatch::for_netdev(&o, 4);
    assert_eq!(o.recv_batch(&mut batch).unwrap(), 1);
    assert_eq!(batch.vnet_hdr(0), Some(gso));
}

#[test]
fn open_rejects_bad_types_and_options() {
    let none = BTreeMap::new();
    let err = netdev::open("vxlan", "x", &none).unwrap_err();
    assert!(
        err.to_string().contains("unsupported interface type"),
        "{err}"
    );
    let mut bad = BTreeMap::new();
    bad.insert("mtu".to_string(), "big".to_string());
    assert!(netdev::open("dummy", "dmy-bad", &bad).is_err());
    let mut bad = BTreeMap::new();
    bad.insert("color".to_string(), "red".to_string());
    assert!(netdev::open("dummy", "dmy-bad", &bad).is_err());
    let mut bad = BTreeMap::new();
    bad.insert("vnet_hdr".to_string(), "maybe".to_string());
    assert!(netdev::open("system", "lo", &bad).is_err());
    assert!(netdev::open("system", "no/such", &none).is_err());
}
