//! Splitting a byte stream into JSON values.
//!
//! Open vSwitch writes JSON-RPC messages back to back on a stream socket
//! with nothing between them (sometimes whitespace or newlines, never a
//! length prefix). A reader therefore has to find where one top-level JSON
//! value ends before it can hand it to a JSON parser.
//!
//! [`Framer`] does that incrementally. Bytes are appended with
//! [`Framer::push`] as they arrive; [`Framer::next_value`] (or
//! [`Framer::next_message`]) returns the next complete value, or `None` if
//! more bytes are needed. The scanner is a small state machine that only
//! tracks what is needed to find the end of a value:
//!
//! * whitespace between values is skipped;
//! * inside a string, a backslash escapes the next byte, so `\"` does not end
//!   the string; multi-byte UTF-8 sequences never contain bytes below 0x80,
//!   so they cannot be confused with quotes, backslashes or brackets;
//! * outside strings, `{`/`[` push onto a bracket stack and `}`/`]` pop it
//!   (a mismatched closer is an error at once); the value is complete when
//!   the stack empties;
//! * a bare scalar at top level (a number, `true`, ...) ends at the first
//!   whitespace or structural byte.
//!
//! The scanner's state survives between calls, so each byte is examined
//! once no matter how the input is chunked. Once a value's extent is known
//! it is parsed with `serde_json`, which does full validation (UTF-8, escape
//! sequences, number syntax).
//!
//! Limits: a value may not exceed the configured maximum size (counted from
//! its first byte; checked both while it is incomplete and when it
//! completes), nor nest deeper than [`MAX_DEPTH`]. Any error is sticky: the
//! stream cannot be resynchronised after garbage, so the owner should drop
//! the connection, as Open vSwitch does. Nothing here panics on any input.

use crate::message::{Message, MessageError};
use serde_json::Value;
use thiserror::Error;

/// Default maximum size of one JSON value, in bytes.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// Deepest nesting of arrays and objects accepted (also `serde_json`'s own
/// recursion limit).
pub const MAX_DEPTH: usize = 128;

/// A light grammar check on the first byte of each member and element, so that garbage such
/// as `{bad` is rejected as soon as it arrives instead of waiting for a closing bracket that
/// may never come (Open vSwitch's incremental parser rejects it at once, too). Full validation
/// is still `serde_json`'s, once the value is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Inside a token or after a value: no check.
    Any,
    /// After `{`: a key string or `}`.
    KeyOrClose,
    /// After `,` in an object: a key string.
    Key,
    /// After `[`: a value or `]`.
    ValueOrClose,
    /// After `:` or `,` in an array: a value.
    Value,
}

fn starts_value(b: u8) -> bool {
    matches!(
        b,
        b'{' | b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n'
    )
}

/// Why the byte stream could not be split or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// A value grew beyond the configured maximum.
    #[error("JSON message exceeds maximum size of {max} bytes")]
    TooLarge {
        /// The configured limit.
        max: usize,
    },
    /// Arrays/objects nested deeper than [`MAX_DEPTH`].
    #[error("JSON nesting exceeds maximum depth of {MAX_DEPTH}")]
    TooDeep,
    /// A byte that cannot start a JSON value, or a stray closing bracket.
    #[error("syntax error: unexpected byte 0x{byte:02x} at offset {offset}")]
    UnexpectedByte {
        /// The offending byte.
        byte: u8,
        /// Its offset in the stream since the framer was created.
        offset: u64,
    },
    /// `]` closing a `{`, or `}` closing a `[`.
    #[error("syntax error: mismatched '{found}' at offset {offset}")]
    Mismatched {
        /// The closing bracket found.
        found: char,
        /// Its offset in the stream since the framer was created.
        offset: u64,
    },
    /// The delimited value is not valid JSON.
    #[error("syntax error: {0}")]
    Parse(String),
    /// The stream ended in the middle of a value.
    #[error("unexpected end of input")]
    Truncated,
    /// The value is valid JSON but not a valid JSON-RPC message.
    #[error("received bad JSON-RPC message: {0}")]
    Message(#[from] MessageError),
}

/// Incremental splitter of concatenated JSON values (see module docs).
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    /// Bytes at the front of `buf` already handed out.
    consumed: usize,
    /// Next byte of `buf` to examine.
    scan: usize,
    /// Start of the value being scanned, if any.
    start: Option<usize>,
    stack: Vec<u8>,
    in_string: bool,
    escape: bool,
    top_scalar: bool,
    /// What the next significant byte inside a structure must start (see [`Expect`]).
    expect: Expect,
    max_size: usize,
    /// Stream offset of `buf[0]`.
    base_offset: u64,
    failed: Option<FrameError>,
}

impl Default for Framer {
    fn default() -> Self {
        Framer::new(DEFAULT_MAX_MESSAGE_SIZE)
    }
}

impl Framer {
    /// A framer that rejects values longer than `max_size` bytes.
    pub fn new(max_size: usize) -> Self {
        Framer {
            buf: Vec::new(),
            consumed: 0,
            scan: 0,
            start: None,
            stack: Vec::new(),
            in_string: false,
            escape: false,
            top_scalar: false,
            expect: Expect::Any,
            max_size: max_size.max(1),
            base_offset: 0,
            failed: None,
        }
    }

    /// The configured maximum value size.
    pub fn max_size(&self) -> usize {
        self.max_size
    }

    /// Bytes received but not yet returned as values.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// True if part of a value has been received (i.e. EOF now would
    /// truncate it).
    pub fn in_value(&self) -> bool {
        self.start.is_some()
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        if self.consumed > 0 {
            self.buf.drain(..self.consumed);
            self.scan -= self.consumed;
            if let Some(s) = self.start.as_mut() {
                *s -= self.consumed;
            }
            self.base_offset += self.consumed as u64;
            self.consumed = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Call at end of stream: errors if a value was left incomplete.
    pub fn finish(&self) -> Result<(), FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.start.is_some() {
            return Err(FrameError::Truncated);
        }
        Ok(())
    }

    /// Returns the next complete value, `Ok(None)` if more input is needed.
    pub fn next_value(&mut self) -> Result<Option<Value>, FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match self.scan_value() {
            Ok(Some((start, end))) => {
                let parsed = self
                    .buf
                    .get(start..end)
                    .map(serde_json::from_slice::<Value>);
                self.consumed = end;
                match parsed {
                    Some(Ok(v)) => Ok(Some(v)),
                    Some(Err(e)) => Err(self.fail(FrameError::Parse(e.to_string()))),
                    None => Err(self.fail(FrameError::Truncated)),
                }
            }
            Ok(None) => {
                if self.start.is_none() {
                    // Only whitespace is pending; forget it.
                    self.consumed = self.scan;
                }
                Ok(None)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Like [`Framer::next_value`], then validates the value as a message.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        match self.next_value()? {
            None => Ok(None),
            Some(v) => match Message::from_value(v) {
                Ok(m) => Ok(Some(m)),
                Err(e) => Err(self.fail(FrameError::Message(e))),
            },
        }
    }

    fn fail(&mut self, e: FrameError) -> FrameError {
        self.failed = Some(e.clone());
        e
    }

    fn offset(&self, i: usize) -> u64 {
        self.base_offset + i as u64
    }

    /// Advances the scanner; returns the byte range of a complete value.
    fn scan_value(&mut self) -> Result<Option<(usize, usize)>, FrameError> {
        while let Some(&b) = self.buf.get(self.scan) {
            let i = self.scan;
            let Some(start) = self.start else {
                match b {
                    b' ' | b'\t' | b'\n' | b'\r' => {}
                    b'{' | b'[' => {
                        self.stack.push(b);
                        self.start = Some(i);
                        self.expect = if b == b'{' {
                            Expect::KeyOrClose
                        } else {
                            Expect::ValueOrClose
                        };
                    }
                    b'"' => {
                        self.in_string = true;
                        self.start = Some(i);
                    }
                    b'-' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' => {
                        self.top_scalar = true;
                        self.start = Some(i);
                    }
                    _ => {
                        return Err(FrameError::UnexpectedByte {
                            byte: b,
                            offset: self.offset(i),
                        })
                    }
                }
                self.scan += 1;
                continue;
            };
            if i - start >= self.max_size {
                return Err(FrameError::TooLarge { max: self.max_size });
            }
            let mut end = None;
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.stack.is_empty() {
                        end = Some(i + 1);
                    }
                }
            } else if self.top_scalar {
                if matches!(
                    b,
                    b' ' | b'\t' | b'\n' | b'\r' | b'{' | b'}' | b'[' | b']' | b'"' | b',' | b':'
                ) {
                    // The delimiter belongs to what follows.
                    self.top_scalar = false;
                    self.start = None;
                    return Ok(Some((start, i)));
                }
            } else {
                let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
                if !ws && self.expect != Expect::Any {
                    let ok = match self.expect {
                        Expect::KeyOrClose => b == b'"' || b == b'}',
                        Expect::Key => b == b'"',
                        Expect::ValueOrClose => starts_value(b) || b == b']',
                        Expect::Value => starts_value(b),
                        Expect::Any => true,
                    };
                    if !ok {
                        return Err(FrameError::UnexpectedByte {
                            byte: b,
                            offset: self.offset(i),
                        });
                    }
                    self.expect = Expect::Any;
                }
                match b {
                    b'{' | b'[' => {
                        if self.stack.len() >= MAX_DEPTH {
                            return Err(FrameError::TooDeep);
                        }
                        self.stack.push(b);
                        self.expect = if b == b'{' {
                            Expect::KeyOrClose
                        } else {
                            Expect::ValueOrClose
                        };
                    }
                    b':' => self.expect = Expect::Value,
                    b',' => {
                        self.expect = if self.stack.last() == Some(&b'{') {
                            Expect::Key
                        } else {
                            Expect::Value
                        }
                    }
                    b'}' | b']' => {
                        let want = if b == b'}' { b'{' } else { b'[' };
                        if self.stack.pop() != Some(want) {
                            return Err(FrameError::Mismatched {
                                found: char::from(b),
                                offset: self.offset(i),
                            });
                        }
                        if self.stack.is_empty() {
                            end = Some(i + 1);
                        }
                    }
                    b'"' => self.in_string = true,
                    _ => {}
                }
            }
            self.scan += 1;
            if let Some(end) = end {
                self.start = None;
                return Ok(Some((start, end)));
            }
        }
        if let Some(start) = self.start {
            if self.buf.len() - start > self.max_size {
                return Err(FrameError::TooLarge { max: self.max_size });
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn drain(f: &mut Framer) -> Result<Vec<Value>, FrameError> {
        let mut out = Vec::new();
        while let Some(v) = f.next_value()? {
            out.push(v);
        }
        Ok(out)
    }

    #[test]
    fn splits_back_to_back_values() {
        let mut f = Framer::default();
        f.push(br#"{"a":"}{\"x"}[1,[2]]  "s\\" 12 true{"b":{}}"#);
        assert_eq!(
            drain(&mut f).unwrap(),
            vec![
                json!({"a":"}{\"x"}),
                json!([1, [2]]),
                json!("s\\"),
                json!(12),
                json!(true),
                json!({"b":{}})
            ]
        );
        assert_eq!(f.buffered(), 0);
        f.finish().unwrap();
    }

    #[test]
    fn every_chunking_gives_the_same_values() {
        let input =
            "{\"id\":1,\"result\":\"h\u{e9}llo \\\"w\u{1F600}\\\\\"}\n[{\"k\":[]}] {\"x\":null}";
        let expect = vec![
            json!({"id":1,"result":"h\u{e9}llo \"w\u{1F600}\\"}),
            json!([{"k":[]}]),
            json!({"x":null}),
        ];
        let bytes = input.as_bytes();
        for chunk in 1..bytes.len() {
            let mut f = Framer::default();
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                f.push(piece);
                got.extend(drain(&mut f).unwrap());
            }
            assert_eq!(got, expect, "chunk size {chunk}");
        }
    }

    #[test]
    fn incomplete_value_waits_and_eof_reports_truncation() {
        let mut f = Framer::default();
        f.push(br#"{"a":[1,2"#);
        assert_eq!(f.next_value().unwrap(), None);
        assert!(f.in_value());
        assert_eq!(f.finish(), Err(FrameError::Truncated));
        f.push(b"]}");
        assert_eq!(f.next_value().unwrap(), Some(json!({"a":[1,2]})));
        assert_eq!(f.finish(), Ok(()));
    }

    #[test]
    fn rejects_bad_first_bytes_early() {
        for bad in [&b"{bad"[..], b"{\"a\":x", b"[1,}", b"{\"a\":1,}", b"[?"] {
            let mut f = Framer::default();
            f.push(bad);
            assert!(
                matches!(f.next_value(), Err(FrameError::UnexpectedByte { .. })),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let mut f = Framer::default();
        f.push(br#"{ "a" : [ ] , "b" : { } , "c":[ 1 , -2 , true , null , "x" ] }"#);
        assert!(f.next_value().unwrap().is_some());
    }

    #[test]
    fn rejects_garbage_and_stays_failed() {
        let mut f = Framer::default();
        f.push(b"  }");
        let e = f.next_value().unwrap_err();
        assert_eq!(
            e,
            FrameError::UnexpectedByte {
                byte: b'}',
                offset: 2
            }
        );
        f.push(b"{}");
        assert_eq!(f.next_value().unwrap_err(), e);

        let mut f = Framer::default();
        f.push(b"[1}");
        assert!(matches!(
            f.next_value(),
            Err(FrameError::Mismatched { found: '}', .. })
        ));

        let mut f = Framer::default();
        f.push(b"{\"a\" 1}");
        assert!(matches!(f.next_value(), Err(FrameError::Parse(_))));

        let mut f = Framer::default();
        f.push(b"[\"\xff\"]");
        assert!(matches!(f.next_value(), Err(FrameError::Parse(_))));

        let mut f = Framer::default();
        f.push(b"garbage ");
        assert!(matches!(f.next_value(), Err(FrameError::Parse(_))));
    }

    #[test]
    fn enforces_size_limit_while_incomplete_and_when_complete() {
        let mut f = Framer::new(8);
        f.push(b"[1,2,3]");
        assert_eq!(f.next_value().unwrap(), Some(json!([1, 2, 3])));
        f.push(b"[1,2,3,4,5");
        assert_eq!(f.next_value(), Err(FrameError::TooLarge { max: 8 }));

        let mut f = Framer::new(8);
        f.push(b"   [1,2,3,4,5]");
        assert_eq!(f.next_value(), Err(FrameError::TooLarge { max: 8 }));
    }

    #[test]
    fn enforces_depth_limit() {
        let mut f = Framer::default();
        f.push(&[b'['; MAX_DEPTH + 1]);
        assert_eq!(f.next_value(), Err(FrameError::TooDeep));
    }

    #[test]
    fn validates_messages() {
        let mut f = Framer::default();
        f.push(br#"{"method":"echo","params":[],"id":"echo"}{"result":1}"#);
        assert_eq!(
            f.next_message().unwrap(),
            Some(Message::request("echo", vec![], json!("echo")))
        );
        assert!(matches!(f.next_message(), Err(FrameError::Message(_))));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512),
                                       chunk in 1usize..64, max in 1usize..256) {
            let mut f = Framer::new(max);
            for piece in data.chunks(chunk) {
                f.push(piece);
                while let Ok(Some(_)) = f.next_message() {}
            }
            let _ = f.finish();
        }

        #[test]
        fn json_shaped_noise_never_panics(data in proptest::collection::vec(
            prop_oneof![Just(b'{'), Just(b'}'), Just(b'['), Just(b']'), Just(b'"'),
                        Just(b'\\'), Just(b':'), Just(b','), Just(b' '), Just(b'1'),
                        Just(b'a'), Just(0xc3u8), Just(0xa9u8)], 0..512)) {
            let mut f = Framer::new(100);
            f.push(&data);
            while let Ok(Some(_)) = f.next_value() {}
            let _ = f.finish();
        }

        #[test]
        fn concatenated_values_round_trip(values in proptest::collection::vec(arb_json(), 1..8),
                                          chunk in 1usize..32) {
            let mut bytes = Vec::new();
            for v in &values {
                bytes.extend(serde_json::to_vec(v).unwrap());
                bytes.push(b'\n');
            }
            let mut f = Framer::default();
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                f.push(piece);
                while let Some(v) = f.next_value().unwrap() {
                    got.push(v);
                }
            }
            prop_assert_eq!(got, values);
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
