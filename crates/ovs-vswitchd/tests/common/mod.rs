//! A private ferroswitch (our ovsdb-server + our ovs-vswitchd with dummy ports) in a
//! sandbox, and helpers to drive it with the CLIs.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use testkit::ovsdb::{create_db, start_server, Impl};
use testkit::{bins::bin_path, wait_until, Sandbox};

pub const T: Duration = Duration::from_secs(20);

pub struct Switch {
    pub sb: Sandbox,
    pub db_sock: PathBuf,
    pub ctl: PathBuf,
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

impl Switch {
    /// Starts ovsdb-server and `ovs-vswitchd --enable-dummy=override`.
    pub fn start(label: &str) -> Switch {
        let mut sb = Sandbox::new(label);
        let db = sb.dbdir().join("conf.db");
        let schema =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/vswitch.ovsschema");
        create_db(&sb, Impl::Ours, &db, &schema);
        let srv = start_server(&mut sb, Impl::Ours, "db", &db, &[]);
        let ctl = sb.rundir().join("ovs-vswitchd.ctl");
        let mut cmd = sb.command(bin_path("ovs-vswitchd"));
        cmd.arg(format!("unix:{}", srv.socket.display()))
            .arg("--enable-dummy=override")
            .arg(format!("--unixctl={}", ctl.display()))
            .arg(format!(
                "--log-file={}",
                sb.logdir().join("ovs-vswitchd.log").display()
            ));
        sb.spawn("ovs-vswitchd", cmd).expect("spawn ovs-vswitchd");
        let c = ctl.clone();
        wait_until("vswitchd control socket", T, || c.exists()).expect("vswitchd up");
        let sw = Switch {
            sb,
            db_sock: srv.socket,
            ctl,
        };
        sw.vsctl_ok(&["init"]);
        sw
    }

    pub fn run(&self, program: PathBuf, args: &[&str]) -> Output {
        self.sb
            .run(self.sb.command(program).args(args), T)
            .expect("run command")
    }

    /// Our ovs-vsctl (waits for ovs-vswitchd unless the args say --no-wait).
    pub fn vsctl(&self, args: &[&str]) -> Output {
        let db = format!("--db=unix:{}", self.db_sock.display());
        let mut a = vec![db.as_str(), "--timeout=20"];
        a.extend_from_slice(args);
        self.run(bin_path("ovs-vsctl"), &a)
    }

    /// [`Switch::vsctl_ok`] with owned arguments.
    pub fn vsctl_ok_owned(&self, args: &[String]) -> String {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        self.vsctl_ok(&a)
    }

    pub fn vsctl_ok(&self, args: &[&str]) -> String {
        let o = self.vsctl(args);
        assert!(o.status.success(), "ovs-vsctl {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn appctl(&self, args: &[&str]) -> Output {
        let t = format!("--target={}", self.ctl.display());
        let mut a = vec![t.as_str()];
        a.extend_from_slice(args);
        self.run(bin_path("ovs-appctl"), &a)
    }

    pub fn appctl_ok(&self, args: &[&str]) -> String {
        let o = self.appctl(args);
        assert!(o.status.success(), "ovs-appctl {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// An ovs-ofctl: `which` selects ours or Debian's.
    pub fn ofctl_with(&self, which: Impl, args: &[&str]) -> Output {
        self.run(which.program("ovs-ofctl"), args)
    }

    pub fn ofctl_ok(&self, which: Impl, args: &[&str]) -> String {
        let o = self.ofctl_with(which, args);
        assert!(o.status.success(), "ovs-ofctl {args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `Datapath actions:` line of an `ofproto/trace`.
    pub fn trace_actions(&self, bridge: &str, flow: &str) -> String {
        let out = self.appctl_ok(&["ofproto/trace", bridge, flow]);
        out.lines()
            .find_map(|l| l.strip_prefix("Datapath actions: "))
            .unwrap_or_else(|| panic!("no datapath actions in:\n{out}"))
            .to_string()
    }

    /// Transmit counter of a port, from `ovs-ofctl dump-ports` (Debian's ovs-ofctl).
    pub fn tx_packets(&self, which: Impl, bridge: &str, port: u16) -> u64 {
        let out = self.ofctl_ok(which, &["dump-ports", bridge, &port.to_string()]);
        let l = out
            .lines()
            .find(|l| l.trim_start().starts_with("tx pkts="))
            .unwrap_or_else(|| panic!("no tx line in {out}"));
        l.trim_start()
            .trim_start_matches("tx pkts=")
            .split(',')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("bad tx line {l}"))
    }
}

/// `ovs-vsctl` arguments that add `bridge` with the given ports and their OpenFlow numbers.
pub fn bridge_args(bridge: &str, ports: &[(&str, u16)]) -> Vec<String> {
    let mut a = vec!["add-br".to_string(), bridge.to_string()];
    for (name, ofport) in ports {
        a.extend(
            [
                "--",
                "add-port",
                bridge,
                name,
                "--",
                "set",
                "interface",
                name,
            ]
            .map(String::from),
        );
        a.push(format!("ofport_request={ofport}"));
    }
    a
}

/// An Ethernet frame (IPv4/ICMP echo when `ip` holds addresses) from `src` to `dst`.
pub fn frame(src: &str, dst: &str, vlan: Option<u16>) -> String {
    let mut h = String::new();
    h.push_str(&dst.replace(':', ""));
    h.push_str(&src.replace(':', ""));
    if let Some(v) = vlan {
        h.push_str(&format!("8100{v:04x}"));
    }
    // IPv4 ICMP echo 10.0.0.1 -> 10.0.0.2 (checksums not needed for switching).
    h.push_str("0800");
    h.push_str("45000054000040004001000a0a0000010a000002");
    h.push_str("0800000000010001");
    h.push_str(&"00".repeat(56));
    h
}
