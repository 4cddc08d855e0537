//! Encoders for sFlow v5 samples and the records they carry.
//!
//! A flow sample describes one sampled packet: the sampler's sequence number,
//! its data source, the sampling rate, the sample pool (packets that could
//! have been sampled), the drop count, input and output interfaces, and a list
//! of flow records. Open vSwitch sends an extended-switch record (VLANs and
//! priorities) followed by a sampled-header record (the first `header` bytes
//! of the frame, frame length including the 4-byte FCS, "stripped" = 4).
//!
//! A counter sample carries counter records for one data source. For a port
//! Open vSwitch sends, in this order: Ethernet counters (all unknown), the
//! OpenFlow port record, the port name, and the generic interface counters.
//! For the bridge it sends application resources and datapath statistics.
//!
//! Counters the switch does not know are encoded as all-ones, as the sFlow
//! specification asks; the Rust types model them as `Option`.
//!
//! Every encoder writes `format`, a length placeholder and the body, then
//! patches the length, so declared lengths always match what follows.

use crate::error::ExportError;
use crate::sflow::{format, DataSource, SflowInterface};
use crate::xdr::{pad4, patch_u32, put_opaque_padded, put_u32, put_u64};

/// Whether samples use the compact (formats 1/2) or expanded (3/4) encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SampleFormat {
    /// Compact formats, as Open vSwitch sends.
    #[default]
    Compact,
    /// Expanded formats (32-bit source index and interface values).
    Expanded,
}

/// Header protocol codes for the sampled-header record.
pub mod header_protocol {
    /// Ethernet (ISO 8802-3).
    pub const ETHERNET: u32 = 1;
    /// Raw IPv4.
    pub const IPV4: u32 = 11;
    /// Raw IPv6.
    pub const IPV6: u32 = 12;
}

/// The sampled-header flow record (format 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampledHeader<'a> {
    /// Header protocol (see [`header_protocol`]).
    pub protocol: u32,
    /// Original frame length, including bytes stripped before sampling.
    pub frame_length: u32,
    /// Bytes removed from the end of the frame (4 = Ethernet FCS).
    pub stripped: u32,
    /// The copied header bytes.
    pub header: &'a [u8],
}

impl<'a> SampledHeader<'a> {
    /// The record Open vSwitch builds for an Ethernet frame of which the
    /// first `header_bytes` bytes are kept: frame length counts the FCS,
    /// stripped = 4.
    pub fn ethernet(frame: &'a [u8], header_bytes: u32) -> Self {
        let keep = usize::try_from(header_bytes)
            .unwrap_or(usize::MAX)
            .min(frame.len());
        SampledHeader {
            protocol: header_protocol::ETHERNET,
            frame_length: u32::try_from(frame.len())
                .unwrap_or(u32::MAX)
                .saturating_add(4),
            stripped: 4,
            header: frame.get(..keep).unwrap_or(frame),
        }
    }
}

/// The extended-switch flow record (format 1001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtendedSwitch {
    /// 802.1Q VLAN id on input (0 = untagged).
    pub src_vlan: u32,
    /// 802.1p priority on input.
    pub src_priority: u32,
    /// 802.1Q VLAN id on output.
    pub dst_vlan: u32,
    /// 802.1p priority on output.
    pub dst_priority: u32,
}

impl ExtendedSwitch {
    /// Derives the record from an Ethernet frame's outer 802.1Q tag (if any),
    /// using the same VLAN and priority for input and output as Open vSwitch
    /// does when the actions do not change the tag.
    pub fn from_frame(frame: &[u8]) -> Self {
        let tpid = frame.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]]));
        let tci = frame.get(14..16).map(|b| u16::from_be_bytes([b[0], b[1]]));
        match (tpid, tci) {
            (Some(0x8100 | 0x88a8), Some(tci)) => {
                let vlan = u32::from(tci & 0x0fff);
                let pcp = u32::from(tci >> 13);
                ExtendedSwitch {
                    src_vlan: vlan,
                    src_priority: pcp,
                    dst_vlan: vlan,
                    dst_priority: pcp,
                }
            }
            _ => ExtendedSwitch::default(),
        }
    }
}

/// The `sampled_ipv4` structure, used by the tunnel records to describe an
/// outer IPv4 header (Open vSwitch adds one for tunnel ports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampledIpv4 {
    /// IP packet length.
    pub length: u32,
    /// IP protocol (e.g. 17 for VXLAN/Geneve over UDP, 47 for GRE).
    pub protocol: u32,
    /// Outer source address.
    pub src: std::net::Ipv4Addr,
    /// Outer destination address.
    pub dst: std::net::Ipv4Addr,
    /// Outer source port.
    pub src_port: u32,
    /// Outer destination port.
    pub dst_port: u32,
    /// TCP flags.
    pub tcp_flags: u32,
    /// IP type of service.
    pub tos: u32,
}

/// Extended MPLS data (format 1006): next hop and label stacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedMpls<'a> {
    /// Next hop address.
    pub next_hop: std::net::IpAddr,
    /// Label stack entries on input (outermost first).
    pub in_stack: &'a [u32],
    /// Label stack entries on output (outermost first).
    pub out_stack: &'a [u32],
}

/// One flow record inside a flow sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowRecord<'a> {
    /// Sampled packet header.
    SampledHeader(SampledHeader<'a>),
    /// VLAN and priority information.
    ExtendedSwitch(ExtendedSwitch),
    /// Outer header a tunnel port adds on output (format 1023).
    Ipv4TunnelEgress(SampledIpv4),
    /// Outer header a tunnel port removed on input (format 1024).
    Ipv4TunnelIngress(SampledIpv4),
    /// Tunnel key on output (format 1029).
    VniEgress(u32),
    /// Tunnel key on input (format 1030).
    VniIngress(u32),
    /// MPLS labels (format 1006).
    Mpls(ExtendedMpls<'a>),
    /// Any other record, already XDR-encoded: `(enterprise << 12) | format` and its body.
    Raw {
        /// Format word.
        format: u32,
        /// Encoded body (padded to four bytes by the encoder if needed).
        data: &'a [u8],
    },
}

/// Generic interface counters (counter record format 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenericInterfaceCounters {
    /// ifIndex.
    pub if_index: u32,
    /// ifType (6 = ethernetCsmacd).
    pub if_type: u32,
    /// Speed in bits per second (0 = unknown).
    pub if_speed: u64,
    /// 0 = unknown, 1 = full duplex, 2 = half duplex, 3 = in, 4 = out.
    pub if_direction: u32,
    /// Administratively up.
    pub admin_up: bool,
    /// Operationally up.
    pub oper_up: bool,
    /// Received bytes.
    pub in_octets: Option<u64>,
    /// Received unicast packets (Open vSwitch reports all received packets here).
    pub in_ucast_pkts: Option<u64>,
    /// Received multicast packets.
    pub in_multicast_pkts: Option<u64>,
    /// Received broadcast packets.
    pub in_broadcast_pkts: Option<u64>,
    /// Received packets discarded.
    pub in_discards: Option<u64>,
    /// Receive errors.
    pub in_errors: Option<u64>,
    /// Received packets of unknown protocol.
    pub in_unknown_protos: Option<u64>,
    /// Transmitted bytes.
    pub out_octets: Option<u64>,
    /// Transmitted unicast packets (Open vSwitch reports all transmitted packets here).
    pub out_ucast_pkts: Option<u64>,
    /// Transmitted multicast packets.
    pub out_multicast_pkts: Option<u64>,
    /// Transmitted broadcast packets.
    pub out_broadcast_pkts: Option<u64>,
    /// Transmit discards.
    pub out_discards: Option<u64>,
    /// Transmit errors.
    pub out_errors: Option<u64>,
    /// Promiscuous mode.
    pub promiscuous: bool,
}

/// Ethernet interface counters (counter record format 2); `None` = unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EthernetCounters {
    /// dot3StatsAlignmentErrors.
    pub alignment_errors: Option<u32>,
    /// dot3StatsFCSErrors.
    pub fcs_errors: Option<u32>,
    /// dot3StatsSingleCollisionFrames.
    pub single_collision_frames: Option<u32>,
    /// dot3StatsMultipleCollisionFrames.
    pub multiple_collision_frames: Option<u32>,
    /// dot3StatsSQETestErrors.
    pub sqe_test_errors: Option<u32>,
    /// dot3StatsDeferredTransmissions.
    pub deferred_transmissions: Option<u32>,
    /// dot3StatsLateCollisions.
    pub late_collisions: Option<u32>,
    /// dot3StatsExcessiveCollisions.
    pub excessive_collisions: Option<u32>,
    /// dot3StatsInternalMacTransmitErrors.
    pub internal_mac_transmit_errors: Option<u32>,
    /// dot3StatsCarrierSenseErrors.
    pub carrier_sense_errors: Option<u32>,
    /// dot3StatsFrameTooLongs.
    pub frame_too_longs: Option<u32>,
    /// dot3StatsInternalMacReceiveErrors.
    pub internal_mac_receive_errors: Option<u32>,
    /// dot3StatsSymbolErrors.
    pub symbol_errors: Option<u32>,
}

/// Application resources (counter record format 2203), as Open vSwitch
/// reports for the vswitchd process on the bridge data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppResources {
    /// User CPU time in milliseconds.
    pub user_time_ms: u32,
    /// System CPU time in milliseconds.
    pub system_time_ms: u32,
    /// Memory in use, bytes.
    pub mem_used: u64,
    /// Memory limit, bytes (0 = unknown).
    pub mem_max: u64,
    /// Open file descriptors.
    pub fd_open: u32,
    /// File descriptor limit.
    pub fd_max: u32,
    /// Open connections.
    pub conn_open: u32,
    /// Connection limit.
    pub conn_max: u32,
}

/// Open vSwitch datapath statistics (counter record format 2207); `None` = unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OvsDpStats {
    /// Packets that hit a datapath flow.
    pub n_hit: Option<u32>,
    /// Packets that missed.
    pub n_missed: Option<u32>,
    /// Packets lost on the way to userspace.
    pub n_lost: Option<u32>,
    /// Mask hits.
    pub n_mask_hit: Option<u32>,
    /// Datapath flows.
    pub n_flows: Option<u32>,
    /// Datapath masks.
    pub n_masks: Option<u32>,
}

/// One counter record inside a counter sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterRecord<'a> {
    /// Generic interface counters.
    Generic(GenericInterfaceCounters),
    /// Ethernet counters.
    Ethernet(EthernetCounters),
    /// OpenFlow datapath id and port number (format 1004).
    OpenFlowPort {
        /// Datapath id.
        datapath_id: u64,
        /// OpenFlow port number.
        port_no: u32,
    },
    /// Port name (format 1005, at most 255 bytes).
    PortName(&'a str),
    /// Application resources.
    AppResources(AppResources),
    /// Datapath statistics.
    OvsDp(OvsDpStats),
    /// Any other record, already XDR-encoded.
    Raw {
        /// Format word.
        format: u32,
        /// Encoded body.
        data: &'a [u8],
    },
}

/// A flow sample ready to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowSample<'a> {
    /// Sampler sequence number.
    pub sequence: u32,
    /// Data source of the sampler.
    pub source: DataSource,
    /// 1-in-N sampling rate.
    pub sampling_rate: u32,
    /// Packets that could have been sampled.
    pub sample_pool: u32,
    /// Samples lost for lack of resources.
    pub drops: u32,
    /// Input interface.
    pub input: SflowInterface,
    /// Output interface(s).
    pub output: SflowInterface,
    /// Records, in wire order.
    pub records: Vec<FlowRecord<'a>>,
}

/// A counter sample ready to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterSample<'a> {
    /// Poller sequence number.
    pub sequence: u32,
    /// Data source of the poller.
    pub source: DataSource,
    /// Records, in wire order.
    pub records: Vec<CounterRecord<'a>>,
}

const ALL_ONES: u32 = u32::MAX;

/// Starts an element: writes the format word and a length placeholder, returns the placeholder offset.
fn begin(buf: &mut Vec<u8>, format: u32) -> usize {
    put_u32(buf, format);
    let at = buf.len();
    put_u32(buf, 0);
    at
}

/// Ends an element started by [`begin`]: patches its length.
fn end(buf: &mut [u8], at: usize) -> Result<(), ExportError> {
    let len = buf.len().saturating_sub(at + 4);
    let len = u32::try_from(len).map_err(|_| ExportError::TooLarge)?;
    patch_u32(buf, at, len);
    Ok(())
}

fn opt32(v: Option<u32>) -> u32 {
    v.unwrap_or(ALL_ONES)
}

/// 32-bit sFlow counters wrap: the low 32 bits of a 64-bit counter; unknown = all ones.
fn counter32(v: Option<u64>) -> u32 {
    v.map_or(ALL_ONES, |c| c as u32)
}

fn counter64(v: Option<u64>) -> u64 {
    v.unwrap_or(u64::MAX)
}

fn encode_flow_record(buf: &mut Vec<u8>, rec: &FlowRecord<'_>) -> Result<(), ExportError> {
    match rec {
        FlowRecord::SampledHeader(h) => {
            let at = begin(buf, format::SAMPLED_HEADER);
            put_u32(buf, h.protocol);
            put_u32(buf, h.frame_length);
            put_u32(buf, h.stripped);
            put_u32(
                buf,
                u32::try_from(h.header.len()).map_err(|_| ExportError::TooLarge)?,
            );
            put_opaque_padded(buf, h.header);
            end(buf, at)
        }
        FlowRecord::ExtendedSwitch(s) => {
            let at = begin(buf, format::EXTENDED_SWITCH);
            put_u32(buf, s.src_vlan);
            put_u32(buf, s.src_priority);
            put_u32(buf, s.dst_vlan);
            put_u32(buf, s.dst_priority);
            end(buf, at)
        }
        FlowRecord::Ipv4TunnelEgress(t) | FlowRecord::Ipv4TunnelIngress(t) => {
            let f = if matches!(rec, FlowRecord::Ipv4TunnelEgress(_)) {
                format::EXTENDED_IPV4_TUNNEL_EGRESS
            } else {
                format::EXTENDED_IPV4_TUNNEL_INGRESS
            };
            let at = begin(buf, f);
            put_u32(buf, t.length);
            put_u32(buf, t.protocol);
            buf.extend_from_slice(&t.src.octets());
            buf.extend_from_slice(&t.dst.octets());
            put_u32(buf, t.src_port);
            put_u32(buf, t.dst_port);
            put_u32(buf, t.tcp_flags);
            put_u32(buf, t.tos);
            end(buf, at)
        }
        FlowRecord::VniEgress(v) | FlowRecord::VniIngress(v) => {
            let f = if matches!(rec, FlowRecord::VniEgress(_)) {
                format::EXTENDED_VNI_EGRESS
            } else {
                format::EXTENDED_VNI_INGRESS
            };
            let at = begin(buf, f);
            put_u32(buf, *v);
            end(buf, at)
        }
        FlowRecord::Mpls(m) => {
            let at = begin(buf, format::EXTENDED_MPLS);
            match m.next_hop {
                std::net::IpAddr::V4(a) => {
                    put_u32(buf, 1);
                    buf.extend_from_slice(&a.octets());
                }
                std::net::IpAddr::V6(a) => {
                    put_u32(buf, 2);
                    buf.extend_from_slice(&a.octets());
                }
            }
            for stack in [m.in_stack, m.out_stack] {
                put_u32(buf, count32(stack.len())?);
                for l in stack {
                    put_u32(buf, *l);
                }
            }
            end(buf, at)
        }
        FlowRecord::Raw { format, data } => {
            let at = begin(buf, *format);
            put_opaque_padded(buf, data);
            end(buf, at)
        }
    }
}

fn encode_counter_record(buf: &mut Vec<u8>, rec: &CounterRecord<'_>) -> Result<(), ExportError> {
    match rec {
        CounterRecord::Generic(g) => {
            let at = begin(buf, format::GENERIC_INTERFACE);
            put_u32(buf, g.if_index);
            put_u32(buf, g.if_type);
            put_u64(buf, g.if_speed);
            put_u32(buf, g.if_direction);
            put_u32(buf, u32::from(g.admin_up) | (u32::from(g.oper_up) << 1));
            put_u64(buf, counter64(g.in_octets));
            for c in [
                g.in_ucast_pkts,
                g.in_multicast_pkts,
                g.in_broadcast_pkts,
                g.in_discards,
                g.in_errors,
                g.in_unknown_protos,
            ] {
                put_u32(buf, counter32(c));
            }
            put_u64(buf, counter64(g.out_octets));
            for c in [
                g.out_ucast_pkts,
                g.out_multicast_pkts,
                g.out_broadcast_pkts,
                g.out_discards,
                g.out_errors,
            ] {
                put_u32(buf, counter32(c));
            }
            put_u32(buf, u32::from(g.promiscuous));
            end(buf, at)
        }
        CounterRecord::Ethernet(e) => {
            let at = begin(buf, format::ETHERNET);
            for c in [
                e.alignment_errors,
                e.fcs_errors,
                e.single_collision_frames,
                e.multiple_collision_frames,
                e.sqe_test_errors,
                e.deferred_transmissions,
                e.late_collisions,
                e.excessive_collisions,
                e.internal_mac_transmit_errors,
                e.carrier_sense_errors,
                e.frame_too_longs,
                e.internal_mac_receive_errors,
                e.symbol_errors,
            ] {
                put_u32(buf, opt32(c));
            }
            end(buf, at)
        }
        CounterRecord::OpenFlowPort {
            datapath_id,
            port_no,
        } => {
            let at = begin(buf, format::OPENFLOW_PORT);
            put_u64(buf, *datapath_id);
            put_u32(buf, *port_no);
            end(buf, at)
        }
        CounterRecord::PortName(name) => {
            const MAX: usize = 255;
            if name.len() > MAX {
                return Err(ExportError::StringTooLong {
                    len: name.len(),
                    max: MAX,
                });
            }
            let at = begin(buf, format::PORT_NAME);
            put_u32(
                buf,
                u32::try_from(name.len()).map_err(|_| ExportError::TooLarge)?,
            );
            put_opaque_padded(buf, name.as_bytes());
            end(buf, at)
        }
        CounterRecord::AppResources(a) => {
            let at = begin(buf, format::APP_RESOURCES);
            put_u32(buf, a.user_time_ms);
            put_u32(buf, a.system_time_ms);
            put_u64(buf, a.mem_used);
            put_u64(buf, a.mem_max);
            put_u32(buf, a.fd_open);
            put_u32(buf, a.fd_max);
            put_u32(buf, a.conn_open);
            put_u32(buf, a.conn_max);
            end(buf, at)
        }
        CounterRecord::OvsDp(d) => {
            let at = begin(buf, format::OVS_DP_STATS);
            for c in [
                d.n_hit,
                d.n_missed,
                d.n_lost,
                d.n_mask_hit,
                d.n_flows,
                d.n_masks,
            ] {
                put_u32(buf, opt32(c));
            }
            end(buf, at)
        }
        CounterRecord::Raw { format, data } => {
            let at = begin(buf, *format);
            put_opaque_padded(buf, data);
            end(buf, at)
        }
    }
}

fn put_source(
    buf: &mut Vec<u8>,
    source: &DataSource,
    fmt: SampleFormat,
) -> Result<(), ExportError> {
    match fmt {
        SampleFormat::Compact => put_u32(buf, source.compact()?),
        SampleFormat::Expanded => {
            put_u32(buf, u32::from(source.class()));
            put_u32(buf, source.index());
        }
    }
    Ok(())
}

fn put_interface(
    buf: &mut Vec<u8>,
    i: &SflowInterface,
    fmt: SampleFormat,
) -> Result<(), ExportError> {
    let word = i.encode()?;
    match fmt {
        SampleFormat::Compact => put_u32(buf, word),
        SampleFormat::Expanded => {
            put_u32(buf, word >> 30);
            put_u32(buf, word & 0x3fff_ffff);
        }
    }
    Ok(())
}

fn count32(n: usize) -> Result<u32, ExportError> {
    u32::try_from(n).map_err(|_| ExportError::TooLarge)
}

/// Encodes a flow sample (format word, length, body) and returns the bytes.
pub fn encode_flow_sample(
    sample: &FlowSample<'_>,
    fmt: SampleFormat,
) -> Result<Vec<u8>, ExportError> {
    let mut buf = Vec::with_capacity(64 + sample.records.len() * 32);
    let format_word = match fmt {
        SampleFormat::Compact => format::FLOW_SAMPLE,
        SampleFormat::Expanded => format::FLOW_SAMPLE_EXPANDED,
    };
    let at = begin(&mut buf, format_word);
    put_u32(&mut buf, sample.sequence);
    put_source(&mut buf, &sample.source, fmt)?;
    put_u32(&mut buf, sample.sampling_rate);
    put_u32(&mut buf, sample.sample_pool);
    put_u32(&mut buf, sample.drops);
    put_interface(&mut buf, &sample.input, fmt)?;
    put_interface(&mut buf, &sample.output, fmt)?;
    put_u32(&mut buf, count32(sample.records.len())?);
    for r in &sample.records {
        encode_flow_record(&mut buf, r)?;
    }
    end(&mut buf, at)?;
    Ok(buf)
}

/// Encodes a counter sample (format word, length, body) and returns the bytes.
pub fn encode_counter_sample(
    sample: &CounterSample<'_>,
    fmt: SampleFormat,
) -> Result<Vec<u8>, ExportError> {
    let mut buf = Vec::with_capacity(32 + sample.records.len() * 64);
    let format_word = match fmt {
        SampleFormat::Compact => format::COUNTER_SAMPLE,
        SampleFormat::Expanded => format::COUNTER_SAMPLE_EXPANDED,
    };
    let at = begin(&mut buf, format_word);
    put_u32(&mut buf, sample.sequence);
    put_source(&mut buf, &sample.source, fmt)?;
    put_u32(&mut buf, count32(sample.records.len())?);
    for r in &sample.records {
        encode_counter_record(&mut buf, r)?;
    }
    end(&mut buf, at)?;
    Ok(buf)
}

/// Encoded size of a sampled-header record body for `header_len` header bytes (without format/length words).
pub fn sampled_header_body_len(header_len: usize) -> usize {
    16 + header_len + pad4(header_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn extended_switch_from_tagged_frame() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x81, 0x00, 0x60, 0x05, 0x08, 0x00]);
        let s = ExtendedSwitch::from_frame(&f);
        assert_eq!(
            s,
            ExtendedSwitch {
                src_vlan: 5,
                src_priority: 3,
                dst_vlan: 5,
                dst_priority: 3
            }
        );
        assert_eq!(
            ExtendedSwitch::from_frame(&f[..13]),
            ExtendedSwitch::default()
        );
    }

    #[test]
    fn flow_sample_bytes() {
        let frame: Vec<u8> = (0u8..10).collect();
        let sample = FlowSample {
            sequence: 10,
            source: DataSource::physical_entity(1000),
            sampling_rate: 1,
            sample_pool: 10,
            drops: 0,
            input: SflowInterface::Index(1001),
            output: SflowInterface::Multiple(2),
            records: vec![
                FlowRecord::ExtendedSwitch(ExtendedSwitch::default()),
                FlowRecord::SampledHeader(SampledHeader::ethernet(&frame, 128)),
            ],
        };
        let got = encode_flow_sample(&sample, SampleFormat::Compact).unwrap();
        let want = hex(
            "00000001 0000005c 0000000a 020003e8 00000001 0000000a 00000000 000003e9 80000002 00000002
             000003e9 00000010 00000000 00000000 00000000 00000000
             00000001 0000001c 00000001 0000000e 00000004 0000000a 00010203 04050607 08090000",
        );
        assert_eq!(got, want);
        let exp = encode_flow_sample(&sample, SampleFormat::Expanded).unwrap();
        assert_eq!(&exp[..8], &hex("00000003 00000068"));
        assert_eq!(&exp[12..20], &hex("00000002 000003e8"));
        assert_eq!(&exp[32..48], &hex("00000000 000003e9 00000002 00000002"));
        assert_eq!(exp.len(), got.len() + 12);
    }

    #[test]
    fn tunnel_and_mpls_records() {
        let t = SampledIpv4 {
            length: 100,
            protocol: 17,
            src: std::net::Ipv4Addr::new(192, 0, 2, 1),
            dst: std::net::Ipv4Addr::new(192, 0, 2, 2),
            src_port: 49152,
            dst_port: 4789,
            tcp_flags: 0,
            tos: 0,
        };
        let labels = [0x0001_4140u32];
        let sample = FlowSample {
            sequence: 1,
            source: DataSource::if_index(1),
            sampling_rate: 1,
            sample_pool: 1,
            drops: 0,
            input: SflowInterface::Index(1),
            output: SflowInterface::Index(2),
            records: vec![
                FlowRecord::Ipv4TunnelEgress(t),
                FlowRecord::VniEgress(42),
                FlowRecord::VniIngress(7),
                FlowRecord::Ipv4TunnelIngress(t),
                FlowRecord::Mpls(ExtendedMpls {
                    next_hop: std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9)),
                    in_stack: &[],
                    out_stack: &labels,
                }),
            ],
        };
        let got = encode_flow_sample(&sample, SampleFormat::Compact).unwrap();
        let tun = "00000064 00000011 c0000201 c0000202 0000c000 000012b5 00000000 00000000";
        let want = hex(&format!(
            "00000001 000000a4 00000001 00000001 00000001 00000001 00000000 00000001 00000002 00000005
             000003ff 00000020 {tun}
             00000405 00000004 0000002a
             00000406 00000004 00000007
             00000400 00000020 {tun}
             000003ee 00000014 00000001 0a000009 00000000 00000001 00014140"
        ));
        assert_eq!(got, want);
    }

    #[test]
    fn header_is_truncated_to_configured_size() {
        let frame = vec![0x55u8; 200];
        let h = SampledHeader::ethernet(&frame, 128);
        assert_eq!(h.header.len(), 128);
        assert_eq!(h.frame_length, 204);
        assert_eq!(h.stripped, 4);
        assert_eq!(sampled_header_body_len(118), 136);
    }

    #[test]
    fn port_counter_sample_bytes() {
        let g = GenericInterfaceCounters {
            if_index: 1002,
            if_type: 6,
            if_speed: 100_000_000,
            if_direction: 0,
            admin_up: true,
            oper_up: true,
            in_octets: Some(110),
            in_ucast_pkts: Some(1),
            out_octets: Some(590),
            out_ucast_pkts: Some(5),
            ..Default::default()
        };
        let sample = CounterSample {
            sequence: 1,
            source: DataSource::if_index(1002),
            records: vec![
                CounterRecord::Ethernet(EthernetCounters::default()),
                CounterRecord::OpenFlowPort {
                    datapath_id: 0x4aa0_9ec2_7141,
                    port_no: 2,
                },
                CounterRecord::PortName("p2"),
                CounterRecord::Generic(g),
            ],
        };
        let got = encode_counter_sample(&sample, SampleFormat::Compact).unwrap();
        let mut want = hex("00000002 000000cc 00000001 000003ea 00000004 00000002 00000034");
        want.extend(std::iter::repeat_n(0xff, 52));
        want.extend(hex(
            "000003ec 0000000c 00004aa0 9ec27141 00000002
             000003ed 00000008 00000002 70320000
             00000001 00000058 000003ea 00000006 00000000 05f5e100 00000000 00000003
             00000000 0000006e 00000001 ffffffff ffffffff ffffffff ffffffff ffffffff
             00000000 0000024e 00000005 ffffffff ffffffff ffffffff ffffffff 00000000",
        ));
        assert_eq!(got, want);
    }

    #[test]
    fn bridge_counter_records() {
        let sample = CounterSample {
            sequence: 29,
            source: DataSource::physical_entity(1000),
            records: vec![
                CounterRecord::AppResources(AppResources {
                    user_time_ms: 15,
                    system_time_ms: 19,
                    mem_used: 0x0115_3000,
                    ..Default::default()
                }),
                CounterRecord::OvsDp(OvsDpStats {
                    n_hit: Some(10),
                    n_missed: Some(5),
                    n_lost: Some(0),
                    n_mask_hit: None,
                    n_flows: Some(2),
                    n_masks: None,
                }),
            ],
        };
        let got = encode_counter_sample(&sample, SampleFormat::Compact).unwrap();
        let want = hex(
            "00000002 0000005c 0000001d 020003e8 00000002
             0000089b 00000028 0000000f 00000013 00000000 01153000 00000000 00000000 00000000 00000000 00000000 00000000
             0000089f 00000018 0000000a 00000005 00000000 ffffffff 00000002 ffffffff",
        );
        assert_eq!(got, want);
    }

    #[test]
    fn bad_values_are_errors() {
        let long = "x".repeat(256);
        let s = CounterSample {
            sequence: 1,
            source: DataSource::if_index(1),
            records: vec![CounterRecord::PortName(&long)],
        };
        assert!(matches!(
            encode_counter_sample(&s, SampleFormat::Compact),
            Err(ExportError::StringTooLong { .. })
        ));
        let s = CounterSample {
            sequence: 1,
            source: DataSource::if_index(0x0100_0000),
            records: vec![],
        };
        assert!(encode_counter_sample(&s, SampleFormat::Compact).is_err());
        assert!(encode_counter_sample(&s, SampleFormat::Expanded).is_ok());
        let raw = FlowRecord::Raw {
            format: 1006,
            data: &[1, 2, 3],
        };
        let f = FlowSample {
            sequence: 1,
            source: DataSource::if_index(1),
            sampling_rate: 1,
            sample_pool: 1,
            drops: 0,
            input: SflowInterface::Index(u32::MAX),
            output: SflowInterface::Unknown,
            records: vec![raw],
        };
        assert_eq!(
            encode_flow_sample(&f, SampleFormat::Compact),
            Err(ExportError::InterfaceOutOfRange(u32::MAX))
        );
    }
}
