//! Per-connection state: negotiated version, role, asynchronous-message configuration,
//! flow and packet-in formats, controller id, `miss_send_len` and open bundles.
//!
//! Asynchronous messages follow Open vSwitch's rules: a service connection gets none until
//! it sets a nonzero `miss_send_len`; otherwise a message of type T with reason R goes to a
//! connection if bit R of its mask for T (the "master" mask for primary/equal roles, the
//! "slave" mask for secondaries) is set. Until the controller configures them, the masks
//! are OVS's defaults for the negotiated version ([`AsyncMasks::default_for`]).

use std::collections::BTreeMap;

use openflow::msgs::config::{acpt, AsyncConfig, AsyncProp};
use openflow::Version;

use crate::ConnKind;

/// A connection's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Equal (the default): full access, gets asynchronous messages.
    Equal,
    /// Primary ("master"): like equal; at most one connection has it.
    Primary,
    /// Secondary ("slave"): read-only, few asynchronous messages.
    Secondary,
}

/// Asynchronous message types, indexes into [`AsyncMasks`].
pub mod oam {
    /// Packet-in.
    pub const PACKET_IN: usize = 0;
    /// Port status.
    pub const PORT_STATUS: usize = 1;
    /// Flow removed.
    pub const FLOW_REMOVED: usize = 2;
    /// Role status.
    pub const ROLE_STATUS: usize = 3;
    /// Table status.
    pub const TABLE_STATUS: usize = 4;
    /// Request forward.
    pub const REQUESTFORWARD: usize = 5;
    /// Number of types.
    pub const N: usize = 6;
}

/// Reason masks per asynchronous message type, for primary/equal ("master") and secondary
/// ("slave") roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AsyncMasks {
    /// Masks for primary and equal roles.
    pub master: [u32; oam::N],
    /// Masks for the secondary role.
    pub slave: [u32; oam::N],
}

impl AsyncMasks {
    /// Open vSwitch's defaults for a connection that negotiated `v` (as its
    /// `OFPT_GET_ASYNC_REPLY` shows them).
    pub fn default_for(v: Version) -> AsyncMasks {
        let mut m = AsyncMasks::default();
        // Packet-in: no_match, action and its OpenFlow 1.4 refinements (action_set,
        // group, packet_out), whatever the version; never invalid_ttl.
        m.master[oam::PACKET_IN] = 0x3b;
        m.master[oam::PORT_STATUS] = 0x7;
        m.slave[oam::PORT_STATUS] = 0x7;
        m.master[oam::FLOW_REMOVED] = match v {
            Version::Of14 | Version::Of15 => 0x3f,
            Version::Of13 => 0xf,
            _ => 0x7,
        };
        // Role status, table status and request-forward masks start empty (role status
        // is sent regardless, see `Switch::role_request`).
        m
    }

    /// The masks as an `OFPT_GET_ASYNC_REPLY` body (reasons the version lacks left out).
    pub fn to_config(&self, v: Version) -> AsyncConfig {
        let mut props = Vec::new();
        let n = if v >= Version::Of14 { oam::N } else { 3 };
        let visible = |t: usize, m: u32| {
            if t == oam::PACKET_IN && v < Version::Of14 {
                m & 0x7
            } else {
                m
            }
        };
        for t in 0..n {
            let (slave_ty, master_ty) = prop_types(t);
            props.push(AsyncProp {
                ty: slave_ty,
                mask: visible(t, self.slave.get(t).copied().unwrap_or(0)),
            });
            props.push(AsyncProp {
                ty: master_ty,
                mask: visible(t, self.master.get(t).copied().unwrap_or(0)),
            });
        }
        AsyncConfig {
            props,
            other: Vec::new(),
        }
    }

    /// Applies a `SET_ASYNC` from a connection of version `v` (properties it lacks keep
    /// their values; before OpenFlow 1.4 the `action` packet-in reason also stands for
    /// its 1.4 refinements).
    pub fn apply(&mut self, v: Version, c: &AsyncConfig) {
        for p in &c.props {
            let t = usize::from(p.ty / 2);
            let mut mask = p.mask;
            if t == oam::PACKET_IN && v < Version::Of14 && mask & 2 != 0 {
                mask |= 0x38;
            }
            let slot = if p.ty % 2 == 0 {
                self.slave.get_mut(t)
            } else {
                self.master.get_mut(t)
            };
            if let Some(s) = slot {
                *s = mask;
            }
        }
    }
}

fn prop_types(t: usize) -> (u16, u16) {
    match t {
        oam::PACKET_IN => (acpt::PACKET_IN_SLAVE, acpt::PACKET_IN_MASTER),
        oam::PORT_STATUS => (acpt::PORT_STATUS_SLAVE, acpt::PORT_STATUS_MASTER),
        oam::FLOW_REMOVED => (acpt::FLOW_REMOVED_SLAVE, acpt::FLOW_REMOVED_MASTER),
        oam::ROLE_STATUS => (acpt::ROLE_STATUS_SLAVE, acpt::ROLE_STATUS_MASTER),
        oam::TABLE_STATUS => (acpt::TABLE_STATUS_SLAVE, acpt::TABLE_STATUS_MASTER),
        _ => (acpt::REQUESTFORWARD_SLAVE, acpt::REQUESTFORWARD_MASTER),
    }
}

/// A bundle being assembled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bundle {
    pub(crate) flags: u16,
    pub(crate) closed: bool,
    /// The bundled messages, already decoded and validated.
    pub(crate) msgs: Vec<crate::mods::BundledMsg>,
}

/// The state of one connection.
#[derive(Debug, Clone)]
pub struct ConnState {
    /// Service or controller.
    pub kind: ConnKind,
    /// Versions we accept on it.
    pub allowed: u32,
    /// The negotiated version (`None` until the peer's hello).
    pub version: Option<Version>,
    /// The role.
    pub role: Role,
    /// Asynchronous configuration (`None`: the defaults for the version).
    pub async_masks: Option<AsyncMasks>,
    /// `miss_send_len` (128 for controllers, 0 for service connections by default).
    pub miss_send_len: u16,
    /// `OFPC_INVALID_TTL_TO_CONTROLLER` (OpenFlow 1.0 to 1.2).
    pub invalid_ttl_to_controller: bool,
    /// OpenFlow 1.0 flow format NXM (`NXT_SET_FLOW_FORMAT`).
    pub nxm: bool,
    /// `NXT_FLOW_MOD_TABLE_ID` enabled.
    pub flow_mod_table_id: bool,
    /// Packet-in format (`NXPIF_*`).
    pub packet_in_format: u32,
    /// Controller id (`NXT_SET_CONTROLLER_ID`).
    pub controller_id: u16,
    pub(crate) bundles: BTreeMap<u32, Bundle>,
    /// Flow monitors by id.
    pub(crate) monitors: BTreeMap<u32, crate::monitor::Monitor>,
    /// The reply identity updates for the monitors go out as.
    pub(crate) monitor_reply_raw: Option<openflow::RawId>,
    /// A multipart request whose later parts are awaited: xid, first part, arrival time.
    pub(crate) pending_multipart: Option<(u32, Vec<u8>, u64)>,
}

impl ConnState {
    pub(crate) fn new(kind: ConnKind, allowed: u32) -> ConnState {
        ConnState {
            kind,
            allowed,
            version: None,
            role: Role::Equal,
            async_masks: None,
            miss_send_len: match kind {
                ConnKind::Controller => 128,
                ConnKind::Service => 0,
            },
            invalid_ttl_to_controller: false,
            nxm: false,
            flow_mod_table_id: false,
            packet_in_format: 0,
            controller_id: 0,
            bundles: BTreeMap::new(),
            monitors: BTreeMap::new(),
            monitor_reply_raw: None,
            pending_multipart: None,
        }
    }

    pub(crate) fn set_version(&mut self, v: Version) {
        self.version = Some(v);
    }

    /// The effective asynchronous masks.
    pub fn masks(&self) -> AsyncMasks {
        self.async_masks
            .unwrap_or_else(|| AsyncMasks::default_for(self.version.unwrap_or(Version::Of10)))
    }

    /// Whether this connection wants an asynchronous message of type `ty` ([`oam`]) with
    /// reason bit `reason`.
    pub fn wants(&self, ty: usize, reason: u8) -> bool {
        if self.version.is_none() {
            return false;
        }
        if self.kind == ConnKind::Service && self.miss_send_len == 0 {
            return false;
        }
        let m = self.masks();
        let masks = if self.role == Role::Secondary {
            m.slave
        } else {
            m.master
        };
        let bit = 1u32.checked_shl(u32::from(reason)).unwrap_or(0);
        masks.get(ty).is_some_and(|x| x & bit != 0)
    }
}
