//! Crash safety: ovsdb-server is killed with SIGKILL again and again while clients commit; after
//! each restart every acknowledged transaction must be present, and no transaction may be half
//! applied.
//!
//! Each transaction inserts two rows that reference each other's name (`<id>-a` and `<id>-b`),
//! so a half-applied transaction shows up as a lone row. Clients record a transaction id as
//! acknowledged only when the server's reply says it committed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use testkit::ovsdb::{create_db, start_server, Impl, RpcClient};
use testkit::{wait_until, Sandbox};

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/test.ovsschema")
}

fn committed(result: &Value) -> bool {
    result
        .as_array()
        .map(|ops| !ops.is_empty() && ops.iter().all(|r| r.get("error").is_none()))
        .unwrap_or(false)
}

fn names_in_db(socket: &Path) -> Vec<String> {
    let mut c = RpcClient::connect(socket, Duration::from_secs(20)).expect("connect");
    let r = c
        .transact(
            "Test",
            &[json!({"op": "select", "table": "Root", "where": [], "columns": ["name"]})],
        )
        .expect("select");
    r[0]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row["name"].as_str().expect("name").to_string())
        .collect()
}

fn crash_loop(which: Impl, rounds: usize) {
    let mut sb = Sandbox::new("crash");
    let db = sb.dbdir().join("crash.db");
    create_db(&sb, which, &db, &schema());
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let next_id = Arc::new(AtomicUsize::new(0));
    for round in 0..rounds {
        let server = start_server(&mut sb, which, &format!("db{round}"), &db, &[]);
        // Everything acknowledged so far survived the previous kill, and nothing is half done.
        let present: BTreeSet<String> = names_in_db(&server.socket).into_iter().collect();
        for id in acked.lock().unwrap().iter() {
            for half in ["a", "b"] {
                assert!(
                    present.contains(&format!("{id}-{half}")),
                    "round {round}: acknowledged transaction {id} lost ({which:?})"
                );
            }
        }
        for name in &present {
            let (id, half) = name.rsplit_once('-').expect("id-half");
            let other = if half == "a" { "b" } else { "a" };
            assert!(
                present.contains(&format!("{id}-{other}")),
                "round {round}: transaction {id} half applied ({which:?})"
            );
        }
        // Clients commit while we wait for some acknowledgements, then SIGKILL mid-stream.
        let stop = Arc::new(AtomicBool::new(false));
        let acked_before = acked.lock().unwrap().len();
        let mut threads = Vec::new();
        for _ in 0..4 {
            let socket = server.socket.clone();
            let (acked, next_id, stop) = (acked.clone(), next_id.clone(), stop.clone());
            threads.push(std::thread::spawn(move || {
                let Ok(mut c) = RpcClient::connect(&socket, Duration::from_secs(5)) else {
                    return;
                };
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("t{}", next_id.fetch_add(1, Ordering::Relaxed));
                    let ops = [
                        json!({"op": "insert", "table": "Root", "row": {"name": format!("{id}-a")}}),
                        json!({"op": "insert", "table": "Root", "row": {"name": format!("{id}-b")}}),
                    ];
                    match c.transact("Test", &ops) {
                        Ok(r) if committed(&r) => {
                            acked.lock().unwrap().insert(id);
                        }
                        _ => return, // killed mid-request: outcome unknown, not acknowledged
                    }
                }
            }));
        }
        wait_until(
            "some transactions to be acknowledged",
            Duration::from_secs(30),
            || acked.lock().unwrap().len() >= acked_before + 20 + round * 7 % 30,
        )
        .expect("progress");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(server.pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .ok();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().expect("client thread");
        }
        for d in sb.daemons() {
            if d.pid() == server.pid {
                d.stop(Duration::from_secs(5));
            }
        }
    }
    assert!(acked.lock().unwrap().len() > rounds * 20);
}

#[test]
fn acknowledged_transactions_survive_sigkill() {
    crash_loop(Impl::Ours, 15);
}

/// The same loop against the reference validates the test itself.
#[test]
fn reference_passes_the_same_test() {
    if !testkit::reference::require("reference_passes_the_same_test", &["ovsdb-server"]) {
        return;
    }
    crash_loop(Impl::Reference, 5);
}
