//! Queue configuration: `OFPT_QUEUE_GET_CONFIG_REQUEST/REPLY` (OF1.0-1.3)
//! and the OF1.4+ `OFPMP_QUEUE_DESC` reply records.
//!
//! Queues are described by properties.  Up to OF1.3 each property has an
//! 8-byte header (`type len pad[4]`) and rates are 16-bit values padded to
//! 16 bytes; OF1.4's queue-desc properties are `type len rate pad[2]`.
//! Minimum and maximum rates are modelled, anything else is kept raw.

use super::{read_port, write_port, BodyError, Ctx};
use crate::header::Version;
use octets::{Reader, Writer};

/// Queue property types.
pub mod qpt {
    /// Minimum rate (tenths of a percent).
    pub const MIN_RATE: u16 = 1;
    /// Maximum rate.
    pub const MAX_RATE: u16 = 2;
    /// Experimenter.
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// A queue property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QueueProp {
    /// Guaranteed minimum rate (1/10 %; > 1000 means disabled).
    MinRate(u16),
    /// Maximum rate.
    MaxRate(u16),
    /// Anything else: type and the bytes after the 4-byte type/len header.
    Raw {
        /// Property type.
        ty: u16,
        /// Remaining bytes (including the old-style 4-byte pad).
        value: Vec<u8>,
    },
}

/// One queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PacketQueue {
    /// Queue id.
    pub queue_id: u32,
    /// The port it is attached to.
    pub port: u32,
    /// Properties.
    pub props: Vec<QueueProp>,
}

fn decode_props(new_style: bool, r: &mut Reader<'_>) -> Result<Vec<QueueProp>, BodyError> {
    const W: &str = "queue property";
    let mut out = Vec::new();
    while !r.is_empty() {
        let t = r.tlv(if new_style { 8 } else { 1 }).ctx(W)?;
        let rate = |v: &[u8], off: usize| -> Option<u16> {
            v.get(off..off + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]))
        };
        let canon_len = if new_style { 4 } else { 12 };
        let off = if new_style { 0 } else { 4 };
        let p = match (t.ty, rate(t.value, off)) {
            (qpt::MIN_RATE, Some(x)) if t.value.len() == canon_len => QueueProp::MinRate(x),
            (qpt::MAX_RATE, Some(x)) if t.value.len() == canon_len => QueueProp::MaxRate(x),
            _ => QueueProp::Raw {
                ty: t.ty,
                value: t.value.to_vec(),
            },
        };
        out.push(p);
    }
    Ok(out)
}

fn encode_props(new_style: bool, props: &[QueueProp], w: &mut Writer) {
    for p in props {
        let (ty, rate) = match p {
            QueueProp::MinRate(x) => (qpt::MIN_RATE, *x),
            QueueProp::MaxRate(x) => (qpt::MAX_RATE, *x),
            QueueProp::Raw { ty, value } => {
                w.tlv(*ty, if new_style { 8 } else { 1 }, |w| {
                    w.bytes(value);
                });
                continue;
            }
        };
        if new_style {
            w.tlv(ty, 8, |w| {
                w.u16(rate).zeros(2);
            });
        } else {
            w.tlv(ty, 1, |w| {
                w.zeros(4).u16(rate).zeros(6);
            });
        }
    }
}

/// Decodes a queue-get-config request: the port.
pub fn decode_request(v: Version, r: &mut Reader<'_>) -> Result<u32, BodyError> {
    let p = read_port(v, r).ctx("queue get config request")?;
    r.skip(if v == Version::Of10 { 2 } else { 4 })
        .ctx("queue get config request")?;
    Ok(p)
}

/// Encodes a queue-get-config request.
pub fn encode_request(v: Version, port: u32, w: &mut Writer) {
    write_port(v, w, port);
    w.zeros(if v == Version::Of10 { 2 } else { 4 });
}

/// A queue-get-config reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueueConfigReply {
    /// Port queried.
    pub port: u32,
    /// Its queues.
    pub queues: Vec<PacketQueue>,
}

/// Decodes a queue-get-config reply.
pub fn decode_reply(v: Version, r: &mut Reader<'_>) -> Result<QueueConfigReply, BodyError> {
    const W: &str = "queue get config reply";
    let port = read_port(v, r).ctx(W)?;
    r.skip(if v == Version::Of10 { 6 } else { 4 }).ctx(W)?;
    let mut queues = Vec::new();
    while !r.is_empty() {
        let queue_id = r.u32().ctx(W)?;
        let (qport, len, hdr) = if v >= Version::Of12 {
            (r.u32().ctx(W)?, r.u16().ctx(W)?, 16u16)
        } else {
            (port, r.u16().ctx(W)?, 8u16)
        };
        if len < hdr {
            return Err(BodyError::invalid(
                crate::OfpErr::OFPBRC_BAD_LEN,
                format!("queue length {len} < {hdr}"),
            ));
        }
        let used = if v >= Version::Of12 { 10 } else { 6 };
        let mut qr = r.sub(usize::from(len) - used).ctx(W)?;
        qr.skip(usize::from(hdr) - used).ctx(W)?;
        queues.push(PacketQueue {
            queue_id,
            port: qport,
            props: decode_props(false, &mut qr)?,
        });
    }
    Ok(QueueConfigReply { port, queues })
}

/// Encodes a queue-get-config reply.
pub fn encode_reply(v: Version, q: &QueueConfigReply, w: &mut Writer) {
    write_port(v, w, q.port);
    w.zeros(if v == Version::Of10 { 6 } else { 4 });
    for pq in &q.queues {
        let start = w.len();
        w.u32(pq.queue_id);
        let at = if v >= Version::Of12 {
            w.u32(pq.port);
            let at = w.placeholder_u16();
            w.zeros(6);
            at
        } else {
            let at = w.placeholder_u16();
            w.zeros(2);
            at
        };
        encode_props(false, &pq.props, w);
        w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
    }
}

/// Decodes OF1.4+ queue-desc reply records.
pub fn decode_queue_descs(r: &mut Reader<'_>) -> Result<Vec<PacketQueue>, BodyError> {
    const W: &str = "queue desc";
    let mut out = Vec::new();
    while !r.is_empty() {
        let port = r.u32().ctx(W)?;
        let queue_id = r.u32().ctx(W)?;
        let len = r.u16().ctx(W)?;
        if len < 16 {
            return Err(BodyError::invalid(
                crate::OfpErr::OFPBRC_BAD_LEN,
                format!("queue desc length {len} < 16"),
            ));
        }
        let mut qr = r.sub(usize::from(len) - 10).ctx(W)?;
        qr.skip(6).ctx(W)?;
        out.push(PacketQueue {
            queue_id,
            port,
            props: decode_props(true, &mut qr)?,
        });
    }
    Ok(out)
}

/// Encodes OF1.4+ queue-desc reply records.
pub fn encode_queue_descs(qs: &[PacketQueue], w: &mut Writer) {
    for q in qs {
        let start = w.len();
        w.u32(q.port).u32(q.queue_id);
        let at = w.placeholder_u16();
        w.zeros(6);
        encode_props(true, &q.props, w);
        w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
    }
}
