//! The NetFlow flow table: datapath statistics in, v5 datagrams out.
//!
//! The daemon reports per-flow statistics deltas as the datapath revalidates
//! its flows ([`NetflowExporter::update`]), tells the exporter when a flow
//! goes away ([`NetflowExporter::remove`], which exports what is left), and
//! calls [`NetflowExporter::run`] periodically with the monotonic time and
//! the wall clock; `run` exports long-lived flows whose active timeout has
//! passed and packs every pending record into datagrams of at most 30.
//!
//! Flows are keyed by the OpenFlow input port and the IPv4 5-tuple. After an
//! export a flow's counters restart from zero, so each record covers the
//! traffic since the previous record of the same flow, while its `first`
//! time stays the flow's first packet (as Open vSwitch does). Byte counts
//! are whatever the datapath counts (Open vSwitch reports whole Ethernet
//! frames). ICMP flows carry type and code in the key's source and
//! destination ports (as the datapath flow key does) and are exported the
//! NetFlow way: source port 0, destination port `type << 8 | code`.
//!
//! The header's flow sequence follows Open vSwitch exactly, which differs
//! from the usual reading of the NetFlow v5 definition ("flows seen before
//! this datagram"): Open vSwitch numbers records from 0 and stamps each
//! datagram with the number of its *last* record, i.e. records sent before
//! plus the datagram's count minus one (1, 3, 5, ... for datagrams of two).
//!
//! Like Open vSwitch, a flow
//! whose byte or packet count overflows the 32-bit record fields is split
//! over several records with the counts spread evenly (at most
//! [`MAX_SPLIT`] records, so absurd counters cannot exhaust memory), and flows with no
//! packets since the last export produce no record.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use crate::error::ExportError;
use crate::netflow::v9::{encode_v9, V9Header};
use crate::netflow::{encode_v5, V5Header, V5Record, MAX_RECORDS};

/// Default active timeout in seconds (`active_timeout` = 0).
pub const DEFAULT_ACTIVE_TIMEOUT: u32 = 600;

/// Most records one flow's counters are split into at one export; beyond
/// that (more than about 4 TiB or 4 billion packets in one interval) the
/// record counters saturate at `u32::MAX`.
pub const MAX_SPLIT: u64 = 1024;

const IPPROTO_ICMP: u8 = 1;

/// The `active_timeout` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveTimeout {
    /// Active flows are only exported when they are removed (`-1`).
    Disabled,
    /// Export active flows every this many seconds.
    Seconds(u32),
}

impl ActiveTimeout {
    /// Interprets the database column: -1 disables, 0 means the default (600 s).
    pub fn from_column(v: i64) -> Result<Self, ExportError> {
        match v {
            -1 => Ok(ActiveTimeout::Disabled),
            0 => Ok(ActiveTimeout::Seconds(DEFAULT_ACTIVE_TIMEOUT)),
            n if n > 0 => Ok(ActiveTimeout::Seconds(u32::try_from(n).unwrap_or(u32::MAX))),
            n => Err(ExportError::BadActiveTimeout(n)),
        }
    }
}

/// Exporter configuration (the `NetFlow` table row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetflowConfig {
    /// Engine type (defaults to the datapath index, chosen by the caller).
    pub engine_type: u8,
    /// Engine id (defaults to the datapath index, chosen by the caller).
    pub engine_id: u8,
    /// Active timeout.
    pub active_timeout: ActiveTimeout,
    /// Fold the engine id into the top 7 bits of the interface fields.
    pub add_id_to_interface: bool,
    /// Export format (Open vSwitch: always v5).
    pub version: NetflowVersion,
}

/// Which NetFlow version the exporter emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetflowVersion {
    /// NetFlow v5, as Open vSwitch.
    #[default]
    V5,
    /// NetFlow v9 with the template of [`crate::netflow::v9`].
    V9 {
        /// Source id of the v9 header.
        source_id: u32,
        /// Send the template in every this many packets (0 = first packet only).
        template_refresh: u32,
    },
}

impl Default for NetflowConfig {
    fn default() -> Self {
        NetflowConfig {
            engine_type: 0,
            engine_id: 0,
            active_timeout: ActiveTimeout::Seconds(DEFAULT_ACTIVE_TIMEOUT),
            add_id_to_interface: false,
            version: NetflowVersion::V5,
        }
    }
}

/// What a flow's traffic was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NetflowOutput {
    /// One OpenFlow port.
    Port(u16),
    /// Flooded (`0xffff`).
    Flood,
    /// Several ports (`0xfffe`).
    Multiple,
    /// Dropped (`0xfffd`).
    #[default]
    Drop,
}

impl NetflowOutput {
    /// The 16-bit interface value before `add_id_to_interface`.
    pub fn value(&self) -> u16 {
        match *self {
            NetflowOutput::Port(p) => p,
            NetflowOutput::Flood => 0xffff,
            NetflowOutput::Multiple => 0xfffe,
            NetflowOutput::Drop => 0xfffd,
        }
    }
}

/// The key NetFlow aggregates by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowKey {
    /// OpenFlow input port.
    pub in_port: u16,
    /// IPv4 source.
    pub src: Ipv4Addr,
    /// IPv4 destination.
    pub dst: Ipv4Addr,
    /// IP protocol.
    pub protocol: u8,
    /// Transport source port (ICMP: type).
    pub src_port: u16,
    /// Transport destination port (ICMP: code).
    pub dst_port: u16,
}

/// A statistics delta for one flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlowUpdate {
    /// Packets since the previous update.
    pub packets: u64,
    /// Bytes since the previous update.
    pub bytes: u64,
    /// TCP flags seen since the previous update.
    pub tcp_flags: u8,
    /// IP ToS of the flow.
    pub tos: u8,
    /// Where the traffic went.
    pub output: NetflowOutput,
    /// Monotonic time (ms) of the most recent packet.
    pub used_ms: u64,
}

#[derive(Debug, Clone)]
struct FlowEntry {
    packets: u64,
    bytes: u64,
    tcp_flags: u8,
    tos: u8,
    output: NetflowOutput,
    first_ms: Option<u64>,
    used_ms: u64,
    last_expired_ms: u64,
}

/// NetFlow v5 exporter for one bridge.
#[derive(Debug, Clone)]
pub struct NetflowExporter {
    config: NetflowConfig,
    boot_ms: u64,
    records_sent: u32,
    packets_sent: u32,
    flows: BTreeMap<FlowKey, FlowEntry>,
    pending: Vec<V5Record>,
}

impl NetflowExporter {
    /// Starts an exporter; `now_ms` is the origin of sysUptime.
    pub fn new(config: NetflowConfig, now_ms: u64) -> Self {
        NetflowExporter {
            config,
            boot_ms: now_ms,
            records_sent: 0,
            packets_sent: 0,
            flows: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &NetflowConfig {
        &self.config
    }

    /// Replaces the configuration; tracked flows and sequence numbers are kept.
    pub fn set_config(&mut self, config: NetflowConfig) {
        self.config = config;
    }

    /// Number of flows tracked.
    pub fn flow_count(&self) -> usize {
        self.flows.len()
    }

    /// Records queued for the next [`NetflowExporter::run`].
    pub fn pending_records(&self) -> &[V5Record] {
        &self.pending
    }

    /// Adds a statistics delta for `key`; `now_ms` starts the active-timeout clock of a new flow.
    pub fn update(&mut self, key: FlowKey, update: &FlowUpdate, now_ms: u64) {
        let e = self.flows.entry(key).or_insert(FlowEntry {
            packets: 0,
            bytes: 0,
            tcp_flags: 0,
            tos: update.tos,
            output: update.output,
            first_ms: None,
            used_ms: update.used_ms,
            last_expired_ms: now_ms,
        });
        if update.packets > 0 {
            if e.first_ms.is_none() {
                e.first_ms = Some(update.used_ms);
            }
            e.used_ms = e.used_ms.max(update.used_ms);
        }
        e.packets = e.packets.saturating_add(update.packets);
        e.bytes = e.bytes.saturating_add(update.bytes);
        e.tcp_flags |= update.tcp_flags;
        e.tos = update.tos;
        e.output = update.output;
    }

    /// The flow is gone from the datapath: queue its remaining statistics and forget it.
    /// Returns whether the flow was known.
    pub fn remove(&mut self, key: &FlowKey) -> bool {
        match self.flows.remove(key) {
            Some(mut e) => {
                self.expire(key, &mut e);
                true
            }
            None => false,
        }
    }

    /// Queues every tracked flow and forgets them all (bridge shutdown or NetFlow disabled).
    pub fn remove_all(&mut self) {
        let flows = std::mem::take(&mut self.flows);
        for (k, mut e) in flows {
            self.expire(&k, &mut e);
        }
    }

    fn iface(&self, port: u16) -> u16 {
        if self.config.add_id_to_interface {
            (u16::from(self.config.engine_id & 0x7f) << 9) | (port & 0x1ff)
        } else {
            port
        }
    }

    fn uptime(&self, t: u64) -> u32 {
        t.saturating_sub(self.boot_ms) as u32
    }

    /// Queues records for the flow's counters and resets them.
    fn expire(&mut self, key: &FlowKey, e: &mut FlowEntry) {
        if e.packets == 0 {
            return;
        }
        let max = u64::from(u32::MAX);
        let n = e
            .bytes
            .div_ceil(max)
            .max(e.packets.div_ceil(max))
            .clamp(1, MAX_SPLIT);
        let (mut packets, mut bytes) = (e.packets, e.bytes);
        let first = self.uptime(e.first_ms.unwrap_or(e.used_ms));
        let last = self.uptime(e.used_ms);
        let (src_port, dst_port) = if key.protocol == IPPROTO_ICMP {
            (0, (key.src_port << 8) | (key.dst_port & 0xff))
        } else {
            (key.src_port, key.dst_port)
        };
        for i in 0..n {
            let left = n - i;
            let p = packets / left;
            let b = bytes / left;
            packets -= p;
            bytes -= b;
            self.pending.push(V5Record {
                src_addr: key.src,
                dst_addr: key.dst,
                next_hop: Ipv4Addr::UNSPECIFIED,
                input: self.iface(key.in_port),
                output: self.iface(e.output.value()),
                packets: u32::try_from(p).unwrap_or(u32::MAX),
                octets: u32::try_from(b).unwrap_or(u32::MAX),
                first_ms: first,
                last_ms: last,
                src_port,
                dst_port,
                tcp_flags: e.tcp_flags,
                protocol: key.protocol,
                tos: e.tos,
                ..V5Record::default()
            });
        }
        e.packets = 0;
        e.bytes = 0;
        e.tcp_flags = 0;
    }

    /// Exports flows whose active timeout has passed, then packs every queued
    /// record into datagrams (`wall` = time since the Unix epoch).
    pub fn run(&mut self, now_ms: u64, wall: Duration) -> Result<Vec<Vec<u8>>, ExportError> {
        if let ActiveTimeout::Seconds(s) = self.config.active_timeout {
            let timeout = u64::from(s) * 1000;
            let keys: Vec<FlowKey> = self
                .flows
                .iter()
                .filter(|(_, e)| now_ms >= e.last_expired_ms.saturating_add(timeout))
                .map(|(k, _)| *k)
                .collect();
            for k in keys {
                if let Some(mut e) = self.flows.remove(&k) {
                    self.expire(&k, &mut e);
                    e.last_expired_ms = now_ms;
                    self.flows.insert(k, e);
                }
            }
        }
        let mut out = Vec::new();
        let pending = std::mem::take(&mut self.pending);
        if let NetflowVersion::V9 {
            source_id,
            template_refresh,
        } = self.config.version
        {
            for chunk in pending.chunks(MAX_RECORDS) {
                let with_template = match template_refresh {
                    0 => self.packets_sent == 0,
                    n => self.packets_sent % n == 0,
                };
                let header = V9Header {
                    sys_uptime_ms: self.uptime(now_ms),
                    unix_secs: wall.as_secs() as u32,
                    sequence: self.packets_sent,
                    source_id,
                };
                out.push(encode_v9(&header, with_template, chunk)?);
                self.packets_sent = self.packets_sent.wrapping_add(1);
                self.records_sent = self.records_sent.wrapping_add(chunk.len() as u32);
            }
            return Ok(out);
        }
        for chunk in pending.chunks(MAX_RECORDS) {
            let header = V5Header {
                sys_uptime_ms: self.uptime(now_ms),
                unix_secs: wall.as_secs() as u32,
                unix_nsecs: wall.subsec_nanos(),
                flow_sequence: self
                    .records_sent
                    .wrapping_add(chunk.len() as u32)
                    .wrapping_sub(1),
                engine_type: self.config.engine_type,
                engine_id: self.config.engine_id,
                sampling_interval: 0,
            };
            out.push(encode_v5(&header, chunk)?);
            self.packets_sent = self.packets_sent.wrapping_add(1);
            self.records_sent = self.records_sent.wrapping_add(chunk.len() as u32);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sport: u16) -> FlowKey {
        FlowKey {
            in_port: 1,
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
            protocol: 6,
            src_port: sport,
            dst_port: 80,
        }
    }

    fn upd(packets: u64, bytes: u64, used_ms: u64) -> FlowUpdate {
        FlowUpdate {
            packets,
            bytes,
            tcp_flags: 0x02,
            tos: 0,
            output: NetflowOutput::Port(2),
            used_ms,
        }
    }

    fn u16_at(b: &[u8], o: usize) -> u16 {
        u16::from_be_bytes([b[o], b[o + 1]])
    }
    fn u32_at(b: &[u8], o: usize) -> u32 {
        u32::from_be_bytes(b[o..o + 4].try_into().unwrap())
    }

    #[test]
    fn active_timeout_column() {
        assert_eq!(ActiveTimeout::from_column(-1), Ok(ActiveTimeout::Disabled));
        assert_eq!(
            ActiveTimeout::from_column(0),
            Ok(ActiveTimeout::Seconds(600))
        );
        assert_eq!(
            ActiveTimeout::from_column(60),
            Ok(ActiveTimeout::Seconds(60))
        );
        assert_eq!(
            ActiveTimeout::from_column(-2),
            Err(ExportError::BadActiveTimeout(-2))
        );
    }

    #[test]
    fn removal_exports_once_with_times_relative_to_boot() {
        let cfg = NetflowConfig {
            engine_type: 3,
            engine_id: 4,
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 1_000);
        x.update(key(1), &upd(2, 120, 1_500), 1_500);
        x.update(
            key(1),
            &FlowUpdate {
                tcp_flags: 0x10,
                ..upd(1, 60, 2_500)
            },
            2_500,
        );
        assert!(x.run(3_000, Duration::new(100, 5)).unwrap().is_empty());
        assert!(x.remove(&key(1)));
        assert!(!x.remove(&key(1)));
        let d = x.run(4_000, Duration::new(100, 5)).unwrap();
        assert_eq!(d.len(), 1);
        let d = &d[0];
        assert_eq!(d.len(), 72);
        assert_eq!(u16_at(d, 2), 1);
        assert_eq!(u32_at(d, 4), 3_000); // sysUptime
        assert_eq!(u32_at(d, 8), 100);
        assert_eq!(u32_at(d, 12), 5);
        assert_eq!(u32_at(d, 16), 0); // flow sequence: index of the datagram's last record
        assert_eq!((d[20], d[21]), (3, 4));
        assert_eq!(u16_at(d, 24 + 12), 1); // input
        assert_eq!(u16_at(d, 24 + 14), 2); // output
        assert_eq!(u32_at(d, 24 + 16), 3);
        assert_eq!(u32_at(d, 24 + 20), 180);
        assert_eq!(u32_at(d, 24 + 24), 500); // first
        assert_eq!(u32_at(d, 24 + 28), 1_500); // last
        assert_eq!(d[24 + 37], 0x12); // tcp flags
    }

    #[test]
    fn active_timeout_exports_deltas_and_sequence_counts_flows() {
        let cfg = NetflowConfig {
            active_timeout: ActiveTimeout::Seconds(60),
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 0);
        x.update(key(1), &upd(10, 1000, 1_000), 0);
        x.update(key(2), &upd(1, 100, 1_000), 0);
        assert!(x.run(59_999, Duration::ZERO).unwrap().is_empty());
        let d = x.run(60_000, Duration::ZERO).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(u16_at(&d[0], 2), 2);
        // Key 2 has no new traffic: nothing at the next timeout; key 1 reports only its delta.
        x.update(key(1), &upd(5, 500, 70_000), 70_000);
        let d = x.run(120_000, Duration::ZERO).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(u16_at(&d[0], 2), 1);
        assert_eq!(u32_at(&d[0], 16), 2); // records 0 and 1 sent before; this is record 2
        assert_eq!(u32_at(&d[0], 24 + 16), 5);
        assert_eq!(u32_at(&d[0], 24 + 24), 1_000); // first packet ever
        assert_eq!(u32_at(&d[0], 24 + 28), 70_000);
        assert_eq!(x.flow_count(), 2);
    }

    #[test]
    fn disabled_active_timeout_waits_for_removal() {
        let cfg = NetflowConfig {
            active_timeout: ActiveTimeout::Disabled,
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 0);
        x.update(key(1), &upd(1, 64, 10), 10);
        assert!(x.run(10_000_000, Duration::ZERO).unwrap().is_empty());
        x.remove_all();
        assert_eq!(x.run(10_000_001, Duration::ZERO).unwrap().len(), 1);
        assert_eq!(x.flow_count(), 0);
    }

    #[test]
    fn thirty_records_per_datagram() {
        let mut x = NetflowExporter::new(NetflowConfig::default(), 0);
        for p in 0..65 {
            x.update(key(p), &upd(1, 64, 5), 5);
        }
        x.remove_all();
        let d = x.run(10, Duration::ZERO).unwrap();
        let counts: Vec<u16> = d.iter().map(|d| u16_at(d, 2)).collect();
        assert_eq!(counts, [30, 30, 5]);
        let seqs: Vec<u32> = d.iter().map(|d| u32_at(d, 16)).collect();
        assert_eq!(seqs, [29, 59, 64]);
    }

    #[test]
    fn add_id_to_interface_and_special_outputs() {
        let cfg = NetflowConfig {
            engine_id: 0xff,
            add_id_to_interface: true,
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 0);
        let k = FlowKey {
            in_port: 0x203,
            ..key(1)
        };
        x.update(
            k,
            &FlowUpdate {
                output: NetflowOutput::Flood,
                ..upd(1, 64, 1)
            },
            1,
        );
        x.remove(&k);
        let d = x.run(2, Duration::ZERO).unwrap();
        assert_eq!(u16_at(&d[0], 24 + 12), (0x7f << 9) | 0x003);
        assert_eq!(u16_at(&d[0], 24 + 14), (0x7f << 9) | 0x1ff);
        assert_eq!(NetflowOutput::Drop.value(), 0xfffd);
        assert_eq!(NetflowOutput::Multiple.value(), 0xfffe);
    }

    #[test]
    fn huge_counters_are_split_evenly() {
        let mut x = NetflowExporter::new(NetflowConfig::default(), 0);
        let bytes = u64::from(u32::MAX) * 2 + 10;
        x.update(key(1), &upd(3_000_000, bytes, 1), 1);
        x.remove(&key(1));
        let d = x.run(2, Duration::ZERO).unwrap();
        assert_eq!(u16_at(&d[0], 2), 3);
        let mut total_b = 0u64;
        let mut total_p = 0u64;
        for i in 0..3 {
            total_p += u64::from(u32_at(&d[0], 24 + 48 * i + 16));
            total_b += u64::from(u32_at(&d[0], 24 + 48 * i + 20));
        }
        assert_eq!((total_p, total_b), (3_000_000, bytes));
    }

    #[test]
    fn icmp_type_and_code_go_to_the_destination_port() {
        let mut x = NetflowExporter::new(NetflowConfig::default(), 0);
        let k = FlowKey {
            protocol: 1,
            src_port: 8,
            dst_port: 3,
            ..key(0)
        };
        x.update(k, &upd(1, 42, 1), 1);
        x.remove(&k);
        let r = x.pending_records()[0];
        assert_eq!((r.src_port, r.dst_port), (0, 2051));
    }

    #[test]
    fn v9_packets_carry_the_template_periodically() {
        let cfg = NetflowConfig {
            version: NetflowVersion::V9 {
                source_id: 77,
                template_refresh: 2,
            },
            ..NetflowConfig::default()
        };
        let mut x = NetflowExporter::new(cfg, 0);
        for p in 0..65 {
            x.update(key(p), &upd(1, 64, 5), 5);
        }
        x.remove_all();
        let d = x.run(10, Duration::ZERO).unwrap();
        assert_eq!(d.len(), 3);
        let counts: Vec<u16> = d.iter().map(|d| u16_at(d, 2)).collect();
        assert_eq!(counts, [31, 30, 6]); // template counts as a record
        let seqs: Vec<u32> = d.iter().map(|d| u32_at(d, 12)).collect();
        assert_eq!(seqs, [0, 1, 2]);
        assert!(d.iter().all(|d| u16_at(d, 0) == 9 && u32_at(d, 16) == 77));
        assert_eq!(u16_at(&d[1], 20), crate::netflow::v9::TEMPLATE_ID);
        assert_eq!(u16_at(&d[2], 20), 0);
    }

    #[test]
    fn absurd_counters_are_bounded() {
        let mut x = NetflowExporter::new(NetflowConfig::default(), 0);
        x.update(key(1), &upd(u64::MAX, u64::MAX, 1), 1);
        x.remove(&key(1));
        assert_eq!(x.pending_records().len(), MAX_SPLIT as usize);
        assert!(x
            .pending_records()
            .iter()
            .all(|r| r.octets == u32::MAX && r.packets == u32::MAX));
        let d = x.run(2, Duration::ZERO).unwrap();
        assert_eq!(d.len(), 35); // 1024 records, 30 per datagram
    }
}
