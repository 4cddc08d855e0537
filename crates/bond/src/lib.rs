//! LACP and bonding engine for ferroswitch: a pure crate (no I/O, no clocks — callers pass
//! `now_ms`, a monotonic millisecond clock).
//!
//! - [`pdu`]: LACPDU encode/decode (IEEE 802.1AX as Open vSwitch speaks it).
//! - [`lacp`]: one bond's LACP instance ([`Lacp`]): receive machine per member, periodic
//!   transmission, selection logic, `may_enable`, `lacp/show` and `lacp/show-stats`.
//! - [`bond`]: bond logic ([`Bond`]): enabling members with up/down delays, the active
//!   member, flow-to-member hashing, the admissibility verdict for received frames,
//!   `bond/show`, `bond/list` and the `bond/*` commands.
//! - [`hash`]: the bucket hashes (balance-slb's matches Open vSwitch's `bond/hash`).
//!
//! # How the daemon drives it
//! Per bonded port, keep one [`Bond`] and, when `lacp` is active or passive, one [`Lacp`]
//! (members keyed by interface name in both).
//! - **Configuration**: [`Bond::new`]/[`Bond::reconfigure`], [`Bond::add_member`] (with the
//!   interface MAC) / [`Bond::remove_member`]; likewise [`Lacp::new`]/[`Lacp::reconfigure`],
//!   [`Lacp::add_member`] (with the current carrier) / [`Lacp::remove_member`].
//! - **Received slow-protocols frame** (EtherType 0x8809 on a member): strip the Ethernet
//!   header ([`pdu::slow_protocol_payload`]) and call [`Lacp::process_packet`]; such frames
//!   are never switched.
//! - **Carrier change**: [`Lacp::carrier_changed`].
//! - **Timer tick / main loop** (at the latest at [`Lacp::next_wake`] / [`Bond::next_wake`]):
//!   1. [`Lacp::run`] and send each returned PDU with [`pdu::LacpPdu::to_frame`] from that
//!      member's MAC;
//!   2. for each member, [`Bond::set_may_enable`] with `carrier && lacp.may_enable(name)`
//!      (just `carrier` without LACP);
//!   3. [`Bond::run`] with [`Lacp::status`] (anything without LACP); when it returns true,
//!      revalidate the flows that output to or input from the bond; log
//!      [`Bond::take_log`]'s lines at INFO in the `bond` module.
//! - **Per packet received on a member**: [`Bond::admissibility`] gives the
//!   [`normal::BondVerdict`] to put in `normal::NormalInput`.
//! - **Per packet sent to the bond**: [`Bond::choose_output`] picks the member (None: drop);
//!   [`Bond::bucket`] + [`Bond::account`] feed the load statistics used for rebalancing.
//! - **ovs-appctl**: `lacp/show` -> [`Lacp::show`], `lacp/show-stats` -> [`Lacp::show_stats`],
//!   `bond/show` -> [`Bond::show`], `bond/list` -> [`bond::BOND_LIST_HEADER`] +
//!   [`Bond::list_row`], `bond/set-active-member` (and `-slave`) ->
//!   [`Bond::set_active_member`], `bond/enable-member` / `bond/disable-member` ->
//!   [`Bond::enable_member`], `bond/migrate` -> [`Bond::migrate`], `bond/hash` ->
//!   [`bond::bond_hash_command`]. Unknown port names are the caller's ("no such bond",
//!   "no such lacp object").

pub mod bond;
pub mod hash;
pub mod lacp;
pub mod pdu;

pub use bond::{Bond, BondError, BondSettings, ShowExtras};
pub use lacp::{Lacp, LacpSettings, LacpStatus, MemberSettings, RxStatus};
pub use normal::{BondMode, BondVerdict};
pub use pdu::{LacpInfo, LacpPdu, PduError};
