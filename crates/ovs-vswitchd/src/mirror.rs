//! Port mirrors (SPAN/RSPAN): the `Mirror` rows of each bridge, resolved to OpenFlow port
//! numbers and handed to translation (see `ofproto::xlate::mirror` for what a mirror does
//! to a packet). [`sync`] runs after each reconfiguration: it reads every bridge's
//! `mirrors`, marks the SPAN output ports so that NORMAL switching leaves them alone, and
//! revalidates the bridge's megaflows when anything changed.
//!
//! A mirror with neither `output_port` nor `output_vlan`, or whose output port is not on
//! the bridge, is ignored (with a warning), as in Open vSwitch.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use ofproto::{Mirror, MirrorOutput};
use ofswitch::Switch;
use ovsdb_idl::Replica;
use uuid::Uuid;

use crate::config::{reader, vlans};
use crate::upcall::{lock, revalidate_bridge};
use crate::Shared;

/// The mirrors of the bridge with row `bridge`, whose interfaces are `(port name, OpenFlow
/// port)` pairs, plus the SPAN output ports.
fn read(
    r: &Replica,
    bridge: &Uuid,
    bridge_name: &str,
    ifaces: &[(String, u16)],
    warn: &mut Vec<String>,
) -> (Vec<Mirror>, BTreeSet<u16>) {
    // A Port row -> the OpenFlow numbers of its interfaces.
    let ports_of = |port_uuids: Vec<Uuid>| -> Vec<u16> {
        port_uuids
            .iter()
            .filter_map(|u| reader(r, "Port", *u).string("name"))
            .flat_map(|name| {
                ifaces
                    .iter()
                    .filter(move |(p, _)| *p == name)
                    .map(|(_, ofp)| *ofp)
            })
            .collect()
    };
    let mut mirrors = Vec::new();
    let mut outs = BTreeSet::new();
    for mu in reader(r, "Bridge", *bridge).uuids("mirrors") {
        if r.row("Mirror", &mu).is_none() {
            continue;
        }
        let m = reader(r, "Mirror", mu);
        let name = m.string("name").unwrap_or_default();
        let output = if let Some(pu) = m.uuids("output_port").first() {
            match ports_of(vec![*pu]).first() {
                Some(p) => MirrorOutput::Port(*p),
                None => {
                    warn.push(format!(
                        "bridge {bridge_name}: mirror {name}: output port is not on the bridge"
                    ));
                    continue;
                }
            }
        } else if let Some(v) = vlans(m.ints("output_vlan")).first().copied() {
            MirrorOutput::Vlan(v)
        } else {
            warn.push(format!(
                "bridge {bridge_name}: mirror {name} does not specify output; ignoring"
            ));
            continue;
        };
        if let MirrorOutput::Port(p) = output {
            outs.insert(p);
        }
        mirrors.push(Mirror {
            name,
            select_all: m.boolean("select_all"),
            select_src: ports_of(m.uuids("select_src_port")),
            select_dst: ports_of(m.uuids("select_dst_port")),
            select_vlan: vlans(m.ints("select_vlan")),
            output,
        });
    }
    (mirrors, outs)
}

/// Applies the database's mirrors to every bridge (after each reconfiguration).
pub fn sync(shared: &Shared, replica: &Replica) {
    type Want = (String, Uuid, Arc<Mutex<Switch>>, Vec<(String, u16)>);
    let want: Vec<Want> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| {
            let ifaces = b
                .ifaces
                .values()
                .map(|i| (i.port.clone(), i.ofp_port))
                .collect();
            (n.clone(), b.uuid, b.switch.clone(), ifaces)
        })
        .collect();
    let (dp, router, clock) = crate::ofconn::handles(shared);
    let mut warnings = Vec::new();
    for (name, uuid, switch, ifaces) in want {
        let (mirrors, outs) = read(replica, &uuid, &name, &ifaces, &mut warnings);
        let mut sw = lock(&switch);
        let mut changed = sw.snap.mirrors != mirrors;
        for b in &mut sw.snap.normal.bridge.bundles {
            let out = outs.contains(&b.id);
            if b.mirror_out != out {
                b.mirror_out = out;
                changed = true;
            }
        }
        if changed {
            sw.snap.mirrors = mirrors;
            revalidate_bridge(&dp, &router, &switch, &mut sw.snap, clock.now_ms());
        }
    }
    for w in warnings {
        vlog::global().log("bridge", vlog::Level::Warn, &w);
    }
}
