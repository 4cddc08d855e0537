//! Differential tests: our `ovs-appctl` against Debian's, both talking to a
//! private Debian `ovsdb-server`. Every case runs the two binaries with the
//! same arguments and environment and requires identical exit status,
//! stdout and stderr (timestamps in log lines are masked). Skipped, with a
//! note, when the reference binaries are not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const OURS: &str = env!("CARGO_BIN_EXE_ovs-appctl");
const THEIRS: &str = "/usr/bin/ovs-appctl";

fn reference_available() -> bool {
    [
        "/usr/bin/ovs-appctl",
        "/usr/sbin/ovsdb-server",
        "/usr/bin/ovsdb-tool",
    ]
    .iter()
    .all(|p| Path::new(p).exists())
        && Path::new("/usr/share/openvswitch/vswitch.ovsschema").exists()
}

/// A private ovsdb-server, killed (by pid) on drop.
struct Daemon {
    pid: u32,
    dir: tempfile::TempDir,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("conf.db");
        let st = Command::new("/usr/bin/ovsdb-tool")
            .arg("create")
            .arg(&db)
            .arg("/usr/share/openvswitch/vswitch.ovsschema")
            .status()
            .unwrap();
        assert!(st.success());
        let st = Command::new("/usr/sbin/ovsdb-server")
            .env("OVS_RUNDIR", dir.path())
            .arg(&db)
            .arg("--pidfile")
            .arg(format!("--log-file={}", dir.path().join("log").display()))
            .arg("--no-chdir")
            .arg("--detach")
            .status()
            .unwrap();
        assert!(st.success());
        let pidfile = dir.path().join("ovsdb-server.pid");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse::<u32>().ok())
            {
                let ctl = dir.path().join(format!("ovsdb-server.{pid}.ctl"));
                if ctl.exists() {
                    return Daemon { pid, dir };
                }
            }
            assert!(Instant::now() < deadline, "ovsdb-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn rundir(&self) -> &Path {
        self.dir.path()
    }

    fn ctl(&self) -> PathBuf {
        self.dir
            .path()
            .join(format!("ovsdb-server.{}.ctl", self.pid))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

fn run(bin: &str, rundir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .env("OVS_RUNDIR", rundir)
        .args(args)
        .output()
        .unwrap()
}

/// Replaces `YYYY-MM-DDTHH:MM:SSZ` timestamps with a fixed string.
fn mask_times(s: &[u8]) -> String {
    let s = String::from_utf8_lossy(s);
    s.lines()
        .map(|l| {
            let b = l.as_bytes();
            if b.len() > 20 && b[4] == b'-' && b[10] == b'T' && b[19] == b'Z' {
                format!("<time>{}", &l[20..])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if s.ends_with('\n') { "\n" } else { "" }
}

fn same(rundir: &Path, args: &[&str]) {
    let ours = run(OURS, rundir, args);
    let theirs = run(THEIRS, rundir, args);
    assert_eq!(
        mask_times(&ours.stdout),
        mask_times(&theirs.stdout),
        "stdout differs for {args:?}"
    );
    // getopt messages start with argv[0], which differs by construction.
    assert_eq!(
        mask_times(&ours.stderr).replace(OURS, "<argv0>"),
        mask_times(&theirs.stderr).replace(THEIRS, "<argv0>"),
        "stderr differs for {args:?}"
    );
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "status differs for {args:?}"
    );
}

#[test]
fn matches_debian_ovs_appctl_against_debian_ovsdb_server() {
    if !reference_available() {
        eprintln!("skipping: Open vSwitch reference binaries not installed");
        return;
    }
    let d = Daemon::start();
    let ctl = d.ctl();
    let ctl = ctl.to_str().unwrap();
    let rd = d.rundir();
    for t in [
        &["-t", "ovsdb-server"][..],
        &["-t", ctl][..],
        &["--target=ovsdb-server"][..],
    ] {
        let with = |rest: &[&str]| -> Vec<String> {
            t.iter().chain(rest.iter()).map(|s| s.to_string()).collect()
        };
        for cmd in [
            &["version"][..],
            &["list-commands"],
            &["nosuch"],
            &["echo"],
            &["vlog/list"],
            &["vlog/list-pattern"],
            &["vlog/set", "foo:bar"],
            &["vlog/set", "vlog:console:warn:info"],
            &["vlog/set", "PATTERN:xx:%m"],
            &["vlog/reopen", "x"],
            &["exit", "a", "b"],
            &["ovsdb-server/add-db"],
            &["vlog/disable-rate-limit", "nosuch"],
            &["vlog/set", "jsonrpc:file:dbg"],
            &["vlog/list"],
            &["vlog/set", "jsonrpc:file:info"],
        ] {
            let args = with(cmd);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            same(rd, &args);
        }
    }
    // Client-side failures.
    same(rd, &["-t", "nosuchdaemon", "version"]);
    same(rd, &["version"]);
    std::fs::write(rd.join("stale.pid"), "999999999\n").unwrap();
    same(rd, &["-t", "stale", "version"]);
    std::fs::write(rd.join("junk.pid"), "junk\n").unwrap();
    same(rd, &["-t", "junk", "version"]);
    let missing = rd.join("missing.ctl");
    same(rd, &["-t", missing.to_str().unwrap(), "version"]);
    same(rd, &[]);
    same(rd, &["-t", ctl]);
    same(rd, &["--bogus"]);
    same(rd, &["-x"]);
    same(rd, &["-t"]);
    same(rd, &["-T"]);
    same(rd, &["-T", "abc", "version"]);
    same(rd, &["--t", "x", "version"]);
    same(rd, &["--help"]);
    same(rd, &["-h"]);
    same(rd, &["-V"]);
    same(rd, &["--version"]);
    same(rd, &["--option"]);
    same(rd, &["-o"]);
    same(rd, &["--v"]);
    same(rd, &["--log"]);
    same(rd, &["-e", "-t", ctl, "version"]);
    same(rd, &["--execute=1", "version"]);
    same(rd, &["-vnosuch", "version"]);
    same(rd, &["-t", ctl, "-T", "5", "--", "version"]);
    let log = rd.join("appctl.log");
    let log_opt = format!("--log-file={}", log.display());
    same(rd, &[&log_opt, "-t", ctl, "version"]);
    same(
        rd,
        &["-t", ctl, "--log-file=/nonexistent/dir/x.log", "version"],
    );
}

#[test]
fn timeout_exits_like_sigalrm() {
    // A socket that accepts and never answers.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hang.ctl");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let start = Instant::now();
    let out = Command::new(OURS)
        .args(["-T", "1", "-t", path.to_str().unwrap(), "version"])
        .output()
        .unwrap();
    drop(listener);
    assert!(start.elapsed() >= Duration::from_millis(900));
    assert_eq!(out.status.code(), Some(142));
    assert!(mask_times(&out.stderr)
        .starts_with("<time>|00001|fatal_signal|WARN|terminating with signal 14 (Alarm clock)"));
}
