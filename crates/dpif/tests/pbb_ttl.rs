//! The datapath actions ferroswitch adds to Open vSwitch's vocabulary: `push_pbb`,
//! `pop_pbb`, `set_pbb_isid(N)`, `copy_ttl_out`, `copy_ttl_in` (text form and execution).

use dpif::{execute_to_batch, format_actions, parse_actions, ExecEvent, PacketMetadata};
use packet::{PacketBuf, PacketBuilder, TcpFlags};
use std::net::Ipv4Addr;

fn tcp4() -> PacketBuf {
    tcp4_with(b"hello, a payload long enough for a 60-byte frame")
}

fn tcp4_with(payload: &[u8]) -> PacketBuf {
    PacketBuilder::new()
        .ethernet(
            "50:54:00:00:00:01".parse().unwrap(),
            "50:54:00:00:00:02".parse().unwrap(),
        )
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2))
        .tcp(1000, 80, TcpFlags(TcpFlags::SYN))
        .payload(payload)
        .build_buf()
        .unwrap()
}

fn outputs(mut p: PacketBuf, actions: &str) -> Vec<Vec<u8>> {
    let acts = parse_actions(actions).unwrap();
    let mut md = PacketMetadata::default();
    let mut r = || 0u32;
    execute_to_batch(&mut p, &mut md, &acts, &mut r)
        .into_iter()
        .filter_map(|e| match e {
            ExecEvent::Output { packet, .. } => Some(packet),
            _ => None,
        })
        .collect()
}

#[test]
fn text_round_trip() {
    let text = "push_pbb,set_pbb_isid(203),pop_pbb,copy_ttl_out,copy_ttl_in,2";
    let acts = parse_actions(text).unwrap();
    assert_eq!(format_actions(&acts), text);
    assert!(parse_actions("set_pbb_isid(16777216)").is_err());
    assert!(parse_actions("push_pbb(1)").is_err());
}

#[test]
fn pbb_actions_run() {
    let orig = tcp4().data().to_vec();
    let out = outputs(tcp4(), "push_pbb,set_pbb_isid(100),1,pop_pbb,2");
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].len(), orig.len() + 18);
    assert_eq!(&out[0][12..18], &[0x88, 0xe7, 0, 0, 0, 100]);
    assert_eq!(&out[0][18..], &orig[..]);
    assert_eq!(out[1], orig);
}

#[test]
fn pops_pad_short_frames_to_the_ethernet_minimum() {
    let short = tcp4_with(b"hi").data().to_vec();
    assert!(short.len() < 60);
    let out = outputs(tcp4_with(b"hi"), "push_pbb,pop_pbb,1");
    assert_eq!(out[0].len(), 60);
    assert_eq!(&out[0][..short.len()], &short[..]);
    assert!(out[0][short.len()..].iter().all(|b| *b == 0));
    let out = outputs(
        tcp4_with(b"hi"),
        "push_mpls(label=7,tc=0,ttl=9,bos=1,eth_type=0x8847),pop_mpls(eth_type=0x800),1",
    );
    assert_eq!(out[0].len(), 60);
    assert_eq!(&out[0][..short.len()], &short[..]);
}

#[test]
fn ttl_copies_run() {
    let out = outputs(
        tcp4(),
        "push_mpls(label=7,tc=0,ttl=9,bos=1,eth_type=0x8847),copy_ttl_in,1,\
         set(mpls(label=7,tc=0,ttl=3,bos=1)),copy_ttl_out,2",
    );
    // After copy_ttl_in the IPv4 TTL is the label's (9).
    assert_eq!(out[0][18 + 8], 9);
    // copy_ttl_out brings it back out over the label's 3.
    assert_eq!(out[1][17], 9);
}
