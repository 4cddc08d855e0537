//! brctl driving a private ferroswitch (our ovsdb-server and `ovs-vswitchd --enable-dummy=override`,
//! so every port is a dummy port) found through `OVS_RUNDIR`, as Xen's scripts would run it:
//! bridges and ports made and removed, the show and showmacs tables, STP settings, and the
//! errors and exit statuses of bridge-utils. Expected values are read back with ovs-vsctl, never
//! written into the test. A last test compares usage and argument-error texts with
//! bridge-utils' own brctl when it is installed (they need no kernel bridge).
//!
//! Needs the workspace's binaries built (`cargo build --workspace --bins`), as CI does.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use testkit::netns::{available, Netns};
use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::wait::wait_for;
use testkit::{bin_path, wait_until, Sandbox};

const T: Duration = Duration::from_secs(30);

struct Switch {
    // Dropped in this order: the daemons stop before their namespace goes.
    sb: Sandbox,
    ns: Option<Netns>,
}

fn text(o: &Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

impl Switch {
    /// ovsdb-server on `<rundir>/db.sock` (ovs-vsctl's default there) and ovs-vswitchd with its
    /// pidfile and control socket at their default places (ovs-appctl's default target).
    fn start(label: &str) -> Switch {
        Switch::start_in(label, None)
    }

    /// The same, with ovs-vswitchd opening real devices in network namespace `ns` (brctl runs
    /// there too); without a namespace every port is a dummy port.
    fn start_in(label: &str, ns: Option<Netns>) -> Switch {
        let mut sb = Sandbox::new(label);
        let db = sb.dbdir().join("conf.db");
        let schema =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
        create_db(&sb, Impl::Ours, &db, &schema);
        let srv = start_server(&mut sb, Impl::Ours, "db", &db, &[]);
        assert_eq!(srv.socket, sb.rundir().join("db.sock"));
        let pidfile = sb.rundir().join("ovs-vswitchd.pid");
        let mut cmd = match &ns {
            Some(ns) => {
                let mut c = ns.command(bin_path("ovs-vswitchd").to_str().expect("path"));
                c.envs(sb.env()).current_dir(sb.root());
                c
            }
            None => {
                let mut c = sb.command(bin_path("ovs-vswitchd"));
                c.arg("--enable-dummy=override");
                c
            }
        };
        cmd.arg(format!("unix:{}", srv.socket.display()))
            .arg(format!("--pidfile={}", pidfile.display()))
            .arg(format!(
                "--log-file={}",
                sb.logdir().join("ovs-vswitchd.log").display()
            ));
        sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
        let sw = Switch { sb, ns };
        let rundir = sw.sb.rundir();
        wait_until("ovs-vswitchd's pidfile and control socket", T, || {
            std::fs::read_to_string(&pidfile)
                .ok()
                .and_then(|p| p.trim().parse::<u32>().ok())
                .is_some_and(|pid| rundir.join(format!("ovs-vswitchd.{pid}.ctl")).exists())
        })
        .expect("ovs-vswitchd up");
        sw.vsctl(&["init"]);
        sw
    }

    fn run(&self, program: PathBuf, args: &[&str]) -> Output {
        self.sb
            .run(self.sb.command(program).args(args), T)
            .expect("run command")
    }

    /// brctl, with the sandbox's environment (OVS_RUNDIR...).
    fn brctl(&self, args: &[&str]) -> (i32, String, String) {
        match &self.ns {
            Some(ns) => {
                let mut c = ns.command(bin_path("brctl").to_str().expect("path"));
                c.envs(self.sb.env()).current_dir(self.sb.root()).args(args);
                text(&self.sb.run(&mut c, T).expect("run brctl"))
            }
            None => text(&self.run(bin_path("brctl"), args)),
        }
    }

    /// brctl that must succeed and print nothing on stderr; its stdout.
    fn brctl_ok(&self, args: &[&str]) -> String {
        let (status, out, err) = self.brctl(args);
        assert_eq!((status, err.as_str()), (0, ""), "brctl {args:?}: {out}");
        out
    }

    /// brctl that must fail with status 1, nothing on stdout and `message` on stderr.
    fn brctl_fails(&self, args: &[&str], message: &str) {
        assert_eq!(
            self.brctl(args),
            (1, String::new(), format!("{message}\n")),
            "brctl {args:?}"
        );
    }

    fn vsctl(&self, args: &[&str]) -> String {
        let mut a = vec!["--timeout=30"];
        a.extend_from_slice(args);
        let o = self.run(bin_path("ovs-vsctl"), &a);
        let (status, out, err) = text(&o);
        assert_eq!(status, 0, "ovs-vsctl {args:?}: {err}");
        out
    }

    fn appctl(&self, args: &[&str]) -> String {
        let o = self.run(bin_path("ovs-appctl"), args);
        let (status, out, err) = text(&o);
        assert_eq!(status, 0, "ovs-appctl {args:?}: {err}");
        out
    }

    /// An interface column as ovs-vsctl prints it, quotes removed.
    fn iface(&self, name: &str, column: &str) -> String {
        self.vsctl(&["get", "Interface", name, column])
            .trim()
            .trim_matches('"')
            .to_string()
    }

    fn lines(&self, args: &[&str]) -> Vec<String> {
        self.vsctl(args).lines().map(str::to_string).collect()
    }
}

/// The bridge id brctl should show for `bridge`, from the database.
fn expected_id(sw: &Switch, bridge: &str, priority: u16) -> String {
    let mac = sw.iface(bridge, "mac_in_use").replace(':', "");
    assert_eq!(mac.len(), 12, "mac_in_use of {bridge}");
    format!("{priority:04x}.{mac}")
}

#[test]
fn bridges_and_ports_like_xen_scripts_use_them() {
    let sw = Switch::start("brctl-life");
    let heading = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n";
    assert_eq!(sw.brctl_ok(&["show"]), "", "no bridges, no heading");

    sw.brctl_ok(&["addbr", "fsbr0"]);
    assert_eq!(sw.lines(&["list-br"]), ["fsbr0"]);
    sw.brctl_fails(
        &["addbr", "fsbr0"],
        "device fsbr0 already exists; can't create bridge with the same name",
    );
    // qemu-ifup: brctl addif $bridge $tap; several devices at once as brctl allows.
    sw.brctl_ok(&["addif", "fsbr0", "fstap1.0"]);
    sw.brctl_ok(&["addif", "fsbr0", "fsp2", "fsp1"]);
    assert_eq!(
        sw.lines(&["list-ports", "fsbr0"]),
        ["fsp1", "fsp2", "fstap1.0"]
    );
    let ofport: i64 = sw.iface("fsp1", "ofport").parse().expect("ofport");
    assert!(ofport > 0, "fsp1 was opened by ovs-vswitchd");

    sw.brctl_ok(&["addbr", "fsbr1"]);
    let id0 = expected_id(&sw, "fsbr0", 0x8000);
    let id1 = expected_id(&sw, "fsbr1", 0x8000);
    let table = format!(
        "{heading}fsbr0\t\t{id0}\tno\t\tfsp1\n\t\t\t\t\t\t\tfsp2\n\t\t\t\t\t\t\tfstap1.0\n\
         fsbr1\t\t{id1}\tno\t\t\n"
    );
    assert_eq!(sw.brctl_ok(&["show"]), table);
    // `brctl show | grep`: the Xen start script looks for a port this way.
    assert_eq!(
        sw.brctl_ok(&["show", "fsbr1"]),
        format!("{heading}fsbr1\t\t{id1}\tno\t\t\n")
    );
    assert_eq!(
        sw.brctl(&["show", "fsbr9", "fsbr1"]),
        (
            1,
            format!("{heading}fsbr1\t\t{id1}\tno\t\t\n"),
            "bridge fsbr9 does not exist!\n".to_string()
        )
    );

    sw.brctl_fails(
        &["addif", "fsbr1", "fsp1"],
        "device fsp1 is already a member of a bridge; can't add it to bridge fsbr1.",
    );
    sw.brctl_fails(
        &["addif", "fsbr0", "fsp1"],
        "device fsp1 is already a member of a bridge; can't add it to bridge fsbr0.",
    );
    sw.brctl_fails(
        &["addif", "fsbr0", "fsbr1"],
        "device fsbr1 is a bridge device itself; can't add a bridge device to a bridge device.",
    );
    sw.brctl_fails(&["addif", "fsbr9", "fsp1"], "bridge fsbr9 does not exist!");
    sw.brctl_fails(
        &["addbr", "fsp1"],
        "device fsp1 already exists; can't create bridge with the same name",
    );
    sw.brctl_fails(
        &["delbr", "fsp1"],
        "can't delete bridge fsp1: Operation not permitted",
    );
    sw.brctl_fails(
        &["delif", "fsbr1", "fsp1"],
        "device fsp1 is not a port of fsbr1",
    );
    sw.brctl_fails(&["delif", "fsbr9", "fsp1"], "bridge fsbr9 does not exist!");
    sw.brctl_fails(
        &["delif", "fsbr0", "fsnone"],
        "interface fsnone does not exist!",
    );
    assert_eq!(
        sw.lines(&["list-ports", "fsbr0"]),
        ["fsp1", "fsp2", "fstap1.0"],
        "failed commands changed nothing"
    );

    sw.brctl_ok(&["delif", "fsbr0", "fstap1.0"]);
    assert_eq!(sw.lines(&["list-ports", "fsbr0"]), ["fsp1", "fsp2"]);
    sw.brctl_fails(
        &["delif", "fsbr0", "fstap1.0"],
        "interface fstap1.0 does not exist!",
    );

    sw.brctl_ok(&["delbr", "fsbr1"]);
    assert_eq!(sw.lines(&["list-br"]), ["fsbr0"]);
    sw.brctl_fails(
        &["delbr", "fsbr1"],
        "bridge fsbr1 doesn't exist; can't delete it",
    );
    sw.brctl_ok(&["delbr", "fsbr0"]);
    assert!(sw.lines(&["list-br"]).is_empty());
    assert_eq!(sw.brctl_ok(&["show"]), "", "no bridges, no heading");
}

#[test]
fn showmacs_lists_learned_and_local_addresses() {
    let sw = Switch::start("brctl-macs");
    sw.brctl_ok(&["addbr", "fsbr0"]);
    sw.brctl_ok(&["addif", "fsbr0", "fsp1", "fsp2"]);
    sw.brctl_fails(
        &["showmacs", "fsbr9"],
        "read of forward table failed: No such device",
    );
    let port: i64 = sw.iface("fsp1", "ofport").parse().expect("ofport");
    let mut locals: Vec<(String, i64)> = ["fsp1", "fsp2"]
        .iter()
        .map(|p| {
            let ofport = sw.iface(p, "ofport").parse().expect("ofport");
            (sw.iface(p, "mac_in_use"), ofport)
        })
        .collect();
    locals.dedup_by(|a, b| a.0 == b.0);

    // A broadcast frame from 50:54:00:00:00:01 arriving on fsp1.
    let frame = format!("ffffffffffff50540000000188b5{}", "00".repeat(46));
    sw.appctl(&["netdev-dummy/receive", "fsp1", &frame]);
    let learned = format!("{port:>3}\t50:54:00:00:00:01\tno\t\t");
    let table = wait_for("the source address to be learned", T, || {
        let (status, out, _) = sw.brctl(&["showmacs", "fsbr0"]);
        (status == 0 && out.contains(&learned)).then_some(out)
    })
    .expect("learned");
    let mut lines = table.lines();
    assert_eq!(
        lines.next(),
        Some("port no\tmac addr\t\tis local?\tageing timer")
    );
    let rows: Vec<&str> = lines.collect();
    // One row per distinct local address plus the learned one, sorted by address.
    assert_eq!(rows.len(), locals.len() + 1, "{table}");
    for (mac, ofport) in &locals {
        let row = format!("{ofport:>3}\t{mac}\tyes\t\t   0.00");
        assert!(rows.contains(&row.as_str()), "{row:?} in {table}");
    }
    let macs: Vec<&str> = rows.iter().filter_map(|r| r.split('\t').nth(1)).collect();
    let mut sorted = macs.clone();
    sorted.sort();
    assert_eq!(macs, sorted);
    let age = rows
        .iter()
        .find(|r| r.starts_with(&learned))
        .and_then(|r| r.rsplit('\t').next())
        .expect("learned row");
    let (secs, hundredths) = age.trim().split_once('.').expect("seconds.hundredths");
    assert!(secs.parse::<u32>().is_ok() && hundredths == "00", "{age:?}");
}

#[test]
fn stp_and_timer_settings_reach_the_database() {
    let sw = Switch::start("brctl-stp");
    sw.brctl_ok(&["addbr", "fsbr0"]);
    sw.brctl_ok(&["addif", "fsbr0", "fsp1"]);
    sw.brctl_ok(&["stp", "fsbr0", "on"]);
    assert_eq!(
        sw.vsctl(&["get", "Bridge", "fsbr0", "stp_enable"]),
        "true\n"
    );
    sw.brctl_ok(&["setbridgeprio", "fsbr0", "4096"]);
    let id = expected_id(&sw, "fsbr0", 0x1000);
    assert!(
        sw.brctl_ok(&["show"])
            .contains(&format!("fsbr0\t\t{id}\tyes\t\tfsp1\n")),
        "show reflects STP and its priority"
    );
    sw.brctl_ok(&["setageing", "fsbr0", "30"]);
    sw.brctl_ok(&["setfd", "fsbr0", "4"]);
    sw.brctl_ok(&["sethello", "fsbr0", "2"]);
    sw.brctl_ok(&["setmaxage", "fsbr0", "12"]);
    for (key, value) in [
        ("mac-aging-time", "30"),
        ("stp-priority", "4096"),
        ("stp-forward-delay", "4"),
        ("stp-hello-time", "2"),
        ("stp-max-age", "12"),
    ] {
        assert_eq!(
            sw.vsctl(&["get", "Bridge", "fsbr0", &format!("other_config:{key}")]),
            format!("\"{value}\"\n"),
            "{key}"
        );
    }
    sw.brctl_ok(&["setpathcost", "fsbr0", "fsp1", "10"]);
    sw.brctl_ok(&["setportprio", "fsbr0", "fsp1", "5"]);
    // brctl's port priority is the top 6 bits of the port id, Open vSwitch's the top 8.
    for (key, value) in [("stp-path-cost", "10"), ("stp-port-priority", "20")] {
        assert_eq!(
            sw.vsctl(&["get", "Port", "fsp1", &format!("other_config:{key}")]),
            format!("\"{value}\"\n"),
            "{key}"
        );
    }
    sw.brctl_ok(&["stp", "fsbr0", "off"]);
    assert_eq!(
        sw.vsctl(&["get", "Bridge", "fsbr0", "stp_enable"]),
        "false\n"
    );

    sw.brctl_fails(&["stp", "fsbr0", "maybe"], "expect on/off for argument");
    sw.brctl_fails(
        &["stp", "fsbr9", "on"],
        "set stp status failed: No such device",
    );
    sw.brctl_fails(&["setageing", "fsbr0", "abc"], "bad ageing time value");
    sw.brctl_fails(
        &["setageing", "fsbr9", "30"],
        "set ageing time failed: No such device",
    );
    sw.brctl_fails(
        &["setpathcost", "fsbr0", "fsnone", "10"],
        "set path cost failed: No such device",
    );
    sw.brctl_fails(
        &["hairpin", "fsbr0", "fsp1", "on"],
        "can't set fsp1 to hairpin on bridge fsbr0: Operation not supported",
    );
    sw.brctl_ok(&["hairpin", "fsbr0", "fsp1", "off"]);
}

/// Xen's qemu-ifup on a real switch (seed 4.2: "can't add tap44.0 to ovsbr0"): a tap device
/// added with `brctl addif`, in a network namespace of the test's own. A device the kernel does
/// not have is refused, and the port ovs-vsctl made for it is taken out again.
#[test]
fn real_devices_in_a_namespace() {
    if !available("brctl real_devices_in_a_namespace") {
        return;
    }
    let ns = Netns::new("brc").expect("namespace");
    ns.ip(&["tuntap", "add", "dev", "tap44.0", "mode", "tap"])
        .expect("tap");
    ns.ip(&[
        "link", "add", "vif1.0", "type", "veth", "peer", "name", "vif1.0p",
    ])
    .expect("veth");
    let sw = Switch::start_in("brctl-netns", Some(ns));
    sw.brctl_ok(&["addbr", "ovsbr0"]);
    sw.brctl_ok(&["addif", "ovsbr0", "tap44.0"]);
    let ofport: i64 = sw.iface("tap44.0", "ofport").parse().expect("ofport");
    assert!(ofport > 0, "tap44.0 opened");
    sw.brctl_fails(
        &["addif", "ovsbr0", "nosuch0"],
        "interface nosuch0 does not exist!",
    );
    assert_eq!(sw.lines(&["list-ports", "ovsbr0"]), ["tap44.0"]);
    sw.brctl_fails(
        &["addbr", "vif1.0"],
        "device vif1.0 already exists; can't create bridge with the same name",
    );
    sw.brctl_fails(
        &["delif", "ovsbr0", "vif1.0"],
        "device vif1.0 is not a port of ovsbr0",
    );
    sw.brctl_fails(
        &["delbr", "vif1.0"],
        "can't delete bridge vif1.0: Operation not permitted",
    );
    sw.brctl_ok(&["addif", "ovsbr0", "vif1.0"]);
    let id = expected_id(&sw, "ovsbr0", 0x8000);
    assert_eq!(
        sw.brctl_ok(&["show"]),
        format!(
            "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n\
             ovsbr0\t\t{id}\tno\t\ttap44.0\n\t\t\t\t\t\t\tvif1.0\n"
        )
    );
    sw.brctl_ok(&["delbr", "ovsbr0"]);
    assert!(sw.lines(&["list-br"]).is_empty());
}

/// The same command sequence given to bridge-utils' brctl on a kernel bridge and to ours on
/// ferroswitch, each in a namespace of its own with the same devices: identical statuses,
/// messages and tables (bridge ids aside, as the MAC addresses differ). Skipped where
/// bridge-utils or the kernel's bridge module is missing.
#[test]
fn same_answers_as_bridge_utils_on_a_kernel_bridge() {
    let reference = PathBuf::from("/usr/sbin/brctl");
    if !reference.exists() {
        eprintln!("SKIPPED: bridge-utils' brctl is not installed (apt-get install bridge-utils)");
        return;
    }
    if !available("brctl same_answers_as_bridge_utils_on_a_kernel_bridge") {
        return;
    }
    let kernel = Netns::new("brk").expect("namespace");
    let ours = Netns::new("bro").expect("namespace");
    for ns in [&kernel, &ours] {
        for tap in ["tap1.0", "tap2.0", "tap3.0"] {
            ns.ip(&["tuntap", "add", "dev", tap, "mode", "tap"])
                .expect("tap");
        }
        ns.ip(&[
            "link", "add", "vif9", "type", "veth", "peer", "name", "vif9p",
        ])
        .expect("veth");
        ns.ip(&["tuntap", "add", "dev", "tun0", "mode", "tun"])
            .expect("tun");
    }
    if kernel
        .ip(&["link", "add", "probe0", "type", "bridge"])
        .is_err()
    {
        eprintln!("SKIPPED: the kernel has no bridge module");
        return;
    }
    kernel.ip(&["link", "del", "probe0"]).expect("del probe");
    let sw = Switch::start_in("brctl-diff", Some(ours));
    let sb = Sandbox::new("brctl-kernel");
    let script: &[&[&str]] = &[
        &["show"],
        &["addbr", "br0"],
        &["addbr", "br0"],
        &["addbr", "vif9"],
        &["addbr", ""],
        &["addbr", "a/b"],
        &["addbr", "abcdefghijklmnopq"],
        &["show"],
        &["stp", "abcdefghijklmnopq", "off"],
        &["delbr", "abcdefghijklmnopq"],
        &["delbr", "abcdefghijklmno"],
        &["addif", "br0", "tap1.0"],
        &["addif", "br0", "tap1.0"],
        &["addif", "br0", "tap2.0", "tap3.0"],
        &["addbr", "br1"],
        &["addif", "br1", "tap1.0"],
        &["addif", "br0", "br1"],
        &["addif", "br9", "vif9"],
        &["addif", "br0", "nosuch0"],
        &["addif", "br0", "lo"],
        &["addif", "br0", "tun0"],
        &["show"],
        &["show", "br0"],
        &["show", "br9", "br1"],
        &["show", "br9"],
        &["delif", "br1", "tap1.0"],
        &["delif", "br9", "tap1.0"],
        &["delif", "br0", "nosuch0"],
        &["delif", "br0", "vif9"],
        &["delbr", "br9"],
        &["delbr", "vif9"],
        &["stp", "br0", "maybe"],
        &["stp", "br9", "on"],
        &["setageing", "br9", "30"],
        &["setfd", "br9", "4"],
        &["sethello", "br9", "2"],
        &["setmaxage", "br9", "20"],
        &["setbridgeprio", "br9", "100"],
        &["setpathcost", "br9", "tap1.0", "10"],
        &["setpathcost", "br0", "vif9", "10"],
        &["setportprio", "br0", "vif9", "10"],
        &["setpathcost", "br0", "nosuch0", "10"],
        &["hairpin", "br9", "tap1.0", "on"],
        &["hairpin", "br0", "nosuch0", "on"],
        &["showmacs", "br9"],
        &["showstp", "br9"],
        &["setbridgeprio", "br0", "4096"],
        &["setpathcost", "br0", "tap1.0", "10"],
        &["setportprio", "br0", "tap1.0", "10"],
        &["setageing", "br0", "30"],
        &["show"],
        // Devices that are not bridges, and ports of another bridge.
        &["show", "vif9"],
        &["showmacs", "vif9"],
        &["stp", "vif9", "on"],
        &["setageing", "vif9", "30"],
        &["setbridgeprio", "vif9", "1"],
        &["addif", "vif9", "tap3.0"],
        &["delif", "vif9", "tap1.0"],
        &["addif", "br0", "br0"],
        &["delif", "br0", "br0"],
        &["delif", "br0", "br1"],
        &["hairpin", "br0", "br1", "on"],
        &["hairpin", "br0", "vif9", "on"],
        &["setpathcost", "br1", "tap1.0", "20"],
        &["setpathcost", "br0", "tap1.0", "0"],
        &["setpathcost", "br0", "tap1.0", "65536"],
        &["setportprio", "br0", "tap1.0", "64"],
        &["setportprio", "br0", "vif9", "1"],
        &["show", "br0", "br0"],
        // Timer ranges: the forward delay is checked only while STP runs.
        &["setfd", "br0", "100"],
        &["sethello", "br0", "0"],
        &["setmaxage", "br0", "41"],
        &["setmaxage", "br0", "6"],
        &["stp", "br0", "on"],
        &["setfd", "br0", "100"],
        &["setfd", "br0", "1"],
        &["setfd", "br0", "15"],
        &["show"],
        &["stp", "br0", "off"],
        // brctl stops at the first device it cannot add.
        &["delif", "br0", "tap3.0"],
        &["addif", "br1", "tap3.0", "nosuch0", "vif9"],
        &["show", "br1"],
        &["delif", "br0", "tap2.0"],
        &["delif", "br0", "tap2.0"],
        &["delbr", "br1"],
        &["show"],
    ];
    // The bridge id's MAC half differs between the two; everything else must not.
    let normalise = |s: String| {
        s.split('\t')
            .map(|f| match f.split_once('.') {
                Some((prio, mac))
                    if prio.len() == 4
                        && mac.len() == 12
                        && mac.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    format!("{prio}.MAC")
                }
                _ => f.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\t")
    };
    for args in script {
        let mut c = kernel.command("/usr/sbin/brctl");
        c.args(*args);
        let (status, out, err) = text(&sb.run(&mut c, T).expect("run bridge-utils"));
        let want = (status, normalise(out), err);
        let (status, out, err) = sw.brctl(args);
        assert_eq!((status, normalise(out), err), want, "brctl {args:?}");
    }
}

#[test]
fn tools_come_from_beside_brctl_not_from_path() {
    let sw = Switch::start("brctl-path");
    sw.brctl_ok(&["addbr", "fsbr0"]);
    // A PATH whose ovs-vsctl and ovs-appctl would break everything if they were used.
    let fake = sw.sb.root().join("fakebin");
    std::fs::create_dir_all(&fake).expect("mkdir");
    for tool in ["ovs-vsctl", "ovs-appctl"] {
        let p = fake.join(tool);
        std::fs::write(&p, "#!/bin/sh\necho fake >&2\nexit 99\n").expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let out = sw
        .sb
        .run(
            sw.sb
                .command(bin_path("brctl"))
                .arg("show")
                .env("PATH", &fake),
            T,
        )
        .expect("run brctl");
    let (status, stdout, stderr) = text(&out);
    assert_eq!((status, stderr.as_str()), (0, ""));
    assert!(stdout.contains("\nfsbr0\t\t"), "{stdout}");
    // Installed as a link elsewhere (/usr/sbin/brctl), it still finds the tools beside the
    // binary the link points to.
    let link = fake.join("brctl");
    std::os::unix::fs::symlink(bin_path("brctl"), &link).expect("symlink");
    let out = sw
        .sb
        .run(sw.sb.command(&link).arg("show").env("PATH", &fake), T)
        .expect("run brctl link");
    assert_eq!(text(&out), (0, stdout, String::new()));
}

#[test]
fn an_unreachable_switch_is_an_error() {
    let sb = Sandbox::new("brctl-none");
    let (status, stdout, stderr) = text(
        &sb.run(sb.command(bin_path("brctl")).arg("show"), T)
            .expect("run brctl"),
    );
    assert_eq!(status, 1);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("can't setup bridge control: ") && stderr.contains("db.sock"),
        "{stderr}"
    );
}

/// A database but no ovs-vswitchd: show reads the database alone; showmacs says why it cannot
/// read the forwarding table.
#[test]
fn database_without_vswitchd() {
    let mut sb = Sandbox::new("brctl-novs");
    let db = sb.dbdir().join("conf.db");
    let schema = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
    create_db(&sb, Impl::Ours, &db, &schema);
    start_server(&mut sb, Impl::Ours, "db", &db, &[]);
    let vsctl = sb
        .run(
            sb.command(bin_path("ovs-vsctl"))
                .args(["--no-wait", "init", "--", "add-br", "fsbr0"]),
            T,
        )
        .expect("run ovs-vsctl");
    assert!(vsctl.status.success(), "{}", text(&vsctl).2);
    let brctl = |args: &[&str]| {
        text(
            &sb.run(sb.command(bin_path("brctl")).args(args), T)
                .expect("run brctl"),
        )
    };
    assert_eq!(
        brctl(&["show"]),
        (
            0,
            "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n\
             fsbr0\t\t8000.000000000000\tno\t\t\n"
                .to_string(),
            String::new()
        )
    );
    let (status, out, err) = brctl(&["showmacs", "fsbr0"]);
    assert_eq!((status, out.as_str()), (1, ""));
    assert!(
        err.starts_with("read of forward table failed: cannot read pidfile")
            && err.ends_with("ovs-vswitchd.pid\" (No such file or directory)\n"),
        "{err}"
    );
}

#[test]
fn usage_and_argument_errors() {
    let sb = Sandbox::new("brctl-usage");
    let brctl = |args: &[&str]| {
        text(
            &sb.run(sb.command(bin_path("brctl")).args(args), T)
                .expect("run brctl"),
        )
    };
    let (status, usage, err) = brctl(&[]);
    assert_eq!((status, err.as_str()), (1, ""));
    assert!(usage.starts_with("Usage: brctl [commands]\ncommands:\n"));
    assert!(usage.contains("\taddif     \t<bridge> <device>\tadd interface to bridge\n"));
    assert_eq!(brctl(&["--help"]), (0, usage.clone(), String::new()));
    assert_eq!(
        brctl(&["foo"]),
        (1, usage.clone(), "never heard of command [foo]\n".into())
    );
    assert_eq!(
        brctl(&["addif", "fsbr0"]),
        (
            1,
            "Incorrect number of arguments for command\n\
             Usage: brctl addif <bridge> <device>\tadd interface to bridge\n"
                .into(),
            String::new()
        )
    );
    let (status, version, _) = brctl(&["show", "-V"]);
    assert_eq!(status, 0);
    assert!(version.starts_with("bridge-utils, "), "{version}");
}

/// Texts that bridge-utils' brctl prints before it touches any bridge, compared with ours.
#[test]
fn usage_texts_match_bridge_utils() {
    let reference = PathBuf::from("/usr/sbin/brctl");
    if !reference.exists() {
        eprintln!("SKIPPED: bridge-utils' brctl is not installed (apt-get install bridge-utils)");
        return;
    }
    let sb = Sandbox::new("brctl-ref");
    let ours = bin_path("brctl");
    let cases: &[&[&str]] = &[
        &[],
        &["-h"],
        &["--help"],
        &["--he"],
        &["foo"],
        &[""],
        &["-x"],
        &["--foo"],
        &["--help=1"],
        &["addbr"],
        &["delbr"],
        &["addif", "b"],
        &["delif", "b"],
        &["hairpin", "b", "p"],
        &["hairpin", "b", "p", "maybe"],
        &["setageing", "b"],
        &["setageing", "b", "abc"],
        &["setbridgeprio", "b", "x"],
        &["setfd", "b", "x"],
        &["sethello", "b", "x"],
        &["setmaxage", "b", "x"],
        &["setpathcost", "b", "p", "x"],
        &["setportprio", "b", "p", "x"],
        &["showmacs"],
        &["showstp"],
        &["stp", "b"],
        &["stp", "b", "ON"],
    ];
    for args in cases {
        let run = |program: &PathBuf| {
            let (status, out, err) = text(
                &sb.run(sb.command(program).args(*args), T)
                    .expect("run brctl"),
            );
            // getopt's messages start with the program as invoked.
            let name = program.display().to_string();
            (status, out, err.replace(&name, "brctl"))
        };
        assert_eq!(run(&ours), run(&reference), "brctl {args:?}");
    }
}
