//! Parsing and printing of individual field values in ovs-ofctl syntax.
//!
//! Every function here is pure and total: bad text yields a [`FlowError`] that names the text,
//! never a panic. Numbers follow the C conventions `ovs-ofctl` users rely on: `0x` prefix for
//! hex (any length, leading zeros allowed), a leading `0` for octal, otherwise decimal, and a
//! leading `-` wraps modulo 2^64 (so `-1` is "too large" for narrow fields). Addresses are the
//! usual dotted quad, RFC 4291 IPv6 text and colon-separated Ethernet; masks are either
//! prefix lengths or full masks. IPv6 addresses print the way glibc's `inet_ntop` does
//! (longest zero run compressed, first on ties; `::a.b.c.d` and `::ffff:a.b.c.d` forms).

use crate::error::FlowError;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Result of parsing one unsigned integer prefix of a string.
struct NumPrefix<'a> {
    value: u128,
    overflow: bool,
    rest: &'a str,
}

/// Parses like C `strtoull(s, &end, 0)` (but with 0x-prefixed hex of any width, as OVS does
/// for wide fields). Returns `None` if no digits were consumed.
fn parse_num_prefix(s: &str) -> Option<NumPrefix<'_>> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let bytes = body.as_bytes();
    let (radix, start) = if bytes.len() >= 2 && bytes[0] == b'0' && (bytes[1] | 0x20) == b'x' {
        (16u32, 2usize)
    } else if bytes.first() == Some(&b'0') {
        (8, 0)
    } else {
        (10, 0)
    };
    let digits = &body[start..];
    let n = digits
        .bytes()
        .take_while(|c| (*c as char).is_digit(radix))
        .count();
    if n == 0 && radix != 16 {
        return None;
    }
    let mut value: u128 = 0;
    let mut overflow = false;
    for c in digits[..n].bytes() {
        let d = u128::from((c as char).to_digit(radix).unwrap_or(0));
        match value
            .checked_mul(u128::from(radix))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    if radix != 16 && value > u128::from(u64::MAX) {
        overflow = true;
    }
    if neg {
        // C wraps negative values modulo 2^64.
        value = u128::from((value as u64).wrapping_neg());
    }
    Some(NumPrefix {
        value,
        overflow,
        rest: &digits[n..],
    })
}

/// Parses a plain unsigned integer (whole string) in C `strtoull(.., 0)` syntax.
pub fn parse_uint(s: &str) -> Option<u128> {
    let p = parse_num_prefix(s)?;
    if p.rest.is_empty() && !p.overflow {
        Some(p.value)
    } else {
        None
    }
}

/// Parses `value[/mask]` for an integer field of `n_bytes` bytes. Returns (value, mask), the
/// mask being `None` when absent.
pub fn parse_int_masked(
    s: &str,
    field: &str,
    n_bytes: u8,
) -> Result<(u128, Option<u128>), FlowError> {
    let limit = if n_bytes >= 16 {
        u128::MAX
    } else {
        (1u128 << (u32::from(n_bytes) * 8)) - 1
    };
    let bad_value = || FlowError::BadValue {
        value: s.to_string(),
        field: field.to_string(),
    };
    let too_large = || FlowError::TooLarge {
        value: s.to_string(),
        bytes: n_bytes,
        field: field.to_string(),
    };
    let v = parse_num_prefix(s).ok_or_else(bad_value)?;
    if v.overflow || v.value > limit {
        return Err(too_large());
    }
    if v.rest.is_empty() {
        return Ok((v.value, None));
    }
    let Some(mask_text) = v.rest.strip_prefix('/') else {
        return Err(bad_value());
    };
    let bad_mask = || FlowError::BadMask {
        value: s.to_string(),
        field: field.to_string(),
    };
    let m = parse_num_prefix(mask_text).ok_or_else(bad_mask)?;
    if !m.rest.is_empty() {
        return Err(bad_mask());
    }
    if m.overflow || m.value > limit {
        return Err(too_large());
    }
    Ok((v.value, Some(m.value)))
}

/// Parses a dotted-quad IPv4 address (the whole string).
pub fn parse_ipv4(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut parts = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

/// Parses `a.b.c.d[/len|/mask]`.
pub fn parse_ipv4_masked(s: &str) -> Result<(u32, u32), FlowError> {
    let bad = || FlowError::InvalidIpv4(s.to_string());
    let (addr, mask) = match s.split_once('/') {
        None => (s, None),
        Some((a, m)) => (a, Some(m)),
    };
    let ip = parse_ipv4(addr).ok_or_else(bad)?;
    let Some(m) = mask else {
        return Ok((ip, u32::MAX));
    };
    if let Some(mask) = parse_ipv4(m) {
        return Ok((ip & mask, mask));
    }
    // A prefix length: leading decimal digits, range-checked before trailing junk is noticed.
    let digits = m.bytes().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(bad());
    }
    let len: u64 = m[..digits].parse().unwrap_or(u64::MAX);
    if len > 32 {
        return Err(FlowError::Ipv4Prefix(s.to_string()));
    }
    if digits != m.len() {
        return Err(bad());
    }
    let mask = prefix_mask32(len as u32);
    Ok((ip & mask, mask))
}

fn prefix_mask32(len: u32) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len.min(32))
    }
}

fn prefix_mask128(len: u32) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len.min(128))
    }
}

/// Parses an IPv6 address (no zone index).
pub fn parse_ipv6(s: &str) -> Option<u128> {
    s.parse::<std::net::Ipv6Addr>().ok().map(u128::from)
}

/// Parses `addr[/len|/mask]` for IPv6.
pub fn parse_ipv6_masked(s: &str) -> Result<(u128, u128), FlowError> {
    let bad = || FlowError::InvalidIpv6(s.to_string());
    let (addr, mask) = match s.split_once('/') {
        None => (s, None),
        Some((a, m)) => (a, Some(m)),
    };
    let ip = parse_ipv6(addr).ok_or_else(bad)?;
    let Some(m) = mask else {
        return Ok((ip, u128::MAX));
    };
    // Unlike OVS 3.1 (which reads a mask that starts with a decimal digit as a prefix length
    // and so rejects e.g. `/1:2::`), any IPv6 address is accepted as a mask first, so every
    // mask the formatter prints parses back.
    if let Some(mask) = parse_ipv6(m) {
        return Ok((ip & mask, mask));
    }
    let digits = m.bytes().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(bad());
    }
    let len: u64 = m[..digits].parse().unwrap_or(u64::MAX);
    if len > 128 {
        return Err(FlowError::Ipv6Prefix(s.to_string()));
    }
    if digits != m.len() {
        return Err(bad());
    }
    let mask = prefix_mask128(len as u32);
    Ok((ip & mask, mask))
}

/// Parses `xx:xx:xx:xx:xx:xx` (1 or 2 hex digits per byte).
pub fn parse_mac(s: &str) -> Option<u64> {
    let mut out: u64 = 0;
    let mut n = 0;
    for part in s.split(':') {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        out = (out << 8) | u64::from_str_radix(part, 16).ok()?;
        n += 1;
    }
    (n == 6).then_some(out)
}

/// Parses `mac[/mask]`.
pub fn parse_mac_masked(s: &str) -> Result<(u64, u64), FlowError> {
    let bad = || FlowError::InvalidEthernet(s.to_string());
    match s.split_once('/') {
        None => Ok((parse_mac(s).ok_or_else(bad)?, 0xffff_ffff_ffff)),
        Some((a, m)) => {
            let a = parse_mac(a).ok_or_else(bad)?;
            let m = parse_mac(m).ok_or_else(bad)?;
            Ok((a & m, m))
        }
    }
}

/// Formats an Ethernet address.
pub fn format_mac(out: &mut String, mac: u64) {
    let b = mac.to_be_bytes();
    let _ = write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b[2], b[3], b[4], b[5], b[6], b[7]
    );
}

/// Formats a dotted quad.
pub fn format_ipv4(out: &mut String, ip: u32) {
    let b = ip.to_be_bytes();
    let _ = write!(out, "{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

/// Formats an IPv4 value under a mask: plain, `/len` for CIDR masks, else `/a.b.c.d`.
pub fn format_ipv4_masked(out: &mut String, ip: u32, mask: u32) {
    format_ipv4(out, ip);
    if mask != u32::MAX {
        out.push('/');
        if mask.leading_ones() + mask.trailing_zeros() == 32 {
            let _ = write!(out, "{}", mask.leading_ones());
        } else {
            format_ipv4(out, mask);
        }
    }
}

/// Formats an IPv6 address as glibc's `inet_ntop` does.
pub fn format_ipv6(out: &mut String, ip: u128) {
    let words: [u16; 8] = std::array::from_fn(|i| (ip >> (112 - 16 * i)) as u16);
    // Longest run of zero words (length >= 2), first one on ties.
    let (mut best_start, mut best_len) = (usize::MAX, 0usize);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_start = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_start = usize::MAX;
        best_len = 0;
    }
    let mut i = 0;
    while i < 8 {
        if i == best_start {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if i == 6 && best_start == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            if i != best_start + best_len {
                out.push(':');
            }
            format_ipv4(out, ip as u32);
            return;
        }
        if i != 0 && i != best_start + best_len {
            out.push(':');
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
}

/// Formats an IPv6 value under a mask (`/len` for CIDR masks, else `/mask`).
pub fn format_ipv6_masked(out: &mut String, ip: u128, mask: u128) {
    format_ipv6(out, ip);
    if mask != u128::MAX {
        out.push('/');
        if mask.leading_ones() + mask.trailing_zeros() == 128 {
            let _ = write!(out, "{}", mask.leading_ones());
        } else {
            format_ipv6(out, mask);
        }
    }
}

/// A family of named flag bits.
#[derive(Clone, Copy, Debug)]
pub struct FlagSet {
    /// Word used in messages ("TCP", "ct_state", "tunnel").
    pub kind: &'static str,
    /// (bit, name) pairs in bit order.
    pub names: &'static [(u32, &'static str)],
    /// All bits that may be set.
    pub allowed: u32,
}

/// TCP flags.
pub const TCP_FLAGS: FlagSet = FlagSet {
    kind: "TCP",
    names: &[
        (0x1, "fin"),
        (0x2, "syn"),
        (0x4, "rst"),
        (0x8, "psh"),
        (0x10, "ack"),
        (0x20, "urg"),
        (0x40, "ece"),
        (0x80, "cwr"),
        (0x100, "ns"),
    ],
    allowed: 0xfff,
};

/// Connection-tracking state flags.
pub const CT_STATE_FLAGS: FlagSet = FlagSet {
    kind: "ct_state",
    names: &[
        (0x1, "new"),
        (0x2, "est"),
        (0x4, "rel"),
        (0x8, "rpl"),
        (0x10, "inv"),
        (0x20, "trk"),
        (0x40, "snat"),
        (0x80, "dnat"),
    ],
    allowed: 0xff,
};

/// Tunnel flags.
pub const TUN_FLAGS: FlagSet = FlagSet {
    kind: "tunnel",
    names: &[(0x1, "oam")],
    allowed: 0x1,
};

impl FlagSet {
    fn lookup(&self, name: &str) -> Option<u32> {
        if let Some(hex) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            let bit = u32::from_str_radix(hex, 16).ok()?;
            return (bit.is_power_of_two() && bit & self.allowed != 0).then_some(bit);
        }
        self.names
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(bit, _)| *bit)
    }

    fn bit_name(&self, bit: u32, out: &mut String) {
        match self.names.iter().find(|(b, _)| *b == bit) {
            Some((_, n)) => out.push_str(n),
            None => {
                let _ = write!(out, "[{bit:x}]");
            }
        }
    }

    /// Parses `0xV[/0xM]`, `+a-b...` or `a|b...`. Returns (value, mask).
    pub fn parse(&self, s: &str) -> Result<(u32, u32), FlowError> {
        let unknown = |v: &str| FlowError::UnknownFlag {
            value: v.to_string(),
            kind: self.kind,
        };
        if s.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
            let (v, m) = match s.split_once('/') {
                None => (parse_uint(s), Some(u128::from(self.allowed))),
                Some((v, m)) => (parse_uint(v), parse_uint(m)),
            };
            let (Some(v), Some(m)) = (v, m) else {
                return Err(unknown(s));
            };
            if (v | m) & !u128::from(self.allowed) != 0 {
                return Err(unknown(s));
            }
            return Ok(((v & m) as u32, m as u32));
        }
        let mut value = 0u32;
        let mut mask = 0u32;
        if s.starts_with('+') || s.starts_with('-') {
            let mut rest = s;
            while let Some(sign) = rest.chars().next() {
                if sign != '+' && sign != '-' {
                    return Err(unknown(rest));
                }
                let body = &rest[1..];
                let end = body.find(['+', '-']).unwrap_or(body.len());
                let name = &body[..end];
                let bit = self.lookup(name).ok_or_else(|| unknown(name))?;
                if mask & bit != 0 {
                    return Err(FlowError::DuplicateFlag {
                        value: name.to_string(),
                        kind: self.kind,
                    });
                }
                mask |= bit;
                if sign == '+' {
                    value |= bit;
                }
                rest = &body[end..];
            }
            Ok((value, mask))
        } else {
            for name in s.split('|') {
                let bit = self.lookup(name).ok_or_else(|| unknown(name))?;
                if value & bit != 0 {
                    return Err(FlowError::DuplicateFlag {
                        value: name.to_string(),
                        kind: self.kind,
                    });
                }
                value |= bit;
            }
            Ok((value, self.allowed))
        }
    }

    /// Formats value/mask: `a|b` (or `0`) when every allowed bit is masked and `signed` is
    /// false, otherwise `+a-b` over the masked bits.
    pub fn format(&self, out: &mut String, value: u32, mask: u32, signed: bool) {
        let mask = mask & self.allowed;
        if mask == self.allowed && !signed {
            if value & mask == 0 {
                out.push('0');
                return;
            }
            let mut first = true;
            for i in 0..32 {
                let bit = 1u32 << i;
                if value & mask & bit != 0 {
                    if !first {
                        out.push('|');
                    }
                    first = false;
                    self.bit_name(bit, out);
                }
            }
        } else {
            for i in 0..32 {
                let bit = 1u32 << i;
                if mask & bit != 0 {
                    out.push(if value & bit != 0 { '+' } else { '-' });
                    self.bit_name(bit, out);
                }
            }
        }
    }
}

/// `nw_frag` bit: the packet is a fragment.
pub const FRAG_ANY: u8 = 0x1;
/// `nw_frag` bit: the packet is a fragment other than the first.
pub const FRAG_LATER: u8 = 0x2;

/// Parses a `nw_frag` keyword into (value, mask).
pub fn parse_frag(s: &str) -> Result<(u8, u8), FlowError> {
    Ok(match s {
        "no" => (0, FRAG_ANY),
        "yes" => (FRAG_ANY, FRAG_ANY),
        "first" => (FRAG_ANY, FRAG_ANY | FRAG_LATER),
        "later" => (FRAG_ANY | FRAG_LATER, FRAG_ANY | FRAG_LATER),
        "not_later" => (0, FRAG_LATER),
        _ => return Err(FlowError::BadFrag(s.to_string())),
    })
}

/// The keyword for a `nw_frag` value/mask (`None` when unmatched).
pub fn frag_keyword(value: u8, mask: u8) -> Option<&'static str> {
    let mask = mask & (FRAG_ANY | FRAG_LATER);
    match mask {
        0 => None,
        FRAG_ANY => Some(if value & FRAG_ANY != 0 { "yes" } else { "no" }),
        FRAG_LATER => Some(if value & FRAG_LATER != 0 {
            "later"
        } else {
            "not_later"
        }),
        _ => Some(if value & FRAG_LATER != 0 {
            "later"
        } else if value & FRAG_ANY != 0 {
            "first"
        } else {
            "no"
        }),
    }
}

/// OpenFlow 1.0 reserved port numbers and their names, as `ovs-ofctl` prints them.
pub const RESERVED_PORTS: &[(u16, &str)] = &[
    (0xfff8, "IN_PORT"),
    (0xfff9, "TABLE"),
    (0xfffa, "NORMAL"),
    (0xfffb, "FLOOD"),
    (0xfffc, "ALL"),
    (0xfffd, "CONTROLLER"),
    (0xfffe, "LOCAL"),
    (0xffff, "ANY"),
];

/// The `LOCAL` port.
pub const OFPP_LOCAL: u16 = 0xfffe;
/// The `CONTROLLER` port.
pub const OFPP_CONTROLLER: u16 = 0xfffd;
/// `ANY` / `NONE`.
pub const OFPP_NONE: u16 = 0xffff;

/// A caller-supplied mapping between port names and OpenFlow port numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortMap {
    by_name: BTreeMap<String, u16>,
    by_number: BTreeMap<u16, String>,
}

impl PortMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a port.
    pub fn insert(&mut self, name: &str, number: u16) {
        if let Some(old) = self.by_number.insert(number, name.to_string()) {
            self.by_name.remove(&old);
        }
        self.by_name.insert(name.to_string(), number);
    }

    /// Port number for a name.
    pub fn number(&self, name: &str) -> Option<u16> {
        self.by_name.get(name).copied()
    }

    /// Name for a port number.
    pub fn name(&self, number: u16) -> Option<&str> {
        self.by_number.get(&number).map(String::as_str)
    }
}

/// Parses a port (number, reserved name, or a name from `ports`; `"quoted"` names only look
/// in `ports`). Returns `None` when it is none of those.
pub fn parse_port(s: &str, ports: Option<&PortMap>) -> Option<u16> {
    if let Some(q) = s.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        return ports.and_then(|p| p.number(q));
    }
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        let n: u64 = s.parse().ok()?;
        return match n {
            0..=0xffff => Some(n as u16),
            0xffff_ff00..=0xffff_ffff => Some((n - 0xffff_0000) as u16),
            _ => None,
        };
    }
    if s.eq_ignore_ascii_case("NONE") {
        return Some(OFPP_NONE);
    }
    if let Some((n, _)) = RESERVED_PORTS
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(s))
    {
        return Some(*n);
    }
    ports.and_then(|p| p.number(s))
}

/// Formats a port: name from `ports` if any (quoted when it could be misread), reserved
/// name, or decimal number.
pub fn format_port(out: &mut String, port: u16, ports: Option<&PortMap>) {
    if let Some(name) = ports.and_then(|p| p.name(port)) {
        let plain = !name.is_empty()
            && !name.bytes().all(|c| c.is_ascii_digit())
            && name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
            && !RESERVED_PORTS
                .iter()
                .any(|(_, r)| r.eq_ignore_ascii_case(name))
            && !name.eq_ignore_ascii_case("NONE");
        if plain {
            out.push_str(name);
        } else {
            let _ = write!(out, "\"{}\"", name.replace('"', "\\\""));
        }
        return;
    }
    match RESERVED_PORTS.iter().find(|(n, _)| *n == port) {
        Some((_, name)) => out.push_str(name),
        None => {
            let _ = write!(out, "{port}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> String {
        let mut o = String::new();
        format_ipv6(&mut o, parse_ipv6(s).unwrap_or(0));
        o
    }

    #[test]
    fn ipv6_text_matches_inet_ntop() {
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("::1.2.3.4"), "::1.2.3.4");
        assert_eq!(v6("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(v6("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(v6("1:0:1:0:1:0:1:0"), "1:0:1:0:1:0:1:0");
        assert_eq!(v6("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
        assert_eq!(v6("fe80::"), "fe80::");
        assert_eq!(v6("2001:db8::1"), "2001:db8::1");
    }

    #[test]
    fn integers_follow_c_rules() {
        assert_eq!(parse_uint("050"), Some(40));
        assert_eq!(parse_uint("0x"), Some(0));
        assert_eq!(parse_uint("08"), None);
        assert_eq!(
            parse_uint("0x0000000000000000000000000000000000000001"),
            Some(1)
        );
        assert!(parse_int_masked("-1", "f", 2).is_err());
        assert_eq!(
            parse_int_masked("-1", "f", 8).ok(),
            Some((u128::from(u64::MAX), None))
        );
    }
}
