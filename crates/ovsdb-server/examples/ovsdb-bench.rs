//! End-to-end OVSDB benchmark: ferroswitch's ovsdb-server against Debian's, side by side.
//!
//! ```text
//! cargo run --release -p ovsdb-server --example ovsdb-bench [-- --quick]
//! ```
//!
//! Both servers run on fresh databases of the same schema in private sandboxes, over unix
//! sockets, driven by the same client code. Workloads:
//! - small inserts: one-row `insert` transactions from 1 client and from 8, 32 and 100
//!   concurrent clients;
//! - bulk: transactions that insert 1,000 rows each;
//! - monitor fan-out: 100 clients monitor a table while one client commits; the time until every
//!   client has seen every update;
//! - memory: the server's resident set size after the workloads.
//!
//! The machine is shared and noisy, so the figures that matter are the ratios printed last.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use testkit::ovsdb::{create_db, start_server, Impl, RpcClient, ServerHandle};
use testkit::Sandbox;

const DB: &str = "Test";

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/test.ovsschema")
}

fn connect(server: &ServerHandle) -> RpcClient {
    RpcClient::connect(&server.socket, Duration::from_secs(60)).expect("connect")
}

fn check(result: &Value) {
    let ok = result
        .as_array()
        .map(|ops| ops.iter().all(|r| r.get("error").is_none()))
        .unwrap_or(false);
    assert!(ok, "transaction failed: {result}");
}

/// `clients` clients each commit `per_client` one-row inserts; returns transactions/second.
fn small_inserts(server: &ServerHandle, clients: usize, per_client: usize, tag: &str) -> f64 {
    let barrier = Arc::new(Barrier::new(clients + 1));
    let mut threads = Vec::new();
    for c in 0..clients {
        let mut client = connect(server);
        let barrier = barrier.clone();
        let tag = tag.to_string();
        threads.push(std::thread::spawn(move || {
            barrier.wait();
            for i in 0..per_client {
                let op = json!({"op": "insert", "table": "Root",
                                "row": {"name": format!("{tag}-{c}-{i}"), "i": (i % 1000) as i64}});
                check(&client.transact(DB, &[op]).expect("transact"));
            }
        }));
    }
    barrier.wait();
    let start = Instant::now();
    for t in threads {
        t.join().expect("client thread");
    }
    (clients * per_client) as f64 / start.elapsed().as_secs_f64()
}

/// `txns` transactions of 1,000 inserted rows each; returns rows/second.
fn bulk_inserts(server: &ServerHandle, txns: usize) -> f64 {
    let mut client = connect(server);
    let start = Instant::now();
    for t in 0..txns {
        let ops: Vec<Value> = (0..1000)
            .map(|i| {
                json!({"op": "insert", "table": "Root",
                       "row": {"name": format!("bulk-{t}-{i}"), "tags": ["set", [1, 2, 3]],
                               "kv": ["map", [["k", format!("v{i}")]]]}})
            })
            .collect();
        check(&client.transact(DB, &ops).expect("transact"));
    }
    (txns * 1000) as f64 / start.elapsed().as_secs_f64()
}

/// `watchers` clients monitor table Leaf; one client commits `updates` transactions; returns
/// delivered updates per second (watchers x updates / time until the last watcher has all).
fn monitor_fanout(server: &ServerHandle, watchers: usize, updates: usize) -> f64 {
    let barrier = Arc::new(Barrier::new(watchers + 1));
    let mut threads = Vec::new();
    for w in 0..watchers {
        let mut client = connect(server);
        let reply = client
            .call(
                "monitor",
                json!([DB, format!("w{w}"), {"Leaf": {"columns": ["v"]}}]),
            )
            .expect("monitor");
        assert!(reply["error"].is_null(), "monitor failed: {reply}");
        let barrier = barrier.clone();
        threads.push(std::thread::spawn(move || {
            barrier.wait();
            let mut seen = 0;
            while seen < updates {
                let n = client.next_notification().expect("notification");
                if n["method"] == "update" {
                    seen += n["params"][1]["Leaf"]
                        .as_object()
                        .map(|rows| rows.len())
                        .unwrap_or(0);
                }
            }
        }));
    }
    let mut writer = connect(server);
    barrier.wait();
    let start = Instant::now();
    for i in 0..updates {
        // Leaf is not a root table: each new Leaf is kept alive through a Child that a new Root
        // row references.
        let ops = [
            json!({"op": "insert", "table": "Leaf", "row": {"v": i as i64}, "uuid-name": "l"}),
            json!({"op": "insert", "table": "Child", "row": {"name": format!("c{i}"), "leaf": ["named-uuid", "l"]}, "uuid-name": "c"}),
            json!({"op": "insert", "table": "Root", "row": {"name": format!("fan-{i}"), "children": ["named-uuid", "c"]}}),
        ];
        check(&writer.transact(DB, &ops).expect("transact"));
    }
    for t in threads {
        t.join().expect("watcher thread");
    }
    (watchers * updates) as f64 / start.elapsed().as_secs_f64()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

struct Figures {
    serial: f64,
    concurrent: f64,
    concurrent32: f64,
    concurrent100: f64,
    bulk: f64,
    fanout: f64,
    rss_kib: u64,
}

fn measure(which: Impl, quick: bool) -> Figures {
    let mut sb = Sandbox::new("bench");
    let db = sb.dbdir().join("bench.db");
    create_db(&sb, which, &db, &schema());
    let server = start_server(&mut sb, which, "db", &db, &[]);
    let scale = if quick { 1 } else { 5 };
    let serial = small_inserts(&server, 1, 400 * scale, "s");
    let concurrent = small_inserts(&server, 8, 100 * scale, "c");
    let concurrent32 = small_inserts(&server, 32, 50 * scale, "m");
    let concurrent100 = small_inserts(&server, 100, 20 * scale, "h");
    let bulk = bulk_inserts(&server, 4 * scale);
    let fanout = monitor_fanout(&server, 100, 20 * scale);
    let rss_kib = rss_kib(server.pid);
    Figures {
        serial,
        concurrent,
        concurrent32,
        concurrent100,
        bulk,
        fanout,
        rss_kib,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    if std::env::args().any(|a| a == "--only-ours") {
        let ours = measure(Impl::Ours, quick);
        println!(
            "ferroswitch: {:.0} t/s serial, {:.0} t/s 8 clients, {:.0} t/s 32 clients, \
             {:.0} t/s 100 clients, {:.0} rows/s bulk, {:.0} updates/s fan-out, {} KiB RSS",
            ours.serial,
            ours.concurrent,
            ours.concurrent32,
            ours.concurrent100,
            ours.bulk,
            ours.fanout,
            ours.rss_kib
        );
        return;
    }
    let theirs = measure(Impl::Reference, quick);
    if std::env::args().any(|a| a == "--only-reference") {
        println!(
            "Open vSwitch: {:.0} t/s serial, {:.0} t/s 8 clients, {:.0} t/s 32 clients, \
             {:.0} t/s 100 clients, {:.0} rows/s bulk, {:.0} updates/s fan-out, {} KiB RSS",
            theirs.serial,
            theirs.concurrent,
            theirs.concurrent32,
            theirs.concurrent100,
            theirs.bulk,
            theirs.fanout,
            theirs.rss_kib
        );
        return;
    }
    let ours = measure(Impl::Ours, quick);
    println!(
        "{:<40} {:>14} {:>14} {:>8}",
        "workload", "ferroswitch", "Open vSwitch", "ratio"
    );
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        println!(
            "{:<40} {:>10.0} {unit:<3} {:>10.0} {unit:<3} {:>7.2}x",
            name,
            a,
            b,
            a / b
        );
    };
    row("1-row inserts, 1 client", ours.serial, theirs.serial, "t/s");
    row(
        "1-row inserts, 8 clients",
        ours.concurrent,
        theirs.concurrent,
        "t/s",
    );
    row(
        "1-row inserts, 32 clients",
        ours.concurrent32,
        theirs.concurrent32,
        "t/s",
    );
    row(
        "1-row inserts, 100 clients",
        ours.concurrent100,
        theirs.concurrent100,
        "t/s",
    );
    row("1,000-row transactions", ours.bulk, theirs.bulk, "r/s");
    row(
        "monitor fan-out to 100 clients",
        ours.fanout,
        theirs.fanout,
        "u/s",
    );
    println!(
        "{:<40} {:>10} KiB {:>10} KiB {:>7.2}x (lower is better)",
        "server RSS after the run",
        ours.rss_kib,
        theirs.rss_kib,
        ours.rss_kib as f64 / theirs.rss_kib.max(1) as f64
    );
}
