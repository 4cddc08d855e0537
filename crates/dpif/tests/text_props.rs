//! Properties of the text codecs: no input makes a parser panic, and printing a key from any
//! flow and mask, parsing it and printing again gives the same text.

use dpif::{format_key, parse_actions, parse_dump_flow, parse_key, KeyLayout};
use flow::{FieldId, Flow, FlowWildcards};
use proptest::prelude::*;

const KEY_FIELDS: &[FieldId] = &[
    FieldId::SkbPriority,
    FieldId::PktMark,
    FieldId::CtState,
    FieldId::CtZone,
    FieldId::CtMark,
    FieldId::CtLabel,
    FieldId::RecircId,
    FieldId::DpHash,
    FieldId::InPort,
    FieldId::EthSrc,
    FieldId::EthDst,
    FieldId::VlanTci,
    FieldId::IpSrc,
    FieldId::IpDst,
    FieldId::Ipv6Src,
    FieldId::Ipv6Dst,
    FieldId::Ipv6Label,
    FieldId::NwTos,
    FieldId::NwEcn,
    FieldId::NwTtl,
    FieldId::NwFrag,
    FieldId::TpSrc,
    FieldId::TpDst,
    FieldId::TcpFlags,
    FieldId::ArpOp,
    FieldId::ArpSpa,
    FieldId::ArpTpa,
    FieldId::ArpSha,
    FieldId::ArpTha,
    FieldId::NdTarget,
    FieldId::NdSll,
    FieldId::NdTll,
    FieldId::MplsLabel,
    FieldId::MplsTc,
    FieldId::MplsBos,
    FieldId::MplsTtl,
];

fn arb_flow() -> impl Strategy<Value = (Flow, FlowWildcards, KeyLayout)> {
    let dl_types = prop_oneof![
        Just(0x0800u16),
        Just(0x86dd),
        Just(0x0806),
        Just(0x8035),
        Just(0x8847),
        Just(0x1234),
    ];
    let protos = prop_oneof![Just(6u8), Just(17), Just(132), Just(1), Just(58), Just(47)];
    (
        dl_types,
        protos,
        proptest::collection::vec(
            (any::<u128>(), any::<u128>(), any::<bool>()),
            KEY_FIELDS.len(),
        ),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(dl, proto, vals, pt, eth_explicit, exact_types)| {
            let mut f = Flow::new();
            let mut m = FlowWildcards::catchall();
            for (id, (v, mk, full)) in KEY_FIELDS.iter().zip(vals) {
                f.set(*id, v);
                m.set(*id, if full { u128::MAX } else { mk });
            }
            f.set(FieldId::EthType, u128::from(dl));
            f.set(FieldId::NwProto, u128::from(proto));
            if exact_types {
                m.set(FieldId::EthType, 0xffff);
                m.set(FieldId::NwProto, 0xff);
            }
            let layout = KeyLayout {
                packet_type: pt.then_some((0, 0)),
                eth_explicit,
            };
            (f, m, layout)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn parsers_never_panic(s in "\\PC{0,80}") {
        let _ = parse_actions(&s);
        let _ = parse_key(&s);
        let _ = parse_dump_flow(&s, 0);
    }

    #[test]
    fn parsers_never_panic_on_near_misses(
        base in proptest::sample::select(vec![
            "set(ipv4(src=1.2.3.4/255.255.0.0,ttl=5)),2",
            "userspace(pid=0,controller(reason=1,dont_send=0,continuation=0,recirc_id=2,rule_cookie=0,controller_id=0,max_len=65535))",
            "ct(commit,nat(src=[2001:db8::1]-[2001:db8::5]:1024-2048,random)),2",
            "sample(sample=50.0%,actions(userspace(pid=0,flow_sample(probability=32768,collector_set_id=1,obs_domain_id=2,obs_point_id=3,output_port=4294967295)))),2",
            "recirc_id(0),in_port(1),eth_type(0x8100),vlan(vid=10/0xff0,pcp=0/0x1),encap(eth_type(0x86dd),ipv6(frag=no)), packets:0, bytes:0, used:never, actions:2",
            "recirc_id(0),in_port(1),eth(),eth_type(0x8848),mpls(label=7/0xff,tc=1/7,ttl=64/0xff,bos=1/1), packets:0, bytes:0, used:0.001s, flags:S., actions:2",
        ]),
        cut in any::<usize>(),
        pos in any::<usize>(),
        ch in proptest::sample::select(vec!['(', ')', ',', '/', '=', '[', ']', ':', '-', '+', '0', 'x', ' ']),
    ) {
        let mut s: Vec<char> = base.chars().collect();
        let n = s.len();
        s.insert(pos % (n + 1), ch);
        s.truncate(cut % (n + 2));
        let s: String = s.into_iter().collect();
        let _ = parse_actions(&s);
        let _ = parse_key(&s);
        let _ = parse_dump_flow(&s, 0);
    }

    #[test]
    fn key_text_round_trips((f, m, layout) in arb_flow()) {
        let s1 = format_key(&f, &m, &layout);
        let (f2, m2, l2) = parse_key(&s1).map_err(|e| TestCaseError::fail(format!("{s1}: {e}")))?;
        let s2 = format_key(&f2, &m2, &l2);
        prop_assert_eq!(&s1, &s2);
    }
}
