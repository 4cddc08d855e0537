//! Helpers shared by the datapath's integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use datapath::{UpcallHandler, UpcallResult};
use dpif::{OdpAction, OdpPort};
use flow::{FieldId, Flow, FlowWildcards};
use packet::{PacketBuf, PacketBuilder};

/// A name unique to this process for a dummy port.
pub fn pname(tag: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "dp{}{tag}{}",
        std::process::id() % 100_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls `f` until it holds or 10 s pass.
pub fn wait_until(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    f()
}

/// A UDP frame 10.0.0.1 -> 10.0.0.`dst` with `seq` in its payload.
pub fn udp_frame(dst: u8, seq: u32) -> Vec<u8> {
    PacketBuilder::new()
        .ethernet(
            "50:54:00:00:00:01".parse().unwrap(),
            "50:54:00:00:00:02".parse().unwrap(),
        )
        .ipv4(Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, dst))
        .udp(1000, 2000)
        .payload(&seq.to_be_bytes())
        .build()
        .unwrap()
}

/// The sequence number a [`udp_frame`] carries (last 4 bytes).
pub fn seq_of(frame: &[u8]) -> u32 {
    let n = frame.len();
    u32::from_be_bytes(frame[n - 4..].try_into().unwrap())
}

/// Wildcards with `in_port` and `dl_type` significant (plus `extra`).
pub fn mask_with(extra: &[FieldId]) -> FlowWildcards {
    let mut wc = FlowWildcards::catchall();
    wc.set(FieldId::InPort, u128::MAX);
    wc.set(FieldId::EthType, u128::MAX);
    for f in extra {
        wc.set(*f, u128::MAX);
    }
    wc
}

/// An upcall handler forwarding by a port map, counting its calls.
pub struct Fwd {
    pub map: Mutex<HashMap<OdpPort, OdpPort>>,
    pub mask: FlowWildcards,
    pub install: bool,
    pub calls: AtomicU64,
}

impl Fwd {
    pub fn new(pairs: &[(OdpPort, OdpPort)], mask: FlowWildcards) -> Fwd {
        Fwd {
            map: Mutex::new(pairs.iter().copied().collect()),
            mask,
            install: true,
            calls: AtomicU64::new(0),
        }
    }
}

impl UpcallHandler for Fwd {
    fn upcall(&self, _packet: &PacketBuf, _flow: &Flow, in_port: OdpPort) -> UpcallResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let out = self.map.lock().unwrap().get(&in_port).copied();
        UpcallResult {
            actions: out.map(OdpAction::Output).into_iter().collect(),
            wildcards: self.mask,
            install: self.install,
        }
    }
}

/// utime + stime (clock ticks) of thread `tid` of this process.
pub fn thread_cpu_ticks(tid: u64) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ut: u64 = f.get(11)?.parse().ok()?;
    let st: u64 = f.get(12)?.parse().ok()?;
    Some(ut + st)
}
