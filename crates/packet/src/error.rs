//! The crate's error type.
//!
//! Every fallible operation in this crate returns [`Error`].  The variants
//! name the protocol layer that failed so that a log line such as
//! `"IPv4 header truncated: need 20 bytes, have 13"` is meaningful to an
//! operator without further context.

/// Why a header could not be parsed, emitted or edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The buffer ends before the header (or the length it declares) does.
    #[error("{layer} header truncated: need {need} bytes, have {have}")]
    Truncated {
        /// Protocol layer, e.g. `"IPv4"`.
        layer: &'static str,
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
    /// A field holds a value that makes the header meaningless.
    #[error("malformed {layer} header: {reason}")]
    Malformed {
        /// Protocol layer, e.g. `"TCP"`.
        layer: &'static str,
        /// What is wrong, in words.
        reason: &'static str,
    },
    /// The header is well-formed but of a kind this code does not handle.
    #[error("unsupported {layer} header: {reason}")]
    Unsupported {
        /// Protocol layer.
        layer: &'static str,
        /// What is not supported.
        reason: &'static str,
    },
    /// A destination buffer is too small for what is being emitted.
    #[error("buffer too small for {layer}: need {need} bytes, have {have}")]
    BufferTooSmall {
        /// Protocol layer being written.
        layer: &'static str,
        /// Bytes required.
        need: usize,
        /// Bytes available.
        have: usize,
    },
}

/// Shorthand for `Result<T, packet::Error>`.
pub type Result<T> = core::result::Result<T, Error>;

#[inline]
pub(crate) fn need(layer: &'static str, need: usize, have: usize) -> Result<()> {
    if have < need {
        Err(Error::Truncated { layer, need, have })
    } else {
        Ok(())
    }
}

#[inline]
pub(crate) fn room(layer: &'static str, need: usize, have: usize) -> Result<()> {
    if have < need {
        Err(Error::BufferTooSmall { layer, need, have })
    } else {
        Ok(())
    }
}

#[inline]
pub(crate) fn malformed<T>(layer: &'static str, reason: &'static str) -> Result<T> {
    Err(Error::Malformed { layer, reason })
}
