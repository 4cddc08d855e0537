//! Network namespaces and veth pairs for tests, with unique names and guaranteed cleanup.
//!
//! Test traffic never touches the machine's own interfaces: "hosts" and "VMs" are network
//! namespaces this module creates, named `fs<pid><tag><n>` so that concurrent tests and
//! concurrent test runs never collide, and deleted when the [`Netns`] is dropped (deleting a
//! namespace also deletes the veth ends inside it). Root-namespace veth ends a test creates are
//! tracked by [`Veth`] and deleted on drop too. Everything here needs root (`CAP_NET_ADMIN`).

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::sandbox::run_with_timeout;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name unique to this process and call, at most 15 bytes (the Linux interface-name limit), so
/// it can name a namespace or an interface. `tag` is truncated to 3 chars.
pub fn unique_name(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tag: String = tag
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(3)
        .collect();
    let pid = std::process::id() % 100_000;
    format!("f{pid}{tag}{n}")
}

/// Whether this process may create namespaces (root). Tests that need it print a skip notice
/// otherwise, or fail when `FERRO_REQUIRE_NETNS=1`.
pub fn available(test: &str) -> bool {
    let ok = nix::unistd::geteuid().is_root()
        && Command::new("ip")
            .arg("-V")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if !ok {
        let msg = format!("{test}: needs root and iproute2 for network namespaces");
        if std::env::var("FERRO_REQUIRE_NETNS").as_deref() == Ok("1") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED: {msg}");
    }
    ok
}

/// Runs `ip ARGS...`, returning an error message with ip's stderr on failure.
pub fn ip(args: &[&str]) -> Result<String, String> {
    let out = run_with_timeout(Command::new("ip").args(args), Duration::from_secs(20))
        .map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A network namespace that is deleted when dropped.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Creates a namespace with a unique name derived from `tag`, with its loopback up.
    pub fn new(tag: &str) -> Result<Netns, String> {
        let name = unique_name(tag);
        ip(&["netns", "add", &name])?;
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name, program]);
        cmd
    }

    /// Runs `ip ARGS...` inside the namespace.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        ip(&full)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// A veth pair created in the root namespace; the root-side end is deleted on drop (which
/// deletes its peer too, wherever it has been moved).
#[derive(Debug)]
pub struct Veth {
    /// The end that stays in the root namespace (typically added to the switch).
    pub outer: String,
    /// The other end (typically moved into a namespace).
    pub inner: String,
}

impl Veth {
    /// Creates a veth pair with unique names derived from `tag`.
    pub fn new(tag: &str) -> Result<Veth, String> {
        let outer = unique_name(tag);
        let inner = unique_name(tag);
        ip(&[
            "link", "add", &outer, "type", "veth", "peer", "name", &inner,
        ])?;
        let v = Veth { outer, inner };
        ip(&["link", "set", &v.outer, "up"])?;
        Ok(v)
    }

    /// Moves the inner end into `ns`, names it `ifname`, gives it `cidr` (e.g. `10.0.0.1/24`)
    /// and brings it up.
    pub fn plug_into(&mut self, ns: &Netns, ifname: &str, cidr: &str) -> Result<(), String> {
        ip(&["link", "set", &self.inner, "netns", ns.name()])?;
        ns.ip(&["link", "set", &self.inner, "name", ifname])?;
        self.inner = ifname.to_string();
        ns.ip(&["addr", "add", cidr, "dev", ifname])?;
        ns.ip(&["link", "set", ifname, "up"])?;
        Ok(())
    }
}

impl Drop for Veth {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", &self.outer]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_fit_ifnamsiz() {
        let a = unique_name("host");
        let b = unique_name("host");
        assert_ne!(a, b);
        assert!(a.len() <= 15, "{a}");
    }

    #[test]
    fn namespace_ping_over_veth() {
        if !available("namespace_ping_over_veth") {
            return;
        }
        let ns = Netns::new("t").unwrap();
        let name = ns.name().to_string();
        let mut veth = Veth::new("t").unwrap();
        ip(&["addr", "add", "169.254.77.1/30", "dev", &veth.outer]).unwrap();
        veth.plug_into(&ns, "eth0", "169.254.77.2/30").unwrap();
        let out = run_with_timeout(
            ns.command("ping")
                .args(["-c", "1", "-W", "5", "169.254.77.1"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        drop(veth);
        drop(ns);
        let list = ip(&["netns", "list"]).unwrap();
        assert!(!list
            .lines()
            .any(|l| l.split_whitespace().next() == Some(&name)));
    }
}
