//! Test kit shared by ferroswitch's black-box tests.
//!
//! Every test that runs real binaries needs the same few things, and gets them wrong in the same
//! ways when each test writes its own: daemons that outlive a failed test, sleeps used as
//! synchronisation, tests that silently pass when a reference peer is missing, and network
//! namespaces left behind. This crate provides each once:
//!
//! - [`sandbox::Sandbox`]: a private directory tree with `OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR`
//!   and `OVS_SYSCONFDIR` pointing into it, that starts daemons and kills every one of them (by the
//!   pid it started or read from the pidfile it told the daemon to write) when dropped, even when
//!   the test panics.
//! - [`wait::wait_until`]: poll a condition until a deadline, with a useful failure message.
//! - [`reference`]: where Debian's Open vSwitch binaries (the reference peers) are, and whether a
//!   test must fail or may skip when they are missing (`FERRO_REQUIRE_REFERENCE=1`, set by CI,
//!   turns a skip into a failure).
//! - [`netns::Netns`]: uniquely named network namespaces and veth pairs, deleted on drop.
//! - [`ovsdb`]: start an ovsdb-server (ours or the reference) on a fresh database and talk
//!   JSON-RPC to it with a small blocking client.
//! - [`pki::Pki`]: a throwaway CA issuing certificates for SSL tests.
//! - [`bins::bin_path`]: the path of one of ferroswitch's own binaries in the cargo target dir.

pub mod bins;
pub mod netns;
pub mod ovsdb;
pub mod pki;
pub mod reference;
pub mod sandbox;
pub mod trace;
pub mod wait;

pub use bins::bin_path;
pub use netns::Netns;
pub use sandbox::{Daemon, Sandbox};
pub use wait::{wait_until, WaitError};
