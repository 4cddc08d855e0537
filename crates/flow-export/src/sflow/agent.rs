//! The sFlow agent of one bridge: sequence numbers, sampling, polling and batching.
//!
//! The daemon owns one [`SflowAgent`] per bridge with sFlow configured. It
//! feeds the agent with sampled packets ([`SflowAgent::add_packet_sample`])
//! and with counters when the polling schedule says they are due
//! ([`SflowAgent::due_polls`], then [`SflowAgent::add_counter_sample`]), and
//! once a second (or whenever it likes) calls [`SflowAgent::flush`] to get the
//! datagrams to send to every target. Nothing here reads a clock: every call
//! that needs the time takes `now_ms`, a monotonic millisecond count.
//!
//! Behaviour follows Open vSwitch:
//! * flow samples come from one bridge-wide sampler (source class 2, index
//!   1000); its sequence number counts samples from 1, and its sample pool is
//!   advanced by the sampling rate for every sample (the datapath does the
//!   random 1-in-N choice and does not report the exact pool);
//! * each port has a poller (source class 0, index = ifIndex) with its own
//!   sequence number starting at 1, and the bridge has a poller for its
//!   global records; a polling interval of 0 disables polling;
//! * datagram sequence numbers start at 1 and the uptime is counted from the
//!   agent's creation (reconfiguring sFlow in Open vSwitch restarts both);
//! * samples are packed into datagrams of at most 1400 bytes: when the next
//!   sample would not fit, the current datagram is closed first.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::error::ExportError;
use crate::sflow::records::{
    encode_counter_sample, encode_flow_sample, CounterRecord, CounterSample, ExtendedSwitch,
    FlowRecord, FlowSample, SampleFormat, SampledHeader,
};
use crate::sflow::{
    encode_datagram, DataSource, DatagramHeader, SflowInterface, BRIDGE_SOURCE_INDEX,
    DEFAULT_HEADER_BYTES, DEFAULT_MAX_DATAGRAM, DEFAULT_POLLING_INTERVAL, DEFAULT_SAMPLING_RATE,
    MAX_HEADER_BYTES, MIN_DATAGRAM_SIZE,
};

/// Configuration of one bridge's sFlow agent (the `sFlow` table row plus the resolved agent address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SflowConfig {
    /// Agent address reported to collectors (resolved by the caller from `agent`).
    pub agent: IpAddr,
    /// Sub-agent id.
    pub sub_agent_id: u32,
    /// 1-in-N sampling rate (`sampling`).
    pub sampling_rate: u32,
    /// Bytes of each sampled packet to send (`header`).
    pub header_bytes: u32,
    /// Counter polling interval in seconds (`polling`); 0 disables polling.
    pub polling_interval: u32,
    /// Maximum datagram size in bytes.
    pub max_datagram: usize,
    /// Compact (as Open vSwitch) or expanded sample formats.
    pub sample_format: SampleFormat,
}

impl SflowConfig {
    /// A configuration with Open vSwitch's defaults for everything but the agent address.
    pub fn new(agent: IpAddr) -> Self {
        SflowConfig {
            agent,
            sub_agent_id: 0,
            sampling_rate: DEFAULT_SAMPLING_RATE,
            header_bytes: DEFAULT_HEADER_BYTES,
            polling_interval: DEFAULT_POLLING_INTERVAL,
            max_datagram: DEFAULT_MAX_DATAGRAM,
            sample_format: SampleFormat::Compact,
        }
    }

    /// Checks the ranges the agent relies on.
    pub fn validate(&self) -> Result<(), ExportError> {
        if self.sampling_rate == 0 {
            return Err(ExportError::ZeroSamplingRate);
        }
        if self.header_bytes == 0 || self.header_bytes > MAX_HEADER_BYTES {
            return Err(ExportError::HeaderBytesOutOfRange(self.header_bytes));
        }
        if self.max_datagram < MIN_DATAGRAM_SIZE {
            return Err(ExportError::DatagramSizeTooSmall(self.max_datagram));
        }
        Ok(())
    }
}

/// A sampled packet as the datapath hands it to the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSample<'a> {
    /// The Ethernet frame as received (without FCS); only the first
    /// `header_bytes` are copied.
    pub frame: &'a [u8],
    /// Input interface (normally `SflowInterface::Index(ifindex)`).
    pub input: SflowInterface,
    /// Output interface(s); see [`SflowInterface::from_outputs`].
    pub output: SflowInterface,
    /// VLAN information; `None` derives it from the frame's 802.1Q tag.
    pub switch: Option<ExtendedSwitch>,
    /// Further records (e.g. tunnel records), placed before the standard ones.
    pub extra: Vec<FlowRecord<'a>>,
}

/// Which poller a due poll or a counter sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PollTarget {
    /// The bridge-wide data source (application and datapath records).
    Bridge,
    /// A port by ifIndex.
    Port(u32),
}

#[derive(Debug, Clone)]
struct Poller {
    sequence: u32,
    next_due_ms: u64,
}

/// sFlow agent state for one bridge.
#[derive(Debug, Clone)]
pub struct SflowAgent {
    config: SflowConfig,
    boot_ms: u64,
    datagram_sequence: u32,
    flow_sequence: u32,
    sample_pool: u32,
    drops: u32,
    bridge_source: DataSource,
    bridge_poller: Poller,
    ports: BTreeMap<u32, Poller>,
    pending: Vec<Vec<u8>>,
    pending_len: usize,
    ready: Vec<Vec<u8>>,
}

impl SflowAgent {
    /// Starts an agent at time `now_ms` (its uptime origin).
    pub fn new(config: SflowConfig, now_ms: u64) -> Result<Self, ExportError> {
        config.validate()?;
        let bridge_source =
            DataSource::physical_entity(BRIDGE_SOURCE_INDEX.saturating_add(config.sub_agent_id));
        let first = Self::first_due(&config, now_ms, 0);
        Ok(SflowAgent {
            config,
            boot_ms: now_ms,
            datagram_sequence: 0,
            flow_sequence: 0,
            sample_pool: 0,
            drops: 0,
            bridge_source,
            bridge_poller: Poller {
                sequence: 0,
                next_due_ms: first,
            },
            ports: BTreeMap::new(),
            pending: Vec::new(),
            pending_len: 0,
            ready: Vec::new(),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &SflowConfig {
        &self.config
    }

    /// The bridge-wide data source used for flow samples and global counters.
    pub fn bridge_source(&self) -> DataSource {
        self.bridge_source
    }

    /// The current sample pool of the bridge sampler.
    pub fn sample_pool(&self) -> u32 {
        self.sample_pool
    }

    /// The first poll is spread over the interval by the ifIndex so that
    /// ports are not all polled in the same second.
    fn first_due(config: &SflowConfig, now_ms: u64, spread: u32) -> u64 {
        if config.polling_interval == 0 {
            return u64::MAX;
        }
        let secs = u64::from(spread % config.polling_interval) + 1;
        now_ms.saturating_add(secs * 1000)
    }

    /// Adds a port data source (idempotent); polling for it starts within one interval.
    pub fn add_port(&mut self, if_index: u32, now_ms: u64) {
        let due = Self::first_due(&self.config, now_ms, if_index);
        self.ports.entry(if_index).or_insert(Poller {
            sequence: 0,
            next_due_ms: due,
        });
    }

    /// Removes a port data source; returns whether it existed.
    pub fn remove_port(&mut self, if_index: u32) -> bool {
        self.ports.remove(&if_index).is_some()
    }

    /// Port ifIndexes currently known.
    pub fn ports(&self) -> impl Iterator<Item = u32> + '_ {
        self.ports.keys().copied()
    }

    /// Counts samples the switch had to drop (e.g. upcall queue full).
    pub fn add_drops(&mut self, n: u32) {
        self.drops = self.drops.wrapping_add(n);
    }

    /// Records one sampled packet as a flow sample.
    pub fn add_packet_sample(
        &mut self,
        sample: &PacketSample<'_>,
        now_ms: u64,
    ) -> Result<(), ExportError> {
        let switch = sample
            .switch
            .unwrap_or_else(|| ExtendedSwitch::from_frame(sample.frame));
        let mut records = sample.extra.clone();
        records.push(FlowRecord::ExtendedSwitch(switch));
        records.push(FlowRecord::SampledHeader(SampledHeader::ethernet(
            sample.frame,
            self.config.header_bytes,
        )));
        let flow = FlowSample {
            sequence: self.flow_sequence.wrapping_add(1),
            source: self.bridge_source,
            sampling_rate: self.config.sampling_rate,
            sample_pool: self.sample_pool.wrapping_add(self.config.sampling_rate),
            drops: self.drops,
            input: sample.input,
            output: sample.output,
            records,
        };
        let bytes = encode_flow_sample(&flow, self.config.sample_format)?;
        self.push_sample(bytes, now_ms)?;
        self.flow_sequence = flow.sequence;
        self.sample_pool = flow.sample_pool;
        Ok(())
    }

    /// Returns the pollers whose counters are due at `now_ms` and advances their schedules.
    /// The caller answers each with [`SflowAgent::add_counter_sample`].
    pub fn due_polls(&mut self, now_ms: u64) -> Vec<PollTarget> {
        let interval_ms = u64::from(self.config.polling_interval) * 1000;
        let mut due = Vec::new();
        let advance = |p: &mut Poller| {
            // Keep the phase; if far behind (daemon stalled), restart from now.
            p.next_due_ms = p.next_due_ms.saturating_add(interval_ms);
            if p.next_due_ms <= now_ms {
                p.next_due_ms = now_ms.saturating_add(interval_ms);
            }
        };
        if interval_ms == 0 {
            return due;
        }
        if self.bridge_poller.next_due_ms <= now_ms {
            advance(&mut self.bridge_poller);
            due.push(PollTarget::Bridge);
        }
        for (idx, p) in &mut self.ports {
            if p.next_due_ms <= now_ms {
                advance(p);
                due.push(PollTarget::Port(*idx));
            }
        }
        due
    }

    /// When the next poll falls due (for the daemon's timer), if polling is enabled.
    pub fn next_poll_ms(&self) -> Option<u64> {
        let next = self
            .ports
            .values()
            .map(|p| p.next_due_ms)
            .chain(std::iter::once(self.bridge_poller.next_due_ms))
            .min()?;
        (next != u64::MAX).then_some(next)
    }

    /// Records a counter sample for `target` with the given records (in wire order).
    pub fn add_counter_sample(
        &mut self,
        target: PollTarget,
        records: Vec<CounterRecord<'_>>,
        now_ms: u64,
    ) -> Result<(), ExportError> {
        let (source, seq) = match target {
            PollTarget::Bridge => (self.bridge_source, self.bridge_poller.sequence),
            PollTarget::Port(i) => {
                let p = self.ports.get(&i).ok_or(ExportError::NoSuchPort(i))?;
                (DataSource::if_index(i), p.sequence)
            }
        };
        let sample = CounterSample {
            sequence: seq.wrapping_add(1),
            source,
            records,
        };
        let bytes = encode_counter_sample(&sample, self.config.sample_format)?;
        self.push_sample(bytes, now_ms)?;
        match target {
            PollTarget::Bridge => self.bridge_poller.sequence = sample.sequence,
            PollTarget::Port(i) => {
                if let Some(p) = self.ports.get_mut(&i) {
                    p.sequence = sample.sequence;
                }
            }
        }
        Ok(())
    }

    fn header_len(&self) -> usize {
        match self.config.agent {
            IpAddr::V4(_) => 28,
            IpAddr::V6(_) => 40,
        }
    }

    fn push_sample(&mut self, bytes: Vec<u8>, now_ms: u64) -> Result<(), ExportError> {
        let header = self.header_len();
        if header + bytes.len() > self.config.max_datagram {
            return Err(ExportError::SampleTooLarge {
                size: bytes.len(),
                max: self.config.max_datagram,
            });
        }
        if header + self.pending_len + bytes.len() > self.config.max_datagram {
            self.close_datagram(now_ms)?;
        }
        self.pending_len += bytes.len();
        self.pending.push(bytes);
        Ok(())
    }

    fn close_datagram(&mut self, now_ms: u64) -> Result<(), ExportError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let header = DatagramHeader {
            agent: self.config.agent,
            sub_agent_id: self.config.sub_agent_id,
            sequence: self.datagram_sequence.wrapping_add(1),
            uptime_ms: now_ms.saturating_sub(self.boot_ms) as u32,
        };
        let dgram = encode_datagram(&header, &self.pending)?;
        self.datagram_sequence = header.sequence;
        self.pending.clear();
        self.pending_len = 0;
        self.ready.push(dgram);
        Ok(())
    }

    /// Closes the datagram being filled and returns every finished datagram, oldest first.
    pub fn flush(&mut self, now_ms: u64) -> Result<Vec<Vec<u8>>, ExportError> {
        self.close_datagram(now_ms)?;
        Ok(std::mem::take(&mut self.ready))
    }

    /// Whether samples are waiting to be sent.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || !self.ready.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn agent(rate: u32, polling: u32) -> SflowAgent {
        let mut c = SflowConfig::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        c.sampling_rate = rate;
        c.polling_interval = polling;
        SflowAgent::new(c, 5_000).unwrap()
    }

    fn frame(len: usize) -> Vec<u8> {
        let mut f = vec![0u8; len];
        f[12] = 0x08;
        f
    }

    fn u32_at(b: &[u8], o: usize) -> u32 {
        u32::from_be_bytes(b[o..o + 4].try_into().unwrap())
    }

    #[test]
    fn config_validation() {
        let base = SflowConfig::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(base.validate().is_ok());
        assert_eq!(
            SflowConfig {
                sampling_rate: 0,
                ..base.clone()
            }
            .validate(),
            Err(ExportError::ZeroSamplingRate)
        );
        assert!(SflowConfig {
            header_bytes: 0,
            ..base.clone()
        }
        .validate()
        .is_err());
        assert!(SflowConfig {
            max_datagram: 100,
            ..base
        }
        .validate()
        .is_err());
    }

    #[test]
    fn samples_are_numbered_and_pool_advances_by_rate() {
        let mut a = agent(4, 30);
        let f = frame(118);
        for _ in 0..3 {
            let s = PacketSample {
                frame: &f,
                input: SflowInterface::Index(1001),
                output: SflowInterface::Multiple(2),
                switch: None,
                extra: vec![],
            };
            a.add_packet_sample(&s, 6_000).unwrap();
        }
        let d = a.flush(6_500).unwrap();
        assert_eq!(d.len(), 1);
        let d = &d[0];
        assert_eq!(u32_at(d, 16), 1); // datagram sequence
        assert_eq!(u32_at(d, 20), 1_500); // uptime
        assert_eq!(u32_at(d, 24), 3); // samples
                                      // Second sample: 28 + 8 + 92 + 8 + 136 = ..., check seq and pool.
        let sample_len = 8 + u32_at(d, 32) as usize;
        let s2 = 28 + sample_len;
        assert_eq!(u32_at(d, s2 + 8), 2);
        assert_eq!(u32_at(d, s2 + 20), 8);
        assert_eq!(a.sample_pool(), 12);
        assert!(a.flush(7_000).unwrap().is_empty());
    }

    #[test]
    fn datagrams_stay_under_the_maximum() {
        let mut a = agent(1, 30);
        let f = frame(1500);
        for _ in 0..20 {
            let s = PacketSample {
                frame: &f,
                input: SflowInterface::Index(1),
                output: SflowInterface::Index(2),
                switch: None,
                extra: vec![],
            };
            a.add_packet_sample(&s, 5_000).unwrap();
        }
        let out = a.flush(5_000).unwrap();
        // Each sample: 8 + 32 + 24 + 8 + 16 + 128 = 216; 6 fit in 1400 (28 + 6 * 216 = 1324).
        assert_eq!(out.len(), 4);
        let mut seqs = Vec::new();
        let mut total = 0;
        for d in &out {
            assert!(d.len() <= 1400);
            seqs.push(u32_at(d, 16));
            total += u32_at(d, 24);
        }
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(total, 20);
        assert_eq!(u32_at(&out[0], 24), 6);
    }

    #[test]
    fn polling_schedule() {
        let mut a = agent(1, 10);
        a.add_port(3, 5_000); // first due at 5_000 + (3 % 10 + 1) s = 9_000
        a.add_port(12, 5_000); // 5_000 + 3 s = 8_000
        assert_eq!(a.next_poll_ms(), Some(6_000)); // bridge: +1 s
        assert_eq!(a.due_polls(5_999), vec![]);
        assert_eq!(a.due_polls(6_000), vec![PollTarget::Bridge]);
        assert_eq!(
            a.due_polls(9_000),
            vec![PollTarget::Port(3), PollTarget::Port(12)]
        );
        assert_eq!(a.due_polls(9_500), vec![]);
        assert_eq!(a.due_polls(16_000), vec![PollTarget::Bridge]);
        assert_eq!(a.due_polls(18_000), vec![PollTarget::Port(12)]);
        // A long stall: one poll, then the schedule restarts from now.
        assert_eq!(a.due_polls(100_000).len(), 3);
        assert_eq!(a.next_poll_ms(), Some(110_000));
        assert!(a.remove_port(3));
        assert!(!a.remove_port(3));
        assert_eq!(
            a.add_counter_sample(PollTarget::Port(3), vec![], 100_000),
            Err(ExportError::NoSuchPort(3))
        );
        a.add_counter_sample(PollTarget::Port(12), vec![], 100_000)
            .unwrap();
        a.add_counter_sample(PollTarget::Port(12), vec![], 100_000)
            .unwrap();
        let d = a.flush(100_000).unwrap();
        assert_eq!(u32_at(&d[0], 28 + 8), 1);
        assert_eq!(u32_at(&d[0], 28 + 20 + 8), 2);
        assert_eq!(u32_at(&d[0], 28 + 20 + 12), 12);

        let mut off = agent(1, 0);
        off.add_port(1, 0);
        assert_eq!(off.due_polls(u64::MAX - 1), vec![]);
        assert_eq!(off.next_poll_ms(), None);
    }

    #[test]
    fn oversized_sample_is_rejected_without_side_effects() {
        let mut a = agent(1, 30);
        let name = "n".repeat(255);
        let recs: Vec<CounterRecord<'_>> = (0..6).map(|_| CounterRecord::PortName(&name)).collect();
        a.add_port(1, 0);
        assert!(matches!(
            a.add_counter_sample(PollTarget::Port(1), recs, 0),
            Err(ExportError::SampleTooLarge { .. })
        ));
        assert!(!a.has_pending());
        a.add_counter_sample(PollTarget::Port(1), vec![], 0)
            .unwrap();
        let d = a.flush(0).unwrap();
        assert_eq!(u32_at(&d[0], 36), 1);
    }
}
