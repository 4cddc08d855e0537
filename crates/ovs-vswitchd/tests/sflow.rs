//! sFlow (seed scenario 5) on dummy ports: the seed's `--id=@s create sflow ... -- set
//! bridge ... sflow=@s` command line makes the switch send sFlow v5 datagrams with a flow
//! sample per sampled packet to the collector; removing sFlow stops them.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::{frame, Switch};

/// (flow samples, counter samples, agent address) of one sFlow v5 datagram.
fn parse(d: &[u8]) -> Option<(usize, usize, [u8; 4])> {
    let word =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(d.get(i..i + 4)?.try_into().ok()?)) };
    if word(0)? != 5 || word(4)? != 1 {
        return None;
    }
    let agent = d.get(8..12)?.try_into().ok()?;
    let n = word(24)? as usize;
    let (mut flows, mut counters, mut pos) = (0, 0, 28);
    for _ in 0..n {
        match word(pos)? {
            1 => flows += 1,
            2 => counters += 1,
            _ => {}
        }
        pos += 8 + word(pos + 4)? as usize;
    }
    (pos == d.len()).then_some((flows, counters, agent))
}

/// Flow samples received within `wait` (stops early once `want` arrived).
fn collect(sock: &UdpSocket, want: usize, wait: Duration) -> (usize, Vec<[u8; 4]>) {
    let end = Instant::now() + wait;
    let (mut flows, mut agents) = (0, Vec::new());
    let mut buf = [0u8; 65536];
    while Instant::now() < end && flows < want {
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        if let Ok(n) = sock.recv(&mut buf) {
            let (f, _, a) = parse(&buf[..n]).expect("a well-formed sFlow v5 datagram");
            flows += f;
            agents.push(a);
        }
    }
    (flows, agents)
}

#[test]
fn seed_sflow_command_samples_packets() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = format!("\"{}\"", sock.local_addr().unwrap());
    let sw = Switch::start("sflow");
    sw.vsctl_ok(&[
        "add-br", "ovsbr0", "--", "add-port", "ovsbr0", "p1", "--", "add-port", "ovsbr0", "p2",
    ]);
    // The seed's command, with the collector on loopback and every packet sampled.
    sw.vsctl_ok(&[
        "--",
        "--id=@s",
        "create",
        "sflow",
        "agent=127.0.0.1",
        &format!("target={target}"),
        "header=128",
        "sampling=1",
        "polling=1",
        "--",
        "set",
        "bridge",
        "ovsbr0",
        "sflow=@s",
    ]);
    let acts = sw.trace_actions("ovsbr0", "in_port=1,dl_dst=00:00:00:00:00:02");
    assert!(
        acts.starts_with("sample(sample=100.0%,actions(userspace(pid=0,sFlow("),
        "{acts}"
    );
    for i in 0..10 {
        let src = format!("00:00:00:00:00:{:02x}", 0x10 + i);
        sw.appctl_ok(&[
            "netdev-dummy/receive",
            "p1",
            &frame(&src, "00:00:00:00:00:02", None),
        ]);
    }
    let (flows, agents) = collect(&sock, 10, common::T);
    assert_eq!(flows, 10, "one flow sample per packet");
    assert!(agents.iter().all(|a| *a == [127, 0, 0, 1]), "{agents:?}");

    // No sFlow, no samples (and no sample action).
    sw.vsctl_ok(&["clear", "bridge", "ovsbr0", "sflow"]);
    let acts = sw.trace_actions("ovsbr0", "in_port=1,dl_dst=00:00:00:00:00:02");
    assert!(!acts.contains("sample"), "{acts}");
    sw.appctl_ok(&[
        "netdev-dummy/receive",
        "p1",
        &frame("00:00:00:00:00:99", "00:00:00:00:00:02", None),
    ]);
    // Nothing may arrive: give it a second to prove the negative.
    let (flows, _) = collect(&sock, 1, Duration::from_secs(1));
    assert_eq!(flows, 0);
}
