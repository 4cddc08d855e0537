//! Internet checksum (RFC 1071), incremental updates (RFC 1624) and
//! pseudo-header sums for TCP/UDP/ICMPv6.
//!
//! # Model
//!
//! A *sum* here is the 16-bit one's-complement sum of a byte string read as
//! big-endian 16-bit words, already folded to 16 bits but **not**
//! complemented.  Sums of even-length segments can be combined with
//! [`add`]; an odd-length segment may only come last (its final byte is
//! padded with a zero low byte, as RFC 1071 specifies).  The value stored in
//! a header is `!sum` ([`finish`]); [`checksum`] does both at once.
//!
//! [`sum`] accumulates 32-bit native-endian words into a 64-bit register and
//! swaps once at the end, which is valid because the one's-complement sum is
//! byte-order independent (RFC 1071 §2(B)).  That makes it several times
//! faster than a word-at-a-time loop, which matters for software checksum
//! completion of large GSO frames.
//!
//! # Incremental update
//!
//! When a switch rewrites a field it must not recompute a checksum over the
//! whole segment.  [`update_u16`], [`update_u32`] and [`update_bytes`] apply
//! RFC 1624 equation 3, `HC' = ~(~HC + ~m + m')`, which is correct for every
//! input including the `0x0000`/`0xffff` corner cases of RFC 1141.  The
//! helpers [`update_ipv4_addr`], [`update_ipv6_addr`], [`update_ttl`] and
//! [`update_port`] name the common datapath rewrites.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Folds a wide accumulator into 16 bits with end-around carry.
#[inline]
pub const fn fold(mut acc: u64) -> u16 {
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// One's-complement sum of `data` (big-endian words, folded, not complemented).
#[inline]
pub fn sum(data: &[u8]) -> u16 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(16);
    for c in &mut chunks {
        let (a, rest) = c.split_at(4);
        let (b, rest) = rest.split_at(4);
        let (d, e) = rest.split_at(4);
        acc += u64::from(u32::from_ne_bytes(a.try_into().unwrap_or([0; 4])))
            + u64::from(u32::from_ne_bytes(b.try_into().unwrap_or([0; 4])))
            + u64::from(u32::from_ne_bytes(d.try_into().unwrap_or([0; 4])))
            + u64::from(u32::from_ne_bytes(e.try_into().unwrap_or([0; 4])));
    }
    let mut rest = chunks.remainder();
    while let Some((w, tail)) = rest.split_first_chunk::<4>() {
        acc += u64::from(u32::from_ne_bytes(*w));
        rest = tail;
    }
    if let Some((w, tail)) = rest.split_first_chunk::<2>() {
        acc += u64::from(u16::from_ne_bytes(*w));
        rest = tail;
    }
    if let Some(&b) = rest.first() {
        acc += u64::from(u16::from_ne_bytes([b, 0]));
    }
    // The accumulated value is in native byte order; convert to big-endian
    // numeric value (a no-op on big-endian hosts).
    u16::from_be(fold(acc))
}

/// One's-complement addition of two sums.
#[inline]
pub const fn add(a: u16, b: u16) -> u16 {
    let s = a as u32 + b as u32;
    ((s & 0xffff) + (s >> 16)) as u16
}

/// Turns a sum into the value stored in a checksum field.
#[inline]
pub const fn finish(sum: u16) -> u16 {
    !sum
}

/// The Internet checksum of `data`: `!sum(data)`.
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    !sum(data)
}

/// Sum of the IPv4 pseudo-header (RFC 793 / RFC 768).
#[inline]
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, length: u16) -> u16 {
    let s = u32::from(src);
    let d = u32::from(dst);
    let acc = u64::from(s >> 16)
        + u64::from(s & 0xffff)
        + u64::from(d >> 16)
        + u64::from(d & 0xffff)
        + u64::from(protocol)
        + u64::from(length);
    fold(acc)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 §8.1).
#[inline]
pub fn pseudo_header_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, length: u32) -> u16 {
    let mut acc: u64 = 0;
    for w in src.segments().iter().chain(dst.segments().iter()) {
        acc += u64::from(*w);
    }
    acc += u64::from(length >> 16) + u64::from(length & 0xffff) + u64::from(next_header);
    fold(acc)
}

/// Addresses of an IP pseudo-header, for layer-4 checksums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PseudoHeader {
    /// IPv4 source and destination.
    V4(Ipv4Addr, Ipv4Addr),
    /// IPv6 source and destination (final destination if routed).
    V6(Ipv6Addr, Ipv6Addr),
}

impl PseudoHeader {
    /// Pseudo-header sum for `protocol` and layer-4 `length`.
    #[inline]
    pub fn sum(&self, protocol: u8, length: usize) -> u16 {
        match self {
            PseudoHeader::V4(s, d) => pseudo_header_v4(*s, *d, protocol, length as u16),
            PseudoHeader::V6(s, d) => pseudo_header_v6(s, d, protocol, length as u32),
        }
    }

    /// Full layer-4 checksum of `segment` (with its checksum field zeroed).
    #[inline]
    pub fn checksum(&self, protocol: u8, segment: &[u8]) -> u16 {
        !add(self.sum(protocol, segment.len()), sum(segment))
    }

    /// True if `segment` (checksum field included) verifies.
    #[inline]
    pub fn verify(&self, protocol: u8, segment: &[u8]) -> bool {
        add(self.sum(protocol, segment.len()), sum(segment)) == 0xffff
    }
}

/// RFC 1624 eqn. 3: new checksum after a 16-bit word changes `old` -> `new`.
#[inline]
pub const fn update_u16(csum: u16, old: u16, new: u16) -> u16 {
    !add(add(!csum, !old), new)
}

/// New checksum after a 32-bit (word-aligned) value changes `old` -> `new`.
#[inline]
pub const fn update_u32(csum: u16, old: u32, new: u32) -> u16 {
    let c = update_u16(csum, (old >> 16) as u16, (new >> 16) as u16);
    update_u16(c, old as u16, new as u16)
}

/// New checksum after a word-aligned, even-length byte string changes.
///
/// `old` and `new` must have the same even length; a trailing odd byte of
/// either is treated as the high byte of a word padded with zero.
#[inline]
pub fn update_bytes(csum: u16, old: &[u8], new: &[u8]) -> u16 {
    !add(add(!csum, !sum(old)), sum(new))
}

/// New checksum after an IPv4 address in the covered data changes.
#[inline]
pub fn update_ipv4_addr(csum: u16, old: Ipv4Addr, new: Ipv4Addr) -> u16 {
    update_u32(csum, u32::from(old), u32::from(new))
}

/// New checksum after an IPv6 address in the covered data changes.
#[inline]
pub fn update_ipv6_addr(csum: u16, old: &Ipv6Addr, new: &Ipv6Addr) -> u16 {
    update_bytes(csum, &old.octets(), &new.octets())
}

/// New IPv4 header checksum after the TTL changes (TTL is the high byte of
/// its 16-bit word).
#[inline]
pub const fn update_ttl(csum: u16, old: u8, new: u8) -> u16 {
    update_u16(csum, (old as u16) << 8, (new as u16) << 8)
}

/// New checksum after a TCP/UDP/SCTP-style 16-bit port changes.
#[inline]
pub const fn update_port(csum: u16, old: u16, new: u16) -> u16 {
    update_u16(csum, old, new)
}

/// Adjusts a UDP checksum after an incremental update: a UDP checksum of 0
/// means "none" and must stay 0; a computed 0 is sent as `0xffff`.
#[inline]
pub const fn udp_update(csum: u16, updated: u16) -> u16 {
    if csum == 0 {
        0
    } else if updated == 0 {
        0xffff
    } else {
        updated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference implementation: word-at-a-time per RFC 1071.
    fn naive(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for c in data.chunks(2) {
            let w = if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], 0])
            };
            acc += u32::from(w);
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u16
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(sum(&d), 0xddf2);
        assert_eq!(checksum(&d), !0xddf2);
    }

    #[test]
    fn known_ipv4_header() {
        // A widely quoted example header; its checksum is 0xb861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&h), 0xb861);
        h[10] = 0xb8;
        h[11] = 0x61;
        assert_eq!(sum(&h), 0xffff);
    }

    #[test]
    fn fast_sum_matches_naive_for_all_lengths_and_alignments() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 13) as u8 ^ 0xa5).collect();
        for start in 0..4 {
            for end in start..data.len() {
                assert_eq!(
                    sum(&data[start..end]),
                    naive(&data[start..end]),
                    "{start}..{end}"
                );
            }
        }
        assert_eq!(sum(&[0xff; 1000]), naive(&[0xff; 1000]));
        assert_eq!(sum(&[]), 0);
    }

    #[test]
    fn incremental_matches_recompute() {
        let mut d: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37)).collect();
        d[10] = 0;
        d[11] = 0;
        let c0 = checksum(&d);
        let old = u32::from_be_bytes([d[12], d[13], d[14], d[15]]);
        let new = 0x0a00_0001u32;
        d[12..16].copy_from_slice(&new.to_be_bytes());
        assert_eq!(update_u32(c0, old, new), checksum(&d));
        let old6 = d[20..36].to_vec();
        d[20..36].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
        let c2 = update_bytes(
            checksum(&[&d[..20], &old6, &d[36..]].concat()),
            &old6,
            &d[20..36],
        );
        assert_eq!(c2, checksum(&d));
        // TTL update.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        let c = update_ttl(0xb861, 0x40, 0x3f);
        h[8] = 0x3f;
        h[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(sum(&h), 0xffff);
    }

    #[test]
    fn rfc1624_corner_case() {
        // RFC 1624 §3 example: HC=0xdd2f, m=0x5555 -> m'=0x3285 gives 0x0000.
        assert_eq!(update_u16(0xdd2f, 0x5555, 0x3285), 0x0000);
    }

    #[test]
    fn pseudo_headers() {
        let s = Ipv4Addr::new(192, 168, 0, 1);
        let d = Ipv4Addr::new(192, 168, 0, 199);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&s.octets());
        bytes.extend_from_slice(&d.octets());
        bytes.extend_from_slice(&[0, 17, 0, 20]);
        assert_eq!(pseudo_header_v4(s, d, 17, 20), naive(&bytes));
        let s6: Ipv6Addr = "fe80::1".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        let d6: Ipv6Addr = "ff02::1:ff00:2".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        let mut b6 = Vec::new();
        b6.extend_from_slice(&s6.octets());
        b6.extend_from_slice(&d6.octets());
        b6.extend_from_slice(&[0, 1, 0, 32, 0, 0, 0, 58]);
        assert_eq!(pseudo_header_v6(&s6, &d6, 58, 0x10020), naive(&b6));
    }
}
