//! Bonds with LACP (seed feature list): two bridges joined by two cables (patch ports),
//! each side's pair bonded with `lacp=active`. LACP negotiates, a broadcast crosses the
//! bond once, and traffic moves to the other member when one is disabled.

mod common;

use common::{frame, Switch, T};
use testkit::{bins::bin_path, wait_until};

const A: &str = "50:54:00:00:00:0a";
const BCAST: &str = "ff:ff:ff:ff:ff:ff";

fn tx(sw: &Switch, bridge: &str, port: u16) -> u64 {
    let o = sw.run(
        bin_path("ovs-ofctl"),
        &["dump-ports", bridge, &port.to_string()],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    out.lines()
        .find_map(|l| l.trim_start().strip_prefix("tx pkts="))
        .and_then(|l| l.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn lacp_bond_between_two_bridges() {
    let sw = Switch::start("bonds");
    for (br, me, peer, host, of) in [("br0", "a", "b", "p0", "10"), ("br1", "b", "a", "p5", "20")] {
        let (m1, m2) = (format!("{me}1"), format!("{me}2"));
        let (o1, o2) = (
            format!("options:peer={peer}1"),
            format!("options:peer={peer}2"),
        );
        let req = format!("ofport_request={of}");
        sw.vsctl_ok(&[
            "add-br",
            br,
            "--",
            "add-port",
            br,
            host,
            "--",
            "set",
            "interface",
            host,
            &req,
            "--",
            "add-bond",
            br,
            &format!("bond{me}"),
            &m1,
            &m2,
            "lacp=active",
            "--",
            "set",
            "interface",
            &m1,
            "type=patch",
            &o1,
            "--",
            "set",
            "interface",
            &m2,
            "type=patch",
            &o2,
        ]);
    }
    wait_until("LACP negotiated on both sides", T, || {
        ["bonda", "bondb"].iter().all(|b| {
            String::from_utf8_lossy(&sw.appctl(&["lacp/show", b]).stdout)
                .contains("status: active negotiated")
        })
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}", sw.appctl_ok(&["lacp/show"])));
    let show = sw.appctl_ok(&["bond/show", "bonda"]);
    assert!(show.contains("bond_mode: active-backup"), "{show}");
    wait_until("both members enabled", T, || {
        let s = sw.appctl_ok(&["bond/show", "bonda"]);
        s.matches(": enabled").count() == 2
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}", sw.appctl_ok(&["bond/show", "bonda"])));

    // One broadcast from br0's host crosses the bond once.
    sw.appctl_ok(&["netdev-dummy/receive", "p0", &frame(A, BCAST, None)]);
    wait_until("br1's host to get it", T, || tx(&sw, "br1", 20) >= 1).unwrap();
    // Nothing comes back to br0's host: br1 does not flood it back into the bond.
    assert_eq!(tx(&sw, "br1", 20), 1);

    // Disable the active member: the other one takes over and carries the next broadcast.
    let active_of = |sw: &Switch| -> String {
        let show = sw.appctl_ok(&["bond/show", "bonda"]);
        show.lines()
            .find_map(|l| l.strip_prefix("active member mac: "))
            .and_then(|l| {
                l.split_once('(')
                    .map(|(_, n)| n.trim_end_matches(')').to_string())
            })
            .unwrap_or_else(|| panic!("no active member:\n{show}"))
    };
    let first = active_of(&sw);
    assert!(first == "a1" || first == "a2", "{first}");
    sw.appctl_ok(&["bond/disable-member", "bonda", &first]);
    let other = if first == "a1" { "a2" } else { "a1" };
    wait_until("the other member active", T, || active_of(&sw) == other).unwrap();
    sw.appctl_ok(&["netdev-dummy/receive", "p0", &frame(A, BCAST, None)]);
    wait_until("the broadcast through the other member", T, || {
        tx(&sw, "br1", 20) >= 2
    })
    .unwrap_or_else(|e| panic!("{e}:\n{}", sw.appctl_ok(&["bond/show", "bonda"])));
}
