//! Locating ferroswitch's own binaries from a test.
//!
//! Integration tests run from `target/<profile>/deps/<test>-<hash>` (examples from
//! `target/<profile>/examples/`); the workspace's binaries are
//! in `target/<profile>/`. `FERRO_BIN_DIR` overrides the directory (used to run the black-box
//! tests against an installed build).

use std::path::PathBuf;

/// The directory holding ferroswitch's binaries.
pub fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FERRO_BIN_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe
        .parent()
        .expect("test binary has a parent dir")
        .to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    dir
}

/// The path of binary `name` (e.g. `"ovsdb-server"`); panics with a build hint when missing.
pub fn bin_path(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} not found: build it first (`cargo build --workspace --bins`)",
        path.display()
    );
    path
}
