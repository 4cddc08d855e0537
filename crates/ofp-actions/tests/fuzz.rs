//! Robustness: decoding arbitrary bytes and parsing arbitrary text never panics.

use ofp_actions::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for v in Version::ALL {
            let _ = decode_actions(&bytes, v);
            let _ = decode_instructions(&bytes, v);
        }
    }

    #[test]
    fn decoding_plausible_actions_never_panics(
        ty in prop_oneof![0u16..30, Just(0xffffu16)],
        subtype in 0u16..64,
        body in proptest::collection::vec(any::<u8>(), 0..60),
    ) {
        let len = (10 + body.len()).div_ceil(8) * 8;
        let mut b = Vec::new();
        b.extend_from_slice(&ty.to_be_bytes());
        b.extend_from_slice(&(len as u16).to_be_bytes());
        b.extend_from_slice(&0x2320u32.to_be_bytes());
        b.extend_from_slice(&subtype.to_be_bytes());
        b.extend_from_slice(&body);
        b.resize(len, 0);
        for v in Version::ALL {
            if let Ok(acts) = decode_actions(&b, v) {
                // Whatever decodes must print and re-encode without panicking.
                let _ = format_actions(&acts, None);
                let _ = encode_actions(&acts, v);
            }
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(s in ".{0,80}") {
        let _ = parse_actions(&s, None);
    }

    #[test]
    fn parsing_action_like_text_never_panics(
        s in "[a-z_:=(),.>0-9\\[\\]x/ -]{0,60}",
    ) {
        if let Ok(acts) = parse_actions(&s, None) {
            let _ = format_actions(&acts, None);
            for v in Version::ALL {
                let _ = encode_instructions(&acts, v);
            }
        }
    }
}

#[test]
fn extension_forms_ovs_may_send_decode() {
    // NXAST_REG_LOAD2 carrying an OXM set_field of reg0 (NXM header 0x00010004, value 5).
    let b = [
        0xff, 0xff, 0x00, 0x18, 0x00, 0x00, 0x23, 0x20, 0x00, 0x21, 0x00, 0x01, 0x00, 0x04, 0x00,
        0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let a = decode_actions(&b, Version::Of10).unwrap();
    assert_eq!(format_actions(&a, None), "set_field:0x5->reg0");
    // NXAST_OUTPUT_REG2 from reg1[0..15], max_len 0xffff.
    let b = [
        0xff, 0xff, 0x00, 0x18, 0x00, 0x00, 0x23, 0x20, 0x00, 0x20, 0x00, 0x0f, 0xff, 0xff, 0x00,
        0x01, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let a = decode_actions(&b, Version::Of10).unwrap();
    assert_eq!(format_actions(&a, None), "output:NXM_NX_REG1[0..15]");
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let text = format!("{}output:1{}", "clone(".repeat(5000), ")".repeat(5000));
    assert_eq!(
        parse_actions(&text, None).unwrap_err().to_string(),
        "action list is nested too deeply"
    );
    // 4000 nested NXAST_CLONE headers, each claiming the rest of the buffer.
    let depth = 4000usize;
    let mut b = Vec::with_capacity(depth * 16);
    for i in 0..depth {
        let len = ((depth - i) * 16) as u16;
        b.extend_from_slice(&[0xff, 0xff]);
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&[0x00, 0x00, 0x23, 0x20, 0x00, 0x2a, 0, 0, 0, 0, 0, 0]);
    }
    assert!(decode_actions(&b, Version::Of10).is_err());
}
