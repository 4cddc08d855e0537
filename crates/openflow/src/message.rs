//! The [`Message`] enum and the [`OfpMsg`] envelope: decoding and encoding
//! whole OpenFlow messages.
//!
//! Decoding runs in three steps:
//!
//! 1. [`crate::raw::identify`] finds the raw message (the table row) from
//!    the header, stats type and vendor/subtype;
//! 2. the body (everything after the raw header: common header, plus the
//!    stats header, plus the vendor header) is checked against the row's
//!    length rule, which yields OVS's "incorrect length" errors;
//! 3. the body codec for the row's [`MsgType`] and the version produces a
//!    [`Message`].
//!
//! Encoding reverses this: the envelope's [`RawId`] (or the default row for
//! the body's type and version) gives the raw header, the body codec
//! appends the body, and the length is patched in.  The raw identity is
//! kept in the envelope so that, e.g., an `NXT_ROLE_REQUEST` received over
//! OF1.3 re-encodes as `NXT_ROLE_REQUEST`, not `OFPT_ROLE_REQUEST`.
//!
//! Adding a codec for a message that is opaque today (TLV table messages,
//! IPFIX statistics, `NXT_CT_FLUSH`, ...) means adding a variant here
//! plus one arm in `decode_body`,
//! `encode_body` and `Message::msg_type`; the raw table already knows
//! those messages.

use crate::error::OfpErr;
use crate::header::{Header, Version, HEADER_LEN};
use crate::msgs::bundle::{self, BundleAdd, BundleCtrl};
use crate::msgs::config::{
    self, AsyncConfig, RoleMsg, RoleStatus, SwitchConfig, SwitchFeatures, TableMod,
};
use crate::msgs::flow::{
    self as flowmsg, AggregateStats, FlowMod, FlowRemoved, FlowStats, FlowStatsRequest, PacketIn,
    PacketOut,
};
use crate::msgs::group::{self, GroupDesc, GroupMod, GroupStats};
use crate::msgs::hello::{self, Hello};
use crate::msgs::meter::{self, GroupFeatures, MeterConfig, MeterFeatures, MeterMod, MeterStats};
use crate::msgs::monitor::{self, FlowMonitorRequest, FlowUpdate};
use crate::msgs::ofp_error::{self, ErrorMsg};
use crate::msgs::packet_in2::{self, PacketIn2};
use crate::msgs::port::{self, Port, PortMod, PortStatus};
use crate::msgs::queue::{self, PacketQueue, QueueConfigReply};
use crate::msgs::stats::{self, Desc, PortStats, QueueStats, TableStats};
use crate::msgs::table_desc::{self, TableDesc, TableStatus};
use crate::msgs::table_features::{self, TableFeatures};
use crate::msgs::{BodyError, Ctx};
use crate::raw::{self, identify, stats_types, IdentifyError, MsgType, RawCode, RawId};
use octets::{Reader, Writer};

/// A version-independent OpenFlow message body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// `OFPT_HELLO`.
    Hello(Hello),
    /// `OFPT_ERROR`.
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST` with its payload.
    EchoRequest(Vec<u8>),
    /// `OFPT_ECHO_REPLY` with its payload.
    EchoReply(Vec<u8>),
    /// A vendor/experimenter message from a vendor without specific
    /// support.  In OF1.1+ the first 4 bytes of `data` are the
    /// experimenter-defined type.
    Experimenter {
        /// Vendor / experimenter id.
        experimenter: u32,
        /// Everything after the id.
        data: Vec<u8>,
    },
    /// `OFPT_FEATURES_REQUEST`.
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`.
    FeaturesReply(SwitchFeatures),
    /// `OFPT_GET_CONFIG_REQUEST`.
    GetConfigRequest,
    /// `OFPT_GET_CONFIG_REPLY`.
    GetConfigReply(SwitchConfig),
    /// `OFPT_SET_CONFIG`.
    SetConfig(SwitchConfig),
    /// `OFPT_PORT_STATUS`.
    PortStatus(PortStatus),
    /// `OFPT_PORT_MOD`.
    PortMod(PortMod),
    /// `OFPT_TABLE_MOD`.
    TableMod(TableMod),
    /// `OFPT_BARRIER_REQUEST`.
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY`.
    BarrierReply,
    /// `OFPT_QUEUE_GET_CONFIG_REQUEST` for a port.
    QueueGetConfigRequest {
        /// Port queried (`OFPP_ANY` = all).
        port: u32,
    },
    /// `OFPT_QUEUE_GET_CONFIG_REPLY`.
    QueueGetConfigReply(QueueConfigReply),
    /// `OFPT_ROLE_REQUEST` / `NXT_ROLE_REQUEST`.
    RoleRequest(RoleMsg),
    /// `OFPT_ROLE_REPLY` / `NXT_ROLE_REPLY`.
    RoleReply(RoleMsg),
    /// `OFPT_ROLE_STATUS` / `ONFT_ROLE_STATUS`.
    RoleStatus(RoleStatus),
    /// `OFPT_GET_ASYNC_REQUEST`.
    GetAsyncRequest,
    /// `OFPT_GET_ASYNC_REPLY`.
    GetAsyncReply(AsyncConfig),
    /// `OFPT_SET_ASYNC` / `NXT_SET_ASYNC_CONFIG(2)`.
    SetAsync(AsyncConfig),
    /// `OFPT_METER_MOD`.
    MeterMod(MeterMod),
    /// `OFPT_BUNDLE_CONTROL` / `ONFT_BUNDLE_CONTROL`.
    BundleControl(BundleCtrl),
    /// `OFPT_BUNDLE_ADD_MESSAGE` / `ONFT_BUNDLE_ADD_MESSAGE`.
    BundleAdd(BundleAdd),
    /// `OFPST_DESC` request.
    DescRequest,
    /// `OFPST_DESC` reply.
    DescReply(Desc),
    /// `OFPST_TABLE` request.
    TableStatsRequest,
    /// `OFPST_TABLE` reply (OF1.0 and OF1.3+ layouts).
    TableStatsReply(Vec<TableStats>),
    /// `OFPST_PORT` request.
    PortStatsRequest {
        /// Port (`OFPP_ANY` = all).
        port: u32,
    },
    /// `OFPST_PORT` reply.
    PortStatsReply(Vec<PortStats>),
    /// `OFPST_QUEUE` request.
    QueueStatsRequest {
        /// Port (`OFPP_ANY` = all).
        port: u32,
        /// Queue (`OFPQ_ALL` = all).
        queue: u32,
    },
    /// `OFPST_QUEUE` reply.
    QueueStatsReply(Vec<QueueStats>),
    /// `OFPST_PORT_DESC` request (OF1.5 names a port; earlier: all).
    PortDescRequest {
        /// Port (`OFPP_ANY` = all).
        port: u32,
    },
    /// `OFPST_PORT_DESC` reply.
    PortDescReply(Vec<Port>),
    /// `OFPST_QUEUE_DESC` request.
    QueueDescRequest {
        /// Port.
        port: u32,
        /// Queue.
        queue: u32,
    },
    /// `OFPST_QUEUE_DESC` reply.
    QueueDescReply(Vec<PacketQueue>),
    /// `OFPST_METER` request.
    MeterStatsRequest {
        /// Meter id (`OFPM_ALL` = all).
        meter_id: u32,
    },
    /// `OFPST_METER` reply.
    MeterStatsReply(Vec<MeterStats>),
    /// `OFPST_METER_CONFIG` request.
    MeterConfigRequest {
        /// Meter id.
        meter_id: u32,
    },
    /// `OFPST_METER_CONFIG` reply.
    MeterConfigReply(Vec<MeterConfig>),
    /// `OFPST_METER_FEATURES` request.
    MeterFeaturesRequest,
    /// `OFPST_METER_FEATURES` reply.
    MeterFeaturesReply(MeterFeatures),
    /// `OFPST_GROUP_FEATURES` request.
    GroupFeaturesRequest,
    /// `OFPST_GROUP_FEATURES` reply.
    GroupFeaturesReply(GroupFeatures),
    /// `OFPST_TABLE_FEATURES` request (empty = query only).
    TableFeaturesRequest(Vec<TableFeatures>),
    /// `OFPST_TABLE_FEATURES` reply.
    TableFeaturesReply(Vec<TableFeatures>),
    /// `NXT_SET_FLOW_FORMAT`.
    SetFlowFormat(u32),
    /// `NXT_FLOW_MOD_TABLE_ID`: enable (non-zero) or disable.
    FlowModTableId(u8),
    /// `NXT_SET_PACKET_IN_FORMAT`.
    SetPacketInFormat(u32),
    /// `NXT_SET_CONTROLLER_ID`.
    SetControllerId(u16),
    /// `NXT_FLOW_AGE`.
    FlowAge,
    /// `NXT_TLV_TABLE_REQUEST`.
    TlvTableRequest,
    /// `NXT_CT_FLUSH_ZONE`.
    CtFlushZone(u16),
    /// `OFPT_FLOW_MOD` / `NXT_FLOW_MOD`.
    FlowMod(FlowMod),
    /// `OFPT_FLOW_REMOVED` / `NXT_FLOW_REMOVED`.
    FlowRemoved(FlowRemoved),
    /// `OFPT_PACKET_IN` / `NXT_PACKET_IN` (not `NXT_PACKET_IN2`).
    PacketIn(PacketIn),
    /// `OFPT_PACKET_OUT`.
    PacketOut(PacketOut),
    /// `OFPST_FLOW` / `NXST_FLOW` request.
    FlowStatsRequest(FlowStatsRequest),
    /// `OFPST_FLOW` / `NXST_FLOW` reply.
    FlowStatsReply(Vec<FlowStats>),
    /// `OFPST_AGGREGATE` / `NXST_AGGREGATE` request.
    AggregateRequest(FlowStatsRequest),
    /// `OFPST_AGGREGATE` / `NXST_AGGREGATE` reply.
    AggregateReply(AggregateStats),
    /// `OFPT_GROUP_MOD` / `NXT_GROUP_MOD`.
    GroupMod(GroupMod),
    /// `OFPST_GROUP_DESC` / `NXST_GROUP_DESC` request (before OF1.5 the
    /// standard request names no group and means `OFPG_ALL`).
    GroupDescRequest {
        /// Group id (`OFPG_ALL` = all).
        group_id: u32,
    },
    /// `OFPST_GROUP_DESC` / `NXST_GROUP_DESC` reply.
    GroupDescReply(Vec<GroupDesc>),
    /// `OFPST_GROUP` / `NXST_GROUP` request.
    GroupStatsRequest {
        /// Group id (`OFPG_ALL` = all).
        group_id: u32,
    },
    /// `OFPST_GROUP` / `NXST_GROUP` reply.
    GroupStatsReply(Vec<GroupStats>),
    /// `OFPT_TABLE_STATUS`.
    TableStatus(TableStatus),
    /// `OFPST_TABLE_DESC` request.
    TableDescRequest,
    /// `OFPST_TABLE_DESC` reply.
    TableDescReply(Vec<TableDesc>),
    /// `NXST_FLOW_MONITOR` / `ONFST_FLOW_MONITOR` / `OFPST_FLOW_MONITOR`
    /// request.
    FlowMonitorRequest(Vec<FlowMonitorRequest>),
    /// `NXST_FLOW_MONITOR` / `ONFST_FLOW_MONITOR` / `OFPST_FLOW_MONITOR`
    /// reply.
    FlowMonitorReply(Vec<FlowUpdate>),
    /// `NXT_FLOW_MONITOR_CANCEL` / `ONFT_FLOW_MONITOR_CANCEL` with the
    /// monitor id.
    FlowMonitorCancel(u32),
    /// `NXT_FLOW_MONITOR_PAUSED` / `ONFT_FLOW_MONITOR_PAUSED`.
    FlowMonitorPaused,
    /// `NXT_FLOW_MONITOR_RESUMED` / `ONFT_FLOW_MONITOR_RESUMED`.
    FlowMonitorResumed,
    /// `NXT_PACKET_IN2` (its [`MsgType`] is [`MsgType::PacketIn`]).
    PacketIn2(PacketIn2),
    /// `NXT_RESUME`.
    Resume(PacketIn2),
    /// `OFPT_REQUESTFORWARD` / `ONFT_REQUESTFORWARD`: a group_mod or
    /// meter_mod another controller sent, in the same version.
    RequestForward(Box<OfpMsg>),
    /// A known message whose body is not modelled yet (group features in
    /// Nicira form, TLV table messages, OF1.1/1.2 table stats, ...): the
    /// bytes after the
    /// raw header.  Only valid with an explicit raw identity.
    Opaque(Vec<u8>),
}

impl Message {
    /// The version-independent type, or `None` for [`Message::Opaque`]
    /// (whose type is given by the envelope's raw identity).
    pub fn msg_type(&self) -> Option<MsgType> {
        use Message as M;
        use MsgType as T;
        Some(match self {
            M::Hello(_) => T::Hello,
            M::Error(_) => T::Error,
            M::EchoRequest(_) => T::EchoRequest,
            M::EchoReply(_) => T::EchoReply,
            M::Experimenter { .. } => T::Experimenter,
            M::FeaturesRequest => T::FeaturesRequest,
            M::FeaturesReply(_) => T::FeaturesReply,
            M::GetConfigRequest => T::GetConfigRequest,
            M::GetConfigReply(_) => T::GetConfigReply,
            M::SetConfig(_) => T::SetConfig,
            M::PortStatus(_) => T::PortStatus,
            M::PortMod(_) => T::PortMod,
            M::TableMod(_) => T::TableMod,
            M::BarrierRequest => T::BarrierRequest,
            M::BarrierReply => T::BarrierReply,
            M::QueueGetConfigRequest { .. } => T::QueueGetConfigRequest,
            M::QueueGetConfigReply(_) => T::QueueGetConfigReply,
            M::RoleRequest(_) => T::RoleRequest,
            M::RoleReply(_) => T::RoleReply,
            M::RoleStatus(_) => T::RoleStatus,
            M::GetAsyncRequest => T::GetAsyncRequest,
            M::GetAsyncReply(_) => T::GetAsyncReply,
            M::SetAsync(_) => T::SetAsync,
            M::MeterMod(_) => T::MeterMod,
            M::BundleControl(_) => T::BundleControl,
            M::BundleAdd(_) => T::BundleAddMessage,
            M::DescRequest => T::DescRequest,
            M::DescReply(_) => T::DescReply,
            M::TableStatsRequest => T::TableStatsRequest,
            M::TableStatsReply(_) => T::TableStatsReply,
            M::PortStatsRequest { .. } => T::PortStatsRequest,
            M::PortStatsReply(_) => T::PortStatsReply,
            M::QueueStatsRequest { .. } => T::QueueStatsRequest,
            M::QueueStatsReply(_) => T::QueueStatsReply,
            M::PortDescRequest { .. } => T::PortDescRequest,
            M::PortDescReply(_) => T::PortDescReply,
            M::QueueDescRequest { .. } => T::QueueDescRequest,
            M::QueueDescReply(_) => T::QueueDescReply,
            M::MeterStatsRequest { .. } => T::MeterStatsRequest,
            M::MeterStatsReply(_) => T::MeterStatsReply,
            M::MeterConfigRequest { .. } => T::MeterConfigRequest,
            M::MeterConfigReply(_) => T::MeterConfigReply,
            M::MeterFeaturesRequest => T::MeterFeaturesRequest,
            M::MeterFeaturesReply(_) => T::MeterFeaturesReply,
            M::GroupFeaturesRequest => T::GroupFeaturesRequest,
            M::GroupFeaturesReply(_) => T::GroupFeaturesReply,
            M::TableFeaturesRequest(_) => T::TableFeaturesRequest,
            M::TableFeaturesReply(_) => T::TableFeaturesReply,
            M::SetFlowFormat(_) => T::SetFlowFormat,
            M::FlowModTableId(_) => T::FlowModTableId,
            M::SetPacketInFormat(_) => T::SetPacketInFormat,
            M::SetControllerId(_) => T::SetControllerId,
            M::FlowAge => T::FlowAge,
            M::TlvTableRequest => T::TlvTableRequest,
            M::CtFlushZone(_) => T::CtFlushZone,
            M::FlowMod(_) => T::FlowMod,
            M::FlowRemoved(_) => T::FlowRemoved,
            M::PacketIn(_) => T::PacketIn,
            M::PacketOut(_) => T::PacketOut,
            M::FlowStatsRequest(_) => T::FlowStatsRequest,
            M::FlowStatsReply(_) => T::FlowStatsReply,
            M::AggregateRequest(_) => T::AggregateRequest,
            M::AggregateReply(_) => T::AggregateReply,
            M::GroupMod(_) => T::GroupMod,
            M::GroupDescRequest { .. } => T::GroupDescRequest,
            M::GroupDescReply(_) => T::GroupDescReply,
            M::GroupStatsRequest { .. } => T::GroupStatsRequest,
            M::GroupStatsReply(_) => T::GroupStatsReply,
            M::TableStatus(_) => T::TableStatus,
            M::TableDescRequest => T::TableDescRequest,
            M::TableDescReply(_) => T::TableDescReply,
            M::FlowMonitorRequest(_) => T::FlowMonitorRequest,
            M::FlowMonitorReply(_) => T::FlowMonitorReply,
            M::FlowMonitorCancel(_) => T::FlowMonitorCancel,
            M::FlowMonitorPaused => T::FlowMonitorPaused,
            M::FlowMonitorResumed => T::FlowMonitorResumed,
            M::PacketIn2(_) => T::PacketIn,
            M::Resume(_) => T::Resume,
            M::RequestForward(_) => T::RequestForward,
            M::Opaque(_) => return None,
        })
    }
}

/// A complete message: envelope plus body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfpMsg {
    /// Protocol version.
    pub version: Version,
    /// Transaction id.
    pub xid: u32,
    /// The raw identity (table row); `None` = the default for the body's
    /// type in `version`.
    pub raw: Option<RawId>,
    /// Multipart flags (`OFPSF_*_MORE`); 0 for non-multipart messages.
    pub stats_flags: u16,
    /// The body.
    pub body: Message,
}

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Shorter than a header, or the header's length disagrees with the
    /// buffer.
    #[error("OpenFlow message has bad length {len} (buffer holds {have} bytes)")]
    BadFrame {
        /// Header length.
        len: usize,
        /// Buffer length.
        have: usize,
    },
    /// The message could not be identified.
    #[error(transparent)]
    Identify(#[from] IdentifyError),
    /// The body length violates the raw message's rule.
    #[error("received {name} with incorrect length {len} ({expected})")]
    BadLength {
        /// OVS name of the message.
        name: String,
        /// Actual total length.
        len: usize,
        /// What was expected, in OVS's words.
        expected: String,
    },
    /// The body is malformed.
    #[error("{name}: {source}")]
    Body {
        /// OVS name of the message.
        name: String,
        /// What went wrong.
        source: BodyError,
    },
}

impl DecodeError {
    /// The OpenFlow error OVS reports (and prints as `***decode error:
    /// NAME***`) for this problem.
    pub fn ofperr(&self) -> OfpErr {
        match self {
            DecodeError::BadFrame { .. } | DecodeError::BadLength { .. } => OfpErr::OFPBRC_BAD_LEN,
            DecodeError::Identify(e) => match e {
                IdentifyError::BadVersion(_) => OfpErr::OFPBRC_BAD_VERSION,
                IdentifyError::BadLen => OfpErr::OFPBRC_BAD_LEN,
                IdentifyError::BadType { .. } => OfpErr::OFPBRC_BAD_TYPE,
                IdentifyError::BadStat(_) => OfpErr::OFPBRC_BAD_STAT,
                IdentifyError::BadVendor(_) => OfpErr::OFPBRC_BAD_VENDOR,
                IdentifyError::BadSubtype { .. } => OfpErr::OFPBRC_BAD_SUBTYPE,
            },
            DecodeError::Body { source, .. } => source.ofperr(),
        }
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The message type does not exist in the version.
    #[error("{0:?} cannot be expressed in {1}")]
    NoEncoding(MsgType, Version),
    /// The explicit raw identity does not exist in the version or does
    /// not match the body.
    #[error("{name} cannot carry this body in {version}")]
    RawMismatch {
        /// Raw name.
        name: &'static str,
        /// Version.
        version: Version,
    },
    /// An opaque body without a raw identity.
    #[error("opaque message body needs an explicit raw message type")]
    OpaqueWithoutRaw,
    /// An error code without an encoding in the version.
    #[error("error {0} cannot be encoded in {1}")]
    UnencodableError(OfpErr, Version),
    /// The encoded message exceeds 65535 bytes.
    #[error("message too long ({0} bytes)")]
    TooLong(usize),
}

impl OfpMsg {
    /// A message with the default raw identity and no multipart flags.
    pub fn new(version: Version, xid: u32, body: Message) -> OfpMsg {
        OfpMsg {
            version,
            xid,
            raw: None,
            stats_flags: 0,
            body,
        }
    }

    /// The error reply to `request` (raw bytes, possibly malformed) in
    /// `version`: same xid, and as data the first 64 bytes of the request,
    /// as OVS sends.
    pub fn error_reply(version: Version, request: &[u8], err: OfpErr) -> OfpMsg {
        let xid = Header::parse(request).map_or(0, |h| h.xid);
        OfpMsg::new(version, xid, Message::Error(ErrorMsg::about(err, request)))
    }

    /// The echo reply to this message, if it is an echo request.
    pub fn echo_reply(&self) -> Option<OfpMsg> {
        match &self.body {
            Message::EchoRequest(data) => Some(OfpMsg::new(
                self.version,
                self.xid,
                Message::EchoReply(data.clone()),
            )),
            _ => None,
        }
    }

    /// The raw identity this message encodes as.
    pub fn raw_id(&self) -> Result<RawId, EncodeError> {
        match (self.raw, self.body.msg_type()) {
            (Some(id), ty) => {
                let e = id.entry();
                if !id.valid_in(self.version) || ty.is_some_and(|t| t != e.ty) {
                    return Err(EncodeError::RawMismatch {
                        name: e.name,
                        version: self.version,
                    });
                }
                Ok(id)
            }
            (None, Some(_)) if matches!(self.body, Message::PacketIn2(_)) => RawId::all()
                .find(|id| is_packet_in2(*id) && id.valid_in(self.version))
                .ok_or(EncodeError::NoEncoding(MsgType::PacketIn, self.version)),
            (None, Some(ty)) => {
                RawId::for_type(ty, self.version).ok_or(EncodeError::NoEncoding(ty, self.version))
            }
            (None, None) => Err(EncodeError::OpaqueWithoutRaw),
        }
    }

    /// Decodes one message.  `buf` must hold exactly one message (as
    /// produced by [`crate::frame`]); trailing bytes beyond the header's
    /// length are an error.
    pub fn decode(buf: &[u8]) -> Result<OfpMsg, DecodeError> {
        let h = Header::parse(buf).map_err(|_| DecodeError::BadFrame {
            len: 0,
            have: buf.len(),
        })?;
        let len = usize::from(h.length);
        if len < HEADER_LEN || len != buf.len() {
            return Err(DecodeError::BadFrame {
                len,
                have: buf.len(),
            });
        }
        let (version, id) = identify(buf)?;
        let e = id.entry();
        let hdr = id.header_len(version);
        let name = id.display_name();
        let body = buf
            .get(hdr..)
            .ok_or_else(|| bad_length(&name, len, hdr, e))?;
        if !e.len.accepts(body.len()) {
            return Err(bad_length(&name, len, hdr, e));
        }
        let stats_flags = match e.code {
            RawCode::Stats { .. } | RawCode::VendorStats { .. } => {
                Reader::new(buf).peek_u16(10).unwrap_or(0)
            }
            _ => 0,
        };
        let mut r = Reader::new(body);
        let message = decode_body(version, id, &mut r)
            .map_err(|source| DecodeError::Body { name, source })?;
        Ok(OfpMsg {
            version,
            xid: h.xid,
            raw: Some(id),
            stats_flags,
            body: message,
        })
    }

    /// Encodes the message.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let v = self.version;
        let id = self.raw_id()?;
        let e = id.entry();
        let mut w = Writer::new();
        let msg_type = match e.code {
            RawCode::Type(t) => t,
            RawCode::Vendor { .. } => raw::OFPT_VENDOR,
            RawCode::Stats { reply, .. } | RawCode::VendorStats { reply, .. } => {
                let (req, rep) = stats_types(v);
                if reply {
                    rep
                } else {
                    req
                }
            }
        };
        Header {
            version: v.wire(),
            msg_type,
            length: 0,
            xid: self.xid,
        }
        .write(&mut w);
        match e.code {
            RawCode::Type(_) => {}
            RawCode::Vendor { vendor, subtype } => {
                w.u32(vendor).u32(subtype);
            }
            RawCode::Stats { stat, .. } => {
                w.u16(stat).u16(self.stats_flags);
                if v != Version::Of10 {
                    w.zeros(4);
                }
            }
            RawCode::VendorStats {
                vendor, subtype, ..
            } => {
                w.u16(raw::OFPST_VENDOR).u16(self.stats_flags);
                if v != Version::Of10 {
                    w.zeros(4);
                }
                w.u32(vendor).u32(subtype);
                if v == Version::Of10 {
                    w.zeros(4);
                }
            }
        }
        encode_body(v, id, &self.body, &mut w)?;
        let len = w.len();
        let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong(len))?;
        w.patch_u16(2, len16);
        Ok(w.into_vec())
    }
}

fn bad_length(name: &str, len: usize, hdr: usize, e: &raw::RawEntry) -> DecodeError {
    DecodeError::BadLength {
        name: name.to_string(),
        len,
        expected: e.len.describe(hdr),
    }
}

fn is_nx(id: RawId) -> bool {
    matches!(id.entry().code, RawCode::Vendor { .. })
}

fn decode_body(v: Version, id: RawId, r: &mut Reader<'_>) -> Result<Message, BodyError> {
    use Message as M;
    use MsgType as T;
    let e = id.entry();
    let m = match e.ty {
        T::Hello => M::Hello(hello::decode(r)?),
        T::Error => M::Error(ofp_error::decode(v, r)?),
        T::EchoRequest => M::EchoRequest(r.take_rest().to_vec()),
        T::EchoReply => M::EchoReply(r.take_rest().to_vec()),
        T::Experimenter => M::Experimenter {
            experimenter: r.u32().ctx("experimenter")?,
            data: r.take_rest().to_vec(),
        },
        T::FeaturesRequest => M::FeaturesRequest,
        T::FeaturesReply => M::FeaturesReply(config::decode_features(v, r)?),
        T::GetConfigRequest => M::GetConfigRequest,
        T::GetConfigReply => M::GetConfigReply(config::decode_config(r)?),
        T::SetConfig => M::SetConfig(config::decode_config(r)?),
        T::PortStatus => M::PortStatus(port::decode_status(v, r)?),
        T::PortMod => M::PortMod(port::decode_mod(v, r)?),
        T::TableMod => M::TableMod(config::decode_table_mod(r)?),
        T::BarrierRequest => M::BarrierRequest,
        T::BarrierReply => M::BarrierReply,
        T::QueueGetConfigRequest => M::QueueGetConfigRequest {
            port: queue::decode_request(v, r)?,
        },
        T::QueueGetConfigReply => M::QueueGetConfigReply(queue::decode_reply(v, r)?),
        T::RoleRequest => M::RoleRequest(config::decode_role(is_nx(id), r)?),
        T::RoleReply => M::RoleReply(config::decode_role(is_nx(id), r)?),
        T::RoleStatus => M::RoleStatus(config::decode_role_status(r)?),
        T::GetAsyncRequest => M::GetAsyncRequest,
        T::GetAsyncReply => M::GetAsyncReply(config::decode_async(fixed_async(v, id), r)?),
        T::SetAsync => M::SetAsync(config::decode_async(fixed_async(v, id), r)?),
        T::MeterMod => M::MeterMod(meter::decode_meter_mod(r)?),
        T::BundleControl => M::BundleControl(bundle::decode_ctrl(r)?),
        T::BundleAddMessage => M::BundleAdd(bundle::decode_add(r)?),
        T::DescRequest => M::DescRequest,
        T::DescReply => M::DescReply(stats::decode_desc(r)?),
        T::TableStatsRequest => M::TableStatsRequest,
        T::TableStatsReply if v == Version::Of10 || v >= Version::Of13 => {
            M::TableStatsReply(stats::decode_table_stats(v, r)?)
        }
        T::PortStatsRequest => M::PortStatsRequest {
            port: stats::decode_port_request(v, r)?,
        },
        T::PortStatsReply => M::PortStatsReply(stats::decode_port_stats(v, r)?),
        T::QueueStatsRequest => {
            let (port, queue) = stats::decode_queue_request(v, r)?;
            M::QueueStatsRequest { port, queue }
        }
        T::QueueStatsReply => M::QueueStatsReply(stats::decode_queue_stats(v, r)?),
        T::PortDescRequest => M::PortDescRequest {
            port: if v >= Version::Of15 {
                stats::decode_port_request(v, r)?
            } else {
                crate::msgs::ofpp::ANY
            },
        },
        T::PortDescReply => M::PortDescReply(port::decode_ports(v, r)?),
        T::QueueDescRequest => {
            let (port, queue) = stats::decode_queue_request(v, r)?;
            M::QueueDescRequest { port, queue }
        }
        T::QueueDescReply => M::QueueDescReply(queue::decode_queue_descs(r)?),
        T::MeterStatsRequest => M::MeterStatsRequest {
            meter_id: meter::decode_meter_request(r)?,
        },
        T::MeterStatsReply => M::MeterStatsReply(meter::decode_meter_stats(r)?),
        T::MeterConfigRequest => M::MeterConfigRequest {
            meter_id: meter::decode_meter_request(r)?,
        },
        T::MeterConfigReply => M::MeterConfigReply(meter::decode_meter_configs(r)?),
        T::MeterFeaturesRequest => M::MeterFeaturesRequest,
        T::MeterFeaturesReply => M::MeterFeaturesReply(meter::decode_meter_features(r)?),
        T::GroupFeaturesRequest if !is_vendor_stats(id) => M::GroupFeaturesRequest,
        T::GroupFeaturesReply if !is_vendor_stats(id) => {
            M::GroupFeaturesReply(meter::decode_group_features(r)?)
        }
        T::TableFeaturesRequest => M::TableFeaturesRequest(table_features::decode(r)?),
        T::TableFeaturesReply => M::TableFeaturesReply(table_features::decode(r)?),
        T::SetFlowFormat => M::SetFlowFormat(r.u32().ctx("set flow format")?),
        T::FlowModTableId => {
            let x = r.u8().ctx("flow_mod table id")?;
            r.skip(7).ctx("flow_mod table id")?;
            M::FlowModTableId(x)
        }
        T::SetPacketInFormat => M::SetPacketInFormat(r.u32().ctx("set packet in format")?),
        T::SetControllerId => {
            r.skip(6).ctx("set controller id")?;
            M::SetControllerId(r.u16().ctx("set controller id")?)
        }
        T::FlowAge => M::FlowAge,
        T::TlvTableRequest => M::TlvTableRequest,
        T::CtFlushZone => {
            r.skip(6).ctx("ct flush zone")?;
            M::CtFlushZone(r.u16().ctx("ct flush zone")?)
        }
        T::FlowMod => M::FlowMod(flowmsg::decode_flow_mod(v, is_nx(id), r)?),
        T::FlowRemoved => M::FlowRemoved(flowmsg::decode_flow_removed(v, is_nx(id), r)?),
        T::PacketIn if !is_packet_in2(id) => {
            M::PacketIn(flowmsg::decode_packet_in(v, is_nx(id), r)?)
        }
        T::PacketIn => M::PacketIn2(packet_in2::decode(v, r)?),
        T::Resume => M::Resume(packet_in2::decode(v, r)?),
        T::PacketOut => M::PacketOut(flowmsg::decode_packet_out(v, r)?),
        T::TableStatus => M::TableStatus(table_desc::decode_status(r)?),
        T::TableDescRequest => M::TableDescRequest,
        T::TableDescReply => M::TableDescReply(table_desc::decode_descs(r)?),
        T::FlowMonitorRequest => {
            M::FlowMonitorRequest(monitor::decode_requests(monitor_layout(id), r)?)
        }
        T::FlowMonitorReply => {
            M::FlowMonitorReply(monitor::decode_updates(monitor_layout(id), v, r)?)
        }
        T::FlowMonitorCancel => M::FlowMonitorCancel(r.u32().ctx("flow monitor cancel")?),
        T::FlowMonitorPaused => M::FlowMonitorPaused,
        T::RequestForward => M::RequestForward(Box::new(decode_forwarded(v, r.take_rest())?)),
        T::FlowMonitorResumed => M::FlowMonitorResumed,
        T::FlowStatsRequest => M::FlowStatsRequest(flowmsg::decode_flow_stats_request(
            v,
            is_vendor_stats(id),
            r,
        )?),
        T::AggregateRequest => M::AggregateRequest(flowmsg::decode_flow_stats_request(
            v,
            is_vendor_stats(id),
            r,
        )?),
        T::FlowStatsReply => {
            M::FlowStatsReply(flowmsg::decode_flow_stats(v, is_vendor_stats(id), r)?)
        }
        T::AggregateReply => M::AggregateReply(flowmsg::decode_aggregate(
            !is_vendor_stats(id) && v >= Version::Of15,
            r,
        )?),
        T::GroupMod if is_nx(id) || v >= Version::Of15 => {
            M::GroupMod(group::decode_group_mod15(v, r)?)
        }
        T::GroupMod => M::GroupMod(group::decode_group_mod(v, r)?),
        T::GroupDescRequest => {
            let group_id = if is_vendor_stats(id) || v >= Version::Of15 {
                let g = r.u32().ctx("group desc request")?;
                r.skip(4).ctx("group desc request")?;
                g
            } else {
                group::OFPG_ALL
            };
            M::GroupDescRequest { group_id }
        }
        T::GroupDescReply if is_vendor_stats(id) || v >= Version::Of15 => {
            M::GroupDescReply(group::decode_group_descs15(v, r)?)
        }
        T::GroupDescReply => M::GroupDescReply(group::decode_group_descs(v, r)?),
        T::GroupStatsRequest => {
            let group_id = r.u32().ctx("group stats request")?;
            r.skip(4).ctx("group stats request")?;
            M::GroupStatsRequest { group_id }
        }
        T::GroupStatsReply => M::GroupStatsReply(group::decode_group_stats(
            if is_vendor_stats(id) {
                Version::Of13
            } else {
                v
            },
            r,
        )?),
        _ => M::Opaque(r.take_rest().to_vec()),
    };
    Ok(m)
}

/// The request inside a requestforward: a whole group_mod or meter_mod of
/// the same version.
fn decode_forwarded(v: Version, inner: &[u8]) -> Result<OfpMsg, BodyError> {
    if inner.first().copied() != Some(v.wire()) {
        return Err(BodyError::invalid(
            OfpErr::OFPBRC_BAD_VERSION,
            "forwarded request has another version",
        ));
    }
    let claimed = Header::parse(inner).map_or(0, |h| usize::from(h.length));
    if claimed != inner.len() {
        return Err(BodyError::invalid(
            OfpErr::OFPBFC_MSG_BAD_LEN,
            format!(
                "forwarded request claims {claimed} bytes of {}",
                inner.len()
            ),
        ));
    }
    let m = OfpMsg::decode(inner).map_err(|e| BodyError::invalid(e.ofperr(), e.to_string()))?;
    if !matches!(m.body, Message::GroupMod(_) | Message::MeterMod(_)) {
        return Err(BodyError::invalid(
            OfpErr::OFPBFC_MSG_UNSUP,
            "forwarded request is neither a group_mod nor a meter_mod",
        ));
    }
    Ok(m)
}

fn is_packet_in2(id: RawId) -> bool {
    matches!(id.entry().code, RawCode::Vendor { subtype: 30, .. })
}

/// The flow monitor layout of a raw message: OpenFlow 1.4's for the
/// standard multipart, else the NX or ONF extension's.
pub(crate) fn monitor_layout(id: RawId) -> monitor::Layout {
    match id.entry().code {
        RawCode::Stats { .. } => monitor::Layout::Of14,
        RawCode::VendorStats { vendor, .. } if vendor == raw::ONF_VENDOR => monitor::Layout::Onf,
        _ => monitor::Layout::Nicira,
    }
}

fn is_vendor_stats(id: RawId) -> bool {
    matches!(id.entry().code, RawCode::VendorStats { .. })
}

fn fixed_async(v: Version, id: RawId) -> bool {
    match id.entry().code {
        RawCode::Vendor { subtype, .. } => subtype == 19,
        _ => v <= Version::Of13,
    }
}

fn encode_body(v: Version, id: RawId, m: &Message, w: &mut Writer) -> Result<(), EncodeError> {
    use Message as M;
    let mismatch = || EncodeError::RawMismatch {
        name: id.entry().name,
        version: v,
    };
    match m {
        M::Hello(h) => hello::encode(h, w),
        M::Error(e) => {
            ofp_error::encode(v, e, w).map_err(|err| EncodeError::UnencodableError(err, v))?
        }
        M::EchoRequest(d) | M::EchoReply(d) | M::Opaque(d) => {
            w.bytes(d);
        }
        M::Experimenter { experimenter, data } => {
            w.u32(*experimenter).bytes(data);
        }
        M::FeaturesRequest
        | M::GetConfigRequest
        | M::BarrierRequest
        | M::BarrierReply
        | M::GetAsyncRequest
        | M::DescRequest
        | M::TableStatsRequest
        | M::MeterFeaturesRequest
        | M::GroupFeaturesRequest
        | M::FlowAge
        | M::TlvTableRequest => {}
        M::FeaturesReply(f) => config::encode_features(v, f, w),
        M::GetConfigReply(c) | M::SetConfig(c) => config::encode_config(c, w),
        M::PortStatus(s) => port::encode_status(v, s, w),
        M::PortMod(p) => port::encode_mod(v, p, w),
        M::TableMod(t) => config::encode_table_mod(t, w),
        M::QueueGetConfigRequest { port } => queue::encode_request(v, *port, w),
        M::QueueGetConfigReply(q) => queue::encode_reply(v, q, w),
        M::RoleRequest(r) | M::RoleReply(r) => config::encode_role(is_nx(id), r, w),
        M::RoleStatus(s) => config::encode_role_status(s, w),
        M::GetAsyncReply(c) | M::SetAsync(c) => config::encode_async(fixed_async(v, id), c, w),
        M::MeterMod(mm) => meter::encode_meter_mod(mm, w),
        M::BundleControl(c) => bundle::encode_ctrl(c, w),
        M::BundleAdd(a) => bundle::encode_add(a, w),
        M::DescReply(d) => stats::encode_desc(d, w),
        M::TableStatsReply(t) => {
            if v == Version::Of11 || v == Version::Of12 {
                return Err(mismatch());
            }
            stats::encode_table_stats(v, t, w)
        }
        M::PortStatsRequest { port } => stats::encode_port_request(v, *port, w),
        M::PortStatsReply(s) => stats::encode_port_stats(v, s, w),
        M::QueueStatsRequest { port, queue } | M::QueueDescRequest { port, queue } => {
            stats::encode_queue_request(v, *port, *queue, w)
        }
        M::QueueStatsReply(q) => stats::encode_queue_stats(v, q, w),
        M::PortDescRequest { port } => {
            if v >= Version::Of15 {
                stats::encode_port_request(v, *port, w)
            }
        }
        M::PortDescReply(ps) => {
            for p in ps {
                port::encode_port(v, p, w);
            }
        }
        M::QueueDescReply(q) => queue::encode_queue_descs(q, w),
        M::MeterStatsRequest { meter_id } | M::MeterConfigRequest { meter_id } => {
            meter::encode_meter_request(*meter_id, w)
        }
        M::MeterStatsReply(s) => meter::encode_meter_stats(s, w),
        M::MeterConfigReply(c) => meter::encode_meter_configs(c, w),
        M::MeterFeaturesReply(f) => meter::encode_meter_features(f, w),
        M::GroupFeaturesReply(g) => {
            if is_vendor_stats(id) {
                return Err(mismatch());
            }
            meter::encode_group_features(g, w)
        }
        M::TableFeaturesRequest(t) | M::TableFeaturesReply(t) => table_features::encode(t, w),
        M::SetFlowFormat(x) | M::SetPacketInFormat(x) => {
            w.u32(*x);
        }
        M::FlowModTableId(x) => {
            w.u8(*x).zeros(7);
        }
        M::SetControllerId(x) | M::CtFlushZone(x) => {
            w.zeros(6).u16(*x);
        }
        M::FlowMod(fm) => flowmsg::encode_flow_mod(v, is_nx(id), fm, w),
        M::FlowRemoved(f) => flowmsg::encode_flow_removed(v, is_nx(id), f, w),
        M::PacketIn(p) => {
            if is_packet_in2(id) {
                return Err(mismatch());
            }
            flowmsg::encode_packet_in(v, is_nx(id), p, w)
        }
        M::PacketOut(p) => flowmsg::encode_packet_out(v, p, w),
        M::PacketIn2(p) => {
            if !is_packet_in2(id) {
                return Err(mismatch());
            }
            packet_in2::encode(v, p, w)
        }
        M::Resume(p) => packet_in2::encode(v, p, w),
        M::TableStatus(t) => table_desc::encode_status(t, w),
        M::TableDescRequest | M::FlowMonitorPaused | M::FlowMonitorResumed => {}
        M::TableDescReply(d) => table_desc::encode_descs(d, w),
        M::FlowMonitorRequest(q) => monitor::encode_requests(monitor_layout(id), v, q, w),
        M::FlowMonitorReply(u) => {
            let layout = monitor_layout(id);
            if layout != monitor::Layout::Of14
                && u.iter()
                    .any(|x| matches!(x, FlowUpdate::Paused | FlowUpdate::Resumed))
            {
                return Err(mismatch());
            }
            monitor::encode_updates(layout, v, u, w)
        }
        M::FlowMonitorCancel(x) => {
            w.u32(*x);
        }
        M::RequestForward(inner) => {
            if inner.version != v {
                return Err(mismatch());
            }
            w.bytes(&inner.encode()?);
        }
        M::FlowStatsRequest(q) | M::AggregateRequest(q) => {
            flowmsg::encode_flow_stats_request(v, is_vendor_stats(id), q, w)
        }
        M::FlowStatsReply(s) => flowmsg::encode_flow_stats(v, is_vendor_stats(id), s, w),
        M::AggregateReply(a) => {
            flowmsg::encode_aggregate(!is_vendor_stats(id) && v >= Version::Of15, a, w)
        }
        M::GroupMod(g) => {
            if is_nx(id) || v >= Version::Of15 {
                group::encode_group_mod15(g, w)
            } else {
                group::encode_group_mod(g, w)
            }
        }
        M::GroupDescRequest { group_id } => {
            if is_vendor_stats(id) || v >= Version::Of15 {
                w.u32(*group_id).zeros(4);
            } else if *group_id != group::OFPG_ALL {
                return Err(mismatch());
            }
        }
        M::GroupDescReply(d) => {
            if is_vendor_stats(id) || v >= Version::Of15 {
                group::encode_group_descs15(d, w)
            } else {
                group::encode_group_descs(d, w)
            }
        }
        M::GroupStatsRequest { group_id } => {
            w.u32(*group_id).zeros(4);
        }
        M::GroupStatsReply(s) => group::encode_group_stats(
            if is_vendor_stats(id) {
                Version::Of13
            } else {
                v
            },
            s,
            w,
        ),
    }
    Ok(())
}
