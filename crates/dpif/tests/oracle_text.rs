//! Printing and parsing of datapath actions and megaflow dump lines, against text captured
//! from Debian's Open vSwitch 3.1 (`tests/data/regen.sh` regenerates the files; OVS is not
//! needed to run these tests).

use dpif::{format_actions, format_dump_flow, format_key, parse_actions, parse_dump_flow};

const ACTIONS: &str = include_str!("data/actions.tsv");
const MEGAFLOWS: &str = include_str!("data/megaflows.txt");

fn action_samples() -> Vec<&'static str> {
    ACTIONS
        .lines()
        .filter_map(|l| l.rsplit('\t').next())
        .filter(|s| !s.is_empty())
        .collect()
}

fn megaflow_samples() -> Vec<&'static str> {
    MEGAFLOWS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

#[test]
fn enough_samples() {
    let mut a = action_samples();
    a.sort_unstable();
    a.dedup();
    assert!(a.len() >= 80, "only {} distinct action samples", a.len());
    assert!(megaflow_samples().len() >= 40);
}

#[test]
fn actions_round_trip() {
    let mut failures = Vec::new();
    for s in action_samples() {
        match parse_actions(s) {
            Ok(a) => {
                let back = format_actions(&a);
                if back != s {
                    failures.push(format!("printed {back}\n   ovs {s}"));
                }
            }
            Err(e) => failures.push(format!("parse error {e}: {s}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn megaflows_round_trip() {
    let now = 1_000_000;
    let mut failures = Vec::new();
    for s in megaflow_samples() {
        match parse_dump_flow(s, now) {
            Ok((f, layout)) => {
                let back = format_dump_flow(&f, &layout, now);
                if back != s {
                    failures.push(format!("printed {back}\n   ovs {s}"));
                }
                // The key alone, printed from the flow and mask, is the line's prefix.
                let key = format_key(&f.key, &f.mask, &layout);
                if !s.starts_with(&format!("{key}, packets:")) {
                    failures.push(format!("key {key}\n ovs {s}"));
                }
            }
            Err(e) => failures.push(format!("parse error {e}: {s}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn parsed_values_are_meaningful() {
    use dpif::{AttrKind, OdpAction};
    let a = parse_actions("push_vlan(vid=5,pcp=0),2,pop_vlan,3").unwrap();
    assert_eq!(
        a,
        vec![
            OdpAction::PushVlan {
                tpid: 0x8100,
                tci: 0x1005
            },
            OdpAction::Output(2),
            OdpAction::PopVlan,
            OdpAction::Output(3)
        ]
    );
    let a = parse_actions("set(ipv4(src=1.2.3.4/255.255.0.0,ttl=5))").unwrap();
    let OdpAction::Set(attr) = &a[0] else {
        panic!("not a set: {a:?}")
    };
    assert_eq!(attr.kind, AttrKind::Ipv4);
    assert_eq!(attr.field("src").value, 0x0102_0304);
    assert_eq!(attr.field("src").mask, 0xffff_0000);
    assert_eq!(attr.field("ttl").value, 5);
    assert_eq!(attr.field("dst").mask, 0);
    assert_eq!(parse_actions("drop").unwrap(), vec![]);

    let (f, _) = parse_dump_flow(
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth(src=50:54:00:00:00:01),eth_type(0x0800),ipv4(dst=10.0.0.2/255.255.255.0,frag=no), packets:2, bytes:108, used:0.009s, flags:S., actions:2",
        10_000,
    )
    .unwrap();
    assert_eq!(f.key.in_port(), 1);
    assert_eq!(f.key.dl_src(), 0x5054_0000_0001);
    assert_eq!(f.key.nw_dst(), 0x0a00_0002);
    assert_eq!(f.mask.get(flow::FieldId::IpDst), 0xffff_ff00);
    assert_eq!(f.mask.get(flow::FieldId::IpSrc), 0);
    assert_eq!(f.mask.get(flow::FieldId::EthDst), 0);
    assert_eq!(f.stats.packets, 2);
    assert_eq!(f.stats.bytes, 108);
    assert_eq!(f.stats.used, Some(10_000 - 9));
    assert_eq!(f.stats.tcp_flags, 0x12);
    assert_eq!(f.actions, vec![OdpAction::Output(2)]);
}

#[test]
fn format_from_flow_and_mask() {
    use flow::{FieldId, Flow, FlowWildcards};
    let mut f = Flow::new();
    let mut m = FlowWildcards::catchall();
    f.set_in_port(1);
    m.set(FieldId::InPort, 0xffff);
    m.set(FieldId::RecircId, u128::MAX);
    f.set_dl_type(0x0800);
    m.set(FieldId::EthType, 0xffff);
    m.set(FieldId::NwFrag, 3);
    f.set_nw_proto(6);
    m.set(FieldId::NwProto, 0xff);
    f.set_tp_dst(80);
    m.set(FieldId::TpDst, 0xfff0);
    let s = format_key(&f, &m, &Default::default());
    assert_eq!(
        s,
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80/0xfff0)"
    );
    // A VLAN flow nests the rest of the key in encap().
    f.set_vlan_tci(0x1000 | (3 << 13) | 10);
    m.set(FieldId::VlanTci, 0xffff);
    let s = format_key(&f, &m, &Default::default());
    assert_eq!(
        s,
        "recirc_id(0),in_port(1),packet_type(ns=0,id=0),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=80/0xfff0))"
    );
}

#[test]
fn bad_text_is_an_error() {
    for s in [
        "set(",
        "push_vlan(vid=5",
        "output(2)",
        "set(ipv4(src=1.2.3))",
        "set(bogus(1))",
        "recirc()",
        "sample(sample=200%,actions(2))",
        "userspace(pid=0,controller(reason=1))",
        "99999999999",
        "ct(nat(src=1.1.1.1-))",
        "check_pkt_len(gt(2),le(3))",
        "hash(md5(0))",
    ] {
        assert!(parse_actions(s).is_err(), "{s} parsed");
    }
    for s in [
        "in_port(1),eth(src=zz:00:00:00:00:00)",
        "in_port(70000)",
        "ipv4(frag=maybe)",
        "recirc_id(0),in_port(1),eth_type(0x0800",
    ] {
        assert!(dpif::parse_key(s).is_err(), "{s} parsed");
    }
}
