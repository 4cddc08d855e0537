//! Differential tests: our `ovsdb-tool` against Debian's `/usr/bin/ovsdb-tool`.
//!
//! Every case starts two private directories from the same seed files
//! (databases written by the reference tool, so both sides read identical
//! bytes), runs a sequence of command lines in each with the same
//! environment, and compares stdout, stderr and exit status after masking
//! what legitimately differs: UUIDs (and their 8-digit prefixes), dates and
//! the program path.  Files the commands write are compared too where they
//! must be identical (`create`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testkit::ovsdb::Impl;
use testkit::Sandbox;

const TEST_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ovsdb-server/tests/data/test.ovsschema"
);
const SERVER_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/_Server.ovsschema"
);

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Masks UUIDs, 8-hex-digit UUID prefixes and timestamps.
fn mask(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let word = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_alphanumeric());
    while i < b.len() {
        // UUID: 8-4-4-4-12 hex digits.
        let is_uuid = b.len() >= i + 36
            && (0..36).all(|k| {
                let c = b[i + k];
                if [8, 13, 18, 23].contains(&k) {
                    c == b'-'
                } else {
                    is_hex(c)
                }
            });
        if is_uuid && (i == 0 || !word(i - 1)) {
            out.push_str("<UUID>");
            i += 36;
            continue;
        }
        let is_short = b.len() >= i + 8
            && (0..8).all(|k| is_hex(b[i + k]))
            && (i == 0 || !word(i - 1))
            && !word(i + 8);
        if is_short {
            out.push_str("<U8>");
            i += 8;
            continue;
        }
        // Dates: YYYY-MM-DD HH:MM:SS.mmm or YYYY-MM-DDTHH:MM:SSZ.
        let date = |len: usize| {
            b.len() >= i + len
                && b[i..i + 4].iter().all(u8::is_ascii_digit)
                && b[i + 4] == b'-'
                && b[i + 7] == b'-'
        };
        if date(23) && b[i + 10] == b' ' && b[i + 19] == b'.' {
            out.push_str("<DATE>");
            i += 23;
            continue;
        }
        if date(20) && b[i + 10] == b'T' && b[i + 19] == b'Z' {
            out.push_str("<DATE>");
            i += 20;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

struct Side {
    program: PathBuf,
    dir: PathBuf,
}

struct Harness {
    sb: Sandbox,
    ours: Side,
    theirs: Side,
    compared: usize,
    failures: Vec<String>,
}

impl Harness {
    fn new(label: &str) -> Harness {
        let sb = Sandbox::new(label);
        let mk = |name: &str, program: PathBuf| {
            let dir = sb.root().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            Side { program, dir }
        };
        let ours = mk("ours", Impl::Ours.program("ovsdb-tool"));
        let theirs = mk("ref", Impl::Reference.program("ovsdb-tool"));
        Harness {
            sb,
            ours,
            theirs,
            compared: 0,
            failures: Vec::new(),
        }
    }

    /// Makes `name` in both directories a copy of `bytes`.
    fn seed(&self, name: &str, bytes: &[u8]) {
        for side in [&self.ours, &self.theirs] {
            std::fs::write(side.dir.join(name), bytes).unwrap();
        }
    }

    fn exec(&self, side: &Side, args: &[&str]) -> (String, String, i32) {
        let mut cmd = Command::new(&side.program);
        cmd.current_dir(&side.dir)
            .envs(self.sb.env())
            .env("OVS_DBDIR", &side.dir)
            .env("OVS_PKGDATADIR", &side.dir)
            .args(args);
        let out = self
            .sb
            .run(&mut cmd, Duration::from_secs(30))
            .expect("run ovsdb-tool");
        let prog = side.program.display().to_string();
        let dir = side.dir.display().to_string();
        let clean = |b: &[u8]| {
            mask(
                &String::from_utf8_lossy(b)
                    .replace(&prog, "ovsdb-tool")
                    .replace(&dir, "<DIR>"),
            )
        };
        (
            clean(&out.stdout),
            clean(&out.stderr),
            out.status.code().unwrap_or(-1),
        )
    }

    /// Runs `args` on both sides and records any difference.
    fn check(&mut self, args: &[&str]) {
        let a = self.exec(&self.ours, args);
        let b = self.exec(&self.theirs, args);
        self.compared += 1;
        if a != b {
            self.failures.push(format!(
                "`ovsdb-tool {}`:\n--- ours (rc {}):\n{}{}\n--- reference (rc {}):\n{}{}",
                args.join(" "),
                a.2,
                a.0,
                a.1,
                b.2,
                b.0,
                b.1
            ));
        }
    }

    /// Asserts that `name` is byte-identical on both sides.
    fn same_file(&mut self, name: &str) {
        let a = std::fs::read(self.ours.dir.join(name));
        let b = std::fs::read(self.theirs.dir.join(name));
        self.compared += 1;
        if a.as_ref().ok() != b.as_ref().ok() {
            self.failures
                .push(format!("file {name} differs between the two sides"));
        }
    }

    fn finish(self, min: usize) {
        assert!(
            self.failures.is_empty(),
            "{} of {} comparisons differ:\n\n{}",
            self.failures.len(),
            self.compared,
            self.failures.join("\n\n")
        );
        assert!(self.compared >= min, "only {} comparisons", self.compared);
    }
}

/// A database built by the reference tool from `txns`.
fn reference_db(schema: &str, txns: &[&str]) -> Vec<u8> {
    let sb = Sandbox::new("tool-seed");
    let db = sb.root().join("seed.db");
    let tool = testkit::reference::path("ovsdb-tool");
    let st = Command::new(&tool)
        .arg("create")
        .arg(&db)
        .arg(schema)
        .status()
        .unwrap();
    assert!(st.success());
    for t in txns {
        let out = Command::new(&tool)
            .arg("transact")
            .arg(&db)
            .arg(t)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::read(&db).unwrap()
}

const TXNS: &[&str] = &[
    r#"["Test",{"op":"insert","table":"Root","row":{"name":"r1","tags":["set",[1,2]],"kv":["map",[["a","b c"]]],"children":["named-uuid","c"],"r":1.5,"u":["uuid","01234567-89ab-cdef-0123-456789abcdef"]}},{"op":"insert","table":"Child","uuid-name":"c","row":{"name":"c1","leaf":["named-uuid","l"]}},{"op":"insert","table":"Leaf","uuid-name":"l","row":{"v":3,"s":["set",["x","y z"]]}},{"op":"comment","comment":"first one"}]"#,
    r#"["Test",{"op":"update","table":"Root","where":[],"row":{"i":7,"tags":["set",[2,3]],"color":"red"}}]"#,
    r#"["Test",{"op":"insert","table":"Limited","row":{"a":1,"b":"x"}},{"op":"insert","table":"Singleton","row":{"m":["map",[["x",1],["y",2]]]}}]"#,
    r#"["Test",{"op":"mutate","table":"Singleton","where":[],"mutations":[["m","delete",["set",["x"]]]]}]"#,
    r#"["Test",{"op":"delete","table":"Root","where":[]}]"#,
    r#"["Test",{"op":"insert","table":"Root","row":{"name":"second","ikv":["map",[[1,2.5]]],"one_to_three":["set",["a","b"]]}}]"#,
    r#"["Test",{"op":"insert","table":"Root","row":{"name":"x1","b":true}},{"op":"insert","table":"Root","row":{"name":"x2","r":-1.25}},{"op":"insert","table":"Root","row":{"name":"x3","kv":["map",[["z","1"],["a","2"]]]}},{"op":"insert","table":"Enum","row":{"color":"blue"}},{"op":"insert","table":"Enum","row":{"color":"green"}}]"#,
];

fn have_reference(test: &str) -> bool {
    testkit::reference::require(test, &["ovsdb-tool"])
}

#[test]
fn create_and_facts_match_reference() {
    if !have_reference("create_and_facts_match_reference") {
        return;
    }
    let mut h = Harness::new("tool-create");
    let vswitch = testkit::reference::vswitch_schema();
    let vswitch = vswitch.to_str().unwrap();
    for (i, schema) in [TEST_SCHEMA, SERVER_SCHEMA, vswitch].iter().enumerate() {
        let db = format!("new{i}.db");
        h.check(&["create", &db, schema]);
        h.same_file(&db);
        h.check(&["create", &db, schema]);
        for cmd in ["db-name", "db-version", "db-cksum"] {
            h.check(&[cmd, &db]);
        }
        for cmd in ["schema-name", "schema-version", "schema-cksum"] {
            h.check(&[cmd, schema]);
        }
        h.check(&["needs-conversion", &db, schema]);
        h.check(&["needs-conversion", &db, TEST_SCHEMA]);
        h.check(&["show-log", &db]);
        h.check(&["-mm", "show-log", &db]);
    }
    // Default paths come from OVS_DBDIR / OVS_PKGDATADIR.
    h.check(&["db-name"]);
    h.check(&["schema-name"]);
    std::fs::copy(vswitch, h.ours.dir.join("vswitch.ovsschema")).unwrap();
    std::fs::copy(vswitch, h.theirs.dir.join("vswitch.ovsschema")).unwrap();
    h.check(&["create"]);
    h.same_file("conf.db");
    h.check(&["db-version"]);
    h.check(&["schema-version"]);
    h.finish(40);
}

#[test]
fn errors_match_reference() {
    if !have_reference("errors_match_reference") {
        return;
    }
    let mut h = Harness::new("tool-errors");
    h.seed(
        "bad.json",
        br#"{"name":"X","tables":{"T":{"columns":{"a":{"type":"foo"}}}}}"#,
    );
    h.seed("notobj.json", b"[1]");
    h.seed("short.json", b"{\"name\":\"X\",\"tables\":{}\n");
    h.seed("empty.db", b"");
    h.seed("garbage.db", b"garbage\n");
    let good = reference_db(TEST_SCHEMA, TXNS);
    h.seed("good.db", &good);
    // A torn copy: the schema record cut short.
    h.seed("torn.db", good.get(..100).unwrap_or(&good));
    for args in [
        &[][..],
        &["foo"],
        &["-x"],
        &["--foo"],
        &["--rbac"],
        &["db-name", "a", "b"],
        &["query"],
        &["transact"],
        &["compare-versions", "1"],
        &["db-name", "/nonexistent"],
        &["db-version", "missing.db"],
        &["schema-name", "/nonexistent"],
        &["create", "x.db", "/nonexistent"],
        &["create", "x.db", "bad.json"],
        &["create", "x.db", "notobj.json"],
        &["create", "x.db", "short.json"],
        &["schema-name", "short.json"],
        &["--help"],
        &["-h"],
        &["help"],
        &["list-commands"],
        &["list-commands", "x"],
        &["schema-version", "bad.json"],
        &["db-name", "empty.db"],
        &["db-name", "garbage.db"],
        &["show-log", "garbage.db"],
        &["show-log", "torn.db"],
        &["db-name", "torn.db"],
        &["create", "good.db", TEST_SCHEMA],
        &["compare-versions", "1.2.3", "<", "1.3.0"],
        &["compare-versions", "1.2.3", ">", "1.3.0"],
        &["compare-versions", "1.2.3", "==", "1.2.3"],
        &["compare-versions", "1.2.3", "!=", "1.2.3"],
        &["compare-versions", "2.0.0", ">=", "1.99.99"],
        &["compare-versions", "1.2", "<", "1.3.0"],
        &["compare-versions", "1.2.3", "~", "1.3.0"],
        &["db-is-standalone", "good.db"],
        &["db-is-clustered", "good.db"],
        &["db-cid", "good.db"],
        &["db-sid", "good.db"],
        &["db-local-address", "good.db"],
        &["check-cluster", "good.db"],
        &["cluster-to-standalone", "out.db", "good.db"],
        &["query", "good.db", "xx"],
        &["query", "good.db", "{}"],
        &["query", "good.db", "[]"],
        &["query", "good.db", r#"["Nope"]"#],
        &[
            "query",
            "good.db",
            r#"["Test",{"op":"select","table":"Nope","where":[]}]"#,
        ],
        &["query", "nonexistent.db", r#"["Test"]"#],
    ] {
        h.check(args);
    }
    h.finish(40);
}

#[test]
fn queries_transactions_and_logs_match_reference() {
    if !have_reference("queries_transactions_and_logs_match_reference") {
        return;
    }
    let mut h = Harness::new("tool-txn");
    let seed = reference_db(TEST_SCHEMA, TXNS);
    h.seed("db", &seed);
    h.seed("db2", &seed);
    // Same rows on both sides: compaction output must match exactly.
    h.check(&["compact", "db2", "compacted.db"]);
    h.check(&["-mm", "show-log", "compacted.db"]);
    h.check(&["compact", "db2"]);
    h.check(&["-mm", "show-log", "db2"]);
    h.check(&["compact", "db2", "compacted.db"]);
    for v in ["show-log", "-m", "-mm", "--more"] {
        if v == "show-log" {
            h.check(&["show-log", "db"]);
        } else {
            h.check(&[v, "show-log", "db"]);
        }
    }
    h.check(&["show-log", "-m", "-m", "db"]);
    for q in [
        r#"["Test",{"op":"select","table":"Root","where":[["name","==","second"]],"columns":["name","ikv","one_to_three"]}]"#,
        r#"["Test",{"op":"select","table":"Singleton","where":[]}]"#,
        r#"["Test",{"op":"select","table":"Root","where":[["name","==","nope"]]}]"#,
        r#"["Test",{"op":"select","table":"Root","where":[["bogus","==",1]]}]"#,
        r#"["Test",{"op":"insert","table":"Limited","row":{"a":2,"b":"x"}}]"#,
        r#"["Test",{"op":"update","table":"Root","where":[],"row":{"eph":5}}]"#,
        r#"["Test",{"op":"comment","comment":"nothing"}]"#,
    ] {
        h.check(&["query", "db", q]);
    }
    for t in [
        r#"["Test",{"op":"insert","table":"Root","row":{"name":"third","kv":["map",[["k","v"]]]}},{"op":"comment","comment":"added \"third\""}]"#,
        r#"["Test",{"op":"insert","table":"Root","row":{"name":"third"}}]"#,
        r#"["Test",{"op":"update","table":"Root","where":[["name","==","third"]],"row":{"tags":["set",[7,8,9]],"short":"ab"}}]"#,
        r#"["Test",{"op":"mutate","table":"Root","where":[["name","==","third"]],"mutations":[["tags","delete",8],["i","+=",3]]}]"#,
        r#"["Test",{"op":"update","table":"Root","where":[["name","==","third"]],"row":{"short":"toolong"}}]"#,
        r#"["Test",{"op":"delete","table":"Limited","where":[]}]"#,
        r#"["Test",{"op":"insert","table":"Root","row":{"name":"m1","children":["named-uuid","c"],"kv":["map",[["q","r"]]],"tags":["set",[5]]}},{"op":"insert","table":"Child","uuid-name":"c","row":{"name":"c9","leaf":["named-uuid","l"]}},{"op":"insert","table":"Leaf","uuid-name":"l","row":{"v":4}},{"op":"insert","table":"Limited","row":{"a":3,"b":"m"}},{"op":"comment","comment":"multi"}]"#,
        r#"["Test",{"op":"select","table":"Root","where":[["name","==","third"]],"columns":["name","tags","i","short","kv"]}]"#,
    ] {
        h.check(&["transact", "db", t]);
    }
    h.check(&["-mm", "show-log", "db"]);
    // A `wait` that would block: Open vSwitch's tool has no triggers.
    h.check(&[
        "query",
        "db",
        r#"["Test",{"op":"select","table":"Enum","where":[["color","==","green"]],"columns":["color"]},{"op":"wait","table":"Limited","where":[["a","==",12345]],"columns":["a"],"until":"!=","rows":[]},{"op":"select","table":"Enum","where":[["color","==","blue"]]}]"#,
    ]);
    h.check(&[
        "transact",
        "db",
        r#"["Test",{"op":"wait","table":"Limited","where":[],"columns":["a"],"until":"==","rows":[{"a":99}]}]"#,
    ]);
    // A torn last record: both tools refuse the file and leave it alone.
    let len = seed.len();
    h.seed("torn.db", seed.get(..len - 20).unwrap_or(&seed));
    h.check(&["show-log", "torn.db"]);
    h.check(&["transact", "torn.db", r#"["Test"]"#]);
    h.check(&["query", "torn.db", r#"["Test"]"#]);
    h.check(&["compact", "torn.db"]);
    h.same_file("torn.db");
    h.check(&["compact", "db"]);
    h.check(&["show-log", "db"]);
    h.check(&[
        "query",
        "db",
        r#"["Test",{"op":"select","table":"Root","where":[["name","==","third"]],"columns":["name","tags","i","short","kv"]}]"#,
    ]);
    h.finish(20);
}

fn write_schema(path: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let text = std::fs::read_to_string(TEST_SCHEMA).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn convert_matches_reference() {
    if !have_reference("convert_matches_reference") {
        return;
    }
    let mut h = Harness::new("tool-convert");
    let seed = reference_db(TEST_SCHEMA, TXNS);
    h.seed("db", &seed);
    let dir = h.sb.root().to_path_buf();
    // Drops a column and a table, adds a column, bumps the version.
    write_schema(&dir.join("v2.json"), |v| {
        v["version"] = "1.3.0".into();
        v["cksum"] = "12345 678".into();
        v["tables"]["Child"]["columns"]
            .as_object_mut()
            .unwrap()
            .remove("n");
        v["tables"]["Root"]["columns"]["added"] = serde_json::json!({"type": "integer"});
        v["tables"].as_object_mut().unwrap().remove("Limited");
    });
    let v2 = std::fs::read(dir.join("v2.json")).unwrap();
    h.seed("v2.json", &v2);
    h.check(&["needs-conversion", "db", "v2.json"]);
    h.check(&["convert", "db", "v2.json", "out.db"]);
    h.check(&["-mm", "show-log", "out.db"]);
    h.check(&["db-version", "out.db"]);
    h.check(&["db-cksum", "out.db"]);
    h.check(&["needs-conversion", "out.db", "v2.json"]);
    // A value that no longer fits only in a record whose row was deleted
    // since: Open vSwitch replays the whole log against the new schema.
    write_schema(&dir.join("v3.json"), |v| {
        v["tables"]["Root"]["columns"]["i"] =
            serde_json::json!({"type": {"key": {"type": "integer", "maxInteger": 5}}});
    });
    let v3 = std::fs::read(dir.join("v3.json")).unwrap();
    h.seed("v3.json", &v3);
    h.check(&["convert", "db", "v3.json", "out3.db"]);
    h.check(&["convert", "db", "v3.json"]);
    h.same_file("db");
    h.check(&["convert", "db", "v2.json"]);
    h.check(&["-m", "show-log", "db"]);
    h.check(&["db-version", "db"]);
    h.check(&[
        "query",
        "db",
        r#"["Test",{"op":"select","table":"Singleton","where":[]}]"#,
    ]);
    h.finish(10);
}

#[test]
fn lock_failures_match_reference() {
    if !have_reference("lock_failures_match_reference") {
        return;
    }
    let mut h = Harness::new("tool-locks");
    let seed = reference_db(TEST_SCHEMA, TXNS);
    h.seed("db", &seed);
    // This process holds both sides' locks, as a running server would.
    let _a = ovsdb_log::LockFile::lock_for(&h.ours.dir.join("db")).unwrap();
    let _b = ovsdb_log::LockFile::lock_for(&h.theirs.dir.join("db")).unwrap();
    for args in [
        &["transact", "db", r#"["Test"]"#][..],
        &["compact", "db"],
        &["convert", "db", TEST_SCHEMA],
        &["query", "db", r#"["Test"]"#],
        &["show-log", "db"],
        &["compact", "db", "out.db"],
        &["create", "/nonexistent/x.db", TEST_SCHEMA],
        &["compact", "db", "/nonexistent/x.db"],
    ] {
        h.check(args);
    }
    h.same_file("db");
    h.finish(9);
}
