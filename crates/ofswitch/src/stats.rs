//! Multipart (statistics) requests: description, flow and aggregate statistics (OpenFlow
//! and Nicira forms), tables, ports, port descriptions, queues, groups, meters and the
//! feature descriptions.
//!
//! Replies that do not fit one 64 kB message are split, every part but the last carrying
//! the "more" flag, as OVS does. Flow statistics, which can run to hundreds of thousands of
//! entries, are encoded entry by entry straight into messages that are filled before the
//! next is started; the other (short) replies are split in halves until each part fits.
//! A Nicira request (`NXST_FLOW`, `NXST_AGGREGATE`,
//! `NXST_GROUP*`) gets the Nicira reply. Before flow, aggregate, table and group
//! statistics are read, [`crate::SwitchEnv::fold_stats`] folds the datapath's counters in.

use ofproto_tables::{FlowFilter, GroupType, MeterBand, Rule};
use openflow::msgs::flow::{AggregateStats, FlowStats, FlowStatsRequest, RawActions, OFPG_ANY};
use openflow::msgs::group::{Bucket as WireBucket, BucketCounter, GroupDesc, GroupStats};
use openflow::msgs::meter::{BandKind, BandStats, MeterBand as WireBand, MeterConfig, MeterStats};
use openflow::msgs::stats::{Desc, PortStats, QueueStats, TableStats, OFPSF_REPLY_MORE};
use openflow::msgs::table_desc::{TableDesc, TableDescProp, CONFIG_EVICTION};
use openflow::msgs::{ofpp, port_from_of10, port_to_of10};
use openflow::{EncodeError, Message, OfpErr, OfpMsg, RawCode, RawId, Version};

use crate::handle::actions_version;
use crate::mods::table_err;
use crate::{ConnId, Outgoing, Switch, SwitchEnv};

/// Largest reply message.
const MAX_REPLY: usize = 65535;

fn split_ms(ms: u64) -> (u32, u32) {
    (
        u32::try_from(ms / 1000).unwrap_or(u32::MAX),
        u32::try_from((ms % 1000) * 1_000_000).unwrap_or(0),
    )
}

/// The reply identity for a request: the Nicira reply for a Nicira request, otherwise the
/// version's default.
pub(crate) fn reply_raw(m: &OfpMsg) -> Option<RawId> {
    let req = m.raw?;
    match req.entry().code {
        RawCode::VendorStats {
            vendor, subtype, ..
        } => RawId::all().find(|r| {
            r.valid_in(m.version)
                && r.entry().code
                    == RawCode::VendorStats {
                        vendor,
                        subtype,
                        reply: true,
                    }
        }),
        _ => None,
    }
}

fn is_vendor(m: &OfpMsg) -> bool {
    m.raw
        .is_some_and(|r| matches!(r.entry().code, RawCode::VendorStats { .. }))
}

/// Encodes flow statistics as one or more replies, filling each message up to
/// [`MAX_REPLY`] bytes before starting the next, as Open vSwitch does. Unlike
/// [`multipart`], each entry is encoded exactly once, straight into its message, so a dump
/// of many flows costs one pass and never holds the decoded entries all at once.
fn flow_stats_replies(
    conn: ConnId,
    m: &OfpMsg,
    nx: bool,
    items: impl Iterator<Item = FlowStats>,
) -> Vec<Outgoing> {
    let raw = reply_raw(m);
    let header = |stats_flags| {
        OfpMsg {
            version: m.version,
            xid: m.xid,
            raw,
            stats_flags,
            body: Message::FlowStatsReply(Vec::new()),
        }
        .encode()
        .ok()
    };
    // The reply header, with and without the "more" flag (the same length).
    let (Some(last), Some(more)) = (header(0), header(OFPSF_REPLY_MORE)) else {
        return Vec::new();
    };
    if last.len() != more.len() {
        return multipart(conn, m, items.collect(), &Message::FlowStatsReply);
    }
    let mut msgs: Vec<Vec<u8>> = Vec::new();
    let mut cur = last.clone();
    let mut entry = openflow::octets::Writer::new();
    for fs in items {
        entry.truncate(0);
        openflow::msgs::flow::encode_flow_stats(
            m.version,
            nx,
            std::slice::from_ref(&fs),
            &mut entry,
        );
        let e = entry.as_slice();
        if last.len() + e.len() > MAX_REPLY {
            // Cannot be sent in any message (as before: left out).
            continue;
        }
        if cur.len() + e.len() > MAX_REPLY {
            let full = std::mem::replace(&mut cur, last.clone());
            msgs.push(full);
        }
        cur.extend_from_slice(e);
    }
    msgs.push(cur);
    let n = msgs.len();
    msgs.into_iter()
        .enumerate()
        .map(|(i, mut b)| {
            if i + 1 < n {
                if let Some(h) = b.get_mut(..more.len()) {
                    h.copy_from_slice(&more);
                }
            }
            let len = u16::try_from(b.len()).unwrap_or(u16::MAX).to_be_bytes();
            if let Some(l) = b.get_mut(2..4) {
                l.copy_from_slice(&len);
            }
            Outgoing::Send(conn, b)
        })
        .collect()
}

/// Encodes `items` as one or more replies (splitting when too long).
fn multipart<T: Clone>(
    conn: ConnId,
    m: &OfpMsg,
    items: Vec<T>,
    wrap: &dyn Fn(Vec<T>) -> Message,
) -> Vec<Outgoing> {
    let raw = reply_raw(m);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut pending = vec![items];
    // Depth-first so the chunks stay in order.
    while let Some(chunk) = pending.pop() {
        let msg = OfpMsg {
            version: m.version,
            xid: m.xid,
            raw,
            stats_flags: 0,
            body: wrap(chunk.clone()),
        };
        match msg.encode() {
            Ok(b) if b.len() <= MAX_REPLY => chunks.push(chunk),
            Err(EncodeError::TooLong(_)) | Ok(_) if chunk.len() > 1 => {
                let mut a = chunk;
                let b = a.split_off(a.len() / 2);
                pending.push(b);
                pending.push(a);
            }
            _ => {}
        }
    }
    let n = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            OfpMsg {
                version: m.version,
                xid: m.xid,
                raw,
                stats_flags: if i + 1 < n { OFPSF_REPLY_MORE } else { 0 },
                body: wrap(c),
            }
            .encode()
            .ok()
            .map(|b| Outgoing::Send(conn, b))
        })
        .collect()
}

fn one(conn: ConnId, m: &OfpMsg, body: Message) -> Vec<Outgoing> {
    OfpMsg {
        version: m.version,
        xid: m.xid,
        raw: reply_raw(m),
        stats_flags: 0,
        body,
    }
    .encode()
    .map(|b| vec![Outgoing::Send(conn, b)])
    .unwrap_or_default()
}

fn filter_of(q: &FlowStatsRequest) -> Result<FlowFilter, OfpErr> {
    crate::port32(q.out_port)?;
    Ok(FlowFilter {
        table_id: q.table_id,
        match_: q.match_,
        strict: None,
        cookie: q.cookie,
        cookie_mask: q.cookie_mask,
        out_port: (q.out_port != ofpp::ANY).then_some(q.out_port),
        out_group: (q.out_group != OFPG_ANY).then_some(q.out_group),
    })
}

fn wire_band(b: &MeterBand) -> WireBand {
    match *b {
        MeterBand::Drop { rate, burst_size } => WireBand {
            rate,
            burst_size,
            kind: BandKind::Drop,
        },
        MeterBand::DscpRemark {
            rate,
            burst_size,
            prec_level,
        } => WireBand {
            rate,
            burst_size,
            kind: BandKind::DscpRemark { prec_level },
        },
    }
}

impl Switch {
    /// The body of an OpenFlow 1.1 or 1.2 table statistics reply, which carry the table
    /// features in fixed fields (bitmaps of match fields, instructions and actions).
    fn table_stats_11_12(&self, v: Version) -> Vec<u8> {
        let mut w = openflow::octets::Writer::new();
        let n = self.info.n_tables;
        for t in 0..n {
            let cfg = self.snap.tables.table_config(t);
            let st = self.snap.tables.table_stats(t).unwrap_or_default();
            let name = cfg.and_then(|c| c.name.clone()).unwrap_or_default();
            let max_entries = cfg.map_or(1_000_000, |c| c.max_entries());
            // goto_table (not from the last table), write_metadata, write_actions,
            // apply_actions, clear_actions.
            let instructions: u32 = if t + 1 < n { 0x3e } else { 0x3c };
            // Table-miss behaviour in OpenFlow 1.1/1.2 terms: 0 controller, 1 continue,
            // 2 drop.
            // As observed in OVS: OpenFlow 1.1 reports drop as 3 (all of
            // OFPTC11_TABLE_MISS_MASK); OpenFlow 1.2 always reports 0 (controller).
            let config: u32 = match cfg.map(|c| c.miss) {
                _ if v == Version::Of12 => 0,
                Some(ofproto_tables::TableMiss::Continue) => 1,
                Some(ofproto_tables::TableMiss::Drop) => 3,
                _ => 0,
            };
            let active = u32::try_from(st.active_count).unwrap_or(u32::MAX);
            w.u8(t).zeros(7).fixed_str(&name, 32);
            if v == Version::Of11 {
                // Every OpenFlow 1.1 match field but OFPFMF_TYPE; OF1.1 actions but
                // copy_ttl_in/out.
                let fields: u32 = 0xfbff;
                let actions: u32 = 0x01ff_e7ff;
                w.u32(fields).u32(fields).u32(instructions);
                w.u32(actions).u32(actions).u32(config);
            } else {
                // OXM field bits OVS advertises (all basic fields but in_phy_port, plus
                // the later ones it knows), and those set_field can write.
                let fields: u64 = 0x101f_ffff_fffd;
                let settable: u64 = 0x0f_ffff_fbdd;
                let actions: u32 = 0x03ff_8001;
                w.u64(fields).u64(fields).u32(actions).u32(actions);
                w.u64(settable).u64(settable).u64(u64::MAX).u64(u64::MAX);
                w.u32(instructions).u32(config);
            }
            w.u32(max_entries).u32(active);
            w.u64(st.lookup_count).u64(st.matched_count);
        }
        w.into_vec()
    }

    fn check_meter(&self, meter_id: u32) -> Result<(), OfpErr> {
        if meter_id != 0xffff_ffff && self.meters.get(meter_id).is_none() {
            return Err(OfpErr::OFPMMFC_UNKNOWN_METER);
        }
        Ok(())
    }

    fn check_stats_table(&self, table_id: u8) -> Result<(), OfpErr> {
        // Every table id names a table (254 is the hidden internal one) or all of them.
        if table_id != 0xff && usize::from(table_id) >= ofproto_tables::N_TABLES {
            return Err(OfpErr::OFPBRC_BAD_TABLE_ID);
        }
        Ok(())
    }

    fn flow_stats(
        &self,
        v: Version,
        nx: bool,
        now: u64,
        r: &Rule<ofproto::OfActions>,
    ) -> FlowStats {
        let av = actions_version(v);
        let bytes = ofp_actions::encode_instructions(&r.actions.0, av).unwrap_or_default();
        let (duration_sec, duration_nsec) = split_ms(now.saturating_sub(r.created_ms));
        let age = |t: u64| -> u16 {
            let secs = now.saturating_sub(t) / 1000;
            u16::try_from(secs.saturating_add(1)).unwrap_or(u16::MAX)
        };
        let f = r.flags;
        let mut flags = 0u16;
        for (set, bit) in [
            (f.send_flow_rem, 1u16),
            (f.check_overlap, 2),
            (f.reset_counts, 4),
            (f.no_pkt_counts, 8),
            (f.no_byt_counts, 16),
        ] {
            if set {
                flags |= bit;
            }
        }
        FlowStats {
            table_id: r.table_id,
            match_: r.match_(),
            duration_sec,
            duration_nsec,
            priority: r.priority,
            idle_timeout: r.idle_timeout,
            hard_timeout: r.hard_timeout,
            flags,
            importance: r.importance,
            idle_age: if nx || v >= Version::Of15 {
                age(r.used_ms)
            } else {
                0
            },
            hard_age: if nx { age(r.modified_ms) } else { 0 },
            cookie: r.cookie,
            packet_count: r.n_packets,
            byte_count: r.n_bytes,
            actions: RawActions { version: v, bytes },
        }
    }

    /// Answers a multipart request; `Ok(None)` if `m` is not one this switch serves.
    pub(crate) fn stats_request(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        _bytes: &[u8],
        env: &mut dyn SwitchEnv,
    ) -> Result<Option<Vec<Outgoing>>, OfpErr> {
        use Message as M;
        let v = m.version;
        let now = env.now_ms();
        let out = match &m.body {
            M::DescRequest => {
                let i = &self.info;
                one(
                    conn,
                    m,
                    M::DescReply(Desc {
                        mfr_desc: i.mfr_desc.clone(),
                        hw_desc: i.hw_desc.clone(),
                        sw_desc: i.sw_desc.clone(),
                        serial_num: i.serial_num.clone(),
                        dp_desc: i.dp_desc.clone(),
                    }),
                )
            }
            M::FlowStatsRequest(q) => {
                self.check_stats_table(q.table_id)?;
                env.fold_stats(&mut self.snap);
                let nx = is_vendor(m);
                let rules = self
                    .snap
                    .tables
                    .dump_flows(&filter_of(q)?)
                    .map_err(table_err)?;
                let items = rules.iter().map(|r| self.flow_stats(v, nx, now, r));
                flow_stats_replies(conn, m, nx, items)
            }
            M::AggregateRequest(q) => {
                self.check_stats_table(q.table_id)?;
                env.fold_stats(&mut self.snap);
                let a = self
                    .snap
                    .tables
                    .aggregate(&filter_of(q)?)
                    .map_err(table_err)?;
                one(
                    conn,
                    m,
                    M::AggregateReply(AggregateStats {
                        packet_count: a.packet_count,
                        byte_count: a.byte_count,
                        flow_count: u32::try_from(a.flow_count).unwrap_or(u32::MAX),
                    }),
                )
            }
            M::TableStatsRequest if v == Version::Of11 || v == Version::Of12 => {
                env.fold_stats(&mut self.snap);
                let body = self.table_stats_11_12(v);
                let raw = RawId::for_type(openflow::MsgType::TableStatsReply, v);
                OfpMsg {
                    version: v,
                    xid: m.xid,
                    raw,
                    stats_flags: 0,
                    body: M::Opaque(body),
                }
                .encode()
                .map(|b| vec![Outgoing::Send(conn, b)])
                .unwrap_or_default()
            }
            M::TableStatsRequest => {
                env.fold_stats(&mut self.snap);
                let items: Vec<TableStats> = (0..self.info.n_tables)
                    .map(|t| {
                        let cfg = self.snap.tables.table_config(t);
                        let st = self.snap.tables.table_stats(t).unwrap_or_default();
                        TableStats {
                            table_id: t,
                            name: cfg.and_then(|c| c.name.clone()).unwrap_or_default(),
                            wildcards: 0x003f_ffff,
                            max_entries: cfg.map_or(1_000_000, |c| c.max_entries()),
                            active_count: u32::try_from(st.active_count).unwrap_or(u32::MAX),
                            lookup_count: st.lookup_count,
                            matched_count: st.matched_count,
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::TableStatsReply)
            }
            M::PortStatsRequest { port } => {
                crate::port32(*port)?;
                let items: Vec<PortStats> = self
                    .ports
                    .iter()
                    .filter(|p| *port == ofpp::ANY || port_to_of10(*port) == Some(p.ofp_port))
                    .map(|p| {
                        let c = env.port_counters(p.ofp_port).unwrap_or_default();
                        PortStats {
                            port_no: port_from_of10(p.ofp_port),
                            rx_packets: c.rx_packets,
                            tx_packets: c.tx_packets,
                            rx_bytes: c.rx_bytes,
                            tx_bytes: c.tx_bytes,
                            rx_dropped: c.rx_dropped,
                            tx_dropped: c.tx_dropped,
                            rx_errors: c.rx_errors,
                            tx_errors: c.tx_errors,
                            rx_frame_err: c.rx_frame_err,
                            rx_over_err: c.rx_over_err,
                            rx_crc_err: c.rx_crc_err,
                            collisions: c.collisions,
                            duration: Some(split_ms(c.duration_ms)),
                            has_ethernet: true,
                            props: Vec::new(),
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::PortStatsReply)
            }
            M::PortDescRequest { port } => {
                crate::port32(*port)?;
                let items: Vec<_> = self
                    .ports
                    .iter()
                    .filter(|p| *port == ofpp::ANY || port_to_of10(*port) == Some(p.ofp_port))
                    .map(|p| crate::features::wire_port(v, p))
                    .collect();
                multipart(conn, m, items, &M::PortDescReply)
            }
            M::QueueStatsRequest { port, queue } => {
                if *queue != 0xffff_ffff && *queue != 0 {
                    return Err(OfpErr::OFPQOFC_BAD_QUEUE);
                }
                let queues = self.queues(crate::port32(*port)?, OfpErr::OFPQOFC_BAD_PORT)?;
                let items: Vec<QueueStats> = queues
                    .iter()
                    .map(|q| QueueStats {
                        port_no: q.port,
                        queue_id: q.queue_id,
                        tx_bytes: u64::MAX,
                        tx_packets: u64::MAX,
                        tx_errors: u64::MAX,
                        duration: Some((u32::MAX, u32::MAX)),
                        props: Vec::new(),
                    })
                    .collect();
                multipart(conn, m, items, &M::QueueStatsReply)
            }
            M::QueueDescRequest { port, queue } => {
                if *queue != 0xffff_ffff && *queue != 0 {
                    return Err(OfpErr::OFPQOFC_BAD_QUEUE);
                }
                let queues = self.queues(crate::port32(*port)?, OfpErr::OFPQOFC_BAD_PORT)?;
                multipart(conn, m, queues, &M::QueueDescReply)
            }
            M::GroupStatsRequest { group_id } => {
                env.fold_stats(&mut self.snap);
                let items: Vec<GroupStats> = self
                    .snap
                    .groups
                    .iter()
                    .filter(|g| *group_id == 0xffff_fffc || g.group_id == *group_id)
                    .map(|g| {
                        let (ds, dn) = split_ms(now.saturating_sub(g.created_ms));
                        GroupStats {
                            group_id: g.group_id,
                            ref_count: u32::try_from(self.snap.tables.group_ref_count(g.group_id))
                                .unwrap_or(u32::MAX),
                            packet_count: g.stats.packet_count,
                            byte_count: g.stats.byte_count,
                            duration_sec: ds,
                            duration_nsec: dn,
                            buckets: g
                                .buckets
                                .iter()
                                .enumerate()
                                .map(|(i, _)| {
                                    let (p, b) =
                                        g.stats.bucket_counts.get(i).copied().unwrap_or((0, 0));
                                    BucketCounter {
                                        packet_count: p,
                                        byte_count: b,
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::GroupStatsReply)
            }
            M::GroupDescRequest { group_id } => {
                let fifteen = is_vendor(m) || v >= Version::Of15;
                let av = actions_version(v);
                let items: Vec<GroupDesc> = self
                    .snap
                    .groups
                    .iter()
                    .filter(|g| *group_id == 0xffff_fffc || g.group_id == *group_id)
                    .map(|g| GroupDesc {
                        group_type: match g.group_type {
                            GroupType::All => 0,
                            GroupType::Select => 1,
                            GroupType::Indirect => 2,
                            GroupType::FastFailover => 3,
                        },
                        group_id: g.group_id,
                        buckets: g
                            .buckets
                            .iter()
                            .map(|b| WireBucket {
                                bucket_id: b.bucket_id,
                                weight: if fifteen || g.group_type == GroupType::Select {
                                    b.weight
                                } else {
                                    0
                                },
                                watch_port: b.watch_port.unwrap_or(ofpp::ANY),
                                watch_group: b.watch_group.unwrap_or(0xffff_ffff),
                                actions: RawActions {
                                    version: v,
                                    bytes: ofp_actions::encode_actions(&b.actions.0, av)
                                        .unwrap_or_default(),
                                },
                            })
                            .collect(),
                        props: Vec::new(),
                    })
                    .collect();
                multipart(conn, m, items, &M::GroupDescReply)
            }
            M::GroupFeaturesRequest => one(conn, m, M::GroupFeaturesReply(self.group_features(v))),
            M::TableDescRequest => {
                // Per table its eviction config bit and an eviction property (flags
                // OTHER|IMPORTANCE|LIFETIME); no vacancy events.
                let items: Vec<TableDesc> = (0..self.info.n_tables)
                    .map(|t| {
                        let evict = self.snap.tables.table_config(t).is_some_and(|c| c.eviction);
                        TableDesc {
                            table_id: t,
                            config: if evict { CONFIG_EVICTION } else { 0 },
                            props: vec![TableDescProp::Eviction(7)],
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::TableDescReply)
            }
            M::Opaque(_)
                if m.raw.map(|r| r.entry().ty) == Some(openflow::MsgType::GroupFeaturesRequest) =>
            {
                // NXST_GROUP_FEATURES (OpenFlow 1.0/1.1): the same 40-byte body.
                let f = self.group_features(v);
                let mut w = openflow::octets::Writer::new();
                w.u32(f.types).u32(f.capabilities);
                for x in f.max_groups {
                    w.u32(x);
                }
                for x in f.actions {
                    w.u32(x);
                }
                OfpMsg {
                    version: v,
                    xid: m.xid,
                    raw: reply_raw(m),
                    stats_flags: 0,
                    body: M::Opaque(w.into_vec()),
                }
                .encode()
                .map(|b| vec![Outgoing::Send(conn, b)])
                .unwrap_or_default()
            }
            M::MeterStatsRequest { meter_id } => {
                self.check_meter(*meter_id)?;
                env.fold_stats(&mut self.snap);
                let items: Vec<MeterStats> = self
                    .meters
                    .iter()
                    .filter(|x| *meter_id == 0xffff_ffff || x.meter_id == *meter_id)
                    .map(|x| {
                        let (ds, dn) = split_ms(now.saturating_sub(x.created_ms));
                        MeterStats {
                            meter_id: x.meter_id,
                            flow_count: u32::try_from(
                                self.snap.tables.meter_flow_count(x.meter_id),
                            )
                            .unwrap_or(u32::MAX),
                            packet_in_count: x.stats.packet_in_count,
                            byte_in_count: x.stats.byte_in_count,
                            duration_sec: ds,
                            duration_nsec: dn,
                            bands: x
                                .bands
                                .iter()
                                .enumerate()
                                .map(|(i, _)| {
                                    let (p, b) =
                                        x.stats.band_counts.get(i).copied().unwrap_or((0, 0));
                                    BandStats {
                                        packet_count: p,
                                        byte_count: b,
                                    }
                                })
                                .collect(),
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::MeterStatsReply)
            }
            M::MeterConfigRequest { meter_id } => {
                self.check_meter(*meter_id)?;
                let items: Vec<MeterConfig> = self
                    .meters
                    .iter()
                    .filter(|x| *meter_id == 0xffff_ffff || x.meter_id == *meter_id)
                    .map(|x| {
                        let f = x.flags;
                        let mut flags = 0;
                        for (set, bit) in [(f.kbps, 1u16), (f.pktps, 2), (f.burst, 4), (f.stats, 8)]
                        {
                            if set {
                                flags |= bit;
                            }
                        }
                        MeterConfig {
                            flags,
                            meter_id: x.meter_id,
                            bands: x.bands.iter().map(wire_band).collect(),
                        }
                    })
                    .collect();
                multipart(conn, m, items, &M::MeterConfigReply)
            }
            M::MeterFeaturesRequest => one(conn, m, M::MeterFeaturesReply(self.meter_features())),
            M::FlowMonitorRequest(reqs) => {
                let updates = self.flow_monitor_request(conn, m, reqs, reply_raw(m))?;
                multipart(conn, m, updates, &M::FlowMonitorReply)
            }
            M::TableFeaturesRequest(req) => {
                if !req.is_empty() {
                    return Err(OfpErr::OFPTFFC_EPERM);
                }
                let items = self.table_features(v);
                multipart(conn, m, items, &M::TableFeaturesReply)
            }
            _ => return Ok(None),
        };
        Ok(Some(out))
    }
}
