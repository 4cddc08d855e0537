//! ARP and RARP (RFC 826, RFC 903) for Ethernet/IPv4.
//!
//! RARP uses the same packet format with EtherType 0x8035 and operations 3
//! and 4, so one view serves both.  [`Packet`] exposes the generic fields
//! (hardware/protocol type and lengths) and, for the only combination a
//! switch matches on — Ethernet (1) / IPv4 (0x0800) with lengths 6 and 4 —
//! the sender and target addresses.  [`Repr::parse`] rejects any other
//! combination, just as Open vSwitch leaves `arp_*` fields zero for them.

use std::net::Ipv4Addr;

use crate::error::{malformed, need, room, Result};
use crate::ethernet::{EtherType, EthernetAddress};
use crate::field::{enum_with_unknown, get_array, get_u16, get_u8, set_array, set_u16, set_u8};

enum_with_unknown! {
    /// ARP hardware type.
    pub enum Hardware(u16) {
        /// Ethernet.
        Ethernet = 1,
    }
}

enum_with_unknown! {
    /// ARP/RARP operation code.
    pub enum Operation(u16) {
        /// ARP request.
        Request = 1,
        /// ARP reply.
        Reply = 2,
        /// RARP request.
        RarpRequest = 3,
        /// RARP reply.
        RarpReply = 4,
    }
}

mod field {
    pub const HTYPE: usize = 0;
    pub const PTYPE: usize = 2;
    pub const HLEN: usize = 4;
    pub const PLEN: usize = 5;
    pub const OPER: usize = 6;
    pub const SHA: usize = 8;
    pub const SPA: usize = 14;
    pub const THA: usize = 18;
    pub const TPA: usize = 24;
}

/// Length of an Ethernet/IPv4 ARP packet.
pub const HEADER_LEN: usize = 28;
/// Length of the generic fixed part (types, lengths, operation).
pub const FIXED_LEN: usize = 8;

/// Zero-copy view of an ARP/RARP packet.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps after [`check_len`](Self::check_len).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks the fixed part and the addresses its lengths announce fit.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("ARP", FIXED_LEN, len)?;
        let addrs = 2 * (usize::from(self.hardware_len()) + usize::from(self.protocol_len()));
        need("ARP", FIXED_LEN + addrs, len)
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Hardware type.
    pub fn hardware_type(&self) -> Hardware {
        Hardware::from(get_u16(self.buffer.as_ref(), field::HTYPE))
    }
    /// Protocol type.
    pub fn protocol_type(&self) -> EtherType {
        EtherType::from(get_u16(self.buffer.as_ref(), field::PTYPE))
    }
    /// Hardware address length.
    pub fn hardware_len(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::HLEN)
    }
    /// Protocol address length.
    pub fn protocol_len(&self) -> u8 {
        get_u8(self.buffer.as_ref(), field::PLEN)
    }
    /// Operation.
    pub fn operation(&self) -> Operation {
        Operation::from(get_u16(self.buffer.as_ref(), field::OPER))
    }
    /// True if this is Ethernet/IPv4 with the standard lengths.
    pub fn is_ethernet_ipv4(&self) -> bool {
        self.hardware_type() == Hardware::Ethernet
            && self.protocol_type() == EtherType::Ipv4
            && self.hardware_len() == 6
            && self.protocol_len() == 4
    }
    /// Sender hardware address (Ethernet/IPv4 layout).
    pub fn source_hardware_addr(&self) -> EthernetAddress {
        EthernetAddress(get_array(self.buffer.as_ref(), field::SHA))
    }
    /// Sender protocol address (Ethernet/IPv4 layout).
    pub fn source_protocol_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::SPA))
    }
    /// Target hardware address (Ethernet/IPv4 layout).
    pub fn target_hardware_addr(&self) -> EthernetAddress {
        EthernetAddress(get_array(self.buffer.as_ref(), field::THA))
    }
    /// Target protocol address (Ethernet/IPv4 layout).
    pub fn target_protocol_addr(&self) -> Ipv4Addr {
        Ipv4Addr::from(get_array::<4>(self.buffer.as_ref(), field::TPA))
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the hardware type.
    pub fn set_hardware_type(&mut self, v: Hardware) {
        set_u16(self.buffer.as_mut(), field::HTYPE, v.value())
    }
    /// Sets the protocol type.
    pub fn set_protocol_type(&mut self, v: EtherType) {
        set_u16(self.buffer.as_mut(), field::PTYPE, v.value())
    }
    /// Sets the hardware address length.
    pub fn set_hardware_len(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), field::HLEN, v)
    }
    /// Sets the protocol address length.
    pub fn set_protocol_len(&mut self, v: u8) {
        set_u8(self.buffer.as_mut(), field::PLEN, v)
    }
    /// Sets the operation.
    pub fn set_operation(&mut self, v: Operation) {
        set_u16(self.buffer.as_mut(), field::OPER, v.value())
    }
    /// Sets the sender hardware address.
    pub fn set_source_hardware_addr(&mut self, v: EthernetAddress) {
        set_array(self.buffer.as_mut(), field::SHA, v.0)
    }
    /// Sets the sender protocol address.
    pub fn set_source_protocol_addr(&mut self, v: Ipv4Addr) {
        set_array(self.buffer.as_mut(), field::SPA, v.octets())
    }
    /// Sets the target hardware address.
    pub fn set_target_hardware_addr(&mut self, v: EthernetAddress) {
        set_array(self.buffer.as_mut(), field::THA, v.0)
    }
    /// Sets the target protocol address.
    pub fn set_target_protocol_addr(&mut self, v: Ipv4Addr) {
        set_array(self.buffer.as_mut(), field::TPA, v.octets())
    }
}

/// High-level Ethernet/IPv4 ARP or RARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Operation (any 16-bit value is kept).
    pub operation: Operation,
    /// Sender hardware address.
    pub source_hardware_addr: EthernetAddress,
    /// Sender protocol address.
    pub source_protocol_addr: Ipv4Addr,
    /// Target hardware address.
    pub target_hardware_addr: EthernetAddress,
    /// Target protocol address.
    pub target_protocol_addr: Ipv4Addr,
}

impl Repr {
    /// Parses an Ethernet/IPv4 ARP packet; other hardware/protocol
    /// combinations are rejected as malformed for this purpose.
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        need("ARP", HEADER_LEN, p.buffer.as_ref().len())?;
        if !p.is_ethernet_ipv4() {
            return malformed("ARP", "not Ethernet/IPv4");
        }
        Ok(Repr {
            operation: p.operation(),
            source_hardware_addr: p.source_hardware_addr(),
            source_protocol_addr: p.source_protocol_addr(),
            target_hardware_addr: p.target_hardware_addr(),
            target_protocol_addr: p.target_protocol_addr(),
        })
    }

    /// Bytes emitted (28).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the packet.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        room("ARP", HEADER_LEN, p.buffer.as_ref().len())?;
        p.set_hardware_type(Hardware::Ethernet);
        p.set_protocol_type(EtherType::Ipv4);
        p.set_hardware_len(6);
        p.set_protocol_len(4);
        p.set_operation(self.operation);
        p.set_source_hardware_addr(self.source_hardware_addr);
        p.set_source_protocol_addr(self.source_protocol_addr);
        p.set_target_hardware_addr(self.target_hardware_addr);
        p.set_target_protocol_addr(self.target_protocol_addr);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: [u8; 28] = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x0a,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
    ];

    #[test]
    fn parse_emit() {
        let p = Packet::new_checked(&REQ[..]).unwrap();
        let r = Repr::parse(&p).unwrap();
        assert_eq!(r.operation, Operation::Request);
        assert_eq!(r.source_protocol_addr, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(r.target_protocol_addr, Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(
            r.source_hardware_addr.0,
            [0x11, 0x12, 0x13, 0x14, 0x15, 0x16]
        );
        let mut out = [0u8; 28];
        r.emit(&mut Packet::new_unchecked(&mut out[..])).unwrap();
        assert_eq!(out, REQ);
        assert!(Packet::new_checked(&REQ[..27]).is_err());
        let mut odd = REQ;
        odd[1] = 6;
        assert!(Repr::parse(&Packet::new_unchecked(&odd[..])).is_err());
        let mut rarp = REQ;
        rarp[7] = 3;
        let r = Repr::parse(&Packet::new_unchecked(&rarp[..])).unwrap();
        assert_eq!(r.operation, Operation::RarpRequest);
    }
}
