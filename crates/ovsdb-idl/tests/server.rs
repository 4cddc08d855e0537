//! The replica and optimistic-concurrency transactions against a real
//! server: ours and, when installed, Open vSwitch's (the oracle).

use std::path::Path;
use std::time::Duration;

use ovsdb::{Atom, Datum};
use ovsdb_idl::{Client, CommitStatus, Txn};
use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::Sandbox;

fn map(k: &str, v: &str) -> Datum {
    Datum::map(vec![(Atom::String(k.into()), Atom::String(v.into()))])
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(20), f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

fn scenario(which: Impl) {
    let mut sb = Sandbox::new("idl");
    let db = sb.dbdir().join("conf.db");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
    create_db(&sb, which, &db, &schema);
    let h = start_server(&mut sb, which, "db", &db, &[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let addr =
            stream::Address::parse(&format!("unix:{}", h.socket.display()), None).expect("address");
        let ctx = stream::Context::new(sb.rundir());
        let mut a = within(
            "connect a",
            Client::connect(&addr, &ctx, "Open_vSwitch", &None),
        )
        .await
        .expect("connect a");
        let mut b = within(
            "connect b",
            Client::connect(&addr, &ctx, "Open_vSwitch", &None),
        )
        .await
        .expect("connect b");

        // B creates the root row; A's replica learns about it.
        let mut t = Txn::new(b.replica());
        let provisional = t.insert("Open_vSwitch", None);
        let ovs = match within("commit", b.commit(&t)).await.expect("commit") {
            CommitStatus::Success { inserted, .. } => inserted[&provisional],
            other => panic!("{other:?}"),
        };
        within(
            "replica a",
            a.wait_until(|r| r.row("Open_vSwitch", &ovs).is_some()),
        )
        .await
        .expect("update");

        // A decides based on external_ids; B changes them meanwhile.
        let mut ta = Txn::new(a.replica());
        ta.verify("Open_vSwitch", &ovs, "external_ids");
        ta.write("Open_vSwitch", &ovs, "other_config", map("a", "b"));
        within(
            "replica b",
            b.wait_until(|r| r.row("Open_vSwitch", &ovs).is_some()),
        )
        .await
        .expect("update");
        let mut tb = Txn::new(b.replica());
        tb.write("Open_vSwitch", &ovs, "external_ids", map("x", "y"));
        assert!(matches!(
            within("commit b", b.commit(&tb)).await.expect("commit b"),
            CommitStatus::Success { .. }
        ));
        assert_eq!(
            within("commit a", a.commit(&ta)).await.expect("commit a"),
            CommitStatus::TryAgain
        );

        // A re-runs on fresh data and succeeds, bumping next_cfg.
        within("change", a.wait_for_change_since(ta.base().seqno()))
            .await
            .expect("change");
        assert_eq!(
            a.replica().get("Open_vSwitch", &ovs, "external_ids"),
            Some(&map("x", "y"))
        );
        let mut ta = Txn::new(a.replica());
        ta.verify("Open_vSwitch", &ovs, "external_ids");
        ta.write("Open_vSwitch", &ovs, "other_config", map("a", "b"));
        ta.increment("Open_vSwitch", &ovs, "next_cfg");
        match within("commit a again", a.commit(&ta))
            .await
            .expect("commit")
        {
            CommitStatus::Success { increment, .. } => assert_eq!(increment, Some(1)),
            other => panic!("{other:?}"),
        }
        within(
            "own update",
            a.wait_until(|r| r.get("Open_vSwitch", &ovs, "other_config") == Some(&map("a", "b"))),
        )
        .await
        .expect("update");

        // Deleting a row that is already gone is "try again", not an error.
        let mut t1 = Txn::new(a.replica());
        let br = t1.insert("Bridge", None);
        t1.write(
            "Bridge",
            &br,
            "name",
            Datum::scalar(Atom::String("br0".into())),
        );
        t1.write(
            "Open_vSwitch",
            &ovs,
            "bridges",
            Datum::set(vec![Atom::Uuid(br)]),
        );
        let br = match within("add bridge", a.commit(&t1)).await.expect("commit") {
            CommitStatus::Success { inserted, .. } => inserted[&br],
            other => panic!("{other:?}"),
        };
        within("bridge", a.wait_until(|r| r.row("Bridge", &br).is_some()))
            .await
            .expect("update");
        let mut t2 = Txn::new(a.replica());
        t2.write(
            "Bridge",
            &br,
            "fail_mode",
            Datum::scalar(Atom::String("secure".into())),
        );
        let mut t3 = Txn::new(a.replica());
        t3.write("Open_vSwitch", &ovs, "bridges", Datum::set(Vec::new()));
        assert!(matches!(
            within("remove bridge", a.commit(&t3))
                .await
                .expect("commit"),
            CommitStatus::Success { .. }
        ));
        assert_eq!(
            within("stale update", a.commit(&t2)).await.expect("commit"),
            CommitStatus::TryAgain
        );
    });
}

#[test]
fn try_again_and_increment_with_our_server() {
    scenario(Impl::Ours);
}

#[test]
fn try_again_and_increment_with_reference_server() {
    if !testkit::reference::require("idl", &["ovsdb-server", "ovsdb-tool"]) {
        return;
    }
    scenario(Impl::Reference);
}
