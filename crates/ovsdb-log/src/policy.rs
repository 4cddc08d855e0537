//! When a server should compact its log.
//!
//! `ovsdb-server(1)` documents the rule for standalone databases, and this
//! module states it as a pure function (time is passed in, as elsewhere in
//! ferroswitch).  A database is compacted when a transaction is logged if
//!
//! * at least [`CompactionPolicy::min_interval_ms`] (10 minutes) have passed
//!   since the last compaction (or since the database was opened), **and**
//! * at least [`CompactionPolicy::min_records`] (100) records were read or
//!   added since then, **and** either
//!   * the file is at least [`CompactionPolicy::min_size`] (10 MiB) and more
//!     than [`CompactionPolicy::growth_factor`] (2) times its size right after
//!     the last compaction (or at open), or
//!   * at least [`CompactionPolicy::max_interval_ms`] (24 hours) have passed
//!     since the last compaction, whatever the size.
//!
//! Open vSwitch adds random jitter to the 10-minute floor so that many
//! servers do not compact in lock step; a caller wanting that can vary
//! `min_interval_ms` itself.

/// Log figures the policy looks at (see [`crate::Log::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogStats {
    /// Current file size in bytes.
    pub size: u64,
    /// File size right after the last compaction, or at open.
    pub base_size: u64,
    /// Records read or appended since the last compaction.
    pub records_since_compaction: u64,
}

/// Thresholds for automatic compaction; [`Default`] gives Open vSwitch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionPolicy {
    /// Never compact sooner than this after the previous compaction.
    pub min_interval_ms: u64,
    /// After this long, compact regardless of size.
    pub max_interval_ms: u64,
    /// Never compact with fewer records than this since the last one.
    pub min_records: u64,
    /// Size-triggered compaction needs at least this many bytes.
    pub min_size: u64,
    /// ... and the file must exceed this multiple of its base size.
    pub growth_factor: u64,
}

impl Default for CompactionPolicy {
    fn default() -> Self {
        CompactionPolicy {
            min_interval_ms: 10 * 60 * 1000,
            max_interval_ms: 24 * 60 * 60 * 1000,
            min_records: 100,
            min_size: 10 * 1024 * 1024,
            growth_factor: 2,
        }
    }
}

impl CompactionPolicy {
    /// Whether to compact now, `ms_since_compaction` milliseconds after the
    /// last compaction (or open).
    pub fn should_compact(&self, stats: &LogStats, ms_since_compaction: u64) -> bool {
        if ms_since_compaction < self.min_interval_ms {
            return false;
        }
        if stats.records_since_compaction < self.min_records {
            return false;
        }
        if ms_since_compaction >= self.max_interval_ms {
            return true;
        }
        stats.size >= self.min_size
            && stats.size > stats.base_size.saturating_mul(self.growth_factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60 * 1000;
    const MB: u64 = 1024 * 1024;

    fn stats(size: u64, base: u64, records: u64) -> LogStats {
        LogStats {
            size,
            base_size: base,
            records_since_compaction: records,
        }
    }

    #[test]
    fn ovs_thresholds() {
        let p = CompactionPolicy::default();
        // Big growth, enough records and time: compact.
        assert!(p.should_compact(&stats(30 * MB, 10 * MB, 100), 10 * MIN));
        // Too soon.
        assert!(!p.should_compact(&stats(30 * MB, 10 * MB, 100), 10 * MIN - 1));
        // Too few records.
        assert!(!p.should_compact(&stats(30 * MB, 10 * MB, 99), 10 * MIN));
        // Not doubled.
        assert!(!p.should_compact(&stats(20 * MB, 10 * MB, 500), 60 * MIN));
        // Doubled but small.
        assert!(!p.should_compact(&stats(9 * MB, MB, 500), 60 * MIN));
        // A day later, size does not matter.
        assert!(p.should_compact(&stats(1000, 900, 100), 24 * 60 * MIN));
        assert!(!p.should_compact(&stats(1000, 900, 99), 24 * 60 * MIN));
    }
}
