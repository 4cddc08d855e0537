//! Monitor tests.  The expected notifications replay a session against
//! Debian's ovsdb-server 3.1 (driven over a Unix socket with a small JSON-RPC
//! client), with the server's random UUIDs replaced by our counter UUIDs.

use super::*;
use crate::txn::tests::{us, Harness};
use crate::txn::Outcome;
use serde_json::json;

fn schema() -> Value {
    json!({"name":"T","tables":{
        "A":{"columns":{
            "i":{"type":"integer"},"r":{"type":"real"},"name":{"type":"string"},
            "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
            "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}}},"isRoot":true},
        "C":{"columns":{"n":{"type":"integer"}},"isRoot":true}}})
}

fn commit(h: &mut Harness, ops: Value) -> ChangeSet {
    let mut p = vec![json!("T")];
    p.extend(ops.as_array().cloned().unwrap_or_default());
    match h.outcome(Value::Array(p), 0) {
        Outcome::Done(r) => {
            assert!(r.success, "{}", r.result);
            r.changes
        }
        Outcome::Blocked { .. } => panic!("blocked"),
    }
}

#[test]
fn session_like_ovsdb_server() {
    let mut h = Harness::new(schema());
    let s = h.db.schema().clone();
    // a = u(1), b = u(2).
    commit(
        &mut h,
        json!([{"op":"insert","table":"A","row":{"name":"a","set":["set",[1,2]],"m":["map",[["k",1]]],"i":1}},
        {"op":"insert","table":"A","row":{"name":"b"}}]),
    );
    let (a, b) = (us(1), us(2));
    let m1 = Monitor::from_json(
        &s,
        &json!({"A":{"columns":["name","set","m","i"]}}),
        MonitorVersion::V1,
    )
    .unwrap();
    assert_eq!(
        m1.initial(&h.db),
        json!({"A":{
        a.clone():{"new":{"i":1,"m":["map",[["k",1]]],"name":"a","set":["set",[1,2]]}},
        b.clone():{"new":{"i":0,"m":["map",[]],"name":"b","set":["set",[]]}}}})
    );
    let mut m2 = Monitor::from_json(
        &s,
        &json!({"A":[{"columns":["name","set","m","i"],"where":[["i","==",1]]}]}),
        MonitorVersion::V2,
    )
    .unwrap();
    assert_eq!(
        m2.initial(&h.db),
        json!({"A":{a.clone():{"initial":{"i":1,"m":["map",[["k",1]]],"name":"a","set":["set",[1,2]]}}}})
    );
    let m3 = Monitor::from_json(
        &s,
        &json!({"A":[{"columns":["name","set","i"],"select":{"initial":false}}]}),
        MonitorVersion::V2,
    )
    .unwrap();
    assert_eq!(m3.initial(&h.db), json!({}));

    let cs = commit(
        &mut h,
        json!([{"op":"update","table":"A","where":[["name","==","a"]],"row":{"set":["set",[2,3]],"m":["map",[["k",2],["z",3]]]}}]),
    );
    assert_eq!(
        m1.updates(&cs),
        Some(
            json!({"A":{a.clone():{"new":{"i":1,"m":["map",[["k",2],["z",3]]],"name":"a","set":["set",[2,3]]},"old":{"m":["map",[["k",1]]],"set":["set",[1,2]]}}}})
        )
    );
    assert_eq!(
        m3.updates(&cs),
        Some(json!({"A":{a.clone():{"modify":{"set":["set",[1,3]]}}}}))
    );
    assert_eq!(
        m2.updates(&cs),
        Some(
            json!({"A":{a.clone():{"modify":{"m":["map",[["k",2],["z",3]]],"set":["set",[1,3]]}}}})
        )
    );

    let cs = commit(
        &mut h,
        json!([{"op":"update","table":"A","where":[["name","==","a"]],"row":{"i":2}}]),
    );
    assert_eq!(
        m1.updates(&cs),
        Some(
            json!({"A":{a.clone():{"new":{"i":2,"m":["map",[["k",2],["z",3]]],"name":"a","set":["set",[2,3]]},"old":{"i":1}}}})
        )
    );
    assert_eq!(
        m3.updates(&cs),
        Some(json!({"A":{a.clone():{"modify":{"i":2}}}}))
    );
    assert_eq!(
        m2.updates(&cs),
        Some(json!({"A":{a.clone():{"delete":null}}}))
    );

    let cs = commit(
        &mut h,
        json!([{"op":"update","table":"A","where":[["name","==","b"]],"row":{"i":1}}]),
    );
    assert_eq!(
        m2.updates(&cs),
        Some(json!({"A":{b.clone():{"insert":{"i":1,"name":"b"}}}}))
    );

    // A change to an unmonitored column is not reported.
    let cs = commit(
        &mut h,
        json!([{"op":"update","table":"A","where":[["name","==","b"]],"row":{"r":1.5}}]),
    );
    assert_eq!(m1.updates(&cs), None);
    assert_eq!(m2.updates(&cs), None);

    let upd = m2
        .change_conditions(&h.db, &json!({"A":[{"where":[["name","==","a"]]}]}))
        .unwrap();
    assert_eq!(
        upd,
        Some(json!({"A":{
        a.clone():{"insert":{"i":2,"m":["map",[["k",2],["z",3]]],"name":"a","set":["set",[2,3]]}},
        b.clone():{"delete":null}}}))
    );

    let cs = commit(
        &mut h,
        json!([{"op":"delete","table":"A","where":[["name","==","a"]]}]),
    );
    assert_eq!(
        m1.updates(&cs),
        Some(
            json!({"A":{a.clone():{"old":{"i":2,"m":["map",[["k",2],["z",3]]],"name":"a","set":["set",[2,3]]}}}})
        )
    );
    assert_eq!(
        m3.updates(&cs),
        Some(json!({"A":{a.clone():{"delete":null}}}))
    );
    assert_eq!(
        m2.updates(&cs),
        Some(json!({"A":{a.clone():{"delete":null}}}))
    );
}

#[test]
fn default_columns_and_per_column_select() {
    let mut h = Harness::new(schema());
    let s = h.db.schema().clone();
    commit(
        &mut h,
        json!([{"op":"insert","table":"A","row":{"name":"b","i":1,"r":1.5}}]),
    );
    let b = us(1);
    let v =
        h.db.table("A")
            .unwrap()
            .rows()
            .next()
            .unwrap()
            .version()
            .to_string();
    let n1 = Monitor::from_json(&s, &json!({"A":{}}), MonitorVersion::V1).unwrap();
    assert_eq!(
        n1.initial(&h.db),
        json!({"A":{b.clone():{"new":{"_version":["uuid",v.clone()],"i":1,"m":["map",[]],"name":"b","r":1.5,"set":["set",[]]}}}})
    );
    let n2 = Monitor::from_json(&s, &json!({"A":[{}]}), MonitorVersion::V2).unwrap();
    assert_eq!(
        n2.initial(&h.db),
        json!({"A":{b.clone():{"initial":{"_version":["uuid",v.clone()],"i":1,"name":"b","r":1.5}}}})
    );
    let n3 = Monitor::from_json(
        &s,
        &json!({"A":[{"where":[false]}],"C":{"columns":["n"]}}),
        MonitorVersion::V2,
    )
    .unwrap();
    assert_eq!(n3.initial(&h.db), json!({}));
    let n4 = Monitor::from_json(&s, &json!({"A":[{"columns":["name"],"select":{"modify":false}},{"columns":["i"],"select":{"insert":false}}]}), MonitorVersion::V1).unwrap();
    assert_eq!(
        n4.initial(&h.db),
        json!({"A":{b.clone():{"new":{"i":1,"name":"b"}}}})
    );
    let qn = h.next + 1;
    let cs = commit(
        &mut h,
        json!([{"op":"update","table":"A","where":[],"row":{"i":5}},{"op":"insert","table":"A","row":{"name":"q"}}]),
    );
    let q = us(qn);
    assert_eq!(
        n4.updates(&cs),
        Some(json!({"A":{q.clone():{"new":{"name":"q"}},b.clone():{"new":{"i":5},"old":{"i":1}}}}))
    );
    let vb =
        h.db.row("A", &crate::txn::tests::u(1))
            .unwrap()
            .version()
            .to_string();
    let vq =
        h.db.row("A", &crate::txn::tests::u(qn))
            .unwrap()
            .version()
            .to_string();
    assert_eq!(
        n2.updates(&cs),
        Some(json!({"A":{
        q.clone():{"insert":{"_version":["uuid",vq],"name":"q"}},
        b.clone():{"modify":{"_version":["uuid",vb],"i":5}}}}))
    );
    // The first request's "where" is the table's condition.
    let n5 = Monitor::from_json(&s, &json!({"A":[{"columns":["name"],"where":[["name","==","q"]]},{"columns":["i"],"where":[["name","==","b"]]}]}), MonitorVersion::V2).unwrap();
    assert_eq!(
        n5.initial(&h.db),
        json!({"A":{q.clone():{"initial":{"name":"q"}}}})
    );
    let n6 =
        Monitor::from_json(&s, &json!({"A":{"columns":["name"]}}), MonitorVersion::V2).unwrap();
    assert_eq!(
        n6.initial(&h.db),
        json!({"A":{q.clone():{"initial":{"name":"q"}},b.clone():{"initial":{"name":"b"}}}})
    );
}

#[test]
fn request_errors_like_ovsdb_server() {
    let h = Harness::new(schema());
    let s = h.db.schema().clone();
    let e = |v: Value, ver| Monitor::from_json(&s, &v, ver).unwrap_err().to_json();
    assert_eq!(
        e(json!({"Q":{}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"no table named Q"})
    );
    assert_eq!(
        e(json!({"A":{"columns":["zz"]}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"zz is not a valid column name","syntax":"[\"zz\"]"})
    );
    assert_eq!(
        e(
            json!({"A":[{"columns":["name"]},{"columns":["name"]}]}),
            MonitorVersion::V1
        ),
        json!({"error":"syntax error","details":"column name mentioned more than once","syntax":"[\"name\"]"})
    );
    assert_eq!(
        e(json!({"A":{"select":{"bogus":true}}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"Parsing table A select failed: Member 'bogus' is present but not allowed here.","syntax":"{\"bogus\":true}"})
    );
    assert_eq!(
        e(json!({"A":{"where":[]}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"Parsing table A failed: Member 'where' is present but not allowed here.","syntax":"{\"where\":[]}"})
    );
    assert_eq!(
        e(json!({"A":{"columns":[1]}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"array of column names expected","syntax":"[1]"})
    );
    assert_eq!(
        e(json!({"A":1}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"Parsing table A failed: Object expected."})
    );
    assert_eq!(
        e(json!(1), MonitorVersion::V1),
        json!({"error":"syntax error","details":"monitor-requests must be object","syntax":"1"})
    );
    assert_eq!(
        e(json!({"A":{"select":{"insert":1}}}), MonitorVersion::V1),
        json!({"error":"syntax error","details":"Parsing table A select failed: Type mismatch for member 'insert'.","syntax":"{\"insert\":1}"})
    );
    let mut m =
        Monitor::from_json(&s, &json!({"A":[{"columns":["name"]}]}), MonitorVersion::V2).unwrap();
    let ce = |m: &mut Monitor, v: Value| m.change_conditions(&h.db, &v).unwrap_err().to_json();
    assert_eq!(
        ce(&mut m, json!({"C":[{"where":[]}]})),
        json!({"error":"syntax error","details":"no table named C in monitor session"})
    );
    assert_eq!(
        ce(&mut m, json!({"A":[{"where":[["zz","==",1]]}]})),
        json!({"error":"unknown column","details":"No column zz in table A.","syntax":"[\"zz\",\"==\",1]"})
    );
    assert_eq!(
        ce(&mut m, json!({"A":[{"where":[],"bogus":1}]})),
        json!({"error":"syntax error","details":"Parsing table A failed: Member 'bogus' is present but not allowed here.","syntax":"{\"bogus\":1,\"where\":[]}"})
    );
    assert_eq!(
        ce(&mut m, json!({"A":[{"columns":["i"]}]})),
        json!({"error":"syntax error","details":"changing columns is unsupported","syntax":"{\"columns\":[\"i\"]}"})
    );
    assert_eq!(
        ce(&mut m, json!({"A":{"where":[]}})),
        json!({"error":"syntax error","details":"table A no monitor-cond-change JSON array"})
    );
    assert_eq!(
        e(json!({"A":[{"where":[["zz","==",1]]}]}), MonitorVersion::V2),
        json!({"error":"unknown column","details":"No column zz in table A.","syntax":"[\"zz\",\"==\",1]"})
    );
}
