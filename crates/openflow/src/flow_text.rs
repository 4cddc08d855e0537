//! The `ovs-ofctl` flow syntax for flow_mods (`add-flow`, `mod-flows`, `del-flows`,
//! `parse-flow`), as described under "Flow Syntax" in ovs-ofctl(8).
//!
//! A flow is a list of `key[=value]` pairs (the `flow` crate's [`KeyValues`] tokenizer) and,
//! for commands that install actions, `actions=` followed by the rest of the text. Exactly as in
//! Open vSwitch, the action text starts after the first `=` that follows the first occurrence of
//! the word `action` anywhere in the flow, and everything before that word is the match part.
//! Each key of the match part is, in OVS's order of precedence: a protocol shorthand or field
//! name (handed to the `flow` crate's [`MatchBuilder`]), a flag (`send_flow_rem`,
//! `check_overlap`, `reset_counts`, `no_packet_counts`, `no_byte_counts`, for commands that
//! set flags), an ignored word (`no_readonly_table`, `allow_hidden_fields`, and the statistics
//! `dump-flows` prints: `duration`, `n_packets`, `n_bytes`, `idle_age`, `hard_age`), or one of
//! `table`, `priority`, `cookie[/mask]`, `idle_timeout`, `hard_timeout`, `importance`,
//! `out_port`, `out_group`, each accepted only by the commands OVS accepts it for. Numbers are
//! read like C's `strtol` with base 0 (decimal, `0x` hex, leading-`0` octal) and table numbers
//! in decimal, with OVS's error wording.
//!
//! [`parse_flow_mod`] also computes the flow's usable protocols ([`ProtocolSet`]), combining
//! (1) the match ([`crate::ofmatch::usable_protocols`]), (2) OVS's rules for flow_mod fields (a
//! table id needs the table-id extension or OpenFlow 1.1+, a cookie mask NXM or 1.1+,
//! `out_group` 1.1+, `reset_counts` 1.2+, `no_packet_counts`/`no_byte_counts` 1.3+), and (3)
//! the actions: a version is usable only if the `ofp-actions` crate can encode the
//! instructions for it, and actions that OpenFlow 1.1+ forbids for this match (`strip_vlan`
//! without a VLAN, ...) leave only OpenFlow 1.0. As in OVS, an empty result is reported as
//! `actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)`.
//! [`ParsedFlowMod::to_message`] then builds the flow_mod for a chosen [`Protocol`] the way
//! `ofputil_encode_flow_mod` does (which cookie goes where, table 255 handling, `NXT_FLOW_MOD`
//! for NXM).

use crate::header::Version;
use crate::message::{Message, OfpMsg};
use crate::msgs::flow::{fmc, fmf, FlowMod, RawActions, DEFAULT_PRIORITY, NO_BUFFER, OFPG_ANY};
use crate::msgs::ofpp;
use crate::protocol::{Protocol, ProtocolSet};
use crate::raw::{MsgType, RawCode, RawId};
use flow::{KeyValues, Match, MatchBuilder, PortMap};
use ofp_actions::{Action, ActionError};

/// A flow_mod command, which decides the keywords a flow may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `add-flow(s)`: actions, timeouts, priority, flags, importance.
    Add,
    /// `mod-flows`: actions, timeouts, priority, flags.
    Modify,
    /// `mod-flows --strict`.
    ModifyStrict,
    /// `del-flows`: `out_port`/`out_group` filters.
    Delete,
    /// `del-flows --strict`: filters and priority.
    DeleteStrict,
}

impl Command {
    /// The wire command ([`fmc`]).
    pub fn wire(self) -> u8 {
        match self {
            Command::Add => fmc::ADD,
            Command::Modify => fmc::MODIFY,
            Command::ModifyStrict => fmc::MODIFY_STRICT,
            Command::Delete => fmc::DELETE,
            Command::DeleteStrict => fmc::DELETE_STRICT,
        }
    }

    fn actions(self) -> bool {
        matches!(self, Command::Add | Command::Modify | Command::ModifyStrict)
    }

    fn flags(self) -> bool {
        self.actions()
    }

    fn timeouts(self) -> bool {
        self.actions()
    }

    fn priority(self) -> bool {
        self != Command::Delete
    }

    fn out_port(self) -> bool {
        matches!(self, Command::Delete | Command::DeleteStrict)
    }
}

/// Why a flow could not be parsed. The text is what `ovs-ofctl` prints after `ovs-ofctl: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowTextError {
    /// A syntax or value error in the flow_mod keywords.
    #[error("{0}")]
    Syntax(String),
    /// An error in the match part.
    #[error("{0}")]
    Match(#[from] flow::FlowError),
    /// An error in the action part.
    #[error("{0}")]
    Action(#[from] ActionError),
    /// The actions contradict the match (or no protocol is left).
    #[error("actions are invalid with specified match ({0})")]
    Inconsistent(String),
    /// The actions cannot be encoded for the chosen protocol.
    #[error("no usable protocol")]
    NoUsableProtocol,
}

/// A parsed flow, before it is encoded for a protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFlowMod {
    /// The command.
    pub command: Command,
    /// The match.
    pub match_: Match,
    /// Table (255 = not given: table 0 for additions, all tables otherwise).
    pub table_id: u8,
    /// Priority.
    pub priority: u16,
    /// Cookie to match under `cookie_mask`.
    pub cookie: u64,
    /// Cookie mask (0 = cookies not matched).
    pub cookie_mask: u64,
    /// Cookie to give the flow (`u64::MAX` = leave unchanged).
    pub new_cookie: u64,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Importance (OpenFlow 1.4+).
    pub importance: u16,
    /// Flags ([`fmf`] bits).
    pub flags: u16,
    /// `out_port` filter (32-bit numbering; `OFPP_ANY` = none).
    pub out_port: u32,
    /// `out_group` filter.
    pub out_group: u32,
    /// Actions and instructions.
    pub actions: Vec<Action>,
    /// The protocols that can carry this flow_mod.
    pub usable: ProtocolSet,
}

/// Splits `s` at the first `action`: the match part, and the text after the next `=` (`None`
/// if there is no such `=` or no `action` at all).
fn split_actions(s: &str) -> (&str, Option<&str>) {
    match s.find("action") {
        Some(i) => {
            let rest = &s[i + 1..];
            (&s[..i], rest.find('=').map(|e| &rest[e + 1..]))
        }
        None => (s, None),
    }
}

/// C's `strtoull(s, &end, 0)` requiring the whole string: optional leading white space and
/// sign, then `0x` hex, leading-`0` octal or decimal. A `-` negates modulo 2^64, as C does.
pub fn parse_c_u64(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, h)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        // "0x" alone is "0" followed by junk for strtoull, which is an error here too.
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// C's `strtol(s, &end, 0)` into an `i64`, requiring the whole string.
fn parse_c_i64(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if body.starts_with(['-', '+']) {
        return None;
    }
    let v = parse_c_u64(body)?;
    let v = i64::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_u16(name: &str, value: &str) -> Result<u16, FlowTextError> {
    parse_c_i64(value)
        .and_then(|v| i32::try_from(v).ok())
        .and_then(|v| u16::try_from(v).ok())
        .ok_or_else(|| FlowTextError::Syntax(format!("invalid {name} \"{value}\"")))
}

fn parse_u64(value: &str) -> Result<u64, FlowTextError> {
    parse_c_u64(value)
        .ok_or_else(|| FlowTextError::Syntax(format!("invalid numeric format {value}")))
}

/// OVS's table number: decimal 0-255 (a table map is not supported yet).
fn parse_table(value: &str) -> Result<u8, FlowTextError> {
    if !value.is_empty() && value.bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(n) = value.parse::<u8>() {
            return Ok(n);
        }
    }
    Err(FlowTextError::Syntax(format!("unknown table \"{value}\"")))
}

fn parse_group(value: &str) -> Option<u32> {
    if value.eq_ignore_ascii_case("all") {
        return Some(0xffff_fffc);
    }
    if value.eq_ignore_ascii_case("any") {
        return Some(OFPG_ANY);
    }
    let v = parse_c_u64(value)?;
    let g = u32::try_from(v).ok()?;
    (g <= 0xffff_ff00).then_some(g)
}

/// Parses one flow for `command`.
pub fn parse_flow_mod(
    s: &str,
    command: Command,
    ports: Option<&PortMap>,
) -> Result<ParsedFlowMod, FlowTextError> {
    let (match_part, act_str) = if command.actions() {
        let (m, a) = split_actions(s);
        match a {
            Some(a) => (m, Some(a)),
            None => return Err(FlowTextError::Syntax("must specify an action".into())),
        }
    } else {
        (s, None)
    };
    let mut fm = ParsedFlowMod {
        command,
        match_: Match::catchall(),
        table_id: 0xff,
        priority: DEFAULT_PRIORITY,
        cookie: 0,
        cookie_mask: 0,
        new_cookie: if matches!(command, Command::Modify | Command::ModifyStrict) {
            u64::MAX
        } else {
            0
        },
        idle_timeout: 0,
        hard_timeout: 0,
        importance: 0,
        flags: 0,
        out_port: ofpp::ANY,
        out_group: OFPG_ANY,
        actions: Vec::new(),
        usable: ProtocolSet::ANY,
    };
    let mut usable = ProtocolSet::ANY;
    let mut b = MatchBuilder::new();
    for (name, value) in KeyValues::new(match_part) {
        let flag = match name {
            "send_flow_rem" => Some((fmf::SEND_FLOW_REM, ProtocolSet::ANY)),
            "check_overlap" => Some((fmf::CHECK_OVERLAP, ProtocolSet::ANY)),
            "reset_counts" => Some((fmf::RESET_COUNTS, ProtocolSet::OF12_UP)),
            "no_packet_counts" => Some((fmf::NO_PKT_COUNTS, ProtocolSet::OF13_UP)),
            "no_byte_counts" => Some((fmf::NO_BYT_COUNTS, ProtocolSet::OF13_UP)),
            _ => None,
        };
        if let (true, Some((bit, p))) = (command.flags(), flag) {
            fm.flags |= bit;
            usable = usable.intersect(p);
            continue;
        }
        if matches!(name, "no_readonly_table" | "allow_hidden_fields") {
            continue;
        }
        if flow::parse::try_apply_key_value(&mut b, name, value, ports)? {
            // As in OVS, a field as written limits the protocols too, even if a later `=*`
            // resets it, and with its syntax (`vlan_tci` with a mask needs NXM/OXM even where
            // the resulting match would fit OpenFlow 1.0); a wildcarded field does not.
            if let Some(field) = flow::FieldId::from_name(name) {
                let mask = b.m.get(field).1;
                if mask != 0 {
                    usable = usable.intersect(field_usable(field, mask));
                }
            }
            continue;
        }
        if value.is_empty() {
            return Err(FlowTextError::Syntax(format!("field {name} missing value")));
        }
        match name {
            "table" => {
                fm.table_id = parse_table(value)?;
                if fm.table_id != 0xff {
                    usable = usable.intersect(ProtocolSet::TID);
                }
            }
            "out_port" if command.out_port() => {
                fm.out_port = flow::value::parse_port(value, ports)
                    .map(crate::msgs::port_from_of10)
                    .ok_or_else(|| {
                        FlowTextError::Syntax(format!("{value} is not a valid OpenFlow port"))
                    })?;
            }
            "out_group" if command.out_port() => {
                usable = usable.intersect(ProtocolSet::OF11_UP);
                fm.out_group = parse_group(value).ok_or_else(|| {
                    FlowTextError::Syntax(format!("{value} is not a valid OpenFlow group"))
                })?;
            }
            "priority" if command.priority() => fm.priority = parse_u16(name, value)?,
            "idle_timeout" if command.timeouts() => fm.idle_timeout = parse_u16(name, value)?,
            "hard_timeout" if command.timeouts() => fm.hard_timeout = parse_u16(name, value)?,
            "importance" if command == Command::Add => fm.importance = parse_u16(name, value)?,
            "cookie" => {
                if let Some((v, m)) = value.split_once('/') {
                    if command == Command::Add {
                        return Err(FlowTextError::Syntax(
                            "flow additions cannot use a cookie mask".into(),
                        ));
                    }
                    fm.cookie = parse_u64(v)?;
                    fm.cookie_mask = parse_u64(m)?;
                    if fm.cookie_mask != 0 {
                        usable = usable.intersect(ProtocolSet::NXM_OF11_UP);
                    }
                } else {
                    if !command.actions() {
                        return Err(FlowTextError::Syntax("cannot set cookie".into()));
                    }
                    fm.new_cookie = parse_u64(value)?;
                }
            }
            "duration" | "n_packets" | "n_bytes" | "idle_age" | "hard_age" => {}
            _ => return Err(FlowTextError::Syntax(format!("unknown keyword {name}"))),
        }
    }
    fm.match_ = flow::parse::finish_match(b)?;
    usable = usable.intersect(ProtocolSet::from_match_protocols(
        crate::ofmatch::usable_protocols(&fm.match_),
    ));
    if fm.cookie_mask == 0
        && fm.new_cookie == u64::MAX
        && matches!(command, Command::Modify | Command::ModifyStrict)
    {
        fm.new_cookie = 0;
    }
    if let Some(act_str) = act_str {
        fm.actions = ofp_actions::parse_actions(act_str, ports)?;
        usable = usable.intersect(actions_usable(&fm)?);
        if usable.is_empty() {
            return Err(FlowTextError::Inconsistent(
                "OFPBAC_MATCH_INCONSISTENT".into(),
            ));
        }
    }
    fm.usable = usable;
    Ok(fm)
}

fn actions_version(v: Version) -> ofp_actions::Version {
    match v {
        Version::Of10 => ofp_actions::Version::Of10,
        Version::Of11 => ofp_actions::Version::Of11,
        Version::Of12 => ofp_actions::Version::Of12,
        Version::Of13 => ofp_actions::Version::Of13,
        Version::Of14 => ofp_actions::Version::Of14,
        Version::Of15 => ofp_actions::Version::Of15,
    }
}

fn encode_for(fm: &ParsedFlowMod, v: Version) -> Option<Vec<u8>> {
    let cx = ofp_actions::EncodeContext {
        version: actions_version(v),
        flow_match: Some(&fm.match_),
    };
    ofp_actions::encode_instructions_ctx(&fm.actions, cx).ok()
}

/// The protocols that can match on `field` with `mask` (OVS's per-field usable protocols:
/// NXM and OXM always; OpenFlow 1.0 and 1.1 where their fixed matches carry the field with
/// that kind of mask). A zero mask counts as an exact match.
fn field_usable(field: flow::FieldId, mask: u128) -> ProtocolSet {
    use flow::Of1xSupport as S;
    let info = field.info();
    let valid = info.valid_mask;
    let mask = mask & valid;
    let exact = mask == 0 || mask == valid;
    let inverse = !mask & valid;
    let cidr = inverse & inverse.wrapping_add(1) == 0;
    let ok = |s: S| match s {
        S::No => false,
        S::Exact => exact,
        S::Cidr => exact || cidr,
        S::Masked => true,
    };
    let mut p = ProtocolSet::OF10_NXM_ANY.union(ProtocolSet::ANY_OXM);
    if ok(info.of10) {
        p = p.union(ProtocolSet::OF10_STD_ANY);
    }
    if ok(info.of11) {
        p = p.union(ProtocolSet::single(Protocol::Of11Std));
    }
    p
}

/// OVS's restriction for actions written as `set_field` (at any nesting depth) and for
/// `write_metadata`: the protocols must be able to match on the field being set, with the
/// same kind of mask.
fn set_field_usable(acts: &[Action]) -> ProtocolSet {
    let mut usable = ProtocolSet::ANY;
    for a in acts {
        let p = match a {
            Action::SetField(sf) if sf.style == ofp_actions::SetFieldStyle::SetField => {
                field_usable(sf.field, sf.mask)
            }
            Action::WriteMetadata { mask, .. } => {
                field_usable(flow::FieldId::Metadata, u128::from(*mask))
            }
            Action::WriteActions(inner) | Action::Clone(inner) => set_field_usable(inner),
            Action::Ct(ct) => set_field_usable(&ct.actions),
            _ => ProtocolSet::ANY,
        };
        usable = usable.intersect(p);
    }
    usable
}

/// The protocols whose versions can carry the actions, after checking them against the match.
fn actions_usable(fm: &ParsedFlowMod) -> Result<ProtocolSet, FlowTextError> {
    let table = (fm.table_id != 0xff).then_some(fm.table_id);
    let check = |v: ofp_actions::Version| {
        ofp_actions::check_actions(
            &fm.actions,
            &ofp_actions::CheckContext {
                flow_match: &fm.match_,
                version: v,
                table_id: table,
            },
        )
    };
    let mut usable = set_field_usable(&fm.actions);
    let mut encodable = ProtocolSet::NONE;
    for v in Version::ALL {
        if encode_for(fm, v).is_some() {
            encodable = encodable.union(ProtocolSet::of_version(v));
        }
    }
    usable = usable.intersect(encodable);
    match (
        check(ofp_actions::Version::Of10),
        check(ofp_actions::Version::Of13),
    ) {
        (Ok(()), Ok(())) => {}
        (Ok(()), Err(_)) => usable = usable.intersect(ProtocolSet::OF10_ANY),
        (Err(ActionError::Inconsistent(e)), Err(_)) => {
            return Err(FlowTextError::Inconsistent(e.to_string()))
        }
        (Err(e), Err(_)) => return Err(e.into()),
        (Err(_), Ok(())) => usable = usable.minus(ProtocolSet::OF10_ANY),
    }
    Ok(usable)
}

/// The raw identity of `NXT_FLOW_MOD`.
fn nxt_flow_mod() -> Option<RawId> {
    RawId::all().find(|id| {
        id.entry().ty == MsgType::FlowMod && matches!(id.entry().code, RawCode::Vendor { .. })
    })
}

impl ParsedFlowMod {
    /// The flow_mod as protocol `p` sends it, with transaction id `xid`.
    pub fn to_message(&self, p: Protocol, xid: u32) -> Result<OfpMsg, FlowTextError> {
        let v = p.version();
        let command = self.command.wire();
        let delete = matches!(self.command, Command::Delete | Command::DeleteStrict);
        let mut fm = FlowMod::new(v, command, self.match_);
        fm.priority = self.priority;
        fm.idle_timeout = self.idle_timeout;
        fm.hard_timeout = self.hard_timeout;
        fm.flags = self.flags;
        fm.buffer_id = NO_BUFFER;
        fm.out_port = self.out_port;
        fm.out_group = self.out_group;
        if v == Version::Of10 {
            fm.table_id = if p.has_table_id() { self.table_id } else { 0 };
            fm.cookie = self.new_cookie;
            if p.is_nxm() {
                fm.match_cookie = self.cookie;
                fm.cookie_mask = self.cookie_mask;
            }
        } else {
            fm.table_id = if self.table_id != 0xff || (p != Protocol::Of11Std && delete) {
                self.table_id
            } else {
                0
            };
            let adds = self.command == Command::Add
                || (p == Protocol::Of11Std
                    && matches!(self.command, Command::Modify | Command::ModifyStrict)
                    && self.cookie_mask == 0);
            fm.cookie = if adds {
                self.new_cookie
            } else {
                self.cookie & self.cookie_mask
            };
            fm.cookie_mask = self.cookie_mask;
            if v >= Version::Of14 {
                fm.importance = self.importance;
            }
        }
        fm.actions = RawActions {
            version: v,
            bytes: if self.command.actions() {
                encode_for(self, v).ok_or(FlowTextError::NoUsableProtocol)?
            } else {
                Vec::new()
            },
        };
        let mut msg = OfpMsg::new(v, xid, Message::FlowMod(fm));
        if p.is_nxm() {
            msg.raw = nxt_flow_mod();
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ParsedFlowMod, String> {
        parse_flow_mod(s, Command::Add, None).map_err(|e| e.to_string())
    }

    #[test]
    fn keywords_and_errors() {
        let fm =
            parse("table=3,priority=7,cookie=0x10,idle_timeout=010,send_flow_rem,ip actions=drop")
                .unwrap();
        assert_eq!(
            (fm.table_id, fm.priority, fm.new_cookie, fm.idle_timeout),
            (3, 7, 16, 8)
        );
        assert_eq!(fm.flags, fmf::SEND_FLOW_REM);
        assert_eq!(
            fm.usable.to_ovs_string(),
            "OXM,OpenFlow10+table_id,NXM+table_id,OpenFlow11"
        );
        assert_eq!(
            parse("bogus=1,actions=drop").unwrap_err(),
            "unknown keyword bogus"
        );
        assert_eq!(parse("ip").unwrap_err(), "must specify an action");
        assert_eq!(
            parse("bogus,actions=drop").unwrap_err(),
            "field bogus missing value"
        );
        assert_eq!(
            parse("priority=70000,actions=drop").unwrap_err(),
            "invalid priority \"70000\""
        );
        assert_eq!(
            parse("cookie=1/1,actions=drop").unwrap_err(),
            "flow additions cannot use a cookie mask"
        );
        assert_eq!(
            parse("cookie=xyz,actions=drop").unwrap_err(),
            "invalid numeric format xyz"
        );
        assert_eq!(
            parse("out_port=1,actions=drop").unwrap_err(),
            "unknown keyword out_port"
        );
        assert_eq!(
            parse("table=0x3,actions=drop").unwrap_err(),
            "unknown table \"0x3\""
        );
        assert_eq!(
            parse("reset_counts,actions=strip_vlan").unwrap_err(),
            "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)"
        );
    }

    #[test]
    fn usable_from_actions() {
        assert_eq!(
            parse("actions=strip_vlan").unwrap().usable.to_ovs_string(),
            "OpenFlow10,NXM"
        );
        assert_eq!(
            parse("actions=meter:1").unwrap().usable.to_ovs_string(),
            "OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15"
        );
        assert_eq!(
            parse("no_packet_counts,actions=drop").unwrap().usable,
            ProtocolSet::OF13_UP
        );
    }

    #[test]
    fn c_numbers() {
        assert_eq!(parse_c_u64("0x10"), Some(16));
        assert_eq!(parse_c_u64("010"), Some(8));
        assert_eq!(parse_c_u64("-1"), Some(u64::MAX));
        assert_eq!(parse_c_u64("08"), None);
        assert_eq!(parse_c_u64("1x"), None);
        assert_eq!(parse_c_i64("-5"), Some(-5));
    }

    #[test]
    fn split_like_ovs() {
        assert_eq!(split_actions("ip action=1"), ("ip ", Some("1")));
        assert_eq!(split_actions("ip,actions"), ("ip,", None));
        assert_eq!(split_actions("ip"), ("ip", None));
    }
}
