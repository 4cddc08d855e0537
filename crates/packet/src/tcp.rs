//! TCP headers (RFC 9293).
//!
//! The view exposes the 12 bits of the data-offset/flags word below the
//! data offset as [`TcpFlags`] — the nine defined flags (including NS) plus
//! the three reserved bits — which is exactly what Open vSwitch's
//! `tcp_flags` field matches.  Options are not interpreted: a switch only
//! skips them, so [`Packet::options`] returns the raw bytes.
//!
//! Checksums: [`Repr::emit`] leaves the checksum zero; call
//! [`Packet::fill_checksum`] once the payload is in place, giving it the IP
//! pseudo-header.  The view's buffer must be exactly the TCP segment.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::checksum::{self, PseudoHeader};
use crate::error::{malformed, need, room, Result};
use crate::field::{get_u16, get_u32, set_slice, set_u16, set_u32, sub, sub_mut};

/// The 12 flag bits of the TCP header, as OVS `tcp_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpFlags(pub u16);

impl TcpFlags {
    /// FIN.
    pub const FIN: u16 = 0x001;
    /// SYN.
    pub const SYN: u16 = 0x002;
    /// RST.
    pub const RST: u16 = 0x004;
    /// PSH.
    pub const PSH: u16 = 0x008;
    /// ACK.
    pub const ACK: u16 = 0x010;
    /// URG.
    pub const URG: u16 = 0x020;
    /// ECE.
    pub const ECE: u16 = 0x040;
    /// CWR.
    pub const CWR: u16 = 0x080;
    /// NS (nonce sum, RFC 3540; historic).
    pub const NS: u16 = 0x100;
    /// All 12 bits (9 flags + 3 reserved).
    pub const MASK: u16 = 0x0fff;

    /// True if every bit of `bits` is set.
    pub const fn contains(self, bits: u16) -> bool {
        self.0 & bits == bits
    }
}

impl fmt::Display for TcpFlags {
    /// Formats as Open vSwitch does: names joined by `|`, reserved bits as
    /// `[200]`/`[400]`/`[800]`, and `0` for no flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 12] = [
            "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]",
        ];
        if self.0 & Self::MASK == 0 {
            return f.write_str("0");
        }
        let mut first = true;
        for (i, name) in NAMES.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    pub const FLAGS: usize = 12;
    pub const WINDOW: usize = 14;
    pub const CHECKSUM: usize = 16;
    pub const URGENT: usize = 18;
}

/// Length of a header without options.
pub const HEADER_LEN: usize = 20;

/// Zero-copy view of a TCP segment.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps without checking; accessors read zero past the end.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Self {
        Packet { buffer }
    }

    /// Wraps after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Self> {
        let p = Self::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks `20 <= header_len <= buffer length`.
    #[inline]
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        need("TCP", HEADER_LEN, len)?;
        let hl = self.header_len();
        if hl < HEADER_LEN {
            return malformed("TCP", "data offset below 5");
        }
        need("TCP", hl, len)
    }

    /// Returns the wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::SRC_PORT)
    }
    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::DST_PORT)
    }
    /// Sequence number.
    #[inline]
    pub fn seq_number(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::SEQ)
    }
    /// Acknowledgement number.
    #[inline]
    pub fn ack_number(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::ACK)
    }
    /// Header length in bytes (data offset * 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(get_u16(self.buffer.as_ref(), field::FLAGS) >> 12) * 4
    }
    /// The 12 flag bits.
    #[inline]
    pub fn flags(&self) -> TcpFlags {
        TcpFlags(get_u16(self.buffer.as_ref(), field::FLAGS) & TcpFlags::MASK)
    }
    /// Window size.
    #[inline]
    pub fn window(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::WINDOW)
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::CHECKSUM)
    }
    /// Urgent pointer.
    #[inline]
    pub fn urgent(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::URGENT)
    }
    /// Raw option bytes.
    #[inline]
    pub fn options(&self) -> &[u8] {
        sub(self.buffer.as_ref(), HEADER_LEN, self.header_len())
    }
    /// Payload after the header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        sub(b, self.header_len(), b.len())
    }
    /// True if the checksum verifies against `ph`.
    pub fn verify_checksum(&self, ph: &PseudoHeader) -> bool {
        ph.verify(6, self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Sets the source port.
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::SRC_PORT, v)
    }
    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::DST_PORT, v)
    }
    /// Sets the sequence number.
    #[inline]
    pub fn set_seq_number(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), field::SEQ, v)
    }
    /// Sets the acknowledgement number.
    #[inline]
    pub fn set_ack_number(&mut self, v: u32) {
        set_u32(self.buffer.as_mut(), field::ACK, v)
    }
    /// Sets header length (bytes) and flags together.
    #[inline]
    pub fn set_header_len_and_flags(&mut self, header_len: usize, flags: TcpFlags) {
        let w = (((header_len / 4) as u16 & 0xf) << 12) | (flags.0 & TcpFlags::MASK);
        set_u16(self.buffer.as_mut(), field::FLAGS, w)
    }
    /// Sets the flags, keeping the data offset.
    #[inline]
    pub fn set_flags(&mut self, flags: TcpFlags) {
        let hl = self.header_len();
        self.set_header_len_and_flags(hl, flags)
    }
    /// Sets the window.
    #[inline]
    pub fn set_window(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::WINDOW, v)
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::CHECKSUM, v)
    }
    /// Sets the urgent pointer.
    #[inline]
    pub fn set_urgent(&mut self, v: u16) {
        set_u16(self.buffer.as_mut(), field::URGENT, v)
    }
    /// Computes and stores the checksum over the whole buffer.
    pub fn fill_checksum(&mut self, ph: &PseudoHeader) {
        self.set_checksum(0);
        let c = ph.checksum(6, self.buffer.as_ref());
        self.set_checksum(c);
    }
    /// Sets the source port, updating the checksum incrementally.
    pub fn set_src_port_incremental(&mut self, v: u16) {
        let c = checksum::update_port(self.checksum(), self.src_port(), v);
        self.set_src_port(v);
        self.set_checksum(c);
    }
    /// Sets the destination port, updating the checksum incrementally.
    pub fn set_dst_port_incremental(&mut self, v: u16) {
        let c = checksum::update_port(self.checksum(), self.dst_port(), v);
        self.set_dst_port(v);
        self.set_checksum(c);
    }
    /// Updates the checksum after an IPv4 address in the pseudo-header
    /// changed (e.g. a `set_field` of `nw_src` on the enclosing IP header).
    pub fn update_checksum_ipv4_addr(&mut self, old: Ipv4Addr, new: Ipv4Addr) {
        let c = checksum::update_ipv4_addr(self.checksum(), old, new);
        self.set_checksum(c);
    }
    /// Updates the checksum after an IPv6 address in the pseudo-header changed.
    pub fn update_checksum_ipv6_addr(&mut self, old: &Ipv6Addr, new: &Ipv6Addr) {
        let c = checksum::update_ipv6_addr(self.checksum(), old, new);
        self.set_checksum(c);
    }
    /// Mutable payload.
    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let hl = self.header_len();
        let b = self.buffer.as_mut();
        let n = b.len();
        sub_mut(b, hl, n)
    }
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Packet<T> {
    fn as_ref(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}

/// High-level TCP header (options kept raw, inline, at most 40 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq_number: u32,
    /// Acknowledgement number.
    pub ack_number: u32,
    /// Flags (12 bits).
    pub flags: TcpFlags,
    /// Window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    options_len: u8,
    options: [u8; 40],
}

impl Repr {
    /// A header with the given ports and flags, window 65535, no options.
    pub fn new(src_port: u16, dst_port: u16, flags: TcpFlags) -> Repr {
        Repr {
            src_port,
            dst_port,
            seq_number: 0,
            ack_number: 0,
            flags,
            window: 65535,
            urgent: 0,
            options_len: 0,
            options: [0; 40],
        }
    }

    /// Sets raw options; must be a multiple of 4 bytes, at most 40.
    pub fn set_options(&mut self, raw: &[u8]) -> Result<()> {
        if raw.len() > 40 || raw.len() % 4 != 0 {
            return malformed("TCP", "options must be a multiple of 4 bytes, at most 40");
        }
        self.options = [0; 40];
        set_slice(&mut self.options, 0, raw);
        self.options_len = raw.len() as u8;
        Ok(())
    }

    /// Raw options.
    pub fn options(&self) -> &[u8] {
        sub(&self.options, 0, usize::from(self.options_len))
    }

    /// Parses a header (checksum not verified).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr> {
        p.check_len()?;
        let mut r = Repr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            seq_number: p.seq_number(),
            ack_number: p.ack_number(),
            flags: p.flags(),
            window: p.window(),
            urgent: p.urgent(),
            options_len: 0,
            options: [0; 40],
        };
        r.set_options(p.options())?;
        Ok(r)
    }

    /// Header length emitted.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + usize::from(self.options_len)
    }

    /// Writes the header; the checksum is left zero.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, p: &mut Packet<T>) -> Result<()> {
        let hl = self.buffer_len();
        room("TCP", hl, p.buffer.as_ref().len())?;
        p.set_src_port(self.src_port);
        p.set_dst_port(self.dst_port);
        p.set_seq_number(self.seq_number);
        p.set_ack_number(self.ack_number);
        p.set_header_len_and_flags(hl, self.flags);
        p.set_window(self.window);
        p.set_checksum(0);
        p.set_urgent(self.urgent);
        set_slice(p.buffer.as_mut(), HEADER_LEN, self.options());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_repr_checksum() {
        let mut r = Repr::new(1234, 80, TcpFlags(TcpFlags::SYN | TcpFlags::NS | 0x800));
        r.seq_number = 0x01020304;
        r.set_options(&[2, 4, 5, 0xb4]).unwrap();
        let mut b = vec![0u8; r.buffer_len() + 3];
        b[24..].copy_from_slice(b"abc");
        let mut p = Packet::new_unchecked(&mut b[..]);
        r.emit(&mut p).unwrap();
        let ph = PseudoHeader::V4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        p.fill_checksum(&ph);
        assert!(p.verify_checksum(&ph));
        p.set_dst_port_incremental(8080);
        assert!(p.verify_checksum(&ph));
        let new_src = Ipv4Addr::new(172, 16, 0, 9);
        p.update_checksum_ipv4_addr(Ipv4Addr::new(10, 0, 0, 1), new_src);
        assert!(p.verify_checksum(&PseudoHeader::V4(new_src, Ipv4Addr::new(10, 0, 0, 2))));
        p.fill_checksum(&ph);
        let p = Packet::new_checked(&b[..]).unwrap();
        assert_eq!(p.header_len(), 24);
        assert_eq!(p.payload(), b"abc");
        assert_eq!(p.options(), &[2, 4, 5, 0xb4]);
        assert_eq!(p.flags().0, 0x902);
        assert_eq!(p.flags().to_string(), "syn|ns|[800]");
        let back = Repr::parse(&p).unwrap();
        assert_eq!(back.dst_port, 8080);
        assert_eq!(back.options(), r.options());
        assert!(Packet::new_checked(&b[..23]).is_err());
        let mut bad = b.clone();
        bad[12] = 0x40;
        assert!(Packet::new_checked(&bad[..]).is_err());
        assert_eq!(TcpFlags(0).to_string(), "0");
    }
}
