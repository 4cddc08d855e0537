//! Property tests for `flow::compose_packet`: extracting the frame composed for a flow gives
//! back exactly that flow (for every flow a frame can express), composing never panics for
//! any flow, and a flow that came out of a composed frame survives another round trip.

use flow::{compose_packet, extract, ExtraField, FieldId, Flow, Metadata, FLOW_WORDS};
use proptest::prelude::*;

fn extract_of(frame: &[u8]) -> Flow {
    let mut f = Flow::new();
    extract(frame, &Metadata::default(), &mut f);
    f
}

/// What follows the Ethernet header(s) in a generated flow.
#[derive(Clone, Debug)]
enum L3 {
    /// An EtherType with nothing behind it that extraction would interpret.
    Other(u16),
    /// 802.3 without SNAP (`dl_type` 0x05ff): composed without VLAN tags.
    Llc,
    Arp {
        rarp: bool,
        op: u8,
        sha: u64,
        spa: u32,
        tha: u64,
        tpa: u32,
    },
    Mpls {
        mcast: bool,
        lses: Vec<u32>,
    },
    Ip(Ip),
}

#[derive(Clone, Debug)]
struct Ip {
    v6: bool,
    src: u128,
    dst: u128,
    label: u32,
    tos: u8,
    ttl: u8,
    /// 0, 1 (first fragment) or 3 (later fragment); IPv6 frames carry no fragment header,
    /// so only 0 is generated for them.
    frag: u8,
    proto: u8,
    tp_src: u16,
    tp_dst: u16,
    tcp_flags: u16,
    /// IGMP group or ND reserved word.
    word: u32,
    nd_target: u128,
    sll: u64,
    tll: u64,
}

fn mac() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), any::<u64>().prop_map(|v| v & 0xffff_ffff_ffff)]
}

fn other_ethertype() -> impl Strategy<Value = u16> {
    (0x0600u16..=0xffff).prop_filter("ethertype with a meaning to extraction", |t| {
        !matches!(
            t,
            0x0800 | 0x86dd | 0x0806 | 0x8035 | 0x8847 | 0x8848 | 0x8100 | 0x88a8
        )
    })
}

fn arp() -> impl Strategy<Value = L3> {
    (
        any::<bool>(),
        prop_oneof![Just(1u8), Just(2u8), any::<u8>()],
        mac(),
        any::<u32>(),
        mac(),
        any::<u32>(),
    )
        .prop_map(|(rarp, op, sha, spa, tha, tpa)| {
            // Addresses are only sent for a request or a reply.
            let keep = op == 1 || op == 2;
            L3::Arp {
                rarp,
                op,
                sha: if keep { sha } else { 0 },
                spa: if keep { spa } else { 0 },
                tha: if keep { tha } else { 0 },
                tpa: if keep { tpa } else { 0 },
            }
        })
}

fn mpls() -> impl Strategy<Value = L3> {
    (
        any::<bool>(),
        1usize..=3,
        prop::collection::vec(any::<u32>(), 3),
        any::<bool>(),
    )
        .prop_map(|(mcast, depth, raw, last_bos)| {
            let mut lses: Vec<u32> = raw.into_iter().take(depth).map(|l| l & !0x100).collect();
            if let Some(last) = lses.last_mut() {
                // A stack of three may lack a bottom of stack: nothing more is sent anyway.
                if depth < 3 || last_bos {
                    *last |= 0x100;
                }
            }
            L3::Mpls { mcast, lses }
        })
}

fn ip() -> impl Strategy<Value = L3> {
    let proto = prop_oneof![
        Just(6u8),
        Just(17),
        Just(132),
        Just(1),
        Just(2),
        Just(58),
        any::<u8>(),
    ];
    let v6 = any::<bool>();
    (
        (
            v6,
            any::<u128>(),
            any::<u128>(),
            0u32..0x10_0000,
            any::<u8>(),
        ),
        (any::<u8>(), prop_oneof![Just(0u8), Just(1), Just(3)], proto),
        (any::<u16>(), any::<u16>(), 0u16..0x1000, any::<u32>()),
        (
            prop_oneof![Just(135u8), Just(136), any::<u8>()],
            any::<u128>(),
            mac(),
            mac(),
        ),
    )
        .prop_filter_map(
            "IPv6 extension header as protocol",
            |((v6, src, dst, label, tos), (ttl, frag, proto), (sp, dp, flags, word), nd)| {
                if v6 && matches!(proto, 0 | 43 | 44 | 51 | 60) {
                    return None;
                }
                let frag = if v6 { 0 } else { frag };
                let mut ip = Ip {
                    v6,
                    src: if v6 { src } else { src & 0xffff_ffff },
                    dst: if v6 { dst } else { dst & 0xffff_ffff },
                    label: if v6 { label } else { 0 },
                    tos,
                    ttl,
                    frag,
                    proto,
                    tp_src: 0,
                    tp_dst: 0,
                    tcp_flags: 0,
                    word: 0,
                    nd_target: 0,
                    sll: 0,
                    tll: 0,
                };
                if frag == 3 {
                    return Some(L3::Ip(ip)); // no layer 4 in a later fragment
                }
                match proto {
                    6 => {
                        (ip.tp_src, ip.tp_dst, ip.tcp_flags) = (sp, dp, flags);
                    }
                    17 | 132 => (ip.tp_src, ip.tp_dst) = (sp, dp),
                    1 => (ip.tp_src, ip.tp_dst) = (sp & 0xff, dp & 0xff),
                    2 => {
                        (ip.tp_src, ip.tp_dst, ip.word) = (sp & 0xff, dp & 0xff, word);
                    }
                    58 => {
                        let (ty, target, sll, tll) = nd;
                        let code = if dp % 4 == 0 { 0 } else { dp & 0xff };
                        (ip.tp_src, ip.tp_dst) = (u16::from(ty), code);
                        if matches!(ty, 135 | 136) && code == 0 {
                            (ip.word, ip.nd_target, ip.sll, ip.tll) = (word, target, sll, tll);
                        }
                    }
                    _ => {}
                }
                Some(L3::Ip(ip))
            },
        )
}

fn l3() -> impl Strategy<Value = L3> {
    prop_oneof![
        other_ethertype().prop_map(L3::Other),
        Just(L3::Llc),
        arp(),
        mpls(),
        ip(),
        ip(),
        ip(),
    ]
}

/// A VLAN tag, if any: (TCI with the present bit, whether the TPID is 802.1ad).
type Tag = Option<(u16, bool)>;

fn tag() -> impl Strategy<Value = Tag> {
    prop_oneof![
        Just(None),
        (any::<u16>(), any::<bool>()).prop_map(|(tci, ad)| Some((tci | 0x1000, ad))),
    ]
}

/// Builds the flow described by the generated parts.
fn build(dst: u64, src: u64, tags: (Tag, Tag), l3: &L3) -> Flow {
    let mut f = Flow::new();
    f.set_dl_dst(dst);
    f.set_dl_src(src);
    // An inner tag is only extracted behind an outer one; 802.3 frames carry no tags.
    let (outer, inner) = match (l3, tags.0) {
        (L3::Llc, _) | (_, None) => (None, None),
        (_, Some(o)) => (Some(o), tags.1),
    };
    if let Some((tci, ad)) = outer {
        f.set_vlan_tci(tci);
        f.set_vlan_tpid(0, if ad { 0x88a8 } else { 0x8100 });
    }
    if let Some((tci, ad)) = inner {
        f.set_vlan_tci1(tci);
        f.set_vlan_tpid(1, if ad { 0x88a8 } else { 0x8100 });
    }
    match l3 {
        L3::Other(t) => f.set_dl_type(*t),
        L3::Llc => f.set_dl_type(0x05ff),
        L3::Arp {
            rarp,
            op,
            sha,
            spa,
            tha,
            tpa,
        } => {
            f.set_dl_type(if *rarp { 0x8035 } else { 0x0806 });
            f.set(FieldId::ArpOp, u128::from(*op));
            f.set(FieldId::ArpSha, u128::from(*sha));
            f.set(FieldId::ArpSpa, u128::from(*spa));
            f.set(FieldId::ArpTha, u128::from(*tha));
            f.set(FieldId::ArpTpa, u128::from(*tpa));
        }
        L3::Mpls { mcast, lses } => {
            f.set_dl_type(if *mcast { 0x8848 } else { 0x8847 });
            for (i, lse) in lses.iter().enumerate() {
                f.set_mpls_lse(i, *lse);
            }
        }
        L3::Ip(ip) => {
            if ip.v6 {
                f.set_dl_type(0x86dd);
                f.set_ipv6_src(ip.src);
                f.set_ipv6_dst(ip.dst);
                f.set(FieldId::Ipv6Label, u128::from(ip.label));
                // ESP and "no next header" show in the OpenFlow extension-header summary.
                let exthdr = match ip.proto {
                    50 => 0x2,
                    59 => 0x1,
                    _ => 0,
                };
                f.set(FieldId::Ipv6Exthdr, exthdr);
            } else {
                f.set_dl_type(0x0800);
                f.set_nw_src(ip.src as u32);
                f.set_nw_dst(ip.dst as u32);
            }
            f.set(FieldId::NwTos, u128::from(ip.tos));
            f.set(FieldId::NwEcn, u128::from(ip.tos));
            f.set_nw_ttl(ip.ttl);
            f.set_nw_frag(ip.frag);
            f.set_nw_proto(ip.proto);
            f.set_tp_src(ip.tp_src);
            f.set_tp_dst(ip.tp_dst);
            f.set_tcp_flags(ip.tcp_flags);
            f.set_igmp_group_ip4(ip.word);
            f.set(FieldId::NdTarget, ip.nd_target);
            f.set(FieldId::NdSll, u128::from(ip.sll));
            f.set(FieldId::NdTll, u128::from(ip.tll));
            if ip.proto == 58 && ip.tp_dst == 0 && matches!(ip.tp_src, 135 | 136) {
                // The type of the first link-layer option: source first, as composed.
                let first = if ip.sll != 0 {
                    1
                } else if ip.tll != 0 {
                    2
                } else {
                    0
                };
                f.set_nd_options_type(first);
            }
        }
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn extract_gives_back_the_flow(
        dst in mac(),
        src in mac(),
        tags in (tag(), tag()),
        l3 in l3(),
        l7 in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        let flow = build(dst, src, tags, &l3);
        let frame = compose_packet(&flow, &l7);
        let back = extract_of(&frame);
        prop_assert_eq!(back, flow, "frame {:02x?}", frame);
    }

    #[test]
    fn any_flow_composes_and_round_trips_after_one_extraction(
        words in prop::collection::vec(any::<u64>(), FLOW_WORDS),
        dl_type in prop_oneof![
            Just(0x0800u16), Just(0x86dd), Just(0x0806), Just(0x8035), Just(0x8847),
            Just(0x8848), Just(0x05ff), any::<u16>(),
        ],
        l7 in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        let mut w = [0u64; FLOW_WORDS];
        w.copy_from_slice(&words);
        let mut flow = Flow::from_words(w);
        flow.set_dl_type(dl_type);
        let frame = compose_packet(&flow, &l7);
        prop_assert!(frame.len() >= 14);
        // The flow a composed frame yields is one a frame can express: composing it again
        // and extracting gives the same flow.
        // The one exception: an 802.3 frame is composed without its VLAN tags (as in OVS).
        let once = extract_of(&frame);
        let again = extract_of(&compose_packet(&once, &l7));
        let mut expected = once;
        if once.dl_type() == 0x05ff {
            expected.set_vlan_tci(0);
            expected.set_vlan_tci1(0);
            expected.set_extra(ExtraField::VlanTpids, 0);
        }
        prop_assert_eq!(again, expected);
    }
}
