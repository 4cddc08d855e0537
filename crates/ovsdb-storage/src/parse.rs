//! Parse-error messages worded as Open vSwitch's JSON parser words them.
//!
//! Open vSwitch reports a JSON syntax error as `line L, column C, byte B:
//! MESSAGE`, counting lines and columns from 0 and giving the position
//! after the offending token.  `serde_json` finds the same errors but words
//! and places them differently; [`json_error`] translates the common cases
//! (a bare word such as `xx`, a premature end of input) exactly and keeps
//! `serde_json`'s wording, at Open vSwitch's kind of position, for the
//! rest.

/// The message Open vSwitch's JSON parser gives for `text`, which
/// `serde_json` rejected with `e` (the common cases: a bare word and a
/// premature end; others get `serde_json`'s wording at OVS's position).
pub fn json_error(text: &str, e: &serde_json::Error) -> String {
    let pos = |upto: usize| {
        let before = text.get(..upto).unwrap_or(text);
        let line = before.matches('\n').count();
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        format!("line {line}, column {col}, byte {upto}")
    };
    // Find the byte offset serde stopped at.
    let mut off = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == e.line() {
            off += e.column().saturating_sub(1).min(l.len());
            break;
        }
        off += l.len();
    }
    if e.is_eof() {
        return format!("{}: unexpected end of input", pos(text.len()));
    }
    let rest = text.get(off..).unwrap_or("");
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !word.is_empty() && rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return format!("{}: invalid keyword '{word}'", pos(off + word.len()));
    }
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    format!("{}: {msg}", pos(off))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        json_error(text, &e)
    }

    #[test]
    fn common_errors_are_worded_like_open_vswitch() {
        assert_eq!(err("xx"), "line 0, column 2, byte 2: invalid keyword 'xx'");
        assert_eq!(
            err("{\"name\":\"X\",\"tables\":{}\n"),
            "line 1, column 0, byte 24: unexpected end of input"
        );
        assert!(err("[1,]").starts_with("line 0, column "));
    }
}
