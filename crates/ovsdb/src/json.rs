//! JSON text in Open vSwitch's style.
//!
//! `serde_json` already parses and prints JSON, but Open vSwitch's text form
//! differs in two visible ways that show up in error messages (the `"syntax"`
//! member) and in files:
//!
//! * real numbers print with C's `%.15g`, falling back to `%.17g` when the
//!   shorter form does not read back as the same value (so `1e20` prints as
//!   `1e+20`, `1.0` as `1`, `1e-7` as `1e-07`);
//! * objects can be printed with their keys sorted, which is how Open vSwitch
//!   quotes offending input.
//!
//! Open vSwitch's parser also reads a number written with a fraction or an
//! exponent as an integer when its value is integral and fits in 64 bits;
//! [`as_integer`] mirrors that for values that `serde_json` parsed as floats.

use serde_json::Value;

/// Serialises `v` compactly with object keys sorted.
pub fn to_string_sorted(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v, true);
    s
}

/// Serialises `v` compactly, keeping object key order.
pub fn to_string(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v, false);
    s
}

fn write_value(out: &mut String, v: &Value, sort: bool) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else if let Some(f) = n.as_f64() {
                out.push_str(&format_real(f));
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, e, sort);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if sort {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            for (i, (k, e)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, e, sort);
            }
            out.push('}');
        }
    }
}

/// Writes `s` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a real the way Open vSwitch does (`%.15g`, or `%.17g` when needed
/// to read back exactly).
pub fn format_real(f: f64) -> String {
    if !f.is_finite() {
        return "null".to_string();
    }
    let short = format_g(f, 15);
    if short.parse::<f64>().ok() == Some(f) {
        short
    } else {
        format_g(f, 17)
    }
}

/// C's `%.<prec>g` for a finite `f`.
pub fn format_g(f: f64, prec: usize) -> String {
    let prec = prec.max(1);
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Scientific form with prec-1 fraction digits gives the rounded exponent.
    let sci = format!("{:.*e}", prec - 1, f);
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if exp < -4 || exp >= prec as i32 {
        let mant = strip_zeros(&mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, f))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
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
        assert_eq!(format_real(1.0 / 3.0), "0.33333333333333331");
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
