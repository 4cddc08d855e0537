//! What brctl needs to know about the switch, read from ovs-vsctl's and ovs-appctl's output.
//!
//! Every brctl command starts from one [`Snapshot`] of the configuration database: the
//! bridges (name, ports, `stp_enable`, `other_config`), the ports (name, interfaces) and the
//! interfaces (name, `mac_in_use`, `ofport`, `error`). It comes from a
//! single ovs-vsctl run, [`SNAPSHOT_ARGS`], whose `--format=json --data=json` output is one JSON
//! table per `list` command, cells in the OVSDB JSON notation (RFC 7047 section 5.1: a UUID is
//! `["uuid", "..."]`, a set of other than one element `["set", [...]]`, a map
//! `["map", [[k, v], ...]]`). Reading the whole state once keeps brctl to one database round
//! trip before it acts, and lets it check names the way the Linux bridge does (does the bridge
//! exist, is the device already a port somewhere) before asking ovs-vsctl to change anything.
//!
//! [`parse_fdb`] reads `ovs-appctl fdb/show`'s table (` port  VLAN  MAC  Age`).
//!
//! Parsing is pure and never panics: malformed output is a [`ModelError`].

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use thiserror::Error;

/// The ovs-vsctl arguments that print a snapshot (three JSON tables: Bridge, Port, Interface).
pub const SNAPSHOT_ARGS: &[&str] = &[
    "--format=json",
    "--data=json",
    "--",
    "--columns=_uuid,name,ports,stp_enable,other_config",
    "list",
    "Bridge",
    "--",
    "--columns=_uuid,name,interfaces",
    "list",
    "Port",
    "--",
    "--columns=_uuid,name,mac_in_use,ofport,error",
    "list",
    "Interface",
];

/// ovs-vsctl printed something that is not the expected table.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ModelError {
    /// The output is not a sequence of JSON values.
    #[error("unexpected output from ovs-vsctl (not JSON: {0})")]
    Json(String),
    /// The output has the wrong number of tables.
    #[error("unexpected output from ovs-vsctl ({0} tables instead of 3)")]
    TableCount(usize),
    /// A table lacks a column brctl asked for, or a cell has the wrong type.
    #[error("unexpected output from ovs-vsctl (bad {table} table: {what})")]
    Table {
        /// Which table.
        table: &'static str,
        /// What is wrong.
        what: String,
    },
}

/// A row of the Bridge table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bridge {
    /// Bridge name.
    pub name: String,
    /// UUIDs of its ports.
    pub ports: Vec<String>,
    /// `stp_enable`.
    pub stp_enable: bool,
    /// `other_config`.
    pub other_config: BTreeMap<String, String>,
}

/// A row of the Port table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Port {
    /// Port name.
    pub name: String,
    /// UUIDs of its interfaces.
    pub interfaces: Vec<String>,
}

/// A row of the Interface table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// Interface name.
    pub name: String,
    /// `mac_in_use`, when ovs-vswitchd has set it.
    pub mac_in_use: Option<String>,
    /// `ofport`, when set (-1 when the interface could not be opened).
    pub ofport: Option<i64>,
    /// `error`, when set.
    pub error: Option<String>,
}

/// The switch's configuration as brctl sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// Bridges, sorted by name.
    pub bridges: Vec<Bridge>,
    /// Ports by UUID.
    pub ports: HashMap<String, Port>,
    /// Interfaces by UUID.
    pub interfaces: HashMap<String, Interface>,
}

/// One port of a bridge with its interfaces, for show and showmacs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    /// The port.
    pub port: &'a Port,
    /// Its interfaces (those present in the snapshot).
    pub interfaces: Vec<&'a Interface>,
}

impl Snapshot {
    /// Parses the output of ovs-vsctl run with [`SNAPSHOT_ARGS`].
    pub fn parse(text: &str) -> Result<Snapshot, ModelError> {
        let tables = serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|e| ModelError::Json(e.to_string()))?;
        let [bridges, ports, interfaces] = tables.as_slice() else {
            return Err(ModelError::TableCount(tables.len()));
        };
        let mut snap = Snapshot::default();
        for row in rows(bridges, "Bridge")? {
            let b = Bridge {
                name: row.string("name")?,
                ports: row.uuids("ports")?,
                stp_enable: row.get("stp_enable")?.as_bool().unwrap_or(false),
                other_config: row.map("other_config")?,
            };
            snap.bridges.push(b);
        }
        snap.bridges.sort_by(|a, b| a.name.cmp(&b.name));
        for row in rows(ports, "Port")? {
            let uuid = row.uuid("_uuid")?;
            let p = Port {
                name: row.string("name")?,
                interfaces: row.uuids("interfaces")?,
            };
            snap.ports.insert(uuid, p);
        }
        for row in rows(interfaces, "Interface")? {
            let uuid = row.uuid("_uuid")?;
            let i = Interface {
                name: row.string("name")?,
                mac_in_use: row.optional_string("mac_in_use")?,
                ofport: row.optional_int("ofport")?,
                error: row.optional_string("error")?,
            };
            snap.interfaces.insert(uuid, i);
        }
        Ok(snap)
    }

    /// The bridge named `name`.
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| b.name == name)
    }

    /// The ports of `bridge`, sorted by name, with their interfaces.
    pub fn members<'a>(&'a self, bridge: &Bridge) -> Vec<Member<'a>> {
        let mut v: Vec<Member<'a>> = bridge
            .ports
            .iter()
            .filter_map(|u| self.ports.get(u))
            .map(|port| Member {
                port,
                interfaces: port
                    .interfaces
                    .iter()
                    .filter_map(|u| self.interfaces.get(u))
                    .collect(),
            })
            .collect();
        v.sort_by(|a, b| a.port.name.cmp(&b.port.name));
        v
    }

    /// The bridge holding a port or interface named `device`, if any.
    pub fn owner_of(&self, device: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| {
            self.members(b)
                .iter()
                .any(|m| m.port.name == device || m.interfaces.iter().any(|i| i.name == device))
        })
    }

    /// Whether the database knows a bridge, port or interface named `name`.
    pub fn knows(&self, name: &str) -> bool {
        self.bridge(name).is_some()
            || self.ports.values().any(|p| p.name == name)
            || self.interfaces.values().any(|i| i.name == name)
    }

    /// The interface named `name`.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.values().find(|i| i.name == name)
    }
}

/// A row of a JSON table, with its table's headings.
struct Row<'a> {
    table: &'static str,
    headings: &'a [Value],
    cells: &'a [Value],
}

fn rows<'a>(table: &'a Value, name: &'static str) -> Result<Vec<Row<'a>>, ModelError> {
    let bad = |what: &str| ModelError::Table {
        table: name,
        what: what.to_string(),
    };
    let headings = table
        .get("headings")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no headings"))?;
    let data = table
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no data"))?;
    data.iter()
        .map(|r| {
            let cells = r.as_array().ok_or_else(|| bad("a row is not an array"))?;
            Ok(Row {
                table: name,
                headings,
                cells,
            })
        })
        .collect()
}

impl<'a> Row<'a> {
    fn bad(&self, what: String) -> ModelError {
        ModelError::Table {
            table: self.table,
            what,
        }
    }

    fn get(&self, column: &str) -> Result<&'a Value, ModelError> {
        self.headings
            .iter()
            .position(|h| h.as_str() == Some(column))
            .and_then(|i| self.cells.get(i))
            .ok_or_else(|| self.bad(format!("no column {column}")))
    }

    fn string(&self, column: &str) -> Result<String, ModelError> {
        self.get(column)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.bad(format!("{column} is not a string")))
    }

    fn uuid(&self, column: &str) -> Result<String, ModelError> {
        atom_uuid(self.get(column)?).ok_or_else(|| self.bad(format!("{column} is not a UUID")))
    }

    /// The elements of a set cell (a lone element is a set of one).
    fn elements(&self, column: &str) -> Result<Vec<&'a Value>, ModelError> {
        let v = self.get(column)?;
        match v.as_array().map(Vec::as_slice) {
            Some([tag, Value::Array(items)]) if tag.as_str() == Some("set") => {
                Ok(items.iter().collect())
            }
            _ => Ok(vec![v]),
        }
    }

    fn uuids(&self, column: &str) -> Result<Vec<String>, ModelError> {
        self.elements(column)?
            .into_iter()
            .map(|v| atom_uuid(v).ok_or_else(|| self.bad(format!("{column} holds a non-UUID"))))
            .collect()
    }

    fn optional_string(&self, column: &str) -> Result<Option<String>, ModelError> {
        match self.elements(column)?.as_slice() {
            [] => Ok(None),
            [v] => Ok(v.as_str().map(str::to_string)),
            _ => Err(self.bad(format!("{column} has several values"))),
        }
    }

    fn optional_int(&self, column: &str) -> Result<Option<i64>, ModelError> {
        match self.elements(column)?.as_slice() {
            [] => Ok(None),
            [v] => Ok(v.as_i64()),
            _ => Err(self.bad(format!("{column} has several values"))),
        }
    }

    fn map(&self, column: &str) -> Result<BTreeMap<String, String>, ModelError> {
        let v = self.get(column)?;
        let pairs = match v.as_array().map(Vec::as_slice) {
            Some([tag, Value::Array(pairs)]) if tag.as_str() == Some("map") => pairs,
            _ => return Err(self.bad(format!("{column} is not a map"))),
        };
        let mut m = BTreeMap::new();
        for pair in pairs {
            if let Some([Value::String(k), Value::String(v)]) = pair.as_array().map(Vec::as_slice) {
                m.insert(k.clone(), v.clone());
            }
        }
        Ok(m)
    }
}

fn atom_uuid(v: &Value) -> Option<String> {
    match v.as_array().map(Vec::as_slice) {
        Some([tag, Value::String(u)]) if tag.as_str() == Some("uuid") => Some(u.clone()),
        _ => None,
    }
}

/// OpenFlow's number for a bridge's local port, which fdb/show calls `LOCAL`.
pub const OFPP_LOCAL: i64 = 65534;

/// One learned entry of `ovs-appctl fdb/show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdbEntry {
    /// OpenFlow port number (`LOCAL` is [`OFPP_LOCAL`]).
    pub port: i64,
    /// VLAN.
    pub vlan: u16,
    /// MAC address as printed (lower-case, colon-separated).
    pub mac: String,
    /// Seconds since the address was last seen (0 for static entries).
    pub age: u64,
}

/// Parses `ovs-appctl fdb/show`'s output; lines that are not entries (the heading) are skipped.
pub fn parse_fdb(text: &str) -> Vec<FdbEntry> {
    text.lines()
        .filter_map(|line| {
            let mut w = line.split_whitespace();
            let port = match w.next()? {
                "LOCAL" => OFPP_LOCAL,
                p => p.parse().ok()?,
            };
            let vlan = w.next()?.parse().ok()?;
            let mac = w.next()?.to_ascii_lowercase();
            parse_mac(&mac)?;
            let age = w.next()?.parse().unwrap_or(0);
            Some(FdbEntry {
                port,
                vlan,
                mac,
                age,
            })
        })
        .collect()
}

/// The six bytes of a colon-separated MAC address.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut out {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"data":[[["uuid","b1"],"br0",["set",[["uuid","p1"],["uuid","p0"]]],true,["map",[["stp-priority","4096"]]]]],"headings":["_uuid","name","ports","stp_enable","other_config"]}
{"data":[[["uuid","p1"],"eth1",["uuid","i1"]],[["uuid","p0"],"br0",["uuid","i0"]],[["uuid","p9"],"lone",["uuid","i9"]]],"headings":["_uuid","name","interfaces"]}
{"data":[[["uuid","i1"],"eth1","aa:55:aa:55:00:01",1,["set",[]]],[["uuid","i0"],"br0",["set",[]],["set",[]],"could not open"],[["uuid","i9"],"lone","aa:55:aa:55:00:09",-1,["set",[]]]],"headings":["_uuid","name","mac_in_use","ofport","error"]}
"#;

    #[test]
    fn parses_a_snapshot() {
        let s = Snapshot::parse(SAMPLE).expect("parse");
        let b = s.bridge("br0").expect("br0");
        assert!(b.stp_enable);
        assert_eq!(
            b.other_config.get("stp-priority").map(String::as_str),
            Some("4096")
        );
        let names: Vec<&str> = s.members(b).iter().map(|m| m.port.name.as_str()).collect();
        assert_eq!(names, ["br0", "eth1"]);
        assert_eq!(s.owner_of("eth1").map(|b| b.name.as_str()), Some("br0"));
        assert!(s.owner_of("lone").is_none());
        assert!(s.knows("lone"));
        assert!(!s.knows("nothing"));
        let i0 = s.interface("br0").expect("i0");
        assert_eq!(i0.mac_in_use, None);
        assert_eq!(i0.ofport, None);
        assert_eq!(i0.error.as_deref(), Some("could not open"));
        assert_eq!(s.interface("lone").and_then(|i| i.ofport), Some(-1));
    }

    #[test]
    fn refuses_malformed_output() {
        assert!(matches!(Snapshot::parse("nope"), Err(ModelError::Json(_))));
        assert_eq!(Snapshot::parse("{}"), Err(ModelError::TableCount(1)));
        let missing = r#"{"data":[["x"]],"headings":["other"]} {"data":[],"headings":[]} {"data":[],"headings":[]}"#;
        assert!(matches!(
            Snapshot::parse(missing),
            Err(ModelError::Table {
                table: "Bridge",
                ..
            })
        ));
    }

    #[test]
    fn parses_fdb_show() {
        let t = " port  VLAN  MAC                Age\n    2     0  50:54:00:00:00:02    7\nLOCAL    10  AA:55:aa:55:00:01    0\n  bad line\n";
        assert_eq!(
            parse_fdb(t),
            vec![
                FdbEntry {
                    port: 2,
                    vlan: 0,
                    mac: "50:54:00:00:00:02".into(),
                    age: 7
                },
                FdbEntry {
                    port: OFPP_LOCAL,
                    vlan: 10,
                    mac: "aa:55:aa:55:00:01".into(),
                    age: 0
                },
            ]
        );
    }

    #[test]
    fn macs() {
        assert_eq!(
            parse_mac("0a:0b:0c:0d:0e:0f"),
            Some([10, 11, 12, 13, 14, 15])
        );
        assert_eq!(parse_mac("0a:0b:0c:0d:0e"), None);
        assert_eq!(parse_mac("0a:0b:0c:0d:0e:0f:00"), None);
        assert_eq!(parse_mac("0a:0b:0c:0d:0e:zz"), None);
    }
}
