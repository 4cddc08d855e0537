//! IGMP (RFC 2236 / RFC 3376) message header.
//!
//! Open vSwitch extracts the type and code (the "max response" byte) of an
//! IGMP message as `tp_src`/`tp_dst` and the group address for multicast
//! snooping; this is the 8-byte header that holds them.  IGMPv3 reports
//! carry group records after it, which are not interpreted here.

use std::net::Ipv4Addr;

use crate::checksum;
use crate::error::{need, room, Result};
use crate::field::{
    enum_with_unknown, get_array, get_u16, get_u8, set_array, set_u16, set_u8, sub,
};

enum_with_unknown! {
    /// IGMP message type.
    pub enum Message(u8) {
        /// Membership query.
        MembershipQuery = 0x11,
        /// IGMPv1 membership report.
        V1Report = 0x12,
        /// IGMPv2 membership report.
        V2Report = 0x16,
        /// IGMPv2 leave group.
        LeaveGroup = 0x17,
        /// IGMPv3 membership report.
        V3Report = 0x22,
    }
}

/// Header length.
pub const HEADER_LEN: usize = 8;

/// Zero-copy view of an IGMP message.
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
        need("IGMP", HEADER_LEN, p.buffer.as_ref().len())?;
        Ok(p)
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Message type.
    pub fn msg_type(&self) -> Message {
        Message::from(get_u8(self.buffer.as_ref(), 0))
    }
    /// Max response code (the "code" OVS matches as `tp_dst`).
    pub fn max_resp_code(&self) -> u8 {
        get_u8(self.buffer.as_ref(), 1)
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 2)
    }
    /// Group address (zero for general queries and v3 reports).
    pub fn group_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), 4))
    }
    /// Bytes after the 8-byte header.
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
    /// True if the checksum over the whole message verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Computes and stores the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        set_u16(self.buffer.as_mut(), 2, 0);
        let c = checksum::checksum(self.buffer.as_ref());
        set_u16(self.buffer.as_mut(), 2, c);
    }
}

/// High-level IGMP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Type.
    pub msg_type: Message,
    /// Max response code.
    pub max_resp_code: u8,
    /// Group address.
    pub group_addr: Ipv4Addr,
}

impl Repr {
    /// Parses the header (checksum not verified).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        need("IGMP", HEADER_LEN, p.buffer.as_ref().len())?;
        Ok(Repr {
            msg_type: p.msg_type(),
            max_resp_code: p.max_resp_code(),
            group_addr: p.group_addr(),
        })
    }
    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header with a zero checksum (call `fill_checksum` after).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("IGMP", HEADER_LEN, p.buffer.as_ref().len())?;
        let b = p.buffer.as_mut();
        set_u8(b, 0, self.msg_type.value());
        set_u8(b, 1, self.max_resp_code);
        set_u16(b, 2, 0);
        set_array(b, 4, self.group_addr.octets());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_report() {
        let r = Repr {
            msg_type: Message::V2Report,
            max_resp_code: 0,
            group_addr: Ipv4Addr::new(239, 1, 2, 3),
        };
        let mut b = [0u8; 8];
        let mut p = Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p).unwrap();
        p.fill_checksum();
        // 0x1600 + 0xef01 + 0x0203 = 0x1_0704 -> 0x0705 -> !0x0705 = 0xf8fa
        assert_eq!(p.checksum(), 0xf8fa);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!(Repr::parse(&p).unwrap(), r);
        assert!(Packet::new_checked(&b[..7]).is_err());
    }
}
