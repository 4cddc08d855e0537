//! dump-flows text, filters, aggregate and sorting. Expected lines are copied from
//! `ovs-ofctl dump-flows` output of the same rule states.

use super::*;
use FlowModCommand::*;

#[test]
fn duration_format() {
    let f = |ms| {
        let mut s = String::new();
        format_duration(&mut s, ms);
        s
    };
    assert_eq!(f(5000), "5s");
    assert_eq!(f(10), "0.010s");
    assert_eq!(f(1512), "1.512s");
    assert_eq!(f(2500), "2.500s");
    assert_eq!(f(0), "0s");
}

#[test]
fn nxm_lines() {
    let mut t = T::new();
    let mut a = add(0, "in_port=2", 200, drop_());
    a.new_cookie = Some(5);
    a.idle_timeout = 120;
    a.hard_timeout = 300;
    a.importance = 7;
    a.flags.send_flow_rem = true;
    t.apply(&a, 0).unwrap();
    assert_eq!(
        line(&t, 0, "in_port=2", 200, 1512, FlowStatsStyle::NXM),
        " cookie=0x5, duration=1.512s, table=0, n_packets=0, n_bytes=0, idle_timeout=120, hard_timeout=300, idle_age=1, priority=200,in_port=2 actions=drop"
    );
    t.apply(&add(0, "ip,in_port=1", 100, out(&[2])), 0).unwrap();
    let id = get(&t, 0, "ip,in_port=1", 100).id;
    t.credit_stats(id, 2, 236, 20);
    assert_eq!(
        line(&t, 0, "ip,in_port=1", 100, 1523, FlowStatsStyle::NXM),
        " cookie=0x0, duration=1.523s, table=0, n_packets=2, n_bytes=236, idle_age=1, priority=100,ip,in_port=1 actions=output:2"
    );
    t.apply(&add(0, "in_port=7", DEFAULT_PRIORITY, out(&[2])), 1000)
        .unwrap();
    assert_eq!(
        line(&t, 0, "in_port=7", DEFAULT_PRIORITY, 1004, FlowStatsStyle::NXM),
        " cookie=0x0, duration=0.004s, table=0, n_packets=0, n_bytes=0, idle_age=0, in_port=7 actions=output:2"
    );
    t.apply(&add(0, "", 0, drop_()), 0).unwrap();
    assert_eq!(
        line(&t, 0, "", 0, 9810, FlowStatsStyle::NXM),
        " cookie=0x0, duration=9.810s, table=0, n_packets=0, n_bytes=0, idle_age=9, priority=0 actions=drop"
    );
    t.apply(&add(0, "", DEFAULT_PRIORITY, drop_()), 0).unwrap();
    assert_eq!(
        line(&t, 0, "", DEFAULT_PRIORITY, 1000, FlowStatsStyle::NXM),
        " cookie=0x0, duration=1s, table=0, n_packets=0, n_bytes=0, idle_age=1, actions=drop"
    );
    // After a modify (observed: duration kept, hard_age=0, cookie changed).
    let mut md = cmd(Modify, 0, "ip,in_port=1", 0, out(&[3]));
    md.set_wire_cookie(OfVersion::Of10, 0x9, 0);
    t.apply(&md, 1600).unwrap();
    t.credit_stats(get(&t, 0, "ip,in_port=1", 100).id, 0, 0, 600);
    assert_eq!(
        line(&t, 0, "ip,in_port=1", 100, 1621, FlowStatsStyle::NXM),
        " cookie=0x9, duration=1.621s, table=0, n_packets=2, n_bytes=236, idle_age=1, hard_age=0, priority=100,ip,in_port=1 actions=output:3"
    );
}

/// Observed with `-O OpenFlow10/13/14/15` and `--no-stats` on the same rules.
#[test]
fn versioned_and_no_stats_lines() {
    let mut t = T::new();
    let mut a = add(3, "in_port=1", 7, drop_());
    a.new_cookie = Some(0x1f);
    a.idle_timeout = 9;
    a.hard_timeout = 40;
    a.importance = 5;
    a.flags = FlowModFlags {
        send_flow_rem: true,
        check_overlap: true,
        reset_counts: true,
        no_pkt_counts: true,
        no_byt_counts: true,
    };
    t.apply(&a, 0).unwrap();
    t.apply(&add(2, "ip", 10, drop_()), 0).unwrap();
    t.apply(&add(0, "", DEFAULT_PRIORITY, drop_()), 0).unwrap();
    let l = |style| line(&t, 3, "in_port=1", 7, 1000, style);
    assert_eq!(
        l(FlowStatsStyle::NXM),
        " cookie=0x1f, duration=1s, table=3, n_packets=0, n_bytes=0, idle_timeout=9, hard_timeout=40, idle_age=1, priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        l(FlowStatsStyle::OF13),
        " cookie=0x1f, duration=1s, table=3, n_packets=0, n_bytes=0, idle_timeout=9, hard_timeout=40, send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        l(FlowStatsStyle::OF14),
        " cookie=0x1f, duration=1s, table=3, n_packets=0, n_bytes=0, idle_timeout=9, hard_timeout=40, send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts importance=5, priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        l(FlowStatsStyle::OF15),
        " cookie=0x1f, duration=1s, table=3, n_packets=0, n_bytes=0, idle_timeout=9, hard_timeout=40, send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts importance=5, idle_age=1, priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        l(FlowStatsStyle::NXM.no_stats()),
        " cookie=0x1f, table=3, idle_timeout=9, hard_timeout=40, priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        l(FlowStatsStyle::OF14.no_stats()),
        " cookie=0x1f, table=3, idle_timeout=9, hard_timeout=40, send_flow_rem check_overlap reset_counts no_packet_counts no_byte_counts importance=5, priority=7,in_port=1 actions=drop"
    );
    assert_eq!(
        line(&t, 2, "ip", 10, 1000, FlowStatsStyle::NXM.no_stats()),
        " table=2, priority=10,ip actions=drop"
    );
    assert_eq!(
        line(
            &t,
            0,
            "",
            DEFAULT_PRIORITY,
            1000,
            FlowStatsStyle::NXM.no_stats()
        ),
        " actions=drop"
    );
    let mut g = add(0, "", 3, Acts(vec![Act::Group(10), Act::Output(1)]));
    g.flags.send_flow_rem = true;
    t.apply(&g, 1000).unwrap();
    assert_eq!(
        line(&t, 0, "", 3, 1000, FlowStatsStyle::OF15),
        " cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, send_flow_rem idle_age=0, priority=3 actions=group:10,output:1"
    );
}

/// Observed: `dump-flows` orders by table; `dump-aggregate` counts (4 flows overall, 2 in
/// table 2).
#[test]
fn dump_filters_and_aggregate() {
    let mut t = T::new();
    t.apply(&add(3, "in_port=1", 7, drop_()), 0).unwrap();
    t.apply(&add(2, "ip", 10, out(&[1])), 0).unwrap();
    t.apply(&add(2, "", 0, drop_()), 0).unwrap();
    t.apply(&add(0, "", DEFAULT_PRIORITY, drop_()), 0).unwrap();
    let all = t.dump_flows(&FlowFilter::all()).unwrap();
    let order: Vec<(u8, u16)> = all.iter().map(|r| (r.table_id, r.priority)).collect();
    assert_eq!(order, vec![(0, 32768), (2, 10), (2, 0), (3, 7)]);
    let id = get(&t, 2, "ip", 10).id;
    t.credit_stats(id, 3, 180, 0);
    let agg = t.aggregate(&FlowFilter::all()).unwrap();
    assert_eq!(
        (agg.packet_count, agg.byte_count, agg.flow_count),
        (3, 180, 4)
    );
    let mut f2 = FlowFilter::all();
    f2.table_id = 2;
    assert_eq!(t.aggregate(&f2).unwrap().flow_count, 2);
    let mut fip = FlowFilter::all();
    fip.match_ = m("ip");
    assert_eq!(t.aggregate(&fip).unwrap().flow_count, 1);
    let mut fport = FlowFilter::all();
    fport.out_port = Some(1);
    assert_eq!(t.dump_flows(&fport).unwrap().len(), 1);
    let mut fstrict = FlowFilter::all();
    fstrict.strict = Some(0);
    assert_eq!(t.dump_flows(&fstrict).unwrap().len(), 1);
    // Filters from a flow_mod.
    let fm = cmd(Delete, 2, "", 0, drop_());
    assert_eq!(
        t.dump_flows(&FlowFilter::from_flow_mod(&fm)).unwrap().len(),
        2
    );
}

#[test]
fn sort_and_rsort() {
    let mut t = T::new();
    t.apply(&add(0, "tcp,tp_src=80", 5, drop_()), 0).unwrap();
    t.apply(&add(0, "tcp,tp_src=22", 7, drop_()), 0).unwrap();
    t.apply(&add(0, "ip", 9, drop_()), 0).unwrap();
    t.apply(&add(0, "tcp,tp_src=443", 1, drop_()), 0).unwrap();
    let mut rules = t.dump_flows(&FlowFilter::all()).unwrap();
    let prios = |r: &[&Rule<Acts>]| r.iter().map(|r| r.priority).collect::<Vec<_>>();
    sort_rules(&mut rules, &[(SortField::Priority, SortOrder::Ascending)]);
    assert_eq!(prios(&rules), vec![1, 5, 7, 9]);
    let tp = SortField::Field(flow::FieldId::TpSrc);
    sort_rules(&mut rules, &[(tp, SortOrder::Ascending)]);
    assert_eq!(prios(&rules), vec![7, 5, 1, 9], "rules without tp_src last");
    sort_rules(&mut rules, &[(tp, SortOrder::Descending)]);
    assert_eq!(
        prios(&rules),
        vec![1, 5, 7, 9],
        "still last when descending"
    );
    sort_rules(&mut rules, &[(SortField::Priority, SortOrder::Descending)]);
    assert_eq!(prios(&rules), vec![9, 7, 5, 1]);
}
