//! Timeouts (observed with `ovs-appctl time/stop` + `time/warp`).

use super::*;
use FlowModCommand::*;

/// Observed: idle_timeout=3 is gone at 3.5 s while idle_timeout=5 and hard_timeout=4 are
/// still there; a rule expires once the clock is strictly past its deadline.
#[test]
fn idle_and_hard_expiry() {
    let mut t = T::new();
    let mk = |prio: u16, idle: u16, hard: u16| {
        let mut a = add(0, "in_port=1", prio, drop_());
        a.idle_timeout = idle;
        a.hard_timeout = hard;
        a.flags.send_flow_rem = true;
        a
    };
    t.apply(&mk(5, 5, 0), 0).unwrap();
    t.apply(&mk(6, 3, 10), 0).unwrap();
    t.apply(&mk(7, 0, 4), 0).unwrap();
    assert!(t.expire(2500).is_empty());
    assert!(
        t.expire(3000).is_empty(),
        "exactly at the deadline: not yet"
    );
    let o = t.expire(3500);
    assert_eq!(o.flow_removed.len(), 1);
    assert_eq!(o.flow_removed[0].priority, 6);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::IdleTimeout);
    assert_eq!(o.flow_removed[0].duration_ms, 3500);
    let o = t.expire(4001);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::HardTimeout);
    assert_eq!(o.flow_removed[0].priority, 7);
    assert_eq!(t.expire(5001).flow_removed[0].priority, 5);
    assert_eq!(t.total_rules(), 0);
}

#[test]
fn hard_timeout_checked_first() {
    let mut t = T::new();
    let mut a = add(0, "", 1, drop_());
    a.idle_timeout = 2;
    a.hard_timeout = 2;
    a.flags.send_flow_rem = true;
    t.apply(&a, 0).unwrap();
    assert_eq!(
        t.expire(2001).flow_removed[0].reason,
        RemovedReason::HardTimeout
    );
}

/// Observed: a modify at 3 s restarts the hard timeout (hard_timeout=4 still there at 5 s,
/// hard_age=2) but does not count as use (idle_timeout=4 gone at 5 s, idle_age=5).
#[test]
fn modify_restarts_hard_not_idle() {
    let mut t = T::new();
    let mut h = add(0, "in_port=1", 7, drop_());
    h.hard_timeout = 4;
    let mut i = add(0, "in_port=1", 8, drop_());
    i.idle_timeout = 4;
    t.apply(&h, 0).unwrap();
    t.apply(&i, 0).unwrap();
    t.apply(&add(0, "in_port=1", 9, drop_()), 0).unwrap();
    let mut md = cmd(Modify, 0, "in_port=1", 0, out(&[2]));
    md.set_wire_cookie(OfVersion::Of10, 0, 0);
    t.apply(&md, 3000).unwrap();
    let o = t.expire(5000);
    assert_eq!(o.removed.len(), 1);
    assert!(t.find_exact(0, &m("in_port=1"), 8).is_none());
    assert_eq!(
        line(&t, 0, "in_port=1", 7, 5000, FlowStatsStyle::NXM),
        " cookie=0x0, duration=5s, table=0, n_packets=0, n_bytes=0, hard_timeout=4, idle_age=5, hard_age=2, priority=7,in_port=1 actions=output:2"
    );
    assert_eq!(
        line(&t, 0, "in_port=1", 9, 5000, FlowStatsStyle::NXM),
        " cookie=0x0, duration=5s, table=0, n_packets=0, n_bytes=0, idle_age=5, hard_age=2, priority=9,in_port=1 actions=output:2"
    );
    assert_eq!(t.expire(7001).removed.len(), 1);
}

#[test]
fn use_postpones_idle_expiry() {
    let mut t = T::new();
    let mut a = add(0, "", 1, drop_());
    a.idle_timeout = 10;
    t.apply(&a, 0).unwrap();
    let id = get(&t, 0, "", 1).id;
    t.credit_stats(id, 1, 60, 8000);
    assert!(t.expire(10_001).is_empty());
    assert_eq!(t.expire(18_001).removed, vec![id]);
    assert!(!t.credit_stats(id, 1, 1, 1), "gone");
}

#[test]
fn expire_evicts_down_to_a_lowered_limit() {
    let mut t = T::new();
    for p in 1..=4u16 {
        let mut a = add(0, &format!("in_port={p}"), 1, drop_());
        a.hard_timeout = 100 - p;
        t.apply(&a, 0).unwrap();
    }
    t.apply(&add(0, "in_port=9", 1, drop_()), 0).unwrap();
    t.set_table_config(
        0,
        TableConfig {
            max_flows: 2,
            eviction: true,
            ..TableConfig::default()
        },
    )
    .unwrap();
    let o = t.expire(1000);
    assert_eq!(o.removed.len(), 3);
    assert!(
        t.find_exact(0, &m("in_port=1"), 1).is_some(),
        "expires last"
    );
    assert!(t.find_exact(0, &m("in_port=9"), 1).is_some(), "permanent");
}

#[test]
fn group_and_meter_delete_remove_flows() {
    let mut t = T::new();
    let mut a = add(0, "", 3, Acts(vec![Act::Group(10), Act::Output(1)]));
    a.flags.send_flow_rem = true;
    t.apply(&a, 0).unwrap();
    let mut b = add(0, "", 4, Acts(vec![Act::Meter(1), Act::Output(2)]));
    b.flags.send_flow_rem = true;
    t.apply(&b, 0).unwrap();
    t.apply(&add(0, "", 5, out(&[1])), 0).unwrap();
    let o = t.delete_for_group(10, 50);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::GroupDelete);
    let o = t.delete_for_meter(1, 50);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::MeterDelete);
    assert_eq!(t.total_rules(), 1);
    assert!(t.delete_for_group(10, 60).is_empty());
}

/// The count of rules with timeouts (which lets a timeout pass skip tables without any)
/// follows adds, replacements, modifies, deletes, expiry and aborted bundles.
#[test]
fn timed_rule_count_follows_every_change() {
    let mut t = T::new();
    let timed = |mat: &str, hard: u16| {
        let mut a = add(0, mat, 5, drop_());
        a.hard_timeout = hard;
        a
    };
    t.apply(&add(0, "in_port=9", 5, drop_()), 0).unwrap();
    assert_eq!(t.n_timed, 0);
    t.apply(&timed("in_port=1", 10), 0).unwrap();
    t.apply(&timed("in_port=2", 10), 0).unwrap();
    assert_eq!(t.n_timed, 2);
    // Replacing a timed rule by an untimed one, and modifying (timeouts are kept).
    t.apply(&timed("in_port=2", 0), 0).unwrap();
    assert_eq!(t.n_timed, 1);
    t.apply(&cmd(FlowModCommand::Modify, 0, "", 0, out(&[3])), 0)
        .unwrap();
    assert_eq!(t.n_timed, 1);
    // A bundle that adds a timed rule and then fails changes nothing.
    let bad = cmd(FlowModCommand::Add, 254, "in_port=4", 5, drop_());
    assert!(t.apply_batch(&[timed("in_port=3", 10), bad], 0).is_err());
    assert_eq!((t.n_timed, t.total_rules()), (1, 3 + t.n_rules(254)));
    // Expiry still happens, and afterwards nothing is timed.
    assert_eq!(t.expire(10_001).removed.len(), 1);
    assert_eq!(t.n_timed, 0);
    t.apply(&timed("in_port=5", 1), 0).unwrap();
    t.apply(&cmd(FlowModCommand::Delete, 0, "", 0, drop_()), 0)
        .unwrap();
    assert_eq!((t.n_timed, t.total_rules()), (0, 0));
}
