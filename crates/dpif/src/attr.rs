//! Datapath flow key attributes (`eth(...)`, `ipv4(...)`, `skb_mark(...)`, ...) and their
//! text form.
//!
//! Open vSwitch describes a datapath flow key as a sequence of attributes, each covering one
//! header or metadata item, and prints each as `name(field=value,...)`, or `name(value)` for
//! single-value attributes. The same attributes appear inside `set(...)` actions. A
//! [`KeyAttr`] here is one such attribute: its [`AttrKind`] plus up to [`MAX_FIELDS`]
//! `(value, mask)` pairs laid out according to a static per-kind schema (field names, how
//! each value is written, and what an all-ones mask is for that field).
//!
//! Printing follows OVS's rules for the compact (non-verbose) form, which the tests check
//! against text captured from `ovs-appctl dpctl/dump-flows`:
//!
//! * a field whose mask is zero is left out; a field whose mask is all ones is printed as a
//!   bare value; anything else as `value/mask`, the mask in the value's own notation for
//!   addresses and in hexadecimal for numbers;
//! * hexadecimal values are printed like C's `%#x` (`0` for zero, `0x10` otherwise);
//! * some attributes have their own rules: `vlan()` prints `vid`/`pcp` when either value or
//!   mask is nonzero and `cfi=0` when the CFI bit is clear; `mpls()` prints all four fields,
//!   with masks in an idiosyncratic mix of hex notations, unless the whole entry is exact;
//!   `ct_state()` and `tcp_flags()` print flag names (`+trk-inv` when masked, `syn|ack` when
//!   exact); `ipv4`/`ipv6` print the fragment type as `no`/`first`/`later`;
//!   `packet_type(ns=..,id=..)` always prints both fields.
//!
//! Parsing accepts what the printer produces plus the obvious variants (decimal or hex
//! numbers, flags joined with `|` or `,`), so the captured samples round-trip.

use crate::error::ParseError;
use crate::text::{
    hex, mac, mac_from_u64, mac_to_u64, parse_ipv4, parse_ipv6, parse_mac, parse_uint, split_kv,
    split_mask, split_top,
};
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Most fields any attribute has (the tunnel attribute).
pub const MAX_FIELDS: usize = 10;

/// A value under a mask. Bits outside the mask are "don't care" (for keys) or "leave
/// unchanged" (for set actions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Masked {
    /// The value, right-aligned.
    pub value: u128,
    /// The mask; 0 means the field is absent/wildcarded.
    pub mask: u128,
}

impl Masked {
    /// An exact value for a field whose all-ones mask is `full`.
    pub fn exact(value: u128, full: u128) -> Masked {
        Masked {
            value: value & full,
            mask: full,
        }
    }
}

/// How a field's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Dec,
    Hex,
    Hex4,
    Ipv4,
    Ipv6,
    Mac,
    Frag,
    CtState,
    TcpFlags,
    TunFlags,
}

#[derive(Clone, Copy, Debug)]
struct FieldSpec {
    name: &'static str,
    style: Style,
    full: u128,
}

const fn f(name: &'static str, style: Style, full: u128) -> FieldSpec {
    FieldSpec { name, style, full }
}

const M8: u128 = 0xff;
const M16: u128 = 0xffff;
const M32: u128 = 0xffff_ffff;
const M48: u128 = 0xffff_ffff_ffff;
const M64: u128 = 0xffff_ffff_ffff_ffff;
const M128: u128 = u128::MAX;

macro_rules! kinds {
    ($($kind:ident => $name:literal, $single:literal, [$($field:expr),*];)*) => {
        /// Which attribute a [`KeyAttr`] is.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum AttrKind { $($kind),* }

        impl AttrKind {
            /// Every kind.
            pub const ALL: &'static [AttrKind] = &[$(AttrKind::$kind),*];

            /// The attribute's name in the text form.
            pub fn name(self) -> &'static str {
                match self { $(AttrKind::$kind => $name),* }
            }

            fn single(self) -> bool {
                match self { $(AttrKind::$kind => $single),* }
            }

            fn fields(self) -> &'static [FieldSpec] {
                match self { $(AttrKind::$kind => { const F: &[FieldSpec] = &[$($field),*]; F }),* }
            }
        }
    };
}

kinds! {
    SkbPriority => "skb_priority", true, [f("", Style::Hex, M32)];
    SkbMark => "skb_mark", true, [f("", Style::Hex, M32)];
    CtState => "ct_state", true, [f("", Style::CtState, M32)];
    CtZone => "ct_zone", true, [f("", Style::Hex, M16)];
    CtMark => "ct_mark", true, [f("", Style::Hex, M32)];
    CtLabel => "ct_label", true, [f("", Style::Hex, M128)];
    RecircId => "recirc_id", true, [f("", Style::Hex, M32)];
    DpHash => "dp_hash", true, [f("", Style::Hex, M32)];
    InPort => "in_port", true, [f("", Style::Dec, M32)];
    PacketType => "packet_type", false, [f("ns", Style::Dec, M16), f("id", Style::Hex, M16)];
    Eth => "eth", false, [f("src", Style::Mac, M48), f("dst", Style::Mac, M48)];
    EthType => "eth_type", true, [f("", Style::Hex4, M16)];
    Vlan => "vlan", false, [f("tci", Style::Hex, M16)];
    Mpls => "mpls", false, [f("lse", Style::Hex, M32)];
    Ipv4 => "ipv4", false, [f("src", Style::Ipv4, M32), f("dst", Style::Ipv4, M32),
        f("proto", Style::Dec, M8), f("tos", Style::Hex, M8), f("ttl", Style::Dec, M8),
        f("frag", Style::Frag, M8)];
    Ipv6 => "ipv6", false, [f("src", Style::Ipv6, M128), f("dst", Style::Ipv6, M128),
        f("label", Style::Hex, 0xfffff), f("proto", Style::Dec, M8),
        f("tclass", Style::Hex, M8), f("hlimit", Style::Dec, M8), f("frag", Style::Frag, M8)];
    Tcp => "tcp", false, [f("src", Style::Dec, M16), f("dst", Style::Dec, M16)];
    TcpFlags => "tcp_flags", true, [f("", Style::TcpFlags, M16)];
    Udp => "udp", false, [f("src", Style::Dec, M16), f("dst", Style::Dec, M16)];
    Sctp => "sctp", false, [f("src", Style::Dec, M16), f("dst", Style::Dec, M16)];
    Icmp => "icmp", false, [f("type", Style::Dec, M8), f("code", Style::Dec, M8)];
    Icmpv6 => "icmpv6", false, [f("type", Style::Dec, M8), f("code", Style::Dec, M8)];
    Arp => "arp", false, [f("sip", Style::Ipv4, M32), f("tip", Style::Ipv4, M32),
        f("op", Style::Dec, M16), f("sha", Style::Mac, M48), f("tha", Style::Mac, M48)];
    Nd => "nd", false, [f("target", Style::Ipv6, M128), f("sll", Style::Mac, M48),
        f("tll", Style::Mac, M48)];
    Tunnel => "tunnel", false, [f("tun_id", Style::Hex, M64), f("src", Style::Ipv4, M32),
        f("dst", Style::Ipv4, M32), f("ipv6_src", Style::Ipv6, M128),
        f("ipv6_dst", Style::Ipv6, M128), f("tos", Style::Hex, M8), f("ttl", Style::Dec, M8),
        f("tp_src", Style::Dec, M16), f("tp_dst", Style::Dec, M16),
        f("flags", Style::TunFlags, M16)];
}

impl AttrKind {
    /// Looks a kind up by its text name.
    pub fn from_name(name: &str) -> Option<AttrKind> {
        AttrKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// The index of field `name` in this kind's schema.
    pub fn field_index(self, name: &str) -> Option<usize> {
        self.fields().iter().position(|f| f.name == name)
    }

    /// The all-ones mask of field `idx`.
    pub fn full_mask(self, idx: usize) -> u128 {
        self.fields().get(idx).map_or(0, |f| f.full)
    }

    /// Number of fields.
    pub fn n_fields(self) -> usize {
        self.fields().len()
    }
}

/// Fragment type values as the datapath encodes them (`ipv4(frag=...)`).
pub mod frag {
    /// Not a fragment.
    pub const NO: u8 = 0;
    /// First fragment.
    pub const FIRST: u8 = 1;
    /// Later fragment.
    pub const LATER: u8 = 2;
}

const CT_STATE_NAMES: [&str; 8] = ["new", "est", "rel", "rpl", "inv", "trk", "snat", "dnat"];
const TCP_FLAG_NAMES: [&str; 12] = [
    "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr", "ns", "[200]", "[400]", "[800]",
];
const TUN_FLAG_NAMES: [&str; 4] = ["oam", "df", "csum", "key"];

fn flag_names(style: Style) -> &'static [&'static str] {
    match style {
        Style::CtState => &CT_STATE_NAMES,
        Style::TcpFlags => &TCP_FLAG_NAMES,
        _ => &TUN_FLAG_NAMES,
    }
}

/// One key attribute: a kind and its fields' `(value, mask)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyAttr {
    /// The attribute.
    pub kind: AttrKind,
    /// The fields, in schema order (unused trailing entries are zero).
    pub fields: [Masked; MAX_FIELDS],
}

impl KeyAttr {
    /// An attribute with every field absent.
    pub fn new(kind: AttrKind) -> KeyAttr {
        KeyAttr {
            kind,
            fields: [Masked::default(); MAX_FIELDS],
        }
    }

    /// A single-value attribute (e.g. `skb_mark`) with an exact value.
    pub fn exact(kind: AttrKind, value: u128) -> KeyAttr {
        let mut a = KeyAttr::new(kind);
        a.set_exact(0, value);
        a
    }

    /// Field `idx` (absent fields read as zero value and mask).
    pub fn get(&self, idx: usize) -> Masked {
        self.fields.get(idx).copied().unwrap_or_default()
    }

    /// Field by name.
    pub fn field(&self, name: &str) -> Masked {
        self.kind
            .field_index(name)
            .map(|i| self.get(i))
            .unwrap_or_default()
    }

    /// Sets field `idx` to `value` under `mask` (both clipped to the field's width).
    pub fn set(&mut self, idx: usize, value: u128, mask: u128) {
        let full = self.kind.full_mask(idx);
        if let Some(slot) = self.fields.get_mut(idx) {
            *slot = Masked {
                value: value & full,
                mask: mask & full,
            };
        }
    }

    /// Sets field `idx` exactly.
    pub fn set_exact(&mut self, idx: usize, value: u128) {
        self.set(idx, value, u128::MAX);
    }

    /// Sets a field by name; false if the kind has no such field.
    pub fn set_named(&mut self, name: &str, value: u128, mask: u128) -> bool {
        match self.kind.field_index(name) {
            Some(i) => {
                self.set(i, value, mask);
                true
            }
            None => false,
        }
    }

    /// True if no field is significant.
    pub fn is_wildcard(&self) -> bool {
        self.fields.iter().all(|m| m.mask == 0)
    }

    /// Appends the text form (`eth(src=...)`, `skb_mark(0x1)`).
    pub fn format(&self, out: &mut String) {
        out.push_str(self.kind.name());
        out.push('(');
        match self.kind {
            AttrKind::Vlan => format_vlan(out, self.get(0), false),
            AttrKind::Mpls => format_mpls(out, self.get(0)),
            AttrKind::PacketType => {
                let _ = write!(out, "ns={},id=", self.get(0).value);
                hex(out, self.get(1).value);
            }
            k if k.single() => {
                if let Some(spec) = k.fields().first() {
                    let m = self.get(0);
                    format_value(out, spec, m);
                }
            }
            k => {
                let mut first = true;
                for (spec, m) in k.fields().iter().zip(self.fields.iter()) {
                    if m.mask == 0 {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    if spec.style == Style::TunFlags {
                        out.push_str("flags(");
                        format_flags_exact(out, spec.style, m.value, '|');
                        out.push(')');
                        continue;
                    }
                    out.push_str(spec.name);
                    out.push('=');
                    format_value(out, spec, *m);
                }
            }
        }
        out.push(')');
    }

    /// Parses `name(args)`.
    pub fn parse(s: &str) -> Result<KeyAttr, ParseError> {
        let (name, args) = crate::text::split_call(s)?;
        let kind = AttrKind::from_name(name).ok_or_else(|| ParseError::Unknown {
            kind: "key attribute",
            name: name.to_string(),
        })?;
        let args = args.ok_or(ParseError::UnexpectedEnd("("))?;
        Self::parse_args(kind, args)
    }

    /// Parses the text inside an attribute's parentheses.
    pub fn parse_args(kind: AttrKind, args: &str) -> Result<KeyAttr, ParseError> {
        let mut a = KeyAttr::new(kind);
        match kind {
            AttrKind::Vlan => {
                a.fields[0] = parse_vlan(args, false)?;
                return Ok(a);
            }
            AttrKind::Mpls => {
                a.fields[0] = parse_mpls(args)?;
                return Ok(a);
            }
            k if k.single() => {
                if let Some(spec) = k.fields().first() {
                    a.fields[0] = parse_value(spec, args.trim())?;
                }
                return Ok(a);
            }
            _ => {}
        }
        for item in split_top(args)? {
            if item.is_empty() {
                continue;
            }
            if let Some(inner) = item
                .strip_prefix("flags(")
                .and_then(|r| r.strip_suffix(')'))
            {
                let idx = kind
                    .field_index("flags")
                    .ok_or_else(|| ParseError::Unknown {
                        kind: "field",
                        name: "flags".into(),
                    })?;
                let v = parse_flags_exact(Style::TunFlags, inner)?;
                a.set(idx, v, u128::MAX);
                continue;
            }
            let (k, v) = split_kv(item);
            let idx = kind.field_index(k).ok_or_else(|| ParseError::Unknown {
                kind: "field",
                name: format!("{}.{k}", kind.name()),
            })?;
            let v = v.ok_or(ParseError::UnexpectedEnd("="))?;
            if let Some(spec) = kind.fields().get(idx) {
                let m = parse_value(spec, v)?;
                a.set(idx, m.value, m.mask);
            }
        }
        Ok(a)
    }
}

impl std::fmt::Display for KeyAttr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.format(&mut s);
        f.write_str(&s)
    }
}

fn format_plain(out: &mut String, style: Style, v: u128) {
    match style {
        Style::Dec => {
            let _ = write!(out, "{v}");
        }
        Style::Hex => hex(out, v),
        Style::Hex4 => {
            let _ = write!(out, "0x{v:04x}");
        }
        Style::Ipv4 => {
            let _ = write!(out, "{}", Ipv4Addr::from(v as u32));
        }
        Style::Ipv6 => {
            let _ = write!(out, "{}", Ipv6Addr::from(v));
        }
        Style::Mac => mac(out, &mac_from_u64(v as u64)),
        Style::Frag => out.push_str(match v as u8 {
            frag::NO => "no",
            frag::FIRST => "first",
            frag::LATER => "later",
            _ => "<error>",
        }),
        Style::CtState | Style::TcpFlags | Style::TunFlags => {
            format_flags_exact(out, style, v, '|')
        }
    }
}

fn format_value(out: &mut String, spec: &FieldSpec, m: Masked) {
    match spec.style {
        Style::CtState | Style::TcpFlags if m.mask != spec.full => {
            // Masked flags: "+name" / "-name" for each bit in the mask, lowest bit first.
            let names = flag_names(spec.style);
            let mut rest = m.mask;
            for (i, n) in names.iter().enumerate() {
                let bit = 1u128 << i;
                if m.mask & bit != 0 {
                    out.push(if m.value & bit != 0 { '+' } else { '-' });
                    out.push_str(n);
                    rest &= !bit;
                }
            }
            // Bits without a name: each as "+0x..." / "-0x...".
            for i in 0..128 {
                let bit = 1u128 << i;
                if rest & bit != 0 {
                    out.push(if m.value & bit != 0 { '+' } else { '-' });
                    let _ = write!(out, "{bit:#x}");
                }
            }
            return;
        }
        Style::CtState if m.mask == spec.full => {
            // A set(ct_state(...)) value: hexadecimal.
            hex(out, m.value);
            return;
        }
        _ => {}
    }
    format_plain(out, spec.style, m.value);
    if m.mask != spec.full {
        out.push('/');
        match spec.style {
            Style::Ipv4 | Style::Ipv6 | Style::Mac => format_plain(out, spec.style, m.mask),
            Style::Hex4 => {
                let _ = write!(out, "0x{:04x}", m.mask);
            }
            _ => {
                let _ = write!(out, "{:#x}", m.mask);
            }
        }
    }
}

fn format_flags_exact(out: &mut String, style: Style, v: u128, sep: char) {
    let names = flag_names(style);
    if v == 0 {
        out.push('0');
        return;
    }
    let mut first = true;
    let mut rest = v;
    for (i, n) in names.iter().enumerate() {
        let bit = 1u128 << i;
        if v & bit != 0 {
            if !first {
                out.push(sep);
            }
            first = false;
            out.push_str(n);
            rest &= !bit;
        }
    }
    if rest != 0 {
        if !first {
            out.push(sep);
        }
        let _ = write!(out, "{rest:#x}");
    }
}

fn parse_flags_exact(style: Style, s: &str) -> Result<u128, ParseError> {
    let names = flag_names(style);
    let mut v = 0u128;
    for part in s.split(['|', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        match names.iter().position(|n| *n == part) {
            Some(i) => v |= 1 << i,
            None => v |= parse_uint("flags", part, M32)?,
        }
    }
    Ok(v)
}

fn parse_plain(spec: &FieldSpec, s: &str) -> Result<u128, ParseError> {
    let name: &'static str = if spec.name.is_empty() {
        "value"
    } else {
        spec.name
    };
    match spec.style {
        Style::Dec | Style::Hex | Style::Hex4 => parse_uint(name, s, spec.full),
        Style::Ipv4 => parse_ipv4(name, s).map(u128::from),
        Style::Ipv6 => parse_ipv6(name, s),
        Style::Mac => parse_mac(name, s).map(|m| u128::from(mac_to_u64(&m))),
        Style::Frag => match s {
            "no" => Ok(u128::from(frag::NO)),
            "first" => Ok(u128::from(frag::FIRST)),
            "later" => Ok(u128::from(frag::LATER)),
            _ => Err(ParseError::BadValue {
                field: "frag",
                value: s.to_string(),
            }),
        },
        Style::CtState | Style::TcpFlags | Style::TunFlags => parse_flags_exact(spec.style, s),
    }
}

fn parse_value(spec: &FieldSpec, s: &str) -> Result<Masked, ParseError> {
    if matches!(spec.style, Style::CtState | Style::TcpFlags)
        && (s.starts_with('+') || s.starts_with('-'))
    {
        let names = flag_names(spec.style);
        let (mut v, mut m) = (0u128, 0u128);
        let mut rest = s;
        while let Some(sign) = rest.chars().next() {
            let body = rest.get(1..).unwrap_or("");
            let end = body.find(['+', '-']).unwrap_or(body.len());
            let word = body.get(..end).unwrap_or("");
            let bits = match names.iter().position(|n| *n == word) {
                Some(i) => 1u128 << i,
                None => parse_uint("flags", word, spec.full)?,
            };
            m |= bits;
            match sign {
                '+' => v |= bits,
                '-' => {}
                _ => {
                    return Err(ParseError::BadValue {
                        field: "flags",
                        value: s.to_string(),
                    })
                }
            }
            rest = body.get(end..).unwrap_or("");
        }
        return Ok(Masked { value: v, mask: m });
    }
    let (v, m) = split_mask(s);
    let value = parse_plain(spec, v)?;
    let mask = match m {
        None => spec.full,
        Some(m) => match spec.style {
            Style::Ipv4 | Style::Ipv6 | Style::Mac => parse_plain(spec, m)?,
            _ => parse_uint("mask", m, spec.full)?,
        },
    };
    Ok(Masked {
        value: value & spec.full,
        mask,
    })
}

/// Formats a VLAN TCI: `vid=..,pcp=..[,cfi=0]`. `always` prints vid and pcp even when zero
/// (as `push_vlan` does).
pub(crate) fn format_vlan(out: &mut String, m: Masked, always: bool) {
    let (tci, mask) = (m.value as u16, m.mask as u16);
    let mut parts: Vec<String> = Vec::new();
    let (vid, vid_m) = (tci & 0xfff, mask & 0xfff);
    if always || vid != 0 || vid_m != 0 {
        let mut s = format!("vid={vid}");
        if vid_m != 0xfff {
            let _ = write!(s, "/{vid_m:#x}");
        }
        parts.push(s);
    }
    let (pcp, pcp_m) = (tci >> 13, mask >> 13);
    if always || pcp != 0 || pcp_m != 0 {
        let mut s = format!("pcp={pcp}");
        if pcp_m != 7 {
            let _ = write!(s, "/{pcp_m:#x}");
        }
        parts.push(s);
    }
    if tci & 0x1000 == 0 {
        parts.push("cfi=0".into());
    }
    out.push_str(&parts.join(","));
}

/// Parses `vid=..,pcp=..,cfi=..` (or `tci=..`). Without `cfi`, the CFI ("tag present") bit
/// is set and exact.
pub(crate) fn parse_vlan(args: &str, always: bool) -> Result<Masked, ParseError> {
    let (mut tci, mut mask) = (0x1000u16, 0x1000u16);
    if always {
        mask = 0xffff;
    }
    for item in split_top(args)? {
        let (k, v) = split_kv(item);
        let v = v.ok_or(ParseError::UnexpectedEnd("="))?;
        let (val, m) = split_mask(v);
        match k {
            "vid" => {
                let x = parse_uint("vid", val, 0xfff)? as u16;
                let xm = m.map_or(Ok(0xfff), |m| parse_uint("vid", m, 0xfff))? as u16;
                tci = (tci & !0xfff) | x;
                mask = (mask & !0xfff) | xm;
            }
            "pcp" => {
                let x = parse_uint("pcp", val, 7)? as u16;
                let xm = m.map_or(Ok(7), |m| parse_uint("pcp", m, 7))? as u16;
                tci = (tci & 0x1fff) | (x << 13);
                mask = (mask & 0x1fff) | (xm << 13);
            }
            "cfi" => {
                let x = parse_uint("cfi", val, 1)? as u16;
                tci = (tci & !0x1000) | (x << 12);
                mask |= 0x1000;
            }
            "tci" => {
                tci = parse_uint("tci", val, 0xffff)? as u16;
                mask = m.map_or(Ok(0xffff), |m| parse_uint("tci", m, 0xffff))? as u16;
            }
            _ => {
                return Err(ParseError::Unknown {
                    kind: "field",
                    name: format!("vlan.{k}"),
                })
            }
        }
    }
    Ok(Masked {
        value: u128::from(tci),
        mask: u128::from(mask),
    })
}

fn format_mpls(out: &mut String, m: Masked) {
    let (lse, mask) = (m.value as u32, m.mask as u32);
    let label = lse >> 12;
    let tc = (lse >> 9) & 7;
    let ttl = lse & 0xff;
    let bos = (lse >> 8) & 1;
    if mask == u32::MAX {
        let _ = write!(out, "label={label},tc={tc},ttl={ttl},bos={bos}");
    } else {
        let _ = write!(
            out,
            "label={label}/0x{:x},tc={tc}/{:x},ttl={ttl}/0x{:x},bos={bos}/{:x}",
            mask >> 12,
            (mask >> 9) & 7,
            mask & 0xff,
            (mask >> 8) & 1
        );
    }
}

fn parse_mpls(args: &str) -> Result<Masked, ParseError> {
    let (mut lse, mut mask) = (0u32, 0u32);
    for item in split_top(args)? {
        let (k, v) = split_kv(item);
        let v = v.ok_or(ParseError::UnexpectedEnd("="))?;
        let (val, m) = split_mask(v);
        let (shift, width, name): (u32, u32, &'static str) = match k {
            "label" => (12, 0xfffff, "label"),
            "tc" => (9, 7, "tc"),
            "ttl" => (0, 0xff, "ttl"),
            "bos" => (8, 1, "bos"),
            _ => {
                return Err(ParseError::Unknown {
                    kind: "field",
                    name: format!("mpls.{k}"),
                })
            }
        };
        let x = parse_uint(name, val, u128::from(width))? as u32;
        // tc and bos masks are printed in hex without a 0x prefix.
        let xm = match m {
            None => width,
            Some(m) if (k == "tc" || k == "bos") && !m.starts_with("0x") => {
                u32::from_str_radix(m, 16).map_err(|_| ParseError::BadValue {
                    field: name,
                    value: m.to_string(),
                })? & width
            }
            Some(m) => parse_uint(name, m, u128::from(width))? as u32,
        };
        lse |= x << shift;
        mask |= xm << shift;
    }
    Ok(Masked {
        value: u128::from(lse),
        mask: u128::from(mask),
    })
}
