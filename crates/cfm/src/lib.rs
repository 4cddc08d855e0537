//! 802.1ag Connectivity Fault Management (CFM) for ferroswitch, as Open vSwitch implements it:
//! a pure crate (no I/O, no clocks -- callers pass `now`, a monotonic millisecond clock).
//!
//! - [`pdu`]: CCM frame encode/decode ([`CcmFrame`], [`Ccm`]), standard and extended mode.
//! - [`cfm`](mod@cfm): one interface's instance ([`Cfm`]): CCM transmission, reception, fault
//!   detection, health, flap count, remote MPs, `cfm/show`.
//! - [`hmap`]: Open vSwitch's hash-map iteration order, which its `cfm/show` lists follow.
//!
//! # How the daemon drives it
//! Per Interface whose `cfm_mpid` is set, keep one [`Cfm`] named after the interface.
//! - **Configuration** (Interface row added or changed): build [`CfmSettings`] with
//!   [`CfmSettings::from_other_config`] from `cfm_mpid` and `other_config`, then [`Cfm::new`]
//!   or [`Cfm::reconfigure`]; drop the instance when `cfm_mpid` is cleared (and clear the
//!   status columns).
//! - **Received frame** on the interface: if [`Cfm::should_process`] (destination
//!   01:80:c2:00:00:30, or 01:23:20:00:00:30 in extended mode, EtherType 0x8902), give it to
//!   [`Cfm::process`] and do not switch it. In demand mode call [`Cfm::set_rx_packets`] with
//!   the interface's rx packet counter before each run.
//! - **Timer tick / main loop** (at the latest at [`Cfm::next_wake`]): [`Cfm::run`] with the
//!   interface's MAC; send the returned frame out of the interface. Log [`Cfm::take_log`]'s
//!   lines in the `cfm` module (Open vSwitch rate-limits the warnings).
//! - **Status**: when [`Cfm::take_status_changed`] says so (and on the periodic stats
//!   refresh), write [`Cfm::status`] to the Interface: `cfm_fault` = faults non-empty,
//!   `cfm_fault_status` = [`Faults::names`], `cfm_remote_mpids`, `cfm_health` (empty when
//!   `None`), `cfm_remote_opstate` ("up"/"down", empty in standard mode), `cfm_flap_count`.
//!   A bonded interface with [`Cfm::is_faulted`] is not enabled; in extended mode a remote
//!   opstate of down ([`Cfm::remote_opup`]) also disables it.
//! - **ovs-appctl**: `cfm/show [iface]` -> [`Cfm::show`] of that instance (all instances,
//!   concatenated without an argument, in the order of an [`hmap::HmapOrder`] into which the
//!   daemon inserts each instance's interface name with [`hmap::hash_string`] when creating it
//!   and from which it removes it when destroying it; an unknown or CFM-less interface is
//!   [`CfmError::NoSuchObject`]); `cfm/set-fault [iface] status` -> [`parse_fault_override`]
//!   then [`Cfm::set_fault_override`] on that (or every) instance, reply "OK".

pub mod cfm;
pub mod hmap;
pub mod pdu;

pub use crate::cfm::{
    parse_fault_override, CcmVlan, Cfm, CfmError, CfmSettings, CfmStatus, Faults, LogLevel,
    LogLine, MAX_REMOTE_MPS,
};
pub use pdu::{Ccm, CcmFrame, PduError, VlanTag};
