//! `--wait` (the default): after a change, ovs-vsctl increments `next_cfg`
//! and exits only once `cur_cfg` (written by ovs-vswitchd, here by the
//! test) reaches it.  Checked with ours and with Open vSwitch's binaries.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::Sandbox;

fn vsctl(sb: &Sandbox, which: Impl, args: &[&str]) -> (bool, String) {
    let out = sb
        .run(
            sb.command(which.program("ovs-vsctl")).args(args),
            Duration::from_secs(20),
        )
        .expect("run ovs-vsctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Returns what was observed: (exited before cur_cfg was set, final status,
/// list-br output followed by the waiting command's stderr, which reports
/// the new interface that no ovs-vswitchd set up).
fn scenario(which: Impl) -> (bool, bool, String) {
    let mut sb = Sandbox::new("vsctl-wait");
    let db = sb.dbdir().join("conf.db");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
    create_db(&sb, which, &db, &schema);
    let h = start_server(&mut sb, which, "db", &db, &[]);
    let dbarg = format!("--db=unix:{}", h.socket.display());
    assert!(vsctl(&sb, which, &[&dbarg, "--no-wait", "init"]).0);
    let mut child = sb
        .command(which.program("ovs-vsctl"))
        .args([&dbarg, "--timeout=30", "add-br", "br0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ovs-vsctl");
    testkit::wait_until(
        "next_cfg to be incremented",
        Duration::from_secs(20),
        || {
            vsctl(
                &sb,
                which,
                &[&dbarg, "get", "Open_vSwitch", ".", "next_cfg"],
            )
            .1 == "1\n"
        },
    )
    .expect("next_cfg");
    // The change is committed but the command still waits for cur_cfg.
    let early = child.try_wait().expect("try_wait").is_some();
    assert!(
        vsctl(
            &sb,
            which,
            &[&dbarg, "--no-wait", "set", "Open_vSwitch", ".", "cur_cfg=1"]
        )
        .0
    );
    let mut status = None;
    testkit::wait_until("ovs-vsctl to exit", Duration::from_secs(20), || {
        status = child.try_wait().ok().flatten();
        status.is_some()
    })
    .expect("exit");
    let ok = status.is_some_and(|s| s.success());
    let stderr = child
        .wait_with_output()
        .map(|o| o.stderr)
        .unwrap_or_default();
    let stderr =
        String::from_utf8_lossy(&stderr).replace(&sb.root().display().to_string(), "<dir>");
    (
        early,
        ok,
        vsctl(&sb, which, &[&dbarg, "list-br"]).1 + &stderr,
    )
}

#[test]
fn waits_for_cur_cfg_like_open_vswitch() {
    let ours = scenario(Impl::Ours);
    assert_eq!(
        ours,
        (
            false,
            true,
            "br0\novs-vsctl: Error detected while setting up 'br0'.  See ovs-vswitchd log for \
             details.\novs-vsctl: The default log directory is \"<dir>/log\".\n"
                .to_string()
        )
    );
    if testkit::reference::require("vsctl wait", &["ovs-vsctl", "ovsdb-server", "ovsdb-tool"]) {
        assert_eq!(scenario(Impl::Reference), ours);
    }
}
