//! Bond logic: delays, active member and failover, output hashing, admissibility, the
//! `bond/*` commands, and `bond/show` / `bond/hash` compared with Debian's ovs-vswitchd
//! (tests/data/bond_show_*.txt; hash values from its `bond/hash`).

use bond::bond::{bond_hash_command, mode_name, parse_mode, BOND_LIST_HEADER};
use bond::hash::{hash_mac, parse_mac, TcpHashFields};
use bond::pdu::slow_protocol_payload;
use bond::{
    Bond, BondError, BondMode, BondSettings, BondVerdict, Lacp, LacpSettings, LacpStatus,
    MemberSettings, ShowExtras,
};

const BCAST: u64 = 0xffff_ffff_ffff;
const UNICAST: u64 = 0x0200_0000_0001;

fn mac(last: u8) -> [u8; 6] {
    [0xaa, 0x55, 0xaa, 0x55, 0x00, last]
}

fn two_member_bond(settings: BondSettings) -> Bond {
    let mut b = Bond::new(settings, 0);
    b.add_member("p1", mac(1));
    b.add_member("p2", mac(2));
    b
}

#[test]
fn hash_matches_debian_bond_hash() {
    // (mac, vlan, basis) -> what Debian's `ovs-appctl bond/hash` printed.
    let cases: [(&[&str], &str); 6] = [
        (&["00:11:22:33:44:55"], "226"),
        (&["00:11:22:33:44:55", "10"], "69"),
        (&["00:11:22:33:44:55", "10", "7"], "182"),
        (&["aa:bb:cc:dd:ee:ff", "4095", "123456"], "30"),
        (&["00:00:00:00:00:00"], "252"),
        (&["00:11:22:33:44:55", "5000"], "221"),
    ];
    for (args, want) in cases {
        assert_eq!(bond_hash_command(args).as_deref(), Ok(want), "{args:?}");
    }
    assert_eq!(bond_hash_command(&["zz"]), Err(BondError::InvalidMac));
    assert_eq!(bond_hash_command(&[]), Err(BondError::InvalidMac));
    assert_eq!(
        bond_hash_command(&["00:11:22:33:44:55", "1", "x"]),
        Err(BondError::InvalidBasis)
    );
    assert_eq!(BondError::InvalidMac.to_string(), "invalid mac");
    assert_eq!(parse_mac("00:11:22:33:44:5"), Some(0x0011_2233_4405));
    assert_eq!(parse_mac("00:11:22:33:44:555"), None);
}

#[test]
fn active_backup_failover_with_delays() {
    let mut s = BondSettings::new("bond0");
    s.updelay_ms = 1_000;
    s.downdelay_ms = 500;
    let mut b = two_member_bond(s);
    assert!(b.run(0, LacpStatus::Disabled), "a new bond is a change");
    assert_eq!(b.active_member(), None);

    // The first member up is taken at once, despite the up-delay.
    b.set_may_enable("p1", true);
    assert!(b.run(10, LacpStatus::Disabled));
    assert!(b.is_enabled("p1"));
    assert_eq!(b.active_member(), Some("p1"));

    // The second one waits for its up-delay.
    b.set_may_enable("p2", true);
    b.run(100, LacpStatus::Disabled);
    assert!(!b.is_enabled("p2"));
    let mut text = String::new();
    b.show(&mut text, 600, ShowExtras::default());
    assert!(
        text.contains("member p2: disabled\n  updelay expires in 500 ms\n"),
        "{text}"
    );
    assert_eq!(b.next_wake(), Some(1_100));
    b.run(1_099, LacpStatus::Disabled);
    assert!(!b.is_enabled("p2"));
    assert!(b.run(1_100, LacpStatus::Disabled));
    assert!(b.is_enabled("p2"));
    assert_eq!(
        b.active_member(),
        Some("p1"),
        "no preemption without a primary"
    );

    // p1 fails: it stays active through the down-delay, then p2 takes over.
    b.set_may_enable("p1", false);
    b.run(2_000, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p1"));
    assert_eq!(b.choose_output(UNICAST, 0, None).as_deref(), Some("p1"));
    b.run(2_499, LacpStatus::Disabled);
    assert!(b.is_enabled("p1"));
    assert!(b.run(2_500, LacpStatus::Disabled));
    assert!(!b.is_enabled("p1"));
    assert_eq!(b.active_member(), Some("p2"));
    assert_eq!(b.choose_output(UNICAST, 0, None).as_deref(), Some("p2"));

    // A flap shorter than the delay changes nothing.
    b.set_may_enable("p1", true);
    b.run(3_000, LacpStatus::Disabled);
    b.set_may_enable("p1", false);
    b.run(3_500, LacpStatus::Disabled);
    b.run(5_000, LacpStatus::Disabled);
    assert!(!b.is_enabled("p1"));

    // Everything down: nothing active, nothing sent.
    b.set_may_enable("p2", false);
    b.run(6_000, LacpStatus::Disabled);
    b.run(6_500, LacpStatus::Disabled);
    assert_eq!(b.active_member(), None);
    assert_eq!(b.choose_output(UNICAST, 0, None), None);
}

/// Debian, LACP bond with updelay 5000 whose partner comes up: both members start the
/// up-delay, one is made active at once ("skipping remaining 5000 ms updelay (since no
/// member was enabled)"), the other is enabled 5 s later.
#[test]
fn first_member_skips_updelay_the_others_wait() {
    let mut s = BondSettings::new("bond0");
    s.updelay_ms = 5_000;
    s.lacp = true;
    let mut b = two_member_bond(s);
    b.set_may_enable("p1", true);
    b.set_may_enable("p2", true);
    b.run(0, LacpStatus::Negotiated);
    assert!(b.is_enabled("p1"));
    assert_eq!(b.active_member(), Some("p1"));
    assert!(!b.is_enabled("p2"));
    // The log lines, in Debian's order.
    assert_eq!(
        b.take_log(),
        [
            "member p1: link state up",
            "member p1: will be enabled if it stays up for 5000 ms",
            "member p2: link state up",
            "member p2: will be enabled if it stays up for 5000 ms",
            "bond bond0: active member is now p1, skipping remaining 5000 ms updelay \
             (since no member was enabled)",
            "member p1: enabled",
        ]
    );
    let text = show(&b, 12, ShowExtras::default());
    assert!(
        text.contains("member p2: disabled\n  updelay expires in 4988 ms\n"),
        "{text}"
    );
    b.run(4_999, LacpStatus::Negotiated);
    assert!(!b.is_enabled("p2"));
    b.run(5_000, LacpStatus::Negotiated);
    assert!(b.is_enabled("p2"));
    assert_eq!(b.take_log(), ["member p2: enabled"]);

    // A flap within the down-delay... here no down-delay: p2 goes at once.
    b.set_may_enable("p2", false);
    b.run(6_000, LacpStatus::Negotiated);
    assert_eq!(
        b.take_log(),
        ["member p2: link state down", "member p2: disabled"]
    );
    // Up and down again within the up-delay (Debian: "will not be enabled").
    b.set_may_enable("p2", true);
    b.run(7_000, LacpStatus::Negotiated);
    b.set_may_enable("p2", false);
    b.run(8_000, LacpStatus::Negotiated);
    assert_eq!(
        b.take_log(),
        [
            "member p2: link state up",
            "member p2: will be enabled if it stays up for 5000 ms",
            "member p2: link state down",
            "member p2: will not be enabled",
        ]
    );
    b.set_may_enable("p1", false);
    b.run(9_000, LacpStatus::Negotiated);
    assert_eq!(
        b.take_log(),
        [
            "member p1: link state down",
            "member p1: disabled",
            "bond bond0: all members disabled",
        ]
    );
}

#[test]
fn primary_member_preempts() {
    let mut s = BondSettings::new("bond0");
    s.primary = Some("p2".into());
    let mut b = two_member_bond(s);
    b.set_may_enable("p1", true);
    b.run(0, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p1"));
    b.set_may_enable("p2", true);
    b.run(10, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p2"));
    let mut text = String::new();
    b.show(&mut text, 10, ShowExtras::default());
    assert!(text.contains("active-backup primary: p2\n"), "{text}");

    // Debian: a balance-slb bond without lacp-fallback-ab ignores bond-primary.
    let mut s = b.settings().clone();
    s.mode = BondMode::BalanceSlb;
    b.reconfigure(s, 20);
    b.enable_member("p1", true, 21).expect("p1");
    b.set_active_member("p1").expect("p1 active");
    b.run(22, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p1"));
    let text = show(&b, 22, ShowExtras::default());
    assert!(text.contains("active-backup primary: <none>\n"), "{text}");
}

#[test]
fn appctl_commands() {
    let mut b = two_member_bond(BondSettings::new("bond0"));
    b.set_may_enable("p1", true);
    b.run(0, LacpStatus::Disabled);
    assert_eq!(b.set_active_member("p2"), Err(BondError::MemberDisabled));
    assert_eq!(
        BondError::MemberDisabled.to_string(),
        "cannot make disabled member active"
    );
    assert_eq!(b.set_active_member("zz"), Err(BondError::NoSuchMember));
    b.set_may_enable("p2", true);
    assert_eq!(b.enable_member("p2", true, 1), Ok("enabled"));
    assert_eq!(b.set_active_member("p2"), Ok("done"));
    assert_eq!(b.set_active_member("p2"), Ok("no change"));
    assert_eq!(b.active_member(), Some("p2"));
    // The manual choice holds until the member goes away.
    b.run(2, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p2"));
    assert_eq!(b.enable_member("p2", false, 3), Ok("disabled"));
    assert_eq!(b.active_member(), Some("p1"));
    assert_eq!(
        b.enable_member("zz", false, 3),
        Err(BondError::NoSuchMember)
    );
    assert_eq!(b.migrate("1", "p1"), Err(BondError::NotSlb));
    assert_eq!(BondError::NotSlb.to_string(), "not an SLB bond");

    let mut s = BondSettings::new("bond3");
    s.mode = BondMode::BalanceSlb;
    b.reconfigure(s, 4);
    assert_eq!(b.migrate("300", "p1"), Ok("migrated"));
    assert_eq!(b.migrate("x", "p1"), Err(BondError::BadHash));
    assert_eq!(b.migrate("1", "zz"), Err(BondError::NoSuchMember));
    assert_eq!(b.migrate("1", "p2"), Err(BondError::MigrateToDisabled));
    assert_eq!(
        format!("{BOND_LIST_HEADER}{}", b.list_row(2)),
        "bond\ttype\trecircID\tmembers\nbond3\tbalance-slb\t2\tp1, p2\n"
    );
    assert_eq!(
        parse_mode("balance-tcp").map(mode_name),
        Some("balance-tcp")
    );
    assert_eq!(parse_mode("balance-xyz"), None);
}

/// Debian: balance-slb, updelay 5000, d1 and d3 enabled (d3 active), d2 down;
/// `bond/disable-member bond3 d3` makes d1 active and d3 comes back after the up-delay.
#[test]
fn disable_member_is_undone_by_the_updelay_like_debian() {
    let mut s = BondSettings::new("bond3");
    s.mode = BondMode::BalanceSlb;
    s.updelay_ms = 5_000;
    let mut b = Bond::new(s, 0);
    for (i, m) in ["d1", "d2", "d3"].iter().enumerate() {
        b.add_member(m, mac(i as u8));
    }
    b.set_may_enable("d3", true);
    b.run(0, LacpStatus::Disabled);
    b.set_may_enable("d1", true);
    b.run(1, LacpStatus::Disabled);
    b.run(5_001, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("d3"));
    assert!(b.is_enabled("d1"));
    assert_eq!(b.enable_member("d3", false, 6_000), Ok("disabled"));
    assert_eq!(b.active_member(), Some("d1"));
    b.run(6_000, LacpStatus::Disabled);
    let text = show(&b, 7_012, ShowExtras::default());
    assert!(
        text.contains("member d3: disabled\n  updelay expires in 3988 ms\n  may_enable: true\n"),
        "{text}"
    );
    b.run(11_000, LacpStatus::Disabled);
    assert!(b.is_enabled("d3"));
    assert_eq!(b.active_member(), Some("d1"));

    // With nothing else enabled, a disabled member that may be enabled returns at once.
    b.set_may_enable("d1", false);
    b.run(12_000, LacpStatus::Disabled);
    assert_eq!(b.enable_member("d3", false, 12_001), Ok("disabled"));
    b.run(12_002, LacpStatus::Disabled);
    assert!(b.is_enabled("d3"));
    assert_eq!(b.active_member(), Some("d3"));
}

#[test]
fn balance_slb_spreads_and_moves_buckets_off_failed_members() {
    let mut s = BondSettings::new("bond0");
    s.mode = BondMode::BalanceSlb;
    let mut b = two_member_bond(s);
    b.add_member("p3", mac(3));
    for m in ["p1", "p2", "p3"] {
        b.set_may_enable(m, true);
    }
    b.run(0, LacpStatus::Disabled);
    let macs: Vec<u64> = (0..300u64).map(|i| 0x0200_0000_0000 + i * 7919).collect();
    let first: Vec<String> = macs
        .iter()
        .map(|m| b.choose_output(*m, 10, None).expect("member"))
        .collect();
    for m in ["p1", "p2", "p3"] {
        let n = first.iter().filter(|x| *x == m).count();
        assert!(n > 50, "{m} got {n} of 300");
    }
    // Stable.
    for (m, want) in macs.iter().zip(&first) {
        assert_eq!(b.choose_output(*m, 10, None).as_ref(), Some(want));
    }
    // The bucket is Open vSwitch's hash.
    assert_eq!(
        b.bucket(0x0011_2233_4455, 10, None),
        Some((hash_mac(0x0011_2233_4455, 10, 0) & 0xff) as u8)
    );
    assert_eq!(b.bucket(0x0011_2233_4455, 10, None), Some(69));
    // p2 fails: its flows move, the others stay.
    b.set_may_enable("p2", false);
    b.run(10, LacpStatus::Disabled);
    for (m, was) in macs.iter().zip(&first) {
        let now = b.choose_output(*m, 10, None).expect("member");
        assert_ne!(now, "p2");
        if was != "p2" {
            assert_eq!(&now, was);
        }
    }
    // migrate moves a bucket.
    let bucket = b.bucket(macs[0], 10, None).expect("bucket");
    b.migrate(&bucket.to_string(), "p3").expect("migrate");
    assert_eq!(b.choose_output(macs[0], 10, None).as_deref(), Some("p3"));
    b.migrate(&bucket.to_string(), "p1").expect("migrate");
    assert_eq!(b.choose_output(macs[0], 10, None).as_deref(), Some("p1"));
}

#[test]
fn rebalancing_evens_out_load_and_show_reports_it() {
    let mut s = BondSettings::new("bond0");
    s.mode = BondMode::BalanceSlb;
    let mut b = two_member_bond(s);
    b.set_may_enable("p1", true);
    b.set_may_enable("p2", true);
    b.run(0, LacpStatus::Disabled);
    // Put every flow on p1, with equal load on 8 buckets.
    let mut buckets = Vec::new();
    for i in 0..64u64 {
        let m = 0x0200_0000_0000 + i;
        let bucket = b.bucket(m, 0, None).expect("bucket");
        if !buckets.contains(&bucket) {
            buckets.push(bucket);
        }
        if buckets.len() == 8 {
            break;
        }
    }
    for bk in &buckets {
        b.migrate(&bk.to_string(), "p1").expect("migrate");
        b.account(*bk, 100 * 1024);
    }
    let mut text = String::new();
    b.show(&mut text, 1_000, ShowExtras::default());
    assert!(text.contains("next rebalance: 9000 ms\n"), "{text}");
    assert_eq!(text.matches(" kB load\n").count(), 8, "{text}");
    assert!(text.contains(&format!("  hash {}: 100 kB load\n", buckets[0])));
    b.run(10_000, LacpStatus::Disabled);
    let mut text = String::new();
    b.show(&mut text, 10_000, ShowExtras::default());
    let p2_part = text.split("member p2:").nth(1).expect("p2");
    // Halved after rebalancing: 50 kB each, and p2 got about half of them.
    let moved = p2_part.matches(": 50 kB load").count();
    assert!((3..=5).contains(&moved), "{moved} buckets moved:\n{text}");
}

#[test]
fn balance_tcp_uses_l4_fields_and_needs_lacp() {
    let mut s = BondSettings::new("bond0");
    s.mode = BondMode::BalanceTcp;
    s.lacp = true;
    let mut b = two_member_bond(s.clone());
    b.set_may_enable("p1", true);
    b.set_may_enable("p2", true);
    b.run(0, LacpStatus::Configured);
    let flow = |port: u16| TcpHashFields {
        dl_type: 0x0800,
        nw_proto: 6,
        nw_src: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
        nw_dst: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2],
        tp_src: port,
        tp_dst: 80,
        ..TcpHashFields::default()
    };
    assert_eq!(
        b.choose_output(UNICAST, 0, Some(&flow(1))),
        None,
        "configured, not negotiated, no fallback"
    );
    b.run(1, LacpStatus::Negotiated);
    let mut seen = std::collections::BTreeSet::new();
    for port in 1000..1100 {
        seen.insert(
            b.choose_output(UNICAST, 0, Some(&flow(port)))
                .expect("member"),
        );
    }
    assert_eq!(seen.len(), 2, "one MAC pair, many ports: both members used");

    // With fallback, an unnegotiated balance-tcp bond is active-backup.
    s.lacp_fallback_ab = true;
    b.reconfigure(s, 2);
    b.run(3, LacpStatus::Configured);
    assert_eq!(b.effective_mode(), BondMode::ActiveBackup);
    let active = b.active_member().map(str::to_string);
    for port in 1000..1010 {
        assert_eq!(b.choose_output(UNICAST, 0, Some(&flow(port))), active);
    }
}

#[test]
fn admissibility_verdicts() {
    // active-backup without LACP: only the active member takes anything.
    let mut b = two_member_bond(BondSettings::new("ab"));
    b.set_may_enable("p1", true);
    b.set_may_enable("p2", true);
    b.run(0, LacpStatus::Disabled);
    assert_eq!(b.active_member(), Some("p1"));
    assert_eq!(b.admissibility("p1", UNICAST), BondVerdict::Accept);
    assert_eq!(b.admissibility("p1", BCAST), BondVerdict::Accept);
    assert_eq!(b.admissibility("p2", UNICAST), BondVerdict::Drop);
    assert_eq!(b.admissibility("p2", BCAST), BondVerdict::Drop);
    assert_eq!(b.admissibility("zz", UNICAST), BondVerdict::Drop);

    // balance-slb: reflection check on unicast, multicast only on the active member unless
    // all-members-active.
    let mut s = BondSettings::new("slb");
    s.mode = BondMode::BalanceSlb;
    b.reconfigure(s.clone(), 1);
    assert_eq!(b.admissibility("p2", UNICAST), BondVerdict::DropIfMoved);
    assert_eq!(b.admissibility("p2", BCAST), BondVerdict::Drop);
    s.all_members_active = true;
    b.reconfigure(s, 2);
    assert_eq!(b.admissibility("p2", BCAST), BondVerdict::DropIfMoved);

    // balance-tcp without LACP takes nothing.
    let mut s = BondSettings::new("tcp");
    s.mode = BondMode::BalanceTcp;
    b.reconfigure(s.clone(), 3);
    assert_eq!(b.admissibility("p1", UNICAST), BondVerdict::Drop);

    // LACP configured, not negotiated: nothing, unless fallback (then active-backup).
    s.lacp = true;
    b.reconfigure(s.clone(), 4);
    b.run(5, LacpStatus::Configured);
    assert_eq!(b.admissibility("p1", UNICAST), BondVerdict::Drop);
    s.lacp_fallback_ab = true;
    b.reconfigure(s.clone(), 6);
    b.run(7, LacpStatus::Configured);
    assert_eq!(b.admissibility("p1", UNICAST), BondVerdict::Accept);
    assert_eq!(b.admissibility("p2", UNICAST), BondVerdict::Drop);

    // Negotiated: every member that is (or may be) enabled takes everything.
    b.run(8, LacpStatus::Negotiated);
    assert_eq!(b.admissibility("p2", BCAST), BondVerdict::Accept);
    b.set_may_enable("p2", false);
    b.run(9, LacpStatus::Negotiated);
    assert_eq!(b.admissibility("p2", UNICAST), BondVerdict::Drop);
}

fn show(b: &Bond, now: u64, extras: ShowExtras) -> String {
    let mut s = String::new();
    b.show(&mut s, now, extras);
    s
}

#[test]
fn show_matches_debian_active_backup_negotiated() {
    let mut s = BondSettings::new("bond1");
    s.lacp = true;
    let mut b = Bond::new(s, 0);
    b.add_member("b1", mac(0x10));
    b.add_member("b2", mac(0x11));
    b.set_may_enable("b2", true);
    b.run(0, LacpStatus::Negotiated);
    b.set_may_enable("b1", true);
    b.run(1, LacpStatus::Negotiated);
    assert_eq!(b.active_member(), Some("b2"));
    assert_eq!(
        show(&b, 5, ShowExtras::default()),
        include_str!("data/bond_show_ab_negotiated.txt")
    );
}

#[test]
fn show_matches_debian_balance_tcp_negotiated() {
    let mut s = BondSettings::new("bond0");
    s.mode = BondMode::BalanceTcp;
    s.lacp = true;
    let mut b = Bond::new(s, 0);
    b.add_member("a1", mac(0x0e));
    b.add_member("a2", mac(0x0f));
    b.set_may_enable("a1", true);
    b.set_may_enable("a2", true);
    b.run(0, LacpStatus::Negotiated);
    let extras = ShowExtras {
        recirc_id: Some(3),
        lb_output_bond_id: None,
    };
    let text = show(&b, 1_234, extras);
    assert!(text.contains("next rebalance: 8766 ms\n"), "{text}");
    assert_eq!(
        text.replace("next rebalance: 8766 ms", "next rebalance: NNN ms"),
        include_str!("data/bond_show_tcp_negotiated.txt")
    );
}

#[test]
fn show_matches_debian_balance_tcp_fallback() {
    let mut s = BondSettings::new("bond2");
    s.mode = BondMode::BalanceTcp;
    s.lacp = true;
    s.lacp_fallback_ab = true;
    s.updelay_ms = 100;
    s.downdelay_ms = 200;
    let mut b = Bond::new(s, 0);
    b.add_member("c1", mac(0x14));
    b.add_member("c2", mac(0x15));
    b.set_may_enable("c1", true);
    b.set_may_enable("c2", true);
    b.run(0, LacpStatus::Configured);
    b.run(100, LacpStatus::Configured);
    assert_eq!(
        show(&b, 200, ShowExtras::default()),
        include_str!("data/bond_show_tcp_fallback.txt")
    );
}

#[test]
fn show_matches_debian_lacp_configured_missing_primary() {
    let mut s = BondSettings::new("bond4");
    s.lacp = true;
    s.primary = Some("zz".into());
    let mut b = Bond::new(s, 0);
    b.add_member("e1", mac(0x20));
    b.add_member("e2", mac(0x21));
    b.run(0, LacpStatus::Configured);
    assert_eq!(
        show(&b, 0, ShowExtras::default()),
        include_str!("data/bond_show_ab_lacp_configured.txt")
    );
}

#[test]
fn show_matches_debian_balance_tcp_after_lacp_loss() {
    let mut s = BondSettings::new("bond0");
    s.mode = BondMode::BalanceTcp;
    s.lacp = true;
    let mut b = Bond::new(s, 0);
    b.add_member("a1", mac(0x0e));
    b.add_member("a2", mac(0x0f));
    b.set_may_enable("a1", true);
    b.set_may_enable("a2", true);
    b.run(0, LacpStatus::Negotiated);
    assert_eq!(b.active_member(), Some("a1"));
    b.set_may_enable("a1", false);
    b.set_may_enable("a2", false);
    b.run(100, LacpStatus::Configured);
    let extras = ShowExtras {
        recirc_id: Some(3),
        lb_output_bond_id: None,
    };
    let text = show(&b, 1_000, extras);
    assert_eq!(
        text.replace("next rebalance: 9000 ms", "next rebalance: NNN ms"),
        include_str!("data/bond_show_tcp_lacp_down.txt")
    );
}

/// LACP and bond together, as the daemon drives them: two switches, balance-tcp, a member
/// whose partner goes silent is taken out of the bond.
#[test]
fn lacp_drives_the_bond() {
    let sys_a = [0xaa, 0x55, 0xaa, 0x55, 0, 0];
    let sys_b = [0xaa, 0x66, 0xaa, 0x66, 0, 0];
    let mut lacps = [
        Lacp::new(LacpSettings::new("bond0", sys_a)),
        Lacp::new(LacpSettings::new("bond1", sys_b)),
    ];
    let mut bonds = Vec::new();
    for (i, name) in ["bond0", "bond1"].iter().enumerate() {
        let mut s = BondSettings::new(name);
        s.mode = BondMode::BalanceTcp;
        s.lacp = true;
        let mut b = Bond::new(s, 0);
        for (port, m) in ["m1", "m2"].iter().enumerate() {
            lacps[i].add_member(m, MemberSettings::new(port as u16 + 1), true, 0);
            b.add_member(m, mac(port as u8));
        }
        bonds.push(b);
    }
    let mut cut_m2 = false;
    let tick = |lacps: &mut [Lacp; 2], bonds: &mut Vec<Bond>, now: u64, cut_m2: bool| {
        for i in 0..2 {
            for (m, pdu) in lacps[i].run(now) {
                if cut_m2 && m == "m2" {
                    continue;
                }
                let frame = pdu.to_frame(mac(9));
                let payload = slow_protocol_payload(&frame).expect("frame");
                lacps[1 - i]
                    .process_packet(&m, payload, now)
                    .expect("good PDU");
            }
        }
        for i in 0..2 {
            for m in ["m1", "m2"] {
                let may = lacps[i].may_enable(m);
                bonds[i].set_may_enable(m, may);
            }
            let status = lacps[i].status();
            bonds[i].run(now, status);
        }
    };
    for t in (0..5_000).step_by(100) {
        tick(&mut lacps, &mut bonds, t, cut_m2);
    }
    for b in &bonds {
        assert_eq!(b.lacp_status(), LacpStatus::Negotiated);
        assert!(b.is_enabled("m1") && b.is_enabled("m2"));
    }
    cut_m2 = true;
    let mut t = 5_000;
    while bonds[0].is_enabled("m2") {
        tick(&mut lacps, &mut bonds, t, cut_m2);
        t += 100;
        assert!(t < 200_000, "m2 never disabled");
    }
    assert!(bonds[0].is_enabled("m1"));
    assert_eq!(bonds[0].lacp_status(), LacpStatus::Negotiated);
    let fields = TcpHashFields {
        dl_type: 0x0800,
        tp_src: 5,
        ..TcpHashFields::default()
    };
    for port in 0..50 {
        let f = TcpHashFields {
            tp_dst: port,
            ..fields
        };
        assert_eq!(
            bonds[0].choose_output(UNICAST, 0, Some(&f)).as_deref(),
            Some("m1")
        );
    }
}
