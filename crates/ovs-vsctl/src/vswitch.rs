//! The Open vSwitch-specific commands: bridges (real and fake VLAN
//! bridges), ports, bonds, interfaces, controllers, fail mode, managers,
//! SSL, Auto Attach and `emer-reset`.
//!
//! They work on a [`Cache`] of the topology built from the transaction's
//! view: bridge names (a port with `fake_bridge=true` and a VLAN tag is a
//! fake bridge named after it, child of its real bridge), which bridge each
//! port belongs to (a tagged port whose tag matches a fake bridge child
//! belongs to that fake bridge) and which port each interface belongs to.
//! Names are looked up exactly (case-sensitive); a bridge's local port and
//! interface (named like the bridge) are hidden from port/interface
//! lookups, as in Open vSwitch.
//!
//! As in Open vSwitch, the cache is built once per transaction attempt (by
//! the first command that needs it, which also verifies the columns it
//! reads) and kept in [`Ctx::topo`]. Commands take it out with [`populate`],
//! and give it back with [`keep`] once they are done, after updating it for
//! the bridges, ports and interfaces they added or deleted. Any other write
//! to a topology column drops it (see [`Ctx::write`]), as does a command that
//! fails or changes the topology in a way not mirrored here; the next command
//! then rebuilds it from the view. So `N` chained `add-port`s cost `O(N)`
//! cache work instead of `O(N^2)`.

use std::collections::BTreeMap;

use ovsdb::{Atom, Datum};
use uuid::Uuid;

use crate::cmd::{fatal, Command, Ctx, Error};

/// A bridge, real or fake.
#[derive(Debug, Clone, PartialEq)]
pub struct Br {
    /// Name.
    pub name: String,
    /// Bridge row (real bridges only).
    pub cfg: Option<Uuid>,
    /// Parent bridge name (fake bridges only).
    pub parent: Option<String>,
    /// VLAN (fake bridges), else 0.
    pub vlan: i64,
}

/// A port.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// Port row.
    pub cfg: Uuid,
    /// Owning bridge name.
    pub bridge: String,
}

/// An interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Iface {
    /// Interface row.
    pub cfg: Uuid,
    /// Owning port name.
    pub port: String,
}

/// The topology by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cache {
    /// Bridges.
    pub bridges: BTreeMap<String, Br>,
    /// Ports.
    pub ports: BTreeMap<String, Port>,
    /// Interfaces.
    pub ifaces: BTreeMap<String, Iface>,
    /// The database had duplicate names; incremental updates could diverge
    /// from a rebuild, so the cache is rebuilt after every change.
    pub dups: bool,
}

/// Gives the cache back to `ctx` for later commands.
pub fn keep(ctx: &mut Ctx, c: Cache) {
    ctx.topo = Some(c);
}

/// Gives the cache, updated for a change, back to `ctx` (unless the database
/// has duplicate names, where only a rebuild is exact).
fn keep_changed(ctx: &mut Ctx, c: Cache) {
    if !c.dups {
        ctx.topo = Some(c);
    }
}

/// Takes the cache out of `ctx`, building it from the transaction's view
/// (verifying the columns it reads) if there is none.
pub fn populate(ctx: &mut Ctx) -> Cache {
    match ctx.topo.take() {
        Some(c) => c,
        None => build(ctx),
    }
}

/// Builds the cache from the transaction's view, verifying the columns it
/// reads.
fn build(ctx: &mut Ctx) -> Cache {
    let mut c = Cache::default();
    let ovs = ctx.ovs;
    ctx.verify("Open_vSwitch", &ovs, "bridges");
    let brs = ctx.get_uuids("Open_vSwitch", &ovs, "bridges");
    for b in &brs {
        ctx.verify("Bridge", b, "ports");
        let Some(name) = ctx.get_str("Bridge", b, "name") else {
            continue;
        };
        if c.bridges.contains_key(&name) {
            c.dups = true;
            ctx.log.warn(
                "vsctl",
                &format!("{name}: database contains duplicate bridge name"),
            );
            continue;
        }
        c.bridges.insert(
            name.clone(),
            Br {
                name: name.clone(),
                cfg: Some(*b),
                parent: None,
                vlan: 0,
            },
        );
        for p in ctx.get_uuids("Bridge", b, "ports") {
            let tag = ctx.get_int("Port", &p, "tag");
            if ctx.get_bool("Port", &p, "fake_bridge") {
                if let (Some(t @ 0..=4095), Some(pn)) = (tag, ctx.get_str("Port", &p, "name")) {
                    if c.bridges.contains_key(&pn) {
                        continue;
                    }
                    c.bridges.insert(
                        pn.clone(),
                        Br {
                            name: pn,
                            cfg: None,
                            parent: Some(name.clone()),
                            vlan: t,
                        },
                    );
                }
            }
        }
    }
    for b in &brs {
        let Some(bname) = ctx.get_str("Bridge", b, "name") else {
            continue;
        };
        if c.bridges.get(&bname).and_then(|x| x.cfg) != Some(*b) {
            continue;
        }
        for p in ctx.get_uuids("Bridge", b, "ports") {
            ctx.verify("Port", &p, "interfaces");
            let Some(pname) = ctx.get_str("Port", &p, "name") else {
                continue;
            };
            if c.ports.contains_key(&pname) {
                c.dups = true;
                ctx.log.warn(
                    "vsctl",
                    &format!("{pname}: database contains duplicate port name"),
                );
                continue;
            }
            let mut owner = bname.clone();
            if let Some(t @ 0..=4095) = ctx.get_int("Port", &p, "tag") {
                if let Some(fake) = c
                    .bridges
                    .values()
                    .find(|x| x.parent.as_deref() == Some(bname.as_str()) && x.vlan == t)
                {
                    owner = fake.name.clone();
                }
            }
            c.ports.insert(
                pname.clone(),
                Port {
                    cfg: p,
                    bridge: owner,
                },
            );
            for i in ctx.get_uuids("Port", &p, "interfaces") {
                let Some(iname) = ctx.get_str("Interface", &i, "name") else {
                    continue;
                };
                if c.ifaces.contains_key(&iname) {
                    c.dups = true;
                    ctx.log.warn(
                        "vsctl",
                        &format!("{iname}: database contains duplicate interface name"),
                    );
                    continue;
                }
                c.ifaces.insert(
                    iname,
                    Iface {
                        cfg: i,
                        port: pname.clone(),
                    },
                );
            }
        }
    }
    c
}

impl Cache {
    fn bridge(&self, name: &str, must: bool) -> Result<Option<Br>, Error> {
        match self.bridges.get(name) {
            Some(b) => Ok(Some(b.clone())),
            None if must => fatal(format!("no bridge named {name}")),
            None => Ok(None),
        }
    }

    fn must_bridge(&self, name: &str) -> Result<Br, Error> {
        match self.bridges.get(name) {
            Some(b) => Ok(b.clone()),
            None => fatal(format!("no bridge named {name}")),
        }
    }

    fn port(&self, name: &str, must: bool) -> Result<Option<Port>, Error> {
        match self.ports.get(name).filter(|p| p.bridge != name) {
            Some(p) => Ok(Some(p.clone())),
            None if must => fatal(format!("no port named {name}")),
            None => Ok(None),
        }
    }

    fn iface(&self, name: &str, must: bool) -> Result<Option<Iface>, Error> {
        let found = self
            .ifaces
            .get(name)
            .filter(|i| self.ports.get(&i.port).map(|p| p.bridge.as_str()) != Some(name));
        match found {
            Some(i) => Ok(Some(i.clone())),
            None if must => fatal(format!("no interface named {name}")),
            None => Ok(None),
        }
    }

    /// The real bridge row holding `br`'s ports.
    fn real_cfg(&self, br: &Br) -> Option<Uuid> {
        match &br.parent {
            Some(p) => self.bridges.get(p).and_then(|b| b.cfg),
            None => br.cfg,
        }
    }

    fn check_conflicts(&self, name: &str, msg: &str) -> Result<(), Error> {
        if self.bridges.contains_key(name) {
            return fatal(format!(
                "{msg} because a bridge named {name} already exists"
            ));
        }
        if let Some(p) = self.ports.get(name) {
            return fatal(format!(
                "{msg} because a port named {name} already exists on bridge {}",
                p.bridge
            ));
        }
        if let Some(i) = self.ifaces.get(name) {
            let br = self
                .ports
                .get(&i.port)
                .map(|p| p.bridge.clone())
                .unwrap_or_default();
            return fatal(format!(
                "{msg} because an interface named {name} already exists on bridge {br}"
            ));
        }
        Ok(())
    }
}

fn s(x: &str) -> Datum {
    Datum::scalar(Atom::String(x.to_string()))
}

fn out_lines<I: IntoIterator<Item = String>>(cmd: &mut Command, items: I) {
    for i in items {
        cmd.output.push_str(&i);
        cmd.output.push('\n');
    }
}

fn add_uuid(ctx: &mut Ctx, table: &str, row: &Uuid, col: &str, u: Uuid) {
    ctx.verify(table, row, col);
    let mut v = ctx.get_uuids(table, row, col);
    v.push(u);
    ctx.write_uuids(table, row, col, &v);
}

fn remove_uuid(ctx: &mut Ctx, table: &str, row: &Uuid, col: &str, u: &Uuid) {
    ctx.verify(table, row, col);
    let v: Vec<Uuid> = ctx
        .get_uuids(table, row, col)
        .into_iter()
        .filter(|x| x != u)
        .collect();
    ctx.write_uuids(table, row, col, &v);
}

fn new_iface(ctx: &mut Ctx, name: &str) -> Uuid {
    let i = ctx.insert("Interface");
    ctx.write("Interface", &i, "name", s(name));
    ctx.new_ifaces.push(i);
    i
}

/// Runs an Open vSwitch command; `Ok(false)` if `cmd` is not one.
pub fn run(ctx: &mut Ctx, cmd: &mut Command) -> Result<bool, Error> {
    match cmd.syntax.name {
        "init" => {}
        "emer-reset" => emer_reset(ctx),
        "add-br" => add_br(ctx, cmd)?,
        "del-br" => del_br(ctx, cmd)?,
        "list-br" => {
            let c = populate(ctx);
            let (real, fake) = (cmd.has("--real"), cmd.has("--fake"));
            let names = c
                .bridges
                .values()
                .filter(|b| {
                    (!real && !fake) || (real && b.parent.is_none()) || (fake && b.parent.is_some())
                })
                .map(|b| b.name.clone());
            let names = names.collect::<Vec<_>>();
            keep(ctx, c);
            out_lines(cmd, names);
        }
        "br-exists" => {
            let c = populate(ctx);
            if !c.bridges.contains_key(cmd.arg(1)) {
                return Err(Error::Exit(2));
            }
            keep(ctx, c);
        }
        "br-to-vlan" => {
            let c = populate(ctx);
            let b = c.must_bridge(cmd.arg(1))?;
            cmd.output.push_str(&format!("{}\n", b.vlan));
            keep(ctx, c);
        }
        "br-to-parent" => {
            let c = populate(ctx);
            let b = c.must_bridge(cmd.arg(1))?;
            cmd.output
                .push_str(&format!("{}\n", b.parent.unwrap_or(b.name)));
            keep(ctx, c);
        }
        "br-set-external-id" => br_set_external_id(ctx, cmd)?,
        "br-get-external-id" => br_get_external_id(ctx, cmd)?,
        "list-ports" => {
            let c = populate(ctx);
            let b = c.must_bridge(cmd.arg(1))?;
            let names: Vec<String> = c
                .ports
                .iter()
                .filter(|(n, p)| p.bridge == b.name && **n != b.name)
                .map(|(n, _)| n.clone())
                .collect();
            keep(ctx, c);
            out_lines(cmd, names);
        }
        "add-port" => {
            let port = cmd.arg(2).to_string();
            let settings: Vec<String> = cmd.argv.iter().skip(3).cloned().collect();
            add_port(
                ctx,
                cmd,
                &port,
                std::slice::from_ref(&port),
                false,
                &settings,
            )?;
        }
        "add-bond" => {
            let port = cmd.arg(2).to_string();
            let rest: Vec<String> = cmd.argv.iter().skip(3).cloned().collect();
            let n = rest
                .iter()
                .position(|a| a.contains('='))
                .unwrap_or(rest.len());
            if n < 2 {
                return fatal(format!(
                    "add-bond requires at least 2 interfaces, but only {n} were specified"
                ));
            }
            let (ifaces, settings) = rest.split_at(n);
            let fake = cmd.has("--fake-iface");
            add_port(ctx, cmd, &port, ifaces, fake, settings)?;
        }
        "add-bond-iface" => add_bond_iface(ctx, cmd)?,
        "del-bond-iface" => del_bond_iface(ctx, cmd)?,
        "del-port" => del_port_cmd(ctx, cmd)?,
        "port-to-br" => {
            let c = populate(ctx);
            if let Some(p) = c.port(cmd.arg(1), true)? {
                cmd.output.push_str(&format!("{}\n", p.bridge));
            }
            keep(ctx, c);
        }
        "list-ifaces" => {
            let c = populate(ctx);
            let b = c.must_bridge(cmd.arg(1))?;
            let names: Vec<String> = c
                .ifaces
                .iter()
                .filter(|(n, i)| {
                    **n != b.name
                        && c.ports.get(&i.port).map(|p| p.bridge.as_str()) == Some(b.name.as_str())
                })
                .map(|(n, _)| n.clone())
                .collect();
            keep(ctx, c);
            out_lines(cmd, names);
        }
        "iface-to-br" => {
            let c = populate(ctx);
            if let Some(i) = c.iface(cmd.arg(1), true)? {
                let br = c
                    .ports
                    .get(&i.port)
                    .map(|p| p.bridge.clone())
                    .unwrap_or_default();
                cmd.output.push_str(&format!("{br}\n"));
            }
            keep(ctx, c);
        }
        "get-controller" | "del-controller" | "set-controller" | "get-fail-mode"
        | "del-fail-mode" | "set-fail-mode" => bridge_setting(ctx, cmd)?,
        "get-manager" => {
            let ovs = ctx.ovs;
            ctx.verify("Open_vSwitch", &ovs, "manager_options");
            let mut t: Vec<String> = ctx
                .get_uuids("Open_vSwitch", &ovs, "manager_options")
                .iter()
                .filter_map(|m| ctx.get_str("Manager", m, "target"))
                .collect();
            t.sort();
            out_lines(cmd, t);
        }
        "del-manager" => del_managers(ctx),
        "set-manager" => {
            del_managers(ctx);
            let probe = cmd.opt("--inactivity-probe").map(str::to_string);
            let mut rows = Vec::new();
            for t in cmd.argv.iter().skip(1) {
                if !valid_target(t) {
                    ctx.log.warn(
                        "vsctl",
                        &format!("target type \"{t}\" is possibly erroneous"),
                    );
                }
                let m = ctx.insert("Manager");
                ctx.write("Manager", &m, "target", s(t));
                if let Some(p) = &probe {
                    let n = p.parse::<i64>().unwrap_or(0);
                    ctx.write(
                        "Manager",
                        &m,
                        "inactivity_probe",
                        Datum::scalar(Atom::Integer(n)),
                    );
                }
                rows.push(m);
            }
            let ovs = ctx.ovs;
            ctx.write_uuids("Open_vSwitch", &ovs, "manager_options", &rows);
        }
        "get-ssl" => {
            let ovs = ctx.ovs;
            ctx.verify("Open_vSwitch", &ovs, "ssl");
            if let Some(ssl) = ctx.get_uuids("Open_vSwitch", &ovs, "ssl").first() {
                let g = |c: &str| ctx.get_str("SSL", ssl, c).unwrap_or_default();
                cmd.output.push_str(&format!(
                    "Private key: {}\nCertificate: {}\nCA Certificate: {}\nBootstrap: {}\n",
                    g("private_key"),
                    g("certificate"),
                    g("ca_cert"),
                    ctx.get_bool("SSL", ssl, "bootstrap_ca_cert")
                ));
            }
        }
        "del-ssl" => del_ssl(ctx),
        "set-ssl" => {
            del_ssl(ctx);
            let r = ctx.insert("SSL");
            ctx.write("SSL", &r, "private_key", s(cmd.arg(1)));
            ctx.write("SSL", &r, "certificate", s(cmd.arg(2)));
            ctx.write("SSL", &r, "ca_cert", s(cmd.arg(3)));
            let b = cmd.has("--bootstrap");
            ctx.write(
                "SSL",
                &r,
                "bootstrap_ca_cert",
                Datum::scalar(Atom::Boolean(b)),
            );
            let ovs = ctx.ovs;
            ctx.write_uuids("Open_vSwitch", &ovs, "ssl", &[r]);
        }
        "add-aa-mapping" | "del-aa-mapping" | "get-aa-mapping" => aa_mapping(ctx, cmd)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn valid_target(t: &str) -> bool {
    ["tcp:", "ssl:", "unix:", "ptcp:", "pssl:", "punix:"]
        .iter()
        .any(|p| t.starts_with(p))
}

fn emer_reset(ctx: &mut Ctx) {
    let ovs = ctx.ovs;
    ctx.write_uuids("Open_vSwitch", &ovs, "manager_options", &[]);
    ctx.write_uuids("Open_vSwitch", &ovs, "ssl", &[]);
    for br in ctx.rows("Bridge") {
        for c in [
            "controller",
            "fail_mode",
            "mirrors",
            "netflow",
            "sflow",
            "ipfix",
            "flood_vlans",
        ] {
            ctx.write_uuids("Bridge", &br, c, &[]);
        }
        let oc = ctx.get("Bridge", &br, "other_config");
        let hw = Atom::String("hwaddr".into());
        let keep: Vec<(Atom, Atom)> = oc
            .get(&hw)
            .map(|v| vec![(hw.clone(), v.clone())])
            .unwrap_or_default();
        ctx.write("Bridge", &br, "other_config", Datum::map(keep));
    }
    for p in ctx.rows("Port") {
        ctx.write("Port", &p, "other_config", Datum::map(Vec::new()));
    }
    for i in ctx.rows("Interface") {
        ctx.write(
            "Interface",
            &i,
            "ingress_policing_rate",
            Datum::scalar(Atom::Integer(0)),
        );
        ctx.write(
            "Interface",
            &i,
            "ingress_policing_burst",
            Datum::scalar(Atom::Integer(0)),
        );
    }
    for t in [
        "Mirror",
        "Controller",
        "Manager",
        "NetFlow",
        "sFlow",
        "IPFIX",
        "SSL",
    ] {
        for r in ctx.rows(t) {
            ctx.delete(t, &r);
        }
    }
}

fn add_br(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let name = cmd.arg(1).to_string();
    if name.is_empty() {
        return fatal("bridge name must not be empty string");
    }
    let (parent, vlan) = match cmd.argv.len() {
        2 => (None, 0),
        4 => {
            let v = cmd
                .arg(3)
                .parse::<i64>()
                .ok()
                .filter(|v| (0..=4095).contains(v));
            let Some(v) = v else {
                return fatal(format!("{}: vlan must be between 0 and 4095", cmd.arg(0)));
            };
            (Some(cmd.arg(2).to_string()), v)
        }
        _ => {
            return fatal(format!(
                "'{}' command takes exactly 1 or 3 arguments",
                cmd.arg(0)
            ))
        }
    };
    let c = populate(ctx);
    if cmd.has("--may-exist") {
        if let Some(b) = c.bridge(&name, false)? {
            match (&parent, &b.parent) {
                (None, Some(_)) => {
                    return fatal(format!(
                        "\"--may-exist add-br {name}\" but {name} is a VLAN bridge for VLAN {}",
                        b.vlan
                    ))
                }
                (Some(p), None) => {
                    return fatal(format!(
                        "\"--may-exist add-br {name} {p} {vlan}\" but {name} is not a VLAN bridge"
                    ))
                }
                (Some(p), Some(bp)) if p != bp => {
                    return fatal(format!(
                        "\"--may-exist add-br {name} {p} {vlan}\" but {name} has the wrong parent {bp}"
                    ))
                }
                (Some(p), Some(_)) if b.vlan != vlan => {
                    return fatal(format!(
                        "\"--may-exist add-br {name} {p} {vlan}\" but {name} is a VLAN bridge for the wrong VLAN {}",
                        b.vlan
                    ))
                }
                _ => {
                    keep(ctx, c);
                    return Ok(());
                }
            }
        }
    }
    c.check_conflicts(&name, &format!("cannot create a bridge named {name}"))?;
    let mut c = c;
    match parent {
        None => {
            let i = new_iface(ctx, &name);
            ctx.write("Interface", &i, "type", s("internal"));
            let p = ctx.insert("Port");
            ctx.write("Port", &p, "name", s(&name));
            ctx.write_uuids("Port", &p, "interfaces", &[i]);
            let b = ctx.insert("Bridge");
            ctx.write("Bridge", &b, "name", s(&name));
            ctx.write_uuids("Bridge", &b, "ports", &[p]);
            let ovs = ctx.ovs;
            add_uuid(ctx, "Open_vSwitch", &ovs, "bridges", b);
            c.bridges.insert(
                name.clone(),
                Br {
                    name: name.clone(),
                    cfg: Some(b),
                    parent: None,
                    vlan: 0,
                },
            );
            c.ports.insert(
                name.clone(),
                Port {
                    cfg: p,
                    bridge: name.clone(),
                },
            );
            c.ifaces.insert(name.clone(), Iface { cfg: i, port: name });
            keep_changed(ctx, c);
        }
        Some(pn) => {
            let pb = c.bridge(&pn, false)?;
            if pb.as_ref().is_some_and(|b| b.parent.is_some()) {
                return fatal("cannot create bridge with fake bridge as parent");
            }
            let Some(pcfg) = pb.and_then(|b| b.cfg) else {
                return fatal(format!("parent bridge {pn} does not exist"));
            };
            let i = new_iface(ctx, &name);
            ctx.write("Interface", &i, "type", s("internal"));
            let p = ctx.insert("Port");
            ctx.write("Port", &p, "name", s(&name));
            ctx.write_uuids("Port", &p, "interfaces", &[i]);
            ctx.write(
                "Port",
                &p,
                "fake_bridge",
                Datum::scalar(Atom::Boolean(true)),
            );
            ctx.write("Port", &p, "tag", Datum::scalar(Atom::Integer(vlan)));
            add_uuid(ctx, "Bridge", &pcfg, "ports", p);
            // A new fake bridge can take over tagged ports of its parent: the
            // cache (already taken out of `ctx`) is dropped and rebuilt.
        }
    }
    Ok(())
}

/// Removes port `name` and its interfaces from the cache.
fn uncache_port(c: &mut Cache, name: &str) {
    c.ports.remove(name);
    c.ifaces.retain(|_, i| i.port != name);
}

/// Removes bridge `name`, its ports and its fake child bridges from the cache.
fn uncache_bridge(c: &mut Cache, name: &str) {
    let mut gone: Vec<String> = c
        .bridges
        .values()
        .filter(|b| b.parent.as_deref() == Some(name))
        .map(|b| b.name.clone())
        .collect();
    gone.push(name.to_string());
    c.ports.retain(|_, p| !gone.contains(&p.bridge));
    let ports = &c.ports;
    c.ifaces.retain(|_, i| ports.contains_key(&i.port));
    for b in &gone {
        c.bridges.remove(b);
    }
}

fn del_port(ctx: &mut Ctx, c: &Cache, name: &str) {
    let Some(p) = c.ports.get(name) else {
        return;
    };
    let Some(br) = c.bridges.get(&p.bridge) else {
        return;
    };
    if let Some(cfg) = c.real_cfg(br) {
        remove_uuid(ctx, "Bridge", &cfg, "ports", &p.cfg);
    }
    for (_, i) in c.ifaces.iter().filter(|(_, i)| i.port == name) {
        ctx.delete("Interface", &i.cfg);
    }
    ctx.delete("Port", &p.cfg);
}

fn del_bridge(ctx: &mut Ctx, c: &Cache, name: &str) {
    let ports: Vec<String> = c
        .ports
        .iter()
        .filter(|(_, p)| p.bridge == name)
        .map(|(n, _)| n.clone())
        .collect();
    for p in ports {
        del_port(ctx, c, &p);
    }
    let kids: Vec<String> = c
        .bridges
        .values()
        .filter(|b| b.parent.as_deref() == Some(name))
        .map(|b| b.name.clone())
        .collect();
    for k in kids {
        del_bridge(ctx, c, &k);
    }
    if let Some(cfg) = c.bridges.get(name).and_then(|b| b.cfg) {
        ctx.delete("Bridge", &cfg);
        let ovs = ctx.ovs;
        remove_uuid(ctx, "Open_vSwitch", &ovs, "bridges", &cfg);
    }
}

fn del_br(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let mut c = populate(ctx);
    match c.bridge(cmd.arg(1), !cmd.has("--if-exists"))? {
        Some(b) => {
            del_bridge(ctx, &c, cmd.arg(1));
            // Deleting a fake bridge can hand tagged ports back to its
            // parent or a sibling: only real bridges are mirrored.
            if b.parent.is_none() {
                uncache_bridge(&mut c, cmd.arg(1));
                keep_changed(ctx, c);
            }
        }
        None => keep(ctx, c),
    }
    Ok(())
}

fn br_set_external_id(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let Some(b) = c.bridge(cmd.arg(1), true)? else {
        return Ok(());
    };
    let (table, row, key) = match b.cfg {
        Some(cfg) => ("Bridge", cfg, cmd.arg(2).to_string()),
        None => match c.ports.get(&b.name) {
            Some(p) => ("Port", p.cfg, format!("fake-bridge-{}", cmd.arg(2))),
            None => return Ok(()),
        },
    };
    ctx.verify(table, &row, "external_ids");
    let old = ctx.get(table, &row, "external_ids");
    let k = Atom::String(key);
    let mut pairs: Vec<(Atom, Atom)> = old
        .iter()
        .filter(|(x, _)| **x != k)
        .filter_map(|(x, v)| v.map(|v| (x.clone(), v.clone())))
        .collect();
    if cmd.argv.len() > 3 {
        pairs.push((k, Atom::String(cmd.arg(3).to_string())));
    }
    ctx.write(table, &row, "external_ids", Datum::map(pairs));
    keep(ctx, c);
    Ok(())
}

fn br_get_external_id(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let Some(b) = c.bridge(cmd.arg(1), true)? else {
        return Ok(());
    };
    let (table, row, prefix) = match b.cfg {
        Some(cfg) => ("Bridge", cfg, ""),
        None => match c.ports.get(&b.name) {
            Some(p) => ("Port", p.cfg, "fake-bridge-"),
            None => return Ok(()),
        },
    };
    ctx.verify(table, &row, "external_ids");
    let ids = ctx.get(table, &row, "external_ids");
    if cmd.argv.len() > 2 {
        let k = Atom::String(format!("{prefix}{}", cmd.arg(2)));
        if let Some(Atom::String(v)) = ids.get(&k) {
            cmd.output.push_str(&format!("{v}\n"));
        }
    } else {
        for (k, v) in ids.iter() {
            if let (Atom::String(k), Some(Atom::String(v))) = (k, v) {
                if let Some(rest) = k.strip_prefix(prefix) {
                    cmd.output.push_str(&format!("{rest}={v}\n"));
                }
            }
        }
    }
    keep(ctx, c);
    Ok(())
}

fn add_port(
    ctx: &mut Ctx,
    cmd: &mut Command,
    port: &str,
    ifaces: &[String],
    fake_iface: bool,
    settings: &[String],
) -> Result<(), Error> {
    let br_name = cmd.arg(1).to_string();
    let c = populate(ctx);
    if cmd.has("--may-exist") {
        if let Some(p) = c.port(port, false)? {
            let text = cmd.to_text();
            if p.bridge != br_name {
                return fatal(format!(
                    "\"{text}\" but {port} is actually attached to bridge {}",
                    p.bridge
                ));
            }
            let mut want: Vec<&str> = ifaces.iter().map(String::as_str).collect();
            want.sort();
            want.dedup();
            let have: Vec<&str> = c
                .ifaces
                .iter()
                .filter(|(_, i)| i.port == port)
                .map(|(n, _)| n.as_str())
                .collect();
            if want != have {
                return fatal(format!(
                    "\"{text}\" but {port} actually has interface(s) {}",
                    have.join(", ")
                ));
            }
            keep(ctx, c);
            return Ok(());
        }
    }
    c.check_conflicts(port, &format!("cannot create a port named {port}"))?;
    for i in ifaces {
        c.check_conflicts(i, &format!("cannot create an interface named {i}"))?;
    }
    let Some(b) = c.bridge(&br_name, true)? else {
        return Ok(());
    };
    let ids: Vec<Uuid> = ifaces.iter().map(|n| new_iface(ctx, n)).collect();
    let p = ctx.insert("Port");
    ctx.write("Port", &p, "name", s(port));
    ctx.write_uuids("Port", &p, "interfaces", &ids);
    if fake_iface {
        ctx.write(
            "Port",
            &p,
            "bond_fake_iface",
            Datum::scalar(Atom::Boolean(true)),
        );
    }
    if b.parent.is_some() {
        ctx.write("Port", &p, "tag", Datum::scalar(Atom::Integer(b.vlan)));
    }
    for st in settings {
        crate::dbctl::set_column(ctx, "Port", &p, st)?;
    }
    let Some(cfg) = c.real_cfg(&b) else {
        return Ok(());
    };
    add_uuid(ctx, "Bridge", &cfg, "ports", p);
    // Settings may set the tag or rename: then the cache is rebuilt.
    if settings.is_empty() {
        let mut c = c;
        // The port's owner, as a rebuild would find it: a tagged port goes
        // to the first fake child of its real bridge with that VLAN.
        let owner = match &b.parent {
            Some(parent) => c
                .bridges
                .values()
                .find(|x| x.parent.as_deref() == Some(parent.as_str()) && x.vlan == b.vlan)
                .map_or_else(|| b.name.clone(), |x| x.name.clone()),
            None => b.name.clone(),
        };
        c.ports.insert(
            port.to_string(),
            Port {
                cfg: p,
                bridge: owner,
            },
        );
        for (n, i) in ifaces.iter().zip(ids) {
            if c.ifaces.contains_key(n) {
                // Repeated interface name: leave it to a rebuild.
                return Ok(());
            }
            c.ifaces.insert(
                n.clone(),
                Iface {
                    cfg: i,
                    port: port.to_string(),
                },
            );
        }
        keep_changed(ctx, c);
    }
    Ok(())
}

fn add_bond_iface(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let Some(port) = c.port(cmd.arg(1), true)? else {
        return Ok(());
    };
    let name = cmd.arg(2).to_string();
    if cmd.has("--may-exist") {
        if let Some(i) = c.iface(&name, false)? {
            if i.port == cmd.arg(1) {
                keep(ctx, c);
                return Ok(());
            }
            return fatal(format!(
                "\"--may-exist add-bond-iface {} {name}\" but {name} is actually attached to port {}",
                cmd.arg(1),
                i.port
            ));
        }
    }
    c.check_conflicts(&name, &format!("cannot create an interface named {name}"))?;
    let i = new_iface(ctx, &name);
    add_uuid(ctx, "Port", &port.cfg, "interfaces", i);
    let mut c = c;
    c.ifaces.insert(
        name,
        Iface {
            cfg: i,
            port: cmd.arg(1).to_string(),
        },
    );
    keep_changed(ctx, c);
    Ok(())
}

fn del_bond_iface(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let (port_name, iface_name) = if cmd.argv.len() == 3 {
        (Some(cmd.arg(1).to_string()), cmd.arg(2).to_string())
    } else {
        (None, cmd.arg(1).to_string())
    };
    let Some(i) = c.iface(&iface_name, !cmd.has("--if-exists"))? else {
        keep(ctx, c);
        return Ok(());
    };
    if let Some(pn) = &port_name {
        c.port(pn, true)?;
        if i.port != *pn {
            return fatal(format!("port {pn} does not have an interface {iface_name}"));
        }
    }
    let n = c.ifaces.values().filter(|x| x.port == i.port).count();
    if n == 1 {
        return fatal(format!("cannot delete last interface from port {}", i.port));
    }
    if let Some(p) = c.ports.get(&i.port) {
        remove_uuid(ctx, "Port", &p.cfg, "interfaces", &i.cfg);
    }
    ctx.delete("Interface", &i.cfg);
    let mut c = c;
    c.ifaces.remove(&iface_name);
    keep_changed(ctx, c);
    Ok(())
}

fn del_port_cmd(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let target = cmd.argv.last().cloned().unwrap_or_default();
    let must = !cmd.has("--if-exists");
    let port_name = if c.bridges.contains_key(&target) {
        if must {
            return fatal(format!(
                "cannot delete port {target} because it is the local port for bridge {target} (deleting this port requires deleting the entire bridge)"
            ));
        }
        None
    } else if !cmd.has("--with-iface") {
        c.port(&target, must)?.map(|_| target.clone())
    } else {
        let p = match c.port(&target, false)? {
            Some(_) => Some(target.clone()),
            None => c.iface(&target, false)?.map(|i| i.port),
        };
        if must && p.is_none() {
            return fatal(format!("no port or interface named {target}"));
        }
        p
    };
    let Some(pn) = port_name else {
        keep(ctx, c);
        return Ok(());
    };
    if cmd.argv.len() == 3 {
        if let Some(b) = c.bridge(cmd.arg(1), true)? {
            let pb = c
                .ports
                .get(&pn)
                .map(|p| p.bridge.clone())
                .unwrap_or_default();
            if pb != b.name {
                let parent = c.bridges.get(&pb).and_then(|x| x.parent.clone());
                if parent.as_deref() == Some(b.name.as_str()) {
                    return fatal(format!(
                        "bridge {} does not have a port {} (although its child bridge {pb} does)",
                        cmd.arg(1),
                        cmd.arg(2)
                    ));
                }
                return fatal(format!(
                    "bridge {} does not have a port {}",
                    cmd.arg(1),
                    cmd.arg(2)
                ));
            }
        }
    }
    del_port(ctx, &c, &pn);
    // A fake bridge's own port is only mirrored by a rebuild.
    if !c.bridges.contains_key(&pn) {
        let mut c = c;
        uncache_port(&mut c, &pn);
        keep_changed(ctx, c);
    }
    Ok(())
}

fn bridge_setting(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let b = c.must_bridge(cmd.arg(1))?;
    let needs_real = !cmd.syntax.name.starts_with("get-");
    if needs_real && b.parent.is_some() {
        return fatal(format!("{} is a fake bridge", cmd.arg(1)));
    }
    let br = c.real_cfg(&b);
    keep(ctx, c);
    let Some(br) = br else {
        return Ok(());
    };
    match cmd.syntax.name {
        "get-controller" => {
            ctx.verify("Bridge", &br, "controller");
            let mut t: Vec<String> = ctx
                .get_uuids("Bridge", &br, "controller")
                .iter()
                .filter_map(|x| ctx.get_str("Controller", x, "target"))
                .collect();
            t.sort();
            out_lines(cmd, t);
        }
        "del-controller" | "set-controller" => {
            ctx.verify("Bridge", &br, "controller");
            for x in ctx.get_uuids("Bridge", &br, "controller") {
                ctx.delete("Controller", &x);
            }
            let mut rows = Vec::new();
            if cmd.syntax.name == "set-controller" {
                let probe = cmd.opt("--inactivity-probe").map(str::to_string);
                for t in cmd.argv.iter().skip(2) {
                    if !valid_target(t) {
                        ctx.log.warn(
                            "vsctl",
                            &format!("target type \"{t}\" is possibly erroneous"),
                        );
                    }
                    let r = ctx.insert("Controller");
                    ctx.write("Controller", &r, "target", s(t));
                    if let Some(p) = &probe {
                        let n = p.parse::<i64>().unwrap_or(0);
                        ctx.write(
                            "Controller",
                            &r,
                            "inactivity_probe",
                            Datum::scalar(Atom::Integer(n)),
                        );
                    }
                    rows.push(r);
                }
            }
            ctx.write_uuids("Bridge", &br, "controller", &rows);
        }
        "get-fail-mode" => {
            ctx.verify("Bridge", &br, "fail_mode");
            if let Some(m) = ctx.get_str("Bridge", &br, "fail_mode") {
                cmd.output.push_str(&format!("{m}\n"));
            }
        }
        "del-fail-mode" => {
            ctx.write("Bridge", &br, "fail_mode", Datum::empty_set());
        }
        _ => {
            let mode = cmd.arg(2);
            if mode != "standalone" && mode != "secure" {
                return fatal("fail-mode must be \"standalone\" or \"secure\"");
            }
            ctx.write("Bridge", &br, "fail_mode", s(mode));
        }
    }
    Ok(())
}

fn del_managers(ctx: &mut Ctx) {
    let ovs = ctx.ovs;
    ctx.verify("Open_vSwitch", &ovs, "manager_options");
    for m in ctx.get_uuids("Open_vSwitch", &ovs, "manager_options") {
        ctx.delete("Manager", &m);
    }
    ctx.write_uuids("Open_vSwitch", &ovs, "manager_options", &[]);
}

fn del_ssl(ctx: &mut Ctx) {
    let ovs = ctx.ovs;
    ctx.verify("Open_vSwitch", &ovs, "ssl");
    for m in ctx.get_uuids("Open_vSwitch", &ovs, "ssl") {
        ctx.delete("SSL", &m);
    }
    ctx.write_uuids("Open_vSwitch", &ovs, "ssl", &[]);
}

fn aa_mapping(ctx: &mut Ctx, cmd: &mut Command) -> Result<(), Error> {
    let c = populate(ctx);
    let Some(b) = c.bridge(cmd.arg(1), true)? else {
        return Ok(());
    };
    let br = c.real_cfg(&b);
    keep(ctx, c);
    let Some(br) = br else {
        return Ok(());
    };
    ctx.verify("Bridge", &br, "auto_attach");
    let aa = ctx.get_uuids("Bridge", &br, "auto_attach").first().copied();
    if cmd.syntax.name == "get-aa-mapping" {
        if let Some(aa) = aa {
            for (k, v) in ctx.get("AutoAttach", &aa, "mappings").iter() {
                if let (Some(k), Some(v)) = (k.as_integer(), v.and_then(Atom::as_integer)) {
                    cmd.output.push_str(&format!("{k} {v}\n"));
                }
            }
        }
        return Ok(());
    }
    let num = |s: &str| s.parse::<i64>().unwrap_or(0);
    let (isid, vlan) = (num(cmd.arg(2)), num(cmd.arg(3)));
    let aa = match aa {
        Some(a) => a,
        None if cmd.syntax.name == "add-aa-mapping" => {
            let a = ctx.insert("AutoAttach");
            ctx.write_uuids("Bridge", &br, "auto_attach", &[a]);
            a
        }
        None => return Ok(()),
    };
    let m = ctx.get("AutoAttach", &aa, "mappings");
    let k = Atom::Integer(isid);
    let mut pairs: Vec<(Atom, Atom)> = m
        .iter()
        .filter(|(x, v)| {
            **x != k
                || (cmd.syntax.name == "del-aa-mapping"
                    && v.and_then(Atom::as_integer) != Some(vlan))
        })
        .filter_map(|(x, v)| v.map(|v| (x.clone(), v.clone())))
        .collect();
    if cmd.syntax.name == "add-aa-mapping" {
        pairs.push((k, Atom::Integer(vlan)));
    }
    ctx.write("AutoAttach", &aa, "mappings", Datum::map(pairs));
    Ok(())
}

#[cfg(test)]
mod tests;
