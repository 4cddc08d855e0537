//! The [`Dpif`] trait: what ofproto needs from a datapath, and the types it exchanges.
//!
//! # Shape of the interface
//!
//! Open vSwitch divides a switch into *ofproto* (OpenFlow tables, translation of OpenFlow
//! actions into datapath actions, the revalidators that keep installed flows honest) and a
//! *datapath* (a fast path that knows only ports, a cache of wildcarded "megaflows" and a
//! small set of datapath actions). The boundary between the two is the `dpif` interface; this
//! trait is ferroswitch's version of it. It is written for an in-process userspace datapath,
//! so nothing here is encoded as netlink: flow keys are [`Flow`] + [`FlowWildcards`], actions
//! are [`OdpAction`] values and upcalls carry an owned [`PacketBuf`].
//!
//! The datapath's poll threads (which forward packets) and ofproto's handler and revalidator
//! threads (which install, dump and delete flows and read upcalls) share one datapath, so the
//! trait takes `&self` everywhere and requires `Send + Sync`; an implementation synchronises
//! internally. It is object-safe: ofproto holds an `Arc<dyn Dpif>`.
//!
//! # The operations, when they are called and what failure means
//!
//! * **Ports.** [`Dpif::port_add`] is called when the bridge configuration gains an interface;
//!   the caller may ask for a particular datapath port number (OVS keeps a port's number
//!   stable across restarts by requesting the one stored in the database), otherwise the
//!   datapath picks the lowest free one. Failure means the port was not added and nothing
//!   changed: `Exists` for a name or number already in use, `NotSupported` for a type this
//!   datapath cannot open, `NoSpace` when port numbers ran out. [`Dpif::port_del`] is called
//!   when an interface leaves the configuration; `NotFound` means there was no such port,
//!   which callers treat as success. [`Dpif::port_query_by_number`] /
//!   [`Dpif::port_query_by_name`] answer "which port is this" for ofproto's port map and for
//!   `dpctl/show`; `NotFound` is an ordinary answer. [`Dpif::port_dump`] lists all ports in
//!   number order (for `dpif/show` and for reconciling the configuration at start-up).
//!   Ports are never reused while flows may still refer to them: a deleted port's number is
//!   only handed out again after the flows that output to it have been flushed or revalidated.
//! * **Megaflows.** [`Dpif::flow_put`] is called by a handler thread after translating an
//!   upcall, and by revalidators that change a flow's actions. With
//!   [`FlowPutFlags::create`] it installs a new flow; with [`FlowPutFlags::modify`] it
//!   replaces the actions of an existing one (the match must be identical: same key under the
//!   same mask); [`FlowPutFlags::zero_stats`] resets the flow's counters, which ofproto uses
//!   when it reuses a flow for a new purpose. Failure means the table is unchanged: `Exists`
//!   when creating a flow that is already there (a race between two handlers; the loser
//!   simply drops its copy), `NotFound` when modifying a flow that is gone (a revalidator
//!   deleted it meanwhile), `Invalid` for a mask that selects bits the key cannot have, and
//!   `NoSpace` when the flow limit is reached (the packet is still forwarded by
//!   [`Dpif::execute`], just not cached). [`Dpif::flow_del`] removes one flow and returns its
//!   final statistics (revalidators need them to credit OpenFlow rules); `NotFound` means it
//!   was already removed. [`Dpif::flow_get`] reads one flow with its statistics.
//!   [`Dpif::flow_dump`] returns every flow with statistics: revalidators call it
//!   continuously, and `dpctl/dump-flows` formats its output with
//!   [`crate::format_dump_flow`]. A dump is a snapshot; flows added or removed while it is
//!   taken may or may not appear. [`Dpif::flow_flush`] deletes every flow (`dpctl/del-flows`,
//!   and at start-up so that stale flows from a previous run cannot forward packets).
//! * **Execute.** [`Dpif::execute`] runs a list of datapath actions on a packet that is not
//!   in the fast path: the packet that caused an upcall (after the handler decided what to do
//!   with it), OpenFlow packet-outs, `ofproto/trace -generate`. The packet's metadata (in
//!   port, marks, conntrack state) comes with it. An error means the actions could not be
//!   run at all (a malformed action list); a packet that the actions simply drop, or an
//!   output to a port that disappeared, is not an error.
//! * **Upcalls.** When a packet misses the megaflow cache, or reaches a `userspace()` action,
//!   the datapath queues an [`Upcall`] and keeps forwarding other packets. The queue is
//!   bounded: when it is full the packet is dropped and counted in [`DpifStats::lost`] (the
//!   fast path never waits for ofproto). Handler threads call [`Dpif::recv`], which returns
//!   `Ok(None)` when the queue is empty; they then call [`Dpif::recv_wait`], which blocks
//!   until an upcall is queued, [`Dpif::recv_wake`] is called (shutdown, reconfiguration) or
//!   the timeout passes. The timeout is relative (the caller's clock decides what it means;
//!   the datapath does not read clocks for this interface's semantics).
//! * **Statistics.** [`Dpif::stats`] is cheap and lock-light; `dpctl/show` and the
//!   `dpif/show` summary print it.
//!
//! # Not modelled
//!
//! Tunnel ports' encapsulation, meters, conntrack state and flow UFIDs belong to the
//! datapath implementation; this interface only carries their actions and keys as values.

use crate::action::{OdpAction, UserspaceCookie};
use crate::error::DpifError;
use flow::{Flow, FlowWildcards};
use packet::PacketBuf;

/// A datapath port number ("odp port"), distinct from OpenFlow port numbers.
pub type OdpPort = u32;

/// The reserved "no port" number (`ODPP_NONE`).
pub const ODPP_NONE: OdpPort = u32::MAX;

/// The local port of the datapath (its internal device, number 0 in OVS).
pub const ODPP_LOCAL: OdpPort = 0;

/// One datapath port, as `port_query` and `port_dump` report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpifPort {
    /// Port name (the network device name).
    pub name: String,
    /// Port type as Open vSwitch names it (`system`, `internal`, `tap`, `dummy`,
    /// `dummy-internal`, `vxlan`, ...).
    pub port_type: String,
    /// Datapath port number.
    pub port_no: OdpPort,
}

/// What `flow_put` may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowPutFlags {
    /// Create the flow if it does not exist.
    pub create: bool,
    /// Replace the actions of the flow if it exists.
    pub modify: bool,
    /// Reset the flow's statistics (only meaningful with `modify`).
    pub zero_stats: bool,
}

impl FlowPutFlags {
    /// Create only (fails with `Exists` if present).
    pub const CREATE: FlowPutFlags = FlowPutFlags {
        create: true,
        modify: false,
        zero_stats: false,
    };
    /// Modify only (fails with `NotFound` if absent).
    pub const MODIFY: FlowPutFlags = FlowPutFlags {
        create: false,
        modify: true,
        zero_stats: false,
    };
}

/// Traffic counters of one megaflow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Packets that hit the flow.
    pub packets: u64,
    /// Bytes of those packets.
    pub bytes: u64,
    /// When the flow last forwarded a packet, in the datapath's millisecond clock (`None`:
    /// never). The time is whatever the caller passed in; the text form prints it relative to
    /// a `now` the caller also passes.
    pub used: Option<u64>,
    /// OR of the TCP flags of every packet (`flags:` in a dump).
    pub tcp_flags: u16,
}

/// One megaflow: its match, actions and counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpifFlow {
    /// The key. Bits outside `mask` may be set: like OVS, a flow installed from an upcall
    /// keeps the values of the packet that created it.
    pub key: Flow,
    /// Which bits of the key are significant.
    pub mask: FlowWildcards,
    /// The actions.
    pub actions: Vec<OdpAction>,
    /// The counters.
    pub stats: FlowStats,
}

/// Why a packet went to userspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpcallType {
    /// No megaflow matched.
    Miss,
    /// A `userspace()` action ran (packet-in to a controller, sFlow/IPFIX sample, slow path).
    Action,
}

/// A packet handed from the datapath to ofproto.
#[derive(Clone, Debug)]
pub struct Upcall {
    /// Miss or action.
    pub kind: UpcallType,
    /// The packet, as it was when the upcall happened (after any actions that ran before a
    /// `userspace()` action).
    pub packet: PacketBuf,
    /// The packet's flow key (extracted with its metadata: in port, recirculation id, marks,
    /// conntrack state).
    pub key: Flow,
    /// The datapath port the packet arrived on.
    pub in_port: OdpPort,
    /// For `Action` upcalls, the cookie of the `userspace()` action.
    pub userdata: Option<UserspaceCookie>,
    /// For `Action` upcalls whose action asked for them, the actions of the flow that sent it
    /// (OVS's "actions" flag, used by `controller(continuation)` and sampling).
    pub actions: Option<Vec<OdpAction>>,
    /// For `userspace(..., tunnel_out_port=N)`: the tunnel port the packet is going out of.
    pub egress_port: Option<OdpPort>,
}

/// Datapath-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DpifStats {
    /// Packets that matched a megaflow.
    pub hit: u64,
    /// Packets that matched no megaflow (each caused an upcall attempt).
    pub missed: u64,
    /// Upcalls dropped because the upcall queue was full.
    pub lost: u64,
    /// Megaflows installed now.
    pub flows: u64,
    /// Total masks visited by lookups (`masks:hit` in `dpctl/show`); `None` if not tracked.
    pub mask_hit: Option<u64>,
    /// Distinct masks in the megaflow table now (`masks:total`).
    pub n_masks: Option<u64>,
}

/// The datapath interface. See the module documentation for when each method is called and
/// what its failures mean.
pub trait Dpif: Send + Sync {
    /// The datapath's name (e.g. `ovs-netdev`).
    fn name(&self) -> &str;

    /// The datapath type (`netdev`, `dummy`).
    fn dp_type(&self) -> &str;

    /// Adds a port named `name` of type `port_type`, using `port_no` if given; returns the
    /// number it got.
    fn port_add(
        &self,
        name: &str,
        port_type: &str,
        port_no: Option<OdpPort>,
    ) -> Result<OdpPort, DpifError>;

    /// Removes a port.
    fn port_del(&self, port_no: OdpPort) -> Result<(), DpifError>;

    /// Looks a port up by number.
    fn port_query_by_number(&self, port_no: OdpPort) -> Result<DpifPort, DpifError>;

    /// Looks a port up by name.
    fn port_query_by_name(&self, name: &str) -> Result<DpifPort, DpifError>;

    /// Every port, in port-number order.
    fn port_dump(&self) -> Vec<DpifPort>;

    /// Installs or modifies a megaflow. Returns the previous statistics when an existing flow
    /// was modified.
    fn flow_put(
        &self,
        key: &Flow,
        mask: &FlowWildcards,
        actions: &[OdpAction],
        flags: FlowPutFlags,
    ) -> Result<Option<FlowStats>, DpifError>;

    /// Deletes the megaflow with exactly this key and mask; returns its final statistics.
    fn flow_del(&self, key: &Flow, mask: &FlowWildcards) -> Result<FlowStats, DpifError>;

    /// Reads the megaflow with exactly this key and mask.
    fn flow_get(&self, key: &Flow, mask: &FlowWildcards) -> Result<DpifFlow, DpifError>;

    /// A snapshot of every megaflow with statistics.
    fn flow_dump(&self) -> Vec<DpifFlow>;

    /// Deletes every megaflow.
    fn flow_flush(&self) -> Result<(), DpifError>;

    /// Runs `actions` on `packet`, whose metadata (in port, marks, conntrack state, recirc id)
    /// is in `md`.
    fn execute(
        &self,
        packet: PacketBuf,
        md: &crate::execute::PacketMetadata,
        actions: &[OdpAction],
    ) -> Result<(), DpifError>;

    /// Takes the next queued upcall, if any (never blocks).
    fn recv(&self) -> Result<Option<Upcall>, DpifError>;

    /// Blocks until an upcall is queued, [`Dpif::recv_wake`] is called or `timeout_ms`
    /// milliseconds pass; returns whether an upcall may be ready.
    fn recv_wait(&self, timeout_ms: u64) -> bool;

    /// Wakes every thread blocked in [`Dpif::recv_wait`].
    fn recv_wake(&self);

    /// Datapath-wide counters.
    fn stats(&self) -> DpifStats;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + ?Sized>() {}

    #[test]
    fn dpif_is_object_safe_and_shareable() {
        // Compiles only if `Dpif` is object-safe and `dyn Dpif` can be shared across
        // threads (as ofproto's handler threads and the poll threads do).
        assert_send_sync::<dyn Dpif>();
        let _: Option<std::sync::Arc<dyn Dpif>> = None;
        assert_send_sync::<Upcall>();
    }
}
