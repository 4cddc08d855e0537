//! Table-size benchmark without a daemon: feeds `N` (default 100,000) encoded OpenFlow 1.0
//! flow_mods (`priority=100,tcp,nw_dst=10.a.b.c,tp_dst=P,actions=drop`, what
//! `scripts/bench/flows.sh` installs) through [`ofswitch::Switch::receive`] with a trivial
//! environment, then dumps them with one flow-stats request and deletes them with one
//! delete flow_mod, printing the wall-clock and CPU time of each step (the CPU time, from
//! `/proc/thread-self/schedstat`, is what to compare on a loaded machine) and the process's
//! resident memory (`VmRSS`) before and after the adds. The encoded messages are built
//! beforehand and are part of the "before" figure.
//!
//! Run: `cargo run --release -p ofswitch --example flow_bench [N]`.

use std::time::Instant;

use ofproto::Snapshot;
use ofswitch::{ConnKind, Outgoing, PortCounters, Switch, SwitchEnv, SwitchInfo};
use openflow::msgs::flow::{fmc, FlowMod as WireFlowMod, FlowStatsRequest};
use openflow::msgs::hello::Hello;
use openflow::msgs::ofpp;
use openflow::{Message, OfpErr, OfpMsg, Version};

struct Env;

impl SwitchEnv for Env {
    fn now_ms(&self) -> u64 {
        1000
    }
    fn port_counters(&self, _p: u16) -> Option<PortCounters> {
        Some(PortCounters::default())
    }
    fn packet_out(
        &mut self,
        _snap: &Snapshot,
        _in_port: u16,
        _actions: &[ofp_actions::Action],
        _packet: &[u8],
    ) -> Result<(), OfpErr> {
        Ok(())
    }
    fn port_mod(&mut self, _p: u16, _c: u32, _m: u32) -> Result<(), OfpErr> {
        Ok(())
    }
    fn tables_changed(&mut self, _snap: &Snapshot) {}
    fn fold_stats(&mut self, _snap: &mut Snapshot) {}
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time this thread has run, in nanoseconds (`/proc/thread-self/schedstat`), so that
/// the figures mean something on a loaded machine too.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn enc(xid: u32, body: Message) -> Vec<u8> {
    OfpMsg {
        version: Version::Of10,
        xid,
        raw: None,
        stats_flags: 0,
        body,
    }
    .encode()
    .expect("encode")
}

fn sent_bytes(out: &[Outgoing]) -> (usize, usize) {
    out.iter().fold((0, 0), |(n, b), o| match o {
        Outgoing::Send(_, v) => (n + 1, b + v.len()),
        Outgoing::Close(_) => (n, b),
    })
}

fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut sw = Switch::new("br0", SwitchInfo::new(1));
    let mut env = Env;
    let (c, _) = sw.open_conn(ConnKind::Service, 0);
    let hello = enc(1, Message::Hello(Hello::with_versions(&[Version::Of10])));
    let _ = sw.receive(c, &hello, &mut env);

    let msgs: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let (a, b, cc) = ((i >> 16) & 255, (i >> 8) & 255, i & 255);
            let s = format!("tcp,nw_dst=10.{a}.{b}.{cc},tp_dst={}", 1 + i % 60000);
            let m = flow::parse_match(&s, None).expect("match");
            let mut fm = WireFlowMod::new(Version::Of10, fmc::ADD, m);
            fm.priority = 100;
            enc(i + 2, Message::FlowMod(fm))
        })
        .collect();
    let rss0 = rss_kib();
    let t = Instant::now();
    let c0 = cpu_ns();
    let mut errors = 0usize;
    for m in &msgs {
        errors += sent_bytes(&sw.receive(c, m, &mut env)).0;
    }
    let add = t.elapsed();
    let add_cpu = cpu_ns().saturating_sub(c0);
    drop(msgs);
    let rss1 = rss_kib();
    println!(
        "rule size {} bytes",
        std::mem::size_of::<ofproto_tables::Rule<ofproto::OfActions>>()
    );
    println!(
        "add {n} flows: {:.3} s, cpu {:.1} ms ({errors} replies), rules {}",
        add.as_secs_f64(),
        ms(add_cpu),
        sw.snap.tables.total_rules()
    );
    println!(
        "RSS before {:.1} MiB, after {:.1} MiB (+{:.1} MiB)",
        rss0 as f64 / 1024.0,
        rss1 as f64 / 1024.0,
        rss1.saturating_sub(rss0) as f64 / 1024.0
    );

    let req = FlowStatsRequest {
        table_id: 0xff,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        cookie: 0,
        cookie_mask: 0,
        match_: flow::Match::catchall(),
    };
    let t = Instant::now();
    let c0 = cpu_ns();
    let out = sw.receive(c, &enc(9, Message::FlowStatsRequest(req)), &mut env);
    let dump = t.elapsed();
    let dump_cpu = cpu_ns().saturating_sub(c0);
    let (nmsg, nbytes) = sent_bytes(&out);
    drop(out);
    println!(
        "dump-flows: {:.3} s, cpu {:.1} ms ({nmsg} replies, {} KiB)",
        dump.as_secs_f64(),
        ms(dump_cpu),
        nbytes / 1024
    );

    let del = WireFlowMod::new(Version::Of10, fmc::DELETE, flow::Match::catchall());
    let t = Instant::now();
    let c0 = cpu_ns();
    let out = sw.receive(c, &enc(10, Message::FlowMod(del)), &mut env);
    let del_cpu = cpu_ns().saturating_sub(c0);
    println!(
        "del-flows: {:.3} s, cpu {:.1} ms ({} replies), rules left {}",
        t.elapsed().as_secs_f64(),
        ms(del_cpu),
        sent_bytes(&out).0,
        sw.snap.tables.total_rules()
    );
}
