//! Samples of the table-description, flow-monitor and packet_in2 messages.

use openflow::msgs::flow::RawActions;
use openflow::msgs::meter::MeterMod;
use openflow::msgs::monitor::{
    fmc, fmf, FlowMonitorRequest, FlowUpdate, FlowUpdateFull, UpdateEvent,
};
use openflow::msgs::packet_in2::{ContinuationProp, PacketIn2, Pin2Prop};
use openflow::msgs::table_desc::{TableDesc, TableDescProp, TableStatus, Vacancy};
use openflow::msgs::{ofpp, RawProp};
use openflow::{Message, OfpMsg, Version};

fn in_port(p: u16) -> flow::Match {
    let mut m = flow::Match::catchall();
    m.set_raw(flow::FieldId::InPort, u128::from(p), 0xffff);
    m
}

fn arp() -> Vec<u8> {
    let mut p = vec![0xff; 6];
    p.extend([0, 0, 0, 0, 0, 1, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1]);
    p.extend([
        0, 0, 0, 0, 0, 1, 192, 168, 0, 1, 0, 0, 0, 0, 0, 0, 192, 168, 0, 2,
    ]);
    p
}

fn desc() -> TableDesc {
    TableDesc {
        table_id: 1,
        config: 0xc,
        props: vec![
            TableDescProp::Eviction(3),
            TableDescProp::Vacancy(Vacancy {
                down: 5,
                up: 90,
                vacancy: 50,
            }),
            TableDescProp::Other(RawProp {
                ty: 0x99,
                value: vec![1, 2, 3],
            }),
        ],
    }
}

/// Every extra sample for `v`, named `<version>-<what>`.
pub fn samples(v: Version) -> Vec<(String, OfpMsg)> {
    use Message as M;
    let mut out: Vec<(String, OfpMsg)> = Vec::new();
    let mut add = |name: &str, m: Message| {
        out.push((
            format!("of1{}-{name}", v.wire() - 1),
            OfpMsg::new(v, 0x12, m),
        ))
    };
    add(
        "packet-in2",
        M::PacketIn2(PacketIn2 {
            props: vec![
                Pin2Prop::Packet(arp()),
                Pin2Prop::FullLen(100),
                Pin2Prop::BufferId(7),
                Pin2Prop::TableId(2),
                Pin2Prop::Cookie(0x55),
                Pin2Prop::Reason(1),
                Pin2Prop::Metadata(in_port(3)),
                Pin2Prop::Userdata(vec![1, 2, 3]),
                Pin2Prop::Continuation(vec![
                    ContinuationProp::Bridge([9; 16]),
                    ContinuationProp::Stack(vec![0xa, 0xb]),
                    ContinuationProp::Mirrors(1),
                    ContinuationProp::Conntracked,
                    ContinuationProp::TableId(4),
                    ContinuationProp::Cookie(8),
                    ContinuationProp::Actions(RawActions::empty(v)),
                ]),
            ],
        }),
    );
    add(
        "resume",
        M::Resume(PacketIn2 {
            props: vec![Pin2Prop::Packet(arp()), Pin2Prop::Reason(0)],
        }),
    );
    let req = FlowMonitorRequest {
        id: 3,
        flags: fmf::INITIAL | fmf::ADD | fmf::DELETE | fmf::MODIFY,
        out_port: if v >= Version::Of13 { 5 } else { ofpp::ANY },
        out_group: 0xffff_ffff,
        table_id: 0xff,
        command: fmc::ADD,
        match_: in_port(1),
    };
    add("flow-monitor-request", M::FlowMonitorRequest(vec![req]));
    let full = |event| {
        FlowUpdate::Full(FlowUpdateFull {
            event,
            reason: 2,
            priority: 100,
            idle_timeout: 10,
            hard_timeout: 0,
            table_id: 1,
            cookie: 0x77,
            match_: in_port(2),
            actions: RawActions::empty(v),
        })
    };
    let mut updates = vec![
        full(UpdateEvent::Added),
        full(UpdateEvent::Deleted),
        full(UpdateEvent::Modified),
        FlowUpdate::Abbrev { xid: 0x42 },
    ];
    if v >= Version::Of14 {
        updates.extend([
            full(UpdateEvent::Initial),
            FlowUpdate::Paused,
            FlowUpdate::Resumed,
        ]);
    }
    add("flow-monitor-reply", M::FlowMonitorReply(updates));
    if v <= Version::Of13 {
        add("flow-monitor-cancel", M::FlowMonitorCancel(3));
        add("flow-monitor-paused", M::FlowMonitorPaused);
        add("flow-monitor-resumed", M::FlowMonitorResumed);
    }
    if v >= Version::Of13 {
        let meter = OfpMsg::new(
            v,
            9,
            M::MeterMod(MeterMod {
                command: 0,
                flags: 1,
                meter_id: 4,
                bands: Vec::new(),
            }),
        );
        // The decoder records the inner raw identity; so does the sample.
        let meter = OfpMsg {
            raw: meter.raw_id().ok(),
            ..meter
        };
        add("requestforward-meter", M::RequestForward(Box::new(meter)));
    }
    if v >= Version::Of14 {
        add("table-desc-request", M::TableDescRequest);
        add("table-desc-reply", M::TableDescReply(vec![desc(), desc()]));
        add(
            "table-status",
            M::TableStatus(TableStatus {
                reason: 4,
                desc: desc(),
                trailing: Vec::new(),
            }),
        );
    }
    out
}
