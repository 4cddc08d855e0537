//! Numbers read the way bridge-utils' brctl reads them, with C's `sscanf`.
//!
//! brctl reads times (`setageing`, `setfd`, `sethello`, `setmaxage`) with `%lf` and priorities
//! and costs with `%i`. Both skip leading white space, convert the longest prefix that forms a
//! number and ignore whatever follows it (`30x` is 30); only a word with no number at its start
//! is refused ("bad ageing time value"). `%i` takes C's integer prefixes: `0x` for hexadecimal,
//! a leading `0` for octal. Scripts written against brctl rely on exactly this leniency, so it
//! is reproduced here rather than Rust's strict `parse`.

/// Reads a floating-point number as `sscanf("%lf")` does: `None` when nothing converts.
///
/// Accepts an optional sign, decimal digits with an optional fraction and exponent, a `0x`
/// hexadecimal integer part, and `inf`/`infinity`/`nan` in any case.
pub fn scan_double(s: &str) -> Option<f64> {
    let t = s.trim_start();
    let (negative, body) = split_sign(t);
    let lower = body.to_ascii_lowercase();
    let magnitude = if lower.starts_with("inf") {
        f64::INFINITY
    } else if lower.starts_with("nan") {
        f64::NAN
    } else if let Some(hex) = hex_body(body) {
        let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
        if digits.is_empty() {
            // "0x" with no hex digit converts the "0".
            0.0
        } else {
            digits
                .chars()
                .filter_map(|c| c.to_digit(16))
                .fold(0.0, |acc, d| acc * 16.0 + f64::from(d))
        }
    } else {
        let end = decimal_prefix_len(body);
        if end == 0 {
            return None;
        }
        body.get(..end)?.parse::<f64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Reads an integer as `sscanf("%i")` does: `None` when nothing converts. Values beyond `i64`
/// saturate.
pub fn scan_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (negative, body) = split_sign(t);
    let (radix, digits) = if let Some(hex) = hex_body(body) {
        if hex.chars().next().is_some_and(|c| c.is_ascii_hexdigit()) {
            (16, hex)
        } else {
            // "0x" followed by no hex digit: only the "0" converts.
            (10, "0")
        }
    } else if body.starts_with('0') {
        (8, body)
    } else {
        (10, body)
    };
    let mut value: i128 = 0;
    let mut any = false;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        any = true;
        value = (value * i128::from(radix) + i128::from(d)).min(i128::from(i64::MAX) + 1);
    }
    if !any {
        return None;
    }
    let signed = if negative { -value } else { value };
    Some(signed.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

fn split_sign(t: &str) -> (bool, &str) {
    if let Some(rest) = t.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = t.strip_prefix('+') {
        (false, rest)
    } else {
        (false, t)
    }
}

fn hex_body(body: &str) -> Option<&str> {
    body.strip_prefix("0x").or_else(|| body.strip_prefix("0X"))
}

/// Length of the longest prefix of `s` that is a decimal floating-point literal.
fn decimal_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits(0);
    let mut end = int_end;
    let mut mantissa_digits = int_end;
    if b.get(end) == Some(&b'.') {
        let frac_end = digits(end + 1);
        mantissa_digits += frac_end - (end + 1);
        if mantissa_digits > 0 {
            end = frac_end;
        }
    }
    if mantissa_digits == 0 {
        return 0;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut i = end + 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits(i);
        if exp_end > i {
            end = exp_end;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_like_sscanf() {
        assert_eq!(scan_double("30"), Some(30.0));
        assert_eq!(scan_double(" 5"), Some(5.0));
        assert_eq!(scan_double("30x"), Some(30.0));
        assert_eq!(scan_double("1.5"), Some(1.5));
        assert_eq!(scan_double("1e3"), Some(1000.0));
        assert_eq!(scan_double("1e"), Some(1.0));
        assert_eq!(scan_double(".5"), Some(0.5));
        assert_eq!(scan_double("5."), Some(5.0));
        assert_eq!(scan_double("-2"), Some(-2.0));
        assert_eq!(scan_double("0x10"), Some(16.0));
        assert_eq!(scan_double("inf"), Some(f64::INFINITY));
        assert!(scan_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(scan_double(""), None);
        assert_eq!(scan_double("abc"), None);
        assert_eq!(scan_double("."), None);
        assert_eq!(scan_double("-"), None);
    }

    #[test]
    fn ints_like_sscanf() {
        assert_eq!(scan_int("100"), Some(100));
        assert_eq!(scan_int(" 7"), Some(7));
        assert_eq!(scan_int("5x"), Some(5));
        assert_eq!(scan_int("0x10"), Some(16));
        assert_eq!(scan_int("010"), Some(8));
        assert_eq!(scan_int("09"), Some(0));
        assert_eq!(scan_int("-5"), Some(-5));
        assert_eq!(scan_int("0xg"), Some(0));
        assert_eq!(scan_int("99999999999999999999999"), Some(i64::MAX));
        assert_eq!(scan_int("-99999999999999999999999"), Some(i64::MIN));
        assert_eq!(scan_int("abc"), None);
        assert_eq!(scan_int(""), None);
    }
}
