//! Behaviour the Open vSwitch oracle cannot easily show (bonds, static entries, revision
//! counter, wildcards) plus the two-host VLAN scenario of SCENARIOS.md section 4, built from
//! two model bridges joined by an 802.1Q trunk.

use flow::{FieldId, Flow, FlowWildcards};
use normal::{
    xlate_normal, BridgeConfig, BundleConfig, DropReason, LearnOutcome, MacTable, PortVlan,
    PortVlanSettings, VlanHdr,
};

const S: u64 = 1000;

fn access(tag: u16) -> PortVlan {
    PortVlan::new(&PortVlanSettings {
        tag: Some(tag),
        ..Default::default()
    })
}

#[test]
fn fair_eviction_takes_from_the_busiest_port() {
    let mut t: MacTable<u16> = MacTable::new();
    t.set_max_entries(10);
    for i in 0..8 {
        assert_eq!(
            t.learn(0x100 + i, 1, 1, false, false, 0),
            LearnOutcome::Learned
        );
    }
    t.learn(0x200, 1, 2, false, false, 0);
    t.learn(0x201, 1, 2, false, false, 0);
    // Full: the next address pushes out port 1's oldest entry, not port 2's.
    t.learn(0x300, 1, 3, false, false, 0);
    assert_eq!(t.lookup(0x100, 1, 0), None);
    assert_eq!(t.lookup(0x200, 1, 0), Some(2));
    assert_eq!(t.len(), 10);
    assert_eq!(t.stats().evicted, 1);
}

#[test]
fn aging_refresh_and_revision() {
    let mut t: MacTable<u16> = MacTable::new();
    t.set_idle_time(15);
    let r0 = t.revision();
    t.learn(1, 1, 1, false, false, 0);
    assert!(t.revision() > r0);
    let r1 = t.revision();
    // Same port within the same second: nothing to do.
    assert_eq!(t.learn(1, 1, 1, false, false, 500), LearnOutcome::Unchanged);
    assert_eq!(
        t.learn(1, 1, 1, false, false, 10 * S),
        LearnOutcome::Refreshed
    );
    assert_eq!(t.revision(), r1, "a refresh does not invalidate decisions");
    assert!(!t.run(24 * S));
    assert_eq!(t.lookup(1, 1, 24 * S), Some(1));
    // Past the aging time the entry is gone even before run().
    assert_eq!(t.lookup(1, 1, 25 * S), None);
    assert!(t.run(25 * S));
    assert!(t.revision() > r1);
    assert_eq!(t.stats().expired, 1);
}

#[test]
fn gratuitous_arp_lock_only_stops_bond_reflections() {
    let mut t: MacTable<u16> = MacTable::new();
    assert_eq!(t.learn(7, 1, 1, true, false, 0), LearnOutcome::Learned);
    assert!(t.is_grat_arp_locked(7, 1, 4 * S));
    // The announcement reflected back over a bond within 5 s is ignored.
    assert_eq!(t.learn(7, 1, 2, true, true, 2 * S), LearnOutcome::Locked);
    assert_eq!(t.lookup(7, 1, 2 * S), Some(1));
    // After the lock it moves.
    assert_eq!(t.learn(7, 1, 2, true, true, 6 * S), LearnOutcome::Moved);
    // A non-bond port moves a locked entry at once.
    t.learn(8, 1, 1, true, false, 10 * S);
    assert_eq!(t.learn(8, 1, 3, false, false, 10 * S), LearnOutcome::Moved);
    assert_eq!(t.stats().moved, 2);
}

#[test]
fn flushes_and_static_entries() {
    let mut t: MacTable<u16> = MacTable::new();
    t.learn(1, 1, 1, false, false, 0);
    t.learn(2, 2, 1, false, false, 0);
    t.learn(3, 2, 2, false, false, 0);
    assert_eq!(t.flush_vlan(2), 2);
    assert_eq!(t.flush_port(1), 1);
    assert!(t.is_empty());
    t.add_static(9, 5, 4);
    assert_eq!(t.learn(9, 5, 1, false, false, 0), LearnOutcome::Unchanged);
    assert!(!t.run(10_000 * S));
    assert_eq!(t.lookup(9, 5, 10_000 * S), Some(4));
    let show = t.format_show(0, |p| p.to_string());
    assert_eq!(
        show,
        " port  VLAN  MAC                Age\n    4     5  00:00:00:00:00:09  static\n"
    );
    assert!(t.delete(9, 5));
    assert!(!t.delete(9, 5));
    // Multicast sources and flood VLANs are never learned.
    assert_eq!(
        t.learn(0x0100_5e00_0001, 1, 1, false, false, 0),
        LearnOutcome::NotLearnable
    );
    assert!(t.set_flood_vlans(&[3]));
    assert!(!t.set_flood_vlans(&[3]));
    assert_eq!(
        t.learn(1, 3, 1, false, false, 0),
        LearnOutcome::NotLearnable
    );
}

fn flow(in_port: u16, src: u64, dst: u64, vlan: Option<u16>) -> Flow {
    let mut f = Flow::new();
    f.set_in_port(in_port);
    f.set_dl_src(src);
    f.set_dl_dst(dst);
    f.set_dl_type(0x0800);
    if let Some(v) = vlan {
        f.set_vlan_tci(0x1000 | v);
    }
    f
}

#[test]
fn wildcards_and_unknown_port() {
    let bridge = BridgeConfig {
        bundles: vec![
            BundleConfig::new(1u16, "p1", access(1)),
            BundleConfig::new(2u16, "p2", access(1)),
        ],
        forward_bpdu: false,
    };
    let mut t = MacTable::new();
    let mut wc = FlowWildcards::catchall();
    let mut f = flow(1, 1, normal::mac::BROADCAST, None);
    f.set_dl_type(0x0806);
    f.set(FieldId::ArpOp, 1);
    f.set(FieldId::ArpSpa, 0x0a00_0001);
    f.set(FieldId::ArpTpa, 0x0a00_0001);
    let d = xlate_normal(&bridge, &mut t, &f, 1, 0, true, &mut wc);
    assert_eq!(d.outputs.len(), 1);
    assert!(wc.is_exact(FieldId::EthSrc) && wc.is_exact(FieldId::EthDst));
    assert_eq!(wc.get(FieldId::VlanTci), 0x1fff);
    assert!(wc.is_exact(FieldId::ArpOp) && wc.is_exact(FieldId::ArpSpa));
    assert!(t.is_grat_arp_locked(1, 1, 0));
    let d = xlate_normal(&bridge, &mut t, &f, 9, 0, true, &mut wc);
    assert_eq!(d.drop, Some(DropReason::NoInputBundle));
    // A VLAN EtherType without a tag present is malformed.
    let mut g = flow(1, 1, 2, None);
    g.set_dl_type(0x8100);
    let d = xlate_normal(&bridge, &mut t, &g, 1, 0, true, &mut wc);
    assert_eq!(d.drop, Some(DropReason::PartialVlanTag));
}

/// One host of SCENARIOS.md section 4: VMs on access ports 1 and 2, NIC (port 3) a trunk.
struct Host {
    bridge: BridgeConfig<u16>,
    table: MacTable<u16>,
}

impl Host {
    fn new(tag1: u16, tag2: u16) -> Host {
        Host {
            bridge: BridgeConfig {
                bundles: vec![
                    BundleConfig::new(1, "tap1.0", access(tag1)),
                    BundleConfig::new(2, "tap2.0", access(tag2)),
                    BundleConfig::new(3, "eth0", PortVlan::default()),
                ],
                forward_bpdu: false,
            },
            table: MacTable::new(),
        }
    }
}

/// Delivers a frame from VM (`host`, `port`) across both hosts; returns the (host, port)
/// pairs of the VMs that receive it.
fn send(hosts: &mut [Host; 2], host: usize, port: u16, src: u64, dst: u64) -> Vec<(usize, u16)> {
    let mut got = Vec::new();
    let mut queue = vec![(host, flow(port, src, dst, None))];
    while let Some((h, f)) = queue.pop() {
        let mut wc = FlowWildcards::catchall();
        let Some(hs) = hosts.get_mut(h) else { continue };
        let d = xlate_normal(&hs.bridge, &mut hs.table, &f, f.in_port(), 0, true, &mut wc);
        for o in d.outputs {
            if o.port == 3 {
                // Across the wire to the other host's eth0, with the headers it left with.
                let mut g = flow(3, src, dst, None);
                if let Some(VlanHdr { vid, pcp, .. }) = o.tags.first() {
                    g.set_vlan_tci(0x1000 | (u16::from(*pcp) << 13) | vid);
                }
                queue.push((1 - h, g));
            } else {
                assert!(o.tags.is_empty(), "VMs receive untagged frames");
                got.push((h, o.port));
            }
        }
    }
    got.sort();
    got
}

const BC: u64 = normal::mac::BROADCAST;

#[test]
fn two_hosts_one_vlan_each_side() {
    // VM1, VM2 on one host: same tag talk, different tags do not.
    let mut same = [Host::new(1, 1), Host::new(1, 1)];
    assert!(send(&mut same, 0, 1, 0xa1, BC).contains(&(0, 2)));
    assert_eq!(send(&mut same, 0, 2, 0xa2, 0xa1), vec![(0, 1)]);
    let mut diff = [Host::new(1, 2), Host::new(1, 2)];
    assert!(!send(&mut diff, 0, 1, 0xa1, BC).contains(&(0, 2)));
    assert!(send(&mut diff, 0, 2, 0xa2, 0xa1)
        .iter()
        .all(|p| *p != (0, 1)));
}

#[test]
fn two_hosts_all_in_vlan_1() {
    let mut hosts = [Host::new(1, 1), Host::new(1, 1)];
    assert_eq!(
        send(&mut hosts, 0, 1, 0xa1, BC),
        vec![(0, 2), (1, 1), (1, 2)]
    );
    assert_eq!(send(&mut hosts, 1, 1, 0xa3, 0xa1), vec![(0, 1)]);
    assert_eq!(send(&mut hosts, 0, 1, 0xa1, 0xa3), vec![(1, 1)]);
}

#[test]
fn two_hosts_split_vlans_over_a_trunk() {
    // VM1, VM3 in VLAN 1 and VM2, VM4 in VLAN 2, one of each per host.
    let mut hosts = [Host::new(1, 2), Host::new(1, 2)];
    assert_eq!(send(&mut hosts, 0, 1, 0xa1, BC), vec![(1, 1)]);
    assert_eq!(send(&mut hosts, 0, 2, 0xa2, BC), vec![(1, 2)]);
    assert_eq!(send(&mut hosts, 1, 1, 0xa3, 0xa1), vec![(0, 1)]);
    assert_eq!(send(&mut hosts, 1, 2, 0xa4, 0xa2), vec![(0, 2)]);
    // Nothing crosses VLANs, even to an address learned in the other VLAN: the frame is
    // unknown in its own VLAN and floods there only.
    assert_eq!(send(&mut hosts, 1, 2, 0xa4, 0xa1), vec![(0, 2)]);
    assert_eq!(send(&mut hosts, 0, 1, 0xa1, 0xa4), vec![(1, 1)]);
}

#[test]
fn bond_verdicts() {
    use normal::{bond_admissibility, BondMode, BondVerdict};
    let bc = BC;
    let uc = 0x0000_0000_0002;
    assert_eq!(
        bond_admissibility(BondMode::ActiveBackup, false, true, false, uc),
        BondVerdict::Drop
    );
    assert_eq!(
        bond_admissibility(BondMode::ActiveBackup, false, true, true, bc),
        BondVerdict::Accept
    );
    assert_eq!(
        bond_admissibility(BondMode::BalanceSlb, false, true, false, bc),
        BondVerdict::Drop
    );
    assert_eq!(
        bond_admissibility(BondMode::BalanceSlb, false, true, false, uc),
        BondVerdict::DropIfMoved
    );
    assert_eq!(
        bond_admissibility(BondMode::BalanceTcp, false, true, true, uc),
        BondVerdict::Drop
    );
    assert_eq!(
        bond_admissibility(BondMode::BalanceTcp, true, true, false, bc),
        BondVerdict::Accept
    );
    assert_eq!(
        bond_admissibility(BondMode::BalanceTcp, true, false, true, uc),
        BondVerdict::Drop
    );
}
