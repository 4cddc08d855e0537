//! End-to-end OVSDB benchmark: ferroswitch's ovsdb-server against Debian's, side by side.
//!
//! ```text
//! cargo run --release -p ovsdb-server --example ovsdb-bench [-- --quick]
//!     [--only-ours | --only-reference] [--workload serial|c8|c32|c100|bulk|fanout]
//!     [--scale N]
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
//! Each row also shows the server's CPU time per transaction (all its threads, from the
//! kernel's per-thread accounting), which other load on the machine barely disturbs. The
//! latency of an append plus `fdatasync` on the database disk is printed before and after:
//! ferroswitch makes each commit durable before replying and Open vSwitch does not, so with
//! few clients the rates follow that latency.

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

/// CPU time the server has used so far, all threads, in nanoseconds (from the scheduler's
/// per-thread accounting, so other processes on the machine do not distort it).
fn cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum()
}

/// The median time of an append plus `fdatasync` on the disk the databases live on, in
/// microseconds. ferroswitch makes every commit durable before replying, Open vSwitch does
/// not, so the small-transaction rows depend on this figure, which varies a lot on a shared
/// machine: it is printed with the results.
fn fdatasync_us() -> f64 {
    use std::io::Write;
    let sb = Sandbox::new("fsync-probe");
    let path = sb.dbdir().join("probe");
    let Ok(mut file) = std::fs::File::create(&path) else {
        return f64::NAN;
    };
    let mut times: Vec<f64> = (0..50)
        .filter_map(|_| {
            let start = Instant::now();
            file.write_all(&[b'x'; 300]).ok()?;
            file.sync_data().ok()?;
            Some(start.elapsed().as_secs_f64() * 1e6)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}

/// One workload's figures: its rate and the server CPU time per unit of work.
#[derive(Clone, Copy, Default)]
struct Figure {
    rate: f64,
    cpu_us: f64,
}

/// Runs `work` (which returns its rate and how many units of work it did) and measures the
/// server CPU it cost.
fn timed(server: &ServerHandle, work: impl FnOnce() -> (f64, usize)) -> Figure {
    let before = cpu_ns(server.pid);
    let (rate, units) = work();
    let used = cpu_ns(server.pid).saturating_sub(before);
    Figure {
        rate,
        cpu_us: used as f64 / 1000.0 / units.max(1) as f64,
    }
}

struct Figures {
    serial: Figure,
    concurrent: Figure,
    concurrent32: Figure,
    concurrent100: Figure,
    bulk: Figure,
    fanout: Figure,
    rss_kib: u64,
}

fn measure(which: Impl, quick: bool) -> Figures {
    let mut sb = Sandbox::new("bench");
    let db = sb.dbdir().join("bench.db");
    create_db(&sb, which, &db, &schema());
    let server = start_server(&mut sb, which, "db", &db, &[]);
    // `--scale N` multiplies the amount of work (default 5, or 1 with `--quick`).
    let scale = std::env::args()
        .skip_while(|a| a != "--scale")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(if quick { 1 } else { 5 });
    let inserts = |clients: usize, per_client: usize, tag: &str| {
        timed(&server, || {
            (
                small_inserts(&server, clients, per_client, tag),
                clients * per_client,
            )
        })
    };
    // `--workload NAME` runs only that workload (for profiling one of them).
    let only: Option<String> = std::env::args().skip_while(|a| a != "--workload").nth(1);
    let run = |name: &str, work: &dyn Fn() -> Figure| {
        if only.as_deref().is_none_or(|o| o == name) {
            work()
        } else {
            Figure::default()
        }
    };
    let serial = run("serial", &|| inserts(1, 400 * scale, "s"));
    let concurrent = run("c8", &|| inserts(8, 100 * scale, "c"));
    let concurrent32 = run("c32", &|| inserts(32, 50 * scale, "m"));
    let concurrent100 = run("c100", &|| inserts(100, 20 * scale, "h"));
    // Per transaction of 1,000 rows.
    let bulk = run("bulk", &|| {
        timed(&server, || (bulk_inserts(&server, 4 * scale), 4 * scale))
    });
    // Per committed transaction (each delivered to 100 clients).
    let fanout = run("fanout", &|| {
        timed(&server, || {
            (monitor_fanout(&server, 100, 20 * scale), 20 * scale)
        })
    });
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

fn rows(f: &Figures) -> [(&'static str, Figure, &'static str); 6] {
    [
        ("1-row inserts, 1 client", f.serial, "t/s"),
        ("1-row inserts, 8 clients", f.concurrent, "t/s"),
        ("1-row inserts, 32 clients", f.concurrent32, "t/s"),
        ("1-row inserts, 100 clients", f.concurrent100, "t/s"),
        ("1,000-row transactions", f.bulk, "r/s"),
        ("monitor fan-out to 100 clients", f.fanout, "u/s"),
    ]
}

fn print_one(who: &str, f: &Figures) {
    println!("{who}:");
    for (name, fig, unit) in rows(f) {
        println!(
            "  {name:<38} {:>10.0} {unit:<3} {:>9.1} us CPU/txn",
            fig.rate, fig.cpu_us
        );
    }
    println!("  {:<38} {:>10} KiB", "server RSS after the run", f.rss_kib);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "append + fdatasync on the database disk: {:.0} us (median of 50)",
        fdatasync_us()
    );
    if std::env::args().any(|a| a == "--only-ours") {
        print_one("ferroswitch", &measure(Impl::Ours, quick));
        return;
    }
    let theirs = measure(Impl::Reference, quick);
    if std::env::args().any(|a| a == "--only-reference") {
        print_one("Open vSwitch", &theirs);
        return;
    }
    let ours = measure(Impl::Ours, quick);
    println!(
        "{:<32} {:>14} {:>14} {:>8} {:>22}",
        "workload", "ferroswitch", "Open vSwitch", "ratio", "server CPU us/txn"
    );
    for ((name, a, unit), (_, b, _)) in rows(&ours).into_iter().zip(rows(&theirs)) {
        println!(
            "{:<32} {:>10.0} {unit:<3} {:>10.0} {unit:<3} {:>7.2}x {:>10.1} vs {:>8.1}",
            name,
            a.rate,
            b.rate,
            a.rate / b.rate,
            a.cpu_us,
            b.cpu_us
        );
    }
    println!(
        "{:<32} {:>10} KiB {:>10} KiB {:>7.2}x (lower is better)",
        "server RSS after the run",
        ours.rss_kib,
        theirs.rss_kib,
        ours.rss_kib as f64 / theirs.rss_kib.max(1) as f64
    );
    println!(
        "append + fdatasync on the database disk after the run: {:.0} us",
        fdatasync_us()
    );
}
