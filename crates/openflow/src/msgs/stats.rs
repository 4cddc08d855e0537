//! Bodies of the basic statistics / multipart messages: switch
//! description, table, port and queue statistics (requests and replies).
//!
//! Multipart framing itself (stats type, flags such as "more") lives in
//! the message envelope ([`crate::OfpMsg::stats_flags`]); these are the
//! bodies after that header.  Replies are arrays of records, decoded until
//! the body is exhausted.

use super::{raw_props, read_port, write_port, BodyError, Ctx, RawProp};
use crate::header::Version;
use crate::OfpErr;
use octets::{Reader, Writer};

/// The "more replies follow" multipart flag.
pub const OFPSF_REPLY_MORE: u16 = 1;
/// The "more requests follow" multipart flag.
pub const OFPSF_REQ_MORE: u16 = 1;

/// `OFPST_DESC` reply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Desc {
    /// Manufacturer.
    pub mfr_desc: String,
    /// Hardware.
    pub hw_desc: String,
    /// Software.
    pub sw_desc: String,
    /// Serial number.
    pub serial_num: String,
    /// Datapath description.
    pub dp_desc: String,
}

/// Decodes a description reply.
pub fn decode_desc(r: &mut Reader<'_>) -> Result<Desc, BodyError> {
    const W: &str = "description reply";
    Ok(Desc {
        mfr_desc: r.fixed_str(256).ctx(W)?,
        hw_desc: r.fixed_str(256).ctx(W)?,
        sw_desc: r.fixed_str(256).ctx(W)?,
        serial_num: r.fixed_str(32).ctx(W)?,
        dp_desc: r.fixed_str(256).ctx(W)?,
    })
}

/// Encodes a description reply.
pub fn encode_desc(d: &Desc, w: &mut Writer) {
    w.fixed_str(&d.mfr_desc, 256)
        .fixed_str(&d.hw_desc, 256)
        .fixed_str(&d.sw_desc, 256)
        .fixed_str(&d.serial_num, 32)
        .fixed_str(&d.dp_desc, 256);
}

/// One table's statistics.  OF1.0 adds a name, wildcards and a capacity;
/// OF1.3+ has only the counters.  (OF1.1/1.2 replies, which also carry
/// match/instruction capabilities, are kept opaque.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TableStats {
    /// Table id.
    pub table_id: u8,
    /// OF1.0: table name.
    pub name: String,
    /// OF1.0: wildcards supported.
    pub wildcards: u32,
    /// OF1.0: maximum entries.
    pub max_entries: u32,
    /// Active entries.
    pub active_count: u32,
    /// Packets looked up.
    pub lookup_count: u64,
    /// Packets that matched.
    pub matched_count: u64,
}

/// Decodes table stats records (OF1.0 or OF1.3+ layout).
pub fn decode_table_stats(v: Version, r: &mut Reader<'_>) -> Result<Vec<TableStats>, BodyError> {
    const W: &str = "table stats";
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut t = TableStats {
            table_id: r.u8().ctx(W)?,
            ..TableStats::default()
        };
        r.skip(3).ctx(W)?;
        if v == Version::Of10 {
            t.name = r.fixed_str(32).ctx(W)?;
            t.wildcards = r.u32().ctx(W)?;
            t.max_entries = r.u32().ctx(W)?;
        }
        t.active_count = r.u32().ctx(W)?;
        t.lookup_count = r.u64().ctx(W)?;
        t.matched_count = r.u64().ctx(W)?;
        out.push(t);
    }
    Ok(out)
}

/// Encodes table stats records.
pub fn encode_table_stats(v: Version, ts: &[TableStats], w: &mut Writer) {
    for t in ts {
        w.u8(t.table_id).zeros(3);
        if v == Version::Of10 {
            w.fixed_str(&t.name, 32).u32(t.wildcards).u32(t.max_entries);
        }
        w.u32(t.active_count)
            .u64(t.lookup_count)
            .u64(t.matched_count);
    }
}

/// One port's statistics.  Counters a switch cannot provide are all-ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PortStats {
    /// Port number.
    pub port_no: u32,
    /// Received packets.
    pub rx_packets: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Received bytes.
    pub rx_bytes: u64,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Receive drops.
    pub rx_dropped: u64,
    /// Transmit drops.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Frame alignment errors.
    pub rx_frame_err: u64,
    /// Overruns.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
    /// Seconds and nanoseconds alive (OF1.3+).
    pub duration: Option<(u32, u32)>,
    /// OF1.4+: whether the Ethernet property was present.
    pub has_ethernet: bool,
    /// OF1.4+: other properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes port stats records.
pub fn decode_port_stats(v: Version, r: &mut Reader<'_>) -> Result<Vec<PortStats>, BodyError> {
    const W: &str = "port stats";
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut s = PortStats::default();
        if v >= Version::Of14 {
            let len = r.u16().ctx(W)?;
            if len < 80 {
                return Err(BodyError::invalid(
                    OfpErr::OFPBRC_BAD_LEN,
                    format!("port stats length {len} < 80"),
                ));
            }
            let mut pr = r.sub(usize::from(len) - 2).ctx(W)?;
            pr.skip(2).ctx(W)?;
            s.port_no = pr.u32().ctx(W)?;
            s.duration = Some((pr.u32().ctx(W)?, pr.u32().ctx(W)?));
            s.rx_packets = pr.u64().ctx(W)?;
            s.tx_packets = pr.u64().ctx(W)?;
            s.rx_bytes = pr.u64().ctx(W)?;
            s.tx_bytes = pr.u64().ctx(W)?;
            s.rx_dropped = pr.u64().ctx(W)?;
            s.tx_dropped = pr.u64().ctx(W)?;
            s.rx_errors = pr.u64().ctx(W)?;
            s.tx_errors = pr.u64().ctx(W)?;
            s.rx_frame_err = u64::MAX;
            s.rx_over_err = u64::MAX;
            s.rx_crc_err = u64::MAX;
            s.collisions = u64::MAX;
            for p in raw_props(&mut pr, W)? {
                if p.ty == 0 && p.value.len() == 36 && !s.has_ethernet {
                    let mut er = Reader::new(&p.value);
                    er.skip(4).ctx(W)?;
                    s.rx_frame_err = er.u64().ctx(W)?;
                    s.rx_over_err = er.u64().ctx(W)?;
                    s.rx_crc_err = er.u64().ctx(W)?;
                    s.collisions = er.u64().ctx(W)?;
                    s.has_ethernet = true;
                } else {
                    s.props.push(p);
                }
            }
            out.push(s);
            continue;
        }
        s.port_no = read_port(v, r).ctx(W)?;
        r.skip(if v == Version::Of10 { 6 } else { 4 }).ctx(W)?;
        s.rx_packets = r.u64().ctx(W)?;
        s.tx_packets = r.u64().ctx(W)?;
        s.rx_bytes = r.u64().ctx(W)?;
        s.tx_bytes = r.u64().ctx(W)?;
        s.rx_dropped = r.u64().ctx(W)?;
        s.tx_dropped = r.u64().ctx(W)?;
        s.rx_errors = r.u64().ctx(W)?;
        s.tx_errors = r.u64().ctx(W)?;
        s.rx_frame_err = r.u64().ctx(W)?;
        s.rx_over_err = r.u64().ctx(W)?;
        s.rx_crc_err = r.u64().ctx(W)?;
        s.collisions = r.u64().ctx(W)?;
        if v == Version::Of13 {
            s.duration = Some((r.u32().ctx(W)?, r.u32().ctx(W)?));
        }
        out.push(s);
    }
    Ok(out)
}

/// Encodes port stats records.
pub fn encode_port_stats(v: Version, ss: &[PortStats], w: &mut Writer) {
    for s in ss {
        let (dsec, dnsec) = s.duration.unwrap_or((u32::MAX, u32::MAX));
        if v >= Version::Of14 {
            let start = w.len();
            let at = w.placeholder_u16();
            w.zeros(2).u32(s.port_no).u32(dsec).u32(dnsec);
            for c in [
                s.rx_packets,
                s.tx_packets,
                s.rx_bytes,
                s.tx_bytes,
                s.rx_dropped,
                s.tx_dropped,
                s.rx_errors,
                s.tx_errors,
            ] {
                w.u64(c);
            }
            if s.has_ethernet {
                w.tlv(0, 8, |w| {
                    w.zeros(4)
                        .u64(s.rx_frame_err)
                        .u64(s.rx_over_err)
                        .u64(s.rx_crc_err)
                        .u64(s.collisions);
                });
            }
            for p in &s.props {
                p.encode(w);
            }
            w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
            continue;
        }
        write_port(v, w, s.port_no);
        w.zeros(if v == Version::Of10 { 6 } else { 4 });
        for c in [
            s.rx_packets,
            s.tx_packets,
            s.rx_bytes,
            s.tx_bytes,
            s.rx_dropped,
            s.tx_dropped,
            s.rx_errors,
            s.tx_errors,
            s.rx_frame_err,
            s.rx_over_err,
            s.rx_crc_err,
            s.collisions,
        ] {
            w.u64(c);
        }
        if v == Version::Of13 {
            w.u32(dsec).u32(dnsec);
        }
    }
}

/// One queue's statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct QueueStats {
    /// Port number.
    pub port_no: u32,
    /// Queue id.
    pub queue_id: u32,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Packets dropped by overrun.
    pub tx_errors: u64,
    /// Seconds and nanoseconds alive (OF1.3+).
    pub duration: Option<(u32, u32)>,
    /// OF1.4+: properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes queue stats records.
pub fn decode_queue_stats(v: Version, r: &mut Reader<'_>) -> Result<Vec<QueueStats>, BodyError> {
    const W: &str = "queue stats";
    let mut out = Vec::new();
    while !r.is_empty() {
        let mut q = QueueStats::default();
        if v >= Version::Of14 {
            let len = r.u16().ctx(W)?;
            if len < 48 {
                return Err(BodyError::invalid(
                    OfpErr::OFPBRC_BAD_LEN,
                    format!("queue stats length {len} < 48"),
                ));
            }
            let mut qr = r.sub(usize::from(len) - 2).ctx(W)?;
            qr.skip(6).ctx(W)?;
            q.port_no = qr.u32().ctx(W)?;
            q.queue_id = qr.u32().ctx(W)?;
            q.tx_bytes = qr.u64().ctx(W)?;
            q.tx_packets = qr.u64().ctx(W)?;
            q.tx_errors = qr.u64().ctx(W)?;
            q.duration = Some((qr.u32().ctx(W)?, qr.u32().ctx(W)?));
            q.props = raw_props(&mut qr, W)?;
            out.push(q);
            continue;
        }
        q.port_no = read_port(v, r).ctx(W)?;
        if v == Version::Of10 {
            r.skip(2).ctx(W)?;
        }
        q.queue_id = r.u32().ctx(W)?;
        q.tx_bytes = r.u64().ctx(W)?;
        q.tx_packets = r.u64().ctx(W)?;
        q.tx_errors = r.u64().ctx(W)?;
        if v == Version::Of13 {
            q.duration = Some((r.u32().ctx(W)?, r.u32().ctx(W)?));
        }
        out.push(q);
    }
    Ok(out)
}

/// Encodes queue stats records.
pub fn encode_queue_stats(v: Version, qs: &[QueueStats], w: &mut Writer) {
    for q in qs {
        let (dsec, dnsec) = q.duration.unwrap_or((u32::MAX, u32::MAX));
        if v >= Version::Of14 {
            let start = w.len();
            let at = w.placeholder_u16();
            w.zeros(6)
                .u32(q.port_no)
                .u32(q.queue_id)
                .u64(q.tx_bytes)
                .u64(q.tx_packets)
                .u64(q.tx_errors)
                .u32(dsec)
                .u32(dnsec);
            for p in &q.props {
                p.encode(w);
            }
            w.patch_u16(at, u16::try_from(w.len() - start).unwrap_or(u16::MAX));
            continue;
        }
        write_port(v, w, q.port_no);
        if v == Version::Of10 {
            w.zeros(2);
        }
        w.u32(q.queue_id)
            .u64(q.tx_bytes)
            .u64(q.tx_packets)
            .u64(q.tx_errors);
        if v == Version::Of13 {
            w.u32(dsec).u32(dnsec);
        }
    }
}

/// Decodes a port-stats or port-desc (OF1.5) request: a port number.
pub fn decode_port_request(v: Version, r: &mut Reader<'_>) -> Result<u32, BodyError> {
    let p = read_port(v, r).ctx("port request")?;
    r.skip(if v == Version::Of10 { 6 } else { 4 })
        .ctx("port request")?;
    Ok(p)
}

/// Encodes a port-stats or port-desc (OF1.5) request.
pub fn encode_port_request(v: Version, port: u32, w: &mut Writer) {
    write_port(v, w, port);
    w.zeros(if v == Version::Of10 { 6 } else { 4 });
}

/// Decodes a queue-stats / queue-desc request: port and queue.
pub fn decode_queue_request(v: Version, r: &mut Reader<'_>) -> Result<(u32, u32), BodyError> {
    let p = read_port(v, r).ctx("queue request")?;
    if v == Version::Of10 {
        r.skip(2).ctx("queue request")?;
    }
    Ok((p, r.u32().ctx("queue request")?))
}

/// Encodes a queue-stats / queue-desc request.
pub fn encode_queue_request(v: Version, port: u32, queue: u32, w: &mut Writer) {
    write_port(v, w, port);
    if v == Version::Of10 {
        w.zeros(2);
    }
    w.u32(queue);
}

/// `OFPQ_ALL`: all queues.
pub const OFPQ_ALL: u32 = 0xffff_ffff;
