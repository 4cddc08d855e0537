//! The OpenFlow 1.1+ actions Open vSwitch rejects and ferroswitch implements:
//! `copy_ttl_out`, `copy_ttl_in`, `push_pbb`, `pop_pbb` (text, wire bytes, checks).

use ofp_actions::*;

#[test]
fn text_round_trip() {
    let text = "copy_ttl_out,copy_ttl_in,push_pbb:0x88e7,pop_pbb";
    let acts = parse_actions(text, None).unwrap();
    assert_eq!(
        acts,
        vec![
            Action::CopyTtlOut,
            Action::CopyTtlIn,
            Action::PushPbb(0x88e7),
            Action::PopPbb
        ]
    );
    assert_eq!(format_actions(&acts, None), text);
    assert!(parse_actions("push_pbb:0x8100", None).is_err());
}

#[test]
fn wire_bytes_for_openflow_13() {
    let acts = vec![
        Action::CopyTtlOut,
        Action::CopyTtlIn,
        Action::PushPbb(0x88e7),
        Action::PopPbb,
    ];
    let bytes = encode_actions(&acts, Version::Of13).unwrap();
    let want: Vec<u8> = [
        [0, 11, 0, 8, 0, 0, 0, 0],
        [0, 12, 0, 8, 0, 0, 0, 0],
        [0, 26, 0, 8, 0x88, 0xe7, 0, 0],
        [0, 27, 0, 8, 0, 0, 0, 0],
    ]
    .concat();
    assert_eq!(bytes, want);
    assert_eq!(decode_actions(&bytes, Version::Of13).unwrap(), acts);
    // OpenFlow 1.0 has none of them.
    assert!(encode_actions(&[Action::PopPbb], Version::Of10).is_err());
    // push_pbb takes only the 802.1ah EtherType.
    assert!(decode_actions(&[0, 26, 0, 8, 0x81, 0, 0, 0], Version::Of13).is_err());
}

#[test]
fn checks_follow_the_packet() {
    let check = |m: &str, a: &str| {
        let m = flow::parse_match(m, None).unwrap();
        let acts = parse_actions(a, None).unwrap();
        check_actions(
            &acts,
            &CheckContext {
                flow_match: &m,
                version: Version::Of13,
                table_id: Some(0),
            },
        )
    };
    assert!(check("mpls", "copy_ttl_out,copy_ttl_in").is_ok());
    assert!(check("ip", "copy_ttl_out").is_err());
    assert!(check("ip", "push_pbb:0x88e7,set_field:5->pbb_isid").is_ok());
    assert!(check("dl_type=0x88e7", "pop_pbb").is_ok());
    assert!(check("ip", "set_field:5->pbb_isid").is_err());
}
