//! Byte-exact comparison with the flow_mods Open vSwitch sends.
//!
//! `tests/data/wire.tsv` holds, for every case in `tests/data/cases.txt` and every OpenFlow
//! version 1.0-1.5, the action (1.0) or instruction (1.1+) bytes of the flow_mod that
//! `ovs-ofctl add-flow` sent to a fake switch (see `scripts/regen-wire.py`). Our encoding of
//! the same text must be identical, and decoding OVS's bytes must give back actions that
//! print as OVS prints them. Differences that are deliberate or not modelled yet are listed
//! in `tests/data/wire-deviations.tsv`.

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

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn encoding_matches_ovs_bytes() {
    let data = include_str!("data/wire.tsv");
    let deviations = concat!(
        include_str!("data/wire-deviations.tsv"),
        include_str!("data/deviations.tsv")
    );
    let mut failures = Vec::new();
    let mut n = 0;
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [ver, m, acts, want] = f[..] else {
            panic!("bad line {line:?}")
        };
        if want.starts_with("error: ") {
            continue;
        }
        if deviations.contains(&format!("{ver}\t{m}\t{acts}\t")) {
            continue;
        }
        let v = version(ver);
        let fm = flow::parse_match(m, None).expect("match parses");
        let got = parse_actions(acts, None)
            .map_err(|e| e.to_string())
            .and_then(|a| {
                check_actions(
                    &a,
                    &CheckContext {
                        flow_match: &fm,
                        version: v,
                        table_id: (v != Version::Of10).then_some(0),
                    },
                )
                .map_err(|e| e.to_string())?;
                encode_instructions_ctx(
                    &a,
                    EncodeContext {
                        version: v,
                        flow_match: Some(&fm),
                    },
                )
                .map_err(|e| e.to_string())
            })
            .map(|b| hex(&b));
        n += 1;
        if got.as_deref() != Ok(want) {
            failures.push(format!(
                "{ver}\t{m}\t{acts}\n   ovs: {want}\n   us:  {got:?}"
            ));
        }
    }
    assert!(n >= 1000, "only {n} rows");
    assert!(
        failures.is_empty(),
        "{} of {n} encodings differ from OVS:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn decoding_ovs_bytes_prints_like_ovs() {
    let wire = include_str!("data/wire.tsv");
    let text = include_str!("data/expected.tsv");
    let deviations = concat!(
        include_str!("data/wire-deviations.tsv"),
        include_str!("data/deviations.tsv")
    );
    let mut n = 0;
    let mut failures = Vec::new();
    for line in wire.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [ver, m, acts, bytes] = f[..] else {
            continue;
        };
        if bytes.starts_with("error: ") {
            continue;
        }
        if deviations.contains(&format!("{ver}\t{m}\t{acts}\t")) {
            continue;
        }
        let key = format!("{ver}\t{m}\t{acts}\t");
        let Some(want) = text
            .lines()
            .find_map(|l| l.strip_prefix(&key))
            .and_then(|w| w.strip_prefix("actions="))
        else {
            continue;
        };
        let got = decode_instructions(&unhex(bytes), version(ver))
            .map(|a| format_actions(&a, None))
            .map_err(|e| e.to_string());
        n += 1;
        if got.as_deref() != Ok(want) {
            failures.push(format!(
                "{ver}\t{m}\t{acts}\n   want: {want}\n   got:  {got:?}"
            ));
        }
    }
    assert!(n >= 1000, "only {n} rows");
    assert!(
        failures.is_empty(),
        "{} of {n} decodings differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
