//! flow_mod, group_mod and meter_mod: from the wire to the `ofproto-tables` requests, with
//! Open vSwitch's validation, and bundles (open / add / close / commit / discard).
//!
//! Decoding a modification (`Switch::decode_mod`) does everything that can fail before
//! the tables are touched: the command and table id (with the `NXT_FLOW_MOD_TABLE_ID`
//! rule for OpenFlow 1.0 and Nicira flow_mods), the cookie rules of the version
//! ([`ofproto_tables::FlowMod::set_wire_cookie`]), decoding the instructions, checking them
//! against the match ([`ofp_actions::check_actions`]: `OFPBAC_BAD_OUT_PORT`,
//! `OFPBAC_MATCH_INCONSISTENT`, ...), against the switch (`goto_table` past the last table:
//! `OFPBIC_BAD_TABLE_ID`; a group that does not exist: `OFPBAC_BAD_OUT_GROUP`; a meter that
//! does not exist: `OFPMMFC_INVALID_METER`). Bundled messages (flow_mods, group_mods,
//! packet-outs) are decoded the same way when they are added, so a malformed one is
//! refused by its `BUNDLE_ADD`; their references to groups and meters are checked at
//! commit, in order, as in OVS (a flow_mod may use a group that an earlier message of
//! the bundle adds).
//!
//! Applying (`Switch::apply_mods`) runs consecutive flow_mods as one atomic
//! [`ofproto_tables::OfprotoTables::apply_batch`], then tells the daemon
//! ([`crate::SwitchEnv::tables_changed`]) and sends `FLOW_REMOVED` for removed rules with
//! `send_flow_rem`.

use ofp_actions::{Action, ActionError};
use ofproto::OfActions;
use ofproto_tables::{
    Bucket, BucketPosition, FlowMod, FlowModCommand, GroupCommand, GroupMod, GroupType, MeterBand,
    MeterCommand, MeterFlags, MeterMod, OfVersion, OfpError, TABLE_ALL,
};
use openflow::msgs::bundle::{ctrl_type, BundleAdd, BundleCtrl};
use openflow::msgs::flow::{fmc, fmf, FlowMod as WireFlowMod, NO_BUFFER, OFPG_ANY};
use openflow::msgs::group::GroupMod as WireGroupMod;
use openflow::msgs::meter::{BandKind, MeterMod as WireMeterMod};
use openflow::msgs::ofpp;
use openflow::{Header, Message, OfpErr, OfpMsg, RawCode, Version};

use crate::conn::{Bundle, ConnState};
use crate::handle::actions_version;
use crate::{encode_msg, error_bytes, ConnId, Outgoing, Switch, SwitchEnv};

/// A decoded, validated modification (alone or in a bundle).
#[derive(Debug, Clone)]
pub(crate) enum ModItem {
    Flow {
        fm: Box<FlowMod<OfActions>>,
        buffered: bool,
    },
    Group(GroupMod<OfActions>),
    Meter(MeterMod),
    /// A bundled packet-out: input port, actions, packet.
    PacketOut(u16, Vec<Action>, Vec<u8>),
}

/// A bundled message: its bytes (for error replies) and what it does.
#[derive(Debug, Clone)]
pub(crate) struct BundledMsg {
    bytes: Vec<u8>,
    item: ModItem,
}

/// Maps a table error onto the wire error.
pub(crate) fn table_err(e: OfpError) -> OfpErr {
    OfpErr::from_name(e.name()).unwrap_or(OfpErr::OFPFMFC_UNKNOWN)
}

/// Maps an action-check result onto the wire error OVS's switch sends.
pub(crate) fn check_result(r: Result<(), ActionError>) -> Result<(), OfpErr> {
    match r {
        Ok(()) => Ok(()),
        Err(ActionError::Inconsistent(code)) => {
            Err(OfpErr::from_name(code).unwrap_or(OfpErr::OFPBAC_MATCH_INCONSISTENT))
        }
        Err(_) => Err(OfpErr::OFPBAC_MATCH_INCONSISTENT),
    }
}

fn of_version(v: Version) -> OfVersion {
    match v {
        Version::Of10 => OfVersion::Of10,
        Version::Of11 => OfVersion::Of11,
        Version::Of12 => OfVersion::Of12,
        Version::Of13 => OfVersion::Of13,
        Version::Of14 => OfVersion::Of14,
        Version::Of15 => OfVersion::Of15,
    }
}

fn is_nx(m: &OfpMsg) -> bool {
    m.raw
        .is_some_and(|r| matches!(r.entry().code, RawCode::Vendor { .. }))
}

fn decode_err(e: ofp_actions::DecodeError) -> OfpErr {
    OfpErr::from_name(e.code).unwrap_or(OfpErr::OFPBAC_BAD_TYPE)
}

impl Switch {
    /// Checks references from actions to groups and meters, and `goto_table` bounds.
    pub(crate) fn check_action_refs(&self, acts: &[Action]) -> Result<(), OfpErr> {
        for a in acts {
            match a {
                Action::Group(g) if self.snap.groups.get(*g).is_none() => {
                    return Err(OfpErr::OFPBAC_BAD_OUT_GROUP);
                }
                Action::Meter(m) if self.meters.get(*m).is_none() => {
                    return Err(OfpErr::OFPMMFC_INVALID_METER);
                }
                Action::GotoTable(t) if usize::from(*t) >= ofproto_tables::N_TABLES => {
                    return Err(OfpErr::OFPBIC_BAD_TABLE_ID);
                }
                Action::WriteActions(inner) | Action::Clone(inner) => {
                    self.check_action_refs(inner)?
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Decodes and validates a flow_mod, group_mod or meter_mod.
    /// `check_refs`: also check references to groups and meters now (a bundled message
    /// is checked when the bundle is committed, against the state its predecessors
    /// leave).
    pub(crate) fn decode_mod(
        &self,
        conn: ConnId,
        m: &OfpMsg,
        _now: u64,
        check_refs: bool,
    ) -> Result<ModItem, OfpErr> {
        let c = self.conns.get(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
        match &m.body {
            Message::FlowMod(fm) => self.convert_flow_mod(c, m.version, is_nx(m), fm, check_refs),
            Message::PacketOut(po) => {
                let (in_port, acts) = crate::handle::decode_packet_out(po)?;
                Ok(ModItem::PacketOut(in_port, acts, po.data.clone()))
            }
            Message::GroupMod(gm) => self.convert_group_mod(m.version, gm).map(ModItem::Group),
            Message::MeterMod(mm) => {
                let converted = convert_meter_mod(mm)?;
                // An add of an existing meter fails as such before its flags and rates
                // are checked.
                if mm.command == openflow::msgs::meter::command::ADD
                    && self.meters.get(mm.meter_id).is_some()
                {
                    return Err(OfpErr::OFPMMFC_METER_EXISTS);
                }
                Ok(ModItem::Meter(converted))
            }
            _ => Err(OfpErr::OFPBFC_MSG_UNSUP),
        }
    }

    fn convert_flow_mod(
        &self,
        c: &ConnState,
        v: Version,
        nx: bool,
        w: &WireFlowMod,
        check_refs: bool,
    ) -> Result<ModItem, OfpErr> {
        // OpenFlow 1.1+: "all tables" is checked before the command.
        if !(v == Version::Of10 || nx)
            && w.table_id == TABLE_ALL
            && (v == Version::Of11 || !matches!(w.command, fmc::DELETE | fmc::DELETE_STRICT))
        {
            return Err(OfpErr::OFPFMFC_BAD_TABLE_ID);
        }
        let command = match w.command {
            fmc::ADD => FlowModCommand::Add,
            fmc::MODIFY => FlowModCommand::Modify,
            fmc::MODIFY_STRICT => FlowModCommand::ModifyStrict,
            fmc::DELETE => FlowModCommand::Delete,
            fmc::DELETE_STRICT => FlowModCommand::DeleteStrict,
            _ => return Err(OfpErr::OFPFMFC_BAD_COMMAND),
        };
        let of10_style = v == Version::Of10 || nx;
        let table_id = if of10_style {
            if c.flow_mod_table_id && v == Version::Of10 {
                w.table_id
            } else if w.table_id != 0 {
                // A table id in the command's high byte without the extension enabled.
                return Err(OfpErr::OFPFMFC_BAD_COMMAND);
            } else {
                TABLE_ALL
            }
        } else {
            w.table_id
        };
        let ov = if of10_style {
            OfVersion::Of10
        } else {
            of_version(v)
        };
        let av = actions_version(w.actions.version);
        let acts = ofp_actions::decode_instructions(&w.actions.bytes, av).map_err(decode_err)?;
        let is_delete = matches!(
            command,
            FlowModCommand::Delete | FlowModCommand::DeleteStrict
        );
        if !is_delete {
            let cx = ofp_actions::CheckContext {
                flow_match: &w.match_,
                version: av,
                table_id: (table_id != TABLE_ALL).then_some(table_id),
            };
            check_result(ofp_actions::check_actions(&acts, &cx))?;
            if check_refs {
                self.check_action_refs(&acts)?;
            }
        }
        let mut fm = FlowMod::new(command, table_id, w.match_, OfActions(acts));
        fm.priority = w.priority;
        if nx && w.cookie_mask != 0 {
            fm.set_wire_cookie(OfVersion::Of11, w.match_cookie, w.cookie_mask);
            if matches!(
                command,
                FlowModCommand::Modify | FlowModCommand::ModifyStrict
            ) && w.cookie != u64::MAX
            {
                fm.new_cookie = Some(w.cookie);
                fm.modify_cookie = true;
            }
        } else {
            fm.set_wire_cookie(ov, w.cookie, w.cookie_mask);
            if ov == OfVersion::Of10 && w.cookie == u64::MAX && !is_delete {
                // All-ones: "leave the cookie alone".
                fm.modify_cookie = false;
                if command == FlowModCommand::Add {
                    fm.new_cookie = Some(0);
                }
            }
        }
        fm.idle_timeout = w.idle_timeout;
        fm.hard_timeout = w.hard_timeout;
        if command == FlowModCommand::Add && v >= Version::Of14 && !nx {
            fm.importance = w.importance;
        }
        fm.flags.send_flow_rem = w.flags & fmf::SEND_FLOW_REM != 0;
        fm.flags.check_overlap = w.flags & fmf::CHECK_OVERLAP != 0;
        if !of10_style && v >= Version::Of12 {
            fm.flags.reset_counts = w.flags & fmf::RESET_COUNTS != 0;
        }
        if !of10_style && v >= Version::Of13 {
            fm.flags.no_pkt_counts = w.flags & fmf::NO_PKT_COUNTS != 0;
            fm.flags.no_byt_counts = w.flags & fmf::NO_BYT_COUNTS != 0;
        }
        fm.out_port = (crate::port32(w.out_port)? != ofpp::ANY).then_some(w.out_port);
        fm.out_group = (w.out_group != OFPG_ANY).then_some(w.out_group);
        fm.apply_version_defaults(ov);
        fm.check_version(ov).map_err(table_err)?;
        Ok(ModItem::Flow {
            fm: Box::new(fm),
            // A buffer only matters to commands that add or change flows.
            buffered: w.buffer_id != NO_BUFFER && !is_delete,
        })
    }

    fn convert_group_mod(
        &self,
        v: Version,
        w: &WireGroupMod,
    ) -> Result<GroupMod<OfActions>, OfpErr> {
        let command = match w.command {
            0 => GroupCommand::Add,
            1 => GroupCommand::Modify,
            2 => GroupCommand::Delete,
            3 => GroupCommand::InsertBucket(BucketPosition::from_wire(w.command_bucket_id)),
            // (4 is unused in OpenFlow 1.5.)
            5 => GroupCommand::RemoveBucket(BucketPosition::from_wire(w.command_bucket_id)),
            0x8000 => GroupCommand::AddOrModify,
            _ => return Err(OfpErr::OFPGMFC_BAD_COMMAND),
        };
        let group_type = match w.group_type {
            0 => GroupType::All,
            1 => GroupType::Select,
            2 => GroupType::Indirect,
            3 => GroupType::FastFailover,
            _ => return Err(OfpErr::OFPGMFC_BAD_TYPE),
        };
        let fifteen = v >= Version::Of15;
        let mut buckets = Vec::new();
        for (i, b) in w.buckets.iter().enumerate() {
            let av = actions_version(b.actions.version);
            let acts = ofp_actions::decode_actions(&b.actions.bytes, av).map_err(decode_err)?;
            let catchall = flow::Match::catchall();
            let cx = ofp_actions::CheckContext {
                flow_match: &catchall,
                version: ofp_actions::Version::Of10,
                table_id: None,
            };
            check_result(ofp_actions::check_actions(&acts, &cx))?;
            for a in &acts {
                if let Action::Meter(m) = a {
                    if self.meters.get(*m).is_none() {
                        return Err(OfpErr::OFPMMFC_INVALID_METER);
                    }
                }
            }
            if crate::port32(b.watch_port).is_err() {
                return Err(OfpErr::OFPGMFC_BAD_WATCH);
            }
            if !fifteen && group_type != GroupType::Select && b.weight != 0 {
                return Err(OfpErr::OFPGMFC_INVALID_GROUP);
            }
            let watched = b.watch_port != ofpp::ANY || b.watch_group != 0xffff_ffff;
            if group_type == GroupType::FastFailover && !watched {
                return Err(OfpErr::OFPGMFC_BAD_WATCH);
            }
            // Open vSwitch takes liveness into account for select groups too.
            if !matches!(group_type, GroupType::FastFailover | GroupType::Select) && watched {
                return Err(OfpErr::OFPGMFC_WATCH_UNSUPPORTED);
            }
            buckets.push(Bucket {
                bucket_id: if fifteen {
                    b.bucket_id
                } else {
                    u32::try_from(i).unwrap_or(u32::MAX)
                },
                weight: if group_type == GroupType::Select && !fifteen && b.weight == 0 {
                    0
                } else {
                    b.weight
                },
                watch_port: (b.watch_port != ofpp::ANY).then_some(b.watch_port),
                watch_group: (b.watch_group != 0xffff_ffff).then_some(b.watch_group),
                actions: OfActions(acts),
            });
        }
        Ok(GroupMod {
            command,
            group_id: w.group_id,
            group_type,
            buckets,
        })
    }

    /// Applies modifications in order (consecutive flow_mods atomically), then tells the
    /// daemon and sends `FLOW_REMOVED`. On error nothing of the failing step changed.
    pub(crate) fn apply_mods(
        &mut self,
        conn: ConnId,
        items: Vec<ModItem>,
        env: &mut dyn SwitchEnv,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), OfpErr> {
        self.apply_items(
            conn,
            items.into_iter().map(|i| (None, i)).collect(),
            env,
            out,
        )
        .map_err(|(_, e)| e)
    }

    /// Applies `(bytes, item)` pairs; on failure returns the failing item's bytes (if any)
    /// and the error.
    fn apply_items(
        &mut self,
        conn: ConnId,
        items: Vec<(Option<Vec<u8>>, ModItem)>,
        env: &mut dyn SwitchEnv,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), (Option<Vec<u8>>, OfpErr)> {
        let now = env.now_ms();
        let before = self.monitor_before(&items.iter().map(|(_, i)| i).collect::<Vec<_>>());
        let mut added_ids = Vec::new();
        let mut removed_ids = Vec::new();
        let mut removed = Vec::new();
        let mut changed = false;
        let mut buffered = false;
        let mut result = Ok(());
        let mut i = 0;
        while i < items.len() {
            let Some((_, item)) = items.get(i) else {
                break;
            };
            match item {
                ModItem::Flow { .. } => {
                    let mut batch = Vec::new();
                    let start = i;
                    let mut bad_ref = None;
                    while let Some((bytes, ModItem::Flow { fm, buffered: b })) = items.get(i) {
                        let deleting = matches!(
                            fm.command,
                            FlowModCommand::Delete | FlowModCommand::DeleteStrict
                        );
                        if !deleting && bad_ref.is_none() {
                            if let Err(e) = self.check_action_refs(&fm.actions.0) {
                                bad_ref = Some((bytes.clone(), e));
                            }
                        }
                        batch.push((**fm).clone());
                        buffered |= *b;
                        i += 1;
                    }
                    if let Some(err) = bad_ref {
                        result = Err(err);
                        break;
                    }
                    match self.snap.tables.apply_batch(&batch, now) {
                        Ok(o) => {
                            changed |= !o.is_empty();
                            added_ids.extend(o.added);
                            removed_ids.extend(o.removed);
                            removed.extend(o.flow_removed);
                        }
                        Err(e) => {
                            let bytes = items.get(start + e.index).and_then(|(b, _)| b.clone());
                            result = Err((bytes, table_err(e.error)));
                            break;
                        }
                    }
                }
                ModItem::Group(gm) => {
                    i += 1;
                    match self
                        .snap
                        .groups
                        .apply_with_flows(&mut self.snap.tables, gm, now)
                    {
                        Ok(o) => {
                            changed = true;
                            removed_ids.extend(o.removed);
                            removed.extend(o.flow_removed);
                        }
                        Err(e) => {
                            let bytes = items.get(i - 1).and_then(|(b, _)| b.clone());
                            result = Err((bytes, table_err(e)));
                            break;
                        }
                    }
                }
                ModItem::PacketOut(in_port, acts, data) => {
                    i += 1;
                    let sent = self
                        .check_action_refs(acts)
                        .and_then(|()| env.packet_out(&self.snap, *in_port, acts, data));
                    if let Err(e) = sent {
                        let bytes = items.get(i - 1).and_then(|(b, _)| b.clone());
                        result = Err((bytes, e));
                        break;
                    }
                }
                ModItem::Meter(mm) => {
                    i += 1;
                    match self.meters.apply_with_flows(&mut self.snap.tables, mm, now) {
                        Ok(o) => {
                            changed = true;
                            removed_ids.extend(o.removed);
                            removed.extend(o.flow_removed);
                        }
                        Err(e) => {
                            let bytes = items.get(i - 1).and_then(|(b, _)| b.clone());
                            result = Err((bytes, table_err(e)));
                            break;
                        }
                    }
                }
            }
        }
        if changed {
            env.tables_changed(&self.snap);
            self.monitor_changes(before, &added_ids, &removed_ids, Some(conn), now, out);
        }
        for fr in &removed {
            self.flow_removed(fr, out);
        }
        result?;
        if buffered {
            // No packet buffering: the flow_mod took effect but the buffer is unknown.
            return Err((None, OfpErr::OFPBRC_BUFFER_UNKNOWN));
        }
        Ok(())
    }

    /// `OFPT_BUNDLE_CONTROL`.
    pub(crate) fn bundle_control(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        bc: &BundleCtrl,
        env: &mut dyn SwitchEnv,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), OfpErr> {
        self.reject_secondary(conn)?;
        let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
        let reply_type = match bc.ctrl_type {
            ctrl_type::OPEN_REQUEST => {
                if c.bundles.contains_key(&bc.bundle_id) {
                    return Err(OfpErr::OFPBFC_BAD_ID);
                }
                c.bundles.insert(
                    bc.bundle_id,
                    Bundle {
                        flags: bc.flags,
                        closed: false,
                        msgs: Vec::new(),
                    },
                );
                ctrl_type::OPEN_REPLY
            }
            ctrl_type::CLOSE_REQUEST => {
                let b = c
                    .bundles
                    .get_mut(&bc.bundle_id)
                    .ok_or(OfpErr::OFPBFC_BAD_ID)?;
                if b.closed {
                    return Err(OfpErr::OFPBFC_BUNDLE_CLOSED);
                }
                if b.flags != bc.flags {
                    return Err(OfpErr::OFPBFC_BAD_FLAGS);
                }
                b.closed = true;
                ctrl_type::CLOSE_REPLY
            }
            ctrl_type::COMMIT_REQUEST => {
                let b = c.bundles.get(&bc.bundle_id).ok_or(OfpErr::OFPBFC_BAD_ID)?;
                if b.flags != bc.flags {
                    return Err(OfpErr::OFPBFC_BAD_FLAGS);
                }
                let b = c
                    .bundles
                    .remove(&bc.bundle_id)
                    .ok_or(OfpErr::OFPBFC_BAD_ID)?;
                let items = b
                    .msgs
                    .into_iter()
                    .map(|bm| (Some(bm.bytes), bm.item))
                    .collect();
                if let Err((bytes, e)) = self.apply_items(conn, items, env, out) {
                    if let Some(bytes) = bytes {
                        if let Some(eb) = error_bytes(e, &bytes) {
                            out.push(Outgoing::Send(conn, eb));
                        }
                        return Err(OfpErr::OFPBFC_MSG_FAILED);
                    }
                    return Err(e);
                }
                ctrl_type::COMMIT_REPLY
            }
            ctrl_type::DISCARD_REQUEST => {
                c.bundles
                    .remove(&bc.bundle_id)
                    .ok_or(OfpErr::OFPBFC_BAD_ID)?;
                ctrl_type::DISCARD_REPLY
            }
            ctrl_type::OPEN_REPLY
            | ctrl_type::CLOSE_REPLY
            | ctrl_type::COMMIT_REPLY
            | ctrl_type::DISCARD_REPLY => return Err(OfpErr::OFPBFC_BAD_TYPE),
            // As observed in OVS: an unknown type changes nothing and gets a reply of type
            // 0 without flags.
            _ => {
                let reply = BundleCtrl {
                    bundle_id: bc.bundle_id,
                    ..BundleCtrl::default()
                };
                if let Some(b) =
                    encode_msg(m.version, m.xid, m.raw, 0, Message::BundleControl(reply))
                {
                    out.push(Outgoing::Send(conn, b));
                }
                return Ok(());
            }
        };
        let reply = BundleCtrl {
            bundle_id: bc.bundle_id,
            ctrl_type: reply_type,
            flags: bc.flags,
            props: Vec::new(),
        };
        if let Some(b) = encode_msg(m.version, m.xid, m.raw, 0, Message::BundleControl(reply)) {
            out.push(Outgoing::Send(conn, b));
        }
        Ok(())
    }

    /// `OFPT_BUNDLE_ADD_MESSAGE`.
    pub(crate) fn bundle_add(
        &mut self,
        conn: ConnId,
        m: &OfpMsg,
        ba: &BundleAdd,
        env: &mut dyn SwitchEnv,
    ) -> Result<(), OfpErr> {
        self.reject_secondary(conn)?;
        let inner_h = Header::parse(&ba.message).map_err(|_| OfpErr::OFPBFC_MSG_BAD_LEN)?;
        if inner_h.version != m.version.wire() {
            return Err(OfpErr::OFPBFC_BAD_VERSION);
        }
        if inner_h.xid != m.xid {
            return Err(OfpErr::OFPBFC_MSG_BAD_XID);
        }
        {
            let c = self.conns.get(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
            if let Some(b) = c.bundles.get(&ba.bundle_id) {
                if b.closed {
                    return Err(OfpErr::OFPBFC_BUNDLE_CLOSED);
                }
                if b.flags != ba.flags {
                    return Err(OfpErr::OFPBFC_BAD_FLAGS);
                }
            }
        }
        let inner = OfpMsg::decode(&ba.message).map_err(|e| e.ofperr())?;
        let item = match &inner.body {
            Message::FlowMod(_) | Message::GroupMod(_) | Message::PacketOut(_) => {
                self.decode_mod(conn, &inner, env.now_ms(), false)?
            }
            _ => return Err(OfpErr::OFPBFC_MSG_UNSUP),
        };
        let c = self.conns.get_mut(&conn).ok_or(OfpErr::OFPBRC_EPERM)?;
        let b = c.bundles.entry(ba.bundle_id).or_insert_with(|| Bundle {
            flags: ba.flags,
            closed: false,
            msgs: Vec::new(),
        });
        b.msgs.push(BundledMsg {
            bytes: ba.message.clone(),
            item,
        });
        Ok(())
    }
}

fn convert_meter_mod(w: &WireMeterMod) -> Result<MeterMod, OfpErr> {
    use openflow::msgs::meter::{command, flags};
    let command = match w.command {
        command::ADD => MeterCommand::Add,
        command::MODIFY => MeterCommand::Modify,
        command::DELETE => MeterCommand::Delete,
        _ => return Err(OfpErr::OFPMMFC_BAD_COMMAND),
    };
    let mut bands = Vec::new();
    for b in &w.bands {
        bands.push(match b.kind {
            BandKind::Drop => MeterBand::Drop {
                rate: b.rate,
                burst_size: b.burst_size,
            },
            BandKind::DscpRemark { prec_level } => MeterBand::DscpRemark {
                rate: b.rate,
                burst_size: b.burst_size,
                prec_level,
            },
            _ => return Err(OfpErr::OFPMMFC_BAD_BAND),
        });
    }
    Ok(MeterMod {
        command,
        meter_id: w.meter_id,
        flags: MeterFlags {
            kbps: w.flags & flags::KBPS != 0,
            pktps: w.flags & flags::PKTPS != 0,
            burst: w.flags & flags::BURST != 0,
            stats: w.flags & flags::STATS != 0,
        },
        bands,
    })
}
