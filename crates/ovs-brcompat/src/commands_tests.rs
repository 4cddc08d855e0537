//! Command logic against a scripted switch: which tool calls each command makes, and the
//! messages and statuses of its failures.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::cli::COMMANDS;
use crate::switch::ToolError;

/// A switch kept in memory: bridges with their ports, the devices the "kernel" has, the
/// devices ovs-vswitchd cannot open, and a log of every change asked for.
#[derive(Default)]
struct Fake {
    bridges: BTreeMap<String, Vec<String>>,
    kernel: BTreeSet<String>,
    unopenable: BTreeMap<String, String>,
    log: Vec<String>,
    fdb: String,
    down: bool,
    stp_on: BTreeSet<String>,
}

impl Fake {
    fn with(bridges: &[(&str, &[&str])]) -> Fake {
        let mut f = Fake::default();
        for (b, ports) in bridges {
            f.bridges
                .insert(b.to_string(), ports.iter().map(|p| p.to_string()).collect());
        }
        f
    }

    fn json(&self) -> String {
        let mut brs = Vec::new();
        let mut ports = Vec::new();
        let mut ifaces = Vec::new();
        for (n, (b, members)) in self.bridges.iter().enumerate() {
            let mut all: Vec<&String> = members.iter().collect();
            all.push(b);
            let uuids: Vec<String> = all.iter().map(|p| format!(r#"["uuid","p-{p}"]"#)).collect();
            brs.push(format!(
                r#"[["uuid","b-{b}"],"{b}",["set",[{}]],{},["map",[]]]"#,
                uuids.join(","),
                self.stp_on.contains(b)
            ));
            for (k, p) in all.iter().enumerate() {
                ports.push(format!(r#"[["uuid","p-{p}"],"{p}",["uuid","i-{p}"]]"#));
                let (ofport, error) = match self.unopenable.get(*p) {
                    Some(e) => ("-1".to_string(), format!("\"{e}\"")),
                    None if *p == b => ("65534".to_string(), r#"["set",[]]"#.to_string()),
                    None => ((k + 1).to_string(), r#"["set",[]]"#.to_string()),
                };
                ifaces.push(format!(
                    r#"[["uuid","i-{p}"],"{p}","0a:00:00:00:{n:02x}:{k:02x}",{ofport},{error}]"#
                ));
            }
        }
        format!(
            "{{\"data\":[{}],\"headings\":[\"_uuid\",\"name\",\"ports\",\"stp_enable\",\"other_config\"]}}\n\
             {{\"data\":[{}],\"headings\":[\"_uuid\",\"name\",\"interfaces\"]}}\n\
             {{\"data\":[{}],\"headings\":[\"_uuid\",\"name\",\"mac_in_use\",\"ofport\",\"error\"]}}\n",
            brs.join(","),
            ports.join(","),
            ifaces.join(",")
        )
    }
}

impl Switch for Fake {
    fn vsctl(&mut self, args: &[&str]) -> Result<String, ToolError> {
        if self.down {
            return Err(ToolError::Failed {
                status: Some(1),
                message: "unix:/x/db.sock: database connection failed (Connection refused)".into(),
            });
        }
        if args == SNAPSHOT_ARGS {
            return Ok(self.json());
        }
        self.log.push(args.join(" "));
        match args {
            ["add-br", b] => {
                self.bridges.insert(b.to_string(), Vec::new());
            }
            ["del-br", b] => {
                self.bridges.remove(*b);
            }
            ["add-port", b, p] => {
                if let Some(v) = self.bridges.get_mut(*b) {
                    v.push(p.to_string());
                }
            }
            ["del-port", b, p] | ["--if-exists", "del-port", b, p] => {
                if let Some(v) = self.bridges.get_mut(*b) {
                    v.retain(|x| x != p);
                }
            }
            _ => {}
        }
        Ok(String::new())
    }

    fn appctl(&mut self, args: &[&str]) -> Result<String, ToolError> {
        self.log.push(format!("appctl {}", args.join(" ")));
        Ok(self.fdb.clone())
    }

    fn kernel_device_exists(&self, name: &str) -> bool {
        self.kernel.contains(name) || name == "lo"
    }

    fn kernel_link_type(&self, name: &str) -> Option<u32> {
        match name {
            "lo" => Some(772),
            n if self.kernel.contains(n) => Some(1),
            _ => None,
        }
    }
}

fn run(sw: &mut Fake, words: &[&str]) -> Outcome {
    let (name, rest) = words.split_first().expect("a command");
    let spec = COMMANDS
        .iter()
        .find(|c| c.name == *name)
        .expect("known command");
    let args: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    execute(sw, spec, &args)
}

fn err(msg: &str) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("{msg}\n"),
        status: 1,
    }
}

#[test]
fn addbr_and_delbr() {
    let mut f = Fake::with(&[("br0", &["eth0"])]);
    f.kernel.insert("eth5".into());
    assert_eq!(run(&mut f, &["addbr", "br1"]), Outcome::default());
    assert_eq!(
        run(&mut f, &["addbr", "br0"]),
        err("device br0 already exists; can't create bridge with the same name")
    );
    assert_eq!(
        run(&mut f, &["addbr", "eth0"]),
        err("device eth0 already exists; can't create bridge with the same name")
    );
    assert_eq!(
        run(&mut f, &["addbr", "eth5"]),
        err("device eth5 already exists; can't create bridge with the same name")
    );
    assert_eq!(
        run(&mut f, &["addbr", ""]),
        err("add bridge failed: Invalid argument")
    );
    assert_eq!(
        run(&mut f, &["addbr", "a/b"]),
        err("add bridge failed: Invalid argument")
    );
    assert_eq!(
        run(&mut f, &["addbr", "br-with-a-very-long-name"]),
        Outcome::default()
    );
    assert_eq!(
        run(&mut f, &["delbr", "br9"]),
        err("bridge br9 doesn't exist; can't delete it")
    );
    assert_eq!(
        run(&mut f, &["delbr", "eth0"]),
        err("can't delete bridge eth0: Operation not permitted")
    );
    assert_eq!(run(&mut f, &["delbr", "br1"]), Outcome::default());
    assert_eq!(
        run(&mut f, &["delbr", "br-with-a-very-long-name"]),
        Outcome::default()
    );
    assert_eq!(
        f.log,
        [
            "add-br br1",
            "add-br br-with-a-very-",
            "del-br br1",
            "del-br br-with-a-very-"
        ]
    );
}

#[test]
fn addif_checks_like_the_linux_bridge() {
    let mut f = Fake::with(&[("br0", &["eth0"]), ("br1", &[])]);
    f.kernel.insert("eth5".into());
    assert_eq!(
        run(&mut f, &["addif", "br9", "eth5"]),
        err("bridge br9 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["addif", "br9", "eth7"]),
        err("interface eth7 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["addif", "br1", "eth0"]),
        err("device eth0 is already a member of a bridge; can't add it to bridge br1.")
    );
    assert_eq!(
        run(&mut f, &["addif", "br0", "eth0"]),
        err("device eth0 is already a member of a bridge; can't add it to bridge br0.")
    );
    assert_eq!(
        run(&mut f, &["addif", "br0", "br1"]),
        err("device br1 is a bridge device itself; can't add a bridge device to a bridge device.")
    );
    assert_eq!(
        run(&mut f, &["addif", "br0", "lo"]),
        err("can't add lo to bridge br0: Invalid argument")
    );
    assert_eq!(
        run(&mut f, &["addif", "eth0", "eth5"]),
        err("can't add eth5 to bridge eth0: Operation not supported")
    );
    assert!(f.log.is_empty(), "nothing changed: {:?}", f.log);
    assert_eq!(
        run(&mut f, &["addif", "br1", "eth5", "tap1"]),
        Outcome::default()
    );
    assert_eq!(f.log, ["add-port br1 eth5", "add-port br1 tap1"]);
}

#[test]
fn addif_undoes_a_port_the_switch_cannot_open() {
    let mut f = Fake::with(&[("br0", &[])]);
    f.unopenable.insert(
        "tap9".into(),
        "could not open network device tap9 (No such device)".into(),
    );
    f.unopenable.insert(
        "tap8".into(),
        "could not open network device tap8 (Busy)".into(),
    );
    f.kernel.insert("tap8".into());
    assert_eq!(
        run(&mut f, &["addif", "br0", "tap9"]),
        err("interface tap9 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["addif", "br0", "tap8"]),
        err("can't add tap8 to bridge br0: could not open network device tap8 (Busy)")
    );
    assert_eq!(
        f.log,
        [
            "add-port br0 tap9",
            "--if-exists del-port br0 tap9",
            "add-port br0 tap8",
            "--if-exists del-port br0 tap8"
        ]
    );
    assert_eq!(f.bridges.get("br0").map(Vec::len), Some(0));
}

#[test]
fn delif() {
    let mut f = Fake::with(&[("br0", &["eth0", "eth1"]), ("br1", &["eth2"])]);
    f.kernel.insert("eth5".into());
    assert_eq!(
        run(&mut f, &["delif", "br0", "eth7"]),
        err("interface eth7 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["delif", "br9", "eth0"]),
        err("bridge br9 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["delif", "br0", "eth2"]),
        err("device eth2 is not a port of br0")
    );
    assert_eq!(
        run(&mut f, &["delif", "br0", "eth5"]),
        err("device eth5 is not a port of br0")
    );
    assert_eq!(
        run(&mut f, &["delif", "br0", "br0"]),
        err("device br0 is not a port of br0")
    );
    assert_eq!(
        run(&mut f, &["delif", "eth2", "eth0"]),
        err("can't delete eth0 from eth2: Operation not supported")
    );
    assert_eq!(
        run(&mut f, &["delif", "br0", "eth0", "eth1"]),
        Outcome::default()
    );
    assert_eq!(f.log, ["del-port br0 eth0", "del-port br0 eth1"]);
}

#[test]
fn show_lists_bridges_and_reports_missing_ones() {
    let mut f = Fake::with(&[("br0", &["eth1", "eth0"]), ("br1", &[])]);
    let all = run(&mut f, &["show"]);
    assert_eq!(
        all.stdout,
        "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n\
         br0\t\t8000.0a0000000002\tno\t\teth0\n\
         \t\t\t\t\t\t\teth1\n\
         br1\t\t8000.0a0000000100\tno\t\t\n"
    );
    assert_eq!(all.status, 0);
    assert_eq!(
        run(&mut f, &["show", "br9"]),
        err("bridge br9 does not exist!")
    );
    let mixed = run(&mut f, &["show", "br9", "br1"]);
    assert_eq!(
        mixed.stdout,
        "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr1\t\t8000.0a0000000100\tno\t\t\n"
    );
    assert_eq!(mixed.stderr, "bridge br9 does not exist!\n");
    assert_eq!(mixed.status, 1);
    assert_eq!(
        run(&mut f, &["show", "eth0"]),
        err("device eth0 is not a bridge!")
    );
    assert!(f.log.is_empty());
    assert_eq!(run(&mut Fake::default(), &["show"]), Outcome::default());
}

#[test]
fn showmacs_reads_the_fdb() {
    let mut f = Fake::with(&[("br0", &["eth0"])]);
    f.fdb = " port  VLAN  MAC                Age\n    1     0  50:54:00:00:00:01    4\n".into();
    let o = run(&mut f, &["showmacs", "br0"]);
    assert_eq!(
        o.stdout,
        "port no\tmac addr\t\tis local?\tageing timer\n\
         \x20 1\t0a:00:00:00:00:00\tyes\t\t   0.00\n\
         \x20 1\t50:54:00:00:00:01\tno\t\t   4.00\n"
    );
    assert_eq!(f.log, ["appctl fdb/show br0"]);
    assert_eq!(
        run(&mut f, &["showmacs", "br9"]),
        err("read of forward table failed: No such device")
    );
    assert_eq!(
        run(&mut f, &["showmacs", "eth0"]),
        err("read of forward table failed: Operation not supported")
    );
}

#[test]
fn stp_and_hairpin() {
    let mut f = Fake::with(&[("br0", &["eth0"]), ("br1", &["eth1"])]);
    f.kernel.insert("eth5".into());
    assert_eq!(
        run(&mut f, &["stp", "br9", "x"]),
        err("expect on/off for argument")
    );
    assert_eq!(
        run(&mut f, &["stp", "br9", "on"]),
        err("set stp status failed: No such device")
    );
    assert_eq!(
        run(&mut f, &["stp", "eth0", "on"]),
        err("set stp status failed: Operation not supported")
    );
    assert_eq!(run(&mut f, &["stp", "br0", "yes"]), Outcome::default());
    assert_eq!(run(&mut f, &["stp", "br0", "0"]), Outcome::default());
    assert_eq!(
        run(&mut f, &["hairpin", "br9", "eth0", "x"]),
        err("expect on/off for argument")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br9", "eth0", "on"]),
        err("bridge br9 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "eth7", "on"]),
        err("interface eth7 does not exist!")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "eth5", "on"]),
        err("can't set eth5 to hairpin on bridge br0: No such file or directory")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "br1", "on"]),
        err("can't set br1 to hairpin on bridge br0: No such file or directory")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "eth1", "on"]),
        err("can't set eth1 to hairpin on bridge br0: Operation not supported")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "eth0", "on"]),
        err("can't set eth0 to hairpin on bridge br0: Operation not supported")
    );
    assert_eq!(
        run(&mut f, &["hairpin", "br0", "eth0", "off"]),
        Outcome::default()
    );
    assert_eq!(
        f.log,
        [
            "set Bridge br0 stp_enable=true",
            "set Bridge br0 stp_enable=false"
        ]
    );
}

#[test]
fn bridge_settings_map_to_other_config() {
    let mut f = Fake::with(&[("br0", &["eth0"])]);
    for (words, change) in [
        (&["setageing", "br0", "30"][..], "mac-aging-time=30"),
        (&["setageing", "br0", "1.5x"], "mac-aging-time=2"),
        (&["setfd", "br0", "4"], "stp-forward-delay=4"),
        (&["setfd", "br0", "100"], "stp-forward-delay=100"),
        (&["sethello", "br0", "10"], "stp-hello-time=10"),
        (&["setmaxage", "br0", "6"], "stp-max-age=6"),
        (&["sethello", "br0", "2"], "stp-hello-time=2"),
        (&["setmaxage", "br0", "20"], "stp-max-age=20"),
        (&["setbridgeprio", "br0", "0x1000"], "stp-priority=4096"),
        (&["setbridgeprio", "br0", "70000"], "stp-priority=4464"),
    ] {
        f.log.clear();
        assert_eq!(run(&mut f, words), Outcome::default(), "{words:?}");
        assert_eq!(f.log, [format!("set Bridge br0 other_config:{change}")]);
    }
    f.log.clear();
    for (words, msg) in [
        (&["setageing", "br0", "abc"][..], "bad ageing time value"),
        (&["setageing", "br9", "abc"], "bad ageing time value"),
        (
            &["setageing", "br9", "3"],
            "set ageing time failed: No such device",
        ),
        (
            &["setageing", "br0", "inf"],
            "set ageing time failed: Numerical result out of range",
        ),
        (&["setfd", "br0", ""], "bad forward delay value"),
        (
            &["sethello", "br9", "2"],
            "set hello timer failed: No such device",
        ),
        (&["setmaxage", "br0", "x"], "bad max age value"),
        (&["setbridgeprio", "br0", "x"], "bad priority"),
        (
            &["setbridgeprio", "eth0", "1"],
            "set bridge priority failed: Operation not supported",
        ),
        (
            &["sethello", "br0", "0.5"],
            "set hello timer failed: Numerical result out of range",
        ),
        (
            &["setmaxage", "br0", "41"],
            "set max age failed: Numerical result out of range",
        ),
        (
            &["setbridgeprio", "br9", "1"],
            "set bridge priority failed: No such device",
        ),
    ] {
        assert_eq!(run(&mut f, words), err(msg), "{words:?}");
    }
    assert!(f.log.is_empty());
    // The forward delay is checked only while STP runs.
    f.stp_on.insert("br0".into());
    assert_eq!(
        run(&mut f, &["setfd", "br0", "100"]),
        err("set forward delay failed: Numerical result out of range")
    );
    assert_eq!(run(&mut f, &["setfd", "br0", "30"]), Outcome::default());
}

#[test]
fn port_settings_map_to_port_other_config() {
    let mut f = Fake::with(&[("br0", &["eth0"]), ("br1", &["eth1"])]);
    f.kernel.insert("eth5".into());
    assert_eq!(
        run(&mut f, &["setpathcost", "br0", "eth0", "10"]),
        Outcome::default()
    );
    assert_eq!(
        run(&mut f, &["setportprio", "br0", "eth0", "5x"]),
        Outcome::default()
    );
    // The bridge argument does not matter, as with the kernel.
    assert_eq!(
        run(&mut f, &["setpathcost", "br9", "eth1", "65535"]),
        Outcome::default()
    );
    assert_eq!(
        f.log,
        [
            "set Port eth0 other_config:stp-path-cost=10",
            "set Port eth0 other_config:stp-port-priority=20",
            "set Port eth1 other_config:stp-path-cost=65535"
        ]
    );
    f.log.clear();
    for (words, msg) in [
        (
            &["setpathcost", "br0", "eth0", "x"][..],
            "bad path cost value",
        ),
        (
            &["setportprio", "br0", "eth0", "x"],
            "bad path priority value",
        ),
        (
            &["setpathcost", "br0", "eth7", "1"],
            "set path cost failed: No such device",
        ),
        (
            &["setpathcost", "br0", "br1", "1"],
            "set path cost failed: No such file or directory",
        ),
        (
            &["setpathcost", "br0", "eth0", "0"],
            "set path cost failed: Numerical result out of range",
        ),
        (
            &["setportprio", "br0", "eth0", "64"],
            "set port priority failed: Numerical result out of range",
        ),
        (
            &["setportprio", "br0", "eth5", "1"],
            "set port priority failed: No such file or directory",
        ),
        (
            &["setportprio", "br0", "eth0", "300"],
            "set port priority failed: Numerical result out of range",
        ),
        (
            &["setpathcost", "br0", "eth0", "-1"],
            "set path cost failed: Numerical result out of range",
        ),
    ] {
        assert_eq!(run(&mut f, words), err(msg), "{words:?}");
    }
    assert!(f.log.is_empty());
}

#[test]
fn an_unreachable_database_is_reported() {
    let mut f = Fake::with(&[]);
    f.down = true;
    assert_eq!(
        run(&mut f, &["show"]),
        err(
            "can't setup bridge control: unix:/x/db.sock: database connection failed (Connection refused)"
        )
    );
    assert_eq!(
        run(&mut f, &["stp", "br0", "x"]),
        err("expect on/off for argument")
    );
}

#[test]
fn showstp_is_not_supported() {
    let mut f = Fake::with(&[("br0", &[])]);
    assert_eq!(
        run(&mut f, &["showstp", "br9"]),
        err("bridge br9 does not exist!")
    );
    assert_eq!(run(&mut f, &["showstp", "br0"]).status, 1);
}
