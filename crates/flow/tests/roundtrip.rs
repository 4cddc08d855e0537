//! Property tests: formatting then parsing a valid match gives the same match back, and the
//! parser never panics, whatever it is fed.

use flow::field::{all_fields, FieldId, Maskable, ValueFormat};
use flow::{format_match, parse_match, Match};
use proptest::prelude::*;

/// (dl_type, nw_proto, extra exact fields) bases that pin protocols.
const BASES: &[(Option<u16>, Option<u8>, Option<u16>)] = &[
    (None, None, None),
    (Some(0x0800), None, None),
    (Some(0x86dd), None, None),
    (Some(0x0800), Some(6), None),
    (Some(0x0800), Some(17), None),
    (Some(0x0800), Some(132), None),
    (Some(0x0800), Some(1), None),
    (Some(0x0800), Some(47), None),
    (Some(0x86dd), Some(6), None),
    (Some(0x86dd), Some(17), None),
    (Some(0x86dd), Some(132), None),
    (Some(0x86dd), Some(58), None),
    (Some(0x86dd), Some(58), Some(135)),
    (Some(0x86dd), Some(58), Some(136)),
    (Some(0x0806), None, None),
    (Some(0x8035), None, None),
    (Some(0x8847), None, None),
    (Some(0x8848), None, None),
    (Some(0x1234), None, None),
];

const FRAGS: &[(u128, u128)] = &[(0, 1), (1, 1), (1, 3), (3, 3), (0, 2)];

/// Random (field index, value, mask-choice, mask) tuples applied to primary fields.
fn build(base: usize, picks: Vec<(usize, u128, u8, u128)>) -> Match {
    let mut m = Match::catchall();
    let primaries: Vec<_> = all_fields()
        .iter()
        .filter(|f| f.primary && f.id != FieldId::EthType && f.id != FieldId::NwProto)
        .collect();
    for (idx, value, kind, rmask) in picks {
        let Some(info) = primaries.get(idx % primaries.len()) else {
            continue;
        };
        let valid = info.valid_mask;
        let mask = if info.maskable == Maskable::No {
            valid
        } else {
            match kind % 3 {
                0 => valid,
                1 => rmask & valid,
                _ => {
                    // A prefix mask.
                    let width = valid.count_ones();
                    let len = (rmask % u128::from(width + 1)) as u32;
                    if len == 0 {
                        0
                    } else {
                        (valid >> (width - len)) << (width - len) & valid
                    }
                }
            }
        };
        if info.format == ValueFormat::Frag {
            let (v, mk) = FRAGS[(value % FRAGS.len() as u128) as usize];
            m.set_raw(info.id, v, mk);
        } else {
            m.set_raw(info.id, value, mask);
        }
    }
    if base % 3 == 0 {
        // Often a tracked connection, so the conntrack tuple fields survive.
        m.set_raw(
            FieldId::CtState,
            0x20 | u128::from(base as u8 & 0xcf),
            0x30 | (base as u128 >> 8),
        );
        if base % 2 == 0 {
            m.set_raw(
                FieldId::CtNwProto,
                u128::from((base >> 16) as u8),
                u128::MAX,
            );
        }
    }
    let (dl_type, proto, icmp_type) = BASES[base % BASES.len()];
    if let Some(t) = dl_type {
        m.set_raw(FieldId::EthType, u128::from(t), u128::MAX);
    }
    if let Some(p) = proto {
        m.set_raw(FieldId::NwProto, u128::from(p), u128::MAX);
    }
    if proto == Some(1) || proto == Some(58) {
        // ICMP type/code are exact 8-bit fields on the shared port storage.
        for f in [FieldId::TpSrc, FieldId::TpDst] {
            let (v, mk) = m.get(f);
            if mk != 0 {
                m.set_raw(f, v & 0xff, u128::MAX);
            }
        }
    }
    if let Some(t) = icmp_type {
        m.set_raw(FieldId::TpSrc, u128::from(t), u128::MAX);
    }
    m.drop_unmet_prerequisites();
    m
}

fn pick() -> impl Strategy<Value = (usize, u128, u8, u128)> {
    (any::<usize>(), any::<u128>(), any::<u8>(), any::<u128>())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn format_then_parse_is_identity(
        base in any::<usize>(),
        picks in proptest::collection::vec(pick(), 0..12),
    ) {
        let m = build(base, picks);
        prop_assert!(m.check_prerequisites().is_ok());
        let text = format_match(&m, None);
        if std::env::var_os("SHOW").is_some() {
            // Used by fuzz_oracle.sh to compare our output with ovs-ofctl's.
            eprintln!("{text}");
        }
        let back = parse_match(&text, None);
        prop_assert!(back.is_ok(), "{text:?} failed: {:?}", back);
        let back = back.unwrap_or_default();
        prop_assert_eq!(back, m, "text {:?} reparsed as {:?}", text, format_match(&back, None));
        prop_assert_eq!(format_match(&back, None), text);
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in "\\PC{0,80}") {
        let _ = parse_match(&s, None);
    }

    #[test]
    fn parser_never_panics_on_flow_like_text(
        parts in proptest::collection::vec(
            (
                prop::sample::select(vec![
                    "tcp", "ip", "ipv6", "arp", "icmp6", "in_port", "dl_vlan", "vlan_tci",
                    "nw_src", "ipv6_src", "tp_dst", "tcp_flags", "ct_state", "tun_flags",
                    "nw_frag", "dl_src", "reg0", "xxreg1", "ct_label", "metadata", "icmp_type",
                    "nd_target", "actset_output", "dl_vlan_pcp", "vlan_vid", "", "x",
                ]),
                prop::sample::select(vec!["=", ":", "(", ",", " ", ""]),
                "[0-9a-fA-FxX:./+\\-|*\\[\\]()\"]{0,24}",
            ),
            0..8,
        )
    ) {
        let mut s = String::new();
        for (k, d, v) in parts {
            s.push_str(k);
            s.push_str(d);
            s.push_str(&v);
            s.push(',');
        }
        if let Ok(m) = parse_match(&s, None) {
            // Whatever parses must print and reparse to itself.
            let text = format_match(&m, None);
            prop_assert_eq!(parse_match(&text, None).ok(), Some(m), "{} -> {}", s, text);
        }
    }
}
