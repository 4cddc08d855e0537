//! Sample messages shared by the round-trip and printing tests and by the
//! `dump-samples` example that feeds the reference `ovs-ofctl`.

#![allow(dead_code)]

pub mod extra_samples;
pub mod flow_samples;

use openflow::msgs::bundle::{BundleAdd, BundleCtrl};
use openflow::msgs::config::{
    AsyncConfig, AsyncProp, Role, RoleMsg, RoleStatus, SwitchConfig, SwitchFeatures, TableMod,
};
use openflow::msgs::hello::{Hello, HelloElement};
use openflow::msgs::meter::{
    BandKind, BandStats, GroupFeatures, MeterBand, MeterConfig, MeterFeatures, MeterMod, MeterStats,
};
use openflow::msgs::ofp_error::{ErrorCode, ErrorMsg};
use openflow::msgs::port::{Port, PortMod, PortStatus};
use openflow::msgs::queue::{PacketQueue, QueueConfigReply, QueueProp};
use openflow::msgs::stats::{Desc, PortStats, QueueStats, TableStats};
use openflow::msgs::table_features::TableFeatures;
use openflow::msgs::{ofpp, RawProp};
use openflow::{Message, OfpErr, OfpMsg, Version};

pub fn port(v: Version, no: u32, name: &str) -> Port {
    let new = v >= Version::Of11;
    Port {
        port_no: no,
        hw_addr: [0x50, 0x54, 0x00, 0x00, 0x00, no as u8],
        name: name.into(),
        config: if no == 2 { 1 } else { 0 },
        state: if no == 2 { 1 } else { 0 },
        curr: 0x2840,
        advertised: if no == 1 { 0x282f } else { 0 },
        supported: match (no, new) {
            (1, true) => 0x2c3f,
            (1, false) => 0x283f,
            _ => 0,
        },
        peer: 0,
        curr_speed: if new { 10_000_000 } else { 0 },
        max_speed: if new { 10_000_000 } else { 0 },
        has_ethernet: v >= Version::Of14,
        props: vec![],
    }
}

fn ports(v: Version) -> Vec<Port> {
    vec![
        port(v, 1, "eth1"),
        port(v, 2, "eth2"),
        port(v, ofpp::LOCAL, "br0"),
    ]
}

fn port_stats(v: Version) -> Vec<PortStats> {
    let dur = (v >= Version::Of13).then_some((12, 500_000_000));
    let mut a = PortStats {
        port_no: 1,
        rx_packets: 10,
        tx_packets: 20,
        rx_bytes: 1000,
        tx_bytes: 2000,
        rx_dropped: 1,
        tx_dropped: 2,
        rx_errors: 3,
        tx_errors: 4,
        rx_frame_err: 5,
        rx_over_err: 6,
        rx_crc_err: 7,
        collisions: 8,
        duration: dur,
        has_ethernet: v >= Version::Of14,
        props: vec![],
    };
    let mut b = a.clone();
    b.port_no = ofpp::LOCAL;
    b.rx_frame_err = u64::MAX;
    b.rx_over_err = u64::MAX;
    b.rx_crc_err = u64::MAX;
    b.collisions = u64::MAX;
    b.rx_dropped = u64::MAX;
    b.has_ethernet = false;
    if v < Version::Of14 {
        b.has_ethernet = false;
    }
    a.props.clear();
    vec![a, b]
}

fn bands() -> Vec<MeterBand> {
    vec![
        MeterBand {
            rate: 1000,
            burst_size: 100,
            kind: BandKind::Drop,
        },
        MeterBand {
            rate: 2000,
            burst_size: 200,
            kind: BandKind::DscpRemark { prec_level: 1 },
        },
    ]
}

/// Every sample for `v`, named `<version>-<what>`.
pub fn samples(v: Version) -> Vec<(String, OfpMsg)> {
    use Message as M;
    let mut out: Vec<(String, OfpMsg)> = Vec::new();
    let mut add = |name: &str, m: Message| {
        out.push((
            format!("of1{}-{name}", v.wire() - 1),
            OfpMsg::new(v, 0x11, m),
        ))
    };
    add("hello", M::Hello(Hello::default()));
    add(
        "hello-bitmap",
        M::Hello(Hello {
            elements: vec![HelloElement::VersionBitmap(vec![0x12])],
        }),
    );
    add(
        "error-bad-type",
        M::Error(ErrorMsg::about(
            OfpErr::OFPBRC_BAD_TYPE,
            &[v.wire(), 0xff, 0, 8, 0, 0, 0, 9],
        )),
    );
    add(
        "error-hello",
        M::Error(ErrorMsg::hello_failed(
            OfpErr::OFPHFC_INCOMPATIBLE,
            "We support version 0x01, you support version 0x04, no common versions.",
        )),
    );
    add(
        "error-overlap",
        M::Error(ErrorMsg::about(OfpErr::OFPFMFC_OVERLAP, &[])),
    );
    add(
        "error-nx",
        M::Error(ErrorMsg::about(
            OfpErr::NXBRC_NXM_INVALID,
            &[v.wire(), 5, 0, 8, 0, 0, 0, 3],
        )),
    );
    add(
        "error-unknown",
        M::Error(ErrorMsg {
            code: ErrorCode::Wire(openflow::ErrorWire::Standard { ty: 1, code: 999 }),
            data: vec![],
        }),
    );
    add("echo-request", M::EchoRequest(vec![]));
    add("echo-reply", M::EchoReply(vec![1, 2, 3, 4]));
    add(
        "vendor",
        M::Experimenter {
            experimenter: 0x00abcdef,
            data: vec![0, 0, 0, 1, 0xde, 0xad],
        },
    );
    add("features-request", M::FeaturesRequest);
    add(
        "features-reply",
        M::FeaturesReply(SwitchFeatures {
            datapath_id: 0x0000_5054_0000_0001,
            n_buffers: 0,
            n_tables: 254,
            auxiliary_id: 0,
            capabilities: 0xc7,
            actions: if v == Version::Of10 { 0xfff } else { 0 },
            ports: if v <= Version::Of12 { ports(v) } else { vec![] },
        }),
    );
    add("get-config-request", M::GetConfigRequest);
    add(
        "get-config-reply",
        M::GetConfigReply(SwitchConfig {
            flags: 0,
            miss_send_len: 128,
        }),
    );
    add(
        "set-config",
        M::SetConfig(SwitchConfig {
            flags: 2,
            miss_send_len: 0xffff,
        }),
    );
    add(
        "port-status",
        M::PortStatus(PortStatus {
            reason: 2,
            port: port(v, 1, "eth1"),
        }),
    );
    add(
        "port-mod",
        M::PortMod(PortMod {
            port_no: 3,
            hw_addr: [0x50, 0x54, 0, 0, 0, 3],
            config: 1,
            mask: 1,
            advertise: Some(if v >= Version::Of14 { 0x20 } else { 0 }),
            props: vec![],
        }),
    );
    add("barrier-request", M::BarrierRequest);
    add("barrier-reply", M::BarrierReply);
    add(
        "role-request",
        M::RoleRequest(RoleMsg {
            role: Role::Primary,
            generation_id: (v >= Version::Of12).then_some(0x10),
        }),
    );
    add(
        "role-reply",
        M::RoleReply(RoleMsg {
            role: Role::Secondary,
            generation_id: (v >= Version::Of12).then_some(0x10),
        }),
    );
    add("desc-request", M::DescRequest);
    add(
        "desc-reply",
        M::DescReply(Desc {
            mfr_desc: "Open vSwitch".into(),
            hw_desc: "hw".into(),
            sw_desc: "3.1.0".into(),
            serial_num: "None".into(),
            dp_desc: "br0".into(),
        }),
    );
    add("table-stats-request", M::TableStatsRequest);
    if v == Version::Of10 || v >= Version::Of13 {
        add(
            "table-stats-reply",
            M::TableStatsReply(vec![
                TableStats {
                    table_id: 0,
                    name: if v == Version::Of10 {
                        "classifier".into()
                    } else {
                        String::new()
                    },
                    wildcards: if v == Version::Of10 { 0x3fffff } else { 0 },
                    max_entries: if v == Version::Of10 { 1_000_000 } else { 0 },
                    active_count: 3,
                    lookup_count: 100,
                    matched_count: 90,
                },
                TableStats {
                    table_id: 1,
                    name: if v == Version::Of10 {
                        "table1".into()
                    } else {
                        String::new()
                    },
                    wildcards: if v == Version::Of10 { 0x3fffff } else { 0 },
                    max_entries: if v == Version::Of10 { 1_000_000 } else { 0 },
                    active_count: 0,
                    lookup_count: 0,
                    matched_count: 0,
                },
            ]),
        );
    }
    add(
        "port-stats-request",
        M::PortStatsRequest { port: ofpp::ANY },
    );
    add("port-stats-request-1", M::PortStatsRequest { port: 1 });
    add("port-stats-reply", M::PortStatsReply(port_stats(v)));
    add(
        "queue-stats-request",
        M::QueueStatsRequest {
            port: ofpp::ANY,
            queue: 0xffff_ffff,
        },
    );
    add(
        "queue-stats-reply",
        M::QueueStatsReply(vec![QueueStats {
            port_no: 1,
            queue_id: 2,
            tx_bytes: 300,
            tx_packets: 4,
            tx_errors: 0,
            duration: (v >= Version::Of13).then_some((5, 6)),
            props: vec![],
        }]),
    );
    add("port-desc-request", M::PortDescRequest { port: ofpp::ANY });
    add("port-desc-reply", M::PortDescReply(ports(v)));
    let mut more = OfpMsg::new(v, 0x12, M::PortDescReply(vec![port(v, 7, "p7")]));
    more.stats_flags = 1;
    out.push((format!("of1{}-port-desc-reply-more", v.wire() - 1), more));
    let mut add = |name: &str, m: Message| {
        out.push((
            format!("of1{}-{name}", v.wire() - 1),
            OfpMsg::new(v, 0x11, m),
        ))
    };
    add("nx-flow-mod-table-id", M::FlowModTableId(1));
    add("nx-set-packet-in-format", M::SetPacketInFormat(1));
    add("nx-set-controller-id", M::SetControllerId(123));
    add("nx-flow-age", M::FlowAge);
    add("nx-tlv-table-request", M::TlvTableRequest);
    add("nx-ct-flush-zone", M::CtFlushZone(7));
    if v == Version::Of10 {
        add("nx-set-flow-format", M::SetFlowFormat(2));
    }
    if v <= Version::Of13 {
        add(
            "queue-get-config-request",
            M::QueueGetConfigRequest { port: 1 },
        );
        add(
            "queue-get-config-reply",
            M::QueueGetConfigReply(QueueConfigReply {
                port: 1,
                queues: vec![
                    PacketQueue {
                        queue_id: 0,
                        port: 1,
                        props: vec![QueueProp::MinRate(500)],
                    },
                    PacketQueue {
                        queue_id: 1,
                        port: 1,
                        props: vec![QueueProp::MinRate(100), QueueProp::MaxRate(900)],
                    },
                ],
            }),
        );
    }
    if v >= Version::Of11 {
        add(
            "table-mod",
            M::TableMod(TableMod {
                table_id: 2,
                config: if v >= Version::Of14 { 4 } else { 3 },
                props: vec![],
            }),
        );
    }
    if v >= Version::Of12 {
        add("group-features-request", M::GroupFeaturesRequest);
        add(
            "group-features-reply",
            M::GroupFeaturesReply(GroupFeatures {
                types: 0xf,
                capabilities: 0x7,
                max_groups: [1, 2, 3, 4],
                actions: [0x1, 0x3, 0x7, 0xf],
            }),
        );
    }
    if v >= Version::Of13 {
        add("get-async-request", M::GetAsyncRequest);
        let props = |v: Version| {
            let mut p = vec![
                AsyncProp { ty: 1, mask: 3 },
                AsyncProp { ty: 0, mask: 0 },
                AsyncProp { ty: 3, mask: 7 },
                AsyncProp { ty: 2, mask: 7 },
                AsyncProp { ty: 5, mask: 15 },
                AsyncProp { ty: 4, mask: 0 },
            ];
            if v >= Version::Of14 {
                p.push(AsyncProp { ty: 7, mask: 3 });
                p.push(AsyncProp { ty: 6, mask: 0 });
            }
            p
        };
        add(
            "get-async-reply",
            M::GetAsyncReply(AsyncConfig {
                props: props(v),
                other: vec![],
            }),
        );
        add(
            "set-async",
            M::SetAsync(AsyncConfig {
                props: props(v),
                other: vec![],
            }),
        );
        add(
            "meter-mod",
            M::MeterMod(MeterMod {
                command: 0,
                flags: 1 | 4 | 8,
                meter_id: 1,
                bands: bands(),
            }),
        );
        add(
            "meter-mod-delete",
            M::MeterMod(MeterMod {
                command: 2,
                flags: 0,
                meter_id: 0xffff_ffff,
                bands: vec![],
            }),
        );
        add(
            "meter-stats-request",
            M::MeterStatsRequest {
                meter_id: 0xffff_ffff,
            },
        );
        add(
            "meter-stats-reply",
            M::MeterStatsReply(vec![MeterStats {
                meter_id: 1,
                flow_count: 2,
                packet_in_count: 30,
                byte_in_count: 3000,
                duration_sec: 7,
                duration_nsec: 8,
                bands: vec![
                    BandStats {
                        packet_count: 10,
                        byte_count: 1000,
                    },
                    BandStats {
                        packet_count: 5,
                        byte_count: 500,
                    },
                ],
            }]),
        );
        add(
            "meter-config-request",
            M::MeterConfigRequest { meter_id: 1 },
        );
        add(
            "meter-config-reply",
            M::MeterConfigReply(vec![MeterConfig {
                flags: 1 | 4,
                meter_id: 1,
                bands: bands(),
            }]),
        );
        add("meter-features-request", M::MeterFeaturesRequest);
        add(
            "meter-features-reply",
            M::MeterFeaturesReply(MeterFeatures {
                max_meter: 1024,
                band_types: 6,
                capabilities: 15,
                max_bands: 8,
                max_color: 0,
            }),
        );
        add("table-features-request", M::TableFeaturesRequest(vec![]));
        add(
            "table-features-reply",
            M::TableFeaturesReply(vec![TableFeatures {
                table_id: 0,
                command: 0,
                features: 0,
                name: "classifier".into(),
                metadata_match: u64::MAX,
                metadata_write: u64::MAX,
                capabilities: 3,
                max_entries: 1_000_000,
                props: vec![RawProp {
                    ty: 2,
                    value: vec![1, 2, 3],
                }],
            }]),
        );
    }
    if v >= Version::Of13 {
        let inner = OfpMsg::new(
            v,
            0x11,
            M::PortMod(PortMod {
                port_no: 1,
                hw_addr: [0x50, 0x54, 0, 0, 0, 1],
                config: 0x20,
                mask: 0x20,
                advertise: Some(0),
                props: vec![],
            }),
        )
        .encode()
        .unwrap_or_default();
        add(
            "bundle-control",
            M::BundleControl(BundleCtrl {
                bundle_id: 1,
                ctrl_type: 0,
                flags: 1,
                props: vec![],
            }),
        );
        add(
            "bundle-add",
            M::BundleAdd(BundleAdd {
                bundle_id: 1,
                flags: 1,
                message: inner,
                props: vec![],
            }),
        );
    }
    if v >= Version::Of13 {
        add(
            "role-status",
            M::RoleStatus(RoleStatus {
                role: Role::Secondary,
                reason: 1,
                generation_id: 0xa0,
                props: vec![],
            }),
        );
    }
    if v >= Version::Of14 {
        add(
            "queue-desc-request",
            M::QueueDescRequest {
                port: ofpp::ANY,
                queue: 0xffff_ffff,
            },
        );
        add(
            "queue-desc-reply",
            M::QueueDescReply(vec![PacketQueue {
                queue_id: 1,
                port: 2,
                props: vec![QueueProp::MinRate(100), QueueProp::MaxRate(500)],
            }]),
        );
    }
    out
}

/// Samples for every version.
pub fn all_samples() -> Vec<(String, OfpMsg)> {
    Version::ALL
        .iter()
        .flat_map(|&v| samples(v).into_iter().chain(extra_samples::samples(v)))
        .collect()
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses lower/upper-case hex; `None` on odd length or bad digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|d| u8::from_str_radix(d, 16).ok()))
        .collect()
}
