//! The switch's clock: monotonic milliseconds plus the offset `time/warp` adds, so tests
//! can age flows and MAC entries without waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Monotonic milliseconds since start-up, plus warps.
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    warp_ms: AtomicU64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock starting now.
    pub fn new() -> Clock {
        Clock {
            start: Instant::now(),
            warp_ms: AtomicU64::new(0),
        }
    }

    /// Current time in milliseconds. Starts at 1,000 so that "0 = never" stays distinct.
    pub fn now_ms(&self) -> u64 {
        1_000 + self.start.elapsed().as_millis() as u64 + self.warp_ms.load(Ordering::Relaxed)
    }

    /// Advances the clock by `ms` (`time/warp`).
    pub fn warp(&self, ms: u64) {
        self.warp_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warp_moves_forward() {
        let c = Clock::new();
        let a = c.now_ms();
        c.warp(5_000);
        assert!(c.now_ms() >= a + 5_000);
    }
}
