//! Interop: clients nobody here wrote, against our ovsdb-server.
//!
//! - Open vSwitch's Python IDL (python3-openvswitch): schema fetch, initial dump, a transaction
//!   through the IDL, and an update pushed after another client's commit.
//! - Debian's ovsdb-client: list-dbs, get-schema, list-tables, transact, query, dump, and
//!   `monitor` seeing another client's commit.
//!
//! Each runs against our server and, as a check on the test itself, against Debian's.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use testkit::ovsdb::{create_db, start_server, Impl, RpcClient, ServerHandle};
use testkit::Sandbox;

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema")
}

fn python_idl() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/python_idl.py")
}

fn vswitch_server(sb: &mut Sandbox, which: Impl) -> ServerHandle {
    let db = sb.dbdir().join("conf.db");
    create_db(sb, which, &db, &schema());
    let server = start_server(sb, which, "db", &db, &[]);
    let mut c = RpcClient::connect(&server.socket, Duration::from_secs(20)).unwrap();
    let r = c
        .transact(
            "Open_vSwitch",
            &[json!({"op": "insert", "table": "Open_vSwitch", "row": {}})],
        )
        .unwrap();
    assert!(r[0].get("uuid").is_some(), "{r}");
    server
}

fn add_bridge_raw(server: &ServerHandle, name: &str) {
    let mut c = RpcClient::connect(&server.socket, Duration::from_secs(20)).unwrap();
    let r = c
        .transact(
            "Open_vSwitch",
            &[
                json!({"op": "insert", "table": "Bridge", "row": {"name": name}, "uuid-name": "b"}),
                json!({"op": "mutate", "table": "Open_vSwitch", "where": [],
                       "mutations": [["bridges", "insert", ["named-uuid", "b"]]]}),
            ],
        )
        .unwrap();
    assert!(
        r.as_array()
            .unwrap()
            .iter()
            .all(|o| o.get("error").is_none()),
        "{r}"
    );
}

fn python_idl_session(which: Impl) {
    let mut sb = Sandbox::new("pyidl");
    let server = vswitch_server(&mut sb, which);
    let mut child = Command::new("/usr/bin/python3")
        .arg(python_idl())
        .arg(&server.socket)
        .args([
            "connect",
            "insert",
            "br-py",
            "bridges",
            "wait-bridge",
            "br-raw",
            "bridges",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python IDL");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || -> Value {
        let line = lines
            .next()
            .expect("python IDL output")
            .expect("read python IDL output");
        serde_json::from_str(&line).expect("JSON line")
    };
    let connect = next();
    assert!(
        connect["tables"]
            .as_array()
            .unwrap()
            .contains(&json!("Bridge")),
        "{connect}"
    );
    assert_eq!(next(), json!({"step": "insert", "status": "success"}));
    assert_eq!(next(), json!({"step": "bridges", "names": ["br-py"]}));
    // Another client commits; the IDL must be told through its monitor.
    add_bridge_raw(&server, "br-raw");
    assert_eq!(next(), json!({"step": "wait-bridge", "name": "br-raw"}));
    assert_eq!(
        next(),
        json!({"step": "bridges", "names": ["br-py", "br-raw"]})
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python IDL failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And the IDL's own commit is visible to everyone else.
    let mut c = RpcClient::connect(&server.socket, Duration::from_secs(20)).unwrap();
    let r = c
        .transact(
            "Open_vSwitch",
            &[json!({"op": "select", "table": "Bridge", "where": [["name", "==", "br-py"]], "columns": ["name"]})],
        )
        .unwrap();
    assert_eq!(r[0]["rows"], json!([{"name": "br-py"}]));
}

#[test]
fn python_idl_against_our_server() {
    if !testkit::reference::require("python_idl_against_our_server", &["ovsdb-server"])
        || !Path::new("/usr/lib/python3/dist-packages/ovs").exists()
    {
        return;
    }
    python_idl_session(Impl::Ours);
}

#[test]
fn python_idl_against_reference_server() {
    if !testkit::reference::require("python_idl_against_reference_server", &["ovsdb-server"])
        || !Path::new("/usr/lib/python3/dist-packages/ovs").exists()
    {
        return;
    }
    python_idl_session(Impl::Reference);
}

fn ovsdb_client(sb: &Sandbox, server: &ServerHandle, args: &[&str]) -> (bool, String, String) {
    let out = sb
        .run(
            sb.command(testkit::reference::path("ovsdb-client")).args(
                args.iter()
                    .map(|a| a.replace("SOCK", &format!("unix:{}", server.socket.display()))),
            ),
            Duration::from_secs(20),
        )
        .expect("run ovsdb-client");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn mask_uuids(s: &str) -> String {
    testkit::ovsdb::normalise(&Value::String(s.to_string()))
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn debian_ovsdb_client_against_our_server() {
    if !testkit::reference::require("debian_ovsdb_client", &["ovsdb-client", "ovsdb-server"]) {
        return;
    }
    // The same command lines against both servers must print the same (UUIDs masked).
    let lines: &[&[&str]] = &[
        &["list-dbs", "SOCK"],
        &["get-schema-version", "SOCK", "Open_vSwitch"],
        &["list-tables", "SOCK", "Open_vSwitch"],
        &["list-columns", "SOCK", "Open_vSwitch", "Port"],
        &[
            "transact",
            "SOCK",
            r#"["Open_vSwitch",{"op":"insert","table":"Bridge","row":{"name":"br0","external_ids":["map",[["k","v"]]]},"uuid-name":"b"},{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["bridges","insert",["named-uuid","b"]]]}]"#,
        ],
        &[
            "query",
            "SOCK",
            r#"["Open_vSwitch",{"op":"select","table":"Bridge","where":[],"columns":["name","external_ids"]}]"#,
        ],
        &[
            "transact",
            "SOCK",
            r#"["Open_vSwitch",{"op":"insert","table":"Nope","row":{}}]"#,
        ],
        &[
            "dump",
            "SOCK",
            "Open_vSwitch",
            "Bridge",
            "name",
            "external_ids",
            "datapath_type",
        ],
        &[
            "--format=json",
            "dump",
            "SOCK",
            "Open_vSwitch",
            "Bridge",
            "name",
        ],
        &["get-schema", "SOCK", "Nope"],
    ];
    let mut results = Vec::new();
    for which in [Impl::Reference, Impl::Ours] {
        let mut sb = Sandbox::new("client");
        let server = vswitch_server(&mut sb, which);
        let outs: Vec<(bool, String, String)> = lines
            .iter()
            .map(|l| {
                let (ok, o, e) = ovsdb_client(&sb, &server, l);
                let mut o = mask_uuids(&o);
                if l[0].starts_with("list-") {
                    // The client prints tables and columns in its own hash order of the schema
                    // it received; compare them as sets.
                    let mut v: Vec<&str> = o.lines().collect();
                    v.sort_unstable();
                    o = v.join("\n");
                }
                (ok, o, mask_uuids(&e))
            })
            .collect();
        // get-schema output must parse and name the database.
        let (ok, schema, _) = ovsdb_client(&sb, &server, &["get-schema", "SOCK", "Open_vSwitch"]);
        assert!(ok);
        let v: Value = serde_json::from_str(&schema).expect("schema JSON");
        assert_eq!(v["name"], "Open_vSwitch");
        assert_eq!(v["version"], "8.3.1");
        results.push(outs);
    }
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(
            results[1][i],
            results[0][i],
            "ovsdb-client {} differs (left: ours, right: Debian's server)",
            line.join(" ")
        );
    }
}

#[test]
fn debian_ovsdb_client_monitor_sees_other_clients_commit() {
    if !testkit::reference::require(
        "debian_ovsdb_client_monitor",
        &["ovsdb-client", "ovsdb-server"],
    ) {
        return;
    }
    let mut sb = Sandbox::new("monitor");
    let server = vswitch_server(&mut sb, Impl::Ours);
    // A first row, so the monitor prints its initial contents: seeing that line proves the
    // monitor is in place before the commit it must report.
    add_bridge_raw(&server, "br-first");
    let mut mon = Command::new(testkit::reference::path("ovsdb-client"))
        .args([
            "monitor",
            &format!("unix:{}", server.socket.display()),
            "Open_vSwitch",
            "Bridge",
            "name",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run ovsdb-client monitor");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = mon.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    let wait_for = |needle: &str, seen: &mut String| -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                    if line.contains(needle) {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    };
    let initial = wait_for("br-first", &mut seen);
    if initial {
        add_bridge_raw(&server, "br-mon");
    }
    let updated = initial && wait_for("br-mon", &mut seen);
    let _ = mon.kill();
    let _ = mon.wait();
    assert!(initial && updated, "monitor printed:\n{seen}");
}
