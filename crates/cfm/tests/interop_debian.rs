//! Our CFM instances talking live to Debian's ovs-vswitchd (the reference peer, skipped when
//! not installed): Debian's dummy interfaces have `cfm_mpid` set; our CCMs reach them through
//! `ovs-appctl netdev-dummy/receive`, theirs reach us through the interfaces' `tx_pcap`
//! files. Both sides must end up fault-free, each listing the other as its remote MP, in
//! standard and in extended mode.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use cfm::{Cfm, CfmSettings};
use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::{reference, Sandbox};

const T: Duration = Duration::from_secs(20);

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The complete records of a pcap file written so far.
fn pcap_records(path: &Path) -> Vec<Vec<u8>> {
    let d = std::fs::read(path).unwrap_or_default();
    let mut out = Vec::new();
    let mut off = 24;
    while let Some(hdr) = d.get(off..off + 16) {
        let len = u32::from_le_bytes([hdr[8], hdr[9], hdr[10], hdr[11]]) as usize;
        match d.get(off + 16..off + 16 + len) {
            Some(p) => out.push(p.to_vec()),
            None => break,
        }
        off += 16 + len;
    }
    out
}

struct Peer {
    port: &'static str,
    pcap: PathBuf,
    ours: Cfm,
    mac: [u8; 6],
    seen: usize,
}

#[test]
fn our_cfm_and_debians_see_each_other_without_faults() {
    let tools = [
        "ovsdb-tool",
        "ovsdb-server",
        "ovs-vswitchd",
        "ovs-vsctl",
        "ovs-appctl",
    ];
    if !reference::require("cfm interop", &tools) {
        return;
    }
    let mut sb = Sandbox::new("cfm-interop");
    let db = sb.dbdir().join("conf.db");
    create_db(&sb, Impl::Reference, &db, &reference::vswitch_schema());
    let srv = start_server(&mut sb, Impl::Reference, "db", &db, &[]);
    let ctl = sb.rundir().join("ovs-vswitchd.ctl");
    let mut cmd = sb.command(reference::path("ovs-vswitchd"));
    cmd.arg(format!("unix:{}", srv.socket.display()))
        .arg("--enable-dummy=override")
        .arg("--no-chdir")
        .arg(format!("--unixctl={}", ctl.display()))
        .arg(format!(
            "--log-file={}",
            sb.logdir().join("ovs-vswitchd.log").display()
        ));
    sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
    sb.wait_for_path(&ctl, T)
        .expect("ovs-vswitchd control socket");

    let run = |program: &str, args: &[String]| -> Output {
        sb.run(sb.command(reference::path(program)).args(args), T)
            .expect("run tool")
    };
    let vsctl = |args: &[&str]| -> String {
        let mut a = vec![format!("--db=unix:{}", srv.socket.display())];
        a.push("--timeout=20".to_string());
        a.extend(args.iter().map(|s| s.to_string()));
        let o = run("ovs-vsctl", &a);
        assert!(o.status.success(), "ovs-vsctl {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let pcap1 = sb.root().join("x1.pcap");
    let pcap2 = sb.root().join("x2.pcap");
    let tx1 = format!("options:tx_pcap={}", pcap1.display());
    let tx2 = format!("options:tx_pcap={}", pcap2.display());
    #[rustfmt::skip]
    vsctl(&[
        "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy",
        "--", "add-port", "br0", "x1", "--", "set", "interface", "x1", "type=dummy",
        "cfm_mpid=60", &tx1,
        "--", "add-port", "br0", "x2", "--", "set", "interface", "x2", "type=dummy",
        "cfm_mpid=62", "other_config:cfm_extended=true", &tx2,
    ]);

    let start = Instant::now();
    let mut ext = CfmSettings::new(61);
    ext.extended = true;
    let mut peers = [
        Peer {
            port: "x1",
            pcap: pcap1,
            ours: Cfm::new("ours1", CfmSettings::new(61), 0),
            mac: [0x0a, 0, 0, 0, 0, 0x61],
            seen: 0,
        },
        Peer {
            port: "x2",
            pcap: pcap2,
            ours: Cfm::new("ours2", ext, 0),
            mac: [0x0a, 0, 0, 0, 0, 0x62],
            seen: 0,
        },
    ];
    let deadline = start + Duration::from_secs(30);
    let mut last_poll = start;
    loop {
        let now = start.elapsed().as_millis() as u64;
        for p in peers.iter_mut() {
            if let Some(frame) = p.ours.run(now, p.mac) {
                let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
                let args = [
                    format!("--target={}", ctl.display()),
                    "netdev-dummy/receive".to_string(),
                    p.port.to_string(),
                    hex,
                ];
                let o = run("ovs-appctl", &args);
                assert!(o.status.success(), "netdev-dummy/receive: {}", text(&o));
            }
            let recs = pcap_records(&p.pcap);
            for f in recs.iter().skip(p.seen) {
                assert!(p.ours.should_process(f), "Debian sent a non-CCM frame");
                p.ours.process(f, now).expect("Debian's CCM decodes");
            }
            p.seen = recs.len();
        }
        if last_poll.elapsed() >= Duration::from_millis(500) {
            last_poll = Instant::now();
            let done = peers.iter().all(|p| {
                let st = p.ours.status();
                let theirs = vsctl(&["get", "interface", p.port, "cfm_fault", "cfm_remote_mpids"]);
                let want = if p.port == "x1" { 60 } else { 62 };
                theirs == "false\n[61]" && st.faults.is_empty() && st.remote_mpids == [want]
            });
            if done {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no fault-free exchange within 30 s:\n{}\n{}\nDebian: {}",
            peers[0].ours.show(now),
            peers[1].ours.show(now),
            text(&run(
                "ovs-appctl",
                &[
                    format!("--target={}", ctl.display()),
                    "cfm/show".to_string()
                ]
            ))
        );
        // Pace the loop (CCMs are due every second); progress is checked above.
        std::thread::sleep(Duration::from_millis(10));
    }
    let ext_status = vsctl(&["get", "interface", "x2", "cfm_remote_opstate"]);
    assert_eq!(ext_status, "up");
    assert_eq!(peers[1].ours.status().remote_opstate, Some(true));
}
