//! Scale smoke test: many rows and many small transactions must stay fast
//! (catches accidental quadratic behaviour; no timing assertions).

use ovsdb::{Database, DatabaseSchema, NoLocks, Outcome, TxnEnv};
use serde_json::{json, Value};

#[test]
fn many_rows_and_small_transactions() {
    let schema = DatabaseSchema::from_json(&json!({"name":"S","tables":{
        "R":{"columns":{"name":{"type":"string"},"kids":{"type":{"key":{"type":"uuid","refTable":"K"},"min":0,"max":"unlimited"}},
             "w":{"type":{"key":{"type":"uuid","refTable":"K","refType":"weak"},"min":0,"max":"unlimited"}}},
             "isRoot":true,"indexes":[["name"]]},
        "K":{"columns":{"n":{"type":"integer"}}}}}))
    .unwrap();
    let mut db = Database::new(schema);
    let mut n = 0u128;
    let mut gen = || {
        n += 1;
        uuid::Uuid::from_u128(n)
    };
    let mut run = |db: &mut Database, p: Value| -> Value {
        let mut env = TxnEnv {
            now_ms: 0,
            started_ms: 0,
            uuid_gen: &mut gen,
            locks: &NoLocks,
            read_only: false,
        };
        match db.transact(&p, &mut env) {
            Outcome::Done(r) => {
                assert!(r.success, "{}", r.result);
                r.result
            }
            Outcome::Blocked { .. } => panic!("blocked"),
        }
    };
    let start = std::time::Instant::now();
    let mut ops = vec![json!("S")];
    for i in 0..5000 {
        ops.push(
            json!({"op":"insert","table":"R","row":{"name":format!("r{i}"),
            "kids":["named-uuid",format!("k{i}")],"w":["named-uuid",format!("k{i}")]}}),
        );
        ops.push(json!({"op":"insert","table":"K","uuid-name":format!("k{i}"),"row":{"n":i}}));
    }
    run(&mut db, Value::Array(ops));
    eprintln!("bulk insert took {:?}", start.elapsed());
    assert_eq!(db.table("K").unwrap().len(), 5000);
    for i in 0..500 {
        run(
            &mut db,
            json!(["S",{"op":"update","table":"R","where":[["name","==",format!("r{i}")]],"row":{"kids":["set",[]]}}]),
        );
    }
    assert_eq!(db.table("K").unwrap().len(), 4500);
    let r = run(
        &mut db,
        json!(["S",{"op":"select","table":"R","where":[["name","==","r0"]],"columns":["w"]}]),
    );
    assert_eq!(r, json!([{"rows":[{"w":["set",[]]}]}]));
    eprintln!("scale test took {:?}", start.elapsed());
}
