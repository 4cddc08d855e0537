//! The per-packet 1-in-N sampling decision.
//!
//! Open vSwitch's datapath `sample` action keeps a packet when a fresh
//! 32-bit random number is at most `u32::MAX / N`, so every packet has an
//! independent probability of about 1/N (rate 1 keeps every packet). The
//! [`PacketSampler`] makes the same decision with a random number the caller
//! supplies (keeping this crate free of global RNG state) and counts the
//! packets offered (the exact sample pool) and the packets taken.

use crate::error::ExportError;

/// Random 1-in-N packet sampler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSampler {
    rate: u32,
    threshold: u32,
    pool: u64,
    taken: u64,
}

impl PacketSampler {
    /// A sampler keeping one packet in `rate` on average.
    pub fn new(rate: u32) -> Result<Self, ExportError> {
        if rate == 0 {
            return Err(ExportError::ZeroSamplingRate);
        }
        Ok(PacketSampler {
            rate,
            threshold: u32::MAX / rate,
            pool: 0,
            taken: 0,
        })
    }

    /// The configured rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The probability threshold: a packet is sampled when its random number is at most this.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Offers one packet with a uniformly random `random`; returns whether to sample it.
    pub fn offer(&mut self, random: u32) -> bool {
        self.pool = self.pool.wrapping_add(1);
        let take = random <= self.threshold;
        if take {
            self.taken = self.taken.wrapping_add(1);
        }
        take
    }

    /// Offers a packet drawing the random number from `rng`.
    pub fn offer_with(&mut self, rng: &mut impl FnMut() -> u32) -> bool {
        let r = rng();
        self.offer(r)
    }

    /// Packets offered so far (the exact sample pool), as the 32-bit wrapping sFlow counter.
    pub fn sample_pool(&self) -> u32 {
        self.pool as u32
    }

    /// Packets offered so far, 64-bit.
    pub fn offered(&self) -> u64 {
        self.pool
    }

    /// Packets sampled so far.
    pub fn taken(&self) -> u64 {
        self.taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_one_takes_everything() {
        let mut s = PacketSampler::new(1).unwrap();
        assert!(s.offer(u32::MAX));
        assert!(s.offer(0));
        assert_eq!((s.offered(), s.taken(), s.sample_pool()), (2, 2, 2));
    }

    #[test]
    fn zero_rate_is_an_error() {
        assert_eq!(PacketSampler::new(0), Err(ExportError::ZeroSamplingRate));
    }

    #[test]
    fn threshold_boundary() {
        let mut s = PacketSampler::new(4).unwrap();
        assert_eq!(s.threshold(), 0x3fff_ffff);
        assert!(s.offer(0x3fff_ffff));
        assert!(!s.offer(0x4000_0000));
        assert_eq!(s.taken(), 1);
    }

    #[test]
    fn frequency_is_about_one_in_n() {
        // xorshift32 as a deterministic stand-in for the daemon's RNG.
        let mut x: u32 = 0x1234_5678;
        let mut rng = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut s = PacketSampler::new(64).unwrap();
        for _ in 0..640_000 {
            s.offer_with(&mut rng);
        }
        let taken = s.taken();
        assert!((9_000..11_000).contains(&taken), "taken {taken}");
        assert_eq!(s.sample_pool(), 640_000);
    }
}
