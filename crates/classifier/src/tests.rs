//! Unit tests for the classifier: priorities and ties, staged un-wildcarding, versions,
//! bundle undo, garbage collection, prefix configuration and the shared wrapper.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use flow::{parse_match, FieldId, Flow, FlowWildcards, Match};

use crate::{Classifier, ClassifierError, Insertion, SharedClassifier};

fn m(s: &str) -> Match {
    parse_match(s, None).unwrap()
}

fn tcp_flow(in_port: u16, dst: u32, tp_dst: u16) -> Flow {
    let mut f = Flow::new();
    f.set_in_port(in_port);
    f.set_dl_type(0x0800);
    f.set_nw_proto(6);
    f.set_nw_src(0x0101_0101);
    f.set_nw_dst(dst);
    f.set_tp_dst(tp_dst);
    f
}

fn look(c: &Classifier<&'static str>, v: u64, f: &Flow) -> Option<&'static str> {
    let mut wc = FlowWildcards::catchall();
    c.lookup(v, f, &mut wc).map(|r| *r.payload())
}

#[test]
fn highest_priority_wins_and_catchall_matches_everything() {
    let mut c = Classifier::new();
    c.insert(Match::catchall(), 0, "default", 0).unwrap();
    c.insert(m("tcp"), 10, "tcp", 0).unwrap();
    c.insert(m("tcp,tp_dst=80"), 20, "http", 0).unwrap();
    c.insert(m("tcp,nw_dst=10.0.0.0/8"), 15, "ten", 0).unwrap();
    assert_eq!(look(&c, 0, &tcp_flow(1, 0x0a00_0001, 80)), Some("http"));
    assert_eq!(look(&c, 0, &tcp_flow(1, 0x0a00_0001, 22)), Some("ten"));
    assert_eq!(look(&c, 0, &tcp_flow(1, 0x0b00_0001, 22)), Some("tcp"));
    assert_eq!(look(&c, 0, &Flow::new()), Some("default"));
    assert_eq!(c.len(), 4);
    assert_eq!(c.n_subtables(), 4);
}

#[test]
fn ties_go_to_the_older_rule_and_replacement_keeps_its_place() {
    let mut c = Classifier::new();
    c.insert(m("tcp,tp_dst=80"), 5, "first", 0).unwrap();
    c.insert(m("tcp,nw_dst=10.0.0.1"), 5, "second", 0).unwrap();
    // A higher-priority rule in the second subtable puts it first in the visit order.
    c.insert(m("tcp,nw_dst=10.0.0.2"), 9, "other", 0).unwrap();
    let f = tcp_flow(1, 0x0a00_0001, 80);
    assert_eq!(look(&c, 0, &f), Some("first"));
    // Replacing "first" keeps its sequence number, so it still wins the tie.
    assert_eq!(
        c.insert(m("tcp,tp_dst=80"), 5, "first again", 0),
        Ok(Insertion::Replaced)
    );
    assert_eq!(look(&c, 0, &f), Some("first again"));
    // Removing and re-adding makes it the younger rule.
    assert!(c.remove(&m("tcp,tp_dst=80"), 5, 0));
    c.insert(m("tcp,tp_dst=80"), 5, "re-added", 0).unwrap();
    assert_eq!(look(&c, 0, &f), Some("second"));
}

#[test]
fn staged_lookup_unwildcards_only_the_stages_it_looked_at() {
    let mut c = Classifier::with_prefix_fields(&[]).unwrap();
    c.insert(m("in_port=1,tcp,nw_dst=10.0.0.1,tp_dst=80"), 10, "a", 0)
        .unwrap();
    // in_port differs: rejected after the metadata stage.
    let mut wc = FlowWildcards::catchall();
    assert!(c
        .lookup(0, &tcp_flow(2, 0x0a00_0001, 80), &mut wc)
        .is_none());
    let mut want = FlowWildcards::catchall();
    want.set(FieldId::InPort, 0xffff);
    assert_eq!(wc, want);
    // in_port and L2 agree, nw_dst differs: metadata, L2 and L3 bits, but no L4.
    let mut wc = FlowWildcards::catchall();
    assert!(c
        .lookup(0, &tcp_flow(1, 0x0a00_0002, 80), &mut wc)
        .is_none());
    assert_eq!(wc.get(FieldId::TpDst), 0);
    assert_eq!(wc.get(FieldId::IpDst), 0xffff_ffff);
    assert_eq!(wc.get(FieldId::NwProto), 0xff);
    // A hit un-wildcards the whole mask and nothing else.
    let mut wc = FlowWildcards::catchall();
    let r = c.lookup(0, &tcp_flow(1, 0x0a00_0001, 80), &mut wc).unwrap();
    assert_eq!(wc, *r.mask());
    assert_eq!(r.to_match(), m("in_port=1,tcp,nw_dst=10.0.0.1,tp_dst=80"));
}

#[test]
fn lookup_keeps_bits_already_in_the_wildcards() {
    let c: Classifier<()> = Classifier::new();
    let mut wc = FlowWildcards::catchall();
    wc.set(FieldId::Metadata, 0xff);
    assert!(c.lookup(0, &Flow::new(), &mut wc).is_none());
    assert_eq!(wc.get(FieldId::Metadata), 0xff);
}

#[test]
fn versions_control_visibility() {
    let mut c = Classifier::new();
    let f = tcp_flow(1, 0x0a00_0001, 80);
    c.insert(m("tcp"), 1, "v1", 1).unwrap();
    assert_eq!(look(&c, 0, &f), None);
    assert_eq!(look(&c, 1, &f), Some("v1"));
    // Replace in version 3: version 2 still sees the old rule.
    c.insert(m("tcp"), 1, "v3", 3).unwrap();
    assert_eq!(look(&c, 2, &f), Some("v1"));
    assert_eq!(look(&c, 3, &f), Some("v3"));
    assert_eq!(
        c.find_exact(&m("tcp"), 1, 2).map(|r| *r.payload()),
        Some("v1")
    );
    assert_eq!(
        c.find_exact(&m("tcp"), 1, 9).map(|r| *r.payload()),
        Some("v3")
    );
    // Remove in version 5.
    assert!(c.remove(&m("tcp"), 1, 5));
    assert!(!c.remove(&m("tcp"), 1, 5));
    assert_eq!(look(&c, 4, &f), Some("v3"));
    assert_eq!(look(&c, 5, &f), None);
    assert_eq!(c.len(), 0);
    assert_eq!(c.stored_len(), 2);
    // Garbage collection only drops what no version >= the argument can see.
    assert_eq!(c.collect_garbage(2), Vec::<&str>::new());
    assert_eq!(c.collect_garbage(3), vec!["v1"]);
    assert_eq!(look(&c, 4, &f), Some("v3"));
    assert_eq!(c.collect_garbage(5), vec!["v3"]);
    assert_eq!(c.stored_len(), 0);
    assert_eq!(c.n_subtables(), 0);
    assert_eq!(
        c.insert(m("tcp"), 1, "x", u64::MAX),
        Err(ClassifierError::InvalidVersion)
    );
}

#[test]
fn aborting_a_bundle_restores_the_previous_state() {
    let mut c = Classifier::new();
    let f = tcp_flow(1, 0x0a00_0001, 80);
    c.insert(m("tcp"), 1, "old", 0).unwrap();
    c.insert(m("udp"), 1, "udp", 0).unwrap();
    // Bundle at version 1: replace tcp, delete udp, add icmp.
    c.insert(m("tcp"), 1, "new", 1).unwrap();
    assert!(c.remove(&m("udp"), 1, 1));
    c.insert(m("icmp"), 1, "icmp", 1).unwrap();
    assert_eq!(look(&c, 1, &f), Some("new"));
    // Restoring "old" is refused while "new" is still there.
    assert!(!c.restore(&m("tcp"), 1, 1));
    // Abort: undo in reverse order.
    assert_eq!(c.remove_now(&m("icmp"), 1), Some("icmp"));
    assert!(c.restore(&m("udp"), 1, 1));
    assert_eq!(c.remove_now(&m("tcp"), 1), Some("new"));
    assert!(c.restore(&m("tcp"), 1, 1));
    assert_eq!(look(&c, 1, &f), Some("old"));
    assert_eq!(look(&c, 7, &f), Some("old"));
    assert_eq!(c.len(), 2);
    assert_eq!(c.collect_garbage(10), Vec::<&str>::new());
    assert_eq!(c.stored_len(), 2);
}

#[test]
fn loose_iteration_and_exact_find() {
    let mut c = Classifier::new();
    c.insert(m("tcp,nw_dst=10.0.0.1,tp_dst=80"), 1, "a", 0)
        .unwrap();
    c.insert(m("tcp,nw_dst=10.0.0.0/24"), 2, "b", 0).unwrap();
    c.insert(m("udp,nw_dst=10.0.0.1"), 3, "c", 0).unwrap();
    c.insert(m("tcp"), 4, "d", 0).unwrap();
    let mut got: Vec<_> = c
        .iter_loose(&m("tcp,nw_dst=10.0.0.0/24"), 0)
        .map(|r| *r.payload())
        .collect();
    got.sort_unstable();
    assert_eq!(got, vec!["a", "b"]);
    let mut all: Vec<_> = c
        .iter_loose(&Match::catchall(), 0)
        .map(|r| *r.payload())
        .collect();
    all.sort_unstable();
    assert_eq!(all, vec!["a", "b", "c", "d"]);
    assert!(c.find_exact(&m("tcp"), 3, 0).is_none());
    assert_eq!(
        c.find_exact(&m("tcp"), 4, 0).map(|r| *r.payload()),
        Some("d")
    );
    if let Some(p) = c.find_exact_mut(&m("tcp"), 4, 0) {
        *p = "d2";
    }
    assert_eq!(
        c.find_exact(&m("tcp"), 4, 0).map(|r| *r.payload()),
        Some("d2")
    );
}

#[test]
fn prefix_field_configuration() {
    let mut c: Classifier<u8> = Classifier::new();
    assert_eq!(c.prefix_fields(), vec![FieldId::IpDst, FieldId::IpSrc]);
    assert_eq!(
        c.set_prefix_fields(&[
            FieldId::IpDst,
            FieldId::IpSrc,
            FieldId::Ipv6Dst,
            FieldId::TunId
        ]),
        Err(ClassifierError::TooManyPrefixFields(4))
    );
    let err = c.set_prefix_fields(&[FieldId::TpDst]).unwrap_err();
    assert!(err
        .to_string()
        .starts_with("tp_dst: not a supported prefix field"));
    assert_eq!(
        c.set_prefix_fields(&[FieldId::IpDst, FieldId::IpDst]),
        Err(ClassifierError::DuplicatePrefixField("ip_dst"))
    );
    assert_eq!(c.prefix_fields(), vec![FieldId::IpDst, FieldId::IpSrc]);
    // Reconfiguring with rules present rebuilds the tries.
    c.insert(m("ipv6,ipv6_dst=2001:db8::/32"), 1, 1, 0).unwrap();
    c.insert(m("ipv6,ipv6_dst=2001:db8::1"), 2, 2, 0).unwrap();
    c.set_prefix_fields(&[FieldId::Ipv6Dst]).unwrap();
    let mut f = Flow::new();
    f.set_dl_type(0x86dd);
    f.set_ipv6_dst(0x2001_0db8_0000_0000_0000_0000_0000_0002);
    let mut wc = FlowWildcards::catchall();
    assert_eq!(c.lookup(0, &f, &mut wc).map(|r| *r.payload()), Some(1));
    // ...::2 vs ...::1 differ in bit 126: the /128 rule needs 127 bits, not 128.
    assert_eq!(wc.get(FieldId::Ipv6Dst), u128::MAX << 1);

    // A 64-bit prefix field.
    let mut c: Classifier<u8> = Classifier::with_prefix_fields(&[FieldId::TunId]).unwrap();
    c.insert(m("tun_id=0x1234"), 9, 1, 0).unwrap();
    c.insert(m("tun_id=0xff00000000000000/0xff00000000000000"), 1, 2, 0)
        .unwrap();
    let mut f = Flow::new();
    f.set_tun_id(0xff00_0000_0000_0005);
    let mut wc = FlowWildcards::catchall();
    assert_eq!(c.lookup(0, &f, &mut wc).map(|r| *r.payload()), Some(2));
    assert_eq!(wc.get(FieldId::TunId), 0xff00_0000_0000_0000);
    f.set_tun_id(0x1234);
    let mut wc = FlowWildcards::catchall();
    assert_eq!(c.lookup(0, &f, &mut wc).map(|r| *r.payload()), Some(1));
    assert_eq!(wc.get(FieldId::TunId), u128::from(u64::MAX));
}

#[test]
fn memory_estimate_grows_with_rules() {
    let mut c = Classifier::new();
    let empty = c.memory_estimate();
    for i in 0..1000u32 {
        let mut f = tcp_flow(1, 0x0a00_0000 | i, 80);
        f.set_tp_dst(80);
        let mut wc = FlowWildcards::catchall();
        wc.set(FieldId::EthType, u128::MAX);
        wc.set(FieldId::NwProto, u128::MAX);
        wc.set(FieldId::IpDst, u128::MAX);
        wc.set(FieldId::TpDst, u128::MAX);
        c.insert(Match::new(f, wc), 100, i, 0).unwrap();
    }
    let per_rule = (c.memory_estimate() - empty) / 1000;
    assert!((50..2000).contains(&per_rule), "{per_rule}");
}

#[test]
fn readers_never_see_half_a_batch() {
    // Each batch replaces all N rules with the next generation's payloads. A reader looking
    // up every rule under one snapshot must see a single generation.
    const N: u32 = 32;
    let flows: Vec<Flow> = (0..N).map(|i| tcp_flow(1, 0x0a00_0000 | i, 80)).collect();
    let matches: Vec<Match> = (0..N)
        .map(|i| m(&format!("tcp,nw_dst=10.0.0.{i}")))
        .collect();
    let mut c = Classifier::new();
    for mm in &matches {
        c.insert(*mm, 1, 0u32, 0).unwrap();
    }
    let shared = Arc::new(SharedClassifier::new(c, 0));
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let shared = Arc::clone(&shared);
            let done = Arc::clone(&done);
            let flows = flows.clone();
            std::thread::spawn(move || {
                let mut snapshots = 0u32;
                while !done.load(Ordering::Acquire) || snapshots == 0 {
                    let gens: Vec<Option<u32>> = shared.read(|s| {
                        flows
                            .iter()
                            .map(|f| s.lookup_no_wc(f).map(|r| *r.payload()))
                            .collect()
                    });
                    let first = gens.first().copied().flatten();
                    assert!(first.is_some());
                    assert!(
                        gens.iter().all(|g| *g == first),
                        "mixed generations {gens:?}"
                    );
                    snapshots += 1;
                }
                snapshots
            })
        })
        .collect();
    for generation in 1..=50u32 {
        for mm in &matches {
            // One short write-lock section per rule.
            shared.modify(|c, next| c.insert(*mm, 1, generation, next).unwrap());
        }
        let (v, garbage) = shared.publish();
        assert_eq!(v, u64::from(generation));
        assert_eq!(garbage.len(), N as usize);
        assert!(garbage.iter().all(|g| *g == generation - 1));
    }
    done.store(true, Ordering::Release);
    for r in readers {
        assert!(r.join().unwrap() > 0);
    }
    assert_eq!(
        shared.read(|s| s.lookup_no_wc(&flows[0]).map(|r| *r.payload())),
        Some(50)
    );
}

#[test]
fn collecting_a_whole_subtable_drops_it_and_keeps_the_rest() {
    let mut c = Classifier::new();
    let masks = [
        "tcp,nw_dst=10.0.0.1",
        "tcp,nw_dst=10.0.0.2",
        "tcp,nw_dst=10.0.0.3",
    ];
    for (i, s) in masks.iter().enumerate() {
        c.insert(m(s), 10, ["a", "b", "c"][i], 0).unwrap();
    }
    c.insert(m("tcp,tp_dst=80"), 20, "http", 0).unwrap();
    c.insert(m("tcp,tp_dst=22"), 20, "ssh", 0).unwrap();
    assert_eq!(c.n_subtables(), 2);
    // Remove every /32 rule and one of the port rules, at version 1.
    for s in masks {
        assert!(c.remove(&m(s), 10, 1));
    }
    assert!(c.remove(&m("tcp,tp_dst=22"), 20, 1));
    // Still visible in version 0 until collected.
    assert_eq!(look(&c, 0, &tcp_flow(1, 0x0a00_0002, 443)), Some("b"));
    assert!(c.collect_garbage(0).is_empty());
    let mut gone = c.collect_garbage(1);
    gone.sort_unstable();
    assert_eq!(gone, vec!["a", "b", "c", "ssh"]);
    assert_eq!(c.n_subtables(), 1);
    assert_eq!((c.len(), c.stored_len()), (1, 1));
    assert_eq!(look(&c, 1, &tcp_flow(1, 0x0a00_0002, 443)), None);
    assert_eq!(look(&c, 1, &tcp_flow(1, 0x0a00_0002, 80)), Some("http"));
    // The dropped mask can be used again, and its prefix trie entries are gone: a lookup
    // that misses the /32 only needs the address bits the trie looked at.
    c.insert(m("tcp,nw_dst=10.0.0.9"), 10, "d", 1).unwrap();
    assert_eq!(look(&c, 1, &tcp_flow(1, 0x0a00_0009, 443)), Some("d"));
    let mut wc = FlowWildcards::catchall();
    assert!(c
        .lookup(1, &tcp_flow(1, 0x0a00_0001, 443), &mut wc)
        .is_none());
    // (A stale 10.0.0.1/32 in the trie would force all 32 bits.)
    assert_ne!(wc.get(FieldId::IpDst), 0xffff_ffff);
    assert_ne!(wc.get(FieldId::IpDst), 0);
}

#[test]
fn remove_loose_equals_removing_what_iter_loose_lists() {
    let rules = [
        ("tcp,nw_dst=10.0.0.1,tp_dst=80", 10),
        ("tcp,nw_dst=10.0.0.2,tp_dst=80", 10),
        ("tcp,nw_dst=10.0.0.1", 20),
        ("udp,nw_dst=10.0.0.1", 20),
        ("tcp,tp_dst=80", 5),
        ("ip,nw_dst=10.0.0.0/8", 1),
        ("tcp,nw_dst=10.1.0.1,tp_dst=22", 30),
    ];
    let sorted = |mut v: Vec<usize>| {
        v.sort_unstable();
        v
    };
    let visible =
        |c: &Classifier<usize>, v| sorted(c.iter_visible(v).map(|r| *r.payload()).collect());
    for crit in [
        "",
        "tcp",
        "tcp,tp_dst=80",
        "ip,nw_dst=10.0.0.1",
        "tcp,nw_dst=10.0.0.1,tp_dst=80",
        "arp",
    ] {
        let (mut a, mut b) = (Classifier::new(), Classifier::new());
        for (i, (s, p)) in rules.iter().enumerate() {
            a.insert(m(s), *p, i, 0).unwrap();
            b.insert(m(s), *p, i, 0).unwrap();
        }
        let crit = m(crit);
        let listed: Vec<(Match, u32, usize)> = a
            .iter_loose(&crit, 0)
            .map(|r| (r.to_match(), r.priority(), *r.payload()))
            .collect();
        for (mm, p, _) in &listed {
            assert!(a.remove(mm, *p, 1));
        }
        let want = sorted(listed.iter().map(|l| l.2).collect());
        assert_eq!(sorted(b.remove_loose(&crit, 1)), want, "{crit:?}");
        assert_eq!(a.len(), b.len());
        assert_eq!(a.len(), rules.len() - want.len());
        for v in [0, 1] {
            assert_eq!(visible(&a, v), visible(&b, v));
        }
        // Undo works on what remove_loose did, as on what remove did.
        if let Some((mm, p, _)) = listed.first() {
            assert!(a.restore(mm, *p, 1));
            assert!(b.restore(mm, *p, 1));
            assert_eq!(visible(&a, 1), visible(&b, 1));
        }
        assert_eq!(sorted(a.collect_garbage(1)), sorted(b.collect_garbage(1)));
        assert_eq!(
            (a.len(), a.stored_len(), a.n_subtables()),
            (b.len(), b.stored_len(), b.n_subtables())
        );
    }
}
