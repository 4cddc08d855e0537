//! Prints `name hex` lines for messages whose `ofp-print` text involves
//! actions and packet dissection: flow_mods built from `ovs-ofctl` flow
//! text for several protocols, and packet_in/packet_out messages carrying
//! hand-made frames.  `tests/data/regen-actions.sh` feeds them to the
//! reference `ovs-ofctl ofp-print` to produce `ofp-print-actions.txt`.

use openflow::flow_text::{parse_flow_mod, Command};
use openflow::msgs::flow::{PacketIn, PacketOut, RawActions, NO_BUFFER};
use openflow::protocol::Protocol;
use openflow::{Message, OfpMsg, Version};

const FLOWS: &[&str] = &[
    "actions=drop",
    "ip,nw_src=10.0.0.0/8,actions=output:1,output:2",
    "tcp,tp_dst=80,actions=mod_nw_dst:192.168.0.1,mod_tp_dst:8080,normal",
    "actions=mod_vlan_vid:5,mod_vlan_pcp:3,output:3",
    "dl_vlan=7,actions=strip_vlan,resubmit(,3),controller:100",
    "ip,actions=dec_ttl,set_field:10.1.2.3->ip_dst,output:LOCAL",
    "actions=set_field:0x1234->reg0,load:0x5->NXM_NX_REG1[0..7],move:NXM_NX_REG0[]->NXM_NX_REG2[]",
    "table=1,actions=write_actions(output:3),goto_table:4",
    "actions=meter:2,clear_actions,write_metadata:0x10/0xff,goto_table:7",
    "actions=group:5,set_queue:3,enqueue:2:1",
    "ip,actions=ct(commit,zone=5,exec(set_field:0x1->ct_mark)),ct_clear",
    "actions=learn(table=2,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])",
    "actions=note:01.02.03,push_vlan:0x8100,pop_vlan",
    "mpls,actions=pop_mpls:0x0800,output:1",
    "actions=push_mpls:0x8847,set_mpls_label:10,set_mpls_ttl:9,dec_mpls_ttl",
    "ipv6,actions=set_field:2001:db8::1->ipv6_src,output:2",
    "actions=bundle(eth_src,0,hrw,ofport,members:1,2),exit",
    "actions=clone(output:1,output:2),sample(probability=100,collector_set_id=1)",
];

fn frame(ethertype: u16, l3: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x50, 0x54, 0x00, 0x00, 0x00, 0x01, 0x50, 0x54, 0x00, 0x00, 0x00, 0x02,
    ];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(l3);
    f
}

fn ipv4(proto: u8, l4: &[u8]) -> Vec<u8> {
    let len = (20 + l4.len()) as u16;
    let mut h = vec![0x45, 0x00];
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[0x00, 0x01, 0x00, 0x00, 0x40, proto, 0xab, 0xcd]);
    h.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    h.extend_from_slice(l4);
    h
}

fn frames() -> Vec<(&'static str, Vec<u8>)> {
    let tcp = [
        0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0x00, 0x12, 0x34, 0, 0,
    ];
    let udp = [0x00, 0x35, 0x10, 0x00, 0x00, 0x0c, 0xbe, 0xef, 1, 2, 3, 4];
    let icmp = [0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x01];
    let arp = [
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x50, 0x54, 0x00, 0x00, 0x00, 0x02, 10, 0,
        0, 2, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
    ];
    let mut ip6 = vec![0x60, 0, 0, 0, 0x00, 0x08, 58, 64];
    ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    ip6.extend_from_slice(&[0; 11]);
    ip6.push(1);
    ip6.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    ip6.extend_from_slice(&[0; 11]);
    ip6.push(2);
    ip6.extend_from_slice(&[0x80, 0x00, 0x12, 0x34, 0x00, 0x01, 0x00, 0x01]);
    vec![
        ("tcp", frame(0x0800, &ipv4(6, &tcp))),
        ("udp", frame(0x0800, &ipv4(17, &udp))),
        ("icmp", frame(0x0800, &ipv4(1, &icmp))),
        ("tcp-truncated", frame(0x0800, &ipv4(6, &tcp[..10]))),
        ("arp", frame(0x0806, &arp)),
        ("icmp6", frame(0x86dd, &ip6)),
        ("short", vec![0x50, 0x54, 0x00]),
    ]
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let protocols = [
        ("of10", Protocol::Of10StdTid),
        ("nxm", Protocol::Of10NxmTid),
        ("of11", Protocol::Of11Std),
        ("of13", Protocol::Of13Oxm),
        ("of15", Protocol::Of15Oxm),
    ];
    for (i, flow) in FLOWS.iter().enumerate() {
        let Ok(fm) = parse_flow_mod(flow, Command::Add, None) else {
            eprintln!("cannot parse {flow}");
            continue;
        };
        for (pname, p) in protocols {
            if !fm.usable.contains(p) {
                continue;
            }
            if let Ok(b) = fm.to_message(p, 1).and_then(|m| {
                m.encode()
                    .map_err(|_| openflow::flow_text::FlowTextError::NoUsableProtocol)
            }) {
                println!("actions-{i}-{pname} {}", hex(&b));
            }
        }
    }
    for (name, data) in frames() {
        let mut m = flow::Match::catchall();
        m.set_field(flow::FieldId::InPort, 3, u128::MAX);
        let pi = OfpMsg::new(
            Version::Of10,
            2,
            Message::PacketIn(PacketIn {
                buffer_id: NO_BUFFER,
                total_len: data.len() as u16,
                reason: 0,
                table_id: 0,
                cookie: 0,
                in_phy_port: 0,
                match_: m,
                data: data.clone(),
            }),
        );
        let acts = ofp_actions::encode_actions(
            &ofp_actions::parse_actions("output:1,mod_dl_src:00:00:00:00:00:05", None)
                .unwrap_or_default(),
            ofp_actions::Version::Of13,
        )
        .unwrap_or_default();
        let po = OfpMsg::new(
            Version::Of13,
            3,
            Message::PacketOut(PacketOut {
                buffer_id: NO_BUFFER,
                match_: m,
                actions: RawActions {
                    version: Version::Of13,
                    bytes: acts,
                },
                data,
            }),
        );
        for (kind, msg) in [("packet-in", pi), ("packet-out", po)] {
            if let Ok(b) = msg.encode() {
                println!("{kind}-{name} {}", hex(&b));
            }
        }
    }
}
