//! Differential tests: our `ovsdb-client` against Debian's `/usr/bin/ovsdb-client`.
//!
//! Each test serves the same database file with our `ovsdb-server` and with
//! Debian's (built as `cargo build -p ovsdb-server` into the same target
//! dir), and for each server runs both clients with the same command lines,
//! comparing stdout, stderr and exit status after masking dates and the
//! program path.  Since both clients talk to the same server, UUIDs agree
//! and differences can only come from the client.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use testkit::ovsdb::{create_db, start_server, Impl, ServerHandle};
use testkit::Sandbox;

const TEST_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../ovsdb-server/tests/data/test.ovsschema"
);

/// Masks timestamps (`YYYY-MM-DD HH:MM:SS.mmm`, `YYYY-MM-DDTHH:MM:SSZ`)
/// and UUIDs (which agree between the clients except in fresh rows).
fn mask(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let is_uuid = b.len() >= i + 36
            && (0..36).all(|k| {
                let c = b[i + k];
                if [8, 13, 18, 23].contains(&k) {
                    c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
        if is_uuid {
            out.push_str("<UUID>");
            i += 36;
            continue;
        }
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

struct Harness {
    sb: Sandbox,
    ours: PathBuf,
    theirs: PathBuf,
    compared: usize,
    failures: Vec<String>,
}

impl Harness {
    fn new(label: &str) -> Harness {
        Harness {
            sb: Sandbox::new(label),
            ours: Impl::Ours.program("ovsdb-client"),
            theirs: Impl::Reference.program("ovsdb-client"),
            compared: 0,
            failures: Vec::new(),
        }
    }

    fn exec(
        &self,
        program: &Path,
        args: &[&str],
        stdout_file: Option<&Path>,
    ) -> (String, String, i32) {
        self.exec_in(program, args, stdout_file, None)
    }

    fn exec_in(
        &self,
        program: &Path,
        args: &[&str],
        stdout_file: Option<&Path>,
        stdin_file: Option<&Path>,
    ) -> (String, String, i32) {
        let mut cmd = self.sb.command(program);
        cmd.args(args);
        if let Some(f) = stdin_file {
            cmd.stdin(Stdio::from(std::fs::File::open(f).unwrap()));
        }
        if let Some(f) = stdout_file {
            cmd.stdout(Stdio::from(std::fs::File::create(f).unwrap()));
        }
        let out = if stdout_file.is_some() || stdin_file.is_some() {
            if stdout_file.is_none() {
                cmd.stdout(Stdio::piped());
            }
            cmd.stderr(Stdio::piped())
                .output()
                .expect("run ovsdb-client")
        } else {
            self.sb
                .run(&mut cmd, Duration::from_secs(30))
                .expect("run ovsdb-client")
        };
        let prog = program.display().to_string();
        let clean = |b: &[u8]| mask(&String::from_utf8_lossy(b).replace(&prog, "ovsdb-client"));
        (
            clean(&out.stdout),
            clean(&out.stderr),
            out.status.code().unwrap_or(-1),
        )
    }

    fn record(&mut self, what: String, a: (String, String, i32), b: (String, String, i32)) {
        self.compared += 1;
        if a != b {
            self.failures.push(format!(
                "{what}:\n--- ours (rc {}):\n{}{}\n--- reference (rc {}):\n{}{}",
                a.2, a.0, a.1, b.2, b.0, b.1
            ));
        }
    }

    fn check(&mut self, label: &str, args: &[&str]) {
        let a = self.exec(&self.ours, args, None);
        let b = self.exec(&self.theirs, args, None);
        self.record(format!("[{label}] `ovsdb-client {}`", args.join(" ")), a, b);
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

const SEED: &[&str] = &[
    r#"["Test",{"op":"insert","table":"Root","row":{"name":"r1","tags":["set",[1,2]],"kv":["map",[["a","b c"],["k","<&>"]]],"children":["named-uuid","c"],"weak_children":["named-uuid","c"],"r":1.5,"ikv":["map",[[1,2.5]]]}},{"op":"insert","table":"Child","uuid-name":"c","row":{"name":"c1","leaf":["named-uuid","l"]}},{"op":"insert","table":"Leaf","uuid-name":"l","row":{"v":3,"s":["set",["x","y z"]]}}]"#,
    r#"["Test",{"op":"insert","table":"Root","row":{"name":"second row","i":-3,"color":"red","one_to_three":["set",["a","b"]],"b":true}}]"#,
    r#"["Test",{"op":"insert","table":"Limited","row":{"a":1,"b":"x"}},{"op":"insert","table":"Singleton","row":{"m":["map",[["x",1],["y",9]]]}},{"op":"insert","table":"Enum","row":{"color":"green"}}]"#,
];

/// A seeded database file in the sandbox.
fn seeded_db(sb: &Sandbox, name: &str) -> PathBuf {
    let db = sb.dbdir().join(name);
    create_db(sb, Impl::Reference, &db, Path::new(TEST_SCHEMA));
    for t in SEED {
        let out = Command::new(testkit::reference::path("ovsdb-tool"))
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
    db
}

fn servers(h: &mut Harness) -> Vec<(&'static str, ServerHandle)> {
    let mut v = Vec::new();
    for (label, which) in [("ours", Impl::Ours), ("reference", Impl::Reference)] {
        let db = seeded_db(&h.sb, &format!("{label}.db"));
        v.push((label, start_server(&mut h.sb, which, label, &db, &[])));
    }
    v
}

fn have_reference(test: &str) -> bool {
    testkit::reference::require(test, &["ovsdb-client", "ovsdb-server", "ovsdb-tool"])
}

#[test]
fn one_shot_commands_match_reference() {
    if !have_reference("one_shot_commands_match_reference") {
        return;
    }
    let mut h = Harness::new("client-oneshot");
    for (label, server) in servers(&mut h) {
        let x = format!("unix:{}", server.socket.display());
        let x = x.as_str();
        let cases: Vec<Vec<&str>> = vec![
            vec!["list-dbs", x],
            vec!["get-schema", x, "Test"],
            vec!["get-schema", "--pretty", x, "Test"],
            vec!["get-schema-version", x, "Test"],
            vec!["get-schema-version", x],
            vec!["get-schema-cksum", x, "Test"],
            vec!["list-tables", x, "Test"],
            vec!["list-tables", x],
            vec!["list-tables", "-f", "json", x, "Test"],
            vec!["list-tables", x, "Nope"],
            vec!["list-columns", x, "Test"],
            vec!["list-columns", x, "Test", "Root"],
            vec!["list-columns", x, "Test", "Nope"],
            vec!["list-columns", "-f", "csv", x, "Test", "Singleton"],
            vec!["list-columns", "--bare", x, "Test", "Leaf"],
            vec!["dump", x, "Test"],
            vec!["dump", "-f", "list", x, "Test"],
            vec!["dump", "-f", "csv", x, "Test"],
            vec!["dump", "-f", "html", x, "Test"],
            vec!["dump", "-f", "json", x, "Test"],
            vec!["dump", "--pretty", "-f", "json", x, "Test", "Child"],
            vec!["dump", "--bare", x, "Test"],
            vec!["dump", "-d", "json", x, "Test"],
            vec!["dump", "-d", "bare", x, "Test"],
            vec!["dump", "--no-headings", x, "Test", "Limited"],
            vec!["dump", "-f", "html", "--no-headings", x, "Test", "Child"],
            vec!["dump", "-f", "list", "--no-headings", x, "Test", "Leaf"],
            vec!["dump", x, "Test", "Root", "name", "b", "tags"],
            vec!["dump", x, "Test", "Nope"],
            vec!["dump", x, "Test", "Root", "nope"],
            vec![
                "query",
                x,
                r#"["Test",{"op":"select","table":"Limited","where":[]}]"#,
            ],
            vec![
                "query",
                x,
                r#"["Test",{"op":"insert","table":"Limited","row":{"a":2}}]"#,
            ],
            vec![
                "transact",
                x,
                r#"["Test",{"op":"select","table":"Singleton","where":[],"columns":["m"]}]"#,
            ],
            vec![
                "transact",
                "--pretty",
                x,
                r#"["Test",{"op":"comment","comment":"x"}]"#,
            ],
            vec!["transact", x, "{}"],
            vec!["transact", x, "xx"],
            vec!["query", x, "[1,"],
            vec!["--help"],
            vec!["help"],
            vec!["transact", x, r#"["Nope"]"#],
            vec![
                "transact",
                x,
                r#"["Test",{"op":"insert","table":"Nope","row":{}}]"#,
            ],
            vec!["list-dbs", "unix:/nonexistent/socket"],
            vec!["-f", "bogus", "list-dbs", x],
            vec!["-d", "bogus", "list-dbs", x],
            vec![],
            vec!["foo"],
            vec!["--foo"],
            vec!["get-schema", x, "Test", "extra"],
            vec!["wait", x, "Test", "bogus"],
            vec!["wait", x, "Test", "connected"],
            vec!["wait", x, "Nope", "removed"],
            vec!["needs-conversion", x, TEST_SCHEMA],
            vec!["needs-conversion", x, "/nonexistent.ovsschema"],
        ];
        for args in &cases {
            h.check(label, args);
        }
    }
    h.finish(60);
}

/// Starts `program monitor ...` with stdout in `out`; returns the child.
fn spawn_monitor(sb: &Sandbox, program: &Path, args: &[String], out: &Path) -> std::process::Child {
    sb.command(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::fs::File::create(out).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for_lines(path: &Path, needle: &str, count: usize) {
    testkit::wait_until("monitor output", Duration::from_secs(20), || {
        std::fs::read_to_string(path)
            .map(|s| s.matches(needle).count() >= count)
            .unwrap_or(false)
    })
    .unwrap_or_else(|e| panic!("{e}: {}", std::fs::read_to_string(path).unwrap_or_default()));
}

#[test]
fn monitors_match_reference() {
    if !have_reference("monitors_match_reference") {
        return;
    }
    let mut h = Harness::new("client-monitor");
    for (label, server) in servers(&mut h) {
        let x = format!("unix:{}", server.socket.display());
        let monitors: Vec<(Vec<String>, &str)> = vec![
            (
                vec!["monitor".into(), x.clone(), "Test".into(), "Limited".into()],
                "Limited",
            ),
            (
                vec![
                    "monitor".into(),
                    "-f".into(),
                    "list".into(),
                    "--timestamp".into(),
                    x.clone(),
                    "Test".into(),
                    "Limited".into(),
                    "b,a".into(),
                ],
                "Limited",
            ),
            (
                vec!["monitor".into(), x.clone(), "Test".into(), "ALL".into()],
                "ALL",
            ),
            (
                vec![
                    "monitor".into(),
                    "-d".into(),
                    "bare".into(),
                    x.clone(),
                    "Test".into(),
                    "Limited".into(),
                    "a,!insert".into(),
                ],
                "Limited",
            ),
            (
                vec![
                    "monitor-cond-since".into(),
                    x.clone(),
                    "Test".into(),
                    "[true]".into(),
                    "Limited".into(),
                    "a,b".into(),
                ],
                "Limited",
            ),
            (
                vec![
                    "monitor-cond".into(),
                    x.clone(),
                    "Test".into(),
                    r#"[["a",">=",0]]"#.into(),
                    "Limited".into(),
                ],
                "Limited",
            ),
        ];
        let dir = h.sb.root().join(format!("mon-{label}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut running = Vec::new();
        for (i, (args, _)) in monitors.iter().enumerate() {
            for (side, prog) in [("ours", &h.ours), ("ref", &h.theirs)] {
                let out = dir.join(format!("{i}-{side}.out"));
                running.push((i, side, out.clone(), spawn_monitor(&h.sb, prog, args, &out)));
            }
        }
        // Every monitor has printed its initial contents before the table
        // changes.
        for (_, _, out, _) in &running {
            wait_for_lines(out, "initial", 1);
        }
        let tool = testkit::reference::path("ovsdb-client");
        let sock = x.clone();
        let txn = |t: &str| {
            let out = Command::new(&tool)
                .args(["transact", &sock, t])
                .output()
                .unwrap();
            assert!(out.status.success());
        };
        txn(r#"["Test",{"op":"insert","table":"Limited","row":{"a":2,"b":"y"}}]"#);
        txn(
            r#"["Test",{"op":"update","table":"Limited","where":[["a","==",2]],"row":{"b":"zz"}}]"#,
        );
        txn(r#"["Test",{"op":"delete","table":"Limited","where":[["a","==",2]]}]"#);
        for (_, _, out, _) in &running {
            wait_for_lines(out, "delete", 1);
        }
        for (_, _, _, child) in &mut running {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(child.id() as i32),
                nix::sys::signal::Signal::SIGTERM,
            );
            let _ = child.wait();
        }
        for (i, (args, _)) in monitors.iter().enumerate() {
            let read = |side: &str| {
                mask(&std::fs::read_to_string(dir.join(format!("{i}-{side}.out"))).unwrap())
            };
            h.record(
                format!("[{label}] `ovsdb-client {}`", args.join(" ")),
                (read("ours"), String::new(), 0),
                (read("ref"), String::new(), 0),
            );
        }
        // Errors in the monitor arguments.
        for args in [
            vec!["monitor", &x, "Test", "Limited", "a,b", "Enum"],
            vec!["monitor", &x, "Test", "Limited,Enum"],
            vec!["monitor", &x, "Test", "Leaf", "v,s,v"],
            vec!["monitor", &x, "Test", "Nope"],
            vec!["monitor", &x, "Test", "Limited", "!insert", "a"],
            vec!["monitor", &x, "Test"],
        ] {
            h.check(label, &args);
        }
    }
    h.finish(20);
}

#[test]
fn backup_matches_reference() {
    if !have_reference("backup_matches_reference") {
        return;
    }
    let mut h = Harness::new("client-backup");
    for (label, server) in servers(&mut h) {
        let x = format!("unix:{}", server.socket.display());
        let mine = h.sb.root().join(format!("{label}-ours.bak"));
        let theirs = h.sb.root().join(format!("{label}-ref.bak"));
        let a = h.exec(&h.ours.clone(), &["backup", &x, "Test"], Some(&mine));
        let b = h.exec(&h.theirs.clone(), &["backup", &x, "Test"], Some(&theirs));
        h.record(format!("[{label}] backup"), a, b);
        // The files show the same log, and their schema records are identical.
        // Rows and tables come in the same order; the order of columns
        // inside a row follows the server's wire order, so those lines are
        // compared as sets.
        let tool = testkit::reference::path("ovsdb-tool");
        let show = |f: &Path, more: &str, sort: bool| {
            let out = Command::new(&tool)
                .args([more, "show-log"])
                .arg(f)
                .output()
                .unwrap();
            let mut text = mask(&String::from_utf8_lossy(&out.stdout));
            if sort {
                let mut lines: Vec<&str> = text.lines().collect();
                lines.sort_unstable();
                text = lines.join("\n");
            }
            (
                text,
                mask(&String::from_utf8_lossy(&out.stderr)),
                out.status.code().unwrap_or(-1),
            )
        };
        for (more, sort) in [("-m", false), ("-mm", true)] {
            let (sa, sb) = (show(&mine, more, sort), show(&theirs, more, sort));
            h.record(format!("[{label}] show-log {more} of backup"), sa, sb);
        }
        let first = |f: &Path| {
            let bytes = std::fs::read(f).unwrap();
            let header_end = bytes.iter().position(|c| *c == b'\n').unwrap_or(0);
            let header = String::from_utf8_lossy(&bytes[..header_end]).to_string();
            let len: usize = header
                .split(' ')
                .nth(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            bytes[..(header_end + 1 + len).min(bytes.len())].to_vec()
        };
        h.compared += 1;
        if first(&mine) != first(&theirs) {
            h.failures
                .push(format!("[{label}] backup schema records differ"));
        }
        // Restoring either backup gives the same database, and bad input
        // gets the same errors.
        let empty = h.sb.root().join("empty");
        std::fs::write(&empty, b"").unwrap();
        let garbage = h.sb.root().join("garbage");
        std::fs::write(&garbage, b"garbage\n").unwrap();
        let other = h.sb.root().join(format!("{label}-other.db"));
        let v2 = h.sb.root().join("v2.ovsschema");
        let text = std::fs::read_to_string(TEST_SCHEMA).unwrap();
        std::fs::write(&v2, text.replace("\"1.2.3\"", "\"1.3.0\"")).unwrap();
        create_db(&h.sb, Impl::Reference, &other, &v2);
        for input in [&theirs, &mine, &empty, &garbage, &other] {
            let ours = h.ours.clone();
            let reference = h.theirs.clone();
            let a = h.exec_in(&ours, &["restore", &x, "Test"], None, Some(input));
            let da = h.exec(&ours, &["dump", &x, "Test"], None);
            let b = h.exec_in(&reference, &["restore", &x, "Test"], None, Some(input));
            let db = h.exec(&ours, &["dump", &x, "Test"], None);
            h.record(format!("[{label}] restore < {}", input.display()), a, b);
            h.record(
                format!("[{label}] dump after restore < {}", input.display()),
                da,
                db,
            );
        }
    }
    h.finish(20);
}
