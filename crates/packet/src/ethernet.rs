//! Ethernet II frames, 802.3 length frames with LLC/SNAP, and MAC addresses.
//!
//! [`Frame`] is a zero-copy view of the 14-byte header (destination,
//! source, type-or-length).  The type field is only an EtherType when it is
//! at least [`ETH_TYPE_MIN`] (0x0600); smaller values are an 802.3 length
//! followed by an LLC header.  Open vSwitch maps such frames to the
//! pseudo-EtherType 0x05ff ([`EtherType::NoType`]) unless the LLC header is
//! SNAP with OUI 00-00-00 and a real EtherType, in which case the SNAP
//! EtherType is used and the 8-byte LLC/SNAP header is skipped.
//! [`resolve_ethertype`] implements exactly that rule; it is what the
//! layer walker in `crate::layers` uses after any VLAN tags.

use core::fmt;
use core::str::FromStr;

use crate::error::{need, room, Error, Result};
use crate::field::{enum_with_unknown, get_array, get_u16, set_array, set_u16, sub, sub_mut};

enum_with_unknown! {
    /// An EtherType (or the OVS "no type" value 0x05ff).
    pub enum EtherType(u16) {
        /// 802.3 frame without a SNAP EtherType (OVS `FLOW_DL_TYPE_NONE`).
        NoType = 0x05ff,
        /// IPv4.
        Ipv4 = 0x0800,
        /// ARP.
        Arp = 0x0806,
        /// Transparent Ethernet bridging (Ethernet inside GRE/Geneve).
        TransparentEthernet = 0x6558,
        /// Reverse ARP.
        Rarp = 0x8035,
        /// 802.1Q customer VLAN tag (C-tag).
        Vlan = 0x8100,
        /// IPv6.
        Ipv6 = 0x86dd,
        /// MPLS unicast.
        MplsUnicast = 0x8847,
        /// MPLS multicast.
        MplsMulticast = 0x8848,
        /// 802.1ad service VLAN tag (S-tag, QinQ).
        QinQ = 0x88a8,
        /// LLDP.
        Lldp = 0x88cc,
        /// Network Service Header.
        Nsh = 0x894f,
    }
}

impl EtherType {
    /// True for the VLAN TPIDs Open vSwitch recognises (0x8100, 0x88a8).
    #[inline]
    pub fn is_vlan(self) -> bool {
        matches!(self.value(), 0x8100 | 0x88a8)
    }

    /// True for the two MPLS EtherTypes.
    #[inline]
    pub fn is_mpls(self) -> bool {
        matches!(self.value(), 0x8847 | 0x8848)
    }
}

impl fmt::Display for EtherType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:04x}", self.value())
    }
}

/// Smallest type/length value that is an EtherType rather than a length.
pub const ETH_TYPE_MIN: u16 = 0x0600;

/// A 48-bit IEEE 802 MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EthernetAddress(pub [u8; 6]);

impl EthernetAddress {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: EthernetAddress = EthernetAddress([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const ZERO: EthernetAddress = EthernetAddress([0; 6]);

    /// The six octets.
    #[inline]
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// True for the broadcast address.
    #[inline]
    pub fn is_broadcast(&self) -> bool {
        self.0 == [0xff; 6]
    }

    /// True if the group (multicast) bit is set; includes broadcast.
    #[inline]
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 1 != 0
    }

    /// True if neither multicast nor broadcast.
    #[inline]
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast()
    }

    /// True if the locally-administered bit is set.
    #[inline]
    pub const fn is_local(&self) -> bool {
        self.0[0] & 2 != 0
    }

    /// True for all-zero.
    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }

    /// The address as a 48-bit integer (first octet most significant).
    #[inline]
    pub fn to_u64(&self) -> u64 {
        let o = self.0;
        u64::from_be_bytes([0, 0, o[0], o[1], o[2], o[3], o[4], o[5]])
    }

    /// The address from the low 48 bits of `v`.
    #[inline]
    pub fn from_u64(v: u64) -> Self {
        let b = v.to_be_bytes();
        EthernetAddress([b[2], b[3], b[4], b[5], b[6], b[7]])
    }
}

impl From<[u8; 6]> for EthernetAddress {
    fn from(o: [u8; 6]) -> Self {
        EthernetAddress(o)
    }
}

impl fmt::Display for EthernetAddress {
    /// Formats as `xx:xx:xx:xx:xx:xx`, the notation Open vSwitch prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

/// Error parsing a textual MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Ethernet address \"{0}\"")]
pub struct ParseEthernetAddressError(pub String);

impl FromStr for EthernetAddress {
    type Err = ParseEthernetAddressError;

    /// Parses six colon-separated groups of one or two hex digits.
    fn from_str(s: &str) -> core::result::Result<Self, Self::Err> {
        let err = || ParseEthernetAddressError(s.to_string());
        let mut out = [0u8; 6];
        let mut n = 0;
        for part in s.split(':') {
            let slot = out.get_mut(n).ok_or_else(err)?;
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(err());
            }
            *slot = u8::from_str_radix(part, 16).map_err(|_| err())?;
            n += 1;
        }
        if n != 6 {
            return Err(err());
        }
        Ok(EthernetAddress(out))
    }
}

mod field {
    pub const DST: usize = 0;
    pub const SRC: usize = 6;
    pub const TYPE: usize = 12;
}

/// Length of an Ethernet II header.
pub const HEADER_LEN: usize = 14;

/// A zero-copy view of an Ethernet II / 802.3 header.
#[derive(Debug, Clone)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wraps `buffer` without checking its length.  Accessors never panic;
    /// fields beyond the end read as zero.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Frame { buffer }
    }

    /// Wraps `buffer`, checking it holds a full header.
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let f = Self::new_unchecked(buffer);
        f.check_len()?;
        Ok(f)
    }

    /// Checks that the buffer holds a full header.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        need("Ethernet", HEADER_LEN, self.buffer.as_ref().len())
    }

    /// Returns the wrapped buffer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Destination MAC.
    #[inline]
    pub fn dst_addr(&self) -> EthernetAddress {
        EthernetAddress(get_array(self.buffer.as_ref(), field::DST))
    }

    /// Source MAC.
    #[inline]
    pub fn src_addr(&self) -> EthernetAddress {
        EthernetAddress(get_array(self.buffer.as_ref(), field::SRC))
    }

    /// The raw type/length field (an 802.3 length when < 0x0600).
    #[inline]
    pub fn type_or_len(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::TYPE)
    }

    /// The type field as an [`EtherType`], without LLC/SNAP or VLAN
    /// interpretation (see [`resolve_ethertype`]).
    #[inline]
    pub fn ethertype(&self) -> EtherType {
        EtherType::from(self.type_or_len())
    }

    /// Bytes after the 14-byte header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Frame<T> {
    /// Sets the destination MAC.
    #[inline]
    pub fn set_dst_addr(&mut self, a: EthernetAddress) {
        set_array(self.buffer.as_mut(), field::DST, a.0)
    }

    /// Sets the source MAC.
    #[inline]
    pub fn set_src_addr(&mut self, a: EthernetAddress) {
        set_array(self.buffer.as_mut(), field::SRC, a.0)
    }

    /// Sets the type/length field.
    #[inline]
    pub fn set_ethertype(&mut self, t: EtherType) {
        set_u16(self.buffer.as_mut(), field::TYPE, t.value())
    }

    /// Mutable bytes after the header.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        let n = b.len();
        sub_mut(b, HEADER_LEN, n)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Frame<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// High-level Ethernet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source MAC.
    pub src_addr: EthernetAddress,
    /// Destination MAC.
    pub dst_addr: EthernetAddress,
    /// The type/length field as written (no LLC/VLAN interpretation).
    pub ethertype: EtherType,
}

impl Repr {
    /// Parses the header of `frame`.
    pub fn parse<T: AsRef<[u8]>>(frame: &Frame<T>) -> Result<Repr> {
        frame.check_len()?;
        Ok(Repr {
            src_addr: frame.src_addr(),
            dst_addr: frame.dst_addr(),
            ethertype: frame.ethertype(),
        })
    }

    /// Header length this repr emits (always 14).
    #[inline]
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header into `frame`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, frame: &mut Frame<T>) -> Result<()> {
        room("Ethernet", HEADER_LEN, frame.buffer.as_ref().len())?;
        frame.set_dst_addr(self.dst_addr);
        frame.set_src_addr(self.src_addr);
        frame.set_ethertype(self.ethertype);
        Ok(())
    }
}

/// LLC DSAP/SSAP value announcing a SNAP header.
pub const LLC_SAP_SNAP: u8 = 0xaa;
/// LLC control value (unnumbered information) used with SNAP.
pub const LLC_CNTL_SNAP: u8 = 0x03;
/// Length of an LLC header followed by a SNAP header.
pub const LLC_SNAP_LEN: usize = 8;

/// A parsed 802.2 LLC header, with its SNAP extension when present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LlcSnap {
    /// Destination service access point.
    pub dsap: u8,
    /// Source service access point.
    pub ssap: u8,
    /// Control byte.
    pub control: u8,
    /// SNAP OUI and protocol id, when DSAP/SSAP/control announce SNAP and
    /// the buffer holds them.
    pub snap: Option<([u8; 3], u16)>,
}

impl LlcSnap {
    /// Parses an LLC (and SNAP) header from the bytes after an 802.3 length.
    pub fn parse(b: &[u8]) -> Result<LlcSnap> {
        need("LLC", 3, b.len())?;
        let (dsap, ssap, control) = (b[0], b[1], b[2]);
        let snap = if dsap == LLC_SAP_SNAP && ssap == LLC_SAP_SNAP && control == LLC_CNTL_SNAP {
            need("SNAP", LLC_SNAP_LEN, b.len())?;
            Some((get_array(b, 3), get_u16(b, 6)))
        } else {
            None
        };
        Ok(LlcSnap {
            dsap,
            ssap,
            control,
            snap,
        })
    }
}

/// Maps a type/length field and the bytes after it to the EtherType that
/// Open vSwitch uses as `dl_type`, returning it together with the number
/// of bytes of `after` that belong to the LLC/SNAP header.
///
/// * `type_or_len >= 0x0600`: that EtherType, 0 bytes consumed.
/// * an LLC/SNAP header with OUI 00-00-00 and a SNAP type `>= 0x0600`:
///   the SNAP type, 8 bytes consumed.
/// * LLC/SNAP with OUI 0 but a SNAP type below 0x0600: [`EtherType::NoType`],
///   8 bytes consumed.
/// * anything else (plain LLC, other OUI, truncated): `NoType`, 0 consumed.
#[inline]
pub fn resolve_ethertype(type_or_len: u16, after: &[u8]) -> (EtherType, usize) {
    if type_or_len >= ETH_TYPE_MIN {
        return (EtherType::from(type_or_len), 0);
    }
    match after.first_chunk::<LLC_SNAP_LEN>() {
        Some([LLC_SAP_SNAP, LLC_SAP_SNAP, LLC_CNTL_SNAP, 0, 0, 0, hi, lo]) => {
            let t = u16::from_be_bytes([*hi, *lo]);
            if t >= ETH_TYPE_MIN {
                (EtherType::from(t), LLC_SNAP_LEN)
            } else {
                (EtherType::NoType, LLC_SNAP_LEN)
            }
        }
        _ => (EtherType::NoType, 0),
    }
}

/// Emits an 802.3 header with LLC/SNAP encapsulating `ethertype`; the
/// length field is set from `payload_len` (bytes after the SNAP header).
pub fn emit_llc_snap(
    buf: &mut [u8],
    repr: &Repr,
    ethertype: EtherType,
    payload_len: usize,
) -> Result<()> {
    room("LLC/SNAP", HEADER_LEN + LLC_SNAP_LEN, buf.len())?;
    let len = LLC_SNAP_LEN + payload_len;
    if len >= usize::from(ETH_TYPE_MIN) {
        return Err(Error::Malformed {
            layer: "802.3",
            reason: "payload too long for an 802.3 length field",
        });
    }
    let mut f = Frame::new_unchecked(&mut *buf);
    f.set_dst_addr(repr.dst_addr);
    f.set_src_addr(repr.src_addr);
    set_u16(buf, 12, len as u16);
    set_array(
        buf,
        14,
        [LLC_SAP_SNAP, LLC_SAP_SNAP, LLC_CNTL_SNAP, 0, 0, 0],
    );
    set_u16(buf, 20, ethertype.value());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: [u8; 18] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x08, 0x00, 0xaa,
        0xbb, 0xcc, 0xdd,
    ];

    #[test]
    fn view_and_repr() {
        let f = Frame::new_checked(&FRAME[..]).unwrap();
        assert_eq!(f.dst_addr().to_string(), "01:02:03:04:05:06");
        assert_eq!(
            f.src_addr(),
            EthernetAddress([0x11, 0x12, 0x13, 0x14, 0x15, 0x16])
        );
        assert_eq!(f.ethertype(), EtherType::Ipv4);
        assert_eq!(f.payload(), &[0xaa, 0xbb, 0xcc, 0xdd]);
        let r = Repr::parse(&f).unwrap();
        let mut out = [0u8; 14];
        r.emit(&mut Frame::new_unchecked(&mut out[..])).unwrap();
        assert_eq!(&out[..], &FRAME[..14]);
        assert!(Frame::new_checked(&FRAME[..13]).is_err());
        assert!(r.emit(&mut Frame::new_unchecked(&mut out[..10])).is_err());
    }

    #[test]
    fn unknown_ethertype_is_kept() {
        assert_eq!(EtherType::from(0x1234), EtherType::Unknown(0x1234));
        assert_eq!(u16::from(EtherType::Unknown(0x1234)), 0x1234);
        assert_eq!(EtherType::Unknown(0x0800), EtherType::Ipv4);
        assert!(EtherType::from(0x88a8).is_vlan());
    }

    #[test]
    fn mac_parse_and_flags() {
        let m: EthernetAddress = "ff:ff:ff:ff:ff:ff".parse().unwrap();
        assert!(m.is_broadcast() && m.is_multicast());
        let m: EthernetAddress = "0:1:a:BC:de:f".parse().unwrap();
        assert_eq!(m.0, [0, 1, 0x0a, 0xbc, 0xde, 0x0f]);
        assert_eq!(EthernetAddress::from_u64(m.to_u64()), m);
        for bad in [
            "",
            "1:2:3:4:5",
            "1:2:3:4:5:6:7",
            "001:2:3:4:5:6",
            "g:2:3:4:5:6",
            "1::3:4:5:6",
        ] {
            assert!(bad.parse::<EthernetAddress>().is_err(), "{bad}");
        }
    }

    #[test]
    fn llc_snap_resolution() {
        assert_eq!(resolve_ethertype(0x86dd, &[]), (EtherType::Ipv6, 0));
        let snap = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, 0x45];
        assert_eq!(resolve_ethertype(40, &snap), (EtherType::Ipv4, 8));
        let snap_small = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x00, 0x10];
        assert_eq!(resolve_ethertype(40, &snap_small), (EtherType::NoType, 8));
        let other_oui = [0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0x00];
        assert_eq!(resolve_ethertype(40, &other_oui), (EtherType::NoType, 0));
        let stp = [0x42, 0x42, 0x03, 0, 0, 0, 0, 0];
        assert_eq!(resolve_ethertype(38, &stp), (EtherType::NoType, 0));
        assert_eq!(resolve_ethertype(38, &snap[..7]), (EtherType::NoType, 0));
        let l = LlcSnap::parse(&snap).unwrap();
        assert_eq!(l.snap, Some(([0, 0, 0], 0x0800)));
        assert_eq!(LlcSnap::parse(&stp).unwrap().snap, None);
        let r = Repr {
            src_addr: EthernetAddress([2; 6]),
            dst_addr: EthernetAddress([4; 6]),
            ethertype: EtherType::NoType,
        };
        let mut b = [0u8; 30];
        emit_llc_snap(&mut b, &r, EtherType::Ipv4, 8).unwrap();
        assert_eq!(get_u16(&b, 12), 16);
        assert_eq!(resolve_ethertype(16, &b[14..]), (EtherType::Ipv4, 8));
    }
}
