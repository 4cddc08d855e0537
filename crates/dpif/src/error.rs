//! Errors of the datapath interface and of its text forms.

use thiserror::Error;

/// A datapath text form (actions, flow keys, megaflow dump lines) that could not be parsed.
/// The message names what was wrong and, where useful, the text that was being read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The text ended where more was expected.
    #[error("unexpected end of input: expected {0}")]
    UnexpectedEnd(&'static str),
    /// An opening parenthesis without its closing one (or the reverse).
    #[error("unbalanced parentheses in \"{0}\"")]
    Unbalanced(String),
    /// A name that is not a known action, key attribute or field.
    #[error("unknown {kind} \"{name}\"")]
    Unknown {
        /// What kind of name (action, key attribute, field of an attribute...).
        kind: &'static str,
        /// The name as written.
        name: String,
    },
    /// A value that does not parse for its field.
    #[error("{field}: invalid value \"{value}\"")]
    BadValue {
        /// The field or argument.
        field: &'static str,
        /// The value as written.
        value: String,
    },
    /// Text left over after a complete item.
    #[error("trailing garbage \"{0}\"")]
    Trailing(String),
    /// A field given twice, or a required one missing.
    #[error("{0}")]
    Invalid(String),
}

/// Why a [`crate::Dpif`] operation failed. The variants mirror the errno values Open vSwitch's
/// datapath providers return, so callers can react the same way (e.g. `EEXIST` on a flow put
/// without the modify flag, `ENOENT` on deleting a flow that is already gone).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DpifError {
    /// The named port, flow or datapath does not exist (ENOENT / ENODEV).
    #[error("{0}: not found")]
    NotFound(String),
    /// A port name or number, or a flow, is already in use (EEXIST / EBUSY).
    #[error("{0}: already exists")]
    Exists(String),
    /// The request is malformed or inconsistent (EINVAL), e.g. a mask wider than its key.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// The datapath cannot do this (EOPNOTSUPP), e.g. an action or port type it lacks.
    #[error("operation not supported: {0}")]
    NotSupported(String),
    /// A table or port space is full (EFBIG / ENOSPC).
    #[error("no space: {0}")]
    NoSpace(String),
    /// Nothing is ready now; try again after [`crate::Dpif::recv_wait`] (EAGAIN).
    #[error("resource temporarily unavailable")]
    WouldBlock,
    /// The datapath is being destroyed or was closed (ENODEV after delete).
    #[error("datapath closed")]
    Closed,
}
