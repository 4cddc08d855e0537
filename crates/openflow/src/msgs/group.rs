//! Groups: `OFPT_GROUP_MOD`, group description and group statistics
//! (OpenFlow 1.1 to 1.4 layouts).
//!
//! A group is a type (all, select, indirect, fast failover), an id, and a
//! list of buckets; each bucket has a weight (select groups), a watch port
//! and watch group (fast failover liveness), and an action list, which is
//! carried as [`RawActions`] for the `ofp-actions` crate to interpret.
//!
//! OpenFlow 1.5 (and the Nicira `NXT_GROUP_MOD` / `NXST_GROUP_DESC` that
//! bring it to older versions) give buckets ids and move weight and watch
//! port/group into bucket properties; a group_mod also names a bucket to
//! insert after or remove (`command_bucket_id`) and may carry group
//! properties (kept verbatim as [`RawProp`]s).  Bucket properties are
//! written as OVS does: a weight for select groups (or any nonzero
//! weight), watch port/group when set.

use super::flow::RawActions;
use super::{raw_props, BodyError, Ctx, RawProp};
use crate::header::Version;
use crate::OfpErr;
use octets::{Reader, Writer};

/// `OFPG_ANY` / `OFPP_ANY`: no watch group / port.
pub const WATCH_NONE: u32 = 0xffff_ffff;
/// `OFPG_ALL`: all groups.
pub const OFPG_ALL: u32 = 0xffff_fffc;

/// One bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bucket {
    /// Bucket id (OpenFlow 1.5 / Nicira encodings; 0 otherwise).
    pub bucket_id: u32,
    /// Relative weight (select groups).
    pub weight: u16,
    /// Port whose liveness gates the bucket (fast failover).
    pub watch_port: u32,
    /// Group whose liveness gates the bucket (fast failover).
    pub watch_group: u32,
    /// The bucket's actions.
    pub actions: RawActions,
}

fn decode_buckets(v: Version, r: &mut Reader<'_>) -> Result<Vec<Bucket>, BodyError> {
    const W: &str = "group bucket";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        if len < 16 || len % 8 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPGMFC_BAD_BUCKET,
                format!("bucket length {len} is not a multiple of 8 of at least 16"),
            ));
        }
        let mut b = r.sub(len).ctx(W)?;
        b.skip(2).ctx(W)?;
        let weight = b.u16().ctx(W)?;
        let watch_port = b.u32().ctx(W)?;
        let watch_group = b.u32().ctx(W)?;
        b.skip(4).ctx(W)?;
        out.push(Bucket {
            bucket_id: 0,
            weight,
            watch_port,
            watch_group,
            actions: RawActions {
                version: v,
                bytes: b.take_rest().to_vec(),
            },
        });
    }
    Ok(out)
}

fn encode_buckets(buckets: &[Bucket], w: &mut Writer) {
    for b in buckets {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u16(b.weight)
            .u32(b.watch_port)
            .u32(b.watch_group)
            .zeros(4);
        w.bytes(&b.actions.bytes);
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}

/// `OFPT_GROUP_MOD` / `NXT_GROUP_MOD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupMod {
    /// `OFPGC_*`: 0 add, 1 modify, 2 delete; OpenFlow 1.5 adds 3 insert
    /// bucket and 5 remove bucket (OVS: 0x8000 add-or-modify).
    pub command: u16,
    /// `OFPGT_*`: 0 all, 1 select, 2 indirect, 3 fast failover.
    pub group_type: u8,
    /// Group id.
    pub group_id: u32,
    /// Buckets.
    pub buckets: Vec<Bucket>,
    /// OpenFlow 1.5: the bucket an insert/remove refers to
    /// (`0xfffffffd` first, `0xfffffffe` last, `0xffffffff` all).
    pub command_bucket_id: u32,
    /// OpenFlow 1.5 group properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a group_mod body (OpenFlow 1.1 to 1.4 layout).
pub fn decode_group_mod(v: Version, r: &mut Reader<'_>) -> Result<GroupMod, BodyError> {
    const W: &str = "group_mod";
    let command = r.u16().ctx(W)?;
    let group_type = r.u8().ctx(W)?;
    r.skip(1).ctx(W)?;
    let group_id = r.u32().ctx(W)?;
    if command > 2 {
        return Err(BodyError::invalid(
            OfpErr::OFPGMFC_BAD_COMMAND,
            format!("unknown group_mod command {command}"),
        ));
    }
    if group_type > 3 {
        return Err(BodyError::invalid(
            OfpErr::OFPGMFC_BAD_TYPE,
            format!("unknown group type {group_type}"),
        ));
    }
    Ok(GroupMod {
        command,
        group_type,
        group_id,
        buckets: decode_buckets(v, r)?,
        command_bucket_id: 0,
        props: Vec::new(),
    })
}

/// Encodes a group_mod body (OpenFlow 1.1 to 1.4 layout).
pub fn encode_group_mod(g: &GroupMod, w: &mut Writer) {
    w.u16(g.command).u8(g.group_type).zeros(1).u32(g.group_id);
    encode_buckets(&g.buckets, w);
}

/// One group in a group description reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupDesc {
    /// `OFPGT_*`.
    pub group_type: u8,
    /// Group id.
    pub group_id: u32,
    /// Buckets.
    pub buckets: Vec<Bucket>,
    /// OpenFlow 1.5 group properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes group description entries (OpenFlow 1.1 to 1.4 layout).
pub fn decode_group_descs(v: Version, r: &mut Reader<'_>) -> Result<Vec<GroupDesc>, BodyError> {
    const W: &str = "group desc";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        if len < 8 {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("group desc length {len} < 8"),
            ));
        }
        let mut e = r.sub(len).ctx(W)?;
        e.skip(2).ctx(W)?;
        let group_type = e.u8().ctx(W)?;
        e.skip(1).ctx(W)?;
        let group_id = e.u32().ctx(W)?;
        out.push(GroupDesc {
            group_type,
            group_id,
            buckets: decode_buckets(v, &mut e)?,
            props: Vec::new(),
        });
    }
    Ok(out)
}

/// Encodes group description entries (OpenFlow 1.1 to 1.4 layout).
pub fn encode_group_descs(descs: &[GroupDesc], w: &mut Writer) {
    for d in descs {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u8(d.group_type).zeros(1).u32(d.group_id);
        encode_buckets(&d.buckets, w);
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}

fn bad_bucket(reason: String) -> BodyError {
    BodyError::invalid(OfpErr::OFPGMFC_BAD_BUCKET, reason)
}

/// Decodes OpenFlow 1.5 buckets (`len:16 action_array_len:16 bucket_id:32
/// actions properties`).
fn decode_buckets15(v: Version, r: &mut Reader<'_>) -> Result<Vec<Bucket>, BodyError> {
    const W: &str = "group bucket";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        if len < 8 || len % 8 != 0 {
            return Err(bad_bucket(format!(
                "bucket length {len} is not a multiple of 8 of at least 8"
            )));
        }
        let mut b = r.sub(len).ctx(W)?;
        b.skip(2).ctx(W)?;
        let alen = usize::from(b.u16().ctx(W)?);
        let bucket_id = b.u32().ctx(W)?;
        let actions = b
            .bytes(alen)
            .map_err(|_| bad_bucket(format!("bucket action length {alen} exceeds the bucket")))?;
        let mut bucket = Bucket {
            bucket_id,
            weight: 0,
            watch_port: WATCH_NONE,
            watch_group: WATCH_NONE,
            actions: RawActions {
                version: v,
                bytes: actions.to_vec(),
            },
        };
        for p in raw_props(&mut b, W)? {
            let mut pr = Reader::new(&p.value);
            match p.ty {
                0 => bucket.weight = pr.u16().ctx(W)?,
                1 => bucket.watch_port = pr.u32().ctx(W)?,
                2 => bucket.watch_group = pr.u32().ctx(W)?,
                t => return Err(bad_bucket(format!("unknown bucket property {t}"))),
            }
        }
        out.push(bucket);
    }
    Ok(out)
}

/// Encodes OpenFlow 1.5 buckets for a group of `group_type`.
fn encode_buckets15(group_type: u8, buckets: &[Bucket], w: &mut Writer) {
    for b in buckets {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u16(u16::try_from(b.actions.bytes.len()).unwrap_or(u16::MAX));
        w.u32(b.bucket_id);
        w.bytes(&b.actions.bytes);
        if group_type == 1 || b.weight != 0 {
            w.tlv(0, 8, |w| {
                w.u16(b.weight).zeros(2);
            });
        }
        if b.watch_port != WATCH_NONE {
            w.tlv(1, 8, |w| {
                w.u32(b.watch_port);
            });
        }
        if b.watch_group != WATCH_NONE {
            w.tlv(2, 8, |w| {
                w.u32(b.watch_group);
            });
        }
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}

/// Decodes an OpenFlow 1.5 / `NXT_GROUP_MOD` body.
pub fn decode_group_mod15(v: Version, r: &mut Reader<'_>) -> Result<GroupMod, BodyError> {
    const W: &str = "group_mod";
    let command = r.u16().ctx(W)?;
    let group_type = r.u8().ctx(W)?;
    r.skip(1).ctx(W)?;
    let group_id = r.u32().ctx(W)?;
    let blen = usize::from(r.u16().ctx(W)?);
    r.skip(2).ctx(W)?;
    let command_bucket_id = r.u32().ctx(W)?;
    if !matches!(command, 0..=3 | 5 | 0x8000) {
        return Err(BodyError::invalid(
            OfpErr::OFPGMFC_BAD_COMMAND,
            format!("unknown group_mod command {command}"),
        ));
    }
    if group_type > 3 {
        return Err(BodyError::invalid(
            OfpErr::OFPGMFC_BAD_TYPE,
            format!("unknown group type {group_type}"),
        ));
    }
    // The bucket a command refers to: any id, first or last for inserts
    // and removals (removals also "all"); "all" for everything else.
    const FIRST: u32 = 0xffff_fffd;
    const LAST: u32 = 0xffff_fffe;
    const ALL: u32 = 0xffff_ffff;
    const MAX: u32 = 0xffff_ff00;
    let c = command_bucket_id;
    let ok = match command {
        3 => c <= MAX || c == FIRST || c == LAST,
        5 => c <= MAX || c == FIRST || c == LAST || c == ALL,
        _ => c == ALL,
    };
    if !ok {
        return Err(bad_bucket(format!(
            "group command bucket id ({c}) is out of range"
        )));
    }
    let mut b = r
        .sub(blen)
        .map_err(|_| bad_bucket(format!("bucket array length {blen} exceeds the message")))?;
    let buckets = decode_buckets15(v, &mut b)?;
    Ok(GroupMod {
        command,
        group_type,
        group_id,
        buckets,
        command_bucket_id,
        props: raw_props(r, W)?,
    })
}

/// Encodes an OpenFlow 1.5 / `NXT_GROUP_MOD` body.
pub fn encode_group_mod15(g: &GroupMod, w: &mut Writer) {
    w.u16(g.command).u8(g.group_type).zeros(1).u32(g.group_id);
    let at = w.placeholder_u16();
    w.zeros(2).u32(g.command_bucket_id);
    let start = w.len();
    encode_buckets15(g.group_type, &g.buckets, w);
    let blen = w.len() - start;
    w.patch_u16(at, u16::try_from(blen).unwrap_or(u16::MAX));
    for p in &g.props {
        p.encode(w);
    }
}

/// Decodes OpenFlow 1.5 / `NXST_GROUP_DESC` description entries.
pub fn decode_group_descs15(v: Version, r: &mut Reader<'_>) -> Result<Vec<GroupDesc>, BodyError> {
    const W: &str = "group desc";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        if len < 16 {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("group desc length {len} < 16"),
            ));
        }
        let mut e = r.sub(len).ctx(W)?;
        e.skip(2).ctx(W)?;
        let group_type = e.u8().ctx(W)?;
        e.skip(1).ctx(W)?;
        let group_id = e.u32().ctx(W)?;
        let blen = usize::from(e.u16().ctx(W)?);
        e.skip(6).ctx(W)?;
        let mut b = e
            .sub(blen)
            .map_err(|_| bad_bucket(format!("bucket list length {blen} exceeds the entry")))?;
        let buckets = decode_buckets15(v, &mut b)?;
        out.push(GroupDesc {
            group_type,
            group_id,
            buckets,
            props: raw_props(&mut e, W)?,
        });
    }
    Ok(out)
}

/// Encodes OpenFlow 1.5 / `NXST_GROUP_DESC` description entries.
pub fn encode_group_descs15(descs: &[GroupDesc], w: &mut Writer) {
    for d in descs {
        let start = w.len();
        let at = w.placeholder_u16();
        w.u8(d.group_type).zeros(1).u32(d.group_id);
        let bat = w.placeholder_u16();
        w.zeros(6);
        let bstart = w.len();
        encode_buckets15(d.group_type, &d.buckets, w);
        let blen = w.len() - bstart;
        w.patch_u16(bat, u16::try_from(blen).unwrap_or(u16::MAX));
        for p in &d.props {
            p.encode(w);
        }
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}

/// Per-bucket counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketCounter {
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
}

/// One group's statistics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupStats {
    /// Group id.
    pub group_id: u32,
    /// Flows referring to the group.
    pub ref_count: u32,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Age, seconds part (OF1.3+; 0 otherwise).
    pub duration_sec: u32,
    /// Age, nanoseconds part (OF1.3+; 0 otherwise).
    pub duration_nsec: u32,
    /// Per-bucket counters.
    pub buckets: Vec<BucketCounter>,
}

/// Decodes group statistics entries.
pub fn decode_group_stats(v: Version, r: &mut Reader<'_>) -> Result<Vec<GroupStats>, BodyError> {
    const W: &str = "group stats";
    let base = if v >= Version::Of13 { 40 } else { 32 };
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        if len < base || (len - base) % 16 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("group stats length {len}"),
            ));
        }
        let mut e = r.sub(len).ctx(W)?;
        e.skip(4).ctx(W)?;
        let group_id = e.u32().ctx(W)?;
        let ref_count = e.u32().ctx(W)?;
        e.skip(4).ctx(W)?;
        let packet_count = e.u64().ctx(W)?;
        let byte_count = e.u64().ctx(W)?;
        let (duration_sec, duration_nsec) = if v >= Version::Of13 {
            (e.u32().ctx(W)?, e.u32().ctx(W)?)
        } else {
            (0, 0)
        };
        let mut buckets = Vec::new();
        while !e.is_empty() {
            buckets.push(BucketCounter {
                packet_count: e.u64().ctx(W)?,
                byte_count: e.u64().ctx(W)?,
            });
        }
        out.push(GroupStats {
            group_id,
            ref_count,
            packet_count,
            byte_count,
            duration_sec,
            duration_nsec,
            buckets,
        });
    }
    Ok(out)
}

/// Encodes group statistics entries.
pub fn encode_group_stats(v: Version, stats: &[GroupStats], w: &mut Writer) {
    for g in stats {
        let start = w.len();
        let at = w.placeholder_u16();
        w.zeros(2).u32(g.group_id).u32(g.ref_count).zeros(4);
        w.u64(g.packet_count).u64(g.byte_count);
        if v >= Version::Of13 {
            w.u32(g.duration_sec).u32(g.duration_nsec);
        }
        for b in &g.buckets {
            w.u64(b.packet_count).u64(b.byte_count);
        }
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}
