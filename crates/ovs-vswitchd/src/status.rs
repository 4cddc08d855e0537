//! The database side of ovs-vswitchd: keep a replica of `Open_vSwitch`, reconfigure the
//! switch whenever it changes, and write back what Open vSwitch reports — interface
//! `ofport`/`error`/`mac_in_use`/`ifindex`/`admin_state`/`link_state`, bridge
//! `datapath_id`, the root row's `cur_cfg` (which `ovs-vsctl --wait` waits for), version and
//! capability columns — and, periodically, interface statistics.
//!
//! The loop reconnects (with a growing delay, at most 8 s) when the server goes away.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ovsdb::{Atom, Datum};
use ovsdb_idl::{Client, CommitStatus, Replica, Txn};
use uuid::Uuid;

use crate::config::read_config;
use crate::upcall::lock;
use crate::vswitch::IfaceStatus;
use crate::Shared;

/// How often interface statistics are written (Open vSwitch's default `stats-update-interval`).
const STATS_INTERVAL: Duration = Duration::from_secs(5);

fn s(v: &str) -> Datum {
    Datum::scalar(Atom::String(v.to_string()))
}

fn opt_s(v: Option<&str>) -> Datum {
    match v {
        Some(x) => s(x),
        None => Datum::set(Vec::new()),
    }
}

fn int(v: i64) -> Datum {
    Datum::scalar(Atom::Integer(v))
}

fn smap(m: &BTreeMap<String, String>) -> Datum {
    Datum::map(
        m.iter()
            .map(|(k, v)| (Atom::String(k.clone()), Atom::String(v.clone())))
            .collect(),
    )
}

fn imap(m: &BTreeMap<String, i64>) -> Datum {
    Datum::map(
        m.iter()
            .map(|(k, v)| (Atom::String(k.clone()), Atom::Integer(*v)))
            .collect(),
    )
}

/// Writes `value` into `txn` unless the replica already holds it.
fn put(txn: &mut Txn, r: &Replica, table: &str, uuid: &Uuid, col: &str, value: Datum) {
    if r.get(table, uuid, col) != Some(&value) {
        txn.write(table, uuid, col, value);
    }
}

/// Builds the status transaction for the current state. `with_stats` adds statistics.
fn build_status(shared: &Shared, r: &Replica, next_cfg: i64, root: Uuid, with_stats: bool) -> Txn {
    let mut txn = Txn::new(r);
    // Controllers first: this takes the switch's lock itself.
    for (u, col, v) in crate::controller::status_columns(shared, with_stats) {
        if r.row("Controller", &u).is_some() && (col != "status" || with_stats) {
            put(&mut txn, r, "Controller", &u, col, v);
        }
    }
    let vs = lock(&shared.vs);
    let statuses: Vec<(Uuid, IfaceStatus)> =
        vs.status.iter().map(|(u, st)| (*u, st.clone())).collect();
    for (u, st) in statuses {
        if r.row("Interface", &u).is_none() {
            continue;
        }
        put(&mut txn, r, "Interface", &u, "ofport", int(st.ofport));
        put(
            &mut txn,
            r,
            "Interface",
            &u,
            "error",
            opt_s(st.error.as_deref()),
        );
        put(
            &mut txn,
            r,
            "Interface",
            &u,
            "mac_in_use",
            opt_s(st.mac_in_use.as_deref()),
        );
        put(
            &mut txn,
            r,
            "Interface",
            &u,
            "ifindex",
            match st.ifindex {
                Some(i) => int(i),
                None => Datum::set(Vec::new()),
            },
        );
        let state = st.up.map(|u| if u { "up" } else { "down" });
        put(
            &mut txn,
            r,
            "Interface",
            &u,
            "admin_state",
            opt_s(st.up.map(|_| "up")),
        );
        put(&mut txn, r, "Interface", &u, "link_state", opt_s(state));
    }
    for br in vs.bridges.values() {
        if r.row("Bridge", &br.uuid).is_none() {
            continue;
        }
        put(
            &mut txn,
            r,
            "Bridge",
            &br.uuid,
            "datapath_id",
            s(&format!("{:016x}", br.datapath_id)),
        );
        put(
            &mut txn,
            r,
            "Bridge",
            &br.uuid,
            "datapath_version",
            s("<built-in>"),
        );
        if with_stats {
            for i in br.ifaces.values() {
                let (Some(u), Some(dev)) = (i.uuid, vs.dp.netdev(i.odp_port)) else {
                    continue;
                };
                if r.row("Interface", &u).is_none() {
                    continue;
                }
                if let Ok(st) = dev.stats() {
                    let m: BTreeMap<String, i64> = [
                        ("collisions", st.collisions),
                        ("rx_bytes", st.rx_bytes),
                        ("rx_dropped", st.rx_dropped),
                        ("rx_errors", st.rx_errors),
                        ("rx_packets", st.rx_packets),
                        ("tx_bytes", st.tx_bytes),
                        ("tx_dropped", st.tx_dropped),
                        ("tx_errors", st.tx_errors),
                        ("tx_packets", st.tx_packets),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v as i64))
                    .collect();
                    put(&mut txn, r, "Interface", &u, "statistics", imap(&m));
                }
            }
        }
    }
    drop(vs);
    put(&mut txn, r, "Open_vSwitch", &root, "cur_cfg", int(next_cfg));
    put(
        &mut txn,
        r,
        "Open_vSwitch",
        &root,
        "ovs_version",
        s("3.1.0"),
    );
    put(
        &mut txn,
        r,
        "Open_vSwitch",
        &root,
        "datapath_types",
        Datum::set(vec![
            Atom::String("netdev".into()),
            Atom::String("system".into()),
        ]),
    );
    put(
        &mut txn,
        r,
        "Open_vSwitch",
        &root,
        "iface_types",
        Datum::set(
            ["internal", "patch", "system", "tap"]
                .iter()
                .map(|t| Atom::String(t.to_string()))
                .collect(),
        ),
    );
    let _ = smap;
    txn
}

/// Connects to the database (retrying), then reconfigures and reports until the
/// connection drops; then starts over.
pub async fn db_loop(shared: Arc<Shared>, addr: stream::Address, ctx: Arc<stream::Context>) {
    let vlog = vlog::global();
    let mut backoff = Duration::from_millis(100);
    loop {
        let mut client = match Client::connect(&addr, &ctx, "Open_vSwitch", &None).await {
            Ok(c) => {
                backoff = Duration::from_millis(100);
                c
            }
            Err(e) => {
                vlog.log(
                    "ovsdb_idl",
                    vlog::Level::Warn,
                    &format!("{addr}: database connection failed ({e})"),
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(8));
                continue;
            }
        };
        let mut last_stats = tokio::time::Instant::now();
        loop {
            let cfg = read_config(client.replica());
            {
                let mut vs = lock(&shared.vs);
                vs.reconcile(&cfg);
                for w in &cfg.warnings {
                    vlog.log("bridge", vlog::Level::Warn, w);
                }
                for (warn, m) in vs.log.drain(..) {
                    let level = if warn {
                        vlog::Level::Warn
                    } else {
                        vlog::Level::Info
                    };
                    vlog.log("bridge", level, &m);
                }
            }
            let outbox: Vec<_> = lock(&shared.vs).outbox.drain(..).collect();
            for (sw, out) in outbox {
                crate::ofconn::dispatch(&shared, &sw, out);
            }
            crate::ofconn::sync_listeners(&shared);
            crate::controller::sync_controllers(&shared);
            crate::sflow::sync(&shared);
            crate::netflow::sync(&shared);
            crate::mirror::sync(&shared, client.replica());
            crate::bonds::sync(&shared, client.replica());
            let with_stats = last_stats.elapsed() >= STATS_INTERVAL;
            if with_stats {
                last_stats = tokio::time::Instant::now();
            }
            if let Some(root) = cfg.root {
                let txn = build_status(&shared, client.replica(), cfg.next_cfg, root, with_stats);
                match client.commit(&txn).await {
                    Ok(CommitStatus::Error(e)) => vlog.log(
                        "bridge",
                        vlog::Level::Warn,
                        &format!("status update failed: {e}"),
                    ),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            tokio::select! {
                r = client.wait_for_update() => if r.is_err() { break },
                _ = shared.kick.notified() => {}
                _ = tokio::time::sleep(STATS_INTERVAL) => {}
            }
        }
        vlog.log(
            "ovsdb_idl",
            vlog::Level::Info,
            &format!("{addr}: connection dropped"),
        );
    }
}
