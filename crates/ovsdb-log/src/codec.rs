//! Record framing of the OVSDB log: a pure encoder and incremental decoder.
//!
//! # Format (established against Debian's `ovsdb-tool` 3.1)
//!
//! A standalone database file is a sequence of records and nothing else (no
//! file header, no padding).  Each record is
//!
//! ```text
//! OVSDB JSON <length> <sha1>\n<body>
//! ```
//!
//! * `OVSDB JSON` is the *magic* of standalone databases; clustered databases
//!   use `OVSDB CLUSTER` with the same framing (recognised here, not
//!   supported by this crate).
//! * `<length>` is the decimal byte length of `<body>`.
//! * `<sha1>` is the 40-digit hex SHA-1 of exactly those `<length>` bytes.
//!   Open vSwitch writes lower case and also accepts upper case.
//! * `<body>` is a JSON text whose top-level value must be an object.  Open
//!   vSwitch writes the compact JSON followed by a single `\n`, and that
//!   newline **is counted in the length and covered by the SHA-1**; nothing
//!   follows the body.  When reading, the body is simply parsed as JSON, so a
//!   body without the trailing newline is accepted too.
//!
//! The first record of a standalone database is the schema; every later
//! record is a transaction (or, after compaction, a snapshot).  That meaning
//! is the business of the `ovsdb` crate: here a record is just a JSON object.
//!
//! # Errors and torn tails
//!
//! [`Decoder`] walks a byte slice record by record.  When it meets a record
//! it cannot accept it yields one [`DecodeError`] carrying the offset of the
//! bad record and a [`DecodeErrorKind`] saying why, then stops.  Everything
//! yielded before the error is intact, so a caller recovering from a crash
//! keeps those records and discards the tail from the error offset on (see
//! [`DecodeError::record_offset`]).  The wording of each error follows what
//! `ovsdb-tool` prints for the same damage.

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use std::fmt;

/// Magic of a standalone database record header.
pub const MAGIC_STANDALONE: &str = "OVSDB JSON";
/// Magic of a clustered database record header.
pub const MAGIC_CLUSTERED: &str = "OVSDB CLUSTER";

/// The longest header line the decoder will look for a newline in.  A valid
/// header is at most `OVSDB CLUSTER` + 20-digit length + 40-digit hash plus
/// separators, well under this.
pub const MAX_HEADER_LEN: usize = 128;

/// Which kind of OVSDB file a header belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    /// `OVSDB JSON`: a standalone (or active-backup) database.
    Standalone,
    /// `OVSDB CLUSTER`: a Raft clustered database.
    Clustered,
}

impl Magic {
    /// The magic string as written in headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Magic::Standalone => MAGIC_STANDALONE,
            Magic::Clustered => MAGIC_CLUSTERED,
        }
    }
}

impl fmt::Display for Magic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a record could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// OVSDB log records must be JSON objects.
    #[error("OVSDB log record must be a JSON object")]
    NotObject,
}

/// Encodes `record` as a complete standalone log record (header and body).
///
/// The body is the compact, Open vSwitch-formatted JSON text of `record`
/// followed by `\n`, exactly as Debian's `ovsdb-tool` writes it.
pub fn encode_record(record: &Value) -> Result<Vec<u8>, EncodeError> {
    encode_record_with_magic(Magic::Standalone, record)
}

/// Like [`encode_record`] with an explicit magic.
pub fn encode_record_with_magic(magic: Magic, record: &Value) -> Result<Vec<u8>, EncodeError> {
    if !record.is_object() {
        return Err(EncodeError::NotObject);
    }
    let mut body = crate::json::to_string(record);
    body.push('\n');
    Ok(frame_body(magic, body.as_bytes()))
}

/// Frames an already-serialised `body` with a header for `magic`.
///
/// No check is made that `body` is a JSON object; use [`encode_record`]
/// unless the text is known to be valid.
pub fn frame_body(magic: Magic, body: &[u8]) -> Vec<u8> {
    let digest = Sha1::digest(body);
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend_from_slice(magic.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(to_hex(&digest).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// One record read from a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Byte offset of the record's header in the file.
    pub offset: u64,
    /// Total length of the record (header plus body) in bytes.
    pub len: u64,
    /// The record's JSON object.
    pub value: Map<String, Value>,
}

impl Record {
    /// Offset just past this record (where the next one starts).
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// A parsed record header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The record's magic.
    pub magic: Magic,
    /// Length of the body in bytes.
    pub body_len: u64,
    /// SHA-1 the body must hash to.
    pub sha1: [u8; 20],
    /// Length of the header line including its newline.
    pub header_len: usize,
}

/// Why a record is bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The input ends in the middle of a header line.
    TruncatedHeader {
        /// The partial header text (lossily decoded).
        line: String,
    },
    /// The header line is not `OVSDB <magic> <length> <sha1>`.
    BadHeader {
        /// The header line without its newline (lossily decoded, clipped).
        line: String,
    },
    /// A well-formed header whose magic differs from the file's.
    WrongMagic {
        /// Magic of the file (from its first record).
        expected: Magic,
        /// Magic found in this header.
        found: Magic,
    },
    /// The body runs past the end of the input.
    TruncatedBody {
        /// Length promised by the header.
        body_len: u64,
        /// Bytes actually available after the header.
        available: u64,
    },
    /// The body's SHA-1 does not match the header.
    BadSha1 {
        /// Body length.
        body_len: u64,
        /// Hash computed over the body.
        actual: [u8; 20],
        /// Hash written in the header.
        expected: [u8; 20],
    },
    /// The body is not valid JSON.
    BadJson {
        /// Body length.
        body_len: u64,
        /// Parser diagnostic.
        detail: String,
    },
    /// The body is valid JSON but not an object.
    NotObject {
        /// Body length.
        body_len: u64,
    },
}

/// A bad record: where it is and why it was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// Offset of the bad record's header: everything before it is good.
    pub record_offset: u64,
    /// Offset of the bad record's body (equal to `record_offset` for header
    /// errors).  Open vSwitch reports body problems at this offset.
    pub body_offset: u64,
    /// What is wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// True if the damage looks like an interrupted write (the input simply
    /// ends too early), as opposed to corruption of complete data.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self.kind,
            DecodeErrorKind::TruncatedHeader { .. } | DecodeErrorKind::TruncatedBody { .. }
        )
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DecodeErrorKind::TruncatedHeader { line } => write!(
                f,
                "parse error at offset {} in header line \"{}\" (file ends in partial header)",
                self.record_offset, line
            ),
            DecodeErrorKind::BadHeader { line } => write!(
                f,
                "parse error at offset {} in header line \"{}\"",
                self.record_offset, line
            ),
            DecodeErrorKind::WrongMagic { expected, found } => write!(
                f,
                "parse error at offset {}: record magic \"{found}\" differs from file magic \"{expected}\"",
                self.record_offset
            ),
            DecodeErrorKind::TruncatedBody { body_len, available } => write!(
                f,
                "error reading {} bytes starting at offset {} (End of file; only {} bytes present)",
                body_len, self.body_offset, available
            ),
            DecodeErrorKind::BadSha1 {
                body_len,
                actual,
                expected,
            } => write!(
                f,
                "{} bytes starting at offset {} have SHA-1 hash {} but should have hash {}",
                body_len,
                self.body_offset,
                to_hex(actual),
                to_hex(expected)
            ),
            DecodeErrorKind::BadJson { body_len, detail } => write!(
                f,
                "{} bytes starting at offset {} are not valid JSON ({})",
                body_len, self.body_offset, detail
            ),
            DecodeErrorKind::NotObject { body_len } => write!(
                f,
                "{} bytes starting at offset {} are not a JSON object",
                body_len, self.body_offset
            ),
        }
    }
}

fn lossy_line(bytes: &[u8]) -> String {
    let clipped = bytes.get(..MAX_HEADER_LEN).unwrap_or(bytes);
    String::from_utf8_lossy(clipped).into_owned()
}

/// Parses one header line (without its newline).  Returns `None` if it is
/// not of the form `OVSDB <magic-word> <decimal-length> <40 hex digits>`.
pub fn parse_header_line(line: &[u8]) -> Option<(Magic, u64, [u8; 20])> {
    let text = std::str::from_utf8(line).ok()?;
    let rest = text.strip_prefix("OVSDB ")?;
    let mut fields = rest.split(' ');
    let magic = match fields.next()? {
        "JSON" => Magic::Standalone,
        "CLUSTER" => Magic::Clustered,
        _ => return None,
    };
    let len_text = fields.next()?;
    let hash_text = fields.next()?;
    if fields.next().is_some() {
        return None;
    }
    if len_text.is_empty() || !len_text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let body_len: u64 = len_text.parse().ok()?;
    let sha1 = parse_hex20(hash_text)?;
    Some((magic, body_len, sha1))
}

fn parse_hex20(text: &str) -> Option<[u8; 20]> {
    let bytes = text.as_bytes();
    if bytes.len() != 40 {
        return None;
    }
    let mut out = [0u8; 20];
    for (i, slot) in out.iter_mut().enumerate() {
        let hi = hex_val(*bytes.get(2 * i)?)?;
        let lo = hex_val(*bytes.get(2 * i + 1)?)?;
        *slot = (hi << 4) | lo;
    }
    Some(out)
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// True if `partial` (which holds no newline) could be the beginning of a
/// valid header line cut short, e.g. by a crash in the middle of a write.
pub fn is_header_prefix(partial: &[u8]) -> bool {
    if partial.len() >= MAX_HEADER_LEN {
        return false;
    }
    for magic in [MAGIC_STANDALONE, MAGIC_CLUSTERED] {
        let lead = format!("{magic} ");
        let lead = lead.as_bytes();
        if lead.starts_with(partial) {
            return true;
        }
        let Some(after) = partial.strip_prefix(lead) else {
            continue;
        };
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let Some(after_len) = after.get(digits..) else {
            continue;
        };
        if after_len.is_empty() {
            return true;
        }
        if digits == 0 || after_len.first() != Some(&b' ') {
            continue;
        }
        let hash = after_len.get(1..).unwrap_or(&[]);
        return hash.len() <= 40 && hash.iter().all(u8::is_ascii_hexdigit);
    }
    false
}

/// Identifies the kind of file from its first header.  Returns `None` if the
/// input does not start with a recognisable header line (Open vSwitch: the
/// file has an "unexpected file format"), including when it is empty.
pub fn identify(buf: &[u8]) -> Option<Magic> {
    let window = buf.get(..MAX_HEADER_LEN).unwrap_or(buf);
    let nl = window.iter().position(|&b| b == b'\n')?;
    parse_header_line(window.get(..nl)?).map(|(magic, _, _)| magic)
}

/// Incremental record decoder over a byte slice.
///
/// Iterating yields `Ok(Record)` for each good record, then at most one
/// `Err(DecodeError)` for the first bad one, then `None`.  Clean end of
/// input (exactly at a record boundary) simply ends the iteration.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    magic: Option<Magic>,
    done: bool,
}

impl<'a> Decoder<'a> {
    /// Decodes `buf`, a whole file or its beginning.  The first record's
    /// magic becomes the expected magic of all later ones.
    pub fn new(buf: &'a [u8]) -> Self {
        Decoder {
            buf,
            pos: 0,
            base: 0,
            magic: None,
            done: false,
        }
    }

    /// Decodes `buf` that starts at file offset `base` (for reporting), with
    /// every record required to carry `magic`.
    pub fn with_offset(buf: &'a [u8], base: u64, magic: Magic) -> Self {
        Decoder {
            buf,
            pos: 0,
            base,
            magic: Some(magic),
            done: false,
        }
    }

    /// File offset of the next byte to decode: after iteration stops this is
    /// the end of the last good record.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Magic of the records decoded so far, if any were.
    pub fn magic(&self) -> Option<Magic> {
        self.magic
    }

    /// Decodes the next record; see the type documentation.
    pub fn next_record(&mut self) -> Option<Result<Record, DecodeError>> {
        if self.done {
            return None;
        }
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let result = self.decode_at(rest);
        match &result {
            Ok(record) => self.pos += record.len as usize,
            Err(_) => self.done = true,
        }
        Some(result)
    }

    fn decode_at(&mut self, rest: &[u8]) -> Result<Record, DecodeError> {
        let offset = self.offset();
        let header_err = |kind| DecodeError {
            record_offset: offset,
            body_offset: offset,
            kind,
        };
        let window = rest.get(..MAX_HEADER_LEN).unwrap_or(rest);
        let Some(nl) = window.iter().position(|&b| b == b'\n') else {
            return Err(header_err(if is_header_prefix(rest) {
                DecodeErrorKind::TruncatedHeader {
                    line: lossy_line(rest),
                }
            } else {
                DecodeErrorKind::BadHeader {
                    line: lossy_line(window),
                }
            }));
        };
        let line = window.get(..nl).unwrap_or(&[]);
        let Some((magic, body_len, sha1)) = parse_header_line(line) else {
            return Err(header_err(DecodeErrorKind::BadHeader {
                line: lossy_line(line),
            }));
        };
        match self.magic {
            None => self.magic = Some(magic),
            Some(expected) if expected != magic => {
                return Err(header_err(DecodeErrorKind::WrongMagic {
                    expected,
                    found: magic,
                }))
            }
            Some(_) => {}
        }
        let header_len = nl + 1;
        let body_offset = offset + header_len as u64;
        let body_err = |kind| DecodeError {
            record_offset: offset,
            body_offset,
            kind,
        };
        let after_header = rest.get(header_len..).unwrap_or(&[]);
        let available = after_header.len() as u64;
        let body = match usize::try_from(body_len)
            .ok()
            .and_then(|n| after_header.get(..n))
        {
            Some(body) if body_len <= available => body,
            _ => {
                return Err(body_err(DecodeErrorKind::TruncatedBody {
                    body_len,
                    available,
                }))
            }
        };
        let actual: [u8; 20] = Sha1::digest(body).into();
        if actual != sha1 {
            return Err(body_err(DecodeErrorKind::BadSha1 {
                body_len,
                actual,
                expected: sha1,
            }));
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            body_err(DecodeErrorKind::BadJson {
                body_len,
                detail: e.to_string(),
            })
        })?;
        let Value::Object(value) = value else {
            return Err(body_err(DecodeErrorKind::NotObject { body_len }));
        };
        Ok(Record {
            offset,
            len: header_len as u64 + body_len,
            value,
        })
    }
}

impl Iterator for Decoder<'_> {
    type Item = Result<Record, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

/// The result of decoding a whole buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Every good record, in order.
    pub records: Vec<Record>,
    /// Offset just past the last good record.
    pub good_len: u64,
    /// The first bad record, if the buffer did not end cleanly.
    pub tail_error: Option<DecodeError>,
}

/// Decodes every record of `buf`, stopping at the first bad one.
pub fn decode_all(buf: &[u8]) -> Decoded {
    let mut decoder = Decoder::new(buf);
    let mut records = Vec::new();
    let mut tail_error = None;
    for item in decoder.by_ref() {
        match item {
            Ok(record) => records.push(record),
            Err(e) => tail_error = Some(e),
        }
    }
    Decoded {
        records,
        good_len: decoder.offset(),
        tail_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> Vec<u8> {
        encode_record(&v).expect("object")
    }

    #[test]
    fn encodes_like_ovsdb_tool() {
        // Header fields as Debian's ovsdb-tool wrote them for this body.
        let v = json!({"_date": 1795650037349_i64,
                       "R": {"b0814c1d-7ff4-42b9-980e-f12eebee27af": {}},
                       "_is_diff": true});
        let bytes = rec(v);
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(
            text,
            "OVSDB JSON 88 7cd5522b98f6cc2be335b92f1a038ee0ca03d317\n\
             {\"_date\":1795650037349,\"R\":{\"b0814c1d-7ff4-42b9-980e-f12eebee27af\":{}},\"_is_diff\":true}\n"
        );
    }

    #[test]
    fn rejects_non_object() {
        assert_eq!(encode_record(&json!([1])), Err(EncodeError::NotObject));
    }

    #[test]
    fn decodes_sequence() {
        let mut buf = rec(json!({"a": 1}));
        let first_len = buf.len() as u64;
        buf.extend(rec(json!({"b": [true, "x"]})));
        let d = decode_all(&buf);
        assert!(d.tail_error.is_none());
        assert_eq!(d.records.len(), 2);
        assert_eq!(d.records[0].offset, 0);
        assert_eq!(d.records[1].offset, first_len);
        assert_eq!(d.good_len, buf.len() as u64);
        assert_eq!(d.records[1].value.get("b"), Some(&json!([true, "x"])));
    }

    #[test]
    fn accepts_upper_case_hash_and_missing_newline() {
        let body = b"{\"x\":1}";
        let framed = frame_body(Magic::Standalone, body);
        let text = String::from_utf8(framed).expect("utf8");
        let (head, tail) = text.split_once('\n').expect("header");
        let upper = format!("{}\n{}", head.to_uppercase(), tail);
        let d = decode_all(upper.as_bytes());
        assert!(d.tail_error.is_none(), "{:?}", d.tail_error);
        assert_eq!(d.records.len(), 1);
    }

    #[test]
    fn errors_name_offsets() {
        let first = rec(json!({"a": 1}));
        let n = first.len() as u64;
        let mut bad = first.clone();
        bad.extend_from_slice(b"garbage\n");
        let d = decode_all(&bad);
        assert_eq!(d.records.len(), 1);
        let e = d.tail_error.expect("error");
        assert_eq!(e.record_offset, n);
        assert_eq!(
            e.to_string(),
            format!("parse error at offset {n} in header line \"garbage\"")
        );

        let body = b"[1]\n";
        let mut notobj = first.clone();
        notobj.extend(frame_body(Magic::Standalone, body));
        let e = decode_all(&notobj).tail_error.expect("error");
        assert_eq!(e.kind, DecodeErrorKind::NotObject { body_len: 4 });
        assert_eq!(e.body_offset, n + 54);

        let mut badjson = first.clone();
        badjson.extend(frame_body(Magic::Standalone, b"{\"a\":\n"));
        let e = decode_all(&badjson).tail_error.expect("error");
        assert!(matches!(
            e.kind,
            DecodeErrorKind::BadJson { body_len: 6, .. }
        ));
        assert!(!e.is_truncation());

        let mut torn = first.clone();
        torn.extend_from_slice(b"OVSDB JSON 12");
        let e = decode_all(&torn).tail_error.expect("error");
        assert!(e.is_truncation());
        assert!(matches!(e.kind, DecodeErrorKind::TruncatedHeader { .. }));
    }

    #[test]
    fn magic_is_checked() {
        let clustered = encode_record_with_magic(Magic::Clustered, &json!({})).expect("obj");
        assert_eq!(identify(&clustered), Some(Magic::Clustered));
        assert_eq!(identify(b""), None);
        assert_eq!(identify(b"xyz\n"), None);
        let mut mixed = rec(json!({}));
        mixed.extend(clustered);
        let e = decode_all(&mixed).tail_error.expect("error");
        assert_eq!(
            e.kind,
            DecodeErrorKind::WrongMagic {
                expected: Magic::Standalone,
                found: Magic::Clustered
            }
        );
    }

    #[test]
    fn header_parsing_is_strict() {
        let good = "OVSDB JSON 5 0123456789abcdef0123456789ABCDEF01234567";
        assert!(parse_header_line(good.as_bytes()).is_some());
        for bad in [
            "OVSDB JSON 5 0123456789abcdef0123456789abcdef0123456",
            "OVSDB JSON  5 0123456789abcdef0123456789abcdef01234567",
            "OVSDB JSON -5 0123456789abcdef0123456789abcdef01234567",
            "OVSDB JSON 5 0123456789abcdef0123456789abcdef01234567 ",
            "OVSDB JSUN 5 0123456789abcdef0123456789abcdef01234567",
            "OVSDB JSON 99999999999999999999999 0123456789abcdef0123456789abcdef01234567",
            "OVSDB JSON 5 0123456789abcdef0123456789abcdef0123456g",
        ] {
            assert!(parse_header_line(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn header_prefixes() {
        let full = b"OVSDB JSON 88 7cd5522b98f6cc2be335b92f1a038ee0ca03d317";
        for n in 0..=full.len() {
            assert!(is_header_prefix(&full[..n]), "prefix of length {n}");
        }
        assert!(is_header_prefix(b"OVSDB CLUS"));
        for bad in [
            &b"xyz"[..],
            b"OVSDB JSUN",
            b"OVSDB JSON x",
            b"OVSDB JSON 12 zz",
            b"OVSDB JSON  1",
        ] {
            assert!(!is_header_prefix(bad), "{}", String::from_utf8_lossy(bad));
        }
        let mut torn = rec(json!({}));
        torn.extend_from_slice(b"junk");
        let e = decode_all(&torn).tail_error.expect("error");
        assert!(matches!(e.kind, DecodeErrorKind::BadHeader { .. }));
    }

    #[test]
    fn huge_length_is_truncation_not_panic() {
        let buf = b"OVSDB JSON 18446744073709551615 0123456789abcdef0123456789abcdef01234567\n{}";
        let e = decode_all(buf).tail_error.expect("error");
        assert!(matches!(
            e.kind,
            DecodeErrorKind::TruncatedBody { available: 2, .. }
        ));
    }
}
