//! Meters of the userspace datapath: token-bucket rate limiters that the `meter(id)` datapath
//! action runs a packet through (OpenFlow 1.3 meters, translated by ofproto).
//!
//! Each band of a meter has a bucket of tokens — bits for a meter in kb/s, packets for one in
//! packets/s — refilled continuously at the band's rate up to its burst size (the rate itself,
//! i.e. one second's worth, when the burst size is 0). A packet costs its length in bits (or
//! one packet): every band whose bucket holds the cost is debited; a band whose bucket does
//! not is *exceeded*. Of the exceeded bands, the one with the highest rate applies: a `drop`
//! band drops the packet, a `dscp_remark` band raises its DSCP drop precedence
//! ([`dpif::remark_dscp`]) and lets it pass. This is the behaviour OpenFlow 1.3 §5.7 describes
//! and Open vSwitch's userspace datapath implements (which has drop bands only).
//!
//! Meters are shared by every PMD: each meter is behind its own mutex, taken once per packet
//! that runs a `meter` action (megaflows without meters never touch it). Statistics are
//! counted here and handed out as deltas ([`Meters::take_stats`]) for ofproto to fold into
//! its OpenFlow meter statistics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

/// What a band does to a packet over its rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandAction {
    /// Drop the packet.
    Drop,
    /// Raise the DSCP drop precedence by this many levels.
    DscpRemark(u8),
}

/// One band of a meter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeterBandConfig {
    /// What happens over the rate.
    pub action: BandAction,
    /// Rate, in kb/s (1 kb = 1,000 bits) or packets/s per [`MeterConfig::pktps`].
    pub rate: u32,
    /// Bucket size in kb or packets; 0 means the rate (one second's worth).
    pub burst_size: u32,
}

/// A meter's configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeterConfig {
    /// Rates count packets (else kilobits).
    pub pktps: bool,
    /// The bands.
    pub bands: Vec<MeterBandConfig>,
}

/// Counters of one meter since the last [`Meters::take_stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeterCounters {
    /// Packets that entered the meter.
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Per band: packets and bytes over its rate (the band that applied).
    pub bands: Vec<(u64, u64)>,
}

/// What the meter decided for a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within every band's rate, or over a band that lets it pass unchanged.
    Pass,
    /// Dropped by a drop band.
    Drop,
    /// Pass with the DSCP drop precedence raised by this much.
    Remark(u8),
}

#[derive(Debug)]
struct MeterState {
    cfg: MeterConfig,
    /// Tokens per band (bits or packets).
    buckets: Vec<f64>,
    /// When the buckets were last refilled.
    last: Instant,
    counters: MeterCounters,
}

impl MeterState {
    fn new(cfg: MeterConfig, now: Instant) -> MeterState {
        let buckets = cfg.bands.iter().map(|b| capacity(&cfg, b)).collect();
        let counters = MeterCounters {
            bands: vec![(0, 0); cfg.bands.len()],
            ..MeterCounters::default()
        };
        MeterState {
            cfg,
            buckets,
            last: now,
            counters,
        }
    }

    fn run(&mut self, len: usize, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now.max(self.last);
        let cost = if self.cfg.pktps {
            1.0
        } else {
            len as f64 * 8.0
        };
        self.counters.packets += 1;
        self.counters.bytes += len as u64;
        let mut exceeded: Option<usize> = None;
        for (i, band) in self.cfg.bands.iter().enumerate() {
            let Some(bucket) = self.buckets.get_mut(i) else {
                continue;
            };
            let per_sec = unit_rate(&self.cfg, band.rate);
            *bucket = (*bucket + elapsed * per_sec).min(capacity(&self.cfg, band));
            if *bucket >= cost {
                *bucket -= cost;
            } else if exceeded.is_none_or(|e| self.cfg.bands[e].rate < band.rate) {
                exceeded = Some(i);
            }
        }
        let Some(i) = exceeded else {
            return Verdict::Pass;
        };
        if let Some(c) = self.counters.bands.get_mut(i) {
            c.0 += 1;
            c.1 += len as u64;
        }
        match self.cfg.bands[i].action {
            BandAction::Drop => Verdict::Drop,
            BandAction::DscpRemark(0) => Verdict::Pass,
            BandAction::DscpRemark(n) => Verdict::Remark(n),
        }
    }
}

/// Tokens per second for `rate` in the meter's unit.
fn unit_rate(cfg: &MeterConfig, rate: u32) -> f64 {
    if cfg.pktps {
        f64::from(rate)
    } else {
        f64::from(rate) * 1000.0
    }
}

fn capacity(cfg: &MeterConfig, band: &MeterBandConfig) -> f64 {
    let size = if band.burst_size == 0 {
        band.rate
    } else {
        band.burst_size
    };
    unit_rate(cfg, size)
}

/// Every meter of a datapath, by datapath meter id.
#[derive(Debug, Default)]
pub struct Meters {
    table: RwLock<HashMap<u32, Arc<Mutex<MeterState>>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Meters {
    /// Adds a meter under the lowest free id and returns the id.
    pub fn add(&self, cfg: MeterConfig) -> u32 {
        let mut t = self.table.write().unwrap_or_else(|p| p.into_inner());
        let id = (0..).find(|i| !t.contains_key(i)).unwrap_or(u32::MAX);
        t.insert(
            id,
            Arc::new(Mutex::new(MeterState::new(cfg, Instant::now()))),
        );
        id
    }

    /// Replaces meter `id`'s configuration (its buckets start full again; counters carry
    /// on, with one per new band). Returns false if there is no such meter.
    pub fn set(&self, id: u32, cfg: MeterConfig) -> bool {
        let t = self.table.read().unwrap_or_else(|p| p.into_inner());
        let Some(m) = t.get(&id) else {
            return false;
        };
        let mut m = lock(m);
        let mut fresh = MeterState::new(cfg, Instant::now());
        fresh.counters.packets = m.counters.packets;
        fresh.counters.bytes = m.counters.bytes;
        *m = fresh;
        true
    }

    /// Removes meter `id`, returning its last counters.
    pub fn del(&self, id: u32) -> Option<MeterCounters> {
        let mut t = self.table.write().unwrap_or_else(|p| p.into_inner());
        t.remove(&id).map(|m| lock(&m).counters.clone())
    }

    /// The configuration of meter `id`.
    pub fn config(&self, id: u32) -> Option<MeterConfig> {
        let t = self.table.read().unwrap_or_else(|p| p.into_inner());
        t.get(&id).map(|m| lock(m).cfg.clone())
    }

    /// Meter `id`'s counters since the previous call (which are then zeroed).
    pub fn take_stats(&self, id: u32) -> Option<MeterCounters> {
        let t = self.table.read().unwrap_or_else(|p| p.into_inner());
        let m = t.get(&id)?;
        let mut m = lock(m);
        let n = m.counters.bands.len();
        Some(std::mem::replace(
            &mut m.counters,
            MeterCounters {
                bands: vec![(0, 0); n],
                ..MeterCounters::default()
            },
        ))
    }

    /// Runs a packet of `len` bytes through meter `id` (a missing meter passes everything,
    /// as in Open vSwitch).
    pub fn run(&self, id: u32, len: usize) -> Verdict {
        self.run_at(id, len, Instant::now())
    }

    fn run_at(&self, id: u32, len: usize, now: Instant) -> Verdict {
        let m = {
            let t = self.table.read().unwrap_or_else(|p| p.into_inner());
            match t.get(&id) {
                Some(m) => Arc::clone(m),
                None => return Verdict::Pass,
            }
        };
        let v = lock(&m).run(len, now);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn drop_band(rate: u32, burst: u32) -> MeterBandConfig {
        MeterBandConfig {
            action: BandAction::Drop,
            rate,
            burst_size: burst,
        }
    }

    /// Offers `pps` packets/s of `len` bytes for `secs` seconds of simulated time; returns
    /// how many passed.
    fn offer(m: &Meters, id: u32, len: usize, pps: u32, secs: u32, t0: Instant) -> (u64, u64) {
        let (mut pass, mut remark) = (0, 0);
        for i in 0..pps * secs {
            let t = t0 + Duration::from_secs_f64(f64::from(i) / f64::from(pps));
            match m.run_at(id, len, t) {
                Verdict::Pass => pass += 1,
                Verdict::Remark(_) => remark += 1,
                Verdict::Drop => {}
            }
        }
        (pass, remark)
    }

    #[test]
    fn packet_rate_is_enforced_after_the_burst() {
        let m = Meters::default();
        let t0 = Instant::now();
        let id = m.add(MeterConfig {
            pktps: true,
            bands: vec![drop_band(100, 10)],
        });
        let (pass, _) = offer(&m, id, 60, 200, 10, t0);
        // 10 s at 100 pkt/s plus the initial burst of 10.
        assert!((1000..=1011).contains(&pass), "{pass}");
        let s = m.take_stats(id).unwrap();
        assert_eq!(s.packets, 2000);
        assert_eq!(s.bands[0].0, 2000 - pass);
        // Taken: zero now.
        assert_eq!(m.take_stats(id).unwrap().packets, 0);
    }

    #[test]
    fn kilobit_rate_counts_bits_and_default_burst_is_one_second() {
        let m = Meters::default();
        let t0 = Instant::now();
        // 1,000 kb/s = 125,000 bytes/s; 1,500-byte packets at 2x that.
        let id = m.add(MeterConfig {
            pktps: false,
            bands: vec![drop_band(1000, 0)],
        });
        let (pass, _) = offer(&m, id, 1500, 166, 20, t0);
        let bytes = pass * 1500;
        // 20 s at 125 kB/s plus a one-second bucket.
        let expect = 21 * 125_000;
        assert!(bytes.abs_diff(expect) < 3000, "{bytes} vs {expect}");
    }

    #[test]
    fn highest_exceeded_band_applies_and_remark_passes() {
        let m = Meters::default();
        let t0 = Instant::now();
        let id = m.add(MeterConfig {
            pktps: true,
            bands: vec![
                MeterBandConfig {
                    action: BandAction::DscpRemark(1),
                    rate: 100,
                    burst_size: 1,
                },
                drop_band(1000, 1),
            ],
        });
        // 200 pkt/s: over the remark band only.
        let (pass, remark) = offer(&m, id, 60, 200, 5, t0);
        assert_eq!(pass + remark, 1000);
        assert!(remark.abs_diff(500) < 5, "{remark}");
        // 4,000 pkt/s: over both; the drop band (higher rate) applies beyond 1,000/s.
        let t1 = t0 + Duration::from_secs(10);
        let (pass, remark) = offer(&m, id, 60, 4000, 2, t1);
        assert!((pass + remark).abs_diff(2000) < 5, "{pass} {remark}");
    }

    #[test]
    fn set_and_del() {
        let m = Meters::default();
        let a = m.add(MeterConfig {
            pktps: true,
            bands: vec![drop_band(1, 1)],
        });
        let b = m.add(MeterConfig {
            pktps: true,
            bands: vec![drop_band(1, 1)],
        });
        assert_ne!(a, b);
        assert_eq!(m.run(a, 60), Verdict::Pass);
        assert_eq!(m.run(a, 60), Verdict::Drop);
        let cfg = MeterConfig {
            pktps: true,
            bands: vec![drop_band(1_000_000, 1_000_000)],
        };
        assert!(m.set(a, cfg.clone()));
        assert_eq!(m.config(a), Some(cfg));
        assert_eq!(m.run(a, 60), Verdict::Pass);
        assert_eq!(m.del(a).unwrap().packets, 3);
        assert_eq!(m.run(a, 60), Verdict::Pass, "a missing meter passes");
        assert!(!m.set(a, m.config(b).unwrap()));
        assert_eq!(m.add(m.config(b).unwrap()), a, "lowest free id reused");
    }
}
