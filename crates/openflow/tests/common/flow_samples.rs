//! Samples of the flow-carrying messages for the printing test (fed to the
//! reference `ovs-ofctl ofp-print` by the `dump-flow-samples` example and
//! `tests/data/regen-flow-msgs.sh`).

use openflow::msgs::flow::{
    AggregateStats, FlowRemoved, FlowStats, FlowStatsRequest, PacketIn, PacketOut, RawActions,
    OFPG_ANY,
};
use openflow::msgs::group::{Bucket, BucketCounter, GroupDesc, GroupMod, GroupStats};
use openflow::msgs::ofpp;
use openflow::raw::{MsgType, RawCode, RawId};
use openflow::{Message, OfpMsg, Version};

fn m(s: &str) -> flow::Match {
    flow::parse_match(s, None).unwrap()
}

/// The Nicira raw message of type `ty`.
pub fn nx_raw(ty: MsgType) -> RawId {
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

/// `output:port` as an action list of version `v` (wrapped in an
/// apply-actions instruction when `instructions`).
pub fn output(v: Version, port: u32, instructions: bool) -> RawActions {
    let bytes = if v == Version::Of10 {
        let p = (port as u16).to_be_bytes();
        vec![0, 0, 0, 8, p[0], p[1], 0, 0]
    } else {
        let p = port.to_be_bytes();
        let out = [
            0u8, 0, 0, 16, p[0], p[1], p[2], p[3], 0, 0, 0, 0, 0, 0, 0, 0,
        ];
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

fn msg(v: Version, body: Message, raw: Option<RawId>) -> OfpMsg {
    let mut o = OfpMsg::new(v, 0x11, body);
    o.raw = raw;
    o
}

/// Flow-carrying messages in every version and raw form.
pub fn flow_samples() -> Vec<(String, OfpMsg)> {
    let mut out = Vec::new();
    let forms: [(Version, bool); 8] = [
        (Version::Of10, false),
        (Version::Of10, true),
        (Version::Of11, false),
        (Version::Of12, false),
        (Version::Of13, false),
        (Version::Of13, true),
        (Version::Of14, false),
        (Version::Of15, false),
    ];
    for (v, nx) in forms {
        let tag = format!("of1{}{}", v.wire() - 1, if nx { "-nx" } else { "" });
        let std11 = v >= Version::Of11 && !nx;
        let raw = |ty| nx.then(|| nx_raw(ty));
        let mt = if !nx && v <= Version::Of11 {
            m("tcp,nw_src=10.0.0.0/8,tp_dst=80")
        } else {
            m("tcp6,ipv6_src=2001:db8::/32,tp_dst=80,reg3=5")
        };
        {
            for (reason, idle, hard) in [(0u8, 60u16, 0u16), (2, 0, 0), (1, 10, 20)] {
                let fr = FlowRemoved {
                    match_: mt,
                    cookie: if reason == 2 { 0 } else { 0x99 },
                    priority: 100,
                    reason,
                    table_id: if v == Version::Of10 && !nx { 0 } else { 4 },
                    duration_sec: 10,
                    duration_nsec: 20_000_000,
                    idle_timeout: idle,
                    hard_timeout: if std11 { hard } else { 0 },
                    packet_count: 50,
                    byte_count: 6000,
                };
                out.push((
                    format!("{tag}-flow-removed-{reason}"),
                    msg(v, Message::FlowRemoved(fr), raw(MsgType::FlowRemoved)),
                ));
            }
        }
        let nxst = nx && v == Version::Of10;
        let sraw = |ty| nxst.then(|| nx_raw(ty));
        if !nx || nxst {
            for (i, (table, port, cookie_mask)) in [(0xffu8, ofpp::ANY, 0u64), (3, 7, 0xff)]
                .into_iter()
                .enumerate()
            {
                let with_cookie = std11 || nxst;
                let q = FlowStatsRequest {
                    table_id: table,
                    out_port: port,
                    out_group: if std11 && i == 1 { 9 } else { OFPG_ANY },
                    cookie: if with_cookie && cookie_mask != 0 {
                        0x12
                    } else {
                        0
                    },
                    cookie_mask: if with_cookie { cookie_mask } else { 0 },
                    match_: if i == 0 { flow::Match::catchall() } else { mt },
                };
                out.push((
                    format!("{tag}-flow-stats-request-{i}"),
                    msg(
                        v,
                        Message::FlowStatsRequest(q.clone()),
                        sraw(MsgType::FlowStatsRequest),
                    ),
                ));
                out.push((
                    format!("{tag}-aggregate-request-{i}"),
                    msg(
                        v,
                        Message::AggregateRequest(q),
                        sraw(MsgType::AggregateRequest),
                    ),
                ));
            }
            {
                let fs = FlowStats {
                    table_id: 2,
                    match_: mt,
                    duration_sec: 1,
                    duration_nsec: 500_000_000,
                    priority: 3,
                    idle_timeout: 4,
                    hard_timeout: 5,
                    flags: if v >= Version::Of13 && !nx { 1 } else { 0 },
                    importance: if v >= Version::Of14 && !nx { 6 } else { 0 },
                    idle_age: if nxst || v >= Version::Of15 { 7 } else { 0 },
                    hard_age: if nxst { 8 } else { 0 },
                    cookie: 9,
                    packet_count: 10,
                    byte_count: 11,
                    actions: output(v, 2, std11),
                };
                let plain = FlowStats {
                    table_id: 0,
                    match_: flow::Match::catchall(),
                    duration_sec: 0,
                    duration_nsec: 0,
                    priority: 0x8000,
                    idle_timeout: 0,
                    hard_timeout: 0,
                    flags: 0,
                    importance: 0,
                    idle_age: 0,
                    hard_age: 0,
                    cookie: 0,
                    packet_count: 0,
                    byte_count: 0,
                    actions: RawActions::empty(v),
                };
                out.push((
                    format!("{tag}-flow-stats-reply"),
                    msg(
                        v,
                        Message::FlowStatsReply(vec![fs, plain]),
                        sraw(MsgType::FlowStatsReply),
                    ),
                ));
                out.push((
                    format!("{tag}-flow-stats-reply-empty"),
                    msg(
                        v,
                        Message::FlowStatsReply(vec![]),
                        sraw(MsgType::FlowStatsReply),
                    ),
                ));
                let agg = AggregateStats {
                    packet_count: 1,
                    byte_count: 2,
                    flow_count: 3,
                };
                out.push((
                    format!("{tag}-aggregate-reply"),
                    msg(
                        v,
                        Message::AggregateReply(agg),
                        sraw(MsgType::AggregateReply),
                    ),
                ));
            }
        }
        if !nx {
            let po = PacketOut {
                buffer_id: if v == Version::Of13 {
                    0x100
                } else {
                    0xffff_ffff
                },
                match_: if v >= Version::Of15 {
                    m("in_port=3,metadata=0x1")
                } else {
                    m("in_port=LOCAL")
                },
                actions: output(v, 1, false),
                data: if v == Version::Of13 {
                    vec![]
                } else {
                    vec![0; 14]
                },
            };
            out.push((
                format!("{tag}-packet-out"),
                msg(v, Message::PacketOut(po), None),
            ));
        }
        if !nx && (Version::Of11..Version::Of15).contains(&v) {
            let bucket = |w: u16, p: u32, g: u32, port: u32| Bucket {
                bucket_id: 0,
                weight: w,
                watch_port: p,
                watch_group: g,
                actions: output(v, port, false),
            };
            for (cmd, ty) in [(0u16, 0u8), (1, 1), (2, 3)] {
                let buckets = match ty {
                    0 => vec![
                        bucket(0, ofpp::ANY, OFPG_ANY, 1),
                        bucket(0, ofpp::ANY, OFPG_ANY, 2),
                    ],
                    1 => vec![
                        bucket(5, ofpp::ANY, OFPG_ANY, 1),
                        bucket(7, ofpp::ANY, OFPG_ANY, 2),
                    ],
                    _ => vec![bucket(0, 1, OFPG_ANY, 1), bucket(0, ofpp::ANY, 4, 2)],
                };
                let gm = GroupMod {
                    command: cmd,
                    group_type: ty,
                    group_id: 77,
                    buckets: if cmd == 2 { vec![] } else { buckets },
                    command_bucket_id: 0,
                    props: vec![],
                };
                out.push((
                    format!("{tag}-group-mod-{cmd}"),
                    msg(v, Message::GroupMod(gm), None),
                ));
            }
            out.push((
                format!("{tag}-group-desc-request"),
                msg(
                    v,
                    Message::GroupDescRequest {
                        group_id: 0xffff_fffc,
                    },
                    None,
                ),
            ));
            let gd = GroupDesc {
                group_type: 1,
                group_id: 78,
                buckets: vec![bucket(3, ofpp::ANY, OFPG_ANY, 5)],
                props: vec![],
            };
            out.push((
                format!("{tag}-group-desc-reply"),
                msg(v, Message::GroupDescReply(vec![gd]), None),
            ));
        }
        if !nx && v >= Version::Of11 {
            out.push((
                format!("{tag}-group-stats-request"),
                msg(
                    v,
                    Message::GroupStatsRequest {
                        group_id: 0xffff_fffc,
                    },
                    None,
                ),
            ));
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
            out.push((
                format!("{tag}-group-stats-reply"),
                msg(v, Message::GroupStatsReply(vec![gs]), None),
            ));
        }
        if (!nx && v >= Version::Of15) || (nx && v == Version::Of10) {
            let b15 = |id: u32, w: u16, p: u32, g: u32, port: u32| Bucket {
                bucket_id: id,
                weight: w,
                watch_port: p,
                watch_group: g,
                actions: output(v, port, false),
            };
            let cases: [(u16, u8, u32, Vec<Bucket>); 7] = [
                (
                    0,
                    0,
                    !0,
                    vec![
                        b15(0, 0, ofpp::ANY, OFPG_ANY, 1),
                        b15(1, 0, ofpp::ANY, OFPG_ANY, 2),
                    ],
                ),
                (
                    1,
                    1,
                    !0,
                    vec![
                        b15(0, 5, ofpp::ANY, OFPG_ANY, 1),
                        b15(7, 9, ofpp::ANY, OFPG_ANY, 2),
                    ],
                ),
                (
                    0,
                    3,
                    !0,
                    vec![b15(0, 0, 1, OFPG_ANY, 1), b15(1, 0, ofpp::ANY, 4, 2)],
                ),
                (3, 0, 0xffff_fffe, vec![b15(9, 0, ofpp::ANY, OFPG_ANY, 3)]),
                (5, 0, 0xffff_ffff, vec![]),
                (3, 0, 7, vec![b15(8, 0, ofpp::ANY, OFPG_ANY, 3)]),
                (2, 0, !0, vec![]),
            ];
            for (i, (cmd, ty, cbid, buckets)) in cases.into_iter().enumerate() {
                let gm = GroupMod {
                    command: cmd,
                    group_type: ty,
                    group_id: 90,
                    buckets,
                    command_bucket_id: cbid,
                    props: vec![],
                };
                out.push((
                    format!("{tag}-group-mod15-{i}"),
                    msg(v, Message::GroupMod(gm), raw(MsgType::GroupMod)),
                ));
            }
            let gd = GroupDesc {
                group_type: 1,
                group_id: 91,
                buckets: vec![b15(4, 3, ofpp::ANY, OFPG_ANY, 5)],
                props: vec![],
            };
            let draw = nx.then(|| nx_raw(MsgType::GroupDescReply));
            out.push((
                format!("{tag}-group-desc15-reply"),
                msg(v, Message::GroupDescReply(vec![gd]), draw),
            ));
            if nx {
                out.push((
                    format!("{tag}-group-stats-request"),
                    msg(
                        v,
                        Message::GroupStatsRequest { group_id: 5 },
                        Some(nx_raw(MsgType::GroupStatsRequest)),
                    ),
                ));
                let gs = GroupStats {
                    group_id: 5,
                    ref_count: 1,
                    packet_count: 2,
                    byte_count: 3,
                    duration_sec: 4,
                    duration_nsec: 500_000_000,
                    buckets: vec![],
                };
                out.push((
                    format!("{tag}-group-stats-reply"),
                    msg(
                        v,
                        Message::GroupStatsReply(vec![gs]),
                        Some(nx_raw(MsgType::GroupStatsReply)),
                    ),
                ));
            }
            out.push((
                format!("{tag}-group-desc15-request"),
                msg(
                    v,
                    Message::GroupDescRequest { group_id: 91 },
                    nx.then(|| nx_raw(MsgType::GroupDescRequest)),
                ),
            ));
        }
        let pi = PacketIn {
            buffer_id: 0xffff_ffff,
            total_len: 14,
            reason: 1,
            table_id: if v == Version::Of10 && !nx { 0 } else { 2 },
            cookie: if nx || v >= Version::Of13 { 0xabc } else { 0 },
            in_phy_port: if v == Version::Of11 && !nx { 3 } else { 0 },
            match_: if !nx && v <= Version::Of11 {
                m("in_port=3")
            } else {
                m("in_port=3,reg0=1,metadata=0x9")
            },
            data: vec![0; 14],
        };
        out.push((
            format!("{tag}-packet-in"),
            msg(v, Message::PacketIn(pi), raw(MsgType::PacketIn)),
        ));
    }
    out
}
