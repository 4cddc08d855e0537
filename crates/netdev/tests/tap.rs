//! `tap` and `internal` ports: a tap moved into a namespace answers ARP and ping through
//! recv_batch/send_batch; control round trips; persistence; deletion under an open port.
//! Needs root (skips with a notice otherwise; fails under FERRO_REQUIRE_NETNS=1).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{arp_reply, icmp_echo_reply, run_in};
use netdev::tap::{TapNetdev, TapOptions};
use netdev::{ifctl, wait_readable, MacAddr, Netdev, NetdevKind, RxBatch, TxPacket};
use testkit::netns::{available, ip, unique_name, Netns};
use testkit::wait::{wait_for, wait_until};

#[test]
fn tap_in_namespace_answers_ping() {
    if !available("tap_in_namespace_answers_ping") {
        return;
    }
    let ns = Netns::new("t").unwrap();
    let name = unique_name("tap");
    let tap = Arc::new(TapNetdev::open(&name, TapOptions::default()).unwrap());
    assert_eq!(tap.kind(), NetdevKind::Tap);
    assert!(tap.offloads().vnet_hdr && tap.offloads().gso);
    ip(&["link", "set", &name, "netns", ns.name()]).unwrap();
    ns.ip(&["addr", "add", "10.79.0.1/24", "dev", &name])
        .unwrap();
    ns.ip(&["link", "set", &name, "up"]).unwrap();

    // The "remote host" at 10.79.0.2 is this responder, speaking through the tap.
    let stop = Arc::new(AtomicBool::new(false));
    let saw_partial = Arc::new(AtomicBool::new(false));
    let (t2, s2, p2) = (
        Arc::clone(&tap),
        Arc::clone(&stop),
        Arc::clone(&saw_partial),
    );
    let responder = std::thread::spawn(move || {
        let me_ip = [10, 79, 0, 2];
        let me_mac = [0x02, 0, 0, 0, 0x79, 2];
        let mut batch = RxBatch::for_netdev(&*t2, 16);
        let (mut arps, mut echoes) = (0u32, 0u32);
        let end = Instant::now() + Duration::from_secs(30);
        while !s2.load(Ordering::Relaxed) && Instant::now() < end {
            let n = t2.recv_batch(&mut batch).expect("tap receive");
            if n == 0 {
                let _ = wait_readable(&[t2.rx_fd()], Some(Duration::from_millis(20)));
                continue;
            }
            let mut replies = Vec::new();
            for p in batch.iter() {
                // A UDP datagram (IPv4 protocol 17) with its checksum left to us.
                if p.data.get(23) == Some(&17) && p.vnet.is_some_and(|v| v.needs_csum()) {
                    p2.store(true, Ordering::Relaxed);
                }
                if let Some(r) = arp_reply(p.data, me_ip, me_mac) {
                    arps += 1;
                    replies.push(r);
                } else if let Some(r) = icmp_echo_reply(p.data, me_ip) {
                    echoes += 1;
                    replies.push(r);
                }
            }
            let tx: Vec<TxPacket<'_>> = replies.iter().map(|r| TxPacket::new(r)).collect();
            assert_eq!(t2.send_batch(&tx).expect("tap send"), tx.len());
        }
        (arps, echoes)
    });
    let out = run_in(
        &ns,
        "ping",
        &["-c", "3", "-i", "0.2", "-W", "3", "10.79.0.2"],
    );
    // With TUN_F_CSUM the namespace's UDP stack leaves the checksum to the "device": the frame
    // must arrive with a virtio-net header flagged NEEDS_CSUM.
    let sender = common::in_netns(&ns, || {
        let s = std::net::UdpSocket::bind("10.79.0.1:0").expect("udp bind");
        s.send_to(&[0x42; 100], "10.79.0.2:9").expect("udp send");
    });
    sender.join().unwrap();
    let partial = wait_until(
        "UDP frame with a partial checksum",
        Duration::from_secs(5),
        || saw_partial.load(Ordering::Relaxed),
    );
    stop.store(true, Ordering::Relaxed);
    let (arps, echoes) = responder.join().unwrap();
    assert!(
        out.status.success(),
        "ping through tap failed: {}{} (arp {arps}, echo {echoes})",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(arps >= 1 && echoes >= 3, "arp {arps}, echo {echoes}");
    partial.unwrap();
    drop(tap);
    // Non-persistent: closing the port deleted the device (in the namespace it was moved to).
    wait_until("tap deleted", Duration::from_secs(5), || {
        ns.ip(&["link", "show", &name]).is_err()
    })
    .unwrap();
}

#[test]
fn tap_control_round_trips() {
    if !available("tap_control_round_trips") {
        return;
    }
    let name = unique_name("tc");
    let tap = TapNetdev::open(&name, TapOptions::default()).unwrap();
    assert_eq!(tap.name(), name);
    assert_eq!(tap.ifindex().unwrap(), ifctl::ifindex(&name).unwrap());
    tap.set_mtu(9000).unwrap();
    assert_eq!(tap.mtu().unwrap(), 9000);
    let mac: MacAddr = "02:aa:bb:cc:dd:ee".parse().unwrap();
    tap.set_mac(mac).unwrap();
    assert_eq!(tap.mac().unwrap(), mac);
    assert!(ip(&["link", "show", &name])
        .unwrap()
        .contains("02:aa:bb:cc:dd:ee"));
    assert!(!tap.is_up().unwrap());
    tap.set_up(true).unwrap();
    assert!(tap.is_up().unwrap());
    wait_until("tap carrier", Duration::from_secs(5), || {
        tap.carrier().unwrap_or(false)
    })
    .unwrap();
    // Frames written while up are counted by the kernel as the tap's rx, i.e. our tx.
    let frame = common::test_frame([0xff; 6], mac.0, &[0u8; 50]);
    let before = tap.stats().unwrap();
    assert_eq!(tap.send_batch(&[TxPacket::new(&frame); 3]).unwrap(), 3);
    let after = wait_for("tx stats", Duration::from_secs(5), || {
        tap.stats()
            .ok()
            .filter(|s| s.tx_packets >= before.tx_packets + 3)
    })
    .unwrap();
    assert!(after.tx_bytes >= before.tx_bytes + 3 * frame.len() as u64);
    tap.set_up(false).unwrap();
    assert!(!tap.carrier().unwrap());
}

/// Re-attaches to an existing tap. The kernel answers EBUSY while any process still holds a
/// descriptor of the device: a test running in parallel that forks (to run `ip`) keeps a copy
/// of ours between its fork and its exec, however briefly. Poll that out with a deadline.
fn reopen(name: &str, opts: TapOptions) -> TapNetdev {
    wait_for(
        "tap device free to re-attach",
        Duration::from_secs(5),
        || match TapNetdev::open(name, opts) {
            Ok(tap) => Some(tap),
            Err(netdev::NetdevError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::ResourceBusy =>
            {
                None
            }
            Err(e) => panic!("re-attaching {name}: {e}"),
        },
    )
    .unwrap()
}

#[test]
fn persistent_tap_outlives_port_and_internal_does_not() {
    if !available("persistent_tap_outlives_port_and_internal_does_not") {
        return;
    }
    let name = unique_name("tp");
    let opts = TapOptions {
        persistent: true,
        ..Default::default()
    };
    let tap = TapNetdev::open(&name, opts).unwrap();
    drop(tap);
    assert!(ifctl::exists(&name), "persistent tap must survive close");
    // Attaching to it as a plain tap port must not take its persistence away.
    let tap = reopen(&name, TapOptions::default());
    drop(tap);
    assert!(
        ifctl::exists(&name),
        "someone else's persistent tap was deleted"
    );
    // Re-attach and delete.
    let tap = reopen(&name, opts);
    tap.destroy().unwrap();
    wait_until("persistent tap deleted", Duration::from_secs(5), || {
        !ifctl::exists(&name)
    })
    .unwrap();

    let iname = unique_name("br");
    let mut options = BTreeMap::new();
    let internal = netdev::open("internal", &iname, &options).unwrap();
    assert_eq!(internal.kind(), NetdevKind::Internal);
    assert!(ifctl::exists(&iname));
    drop(internal);
    wait_until("internal port deleted", Duration::from_secs(5), || {
        !ifctl::exists(&iname)
    })
    .unwrap();
    options.insert("bogus".to_string(), "1".to_string());
    assert!(netdev::open("internal", &iname, &options).is_err());
    assert!(
        !ifctl::exists(&iname),
        "a rejected open must create nothing"
    );
}

#[test]
fn deleted_tap_reports_an_error() {
    if !available("deleted_tap_reports_an_error") {
        return;
    }
    let name = unique_name("td");
    let tap = TapNetdev::open(&name, TapOptions::default()).unwrap();
    let mut batch = RxBatch::for_netdev(&tap, 8);
    assert_eq!(tap.recv_batch(&mut batch).unwrap(), 0);
    ip(&["link", "del", &name]).unwrap();
    let err = tap.recv_batch(&mut batch).unwrap_err();
    assert!(err.is_no_such_device(), "{err}");
    let frame = common::test_frame([0xff; 6], [2; 6], &[0u8; 50]);
    assert!(tap.send_batch(&[TxPacket::new(&frame)]).is_err());
    assert!(tap.mtu().is_err());
}
