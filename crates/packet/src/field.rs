//! Panic-free byte accessors shared by every header view.
//!
//! Header views in this crate (`ethernet::Frame`, `ipv4::Packet`, ...) read
//! and write fields at fixed offsets.  After `new_checked` every such offset
//! is known to be in range, but the views can also be built with
//! `new_unchecked`, and the crate promises that *no* accessor panics on any
//! input.  These helpers therefore use checked slicing: a read past the end
//! of the buffer yields zero and a write past the end is ignored.  The
//! compiler turns the checks into the same single bounds comparison that
//! ordinary indexing would perform, so the cost is nil on the fast path.

/// Reads the byte at `i`, or 0 when out of range.
#[inline(always)]
pub(crate) fn get_u8(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Reads a big-endian `u16` at `i`, or 0 when out of range.
#[inline(always)]
pub(crate) fn get_u16(b: &[u8], i: usize) -> u16 {
    match b.get(i..).and_then(|s| s.first_chunk::<2>()) {
        Some(c) => u16::from_be_bytes(*c),
        None => 0,
    }
}

/// Reads a big-endian `u32` at `i`, or 0 when out of range.
#[inline(always)]
pub(crate) fn get_u32(b: &[u8], i: usize) -> u32 {
    match b.get(i..).and_then(|s| s.first_chunk::<4>()) {
        Some(c) => u32::from_be_bytes(*c),
        None => 0,
    }
}

/// Reads `N` bytes at `i`, or all-zero when out of range.
#[inline(always)]
pub(crate) fn get_array<const N: usize>(b: &[u8], i: usize) -> [u8; N] {
    match b.get(i..).and_then(|s| s.first_chunk::<N>()) {
        Some(c) => *c,
        None => [0; N],
    }
}

/// Writes the byte at `i`; ignored when out of range.
#[inline(always)]
pub(crate) fn set_u8(b: &mut [u8], i: usize, v: u8) {
    if let Some(x) = b.get_mut(i) {
        *x = v;
    }
}

/// Writes a big-endian `u16` at `i`; ignored when out of range.
#[inline(always)]
pub(crate) fn set_u16(b: &mut [u8], i: usize, v: u16) {
    set_array(b, i, v.to_be_bytes());
}

/// Writes a big-endian `u32` at `i`; ignored when out of range.
#[inline(always)]
pub(crate) fn set_u32(b: &mut [u8], i: usize, v: u32) {
    set_array(b, i, v.to_be_bytes());
}

/// Writes `N` bytes at `i`; ignored when out of range.
#[inline(always)]
pub(crate) fn set_array<const N: usize>(b: &mut [u8], i: usize, v: [u8; N]) {
    if let Some(c) = b.get_mut(i..).and_then(|s| s.first_chunk_mut::<N>()) {
        *c = v;
    }
}

/// Copies `src` into `b` at `i` if it fits entirely; ignored otherwise.
#[inline]
pub(crate) fn set_slice(b: &mut [u8], i: usize, src: &[u8]) {
    if let Some(d) = b.get_mut(i..).and_then(|s| s.get_mut(..src.len())) {
        d.copy_from_slice(src);
    }
}

/// `&b[start..end]`, clamped to the buffer (never panics).
#[inline(always)]
pub(crate) fn sub(b: &[u8], start: usize, end: usize) -> &[u8] {
    let end = end.min(b.len());
    b.get(start..end).unwrap_or(&[])
}

/// `&mut b[start..end]`, clamped to the buffer (never panics).
#[inline(always)]
pub(crate) fn sub_mut(b: &mut [u8], start: usize, end: usize) -> &mut [u8] {
    let end = end.min(b.len());
    match b.get_mut(start..end) {
        Some(s) => s,
        None => &mut [],
    }
}

/// Declares a protocol-number enum that keeps values it does not know.
///
/// Equality, ordering and hashing go through the raw value, so
/// `Unknown(0x0800) == Ipv4` holds for `EtherType`; construct values with
/// `From<raw>` to get the canonical variant.
macro_rules! enum_with_unknown {
    (
        $(#[$meta:meta])*
        pub enum $name:ident($ty:ty) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:expr ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate has no name for, kept verbatim.
            Unknown($ty),
        }

        impl $name {
            /// The raw on-the-wire value.
            #[inline]
            pub const fn value(self) -> $ty {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(v) => v,
                }
            }
        }

        impl ::core::convert::From<$ty> for $name {
            #[inline]
            fn from(value: $ty) -> Self {
                match value {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other),
                }
            }
        }

        impl ::core::convert::From<$name> for $ty {
            #[inline]
            fn from(value: $name) -> Self {
                value.value()
            }
        }

        impl ::core::cmp::PartialEq for $name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.value() == other.value()
            }
        }
        impl ::core::cmp::Eq for $name {}
        impl ::core::hash::Hash for $name {
            fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                self.value().hash(state)
            }
        }
        impl ::core::cmp::PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<::core::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl ::core::cmp::Ord for $name {
            fn cmp(&self, other: &Self) -> ::core::cmp::Ordering {
                self.value().cmp(&other.value())
            }
        }
    };
}
pub(crate) use enum_with_unknown;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_reads_are_zero_and_writes_ignored() {
        let mut b = [1u8, 2, 3];
        assert_eq!(get_u16(&b, 1), 0x0203);
        assert_eq!(get_u16(&b, 2), 0);
        assert_eq!(get_u32(&b, usize::MAX), 0);
        assert_eq!(get_u8(&b, 3), 0);
        set_u32(&mut b, 1, 0xdead_beef);
        set_u16(&mut b, usize::MAX, 7);
        assert_eq!(b, [1, 2, 3]);
        assert_eq!(sub(&b, 2, 10), &[3]);
        assert_eq!(sub(&b, 5, 1), &[] as &[u8]);
    }
}
