//! Helpers shared by the netdev integration tests: running code inside a namespace, a tiny
//! two-port forwarder, and hand-built ARP/ICMP frames.
#![allow(dead_code)]

use std::fs::File;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netdev::{wait_readable, Netdev, RxBatch, TxPacket, DEFAULT_BATCH};
use testkit::netns::{Netns, Veth};

/// Runs `f` on a new thread that has joined namespace `ns` (only that thread moves).
pub fn in_netns<T: Send + 'static>(
    ns: &Netns,
    f: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    let path = format!("/var/run/netns/{}", ns.name());
    std::thread::spawn(move || {
        let fd = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
}

/// Runs a command inside `ns` with a timeout.
pub fn run_in(ns: &Netns, program: &str, args: &[&str]) -> Output {
    testkit::sandbox::run_with_timeout(ns.command(program).args(args), Duration::from_secs(30))
        .expect("run command")
}

/// Two namespaces, each with one veth whose outer end stays in the root namespace:
/// `a_ns` has 10.77.0.1/24, `b_ns` has 10.77.0.2/24.
pub struct TwoHosts {
    pub a_ns: Netns,
    pub b_ns: Netns,
    pub a: Veth,
    pub b: Veth,
}

impl TwoHosts {
    pub fn new() -> TwoHosts {
        let a_ns = Netns::new("a").expect("netns a");
        let b_ns = Netns::new("b").expect("netns b");
        let mut a = Veth::new("a").expect("veth a");
        let mut b = Veth::new("b").expect("veth b");
        a.plug_into(&a_ns, "eth0", "10.77.0.1/24").expect("plug a");
        b.plug_into(&b_ns, "eth0", "10.77.0.2/24").expect("plug b");
        TwoHosts { a_ns, b_ns, a, b }
    }
}

/// What a forwarder saw.
#[derive(Debug, Default, Clone)]
pub struct FwdStats {
    pub a_to_b: u64,
    pub b_to_a: u64,
    /// Largest GSO super-packet seen (frame length) and its gso_type.
    pub max_gso: usize,
    pub gso_type: u8,
    pub gso_packets: u64,
    pub errors: Vec<String>,
}

/// Forwards between two ports until stopped or the deadline passes.
pub struct Forwarder {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<FwdStats>>,
}

impl Forwarder {
    pub fn start(a: Arc<dyn Netdev>, b: Arc<dyn Netdev>, deadline: Duration) -> Forwarder {
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let end = Instant::now() + deadline;
            let mut st = FwdStats::default();
            let mut ba = RxBatch::for_netdev(&*a, DEFAULT_BATCH);
            let mut bb = RxBatch::for_netdev(&*b, DEFAULT_BATCH);
            while !s2.load(Ordering::Relaxed) && Instant::now() < end {
                let mut idle = true;
                for (from, to, batch, dir) in [(&a, &b, &mut ba, 0), (&b, &a, &mut bb, 1)] {
                    match from.recv_batch(batch) {
                        Ok(0) => {}
                        Ok(n) => {
                            idle = false;
                            for i in 0..n {
                                if let Some(v) = batch.vnet_hdr(i).filter(|v| v.is_gso()) {
                                    st.gso_packets += 1;
                                    st.gso_type = v.gso_type;
                                    let len = batch.packet(i).map_or(0, <[u8]>::len);
                                    st.max_gso = st.max_gso.max(len);
                                }
                            }
                            let mut tx = [TxPacket::default(); DEFAULT_BATCH];
                            let k = batch.fill_tx(&mut tx);
                            match to.send_batch(&tx[..k]) {
                                Ok(sent) => {
                                    if dir == 0 {
                                        st.a_to_b += sent as u64
                                    } else {
                                        st.b_to_a += sent as u64
                                    }
                                }
                                Err(e) => st.errors.push(e.to_string()),
                            }
                        }
                        Err(e) => {
                            st.errors.push(e.to_string());
                            return st;
                        }
                    }
                }
                if idle {
                    let _ = wait_readable(&[a.rx_fd(), b.rx_fd()], Some(Duration::from_millis(20)));
                }
            }
            st
        });
        Forwarder {
            stop,
            thread: Some(thread),
        }
    }

    pub fn finish(mut self) -> FwdStats {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn ones_complement(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// If `frame` is an ARP request for `ip`, the reply from `mac`.
pub fn arp_reply(frame: &[u8], ip: [u8; 4], mac: [u8; 6]) -> Option<Vec<u8>> {
    if frame.len() < 42 || frame[12..14] != [0x08, 0x06] || frame[20..22] != [0, 1] {
        return None;
    }
    if frame[38..42] != ip {
        return None;
    }
    let mut r = Vec::with_capacity(42);
    r.extend_from_slice(&frame[6..12]); // to the requester
    r.extend_from_slice(&mac);
    r.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2]);
    r.extend_from_slice(&mac);
    r.extend_from_slice(&ip);
    r.extend_from_slice(&frame[22..28]); // sender hw
    r.extend_from_slice(&frame[28..32]); // sender ip
    Some(r)
}

/// If `frame` is an ICMP echo request to `ip`, the echo reply.
pub fn icmp_echo_reply(frame: &[u8], ip: [u8; 4]) -> Option<Vec<u8>> {
    if frame.len() < 34 || frame[12..14] != [0x08, 0x00] {
        return None;
    }
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    if frame[23] != 1 || frame[30..34] != ip || frame.len() < 14 + ihl + 8 {
        return None;
    }
    let l4 = 14 + ihl;
    if frame[l4] != 8 {
        return None;
    }
    let mut r = frame.to_vec();
    r[0..6].copy_from_slice(&frame[6..12]);
    r[6..12].copy_from_slice(&frame[0..6]);
    r[26..30].copy_from_slice(&frame[30..34]);
    r[30..34].copy_from_slice(&frame[26..30]);
    r[l4] = 0;
    r[l4 + 2] = 0;
    r[l4 + 3] = 0;
    let c = ones_complement(&r[l4..]);
    r[l4 + 2..l4 + 4].copy_from_slice(&c.to_be_bytes());
    // The IP header checksum is unchanged by swapping addresses.
    Some(r)
}

/// An Ethernet frame with the given addresses, EtherType 0x88b5 (local experimental) and
/// `payload`.
pub fn test_frame(dst: [u8; 6], src: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x88, 0xb5]);
    f.extend_from_slice(payload);
    f
}
