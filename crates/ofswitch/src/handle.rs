//! Dispatch of decoded messages, and the handlers of the single-message requests: echo,
//! features, switch configuration, barrier, roles, asynchronous configuration, the small
//! Nicira extensions (flow format, flow_mod table id, packet-in format, controller id),
//! port_mod, table_mod, queue configuration and packet_out.
//!
//! Each handler returns `Err(OfpErr)` for the error Open vSwitch sends; the caller turns it
//! into an `OFPT_ERROR` carrying the start of the request. Requests that change the switch
//! are refused with `OFPBRC_IS_SECONDARY` on a connection in the secondary role.

use ofproto_tables::TableMiss;
use openflow::msgs::config::{self, Role as WireRole, RoleMsg, RoleStatus, SwitchConfig};
use openflow::msgs::flow::NO_BUFFER;
use openflow::msgs::port::PortStatus;
use openflow::msgs::queue::{PacketQueue, QueueConfigReply};
use openflow::msgs::{ofpp, port_to_of10};
use openflow::{Message, MsgType, OfpErr, OfpMsg, RawId, Version};

use crate::conn::{oam, AsyncMasks, Role};
use crate::{encode_msg, ConnId, ConnKind, Outgoing, Switch, SwitchEnv};

/// `OFPC_INVALID_TTL_TO_CONTROLLER`.
const INVALID_TTL_TO_CONTROLLER: u16 = 4;

impl Switch {
    /// Sends `body` on `conn` as a reply to `req` (same version and xid).
    pub(crate) fn reply(&self, conn: ConnId, req: &OfpMsg, body: Message, out: &mut Vec<Outgoing>) {
        if let Some(b) = encode_msg(req.version, req.xid, None, 0, body) {
            out.push(Outgoing::Send(conn, b));
        }
    }

    /// Sends `body` with an explicit raw identity (e.g. the Nicira form of a reply).
    pub(crate) fn reply_raw(
        &self,
        conn: ConnId,
        req: &OfpMsg,
        raw: Option<RawId>,
        body: Message,
        out: &mut Vec<Outgoing>,
    ) {
        if let Some(b) = encode_msg(req.version, req.xid, raw, 0, body) {
            out.push(Outgoing::Send(conn, b));
        }
    }

    pub(crate) fn reject_secondary(&self, conn: ConnId) -> Result<(), OfpErr> {
        match self.conns.get(&conn) {
            Some(c) if c.role == Role::Secondary => Err(OfpErr::OFPBRC_IS_SECONDARY),
            _ => Ok(()),
        }
    }

    /// Handles one decoded message.
    pub(crate) fn dispatch(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        bytes: &[u8],
        env: &mut dyn SwitchEnv,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), OfpErr> {
        use Message as M;
        match &m.body {
            M::Hello(_) | M::Error(_) | M::EchoReply(_) => Ok(()),
            M::EchoRequest(d) => {
                self.reply(conn, m, M::EchoReply(d.clone()), out);
                Ok(())
            }
            M::FeaturesRequest => {
                let f = self.features_reply(m.version);
                self.reply(conn, m, M::FeaturesReply(f), out);
                Ok(())
            }
            M::GetConfigRequest => {
                let c = self.conns.get(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                let mut flags = self.frag;
                if c.invalid_ttl_to_controller && m.version < Version::Of13 {
                    flags |= INVALID_TTL_TO_CONTROLLER;
                }
                let cfg = SwitchConfig {
                    flags,
                    miss_send_len: c.miss_send_len,
                };
                self.reply(conn, m, M::GetConfigReply(cfg), out);
                Ok(())
            }
            M::SetConfig(cfg) => {
                // Fragment handling and invalid_ttl_to_controller are the only flags.
                if cfg.flags & !0x7 != 0 {
                    return Err(OfpErr::OFPSCFC_BAD_FLAGS);
                }
                self.set_config(conn, m.version, cfg);
                Ok(())
            }
            M::BarrierRequest => {
                self.reply(conn, m, M::BarrierReply, out);
                Ok(())
            }
            M::RoleRequest(r) => self.role_request(conn, m, r, out),
            M::GetAsyncRequest => {
                let c = self.conns.get(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                let cfg = c.masks().to_config(m.version);
                self.reply(conn, m, M::GetAsyncReply(cfg), out);
                Ok(())
            }
            M::SetAsync(cfg) => {
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                let mut masks = c.masks();
                masks.apply(m.version, cfg);
                c.async_masks = Some(masks);
                Ok(())
            }
            M::SetFlowFormat(f) => {
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                match *f {
                    config::flow_format::OPENFLOW10 => c.nxm = false,
                    config::flow_format::NXM => c.nxm = true,
                    _ => return Err(OfpErr::OFPBRC_EPERM),
                }
                Ok(())
            }
            M::FlowModTableId(x) => {
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                c.flow_mod_table_id = *x != 0;
                Ok(())
            }
            M::SetPacketInFormat(f) => {
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                if *f > config::packet_in_format::NXT_PACKET_IN2 {
                    return Err(OfpErr::OFPBRC_EPERM);
                }
                c.packet_in_format = *f;
                Ok(())
            }
            M::SetControllerId(id) => {
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                c.controller_id = *id;
                Ok(())
            }
            M::FlowAge => Ok(()),
            M::FlowMonitorCancel(id) => self.flow_monitor_cancel(conn, *id),
            M::CtFlushZone(zone) => {
                self.reject_secondary(conn)?;
                env.ct_flush(*zone)
            }
            M::TlvTableRequest => {
                let body = crate::tlv::reply_body(&self.tlv_map);
                let raw = RawId::all().find(|r| r.entry().ty == MsgType::TlvTableReply);
                self.reply_raw(conn, m, raw, M::Opaque(body), out);
                Ok(())
            }
            M::Opaque(body) => match m.raw.map(|r| r.entry().ty) {
                Some(MsgType::TlvTableMod) => {
                    self.reject_secondary(conn)?;
                    crate::tlv::table_mod(&mut self.tlv_map, body)
                }
                Some(MsgType::CtFlush) => {
                    self.reject_secondary(conn)?;
                    // zone_id:16, pad:48, then tuple properties (not applied).
                    let zone = body
                        .get(..2)
                        .and_then(|z| <[u8; 2]>::try_from(z).ok())
                        .map_or(0, u16::from_be_bytes);
                    env.ct_flush(zone)
                }
                Some(MsgType::IpfixBridgeStatsRequest | MsgType::IpfixFlowStatsRequest) => {
                    Err(OfpErr::NXST_NOT_CONFIGURED)
                }
                _ => match self.stats_request(conn, m, bytes, env)? {
                    Some(r) => {
                        out.extend(r);
                        Ok(())
                    }
                    None => Err(OfpErr::OFPBRC_BAD_TYPE),
                },
            },
            M::PortMod(pm) => self.port_mod(conn, pm, env, out),
            M::TableMod(tm) => {
                self.table_mod(conn, m.version, tm)?;
                env.tables_changed(&self.snap);
                Ok(())
            }
            M::QueueGetConfigRequest { port } => {
                let port = crate::port32(*port)?;
                // OpenFlow 1.0 names one real port (OFPP_NONE and reserved ports are bad).
                if m.version == Version::Of10 && port >= 0xff00 {
                    return Err(OfpErr::OFPQOFC_BAD_PORT);
                }
                let queues = self.queues(port, OfpErr::OFPQOFC_BAD_PORT)?;
                let reply = QueueConfigReply { port, queues };
                self.reply(conn, m, M::QueueGetConfigReply(reply), out);
                Ok(())
            }
            M::PacketOut(po) => self.packet_out(conn, m.version, po, env),
            M::FlowMod(_) | M::GroupMod(_) | M::MeterMod(_) => {
                self.reject_secondary(conn)?;
                let now = env.now_ms();
                let item = self.decode_mod(conn, m, now, true)?;
                self.apply_mods(conn, vec![item], env, out)
            }
            M::BundleControl(bc) => self.bundle_control(conn, m, bc, env, out),
            M::BundleAdd(ba) => self.bundle_add(conn, m, ba, env),
            // Shorter than a vendor header plus subtype: OVS cannot even look at it.
            M::Experimenter { .. } if bytes.len() < 16 => Err(OfpErr::OFPBRC_BAD_LEN),
            M::Experimenter { .. } => Err(OfpErr::OFPBRC_BAD_VENDOR),
            // A multipart request announcing more parts (OpenFlow 1.3+): OVS waits for the
            // rest; none of the requests served here may have several parts, so the last
            // part gets OFPBRC_BAD_STAT (or, if it never comes, a timeout error from
            // `run_timers`).
            _ if m.stats_flags & 1 != 0 && m.version >= Version::Of13 && is_request(m) => {
                let now = env.now_ms();
                let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
                if c.pending_multipart.as_ref().map(|p| p.0) != Some(m.xid) {
                    c.pending_multipart = Some((m.xid, bytes.to_vec(), now));
                }
                Ok(())
            }
            _ if is_request(m)
                && self
                    .conns
                    .get(&conn)
                    .and_then(|c| c.pending_multipart.as_ref())
                    .is_some_and(|p| p.0 == m.xid) =>
            {
                // The last part: requests whose parts all have empty bodies are answered,
                // others refused.
                let first = self
                    .conns
                    .get_mut(&conn)
                    .and_then(|c| c.pending_multipart.take())
                    .map(|p| p.1)
                    .unwrap_or_default();
                let hdr = m.raw.map_or(16, |r| r.header_len(m.version));
                if first.len() == hdr && bytes.len() == hdr {
                    let m = OfpMsg {
                        stats_flags: 0,
                        ..m.clone()
                    };
                    return self.dispatch(conn, &m, bytes, env, out);
                }
                Err(OfpErr::OFPBRC_BAD_STAT)
            }
            _ => {
                if let Some(r) = self.stats_request(conn, m, bytes, env)? {
                    out.extend(r);
                    Ok(())
                } else {
                    Err(OfpErr::OFPBRC_BAD_TYPE)
                }
            }
        }
    }

    fn set_config(&mut self, conn: ConnId, v: Version, cfg: &SwitchConfig) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        if c.kind != ConnKind::Controller || c.role != Role::Secondary {
            let frag = cfg.flags & config::frag::MASK;
            // Reassembly is not supported by the userspace datapath: OVS logs and keeps
            // the old mode.
            if frag != config::frag::REASM {
                self.frag = frag;
            }
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            if v < Version::Of13 {
                c.invalid_ttl_to_controller = cfg.flags & INVALID_TTL_TO_CONTROLLER != 0;
            }
            c.miss_send_len = cfg.miss_send_len;
        }
    }

    fn role_request(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        r: &RoleMsg,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), OfpErr> {
        let nx = r.generation_id.is_none();
        let new_role = match r.role {
            WireRole::NoChange if !nx => None,
            WireRole::Equal => Some(Role::Equal),
            WireRole::Primary => Some(Role::Primary),
            WireRole::Secondary => Some(Role::Secondary),
            _ => return Err(OfpErr::OFPRRFC_BAD_ROLE),
        };
        if !self.conns.contains_key(&conn) {
            return Err(OfpErr::OFPBRC_EPERM);
        }
        if let Some(role) = new_role {
            if role != Role::Equal {
                if let Some(gen) = r.generation_id {
                    if let Some(cur) = self.election_id {
                        if (gen.wrapping_sub(cur) as i64) < 0 {
                            return Err(OfpErr::OFPRRFC_STALE);
                        }
                    }
                    self.election_id = Some(gen);
                }
            }
            if role == Role::Primary {
                let others: Vec<ConnId> = self
                    .conns
                    .iter()
                    .filter(|(id, c)| **id != conn && c.role == Role::Primary)
                    .map(|(id, _)| *id)
                    .collect();
                for o in others {
                    if let Some(c) = self.conns.get_mut(&o) {
                        c.role = Role::Secondary;
                    }
                    self.role_status(o, out);
                }
            }
            if let Some(c) = self.conns.get_mut(&conn) {
                c.role = role;
            }
        }
        let role = self.conns.get(&conn).map_or(Role::Equal, |c| c.role);
        let wire = match role {
            Role::Equal => WireRole::Equal,
            Role::Primary => WireRole::Primary,
            Role::Secondary => WireRole::Secondary,
        };
        let raw = if nx {
            RawId::all().find(|id| id.entry().name == "NXT_ROLE_REPLY")
        } else {
            None
        };
        let reply = RoleMsg {
            role: wire,
            generation_id: if nx {
                None
            } else {
                Some(self.election_id.unwrap_or(0))
            },
        };
        self.reply_raw(conn, m, raw, Message::RoleReply(reply), out);
        Ok(())
    }

    /// Tells `conn` it was demoted to secondary by another controller's request.
    fn role_status(&self, conn: ConnId, out: &mut Vec<Outgoing>) {
        let Some(c) = self.conns.get(&conn) else {
            return;
        };
        let Some(v) = c.version else {
            return;
        };
        // As observed in OVS, every connection that can express it (OpenFlow 1.3+) is
        // told, whatever its asynchronous configuration or kind.
        if v < Version::Of13 {
            return;
        }
        let status = RoleStatus {
            role: WireRole::Secondary,
            reason: 0,
            generation_id: self.election_id.unwrap_or(0),
            props: Vec::new(),
        };
        if let Some(b) = encode_msg(v, 0, None, 0, Message::RoleStatus(status)) {
            out.push(Outgoing::Send(conn, b));
        }
    }

    fn port_mod(
        &mut self,
        conn: ConnId,
        pm: &openflow::msgs::port::PortMod,
        env: &mut dyn SwitchEnv,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), OfpErr> {
        self.reject_secondary(conn)?;
        let p16 = port_to_of10(crate::port32(pm.port_no)?).ok_or(OfpErr::OFPPMFC_BAD_PORT)?;
        let idx = self
            .ports
            .iter()
            .position(|p| p.ofp_port == p16)
            .ok_or(OfpErr::OFPPMFC_BAD_PORT)?;
        let port = self.ports.get(idx).ok_or(OfpErr::OFPPMFC_BAD_PORT)?;
        if port.hw_addr != pm.hw_addr {
            return Err(OfpErr::OFPPMFC_BAD_HW_ADDR);
        }
        // OFPPC_PORT_DOWN, NO_STP, NO_RECV, NO_RECV_STP, NO_FLOOD, NO_FWD, NO_PACKET_IN.
        const SETTABLE: u32 = 0x7f;
        let mask = pm.mask & SETTABLE;
        env.port_mod(p16, pm.config & mask, mask)?;
        let new_config = (port.config & !mask) | (pm.config & mask);
        if new_config != port.config {
            let mut ports = self.ports.clone();
            if let Some(p) = ports.get_mut(idx) {
                p.config = new_config;
            }
            out.extend(self.set_ports(ports));
            env.tables_changed(&self.snap);
        }
        Ok(())
    }

    fn table_mod(
        &mut self,
        conn: ConnId,
        v: Version,
        tm: &openflow::msgs::config::TableMod,
    ) -> Result<(), OfpErr> {
        self.reject_secondary(conn)?;
        let n = self.info.n_tables;
        let tables: Vec<u8> = if tm.table_id == 0xff {
            (0..n).collect()
        } else if tm.table_id < n {
            vec![tm.table_id]
        } else {
            return Err(OfpErr::OFPTMFC_BAD_TABLE);
        };
        // OpenFlow 1.1/1.2 table-miss config. As observed in OVS, "controller" (0, the
        // default) leaves the table's setting alone.
        let miss = match v {
            Version::Of11 | Version::Of12 => match tm.config & 3 {
                0 => None,
                1 => Some(TableMiss::Continue),
                2 => Some(TableMiss::Drop),
                _ => return Err(OfpErr::OFPTMFC_BAD_CONFIG),
            },
            _ => None,
        };
        let eviction = if v >= Version::Of14 {
            Some(tm.config & 4 != 0)
        } else {
            None
        };
        for t in tables {
            let Some(mut cfg) = self.snap.tables.table_config(t).cloned() else {
                continue;
            };
            if let Some(mi) = miss {
                cfg.miss = mi;
            }
            if let Some(e) = eviction {
                cfg.eviction = e;
            }
            self.snap
                .tables
                .set_table_config(t, cfg)
                .map_err(|_| OfpErr::OFPTMFC_BAD_TABLE)?;
        }
        Ok(())
    }

    /// The queues of `port` (`OFPP_ANY`: every port): queue 0 of each, without properties
    /// (no QoS configured).
    pub(crate) fn queues(&self, port: u32, bad: OfpErr) -> Result<Vec<PacketQueue>, OfpErr> {
        let ports: Vec<u32> = if port == ofpp::ANY || port == ofpp::ALL || port == 0xffff {
            self.ports
                .iter()
                .map(|p| openflow::msgs::port_from_of10(p.ofp_port))
                .collect()
        } else {
            let p16 = port_to_of10(port).ok_or(bad)?;
            if self.port(p16).is_none() {
                return Err(bad);
            }
            vec![port]
        };
        Ok(ports
            .into_iter()
            .map(|port| PacketQueue {
                queue_id: 0,
                port,
                props: Vec::new(),
            })
            .collect())
    }

    fn packet_out(
        &mut self,
        conn: ConnId,
        _v: Version,
        po: &openflow::msgs::flow::PacketOut,
        env: &mut dyn SwitchEnv,
    ) -> Result<(), OfpErr> {
        self.reject_secondary(conn)?;
        let (in_port, acts) = decode_packet_out(po)?;
        self.check_action_refs(&acts)?;
        env.packet_out(&self.snap, in_port, &acts, &po.data)
    }

    /// Sends `PORT_STATUS` about `p` with `reason` to every connection that wants it.
    pub(crate) fn port_status(&self, reason: u8, p: &crate::PortDesc, out: &mut Vec<Outgoing>) {
        for (id, c) in &self.conns {
            let Some(v) = c.version else {
                continue;
            };
            if !c.wants(oam::PORT_STATUS, reason) {
                continue;
            }
            let status = PortStatus {
                reason,
                port: crate::features::wire_port(v, p),
            };
            if let Some(b) = encode_msg(v, 0, None, 0, Message::PortStatus(status)) {
                out.push(Outgoing::Send(*id, b));
            }
        }
    }
}

/// Validates a packet-out (buffer, input port, actions against the packet) and returns
/// its input port (OVS numbering) and actions. References to groups and meters are
/// checked by the caller, when the packet is sent.
pub(crate) fn decode_packet_out(
    po: &openflow::msgs::flow::PacketOut,
) -> Result<(u16, Vec<ofp_actions::Action>), OfpErr> {
    if po.buffer_id != NO_BUFFER {
        return Err(OfpErr::OFPBRC_BUFFER_UNKNOWN);
    }
    let in_port32 = po
        .match_
        .exact_value(flow::FieldId::InPort)
        .map_or(ofpp::ANY, |p| openflow::msgs::port_from_of10(p as u16));
    let in_port = match in_port32 {
        ofpp::ANY => 0xffff,
        p => port_to_of10(p).ok_or(OfpErr::OFPBRC_BAD_PORT)?,
    };
    // In-port must be a real port number, LOCAL, CONTROLLER or NONE.
    if in_port >= 0xff00 && ![0xfffe, 0xfffd, 0xffff].contains(&in_port) {
        return Err(OfpErr::OFPBRC_BAD_PORT);
    }
    if po.actions.bytes.len() % 8 != 0 {
        return Err(OfpErr::OFPBRC_BAD_LEN);
    }
    let av = actions_version(po.actions.version);
    let acts = ofp_actions::decode_actions(&po.actions.bytes, av)
        .map_err(|e| OfpErr::from_name(e.code).unwrap_or(OfpErr::OFPBAC_BAD_TYPE))?;
    let mut fl = flow::Flow::default();
    let md = flow::Metadata {
        in_port,
        ..flow::Metadata::default()
    };
    flow::extract(&po.data, &md, &mut fl);
    let pkt_match = flow::Match::new(fl, flow::FlowWildcards::exact());
    let cx = ofp_actions::CheckContext {
        flow_match: &pkt_match,
        version: av,
        table_id: None,
    };
    crate::mods::check_result(ofp_actions::check_actions(&acts, &cx))?;
    Ok((in_port, acts))
}

/// Whether `m` is a multipart request.
fn is_request(m: &OfpMsg) -> bool {
    m.raw.is_some_and(|r| {
        matches!(
            r.entry().code,
            openflow::RawCode::Stats { reply: false, .. }
                | openflow::RawCode::VendorStats { reply: false, .. }
        )
    })
}

/// The `ofp-actions` version for an OpenFlow version.
pub(crate) fn actions_version(v: Version) -> ofp_actions::Version {
    ofp_actions::Version::from_wire(v.wire()).unwrap_or(ofp_actions::Version::Of10)
}

/// Default masks re-exported for tests.
#[allow(dead_code)]
pub(crate) fn default_masks(v: Version) -> AsyncMasks {
    AsyncMasks::default_for(v)
}
