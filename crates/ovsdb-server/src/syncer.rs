//! Group commit off the core's thread: `fdatasync` runs on a thread of its own.
//!
//! The core must not acknowledge a transaction before its log record is on stable storage, and
//! an `fdatasync` takes a good fraction of a millisecond. Done inline it would stall the whole
//! server, the network side included, so requests from other clients could not even be read
//! while it ran and the next batch would hold only what happened to arrive in the meantime.
//! Instead the core writes a batch's records (a plain `write`, into the page cache), hands the
//! files to the [`Syncer`] and goes on executing whatever arrives; the replies wait in the core
//! until the sync that covers their records reports back.
//!
//! Coverage is tracked with write sequence numbers. The core numbers each batch of writes and
//! publishes the number ([`Syncer::written`]) once the write has returned; the sync thread
//! reads the published number just before it calls `fdatasync`, and since `fdatasync` makes
//! every write that completed before it durable, it reports that number back as synced. So a
//! sync also covers whatever the core wrote while the thread was waking up. (Two variations
//! were measured and dropped: making the thread wait a little for more, as some databases do,
//! and letting two syncs overlap on two threads. Neither raised throughput with 8 to 100
//! clients here; both cost CPU or latency.)
//!
//! On a disk whose `fdatasync` takes less than [`FAST_SYNC`] (tmpfs, a lying write cache) the
//! hand-off costs more than the overlap gains, so the core watches the average sync time
//! ([`Syncer::disk_is_fast`]) and then syncs inline. It also syncs inline when (about) every
//! connection committed in the batch: nobody is left whose requests the overlap could take
//! in (see the core's module docs).
//!
//! The core must stop publishing once it writes to a file that the sync in flight does not
//! cover ([`Syncer::covers`]). At most one sync is in flight. Completion is reported through a
//! channel and the core is woken through a [`Notify`], so it never blocks on the disk except
//! when it chooses to wait ([`Syncer::wait`], used on the way out).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ovsdb_log::SyncHandle;
use tokio::sync::Notify;

/// One sync: the files to make durable.
struct Job {
    handles: Vec<Arc<SyncHandle>>,
}

/// What a finished sync reports: success, and the write sequence number it covers.
type Done = (Result<(), String>, u64);

/// Runs `fdatasync`s on a background thread, one batch at a time.
#[derive(Debug)]
pub struct Syncer {
    /// Jobs for the thread; `None` if the thread could not be started (syncs then run inline).
    jobs: Option<Sender<Job>>,
    done_tx: Sender<Done>,
    done: Receiver<Done>,
    wake: Arc<Notify>,
    /// The last write sequence number whose write has completed (published by the core).
    written: Arc<AtomicU64>,
    /// Databases the sync in flight covers.
    covering: Vec<String>,
    in_flight: bool,
    /// How long the thread's last sync took, in microseconds.
    last_us: Arc<AtomicU64>,
    /// Moving average of how long syncs take, in microseconds.
    average_us: u64,
}

/// Below this average `fdatasync` time (a disk with a write cache that lies, tmpfs) handing
/// syncs to the thread costs more than it overlaps: [`Syncer::disk_is_fast`].
pub const FAST_SYNC: Duration = Duration::from_micros(40);

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("files", &self.handles.len())
            .finish()
    }
}

fn sync_all(handles: &[Arc<SyncHandle>]) -> Result<(), String> {
    for h in handles {
        h.sync().map_err(|e| e.to_string())?;
    }
    Ok(())
}

impl Syncer {
    /// Starts the sync thread.
    pub fn new() -> Syncer {
        let (done_tx, done) = channel::<Done>();
        let wake = Arc::new(Notify::new());
        let written = Arc::new(AtomicU64::new(0));
        let (jobs_tx, jobs_rx) = channel::<Job>();
        let thread_done = done_tx.clone();
        let thread_wake = wake.clone();
        let thread_written = written.clone();
        let last_us = Arc::new(AtomicU64::new(0));
        let thread_last_us = last_us.clone();
        let spawned = std::thread::Builder::new()
            .name("fdatasync".into())
            .spawn(move || {
                while let Ok(job) = jobs_rx.recv() {
                    let covered = thread_written.load(Ordering::Acquire);
                    let start = Instant::now();
                    let result = sync_all(&job.handles);
                    let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
                    thread_last_us.store(us, Ordering::Release);
                    drop(job);
                    if thread_done.send((result, covered)).is_err() {
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
            written,
            covering: Vec::new(),
            in_flight: false,
            last_us,
            average_us: 0,
        }
    }

    /// Records how long a sync took (the thread's are recorded here; the core reports the
    /// ones it ran inline).
    pub fn note_sync_time(&mut self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        // An exponential moving average over about eight syncs.
        self.average_us = self.average_us - self.average_us / 8 + us / 8;
    }

    /// Whether syncs have lately been so fast that the core should run them inline.
    pub fn disk_is_fast(&self) -> bool {
        u128::from(self.average_us) < FAST_SYNC.as_micros()
    }

    fn collected(&mut self) {
        self.in_flight = false;
        self.covering.clear();
        let us = self.last_us.load(Ordering::Acquire);
        self.note_sync_time(Duration::from_micros(us));
    }

    /// Notified whenever a sync completes.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Whether a sync has been started and its result not yet collected.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Whether the sync in flight (if any) covers database `db`'s file.
    pub fn covers(&self, db: &str) -> bool {
        self.covering.iter().any(|d| d == db)
    }

    /// Publishes that every write numbered up to `seq` has completed. Only for writes to
    /// files the sync in flight covers (or when none is in flight).
    pub fn written(&self, seq: u64) {
        self.written.store(seq, Ordering::Release);
    }

    /// Starts making `files` durable (database names with their handles). Must not be called
    /// while a sync is in flight.
    pub fn start(&mut self, files: Vec<(String, Arc<SyncHandle>)>) {
        self.in_flight = true;
        let (names, handles): (Vec<String>, Vec<Arc<SyncHandle>>) = files.into_iter().unzip();
        self.covering = names;
        let job = Job { handles };
        let job = match &self.jobs {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => job,
        };
        // No thread: do it here; the result is collected like a background one.
        let covered = self.written.load(Ordering::Acquire);
        let _ = self.done_tx.send((sync_all(&job.handles), covered));
        self.wake.notify_one();
    }

    /// The result of the sync in flight, with the write sequence number it covers, if it has
    /// finished (without blocking).
    pub fn poll(&mut self) -> Option<Done> {
        if !self.in_flight {
            return None;
        }
        let done = match self.done.try_recv() {
            Ok(d) => d,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => (Err("fdatasync thread exited".into()), 0),
        };
        self.collected();
        Some(done)
    }

    /// Waits for the sync in flight, if any, and returns its result.
    pub fn wait(&mut self) -> Option<Done> {
        if !self.in_flight {
            return None;
        }
        let done = self
            .done
            .recv()
            .unwrap_or_else(|_| (Err("fdatasync thread exited".into()), 0));
        self.collected();
        Some(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovsdb_log::{Log, OpenMode};

    #[test]
    fn reports_what_was_published_before_the_sync_as_covered() {
        let dir = std::env::temp_dir().join(format!("ferro-syncer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("t.db");
        let mut log = Log::open(&path, OpenMode::Create).expect("create log").log;
        log.append(&serde_json::json!({"a": 1}), false)
            .expect("append");

        let mut syncer = Syncer::new();
        assert!(!syncer.in_flight());
        assert!(syncer.poll().is_none());
        assert!(syncer.wait().is_none());

        syncer.written(5);
        let handle = log.sync_handle().expect("handle");
        syncer.start(vec![("t".into(), Arc::new(handle))]);
        assert!(syncer.in_flight());
        assert!(syncer.covers("t"));
        assert!(!syncer.covers("other"));
        let (result, covered) = syncer.wait().expect("a sync was in flight");
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(covered, 5);
        assert!(!syncer.in_flight());
        assert!(!syncer.covers("t"));

        // Completion is also seen by polling, and wakes the core.
        syncer.written(9);
        syncer.start(vec![(
            "t".into(),
            Arc::new(log.sync_handle().expect("handle")),
        )]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let done = loop {
            if let Some(d) = syncer.poll() {
                break d;
            }
            assert!(std::time::Instant::now() < deadline, "sync never finished");
            std::thread::yield_now();
        };
        assert!(done.0.is_ok());
        assert_eq!(done.1, 9);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(30), syncer.wake().notified())
                .await
                .expect("woken after the sync");
        });
        drop(log);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
