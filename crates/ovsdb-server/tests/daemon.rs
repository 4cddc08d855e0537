//! ovsdb-server as a daemon: the options and control commands operators and scripts use.
//!
//! `--detach --pidfile` (and Debian's `ovs-appctl -t ovsdb-server` finding it through the
//! locked pidfile), a second instance refused, `--monitor` restarting a crashed server,
//! `db:` remotes following the Manager table, `ovs-appctl` remote and compaction commands, and a
//! torn log tail dropped at start-up without losing earlier commits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use testkit::ovsdb::{create_db, Impl, RpcClient};
use testkit::{bin_path, wait_until, Sandbox};

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema")
}

fn appctl(sb: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let out = sb
        .run(
            sb.command(testkit::reference::path("ovs-appctl"))
                .args(args),
            Duration::from_secs(20),
        )
        .expect("run ovs-appctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn transact(socket: &Path, ops: &[serde_json::Value]) -> serde_json::Value {
    let mut c = RpcClient::connect(socket, Duration::from_secs(20)).expect("connect");
    c.transact("Open_vSwitch", ops).expect("transact")
}

fn detached_server(sb: &mut Sandbox, extra: &[&str]) -> PathBuf {
    let db = sb.dbdir().join("conf.db");
    if !db.exists() {
        create_db(sb, Impl::Ours, &db, &schema());
    }
    let socket = sb.rundir().join("db.sock");
    let out = sb
        .run(
            sb.command(bin_path("ovsdb-server"))
                .arg(&db)
                .arg(format!("--remote=punix:{}", socket.display()))
                .args(["--pidfile", "--detach", "--log-file"])
                .args(extra),
            Duration::from_secs(20),
        )
        .expect("run ovsdb-server --detach");
    assert!(
        out.status.success(),
        "ovsdb-server --detach failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    sb.track_pidfile(sb.rundir().join("ovsdb-server.pid"));
    socket
}

#[test]
fn detach_pidfile_and_appctl_by_name() {
    if !testkit::reference::require("detach_pidfile", &["ovs-appctl"]) {
        return;
    }
    let mut sb = Sandbox::new("detach");
    let socket = detached_server(&mut sb, &[]);
    // --detach returns only once the server is ready: no waiting needed.
    transact(
        &socket,
        &[json!({"op": "insert", "table": "Open_vSwitch", "row": {}})],
    );
    // Debian's ovs-appctl finds us through OVS_RUNDIR/ovsdb-server.pid (it checks the lock).
    let (code, out, err) = appctl(&sb, &["-t", "ovsdb-server", "ovsdb-server/list-dbs"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "Open_vSwitch\n", "")
    );
    let (code, out, _) = appctl(&sb, &["-t", "ovsdb-server", "version"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("ovsdb-server (Open vSwitch) 3.1.0"),
        "{out}"
    );

    // A second instance on the same pidfile is refused.
    let db = sb.dbdir().join("conf.db");
    let out = sb
        .run(
            sb.command(bin_path("ovsdb-server"))
                .arg(&db)
                .args(["--pidfile", "--remote=punix:second.sock"]),
            Duration::from_secs(20),
        )
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already running as pid"), "{err}");

    // exit through the control socket removes the pidfile.
    let pidfile = sb.rundir().join("ovsdb-server.pid");
    let (code, _, _) = appctl(&sb, &["-t", "ovsdb-server", "exit"]);
    assert_eq!(code, 0);
    wait_until("pidfile removed", Duration::from_secs(10), || {
        !pidfile.exists()
    })
    .unwrap();
}

#[test]
fn monitor_restarts_a_crashed_server() {
    let mut sb = Sandbox::new("monitor");
    let socket = detached_server(&mut sb, &["--monitor"]);
    transact(
        &socket,
        &[json!({"op": "insert", "table": "Open_vSwitch", "row": {}})],
    );
    let pidfile = sb.rundir().join("ovsdb-server.pid");
    let first = daemon::pidfile::read_pid(&pidfile).expect("pid");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(first as i32),
        nix::sys::signal::Signal::SIGABRT,
    )
    .unwrap();
    wait_until("a new server", Duration::from_secs(20), || {
        daemon::pidfile::read_live_pid(&pidfile).is_ok_and(|p| p != first)
            && RpcClient::connect(&socket, Duration::from_secs(2)).is_ok()
    })
    .unwrap();
    // The data survived.
    let r = transact(
        &socket,
        &[json!({"op": "select", "table": "Open_vSwitch", "where": [], "columns": ["_uuid"]})],
    );
    assert_eq!(r[0]["rows"].as_array().unwrap().len(), 1);
    // Stop both the server and its monitor: SIGTERM to the server is a clean exit, which the
    // monitor does not restart.
    let second = daemon::pidfile::read_live_pid(&pidfile).unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(second as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    wait_until("server gone", Duration::from_secs(10), || !pidfile.exists()).unwrap();
}

#[test]
fn db_remotes_follow_the_manager_table() {
    if !testkit::reference::require("db_remotes", &["ovs-appctl"]) {
        return;
    }
    let mut sb = Sandbox::new("dbremote");
    let socket = detached_server(
        &mut sb,
        &["--remote=db:Open_vSwitch,Open_vSwitch,manager_options"],
    );
    let extra = sb.rundir().join("manager.sock");
    transact(
        &socket,
        &[
            json!({"op": "insert", "table": "Manager", "row": {"target": format!("punix:{}", extra.display())}, "uuid-name": "m"}),
            json!({"op": "insert", "table": "Open_vSwitch", "row": {"manager_options": ["named-uuid", "m"]}}),
        ],
    );
    wait_until(
        "listener from the Manager row",
        Duration::from_secs(10),
        || RpcClient::connect(&extra, Duration::from_secs(2)).is_ok(),
    )
    .unwrap();
    let (code, out, _) = appctl(&sb, &["-t", "ovsdb-server", "ovsdb-server/list-remotes"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("db:Open_vSwitch,Open_vSwitch,manager_options"),
        "{out}"
    );
    // Removing the Manager row closes the listener.
    transact(
        &socket,
        &[
            json!({"op": "update", "table": "Open_vSwitch", "where": [], "row": {"manager_options": ["set", []]}}),
        ],
    );
    wait_until("listener gone", Duration::from_secs(10), || {
        RpcClient::connect(&extra, Duration::from_secs(2)).is_err()
    })
    .unwrap();
    // Remotes added and removed at run time.
    let added = sb.rundir().join("added.sock");
    let target = format!("punix:{}", added.display());
    let (code, _, err) = appctl(
        &sb,
        &["-t", "ovsdb-server", "ovsdb-server/add-remote", &target],
    );
    assert_eq!(code, 0, "{err}");
    wait_until("added remote listens", Duration::from_secs(10), || {
        RpcClient::connect(&added, Duration::from_secs(2)).is_ok()
    })
    .unwrap();
    let (code, _, _) = appctl(
        &sb,
        &["-t", "ovsdb-server", "ovsdb-server/remove-remote", &target],
    );
    assert_eq!(code, 0);
    let (code, _, err) = appctl(
        &sb,
        &["-t", "ovsdb-server", "ovsdb-server/add-remote", "bogus:x"],
    );
    assert_ne!(code, 0);
    assert!(!err.is_empty());
}

#[test]
fn compaction_and_torn_tail() {
    if !testkit::reference::require("compaction", &["ovs-appctl", "ovsdb-tool"]) {
        return;
    }
    let mut sb = Sandbox::new("compact");
    let socket = detached_server(&mut sb, &[]);
    transact(
        &socket,
        &[json!({"op": "insert", "table": "Open_vSwitch", "row": {}})],
    );
    for i in 0..50 {
        transact(
            &socket,
            &[json!({"op": "mutate", "table": "Open_vSwitch", "where": [],
                     "mutations": [["next_cfg", "+=", 1], ["external_ids", "insert", ["map", [[format!("k{i}"), "v"]]]]]})],
        );
    }
    let db = sb.dbdir().join("conf.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let (code, _, err) = appctl(&sb, &["-t", "ovsdb-server", "ovsdb-server/compact"]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::metadata(&db).unwrap().len();
    assert!(after < before, "compaction shrank {before} -> {after}");
    // Debian's ovsdb-tool reads the compacted file.
    let out = sb
        .run(
            sb.command(testkit::reference::path("ovsdb-tool"))
                .args(["query", db.to_str().unwrap(),
                       r#"["Open_vSwitch",{"op":"select","table":"Open_vSwitch","where":[],"columns":["next_cfg"]}]"#]),
            Duration::from_secs(20),
        )
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"[{"rows":[{"next_cfg":50}]}]"#
    );
    // Stop, tear the last record in half, restart: everything before it is still there.
    let (code, _, _) = appctl(&sb, &["-t", "ovsdb-server", "exit"]);
    assert_eq!(code, 0);
    let pidfile = sb.rundir().join("ovsdb-server.pid");
    wait_until("server gone", Duration::from_secs(10), || !pidfile.exists()).unwrap();
    // Restart on the compacted file and commit once more.
    let socket = detached_server(&mut sb, &[]);
    transact(
        &socket,
        &[
            json!({"op": "mutate", "table": "Open_vSwitch", "where": [], "mutations": [["next_cfg", "+=", 1]]}),
        ],
    );
    let (code, _, _) = appctl(&sb, &["-t", "ovsdb-server", "exit"]);
    assert_eq!(code, 0);
    let pidfile = sb.rundir().join("ovsdb-server.pid");
    wait_until("server gone", Duration::from_secs(10), || !pidfile.exists()).unwrap();
    let len = std::fs::metadata(&db).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    f.set_len(len - 10).unwrap();
    drop(f);
    let socket = detached_server(&mut sb, &[]);
    let r = transact(
        &socket,
        &[json!({"op": "select", "table": "Open_vSwitch", "where": [], "columns": ["next_cfg"]})],
    );
    assert_eq!(
        r[0]["rows"],
        json!([{"next_cfg": 50}]),
        "the torn commit is gone, the rest kept"
    );
    let log = std::fs::read_to_string(sb.logdir().join("ovsdb-server.log")).unwrap_or_default();
    assert!(
        log.contains("discarded"),
        "the torn tail is reported: {log}"
    );
}

/// The seed's start command line: SSL files named by `db:` references, set later with a
/// transaction (as `ovs-vsctl set-ssl` does); Debian's ovsdb-client then connects over SSL.
#[test]
fn ssl_files_from_the_database() {
    if !testkit::reference::require("ssl_files_from_the_database", &["ovsdb-client"]) {
        return;
    }
    let mut sb = Sandbox::new("ssl");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let socket = detached_server(
        &mut sb,
        &[
            &format!("--remote=pssl:{port}:127.0.0.1"),
            "--private-key=db:Open_vSwitch,SSL,private_key",
            "--certificate=db:Open_vSwitch,SSL,certificate",
            "--bootstrap-ca-cert=db:Open_vSwitch,SSL,ca_cert",
        ],
    );
    let pki = testkit::pki::Pki::new("test CA");
    let server_files = pki.issue(sb.root(), "server");
    let client_files = pki.issue(sb.root(), "client");
    let r = transact(
        &socket,
        &[
            json!({"op": "insert", "table": "SSL", "uuid-name": "s", "row": {
                "private_key": server_files.private_key.to_str().unwrap(),
                "certificate": server_files.certificate.to_str().unwrap(),
                "ca_cert": server_files.ca_cert.to_str().unwrap()}}),
            json!({"op": "insert", "table": "Open_vSwitch", "row": {"ssl": ["named-uuid", "s"]}}),
        ],
    );
    assert!(r[1].get("uuid").is_some(), "{r}");
    let mut last = String::new();
    wait_until(
        "an SSL client to be served",
        Duration::from_secs(20),
        || {
            let out = sb
                .run(
                    sb.command(testkit::reference::path("ovsdb-client"))
                        .arg("-p")
                        .arg(&client_files.private_key)
                        .arg("-c")
                        .arg(&client_files.certificate)
                        .arg("-C")
                        .arg(&client_files.ca_cert)
                        .args(["--timeout=5", "list-dbs", &format!("ssl:127.0.0.1:{port}")]),
                    Duration::from_secs(20),
                )
                .unwrap();
            last = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            out.status.success() && last.contains("Open_vSwitch")
        },
    )
    .unwrap_or_else(|e| panic!("{e}: {last}"));
}
