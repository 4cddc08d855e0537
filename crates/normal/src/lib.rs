//! The OpenFlow `NORMAL` action: an 802.1D learning switch with VLANs, as Open vSwitch's
//! bridge implements it.
//!
//! The crate is pure (no I/O, no clock: time is passed in as milliseconds) and is built from
//! three layers:
//!
//! * [`mac_table`]: the MAC learning table ([`MacTable`]) with aging, bounded size and fair
//!   eviction, move detection, gratuitous-ARP locking, flood VLANs, flushes, a revision
//!   counter for cache revalidation, and the `fdb/show` / `fdb/stats-show` printers;
//! * [`vlan`]: port VLAN semantics ([`PortVlan`]) for `access`, `trunk`, `native-tagged`,
//!   `native-untagged` and `dot1q-tunnel` ports, priority tags and QinQ;
//! * [`mod@normal`]: the decision itself ([`xlate_normal`]): admission, learning, lookup,
//!   flooding within the VLAN, the per-output VLAN headers, the flow bits consulted and the
//!   `ofproto/trace` explanation.
//!
//! A fake bridge (`ovs-vsctl add-br fake parent VLAN`) needs no special support: its ports
//! are access ports of its VLAN on the parent bridge, and its internal port likewise.
//!
//! Behaviour was checked against Open vSwitch 3.1 by `tests/oracle.rs`, which replays the
//! scenarios recorded by `tests/data/gen_scenarios.py` from a real `ovs-vswitchd`.

pub mod mac;
pub mod mac_table;
pub mod normal;
pub mod vlan;

pub use mac::{format_mac, is_broadcast, is_multicast, is_reserved, parse_mac};
pub use mac_table::{LearnOutcome, MacEntryInfo, MacStats, MacTable};
pub use normal::{
    bond_admissibility, is_gratuitous_arp, xlate_normal, xlate_normal_input, BondMode, BondVerdict,
    BridgeConfig, BundleConfig, Decision, DropReason, NormalInput, Output,
};
pub use vlan::{PortVlan, PortVlanSettings, PriorityTags, VlanDrop, VlanHdr, VlanMode, XVlan};
