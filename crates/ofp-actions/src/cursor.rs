//! A minimal big-endian byte reader and writer for the action codecs.
//!
//! Private to this crate on purpose: it is a stop-gap until the workspace's shared octet
//! helpers move into a crate both `openflow` and this crate can use. Every read is checked and
//! fails with `OFPBAC_BAD_LEN` (the error OVS reports for truncated actions) rather than
//! panicking.

use crate::error::DecodeError;

const BAD_LEN: DecodeError = DecodeError::new("OFPBAC_BAD_LEN");

/// Reads big-endian integers from a byte slice.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(BAD_LEN)?;
        let s = self.buf.get(self.pos..end).ok_or(BAD_LEN)?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.bytes(n).map(|_| ())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.bytes(1)?.first().copied().unwrap_or(0))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        let hi = self.u32()?;
        let lo = self.u32()?;
        Ok((u64::from(hi) << 32) | u64::from(lo))
    }

    /// Reads `n` (<= 16) bytes as a big-endian integer.
    pub(crate) fn uint(&mut self, n: usize) -> Result<u128, DecodeError> {
        if n > 16 {
            return Err(BAD_LEN);
        }
        Ok(self
            .bytes(n)?
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b)))
    }
}

/// Appends big-endian integers to a vector.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Writer { buf: Vec::new() }
    }
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    /// Writes the low `n` (<= 16) bytes of `v`, big-endian.
    pub(crate) fn uint(&mut self, v: u128, n: usize) {
        let b = v.to_be_bytes();
        self.buf.extend_from_slice(&b[16usize.saturating_sub(n)..]);
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
    pub(crate) fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }
    /// Pads with zeros to a multiple of 8 bytes counted from `start`.
    pub(crate) fn pad8_from(&mut self, start: usize) {
        let len = self.buf.len() - start;
        self.zeros((8 - len % 8) % 8);
    }
    /// Overwrites a big-endian u16 at `at` (used to patch lengths).
    pub(crate) fn patch_u16(&mut self, at: usize, v: u16) {
        if let Some(s) = self.buf.get_mut(at..at + 2) {
            s.copy_from_slice(&v.to_be_bytes());
        }
    }
}
