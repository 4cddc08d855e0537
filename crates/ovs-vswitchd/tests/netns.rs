//! The seed's forwarding scenarios on real interfaces and real traffic (SCENARIOS.md
//! sections 3, 4 and 6): every "host" is a network namespace running its own ovsdb-server
//! and ovs-vswitchd (own database and run directory); every "VM" or physical machine is a
//! namespace wired to its host by a veth pair. Needs root (CI runs it as root with
//! FERRO_REQUIRE_NETNS=1); namespaces and daemons are removed when the test ends, even on
//! failure.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use testkit::netns::{available, ip, Netns};
use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::{bins::bin_path, wait_until, Sandbox};

const T: Duration = Duration::from_secs(20);

/// A host: a namespace with a switch in it. Field order matters: the daemons (in the
/// sandbox) stop before the namespace goes.
struct Host {
    sb: Sandbox,
    ns: Netns,
    db_sock: PathBuf,
    ctl: PathBuf,
}

impl Host {
    fn start(tag: &str) -> Host {
        let ns = Netns::new(tag).expect("namespace");
        let mut sb = Sandbox::new(tag);
        let db = sb.dbdir().join("conf.db");
        let schema =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
        create_db(&sb, Impl::Ours, &db, &schema);
        let srv = start_server(&mut sb, Impl::Ours, "db", &db, &[]);
        let ctl = sb.rundir().join("ovs-vswitchd.ctl");
        let mut cmd = ns.command(bin_path("ovs-vswitchd").to_str().expect("path"));
        cmd.envs(sb.env())
            .arg(format!("unix:{}", srv.socket.display()))
            .arg(format!("--unixctl={}", ctl.display()))
            .arg(format!(
                "--log-file={}",
                sb.logdir().join("ovs-vswitchd.log").display()
            ));
        sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
        let c = ctl.clone();
        wait_until("vswitchd control socket", T, || c.exists()).expect("vswitchd up");
        let h = Host {
            sb,
            ns,
            db_sock: srv.socket,
            ctl,
        };
        h.vsctl(&["init"]);
        h.vsctl(&["add-br", "ovsbr0"]);
        h.ns.ip(&["link", "set", "ovsbr0", "up"])
            .expect("bridge up");
        h
    }

    fn vsctl(&self, args: &[&str]) -> String {
        self.vsctl_within(args, T)
    }

    /// ovs-vsctl with a longer deadline (big transactions in a debug build).
    fn vsctl_within(&self, args: &[&str], deadline: Duration) -> String {
        let db = format!("--db=unix:{}", self.db_sock.display());
        let timeout = format!("--timeout={}", deadline.as_secs());
        let mut a = vec![db.as_str(), timeout.as_str()];
        a.extend_from_slice(args);
        let o = self
            .sb
            .run(self.sb.command(bin_path("ovs-vsctl")).args(&a), deadline)
            .unwrap_or_else(|e| panic!("ovs-vsctl {}: {}", args.first().unwrap_or(&""), e.kind()));
        assert!(
            o.status.success(),
            "ovs-vsctl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn appctl(&self, args: &[&str]) -> String {
        let t = format!("--target={}", self.ctl.display());
        let mut a = vec![t.as_str()];
        a.extend_from_slice(args);
        let o = self
            .sb
            .run(self.sb.command(bin_path("ovs-appctl")).args(&a), T)
            .expect("ovs-appctl");
        assert!(o.status.success(), "ovs-appctl {args:?}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn ofctl(&self, args: &[&str]) -> String {
        let which = if testkit::reference::require("netns scenarios", &["ovs-ofctl"]) {
            Impl::Reference
        } else {
            Impl::Ours
        };
        let o = self
            .sb
            .run(self.sb.command(which.program("ovs-ofctl")).args(args), T)
            .expect("ovs-ofctl");
        assert!(
            o.status.success(),
            "ovs-ofctl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// A VM: a namespace whose `eth0` (address `cidr`) is wired to port `port` of ovsbr0.
    fn add_vm(&self, port: &str, cidr: &str, extra: &[&str]) -> Netns {
        let vm = Netns::new("vm").expect("vm namespace");
        ip(&[
            "link",
            "add",
            port,
            "netns",
            self.ns.name(),
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            vm.name(),
        ])
        .expect("veth");
        vm.ip(&["addr", "add", cidr, "dev", "eth0"]).unwrap();
        vm.ip(&["link", "set", "eth0", "up"]).unwrap();
        self.ns.ip(&["link", "set", port, "up"]).unwrap();
        let mut a = vec!["add-port", "ovsbr0", port];
        a.extend_from_slice(extra);
        self.vsctl(&a);
        vm
    }
}

/// Pings `dst` from `vm` until one answer arrives (or the deadline).
fn reaches(vm: &Netns, dst: &str) -> bool {
    wait_until(
        &format!("{} to reach {dst}", vm.name()),
        Duration::from_secs(8),
        || {
            Command::new("ip")
                .args(["netns", "exec", vm.name(), "ping", "-c1", "-W1", dst])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        },
    )
    .is_ok()
}

/// Two pings with a 1 s wait each: used to show that `dst` is *not* reachable.
fn unreachable(vm: &Netns, dst: &str) -> bool {
    !Command::new("ip")
        .args([
            "netns",
            "exec",
            vm.name(),
            "ping",
            "-c2",
            "-i0.3",
            "-W1",
            dst,
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(true)
}

/// Wires `eth0` of two hosts together (the physical network between them).
fn wire(a: &Host, b: &Host) {
    ip(&[
        "link",
        "add",
        "eth0",
        "netns",
        a.ns.name(),
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        b.ns.name(),
    ])
    .expect("wire");
    for h in [a, b] {
        h.ns.ip(&["link", "set", "eth0", "up"]).unwrap();
        h.vsctl(&["add-port", "ovsbr0", "eth0"]);
    }
}

#[test]
fn vlans_on_one_host() {
    if !available("vlans_on_one_host") {
        return;
    }
    let h = Host::start("h1");
    let vm1 = h.add_vm("tap1.0", "10.10.0.1/24", &["tag=1"]);
    let _vm2 = h.add_vm("tap2.0", "10.10.0.2/24", &["tag=1"]);
    assert!(reaches(&vm1, "10.10.0.2"), "same VLAN on one host");
    h.vsctl(&["set", "port", "tap2.0", "tag=2"]);
    assert!(
        unreachable(&vm1, "10.10.0.2"),
        "VLANs 1 and 2 must not talk"
    );
}

#[test]
fn vlans_across_two_hosts() {
    if !available("vlans_across_two_hosts") {
        return;
    }
    let a = Host::start("ha");
    let b = Host::start("hb");
    wire(&a, &b);
    let vm1 = a.add_vm("tap1.0", "10.11.0.1/24", &["tag=1"]);
    let vm2 = a.add_vm("tap2.0", "10.11.0.2/24", &["tag=1"]);
    let vm3 = b.add_vm("tap3.0", "10.11.0.3/24", &["tag=1"]);
    let vm4 = b.add_vm("tap4.0", "10.11.0.4/24", &["tag=1"]);
    // All four in VLAN 1: everyone reaches everyone.
    for (vm, dsts) in [
        (&vm1, ["10.11.0.2", "10.11.0.3", "10.11.0.4"]),
        (&vm4, ["10.11.0.1", "10.11.0.2", "10.11.0.3"]),
    ] {
        for d in dsts {
            assert!(reaches(vm, d), "{} -> {d} in one VLAN", vm.name());
        }
    }
    // VM1, VM3 in VLAN 1; VM2, VM4 in VLAN 2 (the case the seed could not make work): the
    // NIC port carries both VLANs tagged between the hosts.
    a.vsctl(&["set", "port", "tap2.0", "tag=2"]);
    b.vsctl(&["set", "port", "tap4.0", "tag=2"]);
    assert!(reaches(&vm1, "10.11.0.3"), "VM1 <-> VM3 (VLAN 1)");
    assert!(reaches(&vm2, "10.11.0.4"), "VM2 <-> VM4 (VLAN 2)");
    assert!(unreachable(&vm1, "10.11.0.4"), "VLAN 1 reached VLAN 2");
    assert!(unreachable(&vm3, "10.11.0.2"), "VLAN 1 reached VLAN 2");
    assert!(unreachable(&vm2, "10.11.0.3"), "VLAN 2 reached VLAN 1");
}

#[test]
fn flow_rules_change_real_traffic() {
    if !available("flow_rules_change_real_traffic") {
        return;
    }
    let h = Host::start("h3");
    let vm1 = h.add_vm(
        "tap1",
        "10.12.0.1/24",
        &["--", "set", "interface", "tap1", "ofport_request=1"],
    );
    let _vm2 = h.add_vm(
        "tap2",
        "10.12.0.2/24",
        &["--", "set", "interface", "tap2", "ofport_request=2"],
    );
    assert!(reaches(&vm1, "10.12.0.2"));
    // Drop everything that arrives on port 2: the answers never come back.
    h.ofctl(&[
        "add-flow",
        "ovsbr0",
        "priority=100,idle_timeout=2,in_port=2,actions=drop",
    ]);
    assert!(
        unreachable(&vm1, "10.12.0.2"),
        "drop rule on in_port=2 ignored"
    );
    // Once idle for its timeout, the rule expires and traffic flows again.
    let gone = wait_until("the idle rule to expire", Duration::from_secs(15), || {
        h.appctl(&["time/warp", "3000"]);
        !h.ofctl(&["dump-flows", "ovsbr0"]).contains("in_port=2")
    });
    assert!(gone.is_ok(), "idle_timeout never expired");
    assert!(
        reaches(&vm1, "10.12.0.2"),
        "traffic not restored after expiry"
    );
    // del-flows in_port=2 removes a permanent drop rule.
    h.ofctl(&["add-flow", "ovsbr0", "priority=100,in_port=2,actions=drop"]);
    assert!(unreachable(&vm1, "10.12.0.2"));
    h.ofctl(&["del-flows", "ovsbr0", "in_port=2"]);
    assert!(
        reaches(&vm1, "10.12.0.2"),
        "traffic not restored after del-flows"
    );
}

#[test]
fn physical_machine_and_bridge_address() {
    if !available("physical_machine_and_bridge_address") {
        return;
    }
    let h = Host::start("h6");
    let vm1 = h.add_vm("tap1.0", "10.13.0.1/24", &[]);
    // A physical machine on a second NIC port (eth2) shares the VMs' segment.
    let pm = h.add_vm("eth2", "10.13.0.50/24", &[]);
    assert!(reaches(&pm, "10.13.0.1"), "physical machine -> VM");
    assert!(reaches(&vm1, "10.13.0.50"), "VM -> physical machine");
    // An address on the bridge's internal port answers.
    h.ns.ip(&["addr", "add", "10.13.0.254/24", "dev", "ovsbr0"])
        .unwrap();
    assert!(reaches(&vm1, "10.13.0.254"), "bridge internal port");
    assert!(
        reaches(&pm, "10.13.0.254"),
        "bridge internal port from eth2"
    );
    let fdb = h.appctl(&["fdb/show", "ovsbr0"]);
    assert!(fdb.lines().count() >= 3, "MACs learned:\n{fdb}");

    // "sFlow sees their traffic": the seed's sFlow command (agent named by interface),
    // with the collector on the host's loopback.
    let collector = udp_socket_in(&h.ns);
    let target = format!("target=\"{}\"", collector.local_addr().unwrap());
    h.vsctl(&[
        "--",
        "--id=@s",
        "create",
        "sflow",
        "agent=eth1",
        &target,
        "header=128",
        "sampling=1",
        "polling=1",
        "--",
        "set",
        "bridge",
        "ovsbr0",
        "sflow=@s",
    ]);
    assert!(
        reaches(&pm, "10.13.0.1"),
        "physical machine -> VM with sFlow on"
    );
    let (mut flows, mut counters) = (0, 0);
    let mut buf = [0u8; 65536];
    collector
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    wait_until("flow and counter samples", T, || {
        if let Ok(n) = collector.recv(&mut buf) {
            let (f, c) = sflow_samples(&buf[..n]).expect("an sFlow v5 datagram");
            flows += f;
            counters += c;
        }
        flows > 0 && counters > 0
    })
    .unwrap_or_else(|e| panic!("{e}: {flows} flow and {counters} counter samples"));
}

/// A UDP socket on 127.0.0.1 (any port) inside namespace `ns`: bound by a thread that
/// entered the namespace (a socket stays in the namespace it was made in).
fn udp_socket_in(ns: &Netns) -> std::net::UdpSocket {
    let path = format!("/var/run/netns/{}", ns.name());
    std::thread::spawn(move || {
        let f = std::fs::File::open(&path).expect("namespace file");
        nix::sched::setns(&f, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        std::net::UdpSocket::bind("127.0.0.1:0").expect("bind collector")
    })
    .join()
    .expect("collector thread")
}

/// (flow samples, counter samples) of an sFlow v5 datagram.
fn sflow_samples(d: &[u8]) -> Option<(usize, usize)> {
    let word =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(d.get(i..i + 4)?.try_into().ok()?)) };
    if word(0)? != 5 || word(4)? != 1 {
        return None;
    }
    let (mut flows, mut counters, mut pos) = (0, 0, 28);
    for _ in 0..word(24)? {
        match word(pos)? {
            1 => flows += 1,
            2 => counters += 1,
            _ => {}
        }
        pos += 8 + word(pos + 4)? as usize;
    }
    (pos == d.len()).then_some((flows, counters))
}

#[test]
fn faults_do_not_stop_forwarding_for_others() {
    if !available("faults_do_not_stop_forwarding_for_others") {
        return;
    }
    let h = Host::start("hf");
    let vm1 = h.add_vm("tap1", "10.14.0.1/24", &[]);
    let _vm2 = h.add_vm("tap2", "10.14.0.2/24", &[]);
    let vm3 = h.add_vm("tap3", "10.14.0.3/24", &[]);
    assert!(reaches(&vm1, "10.14.0.3"));
    // A tap the switch creates that nobody reads: floods to it must not block anything.
    h.vsctl(&[
        "add-port",
        "ovsbr0",
        "deaftap",
        "--",
        "set",
        "interface",
        "deaftap",
        "type=tap",
    ]);
    h.ns.ip(&["link", "set", "deaftap", "up"]).unwrap();
    let flood = Command::new("ip")
        .args([
            "netns",
            "exec",
            vm3.name(),
            "ping",
            "-f",
            "-c",
            "2000",
            "-b",
            "10.14.0.255",
        ])
        .output();
    assert!(flood.is_ok());
    assert!(
        reaches(&vm1, "10.14.0.3"),
        "forwarding stopped after a tap filled up"
    );
    // The peer namespace of tap2 vanishes: its veth goes with it.
    drop(_vm2);
    let st = wait_until("the vanished port to be reported", T, || {
        let s = h.vsctl(&[
            "--if-exists",
            "get",
            "interface",
            "tap2",
            "link_state",
            "error",
            "ofport",
        ]);
        s.contains("down") || s.contains("could not") || s.contains("-1")
    });
    assert!(st.is_ok(), "a port whose device vanished is not reported");
    assert!(
        reaches(&vm1, "10.14.0.3"),
        "forwarding stopped after a port vanished"
    );
    // Deleting a port leaves the others working.
    h.vsctl(&["del-port", "ovsbr0", "tap2"]);
    h.vsctl(&["del-port", "ovsbr0", "deaftap"]);
    assert!(
        reaches(&vm1, "10.14.0.3"),
        "forwarding stopped after del-port"
    );
    assert!(reaches(&vm3, "10.14.0.1"));
}

#[test]
fn a_thousand_ports_on_one_bridge() {
    if !available("a_thousand_ports_on_one_bridge") {
        return;
    }
    let h = Host::start("hk");
    // No IPv6 on the 1,000 new devices: their start-up chatter (router solicitations,
    // MLD reports) would be flooded to 1,000 ports each.
    for k in ["default", "all"] {
        let _ = Command::new("ip")
            .args(["netns", "exec", h.ns.name(), "sysctl", "-qw"])
            .arg(format!("net.ipv6.conf.{k}.disable_ipv6=1"))
            .output();
    }
    let vm1 = h.add_vm("tap1", "10.15.0.1/24", &[]);
    let _vm2 = h.add_vm("tap2", "10.15.0.2/24", &[]);
    // 1,000 internal ports in one transaction.
    let mut args: Vec<String> = Vec::new();
    for i in 0..1000 {
        args.extend(
            [
                "--",
                "add-port",
                "ovsbr0",
                &format!("k{i}"),
                "--",
                "set",
                "interface",
                &format!("k{i}"),
                "type=internal",
            ]
            .map(String::from),
        );
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let t0 = std::time::Instant::now();
    h.vsctl_within(&a, Duration::from_secs(300));
    eprintln!(
        "1,000 internal ports added and applied in {:?}",
        t0.elapsed()
    );
    let ofports = h.vsctl(&[
        "--columns=ofport",
        "--bare",
        "find",
        "interface",
        "type=internal",
    ]);
    let numbers: Vec<i64> = ofports
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 1001, "internal interfaces with an ofport");
    assert!(
        numbers.iter().all(|n| *n > 0),
        "an internal port failed: {ofports}"
    );
    let links = h.ns.ip(&["-o", "link", "show"]).unwrap();
    assert_eq!(links.lines().filter(|l| l.contains(": k")).count(), 1000);
    let ok = wait_until(
        "forwarding with 1,000 ports",
        Duration::from_secs(60),
        || reaches(&vm1, "10.15.0.2"),
    );
    assert!(ok.is_ok(), "no forwarding with 1,000 ports");
}

/// A VM's tap or veth created after `add-port` (libvirt may add the port first) is picked
/// up when it appears: reported missing until then, forwarding once it exists.
#[test]
fn port_added_before_its_device_exists() {
    if !available("port_added_before_its_device_exists") {
        return;
    }
    let h = Host::start("hl");
    let vm1 = h.add_vm("tap1", "10.15.0.1/24", &[]);
    h.vsctl(&["add-port", "ovsbr0", "late0"]);
    let st = h.vsctl(&["get", "interface", "late0", "ofport", "error"]);
    assert!(st.starts_with("-1\n"), "{st}");
    // The device appears.
    let vm2 = Netns::new("vm").expect("vm namespace");
    ip(&[
        "link",
        "add",
        "late0",
        "netns",
        h.ns.name(),
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        vm2.name(),
    ])
    .expect("veth");
    vm2.ip(&["addr", "add", "10.15.0.2/24", "dev", "eth0"])
        .unwrap();
    vm2.ip(&["link", "set", "eth0", "up"]).unwrap();
    h.ns.ip(&["link", "set", "late0", "up"]).unwrap();
    wait_until("late0 to get an OpenFlow port", T, || {
        let s = h.vsctl(&["get", "interface", "late0", "ofport"]);
        s.trim().parse::<i64>().is_ok_and(|p| p > 0)
    })
    .unwrap();
    assert!(reaches(&vm1, "10.15.0.2"), "VM behind the late port");
}
