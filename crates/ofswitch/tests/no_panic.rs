//! Property test: no bytes make [`Switch::receive`] panic. Inputs are random messages
//! with a plausible header (every version, every type), and valid messages of many kinds
//! with random bytes overwritten, truncated or extended; each goes to connections in every
//! version (and to one that has not negotiated yet).

mod common;

use ofswitch::{ConnId, ConnKind, Switch};
use openflow::msgs::bundle::BundleCtrl;
use openflow::msgs::flow::{FlowMod, FlowStatsRequest, PacketOut, RawActions};
use openflow::msgs::hello::Hello;
use openflow::{Message, OfpMsg, Version};
use proptest::prelude::*;

fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for v in Version::ALL {
        let av = ofp_actions::Version::from_wire(v.wire()).expect("version");
        let acts = ofp_actions::parse_actions("output:1,mod_vlan_vid:5", None).expect("actions");
        let ins = ofp_actions::encode_instructions(&acts, av).unwrap_or_default();
        let plain = ofp_actions::encode_actions(&acts, av).unwrap_or_default();
        let m = flow::parse_match("ip,nw_src=10.0.0.1", None).expect("match");
        let mut fm = FlowMod::new(v, 0, m);
        fm.actions = RawActions {
            version: v,
            bytes: ins,
        };
        let bodies = vec![
            Message::Hello(Hello::with_versions(&[v])),
            Message::EchoRequest(vec![1, 2]),
            Message::FeaturesRequest,
            Message::GetConfigRequest,
            Message::BarrierRequest,
            Message::DescRequest,
            Message::TableStatsRequest,
            Message::PortStatsRequest { port: 0xffff_ffff },
            Message::PortDescRequest { port: 0xffff_ffff },
            Message::GroupDescRequest {
                group_id: 0xffff_fffc,
            },
            Message::MeterConfigRequest {
                meter_id: 0xffff_ffff,
            },
            Message::TableFeaturesRequest(Vec::new()),
            Message::FlowMod(fm),
            Message::FlowStatsRequest(FlowStatsRequest {
                table_id: 0xff,
                out_port: 0xffff_ffff,
                out_group: 0xffff_ffff,
                cookie: 0,
                cookie_mask: 0,
                match_: m,
            }),
            Message::PacketOut(PacketOut {
                buffer_id: 0xffff_ffff,
                match_: flow::Match::catchall(),
                actions: RawActions {
                    version: v,
                    bytes: plain,
                },
                data: vec![0xff; 64],
            }),
            Message::FlowMonitorRequest(vec![openflow::msgs::monitor::FlowMonitorRequest {
                id: 1,
                flags: 0x1f,
                out_port: 0xffff_ffff,
                out_group: 0xffff_ffff,
                table_id: 0xff,
                command: 0,
                match_: m,
            }]),
            Message::BundleControl(BundleCtrl {
                bundle_id: 1,
                ctrl_type: 0,
                flags: 1,
                props: Vec::new(),
            }),
        ];
        for body in bodies {
            let m = OfpMsg {
                version: v,
                xid: 1,
                raw: None,
                stats_flags: 0,
                body,
            };
            if let Ok(b) = m.encode() {
                out.push(b);
            }
        }
    }
    out
}

fn feed(msg: &[u8]) {
    let mut sw = common::bridge();
    let mut env = common::FakeEnv::new();
    let mut conns: Vec<ConnId> = Vec::new();
    for v in Version::ALL {
        let (id, _) = sw.open_conn(ConnKind::Controller, 0);
        let hello = OfpMsg {
            version: v,
            xid: 0,
            raw: None,
            stats_flags: 0,
            body: Message::Hello(Hello::with_versions(&[v])),
        }
        .encode()
        .expect("hello");
        let _ = sw.receive(id, &hello, &mut env);
        conns.push(id);
    }
    let (fresh, _) = sw.open_conn(ConnKind::Service, 0);
    conns.push(fresh);
    for c in conns {
        let _ = sw.receive(c, msg, &mut env);
        // Twice: state (bundles, roles) may make the second one go another way.
        let _ = sw.receive(c, msg, &mut env);
    }
    let _ = Switch::run_timers(&mut sw, &mut env);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_messages(version in 1u8..=6, ty in 0u8..=40, xid: u32,
                       body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let len = u16::try_from(8 + body.len()).unwrap_or(u16::MAX);
        let mut msg = vec![version, ty];
        msg.extend_from_slice(&len.to_be_bytes());
        msg.extend_from_slice(&xid.to_be_bytes());
        msg.extend_from_slice(&body);
        feed(&msg);
    }

    #[test]
    fn mutated_messages(pick: prop::sample::Index,
                        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
                        cut in 0usize..40, extra in proptest::collection::vec(any::<u8>(), 0..16)) {
        let corpus = corpus();
        let mut msg = corpus[pick.index(corpus.len())].clone();
        for (at, byte) in edits {
            let i = at.index(msg.len());
            if i >= 4 || i == 1 {
                msg[i] = byte;
            }
        }
        let keep = msg.len().saturating_sub(cut).max(8);
        msg.truncate(keep);
        msg.extend_from_slice(&extra);
        let len = u16::try_from(msg.len()).unwrap_or(u16::MAX);
        msg[2..4].copy_from_slice(&len.to_be_bytes());
        feed(&msg);
    }
}
