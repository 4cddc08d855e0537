//! The hashes that map flows to bond members.
//!
//! Open vSwitch splits a bond's traffic into 256 hash buckets and assigns each bucket to a
//! member. The bucket of a flow is the low 8 bits of a 32-bit hash:
//! - balance-slb (and `bond/hash`): a hash of the source MAC and the VLAN with the bond's
//!   `bond-hash-basis`. The value matches Open vSwitch's (checked against `bond/hash` of
//!   Debian's ovs-vswitchd in the tests): the MAC (low 48 bits) and VLAN (bits 48..63) form a
//!   64-bit word, hashed as two 32-bit words with a Murmur3-style mix seeded by the basis.
//! - balance-tcp: a hash of the L2-L4 fields ([`TcpHashFields`]) with the same mixing
//!   primitives. Open vSwitch computes that hash in the datapath (`dp_hash`), so these values
//!   are ferroswitch's own; only their spread matters.

/// Number of hash buckets.
pub const BUCKETS: usize = 256;
/// Mask of a bucket number.
pub const BUCKET_MASK: u32 = 0xff;

fn mix_add_raw(hash: u32, data: u32) -> u32 {
    let d = data
        .wrapping_mul(0xcc9e_2d51)
        .rotate_left(15)
        .wrapping_mul(0x1b87_3593);
    hash ^ d
}

fn mix_add(hash: u32, data: u32) -> u32 {
    mix_add_raw(hash, data)
        .rotate_left(13)
        .wrapping_mul(5)
        .wrapping_add(0xe654_6b64)
}

fn mix_finish(hash: u32, len: u32) -> u32 {
    let mut h = hash ^ len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The 64-bit word of a MAC (given as its 48-bit value) and a VLAN ID.
fn mac_vlan_word(mac: u64, vlan: u16) -> u64 {
    (u64::from(vlan) << 48) | (mac & 0xffff_ffff_ffff)
}

/// Open vSwitch's hash of a MAC address (48-bit value) and VLAN with `basis`.
pub fn hash_mac(mac: u64, vlan: u16, basis: u32) -> u32 {
    let w = mac_vlan_word(mac, vlan);
    let h = mix_add(mix_add(basis, w as u32), (w >> 32) as u32);
    mix_finish(h, 8)
}

/// The L2-L4 fields balance-tcp hashes. IPv4 addresses go in the last 4 bytes of the
/// 16-byte address fields (IPv4-mapped form is fine too; only consistency matters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TcpHashFields {
    /// Source MAC (48-bit value).
    pub dl_src: u64,
    /// Destination MAC (48-bit value).
    pub dl_dst: u64,
    /// VLAN ID (0 if untagged).
    pub vlan: u16,
    /// EtherType.
    pub dl_type: u16,
    /// IP source address.
    pub nw_src: [u8; 16],
    /// IP destination address.
    pub nw_dst: [u8; 16],
    /// IP protocol.
    pub nw_proto: u8,
    /// L4 source port.
    pub tp_src: u16,
    /// L4 destination port.
    pub tp_dst: u16,
}

/// The balance-tcp hash of `f` with `basis`. Non-IP traffic hashes its L2 fields only.
pub fn hash_tcp(f: &TcpHashFields, basis: u32) -> u32 {
    let is_ip = f.dl_type == 0x0800 || f.dl_type == 0x86dd;
    if !is_ip {
        let mut h = basis;
        let src = mac_vlan_word(f.dl_src, f.vlan);
        let dst = mac_vlan_word(f.dl_dst, 0);
        for w in [
            src as u32,
            (src >> 32) as u32,
            dst as u32,
            (dst >> 32) as u32,
        ] {
            h = mix_add(h, w);
        }
        h = mix_add(h, u32::from(f.dl_type));
        return mix_finish(h, 20);
    }
    let mut h = basis;
    for addr in [f.nw_src, f.nw_dst] {
        for chunk in addr.chunks_exact(4) {
            let mut w = [0u8; 4];
            w.copy_from_slice(chunk);
            h = mix_add(h, u32::from_be_bytes(w));
        }
    }
    h = mix_add(h, (u32::from(f.tp_src) << 16) | u32::from(f.tp_dst));
    h = mix_add(h, u32::from(f.nw_proto));
    mix_finish(h, 40)
}

/// Parses a MAC address `xx:xx:xx:xx:xx:xx` into its 48-bit value.
pub fn parse_mac(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut v = 0u64;
    for p in parts {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        v = (v << 8) | u64::from(u8::from_str_radix(p, 16).ok()?);
    }
    Some(v)
}
