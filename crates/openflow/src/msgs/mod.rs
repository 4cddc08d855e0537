//! Version-independent message bodies and their per-version codecs.
//!
//! Each submodule defines plain structs (what a message *means*) and
//! `decode_*(version, &mut Reader)` / `encode_*(version, &mut Writer)`
//! functions that translate between them and each OpenFlow version's wire
//! layout.  Where versions disagree on representation the structs use the
//! most expressive one: port numbers are 32-bit (OF1.1+ numbering; OF1.0's
//! reserved ports `0xff00..` map to `0xffffff00..`), port feature bits use
//! the OF1.1+ layout, and anything a version carries that is not modelled
//! (unknown properties, experimenter data) is kept as raw bytes so that
//! re-encoding reproduces the input exactly.

pub mod bundle;
pub mod config;
pub mod flow;
pub mod group;
pub mod hello;
pub mod meter;
pub mod monitor;
pub mod ofp_error;
pub mod packet_in2;
pub mod port;
pub(crate) mod props;
pub mod queue;
pub mod stats;
pub mod table_desc;
pub mod table_features;

use crate::header::Version;
use crate::OfpErr;
use octets::{Reader, TlvError, Truncated, Writer};

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// The body ended early.
    #[error("{what} truncated: {source}")]
    Truncated {
        /// What was being decoded.
        what: &'static str,
        /// The short read.
        source: Truncated,
    },
    /// A length or value is invalid; `err` is what OVS would report.
    #[error("{reason}")]
    Invalid {
        /// The OpenFlow error for this problem.
        err: OfpErr,
        /// A human explanation.
        reason: String,
    },
}

impl BodyError {
    /// The OpenFlow error OVS reports for this problem.
    pub fn ofperr(&self) -> OfpErr {
        match self {
            BodyError::Truncated { .. } => OfpErr::OFPBRC_BAD_LEN,
            BodyError::Invalid { err, .. } => *err,
        }
    }

    pub(crate) fn invalid(err: OfpErr, reason: impl Into<String>) -> Self {
        BodyError::Invalid {
            err,
            reason: reason.into(),
        }
    }
}

/// Attaches a description to short reads.
pub(crate) trait Ctx<T> {
    fn ctx(self, what: &'static str) -> Result<T, BodyError>;
}

impl<T> Ctx<T> for Result<T, Truncated> {
    fn ctx(self, what: &'static str) -> Result<T, BodyError> {
        self.map_err(|source| BodyError::Truncated { what, source })
    }
}

impl<T> Ctx<T> for Result<T, TlvError> {
    fn ctx(self, what: &'static str) -> Result<T, BodyError> {
        self.map_err(|e| match e {
            TlvError::Truncated(source) => BodyError::Truncated { what, source },
            TlvError::BadLength(l) => BodyError::invalid(
                OfpErr::OFPBPC_BAD_LEN,
                format!("{what}: bad property length {l}"),
            ),
        })
    }
}

/// A property (TLV) kept verbatim because it is not modelled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawProp {
    /// Property type.
    pub ty: u16,
    /// Property value (after the 4-byte header, padding excluded).
    pub value: Vec<u8>,
}

impl RawProp {
    /// Writes the property with 8-byte alignment.
    pub fn encode(&self, w: &mut Writer) {
        w.tlv(self.ty, 8, |w| {
            w.bytes(&self.value);
        });
    }
}

/// Reads every remaining 8-byte-aligned property of `r` verbatim.
pub(crate) fn raw_props(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<RawProp>, BodyError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let t = r.tlv(8).ctx(what)?;
        out.push(RawProp {
            ty: t.ty,
            value: t.value.to_vec(),
        });
    }
    Ok(out)
}

/// OF1.1+ reserved port numbers (`OFPP_*`).
pub mod ofpp {
    /// Highest ordinary port number.
    pub const MAX: u32 = 0xffff_ff00;
    /// Send back out the input port.
    pub const IN_PORT: u32 = 0xffff_fff8;
    /// Submit to the first flow table.
    pub const TABLE: u32 = 0xffff_fff9;
    /// Normal L2/L3 processing.
    pub const NORMAL: u32 = 0xffff_fffa;
    /// Flood.
    pub const FLOOD: u32 = 0xffff_fffb;
    /// All ports but the input port.
    pub const ALL: u32 = 0xffff_fffc;
    /// The controller.
    pub const CONTROLLER: u32 = 0xffff_fffd;
    /// The local port.
    pub const LOCAL: u32 = 0xffff_fffe;
    /// Any port / no port.
    pub const ANY: u32 = 0xffff_ffff;
}

/// Converts an OF1.0 16-bit port number to the 32-bit numbering.
pub fn port_from_of10(p: u16) -> u32 {
    if p >= 0xff00 {
        u32::from(p) + 0xffff_0000
    } else {
        u32::from(p)
    }
}

/// Converts a 32-bit port number to OF1.0, if representable.
pub fn port_to_of10(p: u32) -> Option<u16> {
    if p >= 0xffff_ff00 {
        u16::try_from(p - 0xffff_0000).ok()
    } else if p < 0xff00 {
        u16::try_from(p).ok()
    } else {
        None
    }
}

/// Reads a port number in `version`'s width.
pub(crate) fn read_port(v: Version, r: &mut Reader<'_>) -> Result<u32, Truncated> {
    if v == Version::Of10 {
        r.u16().map(port_from_of10)
    } else {
        r.u32()
    }
}

/// Writes a port number in `version`'s width (OF1.0: numbers that do not
/// fit become `OFPP_NONE`, as OVS does for unrepresentable ports).
pub(crate) fn write_port(v: Version, w: &mut Writer, p: u32) {
    if v == Version::Of10 {
        w.u16(port_to_of10(p).unwrap_or(0xffff));
    } else {
        w.u32(p);
    }
}

/// OVS's name for port `p` (`LOCAL`, `CONTROLLER`, ... or the number).
pub fn port_name(p: u32) -> String {
    match p {
        ofpp::IN_PORT => "IN_PORT".into(),
        ofpp::TABLE => "TABLE".into(),
        ofpp::NORMAL => "NORMAL".into(),
        ofpp::FLOOD => "FLOOD".into(),
        ofpp::ALL => "ALL".into(),
        ofpp::CONTROLLER => "CONTROLLER".into(),
        ofpp::LOCAL => "LOCAL".into(),
        ofpp::ANY => "ANY".into(),
        p => p.to_string(),
    }
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_numbers() {
        assert_eq!(port_from_of10(0xfffe), ofpp::LOCAL);
        assert_eq!(port_to_of10(ofpp::LOCAL), Some(0xfffe));
        assert_eq!(port_to_of10(0x1_0000), None);
        assert_eq!(port_from_of10(7), 7);
        assert_eq!(port_name(ofpp::CONTROLLER), "CONTROLLER");
    }
}
