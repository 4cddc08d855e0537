//! Replays `tests/data/traces.txt` (recorded from Debian's Open vSwitch 3.1 by
//! `scripts/regen.sh`): for each case, installs the flows and groups on a snapshot shaped
//! like the recording bridge and compares the `Datapath actions:` line, the `Megaflow:` line
//! and the whole `ofproto/trace` text. Cases known to differ are pinned, with the part that
//! differs, in `tests/data/deviations.txt`; any other difference (and any pinned case that
//! now matches) fails the test.

use std::collections::BTreeSet;

use flow::{parse_match, FieldId, Flow};
use normal::{BundleConfig, PortVlan, PortVlanSettings, VlanMode};
use ofp_actions::{
    check_actions, decode_actions, decode_instructions, encode_actions, encode_instructions,
    parse_actions, Action, CheckContext, Version,
};
use ofproto::{format_trace, xlate_with, OfActions, PortInfo, SideEffect, Snapshot, XlateOptions};
use ofproto_tables::{
    Bucket, FlowMod, FlowModCommand, GroupCommand, GroupMod, GroupType, RuleActions,
};
use testkit::trace::{line, load_cases, load_deviations, normalise_text};

/// What the switch holds after `ovs-ofctl` sends the actions: OpenFlow 1.0 + NXM when
/// they fit, otherwise OpenFlow 1.3 instructions (as the recording script does).
fn wire_round_trip(acts: &[Action], of10: bool) -> Vec<Action> {
    if !of10 {
        let b = encode_instructions(acts, Version::Of13).expect("encode OF1.3");
        return decode_instructions(&b, Version::Of13).expect("decode OF1.3");
    }
    if let Ok(b) = encode_actions(acts, Version::Of10) {
        if let Ok(a) = decode_actions(&b, Version::Of10) {
            return a;
        }
    }
    let b = encode_instructions(acts, Version::Of13).expect("encode OF1.3");
    decode_instructions(&b, Version::Of13).expect("decode OF1.3")
}

/// A group bucket's actions as the switch holds them (groups are sent with OpenFlow 1.3).
fn bucket_round_trip(acts: &[Action]) -> Vec<Action> {
    let b = encode_actions(acts, Version::Of13).expect("encode OF1.3 actions");
    decode_actions(&b, Version::Of13).expect("decode OF1.3 actions")
}

fn add_flow(snap: &mut Snapshot, spec: &str, of13_only: bool) {
    let (m, a) = spec.split_once("actions=").expect("actions=");
    let mut table = 0u8;
    let mut priority = 32768u16;
    let mut cookie = 0u64;
    let mut rest = Vec::new();
    for kv in m.trim_end_matches(',').split(',').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("table", v)) => table = v.parse().expect("table"),
            Some(("priority", v)) => priority = v.parse().expect("priority"),
            Some(("cookie", v)) => {
                cookie = u64::from_str_radix(v.trim_start_matches("0x"), 16).expect("cookie")
            }
            _ => rest.push(kv),
        }
    }
    let m = parse_match(&rest.join(","), None).expect("match");
    // A flow Open vSwitch refused too (the recording shows its absence) is skipped.
    let Ok(acts) = parse_actions(a, None) else {
        return;
    };
    // The script sends with OpenFlow 1.0 first, then 1.3; a flow both refuse is absent.
    let ok = |version| {
        let cx = CheckContext {
            flow_match: &m,
            version,
            table_id: Some(table),
        };
        check_actions(&acts, &cx).is_ok()
    };
    let of10 = !of13_only && ok(Version::Of10);
    if !of10 && !ok(Version::Of13) {
        return;
    }
    let acts = wire_round_trip(&acts, of10);
    let mut fm =
        FlowMod::new(FlowModCommand::Add, table, m, OfActions(acts)).with_priority(priority);
    fm.new_cookie = Some(cookie);
    fm.cookie = cookie;
    if let Some(g) = fm
        .actions
        .referenced_groups()
        .into_iter()
        .find(|g| snap.groups.get(*g).is_none())
    {
        // OFPBAC_BAD_OUT_GROUP, as the switch answers.
        let _ = g;
        return;
    }
    snap.tables.apply(&fm, 0).expect("flow_mod");
}

fn add_group(snap: &mut Snapshot, spec: &str) {
    let mut parts = spec.split(",bucket=");
    let head = parts.next().expect("head");
    let mut group_id = 0;
    let mut group_type = GroupType::All;
    for kv in head.split(',') {
        match kv.split_once('=') {
            Some(("group_id", v)) => group_id = v.parse().expect("group_id"),
            Some(("type", "all")) => group_type = GroupType::All,
            Some(("type", "select")) => group_type = GroupType::Select,
            Some(("type", "indirect")) => group_type = GroupType::Indirect,
            Some(("type", "ff")) => group_type = GroupType::FastFailover,
            _ => panic!("group spec {kv}"),
        }
    }
    let mut buckets = Vec::new();
    for (i, b) in parts.enumerate() {
        let mut watch_port = None;
        let mut b = b;
        if let Some(r) = b.strip_prefix("watch_port:") {
            let (p, r) = r.split_once(',').expect("watch_port,");
            watch_port = Some(p.parse().expect("port"));
            b = r;
        }
        let acts = bucket_round_trip(&parse_actions(b, None).expect("bucket actions"));
        buckets.push(Bucket {
            bucket_id: i as u32,
            weight: if group_type == GroupType::Select {
                1
            } else {
                0
            },
            watch_port,
            watch_group: None,
            actions: OfActions(acts),
        });
    }
    let gm = GroupMod {
        command: GroupCommand::Add,
        group_id,
        group_type,
        buckets,
    };
    snap.groups.apply(&gm, 0).expect("group_mod");
}

/// The recording bridge: br0 (datapath port 100) and p1..p4 (datapath ports 1..4), in the
/// order Open vSwitch happened to flood them.
fn snapshot() -> Snapshot {
    let mut snap = bare_snapshot();
    // NORMAL floods in the order Open vSwitch's bundle map happened to have.
    snap.normal.bridge.bundles = [2, 0xfffe, 3, 4, 1]
        .iter()
        .filter_map(|n| snap.port(*n))
        .map(|p| BundleConfig::new(p.ofp_port, p.name.clone(), PortVlan::default()))
        .collect();
    snap
}

/// Applies `set port <name> key=value...` (tag, trunks, vlan_mode) to NORMAL's bundles.
fn apply_vsctl(snap: &mut Snapshot, cmd: &str) {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    let ["set", "port", name, settings @ ..] = words.as_slice() else {
        panic!("unsupported vsctl line {cmd}");
    };
    let mut s = PortVlanSettings::default();
    for kv in settings {
        match kv.split_once('=') {
            Some(("tag", v)) => s.tag = Some(v.parse().expect("tag")),
            Some(("trunks", v)) => {
                s.trunks = v.split(',').map(|t| t.parse().expect("trunk")).collect()
            }
            Some(("vlan_mode", v)) => s.vlan_mode = Some(VlanMode::parse(v).expect("vlan_mode")),
            _ => panic!("unsupported setting {kv}"),
        }
    }
    let b = snap
        .normal
        .bridge
        .bundles
        .iter_mut()
        .find(|b| b.name == *name)
        .expect("port");
    b.vlan = PortVlan::new(&s);
}

fn bare_snapshot() -> Snapshot {
    let port = |ofp_port, odp_port, name: &str| PortInfo {
        ofp_port,
        odp_port,
        name: name.to_string(),
        up: true,
    };
    Snapshot::new(
        "br0",
        vec![
            port(0xfffe, 100, "br0"),
            port(4, 4, "p4"),
            port(2, 2, "p2"),
            port(3, 3, "p3"),
            port(1, 1, "p1"),
        ],
    )
}

/// A packet arriving on `port`: translated with side effects, MAC learning applied.
fn receive(snap: &mut Snapshot, port: &str, pkt: &str, next_recirc_id: &mut u32) {
    let ofp_port = snap
        .ports
        .iter()
        .find(|p| p.name == port)
        .expect("port")
        .ofp_port;
    let (mut flow, _, _) = dpif::parse_key(pkt).expect("packet key");
    flow.set(FieldId::InPort, u128::from(ofp_port));
    let out = xlate_with(
        snap,
        &flow,
        XlateOptions {
            tracing: false,
            next_recirc_id: *next_recirc_id,
            now_ms: 0,
        },
    );
    *next_recirc_id = out.next_recirc_id;
    for e in &out.side_effects {
        if let SideEffect::MacLearn { mac, vlan, port } = e {
            snap.normal.macs.learn(*mac, *vlan, *port, false, false, 0);
        }
    }
}

fn trace_flow(s: &str) -> Flow {
    let s = s.replace("in_port=LOCAL", "in_port=65534");
    *parse_match(&s, None).expect("trace flow").flow()
}

/// The packet's VLAN tags as `push_vlan` prints them, outermost first.
fn vlan_tags(flow: &Flow) -> Vec<String> {
    testkit::trace::vlan_tags(&[flow.vlan_tci(), flow.vlan_tci1()])
}

#[test]
fn traces_match_open_vswitch() {
    let deviations = load_deviations(include_str!("data/deviations.txt"));
    let cases = load_cases(include_str!("data/traces.txt"));
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut found = BTreeSet::new();
    let (mut dp_ok, mut mf_ok, mut text_ok) = (0, 0, 0);
    let mut report = String::new();
    // Open vSwitch allocates recirculation ids from one counter for the daemon's life.
    let mut next_recirc_id = 1;
    for c in &cases {
        let mut snap = snapshot();
        for v in &c.vsctl {
            apply_vsctl(&mut snap, v);
        }
        for g in &c.groups {
            add_group(&mut snap, g);
        }
        for f in &c.flows {
            add_flow(&mut snap, f, false);
        }
        for f in &c.flows13 {
            add_flow(&mut snap, f, true);
        }
        for (port, pkt) in &c.receive {
            receive(&mut snap, port, pkt, &mut next_recirc_id);
        }
        let flow = trace_flow(&c.trace);
        let out = xlate_with(
            &snap,
            &flow,
            XlateOptions {
                tracing: true,
                next_recirc_id,
                now_ms: 0,
            },
        );
        next_recirc_id = out.next_recirc_id;
        let got = format_trace(&snap, &flow, &out);
        // Only floods have an order that is Open vSwitch's hash-map accident.
        let tags = vlan_tags(&flow);
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
            (
                "text",
                Some(normalise_text(&got, unordered)),
                Some(normalise_text(&c.expect, unordered)),
            ),
        ] {
            if g == e {
                match part {
                    "dp" => dp_ok += 1,
                    "megaflow" => mf_ok += 1,
                    _ => text_ok += 1,
                }
            } else {
                found.insert((c.index, part.to_string()));
                if !deviations.contains(&(c.index, part.to_string())) {
                    report.push_str(&format!(
                        "case {} ({}) {part}:\n--- expected\n{}\n--- got\n{}\n",
                        c.index,
                        c.trace,
                        e.unwrap_or_default(),
                        g.unwrap_or_default()
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} cases: datapath actions {dp_ok}, megaflow {mf_ok}, whole text {text_ok} match",
        cases.len()
    );
    let fixed: Vec<_> = deviations.difference(&found).collect();
    assert!(report.is_empty(), "{report}");
    assert!(
        fixed.is_empty(),
        "pinned deviations that now match: {fixed:?}"
    );
}
