//! Flow-table protocols as `ovs-ofctl` counts them, and which one it picks.
//!
//! Open vSwitch distinguishes nine ways to send a flow_mod: OpenFlow 1.0 with its fixed match,
//! with or without the `flow_mod_table_id` extension (the table in the high byte of the
//! command); OpenFlow 1.0 with Nicira extended match (NXM), again with or without table ids;
//! OpenFlow 1.1's standard match; and OXM in OpenFlow 1.2 to 1.5. A [`ProtocolSet`] is a set of
//! them, in OVS's bit order, which is also the order of preference: `ovs-ofctl` takes the first
//! protocol that is both usable for the flows and allowed by `-O`/`-F` ([`ProtocolSet::first`]).
//!
//! The text forms are OVS's: single protocols print as `OpenFlow10-table_id`,
//! `OpenFlow10+table_id`, `NXM-table_id`, `NXM+table_id`, `OpenFlow11`, `OXM-OpenFlow12` ...
//! `OXM-OpenFlow15`; sets print with the abbreviations `any`, `OpenFlow10`, `NXM` and `OXM`
//! first, then the remaining single protocols ([`ProtocolSet::to_ovs_string`]). `-F` accepts
//! any of those names, case-insensitively, separated by commas
//! ([`ProtocolSet::parse_flow_formats`]); `-O` names OpenFlow versions (`OpenFlow10` ...
//! `OpenFlow15`, [`parse_versions`]).
//!
//! The match layer's coarser [`crate::ofmatch::Protocols`] (which does not care about table
//! ids) converts with [`ProtocolSet::from_match_protocols`].

use crate::header::Version;
use crate::ofmatch::Protocols;

/// One flow-table protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// OpenFlow 1.0, standard match, no table ids.
    Of10Std = 0,
    /// OpenFlow 1.0, standard match, with the table-id extension.
    Of10StdTid = 1,
    /// OpenFlow 1.0 with NXM, no table ids.
    Of10Nxm = 2,
    /// OpenFlow 1.0 with NXM and table ids.
    Of10NxmTid = 3,
    /// OpenFlow 1.1 standard match.
    Of11Std = 4,
    /// OpenFlow 1.2 (OXM).
    Of12Oxm = 5,
    /// OpenFlow 1.3 (OXM).
    Of13Oxm = 6,
    /// OpenFlow 1.4 (OXM).
    Of14Oxm = 7,
    /// OpenFlow 1.5 (OXM).
    Of15Oxm = 8,
}

impl Protocol {
    /// All protocols in OVS's order.
    pub const ALL: [Protocol; 9] = [
        Protocol::Of10Std,
        Protocol::Of10StdTid,
        Protocol::Of10Nxm,
        Protocol::Of10NxmTid,
        Protocol::Of11Std,
        Protocol::Of12Oxm,
        Protocol::Of13Oxm,
        Protocol::Of14Oxm,
        Protocol::Of15Oxm,
    ];

    /// OVS's name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Of10Std => "OpenFlow10-table_id",
            Protocol::Of10StdTid => "OpenFlow10+table_id",
            Protocol::Of10Nxm => "NXM-table_id",
            Protocol::Of10NxmTid => "NXM+table_id",
            Protocol::Of11Std => "OpenFlow11",
            Protocol::Of12Oxm => "OXM-OpenFlow12",
            Protocol::Of13Oxm => "OXM-OpenFlow13",
            Protocol::Of14Oxm => "OXM-OpenFlow14",
            Protocol::Of15Oxm => "OXM-OpenFlow15",
        }
    }

    /// The OpenFlow version messages are sent with.
    pub fn version(self) -> Version {
        match self {
            Protocol::Of10Std | Protocol::Of10StdTid | Protocol::Of10Nxm | Protocol::Of10NxmTid => {
                Version::Of10
            }
            Protocol::Of11Std => Version::Of11,
            Protocol::Of12Oxm => Version::Of12,
            Protocol::Of13Oxm => Version::Of13,
            Protocol::Of14Oxm => Version::Of14,
            Protocol::Of15Oxm => Version::Of15,
        }
    }

    /// True for the Nicira (NXM) forms, whose messages are `NXT_*`.
    pub fn is_nxm(self) -> bool {
        matches!(self, Protocol::Of10Nxm | Protocol::Of10NxmTid)
    }

    /// True if flow_mods carry a table id (always, from OpenFlow 1.1).
    pub fn has_table_id(self) -> bool {
        !matches!(self, Protocol::Of10Std | Protocol::Of10Nxm)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Protocol`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProtocolSet(u16);

impl ProtocolSet {
    /// Every protocol.
    pub const ANY: ProtocolSet = ProtocolSet(0x1ff);
    /// The empty set.
    pub const NONE: ProtocolSet = ProtocolSet(0);
    /// OpenFlow 1.0 with the standard match, either table-id mode.
    pub const OF10_STD_ANY: ProtocolSet = ProtocolSet(0b11);
    /// NXM, either table-id mode.
    pub const OF10_NXM_ANY: ProtocolSet = ProtocolSet(0b1100);
    /// Every OpenFlow 1.0 form.
    pub const OF10_ANY: ProtocolSet = ProtocolSet(0b1111);
    /// Every OXM version.
    pub const ANY_OXM: ProtocolSet = ProtocolSet(0b1_1110_0000);
    /// Protocols that can say which table a flow_mod is for.
    pub const TID: ProtocolSet = ProtocolSet(0b1_1111_1010);
    /// OpenFlow 1.1 and later.
    pub const OF11_UP: ProtocolSet = ProtocolSet(0b1_1111_0000);
    /// OpenFlow 1.2 and later.
    pub const OF12_UP: ProtocolSet = ProtocolSet(0b1_1110_0000);
    /// OpenFlow 1.3 and later.
    pub const OF13_UP: ProtocolSet = ProtocolSet(0b1_1100_0000);
    /// OpenFlow 1.4 and later.
    pub const OF14_UP: ProtocolSet = ProtocolSet(0b1_1000_0000);
    /// NXM and OpenFlow 1.1 and later (what can match on cookies).
    pub const NXM_OF11_UP: ProtocolSet = ProtocolSet(0b1_1111_1100);

    /// The set holding just `p`.
    pub fn single(p: Protocol) -> ProtocolSet {
        ProtocolSet(p.bit())
    }

    /// True if `p` is in the set.
    pub fn contains(self, p: Protocol) -> bool {
        self.0 & p.bit() != 0
    }

    /// Intersection.
    pub fn intersect(self, o: ProtocolSet) -> ProtocolSet {
        ProtocolSet(self.0 & o.0)
    }

    /// Union.
    pub fn union(self, o: ProtocolSet) -> ProtocolSet {
        ProtocolSet(self.0 | o.0)
    }

    /// The set without `o`'s members.
    pub fn minus(self, o: ProtocolSet) -> ProtocolSet {
        ProtocolSet(self.0 & !o.0)
    }

    /// True for the empty set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Members in OVS's order.
    pub fn iter(self) -> impl Iterator<Item = Protocol> {
        Protocol::ALL.into_iter().filter(move |p| self.contains(*p))
    }

    /// The first member in OVS's order (the one `ovs-ofctl` chooses).
    pub fn first(self) -> Option<Protocol> {
        self.iter().next()
    }

    /// The protocols that send with OpenFlow version `v`.
    pub fn of_version(v: Version) -> ProtocolSet {
        Protocol::ALL
            .into_iter()
            .filter(|p| p.version() == v)
            .fold(ProtocolSet::NONE, |s, p| s.union(ProtocolSet::single(p)))
    }

    /// The protocols of a set of versions.
    pub fn of_versions(vs: &[Version]) -> ProtocolSet {
        vs.iter().fold(ProtocolSet::NONE, |s, v| {
            s.union(ProtocolSet::of_version(*v))
        })
    }

    /// The versions the set's protocols use, oldest first.
    pub fn versions(self) -> Vec<Version> {
        let mut out: Vec<Version> = Vec::new();
        for p in self.iter() {
            if !out.contains(&p.version()) {
                out.push(p.version());
            }
        }
        out
    }

    /// Converts the match layer's set (which ignores table ids).
    pub fn from_match_protocols(m: Protocols) -> ProtocolSet {
        let mut s = ProtocolSet::NONE;
        let pairs = [
            (Protocols::OF10_STD, ProtocolSet::OF10_STD_ANY),
            (Protocols::OF10_NXM, ProtocolSet::OF10_NXM_ANY),
            (Protocols::OF11_STD, ProtocolSet::single(Protocol::Of11Std)),
            (Protocols::OF12_OXM, ProtocolSet::single(Protocol::Of12Oxm)),
            (Protocols::OF13_OXM, ProtocolSet::single(Protocol::Of13Oxm)),
            (Protocols::OF14_OXM, ProtocolSet::single(Protocol::Of14Oxm)),
            (Protocols::OF15_OXM, ProtocolSet::single(Protocol::Of15Oxm)),
        ];
        for (mp, ps) in pairs {
            if m.contains(mp) {
                s = s.union(ps);
            }
        }
        s
    }

    /// OVS's text for the set (`any`, abbreviations first, then single names; `none` for the
    /// empty set).
    pub fn to_ovs_string(self) -> String {
        if self.is_empty() {
            return "none".into();
        }
        let mut parts: Vec<&str> = Vec::new();
        let mut rest = self;
        for (set, name) in [
            (ProtocolSet::ANY, "any"),
            (ProtocolSet::OF10_STD_ANY, "OpenFlow10"),
            (ProtocolSet::OF10_NXM_ANY, "NXM"),
            (ProtocolSet::ANY_OXM, "OXM"),
        ] {
            if !rest.is_empty() && rest.intersect(set) == set {
                parts.push(name);
                rest = rest.minus(set);
            }
        }
        parts.extend(rest.iter().map(Protocol::name));
        parts.join(",")
    }

    /// Parses `-F`/`--flow-format`'s argument: comma-separated protocol names or
    /// abbreviations, case-insensitive. Errors are worded as `ovs-ofctl` words them.
    pub fn parse_flow_formats(s: &str) -> Result<ProtocolSet, String> {
        let mut set = ProtocolSet::NONE;
        for name in s.split(',').filter(|n| !n.is_empty()) {
            let single = Protocol::ALL
                .into_iter()
                .find(|p| p.name().eq_ignore_ascii_case(name))
                .map(ProtocolSet::single);
            let abbrev = [
                ("any", ProtocolSet::ANY),
                ("OpenFlow10", ProtocolSet::OF10_STD_ANY),
                ("NXM", ProtocolSet::OF10_NXM_ANY),
                ("OXM", ProtocolSet::ANY_OXM),
            ]
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| p);
            match single.or(abbrev) {
                Some(p) => set = set.union(p),
                None => return Err(format!("{name}: unknown flow protocol")),
            }
        }
        if set.is_empty() {
            return Err(format!("{s}: no flow protocol specified"));
        }
        Ok(set)
    }
}

impl std::fmt::Display for ProtocolSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_ovs_string())
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// OVS's name of an OpenFlow version (`OpenFlow10` ... `OpenFlow15`).
pub fn version_name(v: Version) -> &'static str {
    match v {
        Version::Of10 => "OpenFlow10",
        Version::Of11 => "OpenFlow11",
        Version::Of12 => "OpenFlow12",
        Version::Of13 => "OpenFlow13",
        Version::Of14 => "OpenFlow14",
        Version::Of15 => "OpenFlow15",
    }
}

/// Parses `-O`/`--protocols`' argument: OpenFlow version names separated by commas or spaces,
/// case-insensitive. An empty list is `Ok(vec![])` (the caller's default applies).
pub fn parse_versions(s: &str) -> Result<Vec<Version>, String> {
    let mut out = Vec::new();
    for name in s.split([',', ' ']).filter(|n| !n.is_empty()) {
        let v = Version::ALL
            .into_iter()
            .find(|v| version_name(*v).eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("Unknown OpenFlow version: \"{name}\""))?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_ovs() {
        assert_eq!(ProtocolSet::ANY.to_ovs_string(), "any");
        assert_eq!(
            ProtocolSet::TID.to_ovs_string(),
            "OXM,OpenFlow10+table_id,NXM+table_id,OpenFlow11"
        );
        assert_eq!(
            ProtocolSet::OF13_UP.to_ovs_string(),
            "OXM-OpenFlow13,OXM-OpenFlow14,OXM-OpenFlow15"
        );
        assert_eq!(ProtocolSet::OF10_ANY.to_ovs_string(), "OpenFlow10,NXM");
        assert_eq!(
            ProtocolSet::parse_flow_formats("nxm,OXM-OpenFlow13").unwrap(),
            ProtocolSet::OF10_NXM_ANY.union(ProtocolSet::single(Protocol::Of13Oxm))
        );
        assert_eq!(
            ProtocolSet::parse_flow_formats("bogus").unwrap_err(),
            "bogus: unknown flow protocol"
        );
        assert_eq!(
            parse_versions("OpenFlow19").unwrap_err(),
            "Unknown OpenFlow version: \"OpenFlow19\""
        );
        assert_eq!(
            parse_versions("openflow13,OpenFlow10").unwrap(),
            vec![Version::Of10, Version::Of13]
        );
    }

    #[test]
    fn choice_follows_ovs_order() {
        let usable = ProtocolSet::TID;
        let allowed = ProtocolSet::of_version(Version::Of10);
        assert_eq!(
            usable.intersect(allowed).first(),
            Some(Protocol::Of10StdTid)
        );
    }
}
