//! Table-driven comparison with Open vSwitch's `ovs-ofctl parse-flow` output.
//!
//! `tests/data/expected.tsv` holds, for every case in `tests/data/cases.txt` and for OpenFlow
//! 1.0, 1.3 and 1.5, what OVS printed after encoding the flow_mod and decoding it again
//! (regenerate with `scripts/regen-oracle.py`). Each row is replayed here: parse the actions,
//! check them against the match, encode for the version, decode, print. Known, deliberate
//! differences are listed with reasons in `tests/data/deviations.tsv`; every other row must
//! match exactly (for OVS decode-time errors and "no usable protocol", any error from our
//! pipeline is accepted, since OVS detects those at a different stage).

use ofp_actions::*;

fn version(s: &str) -> Version {
    match s {
        "of10" => Version::Of10,
        "of11" => Version::Of11,
        "of12" => Version::Of12,
        "of13" => Version::Of13,
        "of14" => Version::Of14,
        _ => Version::Of15,
    }
}

/// Whether the fixed OpenFlow 1.1 `ofp_match` can express `m` (no NXM/OXM-only fields, and
/// `nw_proto` only with IPv4).
fn of11_can_express(m: &flow::Match) -> bool {
    let only_std = flow::FieldId::ALL.iter().all(|f| {
        let i = f.info();
        !(i.primary && m.is_matched(*f) && i.of11 == flow::Of1xSupport::No)
    });
    let v6_proto = m.exact_value(flow::FieldId::EthType) == Some(0x86dd)
        && m.is_matched(flow::FieldId::NwProto);
    only_std && !v6_proto
}

/// Runs the pipeline; Ok(text) or Err(message).
pub fn run(v: Version, m: &str, acts: &str) -> Result<String, String> {
    let m = flow::parse_match(m, None).map_err(|e| format!("match: {e}"))?;
    let parsed = parse_actions(acts, None).map_err(|e| e.to_string())?;
    check_actions(
        &parsed,
        &CheckContext {
            flow_match: &m,
            version: v,
            table_id: (v != Version::Of10).then_some(0),
        },
    )
    .map_err(|e| e.to_string())?;
    if v == Version::Of11 && !of11_can_express(&m) {
        // Not an action problem: the OpenFlow 1.1 match cannot carry this match.
        return Err("no usable protocol".into());
    }
    let cx = EncodeContext {
        version: v,
        flow_match: Some(&m),
    };
    let bytes =
        encode_instructions_ctx(&parsed, cx).map_err(|_| "no usable protocol".to_string())?;
    let back = decode_instructions(&bytes, v).map_err(|e| format!("decode {e}"))?;
    Ok(format!("actions={}", format_actions(&back, None)))
}

#[test]
fn matches_ovs_ofctl_parse_flow() {
    let data = include_str!("data/expected.tsv");
    let deviations = include_str!("data/deviations.tsv");
    let known: Vec<(&str, &str, &str)> = deviations
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next()?))
        })
        .collect();
    let mut failures = Vec::new();
    let mut n = 0;
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [ver, m, acts, want] = f[..] else {
            panic!("bad line {line:?}");
        };
        n += 1;
        let got = run(version(ver), m, acts);
        let ok = match (want.strip_prefix("error: "), &got) {
            (None, Ok(text)) => text == want,
            (Some(e), Err(msg)) => {
                e.starts_with("decode ") || e == "no usable protocol" || msg == e
            }
            _ => false,
        };
        let listed = known.contains(&(ver, m, acts));
        if !ok && !listed {
            failures.push(format!(
                "{ver}\t{m}\t{acts}\n   want: {want}\n   got:  {got:?}"
            ));
        }
    }
    assert!(n >= 600, "only {n} rows");
    assert!(
        failures.is_empty(),
        "{} of {n} rows differ from ovs-ofctl:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
