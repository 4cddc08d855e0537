//! Rate limiting of log messages.
//!
//! Some messages (a peer that keeps sending garbage, a flapping link) could
//! otherwise flood the log. Like OVS's `VLOG_RATE_LIMIT_INIT(rate, burst)`,
//! a [`RateLimit`] is a token bucket: it allows `burst` messages at once
//! and refills at `rate` messages per minute. Suppressed messages are
//! counted; the next message that gets through is preceded by a summary,
//! "Dropped N log messages in last S seconds (most recently, T seconds ago)
//! due to excessive rate". Time is passed in (milliseconds, monotonic), so
//! the bucket itself is pure; [`crate::Vlog::log_rl`] feeds it the clock.
//! A module's rate limiting can be switched off with
//! `vlog/disable-rate-limit`, in which case the bucket is not consulted.

/// Token-bucket limiter for one call site (see the module docs).
#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Milliseconds of refill per message.
    cost: u64,
    capacity: u64,
    tokens: u64,
    last_fill: Option<u64>,
    first_dropped: u64,
    last_dropped: u64,
    n_dropped: u64,
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Log it; if messages were dropped before it, log this summary first.
    Allow(Option<String>),
    /// Drop it.
    Suppress,
}

impl RateLimit {
    /// Allows `burst` messages at once, refilling at `per_minute` a minute.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let cost = 60_000 / u64::from(per_minute.max(1));
        let capacity = cost.max(1) * u64::from(burst.max(1));
        RateLimit {
            cost: cost.max(1),
            capacity,
            tokens: capacity,
            last_fill: None,
            first_dropped: 0,
            last_dropped: 0,
            n_dropped: 0,
        }
    }

    /// Messages suppressed since the last allowed one.
    pub fn dropped(&self) -> u64 {
        self.n_dropped
    }

    /// Decides about one message at monotonic time `now_ms`.
    pub fn check(&mut self, now_ms: u64) -> Decision {
        let elapsed = self.last_fill.map_or(0, |last| now_ms.saturating_sub(last));
        self.last_fill = Some(now_ms);
        self.tokens = self.tokens.saturating_add(elapsed).min(self.capacity);
        if self.tokens >= self.cost {
            self.tokens -= self.cost;
            if self.n_dropped == 0 {
                return Decision::Allow(None);
            }
            let summary = format!(
                "Dropped {} log messages in last {} seconds (most recently, {} seconds ago) due to excessive rate",
                self.n_dropped,
                now_ms.saturating_sub(self.first_dropped) / 1000,
                now_ms.saturating_sub(self.last_dropped) / 1000
            );
            self.n_dropped = 0;
            Decision::Allow(Some(summary))
        } else {
            if self.n_dropped == 0 {
                self.first_dropped = now_ms;
            }
            self.last_dropped = now_ms;
            self.n_dropped += 1;
            Decision::Suppress
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_with_summary() {
        let mut rl = RateLimit::new(60, 2); // one per second, burst 2
        assert_eq!(rl.check(0), Decision::Allow(None));
        assert_eq!(rl.check(0), Decision::Allow(None));
        assert_eq!(rl.check(100), Decision::Suppress);
        assert_eq!(rl.check(500), Decision::Suppress);
        assert_eq!(rl.dropped(), 2);
        match rl.check(3500) {
            Decision::Allow(Some(s)) => assert_eq!(
                s,
                "Dropped 2 log messages in last 3 seconds (most recently, 3 seconds ago) due to excessive rate"
            ),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(rl.dropped(), 0);
    }
}
