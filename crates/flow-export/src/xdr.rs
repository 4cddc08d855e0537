//! Minimal big-endian (XDR-style) writers shared by the sFlow and NetFlow encoders.
//!
//! sFlow v5 is specified in XDR: every field is a multiple of four bytes,
//! integers are big-endian and opaque data is padded with zero bytes to the
//! next four-byte boundary. NetFlow v5 is plain big-endian with packed
//! fields. These helpers append to a `Vec<u8>` and never fail; length checks
//! live with the callers, which know the limits of their formats.

/// Appends a big-endian `u8`.
pub(crate) fn put_u8(buf: &mut Vec<u8>, v: u8) {
    buf.push(v);
}

/// Appends a big-endian `u16`.
pub(crate) fn put_u16(buf: &mut Vec<u8>, v: u16) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian `u32`.
pub(crate) fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian `u64`.
pub(crate) fn put_u64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends `data` followed by zero padding up to a multiple of four bytes.
pub(crate) fn put_opaque_padded(buf: &mut Vec<u8>, data: &[u8]) {
    buf.extend_from_slice(data);
    buf.resize(buf.len() + pad4(data.len()), 0);
}

/// Number of zero bytes needed after `len` bytes to reach a four-byte boundary.
pub(crate) fn pad4(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// Writes `v` big-endian at `offset`, which the caller reserved earlier.
/// Does nothing when the slot is out of range (callers always reserve it).
pub(crate) fn patch_u32(buf: &mut [u8], offset: usize, v: u32) {
    if let Some(slot) = buf.get_mut(offset..offset.saturating_add(4)) {
        slot.copy_from_slice(&v.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_rounds_up_to_four() {
        let mut b = Vec::new();
        put_opaque_padded(&mut b, &[1, 2, 3, 4, 5]);
        assert_eq!(b, [1, 2, 3, 4, 5, 0, 0, 0]);
        assert_eq!(pad4(0), 0);
        assert_eq!(pad4(4), 0);
        assert_eq!(pad4(7), 1);
    }

    #[test]
    fn integers_are_big_endian() {
        let mut b = Vec::new();
        put_u8(&mut b, 1);
        put_u16(&mut b, 0x0203);
        put_u32(&mut b, 0x0405_0607);
        put_u64(&mut b, 0x0809_0a0b_0c0d_0e0f);
        assert_eq!(b, (1u8..=15).collect::<Vec<_>>());
        patch_u32(&mut b, 0, 0xaabb_ccdd);
        assert_eq!(&b[..4], &[0xaa, 0xbb, 0xcc, 0xdd]);
        patch_u32(&mut b, 100, 1); // out of range: ignored
    }
}
