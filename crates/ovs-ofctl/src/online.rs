//! Commands that talk to a switch and mostly print what it answers: `show`, `dump-desc`,
//! `dump-tables`, `dump-table-features`, `dump-table-desc`, `dump-ports`, `dump-ports-desc`,
//! `get-frags`, `set-frags`, `mod-port`, `mod-table`, `queue-stats`, `queue-get-config`,
//! `probe`.
//!
//! Each follows OVS's sequence of connections and requests exactly (which connection is
//! opened first, when port names are looked up), because the transaction ids that end up in
//! the printed replies depend on it. Replies are printed with the `openflow` crate's
//! `ofp-print` formatter at verbosity 1 (plus one per `-m`).

use crate::session::{talking, Session, ANY};
use crate::vconn::Vconn;
use crate::Fatal;
use openflow::msgs::config::{frag, SwitchConfig, TableMod};
use openflow::msgs::port::PortMod;
use openflow::{Message, OfpMsg, Version};

/// Opens `target`, sends a request with body `body` and prints the replies.
fn trivial(s: &mut Session, target: &str, body: Message) -> Result<(), Fatal> {
    let mut vc = s.open(target)?;
    let m = s.msg(vc.version, body);
    s.dump_transaction(&mut vc, &m)
}

/// `dump-desc SWITCH`.
pub fn dump_desc(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    trivial(s, arg(a, 0), Message::DescRequest)
}

/// `dump-tables SWITCH`.
pub fn dump_tables(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    trivial(s, arg(a, 0), Message::TableStatsRequest)
}

/// `dump-group-features SWITCH`.
pub fn dump_group_features(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    trivial(s, arg(a, 0), Message::GroupFeaturesRequest)
}

/// The `i`th argument (dispatch has checked the count).
pub fn arg(a: &[String], i: usize) -> &str {
    a.get(i).map(String::as_str).unwrap_or_default()
}

/// Fails unless the connection's version is at least `min`.
fn need_version(vc: &Vconn, cmd: &str, min: Version) -> Result<(), Fatal> {
    if vc.version < min {
        let n = min.number();
        return Err(Fatal(format!(
            "{cmd} needs OpenFlow {n} or later ('-O OpenFlow{}')",
            n.replace('.', "")
        )));
    }
    Ok(())
}

/// `dump-table-features SWITCH`: every part of the reply, each printed.
pub fn dump_table_features(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let mut vc = s.open(arg(a, 0))?;
    need_version(&vc, "dump-table-features", Version::Of13)?;
    let m = s.msg(vc.version, Message::TableFeaturesRequest(Vec::new()));
    s.dump_transaction(&mut vc, &m)
}

/// `dump-table-desc SWITCH`.
pub fn dump_table_desc(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let mut vc = s.open(arg(a, 0))?;
    need_version(&vc, "dump-table-desc", Version::Of14)?;
    let m = s.raw_msg(
        vc.version,
        "OFPST_TABLE_DESC",
        false,
        Message::Opaque(Vec::new()),
    );
    s.dump_transaction(&mut vc, &m)
}

/// `show SWITCH`: features (plus the port descriptions from OpenFlow 1.3 on, where the
/// features reply has no ports), then the switch configuration over a second connection.
pub fn show(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut vc = s.open(target)?;
    let m = s.msg(vc.version, Message::FeaturesRequest);
    let reply = vc.transact(&m).map_err(|e| talking(&vc, &e))?;
    s.print(&reply);
    if vc.version >= Version::Of13 {
        let m = s.msg(vc.version, Message::PortDescRequest { port: ANY });
        s.dump_transaction(&mut vc, &m)?;
    }
    drop(vc);
    trivial(s, target, Message::GetConfigRequest)
}

/// Reads the switch configuration over `vc`.
fn get_config(s: &mut Session, vc: &mut Vconn) -> Result<SwitchConfig, Fatal> {
    let m = s.msg(vc.version, Message::GetConfigRequest);
    let reply = vc.transact(&m).map_err(|e| talking(vc, &e))?;
    match OfpMsg::decode(&reply) {
        Ok(OfpMsg {
            body: Message::GetConfigReply(c),
            ..
        }) => Ok(c),
        _ => Err(Fatal(format!(
            "{}: bad reply to OFPT_GET_CONFIG_REQUEST",
            vc.name
        ))),
    }
}

const FRAG_NAMES: [(u16, &str); 4] = [
    (frag::NORMAL, "normal"),
    (frag::DROP, "drop"),
    (frag::REASM, "reassemble"),
    (frag::NX_MATCH, "nx-match"),
];

/// `get-frags SWITCH`.
pub fn get_frags(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let mut vc = s.open(arg(a, 0))?;
    let c = get_config(s, &mut vc)?;
    let mode = c.flags & frag::MASK;
    let name = FRAG_NAMES
        .iter()
        .find(|(v, _)| *v == mode)
        .map_or("normal", |(_, n)| n);
    println!("{name}");
    Ok(())
}

/// `set-frags SWITCH MODE`.
pub fn set_frags(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let name = arg(a, 1);
    let Some(&(mode, _)) = FRAG_NAMES.iter().find(|(_, n)| *n == name) else {
        return Err(Fatal(format!("{name}: unknown fragment handling mode")));
    };
    let mut vc = s.open(target)?;
    let mut c = get_config(s, &mut vc)?;
    if c.flags & frag::MASK != mode {
        c.flags = (c.flags & !frag::MASK) | mode;
        let m = s.msg(vc.version, Message::SetConfig(c));
        s.transact_noreply_all(&mut vc, &[m])?;
        let after = get_config(s, &mut vc)?;
        if after.flags & frag::MASK != mode {
            return Err(Fatal(format!(
                "{target}: setting fragment handling mode failed (this switch probably \
                 doesn't support mode \"{name}\")"
            )));
        }
    }
    Ok(())
}

/// `mod-port SWITCH PORT ACTION`.
pub fn mod_port(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let (target, port, action) = (arg(a, 0), arg(a, 1), arg(a, 2));
    // OFPPC_* bits (OF1.0 numbering, the same in every version for these).
    const DOWN: u32 = 1 << 0;
    const NO_STP: u32 = 1 << 1;
    const NO_RECV: u32 = 1 << 2;
    const NO_RECV_STP: u32 = 1 << 3;
    const NO_FLOOD: u32 = 1 << 4;
    const NO_FWD: u32 = 1 << 5;
    const NO_PACKET_IN: u32 = 1 << 6;
    let table: [(&str, u32, bool); 7] = [
        ("up", DOWN, false),
        ("stp", NO_STP, false),
        ("receive", NO_RECV, false),
        ("receive-stp", NO_RECV_STP, false),
        ("forward", NO_FWD, false),
        ("flood", NO_FLOOD, false),
        ("packet-in", NO_PACKET_IN, false),
    ];
    let mut change = None;
    for (name, bit, _) in table {
        if action.eq_ignore_ascii_case(name) {
            change = Some((bit, false));
        } else if action
            .strip_prefix("no-")
            .or_else(|| action.strip_prefix("no"))
            .is_some_and(|r| r.eq_ignore_ascii_case(name))
        {
            change = Some((bit, true));
        }
    }
    if action.eq_ignore_ascii_case("down") {
        change = Some((DOWN, true));
    }
    // "up" means clear DOWN; "noup"/"no-up" would set it, like "down".
    let Some((bit, set)) = change else {
        return Err(Fatal(format!("unknown mod-port command '{action}'")));
    };
    let ports = s.port_list(target)?;
    let found = match flow::value::parse_port(port, None) {
        Some(n) => {
            let n = openflow::msgs::port_from_of10(n);
            ports.iter().find(|p| p.port_no == n)
        }
        None => ports.iter().find(|p| p.name == port),
    };
    let Some(p) = found.cloned() else {
        return Err(Fatal(format!("{target}: couldn't find port `{port}'")));
    };
    let mut vc = s.open(target)?;
    let pm = PortMod {
        port_no: p.port_no,
        hw_addr: p.hw_addr,
        config: if set { bit } else { 0 },
        mask: bit,
        advertise: None,
        props: Vec::new(),
    };
    let m = s.msg(vc.version, Message::PortMod(pm));
    s.transact_noreply_all(&mut vc, &[m])
}

/// `dump-ports SWITCH [PORT]`.
pub fn dump_ports(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut vc = s.open(target)?;
    let port = match a.get(1) {
        Some(p) => s.parse_port(target, p)?,
        None => ANY,
    };
    let m = s.msg(vc.version, Message::PortStatsRequest { port });
    s.dump_transaction(&mut vc, &m)
}

/// `dump-ports-desc SWITCH [PORT]` (only OpenFlow 1.5 can ask for one port).
pub fn dump_ports_desc(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut vc = s.open(target)?;
    let port = match a.get(1) {
        Some(p) => s.parse_port(target, p)?,
        None => ANY,
    };
    let port = if vc.version >= Version::Of15 {
        port
    } else {
        ANY
    };
    let m = s.msg(vc.version, Message::PortDescRequest { port });
    s.dump_transaction(&mut vc, &m)
}

/// `queue-stats SWITCH [PORT [QUEUE]]`.
pub fn queue_stats(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut vc = s.open(target)?;
    let port = match a.get(1) {
        Some(p) if !p.eq_ignore_ascii_case("all") => s.parse_port(target, p)?,
        _ => ANY,
    };
    let queue = match a.get(2) {
        Some(q) if !q.eq_ignore_ascii_case("all") => parse_queue(q)?,
        _ => 0xffff_ffff,
    };
    let m = s.msg(vc.version, Message::QueueStatsRequest { port, queue });
    s.dump_transaction(&mut vc, &m)
}

/// A queue number, read like C's `atoi` (as OVS does: no error for junk).
fn parse_queue(q: &str) -> Result<u32, Fatal> {
    Ok(crate::offline::atoi(q) as u32)
}

/// `queue-get-config SWITCH [PORT [QUEUE]]`: one request per port when no port is given
/// in OpenFlow 1.0 (later versions can ask about all ports at once).
pub fn queue_get_config(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let port = match a.get(1) {
        Some(p) if !p.eq_ignore_ascii_case("all") => Some(s.parse_port(target, p)?),
        _ => None,
    };
    let queue = match a.get(2) {
        Some(q) if !q.eq_ignore_ascii_case("all") => parse_queue(q)?,
        _ => 0xffff_ffff,
    };
    let mut vc = s.open(target)?;
    let ports: Vec<u32> = match port {
        Some(p) => vec![p],
        None if vc.version >= Version::Of11 => vec![ANY],
        None => {
            let mut list: Vec<u32> = s
                .port_list(target)?
                .iter()
                .map(|p| p.port_no)
                .filter(|&n| n < 0xffff_ff00)
                .collect();
            list.sort_unstable();
            list
        }
    };
    for port in ports {
        let body = if vc.version >= Version::Of14 {
            Message::QueueDescRequest { port, queue }
        } else {
            Message::QueueGetConfigRequest { port }
        };
        let m = s.msg(vc.version, body);
        s.dump_transaction(&mut vc, &m)?;
    }
    Ok(())
}

/// `mod-table SWITCH TABLE SETTING`.
pub fn mod_table(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let (target, table, setting) = (arg(a, 0), arg(a, 1), arg(a, 2));
    s.tables(target)?;
    let table_id = if table.eq_ignore_ascii_case("all") {
        0xff
    } else {
        table
            .parse::<u8>()
            .ok()
            .filter(|t| *t < 0xff)
            .ok_or_else(|| Fatal(format!("unknown table \"{table}\"")))?
    };
    // (config bits, versions that can express it)
    let (config, min, max): (u32, Version, Version) = match setting {
        "controller" => (0, Version::Of11, Version::Of12),
        "continue" => (1, Version::Of11, Version::Of12),
        "drop" => (2, Version::Of11, Version::Of12),
        "evict" => (4, Version::Of14, Version::Of15),
        "noevict" => (0, Version::Of14, Version::Of15),
        "vacancy" | "novacancy" => (0, Version::Of14, Version::Of15),
        _ => return Err(Fatal(format!("invalid table_mod setting {setting}"))),
    };
    let allowed: Vec<Version> =
        s.cx.versions
            .iter()
            .copied()
            .filter(|v| *v >= min && *v <= max)
            .collect();
    if allowed.is_empty() {
        let names: Vec<&str> = [
            Version::Of11,
            Version::Of12,
            Version::Of13,
            Version::Of14,
            Version::Of15,
        ]
        .into_iter()
        .filter(|v| *v >= min && *v <= max)
        .map(openflow::protocol::version_name)
        .collect();
        return Err(Fatal(format!(
            "table_mod '{setting}' requires one of the OpenFlow versions {}",
            names.join(", ")
        )));
    }
    let mut vc = s.open(target)?;
    let tm = TableMod {
        table_id,
        config,
        props: Vec::new(),
    };
    let m = s.msg(vc.version, Message::TableMod(tm));
    s.transact_noreply_all(&mut vc, &[m])
}

/// `probe SWITCH`: an echo request (transaction id 0) and its reply.
pub fn probe(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let mut vc = s.open(arg(a, 0))?;
    let m = OfpMsg::new(vc.version, 0, Message::EchoRequest(Vec::new()));
    vc.send(&m).map_err(|e| talking(&vc, &e))?;
    vc.recv_xid(0).map_err(|e| talking(&vc, &e))?;
    Ok(())
}

/// Prints every message received on `vc` until the connection ends (`monitor`, `snoop`).
fn print_forever(s: &mut Session, vc: &mut Vconn) -> Result<(), Fatal> {
    use std::io::Write as _;
    let verbosity = i32::try_from(s.cx.verbosity).unwrap_or(0) + 2;
    loop {
        let m = vc
            .recv()
            .map_err(|e| Fatal(format!("OpenFlow packet receive failed ({e})")))?;
        let text = openflow::print::ofp_to_string_verbosity(&m, verbosity);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

/// `monitor SWITCH [MISS-LEN] [invalid_ttl]`: asks for packet-ins (with `MISS-LEN` bytes of
/// each missed packet, and for packets with invalid TTLs if asked) in the `NXT_PACKET_IN2`
/// format, then prints every message the switch sends. Flow monitoring (`watch:`) is not
/// supported yet.
pub fn monitor(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let target = arg(a, 0);
    let mut miss_len = None;
    let mut invalid_ttl = false;
    for x in a.get(1..).unwrap_or_default() {
        if x == "invalid_ttl" {
            invalid_ttl = true;
        } else if x.starts_with("watch:") {
            return Err(Fatal(
                "flow monitoring (watch:) is not supported by this ovs-ofctl yet".into(),
            ));
        } else {
            miss_len = Some(crate::offline::atoi(x));
        }
    }
    let mut vc = s.open(target)?;
    if miss_len.is_some() || invalid_ttl {
        let mut c = get_config(s, &mut vc)?;
        if let Some(len) = miss_len {
            c.miss_send_len = u16::try_from(len).unwrap_or(u16::MAX);
        }
        if invalid_ttl {
            c.flags |= frag::INVALID_TTL_TO_CONTROLLER;
        }
        let m = s.msg(vc.version, Message::SetConfig(c));
        s.transact_noreply_all(&mut vc, &[m])?;
    }
    let m = s.msg(
        vc.version,
        Message::SetPacketInFormat(openflow::msgs::config::packet_in_format::NXT_PACKET_IN2),
    );
    // A switch without NXT_PACKET_IN2 answers with an error; keep its default format then.
    vc.transact_noreply(&m, &mut s.xids)
        .map_err(|e| talking(&vc, &e))?;
    print_forever(s, &mut vc)
}

/// `snoop SWITCH`: prints the messages between the switch and its controllers, from the
/// bridge's `.snoop` socket.
pub fn snoop(s: &mut Session, a: &[String]) -> Result<(), Fatal> {
    let versions = s.cx.versions.clone();
    let mut vc = Vconn::open(arg(a, 0), "snoop", &versions, &mut s.xids, &mut s.logseq)?;
    print_forever(s, &mut vc)
}
