//! Differential tests against Debian's Open vSwitch 3.1 `ovsdb-tool` and
//! `ovsdb-server`: files they write decode and re-encode byte for byte,
//! files we write are accepted by them, and the lock files exclude each
//! other.  Skipped, with a notice on stderr, when the tools are missing.

use ovsdb_log::codec;
use ovsdb_log::DecodeErrorKind;
use ovsdb_log::{Log, LogError, OpenMode};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const OVSDB_TOOL: &str = "/usr/bin/ovsdb-tool";
const OVSDB_SERVER: &str = "/usr/sbin/ovsdb-server";
const VSWITCH_SCHEMA: &str = "/usr/share/openvswitch/vswitch.ovsschema";

/// A small schema exercising reals, strings and integers.
const TEST_SCHEMA: &str = r#"{"name":"T","version":"1.0.0","tables":{"R":{"columns":{"r":{"type":"real"},"s":{"type":"string"},"i":{"type":"integer"},"rs":{"type":{"key":"real","min":0,"max":"unlimited"}}},"isRoot":true}}}"#;

fn have_tool(test: &str) -> bool {
    let ok = Path::new(OVSDB_TOOL).exists();
    if !ok {
        eprintln!("NOTICE: {test} skipped: {OVSDB_TOOL} not installed (Debian openvswitch-common)");
    }
    ok
}

fn tool(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(OVSDB_TOOL)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run ovsdb-tool");
    assert!(
        out.status.success(),
        "ovsdb-tool {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tool_fails(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(OVSDB_TOOL)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run ovsdb-tool");
    assert!(
        !out.status.success(),
        "ovsdb-tool {args:?} unexpectedly succeeded"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Builds a database with Debian's tool: create, several transactions with
/// awkward strings and reals, and returns its path.
fn debian_db(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("t.ovsschema"), TEST_SCHEMA).expect("schema");
    tool(dir, &["create", "db", "t.ovsschema"]);
    tool(
        dir,
        &[
            "transact",
            "db",
            r#"["T",{"op":"insert","table":"R","uuid-name":"a","row":{"r":0.1,"s":"\b\f\r\u001f\u007f\u0080\ud83d\ude00 </x> h\u00e9llo \"q\" \\ \n\t\u0001 \u2028","i":-9223372036854775808,"rs":["set",[1e300,1.5,2,3.14159265358979,1e-7,123456789012345678,0.30000000000000004,1e21,1e15,100,1e-300,2.5e-5,1234567.125,0.001]]}},{"op":"comment","comment":"h\u00e9llo"}]"#,
        ],
    );
    tool(
        dir,
        &[
            "transact",
            "db",
            r#"["T",{"op":"update","table":"R","where":[],"row":{"i":42,"r":-1.5e-10}}]"#,
        ],
    );
    tool(
        dir,
        &[
            "transact",
            "db",
            r#"["T",{"op":"insert","table":"R","row":{}}]"#,
        ],
    );
    dir.join("db")
}

/// The rows of a one-select query result, as sorted JSON texts.
fn sorted_rows(output: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(output).expect("query output is JSON");
    let mut rows: Vec<String> = v
        .get(0)
        .and_then(|r| r.get("rows"))
        .and_then(Value::as_array)
        .expect("rows")
        .iter()
        .map(Value::to_string)
        .collect();
    rows.sort();
    rows
}

/// Every record of `bytes` re-encodes to exactly the same bytes.
fn assert_reencodes_identically(bytes: &[u8]) -> usize {
    let decoded = codec::decode_all(bytes);
    assert!(decoded.tail_error.is_none(), "{:?}", decoded.tail_error);
    assert_eq!(decoded.good_len, bytes.len() as u64);
    for record in &decoded.records {
        let original = bytes
            .get(record.offset as usize..record.end() as usize)
            .expect("record in range");
        let ours = codec::encode_record(&Value::Object(record.value.clone())).expect("encode");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(original),
            "record at offset {} differs",
            record.offset
        );
    }
    decoded.records.len()
}

#[test]
fn debian_files_reencode_byte_for_byte() {
    if !have_tool("debian_files_reencode_byte_for_byte") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = debian_db(dir.path());
    let n = assert_reencodes_identically(&std::fs::read(&db).expect("read"));
    assert_eq!(n, 4);
    // After Debian compacts it (one big snapshot record), the same holds.
    tool(dir.path(), &["compact", "db"]);
    let n = assert_reencodes_identically(&std::fs::read(&db).expect("read"));
    assert_eq!(n, 2);
    // And for the real Open_vSwitch schema record.
    tool(dir.path(), &["create", "vs", VSWITCH_SCHEMA]);
    assert_eq!(
        assert_reencodes_identically(&std::fs::read(dir.path().join("vs")).expect("read")),
        1
    );
    // Our Log opens Debian's file and sees the same records.
    let opened = Log::open(&db, OpenMode::ReadWrite).expect("open");
    assert_eq!(opened.records.len(), 2);
    assert!(opened.tail_error.is_none());
}

#[test]
fn debian_reads_files_we_write() {
    if !have_tool("debian_reads_files_we_write") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let debian = debian_db(dir.path());
    let records: Vec<Value> = codec::decode_all(&std::fs::read(&debian).expect("read"))
        .records
        .into_iter()
        .map(|r| Value::Object(r.value))
        .collect();
    let ours = dir.path().join("ours");
    let mut log = Log::open(&ours, OpenMode::CreateExcl).expect("create").log;
    for r in &records {
        log.append(r, true).expect("append");
    }
    drop(log);
    assert_eq!(
        std::fs::read(&ours).expect("read"),
        std::fs::read(&debian).expect("read"),
        "our file differs from Debian's for the same records"
    );
    let theirs_log = tool(dir.path(), &["show-log", "-m", "db"]);
    let ours_log = tool(dir.path(), &["show-log", "-m", "ours"]);
    assert_eq!(ours_log, theirs_log);
    let query = r#"["T",{"op":"select","table":"R","where":[],"columns":["i","s","r","rs"]}]"#;
    // Row order in query output is hash order, which varies between runs.
    assert_eq!(
        sorted_rows(&tool(dir.path(), &["query", "ours", query])),
        sorted_rows(&tool(dir.path(), &["query", "db", query]))
    );
    // Debian can append to (and compact) a file we wrote, and we read it back.
    tool(
        dir.path(),
        &[
            "transact",
            "ours",
            r#"["T",{"op":"insert","table":"R","row":{"i":7}}]"#,
        ],
    );
    let opened = Log::open(&ours, OpenMode::ReadOnly).expect("open");
    assert_eq!(opened.records.len(), records.len() + 1);
    assert!(opened.tail_error.is_none());
    drop(opened);
    // A compaction done by us is readable by Debian.
    let snapshot: Vec<Value> = records.iter().take(1).cloned().collect();
    let mut log = Log::open(&ours, OpenMode::ReadWrite).expect("open").log;
    log.replace(&snapshot).expect("replace");
    drop(log);
    let shown = tool(dir.path(), &["show-log", "ours"]);
    assert!(shown.starts_with("record 0: \"T\" schema"), "{shown}");
}

#[test]
fn debian_recovers_a_tail_we_truncated_and_vice_versa() {
    if !have_tool("debian_recovers_a_tail_we_truncated_and_vice_versa") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = debian_db(dir.path());
    let len = std::fs::metadata(&db).expect("stat").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .expect("open");
    file.set_len(len - 10).expect("cut");
    drop(file);
    // Debian reports the same offset for the torn record as we do.
    let stderr = tool_fails(dir.path(), &["show-log", "db"]);
    let opened = Log::open(&db, OpenMode::ReadWrite).expect("open");
    let err = opened.tail_error.clone().expect("torn tail");
    assert!(
        stderr.contains(&format!("starting at offset {}", err.body_offset)),
        "debian said {stderr:?}, we said {err}"
    );
    drop(opened);
    // After our truncation Debian reads the file cleanly.
    let shown = tool(dir.path(), &["show-log", "db"]);
    assert!(
        shown.contains("record 2:") && !shown.contains("record 3:"),
        "{shown}"
    );
}

/// The number following the first "offset " in `text`.
fn offset_in(text: &str) -> Option<u64> {
    let rest = text.split("offset ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn torn_debian_file_at_every_offset_agrees_with_debian() {
    if !have_tool("torn_debian_file_at_every_offset_agrees_with_debian") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = debian_db(dir.path());
    let full = std::fs::read(&db).expect("read");
    let decoded = codec::decode_all(&full);
    let last = decoded.records.last().expect("records").clone();
    let n = decoded.records.len();
    let cut_path = dir.path().join("cut");
    for cut in last.offset..full.len() as u64 {
        let prefix = full.get(..cut as usize).expect("prefix");
        std::fs::write(&cut_path, prefix).expect("write");
        let out = Command::new(OVSDB_TOOL)
            .current_dir(dir.path())
            .args(["show-log", "cut"])
            .output()
            .expect("run ovsdb-tool");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let debian_records = stdout.lines().filter(|l| l.starts_with("record ")).count();
        let ours = Log::open(&cut_path, OpenMode::ReadOnly).expect("open");
        assert_eq!(ours.records.len(), debian_records, "cut at {cut}: {stderr}");
        assert_eq!(ours.records.len(), n - 1, "cut at {cut}");
        match &ours.tail_error {
            None => {
                assert_eq!(cut, last.offset);
                assert!(out.status.success(), "cut at {cut}: {stderr}");
            }
            Some(err) => {
                let ours_offset = match err.kind {
                    DecodeErrorKind::TruncatedHeader { .. } | DecodeErrorKind::BadHeader { .. } => {
                        err.record_offset
                    }
                    _ => err.body_offset,
                };
                assert_eq!(
                    offset_in(&stderr),
                    Some(ours_offset),
                    "cut at {cut}: debian said {stderr:?}, we said {err}"
                );
            }
        }
    }
}

#[test]
fn locks_exclude_debian_tools_both_ways() {
    if !have_tool("locks_exclude_debian_tools_both_ways") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let db = debian_db(dir.path());
    // We hold the lock: ovsdb-tool must refuse to write.
    let log = Log::open(&db, OpenMode::ReadWrite).expect("open");
    let stderr = tool_fails(dir.path(), &["transact", "db", r#"["T"]"#]);
    assert!(stderr.contains("failed to lock lockfile"), "{stderr}");
    drop(log);
    tool(dir.path(), &["transact", "db", r#"["T"]"#]);

    if !Path::new(OVSDB_SERVER).exists() {
        eprintln!("NOTICE: ovsdb-server part skipped: {OVSDB_SERVER} not installed");
        return;
    }
    // ovsdb-server holds the lock: we must refuse to open for writing.
    let sock = dir.path().join("sock");
    let mut server = Command::new(OVSDB_SERVER)
        .current_dir(dir.path())
        .arg(format!("--remote=punix:{}", sock.display()))
        .arg(format!("--pidfile={}", dir.path().join("pid").display()))
        .arg(format!("--unixctl={}", dir.path().join("ctl").display()))
        .arg("--log-file=/dev/null")
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ovsdb-server");
    // The server creates its socket only after opening (and locking) the db.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !sock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let result = Log::open(&db, OpenMode::ReadWrite);
    let reader = Log::open(&db, OpenMode::ReadOnly);
    let _ = server.kill();
    let _ = server.wait();
    assert!(sock.exists(), "ovsdb-server did not start");
    match result {
        Err(e @ LogError::Lock(_)) => assert_eq!(
            e.to_string(),
            format!(
                "I/O error: {}: failed to lock lockfile (Resource temporarily unavailable)",
                db.display()
            )
        ),
        other => panic!("expected lock failure, got {other:?}"),
    }
    assert!(reader.is_ok(), "read-only open must not need the lock");
    Log::open(&db, OpenMode::ReadWrite).expect("open after server exit");
}
