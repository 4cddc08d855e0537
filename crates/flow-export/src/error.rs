//! Errors returned by the flow-export encoders and engines.
//!
//! Every error is a configuration or caller mistake that the daemon reports
//! to the user (for example an sFlow sampling rate of zero); none of them is
//! caused by packet contents, which are only ever copied, never interpreted.

use thiserror::Error;

/// Everything that can go wrong while building sFlow or NetFlow datagrams.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExportError {
    /// An sFlow sampling rate must be at least 1 (1 = every packet).
    #[error("sFlow sampling rate must be at least 1")]
    ZeroSamplingRate,
    /// The configured sampled-header size is outside the supported range.
    #[error("sFlow header size {0} is out of range (1 to {max})", max = crate::sflow::MAX_HEADER_BYTES)]
    HeaderBytesOutOfRange(u32),
    /// The maximum datagram size cannot hold even one sample.
    #[error("sFlow maximum datagram size {0} is too small (at least {min} bytes)", min = crate::sflow::MIN_DATAGRAM_SIZE)]
    DatagramSizeTooSmall(usize),
    /// An interface index does not fit the 30 bits the sFlow interface encoding allows.
    #[error("sFlow interface value {0} does not fit in 30 bits")]
    InterfaceOutOfRange(u32),
    /// A data source index does not fit the 24 bits of the compact sample format.
    #[error("sFlow data source index {0} does not fit in 24 bits")]
    SourceIndexOutOfRange(u32),
    /// A data source class other than 0 (ifIndex), 1 (VLAN) or 2 (physical entity).
    #[error("sFlow data source class {0} is not 0, 1 or 2")]
    SourceClassOutOfRange(u8),
    /// A string record (such as a port name) longer than the record allows.
    #[error("sFlow string of {len} bytes is longer than the {max}-byte limit")]
    StringTooLong {
        /// Actual length in bytes.
        len: usize,
        /// Maximum allowed length.
        max: usize,
    },
    /// A single encoded sample does not fit in an empty datagram.
    #[error("sFlow sample of {size} bytes does not fit in a {max}-byte datagram")]
    SampleTooLarge {
        /// Size of the encoded sample, including its format and length words.
        size: usize,
        /// The configured maximum datagram size.
        max: usize,
    },
    /// A record or sample body exceeded what its 32-bit length field can describe.
    #[error("encoded element is too large for its length field")]
    TooLarge,
    /// The sFlow port is not known to the agent.
    #[error("sFlow data source for ifIndex {0} does not exist")]
    NoSuchPort(u32),
    /// A NetFlow v5 datagram carries 1 to 30 records.
    #[error("NetFlow v5 datagram must carry 1 to 30 records, not {0}")]
    BadNetflowRecordCount(usize),
    /// NetFlow `active_timeout` below -1.
    #[error("NetFlow active_timeout {0} is invalid (must be -1 or greater)")]
    BadActiveTimeout(i64),
}
