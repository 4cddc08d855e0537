//! A small helper for parsing JSON objects with OVS's error conventions.
//!
//! Open vSwitch parses every JSON object in the protocol (schemas, operations,
//! monitor requests) with a helper that fetches named members of expected
//! types and, at the end, complains about members that were not used.  Every
//! complaint reads `Parsing <what> failed: <problem>` and quotes the whole
//! object as its syntax.  [`ObjParser`] reproduces that behaviour so that all
//! such messages match: `Required 'x' member is missing.`, `Type mismatch for
//! member 'x'.`, `Member 'x' is present but not allowed here.`.

use crate::error::OvsdbError;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Kinds of JSON value a member may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any JSON value.
    Any,
    /// A boolean.
    Bool,
    /// An integer.
    Integer,
    /// An integer or real.
    Number,
    /// A string.
    String,
    /// A string that is a valid identifier.
    Id,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// Returns true if `s` is a valid OVSDB identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn matches(kind: Kind, v: &Value) -> bool {
    match kind {
        Kind::Any => true,
        Kind::Bool => v.is_boolean(),
        Kind::Integer => crate::json::as_integer(v).is_some(),
        Kind::Number => v.is_number(),
        Kind::String => v.is_string(),
        Kind::Id => v.as_str().is_some_and(is_valid_id),
        Kind::Array => v.is_array(),
        Kind::Object => v.is_object(),
    }
}

/// Member-by-member parser for one JSON object.
pub struct ObjParser<'a> {
    json: &'a Value,
    obj: Option<&'a Map<String, Value>>,
    name: String,
    used: HashSet<&'a str>,
    error: Option<OvsdbError>,
}

impl<'a> ObjParser<'a> {
    /// Starts parsing `json`, which is described as `name` in messages.
    pub fn new(json: &'a Value, name: impl Into<String>) -> Self {
        let name = name.into();
        let obj = json.as_object();
        let error = if obj.is_none() {
            Some(OvsdbError::new(
                "syntax error",
                format!("Parsing {name} failed: Object expected."),
            ))
        } else {
            None
        };
        ObjParser {
            json,
            obj,
            name,
            used: HashSet::new(),
            error,
        }
    }

    /// Records an error (only the first one is kept).
    pub fn raise(&mut self, msg: impl std::fmt::Display) {
        if self.error.is_none() {
            self.error = Some(OvsdbError::syntax(
                self.json,
                format!("Parsing {} failed: {}", self.name, msg),
            ));
        }
    }

    /// Fetches an optional member of the given kind.
    pub fn optional(&mut self, member: &str, kind: Kind) -> Option<&'a Value> {
        self.fetch(member, kind, true)
    }

    /// Fetches a required member of the given kind.
    pub fn required(&mut self, member: &str, kind: Kind) -> Option<&'a Value> {
        self.fetch(member, kind, false)
    }

    fn fetch(&mut self, member: &str, kind: Kind, optional: bool) -> Option<&'a Value> {
        let obj = self.obj?;
        match obj.get_key_value(member) {
            Some((k, v)) => {
                self.used.insert(k.as_str());
                if matches(kind, v) {
                    Some(v)
                } else {
                    self.raise(format!("Type mismatch for member '{member}'."));
                    None
                }
            }
            None => {
                if !optional {
                    self.raise(format!("Required '{member}' member is missing."));
                }
                None
            }
        }
    }

    /// The first error seen so far, if any.
    pub fn error(&self) -> Option<OvsdbError> {
        self.error.clone()
    }

    /// Checks for unused members and returns the first error, if any.
    pub fn finish(mut self) -> Result<(), OvsdbError> {
        if self.error.is_none() {
            if let Some(obj) = self.obj {
                if let Some(k) = obj.keys().find(|k| !self.used.contains(k.as_str())) {
                    let k = k.clone();
                    self.raise(format!("Member '{k}' is present but not allowed here."));
                }
            }
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages() {
        let v = json!({"a": 1, "b": "x"});
        let mut p = ObjParser::new(&v, "thing");
        assert!(p.required("a", Kind::Integer).is_some());
        let e = p.finish().unwrap_err();
        assert_eq!(
            e.details.as_deref(),
            Some("Parsing thing failed: Member 'b' is present but not allowed here.")
        );
        let mut p = ObjParser::new(&v, "thing");
        assert!(p.required("b", Kind::Bool).is_none());
        p.required("c", Kind::Any);
        assert_eq!(
            p.finish().unwrap_err().details.as_deref(),
            Some("Parsing thing failed: Type mismatch for member 'b'.")
        );
        let v = json!(1);
        let p = ObjParser::new(&v, "x");
        assert!(p.finish().is_err());
        assert!(is_valid_id("_a1"));
        assert!(!is_valid_id("1a"));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id(""));
    }
}
