//! Ethernet address helpers for the learning switch.
//!
//! MAC addresses are carried as the low 48 bits of a `u64`, exactly as [`flow::Flow`] stores
//! `dl_src`/`dl_dst`, so a flow's fields can be used without conversion. This module answers
//! the few questions NORMAL asks about an address: is it multicast or broadcast (never
//! learned, always flooded), is it one of the reserved control-protocol destinations that a
//! bridge must not forward unless `other_config:forward-bpdu=true`, and how is it printed
//! (`xx:xx:xx:xx:xx:xx`, lower case, as `fdb/show` prints it).

/// The all-ones broadcast address.
pub const BROADCAST: u64 = 0xffff_ffff_ffff;

/// True for group addresses (the I/G bit, the lowest bit of the first octet).
pub fn is_multicast(mac: u64) -> bool {
    (mac >> 40) & 1 != 0
}

/// True for `ff:ff:ff:ff:ff:ff`.
pub fn is_broadcast(mac: u64) -> bool {
    mac & BROADCAST == BROADCAST
}

/// True for destinations that carry bridge control protocols and that a bridge drops unless
/// BPDU forwarding is enabled: `01:80:c2:00:00:0x` (STP, pause, other 802.1 protocols),
/// Extreme's EDP/EAPS (`00:e0:2b:00:00:{00,04,06}`), Cisco's ISL/CDP/VTP/DTP/PAgP
/// (`01:00:0c:cc:cc:cc`), PVST+ (`..:cd`), STP Uplink Fast (`01:00:0c:cd:cd:cd`), ISL
/// (`01:00:0c:00:00:00`) and Cisco CFM (`01:00:0c:cc:cc:c0`..`c7`).
pub fn is_reserved(mac: u64) -> bool {
    let mac = mac & BROADCAST;
    if mac & !0xf == 0x0180_c200_0000 {
        return true;
    }
    if mac & !0x7 == 0x0100_0ccc_ccc0 {
        return true;
    }
    matches!(
        mac,
        0x00e0_2b00_0000
            | 0x00e0_2b00_0004
            | 0x00e0_2b00_0006
            | 0x0100_0ccc_cccc
            | 0x0100_0ccc_cccd
            | 0x0100_0ccd_cdcd
            | 0x0100_0c00_0000
    )
}

/// Formats a MAC as `xx:xx:xx:xx:xx:xx`.
pub fn format_mac(mac: u64) -> String {
    let b = |i: u32| (mac >> (40 - 8 * i)) & 0xff;
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        b(0),
        b(1),
        b(2),
        b(3),
        b(4),
        b(5)
    )
}

/// Parses `xx:xx:xx:xx:xx:xx` (hex digits, either case); `None` if malformed.
pub fn parse_mac(s: &str) -> Option<u64> {
    let mut out = 0u64;
    let mut n = 0;
    for part in s.split(':') {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        out = (out << 8) | u64::from(u8::from_str_radix(part, 16).ok()?);
        n += 1;
    }
    (n == 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_and_print() {
        let m = parse_mac("01:80:C2:00:00:0e").unwrap_or(0);
        assert!(is_reserved(m) && is_multicast(m) && !is_broadcast(m));
        assert!(!is_reserved(0x0180_c200_0010));
        assert!(is_reserved(0x0100_0ccc_ccc7) && !is_reserved(0x0100_0ccc_ccc8));
        assert!(is_broadcast(BROADCAST));
        assert!(!is_multicast(0x0000_0000_0001));
        assert_eq!(format_mac(0x0a0b_0c0d_0e0f), "0a:0b:0c:0d:0e:0f");
        assert_eq!(parse_mac("1:2:3:4:5"), None);
        assert_eq!(parse_mac("1:2:3:4:5:zz"), None);
        assert_eq!(parse_mac("1:2:3:4:5:6"), Some(0x0102_0304_0506));
    }
}
