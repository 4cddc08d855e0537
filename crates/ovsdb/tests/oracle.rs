//! Differential tests against Debian's Open vSwitch (`/usr/bin/ovsdb-tool`).
//!
//! Each session creates a database file with `ovsdb-tool create`, runs a
//! sequence of transactions through `ovsdb-tool transact` and through this
//! crate, and compares (1) the result arrays and (2) the log record each
//! transaction appended to the file.  UUIDs differ between the two (both are
//! generated), so they are renamed by order of first appearance in `insert`
//! results; `_version` values and `_date` are ignored, and `rows` arrays are
//! compared as sets.  The test is skipped when ovsdb-tool is not installed.

use ovsdb::record::txn_record;
use ovsdb::{Database, DatabaseSchema, NoLocks, Outcome, TxnEnv};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const TOOL: &str = "/usr/bin/ovsdb-tool";

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    let Some(s) = b.get(i..i + 36) else {
        return false;
    };
    s.iter().enumerate().all(|(k, c)| {
        if matches!(k, 8 | 13 | 18 | 23) {
            *c == b'-'
        } else {
            c.is_ascii_hexdigit()
        }
    })
}

/// Replaces known UUIDs inside `s` by their names.
fn rename(s: &str, map: &HashMap<String, String>) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if is_uuid_at(b, i) {
            let u = &s[i..i + 36];
            out.push_str(map.get(u).map_or(u, String::as_str));
            i += 36;
        } else {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Open vSwitch names the two rows of a unique-index violation in an order
/// that depends on UUID hashes; compare such messages with the two row
/// descriptions in a canonical order.
fn canonical_index_error(s: &str) -> String {
    let (Some(a), Some(b)) = (
        s.find("  First row, with UUID "),
        s.find("  Second row, with UUID "),
    ) else {
        return s.to_string();
    };
    if b < a {
        return s.to_string();
    }
    let first = &s[a + "  First row, with UUID ".len()..b];
    let second = &s[b + "  Second row, with UUID ".len()..];
    let (x, y) = if first <= second {
        (first, second)
    } else {
        (second, first)
    };
    format!(
        "{}  First row, with UUID {}  Second row, with UUID {}",
        &s[..a],
        x,
        y
    )
}

fn learn(result: &Value, map: &mut HashMap<String, String>) {
    for r in result.as_array().into_iter().flatten() {
        if let Some(u) = r.get("uuid").and_then(|u| u.get(1)).and_then(Value::as_str) {
            let n = map.len();
            map.entry(u.to_string()).or_insert_with(|| format!("U{n}"));
        }
    }
}

fn normalize(v: &Value, map: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(canonical_index_error(&rename(s, map))),
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(|x| normalize(x, map)).collect();
            // Set elements and map keys are ordered by value, and UUID values
            // differ between the two sides: compare them unordered.
            if let (Some(Value::String(tag)), Some(Value::Array(elems))) =
                (items.first(), items.get(1))
            {
                if tag == "set" || tag == "map" {
                    let mut elems = elems.clone();
                    elems.sort_by_key(|e| e.to_string());
                    items[1] = Value::Array(elems);
                }
            }
            Value::Array(items)
        }
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            // Sorted keys make the text form canonical (used to sort rows).
            let mut entries: Vec<(&String, &Value)> = o.iter().collect();
            entries.sort_by_key(|(k, _)| rename(k, map));
            for (k, x) in entries {
                match k.as_str() {
                    "_version" => {
                        out.insert(k.clone(), json!("VERSION"));
                    }
                    "_date" => {}
                    "rows" => {
                        let mut rows: Vec<Value> = x
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|r| normalize(r, map))
                            .collect();
                        rows.sort_by_key(|r| r.to_string());
                        out.insert(k.clone(), Value::Array(rows));
                    }
                    _ => {
                        out.insert(rename(k, map), normalize(x, map));
                    }
                }
            }
            Value::Object(out)
        }
        // OVS's JSON reads an integral real as an integer; compare the same way.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => v.clone(),
        },
        other => other.clone(),
    }
}

fn records(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn session(schema: Value, txns: &[Value]) {
    if !Path::new(TOOL).exists() {
        eprintln!("skipping: {TOOL} not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let schema_path = dir.path().join("s.ovsschema");
    let db_path = dir.path().join("s.db");
    std::fs::write(&schema_path, schema.to_string()).unwrap();
    let st = Command::new(TOOL)
        .arg("create")
        .arg(&db_path)
        .arg(&schema_path)
        .status()
        .unwrap();
    assert!(st.success());
    let parsed = DatabaseSchema::from_json(&schema).unwrap();
    let name = parsed.name.clone();
    let mut db = Database::new(parsed);
    let mut counter = 0u128;
    let (mut theirs, mut ours) = (HashMap::new(), HashMap::new());
    for ops in txns {
        let mut params = vec![json!(name)];
        params.extend(ops.as_array().cloned().unwrap_or_default());
        let params = Value::Array(params);
        let before = records(&db_path).len();
        let out = Command::new(TOOL)
            .arg("transact")
            .arg(&db_path)
            .arg(params.to_string())
            .output()
            .unwrap();
        let their_result: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "ovsdb-tool output for {params}: {} / {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let recs = records(&db_path);
        let their_record = if recs.len() > before {
            recs.last().cloned()
        } else {
            None
        };

        let mut gen = || {
            counter += 1;
            uuid::Uuid::from_u128(counter)
        };
        let mut env = TxnEnv {
            now_ms: 0,
            started_ms: 0,
            uuid_gen: &mut gen,
            locks: &NoLocks,
            read_only: false,
        };
        let r = match db.execute(&params, &mut env) {
            Outcome::Done(r) => r,
            Outcome::Blocked { .. } => panic!("blocked: {params}"),
        };
        let our_record = if r.success {
            txn_record(db.schema(), &r.changes, 0, r.comment.as_deref())
        } else {
            None
        };
        if r.success {
            db.commit(&r.changes);
        }
        learn(&their_result, &mut theirs);
        learn(&r.result, &mut ours);
        assert_eq!(
            normalize(&r.result, &ours),
            normalize(&their_result, &theirs),
            "result of {params}"
        );
        let mut our_record = our_record.map(|v| normalize(&v, &ours));
        let their_record = their_record.map(|v| normalize(&v, &theirs));
        // Known deviation: when garbage collection deletes the target of a
        // weak reference, Open vSwitch removes the reference in memory but
        // does not log it (replay redoes it); we log it.  Drop such weak
        // columns that only our record has.
        if let (Some(Value::Object(o)), Some(Value::Object(t))) = (&mut our_record, &their_record) {
            for (table, rows) in o.iter_mut() {
                let Some(rows) = rows.as_object_mut() else {
                    continue;
                };
                for (u, row) in rows.iter_mut() {
                    let theirs_row = t.get(table).and_then(|r| r.get(u));
                    if let (Some(row), Some(Value::Object(tr))) = (row.as_object_mut(), theirs_row)
                    {
                        row.retain(|k, _| !k.starts_with('w') || tr.contains_key(k));
                    }
                }
            }
        }
        // Known deviation: when a weak reference added by an operation is
        // removed again at commit (its target does not exist), Open vSwitch
        // still logs the column, as an empty diff; we log nothing for a
        // column that did not change.  Drop such entries from theirs.
        let mut their_record = their_record;
        if let Some(Value::Object(t)) = &mut their_record {
            let ours_obj = our_record.clone().unwrap_or(json!({}));
            for (table, rows) in t.iter_mut() {
                let Some(rows) = rows.as_object_mut() else {
                    continue;
                };
                for (u, row) in rows.iter_mut() {
                    let Some(row) = row.as_object_mut() else {
                        continue;
                    };
                    let our_row = ours_obj.get(table).and_then(|r| r.get(u)).cloned();
                    row.retain(|k, v| {
                        !(k.starts_with('w')
                            && *v == json!(["set", []])
                            && our_row.as_ref().and_then(|r| r.get(k)).is_none())
                    });
                }
                rows.retain(|_, r| r.as_object().is_none_or(|o| !o.is_empty()));
            }
            t.retain(|k, v| k.starts_with('_') || v.as_object().is_none_or(|o| !o.is_empty()));
            if t.keys().all(|k| k.starts_with('_')) {
                their_record = None;
            }
        }
        assert_eq!(our_record, their_record, "log record of {params}");
    }
}

#[test]
fn oracle_session_sets_maps_references() {
    let schema = json!({"name":"T","version":"1.2.3","tables":{
     "A":{"columns":{
       "i":{"type":{"key":{"type":"integer","minInteger":0,"maxInteger":10}}},
       "r":{"type":"real"},"b":{"type":"boolean"},
       "str":{"type":{"key":{"type":"string","minLength":1,"maxLength":3},"min":0,"max":1}},
       "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
       "set2":{"type":{"key":"integer","min":1,"max":2}},
       "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}},
       "ref":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":"unlimited"}},
       "wref":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}},
       "mref":{"type":{"key":"string","value":{"type":"uuid","refTable":"B"},"min":0,"max":"unlimited"}},
       "name":{"type":"string"}},
      "isRoot":true,"indexes":[["name"]]},
     "B":{"columns":{"n":{"type":"integer"},"child":{"type":{"key":{"type":"uuid","refTable":"B"},"min":0,"max":1}}}},
     "C":{"columns":{"n":{"type":"integer"}},"maxRows":2,"isRoot":true}}});
    // Note: updating "set2" (max 2) from {0} to {3, 4} makes ovsdb-tool 3.1
    // log the diff ["set",[0,3,4]], which it then cannot read back ("set
    // must have 1 to 2 members but 3 are present"); we parse diffs with the
    // size limits relaxed.  That case is left out here.
    let txns = [
        json!([{"op":"insert","table":"B","row":{"n":1},"uuid-name":"b1"},
               {"op":"insert","table":"A","row":{"ref":["named-uuid","b1"],"wref":["set",[["named-uuid","b1"],["uuid","11111111-1111-1111-1111-111111111111"]]],"name":"a2","r":1.0,"m":["map",[["z",1],["a",2]]]}}]),
        json!([{"op":"select","table":"A","where":[]}]),
        json!([{"op":"update","table":"A","where":[["name","==","a2"]],"row":{"i":5,"set":["set",[1,2,3]],"m":["map",[["a",3],["b",4]]]}},{"op":"comment","comment":"hello"}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["set","insert",["set",[4,1]]],["m","delete",["set",["z"]]],["i","+=",2]]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"str":"ab","r":0.1}}]),
        json!([{"op":"update","table":"A","where":[],"row":{"str":["set",[]]}}]),
        json!([{"op":"insert","table":"A","row":{"name":"a2"}}]),
        json!([{"op":"insert","table":"A","row":{"ref":["uuid","11111111-1111-1111-1111-111111111111"]}}]),
        json!([{"op":"insert","table":"B","row":{"n":5}}]),
        json!([{"op":"delete","table":"B","where":[]}]),
        json!([{"op":"insert","table":"C","row":{}},{"op":"insert","table":"C","row":{}},{"op":"insert","table":"C","row":{}}]),
        json!([{"op":"insert","table":"C","row":{"n":1}},{"op":"comment","comment":"a"},{"op":"comment","comment":"b"}]),
        // A chain of strong references in a non-root table: dropping the
        // root reference collects the whole chain; weak references vanish.
        json!([{"op":"insert","table":"B","row":{"n":10,"child":["named-uuid","c"]},"uuid-name":"p"},
               {"op":"insert","table":"B","row":{"n":11},"uuid-name":"c"},
               {"op":"mutate","table":"A","where":[],"mutations":[["ref","insert",["named-uuid","p"]],["wref","insert",["named-uuid","c"]],["mref","insert",["map",[["k",["named-uuid","c"]]]]]]}]),
        json!([{"op":"select","table":"B","where":[],"columns":["n"]}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["mref","delete",["set",["k"]]]]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"ref":["set",[]]}}]),
        json!([{"op":"select","table":"B","where":[],"columns":["n"]},{"op":"select","table":"A","where":[],"columns":["wref","ref","mref"]}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["set","/=",2]]}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["set","*=",3],["r","*=",1e308],["r","*=",1e308]]}]),
        json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"==","rows":[{"i":7}],"timeout":0}]),
        json!([{"op":"wait","table":"A","where":[],"columns":["i"],"until":"!=","rows":[{"i":7}],"timeout":0}]),
        json!([{"op":"select","table":"A","where":[["set","includes",["set",[1,2]]],["i",">=",7],["r","<",3.6],["b","==",false]],"columns":["i","set"]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"set2":["set",[3]]}},{"op":"delete","table":"C","where":[["n","==",1]]}]),
        json!([{"op":"insert","table":"A","row":{"name":"zz"}},{"op":"delete","table":"A","where":[["name","==","zz"]]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"name":"a2"}}]),
        json!([{"op":"insert","table":"A","row":{"name":"x"},"uuid-name":"a"},{"op":"insert","table":"A","row":{"name":"y"},"uuid-name":"a"}]),
        json!([{"op":"select","table":"A","where":[["_uuid","!=",["named-uuid","nobody"]]],"columns":["name"]}]),
    ];
    session(schema, &txns);
}

#[test]
fn oracle_session_vswitch_schema() {
    let Ok(text) = std::fs::read_to_string("/usr/share/openvswitch/vswitch.ovsschema") else {
        return;
    };
    let schema: Value = serde_json::from_str(&text).unwrap();
    let txns = [
        json!([{"op":"insert","table":"Open_vSwitch","row":{"bridges":["named-uuid","br"]}},
               {"op":"insert","table":"Bridge","uuid-name":"br","row":{"name":"br0","ports":["named-uuid","p"],"other_config":["map",[["a","b"]]]}},
               {"op":"insert","table":"Port","uuid-name":"p","row":{"name":"br0","interfaces":["named-uuid","i"]}},
               {"op":"insert","table":"Interface","uuid-name":"i","row":{"name":"br0","type":"internal"}}]),
        json!([{"op":"update","table":"Bridge","where":[],"row":{"other_config":["map",[["c","d"]]],"datapath_type":"netdev"}},{"op":"comment","comment":"ovs-vsctl: set bridge"}]),
        json!([{"op":"insert","table":"Port","row":{"name":"p1"}}]),
        json!([{"op":"insert","table":"Bridge","row":{"name":"br0"}}]),
        json!([{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["next_cfg","+=",1]]},
               {"op":"select","table":"Open_vSwitch","where":[],"columns":["next_cfg"]}]),
        json!([{"op":"update","table":"Interface","where":[],"row":{"ofport_request":70000}}]),
        json!([{"op":"update","table":"Interface","where":[],"row":{"type":"bogus"}}]),
        json!([{"op":"select","table":"Interface","where":[["ofport","<",5]],"columns":["name"]}]),
        json!([{"op":"update","table":"Open_vSwitch","where":[],"row":{"bridges":["set",[]]}}]),
        json!([{"op":"select","table":"Port","where":[],"columns":["name"]}]),
    ];
    session(schema, &txns);
}

#[test]
fn oracle_session_weak_maps_and_errors() {
    let schema = json!({"name":"W","version":"1.0.0","tables":{
     "A":{"columns":{
       "name":{"type":"string"},"k":{"type":"integer"},
       "w":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}},
       "wm":{"type":{"key":"string","value":{"type":"uuid","refTable":"B","refType":"weak"},"min":0,"max":"unlimited"}},
       "km":{"type":{"key":{"type":"uuid","refTable":"B","refType":"weak"},"value":"integer","min":0,"max":"unlimited"}},
       "e":{"type":"integer","ephemeral":true},
       "fixed":{"type":"string","mutable":false}},
      "isRoot":true,"indexes":[["name","k"]]},
     "B":{"columns":{"n":{"type":"integer"}},"isRoot":true}}});
    let txns = [
        json!([{"op":"insert","table":"B","row":{"n":1},"uuid-name":"b1"},
               {"op":"insert","table":"B","row":{"n":2},"uuid-name":"b2"},
               {"op":"insert","table":"A","row":{"name":"x","fixed":"f","w":["set",[["named-uuid","b1"],["named-uuid","b2"]]],
                   "wm":["map",[["a",["named-uuid","b1"]],["b",["named-uuid","b2"]]]],
                   "km":["map",[[["named-uuid","b1"],1],[["named-uuid","b2"],2]]]}},
               {"op":"insert","table":"A","row":{"name":"y","k":1,"e":5}}]),
        json!([{"op":"delete","table":"B","where":[["n","==",2]]}]),
        json!([{"op":"select","table":"A","where":[["name","==","x"]],"columns":["w","wm","km"]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"fixed":"g"}}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["fixed","delete","g"]]}]),
        json!([{"op":"mutate","table":"A","where":[],"mutations":[["k","+=",10]]},{"op":"select","table":"A","where":[["k",">",5]],"columns":["k","name"]}]),
        json!([{"op":"update","table":"A","where":[],"row":{"e":7}}]),
        json!([{"op":"update","table":"A","where":[["name","==","y"]],"row":{"name":"x","k":10}}]),
        json!([{"op":"insert","table":"A","row":{"name":"z"}},{"op":"abort"},{"op":"insert","table":"A","row":{"name":"zz"}}]),
        json!([{"op":"comment","comment":"only a comment"}]),
        json!([{"op":"select","table":"A","where":[["w","includes",["set",[]]]],"columns":["name"]}]),
        json!([{"op":"select","table":"A","where":[["wm","excludes",["map",[["a",["uuid","11111111-1111-1111-1111-111111111111"]]]]]],"columns":["name"]}]),
        json!([{"op":"mutate","table":"A","where":[["name","==","x"],["k","==",10]],"mutations":[["w","insert",["set",[["uuid","11111111-1111-1111-1111-111111111111"]]]]]}]),
        json!([{"op":"select","table":"A","where":[],"columns":["name","w"]}]),
        json!([{"op":"delete","table":"B","where":[]},{"op":"select","table":"A","where":[],"columns":["w","wm","km"]}]),
        json!([{"op":"insert","table":"B","row":{"n":3},"uuid":"33333333-3333-3333-3333-333333333333"},
               {"op":"update","table":"A","where":[],"row":{"w":["uuid","33333333-3333-3333-3333-333333333333"]}}]),
        json!([{"op":"select","table":"A","where":[["w","==",["uuid","33333333-3333-3333-3333-333333333333"]]],"columns":["name"]}]),
        json!([{"op":"insert","table":"B","row":{"n":4},"uuid":"33333333-3333-3333-3333-333333333333"}]),
        json!([{"op":"delete","table":"B","where":[["_uuid","==",["uuid","33333333-3333-3333-3333-333333333333"]]]},
               {"op":"insert","table":"B","row":{"n":4},"uuid":"33333333-3333-3333-3333-333333333333"}]),
    ];
    session(schema, &txns);
}
