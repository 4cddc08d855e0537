//! LACPDU encode/decode: round trips, and decoding of the frames Debian's ovs-vswitchd sent
//! (tests/data/debian_lacpdus.txt).

use bond::pdu::{
    parse_slow_protocol, slow_protocol_payload, state_words, LacpInfo, LacpPdu, PduError,
    SlowProtocol, LACP_PDU_LEN, STATE_ACTIVITY, STATE_AGGREGATION, STATE_COLLECTING,
    STATE_DEFAULTED, STATE_DISTRIBUTING, STATE_EXPIRED, STATE_SYNC, STATE_TIMEOUT,
};

const CAPTURES: &str = include_str!("data/debian_lacpdus.txt");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn capture(label: &str) -> Vec<u8> {
    let line = CAPTURES
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no capture {label}"));
    unhex(line.split_whitespace().nth(1).expect("hex column"))
}

fn decode_frame(frame: &[u8]) -> LacpPdu {
    let payload = slow_protocol_payload(frame).expect("slow protocols frame");
    LacpPdu::decode(payload).expect("LACPDU")
}

#[test]
fn every_debian_capture_decodes_and_reencodes_identically() {
    let mut n = 0;
    for line in CAPTURES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut cols = line.split_whitespace();
        let label = cols.next().expect("label");
        let frame = unhex(cols.next().expect("hex"));
        assert_eq!(frame.len(), 14 + LACP_PDU_LEN, "{label}");
        let pdu = decode_frame(&frame);
        let mut src = [0u8; 6];
        src.copy_from_slice(&frame[6..12]);
        assert_eq!(pdu.to_frame(src), frame, "{label} re-encodes byte for byte");
        n += 1;
    }
    assert_eq!(n, 5);
}

#[test]
fn debian_capture_fields() {
    let pdu = decode_frame(&capture("a1_current_in_sync"));
    assert_eq!(
        pdu.actor,
        LacpInfo {
            sys_priority: 65534,
            sys_id: [0xaa, 0x55, 0xaa, 0x55, 0, 0],
            key: 1,
            port_priority: 65535,
            port_id: 1,
            state: STATE_ACTIVITY
                | STATE_AGGREGATION
                | STATE_SYNC
                | STATE_COLLECTING
                | STATE_DISTRIBUTING,
        }
    );
    assert_eq!(pdu.partner.sys_id, [0xaa, 0x66, 0xaa, 0x66, 0, 0]);
    assert_eq!(pdu.partner.key, 2);
    assert_eq!(pdu.partner.port_id, 1);
    assert_eq!(pdu.collector_max_delay, 0);
    assert_eq!(
        state_words(pdu.partner.state),
        "activity aggregation synchronized collecting distributing"
    );

    let first = decode_frame(&capture("a1_expired_no_partner"));
    assert_ne!(first.actor.state & STATE_EXPIRED, 0);
    assert_eq!(
        first.partner,
        LacpInfo {
            state: STATE_TIMEOUT,
            ..LacpInfo::default()
        }
    );

    let fast = decode_frame(&capture("c1_expired_fast"));
    assert_eq!(fast.partner.state, STATE_TIMEOUT);
    assert_eq!(fast.actor.port_id, 5);
    assert_eq!(fast.actor.key, 5);
    let defaulted = decode_frame(&capture("c1_defaulted_fast"));
    assert_eq!(
        state_words(defaulted.actor.state),
        "activity timeout aggregation synchronized collecting distributing defaulted"
    );
    assert_eq!(defaulted.actor.state & STATE_DEFAULTED, STATE_DEFAULTED);
    assert_eq!(defaulted.partner, LacpInfo::default());
}

#[test]
fn round_trip_of_arbitrary_values() {
    let pdu = LacpPdu {
        actor: LacpInfo {
            sys_priority: 1,
            sys_id: [1, 2, 3, 4, 5, 6],
            key: 0xabcd,
            port_priority: 0x1234,
            port_id: 0xfffe,
            state: 0xff,
        },
        partner: LacpInfo {
            sys_priority: 0xffff,
            sys_id: [0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54],
            key: 7,
            port_priority: 0,
            port_id: 1,
            state: 0x55,
        },
        collector_max_delay: 0x0102,
    };
    let bytes = pdu.encode();
    assert_eq!(bytes.len(), LACP_PDU_LEN);
    assert_eq!(LacpPdu::decode(&bytes), Ok(pdu));
    assert_eq!(parse_slow_protocol(&bytes), Ok(SlowProtocol::Lacp(pdu)));
    let frame = pdu.to_frame([2, 0, 0, 0, 0, 1]);
    assert_eq!(&frame[..6], &[0x01, 0x80, 0xc2, 0, 0, 2]);
    assert_eq!(&frame[12..14], &[0x88, 0x09]);
    assert_eq!(
        LacpPdu::decode(slow_protocol_payload(&frame).unwrap()),
        Ok(pdu)
    );
}

#[test]
fn malformed_payloads_are_errors_not_panics() {
    let good = LacpPdu::default().encode();
    assert_eq!(LacpPdu::decode(&[]), Err(PduError::TooShort(0)));
    for len in 1..good.len() {
        assert!(LacpPdu::decode(&good[..len]).is_err(), "len {len}");
    }
    let mut bad = good.clone();
    bad[2] = 9;
    assert_eq!(LacpPdu::decode(&bad), Err(PduError::BadTlv("actor")));
    let mut bad = good.clone();
    bad[23] = 19;
    assert_eq!(LacpPdu::decode(&bad), Err(PduError::BadTlv("partner")));
    let mut bad = good.clone();
    bad[42] = 4;
    assert_eq!(LacpPdu::decode(&bad), Err(PduError::BadTlv("collector")));
    let mut marker = good.clone();
    marker[0] = 2;
    assert_eq!(parse_slow_protocol(&marker), Ok(SlowProtocol::Marker));
    marker[0] = 10;
    assert_eq!(parse_slow_protocol(&marker), Err(PduError::NotLacp(10)));
    assert_eq!(
        slow_protocol_payload(&[0u8; 20]),
        Err(PduError::NotSlowProtocols)
    );
    assert_eq!(slow_protocol_payload(&[0u8; 3]), Err(PduError::TooShort(3)));
    // Longer payloads (padding beyond 110 bytes) are accepted.
    let mut long = good.clone();
    long.extend_from_slice(&[0; 20]);
    assert_eq!(LacpPdu::decode(&long), Ok(LacpPdu::default()));
}
