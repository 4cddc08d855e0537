//! The brctl commands, each translated into ovs-vsctl / ovs-appctl operations.
//!
//! | brctl | switch |
//! |---|---|
//! | `addbr BR` | `ovs-vsctl add-br BR` |
//! | `delbr BR` | `ovs-vsctl del-br BR` |
//! | `addif BR DEV...` | `ovs-vsctl add-port BR DEV` (undone if ovs-vswitchd cannot open DEV) |
//! | `delif BR DEV...` | `ovs-vsctl del-port BR DEV` |
//! | `show [BR...]` | the Bridge/Port/Interface tables, as brctl's table |
//! | `showmacs BR` | `ovs-appctl fdb/show BR` plus the ports' own addresses |
//! | `stp BR on\|off` | `set Bridge BR stp_enable=true\|false` |
//! | `setageing BR SECS` | `set Bridge BR other_config:mac-aging-time=SECS` |
//! | `setfd`, `sethello`, `setmaxage`, `setbridgeprio` | Bridge `other_config:stp-forward-delay`, `stp-hello-time`, `stp-max-age`, `stp-priority` |
//! | `setpathcost`, `setportprio` | Port `other_config:stp-path-cost`, `stp-port-priority` (brctl's priority times 4) |
//! | `hairpin BR PORT on\|off` | `off` is what the switch does; `on` is not supported |
//!
//! Before changing anything a command reads one [`Snapshot`] of the database and checks its
//! names the way the Linux bridge does, so it fails with bridge-utils' own words and exit status
//! 1 ("bridge br9 doesn't exist; can't delete it", "device eth0 is already a member of a bridge;
//! can't add it to bridge br0.", ...) and leaves the switch unchanged. A device "exists" when
//! the database knows a bridge, port or interface of that name or the kernel has a network
//! device of that name. Values are read first (a bad value is reported even for a missing
//! bridge, as brctl does), with C's lenient number syntax ([`crate::cnum`]). Failures of the
//! tools themselves are reported in the form bridge-utils uses for the kernel's errors, with
//! the tool's message in place of `strerror`.

use crate::cli::{on_off, CommandSpec};
use crate::cnum::{scan_double, scan_int};
use crate::model::{parse_fdb, Snapshot, SNAPSHOT_ARGS};
use crate::render::{show_rows, showmacs, SHOW_HEADING};
use crate::switch::{Switch, ARPHRD_ETHER};

/// What a command printed and its exit status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status.
    pub status: i32,
}

impl Outcome {
    fn fail(&mut self, message: impl AsRef<str>) {
        self.stderr.push_str(message.as_ref());
        self.stderr.push('\n');
        self.status = 1;
    }

    fn failed(message: impl AsRef<str>) -> Outcome {
        let mut o = Outcome::default();
        o.fail(message);
        o
    }
}

const ENODEV: &str = "No such device";
const ENOENT: &str = "No such file or directory";
const EINVAL: &str = "Invalid argument";
const EPERM: &str = "Operation not permitted";
const ERANGE: &str = "Numerical result out of range";
const EOPNOTSUPP: &str = "Operation not supported";

/// Runs `command` with `args` (at least `command.nargs` of them) against `sw`.
pub fn execute(sw: &mut dyn Switch, command: &CommandSpec, args: &[String]) -> Outcome {
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    // The kernel keeps 15 bytes of a device name; brctl hands it longer bridge names, which
    // it cuts (hairpin excepted, which looks the name up unchanged).
    let bridge = bridge_name(arg(0));
    match command.name {
        "addbr" => addbr(sw, bridge),
        "delbr" => delbr(sw, bridge),
        "addif" => addif(sw, bridge, args.get(1..).unwrap_or(&[])),
        "delif" => delif(sw, bridge, args.get(1..).unwrap_or(&[])),
        "show" => {
            let names: Vec<String> = args.iter().map(|a| bridge_name(a).to_string()).collect();
            show(sw, &names)
        }
        "showmacs" => show_macs(sw, bridge),
        "showstp" => showstp(sw, bridge),
        "stp" => stp(sw, bridge, arg(1)),
        "hairpin" => hairpin(sw, arg(0), arg(1), arg(2)),
        "setpathcost" | "setportprio" => port_setting(sw, command.name, arg(0), arg(1), arg(2)),
        name => bridge_setting(sw, name, bridge, arg(1)),
    }
}

fn snapshot(sw: &mut dyn Switch) -> Result<Snapshot, Outcome> {
    let text = sw
        .vsctl(SNAPSHOT_ARGS)
        .map_err(|e| Outcome::failed(format!("can't setup bridge control: {e}")))?;
    Snapshot::parse(&text).map_err(|e| Outcome::failed(format!("can't setup bridge control: {e}")))
}

/// Whether a device of this name exists, in the switch's database or in the kernel.
fn device_exists(sw: &dyn Switch, snap: &Snapshot, name: &str) -> bool {
    snap.knows(name) || sw.kernel_device_exists(name)
}

/// Why a bridge command cannot act on `name`, which is not a bridge: the kernel's error for a
/// device that is not a bridge, or for no device at all.
fn not_a_bridge(sw: &dyn Switch, snap: &Snapshot, name: &str) -> &'static str {
    if device_exists(sw, snap, name) {
        EOPNOTSUPP
    } else {
        ENODEV
    }
}

/// A bridge name as the kernel keeps it: at most 15 bytes.
fn bridge_name(name: &str) -> &str {
    let mut end = name.len().min(15);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.get(..end).unwrap_or(name)
}

fn addbr(sw: &mut dyn Switch, name: &str) -> Outcome {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(|c: char| c == '/' || c.is_whitespace())
    {
        return Outcome::failed(format!("add bridge failed: {EINVAL}"));
    }
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if device_exists(sw, &snap, name) {
        return Outcome::failed(format!(
            "device {name} already exists; can't create bridge with the same name"
        ));
    }
    match sw.vsctl(&["add-br", name]) {
        Ok(_) => Outcome::default(),
        Err(e) => Outcome::failed(format!("add bridge failed: {e}")),
    }
}

fn delbr(sw: &mut dyn Switch, name: &str) -> Outcome {
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if snap.bridge(name).is_none() {
        return if device_exists(sw, &snap, name) {
            Outcome::failed(format!("can't delete bridge {name}: {EPERM}"))
        } else {
            Outcome::failed(format!("bridge {name} doesn't exist; can't delete it"))
        };
    }
    match sw.vsctl(&["del-br", name]) {
        Ok(_) => Outcome::default(),
        Err(e) => Outcome::failed(format!("can't delete bridge {name}: {e}")),
    }
}

fn addif(sw: &mut dyn Switch, bridge: &str, devices: &[String]) -> Outcome {
    let mut snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    for dev in devices {
        let dev = dev.as_str();
        if snap.bridge(bridge).is_none() {
            return if !device_exists(sw, &snap, dev) {
                Outcome::failed(format!("interface {dev} does not exist!"))
            } else if device_exists(sw, &snap, bridge) {
                Outcome::failed(format!("can't add {dev} to bridge {bridge}: {EOPNOTSUPP}"))
            } else {
                Outcome::failed(format!("bridge {bridge} does not exist!"))
            };
        }
        if snap.bridge(dev).is_some() {
            return Outcome::failed(format!(
                "device {dev} is a bridge device itself; can't add a bridge device to a bridge device."
            ));
        }
        if snap.owner_of(dev).is_some() {
            return Outcome::failed(format!(
                "device {dev} is already a member of a bridge; can't add it to bridge {bridge}."
            ));
        }
        // Like the kernel, take only Ethernet devices (not the loopback, not a tun device).
        if sw.kernel_link_type(dev).is_some_and(|t| t != ARPHRD_ETHER) {
            return Outcome::failed(format!("can't add {dev} to bridge {bridge}: {EINVAL}"));
        }
        if let Err(e) = sw.vsctl(&["add-port", bridge, dev]) {
            return Outcome::failed(format!("can't add {dev} to bridge {bridge}: {e}"));
        }
        snap = match snapshot(sw) {
            Ok(s) => s,
            Err(o) => return o,
        };
        // ovs-vsctl waited for ovs-vswitchd to apply the change: an interface it could not
        // open has ofport -1. The Linux bridge refuses such a device, so the port is taken out.
        let Some(iface) = snap.interface(dev) else {
            continue;
        };
        if iface.ofport == Some(-1) {
            let reason = iface.error.clone().unwrap_or_default();
            // Best effort: the error below is what matters to the caller.
            let _ = sw.vsctl(&["--if-exists", "del-port", bridge, dev]);
            return if reason.is_empty() || !sw.kernel_device_exists(dev) {
                Outcome::failed(format!("interface {dev} does not exist!"))
            } else {
                Outcome::failed(format!("can't add {dev} to bridge {bridge}: {reason}"))
            };
        }
    }
    Outcome::default()
}

fn delif(sw: &mut dyn Switch, bridge: &str, devices: &[String]) -> Outcome {
    let mut snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    for dev in devices {
        let dev = dev.as_str();
        if !device_exists(sw, &snap, dev) {
            return Outcome::failed(format!("interface {dev} does not exist!"));
        }
        let Some(br) = snap.bridge(bridge) else {
            return if device_exists(sw, &snap, bridge) {
                Outcome::failed(format!("can't delete {dev} from {bridge}: {EOPNOTSUPP}"))
            } else {
                Outcome::failed(format!("bridge {bridge} does not exist!"))
            };
        };
        let port = snap
            .members(br)
            .into_iter()
            .find(|m| {
                m.port.name != bridge
                    && (m.port.name == dev || m.interfaces.iter().any(|i| i.name == dev))
            })
            .map(|m| m.port.name.clone());
        let Some(port) = port else {
            return Outcome::failed(format!("device {dev} is not a port of {bridge}"));
        };
        if let Err(e) = sw.vsctl(&["del-port", bridge, &port]) {
            return Outcome::failed(format!("can't delete {dev} from {bridge}: {e}"));
        }
        if devices.len() > 1 {
            snap = match snapshot(sw) {
                Ok(s) => s,
                Err(o) => return o,
            };
        }
    }
    Outcome::default()
}

fn show(sw: &mut dyn Switch, names: &[String]) -> Outcome {
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let mut out = Outcome::default();
    // The heading comes with the first bridge: with none, brctl prints nothing at all.
    let mut heading = false;
    if names.is_empty() {
        for b in &snap.bridges {
            if !heading {
                out.stdout.push_str(SHOW_HEADING);
                heading = true;
            }
            out.stdout.push_str(&show_rows(&snap, b));
        }
        return out;
    }
    for name in names {
        match snap.bridge(name) {
            Some(b) => {
                if !heading {
                    out.stdout.push_str(SHOW_HEADING);
                    heading = true;
                }
                out.stdout.push_str(&show_rows(&snap, b));
            }
            None if device_exists(sw, &snap, name) => {
                out.fail(format!("device {name} is not a bridge!"))
            }
            None => out.fail(format!("bridge {name} does not exist!")),
        }
    }
    out
}

fn show_macs(sw: &mut dyn Switch, bridge: &str) -> Outcome {
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let Some(br) = snap.bridge(bridge) else {
        return Outcome::failed(format!(
            "read of forward table failed: {}",
            not_a_bridge(sw, &snap, bridge)
        ));
    };
    match sw.appctl(&["fdb/show", bridge]) {
        Ok(text) => Outcome {
            stdout: showmacs(&snap, br, &parse_fdb(&text)),
            ..Outcome::default()
        },
        Err(e) => Outcome::failed(format!("read of forward table failed: {e}")),
    }
}

fn showstp(sw: &mut dyn Switch, bridge: &str) -> Outcome {
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if snap.bridge(bridge).is_none() {
        return Outcome::failed(format!("bridge {bridge} does not exist!"));
    }
    Outcome::failed(format!("can't get info for bridge {bridge}: {EOPNOTSUPP}"))
}

fn stp(sw: &mut dyn Switch, bridge: &str, state: &str) -> Outcome {
    let Some(on) = on_off(state) else {
        return Outcome::failed("expect on/off for argument");
    };
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if snap.bridge(bridge).is_none() {
        return Outcome::failed(format!(
            "set stp status failed: {}",
            not_a_bridge(sw, &snap, bridge)
        ));
    }
    let value = format!("stp_enable={on}");
    match sw.vsctl(&["set", "Bridge", bridge, &value]) {
        Ok(_) => Outcome::default(),
        Err(e) => Outcome::failed(format!("set stp status failed: {e}")),
    }
}

fn hairpin(sw: &mut dyn Switch, bridge: &str, port: &str, state: &str) -> Outcome {
    let Some(on) = on_off(state) else {
        return Outcome::failed("expect on/off for argument");
    };
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if snap.bridge(bridge).is_none() {
        return Outcome::failed(format!("bridge {bridge} does not exist!"));
    }
    if !device_exists(sw, &snap, port) {
        return Outcome::failed(format!("interface {port} does not exist!"));
    }
    // Like the kernel, any bridge's port will do: the setting belongs to the port.
    let member = snap.bridge(port).is_none() && snap.owner_of(port).is_some();
    if !member {
        return Outcome::failed(format!(
            "can't set {port} to hairpin on bridge {bridge}: {ENOENT}"
        ));
    }
    if on {
        // The switch never sends a frame back out of the port it came in on (NORMAL action),
        // which is hairpin off; there is no per-port setting to turn it on.
        return Outcome::failed(format!(
            "can't set {port} to hairpin on bridge {bridge}: {EOPNOTSUPP}"
        ));
    }
    Outcome::default()
}

/// A whole number of seconds from brctl's time argument (rounded), or `None` when out of range.
fn whole_seconds(t: f64) -> Option<u64> {
    let r = t.round();
    (r.is_finite() && (0.0..=f64::from(u32::MAX)).contains(&r)).then_some(r as u64)
}

/// A bridge timer or priority: brctl's word for a bad value, the start of its failure message,
/// the `other_config` key, and the range the Linux bridge accepts (in seconds; `None` for none).
struct BridgeSetting {
    bad: &'static str,
    what: &'static str,
    key: &'static str,
    range: Option<(f64, f64)>,
}

fn bridge_setting_spec(command: &str) -> BridgeSetting {
    let spec = |bad, what, key, range| BridgeSetting {
        bad,
        what,
        key,
        range,
    };
    match command {
        "setageing" => spec(
            "bad ageing time value",
            "set ageing time",
            "mac-aging-time",
            None,
        ),
        // The kernel checks the forward delay only while STP runs.
        "setfd" => spec(
            "bad forward delay value",
            "set forward delay",
            "stp-forward-delay",
            Some((2.0, 30.0)),
        ),
        "sethello" => spec(
            "bad hello timer value",
            "set hello timer",
            "stp-hello-time",
            Some((1.0, 10.0)),
        ),
        "setmaxage" => spec(
            "bad max age value",
            "set max age",
            "stp-max-age",
            Some((6.0, 40.0)),
        ),
        _ => spec("bad priority", "set bridge priority", "stp-priority", None),
    }
}

fn bridge_setting(sw: &mut dyn Switch, command: &str, bridge: &str, word: &str) -> Outcome {
    let spec = bridge_setting_spec(command);
    let value = if spec.key == "stp-priority" {
        // brctl stores the priority in 16 bits: -5 is 0xfffb, 70000 is 0x1170.
        scan_int(word).map(|v| f64::from(v as u16))
    } else {
        scan_double(word)
    };
    let Some(value) = value else {
        return Outcome::failed(spec.bad);
    };
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    let what = spec.what;
    let Some(br) = snap.bridge(bridge) else {
        return Outcome::failed(format!(
            "{what} failed: {}",
            not_a_bridge(sw, &snap, bridge)
        ));
    };
    let checked = command != "setfd" || br.stp_enable;
    let in_range = match spec.range {
        Some((min, max)) if checked => (min..=max).contains(&value),
        _ => true,
    };
    let Some(value) = whole_seconds(value).filter(|_| in_range) else {
        return Outcome::failed(format!("{what} failed: {ERANGE}"));
    };
    let setting = format!("other_config:{}={value}", spec.key);
    match sw.vsctl(&["set", "Bridge", bridge, &setting]) {
        Ok(_) => Outcome::default(),
        Err(e) => Outcome::failed(format!("{what} failed: {e}")),
    }
}

/// `setpathcost` / `setportprio`. Like the kernel's, brctl's bridge argument plays no part:
/// the setting belongs to the port, whichever bridge it is on.
fn port_setting(
    sw: &mut dyn Switch,
    command: &str,
    _bridge: &str,
    port: &str,
    word: &str,
) -> Outcome {
    // The Linux bridge takes path costs 1-65535 and port priorities 0-63, the top six bits of
    // the 16-bit port id; Open vSwitch's stp-port-priority is the top eight bits, so brctl's
    // priority is scaled by 4 (the kernel's default 32 is Open vSwitch's default 128).
    let (bad, what, key, min, max, scale) = if command == "setpathcost" {
        (
            "bad path cost value",
            "set path cost",
            "stp-path-cost",
            1,
            65535,
            1,
        )
    } else {
        (
            "bad path priority value",
            "set port priority",
            "stp-port-priority",
            0,
            63,
            4,
        )
    };
    let Some(value) = scan_int(word) else {
        return Outcome::failed(bad);
    };
    let snap = match snapshot(sw) {
        Ok(s) => s,
        Err(o) => return o,
    };
    if !device_exists(sw, &snap, port) {
        return Outcome::failed(format!("{what} failed: {ENODEV}"));
    }
    let is_port = snap.bridge(port).is_none()
        && snap.bridges.iter().any(|br| {
            snap.members(br)
                .iter()
                .any(|m| m.port.name == port && m.port.name != br.name)
        });
    if !is_port {
        return Outcome::failed(format!("{what} failed: {ENOENT}"));
    }
    if !(min..=max).contains(&value) {
        return Outcome::failed(format!("{what} failed: {ERANGE}"));
    }
    let setting = format!("other_config:{key}={}", value * scale);
    match sw.vsctl(&["set", "Port", port, &setting]) {
        Ok(_) => Outcome::default(),
        Err(e) => Outcome::failed(format!("{what} failed: {e}")),
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
