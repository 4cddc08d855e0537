//! Errors from parsing and validating matches.
//!
//! The `Display` text is what a user reads. Where `ovs-ofctl` has a message for the same
//! mistake, the wording is the same (including OVS's own quirks, such as the unbalanced
//! parenthesis in the `nw_frag` message), so scripts that grep for OVS errors keep working.

use thiserror::Error;

/// A match parse or validation failure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlowError {
    /// A key that is neither a field nor a shorthand.
    #[error("unknown keyword {0}")]
    UnknownKeyword(String),
    /// An unknown key with no value.
    #[error("field {0} missing value")]
    MissingValue(String),
    /// An integer value that does not parse.
    #[error("{value}: bad syntax for {field} value")]
    BadValue {
        /// The text as given.
        value: String,
        /// Field name.
        field: String,
    },
    /// An integer mask that does not parse.
    #[error("{value}: bad syntax for {field} mask")]
    BadMask {
        /// The text as given.
        value: String,
        /// Field name.
        field: String,
    },
    /// An integer that does not fit.
    #[error("{value}: value too large for {bytes}-byte field {field}")]
    TooLarge {
        /// The text as given.
        value: String,
        /// Field width in bytes.
        bytes: u8,
        /// Field name.
        field: String,
    },
    /// A value with bits set that the field cannot hold.
    #[error("{value}: value has bits set outside the {bits} valid bits of field {field}")]
    OutOfRange {
        /// The text as given.
        value: String,
        /// Number of usable bits.
        bits: u32,
        /// Field name.
        field: String,
    },
    /// A mask on a field that is not maskable (or not maskable that way).
    #[error("{value}: invalid mask for field {field}")]
    InvalidMask {
        /// The text as given.
        value: String,
        /// Field name.
        field: String,
    },
    /// Bad IPv4 address.
    #[error("{0}: invalid IP address")]
    InvalidIpv4(String),
    /// Bad IPv4 prefix length.
    #[error("{0}: IPv4 network prefix bits not between 0 and 32, inclusive")]
    Ipv4Prefix(String),
    /// Bad IPv6 address.
    #[error("{0}: invalid IPv6 address")]
    InvalidIpv6(String),
    /// Bad IPv6 prefix length.
    #[error("{0}: IPv6 network prefix bits not between 0 and 128, inclusive")]
    Ipv6Prefix(String),
    /// Bad Ethernet address.
    #[error("{0}: invalid Ethernet address")]
    InvalidEthernet(String),
    /// Bad port number or name.
    #[error("{value}: invalid or unknown port for {field}")]
    InvalidPort {
        /// The text as given.
        value: String,
        /// Field name.
        field: String,
    },
    /// A mask on a port field.
    #[error("{value}: port value out of range for {field}")]
    PortOutOfRange {
        /// The text as given.
        value: String,
        /// Field name.
        field: String,
    },
    /// Bad `nw_frag` keyword (OVS's message, whose parenthesis is unbalanced, verbatim).
    #[error("{0}: unknown fragment type (valid types are \"no\", \"yes\", \"first\", \"later\", \"not_later\"")]
    BadFrag(String),
    /// Unknown flag name or bit (`kind` is "TCP", "ct_state" or "tunnel").
    #[error("{value}: unknown {kind} flag(s)")]
    UnknownFlag {
        /// The offending flag or number.
        value: String,
        /// Which flag family.
        kind: &'static str,
    },
    /// A flag given twice.
    #[error("{value}: Each {kind} flag can be specified only once")]
    DuplicateFlag {
        /// The flag.
        value: String,
        /// Which flag family.
        kind: &'static str,
    },
    /// A field whose prerequisite the match does not pin down. (OVS 3.1 silently drops such
    /// fields; ferroswitch refuses them.)
    #[error("{field}: prerequisite not met: this field requires {requires} in the match")]
    Prerequisite {
        /// The field (canonical name).
        field: String,
        /// What is missing, in words.
        requires: &'static str,
    },
    /// A layer-4 field in a match that selects later IP fragments, which carry no layer-4
    /// header. (OVS 3.1's parser accepts this and the switch then rejects the flow with
    /// OFPBMC_BAD_PREREQ.)
    #[error(
        "{field}: prerequisite not met: later fragments (nw_frag=later) have no layer-4 header"
    )]
    LaterFragment {
        /// The field.
        field: String,
    },
}
