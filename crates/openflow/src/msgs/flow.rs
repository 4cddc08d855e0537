//! Flow-carrying messages: flow_mod, flow_removed, packet_in, packet_out,
//! flow and aggregate statistics.
//!
//! Each message is one version-independent struct holding a
//! [`flow::Match`]; how the match travels is decided by the raw message
//! and version ([`MatchKind`]): OpenFlow 1.0's fixed `ofp_match`, NXM in
//! the Nicira messages (`NXT_FLOW_MOD`, `NXT_FLOW_REMOVED`,
//! `NXT_PACKET_IN`, `NXST_FLOW`, `NXST_AGGREGATE`, where a `match_len`
//! field gives the unpadded length), OpenFlow 1.1's standard match, or OXM
//! for 1.2+.
//!
//! Actions and instructions are carried as [`RawActions`]: the exact bytes
//! of the message's action list (OpenFlow 1.0 / NXM messages, packet_out)
//! or instruction list (OpenFlow 1.1+ flow_mod and flow stats), tagged with
//! the version they were encoded for.  The `ofp-actions` crate translates
//! those bytes to and from its version-independent action list; it plugs in
//! at exactly these fields, so these codecs never interpret actions and
//! decode -> encode reproduces them byte for byte.
//!
//! Fields a version lacks are filled with the value OVS assumes (e.g.
//! `out_group = OFPG_ANY`, `cookie_mask = 0`, `importance = 0`) and ignored
//! when encoding for that version.  OpenFlow 1.5 sends the counters of
//! flow_removed and flow/aggregate statistics as OXS TLVs ([`Oxs`]:
//! duration, idle time, flow count, packet count, byte count); they map
//! onto the same struct fields, and are written in field-number order.

use super::{port_from_of10, read_port, write_port, BodyError, Ctx};
use crate::header::Version;
use crate::ofmatch::{nxm, std_match};
use crate::OfpErr;
use flow::Match;
use octets::{padding, Reader, Writer};

/// `OFPG_ANY` (any group / no group).
pub const OFPG_ANY: u32 = 0xffff_ffff;
/// `OFP_NO_BUFFER`.
pub const NO_BUFFER: u32 = 0xffff_ffff;
/// `OFP_DEFAULT_PRIORITY`.
pub const DEFAULT_PRIORITY: u16 = 0x8000;

/// An action or instruction list kept as the bytes of one version's
/// encoding.  The `ofp-actions` crate decodes and encodes these bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawActions {
    /// The version whose action/instruction encoding `bytes` uses.
    pub version: Version,
    /// The encoded list.
    pub bytes: Vec<u8>,
}

impl RawActions {
    /// An empty list (`actions=drop`).
    pub fn empty(version: Version) -> RawActions {
        RawActions {
            version,
            bytes: Vec::new(),
        }
    }
}

/// How a message carries its match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// OpenFlow 1.0 `ofp_match`.
    Of10,
    /// OpenFlow 1.1 standard match.
    Of11,
    /// NXM with an explicit `match_len` (Nicira messages).
    Nxm,
    /// OXM `ofp_match` of the version.
    Oxm(Version),
}

impl MatchKind {
    /// The kind for a standard (non-Nicira) message of `v`.
    pub fn standard(v: Version) -> MatchKind {
        match v {
            Version::Of10 => MatchKind::Of10,
            Version::Of11 => MatchKind::Of11,
            v => MatchKind::Oxm(v),
        }
    }
}

/// Decodes a fixed or OXM match (not NXM, whose length comes from the
/// enclosing message).
pub(crate) fn decode_match(
    kind: MatchKind,
    r: &mut Reader<'_>,
    strict: bool,
) -> Result<Match, BodyError> {
    // As in OVS, OF1.1+ messages accept either match type (standard or
    // OXM) whatever the version.
    match kind {
        MatchKind::Of10 => std_match::decode_of10(r),
        MatchKind::Of11 | MatchKind::Oxm(_) | MatchKind::Nxm => nxm::decode_oxm_match(r, strict),
    }
}

/// Encodes a fixed or OXM match.
pub(crate) fn encode_match(kind: MatchKind, m: &Match, w: &mut Writer) {
    match kind {
        MatchKind::Of10 => std_match::encode_of10(m, w),
        MatchKind::Of11 => std_match::encode_of11(m, w),
        MatchKind::Oxm(v) => {
            nxm::encode_oxm_match(m, v, w);
        }
        MatchKind::Nxm => {
            nxm::encode_oxm_match(m, Version::Of12, w);
        }
    }
}

/// Reads `len` bytes of NXM plus padding to 8.
pub(crate) fn decode_nxm_padded(
    r: &mut Reader<'_>,
    len: usize,
    strict: bool,
) -> Result<Match, BodyError> {
    decode_nxm_padded_cookie(r, len, strict, false).map(|(m, _)| m)
}

/// Reads `len` bytes of NXM plus padding to 8, with an optional
/// `NXM_NX_COOKIE` (returned as cookie and mask).
pub(crate) fn decode_nxm_padded_cookie(
    r: &mut Reader<'_>,
    len: usize,
    strict: bool,
    allow_cookie: bool,
) -> Result<(Match, (u64, u64)), BodyError> {
    let b = r.bytes(len + padding(len, 8)).map_err(|_| {
        BodyError::invalid(
            OfpErr::OFPBMC_BAD_LEN,
            format!("NXM match length {len} exceeds the message"),
        )
    })?;
    nxm::decode_nxm_cookie(b.get(..len).unwrap_or(&[]), strict, allow_cookie)
}

/// Writes NXM for `m` padded to 8 and returns the unpadded length.
pub(crate) fn encode_nxm_padded(m: &Match, w: &mut Writer) -> u16 {
    encode_nxm_padded_cookie(m, 0, 0, w)
}

/// Writes NXM for `m` plus `NXM_NX_COOKIE` (if `mask` is nonzero), padded
/// to 8, and returns the unpadded length.
pub(crate) fn encode_nxm_padded_cookie(m: &Match, cookie: u64, mask: u64, w: &mut Writer) -> u16 {
    let start = w.len();
    nxm::encode_nxm(m, nxm::Dialect::Nxm, w);
    nxm::encode_nxm_cookie(cookie, mask, w);
    let len = w.len() - start;
    w.pad_to(start, 8);
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// OpenFlow 1.5 statistics (an `ofp_stats` with OXS fields of class
/// `OFPXSC_OPENFLOW_BASIC`); absent fields are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Oxs {
    /// `OXS_OF_DURATION`: seconds and nanoseconds.
    pub duration: Option<(u32, u32)>,
    /// `OXS_OF_IDLE_TIME`: seconds and nanoseconds.
    pub idle_time: Option<(u32, u32)>,
    /// `OXS_OF_FLOW_COUNT`.
    pub flow_count: Option<u32>,
    /// `OXS_OF_PACKET_COUNT`.
    pub packet_count: Option<u64>,
    /// `OXS_OF_BYTE_COUNT`.
    pub byte_count: Option<u64>,
}

const OXS_CLASS: u32 = 0x8002;

/// Decodes an `ofp_stats` (header, OXS fields, padding to 8).  Unknown
/// fields are skipped.
pub fn decode_oxs(r: &mut Reader<'_>) -> Result<Oxs, BodyError> {
    const W: &str = "OXS statistics";
    let _reserved = r.u16().ctx(W)?;
    let len = usize::from(r.u16().ctx(W)?);
    if len < 4 {
        return Err(BodyError::invalid(
            OfpErr::OFPBRC_BAD_LEN,
            format!("OXS statistics length {len} < 4"),
        ));
    }
    let mut b = r.sub(len - 4).ctx(W)?;
    r.skip(padding(len, 8).min(r.remaining())).ctx(W)?;
    let mut o = Oxs::default();
    while !b.is_empty() {
        let h = b.u32().ctx(W)?;
        let n = (h & 0xff) as usize;
        let mut p = b.sub(n).ctx(W)?;
        if h >> 16 != OXS_CLASS {
            continue;
        }
        let pair = |p: &mut Reader<'_>| -> Result<(u32, u32), BodyError> {
            Ok((p.u32().ctx(W)?, p.u32().ctx(W)?))
        };
        match ((h >> 9) & 0x7f, n) {
            (0, 8) => o.duration = Some(pair(&mut p)?),
            (1, 8) => o.idle_time = Some(pair(&mut p)?),
            (3, 4) => o.flow_count = Some(p.u32().ctx(W)?),
            (4, 8) => o.packet_count = Some(p.u64().ctx(W)?),
            (5, 8) => o.byte_count = Some(p.u64().ctx(W)?),
            _ => {}
        }
    }
    Ok(o)
}

/// Encodes an `ofp_stats` with the present fields, padded to 8.
pub fn encode_oxs(o: &Oxs, w: &mut Writer) {
    let start = w.len();
    w.u16(0);
    let at = w.placeholder_u16();
    let hdr = |w: &mut Writer, field: u32, n: u32| {
        w.u32((OXS_CLASS << 16) | (field << 9) | n);
    };
    if let Some((s, ns)) = o.duration {
        hdr(w, 0, 8);
        w.u32(s).u32(ns);
    }
    if let Some((s, ns)) = o.idle_time {
        hdr(w, 1, 8);
        w.u32(s).u32(ns);
    }
    if let Some(c) = o.flow_count {
        hdr(w, 3, 4);
        w.u32(c);
    }
    if let Some(c) = o.packet_count {
        hdr(w, 4, 8);
        w.u64(c);
    }
    if let Some(c) = o.byte_count {
        hdr(w, 5, 8);
        w.u64(c);
    }
    let len = w.len() - start;
    w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    w.pad_to(start, 8);
}

/// Flow_mod commands (`OFPFC_*`).
pub mod fmc {
    /// Add a flow.
    pub const ADD: u8 = 0;
    /// Modify matching flows.
    pub const MODIFY: u8 = 1;
    /// Modify the flow with exactly this match and priority.
    pub const MODIFY_STRICT: u8 = 2;
    /// Delete matching flows.
    pub const DELETE: u8 = 3;
    /// Delete the flow with exactly this match and priority.
    pub const DELETE_STRICT: u8 = 4;
}

/// Version-independent flow_mod flags (OF1.3 bit positions).
pub mod fmf {
    /// `send_flow_rem`.
    pub const SEND_FLOW_REM: u16 = 1 << 0;
    /// `check_overlap`.
    pub const CHECK_OVERLAP: u16 = 1 << 1;
    /// `reset_counts` (OF1.2+).
    pub const RESET_COUNTS: u16 = 1 << 2;
    /// `no_packet_counts` (OF1.3+).
    pub const NO_PKT_COUNTS: u16 = 1 << 3;
    /// `no_byte_counts` (OF1.3+).
    pub const NO_BYT_COUNTS: u16 = 1 << 4;
}

/// The flow_mod flag bits valid in `v` (OF1.0's `OFPFF_EMERG` is handled
/// separately).
fn valid_flags(v: Version) -> u16 {
    match v {
        Version::Of10 | Version::Of11 => fmf::SEND_FLOW_REM | fmf::CHECK_OVERLAP,
        Version::Of12 => fmf::SEND_FLOW_REM | fmf::CHECK_OVERLAP | fmf::RESET_COUNTS,
        _ => 0x1f,
    }
}

/// `OFPT_FLOW_MOD` / `NXT_FLOW_MOD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowMod {
    /// The message's cookie field.  OF1.0 and NXM: the cookie to give the
    /// flows (`u64::MAX` = leave unchanged).  OF1.1+: the new cookie for
    /// ADD, otherwise the cookie to match under `cookie_mask`.
    pub cookie: u64,
    /// Cookie mask for MODIFY/DELETE (OF1.1+, and NXM via `NXM_NX_COOKIE`;
    /// 0 = cookies not matched).
    pub cookie_mask: u64,
    /// NXM only: the cookie matched under `cookie_mask` (carried as
    /// `NXM_NX_COOKIE`); 0 in other encodings, which use `cookie`.
    pub match_cookie: u64,
    /// Table (OF1.0/NXM: the high byte of `command`, used with the
    /// flow_mod_table_id extension).
    pub table_id: u8,
    /// Command ([`fmc`]).
    pub command: u8,
    /// Idle timeout in seconds (0 = none).
    pub idle_timeout: u16,
    /// Hard timeout in seconds (0 = none).
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Buffered packet to apply to, or [`NO_BUFFER`].
    pub buffer_id: u32,
    /// Output port filter for DELETE (`OFPP_ANY` = none), 32-bit numbering.
    pub out_port: u32,
    /// Output group filter for DELETE (OF1.1+; [`OFPG_ANY`] = none).
    pub out_group: u32,
    /// Flags ([`fmf`] bit positions).
    pub flags: u16,
    /// Importance (OF1.4+; 0 otherwise).
    pub importance: u16,
    /// The match.
    pub match_: Match,
    /// Actions (OF1.0, NXM) or instructions (OF1.1+).
    pub actions: RawActions,
}

impl FlowMod {
    /// A flow_mod with OVS's defaults: priority 0x8000, no cookie, table
    /// 0 (255 for deletions, i.e. all tables, in OF1.1+), no timeouts, no
    /// buffer, no out_port/out_group filter, no flags, and an empty action
    /// list (`drop`) for `version`.
    pub fn new(version: Version, command: u8, match_: Match) -> FlowMod {
        let delete = command == fmc::DELETE || command == fmc::DELETE_STRICT;
        FlowMod {
            cookie: 0,
            cookie_mask: 0,
            match_cookie: 0,
            table_id: if delete && version >= Version::Of11 {
                0xff
            } else {
                0
            },
            command,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: DEFAULT_PRIORITY,
            buffer_id: NO_BUFFER,
            out_port: super::ofpp::ANY,
            out_group: OFPG_ANY,
            flags: 0,
            importance: 0,
            match_,
            actions: RawActions::empty(version),
        }
    }
}

/// Decodes a flow_mod body.
pub fn decode_flow_mod(v: Version, nx: bool, r: &mut Reader<'_>) -> Result<FlowMod, BodyError> {
    const W: &str = "flow_mod";
    let fm = if v == Version::Of10 || nx {
        let (match_, cookie, command, idle, hard, prio, buffer_id, out_port, flags);
        let mut nxm_cookie = (0, 0);
        if nx {
            cookie = r.u64().ctx(W)?;
            command = r.u16().ctx(W)?;
            idle = r.u16().ctx(W)?;
            hard = r.u16().ctx(W)?;
            prio = r.u16().ctx(W)?;
            buffer_id = r.u32().ctx(W)?;
            out_port = port_from_of10(r.u16().ctx(W)?);
            flags = r.u16().ctx(W)?;
            let match_len = usize::from(r.u16().ctx(W)?);
            r.skip(6).ctx(W)?;
            (match_, nxm_cookie) = decode_nxm_padded_cookie(r, match_len, true, true)?;
            if command & 0xff == u16::from(fmc::ADD) && nxm_cookie.1 != 0 {
                return Err(BodyError::invalid(
                    OfpErr::NXBRC_NXM_INVALID,
                    "flow additions cannot match on the cookie",
                ));
            }
        } else {
            match_ = std_match::decode_of10(r)?;
            cookie = r.u64().ctx(W)?;
            command = r.u16().ctx(W)?;
            idle = r.u16().ctx(W)?;
            hard = r.u16().ctx(W)?;
            prio = r.u16().ctx(W)?;
            buffer_id = r.u32().ctx(W)?;
            out_port = port_from_of10(r.u16().ctx(W)?);
            flags = r.u16().ctx(W)?;
        }
        if flags & 4 != 0 {
            return Err(BodyError::invalid(
                OfpErr::OFPFMFC_TABLE_FULL,
                "emergency flows are not supported",
            ));
        }
        FlowMod {
            cookie,
            cookie_mask: nxm_cookie.1,
            match_cookie: nxm_cookie.0,
            table_id: (command >> 8) as u8,
            command: (command & 0xff) as u8,
            idle_timeout: idle,
            hard_timeout: hard,
            priority: prio,
            buffer_id,
            out_port,
            out_group: OFPG_ANY,
            flags,
            importance: 0,
            match_,
            actions: RawActions::empty(v),
        }
    } else {
        let cookie = r.u64().ctx(W)?;
        let cookie_mask = r.u64().ctx(W)?;
        let table_id = r.u8().ctx(W)?;
        let command = r.u8().ctx(W)?;
        let idle_timeout = r.u16().ctx(W)?;
        let hard_timeout = r.u16().ctx(W)?;
        let priority = r.u16().ctx(W)?;
        let buffer_id = r.u32().ctx(W)?;
        let out_port = r.u32().ctx(W)?;
        let out_group = r.u32().ctx(W)?;
        let flags = r.u16().ctx(W)?;
        let imp = r.u16().ctx(W)?;
        let match_ = decode_match(MatchKind::standard(v), r, true)?;
        if table_id == 0xff && command <= fmc::MODIFY_STRICT {
            return Err(BodyError::invalid(
                OfpErr::OFPFMFC_BAD_TABLE_ID,
                "table 255 is only valid for deletions",
            ));
        }
        FlowMod {
            cookie,
            cookie_mask,
            match_cookie: 0,
            table_id,
            command,
            idle_timeout,
            hard_timeout,
            priority,
            buffer_id,
            out_port,
            out_group,
            flags,
            importance: if v >= Version::Of14 { imp } else { 0 },
            match_,
            actions: RawActions::empty(v),
        }
    };
    if fm.command > fmc::DELETE_STRICT {
        return Err(BodyError::invalid(
            OfpErr::OFPFMFC_BAD_COMMAND,
            format!("unknown flow_mod command {}", fm.command),
        ));
    }
    if fm.flags & !valid_flags(v) != 0 {
        return Err(BodyError::invalid(
            OfpErr::OFPFMFC_BAD_FLAGS,
            format!("bad flow_mod flags {:#x}", fm.flags),
        ));
    }
    Ok(FlowMod {
        actions: RawActions {
            version: v,
            bytes: r.take_rest().to_vec(),
        },
        ..fm
    })
}

/// Encodes a flow_mod body.
pub fn encode_flow_mod(v: Version, nx: bool, fm: &FlowMod, w: &mut Writer) {
    let command16 = (u16::from(fm.table_id) << 8) | u16::from(fm.command);
    if nx {
        w.u64(fm.cookie).u16(command16);
        w.u16(fm.idle_timeout).u16(fm.hard_timeout).u16(fm.priority);
        w.u32(fm.buffer_id);
        write_port(Version::Of10, w, fm.out_port);
        w.u16(fm.flags);
        let at = w.placeholder_u16();
        w.zeros(6);
        let len = encode_nxm_padded_cookie(&fm.match_, fm.match_cookie, fm.cookie_mask, w);
        w.patch_u16(at, len);
    } else if v == Version::Of10 {
        std_match::encode_of10(&fm.match_, w);
        w.u64(fm.cookie).u16(command16);
        w.u16(fm.idle_timeout).u16(fm.hard_timeout).u16(fm.priority);
        w.u32(fm.buffer_id);
        write_port(v, w, fm.out_port);
        w.u16(fm.flags);
    } else {
        w.u64(fm.cookie)
            .u64(fm.cookie_mask)
            .u8(fm.table_id)
            .u8(fm.command);
        w.u16(fm.idle_timeout).u16(fm.hard_timeout).u16(fm.priority);
        w.u32(fm.buffer_id).u32(fm.out_port).u32(fm.out_group);
        w.u16(fm.flags);
        w.u16(if v >= Version::Of14 { fm.importance } else { 0 });
        encode_match(MatchKind::standard(v), &fm.match_, w);
    }
    w.bytes(&fm.actions.bytes);
}

/// `OFPT_FLOW_REMOVED` / `NXT_FLOW_REMOVED` (OpenFlow 1.0 to 1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowRemoved {
    /// The flow's match.
    pub match_: Match,
    /// Cookie.
    pub cookie: u64,
    /// Priority.
    pub priority: u16,
    /// Reason (`OFPRR_*`: 0 idle timeout, 1 hard timeout, 2 delete, 3
    /// group delete, 4 meter delete, 5 eviction).
    pub reason: u8,
    /// Table (OF1.1+ and NXM; 0 in OF1.0).
    pub table_id: u8,
    /// Lifetime, seconds part.
    pub duration_sec: u32,
    /// Lifetime, nanoseconds part.
    pub duration_nsec: u32,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout (OF1.1+; 0 otherwise).
    pub hard_timeout: u16,
    /// Packets matched.
    pub packet_count: u64,
    /// Bytes matched.
    pub byte_count: u64,
}

/// Decodes a flow_removed body.
pub fn decode_flow_removed(
    v: Version,
    nx: bool,
    r: &mut Reader<'_>,
) -> Result<FlowRemoved, BodyError> {
    const W: &str = "flow_removed";
    if !nx && v >= Version::Of15 {
        let table_id = r.u8().ctx(W)?;
        let reason = r.u8().ctx(W)?;
        let priority = r.u16().ctx(W)?;
        let idle_timeout = r.u16().ctx(W)?;
        let hard_timeout = r.u16().ctx(W)?;
        let cookie = r.u64().ctx(W)?;
        let match_ = nxm::decode_oxm_match(r, false)?;
        let o = decode_oxs(r)?;
        let (duration_sec, duration_nsec) = o.duration.unwrap_or((0, 0));
        return Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            table_id,
            duration_sec,
            duration_nsec,
            idle_timeout,
            hard_timeout,
            packet_count: o.packet_count.unwrap_or(0),
            byte_count: o.byte_count.unwrap_or(0),
        });
    }
    if nx {
        let cookie = r.u64().ctx(W)?;
        let priority = r.u16().ctx(W)?;
        let reason = r.u8().ctx(W)?;
        let table_id = r.u8().ctx(W)?;
        let duration_sec = r.u32().ctx(W)?;
        let duration_nsec = r.u32().ctx(W)?;
        let idle_timeout = r.u16().ctx(W)?;
        let match_len = usize::from(r.u16().ctx(W)?);
        let packet_count = r.u64().ctx(W)?;
        let byte_count = r.u64().ctx(W)?;
        let match_ = decode_nxm_padded(r, match_len, false)?;
        Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            table_id,
            duration_sec,
            duration_nsec,
            idle_timeout,
            hard_timeout: 0,
            packet_count,
            byte_count,
        })
    } else if v == Version::Of10 {
        let match_ = std_match::decode_of10(r)?;
        let cookie = r.u64().ctx(W)?;
        let priority = r.u16().ctx(W)?;
        let reason = r.u8().ctx(W)?;
        r.skip(1).ctx(W)?;
        let duration_sec = r.u32().ctx(W)?;
        let duration_nsec = r.u32().ctx(W)?;
        let idle_timeout = r.u16().ctx(W)?;
        r.skip(2).ctx(W)?;
        Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            table_id: 0,
            duration_sec,
            duration_nsec,
            idle_timeout,
            hard_timeout: 0,
            packet_count: r.u64().ctx(W)?,
            byte_count: r.u64().ctx(W)?,
        })
    } else {
        let cookie = r.u64().ctx(W)?;
        let priority = r.u16().ctx(W)?;
        let reason = r.u8().ctx(W)?;
        let table_id = r.u8().ctx(W)?;
        let duration_sec = r.u32().ctx(W)?;
        let duration_nsec = r.u32().ctx(W)?;
        let idle_timeout = r.u16().ctx(W)?;
        let hard_timeout = r.u16().ctx(W)?;
        let packet_count = r.u64().ctx(W)?;
        let byte_count = r.u64().ctx(W)?;
        let match_ = decode_match(MatchKind::standard(v), r, false)?;
        Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            table_id,
            duration_sec,
            duration_nsec,
            idle_timeout,
            hard_timeout,
            packet_count,
            byte_count,
        })
    }
}

/// Encodes a flow_removed body (OF1.5: duration, packet and byte counts
/// as OXS).
pub fn encode_flow_removed(v: Version, nx: bool, f: &FlowRemoved, w: &mut Writer) {
    if !nx && v >= Version::Of15 {
        w.u8(f.table_id).u8(f.reason).u16(f.priority);
        w.u16(f.idle_timeout).u16(f.hard_timeout).u64(f.cookie);
        nxm::encode_oxm_match(&f.match_, v, w);
        let o = Oxs {
            duration: Some((f.duration_sec, f.duration_nsec)),
            packet_count: Some(f.packet_count),
            byte_count: Some(f.byte_count),
            ..Oxs::default()
        };
        encode_oxs(&o, w);
    } else if nx {
        w.u64(f.cookie).u16(f.priority).u8(f.reason).u8(f.table_id);
        w.u32(f.duration_sec)
            .u32(f.duration_nsec)
            .u16(f.idle_timeout);
        let at = w.placeholder_u16();
        w.u64(f.packet_count).u64(f.byte_count);
        let len = encode_nxm_padded(&f.match_, w);
        w.patch_u16(at, len);
    } else if v == Version::Of10 {
        std_match::encode_of10(&f.match_, w);
        w.u64(f.cookie).u16(f.priority).u8(f.reason).zeros(1);
        w.u32(f.duration_sec)
            .u32(f.duration_nsec)
            .u16(f.idle_timeout);
        w.zeros(2).u64(f.packet_count).u64(f.byte_count);
    } else {
        w.u64(f.cookie).u16(f.priority).u8(f.reason).u8(f.table_id);
        w.u32(f.duration_sec).u32(f.duration_nsec);
        w.u16(f.idle_timeout).u16(f.hard_timeout);
        w.u64(f.packet_count).u64(f.byte_count);
        encode_match(MatchKind::standard(v), &f.match_, w);
    }
}

/// `OFPT_PACKET_IN` / `NXT_PACKET_IN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PacketIn {
    /// Buffer id, or [`NO_BUFFER`].
    pub buffer_id: u32,
    /// Full length of the packet.
    pub total_len: u16,
    /// Reason (`OFPR_*`).
    pub reason: u8,
    /// Table (OF1.1+, NXM; 0 in OF1.0).
    pub table_id: u8,
    /// Cookie of the flow that sent it (OF1.3+, NXM; 0 otherwise).
    pub cookie: u64,
    /// OF1.1's physical input port (`in_phy_port`; 0 otherwise).
    pub in_phy_port: u32,
    /// Packet metadata (in_port, tunnel, registers, ...).  OF1.0 and OF1.1
    /// carry only the input port, as an exact `in_port` here.
    pub match_: Match,
    /// The packet (or its first bytes).
    pub data: Vec<u8>,
}

/// Decodes a packet_in body (`nx` for `NXT_PACKET_IN`).
pub fn decode_packet_in(v: Version, nx: bool, r: &mut Reader<'_>) -> Result<PacketIn, BodyError> {
    const W: &str = "packet_in";
    let mut pi = PacketIn {
        buffer_id: r.u32().ctx(W)?,
        total_len: 0,
        reason: 0,
        table_id: 0,
        cookie: 0,
        in_phy_port: 0,
        match_: Match::catchall(),
        data: Vec::new(),
    };
    let set_port = |m: &mut Match, p: u32| -> Result<(), BodyError> {
        let p16 = super::port_to_of10(p).ok_or_else(|| {
            BodyError::invalid(OfpErr::OFPBRC_BAD_PORT, format!("bad in_port {p:#x}"))
        })?;
        m.set_raw(flow::FieldId::InPort, u128::from(p16), 0xffff);
        Ok(())
    };
    if nx {
        pi.total_len = r.u16().ctx(W)?;
        pi.reason = r.u8().ctx(W)?;
        pi.table_id = r.u8().ctx(W)?;
        pi.cookie = r.u64().ctx(W)?;
        let match_len = usize::from(r.u16().ctx(W)?);
        r.skip(6).ctx(W)?;
        pi.match_ = decode_nxm_padded(r, match_len, false)?;
        r.skip(2).ctx(W)?;
    } else if v == Version::Of10 {
        pi.total_len = r.u16().ctx(W)?;
        let port = port_from_of10(r.u16().ctx(W)?);
        set_port(&mut pi.match_, port)?;
        pi.reason = r.u8().ctx(W)?;
        r.skip(1).ctx(W)?;
    } else if v == Version::Of11 {
        let port = r.u32().ctx(W)?;
        set_port(&mut pi.match_, port)?;
        pi.in_phy_port = r.u32().ctx(W)?;
        pi.total_len = r.u16().ctx(W)?;
        pi.reason = r.u8().ctx(W)?;
        pi.table_id = r.u8().ctx(W)?;
    } else {
        pi.total_len = r.u16().ctx(W)?;
        pi.reason = r.u8().ctx(W)?;
        pi.table_id = r.u8().ctx(W)?;
        if v >= Version::Of13 {
            pi.cookie = r.u64().ctx(W)?;
        }
        pi.match_ = nxm::decode_oxm_match(r, false)?;
        r.skip(2).ctx(W)?;
    }
    pi.data = r.take_rest().to_vec();
    Ok(pi)
}

/// Encodes a packet_in body.
pub fn encode_packet_in(v: Version, nx: bool, pi: &PacketIn, w: &mut Writer) {
    w.u32(pi.buffer_id);
    let port = port_from_of10(pi.match_.flow().get(flow::FieldId::InPort) as u16);
    if nx {
        w.u16(pi.total_len)
            .u8(pi.reason)
            .u8(pi.table_id)
            .u64(pi.cookie);
        let at = w.placeholder_u16();
        w.zeros(6);
        let len = encode_nxm_padded(&pi.match_, w);
        w.patch_u16(at, len);
        w.zeros(2);
    } else if v == Version::Of10 {
        w.u16(pi.total_len);
        write_port(v, w, port);
        w.u8(pi.reason).zeros(1);
    } else if v == Version::Of11 {
        w.u32(port).u32(pi.in_phy_port);
        w.u16(pi.total_len).u8(pi.reason).u8(pi.table_id);
    } else {
        w.u16(pi.total_len).u8(pi.reason).u8(pi.table_id);
        if v >= Version::Of13 {
            w.u64(pi.cookie);
        }
        nxm::encode_oxm_match(&pi.match_, v, w);
        w.zeros(2);
    }
    w.bytes(&pi.data);
}

/// `OFPT_PACKET_OUT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PacketOut {
    /// Buffered packet to send, or [`NO_BUFFER`].
    pub buffer_id: u32,
    /// Packet metadata: before OF1.5 only `in_port` (always exact after
    /// decoding); OF1.5 carries a full OXM match.
    pub match_: Match,
    /// The actions (always an action list, never instructions).
    pub actions: RawActions,
    /// The packet when not buffered.
    pub data: Vec<u8>,
}

/// Decodes a packet_out body.
pub fn decode_packet_out(v: Version, r: &mut Reader<'_>) -> Result<PacketOut, BodyError> {
    const W: &str = "packet_out";
    let buffer_id = r.u32().ctx(W)?;
    let (match_, actions_len) = if v >= Version::Of15 {
        let alen = r.u16().ctx(W)?;
        r.skip(2).ctx(W)?;
        (nxm::decode_oxm_match(r, true)?, alen)
    } else {
        let port = read_port(v, r).ctx(W)?;
        let alen = r.u16().ctx(W)?;
        if v != Version::Of10 {
            r.skip(6).ctx(W)?;
        }
        let p16 = super::port_to_of10(port).ok_or_else(|| {
            BodyError::invalid(OfpErr::OFPBRC_BAD_PORT, format!("bad in_port {port:#x}"))
        })?;
        let mut m = Match::catchall();
        m.set_raw(flow::FieldId::InPort, u128::from(p16), 0xffff);
        (m, alen)
    };
    let actions = r.bytes(usize::from(actions_len)).map_err(|_| {
        BodyError::invalid(
            OfpErr::OFPBRC_BAD_LEN,
            format!("packet_out actions_len {actions_len} exceeds the message"),
        )
    })?;
    Ok(PacketOut {
        buffer_id,
        match_,
        actions: RawActions {
            version: v,
            bytes: actions.to_vec(),
        },
        data: r.take_rest().to_vec(),
    })
}

/// Encodes a packet_out body.
pub fn encode_packet_out(v: Version, po: &PacketOut, w: &mut Writer) {
    w.u32(po.buffer_id);
    let alen = u16::try_from(po.actions.bytes.len()).unwrap_or(u16::MAX);
    if v >= Version::Of15 {
        w.u16(alen).zeros(2);
        nxm::encode_oxm_match(&po.match_, v, w);
    } else {
        let port = port_from_of10(po.match_.flow().get(flow::FieldId::InPort) as u16);
        write_port(v, w, port);
        w.u16(alen);
        if v != Version::Of10 {
            w.zeros(6);
        }
    }
    w.bytes(&po.actions.bytes);
    w.bytes(&po.data);
}

/// A flow or aggregate statistics request (`OFPST_FLOW`,
/// `OFPST_AGGREGATE`, `NXST_FLOW`, `NXST_AGGREGATE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowStatsRequest {
    /// Table (`0xff` = all).
    pub table_id: u8,
    /// Output port filter (`OFPP_ANY` = none), 32-bit numbering.
    pub out_port: u32,
    /// Output group filter (OF1.1+; [`OFPG_ANY`] otherwise).
    pub out_group: u32,
    /// Cookie (OF1.1+; NXM via `NXM_NX_COOKIE`).
    pub cookie: u64,
    /// Cookie mask (OF1.1+, NXM; 0 = any cookie).
    pub cookie_mask: u64,
    /// Flows to report.
    pub match_: Match,
}

/// Decodes a flow/aggregate stats request body.
pub fn decode_flow_stats_request(
    v: Version,
    nx: bool,
    r: &mut Reader<'_>,
) -> Result<FlowStatsRequest, BodyError> {
    const W: &str = "flow stats request";
    if nx {
        let out_port = port_from_of10(r.u16().ctx(W)?);
        let match_len = usize::from(r.u16().ctx(W)?);
        let table_id = r.u8().ctx(W)?;
        r.skip(3).ctx(W)?;
        let (match_, (cookie, cookie_mask)) = decode_nxm_padded_cookie(r, match_len, true, true)?;
        Ok(FlowStatsRequest {
            table_id,
            out_port,
            out_group: OFPG_ANY,
            cookie,
            cookie_mask,
            match_,
        })
    } else if v == Version::Of10 {
        let match_ = std_match::decode_of10(r)?;
        let table_id = r.u8().ctx(W)?;
        r.skip(1).ctx(W)?;
        let out_port = port_from_of10(r.u16().ctx(W)?);
        Ok(FlowStatsRequest {
            table_id,
            out_port,
            out_group: OFPG_ANY,
            cookie: 0,
            cookie_mask: 0,
            match_,
        })
    } else {
        let table_id = r.u8().ctx(W)?;
        r.skip(3).ctx(W)?;
        let out_port = r.u32().ctx(W)?;
        let out_group = r.u32().ctx(W)?;
        r.skip(4).ctx(W)?;
        let cookie = r.u64().ctx(W)?;
        let cookie_mask = r.u64().ctx(W)?;
        let match_ = decode_match(MatchKind::standard(v), r, true)?;
        Ok(FlowStatsRequest {
            table_id,
            out_port,
            out_group,
            cookie,
            cookie_mask,
            match_,
        })
    }
}

/// Encodes a flow/aggregate stats request body.
pub fn encode_flow_stats_request(v: Version, nx: bool, q: &FlowStatsRequest, w: &mut Writer) {
    if nx {
        write_port(Version::Of10, w, q.out_port);
        let at = w.placeholder_u16();
        w.u8(q.table_id).zeros(3);
        let len = encode_nxm_padded_cookie(&q.match_, q.cookie, q.cookie_mask, w);
        w.patch_u16(at, len);
    } else if v == Version::Of10 {
        std_match::encode_of10(&q.match_, w);
        w.u8(q.table_id).zeros(1);
        write_port(v, w, q.out_port);
    } else {
        w.u8(q.table_id)
            .zeros(3)
            .u32(q.out_port)
            .u32(q.out_group)
            .zeros(4);
        w.u64(q.cookie).u64(q.cookie_mask);
        encode_match(MatchKind::standard(v), &q.match_, w);
    }
}

/// One flow in a flow statistics reply (OpenFlow 1.0 to 1.4, NXM).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowStats {
    /// Table.
    pub table_id: u8,
    /// The flow's match.
    pub match_: Match,
    /// Age, seconds part.
    pub duration_sec: u32,
    /// Age, nanoseconds part.
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Flags (OF1.3+; 0 otherwise).
    pub flags: u16,
    /// Importance (OF1.4+; 0 otherwise).
    pub importance: u16,
    /// NXM and OF1.5 (OXS idle time): seconds since last hit, plus one
    /// (0 = unknown).
    pub idle_age: u16,
    /// NXM only: seconds since last modification, plus one (0 = unknown).
    pub hard_age: u16,
    /// Cookie.
    pub cookie: u64,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Actions (OF1.0, NXM) or instructions (OF1.1+).
    pub actions: RawActions,
}

/// Decodes the entries of a flow stats reply.
pub fn decode_flow_stats(
    v: Version,
    nx: bool,
    r: &mut Reader<'_>,
) -> Result<Vec<FlowStats>, BodyError> {
    const W: &str = "flow stats";
    let mut out = Vec::new();
    while !r.is_empty() {
        let len = usize::from(r.peek_u16(0).ctx(W)?);
        let of15 = v >= Version::Of15 && !nx;
        let min = if v == Version::Of10 && !nx {
            88
        } else if of15 {
            40
        } else {
            48
        };
        if len < min {
            return Err(BodyError::invalid(
                OfpErr::OFPBRC_BAD_LEN,
                format!("flow stats entry length {len} < {min}"),
            ));
        }
        let mut e = r.sub(len).ctx(W)?;
        e.skip(2).ctx(W)?;
        if of15 {
            e.skip(2).ctx(W)?;
        }
        let table_id = e.u8().ctx(W)?;
        let reason = e.u8().ctx(W)?;
        let mut fs = FlowStats {
            table_id,
            match_: Match::catchall(),
            duration_sec: 0,
            duration_nsec: 0,
            priority: 0,
            idle_timeout: 0,
            hard_timeout: 0,
            flags: 0,
            importance: 0,
            idle_age: 0,
            hard_age: 0,
            cookie: 0,
            packet_count: 0,
            byte_count: 0,
            actions: RawActions::empty(v),
        };
        if of15 {
            let _ = reason;
            fs.priority = e.u16().ctx(W)?;
            fs.idle_timeout = e.u16().ctx(W)?;
            fs.hard_timeout = e.u16().ctx(W)?;
            fs.flags = e.u16().ctx(W)?;
            fs.importance = e.u16().ctx(W)?;
            fs.cookie = e.u64().ctx(W)?;
            fs.match_ = nxm::decode_oxm_match(&mut e, false)?;
            let o = decode_oxs(&mut e)?;
            (fs.duration_sec, fs.duration_nsec) = o.duration.unwrap_or((0, 0));
            fs.idle_age = o.idle_time.map_or(0, |(s, _)| {
                u16::try_from(s.saturating_add(1)).unwrap_or(u16::MAX)
            });
            fs.packet_count = o.packet_count.unwrap_or(0);
            fs.byte_count = o.byte_count.unwrap_or(0);
        } else if nx {
            fs.duration_sec = e.u32().ctx(W)?;
            fs.duration_nsec = e.u32().ctx(W)?;
            fs.priority = e.u16().ctx(W)?;
            fs.idle_timeout = e.u16().ctx(W)?;
            fs.hard_timeout = e.u16().ctx(W)?;
            let match_len = usize::from(e.u16().ctx(W)?);
            fs.idle_age = e.u16().ctx(W)?;
            fs.hard_age = e.u16().ctx(W)?;
            fs.cookie = e.u64().ctx(W)?;
            fs.packet_count = e.u64().ctx(W)?;
            fs.byte_count = e.u64().ctx(W)?;
            fs.match_ = decode_nxm_padded(&mut e, match_len, false)?;
        } else if v == Version::Of10 {
            fs.match_ = std_match::decode_of10(&mut e)?;
            fs.duration_sec = e.u32().ctx(W)?;
            fs.duration_nsec = e.u32().ctx(W)?;
            fs.priority = e.u16().ctx(W)?;
            fs.idle_timeout = e.u16().ctx(W)?;
            fs.hard_timeout = e.u16().ctx(W)?;
            e.skip(6).ctx(W)?;
            fs.cookie = e.u64().ctx(W)?;
            fs.packet_count = e.u64().ctx(W)?;
            fs.byte_count = e.u64().ctx(W)?;
        } else {
            fs.duration_sec = e.u32().ctx(W)?;
            fs.duration_nsec = e.u32().ctx(W)?;
            fs.priority = e.u16().ctx(W)?;
            fs.idle_timeout = e.u16().ctx(W)?;
            fs.hard_timeout = e.u16().ctx(W)?;
            let flags = e.u16().ctx(W)?;
            let importance = e.u16().ctx(W)?;
            fs.flags = if v >= Version::Of13 { flags } else { 0 };
            fs.importance = if v >= Version::Of14 { importance } else { 0 };
            e.skip(2).ctx(W)?;
            fs.cookie = e.u64().ctx(W)?;
            fs.packet_count = e.u64().ctx(W)?;
            fs.byte_count = e.u64().ctx(W)?;
            fs.match_ = decode_match(MatchKind::standard(v), &mut e, false)?;
        }
        fs.actions.bytes = e.take_rest().to_vec();
        out.push(fs);
    }
    Ok(out)
}

/// Encodes flow stats reply entries.
pub fn encode_flow_stats(v: Version, nx: bool, entries: &[FlowStats], w: &mut Writer) {
    for fs in entries {
        let start = w.len();
        let at = w.placeholder_u16();
        if v >= Version::Of15 && !nx {
            w.zeros(2).u8(fs.table_id).u8(0);
            w.u16(fs.priority).u16(fs.idle_timeout).u16(fs.hard_timeout);
            w.u16(fs.flags).u16(fs.importance).u64(fs.cookie);
            encode_match(MatchKind::standard(v), &fs.match_, w);
            let o = Oxs {
                duration: Some((fs.duration_sec, fs.duration_nsec)),
                idle_time: fs.idle_age.checked_sub(1).map(|a| (u32::from(a), 0)),
                packet_count: Some(fs.packet_count),
                byte_count: Some(fs.byte_count),
                ..Oxs::default()
            };
            encode_oxs(&o, w);
            w.bytes(&fs.actions.bytes);
            let len = w.len() - start;
            w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
            continue;
        }
        w.u8(fs.table_id).zeros(1);
        if nx {
            w.u32(fs.duration_sec).u32(fs.duration_nsec);
            w.u16(fs.priority).u16(fs.idle_timeout).u16(fs.hard_timeout);
            let mat = w.placeholder_u16();
            w.u16(fs.idle_age).u16(fs.hard_age);
            w.u64(fs.cookie).u64(fs.packet_count).u64(fs.byte_count);
            let len = encode_nxm_padded(&fs.match_, w);
            w.patch_u16(mat, len);
        } else if v == Version::Of10 {
            std_match::encode_of10(&fs.match_, w);
            w.u32(fs.duration_sec).u32(fs.duration_nsec);
            w.u16(fs.priority).u16(fs.idle_timeout).u16(fs.hard_timeout);
            w.zeros(6);
            w.u64(fs.cookie).u64(fs.packet_count).u64(fs.byte_count);
        } else {
            w.u32(fs.duration_sec).u32(fs.duration_nsec);
            w.u16(fs.priority).u16(fs.idle_timeout).u16(fs.hard_timeout);
            w.u16(if v >= Version::Of13 { fs.flags } else { 0 });
            w.u16(if v >= Version::Of14 { fs.importance } else { 0 });
            w.zeros(2);
            w.u64(fs.cookie).u64(fs.packet_count).u64(fs.byte_count);
            encode_match(MatchKind::standard(v), &fs.match_, w);
        }
        w.bytes(&fs.actions.bytes);
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
    }
}

/// An aggregate statistics reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AggregateStats {
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Flows.
    pub flow_count: u32,
}

/// Decodes an aggregate stats reply body (`oxs`: OF1.5's form).
pub fn decode_aggregate(oxs: bool, r: &mut Reader<'_>) -> Result<AggregateStats, BodyError> {
    const W: &str = "aggregate stats";
    if oxs {
        let o = decode_oxs(r)?;
        return Ok(AggregateStats {
            packet_count: o.packet_count.unwrap_or(0),
            byte_count: o.byte_count.unwrap_or(0),
            flow_count: o.flow_count.unwrap_or(0),
        });
    }
    let a = AggregateStats {
        packet_count: r.u64().ctx(W)?,
        byte_count: r.u64().ctx(W)?,
        flow_count: r.u32().ctx(W)?,
    };
    r.skip(4).ctx(W)?;
    Ok(a)
}

/// Encodes an aggregate stats reply body (`oxs`: OF1.5's form).
pub fn encode_aggregate(oxs: bool, a: &AggregateStats, w: &mut Writer) {
    if oxs {
        let o = Oxs {
            flow_count: Some(a.flow_count),
            packet_count: Some(a.packet_count),
            byte_count: Some(a.byte_count),
            ..Oxs::default()
        };
        encode_oxs(&o, w);
        return;
    }
    w.u64(a.packet_count)
        .u64(a.byte_count)
        .u32(a.flow_count)
        .zeros(4);
}
