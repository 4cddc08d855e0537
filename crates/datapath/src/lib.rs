//! The userspace datapath of ferroswitch (Open vSwitch's `ovs-netdev`): ports, poll-mode
//! driver (PMD) threads, an exact-match cache and a megaflow cache per PMD, inline upcalls,
//! and the [`dpif::Dpif`] interface ofproto drives it through.
//!
//! # Shape
//!
//! One [`Datapath`] per process holds every bridge's ports (port 0 is the local port of the
//! first bridge, see [`ports`]). It runs `n_pmds` plain `std::thread`s. Each PMD polls the
//! receive queues dealt to it (ports in number order, round-robin) and, for every batch of up
//! to 32 frames:
//!
//! 1. extracts each frame's [`flow::Flow`] (no allocation);
//! 2. looks it up in its exact-match cache (EMC: 8192 entries keyed by a hash of every flow
//!    word) and, failing that, in its megaflow table (a [`classifier::Classifier`] used for
//!    exact matches on each megaflow's mask);
//! 3. on a hit, credits the megaflow's counters and runs its actions: a megaflow whose actions
//!    are only outputs queues the received frame itself (no copy); anything else runs
//!    [`dpif::execute_actions`] on a copy. Outputs are collected per port and sent with one
//!    `send_batch` per port per batch. GSO super-packets and partial checksums received from
//!    offloading ports are passed through to ports that accept them and segmented /
//!    completed in software for ports that do not;
//! 4. on a miss, calls the registered [`UpcallHandler`] inline, in the PMD thread (as OVS's
//!    dpif-netdev does): the handler returns actions, wildcards and whether to install; the
//!    datapath installs the megaflow (key under the wildcards, with `in_port` and `recirc_id`
//!    forced exact) unless the PMD already holds its limit (default 10,000), then executes.
//!    Without a handler, a miss becomes a [`dpif::Upcall`] on the bounded
//!    [`dpif::UpcallQueue`] behind [`dpif::Dpif::recv`]; `userspace()` actions (controller,
//!    sFlow) always go there.
//!
//! An idle PMD (nothing received for a few dozen polling rounds) sleeps in
//! [`netdev::wait_readable`] on its ports' receive descriptors plus a private wake-up socket,
//! so an idle switch uses no CPU.
//!
//! # Example
//!
//! ```
//! use datapath::{Datapath, DatapathConfig};
//! use dpif::{Dpif, FlowPutFlags, OdpAction};
//! use flow::{FieldId, Flow, FlowWildcards};
//!
//! let dp = Datapath::new("ovs-netdev", DatapathConfig::default())?;
//! let a = dp.port_add("doc-a", "dummy", None)?;
//! let b = dp.port_add("doc-b", "dummy", None)?;
//! // Everything from a goes to b (a megaflow matching in_port only).
//! let mut key = Flow::new();
//! key.set_in_port(a as u16);
//! let mut mask = FlowWildcards::catchall();
//! mask.set(FieldId::InPort, u128::MAX);
//! dp.flow_put(&key, &mask, &[OdpAction::Output(b)], FlowPutFlags::CREATE)?;
//!
//! let (ha, hb) = (netdev::dummy::handle_for("doc-a").unwrap(), netdev::dummy::handle_for("doc-b").unwrap());
//! let frame = [0xffu8; 60];
//! ha.inject(&frame);
//! let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
//! while hb.tx_pending() == 0 && std::time::Instant::now() < deadline {
//!     std::thread::yield_now();
//! }
//! assert_eq!(hb.take_tx()[0].data, frame);
//! assert_eq!(dp.flow_get(&key, &mask)?.stats.packets, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Per-PMD megaflow tables, and why
//!
//! Each PMD has its own megaflow table and EMC (as in Open vSwitch), behind a mutex that only
//! that PMD takes on the fast path: uncontended, it costs one atomic compare-and-swap and
//! one store per *batch*. The alternative — one shared table published as RCU-like `Arc`
//! snapshots — would make every installation (one per upcall) copy or rebuild the table, and
//! counters would need atomics per megaflow. With per-PMD tables the counters are plain
//! integers, installation is a local insert, and the control side folds the tables when it
//! reads (a megaflow installed by several PMDs is dumped once with summed counters).
//!
//! # Revalidation consistency
//!
//! A PMD holds its table's lock from the first lookup of a batch until that batch's frames
//! have been handed to `send_batch` (the upcall handler is called with the lock released, so
//! a handler may itself call `flow_put`). `flow_put`, `flow_del` and `flow_flush` take each
//! PMD's lock in turn and change its table (and stale its EMC: EMC entries name megaflows by
//! slab slot and generation, and a deleted megaflow's slot changes generation). Hence when
//! `flow_del` returns, every PMD either finished the batch that used the old megaflow before
//! the delete took its lock, or will start its next lookup after the delete released it and
//! cannot find the megaflow or any EMC entry for it: **no frame is forwarded by a deleted or
//! modified megaflow after the call returns**. The same holds for `flow_put` with
//! [`dpif::FlowPutFlags::modify`] (new actions) and `flow_flush`.
//!
//! Port removal works the same way one level up: the port tables are immutable snapshots
//! with a generation number that each PMD acknowledges at the start of a polling round, and
//! `port_del` waits for every PMD's acknowledgement (see [`ports`]).
//!
//! # Differences from Open vSwitch, and what is not done yet
//!
//! * Megaflows from `flow_put` are installed in every PMD's table (as OVS does for a put
//!   without a PMD id); `stats().flows` counts each PMD's copy, `flow_dump` folds the copies
//!   into one entry with summed counters (OVS lists one line per PMD).
//! * `in_port` and `recirc_id` are always exact in a megaflow's mask (forced on put, so
//!   `flow_get`/`flow_del` with the caller's mask still find it).
//! * The EMC takes every megaflow hit (OVS inserts with a configurable probability).
//! * Meters: token buckets shared by the PMDs, see [`meter`].
//! * Not done: conntrack (`ct` actions do nothing), `lb_output` bonds,
//!   tunnel ports, multi-queue ports and PMD CPU pinning. A miss queued for `recv` (no
//!   handler registered) loses the GSO description of a super-packet (a partial checksum is
//!   kept).

mod datapath;
mod flows;
pub mod meter;
mod pmd;
pub mod ports;

pub use datapath::{Datapath, DatapathConfig, DatapathStats, PmdStats};

use dpif::{OdpAction, OdpPort};
use flow::{Flow, FlowWildcards};
use packet::PacketBuf;

/// What an [`UpcallHandler`] decided for a packet that missed the megaflow cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpcallResult {
    /// Datapath actions for the packet (and the megaflow).
    pub actions: Vec<OdpAction>,
    /// Which bits of the packet's flow the decision depended on: the megaflow's mask.
    pub wildcards: FlowWildcards,
    /// Whether to install a megaflow (false: execute this packet only, e.g. for a slow-path
    /// decision that must see every packet).
    pub install: bool,
}

/// The owner of the datapath (ofproto) decides what to do with missed packets. Called inline
/// in the PMD thread that missed, without any datapath lock held, so it may call back into the
/// datapath (`flow_put`, `port_query`, ...). It must be quick: the PMD forwards nothing else
/// meanwhile. It should not call `port_add`/`port_del`: `port_del` waits for every PMD to
/// take the new port table, and the calling PMD cannot until the handler returns (the wait
/// gives up after 5 s).
pub trait UpcallHandler: Send + Sync {
    /// Decides for `packet` (whose extracted flow is `flow`) received on `in_port`.
    fn upcall(&self, packet: &PacketBuf, flow: &Flow, in_port: OdpPort) -> UpcallResult;
}
