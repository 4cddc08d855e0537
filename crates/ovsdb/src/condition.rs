//! Conditions (`where` clauses) and their evaluation.
//!
//! A condition is a list of clauses `[column, function, value]`
//! (RFC 7047 section 5.1).  The functions `==`, `!=`, `includes` and
//! `excludes` apply to every type; `<`, `<=`, `>`, `>=` only to scalar
//! integers and reals.  `==`/`!=` compare whole datums; `includes` holds
//! when every element (pair, for maps) of the value is in the column and
//! `excludes` when none is.  As an Open vSwitch extension a clause may also
//! be a bare `true` or `false`.  Like Open vSwitch, the ordering functions
//! also accept optional (`min 0, max 1`) numeric columns, whose empty value
//! never satisfies them.
//!
//! Transactions require *every* clause to hold ([`Condition::matches_all`]);
//! conditional monitors (`monitor_cond`) require *any* clause to hold, with
//! an empty list meaning "all rows" ([`Condition::matches_any`]).
//!
//! Values are parsed with the column's type (so constraints apply, as in Open
//! vSwitch); for `includes`/`excludes` on a non-scalar column the minimum
//! size is relaxed to 0 (the maximum is kept).

use crate::atom::{Atom, AtomicType, SymbolTable};
use crate::datum::Datum;
use crate::db::Row;
use crate::error::{OvsdbError, Result};
use crate::schema::{TableSchema, UUID_COLUMN};
use serde_json::Value;
use uuid::Uuid;

/// A comparison function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `includes`
    Includes,
    /// `excludes`
    Excludes,
}

impl Function {
    /// Parses a function name.
    pub fn from_name(s: &str) -> Option<Function> {
        Some(match s {
            "<" => Function::Lt,
            "<=" => Function::Le,
            "==" => Function::Eq,
            "!=" => Function::Ne,
            ">=" => Function::Ge,
            ">" => Function::Gt,
            "includes" => Function::Includes,
            "excludes" => Function::Excludes,
            _ => return None,
        })
    }

    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            Function::Lt => "<",
            Function::Le => "<=",
            Function::Eq => "==",
            Function::Ne => "!=",
            Function::Ge => ">=",
            Function::Gt => ">",
            Function::Includes => "includes",
            Function::Excludes => "excludes",
        }
    }
}

/// One clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// A constant `true` or `false`.
    Const(bool),
    /// `column function value`.
    Compare {
        /// Column index in the table schema.
        column: usize,
        /// The function.
        function: Function,
        /// The value compared against.
        arg: Datum,
    },
}

impl Clause {
    /// Evaluates the clause against a row.
    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Clause::Const(b) => *b,
            Clause::Compare {
                column,
                function,
                arg,
            } => {
                let Some(d) = row.get(*column) else {
                    return false;
                };
                match function {
                    Function::Eq => d == arg,
                    Function::Ne => d != arg,
                    Function::Includes => d.includes(arg),
                    Function::Excludes => d.excludes(arg),
                    f => {
                        let (Some(a), Some(b)) = (d.first(), arg.first()) else {
                            return false;
                        };
                        let ord = match (a, b) {
                            (Atom::Integer(x), Atom::Integer(y)) => x.partial_cmp(y),
                            (Atom::Real(x), Atom::Real(y)) => x.partial_cmp(y),
                            _ => None,
                        };
                        let Some(ord) = ord else { return false };
                        match f {
                            Function::Lt => ord.is_lt(),
                            Function::Le => ord.is_le(),
                            Function::Gt => ord.is_gt(),
                            Function::Ge => ord.is_ge(),
                            _ => false,
                        }
                    }
                }
            }
        }
    }
}

/// A parsed `where` list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Condition {
    /// The clauses in order.
    pub clauses: Vec<Clause>,
}

impl Condition {
    /// Parses a `where` array for `table`.
    pub fn from_json(
        table: &TableSchema,
        json: &Value,
        mut symtab: Option<&mut SymbolTable<'_>>,
    ) -> Result<Condition> {
        let Some(items) = json.as_array() else {
            return Err(OvsdbError::syntax(json, "Parse error in condition."));
        };
        let mut clauses = Vec::with_capacity(items.len());
        for item in items {
            clauses.push(parse_clause(table, item, symtab.as_deref_mut())?);
        }
        Ok(Condition { clauses })
    }

    /// Whether every clause holds (transaction semantics).
    pub fn matches_all(&self, row: &Row) -> bool {
        self.clauses.iter().all(|c| c.matches(row))
    }

    /// Whether any clause holds, or there are none (monitor semantics).
    pub fn matches_any(&self, row: &Row) -> bool {
        self.clauses.is_empty() || self.clauses.iter().any(|c| c.matches(row))
    }

    /// If the condition pins `_uuid == X` (AND semantics), returns X so a
    /// caller can look the row up directly instead of scanning.
    pub fn uuid_equality(&self) -> Option<Uuid> {
        self.clauses.iter().find_map(|c| match c {
            Clause::Compare {
                column: UUID_COLUMN,
                function: Function::Eq,
                arg,
            } => arg.first().and_then(Atom::as_uuid),
            _ => None,
        })
    }

    /// Whether this is the always-true condition for monitor semantics
    /// (empty, or containing a bare `true`).
    pub fn is_true_any(&self) -> bool {
        self.clauses.is_empty() || self.clauses.contains(&Clause::Const(true))
    }
}

fn parse_clause(
    table: &TableSchema,
    json: &Value,
    symtab: Option<&mut SymbolTable<'_>>,
) -> Result<Clause> {
    if let Value::Bool(b) = json {
        return Ok(Clause::Const(*b));
    }
    let Some([col, func, arg]) = json.as_array().map(Vec::as_slice) else {
        return Err(OvsdbError::syntax(json, "Parse error in condition."));
    };
    let (Some(col), Some(func)) = (col.as_str(), func.as_str()) else {
        return Err(OvsdbError::syntax(json, "Parse error in condition."));
    };
    let Some(column) = table.column_index(col) else {
        return Err(OvsdbError::with_syntax(
            "unknown column",
            json,
            format!("No column {} in table {}.", col, table.name),
        ));
    };
    let Some(function) = Function::from_name(func) else {
        return Err(OvsdbError::new(
            "unknown function",
            format!("No function named {func}."),
        ));
    };
    let Some(cs) = table.columns.get(column) else {
        return Err(OvsdbError::syntax(json, "Parse error in condition."));
    };
    let mut ty = cs.ty.clone();
    match function {
        Function::Lt | Function::Le | Function::Gt | Function::Ge => {
            let single = ty.max == 1 && ty.value.is_none();
            if !(single && matches!(ty.key.atomic, AtomicType::Integer | AtomicType::Real)) {
                return Err(OvsdbError::syntax(
                    json,
                    format!(
                        "Type mismatch: \"{}\" operator may not be applied to column {} of type {}.",
                        function.name(),
                        cs.name,
                        ty.to_english()
                    ),
                ));
            }
            ty.min = 1;
        }
        Function::Includes | Function::Excludes => {
            if !ty.is_scalar() {
                ty.min = 0;
            }
        }
        Function::Eq | Function::Ne => {}
    }
    let arg = Datum::from_json(&ty, arg, symtab)?;
    Ok(Clause::Compare {
        column,
        function,
        arg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DatabaseSchema;
    use serde_json::json;

    fn schema() -> DatabaseSchema {
        DatabaseSchema::from_json(&json!({"name":"T","tables":{"A":{"columns":{
            "i":{"type":"integer"},"r":{"type":"real"},"name":{"type":"string"},
            "o":{"type":{"key":"integer","min":0,"max":1}},
            "set":{"type":{"key":"integer","min":0,"max":"unlimited"}},
            "m":{"type":{"key":"string","value":"integer","min":0,"max":"unlimited"}}}}}}))
        .unwrap()
    }

    #[test]
    fn errors_match_ovs() {
        // Observed with Debian's ovsdb-tool 3.1 select operations.
        let s = schema();
        let t = s.table("A").unwrap();
        let e = |v: Value| Condition::from_json(t, &v, None).unwrap_err().to_json();
        assert_eq!(
            e(json!([["zz", "==", 1]])),
            json!({"error":"unknown column","details":"No column zz in table A.","syntax":"[\"zz\",\"==\",1]"})
        );
        assert_eq!(
            e(json!([["name", "<", "a"]])),
            json!({"error":"syntax error","details":"Type mismatch: \"<\" operator may not be applied to column name of type string.","syntax":"[\"name\",\"<\",\"a\"]"})
        );
        assert_eq!(
            e(json!([["set", "<", 1]])),
            json!({"error":"syntax error","details":"Type mismatch: \"<\" operator may not be applied to column set of type set of integers.","syntax":"[\"set\",\"<\",1]"})
        );
        assert_eq!(
            e(json!([["name", "foo", "a"]])),
            json!({"error":"unknown function","details":"No function named foo."})
        );
        assert_eq!(
            e(json!([["name", "=="]])),
            json!({"error":"syntax error","details":"Parse error in condition.","syntax":"[\"name\",\"==\"]"})
        );
        assert_eq!(
            e(json!([["i", "<", 5.5]])),
            json!({"error":"syntax error","details":"expected integer","syntax":"5.5"})
        );
        let one = json!({"error":"syntax error","details":"set must have exactly one member but 0 are present","syntax":"[\"set\",[]]"});
        assert_eq!(e(json!([["i", "includes", ["set", []]]])), one);
        assert_eq!(e(json!([["o", "<", ["set", []]]])), one);
        assert!(Condition::from_json(t, &json!([["o", "<", 5]]), None).is_ok());
    }

    #[test]
    fn evaluation() {
        let s = schema();
        let t = s.table("A").unwrap();
        let mut row = Row::new(t, Uuid::from_u128(1), Uuid::from_u128(2));
        let set = |v: Value, ty: &crate::types::Type| Datum::from_json(ty, &v, None).unwrap();
        let ci = |n: &str| t.column_index(n).unwrap();
        row.set(ci("i"), Datum::scalar(Atom::Integer(7)));
        row.set(ci("r"), Datum::scalar(Atom::Real(2.5)));
        row.set(
            ci("set"),
            set(json!(["set", [1, 2, 3]]), &t.columns[ci("set")].ty),
        );
        row.set(
            ci("m"),
            set(json!(["map", [["b", 4]]]), &t.columns[ci("m")].ty),
        );
        let c = |v: Value| Condition::from_json(t, &v, None).unwrap();
        assert!(c(json!([
            ["set", "includes", ["set", [1, 2]]],
            ["set", "excludes", 9],
            ["i", ">=", 7],
            ["r", "<", 3.6],
            ["m", "includes", ["map", [["b", 4]]]]
        ]))
        .matches_all(&row));
        assert!(!c(json!([["set", "includes", ["set", [1, 2, 9]]]])).matches_all(&row));
        assert!(c(json!([["set", "==", ["set", [3, 2, 1]]]])).matches_all(&row));
        assert!(c(json!([
            ["i", "<", 8],
            ["i", "<=", 7],
            ["i", ">", 6],
            ["i", "!=", 8]
        ]))
        .matches_all(&row));
        assert!(c(json!([["m", "excludes", ["map", [["b", 5]]]]])).matches_all(&row));
        assert!(!c(json!([false])).matches_all(&row));
        assert!(c(json!([false, ["i", "==", 7]])).matches_any(&row));
        assert!(c(json!([])).matches_any(&row));
        let u = c(json!([[
            "_uuid",
            "==",
            ["uuid", "00000000-0000-0000-0000-000000000001"]
        ]]));
        assert_eq!(u.uuid_equality(), Some(Uuid::from_u128(1)));
        assert!(u.matches_all(&row));
    }
}
