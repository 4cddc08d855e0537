//! Compact JSON serialisation in the exact style Open vSwitch writes.
//!
//! Everything ferroswitch puts on an OVSDB wire or in a database file goes through here, so
//! that peers and files see the very bytes Open vSwitch would produce. OVSDB log records carry a SHA-1 of their JSON text, and operators compare
//! database files with `cmp`, so a file we write for some content should be
//! byte-identical to the file Open vSwitch 3.1 writes for the same content.
//! `serde_json`'s compact writer is close but differs in two places, both
//! established by experiment against Debian's `ovsdb-tool`:
//!
//! * **Reals** are printed like C's `printf("%.15g")` (15 = `DBL_DIG`):
//!   `0.30000000000000004` becomes `0.3`, `2.0` becomes `2`, `1e15` becomes
//!   `1e+15`, `1e-7` becomes `1e-07`, `123456789012345678.0` becomes
//!   `1.23456789012346e+17`.  Negative zero prints as `-0`.  Integers (JSON
//!   numbers held as `i64`/`u64`) print in plain decimal.
//! * **Strings** escape only `"` and `\`, the five short control escapes
//!   (`\b \f \n \r \t`) and other bytes below 0x20 as `\u00xx` with lower-case
//!   hex.  Everything else, including DEL, `/`, `<`, U+2028 and all non-ASCII
//!   characters, is written raw as UTF-8.
//!
//! Objects keep their member order (the workspace enables serde_json's
//! `preserve_order`), arrays their element order, and no whitespace is added.

use serde_json::{Map, Number, Value};

/// Serialises `value` compactly, in Open vSwitch's style, appending to `out`.
pub fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

/// Returns `value` serialised compactly in Open vSwitch's style.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// Like [`to_string`], with object members sorted by key at every level (how Open vSwitch
/// quotes input in error messages and stores schemas in `_Server`).
pub fn to_string_sorted(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    to_string(&sorted(value))
}

/// Returns `x` formatted like C's `printf("%.15g", x)` (see [`write_real`]).
pub fn format_real(x: f64) -> String {
    let mut out = String::new();
    write_real(x, &mut out);
    out
}

fn write_object(map: &Map<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (key, member)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(key, out);
        out.push(':');
        write_value(member, out);
    }
    out.push('}');
}

fn write_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
    } else if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
    } else if let Some(f) = n.as_f64() {
        write_real(f, out);
    } else {
        // serde_json numbers are always one of the three above; keep the
        // library's own rendering as a total fallback rather than panicking.
        out.push_str(&n.to_string());
    }
}

/// Appends `x` formatted like C's `printf("%.15g", x)`.
pub fn write_real(x: f64, out: &mut String) {
    const PRECISION: i32 = 15;
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    if x.is_nan() {
        out.push_str(if x.is_sign_negative() { "-nan" } else { "nan" });
        return;
    }
    if x.is_infinite() {
        out.push_str(if x < 0.0 { "-inf" } else { "inf" });
        return;
    }
    // Round to PRECISION significant digits first: the exponent of that
    // rounded value decides between fixed and exponential notation.
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, x);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    if !(-4..PRECISION).contains(&exp) {
        out.push_str(strip_fraction_zeros(mantissa));
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if abs < 10 {
            out.push('0');
        }
        out.push_str(&abs.to_string());
    } else {
        let decimals = (PRECISION - 1 - exp).max(0) as usize;
        let fixed = format!("{:.*}", decimals, x);
        out.push_str(strip_fraction_zeros(&fixed));
    }
}

/// Removes trailing zeros after a decimal point, and the point itself if
/// nothing is left after it (the `%g` rule).
fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Appends `s` as a JSON string literal, escaped the way Open vSwitch does.
pub fn write_string(s: &str, out: &mut String) {
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
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn real(x: f64) -> String {
        let mut s = String::new();
        write_real(x, &mut s);
        s
    }

    #[test]
    // The literals are the exact inputs given to ovsdb-tool, kept verbatim.
    #[allow(clippy::approx_constant, clippy::excessive_precision)]
    fn reals_match_printf_g15() {
        // Expected strings are what Debian's ovsdb-tool 3.1 wrote for these
        // values (see the module documentation).
        let cases: &[(f64, &str)] = &[
            (0.1, "0.1"),
            (0.30000000000000004, "0.3"),
            (2.0, "2"),
            (1.5, "1.5"),
            (100.0, "100"),
            (1e-300, "1e-300"),
            (1e-7, "1e-07"),
            (2.5e-5, "2.5e-05"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.0001234, "0.0001234"),
            (0.001, "0.001"),
            (3.14159265358979, "3.14159265358979"),
            (1234567.125, "1234567.125"),
            (123456.7890123456789, "123456.789012346"),
            (1e15, "1e+15"),
            (1e16, "1e+16"),
            (123456789012345678.0, "1.23456789012346e+17"),
            (9007199254740993.0, "9.00719925474099e+15"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (1e300, "1e+300"),
            (-1.5e-10, "-1.5e-10"),
            (0.0, "0"),
            (-0.0, "-0"),
            (999999999999999.0, "999999999999999"),
            (9999999999999999.0, "1e+16"),
        ];
        for (x, want) in cases {
            assert_eq!(real(*x), *want, "formatting {x:e}");
        }
    }

    #[test]
    fn strings_escape_like_ovs() {
        let v = json!("\u{8}\u{c}\r\u{1f}\u{7f}\u{80}\u{1F600} </x>\"\\\n\t\u{1}\u{1b}\u{2028}/é");
        assert_eq!(
            to_string(&v),
            "\"\\b\\f\\r\\u001f\u{7f}\u{80}\u{1F600} </x>\\\"\\\\\\n\\t\\u0001\\u001b\u{2028}/é\""
        );
    }

    #[test]
    fn compact_structure_keeps_order() {
        let v = json!({"_date": 1795650029712_i64, "B": {"x": [1, -2, true, null]},
                       "A": {}, "_is_diff": true, "i": i64::MIN});
        assert_eq!(
            to_string(&v),
            "{\"_date\":1795650029712,\"B\":{\"x\":[1,-2,true,null]},\"A\":{},\"_is_diff\":true,\"i\":-9223372036854775808}"
        );
    }
}
