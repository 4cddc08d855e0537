//! Differential test against Debian's `/usr/bin/ovs-ofctl`: both binaries run live on the
//! same arguments and their standard output, standard error and exit status are compared.
//!
//! * `parse-flow` on every row of `tests/data/flows.tsv` (over 1,100 flows built by
//!   `tests/data/make-flows.py` from the flow crate's match cases and the ofp-actions crate's
//!   action cases, combined with flow_mod fields, under several `-O`/`-F` option sets);
//! * `ofp-print` of flow_mods with actions: for every third flow both accept, the flow_mod our
//!   encoder builds for the chosen protocol is printed by both binaries;
//! * `ofp-print` of packet_in and packet_out messages carrying the first frames of the flow
//!   crate's extraction corpus (`extract_corpus.pcap`), exercising packet dissection;
//! * the command-line cases of `tests/data/commands.tsv` (options, usage errors,
//!   `parse-flows` with files and standard input, `ofp-print` hex syntax).
//!
//! Log lines OVS writes to standard error (`2026-...Z|00001|module|WARN|...`) carry a clock
//! reading and are dropped from both sides before comparing; the program path is made the
//! same by running both binaries with `argv[0] = "ovs-ofctl"`. Every case that differs on
//! purpose is listed, with its reason, in `tests/data/known-differences.tsv`; any other
//! difference fails the test, and so does a listed case that no longer differs (the list must
//! stay exact).
//!
//! Without `/usr/bin/ovs-ofctl` the test prints a notice and passes, unless
//! `FERRO_REQUIRE_REFERENCE=1` is set, in which case it fails.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

const REFERENCE: &str = "/usr/bin/ovs-ofctl";
const OURS: &str = env!("CARGO_BIN_EXE_ovs-ofctl");

#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

fn is_log_line(l: &str) -> bool {
    let b = l.as_bytes();
    b.len() > 21 && b.get(4) == Some(&b'-') && b.get(10) == Some(&b'T') && l[19..].starts_with("Z|")
}

fn run(bin: &str, args: &[String], stdin: Option<&str>, dir: &Path) -> Outcome {
    let mut cmd = Command::new(bin);
    cmd.arg0("ovs-ofctl")
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    if let (Some(input), Some(mut w)) = (stdin, child.stdin.take()) {
        let _ = w.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !is_log_line(l))
        .map(|l| format!("{l}\n"))
        .collect();
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        status: out.status.code(),
    }
}

/// The case keys listed in known-differences.tsv (first two columns).
fn known_differences() -> BTreeSet<(String, String)> {
    include_str!("data/known-differences.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .collect()
}

fn reference_available() -> bool {
    if Path::new(REFERENCE).exists() {
        return true;
    }
    if std::env::var("FERRO_REQUIRE_REFERENCE").as_deref() == Ok("1") {
        panic!("{REFERENCE} is missing and FERRO_REQUIRE_REFERENCE=1");
    }
    println!("notice: {REFERENCE} not found; skipping the differential test");
    false
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Checker {
    known: BTreeSet<(String, String)>,
    failures: Vec<String>,
    cases: usize,
    dir: tempdir::Dir,
}

mod tempdir {
    //! A private scratch directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let p = std::env::temp_dir().join(format!(
                "ovs-ofctl-diff-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            std::fs::create_dir_all(&p).expect("scratch dir");
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Checker {
    fn new() -> Checker {
        Checker {
            known: known_differences(),
            failures: Vec::new(),
            cases: 0,
            dir: tempdir::Dir::new(),
        }
    }

    /// Runs both binaries; records a failure unless they agree or the case is listed.
    /// Returns the reference's outcome.
    fn check(&mut self, key: (&str, &str), args: &[String], stdin: Option<&str>) -> Outcome {
        self.cases += 1;
        let theirs = run(REFERENCE, args, stdin, &self.dir.0);
        let ours = run(OURS, args, stdin, &self.dir.0);
        let key = (key.0.to_string(), key.1.to_string());
        if self.known.contains(&key) {
            if theirs == ours {
                self.failures.push(format!(
                    "--- listed in known-differences.tsv but agrees: {key:?}"
                ));
            }
        } else if theirs != ours {
            self.failures.push(format!(
                "--- {args:?}\n  ovs:  {:?} {:?} {:?}\n  ours: {:?} {:?} {:?}",
                theirs.status, theirs.stdout, theirs.stderr, ours.status, ours.stdout, ours.stderr
            ));
        }
        theirs
    }

    fn finish(self, min_cases: usize) {
        assert!(self.cases >= min_cases, "only {} cases", self.cases);
        assert!(
            self.failures.is_empty(),
            "{} of {} cases differ from {REFERENCE}:\n{}",
            self.failures.len(),
            self.cases,
            self.failures.join("\n")
        );
    }
}

fn split_opts(opts: &str) -> Vec<String> {
    opts.split(' ')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The flow_mod our encoder sends for `flow` under `opts`, if it accepts it.
fn our_flow_mod_hex(opts: &str, flow: &str) -> Option<String> {
    use openflow::flow_text::{parse_flow_mod, Command};
    use openflow::protocol::{parse_versions, ProtocolSet};
    let o = split_opts(opts);
    let mut versions = vec![];
    let mut formats = ProtocolSet::ANY;
    let mut i = 0;
    while i + 1 < o.len() {
        match o[i].as_str() {
            "-O" => versions = parse_versions(&o[i + 1]).ok()?,
            "-F" => formats = ProtocolSet::parse_flow_formats(&o[i + 1]).ok()?,
            _ => {}
        }
        i += 2;
    }
    if versions.is_empty() {
        versions.push(openflow::Version::Of10);
    }
    let allowed = formats.intersect(ProtocolSet::of_versions(&versions));
    let fm = parse_flow_mod(flow, Command::Add, None).ok()?;
    let p = fm.usable.intersect(allowed).first()?;
    Some(hex(&fm.to_message(p, 7).ok()?.encode().ok()?))
}

#[test]
fn parse_flow_and_ofp_print_match_reference() {
    if !reference_available() {
        return;
    }
    let mut c = Checker::new();
    let mut accepted = 0usize;
    for line in include_str!("data/flows.tsv").lines() {
        if line.starts_with('#') {
            continue;
        }
        let (opts, flow) = line.split_once('\t').expect("OPTIONS<TAB>FLOW");
        let mut args = split_opts(opts);
        args.push("parse-flow".into());
        args.push(flow.into());
        let theirs = c.check((opts, flow), &args, None);
        if theirs.status == Some(0) {
            accepted += 1;
            if accepted % 3 == 0 {
                if let Some(h) = our_flow_mod_hex(opts, flow) {
                    let args = vec!["ofp-print".to_string(), h.clone()];
                    c.check(("ofp-print", &h), &args, None);
                }
            }
        }
    }
    c.finish(1200);
}

/// Frames from a classic pcap file (little- or big-endian, any link type).
fn pcap_frames(data: &[u8], max: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let le = data.get(..4) == Some(&[0xd4, 0xc3, 0xb2, 0xa1][..]);
    let rd = |b: &[u8]| {
        let a = [b[0], b[1], b[2], b[3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let mut off = 24;
    while out.len() < max {
        let Some(h) = data.get(off..off + 16) else {
            break;
        };
        let caplen = rd(&h[8..12]) as usize;
        let Some(frame) = data.get(off + 16..off + 16 + caplen) else {
            break;
        };
        out.push(frame.to_vec());
        off += 16 + caplen;
    }
    out
}

#[test]
fn packet_dissection_matches_reference() {
    use openflow::msgs::flow::{PacketIn, PacketOut, RawActions, NO_BUFFER};
    use openflow::{Message, OfpMsg, Version};
    if !reference_available() {
        return;
    }
    let pcap = include_bytes!("../../flow/tests/data/extract_corpus.pcap");
    let mut c = Checker::new();
    for (i, frame) in pcap_frames(pcap, 150).into_iter().enumerate() {
        let total_len = u16::try_from(frame.len()).unwrap_or(u16::MAX);
        let mut m = flow::Match::catchall();
        m.set_field(flow::FieldId::InPort, 3, u128::MAX);
        let msg = if i % 2 == 0 {
            OfpMsg::new(
                Version::Of10,
                i as u32,
                Message::PacketIn(PacketIn {
                    buffer_id: NO_BUFFER,
                    total_len,
                    reason: 1,
                    table_id: 0,
                    cookie: 0,
                    in_phy_port: 0,
                    match_: m,
                    data: frame,
                }),
            )
        } else {
            let actions = ofp_actions::encode_actions(
                &ofp_actions::parse_actions("output:2", None).unwrap(),
                ofp_actions::Version::Of13,
            )
            .unwrap();
            OfpMsg::new(
                Version::Of13,
                i as u32,
                Message::PacketOut(PacketOut {
                    buffer_id: NO_BUFFER,
                    match_: m,
                    actions: RawActions {
                        version: Version::Of13,
                        bytes: actions,
                    },
                    data: frame,
                }),
            )
        };
        let Ok(bytes) = msg.encode() else { continue };
        let h = hex(&bytes);
        c.check(
            ("ofp-print", &h),
            &["ofp-print".to_string(), h.clone()],
            None,
        );
    }
    c.finish(100);
}

#[test]
fn command_line_matches_reference() {
    if !reference_available() {
        return;
    }
    let mut c = Checker::new();
    // Files the cases can name.
    let files = [
        (
            "flows1",
            "# comment\n\nip,actions=drop\n  tcp,tp_dst=80 actions=output:2 # trailing\ntable=3,actions=drop\n",
        ),
        ("flows2", "ip,actions=drop\nbogus=1,actions=drop\n"),
        ("flows3", "ip,actions=strip_vlan\nipv6,actions=push_vlan:0x8100\n"),
        ("flows4", "reg0=1,actions=1\ncookie=5,priority=3,actions=2\n"),
        ("empty", ""),
    ];
    for (name, text) in files {
        std::fs::write(c.dir.0.join(name), text).expect("write flow file");
    }
    for line in include_str!("data/commands.tsv").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // ARGS separated by tabs; a final field "<STDIN>text" feeds standard input (\n escaped).
        let mut args: Vec<String> = line.split('\t').map(String::from).collect();
        let stdin = match args.last().and_then(|a| a.strip_prefix("<STDIN>")) {
            Some(s) => {
                let s = s.replace("\\n", "\n");
                args.pop();
                Some(s)
            }
            None => None,
        };
        c.check(("cmd", line), &args, stdin.as_deref());
    }
    c.finish(20);
}
