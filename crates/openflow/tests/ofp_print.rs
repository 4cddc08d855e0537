//! Differential test of the printer against Debian's `ovs-ofctl
//! ofp-print`: `tests/data/ofp-print.txt` holds, per case, the message hex
//! and what the reference printed (regenerate with `tests/data/regen.sh`);
//! `tests/data/ofp-print-actions.txt` does the same for flow_mods with
//! actions and instructions in several protocols and for packet_in /
//! packet_out with packet dissection (`tests/data/regen-actions.sh`).
//! This test needs no Open vSwitch.

mod common;

use openflow::print::ofp_to_string;

struct Case {
    name: String,
    hex: String,
    expected: String,
}

fn cases(text: &str) -> Vec<Case> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("### ") else {
            panic!("unexpected line {line:?}");
        };
        let hex = lines.next().unwrap_or_default().to_string();
        let mut expected = String::new();
        while let Some(l) = lines.peek() {
            if l.starts_with("### ") {
                break;
            }
            expected.push_str(l);
            expected.push('\n');
            lines.next();
        }
        out.push(Case {
            name: name.to_string(),
            hex,
            expected,
        });
    }
    out
}

#[test]
fn matches_reference_ofp_print() {
    check(&cases(include_str!("data/ofp-print.txt")), 40);
}

#[test]
fn actions_and_packets_match_reference_ofp_print() {
    check(&cases(include_str!("data/ofp-print-actions.txt")), 80);
}

fn check(cases: &[Case], min: usize) {
    assert!(cases.len() >= min, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in cases {
        let bytes = common::unhex(&c.hex).unwrap_or_else(|| panic!("{}: bad hex", c.name));
        let got = ofp_to_string(&bytes);
        if got != c.expected {
            failures.push(format!(
                "--- {} ({})\nexpected:\n{}got:\n{}",
                c.name, c.hex, c.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
