//! Commands that need no switch: `parse-flow`, `parse-flows` and `ofp-print`.
//!
//! `parse-flow FLOW` and `parse-flows FILE` do what `add-flow`/`add-flows` would do up to the
//! point of sending: parse each flow ([`openflow::flow_text`]), intersect the flows' usable
//! protocols and print them (`usable protocols: ...`), pick the first usable protocol that
//! `-O`/`-F` allow (`chosen protocol: ...`, or the fatal `no usable protocol`), then encode
//! each flow_mod for that protocol, with transaction ids counting from 1, and print it in
//! `ofp-print` form. A file is read line by line as OVS reads it: text from `#` to the end of
//! a line is a comment, lines holding only spaces, tabs and newlines are skipped, and errors
//! name the file and line (`FILE:LINE: MESSAGE`); `-` is standard input.
//!
//! `ofp-print HEX [VERBOSITY]` decodes one message given in hex (white space between bytes is
//! allowed) and prints it with [`openflow::print::ofp_to_string`].

use crate::{Context, Fatal};
use openflow::flow_text::{parse_flow_mod, Command, ParsedFlowMod};
use openflow::protocol::ProtocolSet;
use std::io::{Read as _, Write as _};

/// Prints the usable protocols, chooses one and prints every flow_mod encoded with it.
fn print_flow_mods(cx: &Context, fms: &[ParsedFlowMod]) -> Result<(), Fatal> {
    let usable = fms
        .iter()
        .fold(ProtocolSet::ANY, |u, fm| u.intersect(fm.usable));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "usable protocols: {}", usable.to_ovs_string());
    let Some(p) = usable.intersect(cx.allowed).first() else {
        return Err(Fatal("no usable protocol".into()));
    };
    let _ = writeln!(out, "chosen protocol: {}", p.name());
    for (i, fm) in fms.iter().enumerate() {
        let xid = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let msg = fm.to_message(p, xid)?;
        let bytes = msg.encode()?;
        let _ = out.write_all(openflow::print::ofp_to_string(&bytes).as_bytes());
    }
    Ok(())
}

/// `parse-flow FLOW`.
pub fn parse_flow(cx: &Context, args: &[String]) -> Result<(), Fatal> {
    let flow = args.first().map(String::as_str).unwrap_or_default();
    let fm = parse_flow_mod(flow, Command::Add, None)?;
    print_flow_mods(cx, &[fm])
}

/// Reads `name` (`-` = standard input) as text.
pub fn read_input(name: &str) -> Result<String, Fatal> {
    let mut bytes = Vec::new();
    let result = if name == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(name).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    match result {
        Ok(()) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) => Err(Fatal(format!("{name}: open failed ({})", strerror(&e)))),
    }
}

/// The C library's wording for an I/O error (Rust appends " (os error N)").
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The non-blank lines of a flow file, comments removed, with their 1-based line numbers.
pub fn preprocessed_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') {
        lines.pop();
    }
    for (i, line) in lines.into_iter().enumerate() {
        let line = line.split('#').next().unwrap_or_default();
        if line.chars().all(|c| matches!(c, ' ' | '\t' | '\n')) {
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// `parse-flows FILE`.
pub fn parse_flows(cx: &Context, args: &[String]) -> Result<(), Fatal> {
    let name = args.first().map(String::as_str).unwrap_or_default();
    let text = read_input(name)?;
    let mut fms = Vec::new();
    for (n, line) in preprocessed_lines(&text) {
        match parse_flow_mod(line, Command::Add, None) {
            Ok(fm) => fms.push(fm),
            Err(e) => return Err(Fatal(format!("{name}:{n}: {e}"))),
        }
    }
    print_flow_mods(cx, &fms)
}

/// Parses hex bytes separated by optional white space, as OVS's `ofpbuf_put_hex` does.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, Fatal> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let digit = |j: usize| b.get(j).and_then(|c| char::from(*c).to_digit(16));
        match (digit(i), digit(i + 1)) {
            (Some(h), Some(l)) => {
                out.push(((h << 4) | l) as u8);
                i += 2;
            }
            _ => return Err(Fatal("trailing garbage following hex bytes".into())),
        }
    }
}

/// C's `atoi`: optional leading white space and sign, then as many decimal digits as there
/// are (none = 0); saturates instead of overflowing.
pub fn atoi(s: &str) -> i32 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for c in t.bytes().take_while(u8::is_ascii_digit) {
        v = (v * 10 + i64::from(c - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let v = if neg { -v } else { v };
    i32::try_from(v).unwrap_or(if neg { i32::MIN } else { i32::MAX })
}

/// `ofp-print HEX [VERBOSITY]` (verbosity 2 by default, read with `atoi`).
pub fn ofp_print(_cx: &Context, args: &[String]) -> Result<(), Fatal> {
    let hex = args.first().map(String::as_str).unwrap_or_default();
    let verbosity = args.get(1).map_or(2, |v| atoi(v));
    let bytes = parse_hex(hex)?;
    let mut out = std::io::stdout().lock();
    let text = openflow::print::ofp_to_string_verbosity(&bytes, verbosity);
    let _ = out.write_all(text.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_like_ovs() {
        assert_eq!(parse_hex("01 00\n0008").unwrap(), vec![1, 0, 0, 8]);
        assert!(parse_hex("010 0").is_err());
        assert!(parse_hex("0zz").is_err());
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn atoi_like_c() {
        assert_eq!(atoi(" 7x"), 7);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("-3"), -3);
        assert_eq!(atoi("99999999999"), i32::MAX);
    }

    #[test]
    fn file_lines() {
        let t = "# c\n\nip actions=drop # x\n  \t\n\rfoo\n";
        assert_eq!(
            preprocessed_lines(t),
            vec![(3, "ip actions=drop "), (5, "\rfoo")]
        );
    }
}
