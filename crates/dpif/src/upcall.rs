//! [`UpcallQueue`]: the bounded queue between a datapath's poll threads and ofproto's
//! handler threads.
//!
//! Poll threads must never wait for ofproto, so [`UpcallQueue::push`] never blocks: when the
//! queue already holds `capacity` upcalls the new one is dropped and counted as lost (OVS's
//! `lost` counter in `dpctl/show`). Handler threads take upcalls with
//! [`UpcallQueue::pop`] (non-blocking) and, when it returns `None`, park in
//! [`UpcallQueue::wait`] until a push, a [`UpcallQueue::wake`] or the timeout. A datapath
//! implementing [`crate::Dpif`] can back `recv`, `recv_wait` and `recv_wake` with one of
//! these (or one per handler, hashing flows to queues as OVS does).
//!
//! The queue is a mutex-protected ring plus a condition variable; it does no I/O.

use crate::provider::Upcall;
use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<Upcall>,
    lost: u64,
    /// Bumped by `wake()` so waiters notice a wake-up that is not an upcall.
    wakeups: u64,
}

/// A bounded multi-producer, multi-consumer upcall queue. See the module documentation.
#[derive(Debug)]
pub struct UpcallQueue {
    inner: Mutex<Inner>,
    ready: Condvar,
    capacity: usize,
}

impl UpcallQueue {
    /// A queue that holds at most `capacity` upcalls (at least 1).
    pub fn new(capacity: usize) -> UpcallQueue {
        UpcallQueue {
            inner: Mutex::new(Inner::default()),
            ready: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the queue inconsistent (every update
        // is a single push/pop), so a poisoned lock is simply taken over.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues an upcall; returns false (and counts it lost) if the queue is full.
    pub fn push(&self, upcall: Upcall) -> bool {
        let mut g = self.lock();
        if g.queue.len() >= self.capacity {
            g.lost += 1;
            return false;
        }
        g.queue.push_back(upcall);
        drop(g);
        self.ready.notify_one();
        true
    }

    /// Takes the oldest upcall, if any.
    pub fn pop(&self) -> Option<Upcall> {
        self.lock().queue.pop_front()
    }

    /// Blocks until the queue is non-empty, [`wake`](Self::wake) is called or `timeout`
    /// passes; returns whether an upcall is queued.
    pub fn wait(&self, timeout: Duration) -> bool {
        let g = self.lock();
        if !g.queue.is_empty() {
            return true;
        }
        let seen = g.wakeups;
        let (g, _) = self
            .ready
            .wait_timeout_while(g, timeout, |i| i.queue.is_empty() && i.wakeups == seen)
            .unwrap_or_else(|e| e.into_inner());
        !g.queue.is_empty()
    }

    /// Wakes every waiter (for shutdown or reconfiguration).
    pub fn wake(&self) {
        self.lock().wakeups += 1;
        self.ready.notify_all();
    }

    /// Upcalls queued now.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// True if nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Upcalls dropped because the queue was full.
    pub fn lost(&self) -> u64 {
        self.lock().lost
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::UpcallType;
    use packet::PacketBuf;
    use std::sync::Arc;

    fn upcall(port: u32) -> Upcall {
        Upcall {
            kind: UpcallType::Miss,
            packet: PacketBuf::from_slice(&[0u8; 60]),
            key: flow::Flow::new(),
            in_port: port,
            userdata: None,
            actions: None,
            egress_port: None,
        }
    }

    #[test]
    fn bounded_fifo_counts_lost() {
        let q = UpcallQueue::new(2);
        assert!(q.push(upcall(1)));
        assert!(q.push(upcall(2)));
        assert!(!q.push(upcall(3)));
        assert_eq!(q.lost(), 1);
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop().map(|u| u.in_port), Some(1));
        assert_eq!(q.pop().map(|u| u.in_port), Some(2));
        assert!(q.pop().is_none());
        assert!(q.is_empty());
    }

    #[test]
    fn wait_returns_on_push_and_on_wake() {
        let q = Arc::new(UpcallQueue::new(8));
        // A waiter with a long timeout returns as soon as another thread pushes.
        let q2 = Arc::clone(&q);
        let t = std::thread::spawn(move || q2.wait(Duration::from_secs(60)));
        // The push may happen before or after the waiter parks; either way it returns true.
        q.push(upcall(7));
        assert!(t.join().unwrap_or(false));
        assert_eq!(q.pop().map(|u| u.in_port), Some(7));

        // wake() releases a waiter on an empty queue, which then reports "nothing queued".
        let q3 = Arc::clone(&q);
        let t = std::thread::spawn(move || q3.wait(Duration::from_secs(60)));
        // Keep waking until the waiter has returned (it may not have parked yet).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !t.is_finished() && std::time::Instant::now() < deadline {
            q.wake();
            std::thread::yield_now();
        }
        assert_eq!(t.join().ok(), Some(false));
        // A short timeout on an empty queue returns false.
        assert!(!q.wait(Duration::from_millis(1)));
    }
}
