//! Bad OpenFlow input and unfair clients, through the management socket of a running
//! ovs-vswitchd: malformed or out-of-spec messages get an OFPT_ERROR and the connection, the
//! other connections and the switch go on; a client flooding flow_mods does not starve a
//! client that only sends echo requests.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::Switch;
use openflow::{Message, OfpMsg, Version};
use testkit::ovsdb::Impl;

fn hello_and_connect(sw: &Switch, v: Version) -> UnixStream {
    let path = sw.sb.rundir().join("br0.mgmt");
    let mut s = UnixStream::connect(&path).expect("connect mgmt socket");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let hello = OfpMsg::new(v, 1, Message::Hello(Default::default()))
        .encode()
        .unwrap();
    s.write_all(&hello).unwrap();
    let m = read_msg(&mut s);
    assert!(
        matches!(m.body, Message::Hello(_)),
        "expected hello, got {m:?}"
    );
    s
}

fn read_msg(s: &mut UnixStream) -> OfpMsg {
    let mut h = [0u8; 8];
    s.read_exact(&mut h).expect("read header");
    let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
    let mut body = vec![0u8; len.saturating_sub(8)];
    s.read_exact(&mut body).expect("read body");
    let mut all = h.to_vec();
    all.extend_from_slice(&body);
    OfpMsg::decode(&all).expect("decodable reply")
}

fn echo(s: &mut UnixStream, v: Version, xid: u32) -> Duration {
    let t = Instant::now();
    let m = OfpMsg::new(v, xid, Message::EchoRequest(vec![1, 2, 3]))
        .encode()
        .unwrap();
    s.write_all(&m).unwrap();
    loop {
        let r = read_msg(s);
        if r.xid == xid {
            assert!(matches!(r.body, Message::EchoReply(ref p) if p == &[1, 2, 3]));
            return t.elapsed();
        }
    }
}

fn expect_error(s: &mut UnixStream, bytes: &[u8], xid: u32, what: &str) {
    s.write_all(bytes).unwrap();
    let r = read_msg(s);
    assert_eq!(r.xid, xid, "{what}: reply to the wrong request: {r:?}");
    assert!(
        matches!(r.body, Message::Error(_)),
        "{what}: expected OFPT_ERROR, got {r:?}"
    );
}

#[test]
fn malformed_messages_get_errors_and_nothing_stops() {
    let sw = Switch::start("of-bad");
    sw.vsctl_ok(&["add-br", "br0"]);
    let mut a = hello_and_connect(&sw, Version::Of13);
    let mut b = hello_and_connect(&sw, Version::Of10);
    // Unknown message type 200.
    expect_error(&mut a, &[4, 200, 0, 8, 0, 0, 0, 11], 11, "unknown type");
    // A flow_mod (type 14) far too short for its fixed part.
    expect_error(
        &mut a,
        &[4, 14, 0, 12, 0, 0, 0, 12, 0, 0, 0, 0],
        12,
        "short flow_mod",
    );
    // A multipart request of an unknown kind.
    expect_error(
        &mut a,
        &[4, 18, 0, 16, 0, 0, 0, 13, 0x7f, 0x7f, 0, 0, 0, 0, 0, 0],
        13,
        "unknown multipart",
    );
    // Wrong version in the middle of an OpenFlow 1.3 session (echo, hello and error are
    // exempt, as in Open vSwitch: a features request is not).
    expect_error(&mut a, &[1, 5, 0, 8, 0, 0, 0, 14], 14, "version mismatch");
    // A flow_mod whose action list runs past the end (OpenFlow 1.0 on b).
    let mut fm = vec![1u8, 14, 0, 80, 0, 0, 0, 15];
    fm.extend_from_slice(&[0u8; 40]); // match
    fm.extend_from_slice(&[0u8; 24]); // cookie .. flags
    fm.extend_from_slice(&[0, 0, 0, 16, 0, 0, 0, 0]); // output action claiming 16 bytes
    expect_error(&mut b, &fm, 15, "truncated action");
    // Random bodies behind valid headers, of every message type.
    for t in 0..=35u8 {
        let mut m = vec![4u8, t, 0, 24, 0, 0, 1, t];
        m.extend((0..16u8).map(|i| i.wrapping_mul(37).wrapping_add(t)));
        a.write_all(&m).unwrap();
    }
    // Both connections still answer, and the switch still serves ovs-ofctl.
    echo(&mut a, Version::Of13, 99);
    echo(&mut b, Version::Of10, 99);
    let of = if testkit::reference::require("openflow robustness", &["ovs-ofctl"]) {
        Impl::Reference
    } else {
        Impl::Ours
    };
    sw.ofctl_ok(of, &["add-flow", "br0", "in_port=1,actions=drop"]);
    assert!(sw
        .ofctl_ok(of, &["dump-flows", "br0"])
        .contains("in_port=1"));
    // A garbage header (length below 8) closes only that connection.
    let mut c = hello_and_connect(&sw, Version::Of13);
    c.write_all(&[4, 2, 0, 3, 0, 0, 0, 1]).unwrap();
    let mut buf = [0u8; 64];
    let closed = matches!(c.read(&mut buf), Ok(0) | Err(_));
    assert!(closed, "connection with an unframeable message stayed open");
    echo(&mut a, Version::Of13, 100);
}

#[test]
fn a_flow_mod_flood_does_not_starve_others() {
    let sw = Switch::start("of-flood");
    sw.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "fail-mode=secure",
    ]);
    let n = 60_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "priority=100,tcp,nw_dst=10.{}.{}.{},tp_dst={},actions=drop\n",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            1 + i % 60000
        ));
    }
    let file = sw.sb.root().join("flows");
    std::fs::write(&file, text).unwrap();
    let mut quiet = hello_and_connect(&sw, Version::Of13);
    let of = if testkit::reference::available("ovs-ofctl") {
        Impl::Reference
    } else {
        Impl::Ours
    };
    let mut flood = sw
        .sb
        .command(of.program("ovs-ofctl"))
        .args(["add-flows", "br0", file.to_str().unwrap()])
        .spawn()
        .expect("start flooding client");
    // While the flood runs, echo requests on the other connection keep being answered.
    let mut worst = Duration::ZERO;
    let mut n_echo = 0;
    let mut xid = 1000;
    while flood.try_wait().expect("flood status").is_none() && n_echo < 200 {
        xid += 1;
        worst = worst.max(echo(&mut quiet, Version::Of13, xid));
        n_echo += 1;
    }
    let st = flood.wait().expect("flood exit");
    assert!(st.success(), "add-flows failed");
    assert!(
        worst < Duration::from_secs(5),
        "an echo waited {worst:?} behind the flood"
    );
    let out = sw.ofctl_ok(of, &["dump-aggregate", "br0"]);
    assert!(out.contains(&format!("flow_count={n}")), "{out}");
    eprintln!("{n_echo} echoes during the flood, slowest {worst:?}");
}
