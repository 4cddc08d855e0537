//! Switch-level control messages: features, switch config, roles,
//! asynchronous-message configuration, table mod, and the small Nicira
//! extensions (flow format, packet-in format, controller id, flow_mod
//! table id).

use super::port::{decode_ports, encode_port, Port};
use super::{raw_props, BodyError, Ctx, RawProp};
use crate::header::Version;
use octets::{Reader, Writer};

/// An `OFPT_FEATURES_REPLY` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SwitchFeatures {
    /// Datapath id.
    pub datapath_id: u64,
    /// Packets the switch can buffer.
    pub n_buffers: u32,
    /// Number of flow tables.
    pub n_tables: u8,
    /// Auxiliary connection id (OF1.3+).
    pub auxiliary_id: u8,
    /// `OFPC_*` capability bits (wire version's layout).
    pub capabilities: u32,
    /// OF1.0: supported-actions bitmap; OF1.1+: the reserved word.
    pub actions: u32,
    /// Ports (OF1.0-1.2 only; later versions use port-desc multipart).
    pub ports: Vec<Port>,
}

/// Decodes a features reply body.
pub fn decode_features(v: Version, r: &mut Reader<'_>) -> Result<SwitchFeatures, BodyError> {
    const W: &str = "features reply";
    let datapath_id = r.u64().ctx(W)?;
    let n_buffers = r.u32().ctx(W)?;
    let n_tables = r.u8().ctx(W)?;
    let auxiliary_id = r.u8().ctx(W)?;
    r.skip(2).ctx(W)?;
    let capabilities = r.u32().ctx(W)?;
    let actions = r.u32().ctx(W)?;
    let ports = if v <= Version::Of12 {
        decode_ports(v, r)?
    } else {
        Vec::new()
    };
    Ok(SwitchFeatures {
        datapath_id,
        n_buffers,
        n_tables,
        auxiliary_id,
        capabilities,
        actions,
        ports,
    })
}

/// Encodes a features reply body.
pub fn encode_features(v: Version, f: &SwitchFeatures, w: &mut Writer) {
    w.u64(f.datapath_id)
        .u32(f.n_buffers)
        .u8(f.n_tables)
        .u8(f.auxiliary_id)
        .zeros(2)
        .u32(f.capabilities)
        .u32(f.actions);
    if v <= Version::Of12 {
        for p in &f.ports {
            encode_port(v, p, w);
        }
    }
}

/// Fragment handling in [`SwitchConfig::flags`] (`OFPC_FRAG_*`).
pub mod frag {
    /// No special handling.
    pub const NORMAL: u16 = 0;
    /// Drop fragments.
    pub const DROP: u16 = 1;
    /// Reassemble.
    pub const REASM: u16 = 2;
    /// OVS's "nx-match" handling.
    pub const NX_MATCH: u16 = 3;
    /// Mask of the fragment-handling bits.
    pub const MASK: u16 = 3;
    /// OF1.1-1.2: send packets with invalid TTL to the controller.
    pub const INVALID_TTL_TO_CONTROLLER: u16 = 4;
}

/// An `OFPT_GET_CONFIG_REPLY` / `OFPT_SET_CONFIG` body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SwitchConfig {
    /// `OFPC_*` flags (fragment handling in the low bits).
    pub flags: u16,
    /// Bytes of a packet to send to the controller on a table miss.
    pub miss_send_len: u16,
}

/// Decodes a switch config body.
pub fn decode_config(r: &mut Reader<'_>) -> Result<SwitchConfig, BodyError> {
    Ok(SwitchConfig {
        flags: r.u16().ctx("switch config")?,
        miss_send_len: r.u16().ctx("switch config")?,
    })
}

/// Encodes a switch config body.
pub fn encode_config(c: &SwitchConfig, w: &mut Writer) {
    w.u16(c.flags).u16(c.miss_send_len);
}

/// A controller role (OF1.2+ numbering, `OFPCR_ROLE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Don't change the role.
    NoChange,
    /// Equal (NX: "other").
    Equal,
    /// Primary (master).
    Primary,
    /// Secondary (slave).
    Secondary,
    /// Any other value, verbatim.
    Other(u32),
}

impl Role {
    /// From the OF1.2+ value.
    pub fn from_of12(x: u32) -> Role {
        match x {
            0 => Role::NoChange,
            1 => Role::Equal,
            2 => Role::Primary,
            3 => Role::Secondary,
            x => Role::Other(x),
        }
    }

    /// The OF1.2+ value.
    pub fn to_of12(self) -> u32 {
        match self {
            Role::NoChange => 0,
            Role::Equal => 1,
            Role::Primary => 2,
            Role::Secondary => 3,
            Role::Other(x) => x,
        }
    }

    /// From the Nicira value (`NX_ROLE_OTHER/MASTER/SLAVE`).
    pub fn from_nx(x: u32) -> Role {
        match x {
            0 => Role::Equal,
            1 => Role::Primary,
            2 => Role::Secondary,
            x => Role::Other(x),
        }
    }

    /// The Nicira value (`NoChange` has none and becomes "other").
    pub fn to_nx(self) -> u32 {
        match self {
            Role::NoChange | Role::Equal => 0,
            Role::Primary => 1,
            Role::Secondary => 2,
            Role::Other(x) => x,
        }
    }
}

/// A role request or reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleMsg {
    /// The role.
    pub role: Role,
    /// Generation id (OF1.2+ form only; `None` for the Nicira form).
    pub generation_id: Option<u64>,
}

/// Decodes a role body; `nx` selects the Nicira form.
pub fn decode_role(nx: bool, r: &mut Reader<'_>) -> Result<RoleMsg, BodyError> {
    let role = r.u32().ctx("role message")?;
    if nx {
        return Ok(RoleMsg {
            role: Role::from_nx(role),
            generation_id: None,
        });
    }
    r.skip(4).ctx("role message")?;
    Ok(RoleMsg {
        role: Role::from_of12(role),
        generation_id: Some(r.u64().ctx("role message")?),
    })
}

/// Encodes a role body; `nx` selects the Nicira form.
pub fn encode_role(nx: bool, m: &RoleMsg, w: &mut Writer) {
    if nx {
        w.u32(m.role.to_nx());
    } else {
        w.u32(m.role.to_of12())
            .zeros(4)
            .u64(m.generation_id.unwrap_or(u64::MAX));
    }
}

/// An OF1.4+ `OFPT_ROLE_STATUS` (or ONF 1.3) body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleStatus {
    /// The new role.
    pub role: Role,
    /// `OFPCRR_*` reason.
    pub reason: u8,
    /// Generation id.
    pub generation_id: u64,
    /// Properties, verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a role status body.
pub fn decode_role_status(r: &mut Reader<'_>) -> Result<RoleStatus, BodyError> {
    const W: &str = "role status";
    let role = Role::from_of12(r.u32().ctx(W)?);
    let reason = r.u8().ctx(W)?;
    r.skip(3).ctx(W)?;
    let generation_id = r.u64().ctx(W)?;
    Ok(RoleStatus {
        role,
        reason,
        generation_id,
        props: raw_props(r, W)?,
    })
}

/// Encodes a role status body.
pub fn encode_role_status(s: &RoleStatus, w: &mut Writer) {
    w.u32(s.role.to_of12())
        .u8(s.reason)
        .zeros(3)
        .u64(s.generation_id);
    for p in &s.props {
        p.encode(w);
    }
}

/// Asynchronous-message configuration property types (`OFPACPT_*`): even
/// numbers apply to secondary (slave) connections, odd to primary.
pub mod acpt {
    /// Packet-in reasons, secondary.
    pub const PACKET_IN_SLAVE: u16 = 0;
    /// Packet-in reasons, primary.
    pub const PACKET_IN_MASTER: u16 = 1;
    /// Port-status reasons, secondary.
    pub const PORT_STATUS_SLAVE: u16 = 2;
    /// Port-status reasons, primary.
    pub const PORT_STATUS_MASTER: u16 = 3;
    /// Flow-removed reasons, secondary.
    pub const FLOW_REMOVED_SLAVE: u16 = 4;
    /// Flow-removed reasons, primary.
    pub const FLOW_REMOVED_MASTER: u16 = 5;
    /// Role-status reasons, secondary.
    pub const ROLE_STATUS_SLAVE: u16 = 6;
    /// Role-status reasons, primary.
    pub const ROLE_STATUS_MASTER: u16 = 7;
    /// Table-status reasons, secondary.
    pub const TABLE_STATUS_SLAVE: u16 = 8;
    /// Table-status reasons, primary.
    pub const TABLE_STATUS_MASTER: u16 = 9;
    /// Requestforward reasons, secondary.
    pub const REQUESTFORWARD_SLAVE: u16 = 10;
    /// Requestforward reasons, primary.
    pub const REQUESTFORWARD_MASTER: u16 = 11;
}

/// One asynchronous-configuration setting: a reason bitmap for one message
/// kind and role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AsyncProp {
    /// `OFPACPT_*`.
    pub ty: u16,
    /// Bitmap of enabled reasons.
    pub mask: u32,
}

/// An async configuration (get-async reply, set-async, NX set-async).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AsyncConfig {
    /// Settings in wire order.  The OF1.3 / Nicira fixed layout always has
    /// the six packet-in/port-status/flow-removed settings.
    pub props: Vec<AsyncProp>,
    /// OF1.4+: properties not modelled (experimenter), verbatim.
    pub other: Vec<RawProp>,
}

impl AsyncConfig {
    /// The mask for property type `ty`, if present.
    pub fn get(&self, ty: u16) -> Option<u32> {
        self.props.iter().find(|p| p.ty == ty).map(|p| p.mask)
    }
}

// The OF1.3 fixed layout: packet_in[master, slave], port_status[..],
// flow_removed[..].
const FIXED_ORDER: [u16; 6] = [
    acpt::PACKET_IN_MASTER,
    acpt::PACKET_IN_SLAVE,
    acpt::PORT_STATUS_MASTER,
    acpt::PORT_STATUS_SLAVE,
    acpt::FLOW_REMOVED_MASTER,
    acpt::FLOW_REMOVED_SLAVE,
];

/// Decodes an async config; `fixed` selects the OF1.3/Nicira layout.
pub fn decode_async(fixed: bool, r: &mut Reader<'_>) -> Result<AsyncConfig, BodyError> {
    const W: &str = "async config";
    let mut c = AsyncConfig::default();
    if fixed {
        for ty in FIXED_ORDER {
            c.props.push(AsyncProp {
                ty,
                mask: r.u32().ctx(W)?,
            });
        }
        return Ok(c);
    }
    while !r.is_empty() {
        // Async config properties are exactly 8 bytes; experimenter ones
        // may be longer.  They are not padded beyond that.
        let t = r.tlv(8).ctx(W)?;
        if t.ty <= acpt::REQUESTFORWARD_MASTER && t.value.len() == 4 {
            let mut vr = Reader::new(t.value);
            c.props.push(AsyncProp {
                ty: t.ty,
                mask: vr.u32().ctx(W)?,
            });
        } else {
            c.other.push(RawProp {
                ty: t.ty,
                value: t.value.to_vec(),
            });
        }
    }
    Ok(c)
}

/// Encodes an async config; `fixed` selects the OF1.3/Nicira layout.
pub fn encode_async(fixed: bool, c: &AsyncConfig, w: &mut Writer) {
    if fixed {
        for ty in FIXED_ORDER {
            w.u32(c.get(ty).unwrap_or(0));
        }
        return;
    }
    for p in &c.props {
        w.tlv(p.ty, 8, |w| {
            w.u32(p.mask);
        });
    }
    for p in &c.other {
        p.encode(w);
    }
}

/// An `OFPT_TABLE_MOD` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TableMod {
    /// Table id (`0xff` = all tables).
    pub table_id: u8,
    /// `OFPTC_*` config bits.
    pub config: u32,
    /// OF1.4+: properties (eviction, vacancy, experimenter), verbatim.
    pub props: Vec<RawProp>,
}

/// Decodes a table mod body.
pub fn decode_table_mod(r: &mut Reader<'_>) -> Result<TableMod, BodyError> {
    const W: &str = "table mod";
    let table_id = r.u8().ctx(W)?;
    r.skip(3).ctx(W)?;
    let config = r.u32().ctx(W)?;
    Ok(TableMod {
        table_id,
        config,
        props: raw_props(r, W)?,
    })
}

/// Encodes a table mod body.
pub fn encode_table_mod(m: &TableMod, w: &mut Writer) {
    w.u8(m.table_id).zeros(3).u32(m.config);
    for p in &m.props {
        p.encode(w);
    }
}

/// `NXT_SET_FLOW_FORMAT` values.
pub mod flow_format {
    /// OpenFlow 1.0 `ofp_match`.
    pub const OPENFLOW10: u32 = 0;
    /// Nicira extended match.
    pub const NXM: u32 = 2;
}

/// `NXT_SET_PACKET_IN_FORMAT` values.
pub mod packet_in_format {
    /// Standard packet-in.
    pub const STANDARD: u32 = 0;
    /// `NXT_PACKET_IN`.
    pub const NXT_PACKET_IN: u32 = 1;
    /// `NXT_PACKET_IN2`.
    pub const NXT_PACKET_IN2: u32 = 2;
}
