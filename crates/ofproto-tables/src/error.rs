//! OpenFlow errors the table, group and meter operations report.
//!
//! Each variant is one OpenFlow error (type, code) pair and displays as the symbolic name
//! Open vSwitch uses for it (`OFPFMFC_TABLE_FULL`, `OFPBRC_EPERM`, ...), which is also what
//! `ovs-ofctl` prints when the switch returns it. Turning a variant into the numeric
//! (type, code) of a given OpenFlow version is the wire crate's business.

use thiserror::Error;

/// An OpenFlow error. Nothing was changed when one is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum OfpError {
    /// An unspecified failure (`OFPFMFC_UNKNOWN`): an internal inconsistency; nothing was
    /// changed.
    #[error("OFPFMFC_UNKNOWN")]
    Unknown,
    /// The table is full and eviction is off or found no evictable flow.
    #[error("OFPFMFC_TABLE_FULL")]
    TableFull,
    /// `check_overlap` was set and an overlapping flow of the same priority exists.
    #[error("OFPFMFC_OVERLAP")]
    Overlap,
    /// The request would change a read-only table (Open vSwitch's internal table 254).
    #[error("OFPBRC_EPERM")]
    Eperm,
    /// The table id names no table of this switch.
    #[error("OFPBRC_BAD_TABLE_ID")]
    BadTableId,
    /// A flow_mod names a table the operation cannot apply to (table_mod, reserved ids).
    #[error("OFPFMFC_BAD_TABLE_ID")]
    FlowModBadTableId,
    /// A group action names a group that does not exist.
    #[error("OFPBAC_BAD_OUT_GROUP")]
    BadOutGroup,
    /// group_mod add of an existing group id.
    #[error("OFPGMFC_GROUP_EXISTS")]
    GroupExists,
    /// A reserved or out-of-range group id, or a malformed group (e.g. an indirect group
    /// without exactly one bucket).
    #[error("OFPGMFC_INVALID_GROUP")]
    InvalidGroup,
    /// The group table is full.
    #[error("OFPGMFC_OUT_OF_GROUPS")]
    OutOfGroups,
    /// Too many buckets in a group.
    #[error("OFPGMFC_OUT_OF_BUCKETS")]
    OutOfBuckets,
    /// The change would make a group reference itself, directly or through other groups.
    #[error("OFPGMFC_LOOP")]
    Loop,
    /// group_mod modify (or bucket insert/remove) of a group that does not exist.
    #[error("OFPGMFC_UNKNOWN_GROUP")]
    UnknownGroup,
    /// group_mod modify that changes the type of a group referenced by other groups.
    #[error("OFPGMFC_CHAINED_GROUP")]
    ChainedGroup,
    /// A group type that does not fit the request (e.g. a select group bucket weight of 0
    /// where weights are required).
    #[error("OFPGMFC_BAD_TYPE")]
    BadGroupType,
    /// A malformed bucket.
    #[error("OFPGMFC_BAD_BUCKET")]
    BadBucket,
    /// A bucket id that does not exist (insert position or removal).
    #[error("OFPGMFC_UNKNOWN_BUCKET")]
    UnknownBucket,
    /// An inserted bucket's id is already used in the group.
    #[error("OFPGMFC_BUCKET_EXISTS")]
    BucketExists,
    /// meter_mod add of an existing meter id.
    #[error("OFPMMFC_METER_EXISTS")]
    MeterExists,
    /// A reserved or out-of-range meter id.
    #[error("OFPMMFC_INVALID_METER")]
    InvalidMeter,
    /// meter_mod modify of a meter that does not exist.
    #[error("OFPMMFC_UNKNOWN_METER")]
    UnknownMeter,
    /// Unsupported or conflicting meter flags.
    #[error("OFPMMFC_BAD_FLAGS")]
    BadMeterFlags,
    /// A band rate of zero.
    #[error("OFPMMFC_BAD_RATE")]
    BadRate,
    /// A burst size given without the burst flag (or otherwise unusable).
    #[error("OFPMMFC_BAD_BURST")]
    BadBurst,
    /// A meter without bands, or a band of an unsupported type.
    #[error("OFPMMFC_BAD_BAND")]
    BadBand,
    /// The meter table is full.
    #[error("OFPMMFC_OUT_OF_METERS")]
    OutOfMeters,
    /// Too many bands in one meter.
    #[error("OFPMMFC_OUT_OF_BANDS")]
    OutOfBands,
}

impl OfpError {
    /// The symbolic name (same as the `Display` text).
    pub fn name(self) -> &'static str {
        match self {
            OfpError::Unknown => "OFPFMFC_UNKNOWN",
            OfpError::TableFull => "OFPFMFC_TABLE_FULL",
            OfpError::Overlap => "OFPFMFC_OVERLAP",
            OfpError::Eperm => "OFPBRC_EPERM",
            OfpError::BadTableId => "OFPBRC_BAD_TABLE_ID",
            OfpError::FlowModBadTableId => "OFPFMFC_BAD_TABLE_ID",
            OfpError::BadOutGroup => "OFPBAC_BAD_OUT_GROUP",
            OfpError::GroupExists => "OFPGMFC_GROUP_EXISTS",
            OfpError::InvalidGroup => "OFPGMFC_INVALID_GROUP",
            OfpError::OutOfGroups => "OFPGMFC_OUT_OF_GROUPS",
            OfpError::OutOfBuckets => "OFPGMFC_OUT_OF_BUCKETS",
            OfpError::Loop => "OFPGMFC_LOOP",
            OfpError::UnknownGroup => "OFPGMFC_UNKNOWN_GROUP",
            OfpError::ChainedGroup => "OFPGMFC_CHAINED_GROUP",
            OfpError::BadGroupType => "OFPGMFC_BAD_TYPE",
            OfpError::BadBucket => "OFPGMFC_BAD_BUCKET",
            OfpError::UnknownBucket => "OFPGMFC_UNKNOWN_BUCKET",
            OfpError::BucketExists => "OFPGMFC_BUCKET_EXISTS",
            OfpError::MeterExists => "OFPMMFC_METER_EXISTS",
            OfpError::InvalidMeter => "OFPMMFC_INVALID_METER",
            OfpError::UnknownMeter => "OFPMMFC_UNKNOWN_METER",
            OfpError::BadMeterFlags => "OFPMMFC_BAD_FLAGS",
            OfpError::BadRate => "OFPMMFC_BAD_RATE",
            OfpError::BadBurst => "OFPMMFC_BAD_BURST",
            OfpError::BadBand => "OFPMMFC_BAD_BAND",
            OfpError::OutOfMeters => "OFPMMFC_OUT_OF_METERS",
            OfpError::OutOfBands => "OFPMMFC_OUT_OF_BANDS",
        }
    }
}

/// A batch (bundle) failed: the flow_mod at `index` got `error`, and nothing of the batch was
/// applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{error} (message {index} of the batch)")]
pub struct BatchError {
    /// Position of the failing flow_mod in the batch.
    pub index: usize,
    /// The error it got.
    pub error: OfpError,
}
