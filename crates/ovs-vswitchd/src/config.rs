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

use ovsdb::schema::TableSchema;
use ovsdb::{Atom, Datum, Row};
use ovsdb_idl::{Changes, Replica};
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

/// Reads the columns of one row; the row and its table's schema are looked up once.
pub(crate) struct RowReader<'a> {
    ts: Option<&'a TableSchema>,
    row: Option<&'a Row>,
}

impl RowReader<'_> {
    pub(crate) fn datum(&self, col: &str) -> Option<&Datum> {
        self.row?.get(self.ts?.column_index(col)?)
    }
    pub(crate) fn string(&self, col: &str) -> Option<String> {
        match self.datum(col)?.first()? {
            Atom::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    pub(crate) fn int(&self, col: &str) -> Option<i64> {
        match self.datum(col)?.first()? {
            Atom::Integer(i) => Some(*i),
            _ => None,
        }
    }
    pub(crate) fn boolean(&self, col: &str) -> bool {
        matches!(
            self.datum(col).and_then(Datum::first),
            Some(Atom::Boolean(true))
        )
    }
    pub(crate) fn ints(&self, col: &str) -> Vec<i64> {
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
    pub(crate) fn strings(&self, col: &str) -> Vec<String> {
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
    pub(crate) fn uuids(&self, col: &str) -> Vec<Uuid> {
        self.datum(col)
            .map(|d| d.keys().iter().filter_map(Atom::as_uuid).collect())
            .unwrap_or_default()
    }
    pub(crate) fn smap(&self, col: &str) -> BTreeMap<String, String> {
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

/// The values that are VLAN ids (0-4095).
pub(crate) fn vlans(v: Vec<i64>) -> Vec<u16> {
    v.into_iter()
        .filter(|x| (0..=4095).contains(x))
        .map(|x| x as u16)
        .collect()
}

/// A reader of row `uuid` of `table` (absent rows and columns read as empty).
pub(crate) fn reader<'a>(replica: &'a Replica, table: &'static str, uuid: Uuid) -> RowReader<'a> {
    RowReader {
        ts: replica.table_schema(table),
        row: replica.row(table, &uuid),
    }
}

/// The root row's bridges, by name.
fn bridge_rows(replica: &Replica, ovs: &RowReader<'_>) -> Vec<(String, Uuid)> {
    let mut rows: Vec<(String, Uuid)> = ovs
        .uuids("bridges")
        .into_iter()
        .filter(|u| replica.row("Bridge", u).is_some())
        .map(|u| {
            (
                reader(replica, "Bridge", u)
                    .string("name")
                    .unwrap_or_default(),
                u,
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Reads bridge `buuid` named `name`; port and interface names already in `seen_ports`
/// and `seen_ifaces` are skipped with a warning.
fn read_bridge(
    replica: &Replica,
    name: &str,
    buuid: Uuid,
    seen_ports: &mut BTreeSet<String>,
    seen_ifaces: &mut BTreeSet<String>,
    warnings: &mut Vec<String>,
) -> BridgeCfg {
    let rr = |table: &'static str, uuid: Uuid| reader(replica, table, uuid);
    let name = name.to_string();
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
            warnings.push(format!(
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
                warnings.push(format!(
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
            warnings.push(format!("bridge {name}: port {pname} has no interfaces"));
            continue;
        }
        bc.ports.insert(pname, pc);
    }
    bc
}

/// Reads the configuration from `replica`.
pub fn read_config(replica: &Replica) -> Config {
    let mut cfg = Config::default();
    let Some(root) = replica.rows("Open_vSwitch").next().map(|r| r.uuid()) else {
        return cfg;
    };
    let rr = |table: &'static str, uuid: Uuid| reader(replica, table, uuid);
    let ovs = rr("Open_vSwitch", root);
    cfg.root = Some(root);
    cfg.next_cfg = ovs.int("next_cfg").unwrap_or(0);
    cfg.other_config = ovs.smap("other_config");
    let mut seen_ports: BTreeSet<String> = BTreeSet::new();
    let mut seen_ifaces: BTreeSet<String> = BTreeSet::new();
    let bridge_rows = bridge_rows(replica, &ovs);
    for (name, buuid) in bridge_rows {
        if cfg.bridges.contains_key(&name) {
            cfg.warnings.push(format!("bridge {name} specified twice"));
            continue;
        }
        let bc = read_bridge(
            replica,
            &name,
            buuid,
            &mut seen_ports,
            &mut seen_ifaces,
            &mut cfg.warnings,
        );
        cfg.bridges.insert(name, bc);
    }
    cfg
}

/// Reads the configuration again after the database `changes` (see
/// [`ovsdb_idl::Changes`]), taking from `prev` (the configuration read before them)
/// every bridge none of whose rows (bridge, ports, interfaces) changed, so that a change
/// to one port of a host with thousands costs a read of its bridge, not of everything.
/// Gives exactly what [`read_config`] gives: whenever the shortcut could differ (names
/// repeated across bridges, controllers, sFlow or NetFlow rows changed, warnings), it reads
/// everything.
pub fn read_config_changed(replica: &Replica, mut prev: Config, changes: &Changes) -> Config {
    let touched = |table: &str, u: &Uuid| {
        changes
            .tables
            .get(table)
            .is_some_and(|t| t.touched.contains(u))
    };
    let Some(root) = replica.rows("Open_vSwitch").next().map(|r| r.uuid()) else {
        return read_config(replica);
    };
    if changes.all
        || prev.root != Some(root)
        || !prev.warnings.is_empty()
        || ["Controller", "sFlow", "NetFlow"]
            .iter()
            .any(|t| changes.tables.contains_key(*t))
    {
        return read_config(replica);
    }
    let ovs = reader(replica, "Open_vSwitch", root);
    let mut cfg = Config {
        root: Some(root),
        next_cfg: ovs.int("next_cfg").unwrap_or(0),
        other_config: ovs.smap("other_config"),
        ..Config::default()
    };
    let mut reread: Vec<String> = Vec::new();
    for (name, buuid) in bridge_rows(replica, &ovs) {
        if cfg.bridges.contains_key(&name) {
            return read_config(replica);
        }
        let unchanged = prev.bridges.get(&name).is_some_and(|b| {
            b.uuid == buuid
                && !touched("Bridge", &buuid)
                && !b.ports.values().any(|p| {
                    touched("Port", &p.uuid)
                        || p.interfaces.values().any(|i| touched("Interface", &i.uuid))
                })
        });
        let kept = if unchanged {
            prev.bridges.remove(&name)
        } else {
            None
        };
        let bc = match kept {
            Some(b) => b,
            None => {
                let mut warnings = Vec::new();
                let bc = read_bridge(
                    replica,
                    &name,
                    buuid,
                    &mut BTreeSet::new(),
                    &mut BTreeSet::new(),
                    &mut warnings,
                );
                if !warnings.is_empty() {
                    return read_config(replica);
                }
                reread.push(name.clone());
                bc
            }
        };
        cfg.bridges.insert(name, bc);
    }
    // A port or interface name of a bridge read again must not appear in another bridge
    // (which one keeps it depends on the order of the bridges).
    if !reread.is_empty() {
        let mut names: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for b in &reread {
            let Some(bc) = cfg.bridges.get(b) else {
                continue;
            };
            for p in bc.ports.values() {
                names.insert(p.name.as_str(), b.as_str());
                for i in p.interfaces.values() {
                    names.insert(i.name.as_str(), b.as_str());
                }
            }
        }
        for (bname, bc) in &cfg.bridges {
            for p in bc.ports.values() {
                let clash = |n: &str| names.get(n).is_some_and(|owner| *owner != bname.as_str());
                if clash(&p.name) || p.interfaces.values().any(|i| clash(&i.name)) {
                    return read_config(replica);
                }
            }
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn replica() -> Replica {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/vswitch.ovsschema"
        ))
        .unwrap();
        let schema = ovsdb::DatabaseSchema::from_json(&serde_json::from_str(&text).unwrap());
        Replica::new(Arc::new(schema.unwrap()))
    }

    const ROOT: &str = "00000000-0000-0000-0000-000000000001";
    const B1: &str = "00000000-0000-0000-0000-0000000000b1";
    const B2: &str = "00000000-0000-0000-0000-0000000000b2";
    const P1: &str = "00000000-0000-0000-0000-0000000000a1";
    const P2: &str = "00000000-0000-0000-0000-0000000000a2";
    const I1: &str = "00000000-0000-0000-0000-0000000000c1";
    const I2: &str = "00000000-0000-0000-0000-0000000000c2";

    /// Applies `update`, then checks that the incremental read equals a full one.
    fn step(r: &mut Replica, prev: Config, update: serde_json::Value) -> Config {
        r.apply_update2(&update).unwrap();
        let changes = r.take_changes();
        let inc = read_config_changed(r, prev, &changes);
        assert_eq!(inc, read_config(r), "after {update}");
        inc
    }

    #[test]
    fn incremental_reads_equal_full_reads() {
        let mut r = replica();
        let u = |s: &str| json!(["uuid", s]);
        let cfg = step(
            &mut r,
            Config::default(),
            json!({
                "Open_vSwitch": {ROOT: {"initial": {"bridges": ["set", [u(B1), u(B2)]], "next_cfg": 1}}},
                "Bridge": {
                    B1: {"initial": {"name": "br1", "ports": u(P1)}},
                    B2: {"initial": {"name": "br2", "ports": u(P2)}}},
                "Port": {
                    P1: {"initial": {"name": "a", "interfaces": u(I1)}},
                    P2: {"initial": {"name": "b", "interfaces": u(I2)}}},
                "Interface": {
                    I1: {"initial": {"name": "a", "type": "internal"}},
                    I2: {"initial": {"name": "b"}}}
            }),
        );
        assert_eq!(cfg.bridges.len(), 2);
        // Configuration of one interface; then only status columns and next_cfg.
        let cfg = step(
            &mut r,
            cfg,
            json!({"Interface": {I2: {"modify": {"type": "internal"}}}}),
        );
        let cfg = step(
            &mut r,
            cfg,
            json!({"Interface": {I1: {"modify": {"ofport": 1}}},
                   "Open_vSwitch": {ROOT: {"modify": {"next_cfg": 2}}}}),
        );
        assert_eq!(cfg.next_cfg, 2);
        // A port renamed to a name another bridge uses: the full read's warning.
        let cfg = step(
            &mut r,
            cfg,
            json!({"Port": {P2: {"modify": {"name": "a"}}}}),
        );
        assert!(!cfg.warnings.is_empty());
        let cfg = step(
            &mut r,
            cfg,
            json!({"Port": {P2: {"modify": {"name": "b"}}}}),
        );
        assert!(cfg.warnings.is_empty());
        // A bridge removed, and nothing changed at all.
        let cfg = step(
            &mut r,
            cfg,
            json!({"Open_vSwitch": {ROOT: {"modify": {"bridges": ["set", [u(B1)]]}}}}),
        );
        assert_eq!(cfg.bridges.len(), 1);
        let cfg = step(&mut r, cfg, json!({}));
        assert_eq!(cfg.bridges.len(), 1);
    }
}
