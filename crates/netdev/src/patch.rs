//! The `patch` provider: one end of a patch cable between two bridges (`type=patch`,
//! `options:peer=<other end>`), as OpenStack joins `br-int` to `br-ex`/`br-tun`.
//!
//! A patch port has no kernel counterpart. A frame the switch sends on one end is queued
//! for receive on the peer end (found by name among the open patch ports), whose eventfd
//! then wakes the PMD polling it — the frame re-enters the datapath on the other bridge.
//! Virtio-net metadata (GSO super-packets, partial checksums) passes through unchanged, so
//! an offloaded TCP stream crosses the cable without being segmented. The link is up (has
//! carrier) while the peer end is open and names this end as its peer; frames sent while
//! it is down are dropped and counted.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use crate::batch::RxBatch;
use crate::error::{NetdevError, Result};
use crate::sys;
use crate::types::{MacAddr, NetdevKind, NetdevStats, Offloads, TxPacket, VnetHdr};
use crate::Netdev;

/// Frames queued for receive beyond this are dropped (and counted as the sender's
/// transmit drops).
pub const MAX_RX_QUEUE: usize = 4096;

static NEXT_MAC: AtomicU32 = AtomicU32::new(1);

#[derive(Debug)]
struct State {
    rxq: VecDeque<(Vec<u8>, Option<VnetHdr>)>,
    up: bool,
    mtu: u32,
    mac: MacAddr,
    stats: NetdevStats,
}

#[derive(Debug)]
struct End {
    name: String,
    peer: String,
    state: Mutex<State>,
    event: File,
}

impl End {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type Registry = Mutex<BTreeMap<String, Weak<End>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Mutex::new(BTreeMap::new()))
}

fn find(name: &str) -> Option<Arc<End>> {
    registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .and_then(Weak::upgrade)
}

/// One end of a patch cable; see the module docs.
#[derive(Debug)]
pub struct PatchNetdev {
    end: Arc<End>,
}

impl PatchNetdev {
    /// Opens patch port `name` whose other end is `peer` (which may be opened later).
    pub fn open(name: &str, peer: &str) -> Result<PatchNetdev> {
        if name.is_empty() || peer.is_empty() {
            return Err(NetdevError::InvalidArgument(
                "patch port needs a name and options:peer".into(),
            ));
        }
        if name == peer {
            return Err(NetdevError::InvalidArgument(format!(
                "{name}: patch port cannot be its own peer"
            )));
        }
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        if reg.get(name).and_then(Weak::upgrade).is_some() {
            return Err(NetdevError::InvalidArgument(format!(
                "{name}: patch port already open"
            )));
        }
        let n = NEXT_MAC.fetch_add(1, Ordering::Relaxed).to_be_bytes();
        let event =
            File::from(sys::eventfd().map_err(|e| NetdevError::io(name, "create eventfd", e))?);
        let end = Arc::new(End {
            name: name.to_string(),
            peer: peer.to_string(),
            state: Mutex::new(State {
                rxq: VecDeque::new(),
                up: true,
                mtu: 1500,
                mac: MacAddr([0xaa, 0x55, 0xaa, n[1], n[2], n[3]]),
                stats: NetdevStats::default(),
            }),
            event,
        });
        reg.insert(name.to_string(), Arc::downgrade(&end));
        Ok(PatchNetdev { end })
    }

    /// The other end, if it is open and points back at this one.
    fn peer(&self) -> Option<Arc<End>> {
        find(&self.end.peer).filter(|p| p.peer == self.end.name)
    }
}

impl Drop for PatchNetdev {
    fn drop(&mut self) {
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        if reg
            .get(&self.end.name)
            .is_some_and(|w| w.as_ptr() == Arc::as_ptr(&self.end))
        {
            reg.remove(&self.end.name);
        }
    }
}

impl Netdev for PatchNetdev {
    fn name(&self) -> &str {
        &self.end.name
    }

    fn kind(&self) -> NetdevKind {
        NetdevKind::Patch
    }

    fn ifindex(&self) -> Result<u32> {
        // Not a kernel interface.
        Ok(0)
    }

    fn recv_batch(&self, batch: &mut RxBatch) -> Result<usize> {
        batch.clear();
        let mut st = self.end.lock();
        while batch.len() < batch.capacity() {
            let Some((frame, vnet)) = st.rxq.pop_front() else {
                break;
            };
            if !batch.push_copy(&frame, vnet) {
                st.stats.rx_errors += 1;
                continue;
            }
            st.stats.rx_packets += 1;
            st.stats.rx_bytes += frame.len() as u64;
        }
        if st.rxq.is_empty() {
            let mut b = [0u8; 8];
            let _ = (&self.end.event).read(&mut b);
        }
        Ok(batch.len())
    }

    fn send_batch(&self, pkts: &[TxPacket<'_>]) -> Result<usize> {
        let peer = self.peer();
        let mut st = self.end.lock();
        let Some(peer) = peer.filter(|_| st.up) else {
            st.stats.tx_dropped += pkts.len() as u64;
            return Ok(0);
        };
        let mut sent = 0;
        {
            let mut pst = peer.lock();
            for p in pkts {
                if !pst.up || pst.rxq.len() >= MAX_RX_QUEUE {
                    st.stats.tx_dropped += 1;
                    continue;
                }
                pst.rxq
                    .push_back((p.data.to_vec(), p.vnet.filter(|v| !v.is_plain())));
                st.stats.tx_packets += 1;
                st.stats.tx_bytes += p.data.len() as u64;
                sent += 1;
            }
        }
        if sent > 0 {
            let _ = (&peer.event).write(&1u64.to_ne_bytes());
        }
        Ok(sent)
    }

    fn rx_fd(&self) -> BorrowedFd<'_> {
        self.end.event.as_fd()
    }

    fn mtu(&self) -> Result<u32> {
        Ok(self.end.lock().mtu)
    }

    fn set_mtu(&self, mtu: u32) -> Result<()> {
        if !(68..=65535).contains(&mtu) {
            return Err(NetdevError::InvalidArgument(format!(
                "MTU {mtu} out of range"
            )));
        }
        self.end.lock().mtu = mtu;
        Ok(())
    }

    fn mac(&self) -> Result<MacAddr> {
        Ok(self.end.lock().mac)
    }

    fn set_mac(&self, mac: MacAddr) -> Result<()> {
        self.end.lock().mac = mac;
        Ok(())
    }

    fn is_up(&self) -> Result<bool> {
        Ok(self.end.lock().up)
    }

    fn set_up(&self, up: bool) -> Result<()> {
        self.end.lock().up = up;
        Ok(())
    }

    fn carrier(&self) -> Result<bool> {
        Ok(self.end.lock().up && self.peer().is_some_and(|p| p.lock().up))
    }

    fn stats(&self) -> Result<NetdevStats> {
        Ok(self.end.lock().stats)
    }

    fn offloads(&self) -> Offloads {
        // Whatever one side's datapath sends, the other side's receives unchanged.
        Offloads {
            vnet_hdr: true,
            partial_csum: true,
            gso: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8) -> Vec<u8> {
        let mut f = vec![0u8; 60];
        f[0] = n;
        f
    }

    #[test]
    fn frames_cross_the_cable_both_ways() {
        let a = PatchNetdev::open("ptest-a", "ptest-b").unwrap();
        // No peer yet: no carrier, sends are dropped.
        assert!(!a.carrier().unwrap());
        assert_eq!(a.send_batch(&[TxPacket::new(&frame(1))]).unwrap(), 0);
        assert_eq!(a.stats().unwrap().tx_dropped, 1);
        let b = PatchNetdev::open("ptest-b", "ptest-a").unwrap();
        assert!(a.carrier().unwrap() && b.carrier().unwrap());
        assert_eq!(
            a.send_batch(&[TxPacket::new(&frame(2)), TxPacket::new(&frame(3))])
                .unwrap(),
            2
        );
        assert!(crate::wait_readable(&[b.rx_fd()], Some(std::time::Duration::ZERO)).unwrap());
        let mut batch = RxBatch::for_netdev(&b, 8);
        assert_eq!(b.recv_batch(&mut batch).unwrap(), 2);
        assert_eq!(batch.packet(0).unwrap()[0], 2);
        assert_eq!(batch.packet(1).unwrap()[0], 3);
        assert!(!crate::wait_readable(&[b.rx_fd()], Some(std::time::Duration::ZERO)).unwrap());
        assert_eq!(b.send_batch(&[TxPacket::new(&frame(4))]).unwrap(), 1);
        assert_eq!(a.recv_batch(&mut batch).unwrap(), 1);
        assert_eq!(a.stats().unwrap().rx_packets, 1);
        assert_eq!(a.stats().unwrap().tx_packets, 2);
        // Down on one side: no carrier on either, and nothing crosses.
        b.set_up(false).unwrap();
        assert!(!a.carrier().unwrap());
        assert_eq!(a.send_batch(&[TxPacket::new(&frame(5))]).unwrap(), 0);
        drop(b);
        assert!(!a.carrier().unwrap());
    }

    #[test]
    fn bad_configurations_are_refused() {
        assert!(PatchNetdev::open("ptest-c", "ptest-c").is_err());
        assert!(PatchNetdev::open("ptest-d", "").is_err());
        let _d = PatchNetdev::open("ptest-d", "ptest-e").unwrap();
        assert!(PatchNetdev::open("ptest-d", "ptest-e").is_err());
        // A peer that points elsewhere is not a peer.
        let _e = PatchNetdev::open("ptest-e", "ptest-x").unwrap();
        assert!(!_d.carrier().unwrap());
    }
}
