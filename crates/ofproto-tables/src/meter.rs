//! The meter table: storage and meter_mod semantics (rate limiting is the datapath's).
//!
//! Checks, as Open vSwitch 3.1 with its userspace datapath reports them (observed with
//! `ovs-ofctl -O OpenFlow13 add-meter`):
//!
//! * add of an existing meter: `OFPMMFC_METER_EXISTS`; modify of a missing one:
//!   `OFPMMFC_UNKNOWN_METER`; delete of a missing one: nothing; delete of `all` (0xffffffff):
//!   every meter.
//! * meter ids 1..=0xffff0000 plus the virtual meters `slowpath` (0xfffffffd) and
//!   `controller` (0xfffffffe) are valid; anything else: `OFPMMFC_INVALID_METER`.
//! * both `kbps` and `pktps` (or neither): `OFPMMFC_BAD_FLAGS`; no band, or a band type the
//!   datapath lacks (the userspace datapath has only `drop`): `OFPMMFC_BAD_BAND`; a rate of
//!   0: `OFPMMFC_BAD_RATE`; more than `max_bands` (8) bands: `OFPMMFC_OUT_OF_BANDS`; more
//!   than `max_meters` (262144) meters: `OFPMMFC_OUT_OF_METERS`.
//! * Deleting a meter deletes the flows that use it (reason `meter_delete`): see
//!   [`MeterTable::apply_with_flows`].
//!
//! Whether a burst size is given with the `burst` flag is checked by `ovs-ofctl`, not by
//! the switch, and is not checked here either.

use std::collections::BTreeMap;

use crate::error::OfpError;
use crate::rule::RuleActions;
use crate::tables::{FlowModOutcome, OfprotoTables};

/// Largest regular meter id (`OFPM_MAX`).
pub const METER_MAX: u32 = 0xffff_0000;
/// The slow-path virtual meter.
pub const METER_SLOWPATH: u32 = 0xffff_fffd;
/// The controller virtual meter.
pub const METER_CONTROLLER: u32 = 0xffff_fffe;
/// Every meter (delete).
pub const METER_ALL: u32 = 0xffff_ffff;

/// Meter flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MeterFlags {
    /// Rates in kb/s.
    pub kbps: bool,
    /// Rates in packets/s.
    pub pktps: bool,
    /// Bands have burst sizes.
    pub burst: bool,
    /// Collect statistics.
    pub stats: bool,
}

/// One band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeterBand {
    /// Drop packets over `rate`.
    Drop {
        /// Rate (units per the meter flags).
        rate: u32,
        /// Burst size.
        burst_size: u32,
    },
    /// Remark DSCP of packets over `rate`.
    DscpRemark {
        /// Rate.
        rate: u32,
        /// Burst size.
        burst_size: u32,
        /// Drop precedence increase.
        prec_level: u8,
    },
}

impl MeterBand {
    /// The band's rate.
    pub fn rate(&self) -> u32 {
        match self {
            MeterBand::Drop { rate, .. } | MeterBand::DscpRemark { rate, .. } => *rate,
        }
    }
}

/// meter_mod commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeterCommand {
    /// `OFPMC_ADD`.
    Add,
    /// `OFPMC_MODIFY`.
    Modify,
    /// `OFPMC_DELETE`.
    Delete,
}

/// A decoded meter_mod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterMod {
    /// What to do.
    pub command: MeterCommand,
    /// The meter.
    pub meter_id: u32,
    /// Flags.
    pub flags: MeterFlags,
    /// Bands.
    pub bands: Vec<MeterBand>,
}

/// Meter statistics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeterStats {
    /// Packets into the meter.
    pub packet_in_count: u64,
    /// Bytes into the meter.
    pub byte_in_count: u64,
    /// Per band (packets, bytes) over the band's rate.
    pub band_counts: Vec<(u64, u64)>,
}

/// One meter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meter {
    /// Its id.
    pub meter_id: u32,
    /// Flags.
    pub flags: MeterFlags,
    /// Bands.
    pub bands: Vec<MeterBand>,
    /// When it was added.
    pub created_ms: u64,
    /// Counters.
    pub stats: MeterStats,
}

/// The meters of one bridge, with the datapath's meter features.
#[derive(Debug, Clone)]
pub struct MeterTable {
    meters: BTreeMap<u32, Meter>,
    /// Most meters (userspace datapath: 262144).
    pub max_meters: u32,
    /// Most bands per meter (8).
    pub max_bands: u8,
    /// Whether `dscp_remark` bands are supported (not by the userspace datapath).
    pub dscp_remark: bool,
}

impl Default for MeterTable {
    fn default() -> Self {
        Self::new()
    }
}

impl MeterTable {
    /// An empty table with the userspace datapath's features.
    pub fn new() -> Self {
        MeterTable {
            meters: BTreeMap::new(),
            max_meters: 262_144,
            max_bands: 8,
            dscp_remark: false,
        }
    }

    /// The meter with this id.
    pub fn get(&self, meter_id: u32) -> Option<&Meter> {
        self.meters.get(&meter_id)
    }

    /// Every meter, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Meter> + '_ {
        self.meters.values()
    }

    /// Number of meters.
    pub fn len(&self) -> usize {
        self.meters.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.meters.is_empty()
    }

    /// Folds datapath statistics in: `packets`/`bytes` entered the meter, and
    /// `band_hits[i]` (packets, bytes) exceeded band `i`.
    pub fn credit_stats(
        &mut self,
        meter_id: u32,
        packets: u64,
        bytes: u64,
        band_hits: &[(u64, u64)],
    ) {
        if let Some(m) = self.meters.get_mut(&meter_id) {
            m.stats.packet_in_count = m.stats.packet_in_count.saturating_add(packets);
            m.stats.byte_in_count = m.stats.byte_in_count.saturating_add(bytes);
            for (c, h) in m.stats.band_counts.iter_mut().zip(band_hits) {
                c.0 = c.0.saturating_add(h.0);
                c.1 = c.1.saturating_add(h.1);
            }
        }
    }

    fn valid_id(id: u32) -> bool {
        (1..=METER_MAX).contains(&id) || id == METER_SLOWPATH || id == METER_CONTROLLER
    }

    fn check_config(&self, mm: &MeterMod) -> Result<(), OfpError> {
        if !Self::valid_id(mm.meter_id) {
            return Err(OfpError::InvalidMeter);
        }
        if mm.flags.kbps == mm.flags.pktps {
            return Err(OfpError::BadMeterFlags);
        }
        if mm.bands.len() > usize::from(self.max_bands) {
            return Err(OfpError::OutOfBands);
        }
        if mm.bands.is_empty() {
            return Err(OfpError::BadBand);
        }
        for b in &mm.bands {
            if matches!(b, MeterBand::DscpRemark { .. }) && !self.dscp_remark {
                return Err(OfpError::BadBand);
            }
            if b.rate() == 0 {
                return Err(OfpError::BadRate);
            }
        }
        Ok(())
    }

    /// Applies a meter_mod at `now_ms`; returns the ids of deleted meters (whose flows the
    /// caller must delete; see [`MeterTable::apply_with_flows`]). On error nothing changed.
    pub fn apply(&mut self, mm: &MeterMod, now_ms: u64) -> Result<Vec<u32>, OfpError> {
        match mm.command {
            MeterCommand::Delete => {
                let ids: Vec<u32> = if mm.meter_id == METER_ALL {
                    self.meters.keys().copied().collect()
                } else if self.meters.contains_key(&mm.meter_id) {
                    vec![mm.meter_id]
                } else {
                    Vec::new()
                };
                for id in &ids {
                    self.meters.remove(id);
                }
                Ok(ids)
            }
            MeterCommand::Add => {
                self.check_config(mm)?;
                if self.meters.contains_key(&mm.meter_id) {
                    return Err(OfpError::MeterExists);
                }
                if self.meters.len() >= self.max_meters as usize {
                    return Err(OfpError::OutOfMeters);
                }
                self.meters.insert(
                    mm.meter_id,
                    Meter {
                        meter_id: mm.meter_id,
                        flags: mm.flags,
                        bands: mm.bands.clone(),
                        created_ms: now_ms,
                        stats: MeterStats {
                            band_counts: vec![(0, 0); mm.bands.len()],
                            ..MeterStats::default()
                        },
                    },
                );
                Ok(Vec::new())
            }
            MeterCommand::Modify => {
                self.check_config(mm)?;
                let m = self
                    .meters
                    .get_mut(&mm.meter_id)
                    .ok_or(OfpError::UnknownMeter)?;
                m.flags = mm.flags;
                m.bands = mm.bands.clone();
                m.stats.band_counts = vec![(0, 0); mm.bands.len()];
                Ok(Vec::new())
            }
        }
    }

    /// [`MeterTable::apply`], then deletes the flows that used deleted meters.
    pub fn apply_with_flows<A: RuleActions>(
        &mut self,
        tables: &mut OfprotoTables<A>,
        mm: &MeterMod,
        now_ms: u64,
    ) -> Result<FlowModOutcome, OfpError> {
        let deleted = self.apply(mm, now_ms)?;
        let mut out = FlowModOutcome::default();
        for m in deleted {
            let o = tables.delete_for_meter(m, now_ms);
            out.flow_removed.extend(o.flow_removed);
            out.removed.extend(o.removed);
        }
        Ok(out)
    }
}
