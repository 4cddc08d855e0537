//! The `dummy` provider: an in-memory port for tests, the equivalent of what Open vSwitch's
//! `--enable-dummy` gives.
//!
//! A [`DummyNetdev`] has no kernel counterpart. Frames injected through its [`DummyHandle`]
//! (what `netdev-dummy/receive` does) are queued and returned by `recv_batch`; frames the
//! switch transmits are captured in a queue the test drains with [`DummyHandle::take_tx`].
//! An eventfd becomes readable whenever the receive queue is non-empty, so a dummy port sleeps
//! and wakes exactly like a real one. MTU, Ethernet address, administrative state and carrier
//! are plain values (carrier settable from the handle); statistics count what passed.
//!
//! Options (the Interface `options` column): `pcap=FILE` records received and transmitted
//! frames in one pcap file, `rxq_pcap=FILE` only received ones, `tx_pcap=FILE` only
//! transmitted ones; `mac=XX:XX:..`, `mtu=N`, `offload=true` (the port then accepts and passes
//! through virtio-net headers, as a tap with offloads would).
//!
//! Every open dummy port is registered by name so a control command can find it later
//! ([`handle_for`]); the entry goes away with the port.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::SystemTime;

use crate::batch::RxBatch;
use crate::error::{NetdevError, Result};
use crate::pcap::PcapWriter;
use crate::sys;
use crate::types::{MacAddr, NetdevKind, NetdevStats, Offloads, TxPacket, VnetHdr};
use crate::Netdev;

/// Frames queued for receive beyond this are dropped (and counted).
pub const MAX_RX_QUEUE: usize = 65_536;
static NEXT_IFINDEX: AtomicU32 = AtomicU32::new(1_000_000);

type Registry = Mutex<BTreeMap<String, Weak<Shared>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// A frame the switch transmitted on a dummy port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxFrame {
    /// The frame.
    pub data: Vec<u8>,
    /// Its virtio-net header, if any and not all zeroes.
    pub vnet: Option<VnetHdr>,
}

/// Options for a dummy port.
#[derive(Clone, Debug, Default)]
pub struct DummyOptions {
    /// Record received and transmitted frames here.
    pub pcap: Option<String>,
    /// Record received frames here.
    pub rxq_pcap: Option<String>,
    /// Record transmitted frames here.
    pub tx_pcap: Option<String>,
    /// Ethernet address (default: a random locally administered one).
    pub mac: Option<MacAddr>,
    /// MTU (default 1500).
    pub mtu: Option<u32>,
    /// Pass virtio-net headers through.
    pub offload: bool,
}

impl DummyOptions {
    /// Parses an Interface `options` map; unknown keys are rejected.
    pub fn from_map(options: &BTreeMap<String, String>) -> Result<DummyOptions> {
        let mut o = DummyOptions::default();
        for (k, v) in options {
            match k.as_str() {
                "pcap" => o.pcap = Some(v.clone()),
                "rxq_pcap" => o.rxq_pcap = Some(v.clone()),
                "tx_pcap" => o.tx_pcap = Some(v.clone()),
                "mac" => o.mac = Some(v.parse()?),
                "mtu" => {
                    o.mtu = Some(v.parse().map_err(|_| {
                        NetdevError::InvalidArgument(format!("mtu={v}: not a number"))
                    })?)
                }
                "offload" => o.offload = v == "true",
                _ => {
                    return Err(NetdevError::InvalidArgument(format!(
                        "{k}: unknown option for dummy ports"
                    )))
                }
            }
        }
        Ok(o)
    }
}

#[derive(Debug)]
struct State {
    rxq: VecDeque<(Vec<u8>, Option<VnetHdr>)>,
    txq: VecDeque<TxFrame>,
    mtu: u32,
    mac: MacAddr,
    up: bool,
    carrier: bool,
    stats: NetdevStats,
    pcap: Option<PcapWriter<File>>,
    rx_pcap: Option<PcapWriter<File>>,
    tx_pcap: Option<PcapWriter<File>>,
}

#[derive(Debug)]
struct Shared {
    name: String,
    state: Mutex<State>,
    event: File,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn signal(&self) {
        let _ = (&self.event).write(&1u64.to_ne_bytes());
    }

    fn drain_signal(&self) {
        let mut b = [0u8; 8];
        let _ = (&self.event).read(&mut b);
    }
}

fn open_pcap(name: &str, path: &Option<String>) -> Result<Option<PcapWriter<File>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let f = File::create(path).map_err(|e| NetdevError::Io {
        name: name.to_string(),
        op: "open pcap file",
        source: e,
    })?;
    PcapWriter::new(f)
        .map(Some)
        .map_err(|e| NetdevError::io(name, "write pcap header", e))
}

fn random_mac(ifindex: u32) -> MacAddr {
    // Locally administered unicast, unique per port within the process.
    let pid = std::process::id();
    let b = ifindex.to_be_bytes();
    MacAddr([0xaa, 0x55, (pid & 0xff) as u8, b[1], b[2], b[3]])
}

/// An in-memory port; see the module docs.
#[derive(Debug)]
pub struct DummyNetdev {
    shared: Arc<Shared>,
    ifindex: u32,
    offload: bool,
}

/// The test's side of a dummy port: inject frames, read what was transmitted.
#[derive(Clone, Debug)]
pub struct DummyHandle {
    shared: Arc<Shared>,
}

/// The handle of the open dummy port called `name`, if any.
pub fn handle_for(name: &str) -> Option<DummyHandle> {
    let reg = registry().lock().unwrap_or_else(|p| p.into_inner());
    reg.get(name)
        .and_then(Weak::upgrade)
        .map(|shared| DummyHandle { shared })
}

impl DummyNetdev {
    /// Creates dummy port `name` (administratively up, with carrier).
    pub fn open(name: &str, opts: &DummyOptions) -> Result<DummyNetdev> {
        if name.is_empty() {
            return Err(NetdevError::InvalidArgument("empty port name".into()));
        }
        let ifindex = NEXT_IFINDEX.fetch_add(1, Ordering::Relaxed);
        let event =
            File::from(sys::eventfd().map_err(|e| NetdevError::io(name, "create eventfd", e))?);
        let state = State {
            rxq: VecDeque::new(),
            txq: VecDeque::new(),
            mtu: opts.mtu.unwrap_or(1500),
            mac: opts.mac.unwrap_or_else(|| random_mac(ifindex)),
            up: true,
            carrier: true,
            stats: NetdevStats::default(),
            pcap: open_pcap(name, &opts.pcap)?,
            rx_pcap: open_pcap(name, &opts.rxq_pcap)?,
            tx_pcap: open_pcap(name, &opts.tx_pcap)?,
        };
        let shared = Arc::new(Shared {
            name: name.to_string(),
            state: Mutex::new(state),
            event,
        });
        registry()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), Arc::downgrade(&shared));
        Ok(DummyNetdev {
            shared,
            ifindex,
            offload: opts.offload,
        })
    }

    /// The test-side handle.
    pub fn handle(&self) -> DummyHandle {
        DummyHandle {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for DummyNetdev {
    fn drop(&mut self) {
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        if reg
            .get(&self.shared.name)
            .is_some_and(|w| w.as_ptr() == Arc::as_ptr(&self.shared))
        {
            reg.remove(&self.shared.name);
        }
    }
}

impl DummyHandle {
    /// Queues `frame` for the switch to receive. Returns false if it was dropped (port down,
    /// or queue full).
    pub fn inject(&self, frame: &[u8]) -> bool {
        self.inject_with(frame, None)
    }

    /// Queues a frame with a virtio-net header.
    pub fn inject_with(&self, frame: &[u8], vnet: Option<VnetHdr>) -> bool {
        let mut st = self.shared.lock();
        if !st.up || !st.carrier || st.rxq.len() >= MAX_RX_QUEUE {
            st.stats.rx_dropped += 1;
            return false;
        }
        st.rxq.push_back((frame.to_vec(), vnet));
        self.shared.signal();
        true
    }

    /// Removes and returns every transmitted frame captured so far.
    pub fn take_tx(&self) -> Vec<TxFrame> {
        self.shared.lock().txq.drain(..).collect()
    }

    /// How many transmitted frames are waiting in the capture queue.
    pub fn tx_pending(&self) -> usize {
        self.shared.lock().txq.len()
    }

    /// Sets the carrier (link) state.
    pub fn set_carrier(&self, carrier: bool) {
        self.shared.lock().carrier = carrier;
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }
}

impl Netdev for DummyNetdev {
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn kind(&self) -> NetdevKind {
        NetdevKind::Dummy
    }

    fn ifindex(&self) -> Result<u32> {
        Ok(self.ifindex)
    }

    fn recv_batch(&self, batch: &mut RxBatch) -> Result<usize> {
        batch.clear();
        let mut guard = self.shared.lock();
        let st = &mut *guard;
        let now = SystemTime::now();
        while batch.len() < batch.capacity() {
            let Some((frame, vnet)) = st.rxq.pop_front() else {
                break;
            };
            let vnet = if self.offload { vnet } else { None };
            if !batch.push_copy(&frame, vnet) {
                st.stats.rx_errors += 1;
                continue;
            }
            st.stats.rx_packets += 1;
            st.stats.rx_bytes += frame.len() as u64;
            if let Some(w) = st.rx_pcap.as_mut().or(st.pcap.as_mut()) {
                let _ = w.write_packet(now, &frame);
            }
        }
        if st.rxq.is_empty() {
            self.shared.drain_signal();
        }
        Ok(batch.len())
    }

    fn send_batch(&self, pkts: &[TxPacket<'_>]) -> Result<usize> {
        let mut guard = self.shared.lock();
        let st = &mut *guard;
        let now = SystemTime::now();
        let max = st.mtu as usize + 18;
        let mut sent = 0;
        for p in pkts {
            let gso = p.vnet.is_some_and(|v| v.is_gso());
            if !st.up || !st.carrier || (!self.offload && p.needs_offload()) {
                st.stats.tx_dropped += 1;
                continue;
            }
            if p.data.len() > max && !gso {
                st.stats.tx_errors += 1;
                continue;
            }
            st.stats.tx_packets += 1;
            st.stats.tx_bytes += p.data.len() as u64;
            if let Some(w) = st.tx_pcap.as_mut().or(st.pcap.as_mut()) {
                let _ = w.write_packet(now, p.data);
            }
            st.txq.push_back(TxFrame {
                data: p.data.to_vec(),
                vnet: p.vnet.filter(|v| !v.is_plain()),
            });
            sent += 1;
        }
        Ok(sent)
    }

    fn rx_fd(&self) -> BorrowedFd<'_> {
        self.shared.event.as_fd()
    }

    fn mtu(&self) -> Result<u32> {
        Ok(self.shared.lock().mtu)
    }

    fn set_mtu(&self, mtu: u32) -> Result<()> {
        if !(68..=65535).contains(&mtu) {
            return Err(NetdevError::InvalidArgument(format!(
                "{}: MTU {mtu} out of range 68..65535",
                self.name()
            )));
        }
        self.shared.lock().mtu = mtu;
        Ok(())
    }

    fn mac(&self) -> Result<MacAddr> {
        Ok(self.shared.lock().mac)
    }

    fn set_mac(&self, mac: MacAddr) -> Result<()> {
        if mac.is_multicast() {
            return Err(NetdevError::InvalidArgument(format!(
                "{}: {mac} is not a unicast Ethernet address",
                self.name()
            )));
        }
        self.shared.lock().mac = mac;
        Ok(())
    }

    fn is_up(&self) -> Result<bool> {
        Ok(self.shared.lock().up)
    }

    fn set_up(&self, up: bool) -> Result<()> {
        self.shared.lock().up = up;
        Ok(())
    }

    fn carrier(&self) -> Result<bool> {
        let st = self.shared.lock();
        Ok(st.up && st.carrier)
    }

    fn stats(&self) -> Result<NetdevStats> {
        Ok(self.shared.lock().stats)
    }

    fn offloads(&self) -> Offloads {
        Offloads {
            vnet_hdr: self.offload,
            partial_csum: self.offload,
            gso: self.offload,
        }
    }
}
