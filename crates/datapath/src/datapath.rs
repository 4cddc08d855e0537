//! [`Datapath`]: construction, configuration, ports and the [`Dpif`] implementation.
//!
//! The control side never touches a PMD's state except under that PMD's table lock (flows)
//! or through the published port snapshot (ports); see the crate documentation for why that
//! makes `flow_del` and `port_del` take effect by the time they return.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dpif::{
    Dpif, DpifError, DpifFlow, DpifPort, DpifStats, FlowPutFlags, FlowStats, OdpAction, OdpPort,
    PacketMetadata, Upcall, UpcallQueue,
};
use flow::{Flow, FlowWildcards};
use netdev::Netdev;
use packet::PacketBuf;

use crate::flows::{install_mask, FlowTable};
use crate::meter::{MeterConfig, MeterCounters, Meters};
use crate::pmd::{self, lock_table, Counters};
use crate::ports::{choose_number, normalize_type, open_error, Port, PortTable};
use crate::UpcallHandler;

/// Tunables of a [`Datapath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatapathConfig {
    /// Number of PMD threads (at least 1).
    pub n_pmds: usize,
    /// EMC entries per PMD (rounded up to a power of two; 0 disables the EMC).
    pub emc_entries: usize,
    /// Most megaflows per PMD; beyond it, missed packets are executed without installing.
    pub max_flows_per_pmd: usize,
    /// Capacity of the upcall queue behind `recv`.
    pub upcall_queue_len: usize,
    /// Frames received per `recv_batch` (1..=64).
    pub batch_size: usize,
    /// Empty polling rounds before an idle PMD sleeps on its ports' descriptors.
    pub idle_rounds: u32,
}

impl Default for DatapathConfig {
    fn default() -> Self {
        DatapathConfig {
            n_pmds: 1,
            emc_entries: 8192,
            max_flows_per_pmd: 10_000,
            upcall_queue_len: 1024,
            batch_size: netdev::DEFAULT_BATCH,
            idle_rounds: 64,
        }
    }
}

/// Counters of one PMD thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PmdStats {
    /// PMD index.
    pub id: usize,
    /// Frames received.
    pub rx_packets: u64,
    /// Lookups answered by the EMC.
    pub emc_hits: u64,
    /// Lookups answered by the megaflow classifier.
    pub megaflow_hits: u64,
    /// Lookups that found nothing.
    pub missed: u64,
    /// Calls to the upcall handler.
    pub upcalls: u64,
    /// Megaflows not installed because the table was full.
    pub flow_limit_hits: u64,
    /// Frames the ports accepted for transmission.
    pub tx_packets: u64,
    /// Frames dropped on output (unknown port, port refused, offload conversion failed).
    pub tx_dropped: u64,
    /// Megaflows installed now.
    pub flows: u64,
}

/// Datapath-wide counters: the dpif ones plus the cache breakdown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DatapathStats {
    /// What `Dpif::stats` reports.
    pub dpif: DpifStats,
    /// Hits in the EMCs.
    pub emc_hits: u64,
    /// Hits in the megaflow classifiers.
    pub megaflow_hits: u64,
    /// Upcall handler calls.
    pub upcalls: u64,
}

/// The state one PMD thread shares with the control side.
pub(crate) struct PmdShared {
    pub id: usize,
    pub table: Mutex<FlowTable>,
    pub seen_gen: AtomicU64,
    pub alive: AtomicBool,
    pub tid: AtomicU64,
    pub wake_tx: UnixStream,
    pub wake_rx: UnixStream,
    pub c: Counters,
}

impl PmdShared {
    fn wake(&self) {
        let _ = (&self.wake_tx).write(&[1]);
    }
}

/// Everything the PMD threads and the control side share.
pub(crate) struct Inner {
    pub name: String,
    pub cfg: DatapathConfig,
    ports: Mutex<BTreeMap<OdpPort, Arc<Port>>>,
    snapshot: RwLock<Arc<PortTable>>,
    pub port_gen: AtomicU64,
    pub pmds: Vec<Arc<PmdShared>>,
    handler: RwLock<Option<Arc<dyn UpcallHandler>>>,
    pub upcalls: UpcallQueue,
    pub stop: AtomicBool,
    epoch: Instant,
    /// The meters `meter(id)` actions run packets through.
    pub meters: Meters,
}

impl Inner {
    /// The datapath clock in milliseconds (monotonic, from the datapath's creation).
    pub fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// The current port snapshot.
    pub fn port_table(&self) -> Arc<PortTable> {
        Arc::clone(&self.snapshot.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// The registered upcall handler.
    pub fn handler(&self) -> Option<Arc<dyn UpcallHandler>> {
        self.handler
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock_ports(&self) -> MutexGuard<'_, BTreeMap<OdpPort, Arc<Port>>> {
        self.ports.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Publishes a new port snapshot (caller holds the ports lock) and returns its generation.
    fn publish(&self, by_no: &BTreeMap<OdpPort, Arc<Port>>) -> u64 {
        let gen = self.port_gen.load(Ordering::Acquire) + 1;
        let table = Arc::new(PortTable::build(gen, by_no, self.pmds.len()));
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = table;
        self.port_gen.store(gen, Ordering::Release);
        for p in &self.pmds {
            p.wake();
        }
        gen
    }

    /// Waits (up to 5 s) until every live PMD runs with port generation `gen`.
    fn wait_pmds(&self, gen: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let done = self.pmds.iter().all(|p| {
                p.seen_gen.load(Ordering::Acquire) >= gen || !p.alive.load(Ordering::Acquire)
            });
            if done || Instant::now() > deadline {
                return;
            }
            for p in &self.pmds {
                p.wake();
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

/// The userspace datapath. See the crate documentation. Dropping it stops the PMD threads
/// and closes every port.
pub struct Datapath {
    inner: Arc<Inner>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Datapath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Datapath")
            .field("name", &self.inner.name)
            .field("n_pmds", &self.inner.pmds.len())
            .finish()
    }
}

impl Datapath {
    /// Creates datapath `name` (Open vSwitch calls its userspace one `ovs-netdev`) and starts
    /// its PMD threads. Fails only if threads or wake-up sockets cannot be created.
    pub fn new(name: &str, cfg: DatapathConfig) -> std::io::Result<Datapath> {
        let cfg = DatapathConfig {
            n_pmds: cfg.n_pmds.max(1),
            ..cfg
        };
        let mut pmds = Vec::new();
        for id in 0..cfg.n_pmds {
            let (wake_tx, wake_rx) = UnixStream::pair()?;
            wake_tx.set_nonblocking(true)?;
            wake_rx.set_nonblocking(true)?;
            pmds.push(Arc::new(PmdShared {
                id,
                table: Mutex::new(FlowTable::new(cfg.max_flows_per_pmd, cfg.emc_entries)),
                seen_gen: AtomicU64::new(0),
                alive: AtomicBool::new(true),
                tid: AtomicU64::new(0),
                wake_tx,
                wake_rx,
                c: Counters::default(),
            }));
        }
        let inner = Arc::new(Inner {
            name: name.to_string(),
            upcalls: UpcallQueue::new(cfg.upcall_queue_len),
            cfg,
            ports: Mutex::new(BTreeMap::new()),
            snapshot: RwLock::new(Arc::new(PortTable::build(0, &BTreeMap::new(), pmds.len()))),
            port_gen: AtomicU64::new(0),
            pmds,
            handler: RwLock::new(None),
            stop: AtomicBool::new(false),
            epoch: Instant::now(),
            meters: Meters::default(),
        });
        let mut dp = Datapath {
            inner: Arc::clone(&inner),
            threads: Vec::new(),
        };
        for p in &inner.pmds {
            let (i, p2) = (Arc::clone(&inner), Arc::clone(p));
            let t = std::thread::Builder::new()
                .name(format!("pmd{}", p.id))
                .spawn(move || pmd::run(i, p2))?;
            dp.threads.push(t);
        }
        Ok(dp)
    }

    /// Adds a meter (see [`crate::meter`]) and returns its datapath id, the argument of
    /// the `meter(id)` action.
    pub fn meter_add(&self, cfg: MeterConfig) -> u32 {
        self.inner.meters.add(cfg)
    }

    /// Reconfigures meter `id`; false if it does not exist.
    pub fn meter_set(&self, id: u32, cfg: MeterConfig) -> bool {
        self.inner.meters.set(id, cfg)
    }

    /// Deletes meter `id`, returning its counters not yet taken.
    pub fn meter_del(&self, id: u32) -> Option<MeterCounters> {
        self.inner.meters.del(id)
    }

    /// Meter `id`'s configuration.
    pub fn meter_config(&self, id: u32) -> Option<MeterConfig> {
        self.inner.meters.config(id)
    }

    /// Meter `id`'s counters since the last call.
    pub fn meter_take_stats(&self, id: u32) -> Option<MeterCounters> {
        self.inner.meters.take_stats(id)
    }

    /// Registers (or, with `None`, removes) the upcall handler. Without one, misses are
    /// queued for [`Dpif::recv`].
    pub fn set_upcall_handler(&self, handler: Option<Arc<dyn UpcallHandler>>) {
        *self
            .inner
            .handler
            .write()
            .unwrap_or_else(|p| p.into_inner()) = handler;
    }

    /// Number of PMD threads.
    pub fn n_pmds(&self) -> usize {
        self.inner.pmds.len()
    }

    /// The datapath's millisecond clock (what megaflow `used` times are in).
    pub fn now_msec(&self) -> u64 {
        self.inner.now_ms()
    }

    /// Kernel thread ids of the PMD threads (0 for one that has not started yet), for CPU
    /// accounting through `/proc/self/task/<tid>/stat`.
    pub fn pmd_thread_ids(&self) -> Vec<u64> {
        self.inner
            .pmds
            .iter()
            .map(|p| p.tid.load(Ordering::Relaxed))
            .collect()
    }

    /// Adds a port opened with Interface `options` (see [`netdev::open`]).
    pub fn port_add_with_options(
        &self,
        name: &str,
        port_type: &str,
        port_no: Option<OdpPort>,
        options: &BTreeMap<String, String>,
    ) -> Result<OdpPort, DpifError> {
        let (provider, reported) = normalize_type(port_type)
            .ok_or_else(|| DpifError::NotSupported(format!("port type \"{port_type}\"")))?;
        let mut ports = self.inner.lock_ports();
        if ports.values().any(|p| p.name == name) {
            return Err(DpifError::Exists(name.to_string()));
        }
        let internal = matches!(reported, "internal" | "dummy-internal");
        let no = choose_number(&ports, port_no, internal)?;
        let dev: Arc<dyn Netdev> =
            Arc::from(netdev::open(provider, name, options).map_err(|e| open_error(name, e))?);
        if matches!(provider, "internal" | "tap") {
            let _ = dev.set_up(true);
        }
        Self::insert_port(&self.inner, &mut ports, no, name, reported, dev);
        Ok(no)
    }

    /// Adds an already opened netdev as a port of type `port_type`.
    pub fn port_add_netdev(
        &self,
        dev: Arc<dyn Netdev>,
        port_type: &str,
        port_no: Option<OdpPort>,
    ) -> Result<OdpPort, DpifError> {
        let name = dev.name().to_string();
        let mut ports = self.inner.lock_ports();
        if ports.values().any(|p| p.name == name) {
            return Err(DpifError::Exists(name));
        }
        let internal = matches!(port_type, "internal" | "dummy-internal");
        let no = choose_number(&ports, port_no, internal)?;
        Self::insert_port(&self.inner, &mut ports, no, &name, port_type, dev);
        Ok(no)
    }

    fn insert_port(
        inner: &Inner,
        ports: &mut BTreeMap<OdpPort, Arc<Port>>,
        no: OdpPort,
        name: &str,
        port_type: &str,
        dev: Arc<dyn Netdev>,
    ) {
        let port = Port {
            no,
            name: name.to_string(),
            port_type: port_type.to_string(),
            offloads: dev.offloads(),
            dev,
        };
        ports.insert(no, Arc::new(port));
        inner.publish(ports);
    }

    /// The netdev of port `port_no`.
    pub fn netdev(&self, port_no: OdpPort) -> Option<Arc<dyn Netdev>> {
        self.inner
            .lock_ports()
            .get(&port_no)
            .map(|p| Arc::clone(&p.dev))
    }

    /// Per-PMD counters.
    pub fn pmd_stats(&self) -> Vec<PmdStats> {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        self.inner
            .pmds
            .iter()
            .map(|p| PmdStats {
                id: p.id,
                rx_packets: l(&p.c.rx_packets),
                emc_hits: l(&p.c.emc_hits),
                megaflow_hits: l(&p.c.megaflow_hits),
                missed: l(&p.c.missed),
                upcalls: l(&p.c.upcalls),
                flow_limit_hits: l(&p.c.flow_limit_hits),
                tx_packets: l(&p.c.tx_packets),
                tx_dropped: l(&p.c.tx_dropped),
                flows: l(&p.c.flows),
            })
            .collect()
    }

    /// Datapath-wide counters with the EMC / megaflow breakdown.
    pub fn datapath_stats(&self) -> DatapathStats {
        let ps = self.pmd_stats();
        let emc: u64 = ps.iter().map(|p| p.emc_hits).sum();
        let mf: u64 = ps.iter().map(|p| p.megaflow_hits).sum();
        DatapathStats {
            dpif: DpifStats {
                hit: emc + mf,
                missed: ps.iter().map(|p| p.missed).sum(),
                lost: self.inner.upcalls.lost(),
                flows: ps.iter().map(|p| p.flows).sum(),
                mask_hit: None,
                n_masks: self
                    .inner
                    .pmds
                    .iter()
                    .map(|p| p.c.n_masks.load(Ordering::Relaxed))
                    .max(),
            },
            emc_hits: emc,
            megaflow_hits: mf,
            upcalls: ps.iter().map(|p| p.upcalls).sum(),
        }
    }

    /// Runs `f` on each PMD's flow table in turn, under its lock.
    fn each_table(&self, mut f: impl FnMut(&PmdShared, &mut FlowTable)) {
        for p in &self.inner.pmds {
            let mut t = lock_table(&p.table);
            f(p, &mut t);
            p.c.sync_table(&t);
        }
    }
}

impl Drop for Datapath {
    fn drop(&mut self) {
        self.inner.stop.store(true, Ordering::Release);
        for p in &self.inner.pmds {
            p.wake();
        }
        self.inner.upcalls.wake();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn fold(into: &mut FlowStats, s: &FlowStats) {
    into.packets += s.packets;
    into.bytes += s.bytes;
    into.used = into.used.max(s.used);
    into.tcp_flags |= s.tcp_flags;
}

impl Dpif for Datapath {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn dp_type(&self) -> &str {
        "netdev"
    }

    fn port_add(
        &self,
        name: &str,
        port_type: &str,
        port_no: Option<OdpPort>,
    ) -> Result<OdpPort, DpifError> {
        self.port_add_with_options(name, port_type, port_no, &BTreeMap::new())
    }

    fn port_del(&self, port_no: OdpPort) -> Result<(), DpifError> {
        let gen = {
            let mut ports = self.inner.lock_ports();
            if ports.remove(&port_no).is_none() {
                return Err(DpifError::NotFound(format!("port {port_no}")));
            }
            self.inner.publish(&ports)
        };
        self.inner.wait_pmds(gen);
        // Megaflows naming the port go with it, so its number can be reused safely.
        self.each_table(|_, t| {
            t.remove_port(port_no);
        });
        Ok(())
    }

    fn port_query_by_number(&self, port_no: OdpPort) -> Result<DpifPort, DpifError> {
        self.inner
            .lock_ports()
            .get(&port_no)
            .map(|p| p.describe())
            .ok_or_else(|| DpifError::NotFound(format!("port {port_no}")))
    }

    fn port_query_by_name(&self, name: &str) -> Result<DpifPort, DpifError> {
        self.inner
            .lock_ports()
            .values()
            .find(|p| p.name == name)
            .map(|p| p.describe())
            .ok_or_else(|| DpifError::NotFound(name.to_string()))
    }

    fn port_dump(&self) -> Vec<DpifPort> {
        self.inner
            .lock_ports()
            .values()
            .map(|p| p.describe())
            .collect()
    }

    fn flow_put(
        &self,
        key: &Flow,
        mask: &FlowWildcards,
        actions: &[OdpAction],
        flags: FlowPutFlags,
    ) -> Result<Option<FlowStats>, DpifError> {
        let mask = install_mask(mask);
        let mut found = false;
        self.each_table(|_, t| found |= t.find(key, &mask).is_some());
        if found && !flags.modify {
            return Err(DpifError::Exists("flow".into()));
        }
        if !found && !flags.create {
            return Err(DpifError::NotFound("flow".into()));
        }
        let mut prev: Option<FlowStats> = None;
        let mut err = None;
        self.each_table(|_, t| match t.find(key, &mask) {
            Some(idx) if flags.modify => {
                if let Some(mf) = t.get_mut(idx) {
                    fold(prev.get_or_insert_with(FlowStats::default), &mf.stats);
                    mf.set_actions(actions.to_vec());
                    if flags.zero_stats {
                        mf.stats = FlowStats::default();
                    }
                }
            }
            Some(_) => {}
            None if flags.create && !found => {
                if let Err(e) = t.insert(key, &mask, actions.to_vec(), None) {
                    err.get_or_insert(e);
                }
            }
            None => {}
        });
        match err {
            Some(e) => Err(e),
            None => Ok(prev),
        }
    }

    fn flow_del(&self, key: &Flow, mask: &FlowWildcards) -> Result<FlowStats, DpifError> {
        let mask = install_mask(mask);
        let mut stats: Option<FlowStats> = None;
        self.each_table(|_, t| {
            if let Some(mf) = t.find(key, &mask).and_then(|i| t.remove(i)) {
                fold(stats.get_or_insert_with(FlowStats::default), &mf.stats);
            }
        });
        stats.ok_or_else(|| DpifError::NotFound("flow".into()))
    }

    fn flow_get(&self, key: &Flow, mask: &FlowWildcards) -> Result<DpifFlow, DpifError> {
        let mask = install_mask(mask);
        let mut out: Option<DpifFlow> = None;
        self.each_table(|_, t| {
            if let Some(mf) = t.find(key, &mask).and_then(|i| t.get(i)) {
                match &mut out {
                    Some(f) => fold(&mut f.stats, &mf.stats),
                    None => {
                        out = Some(DpifFlow {
                            key: mf.key,
                            mask: mf.mask,
                            actions: mf.actions.clone(),
                            stats: mf.stats,
                        })
                    }
                }
            }
        });
        out.ok_or_else(|| DpifError::NotFound("flow".into()))
    }

    fn flow_dump(&self) -> Vec<DpifFlow> {
        let mut out: Vec<DpifFlow> = Vec::new();
        let mut index: HashMap<(Flow, FlowWildcards), usize> = HashMap::new();
        self.each_table(|_, t| {
            for mf in t.iter() {
                let k = (mf.key.masked(&mf.mask), mf.mask);
                match index.get(&k).and_then(|&i| out.get_mut(i)) {
                    Some(f) => fold(&mut f.stats, &mf.stats),
                    None => {
                        index.insert(k, out.len());
                        out.push(DpifFlow {
                            key: mf.key,
                            mask: mf.mask,
                            actions: mf.actions.clone(),
                            stats: mf.stats,
                        });
                    }
                }
            }
        });
        out
    }

    fn flow_flush(&self) -> Result<(), DpifError> {
        self.each_table(|_, t| t.flush());
        Ok(())
    }

    fn execute(
        &self,
        packet: PacketBuf,
        md: &PacketMetadata,
        actions: &[OdpAction],
    ) -> Result<(), DpifError> {
        let pmd = self.inner.pmds.first().ok_or(DpifError::Closed)?;
        pmd::execute_control(&self.inner, pmd, packet, md, actions);
        Ok(())
    }

    fn recv(&self) -> Result<Option<Upcall>, DpifError> {
        Ok(self.inner.upcalls.pop())
    }

    fn recv_wait(&self, timeout_ms: u64) -> bool {
        self.inner.upcalls.wait(Duration::from_millis(timeout_ms))
    }

    fn recv_wake(&self) {
        self.inner.upcalls.wake();
    }

    fn stats(&self) -> DpifStats {
        self.datapath_stats().dpif
    }
}
