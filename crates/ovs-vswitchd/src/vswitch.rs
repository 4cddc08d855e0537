//! The running switch: bridges, their ports in the datapath, and reconciliation of both
//! with the configuration read from the database.
//!
//! [`Vswitch::reconcile`] brings what runs in line with a [`Config`]: it deletes bridges
//! and interfaces that are gone (or whose type or options changed), creates the new ones
//! (opening their netdevs and adding them to the one userspace datapath), numbers them
//! (OpenFlow `ofport_request` when free, else the lowest free number; datapath numbers as
//! Open vSwitch's userspace datapaths choose them), updates each bridge's OpenFlow port
//! list and NORMAL configuration, and revalidates the bridge's megaflows. It then reports
//! per interface what the database's status columns should say ([`IfaceStatus`]).
//!
//! A reconfiguration costs in proportion to what changed: a bridge whose configuration
//! and interfaces are unchanged is left alone; the link state of a bridge's existing
//! ports is taken from its switch (kept current by the periodic refresh), only new ports
//! are asked; an interface that could not be set up (its device missing, say) is
//! remembered with its error and tried again when its configuration changes or after
//! [`RETRY`], not on every change anywhere, and its error is logged once.
//!
//! Port operations on the datapath are made without holding any bridge lock: removing a
//! port waits for every PMD thread, and a PMD may be waiting for a bridge lock in an upcall.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use datapath::Datapath;
use dpif::{Dpif, OdpPort};
use normal::{BridgeConfig, BundleConfig, PortVlan, PortVlanSettings, PriorityTags, VlanMode};
use ofproto::PortInfo;
use ofswitch::{PortDesc, Switch, SwitchInfo};
use uuid::Uuid;

use crate::clock::Clock;
use crate::config::{BridgeCfg, Config, IfaceCfg, PortCfg};
use crate::options::DummyMode;
use crate::upcall::{lock, revalidate_bridge, Route, Router};

/// OpenFlow number of a bridge's local port.
pub const OFPP_LOCAL: u16 = 0xfffe;

/// One interface as it runs.
#[derive(Debug, Clone)]
pub struct IfaceRt {
    /// Interface row.
    pub uuid: Option<Uuid>,
    /// Its port's name.
    pub port: String,
    /// Configured type.
    pub iface_type: String,
    /// Configured options.
    pub options: BTreeMap<String, String>,
    /// OpenFlow port number.
    pub ofp_port: u16,
    /// Datapath port number.
    pub odp_port: OdpPort,
    /// Netdev type the datapath reports (`dummy`, `system`, `tap`, `internal`...).
    pub dp_type: String,
    /// `ofport_request` it was numbered with.
    pub ofport_request: Option<u16>,
    /// Ethernet address (read once when the port is added, updated when we set it).
    pub mac: [u8; 6],
    /// Kernel interface index (0 for ports without one).
    pub ifindex: i64,
}

/// What the status columns of an interface should say.
#[derive(Debug, Clone, PartialEq)]
pub struct IfaceStatus {
    /// `ofport` (-1 on failure).
    pub ofport: i64,
    /// `error`.
    pub error: Option<String>,
    /// `mac_in_use`.
    pub mac_in_use: Option<String>,
    /// `ifindex`.
    pub ifindex: Option<i64>,
    /// `admin_state`/`link_state`.
    pub up: Option<bool>,
}

/// How long an interface that could not be set up waits before it is tried again (unless
/// its configuration changes).
const RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The configuration an interface failed with.
#[derive(Debug, Clone, PartialEq)]
struct FailedKey {
    iface_type: String,
    options: BTreeMap<String, String>,
    ofport_request: Option<u16>,
    port: String,
}

/// An interface that could not be set up.
#[derive(Debug, Clone)]
pub struct FailedIface {
    bridge: String,
    uuid: Option<Uuid>,
    key: FailedKey,
    error: String,
    retry_at: std::time::Instant,
}

/// Port numbers in use while a bridge's interfaces are added, with the lowest numbers
/// that may be free (every number below them is used), so that adding or retrying many
/// ports does not scan the used numbers from 1 each time.
struct Used {
    /// Datapath numbers (all ports of the datapath).
    odp: BTreeSet<OdpPort>,
    /// OpenFlow numbers of the bridge.
    ofp: BTreeSet<u16>,
    odp_low: OdpPort,
    ofp_low: u16,
}

impl Used {
    fn new(odp: BTreeSet<OdpPort>, ofp: BTreeSet<u16>) -> Used {
        let mut u = Used {
            odp,
            ofp,
            odp_low: 1,
            ofp_low: 1,
        };
        u.advance();
        u
    }

    fn advance(&mut self) {
        while self.odp_low < 0xff00 && self.odp.contains(&self.odp_low) {
            self.odp_low += 1;
        }
        while self.ofp_low < 0xff00 && self.ofp.contains(&self.ofp_low) {
            self.ofp_low += 1;
        }
    }

    fn insert(&mut self, odp: OdpPort, ofp: u16) {
        self.odp.insert(odp);
        self.ofp.insert(ofp);
        self.advance();
    }

    /// The lowest free datapath number at or above `start`.
    fn free_odp(&self, start: OdpPort) -> Option<OdpPort> {
        (start.max(self.odp_low)..0xff00).find(|n| !self.odp.contains(n))
    }

    /// The lowest free OpenFlow number.
    fn free_ofp(&self) -> Option<u16> {
        (self.ofp_low..0xff00).find(|n| !self.ofp.contains(n))
    }
}

impl FailedKey {
    fn matches(
        &self,
        itype: &str,
        options: &BTreeMap<String, String>,
        ofreq: Option<u16>,
        port: &str,
    ) -> bool {
        self.iface_type == itype
            && self.options == *options
            && self.ofport_request == ofreq
            && self.port == port
    }
}

impl IfaceStatus {
    fn failed(error: &str) -> IfaceStatus {
        IfaceStatus {
            ofport: -1,
            error: Some(error.to_string()),
            mac_in_use: None,
            ifindex: None,
            up: None,
        }
    }
}

/// One bridge as it runs.
pub struct BridgeRt {
    /// Bridge row.
    pub uuid: Uuid,
    /// The OpenFlow switch (tables, translation snapshot, connections).
    pub switch: Arc<Mutex<Switch>>,
    /// Interfaces by name (the local port under the bridge's name).
    pub ifaces: BTreeMap<String, IfaceRt>,
    /// Datapath id.
    pub datapath_id: u64,
    /// Last applied configuration.
    pub cfg: BridgeCfg,
    /// Set once the management socket listens.
    pub mgmt_started: bool,
}

/// The whole switch.
pub struct Vswitch {
    /// The userspace datapath shared by all bridges.
    pub dp: Arc<Datapath>,
    /// Datapath port -> bridge.
    pub router: Arc<Router>,
    /// Switch clock.
    pub clock: Arc<Clock>,
    /// `--enable-dummy`.
    pub dummy: DummyMode,
    /// `--disable-system`.
    pub disable_system: bool,
    /// Bridges by name.
    pub bridges: BTreeMap<String, BridgeRt>,
    /// Interface status by interface row.
    pub status: BTreeMap<Uuid, IfaceStatus>,
    /// Interfaces that could not be set up, by name (retried later).
    pub failed: BTreeMap<String, FailedIface>,
    /// Messages for the log (drained by the caller), `true` for warnings.
    pub log: Vec<(bool, String)>,
    /// OpenFlow messages produced by reconfiguration (port status), for the caller to send.
    pub outbox: Vec<(Arc<Mutex<Switch>>, Vec<ofswitch::Outgoing>)>,
}

/// The OpenFlow versions `Bridge.protocols` allows (bit n = wire version n); Open vSwitch
/// allows 1.0 to 1.5 when the column is empty.
pub fn allowed_versions(protocols: &[String]) -> u32 {
    let mut bits = 0;
    for p in protocols {
        bits |= match p.as_str() {
            "OpenFlow10" => 1 << 1,
            "OpenFlow11" => 1 << 2,
            "OpenFlow12" => 1 << 3,
            "OpenFlow13" => 1 << 4,
            "OpenFlow14" => 1 << 5,
            "OpenFlow15" => 1 << 6,
            _ => 0,
        };
    }
    if bits == 0 {
        0b111_1110
    } else {
        bits
    }
}

/// Keeps the kernel's own IP stack out of the way on a kernel interface the switch has
/// taken as a port: it must not answer ARP for the host's addresses on it (`arp_ignore=8`)
/// nor run IPv6 (neighbour discovery, link-local address) there. The switch, not the
/// kernel, owns the frames that arrive on a port; without this the host answers some of
/// them twice. Best effort: a missing sysctl (no IPv6) is not an error.
fn quiet_kernel_stack(ifname: &str) {
    if ifname.contains('/') || ifname.starts_with('.') {
        return;
    }
    let _ = std::fs::write(format!("/proc/sys/net/ipv4/conf/{ifname}/arp_ignore"), "8");
    let _ = std::fs::write(
        format!("/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6"),
        "1",
    );
}

fn mac_string(m: [u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = s
        .split(':')
        .map(|x| u8::from_str_radix(x, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    v.try_into().ok()
}

impl Vswitch {
    /// A switch with no bridges on datapath `dp`.
    pub fn new(
        dp: Arc<Datapath>,
        router: Arc<Router>,
        clock: Arc<Clock>,
        dummy: DummyMode,
        disable_system: bool,
    ) -> Vswitch {
        Vswitch {
            dp,
            router,
            clock,
            dummy,
            disable_system,
            bridges: BTreeMap::new(),
            status: BTreeMap::new(),
            failed: BTreeMap::new(),
            log: Vec::new(),
            outbox: Vec::new(),
        }
    }

    /// Whether `br` runs as a dummy bridge (its internal ports are dummies).
    fn dummy_bridge(&self, br: &BridgeCfg) -> bool {
        self.dummy == DummyMode::Override
            || (self.dummy == DummyMode::On && br.datapath_type == "dummy")
    }

    /// The datapath netdev type for an interface of configured type `t`.
    fn netdev_type(&self, br: &BridgeCfg, t: &str, is_local: bool) -> Result<&'static str, String> {
        let dummy = self.dummy_bridge(br);
        Ok(match t {
            "internal" if dummy => "dummy-internal",
            _ if is_local && dummy => "dummy-internal",
            _ if is_local => "internal",
            "internal" => "internal",
            "dummy" if self.dummy != DummyMode::Off => "dummy",
            "" | "system" | "tap" if self.dummy == DummyMode::Override => "dummy",
            "" | "system" if self.disable_system => {
                return Err("system ports are disabled (--disable-system)".into())
            }
            "" | "system" => "system",
            "tap" => "tap",
            "patch" => "patch",
            other => return Err(format!("{other}: unsupported interface type")),
        })
    }

    /// The datapath number Open vSwitch's userspace datapaths would pick for `name`.
    fn choose_odp(&self, br: &BridgeCfg, name: &str, used: &Used) -> OdpPort {
        let free_from = |start: OdpPort| used.free_odp(start);
        if self.dummy_bridge(br) {
            // Like the dummy datapath: names starting with "br" count from 100, names ending
            // in a number get that number when free.
            if name.starts_with("br") {
                if let Some(n) = free_from(100) {
                    return n;
                }
            }
            let digits: String = name
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(n) = digits.parse::<OdpPort>() {
                if n > 0 && n < 0xff00 && !used.odp.contains(&n) {
                    return n;
                }
            }
        }
        free_from(1).unwrap_or(0xfeff)
    }

    /// Brings the running bridges in line with `cfg`.
    pub fn reconcile(&mut self, cfg: &Config) {
        let gone: Vec<String> = self
            .bridges
            .keys()
            .filter(|n| !cfg.bridges.contains_key(*n))
            .cloned()
            .collect();
        for name in gone {
            if let Some(br) = self.bridges.remove(&name) {
                crate::meters::purge(&self.dp, &mut crate::upcall::lock(&br.switch));
                self.remove_ifaces(br.ifaces);
                self.log.push((false, format!("bridge {name}: deleted")));
            }
        }
        let status = &mut self.status;
        self.failed.retain(|_, f| {
            let keep = cfg.bridges.contains_key(&f.bridge);
            if let (false, Some(u)) = (keep, f.uuid) {
                status.remove(&u);
            }
            keep
        });
        for (name, bcfg) in &cfg.bridges {
            if !self.bridges.contains_key(name) {
                let mut sw = Switch::new(name, SwitchInfo::new(0));
                // Our datapath's meters have DSCP-remark bands (Open vSwitch's do not).
                sw.meters.dscp_remark = true;
                self.bridges.insert(
                    name.clone(),
                    BridgeRt {
                        uuid: bcfg.uuid,
                        switch: Arc::new(Mutex::new(sw)),
                        ifaces: BTreeMap::new(),
                        datapath_id: 0,
                        cfg: bcfg.clone(),
                        mgmt_started: false,
                    },
                );
                self.log.push((false, format!("bridge {name}: added")));
            }
            self.reconcile_bridge(bcfg);
        }
    }

    /// Takes interfaces (already removed from their bridge) out of the datapath.
    fn remove_ifaces(&mut self, ifaces: impl IntoIterator<Item = (String, IfaceRt)>) {
        for (n, i) in ifaces {
            self.router.set(i.odp_port, None);
            if let Err(e) = self.dp.port_del(i.odp_port) {
                self.log
                    .push((true, format!("{n}: failed to remove port ({e})")));
            }
            if let Some(u) = i.uuid {
                self.status.remove(&u);
            }
        }
    }

    fn reconcile_bridge(&mut self, bcfg: &BridgeCfg) {
        let name = bcfg.name.clone();
        // Desired interfaces: name -> (port cfg, iface cfg).
        let mut want: BTreeMap<&str, (&PortCfg, &IfaceCfg)> = BTreeMap::new();
        for p in bcfg.ports.values() {
            for i in p.interfaces.values() {
                want.insert(i.name.as_str(), (p, i));
            }
        }
        // Failures of interfaces no longer configured here are forgotten.
        let mut forgotten = Vec::new();
        self.failed.retain(|n, f| {
            let keep = f.bridge != name || want.contains_key(n.as_str());
            if !keep {
                forgotten.extend(f.uuid);
            }
            keep
        });
        for u in forgotten {
            self.status.remove(&u);
        }
        let Some(br) = self.bridges.get(&name) else {
            return;
        };
        let mut changed = br.cfg != *bcfg;
        // Remove what is gone or changed.
        let mut remove = Vec::new();
        for (iname, rt) in &br.ifaces {
            if *iname == name {
                continue;
            }
            match want.get(iname.as_str()) {
                None => remove.push(iname.clone()),
                Some((p, i)) => {
                    if i.iface_type != rt.iface_type
                        || i.options != rt.options
                        || p.name != rt.port
                        || (i.ofport_request.is_some() && i.ofport_request != rt.ofport_request)
                    {
                        remove.push(iname.clone())
                    }
                }
            }
        }
        changed |= !remove.is_empty();
        let removed: Vec<(String, IfaceRt)> = match self.bridges.get_mut(&name) {
            Some(br) => remove
                .iter()
                .filter_map(|r| br.ifaces.remove(r).map(|i| (r.clone(), i)))
                .collect(),
            None => Vec::new(),
        };
        self.remove_ifaces(removed);
        // Add the local port first, then the others in name order.
        let mut order: Vec<(&str, Option<(&PortCfg, &IfaceCfg)>)> = Vec::new();
        order.push((name.as_str(), want.get(name.as_str()).copied()));
        for (n, v) in &want {
            if *n != name {
                order.push((n, Some(*v)));
            }
        }
        // Numbers in use, computed once the first port has to be added.
        let mut used: Option<Used> = None;
        let now = std::time::Instant::now();
        for (iname, spec) in order {
            let iuuid = spec.as_ref().map(|(_, i)| i.uuid);
            if let Some(rt) = self
                .bridges
                .get_mut(&name)
                .and_then(|b| b.ifaces.get_mut(iname))
            {
                // Refresh the row uuid (a re-created row keeps the port).
                if rt.uuid != iuuid {
                    if let Some(old) = rt.uuid {
                        self.status.remove(&old);
                    }
                    rt.uuid = iuuid;
                    changed = true;
                }
                if let Some((p, _)) = &spec {
                    if rt.port != p.name {
                        rt.port = p.name.clone();
                    }
                }
                continue;
            }
            let is_local = iname == name;
            let no_options = BTreeMap::new();
            let (itype, options, ofreq, pname) = match &spec {
                Some((p, i)) => (
                    i.iface_type.as_str(),
                    &i.options,
                    i.ofport_request,
                    p.name.as_str(),
                ),
                None => ("internal", &no_options, None, name.as_str()),
            };
            // An interface that could not be set up is tried again when its configuration
            // changes, else at most every RETRY (not on every database change: a host
            // with many missing devices would retry them all for each change anywhere).
            if let Some(f) = self.failed.get_mut(iname) {
                if f.bridge == name
                    && f.key.matches(itype, options, ofreq, pname)
                    && now < f.retry_at
                {
                    if f.uuid != iuuid {
                        if let Some(old) = f.uuid {
                            self.status.remove(&old);
                        }
                        f.uuid = iuuid;
                        if let Some(u) = iuuid {
                            self.status.insert(u, IfaceStatus::failed(&f.error));
                        }
                    }
                    continue;
                }
            }
            let used = used.get_or_insert_with(|| self.used_numbers(&name));
            let attempt = FailedKey {
                iface_type: itype.to_string(),
                options: options.clone(),
                ofport_request: ofreq,
                port: pname.to_string(),
            };
            let result = self.add_iface(bcfg, iname, itype, options, ofreq, is_local, used);
            match result {
                Ok((ofp, odp, dp_type)) => {
                    changed = true;
                    used.insert(odp, ofp);
                    if let Some(f) = self.failed.remove(iname) {
                        if let Some(old) = f.uuid {
                            self.status.remove(&old);
                        }
                    }
                    let dev = self.dp.netdev(odp);
                    let mac = dev
                        .as_ref()
                        .and_then(|d| d.mac().ok())
                        .map(|m| m.0)
                        .unwrap_or([0; 6]);
                    let ifindex = dev
                        .as_ref()
                        .and_then(|d| d.ifindex().ok())
                        .map(i64::from)
                        .unwrap_or(0);
                    let rt = IfaceRt {
                        mac,
                        ifindex,
                        uuid: iuuid,
                        port: attempt.port,
                        iface_type: attempt.iface_type,
                        options: attempt.options,
                        ofp_port: ofp,
                        odp_port: odp,
                        dp_type,
                        ofport_request: ofreq,
                    };
                    if let Some(br) = self.bridges.get_mut(&name) {
                        self.router.set(
                            odp,
                            Some(Route {
                                switch: br.switch.clone(),
                                ofp_port: ofp,
                            }),
                        );
                        br.ifaces.insert(iname.to_string(), rt);
                    }
                }
                Err(e) => {
                    // Logged once per distinct error, as Open vSwitch rate-limits it.
                    let repeated = self
                        .failed
                        .get(iname)
                        .is_some_and(|f| f.bridge == name && f.key == attempt && f.error == e);
                    if !repeated {
                        self.log.push((true, format!("{iname}: {e}")));
                    }
                    if let Some(old) = self.failed.get(iname).and_then(|f| f.uuid) {
                        self.status.remove(&old);
                    }
                    if let Some(u) = iuuid {
                        self.status.insert(u, IfaceStatus::failed(&e));
                    }
                    self.failed.insert(
                        iname.to_string(),
                        FailedIface {
                            bridge: name.clone(),
                            uuid: iuuid,
                            key: attempt,
                            error: e,
                            retry_at: now + RETRY,
                        },
                    );
                }
            }
        }
        // Nothing about this bridge changed: leave it alone (a host with many ports gets
        // a database update for every change anywhere).
        if changed {
            self.update_bridge_state(bcfg);
        }
    }

    /// The datapath's port numbers and the OpenFlow numbers used by bridge `bridge`.
    fn used_numbers(&self, bridge: &str) -> Used {
        Used::new(
            self.dp.port_dump().iter().map(|p| p.port_no).collect(),
            self.bridges
                .get(bridge)
                .map(|b| b.ifaces.values().map(|i| i.ofp_port).collect())
                .unwrap_or_default(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn add_iface(
        &self,
        bcfg: &BridgeCfg,
        iname: &str,
        itype: &str,
        options: &BTreeMap<String, String>,
        ofreq: Option<u16>,
        is_local: bool,
        used: &Used,
    ) -> Result<(u16, OdpPort, String), String> {
        let ntype = self.netdev_type(bcfg, itype, is_local)?;
        let odp_req = self.choose_odp(bcfg, iname, used);
        let mut dev_options = options.clone();
        if ntype.starts_with("dummy") || ntype == "internal" || ntype == "tap" {
            // Only the netdev's own options reach it; the rest are switch-level.
            dev_options.retain(|k, _| {
                k.starts_with("pcap")
                    || k.starts_with("rxq")
                    || k == "tx_pcap"
                    || k == "rx_pcap"
                    || k == "stream"
            });
        } else if ntype == "patch" {
            dev_options.retain(|k, _| k == "peer");
        } else {
            dev_options.clear();
        }
        let odp = self
            .dp
            .port_add_with_options(iname, ntype, Some(odp_req), &dev_options)
            .map_err(|e| format!("could not open network device {iname} ({e})"))?;
        if ntype == "system" {
            quiet_kernel_stack(iname);
        }
        let ofp = if is_local {
            OFPP_LOCAL
        } else {
            match ofreq {
                Some(r) if !used.ofp.contains(&r) => r,
                _ => used.free_ofp().unwrap_or(0xfeff),
            }
        };
        let dp_type = self
            .dp
            .port_query_by_number(odp)
            .map(|p| p.port_type)
            .unwrap_or_else(|_| ntype.to_string());
        Ok((ofp, odp, dp_type))
    }

    /// Recomputes a bridge's OpenFlow port list, NORMAL configuration, MAC table settings,
    /// datapath id and interface status, then revalidates its megaflows.
    fn update_bridge_state(&mut self, bcfg: &BridgeCfg) {
        let dummy_bridge = self.dummy_bridge(bcfg);
        let Some(br) = self.bridges.get_mut(&bcfg.name) else {
            return;
        };
        br.cfg = bcfg.clone();
        br.uuid = bcfg.uuid;
        let dp = self.dp.clone();
        // Hardware address: other_config:hwaddr, else the lowest address among the
        // non-internal ports, else one derived from the bridge row.
        let mut macs: BTreeMap<String, [u8; 6]> = BTreeMap::new();
        let mut infos = Vec::new();
        let mut descs = Vec::new();
        // Link states the switch already knows (kept current by the periodic refresh):
        // only new ports are asked, not every port of the bridge on every change.
        let known: BTreeMap<(u16, OdpPort), bool> = lock(&br.switch)
            .ports()
            .iter()
            .map(|p| ((p.ofp_port, p.odp_port), p.state & 1 == 0))
            .collect();
        for (iname, i) in &br.ifaces {
            let mac = i.mac;
            macs.insert(iname.clone(), mac);
            let up = match known.get(&(i.ofp_port, i.odp_port)) {
                Some(up) => *up,
                None => dp
                    .netdev(i.odp_port)
                    .map(|d| d.is_up().unwrap_or(false) && d.carrier().unwrap_or(false))
                    .unwrap_or(false),
            };
            infos.push(PortInfo {
                ofp_port: i.ofp_port,
                odp_port: i.odp_port,
                name: iname.clone(),
                up,
            });
            // Dummy ports report no link features (as Open vSwitch's); kernel ports the
            // 10 Gb/s full-duplex copper link virtual devices report.
            let dummy = i.dp_type.starts_with("dummy");
            descs.push(PortDesc {
                ofp_port: i.ofp_port,
                odp_port: i.odp_port,
                name: iname.clone(),
                hw_addr: mac,
                state: if up { 4 } else { 1 },
                curr: if dummy { 0 } else { 0x40 | 0x80 },
                curr_speed: if dummy { 0 } else { 10_000_000 },
                ..PortDesc::default()
            });
            if let Some(u) = i.uuid {
                self.status.insert(
                    u,
                    IfaceStatus {
                        ofport: i64::from(i.ofp_port),
                        error: None,
                        mac_in_use: Some(mac_string(mac)),
                        ifindex: Some(i.ifindex),
                        up: Some(up),
                    },
                );
            }
        }
        // Hardware address: other_config:hwaddr; else, on a dummy bridge, the lowest
        // address among its non-internal ports (as Open vSwitch picks it); else one
        // derived from the bridge row. A userspace bridge must not reuse a kernel port's
        // address: the kernel would take frames addressed to the bridge as its own on that
        // port and answer them a second time.
        let hw = bcfg
            .other_config
            .get("hwaddr")
            .and_then(|s| parse_mac(s))
            .or_else(|| {
                if !dummy_bridge {
                    return None;
                }
                br.ifaces
                    .iter()
                    .filter(|(_, i)| !i.dp_type.contains("internal"))
                    .filter_map(|(n, _)| macs.get(n).copied())
                    .filter(|m| m[0] & 1 == 0 && *m != [0; 6])
                    .min()
            })
            .unwrap_or_else(|| {
                let b = bcfg.uuid.as_bytes();
                [(b[0] & 0xfe) | 0x02, b[1], b[2], b[3], b[4], b[5]]
            });
        let dpid = bcfg
            .other_config
            .get("datapath-id")
            .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or_else(|| hw.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)));
        br.datapath_id = dpid;
        if let Some(local) = br.ifaces.get_mut(&bcfg.name) {
            if local.mac != hw {
                if let Some(dev) = dp.netdev(local.odp_port) {
                    let _ = dev.set_mac(netdev::MacAddr(hw));
                }
                local.mac = hw;
            }
            if let Some(st) = local.uuid.and_then(|u| self.status.get_mut(&u)) {
                st.mac_in_use = Some(mac_string(hw));
            }
            for d in descs.iter_mut() {
                if d.ofp_port == OFPP_LOCAL {
                    d.hw_addr = hw;
                }
            }
        }
        // NORMAL configuration: every port but the local one by OpenFlow number, then local.
        let mut bundles = Vec::new();
        let mut by_of: Vec<&IfaceRt> = br.ifaces.values().collect();
        by_of.sort_by_key(|i| i.ofp_port);
        for i in by_of {
            let pcfg = bcfg.ports.get(&i.port);
            let settings = PortVlanSettings {
                tag: pcfg.and_then(|p| p.tag),
                trunks: pcfg.map(|p| p.trunks.clone()).unwrap_or_default(),
                vlan_mode: pcfg
                    .and_then(|p| p.vlan_mode.as_deref())
                    .and_then(VlanMode::parse),
                cvlans: pcfg.map(|p| p.cvlans.clone()).unwrap_or_default(),
                priority_tags: pcfg
                    .and_then(|p| p.other_config.get("priority-tags"))
                    .and_then(|s| PriorityTags::parse(s))
                    .unwrap_or_default(),
                qinq_tpid: pcfg
                    .and_then(|p| p.other_config.get("qinq-ethtype"))
                    .and_then(|s| match s.as_str() {
                        "802.1q" => Some(0x8100),
                        "802.1ad" => Some(0x88a8),
                        _ => None,
                    }),
            };
            bundles.push(BundleConfig {
                id: i.ofp_port,
                name: i.port.clone(),
                vlan: PortVlan::new(&settings),
                floodable: true,
                mirror_out: false,
                bond: false,
            });
        }
        let now = self.clock.now_ms();
        let switch = br.switch.clone();
        let mut sw = lock(&switch);
        let mut info = sw.info().clone();
        info.datapath_id = dpid;
        info.allowed_versions = allowed_versions(&bcfg.protocols);
        sw.set_info(info);
        let out = sw.set_ports(descs);
        sw.snap.ports = infos;
        self.outbox.push((switch.clone(), out));
        // A port whose VLAN configuration changed forgets what it learned (as Open
        // vSwitch's bundle reconfiguration does); so does a port that went away.
        let stale: Vec<u16> = sw
            .snap
            .normal
            .bridge
            .bundles
            .iter()
            .filter(|old| {
                !bundles
                    .iter()
                    .any(|new: &BundleConfig<u16>| new.id == old.id && new.vlan == old.vlan)
            })
            .map(|b| b.id)
            .collect();
        for p in stale {
            sw.snap.normal.macs.flush_port(p);
        }
        sw.snap.normal.bridge = BridgeConfig {
            bundles,
            forward_bpdu: bcfg
                .other_config
                .get("forward-bpdu")
                .is_some_and(|v| v == "true"),
        };
        let macs_cfg = &mut sw.snap.normal.macs;
        macs_cfg.set_flood_vlans(&bcfg.flood_vlans);
        if let Some(t) = bcfg
            .other_config
            .get("mac-aging-time")
            .and_then(|s| s.parse::<u32>().ok())
        {
            macs_cfg.set_idle_time(t);
        }
        if let Some(n) = bcfg
            .other_config
            .get("mac-table-size")
            .and_then(|s| s.parse::<usize>().ok())
        {
            macs_cfg.set_max_entries(n);
        }
        // Without controllers, a standalone bridge is a plain learning switch: Open
        // vSwitch installs `priority=0,actions=NORMAL` when it (re)configures the bridge.
        let standalone = bcfg.fail_mode.as_deref() != Some("secure");
        let want_normal = standalone && bcfg.controllers.is_empty();
        set_normal_flow(&mut sw.snap, want_normal, now);
        revalidate_bridge(&dp, &self.router, &switch, &mut sw.snap, now);
    }
}

/// Adds (if missing) or removes the catch-all `priority=0,actions=NORMAL` rule of table 0.
fn set_normal_flow(snap: &mut ofproto::Snapshot, want: bool, now_ms: u64) {
    use ofproto_tables::{FlowMod, FlowModCommand};
    let normal = ofproto::OfActions(vec![ofp_actions::Action::Output {
        port: ofp_actions::action::OFPP_NORMAL,
        max_len: 0,
    }]);
    let catchall = flow::Match::catchall();
    let present = snap.tables.find_exact(0, &catchall, 0).is_some_and(|r| {
        matches!(r.actions.0.as_slice(), [ofp_actions::Action::Output { port, .. }]
                if *port == ofp_actions::action::OFPP_NORMAL)
    });
    if want && !present {
        let mut fm = FlowMod::new(FlowModCommand::Add, 0, catchall, normal);
        fm.priority = 0;
        let _ = snap.tables.apply(&fm, now_ms);
    } else if !want && present {
        let mut fm = FlowMod::new(
            FlowModCommand::DeleteStrict,
            0,
            catchall,
            ofproto::OfActions::default(),
        );
        fm.priority = 0;
        let _ = snap.tables.apply(&fm, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_numbers_find_the_lowest_free_ones() {
        let mut u = Used::new(
            [1, 2, 4].into_iter().collect(),
            [1, 3].into_iter().collect(),
        );
        assert_eq!(u.free_odp(1), Some(3));
        assert_eq!(u.free_odp(100), Some(100));
        assert_eq!(u.free_ofp(), Some(2));
        u.insert(3, 2);
        assert_eq!(u.free_odp(1), Some(5));
        assert_eq!(u.free_ofp(), Some(4));
        // A number taken above the cursor is skipped when the cursor reaches it.
        u.insert(6, 5);
        u.insert(5, 4);
        assert_eq!(u.free_odp(1), Some(7));
        assert_eq!(u.free_ofp(), Some(6));
    }

    #[test]
    fn failed_interfaces_are_matched_by_configuration() {
        let opts: BTreeMap<String, String> = [("k".to_string(), "v".to_string())].into();
        let key = FailedKey {
            iface_type: "system".into(),
            options: opts.clone(),
            ofport_request: None,
            port: "p1".into(),
        };
        assert!(key.matches("system", &opts, None, "p1"));
        assert!(!key.matches("internal", &opts, None, "p1"));
        assert!(!key.matches("system", &BTreeMap::new(), None, "p1"));
        assert!(!key.matches("system", &opts, Some(5), "p1"));
        assert!(!key.matches("system", &opts, None, "p2"));
    }
}
