//! `ofproto/trace` through the whole daemon against Open vSwitch 3.1: replays the cases of
//! crates/ofproto/tests/data/cases.in (recorded from Debian's `ovs-vswitchd
//! --enable-dummy=override` by crates/ofproto/scripts/regen.sh into traces.txt) on our
//! ovs-vswitchd the way the recording script did — flows and groups sent with `ovs-ofctl`,
//! port settings with `ovs-vsctl`, packets injected with `netdev-dummy/receive` — and
//! compares the `Datapath actions:` and `Megaflow:` lines (flood outputs as sets, since
//! Open vSwitch floods in hash order). Known differences are pinned in
//! crates/ofproto/tests/data/deviations.txt.

mod common;

use std::collections::BTreeSet;

use common::Switch;
use testkit::ovsdb::Impl;
use testkit::trace::{line, load_cases, load_deviations, vlan_tags};

/// The trace flow's VLAN tags, read from its text (`dl_vlan=`/`vlan_tci=`).
fn tags_of(trace: &str) -> Vec<String> {
    let m = flow::parse_match(&trace.replace("in_port=LOCAL", "in_port=65534"), None)
        .expect("trace flow");
    let f = m.flow();
    vlan_tags(&[f.vlan_tci(), f.vlan_tci1()])
}

/// Packets the datapath has handled (`hit` + `missed` of `dpif/show`).
fn packets_seen(sw: &Switch) -> u64 {
    let out = sw.appctl_ok(&["dpif/show"]);
    let first = out.lines().next().unwrap_or_default();
    ["hit:", "missed:"]
        .iter()
        .filter_map(|k| first.split(k).nth(1))
        .filter_map(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[test]
fn daemon_traces_match_open_vswitch() {
    let of = if testkit::reference::require("trace differential", &["ovs-ofctl"]) {
        Impl::Reference
    } else {
        Impl::Ours
    };
    let deviations = load_deviations(include_str!("../../ofproto/tests/data/deviations.txt"));
    let sw = Switch::start("trace-diff");
    sw.vsctl_ok(&[
        "add-br",
        "br0",
        "--",
        "set",
        "bridge",
        "br0",
        "datapath_type=dummy",
        "fail-mode=secure",
        "--",
        "add-port",
        "br0",
        "p1",
        "--",
        "set",
        "interface",
        "p1",
        "type=dummy",
        "ofport_request=1",
        "--",
        "add-port",
        "br0",
        "p2",
        "--",
        "set",
        "interface",
        "p2",
        "type=dummy",
        "ofport_request=2",
        "--",
        "add-port",
        "br0",
        "p3",
        "--",
        "set",
        "interface",
        "p3",
        "type=dummy",
        "ofport_request=3",
        "--",
        "add-port",
        "br0",
        "p4",
        "--",
        "set",
        "interface",
        "p4",
        "type=dummy",
        "ofport_request=4",
    ]);
    let mgmt = sw.sb.rundir().join("br0.mgmt");
    let mgmt = mgmt.to_str().expect("utf-8 path");
    let dir = sw.sb.root().to_path_buf();
    let cases = load_cases(include_str!("../../ofproto/tests/data/traces.txt"));
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let (mut dp_ok, mut mf_ok) = (0, 0);
    let mut found = BTreeSet::new();
    let mut report = String::new();
    for c in &cases {
        let _ = sw.ofctl_with(of, &["del-flows", mgmt]);
        let _ = sw.ofctl_with(of, &["-O", "OpenFlow13", "del-groups", mgmt]);
        if !c.groups.is_empty() {
            let f = dir.join("groups");
            std::fs::write(&f, c.groups.join("\n") + "\n").unwrap();
            let _ = sw.ofctl_with(
                of,
                &["-O", "OpenFlow13", "add-groups", mgmt, f.to_str().unwrap()],
            );
        }
        if !c.flows.is_empty() {
            let f = dir.join("flows");
            std::fs::write(&f, c.flows.join("\n") + "\n").unwrap();
            let o = sw.ofctl_with(of, &["add-flows", mgmt, f.to_str().unwrap()]);
            if !o.status.success() {
                let _ = sw.ofctl_with(
                    of,
                    &["-O", "OpenFlow13", "add-flows", mgmt, f.to_str().unwrap()],
                );
            }
        }
        if !c.flows13.is_empty() {
            let f = dir.join("flows13");
            std::fs::write(&f, c.flows13.join("\n") + "\n").unwrap();
            let _ = sw.ofctl_with(
                of,
                &["-O", "OpenFlow13", "add-flows", mgmt, f.to_str().unwrap()],
            );
        }
        let seen_before = packets_seen(&sw);
        for (port, pkt) in &c.receive {
            let _ = sw.appctl(&["netdev-dummy/receive", port, pkt]);
        }
        // Let the PMD handle the injected packets (and learn from them) before tracing.
        let want = seen_before + c.receive.len() as u64;
        testkit::wait_until("injected packets to be handled", common::T, || {
            packets_seen(&sw) >= want
        })
        .expect("the datapath handled the injected packets");
        for v in &c.vsctl {
            let args: Vec<&str> = v.split_whitespace().collect();
            sw.vsctl_ok(&args);
        }
        let got = String::from_utf8_lossy(&sw.appctl(&["ofproto/trace", "br0", &c.trace]).stdout)
            .into_owned();
        let tags = tags_of(&c.trace);
        let unordered = c
            .flows
            .iter()
            .any(|f| f.contains("normal") || f.contains("flood") || f.contains("all"))
            .then_some(tags.as_slice());
        for (part, g, e) in [
            (
                "dp",
                line(&got, "Datapath actions:", unordered),
                line(&c.expect, "Datapath actions:", unordered),
            ),
            (
                "megaflow",
                line(&got, "Megaflow:", None),
                line(&c.expect, "Megaflow:", None),
            ),
        ] {
            if g == e {
                if part == "dp" {
                    dp_ok += 1
                } else {
                    mf_ok += 1
                }
            } else {
                found.insert((c.index, part.to_string()));
                if !deviations.contains(&(c.index, part.to_string())) {
                    report.push_str(&format!(
                        "case {} ({}) {part}:\n--- Open vSwitch\n{}\n--- ours\n{}\n",
                        c.index,
                        c.trace,
                        e.unwrap_or_default(),
                        g.unwrap_or_default()
                    ));
                }
            }
        }
        let _ = sw.appctl(&["revalidator/purge"]);
        let _ = sw.appctl(&["fdb/flush", "br0"]);
        if !c.vsctl.is_empty() {
            for p in ["p1", "p2", "p3", "p4"] {
                sw.vsctl_ok(&[
                    "clear",
                    "port",
                    p,
                    "tag",
                    "--",
                    "clear",
                    "port",
                    p,
                    "trunks",
                    "--",
                    "clear",
                    "port",
                    p,
                    "vlan_mode",
                ]);
            }
        }
    }
    eprintln!(
        "{} cases through the daemon: datapath actions {dp_ok}, megaflow {mf_ok} identical",
        cases.len()
    );
    assert!(report.is_empty(), "{report}");
}
