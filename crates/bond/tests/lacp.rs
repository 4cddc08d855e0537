//! LACP instances talking to each other over simulated links, expiry and defaulting, and the
//! `lacp/show` texts compared with what Debian's ovs-vswitchd printed for the same
//! configurations (tests/data/lacp_show_*.txt, recorded with dummy-port bonds).

use bond::pdu::{
    slow_protocol_payload, LacpPdu, STATE_COLLECTING, STATE_DISTRIBUTING, STATE_EXPIRED,
    STATE_SYNC, STATE_TIMEOUT,
};
use bond::{Lacp, LacpSettings, LacpStatus, MemberSettings, RxStatus};

const CAPTURES: &str = include_str!("data/debian_lacpdus.txt");

fn capture(label: &str) -> Vec<u8> {
    let line = CAPTURES
        .lines()
        .find(|l| l.split_whitespace().next() == Some(label))
        .unwrap_or_else(|| panic!("no capture {label}"));
    let hex = line.split_whitespace().nth(1).expect("hex column");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn mac(last: u8) -> [u8; 6] {
    [0xaa, 0x55, 0xaa, 0x55, 0x00, last]
}

const SYS_A: [u8; 6] = [0xaa, 0x55, 0xaa, 0x55, 0, 0];
const SYS_B: [u8; 6] = [0xaa, 0x66, 0xaa, 0x66, 0, 0];

/// Two bonds joined by links (a member of `a`, a member of `b`).
struct Pair {
    a: Lacp,
    b: Lacp,
    links: Vec<(&'static str, &'static str)>,
    a_to_b: bool,
    b_to_a: bool,
    /// Every frame `a` sent, with the member and the time.
    a_sent: Vec<(String, u64, Vec<u8>)>,
}

impl Pair {
    fn step(&mut self, now: u64) {
        for _ in 0..8 {
            let from_a = self.a.run(now);
            let from_b = self.b.run(now);
            if from_a.is_empty() && from_b.is_empty() {
                return;
            }
            for (m, pdu) in from_a {
                let frame = pdu.to_frame(mac(0x10));
                self.a_sent.push((m.clone(), now, frame.clone()));
                let peer = self.links.iter().find(|(x, _)| *x == m).map(|(_, y)| *y);
                if let (Some(peer), true) = (peer, self.a_to_b) {
                    let payload = slow_protocol_payload(&frame).expect("frame");
                    self.b.process_packet(peer, payload, now).expect("good PDU");
                }
            }
            for (m, pdu) in from_b {
                let peer = self.links.iter().find(|(_, y)| *y == m).map(|(x, _)| *x);
                if let (Some(peer), true) = (peer, self.b_to_a) {
                    self.a.process_pdu(peer, &pdu, now);
                }
            }
        }
    }

    fn run_until(&mut self, from: u64, to: u64) {
        let mut t = from;
        while t <= to {
            self.step(t);
            t += 100;
        }
    }
}

/// bond0 (a1 port 1, a2 port 2) and bond1 (b2 port 2 added first, so key 2; b1 port 1), as
/// in the Debian recording.
fn debian_like_pair(fast_a: bool) -> Pair {
    let mut sa = LacpSettings::new("bond0", SYS_A);
    sa.fast = fast_a;
    let mut a = Lacp::new(sa);
    a.add_member("a1", MemberSettings::new(1), true, 0);
    a.add_member("a2", MemberSettings::new(2), true, 0);
    let mut b = Lacp::new(LacpSettings::new("bond1", SYS_B));
    b.add_member("b2", MemberSettings::new(2), true, 0);
    b.add_member("b1", MemberSettings::new(1), true, 0);
    Pair {
        a,
        b,
        links: vec![("a1", "b1"), ("a2", "b2")],
        a_to_b: true,
        b_to_a: true,
        a_sent: Vec::new(),
    }
}

#[test]
fn two_instances_negotiate_and_match_debian_show() {
    let mut p = debian_like_pair(false);
    p.run_until(0, 65_000);
    for (lacp, members) in [(&p.a, ["a1", "a2"]), (&p.b, ["b1", "b2"])] {
        assert_eq!(lacp.status(), LacpStatus::Negotiated);
        for m in members {
            assert_eq!(lacp.member_status(m), Some(RxStatus::Current), "{m}");
            assert!(lacp.is_attached(m), "{m}");
            assert!(lacp.may_enable(m), "{m}");
            let actor = lacp.actor_info(m).expect("actor");
            let want = STATE_SYNC | STATE_COLLECTING | STATE_DISTRIBUTING;
            assert_eq!(actor.state & want, want, "{m}");
            let partner = lacp.partner(m).expect("partner");
            assert_eq!(partner.state & want, want, "{m}");
        }
    }
    let mut text = String::new();
    p.a.show(&mut text);
    assert_eq!(text, include_str!("data/lacp_show_negotiated.txt"));

    // The PDUs on a1 are the ones Debian sent: first expired without a partner, and in sync
    // once both sides agree.
    let a1: Vec<&Vec<u8>> = p
        .a_sent
        .iter()
        .filter(|(m, _, _)| m == "a1")
        .map(|(_, _, f)| f)
        .collect();
    let mut want = capture("a1_expired_no_partner");
    want[6..12].copy_from_slice(&mac(0x10));
    assert_eq!(a1.first().copied(), Some(&want));
    let mut want = capture("a1_current_in_sync");
    want[6..12].copy_from_slice(&mac(0x10));
    assert_eq!(a1.last().copied(), Some(&want));
    // Slow timeouts: after the start-up exchange, one PDU per 30 s.
    let late = p
        .a_sent
        .iter()
        .filter(|(m, t, _)| m == "a1" && *t > 5_000)
        .count();
    assert_eq!(late, 2, "a1 sent at 30 s and 60 s");
}

#[test]
fn silent_partner_expires_then_defaults() {
    let mut p = debian_like_pair(false);
    p.run_until(0, 10_000);
    assert!(p.a.may_enable("a1"));
    p.b_to_a = false;
    let mut expired_at = None;
    let mut defaulted_at = None;
    let mut t = 10_100;
    while t <= 200_000 && defaulted_at.is_none() {
        p.step(t);
        match p.a.member_status("a1") {
            Some(RxStatus::Expired) if expired_at.is_none() => {
                expired_at = Some(t);
                assert!(!p.a.may_enable("a1"), "an expired partner is out of sync");
                let actor = p.a.actor_info("a1").expect("actor");
                assert_ne!(actor.state & STATE_EXPIRED, 0);
                let partner = p.a.partner("a1").expect("partner");
                assert_eq!(partner.sys_id, SYS_B, "partner kept while expired");
                assert_ne!(partner.state & STATE_TIMEOUT, 0);
                assert_eq!(partner.state & STATE_SYNC, 0);
            }
            Some(RxStatus::Defaulted) => defaulted_at = Some(t),
            _ => {}
        }
        t += 100;
    }
    let expired_at = expired_at.expect("expired");
    let defaulted_at = defaulted_at.expect("defaulted");
    // The last PDU from b1 arrived before 10 s; slow timeout is 3 x 30 s.
    assert!((90_000..=100_100).contains(&expired_at), "{expired_at}");
    assert_eq!(defaulted_at - expired_at, 3_000);
    assert_eq!(p.a.status(), LacpStatus::Configured);
    assert!(!p.a.may_enable("a1"));
    assert_eq!(p.a.partner("a1"), Some(bond::LacpInfo::default()));
    let stats = p.a.stats("a1").expect("stats");
    assert_eq!((stats.link_expired, stats.link_defaulted), (1, 1));
    let mut text = String::new();
    p.a.show(&mut text);
    assert!(text.contains("  status: active\n"), "{text}");
    assert!(text.contains("member: a1: defaulted detached\n"), "{text}");
    // While expired, a1 asked for fast PDUs: every second.
    let during: Vec<u64> = p
        .a_sent
        .iter()
        .filter(|(m, t, _)| m == "a1" && *t >= expired_at && *t < defaulted_at)
        .map(|(_, t, _)| *t)
        .collect();
    assert_eq!(during.len(), 3, "{during:?}");
    // Once b1 talks again, a1 comes back.
    p.b_to_a = true;
    p.run_until(defaulted_at + 100, defaulted_at + 40_000);
    assert_eq!(p.a.member_status("a1"), Some(RxStatus::Current));
    assert!(p.a.may_enable("a1"));
    assert_eq!(p.a.status(), LacpStatus::Negotiated);
}

#[test]
fn fast_timeouts_expire_in_three_seconds() {
    let mut p = debian_like_pair(true);
    p.run_until(0, 5_000);
    assert!(p.a.may_enable("a2"));
    // b2 honours a's request for fast PDUs.
    let b_partner = p.b.partner("b2").expect("partner");
    assert_ne!(b_partner.state & STATE_TIMEOUT, 0);
    p.b_to_a = false;
    let mut t = 5_100;
    while p.a.member_status("a2") == Some(RxStatus::Current) {
        p.step(t);
        t += 100;
        assert!(t < 20_000, "never expired");
    }
    assert!(t <= 5_100 + 3_100, "expired at {t}");
}

#[test]
fn carrier_loss_expires_and_stops_transmission() {
    let mut p = debian_like_pair(false);
    p.run_until(0, 5_000);
    p.a.carrier_changed("a1", false, 5_100);
    assert_eq!(p.a.member_status("a1"), Some(RxStatus::Expired));
    assert!(!p.a.may_enable("a1"));
    let before = p.a_sent.iter().filter(|(m, _, _)| m == "a1").count();
    p.b_to_a = false;
    p.run_until(5_200, 60_000);
    let after = p.a_sent.iter().filter(|(m, _, _)| m == "a1").count();
    assert_eq!(before, after, "no PDUs without carrier");
    assert_eq!(p.a.stats("a1").map(|s| s.carrier_changed), Some(1));
}

#[test]
fn members_facing_different_partner_systems_are_not_both_attached() {
    // a1 is cabled to system B, a2 to system C: only one aggregator can win.
    let mut a = Lacp::new(LacpSettings::new("bond0", SYS_A));
    a.add_member("a1", MemberSettings::new(1), true, 0);
    a.add_member("a2", MemberSettings::new(2), true, 0);
    let mut b = Lacp::new(LacpSettings::new("b", SYS_B));
    b.add_member("b1", MemberSettings::new(1), true, 0);
    let mut c = Lacp::new(LacpSettings::new("c", [0xaa, 0x99, 0, 0, 0, 1]));
    c.add_member("c1", MemberSettings::new(1), true, 0);
    for t in (0..5_000).step_by(100) {
        for (m, pdu) in a.run(t) {
            match m.as_str() {
                "a1" => b.process_pdu("b1", &pdu, t),
                _ => c.process_pdu("c1", &pdu, t),
            }
        }
        for (_, pdu) in b.run(t) {
            a.process_pdu("a1", &pdu, t);
        }
        for (_, pdu) in c.run(t) {
            a.process_pdu("a2", &pdu, t);
        }
    }
    assert_eq!(a.status(), LacpStatus::Negotiated);
    let attached: Vec<bool> = ["a1", "a2"].iter().map(|m| a.is_attached(m)).collect();
    assert_eq!(attached.iter().filter(|x| **x).count(), 1, "{attached:?}");
    let enabled: Vec<bool> = ["a1", "a2"].iter().map(|m| a.may_enable(m)).collect();
    assert_eq!(enabled, attached);
    // The loser tells its partner it is out of sync.
    let loser = if attached[0] { "a2" } else { "a1" };
    let actor = a.actor_info(loser).expect("actor");
    assert_eq!(actor.state & STATE_SYNC, 0);
    let winner_partner = if attached[0] {
        b.partner("b1")
    } else {
        c.partner("c1")
    };
    assert_ne!(winner_partner.expect("partner").state & STATE_SYNC, 0);
}

/// Like [`debian_like_pair`] with both sides passive from the start.
fn passive_pair() -> Pair {
    let mut sa = LacpSettings::new("bond0", SYS_A);
    sa.active = false;
    let mut a = Lacp::new(sa);
    a.add_member("a1", MemberSettings::new(1), true, 0);
    a.add_member("a2", MemberSettings::new(2), true, 0);
    let mut sb = LacpSettings::new("bond1", SYS_B);
    sb.active = false;
    let mut b = Lacp::new(sb);
    b.add_member("b1", MemberSettings::new(1), true, 0);
    b.add_member("b2", MemberSettings::new(2), true, 0);
    Pair {
        a,
        b,
        links: vec![("a1", "b1"), ("a2", "b2")],
        a_to_b: true,
        b_to_a: true,
        a_sent: Vec::new(),
    }
}

#[test]
fn passive_pair_never_negotiates_but_active_passive_does() {
    let mut p = passive_pair();
    p.run_until(0, 100_000);
    assert_eq!(p.a.status(), LacpStatus::Configured);
    assert_eq!(p.b.status(), LacpStatus::Configured);
    assert!(p.a_sent.is_empty(), "passive and defaulted: silent");
    assert!(!p.a.may_enable("a1"));

    // b turns active: it starts talking, a answers, both negotiate.
    let mut sb = p.b.settings().clone();
    sb.active = true;
    p.b.reconfigure(sb);
    p.b.carrier_changed("b1", true, 100_100);
    p.b.carrier_changed("b2", true, 100_100);
    p.run_until(100_100, 110_000);
    assert_eq!(p.a.status(), LacpStatus::Negotiated);
    assert_eq!(p.b.status(), LacpStatus::Negotiated);
    assert!(p.a.may_enable("a1") && p.a.may_enable("a2"));
    assert!(
        !p.a_sent.is_empty(),
        "a passive member answers once it has a partner"
    );
}

#[test]
fn fallback_defaulted_matches_debian_pdus_and_show() {
    let mut s = LacpSettings::new("bond2", [0xaa, 0x77, 0xaa, 0x77, 0, 0]);
    s.fast = true;
    s.fallback_ab = true;
    let mut l = Lacp::new(s);
    l.add_member("c1", MemberSettings::new(5), true, 0);
    l.add_member(
        "c2",
        MemberSettings {
            port_id: 77,
            port_priority: 9,
            key: None,
        },
        true,
        0,
    );
    let c1_mac = [0xaa, 0x55, 0xaa, 0x55, 0x00, 0x14];
    let mut c1_frames = Vec::new();
    let mut t = 0;
    while t <= 40_000 {
        for (m, pdu) in l.run(t) {
            if m == "c1" {
                c1_frames.push((t, pdu.to_frame(c1_mac)));
            }
        }
        t += 100;
    }
    let times: Vec<u64> = c1_frames.iter().map(|(t, _)| *t).collect();
    // Debian: 0, 1, 2 s while expired, 3 s on defaulting, then every 30 s.
    assert_eq!(times, vec![0, 1_000, 2_000, 3_000, 33_000]);
    assert_eq!(c1_frames[0].1, capture("c1_expired_fast"));
    assert_eq!(c1_frames[3].1, capture("c1_defaulted_fast"));
    assert!(l.may_enable("c1") && l.may_enable("c2"), "fallback-ab");
    assert_eq!(l.status(), LacpStatus::Configured);
    let mut text = String::new();
    l.show(&mut text);
    assert_eq!(text, include_str!("data/lacp_show_fallback_defaulted.txt"));

    let mut stats = String::new();
    l.show_stats(&mut stats);
    assert!(stats.contains("  Link Defaulted: 1\n  Carrier Status Changed: 0\n"));
    let digitless = |s: &str| s.replace(|c: char| c.is_ascii_digit(), "N");
    assert_eq!(
        digitless(&stats),
        digitless(include_str!("data/lacp_stats_defaulted.txt"))
    );
}

#[test]
fn passive_defaulted_matches_debian_show_and_stays_silent() {
    let mut s = LacpSettings::new("bond4", [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
    s.active = false;
    s.sys_priority = 100;
    let mut l = Lacp::new(s);
    l.add_member("e2", MemberSettings::new(1), true, 0);
    l.add_member("e1", MemberSettings::new(2), true, 0);
    for t in (0..100_000).step_by(500) {
        assert!(l.run(t).is_empty(), "passive and defaulted: no PDU");
    }
    assert!(!l.may_enable("e1"));
    let mut text = String::new();
    l.show(&mut text);
    assert_eq!(text, include_str!("data/lacp_show_passive_defaulted.txt"));
}

/// Debian: `lacp-aggregation-key` counts only on the first member registered; every
/// member sends the bond's key.
#[test]
fn aggregation_key_comes_from_the_key_member() {
    let mut l = Lacp::new(LacpSettings::new("bond4", SYS_A));
    l.add_member("e2", MemberSettings::new(1), true, 0);
    let e1 = MemberSettings {
        key: Some(42),
        ..MemberSettings::new(2)
    };
    l.add_member("e1", e1, true, 0);
    assert_eq!(l.bond_key(), 1);
    assert_eq!(l.actor_info("e1").map(|a| a.key), Some(1));
    let e2 = MemberSettings {
        key: Some(7),
        ..MemberSettings::new(1)
    };
    l.add_member("e2", e2, true, 0);
    assert_eq!(l.bond_key(), 7);
    assert_eq!(l.actor_info("e1").map(|a| a.key), Some(7));
    assert_eq!(l.actor_info("e2").map(|a| a.key), Some(7));
    let mut text = String::new();
    l.show(&mut text);
    assert!(text.contains("  aggregation key: 7\n"), "{text}");
    l.remove_member("e2");
    assert_eq!(l.bond_key(), 42);
}

#[test]
fn bad_pdus_are_counted_and_change_nothing() {
    let mut p = debian_like_pair(false);
    p.run_until(0, 5_000);
    let before = p.a.partner("a1");
    assert!(p.a.process_packet("a1", &[1, 1, 1], 5_100).is_err());
    assert!(p.a.process_packet("a1", &[], 5_100).is_err());
    let mut marker = LacpPdu::default().encode();
    marker[0] = 2;
    assert!(p.a.process_packet("a1", &marker, 5_100).is_ok());
    assert!(p.a.process_packet("nope", &marker, 5_100).is_ok());
    assert_eq!(p.a.partner("a1"), before);
    let st = p.a.stats("a1").expect("stats");
    assert_eq!((st.rx_bad, st.rx_marker), (2, 1));
    assert!(p.a.may_enable("a1"));
}

#[test]
fn loopback_is_never_in_sync() {
    let mut l = Lacp::new(LacpSettings::new("bond0", SYS_A));
    l.add_member("a1", MemberSettings::new(1), true, 0);
    l.add_member("a2", MemberSettings::new(2), true, 0);
    for t in (0..10_000).step_by(100) {
        let out = l.run(t);
        // a1 and a2 are cabled to each other.
        for (m, pdu) in out {
            let peer = if m == "a1" { "a2" } else { "a1" };
            l.process_pdu(peer, &pdu, t);
        }
    }
    let actor = l.actor_info("a1").expect("actor");
    assert_eq!(actor.state & STATE_SYNC, 0);
    assert!(!l.may_enable("a1") && !l.may_enable("a2"));
}

#[test]
fn next_wake_tracks_timers() {
    let mut p = debian_like_pair(false);
    p.run_until(0, 5_000);
    let wake = p.a.next_wake().expect("timers run");
    assert!(wake > 5_000 && wake <= 35_000, "{wake}");
    assert!(p.a.run(wake - 1).is_empty());
}

/// Debian, fast timeouts, partner bridge deleted: a1 "expired attached" with the partner's
/// state "activity timeout aggregation collecting distributing" after ~3 s, still
/// negotiated; defaulted 3 s later, and then the whole `lacp/show` as recorded.
#[test]
fn fast_partner_gone_matches_debian() {
    let mut p = debian_like_pair(true);
    p.run_until(0, 5_000);
    p.b_to_a = false;
    p.a_to_b = false;
    let mut t = 5_100;
    while p.a.member_status("a1") == Some(RxStatus::Current) {
        p.step(t);
        t += 100;
        assert!(t < 20_000, "never expired");
    }
    let mut text = String::new();
    p.a.show(&mut text);
    assert!(text.contains("  status: active negotiated\n"), "{text}");
    assert!(text.contains("member: a1: expired attached\n"), "{text}");
    assert!(
        text.contains("  partner state: activity timeout aggregation collecting distributing\n"),
        "{text}"
    );
    assert!(!p.a.may_enable("a1"));
    p.run_until(t, t + 3_500);
    let mut text = String::new();
    p.a.show(&mut text);
    assert_eq!(
        text,
        include_str!("data/lacp_show_active_fast_defaulted.txt")
    );
    let st = p.a.stats("a1").expect("stats");
    assert_eq!(
        (st.link_expired, st.link_defaulted, st.carrier_changed),
        (1, 1, 0)
    );
}
