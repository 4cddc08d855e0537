//! Flow export for ferroswitch: sFlow v5 and NetFlow v5, as pure engines.
//!
//! Open vSwitch users configure sFlow (`sFlow` table: `agent`, `targets`,
//! `header`, `sampling`, `polling`) and NetFlow (`NetFlow` table: `targets`,
//! `engine_type`, `engine_id`, `active_timeout`, `add_id_to_interface`) and
//! read the result with standard collectors (sflowtool, Wireshark, nfdump).
//! This crate produces byte-for-byte the datagrams such collectors expect,
//! with the field choices Open vSwitch makes, and leaves all I/O to the
//! daemon: no sockets, no clocks, no randomness. The daemon passes in the
//! time, the random numbers for sampling decisions and the counters, and
//! sends the datagrams the engines return to every configured target.
//!
//! * [`sflow`] — sFlow datagram, sample and record encoders
//!   ([`sflow::records`]) and the per-bridge agent with its sequence numbers,
//!   polling scheduler and 1400-byte batching ([`sflow::agent`]).
//! * [`sampler`] — the random 1-in-N sampling decision of the datapath
//!   `sample` action, with an exact sample-pool count.
//! * [`netflow`] — the NetFlow v5 encoder and the flow table that turns
//!   datapath statistics into records on active timeout and flow removal
//!   ([`netflow::exporter`]).

pub mod error;
pub mod netflow;
pub mod sampler;
pub mod sflow;
mod xdr;

pub use error::ExportError;
pub use netflow::exporter::{
    ActiveTimeout, FlowKey, FlowUpdate, NetflowConfig, NetflowExporter, NetflowOutput,
    NetflowVersion,
};
pub use netflow::v9::{encode_v9, V9Header};
pub use netflow::{encode_v5, V5Header, V5Record};
pub use sampler::PacketSampler;
pub use sflow::agent::{PacketSample, PollTarget, SflowAgent, SflowConfig};
pub use sflow::records::{
    encode_counter_sample, encode_flow_sample, AppResources, CounterRecord, CounterSample,
    EthernetCounters, ExtendedMpls, ExtendedSwitch, FlowRecord, FlowSample,
    GenericInterfaceCounters, OvsDpStats, SampleFormat, SampledHeader, SampledIpv4,
};
pub use sflow::{encode_datagram, DataSource, DatagramHeader, SflowInterface};
