//! Asynchronous messages to controllers: `FLOW_REMOVED` and `PACKET_IN` (port status is in
//! [`crate::handle`], role status with role requests).
//!
//! Each goes to every connection that wants it ([`crate::ConnState::wants`]), encoded for
//! that connection: its version, and for OpenFlow 1.0 its flow format (`NXT_FLOW_REMOVED`
//! after `NXT_SET_FLOW_FORMAT` to NXM); packet-ins in the connection's packet-in format
//! (standard, `NXT_PACKET_IN`, or `NXT_PACKET_IN2`). Reasons that a version lacks are
//! mapped to the nearest older one (OpenFlow 1.4's `action_set`, `group` and `packet_out`
//! packet-in reasons become `action`; `group_delete`/`meter_delete`/`eviction` removal
//! reasons become `delete` where they do not exist).

use flow::{FieldId, Match};
use ofproto_tables::{FlowRemoved, RemovedReason};
use openflow::msgs::flow::{FlowRemoved as WireFlowRemoved, PacketIn as WirePacketIn, NO_BUFFER};
use openflow::octets::Writer;
use openflow::ofmatch::{encode_nxm, Dialect};
use openflow::{Message, MsgType, RawId, Version};

use crate::conn::oam;
use crate::{encode_msg, Outgoing, Switch};

/// A packet for the controllers (from a table miss or a `controller` action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    /// Input port (OVS numbering).
    pub in_port: u16,
    /// Reason (`OFPR_*` of OpenFlow 1.4: 0 no_match, 1 action, 2 invalid_ttl,
    /// 3 action_set, 4 group, 5 packet_out).
    pub reason: u8,
    /// Table of the flow that sent it.
    pub table_id: u8,
    /// Cookie of that flow.
    pub cookie: u64,
    /// The packet.
    pub packet: Vec<u8>,
    /// Bytes to send (`controller(max_len=)`); `None`: the connection's `miss_send_len`.
    pub max_len: Option<u16>,
    /// Only connections with this controller id get it (`controller(id=)`, default 0).
    pub controller_id: u16,
    /// Pipeline metadata to report (registers, metadata, tunnel fields); `in_port` is set
    /// from `in_port`.
    pub metadata: Match,
}

fn removed_reason(r: RemovedReason) -> u8 {
    match r {
        RemovedReason::IdleTimeout => 0,
        RemovedReason::HardTimeout => 1,
        RemovedReason::Delete => 2,
        RemovedReason::GroupDelete => 3,
        RemovedReason::MeterDelete => 4,
        RemovedReason::Eviction => 5,
    }
}

/// The reason as `v` can express it.
fn wire_removed_reason(reason: u8, v: Version) -> u8 {
    let max = match v {
        Version::Of14 | Version::Of15 => 5,
        Version::Of13 => 3,
        _ => 2,
    };
    if reason > max {
        2
    } else {
        reason
    }
}

impl Switch {
    /// Sends `FLOW_REMOVED` for `fr` to the connections that want it.
    pub(crate) fn flow_removed(&self, fr: &FlowRemoved, out: &mut Vec<Outgoing>) {
        let reason = removed_reason(fr.reason);
        for (id, c) in &self.conns {
            let Some(v) = c.version else {
                continue;
            };
            if !c.wants(oam::FLOW_REMOVED, reason) {
                continue;
            }
            let body = WireFlowRemoved {
                match_: fr.match_,
                cookie: fr.cookie,
                priority: fr.priority,
                reason: wire_removed_reason(reason, v),
                table_id: fr.table_id,
                duration_sec: u32::try_from(fr.duration_ms / 1000).unwrap_or(u32::MAX),
                duration_nsec: u32::try_from((fr.duration_ms % 1000) * 1_000_000).unwrap_or(0),
                idle_timeout: fr.idle_timeout,
                hard_timeout: fr.hard_timeout,
                packet_count: fr.packet_count,
                byte_count: fr.byte_count,
            };
            let raw = if v == Version::Of10 && c.nxm {
                RawId::all().find(|r| r.entry().name == "NXT_FLOW_REMOVED")
            } else {
                None
            };
            if let Some(b) = encode_msg(v, 0, raw, 0, Message::FlowRemoved(body)) {
                out.push(Outgoing::Send(*id, b));
            }
        }
    }

    /// Sends a packet-in to every connection that wants it, each in its own format.
    pub fn packet_in(&mut self, pi: PacketIn) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for (id, c) in &self.conns {
            let Some(v) = c.version else {
                continue;
            };
            if c.controller_id != pi.controller_id || !c.wants(oam::PACKET_IN, pi.reason) {
                continue;
            }
            let max = usize::from(pi.max_len.unwrap_or(c.miss_send_len));
            let data = pi.packet.get(..max.min(pi.packet.len())).unwrap_or(&[]);
            let total_len = u16::try_from(pi.packet.len()).unwrap_or(u16::MAX);
            let reason = if v < Version::Of14 && pi.reason > 2 {
                1
            } else {
                pi.reason
            };
            let mut md = pi.metadata;
            md.set_raw(FieldId::InPort, u128::from(pi.in_port), 0xffff);
            let bytes = if c.packet_in_format == 2 {
                packet_in2(v, &pi, &md, data, reason)
            } else {
                let raw = if c.packet_in_format == 1 {
                    RawId::all().find(|r| r.entry().name == "NXT_PACKET_IN")
                } else {
                    None
                };
                let body = WirePacketIn {
                    buffer_id: NO_BUFFER,
                    total_len,
                    reason,
                    table_id: pi.table_id,
                    cookie: pi.cookie,
                    in_phy_port: 0,
                    match_: md,
                    data: data.to_vec(),
                };
                encode_msg(v, 0, raw, 0, Message::PacketIn(body))
            };
            if let Some(b) = bytes {
                out.push(Outgoing::Send(*id, b));
            }
        }
        out
    }
}

/// `NXT_PACKET_IN2`: a list of properties (`NXPINT_*`).
fn packet_in2(v: Version, pi: &PacketIn, md: &Match, data: &[u8], reason: u8) -> Option<Vec<u8>> {
    let mut w = Writer::new();
    let prop = |w: &mut Writer, ty: u16, f: &dyn Fn(&mut Writer)| {
        let start = w.len();
        w.u16(ty);
        let at = w.placeholder_u16();
        f(w);
        let len = w.len() - start;
        w.patch_u16(at, u16::try_from(len).unwrap_or(u16::MAX));
        w.pad_to(start, 8);
    };
    prop(&mut w, 0, &|w| {
        w.bytes(data);
    });
    if data.len() < pi.packet.len() {
        let full = u32::try_from(pi.packet.len()).unwrap_or(u32::MAX);
        prop(&mut w, 1, &|w| {
            w.u32(full);
        });
    }
    prop(&mut w, 3, &|w| {
        w.u8(pi.table_id);
    });
    // 64-bit property values are 8-byte aligned: 4 bytes of padding first.
    prop(&mut w, 4, &|w| {
        w.zeros(4).u64(pi.cookie);
    });
    prop(&mut w, 5, &|w| {
        w.u8(reason);
    });
    prop(&mut w, 6, &|w| {
        encode_nxm(md, Dialect::Nxm, w);
    });
    let raw = RawId::all()
        .find(|r| r.entry().ty == MsgType::PacketIn && r.entry().name == "NXT_PACKET_IN2");
    encode_msg(v, 0, raw, 0, Message::Opaque(w.into_vec()))
}
