//! The state one `ovs-ofctl` run keeps while it talks to a switch: the options, the
//! transaction-id counter, the log sequence, and the port and table maps fetched from the
//! switch (each at most once per run, over a connection of its own, as OVS does).
//!
//! OVS fetches these maps whenever a command parses text that may name ports or tables (a
//! flow, a group, a port argument that is not a number or a reserved name). The fetches use
//! transaction ids from the shared counter, so doing them at the same moments as OVS is what
//! makes the transaction ids printed in replies identical. Commands call [`Session::ports`] and
//! [`Session::tables`] in the order OVS's code evaluates them.
//!
//! [`Session::dump_transaction`] is OVS's way of running a request and printing every reply
//! (multipart replies until one without the "more" flag, error replies end the dump), and
//! [`Session::transact_noreply_all`] sends modifications each followed by a barrier, printing
//! the first error reply on standard error and failing.

use crate::vconn::{Vconn, Xids};
use crate::{Context, Fatal};
use flow::PortMap;
use openflow::msgs::bundle::{BundleAdd, BundleCtrl};
use openflow::msgs::port::Port;
use openflow::print::ofp_to_string_verbosity;
use openflow::raw::{MsgType, RawCode, RawId};
use openflow::{Message, OfpMsg, Version};
use std::io::Write as _;

/// One run's state.
pub struct Session {
    /// Options.
    pub cx: Context,
    /// Transaction ids.
    pub xids: Xids,
    /// Log line sequence numbers.
    pub logseq: u32,
    ports: Option<Vec<Port>>,
    tables_fetched: bool,
}

/// A 16-bit port number (OpenFlow 1.0 numbering) for a 32-bit one.
pub fn port16(p: u32) -> u16 {
    if p >= 0xffff_ff00 {
        u16::try_from(p - 0xffff_0000).unwrap_or(u16::MAX)
    } else {
        u16::try_from(p).unwrap_or(u16::MAX)
    }
}

impl Session {
    /// A fresh session.
    pub fn new(cx: Context) -> Session {
        Session {
            cx,
            xids: Xids::default(),
            logseq: 0,
            ports: None,
            tables_fetched: false,
        }
    }

    /// Opens a management connection to `target`.
    pub fn open(&mut self, target: &str) -> Result<Vconn, Fatal> {
        let versions = self.cx.versions.clone();
        Vconn::open(target, "mgmt", &versions, &mut self.xids, &mut self.logseq)
    }

    /// A new message with a fresh transaction id.
    pub fn msg(&mut self, v: Version, body: Message) -> OfpMsg {
        OfpMsg::new(v, self.xids.alloc(), body)
    }

    /// A message with an explicit raw identity (a Nicira variant, or an opaque body).
    pub fn raw_msg(&mut self, v: Version, name: &str, reply: bool, body: Message) -> OfpMsg {
        let mut m = self.msg(v, body);
        m.raw = find_raw(name, v, reply);
        m
    }

    /// The switch's ports (fetched once).
    pub fn port_list(&mut self, target: &str) -> Result<Vec<Port>, Fatal> {
        if let Some(p) = &self.ports {
            return Ok(p.clone());
        }
        let mut vc = self.open(target)?;
        let mut ports = Vec::new();
        if vc.version <= Version::Of12 {
            let m = self.msg(vc.version, Message::FeaturesRequest);
            let reply = vc.transact(&m).map_err(|e| talking(&vc, &e))?;
            if let Ok(OfpMsg {
                body: Message::FeaturesReply(f),
                ..
            }) = OfpMsg::decode(&reply)
            {
                ports = f.ports;
            }
        } else {
            let m = self.msg(vc.version, Message::PortDescRequest { port: ANY });
            for reply in collect_multipart(&mut vc, &m)? {
                if let Ok(OfpMsg {
                    body: Message::PortDescReply(p),
                    ..
                }) = OfpMsg::decode(&reply)
                {
                    ports.extend(p);
                }
            }
        }
        self.ports = Some(ports.clone());
        Ok(ports)
    }

    /// The port map for parsing names (`ports_to_accept`).
    pub fn ports(&mut self, target: &str) -> Result<PortMap, Fatal> {
        let mut map = PortMap::new();
        for p in self.port_list(target)? {
            map.insert(&p.name, port16(p.port_no));
        }
        Ok(map)
    }

    /// Fetches the table names (`tables_to_accept`); only the side effects matter here
    /// (table names in flows are not supported yet).
    pub fn tables(&mut self, target: &str) -> Result<(), Fatal> {
        if self.tables_fetched {
            return Ok(());
        }
        self.tables_fetched = true;
        let mut vc = self.open(target)?;
        let body = if vc.version <= Version::Of12 {
            Message::TableStatsRequest
        } else {
            Message::TableFeaturesRequest(Vec::new())
        };
        let m = self.msg(vc.version, body);
        let replies = collect_multipart(&mut vc, &m)?;
        if matches!(vc.version, Version::Of11 | Version::Of12) && bad_table_miss(&replies) {
            // OVS warns while decoding OpenFlow 1.1/1.2 table statistics whose table-miss
            // configuration has both bits set.
            crate::vconn::log(
                &mut self.logseq,
                "ofp_table",
                "WARN",
                "bad table miss config 3",
            );
        }
        Ok(())
    }

    /// Parses a port argument: number, reserved name, or a name looked up in the switch's
    /// ports (`TARGET: unknown port `NAME'`).
    pub fn parse_port(&mut self, target: &str, s: &str) -> Result<u32, Fatal> {
        if let Some(p) = flow::value::parse_port(s, None) {
            return Ok(openflow::msgs::port_from_of10(p));
        }
        let map = self.ports(target)?;
        flow::value::parse_port(s, Some(&map))
            .map(openflow::msgs::port_from_of10)
            .ok_or_else(|| Fatal(format!("{target}: unknown port `{s}'")))
    }

    /// Prints a reply the way `dump_transaction` does.
    pub fn print(&self, bytes: &[u8]) {
        let verbosity = i32::try_from(self.cx.verbosity).unwrap_or(0) + 1;
        let mut text = ofp_to_string_verbosity(bytes, verbosity);
        if verbosity < 2
            && openflow::raw::identify(bytes)
                .is_ok_and(|(_, id)| id.entry().ty == MsgType::TableStatsReply)
        {
            text = ditto_tables(&text);
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
    }

    /// Sends `m` and prints its replies (all parts of a multipart reply).
    pub fn dump_transaction(&mut self, vc: &mut Vconn, m: &OfpMsg) -> Result<(), Fatal> {
        let is_stats = matches!(
            m.raw_id().map(|id| id.entry().code),
            Ok(RawCode::Stats { .. } | RawCode::VendorStats { .. })
        );
        if !is_stats {
            let reply = vc.transact(m).map_err(|e| talking(vc, &e))?;
            self.print(&reply);
            return Ok(());
        }
        vc.send(m).map_err(|e| talking(vc, &e))?;
        loop {
            let reply = vc
                .recv_xid(m.xid)
                .map_err(|e| Fatal(format!("OpenFlow packet receive failed ({e})")))?;
            self.print(&reply);
            match reply_kind(&reply) {
                Reply::Error => return Ok(()),
                Reply::Multipart { more } => {
                    if !more {
                        return Ok(());
                    }
                }
                Reply::Other => {
                    let verbosity = i32::try_from(self.cx.verbosity).unwrap_or(0) + 1;
                    return Err(Fatal(format!(
                        "received bad reply: {}",
                        ofp_to_string_verbosity(&reply, verbosity)
                    )));
                }
            }
        }
    }

    /// Sends each message followed by a barrier; the first reply to one of them (an error)
    /// is printed on standard error and ends the run with status 1.
    pub fn transact_noreply_all(&mut self, vc: &mut Vconn, msgs: &[OfpMsg]) -> Result<(), Fatal> {
        for m in msgs {
            let reply = vc
                .transact_noreply(m, &mut self.xids)
                .map_err(|e| talking(vc, &e))?;
            if let Some(r) = reply {
                let verbosity = i32::try_from(self.cx.verbosity).unwrap_or(0) + 2;
                let _ = std::io::stdout().flush();
                let _ =
                    std::io::stderr().write_all(ofp_to_string_verbosity(&r, verbosity).as_bytes());
                return Err(Fatal(String::new()));
            }
        }
        Ok(())
    }
}

impl Session {
    /// Sends `msgs` (already numbered) as one atomic, ordered bundle: open, add each message,
    /// barrier, commit. Errors the switch reports are printed on standard error as
    /// `Error NAME for: REQUEST` and the run fails with `talking to ... (Protocol error)`, as
    /// OVS does.
    pub fn bundle_transact(&mut self, vc: &mut Vconn, msgs: &[OfpMsg]) -> Result<(), Fatal> {
        const FLAGS: u16 = 3; // atomic | ordered
        let ctrl = |ctrl_type| {
            Message::BundleControl(BundleCtrl {
                bundle_id: 0,
                ctrl_type,
                flags: FLAGS,
                props: Vec::new(),
            })
        };
        let mut sent: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut errors: Vec<Vec<u8>> = Vec::new();
        let open = self.msg(vc.version, ctrl(0));
        sent.push((open.xid, open.encode().map_err(|e| Fatal(e.to_string()))?));
        vc.send(&open).map_err(|e| talking(vc, &e))?;
        wait_for(vc, open.xid, &mut errors)?;
        if errors.is_empty() {
            for m in msgs {
                let bytes = m.encode().map_err(|e| Fatal(e.to_string()))?;
                let add = OfpMsg::new(
                    vc.version,
                    m.xid,
                    Message::BundleAdd(BundleAdd {
                        bundle_id: 0,
                        flags: FLAGS,
                        message: bytes.clone(),
                        props: Vec::new(),
                    }),
                );
                sent.push((m.xid, bytes));
                vc.send(&add).map_err(|e| talking(vc, &e))?;
            }
            let barrier = self.msg(vc.version, Message::BarrierRequest);
            vc.send(&barrier).map_err(|e| talking(vc, &e))?;
            wait_for(vc, barrier.xid, &mut errors)?;
            let commit = self.msg(vc.version, ctrl(4));
            sent.push((
                commit.xid,
                commit.encode().map_err(|e| Fatal(e.to_string()))?,
            ));
            vc.send(&commit).map_err(|e| talking(vc, &e))?;
            wait_for(vc, commit.xid, &mut errors)?;
        }
        if errors.is_empty() {
            return Ok(());
        }
        let verbosity = i32::try_from(self.cx.verbosity).unwrap_or(0) + 1;
        let _ = std::io::stdout().flush();
        let mut err = std::io::stderr().lock();
        for e in &errors {
            let text = ofp_to_string_verbosity(e, verbosity);
            let first = text.lines().next().unwrap_or_default();
            let name = first.rsplit_once("): ").map_or(first, |(_, n)| n);
            let xid = openflow::Header::parse(e).map_or(0, |h| h.xid);
            let request = sent
                .iter()
                .find(|(x, _)| *x == xid)
                .map(|(_, b)| ofp_to_string_verbosity(b, verbosity))
                .unwrap_or_default();
            let _ = write!(err, "Error {name} for: {request}");
        }
        Err(Fatal(format!("talking to {} (Protocol error)", vc.name)))
    }
}

/// Receives until the message with transaction id `xid`, keeping every error message seen
/// (including one with `xid` itself).
fn wait_for(vc: &mut Vconn, xid: u32, errors: &mut Vec<Vec<u8>>) -> Result<(), Fatal> {
    loop {
        let m = vc.recv().map_err(|e| talking(vc, &e))?;
        let is_error =
            openflow::raw::identify(&m).is_ok_and(|(_, id)| id.entry().ty == MsgType::Error);
        let x = openflow::Header::parse(&m).map_or(0, |h| h.xid);
        if is_error {
            errors.push(m);
        }
        if x == xid {
            return Ok(());
        }
    }
}

/// True if an OpenFlow 1.1/1.2 table statistics reply has a table whose configuration has
/// both table-miss bits set (entries of 88 or 128 bytes, configuration at offset 60).
fn bad_table_miss(replies: &[Vec<u8>]) -> bool {
    replies.iter().any(|r| {
        let entry = if r.first() == Some(&2) { 88 } else { 128 };
        r.get(16..).is_some_and(|body| {
            body.chunks(entry).any(|e| {
                e.len() == entry
                    && e.get(60..64)
                        .is_some_and(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) & 3 == 3)
            })
        })
    })
}

/// `OFPP_ANY`.
pub const ANY: u32 = 0xffff_ffff;

/// What a reply to a dump is.
enum Reply {
    Error,
    Multipart { more: bool },
    Other,
}

fn reply_kind(bytes: &[u8]) -> Reply {
    match openflow::raw::identify(bytes) {
        Ok((_, id)) => match id.entry().code {
            _ if id.entry().ty == MsgType::Error => Reply::Error,
            RawCode::Stats { reply: true, .. } | RawCode::VendorStats { reply: true, .. } => {
                let flags = bytes
                    .get(10..12)
                    .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
                Reply::Multipart {
                    more: flags & 1 != 0,
                }
            }
            _ => Reply::Other,
        },
        Err(_) => Reply::Other,
    }
}

/// `talking to NAME (ERROR)`.
pub fn talking(vc: &Vconn, e: &str) -> Fatal {
    Fatal(format!("talking to {} ({e})", vc.name))
}

/// Sends a multipart request and returns every reply part (stopping at an error).
pub fn collect_multipart(vc: &mut Vconn, m: &OfpMsg) -> Result<Vec<Vec<u8>>, Fatal> {
    vc.send(m).map_err(|e| talking(vc, &e))?;
    let mut out = Vec::new();
    loop {
        let reply = vc
            .recv_xid(m.xid)
            .map_err(|e| Fatal(format!("OpenFlow packet receive failed ({e})")))?;
        let kind = reply_kind(&reply);
        out.push(reply);
        match kind {
            Reply::Multipart { more: true } => {}
            _ => return Ok(out),
        }
    }
}

/// The raw identity named `name` (a request, or a reply if `reply`) in version `v`.
pub fn find_raw(name: &str, v: Version, reply: bool) -> Option<RawId> {
    RawId::all().find(|id| {
        let e = id.entry();
        e.name == name
            && id.valid_in(v)
            && match e.code {
                RawCode::Stats { reply: r, .. } | RawCode::VendorStats { reply: r, .. } => {
                    r == reply
                }
                _ => true,
            }
    })
}

/// Collapses runs of tables whose description repeats the previous table's into
/// `tables A...B: ditto` (one table: `table A: ditto`), as OVS prints table statistics below
/// verbosity 2.
pub fn ditto_tables(text: &str) -> String {
    let Some((head, body)) = text.split_once('\n') else {
        return text.to_string();
    };
    let blocks: Vec<&str> = body.trim_end_matches('\n').split("\n\n").collect();
    // Each table's identity and what is compared: its statistics line and its features
    // ("(same features)" stands for the previous table's).
    let mut parsed: Vec<(Option<&str>, (&str, &str))> = Vec::new();
    let mut last_features = "";
    for b in &blocks {
        let mut lines = b.splitn(3, '\n');
        let first = lines.next().unwrap_or_default();
        let stats = lines.next().unwrap_or_default();
        let mut features = lines.next().unwrap_or_default();
        if features == "    (same features)" {
            features = last_features;
        } else {
            last_features = features;
        }
        let id = first
            .strip_prefix("  table ")
            .and_then(|t| t.split([':', ' ']).next());
        parsed.push((id, (stats, features)));
    }
    if parsed.iter().any(|(id, _)| id.is_none()) {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    let mut run: Option<(&str, &str)> = None;
    let flush = |run: &mut Option<(&str, &str)>, out: &mut Vec<String>| {
        if let Some((a, b)) = run.take() {
            out.push(if a == b {
                format!("  table {a}: ditto")
            } else {
                format!("  tables {a}...{b}: ditto")
            });
        }
    };
    for (i, (id, rest)) in parsed.iter().enumerate() {
        let id = id.unwrap_or_default();
        let same = i > 0 && parsed.get(i - 1).is_some_and(|(_, prev)| prev == rest);
        if same {
            run = Some(match run {
                Some((a, _)) => (a, id),
                None => (id, id),
            });
        } else {
            flush(&mut run, &mut out);
            out.push(blocks.get(i).copied().unwrap_or_default().to_string());
        }
    }
    flush(&mut run, &mut out);
    format!("{head}\n{}\n", out.join("\n\n"))
}
