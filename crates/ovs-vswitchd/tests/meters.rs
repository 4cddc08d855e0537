//! OpenFlow 1.3 meters enforced by the datapath (dummy ports): a drop band limits what a
//! rule forwards, a DSCP-remark band rewrites what exceeds it, meter statistics count what
//! the datapath saw, and a deleted meter takes its rules with it.

mod common;

use std::time::Instant;

use common::{Switch, T};
use testkit::bins::bin_path;
use testkit::wait_until;

fn ofctl(sw: &Switch, args: &[&str]) -> String {
    let mut a = vec!["-O", "OpenFlow13"];
    a.extend_from_slice(args);
    let o = sw.run(bin_path("ovs-ofctl"), &a);
    assert!(
        o.status.success(),
        "ovs-ofctl {args:?}: {}",
        common::text(&o)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// br0 with dummy ports p1..p3 numbered 1..3; p2 records what it transmits.
fn switch(pcap: &str) -> Switch {
    let sw = Switch::start("meters");
    let mut args = common::bridge_args("br0", &[("p1", 1), ("p2", 2), ("p3", 3)]);
    args.extend(["--", "set", "interface", "p2"].map(String::from));
    args.push(format!("options:tx_pcap={pcap}"));
    sw.vsctl_ok_owned(&args);
    sw
}

/// An IPv4/UDP frame with DSCP `dscp`.
fn udp_frame(dscp: u8) -> String {
    let tos = format!("{:02x}", dscp << 2);
    format!(
        "0000000000020000000000010800\
         45{tos}002e00004000401100000a0000010a000002\
         00350035001a0000{}",
        "00".repeat(18)
    )
}

/// Frames recorded in a pcap file so far.
fn pcap_frames(path: &str) -> Vec<Vec<u8>> {
    let Ok(b) = std::fs::read(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut pos = 24;
    while let Some(h) = b.get(pos..pos + 16) {
        let caplen = u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        let Some(f) = b.get(pos + 16..pos + 16 + caplen) else {
            break;
        };
        out.push(f.to_vec());
        pos += 16 + caplen;
    }
    out
}

fn meter_stats(sw: &Switch, id: u32) -> String {
    ofctl(sw, &["meter-stats", "br0", &format!("meter={id}")])
}

#[test]
fn drop_band_limits_and_remark_band_rewrites() {
    let dir = tempdir();
    let pcap = format!("{dir}/p2.pcap");
    let sw = switch(&pcap);
    let features = ofctl(&sw, &["meter-features", "br0"]);
    assert!(
        features.contains("drop") && features.contains("dscp_remark"),
        "{features}"
    );
    ofctl(
        &sw,
        &[
            "add-meter",
            "br0",
            "meter=1,pktps,burst,stats,bands=type=drop,rate=1,burst_size=2",
        ],
    );
    ofctl(
        &sw,
        &[
            "add-meter",
            "br0",
            "meter=2,pktps,burst,stats,bands=type=dscp_remark,rate=1,burst_size=2,prec_level=1",
        ],
    );
    ofctl(
        &sw,
        &["add-flow", "br0", "in_port=1,actions=meter:1,output:2"],
    );
    ofctl(
        &sw,
        &["add-flow", "br0", "in_port=3,actions=meter:2,output:2"],
    );
    let acts = sw.trace_actions("br0", "in_port=1,udp");
    assert!(
        acts.starts_with("meter(") && acts.ends_with("),2"),
        "{acts}"
    );

    // 20 packets as fast as appctl goes: the burst of 2, plus 1 per second elapsed.
    let start = Instant::now();
    for _ in 0..20 {
        sw.appctl_ok(&["netdev-dummy/receive", "p1", &udp_frame(18)]);
    }
    wait_until("meter 1 to count 20 packets", T, || {
        meter_stats(&sw, 1).contains("packet_in_count:20")
    })
    .unwrap();
    let allowed = 2 + start.elapsed().as_secs() as usize + 1;
    let passed = pcap_frames(&pcap).len();
    assert!(
        (2..=allowed).contains(&passed),
        "{passed} passed, at most {allowed} allowed"
    );
    let stats = meter_stats(&sw, 1);
    assert!(
        stats.contains(&format!("packet_count:{}", 20 - passed)),
        "band count = dropped packets ({passed} passed): {stats}"
    );

    // The remark band lets everything through, the excess with drop precedence raised:
    // AF21 (18) becomes AF22 (20).
    let start = Instant::now();
    for _ in 0..20 {
        sw.appctl_ok(&["netdev-dummy/receive", "p3", &udp_frame(18)]);
    }
    wait_until("all 20 remark-metered frames out", T, || {
        pcap_frames(&pcap).len() == passed + 20
    })
    .unwrap();
    let frames = pcap_frames(&pcap);
    let tos: Vec<u8> = frames[passed..].iter().map(|f| f[15]).collect();
    let remarked = tos.iter().filter(|&&t| t == 20 << 2).count();
    let kept = tos.iter().filter(|&&t| t == 18 << 2).count();
    assert_eq!(remarked + kept, 20, "{tos:?}");
    let max_kept = 2 + start.elapsed().as_secs() as usize + 1;
    assert!((2..=max_kept).contains(&kept), "{tos:?}");
    // The IPv4 header checksum was updated with the DSCP (zero before: 0 - delta).
    let f = frames[passed..]
        .iter()
        .find(|f| f[15] == 20 << 2)
        .expect("a remarked frame");
    assert_eq!(u16::from_be_bytes([f[24], f[25]]), !0x0008u16);

    // Deleting a meter deletes the rules that use it.
    ofctl(&sw, &["del-meter", "br0", "meter=1"]);
    let flows = ofctl(&sw, &["dump-flows", "br0"]);
    assert!(
        !flows.contains("meter:1") && flows.contains("meter:2"),
        "{flows}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> String {
    let d = std::env::temp_dir().join(format!("ferro-meters-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.display().to_string()
}
