//! Property tests: the classifier against a naive linear scan, and the megaflow guarantee of
//! un-wildcarding, on random rule sets with random versions and prefix-field configurations.

use classifier::{Classifier, FieldId, Flow, FlowWildcards, Match, Version};
use proptest::prelude::*;

/// Fields the random rules and flows use, with small value pools so that matches, overlaps,
/// ties and hash-key sharing are all common.
const ADDRS: [u32; 6] = [
    0x0a00_0001,
    0x0a00_0101,
    0x0a01_0001,
    0xc0a8_0001,
    0x0a00_0002,
    0x8000_0000,
];
const V6: [u128; 3] = [
    0x2001_0db8_0000_0000_0000_0000_0000_0001,
    0x2001_0db8_0000_0001_0000_0000_0000_0001,
    0xfe80_0000_0000_0000_0000_0000_0000_0001,
];

#[derive(Clone, Debug)]
struct FlowSpec {
    in_port: u8,
    dl_type: u8,
    nw_src: u8,
    nw_dst: u8,
    v6: u8,
    proto: u8,
    tp_dst: u16,
    metadata: u8,
    eth: u8,
}

fn flow_spec() -> impl Strategy<Value = FlowSpec> {
    (
        0u8..3,
        0u8..2,
        0u8..6,
        0u8..6,
        0u8..3,
        0u8..2,
        prop_oneof![Just(80u16), Just(443u16), Just(0x5050u16), any::<u16>()],
        0u8..4,
        0u8..2,
    )
        .prop_map(
            |(in_port, dl_type, nw_src, nw_dst, v6, proto, tp_dst, metadata, eth)| FlowSpec {
                in_port,
                dl_type,
                nw_src,
                nw_dst,
                v6,
                proto,
                tp_dst,
                metadata,
                eth,
            },
        )
}

fn pick<T: Copy>(pool: &[T], i: u8) -> T {
    pool[usize::from(i) % pool.len()]
}

fn build_flow(s: &FlowSpec) -> Flow {
    let mut f = Flow::new();
    f.set_in_port(u16::from(s.in_port) + 1);
    f.set_dl_type(if s.dl_type == 0 { 0x0800 } else { 0x86dd });
    f.set_nw_src(pick(&ADDRS, s.nw_src));
    f.set_nw_dst(pick(&ADDRS, s.nw_dst));
    f.set_ipv6_dst(pick(&V6, s.v6));
    f.set_nw_proto(if s.proto == 0 { 6 } else { 17 });
    f.set_tp_dst(s.tp_dst);
    f.set_metadata(u64::from(s.metadata) * 0x0101_0000_0000_0001);
    f.set_dl_dst(if s.eth == 0 {
        0x0000_0000_0001
    } else {
        0xffff_ffff_ffff
    });
    f
}

/// A random rule: for each field, whether/how it is matched, and values from the pools.
#[derive(Clone, Debug)]
struct RuleSpec {
    flow: FlowSpec,
    in_port: bool,
    dl_type: bool,
    src_len: u8,
    dst_len: u8,
    v6_len: u8,
    proto: bool,
    tp: u8,
    metadata: u8,
    eth: bool,
    priority: u32,
}

fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    (
        flow_spec(),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0u8), Just(8), Just(16), Just(24), Just(32), Just(99)],
        prop_oneof![Just(0u8), Just(8), Just(15), Just(24), Just(32)],
        prop_oneof![Just(0u8), Just(16), Just(64), Just(128)],
        any::<bool>(),
        0u8..3,
        0u8..3,
        any::<bool>(),
        0u32..4,
    )
        .prop_map(
            |(
                flow,
                in_port,
                dl_type,
                src_len,
                dst_len,
                v6_len,
                proto,
                tp,
                metadata,
                eth,
                priority,
            )| {
                RuleSpec {
                    flow,
                    in_port,
                    dl_type,
                    src_len,
                    dst_len,
                    v6_len,
                    proto,
                    tp,
                    metadata,
                    eth,
                    priority,
                }
            },
        )
}

fn prefix32(len: u8) -> u128 {
    if len == 0 {
        0
    } else if len == 99 {
        // Not a CIDR prefix: exercises subtables the tries do not track.
        0xff00_ff00
    } else {
        u128::from(u32::MAX << (32 - u32::from(len)))
    }
}

fn build_match(r: &RuleSpec) -> Match {
    let f = build_flow(&r.flow);
    let mut wc = FlowWildcards::catchall();
    if r.in_port {
        wc.set(FieldId::InPort, u128::MAX);
    }
    if r.dl_type {
        wc.set(FieldId::EthType, u128::MAX);
    }
    wc.set(FieldId::IpSrc, prefix32(r.src_len));
    wc.set(FieldId::IpDst, prefix32(r.dst_len));
    if r.v6_len > 0 {
        wc.set(FieldId::Ipv6Dst, u128::MAX << (128 - u32::from(r.v6_len)));
    }
    if r.proto {
        wc.set(FieldId::NwProto, u128::MAX);
    }
    match r.tp {
        1 => wc.set(FieldId::TpDst, 0xffff),
        2 => wc.set(FieldId::TpDst, 0xff00),
        _ => {}
    }
    match r.metadata {
        1 => wc.set(FieldId::Metadata, u128::from(u64::MAX)),
        2 => wc.set(FieldId::Metadata, 0xff00_0000_0000_000f),
        _ => {}
    }
    if r.eth {
        wc.set(FieldId::EthDst, 0xffff_ffff_ffff);
    }
    Match::new(f, wc)
}

#[derive(Clone, Debug)]
enum Op {
    /// Insert rule `i` at a version.
    Insert(usize, Version),
    /// Remove (mark) rule `i`'s match+priority at a version.
    Remove(usize, Version),
    /// Collect garbage up to a version.
    Gc(Version),
    /// Change the prefix fields (index into `PREFIX_CONFIGS`).
    Prefixes(usize),
}

const PREFIX_CONFIGS: [&[FieldId]; 4] = [
    &[FieldId::IpDst, FieldId::IpSrc],
    &[],
    &[FieldId::Ipv6Dst, FieldId::IpDst],
    &[FieldId::IpSrc, FieldId::Ipv6Dst, FieldId::IpDst],
];

fn ops(n_rules: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0..n_rules, 0u64..4).prop_map(|(i, v)| Op::Insert(i, v)),
        2 => (0..n_rules, 0u64..5).prop_map(|(i, v)| Op::Remove(i, v)),
        1 => (0u64..2).prop_map(Op::Gc),
        1 => (0..PREFIX_CONFIGS.len()).prop_map(Op::Prefixes),
    ];
    proptest::collection::vec(op, 1..60)
}

/// The reference: a list scanned linearly.
#[derive(Debug, Clone)]
struct NaiveRule {
    m: Match,
    priority: u32,
    seq: u64,
    add: Version,
    remove: Version,
    id: usize,
}

#[derive(Default)]
struct Naive {
    rules: Vec<NaiveRule>,
    next_seq: u64,
}

impl Naive {
    fn visible(r: &NaiveRule, v: Version) -> bool {
        r.add <= v && v < r.remove
    }

    /// Ends at `v` every rule with this match and priority visible at `v` or later; returns
    /// whether any changed and the sequence number of the live one.
    fn truncate(&mut self, m: &Match, priority: u32, v: Version) -> (bool, Option<u64>) {
        let mut changed = false;
        let mut live = None;
        for r in &mut self.rules {
            if r.m == *m && r.priority == priority {
                if r.remove == u64::MAX {
                    live = Some(r.seq);
                }
                if r.remove > v {
                    r.remove = v.max(r.add);
                    changed = true;
                }
            }
        }
        (changed, live)
    }

    fn insert(&mut self, m: Match, priority: u32, v: Version, id: usize) {
        let (_, live) = self.truncate(&m, priority, v);
        let seq = live.unwrap_or_else(|| {
            self.next_seq += 1;
            self.next_seq
        });
        self.rules.push(NaiveRule {
            m,
            priority,
            seq,
            add: v,
            remove: u64::MAX,
            id,
        });
    }

    fn remove(&mut self, m: &Match, priority: u32, v: Version) -> bool {
        self.truncate(m, priority, v).0
    }

    fn lookup(&self, v: Version, f: &Flow) -> Option<usize> {
        self.rules
            .iter()
            .filter(|r| Self::visible(r, v) && r.m.matches(f))
            .max_by(|a, b| a.priority.cmp(&b.priority).then(b.seq.cmp(&a.seq)))
            .map(|r| r.id)
    }
}

/// Applies `ops` to both models; returns the oldest version lookups may use afterwards.
fn run_ops(rules: &[RuleSpec], ops: &[Op]) -> (Classifier<usize>, Naive, Version) {
    let mut cls: Classifier<usize> = Classifier::new();
    let mut naive = Naive::default();
    let mut gc = 0;
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Insert(i, v) => {
                let r = &rules[*i % rules.len()];
                let m = build_match(r);
                cls.insert(m, r.priority, n, *v).unwrap();
                naive.insert(m, r.priority, *v, n);
            }
            Op::Remove(i, v) => {
                let r = &rules[*i % rules.len()];
                let m = build_match(r);
                assert_eq!(
                    cls.remove(&m, r.priority, *v),
                    naive.remove(&m, r.priority, *v)
                );
            }
            Op::Gc(v) => {
                gc = gc.max(*v);
                let collected = cls.collect_garbage(gc);
                for id in &collected {
                    let r = naive.rules.iter().find(|r| r.id == *id).unwrap();
                    assert!(r.remove <= gc, "collected a rule still visible");
                }
                naive.rules.retain(|r| r.remove > gc);
            }
            Op::Prefixes(k) => cls.set_prefix_fields(PREFIX_CONFIGS[*k]).unwrap(),
        }
    }
    (cls, naive, gc)
}

/// `f` on the bits of `wc`, `g` elsewhere.
fn merge(f: &Flow, g: &Flow, wc: &FlowWildcards) -> Flow {
    let mut w = [0u64; flow::FLOW_WORDS];
    for (i, o) in w.iter_mut().enumerate() {
        let m = wc.words()[i];
        *o = (f.words()[i] & m) | (g.words()[i] & !m);
    }
    Flow::from_words(w)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn lookup_agrees_with_linear_scan(
        rules in proptest::collection::vec(rule_spec(), 1..25),
        ops in ops(25),
        flows in proptest::collection::vec(flow_spec(), 1..20),
    ) {
        let (cls, naive, gc) = run_ops(&rules, &ops);
        let live = naive.rules.iter().filter(|r| r.remove == u64::MAX).count();
        prop_assert_eq!(cls.len(), live);
        prop_assert_eq!(cls.stored_len(), naive.rules.len());
        for v in gc..5 {
            for fs in &flows {
                let f = build_flow(fs);
                let mut wc = FlowWildcards::catchall();
                let got = cls.lookup(v, &f, &mut wc).map(|r| *r.payload());
                prop_assert_eq!(got, naive.lookup(v, &f), "version {}", v);
                prop_assert_eq!(cls.lookup_no_wc(v, &f).map(|r| *r.payload()), got);
            }
            // find_exact and the visible set.
            for r in &naive.rules {
                let found = cls.find_exact(&r.m, r.priority, v).map(|x| *x.payload());
                let want = naive
                    .rules
                    .iter()
                    .find(|x| x.m == r.m && x.priority == r.priority && Naive::visible(x, v))
                    .map(|x| x.id);
                prop_assert_eq!(found, want);
            }
            let mut vis: Vec<usize> = cls.iter_visible(v).map(|r| *r.payload()).collect();
            vis.sort_unstable();
            let mut want: Vec<usize> = naive
                .rules
                .iter()
                .filter(|r| Naive::visible(r, v))
                .map(|r| r.id)
                .collect();
            want.sort_unstable();
            prop_assert_eq!(vis, want);
        }
    }

    /// Few priorities, so equal-priority overlaps across subtables (the tie rule) are common.
    #[test]
    fn ties_agree_with_linear_scan(
        rules in proptest::collection::vec(
            rule_spec().prop_map(|mut r| { r.priority %= 2; r }), 2..30),
        ops in ops(30),
        flows in proptest::collection::vec(flow_spec(), 1..20),
    ) {
        let (cls, naive, gc) = run_ops(&rules, &ops);
        for v in gc..5 {
            for fs in &flows {
                let f = build_flow(fs);
                let got = cls.lookup_no_wc(v, &f).map(|r| *r.payload());
                prop_assert_eq!(got, naive.lookup(v, &f), "version {}", v);
            }
        }
    }

    #[test]
    fn unwildcarding_is_sound(
        rules in proptest::collection::vec(rule_spec(), 1..25),
        ops in ops(25),
        flows in proptest::collection::vec(flow_spec(), 1..12),
        others in proptest::collection::vec(flow_spec(), 1..12),
        noise in proptest::collection::vec(any::<u64>(), flow::FLOW_WORDS),
    ) {
        let (cls, _naive, gc) = run_ops(&rules, &ops);
        let noise = Flow::from_words(noise.try_into().unwrap());
        for v in gc..5 {
            for fs in &flows {
                let f = build_flow(fs);
                let mut wc = FlowWildcards::catchall();
                let got = cls.lookup(v, &f, &mut wc).map(|r| *r.payload());
                // Flows from the pools (likely to hit other rules) and pure noise.
                for g in others.iter().map(build_flow).chain(std::iter::once(noise)) {
                    let f2 = merge(&f, &g, &wc);
                    let got2 = cls.lookup_no_wc(v, &f2).map(|r| *r.payload());
                    prop_assert_eq!(got2, got, "wc {:?}", wc);
                }
            }
        }
    }

    #[test]
    fn loose_iteration_matches_definition(
        rules in proptest::collection::vec(rule_spec(), 1..25),
        ops in ops(25),
        criteria in proptest::collection::vec(rule_spec(), 1..6),
    ) {
        let (cls, naive, gc) = run_ops(&rules, &ops);
        for c in &criteria {
            let cm = build_match(c);
            let mut got: Vec<usize> = cls.iter_loose(&cm, gc).map(|r| *r.payload()).collect();
            got.sort_unstable();
            let cw = cm.wildcards();
            let mut want: Vec<usize> = naive
                .rules
                .iter()
                .filter(|r| Naive::visible(r, gc))
                .filter(|r| r.m.wildcards().and(cw) == *cw && cm.matches(r.m.flow()))
                .map(|r| r.id)
                .collect();
            want.sort_unstable();
            prop_assert_eq!(got, want);
        }
    }
}

#[test]
fn prefix_tracking_narrows_megaflows_without_changing_answers() {
    // 10/8 at low priority under many /32 host rules: with the trie, a packet to another
    // 10.x address needs far fewer nw_dst bits than 32.
    let mut with: Classifier<u32> = Classifier::new();
    let mut without: Classifier<u32> = Classifier::with_prefix_fields(&[]).unwrap();
    let m8 = flow::parse_match("ip,nw_dst=10.0.0.0/8", None).unwrap();
    for c in [&mut with, &mut without] {
        c.insert(m8, 10, 0, 0).unwrap();
        for i in 0..50u32 {
            let m = flow::parse_match(&format!("ip,nw_dst=10.200.0.{i}"), None).unwrap();
            c.insert(m, 20, i + 1, 0).unwrap();
        }
    }
    let mut f = Flow::new();
    f.set_dl_type(0x0800);
    f.set_nw_dst(0x0a01_0203);
    let mut wc1 = FlowWildcards::catchall();
    let mut wc2 = FlowWildcards::catchall();
    assert_eq!(with.lookup(0, &f, &mut wc1).map(|r| *r.payload()), Some(0));
    assert_eq!(
        without.lookup(0, &f, &mut wc2).map(|r| *r.payload()),
        Some(0)
    );
    assert_eq!(wc2.get(FieldId::IpDst), 0xffff_ffff);
    // 10.1.x.x leaves the 10.200/16 path at bit 8: 9 bits suffice.
    assert_eq!(wc1.get(FieldId::IpDst), 0xff80_0000);
}

/// Deterministic pseudo-random numbers for the larger test below.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn larger_table_agrees_with_linear_scan_and_megaflows_hold() {
    // ~1500 rules over many masks: deep tries, big subtables, many priorities.
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut cls: Classifier<usize> = Classifier::new();
    let mut naive = Naive::default();
    let mut sample_flows = Vec::new();
    for id in 0..1500usize {
        let mut f = Flow::new();
        f.set_in_port((rng.next() % 4) as u16 + 1);
        f.set_dl_type(0x0800);
        f.set_nw_proto(if rng.next() % 2 == 0 { 6 } else { 17 });
        f.set_nw_src(0x0a00_0000 | (rng.next() as u32 & 0x00ff_ffff));
        f.set_nw_dst(0x0a00_0000 | (rng.next() as u32 & 0x00ff_ffff));
        f.set_tp_dst((rng.next() % 8) as u16);
        f.set_dl_dst(rng.next() % 16);
        let mut wc = FlowWildcards::catchall();
        let kind = rng.next() % 6;
        let len = |r: &mut XorShift| -> u128 {
            let l = (r.next() % 32 + 1) as u32;
            u128::from(u32::MAX << (32 - l))
        };
        match kind {
            0 => {
                wc.set(FieldId::EthType, u128::MAX);
                wc.set(FieldId::NwProto, u128::MAX);
                wc.set(FieldId::IpDst, u128::MAX);
                wc.set(FieldId::TpDst, u128::MAX);
            }
            1 => {
                wc.set(FieldId::EthType, u128::MAX);
                wc.set(FieldId::IpDst, len(&mut rng));
            }
            2 => {
                wc.set(FieldId::EthType, u128::MAX);
                wc.set(FieldId::IpSrc, len(&mut rng));
                wc.set(FieldId::IpDst, len(&mut rng));
            }
            3 => wc.set(FieldId::EthDst, u128::MAX),
            4 => {
                wc.set(FieldId::InPort, u128::MAX);
                wc.set(FieldId::TpDst, 0x6);
            }
            _ => {
                wc.set(FieldId::InPort, u128::MAX);
                wc.set(FieldId::IpSrc, 0xff00_ff00);
            }
        }
        let m = Match::new(f, wc);
        let prio = (rng.next() % 40) as u32;
        cls.insert(m, prio, id, 0).unwrap();
        naive.insert(m, prio, 0, id);
        sample_flows.push(f);
    }
    // Remove a third of them in version 1 and collect.
    for (i, r) in naive.rules.clone().iter().enumerate() {
        if i % 3 == 0 {
            assert_eq!(
                cls.remove(&r.m, r.priority, 1),
                naive.remove(&r.m, r.priority, 1)
            );
        }
    }
    cls.collect_garbage(1);
    naive.rules.retain(|r| r.remove > 1);
    for (i, base) in sample_flows.iter().enumerate().step_by(3) {
        let mut f = *base;
        if i % 2 == 1 {
            // Perturb to hit prefixes and misses rather than the exact rule.
            f.set_nw_dst(f.nw_dst() ^ (rng.next() as u32 & 0x00ff_ffff));
            f.set_tp_dst(f.tp_dst() ^ (rng.next() as u16 & 0x7));
        }
        let mut wc = FlowWildcards::catchall();
        let got = cls.lookup(1, &f, &mut wc).map(|r| *r.payload());
        assert_eq!(got, naive.lookup(1, &f), "flow {f:?}");
        for _ in 0..4 {
            let mut w = [0u64; flow::FLOW_WORDS];
            for (k, o) in w.iter_mut().enumerate() {
                *o = f.words()[k] ^ (rng.next() & !wc.words()[k]);
            }
            let f2 = Flow::from_words(w);
            assert_eq!(cls.lookup_no_wc(1, &f2).map(|r| *r.payload()), got);
        }
    }
}
