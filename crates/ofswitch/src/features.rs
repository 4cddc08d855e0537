//! What the switch says about itself: the features reply, port descriptions in each
//! version's layout, table features (`dump-table-features`), group features and meter
//! features, with Open vSwitch 3.1's values.
//!
//! Table features are built from the `flow` crate's field registry: every field with an
//! OXM or NXM code can be matched and wildcarded, fields that accept any bitwise mask are
//! advertised as maskable, and writable fields as settable by `set_field`. Every table
//! supports the same instructions and actions; table N may `goto_table` N+1 and later,
//! and the last visible table cannot `goto_table` at all.

use flow::field::all_fields;
use flow::{Maskable, MatchCode};
use openflow::msgs::config::SwitchFeatures;
use openflow::msgs::meter::{GroupFeatures, MeterFeatures};
use openflow::msgs::port::{features_from_of10, Port};
use openflow::msgs::table_features::{tfpt, TableFeatures};
use openflow::msgs::{port_from_of10, RawProp};
use openflow::octets::Writer;
use openflow::Version;

use crate::{PortDesc, Switch};

/// OpenFlow 1.1+ action types OVS advertises in table and group features: output,
/// set_mpls_ttl, dec_mpls_ttl, push_vlan, pop_vlan, push_mpls, pop_mpls, set_queue, group,
/// set_nw_ttl, dec_nw_ttl, set_field.
const ACTION_TYPES: [u16; 12] = [0, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];

/// The same as a bitmap.
const ACTION_BITMAP: u32 = 0x03ff_8001;

impl Switch {
    /// The `OFPT_FEATURES_REPLY` for version `v`.
    pub(crate) fn features_reply(&self, v: Version) -> SwitchFeatures {
        let (capabilities, actions) = match v {
            // FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP; OF1.0 actions.
            Version::Of10 => (0xc7, 0xfff),
            // ... plus GROUP_STATS.
            Version::Of11 | Version::Of12 => (0xcf, 0),
            // FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS.
            Version::Of13 => (0x4f, 0),
            // ... plus BUNDLES.
            Version::Of14 | Version::Of15 => (0x24f, 0),
        };
        SwitchFeatures {
            datapath_id: self.info.datapath_id,
            n_buffers: 0,
            n_tables: self.info.n_tables,
            auxiliary_id: 0,
            capabilities,
            actions,
            ports: if v <= Version::Of12 {
                self.ports.iter().map(|p| wire_port(v, p)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Table features of every visible table.
    pub(crate) fn table_features(&self, v: Version) -> Vec<TableFeatures> {
        let n = self.info.n_tables;
        let fields = field_props(v);
        (0..n)
            .map(|t| {
                let cfg = self.snap.tables.table_config(t);
                let max_entries = cfg.map_or(1_000_000, |c| c.max_entries());
                let name = cfg.and_then(|c| c.name.clone()).unwrap_or_default();
                let last = t + 1 >= n;
                let mut props = Vec::new();
                let instructions = instruction_prop(!last, v);
                let next: Vec<u8> = (t.saturating_add(1)..n).collect();
                let mut actions = Writer::new();
                for a in ACTION_TYPES {
                    actions.u16(a).u16(4);
                }
                let actions = actions.into_vec();
                for ty in [tfpt::INSTRUCTIONS, tfpt::INSTRUCTIONS_MISS] {
                    props.push(RawProp {
                        ty,
                        value: instructions.clone(),
                    });
                }
                for ty in [tfpt::NEXT_TABLES, tfpt::NEXT_TABLES_MISS] {
                    props.push(RawProp {
                        ty,
                        value: next.clone(),
                    });
                }
                for ty in [
                    tfpt::WRITE_ACTIONS,
                    tfpt::WRITE_ACTIONS_MISS,
                    tfpt::APPLY_ACTIONS,
                    tfpt::APPLY_ACTIONS_MISS,
                ] {
                    props.push(RawProp {
                        ty,
                        value: actions.clone(),
                    });
                }
                props.push(RawProp {
                    ty: tfpt::MATCH,
                    value: fields.matching.clone(),
                });
                props.push(RawProp {
                    ty: tfpt::WILDCARDS,
                    value: fields.wildcards.clone(),
                });
                for ty in [
                    tfpt::WRITE_SETFIELD,
                    tfpt::WRITE_SETFIELD_MISS,
                    tfpt::APPLY_SETFIELD,
                    tfpt::APPLY_SETFIELD_MISS,
                ] {
                    props.push(RawProp {
                        ty,
                        value: fields.settable.clone(),
                    });
                }
                TableFeatures {
                    table_id: t,
                    command: 0,
                    features: 0,
                    name,
                    metadata_match: u64::MAX,
                    metadata_write: u64::MAX,
                    capabilities: 0,
                    max_entries,
                    props,
                }
            })
            .collect()
    }

    /// `OFPST_GROUP_FEATURES`.
    pub(crate) fn group_features(&self, v: Version) -> GroupFeatures {
        // The supported actions in the version's own action bitmap.
        let actions = match v {
            Version::Of10 => 0xfff,
            Version::Of11 => 0x01ff_e7ff,
            _ => ACTION_BITMAP,
        };
        GroupFeatures {
            types: 0xf,
            // SELECT_WEIGHT, SELECT_LIVENESS, CHAINING.
            capabilities: 0x7,
            max_groups: [self.snap.groups.max_groups; 4],
            actions: [actions; 4],
        }
    }

    /// `OFPST_METER_FEATURES`.
    pub(crate) fn meter_features(&self) -> MeterFeatures {
        MeterFeatures {
            max_meter: self.meters.max_meters,
            band_types: if self.meters.dscp_remark { 0x6 } else { 0x2 },
            // KBPS PKTPS BURST STATS.
            capabilities: 0xf,
            max_bands: self.meters.max_bands,
            max_color: 0,
        }
    }
}

fn instruction_prop(goto: bool, v: Version) -> Vec<u8> {
    let mut w = Writer::new();
    // goto_table, write_metadata, write_actions, apply_actions, clear_actions, meter (an
    // action, not an instruction, from OpenFlow 1.5 on).
    for ty in [1u16, 2, 3, 4, 5, 6] {
        if (ty == 1 && !goto) || (ty == 6 && v >= Version::Of15) {
            continue;
        }
        w.u16(ty).u16(4);
    }
    w.into_vec()
}

struct FieldProps {
    matching: Vec<u8>,
    wildcards: Vec<u8>,
    settable: Vec<u8>,
}

fn field_props(_v: Version) -> FieldProps {
    let mut matching = Writer::new();
    let mut wildcards = Writer::new();
    let mut settable = Writer::new();
    for f in all_fields() {
        // Every header a field has (OVS lists, e.g., both `in_port` (NXM, 16 bits) and
        // `in_port_oxm` (OXM, 32 bits)); duplicates collapse when printed.
        let codes: Vec<MatchCode> = [f.oxm, f.nxm].into_iter().flatten().collect();
        let masked = matches!(f.maskable, Maskable::Arbitrary | Maskable::Prefix);
        for code in codes {
            let n = if code.class == 0x8000 && code.field == 0 {
                4
            } else {
                u32::from(f.n_bytes)
            };
            let put = |w: &mut Writer, hasmask: bool| {
                let exp = code.experimenter.is_some();
                let len = if hasmask { 2 * n } else { n } + if exp { 4 } else { 0 };
                let header = (u32::from(code.class) << 16)
                    | (u32::from(code.field & 0x7f) << 9)
                    | (u32::from(hasmask) << 8)
                    | (len & 0xff);
                w.u32(header);
                if let Some(e) = code.experimenter {
                    w.u32(e);
                }
            };
            put(&mut matching, masked);
            put(&mut wildcards, false);
            if f.writable {
                put(&mut settable, false);
            }
        }
    }
    FieldProps {
        matching: matching.into_vec(),
        wildcards: wildcards.into_vec(),
        settable: settable.into_vec(),
    }
}

/// A port in the wire model for version `v`.
pub(crate) fn wire_port(v: Version, p: &PortDesc) -> Port {
    let live = p.is_live();
    let state = if v == Version::Of10 {
        p.state & 1
    } else {
        (p.state & 3) | if live { 4 } else { 0 }
    };
    Port {
        port_no: port_from_of10(p.ofp_port),
        hw_addr: p.hw_addr,
        name: p.name.clone(),
        config: p.config,
        state,
        curr: features_from_of10(p.curr),
        advertised: features_from_of10(p.advertised),
        supported: features_from_of10(p.supported),
        peer: features_from_of10(p.peer),
        curr_speed: p.curr_speed,
        max_speed: p.max_speed,
        has_ethernet: true,
        props: Vec::new(),
    }
}
