//! Replays the scenarios recorded from Open vSwitch 3.1 (`data/scenarios.json`, produced by
//! `data/gen_scenarios.py`) on the pure model and compares every observation: the outputs of
//! each `ofproto/trace` (port and the VLAN headers the frame leaves with, derived from the
//! datapath actions), its NORMAL explanation lines, and the exact `fdb/show` and
//! `fdb/stats-show` texts. Open vSwitch is not needed to run it.

use std::collections::BTreeMap;

use flow::{FieldId, Flow, FlowWildcards};
use normal::{
    bond_admissibility, parse_mac, xlate_normal_input, BondMode, BondVerdict, BridgeConfig,
    BundleConfig, MacTable, NormalInput, PortVlan, PortVlanSettings, PriorityTags, VlanMode,
};
use serde_json::Value;

const LOCAL: u16 = 65534;

fn settings(p: &Value) -> PortVlanSettings {
    let list = |k: &str| -> Vec<u16> {
        p.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_u64())
                    .map(|v| v as u16)
                    .collect()
            })
            .unwrap_or_default()
    };
    PortVlanSettings {
        tag: p.get("tag").and_then(Value::as_u64).map(|t| t as u16),
        trunks: list("trunks"),
        vlan_mode: p
            .get("vlan_mode")
            .and_then(Value::as_str)
            .and_then(VlanMode::parse),
        cvlans: list("cvlans"),
        priority_tags: p
            .get("priority_tags")
            .and_then(Value::as_str)
            .and_then(PriorityTags::parse)
            .unwrap_or_default(),
        qinq_tpid: p.get("qinq_ethtype").and_then(Value::as_str).map(|s| {
            if s == "802.1q" {
                0x8100
            } else {
                0x88a8
            }
        }),
    }
}

fn ip(s: &str) -> u128 {
    s.split('.')
        .filter_map(|o| o.parse::<u8>().ok())
        .fold(0u128, |a, o| (a << 8) | u128::from(o))
}

fn packet_flow(pkt: &Value, ofport: &BTreeMap<String, u16>, learn: bool) -> (Flow, u16) {
    let name = pkt["in_port"].as_str().unwrap_or_default();
    let port = ofport.get(name).copied().unwrap_or(0);
    let mut f = Flow::new();
    f.set_in_port(port);
    f.set_dl_src(parse_mac(pkt["src"].as_str().unwrap_or_default()).unwrap_or(0));
    f.set_dl_dst(parse_mac(pkt["dst"].as_str().unwrap_or_default()).unwrap_or(0));
    if let Some(vid) = pkt["vlan"].as_u64() {
        let pcp = pkt["pcp"].as_u64().unwrap_or(0);
        f.set_vlan_tci(0x1000 | (pcp << 13) as u16 | vid as u16);
        f.set_vlan_tpid(0, pkt["tpid"].as_u64().unwrap_or(0x8100) as u16);
        if let Some(vid1) = pkt["vlan1"].as_u64() {
            f.set_vlan_tci1(0x1000 | vid1 as u16);
            f.set_vlan_tpid(1, 0x8100);
        }
    }
    if let Some(arp) = pkt["arp"].as_array() {
        f.set_dl_type(0x0806);
        let op: u128 = arp[0].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        f.set(FieldId::ArpOp, op);
        f.set(FieldId::ArpSpa, ip(arp[1].as_str().unwrap_or_default()));
        f.set(FieldId::ArpTpa, ip(arp[2].as_str().unwrap_or_default()));
    } else if learn {
        f.set_dl_type(0x0800);
    }
    (f, port)
}

struct Sim {
    bridge: BridgeConfig<u16>,
    settings: BTreeMap<String, PortVlanSettings>,
    ofport: BTreeMap<String, u16>,
    names: BTreeMap<u16, String>,
    /// Bond member OpenFlow port number -> the bond's port number as the model prints it.
    member_ports: BTreeMap<String, String>,
    /// Bond member name -> whether its bond is active-backup (else balance-slb).
    bond_members: BTreeMap<String, bool>,
    table: MacTable<u16>,
    now: u64,
}

impl Sim {
    fn new(sc: &Value) -> Sim {
        let mut bridge = BridgeConfig {
            bundles: vec![BundleConfig::new(LOCAL, "br0", PortVlan::default())],
            forward_bpdu: false,
        };
        let mut ofport = BTreeMap::from([("br0".to_string(), LOCAL)]);
        let mut settings_map = BTreeMap::new();
        let mut bond_mode = BTreeMap::new();
        let mut member_ports = BTreeMap::new();
        for p in sc["ports"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default().to_string();
            let id = p["ofport"].as_u64().unwrap_or(0) as u16;
            let s = settings(p);
            let mut b = BundleConfig::new(id, name.clone(), PortVlan::new(&s));
            if let Some(members) = p["bond"].as_array() {
                b.bond = true;
                for m in members {
                    let member = m[0].as_str().unwrap_or_default().to_string();
                    member_ports.insert(m[1].to_string(), id.to_string());
                    ofport.insert(member.clone(), id);
                    bond_mode.insert(member, p["bond_mode"].as_str() == Some("active-backup"));
                }
            }
            bridge.bundles.push(b);
            ofport.insert(name.clone(), id);
            settings_map.insert(name, s);
        }
        let names = ofport
            .iter()
            .filter(|(k, _)| !bond_mode.contains_key(*k))
            .map(|(k, v)| (*v, k.clone()))
            .collect();
        let mut table = MacTable::new();
        let b = &sc["bridge"];
        if let Some(t) = b["mac-aging-time"].as_u64() {
            table.set_idle_time(t as u32);
        }
        if let Some(n) = b["mac-table-size"].as_u64() {
            table.set_max_entries(n as usize);
        }
        if let Some(v) = b["flood_vlans"].as_array() {
            let v: Vec<u16> = v
                .iter()
                .filter_map(Value::as_u64)
                .map(|x| x as u16)
                .collect();
            table.set_flood_vlans(&v);
        }
        bridge.forward_bpdu = b["forward-bpdu"].as_str() == Some("true");
        Sim {
            bridge,
            settings: settings_map,
            ofport,
            names,
            bond_members: bond_mode,
            member_ports,
            table,
            now: 0,
        }
    }

    fn set_port(&mut self, port: &str, cfg: &Value) {
        let Some(s) = self.settings.get_mut(port) else {
            return;
        };
        for (k, v) in cfg.as_object().into_iter().flatten() {
            let mut one = serde_json::Map::new();
            one.insert(k.clone(), v.clone());
            let parsed = settings(&Value::Object(one));
            match k.as_str() {
                "tag" => s.tag = parsed.tag,
                "trunks" => s.trunks = parsed.trunks,
                "vlan_mode" => s.vlan_mode = parsed.vlan_mode,
                "cvlans" => s.cvlans = parsed.cvlans,
                "priority_tags" => s.priority_tags = parsed.priority_tags,
                "qinq_ethtype" => s.qinq_tpid = parsed.qinq_tpid,
                _ => {}
            }
        }
        let new = PortVlan::new(s);
        let id = self.ofport.get(port).copied().unwrap_or(0);
        if let Some(b) = self.bridge.bundles.iter_mut().find(|b| b.id == id) {
            if b.vlan != new {
                b.vlan = new;
                self.table.flush_port(id);
            }
        }
    }
}

/// `fdb/show` names a bond by the port number of one of its members, chosen by Open
/// vSwitch's internal ordering; rewrite any member's number to the bond's number the model
/// prints, so the comparison does not depend on that choice.
fn alias_bond_members(text: &str, members: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let (port, rest) = line.split_at(line.len().min(5));
        match members.get(port.trim()) {
            Some(bond) => out.push_str(&format!("{bond:>5}{rest}")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn matches_open_vswitch() {
    let data: Value = serde_json::from_str(include_str!("data/scenarios.json"))
        .expect("scenarios.json is valid JSON");
    let mut failures = Vec::new();
    let mut checked = 0;
    for sc in data["scenarios"].as_array().into_iter().flatten() {
        let name = sc["name"].as_str().unwrap_or_default();
        let mut sim = Sim::new(sc);
        for (i, st) in sc["steps"].as_array().into_iter().flatten().enumerate() {
            let whereat = format!("{name} step {i}");
            match st["op"].as_str().unwrap_or_default() {
                "trace" | "learn" => {
                    let learn = st["op"] == "learn";
                    let (f, port) = packet_flow(&st["pkt"], &sim.ofport, learn);
                    let mut wc = FlowWildcards::catchall();
                    let in_name = st["pkt"]["in_port"].as_str().unwrap_or_default();
                    let bond_verdict = match sim.bond_members.get(in_name) {
                        Some(ab) => {
                            let active = st["bond_active"]
                                .as_array()
                                .is_some_and(|a| a.iter().any(|m| m == in_name));
                            let mode = if *ab {
                                BondMode::ActiveBackup
                            } else {
                                BondMode::BalanceSlb
                            };
                            bond_admissibility(mode, false, true, active, f.dl_dst())
                        }
                        None => BondVerdict::Accept,
                    };
                    let input = NormalInput {
                        flow: &f,
                        in_port: port,
                        now_ms: sim.now,
                        side_effects: learn,
                        bond_verdict,
                    };
                    let d = xlate_normal_input(&sim.bridge, &mut sim.table, &input, &mut wc);
                    if learn {
                        continue;
                    }
                    checked += 1;
                    let exp = &st["expect"];
                    let mut ours: Vec<Value> = d
                        .outputs
                        .iter()
                        .map(|o| {
                            let tags: Vec<Value> = o
                                .tags
                                .iter()
                                .map(|t| serde_json::json!([t.tpid, t.vid, t.pcp]))
                                .collect();
                            serde_json::json!([
                                sim.names.get(&o.port).cloned().unwrap_or_default(),
                                tags
                            ])
                        })
                        .collect();
                    ours.sort_by_key(|v| v.to_string());
                    let mut theirs: Vec<Value> =
                        exp["outputs"].as_array().cloned().unwrap_or_default();
                    theirs.sort_by_key(|v| v.to_string());
                    if ours != theirs {
                        failures.push(format!(
                            "{whereat} {}: outputs\n  ovs:  {}\n  ours: {}\n  (datapath: {})",
                            st["pkt"],
                            Value::Array(theirs),
                            Value::Array(ours),
                            exp["datapath"]
                        ));
                    }
                    let explain: Vec<String> = exp["explain"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect();
                    if explain != d.trace {
                        failures.push(format!(
                            "{whereat}: explanation\n  ovs:  {explain:?}\n  ours: {:?}",
                            d.trace
                        ));
                    }
                    if !wc.is_exact(FieldId::EthSrc) || !wc.is_exact(FieldId::EthDst) {
                        failures.push(format!("{whereat}: dl_src/dl_dst not un-wildcarded"));
                    }
                    // The gratuitous-ARP test's fields appear in OVS's megaflow exactly when
                    // the model consulted them.
                    let megaflow = exp["megaflow"].as_str().unwrap_or_default();
                    for (field, text) in [
                        (FieldId::ArpOp, "arp_op="),
                        (FieldId::ArpSpa, "arp_spa="),
                        (FieldId::ArpTpa, "arp_tpa="),
                    ] {
                        if wc.is_exact(field) != megaflow.contains(text) {
                            failures.push(format!(
                                "{whereat}: {text} consulted={} but megaflow is {megaflow}",
                                wc.is_exact(field)
                            ));
                        }
                    }
                }
                "warp" => {
                    sim.now += st["ms"].as_u64().unwrap_or(0);
                    sim.table.run(sim.now);
                }
                "fdb" => {
                    checked += 1;
                    let ours = sim.table.format_show(sim.now, |p| {
                        if p == LOCAL {
                            "LOCAL".to_string()
                        } else {
                            p.to_string()
                        }
                    });
                    let expected = alias_bond_members(
                        st["expect"].as_str().unwrap_or_default(),
                        &sim.member_ports,
                    );
                    if ours != expected {
                        failures.push(format!(
                            "{whereat}: fdb/show\n--- ovs\n{}--- ours\n{ours}",
                            st["expect"].as_str().unwrap_or_default()
                        ));
                    }
                }
                "stats" => {
                    checked += 1;
                    let ours = sim.table.format_stats("br0");
                    let expected = alias_bond_members(
                        st["expect"].as_str().unwrap_or_default(),
                        &sim.member_ports,
                    );
                    if ours != expected {
                        failures.push(format!(
                            "{whereat}: fdb/stats-show\n--- ovs\n{}--- ours\n{ours}",
                            st["expect"].as_str().unwrap_or_default()
                        ));
                    }
                }
                "flush" => {
                    sim.table.flush();
                }
                "set_port" => {
                    let port = st["port"].as_str().unwrap_or_default().to_string();
                    sim.set_port(&port, &st["cfg"]);
                }
                "set_bridge" => {
                    if let Some(v) = st["cfg"]["flood_vlans"].as_array() {
                        let v: Vec<u16> = v
                            .iter()
                            .filter_map(Value::as_u64)
                            .map(|x| x as u16)
                            .collect();
                        sim.table.set_flood_vlans(&v);
                    }
                }
                "fdb_add" => {
                    let port = sim.ofport.get(st["port"].as_str().unwrap_or_default());
                    let mac = parse_mac(st["mac"].as_str().unwrap_or_default());
                    if let (Some(port), Some(mac)) = (port.copied(), mac) {
                        let vlan = st["vlan"].as_u64().unwrap_or(0) as u16;
                        sim.table.add_static(mac, vlan, port);
                    }
                }
                "fdb_del" => {
                    if let Some(mac) = parse_mac(st["mac"].as_str().unwrap_or_default()) {
                        sim.table
                            .delete(mac, st["vlan"].as_u64().unwrap_or(0) as u16);
                    }
                }
                "noflood" | "mirror_out" => {
                    let id = sim.ofport.get(st["port"].as_str().unwrap_or_default());
                    let id = id.copied().unwrap_or(0);
                    if let Some(b) = sim.bridge.bundles.iter_mut().find(|b| b.id == id) {
                        if st["op"] == "noflood" {
                            b.floodable = false;
                        } else {
                            b.mirror_out = true;
                        }
                    }
                }
                other => failures.push(format!("{whereat}: unknown op {other}")),
            }
        }
    }
    assert!(checked >= 80, "only {checked} observed cases");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from Open vSwitch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
