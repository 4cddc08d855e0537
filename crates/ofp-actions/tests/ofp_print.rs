//! Differential test: Open vSwitch's `ovs-ofctl ofp-print` decodes flow_mods whose actions we
//! encoded, and must print the same canonical actions OVS printed for the same input text
//! (`tests/data/expected.tsv`). The flow_mod wrapper (header, match, fixed fields) is built by
//! hand here for OpenFlow 1.0, 1.3 and 1.5. Needs Debian's `ovs-ofctl`; without it the test
//! reports that it was skipped.

use ofp_actions::*;
use std::process::Command;

const OVS_OFCTL: &str = "/usr/bin/ovs-ofctl";

/// (dl_type, nw_proto, vlan) for the few matches the wrapper can express.
fn simple_match(m: &str) -> Option<(Option<u16>, Option<u8>, Option<u16>)> {
    Some(match m {
        "" => (None, None, None),
        "ip" => (Some(0x0800), None, None),
        "ipv6" => (Some(0x86dd), None, None),
        "tcp" => (Some(0x0800), Some(6), None),
        "udp" => (Some(0x0800), Some(17), None),
        "arp" => (Some(0x0806), None, None),
        "mpls" => (Some(0x8847), None, None),
        "dl_vlan=5" => (None, None, Some(5)),
        _ => return None,
    })
}

fn flow_mod(v: Version, m: (Option<u16>, Option<u8>, Option<u16>), body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(v as u8);
    out.push(14);
    out.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
    let (dl_type, proto, vlan) = m;
    if v == Version::Of10 {
        let mut wild: u32 = 0x003f_ffff;
        if dl_type.is_some() {
            wild &= !(1 << 4);
        }
        if proto.is_some() {
            wild &= !(1 << 5);
        }
        if vlan.is_some() {
            wild &= !(1 << 1);
        }
        out.extend_from_slice(&wild.to_be_bytes());
        out.extend_from_slice(&[0; 2]); // in_port
        out.extend_from_slice(&[0; 12]); // dl_src, dl_dst
        out.extend_from_slice(&vlan.unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&[0, 0]); // pcp, pad
        out.extend_from_slice(&dl_type.unwrap_or(0).to_be_bytes());
        out.push(0); // tos
        out.push(proto.unwrap_or(0));
        out.extend_from_slice(&[0; 2 + 4 + 4 + 2 + 2]);
        out.extend_from_slice(&[0; 8]); // cookie
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // ADD, idle, hard
        out.extend_from_slice(&0x8000u16.to_be_bytes());
        out.extend_from_slice(&u32::MAX.to_be_bytes()); // buffer_id
        out.extend_from_slice(&0xffffu16.to_be_bytes()); // out_port
        out.extend_from_slice(&[0, 0]); // flags
    } else {
        out.extend_from_slice(&[0; 16]); // cookie, cookie_mask
        out.extend_from_slice(&[0, 0]); // table, ADD
        out.extend_from_slice(&[0; 4]); // idle, hard
        out.extend_from_slice(&0x8000u16.to_be_bytes());
        out.extend_from_slice(&u32::MAX.to_be_bytes()); // buffer_id
        out.extend_from_slice(&u32::MAX.to_be_bytes()); // out_port
        out.extend_from_slice(&u32::MAX.to_be_bytes()); // out_group
        out.extend_from_slice(&[0; 4]); // flags, importance/pad
        let mut oxm = Vec::new();
        if let Some(vid) = vlan {
            oxm.extend_from_slice(&0x8000_0c02u32.to_be_bytes());
            oxm.extend_from_slice(&(vid | 0x1000).to_be_bytes());
        }
        if let Some(t) = dl_type {
            oxm.extend_from_slice(&0x8000_0a02u32.to_be_bytes());
            oxm.extend_from_slice(&t.to_be_bytes());
        }
        if let Some(p) = proto {
            oxm.extend_from_slice(&0x8000_1401u32.to_be_bytes());
            oxm.push(p);
        }
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&((4 + oxm.len()) as u16).to_be_bytes());
        out.extend_from_slice(&oxm);
        let pad = (8 - (4 + oxm.len()) % 8) % 8;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend_from_slice(body);
    let len = out.len() as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn ovs_ofctl_ofp_print_agrees_with_our_encoding() {
    if !std::path::Path::new(OVS_OFCTL).exists() {
        eprintln!("skipped: {OVS_OFCTL} not installed");
        return;
    }
    let data = include_str!("data/expected.tsv");
    let deviations = include_str!("data/deviations.tsv");
    let known = |ver: &str, m: &str, acts: &str| {
        deviations
            .lines()
            .any(|l| l.starts_with(&format!("{ver}\t{m}\t{acts}\t")))
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let [ver, m, acts, want] = f[..] else {
            continue;
        };
        // Every version is covered byte for byte by wire_bytes.rs; here three suffice.
        if !matches!(ver, "of10" | "of13" | "of15") {
            continue;
        }
        let Some(want) = want.strip_prefix("actions=") else {
            continue;
        };
        let Some(sm) = simple_match(m) else { continue };
        if known(ver, m, acts) {
            continue;
        }
        let v = match ver {
            "of10" => Version::Of10,
            "of11" => Version::Of11,
            "of12" => Version::Of12,
            "of13" => Version::Of13,
            "of14" => Version::Of14,
            _ => Version::Of15,
        };
        let Ok(fm) = flow::parse_match(m, None) else {
            continue;
        };
        let Ok(parsed) = parse_actions(acts, None) else {
            continue;
        };
        let cx = EncodeContext {
            version: v,
            flow_match: Some(&fm),
        };
        let Ok(body) = encode_instructions_ctx(&parsed, cx) else {
            continue;
        };
        let msg = flow_mod(v, sm, &body);
        let out = Command::new(OVS_OFCTL)
            .arg("ofp-print")
            .arg(hex(&msg))
            .output()
            .expect("run ovs-ofctl");
        let text = String::from_utf8_lossy(&out.stdout);
        let got = text
            .lines()
            .find_map(|l| l.find(" actions=").map(|i| l[i + 9..].trim().to_string()));
        checked += 1;
        if got.as_deref() != Some(want) {
            failures.push(format!(
                "{ver} {m:?} {acts:?}\n  want {want}\n  ovs  {text}"
            ));
        }
    }
    assert!(checked >= 60, "only {checked} cases checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
