//! The PMD (poll-mode driver) thread: polling, the fast path over a received batch, the slow
//! path (misses, recirculation, control-side execution), and per-port output batching.
//!
//! Outputs are collected as [`Outputs`]: for each destination port a list of frames, each
//! either a slot of the received batch (forwarded without copying) or an owned buffer (a
//! modified copy, a software-segmented GSO frame). [`Outputs::flush`] first converts frames
//! whose offloads (GSO, partial checksum) the destination cannot take, then makes one
//! `send_batch` call per port (per 64 frames).

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dpif::{
    execute_actions, ExecSink, OdpAction, OdpPort, PacketMetadata, Upcall, UpcallType,
    UserspaceAction,
};
use flow::{extract, Flow};
use netdev::{NetdevError, Offloads, RxBatch, TxPacket, VnetHdr};
use packet::PacketBuf;

use crate::datapath::{Inner, PmdShared};
use crate::flows::{install_mask, FlowTable, HitKind};
use crate::ports::{Port, PortTable};

/// Recirculation passes allowed per packet.
const MAX_RECIRC_DEPTH: u32 = 6;

/// Counters of one PMD thread (monotonic, relaxed atomics updated once per batch).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub rx_packets: AtomicU64,
    pub emc_hits: AtomicU64,
    pub megaflow_hits: AtomicU64,
    pub missed: AtomicU64,
    pub upcalls: AtomicU64,
    pub flow_limit_hits: AtomicU64,
    pub tx_packets: AtomicU64,
    pub tx_dropped: AtomicU64,
    pub flows: AtomicU64,
    pub n_masks: AtomicU64,
}

impl Counters {
    fn add(c: &AtomicU64, n: u64) {
        if n != 0 {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Records the table's size after a change.
    pub fn sync_table(&self, t: &FlowTable) {
        self.flows.store(t.len() as u64, Ordering::Relaxed);
        self.n_masks.store(t.n_masks() as u64, Ordering::Relaxed);
    }
}

/// Locks a PMD's flow table (a poisoned lock is taken over: a panic in another holder cannot
/// leave the table half-updated in a way lookups would trip on).
pub(crate) fn lock_table(m: &Mutex<FlowTable>) -> MutexGuard<'_, FlowTable> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where an output frame's bytes are.
#[derive(Clone, Copy, Debug)]
enum Src {
    Rx(usize),
    Owned(usize),
}

#[derive(Clone, Copy, Debug)]
struct Out {
    src: Src,
    vnet: Option<VnetHdr>,
}

/// Frames to transmit, grouped by port. See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    lists: Vec<(OdpPort, Vec<Out>)>,
    owned: Vec<Vec<u8>>,
}

fn bytes<'a>(src: Src, rx: Option<&'a RxBatch>, owned: &'a [Vec<u8>]) -> &'a [u8] {
    match src {
        Src::Rx(i) => rx.and_then(|b| b.packet(i)).unwrap_or(&[]),
        Src::Owned(i) => owned.get(i).map(Vec::as_slice).unwrap_or(&[]),
    }
}

/// Whether `vnet` describes work (GSO, checksum) a port with `off` cannot do.
fn needs_fix(vnet: Option<VnetHdr>, off: Offloads) -> bool {
    let Some(v) = vnet else { return false };
    if v.is_plain() {
        return false;
    }
    !off.vnet_hdr || (v.is_gso() && !off.gso) || (v.needs_csum() && !off.partial_csum)
}

fn repr(v: VnetHdr) -> packet::virtio::Repr {
    packet::virtio::Repr {
        flags: v.flags,
        gso_type: v.gso_type,
        hdr_len: v.hdr_len,
        gso_size: v.gso_size,
        csum_start: v.csum_start,
        csum_offset: v.csum_offset,
    }
}

/// Segments / checksums an offloaded frame in software.
fn software_offload(data: &[u8], v: VnetHdr) -> Option<Vec<Vec<u8>>> {
    packet::gso::segment(data, &repr(v)).ok()
}

impl Outputs {
    fn push(&mut self, port: OdpPort, src: Src, vnet: Option<VnetHdr>) {
        let out = Out { src, vnet };
        match self.lists.iter_mut().find(|(p, _)| *p == port) {
            Some((_, l)) => l.push(out),
            None => self.lists.push((port, vec![out])),
        }
    }

    fn add_owned(&mut self, data: Vec<u8>) -> Src {
        self.owned.push(data);
        Src::Owned(self.owned.len() - 1)
    }

    /// Sends everything (one `send_batch` per port per 64 frames) and empties the lists.
    pub fn flush(&mut self, ports: &PortTable, rx: Option<&RxBatch>, c: &Counters) {
        let Outputs { lists, owned } = self;
        let mut dropped = 0u64;
        let mut sent_total = 0u64;
        for (port_no, list) in lists.iter_mut() {
            if list.is_empty() {
                continue;
            }
            let Some(port) = ports.by_no.get(port_no) else {
                dropped += list.len() as u64;
                list.clear();
                continue;
            };
            let off = port.offloads;
            if list.iter().any(|o| needs_fix(o.vnet, off)) {
                let old = std::mem::take(list);
                for o in old {
                    match o.vnet {
                        Some(v) if needs_fix(o.vnet, off) => {
                            match software_offload(bytes(o.src, rx, owned), v) {
                                Some(segs) => {
                                    for s in segs {
                                        owned.push(s);
                                        list.push(Out {
                                            src: Src::Owned(owned.len() - 1),
                                            vnet: None,
                                        });
                                    }
                                }
                                None => dropped += 1,
                            }
                        }
                        _ => list.push(o),
                    }
                }
            }
            sent_total += send_list(port, list, rx, owned, &mut dropped);
            list.clear();
        }
        owned.clear();
        Counters::add(&c.tx_packets, sent_total);
        Counters::add(&c.tx_dropped, dropped);
    }
}

fn send_list(
    port: &Port,
    list: &[Out],
    rx: Option<&RxBatch>,
    owned: &[Vec<u8>],
    dropped: &mut u64,
) -> u64 {
    let keep_vnet = port.offloads.vnet_hdr;
    let mut sent = 0u64;
    for chunk in list.chunks(64) {
        let mut arr = [TxPacket::default(); 64];
        for (slot, o) in arr.iter_mut().zip(chunk) {
            *slot = TxPacket {
                data: bytes(o.src, rx, owned),
                vnet: if keep_vnet { o.vnet } else { None },
            };
        }
        let pkts = arr.get(..chunk.len()).unwrap_or(&[]);
        let n = port.dev.send_batch(pkts).unwrap_or(0) as u64;
        sent += n;
        *dropped += (chunk.len() as u64).saturating_sub(n);
    }
    sent
}

/// The flow-extraction metadata for a packet with datapath metadata `md`.
pub(crate) fn flow_md(md: &PacketMetadata) -> flow::Metadata {
    flow::Metadata {
        in_port: u16::try_from(md.in_port).unwrap_or(u16::MAX),
        skb_priority: md.skb_priority,
        pkt_mark: md.pkt_mark,
        recirc_id: md.recirc_id,
        dp_hash: md.dp_hash,
        ct_state: md.ct_state as u8,
        ct_zone: md.ct_zone,
        ct_mark: md.ct_mark,
        ct_label: md.ct_label,
        ..flow::Metadata::default()
    }
}

/// The TCP flags of a flow's packet (0 for non-TCP).
#[inline]
fn tcp_flags(f: &Flow) -> u16 {
    let ip = matches!(f.dl_type(), 0x0800 | 0x86dd);
    if ip && f.nw_proto() == 6 {
        f.tcp_flags()
    } else {
        0
    }
}

/// The ports of an action list made only of outputs (`None` otherwise).
pub(crate) fn output_only(actions: &[OdpAction]) -> Option<Vec<OdpPort>> {
    actions
        .iter()
        .map(|a| match a {
            OdpAction::Output(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn xorshift(s: &mut u64) -> u32 {
    let mut x = *s | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    (x >> 32) as u32
}

/// Queues a `userspace()` upcall.
pub(crate) fn queue_action_upcall(
    inner: &Inner,
    action: &UserspaceAction,
    packet: &PacketBuf,
    md: &PacketMetadata,
    actions: &[OdpAction],
) {
    let mut key = Flow::new();
    extract(packet.data(), &flow_md(md), &mut key);
    inner.upcalls.push(Upcall {
        kind: UpcallType::Action,
        packet: packet.clone(),
        key,
        in_port: md.in_port,
        userdata: action.cookie.clone(),
        actions: action.include_actions.then(|| actions.to_vec()),
        egress_port: action.tunnel_out_port,
    });
}

struct Sink<'a> {
    inner: &'a Inner,
    outs: &'a mut Outputs,
    recircs: &'a mut Vec<(PacketBuf, PacketMetadata)>,
    rng: &'a mut u64,
    actions: &'a [OdpAction],
}

impl ExecSink for Sink<'_> {
    fn output(&mut self, port: OdpPort, packet: &PacketBuf, _md: &PacketMetadata) {
        let src = self.outs.add_owned(packet.to_vec());
        self.outs.push(port, src, None);
    }
    fn userspace(&mut self, action: &UserspaceAction, packet: &PacketBuf, md: &PacketMetadata) {
        queue_action_upcall(self.inner, action, packet, md, self.actions);
    }
    fn recirc(&mut self, packet: PacketBuf, md: PacketMetadata) {
        self.recircs.push((packet, md));
    }
    fn meter(&mut self, id: u32, packet: &mut PacketBuf) -> bool {
        match self.inner.meters.run(id, packet.len()) {
            crate::meter::Verdict::Pass => true,
            crate::meter::Verdict::Drop => false,
            crate::meter::Verdict::Remark(n) => {
                dpif::remark_dscp(packet, n);
                true
            }
        }
    }
    fn random(&mut self) -> u32 {
        xorshift(self.rng)
    }
}

/// Everything a packet's actions need besides the actions themselves.
pub(crate) struct RunCtx<'a> {
    pub inner: &'a Inner,
    pub outs: &'a mut Outputs,
    pub recircs: &'a mut Vec<(PacketBuf, PacketMetadata)>,
    pub rng: &'a mut u64,
}

/// Runs `actions` on frame `data` (whose bytes are at `src` in the outputs, if already
/// there). `simple` is [`output_only`] of the actions.
#[allow(clippy::too_many_arguments)]
fn run_actions(
    cx: &mut RunCtx<'_>,
    simple: Option<&[OdpPort]>,
    actions: &[OdpAction],
    data: &[u8],
    src: Option<Src>,
    vnet: Option<VnetHdr>,
    md: &PacketMetadata,
) {
    if let Some(ports) = simple {
        if ports.is_empty() {
            return;
        }
        let src = match src {
            Some(s) => s,
            None => cx.outs.add_owned(data.to_vec()),
        };
        for p in ports {
            cx.outs.push(*p, src, vnet);
        }
        return;
    }
    // Actions may rewrite headers: give them complete, plain frames.
    let frames: Vec<PacketBuf> = match vnet {
        Some(v) if !v.is_plain() => software_offload(data, v)
            .unwrap_or_default()
            .iter()
            .map(|s| PacketBuf::from_slice(s))
            .collect(),
        _ => vec![PacketBuf::from_slice(data)],
    };
    for mut p in frames {
        let mut m = md.clone();
        let mut sink = Sink {
            inner: cx.inner,
            outs: cx.outs,
            recircs: cx.recircs,
            rng: cx.rng,
            actions,
        };
        execute_actions(&mut p, &mut m, actions, &mut sink);
    }
}

/// Control-side execution of `actions` on `packet` (Dpif::execute): outputs are sent at once,
/// recirculations go through `pmd`'s tables.
pub(crate) fn execute_control(
    inner: &Inner,
    pmd: &PmdShared,
    mut packet: PacketBuf,
    md: &PacketMetadata,
    actions: &[OdpAction],
) {
    let _ = packet.complete_checksum();
    let ports = inner.port_table();
    let mut outs = Outputs::default();
    let mut recircs = Vec::new();
    let mut rng = inner.now_ms() ^ 0x5851_f42d_4c95_7f2d;
    let simple = output_only(actions);
    let mut cx = RunCtx {
        inner,
        outs: &mut outs,
        recircs: &mut recircs,
        rng: &mut rng,
    };
    run_actions(
        &mut cx,
        simple.as_deref(),
        actions,
        packet.data(),
        None,
        None,
        md,
    );
    outs.flush(&ports, None, &pmd.c);
    for (p, m) in recircs {
        slow_path(inner, pmd, p.data(), None, m, 1, &mut rng);
    }
}

/// The slow path for one frame: lookup (another packet may have installed its megaflow
/// meanwhile), else upcall, install, execute; then its recirculations.
pub(crate) fn slow_path(
    inner: &Inner,
    pmd: &PmdShared,
    data: &[u8],
    vnet: Option<VnetHdr>,
    md: PacketMetadata,
    depth: u32,
    rng: &mut u64,
) {
    if depth > MAX_RECIRC_DEPTH {
        Counters::add(&pmd.c.tx_dropped, 1);
        return;
    }
    let ports = inner.port_table();
    let mut flow = Flow::new();
    extract(data, &flow_md(&md), &mut flow);
    let mut outs = Outputs::default();
    let mut recircs = Vec::new();
    let now = inner.now_ms();
    {
        let mut ft = lock_table(&pmd.table);
        if let Some((idx, kind)) = ft.lookup(&flow) {
            Counters::add(
                match kind {
                    HitKind::Emc => &pmd.c.emc_hits,
                    HitKind::Megaflow => &pmd.c.megaflow_hits,
                },
                1,
            );
            if let Some(mf) = ft.get_mut(idx) {
                mf.credit(data.len(), tcp_flags(&flow), now);
                let mut cx = RunCtx {
                    inner,
                    outs: &mut outs,
                    recircs: &mut recircs,
                    rng,
                };
                run_actions(
                    &mut cx,
                    mf.simple.as_deref(),
                    &mf.actions,
                    data,
                    None,
                    vnet,
                    &md,
                );
            }
            outs.flush(&ports, None, &pmd.c);
            drop(ft);
            for (p, m) in recircs {
                slow_path(inner, pmd, p.data(), None, m, depth + 1, rng);
            }
            return;
        }
    }
    Counters::add(&pmd.c.missed, 1);
    let mut packet = PacketBuf::from_slice(data);
    let Some(handler) = inner.handler() else {
        if let Some(v) = vnet.filter(|v| v.needs_csum()) {
            let _ =
                packet.set_partial_checksum(usize::from(v.csum_start), usize::from(v.csum_offset));
        }
        inner.upcalls.push(Upcall {
            kind: UpcallType::Miss,
            packet,
            key: flow,
            in_port: md.in_port,
            userdata: None,
            actions: None,
            egress_port: None,
        });
        return;
    };
    Counters::add(&pmd.c.upcalls, 1);
    // A handler that panics loses this packet, not the PMD thread.
    let call = std::panic::AssertUnwindSafe(|| handler.upcall(&packet, &flow, md.in_port));
    let Ok(res) = std::panic::catch_unwind(call) else {
        Counters::add(&pmd.c.tx_dropped, 1);
        return;
    };
    if res.install {
        let mask = install_mask(&res.wildcards);
        let mut ft = lock_table(&pmd.table);
        if ft.find(&flow, &mask).is_none() {
            if let Err(dpif::DpifError::NoSpace(_)) =
                ft.insert(&flow, &mask, res.actions.clone(), Some(&flow))
            {
                Counters::add(&pmd.c.flow_limit_hits, 1);
            }
            pmd.c.sync_table(&ft);
        }
    }
    let simple = output_only(&res.actions);
    let mut cx = RunCtx {
        inner,
        outs: &mut outs,
        recircs: &mut recircs,
        rng,
    };
    run_actions(
        &mut cx,
        simple.as_deref(),
        &res.actions,
        data,
        None,
        vnet,
        &md,
    );
    outs.flush(&ports, None, &pmd.c);
    for (p, m) in recircs {
        slow_path(inner, pmd, p.data(), None, m, depth + 1, rng);
    }
}

/// Reusable per-thread state of the fast path.
struct Ctx {
    flow: Flow,
    outs: Outputs,
    recircs: Vec<(PacketBuf, PacketMetadata)>,
    misses: Vec<usize>,
    rng: u64,
}

/// The fast path over one received batch.
fn process_batch(
    inner: &Inner,
    pmd: &PmdShared,
    ports: &PortTable,
    port_no: OdpPort,
    rx: &RxBatch,
    ctx: &mut Ctx,
) {
    let n = rx.len();
    let now = inner.now_ms();
    let md = PacketMetadata {
        in_port: port_no,
        ..PacketMetadata::default()
    };
    let fmd = flow_md(&md);
    let (mut emc, mut mfh) = (0u64, 0u64);
    let mut misses = std::mem::take(&mut ctx.misses);
    {
        let mut ft = lock_table(&pmd.table);
        for i in 0..n {
            let Some(data) = rx.packet(i) else { continue };
            extract(data, &fmd, &mut ctx.flow);
            let Some((idx, kind)) = ft.lookup(&ctx.flow) else {
                misses.push(i);
                continue;
            };
            match kind {
                HitKind::Emc => emc += 1,
                HitKind::Megaflow => mfh += 1,
            }
            let Some(mf) = ft.get_mut(idx) else { continue };
            mf.credit(data.len(), tcp_flags(&ctx.flow), now);
            let mut cx = RunCtx {
                inner,
                outs: &mut ctx.outs,
                recircs: &mut ctx.recircs,
                rng: &mut ctx.rng,
            };
            run_actions(
                &mut cx,
                mf.simple.as_deref(),
                &mf.actions,
                data,
                Some(Src::Rx(i)),
                rx.vnet_hdr(i),
                &md,
            );
        }
        // Sent under the lock: see "Revalidation consistency" in the crate docs.
        ctx.outs.flush(ports, Some(rx), &pmd.c);
    }
    Counters::add(&pmd.c.rx_packets, n as u64);
    Counters::add(&pmd.c.emc_hits, emc);
    Counters::add(&pmd.c.megaflow_hits, mfh);
    for i in misses.drain(..) {
        if let Some(data) = rx.packet(i) {
            slow_path(
                inner,
                pmd,
                data,
                rx.vnet_hdr(i),
                md.clone(),
                0,
                &mut ctx.rng,
            );
        }
    }
    ctx.misses = misses;
    for (p, m) in std::mem::take(&mut ctx.recircs) {
        slow_path(inner, pmd, p.data(), None, m, 1, &mut ctx.rng);
    }
}

/// This thread's kernel thread id (from `/proc/thread-self`), 0 if unknown.
fn own_tid() -> u64 {
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse().ok())
        .unwrap_or(0)
}

/// Marks the PMD dead when its thread ends, however it ends.
struct AliveGuard<'a>(&'a PmdShared);

impl Drop for AliveGuard<'_> {
    fn drop(&mut self) {
        self.0.alive.store(false, Ordering::Release);
    }
}

/// The PMD thread's main loop.
pub(crate) fn run(inner: Arc<Inner>, pmd: Arc<PmdShared>) {
    let _guard = AliveGuard(&pmd);
    pmd.tid.store(own_tid(), Ordering::Relaxed);
    let mut ports = inner.port_table();
    let mut rx: Vec<(Arc<Port>, RxBatch)> = Vec::new();
    let mut broken: Vec<bool> = Vec::new();
    let mut ctx = Ctx {
        flow: Flow::new(),
        outs: Outputs::default(),
        recircs: Vec::new(),
        misses: Vec::new(),
        rng: 0x2545_f491_4f6c_dd1d ^ (pmd.id as u64 + 1).wrapping_mul(0x9e37_79b9),
    };
    let mut fresh = true;
    let mut idle = 0u32;
    let batch_size = inner.cfg.batch_size.clamp(1, 64);
    while !inner.stop.load(Ordering::Acquire) {
        if fresh || inner.port_gen.load(Ordering::Acquire) != ports.gen {
            ports = inner.port_table();
            let mine = ports.rx.get(pmd.id).cloned().unwrap_or_default();
            let mut old = std::mem::take(&mut rx);
            for p in mine {
                match old.iter().position(|(q, _)| Arc::ptr_eq(q, &p)) {
                    Some(i) => rx.push(old.swap_remove(i)),
                    None => {
                        let b = RxBatch::for_netdev(&*p.dev, batch_size);
                        rx.push((p, b));
                    }
                }
            }
            drop(old);
            broken = vec![false; rx.len()];
            pmd.seen_gen.store(ports.gen, Ordering::Release);
            fresh = false;
        }
        let mut got = 0usize;
        for ((port, batch), bad) in rx.iter_mut().zip(broken.iter_mut()) {
            if *bad {
                continue;
            }
            match port.dev.recv_batch(batch) {
                Ok(0) => {}
                Ok(n) => {
                    got += n;
                    process_batch(&inner, &pmd, &ports, port.no, batch, &mut ctx);
                }
                Err(NetdevError::NoSuchDevice { .. }) => *bad = true,
                Err(_) => {}
            }
        }
        if got > 0 {
            idle = 0;
            continue;
        }
        idle += 1;
        if idle < inner.cfg.idle_rounds {
            std::thread::yield_now();
            continue;
        }
        idle = 0;
        let active = broken.iter().filter(|b| !**b).count();
        let mut fds: Vec<BorrowedFd<'_>> = rx
            .iter()
            .zip(broken.iter())
            .filter(|(_, bad)| !**bad)
            .map(|((p, _), _)| p.dev.rx_fd())
            .take(63)
            .collect();
        // More ports than one poll() takes: the others are checked every millisecond.
        let timeout = if fds.len() < active {
            Duration::from_millis(1)
        } else {
            Duration::from_millis(500)
        };
        fds.push(pmd.wake_rx.as_fd());
        let _ = netdev::wait_readable(&fds, Some(timeout));
        drop(fds);
        let mut sink = [0u8; 64];
        while matches!((&pmd.wake_rx).read(&mut sink), Ok(n) if n > 0) {}
    }
}
