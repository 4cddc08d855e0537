//! The reference peers: Debian's Open vSwitch 3.x binaries, used as oracles and baselines.
//!
//! ferroswitch never runs them itself; tests do, in private directories. When they are missing a
//! test either skips (printing why, so the skip is visible) or, when `FERRO_REQUIRE_REFERENCE=1`
//! (CI sets it after installing them), fails.

use std::path::{Path, PathBuf};

/// Where Debian installs each reference binary.
pub fn path(name: &str) -> PathBuf {
    let candidates = ["/usr/bin", "/usr/sbin", "/usr/lib/openvswitch-switch"];
    for dir in candidates {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    Path::new("/usr/bin").join(name)
}

/// The reference schema shipped by Debian's openvswitch-common.
pub fn vswitch_schema() -> PathBuf {
    PathBuf::from("/usr/share/openvswitch/vswitch.ovsschema")
}

/// Whether the reference binary `name` is installed.
pub fn available(name: &str) -> bool {
    path(name).exists()
}

/// Returns `true` when every binary in `names` is installed. Otherwise prints a skip notice and
/// returns `false`, or panics when `FERRO_REQUIRE_REFERENCE=1`.
pub fn require(test: &str, names: &[&str]) -> bool {
    let missing: Vec<&str> = names.iter().copied().filter(|n| !available(n)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{test}: reference peer(s) {missing:?} not installed (apt-get install openvswitch-switch \
         openvswitch-common python3-openvswitch)"
    );
    if std::env::var("FERRO_REQUIRE_REFERENCE").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}
