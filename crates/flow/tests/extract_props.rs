//! Property tests for `flow::extract`: it never panics on any bytes, with any metadata and
//! VLAN limit; it overwrites every field of the caller's flow (the result does not depend
//! on what the flow held before); and the packet printer accepts whatever it produces.

use flow::{
    extract, extract_with_layers, extract_with_vlan_limit, format_packet_flow, CtTuple, Flow,
    FlowWildcards, Metadata, FLOW_WORDS,
};
use proptest::prelude::*;

/// A valid frame to mutate: Ethernet / 802.1ad / 802.1Q / IPv6 / hop-by-hop / ND with
/// options, so mutations reach deep layers.
fn seed_frames() -> Vec<Vec<u8>> {
    let macs = [2u8, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    let mut nd = vec![135u8, 0, 0, 0, 0, 0, 0, 0];
    nd.extend_from_slice(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    nd.extend_from_slice(&[1, 1, 1, 2, 3, 4, 5, 6, 2, 1, 6, 5, 4, 3, 2, 1]);
    let hbh = [58u8, 0, 0, 0, 0, 0, 0, 0];
    let mut v6 = vec![0x60, 0, 0, 0, 0, (hbh.len() + nd.len()) as u8, 0, 64];
    v6.extend_from_slice(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&[0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    v6.extend_from_slice(&hbh);
    v6.extend_from_slice(&nd);
    let qinq = [
        macs.as_slice(),
        &[0x88, 0xa8, 0, 5, 0x81, 0, 0, 6, 0x86, 0xdd],
        &v6,
    ]
    .concat();
    let tcp4 = [
        macs.as_slice(),
        &[
            8, 0, 0x46, 0, 0, 44, 0, 0, 0x20, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 1, 0,
        ],
        &[
            0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x18, 0, 0, 0, 0, 0, 0,
        ],
    ]
    .concat();
    let mpls = [
        macs.as_slice(),
        &[0x88, 0x47, 0, 1, 0, 1, 0, 2, 0, 2, 0, 3, 1, 3],
    ]
    .concat();
    let arp = [
        macs.as_slice(),
        &[
            8, 6, 0, 1, 8, 0, 6, 4, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0,
        ],
        &[5, 6, 7, 8],
    ]
    .concat();
    vec![qinq, tcp4, mpls, arp]
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (
        any::<u16>(),
        any::<u32>(),
        any::<u64>(),
        any::<u32>(),
        any::<u8>(),
        any::<bool>(),
        any::<u128>(),
        any::<u8>(),
        any::<(u16, u16)>(),
    )
        .prop_map(
            |(in_port, mark, tun_id, tun_dst, ct_state, ipv6, addr, proto, ports)| Metadata {
                in_port,
                pkt_mark: mark,
                recirc_id: mark.rotate_left(7),
                dp_hash: mark ^ 0x5555,
                tun_id,
                tun_dst,
                tun_src: !tun_dst,
                ct_state,
                ct_zone: ports.0,
                ct_label: addr,
                ct_orig_tuple: CtTuple {
                    ipv6,
                    src: addr,
                    dst: !addr,
                    proto,
                    tp_src: ports.0,
                    tp_dst: ports.1,
                },
                ..Metadata::default()
            },
        )
}

fn check(bytes: &[u8], md: &Metadata, vlan_limit: usize) {
    let mut clean = Flow::new();
    extract_with_vlan_limit(bytes, md, vlan_limit, &mut clean);
    let mut dirty = Flow::from_words([u64::MAX; FLOW_WORDS]).masked(&FlowWildcards::exact());
    extract_with_vlan_limit(bytes, md, vlan_limit, &mut dirty);
    assert_eq!(
        clean, dirty,
        "result depends on the flow's previous contents"
    );
    let _ = format_packet_flow(&clean, None);
    let mut third = Flow::new();
    let layers = extract_with_layers(bytes, md, vlan_limit, &mut third);
    assert_eq!(third, clean);
    if bytes.len() >= 14 {
        assert_eq!(
            layers,
            packet::Layers::parse_with_vlan_limit(bytes, vlan_limit)
        );
    }
    if vlan_limit == 2 {
        let mut again = Flow::new();
        extract(bytes, md, &mut again);
        assert_eq!(clean, again);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..160),
                       md in metadata(), limit in 0usize..4) {
        check(&bytes, &md, limit);
    }

    #[test]
    fn mutated_frames(which in 0usize..4, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
                      cut in any::<usize>(), md in metadata(), limit in 0usize..4) {
        let mut f = seed_frames()[which].clone();
        for (i, b) in edits {
            let n = f.len();
            f[12 + i % (n - 12)] = b;
        }
        let keep = cut % (f.len() + 1);
        f.truncate(keep.max(f.len() / 2));
        check(&f, &md, limit);
        check(&f[..keep], &md, limit);
    }
}
