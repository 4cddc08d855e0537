//! Table-driven transaction tests.
//!
//! Every expected result below was first produced by Debian's Open vSwitch
//! 3.1 `ovsdb-tool transact` against a database created with `ovsdb-tool
//! create` from the same schema (the schemas here are our own small test
//! schemas).  ovsdb-tool uses random UUIDs; here UUIDs come from a counter
//! (`u(n)`), so the UUID values differ but every string and shape is the
//! one the oracle printed.

use super::*;
use serde_json::json;

/// Test schema "T" (our own), mirroring the oracle session.
fn schema_t() -> Value {
    json!({"name":"T","version":"1.2.3","tables":{
     "A":{"columns":{
       "i":{"type":{"key":{"type":"integer","minInteger":0,"maxInteger":10}}},
       "r":{"type":"real"},
       "b":{"type":"boolean"},
       "s":{"type":{"key":{"type":"string","enum":["set",["x","y","a1","a-b.c","_q","true"]]},"min":0,"max":"unlimited"}},
       "str":{"type":{"key":{"type":"string","minLength":1,"maxLength":3},"min":0,"max":1}},
       "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
       "set2":{"type":{"key":"integer","min":1,"max":2}},
       "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}},
       "ref":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":"unlimited"}},
       "wref":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}},
       "wref1":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":1}},
       "u":{"type":"uuid"},
       "name":{"type":"string"}},
      "isRoot":true,"indexes":[["name"]]},
     "B":{"columns":{"n":{"type":"integer"}}},
     "C":{"columns":{"n":{"type":"integer"}},"maxRows":2,"isRoot":true}}})
}

/// Test schema "W" (weak references and a two-column index).
fn schema_w() -> Value {
    json!({"name":"W","version":"1.0.0","tables":{
     "A":{"columns":{
       "name":{"type":"string"},"k":{"type":"integer"},
       "w":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":1,"max":"unlimited"}},
       "wm":{"type":{"key":"string","value":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}}},
      "isRoot":true,"indexes":[["name","k"]]},
     "B":{"columns":{"n":{"type":"integer"}},"isRoot":true}}})
}

pub(crate) fn u(n: u128) -> Uuid {
    Uuid::from_u128(0xaaaa_0000_0000_0000_0000_0000_0000_0000 + n)
}

pub(crate) fn us(n: u128) -> String {
    u(n).to_string()
}

pub(crate) struct Harness {
    pub db: Database,
    pub next: u128,
    pub now: i64,
    pub locks: Vec<String>,
    pub read_only: bool,
}

impl Harness {
    pub fn new(schema: Value) -> Self {
        Harness {
            db: Database::new(crate::schema::DatabaseSchema::from_json(&schema).unwrap()),
            next: 0,
            now: 1000,
            locks: Vec::new(),
            read_only: false,
        }
    }

    pub fn outcome(&mut self, params: Value, started: i64) -> Outcome {
        let mut next = self.next;
        let mut gen = || {
            next += 1;
            u(next)
        };
        let locks = self.locks.clone();
        let lock_fn = move |n: &str| locks.iter().any(|l| l == n);
        let mut env = TxnEnv {
            now_ms: self.now,
            started_ms: started,
            uuid_gen: &mut gen,
            locks: &lock_fn,
            read_only: self.read_only,
        };
        let out = self.db.transact(&params, &mut env);
        self.next = next;
        out
    }

    /// Runs `ops` (without the database name) and returns the result.
    pub fn run(&mut self, ops: Value) -> Value {
        let name = self.db.name().to_string();
        let mut params = vec![Value::String(name)];
        params.extend(ops.as_array().cloned().unwrap_or_default());
        let now = self.now;
        match self.outcome(Value::Array(params), now) {
            Outcome::Done(r) => r.result,
            Outcome::Blocked { .. } => json!("blocked"),
        }
    }
}

#[test]
fn default_violating_enum_is_rejected_on_insert() {
    // Schema whose scalar enum column defaults to "", not an allowed value.
    let mut s = schema_t();
    s["tables"]["A"]["columns"]["s"] =
        json!({"type":{"key":{"type":"string","enum":["set",["x","y"]]}}});
    let mut h = Harness::new(s);
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"i":3}}])),
        json!([{"details":"\"\" is not one of the allowed values ([x, y])","error":"constraint violation"}])
    );
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"i":11}},{"op":"comment","comment":"x"}])),
        json!([{"details":"11 is not in the valid range 0 to 10 (inclusive)","error":"constraint violation"},null])
    );
}

#[test]
fn row_parse_errors() {
    let mut h = Harness::new(schema_t());
    let cases = [
        (
            json!([{"op":"insert","table":"A","row":{"s":"z"}}]),
            json!([{"details":"z is not one of the allowed values ([_q, a-b.c, a1, \"true\", x, y])","error":"constraint violation"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{"str":""}}]),
            json!([{"details":"\"\" length 0 is less than minimum allowed length 1","error":"constraint violation"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{"set2":["set",[]]}}]),
            json!([{"details":"set must have 1 to 2 members but 0 are present","error":"syntax error","syntax":"[\"set\",[]]"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{"set":["set",[1,1]]}}]),
            json!([{"details":"set contains duplicate","error":"ovsdb error"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{"i":"x"}}]),
            json!([{"details":"expected integer","error":"syntax error","syntax":"\"x\""}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{"zz":1}}]),
            json!([{"details":"No column zz in table A.","error":"unknown column","syntax":"{\"zz\":1}"}]),
        ),
        (
            json!([{"op":"insert","table":"Q","row":{}}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: No table named Q.","error":"syntax error","syntax":"{\"op\":\"insert\",\"row\":{},\"table\":\"Q\"}"}]),
        ),
        (
            json!([{"op":"foo","table":"A","row":{}}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: No operation \"foo\"","error":"syntax error","syntax":"{\"op\":\"foo\",\"row\":{},\"table\":\"A\"}"}]),
        ),
        (
            json!([1]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Object expected.","error":"syntax error"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":{}}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Type mismatch for member 'where'.","error":"syntax error","syntax":"{\"op\":\"select\",\"table\":\"A\",\"where\":{}}"}]),
        ),
        (
            json!([{"op":"select","table":"A"}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Required 'where' member is missing.","error":"syntax error","syntax":"{\"op\":\"select\",\"table\":\"A\"}"}]),
        ),
        (
            json!([{"op":"select","where":[]}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Required 'table' member is missing.","error":"syntax error","syntax":"{\"op\":\"select\",\"where\":[]}"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":[],"columns":["zz"]}]),
            json!([{"details":"zz is not a valid column name","error":"syntax error","syntax":"[\"zz\"]"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":[],"columns":["i","i"]}]),
            json!([{"details":"array of distinct column names expected","error":"syntax error","syntax":"[\"i\",\"i\"]"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":[],"bogus":1}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Member 'bogus' is present but not allowed here.","error":"syntax error","syntax":"{\"bogus\":1,\"op\":\"select\",\"table\":\"A\",\"where\":[]}"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":[]},{"op":"comment","comment":0.1}]),
            json!([{"rows":[]},{"details":"Parsing ovsdb operation 2 of 2 failed: Type mismatch for member 'comment'.","error":"syntax error","syntax":"{\"comment\":0.1,\"op\":\"comment\"}"}]),
        ),
        (
            json!([{"op":"mutate","table":"A","where":[],"mutations":{}}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Type mismatch for member 'mutations'.","error":"syntax error","syntax":"{\"mutations\":{},\"op\":\"mutate\",\"table\":\"A\",\"where\":[]}"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":[]}]),
            json!([{"details":"Parsing ovsdb operation 1 of 1 failed: Type mismatch for member 'row'.","error":"syntax error","syntax":"{\"op\":\"insert\",\"row\":[],\"table\":\"A\"}"}]),
        ),
        (
            json!([{"op":"insert","table":"A","row":{},"uuid":"zz"}]),
            json!([{"details":"bad uuid","error":"syntax error","syntax":"\"zz\""}]),
        ),
        (
            json!([{"op":"update","table":"A","where":[],"row":{"zz":1}}]),
            json!([{"details":"No column zz in table A.","error":"unknown column","syntax":"{\"zz\":1}"}]),
        ),
        (
            json!([{"op":"abort"},{"op":"comment","comment":"x"}]),
            json!([{"details":"aborted by request","error":"aborted"},null]),
        ),
        (
            json!([{"op":"assert","lock":"foo"}]),
            json!([{"details":"Asserted lock foo not held.","error":"not owner"}]),
        ),
        (json!([{"op":"commit","durable":false}]), json!([{}])),
        (json!([]), json!([])),
        (
            json!([{"op":"select","table":"A","where":[["i","==",11]]}]),
            json!([{"details":"11 is not in the valid range 0 to 10 (inclusive)","error":"constraint violation"}]),
        ),
    ];
    for (ops, expected) in cases {
        assert_eq!(h.run(ops.clone()), expected, "ops {ops}");
    }
    assert!(h.db.table("A").unwrap().is_empty());
}

#[test]
fn malformed_params() {
    let mut h = Harness::new(schema_t());
    let out = h
        .outcome(json!(["U", {"op":"insert","table":"A","row":{}}]), 0)
        .done()
        .unwrap();
    assert_eq!(
        out.result,
        json!({"details":"database name expected as first parameter","error":"syntax error","syntax":"[\"U\",{\"op\":\"insert\",\"row\":{},\"table\":\"A\"}]"})
    );
    let out = h.outcome(json!({}), 0).done().unwrap();
    assert_eq!(
        out.result,
        json!({"details":"array expected","error":"syntax error","syntax":"{}"})
    );
}

#[test]
fn insert_select_references_and_commit_errors() {
    let mut h = Harness::new(schema_t());
    // u(1)=b1 row, u(2)=A row, u(3), u(4) = versions.
    let r = h.run(json!([
        {"op":"insert","table":"B","row":{"n":1},"uuid-name":"b1"},
        {"op":"insert","table":"A","row":{"ref":["named-uuid","b1"],
            "wref":["set",[["named-uuid","b1"],["uuid","11111111-1111-1111-1111-111111111111"]]],
            "name":"a2","r":1.0,"m":["map",[["z",1],["a",2]]]}}]));
    assert_eq!(r, json!([{"uuid":["uuid",us(1)]},{"uuid":["uuid",us(2)]}]));
    let a = h.db.row("A", &u(2)).unwrap().clone();
    let r = h.run(json!([{"op":"select","table":"A","where":[]}]));
    assert_eq!(
        r,
        json!([{"rows":[{"_uuid":["uuid",us(2)],"_version":["uuid",a.version().to_string()],
        "b":false,"i":0,"m":["map",[["a",2],["z",1]]],"name":"a2","r":1.0,"ref":["uuid",us(1)],
        "s":["set",[]],"set":["set",[]],"set2":0,"str":["set",[]],
        "u":["uuid","00000000-0000-0000-0000-000000000000"],"wref":["uuid",us(1)],"wref1":["set",[]]}]}])
    );
    assert_eq!(
        h.run(json!([{"op":"select","table":"B","where":[],"columns":["n","_uuid"]}])),
        json!([{"rows":[{"_uuid":["uuid",us(1)],"n":1}]}])
    );
    // Unique index on "name".
    let next = h.next + 1;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"a2"}}])),
        json!([{"uuid":["uuid",us(next)]},{"details":format!("Transaction causes multiple rows in \"A\" table to have identical values (a2) for index on column \"name\".  First row, with UUID {}, existed in the database before this transaction and was not modified by the transaction.  Second row, with UUID {}, was inserted by this transaction.", us(2), us(next)),"error":"constraint violation"}])
    );
    // Strong reference to a missing row.
    let next = h.next + 1;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"ref":["uuid","11111111-1111-1111-1111-111111111111"]}}])),
        json!([{"uuid":["uuid",us(next)]},{"details":format!("Table A column ref row {} references nonexistent row 11111111-1111-1111-1111-111111111111 in table B.", us(next)),"error":"referential integrity violation"}])
    );
    // An unreferenced row in a non-root table is collected at once.
    let next = h.next + 1;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"B","row":{"n":5}}])),
        json!([{"uuid":["uuid",us(next)]}])
    );
    assert_eq!(h.db.table("B").unwrap().len(), 1);
    // Deleting a referenced row.
    assert_eq!(
        h.run(json!([{"op":"delete","table":"B","where":[]}])),
        json!([{"count":1},{"details":format!("cannot delete B row {} because of 1 remaining reference(s)", us(1)),"error":"referential integrity violation"}])
    );
    // maxRows.
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"C","row":{}},{"op":"insert","table":"C","row":{}},{"op":"insert","table":"C","row":{}}])),
        json!([{"uuid":["uuid",us(n+1)]},{"uuid":["uuid",us(n+2)]},{"uuid":["uuid",us(n+3)]},{"details":"transaction causes \"C\" table to contain 3 rows, greater than the schema-defined limit of 2 row(s)","error":"constraint violation"}])
    );
    assert!(h.db.table("C").unwrap().is_empty());
    // Dropping the strong reference garbage-collects B's row, and the weak
    // reference to it disappears with it.
    assert_eq!(
        h.run(json!([{"op":"update","table":"A","where":[],"row":{"ref":["set",[]]}}])),
        json!([{"count":1}])
    );
    assert!(h.db.table("B").unwrap().is_empty());
    assert_eq!(
        h.run(json!([{"op":"select","table":"A","where":[],"columns":["ref","wref"]}])),
        json!([{"rows":[{"ref":["set",[]],"wref":["set",[]]}]}])
    );
}

#[test]
fn uuid_names_and_explicit_uuids() {
    let mut h = Harness::new(schema_t());
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"x1"},"uuid-name":"a"},{"op":"insert","table":"A","row":{"name":"x2"},"uuid-name":"a"}])),
        json!([{"uuid":["uuid",us(n+1)]},{"details":"This \"uuid-name\" appeared on an earlier \"insert\" operation.","error":"duplicate uuid-name","syntax":"\"a\""}])
    );
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"x1"},"uuid":"22222222-2222-2222-2222-222222222222"}])),
        json!([{"uuid":["uuid","22222222-2222-2222-2222-222222222222"]}])
    );
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"x2"},"uuid":"22222222-2222-2222-2222-222222222222"}])),
        json!([{"details":"This UUID would duplicate a UUID already present within the table or deleted within the same transaction.","error":"duplicate uuid","syntax":"\"22222222-2222-2222-2222-222222222222\""}])
    );
    // _uuid in an insert's row is accepted and ignored.
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"x3","_uuid":["uuid","22222222-2222-2222-2222-222222222223"]}}])),
        json!([{"uuid":["uuid",us(n+1)]}])
    );
    assert_eq!(
        h.run(json!([{"op":"update","table":"A","where":[],"row":{"_version":["uuid","22222222-2222-2222-2222-222222222223"]}}])),
        json!([{"details":"Cannot update immutable column _version in table A.","error":"constraint violation","syntax":"{\"op\":\"update\",\"row\":{\"_version\":[\"uuid\",\"22222222-2222-2222-2222-222222222223\"]},\"table\":\"A\",\"where\":[]}"}])
    );
    // Forward reference: a named-uuid used before the insert defining it.
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"f","u":["named-uuid","later"]}},{"op":"insert","table":"A","row":{"name":"g"},"uuid-name":"later"}])),
        json!([{"uuid":["uuid",us(n+1)]},{"uuid":["uuid",us(n+2)]}])
    );
    assert_eq!(
        h.run(json!([{"op":"select","table":"A","where":[["name","==","f"]],"columns":["u"]}])),
        json!([{"rows":[{"u":["uuid",us(n+2)]}]}])
    );
}

#[test]
fn waits_and_blocking() {
    let mut h = Harness::new(schema_t());
    h.run(json!([{"op":"insert","table":"A","row":{"name":"a2","i":7}},{"op":"insert","table":"A","row":{"name":"q"}}]));
    let cases = [
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"==","rows":[{"i":5}],"timeout":0}]),
            json!([{"details":"\"where\" clause test failed","error":"timed out"}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"!=","rows":[{"i":5}],"timeout":0}]),
            json!([{}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"<","rows":[]}]),
            json!([{"details":"\"until\" must be \"==\" or \"!=\"","error":"syntax error","syntax":"\"<\""}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"==","rows":[1]}]),
            json!([{"details":"row must be JSON object","error":"syntax error","syntax":"1"}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[["name","==","a2"]],"columns":["i","name"],"until":"==","rows":[{"i":7,"name":"a2"}],"timeout":0}]),
            json!([{}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[["name","==","a2"]],"columns":["name"],"until":"==","rows":[{"name":"a2"},{"name":"a2"}],"timeout":0}]),
            json!([{}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["b"],"until":"==","rows":[{"b":false}],"timeout":0}]),
            json!([{}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"columns":["b"],"until":"==","rows":[{"b":false}],"timeout":-1}]),
            json!([{"details":"timeout must be nonnegative","error":"syntax error","syntax":"-1"}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"until":"==","rows":[{"r":1}],"timeout":0}]),
            json!([{"details":"\"where\" clause test failed","error":"timed out"}]),
        ),
    ];
    for (ops, expected) in cases {
        assert_eq!(h.run(ops.clone()), expected, "ops {ops}");
    }
    // Unsatisfied wait with time left: blocked until started + timeout.
    let p = json!(["T", {"op":"wait","table":"A","where":[],"columns":["i"],"until":"==","rows":[{"i":5}],"timeout":500},
        {"op":"insert","table":"C","row":{}}]);
    h.now = 1200;
    assert_eq!(
        h.outcome(p.clone(), 1000),
        Outcome::Blocked {
            deadline_ms: Some(1500)
        }
    );
    assert!(h.db.table("C").unwrap().is_empty());
    h.now = 1500;
    let r = h.outcome(p.clone(), 1000).done().unwrap();
    assert_eq!(
        r.result,
        json!([{"details":"\"where\" clause test failed","error":"timed out"},null])
    );
    // No timeout: blocked forever (until the database changes).
    let p = json!(["T", {"op":"wait","table":"A","where":[],"columns":["i"],"until":"==","rows":[{"i":5}]}]);
    assert_eq!(h.outcome(p, 1000), Outcome::Blocked { deadline_ms: None });
}

#[test]
fn assert_comment_durable() {
    let mut h = Harness::new(schema_t());
    h.locks.push("mylock".into());
    let r = h
        .outcome(json!(["T",{"op":"assert","lock":"mylock"},{"op":"comment","comment":"a"},{"op":"comment","comment":"b"},
            {"op":"commit","durable":true},{"op":"insert","table":"C","row":{}}]), 0)
        .done()
        .unwrap();
    assert!(r.success);
    assert!(r.durable);
    assert_eq!(r.comment.as_deref(), Some("a\nb"));
    assert_eq!(r.result.as_array().map(Vec::len), Some(5));
    assert_eq!(h.db.table("C").unwrap().len(), 1);
}

#[test]
fn weak_references() {
    let mut h = Harness::new(schema_w());
    // b1 = u(1), b2 = u(2), x = u(3), y = u(4).
    let r = h.run(json!([
        {"op":"insert","table":"B","row":{"n":1},"uuid-name":"b1"},
        {"op":"insert","table":"B","row":{"n":2},"uuid-name":"b2"},
        {"op":"insert","table":"A","row":{"name":"x","w":["named-uuid","b1"],"wm":["map",[["a",["named-uuid","b1"]],["b",["named-uuid","b2"]]]]}},
        {"op":"insert","table":"A","row":{"name":"y","k":1,"w":["set",[["named-uuid","b1"],["named-uuid","b2"]]]}}]));
    assert_eq!(
        r,
        json!([{"uuid":["uuid",us(1)]},{"uuid":["uuid",us(2)]},{"uuid":["uuid",us(3)]},{"uuid":["uuid",us(4)]}])
    );
    assert_eq!(
        h.run(json!([{"op":"delete","table":"B","where":[["n","==",1]]}])),
        json!([{"count":1},{"details":format!("Deletion of 1 weak reference(s) to deleted (or never-existing) rows from column \"w\" in \"A\" row {} caused this column to become empty, but constraints on this column disallow an empty column.", us(3)),"error":"constraint violation"}])
    );
    assert_eq!(
        h.run(json!([{"op":"delete","table":"B","where":[["n","==",2]]},{"op":"update","table":"A","where":[["name","==","y"]],"row":{"k":2}}])),
        json!([{"count":1},{"count":1}])
    );
    assert_eq!(
        h.run(json!([{"op":"update","table":"A","where":[["name","==","y"]],"row":{"k":0,"name":"x"}}])),
        json!([{"count":1},{"details":format!("Transaction causes multiple rows in \"A\" table to have identical values (x and 0) for index on columns \"name\" and \"k\".  First row, with UUID {}, existed in the database before this transaction and was not modified by the transaction.  Second row, with UUID {}, had the following index values before the transaction: y and 2.", us(3), us(4)),"error":"constraint violation"}])
    );
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"q","k":5,"w":["set",[["uuid","11111111-1111-1111-1111-111111111111"],["uuid","11111111-1111-1111-1111-111111111112"]]]}}])),
        json!([{"uuid":["uuid",us(n+1)]},{"details":format!("Deletion of 2 weak reference(s) to deleted (or never-existing) rows from column \"w\" in \"A\" row {} (inserted within this transaction) caused this column to become empty, but constraints on this column disallow an empty column.", us(n+1)),"error":"constraint violation"}])
    );
    let n = h.next;
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"q","k":5}}])),
        json!([{"uuid":["uuid",us(n+1)]},{"details":format!("Weak reference column \"w\" in \"A\" row {} (inserted within this transaction) contained all-zeros UUID (probably as the default value for this column) but deleting this value caused a constraint volation because this column is not allowed to be empty.", us(n+1)),"error":"constraint violation"}])
    );
    assert_eq!(
        h.run(json!([{"op":"select","table":"A","where":[],"columns":["name","k","w","wm"]}])),
        json!([{"rows":[
            {"k":0,"name":"x","w":["uuid",us(1)],"wm":["map",[["a",["uuid",us(1)]]]]},
            {"k":2,"name":"y","w":["uuid",us(1)],"wm":["map",[]]}]}])
    );
}

#[test]
fn mutate_update_delete_counts() {
    let mut h = Harness::new(schema_t());
    h.run(json!([{"op":"insert","table":"A","row":{"name":"a","i":7,"set":["set",[1,2,3]]}},{"op":"insert","table":"A","row":{"name":"b"}}]));
    assert_eq!(h.run(json!([{"op":"mutate","table":"A","where":[["name","==","a"]],"mutations":[["set","insert",["set",[4,1]]],["i","+=",2]]}])), json!([{"count":1}]));
    assert_eq!(
        h.run(json!([{"op":"select","table":"A","where":[["set","includes",4]],"columns":["i","set"]}])),
        json!([{"rows":[{"i":9,"set":["set",[1,2,3,4]]}]}])
    );
    assert_eq!(
        h.run(json!([{"op":"update","table":"A","where":[],"row":{"b":true}}])),
        json!([{"count":2}])
    );
    // Insert then delete in one transaction leaves nothing behind.
    assert_eq!(
        h.run(json!([{"op":"insert","table":"A","row":{"name":"zz"}},{"op":"delete","table":"A","where":[["name","==","zz"]]}]))[1],
        json!({"count":1})
    );
    assert_eq!(h.db.table("A").unwrap().len(), 2);
    assert_eq!(
        h.run(json!([{"op":"delete","table":"A","where":[["b","==",true]]}])),
        json!([{"count":2}])
    );
    assert!(h.db.table("A").unwrap().is_empty());
}

#[test]
fn unchanged_update_produces_no_changes() {
    let mut h = Harness::new(schema_t());
    h.run(json!([{"op":"insert","table":"A","row":{"name":"a"}}]));
    let v = h.db.table("A").unwrap().rows().next().unwrap().version();
    let r = h
        .outcome(
            json!(["T",{"op":"update","table":"A","where":[],"row":{"name":"a"}}]),
            0,
        )
        .done()
        .unwrap();
    assert_eq!(r.result, json!([{"count":1}]));
    assert!(r.changes.is_empty());
    assert_eq!(h.db.table("A").unwrap().rows().next().unwrap().version(), v);
}

mod never_panic {
    use super::*;
    use proptest::prelude::*;

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e10f64..1e10).prop_map(|f| json!(f)),
            prop::sample::select(vec![
                "A",
                "B",
                "C",
                "i",
                "r",
                "b",
                "s",
                "str",
                "set",
                "set2",
                "m",
                "ref",
                "wref",
                "wref1",
                "u",
                "name",
                "_uuid",
                "_version",
                "insert",
                "select",
                "update",
                "mutate",
                "delete",
                "wait",
                "commit",
                "abort",
                "comment",
                "assert",
                "op",
                "table",
                "row",
                "where",
                "columns",
                "mutations",
                "until",
                "rows",
                "uuid",
                "named-uuid",
                "set",
                "map",
                "==",
                "!=",
                "<",
                "includes",
                "excludes",
                "+=",
                "/=",
                "%=",
                "x",
                "y",
                "uuid-name",
                "durable",
                "timeout",
                "lock",
                "00000000-0000-0000-0000-000000000000",
                "aaaa0000-0000-0000-0000-000000000001",
            ])
            .prop_map(|s| Value::String(s.to_string())),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        prop::sample::select(vec![
                            "op",
                            "table",
                            "row",
                            "where",
                            "columns",
                            "mutations",
                            "until",
                            "rows",
                            "uuid-name",
                            "uuid",
                            "durable",
                            "comment",
                            "lock",
                            "timeout",
                            "i",
                            "set",
                            "m",
                            "name",
                            "ref",
                            "wref",
                        ]),
                        inner
                    ),
                    0..5
                )
                .prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn random_transactions_never_panic(ops in prop::collection::vec(arb_json(), 0..4)) {
            let mut h = Harness::new(schema_t());
            h.run(json!([{"op":"insert","table":"B","row":{"n":1},"uuid-name":"b"},
                {"op":"insert","table":"A","row":{"name":"a","ref":["named-uuid","b"],"wref":["named-uuid","b"]}}]));
            let r = h.run(Value::Array(ops.clone()));
            // A result is always an array with at least one entry per op.
            let arr = r.as_array().cloned().unwrap_or_default();
            prop_assert!(arr.len() >= ops.len());
        }
    }
}

#[test]
fn vswitch_schema_garbage_collection_cascades() {
    // Uses the installed reference schema when present (not copied here).
    let Ok(text) = std::fs::read_to_string("/usr/share/openvswitch/vswitch.ovsschema") else {
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut h = Harness::new(schema);
    let r = h.run(json!([
        {"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","br"]}},
        {"op":"insert","table":"Bridge","uuid-name":"br","row":{"name":"br0","ports":["named-uuid","p"],"other_config":["map",[["a","b"]]]}},
        {"op":"insert","table":"Port","uuid-name":"p","row":{"name":"p0","interfaces":["named-uuid","i"]}},
        {"op":"insert","table":"Interface","uuid-name":"i","row":{"name":"p0","type":"internal"}}]));
    assert_eq!(r.as_array().map(Vec::len), Some(4));
    assert_eq!(h.db.table("Interface").unwrap().len(), 1);
    // Observed with ovsdb-tool: emptying Open_vSwitch.bridges deletes the
    // bridge, its port and its interface in the same transaction.
    let p = json!(["Open_vSwitch",{"op":"update","table":"Open_vSwitch","where":[],"row":{"bridges":["set",[]]}}]);
    let out = h.outcome(p, 0).done().unwrap();
    assert_eq!(out.result, json!([{"count":1}]));
    let deleted: Vec<&str> = out
        .changes
        .tables
        .iter()
        .filter(|t| t.rows.values().all(|r| r.new.is_none()))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(deleted.len(), 3, "{deleted:?}");
    for t in ["Bridge", "Port", "Interface"] {
        assert!(h.db.table(t).unwrap().is_empty(), "{t}");
    }
}

#[test]
fn indexed_lookups_see_the_transaction_overlay() {
    let mut h = Harness::new(schema_t());
    h.run(json!([{"op":"insert","table":"A","row":{"name":"a"}},{"op":"insert","table":"A","row":{"name":"x"}}]));
    // Rename inside the transaction, then look up by the indexed column.
    let r = h.run(json!([
        {"op":"update","table":"A","where":[["name","==","a"]],"row":{"name":"b"}},
        {"op":"select","table":"A","where":[["name","==","a"]],"columns":["name"]},
        {"op":"select","table":"A","where":[["name","==","b"]],"columns":["name"]},
        {"op":"insert","table":"A","row":{"name":"c"}},
        {"op":"select","table":"A","where":[["name","==","c"],["i","==",0]],"columns":["name"]},
        {"op":"delete","table":"A","where":[["name","==","x"]]},
        {"op":"select","table":"A","where":[["name","==","x"]],"columns":["name"]}]));
    assert_eq!(r[1], json!({"rows":[]}));
    assert_eq!(r[2], json!({"rows":[{"name":"b"}]}));
    assert_eq!(r[4], json!({"rows":[{"name":"c"}]}));
    assert_eq!(r[5], json!({"count":1}));
    assert_eq!(r[6], json!({"rows":[]}));
    // Swapping two indexed values in one transaction is allowed.
    let r = h.run(json!([
        {"op":"update","table":"A","where":[["name","==","b"]],"row":{"name":"tmp"}},
        {"op":"update","table":"A","where":[["name","==","c"]],"row":{"name":"b"}},
        {"op":"update","table":"A","where":[["name","==","tmp"]],"row":{"name":"c"}}]));
    assert_eq!(r, json!([{"count":1},{"count":1},{"count":1}]));
    assert_eq!(
        h.run(json!([{"op":"select","table":"A","where":[["name","==","b"]],"columns":["name"]}])),
        json!([{"rows":[{"name":"b"}]}])
    );
}

#[test]
fn read_only_mode() {
    // Observed from a Debian ovsdb-server 3.1 backup (--sync-from) server.
    let mut h = Harness::new(schema_t());
    h.read_only = true;
    let cases = [
        (
            json!([{"op":"insert","table":"A","row":{"name":"a"}}]),
            json!([{"details":"insert operation not allowed when database server is in read only mode","error":"not allowed"}]),
        ),
        (
            json!([{"op":"select","table":"A","where":[]},{"op":"update","table":"A","where":[],"row":{"i":1}},{"op":"comment","comment":"x"}]),
            json!([{"rows":[]},{"details":"update operation not allowed when database server is in read only mode","error":"not allowed"},null]),
        ),
        (
            json!([{"op":"mutate","table":"A","where":[],"mutations":[]}]),
            json!([{"details":"mutate operation not allowed when database server is in read only mode","error":"not allowed"}]),
        ),
        (
            json!([{"op":"delete","table":"A","where":[]}]),
            json!([{"details":"delete operation not allowed when database server is in read only mode","error":"not allowed"}]),
        ),
        (
            json!([{"op":"wait","table":"A","where":[],"until":"==","rows":[],"timeout":0},{"op":"commit","durable":false},{"op":"assert","lock":"x"}]),
            json!([{},{"details":"commit operation not allowed when database server is in read only mode","error":"not allowed"},null]),
        ),
    ];
    for (ops, expected) in cases {
        assert_eq!(h.run(ops.clone()), expected, "ops {ops}");
    }
}
