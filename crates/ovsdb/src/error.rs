//! OVSDB error objects.
//!
//! RFC 7047 reports failures inside a transaction result as JSON objects of
//! the form `{"error": <tag>, "details": <text>}`; Open vSwitch adds a third
//! member, `"syntax"`, holding the compact text of the JSON value that could
//! not be parsed.  [`OvsdbError`] carries exactly those three pieces so that
//! every layer (schema parsing, datum parsing, transaction execution) can
//! produce an error that the server serialises verbatim with
//! [`OvsdbError::to_json`].
//!
//! The `Display` form follows the one Open vSwitch's command-line tools print:
//! `syntax "<json>": <tag>: <details>` (the `syntax` prefix only when present).

use serde_json::{Map, Value};

/// A tagged OVSDB error, as reported in transaction results and by tools.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.to_message())]
pub struct OvsdbError {
    /// The short error tag (`"syntax error"`, `"constraint violation"`, ...).
    pub tag: String,
    /// Human-readable details, if any.
    pub details: Option<String>,
    /// Compact JSON text of the offending input, for syntax errors.
    pub syntax: Option<String>,
}

impl OvsdbError {
    /// Creates an error with a tag and details.
    pub fn new(tag: impl Into<String>, details: impl Into<String>) -> Self {
        OvsdbError {
            tag: tag.into(),
            details: Some(details.into()),
            syntax: None,
        }
    }

    /// Creates an error with a tag only.
    pub fn tag_only(tag: impl Into<String>) -> Self {
        OvsdbError {
            tag: tag.into(),
            details: None,
            syntax: None,
        }
    }

    /// Creates a `"syntax error"` about `json`.
    pub fn syntax(json: &Value, details: impl Into<String>) -> Self {
        Self::with_syntax("syntax error", json, details)
    }

    /// Creates an error with the given tag that quotes `json` as its syntax.
    pub fn with_syntax(tag: impl Into<String>, json: &Value, details: impl Into<String>) -> Self {
        OvsdbError {
            tag: tag.into(),
            details: Some(details.into()),
            syntax: Some(crate::json::to_string_sorted(json)),
        }
    }

    /// Shorthand for a `"constraint violation"`.
    pub fn constraint(details: impl Into<String>) -> Self {
        Self::new("constraint violation", details)
    }

    /// Shorthand for Open vSwitch's generic `"ovsdb error"` tag.
    pub fn generic(details: impl Into<String>) -> Self {
        Self::new("ovsdb error", details)
    }

    /// Replaces (or adds) the quoted syntax.
    pub fn set_syntax(mut self, json: &Value) -> Self {
        self.syntax = Some(crate::json::to_string_sorted(json));
        self
    }

    /// The JSON object used in transaction results.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("error".into(), Value::String(self.tag.clone()));
        if let Some(d) = &self.details {
            m.insert("details".into(), Value::String(d.clone()));
        }
        if let Some(s) = &self.syntax {
            m.insert("syntax".into(), Value::String(s.clone()));
        }
        Value::Object(m)
    }

    /// The one-line message a tool prints for this error.
    pub fn to_message(&self) -> String {
        let mut s = String::new();
        if let Some(syn) = &self.syntax {
            s.push_str("syntax \"");
            s.push_str(syn);
            s.push_str("\": ");
        }
        s.push_str(&self.tag);
        if let Some(d) = &self.details {
            s.push_str(": ");
            s.push_str(d);
        }
        s
    }
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, OvsdbError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_shape() {
        let e = OvsdbError::syntax(&json!({"b":1,"a":[1.5]}), "bad");
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"bad","syntax":"{\"a\":[1.5],\"b\":1}"})
        );
        assert_eq!(
            e.to_string(),
            "syntax \"{\"a\":[1.5],\"b\":1}\": syntax error: bad"
        );
        assert_eq!(OvsdbError::tag_only("x").to_json(), json!({"error":"x"}));
    }
}
