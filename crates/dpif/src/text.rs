//! Small helpers shared by the text codecs: splitting nested `name(args)` lists and printing
//! and parsing the value syntaxes Open vSwitch uses in datapath flows and actions.

use crate::error::ParseError;
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Splits `s` at commas that are not inside parentheses or brackets. An empty string gives
/// an empty list. Unbalanced parentheses are an error.
pub(crate) fn split_top(s: &str) -> Result<Vec<&str>, ParseError> {
    let mut out = Vec::new();
    let mut depth: i32 = 0;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(ParseError::Unbalanced(s.to_string()));
                }
            }
            ',' if depth == 0 => {
                out.push(s.get(start..i).unwrap_or("").trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(ParseError::Unbalanced(s.to_string()));
    }
    let last = s.get(start..).unwrap_or("").trim();
    if !last.is_empty() || !out.is_empty() {
        out.push(last);
    }
    Ok(out)
}

/// Splits `name(args)` into `("name", Some("args"))`; a bare word gives `(word, None)`.
/// The closing parenthesis must end the item.
pub(crate) fn split_call(s: &str) -> Result<(&str, Option<&str>), ParseError> {
    let s = s.trim();
    match s.find('(') {
        None => Ok((s, None)),
        Some(i) => {
            if !s.ends_with(')') {
                return Err(ParseError::Unbalanced(s.to_string()));
            }
            let name = s.get(..i).unwrap_or("").trim();
            let args = s.get(i + 1..s.len() - 1).unwrap_or("");
            Ok((name, Some(args)))
        }
    }
}

/// Splits `key=value` (value may be empty; no `=` gives `(s, None)`).
pub(crate) fn split_kv(s: &str) -> (&str, Option<&str>) {
    match s.find('=') {
        Some(i) => (
            s.get(..i).unwrap_or("").trim(),
            Some(s.get(i + 1..).unwrap_or("").trim()),
        ),
        None => (s.trim(), None),
    }
}

/// Splits `value/mask` at the last `/` outside brackets.
pub(crate) fn split_mask(s: &str) -> (&str, Option<&str>) {
    match s.rfind('/') {
        Some(i) if !s.ends_with(']') => {
            (s.get(..i).unwrap_or(""), Some(s.get(i + 1..).unwrap_or("")))
        }
        _ => (s, None),
    }
}

/// Parses an unsigned integer in decimal, `0x` hex or (leading `0`) octal, as OVS's
/// `strtoul(..., 0)` does, with a range check against `max`.
pub(crate) fn parse_uint(field: &'static str, s: &str, max: u128) -> Result<u128, ParseError> {
    let bad = || ParseError::BadValue {
        field,
        value: s.to_string(),
    };
    let t = s.trim();
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if h.is_empty() {
            return Err(bad());
        }
        u128::from_str_radix(h, 16).map_err(|_| bad())?
    } else if t.len() > 1 && t.starts_with('0') {
        u128::from_str_radix(t.get(1..).unwrap_or(""), 8).map_err(|_| bad())?
    } else {
        t.parse::<u128>().map_err(|_| bad())?
    };
    if v > max {
        return Err(bad());
    }
    Ok(v)
}

/// Parses a colon-separated Ethernet address.
pub(crate) fn parse_mac(field: &'static str, s: &str) -> Result<[u8; 6], ParseError> {
    let bad = || ParseError::BadValue {
        field,
        value: s.to_string(),
    };
    let mut out = [0u8; 6];
    let mut n = 0;
    for (i, part) in s.split(':').enumerate() {
        let slot = out.get_mut(i).ok_or_else(bad)?;
        if part.is_empty() || part.len() > 2 {
            return Err(bad());
        }
        *slot = u8::from_str_radix(part, 16).map_err(|_| bad())?;
        n = i + 1;
    }
    if n != 6 {
        return Err(bad());
    }
    Ok(out)
}

/// Parses a dotted-quad IPv4 address as a host-order integer.
pub(crate) fn parse_ipv4(field: &'static str, s: &str) -> Result<u32, ParseError> {
    s.parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| ParseError::BadValue {
            field,
            value: s.to_string(),
        })
}

/// Parses an IPv6 address (optionally in brackets) as an integer.
pub(crate) fn parse_ipv6(field: &'static str, s: &str) -> Result<u128, ParseError> {
    let t = s
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(s);
    t.parse::<Ipv6Addr>()
        .map(u128::from)
        .map_err(|_| ParseError::BadValue {
            field,
            value: s.to_string(),
        })
}

/// `%#x` as C prints it: `0` for zero, `0x..` otherwise.
pub(crate) fn hex(out: &mut String, v: u128) {
    if v == 0 {
        out.push('0');
    } else {
        let _ = write!(out, "{v:#x}");
    }
}

/// Colon-separated Ethernet address.
pub(crate) fn mac(out: &mut String, m: &[u8; 6]) {
    let _ = write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
}

/// Ethernet address from the low 48 bits of an integer.
pub(crate) fn mac_from_u64(v: u64) -> [u8; 6] {
    let b = v.to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// The low 48 bits of an integer from an Ethernet address.
pub(crate) fn mac_to_u64(m: &[u8; 6]) -> u64 {
    u64::from_be_bytes([0, 0, m[0], m[1], m[2], m[3], m[4], m[5]])
}
