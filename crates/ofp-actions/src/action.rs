//! The version-independent action list ("ofpacts").
//!
//! One [`Action`] enum covers OpenFlow 1.0-1.5 actions, the OpenFlow 1.1+ instructions
//! (`meter`, `clear_actions`, `write_actions`, `write_metadata`, `goto_table`, which appear in
//! the list in that canonical order after the apply-actions) and the Nicira/ONF extension
//! actions. A flow's actions are a `Vec<Action>`; an empty list means `drop`.
//!
//! Some variants remember how they were written or received where Open vSwitch prints them
//! differently: [`SetField::style`] (`load:` versus `set_field:`), [`Action::SetVlanVid`]'s
//! `push` flag (`mod_vlan_vid` pushes a tag when none is present, a `set_field` to `vlan_vid`
//! does not) and [`Action::SetTunnel`]'s width.

use crate::subfield::Subfield;
use flow::FieldId;

/// `OFPP_IN_PORT`.
pub const OFPP_IN_PORT: u16 = 0xfff8;
/// `OFPP_TABLE`.
pub const OFPP_TABLE: u16 = 0xfff9;
/// `OFPP_NORMAL`.
pub const OFPP_NORMAL: u16 = 0xfffa;
/// `OFPP_FLOOD`.
pub const OFPP_FLOOD: u16 = 0xfffb;
/// `OFPP_ALL`.
pub const OFPP_ALL: u16 = 0xfffc;
/// `OFPP_CONTROLLER`.
pub const OFPP_CONTROLLER: u16 = 0xfffd;
/// `OFPP_LOCAL`.
pub const OFPP_LOCAL: u16 = 0xfffe;
/// `OFPP_NONE` / `OFPP_ANY`.
pub const OFPP_NONE: u16 = 0xffff;
/// First reserved port number (OpenFlow 1.0 numbering).
pub const OFPP_MAX: u16 = 0xff00;

/// Packet-in reason codes for `controller(reason=...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketInReason {
    /// `no_match`.
    NoMatch = 0,
    /// `action` (the default).
    Action = 1,
    /// `invalid_ttl`.
    InvalidTtl = 2,
    /// `action_set`.
    ActionSet = 3,
    /// `group`.
    Group = 4,
    /// `packet_out`.
    PacketOut = 5,
}

impl PacketInReason {
    /// Name as written in `controller(reason=...)`.
    pub fn name(self) -> &'static str {
        match self {
            PacketInReason::NoMatch => "no_match",
            PacketInReason::Action => "action",
            PacketInReason::InvalidTtl => "invalid_ttl",
            PacketInReason::ActionSet => "action_set",
            PacketInReason::Group => "group",
            PacketInReason::PacketOut => "packet_out",
        }
    }
    /// From name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.name() == s)
    }
    /// From wire code.
    pub fn from_code(c: u8) -> Option<Self> {
        Self::ALL.get(usize::from(c)).copied()
    }
    const ALL: [PacketInReason; 6] = [
        PacketInReason::NoMatch,
        PacketInReason::Action,
        PacketInReason::InvalidTtl,
        PacketInReason::ActionSet,
        PacketInReason::Group,
        PacketInReason::PacketOut,
    ];
}

/// `controller(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Controller {
    /// Bytes of the packet to send (65535 = whole packet).
    pub max_len: u16,
    /// Controller connection ID (0 = all ordinary controllers).
    pub controller_id: u16,
    /// Packet-in reason.
    pub reason: PacketInReason,
    /// Opaque data for the controller.
    pub userdata: Vec<u8>,
    /// Pause the pipeline (continuations).
    pub pause: bool,
    /// Meter for packet-ins (`None` = the default slowpath meter).
    pub meter_id: Option<u32>,
}

impl Default for Controller {
    fn default() -> Self {
        Controller {
            max_len: u16::MAX,
            controller_id: 0,
            reason: PacketInReason::Action,
            userdata: Vec::new(),
            pause: false,
            meter_id: None,
        }
    }
}

impl Controller {
    /// True if it fits the plain `OFPAT_OUTPUT` to `CONTROLLER` form.
    pub fn is_simple(&self) -> bool {
        self.controller_id == 0
            && self.reason == PacketInReason::Action
            && self.userdata.is_empty()
            && !self.pause
            && self.meter_id.is_none()
    }
}

/// How a [`SetField`] prints (OVS remembers whether it came from `load:` / `NXAST_REG_LOAD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetFieldStyle {
    /// `set_field:value[/mask]->field`.
    SetField,
    /// `load:value->field[bits]` (one `load` per contiguous run of mask bits).
    Load,
}

/// `set_field` / `load`: store `value` into the bits of `field` selected by `mask`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetField {
    /// Destination field.
    pub field: FieldId,
    /// Value (already under `mask`).
    pub value: u128,
    /// Which bits to write (nonzero; at most the field's width).
    pub mask: u128,
    /// Printing style.
    pub style: SetFieldStyle,
}

/// Hash fields for `multipath` / `bundle`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashFields {
    /// `eth_src`.
    EthSrc = 0,
    /// `symmetric_l4`.
    SymmetricL4 = 1,
    /// `symmetric_l3l4`.
    SymmetricL3L4 = 2,
    /// `symmetric_l3l4+udp`.
    SymmetricL3L4Udp = 3,
    /// `nw_src`.
    NwSrc = 4,
    /// `nw_dst`.
    NwDst = 5,
    /// `symmetric_l3`.
    SymmetricL3 = 6,
}

impl HashFields {
    const ALL: [HashFields; 7] = [
        HashFields::EthSrc,
        HashFields::SymmetricL4,
        HashFields::SymmetricL3L4,
        HashFields::SymmetricL3L4Udp,
        HashFields::NwSrc,
        HashFields::NwDst,
        HashFields::SymmetricL3,
    ];
    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            HashFields::EthSrc => "eth_src",
            HashFields::SymmetricL4 => "symmetric_l4",
            HashFields::SymmetricL3L4 => "symmetric_l3l4",
            HashFields::SymmetricL3L4Udp => "symmetric_l3l4+udp",
            HashFields::NwSrc => "nw_src",
            HashFields::NwDst => "nw_dst",
            HashFields::SymmetricL3 => "symmetric_l3",
        }
    }
    /// From name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|h| h.name() == s)
    }
    /// From wire code.
    pub fn from_code(c: u16) -> Option<Self> {
        Self::ALL.get(usize::from(c)).copied()
    }
}

/// `multipath` algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultipathAlgorithm {
    /// `modulo_n`.
    ModuloN = 0,
    /// `hash_threshold`.
    HashThreshold = 1,
    /// `hrw`.
    Hrw = 2,
    /// `iter_hash`.
    IterHash = 3,
}

impl MultipathAlgorithm {
    const ALL: [MultipathAlgorithm; 4] = [
        MultipathAlgorithm::ModuloN,
        MultipathAlgorithm::HashThreshold,
        MultipathAlgorithm::Hrw,
        MultipathAlgorithm::IterHash,
    ];
    /// Name.
    pub fn name(self) -> &'static str {
        match self {
            MultipathAlgorithm::ModuloN => "modulo_n",
            MultipathAlgorithm::HashThreshold => "hash_threshold",
            MultipathAlgorithm::Hrw => "hrw",
            MultipathAlgorithm::IterHash => "iter_hash",
        }
    }
    /// From name.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|h| h.name() == s)
    }
    /// From wire code.
    pub fn from_code(c: u16) -> Option<Self> {
        Self::ALL.get(usize::from(c)).copied()
    }
}

/// `multipath(fields,basis,algorithm,n_links,arg,dst)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Multipath {
    /// Hash fields.
    pub fields: HashFields,
    /// Hash basis.
    pub basis: u16,
    /// Algorithm.
    pub algorithm: MultipathAlgorithm,
    /// Number of links.
    pub max_link: u16,
    /// Algorithm argument.
    pub arg: u32,
    /// Where the link number goes.
    pub dst: Subfield,
}

/// `bundle` algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleAlgorithm {
    /// `active_backup`.
    ActiveBackup = 0,
    /// `hrw`.
    Hrw = 1,
}

/// `bundle(...)` / `bundle_load(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Hash fields.
    pub fields: HashFields,
    /// Hash basis.
    pub basis: u16,
    /// Algorithm.
    pub algorithm: BundleAlgorithm,
    /// `bundle_load` destination (`None` for `bundle`, which outputs).
    pub dst: Option<Subfield>,
    /// Member ports.
    pub members: Vec<u16>,
}

/// `sample(...)` direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleDirection {
    /// Not specified.
    Default = 0,
    /// `ingress`.
    Ingress = 1,
    /// `egress`.
    Egress = 2,
}

/// `sample(...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Packets sampled per 65535.
    pub probability: u16,
    /// IPFIX collector set.
    pub collector_set_id: u32,
    /// Observation domain.
    pub obs_domain_id: u32,
    /// Observation point.
    pub obs_point_id: u32,
    /// Sampling port (`OFPP_NONE` when absent).
    pub sampling_port: u16,
    /// Direction.
    pub direction: SampleDirection,
}

/// `conntrack` zone source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtZone {
    /// A fixed zone.
    Imm(u16),
    /// Read from a 16-bit subfield.
    Field(Subfield),
}

/// `nat(...)` inside `ct`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Nat {
    /// 0 = no translation specified (`nat` alone), 1 = `src=`, 2 = `dst=`.
    pub kind: u8,
    /// Address range (IPv4 addresses are stored as IPv4-mapped values in the low 32 bits).
    pub addr: Option<(NatAddr, NatAddr)>,
    /// Port range.
    pub ports: Option<(u16, u16)>,
    /// `persistent`.
    pub persistent: bool,
    /// `hash`.
    pub hash: bool,
    /// `random`.
    pub random: bool,
}

/// A NAT address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatAddr {
    /// IPv4.
    V4(u32),
    /// IPv6.
    V6(u128),
}

/// `ct(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ct {
    /// `commit`.
    pub commit: bool,
    /// `force`.
    pub force: bool,
    /// Recirculation table (`None` = no recirculation).
    pub table: Option<u8>,
    /// Zone.
    pub zone: CtZone,
    /// ALG port (`alg=ftp` is 21, `tftp` 69).
    pub alg: u16,
    /// Nested actions (only `set_field`/`load` to `ct_mark`/`ct_label`, and `nat`).
    pub actions: Vec<Action>,
}

/// One `learn` specification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LearnSpec {
    /// Match `dst` against a value taken from `src` (`dst=src` / `dst`).
    MatchField {
        /// Field in the new flow's match.
        dst: Subfield,
        /// Source in the packet.
        src: Subfield,
    },
    /// Match `dst` against a constant.
    MatchImm {
        /// Field in the new flow's match.
        dst: Subfield,
        /// Value.
        value: u128,
    },
    /// `load:src->dst` into the new flow's actions.
    LoadField {
        /// Source.
        src: Subfield,
        /// Destination.
        dst: Subfield,
    },
    /// `load:value->dst`.
    LoadImm {
        /// Destination.
        dst: Subfield,
        /// Value.
        value: u128,
    },
    /// `output:src`.
    Output {
        /// Port source.
        src: Subfield,
    },
}

/// `learn(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Learn {
    /// Table for the new flow.
    pub table: u8,
    /// Idle timeout (0 = none).
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Cookie.
    pub cookie: u64,
    /// `fin_idle_timeout`.
    pub fin_idle_timeout: u16,
    /// `fin_hard_timeout`.
    pub fin_hard_timeout: u16,
    /// `send_flow_rem`.
    pub send_flow_rem: bool,
    /// `delete_learned`.
    pub delete_learned: bool,
    /// Limit (0 = none).
    pub limit: u32,
    /// `result_dst`.
    pub result_dst: Option<Subfield>,
    /// Specs.
    pub specs: Vec<LearnSpec>,
}

impl Default for Learn {
    fn default() -> Self {
        Learn {
            table: 1,
            idle_timeout: 0,
            hard_timeout: 0,
            priority: 0x8000,
            cookie: 0,
            fin_idle_timeout: 0,
            fin_hard_timeout: 0,
            send_flow_rem: false,
            delete_learned: false,
            limit: 0,
            result_dst: None,
            specs: Vec::new(),
        }
    }
}

/// One action or instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `output:port` (also `NORMAL`, `FLOOD`, `IN_PORT`, ...; `CONTROLLER:max_len`).
    Output {
        /// Port.
        port: u16,
        /// Bytes to send to the controller.
        max_len: u16,
    },
    /// `controller(...)` beyond the plain output form.
    Controller(Controller),
    /// `enqueue:port:queue`.
    Enqueue {
        /// Port.
        port: u16,
        /// Queue.
        queue: u32,
    },
    /// `output:field`.
    OutputReg {
        /// Port source.
        src: Subfield,
        /// Bytes to send to the controller.
        max_len: u16,
    },
    /// `output(port=P,max_len=N)`.
    OutputTrunc {
        /// Port.
        port: u16,
        /// Truncate to this many bytes.
        max_len: u32,
    },
    /// `bundle` / `bundle_load`.
    Bundle(Bundle),
    /// `mod_vlan_vid` (`push`: add a tag when there is none).
    SetVlanVid {
        /// VID.
        vid: u16,
        /// Push a tag if absent (`mod_vlan_vid`).
        push: bool,
    },
    /// `mod_vlan_pcp`.
    SetVlanPcp {
        /// PCP.
        pcp: u8,
        /// Push a tag if absent.
        push: bool,
    },
    /// `strip_vlan` / `pop_vlan`.
    StripVlan {
        /// Written/received as OpenFlow 1.1+ `pop_vlan`.
        pop: bool,
    },
    /// `push_vlan:ethertype`.
    PushVlan(u16),
    /// `mod_dl_src`.
    SetEthSrc(u64),
    /// `mod_dl_dst`.
    SetEthDst(u64),
    /// `mod_nw_src`.
    SetIpv4Src(u32),
    /// `mod_nw_dst`.
    SetIpv4Dst(u32),
    /// `mod_nw_tos` (the ToS byte with ECN bits zero).
    SetIpDscp(u8),
    /// `mod_nw_ecn`.
    SetIpEcn(u8),
    /// `mod_nw_ttl`.
    SetIpTtl(u8),
    /// `mod_tp_src`.
    SetL4Src(u16),
    /// `mod_tp_dst`.
    SetL4Dst(u16),
    /// `dec_ttl` / `dec_ttl(ids)` (empty = plain `dec_ttl`, controller 0).
    DecTtl(Vec<u16>),
    /// `set_mpls_label`.
    SetMplsLabel(u32),
    /// `set_mpls_tc`.
    SetMplsTc(u8),
    /// `set_mpls_ttl`.
    SetMplsTtl(u8),
    /// `dec_mpls_ttl`.
    DecMplsTtl,
    /// `push_mpls:ethertype`.
    PushMpls(u16),
    /// `pop_mpls:ethertype`.
    PopMpls(u16),
    /// `copy_ttl_out` (OpenFlow 1.1+ `OFPAT_COPY_TTL_OUT`): copies the TTL of the header
    /// just inside the outermost MPLS label (IPv4/IPv6 or the next label) out to it.
    /// Open vSwitch rejects it; ferroswitch implements it.
    CopyTtlOut,
    /// `copy_ttl_in` (`OFPAT_COPY_TTL_IN`): copies the outermost MPLS TTL inwards.
    CopyTtlIn,
    /// `push_pbb:ethertype` (`OFPAT_PUSH_PBB`, 0x88e7 only): adds an 802.1ah
    /// backbone header (B-MAC addresses copied from the customer frame, I-TAG with
    /// I-SID 0). An extension: Open vSwitch lacks PBB.
    PushPbb(u16),
    /// `pop_pbb` (`OFPAT_POP_PBB`): removes the outer 802.1ah header.
    PopPbb,
    /// `set_field` / `load`.
    SetField(SetField),
    /// `move:src->dst`.
    Move {
        /// Source.
        src: Subfield,
        /// Destination.
        dst: Subfield,
    },
    /// `resubmit`.
    Resubmit {
        /// Port (`OFPP_IN_PORT` = the packet's own).
        port: u16,
        /// Table (`None` = current table).
        table: Option<u8>,
        /// `ct`: look up with the conntrack original-direction tuple.
        ct: bool,
    },
    /// `set_tunnel` / `set_tunnel64`.
    SetTunnel {
        /// Tunnel ID.
        id: u64,
        /// Written as (or needs) the 64-bit form.
        wide: bool,
    },
    /// `set_queue`.
    SetQueue(u32),
    /// `pop_queue`.
    PopQueue,
    /// `fin_timeout`.
    FinTimeout {
        /// Idle timeout.
        idle: u16,
        /// Hard timeout.
        hard: u16,
    },
    /// `note:hex`.
    Note(Vec<u8>),
    /// `exit`.
    Exit,
    /// `sample(...)`.
    Sample(Sample),
    /// `learn(...)`.
    Learn(Box<Learn>),
    /// `conjunction(id,k/n)` (`clause` is 0-based).
    Conjunction {
        /// Conjunction ID.
        id: u32,
        /// Clause index, 0-based.
        clause: u8,
        /// Number of clauses.
        n_clauses: u8,
    },
    /// `ct(...)`.
    Ct(Box<Ct>),
    /// `nat(...)` (only inside `ct`).
    Nat(Nat),
    /// `ct_clear`.
    CtClear,
    /// `multipath(...)`.
    Multipath(Multipath),
    /// `check_pkt_larger(len)->dst`.
    CheckPktLarger {
        /// Length threshold.
        pkt_len: u16,
        /// One-bit destination.
        dst: Subfield,
    },
    /// `clone(...)`.
    Clone(Vec<Action>),
    /// `group:id`.
    Group(u32),
    /// `meter:id` (an instruction before OpenFlow 1.5).
    Meter(u32),
    /// `clear_actions`.
    ClearActions,
    /// `write_actions(...)`.
    WriteActions(Vec<Action>),
    /// `write_metadata:value[/mask]`.
    WriteMetadata {
        /// Value.
        value: u64,
        /// Mask.
        mask: u64,
    },
    /// `goto_table:table`.
    GotoTable(u8),
}

/// The instruction an action belongs to, in the order OpenFlow 1.1+ requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum InstructionKind {
    /// `meter` (OpenFlow 1.3/1.4 instruction).
    Meter,
    /// Ordinary actions.
    ApplyActions,
    /// `clear_actions`.
    ClearActions,
    /// `write_actions`.
    WriteActions,
    /// `write_metadata`.
    WriteMetadata,
    /// `goto_table`.
    GotoTable,
}

impl InstructionKind {
    /// Name used in ordering errors.
    pub fn name(self) -> &'static str {
        match self {
            InstructionKind::Meter => "meter",
            InstructionKind::ApplyActions => "apply_actions",
            InstructionKind::ClearActions => "clear_actions",
            InstructionKind::WriteActions => "write_actions",
            InstructionKind::WriteMetadata => "write_metadata",
            InstructionKind::GotoTable => "goto_table",
        }
    }
}

impl Action {
    /// The instruction this action is part of.
    pub fn instruction(&self) -> InstructionKind {
        match self {
            Action::Meter(_) => InstructionKind::Meter,
            Action::ClearActions => InstructionKind::ClearActions,
            Action::WriteActions(_) => InstructionKind::WriteActions,
            Action::WriteMetadata { .. } => InstructionKind::WriteMetadata,
            Action::GotoTable(_) => InstructionKind::GotoTable,
            _ => InstructionKind::ApplyActions,
        }
    }
}
