//! Meters (`OFPT_METER_MOD`, meter stats/config/features multipart) and
//! group features.
//!
//! A meter has a list of bands; each band is `type:16 len:16 rate:32
//! burst_size:32` followed by type-specific data (`DROP`: padding,
//! `DSCP_REMARK`: precedence level, `EXPERIMENTER`: experimenter id and
//! opaque data).

use super::{BodyError, Ctx};
use crate::OfpErr;
use octets::{Reader, Writer};

/// Band types.
pub mod band_type {
    /// Drop packets.
    pub const DROP: u16 = 1;
    /// Remark DSCP.
    pub const DSCP_REMARK: u16 = 2;
    /// Experimenter.
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// What a band does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BandKind {
    /// Drop.
    Drop,
    /// Increase drop precedence by `prec_level`.
    DscpRemark {
        /// Precedence levels to add.
        prec_level: u8,
    },
    /// Experimenter band.
    Experimenter {
        /// Experimenter id.
        experimenter: u32,
        /// Data after the experimenter id.
        data: Vec<u8>,
    },
    /// Unknown band type, data after the common 12 bytes.
    Unknown {
        /// Band type.
        ty: u16,
        /// Data.
        data: Vec<u8>,
    },
}

/// A meter band.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeterBand {
    /// Rate (kbps or pktps per meter flags).
    pub rate: u32,
    /// Burst size.
    pub burst_size: u32,
    /// What the band does.
    pub kind: BandKind,
}

impl MeterBand {
    /// The band's type number.
    pub fn band_type(&self) -> u16 {
        match &self.kind {
            BandKind::Drop => band_type::DROP,
            BandKind::DscpRemark { .. } => band_type::DSCP_REMARK,
            BandKind::Experimenter { .. } => band_type::EXPERIMENTER,
            BandKind::Unknown { ty, .. } => *ty,
        }
    }
}

/// Decodes bands until `r` is empty.
pub fn decode_bands(r: &mut Reader<'_>) -> Result<Vec<MeterBand>, BodyError> {
    const W: &str = "meter band";
    let mut out = Vec::new();
    while !r.is_empty() {
        let ty = r.u16().ctx(W)?;
        let len = r.u16().ctx(W)?;
        if len < 16 || len % 8 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPMMFC_BAD_BAND,
                format!("meter band length {len} is invalid"),
            ));
        }
        let mut br = r.sub(usize::from(len) - 4).ctx(W)?;
        let rate = br.u32().ctx(W)?;
        let burst_size = br.u32().ctx(W)?;
        let kind = match ty {
            band_type::DROP if len == 16 => {
                br.skip(4).ctx(W)?;
                BandKind::Drop
            }
            band_type::DSCP_REMARK if len == 16 => {
                let prec_level = br.u8().ctx(W)?;
                br.skip(3).ctx(W)?;
                BandKind::DscpRemark { prec_level }
            }
            band_type::EXPERIMENTER => BandKind::Experimenter {
                experimenter: br.u32().ctx(W)?,
                data: br.take_rest().to_vec(),
            },
            ty => BandKind::Unknown {
                ty,
                data: br.take_rest().to_vec(),
            },
        };
        out.push(MeterBand {
            rate,
            burst_size,
            kind,
        });
    }
    Ok(out)
}

/// Encodes bands.
pub fn encode_bands(bands: &[MeterBand], w: &mut Writer) {
    for b in bands {
        let start = w.len();
        w.u16(b.band_type());
        let at = w.placeholder_u16();
        w.u32(b.rate).u32(b.burst_size);
        match &b.kind {
            BandKind::Drop => {
                w.zeros(4);
            }
            BandKind::DscpRemark { prec_level } => {
                w.u8(*prec_level).zeros(3);
            }
            BandKind::Experimenter { experimenter, data } => {
                w.u32(*experimenter).bytes(data);
            }
            BandKind::Unknown { data, .. } => {
                w.bytes(data);
            }
        }
        w.pad_to(start, 8);
        w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
    }
}

/// Meter mod commands.
pub mod command {
    /// Add.
    pub const ADD: u16 = 0;
    /// Modify.
    pub const MODIFY: u16 = 1;
    /// Delete.
    pub const DELETE: u16 = 2;
}

/// Meter flags.
pub mod flags {
    /// Rates in kb/s.
    pub const KBPS: u16 = 1;
    /// Rates in packets/s.
    pub const PKTPS: u16 = 2;
    /// Burst size applies.
    pub const BURST: u16 = 4;
    /// Collect statistics.
    pub const STATS: u16 = 8;
}

/// Special meter ids.
pub mod meter_id {
    /// Last usable meter.
    pub const MAX: u32 = 0xffff_0000;
    /// Slow-path meter.
    pub const SLOWPATH: u32 = 0xffff_fffd;
    /// Controller meter.
    pub const CONTROLLER: u32 = 0xffff_fffe;
    /// All meters.
    pub const ALL: u32 = 0xffff_ffff;
}

/// An `OFPT_METER_MOD` body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeterMod {
    /// `command::*`.
    pub command: u16,
    /// `flags::*`.
    pub flags: u16,
    /// Meter id.
    pub meter_id: u32,
    /// Bands.
    pub bands: Vec<MeterBand>,
}

/// Decodes a meter mod body.
pub fn decode_meter_mod(r: &mut Reader<'_>) -> Result<MeterMod, BodyError> {
    Ok(MeterMod {
        command: r.u16().ctx("meter mod")?,
        flags: r.u16().ctx("meter mod")?,
        meter_id: r.u32().ctx("meter mod")?,
        bands: decode_bands(r)?,
    })
}

/// Encodes a meter mod body.
pub fn encode_meter_mod(m: &MeterMod, w: &mut Writer) {
    w.u16(m.command).u16(m.flags).u32(m.meter_id);
    encode_bands(&m.bands, w);
}

/// Decodes a meter stats/config request: a meter id.
pub fn decode_meter_request(r: &mut Reader<'_>) -> Result<u32, BodyError> {
    let id = r.u32().ctx("meter request")?;
    r.skip(4).ctx("meter request")?;
    Ok(id)
}

/// Encodes a meter stats/config request.
pub fn encode_meter_request(meter_id: u32, w: &mut Writer) {
    w.u32(meter_id).zeros(4);
}

/// Per-band statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BandStats {
    /// Packets processed by the band.
    pub packet_count: u64,
    /// Bytes processed by the band.
    pub byte_count: u64,
}

/// One meter's statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MeterStats {
    /// Meter id.
    pub meter_id: u32,
    /// Flows bound to the meter.
    pub flow_count: u32,
    /// Packets in input.
    pub packet_in_count: u64,
    /// Bytes in input.
    pub byte_in_count: u64,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds alive beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Per-band statistics.
    pub bands: Vec<BandStats>,
}

/// Decodes meter stats records.
pub fn decode_meter_stats(r: &mut Reader<'_>) -> Result<Vec<MeterStats>, BodyError> {
    const W: &str = "meter stats";
    let mut out = Vec::new();
    while !r.is_empty() {
        let meter_id = r.u32().ctx(W)?;
        let len = r.u16().ctx(W)?;
        if len < 40 || (len - 40) % 16 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("meter stats length {len} is invalid"),
            ));
        }
        let mut mr = r.sub(usize::from(len) - 6).ctx(W)?;
        mr.skip(6).ctx(W)?;
        let mut s = MeterStats {
            meter_id,
            flow_count: mr.u32().ctx(W)?,
            packet_in_count: mr.u64().ctx(W)?,
            byte_in_count: mr.u64().ctx(W)?,
            duration_sec: mr.u32().ctx(W)?,
            duration_nsec: mr.u32().ctx(W)?,
            bands: Vec::new(),
        };
        while !mr.is_empty() {
            s.bands.push(BandStats {
                packet_count: mr.u64().ctx(W)?,
                byte_count: mr.u64().ctx(W)?,
            });
        }
        out.push(s);
    }
    Ok(out)
}

/// Encodes meter stats records.
pub fn encode_meter_stats(ss: &[MeterStats], w: &mut Writer) {
    for s in ss {
        let len = 40 + 16 * s.bands.len();
        w.u32(s.meter_id)
            .u16(u16::try_from(len).unwrap_or(u16::MAX))
            .zeros(6)
            .u32(s.flow_count)
            .u64(s.packet_in_count)
            .u64(s.byte_in_count)
            .u32(s.duration_sec)
            .u32(s.duration_nsec);
        for b in &s.bands {
            w.u64(b.packet_count).u64(b.byte_count);
        }
    }
}

/// One meter's configuration (meter config reply record).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeterConfig {
    /// Flags.
    pub flags: u16,
    /// Meter id.
    pub meter_id: u32,
    /// Bands.
    pub bands: Vec<MeterBand>,
}

/// Decodes meter config records.
pub fn decode_meter_configs(r: &mut Reader<'_>) -> Result<Vec<MeterConfig>, BodyError> {
    const W: &str = "meter config";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = r.u16().ctx(W)?;
        if len < 8 {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("meter config length {len} < 8"),
            ));
        }
        let mut mr = r.sub(usize::from(len) - 2).ctx(W)?;
        let flags = mr.u16().ctx(W)?;
        let meter_id = mr.u32().ctx(W)?;
        out.push(MeterConfig {
            flags,
            meter_id,
            bands: decode_bands(&mut mr)?,
        });
    }
    Ok(out)
}

/// Encodes meter config records.
pub fn encode_meter_configs(cs: &[MeterConfig], w: &mut Writer) {
    for c in cs {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u16(c.flags).u32(c.meter_id);
        encode_bands(&c.bands, w);
        w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
    }
}

/// Meter features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MeterFeatures {
    /// Maximum number of meters.
    pub max_meter: u32,
    /// Bitmap of supported band types (bit n = type n).
    pub band_types: u32,
    /// Bitmap of supported flags.
    pub capabilities: u32,
    /// Maximum bands per meter.
    pub max_bands: u8,
    /// Maximum color value.
    pub max_color: u8,
}

/// Decodes meter features.
pub fn decode_meter_features(r: &mut Reader<'_>) -> Result<MeterFeatures, BodyError> {
    const W: &str = "meter features";
    let f = MeterFeatures {
        max_meter: r.u32().ctx(W)?,
        band_types: r.u32().ctx(W)?,
        capabilities: r.u32().ctx(W)?,
        max_bands: r.u8().ctx(W)?,
        max_color: r.u8().ctx(W)?,
    };
    r.skip(2).ctx(W)?;
    Ok(f)
}

/// Encodes meter features.
pub fn encode_meter_features(f: &MeterFeatures, w: &mut Writer) {
    w.u32(f.max_meter)
        .u32(f.band_types)
        .u32(f.capabilities)
        .u8(f.max_bands)
        .u8(f.max_color)
        .zeros(2);
}

/// Group features.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GroupFeatures {
    /// Bitmap of supported group types.
    pub types: u32,
    /// `OFPGFC_*` capabilities.
    pub capabilities: u32,
    /// Maximum groups per type (all, select, indirect, fast failover).
    pub max_groups: [u32; 4],
    /// Supported actions per type (wire action-type bitmaps).
    pub actions: [u32; 4],
}

/// Decodes group features.
pub fn decode_group_features(r: &mut Reader<'_>) -> Result<GroupFeatures, BodyError> {
    const W: &str = "group features";
    let mut g = GroupFeatures {
        types: r.u32().ctx(W)?,
        capabilities: r.u32().ctx(W)?,
        ..GroupFeatures::default()
    };
    for m in g.max_groups.iter_mut() {
        *m = r.u32().ctx(W)?;
    }
    for a in g.actions.iter_mut() {
        *a = r.u32().ctx(W)?;
    }
    Ok(g)
}

/// Encodes group features.
pub fn encode_group_features(g: &GroupFeatures, w: &mut Writer) {
    w.u32(g.types).u32(g.capabilities);
    for m in g.max_groups {
        w.u32(m);
    }
    for a in g.actions {
        w.u32(a);
    }
}
