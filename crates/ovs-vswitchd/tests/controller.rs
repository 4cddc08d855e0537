//! Controller rows report their connection: `is_connected`, `role` and `status`, as
//! managers (OpenStack's agents, `ovs-vsctl show`) read them.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use common::{Switch, T};
use testkit::wait_until;

#[test]
fn active_controller_connection_is_reported() {
    let ctl = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp:{}", ctl.local_addr().unwrap());
    let sw = Switch::start("controller");
    sw.vsctl_ok(&["add-br", "br0", "--", "set-controller", "br0", &target]);
    let (mut conn, _) = ctl.accept().unwrap();
    // The switch says hello (OpenFlow header: version, type 0 = HELLO).
    conn.set_read_timeout(Some(T)).unwrap();
    let mut hdr = [0u8; 8];
    conn.read_exact(&mut hdr).unwrap();
    assert_eq!(hdr[1], 0, "a HELLO first");
    // Answer with an OpenFlow 1.3 hello so the connection is established.
    conn.write_all(&[4, 0, 0, 8, 0, 0, 0, 1]).unwrap();
    wait_until("is_connected=true", T, || {
        sw.vsctl_ok(&["get", "controller", "br0", "is_connected"]) == "true\n"
    })
    .unwrap();
    assert_eq!(
        sw.vsctl_ok(&["get", "controller", "br0", "role"]),
        "other\n"
    );
    wait_until("status state ACTIVE", T, || {
        sw.vsctl_ok(&["get", "controller", "br0", "status:state"]) == "ACTIVE\n"
    })
    .unwrap();
    let show = sw.vsctl_ok(&["show"]);
    assert!(show.contains("is_connected: true"), "{show}");

    // The controller goes away: not connected any more.
    drop(conn);
    drop(ctl);
    wait_until("is_connected=false", T, || {
        sw.vsctl_ok(&["get", "controller", "br0", "is_connected"]) == "false\n"
    })
    .unwrap();
    let show = sw.vsctl_ok(&["show"]);
    assert!(!show.contains("is_connected: true"), "{show}");
}

/// A standalone bridge whose controller cannot be reached acts as a learning switch after
/// three probe intervals ("fail open"); a secure one keeps dropping.
#[test]
fn standalone_bridge_fails_open_without_its_controller() {
    // A port nobody listens on.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("tcp:{}", dead.local_addr().unwrap());
    drop(dead);
    let sw = Switch::start("failopen");
    sw.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "add-port",
        "br0",
        "p1",
        "--",
        "add-port",
        "br0",
        "p2",
        "--",
        "set-controller",
        "br0",
        &target,
        "--",
        "set",
        "controller",
        "br0",
        "inactivity_probe=3000",
    ]);
    let flow = "in_port=1,dl_src=50:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff";
    // With a controller configured the bridge has no NORMAL rule: a table miss drops.
    assert_eq!(sw.trace_actions("br0", flow), "drop");
    wait_until("fail-open", T, || sw.trace_actions("br0", flow) != "drop").unwrap();
    let out = sw.appctl_ok(&["ofproto/trace", "br0", flow]);
    assert!(out.contains("Fail-open"), "{out}");
    sw.vsctl_ok(&["set-fail-mode", "br0", "secure"]);
    wait_until("secure: drop again", T, || {
        sw.trace_actions("br0", flow) == "drop"
    })
    .unwrap();
}
