//! Checks that the incrementally updated topology cache always equals a
//! rebuild from the transaction's view.

use std::sync::Arc;

use ovsdb::DatabaseSchema;
use ovsdb_idl::{Replica, Txn};

use super::{build, run, Cache};
use crate::cmd::{parse_commands, Ctx, Logger, Symtab};

fn ctx() -> Ctx {
    let text = include_str!("../../../../schemas/vswitch.ovsschema");
    let json: serde_json::Value = serde_json::from_str(text).expect("schema JSON");
    let schema = DatabaseSchema::from_json(&json).expect("schema");
    let replica = Replica::new(Arc::new(schema));
    let mut txn = Txn::new(&replica);
    let ovs = txn.insert("Open_vSwitch", None);
    Ctx {
        txn,
        symtab: Symtab::default(),
        ovs,
        log: Logger { console: false },
        new_ifaces: Vec::new(),
        topo: None,
    }
}

/// Runs one command line; returns whether a cache was kept afterwards.
fn step(ctx: &mut Ctx, line: &str) -> bool {
    let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    let mut cmds = parse_commands(&args, Vec::new()).expect("parses");
    for c in &mut cmds {
        let done = run(ctx, c).expect("vswitch command runs");
        if !done {
            crate::dbctl::run(ctx, c).expect("db command runs");
        }
    }
    let kept: Option<Cache> = ctx.topo.clone();
    match kept {
        Some(c) => {
            assert_eq!(c, build(ctx), "cache diverged after `{line}`");
            true
        }
        None => false,
    }
}

#[test]
fn incremental_cache_matches_rebuild() {
    let mut ctx = ctx();
    let kept = [
        "add-br br0",
        "add-port br0 p1",
        "add-port br0 p2",
        "add-bond br0 b0 a b",
        "add-bond-iface b0 c",
        "del-bond-iface b0 a",
        "del-port br0 p2",
        "add-br br1",
        "add-port br1 r1",
        "add-bond br1 r2 x y",
        "del-br br1",
        "--may-exist add-port br0 p1",
        "list-ports br0",
        "port-to-br p1",
        "--with-iface del-port c",
    ];
    for line in kept {
        assert!(step(&mut ctx, line), "no cache kept after `{line}`");
    }
    // Changes not mirrored incrementally drop the cache; the next command
    // rebuilds it and later ones keep it in step again.
    assert!(!step(&mut ctx, "add-br fake br0 10"));
    assert!(step(&mut ctx, "add-port fake q1"));
    assert!(step(&mut ctx, "add-port br0 q2"));
    assert!(!step(&mut ctx, "set Port q2 tag=10"));
    assert!(step(&mut ctx, "port-to-br q2"));
    assert!(!step(&mut ctx, "add-port br0 q3 tag=10"));
    assert!(step(&mut ctx, "add-port br0 q4"));
    assert!(!step(&mut ctx, "del-br fake"));
    assert!(step(&mut ctx, "list-br"));
    let c = ctx.topo.clone().unwrap_or_default();
    let ports: Vec<&str> = c.ports.keys().map(String::as_str).collect();
    assert_eq!(ports, ["br0", "p1", "q4"]);
}
