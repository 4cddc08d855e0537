//! Datapath actions ([`OdpAction`]) and their text form.
//!
//! These are the actions a megaflow carries after ofproto has translated OpenFlow actions:
//! a small, flat vocabulary the fast path can run without consulting any table. The text
//! form is exactly what Open vSwitch prints for datapath actions (`ovs-appctl
//! dpctl/dump-flows`, the `Datapath actions:` line of `ofproto/trace`):
//!
//! ```text
//! push_vlan(vid=5,pcp=0),2,pop_vlan,3
//! set(eth(src=00:11:22:33:44:55)),set(ipv4(src=10.0.0.5,ttl=63)),2
//! userspace(pid=0,controller(reason=1,dont_send=0,continuation=0,recirc_id=2,rule_cookie=0,controller_id=0,max_len=65535)),2
//! sample(sample=50.0%,actions(userspace(pid=0,flow_sample(...))))
//! ct(commit,zone=5,nat(src=10.1.1.1)),recirc(0x8)
//! drop
//! ```
//!
//! An empty action list prints as `drop`, as in OVS. [`format_actions`] prints a list and
//! [`parse_actions`] reads one back; both are checked against text captured from Debian's
//! Open vSwitch (`tests/data/actions.tsv`). `set(...)` holds a [`KeyAttr`]: OVS prints a
//! masked set (`set_masked` in the datapath) and a plain one the same way, showing the fields
//! whose mask is nonzero, so one variant covers both; a plain set is simply one whose masks
//! are all ones.
//!
//! ferroswitch adds five actions of its own for OpenFlow features Open vSwitch lacks:
//! `push_pbb` and `pop_pbb` (802.1ah backbone header, I-SID 0 on push), `set_pbb_isid(N)`,
//! and `copy_ttl_out` / `copy_ttl_in` (TTL copies between the outer MPLS label and the
//! header inside it). Open vSwitch's own tools cannot parse them.
//!
//! Conntrack (`ct`) is carried for printing and parsing only; running it is the datapath's
//! business ([`crate::execute::ExecSink::ct`]).

use crate::attr::{format_vlan, parse_vlan, AttrKind, KeyAttr, Masked};
use crate::error::ParseError;
use crate::provider::OdpPort;
use crate::text::{hex, parse_ipv4, parse_ipv6, parse_uint, split_call, split_kv, split_top};
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One datapath action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OdpAction {
    /// Send a copy of the packet to a port (`2`).
    Output(OdpPort),
    /// Output to a balance-tcp bond's member chosen by hash (`lb_output(1)`).
    LbOutput(u32),
    /// Push an 802.1Q/802.1ad tag (`push_vlan(tpid=0x88a8,vid=5,pcp=0)`); `tci` includes the
    /// CFI bit as written on the wire (OVS sets it in the action to mean "present" and clears
    /// it when writing the tag).
    PushVlan {
        /// TPID (0x8100 or 0x88a8).
        tpid: u16,
        /// Tag control information.
        tci: u16,
    },
    /// Pop the outermost VLAN tag.
    PopVlan,
    /// Push an MPLS label stack entry (`push_mpls(label=..,tc=..,ttl=..,bos=..,eth_type=..)`).
    PushMpls {
        /// The label stack entry.
        lse: u32,
        /// The new EtherType (0x8847 or 0x8848).
        ethertype: u16,
    },
    /// Pop an MPLS label, setting the EtherType (`pop_mpls(eth_type=0x800)`).
    PopMpls(u16),
    /// Push an 802.1ah backbone header with I-SID 0 (`push_pbb`). A ferroswitch
    /// extension: Open vSwitch has no PBB actions.
    PushPbb,
    /// Pop the outer 802.1ah backbone header (`pop_pbb`; extension).
    PopPbb,
    /// Rewrite the outer I-TAG's service identifier (`set_pbb_isid(100)`; extension).
    SetPbbIsid(u32),
    /// Copy the TTL from the header inside the outer MPLS label out to it (`copy_ttl_out`;
    /// extension: Open vSwitch has no TTL copies).
    CopyTtlOut,
    /// Copy the outer MPLS label's TTL to the header inside it (`copy_ttl_in`; extension).
    CopyTtlIn,
    /// Rewrite header or metadata fields under a mask (`set(ipv4(src=1.2.3.4))`). Boxed to
    /// keep action lists compact (an attribute holds ten value/mask pairs).
    Set(Box<KeyAttr>),
    /// Send the packet to userspace (`userspace(pid=..,<cookie>[,actions][,tunnel_out_port=..])`).
    Userspace(UserspaceAction),
    /// Run nested actions with probability `probability / 2^32-1` (`sample(sample=50.0%,actions(..))`).
    Sample {
        /// Probability as a fraction of `u32::MAX`.
        probability: u32,
        /// Actions run on a copy of the packet when sampled.
        actions: Vec<OdpAction>,
    },
    /// Re-run the packet through the datapath with a new recirculation id (`recirc(0x8)`).
    Recirc(u32),
    /// Compute a packet hash into `dp_hash` (`hash(l4(0))`, `hash(sym_l4(0))`).
    Hash {
        /// The hash function.
        alg: HashAlg,
        /// Hash basis.
        basis: u32,
    },
    /// Connection tracking (printed and parsed only).
    Ct(Box<CtAction>),
    /// Clear conntrack state (`ct_clear`).
    CtClear,
    /// Run nested actions on a copy of the packet (`clone(...)`).
    Clone(Vec<OdpAction>),
    /// Truncate the packet for the next output to `max_len` bytes (`trunc(100)`).
    Trunc(u32),
    /// Apply meter `id` (`meter(0)`).
    Meter(u32),
    /// Run `gt` if the packet is longer than `size` bytes, else `le` (`check_pkt_len(...)`).
    CheckPktLen {
        /// The threshold.
        size: u16,
        /// Actions for longer packets.
        gt: Vec<OdpAction>,
        /// Actions for other packets.
        le: Vec<OdpAction>,
    },
    /// Explicit drop (also what an empty list prints as).
    Drop,
}

/// The function a `hash` action uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// 5-tuple hash (`l4`).
    L4,
    /// Symmetric 5-tuple hash (`sym_l4`): both directions of a connection hash equally.
    SymL4,
}

/// A `userspace()` action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserspaceAction {
    /// Netlink port id of the handler that should receive it (0 in the userspace datapath).
    pub pid: u32,
    /// What the upcall is for.
    pub cookie: Option<UserspaceCookie>,
    /// Whether the upcall carries the flow's actions (`,actions`).
    pub include_actions: bool,
    /// Tunnel output port for egress sampling (`,tunnel_out_port=N`).
    pub tunnel_out_port: Option<OdpPort>,
}

/// The cookie of a `userspace()` action: why ofproto asked for the packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserspaceCookie {
    /// Packet-in to a controller.
    Controller {
        /// OpenFlow packet-in reason code.
        reason: u8,
        /// Do not send the packet-in (only resume a paused pipeline).
        dont_send: bool,
        /// A continuation follows (`controller(pause)`).
        continuation: bool,
        /// Recirculation id holding the frozen state.
        recirc_id: u32,
        /// Cookie of the rule that sent it.
        rule_cookie: u64,
        /// Controller connection id.
        controller_id: u16,
        /// Bytes of the packet to send.
        max_len: u16,
    },
    /// sFlow sample (`sFlow(vid=..,pcp=..,output=..)`).
    SFlow {
        /// VLAN id.
        vid: u16,
        /// VLAN priority.
        pcp: u8,
        /// sFlow output encoding (port or flags).
        output: u32,
    },
    /// Slow-path reasons (`slow_path(cfm)`), a bitmask in [`SLOW_PATH_REASONS`] order.
    SlowPath(u32),
    /// Per-flow IPFIX sample (`flow_sample(...)`).
    FlowSample {
        /// Sampling probability (of 65535).
        probability: u16,
        /// Collector set.
        collector_set_id: u32,
        /// Observation domain.
        obs_domain_id: u32,
        /// Observation point.
        obs_point_id: u32,
        /// Output port (u32::MAX for none).
        output_port: u32,
        /// `ingress` / `egress` direction, if given.
        direction: Option<String>,
    },
    /// Bridge IPFIX sample (`ipfix(output_port=..)`).
    Ipfix {
        /// Output port.
        output_port: u32,
    },
    /// Opaque user data (`userdata(0102...)`).
    Userdata(Vec<u8>),
}

/// Slow-path reason names, bit 0 first.
pub const SLOW_PATH_REASONS: [&str; 7] = ["cfm", "bfd", "lacp", "stp", "lldp", "action", "match"];

/// A `ct()` action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CtAction {
    /// `commit`.
    pub commit: bool,
    /// `force_commit`.
    pub force_commit: bool,
    /// `zone=N`.
    pub zone: Option<u16>,
    /// `mark=V/M`.
    pub mark: Option<(u32, u32)>,
    /// `label=V[/M]`.
    pub label: Option<(u128, u128)>,
    /// `helper=NAME`.
    pub helper: Option<String>,
    /// `timeout=NAME`.
    pub timeout: Option<String>,
    /// `nat[(...)]`.
    pub nat: Option<CtNat>,
}

/// The `nat` part of a `ct()` action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CtNat {
    /// `Some(true)` for `src=`, `Some(false)` for `dst=`, `None` for plain `nat`.
    pub src: Option<bool>,
    /// Address range (min, max) as text-equivalent addresses.
    pub addrs: Option<(std::net::IpAddr, std::net::IpAddr)>,
    /// Port range.
    pub ports: Option<(u16, u16)>,
    /// Flags in order: `random`, `hash`, `persistent`.
    pub flags: Vec<String>,
}

/// Prints an action list the way OVS does (`drop` for an empty list).
pub fn format_actions(actions: &[OdpAction]) -> String {
    let mut s = String::new();
    format_actions_into(&mut s, actions);
    s
}

/// Appends the text of an action list.
pub fn format_actions_into(out: &mut String, actions: &[OdpAction]) {
    if actions.is_empty() {
        out.push_str("drop");
        return;
    }
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        a.format(out);
    }
}

impl std::fmt::Display for OdpAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.format(&mut s);
        f.write_str(&s)
    }
}

impl OdpAction {
    /// Appends this action's text.
    pub fn format(&self, out: &mut String) {
        match self {
            OdpAction::Output(p) => {
                let _ = write!(out, "{p}");
            }
            OdpAction::LbOutput(p) => {
                let _ = write!(out, "lb_output({p})");
            }
            OdpAction::PushVlan { tpid, tci } => {
                out.push_str("push_vlan(");
                if *tpid != 0x8100 {
                    let _ = write!(out, "tpid=0x{tpid:04x},");
                }
                format_vlan(
                    out,
                    Masked {
                        value: u128::from(*tci),
                        mask: 0xffff,
                    },
                    true,
                );
                out.push(')');
            }
            OdpAction::PopVlan => out.push_str("pop_vlan"),
            OdpAction::PushMpls { lse, ethertype } => {
                let _ = write!(
                    out,
                    "push_mpls(label={},tc={},ttl={},bos={},eth_type=0x{:x})",
                    lse >> 12,
                    (lse >> 9) & 7,
                    lse & 0xff,
                    (lse >> 8) & 1,
                    ethertype
                );
            }
            OdpAction::PopMpls(t) => {
                let _ = write!(out, "pop_mpls(eth_type=0x{t:x})");
            }
            OdpAction::PushPbb => out.push_str("push_pbb"),
            OdpAction::CopyTtlOut => out.push_str("copy_ttl_out"),
            OdpAction::CopyTtlIn => out.push_str("copy_ttl_in"),
            OdpAction::PopPbb => out.push_str("pop_pbb"),
            OdpAction::SetPbbIsid(v) => {
                let _ = write!(out, "set_pbb_isid({v})");
            }
            OdpAction::Set(attr) => {
                out.push_str("set(");
                attr.format(out);
                out.push(')');
            }
            OdpAction::Userspace(u) => u.format(out),
            OdpAction::Sample {
                probability,
                actions,
            } => {
                let pct = f64::from(*probability) / f64::from(u32::MAX) * 100.0;
                let _ = write!(out, "sample(sample={pct:.1}%,actions(");
                format_actions_into(out, actions);
                out.push_str("))");
            }
            OdpAction::Recirc(id) => {
                out.push_str("recirc(");
                hex(out, u128::from(*id));
                out.push(')');
            }
            OdpAction::Hash { alg, basis } => {
                let n = match alg {
                    HashAlg::L4 => "l4",
                    HashAlg::SymL4 => "sym_l4",
                };
                let _ = write!(out, "hash({n}({basis}))");
            }
            OdpAction::Ct(ct) => ct.format(out),
            OdpAction::CtClear => out.push_str("ct_clear"),
            OdpAction::Clone(a) => {
                out.push_str("clone(");
                format_actions_into(out, a);
                out.push(')');
            }
            OdpAction::Trunc(n) => {
                let _ = write!(out, "trunc({n})");
            }
            OdpAction::Meter(n) => {
                let _ = write!(out, "meter({n})");
            }
            OdpAction::CheckPktLen { size, gt, le } => {
                let _ = write!(out, "check_pkt_len(size={size},gt(");
                format_actions_into(out, gt);
                out.push_str("),le(");
                format_actions_into(out, le);
                out.push_str("))");
            }
            OdpAction::Drop => out.push_str("drop"),
        }
    }
}

impl UserspaceAction {
    fn format(&self, out: &mut String) {
        let _ = write!(out, "userspace(pid={}", self.pid);
        if let Some(c) = &self.cookie {
            out.push(',');
            c.format(out);
        }
        if self.include_actions {
            out.push_str(",actions");
        }
        if let Some(p) = self.tunnel_out_port {
            let _ = write!(out, ",tunnel_out_port={p}");
        }
        out.push(')');
    }
}

impl UserspaceCookie {
    fn format(&self, out: &mut String) {
        match self {
            UserspaceCookie::Controller {
                reason,
                dont_send,
                continuation,
                recirc_id,
                rule_cookie,
                controller_id,
                max_len,
            } => {
                let _ = write!(
                    out,
                    "controller(reason={reason},dont_send={},continuation={},recirc_id={recirc_id},rule_cookie=",
                    u8::from(*dont_send),
                    u8::from(*continuation)
                );
                hex(out, u128::from(*rule_cookie));
                let _ = write!(out, ",controller_id={controller_id},max_len={max_len})");
            }
            UserspaceCookie::SFlow { vid, pcp, output } => {
                let _ = write!(out, "sFlow(vid={vid},pcp={pcp},output={output})");
            }
            UserspaceCookie::SlowPath(bits) => {
                out.push_str("slow_path(");
                let names: Vec<&str> = SLOW_PATH_REASONS
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| bits >> i & 1 != 0)
                    .map(|(_, n)| *n)
                    .collect();
                out.push_str(&names.join(","));
                out.push(')');
            }
            UserspaceCookie::FlowSample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                output_port,
                direction,
            } => {
                let _ = write!(
                    out,
                    "flow_sample(probability={probability},collector_set_id={collector_set_id},obs_domain_id={obs_domain_id},obs_point_id={obs_point_id},output_port={output_port}"
                );
                if let Some(d) = direction {
                    let _ = write!(out, ",{d}");
                }
                out.push(')');
            }
            UserspaceCookie::Ipfix { output_port } => {
                let _ = write!(out, "ipfix(output_port={output_port})");
            }
            UserspaceCookie::Userdata(bytes) => {
                out.push_str("userdata(");
                for b in bytes {
                    let _ = write!(out, "{b:02x}");
                }
                out.push(')');
            }
        }
    }
}

fn format_ip(out: &mut String, a: &std::net::IpAddr, bracket: bool) {
    match a {
        std::net::IpAddr::V4(v) => {
            let _ = write!(out, "{v}");
        }
        std::net::IpAddr::V6(v) if bracket => {
            let _ = write!(out, "[{v}]");
        }
        std::net::IpAddr::V6(v) => {
            let _ = write!(out, "{v}");
        }
    }
}

impl CtAction {
    fn format(&self, out: &mut String) {
        let mut parts: Vec<String> = Vec::new();
        if self.commit {
            parts.push("commit".into());
        }
        if self.force_commit {
            parts.push("force_commit".into());
        }
        if let Some(z) = self.zone {
            parts.push(format!("zone={z}"));
        }
        if let Some((v, m)) = self.mark {
            let mut s = String::from("mark=");
            hex(&mut s, u128::from(v));
            let _ = write!(s, "/{m:#x}");
            parts.push(s);
        }
        if let Some((v, m)) = self.label {
            let mut s = String::from("label=");
            hex(&mut s, v);
            if m != u128::MAX {
                let _ = write!(s, "/{m:#x}");
            }
            parts.push(s);
        }
        if let Some(h) = &self.helper {
            parts.push(format!("helper={h}"));
        }
        if let Some(t) = &self.timeout {
            parts.push(format!("timeout={t}"));
        }
        if let Some(n) = &self.nat {
            let mut s = String::from("nat");
            let mut inner: Vec<String> = Vec::new();
            if let Some(src) = n.src {
                let mut r = String::from(if src { "src" } else { "dst" });
                if let Some((lo, hi)) = &n.addrs {
                    let bracket = lo.is_ipv6() && (lo != hi || n.ports.is_some());
                    r.push('=');
                    format_ip(&mut r, lo, bracket);
                    if lo != hi {
                        r.push('-');
                        format_ip(&mut r, hi, bracket);
                    }
                    if let Some((plo, phi)) = n.ports {
                        let _ = write!(r, ":{plo}");
                        if plo != phi {
                            let _ = write!(r, "-{phi}");
                        }
                    }
                }
                inner.push(r);
            }
            inner.extend(n.flags.iter().cloned());
            if !inner.is_empty() {
                let _ = write!(s, "({})", inner.join(","));
            }
            parts.push(s);
        }
        out.push_str("ct");
        if !parts.is_empty() {
            let _ = write!(out, "({})", parts.join(","));
        }
    }
}

/// Parses a datapath action list (`drop` or an empty string is the empty list).
pub fn parse_actions(s: &str) -> Result<Vec<OdpAction>, ParseError> {
    let s = s.trim();
    if s == "drop" || s.is_empty() {
        return Ok(Vec::new());
    }
    split_top(s)?
        .into_iter()
        .map(parse_action)
        .collect::<Result<Vec<_>, _>>()
}

fn bad(field: &'static str, v: &str) -> ParseError {
    ParseError::BadValue {
        field,
        value: v.to_string(),
    }
}

fn u32_of(field: &'static str, s: &str) -> Result<u32, ParseError> {
    parse_uint(field, s, u128::from(u32::MAX)).map(|v| v as u32)
}

fn parse_action(s: &str) -> Result<OdpAction, ParseError> {
    if s.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        return Ok(OdpAction::Output(u32_of("output", s)?));
    }
    let (name, args) = split_call(s)?;
    let need = || args.ok_or(ParseError::UnexpectedEnd("("));
    Ok(match name {
        "drop" if args.is_none() => OdpAction::Drop,
        "pop_vlan" if args.is_none() => OdpAction::PopVlan,
        "push_pbb" if args.is_none() => OdpAction::PushPbb,
        "copy_ttl_out" if args.is_none() => OdpAction::CopyTtlOut,
        "copy_ttl_in" if args.is_none() => OdpAction::CopyTtlIn,
        "pop_pbb" if args.is_none() => OdpAction::PopPbb,
        "set_pbb_isid" => {
            OdpAction::SetPbbIsid(parse_uint("set_pbb_isid", need()?, 0xff_ffff)? as u32)
        }
        "ct_clear" if args.is_none() => OdpAction::CtClear,
        "ct" => OdpAction::Ct(Box::new(parse_ct(args.unwrap_or(""))?)),
        "lb_output" => OdpAction::LbOutput(u32_of("lb_output", need()?)?),
        "recirc" => OdpAction::Recirc(u32_of("recirc", need()?)?),
        "trunc" => OdpAction::Trunc(u32_of("trunc", need()?)?),
        "meter" => OdpAction::Meter(u32_of("meter", need()?)?),
        "clone" => OdpAction::Clone(parse_actions(need()?)?),
        "push_vlan" => {
            let mut tpid = 0x8100u16;
            let mut rest = Vec::new();
            for item in split_top(need()?)? {
                match split_kv(item) {
                    ("tpid", Some(v)) => tpid = parse_uint("tpid", v, 0xffff)? as u16,
                    _ => rest.push(item),
                }
            }
            let m = parse_vlan(&rest.join(","), true)?;
            OdpAction::PushVlan {
                tpid,
                tci: m.value as u16,
            }
        }
        "push_mpls" => {
            let mut lse = 0u32;
            let mut ethertype = None;
            for item in split_top(need()?)? {
                let (k, v) = split_kv(item);
                let v = v.ok_or(ParseError::UnexpectedEnd("="))?;
                match k {
                    "label" => lse |= (parse_uint("label", v, 0xfffff)? as u32) << 12,
                    "tc" => lse |= (parse_uint("tc", v, 7)? as u32) << 9,
                    "ttl" => lse |= parse_uint("ttl", v, 0xff)? as u32,
                    "bos" => lse |= (parse_uint("bos", v, 1)? as u32) << 8,
                    "eth_type" => ethertype = Some(parse_uint("eth_type", v, 0xffff)? as u16),
                    _ => {
                        return Err(ParseError::Unknown {
                            kind: "field",
                            name: format!("push_mpls.{k}"),
                        })
                    }
                }
            }
            OdpAction::PushMpls {
                lse,
                ethertype: ethertype.ok_or(ParseError::UnexpectedEnd("eth_type"))?,
            }
        }
        "pop_mpls" => match split_kv(need()?) {
            ("eth_type", Some(v)) => OdpAction::PopMpls(parse_uint("eth_type", v, 0xffff)? as u16),
            _ => return Err(bad("pop_mpls", s)),
        },
        "set" => OdpAction::Set(Box::new(KeyAttr::parse(need()?)?)),
        "hash" => {
            let (alg, basis) = split_call(need()?)?;
            let alg = match alg {
                "l4" => HashAlg::L4,
                "sym_l4" => HashAlg::SymL4,
                _ => return Err(bad("hash", alg)),
            };
            OdpAction::Hash {
                alg,
                basis: u32_of("hash", basis.unwrap_or("0"))?,
            }
        }
        "sample" => {
            let mut probability = None;
            let mut actions = None;
            for item in split_top(need()?)? {
                if let ("sample", Some(v)) = split_kv(item) {
                    let pct: f64 = v
                        .trim_end_matches('%')
                        .parse()
                        .map_err(|_| bad("sample", v))?;
                    if !(0.0..=100.0).contains(&pct) {
                        return Err(bad("sample", v));
                    }
                    probability = Some((pct / 100.0 * f64::from(u32::MAX)).round() as u32);
                } else if let ("actions", Some(a)) = split_call(item)? {
                    actions = Some(parse_actions(a)?);
                } else {
                    return Err(bad("sample", item));
                }
            }
            OdpAction::Sample {
                probability: probability.ok_or(ParseError::UnexpectedEnd("sample="))?,
                actions: actions.unwrap_or_default(),
            }
        }
        "check_pkt_len" => {
            let (mut size, mut gt, mut le) = (None, Vec::new(), Vec::new());
            for item in split_top(need()?)? {
                if let ("size", Some(v)) = split_kv(item) {
                    size = Some(parse_uint("size", v, 0xffff)? as u16);
                    continue;
                }
                match split_call(item)? {
                    ("gt", Some(a)) => gt = parse_actions(a)?,
                    ("le", Some(a)) => le = parse_actions(a)?,
                    _ => return Err(bad("check_pkt_len", item)),
                }
            }
            OdpAction::CheckPktLen {
                size: size.ok_or(ParseError::UnexpectedEnd("size="))?,
                gt,
                le,
            }
        }
        "userspace" => OdpAction::Userspace(parse_userspace(need()?)?),
        _ => {
            return Err(ParseError::Unknown {
                kind: "action",
                name: name.to_string(),
            })
        }
    })
}

fn parse_userspace(args: &str) -> Result<UserspaceAction, ParseError> {
    let mut u = UserspaceAction {
        pid: 0,
        cookie: None,
        include_actions: false,
        tunnel_out_port: None,
    };
    for item in split_top(args)? {
        match split_kv(item) {
            ("pid", Some(v)) => u.pid = u32_of("pid", v)?,
            ("tunnel_out_port", Some(v)) => u.tunnel_out_port = Some(u32_of("tunnel_out_port", v)?),
            ("actions", None) => u.include_actions = true,
            _ => u.cookie = Some(parse_cookie(item)?),
        }
    }
    Ok(u)
}

fn kv_map(args: &str) -> Result<Vec<(&str, Option<&str>)>, ParseError> {
    Ok(split_top(args)?.into_iter().map(split_kv).collect())
}

fn get_num(kv: &[(&str, Option<&str>)], key: &'static str, max: u128) -> Result<u128, ParseError> {
    match kv.iter().find(|(k, _)| *k == key) {
        Some((_, Some(v))) => parse_uint(key, v, max),
        _ => Err(ParseError::Invalid(format!("missing {key}"))),
    }
}

fn parse_cookie(item: &str) -> Result<UserspaceCookie, ParseError> {
    let (name, args) = split_call(item)?;
    let args = args.ok_or(ParseError::UnexpectedEnd("("))?;
    Ok(match name {
        "controller" => {
            let kv = kv_map(args)?;
            UserspaceCookie::Controller {
                reason: get_num(&kv, "reason", 0xff)? as u8,
                dont_send: get_num(&kv, "dont_send", 1)? != 0,
                continuation: get_num(&kv, "continuation", 1)? != 0,
                recirc_id: get_num(&kv, "recirc_id", u128::from(u32::MAX))? as u32,
                rule_cookie: get_num(&kv, "rule_cookie", u128::from(u64::MAX))? as u64,
                controller_id: get_num(&kv, "controller_id", 0xffff)? as u16,
                max_len: get_num(&kv, "max_len", 0xffff)? as u16,
            }
        }
        "sFlow" => {
            let kv = kv_map(args)?;
            UserspaceCookie::SFlow {
                vid: get_num(&kv, "vid", 0xfff)? as u16,
                pcp: get_num(&kv, "pcp", 7)? as u8,
                output: get_num(&kv, "output", u128::from(u32::MAX))? as u32,
            }
        }
        "slow_path" => {
            let mut bits = 0u32;
            for r in args
                .split(['|', ','])
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                let i = SLOW_PATH_REASONS
                    .iter()
                    .position(|n| *n == r)
                    .ok_or_else(|| bad("slow_path", r))?;
                bits |= 1 << i;
            }
            UserspaceCookie::SlowPath(bits)
        }
        "flow_sample" => {
            let kv = kv_map(args)?;
            let direction = kv
                .iter()
                .find(|(k, v)| v.is_none() && (*k == "ingress" || *k == "egress"))
                .map(|(k, _)| k.to_string());
            UserspaceCookie::FlowSample {
                probability: get_num(&kv, "probability", 0xffff)? as u16,
                collector_set_id: get_num(&kv, "collector_set_id", u128::from(u32::MAX))? as u32,
                obs_domain_id: get_num(&kv, "obs_domain_id", u128::from(u32::MAX))? as u32,
                obs_point_id: get_num(&kv, "obs_point_id", u128::from(u32::MAX))? as u32,
                output_port: get_num(&kv, "output_port", u128::from(u32::MAX))? as u32,
                direction,
            }
        }
        "ipfix" => {
            let kv = kv_map(args)?;
            UserspaceCookie::Ipfix {
                output_port: get_num(&kv, "output_port", u128::from(u32::MAX))? as u32,
            }
        }
        "userdata" => {
            if args.len() % 2 != 0 {
                return Err(bad("userdata", args));
            }
            let mut bytes = Vec::with_capacity(args.len() / 2);
            for i in (0..args.len()).step_by(2) {
                let pair = args.get(i..i + 2).ok_or_else(|| bad("userdata", args))?;
                bytes.push(u8::from_str_radix(pair, 16).map_err(|_| bad("userdata", args))?);
            }
            UserspaceCookie::Userdata(bytes)
        }
        _ => {
            return Err(ParseError::Unknown {
                kind: "userspace cookie",
                name: name.to_string(),
            })
        }
    })
}

fn parse_ip_any(field: &'static str, s: &str) -> Result<std::net::IpAddr, ParseError> {
    if s.starts_with('[') || s.contains(':') {
        Ok(std::net::IpAddr::V6(Ipv6Addr::from(parse_ipv6(field, s)?)))
    } else {
        Ok(std::net::IpAddr::V4(Ipv4Addr::from(parse_ipv4(field, s)?)))
    }
}

fn parse_nat_range(n: &mut CtNat, v: &str) -> Result<(), ParseError> {
    // ADDR[-ADDR][:PORT[-PORT]], IPv6 addresses in brackets when a range or port follows.
    let (addrs, ports) = if v.starts_with('[') {
        match v.rfind(']') {
            Some(i) => {
                let rest = v.get(i + 1..).unwrap_or("");
                if let Some(p) = rest.strip_prefix(':') {
                    (v.get(..=i).unwrap_or(""), Some(p))
                } else if rest.starts_with('-') {
                    // [a]-[b][:ports]
                    match rest.rfind(']') {
                        Some(j) => {
                            let end = i + 1 + j;
                            let tail = v.get(end + 1..).unwrap_or("");
                            (v.get(..=end).unwrap_or(""), tail.strip_prefix(':'))
                        }
                        None => return Err(bad("nat", v)),
                    }
                } else {
                    (v, None)
                }
            }
            None => return Err(bad("nat", v)),
        }
    } else if v.matches(':').count() > 1 {
        (v, None)
    } else {
        match v.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (v, None),
        }
    };
    let (lo, hi) = if addrs.starts_with('[') {
        match addrs.split_once("]-[") {
            Some((a, b)) => (format!("{a}]"), format!("[{b}")),
            None => (addrs.to_string(), addrs.to_string()),
        }
    } else if addrs.contains(':') {
        (addrs.to_string(), addrs.to_string())
    } else {
        match addrs.split_once('-') {
            Some((a, b)) => (a.to_string(), b.to_string()),
            None => (addrs.to_string(), addrs.to_string()),
        }
    };
    n.addrs = Some((parse_ip_any("nat", &lo)?, parse_ip_any("nat", &hi)?));
    if let Some(p) = ports {
        let (a, b) = p.split_once('-').unwrap_or((p, p));
        n.ports = Some((
            parse_uint("nat", a, 0xffff)? as u16,
            parse_uint("nat", b, 0xffff)? as u16,
        ));
    }
    Ok(())
}

fn parse_ct(args: &str) -> Result<CtAction, ParseError> {
    let mut ct = CtAction::default();
    for item in split_top(args)? {
        let (name, inner) = split_call(item)?;
        if name == "nat" {
            let mut n = CtNat::default();
            for part in split_top(inner.unwrap_or(""))? {
                match split_kv(part) {
                    ("src", v) | ("dst", v) => {
                        n.src = Some(part.starts_with("src"));
                        if let Some(v) = v {
                            parse_nat_range(&mut n, v)?;
                        }
                    }
                    ("random", None) | ("hash", None) | ("persistent", None) => {
                        n.flags.push(part.to_string())
                    }
                    _ => return Err(bad("nat", part)),
                }
            }
            ct.nat = Some(n);
            continue;
        }
        match split_kv(item) {
            ("commit", None) => ct.commit = true,
            ("force_commit", None) => ct.force_commit = true,
            ("zone", Some(v)) => ct.zone = Some(parse_uint("zone", v, 0xffff)? as u16),
            ("mark", Some(v)) => {
                let (a, m) = crate::text::split_mask(v);
                ct.mark = Some((
                    u32_of("mark", a)?,
                    m.map_or(Ok(u32::MAX), |m| u32_of("mark", m))?,
                ));
            }
            ("label", Some(v)) => {
                let (a, m) = crate::text::split_mask(v);
                ct.label = Some((
                    parse_uint("label", a, u128::MAX)?,
                    m.map_or(Ok(u128::MAX), |m| parse_uint("label", m, u128::MAX))?,
                ));
            }
            ("helper", Some(v)) => ct.helper = Some(v.to_string()),
            ("timeout", Some(v)) => ct.timeout = Some(v.to_string()),
            _ => {
                return Err(ParseError::Unknown {
                    kind: "ct argument",
                    name: item.to_string(),
                })
            }
        }
    }
    Ok(ct)
}

/// Convenience: a `set(...)` of one single-value attribute with an exact value.
pub fn set_exact(kind: AttrKind, value: u128) -> OdpAction {
    OdpAction::Set(Box::new(KeyAttr::exact(kind, value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_stay_small() {
        // Action lists live in every megaflow; large attributes are boxed.
        assert!(
            std::mem::size_of::<OdpAction>() <= 80,
            "{}",
            std::mem::size_of::<OdpAction>()
        );
    }

    #[test]
    fn sample_probability_round_trips_through_percent() {
        for (text, p) in [
            ("100.0%", u32::MAX),
            ("50.0%", u32::MAX / 2 + 1),
            ("0.0%", 0),
        ] {
            let a = parse_actions(&format!("sample(sample={text},actions(1))")).unwrap();
            let OdpAction::Sample { probability, .. } = &a[0] else {
                panic!("{a:?}")
            };
            assert_eq!(*probability, p, "{text}");
        }
    }
}
