//! Unit tests: one or more per message kind, driving [`Switch::receive`] with encoded
//! messages and decoding what comes back.

use super::*;
use crate::conn::Role;
use openflow::msgs::bundle::{ctrl_type, BundleAdd, BundleCtrl};
use openflow::msgs::config::{AsyncConfig, AsyncProp, Role as WireRole, RoleMsg};
use openflow::msgs::flow::{fmc, fmf, FlowMod as WireFlowMod, FlowStatsRequest, RawActions};
use openflow::msgs::ofp_error::ErrorCode;
use openflow::msgs::ofpp;

struct Env {
    now: u64,
    outs: Vec<(u16, Vec<ofp_actions::Action>)>,
    changed: usize,
}

impl SwitchEnv for Env {
    fn now_ms(&self) -> u64 {
        self.now
    }
    fn port_counters(&self, _p: u16) -> Option<PortCounters> {
        Some(PortCounters::default())
    }
    fn packet_out(
        &mut self,
        _snap: &Snapshot,
        in_port: u16,
        actions: &[ofp_actions::Action],
        _packet: &[u8],
    ) -> Result<(), OfpErr> {
        self.outs.push((in_port, actions.to_vec()));
        Ok(())
    }
    fn port_mod(&mut self, _p: u16, _c: u32, _m: u32) -> Result<(), OfpErr> {
        Ok(())
    }
    fn tables_changed(&mut self, _snap: &Snapshot) {
        self.changed += 1;
    }
    fn fold_stats(&mut self, _snap: &mut Snapshot) {}
}

fn env() -> Env {
    Env {
        now: 1000,
        outs: Vec::new(),
        changed: 0,
    }
}

fn port(n: u16) -> PortDesc {
    PortDesc {
        ofp_port: n,
        odp_port: u32::from(n),
        name: format!("p{n}"),
        hw_addr: [0, 0, 0, 0, 0, n as u8],
        ..PortDesc::default()
    }
}

fn switch() -> Switch {
    let mut sw = Switch::new("br0", SwitchInfo::new(0x1234));
    let _ = sw.set_ports(vec![port(1), port(2), port(OFPP_LOCAL)]);
    sw
}

fn enc(v: Version, xid: u32, body: Message) -> Vec<u8> {
    OfpMsg {
        version: v,
        xid,
        raw: None,
        stats_flags: 0,
        body,
    }
    .encode()
    .expect("encode")
}

fn enc_raw(v: Version, xid: u32, name: &str, body: Message) -> Vec<u8> {
    let raw = RawId::all()
        .find(|r| r.entry().name == name && r.valid_in(v))
        .expect("raw");
    OfpMsg {
        version: v,
        xid,
        raw: Some(raw),
        stats_flags: 0,
        body,
    }
    .encode()
    .expect("encode")
}

/// Opens a connection and completes the hello exchange in version `v`.
fn connect(sw: &mut Switch, kind: ConnKind, v: Version) -> ConnId {
    let (id, out) = sw.open_conn(kind, 0);
    assert_eq!(out.len(), 1);
    let hello = enc(v, 1, Message::Hello(Hello::with_versions(&[v])));
    let out = sw.receive(id, &hello, &mut env());
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(sw.conn_version(id), Some(v));
    id
}

fn sent(out: &[Outgoing], to: ConnId) -> Vec<OfpMsg> {
    out.iter()
        .filter_map(|o| match o {
            Outgoing::Send(c, b) if *c == to => Some(OfpMsg::decode(b).expect("decode reply")),
            _ => None,
        })
        .collect()
}

fn error_of(m: &OfpMsg) -> Option<OfpErr> {
    match &m.body {
        Message::Error(e) => match e.code {
            ErrorCode::Known(k) => Some(k),
            ErrorCode::Wire(w) => OfpErr::decode(m.version.wire(), w),
        },
        _ => None,
    }
}

fn only_error(out: &[Outgoing], to: ConnId) -> OfpErr {
    let msgs = sent(out, to);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    error_of(&msgs[0]).expect("an error")
}

fn instructions(v: Version, s: &str) -> RawActions {
    let acts = ofp_actions::parse_actions(s, None).expect("parse");
    let av = ofp_actions::Version::from_wire(v.wire()).expect("version");
    RawActions {
        version: v,
        bytes: ofp_actions::encode_instructions(&acts, av).expect("encode"),
    }
}

fn flow_mod(v: Version, command: u8, m: &str, acts: &str) -> WireFlowMod {
    let mut fm = WireFlowMod::new(v, command, flow::parse_match(m, None).expect("match"));
    fm.actions = instructions(v, acts);
    fm
}

fn dump(sw: &mut Switch, c: ConnId, v: Version) -> Vec<openflow::msgs::flow::FlowStats> {
    let req = FlowStatsRequest {
        table_id: 0xff,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        cookie: 0,
        cookie_mask: 0,
        match_: flow::Match::catchall(),
    };
    let out = sw.receive(c, &enc(v, 9, Message::FlowStatsRequest(req)), &mut env());
    sent(&out, c)
        .into_iter()
        .flat_map(|m| match m.body {
            Message::FlowStatsReply(s) => s,
            b => panic!("unexpected {b:?}"),
        })
        .collect()
}

#[test]
fn hello_negotiates_highest_common_version() {
    let mut sw = switch();
    let (id, out) = sw.open_conn(ConnKind::Service, 0);
    let Outgoing::Send(_, b) = &out[0] else {
        panic!("no hello")
    };
    let ours = OfpMsg::decode(b).unwrap();
    assert_eq!(ours.version, Version::Of15);
    let peer = enc(
        Version::Of13,
        1,
        Message::Hello(Hello::with_versions(&[Version::Of10, Version::Of13])),
    );
    assert!(sw.receive(id, &peer, &mut env()).is_empty());
    assert_eq!(sw.conn_version(id), Some(Version::Of13));
}

#[test]
fn hello_without_common_version_fails_and_closes() {
    let mut sw = switch();
    let (id, _) = sw.open_conn(ConnKind::Service, version_bit(Version::Of10));
    let peer = enc(
        Version::Of14,
        1,
        Message::Hello(Hello::with_versions(&[Version::Of14])),
    );
    let out = sw.receive(id, &peer, &mut env());
    assert_eq!(out.last(), Some(&Outgoing::Close(id)));
    let msgs = sent(&out, id);
    assert_eq!(error_of(&msgs[0]), Some(OfpErr::OFPHFC_INCOMPATIBLE));
    let Message::Error(e) = &msgs[0].body else {
        panic!()
    };
    assert_eq!(
        String::from_utf8_lossy(&e.data),
        "We support version 0x01, you support version 0x05, no common versions."
    );
}

#[test]
fn message_before_hello_closes() {
    let mut sw = switch();
    let (id, _) = sw.open_conn(ConnKind::Service, 0);
    let out = sw.receive(
        id,
        &enc(Version::Of13, 1, Message::BarrierRequest),
        &mut env(),
    );
    assert_eq!(out, vec![Outgoing::Close(id)]);
}

#[test]
fn echo_barrier_and_other_version_refused() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let out = sw.receive(
        c,
        &enc(Version::Of13, 7, Message::EchoRequest(vec![1, 2, 3])),
        &mut env(),
    );
    let m = &sent(&out, c)[0];
    assert_eq!(m.xid, 7);
    assert_eq!(m.body, Message::EchoReply(vec![1, 2, 3]));
    let out = sw.receive(
        c,
        &enc(Version::Of13, 8, Message::BarrierRequest),
        &mut env(),
    );
    assert_eq!(sent(&out, c)[0].body, Message::BarrierReply);
    // A barrier in another version gets OFPBRC_BAD_VERSION in that version (as Open
    // vSwitch 3.1 answers), an echo is answered in its version.
    let out = sw.receive(
        c,
        &enc(Version::Of10, 9, Message::BarrierRequest),
        &mut env(),
    );
    let m = &sent(&out, c)[0];
    assert_eq!(m.version, Version::Of10);
    assert!(matches!(m.body, Message::Error(_)), "{m:?}");
    let out = sw.receive(
        c,
        &enc(Version::Of10, 9, Message::EchoRequest(vec![])),
        &mut env(),
    );
    assert_eq!(sent(&out, c)[0].version, Version::Of10);
}

#[test]
fn unknown_and_malformed_messages_get_errors() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let bad_type = [4u8, 99, 0, 8, 0, 0, 0, 5];
    let out = sw.receive(c, &bad_type, &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BAD_TYPE);
    // A reply sent to the switch.
    let out = sw.receive(c, &enc(Version::Of13, 3, Message::BarrierReply), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BAD_TYPE);
    // Truncated features request (bad length).
    let bad_len = [4u8, 5, 0, 12, 0, 0, 0, 5, 0, 0, 0, 0];
    let out = sw.receive(c, &bad_len, &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BAD_LEN);
    // Unknown vendor.
    let out = sw.receive(
        c,
        &enc(
            Version::Of13,
            3,
            Message::Experimenter {
                experimenter: 0x1234,
                data: vec![0, 0, 0, 1],
            },
        ),
        &mut env(),
    );
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BAD_VENDOR);
    // The connection goes on.
    let out = sw.receive(
        c,
        &enc(Version::Of13, 8, Message::BarrierRequest),
        &mut env(),
    );
    assert_eq!(sent(&out, c)[0].body, Message::BarrierReply);
}

#[test]
fn features_include_ports_up_to_of12() {
    let mut sw = switch();
    for (v, n) in [(Version::Of10, 3), (Version::Of12, 3), (Version::Of13, 0)] {
        let c = connect(&mut sw, ConnKind::Service, v);
        let out = sw.receive(c, &enc(v, 2, Message::FeaturesRequest), &mut env());
        let Message::FeaturesReply(f) = &sent(&out, c)[0].body else {
            panic!()
        };
        assert_eq!(f.datapath_id, 0x1234);
        assert_eq!(f.n_tables, 254);
        assert_eq!(f.ports.len(), n);
    }
}

#[test]
fn get_and_set_config() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let get = enc(Version::Of10, 2, Message::GetConfigRequest);
    let out = sw.receive(c, &get, &mut env());
    let Message::GetConfigReply(cfg) = sent(&out, c)[0].body else {
        panic!()
    };
    assert_eq!((cfg.flags, cfg.miss_send_len), (0, 128));
    let set = openflow::msgs::config::SwitchConfig {
        flags: 1,
        miss_send_len: 1000,
    };
    assert!(sw
        .receive(
            c,
            &enc(Version::Of10, 3, Message::SetConfig(set)),
            &mut env()
        )
        .is_empty());
    let out = sw.receive(c, &get, &mut env());
    let Message::GetConfigReply(cfg) = sent(&out, c)[0].body else {
        panic!()
    };
    assert_eq!((cfg.flags, cfg.miss_send_len), (1, 1000));
    // Reassembly is not supported: the mode stays.
    let set = openflow::msgs::config::SwitchConfig {
        flags: 2,
        miss_send_len: 0,
    };
    let _ = sw.receive(
        c,
        &enc(Version::Of10, 3, Message::SetConfig(set)),
        &mut env(),
    );
    let out = sw.receive(c, &get, &mut env());
    let Message::GetConfigReply(cfg) = sent(&out, c)[0].body else {
        panic!()
    };
    assert_eq!(cfg.flags, 1);
}

fn role_req(v: Version, role: WireRole, gen: u64) -> Vec<u8> {
    enc(
        v,
        5,
        Message::RoleRequest(RoleMsg {
            role,
            generation_id: Some(gen),
        }),
    )
}

#[test]
fn roles_generation_ids_and_secondary_refusal() {
    let mut sw = switch();
    let a = connect(&mut sw, ConnKind::Controller, Version::Of14);
    let b = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let out = sw.receive(
        a,
        &role_req(Version::Of14, WireRole::Primary, 10),
        &mut env(),
    );
    let Message::RoleReply(r) = sent(&out, a)[0].body else {
        panic!()
    };
    assert_eq!(r.role, WireRole::Primary);
    assert_eq!(r.generation_id, Some(10));
    // A stale generation id is refused.
    let out = sw.receive(
        b,
        &role_req(Version::Of13, WireRole::Primary, 9),
        &mut env(),
    );
    assert_eq!(only_error(&out, b), OfpErr::OFPRRFC_STALE);
    // A newer one takes over; the old primary becomes secondary and is told so.
    let out = sw.receive(
        b,
        &role_req(Version::Of13, WireRole::Primary, 11),
        &mut env(),
    );
    assert_eq!(sw.conn(a).map(|c| c.role), Some(Role::Secondary));
    let to_a = sent(&out, a);
    assert!(matches!(&to_a[0].body, Message::RoleStatus(s) if s.role == WireRole::Secondary));
    // A secondary may not modify the tables.
    let fm = flow_mod(Version::Of14, fmc::ADD, "ip", "output:1");
    let out = sw.receive(a, &enc(Version::Of14, 6, Message::FlowMod(fm)), &mut env());
    assert_eq!(only_error(&out, a), OfpErr::OFPBRC_IS_SECONDARY);
    // Nicira role request: reply in Nicira form.
    let nx = enc_raw(
        Version::Of10,
        7,
        "NXT_ROLE_REQUEST",
        Message::RoleRequest(RoleMsg {
            role: WireRole::Equal,
            generation_id: None,
        }),
    );
    let c = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let out = sw.receive(c, &nx, &mut env());
    let m = &sent(&out, c)[0];
    assert_eq!(m.raw.map(|r| r.entry().name), Some("NXT_ROLE_REPLY"));
    // A bad role value.
    let out = sw.receive(
        b,
        &role_req(Version::Of13, WireRole::Other(9), 12),
        &mut env(),
    );
    assert_eq!(only_error(&out, b), OfpErr::OFPRRFC_BAD_ROLE);
}

#[test]
fn role_status_reaches_demoted_service_connection() {
    // Observed on OVS 3.1: a management connection that was primary hears about its
    // demotion even with miss_send_len 0; OpenFlow 1.0 cannot be told.
    let mut sw = switch();
    let s13 = connect(&mut sw, ConnKind::Service, Version::Of13);
    let s10 = connect(&mut sw, ConnKind::Service, Version::Of10);
    let s14 = connect(&mut sw, ConnKind::Service, Version::Of14);
    let _ = sw.receive(
        s13,
        &role_req(Version::Of13, WireRole::Primary, 5),
        &mut env(),
    );
    let nx = enc_raw(
        Version::Of10,
        7,
        "NXT_ROLE_REQUEST",
        Message::RoleRequest(RoleMsg {
            role: WireRole::Primary,
            generation_id: None,
        }),
    );
    let out = sw.receive(s10, &nx, &mut env());
    let st = sent(&out, s13);
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].raw.map(|r| r.entry().name), Some("ONFT_ROLE_STATUS"));
    let out = sw.receive(
        s14,
        &role_req(Version::Of14, WireRole::Primary, 7),
        &mut env(),
    );
    assert!(sent(&out, s10).is_empty());
    let out = sw.receive(
        s14,
        &role_req(Version::Of14, WireRole::Equal, 0),
        &mut env(),
    );
    let Message::RoleReply(r) = sent(&out, s14)[0].body else {
        panic!()
    };
    assert_eq!((r.role, r.generation_id), (WireRole::Equal, Some(7)));
    let out = sw.receive(
        s14,
        &enc(Version::Of14, 2, Message::GetAsyncRequest),
        &mut env(),
    );
    let Message::GetAsyncReply(cfg) = &sent(&out, s14)[0].body else {
        panic!()
    };
    let masks: Vec<(u16, u32)> = cfg.props.iter().map(|p| (p.ty, p.mask)).collect();
    assert_eq!(
        masks,
        vec![
            (0, 0),
            (1, 0x3b),
            (2, 7),
            (3, 7),
            (4, 0),
            (5, 0x3f),
            (6, 0),
            (7, 0),
            (8, 0),
            (9, 0),
            (10, 0),
            (11, 0)
        ]
    );
}

#[test]
fn async_config_get_and_set() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let out = sw.receive(
        c,
        &enc(Version::Of13, 2, Message::GetAsyncRequest),
        &mut env(),
    );
    let Message::GetAsyncReply(cfg) = &sent(&out, c)[0].body else {
        panic!()
    };
    use openflow::msgs::config::acpt;
    assert_eq!(cfg.get(acpt::PACKET_IN_MASTER), Some(3));
    assert_eq!(cfg.get(acpt::FLOW_REMOVED_MASTER), Some(0xf));
    assert_eq!(cfg.get(acpt::PORT_STATUS_SLAVE), Some(7));
    let set = AsyncConfig {
        props: vec![AsyncProp {
            ty: acpt::FLOW_REMOVED_MASTER,
            mask: 0,
        }],
        other: Vec::new(),
    };
    // OpenFlow 1.4 properties: only the ones present change.
    let c = connect(&mut sw, ConnKind::Controller, Version::Of14);
    let _ = sw.receive(
        c,
        &enc(Version::Of14, 3, Message::SetAsync(set)),
        &mut env(),
    );
    let out = sw.receive(
        c,
        &enc(Version::Of14, 2, Message::GetAsyncRequest),
        &mut env(),
    );
    let Message::GetAsyncReply(cfg) = &sent(&out, c)[0].body else {
        panic!()
    };
    assert_eq!(cfg.get(acpt::FLOW_REMOVED_MASTER), Some(0));
    assert_eq!(cfg.get(acpt::PACKET_IN_MASTER), Some(0x3b));
}

#[test]
fn flow_mod_add_dump_delete_and_flow_removed() {
    let mut sw = switch();
    let svc = connect(&mut sw, ConnKind::Service, Version::Of13);
    let ctl = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let mut fm = flow_mod(Version::Of13, fmc::ADD, "ip,nw_dst=10.0.0.1", "output:2");
    fm.flags = fmf::SEND_FLOW_REM;
    fm.cookie = 0x77;
    let mut e = env();
    let out = sw.receive(svc, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut e);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(e.changed, 1);
    let flows = dump(&mut sw, svc, Version::Of13);
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0].cookie, 0x77);
    // Delete: the controller gets FLOW_REMOVED (reason delete) in OpenFlow 1.0.
    let del = flow_mod(Version::Of13, fmc::DELETE, "", "");
    let out = sw.receive(
        svc,
        &enc(Version::Of13, 3, Message::FlowMod(del)),
        &mut env(),
    );
    assert!(sent(&out, svc).is_empty());
    let to_ctl = sent(&out, ctl);
    assert_eq!(to_ctl.len(), 1);
    let Message::FlowRemoved(fr) = &to_ctl[0].body else {
        panic!()
    };
    assert_eq!((fr.cookie, fr.reason), (0x77, 2));
    assert!(dump(&mut sw, svc, Version::Of13).is_empty());
}

#[test]
fn flow_mod_errors() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let cases = [
        ("", "group:7", OfpErr::OFPBAC_BAD_OUT_GROUP),
        ("", "meter:3,output:1", OfpErr::OFPMMFC_INVALID_METER),
        (
            "",
            "set_field:1.2.3.4->ip_src",
            OfpErr::OFPBAC_MATCH_INCONSISTENT,
        ),
    ];
    for (m, a, want) in cases {
        let fm = flow_mod(Version::Of13, fmc::ADD, m, a);
        let out = sw.receive(c, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut env());
        assert_eq!(only_error(&out, c), want, "{a}");
    }
    let mut fm = flow_mod(Version::Of13, fmc::ADD, "", "output:1");
    fm.command = 9;
    let out = sw.receive(c, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPFMFC_BAD_COMMAND);
    let mut fm = flow_mod(Version::Of13, fmc::ADD, "", "output:1");
    fm.table_id = 254;
    let out = sw.receive(c, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_EPERM);
    // OpenFlow 1.0: a table id without NXT_FLOW_MOD_TABLE_ID is a bad command.
    let c10 = connect(&mut sw, ConnKind::Service, Version::Of10);
    let mut fm = flow_mod(Version::Of10, fmc::ADD, "", "output:1");
    fm.table_id = 3;
    let bytes = enc(Version::Of10, 2, Message::FlowMod(fm));
    let out = sw.receive(c10, &bytes, &mut env());
    assert_eq!(only_error(&out, c10), OfpErr::OFPFMFC_BAD_COMMAND);
    let _ = sw.receive(
        c10,
        &enc(Version::Of10, 3, Message::FlowModTableId(1)),
        &mut env(),
    );
    let out = sw.receive(c10, &bytes, &mut env());
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(dump(&mut sw, c10, Version::Of10)[0].table_id, 3);
}

#[test]
fn bundles() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of14);
    let ctrl = |id, ty| {
        enc(
            Version::Of14,
            10,
            Message::BundleControl(BundleCtrl {
                bundle_id: id,
                ctrl_type: ty,
                flags: 1,
                props: Vec::new(),
            }),
        )
    };
    let add = |id, xid, fm: WireFlowMod| {
        let inner = enc(Version::Of14, xid, Message::FlowMod(fm));
        enc(
            Version::Of14,
            xid,
            Message::BundleAdd(BundleAdd {
                bundle_id: id,
                flags: 1,
                message: inner,
                props: Vec::new(),
            }),
        )
    };
    let out = sw.receive(c, &ctrl(1, ctrl_type::OPEN_REQUEST), &mut env());
    assert!(
        matches!(&sent(&out, c)[0].body, Message::BundleControl(b) if b.ctrl_type == ctrl_type::OPEN_REPLY)
    );
    let out = sw.receive(c, &ctrl(1, ctrl_type::OPEN_REQUEST), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBFC_BAD_ID);
    let fm1 = flow_mod(Version::Of14, fmc::ADD, "in_port=1", "output:2");
    let fm2 = flow_mod(Version::Of14, fmc::ADD, "in_port=2", "output:1");
    assert!(sw
        .receive(c, &add(1, 20, fm1.clone()), &mut env())
        .is_empty());
    assert!(sw.receive(c, &add(1, 21, fm2), &mut env()).is_empty());
    // Nothing is visible before the commit.
    assert!(dump(&mut sw, c, Version::Of14).is_empty());
    let out = sw.receive(c, &ctrl(1, ctrl_type::COMMIT_REQUEST), &mut env());
    assert!(
        matches!(&sent(&out, c)[0].body, Message::BundleControl(b) if b.ctrl_type == ctrl_type::COMMIT_REPLY)
    );
    assert_eq!(dump(&mut sw, c, Version::Of14).len(), 2);
    // A failing add fails the whole commit; the first add is not kept.
    let mut fm3 = flow_mod(Version::Of14, fmc::ADD, "in_port=3", "output:1");
    fm3.priority = 7;
    let mut fm4 = fm1.clone();
    fm4.table_id = 254;
    assert!(sw.receive(c, &add(2, 30, fm3), &mut env()).is_empty());
    assert!(sw.receive(c, &add(2, 31, fm4), &mut env()).is_empty());
    let out = sw.receive(c, &ctrl(2, ctrl_type::COMMIT_REQUEST), &mut env());
    let errs: Vec<_> = sent(&out, c).iter().filter_map(error_of).collect();
    assert_eq!(errs, vec![OfpErr::OFPBRC_EPERM, OfpErr::OFPBFC_MSG_FAILED]);
    assert_eq!(sent(&out, c)[0].xid, 31);
    assert_eq!(dump(&mut sw, c, Version::Of14).len(), 2);
    // Discarding an unknown bundle.
    let out = sw.receive(c, &ctrl(5, ctrl_type::DISCARD_REQUEST), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBFC_BAD_ID);
    // A reference to a missing group fails at commit (it could be added before).
    let bad = flow_mod(Version::Of14, fmc::ADD, "", "group:9");
    assert!(sw.receive(c, &add(3, 40, bad), &mut env()).is_empty());
    let out = sw.receive(c, &ctrl(3, ctrl_type::COMMIT_REQUEST), &mut env());
    let errs: Vec<_> = sent(&out, c).iter().filter_map(error_of).collect();
    assert_eq!(
        errs,
        vec![OfpErr::OFPBAC_BAD_OUT_GROUP, OfpErr::OFPBFC_MSG_FAILED]
    );
    // A malformed one is refused when added.
    let mut bad = flow_mod(Version::Of14, fmc::ADD, "", "output:1");
    bad.command = 9;
    let out = sw.receive(c, &add(4, 41, bad), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPFMFC_BAD_COMMAND);
}

#[test]
fn port_status_on_port_changes() {
    let mut sw = switch();
    let ctl = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let svc = connect(&mut sw, ConnKind::Service, Version::Of13);
    let mut ports = sw.ports().to_vec();
    ports.retain(|p| p.ofp_port != 2);
    ports.push(port(3));
    if let Some(p) = ports.iter_mut().find(|p| p.ofp_port == 1) {
        p.state = 1;
    }
    let out = sw.set_ports(ports);
    assert!(sent(&out, svc).is_empty());
    let reasons: Vec<(u8, u32)> = sent(&out, ctl)
        .iter()
        .map(|m| match &m.body {
            Message::PortStatus(s) => (s.reason, s.port.port_no),
            b => panic!("{b:?}"),
        })
        .collect();
    assert_eq!(reasons, vec![(1, 2), (2, 1), (0, 3)]);
    assert_eq!(sw.snap.ports.len(), 3);
    assert!(!sw.snap.port(1).expect("p1").up);
}

#[test]
fn packet_in_formats_and_miss_send_len() {
    let mut sw = switch();
    let c10 = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let c13 = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let nx = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let _ = sw.receive(
        nx,
        &enc_raw(
            Version::Of10,
            2,
            "NXT_SET_PACKET_IN_FORMAT",
            Message::SetPacketInFormat(1),
        ),
        &mut env(),
    );
    let svc = connect(&mut sw, ConnKind::Service, Version::Of13);
    let out = sw.packet_in(PacketIn {
        in_port: 2,
        reason: 0,
        table_id: 0,
        cookie: 0,
        packet: vec![0xab; 200],
        max_len: None,
        controller_id: 0,
        metadata: flow::Match::catchall(),
    });
    assert!(sent(&out, svc).is_empty());
    // no_match, action and its refinements.
    assert!(sw.refresh_wanted_packet_ins());
    assert_eq!(sw.snap.wanted_packet_ins, 0x3b);
    assert!(!sw.refresh_wanted_packet_ins());
    for c in [c10, c13, nx] {
        let msgs = sent(&out, c);
        let Message::PacketIn(pi) = &msgs[0].body else {
            panic!("{msgs:?}")
        };
        assert_eq!(pi.data.len(), 128);
        assert_eq!(pi.total_len, 200);
        assert_eq!(pi.match_.exact_value(flow::FieldId::InPort), Some(2));
    }
    assert_eq!(
        sent(&out, nx)[0].raw.map(|r| r.entry().name),
        Some("NXT_PACKET_IN")
    );
}

#[test]
fn idle_timeout_expires_with_flow_removed() {
    let mut sw = switch();
    let ctl = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let mut fm = flow_mod(Version::Of13, fmc::ADD, "ip", "output:1");
    fm.idle_timeout = 5;
    fm.flags = fmf::SEND_FLOW_REM;
    let mut e = env();
    assert!(sw
        .receive(ctl, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut e)
        .is_empty());
    e.now = 3000;
    assert!(sw.run_timers(&mut e).is_empty());
    e.now = 7000;
    let out = sw.run_timers(&mut e);
    let Message::FlowRemoved(fr) = &sent(&out, ctl)[0].body else {
        panic!()
    };
    assert_eq!(fr.reason, 0);
}

#[test]
fn packet_out_executes_and_validates() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let mut m = flow::Match::catchall();
    m.set_raw(flow::FieldId::InPort, 1, 0xffff);
    let av = ofp_actions::Version::Of13;
    let po = |acts: &str| openflow::msgs::flow::PacketOut {
        buffer_id: openflow::msgs::flow::NO_BUFFER,
        match_: m,
        actions: RawActions {
            version: Version::Of13,
            bytes: ofp_actions::encode_actions(
                &ofp_actions::parse_actions(acts, None).expect("parse"),
                av,
            )
            .expect("encode"),
        },
        data: vec![0; 60],
    };
    let mut e = env();
    let out = sw.receive(
        c,
        &enc(Version::Of13, 2, Message::PacketOut(po("output:2"))),
        &mut e,
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(e.outs.len(), 1);
    assert_eq!(e.outs[0].0, 1);
    let out = sw.receive(
        c,
        &enc(Version::Of13, 2, Message::PacketOut(po("group:1"))),
        &mut e,
    );
    assert_eq!(only_error(&out, c), OfpErr::OFPBAC_BAD_OUT_GROUP);
    let mut buffered = po("output:2");
    buffered.buffer_id = 5;
    let out = sw.receive(
        c,
        &enc(Version::Of13, 2, Message::PacketOut(buffered)),
        &mut e,
    );
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BUFFER_UNKNOWN);
}

#[test]
fn large_flow_dump_is_split() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    for i in 0..2000u32 {
        let fm = flow_mod(
            Version::Of13,
            fmc::ADD,
            &format!("ip,nw_src=10.0.{}.{}", i / 256, i % 256),
            "output:1",
        );
        let out = sw.receive(c, &enc(Version::Of13, i, Message::FlowMod(fm)), &mut env());
        assert!(out.is_empty());
    }
    let req = FlowStatsRequest {
        table_id: 0xff,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        cookie: 0,
        cookie_mask: 0,
        match_: flow::Match::catchall(),
    };
    let out = sw.receive(
        c,
        &enc(Version::Of13, 9, Message::FlowStatsRequest(req)),
        &mut env(),
    );
    let msgs = sent(&out, c);
    assert!(msgs.len() > 1);
    let (last, rest) = msgs.split_last().expect("replies");
    assert!(rest.iter().all(|m| m.stats_flags == 1));
    assert_eq!(last.stats_flags, 0);
    let n: usize = msgs
        .iter()
        .map(|m| match &m.body {
            Message::FlowStatsReply(s) => s.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(n, 2000);
}

#[test]
fn port_mod_changes_config_and_reports() {
    let mut sw = switch();
    let ctl = connect(&mut sw, ConnKind::Controller, Version::Of13);
    let pm = |port: u32, addr: [u8; 6]| openflow::msgs::port::PortMod {
        port_no: port,
        hw_addr: addr,
        config: 1,
        mask: 1,
        advertise: Some(0),
        props: Vec::new(),
    };
    let out = sw.receive(
        ctl,
        &enc(
            Version::Of13,
            2,
            Message::PortMod(pm(1, [0, 0, 0, 0, 0, 1])),
        ),
        &mut env(),
    );
    assert!(matches!(&sent(&out, ctl)[0].body, Message::PortStatus(s) if s.reason == 2));
    assert_eq!(sw.port(1).map(|p| p.config), Some(1));
    let out = sw.receive(
        ctl,
        &enc(Version::Of13, 3, Message::PortMod(pm(9, [0; 6]))),
        &mut env(),
    );
    assert_eq!(only_error(&out, ctl), OfpErr::OFPPMFC_BAD_PORT);
    let out = sw.receive(
        ctl,
        &enc(Version::Of13, 3, Message::PortMod(pm(2, [9; 6]))),
        &mut env(),
    );
    assert_eq!(only_error(&out, ctl), OfpErr::OFPPMFC_BAD_HW_ADDR);
}

#[test]
fn table_desc_reply() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of14);
    let req = [5u8, 18, 0, 16, 0, 0, 0, 4, 0, 14, 0, 0, 0, 0, 0, 0];
    let out = sw.receive(c, &req, &mut env());
    let msgs = sent(&out, c);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let Message::TableDescReply(d) = &msgs[0].body else {
        panic!("{msgs:?}")
    };
    assert_eq!(d.len(), 254);
    assert_eq!(d[3].eviction_flags(), Some(7));
}

fn all_flows() -> FlowStatsRequest {
    FlowStatsRequest {
        table_id: 0xff,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        cookie: 0,
        cookie_mask: 0,
        match_: flow::Match::catchall(),
    }
}

/// The bodies of all replies to `req` on `c`.
fn ask(sw: &mut Switch, c: ConnId, req: Vec<u8>) -> Vec<Message> {
    let out = sw.receive(c, &req, &mut env());
    sent(&out, c).into_iter().map(|m| m.body).collect()
}

#[test]
fn desc_port_and_queue_statistics() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let r = ask(&mut sw, c, enc(Version::Of13, 2, Message::DescRequest));
    assert!(matches!(&r[0], Message::DescReply(d) if d.hw_desc == "Open vSwitch"));
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            3,
            Message::PortStatsRequest { port: ofpp::ANY },
        ),
    );
    let Message::PortStatsReply(ps) = &r[0] else {
        panic!("{r:?}")
    };
    assert_eq!(ps.len(), 3);
    assert_eq!(ps[0].rx_dropped, u64::MAX);
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 3, Message::PortStatsRequest { port: 0xff00 }),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPBAC_BAD_OUT_PORT));
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            4,
            Message::PortDescRequest { port: ofpp::ANY },
        ),
    );
    assert!(matches!(&r[0], Message::PortDescReply(p) if p.len() == 3 && p[0].state == 4));
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            5,
            Message::QueueStatsRequest {
                port: 2,
                queue: 0xffff_ffff,
            },
        ),
    );
    assert!(matches!(&r[0], Message::QueueStatsReply(q) if q.len() == 1 && q[0].port_no == 2));
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 6, Message::QueueGetConfigRequest { port: 9 }),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPQOFC_BAD_PORT));
}

fn error_of_body(m: &Message) -> Option<OfpErr> {
    match m {
        Message::Error(e) => match e.code {
            ErrorCode::Known(k) => Some(k),
            ErrorCode::Wire(_) => None,
        },
        _ => None,
    }
}

#[test]
fn groups_and_meters() {
    use openflow::msgs::group::{Bucket as WireBucket, GroupMod as WireGroupMod};
    use openflow::msgs::meter::{BandKind, MeterBand, MeterMod as WireMeterMod};
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let av = ofp_actions::Version::Of13;
    let bucket = |port: &str| WireBucket {
        bucket_id: 0,
        weight: 0,
        watch_port: ofpp::ANY,
        watch_group: 0xffff_ffff,
        actions: RawActions {
            version: Version::Of13,
            bytes: ofp_actions::encode_actions(
                &ofp_actions::parse_actions(&format!("output:{port}"), None).expect("parse"),
                av,
            )
            .expect("encode"),
        },
    };
    let gm = |command, group_type| WireGroupMod {
        command,
        group_type,
        group_id: 5,
        buckets: vec![bucket("1"), bucket("2")],
        command_bucket_id: 0xffff_ffff,
        props: Vec::new(),
    };
    assert!(ask(
        &mut sw,
        c,
        enc(Version::Of13, 2, Message::GroupMod(gm(0, 0)))
    )
    .is_empty());
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 3, Message::GroupMod(gm(0, 0))),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPGMFC_GROUP_EXISTS));
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 3, Message::GroupMod(gm(0, 9))),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPGMFC_BAD_TYPE));
    // A flow using the group; deleting the group deletes it.
    let fm = flow_mod(Version::Of13, fmc::ADD, "ip", "group:5");
    assert!(ask(&mut sw, c, enc(Version::Of13, 4, Message::FlowMod(fm))).is_empty());
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            5,
            Message::GroupStatsRequest {
                group_id: 0xffff_fffc,
            },
        ),
    );
    assert!(
        matches!(&r[0], Message::GroupStatsReply(g) if g[0].ref_count == 1 && g[0].buckets.len() == 2)
    );
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            6,
            Message::GroupDescRequest {
                group_id: 0xffff_fffc,
            },
        ),
    );
    assert!(matches!(&r[0], Message::GroupDescReply(g) if g[0].group_id == 5));
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 7, Message::GroupFeaturesRequest),
    );
    assert!(matches!(&r[0], Message::GroupFeaturesReply(f) if f.types == 0xf));
    assert!(ask(
        &mut sw,
        c,
        enc(Version::Of13, 8, Message::GroupMod(gm(2, 0)))
    )
    .is_empty());
    assert!(dump(&mut sw, c, Version::Of13).is_empty());
    // Meters.
    let mm = |command, flags| WireMeterMod {
        command,
        flags,
        meter_id: 3,
        bands: vec![MeterBand {
            rate: 1000,
            burst_size: 0,
            kind: BandKind::Drop,
        }],
    };
    assert!(ask(
        &mut sw,
        c,
        enc(Version::Of13, 9, Message::MeterMod(mm(0, 1)))
    )
    .is_empty());
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 10, Message::MeterMod(mm(0, 1))),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPMMFC_METER_EXISTS));
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            11,
            Message::MeterConfigRequest {
                meter_id: 0xffff_ffff,
            },
        ),
    );
    assert!(
        matches!(&r[0], Message::MeterConfigReply(m) if m[0].flags == 1 && m[0].bands.len() == 1)
    );
    let r = ask(
        &mut sw,
        c,
        enc(
            Version::Of13,
            12,
            Message::MeterStatsRequest { meter_id: 4 },
        ),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPMMFC_UNKNOWN_METER));
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 13, Message::MeterFeaturesRequest),
    );
    assert!(
        matches!(&r[0], Message::MeterFeaturesReply(f) if f.band_types == 2 && f.max_bands == 8)
    );
}

#[test]
fn table_statistics_and_features() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 2, Message::TableStatsRequest),
    );
    assert!(matches!(&r[0], Message::TableStatsReply(t) if t.len() == 254));
    let r = ask(
        &mut sw,
        c,
        enc(Version::Of13, 3, Message::TableFeaturesRequest(Vec::new())),
    );
    let n: usize = r
        .iter()
        .map(|m| match m {
            Message::TableFeaturesReply(t) => t.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(n, 254);
    assert!(r.len() > 1, "the reply is split");
    // OpenFlow 1.1 table statistics (a layout the wire crate does not model).
    let c11 = connect(&mut sw, ConnKind::Service, Version::Of11);
    let r = ask(
        &mut sw,
        c11,
        enc(Version::Of11, 4, Message::TableStatsRequest),
    );
    assert!(matches!(&r[0], Message::Opaque(b) if b.len() == 254 * 88));
}

#[test]
fn nicira_flow_format_and_statistics() {
    let mut sw = switch();
    let ctl = connect(&mut sw, ConnKind::Controller, Version::Of10);
    let _ = sw.receive(
        ctl,
        &enc(Version::Of10, 2, Message::SetFlowFormat(2)),
        &mut env(),
    );
    assert!(sw.conn(ctl).is_some_and(|c| c.nxm));
    let out = sw.receive(
        ctl,
        &enc(Version::Of10, 2, Message::SetFlowFormat(7)),
        &mut env(),
    );
    assert_eq!(only_error(&out, ctl), OfpErr::OFPBRC_EPERM);
    let mut fm = flow_mod(Version::Of10, fmc::ADD, "tcp,tp_dst=22", "output:1");
    fm.flags = fmf::SEND_FLOW_REM;
    let bytes = enc_raw(Version::Of10, 3, "NXT_FLOW_MOD", Message::FlowMod(fm));
    assert!(sw.receive(ctl, &bytes, &mut env()).is_empty());
    let req = enc_raw(
        Version::Of10,
        4,
        "NXST_FLOW",
        Message::FlowStatsRequest(all_flows()),
    );
    let out = sw.receive(ctl, &req, &mut env());
    let m = &sent(&out, ctl)[0];
    assert_eq!(
        m.raw.map(|r| r.display_name()),
        Some("NXST_FLOW reply".into())
    );
    let req = enc_raw(
        Version::Of10,
        5,
        "NXST_AGGREGATE",
        Message::AggregateRequest(all_flows()),
    );
    let out = sw.receive(ctl, &req, &mut env());
    assert!(matches!(&sent(&out, ctl)[0].body, Message::AggregateReply(a) if a.flow_count == 1));
    let del = flow_mod(Version::Of10, fmc::DELETE, "", "");
    let out = sw.receive(
        ctl,
        &enc(Version::Of10, 6, Message::FlowMod(del)),
        &mut env(),
    );
    let m = &sent(&out, ctl)[0];
    assert_eq!(m.raw.map(|r| r.entry().name), Some("NXT_FLOW_REMOVED"));
}

#[test]
fn tlv_map_through_messages() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let mut body = vec![0u8; 8];
    body.extend_from_slice(&[0xff, 0xff, 0, 4, 0, 1, 0, 0]);
    let m = enc_raw(Version::Of13, 2, "NXT_TLV_TABLE_MOD", Message::Opaque(body));
    assert!(sw.receive(c, &m, &mut env()).is_empty());
    assert_eq!(sw.tlv_map().len(), 1);
    let out = sw.receive(
        c,
        &enc(Version::Of13, 3, Message::TlvTableRequest),
        &mut env(),
    );
    let Message::Opaque(b) = &sent(&out, c)[0].body else {
        panic!()
    };
    assert_eq!(b.len(), 24);
}

#[test]
fn flow_monitor_initial_updates_and_cancel() {
    use openflow::msgs::monitor::{fmf as mf, FlowMonitorRequest, FlowUpdate, UpdateEvent};
    let mut sw = switch();
    let watcher = connect(&mut sw, ConnKind::Service, Version::Of14);
    let other = connect(&mut sw, ConnKind::Service, Version::Of14);
    let fm = flow_mod(Version::Of14, fmc::ADD, "ip", "output:1");
    assert!(ask(&mut sw, other, enc(Version::Of14, 2, Message::FlowMod(fm))).is_empty());
    let req = FlowMonitorRequest {
        id: 1,
        flags: mf::INITIAL | mf::ADD | mf::DELETE | mf::MODIFY | mf::ACTIONS,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        table_id: 0xff,
        command: 0,
        match_: flow::Match::catchall(),
    };
    let r = ask(
        &mut sw,
        watcher,
        enc(
            Version::Of14,
            3,
            Message::FlowMonitorRequest(vec![req.clone()]),
        ),
    );
    let Message::FlowMonitorReply(u) = &r[0] else {
        panic!("{r:?}")
    };
    assert!(matches!(&u[..], [FlowUpdate::Full(f)] if f.event == UpdateEvent::Initial));
    // A second monitor with the same id.
    let r = ask(
        &mut sw,
        watcher,
        enc(Version::Of14, 4, Message::FlowMonitorRequest(vec![req])),
    );
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPMOFC_MONITOR_EXISTS));
    // Another connection's modify shows up as one update.
    let fm = flow_mod(Version::Of14, fmc::MODIFY, "ip", "output:2");
    let out = sw.receive(
        other,
        &enc(Version::Of14, 5, Message::FlowMod(fm)),
        &mut env(),
    );
    let to_w = sent(&out, watcher);
    let Message::FlowMonitorReply(u) = &to_w[0].body else {
        panic!("{to_w:?}")
    };
    assert!(matches!(&u[..], [FlowUpdate::Full(f)] if f.event == UpdateEvent::Modified));
    // OpenFlow 1.4 removes a monitor with the delete command.
    let del = FlowMonitorRequest {
        id: 1,
        flags: mf::ADD,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        table_id: 0xff,
        command: 2,
        match_: flow::Match::catchall(),
    };
    let m = enc(Version::Of14, 6, Message::FlowMonitorRequest(vec![del]));
    let r = ask(&mut sw, watcher, m.clone());
    assert!(matches!(&r[0], Message::FlowMonitorReply(u) if u.is_empty()));
    let r = ask(&mut sw, watcher, m);
    assert_eq!(error_of_body(&r[0]), Some(OfpErr::OFPMOFC_UNKNOWN_MONITOR));
    // Nicira cancel of an unknown monitor.
    let c10 = connect(&mut sw, ConnKind::Service, Version::Of10);
    let cancel = enc_raw(
        Version::Of10,
        7,
        "NXT_FLOW_MONITOR_CANCEL",
        Message::FlowMonitorCancel(9),
    );
    let out = sw.receive(c10, &cancel, &mut env());
    assert_eq!(only_error(&out, c10), OfpErr::OFPMOFC_UNKNOWN_MONITOR);
}

#[test]
fn multipart_requests_in_parts() {
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let part = |xid, more| {
        OfpMsg {
            version: Version::Of13,
            xid,
            raw: None,
            stats_flags: if more { 1 } else { 0 },
            body: Message::PortStatsRequest { port: ofpp::ANY },
        }
        .encode()
        .expect("encode")
    };
    // First part: nothing yet; the last part is refused.
    assert!(sw.receive(c, &part(5, true), &mut env()).is_empty());
    let out = sw.receive(c, &part(5, false), &mut env());
    assert_eq!(only_error(&out, c), OfpErr::OFPBRC_BAD_STAT);
    // Parts with empty bodies make a request that is answered.
    let desc = |more| {
        OfpMsg {
            version: Version::Of13,
            xid: 6,
            raw: None,
            stats_flags: if more { 1 } else { 0 },
            body: Message::DescRequest,
        }
        .encode()
        .expect("encode")
    };
    assert!(sw.receive(c, &desc(true), &mut env()).is_empty());
    let out = sw.receive(c, &desc(false), &mut env());
    assert!(matches!(&sent(&out, c)[0].body, Message::DescReply(_)));
    // A first part alone times out.
    let mut e = env();
    assert!(sw.receive(c, &part(7, true), &mut e).is_empty());
    e.now += 500;
    assert!(sent(&sw.run_timers(&mut e), c).is_empty());
    e.now += 600;
    let out = sw.run_timers(&mut e);
    let msgs = sent(&out, c);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].xid, 7);
    assert!(matches!(&msgs[0].body, Message::Error(_)));
}

#[test]
fn big_flow_dumps_fill_each_reply_before_starting_the_next() {
    use openflow::msgs::stats::OFPSF_REPLY_MORE;
    let mut sw = switch();
    let c = connect(&mut sw, ConnKind::Service, Version::Of13);
    let n = 3000u32;
    for i in 0..n {
        let m = format!("tcp,nw_dst=10.0.{}.{},tp_dst={}", i / 256, i % 256, 1 + i);
        let fm = flow_mod(Version::Of13, fmc::ADD, &m, "output:1");
        let out = sw.receive(c, &enc(Version::Of13, 2, Message::FlowMod(fm)), &mut env());
        assert!(out.is_empty(), "{out:?}");
    }
    let req = FlowStatsRequest {
        table_id: 0xff,
        out_port: ofpp::ANY,
        out_group: 0xffff_ffff,
        cookie: 0,
        cookie_mask: 0,
        match_: flow::Match::catchall(),
    };
    let out = sw.receive(
        c,
        &enc(Version::Of13, 9, Message::FlowStatsRequest(req)),
        &mut env(),
    );
    let replies: Vec<&Vec<u8>> = out
        .iter()
        .filter_map(|o| match o {
            Outgoing::Send(id, b) if *id == c => Some(b),
            _ => None,
        })
        .collect();
    assert!(replies.len() > 1, "{} replies", replies.len());
    // An OpenFlow 1.3 multipart reply header is 16 bytes; these entries all have one size.
    let mut entry_len = None;
    let mut ports = Vec::new();
    for (i, b) in replies.iter().enumerate() {
        assert!(b.len() <= 65535);
        let m = OfpMsg::decode(b).expect("decode");
        assert_eq!(m.xid, 9);
        let last = i + 1 == replies.len();
        assert_eq!(m.stats_flags & OFPSF_REPLY_MORE != 0, !last);
        let Message::FlowStatsReply(s) = m.body else {
            panic!("unexpected {:?}", m.body)
        };
        assert!(!s.is_empty());
        let len = *entry_len.get_or_insert((b.len() - 16) / s.len());
        assert_eq!(b.len(), 16 + len * s.len());
        if !last {
            assert!(
                b.len() + len > 65535,
                "reply {i} not full: {} bytes",
                b.len()
            );
        }
        ports.extend(s.iter().map(|f| f.match_.flow().get(flow::FieldId::TpDst)));
    }
    // Every flow once, in the order the tables list them.
    let listed: Vec<u128> = sw
        .snap
        .tables
        .dump_flows(&ofproto_tables::FlowFilter::all())
        .expect("dump")
        .iter()
        .map(|r| r.match_().flow().get(flow::FieldId::TpDst))
        .collect();
    assert_eq!(ports.len(), n as usize);
    assert_eq!(ports, listed);
    let mut sorted = ports.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), n as usize);
}
