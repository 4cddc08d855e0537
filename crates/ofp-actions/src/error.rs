//! Errors from parsing, checking, encoding and decoding actions.
//!
//! The `Display` text is what a user reads. Where `ovs-ofctl` reports the same mistake, the
//! wording is Open vSwitch's (the table-driven tests compare them), so scripts that look for
//! OVS's messages keep working.

use thiserror::Error;

/// A failure to parse or validate action text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActionError {
    /// Free-form syntax error, worded as ovs-ofctl words it.
    #[error("{0}")]
    Syntax(String),
    /// An action keyword that does not exist (and is not a port either).
    #[error("unknown action {0}")]
    UnknownAction(String),
    /// The actions contradict the match (an OpenFlow error code names the reason).
    #[error("actions are invalid with specified match ({0})")]
    Inconsistent(&'static str),
    /// No OpenFlow version / flow format can express these actions with this match.
    #[error("no usable protocol")]
    NoUsableProtocol,
}

impl ActionError {
    pub(crate) fn syntax(s: impl Into<String>) -> Self {
        ActionError::Syntax(s.into())
    }
}

impl From<flow::FlowError> for ActionError {
    fn from(e: flow::FlowError) -> Self {
        ActionError::Syntax(e.to_string())
    }
}

/// A failure to decode actions or instructions from the wire. The text is the OpenFlow error
/// code OVS would send back (e.g. `OFPBAC_BAD_LEN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{code}")]
pub struct DecodeError {
    /// The OpenFlow error name (`OFPBAC_*`, `OFPBIC_*`, `NXBRC_*`).
    pub code: &'static str,
}

impl DecodeError {
    pub(crate) const fn new(code: &'static str) -> Self {
        DecodeError { code }
    }
}

/// Running out of bytes inside an action is what OVS reports as `OFPBAC_BAD_LEN`.
impl From<octets::Truncated> for DecodeError {
    fn from(_: octets::Truncated) -> Self {
        DecodeError::new("OFPBAC_BAD_LEN")
    }
}

/// A failure to encode actions for a given OpenFlow version.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The action cannot be expressed in this OpenFlow version.
    #[error("{action} cannot be encoded in OpenFlow {version}")]
    Unsupported {
        /// Action name.
        action: &'static str,
        /// Version text ("1.0" ...).
        version: &'static str,
    },
    /// A field without an NXM/OXM code (or an otherwise unencodable argument).
    #[error("{0}")]
    Other(String),
}
