//! Polling with a deadline: the only sanctioned way for a test to wait for something.
//!
//! A test never sleeps for a fixed time and hopes; it states the condition it waits for and the
//! longest it is willing to wait, and fails with the condition's description when the deadline
//! passes.

use std::fmt;
use std::time::{Duration, Instant};

/// The condition did not become true before the deadline.
#[derive(Debug, Clone)]
pub struct WaitError {
    /// What was being waited for.
    pub what: String,
    /// How long was waited.
    pub waited: Duration,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.waited, self.what
        )
    }
}

impl std::error::Error for WaitError {}

/// Polls `cond` until it returns `true` or `timeout` passes.
///
/// The poll interval starts at 1 ms and backs off to 50 ms so quick conditions are seen quickly
/// without burning a core on slow ones.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut cond: impl FnMut() -> bool,
) -> Result<(), WaitError> {
    wait_for(what, timeout, || cond().then_some(())).map(|_| ())
}

/// Polls `probe` until it returns `Some(value)` or `timeout` passes, returning the value.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Option<T>,
) -> Result<T, WaitError> {
    let start = Instant::now();
    let mut interval = Duration::from_millis(1);
    loop {
        if let Some(v) = probe() {
            return Ok(v);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(WaitError {
                what: what.to_string(),
                waited,
            });
        }
        std::thread::sleep(interval.min(timeout - waited));
        interval = (interval * 2).min(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_once_condition_holds() {
        let mut n = 0;
        wait_until("counter reaches 3", Duration::from_secs(5), || {
            n += 1;
            n >= 3
        })
        .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn times_out_with_description() {
        let err = wait_until("never", Duration::from_millis(20), || false).unwrap_err();
        assert!(err.to_string().contains("waiting for never"), "{err}");
        assert!(err.waited >= Duration::from_millis(20));
    }
}
