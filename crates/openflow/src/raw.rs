//! The declarative table of OpenFlow message identities.
//!
//! On the wire, a message is identified by more than its `type` byte: the
//! meaning of a type number depends on the version (OF1.0's type 15 is
//! `OFPT_PORT_MOD`, OF1.1's is `OFPT_GROUP_MOD`), statistics/multipart
//! messages add a 16-bit stats type, and vendor/experimenter messages add a
//! 32-bit vendor id and a 32-bit subtype.  Following Open vSwitch, each
//! distinct wire identity is a *raw message* ([`RawEntry`]): a version range
//! plus a [`RawCode`], with OVS's printable name (`OFPT_HELLO`,
//! `OFPST_PORT`, `NXT_SET_FLOW_FORMAT`, `ONFT_BUNDLE_CONTROL`, ...).  Each
//! raw message maps to one version-independent [`MsgType`]; several raw
//! messages may share a type (`OFPT_ROLE_REQUEST` in OF1.2+ and
//! `NXT_ROLE_REQUEST` in any version are both [`MsgType::RoleRequest`]).
//!
//! [`RAWS`] is the one table.  Decoding scans it for the entry whose code
//! and version range match the message ([`identify`]); encoding picks the
//! first entry for the wanted type and version ([`RawId::for_type`]), so
//! standard encodings are listed before extension ones.  Each entry also
//! states OVS's body-length rule ([`BodyLen`]: exact, or a minimum plus a
//! multiple of some unit), which is how "incorrect length" is detected
//! before any body decoder runs.
//!
//! Messages whose bodies this crate does not model yet
//! (TLV table messages, IPFIX statistics, ...) are nevertheless in the table, so
//! they are identified, named and carried as opaque bodies
//! ([`crate::Message::Opaque`]); adding a codec for one means adding a
//! [`crate::Message`] variant and a match arm in `codec`, nothing here.

use crate::header::{Header, Version, HEADER_LEN};
use octets::Reader;

/// Nicira's vendor id.
pub const NX_VENDOR: u32 = 0x0000_2320;
/// The Open Networking Foundation's experimenter id.
pub const ONF_VENDOR: u32 = 0x4f4e_4600;

/// OpenFlow message type of vendor/experimenter messages.
pub const OFPT_VENDOR: u8 = 4;
/// Stats type of vendor/experimenter statistics.
pub const OFPST_VENDOR: u16 = 0xffff;

/// The version-independent message types (OVS's `ofptype`).
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MsgType {
    Hello,
    Error,
    EchoRequest,
    EchoReply,
    Experimenter,
    FeaturesRequest,
    FeaturesReply,
    GetConfigRequest,
    GetConfigReply,
    SetConfig,
    PacketIn,
    FlowRemoved,
    PortStatus,
    PacketOut,
    FlowMod,
    GroupMod,
    PortMod,
    TableMod,
    BarrierRequest,
    BarrierReply,
    QueueGetConfigRequest,
    QueueGetConfigReply,
    RoleRequest,
    RoleReply,
    GetAsyncRequest,
    GetAsyncReply,
    SetAsync,
    MeterMod,
    RoleStatus,
    TableStatus,
    RequestForward,
    BundleControl,
    BundleAddMessage,
    DescRequest,
    DescReply,
    FlowStatsRequest,
    FlowStatsReply,
    AggregateRequest,
    AggregateReply,
    TableStatsRequest,
    TableStatsReply,
    PortStatsRequest,
    PortStatsReply,
    QueueStatsRequest,
    QueueStatsReply,
    GroupStatsRequest,
    GroupStatsReply,
    GroupDescRequest,
    GroupDescReply,
    GroupFeaturesRequest,
    GroupFeaturesReply,
    MeterStatsRequest,
    MeterStatsReply,
    MeterConfigRequest,
    MeterConfigReply,
    MeterFeaturesRequest,
    MeterFeaturesReply,
    TableFeaturesRequest,
    TableFeaturesReply,
    PortDescRequest,
    PortDescReply,
    TableDescRequest,
    TableDescReply,
    QueueDescRequest,
    QueueDescReply,
    FlowMonitorRequest,
    FlowMonitorReply,
    FlowMonitorCancel,
    FlowMonitorPaused,
    FlowMonitorResumed,
    IpfixBridgeStatsRequest,
    IpfixBridgeStatsReply,
    IpfixFlowStatsRequest,
    IpfixFlowStatsReply,
    SetFlowFormat,
    FlowModTableId,
    SetPacketInFormat,
    FlowAge,
    SetControllerId,
    TlvTableMod,
    TlvTableRequest,
    TlvTableReply,
    Resume,
    CtFlushZone,
    CtFlush,
}

/// How a raw message is identified on the wire (besides its version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawCode {
    /// A plain `OFPT_*` type.
    Type(u8),
    /// A statistics/multipart request or reply with this stats type.
    Stats {
        /// `OFPST_*` / `OFPMP_*` value.
        stat: u16,
        /// Reply (true) or request (false).
        reply: bool,
    },
    /// A vendor/experimenter message (`OFPT_VENDOR`) with a subtype.
    Vendor {
        /// Vendor id.
        vendor: u32,
        /// Vendor's subtype.
        subtype: u32,
    },
    /// Vendor statistics with a subtype.
    VendorStats {
        /// Vendor id.
        vendor: u32,
        /// Vendor's subtype.
        subtype: u32,
        /// Reply (true) or request (false).
        reply: bool,
    },
}

/// The body-length rule of a raw message, as OVS enforces it ("body" =
/// the bytes after the raw header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyLen {
    /// Exactly this many bytes.
    Exact(u16),
    /// At least `min` bytes, and `min` plus a multiple of `unit`.
    Extensible {
        /// Minimum.
        min: u16,
        /// Granularity of what follows (1 = any length).
        unit: u16,
    },
}

impl BodyLen {
    /// True if a body of `len` bytes obeys the rule.
    pub fn accepts(self, len: usize) -> bool {
        match self {
            BodyLen::Exact(n) => len == usize::from(n),
            BodyLen::Extensible { min, unit } => {
                let min = usize::from(min);
                len >= min && (unit <= 1 || (len - min) % usize::from(unit) == 0)
            }
        }
    }

    /// OVS's wording of the expectation for a message whose raw header is
    /// `hdr` bytes long, e.g. `expected length 12` or `must be exactly 16
    /// bytes or longer by an integer multiple of 8 bytes`.
    pub fn describe(self, hdr: usize) -> String {
        match self {
            BodyLen::Exact(n) => format!("expected length {}", hdr + usize::from(n)),
            BodyLen::Extensible { min, unit } if unit <= 1 => {
                format!("expected length at least {} bytes", hdr + usize::from(min))
            }
            BodyLen::Extensible { min, unit } => format!(
                "must be exactly {} bytes or longer by an integer multiple of {unit} bytes",
                hdr + usize::from(min)
            ),
        }
    }
}

/// One row of [`RAWS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEntry {
    /// OVS's name, without the " request"/" reply" suffix of statistics.
    pub name: &'static str,
    /// First wire version using this identity.
    pub min: u8,
    /// Last wire version using this identity.
    pub max: u8,
    /// The identity.
    pub code: RawCode,
    /// The version-independent type.
    pub ty: MsgType,
    /// The body-length rule.
    pub len: BodyLen,
}

/// Index of an entry in [`RAWS`] (only this module creates them, so an id
/// always names a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawId(u16);

use MsgType as T;

const fn exact(n: u16) -> BodyLen {
    BodyLen::Exact(n)
}

const fn least(min: u16) -> BodyLen {
    BodyLen::Extensible { min, unit: 1 }
}

const fn ext(min: u16, unit: u16) -> BodyLen {
    BodyLen::Extensible { min, unit }
}

const fn row(
    name: &'static str,
    min: u8,
    max: u8,
    code: RawCode,
    ty: MsgType,
    len: BodyLen,
) -> RawEntry {
    RawEntry {
        name,
        min,
        max,
        code,
        ty,
        len,
    }
}

const fn t(name: &'static str, min: u8, max: u8, ty: u8, mt: MsgType, len: BodyLen) -> RawEntry {
    row(name, min, max, RawCode::Type(ty), mt, len)
}

#[allow(clippy::too_many_arguments)]
const fn st(
    name: &'static str,
    min: u8,
    max: u8,
    stat: u16,
    reply: bool,
    mt: MsgType,
    len: BodyLen,
) -> RawEntry {
    row(name, min, max, RawCode::Stats { stat, reply }, mt, len)
}

const fn nx(
    name: &'static str,
    min: u8,
    max: u8,
    subtype: u32,
    mt: MsgType,
    len: BodyLen,
) -> RawEntry {
    let code = RawCode::Vendor {
        vendor: NX_VENDOR,
        subtype,
    };
    row(name, min, max, code, mt, len)
}

const fn onf(
    name: &'static str,
    min: u8,
    max: u8,
    subtype: u32,
    mt: MsgType,
    len: BodyLen,
) -> RawEntry {
    let code = RawCode::Vendor {
        vendor: ONF_VENDOR,
        subtype,
    };
    row(name, min, max, code, mt, len)
}

#[allow(clippy::too_many_arguments)]
const fn vst(
    name: &'static str,
    vendor: u32,
    min: u8,
    max: u8,
    subtype: u32,
    reply: bool,
    mt: MsgType,
    len: BodyLen,
) -> RawEntry {
    let code = RawCode::VendorStats {
        vendor,
        subtype,
        reply,
    };
    row(name, min, max, code, mt, len)
}

/// The table.  Order matters for encoding: the first entry matching a
/// (type, version) pair is the default encoding.  Names and length rules
/// were checked against the reference `ovs-ofctl` for every row and
/// version.
#[rustfmt::skip]
pub static RAWS: &[RawEntry] = &[
    t("OFPT_HELLO", 1, 6, 0, T::Hello, least(0)),
    t("OFPT_ERROR", 1, 6, 1, T::Error, least(4)),
    t("OFPT_ECHO_REQUEST", 1, 6, 2, T::EchoRequest, least(0)),
    t("OFPT_ECHO_REPLY", 1, 6, 3, T::EchoReply, least(0)),
    t("OFPT_VENDOR", 1, 1, 4, T::Experimenter, least(4)),
    t("OFPT_EXPERIMENTER", 2, 6, 4, T::Experimenter, least(8)),
    t("OFPT_FEATURES_REQUEST", 1, 6, 5, T::FeaturesRequest, exact(0)),
    t("OFPT_FEATURES_REPLY", 1, 1, 6, T::FeaturesReply, ext(24, 48)),
    t("OFPT_FEATURES_REPLY", 2, 3, 6, T::FeaturesReply, ext(24, 64)),
    t("OFPT_FEATURES_REPLY", 4, 6, 6, T::FeaturesReply, exact(24)),
    t("OFPT_GET_CONFIG_REQUEST", 1, 6, 7, T::GetConfigRequest, exact(0)),
    t("OFPT_GET_CONFIG_REPLY", 1, 6, 8, T::GetConfigReply, exact(4)),
    t("OFPT_SET_CONFIG", 1, 6, 9, T::SetConfig, exact(4)),
    t("OFPT_PACKET_IN", 1, 1, 10, T::PacketIn, least(10)),
    t("OFPT_PACKET_IN", 2, 2, 10, T::PacketIn, least(16)),
    t("OFPT_PACKET_IN", 3, 3, 10, T::PacketIn, least(8)),
    t("OFPT_PACKET_IN", 4, 6, 10, T::PacketIn, least(16)),
    t("OFPT_FLOW_REMOVED", 1, 1, 11, T::FlowRemoved, exact(80)),
    t("OFPT_FLOW_REMOVED", 2, 5, 11, T::FlowRemoved, ext(40, 8)),
    t("OFPT_FLOW_REMOVED", 6, 6, 11, T::FlowRemoved, ext(16, 8)),
    t("OFPT_PORT_STATUS", 1, 1, 12, T::PortStatus, exact(56)),
    t("OFPT_PORT_STATUS", 2, 4, 12, T::PortStatus, exact(72)),
    t("OFPT_PORT_STATUS", 5, 6, 12, T::PortStatus, ext(48, 8)),
    t("OFPT_PACKET_OUT", 1, 1, 13, T::PacketOut, least(8)),
    t("OFPT_PACKET_OUT", 2, 5, 13, T::PacketOut, least(16)),
    t("OFPT_PACKET_OUT", 6, 6, 13, T::PacketOut, least(8)),
    t("OFPT_FLOW_MOD", 1, 1, 14, T::FlowMod, ext(64, 8)),
    t("OFPT_FLOW_MOD", 2, 6, 14, T::FlowMod, ext(40, 8)),
    t("OFPT_PORT_MOD", 1, 1, 15, T::PortMod, exact(24)),
    t("OFPT_BARRIER_REQUEST", 1, 1, 18, T::BarrierRequest, exact(0)),
    t("OFPT_BARRIER_REPLY", 1, 1, 19, T::BarrierReply, exact(0)),
    t("OFPT_QUEUE_GET_CONFIG_REQUEST", 1, 1, 20, T::QueueGetConfigRequest, exact(4)),
    t("OFPT_QUEUE_GET_CONFIG_REPLY", 1, 1, 21, T::QueueGetConfigReply, ext(8, 8)),
    t("OFPT_GROUP_MOD", 2, 5, 15, T::GroupMod, ext(8, 8)),
    t("OFPT_GROUP_MOD", 6, 6, 15, T::GroupMod, ext(16, 8)),
    t("OFPT_PORT_MOD", 2, 4, 16, T::PortMod, exact(32)),
    t("OFPT_PORT_MOD", 5, 6, 16, T::PortMod, ext(24, 8)),
    t("OFPT_TABLE_MOD", 2, 4, 17, T::TableMod, exact(8)),
    t("OFPT_TABLE_MOD", 5, 6, 17, T::TableMod, ext(8, 8)),
    t("OFPT_BARRIER_REQUEST", 2, 6, 20, T::BarrierRequest, exact(0)),
    t("OFPT_BARRIER_REPLY", 2, 6, 21, T::BarrierReply, exact(0)),
    t("OFPT_QUEUE_GET_CONFIG_REQUEST", 2, 4, 22, T::QueueGetConfigRequest, exact(8)),
    t("OFPT_QUEUE_GET_CONFIG_REPLY", 2, 4, 23, T::QueueGetConfigReply, ext(8, 8)),
    t("OFPT_ROLE_REQUEST", 3, 6, 24, T::RoleRequest, exact(16)),
    t("OFPT_ROLE_REPLY", 3, 6, 25, T::RoleReply, exact(16)),
    t("OFPT_GET_ASYNC_REQUEST", 4, 6, 26, T::GetAsyncRequest, exact(0)),
    t("OFPT_GET_ASYNC_REPLY", 4, 4, 27, T::GetAsyncReply, exact(24)),
    t("OFPT_GET_ASYNC_REPLY", 5, 6, 27, T::GetAsyncReply, ext(0, 8)),
    t("OFPT_SET_ASYNC", 4, 4, 28, T::SetAsync, exact(24)),
    t("OFPT_SET_ASYNC", 5, 6, 28, T::SetAsync, ext(0, 8)),
    t("OFPT_METER_MOD", 4, 6, 29, T::MeterMod, ext(8, 8)),
    t("OFPT_ROLE_STATUS", 5, 6, 30, T::RoleStatus, ext(16, 8)),
    t("OFPT_TABLE_STATUS", 5, 6, 31, T::TableStatus, ext(8, 8)),
    t("OFPT_REQUESTFORWARD", 5, 6, 32, T::RequestForward, ext(8, 8)),
    t("OFPT_BUNDLE_CONTROL", 5, 6, 33, T::BundleControl, ext(8, 8)),
    t("OFPT_BUNDLE_ADD_MESSAGE", 5, 6, 34, T::BundleAddMessage, least(8)),
    // Statistics / multipart.
    st("OFPST_DESC", 1, 6, 0, false, T::DescRequest, exact(0)),
    st("OFPST_DESC", 1, 6, 0, true, T::DescReply, exact(1056)),
    st("OFPST_FLOW", 1, 1, 1, false, T::FlowStatsRequest, exact(44)),
    st("OFPST_FLOW", 2, 6, 1, false, T::FlowStatsRequest, ext(32, 8)),
    st("OFPST_FLOW", 1, 6, 1, true, T::FlowStatsReply, least(0)),
    st("OFPST_AGGREGATE", 1, 1, 2, false, T::AggregateRequest, exact(44)),
    st("OFPST_AGGREGATE", 2, 6, 2, false, T::AggregateRequest, ext(32, 8)),
    st("OFPST_AGGREGATE", 1, 5, 2, true, T::AggregateReply, exact(24)),
    st("OFPST_AGGREGATE", 6, 6, 2, true, T::AggregateReply, least(0)),
    st("OFPST_TABLE", 1, 6, 3, false, T::TableStatsRequest, exact(0)),
    st("OFPST_TABLE", 1, 1, 3, true, T::TableStatsReply, ext(0, 64)),
    st("OFPST_TABLE", 2, 2, 3, true, T::TableStatsReply, ext(0, 88)),
    st("OFPST_TABLE", 3, 3, 3, true, T::TableStatsReply, ext(0, 128)),
    st("OFPST_TABLE", 4, 6, 3, true, T::TableStatsReply, ext(0, 24)),
    st("OFPST_PORT", 1, 1, 4, false, T::PortStatsRequest, exact(8)),
    st("OFPST_PORT", 2, 6, 4, false, T::PortStatsRequest, exact(8)),
    st("OFPST_PORT", 1, 1, 4, true, T::PortStatsReply, ext(0, 104)),
    st("OFPST_PORT", 2, 3, 4, true, T::PortStatsReply, ext(0, 104)),
    st("OFPST_PORT", 4, 4, 4, true, T::PortStatsReply, ext(0, 112)),
    st("OFPST_PORT", 5, 6, 4, true, T::PortStatsReply, ext(0, 8)),
    st("OFPST_QUEUE", 1, 6, 5, false, T::QueueStatsRequest, exact(8)),
    st("OFPST_QUEUE", 1, 1, 5, true, T::QueueStatsReply, ext(0, 32)),
    st("OFPST_QUEUE", 2, 3, 5, true, T::QueueStatsReply, ext(0, 32)),
    st("OFPST_QUEUE", 4, 4, 5, true, T::QueueStatsReply, ext(0, 40)),
    st("OFPST_QUEUE", 5, 6, 5, true, T::QueueStatsReply, ext(0, 8)),
    st("OFPST_GROUP", 2, 6, 6, false, T::GroupStatsRequest, exact(8)),
    st("OFPST_GROUP", 2, 6, 6, true, T::GroupStatsReply, ext(0, 8)),
    st("OFPST_GROUP_DESC", 2, 5, 7, false, T::GroupDescRequest, exact(0)),
    st("OFPST_GROUP_DESC", 6, 6, 7, false, T::GroupDescRequest, exact(8)),
    st("OFPST_GROUP_DESC", 2, 6, 7, true, T::GroupDescReply, ext(0, 8)),
    st("OFPST_GROUP_FEATURES", 3, 6, 8, false, T::GroupFeaturesRequest, exact(0)),
    st("OFPST_GROUP_FEATURES", 3, 6, 8, true, T::GroupFeaturesReply, exact(40)),
    st("OFPST_METER", 4, 6, 9, false, T::MeterStatsRequest, exact(8)),
    st("OFPST_METER", 4, 6, 9, true, T::MeterStatsReply, ext(0, 8)),
    st("OFPST_METER_CONFIG", 4, 6, 10, false, T::MeterConfigRequest, exact(8)),
    st("OFPST_METER_CONFIG", 4, 6, 10, true, T::MeterConfigReply, ext(0, 8)),
    st("OFPST_METER_FEATURES", 4, 6, 11, false, T::MeterFeaturesRequest, exact(0)),
    st("OFPST_METER_FEATURES", 4, 6, 11, true, T::MeterFeaturesReply, exact(16)),
    st("OFPST_TABLE_FEATURES", 4, 6, 12, false, T::TableFeaturesRequest, ext(0, 8)),
    st("OFPST_TABLE_FEATURES", 4, 6, 12, true, T::TableFeaturesReply, ext(64, 8)),
    st("OFPST_PORT_DESC", 1, 5, 13, false, T::PortDescRequest, exact(0)),
    st("OFPST_PORT_DESC", 6, 6, 13, false, T::PortDescRequest, exact(8)),
    st("OFPST_PORT_DESC", 1, 1, 13, true, T::PortDescReply, ext(0, 48)),
    st("OFPST_PORT_DESC", 2, 4, 13, true, T::PortDescReply, ext(0, 64)),
    st("OFPST_PORT_DESC", 5, 6, 13, true, T::PortDescReply, ext(0, 8)),
    st("OFPST_TABLE_DESC", 5, 6, 14, false, T::TableDescRequest, exact(0)),
    st("OFPST_TABLE_DESC", 5, 6, 14, true, T::TableDescReply, ext(8, 8)),
    st("OFPST_QUEUE_DESC", 5, 6, 15, false, T::QueueDescRequest, exact(8)),
    st("OFPST_QUEUE_DESC", 5, 6, 15, true, T::QueueDescReply, ext(0, 8)),
    st("OFPST_FLOW_MONITOR", 5, 6, 16, false, T::FlowMonitorRequest, ext(0, 8)),
    st("OFPST_FLOW_MONITOR", 5, 6, 16, true, T::FlowMonitorReply, ext(0, 8)),
    // Nicira extensions.
    nx("NXT_ROLE_REQUEST", 1, 6, 10, T::RoleRequest, exact(4)),
    nx("NXT_ROLE_REPLY", 1, 6, 11, T::RoleReply, exact(4)),
    nx("NXT_SET_FLOW_FORMAT", 1, 1, 12, T::SetFlowFormat, exact(4)),
    nx("NXT_FLOW_MOD", 1, 6, 13, T::FlowMod, ext(32, 8)),
    nx("NXT_FLOW_REMOVED", 1, 6, 14, T::FlowRemoved, ext(40, 8)),
    nx("NXT_FLOW_MOD_TABLE_ID", 1, 6, 15, T::FlowModTableId, exact(8)),
    nx("NXT_SET_PACKET_IN_FORMAT", 1, 6, 16, T::SetPacketInFormat, exact(4)),
    nx("NXT_PACKET_IN", 1, 6, 17, T::PacketIn, least(24)),
    nx("NXT_FLOW_AGE", 1, 6, 18, T::FlowAge, exact(0)),
    nx("NXT_SET_ASYNC_CONFIG", 1, 6, 19, T::SetAsync, exact(24)),
    nx("NXT_SET_CONTROLLER_ID", 1, 6, 20, T::SetControllerId, exact(8)),
    nx("NXT_FLOW_MONITOR_CANCEL", 1, 3, 21, T::FlowMonitorCancel, exact(4)),
    nx("NXT_FLOW_MONITOR_PAUSED", 1, 3, 22, T::FlowMonitorPaused, exact(0)),
    nx("NXT_FLOW_MONITOR_RESUMED", 1, 3, 23, T::FlowMonitorResumed, exact(0)),
    nx("NXT_TLV_TABLE_MOD", 1, 6, 24, T::TlvTableMod, ext(8, 8)),
    nx("NXT_TLV_TABLE_REQUEST", 1, 6, 25, T::TlvTableRequest, exact(0)),
    nx("NXT_TLV_TABLE_REPLY", 1, 6, 26, T::TlvTableReply, ext(16, 8)),
    nx("NXT_SET_ASYNC_CONFIG2", 1, 4, 27, T::SetAsync, ext(0, 8)),
    nx("NXT_RESUME", 1, 6, 28, T::Resume, ext(0, 8)),
    nx("NXT_CT_FLUSH_ZONE", 1, 6, 29, T::CtFlushZone, exact(8)),
    nx("NXT_PACKET_IN2", 1, 6, 30, T::PacketIn, ext(0, 8)),
    nx("NXT_GROUP_MOD", 1, 1, 31, T::GroupMod, ext(16, 8)),
    nx("NXT_CT_FLUSH", 1, 6, 32, T::CtFlush, ext(8, 8)),
    vst("NXST_FLOW", NX_VENDOR, 1, 1, 0, false, T::FlowStatsRequest, ext(8, 8)),
    vst("NXST_FLOW", NX_VENDOR, 1, 1, 0, true, T::FlowStatsReply, least(0)),
    vst("NXST_AGGREGATE", NX_VENDOR, 1, 1, 1, false, T::AggregateRequest, ext(8, 8)),
    vst("NXST_AGGREGATE", NX_VENDOR, 1, 1, 1, true, T::AggregateReply, exact(24)),
    vst("NXST_FLOW_MONITOR", NX_VENDOR, 1, 3, 2, false, T::FlowMonitorRequest, ext(0, 8)),
    vst("NXST_FLOW_MONITOR", NX_VENDOR, 1, 3, 2, true, T::FlowMonitorReply, ext(0, 8)),
    vst("NXST_IPFIX_BRIDGE", NX_VENDOR, 1, 6, 3, false, T::IpfixBridgeStatsRequest, exact(0)),
    vst("NXST_IPFIX_BRIDGE", NX_VENDOR, 1, 6, 3, true, T::IpfixBridgeStatsReply, exact(88)),
    vst("NXST_IPFIX_FLOW", NX_VENDOR, 1, 6, 4, false, T::IpfixFlowStatsRequest, exact(0)),
    vst("NXST_IPFIX_FLOW", NX_VENDOR, 1, 6, 4, true, T::IpfixFlowStatsReply, ext(0, 88)),
    vst("NXST_GROUP", NX_VENDOR, 1, 1, 7, false, T::GroupStatsRequest, exact(8)),
    vst("NXST_GROUP", NX_VENDOR, 1, 1, 7, true, T::GroupStatsReply, ext(0, 8)),
    vst("NXST_GROUP_DESC", NX_VENDOR, 1, 1, 8, false, T::GroupDescRequest, exact(8)),
    vst("NXST_GROUP_DESC", NX_VENDOR, 1, 1, 8, true, T::GroupDescReply, ext(0, 8)),
    vst("NXST_GROUP_FEATURES", NX_VENDOR, 1, 2, 9, false, T::GroupFeaturesRequest, exact(0)),
    vst("NXST_GROUP_FEATURES", NX_VENDOR, 1, 2, 9, true, T::GroupFeaturesReply, exact(40)),
    // ONF extensions (OpenFlow 1.3 backports of 1.4 features).
    onf("ONFT_FLOW_MONITOR_CANCEL", 4, 4, 1870, T::FlowMonitorCancel, exact(4)),
    onf("ONFT_FLOW_MONITOR_PAUSED", 4, 4, 1871, T::FlowMonitorPaused, exact(0)),
    onf("ONFT_FLOW_MONITOR_RESUMED", 4, 4, 1872, T::FlowMonitorResumed, exact(0)),
    onf("ONFT_ROLE_STATUS", 4, 4, 1911, T::RoleStatus, ext(16, 8)),
    onf("ONFT_BUNDLE_CONTROL", 4, 4, 2300, T::BundleControl, ext(8, 8)),
    onf("ONFT_BUNDLE_ADD_MESSAGE", 4, 4, 2301, T::BundleAddMessage, least(8)),
    onf("ONFT_REQUESTFORWARD", 4, 4, 2350, T::RequestForward, ext(8, 8)),
    vst("ONFST_FLOW_MONITOR", ONF_VENDOR, 4, 4, 1870, false, T::FlowMonitorRequest, ext(0, 8)),
    vst("ONFST_FLOW_MONITOR", ONF_VENDOR, 4, 4, 1870, true, T::FlowMonitorReply, ext(0, 8)),
];

impl RawId {
    /// The row's index in [`RAWS`].
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every raw message in the table.
    pub fn all() -> impl Iterator<Item = RawId> {
        (0..RAWS.len()).filter_map(|i| u16::try_from(i).ok().map(RawId))
    }

    /// The table row.  Ids only come from this module, so the fallback to
    /// the first row is never used in practice.
    pub fn entry(self) -> &'static RawEntry {
        RAWS.get(usize::from(self.0))
            .or_else(|| RAWS.first())
            .unwrap_or(&FALLBACK)
    }

    /// OVS's printable name: `OFPT_HELLO`, or `OFPST_PORT request` for
    /// statistics.
    pub fn display_name(self) -> String {
        let e = self.entry();
        match e.code {
            RawCode::Stats { reply, .. } | RawCode::VendorStats { reply, .. } => {
                format!("{} {}", e.name, if reply { "reply" } else { "request" })
            }
            _ => e.name.to_string(),
        }
    }

    /// The default raw message for `ty` in `version`: the first matching
    /// row of [`RAWS`].
    pub fn for_type(ty: MsgType, version: Version) -> Option<RawId> {
        let v = version.wire();
        RAWS.iter()
            .position(|e| e.ty == ty && (e.min..=e.max).contains(&v))
            .and_then(|i| u16::try_from(i).ok())
            .map(RawId)
    }

    /// True if this identity exists in `version`.
    pub fn valid_in(self, version: Version) -> bool {
        let e = self.entry();
        (e.min..=e.max).contains(&version.wire())
    }

    /// Length of the raw header (common header plus stats / vendor
    /// headers) in `version`.
    pub fn header_len(self, version: Version) -> usize {
        raw_header_len(self.entry().code, version)
    }
}

static FALLBACK: RawEntry = t("OFPT_HELLO", 1, 6, 0, T::Hello, least(0));

/// Length of the raw header of a message with identity `code`.
pub fn raw_header_len(code: RawCode, version: Version) -> usize {
    let of10 = version == Version::Of10;
    match code {
        RawCode::Type(_) => HEADER_LEN,
        RawCode::Vendor { .. } => HEADER_LEN + 8,
        RawCode::Stats { .. } => {
            if of10 {
                12
            } else {
                16
            }
        }
        RawCode::VendorStats { .. } => 24,
    }
}

/// The stats request/reply OFPT types in `version`.
pub fn stats_types(version: Version) -> (u8, u8) {
    if version == Version::Of10 {
        (16, 17)
    } else {
        (18, 19)
    }
}

/// Why a message could not be identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentifyError {
    /// The header's version is not 1.0..1.5.
    #[error("unsupported OpenFlow version 0x{0:02x}")]
    BadVersion(u8),
    /// Too short to hold the headers that identify it.
    #[error("OpenFlow message too short to identify")]
    BadLen,
    /// Unknown `type`.
    #[error("unknown OpenFlow message (version {version}, type {ty})")]
    BadType {
        /// Wire version.
        version: u8,
        /// Message type.
        ty: u8,
    },
    /// Unknown statistics type.
    #[error("unknown OpenFlow statistics type {0}")]
    BadStat(u16),
    /// Unknown vendor (experimenter).
    #[error("unknown vendor 0x{0:08x}")]
    BadVendor(u32),
    /// Unknown vendor subtype.
    #[error("unknown vendor 0x{vendor:08x} subtype {subtype}")]
    BadSubtype {
        /// Vendor id.
        vendor: u32,
        /// Subtype.
        subtype: u32,
    },
}

fn generic(version: Version) -> Result<(Version, RawId), IdentifyError> {
    RawId::for_type(MsgType::Experimenter, version)
        .map(|id| (version, id))
        .ok_or(IdentifyError::BadLen)
}

/// Identifies the raw message in `msg` (which starts with a [`Header`]).
///
/// Vendor messages from vendors without rows of their own are identified
/// as the generic `OFPT_VENDOR` / `OFPT_EXPERIMENTER` row.
pub fn identify(msg: &[u8]) -> Result<(Version, RawId), IdentifyError> {
    let h = Header::parse(msg).map_err(|_| IdentifyError::BadLen)?;
    let version = Version::from_wire(h.version).ok_or(IdentifyError::BadVersion(h.version))?;
    let v = h.version;
    let r = Reader::new(msg);
    let (sreq, srep) = stats_types(version);
    let code = if h.msg_type == OFPT_VENDOR {
        let vendor = r.peek(8, 4).map_err(|_| IdentifyError::BadLen)?;
        let vendor = u32::from_be_bytes([vendor[0], vendor[1], vendor[2], vendor[3]]);
        if vendor != NX_VENDOR && vendor != ONF_VENDOR {
            return generic(version);
        }
        let sub = r.peek(12, 4).map_err(|_| IdentifyError::BadLen)?;
        RawCode::Vendor {
            vendor,
            subtype: u32::from_be_bytes([sub[0], sub[1], sub[2], sub[3]]),
        }
    } else if h.msg_type == sreq || h.msg_type == srep {
        let reply = h.msg_type == srep;
        let stat = r.peek_u16(8).map_err(|_| IdentifyError::BadLen)?;
        if stat == OFPST_VENDOR {
            let off = if version == Version::Of10 { 12 } else { 16 };
            let b = r.peek(off, 8).map_err(|_| IdentifyError::BadLen)?;
            let vendor = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            let subtype = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            RawCode::VendorStats {
                vendor,
                subtype,
                reply,
            }
        } else {
            RawCode::Stats { stat, reply }
        }
    } else {
        RawCode::Type(h.msg_type)
    };
    match RAWS
        .iter()
        .position(|e| e.code == code && (e.min..=e.max).contains(&v))
    {
        Some(i) => u16::try_from(i)
            .map(|i| (version, RawId(i)))
            .map_err(|_| IdentifyError::BadLen),
        None => Err(match code {
            RawCode::Type(ty) => IdentifyError::BadType { version: v, ty },
            RawCode::Stats { stat, .. } => IdentifyError::BadStat(stat),
            RawCode::Vendor { vendor, subtype }
            | RawCode::VendorStats {
                vendor, subtype, ..
            } => {
                if vendor == NX_VENDOR || vendor == ONF_VENDOR {
                    IdentifyError::BadSubtype { vendor, subtype }
                } else {
                    IdentifyError::BadVendor(vendor)
                }
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, e) in RAWS.iter().enumerate() {
            assert!(e.min <= e.max && e.min >= 1 && e.max <= 6, "{}", e.name);
            // No two rows share an identity in one version.
            for f in RAWS.iter().skip(i + 1) {
                let overlap = e.min.max(f.min) <= e.max.min(f.max);
                assert!(!(overlap && e.code == f.code), "{} / {}", e.name, f.name);
            }
        }
    }

    #[test]
    fn identifies() {
        let hello = [4u8, 0, 0, 8, 0, 0, 0, 1];
        let (v, id) = identify(&hello).unwrap();
        assert_eq!(v, Version::Of13);
        assert_eq!(id.display_name(), "OFPT_HELLO");
        let port_stats = [1u8, 16, 0, 20, 0, 0, 0, 1, 0, 4, 0, 0];
        let id = identify(&port_stats).unwrap().1;
        assert_eq!(id.display_name(), "OFPST_PORT request");
        let bad = [1u8, 99, 0, 8, 0, 0, 0, 1];
        assert!(matches!(identify(&bad), Err(IdentifyError::BadType { .. })));
        assert_eq!(
            RawId::for_type(MsgType::RoleRequest, Version::Of10).map(|r| r.entry().name),
            Some("NXT_ROLE_REQUEST")
        );
        assert_eq!(
            RawId::for_type(MsgType::RoleRequest, Version::Of13).map(|r| r.entry().name),
            Some("OFPT_ROLE_REQUEST")
        );
    }
}
