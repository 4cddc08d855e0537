//! Differential test of asynchronous messages: `ovs-ofctl monitor` (with a nonzero
//! miss_send_len, so a service connection gets them) watches this crate's switch and a
//! reference `ovs-vswitchd` while the same commands cause FLOW_REMOVED, PORT_STATUS and
//! PACKET_IN messages; the printed messages must agree.
//!
//! The monitor's start is detected by a marker (a flow added and deleted with
//! `send_flow_rem` until its FLOW_REMOVED shows up); then single markers delimit the
//! scenario.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{bridge, ofctl, Reference, Served};
use testkit::{reference, wait_until};

struct Monitor {
    child: Child,
    out: std::path::PathBuf,
}

impl Monitor {
    fn start(
        target: &str,
        version: &str,
        extra: &[&str],
        trailing: &[&str],
        dir: &Path,
        name: &str,
    ) -> Monitor {
        let out = dir.join(format!(
            "{name}-{version}-{}{}.out",
            extra.join(""),
            trailing.join("")
        ));
        let f = std::fs::File::create(&out).expect("monitor output");
        let child = Command::new(reference::path("ovs-ofctl"))
            .args(["-O", version])
            .args(extra)
            .args(["monitor", target, "65535"])
            .args(trailing)
            .current_dir(dir)
            .env("OVS_RUNDIR", dir)
            .env("OVS_LOGDIR", dir)
            .stderr(Stdio::from(f.try_clone().expect("dup")))
            .stdout(Stdio::from(f))
            .spawn()
            .expect("spawn monitor");
        Monitor { child, out }
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn marker(target: &str, version: &str, dir: &Path, cookie: &str, mon: &Monitor) {
    let add = format!("cookie={cookie},priority=1,in_port=9,send_flow_rem,actions=drop");
    let del = format!("cookie={cookie}/-1");
    wait_until("monitor to see the marker", Duration::from_secs(60), || {
        let _ = ofctl(target, &["-O", version, "add-flow", "{}", &add], dir);
        let _ = ofctl(target, &["-O", version, "del-flows", "{}", &del], dir);
        mon.text().contains(&format!("cookie:{cookie}"))
    })
    .expect("marker");
}

/// Replaces what follows each `key` (digits, dots, colons, hex) with `?`.
fn blank(s: &str, key: &str) -> String {
    let mut t = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(key) {
        t.push_str(&rest[..i + key.len()]);
        t.push('?');
        rest = &rest[i + key.len()..];
        let n = rest
            .find(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':' || c == '='))
            .unwrap_or(rest.len());
        rest = &rest[n..];
    }
    t.push_str(rest);
    t
}

/// Once the monitor is known to be connected: one marker flow, then wait until the
/// monitor has printed its removal (so everything sent before it has been seen too).
fn sync(target: &str, version: &str, dir: &Path, cookie: &str, mon: &Monitor) {
    let add = format!("cookie={cookie},priority=1,in_port=9,send_flow_rem,actions=drop");
    let del = format!("cookie={cookie}/-1");
    let _ = ofctl(target, &["-O", version, "add-flow", "{}", &add], dir);
    let _ = ofctl(target, &["-O", version, "del-flows", "{}", &del], dir);
    wait_until(
        "monitor to see the sync marker",
        Duration::from_secs(60),
        || mon.text().contains(&format!("cookie:{cookie}")),
    )
    .expect("sync marker");
}

/// The messages between the two markers, normalised.
fn between(text: &str) -> String {
    let start = text.find("cookie:0x97").unwrap_or(0);
    let end = text.find("cookie:0x98").unwrap_or(text.len());
    let part = text.get(start..end).unwrap_or("");
    // Drop the (partial) first and last message lines.
    let lines: Vec<&str> = part.lines().collect();
    let mut inner: Vec<&str> = lines
        .get(1..lines.len().saturating_sub(1))
        .unwrap_or(&[])
        .to_vec();
    // What came before the scenario: a flow monitor's initial reply (and the markers,
    // dropped below).
    let head = text.get(..start).unwrap_or("");
    let head_lines: Vec<&str> = head.lines().collect();
    inner.extend(
        head_lines
            .get(..head_lines.len().saturating_sub(1))
            .unwrap_or(&[]),
    );
    // One block per message (OVS may send a flow_removed after a later port status,
    // so the order is not compared).
    let mut blocks: Vec<String> = Vec::new();
    // Monitor updates about the marker flows may fall either side of a marker (and into
    // the initial reply): those lines go, and then monitor replies left empty.
    let marker_update = |l: &str| {
        ["cookie=0x97", "cookie=0x98", "cookie=0x99"]
            .iter()
            .any(|m| l.contains(m))
    };
    for l in inner.iter().filter(|l| !marker_update(l)) {
        // Durations and addresses differ.
        let l = blank(&blank(l, "duration"), "addr:");
        let starts = ["OFPT_", "NXT_", "ONFT_", "OFPST_", "NXST_", "ONFST_"]
            .iter()
            .any(|p| l.starts_with(p));
        match blocks.last_mut() {
            Some(b) if !starts => {
                b.push('\n');
                b.push_str(&l);
            }
            _ => blocks.push(l),
        }
    }
    blocks.retain(|b| {
        let marker = ["cookie:0x97", "cookie:0x98", "cookie:0x99"]
            .iter()
            .any(|m| b.contains(m));
        let empty_update = b.contains("FLOW_MONITOR reply") && !b.contains('\n');
        !marker && !empty_update
    });
    blocks.sort();
    blocks.join("\n")
}

fn scenario(target: &str, version: &str, dir: &Path, mon: &Monitor) {
    let run = |args: &[&str]| {
        let mut a = vec!["-O", version];
        a.extend_from_slice(args);
        let _ = ofctl(target, &a, dir);
    };
    run(&[
        "add-flow",
        "{}",
        "cookie=0x7,priority=5,ip,nw_dst=10.0.0.1,send_flow_rem,idle_timeout=100,actions=output:1",
    ]);
    run(&[
        "add-flow",
        "{}",
        "cookie=0x8,priority=6,tcp,send_flow_rem,actions=output:2",
    ]);
    run(&[
        "--strict",
        "del-flows",
        "{}",
        "priority=5,ip,nw_dst=10.0.0.1",
    ]);
    run(&["del-flows", "{}", "tcp"]);
    run(&["mod-port", "{}", "p1", "no-packet-in"]);
    run(&["mod-port", "{}", "p1", "packet-in"]);
    // An idle timeout: wait for its flow_removed (expiry runs about once a second).
    run(&[
        "add-flow",
        "{}",
        "cookie=0x6,idle_timeout=1,send_flow_rem,priority=3,udp,actions=drop",
    ]);
    wait_until("the idle flow to expire", Duration::from_secs(60), || {
        mon.text().contains("cookie:0x6")
    })
    .expect("idle expiry");
    run(&[
        "packet-out",
        "{}",
        "in_port=1 packet=ffffffffffff0000000000010806000108000604000100000000000ac0a80001000000000000c0a80002 actions=controller",
    ]);
}

#[test]
fn async_messages_match_reference() {
    if !reference::require(
        "async_messages_match_reference",
        &[
            "ovs-vswitchd",
            "ovsdb-server",
            "ovsdb-tool",
            "ovs-vsctl",
            "ovs-ofctl",
        ],
    ) {
        return;
    }
    let refsw = Reference::start();
    let ours = Served::start(bridge());
    let dir = refsw.sb.rundir();
    let mut diffs = Vec::new();
    type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        ("OpenFlow10", &[], &[]),
        ("OpenFlow10", &["-P", "standard"], &[]),
        ("OpenFlow10", &["-P", "nxt_packet_in", "-F", "nxm"], &[]),
        ("OpenFlow13", &[], &[]),
        ("OpenFlow13", &["-P", "standard"], &[]),
        ("OpenFlow14", &[], &[]),
        ("OpenFlow15", &[], &[]),
        ("OpenFlow15", &["-P", "standard"], &[]),
        // Flow monitors.
        ("OpenFlow10", &[], &["watch:"]),
        ("OpenFlow10", &[], &["watch:!initial,!delete,table=0"]),
        ("OpenFlow13", &[], &["watch:"]),
        ("OpenFlow14", &[], &["watch:!add,udp"]),
        ("OpenFlow15", &[], &["watch:"]),
    ];
    for &(version, extra, trailing) in cases {
        let mut texts = Vec::new();
        for (name, target) in [("ref", refsw.target()), ("ours", ours.target())] {
            let mon = Monitor::start(&target, version, extra, trailing, &dir, name);
            marker(&target, version, &dir, "0x99", &mon);
            sync(&target, version, &dir, "0x97", &mon);
            scenario(&target, version, &dir, &mon);
            sync(&target, version, &dir, "0x98", &mon);
            if std::env::var("DEBUG_MON").is_ok() {
                eprintln!("RAW {name}:\n{}", mon.text());
            }
            texts.push(between(&mon.text()));
        }
        if trailing == ["watch:"] {
            // The initial flows (the NORMAL flow) are part of the comparison.
            assert!(texts[0].contains("actions=NORMAL"), "{}", texts[0]);
        }
        if texts[0] != texts[1] {
            diffs.push(format!(
                "=== {version} {extra:?} {trailing:?}\n--- reference\n{}\n--- ofswitch\n{}\n",
                texts[0], texts[1]
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
