//! NetFlow version 9 (RFC 3954) encoding of the same flow records.
//!
//! Open vSwitch itself only speaks NetFlow v5 (and IPFIX, elsewhere); v9 is
//! offered for collectors that prefer templates. A v9 export packet is a
//! 20-byte header (version 9, number of records in the packet, sysUptime,
//! Unix seconds, a per-packet sequence number and a source id) followed by
//! flowsets: a template flowset (id 0) describing the record layout, sent in
//! the first packet and then every `template_refresh` packets, and a data
//! flowset (id = the template id, 256) carrying the records, padded to four
//! bytes. The record layout carries exactly the fields of a v5 record that
//! Open vSwitch fills in (no AS numbers or masks).

use crate::error::ExportError;
use crate::netflow::{V5Record, MAX_RECORDS};
use crate::xdr::{pad4, put_u16, put_u32, put_u8};

/// Template id of the record layout.
pub const TEMPLATE_ID: u16 = 256;

/// Field types and lengths of the template, in record order.
pub const TEMPLATE: [(u16, u16); 14] = [
    (1, 4),  // IN_BYTES
    (2, 4),  // IN_PKTS
    (4, 1),  // PROTOCOL
    (5, 1),  // SRC_TOS
    (6, 1),  // TCP_FLAGS
    (7, 2),  // L4_SRC_PORT
    (8, 4),  // IPV4_SRC_ADDR
    (10, 2), // INPUT_SNMP
    (11, 2), // L4_DST_PORT
    (12, 4), // IPV4_DST_ADDR
    (14, 2), // OUTPUT_SNMP
    (15, 4), // IPV4_NEXT_HOP
    (21, 4), // LAST_SWITCHED
    (22, 4), // FIRST_SWITCHED
];

/// Bytes per data record.
pub const RECORD_LEN: usize = 39;

/// The v9 header fields the caller chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct V9Header {
    /// Milliseconds since the exporter started.
    pub sys_uptime_ms: u32,
    /// Wall clock, seconds since the Unix epoch.
    pub unix_secs: u32,
    /// Export packet sequence number.
    pub sequence: u32,
    /// Observation domain / source id (e.g. engine type << 8 | engine id).
    pub source_id: u32,
}

/// Encodes one export packet with up to 30 records (at least one record or the template).
pub fn encode_v9(
    header: &V9Header,
    with_template: bool,
    records: &[V5Record],
) -> Result<Vec<u8>, ExportError> {
    if records.len() > MAX_RECORDS || (records.is_empty() && !with_template) {
        return Err(ExportError::BadNetflowRecordCount(records.len()));
    }
    let count = records.len() + usize::from(with_template);
    let mut b = Vec::with_capacity(20 + 64 + 4 + RECORD_LEN * records.len() + 3);
    put_u16(&mut b, 9);
    put_u16(&mut b, count as u16);
    put_u32(&mut b, header.sys_uptime_ms);
    put_u32(&mut b, header.unix_secs);
    put_u32(&mut b, header.sequence);
    put_u32(&mut b, header.source_id);
    if with_template {
        put_u16(&mut b, 0);
        put_u16(&mut b, (4 + 4 + 4 * TEMPLATE.len()) as u16);
        put_u16(&mut b, TEMPLATE_ID);
        put_u16(&mut b, TEMPLATE.len() as u16);
        for (ty, len) in TEMPLATE {
            put_u16(&mut b, ty);
            put_u16(&mut b, len);
        }
    }
    if !records.is_empty() {
        let body = RECORD_LEN * records.len();
        let pad = pad4(4 + body);
        put_u16(&mut b, TEMPLATE_ID);
        put_u16(&mut b, (4 + body + pad) as u16);
        for r in records {
            put_u32(&mut b, r.octets);
            put_u32(&mut b, r.packets);
            put_u8(&mut b, r.protocol);
            put_u8(&mut b, r.tos);
            put_u8(&mut b, r.tcp_flags);
            put_u16(&mut b, r.src_port);
            b.extend_from_slice(&r.src_addr.octets());
            put_u16(&mut b, r.input);
            put_u16(&mut b, r.dst_port);
            b.extend_from_slice(&r.dst_addr.octets());
            put_u16(&mut b, r.output);
            b.extend_from_slice(&r.next_hop.octets());
            put_u32(&mut b, r.last_ms);
            put_u32(&mut b, r.first_ms);
        }
        b.resize(b.len() + pad, 0);
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn template_and_data_bytes() {
        let h = V9Header {
            sys_uptime_ms: 1,
            unix_secs: 2,
            sequence: 3,
            source_id: 0x0605,
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
        let d = encode_v9(&h, true, &[r]).unwrap();
        assert_eq!(
            &d[..20],
            &[0, 9, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 6, 5]
        );
        assert_eq!(&d[20..28], &[0, 0, 0, 64, 1, 0, 0, 14]);
        assert_eq!(&d[28..32], &[0, 1, 0, 4]);
        let data = &d[84..];
        assert_eq!(&data[..4], &[1, 0, 0, 44]);
        assert_eq!(
            &data[4..43],
            &[
                0, 0, 1, 44, 0, 0, 0, 3, 6, 0x10, 0x12, 0x04, 0xd2, 10, 0, 0, 1, 0, 1, 0, 80, 10,
                0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 100
            ]
        );
        assert_eq!(&data[43..], &[0]);
        assert_eq!(d.len() % 4, 0);
        let no_template = encode_v9(&h, false, &[r, r]).unwrap();
        assert_eq!(no_template.len(), 20 + 4 + 78 + 2);
        assert_eq!(&no_template[2..4], &[0, 2]);
    }

    #[test]
    fn counts_are_checked() {
        let h = V9Header::default();
        assert!(encode_v9(&h, false, &[]).is_err());
        assert_eq!(encode_v9(&h, true, &[]).unwrap().len(), 84);
        assert!(encode_v9(&h, true, &vec![V5Record::default(); 31]).is_err());
    }
}
