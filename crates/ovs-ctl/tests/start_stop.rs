//! `ovs-ctl start|status|stop` as a start script uses it (seed section 2): idempotent start
//! (the database created only once, a running server left alone), the `Open_vSwitch` row
//! initialised, a random system id kept across restarts, and stop through the pidfiles.
//! Needs the workspace's binaries built (`cargo build --workspace --bins`), as CI does.

use std::time::Duration;

use testkit::{bin_path, Sandbox};

fn ctl(sb: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let out = sb
        .run(
            sb.command(bin_path("ovs-ctl")).args(args),
            Duration::from_secs(60),
        )
        .expect("run ovs-ctl");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn vsctl(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb
        .run(
            sb.command(bin_path("ovs-vsctl")).args(args),
            Duration::from_secs(30),
        )
        .expect("run ovs-vsctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn start_is_idempotent_and_stop_stops() {
    let mut sb = Sandbox::new("ovsctl");
    sb.track_pidfile(sb.rundir().join("ovsdb-server.pid"));
    sb.track_pidfile(sb.rundir().join("ovs-vswitchd.pid"));
    // Dummy ports only: the test must not create devices on the machine.
    let start = [
        "--system-id=random",
        "--ovs-vswitchd-options=--enable-dummy=override",
        "start",
    ];
    let (code, out, err) = ctl(&sb, &start);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Creating empty database"), "{out}");
    assert!(out.contains("Starting ovsdb-server."), "{out}");

    let id = vsctl(&sb, &["get", "Open_vSwitch", ".", "external_ids:system-id"]);
    assert_eq!(id.trim().trim_matches('"').len(), 36, "{id}");
    assert_eq!(
        vsctl(&sb, &["get", "Open_vSwitch", ".", "db_version"]).trim(),
        "\"8.3.1\""
    );
    vsctl(&sb, &["--no-wait", "add-br", "br0"]);

    // Second start: nothing restarted, nothing recreated.
    let (code, out, _) = ctl(&sb, &start);
    assert_eq!(code, 0);
    assert!(out.contains("ovsdb-server is already running."), "{out}");
    assert!(out.contains("ovs-vswitchd is already running."), "{out}");
    assert!(!out.contains("Creating"), "{out}");
    assert_eq!(vsctl(&sb, &["list-br"]).trim(), "br0");

    let (code, out, _) = ctl(&sb, &["status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ovsdb-server is running with pid"), "{out}");
    assert!(out.contains("ovs-vswitchd is running with pid"), "{out}");

    // Restart keeps the database and the random system id.
    let (code, out, err) = ctl(&sb, &["stop"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Exiting ovsdb-server"), "{out}");
    let (code, out, _) = ctl(&sb, &["status"]);
    assert_eq!(code, 1);
    assert!(out.contains("ovsdb-server is not running"), "{out}");
    let (code, _, err) = ctl(&sb, &start);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        vsctl(&sb, &["get", "Open_vSwitch", ".", "external_ids:system-id"]),
        id
    );
    assert_eq!(vsctl(&sb, &["list-br"]).trim(), "br0");
    let (code, _, _) = ctl(&sb, &["stop"]);
    assert_eq!(code, 0);
}

#[test]
fn usage_errors() {
    let sb = Sandbox::new("ovsctl-usage");
    let (code, _, err) = ctl(&sb, &["bogus"]);
    assert_eq!(code, 1);
    assert!(err.contains("unknown command"), "{err}");
    let (code, _, err) = ctl(&sb, &["--nonsense", "start"]);
    assert_eq!(code, 1);
    assert!(err.contains("unrecognized option '--nonsense'"), "{err}");
}
