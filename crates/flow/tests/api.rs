//! Unit-level checks of the public API that the oracle table cannot cover: word-level
//! masked hashing, packet matching, port-name maps, the tokenizer and view semantics.

use flow::field::{FieldId, Maskable, Prereq};
use flow::parse::{apply_key_value, finish_match, MatchBuilder};
use flow::{format_match, parse_match, Flow, FlowError, FlowWildcards, KeyValues, Match, PortMap};

fn m(s: &str) -> Match {
    match parse_match(s, None) {
        Ok(m) => m,
        Err(e) => panic!("{s:?}: {e}"),
    }
}

#[test]
fn masked_hash_and_compare_ignore_wildcarded_bits() {
    let rule = m("tcp,nw_dst=10.0.0.0/8,tp_dst=80");
    let mut a = Flow::new();
    a.set_dl_type(0x0800);
    a.set_nw_proto(6);
    a.set_nw_dst(0x0a01_0203);
    a.set_tp_dst(80);
    a.set_tp_src(12345);
    let mut b = a;
    b.set_nw_dst(0x0aff_ffff);
    b.set_tp_src(1);
    b.set_dl_src(0x0200_0000_0001);
    let wc = rule.wildcards();
    assert!(rule.matches(&a));
    assert!(rule.matches(&b));
    assert!(a.eq_masked(&b, wc));
    assert_eq!(a.hash_masked(wc, 7), b.hash_masked(wc, 7));
    assert_eq!(a.masked(wc), *rule.flow());
    b.set_tp_dst(81);
    assert!(!rule.matches(&b));
    assert!(!a.eq_masked(&b, wc));
    assert_ne!(a, b);
}

#[test]
fn wildcards_word_operations() {
    let x = m("ip,nw_src=1.2.3.4");
    let y = m("ip,nw_dst=1.2.3.4");
    let both = x.wildcards().or(y.wildcards());
    assert_eq!(both.count_ones(), 16 + 32 + 32);
    assert_eq!(x.wildcards().and(y.wildcards()).count_ones(), 16);
    assert!(FlowWildcards::catchall().is_catchall());
    assert!(FlowWildcards::exact().is_exact(FieldId::Ipv6Src));
    assert_eq!(Match::catchall(), m(""));
    assert_eq!(format_match(&Match::catchall(), None), "");
}

#[test]
fn registers_and_wide_views_share_storage() {
    let x = m("xxreg0=0x00000001000000020000000300000004");
    assert_eq!(x.flow().reg(0), Some(1));
    assert_eq!(x.flow().reg(3), Some(4));
    assert_eq!(x.flow().get(FieldId::Xreg1), 0x3_0000_0004);
    assert_eq!(x.flow().reg(16), None);
    assert_eq!(
        format_match(&x, None),
        "reg0=0x1,reg1=0x2,reg2=0x3,reg3=0x4"
    );
}

#[test]
fn tos_views_do_not_clobber_each_other() {
    let x = m("ip,nw_ecn=3,ip_dscp=10");
    assert_eq!(x.flow().get(FieldId::NwTos), 40);
    assert_eq!(x.flow().get(FieldId::NwEcn), 3);
    assert_eq!(format_match(&x, None), "ip,nw_tos=40,nw_ecn=3");
    let y = m("ip,nw_tos=40,nw_ecn=3,nw_tos=*");
    assert_eq!(format_match(&y, None), "ip,nw_ecn=3");
}

#[test]
fn vlan_wildcard_keeps_the_other_half() {
    assert_eq!(
        format_match(&m("dl_vlan=5,dl_vlan_pcp=3,dl_vlan=*"), None),
        "dl_vlan_pcp=3"
    );
    assert_eq!(
        format_match(&m("dl_vlan=5,dl_vlan_pcp=3,vlan_pcp=*"), None),
        "dl_vlan=5"
    );
    assert_eq!(format_match(&m("dl_vlan=5,dl_vlan=*"), None), "");
    assert_eq!(format_match(&m("vlan_pcp=2"), None), "dl_vlan_pcp=2");
}

#[test]
fn port_names_from_the_callers_map() {
    let mut ports = PortMap::new();
    ports.insert("eth0", 1);
    ports.insert("LOCAL", 7);
    ports.insert("42", 9);
    let x = parse_match("in_port=eth0", Some(&ports)).unwrap_or_default();
    assert_eq!(x.flow().in_port(), 1);
    assert_eq!(format_match(&x, Some(&ports)), "in_port=eth0");
    assert_eq!(format_match(&x, None), "in_port=1");
    // Reserved names win over a port that is named like one; quoting selects the map.
    let local = parse_match("in_port=LOCAL", Some(&ports)).unwrap_or_default();
    assert_eq!(local.flow().in_port(), 0xfffe);
    let quoted = parse_match("in_port=\"LOCAL\"", Some(&ports)).unwrap_or_default();
    assert_eq!(quoted.flow().in_port(), 7);
    assert_eq!(format_match(&quoted, Some(&ports)), "in_port=\"LOCAL\"");
    let numeric = parse_match("in_port=\"42\"", Some(&ports)).unwrap_or_default();
    assert_eq!(numeric.flow().in_port(), 9);
    assert_eq!(format_match(&numeric, Some(&ports)), "in_port=\"42\"");
    // Round trip through names.
    for s in [
        "in_port=eth0",
        "in_port=\"LOCAL\"",
        "in_port=\"42\"",
        "in_port=LOCAL",
    ] {
        let a = parse_match(s, Some(&ports)).unwrap_or_default();
        let text = format_match(&a, Some(&ports));
        assert_eq!(parse_match(&text, Some(&ports)).ok(), Some(a), "{s}");
    }
    assert_eq!(
        parse_match("in_port=eth1", Some(&ports))
            .err()
            .map(|e| e.to_string()),
        Some("eth1: invalid or unknown port for in_port".to_string())
    );
}

#[test]
fn tokenizer_matches_ofctl_rules() {
    let kv: Vec<_> =
        KeyValues::new(" tcp,,nw_src=1.2.3.4 tp_dst:80\tactions(a,b),x=(1,2),y").collect();
    assert_eq!(
        kv,
        vec![
            ("tcp", ""),
            ("nw_src", "1.2.3.4"),
            ("tp_dst", "80"),
            ("actions", "a,b"),
            ("x", "(1,2)"),
            ("y", ""),
        ]
    );
    assert_eq!(KeyValues::new(" , ").count(), 0);
}

#[test]
fn builder_lets_a_flow_mod_parser_interleave_its_own_keys() {
    let mut b = MatchBuilder::new();
    for (k, v) in KeyValues::new("priority=5,tp_dst=80,cookie=0x1,tcp") {
        if k == "priority" || k == "cookie" {
            continue;
        }
        assert!(apply_key_value(&mut b, k, v, None).is_ok());
    }
    let x = finish_match(b).unwrap_or_default();
    assert_eq!(format_match(&x, None), "tcp,tp_dst=80");
}

#[test]
fn prerequisite_errors_name_the_key_as_written() {
    let e = parse_match("udp_dst=53", None).err();
    assert_eq!(
        e,
        Some(FlowError::Prerequisite {
            field: "udp_dst".into(),
            requires: "udp or udp6"
        })
    );
    let e = parse_match("ip,tcp_flags=+syn", None)
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("tcp_flags: prerequisite not met: this field requires tcp or tcp6 in the match")
    );
    // Order does not matter, and a later shorthand can satisfy or break a prerequisite.
    assert!(parse_match("tp_dst=80,tcp", None).is_ok());
    assert!(parse_match("tcp,tp_dst=80,arp", None).is_err());
}

#[test]
fn ovs_style_normalisation_is_available_explicitly() {
    let mut x = Match::catchall();
    x.set_raw(FieldId::TpDst, 80, 0xffff);
    x.set_raw(FieldId::IpSrc, 1, u128::MAX);
    assert!(x.check_prerequisites().is_err());
    let dropped = x.drop_unmet_prerequisites();
    assert_eq!(dropped, vec![FieldId::IpSrc, FieldId::TpDst]);
    assert_eq!(x, Match::catchall());
}

#[test]
fn registry_facts() {
    let f = FieldId::from_name("nw_src").map(|f| f.info());
    assert_eq!(
        f.map(|f| (f.name, f.bits, f.maskable, f.prereq)),
        Some(("ip_src", 32, Maskable::Arbitrary, Prereq::Ipv4))
    );
    let t = FieldId::TcpFlags.info();
    assert!(!t.writable);
    assert_eq!(t.nxm.map(|c| (c.class, c.field)), Some((1, 34)));
    assert_eq!(t.oxm.and_then(|c| c.experimenter), Some(0x4f4e_4600));
    assert_eq!(FieldId::from_name("tunnel_id"), Some(FieldId::TunId));
    assert_eq!(FieldId::from_name("bogus"), None);
    let code = FieldId::EthDst.info().oxm;
    assert_eq!(code.and_then(FieldId::from_code), Some(FieldId::EthDst));
}

#[test]
fn from_str_and_field_setters() {
    let x: Match = "tcp,tp_dst=443".parse().unwrap_or_default();
    let mut y = Match::catchall();
    y.set_field(FieldId::EthType, 0x0800, u128::MAX);
    y.set_field(FieldId::NwProto, 6, u128::MAX);
    assert!(y.set_field_str(FieldId::TcpDst, "443", None).is_ok());
    assert_eq!(x, y);
    assert!(y.check_prerequisites().is_ok());
    assert_eq!(
        y.set_field_str(FieldId::TcpDst, "x", None)
            .map_err(|e| e.to_string()),
        Err("x: bad syntax for tcp_dst value".to_string())
    );
    y.set_field(FieldId::DlVlan, 0xffff, u128::MAX);
    assert_eq!(y.to_string(), "tcp,vlan_tci=0x0000,tp_dst=443");
}
