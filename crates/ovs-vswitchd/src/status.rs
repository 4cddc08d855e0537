//! The database side of ovs-vswitchd: keep a replica of `Open_vSwitch`, reconfigure the
//! switch whenever it changes, and write back what Open vSwitch reports — interface
//! `ofport`/`error`/`mac_in_use`/`ifindex`/`admin_state`/`link_state`, bridge
//! `datapath_id`, the root row's `cur_cfg` (which `ovs-vsctl --wait` waits for), version and
//! capability columns — and, periodically, interface statistics.
//!
//! Work per database change is kept proportional to what changed, so that a host with
//! thousands of ports answers each `ovs-vsctl --wait` quickly:
//!
//! * the switch is reconfigured only when an update touched something other than the
//!   status columns ovs-vswitchd itself writes ([`STATUS_COLUMNS`]; the echo of its own
//!   status transaction is such an update), when a link-state change woke it no
//!   reconfiguration is done either, and every few seconds it is reconfigured anyway (to
//!   retry interfaces that failed);
//! * the status transaction compares only the interfaces whose status differs from what
//!   the last committed transaction wrote ([`Written`]); all of them are compared with the
//!   database again with each statistics pass, after a failed transaction and after a
//!   reconnection.
//!
//! The loop reconnects (with a growing delay, at most 8 s) when the server goes away.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ovsdb::{Atom, Datum};
use ovsdb_idl::{Changes, Client, CommitStatus, Replica, Txn};
use uuid::Uuid;

use crate::config::{read_config_changed, Config};
use crate::upcall::lock;
use crate::vswitch::IfaceStatus;
use crate::Shared;

/// Columns ovs-vswitchd writes and never reads as configuration: changes to them alone
/// (usually the echo of its own status transaction) need no reconfiguration.
const STATUS_COLUMNS: &[(&str, &[&str])] = &[
    (
        "Open_vSwitch",
        &[
            "cur_cfg",
            "ovs_version",
            "db_version",
            "system_type",
            "system_version",
            "datapath_types",
            "iface_types",
            "statistics",
            "dpdk_initialized",
            "dpdk_version",
        ],
    ),
    (
        "Bridge",
        &["datapath_id", "datapath_version", "status", "rstp_status"],
    ),
    (
        "Port",
        &[
            "statistics",
            "status",
            "rstp_status",
            "rstp_statistics",
            "bond_active_slave",
        ],
    ),
    (
        "Interface",
        &[
            "ofport",
            "error",
            "mac_in_use",
            "ifindex",
            "admin_state",
            "link_state",
            "link_resets",
            "link_speed",
            "duplex",
            "mtu",
            "statistics",
            "status",
            "lacp_current",
            "bfd_status",
            "cfm_fault",
            "cfm_fault_status",
            "cfm_remote_mpids",
            "cfm_remote_opstate",
            "cfm_health",
            "cfm_flap_count",
        ],
    ),
    ("Mirror", &["statistics"]),
    ("Controller", &["is_connected", "role", "status"]),
    ("Manager", &["is_connected", "status"]),
];

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

/// Interface statuses the database is known to hold (written by a committed status
/// transaction, or found there), so that each pass compares only the interfaces whose
/// status changed since, not every interface's columns. Forgotten when a status
/// transaction fails or the connection is re-established.
pub type Written = BTreeMap<Uuid, IfaceStatus>;

/// Writes the status columns of interface `u` that differ from `st`.
fn put_iface(txn: &mut Txn, r: &Replica, u: &Uuid, st: &IfaceStatus) {
    put(txn, r, "Interface", u, "ofport", int(st.ofport));
    put(txn, r, "Interface", u, "error", opt_s(st.error.as_deref()));
    put(
        txn,
        r,
        "Interface",
        u,
        "mac_in_use",
        opt_s(st.mac_in_use.as_deref()),
    );
    put(
        txn,
        r,
        "Interface",
        u,
        "ifindex",
        match st.ifindex {
            Some(i) => int(i),
            None => Datum::set(Vec::new()),
        },
    );
    let state = st.up.map(|u| if u { "up" } else { "down" });
    put(
        txn,
        r,
        "Interface",
        u,
        "admin_state",
        opt_s(st.up.map(|_| "up")),
    );
    put(txn, r, "Interface", u, "link_state", opt_s(state));
}

/// Builds the status transaction for the current state. `with_stats` adds statistics.
/// `written` is what the database holds already; the statuses this transaction will
/// have written once committed are returned, to replace it on success.
fn build_status(
    shared: &Shared,
    r: &Replica,
    next_cfg: i64,
    root: Uuid,
    with_stats: bool,
    written: &Written,
) -> (Txn, Written) {
    let mut txn = Txn::new(r);
    // Controllers first: this takes the switch's lock itself.
    for (u, col, v) in crate::controller::status_columns(shared, with_stats) {
        if r.row("Controller", &u).is_some() {
            put(&mut txn, r, "Controller", &u, col, v);
        }
    }
    let vs = lock(&shared.vs);
    let mut now_written = Written::new();
    for (u, st) in &vs.status {
        if written.get(u) == Some(st) {
            now_written.insert(*u, st.clone());
            continue;
        }
        if r.row("Interface", u).is_none() {
            continue;
        }
        put_iface(&mut txn, r, u, st);
        now_written.insert(*u, st.clone());
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
    (txn, now_written)
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
        let mut last_reconfigure = tokio::time::Instant::now();
        let mut cfg = Config::default();
        let mut written = Written::new();
        let mut reconfigure = true;
        client.take_changes();
        let mut changes = Changes {
            all: true,
            ..Changes::default()
        };
        loop {
            if reconfigure {
                cfg = read_config_changed(client.replica(), std::mem::take(&mut cfg), &changes);
                last_reconfigure = tokio::time::Instant::now();
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
            }
            let with_stats = last_stats.elapsed() >= STATS_INTERVAL;
            if with_stats {
                last_stats = tokio::time::Instant::now();
            }
            if let Some(root) = cfg.root {
                // With the statistics, every status is compared with the database again
                // (so that a status column someone else overwrote is put right).
                if with_stats {
                    written.clear();
                }
                let (txn, now_written) = build_status(
                    &shared,
                    client.replica(),
                    cfg.next_cfg,
                    root,
                    with_stats,
                    &written,
                );
                match client.commit(&txn).await {
                    Ok(CommitStatus::Success { .. } | CommitStatus::Unchanged) => {
                        written = now_written;
                    }
                    Ok(CommitStatus::Error(e)) => {
                        written.clear();
                        vlog.log(
                            "bridge",
                            vlog::Level::Warn,
                            &format!("status update failed: {e}"),
                        );
                    }
                    Ok(CommitStatus::TryAgain) => written.clear(),
                    Err(_) => break,
                }
            }
            // Reconfigure when the configuration changed, not for the echo of our own
            // status writes (a host with many ports would redo everything twice per change),
            // nor when only link states changed (`kick`); and periodically, to retry what
            // failed.
            tokio::select! {
                r = client.wait_for_update() => if r.is_err() { break },
                _ = shared.kick.notified() => {}
                _ = tokio::time::sleep(STATS_INTERVAL) => {}
            }
            changes = client.take_changes();
            reconfigure =
                changes.any_except(STATUS_COLUMNS) || last_reconfigure.elapsed() >= STATS_INTERVAL;
        }
        vlog.log(
            "ovsdb_idl",
            vlog::Level::Info,
            &format!("{addr}: connection dropped"),
        );
    }
}
