//! Test helpers: wrap datagrams in a pcap file and decode them with tshark.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `datagrams` as UDP packets from 127.0.0.1:40000 to 127.0.0.1:`port` in a pcap file.
pub fn write_pcap(path: &Path, port: u16, datagrams: &[Vec<u8>]) {
    let mut f = std::fs::File::create(path).expect("create pcap");
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    hdr.extend_from_slice(&2u16.to_le_bytes());
    hdr.extend_from_slice(&4u16.to_le_bytes());
    hdr.extend_from_slice(&0i32.to_le_bytes());
    hdr.extend_from_slice(&0u32.to_le_bytes());
    hdr.extend_from_slice(&65535u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    f.write_all(&hdr).expect("write pcap header");
    for (i, d) in datagrams.iter().enumerate() {
        let udp_len = 8 + d.len();
        let ip_len = 20 + udp_len;
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        let mut ip = vec![
            0x45,
            0,
            (ip_len >> 8) as u8,
            ip_len as u8,
            0,
            0,
            0,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&[127, 0, 0, 1, 127, 0, 0, 1]);
        let sum = ip
            .chunks(2)
            .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
            .sum::<u32>();
        let sum = (sum & 0xffff) + (sum >> 16);
        let csum = !((sum & 0xffff) + (sum >> 16)) as u16;
        ip[10..12].copy_from_slice(&csum.to_be_bytes());
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&40000u16.to_be_bytes());
        frame.extend_from_slice(&port.to_be_bytes());
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        frame.extend_from_slice(&[0, 0]);
        frame.extend_from_slice(d);
        let mut rec = Vec::new();
        rec.extend_from_slice(&(i as u32).to_le_bytes());
        rec.extend_from_slice(&0u32.to_le_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        rec.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        f.write_all(&rec).expect("write record");
        f.write_all(&frame).expect("write frame");
    }
}

/// Whether tshark can be run. When it cannot and `FERRO_REQUIRE_REFERENCE=1` (CI, which
/// installs it), that is a failure rather than a skip.
pub fn have_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok && std::env::var("FERRO_REQUIRE_REFERENCE").as_deref() == Ok("1") {
        panic!("tshark is not installed (apt-get install tshark)");
    }
    ok
}

/// Decodes the datagrams with `tshark -V`, dissecting UDP `port` as `proto`; returns the text.
pub fn tshark_decode(port: u16, proto: &str, datagrams: &[Vec<u8>]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("capture.pcap");
    write_pcap(&path, port, datagrams);
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-V")
        .arg("-d")
        .arg(format!("udp.port=={port},{proto}"))
        .env("HOME", dir.path())
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Lines of tshark output with leading whitespace removed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(|l| l.trim().to_string()).collect()
}

/// Asserts `line` occurs (exactly, after trimming) `n` times.
pub fn assert_count(text: &str, line: &str, n: usize) {
    let got = lines(text).iter().filter(|l| l.as_str() == line).count();
    assert_eq!(got, n, "expected {n} x {line:?} in tshark output:\n{text}");
}

/// A TCP/IPv4 Ethernet frame of `total` bytes (at least 54), optionally 802.1Q-tagged.
pub fn tcp_frame(vlan: Option<(u16, u8)>, total: usize) -> Vec<u8> {
    let mut f = vec![0x50, 0x54, 0, 0, 0, 2, 0x50, 0x54, 0, 0, 0, 1];
    if let Some((vid, pcp)) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&((u16::from(pcp) << 13) | vid).to_be_bytes());
    }
    f.extend_from_slice(&[0x08, 0x00]);
    let ip_len = total.saturating_sub(f.len()).max(40);
    let mut ip = vec![
        0x45,
        0,
        (ip_len >> 8) as u8,
        ip_len as u8,
        0,
        0,
        0,
        0,
        64,
        6,
        0,
        0,
        10,
        0,
        0,
        1,
        10,
        0,
        0,
        2,
    ];
    let sum = ip
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum::<u32>();
    let sum = (sum & 0xffff) + (sum >> 16);
    let csum = !((sum & 0xffff) + (sum >> 16)) as u16;
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&[
        0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0,
    ]);
    f.resize(f.len() + ip_len - 40, 0xab);
    f
}

/// Runs one of Open vSwitch's tools with its directories pointed at `dir`; panics with the
/// tool's stderr when it fails.
pub fn run(cmd: &str, args: &[&str], dir: &Path) {
    let out = Command::new(cmd)
        .args(args)
        .env("OVS_RUNDIR", dir)
        .env("OVS_LOGDIR", dir)
        .env("OVS_DBDIR", dir)
        .env("OVS_SYSCONFDIR", dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A private Open vSwitch (ovsdb-server and ovs-vswitchd with dummy ports) in a temporary
/// directory, both stopped by pid when dropped. The database socket is `<dir>/db.sock`, the
/// switch's pidfile and control socket `<dir>/vs.pid` and `<dir>/vs.ctl`.
pub struct RefSwitch {
    /// The directory (sockets, pidfiles, logs, database).
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

impl RefSwitch {
    /// Starts the reference switch; `None` after a printed skip notice when Open vSwitch (with
    /// `tools`, e.g. `ovs-vsctl`) is not installed, a failure instead under
    /// `FERRO_REQUIRE_REFERENCE=1`.
    pub fn start(test: &str, tools: &[&str]) -> Option<RefSwitch> {
        let mut needed = vec!["ovs-vswitchd", "ovsdb-server", "ovsdb-tool"];
        needed.extend_from_slice(tools);
        if !testkit::reference::require(test, &needed)
            || !testkit::reference::vswitch_schema().exists()
        {
            return None;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let sw = RefSwitch {
            dir: tmp.path().to_path_buf(),
            _tmp: tmp,
        };
        let d = &sw.dir;
        let ds = d.to_str().expect("utf8 path");
        let schema = testkit::reference::vswitch_schema();
        run(
            "ovsdb-tool",
            &[
                "create",
                &format!("{ds}/conf.db"),
                schema.to_str().expect("utf8 path"),
            ],
            d,
        );
        run(
            "ovsdb-server",
            &[
                &format!("--remote=punix:{ds}/db.sock"),
                &format!("--pidfile={ds}/ovsdb-server.pid"),
                &format!("--unixctl={ds}/ovsdb-server.ctl"),
                &format!("--log-file={ds}/ovsdb-server.log"),
                "--detach",
                &format!("{ds}/conf.db"),
            ],
            d,
        );
        run(
            "ovs-vswitchd",
            &[
                &format!("unix:{ds}/db.sock"),
                "--enable-dummy=override",
                "--disable-system",
                "--disable-system-route",
                &format!("--pidfile={ds}/vs.pid"),
                &format!("--unixctl={ds}/vs.ctl"),
                &format!("--log-file={ds}/vs.log"),
                "--detach",
            ],
            d,
        );
        Some(sw)
    }

    /// The directory as a string, for building command-line arguments.
    pub fn ds(&self) -> String {
        self.dir.to_str().expect("utf8 path").to_string()
    }
}

impl Drop for RefSwitch {
    fn drop(&mut self) {
        for name in ["vs.pid", "ovsdb-server.pid"] {
            if let Some(pid) = testkit::sandbox::read_pidfile(&self.dir.join(name)) {
                testkit::sandbox::stop_pid(pid, std::time::Duration::from_secs(5));
            }
        }
    }
}
