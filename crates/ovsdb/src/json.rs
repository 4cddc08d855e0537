//! JSON text in Open vSwitch's style.
//!
//! `serde_json` already parses and prints JSON, but Open vSwitch's text form
//! differs in two visible ways that show up in error messages (the `"syntax"`
//! member) and in files:
//!
//! * real numbers print with C's `%.15g` (so `1e20` prints as `1e+20`, `1.0`
//!   as `1`, `1e-7` as `1e-07`, `33.333333333333336` as `33.3333333333333`);
//! * objects can be printed with their keys sorted, which is how Open vSwitch
//!   quotes offending input.
//!
//! Open vSwitch's parser also reads a number written with a fraction or an
//! exponent as an integer when its value is integral and fits in 64 bits;
//! [`as_integer`] mirrors that for values that `serde_json` parsed as floats.

use serde_json::Value;

/// Serialises `v` compactly with object keys sorted.
pub fn to_string_sorted(v: &Value) -> String {
    ovs_json::to_string_sorted(v)
}

/// Serialises `v` compactly, keeping object key order.
pub fn to_string(v: &Value) -> String {
    ovs_json::to_string(v)
}

/// Writes `s` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    ovs_json::write_string(s, out)
}

/// Formats a real the way Open vSwitch 3.1 does (`%.15g`).
pub fn format_real(f: f64) -> String {
    ovs_json::format_real(f)
}

/// Reads `v` as a 64-bit integer the way Open vSwitch's JSON parser would:
/// integers directly, and floats whose value is integral and in range.
pub fn as_integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i)
            } else if n.is_u64() {
                None
            } else {
                let f = n.as_f64()?;
                let lim = 2f64.powi(63);
                if f.fract() == 0.0 && (-lim..lim).contains(&f) {
                    Some(f as i64)
                } else {
                    None
                }
            }
        }
        _ => None,
    }
}

/// Builds a JSON number from a real, or `null` if it is not finite.
pub fn real_to_json(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// Short name of a JSON value's type, as Open vSwitch's parser messages use.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "real",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reals_like_ovs() {
        // Outputs observed from Debian's ovsdb-tool 3.1.
        assert_eq!(format_real(0.1), "0.1");
        assert_eq!(format_real(1e20), "1e+20");
        assert_eq!(format_real(1e-7), "1e-07");
        assert_eq!(format_real(123456789.25), "123456789.25");
        assert_eq!(format_real(1e16), "1e+16");
        assert_eq!(format_real(1.0), "1");
        assert_eq!(format_real(2.5), "2.5");
        assert_eq!(format_real(0.000123), "0.000123");
        assert_eq!(format_real(1e300), "1e+300");
        // Debian ovsdb-tool 3.1 query of a stored 0.3333333333333333 prints this.
        assert_eq!(format_real(1.0 / 3.0), "0.333333333333333");
    }

    #[test]
    fn sorted_output() {
        let v = json!({"op":"select","bogus":1,"where":[],"s":"a\"\n\u{1}"});
        assert_eq!(
            to_string_sorted(&v),
            "{\"bogus\":1,\"op\":\"select\",\"s\":\"a\\\"\\n\\u0001\",\"where\":[]}"
        );
    }

    #[test]
    fn integers_from_floats() {
        assert_eq!(as_integer(&json!(3.0)), Some(3));
        assert_eq!(as_integer(&json!(3.5)), None);
        assert_eq!(as_integer(&json!(u64::MAX)), None);
        assert_eq!(as_integer(&json!(-5)), Some(-5));
        assert_eq!(as_integer(&json!(1e19)), None);
    }
}
