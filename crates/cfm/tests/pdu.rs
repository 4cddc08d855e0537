//! CCM encode/decode: decoding and byte-for-byte re-encoding of the frames Debian's
//! ovs-vswitchd sent (tests/data/debian_ccms.txt), field checks, round trips, and errors
//! for malformed frames.

use cfm::pdu::{
    extended_mpid_hash, interval_code_to_ms, ms_to_interval_code, ovs_maid, CCM_DST_EXTENDED,
    CCM_DST_STANDARD, CCM_LEN,
};
use cfm::{Ccm, CcmFrame, PduError, VlanTag};

const CAPTURES: &str = include_str!("data/debian_ccms.txt");

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn capture(label: &str) -> Vec<u8> {
    let line = CAPTURES
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no capture {label}"));
    unhex(line.split_whitespace().nth(1).expect("hex column"))
}

fn decode(label: &str) -> CcmFrame {
    CcmFrame::decode(&capture(label)).expect("decodes")
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
        let f = CcmFrame::decode(&frame).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(f.encode(), frame, "{label} re-encodes byte for byte");
        let hdr = if f.vlan.is_some() { 18 } else { 14 };
        assert_eq!(frame.len(), hdr + CCM_LEN, "{label}");
        n += 1;
    }
    assert_eq!(n, 10);
}

#[test]
fn standard_mode_fields() {
    let f = decode("p1_seq1");
    assert_eq!(f.dst, CCM_DST_STANDARD);
    assert_eq!(f.src, [0xaa, 0x55, 0xaa, 0x55, 0x00, 0x11]);
    assert_eq!(f.vlan, None);
    let c = &f.ccm;
    assert_eq!(
        (c.md_level, c.version, c.interval, c.tlv_offset),
        (0, 0, 4, 70)
    );
    assert_eq!((c.seq, c.mpid, c.rdi), (1, 1, false));
    assert_eq!(c.maid, ovs_maid());
    assert_eq!((c.interval_ms_x, c.mpid64, c.opdown), (0, 0, false));
    assert!(!decode("p1_seq4").ccm.rdi);
    let rdi = decode("p1_seq5_rdi").ccm;
    assert!(rdi.rdi);
    assert_eq!(rdi.seq, 5);
}

#[test]
fn vlan_tagged_fields() {
    let f = decode("p2_seq1_vlan");
    assert_eq!(
        f.vlan,
        Some(VlanTag {
            tpid: 0x8100,
            tci: 3 << 13 | 5
        })
    );
    assert_eq!((f.ccm.mpid, f.ccm.interval), (2, 3));
    let later = decode("p2_seq50").ccm;
    assert_eq!(later.seq, 50);
    assert!(
        later.rdi,
        "no remote MP, so RDI after the first fault check"
    );
}

#[test]
fn extended_mode_fields() {
    let f = decode("p3_seq1_ext_250ms_opdown");
    assert_eq!(f.dst, CCM_DST_EXTENDED);
    let c = &f.ccm;
    assert_eq!((c.interval, c.interval_ms_x), (0, 250));
    assert_eq!(c.mpid64, 123_456_789);
    assert_eq!(c.mpid, extended_mpid_hash(123_456_789));
    assert!(c.opdown);
    let c = decode("p4_seq1_ext_100ms").ccm;
    assert_eq!((c.interval, c.interval_ms_x, c.mpid64), (3, 0, 7));
    assert_eq!(c.mpid, extended_mpid_hash(7));
    assert_eq!(c.mpid, 0x5443);
    assert!(!c.opdown);
}

#[test]
fn interval_codes() {
    assert_eq!(ms_to_interval_code(1000), 4);
    assert_eq!(ms_to_interval_code(1500), 4);
    assert_eq!(ms_to_interval_code(99), 2);
    assert_eq!(ms_to_interval_code(1), 1);
    assert_eq!(ms_to_interval_code(u32::MAX), 7);
    assert_eq!(interval_code_to_ms(0), None);
    assert_eq!(interval_code_to_ms(8), None);
    assert_eq!(interval_code_to_ms(6), Some(60_000));
}

#[test]
fn constructed_ccms_round_trip() {
    for i in 0u32..200 {
        let x = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut maid = [0u8; 48];
        for (k, b) in maid.iter_mut().enumerate() {
            *b = (x >> (k % 56)) as u8;
        }
        let ccm = Ccm {
            md_level: (i % 8) as u8,
            version: (i % 32) as u8,
            rdi: i % 3 == 0,
            interval: (i % 8) as u8,
            tlv_offset: 70,
            seq: x as u32,
            mpid: (x >> 32) as u16,
            maid,
            interval_ms_x: (x >> 16) as u16,
            mpid64: x,
            opdown: i % 2 == 1,
        };
        let frame = CcmFrame {
            dst: CCM_DST_EXTENDED,
            src: [2, 0, 0, 0, 0, i as u8],
            vlan: (i % 4 == 0).then_some(VlanTag {
                tpid: 0x8100,
                tci: i as u16,
            }),
            ccm,
        };
        let bytes = frame.encode();
        assert_eq!(CcmFrame::decode(&bytes), Ok(frame.clone()));
        assert_eq!(Ccm::decode(&frame.ccm.encode()), Ok(frame.ccm));
    }
}

#[test]
fn malformed_frames_are_errors_not_panics() {
    let good = capture("p2_seq1_vlan");
    // Every truncation: the end TLV (last byte) is optional, anything shorter is an error.
    for len in 0..good.len() - 1 {
        let r = CcmFrame::decode(&good[..len]);
        assert!(
            matches!(r, Err(PduError::Truncated { .. })),
            "len {len}: {r:?}"
        );
    }
    assert!(CcmFrame::decode(&good[..good.len() - 1]).is_ok());

    let mut other = good.clone();
    other[16] = 0x08;
    other[17] = 0x00;
    assert_eq!(CcmFrame::decode(&other), Err(PduError::NotCfm(0x0800)));

    let mut lbm = capture("p1_seq1");
    lbm[15] = 3;
    let e = CcmFrame::decode(&lbm).expect_err("loopback message");
    assert_eq!(
        e,
        PduError::UnsupportedOpcode {
            version: 0,
            opcode: 3
        }
    );
    assert_eq!(
        e.to_string(),
        "Received an unsupported 802.1ag message. (version 0) (opcode 3)"
    );

    // Arbitrary garbage never panics.
    let mut x = 1u64;
    for n in 0..2000usize {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut buf: Vec<u8> = (0..n % 120).map(|k| (x >> (k % 57)) as u8).collect();
        if buf.len() > 13 && n % 2 == 0 {
            buf[12] = 0x89;
            buf[13] = 0x02;
        }
        let _ = CcmFrame::decode(&buf);
    }
}

#[test]
fn md_level_is_not_checked() {
    let mut f = capture("p1_seq1");
    f[14] = 0x20;
    assert_eq!(CcmFrame::decode(&f).expect("accepted").ccm.md_level, 1);
}
