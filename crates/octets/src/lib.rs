//! Panic-free big-endian byte cursors shared by the wire crates.
//!
//! Every OpenFlow structure (and every Nicira/ONF action) is a sequence of
//! big-endian integers, fixed-size arrays and padding, often with nested
//! length-prefixed sub-structures (ports with properties, meter bands,
//! table-feature properties, action lists, ...).  The two types here are the
//! places where `openflow` and `ofp-actions` touch raw bytes, so that no
//! decoder ever indexes a slice directly:
//!
//! * [`Reader`] borrows a slice and hands out integers and sub-slices.  Each
//!   read is bounds-checked and returns [`Truncated`] instead of panicking,
//!   so decoders can use `?` throughout (crates convert [`Truncated`] into
//!   their own error with a `From` impl; `ofp-actions` turns it into
//!   `OFPBAC_BAD_LEN`).  A failed read consumes nothing.  [`Reader::sub`]
//!   splits off a length-limited child reader, which is how a length field
//!   is made authoritative: the child cannot read past the structure it
//!   describes, and the parent skips the whole structure regardless of how
//!   much the child consumed.  [`Reader::uint`] reads variable-width fields
//!   (MAC addresses, NXM/OXM values of 1 to 16 bytes) as a `u128`.
//! * [`Writer`] appends to a `Vec<u8>`.  Length fields that are only known
//!   after the body has been written are handled with
//!   [`Writer::placeholder_u16`] + [`Writer::patch_u16`] (or the
//!   [`Writer::tlv`] helper that does both), [`Writer::pad_to`] aligns TLV
//!   lists (OpenFlow pads properties and actions to 8 bytes), and
//!   [`Writer::truncate`] rolls back a partly written element.
//!
//! The crate is pure: no I/O, no allocation beyond the writer's vector, no
//! `unsafe`.  The idea follows quiche's `octets` crate, but the code is
//! written here.

/// The input ended before a read could be satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("truncated: need {need} bytes, have {have}")]
pub struct Truncated {
    /// Bytes the read needed.
    pub need: usize,
    /// Bytes that were left.
    pub have: usize,
}

/// A bounds-checked reading cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// True when everything has been consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The unconsumed bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// Consumes `n` bytes and returns them.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let have = self.remaining();
        let end = self.pos.checked_add(n).filter(|_| n <= have);
        match end.and_then(|end| self.buf.get(self.pos..end).map(|s| (s, end))) {
            Some((s, end)) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(Truncated { need: n, have }),
        }
    }

    /// Consumes everything that is left.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let r = self.rest();
        self.pos = self.buf.len();
        r
    }

    /// Looks at `n` bytes at `offset` from the current position without
    /// consuming anything.
    pub fn peek(&self, offset: usize, n: usize) -> Result<&'a [u8], Truncated> {
        let start = self.pos.checked_add(offset);
        let end = start.and_then(|s| s.checked_add(n));
        match (start, end) {
            (Some(s), Some(e)) => self.buf.get(s..e).ok_or(Truncated {
                need: offset.saturating_add(n),
                have: self.remaining(),
            }),
            _ => Err(Truncated {
                need: usize::MAX,
                have: self.remaining(),
            }),
        }
    }

    /// Big-endian u16 at `offset` from the current position, not consumed.
    pub fn peek_u16(&self, offset: usize) -> Result<u16, Truncated> {
        let b = self.peek(offset, 2)?;
        let have = self.remaining();
        <[u8; 2]>::try_from(b)
            .map(u16::from_be_bytes)
            .map_err(|_| Truncated { need: 2, have })
    }

    /// Skips `n` bytes (padding).
    pub fn skip(&mut self, n: usize) -> Result<(), Truncated> {
        self.bytes(n).map(|_| ())
    }

    /// A fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, Truncated> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    /// Big-endian u16.
    pub fn u16(&mut self) -> Result<u16, Truncated> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Big-endian u32.
    pub fn u32(&mut self) -> Result<u32, Truncated> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Big-endian u64.
    pub fn u64(&mut self) -> Result<u64, Truncated> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An `n`-byte big-endian unsigned integer, for fields whose width is
    /// only known at run time (a 6-byte MAC, a 1..=16-byte NXM/OXM value).
    ///
    /// All `n` bytes are consumed.  A `u128` holds 16 bytes, so when `n` is
    /// larger only the last 16 bytes count (the leading ones are dropped, as
    /// an `as` cast would); callers that must reject such widths check `n`
    /// first.
    pub fn uint(&mut self, n: usize) -> Result<u128, Truncated> {
        let b = self.bytes(n)?;
        let low = b.get(n.saturating_sub(16)..).unwrap_or(&[]);
        Ok(low.iter().fold(0u128, |acc, &x| (acc << 8) | u128::from(x)))
    }

    /// A child reader over the next `n` bytes, which are consumed here.
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>, Truncated> {
        self.bytes(n).map(Reader::new)
    }

    /// A NUL-padded fixed-size string field, decoded lossily up to the
    /// first NUL.
    pub fn fixed_str(&mut self, n: usize) -> Result<String, Truncated> {
        let b = self.bytes(n)?;
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        Ok(String::from_utf8_lossy(b.get(..end).unwrap_or(&[])).into_owned())
    }
}

/// One type-length-value element read by [`Reader::tlv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The 16-bit type.
    pub ty: u16,
    /// The value: the bytes after the 4-byte type/length header, up to the
    /// declared length (padding excluded).
    pub value: &'a [u8],
}

/// Why a TLV could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// Fewer bytes than the header or the declared length.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// The declared length is smaller than the 4-byte header.
    #[error("property length {0} is shorter than its header")]
    BadLength(u16),
}

impl<'a> Reader<'a> {
    /// Reads one OpenFlow property/TLV: `type:16 length:16 value`, where
    /// `length` counts the 4-byte header and the value, and the element is
    /// followed by padding to a multiple of `align` bytes (8 for OpenFlow
    /// properties; 1 for no padding).  Padding is required except at the
    /// very end of the input, where OVS also tolerates its absence.
    pub fn tlv(&mut self, align: usize) -> Result<Tlv<'a>, TlvError> {
        let ty = self.peek_u16(0)?;
        let len = self.peek_u16(2)?;
        if len < 4 {
            return Err(TlvError::BadLength(len));
        }
        let whole = self.bytes(usize::from(len))?;
        let value = whole.get(4..).unwrap_or(&[]);
        let pad = padding(usize::from(len), align);
        let pad = pad.min(self.remaining());
        self.skip(pad)?;
        Ok(Tlv { ty, value })
    }
}

/// Bytes needed after `len` to reach a multiple of `align`.
pub fn padding(len: usize, align: usize) -> usize {
    if align <= 1 {
        0
    } else {
        (align - len % align) % align
    }
}

/// An appending big-endian writer.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer { buf: Vec::new() }
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The finished buffer.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// Appends a big-endian u16.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a big-endian u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a big-endian u64.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends `v` as an `n`-byte big-endian integer: its low `n` bytes,
    /// or, when `n` exceeds 16, zeros followed by all 16 bytes of `v` (the
    /// inverse of [`Reader::uint`]).
    pub fn uint(&mut self, v: u128, n: usize) -> &mut Self {
        let b = v.to_be_bytes();
        self.zeros(n.saturating_sub(b.len()));
        self.bytes(b.get(b.len().saturating_sub(n)..).unwrap_or(&[]))
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// Appends `n` zero bytes.
    pub fn zeros(&mut self, n: usize) -> &mut Self {
        self.buf.resize(self.buf.len() + n, 0);
        self
    }

    /// Appends a string into a NUL-padded field of `n` bytes, truncating it
    /// so that at least one NUL remains.
    pub fn fixed_str(&mut self, s: &str, n: usize) -> &mut Self {
        let b = s.as_bytes();
        let take = b.len().min(n.saturating_sub(1));
        self.buf.extend_from_slice(b.get(..take).unwrap_or(&[]));
        self.zeros(n.saturating_sub(take))
    }

    /// Drops everything written after the first `len` bytes (a no-op when
    /// fewer have been written), e.g. to undo a partly encoded element.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// Pads with zeros from `start` to a multiple of `align` bytes.
    pub fn pad_to(&mut self, start: usize, align: usize) -> &mut Self {
        let n = padding(self.buf.len().saturating_sub(start), align);
        self.zeros(n)
    }

    /// Writes a zero u16 and returns its position for [`Writer::patch_u16`].
    pub fn placeholder_u16(&mut self) -> usize {
        let at = self.buf.len();
        self.u16(0);
        at
    }

    /// Overwrites the u16 at `at` (a no-op if `at` is out of range).
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        if let Some(s) = at.checked_add(2).and_then(|end| self.buf.get_mut(at..end)) {
            s.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// Writes a TLV: type, a length covering header + what `body` writes,
    /// then zero padding to `align`.  Lengths beyond 65535 are clamped (the
    /// caller's encoder is responsible for staying within OpenFlow limits).
    pub fn tlv(&mut self, ty: u16, align: usize, body: impl FnOnce(&mut Writer)) -> &mut Self {
        let start = self.buf.len();
        self.u16(ty);
        let at = self.placeholder_u16();
        body(self);
        let len = self.buf.len() - start;
        self.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
        self.pad_to(start, align)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounds_checked() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Ok(0x0102));
        assert_eq!(r.u16(), Err(Truncated { need: 2, have: 1 }));
        assert_eq!(r.u8(), Ok(3));
        assert!(r.is_empty());
        assert!(r.bytes(usize::MAX).is_err());
        assert!(r.peek(usize::MAX, 2).is_err());
    }

    #[test]
    fn tlv_roundtrip_with_padding() {
        let mut w = Writer::new();
        w.tlv(7, 8, |w| {
            w.u8(0xaa);
        });
        w.tlv(9, 8, |w| {
            w.u32(1);
        });
        assert_eq!(w.len(), 16);
        let mut r = Reader::new(w.as_slice());
        assert_eq!(
            r.tlv(8).unwrap(),
            Tlv {
                ty: 7,
                value: &[0xaa]
            }
        );
        assert_eq!(
            r.tlv(8).unwrap(),
            Tlv {
                ty: 9,
                value: &[0, 0, 0, 1]
            }
        );
        assert!(r.is_empty());
        let mut bad = Reader::new(&[0, 1, 0, 2]);
        assert_eq!(bad.tlv(8), Err(TlvError::BadLength(2)));
    }

    #[test]
    fn fixed_strings() {
        let mut w = Writer::new();
        w.fixed_str("eth0", 8).fixed_str("toolongname", 4);
        assert_eq!(w.as_slice(), b"eth0\0\0\0\0too\0");
        let mut r = Reader::new(w.as_slice());
        assert_eq!(r.fixed_str(8).unwrap(), "eth0");
        assert_eq!(r.fixed_str(4).unwrap(), "too");
    }

    #[test]
    fn failed_reads_consume_nothing() {
        let mut r = Reader::new(&[9, 8, 7]);
        assert_eq!(r.u32(), Err(Truncated { need: 4, have: 3 }));
        assert_eq!(r.offset(), 0);
        assert_eq!(r.uint(4), Err(Truncated { need: 4, have: 3 }));
        assert_eq!(r.peek_u16(2), Err(Truncated { need: 4, have: 3 }));
        assert_eq!(r.take_rest(), &[9, 8, 7]);
        assert!(r.is_empty());
        assert_eq!(r.take_rest(), &[] as &[u8]);
    }

    #[test]
    fn sub_reader_is_bounded_and_parent_skips_it() {
        let mut r = Reader::new(&[0, 1, 2, 3, 4, 5]);
        let mut child = r.sub(4).unwrap();
        assert_eq!(child.u16(), Ok(0x0001));
        assert!(child.u32().is_err());
        assert_eq!(r.offset(), 4);
        assert_eq!(r.rest(), &[4, 5]);
        assert_eq!(r.peek(1, 1), Ok(&[5][..]));
        assert!(r.sub(3).is_err());
    }

    #[test]
    fn uint_widths() {
        let mut w = Writer::new();
        w.uint(0x0011_2233_4455, 6)
            .uint(0xabcd, 1)
            .uint(u128::MAX, 16);
        w.uint(0x0102, 18);
        assert_eq!(&w.as_slice()[..7], &[0, 0x11, 0x22, 0x33, 0x44, 0x55, 0xcd]);
        assert_eq!(w.len(), 6 + 1 + 16 + 18);
        let mut r = Reader::new(w.as_slice());
        assert_eq!(r.uint(6), Ok(0x0011_2233_4455));
        assert_eq!(r.uint(1), Ok(0xcd));
        assert_eq!(r.uint(16), Ok(u128::MAX));
        assert_eq!(r.uint(18), Ok(0x0102));
        assert!(r.is_empty());
        assert_eq!(Reader::new(&[]).uint(0), Ok(0));
    }

    #[test]
    fn placeholders_padding_and_truncate() {
        let mut w = Writer::new();
        w.u8(1);
        let at = w.placeholder_u16();
        w.u64(2).pad_to(0, 8);
        assert_eq!(w.len(), 16);
        w.patch_u16(at, 0xbeef);
        w.patch_u16(usize::MAX, 1);
        w.patch_u16(15, 1);
        assert_eq!(&w.as_slice()[..3], &[1, 0xbe, 0xef]);
        w.truncate(3);
        assert_eq!(w.as_slice(), &[1, 0xbe, 0xef]);
        w.truncate(10);
        assert_eq!(w.clone().into_vec(), vec![1, 0xbe, 0xef]);
        assert_eq!(padding(13, 8), 3);
        assert_eq!(padding(16, 8), 0);
        assert_eq!(padding(5, 0), 0);
        assert_eq!(padding(5, 1), 0);
    }

    #[test]
    fn tlv_without_final_padding_and_truncated_body() {
        let mut r = Reader::new(&[0, 3, 0, 5, 0xee]);
        assert_eq!(
            r.tlv(8),
            Ok(Tlv {
                ty: 3,
                value: &[0xee]
            })
        );
        assert!(r.is_empty());
        let mut short = Reader::new(&[0, 3, 0, 9, 1]);
        assert_eq!(
            short.tlv(8),
            Err(TlvError::Truncated(Truncated { need: 9, have: 5 }))
        );
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        /// Runs every kind of read, in an order chosen by `ops`, over
        /// arbitrary bytes; none may panic and the cursor must never move
        /// past the end.
        fn exercise(buf: &[u8], ops: &[(u8, usize)]) {
            let mut r = Reader::new(buf);
            for &(op, n) in ops {
                let before = r.offset();
                let ok = match op % 14 {
                    0 => r.u8().is_ok(),
                    1 => r.u16().is_ok(),
                    2 => r.u32().is_ok(),
                    3 => r.u64().is_ok(),
                    4 => r.bytes(n).is_ok(),
                    5 => r.skip(n).is_ok(),
                    6 => r.uint(n).is_ok(),
                    7 => r.peek(n, n).is_ok(),
                    8 => r.peek_u16(n).is_ok(),
                    9 => r.fixed_str(n).is_ok(),
                    10 => r.tlv(n % 17).is_ok(),
                    11 => r.array::<3>().is_ok(),
                    12 => match r.sub(n) {
                        Ok(mut c) => {
                            let _ = c.tlv(8);
                            let _ = c.uint(6);
                            true
                        }
                        Err(_) => false,
                    },
                    _ => {
                        let _ = r.take_rest();
                        true
                    }
                };
                assert!(r.offset() <= buf.len());
                assert_eq!(r.offset() + r.remaining(), buf.len());
                if !ok {
                    assert_eq!(r.offset(), before, "a failed read consumed input");
                }
            }
        }

        proptest! {
            #[test]
            fn reads_never_panic(
                buf in proptest::collection::vec(any::<u8>(), 0..64),
                ops in proptest::collection::vec(
                    (any::<u8>(), prop_oneof![0usize..40, Just(usize::MAX), any::<usize>()]),
                    0..32,
                ),
            ) {
                exercise(&buf, &ops);
            }

            #[test]
            fn uint_roundtrips(v in any::<u128>(), n in 0usize..24) {
                let mut w = Writer::new();
                w.uint(v, n);
                prop_assert_eq!(w.len(), n);
                let keep = if n >= 16 { v } else { v & ((1u128 << (8 * n)) - 1) };
                prop_assert_eq!(Reader::new(w.as_slice()).uint(n), Ok(keep));
            }

            #[test]
            fn tlv_roundtrips(
                items in proptest::collection::vec(
                    (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..20)),
                    0..6,
                ),
                align in prop_oneof![Just(1usize), Just(4), Just(8)],
            ) {
                let mut w = Writer::new();
                for (ty, v) in &items {
                    w.tlv(*ty, align, |w| {
                        w.bytes(v);
                    });
                    prop_assert_eq!(w.len() % align, 0);
                }
                let mut r = Reader::new(w.as_slice());
                for (ty, v) in &items {
                    let t = r.tlv(align);
                    prop_assert_eq!(t, Ok(Tlv { ty: *ty, value: v.as_slice() }));
                }
                prop_assert!(r.is_empty());
            }
        }
    }
}
