//! Round trips for every sample message in every version:
//! encode -> decode gives the same message, and decode -> encode gives the
//! same bytes.  Also: decode never panics on arbitrary input, and every
//! valid message survives re-framing.

mod common;

use openflow::{split_messages, Message, OfpMsg, Version, MAX_MSG_LEN};
use proptest::prelude::*;

#[test]
fn every_sample_round_trips() {
    let samples = common::all_samples();
    assert!(samples.len() > 200);
    for (name, m) in samples {
        let bytes = m.encode().unwrap_or_else(|e| panic!("{name}: encode: {e}"));
        let back = OfpMsg::decode(&bytes).unwrap_or_else(|e| panic!("{name}: decode: {e}"));
        let mut want = m.clone();
        want.raw = back.raw;
        assert_eq!(back, want, "{name}");
        assert_eq!(back.encode().unwrap(), bytes, "{name}: re-encode");
    }
}

#[test]
fn stored_reference_messages_reencode_identically() {
    // Every well-formed message in the differential data must re-encode
    // byte for byte (this covers hand-written hex, not just our encoder).
    let text = include_str!("data/ofp-print.txt");
    let mut n = 0;
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("### ") {
            let hex = lines.next().unwrap_or_default();
            let bytes = common::unhex(hex).unwrap();
            if let Ok(m) = OfpMsg::decode(&bytes) {
                assert_eq!(m.encode().unwrap(), bytes, "{l}");
                n += 1;
            }
        }
    }
    assert!(n > 100);
}

#[test]
fn opaque_messages_are_kept() {
    // An NXT_CT_FLUSH (not modelled yet) survives decode -> encode.
    let mut fm = vec![4u8, 4, 0, 32, 0, 0, 0, 7, 0, 0, 0x23, 0x20, 0, 0, 0, 32];
    fm.extend((0..16).map(|i| i as u8));
    let m = OfpMsg::decode(&fm).unwrap();
    assert!(matches!(m.body, Message::Opaque(_)));
    assert_eq!(m.raw.unwrap().entry().name, "NXT_CT_FLUSH");
    assert_eq!(m.encode().unwrap(), fm);
}

#[test]
fn length_rules_are_enforced() {
    // GET_CONFIG_REQUEST must be exactly 8 bytes.
    let e = OfpMsg::decode(&[4, 7, 0, 12, 0, 0, 0, 1, 0, 1, 0, 0]).unwrap_err();
    assert_eq!(e.ofperr(), openflow::OfpErr::OFPBRC_BAD_LEN);
    assert_eq!(
        e.to_string(),
        "received OFPT_GET_CONFIG_REQUEST with incorrect length 12 (expected length 8)"
    );
    // Extensible bodies: a minimum plus a multiple of 8.
    let e = OfpMsg::decode(&[5, 17, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "received OFPT_TABLE_MOD with incorrect length 20 (must be exactly 16 bytes or longer by an integer multiple of 8 bytes)"
    );
    // Length field disagreeing with the buffer.
    assert!(OfpMsg::decode(&[4, 0, 0, 9, 0, 0, 0, 1]).is_err());
    // Unknown version.
    let e = OfpMsg::decode(&[9, 0, 0, 8, 0, 0, 0, 1]).unwrap_err();
    assert_eq!(e.ofperr(), openflow::OfpErr::OFPBRC_BAD_VERSION);
}

#[test]
fn multipart_more_flag_round_trips() {
    for v in Version::ALL {
        let mut m = OfpMsg::new(v, 5, Message::PortDescReply(vec![]));
        m.stats_flags = 1;
        let b = m.encode().unwrap();
        assert_eq!(OfpMsg::decode(&b).unwrap().stats_flags, 1);
    }
}

proptest! {
    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = OfpMsg::decode(&bytes);
        let _ = openflow::print::ofp_to_string(&bytes);
        let _ = split_messages(&bytes, MAX_MSG_LEN);
    }

    #[test]
    fn decode_never_panics_with_valid_header(
        version in 1u8..=6,
        ty in 0u8..36,
        stat in 0u16..20,
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let len = 8 + 4 + body.len();
        let mut b = vec![version, ty, (len >> 8) as u8, len as u8, 0, 0, 0, 1];
        b.extend_from_slice(&stat.to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&body);
        if let Ok(m) = OfpMsg::decode(&b) {
            // Anything that decodes re-encodes.  Arbitrary input may be
            // non-canonical (non-zero padding, non-UTF-8 names, text after
            // a NUL, OF1.0 feature bits 28..31), so the first re-encoding
            // normalises; from then on encoding is a fixpoint.
            let once = m.encode().expect("re-encode");
            let m2 = OfpMsg::decode(&once).expect("re-decode");
            prop_assert_eq!(m2.encode().expect("re-encode twice"), once);
        }
        let _ = openflow::print::ofp_to_string(&b);
    }
}

#[test]
fn negotiation_failure_matches_reference() {
    use openflow::msgs::hello::{negotiate, Hello};
    use openflow::msgs::ofp_error::ErrorMsg;
    // Captured from `ovs-ofctl -O OpenFlow10,OpenFlow13` talking to a peer
    // whose hello (version 4) offers only OpenFlow 1.4 in its bitmap.
    let peer = OfpMsg::decode(&common::unhex("04000010000000010001000800000020").unwrap()).unwrap();
    let Message::Hello(h) = &peer.body else {
        panic!("not a hello")
    };
    let ours = (1 << 1) | (1 << 4);
    let e = negotiate(ours, h, 4).unwrap_err();
    assert_eq!(
        e.to_string(),
        "version negotiation failed (we support versions 0x01, 0x04, peer supports version 0x05)"
    );
    let v = Version::from_wire(e.reply_version).unwrap();
    let reply = OfpMsg::new(v, 0, Message::Error(ErrorMsg::hello_failed(e.err, &e.text)));
    assert_eq!(
        common::hex(&reply.encode().unwrap()),
        "050100590000000000000000576520737570706f72742076657273696f6e7320307830312c20\
         307830342c20796f7520737570706f72742076657273696f6e20307830352c206e6f20636f6d\
         6d6f6e2076657273696f6e732e"
    );
    // Captured: a plain OF1.0 hello against an OF1.3-only ovs-ofctl.
    let e = negotiate(1 << 4, &Hello::default(), 1).unwrap_err();
    let reply = OfpMsg::new(
        Version::from_wire(e.reply_version).unwrap(),
        0,
        Message::Error(ErrorMsg::hello_failed(e.err, &e.text)),
    );
    assert_eq!(
        common::hex(&reply.encode().unwrap()),
        "010100520000000000000000576520737570706f72742076657273696f6e20307830342c2079\
         6f7520737570706f72742076657273696f6e20307830312c206e6f20636f6d6d6f6e207665\
         7273696f6e732e"
    );
    // A plain OF1.3 hello against an OF1.0-only switch agrees on 1.0.
    assert_eq!(negotiate(1 << 1, &Hello::default(), 4), Ok(Version::Of10));
}

#[test]
fn replies() {
    let req = common::unhex("0402000c0000002aabcdef01").unwrap();
    let m = OfpMsg::decode(&req).unwrap();
    let r = m.echo_reply().unwrap();
    assert_eq!(
        common::hex(&r.encode().unwrap()),
        "0403000c0000002aabcdef01"
    );
    let bad = common::unhex("04ff000800000007").unwrap();
    let e = OfpMsg::error_reply(Version::Of13, &bad, openflow::OfpErr::OFPBRC_BAD_TYPE);
    assert_eq!(
        common::hex(&e.encode().unwrap()),
        "040100140000000700010001".to_owned() + "04ff000800000007"
    );
    // Errors that do not exist in a version cannot be encoded.
    let e = OfpMsg::error_reply(Version::Of10, &bad, openflow::OfpErr::OFPMMFC_BAD_BAND);
    assert!(e.encode().is_err());
    // Messages that do not exist in a version cannot be encoded.
    let m = OfpMsg::new(Version::Of10, 1, Message::MeterFeaturesRequest);
    assert!(m.encode().is_err());
}

proptest! {
    #[test]
    fn vendor_messages_never_panic(
        version in 1u8..=6,
        onf in any::<bool>(),
        subtype in prop_oneof![0u32..40, 1860u32..1920, 2290u32..2360],
        stats in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..160),
    ) {
        let vendor: u32 = if onf { 0x4f4e_4600 } else { 0x2320 };
        let mut b = vec![version, 4, 0, 0, 0, 0, 0, 9];
        if stats {
            b[1] = if version == 1 { 17 } else { 19 };
            b.extend_from_slice(&[0xff, 0xff, 0, 0]);
            if version != 1 {
                b.extend_from_slice(&[0, 0, 0, 0]);
            }
        }
        b.extend_from_slice(&vendor.to_be_bytes());
        b.extend_from_slice(&subtype.to_be_bytes());
        b.extend_from_slice(&body);
        let len = b.len().min(0xffff) as u16;
        b[2..4].copy_from_slice(&len.to_be_bytes());
        if let Ok(m) = OfpMsg::decode(&b) {
            let once = m.encode().expect("re-encode");
            let m2 = OfpMsg::decode(&once).expect("re-decode");
            prop_assert_eq!(m2.encode().expect("re-encode twice"), once);
        }
        let _ = openflow::print::ofp_to_string(&b);
    }
}

#[test]
fn samples_cover_every_modelled_message() {
    use openflow::MsgType as T;
    let covered: std::collections::HashSet<T> = common::all_samples()
        .iter()
        .filter_map(|(_, m)| m.body.msg_type())
        .collect();
    for t in [
        T::Hello,
        T::Error,
        T::EchoRequest,
        T::EchoReply,
        T::Experimenter,
        T::FeaturesRequest,
        T::FeaturesReply,
        T::GetConfigRequest,
        T::GetConfigReply,
        T::SetConfig,
        T::PortStatus,
        T::PortMod,
        T::TableMod,
        T::BarrierRequest,
        T::BarrierReply,
        T::QueueGetConfigRequest,
        T::QueueGetConfigReply,
        T::RoleRequest,
        T::RoleReply,
        T::RoleStatus,
        T::GetAsyncRequest,
        T::GetAsyncReply,
        T::SetAsync,
        T::MeterMod,
        T::BundleControl,
        T::BundleAddMessage,
        T::DescRequest,
        T::DescReply,
        T::TableStatsRequest,
        T::TableStatsReply,
        T::PortStatsRequest,
        T::PortStatsReply,
        T::QueueStatsRequest,
        T::QueueStatsReply,
        T::PortDescRequest,
        T::PortDescReply,
        T::QueueDescRequest,
        T::QueueDescReply,
        T::MeterStatsRequest,
        T::MeterStatsReply,
        T::MeterConfigRequest,
        T::MeterConfigReply,
        T::MeterFeaturesRequest,
        T::MeterFeaturesReply,
        T::GroupFeaturesRequest,
        T::GroupFeaturesReply,
        T::TableFeaturesRequest,
        T::TableFeaturesReply,
        T::SetFlowFormat,
        T::FlowModTableId,
        T::SetPacketInFormat,
        T::SetControllerId,
        T::FlowAge,
        T::TlvTableRequest,
        T::CtFlushZone,
        T::TableStatus,
        T::TableDescRequest,
        T::TableDescReply,
        T::FlowMonitorRequest,
        T::FlowMonitorReply,
        T::FlowMonitorCancel,
        T::FlowMonitorPaused,
        T::FlowMonitorResumed,
        T::Resume,
        T::RequestForward,
    ] {
        assert!(covered.contains(&t), "{t:?} has no sample");
    }
}
