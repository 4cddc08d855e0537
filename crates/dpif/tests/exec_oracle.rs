//! Differential test of the action executor against Debian's Open vSwitch 3.1.
//!
//! `tests/data/exec.tsv` (made by `tests/data/regen.sh`) holds, for each case, datapath
//! actions installed with `dpctl/add-flow`, the frame injected with `netdev-dummy/receive`
//! and every frame OVS's userspace datapath then transmitted on ports 2-4 (from the dummy
//! ports' pcap files). Running the same actions on the same frame here must transmit the
//! same bytes, in the same order per port: header rewrites, checksums, VLAN/MPLS push/pop,
//! truncation, clone/sample/check_pkt_len, and the handling of truncated frames.

use dpif::{execute_to_batch, parse_actions, ExecEvent, PacketMetadata};
use packet::PacketBuf;
use std::collections::BTreeMap;

const EXEC: &str = include_str!("data/exec.tsv");

/// Cases where ferroswitch deliberately differs, with the reason. The test checks that they
/// still differ, so the list cannot go stale.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "set(ipv6(src=::1)),set(udp(src=1)),set(arp(op=2)),2",
    "OVS writes IPv6 and ARP fields into an IPv4/TCP packet at the layer-3 offset, \
     corrupting it; ferroswitch skips sets on headers the packet does not have",
)];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn executor_matches_ovs() {
    let mut failures = Vec::new();
    let mut n = 0;
    for line in EXEC.lines().filter(|l| !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [actions, input, outputs] = cols[..] else {
            panic!("bad line {line}")
        };
        n += 1;
        let mut expect: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for o in outputs.split(' ').filter(|o| !o.is_empty()) {
            let (port, hex) = o.split_once(':').unwrap();
            expect
                .entry(port.parse().unwrap())
                .or_default()
                .push(hex.to_string());
        }
        let acts = parse_actions(actions).unwrap();
        let mut pkt = PacketBuf::from_slice(&unhex(input));
        let mut md = PacketMetadata {
            in_port: 1,
            ..Default::default()
        };
        let mut rnd = || 0u32;
        let mut got: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for e in execute_to_batch(&mut pkt, &mut md, &acts, &mut rnd) {
            if let ExecEvent::Output { port, packet } = e {
                got.entry(port)
                    .or_default()
                    .push(packet.iter().map(|b| format!("{b:02x}")).collect());
            }
        }
        if let Some((_, why)) = KNOWN_DIFFERENCES.iter().find(|(a, _)| *a == actions) {
            assert_ne!(
                got, expect,
                "known difference no longer differs ({why}): {actions}"
            );
            continue;
        }
        if got != expect {
            failures.push(format!(
                "actions {actions}\n input {input}\n   ovs {expect:?}\n   got {got:?}"
            ));
        }
    }
    assert!(n >= 40, "only {n} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
