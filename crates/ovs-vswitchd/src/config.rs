//! The configuration ovs-vswitchd wants, read from its replica of the `Open_vSwitch` database.
//!
//! [`read_config`] turns the rows of `Open_vSwitch`, `Bridge`, `Port`, `Interface`,
//! `Controller` and `Mirror`/`sFlow`/`NetFlow` into plain structures, following references
//! and applying the schema's rules the way Open vSwitch's bridge layer does: a bridge is
//! configured if the root row lists it, a port if its bridge lists it, an interface if its
//! port lists it; duplicate names are ignored after the first (in name order, with a
//! warning); values out of range are treated as absent. The function is pure, so the
//! reconciler ([`crate::bridge`]) only compares these structures with what runs.

use std::collections::{BTreeMap, BTreeSet};

use ovsdb::{Atom, Datum};
use ovsdb_idl::Replica;
use uuid::Uuid;

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The `Open_vSwitch` row (absent until `ovs-vsctl init`).
    pub root: Option<Uuid>,
    /// `next_cfg` of the root row.
    pub next_cfg: i64,
    /// `other_config` of the root row.
    pub other_config: BTreeMap<String, String>,
    /// Bridges by name.
    pub bridges: BTreeMap<String, BridgeCfg>,
    /// Problems found while reading (logged by the caller).
    pub warnings: Vec<String>,
}

/// One bridge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BridgeCfg {
    /// Row uuid.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// `datapath_type` (empty = `system`).
    pub datapath_type: String,
    /// `fail_mode` (`standalone` when absent).
    pub fail_mode: Option<String>,
    /// `protocols` (empty = OpenFlow 1.0 to 1.5... as Open vSwitch allows by default).
    pub protocols: Vec<String>,
    /// `other_config`.
    pub other_config: BTreeMap<String, String>,
    /// `flood_vlans`.
    pub flood_vlans: Vec<u16>,
    /// `mcast_snooping_enable`.
    pub mcast_snooping: bool,
    /// `stp_enable`.
    pub stp_enable: bool,
    /// Controllers' `target`s.
    pub controllers: Vec<ControllerCfg>,
    /// Ports by name.
    pub ports: BTreeMap<String, PortCfg>,
    /// The `sFlow` row, if any.
    pub sflow: Option<SflowCfg>,
    /// The `NetFlow` row, if any.
    pub netflow: Option<NetflowCfg>,
}

/// A controller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControllerCfg {
    /// Row uuid.
    pub uuid: Uuid,
    /// `target` (`tcp:IP:PORT`, `ptcp:PORT`, `unix:FILE`, ...).
    pub target: String,
    /// `inactivity_probe` in ms.
    pub inactivity_probe: Option<i64>,
    /// `max_backoff` in ms.
    pub max_backoff: Option<i64>,
}

/// One port.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortCfg {
    /// Row uuid.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// `tag`.
    pub tag: Option<u16>,
    /// `trunks`.
    pub trunks: Vec<u16>,
    /// `cvlans`.
    pub cvlans: Vec<u16>,
    /// `vlan_mode`.
    pub vlan_mode: Option<String>,
    /// `other_config`.
    pub other_config: BTreeMap<String, String>,
    /// Interfaces by name.
    pub interfaces: BTreeMap<String, IfaceCfg>,
}

/// One interface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IfaceCfg {
    /// Row uuid.
    pub uuid: Uuid,
    /// Name.
    pub name: String,
    /// `type` (empty = `system`).
    pub iface_type: String,
    /// `options`.
    pub options: BTreeMap<String, String>,
    /// `ofport_request` (1..=65279).
    pub ofport_request: Option<u16>,
    /// `mac` (for internal ports).
    pub mac: Option<String>,
    /// `mtu_request`.
    pub mtu_request: Option<i64>,
}

/// An `sFlow` row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SflowCfg {
    /// `agent`.
    pub agent: Option<String>,
    /// `targets`.
    pub targets: Vec<String>,
    /// `header`.
    pub header: Option<i64>,
    /// `sampling`.
    pub sampling: Option<i64>,
    /// `polling`.
    pub polling: Option<i64>,
}

/// A `NetFlow` row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetflowCfg {
    /// `targets`.
    pub targets: Vec<String>,
    /// `engine_type`.
    pub engine_type: Option<i64>,
    /// `engine_id`.
    pub engine_id: Option<i64>,
    /// `active_timeout`.
    pub active_timeout: Option<i64>,
    /// `add_id_to_interface`.
    pub add_id_to_interface: bool,
}

struct RowReader<'a> {
    r: &'a Replica,
    table: &'static str,
    uuid: Uuid,
}

impl RowReader<'_> {
    fn datum(&self, col: &str) -> Option<&Datum> {
        self.r.get(self.table, &self.uuid, col)
    }
    fn string(&self, col: &str) -> Option<String> {
        match self.datum(col)?.first()? {
            Atom::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    fn int(&self, col: &str) -> Option<i64> {
        match self.datum(col)?.first()? {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }
    fn boolean(&self, col: &str) -> bool {
        matches!(
            self.datum(col).and_then(Datum::first),
            Some(Atom::Boolean(true))
        )
    }
    fn ints(&self, col: &str) -> Vec<i64> {
        self.datum(col)
            .map(|d| {
                d.keys()
                    .iter()
                    .filter_map(|a| match a {
                        Atom::Integer(i) => Some(*i),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn strings(&self, col: &str) -> Vec<String> {
        self.datum(col)
            .map(|d| {
                d.keys()
                    .iter()
                    .filter_map(|a| match a {
                        Atom::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    fn uuids(&self, col: &str) -> Vec<Uuid> {
        self.datum(col)
            .map(|d| d.keys().iter().filter_map(Atom::as_uuid).collect())
            .unwrap_or_default()
    }
    fn smap(&self, col: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(d) = self.datum(col) {
            for (k, v) in d.iter() {
                if let (Atom::String(k), Some(Atom::String(v))) = (k, v) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
}

fn vlans(v: Vec<i64>) -> Vec<u16> {
    v.into_iter()
        .filter(|x| (0..=4095).contains(x))
        .map(|x| x as u16)
        .collect()
}

/// Reads the configuration from `replica`.
pub fn read_config(replica: &Replica) -> Config {
    let mut cfg = Config::default();
    let Some(root) = replica.rows("Open_vSwitch").next().map(|r| r.uuid()) else {
        return cfg;
    };
    let rr = |table: &'static str, uuid: Uuid| RowReader {
        r: replica,
        table,
        uuid,
    };
    let ovs = rr("Open_vSwitch", root);
    cfg.root = Some(root);
    cfg.next_cfg = ovs.int("next_cfg").unwrap_or(0);
    cfg.other_config = ovs.smap("other_config");
    let mut seen_ports: BTreeSet<String> = BTreeSet::new();
    let mut seen_ifaces: BTreeSet<String> = BTreeSet::new();
    let mut bridge_rows: Vec<(String, Uuid)> = ovs
        .uuids("bridges")
        .into_iter()
        .filter(|u| replica.row("Bridge", u).is_some())
        .map(|u| (rr("Bridge", u).string("name").unwrap_or_default(), u))
        .collect();
    bridge_rows.sort();
    for (name, buuid) in bridge_rows {
        if cfg.bridges.contains_key(&name) {
            cfg.warnings.push(format!("bridge {name} specified twice"));
            continue;
        }
        let b = rr("Bridge", buuid);
        let mut bc = BridgeCfg {
            uuid: buuid,
            name: name.clone(),
            datapath_type: b.string("datapath_type").unwrap_or_default(),
            fail_mode: b.string("fail_mode"),
            protocols: b.strings("protocols"),
            other_config: b.smap("other_config"),
            flood_vlans: vlans(b.ints("flood_vlans")),
            mcast_snooping: b.boolean("mcast_snooping_enable"),
            stp_enable: b.boolean("stp_enable"),
            ..BridgeCfg::default()
        };
        for cu in b.uuids("controller") {
            if replica.row("Controller", &cu).is_none() {
                continue;
            }
            let c = rr("Controller", cu);
            bc.controllers.push(ControllerCfg {
                uuid: cu,
                target: c.string("target").unwrap_or_default(),
                inactivity_probe: c.int("inactivity_probe"),
                max_backoff: c.int("max_backoff"),
            });
        }
        if let Some(su) = b.uuids("sflow").first().copied() {
            if replica.row("sFlow", &su).is_some() {
                let s = rr("sFlow", su);
                bc.sflow = Some(SflowCfg {
                    agent: s.string("agent"),
                    targets: s.strings("targets"),
                    header: s.int("header"),
                    sampling: s.int("sampling"),
                    polling: s.int("polling"),
                });
            }
        }
        if let Some(nu) = b.uuids("netflow").first().copied() {
            if replica.row("NetFlow", &nu).is_some() {
                let n = rr("NetFlow", nu);
                bc.netflow = Some(NetflowCfg {
                    targets: n.strings("targets"),
                    engine_type: n.int("engine_type"),
                    engine_id: n.int("engine_id"),
                    active_timeout: n.int("active_timeout"),
                    add_id_to_interface: n.boolean("add_id_to_interface"),
                });
            }
        }
        let mut port_rows: Vec<(String, Uuid)> = b
            .uuids("ports")
            .into_iter()
            .filter(|u| replica.row("Port", u).is_some())
            .map(|u| (rr("Port", u).string("name").unwrap_or_default(), u))
            .collect();
        port_rows.sort();
        for (pname, puuid) in port_rows {
            if !seen_ports.insert(pname.clone()) {
                cfg.warnings.push(format!(
                    "bridge {name}: {pname} specified twice as bridge port"
                ));
                continue;
            }
            let p = rr("Port", puuid);
            let mut pc = PortCfg {
                uuid: puuid,
                name: pname.clone(),
                tag: p
                    .int("tag")
                    .filter(|t| (0..=4095).contains(t))
                    .map(|t| t as u16),
                trunks: vlans(p.ints("trunks")),
                cvlans: vlans(p.ints("cvlans")),
                vlan_mode: p.string("vlan_mode"),
                other_config: p.smap("other_config"),
                interfaces: BTreeMap::new(),
            };
            let mut iface_rows: Vec<(String, Uuid)> = p
                .uuids("interfaces")
                .into_iter()
                .filter(|u| replica.row("Interface", u).is_some())
                .map(|u| (rr("Interface", u).string("name").unwrap_or_default(), u))
                .collect();
            iface_rows.sort();
            for (iname, iuuid) in iface_rows {
                if !seen_ifaces.insert(iname.clone()) {
                    cfg.warnings.push(format!(
                        "bridge {name}: {iname} specified twice as bridge interface"
                    ));
                    continue;
                }
                let i = rr("Interface", iuuid);
                pc.interfaces.insert(
                    iname.clone(),
                    IfaceCfg {
                        uuid: iuuid,
                        name: iname,
                        iface_type: i.string("type").unwrap_or_default(),
                        options: i.smap("options"),
                        ofport_request: i
                            .int("ofport_request")
                            .filter(|n| (1..=0xfeff).contains(n))
                            .map(|n| n as u16),
                        mac: i.string("mac"),
                        mtu_request: i.int("mtu_request"),
                    },
                );
            }
            if pc.interfaces.is_empty() {
                cfg.warnings
                    .push(format!("bridge {name}: port {pname} has no interfaces"));
                continue;
            }
            bc.ports.insert(pname, pc);
        }
        cfg.bridges.insert(name, bc);
    }
    cfg
}
