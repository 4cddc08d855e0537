//! MPLS label stack entries (RFC 3032).
//!
//! Only what the layer walker needs to find the end of a label stack and
//! what an action executor needs to edit one entry: a 4-byte
//! [`Lse`] value with label (20 bits), traffic class (3), bottom-of-stack
//! (1) and TTL (8).

use crate::error::{need, Result};
use crate::field::get_u32;

/// Length of one label stack entry.
pub const LSE_LEN: usize = 4;

/// One MPLS label stack entry, as its 32-bit wire value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lse(pub u32);

impl Lse {
    /// Builds an entry from its fields (excess bits masked off).
    pub const fn new(label: u32, tc: u8, bos: bool, ttl: u8) -> Lse {
        Lse(((label & 0xf_ffff) << 12)
            | (((tc & 7) as u32) << 9)
            | ((bos as u32) << 8)
            | ttl as u32)
    }
    /// Reads the first entry of `b`.
    pub fn parse(b: &[u8]) -> Result<Lse> {
        need("MPLS", LSE_LEN, b.len())?;
        Ok(Lse(get_u32(b, 0)))
    }
    /// 20-bit label.
    pub const fn label(self) -> u32 {
        self.0 >> 12
    }
    /// Traffic class.
    pub const fn tc(self) -> u8 {
        ((self.0 >> 9) & 7) as u8
    }
    /// Bottom of stack.
    pub const fn bos(self) -> bool {
        self.0 & 0x100 != 0
    }
    /// Time to live.
    pub const fn ttl(self) -> u8 {
        self.0 as u8
    }
    /// The 4 wire bytes.
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }
}

/// Length in bytes of the label stack at the start of `b`: up to and
/// including the first entry with the bottom-of-stack bit, or all complete
/// entries if none has it.
pub fn stack_len(b: &[u8]) -> usize {
    let mut off = 0;
    while let Ok(l) = Lse::parse(b.get(off..).unwrap_or(&[])) {
        off += LSE_LEN;
        if l.bos() {
            break;
        }
    }
    off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_stack() {
        let l = Lse::new(0x12345, 5, true, 64);
        assert_eq!(
            (l.label(), l.tc(), l.bos(), l.ttl()),
            (0x12345, 5, true, 64)
        );
        let mut b = Vec::new();
        b.extend_from_slice(&Lse::new(1, 0, false, 1).to_bytes());
        b.extend_from_slice(&l.to_bytes());
        b.extend_from_slice(&[0x45, 0]);
        assert_eq!(stack_len(&b), 8);
        assert_eq!(stack_len(&b[..6]), 4);
        assert_eq!(Lse::parse(&b[4..]).unwrap(), l);
    }
}
