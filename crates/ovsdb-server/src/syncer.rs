//! Group commit off the core's thread: `fdatasync` runs on a thread of its own.
//!
//! The core must not acknowledge a transaction before its log record is on stable storage, and
//! an `fdatasync` takes a good fraction of a millisecond. Done inline it would stall the whole
//! server, the network side included, so requests from other clients could not even be read
//! while it ran and the next batch would hold only what happened to arrive in the meantime.
//! Instead the core writes a batch's records (a plain `write`, into the page cache), hands the
//! files to the [`Syncer`] and goes on executing whatever arrives; the replies of the batch wait
//! in the core until the sync reports back. Everything that piles up during one sync is made
//! durable by the next one, so under load each `fdatasync` covers many transactions.
//!
//! At most one sync is in flight. Completion is reported through a channel and the core is
//! woken through a [`Notify`], so it never blocks on the disk except when it chooses to wait
//! ([`Syncer::wait`], used on the way out).

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

use ovsdb_log::SyncHandle;
use tokio::sync::Notify;

/// Runs `fdatasync`s on a background thread, one batch at a time.
#[derive(Debug)]
pub struct Syncer {
    /// Jobs for the thread; `None` if the thread could not be started (syncs then run inline).
    jobs: Option<Sender<Vec<SyncHandle>>>,
    done_tx: Sender<Result<(), String>>,
    done: Receiver<Result<(), String>>,
    wake: Arc<Notify>,
    in_flight: bool,
}

fn sync_all(handles: &[SyncHandle]) -> Result<(), String> {
    for h in handles {
        h.sync().map_err(|e| e.to_string())?;
    }
    Ok(())
}

impl Syncer {
    /// Starts the sync thread.
    pub fn new() -> Syncer {
        let (done_tx, done) = channel();
        let wake = Arc::new(Notify::new());
        let (jobs_tx, jobs_rx) = channel::<Vec<SyncHandle>>();
        let thread_done = done_tx.clone();
        let thread_wake = wake.clone();
        let spawned = std::thread::Builder::new()
            .name("fdatasync".into())
            .spawn(move || {
                while let Ok(handles) = jobs_rx.recv() {
                    let result = sync_all(&handles);
                    drop(handles);
                    if thread_done.send(result).is_err() {
                        break;
                    }
                    thread_wake.notify_one();
                }
            });
        Syncer {
            jobs: spawned.ok().map(|_| jobs_tx),
            done_tx,
            done,
            wake,
            in_flight: false,
        }
    }

    /// Notified whenever a sync completes.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Whether a sync has been started and its result not yet collected.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Starts making `handles` durable. Must not be called while a sync is in flight.
    pub fn start(&mut self, handles: Vec<SyncHandle>) {
        self.in_flight = true;
        let handles = match &self.jobs {
            Some(jobs) => match jobs.send(handles) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => handles,
        };
        // No thread: do it here; the result is collected like a background one.
        let _ = self.done_tx.send(sync_all(&handles));
        self.wake.notify_one();
    }

    /// The result of the sync in flight if it has finished (without blocking).
    pub fn poll(&mut self) -> Option<Result<(), String>> {
        if !self.in_flight {
            return None;
        }
        match self.done.try_recv() {
            Ok(r) => {
                self.in_flight = false;
                Some(r)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.in_flight = false;
                Some(Err("fdatasync thread exited".into()))
            }
        }
    }

    /// Waits for the sync in flight, if any, and returns its result.
    pub fn wait(&mut self) -> Option<Result<(), String>> {
        if !self.in_flight {
            return None;
        }
        self.in_flight = false;
        Some(
            self.done
                .recv()
                .unwrap_or_else(|_| Err("fdatasync thread exited".into())),
        )
    }
}
