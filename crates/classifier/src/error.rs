//! Errors reported by the classifier.

use thiserror::Error;

/// What went wrong in a classifier operation. Nothing is changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClassifierError {
    /// More prefix fields than the classifier supports.
    #[error("too many prefix fields ({0}); at most 3 are supported")]
    TooManyPrefixFields(usize),
    /// A field that cannot be prefix-tracked.
    #[error("{0}: not a supported prefix field (supported: tun_id, tun_src, tun_dst, tun_ipv6_src, tun_ipv6_dst, nw_src, nw_dst, ipv6_src, ipv6_dst)")]
    UnsupportedPrefixField(&'static str),
    /// The same field listed twice.
    #[error("{0}: prefix field listed more than once")]
    DuplicatePrefixField(&'static str),
    /// An insertion at the reserved "never" version.
    #[error("invalid version for insertion")]
    InvalidVersion,
    /// An internal inconsistency (a bug); the operation was not performed.
    #[error("internal classifier inconsistency")]
    Internal,
}
