//! Versions, the common OpenFlow header, and stream framing.
//!
//! Every OpenFlow message starts with the same 8 bytes: `version:8 type:8
//! length:16 xid:32`, where `length` covers the whole message including the
//! header.  [`Header`] parses and writes them; [`frame`] looks at the front
//! of a byte stream and says how long the first message is, so that an I/O
//! layer can split a TCP stream into messages without understanding them.
//! A length below 8 or above the caller's limit is an error: such a stream
//! cannot be resynchronised and the connection must be dropped.

use octets::{Reader, Truncated, Writer};

/// An OpenFlow protocol version that this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// OpenFlow 1.0 (wire 0x01).
    Of10 = 1,
    /// OpenFlow 1.1 (wire 0x02).
    Of11 = 2,
    /// OpenFlow 1.2 (wire 0x03).
    Of12 = 3,
    /// OpenFlow 1.3 (wire 0x04).
    Of13 = 4,
    /// OpenFlow 1.4 (wire 0x05).
    Of14 = 5,
    /// OpenFlow 1.5 (wire 0x06).
    Of15 = 6,
}

impl Version {
    /// All versions, oldest first.
    pub const ALL: [Version; 6] = [
        Version::Of10,
        Version::Of11,
        Version::Of12,
        Version::Of13,
        Version::Of14,
        Version::Of15,
    ];

    /// The version for wire value `v`.
    pub fn from_wire(v: u8) -> Option<Version> {
        Version::ALL.get(usize::from(v).wrapping_sub(1)).copied()
    }

    /// The wire value.
    pub fn wire(self) -> u8 {
        self as u8
    }

    /// `"1.0"` .. `"1.5"`.
    pub fn number(self) -> &'static str {
        match self {
            Version::Of10 => "1.0",
            Version::Of11 => "1.1",
            Version::Of12 => "1.2",
            Version::Of13 => "1.3",
            Version::Of14 => "1.4",
            Version::Of15 => "1.5",
        }
    }

    /// OVS's protocol name, e.g. `"OpenFlow13"`.
    pub fn protocol_name(self) -> String {
        format!("OpenFlow1{}", self.wire() - 1)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OF{}", self.number())
    }
}

/// Size of the common header.
pub const HEADER_LEN: usize = 8;

/// The common header of every OpenFlow message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Wire version (not necessarily one this crate speaks).
    pub version: u8,
    /// Message type (`OFPT_*`).
    pub msg_type: u8,
    /// Total message length including this header.
    pub length: u16,
    /// Transaction id.
    pub xid: u32,
}

impl Header {
    /// Parses the first 8 bytes of `buf`.
    pub fn parse(buf: &[u8]) -> Result<Header, Truncated> {
        let mut r = Reader::new(buf);
        Ok(Header {
            version: r.u8()?,
            msg_type: r.u8()?,
            length: r.u16()?,
            xid: r.u32()?,
        })
    }

    /// Appends the header.
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.version)
            .u8(self.msg_type)
            .u16(self.length)
            .u32(self.xid);
    }
}

/// Default upper bound on message size used by [`frame`] callers: the
/// protocol maximum.
pub const MAX_MSG_LEN: usize = 65535;

/// Why a stream cannot be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header's length is smaller than the header itself.
    #[error("OpenFlow message length {0} is shorter than the 8-byte header")]
    TooShort(u16),
    /// The header's length exceeds the configured maximum.
    #[error("OpenFlow message length {len} exceeds maximum {max}")]
    TooLong {
        /// Declared length.
        len: u16,
        /// Configured maximum.
        max: usize,
    },
}

/// Looks at the start of a byte stream: `Ok(Some(n))` when the first `n`
/// bytes are one complete message, `Ok(None)` when more bytes are needed,
/// or an error for an impossible length.
pub fn frame(buf: &[u8], max_len: usize) -> Result<Option<usize>, FrameError> {
    let Ok(h) = Header::parse(buf) else {
        return Ok(None);
    };
    let len = usize::from(h.length);
    if len < HEADER_LEN {
        return Err(FrameError::TooShort(h.length));
    }
    if len > max_len {
        return Err(FrameError::TooLong {
            len: h.length,
            max: max_len,
        });
    }
    Ok((buf.len() >= len).then_some(len))
}

/// Splits as many complete messages as possible off the front of `buf`,
/// returning them and the number of bytes consumed.
pub fn split_messages(buf: &[u8], max_len: usize) -> Result<(Vec<&[u8]>, usize), FrameError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(n) = frame(buf.get(pos..).unwrap_or(&[]), max_len)? {
        if let Some(m) = buf.get(pos..pos + n) {
            out.push(m);
        }
        pos += n;
    }
    Ok((out, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let two = [1u8, 0, 0, 8, 0, 0, 0, 1, 4, 2, 0, 9, 0, 0, 0, 2, 0xaa, 1];
        let (msgs, used) = split_messages(&two, MAX_MSG_LEN).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(used, 17);
        assert_eq!(frame(&[1, 0, 0], 100), Ok(None));
        assert_eq!(
            frame(&[1, 0, 0, 7, 0, 0, 0, 0], 100),
            Err(FrameError::TooShort(7))
        );
        assert_eq!(
            frame(&[1, 0, 1, 0, 0, 0, 0, 0], 100),
            Err(FrameError::TooLong { len: 256, max: 100 })
        );
    }

    #[test]
    fn versions() {
        assert_eq!(Version::from_wire(4), Some(Version::Of13));
        assert_eq!(Version::from_wire(0), None);
        assert_eq!(Version::from_wire(7), None);
        assert_eq!(Version::Of15.to_string(), "OF1.5");
        assert_eq!(Version::Of13.protocol_name(), "OpenFlow13");
    }
}
