//! Classifier benchmarks: lookups per second with 1k, 10k and 100k rules of mixed masks (hit
//! and miss, with and without un-wildcarding), insertion rate and memory per rule.
//!
//! The rule mix imitates an OpenFlow table: mostly `priority=100,tcp,nw_dst=10.a.b.c,
//! tp_dst=N` exact rules, plus `/24`, `/16` and `/8` destination prefixes at lower
//! priorities, some L2 (`dl_dst`) rules at high priority and a per-port default.

use std::hint::black_box;
use std::time::{Duration, Instant};

use classifier::{Classifier, FieldId, Flow, FlowWildcards, Match};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn mask(fields: &[(FieldId, u128)]) -> FlowWildcards {
    let mut wc = FlowWildcards::catchall();
    for (f, m) in fields {
        wc.set(*f, *m);
    }
    wc
}

fn tcp_flow(in_port: u16, dst: u32, tp_dst: u16) -> Flow {
    let mut f = Flow::new();
    f.set_in_port(in_port);
    f.set_dl_type(0x0800);
    f.set_nw_proto(6);
    f.set_nw_src(0xc0a8_0001);
    f.set_nw_dst(dst);
    f.set_tp_src(40000);
    f.set_tp_dst(tp_dst);
    f.set_dl_src(0x0200_0000_0001);
    f.set_dl_dst(0x0200_0000_0002);
    f
}

/// The rule set for `n` rules, and the flows of the exact rules (for hit lookups).
fn rules(n: usize) -> (Vec<(Match, u32)>, Vec<Flow>) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let exact = mask(&[
        (FieldId::EthType, 0xffff),
        (FieldId::NwProto, 0xff),
        (FieldId::IpDst, 0xffff_ffff),
        (FieldId::TpDst, 0xffff),
    ]);
    let prefix = |len: u32| {
        mask(&[
            (FieldId::EthType, 0xffff),
            (FieldId::IpDst, u128::from(u32::MAX << (32 - len))),
        ])
    };
    let l2 = mask(&[(FieldId::EthDst, 0xffff_ffff_ffff)]);
    let port = mask(&[(FieldId::InPort, 0xffff)]);
    let mut out = Vec::with_capacity(n);
    let mut hits = Vec::new();
    let n_exact = n * 90 / 100;
    for _ in 0..n_exact {
        let dst = 0x0a00_0000 | (rng.next() as u32 & 0x00ff_ffff);
        let tp = (rng.next() % 16) as u16 + 1;
        let f = tcp_flow(1, dst, tp);
        out.push((Match::new(f, exact), 100));
        hits.push(f);
    }
    for i in 0..n * 6 / 100 {
        let f = tcp_flow(1, 0x0a00_0000 | ((i as u32 * 7919) & 0xffff) << 8, 0);
        out.push((Match::new(f, prefix(24)), 30));
    }
    for i in 0..(n * 2 / 100).max(1) {
        let f = tcp_flow(1, 0x0a00_0000 | ((i as u32 * 31) & 0xff) << 16, 0);
        out.push((Match::new(f, prefix(16)), 20));
    }
    for i in 0..8u32 {
        out.push((Match::new(tcp_flow(1, (10 + i) << 24, 0), prefix(8)), 10));
    }
    while out.len() + 4 < n {
        let mut f = Flow::new();
        f.set_dl_dst(0x0400_0000_0000 | (rng.next() & 0xffff_ffff));
        out.push((Match::new(f, l2), 200));
    }
    for p in 1..=4u16 {
        let mut f = Flow::new();
        f.set_in_port(p + 100);
        out.push((Match::new(f, port), 1));
    }
    (out, hits)
}

fn build(n: usize) -> (Classifier<u32>, Vec<Flow>) {
    let (rs, hits) = rules(n);
    let mut c = Classifier::new();
    for (i, (m, p)) in rs.into_iter().enumerate() {
        let _ = c.insert(m, p, i as u32, 0);
    }
    (c, hits)
}

/// Flows matching nothing: another /8, another port.
fn misses(k: usize) -> Vec<Flow> {
    let mut rng = Rng(12345);
    (0..k)
        .map(|_| tcp_flow(7, 0xc0a8_0000 | (rng.next() as u32 & 0xffff), 80))
        .collect()
}

fn bench_lookup(c: &mut Criterion) {
    const BATCH: usize = 1024;
    let mut g = c.benchmark_group("lookup");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .throughput(Throughput::Elements(BATCH as u64));
    for n in [1_000usize, 10_000, 100_000] {
        let (cls, hits) = build(n);
        // Spread over the whole table, so large tables pay their cache misses.
        let step = (hits.len() / BATCH).max(1);
        let hit_flows: Vec<Flow> = hits
            .iter()
            .step_by(step)
            .cycle()
            .take(BATCH)
            .copied()
            .collect();
        // Addresses under the 10/8 prefixes but (almost always) not exact rules: these miss
        // the big exact subtable and end on a /24, /16 or /8 rule.
        let mut rng = Rng(777);
        let prefix_flows: Vec<Flow> = (0..BATCH)
            .map(|_| tcp_flow(1, 0x0a00_0000 | (rng.next() as u32 & 0x00ff_ffff), 999))
            .collect();
        let miss_flows = misses(BATCH);
        g.bench_with_input(BenchmarkId::new("hit", n), &hit_flows, |b, flows| {
            b.iter(|| {
                let mut found = 0u32;
                for f in flows {
                    found += u32::from(cls.lookup_no_wc(0, black_box(f)).is_some());
                }
                found
            })
        });
        g.bench_with_input(BenchmarkId::new("hit_wc", n), &hit_flows, |b, flows| {
            b.iter(|| {
                let mut found = 0u32;
                for f in flows {
                    let mut wc = FlowWildcards::catchall();
                    found += u32::from(cls.lookup(0, black_box(f), &mut wc).is_some());
                }
                found
            })
        });
        g.bench_with_input(
            BenchmarkId::new("prefix_wc", n),
            &prefix_flows,
            |b, flows| {
                b.iter(|| {
                    let mut found = 0u32;
                    for f in flows {
                        let mut wc = FlowWildcards::catchall();
                        found += u32::from(cls.lookup(0, black_box(f), &mut wc).is_some());
                    }
                    found
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("miss_wc", n), &miss_flows, |b, flows| {
            b.iter(|| {
                let mut found = 0u32;
                for f in flows {
                    let mut wc = FlowWildcards::catchall();
                    found += u32::from(cls.lookup(0, black_box(f), &mut wc).is_some());
                }
                found
            })
        });
    }
    g.finish();
}

fn bench_insert(c: &mut Criterion) {
    let mut g = c.benchmark_group("insert");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    let (rs, _) = rules(10_000);
    g.throughput(Throughput::Elements(rs.len() as u64));
    g.bench_function("10k", |b| {
        b.iter(|| {
            let mut c = Classifier::new();
            for (i, (m, p)) in rs.iter().enumerate() {
                let _ = c.insert(*m, *p, i as u32, 0);
            }
            c.len()
        })
    });
    g.finish();
}

/// One-shot figures criterion does not report: 100k-rule insertion rate, memory per rule,
/// subtables, and how much un-wildcarding the tries save.
fn report_figures(_c: &mut Criterion) {
    let (rs, _) = rules(100_000);
    let start = Instant::now();
    let mut c = Classifier::new();
    for (i, (m, p)) in rs.iter().enumerate() {
        let _ = c.insert(*m, *p, i as u32, 0);
    }
    let took = start.elapsed();
    let empty = Classifier::<u32>::new().memory_estimate();
    println!(
        "insert 100k rules: {:.1} ms ({:.0} rules/s); {} subtables; memory ~{} bytes/rule",
        took.as_secs_f64() * 1e3,
        rs.len() as f64 / took.as_secs_f64(),
        c.n_subtables(),
        (c.memory_estimate() - empty) / rs.len()
    );
    let miss = misses(1);
    let mut wc = FlowWildcards::catchall();
    let _ = c.lookup(0, &miss[0], &mut wc);
    println!(
        "miss megaflow: nw_dst mask {:#010x}, {} significant bits in total",
        wc.get(FieldId::IpDst),
        wc.count_ones()
    );
    let mut wc = FlowWildcards::catchall();
    let f = tcp_flow(1, 0x0bff_fffe, 999);
    let r = c.lookup(0, &f, &mut wc).map(|r| r.priority());
    println!(
        "prefix-rule megaflow (priority {r:?}): nw_dst mask {:#010x}",
        wc.get(FieldId::IpDst)
    );
}

criterion_group!(benches, report_figures, bench_lookup, bench_insert);
criterion_main!(benches);
