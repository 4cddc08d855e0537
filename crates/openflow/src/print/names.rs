//! Names and small formatting helpers shared by the body printers: port
//! numbers, bit names, capability and feature words, durations.

use crate::msgs::ofpp;
use crate::Version;

/// OVS's rendering of a port number (`LOCAL`, `ANY`, ... or decimal).
pub fn port_to_string(p: u32) -> String {
    match p {
        ofpp::IN_PORT => "IN_PORT".into(),
        ofpp::TABLE => "TABLE".into(),
        ofpp::NORMAL => "NORMAL".into(),
        ofpp::FLOOD => "FLOOD".into(),
        ofpp::ALL => "ALL".into(),
        ofpp::CONTROLLER => "CONTROLLER".into(),
        ofpp::LOCAL => "LOCAL".into(),
        ofpp::ANY => "ANY".into(),
        p if p >= 0xffff_ff00 => format!("{}", p - 0xffff_0000),
        p => p.to_string(),
    }
}

/// `sec.nsec` with trailing zeros of the fraction removed, then `s`.
pub fn format_duration(sec: u32, nsec: u32) -> String {
    let mut s = sec.to_string();
    if nsec > 0 {
        let frac = format!("{nsec:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('s');
    s
}

/// Names the set bits of `bits` using `names` (bit index, name), in the
/// order of `names`; bits without a name are dropped.  Returns `None` if
/// no named bit is set.
pub fn bit_names(bits: u32, names: &[(u32, &str)]) -> Option<String> {
    let v: Vec<&str> = names
        .iter()
        .filter(|(b, _)| bits & (1 << b) != 0)
        .map(|(_, n)| *n)
        .collect();
    (!v.is_empty()).then(|| v.join(" "))
}

/// Like [`bit_names`] but unknown bits are appended as `0x..` and an empty
/// word prints as `0`.
pub fn bit_names_or_hex(bits: u32, names: &[(u32, &str)]) -> String {
    let known = names.iter().fold(0u32, |m, (b, _)| m | (1 << b));
    let mut parts: Vec<String> = names
        .iter()
        .filter(|(b, _)| bits & (1 << b) != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let unknown = bits & !known;
    if unknown != 0 {
        parts.push(format!("0x{unknown:x}"));
    }
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join(" ")
    }
}

/// Port feature names, OF1.1+ bit layout.
pub const PORT_FEATURES: &[(u32, &str)] = &[
    (0, "10MB-HD"),
    (1, "10MB-FD"),
    (2, "100MB-HD"),
    (3, "100MB-FD"),
    (4, "1GB-HD"),
    (5, "1GB-FD"),
    (6, "10GB-FD"),
    (7, "40GB-FD"),
    (8, "100GB-FD"),
    (9, "1TB-FD"),
    (10, "OTHER"),
    (11, "COPPER"),
    (12, "FIBER"),
    (13, "AUTO_NEG"),
    (14, "AUTO_PAUSE"),
    (15, "AUTO_PAUSE_ASYM"),
];

/// The fastest speed among OF1.1+ feature bits, in kbps (0 if none).
pub fn features_to_kbps(f: u32) -> u64 {
    const SPEEDS: &[(u32, u64)] = &[
        (9, 1_000_000_000),
        (8, 100_000_000),
        (7, 40_000_000),
        (6, 10_000_000),
        (5, 1_000_000),
        (4, 1_000_000),
        (3, 100_000),
        (2, 100_000),
        (1, 10_000),
        (0, 10_000),
    ];
    SPEEDS
        .iter()
        .find(|(b, _)| f & (1 << b) != 0)
        .map_or(0, |(_, s)| *s)
}

/// Port config bit names.
pub const PORT_CONFIG: &[(u32, &str)] = &[
    (0, "PORT_DOWN"),
    (1, "NO_STP"),
    (2, "NO_RECV"),
    (3, "NO_RECV_STP"),
    (4, "NO_FLOOD"),
    (5, "NO_FWD"),
    (6, "NO_PACKET_IN"),
];

/// Port config bits meaningful in `v`.
pub fn port_config_mask(v: Version) -> u32 {
    if v == Version::Of10 {
        0x7f
    } else {
        0x65
    }
}

/// Port state, OVS style.
pub fn port_state(v: Version, state: u32) -> String {
    if v == Version::Of10 {
        let stp = state & 0x300;
        let rest = state & 1;
        let mut s = String::new();
        if stp != 0 {
            s.push_str(match stp {
                0x100 => "STP_LEARN",
                0x200 => "STP_FORWARD",
                _ => "STP_BLOCK",
            });
            if rest != 0 {
                // OVS prints no separator here.
                s.push_str("LINK_DOWN");
            }
            return s;
        }
        return if rest != 0 {
            "LINK_DOWN".into()
        } else {
            "0".into()
        };
    }
    bit_names(state & 7, &[(0, "LINK_DOWN"), (1, "BLOCKED"), (2, "LIVE")])
        .unwrap_or_else(|| "0".into())
}

/// Switch capabilities in OVS's internal order for wire version `v`.
pub fn capabilities(v: Version, caps: u32) -> String {
    let mut names: Vec<&str> = Vec::new();
    let bit = |b: u32| caps & (1 << b) != 0;
    if bit(0) {
        names.push("FLOW_STATS");
    }
    if bit(1) {
        names.push("TABLE_STATS");
    }
    if bit(2) {
        names.push("PORT_STATS");
    }
    if v == Version::Of10 && bit(3) {
        names.push("STP");
    }
    if v >= Version::Of11 && bit(3) {
        names.push("GROUP_STATS");
    }
    if bit(5) {
        names.push("IP_REASM");
    }
    if bit(6) {
        names.push("QUEUE_STATS");
    }
    if v <= Version::Of11 && bit(7) {
        names.push("ARP_MATCH_IP");
    }
    if v >= Version::Of12 && bit(8) {
        names.push("PORT_BLOCKED");
    }
    if v >= Version::Of14 && bit(9) {
        names.push("BUNDLES");
    }
    if v >= Version::Of14 && bit(10) {
        names.push("FLOW_MONITORING");
    }
    if names.is_empty() {
        "0".into()
    } else {
        names.join(" ")
    }
}

/// OF1.0 action bitmap names in OVS's print order.
pub const OF10_ACTIONS: &[(u32, &str)] = &[
    (0, "output"),
    (11, "enqueue"),
    (1, "set_vlan_vid"),
    (2, "set_vlan_pcp"),
    (3, "strip_vlan"),
    (4, "mod_dl_src"),
    (5, "mod_dl_dst"),
    (6, "mod_nw_src"),
    (7, "mod_nw_dst"),
    (8, "mod_nw_tos"),
    (9, "mod_tp_src"),
    (10, "mod_tp_dst"),
];

/// OF1.2+ action-type bitmap names (group features) in OVS's order.
pub const OF12_ACTIONS: &[(u32, &str)] = &[
    (0, "output"),
    (22, "group"),
    (25, "set_field"),
    (18, "strip_vlan"),
    (17, "push_vlan"),
    (23, "mod_nw_ttl"),
    (24, "dec_ttl"),
    (15, "set_mpls_ttl"),
    (16, "dec_mpls_ttl"),
    (19, "push_mpls"),
    (20, "pop_mpls"),
    (21, "set_queue"),
];

/// Meter id as OVS prints it.
pub fn meter_id(id: u32) -> String {
    match id {
        0xffff_ffff => "all".into(),
        0xffff_fffe => "controller".into(),
        0xffff_fffd => "slowpath".into(),
        id => id.to_string(),
    }
}

/// Counter or `?` when all-ones.
pub fn counter(x: u64) -> String {
    if x == u64::MAX {
        "?".into()
    } else {
        x.to_string()
    }
}
