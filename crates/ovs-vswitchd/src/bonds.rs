//! Bonds and LACP: a Port row with several interfaces is a bond (`ovs-vsctl add-bond`).
//!
//! [`sync`] (after each reconfiguration) reads each bonded port's `bond_mode`, `lacp`,
//! `bond_updelay`/`bond_downdelay` and `other_config` (`bond-hash-basis`,
//! `bond-rebalance-interval`, `bond-primary`, `lacp-time`, `lacp-fallback-ab`,
//! `lacp-system-priority`), keeps one [`BondPort`] per bond in the bridge's snapshot
//! (translation uses it: see `ofproto::xlate::bonding`), and replaces the members' NORMAL
//! bundles by one bundle for the bond. [`run`] (the daemon's timer) sends LACPDUs, feeds
//! carrier and LACP state to the bond, and revalidates the bridge when a member was enabled
//! or disabled. [`receive_lacp`] takes the slow-protocol frames a member receives (the upcall
//! handler calls it; they are never switched). `ovs-appctl bond/show`, `bond/list`,
//! `lacp/show`, `bond/set-active-slave`/`-member`, `bond/enable-`/`disable-slave`/`-member`
//! and `bond/hash` are answered from here.
//!
//! Differences from Open vSwitch: the bundle rewrite happens right after the bridge's ports
//! are reconfigured, not atomically with it; LACP's system id is the bridge's Ethernet
//! address unless `other_config:lacp-system-id` says otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bond::{Bond, BondSettings, Lacp, LacpSettings, LacpStatus, MemberSettings};
use dpif::Dpif;
use normal::BundleConfig;
use ofproto::BondPort;
use ofswitch::Switch;
use ovsdb_idl::Replica;
use uuid::Uuid;

use crate::config::reader;
use crate::upcall::{lock, revalidate_bridge};
use crate::Shared;

/// What a bond was built from (a change rebuilds it).
#[derive(Clone, Debug, PartialEq)]
struct BondCfg {
    settings: BondSettings,
    lacp: Option<LacpSettings>,
    /// Members: OpenFlow port, interface name, MAC.
    members: Vec<(u16, String, [u8; 6])>,
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = s
        .split(':')
        .map(|x| u8::from_str_radix(x, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    v.try_into().ok()
}

/// The bond configuration of Port row `port`, whose members are `members`.
fn bond_cfg(
    r: &Replica,
    port: &Uuid,
    name: &str,
    bridge_mac: [u8; 6],
    members: Vec<(u16, String, [u8; 6])>,
) -> BondCfg {
    let row = reader(r, "Port", *port);
    let oc = row.smap("other_config");
    let mut s = BondSettings::new(name);
    if let Some(m) = row
        .string("bond_mode")
        .and_then(|m| bond::bond::parse_mode(&m))
    {
        s.mode = m;
    }
    let ms = |v: Option<i64>| v.map_or(0, |v| v.max(0) as u64);
    s.updelay_ms = ms(row.int("bond_updelay"));
    s.downdelay_ms = ms(row.int("bond_downdelay"));
    if let Some(b) = oc.get("bond-hash-basis").and_then(|v| v.parse().ok()) {
        s.basis = b;
    }
    if let Some(i) = oc
        .get("bond-rebalance-interval")
        .and_then(|v| v.parse().ok())
    {
        s.rebalance_interval_ms = i;
    }
    s.primary = oc.get("bond-primary").cloned();
    s.lacp_fallback_ab = oc.get("lacp-fallback-ab").is_some_and(|v| v == "true");
    s.all_members_active = oc.get("all-members-active").is_some_and(|v| v == "true");
    let lacp = match row.string("lacp").as_deref() {
        Some(mode @ ("active" | "passive")) => {
            s.lacp = true;
            let sys_id = oc
                .get("lacp-system-id")
                .and_then(|v| parse_mac(v))
                .unwrap_or(bridge_mac);
            let mut l = LacpSettings::new(name, sys_id);
            l.active = mode == "active";
            l.fast = oc.get("lacp-time").is_some_and(|v| v == "fast");
            l.fallback_ab = s.lacp_fallback_ab;
            if let Some(p) = oc.get("lacp-system-priority").and_then(|v| v.parse().ok()) {
                l.sys_priority = p;
            }
            Some(l)
        }
        _ => None,
    };
    BondCfg {
        settings: s,
        lacp,
        members,
    }
}

fn build(cfg: &BondCfg, bundle: u16, now: u64) -> BondPort {
    let mut b = Bond::new(cfg.settings.clone(), now);
    let mut lacp = cfg.lacp.clone().map(Lacp::new);
    for (ofp, name, mac) in &cfg.members {
        b.add_member(name, *mac);
        if let Some(l) = lacp.as_mut() {
            l.add_member(name, MemberSettings::new(*ofp), false, now);
        }
    }
    BondPort {
        name: cfg.settings.name.clone(),
        bundle,
        members: cfg
            .members
            .iter()
            .map(|(p, n, _)| (*p, n.clone()))
            .collect(),
        bond: Mutex::new(b),
        lacp: Mutex::new(lacp),
    }
}

/// The bonds of every bridge, by (bridge, port name), with what they were built from.
#[derive(Default)]
pub struct Bonds(HashMap<(String, String), (BondCfg, Arc<BondPort>)>);

/// The carrier each bond member had at the last timer run, by bond and member (LACP is told
/// about changes only).
pub type Carriers = Mutex<HashMap<(usize, String), bool>>;

/// Applies the database's bonds to every bridge (after each reconfiguration).
pub fn sync(shared: &Shared, replica: &Replica) {
    type Member = (u16, String, [u8; 6]);
    type Want = (
        String,
        Arc<Mutex<Switch>>,
        [u8; 6],
        Vec<(Uuid, String, Vec<Member>)>,
    );
    let want: Vec<Want> = lock(&shared.vs)
        .bridges
        .iter()
        .map(|(n, b)| {
            let local = b
                .ifaces
                .values()
                .find(|i| i.ofp_port == crate::vswitch::OFPP_LOCAL)
                .map_or([0; 6], |i| i.mac);
            let mut ports: Vec<(Uuid, String, Vec<Member>)> = Vec::new();
            for (pname, p) in &b.cfg.ports {
                if p.interfaces.len() < 2 {
                    continue;
                }
                let mut members: Vec<Member> = b
                    .ifaces
                    .iter()
                    .filter(|(_, i)| &i.port == pname && i.ofp_port != 0)
                    .map(|(iname, i)| (i.ofp_port, iname.clone(), i.mac))
                    .collect();
                members.sort();
                if !members.is_empty() {
                    ports.push((p.uuid, pname.clone(), members));
                }
            }
            (n.clone(), b.switch.clone(), local, ports)
        })
        .collect();
    let (dp, router, clock) = crate::ofconn::handles(shared);
    let now = clock.now_ms();
    let mut all = lock(&shared.bonds);
    let mut live = Vec::new();
    for (bridge, switch, mac, ports) in want {
        let mut ours: Vec<Arc<BondPort>> = Vec::new();
        for (uuid, pname, members) in ports {
            let cfg = bond_cfg(replica, &uuid, &pname, mac, members);
            let key = (bridge.clone(), pname.clone());
            let bundle = cfg.members.first().map_or(0, |m| m.0);
            let entry = match all.0.get(&key) {
                Some((old, bp)) if *old == cfg => bp.clone(),
                _ => {
                    let bp = Arc::new(build(&cfg, bundle, now));
                    all.0.insert(key.clone(), (cfg, bp.clone()));
                    bp
                }
            };
            live.push(key);
            ours.push(entry);
        }
        let mut sw = lock(&switch);
        let same = sw.snap.bonds.len() == ours.len()
            && sw
                .snap
                .bonds
                .iter()
                .zip(&ours)
                .all(|(a, b)| Arc::ptr_eq(a, b));
        let changed = fold_bundles(&mut sw.snap.normal.bridge.bundles, &ours) || !same;
        if changed {
            sw.snap.bonds = ours;
            revalidate_bridge(&dp, &router, &switch, &mut sw.snap, now);
        }
    }
    all.0.retain(|k, _| live.contains(k));
    let ptrs: Vec<usize> = all
        .0
        .values()
        .map(|(_, bp)| Arc::as_ptr(bp) as usize)
        .collect();
    lock(&shared.bond_carriers).retain(|(p, _), _| ptrs.contains(p));
}

/// Replaces the bundles of bond members by one bundle per bond (keeping the first
/// member's VLAN settings). Returns whether anything changed.
fn fold_bundles(bundles: &mut Vec<BundleConfig<u16>>, bonds: &[Arc<BondPort>]) -> bool {
    let mut changed = false;
    for b in bonds {
        let members: Vec<u16> = b.members.iter().map(|(p, _)| *p).collect();
        let Some(pos) = bundles.iter().position(|x| members.contains(&x.id)) else {
            continue;
        };
        let mut first = bundles[pos].clone();
        let before = bundles.len();
        bundles.retain(|x| !members.contains(&x.id) || x.id == first.id);
        if bundles.len() != before || !first.bond || first.id != b.bundle {
            changed = true;
        }
        first.id = b.bundle;
        first.name = b.name.clone();
        first.bond = true;
        if let Some(slot) = bundles.iter_mut().find(|x| members.contains(&x.id)) {
            *slot = first;
        }
    }
    changed
}

/// Takes a slow-protocols frame (EtherType 0x8809) received on OpenFlow port `ofp` of
/// `sw`'s bridge. Returns true if it belonged to a bond member (and must not be switched).
pub fn receive_lacp(sw: &Switch, ofp: u16, frame: &[u8], now_ms: u64) -> bool {
    let Some(bp) = sw.snap.bonds.iter().find(|b| b.member_name(ofp).is_some()) else {
        return false;
    };
    let Some(name) = bp.member_name(ofp) else {
        return false;
    };
    let mut lacp = lock(&bp.lacp);
    if let (Some(l), Ok(payload)) = (lacp.as_mut(), bond::pdu::slow_protocol_payload(frame)) {
        let _ = l.process_packet(name, payload, now_ms);
    }
    true
}

/// Timer work: LACPDUs out, member states in, bridges revalidated when a bond changed.
pub fn run(shared: &Shared) {
    let (dp, router, clock) = crate::ofconn::handles(shared);
    let now = clock.now_ms();
    // Members as (interface name, MAC, datapath port), resolved here from the bridge's
    // interfaces: the bond's locks below are taken while the upcall handler, which holds the
    // switch's lock, may want them too, so the switch must not be locked under them.
    type Members = Vec<(String, [u8; 6], Option<u32>)>;
    type BridgeBonds = (Arc<Mutex<Switch>>, Vec<(Arc<BondPort>, Members)>);
    let by_bridge: Vec<BridgeBonds> = {
        let all = lock(&shared.bonds);
        let vs = lock(&shared.vs);
        let mut out: Vec<BridgeBonds> = Vec::new();
        for ((bridge, _), (cfg, bp)) in &all.0 {
            let Some(b) = vs.bridges.get(bridge) else {
                continue;
            };
            let members: Members = cfg
                .members
                .iter()
                .map(|(_, name, mac)| (name.clone(), *mac, b.ifaces.get(name).map(|i| i.odp_port)))
                .collect();
            match out.iter_mut().find(|(s, _)| Arc::ptr_eq(s, &b.switch)) {
                Some((_, v)) => v.push((bp.clone(), members)),
                None => out.push((b.switch.clone(), vec![(bp.clone(), members)])),
            }
        }
        out
    };
    for (switch, bonds) in by_bridge {
        let mut changed = false;
        for (bp, members) in &bonds {
            let mut lacp = lock(&bp.lacp);
            let mut bond = lock(&bp.bond);
            for (name, _, odp) in members {
                let carrier = odp
                    .and_then(|o| dp.netdev(o))
                    .is_some_and(|d| d.carrier().unwrap_or(false));
                let key = (Arc::as_ptr(bp) as usize, name.clone());
                let was = lock(&shared.bond_carriers).insert(key, carrier);
                let may = match lacp.as_mut() {
                    Some(l) => {
                        if was != Some(carrier) {
                            l.carrier_changed(name, carrier, now);
                        }
                        carrier && l.may_enable(name)
                    }
                    None => carrier,
                };
                bond.set_may_enable(name, may);
            }
            if let Some(l) = lacp.as_mut() {
                for (name, pdu) in l.run(now) {
                    let Some((_, mac, odp)) = members.iter().find(|m| m.0 == name) else {
                        continue;
                    };
                    if let Some(odp) = *odp {
                        let frame = pdu.to_frame(*mac);
                        let _ = dp.execute(
                            packet::PacketBuf::from_slice(&frame),
                            &dpif::PacketMetadata::default(),
                            &[dpif::OdpAction::Output(odp)],
                        );
                    }
                }
            }
            let status = lacp.as_ref().map_or(LacpStatus::Disabled, |l| l.status());
            if bond.run(now, status) {
                changed = true;
            }
            for line in bond.take_log() {
                vlog::global().log("bond", vlog::Level::Info, &line);
            }
        }
        if changed {
            let mut g = lock(&switch);
            revalidate_bridge(&dp, &router, &switch, &mut g.snap, now);
        }
    }
}

/// `bond/show [port]`, `lacp/show [port]`, `bond/list`.
pub fn show(shared: &Shared, what: &str, port: Option<&str>) -> Result<String, String> {
    let (_, _, clock) = crate::ofconn::handles(shared);
    let now = clock.now_ms();
    let all = lock(&shared.bonds);
    let mut bonds: Vec<(&String, &Arc<BondPort>)> =
        all.0.iter().map(|((_, p), (_, bp))| (p, bp)).collect();
    bonds.sort_by(|a, b| a.0.cmp(b.0));
    if let Some(p) = port {
        bonds.retain(|(n, _)| n.as_str() == p);
        if bonds.is_empty() {
            return Err(if what == "lacp" {
                "no such lacp object".into()
            } else {
                "no such bond".into()
            });
        }
    }
    let mut out = String::new();
    match what {
        "lacp" => {
            for (_, bp) in bonds {
                if let Some(l) = lock(&bp.lacp).as_ref() {
                    l.show(&mut out);
                }
            }
        }
        "list" => {
            out.push_str(bond::bond::BOND_LIST_HEADER);
            for (_, bp) in bonds {
                out.push_str(&lock(&bp.bond).list_row(0));
            }
        }
        _ => {
            for (_, bp) in bonds {
                lock(&bp.bond).show(&mut out, now, bond::ShowExtras::default());
            }
        }
    }
    Ok(out)
}

/// `bond/set-active-member PORT MEMBER`, `bond/enable-member PORT MEMBER`,
/// `bond/disable-member PORT MEMBER` (and the `-slave` spellings).
pub fn command(shared: &Shared, cmd: &str, port: &str, member: &str) -> Result<String, String> {
    let all = lock(&shared.bonds);
    let Some((_, bp)) = all.0.iter().find(|((_, p), _)| p == port).map(|(_, v)| v) else {
        return Err("no such bond".into());
    };
    let (_, _, clock) = crate::ofconn::handles(shared);
    let mut b = lock(&bp.bond);
    let r = match cmd {
        "set-active" => b.set_active_member(member),
        "enable" => b.enable_member(member, true, clock.now_ms()),
        _ => b.enable_member(member, false, clock.now_ms()),
    };
    r.map(|s| format!("{s}\n")).map_err(|e| e.to_string())
}
