//! sFlow version 5: wire encoders and the per-bridge agent.
//!
//! An sFlow datagram is an XDR structure: a header naming the agent (its IP
//! address, a sub-agent id, a datagram sequence number and the agent's
//! uptime in milliseconds) followed by a list of samples. Each sample, and
//! each record inside a sample, is preceded by a 32-bit format word
//! (`enterprise << 12 | format`) and a 32-bit byte length, so collectors can
//! skip anything they do not understand.
//!
//! Open vSwitch sends the *compact* sample formats (flow sample = format 1,
//! counter sample = format 2), whose data source is one 32-bit word: the
//! source class in the top byte and a 24-bit index. Flow samples come from a
//! single bridge-wide sampler whose source is class 2 (physical entity),
//! index 1000; counter samples come from one poller per port (class 0, index
//! = the port's ifIndex) plus a bridge poller on the same class-2 source. The
//! expanded formats (3 and 4) are also implemented for ifIndex values that do
//! not fit 24 bits.
//!
//! Submodules: [`records`] encodes samples and their records; [`agent`]
//! keeps the agent state (sequence numbers, sample pool, polling schedule)
//! and batches samples into datagrams of at most 1400 bytes.

pub mod agent;
pub mod records;

use std::net::IpAddr;

use crate::error::ExportError;
use crate::xdr::{put_opaque_padded, put_u32};

/// Largest sampled-header size the agent accepts (bytes).
pub const MAX_HEADER_BYTES: u32 = 1024;
/// Smallest maximum datagram size the agent accepts.
pub const MIN_DATAGRAM_SIZE: usize = 256;
/// Open vSwitch's maximum sFlow datagram size.
pub const DEFAULT_MAX_DATAGRAM: usize = 1400;
/// Default sampling rate (`sampling` column unset): 1 in 400.
pub const DEFAULT_SAMPLING_RATE: u32 = 400;
/// Default sampled-header size (`header` column unset).
pub const DEFAULT_HEADER_BYTES: u32 = 128;
/// Default counter polling interval in seconds (`polling` column unset).
pub const DEFAULT_POLLING_INTERVAL: u32 = 30;
/// Index of the bridge-wide data source (Open vSwitch uses 1000).
pub const BRIDGE_SOURCE_INDEX: u32 = 1000;
/// UDP port collectors listen on by default.
pub const DEFAULT_PORT: u16 = 6343;

/// sFlow sample formats (enterprise 0).
pub mod format {
    /// Compact flow sample.
    pub const FLOW_SAMPLE: u32 = 1;
    /// Compact counter sample.
    pub const COUNTER_SAMPLE: u32 = 2;
    /// Expanded flow sample.
    pub const FLOW_SAMPLE_EXPANDED: u32 = 3;
    /// Expanded counter sample.
    pub const COUNTER_SAMPLE_EXPANDED: u32 = 4;
    /// Flow record: sampled header.
    pub const SAMPLED_HEADER: u32 = 1;
    /// Flow record: extended switch data.
    pub const EXTENDED_SWITCH: u32 = 1001;
    /// Flow record: extended MPLS data.
    pub const EXTENDED_MPLS: u32 = 1006;
    /// Flow record: IPv4 tunnel egress (outer header added on output).
    pub const EXTENDED_IPV4_TUNNEL_EGRESS: u32 = 1023;
    /// Flow record: IPv4 tunnel ingress (outer header removed on input).
    pub const EXTENDED_IPV4_TUNNEL_INGRESS: u32 = 1024;
    /// Flow record: VNI egress.
    pub const EXTENDED_VNI_EGRESS: u32 = 1029;
    /// Flow record: VNI ingress.
    pub const EXTENDED_VNI_INGRESS: u32 = 1030;
    /// Counter record: generic interface counters.
    pub const GENERIC_INTERFACE: u32 = 1;
    /// Counter record: Ethernet interface counters.
    pub const ETHERNET: u32 = 2;
    /// Counter record: OpenFlow port (datapath id and port number).
    pub const OPENFLOW_PORT: u32 = 1004;
    /// Counter record: port name.
    pub const PORT_NAME: u32 = 1005;
    /// Counter record: application resources.
    pub const APP_RESOURCES: u32 = 2203;
    /// Counter record: Open vSwitch datapath statistics.
    pub const OVS_DP_STATS: u32 = 2207;
}

/// Data source classes of the sFlow `sflow_data_source` word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataSource {
    class: u8,
    index: u32,
}

impl DataSource {
    /// Class 0: an interface, identified by its ifIndex.
    pub fn if_index(index: u32) -> Self {
        DataSource { class: 0, index }
    }

    /// Class 2: a physical entity (Open vSwitch uses it for the bridge).
    pub fn physical_entity(index: u32) -> Self {
        DataSource { class: 2, index }
    }

    /// Any class (0 = ifIndex, 1 = VLAN, 2 = physical entity).
    pub fn new(class: u8, index: u32) -> Result<Self, ExportError> {
        if class > 2 {
            return Err(ExportError::SourceClassOutOfRange(class));
        }
        Ok(DataSource { class, index })
    }

    /// The source class.
    pub fn class(&self) -> u8 {
        self.class
    }

    /// The source index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The compact encoding `class << 24 | index`; fails when the index needs more than 24 bits.
    pub fn compact(&self) -> Result<u32, ExportError> {
        if self.index > 0x00ff_ffff {
            return Err(ExportError::SourceIndexOutOfRange(self.index));
        }
        Ok((u32::from(self.class) << 24) | self.index)
    }
}

/// An input or output interface as encoded in a flow sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SflowInterface {
    /// Interface not known (encoded as 0).
    Unknown,
    /// A single interface by ifIndex (format 0).
    Index(u32),
    /// The packet was discarded (format 1) with the given reason code
    /// (see [`discard`] for the codes the specification defines).
    Discarded(u32),
    /// Sent to several interfaces (format 2). `0` means "more than one, count unknown".
    Multiple(u32),
    /// The internal (local) interface, `0x3fffffff`.
    Internal,
}

/// Discard reason codes for [`SflowInterface::Discarded`].
pub mod discard {
    /// Dropped by an ACL (e.g. an OpenFlow drop action).
    pub const ACL: u32 = 258;
    /// Dropped for an unknown reason.
    pub const UNKNOWN: u32 = 262;
    /// Dropped by the egress interface queue.
    pub const QUEUE: u32 = 256;
}

impl SflowInterface {
    /// The 32-bit `interface` word: two format bits and a 30-bit value.
    pub fn encode(&self) -> Result<u32, ExportError> {
        let (fmt, value) = match *self {
            SflowInterface::Unknown => (0, 0),
            SflowInterface::Index(i) => (0, i),
            SflowInterface::Discarded(r) => (1, r),
            SflowInterface::Multiple(n) => (2, n),
            SflowInterface::Internal => (0, 0x3fff_ffff),
        };
        if value > 0x3fff_ffff {
            return Err(ExportError::InterfaceOutOfRange(value));
        }
        Ok((fmt << 30) | value)
    }

    /// Summarises a list of output ifIndexes the way Open vSwitch does:
    /// none = discarded (reason [`discard::ACL`]), one = that index, more = multiple(count).
    pub fn from_outputs(outputs: &[u32]) -> Self {
        match outputs {
            [] => SflowInterface::Discarded(discard::ACL),
            [one] => SflowInterface::Index(*one),
            many => {
                SflowInterface::Multiple(u32::try_from(many.len()).unwrap_or(0).min(0x3fff_ffff))
            }
        }
    }
}

/// The fixed part of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramHeader {
    /// Agent address (IPv4 or IPv6).
    pub agent: IpAddr,
    /// Sub-agent id.
    pub sub_agent_id: u32,
    /// Datagram sequence number (per agent, starting at 1).
    pub sequence: u32,
    /// Milliseconds since the agent started.
    pub uptime_ms: u32,
}

impl DatagramHeader {
    /// Encoded size of the header, including the sample count word.
    pub fn encoded_len(&self) -> usize {
        match self.agent {
            IpAddr::V4(_) => 28,
            IpAddr::V6(_) => 40,
        }
    }
}

/// Encodes a datagram from a header and already-encoded samples (each
/// starting with its format and length words, as produced by [`records`]).
pub fn encode_datagram(
    header: &DatagramHeader,
    samples: &[Vec<u8>],
) -> Result<Vec<u8>, ExportError> {
    let count = u32::try_from(samples.len()).map_err(|_| ExportError::TooLarge)?;
    let body: usize = samples.iter().map(Vec::len).sum();
    let mut buf = Vec::with_capacity(header.encoded_len() + body);
    put_u32(&mut buf, 5);
    match header.agent {
        IpAddr::V4(a) => {
            put_u32(&mut buf, 1);
            put_opaque_padded(&mut buf, &a.octets());
        }
        IpAddr::V6(a) => {
            put_u32(&mut buf, 2);
            put_opaque_padded(&mut buf, &a.octets());
        }
    }
    put_u32(&mut buf, header.sub_agent_id);
    put_u32(&mut buf, header.sequence);
    put_u32(&mut buf, header.uptime_ms);
    put_u32(&mut buf, count);
    for s in samples {
        buf.extend_from_slice(s);
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn interface_words() {
        assert_eq!(SflowInterface::Index(1001).encode(), Ok(1001));
        assert_eq!(SflowInterface::Multiple(2).encode(), Ok(0x8000_0002));
        assert_eq!(SflowInterface::Multiple(0).encode(), Ok(0x8000_0000));
        assert_eq!(
            SflowInterface::Discarded(discard::ACL).encode(),
            Ok(0x4000_0102)
        );
        assert_eq!(SflowInterface::Internal.encode(), Ok(0x3fff_ffff));
        assert_eq!(SflowInterface::Unknown.encode(), Ok(0));
        assert_eq!(
            SflowInterface::Index(0x4000_0000).encode(),
            Err(ExportError::InterfaceOutOfRange(0x4000_0000))
        );
        assert_eq!(
            SflowInterface::from_outputs(&[]),
            SflowInterface::Discarded(258)
        );
        assert_eq!(SflowInterface::from_outputs(&[7]), SflowInterface::Index(7));
        assert_eq!(
            SflowInterface::from_outputs(&[7, 8, 9]),
            SflowInterface::Multiple(3)
        );
    }

    #[test]
    fn data_source_words() {
        assert_eq!(DataSource::physical_entity(1000).compact(), Ok(0x0200_03e8));
        assert_eq!(DataSource::if_index(1001).compact(), Ok(1001));
        assert!(DataSource::if_index(0x0100_0000).compact().is_err());
        assert!(DataSource::new(3, 1).is_err());
    }

    #[test]
    fn datagram_header_v4_and_v6() {
        let h = DatagramHeader {
            agent: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
            sub_agent_id: 0,
            sequence: 29,
            uptime_ms: 28000,
        };
        let d = encode_datagram(&h, &[vec![0xaa; 4]]).unwrap();
        assert_eq!(
            d,
            [
                0, 0, 0, 5, 0, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 29, 0, 0, 0x6d, 0x60, 0,
                0, 0, 1, 0xaa, 0xaa, 0xaa, 0xaa
            ]
        );
        let h6 = DatagramHeader {
            agent: IpAddr::V6(Ipv6Addr::LOCALHOST),
            ..h
        };
        let d6 = encode_datagram(&h6, &[]).unwrap();
        assert_eq!(d6.len(), h6.encoded_len());
        assert_eq!(&d6[4..8], &[0, 0, 0, 2]);
        assert_eq!(d6[23], 1);
    }
}
