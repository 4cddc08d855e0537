//! Round trips of the flow-carrying messages in every version and raw
//! form, and property tests of the match codecs: arbitrary bytes never make
//! a decoder panic, and every valid match survives encode -> decode in NXM
//! and every OXM version (and in OF1.0 / OF1.1 whenever those can express
//! it).

mod common;

use flow::{FieldId as F, Match};
use openflow::msgs::flow::{
    AggregateStats, FlowMod, FlowRemoved, FlowStats, FlowStatsRequest, PacketIn, PacketOut,
    RawActions, OFPG_ANY,
};
use openflow::msgs::group::{Bucket, BucketCounter, GroupDesc, GroupMod, GroupStats};
use openflow::msgs::ofpp;
use openflow::octets::{Reader, Writer};
use openflow::ofmatch::{self, usable_protocols, Dialect, Protocols};
use openflow::raw::{MsgType, RawCode, RawId};
use openflow::{Message, OfpMsg, Version};
use proptest::prelude::*;

fn m(s: &str) -> Match {
    flow::parse_match(s, None).unwrap()
}

/// An OF1.0 output:1 action, or an OF1.1+ apply_actions(output:1).
fn actions(v: Version, instructions: bool) -> RawActions {
    let bytes = if v == Version::Of10 {
        vec![0, 0, 0, 8, 0, 1, 0, 0]
    } else {
        let out = [0u8, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        if instructions {
            let mut b = vec![0, 4, 0, 24, 0, 0, 0, 0];
            b.extend_from_slice(&out);
            b
        } else {
            out.to_vec()
        }
    };
    RawActions { version: v, bytes }
}

fn nx_raw(ty: MsgType) -> RawId {
    RawId::all()
        .find(|id| {
            id.entry().ty == ty
                && matches!(
                    id.entry().code,
                    RawCode::Vendor { vendor: 0x2320, .. }
                        | RawCode::VendorStats { vendor: 0x2320, .. }
                )
                && id.entry().name != "NXT_PACKET_IN2"
        })
        .unwrap()
}

fn roundtrip(name: &str, msg: OfpMsg) {
    let bytes = msg
        .encode()
        .unwrap_or_else(|e| panic!("{name}: encode: {e}"));
    let back = OfpMsg::decode(&bytes).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
    let mut want = msg.clone();
    want.raw = back.raw;
    assert_eq!(back, want, "{name}");
    assert_eq!(back.encode().unwrap(), bytes, "{name}: re-encode");
}

fn flow_mod(v: Version, nx: bool) -> FlowMod {
    let std11 = v >= Version::Of11 && !nx;
    FlowMod {
        cookie: 0x1234,
        cookie_mask: if std11 || nx { 0xff } else { 0 },
        match_cookie: if nx { 0x34 } else { 0 },
        table_id: if std11 { 3 } else { 0 },
        command: 3,
        idle_timeout: 5,
        hard_timeout: 10,
        priority: 7,
        buffer_id: 0xffff_ffff,
        out_port: 4,
        out_group: if std11 { 9 } else { OFPG_ANY },
        flags: 1,
        importance: if v >= Version::Of14 && !nx { 3 } else { 0 },
        match_: m(if v == Version::Of10 && !nx || v == Version::Of11 {
            "tcp,nw_src=10.0.0.0/8,tp_dst=80"
        } else {
            "tcp6,ipv6_src=::1/64,tp_dst=80,reg3=5"
        }),
        actions: actions(v, std11),
    }
}

fn with_raw(mut msg: OfpMsg, raw: Option<RawId>) -> OfpMsg {
    msg.raw = raw;
    msg
}

#[test]
fn flow_messages_round_trip() {
    for v in Version::ALL {
        for nx in [false, true] {
            let name = format!("{v} nx={nx}");
            let raw = |ty| nx.then(|| nx_raw(ty));
            // Nicira statistics exist in OpenFlow 1.0 only.
            let nxst = nx && v == Version::Of10;
            let sraw = |ty| nxst.then(|| nx_raw(ty));
            let skip_stats = nx && !nxst;
            let mk = |body| with_raw(OfpMsg::new(v, 7, body), None);
            roundtrip(
                &format!("flow_mod {name}"),
                with_raw(mk(Message::FlowMod(flow_mod(v, nx))), raw(MsgType::FlowMod)),
            );
            let std11 = v >= Version::Of11 && !nx;
            let fm = flow_mod(v, nx);
            {
                let fr = FlowRemoved {
                    match_: fm.match_,
                    cookie: 9,
                    priority: 100,
                    reason: 2,
                    table_id: if v == Version::Of10 && !nx { 0 } else { 4 },
                    duration_sec: 10,
                    duration_nsec: 20,
                    idle_timeout: 30,
                    hard_timeout: if std11 { 40 } else { 0 },
                    packet_count: 50,
                    byte_count: 60,
                };
                roundtrip(
                    &format!("flow_removed {name}"),
                    with_raw(mk(Message::FlowRemoved(fr)), raw(MsgType::FlowRemoved)),
                );
            }
            if !skip_stats {
                let fs = FlowStats {
                    table_id: 2,
                    match_: fm.match_,
                    duration_sec: 1,
                    duration_nsec: 2,
                    priority: 3,
                    idle_timeout: 4,
                    hard_timeout: 5,
                    flags: if v >= Version::Of13 && !nx { 1 } else { 0 },
                    importance: if v >= Version::Of14 && !nx { 6 } else { 0 },
                    idle_age: if nxst { 7 } else { 0 },
                    hard_age: if nxst { 8 } else { 0 },
                    cookie: 9,
                    packet_count: 10,
                    byte_count: 11,
                    actions: actions(v, std11),
                };
                let mut fs2 = fs.clone();
                fs2.actions.bytes.clear();
                roundtrip(
                    &format!("flow stats reply {name}"),
                    with_raw(
                        mk(Message::FlowStatsReply(vec![fs, fs2])),
                        sraw(MsgType::FlowStatsReply),
                    ),
                );
                let agg = AggregateStats {
                    packet_count: 1,
                    byte_count: 2,
                    flow_count: 3,
                };
                roundtrip(
                    &format!("aggregate reply {name}"),
                    with_raw(
                        mk(Message::AggregateReply(agg)),
                        sraw(MsgType::AggregateReply),
                    ),
                );
            }
            if !skip_stats {
                let q = FlowStatsRequest {
                    table_id: 0xff,
                    out_port: if v == Version::Of10 || nx {
                        ofpp::ANY
                    } else {
                        5
                    },
                    out_group: if std11 { 6 } else { OFPG_ANY },
                    cookie: if std11 { 7 } else { 0 },
                    cookie_mask: if std11 { 0xf } else { 0 },
                    match_: fm.match_,
                };
                roundtrip(
                    &format!("flow stats request {name}"),
                    with_raw(
                        mk(Message::FlowStatsRequest(q.clone())),
                        sraw(MsgType::FlowStatsRequest),
                    ),
                );
                roundtrip(
                    &format!("aggregate request {name}"),
                    with_raw(
                        mk(Message::AggregateRequest(q)),
                        sraw(MsgType::AggregateRequest),
                    ),
                );
            }
            let pmeta = if !nx && v <= Version::Of11 {
                m("in_port=3")
            } else {
                m("in_port=3,tun_id=0x55,reg0=1,metadata=0x9")
            };
            let pi = PacketIn {
                buffer_id: 0xffff_ffff,
                total_len: 64,
                reason: 1,
                table_id: if v == Version::Of10 && !nx { 0 } else { 2 },
                cookie: if nx || v >= Version::Of13 { 0xabc } else { 0 },
                in_phy_port: if v == Version::Of11 && !nx { 3 } else { 0 },
                match_: pmeta,
                data: (0..64).collect(),
            };
            roundtrip(
                &format!("packet_in {name}"),
                with_raw(mk(Message::PacketIn(pi)), raw(MsgType::PacketIn)),
            );
            if !nx {
                let po = PacketOut {
                    buffer_id: 0xffff_ffff,
                    match_: if v >= Version::Of15 {
                        m("in_port=3,metadata=0x1")
                    } else {
                        m("in_port=LOCAL")
                    },
                    actions: actions(v, false),
                    data: vec![1, 2, 3, 4, 5],
                };
                roundtrip(&format!("packet_out {name}"), mk(Message::PacketOut(po)));
            }
            if !nx && v >= Version::Of11 && v < Version::Of15 {
                let buckets = vec![
                    Bucket {
                        bucket_id: 0,
                        weight: 5,
                        watch_port: 1,
                        watch_group: 0xffff_ffff,
                        actions: actions(v, false),
                    },
                    Bucket {
                        bucket_id: 0,
                        weight: 0,
                        watch_port: 0xffff_ffff,
                        watch_group: 2,
                        actions: RawActions::empty(v),
                    },
                ];
                let gm = GroupMod {
                    command: 1,
                    group_type: 1,
                    group_id: 77,
                    buckets: buckets.clone(),
                    command_bucket_id: 0,
                    props: vec![],
                };
                roundtrip(&format!("group_mod {name}"), mk(Message::GroupMod(gm)));
                roundtrip(
                    &format!("group desc req {name}"),
                    mk(Message::GroupDescRequest {
                        group_id: 0xffff_fffc,
                    }),
                );
                let gd = GroupDesc {
                    group_type: 3,
                    group_id: 78,
                    buckets,
                    props: vec![],
                };
                roundtrip(
                    &format!("group desc {name}"),
                    mk(Message::GroupDescReply(vec![gd])),
                );
            }
            if !nx && v >= Version::Of11 {
                roundtrip(
                    &format!("group stats req {name}"),
                    mk(Message::GroupStatsRequest {
                        group_id: 0xffff_fffc,
                    }),
                );
                let gs = GroupStats {
                    group_id: 1,
                    ref_count: 2,
                    packet_count: 3,
                    byte_count: 4,
                    duration_sec: if v >= Version::Of13 { 5 } else { 0 },
                    duration_nsec: if v >= Version::Of13 { 6 } else { 0 },
                    buckets: vec![BucketCounter {
                        packet_count: 7,
                        byte_count: 8,
                    }],
                };
                roundtrip(
                    &format!("group stats {name}"),
                    mk(Message::GroupStatsReply(vec![gs])),
                );
            }
        }
    }
}

#[test]
fn default_flow_mods_match_ovs() {
    // ovs-ofctl's "del-flows" (OF1.3) and "add-flow ...,actions=drop" (OF1.0).
    let del = OfpMsg::new(
        Version::Of13,
        2,
        Message::FlowMod(FlowMod::new(Version::Of13, 3, Match::catchall())),
    );
    assert_eq!(
        common::hex(&del.encode().unwrap()),
        "040e00380000000200000000000000000000000000000000ff03000000008000ffffffffffffffffffffffff000000000001000400000000"
    );
    let add = OfpMsg::new(
        Version::Of10,
        2,
        Message::FlowMod(FlowMod::new(Version::Of10, 0, m("ip"))),
    );
    assert_eq!(
        common::hex(&add.encode().unwrap()),
        "010e004800000002003820ef00000000000000000000000000000000000008000000000000000000000000000000000000000000000000000000000000008000ffffffffffff0000"
    );
}

#[test]
fn flow_mod_errors_are_ovs_errors() {
    let fm = OfpMsg::new(
        Version::Of13,
        1,
        Message::FlowMod(flow_mod(Version::Of13, false)),
    );
    let mut b = fm.encode().unwrap();
    // Command 5 is unknown.
    b[25] = 5;
    assert_eq!(
        OfpMsg::decode(&b).unwrap_err().ofperr(),
        openflow::OfpErr::OFPFMFC_BAD_COMMAND
    );
    // Adding to table 255.
    b[24] = 0xff;
    b[25] = 0;
    assert_eq!(
        OfpMsg::decode(&b).unwrap_err().ofperr(),
        openflow::OfpErr::OFPFMFC_BAD_TABLE_ID
    );
}

/// A random match that the `flow` crate considers valid.
fn arb_match() -> impl Strategy<Value = Match> {
    let base = prop_oneof![
        Just(""),
        Just("ip"),
        Just("ipv6"),
        Just("tcp"),
        Just("udp"),
        Just("sctp"),
        Just("tcp6"),
        Just("udp6"),
        Just("icmp"),
        Just("icmp6"),
        Just("arp"),
        Just("mpls"),
    ];
    (
        base,
        any::<[u64; 4]>(),
        any::<[u32; 4]>(),
        any::<[u16; 4]>(),
        any::<u8>(),
        any::<u128>(),
        any::<u8>(),
    )
        .prop_map(|(base, w64, w32, w16, sel, w128, sel2)| {
            let mut mt = if base.is_empty() {
                Match::catchall()
            } else {
                flow::parse_match(base, None).unwrap()
            };
            let bit = |i: u8| sel & (1 << i) != 0;
            if bit(0) {
                mt.set_raw(F::InPort, u128::from(w16[0]), 0xffff);
            }
            if bit(1) {
                mt.set_raw(F::EthSrc, u128::from(w64[0]), u128::from(w64[1] | 1));
            }
            if bit(2) {
                mt.set_raw(F::Metadata, u128::from(w64[2]), u128::from(w64[3]));
                mt.set_raw(F::Reg3, u128::from(w32[0]), u128::from(w32[1]));
            }
            if bit(3) {
                mt.set_raw(F::TunId, u128::from(w64[1]), u128::MAX);
                mt.set_raw(F::PktMark, u128::from(w32[2]), u128::from(w32[3]));
            }
            if bit(4) {
                mt.set_raw(F::VlanTci, u128::from(w16[1] | 0x1000), 0xffff);
            }
            let dl = mt.exact_value(F::EthType);
            let proto = mt.exact_value(F::NwProto);
            if bit(5) {
                match dl {
                    Some(0x0800) => {
                        mt.set_raw(F::IpSrc, u128::from(w32[0]), u128::from(w32[1]));
                        mt.set_raw(F::NwTos, u128::from(w16[2]), 0xfc);
                    }
                    Some(0x86dd) => {
                        mt.set_raw(F::Ipv6Src, w128, w128.rotate_left(7));
                        mt.set_raw(F::Ipv6Label, u128::from(w32[2]), 0xfffff);
                    }
                    Some(0x0806) => {
                        mt.set_raw(F::ArpSpa, u128::from(w32[0]), u128::MAX);
                        mt.set_raw(F::ArpSha, u128::from(w64[0]), u128::from(w64[2]));
                        mt.set_raw(F::ArpOp, u128::from(w16[3] & 0xff), 0xffff);
                    }
                    Some(0x8847) => {
                        mt.set_raw(F::MplsLabel, u128::from(w32[0]), 0xfffff);
                        mt.set_raw(F::MplsTc, u128::from(w32[1]), 7);
                    }
                    _ => {}
                }
            }
            if bit(6) {
                match proto {
                    Some(6) | Some(17) | Some(132) => {
                        mt.set_raw(F::TpSrc, u128::from(w16[2]), u128::from(w16[3]));
                        mt.set_raw(F::TpDst, u128::from(w16[3]), 0xffff);
                    }
                    Some(1) | Some(58) => {
                        mt.set_raw(F::TpSrc, u128::from(w16[2] & 0xff), 0xffff);
                        mt.set_raw(F::TpDst, u128::from(w16[3] & 0xff), 0xffff);
                    }
                    _ => {}
                }
                if proto == Some(6) {
                    mt.set_raw(F::TcpFlags, u128::from(w16[0]), u128::from(w16[1]));
                }
            }
            if bit(7) {
                mt.set_raw(F::CtMark, u128::from(w32[3]), u128::from(w32[0]));
                mt.set_raw(F::CtZone, u128::from(w16[0]), 0xffff);
            }
            let bit2 = |i: u8| sel2 & (1 << i) != 0;
            let ip = matches!(dl, Some(0x0800) | Some(0x86dd));
            if bit2(0) && ip {
                // The fragment forms the parser produces.
                let (v, m) = [(0, 1), (1, 1), (1, 3), (3, 3), (0, 2)][usize::from(sel2 >> 5) % 5];
                mt.set_raw(F::NwFrag, v, m);
                mt.set_raw(F::NwTtl, u128::from(w16[1] & 0xff), 0xff);
                mt.set_raw(F::NwEcn, u128::from(w16[2] & 3), 3);
            }
            if bit2(1) {
                mt.set_raw(F::CtState, 0x20, 0x30);
                if dl == Some(0x0800) {
                    mt.set_raw(F::CtNwSrc, u128::from(w32[1]), u128::from(w32[2]));
                }
                if proto.is_some() {
                    mt.set_raw(F::CtNwProto, 6, 0xff);
                    mt.set_raw(F::CtTpDst, u128::from(w16[1]), u128::from(w16[2]));
                }
                mt.set_raw(F::CtLabel, w128, w128.rotate_right(9));
            }
            if bit2(2) {
                mt.set_raw(F::TunFlags, 1, 1);
                mt.set_raw(F::TunSrc, u128::from(w32[0]), u128::from(w32[3]));
                mt.set_raw(F::TunIpv6Dst, w128, u128::MAX);
                mt.set_raw(F::RecircId, u128::from(w32[1]), u128::MAX);
                mt.set_raw(F::DpHash, u128::from(w32[2]), u128::from(w32[3]));
                mt.set_raw(F::ConjId, u128::from(w32[0]), u128::MAX);
            }
            if bit2(3) {
                mt.set_raw(F::ActsetOutput, u128::from(w16[0]), 0xffff);
                mt.set_raw(F::Reg15, u128::from(w32[0]), u128::MAX);
                mt.set_raw(F::Reg0, u128::from(w32[1]), 0xff00);
            }
            if bit2(4) {
                // No 802.1Q header, or a VID with or without PCP.
                match sel2 >> 6 {
                    0 => mt.set_raw(F::VlanTci, 0, 0xffff),
                    1 => mt.set_raw(F::VlanTci, u128::from(w16[1] | 0x1000), 0x1fff),
                    2 => mt.set_raw(F::VlanTci, u128::from(w16[1] | 0x1000), 0xf000),
                    _ => mt.set_raw(F::VlanTci, u128::from(w16[1]), u128::from(w16[2])),
                }
            }
            if bit2(5) && dl == Some(0x86dd) && proto == Some(58) {
                let ty = if sel2 & 0x80 != 0 { 135 } else { 136 };
                mt.set_raw(F::TpSrc, ty, 0xffff);
                mt.set_raw(F::TpDst, 0, 0xffff);
                mt.set_raw(F::NdTarget, w128, u128::MAX);
                let ll = if ty == 135 { F::NdSll } else { F::NdTll };
                mt.set_raw(ll, u128::from(w64[0]), u128::from(w64[1]));
            }
            mt
        })
}

proptest! {
    #[test]
    fn valid_matches_round_trip(mt in arb_match()) {
        let usable = usable_protocols(&mt);
        // NXM expresses every match the flow crate models; OXM too, except
        // VLAN PCP bits without a present 802.1Q header (OXM's vlan_pcp
        // needs vlan_vid with OFPVID_PRESENT) or partial PCP masks.
        prop_assert!(usable.contains(Protocols::OF10_NXM), "{}", flow::format_match(&mt, None));
        let (tci, tm) = mt.get(F::VlanTci);
        let untagged = tm & 0x1000 != 0 && tci == 0;
        let oxm_vlan = untagged
            || tm & 0xe000 == 0
            || (tm & 0xe000 == 0xe000 && tm & 0x1000 != 0 && tci & 0x1000 != 0);
        if oxm_vlan {
            prop_assert!(usable.contains(Protocols::ANY_OXM), "{}", flow::format_match(&mt, None));
        }
        let dialects = if oxm_vlan && !untagged {
            vec![Dialect::Nxm, Dialect::Oxm(Version::Of12), Dialect::Oxm(Version::Of13),
                 Dialect::Oxm(Version::Of15)]
        } else {
            vec![Dialect::Nxm]
        };
        for d in dialects {
            let mut w = Writer::new();
            ofmatch::encode_nxm(&mt, d, &mut w);
            let back = ofmatch::decode_nxm(w.as_slice(), true);
            prop_assert_eq!(back.ok(), Some(mt));
        }
        if usable.contains(Protocols::OF10_STD) {
            let mut w = Writer::new();
            ofmatch::encode_of10(&mt, &mut w);
            prop_assert_eq!(ofmatch::decode_of10(&mut Reader::new(w.as_slice())).ok(), Some(mt));
        }
        // A flow_mod carrying it round-trips in every usable protocol.
        for (v, p) in [(Version::Of10, Protocols::OF10_STD), (Version::Of11, Protocols::OF11_STD),
                       (Version::Of13, Protocols::OF13_OXM), (Version::Of15, Protocols::OF15_OXM)] {
            if usable.contains(p) {
                let mut fm = flow_mod(v, false);
                fm.match_ = mt;
                let msg = OfpMsg::new(v, 1, Message::FlowMod(fm));
                let bytes = msg.encode().unwrap();
                let back = OfpMsg::decode(&bytes).unwrap();
                prop_assert_eq!(back.encode().unwrap(), bytes);
            }
        }
    }

    #[test]
    fn match_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = ofmatch::decode_nxm(&bytes, true);
        let _ = ofmatch::decode_nxm(&bytes, false);
        let _ = ofmatch::decode_oxm_match(&mut Reader::new(&bytes), true);
        let _ = ofmatch::decode_of10(&mut Reader::new(&bytes));
        let _ = ofmatch::decode_of11(&mut Reader::new(&bytes));
    }

    #[test]
    fn nxm_entries_never_panic(
        entries in proptest::collection::vec(
            (prop_oneof![Just(0u16), Just(1), Just(0x8000), Just(0x8001), Just(0xffff)],
             0u8..128, any::<bool>(), proptest::collection::vec(any::<u8>(), 0..20)),
            0..8),
    ) {
        // Plausible headers with random payloads exercise the field checks.
        let mut b = Vec::new();
        for (class, field, hm, payload) in entries {
            let h = (u32::from(class) << 16) | (u32::from(field) << 9) | (u32::from(hm) << 8)
                | payload.len() as u32;
            b.extend_from_slice(&h.to_be_bytes());
            b.extend_from_slice(&payload);
        }
        if let Ok(mt) = ofmatch::decode_nxm(&b, true) {
            let mut w = Writer::new();
            ofmatch::encode_nxm(&mt, Dialect::Nxm, &mut w);
            let _ = ofmatch::decode_nxm(w.as_slice(), true);
        }
    }

    #[test]
    fn flow_messages_never_panic(
        version in 1u8..=6,
        ty in prop_oneof![Just(10u8), Just(11), Just(13), Just(14), Just(15)],
        body in proptest::collection::vec(any::<u8>(), 0..240),
    ) {
        let len = 8 + body.len();
        let mut b = vec![version, ty, (len >> 8) as u8, len as u8, 0, 0, 0, 1];
        b.extend_from_slice(&body);
        if let Ok(msg) = OfpMsg::decode(&b) {
            let _ = openflow::print::ofp_to_string(&b);
            if let Ok(once) = msg.encode() {
                let again = OfpMsg::decode(&once).expect("re-decode");
                prop_assert_eq!(again.encode().unwrap(), once);
            }
        }
    }
}

#[test]
fn reference_sample_is_decoded() {
    // An OpenFlow 1.3 flow_mod as ovs-ofctl sends it for "tcp,tp_dst=80".
    let hex = "040e004800000002000000000000000000000000000000000000000000008000ffffffffffffffffffffffff000000000001001580000a020800800014010680001c020050000000";
    let b = common::unhex(hex).unwrap();
    let msg = OfpMsg::decode(&b).unwrap();
    let Message::FlowMod(fm) = &msg.body else {
        panic!("not a flow_mod")
    };
    assert_eq!(fm.match_, m("tcp,tp_dst=80"));
    assert_eq!(msg.encode().unwrap(), b);
    assert_eq!(
        openflow::print::ofp_to_string(&b),
        "OFPT_FLOW_MOD (OF1.3) (xid=0x2): ADD tcp,tp_dst=80 actions=drop\n"
    );
}
