//! JSON-RPC 1.0 messages as Open vSwitch exchanges them.
//!
//! OVSDB (RFC 7047), unixctl and every other OVS control channel use the
//! original JSON-RPC 1.0 shape: a JSON object with some of the members
//! `method`, `params`, `result`, `error` and `id`. There is no `"jsonrpc"`
//! version member. Four kinds of message exist:
//!
//! * **request** — `method`, `params` and a non-null `id`;
//! * **notification** — `method`, `params` and a null (or absent) `id`;
//! * **reply** — `result` and `id` (the sender also writes `"error": null`);
//! * **error** — a non-null `error` and `id`.
//!
//! Decoding follows the rules Open vSwitch applies, which are stricter than
//! "anything goes":
//!
//! 1. the message must be a JSON object, and every member must be one of the
//!    five names above (anything else, e.g. `"jsonrpc": "2.0"`, is rejected);
//! 2. `method`, when present, must be a string;
//! 3. a JSON `null` in `id` or `error` counts as absent, while `result: null`
//!    is a real (null) result;
//! 4. the kind is chosen by precedence: `result` present → reply, else
//!    non-null `error` → error, else non-null `id` → request, else
//!    notification;
//! 5. each kind then requires its own members and forbids the others (a
//!    reply may not carry a `method`, a request may not carry `result`, ...),
//!    and `params` must be a JSON array.
//!
//! `id` may be any JSON value (OVS clients use numbers, strings such as
//! `"echo"`, and even arrays), so it is kept as a [`Value`].
//!
//! Encoding writes members in the order the OVS daemons emit them, so that
//! byte-level comparisons with their output are possible: requests
//! `{"id":..,"method":..,"params":..}`, notifications
//! `{"id":null,"method":..,"params":..}`, replies
//! `{"id":..,"result":..,"error":null}` and errors `{"id":..,"error":..}`.

use serde_json::{Map, Value};
use thiserror::Error;

/// One JSON-RPC 1.0 message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A call that expects a reply carrying the same `id`.
    Request {
        /// Method name.
        method: String,
        /// Positional parameters.
        params: Vec<Value>,
        /// Any non-null JSON value chosen by the caller.
        id: Value,
    },
    /// A call that expects no reply (`id` is null on the wire).
    Notify {
        /// Method name.
        method: String,
        /// Positional parameters.
        params: Vec<Value>,
    },
    /// A successful answer to a request.
    Reply {
        /// The result (may be JSON null).
        result: Value,
        /// The `id` of the request being answered.
        id: Value,
    },
    /// A failed answer to a request.
    Error {
        /// The error value (never null).
        error: Value,
        /// The `id` of the request being answered.
        id: Value,
    },
}

/// Why a JSON value is not a valid JSON-RPC message. The Display text is
/// what a log or a peer reads.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    /// The top-level value is not an object.
    #[error("message is not a JSON object")]
    NotObject,
    /// The object has a member outside the JSON-RPC 1.0 vocabulary.
    #[error("message has unexpected member \"{0}\"")]
    UnexpectedMember(String),
    /// `method` is present but is not a string.
    #[error("method is not a JSON string")]
    MethodNotString,
    /// `params` is present but is not an array.
    #[error("\"params\" must be JSON array")]
    ParamsNotArray,
    /// A member required by the message kind is missing.
    #[error("{kind} must have \"{member}\"")]
    Missing {
        /// Message kind ("request", "reply", ...).
        kind: &'static str,
        /// Missing member name.
        member: &'static str,
    },
    /// A member forbidden for the message kind is present.
    #[error("{kind} must not have \"{member}\"")]
    Forbidden {
        /// Message kind ("request", "reply", ...).
        kind: &'static str,
        /// Offending member name.
        member: &'static str,
    },
}

impl Message {
    /// Builds a request.
    pub fn request(method: impl Into<String>, params: Vec<Value>, id: Value) -> Self {
        Message::Request {
            method: method.into(),
            params,
            id,
        }
    }

    /// Builds a notification.
    pub fn notify(method: impl Into<String>, params: Vec<Value>) -> Self {
        Message::Notify {
            method: method.into(),
            params,
        }
    }

    /// Builds a successful reply.
    pub fn reply(result: Value, id: Value) -> Self {
        Message::Reply { result, id }
    }

    /// Builds an error reply.
    pub fn error(error: Value, id: Value) -> Self {
        Message::Error { error, id }
    }

    /// The kind of message as OVS names it in logs: "request",
    /// "notification", "reply" or "error".
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Request { .. } => "request",
            Message::Notify { .. } => "notification",
            Message::Reply { .. } => "reply",
            Message::Error { .. } => "error",
        }
    }

    /// The `id`, if the message has one.
    pub fn id(&self) -> Option<&Value> {
        match self {
            Message::Request { id, .. } | Message::Reply { id, .. } | Message::Error { id, .. } => {
                Some(id)
            }
            Message::Notify { .. } => None,
        }
    }

    /// The method name of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Message::Request { method, .. } | Message::Notify { method, .. } => Some(method),
            _ => None,
        }
    }

    /// Decodes and validates a message (see the module docs for the rules).
    pub fn from_value(value: Value) -> Result<Message, MessageError> {
        let Value::Object(object) = value else {
            return Err(MessageError::NotObject);
        };
        let mut method = None;
        let mut params = None;
        let mut result = None;
        let mut error = None;
        let mut id = None;
        for (name, member) in object {
            match name.as_str() {
                "method" => method = Some(member),
                "params" => params = Some(member),
                "result" => result = Some(member),
                "error" => error = Some(member).filter(|v| !v.is_null()),
                "id" => id = Some(member).filter(|v| !v.is_null()),
                _ => return Err(MessageError::UnexpectedMember(name)),
            }
        }
        let method = match method {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => return Err(MessageError::MethodNotString),
        };
        let params = match params {
            None => None,
            Some(Value::Array(a)) => Some(a),
            Some(_) => return Err(MessageError::ParamsNotArray),
        };

        let present = Present {
            method: method.is_some(),
            params: params.is_some(),
            result: result.is_some(),
            error: error.is_some(),
            id: id.is_some(),
        };
        if let Some(result) = result {
            present.check("reply", &["result", "id"])?;
            return Ok(Message::Reply {
                result,
                id: id.unwrap_or(Value::Null),
            });
        }
        if let Some(error) = error {
            present.check("error", &["error", "id"])?;
            return Ok(Message::Error {
                error,
                id: id.unwrap_or(Value::Null),
            });
        }
        match id {
            Some(id) => {
                present.check("request", &["method", "params", "id"])?;
                Ok(Message::Request {
                    method: method.unwrap_or_default(),
                    params: params.unwrap_or_default(),
                    id,
                })
            }
            None => {
                present.check("notification", &["method", "params"])?;
                Ok(Message::Notify {
                    method: method.unwrap_or_default(),
                    params: params.unwrap_or_default(),
                })
            }
        }
    }

    /// Encodes the message as a JSON object (member order as OVS writes it).
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        match self {
            Message::Request { method, params, id } => {
                map.insert("id".into(), id.clone());
                map.insert("method".into(), Value::String(method.clone()));
                map.insert("params".into(), Value::Array(params.clone()));
            }
            Message::Notify { method, params } => {
                map.insert("id".into(), Value::Null);
                map.insert("method".into(), Value::String(method.clone()));
                map.insert("params".into(), Value::Array(params.clone()));
            }
            Message::Reply { result, id } => {
                map.insert("id".into(), id.clone());
                map.insert("result".into(), result.clone());
                map.insert("error".into(), Value::Null);
            }
            Message::Error { error, id } => {
                map.insert("id".into(), id.clone());
                map.insert("error".into(), error.clone());
            }
        }
        Value::Object(map)
    }

    /// Encodes the message as compact JSON bytes, ready to be written to a
    /// stream (no delimiter is needed or added).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_to(&mut out);
        out.into_bytes()
    }

    /// Appends the message's wire text to `out`: Open vSwitch's exact JSON (reals as `%.15g`),
    /// members in the order [`Message::to_value`] gives them, without building a `Value` first.
    pub fn write_to(&self, out: &mut String) {
        let member = |out: &mut String, first: bool, name: &str| {
            if !first {
                out.push(',');
            }
            ovs_json::write_string(name, out);
            out.push(':');
        };
        let write_params = |out: &mut String, params: &[Value]| {
            out.push('[');
            for (i, p) in params.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ovs_json::write_value(p, out);
            }
            out.push(']');
        };
        out.push('{');
        match self {
            Message::Request { method, params, id } => {
                member(out, true, "id");
                ovs_json::write_value(id, out);
                member(out, false, "method");
                ovs_json::write_string(method, out);
                member(out, false, "params");
                write_params(out, params);
            }
            Message::Notify { method, params } => {
                member(out, true, "id");
                out.push_str("null");
                member(out, false, "method");
                ovs_json::write_string(method, out);
                member(out, false, "params");
                write_params(out, params);
            }
            Message::Reply { result, id } => {
                member(out, true, "id");
                ovs_json::write_value(id, out);
                member(out, false, "result");
                ovs_json::write_value(result, out);
                member(out, false, "error");
                out.push_str("null");
            }
            Message::Error { error, id } => {
                member(out, true, "id");
                ovs_json::write_value(id, out);
                member(out, false, "error");
                ovs_json::write_value(error, out);
            }
        }
        out.push('}');
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

impl TryFrom<Value> for Message {
    type Error = MessageError;
    fn try_from(value: Value) -> Result<Self, MessageError> {
        Message::from_value(value)
    }
}

impl From<&Message> for Value {
    fn from(m: &Message) -> Value {
        m.to_value()
    }
}

/// Which members a decoded object carried.
struct Present {
    method: bool,
    params: bool,
    result: bool,
    error: bool,
    id: bool,
}

impl Present {
    /// Requires exactly the members in `required` and no other.
    fn check(&self, kind: &'static str, required: &[&'static str]) -> Result<(), MessageError> {
        let all: [(&'static str, bool); 5] = [
            ("method", self.method),
            ("params", self.params),
            ("result", self.result),
            ("error", self.error),
            ("id", self.id),
        ];
        for (member, present) in all {
            let needed = required.contains(&member);
            if needed && !present {
                return Err(MessageError::Missing { kind, member });
            }
            if !needed && present {
                return Err(MessageError::Forbidden { kind, member });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod write_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_to_matches_to_value() {
        let msgs = [
            Message::request("echo", vec![json!(1), json!({"a": [1.5, "x"]})], json!(7)),
            Message::notify("update", vec![json!(null), json!({"T": {}})]),
            Message::reply(json!({"rows": [{"r": 2.0}]}), json!("id")),
            Message::error(json!({"error": "x"}), json!([1, 2])),
        ];
        for m in &msgs {
            assert_eq!(
                String::from_utf8(m.to_bytes()).unwrap(),
                ovs_json::to_string(&m.to_value())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<Message, MessageError> {
        Message::from_value(serde_json::from_str(s).expect("test JSON"))
    }

    #[test]
    fn decodes_the_four_kinds() {
        assert_eq!(
            parse(r#"{"method":"echo","params":[],"id":"echo"}"#),
            Ok(Message::request("echo", vec![], json!("echo")))
        );
        assert_eq!(
            parse(r#"{"method":"update","params":[1,2],"id":null}"#),
            Ok(Message::notify("update", vec![json!(1), json!(2)]))
        );
        assert_eq!(
            parse(r#"{"method":"update","params":[]}"#),
            Ok(Message::notify("update", vec![]))
        );
        assert_eq!(
            parse(r#"{"result":{"a":1},"error":null,"id":[1,"x"]}"#),
            Ok(Message::reply(json!({"a":1}), json!([1, "x"])))
        );
        assert_eq!(
            parse(r#"{"result":null,"id":3}"#),
            Ok(Message::reply(Value::Null, json!(3)))
        );
        assert_eq!(
            parse(r#"{"error":"bad","id":3}"#),
            Ok(Message::error(json!("bad"), json!(3)))
        );
    }

    #[test]
    fn rejects_what_ovs_rejects() {
        assert_eq!(parse("[1,2]"), Err(MessageError::NotObject));
        assert_eq!(parse(r#""str""#), Err(MessageError::NotObject));
        assert_eq!(
            parse(r#"{"method":"a","params":[],"id":1,"jsonrpc":"2.0"}"#),
            Err(MessageError::UnexpectedMember("jsonrpc".into()))
        );
        assert_eq!(
            parse(r#"{"method":1,"params":[],"id":1}"#),
            Err(MessageError::MethodNotString)
        );
        assert_eq!(
            parse(r#"{"method":"a","params":{},"id":1}"#),
            Err(MessageError::ParamsNotArray)
        );
        assert_eq!(
            parse(r#"{"method":"a","id":1}"#),
            Err(MessageError::Missing {
                kind: "request",
                member: "params"
            })
        );
        assert_eq!(
            parse(r#"{"method":"a","params":[],"id":1,"result":1}"#),
            Err(MessageError::Forbidden {
                kind: "reply",
                member: "method"
            })
        );
        assert_eq!(
            parse(r#"{"error":null,"id":1}"#),
            Err(MessageError::Missing {
                kind: "request",
                member: "method"
            })
        );
        assert_eq!(
            parse(r#"{"result":1}"#),
            Err(MessageError::Missing {
                kind: "reply",
                member: "id"
            })
        );
        assert_eq!(
            parse(r#"{}"#),
            Err(MessageError::Missing {
                kind: "notification",
                member: "method"
            })
        );
    }

    #[test]
    fn encodes_in_ovs_member_order() {
        let m = Message::request("version", vec![json!("a")], json!(0));
        assert_eq!(
            String::from_utf8(m.to_bytes()).unwrap(),
            r#"{"id":0,"method":"version","params":["a"]}"#
        );
        let m = Message::reply(json!("x\n"), json!(7));
        assert_eq!(m.to_string(), r#"{"id":7,"result":"x\n","error":null}"#);
        let m = Message::error(json!("bad"), json!("x"));
        assert_eq!(m.to_string(), r#"{"id":"x","error":"bad"}"#);
        let m = Message::notify("n", vec![]);
        assert_eq!(m.to_string(), r#"{"id":null,"method":"n","params":[]}"#);
    }

    #[test]
    fn round_trips() {
        for m in [
            Message::request("transact", vec![json!({"a":[1,2.5,null]})], json!([1])),
            Message::notify("update", vec![json!(null)]),
            Message::reply(Value::Null, json!("echo")),
            Message::error(json!({"error":"x","details":"y"}), json!(1)),
        ] {
            assert_eq!(Message::from_value(m.to_value()), Ok(m.clone()));
        }
    }
}
