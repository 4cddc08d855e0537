//! Optimistic concurrency: ovs-vsctl processes that add ports to the same
//! bridge at the same time all succeed, because each one's transaction
//! verifies the bridge's `ports` column and is re-run on fresh data when
//! another process changed it first.  Run against our ovsdb-server and,
//! when installed, Open vSwitch's.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::Sandbox;

fn scenario(server: Impl) {
    let mut sb = Sandbox::new("vsctl-conc");
    let db = sb.dbdir().join("conf.db");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
    create_db(&sb, server, &db, &schema);
    let h = start_server(&mut sb, server, "db", &db, &[]);
    let dbarg = format!("--db=unix:{}", h.socket.display());
    let vsctl = Impl::Ours.program("ovs-vsctl");
    let run = |args: &[&str]| {
        sb.run(
            sb.command(&vsctl).arg(&dbarg).args(args),
            Duration::from_secs(20),
        )
        .expect("run ovs-vsctl")
    };
    assert!(run(&["--no-wait", "add-br", "br0"]).status.success());
    let names: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
    let mut children: Vec<Child> = names
        .iter()
        .map(|n| {
            sb.command(&vsctl)
                .args([&dbarg, "--no-wait", "--timeout=20", "add-port", "br0", n])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let mut statuses = vec![None; children.len()];
    testkit::wait_until("all ovs-vsctl to exit", Duration::from_secs(30), || {
        for (c, s) in children.iter_mut().zip(statuses.iter_mut()) {
            if s.is_none() {
                *s = c.try_wait().ok().flatten();
            }
        }
        statuses.iter().all(Option::is_some)
    })
    .expect("exit");
    assert!(
        statuses.iter().all(|s| s.is_some_and(|s| s.success())),
        "{statuses:?}"
    );
    let out = run(&["list-ports", "br0"]);
    let mut want = names.clone();
    want.sort();
    assert_eq!(String::from_utf8_lossy(&out.stdout), want.join("\n") + "\n");
}

#[test]
fn concurrent_add_port_with_our_server() {
    scenario(Impl::Ours);
}

#[test]
fn concurrent_add_port_with_reference_server() {
    if !testkit::reference::require("vsctl concurrency", &["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    scenario(Impl::Reference);
}
