//! Parsing the match part of an ovs-ofctl flow (`"tcp,nw_dst=10.0.0.0/8,tp_dst=80"`).
//!
//! The text is split into key/value pairs exactly the way ovs-ofctl splits a flow: pairs are
//! separated by commas or white space, a key ends at `=`, `:`, `(`, a comma or white space,
//! and a value runs to the next comma or white space (or to the closing parenthesis for
//! `key(value)`). [`KeyValues`] exposes that tokenizer so the flow-mod parser (which also
//! handles `priority=`, `cookie=`, `actions=` ...) can feed match keys to
//! [`apply_key_value`] one by one and finish with [`finish_match`].
//!
//! Each key is either a protocol shorthand (`ip`, `tcp6`, `arp`, ...; it pins `dl_type` and
//! perhaps `nw_proto`, later keys override earlier ones), the no-op `eth`, or a field name
//! from the registry. Values are parsed per field format (see [`crate::value`]); `*` and an
//! all-zero mask wildcard the field, and an empty value means `0/0` as in OVS.
//!
//! Prerequisites are checked once, after the whole match is read, so order does not matter
//! (`tp_dst=80,tcp` is fine). Unlike OVS 3.1, a field whose prerequisite is not pinned is an
//! error rather than being silently dropped; the error names the key as the user wrote it.

use crate::error::FlowError;
use crate::field::{FieldId, Maskable, ValueFormat};
use crate::flow::Match;
use crate::value::{
    self, parse_frag, parse_int_masked, parse_ipv4_masked, parse_ipv6_masked, parse_mac_masked,
    parse_port, PortMap,
};

/// Iterator over `key[=value]` pairs in ovs-ofctl flow syntax.
#[derive(Clone, Debug)]
pub struct KeyValues<'a> {
    rest: &'a str,
}

impl<'a> KeyValues<'a> {
    /// Starts tokenizing `s`.
    pub fn new(s: &'a str) -> Self {
        KeyValues { rest: s }
    }
}

fn is_sep(c: char) -> bool {
    matches!(c, ',' | ' ' | '\t' | '\r' | '\n')
}

impl<'a> Iterator for KeyValues<'a> {
    /// (key, value); the value is empty when absent.
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let s = self.rest.trim_start_matches(is_sep);
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let key_end = s
            .find(|c: char| is_sep(c) || matches!(c, ':' | '=' | '('))
            .unwrap_or(s.len());
        let key = &s[..key_end];
        let delim = s[key_end..].chars().next();
        let after = match delim {
            Some(d) => &s[key_end + d.len_utf8()..],
            None => "",
        };
        match delim {
            Some(':') | Some('=') => {
                // Value runs to a separator that is not inside parentheses.
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        c if depth == 0 && is_sep(c) => {
                            end = i;
                            break;
                        }
                        _ => {}
                    }
                }
                self.rest = &after[end..];
                Some((key, &after[..end]))
            }
            Some('(') => {
                let mut depth = 1usize;
                let mut end = after.len();
                for (i, c) in after.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = i;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let value = &after[..end];
                self.rest = after.get(end + 1..).unwrap_or("");
                Some((key, value))
            }
            _ => {
                self.rest = after;
                Some((key, ""))
            }
        }
    }
}

/// A protocol shorthand keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shorthand {
    /// The keyword.
    pub name: &'static str,
    /// The Ethernet type it pins.
    pub dl_type: u16,
    /// The IP protocol it pins, if any.
    pub nw_proto: Option<u8>,
}

/// All shorthands ovs-ofctl accepts in a match.
pub const SHORTHANDS: &[Shorthand] = &[
    sh("ip", 0x0800, None),
    sh("ipv6", 0x86dd, None),
    sh("icmp", 0x0800, Some(1)),
    sh("icmp6", 0x86dd, Some(58)),
    sh("tcp", 0x0800, Some(6)),
    sh("tcp6", 0x86dd, Some(6)),
    sh("udp", 0x0800, Some(17)),
    sh("udp6", 0x86dd, Some(17)),
    sh("sctp", 0x0800, Some(132)),
    sh("sctp6", 0x86dd, Some(132)),
    sh("arp", 0x0806, None),
    sh("rarp", 0x8035, None),
    sh("mpls", 0x8847, None),
    sh("mplsm", 0x8848, None),
];

const fn sh(name: &'static str, dl_type: u16, nw_proto: Option<u8>) -> Shorthand {
    Shorthand {
        name,
        dl_type,
        nw_proto,
    }
}

/// State carried across [`apply_key_value`] calls: the keys that named fields, for the
/// prerequisite check at the end.
#[derive(Clone, Debug, Default)]
pub struct MatchBuilder {
    /// The match so far.
    pub m: Match,
    used: Vec<(String, FieldId)>,
}

impl MatchBuilder {
    /// An empty builder (catch-all match).
    pub fn new() -> Self {
        Self::default()
    }
}

/// Parses a complete match string.
pub fn parse_match(s: &str, ports: Option<&PortMap>) -> Result<Match, FlowError> {
    let mut b = MatchBuilder::new();
    for (k, v) in KeyValues::new(s) {
        apply_key_value(&mut b, k, v, ports)?;
    }
    finish_match(b)
}

/// Applies one key/value pair. Returns `Ok(false)` (and changes nothing) if `key` is not a
/// match keyword at all, so a flow-mod parser can try its own keywords; use
/// [`apply_key_value`] to get OVS's errors for unknown keys instead.
pub fn try_apply_key_value(
    b: &mut MatchBuilder,
    key: &str,
    value: &str,
    ports: Option<&PortMap>,
) -> Result<bool, FlowError> {
    if let Some(sh) = SHORTHANDS.iter().find(|s| s.name == key) {
        b.m.set_raw(FieldId::EthType, u128::from(sh.dl_type), u128::MAX);
        if let Some(p) = sh.nw_proto {
            b.m.set_raw(FieldId::NwProto, u128::from(p), u128::MAX);
        }
        return Ok(true);
    }
    if key == "eth" {
        // Packet type "Ethernet": the only packet type this switch models.
        return Ok(true);
    }
    let Some(field) = FieldId::from_name(key) else {
        return Ok(false);
    };
    set_field_from_str(&mut b.m, field, value, ports)?;
    b.used.push((key.to_string(), field));
    Ok(true)
}

/// Applies one key/value pair, with OVS's errors for unknown keys.
pub fn apply_key_value(
    b: &mut MatchBuilder,
    key: &str,
    value: &str,
    ports: Option<&PortMap>,
) -> Result<(), FlowError> {
    if try_apply_key_value(b, key, value, ports)? {
        Ok(())
    } else if value.is_empty() {
        Err(FlowError::MissingValue(key.to_string()))
    } else {
        Err(FlowError::UnknownKeyword(key.to_string()))
    }
}

/// Checks prerequisites and returns the finished match.
pub fn finish_match(b: MatchBuilder) -> Result<Match, FlowError> {
    for (key, field) in &b.used {
        if b.m.is_matched(*field) {
            crate::prereq::check_field(&b.m, *field, key)?;
        }
    }
    b.m.check_prerequisites()?;
    Ok(b.m)
}

const VLAN_CFI: u128 = 0x1000;
const VLAN_VID: u128 = 0x0fff;
const VLAN_PCP: u128 = 0xe000;

fn set_any_vid(m: &mut Match) {
    let (tci, mask) = m.get(FieldId::VlanTci);
    if mask & VLAN_PCP != 0 {
        m.set_raw(FieldId::VlanTci, tci & !VLAN_VID, mask & !VLAN_VID);
    } else {
        m.set_raw(FieldId::VlanTci, 0, 0);
    }
}

fn set_any_pcp(m: &mut Match) {
    let (tci, mask) = m.get(FieldId::VlanTci);
    if mask & VLAN_VID != 0 {
        m.set_raw(FieldId::VlanTci, tci & !VLAN_PCP, mask & !VLAN_PCP);
    } else {
        m.set_raw(FieldId::VlanTci, 0, 0);
    }
}

/// Wildcards `field` with OpenFlow view semantics (e.g. `dl_vlan=*` keeps a PCP match).
pub fn set_field_wild(m: &mut Match, field: FieldId) {
    match field {
        FieldId::DlVlan | FieldId::VlanVid => set_any_vid(m),
        FieldId::DlVlanPcp | FieldId::VlanPcp => set_any_pcp(m),
        _ => m.set_raw(field, 0, 0),
    }
}

/// Sets `field` to `value` under `mask` with OpenFlow view semantics: `dl_vlan` and
/// `dl_vlan_pcp`/`vlan_pcp` also set the VLAN-present bit, `dl_vlan=0xffff` means "no VLAN
/// header", and everything else is a plain masked store. `mask` is clamped to the field's
/// valid bits.
pub fn set_field(m: &mut Match, field: FieldId, value: u128, mask: u128) {
    let info = field.info();
    let mask = mask & info.valid_mask;
    if mask == 0 {
        set_field_wild(m, field);
        return;
    }
    match field {
        FieldId::DlVlan => {
            if value == 0xffff {
                m.set_raw(FieldId::VlanTci, 0, 0xffff);
            } else {
                let (tci, tmask) = m.get(FieldId::VlanTci);
                let tci = (tci & !(VLAN_VID | VLAN_CFI)) | VLAN_CFI | (value & VLAN_VID);
                m.set_raw(FieldId::VlanTci, tci, tmask | VLAN_VID | VLAN_CFI);
            }
        }
        FieldId::DlVlanPcp | FieldId::VlanPcp => {
            let (tci, tmask) = m.get(FieldId::VlanTci);
            let tci = (tci & !(VLAN_PCP | VLAN_CFI)) | VLAN_CFI | ((value & 7) << 13);
            m.set_raw(FieldId::VlanTci, tci, tmask | VLAN_PCP | VLAN_CFI);
        }
        _ => m.set_raw(field, value, mask),
    }
}

/// Parses `text` as a value for `field` and stores it in `m` (no prerequisite check).
pub fn set_field_from_str(
    m: &mut Match,
    field: FieldId,
    text: &str,
    ports: Option<&PortMap>,
) -> Result<(), FlowError> {
    let info = field.info();
    if text == "*" {
        set_field_wild(m, field);
        return Ok(());
    }
    let text = if text.is_empty() { "0/0" } else { text };
    let (value, mask): (u128, u128) = match info.format {
        ValueFormat::Port => {
            if let Some(p) = parse_port(text, ports) {
                (u128::from(p), info.valid_mask)
            } else if field == FieldId::ActsetOutput && text.contains('/') {
                return Err(FlowError::PortOutOfRange {
                    value: text.to_string(),
                    field: info.name.to_string(),
                });
            } else {
                return Err(FlowError::InvalidPort {
                    value: text.to_string(),
                    field: info.name.to_string(),
                });
            }
        }
        ValueFormat::Ipv4 => {
            let (v, mk) = parse_ipv4_masked(text)?;
            (u128::from(v), u128::from(mk))
        }
        ValueFormat::Ipv6 => parse_ipv6_masked(text)?,
        ValueFormat::Ethernet => {
            let (v, mk) = parse_mac_masked(text)?;
            (u128::from(v), u128::from(mk))
        }
        ValueFormat::TcpFlags | ValueFormat::CtState | ValueFormat::TunFlags => {
            let set = match info.format {
                ValueFormat::TcpFlags => value::TCP_FLAGS,
                ValueFormat::CtState => value::CT_STATE_FLAGS,
                _ => value::TUN_FLAGS,
            };
            let (v, mk) = set.parse(text)?;
            (u128::from(v), u128::from(mk))
        }
        ValueFormat::Frag => {
            let (v, mk) = parse_frag(text)?;
            (u128::from(v), u128::from(mk))
        }
        ValueFormat::Decimal | ValueFormat::Hex => {
            let (v, mk) = parse_int_masked(text, info.err_name, info.n_bytes)?;
            let all_ones = if info.n_bytes >= 16 {
                u128::MAX
            } else {
                (1u128 << (u32::from(info.n_bytes) * 8)) - 1
            };
            let mk = match mk {
                None => info.valid_mask,
                Some(0) => 0,
                Some(mk) if mk == all_ones => info.valid_mask,
                Some(mk) => {
                    let inverted = !mk & all_ones;
                    let is_prefix = inverted & inverted.wrapping_add(1) == 0;
                    if info.maskable == Maskable::No
                        || (info.maskable == Maskable::Prefix && !is_prefix)
                    {
                        return Err(FlowError::InvalidMask {
                            value: text.to_string(),
                            field: info.err_name.to_string(),
                        });
                    }
                    mk
                }
            };
            if v & !info.valid_mask != 0 && !info.truncates {
                return Err(FlowError::OutOfRange {
                    value: text.to_string(),
                    bits: info.valid_mask.count_ones(),
                    field: info.err_name.to_string(),
                });
            }
            (v, mk)
        }
    };
    set_field(m, field, value, mask);
    Ok(())
}

impl std::str::FromStr for Match {
    type Err = FlowError;

    /// Parses ovs-ofctl match syntax without a port-name map (see [`parse_match`]).
    fn from_str(s: &str) -> Result<Match, FlowError> {
        parse_match(s, None)
    }
}

impl Match {
    /// Sets a field with OpenFlow view semantics (see the free function [`set_field`]).
    pub fn set_field(&mut self, field: FieldId, value: u128, mask: u128) {
        set_field(self, field, value, mask);
    }

    /// Parses `text` as ovs-ofctl value syntax for `field` and sets it (no prerequisite
    /// check; call [`Match::check_prerequisites`] when done).
    pub fn set_field_str(
        &mut self,
        field: FieldId,
        text: &str,
        ports: Option<&PortMap>,
    ) -> Result<(), FlowError> {
        set_field_from_str(self, field, text, ports)
    }
}
