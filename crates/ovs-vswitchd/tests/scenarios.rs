//! The seed's VLAN scenarios (SCENARIOS.md section 4, on one host) and flow-rule examples
//! (section 3) on dummy ports: checked through `ofproto/trace` datapath actions and through
//! `netdev-dummy/receive` plus port counters read with `ovs-ofctl dump-ports`.

mod common;

use common::{frame, Switch, T};
use testkit::ovsdb::Impl;
use testkit::wait_until;

const A: &str = "50:54:00:00:00:01";
const B: &str = "50:54:00:00:00:02";
const C: &str = "50:54:00:00:00:03";
const BCAST: &str = "ff:ff:ff:ff:ff:ff";

fn ofctl() -> Impl {
    if testkit::reference::require("vswitchd scenarios", &["ovs-ofctl"]) {
        Impl::Reference
    } else {
        Impl::Ours
    }
}

/// p1, p2 in VLAN 1, p3 in VLAN 2, p4 a trunk (the host's NIC).
fn vlan_switch() -> Switch {
    let sw = Switch::start("vlan");
    sw.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "add-port",
        "br0",
        "p1",
        "tag=1",
        "--",
        "set",
        "interface",
        "p1",
        "ofport_request=1",
        "--",
        "add-port",
        "br0",
        "p2",
        "tag=1",
        "--",
        "set",
        "interface",
        "p2",
        "ofport_request=2",
        "--",
        "add-port",
        "br0",
        "p3",
        "tag=2",
        "--",
        "set",
        "interface",
        "p3",
        "ofport_request=3",
        "--",
        "add-port",
        "br0",
        "p4",
        "--",
        "set",
        "interface",
        "p4",
        "ofport_request=4",
    ]);
    sw
}

fn wait_tx(sw: &Switch, port: u16, n: u64) {
    let of = ofctl();
    wait_until(&format!("port {port} to transmit {n} packets"), T, || {
        sw.tx_packets(of, "br0", port) >= n
    })
    .unwrap();
}

#[test]
fn access_ports_flood_only_within_their_vlan() {
    let sw = vlan_switch();
    // Trace: a broadcast from p1 (VLAN 1) reaches p2 untagged and the trunk tagged 1.
    let acts = sw.trace_actions("br0", &format!("in_port=1,dl_src={A},dl_dst={BCAST}"));
    assert_eq!(acts, "2,push_vlan(vid=1,pcp=0),4,100", "flood from VLAN 1");
    let acts = sw.trace_actions("br0", &format!("in_port=3,dl_src={C},dl_dst={BCAST}"));
    assert_eq!(acts, "push_vlan(vid=2,pcp=0),4,100", "flood from VLAN 2");
    // From the trunk, tagged 2: only p3, untagged.
    let acts = sw.trace_actions(
        "br0",
        &format!("in_port=4,dl_vlan=2,dl_src={C},dl_dst={BCAST}"),
    );
    assert_eq!(
        acts, "pop_vlan,3,push_vlan(vid=2,pcp=0),100",
        "trunk VLAN 2 to its access port and the local port (a trunk)"
    );

    // Real packets: a broadcast from p1 goes out on p2 and p4, never on p3.
    let of = ofctl();
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, BCAST, None)]);
    wait_tx(&sw, 2, 1);
    wait_tx(&sw, 4, 1);
    assert_eq!(
        sw.tx_packets(of, "br0", 3),
        0,
        "VLAN 2 port got VLAN 1 traffic"
    );
}

#[test]
fn mac_learning_then_unicast() {
    let sw = vlan_switch();
    let of = ofctl();
    // A (on p1) broadcasts: learned.
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, BCAST, None)]);
    wait_tx(&sw, 2, 1);
    let fdb = sw.appctl_ok(&["fdb/show", "br0"]);
    assert!(
        fdb.contains("    1     1  50:54:00:00:00:01"),
        "fdb:\n{fdb}"
    );
    // B (on p2) answers A: only p1 gets it.
    sw.appctl_ok(&["netdev-dummy/receive", "p2", &frame(B, A, None)]);
    wait_tx(&sw, 1, 1);
    let acts = sw.trace_actions("br0", &format!("in_port=2,dl_src={B},dl_dst={A}"));
    assert_eq!(acts, "1");
    assert_eq!(
        sw.tx_packets(of, "br0", 4),
        1,
        "unicast leaked to the trunk"
    );
    assert_eq!(sw.tx_packets(of, "br0", 3), 0);
}

#[test]
fn drop_rule_by_in_port_and_idle_timeout_expiry() {
    let sw = vlan_switch();
    let of = ofctl();
    sw.ofctl_ok(of, &["add-flow", "br0", "priority=0,actions=normal"]);
    sw.ofctl_ok(
        of,
        &["add-flow", "br0", "idle_timeout=120,in_port=2,actions=drop"],
    );
    assert_eq!(
        sw.trace_actions("br0", &format!("in_port=2,dl_src={B},dl_dst={BCAST}")),
        "drop"
    );
    sw.appctl_ok(&["netdev-dummy/receive", "p2", &frame(B, BCAST, None)]);
    // The drop rule counts the packet; nothing goes out.
    wait_until("the drop rule to count the packet", T, || {
        sw.ofctl_ok(of, &["dump-flows", "br0", "in_port=2"])
            .contains("n_packets=1,")
    })
    .unwrap();
    assert_eq!(sw.tx_packets(of, "br0", 1), 0);
    // 121 s later the rule has expired and the same packet floods again.
    sw.appctl_ok(&["time/warp", "121000"]);
    let flows = sw.ofctl_ok(of, &["dump-flows", "br0"]);
    assert!(
        !flows.contains("in_port=2"),
        "rule did not expire:\n{flows}"
    );
    sw.appctl_ok(&["netdev-dummy/receive", "p2", &frame(B, BCAST, None)]);
    wait_tx(&sw, 1, 1);
}

#[test]
fn delete_rules_matching_in_port_and_drop_everything() {
    let sw = vlan_switch();
    let of = ofctl();
    sw.ofctl_ok(of, &["add-flow", "br0", "in_port=2,actions=drop"]);
    sw.ofctl_ok(
        of,
        &[
            "add-flow",
            "br0",
            "in_port=2,dl_dst=50:54:00:00:00:01,actions=output:1",
        ],
    );
    sw.ofctl_ok(of, &["add-flow", "br0", "priority=1,actions=normal"]);
    sw.ofctl_ok(of, &["del-flows", "br0", "in_port=2"]);
    let flows = sw.ofctl_ok(of, &["dump-flows", "br0"]);
    assert!(!flows.contains("in_port=2"), "{flows}");
    assert!(flows.contains("priority=1 actions=NORMAL"), "{flows}");
    // A rule with no match fields and actions=drop drops everything.
    sw.ofctl_ok(of, &["add-flow", "br0", "priority=100,actions=drop"]);
    for p in ["1", "2", "3", "4"] {
        assert_eq!(
            sw.trace_actions("br0", &format!("in_port={p},dl_src={A},dl_dst={BCAST}")),
            "drop"
        );
    }
}

#[test]
fn output_and_mac_rewrites() {
    let sw = vlan_switch();
    let of = ofctl();
    sw.ofctl_ok(
        of,
        &[
            "add-flow",
            "br0",
            "in_port=1,actions=mod_dl_src:0a:00:00:00:00:01,mod_dl_dst:0a:00:00:00:00:02,output:3",
        ],
    );
    assert_eq!(
        sw.trace_actions("br0", &format!("in_port=1,dl_src={A},dl_dst={B}")),
        "set(eth(src=0a:00:00:00:00:01,dst=0a:00:00:00:00:02)),3"
    );
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, B, None)]);
    wait_tx(&sw, 3, 1);
    assert_eq!(sw.tx_packets(of, "br0", 2), 0);
}

#[test]
fn idle_megaflows_are_deleted_and_counted_first() {
    let sw = vlan_switch();
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, BCAST, None)]);
    wait_until("a megaflow for the packet", T, || {
        sw.appctl_ok(&["dpctl/dump-flows"]).lines().count() == 1
    })
    .unwrap();
    // Still there before max-idle (10 s) has passed, gone after.
    sw.appctl_ok(&["time/warp", "5000"]);
    assert_eq!(sw.appctl_ok(&["dpctl/dump-flows"]).lines().count(), 1);
    sw.appctl_ok(&["time/warp", "6000"]);
    let left = sw.appctl_ok(&["dpctl/dump-flows"]);
    assert!(left.trim().is_empty(), "idle megaflow kept:\n{left}");
    // Its packet was counted once, by the NORMAL rule.
    let flows = sw.ofctl_ok(ofctl(), &["dump-flows", "br0"]);
    assert!(flows.contains("n_packets=1,"), "{flows}");
}

/// Seed feature list: SPAN and RSPAN port mirroring.
#[test]
fn span_and_rspan_mirrors() {
    let sw = vlan_switch();
    // p5 (no VLAN configuration) watches everything p1 (VLAN 1) receives.
    sw.vsctl_ok(&[
        "add-port",
        "br0",
        "p5",
        "--",
        "set",
        "interface",
        "p5",
        "ofport_request=5",
        "--",
        "--id=@p1",
        "get",
        "port",
        "p1",
        "--",
        "--id=@p5",
        "get",
        "port",
        "p5",
        "--",
        "--id=@m",
        "create",
        "mirror",
        "name=span",
        "select_src_port=@p1",
        "output_port=@p5",
        "--",
        "set",
        "bridge",
        "br0",
        "mirrors=@m",
    ]);
    // The copy goes out first, tagged with the packet's VLAN, and the packet itself is
    // untouched: flooded in VLAN 1 (p2, and p4 tagged), never to the mirror port.
    let acts = sw.trace_actions("br0", &format!("in_port=1,dl_src={A},dl_dst={BCAST}"));
    assert_eq!(
        acts,
        "push_vlan(vid=1,pcp=0),5,pop_vlan,2,push_vlan(vid=1,pcp=0),4,100"
    );
    // p3's traffic is not selected.
    let acts = sw.trace_actions("br0", &format!("in_port=3,dl_src={A},dl_dst={BCAST}"));
    assert!(!acts.contains(",5") && !acts.starts_with('5'), "{acts}");
    // A mirror output port takes no part in switching: what it receives is dropped.
    let acts = sw.trace_actions("br0", &format!("in_port=5,dl_src={A},dl_dst={BCAST}"));
    assert_eq!(acts, "drop");
    // Real packets: one in on p1, one copy out on p5.
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, BCAST, None)]);
    wait_tx(&sw, 5, 1);

    // RSPAN: what p3 (VLAN 2) receives is copied into VLAN 99, to every port that carries
    // it: the trunk p4, p5 (no longer a mirror output: a trunk for all VLANs again) and the
    // bridge's local port.
    sw.vsctl_ok(&[
        "--",
        "--id=@p3",
        "get",
        "port",
        "p3",
        "--",
        "--id=@m",
        "create",
        "mirror",
        "name=rspan",
        "select_src_port=@p3",
        "output_vlan=99",
        "--",
        "set",
        "bridge",
        "br0",
        "mirrors=@m",
    ]);
    sw.vsctl_ok(&["set", "port", "p4", "trunks=2,99"]);
    let acts = sw.trace_actions("br0", &format!("in_port=3,dl_src={B},dl_dst={BCAST}"));
    assert_eq!(
        acts,
        "push_vlan(vid=99,pcp=0),4,5,100,pop_vlan,push_vlan(vid=2,pcp=0),4,5,100"
    );
    let acts = sw.trace_actions("br0", &format!("in_port=5,dl_src={A},dl_dst={BCAST}"));
    assert_ne!(acts, "drop", "p5 switches again");
}

/// Patch ports join two bridges (as OpenStack joins br-int and br-ex).
#[test]
fn patch_ports_join_bridges() {
    let sw = Switch::start("patch");
    sw.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "add-port",
        "br0",
        "p1",
        "--",
        "set",
        "interface",
        "p1",
        "ofport_request=1",
        "--",
        "add-br",
        "br1",
        "--",
        "add-port",
        "br1",
        "p2",
        "--",
        "set",
        "interface",
        "p2",
        "ofport_request=2",
        "--",
        "add-port",
        "br0",
        "patch-a",
        "--",
        "set",
        "interface",
        "patch-a",
        "type=patch",
        "options:peer=patch-b",
        "ofport_request=9",
        "--",
        "add-port",
        "br1",
        "patch-b",
        "--",
        "set",
        "interface",
        "patch-b",
        "type=patch",
        "options:peer=patch-a",
        "ofport_request=9",
    ]);
    // The first end had no peer when it was opened; the link comes up with the second.
    wait_until("patch-a link up", T, || {
        sw.vsctl_ok(&["get", "interface", "patch-a", "ofport", "link_state"]) == "9\nup\n"
    })
    .unwrap();
    let of = ofctl();
    let show = sw.ofctl_ok(of, &["show", "br0"]);
    assert!(show.contains(" 9(patch-a): addr:"), "{show}");
    // A broadcast on br0's p1 crosses the cable and leaves br1 on p2; the reply comes back.
    sw.appctl_ok(&["netdev-dummy/receive", "p1", &frame(A, BCAST, None)]);
    wait_until("p2 to transmit the broadcast", T, || {
        sw.tx_packets(of, "br1", 2) >= 1
    })
    .unwrap();
    sw.appctl_ok(&["netdev-dummy/receive", "p2", &frame(B, A, None)]);
    wait_until("p1 to transmit the reply", T, || {
        sw.tx_packets(of, "br0", 1) >= 1
    })
    .unwrap();
    // Both bridges learned where A is: behind p1 on br0, behind the patch on br1.
    assert!(sw
        .appctl_ok(&["fdb/show", "br1"])
        .contains("    9     0  50:54:00:00:00:01"));
    // Without its peer, the cable is down.
    sw.vsctl_ok(&["del-port", "br1", "patch-b"]);
    wait_until("patch-a link down", T, || {
        sw.vsctl_ok(&["get", "interface", "patch-a", "link_state"]) == "down\n"
    })
    .unwrap();
}
