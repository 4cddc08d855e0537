//! ICMPv6 (RFC 4443) and Neighbor Discovery solicitations/advertisements
//! (RFC 4861).
//!
//! [`Packet`] is the generic 8-byte header view (type, code, checksum,
//! 4-byte "reserved"/data word).  The checksum covers an IPv6 pseudo-header,
//! so [`Packet::fill_checksum`] takes a [`PseudoHeader`].
//!
//! [`NdRepr::parse`] extracts what a switch matches for NS/NA messages —
//! target address and source/target link-layer address options — with the
//! rules Open vSwitch applies (checked against `ovs-ofctl parse-pcap`):
//! only code 0 NS (135) and NA (136) are parsed; the 16-byte target must be
//! present; options are walked while at least 8 bytes remain, and an option
//! of length 0 or one running past the end ends the walk, keeping what was
//! found; link-layer options are taken only when exactly 8 bytes long
//! (Ethernet); a second source (or target) link-layer option when the first
//! was non-zero makes the whole message invalid (an error: OVS then clears
//! the target too); other options are skipped.  Either option type is
//! accepted in either message, as OVS does.

use std::net::Ipv6Addr;

use crate::checksum::PseudoHeader;
use crate::error::{malformed, need, room, Result};
use crate::ethernet::EthernetAddress;
use crate::field::{
    enum_with_unknown, get_array, get_u16, get_u32, get_u8, set_array, set_u16, set_u32, set_u8,
    sub, sub_mut,
};

enum_with_unknown! {
    /// ICMPv6 message type.
    pub enum Message(u8) {
        /// Destination unreachable.
        DstUnreachable = 1,
        /// Packet too big.
        PktTooBig = 2,
        /// Time exceeded.
        TimeExceeded = 3,
        /// Parameter problem.
        ParamProblem = 4,
        /// Echo request.
        EchoRequest = 128,
        /// Echo reply.
        EchoReply = 129,
        /// MLD query.
        MldQuery = 130,
        /// MLDv1 report.
        MldReport = 131,
        /// MLDv1 done.
        MldDone = 132,
        /// Router solicitation.
        RouterSolicit = 133,
        /// Router advertisement.
        RouterAdvert = 134,
        /// Neighbor solicitation.
        NeighborSolicit = 135,
        /// Neighbor advertisement.
        NeighborAdvert = 136,
        /// Redirect.
        Redirect = 137,
        /// MLDv2 report.
        MldV2Report = 143,
    }
}

/// Header length (type, code, checksum, 4-byte data word).
pub const HEADER_LEN: usize = 8;
/// IP protocol number of ICMPv6.
pub const PROTOCOL: u8 = 58;

/// Zero-copy view of an ICMPv6 message.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }
    /// Wraps after checking the 8-byte header is present.
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }
    /// Checks the 8-byte header is present.
    pub fn check_len(&self) -> Result<()> {
        need("ICMPv6", HEADER_LEN, self.buffer.as_ref().len())
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Type.
    pub fn msg_type(&self) -> Message {
        Message::from(get_u8(self.buffer.as_ref(), 0))
    }
    /// Code.
    pub fn msg_code(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 1)
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2)
    }
    /// The 4-byte word after the checksum (OVS `nd_reserved` for ND).
    pub fn data_word(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4)
    }
    /// Bytes after the 8-byte header.
    pub fn body(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
    /// True if the checksum verifies.
    pub fn verify_checksum(&self, ph: &PseudoHeader) -> bool {
        ph.verify(PROTOCOL, self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the type.
    pub fn set_msg_type(&mut self, v: Message) {
        set_u8(self.buffer.as_mut(), 0, v.value())
    }
    /// Sets the code.
    pub fn set_msg_code(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), 1, v)
    }
    /// Sets the checksum field.
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), 2, v)
    }
    /// Sets the data word.
    pub fn set_data_word(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), 4, v)
    }
    /// Computes and stores the checksum over the whole buffer.
    pub fn fill_checksum(&mut self, ph: &PseudoHeader) {
        self.set_checksum(0);
        let c = ph.checksum(PROTOCOL, self.buffer.as_ref());
        self.set_checksum(c);
    }
    /// Updates the checksum after an IPv6 pseudo-header address changed.
    pub fn update_checksum_ipv6_addr(&mut self, old: &Ipv6Addr, new: &Ipv6Addr) {
        let c = crate::checksum::update_ipv6_addr(self.checksum(), old, new);
        self.set_checksum(c);
    }
    /// Rewrites the ND target address (NS/NA), updating the checksum
    /// incrementally; returns false (and changes nothing) if the message is
    /// too short to hold a target.
    pub fn set_nd_target_incremental(&mut self, target: Ipv6Addr) -> bool {
        let b = self.buffer.as_ref();
        if b.len() < HEADER_LEN + 16 {
            return false;
        }
        let old: [u8; 16] = get_array(b, HEADER_LEN);
        let c = crate::checksum::update_bytes(self.checksum(), &old, &target.octets());
        set_array(self.buffer.as_mut(), HEADER_LEN, target.octets());
        self.set_checksum(c);
        true
    }
    /// Rewrites the address in the first 8-byte link-layer option of type
    /// `opt_type` ([`ND_OPT_SOURCE_LL`] or [`ND_OPT_TARGET_LL`]), updating
    /// the checksum incrementally; returns false if there is no such option.
    pub fn set_nd_lla_incremental(&mut self, opt_type: u8, mac: EthernetAddress) -> bool {
        let b = self.buffer.as_ref();
        let mut off = HEADER_LEN + 16;
        while off + 8 <= b.len() {
            let len = usize::from(get_u8(b, off + 1)) * 8;
            if len == 0 {
                return false;
            }
            if get_u8(b, off) == opt_type && len == 8 {
                let old: [u8; 6] = get_array(b, off + 2);
                let c = crate::checksum::update_bytes(self.checksum(), &old, &mac.0);
                set_array(self.buffer.as_mut(), off + 2, mac.0);
                self.set_checksum(c);
                return true;
            }
            off += len;
        }
        false
    }
    /// Mutable bytes after the header.
    pub fn body_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        let n = b.len();
        sub_mut(b, HEADER_LEN, n)
    }
}

/// High-level generic ICMPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Type.
    pub msg_type: Message,
    /// Code.
    pub msg_code: u8,
    /// Data word (identifier/sequence for echo, flags for NA, ...).
    pub data_word: u32,
}

impl Repr {
    /// An echo request (`reply == false`) or reply.
    pub fn echo(reply: bool, ident: u16, seq_no: u16) -> Repr {
        Repr {
            msg_type: if reply {
                Message::EchoReply
            } else {
                Message::EchoRequest
            },
            msg_code: 0,
            data_word: (u32::from(ident) << 16) | u32::from(seq_no),
        }
    }
    /// Parses the header (checksum not verified).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            msg_type: p.msg_type(),
            msg_code: p.msg_code(),
            data_word: p.data_word(),
        })
    }
    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header with a zero checksum.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("ICMPv6", HEADER_LEN, p.buffer.as_ref().len())?;
        p.set_msg_type(self.msg_type);
        p.set_msg_code(self.msg_code);
        p.set_checksum(0);
        p.set_data_word(self.data_word);
        Ok(())
    }
}

/// ND option type: source link-layer address.
pub const ND_OPT_SOURCE_LL: u8 = 1;
/// ND option type: target link-layer address.
pub const ND_OPT_TARGET_LL: u8 = 2;
/// NA flag: router (bit 31 of the data word).
pub const NA_FLAG_ROUTER: u32 = 0x8000_0000;
/// NA flag: solicited.
pub const NA_FLAG_SOLICITED: u32 = 0x4000_0000;
/// NA flag: override.
pub const NA_FLAG_OVERRIDE: u32 = 0x2000_0000;

/// A parsed neighbor solicitation or advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NdRepr {
    /// True for an advertisement (136), false for a solicitation (135).
    pub advert: bool,
    /// The data word (NA flags R/S/O in the top bits; OVS `nd_reserved`).
    pub reserved: u32,
    /// Target address.
    pub target: Ipv6Addr,
    /// Source link-layer address option, if present.
    pub source_ll: Option<EthernetAddress>,
    /// Target link-layer address option, if present.
    pub target_ll: Option<EthernetAddress>,
    /// Type of the first link-layer option (OVS `nd_options_type`), 0 if none.
    pub options_type: u8,
}

impl NdRepr {
    /// True if `p` is an NS or NA with code 0 (the messages this parses).
    pub fn is_nd<T: AsRef<[u8]>>(p: &Packet<T>) -> bool {
        p.msg_code() == 0
            && matches!(
                p.msg_type(),
                Message::NeighborSolicit | Message::NeighborAdvert
            )
    }

    /// Parses an NS/NA message (the whole ICMPv6 message, header included).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<NdRepr> {
        p.check_len()?;
        if !Self::is_nd(p) {
            return malformed("ICMPv6", "not a neighbor solicitation/advertisement");
        }
        let body = p.body();
        need("ND", 16, body.len())?;
        let mut nd = NdRepr {
            advert: p.msg_type() == Message::NeighborAdvert,
            reserved: p.data_word(),
            target: Ipv6Addr::from(get_array::<16>(body, 0)),
            source_ll: None,
            target_ll: None,
            options_type: 0,
        };
        let mut opts = sub(body, 16, body.len());
        while opts.len() >= 8 {
            let ty = get_u8(opts, 0);
            let len = usize::from(get_u8(opts, 1)) * 8;
            if len == 0 || len > opts.len() {
                // Open vSwitch stops at such an option and keeps what it
                // found so far.
                break;
            }
            if len == 8 && (ty == ND_OPT_SOURCE_LL || ty == ND_OPT_TARGET_LL) {
                let mac = EthernetAddress(get_array(opts, 2));
                let slot = if ty == ND_OPT_SOURCE_LL {
                    &mut nd.source_ll
                } else {
                    &mut nd.target_ll
                };
                match slot {
                    Some(prev) if !prev.is_zero() => {
                        return malformed("ND", "duplicate link-layer option")
                    }
                    _ => *slot = Some(mac),
                }
                if nd.options_type == 0 {
                    nd.options_type = ty;
                }
            }
            opts = sub(opts, len, opts.len());
        }
        Ok(nd)
    }

    /// Bytes emitted: 8 + 16 + 8 per link-layer option.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + 16
            + 8 * (usize::from(self.source_ll.is_some()) + usize::from(self.target_ll.is_some()))
    }

    /// Writes the message (checksum zero; fill it afterwards).  The source
    /// link-layer option, if any, comes first.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("ND", self.buffer_len(), p.buffer.as_ref().len())?;
        let ty = if self.advert {
            Message::NeighborAdvert
        } else {
            Message::NeighborSolicit
        };
        Repr {
            msg_type: ty,
            msg_code: 0,
            data_word: self.reserved,
        }
        .emit(p)?;
        let b = p.buffer.as_mut();
        set_array(b, HEADER_LEN, self.target.octets());
        let mut off = HEADER_LEN + 16;
        for (ty, mac) in [
            (ND_OPT_SOURCE_LL, self.source_ll),
            (ND_OPT_TARGET_LL, self.target_ll),
        ] {
            if let Some(mac) = mac {
                set_u8(b, off, ty);
                set_u8(b, off + 1, 1);
                set_array(b, off + 2, mac.0);
                off += 8;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(opts: &[u8]) -> Vec<u8> {
        let mut v = vec![135, 0, 0, 0, 0, 0, 0, 0];
        v.extend_from_slice(&"fe80::2".parse::<Ipv6Addr>().unwrap().octets());
        v.extend_from_slice(opts);
        v
    }

    #[test]
    fn nd_parse_rules() {
        let sll = [1, 1, 0, 1, 2, 3, 4, 5];
        let tll = [2, 1, 6, 7, 8, 9, 10, 11];
        let other = [14, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut o = other.to_vec();
        o.extend_from_slice(&sll);
        o.extend_from_slice(&tll);
        o.extend_from_slice(&[9, 9, 9]); // trailing <8 bytes ignored
        let b = ns(&o);
        let nd = NdRepr::parse(&Packet::new_checked(&b[..]).unwrap()).unwrap();
        assert_eq!(nd.target, "fe80::2".parse::<Ipv6Addr>().unwrap());
        assert_eq!(nd.source_ll, Some(EthernetAddress([0, 1, 2, 3, 4, 5])));
        assert_eq!(nd.target_ll, Some(EthernetAddress([6, 7, 8, 9, 10, 11])));
        assert_eq!(nd.options_type, 1);
        // A zero-length or overlong option ends the walk, keeping earlier options.
        let mut z = tll.to_vec();
        z.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&sll);
        let nd = NdRepr::parse(&Packet::new_unchecked(&ns(&z)[..])).unwrap();
        assert_eq!((nd.source_ll, nd.target_ll.is_some()), (None, true));
        let mut o = sll.to_vec();
        o.extend_from_slice(&[2, 2, 0, 0, 0, 0, 0, 0]);
        let nd = NdRepr::parse(&Packet::new_unchecked(&ns(&o)[..])).unwrap();
        assert_eq!((nd.source_ll.is_some(), nd.target_ll), (true, None));
        // A zero MAC followed by another source option is not a duplicate.
        let mut zm = vec![1, 1, 0, 0, 0, 0, 0, 0];
        zm.extend_from_slice(&sll);
        let nd = NdRepr::parse(&Packet::new_unchecked(&ns(&zm)[..])).unwrap();
        assert_eq!(nd.source_ll, Some(EthernetAddress([0, 1, 2, 3, 4, 5])));
        // duplicate SLL
        let mut d = sll.to_vec();
        d.extend_from_slice(&sll);
        assert!(NdRepr::parse(&Packet::new_unchecked(&ns(&d)[..])).is_err());
        // truncated target
        assert!(NdRepr::parse(&Packet::new_unchecked(&ns(&[])[..20])).is_err());
        // not ND
        let mut e = ns(&[]);
        e[0] = 128;
        assert!(NdRepr::parse(&Packet::new_unchecked(&e[..])).is_err());
    }

    #[test]
    fn nd_emit_roundtrip_and_checksum() {
        let nd = NdRepr {
            advert: true,
            reserved: NA_FLAG_SOLICITED | NA_FLAG_OVERRIDE,
            target: "2001:db8::1".parse().unwrap(),
            source_ll: None,
            target_ll: Some(EthernetAddress([2, 0, 0, 0, 0, 1])),
            options_type: ND_OPT_TARGET_LL,
        };
        let mut b = vec![0u8; nd.buffer_len()];
        let mut p = Packet::new_unchecked(&mut b[..]);
        nd.emit(&mut p).unwrap();
        let ph = PseudoHeader::V6("2001:db8::1".parse().unwrap(), "ff02::1".parse().unwrap());
        p.fill_checksum(&ph);
        assert!(p.verify_checksum(&ph));
        assert_eq!(NdRepr::parse(&p).unwrap(), nd);
        let new_t: Ipv6Addr = "2001:db8::99".parse().unwrap();
        assert!(p.set_nd_target_incremental(new_t));
        assert!(p.set_nd_lla_incremental(ND_OPT_TARGET_LL, EthernetAddress([0xaa; 6])));
        assert!(!p.set_nd_lla_incremental(ND_OPT_SOURCE_LL, EthernetAddress([0xbb; 6])));
        assert!(p.verify_checksum(&ph));
        let back = NdRepr::parse(&p).unwrap();
        assert_eq!(
            (back.target, back.target_ll),
            (new_t, Some(EthernetAddress([0xaa; 6])))
        );
        let e = Repr::echo(true, 1, 2);
        assert_eq!(
            Repr::parse(&Packet::new_unchecked(&[129, 0, 0, 0, 0, 1, 0, 2][..])).unwrap(),
            e
        );
    }
}
