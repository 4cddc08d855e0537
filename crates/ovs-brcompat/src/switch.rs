//! How brctl reaches the switch: ferroswitch's own `ovs-vsctl` and `ovs-appctl`.
//!
//! The Linux bridge's brctl talks to the kernel; ours runs the switch's command-line tools, the
//! way Open vSwitch's ovs-brcompatd once did. The tools are taken from the directory brctl
//! itself was run from (`std::env::current_exe()`), never from `PATH`, so a brctl always drives
//! the ferroswitch it was installed with, not another Open vSwitch on the machine. They inherit
//! brctl's environment, so `OVS_RUNDIR` and friends select the instance exactly as they do for
//! the tools run by hand (brctl has no option of its own for that). Both are given a timeout so
//! a switch that does not answer makes brctl fail instead of hang.
//!
//! [`Switch`] is the seam the command logic is written against; [`Tools`] is the real one, and
//! the unit tests use a scripted fake.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use thiserror::Error;

/// Seconds ovs-vsctl may wait for the database and for ovs-vswitchd to apply a change, and
/// ovs-appctl for an answer.
pub const TOOL_TIMEOUT_SECS: u32 = 30;

/// A tool could not be run or reported a failure.
#[derive(Debug, Error)]
pub enum ToolError {
    /// The program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program's path.
        program: String,
        /// Why.
        source: io::Error,
    },
    /// The program ran and failed; `message` is its explanation without the program-name prefix.
    #[error("{message}")]
    Failed {
        /// Exit status, when it exited normally.
        status: Option<i32>,
        /// What it printed on stderr, first line, program-name prefix removed.
        message: String,
    },
}

/// What brctl needs from the switch.
pub trait Switch {
    /// Runs ovs-vsctl with `args`; its stdout on success.
    fn vsctl(&mut self, args: &[&str]) -> Result<String, ToolError>;
    /// Runs ovs-appctl (default target, ovs-vswitchd) with `args`; its stdout on success.
    fn appctl(&mut self, args: &[&str]) -> Result<String, ToolError>;
    /// Whether the kernel has a network device named `name`.
    fn kernel_device_exists(&self, name: &str) -> bool;
    /// The kernel's link type (`ARPHRD_*`) of device `name`, if it has one.
    fn kernel_link_type(&self, name: &str) -> Option<u32>;
}

/// `ARPHRD_ETHER`: the only kind of device a bridge takes.
pub const ARPHRD_ETHER: u32 = 1;

/// The real switch: the tools next to this executable.
#[derive(Debug, Clone)]
pub struct Tools {
    bindir: PathBuf,
}

impl Tools {
    /// Tools in the directory of the running executable (`.` if that cannot be known).
    pub fn beside_current_exe() -> Tools {
        let bindir = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        Tools { bindir }
    }

    fn run(&self, program: &str, args: &[String]) -> Result<String, ToolError> {
        let path = self.bindir.join(program);
        let out = Command::new(&path)
            .args(args)
            .output()
            .map_err(|source| ToolError::Spawn {
                program: path.display().to_string(),
                source,
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(ToolError::Failed {
            status: out.status.code(),
            message: first_message(program, &stderr),
        })
    }
}

/// What a failed tool has to say: the first non-empty line of its stderr that is not a log
/// message, without its `program: ` prefix; failing that, the text of its last log message
/// (`2026-01-01T00:00:00Z|00002|module|WARN|text`). Death by its own `--timeout` alarm is
/// said in words.
pub fn first_message(program: &str, stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let log_text = |l: &str| {
        let fields: Vec<&str> = l.splitn(5, '|').collect();
        match fields.as_slice() {
            [stamp, seq, _, _, text]
                if stamp.contains('T') && seq.chars().all(|c| c.is_ascii_digit()) =>
            {
                Some(text.to_string())
            }
            _ => None,
        }
    };
    let message = match lines.iter().find(|l| log_text(l).is_none()) {
        Some(line) => line
            .strip_prefix(&format!("{program}: "))
            .unwrap_or(line)
            .to_string(),
        None => lines
            .last()
            .and_then(|l| log_text(l))
            .unwrap_or_else(|| "failed".to_string()),
    };
    if message.contains("terminating with signal 14") {
        return format!("{program} timed out after {TOOL_TIMEOUT_SECS} seconds");
    }
    message
}

impl Switch for Tools {
    fn vsctl(&mut self, args: &[&str]) -> Result<String, ToolError> {
        let mut v = vec![format!("--timeout={TOOL_TIMEOUT_SECS}")];
        v.extend(args.iter().map(|s| s.to_string()));
        self.run("ovs-vsctl", &v)
    }

    fn appctl(&mut self, args: &[&str]) -> Result<String, ToolError> {
        let mut v = vec![format!("--timeout={TOOL_TIMEOUT_SECS}")];
        v.extend(args.iter().map(|s| s.to_string()));
        self.run("ovs-appctl", &v)
    }

    fn kernel_device_exists(&self, name: &str) -> bool {
        valid_ifname(name) && Path::new("/sys/class/net").join(name).exists()
    }

    fn kernel_link_type(&self, name: &str) -> Option<u32> {
        if !valid_ifname(name) {
            return None;
        }
        let path = Path::new("/sys/class/net").join(name).join("type");
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }
}

/// Whether `name` can name a Linux network device (so it is safe to look up under /sys).
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name.contains(|c: char| c == '/' || c == ':' || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_the_program_prefix() {
        assert_eq!(
            first_message("ovs-vsctl", "ovs-vsctl: no bridge named x\n"),
            "no bridge named x"
        );
        assert_eq!(
            first_message(
                "ovs-appctl",
                "\nno such bridge\novs-appctl: ovs-vswitchd: server returned an error\n"
            ),
            "no such bridge"
        );
        assert_eq!(first_message("ovs-appctl", ""), "failed");
        assert_eq!(
            first_message(
                "ovs-appctl",
                "2026-11-26T05:35:23Z|00001|daemon_unix|WARN|/r/ovs-vswitchd.pid: open: No such \
                 file or directory\novs-appctl: cannot read pidfile \"/r/ovs-vswitchd.pid\" (No \
                 such file or directory)\n"
            ),
            "cannot read pidfile \"/r/ovs-vswitchd.pid\" (No such file or directory)"
        );
        assert_eq!(
            first_message(
                "ovs-vsctl",
                "2026-11-26T05:35:23Z|00002|fatal_signal|WARN|terminating with signal 14 (Alarm \
                 clock)\n"
            ),
            "ovs-vsctl timed out after 30 seconds"
        );
        assert_eq!(
            first_message(
                "ovs-vsctl",
                "2026-11-26T05:35:23Z|00002|reconnect|WARN|gone\n"
            ),
            "gone"
        );
    }

    #[test]
    fn interface_names() {
        assert!(valid_ifname("eth0"));
        assert!(valid_ifname("tap44.0"));
        assert!(!valid_ifname(""));
        assert!(!valid_ifname(".."));
        assert!(!valid_ifname("a/b"));
        assert!(!valid_ifname("0123456789abcdef"));
    }
}
