//! The flow_mod text parser and encoder ([`openflow::flow_text`]) against the
//! flow_mods Debian's `ovs-ofctl` sent to a fake switch (captured by
//! `tests/data/fake-switch.py`, see `tests/data/regen-flow-mods.sh`):
//!
//! * `ovs-flow-mods.tsv`: `add-flow MATCH,actions=drop` for every match of
//!   the flow crate's oracle under five protocol settings, or OVS's
//!   "none of the usable flow formats" error;
//! * `flow-mod-commands.txt` with the captured bytes in `flow-mod-print.txt`:
//!   `add-flow`, `mod-flows [--strict]` and `del-flows [--strict]` with
//!   cookies and masks, tables, timeouts, flags, importance, `out_port` and
//!   `out_group`.
//!
//! Each flow is parsed, the protocol is chosen among the usable ones the
//! options allow, and the encoded flow_mod (with the captured message's
//! xid) must equal the captured bytes exactly.  This test needs no Open
//! vSwitch.

mod common;

use openflow::flow_text::{parse_flow_mod, Command};
use openflow::protocol::{parse_versions, ProtocolSet};
use openflow::Version;

/// Allowed protocols for `-O`/`-F` arguments, as `ovs-ofctl` computes them.
fn allowed(args: &[&str]) -> ProtocolSet {
    let mut versions = vec![];
    let mut formats = ProtocolSet::ANY;
    for w in args.windows(2) {
        match w[0] {
            "-O" => versions = parse_versions(w[1]).unwrap(),
            "-F" => formats = ProtocolSet::parse_flow_formats(w[1]).unwrap(),
            _ => {}
        }
    }
    if versions.is_empty() {
        versions.push(Version::Of10);
    }
    formats.intersect(ProtocolSet::of_versions(&versions))
}

/// Our flow_mod for `flow`, hex-encoded, with the xid of `like`.
fn encode(
    command: Command,
    flow: &str,
    allowed: ProtocolSet,
    like: &str,
) -> Result<String, String> {
    let fm = parse_flow_mod(flow, command, None).map_err(|e| e.to_string())?;
    let p = fm
        .usable
        .intersect(allowed)
        .first()
        .ok_or_else(|| format!("no usable protocol (usable {})", fm.usable))?;
    let xid = like
        .get(8..16)
        .and_then(|x| u32::from_str_radix(x, 16).ok())
        .unwrap_or(1);
    let bytes = fm
        .to_message(p, xid)
        .map_err(|e| e.to_string())?
        .encode()
        .map_err(|e| e.to_string())?;
    Ok(common::hex(&bytes))
}

/// Matches the flow crate deliberately treats differently (see its
/// documentation and tests/flow_match.rs): 16-bit ARP opcodes, a full
/// `tcp_flags` mask, an exact `ct_nw_proto=0`; and matches whose usable
/// protocols OVS computes from an encoding that cannot carry them (ECN in
/// OpenFlow 1.1, a VLAN PCP without VID, `vlan_vid` without CFI).
fn deviation(m: &str) -> bool {
    [
        "vlan_tci=0x6000/0xe000",
        "arp_op=256",
        "arp_op=65535",
        "/0xfff",
        "ct_nw_proto=0",
        "ecn",
        "vlan_pcp",
        "vlan_vid",
    ]
    .iter()
    .any(|k| m.contains(k))
}

#[test]
fn add_flow_matches_reference_bytes() {
    let mut failures = Vec::new();
    let (mut checked, mut errors) = (0, 0);
    for line in include_str!("data/ovs-flow-mods.tsv").lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(p), Some(m), Some(want)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line {line:?}");
        };
        let m = if m == "<empty>" { "" } else { m };
        if flow::parse_match(m, None).is_err() || deviation(m) {
            continue; // refused on purpose by the flow crate
        }
        if want.contains("80005804") {
            // OVS sends packet_type=eth (OXM 0x80005804) for `eth` and for an Ethernet field
            // reset to a wildcard; packet_type is not modelled by the flow crate yet.
            continue;
        }
        let args: &[&str] = match p {
            "of10" => &["-O", "OpenFlow10", "-F", "OpenFlow10"],
            "nxm" => &["-O", "OpenFlow10", "-F", "nxm"],
            "of11" => &["-O", "OpenFlow11"],
            "of13" => &["-O", "OpenFlow13"],
            _ => &["-O", "OpenFlow15"],
        };
        let flow = if m.is_empty() {
            "actions=drop".to_string()
        } else {
            format!("{m},actions=drop")
        };
        let got = encode(Command::Add, &flow, allowed(args), want);
        let ok = match (want.starts_with("ERROR"), &got) {
            (true, Err(e)) => e.starts_with("no usable protocol"),
            (false, Ok(h)) => h == want,
            _ => false,
        };
        if want.starts_with("ERROR") {
            errors += 1;
        } else {
            checked += 1;
        }
        if !ok {
            failures.push(format!("{p} {m}\n  want {want}\n  got  {got:?}"));
        }
    }
    assert!(checked >= 900 && errors >= 300, "{checked} / {errors}");
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn flow_mod_commands_match_reference_bytes() {
    let print = include_str!("data/flow-mod-print.txt");
    let captured = |name: &str| -> Option<String> {
        let mut lines = print.lines();
        lines.find(|l| *l == format!("### {name}"))?;
        lines.next().map(String::from)
    };
    let mut failures = Vec::new();
    let mut n = 0;
    for line in include_str!("data/flow-mod-commands.txt").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let (name, cmd, args) = (f[0], f[1], &f[2..]);
        let strict = args.contains(&"--strict");
        let command = match (cmd, strict) {
            ("add-flow", _) => Command::Add,
            ("mod-flows", false) => Command::Modify,
            ("mod-flows", true) => Command::ModifyStrict,
            ("del-flows", false) => Command::Delete,
            _ => Command::DeleteStrict,
        };
        // The flow is the last argument that is neither an option nor an option's value.
        let mut flow = "";
        let mut i = 0;
        while i < args.len() {
            match args[i] {
                "-O" | "-F" => i += 2,
                "--strict" => i += 1,
                a => {
                    flow = a;
                    i += 1;
                }
            }
        }
        let want = captured(name).unwrap_or_else(|| panic!("{name}: not captured"));
        let got = encode(command, flow, allowed(args), &want);
        n += 1;
        if got.as_deref() != Ok(want.as_str()) {
            failures.push(format!("{name}\n  want {want}\n  got  {got:?}"));
        }
    }
    assert!(n >= 20, "only {n} commands");
    assert!(
        failures.is_empty(),
        "{} commands differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
