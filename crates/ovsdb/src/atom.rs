//! Atomic values: integers, reals, booleans, strings and UUIDs.
//!
//! An [`Atom`] is the smallest OVSDB value.  Atoms of one type are totally
//! ordered the way Open vSwitch orders them, because sets and maps are kept
//! sorted by that order (which is also the order they are printed in):
//! integers and reals numerically, `false < true`, strings byte-wise
//! (`strcmp`), and UUIDs by their 128-bit value (the same as comparing the
//! canonical text).
//!
//! JSON notation (RFC 7047 section 5.1): integers and reals are JSON numbers
//! (a real column also accepts an integer), booleans are `true`/`false`,
//! strings are JSON strings and UUIDs are `["uuid", "<text>"]`.  Inside a
//! transaction a UUID may also be written `["named-uuid", "<name>"]`, which is
//! resolved through a [`SymbolTable`].
//!
//! The plain-text form ([`Atom::to_ovs_string`]) is what Open vSwitch uses in
//! error messages and in `ovs-vsctl`: strings are printed bare when they look
//! like identifiers and JSON-quoted otherwise.

use crate::error::{OvsdbError, Result};
use crate::json;
use crate::types::BaseType;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::HashMap;
use uuid::Uuid;

/// The five atomic types of RFC 7047.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AtomicType {
    /// 64-bit signed integer.
    Integer,
    /// IEEE 754 double.
    Real,
    /// Boolean.
    Boolean,
    /// UTF-8 string.
    String,
    /// 128-bit UUID.
    Uuid,
}

impl AtomicType {
    /// The schema name of the type (`"integer"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            AtomicType::Integer => "integer",
            AtomicType::Real => "real",
            AtomicType::Boolean => "boolean",
            AtomicType::String => "string",
            AtomicType::Uuid => "uuid",
        }
    }

    /// Parses a schema type name.
    pub fn from_name(s: &str) -> Option<AtomicType> {
        Some(match s {
            "integer" => AtomicType::Integer,
            "real" => AtomicType::Real,
            "boolean" => AtomicType::Boolean,
            "string" => AtomicType::String,
            "uuid" => AtomicType::Uuid,
            _ => return None,
        })
    }

    /// The default atom of this type (0, 0.0, false, "", all-zero UUID).
    pub fn default_atom(self) -> Atom {
        match self {
            AtomicType::Integer => Atom::Integer(0),
            AtomicType::Real => Atom::Real(0.0),
            AtomicType::Boolean => Atom::Boolean(false),
            AtomicType::String => Atom::String(String::new()),
            AtomicType::Uuid => Atom::Uuid(Uuid::nil()),
        }
    }

    /// Whether `<`, `<=`, `>`, `>=` apply to this type.
    pub fn is_ordered(self) -> bool {
        matches!(self, AtomicType::Integer | AtomicType::Real)
    }
}

/// One atomic value.
#[derive(Debug, Clone)]
pub enum Atom {
    /// Integer atom.
    Integer(i64),
    /// Real atom.
    Real(f64),
    /// Boolean atom.
    Boolean(bool),
    /// String atom.
    String(String),
    /// UUID atom.
    Uuid(Uuid),
}

impl Atom {
    /// The atom's type.
    pub fn atomic_type(&self) -> AtomicType {
        match self {
            Atom::Integer(_) => AtomicType::Integer,
            Atom::Real(_) => AtomicType::Real,
            Atom::Boolean(_) => AtomicType::Boolean,
            Atom::String(_) => AtomicType::String,
            Atom::Uuid(_) => AtomicType::Uuid,
        }
    }

    /// The UUID, if this is a UUID atom.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Atom::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The string, if this is a string atom.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Atom::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an integer atom.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// Whether this is the default atom of its type.
    pub fn is_default(&self) -> bool {
        *self == self.atomic_type().default_atom()
    }

    /// Whether this is an atom of type `t` equal to `t`'s default atom (without building it).
    pub(crate) fn is_default_of(&self, t: AtomicType) -> bool {
        match (self, t) {
            (Atom::Integer(i), AtomicType::Integer) => *i == 0,
            // As in `Ord`: reals that do not compare (NaN) count as equal.
            (Atom::Real(r), AtomicType::Real) => r.partial_cmp(&0.0).is_none_or(|o| o.is_eq()),
            (Atom::Boolean(b), AtomicType::Boolean) => !*b,
            (Atom::String(s), AtomicType::String) => s.is_empty(),
            (Atom::Uuid(u), AtomicType::Uuid) => u.is_nil(),
            _ => false,
        }
    }

    /// Parses an atom of `base`'s type from JSON (constraints not checked).
    ///
    /// `symtab` resolves `["named-uuid", name]`; without one, named UUIDs are
    /// a syntax error.
    pub fn from_json(
        base: &BaseType,
        json: &Value,
        symtab: Option<&mut SymbolTable<'_>>,
    ) -> Result<Atom> {
        let t = base.atomic;
        let atom = match t {
            AtomicType::Integer => json::as_integer(json).map(Atom::Integer),
            // Open vSwitch's JSON parser reads an integral number written with a fraction
            // or exponent (`-0.0`, `1e2`) as an integer, so such a real loses its sign of zero.
            AtomicType::Real => match json {
                Value::Number(n) => match json::as_integer(json) {
                    Some(i) => Some(Atom::Real(i as f64)),
                    None => n.as_f64().map(Atom::Real),
                },
                _ => None,
            },
            AtomicType::Boolean => json.as_bool().map(Atom::Boolean),
            AtomicType::String => json.as_str().map(|s| Atom::String(s.to_string())),
            AtomicType::Uuid => return parse_uuid(json, symtab).map(Atom::Uuid),
        };
        atom.ok_or_else(|| OvsdbError::syntax(json, format!("expected {}", t.name())))
    }

    /// Appends the atom's JSON text, exactly as `ovs_json::write_value(&self.to_json(), out)`
    /// would, without building the JSON value.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Atom::String(s) => ovs_json::write_string(s, out),
            Atom::Uuid(u) => {
                out.push_str("[\"uuid\",\"");
                let mut buf = Uuid::encode_buffer();
                out.push_str(u.hyphenated().encode_lower(&mut buf));
                out.push_str("\"]");
            }
            Atom::Boolean(true) => out.push_str("true"),
            Atom::Boolean(false) => out.push_str("false"),
            Atom::Integer(_) | Atom::Real(_) => ovs_json::write_value(&self.to_json(), out),
        }
    }

    /// The atom in RFC 7047 JSON notation.
    pub fn to_json(&self) -> Value {
        match self {
            Atom::Integer(i) => Value::from(*i),
            Atom::Real(r) => json::real_to_json(*r),
            Atom::Boolean(b) => Value::Bool(*b),
            Atom::String(s) => Value::String(s.clone()),
            Atom::Uuid(u) => uuid_to_json(u),
        }
    }

    /// The atom in Open vSwitch's plain-text notation (as in `ovs-vsctl`).
    pub fn to_ovs_string(&self) -> String {
        match self {
            Atom::Integer(i) => i.to_string(),
            Atom::Real(r) => json::format_real(*r),
            Atom::Boolean(b) => b.to_string(),
            Atom::String(s) => {
                if string_needs_quotes(s) {
                    let mut out = String::new();
                    json::write_string(&mut out, s);
                    out
                } else {
                    s.clone()
                }
            }
            Atom::Uuid(u) => u.to_string(),
        }
    }

    /// Checks `self` against `base`'s constraints (range, length, enum).
    ///
    /// Reference-table constraints are checked at commit time, not here.
    pub fn check_constraints(&self, base: &BaseType) -> Result<()> {
        if let Some(en) = &base.enumeration {
            if en.binary_search(self).is_err() {
                let list: Vec<String> = en.iter().map(|a| a.to_ovs_string()).collect();
                return Err(OvsdbError::constraint(format!(
                    "{} is not one of the allowed values ([{}])",
                    self.to_ovs_string(),
                    list.join(", ")
                )));
            }
            return Ok(());
        }
        match self {
            Atom::Integer(i) => {
                let (min, max) = (base.min_integer, base.max_integer);
                if *i >= min && *i <= max {
                    Ok(())
                } else if min != i64::MIN && max != i64::MAX {
                    Err(OvsdbError::constraint(format!(
                        "{i} is not in the valid range {min} to {max} (inclusive)"
                    )))
                } else if *i < min {
                    Err(OvsdbError::constraint(format!(
                        "{i} is less than minimum allowed value {min}"
                    )))
                } else {
                    Err(OvsdbError::constraint(format!(
                        "{i} is greater than maximum allowed value {max}"
                    )))
                }
            }
            Atom::Real(r) => {
                let (min, max) = (base.min_real, base.max_real);
                let f = json::format_real;
                if *r >= min && *r <= max {
                    Ok(())
                } else if min != -f64::MAX && max != f64::MAX {
                    Err(OvsdbError::constraint(format!(
                        "{} is not in the valid range {} to {} (inclusive)",
                        f(*r),
                        f(min),
                        f(max)
                    )))
                } else if *r < min {
                    Err(OvsdbError::constraint(format!(
                        "{} is less than minimum allowed value {}",
                        f(*r),
                        f(min)
                    )))
                } else {
                    Err(OvsdbError::constraint(format!(
                        "{} is greater than maximum allowed value {}",
                        f(*r),
                        f(max)
                    )))
                }
            }
            Atom::String(s) => {
                let n = s.chars().count() as u64;
                if n < u64::from(base.min_length) {
                    let mut q = String::new();
                    json::write_string(&mut q, s);
                    Err(OvsdbError::constraint(format!(
                        "{q} length {n} is less than minimum allowed length {}",
                        base.min_length
                    )))
                } else if n > u64::from(base.max_length) {
                    let mut q = String::new();
                    json::write_string(&mut q, s);
                    Err(OvsdbError::constraint(format!(
                        "{q} length {n} is greater than maximum allowed length {}",
                        base.max_length
                    )))
                } else {
                    Ok(())
                }
            }
            Atom::Boolean(_) | Atom::Uuid(_) => Ok(()),
        }
    }
}

/// `["uuid", "<text>"]` for `u`.
pub fn uuid_to_json(u: &Uuid) -> Value {
    Value::Array(vec![
        Value::String("uuid".into()),
        Value::String(u.to_string()),
    ])
}

/// Parses a UUID in Open vSwitch's accepted text form
/// (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hex digits of either case).
pub fn parse_uuid_text(s: &str) -> Option<Uuid> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    for (i, c) in b.iter().enumerate() {
        let dash = matches!(i, 8 | 13 | 18 | 23);
        if dash != (*c == b'-') || (!dash && !c.is_ascii_hexdigit()) {
            return None;
        }
    }
    Uuid::parse_str(s).ok()
}

fn parse_uuid(json: &Value, symtab: Option<&mut SymbolTable<'_>>) -> Result<Uuid> {
    if let Some([tag, value]) = json.as_array().map(Vec::as_slice) {
        match (tag.as_str(), value.as_str()) {
            (Some("uuid"), Some(s)) => {
                return parse_uuid_text(s).ok_or_else(|| {
                    OvsdbError::syntax(json, format!("\"{s}\" is not a valid UUID"))
                });
            }
            (Some("named-uuid"), Some(name)) => {
                if let Some(st) = symtab {
                    return Ok(st.lookup_or_insert(name));
                }
                return Err(OvsdbError::syntax(
                    json,
                    "named-uuid not allowed here".to_string(),
                ));
            }
            _ => {}
        }
    }
    Err(OvsdbError::syntax(json, "expected [\"uuid\", <string>]"))
}

/// Whether Open vSwitch's plain-text form quotes `s`.
pub fn string_needs_quotes(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return true,
    }
    if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return true;
    }
    s == "true" || s == "false" || parse_uuid_text(s).is_some()
}

fn type_rank(a: &Atom) -> u8 {
    match a {
        Atom::Integer(_) => 0,
        Atom::Real(_) => 1,
        Atom::Boolean(_) => 2,
        Atom::String(_) => 3,
        Atom::Uuid(_) => 4,
    }
}

impl Ord for Atom {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Atom::Integer(a), Atom::Integer(b)) => a.cmp(b),
            (Atom::Real(a), Atom::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Atom::Boolean(a), Atom::Boolean(b)) => a.cmp(b),
            (Atom::String(a), Atom::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Atom::Uuid(a), Atom::Uuid(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => type_rank(self).cmp(&type_rank(other)),
        }
    }
}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Atom {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Atom {}

impl std::hash::Hash for Atom {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Atom::Integer(i) => i.hash(state),
            // 0.0 and -0.0 compare equal, so they must hash alike.
            Atom::Real(r) => (if *r == 0.0 { 0.0f64 } else { *r }).to_bits().hash(state),
            Atom::Boolean(b) => b.hash(state),
            Atom::String(s) => s.hash(state),
            Atom::Uuid(u) => u.hash(state),
        }
    }
}

/// Maps `named-uuid` names to UUIDs within one transaction.
///
/// A name used before the `insert` that defines it gets a UUID on first use;
/// the `insert` then adopts that UUID (as Open vSwitch does).
#[derive(Default)]
pub struct SymbolTable<'g> {
    symbols: HashMap<String, Symbol>,
    generator: Option<&'g mut dyn FnMut() -> Uuid>,
    fallback_counter: u128,
}

#[derive(Debug, Clone, Copy)]
struct Symbol {
    uuid: Uuid,
    created: bool,
}

impl std::fmt::Debug for SymbolTable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymbolTable")
            .field("symbols", &self.symbols)
            .finish_non_exhaustive()
    }
}

impl<'g> SymbolTable<'g> {
    /// A table whose fresh UUIDs come from `gen`.
    pub fn new(gen: &'g mut dyn FnMut() -> Uuid) -> Self {
        SymbolTable {
            symbols: HashMap::new(),
            generator: Some(gen),
            fallback_counter: 0,
        }
    }

    fn fresh(&mut self) -> Uuid {
        match self.generator.as_mut() {
            Some(g) => g(),
            None => {
                self.fallback_counter += 1;
                Uuid::from_u128(self.fallback_counter)
            }
        }
    }

    /// A fresh UUID from the generator.
    pub fn generate(&mut self) -> Uuid {
        self.fresh()
    }

    /// The UUID for `name`, allocating one on first use.
    pub fn lookup_or_insert(&mut self, name: &str) -> Uuid {
        if let Some(s) = self.symbols.get(name) {
            return s.uuid;
        }
        let uuid = self.fresh();
        self.symbols.insert(
            name.to_string(),
            Symbol {
                uuid,
                created: false,
            },
        );
        uuid
    }

    /// Names that were used but never defined by an insert (sorted), e.g.
    /// for ovs-vsctl's "referenced but never created" check.
    pub fn uncreated(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .symbols
            .iter()
            .filter(|(_, s)| !s.created)
            .map(|(n, _)| n.as_str())
            .collect();
        v.sort_unstable();
        v
    }

    /// The UUID for `name`, if it has been used.
    pub fn get(&self, name: &str) -> Option<Uuid> {
        self.symbols.get(name).map(|s| s.uuid)
    }

    /// Marks `name` as defined by an insert, with `uuid` if it was not used
    /// yet.  Returns `None` if an earlier insert already defined it.
    pub fn create(&mut self, name: &str, uuid: Option<Uuid>) -> Option<Uuid> {
        match self.symbols.get_mut(name) {
            Some(s) if s.created => None,
            Some(s) => {
                s.created = true;
                Some(s.uuid)
            }
            None => {
                let uuid = match uuid {
                    Some(u) => u,
                    None => self.fresh(),
                };
                self.symbols.insert(
                    name.to_string(),
                    Symbol {
                        uuid,
                        created: true,
                    },
                );
                Some(uuid)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ordering() {
        assert!(Atom::Integer(-1) < Atom::Integer(2));
        assert!(Atom::String("B".into()) < Atom::String("a".into()));
        assert!(Atom::Boolean(false) < Atom::Boolean(true));
        assert_eq!(Atom::Real(0.0), Atom::Real(-0.0));
        let a = Atom::Uuid(parse_uuid_text("00000000-0000-0000-0000-0000000000ff").unwrap());
        let b = Atom::Uuid(parse_uuid_text("00000001-0000-0000-0000-000000000000").unwrap());
        assert!(a < b);
    }

    #[test]
    fn plain_text() {
        // Quoting as seen in ovsdb-tool's enum error messages.
        let q = |s: &str| Atom::String(s.into()).to_ovs_string();
        assert_eq!(q("x"), "x");
        assert_eq!(q("a1"), "a1");
        assert_eq!(q("a-b.c"), "a-b.c");
        assert_eq!(q("_q"), "_q");
        assert_eq!(q("true"), "\"true\"");
        assert_eq!(q(""), "\"\"");
        assert_eq!(q("1a"), "\"1a\"");
        assert_eq!(q("a b"), "\"a b\"");
        assert_eq!(
            q("12345678-1234-1234-1234-123456789abc"),
            "\"12345678-1234-1234-1234-123456789abc\""
        );
    }

    #[test]
    fn parse_errors() {
        let b = BaseType::new(AtomicType::Uuid);
        let e = Atom::from_json(&b, &json!(["uuid", "zz"]), None).unwrap_err();
        assert_eq!(e.details.as_deref(), Some("\"zz\" is not a valid UUID"));
        let e = Atom::from_json(&b, &json!("x"), None).unwrap_err();
        assert_eq!(e.details.as_deref(), Some("expected [\"uuid\", <string>]"));
        let e = Atom::from_json(&BaseType::new(AtomicType::Real), &json!("x"), None).unwrap_err();
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"expected real","syntax":"\"x\""})
        );
        let mut st = SymbolTable::default();
        let u = Atom::from_json(&b, &json!(["named-uuid", "n"]), Some(&mut st)).unwrap();
        assert_eq!(st.create("n", None).map(Atom::Uuid), Some(u));
        assert_eq!(st.create("n", None), None);
        st.lookup_or_insert("later");
        assert_eq!(st.uncreated(), vec!["later"]);
    }

    #[test]
    fn constraints() {
        let mut b = BaseType::new(AtomicType::Integer);
        b.min_integer = 0;
        b.max_integer = 10;
        let e = Atom::Integer(11).check_constraints(&b).unwrap_err();
        assert_eq!(
            e.details.as_deref(),
            Some("11 is not in the valid range 0 to 10 (inclusive)")
        );
        b.max_integer = i64::MAX;
        let e = Atom::Integer(-1).check_constraints(&b).unwrap_err();
        assert_eq!(
            e.details.as_deref(),
            Some("-1 is less than minimum allowed value 0")
        );
        let mut s = BaseType::new(AtomicType::String);
        s.min_length = 1;
        s.max_length = 3;
        let e = Atom::String("abcd".into())
            .check_constraints(&s)
            .unwrap_err();
        assert_eq!(
            e.details.as_deref(),
            Some("\"abcd\" length 4 is greater than maximum allowed length 3")
        );
        assert!(Atom::String("ééé".into()).check_constraints(&s).is_ok());
    }
}
