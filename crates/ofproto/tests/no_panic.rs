//! Robustness: every action list of the `ofp-actions` crate's corpus (over 600 strings,
//! valid and invalid), installed as the only rule of table 0 and of table 1, is translated
//! for a few packets with tracing on. Translation must never panic, must always produce a
//! trace, and a failed translation must drop.

use flow::{parse_match, Flow};
use ofp_actions::parse_actions;
use ofproto::{format_trace, xlate, OfActions, PortInfo, Snapshot};
use ofproto_tables::{FlowMod, FlowModCommand};

const CORPUS: &str = include_str!("../../ofp-actions/tests/data/cases.txt");

fn snapshot() -> Snapshot {
    let ports = [(1u16, 1u32), (2, 2), (3, 3), (0xfffe, 100)]
        .iter()
        .map(|&(ofp_port, odp_port)| PortInfo {
            ofp_port,
            odp_port,
            name: format!("p{ofp_port}"),
            up: true,
        })
        .collect();
    Snapshot::new("br0", ports)
}

fn flows() -> Vec<Flow> {
    [
        "in_port=1",
        "in_port=1,dl_vlan=10,dl_vlan_pcp=3",
        "in_port=2,tcp,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=1,tcp_src=1,tcp_dst=2",
        "in_port=3,udp6,ipv6_src=::1,ipv6_dst=::2,nw_ttl=64,udp_src=1,udp_dst=2",
        "in_port=1,arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2",
    ]
    .iter()
    .map(|s| *parse_match(s, None).expect("flow").flow())
    .collect()
}

#[test]
fn corpus_actions_translate_without_panicking() {
    let flows = flows();
    let mut translated = 0;
    for line in CORPUS.lines().filter(|l| !l.starts_with('#')) {
        let acts_text = line.split_once('\t').map_or(line, |(_, a)| a);
        let Ok(acts) = parse_actions(acts_text, None) else {
            continue;
        };
        for table in [0u8, 1] {
            let mut snap = snapshot();
            if table == 1 {
                let to_1 = parse_actions("resubmit(,1)", None).expect("resubmit");
                let fm = FlowMod::new(
                    FlowModCommand::Add,
                    0,
                    parse_match("", None).expect("catch-all"),
                    OfActions(to_1),
                );
                snap.tables.apply(&fm, 0).expect("table 0 rule");
            }
            let m = parse_match("", None).expect("catch-all");
            let fm = FlowMod::new(FlowModCommand::Add, table, m, OfActions(acts.clone()));
            if snap.tables.apply(&fm, 0).is_err() {
                continue;
            }
            for f in &flows {
                let out = xlate(&snap, f, true);
                let text = format_trace(&snap, f, &out);
                assert!(text.contains("Datapath actions: "), "{acts_text}\n{text}");
                if out.error.is_some() {
                    assert!(out.actions.is_empty(), "{acts_text}");
                }
                translated += 1;
            }
        }
    }
    assert!(translated > 2000, "only {translated} translations");
}
