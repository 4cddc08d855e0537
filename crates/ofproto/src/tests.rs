//! Unit tests of the translation API (the recorded Open vSwitch traces are replayed by
//! `tests/trace.rs`).

use flow::{parse_match, FieldId, Flow};
use ofp_actions::parse_actions;
use ofproto_tables::{FlowMod, FlowModCommand};

use crate::{xlate, xlate_with, OfActions, PortInfo, SideEffect, Snapshot, XlateOptions};

fn snap_with(flows: &[(u8, &str, &str)]) -> Snapshot {
    let ports = (1..=3)
        .map(|i| PortInfo {
            ofp_port: i,
            odp_port: u32::from(i) + 10,
            name: format!("p{i}"),
            up: true,
        })
        .collect();
    let mut s = Snapshot::new("br0", ports);
    for (table, m, a) in flows {
        let fm = FlowMod::new(
            FlowModCommand::Add,
            *table,
            parse_match(m, None).unwrap(),
            OfActions(parse_actions(a, None).unwrap()),
        );
        s.tables.apply(&fm, 0).unwrap();
    }
    s
}

fn flow(s: &str) -> Flow {
    *parse_match(s, None).unwrap().flow()
}

#[test]
fn output_maps_openflow_to_datapath_ports_and_credits_the_rule() {
    let s = snap_with(&[(0, "in_port=1", "output:2,output:3")]);
    let out = xlate(&s, &flow("in_port=1"), false);
    assert_eq!(dpif::format_actions(&out.actions), "12,13");
    assert!(out.trace.is_empty());
    assert!(matches!(
        out.side_effects.as_slice(),
        [SideEffect::RuleHit { table_id: 0, .. }]
    ));
    assert_eq!(out.wc.get(FieldId::InPort), 0xffff);
}

#[test]
fn header_changes_are_committed_before_each_output_only() {
    let s = snap_with(&[(
        0,
        "in_port=1",
        "output:2,mod_dl_dst:00:00:00:00:00:07,output:3,output:2",
    )]);
    let out = xlate(&s, &flow("in_port=1,dl_dst=00:00:00:00:00:01"), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        "12,set(eth(dst=00:00:00:00:00:07)),13,12"
    );
    assert_eq!(out.final_flow.get(FieldId::EthDst), 7);
}

#[test]
fn resubmit_loops_stop_at_the_depth_limit() {
    let s = snap_with(&[(0, "", "resubmit(,0)")]);
    let out = xlate(&s, &flow("in_port=1"), true);
    assert_eq!(out.error, Some(crate::XlateError::RecursionTooDeep));
    assert!(out.actions.is_empty());
    let lookups = out
        .side_effects
        .iter()
        .filter(|e| matches!(e, SideEffect::RuleHit { .. }))
        .count();
    assert_eq!(lookups, crate::MAX_RESUBMIT_DEPTH as usize + 1);
}

#[test]
fn packet_ins_take_recirculation_ids_from_the_caller() {
    let s = snap_with(&[(0, "", "controller,controller")]);
    let out = xlate_with(
        &s,
        &flow("in_port=1"),
        XlateOptions {
            next_recirc_id: 7,
            ..XlateOptions::default()
        },
    );
    assert_eq!(out.next_recirc_id, 9);
    let text = dpif::format_actions(&out.actions);
    assert!(
        text.contains("recirc_id=7") && text.contains("recirc_id=8"),
        "{text}"
    );
}

#[test]
fn table_miss_drops() {
    let s = snap_with(&[]);
    let out = xlate(&s, &flow("in_port=1"), true);
    assert!(out.actions.is_empty());
    assert_eq!(out.trace, [" 0. No match.", "    drop"]);
}

#[test]
fn packet_ins_are_marked_dont_send_unless_a_controller_wants_them() {
    let mut s = snap_with(&[(0, "", "controller")]);
    let text = |s: &Snapshot| dpif::format_actions(&xlate(s, &flow("in_port=1"), false).actions);
    assert!(text(&s).contains("dont_send=1"), "{}", text(&s));
    s.wanted_packet_ins = 1 << (ofp_actions::action::PacketInReason::Action as u32);
    assert!(text(&s).contains("dont_send=0"), "{}", text(&s));
}

#[test]
fn normal_reports_learning_and_uses_the_mac_table() {
    use normal::{BundleConfig, PortVlan};
    let mut s = snap_with(&[(0, "", "normal")]);
    s.normal.bridge.bundles = (1..=3)
        .map(|i| BundleConfig::new(i, format!("p{i}"), PortVlan::default()))
        .collect();
    let pkt = flow("in_port=2,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01");
    let out = xlate(&s, &pkt, false);
    // Unknown destination: flood to the other ports.
    assert_eq!(dpif::format_actions(&out.actions), "11,13");
    let learned: Vec<_> = out
        .side_effects
        .iter()
        .filter_map(|e| match e {
            SideEffect::MacLearn { mac, vlan, port } => Some((*mac, *vlan, *port)),
            _ => None,
        })
        .collect();
    assert_eq!(learned, [(2, 0, 2)]);
    s.normal.macs.learn(2, 0, 2, false, false, 0);
    let back = flow("in_port=1,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02");
    let out = xlate(&s, &back, true);
    assert_eq!(dpif::format_actions(&out.actions), "12");
    assert!(out
        .trace
        .iter()
        .any(|l| l.contains("forwarding to learned port")));
}

#[test]
fn group_buckets_see_their_own_changes_only() {
    use ofproto_tables::{Bucket, GroupCommand, GroupMod, GroupType};
    let mut s = snap_with(&[(0, "", "group:1,output:3")]);
    let bucket = |bucket_id: u32, a: &str| Bucket {
        bucket_id,
        weight: 0,
        watch_port: None,
        watch_group: None,
        actions: OfActions(parse_actions(a, None).unwrap()),
    };
    let gm = GroupMod {
        command: GroupCommand::Add,
        group_id: 1,
        group_type: GroupType::All,
        buckets: vec![
            bucket(0, "mod_dl_dst:00:00:00:00:00:09,output:2"),
            bucket(1, "output:1"),
        ],
    };
    s.groups.apply(&gm, 0).unwrap();
    let out = xlate(&s, &flow("in_port=1,dl_dst=00:00:00:00:00:05"), false);
    // Bucket 1's output to the input port is skipped; output:3 sees the original dl_dst.
    assert_eq!(
        dpif::format_actions(&out.actions),
        "set(eth(dst=00:00:00:00:00:09)),12,set(eth(dst=00:00:00:00:00:05)),13"
    );
    assert!(out.side_effects.contains(&SideEffect::GroupHit {
        group_id: 1,
        bucket: 1
    }));
}

#[test]
fn group_loops_end_at_the_depth_limit() {
    use ofproto_tables::{Bucket, GroupCommand, GroupMod, GroupType};
    let mut s = snap_with(&[(0, "", "group:1")]);
    for (id, next) in [(1u32, "group:2"), (2, "group:1")] {
        let gm = GroupMod {
            command: GroupCommand::Add,
            group_id: id,
            group_type: GroupType::Indirect,
            buckets: vec![Bucket {
                bucket_id: 0,
                weight: 0,
                watch_port: None,
                watch_group: None,
                actions: OfActions(parse_actions(next, None).unwrap()),
            }],
        };
        // The tables accept chains that loop; translation must stop them.
        s.groups.apply(&gm, 0).unwrap();
    }
    let out = xlate(&s, &flow("in_port=1"), true);
    assert_eq!(out.error, Some(crate::XlateError::RecursionTooDeep));
    assert!(out.actions.is_empty());
}

fn mpls_flow(label: u32, ttl: u32) -> Flow {
    let mut f = flow("in_port=1,mpls");
    f.set_mpls_lse(0, (label << 12) | 0x100 | ttl);
    f
}

#[test]
fn pop_mpls_then_goto_table_recirculates_and_resumes() {
    let s = snap_with(&[
        (0, "mpls", "pop_mpls:0x0800,goto_table:1"),
        (1, "ip,nw_src=10.0.0.1", "mod_nw_dst:10.0.0.9,output:2"),
    ]);
    let out = xlate_with(
        &s,
        &mpls_flow(100, 64),
        XlateOptions {
            next_recirc_id: 7,
            ..XlateOptions::default()
        },
    );
    assert_eq!(
        dpif::format_actions(&out.actions),
        "pop_mpls(eth_type=0x800),recirc(0x7)"
    );
    assert_eq!(out.next_recirc_id, 8);
    // The same first pass again (revalidation) reuses the id.
    let again = xlate_with(&s, &mpls_flow(100, 64), XlateOptions::default());
    assert_eq!(
        dpif::format_actions(&again.actions),
        "pop_mpls(eth_type=0x800),recirc(0x7)"
    );
    // The packet comes back, now IPv4.
    let mut inner = flow("in_port=1,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=6");
    inner.set(FieldId::RecircId, 7);
    let second = xlate(&s, &inner, false);
    assert_eq!(
        dpif::format_actions(&second.actions),
        "set(ipv4(dst=10.0.0.9)),12"
    );
    assert_eq!(second.wc.get(FieldId::RecircId), u128::from(u32::MAX));
    // An unknown id drops.
    inner.set(FieldId::RecircId, 99);
    assert!(xlate(&s, &inner, false).actions.is_empty());
}

#[test]
fn pop_mpls_then_output_needs_no_recirculation() {
    let s = snap_with(&[(0, "mpls", "pop_mpls:0x86dd,output:2")]);
    let out = xlate(&s, &mpls_flow(5, 9), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        "pop_mpls(eth_type=0x86dd),12"
    );
    assert!(s.recirc.is_empty());
}

#[test]
fn push_mpls_takes_the_ip_ttl_and_commits_l3_first() {
    let s = snap_with(&[(
        0,
        "ip",
        "mod_nw_src:10.1.1.1,push_mpls:0x8847,set_mpls_label:77,output:2",
    )]);
    let out = xlate(
        &s,
        &flow("in_port=1,ip,nw_src=10.0.0.1,nw_ttl=33,nw_proto=6"),
        false,
    );
    assert_eq!(
        dpif::format_actions(&out.actions),
        "set(ipv4(src=10.1.1.1)),push_mpls(label=77,tc=0,ttl=33,bos=1,eth_type=0x8847),12"
    );
    // On an MPLS packet the new entry copies the top one.
    let s = snap_with(&[(0, "mpls", "push_mpls:0x8847,output:2")]);
    let out = xlate(&s, &mpls_flow(100, 64), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        "push_mpls(label=100,tc=0,ttl=64,bos=0,eth_type=0x8847),12"
    );
}

#[test]
fn mpls_ttl_actions_rewrite_the_top_entry() {
    let s = snap_with(&[(0, "mpls", "dec_mpls_ttl,set_mpls_tc:3,output:2")]);
    let out = xlate(&s, &mpls_flow(100, 64), false);
    let lse = (100 << 12) | (3 << 9) | 0x100 | 63;
    assert_eq!(
        dpif::format_actions(&out.actions),
        format!("set(mpls(label=100,tc=3,ttl=63,bos=1)),12")
    );
    assert_eq!(out.final_flow.mpls_lse(0), lse);
    // TTL 1: packet-in with reason invalid_ttl, nothing else.
    let out = xlate(&s, &mpls_flow(100, 1), false);
    assert!(out.side_effects.iter().any(|e| matches!(
        e,
        SideEffect::PacketIn {
            reason: ofp_actions::action::PacketInReason::InvalidTtl,
            ..
        }
    )));
    assert!(!dpif::format_actions(&out.actions).contains(",12"));
    let s = snap_with(&[(0, "mpls", "copy_ttl_in,copy_ttl_out,output:2")]);
    let out = xlate(&s, &mpls_flow(100, 64), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        "copy_ttl_in,copy_ttl_out,12"
    );
}

#[test]
fn pbb_push_pop_and_isid_rewrite() {
    let s = snap_with(&[(0, "ip", "push_pbb:0x88e7,output:2")]);
    let out = xlate(&s, &flow("in_port=1,ip"), false);
    assert_eq!(dpif::format_actions(&out.actions), "push_pbb,12");
    let s = snap_with(&[(
        0,
        "dl_type=0x88e7,pbb_isid=100",
        "set_field:203->pbb_isid,output:2",
    )]);
    let mut f = flow("in_port=1,dl_type=0x88e7");
    f.set(FieldId::PbbIsid, 100);
    let out = xlate(&s, &f, false);
    assert_eq!(dpif::format_actions(&out.actions), "set_pbb_isid(203),12");
    assert_eq!(out.wc.get(FieldId::PbbIsid), 0xff_ffff);
    let s = snap_with(&[
        (0, "dl_type=0x88e7", "pop_pbb,goto_table:1"),
        (1, "ip", "output:3"),
    ]);
    let out = xlate(&s, &f, false);
    assert_eq!(dpif::format_actions(&out.actions), "pop_pbb,recirc(0x1)");
    let mut inner = flow("in_port=1,ip");
    inner.set(FieldId::RecircId, 1);
    assert_eq!(
        dpif::format_actions(&xlate(&s, &inner, false).actions),
        "13"
    );
}

#[test]
fn select_group_resumes_with_a_weighted_bucket_and_the_rest() {
    use ofproto_tables::{Bucket, GroupCommand, GroupMod, GroupType};
    let mut s = snap_with(&[(0, "in_port=2", "group:5,output:1")]);
    let bucket = |w: u16, port: &str| Bucket {
        bucket_id: u32::from(w),
        weight: w,
        watch_port: None,
        watch_group: None,
        actions: OfActions(parse_actions(&format!("output:{port}"), None).unwrap()),
    };
    let gm = GroupMod {
        command: GroupCommand::Add,
        group_type: GroupType::Select,
        group_id: 5,
        buckets: vec![bucket(1, "1"), bucket(3, "3")],
    };
    s.groups.apply(&gm, 0).unwrap();
    let out = xlate(&s, &flow("in_port=2"), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        "hash(sym_l4(0)),recirc(0x1)"
    );
    let mut counts = [0usize; 2];
    for h in 0..64u128 {
        let mut f = flow("in_port=2");
        f.set(FieldId::RecircId, 1);
        f.set(FieldId::DpHash, h);
        let out = xlate(&s, &f, false);
        let text = dpif::format_actions(&out.actions);
        match text.as_str() {
            "11,11" => counts[0] += 1,
            "13,11" => counts[1] += 1,
            other => panic!("unexpected actions {other}"),
        }
        assert_eq!(out.wc.get(FieldId::DpHash), 0x3f);
    }
    assert_eq!(counts, [16, 48]);
}

/// p1 and p2 are one active-backup bond (bundle 1), p3 a plain port; NORMAL switching.
fn bonded_snap(mode: normal::BondMode) -> Snapshot {
    use normal::{BridgeConfig, BundleConfig, PortVlan, PortVlanSettings};
    let mut s = snap_with(&[(0, "", "NORMAL")]);
    let vlan = || PortVlan::new(&PortVlanSettings::default());
    let mut bond_bundle = BundleConfig::new(1u16, "bond0", vlan());
    bond_bundle.bond = true;
    s.normal.bridge = BridgeConfig {
        bundles: vec![bond_bundle, BundleConfig::new(3u16, "p3", vlan())],
        forward_bpdu: false,
    };
    let mut settings = bond::BondSettings::new("bond0");
    settings.mode = mode;
    let mut b = bond::Bond::new(settings, 0);
    for (i, n) in ["p1", "p2"].iter().enumerate() {
        b.add_member(n, [0x02, 0, 0, 0, 0, i as u8 + 1]);
        b.set_may_enable(n, true);
    }
    b.run(0, bond::LacpStatus::Disabled);
    s.bonds.push(std::sync::Arc::new(crate::BondPort {
        name: "bond0".into(),
        bundle: 1,
        members: vec![(1, "p1".into()), (2, "p2".into())],
        bond: std::sync::Mutex::new(b),
        lacp: std::sync::Mutex::new(None),
    }));
    s
}

#[test]
fn a_bond_is_one_bundle_with_one_sending_member() {
    let s = bonded_snap(normal::BondMode::ActiveBackup);
    let bcast = "dl_src=00:00:00:00:00:0a,dl_dst=ff:ff:ff:ff:ff:ff";
    // From the plain port: flooded to the bond once, through its active member.
    let out = xlate(&s, &flow(&format!("in_port=3,{bcast}")), false);
    let acts = dpif::format_actions(&out.actions);
    assert!(acts == "11" || acts == "12", "{acts}");
    let active = if acts == "11" { 1 } else { 2 };
    // From the active member: flooded to p3 only, never back into the bond; learned on
    // the bond's bundle.
    let out = xlate(&s, &flow(&format!("in_port={active},{bcast}")), false);
    assert_eq!(dpif::format_actions(&out.actions), "13");
    assert!(out
        .side_effects
        .iter()
        .any(|e| matches!(e, SideEffect::MacLearn { port: 1, .. })));
    // From the backup member: refused.
    let backup = 3 - active;
    let out = xlate(&s, &flow(&format!("in_port={backup},{bcast}")), false);
    assert_eq!(dpif::format_actions(&out.actions), "drop");
    // The active member fails: the other one takes over.
    {
        let mut b = s.bonds[0].bond.lock().unwrap();
        b.set_may_enable(if active == 1 { "p1" } else { "p2" }, false);
        b.run(1, bond::LacpStatus::Disabled);
    }
    let out = xlate(&s, &flow(&format!("in_port=3,{bcast}")), false);
    assert_eq!(
        dpif::format_actions(&out.actions),
        format!("{}", 10 + backup)
    );
}

#[test]
fn balance_slb_keeps_a_source_on_one_member_and_says_so_in_the_mask() {
    let s = bonded_snap(normal::BondMode::BalanceSlb);
    let mut used = std::collections::BTreeSet::new();
    for i in 0..32u8 {
        let f = flow(&format!(
            "in_port=3,dl_src=00:00:00:00:01:{i:02x},dl_dst=ff:ff:ff:ff:ff:ff"
        ));
        let a = xlate(&s, &f, false);
        let b = xlate(&s, &f, false);
        assert_eq!(a.actions, b.actions, "same source, same member");
        assert_eq!(a.wc.get(FieldId::EthSrc), 0xffff_ffff_ffff);
        used.insert(dpif::format_actions(&a.actions));
    }
    assert_eq!(used.len(), 2, "both members carry traffic: {used:?}");
}
