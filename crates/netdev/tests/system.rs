//! `system` ports on veth pairs between network namespaces: real packets both ways through a
//! forwarding loop, GSO pass-through, interface control, link monitoring, and a deleted
//! interface. Needs root (skips with a notice otherwise; fails under FERRO_REQUIRE_NETNS=1).

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use common::{in_netns, run_in, test_frame, Forwarder, TwoHosts};
use netdev::netlink::{LinkEvent, LinkMonitor};
use netdev::system::{SystemNetdev, SystemOptions};
use netdev::{ifctl, MacAddr, Netdev, NetdevError, RxBatch, TxPacket};
use testkit::netns::{available, ip, Netns, Veth};
use testkit::wait::{wait_for, wait_until};

fn open(name: &str) -> Arc<dyn Netdev> {
    Arc::new(SystemNetdev::open(name).unwrap_or_else(|e| panic!("open {name}: {e}")))
}

#[test]
fn ping_through_forwarding_loop() {
    if !available("ping_through_forwarding_loop") {
        return;
    }
    ping_through(true);
}

#[test]
fn ping_through_forwarding_loop_without_rx_ring() {
    if !available("ping_through_forwarding_loop_without_rx_ring") {
        return;
    }
    ping_through(false);
}

fn ping_through(rx_ring: bool) {
    let h = TwoHosts::new();
    let opts = SystemOptions {
        rx_ring,
        ..SystemOptions::default()
    };
    let open = |name: &str| {
        let d = SystemNetdev::open_with(name, opts).unwrap_or_else(|e| panic!("open {name}: {e}"));
        assert_eq!(d.uses_rx_ring(), rx_ring, "receive ring in use");
        Arc::new(d) as Arc<dyn Netdev>
    };
    let a = open(&h.a.outer);
    let b = open(&h.b.outer);
    assert!(a.offloads().vnet_hdr, "PACKET_VNET_HDR should be available");
    let before = a.stats().unwrap();
    let fwd = Forwarder::start(Arc::clone(&a), Arc::clone(&b), Duration::from_secs(30));
    let out = run_in(
        &h.a_ns,
        "ping",
        &["-c", "3", "-i", "0.2", "-W", "3", "10.77.0.2"],
    );
    let st = fwd.finish();
    assert!(
        out.status.success(),
        "ping failed: {}{} forwarder: {st:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // ARP request + >= 3 echo requests one way, ARP reply + >= 3 replies the other.
    assert!(st.a_to_b >= 4 && st.b_to_a >= 4, "{st:?}");
    assert!(st.errors.is_empty(), "{st:?}");
    let after = a.stats().unwrap();
    assert!(
        after.rx_packets >= before.rx_packets + 4,
        "{before:?} {after:?}"
    );
    assert!(
        after.tx_packets >= before.tx_packets + 4,
        "{before:?} {after:?}"
    );
}

#[test]
fn tcp_gso_super_packets_pass_through() {
    if !available("tcp_gso_super_packets_pass_through") {
        return;
    }
    let h = TwoHosts::new();
    // Make sure the senders produce super-packets (veth defaults, stated explicitly).
    for ns in [&h.a_ns, &h.b_ns] {
        let out = run_in(
            ns,
            "ethtool",
            &["-K", "eth0", "tso", "on", "gso", "on", "tx", "on"],
        );
        if !out.status.success() {
            eprintln!(
                "note: ethtool unavailable ({:?}); relying on veth defaults",
                out.status
            );
        }
    }
    let a = open(&h.a.outer);
    let b = open(&h.b.outer);
    let fwd = Forwarder::start(Arc::clone(&a), Arc::clone(&b), Duration::from_secs(60));
    const TOTAL: usize = 8 << 20;
    let server = in_netns(&h.b_ns, || {
        let l = TcpListener::bind("10.77.0.2:5201").expect("bind");
        l.set_nonblocking(false).unwrap();
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) => panic!("server read after {total} bytes: {e}"),
            }
        }
        total
    });
    // Connect (retrying until the listener is up).
    let client = in_netns(&h.a_ns, || {
        let mut s = wait_for("connect to 10.77.0.2:5201", Duration::from_secs(10), || {
            TcpStream::connect_timeout(&"10.77.0.2:5201".parse().unwrap(), Duration::from_secs(2))
                .ok()
        })
        .expect("connect");
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
        let chunk = vec![0x5au8; 1 << 16];
        let mut sent = 0;
        while sent < TOTAL {
            s.write_all(&chunk).expect("write");
            sent += chunk.len();
        }
        s.shutdown(Shutdown::Write).unwrap();
        sent
    });
    let sent = client.join().expect("client");
    let got = server.join().expect("server");
    let st = fwd.finish();
    eprintln!("forwarder: {st:?}");
    assert_eq!(got, sent, "{st:?}");
    assert!(st.errors.is_empty(), "{st:?}");
    assert!(
        st.gso_packets > 0 && st.max_gso > 1514,
        "no GSO super-packet observed: {st:?}"
    );
    assert_eq!(st.gso_type & 0x7f, netdev::VnetHdr::GSO_TCPV4, "{st:?}");
}

#[test]
fn mtu_mac_updown_round_trips() {
    if !available("mtu_mac_updown_round_trips") {
        return;
    }
    let ns = Netns::new("m").unwrap();
    let mut v = Veth::new("m").unwrap();
    v.plug_into(&ns, "eth0", "10.78.0.1/24").unwrap();
    let d = SystemNetdev::open(&v.outer).unwrap();
    assert_eq!(d.ifindex().unwrap(), ifctl::ifindex(&v.outer).unwrap());

    d.set_mtu(1400).unwrap();
    assert_eq!(d.mtu().unwrap(), 1400);
    let show = ip(&["link", "show", &v.outer]).unwrap();
    assert!(show.contains("mtu 1400"), "{show}");
    d.set_mtu(1500).unwrap();
    assert_eq!(ifctl::mtu(&v.outer).unwrap(), 1500);
    assert!(
        d.set_mtu(10).is_err(),
        "MTU below the minimum must be refused"
    );

    let mac: MacAddr = "02:11:22:33:44:55".parse().unwrap();
    d.set_mac(mac).unwrap();
    assert_eq!(d.mac().unwrap(), mac);
    let show = ip(&["link", "show", &v.outer]).unwrap();
    assert!(show.contains("02:11:22:33:44:55"), "{show}");
    assert!(d.set_mac("01:00:00:00:00:01".parse().unwrap()).is_err());

    wait_until("carrier with peer up", Duration::from_secs(5), || {
        d.carrier().unwrap_or(false)
    })
    .unwrap();
    d.set_up(false).unwrap();
    assert!(!d.is_up().unwrap());
    assert!(!d.carrier().unwrap());
    assert!(ip(&["link", "show", &v.outer])
        .unwrap()
        .contains("state DOWN"));
    // Receive on a downed port is not an error. Frames that arrived before it went down (the
    // peer's IPv6 chatter) may still be waiting in the receive ring and come first.
    let mut batch = RxBatch::for_netdev(&d, 8);
    let mut drained = false;
    for _ in 0..1000 {
        if d.recv_batch(&mut batch).unwrap() == 0 {
            drained = true;
            break;
        }
    }
    assert!(drained, "a downed port keeps delivering frames");
    assert_eq!(d.recv_batch(&mut batch).unwrap(), 0);
    d.set_up(true).unwrap();
    assert!(d.is_up().unwrap());
    wait_until("carrier back", Duration::from_secs(5), || {
        d.carrier().unwrap_or(false)
    })
    .unwrap();
    // The peer going down takes the carrier away.
    ns.ip(&["link", "set", "eth0", "down"]).unwrap();
    wait_until("carrier lost", Duration::from_secs(5), || {
        !d.carrier().unwrap_or(true)
    })
    .unwrap();
}

#[test]
fn sends_and_receives_vlan_tagged_frames_intact() {
    if !available("sends_and_receives_vlan_tagged_frames_intact") {
        return;
    }
    // Two root-side veth ends opened directly as ports: what one sends, the other receives.
    let v = Veth::new("v").unwrap();
    ip(&["link", "set", &v.inner, "up"]).unwrap();
    let a = SystemNetdev::open(&v.outer).unwrap();
    let b = SystemNetdev::open(&v.inner).unwrap();
    let src = [2, 0, 0, 0, 0, 1];
    let dst = [2, 0, 0, 0, 0, 2];
    let plain = test_frame(dst, src, &[7u8; 60]);
    let mut tagged = Vec::new();
    tagged.extend_from_slice(&dst);
    tagged.extend_from_slice(&src);
    tagged.extend_from_slice(&[0x81, 0x00, 0x20, 0x2a, 0x88, 0xb5]);
    tagged.extend_from_slice(&[9u8; 60]);
    let pkts = [TxPacket::new(&plain), TxPacket::new(&tagged)];
    assert_eq!(a.send_batch(&pkts).unwrap(), 2);
    let mut batch = RxBatch::for_netdev(&b, 8);
    let mut got: Vec<Vec<u8>> = Vec::new();
    wait_until("two frames on the peer", Duration::from_secs(5), || {
        if b.recv_batch(&mut batch).unwrap() > 0 {
            got.extend(
                batch
                    .iter()
                    .map(|p| p.data.to_vec())
                    .filter(|f| f.get(6..12) == Some(&src[..])),
            );
        }
        got.len() >= 2
    })
    .unwrap();
    assert_eq!(got[0], plain);
    assert_eq!(got[1], tagged, "the VLAN tag must be re-inserted");
    // Frames sent out of the interface -- by this port or by another socket -- are not
    // received by the port: only what arrives from the link is.
    let other = SystemNetdev::open(&v.outer).unwrap();
    let from_other = test_frame(dst, [2, 0, 0, 0, 0, 3], &[3u8; 60]);
    assert_eq!(other.send_batch(&[TxPacket::new(&from_other)]).unwrap(), 1);
    let mut seen_on_b = false;
    wait_until(
        "the other socket's frame on the peer",
        Duration::from_secs(5),
        || {
            if b.recv_batch(&mut batch).unwrap() > 0 {
                seen_on_b |= batch.iter().any(|p| p.data == &from_other[..]);
            }
            seen_on_b
        },
    )
    .unwrap();
    let mut own = RxBatch::for_netdev(&a, 8);
    // (The peer may legitimately send IPv6 neighbour discovery; only our frames matter.)
    a.recv_batch(&mut own).unwrap();
    let ours: Vec<&[u8]> = own
        .iter()
        .map(|p| p.data)
        .filter(|d| d.get(6..11) == Some(&src[..5]))
        .collect();
    assert!(
        ours.is_empty(),
        "port saw frames sent out of its own interface: {ours:?}"
    );
}

#[test]
fn receive_drops_are_counted() {
    if !available("receive_drops_are_counted") {
        return;
    }
    // Nobody receives from `rx`: once its ring (or socket queue) is full the kernel drops
    // frames, and the port's statistics must say so.
    let v = Veth::new("q").unwrap();
    let rx = SystemNetdev::open(&v.outer).unwrap();
    let tx_opts = SystemOptions {
        vnet_hdr: false,
        promisc: false,
        rx_ring: false,
        ..SystemOptions::default()
    };
    let tx = SystemNetdev::open_with(&v.inner, tx_opts).unwrap();
    rx.set_up(true).unwrap();
    tx.set_up(true).unwrap();
    wait_until("carrier", Duration::from_secs(5), || {
        rx.carrier().unwrap_or(false)
    })
    .unwrap();
    let before = rx.stats().unwrap().rx_dropped;
    let frame = test_frame([2; 6], [4; 6], &[0; 50]);
    let pkts = [TxPacket::new(&frame); 64];
    wait_until("receive drops counted", Duration::from_secs(20), || {
        for _ in 0..20 {
            let _ = tx.send_batch(&pkts);
        }
        rx.stats().unwrap().rx_dropped > before
    })
    .unwrap();
    // Drops are remembered, not reset by the next read.
    assert!(rx.stats().unwrap().rx_dropped > before);
}

#[test]
fn deleted_interface_reports_an_error() {
    if !available("deleted_interface_reports_an_error") {
        return;
    }
    let v = Veth::new("d").unwrap();
    let d = SystemNetdev::open(&v.outer).unwrap();
    let mut batch = RxBatch::for_netdev(&d, 8);
    assert_eq!(d.recv_batch(&mut batch).unwrap(), 0);
    ip(&["link", "del", &v.outer]).unwrap();
    let err = wait_for("receive error", Duration::from_secs(5), || {
        d.recv_batch(&mut batch).err()
    })
    .unwrap();
    assert!(err.is_no_such_device(), "{err}");
    assert!(err.to_string().contains("no such device"), "{err}");
    // Stays broken, and control calls fail cleanly too.
    assert!(d.recv_batch(&mut batch).is_err());
    let frame = test_frame([2; 6], [4; 6], &[0; 50]);
    assert!(d.send_batch(&[TxPacket::new(&frame)]).is_err());
    assert!(matches!(d.mtu(), Err(NetdevError::NoSuchDevice { .. })));
    assert!(d.stats().is_err());
    assert!(matches!(
        SystemNetdev::open(&v.outer),
        Err(NetdevError::NoSuchDevice { .. })
    ));
}

#[test]
fn link_monitor_sees_interfaces_come_and_go() {
    if !available("link_monitor_sees_interfaces_come_and_go") {
        return;
    }
    let mut mon = LinkMonitor::new().unwrap();
    let v = Veth::new("l").unwrap();
    let name = v.outer.clone();
    let mut events = Vec::new();
    let seen = |events: &Vec<LinkEvent>, deleted: bool| {
        events.iter().any(|e| match e {
            LinkEvent::New(i) if !deleted => i.name.as_deref() == Some(name.as_str()),
            LinkEvent::Deleted(i) if deleted => i.name.as_deref() == Some(name.as_str()),
            _ => false,
        })
    };
    wait_until("RTM_NEWLINK", Duration::from_secs(5), || {
        let _ = mon.wait(Duration::from_millis(100), &mut events);
        seen(&events, false)
    })
    .unwrap();
    assert!(ifctl::exists(&name));
    drop(v);
    wait_until("RTM_DELLINK", Duration::from_secs(5), || {
        let _ = mon.wait(Duration::from_millis(100), &mut events);
        seen(&events, true)
    })
    .unwrap();
    assert!(!ifctl::exists(&name));
}

#[test]
fn concurrent_senders_share_one_port() {
    if !available("concurrent_senders_share_one_port") {
        return;
    }
    let v = Veth::new("c").unwrap();
    ip(&["link", "set", &v.inner, "up"]).unwrap();
    let a = open(&v.outer);
    let b = SystemNetdev::open(&v.inner).unwrap();
    const THREADS: u8 = 4;
    const PER: u32 = 200;
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let a = Arc::clone(&a);
            std::thread::spawn(move || {
                let mut sent = 0;
                for i in 0..PER / 10 {
                    let frames: Vec<Vec<u8>> = (0..10)
                        .map(|k| {
                            test_frame(
                                [2, 0, 0, 0, 0, 9],
                                [2, 0xcc, 0, 0, 0, t],
                                &(i * 10 + k).to_be_bytes(),
                            )
                        })
                        .collect();
                    let pkts: Vec<TxPacket<'_>> = frames.iter().map(|f| TxPacket::new(f)).collect();
                    sent += a.send_batch(&pkts).unwrap();
                }
                sent
            })
        })
        .collect();
    let mut per_thread = [0u32; THREADS as usize];
    let mut batch = RxBatch::for_netdev(&b, 64);
    let total = u32::from(THREADS) * PER;
    let sent: usize = senders.into_iter().map(|s| s.join().unwrap()).sum();
    assert_eq!(sent, total as usize);
    wait_until(
        "all frames from all threads",
        Duration::from_secs(10),
        || {
            while b.recv_batch(&mut batch).unwrap() > 0 {
                for p in batch.iter() {
                    if p.data.get(6..11) == Some(&[2, 0xcc, 0, 0, 0][..]) {
                        if let Some(c) = p
                            .data
                            .get(11)
                            .and_then(|t| per_thread.get_mut(usize::from(*t)))
                        {
                            *c += 1;
                        }
                    }
                }
            }
            per_thread.iter().sum::<u32>() >= total
        },
    )
    .unwrap_or_else(|e| panic!("{e}: {per_thread:?}"));
    assert!(per_thread.iter().all(|c| *c == PER), "{per_thread:?}");
}
