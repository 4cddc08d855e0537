//! Checks the hand-written schemas under `schemas/` against Open vSwitch
//! 3.1 as installed by Debian:
//!
//! * `vswitch.ovsschema` must mean exactly what Debian's
//!   `/usr/share/openvswitch/vswitch.ovsschema` means: same name, version,
//!   tables, columns, types and constraints, `isRoot`, `maxRows`, indexes,
//!   `mutable` and `ephemeral` flags.  Layout and `cksum` may differ.
//! * `_Server.ovsschema` must mean what a running Debian `ovsdb-server`
//!   serves for its `_Server` database.
//! * Each file's `cksum` member must be Open vSwitch's checksum of the file:
//!   POSIX `cksum` (CRC and byte count) of the file's text with the line
//!   holding the `cksum` member removed.
//!
//! Every difference is printed before the test fails.  Comparisons that need
//! Debian's files or binaries are skipped, with a notice, when those are not
//! installed.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REFERENCE_VSWITCH: &str = "/usr/share/openvswitch/vswitch.ovsschema";
const OVSDB_TOOL: &str = "/usr/bin/ovsdb-tool";
const OVSDB_SERVER: &str = "/usr/sbin/ovsdb-server";
const OVSDB_CLIENT: &str = "/usr/bin/ovsdb-client";

fn schema_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../schemas")
        .join(name)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Canonical text of a base type: `{"type": ...}` plus constraints, with
/// `enum` as a sorted list, `refType` defaulted to `strong`, keys sorted.
fn norm_base(base: &Value) -> String {
    let mut out = match base {
        Value::String(s) => {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), Value::String(s.clone()));
            m
        }
        Value::Object(m) => m.clone(),
        other => panic!("bad base type {other}"),
    };
    if let Some(e) = out.get("enum").cloned() {
        let mut atoms: Vec<Value> = match e.as_array().map(Vec::as_slice) {
            Some([Value::String(tag), Value::Array(items)]) if tag == "set" => items.clone(),
            _ => vec![e],
        };
        atoms.sort_by_key(Value::to_string);
        out.insert("enum".into(), Value::Array(atoms));
    }
    if out.contains_key("refTable") && !out.contains_key("refType") {
        out.insert("refType".into(), Value::String("strong".into()));
    }
    let sorted: BTreeMap<String, Value> = out.into_iter().collect();
    serde_json::to_string(&sorted).unwrap_or_default()
}

/// Flattens one schema into `path -> canonical value` facts.
fn facts(schema: &Value) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    for key in ["name", "version"] {
        f.insert(
            key.to_string(),
            schema.get(key).map(Value::to_string).unwrap_or_default(),
        );
    }
    let tables = schema
        .get("tables")
        .and_then(Value::as_object)
        .expect("tables");
    // Open vSwitch: a schema in which no table says isRoot has every table
    // in the root set (and then omits isRoot when printing the schema).
    let any_root = tables.values().any(|t| t.get("isRoot").is_some());
    for (tname, table) in tables {
        let t = format!("table {tname}");
        let is_root = table
            .get("isRoot")
            .and_then(Value::as_bool)
            .unwrap_or(!any_root);
        f.insert(format!("{t} / isRoot"), is_root.to_string());
        f.insert(
            format!("{t} / maxRows"),
            table
                .get("maxRows")
                .map(Value::to_string)
                .unwrap_or_else(|| "\"unlimited\"".into()),
        );
        let mut indexes: Vec<Vec<String>> = table
            .get("indexes")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|i| {
                        let mut cols: Vec<String> = i
                            .as_array()
                            .expect("index is a list")
                            .iter()
                            .map(Value::to_string)
                            .collect();
                        cols.sort();
                        cols
                    })
                    .collect()
            })
            .unwrap_or_default();
        indexes.sort();
        f.insert(format!("{t} / indexes"), format!("{indexes:?}"));
        let columns = table
            .get("columns")
            .and_then(Value::as_object)
            .expect("columns");
        for (cname, column) in columns {
            let c = format!("{t} / column {cname}");
            let ty = column.get("type").expect("column type");
            let (key, value, min, max) = match ty {
                Value::String(_) => (ty.clone(), None, Value::from(1), Value::from(1)),
                Value::Object(m) => (
                    m.get("key").cloned().expect("key"),
                    m.get("value").cloned(),
                    m.get("min").cloned().unwrap_or(Value::from(1)),
                    m.get("max").cloned().unwrap_or(Value::from(1)),
                ),
                other => panic!("bad type {other}"),
            };
            f.insert(format!("{c} / key"), norm_base(&key));
            f.insert(
                format!("{c} / value"),
                value
                    .as_ref()
                    .map(|v| norm_base(v).to_string())
                    .unwrap_or_else(|| "none".into()),
            );
            f.insert(format!("{c} / min"), min.to_string());
            f.insert(format!("{c} / max"), max.to_string());
            for (flag, default) in [("mutable", true), ("ephemeral", false)] {
                let v = column.get(flag).and_then(Value::as_bool).unwrap_or(default);
                f.insert(format!("{c} / {flag}"), v.to_string());
            }
        }
    }
    f
}

/// Prints every difference between `ours` and `reference`; returns how many.
fn report_differences(label: &str, ours: &Value, reference: &Value) -> usize {
    let a = facts(ours);
    let b = facts(reference);
    let mut n = 0;
    for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                n += 1;
                eprintln!("{label}: {key}: ours {x:?}, reference {y:?}");
            }
        }
    }
    n
}

/// POSIX `cksum`: CRC-32 (polynomial 0x04C11DB7, MSB first) over the data
/// followed by its length in as few little-endian bytes as needed, inverted.
fn posix_cksum(data: &[u8]) -> u32 {
    fn feed(crc: u32, byte: u8) -> u32 {
        let mut c = crc ^ (u32::from(byte) << 24);
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
        }
        c
    }
    let mut crc = data.iter().fold(0u32, |c, &b| feed(c, b));
    let mut len = data.len() as u64;
    while len != 0 {
        crc = feed(crc, (len & 0xff) as u8);
        len >>= 8;
    }
    !crc
}

/// Open vSwitch's schema checksum: `cksum` of the text without the line
/// carrying the `"cksum"` member.
fn schema_cksum(text: &str) -> String {
    let kept: String = text
        .split_inclusive('\n')
        .filter(|line| !line.contains("\"cksum\""))
        .collect();
    format!("{} {}", posix_cksum(kept.as_bytes()), kept.len())
}

#[test]
fn posix_cksum_matches_known_values() {
    // `printf '' | cksum` and `printf 'a' | cksum`.
    assert_eq!(posix_cksum(b""), 4_294_967_295);
    assert_eq!(posix_cksum(b"a"), 1_220_704_766);
}

#[test]
fn cksum_members_are_correct() {
    for name in ["vswitch.ovsschema", "_Server.ovsschema"] {
        let path = schema_path(name);
        let text = std::fs::read_to_string(&path).expect("read schema");
        let json: Value = serde_json::from_str(&text).expect("schema JSON");
        let declared = json
            .get("cksum")
            .and_then(Value::as_str)
            .expect("cksum member");
        assert_eq!(
            declared,
            schema_cksum(&text),
            "{name}: cksum member is stale"
        );
        if Path::new(OVSDB_TOOL).exists() {
            let out = Command::new(OVSDB_TOOL)
                .arg("schema-cksum")
                .arg(&path)
                .output()
                .expect("run ovsdb-tool");
            assert!(out.status.success());
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), declared);
        }
    }
    // The same rule reproduces the checksum of Debian's own file.
    if let Ok(text) = std::fs::read_to_string(REFERENCE_VSWITCH) {
        let json: Value = serde_json::from_str(&text).expect("reference JSON");
        assert_eq!(
            json.get("cksum").and_then(Value::as_str),
            Some(schema_cksum(&text).as_str())
        );
    }
}

#[test]
fn vswitch_schema_matches_reference() {
    let ours = read_json(&schema_path("vswitch.ovsschema"));
    let expected_tables = [
        "Open_vSwitch",
        "Bridge",
        "Port",
        "Interface",
        "Flow_Table",
        "QoS",
        "Queue",
        "Mirror",
        "Controller",
        "Manager",
        "NetFlow",
        "SSL",
        "sFlow",
        "IPFIX",
        "Flow_Sample_Collector_Set",
        "AutoAttach",
        "Datapath",
        "CT_Zone",
        "CT_Timeout_Policy",
    ];
    let tables = ours
        .get("tables")
        .and_then(Value::as_object)
        .expect("tables");
    assert_eq!(tables.len(), expected_tables.len());
    for t in expected_tables {
        assert!(tables.contains_key(t), "table {t} missing");
    }
    assert_eq!(ours.get("version").and_then(Value::as_str), Some("8.3.1"));
    if !Path::new(REFERENCE_VSWITCH).exists() {
        eprintln!("NOTICE: reference comparison skipped: {REFERENCE_VSWITCH} not installed");
        return;
    }
    let reference = read_json(Path::new(REFERENCE_VSWITCH));
    let n = report_differences("vswitch.ovsschema", &ours, &reference);
    assert_eq!(
        n, 0,
        "{n} differences from {REFERENCE_VSWITCH} (listed above)"
    );
}

#[test]
fn differences_are_detected() {
    // Guard against a comparison that cannot fail.
    let ours = read_json(&schema_path("vswitch.ovsschema"));
    let mut changed = ours.clone();
    if let Some(c) = changed.pointer_mut("/tables/Bridge/columns/name") {
        c.as_object_mut().expect("column").remove("mutable");
    }
    if let Some(t) = changed.pointer_mut("/tables/SSL") {
        t.as_object_mut().expect("table").remove("maxRows");
    }
    assert_eq!(report_differences("self-test", &changed, &ours), 2);
}

fn run(cmd: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn server_schema_matches_debian_server() {
    for tool in [OVSDB_TOOL, OVSDB_SERVER, OVSDB_CLIENT] {
        if !Path::new(tool).exists() {
            eprintln!("NOTICE: _Server comparison skipped: {tool} not installed");
            return;
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ours_vswitch = schema_path("vswitch.ovsschema");
    let ours_vswitch = ours_vswitch.to_str().expect("utf-8 path");
    run(OVSDB_TOOL, &["create", "conf.db", ours_vswitch], dir.path());
    let sock = dir.path().join("sock");
    let mut server = Command::new(OVSDB_SERVER)
        .current_dir(dir.path())
        .arg(format!("--remote=punix:{}", sock.display()))
        .arg(format!("--pidfile={}", dir.path().join("pid").display()))
        .arg(format!("--unixctl={}", dir.path().join("ctl").display()))
        .arg("--log-file=/dev/null")
        .arg("conf.db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ovsdb-server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let target = format!("unix:{}", sock.display());
    let get = |db: &str| {
        Command::new(OVSDB_CLIENT)
            .args(["get-schema", &target, db])
            .output()
            .expect("run ovsdb-client")
    };
    let served_server = get("_Server");
    let served_vswitch = get("Open_vSwitch");
    let _ = server.kill();
    let _ = server.wait();
    assert!(served_server.status.success(), "get-schema _Server failed");
    assert!(
        served_vswitch.status.success(),
        "get-schema Open_vSwitch failed"
    );

    let reference: Value = serde_json::from_slice(&served_server.stdout).expect("JSON");
    let ours = read_json(&schema_path("_Server.ovsschema"));
    let n = report_differences("_Server.ovsschema", &ours, &reference);
    assert_eq!(
        n, 0,
        "{n} differences from Debian's _Server schema (listed above)"
    );

    // Debian's server, loading our vswitch schema, serves it unchanged.
    let served: Value = serde_json::from_slice(&served_vswitch.stdout).expect("JSON");
    let ours = read_json(&schema_path("vswitch.ovsschema"));
    let n = report_differences("served vswitch", &served, &ours);
    assert_eq!(
        n, 0,
        "{n} differences after a round trip through ovsdb-server"
    );
    assert_eq!(served.get("cksum"), ours.get("cksum"));
}
