//! ICMP for IPv4 (RFC 792).
//!
//! Every ICMP message starts with type, code, checksum and a 4-byte
//! "rest of header" whose meaning depends on the type (identifier and
//! sequence number for echo).  A switch matches type and code only, so
//! [`Repr`] is the generic form; [`Repr::echo`] builds echo messages.
//! The checksum covers the whole message: emit the header, place the data,
//! then call [`Packet::fill_checksum`].

use crate::checksum;
use crate::error::{need, room, Result};
use crate::field::{
    enum_with_unknown, get_u16, get_u32, get_u8, set_u16, set_u32, set_u8, sub, sub_mut,
};

enum_with_unknown! {
    /// ICMPv4 message type.
    pub enum Message(u8) {
        /// Echo reply.
        EchoReply = 0,
        /// Destination unreachable.
        DstUnreachable = 3,
        /// Redirect.
        Redirect = 5,
        /// Echo request.
        EchoRequest = 8,
        /// Router advertisement.
        RouterAdvert = 9,
        /// Router solicitation.
        RouterSolicit = 10,
        /// Time exceeded.
        TimeExceeded = 11,
        /// Parameter problem.
        ParamProblem = 12,
        /// Timestamp request.
        Timestamp = 13,
        /// Timestamp reply.
        TimestampReply = 14,
    }
}

/// Header length (type, code, checksum, rest of header).
pub const HEADER_LEN: usize = 8;

/// Zero-copy view of an ICMPv4 message.
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
        need("ICMP", HEADER_LEN, self.buffer.as_ref().len())
    }
    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Message type.
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
    /// The 4-byte rest-of-header word.
    pub fn rest_of_header(&self) -> u32 {
        get_u32(self.buffer.as_ref(), 4)
    }
    /// Echo identifier.
    pub fn echo_ident(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 4)
    }
    /// Echo sequence number.
    pub fn echo_seq_no(&self) -> u16 {
        get_u16(self.buffer.as_ref(), 6)
    }
    /// Data after the 8-byte header.
    pub fn data(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, HEADER_LEN, b.len())
    }
    /// True if the checksum over the whole buffer verifies.
    pub fn verify_checksum(&self) -> bool {
        checksum::sum(self.buffer.as_ref()) == 0xffff
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
    /// Sets the rest-of-header word.
    pub fn set_rest_of_header(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), 4, v)
    }
    /// Computes and stores the checksum over the whole buffer.
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let c = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(c);
    }
    /// Mutable data after the header.
    pub fn data_mut(&mut self) -> &mut [u8] {
        let b = self.buffer.as_mut();
        let n = b.len();
        sub_mut(b, HEADER_LEN, n)
    }
}

/// High-level ICMPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Type.
    pub msg_type: Message,
    /// Code.
    pub msg_code: u8,
    /// Rest-of-header word (identifier/sequence for echo).
    pub rest_of_header: u32,
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
            rest_of_header: (u32::from(ident) << 16) | u32::from(seq_no),
        }
    }
    /// Parses the header (checksum not verified).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        Ok(Repr {
            msg_type: p.msg_type(),
            msg_code: p.msg_code(),
            rest_of_header: p.rest_of_header(),
        })
    }
    /// Bytes emitted (8).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header with a zero checksum.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("ICMP", HEADER_LEN, p.buffer.as_ref().len())?;
        p.set_msg_type(self.msg_type);
        p.set_msg_code(self.msg_code);
        p.set_checksum(0);
        p.set_rest_of_header(self.rest_of_header);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_roundtrip() {
        // A classic ping: type 8, id 0x1234, seq 1, data "abcd"; checksum
        // computed by hand: 0x0800 + 0x1234 + 0x0001 + 0x6162 + 0x6364 =
        // 0xdefb, so the checksum is !0xdefb = 0x2104.
        let mut b = [0u8; 12];
        b[8..].copy_from_slice(b"abcd");
        let r = Repr::echo(false, 0x1234, 1);
        let mut p = Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p).unwrap();
        p.fill_checksum();
        assert_eq!(p.checksum(), 0x2104);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert!(p.verify_checksum());
        assert_eq!((p.echo_ident(), p.echo_seq_no()), (0x1234, 1));
        assert_eq!(p.data(), b"abcd");
        assert_eq!(Repr::parse(&p).unwrap(), r);
        assert!(Packet::new_checked(&b[..7]).is_err());
        assert_eq!(Message::from(200), Message::Unknown(200));
    }
}
