//! Listing order: `cfm/show` lists remote MPs, and an argument-less `cfm/show` lists
//! instances, in Open vSwitch's hash-map order; compared with what Debian's ovs-vswitchd
//! printed (tests/data/debian_order.txt).

use cfm::hmap::{hash_string, HmapOrder};
use cfm::pdu::{CcmFrame, CCM_DST_EXTENDED};
use cfm::{Cfm, CfmSettings};

const ORDER: &str = include_str!("data/debian_order.txt");

fn parse_list(s: &str) -> Vec<u64> {
    if let Some((a, b)) = s.split_once("..=") {
        let (a, b): (u64, u64) = (a.parse().expect("n"), b.parse().expect("n"));
        (a..=b).collect()
    } else {
        s.split(',').map(|x| x.parse().expect("mpid")).collect()
    }
}

fn ccm_from(mpid: u64, extended: bool) -> Vec<u8> {
    let mut s = CfmSettings::new(mpid);
    s.extended = extended;
    let mut peer = Cfm::new("peer", s, 0);
    let mut f = CcmFrame::decode(&peer.run(0, [10, 0, 0, 0, 0, 1]).expect("ccm")).expect("ok");
    if extended {
        f.dst = CCM_DST_EXTENDED;
    }
    f.encode()
}

#[test]
fn remote_mps_are_listed_in_debians_order() {
    let mut n = 0;
    for line in ORDER.lines().filter(|l| l.starts_with('m')) {
        let mut cols = line.split_whitespace();
        let (label, mode, recv) = (
            cols.next().expect("label"),
            cols.next().expect("mode"),
            cols.next().expect("received"),
        );
        assert_eq!(cols.next(), Some("->"));
        let expected = parse_list(cols.next().expect("listed"));
        let extended = mode == "extended";
        let mut s = CfmSettings::new(1);
        s.extended = extended;
        s.interval_ms = 10_000;
        let mut c = Cfm::new(label, s, 0);
        for m in parse_list(recv) {
            let f = ccm_from(m, extended);
            assert!(c.should_process(&f));
            c.process(&f, 5).expect("valid");
        }
        let listed: Vec<u64> = c
            .show(5)
            .lines()
            .filter_map(|l| l.strip_prefix("Remote MPID "))
            .map(|m| m.parse().expect("mpid"))
            .collect();
        assert_eq!(listed, expected, "{label}");
        n += 1;
    }
    assert_eq!(n, 3);
}

#[test]
fn instances_are_listed_in_debians_order() {
    let mut order = HmapOrder::new();
    let mut n = 0;
    for line in ORDER.lines().filter(|l| l.starts_with("instances ")) {
        let mut cols = line.split_whitespace().skip(1);
        for change in cols.next().expect("changes").split(',') {
            if let Some(name) = change.strip_prefix('+') {
                order.insert(hash_string(name), name.to_string());
            } else {
                let name = change.strip_prefix('-').expect("+ or -");
                assert!(order.remove(&name.to_string()), "{name} present");
            }
        }
        assert_eq!(cols.next(), Some("->"));
        let listed: Vec<&str> = cols.next().expect("listed").split(',').collect();
        assert_eq!(order.iter().collect::<Vec<_>>(), listed, "{line}");
        assert_eq!(order.len(), listed.len());
        n += 1;
    }
    assert_eq!(n, 2);
    assert!(!order.remove(&"eth3".to_string()));
}
