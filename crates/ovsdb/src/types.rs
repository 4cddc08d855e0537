//! Column types: base types with constraints, and key/value/min/max types.
//!
//! A [`BaseType`] is an atomic type plus optional constraints: a numeric
//! range (`minInteger`/`maxInteger`, `minReal`/`maxReal`), a string length
//! range (`minLength`/`maxLength`, counted in Unicode characters), an `enum`
//! of allowed values, and for UUIDs a `refTable` with a `refType` (`strong` or
//! `weak`).  A [`Type`] combines a key base type, an optional value base type
//! (present for maps) and the allowed number of elements `min`..`max`, where
//! `max` may be unlimited.
//!
//! A type with `min == max == 1` and no value is a *scalar*; `min == 0, max ==
//! 1` is *optional*; anything else is a set (or a map when it has a value
//! type).  Both parse from and print to the schema JSON notation of RFC 7047
//! section 3.2, with Open vSwitch's error messages and its compact printing
//! (a base type without constraints prints as its bare name, `min`/`max`
//! only when not 1).

use crate::atom::{Atom, AtomicType};
use crate::error::{OvsdbError, Result};
use crate::json;
use crate::parser::{Kind, ObjParser};
use serde_json::{Map, Value};

/// Whether a reference keeps its target alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// Strong reference: target must exist and is kept alive.
    Strong,
    /// Weak reference: silently dropped when the target goes away.
    Weak,
}

/// The maximum `max` value, meaning "unlimited".
pub const UNLIMITED: u32 = u32::MAX;

/// An atomic type plus its constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseType {
    /// The atomic type.
    pub atomic: AtomicType,
    /// Allowed values, sorted and de-duplicated, if constrained.
    pub enumeration: Option<Vec<Atom>>,
    /// Minimum integer (i64::MIN when unconstrained).
    pub min_integer: i64,
    /// Maximum integer (i64::MAX when unconstrained).
    pub max_integer: i64,
    /// Minimum real (-f64::MAX when unconstrained).
    pub min_real: f64,
    /// Maximum real (f64::MAX when unconstrained).
    pub max_real: f64,
    /// Minimum string length in characters.
    pub min_length: u32,
    /// Maximum string length in characters (u32::MAX when unconstrained).
    pub max_length: u32,
    /// Referenced table, for UUIDs.
    pub ref_table: Option<String>,
    /// Strength of the reference (meaningful only with `ref_table`).
    pub ref_type: RefType,
}

impl BaseType {
    /// An unconstrained base type.
    pub fn new(atomic: AtomicType) -> Self {
        BaseType {
            atomic,
            enumeration: None,
            min_integer: i64::MIN,
            max_integer: i64::MAX,
            min_real: -f64::MAX,
            max_real: f64::MAX,
            min_length: 0,
            max_length: u32::MAX,
            ref_table: None,
            ref_type: RefType::Strong,
        }
    }

    /// The same atomic type with every constraint removed.
    pub fn without_constraints(&self) -> Self {
        BaseType::new(self.atomic)
    }

    /// Whether any constraint is present.
    pub fn has_constraints(&self) -> bool {
        self.enumeration.is_some()
            || self.min_integer != i64::MIN
            || self.max_integer != i64::MAX
            || self.min_real != -f64::MAX
            || self.max_real != f64::MAX
            || self.min_length != 0
            || self.max_length != u32::MAX
            || self.ref_table.is_some()
    }

    /// The strong/weak reference target table, if this is a reference.
    pub fn reference(&self) -> Option<(&str, RefType)> {
        self.ref_table.as_deref().map(|t| (t, self.ref_type))
    }

    /// Parses a base type from schema JSON.
    pub fn from_json(json: &Value) -> Result<BaseType> {
        if let Some(s) = json.as_str() {
            return AtomicType::from_name(s)
                .map(BaseType::new)
                .ok_or_else(|| OvsdbError::syntax(json, format!("\"{s}\" is not an atomic-type")));
        }
        let mut p = ObjParser::new(json, "ovsdb type");
        let type_json = p.required("type", Kind::String);
        let Some(type_json) = type_json else {
            p.finish()?;
            return Err(OvsdbError::syntax(json, "missing type"));
        };
        let name = type_json.as_str().unwrap_or_default();
        let atomic = AtomicType::from_name(name).ok_or_else(|| {
            OvsdbError::syntax(type_json, format!("\"{name}\" is not an atomic-type"))
        })?;
        let mut base = BaseType::new(atomic);
        let enum_json = p.optional("enum", Kind::Any);
        match atomic {
            AtomicType::Integer => {
                if let Some(v) = p.optional("minInteger", Kind::Integer) {
                    base.min_integer = json::as_integer(v).unwrap_or(i64::MIN);
                }
                if let Some(v) = p.optional("maxInteger", Kind::Integer) {
                    base.max_integer = json::as_integer(v).unwrap_or(i64::MAX);
                }
                if base.min_integer > base.max_integer {
                    return Err(OvsdbError::syntax(json, "minInteger exceeds maxInteger"));
                }
            }
            AtomicType::Real => {
                if let Some(v) = p.optional("minReal", Kind::Number) {
                    base.min_real = v.as_f64().unwrap_or(-f64::MAX);
                }
                if let Some(v) = p.optional("maxReal", Kind::Number) {
                    base.max_real = v.as_f64().unwrap_or(f64::MAX);
                }
                if base.min_real > base.max_real {
                    return Err(OvsdbError::syntax(json, "minReal exceeds maxReal"));
                }
            }
            AtomicType::String => {
                if let Some(v) = p.optional("minLength", Kind::Integer) {
                    base.min_length = length_value(v, "minLength")?;
                }
                if let Some(v) = p.optional("maxLength", Kind::Integer) {
                    base.max_length = length_value(v, "maxLength")?;
                }
                if base.min_length > base.max_length {
                    return Err(OvsdbError::syntax(json, "minLength exceeds maxLength"));
                }
            }
            AtomicType::Uuid => {
                if let Some(t) = p.optional("refTable", Kind::Id) {
                    base.ref_table = t.as_str().map(str::to_string);
                    if let Some(rt) = p.optional("refType", Kind::String) {
                        base.ref_type = match rt.as_str() {
                            Some("strong") => RefType::Strong,
                            Some("weak") => RefType::Weak,
                            other => {
                                return Err(OvsdbError::syntax(
                                    json,
                                    format!(
                                        "refType must be \"strong\" or \"weak\" (not \"{}\")",
                                        other.unwrap_or_default()
                                    ),
                                ))
                            }
                        };
                    }
                }
            }
            AtomicType::Boolean => {}
        }
        if let Some(ej) = enum_json {
            let set_type = Type {
                key: base.without_constraints(),
                value: None,
                min: 1,
                max: UNLIMITED,
            };
            let d = crate::datum::Datum::from_json(&set_type, ej, None)?;
            base.enumeration = Some(d.keys().to_vec());
        }
        p.finish()?;
        Ok(base)
    }

    /// The base type in schema JSON notation.
    pub fn to_json(&self) -> Value {
        if !self.has_constraints() {
            return Value::String(self.atomic.name().into());
        }
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.atomic.name().into()));
        if let Some(en) = &self.enumeration {
            let d = crate::datum::Datum::set(en.clone());
            m.insert("enum".into(), d.to_json_set_notation());
        }
        match self.atomic {
            AtomicType::Integer => {
                if self.min_integer != i64::MIN {
                    m.insert("minInteger".into(), self.min_integer.into());
                }
                if self.max_integer != i64::MAX {
                    m.insert("maxInteger".into(), self.max_integer.into());
                }
            }
            AtomicType::Real => {
                if self.min_real != -f64::MAX {
                    m.insert("minReal".into(), json::real_to_json(self.min_real));
                }
                if self.max_real != f64::MAX {
                    m.insert("maxReal".into(), json::real_to_json(self.max_real));
                }
            }
            AtomicType::String => {
                if self.min_length != 0 {
                    m.insert("minLength".into(), self.min_length.into());
                }
                if self.max_length != u32::MAX {
                    m.insert("maxLength".into(), self.max_length.into());
                }
            }
            AtomicType::Uuid => {
                if let Some(t) = &self.ref_table {
                    m.insert("refTable".into(), Value::String(t.clone()));
                    if self.ref_type == RefType::Weak {
                        m.insert("refType".into(), Value::String("weak".into()));
                    }
                }
            }
            AtomicType::Boolean => {}
        }
        Value::Object(m)
    }
}

fn length_value(v: &Value, what: &str) -> Result<u32> {
    json::as_integer(v)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| {
            OvsdbError::syntax(v, format!("{what} out of valid range 0 to {}", u32::MAX))
        })
}

/// A column type: key, optional value, and element count bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Type {
    /// Key (or element) type.
    pub key: BaseType,
    /// Value type, for maps.
    pub value: Option<BaseType>,
    /// Minimum number of elements (0 or 1).
    pub min: u32,
    /// Maximum number of elements ([`UNLIMITED`] for no limit).
    pub max: u32,
}

impl Type {
    /// A scalar of the given atomic type.
    pub fn scalar(atomic: AtomicType) -> Self {
        Type {
            key: BaseType::new(atomic),
            value: None,
            min: 1,
            max: 1,
        }
    }

    /// Whether exactly one element is required and there is no value type.
    pub fn is_scalar(&self) -> bool {
        self.min == 1 && self.max == 1 && self.value.is_none()
    }

    /// Whether the type is an optional single value (`min 0, max 1`).
    pub fn is_optional(&self) -> bool {
        self.min == 0 && self.max == 1
    }

    /// Whether this is a map type.
    pub fn is_map(&self) -> bool {
        self.value.is_some()
    }

    /// Whether this is a set type (not a map, not a scalar).
    pub fn is_set(&self) -> bool {
        self.value.is_none() && (self.min != 1 || self.max != 1)
    }

    /// Whether the type's constraints are coherent.
    pub fn is_valid(&self) -> bool {
        self.min <= 1 && self.max >= 1 && self.min <= self.max
    }

    /// The English description used in messages (`"set of integers"`, ...).
    pub fn to_english(&self) -> String {
        let key = self.key.atomic.name();
        if self.is_scalar() {
            return key.to_string();
        }
        let mut s = String::from(if self.is_map() { "map" } else { "set" });
        if self.max == UNLIMITED {
            if self.min > 0 {
                s.push_str(&format!(" of {} or more", self.min));
            } else {
                s.push_str(" of");
            }
        } else if self.min > 0 {
            s.push_str(&format!(" of {} to {}", self.min, self.max));
        } else {
            s.push_str(&format!(" of up to {}", self.max));
        }
        match &self.value {
            None => s.push_str(&format!(" {key}s")),
            Some(v) => s.push_str(&format!(" ({}, {}) pairs", key, v.atomic.name())),
        }
        s
    }

    /// Parses a column type from schema JSON.
    pub fn from_json(json: &Value) -> Result<Type> {
        if json.is_string() {
            return Ok(Type {
                key: BaseType::from_json(json)?,
                value: None,
                min: 1,
                max: 1,
            });
        }
        let mut p = ObjParser::new(json, "ovsdb type");
        let key = p.required("key", Kind::Any);
        let value = p.optional("value", Kind::Any);
        let min = p.optional("min", Kind::Any);
        let max = p.optional("max", Kind::Any);
        if let Some(e) = p.error() {
            return Err(e);
        }
        p.finish()?;
        let Some(key) = key else {
            return Err(OvsdbError::syntax(
                json,
                "Required 'key' member is missing.",
            ));
        };
        let key = BaseType::from_json(key)?;
        let value = value.map(BaseType::from_json).transpose()?;
        let min = match min {
            None => 1,
            Some(v) => json::as_integer(v)
                .and_then(|i| u32::try_from(i).ok())
                .filter(|i| *i != u32::MAX)
                .ok_or_else(|| OvsdbError::syntax(v, "bad min or max value"))?,
        };
        let max = match max {
            None => 1,
            Some(Value::String(s)) if s == "unlimited" => UNLIMITED,
            Some(v) => json::as_integer(v)
                .and_then(|i| u32::try_from(i).ok())
                .filter(|i| *i != u32::MAX)
                .ok_or_else(|| OvsdbError::syntax(v, "bad min or max value"))?,
        };
        let t = Type {
            key,
            value,
            min,
            max,
        };
        if !t.is_valid() {
            return Err(OvsdbError::syntax(
                json,
                "ovsdb type fails constraint checks",
            ));
        }
        Ok(t)
    }

    /// The type in schema JSON notation.
    pub fn to_json(&self) -> Value {
        if self.is_scalar() && !self.key.has_constraints() {
            return self.key.to_json();
        }
        let mut m = Map::new();
        m.insert("key".into(), self.key.to_json());
        if let Some(v) = &self.value {
            m.insert("value".into(), v.to_json());
        }
        if self.min != 1 {
            m.insert("min".into(), self.min.into());
        }
        if self.max == UNLIMITED {
            m.insert("max".into(), Value::String("unlimited".into()));
        } else if self.max != 1 {
            m.insert("max".into(), self.max.into());
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        Type::from_json(&v).unwrap_err().details.unwrap_or_default()
    }

    #[test]
    fn schema_type_errors_match_ovs() {
        // Messages observed from Debian's `ovsdb-tool create` (3.1).
        assert_eq!(err(json!("foo")), "\"foo\" is not an atomic-type");
        assert_eq!(
            err(json!({"key":"integer","min":2,"max":3})),
            "ovsdb type fails constraint checks"
        );
        assert_eq!(
            err(json!({"key":"integer","min":0,"max":0})),
            "ovsdb type fails constraint checks"
        );
        assert_eq!(
            err(json!({"key":"integer","min":1,"max":-1})),
            "bad min or max value"
        );
        assert_eq!(
            err(json!({"key":{"type":"integer","minInteger":5,"maxInteger":1}})),
            "minInteger exceeds maxInteger"
        );
        assert_eq!(
            err(json!({"key":{"type":"integer","minLength":5}})),
            "Parsing ovsdb type failed: Member 'minLength' is present but not allowed here."
        );
        assert_eq!(
            err(json!({"key":{"type":"string","minLength":5,"maxLength":1}})),
            "minLength exceeds maxLength"
        );
        let e = Type::from_json(&json!({"key":{"type":"string","minLength":-1}})).unwrap_err();
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"minLength out of valid range 0 to 4294967295","syntax":"-1"})
        );
        let e = Type::from_json(&json!({"key":{"type":"string","maxLength":4294967296u64}}))
            .unwrap_err();
        assert_eq!(e.syntax.as_deref(), Some("4294967296"));
        assert_eq!(
            err(json!({"key":{"type":"real","minReal":5,"maxReal":1}})),
            "minReal exceeds maxReal"
        );
        assert_eq!(
            err(json!({"key":{"type":"uuid","refTable":"T","refType":"foo"}})),
            "refType must be \"strong\" or \"weak\" (not \"foo\")"
        );
        assert_eq!(
            err(json!({"value":"integer"})),
            "Parsing ovsdb type failed: Required 'key' member is missing."
        );
        assert_eq!(
            err(json!({"key":{"type":"integer","enum":["set",[1,"x"]]}})),
            "expected integer"
        );
    }

    #[test]
    fn round_trip_and_english() {
        for v in [
            json!("integer"),
            json!({"key":"integer","min":0,"max":"unlimited"}),
            json!({"key":"string","value":"integer","min":0,"max":"unlimited"}),
            json!({"key":{"type":"uuid","refTable":"B","refType":"weak"},"min":0}),
            json!({"key":{"type":"string","enum":["set",["x","y"]]}}),
            json!({"key":{"type":"integer","minInteger":0,"maxInteger":10}}),
            json!({"key":"integer","max":2}),
        ] {
            let t = Type::from_json(&v).unwrap();
            assert_eq!(t.to_json(), v);
        }
        let t = |v: Value| Type::from_json(&v).unwrap().to_english();
        assert_eq!(
            t(json!({"key":"integer","min":0,"max":"unlimited"})),
            "set of integers"
        );
        assert_eq!(
            t(json!({"key":"integer","max":2})),
            "set of 1 to 2 integers"
        );
        assert_eq!(
            t(json!({"key":"string","value":"integer","min":0,"max":"unlimited"})),
            "map of (string, integer) pairs"
        );
        assert_eq!(t(json!("real")), "real");
    }
}
