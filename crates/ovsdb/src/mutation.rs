//! Mutations (the `mutate` operation's `mutations` list).
//!
//! A mutation is `[column, mutator, value]` (RFC 7047 section 5.1).  The
//! arithmetic mutators `+=`, `-=`, `*=`, `/=` and `%=` apply to integer and
//! real columns that are not maps (`%=` to integers only), element by
//! element; `insert` and `delete` apply to sets and maps.  Open vSwitch's
//! semantics, which this module follows:
//!
//! * integer overflow, or a real result that is not finite, is a `range
//!   error`; division or remainder by zero is a `domain error`;
//! * every result atom must satisfy the column's constraints (`constraint
//!   violation`), and a set whose elements collide after arithmetic is
//!   rejected (`Result of "/=" operation contains duplicates.`);
//! * `insert` into a map keeps the existing value of a key already present;
//!   `delete` from a map takes either a set of keys or a map of pairs (a pair
//!   is deleted only when its value matches);
//! * after `insert`/`delete` the element count must fit the column type
//!   (`Attempted to store 3 elements in set of 1 to 2 integers.`);
//! * `_uuid`, `_version` and columns declared `"mutable": false` cannot be
//!   mutated.

use crate::atom::{Atom, AtomicType, SymbolTable};
use crate::datum::Datum;
use crate::db::Row;
use crate::error::{OvsdbError, Result};
use crate::schema::{TableSchema, N_RESERVED};
use crate::types::{Type, UNLIMITED};
use serde_json::Value;

/// A mutator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutator {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=`
    Div,
    /// `%=`
    Mod,
    /// `insert`
    Insert,
    /// `delete`
    Delete,
}

impl Mutator {
    /// Parses a mutator name.
    pub fn from_name(s: &str) -> Option<Mutator> {
        Some(match s {
            "+=" => Mutator::Add,
            "-=" => Mutator::Sub,
            "*=" => Mutator::Mul,
            "/=" => Mutator::Div,
            "%=" => Mutator::Mod,
            "insert" => Mutator::Insert,
            "delete" => Mutator::Delete,
            _ => return None,
        })
    }

    /// The mutator's name.
    pub fn name(self) -> &'static str {
        match self {
            Mutator::Add => "+=",
            Mutator::Sub => "-=",
            Mutator::Mul => "*=",
            Mutator::Div => "/=",
            Mutator::Mod => "%=",
            Mutator::Insert => "insert",
            Mutator::Delete => "delete",
        }
    }
}

/// One parsed mutation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// Column index.
    pub column: usize,
    /// The mutator.
    pub mutator: Mutator,
    /// The argument.
    pub arg: Datum,
}

/// Parses a `mutations` array for `table`.
pub fn parse_mutations(
    table: &TableSchema,
    json: &Value,
    mut symtab: Option<&mut SymbolTable<'_>>,
) -> Result<Vec<Mutation>> {
    let Some(items) = json.as_array() else {
        return Err(OvsdbError::syntax(json, "Parse error in mutation."));
    };
    items
        .iter()
        .map(|m| parse_mutation(table, m, symtab.as_deref_mut()))
        .collect()
}

fn parse_mutation(
    table: &TableSchema,
    json: &Value,
    symtab: Option<&mut SymbolTable<'_>>,
) -> Result<Mutation> {
    let Some([col, mutator, arg]) = json.as_array().map(Vec::as_slice) else {
        return Err(OvsdbError::syntax(json, "Parse error in mutation."));
    };
    let (Some(col), Some(mname)) = (col.as_str(), mutator.as_str()) else {
        return Err(OvsdbError::syntax(json, "Parse error in mutation."));
    };
    let Some(column) = table.column_index(col) else {
        return Err(OvsdbError::with_syntax(
            "unknown column",
            json,
            format!("No column {} in table {}.", col, table.name),
        ));
    };
    let Some(cs) = table.columns.get(column) else {
        return Err(OvsdbError::syntax(json, "Parse error in mutation."));
    };
    if column < N_RESERVED || !cs.mutable {
        return Err(OvsdbError::with_syntax(
            "constraint violation",
            json,
            format!(
                "Cannot mutate immutable column {} in table {}.",
                col, table.name
            ),
        ));
    }
    let Some(mutator) = Mutator::from_name(mname) else {
        return Err(OvsdbError::new(
            "unknown mutator",
            format!("No mutator named {mname}."),
        ));
    };
    let ty = &cs.ty;
    let mismatch = || {
        OvsdbError::syntax(
            json,
            format!(
                "Type mismatch: \"{}\" operator may not be applied to column {} of type {}.",
                mutator.name(),
                cs.name,
                ty.to_english()
            ),
        )
    };
    let arg = match mutator {
        Mutator::Add | Mutator::Sub | Mutator::Mul | Mutator::Div | Mutator::Mod => {
            let numeric = match ty.key.atomic {
                AtomicType::Integer => true,
                AtomicType::Real => mutator != Mutator::Mod,
                _ => false,
            };
            if !numeric || ty.is_map() {
                return Err(mismatch());
            }
            let scalar = Type {
                key: ty.key.without_constraints(),
                value: None,
                min: 1,
                max: 1,
            };
            Datum::from_json(&scalar, arg, symtab)?
        }
        Mutator::Insert | Mutator::Delete => {
            if ty.is_scalar() {
                return Err(mismatch());
            }
            let mut at = ty.clone();
            at.min = 0;
            if mutator == Mutator::Delete {
                at.max = UNLIMITED;
                let is_map_arg = matches!(arg.as_array().and_then(|a| a.first()), Some(Value::String(s)) if s == "map");
                if ty.is_map() && !is_map_arg {
                    at.value = None;
                }
            }
            Datum::from_json(&at, arg, symtab)?
        }
    };
    Ok(Mutation {
        column,
        mutator,
        arg,
    })
}

fn arith(m: Mutator, a: &Atom, b: &Atom) -> Result<Atom> {
    let range = || {
        OvsdbError::new(
            "range error",
            format!("Result of \"{}\" operation is out of range.", m.name()),
        )
    };
    let domain = || OvsdbError::new("domain error", "Division by zero.");
    match (a, b) {
        (Atom::Integer(x), Atom::Integer(y)) => {
            let r = match m {
                Mutator::Add => x.checked_add(*y),
                Mutator::Sub => x.checked_sub(*y),
                Mutator::Mul => x.checked_mul(*y),
                Mutator::Div => {
                    if *y == 0 {
                        return Err(domain());
                    }
                    x.checked_div(*y)
                }
                Mutator::Mod => {
                    if *y == 0 {
                        return Err(domain());
                    }
                    x.checked_rem(*y)
                }
                _ => None,
            };
            r.map(Atom::Integer).ok_or_else(range)
        }
        (Atom::Real(x), Atom::Real(y)) => {
            let r = match m {
                Mutator::Add => x + y,
                Mutator::Sub => x - y,
                Mutator::Mul => x * y,
                Mutator::Div => {
                    if *y == 0.0 {
                        return Err(domain());
                    }
                    x / y
                }
                _ => return Err(range()),
            };
            if r.is_finite() {
                Ok(Atom::Real(r))
            } else {
                Err(range())
            }
        }
        _ => Err(range()),
    }
}

/// Applies `mutations` to `row` in order.
pub fn apply_mutations(table: &TableSchema, row: &mut Row, mutations: &[Mutation]) -> Result<()> {
    for m in mutations {
        let Some(cs) = table.columns.get(m.column) else {
            continue;
        };
        let Some(d) = row.get_mut(m.column) else {
            continue;
        };
        match m.mutator {
            Mutator::Insert => {
                d.union(&m.arg);
                d.check_size(&cs.ty)?;
            }
            Mutator::Delete => {
                d.subtract(&m.arg);
                d.check_size(&cs.ty)?;
            }
            op => {
                let Some(operand) = m.arg.first() else {
                    continue;
                };
                let mut out = Vec::with_capacity(d.len());
                for k in d.keys() {
                    let r = arith(op, k, operand)?;
                    r.check_constraints(&cs.ty.key)?;
                    out.push(r);
                }
                if !d.set_keys_checked(out) {
                    return Err(OvsdbError::constraint(format!(
                        "Result of \"{}\" operation contains duplicates.",
                        op.name()
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DatabaseSchema;
    use serde_json::json;
    use uuid::Uuid;

    fn schema() -> DatabaseSchema {
        DatabaseSchema::from_json(&json!({"name":"T","tables":{"A":{"columns":{
            "i":{"type":{"key":{"type":"integer","minInteger":0,"maxInteger":10}}},
            "r":{"type":"real"},"name":{"type":"string"},"b":{"type":"boolean"},
            "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
            "set2":{"type":{"key":"integer","min":1,"max":2}},
            "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}}}}}}))
        .unwrap()
    }

    fn run(row: &mut Row, t: &TableSchema, v: Value) -> std::result::Result<(), Value> {
        let ms = parse_mutations(t, &v, None).map_err(|e| e.to_json())?;
        apply_mutations(t, row, &ms).map_err(|e| e.to_json())
    }

    #[test]
    fn errors_match_ovs() {
        // Each expected error was observed from Debian's ovsdb-tool 3.1.
        let s = schema();
        let t = s.table("A").unwrap();
        let mut row = Row::new(t, Uuid::from_u128(1), Uuid::from_u128(2));
        row.set(
            t.column_index("i").unwrap(),
            Datum::scalar(Atom::Integer(7)),
        );
        let cases = [
            (
                json!([["i", "/=", 0]]),
                json!({"error":"domain error","details":"Division by zero."}),
            ),
            (
                json!([["i", "+=", 100]]),
                json!({"error":"constraint violation","details":"107 is not in the valid range 0 to 10 (inclusive)"}),
            ),
            (
                json!([["r", "%=", 2]]),
                json!({"error":"syntax error","details":"Type mismatch: \"%=\" operator may not be applied to column r of type real.","syntax":"[\"r\",\"%=\",2]"}),
            ),
            (
                json!([["name", "+=", "x"]]),
                json!({"error":"syntax error","details":"Type mismatch: \"+=\" operator may not be applied to column name of type string.","syntax":"[\"name\",\"+=\",\"x\"]"}),
            ),
            (
                json!([["set2", "insert", ["set", [5, 6, 7]]]]),
                json!({"error":"syntax error","details":"set must have 0 to 2 members but 3 are present","syntax":"[\"set\",[5,6,7]]"}),
            ),
            (
                json!([["set2", "delete", 0]]),
                json!({"error":"constraint violation","details":"Attempted to store 0 elements in set of 1 to 2 integers."}),
            ),
            (
                json!([["_uuid", "delete", 0]]),
                json!({"error":"constraint violation","details":"Cannot mutate immutable column _uuid in table A.","syntax":"[\"_uuid\",\"delete\",0]"}),
            ),
            (
                json!([["i", "foo", 0]]),
                json!({"error":"unknown mutator","details":"No mutator named foo."}),
            ),
            (
                json!([["m", "+=", 1]]),
                json!({"error":"syntax error","details":"Type mismatch: \"+=\" operator may not be applied to column m of type map of (string, integer) pairs.","syntax":"[\"m\",\"+=\",1]"}),
            ),
            (
                json!([["b", "+=", 1]]),
                json!({"error":"syntax error","details":"Type mismatch: \"+=\" operator may not be applied to column b of type boolean.","syntax":"[\"b\",\"+=\",1]"}),
            ),
            (
                json!([
                    ["i", "-=", 9223372036854775807i64],
                    ["i", "-=", 9223372036854775807i64]
                ]),
                json!({"error":"constraint violation","details":"-9223372036854775800 is not in the valid range 0 to 10 (inclusive)"}),
            ),
            (
                json!([["r", "/=", 0]]),
                json!({"error":"domain error","details":"Division by zero."}),
            ),
            (
                json!([["r", "*=", 1e308], ["r", "*=", 1e308]]),
                json!({"error":"range error","details":"Result of \"*=\" operation is out of range."}),
            ),
            (
                json!([["i", "+=", ["set", []]]]),
                json!({"error":"syntax error","details":"set must have exactly one member but 0 are present","syntax":"[\"set\",[]]"}),
            ),
            (
                json!([["i", "+="]]),
                json!({"error":"syntax error","details":"Parse error in mutation.","syntax":"[\"i\",\"+=\"]"}),
            ),
            (
                json!([1]),
                json!({"error":"syntax error","details":"Parse error in mutation.","syntax":"1"}),
            ),
            (
                json!([["zz", "+=", 1]]),
                json!({"error":"unknown column","details":"No column zz in table A.","syntax":"[\"zz\",\"+=\",1]"}),
            ),
        ];
        for (m, expected) in cases {
            let mut r = row.clone();
            r.set(t.column_index("r").unwrap(), Datum::scalar(Atom::Real(1.0)));
            assert_eq!(run(&mut r, t, m.clone()), Err(expected), "mutation {m}");
        }
    }

    #[test]
    fn set_and_map_mutations() {
        let s = schema();
        let t = s.table("A").unwrap();
        let mut row = Row::new(t, Uuid::from_u128(1), Uuid::from_u128(2));
        let ci = |n: &str| t.column_index(n).unwrap();
        run(
            &mut row,
            t,
            json!([
                ["set", "insert", ["set", [1, 2, 3, 4]]],
                ["m", "insert", ["map", [["a", 3], ["b", 4]]]]
            ]),
        )
        .unwrap();
        run(
            &mut row,
            t,
            json!([["m", "insert", ["map", [["a", 9], ["q", 1]]]]]),
        )
        .unwrap();
        assert_eq!(
            row.get(ci("m")).unwrap().to_json(),
            json!(["map", [["a", 3], ["b", 4], ["q", 1]]])
        );
        run(
            &mut row,
            t,
            json!([["m", "delete", ["map", [["a", 9], ["q", 1]]]]]),
        )
        .unwrap();
        assert_eq!(
            row.get(ci("m")).unwrap().to_json(),
            json!(["map", [["a", 3], ["b", 4]]])
        );
        run(
            &mut row,
            t,
            json!([["m", "delete", ["set", ["a"]]], ["m", "delete", "q"]]),
        )
        .unwrap();
        assert_eq!(
            row.get(ci("m")).unwrap().to_json(),
            json!(["map", [["b", 4]]])
        );
        // {1,2,3,4} *2 -1 = {1,3,5,7}; /2 = {0,1,2,3}; /2 again collides.
        run(&mut row, t, json!([["set", "*=", 2], ["set", "-=", 1]])).unwrap();
        assert_eq!(
            row.get(ci("set")).unwrap().to_json(),
            json!(["set", [1, 3, 5, 7]])
        );
        run(&mut row, t, json!([["set", "/=", 2]])).unwrap();
        assert_eq!(
            row.get(ci("set")).unwrap().to_json(),
            json!(["set", [0, 1, 2, 3]])
        );
        assert_eq!(
            run(&mut row, t, json!([["set", "/=", 2]])),
            Err(
                json!({"error":"constraint violation","details":"Result of \"/=\" operation contains duplicates."})
            )
        );
        assert_eq!(
            run(&mut row, t, json!([["set", "+=", 9223372036854775807i64]])),
            Err(
                json!({"error":"range error","details":"Result of \"+=\" operation is out of range."})
            )
        );
    }
}
