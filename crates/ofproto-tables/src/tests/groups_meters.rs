//! Group and meter semantics (observed with `ovs-ofctl -O OpenFlow15 add-group` ... and
//! `-O OpenFlow13 add-meter` ...).

use super::*;

fn bucket(id: u32, acts: Acts) -> Bucket<Acts> {
    Bucket {
        bucket_id: id,
        weight: 0,
        watch_port: None,
        watch_group: None,
        actions: acts,
    }
}

fn gm(command: GroupCommand, id: u32, ty: GroupType, buckets: Vec<Bucket<Acts>>) -> GroupMod<Acts> {
    GroupMod {
        command,
        group_id: id,
        group_type: ty,
        buckets,
    }
}

fn ids(g: &GroupTable<Acts>, id: u32) -> Vec<u32> {
    g.get(id)
        .map(|g| g.buckets.iter().map(|b| b.bucket_id).collect())
        .unwrap_or_default()
}

#[test]
fn group_add_modify_delete_errors() {
    use GroupCommand::*;
    let mut g = GroupTable::<Acts>::new();
    // Indirect groups need exactly one bucket.
    let two = vec![bucket(0, out(&[1])), bucket(1, out(&[2]))];
    assert_eq!(
        g.apply(&gm(Add, 1, GroupType::Indirect, two.clone()), 0),
        Err(OfpError::InvalidGroup)
    );
    assert_eq!(
        g.apply(&gm(Add, 1, GroupType::Indirect, vec![]), 0),
        Err(OfpError::InvalidGroup)
    );
    let b57 = vec![bucket(5, out(&[1])), bucket(7, out(&[2]))];
    g.apply(&gm(Add, 1, GroupType::All, b57), 0).unwrap();
    assert_eq!(
        g.apply(&gm(Add, 1, GroupType::All, vec![bucket(0, out(&[1]))]), 0),
        Err(OfpError::GroupExists)
    );
    assert_eq!(
        g.apply(
            &gm(Modify, 9, GroupType::All, vec![bucket(0, out(&[1]))]),
            0
        ),
        Err(OfpError::UnknownGroup)
    );
    assert_eq!(
        g.apply(
            &gm(
                Add,
                2,
                GroupType::All,
                vec![bucket(0, drop_()), bucket(0, drop_())]
            ),
            0
        ),
        Err(OfpError::BucketExists)
    );
    assert_eq!(
        g.apply(&gm(Add, GROUP_MAX + 1, GroupType::All, vec![]), 0),
        Err(OfpError::InvalidGroup)
    );
    g.apply(&gm(AddOrModify, 2, GroupType::Select, vec![]), 0)
        .unwrap();
    g.apply(&gm(AddOrModify, 2, GroupType::All, two), 0)
        .unwrap();
    assert_eq!(g.get(2).map(|x| x.group_type), Some(GroupType::All));
    assert_eq!(
        g.apply(&gm(Delete, 77, GroupType::All, vec![]), 0),
        Ok(vec![])
    );
    assert_eq!(
        g.apply(&gm(Delete, GROUP_ALL, GroupType::All, vec![]), 0),
        Ok(vec![1, 2])
    );
    assert!(g.is_empty());
}

/// Observed: insert after bucket 7 of [5, 7] gives [5, 7, 6]; an unknown position or an
/// existing id fails; remove of `first` drops the first bucket; an indirect group may gain
/// or lose buckets this way.
#[test]
fn bucket_insert_remove() {
    use GroupCommand::*;
    let mut g = GroupTable::<Acts>::new();
    g.apply(
        &gm(
            Add,
            1,
            GroupType::All,
            vec![bucket(5, out(&[1])), bucket(7, out(&[2]))],
        ),
        0,
    )
    .unwrap();
    let ins = |pos, b| gm(InsertBucket(pos), 1, GroupType::All, vec![b]);
    g.apply(&ins(BucketPosition::Id(7), bucket(6, out(&[3]))), 0)
        .unwrap();
    assert_eq!(ids(&g, 1), vec![5, 7, 6]);
    assert_eq!(
        g.apply(&ins(BucketPosition::Id(99), bucket(8, drop_())), 0),
        Err(OfpError::UnknownBucket)
    );
    assert_eq!(
        g.apply(&ins(BucketPosition::First, bucket(5, drop_())), 0),
        Err(OfpError::BucketExists)
    );
    g.apply(&ins(BucketPosition::First, bucket(1, drop_())), 0)
        .unwrap();
    g.apply(&ins(BucketPosition::Last, bucket(9, drop_())), 0)
        .unwrap();
    assert_eq!(ids(&g, 1), vec![1, 5, 7, 6, 9]);
    let rm = |pos| gm(RemoveBucket(pos), 1, GroupType::All, vec![]);
    assert_eq!(
        g.apply(&rm(BucketPosition::Id(99)), 0),
        Err(OfpError::UnknownBucket)
    );
    g.apply(&rm(BucketPosition::First), 0).unwrap();
    g.apply(&rm(BucketPosition::Last), 0).unwrap();
    g.apply(&rm(BucketPosition::Id(7)), 0).unwrap();
    assert_eq!(ids(&g, 1), vec![5, 6]);
    g.apply(&rm(BucketPosition::All), 0).unwrap();
    g.apply(&rm(BucketPosition::First), 0).unwrap();
    assert_eq!(ids(&g, 1), Vec::<u32>::new());
    assert_eq!(
        g.apply(
            &gm(RemoveBucket(BucketPosition::All), 3, GroupType::All, vec![]),
            0
        ),
        Err(OfpError::UnknownGroup)
    );
    g.apply(
        &gm(Add, 10, GroupType::Indirect, vec![bucket(0, out(&[1]))]),
        0,
    )
    .unwrap();
    g.apply(
        &gm(
            RemoveBucket(BucketPosition::All),
            10,
            GroupType::Indirect,
            vec![],
        ),
        0,
    )
    .unwrap();
    g.apply(
        &gm(
            InsertBucket(BucketPosition::Last),
            10,
            GroupType::Indirect,
            vec![bucket(3, drop_()), bucket(4, drop_())],
        ),
        0,
    )
    .unwrap();
    assert_eq!(ids(&g, 10), vec![3, 4]);
    assert_eq!(
        BucketPosition::from_wire(BUCKET_FIRST),
        BucketPosition::First
    );
    assert_eq!(BucketPosition::from_wire(3), BucketPosition::Id(3));
}

/// Observed: Open vSwitch accepts a bucket sending to a missing group, a loop, and deleting
/// a group another group sends to. The spec checks are available as an option.
#[test]
fn chaining() {
    use GroupCommand::*;
    let to = |g: u32| vec![bucket(0, Acts(vec![Act::Group(g)]))];
    let mut ovs = GroupTable::<Acts>::new();
    ovs.apply(&gm(Add, 2, GroupType::All, to(3)), 0).unwrap();
    ovs.apply(&gm(Add, 3, GroupType::All, to(2)), 0).unwrap();
    ovs.apply(&gm(Delete, 3, GroupType::All, vec![]), 0)
        .unwrap();

    let mut spec = GroupTable::<Acts>::new();
    spec.check_chaining = true;
    assert_eq!(
        spec.apply(&gm(Add, 2, GroupType::All, to(3)), 0),
        Err(OfpError::BadOutGroup)
    );
    assert_eq!(
        spec.apply(&gm(Add, 2, GroupType::All, to(2)), 0),
        Err(OfpError::Loop)
    );
    spec.apply(&gm(Add, 3, GroupType::All, vec![bucket(0, out(&[1]))]), 0)
        .unwrap();
    spec.apply(&gm(Add, 2, GroupType::All, to(3)), 0).unwrap();
    assert_eq!(
        spec.apply(&gm(Modify, 3, GroupType::All, to(2)), 0),
        Err(OfpError::Loop)
    );
    assert_eq!(
        spec.apply(&gm(Delete, 3, GroupType::All, vec![]), 0),
        Err(OfpError::ChainedGroup)
    );
    assert_eq!(spec.get(3).map(|g| g.buckets.len()), Some(1));
}

/// Observed: `del-groups group_id=10` removes the flows sending to group 10.
#[test]
fn group_delete_takes_flows_and_stats() {
    let mut t = T::new();
    let mut g = GroupTable::<Acts>::new();
    g.apply(
        &gm(
            GroupCommand::Add,
            10,
            GroupType::Select,
            vec![bucket(0, out(&[1])), bucket(1, out(&[2]))],
        ),
        5,
    )
    .unwrap();
    g.credit_stats(10, 1, 2, 120);
    let grp = g.get(10).unwrap();
    assert_eq!(
        (
            grp.stats.packet_count,
            grp.stats.bucket_counts.clone(),
            grp.created_ms
        ),
        (2, vec![(0, 0), (2, 120)], 5)
    );
    let mut a = add(0, "", 3, Acts(vec![Act::Group(10)]));
    a.flags.send_flow_rem = true;
    t.apply(&a, 0).unwrap();
    t.apply(&add(0, "", 4, out(&[1])), 0).unwrap();
    let o = g
        .apply_with_flows(
            &mut t,
            &gm(GroupCommand::Delete, 10, GroupType::All, vec![]),
            9,
        )
        .unwrap();
    assert_eq!(o.flow_removed.len(), 1);
    assert_eq!(o.flow_removed[0].reason, RemovedReason::GroupDelete);
    assert_eq!(t.total_rules(), 1);
}

fn mm(command: MeterCommand, id: u32, kbps: bool, pktps: bool, bands: Vec<MeterBand>) -> MeterMod {
    MeterMod {
        command,
        meter_id: id,
        flags: MeterFlags {
            kbps,
            pktps,
            ..MeterFlags::default()
        },
        bands,
    }
}

fn drop_band(rate: u32) -> MeterBand {
    MeterBand::Drop {
        rate,
        burst_size: 0,
    }
}

#[test]
fn meter_semantics() {
    use MeterCommand::*;
    let mut mt = MeterTable::new();
    mt.apply(&mm(Add, 1, true, false, vec![drop_band(1000)]), 0)
        .unwrap();
    assert_eq!(
        mt.apply(&mm(Add, 1, true, false, vec![drop_band(1000)]), 0),
        Err(OfpError::MeterExists)
    );
    assert_eq!(
        mt.apply(&mm(Modify, 5, true, false, vec![drop_band(1000)]), 0),
        Err(OfpError::UnknownMeter)
    );
    assert_eq!(OfpError::UnknownMeter.to_string(), "OFPMMFC_UNKNOWN_METER");
    assert_eq!(
        mt.apply(&mm(Add, 2, true, true, vec![drop_band(1000)]), 0),
        Err(OfpError::BadMeterFlags)
    );
    assert_eq!(
        mt.apply(&mm(Add, 3, true, false, vec![drop_band(0)]), 0),
        Err(OfpError::BadRate)
    );
    assert_eq!(
        mt.apply(&mm(Add, 4, true, false, vec![]), 0),
        Err(OfpError::BadBand)
    );
    let dscp = MeterBand::DscpRemark {
        rate: 100,
        burst_size: 0,
        prec_level: 1,
    };
    assert_eq!(
        mt.apply(&mm(Add, 6, true, false, vec![dscp]), 0),
        Err(OfpError::BadBand)
    );
    assert_eq!(
        mt.apply(&mm(Add, 7, true, false, vec![drop_band(1); 9]), 0),
        Err(OfpError::OutOfBands)
    );
    mt.apply(&mm(Add, METER_MAX, true, false, vec![drop_band(100)]), 0)
        .unwrap();
    assert_eq!(
        mt.apply(
            &mm(Add, METER_MAX + 1, true, false, vec![drop_band(100)]),
            0
        ),
        Err(OfpError::InvalidMeter)
    );
    assert_eq!(
        mt.apply(&mm(Add, 0, true, false, vec![drop_band(100)]), 0),
        Err(OfpError::InvalidMeter)
    );
    mt.apply(
        &mm(Add, METER_CONTROLLER, true, false, vec![drop_band(100)]),
        0,
    )
    .unwrap();
    mt.apply(
        &mm(Modify, 1, false, true, vec![drop_band(5), drop_band(9)]),
        0,
    )
    .unwrap();
    mt.credit_stats(1, 10, 1000, &[(1, 100), (2, 200)]);
    let m1 = mt.get(1).unwrap();
    assert_eq!(
        (m1.stats.packet_in_count, m1.stats.band_counts.clone()),
        (10, vec![(1, 100), (2, 200)])
    );
    assert!(m1.flags.pktps);
    assert_eq!(mt.len(), 3);
    // Delete takes the flows using the meter; a missing meter is fine.
    let mut t = T::new();
    let mut a = add(0, "", 4, Acts(vec![Act::Meter(1), Act::Output(2)]));
    a.flags.send_flow_rem = true;
    t.apply(&a, 0).unwrap();
    let o = mt
        .apply_with_flows(&mut t, &mm(Delete, 1, false, false, vec![]), 0)
        .unwrap();
    assert_eq!(o.flow_removed[0].reason, RemovedReason::MeterDelete);
    assert_eq!(t.total_rules(), 0);
    assert_eq!(
        mt.apply(&mm(Delete, 55, false, false, vec![]), 0),
        Ok(vec![])
    );
    assert_eq!(
        mt.apply(&mm(Delete, METER_ALL, false, false, vec![]), 0)
            .map(|v| v.len()),
        Ok(2)
    );
    let mut small = MeterTable::new();
    small.max_meters = 1;
    small
        .apply(&mm(Add, 1, true, false, vec![drop_band(1)]), 0)
        .unwrap();
    assert_eq!(
        small.apply(&mm(Add, 2, true, false, vec![drop_band(1)]), 0),
        Err(OfpError::OutOfMeters)
    );
}

/// Observed with `dump-group-stats`: modify keeps the duration and zeroes every counter;
/// insert/remove bucket zero the totals and keep the surviving buckets' counters;
/// ref_count counts the flows sending to the group.
#[test]
fn group_stats_across_changes() {
    use GroupCommand::*;
    let mut g = GroupTable::<Acts>::new();
    let mut t = T::new();
    t.apply(
        &add(0, "in_port=1", DEFAULT_PRIORITY, Acts(vec![Act::Group(20)])),
        0,
    )
    .unwrap();
    assert_eq!(t.group_ref_count(20), 1);
    assert_eq!(t.group_ref_count(21), 0);
    g.apply(
        &gm(Add, 20, GroupType::All, vec![bucket(1, out(&[2]))]),
        100,
    )
    .unwrap();
    g.credit_stats(20, 0, 1, 118);
    g.apply(
        &gm(
            InsertBucket(BucketPosition::Last),
            20,
            GroupType::All,
            vec![bucket(2, out(&[3]))],
        ),
        200,
    )
    .unwrap();
    let s = &g.get(20).unwrap().stats;
    assert_eq!((s.packet_count, s.byte_count), (0, 0));
    assert_eq!(s.bucket_counts, vec![(1, 118), (0, 0)]);
    g.credit_stats(20, 0, 1, 118);
    g.credit_stats(20, 1, 1, 118);
    g.apply(
        &gm(
            RemoveBucket(BucketPosition::Id(2)),
            20,
            GroupType::All,
            vec![],
        ),
        300,
    )
    .unwrap();
    let s = &g.get(20).unwrap().stats;
    assert_eq!(
        (s.packet_count, s.bucket_counts.clone()),
        (0, vec![(2, 236)])
    );
    g.credit_stats(20, 0, 2, 236);
    g.apply(
        &gm(Modify, 20, GroupType::Select, vec![bucket(0, out(&[3]))]),
        400,
    )
    .unwrap();
    let grp = g.get(20).unwrap();
    assert_eq!(
        (grp.stats.packet_count, grp.stats.bucket_counts.clone()),
        (0, vec![(0, 0)])
    );
    assert_eq!((grp.created_ms, grp.group_type), (100, GroupType::Select));
}

#[test]
fn meter_flow_count() {
    let mut t = T::new();
    t.apply(&add(0, "in_port=1", 1, Acts(vec![Act::Meter(3)])), 0)
        .unwrap();
    t.apply(&add(0, "in_port=2", 1, Acts(vec![Act::Meter(3)])), 0)
        .unwrap();
    assert_eq!(t.meter_flow_count(3), 2);
    assert_eq!(t.meter_flow_count(4), 0);
}
