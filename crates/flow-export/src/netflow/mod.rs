//! NetFlow version 5: datagram encoder and the flow exporter.
//!
//! A NetFlow v5 datagram is a 24-byte header (version 5, record count,
//! sysUptime in ms, wall-clock seconds and nanoseconds, the sequence number
//! of the first flow in the datagram, engine type and id, sampling interval)
//! followed by 1 to 30 fixed 48-byte records. Fields are big-endian and
//! packed. Open vSwitch fills the input and output interface fields from
//! OpenFlow port numbers, optionally with the engine id folded into the top
//! 7 bits (`add_id_to_interface`), leaves AS numbers and masks zero, and
//! sends a sampling interval of zero.
//!
//! [`exporter`] holds the flow table that datapath statistics feed and decides
//! when records are due (active timeout, flow removal); [`v9`] encodes the
//! same records as NetFlow v9 for collectors that want templates.

pub mod exporter;
pub mod v9;

use std::net::Ipv4Addr;

use crate::error::ExportError;
use crate::xdr::{put_u16, put_u32, put_u8};

/// Most records one v5 datagram may carry.
pub const MAX_RECORDS: usize = 30;
/// Header size in bytes.
pub const HEADER_LEN: usize = 24;
/// Record size in bytes.
pub const RECORD_LEN: usize = 48;
/// Conventional collector port.
pub const DEFAULT_PORT: u16 = 2055;

/// The v5 header fields the caller chooses (count is derived from the records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct V5Header {
    /// Milliseconds since the exporter started.
    pub sys_uptime_ms: u32,
    /// Wall clock, seconds since the Unix epoch.
    pub unix_secs: u32,
    /// Wall clock, residual nanoseconds.
    pub unix_nsecs: u32,
    /// Flow sequence number (the exporter uses Open vSwitch's numbering,
    /// see [`exporter`]).
    pub flow_sequence: u32,
    /// Engine type.
    pub engine_type: u8,
    /// Engine id.
    pub engine_id: u8,
    /// Sampling mode (2 bits) and interval (14 bits); Open vSwitch sends 0.
    pub sampling_interval: u16,
}

/// One v5 flow record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V5Record {
    /// Source address.
    pub src_addr: Ipv4Addr,
    /// Destination address.
    pub dst_addr: Ipv4Addr,
    /// Next hop (Open vSwitch: 0.0.0.0).
    pub next_hop: Ipv4Addr,
    /// Input interface.
    pub input: u16,
    /// Output interface.
    pub output: u16,
    /// Packets.
    pub packets: u32,
    /// Layer-3 bytes.
    pub octets: u32,
    /// sysUptime (ms) of the first packet.
    pub first_ms: u32,
    /// sysUptime (ms) of the last packet.
    pub last_ms: u32,
    /// Source port (ICMP: type).
    pub src_port: u16,
    /// Destination port (ICMP: code).
    pub dst_port: u16,
    /// OR of the TCP flags seen.
    pub tcp_flags: u8,
    /// IP protocol.
    pub protocol: u8,
    /// IP type of service.
    pub tos: u8,
    /// Source AS.
    pub src_as: u16,
    /// Destination AS.
    pub dst_as: u16,
    /// Source prefix length.
    pub src_mask: u8,
    /// Destination prefix length.
    pub dst_mask: u8,
}

impl Default for V5Record {
    fn default() -> Self {
        V5Record {
            src_addr: Ipv4Addr::UNSPECIFIED,
            dst_addr: Ipv4Addr::UNSPECIFIED,
            next_hop: Ipv4Addr::UNSPECIFIED,
            input: 0,
            output: 0,
            packets: 0,
            octets: 0,
            first_ms: 0,
            last_ms: 0,
            src_port: 0,
            dst_port: 0,
            tcp_flags: 0,
            protocol: 0,
            tos: 0,
            src_as: 0,
            dst_as: 0,
            src_mask: 0,
            dst_mask: 0,
        }
    }
}

/// Encodes one datagram of 1 to 30 records.
pub fn encode_v5(header: &V5Header, records: &[V5Record]) -> Result<Vec<u8>, ExportError> {
    if records.is_empty() || records.len() > MAX_RECORDS {
        return Err(ExportError::BadNetflowRecordCount(records.len()));
    }
    let mut b = Vec::with_capacity(HEADER_LEN + RECORD_LEN * records.len());
    put_u16(&mut b, 5);
    put_u16(&mut b, records.len() as u16);
    put_u32(&mut b, header.sys_uptime_ms);
    put_u32(&mut b, header.unix_secs);
    put_u32(&mut b, header.unix_nsecs);
    put_u32(&mut b, header.flow_sequence);
    put_u8(&mut b, header.engine_type);
    put_u8(&mut b, header.engine_id);
    put_u16(&mut b, header.sampling_interval);
    for r in records {
        b.extend_from_slice(&r.src_addr.octets());
        b.extend_from_slice(&r.dst_addr.octets());
        b.extend_from_slice(&r.next_hop.octets());
        put_u16(&mut b, r.input);
        put_u16(&mut b, r.output);
        put_u32(&mut b, r.packets);
        put_u32(&mut b, r.octets);
        put_u32(&mut b, r.first_ms);
        put_u32(&mut b, r.last_ms);
        put_u16(&mut b, r.src_port);
        put_u16(&mut b, r.dst_port);
        put_u8(&mut b, 0);
        put_u8(&mut b, r.tcp_flags);
        put_u8(&mut b, r.protocol);
        put_u8(&mut b, r.tos);
        put_u16(&mut b, r.src_as);
        put_u16(&mut b, r.dst_as);
        put_u8(&mut b, r.src_mask);
        put_u8(&mut b, r.dst_mask);
        put_u16(&mut b, 0);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_record_bytes() {
        let h = V5Header {
            sys_uptime_ms: 0x0102_0304,
            unix_secs: 0x0506_0708,
            unix_nsecs: 0x090a_0b0c,
            flow_sequence: 7,
            engine_type: 0xaa,
            engine_id: 0xbb,
            sampling_interval: 0,
        };
        let r = V5Record {
            src_addr: Ipv4Addr::new(10, 0, 0, 1),
            dst_addr: Ipv4Addr::new(10, 0, 0, 2),
            input: 1,
            output: 2,
            packets: 3,
            octets: 300,
            first_ms: 100,
            last_ms: 200,
            src_port: 1234,
            dst_port: 80,
            tcp_flags: 0x12,
            protocol: 6,
            tos: 0x10,
            ..V5Record::default()
        };
        let d = encode_v5(&h, &[r]).unwrap();
        assert_eq!(d.len(), 72);
        assert_eq!(
            &d[..24],
            &[0, 5, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 7, 0xaa, 0xbb, 0, 0]
        );
        assert_eq!(
            &d[24..],
            &[
                10, 0, 0, 1, 10, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 1, 44, 0, 0, 0,
                100, 0, 0, 0, 200, 0x04, 0xd2, 0, 80, 0, 0x12, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0
            ]
        );
    }

    #[test]
    fn record_count_limits() {
        let h = V5Header::default();
        assert_eq!(
            encode_v5(&h, &[]),
            Err(ExportError::BadNetflowRecordCount(0))
        );
        let many = vec![V5Record::default(); 31];
        assert_eq!(
            encode_v5(&h, &many),
            Err(ExportError::BadNetflowRecordCount(31))
        );
        assert_eq!(encode_v5(&h, &many[..30]).unwrap().len(), 24 + 30 * 48);
    }
}
