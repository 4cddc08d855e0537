//! Random (version 4) UUIDs without a system call each.
//!
//! Every insert needs two fresh UUIDs (`_uuid` and `_version`), every modification one, and
//! every commit a transaction id. `Uuid::new_v4` asks the kernel for randomness each time (a
//! `getrandom` system call); at tens of thousands of transactions per second that is a visible
//! share of the server's time. A ChaCha-based generator seeded once from the kernel gives the
//! same unpredictability per UUID at a fraction of the cost.

use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// A seeded generator of random UUIDs.
#[derive(Debug)]
pub struct UuidGen {
    rng: rand::rngs::StdRng,
}

impl UuidGen {
    /// A generator seeded from the operating system.
    pub fn new() -> UuidGen {
        UuidGen {
            rng: rand::rngs::StdRng::from_entropy(),
        }
    }

    /// The next random UUID (version 4, RFC 4122 variant).
    pub fn next(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_and_variant_bits() {
        let mut g = UuidGen::new();
        let a = g.next();
        let b = g.next();
        assert_ne!(a, b);
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }
}
