//! flow_mod semantics.

use super::*;
use FlowModCommand::*;

#[test]
fn add_then_lookup_and_counts() {
    let mut t = T::new();
    t.apply(&add(0, "in_port=1", 100, out(&[2])), 0).unwrap();
    t.apply(&add(0, "", 0, drop_()), 0).unwrap();
    let mut f = flow::Flow::new();
    f.set_in_port(1);
    let mut wc = flow::FlowWildcards::catchall();
    assert_eq!(
        t.lookup_counted(0, &f, &mut wc).map(|r| r.priority),
        Some(100)
    );
    f.set_in_port(3);
    assert_eq!(
        t.lookup_counted(0, &f, &mut wc).map(|r| r.priority),
        Some(0)
    );
    assert!(t.lookup_counted(1, &f, &mut wc).is_none());
    let s = t.table_stats(0).unwrap();
    assert_eq!((s.active_count, s.lookup_count, s.matched_count), (2, 2, 2));
    let s1 = t.table_stats(1).unwrap();
    assert_eq!(
        (s1.active_count, s1.lookup_count, s1.matched_count),
        (0, 1, 0)
    );
}

/// Observed: re-adding an identical flow with OpenFlow 1.0 or 1.1 resets n_packets and
/// n_bytes; with OpenFlow 1.2 or 1.3 they survive. Either way the duration restarts and the
/// idle age (last use) survives.
#[test]
fn readd_counters_by_version() {
    for (v, keeps) in [
        (OfVersion::Of10, false),
        (OfVersion::Of11, false),
        (OfVersion::Of12, true),
        (OfVersion::Of13, true),
    ] {
        let mut t = T::new();
        t.apply(&add(0, "ip,in_port=1", 100, out(&[2])), 0).unwrap();
        let id = get(&t, 0, "ip,in_port=1", 100).id;
        assert!(t.credit_stats(id, 2, 236, 10));
        let mut fm = add(0, "ip,in_port=1", 100, out(&[3]));
        fm.apply_version_defaults(v);
        let o = t.apply(&fm, 1500).unwrap();
        assert_eq!(o.removed, vec![id]);
        assert!(o.flow_removed.is_empty(), "replacement is not a removal");
        let r = get(&t, 0, "ip,in_port=1", 100);
        assert_ne!(r.id, id);
        assert_eq!(
            (r.n_packets, r.n_bytes),
            if keeps { (2, 236) } else { (0, 0) },
            "{v:?}"
        );
        assert_eq!(r.created_ms, 1500);
        assert_eq!(r.used_ms, 10);
        assert_eq!(r.actions, out(&[3]));
        assert_eq!(t.n_rules(0), 1);
    }
}

/// Observed: `mod-flows in_port=1,ip,idle_timeout=50,hard_timeout=60,cookie=0x9,
/// actions=output:3` (OpenFlow 1.0) changes actions and cookie, keeps counters, duration
/// and timeouts, and makes hard_age 0.
#[test]
fn modify_keeps_what_ovs_keeps() {
    let mut t = T::new();
    let mut a = add(0, "ip,in_port=1", 100, out(&[2]));
    a.flags.send_flow_rem = true;
    a.importance = 3;
    t.apply(&a, 0).unwrap();
    let id = get(&t, 0, "ip,in_port=1", 100).id;
    t.credit_stats(id, 1, 118, 5);
    let mut fm = cmd(Modify, 0, "ip,in_port=1", DEFAULT_PRIORITY, out(&[3]));
    fm.idle_timeout = 50;
    fm.hard_timeout = 60;
    fm.set_wire_cookie(OfVersion::Of10, 0x9, 0);
    t.apply(&fm, 1621).unwrap();
    let r = get(&t, 0, "ip,in_port=1", 100);
    assert_eq!(r.cookie, 0x9);
    assert_eq!((r.idle_timeout, r.hard_timeout, r.importance), (0, 0, 3));
    assert!(r.flags.send_flow_rem);
    assert_eq!((r.n_packets, r.n_bytes), (1, 118));
    assert_eq!((r.created_ms, r.modified_ms, r.used_ms), (0, 1621, 5));
    assert_eq!(r.actions, out(&[3]));
}

/// Observed: `reset_counts` on a modify resets the counters with OpenFlow 1.3 (OpenFlow 1.0
/// cannot carry the flag).
#[test]
fn modify_reset_counts() {
    let mut t = T::new();
    t.apply(&add(0, "ip,in_port=1", 100, out(&[2])), 0).unwrap();
    let id = get(&t, 0, "ip,in_port=1", 100).id;
    t.credit_stats(id, 1, 118, 5);
    let mut fm = cmd(Modify, 0, "ip,in_port=1", DEFAULT_PRIORITY, out(&[2]));
    fm.flags.reset_counts = true;
    t.apply(&fm, 100).unwrap();
    let r = get(&t, 0, "ip,in_port=1", 100);
    assert_eq!((r.n_packets, r.n_bytes, r.used_ms), (0, 0, 5));
}

/// Observed: a modify matching nothing adds the flow with OpenFlow 1.0 and 1.1 (at the
/// default priority), not with 1.2/1.3, nor with OpenFlow 1.0 when it has a cookie mask.
#[test]
fn modify_adds_if_missing_by_version() {
    for (v, mask, adds) in [
        (OfVersion::Of10, 0, true),
        (OfVersion::Of10, u64::MAX, false),
        (OfVersion::Of11, 0, true),
        (OfVersion::Of12, 0, false),
        (OfVersion::Of13, 0, false),
    ] {
        let mut t = T::new();
        let mut fm = cmd(Modify, 0, "in_port=7", DEFAULT_PRIORITY, out(&[2]));
        fm.set_wire_cookie(v, 0x77, mask);
        t.apply(&fm, 0).unwrap();
        assert_eq!(t.n_rules(0), usize::from(adds), "{v:?} mask {mask:#x}");
        if adds {
            assert_eq!(get(&t, 0, "in_port=7", DEFAULT_PRIORITY).cookie, 0x77);
        }
        let mut fm = cmd(ModifyStrict, TABLE_ALL, "in_port=8", 5, out(&[2]));
        fm.set_wire_cookie(v, 0, mask);
        t.apply(&fm, 0).unwrap();
        assert_eq!(t.find_exact(0, &m("in_port=8"), 5).is_some(), adds);
    }
}

/// Observed: an OpenFlow 1.3 modify with `cookie=0x9/0xff` changes only rules whose cookie
/// matches and leaves cookies alone; `cookie=0x12` without a mask is a zero-mask filter, so
/// it changes every rule's actions but no cookie.
#[test]
fn modify_cookie_filter_of13() {
    let mut t = T::new();
    let mut a = add(0, "in_port=1", 1, drop_());
    a.new_cookie = Some(0x9);
    t.apply(&a, 0).unwrap();
    let mut b = add(0, "in_port=2", 1, drop_());
    b.new_cookie = Some(0x5);
    t.apply(&b, 0).unwrap();
    let mut fm = cmd(Modify, 0, "", DEFAULT_PRIORITY, out(&[4]));
    fm.set_wire_cookie(OfVersion::Of13, 0x9, 0xff);
    t.apply(&fm, 0).unwrap();
    assert_eq!(get(&t, 0, "in_port=1", 1).actions, out(&[4]));
    assert_eq!(get(&t, 0, "in_port=2", 1).actions, drop_());
    let mut fm = cmd(Modify, 0, "", DEFAULT_PRIORITY, out(&[5]));
    fm.set_wire_cookie(OfVersion::Of13, 0x12, 0);
    t.apply(&fm, 0).unwrap();
    for (mt, c) in [("in_port=1", 0x9), ("in_port=2", 0x5)] {
        let r = get(&t, 0, mt, 1);
        assert_eq!((r.cookie, &r.actions), (c, &out(&[5])));
    }
}

/// Observed: `check_overlap` accepts an identical match+priority (a replacement), refuses
/// an overlapping rule of the same priority with OFPFMFC_OVERLAP, accepts another priority.
#[test]
fn check_overlap() {
    let mut t = T::new();
    t.apply(&add(0, "in_port=2", 200, drop_()), 0).unwrap();
    let mut fm = add(0, "in_port=2", 200, drop_());
    fm.flags.check_overlap = true;
    assert!(t.apply(&fm, 0).is_ok());
    let mut fm = add(0, "", 200, drop_());
    fm.flags.check_overlap = true;
    assert_eq!(t.apply(&fm, 0), Err(OfpError::Overlap));
    assert_eq!(OfpError::Overlap.to_string(), "OFPFMFC_OVERLAP");
    let mut fm = add(0, "in_port=3", 200, drop_());
    fm.flags.check_overlap = true;
    assert!(t.apply(&fm, 0).is_ok(), "disjoint");
    let mut fm = add(0, "", 201, drop_());
    fm.flags.check_overlap = true;
    assert!(t.apply(&fm, 0).is_ok());
    assert_eq!(t.n_rules(0), 3);
}

/// Observed: OpenFlow 1.3 add to table 254 is OFPBRC_EPERM; an add to table 255 goes to
/// table 0.
#[test]
fn table_ids() {
    let mut t = T::new();
    assert_eq!(t.apply(&add(254, "", 1, drop_()), 0), Err(OfpError::Eperm));
    assert_eq!(OfpError::Eperm.to_string(), "OFPBRC_EPERM");
    t.apply(&add(TABLE_ALL, "", 1, drop_()), 0).unwrap();
    assert_eq!(t.n_rules(0), 1);
    // Internal flows may be put in table 254; controllers cannot touch them.
    let mut internal = add(254, "in_port=1", 1, drop_());
    internal.no_readonly = true;
    t.apply(&internal, 0).unwrap();
    let del = cmd(Delete, 254, "", 0, drop_());
    assert_eq!(t.apply(&del, 0), Err(OfpError::Eperm));
    // "All tables" skips the hidden table: the delete only removes table 0's rule.
    t.apply(&cmd(Delete, TABLE_ALL, "", 0, drop_()), 0).unwrap();
    assert_eq!((t.n_rules(0), t.n_rules(254)), (0, 1));
    assert_eq!(t.dump_flows(&FlowFilter::all()).unwrap().len(), 0);
    let mut small = T::with_tables(10);
    assert_eq!(
        small.apply(&add(20, "", 1, drop_()), 0),
        Err(OfpError::BadTableId)
    );
    assert_eq!(
        small.apply(&cmd(Delete, 20, "", 1, drop_()), 0),
        Err(OfpError::BadTableId)
    );
    assert!(small
        .apply(&cmd(Delete, TABLE_ALL, "", 1, drop_()), 0)
        .is_ok());
}

/// Observed: `del-flows out_port=3` removes the flows that output to 3 (in any position)
/// and keeps the others; `del-flows --strict in_port=1` matches only priority 32768.
#[test]
fn delete_filters() {
    let mut t = T::new();
    t.apply(&add(0, "in_port=1", 10, out(&[2, 3])), 0).unwrap();
    t.apply(&add(0, "in_port=1", 11, out(&[4])), 0).unwrap();
    t.apply(&add(0, "in_port=2", 12, out(&[3])), 0).unwrap();
    let mut d = cmd(Delete, TABLE_ALL, "", 0, drop_());
    d.out_port = Some(3);
    let o = t.apply(&d, 0).unwrap();
    assert_eq!(o.removed.len(), 2);
    assert_eq!(t.total_rules(), 1);
    t.apply(
        &cmd(DeleteStrict, 0, "in_port=1", DEFAULT_PRIORITY, drop_()),
        0,
    )
    .unwrap();
    assert_eq!(t.total_rules(), 1);
    t.apply(&cmd(DeleteStrict, 0, "in_port=1", 11, drop_()), 0)
        .unwrap();
    assert_eq!(t.total_rules(), 0);
}

#[test]
fn delete_loose_cookie_and_group_filters() {
    let mut t = T::new();
    for (i, c) in [(1u16, 0x10u64), (2, 0x11), (3, 0x20)] {
        let mut a = add(
            0,
            &format!("in_port={i}"),
            5,
            Acts(vec![Act::Group(i.into())]),
        );
        a.new_cookie = Some(c);
        t.apply(&a, 0).unwrap();
    }
    let mut d = cmd(Delete, 0, "", 0, drop_());
    d.cookie = 0x10;
    d.cookie_mask = 0xf0;
    d.out_group = Some(2);
    t.apply(&d, 0).unwrap();
    assert_eq!(t.total_rules(), 2);
    assert!(t.find_exact(0, &m("in_port=2"), 5).is_none());
    // Modify ignores out_port / out_group.
    let mut md = cmd(Modify, 0, "", 0, drop_());
    md.out_group = Some(99);
    md.out_port = Some(99);
    t.apply(&md, 0).unwrap();
    assert!(t.rules_in_table(0).all(|r| r.actions == drop_()));
    // Loose delete selects rules at least as specific as the match.
    t.apply(&add(0, "ip,in_port=1", 5, drop_()), 0).unwrap();
    t.apply(&cmd(Delete, 0, "ip", 0, drop_()), 0).unwrap();
    assert_eq!(t.total_rules(), 2);
}

#[test]
fn delete_sends_flow_removed() {
    let mut t = T::new();
    let mut a = add(0, "in_port=1", 9, drop_());
    a.flags.send_flow_rem = true;
    a.new_cookie = Some(0x42);
    a.idle_timeout = 7;
    t.apply(&a, 1000).unwrap();
    t.apply(&add(0, "in_port=2", 9, drop_()), 1000).unwrap();
    let id = get(&t, 0, "in_port=1", 9).id;
    t.credit_stats(id, 3, 300, 1500);
    let o = t.apply(&cmd(Delete, 0, "", 0, drop_()), 3500).unwrap();
    assert_eq!(o.removed.len(), 2);
    assert_eq!(o.flow_removed.len(), 1);
    let e = &o.flow_removed[0];
    assert_eq!(e.reason, RemovedReason::Delete);
    assert_eq!((e.cookie, e.priority, e.duration_ms), (0x42, 9, 2500));
    assert_eq!((e.packet_count, e.byte_count, e.idle_timeout), (3, 300, 7));
    assert_eq!(e.match_, m("in_port=1"));
}

/// Observed: with `flow_limit=2, overflow_policy=refuse` a third add gets
/// OFPFMFC_TABLE_FULL, but replacing an existing flow in the full table succeeds.
#[test]
fn table_full_refuse() {
    let mut t = T::new();
    let cfg = TableConfig {
        name: Some("small".into()),
        max_flows: 2,
        ..TableConfig::default()
    };
    t.set_table_config(1, cfg).unwrap();
    t.apply(&add(1, "", 1, drop_()), 0).unwrap();
    t.apply(&add(1, "", 2, drop_()), 0).unwrap();
    assert_eq!(
        t.apply(&add(1, "", 3, drop_()), 0),
        Err(OfpError::TableFull)
    );
    assert_eq!(OfpError::TableFull.to_string(), "OFPFMFC_TABLE_FULL");
    t.apply(&add(1, "", 2, out(&[1])), 0).unwrap();
    assert_eq!(t.n_rules(1), 2);
    assert_eq!(t.table_config(1).unwrap().max_entries(), 2);
    assert_eq!(t.table_config(0).unwrap().max_entries(), 1_000_000);
}

#[test]
fn eviction_on_add() {
    let mut t = T::new();
    t.set_table_config(
        0,
        TableConfig {
            max_flows: 3,
            eviction: true,
            ..TableConfig::default()
        },
    )
    .unwrap();
    let mk = |p: u16, idle: u16, hard: u16, imp: u16| {
        let mut a = add(0, &format!("in_port={p}"), 1, drop_());
        a.idle_timeout = idle;
        a.hard_timeout = hard;
        a.importance = imp;
        a.flags.send_flow_rem = true;
        a
    };
    t.apply(&mk(1, 0, 0, 0), 0).unwrap(); // permanent: never evicted
    t.apply(&mk(2, 0, 10, 5), 0).unwrap(); // expires at 10 s, importance 5
    t.apply(&mk(3, 100, 0, 1), 0).unwrap(); // expires at 100 s, importance 1
                                            // Full: the lowest importance goes first even though it expires later.
    let o = t.apply(&mk(4, 0, 50, 1), 0).unwrap();
    assert_eq!(o.flow_removed.len(), 1);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::Eviction);
    assert_eq!(o.flow_removed[0].match_, m("in_port=3"));
    // Same importance: the one expiring soonest.
    let o = t.apply(&mk(5, 0, 60, 1), 0).unwrap();
    assert_eq!(o.flow_removed[0].match_, m("in_port=4"));
    // in_port=1 (permanent), 2 (imp 5), 5 (imp 1) remain.
    let o = t.apply(&mk(6, 0, 0, 9), 0).unwrap();
    assert_eq!(o.flow_removed[0].match_, m("in_port=5"));
    let o = t.apply(&mk(7, 0, 0, 9), 0).unwrap();
    assert_eq!(o.flow_removed[0].match_, m("in_port=2"));
    // Only permanent rules left: nothing evictable.
    assert_eq!(t.apply(&mk(8, 0, 0, 9), 0), Err(OfpError::TableFull));
}

#[test]
fn eviction_groups_prefer_largest_group() {
    let mut t = T::new();
    t.set_table_config(
        0,
        TableConfig {
            max_flows: 3,
            eviction: true,
            eviction_fields: vec![flow::FieldId::InPort],
            ..TableConfig::default()
        },
    )
    .unwrap();
    let mk = |s: &str, hard: u16| {
        let mut a = add(0, s, 1, drop_());
        a.hard_timeout = hard;
        a
    };
    t.apply(&mk("in_port=1", 5), 0).unwrap(); // soonest, but alone in its group
    t.apply(&mk("in_port=2,dl_vlan=1", 50), 0).unwrap();
    t.apply(&mk("in_port=2,dl_vlan=2", 40), 0).unwrap();
    let o = t.apply(&mk("in_port=3", 60), 0).unwrap();
    assert_eq!(o.removed.len(), 1);
    assert!(t.find_exact(0, &m("in_port=2,dl_vlan=2"), 1).is_none());
    assert!(t.find_exact(0, &m("in_port=1"), 1).is_some());
}

#[test]
fn batch_is_all_or_nothing() {
    let mut t = T::new();
    t.apply(&add(0, "in_port=1", 5, out(&[1])), 0).unwrap();
    let id = get(&t, 0, "in_port=1", 5).id;
    t.credit_stats(id, 4, 40, 0);
    let v0 = t.version();
    let mut overlap = add(0, "", 5, drop_());
    overlap.flags.check_overlap = true;
    let batch = vec![
        add(0, "in_port=2", 5, drop_()),
        add(0, "in_port=1", 5, out(&[9])),             // replaces
        cmd(Modify, 0, "in_port=2", 0, out(&[3])),     // modifies the new rule
        cmd(DeleteStrict, 0, "in_port=2", 5, drop_()), // and deletes it
        add(0, "in_port=2", 5, out(&[7])),             // re-adds it
        cmd(Delete, 0, "in_port=1", 0, drop_()),       // deletes the replacement
        overlap,                                       // fails
    ];
    let e = t.apply_batch(&batch, 10).unwrap_err();
    assert_eq!(
        e,
        BatchError {
            index: 6,
            error: OfpError::Overlap
        }
    );
    assert_eq!(t.version(), v0);
    assert_eq!(t.total_rules(), 1);
    let r = get(&t, 0, "in_port=1", 5);
    assert_eq!((r.id, r.n_packets, &r.actions), (id, 4, &out(&[1])));
    let mut f = flow::Flow::new();
    f.set_in_port(1);
    assert_eq!(
        t.lookup(0, &f, &mut flow::FlowWildcards::catchall())
            .map(|r| r.id),
        Some(id)
    );

    // Without the failing message the batch applies as a whole.
    let o = t.apply_batch(&batch[..6], 10).unwrap();
    assert!(t.version() > v0);
    assert_eq!(t.total_rules(), 1);
    assert_eq!(get(&t, 0, "in_port=2", 5).actions, out(&[7]));
    assert!(o.added.len() >= 4);
}

#[test]
fn batch_error_in_first_message_and_empty_batch() {
    let mut t = T::new();
    let v0 = t.version();
    assert!(t.apply_batch(&[], 0).unwrap().is_empty());
    let e = t.apply_batch(&[add(254, "", 1, drop_())], 0).unwrap_err();
    assert_eq!(e.index, 0);
    assert_eq!(e.to_string(), "OFPBRC_EPERM (message 0 of the batch)");
    assert_eq!(t.version(), v0);
}

#[test]
fn wire_cookie_rules() {
    let mut fm = cmd(Modify, 0, "", 0, drop_());
    fm.set_wire_cookie(OfVersion::Of11, 5, 0);
    assert_eq!((fm.new_cookie, fm.cookie_mask), (Some(5), 0));
    assert!(fm.modify_may_add());
    fm.set_wire_cookie(OfVersion::Of11, 5, 7);
    assert_eq!((fm.new_cookie, fm.cookie, fm.cookie_mask), (None, 5, 7));
    assert!(!fm.modify_may_add());
    fm.set_wire_cookie(OfVersion::Of13, 5, 0);
    assert_eq!(fm.new_cookie, None);
    let mut d = cmd(Delete, 0, "", 0, drop_());
    d.set_wire_cookie(OfVersion::Of10, 5, 0xff);
    assert_eq!((d.new_cookie, d.cookie, d.cookie_mask), (None, 5, 0xff));
    let mut a = add(0, "", 0, drop_());
    a.set_wire_cookie(OfVersion::Of15, 0x33, 0);
    assert_eq!(a.add_cookie(), 0x33);
    a.apply_version_defaults(OfVersion::Of13);
    assert!(!a.flags.reset_counts);
    a.apply_version_defaults(OfVersion::Of10);
    assert!(a.flags.reset_counts);
}

/// Observed: in a full table (refuse), an overlapping check_overlap add reports
/// OFPFMFC_OVERLAP, not OFPFMFC_TABLE_FULL.
#[test]
fn overlap_checked_before_table_full() {
    let mut t = T::new();
    t.set_table_config(
        1,
        TableConfig {
            max_flows: 2,
            ..TableConfig::default()
        },
    )
    .unwrap();
    t.apply(&add(1, "", 1, drop_()), 0).unwrap();
    t.apply(&add(1, "", 2, drop_()), 0).unwrap();
    let mut fm = add(1, "in_port=3", 2, drop_());
    fm.flags.check_overlap = true;
    assert_eq!(t.apply(&fm, 0), Err(OfpError::Overlap));
    fm.flags.check_overlap = false;
    assert_eq!(t.apply(&fm, 0), Err(OfpError::TableFull));
}

#[test]
fn table_miss_per_version() {
    assert_eq!(
        TableMiss::Default.resolve(OfVersion::Of10),
        MissAction::Controller
    );
    assert_eq!(
        TableMiss::Default.resolve(OfVersion::Of12),
        MissAction::Controller
    );
    assert_eq!(
        TableMiss::Default.resolve(OfVersion::Of13),
        MissAction::Drop
    );
    assert_eq!(
        TableMiss::Continue.resolve(OfVersion::Of15),
        MissAction::Continue
    );
    assert_eq!(
        TableMiss::Controller.resolve(OfVersion::Of15),
        MissAction::Controller
    );
    let c = TableConfig::default_for(TABLE_INTERNAL);
    assert!(c.read_only && c.hidden);
    assert!(!TableConfig::default_for(0).read_only);
    let mut t = T::new();
    assert_eq!(t.n_tables(), N_TABLES);
    assert_eq!(
        t.set_table_config(255, TableConfig::default()),
        Err(OfpError::BadTableId)
    );
    t.set_table_config(
        5,
        TableConfig {
            name: Some("x".into()),
            ..TableConfig::default()
        },
    )
    .unwrap();
    assert_eq!(t.table_config(5).and_then(|c| c.name.as_deref()), Some("x"));
}

/// OpenFlow 1.1 forbids table 255; 1.2+ allows it only in deletes (OFPFMFC_BAD_TABLE_ID).
#[test]
fn table_all_by_version() {
    let del = cmd(Delete, TABLE_ALL, "", 0, drop_());
    let md = cmd(Modify, TABLE_ALL, "", 0, drop_());
    let ad = add(TABLE_ALL, "", 0, drop_());
    for fm in [&del, &md, &ad] {
        assert_eq!(fm.check_version(OfVersion::Of10), Ok(()));
        assert_eq!(
            fm.check_version(OfVersion::Of11),
            Err(OfpError::FlowModBadTableId)
        );
    }
    assert_eq!(del.check_version(OfVersion::Of13), Ok(()));
    assert_eq!(
        md.check_version(OfVersion::Of13),
        Err(OfpError::FlowModBadTableId)
    );
    assert_eq!(
        ad.check_version(OfVersion::Of15),
        Err(OfpError::FlowModBadTableId)
    );
    assert_eq!(
        add(0, "", 0, drop_()).check_version(OfVersion::Of11),
        Ok(())
    );
    assert_eq!(
        OfpError::FlowModBadTableId.to_string(),
        "OFPFMFC_BAD_TABLE_ID"
    );
}

/// Observed on a rule with cookie 0x9: `-O OpenFlow11 mod-flows cookie=0x5,in_port=1,...`
/// keeps 0x9; `-O OpenFlow10 mod-flows cookie=0x5,...` sets 0x5; `-O OpenFlow10 mod-flows
/// in_port=1,...` (no cookie) sets 0.
#[test]
fn modify_cookie_by_version() {
    let mut t = T::new();
    let mut a = add(0, "in_port=1", DEFAULT_PRIORITY, drop_());
    a.new_cookie = Some(0x9);
    t.apply(&a, 0).unwrap();
    let cookie = |t: &T| get(t, 0, "in_port=1", DEFAULT_PRIORITY).cookie;
    let mut fm = cmd(Modify, 0, "in_port=1", DEFAULT_PRIORITY, out(&[2]));
    fm.set_wire_cookie(OfVersion::Of11, 0x5, 0);
    assert!(fm.modify_may_add() && !fm.modify_cookie);
    t.apply(&fm, 0).unwrap();
    assert_eq!(cookie(&t), 0x9);
    fm.set_wire_cookie(OfVersion::Of10, 0x5, 0);
    t.apply(&fm, 0).unwrap();
    assert_eq!(cookie(&t), 0x5);
    fm.set_wire_cookie(OfVersion::Of10, 0, 0);
    t.apply(&fm, 0).unwrap();
    assert_eq!(cookie(&t), 0);
    assert_eq!(t.n_rules(0), 1);
}

/// Observed: with only internal rules (table 254, cookie 0) matching,
/// `del-flows cookie=0/-1` and `mod-flows cookie=0/-1,...` fail with OFPBRC_EPERM and
/// `dump-flows cookie=0/-1` lists table 254; a partial cookie mask does not reach it.
#[test]
fn full_cookie_mask_reaches_hidden_table() {
    let mut t = T::new();
    let mut internal = add(TABLE_INTERNAL, "reg0=0x1", 0, drop_());
    internal.no_readonly = true;
    t.apply(&internal, 0).unwrap();
    let mut user = add(0, "", 1, drop_());
    user.new_cookie = Some(5);
    t.apply(&user, 0).unwrap();
    let mut f = FlowFilter::all();
    f.cookie_mask = u64::MAX;
    assert_eq!(t.dump_flows(&f).unwrap().len(), 1);
    assert_eq!(t.dump_flows(&f).unwrap()[0].table_id, TABLE_INTERNAL);
    f.cookie_mask = 0xff;
    assert!(t.dump_flows(&f).unwrap().is_empty());
    let mut d = cmd(Delete, TABLE_ALL, "", 0, drop_());
    d.cookie_mask = u64::MAX;
    assert_eq!(t.apply(&d, 0), Err(OfpError::Eperm));
    let mut md = cmd(Modify, TABLE_ALL, "", 0, out(&[1]));
    md.cookie_mask = u64::MAX;
    assert_eq!(t.apply(&md, 0), Err(OfpError::Eperm));
    d.cookie = 5;
    assert_eq!(t.apply(&d, 0).map(|o| o.removed.len()), Ok(1));
    assert_eq!(t.n_rules(TABLE_INTERNAL), 1);
}
