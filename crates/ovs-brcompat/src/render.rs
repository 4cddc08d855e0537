//! brctl's two tables, `show` and `showmacs`, drawn from a [`Snapshot`] and fdb/show entries.
//!
//! `brctl show` prints a heading and one row per bridge: its name, its bridge id (the STP
//! priority as four hex digits, a dot, the bridge's MAC address as twelve hex digits), whether
//! STP is on, and its first port; each further port gets a row of its own, indented by seven
//! tabs. Columns are separated with the tabs bridge-utils uses, which scripts split on. For an
//! Open vSwitch bridge the priority is `other_config:stp-priority` (default 32768), the MAC is
//! the `mac_in_use` of the bridge's internal interface, STP is `stp_enable`, and the ports are
//! the bridge's ports other than its own internal one, by name (ovs-vsctl's `list-ports`).
//!
//! `brctl showmacs` prints the forwarding database sorted by MAC address: port number, MAC,
//! whether the address is the bridge's own ("is local?") and the seconds since it was last
//! seen, with two decimals. The Linux bridge lists each port's own address as a local entry;
//! so do we, from the `mac_in_use` and `ofport` of each port's interfaces, and a learned entry
//! for an address that is local is left out. A learned entry for the bridge's own address (its
//! internal interface's) is shown as local. Learned entries come from `ovs-appctl fdb/show`;
//! their port numbers are OpenFlow port numbers (65534 for the bridge's local port).

use crate::model::{parse_mac, Bridge, FdbEntry, Snapshot};

/// The heading of `brctl show`.
pub const SHOW_HEADING: &str = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n";

/// The heading of `brctl showmacs`.
pub const SHOWMACS_HEADING: &str = "port no\tmac addr\t\tis local?\tageing timer\n";

/// The STP priority Open vSwitch uses when `other_config:stp-priority` is not set.
const DEFAULT_PRIORITY: u16 = 0x8000;

/// The bridge id brctl shows: `8000.0123456789ab`.
pub fn bridge_id(snap: &Snapshot, bridge: &Bridge) -> String {
    let priority = bridge
        .other_config
        .get("stp-priority")
        .and_then(|p| p.trim().parse::<u16>().ok())
        .unwrap_or(DEFAULT_PRIORITY);
    let mac = snap
        .interface(&bridge.name)
        .and_then(|i| i.mac_in_use.as_deref())
        .and_then(parse_mac)
        .unwrap_or([0; 6]);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("{priority:04x}.{hex}")
}

/// `brctl show`'s rows for one bridge (without the heading).
pub fn show_rows(snap: &Snapshot, bridge: &Bridge) -> String {
    let ports: Vec<&str> = snap
        .members(bridge)
        .into_iter()
        .map(|m| m.port.name.as_str())
        .filter(|name| *name != bridge.name)
        .collect();
    let stp = if bridge.stp_enable { "yes" } else { "no" };
    let mut s = format!(
        "{}\t\t{}\t{}\t\t{}\n",
        bridge.name,
        bridge_id(snap, bridge),
        stp,
        ports.first().copied().unwrap_or("")
    );
    for p in ports.iter().skip(1) {
        s.push_str(&format!("\t\t\t\t\t\t\t{p}\n"));
    }
    s
}

/// One row of `brctl showmacs`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MacRow {
    port: i64,
    mac: [u8; 6],
    local: bool,
    age: u64,
}

/// `brctl showmacs`'s table (heading included) for `bridge`, given its fdb/show entries.
pub fn showmacs(snap: &Snapshot, bridge: &Bridge, fdb: &[FdbEntry]) -> String {
    let mut rows: Vec<MacRow> = Vec::new();
    for m in snap.members(bridge) {
        if m.port.name == bridge.name {
            // The bridge's internal port is the bridge device itself, not one of its ports.
            continue;
        }
        for i in &m.interfaces {
            let (Some(mac), Some(port)) = (i.mac_in_use.as_deref().and_then(parse_mac), i.ofport)
            else {
                continue;
            };
            if port > 0 && !rows.iter().any(|r| r.mac == mac) {
                rows.push(MacRow {
                    port,
                    mac,
                    local: true,
                    age: 0,
                });
            }
        }
    }
    // The bridge's own address (its internal interface's) is local too, but like the Linux
    // bridge device it is not a port: it shows up only if the switch learned it.
    let own = snap
        .interface(&bridge.name)
        .and_then(|i| i.mac_in_use.as_deref())
        .and_then(parse_mac);
    let locals = rows.len();
    for e in fdb {
        let Some(mac) = parse_mac(&e.mac) else {
            continue;
        };
        if rows.iter().take(locals).any(|r| r.mac == mac) {
            continue;
        }
        let local = own == Some(mac);
        rows.push(MacRow {
            port: e.port,
            mac,
            local,
            age: if local { 0 } else { e.age },
        });
    }
    rows.sort_by_key(|r| r.mac);
    let mut s = String::from(SHOWMACS_HEADING);
    for r in rows {
        let mac: Vec<String> = r.mac.iter().map(|b| format!("{b:02x}")).collect();
        s.push_str(&format!(
            "{:>3}\t{}\t{}\t\t{:>4}.00\n",
            r.port,
            mac.join(":"),
            if r.local { "yes" } else { "no" },
            r.age
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Snapshot;

    fn snap() -> Snapshot {
        let text = r#"{"data":[[["uuid","b1"],"br0",["set",[["uuid","p2"],["uuid","p1"],["uuid","p0"]]],false,["map",[]]],[["uuid","b2"],"br1",["set",[]],true,["map",[["stp-priority","4096"]]]]],"headings":["_uuid","name","ports","stp_enable","other_config"]}
{"data":[[["uuid","p1"],"eth1",["uuid","i1"]],[["uuid","p2"],"eth2",["uuid","i2"]],[["uuid","p0"],"br0",["uuid","i0"]]],"headings":["_uuid","name","interfaces"]}
{"data":[[["uuid","i1"],"eth1","aa:55:aa:55:00:01",1,["set",[]]],[["uuid","i2"],"eth2","0a:00:00:00:00:02",2,["set",[]]],[["uuid","i0"],"br0","02:00:00:00:00:01",65534,["set",[]]]],"headings":["_uuid","name","mac_in_use","ofport","error"]}
"#;
        Snapshot::parse(text).expect("snapshot")
    }

    #[test]
    fn show_table() {
        let s = snap();
        let br0 = s.bridge("br0").expect("br0");
        let br1 = s.bridge("br1").expect("br1");
        assert_eq!(
            show_rows(&s, br0),
            "br0\t\t8000.020000000001\tno\t\teth1\n\t\t\t\t\t\t\teth2\n"
        );
        assert_eq!(show_rows(&s, br1), "br1\t\t1000.000000000000\tyes\t\t\n");
    }

    #[test]
    fn showmacs_table() {
        let s = snap();
        let br0 = s.bridge("br0").expect("br0");
        let fdb = [
            FdbEntry {
                port: 2,
                vlan: 0,
                mac: "50:54:00:00:00:09".into(),
                age: 12,
            },
            FdbEntry {
                port: 2,
                vlan: 0,
                mac: "aa:55:aa:55:00:01".into(),
                age: 3,
            },
            FdbEntry {
                port: 65534,
                vlan: 0,
                mac: "02:00:00:00:00:01".into(),
                age: 9,
            },
            FdbEntry {
                port: 65534,
                vlan: 0,
                mac: "02:00:00:00:00:07".into(),
                age: 1,
            },
        ];
        assert_eq!(
            showmacs(&s, br0, &fdb),
            "port no\tmac addr\t\tis local?\tageing timer\n\
             65534\t02:00:00:00:00:01\tyes\t\t   0.00\n\
             65534\t02:00:00:00:00:07\tno\t\t   1.00\n\
             \x20 2\t0a:00:00:00:00:02\tyes\t\t   0.00\n\
             \x20 2\t50:54:00:00:00:09\tno\t\t  12.00\n\
             \x20 1\taa:55:aa:55:00:01\tyes\t\t   0.00\n"
        );
    }
}
