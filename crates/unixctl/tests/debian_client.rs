//! Debian's `ovs-appctl` as the client of our unixctl server.
//!
//! For each command the reference client is run twice: once against our
//! server (in this process) and once against a private Debian
//! `ovsdb-server`; exit status, stdout and stderr must match (for commands
//! whose output does not depend on which daemon answers). Skipped when the
//! reference binaries are not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use unixctl::Server;

fn reference_available() -> bool {
    [
        "/usr/bin/ovs-appctl",
        "/usr/sbin/ovsdb-server",
        "/usr/bin/ovsdb-tool",
    ]
    .iter()
    .all(|p| Path::new(p).exists())
}

struct Daemon {
    pid: u32,
    ctl: PathBuf,
    _dir: tempfile::TempDir,
}

impl Daemon {
    fn start() -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("conf.db");
        assert!(Command::new("/usr/bin/ovsdb-tool")
            .arg("create")
            .arg(&db)
            .arg("/usr/share/openvswitch/vswitch.ovsschema")
            .status()
            .unwrap()
            .success());
        let ctl = dir.path().join("ref.ctl");
        let pidfile = dir.path().join("ref.pid");
        assert!(Command::new("/usr/sbin/ovsdb-server")
            .env("OVS_RUNDIR", dir.path())
            .arg(&db)
            .arg(format!("--pidfile={}", pidfile.display()))
            .arg(format!("--unixctl={}", ctl.display()))
            .arg(format!("--log-file={}", dir.path().join("log").display()))
            .arg("--no-chdir")
            .arg("--detach")
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(pid) = std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                if ctl.exists() {
                    return Daemon {
                        pid,
                        ctl,
                        _dir: dir,
                    };
                }
            }
            assert!(Instant::now() < deadline, "ovsdb-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

fn appctl(target: &Path, args: &[&str]) -> Output {
    Command::new("/usr/bin/ovs-appctl")
        .arg("-t")
        .arg(target)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn debian_ovs_appctl_drives_our_server() {
    if !reference_available() {
        eprintln!("skipping: Open vSwitch reference binaries not installed");
        return;
    }
    let reference = Daemon::start();
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.ctl");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let vlog: &'static vlog::Vlog = Box::leak(Box::new(vlog::Vlog::new("ours")));
    vlog.set_console(Box::new(std::io::sink()));
    let server = Server::new("ours (Open vSwitch) 3.1.0");
    server.register_vlog_commands(vlog);
    server.register("exit", "", 0, 0, |_| Ok(String::new()));
    server.register("ovsdb-server/add-db", "DB", 1, 1, |_| Ok(String::new()));
    let bound = rt.block_on(async { server.bind(&ours) }).unwrap();
    rt.spawn(async move { bound.run().await });

    // Output that must be identical whichever daemon answers.
    for args in [
        &["nosuch"][..],
        &["echo", "x"],
        &["version", "extra"],
        &["exit", "a"],
        &["ovsdb-server/add-db"],
        &["vlog/set", "foo:bar"],
        &["vlog/set", "vlog:console:warn:info"],
        &["vlog/set", "vlog,file:off", "unixctl:syslog:dbg"],
        &["vlog/set", "PATTERN"],
        &["vlog/set", "PATTERN:nowhere:%m"],
        &["vlog/set", "FACILITY:nope"],
        &["vlog/set", "PATTERN:file:%d %m"],
        &["vlog/list-pattern"],
        &[
            "vlog/set",
            "PATTERN:file:%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m",
        ],
        &["vlog/list-pattern"],
        &["vlog/disable-rate-limit", "nosuch"],
        &["vlog/reopen", "x"],
        &["vlog/close"],
    ] {
        let a = appctl(&ours, args);
        let b = appctl(&reference.ctl, args);
        let strip = |o: &Output, p: &Path| {
            String::from_utf8_lossy(&o.stderr).replace(p.to_str().unwrap(), "<target>")
        };
        assert_eq!(a.stdout, b.stdout, "stdout differs for {args:?}");
        assert_eq!(
            strip(&a, &ours),
            strip(&b, &reference.ctl),
            "stderr differs for {args:?}"
        );
        assert_eq!(
            a.status.code(),
            b.status.code(),
            "status differs for {args:?}"
        );
    }

    // Daemon-specific output: check it directly.
    let out = appctl(&ours, &["version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ours (Open vSwitch) 3.1.0\n"
    );
    let out = appctl(&ours, &["list-commands"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.starts_with("The available commands are:\n  exit                    \n"));
    assert!(text.contains("  vlog/disable-rate-limit [module]...\n"));
    let out = appctl(&ours, &["vlog/list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), vlog.list());
    assert!(vlog
        .list()
        .contains("\nunixctl           INFO        DBG       INFO\n"));
    rt.shutdown_background();
}

/// The example daemon, built by `cargo test` next to the test binaries.
fn demo_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let demo = dir.join("examples").join("unixctl_demo");
    demo.exists().then_some(demo)
}

#[test]
fn locked_pidfile_is_found_across_processes() {
    let Some(demo) = demo_binary() else {
        eprintln!("skipping: unixctl_demo example not built");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(&demo)
        .env("OVS_RUNDIR", dir.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ctl = dir.path().join(format!("unixctl-demo.{}.ctl", child.id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ctl.exists() {
        assert!(Instant::now() < deadline, "demo did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pidfile = dir.path().join("unixctl-demo.pid");
    assert_eq!(
        daemon::pidfile::read_live_pid(&pidfile).unwrap(),
        child.id()
    );
    if reference_available() {
        // Debian's ovs-appctl checks the lock too.
        let out = Command::new("/usr/bin/ovs-appctl")
            .env("OVS_RUNDIR", dir.path())
            .args(["-t", "unixctl-demo", "demo/echo", "a", "b"])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a b\n");
        assert_eq!(out.status.code(), Some(0));
    }
    // Ask it to exit through our own client.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reply = rt.block_on(async {
        let mut c = unixctl::Client::connect(&ctl).await.unwrap();
        c.transact("exit", &[]).await
    });
    // The daemon may exit before or after replying; both are fine.
    let _ = reply;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("demo did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!pidfile.exists());
    assert!(!ctl.exists());
}
