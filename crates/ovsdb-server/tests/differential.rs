//! Differential test: the same transactions against our ovsdb-server and Debian's.
//!
//! `tests/data/transactions.json` lists cases; each case is a sequence of transactions run on a
//! fresh database (the `Test` schema in `tests/data/test.ovsschema`, or `Open_vSwitch` from our
//! `schemas/vswitch.ovsschema`). Both servers' results are normalised (UUIDs masked, select rows
//! sorted) and compared. A later transaction may name a UUID an earlier one returned as
//! `["uuid", "$T.I"]` (result `I` of transaction `T`), resolved per server.
//!
//! Known, deliberate differences are listed with their reason in
//! `tests/data/known-differences.json` (case name -> reason); everything else must match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use testkit::ovsdb::{create_db, normalise, start_server, Impl, RpcClient};
use testkit::Sandbox;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn vswitch_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema")
}

/// The vswitch schema each implementation is tested with: ours for ours, and ours for the
/// reference too once it exists (so both run the very same schema).
fn vswitch_schema_for(_which: Impl) -> PathBuf {
    let ours = vswitch_schema();
    if ours.exists() {
        ours
    } else {
        testkit::reference::vswitch_schema()
    }
}

/// Replaces `["uuid", "$T.I"]` with the UUID returned by op `I` of transaction `T`.
fn substitute(v: &Value, results: &[Value]) -> Value {
    match v {
        Value::Array(a) if a.len() == 2 && a[0] == "uuid" => {
            if let Some(r) = a[1].as_str().and_then(|s| s.strip_prefix('$')) {
                let (t, i) = r.split_once('.').expect("$T.I");
                let t: usize = t.parse().expect("T");
                let i: usize = i.parse().expect("I");
                return results[t][i]["uuid"].clone();
            }
            Value::Array(a.iter().map(|x| substitute(x, results)).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, results)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, results)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn run_case(which: Impl, case: &Value) -> Vec<Value> {
    let mut sb = Sandbox::new("diff");
    let db_name = case["db"].as_str().unwrap_or("Test");
    let schema = if db_name == "Open_vSwitch" {
        vswitch_schema_for(which)
    } else {
        data("test.ovsschema")
    };
    let db = sb.dbdir().join("test.db");
    create_db(&sb, which, &db, &schema);
    let server = start_server(&mut sb, which, "db", &db, &[]);
    let mut client = RpcClient::connect(&server.socket, Duration::from_secs(5)).expect("connect");
    let mut results: Vec<Value> = Vec::new();
    if let Some(text) = case.get("raw_text").and_then(Value::as_str) {
        client.send_raw(text.as_bytes()).expect("send");
        let mut replies = Vec::new();
        for _ in 0..case["replies"].as_u64().unwrap_or(1) {
            match client.recv() {
                Ok(msg) => replies.push(msg),
                Err(testkit::ovsdb::RpcError::Closed) => {
                    replies.push(json!("<EOF>"));
                    break;
                }
                Err(e) => {
                    replies.push(json!(format!("<{e}>")));
                    break;
                }
            }
        }
        return replies;
    }
    for txn in case["txns"].as_array().expect("txns") {
        let ops: Vec<Value> = txn
            .as_array()
            .expect("txn array")
            .iter()
            .map(|op| substitute(op, &results))
            .collect();
        let result = client.transact(db_name, &ops).expect("transact");
        results.push(result);
    }
    results
}

#[test]
fn transactions_match_reference() {
    if !testkit::reference::require(
        "transactions_match_reference",
        &["ovsdb-server", "ovsdb-tool"],
    ) {
        return;
    }
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(data("transactions.json")).unwrap()).unwrap();
    let known: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(data("known-differences.json")).unwrap())
            .unwrap();
    let only_reference = std::env::var_os("FERRO_DIFF_ONLY_REFERENCE").is_some();
    let mut mismatches = Vec::new();
    let mut documented = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let theirs: Vec<Value> = run_case(Impl::Reference, case)
            .iter()
            .map(normalise)
            .collect();
        if only_reference {
            println!("{name}: {}", serde_json::to_string(&theirs).unwrap());
            continue;
        }
        let ours: Vec<Value> = run_case(Impl::Ours, case).iter().map(normalise).collect();
        if ours != theirs {
            if known.contains_key(name) {
                documented += 1;
            } else {
                mismatches.push(format!(
                    "case {name:?}\n  ours:   {}\n  theirs: {}",
                    serde_json::to_string(&ours).unwrap(),
                    serde_json::to_string(&theirs).unwrap()
                ));
            }
        }
    }
    println!(
        "{} cases: {} identical, {} documented differences, {} mismatches",
        cases.len(),
        cases.len() - documented - mismatches.len(),
        documented,
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
