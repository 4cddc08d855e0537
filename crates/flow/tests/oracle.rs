//! Table-driven comparison with Open vSwitch's `ovs-ofctl parse-flow` output.
//!
//! `data/oracle.tsv` holds what Debian's ovs-ofctl 3.1 printed for each match in
//! `data/match_cases.txt` (regenerate with `regen_oracle.sh`; this test does not need OVS).
//! `data/overrides.tsv` lists the cases where ferroswitch deliberately differs (mostly
//! prerequisite violations, which OVS silently drops and ferroswitch refuses) together with
//! our expected result and a note on OVS's behaviour. Every case OVS normalised by dropping
//! fields must have an override, so a new such case cannot slip through unexamined.

use std::collections::HashMap;

const ORACLE: &str = include_str!("data/oracle.tsv");
const OVERRIDES: &str = include_str!("data/overrides.tsv");

struct Expect {
    ok: bool,
    text: String,
}

fn parse_expect(kind: &str, text: &str) -> Expect {
    assert!(kind == "ok" || kind == "error", "bad kind {kind:?}");
    Expect {
        ok: kind == "ok",
        text: text.to_string(),
    }
}

fn unescape_input(s: &str) -> String {
    if s == "<empty>" {
        String::new()
    } else {
        s.to_string()
    }
}

#[test]
fn matches_ovs_ofctl() {
    let mut overrides: HashMap<&str, Expect> = HashMap::new();
    for line in OVERRIDES.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(
            cols.len() >= 4,
            "override needs 4 columns (with a note): {line:?}"
        );
        overrides.insert(cols[0], parse_expect(cols[1], cols[2]));
    }

    let mut failures = Vec::new();
    let mut n = 0;
    let mut used_overrides = 0;
    for line in ORACLE.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 3, "bad oracle line {line:?}");
        n += 1;
        let input = cols[0];
        let ovs = parse_expect(cols[1], cols[2]);
        let dropped = cols.get(3) == Some(&"ovs-dropped-fields");
        let expect = match overrides.get(input) {
            Some(e) => {
                used_overrides += 1;
                e
            }
            None => {
                if dropped {
                    failures.push(format!(
                        "{input:?}: OVS dropped fields; add an override with our result"
                    ));
                    continue;
                }
                &ovs
            }
        };
        let got = flow::parse_match(&unescape_input(input), None);
        match (&got, expect.ok) {
            (Ok(m), true) => {
                let text = flow::format_match(m, None);
                if text != expect.text {
                    failures.push(format!(
                        "{input:?}: printed {text:?}, expected {:?}",
                        expect.text
                    ));
                }
            }
            (Err(e), false) => {
                if e.to_string() != expect.text {
                    failures.push(format!(
                        "{input:?}: error {:?}, expected {:?}",
                        e.to_string(),
                        expect.text
                    ));
                }
            }
            (Ok(m), false) => failures.push(format!(
                "{input:?}: parsed as {:?}, expected error {:?}",
                flow::format_match(m, None),
                expect.text
            )),
            (Err(e), true) => failures.push(format!(
                "{input:?}: error {:?}, expected {:?}",
                e.to_string(),
                expect.text
            )),
        }
    }
    assert!(n >= 150, "only {n} oracle cases");
    assert_eq!(
        used_overrides,
        overrides.len(),
        "some overrides do not correspond to an oracle case"
    );
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
