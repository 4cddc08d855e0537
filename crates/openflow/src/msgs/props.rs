//! Strict reading of 8-byte-aligned OpenFlow properties, as Open vSwitch's
//! property puller checks them.
//!
//! A property is `type:16 length:16 value`, where `length` counts the
//! 4-byte header, followed by zero padding to a multiple of 8.  Unlike
//! [`octets::Reader::tlv`], the padding must be present even after the
//! last property: OVS rejects a property whose padded length runs past the
//! end of its container with `OFPBPC_BAD_LEN`, as it does a length below 4.
//! Experimenter properties (type `0xffff`) must also hold their 4-byte
//! experimenter id and 4-byte experimenter type.

use super::BodyError;
use crate::OfpErr;
use octets::{Reader, Writer};

/// Experimenter property type.
pub const EXPERIMENTER: u16 = 0xffff;

/// Reads one property: its type and value (padding excluded).
pub(crate) fn pull<'a>(r: &mut Reader<'a>, what: &str) -> Result<(u16, &'a [u8]), BodyError> {
    let bad = |msg: String| BodyError::invalid(OfpErr::OFPBPC_BAD_LEN, msg);
    let (Ok(ty), Ok(len)) = (r.peek_u16(0), r.peek_u16(2)) else {
        return Err(bad(format!("{what}: truncated property header")));
    };
    let len = usize::from(len);
    let padded = len.div_ceil(8) * 8;
    if len < 4 || padded > r.remaining() || (ty == EXPERIMENTER && len < 12) {
        return Err(bad(format!(
            "{what}: property {ty:#x} has bad length {len}"
        )));
    }
    let whole = r
        .bytes(padded)
        .map_err(|_| bad(format!("{what}: truncated property")))?;
    Ok((ty, whole.get(4..len).unwrap_or(&[])))
}

/// Writes one property with its padding.
pub(crate) fn put(w: &mut Writer, ty: u16, value: &[u8]) {
    w.tlv(ty, 8, |w| {
        w.bytes(value);
    });
}

/// The value of a property that must be exactly `n` bytes long.
pub(crate) fn exact<'a>(v: &'a [u8], n: usize, what: &str) -> Result<&'a [u8], BodyError> {
    if v.len() == n {
        Ok(v)
    } else {
        Err(BodyError::invalid(
            OfpErr::OFPBPC_BAD_LEN,
            format!("{what}: property value is {} bytes, not {n}", v.len()),
        ))
    }
}

/// A `u8` property value.
pub(crate) fn u8_of(v: &[u8], what: &str) -> Result<u8, BodyError> {
    Ok(exact(v, 1, what)?.first().copied().unwrap_or(0))
}

/// A `u32` property value.
pub(crate) fn u32_of(v: &[u8], what: &str) -> Result<u32, BodyError> {
    let b = exact(v, 4, what)?;
    Ok(b.iter().fold(0u32, |a, &x| (a << 8) | u32::from(x)))
}

/// A 64-bit property value: 4 bytes of padding, then the value (the
/// padding keeps the value 8-byte aligned).
pub(crate) fn u64_of(v: &[u8], what: &str) -> Result<u64, BodyError> {
    let b = exact(v, 12, what)?;
    Ok(b.get(4..)
        .unwrap_or(&[])
        .iter()
        .fold(0u64, |a, &x| (a << 8) | u64::from(x)))
}

/// Writes a 64-bit property (4 bytes of padding before the value).
pub(crate) fn put_u64(w: &mut Writer, ty: u16, x: u64) {
    w.tlv(ty, 8, |w| {
        w.zeros(4).u64(x);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_padding_and_lengths() {
        let mut r = Reader::new(&[0, 2, 0, 8, 0, 0, 0, 7]);
        assert_eq!(pull(&mut r, "t").unwrap(), (2, &[0u8, 0, 0, 7][..]));
        // Padding missing at the end.
        let mut r = Reader::new(&[0, 2, 0, 5, 1]);
        assert!(pull(&mut r, "t").is_err());
        // Length below the header.
        let mut r = Reader::new(&[0, 2, 0, 3, 0, 0, 0, 0]);
        assert!(pull(&mut r, "t").is_err());
        // Experimenter without its id and type.
        let mut r = Reader::new(&[0xff, 0xff, 0, 8, 0, 0, 0, 0]);
        assert!(pull(&mut r, "t").is_err());
        assert_eq!(u64_of(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2], "t"), Ok(258));
        assert!(u32_of(&[1, 2], "t").is_err());
    }
}
