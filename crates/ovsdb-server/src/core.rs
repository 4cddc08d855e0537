//! The server core: every database and every session's OVSDB state, on one thread.
//!
//! Connections (tasks on the same runtime, see `net`) turn bytes into JSON-RPC messages and hand them to the
//! core as [`Event`]s over a channel; the core owns everything else, so there is no locking:
//! databases, monitors, locks, blocked `wait` transactions and the `_Server` database.
//!
//! The core is one task on the daemon's single-threaded runtime, like Open vSwitch's one main
//! loop: no thread hand-offs to execute a request. It works in batches: it takes every event
//! that is waiting (up to a bound), handles
//! each in arrival order (executing transactions against the in-memory databases and queueing
//! their log records), then writes the batch's records with one write per database and makes
//! them durable with one `fdatasync` (group commit); only then are the replies and monitor
//! updates the batch produced released. A client therefore never sees a reply for a transaction
//! that a crash could lose, nor data that such a transaction wrote.
//!
//! With several clients the `fdatasync` runs on a thread of its own (see `syncer`): while it is
//! in flight the core keeps handling requests, and everything they commit is made durable by the
//! next sync, so the batches grow with the load and many clients share one `fdatasync`. Messages
//! are released strictly in the order they were produced. With one client connected, one
//! client committing alone for several syncs in a row, a batch in which (about) every
//! connection committed, or a disk that syncs in a few microseconds, there is nothing worth
//! overlapping and the core syncs inline, saving the hand-off: the requests that arrive while
//! it waits for the disk queue up in their sockets and form the next batch. (Measured with 8
//! clients on a disk syncing in 0.1-0.4 ms: inline, each sync covered all 8 commits and a
//! commit cost a third less CPU; on the thread, syncs started back to back split the clients
//! into two groups taking turns, 4 commits a sync, each sync adding two thread wake-ups. With
//! 32 or 100 clients only part of them commit in each batch, and the overlap raises
//! throughput by about a tenth at the same CPU per commit.)
//!
//! Order on the wire follows Open vSwitch: the monitor updates a commit causes are queued
//! before the reply to the transaction that caused them.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonrpc::{Message, Sender};
use ovsdb::changes::ChangeSet;
use ovsdb::db::Database;
use ovsdb::monitor::{Monitor, MonitorVersion};
use ovsdb::txn::{Outcome, TxnEnv};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::remotes::{self, RemoteConfig};
use crate::server_db;
use crate::storage::StoredDb;
use crate::syncer::Syncer;

/// Identifies one client connection.
pub type ConnId = u64;

/// Something the core must handle.
#[derive(Debug)]
pub enum Event {
    /// A client connected; `sender` queues messages to it.
    Connected {
        /// The connection.
        conn: ConnId,
        /// Its outgoing queue.
        sender: Sender,
        /// Its name for log messages (`unix#3`, `tcp:1.2.3.4:5678`).
        name: String,
        /// Notified to make the connection task hang up (a client too slow to keep up).
        closer: Arc<tokio::sync::Notify>,
    },
    /// A client sent a message.
    Message {
        /// The connection.
        conn: ConnId,
        /// The message.
        msg: Message,
    },
    /// A client went away.
    Disconnected {
        /// The connection.
        conn: ConnId,
    },
    /// An `ovs-appctl` command that needs the core.
    Control {
        /// What to do.
        cmd: Control,
        /// Where the command's output (or error text) goes.
        reply: std::sync::mpsc::Sender<Result<String, String>>,
    },
}

/// Control commands that act on the core's state.
#[derive(Debug, Clone)]
pub enum Control {
    /// `ovsdb-server/compact [DB]`.
    Compact(Option<String>),
    /// `ovsdb-server/list-dbs`.
    ListDbs,
    /// `ovsdb-server/add-remote REMOTE`.
    AddRemote(String),
    /// `ovsdb-server/remove-remote REMOTE`.
    RemoveRemote(String),
    /// `ovsdb-server/list-remotes`.
    ListRemotes,
    /// `exit`.
    Exit,
}

/// Where a database's contents live.
#[derive(Debug)]
enum Backing {
    /// A database file.
    File(Box<StoredDb>),
    /// The in-memory `_Server` database.
    Memory(Database),
}

#[derive(Debug)]
struct DbEntry {
    backing: Backing,
    /// Id of the last committed transaction (for `monitor_cond_since`).
    last_txn: Uuid,
    /// Recent transactions, oldest first, for clients that reconnect with `monitor_cond_since`.
    history: VecDeque<(Uuid, Arc<ChangeSet>)>,
    history_rows: usize,
}

impl DbEntry {
    fn db(&self) -> &Database {
        match &self.backing {
            Backing::File(s) => &s.db,
            Backing::Memory(d) => d,
        }
    }
}

/// Bounds on the transaction history kept per database.
const HISTORY_MAX_TXNS: usize = 100;
const HISTORY_MAX_ROWS: usize = 2_000;
/// Most events handled in one batch before the batch is made durable and released.
const MAX_BATCH: usize = 512;

#[derive(Debug)]
struct MonitorEntry {
    db: String,
    id: Value,
    monitor: Monitor,
    /// Identifies what the monitor asks for (database, version, requests): monitors with equal
    /// specs get the same updates, computed and serialised once per commit.
    spec: String,
}

/// A message waiting in the outbox: built for one client, or wire text shared by several.
#[derive(Debug)]
enum Out {
    Message(Message),
    Serialized(Arc<str>),
}

#[derive(Debug)]
struct Session {
    sender: Sender,
    closer: Arc<tokio::sync::Notify>,
    name: String,
    /// Monitors by their id (serialised JSON).
    monitors: HashMap<String, MonitorEntry>,
    /// Locks this session holds or waits for.
    locks: BTreeSet<String>,
}

#[derive(Debug)]
struct Pending {
    conn: ConnId,
    id: Value,
    db: String,
    params: Value,
    started_ms: i64,
    deadline_ms: Option<i64>,
}

/// The core's state. Construct with [`Core::new`], run with [`Core::run`].
#[derive(Debug)]
pub struct Core {
    dbs: BTreeMap<String, DbEntry>,
    sessions: HashMap<ConnId, Session>,
    /// Lock name -> queue of sessions; the front holds the lock.
    locks: HashMap<String, VecDeque<ConnId>>,
    pending: Vec<Pending>,
    outbox: Vec<(ConnId, Out)>,
    /// Messages waiting for their data to be durable, in order, each tagged with the write
    /// sequence number that must be synced first.
    held: VecDeque<(u64, ConnId, Out)>,
    /// Numbers the batches of log writes (see `syncer`).
    write_seq: u64,
    /// Every write numbered up to this is durable.
    durable_seq: u64,
    /// Set when a write went to a file the sync in flight does not cover: later writes may then
    /// not be published to the sync thread until that sync is over.
    frozen: bool,
    /// Databases with records written and not yet known to be durable.
    dirty: BTreeSet<String>,
    /// Who committed since the last sync was decided on: the first connection, and whether
    /// any other did too.
    committer: Option<ConnId>,
    several_committers: bool,
    /// The one connection behind each of the last `solo_streak` syncs, when one client
    /// commits alone (while many others may be connected, say monitoring).
    solo: Option<ConnId>,
    solo_streak: u32,
    syncer: Syncer,
    /// Transactions committed since the last sync was started.
    batch_commits: usize,
    changed_dbs: BTreeSet<String>,
    server_id: Uuid,
    remotes: RemoteConfig,
    remote_tx: tokio::sync::watch::Sender<remotes::Resolved>,
    exiting: bool,
    uuids: crate::uuidgen::UuidGen,
    started: Instant,
    epoch_ms: i64,
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn log_warn(msg: &str) {
    vlog::global().log("ovsdb_server", vlog::Level::Warn, msg);
}

fn log_info(msg: &str) {
    vlog::global().log("ovsdb_server", vlog::Level::Info, msg);
}

fn syntax_error(syntax: &Value, details: &str) -> Value {
    json!({"error": "syntax error", "syntax": syntax.to_string(), "details": details})
}

impl Core {
    /// Creates the core serving `files` (already opened) plus `_Server`.
    pub fn new(
        files: Vec<StoredDb>,
        remotes: RemoteConfig,
        remote_tx: tokio::sync::watch::Sender<remotes::Resolved>,
    ) -> Core {
        let mut dbs = BTreeMap::new();
        for stored in files {
            let name = stored.db.name().to_string();
            dbs.insert(
                name,
                DbEntry {
                    backing: Backing::File(Box::new(stored)),
                    last_txn: Uuid::nil(),
                    history: VecDeque::new(),
                    history_rows: 0,
                },
            );
        }
        let mut core = Core {
            dbs,
            sessions: HashMap::new(),
            locks: HashMap::new(),
            pending: Vec::new(),
            outbox: Vec::new(),
            held: VecDeque::new(),
            write_seq: 0,
            durable_seq: 0,
            frozen: false,
            committer: None,
            several_committers: false,
            solo: None,
            solo_streak: 0,
            dirty: BTreeSet::new(),
            syncer: Syncer::new(),
            batch_commits: 0,
            changed_dbs: BTreeSet::new(),
            server_id: Uuid::new_v4(),
            remotes,
            remote_tx,
            exiting: false,
            uuids: crate::uuidgen::UuidGen::new(),
            started: Instant::now(),
            epoch_ms: wall_ms(),
        };
        let server = server_db::new_database();
        core.dbs.insert(
            server_db::NAME.to_string(),
            DbEntry {
                backing: Backing::Memory(server),
                last_txn: Uuid::nil(),
                history: VecDeque::new(),
                history_rows: 0,
            },
        );
        core.refresh_server_db();
        core.publish_remotes();
        core
    }

    /// Milliseconds on a monotonic clock expressed as wall-clock time (for `_date` and `wait`).
    fn now_ms(&self) -> i64 {
        self.epoch_ms + self.started.elapsed().as_millis() as i64
    }

    /// Runs until `exit`: handles events in batches (see the module docs). Producers push
    /// events into `events` and then notify `wake`.
    pub async fn run(mut self, events: Receiver<Event>, wake: Arc<tokio::sync::Notify>) {
        let mut disconnected = false;
        let synced = self.syncer.wake();
        while !disconnected {
            let timeout = self.next_timeout();
            tokio::select! {
                _ = wake.notified() => {}
                _ = synced.notified() => {}
                _ = tokio::time::sleep(timeout) => {}
            }
            // Handle everything queued, in bounded batches, each made durable before its
            // replies go out.
            loop {
                let mut batch = Vec::new();
                while batch.len() < MAX_BATCH {
                    match events.try_recv() {
                        Ok(e) => batch.push(e),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => {
                            disconnected = true;
                            break;
                        }
                    }
                }
                let full = batch.len() == MAX_BATCH;
                for event in batch {
                    self.handle(event);
                }
                self.after_batch();
                if self.exiting || !full {
                    break;
                }
            }
            if self.exiting {
                break;
            }
        }
        // Make sure nothing acknowledged is lost on the way out.
        if let Some((result, _)) = self.syncer.wait() {
            Self::check_sync(result);
        }
        self.write_all();
        self.sync_all();
        self.durable_seq = self.write_seq;
        let held: Vec<(ConnId, Out)> = std::mem::take(&mut self.held)
            .into_iter()
            .map(|(_, c, o)| (c, o))
            .collect();
        self.deliver(held);
        let out = std::mem::take(&mut self.outbox);
        self.deliver(out);
    }

    fn next_timeout(&self) -> Duration {
        let now = self.now_ms();
        let mut wait = 1000;
        for p in &self.pending {
            if let Some(d) = p.deadline_ms {
                wait = wait.min((d - now).max(0));
            }
        }
        Duration::from_millis(wait as u64)
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Connected {
                conn,
                sender,
                name,
                closer,
            } => {
                self.sessions.insert(
                    conn,
                    Session {
                        sender,
                        closer,
                        name,
                        monitors: HashMap::new(),
                        locks: BTreeSet::new(),
                    },
                );
            }
            Event::Disconnected { conn } => self.disconnect(conn),
            Event::Message { conn, msg } => self.handle_message(conn, msg),
            Event::Control { cmd, reply } => {
                let out = self.control(cmd);
                let _ = reply.send(out);
            }
        }
    }

    fn disconnect(&mut self, conn: ConnId) {
        if let Some(session) = self.sessions.remove(&conn) {
            for name in session.locks {
                self.release_lock(conn, &name);
            }
        }
        self.pending.retain(|p| p.conn != conn);
    }

    fn send(&mut self, conn: ConnId, msg: Message) {
        self.outbox.push((conn, Out::Message(msg)));
    }

    fn reply(&mut self, conn: ConnId, id: Value, result: Value) {
        self.send(conn, Message::reply(result, id));
    }

    fn error(&mut self, conn: ConnId, id: Value, error: Value) {
        self.send(conn, Message::error(error, id));
    }

    fn handle_message(&mut self, conn: ConnId, msg: Message) {
        match msg {
            Message::Request { method, params, id } => {
                self.handle_request(conn, &method, params, id)
            }
            Message::Notify { method, params } => {
                if method == "cancel" {
                    self.cancel(conn, params.first().cloned().unwrap_or(Value::Null));
                }
            }
            Message::Reply { .. } | Message::Error { .. } => {
                // Open vSwitch drops a client that answers a request it never sent.
                if let Some(s) = self.sessions.get(&conn) {
                    log_warn(&format!("{}: received unexpected reply message", s.name));
                    s.closer.notify_one();
                }
                self.disconnect(conn);
            }
        }
    }

    fn handle_request(&mut self, conn: ConnId, method: &str, params: Vec<Value>, id: Value) {
        // The params are moved, not copied: a transaction's can be large.
        let params_json = Value::Array(params);
        let params: &[Value] = match &params_json {
            Value::Array(a) => a,
            _ => &[],
        };
        match method {
            "transact" => self.transact(conn, params_json, id),
            "list_dbs" => {
                let names: Vec<Value> = self.dbs.keys().map(|n| json!(n)).collect();
                self.reply(conn, id, Value::Array(names));
            }
            "get_schema" => match self.db_param(method, &params_json) {
                Ok(name) => {
                    let schema = self.dbs[&name].db().schema().to_json();
                    self.reply(conn, id, schema);
                }
                Err(e) => self.error(conn, id, e),
            },
            "monitor" => self.monitor(conn, params_json, id, MonitorVersion::V1),
            "monitor_cond" => self.monitor(conn, params_json, id, MonitorVersion::V2),
            "monitor_cond_since" => self.monitor(conn, params_json, id, MonitorVersion::V3),
            "monitor_cancel" => self.monitor_cancel(conn, params, id),
            "monitor_cond_change" => self.monitor_cond_change(conn, params, id),
            "lock" | "steal" | "unlock" => self.lock_request(conn, method, params, id),
            "set_db_change_aware" => self.reply(conn, id, json!({})),
            "get_server_id" => {
                let sid = self.server_id.to_string();
                self.reply(conn, id, json!(sid));
            }
            "echo" => self.reply(conn, id, params_json),
            _ => self.error(conn, id, json!("unknown method")),
        }
    }

    /// Validates `[db-name, ...]` params.
    fn db_param(&self, method: &str, params: &Value) -> Result<String, Value> {
        match params.get(0).and_then(Value::as_str) {
            None => Err(syntax_error(
                params,
                &format!("{method} request params must begin with <db-name>"),
            )),
            Some(name) if self.dbs.contains_key(name) => Ok(name.to_string()),
            Some(name) => Err(json!({
                "error": "unknown database",
                "syntax": params.to_string(),
                "details": format!("{method} request specifies unknown database {name}"),
            })),
        }
    }

    // ----- transactions -----

    fn transact(&mut self, conn: ConnId, params: Value, id: Value) {
        let name = match self.db_param("transact", &params) {
            Ok(n) => n,
            Err(e) => return self.error(conn, id, e),
        };
        let now = self.now_ms();
        self.run_transaction(Pending {
            conn,
            id,
            db: name,
            params,
            started_ms: now,
            deadline_ms: None,
        });
    }

    /// Executes (or re-executes) a transaction; a blocked one goes (back) to `pending`.
    fn run_transaction(&mut self, mut p: Pending) {
        let now = self.now_ms();
        let outcome = {
            let (sessions, locks, conn) = (&self.sessions, &self.locks, p.conn);
            let holds = move |name: &str| {
                sessions.get(&conn).is_some_and(|s| s.locks.contains(name))
                    && locks.get(name).and_then(|q| q.front()) == Some(&conn)
            };
            let gen_state = &mut self.uuids;
            let mut gen = || gen_state.next();
            let mut env = TxnEnv {
                now_ms: now,
                started_ms: p.started_ms,
                uuid_gen: &mut gen,
                locks: &holds,
                read_only: false,
            };
            self.dbs[&p.db].db().execute(&p.params, &mut env)
        };
        match outcome {
            Outcome::Blocked { deadline_ms } => {
                p.deadline_ms = deadline_ms;
                self.pending.push(p);
            }
            Outcome::Done(r) => {
                let mut result = r.result;
                if p.db == server_db::NAME {
                    if let Some(refused) = server_db::reject_writes(&p.params, &result) {
                        return self.reply(p.conn, p.id, refused);
                    }
                }
                if r.success && !r.changes.is_empty() {
                    self.batch_commits += 1;
                    match self.committer {
                        None => self.committer = Some(p.conn),
                        Some(c) if c != p.conn => self.several_committers = true,
                        Some(_) => {}
                    }
                    if let Err(e) = self.commit(&p.db, r.changes, r.comment.as_deref()) {
                        log_warn(&e);
                        result = json!([{"error": "I/O error", "details": e}]);
                    }
                }
                if self.sessions.contains_key(&p.conn) {
                    self.reply(p.conn, p.id, result);
                }
            }
        }
    }

    /// Commits `changes` to `db`: log, memory, history, monitors.
    fn commit(
        &mut self,
        db: &str,
        changes: ChangeSet,
        comment: Option<&str>,
    ) -> Result<(), String> {
        let now = self.now_ms();
        let entry = self.dbs.get_mut(db).ok_or("no such database")?;
        match &mut entry.backing {
            Backing::File(stored) => stored.commit(&changes, now, comment)?,
            Backing::Memory(d) => d.commit(&changes),
        }
        let txn_id = self.uuids.next();
        entry.last_txn = txn_id;
        let changes = Arc::new(changes);
        entry.history_rows += changes.n_rows();
        entry.history.push_back((txn_id, changes.clone()));
        while entry.history.len() > HISTORY_MAX_TXNS || entry.history_rows > HISTORY_MAX_ROWS {
            match entry.history.pop_front() {
                Some((_, c)) => entry.history_rows -= c.n_rows(),
                None => break,
            }
        }
        self.notify_monitors(db, &changes, txn_id);
        self.changed_dbs.insert(db.to_string());
        Ok(())
    }

    fn notify_monitors(&mut self, db: &str, changes: &ChangeSet, txn_id: Uuid) {
        // Each distinct monitor spec's update is computed and serialised once; every client
        // then gets it wrapped in its own monitor id.
        let mut computed: HashMap<&str, Option<Arc<str>>> = HashMap::new();
        let txn_id = txn_id.to_string();
        let mut out = Vec::new();
        for (conn, session) in &self.sessions {
            for m in session.monitors.values() {
                if m.db != db {
                    continue;
                }
                let update = computed
                    .entry(m.spec.as_str())
                    .or_insert_with(|| {
                        m.monitor
                            .updates(changes)
                            .map(|u| Arc::from(ovs_json::to_string(&u)))
                    })
                    .clone();
                let Some(update) = update else { continue };
                let method = match m.monitor.version {
                    MonitorVersion::V1 => "update",
                    MonitorVersion::V2 => "update2",
                    MonitorVersion::V3 => "update3",
                };
                let mut text = String::with_capacity(update.len() + 96);
                text.push_str("{\"id\":null,\"method\":\"");
                text.push_str(method);
                text.push_str("\",\"params\":[");
                ovs_json::write_value(&m.id, &mut text);
                text.push(',');
                if m.monitor.version == MonitorVersion::V3 {
                    ovs_json::write_string(&txn_id, &mut text);
                    text.push(',');
                }
                text.push_str(&update);
                text.push_str("]}");
                out.push((*conn, Out::Serialized(Arc::from(text))));
            }
        }
        self.outbox.extend(out);
    }

    fn cancel(&mut self, conn: ConnId, id: Value) {
        if let Some(pos) = self
            .pending
            .iter()
            .position(|p| p.conn == conn && p.id == id)
        {
            let p = self.pending.remove(pos);
            self.error(p.conn, p.id, json!("canceled"));
        }
    }

    // ----- monitors -----

    fn monitor(&mut self, conn: ConnId, params: Value, id: Value, version: MonitorVersion) {
        let method = match version {
            MonitorVersion::V1 => "monitor",
            MonitorVersion::V2 => "monitor_cond",
            MonitorVersion::V3 => "monitor_cond_since",
        };
        let name = match self.db_param(method, &params) {
            Ok(n) => n,
            Err(e) => return self.error(conn, id, e),
        };
        let monitor_id = params.get(1).cloned().unwrap_or(Value::Null);
        let key = monitor_id.to_string();
        let Some(requests) = params.get(2) else {
            return self.error(
                conn,
                id,
                syntax_error(
                    &params,
                    &format!("{method} request params must have 3 elements"),
                ),
            );
        };
        if self
            .sessions
            .get(&conn)
            .is_some_and(|s| s.monitors.contains_key(&key))
        {
            return self.error(conn, id, syntax_error(&monitor_id, "duplicate monitor ID"));
        }
        let entry = &self.dbs[&name];
        let monitor = match Monitor::from_json(entry.db().schema(), requests, version) {
            Ok(m) => m,
            Err(e) => return self.error(conn, id, e.to_json()),
        };
        let result = match version {
            MonitorVersion::V3 => {
                let last = params
                    .get(3)
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok());
                let since = last.and_then(|l| {
                    if l == entry.last_txn && !l.is_nil() {
                        return Some(Vec::new());
                    }
                    let pos = entry.history.iter().position(|(t, _)| *t == l)?;
                    Some(
                        entry
                            .history
                            .iter()
                            .skip(pos + 1)
                            .map(|(_, c)| c.clone())
                            .collect(),
                    )
                });
                let last_id = json!(entry.last_txn.to_string());
                match since {
                    Some(changes) => {
                        let merged = merge_changes(entry.db(), &changes);
                        let updates = monitor.updates(&merged).unwrap_or_else(|| json!({}));
                        json!([true, last_id, updates])
                    }
                    None => json!([false, last_id, monitor.initial(entry.db())]),
                }
            }
            _ => monitor.initial(entry.db()),
        };
        let spec = format!(
            "{name}|{version:?}|{}",
            ovs_json::to_string_sorted(requests)
        );
        if let Some(s) = self.sessions.get_mut(&conn) {
            s.monitors.insert(
                key,
                MonitorEntry {
                    db: name,
                    id: monitor_id,
                    monitor,
                    spec,
                },
            );
        }
        self.reply(conn, id, result);
    }

    fn monitor_cancel(&mut self, conn: ConnId, params: &[Value], id: Value) {
        let key = params.first().cloned().unwrap_or(Value::Null).to_string();
        let removed = self
            .sessions
            .get_mut(&conn)
            .and_then(|s| s.monitors.remove(&key))
            .is_some();
        if removed {
            self.reply(conn, id, json!({}));
        } else {
            self.error(conn, id, json!("unknown monitor"));
        }
    }

    fn monitor_cond_change(&mut self, conn: ConnId, params: &[Value], id: Value) {
        let params_json = Value::Array(params.to_vec());
        if params.len() != 3 {
            return self.error(
                conn,
                id,
                syntax_error(
                    &params_json,
                    "monitor_cond_change request params must have 3 elements",
                ),
            );
        }
        let old_key = params[0].to_string();
        let new_id = params[1].clone();
        let new_key = new_id.to_string();
        let Some(session) = self.sessions.get_mut(&conn) else {
            return;
        };
        if old_key != new_key && session.monitors.contains_key(&new_key) {
            return self.error(conn, id, syntax_error(&new_id, "duplicate monitor ID"));
        }
        let Some(mut entry) = session.monitors.remove(&old_key) else {
            return self.error(conn, id, json!("unknown monitor"));
        };
        let db_name = entry.db.clone();
        let db = &self.dbs[&db_name];
        let result = entry.monitor.change_conditions(db.db(), &params[2]);
        // The conditions now differ from the spec's: this monitor no longer shares updates.
        entry.spec = format!("{db_name}|changed|{conn}|{new_key}");
        entry.id = new_id.clone();
        let version = entry.monitor.version;
        let session = self.sessions.get_mut(&conn).expect("session exists");
        match result {
            Err(e) => {
                // The old conditions stay in force under the old id.
                let old_id = params[0].clone();
                entry.id = old_id;
                session.monitors.insert(old_key, entry);
                self.error(conn, id, e.to_json());
            }
            Ok(update) => {
                session.monitors.insert(new_key, entry);
                if let Some(upd) = update {
                    let msg = match version {
                        MonitorVersion::V3 => {
                            let last = self.dbs[&db_name].last_txn.to_string();
                            Message::notify("update3", vec![new_id.clone(), json!(last), upd])
                        }
                        _ => Message::notify("update2", vec![new_id.clone(), upd]),
                    };
                    self.send(conn, msg);
                }
                self.reply(conn, id, json!({}));
            }
        }
    }

    // ----- locks -----

    fn lock_request(&mut self, conn: ConnId, method: &str, params: &[Value], id: Value) {
        let params_json = Value::Array(params.to_vec());
        let name = match params {
            [Value::String(n)] => n.clone(),
            _ => {
                return self.error(
                    conn,
                    id,
                    syntax_error(
                        &params_json,
                        &format!("{method} request params must be <id>"),
                    ),
                )
            }
        };
        let Some(session) = self.sessions.get_mut(&conn) else {
            return;
        };
        match method {
            "lock" | "steal" => {
                if session.locks.contains(&name) {
                    return self.error(
                        conn,
                        id,
                        syntax_error(&params_json, "must issue \"unlock\" before new \"lock\""),
                    );
                }
                session.locks.insert(name.clone());
                let queue = self.locks.entry(name.clone()).or_default();
                let locked = if method == "steal" {
                    let previous = queue.front().copied();
                    queue.push_front(conn);
                    if let Some(prev) = previous {
                        self.send(prev, Message::notify("stolen", vec![json!(name)]));
                    }
                    true
                } else {
                    queue.push_back(conn);
                    queue.len() == 1
                };
                self.reply(conn, id, json!({"locked": locked}));
            }
            _ => {
                if !session.locks.remove(&name) {
                    return self.error(
                        conn,
                        id,
                        syntax_error(
                            &params_json,
                            "unlock: \"unlock\" without \"lock\" or \"steal\"",
                        ),
                    );
                }
                self.release_lock(conn, &name);
                self.reply(conn, id, json!({}));
            }
        }
    }

    /// Removes `conn` from `name`'s queue; a new owner is told it has the lock.
    fn release_lock(&mut self, conn: ConnId, name: &str) {
        let Some(queue) = self.locks.get_mut(name) else {
            return;
        };
        let was_owner = queue.front() == Some(&conn);
        queue.retain(|c| *c != conn);
        let next = queue.front().copied();
        if queue.is_empty() {
            self.locks.remove(name);
        }
        if was_owner {
            if let Some(next) = next {
                self.send(next, Message::notify("locked", vec![json!(name)]));
            }
        }
    }

    // ----- after each batch -----

    fn after_batch(&mut self) {
        // Blocked transactions: retry those whose database changed or whose deadline passed.
        let now = self.now_ms();
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            for p in pending {
                let due = p.deadline_ms.is_some_and(|d| now >= d);
                if due || self.changed_dbs.contains(&p.db) {
                    self.run_transaction(p);
                } else {
                    self.pending.push(p);
                }
            }
        }
        if !self.changed_dbs.is_empty() {
            let changed = std::mem::take(&mut self.changed_dbs);
            if self.remotes.depends_on(&changed) {
                self.publish_remotes();
            }
            for name in &changed {
                self.maybe_compact(name, now);
            }
        }
        self.write_all();
        self.release();
    }

    /// Writes every database's queued records (without waiting for the disk) and numbers the
    /// write (see `syncer`).
    fn write_all(&mut self) {
        let mut wrote = false;
        let mut foreign = false;
        for (name, entry) in self.dbs.iter_mut() {
            if let Backing::File(stored) = &mut entry.backing {
                match stored.write_pending() {
                    Ok(true) => {
                        wrote = true;
                        foreign |= self.syncer.in_flight() && !self.syncer.covers(name);
                        self.dirty.insert(name.clone());
                    }
                    Ok(false) => {}
                    Err(e) => Self::check_sync(Err(e)),
                }
            }
        }
        if wrote {
            self.write_seq += 1;
            self.frozen |= foreign;
            if !self.frozen {
                self.syncer.written(self.write_seq);
            }
        }
    }

    /// Stops the server if making the logs durable failed (see [`Self::sync_all`]).
    fn check_sync(result: Result<(), String>) {
        if let Err(e) = result {
            vlog::global().log(
                "ovsdb_server",
                vlog::Level::Emer,
                &format!("{e}: cannot make committed transactions durable, exiting"),
            );
            std::process::exit(1);
        }
    }

    /// Collects a finished sync, holds the batch's messages until their data is durable,
    /// starts the next sync when one is needed and releases every message whose data is
    /// durable (see the module docs).
    fn release(&mut self) {
        if let Some((result, covered)) = self.syncer.poll() {
            Self::check_sync(result);
            self.sync_done(covered);
        }
        let tag = self.write_seq;
        for (conn, out) in self.outbox.drain(..) {
            self.held.push_back((tag, conn, out));
        }
        if !self.syncer.in_flight() && self.write_seq > self.durable_seq {
            let alone = self.committing_alone();
            // Inline when every connection (or most) committed in this batch: nobody is left
            // to send a request that the thread's overlap could take in, and the hand-off
            // (two wake-ups, a context switch each) only costs; worse, syncs started back to
            // back split the clients into two groups that take turns, each sync covering
            // half as many commits. With many clients, only part of them commit in each
            // batch and the overlap pays.
            let commits = std::mem::take(&mut self.batch_commits);
            let everyone_committed = commits.saturating_mul(2) >= self.sessions.len();
            if self.sessions.len() <= 1 || alone || everyone_committed || self.syncer.disk_is_fast()
            {
                // Nobody else is likely to add to the next batch, or the disk is so fast that
                // the hand-off would cost more than it overlaps: sync here. Requests that
                // arrive meanwhile wait in their sockets and make up the next batch.
                let start = Instant::now();
                for name in std::mem::take(&mut self.dirty) {
                    if let Some(DbEntry {
                        backing: Backing::File(stored),
                        ..
                    }) = self.dbs.get_mut(&name)
                    {
                        Self::check_sync(stored.sync());
                    }
                }
                self.syncer.note_sync_time(start.elapsed());
                self.durable_seq = self.write_seq;
            } else {
                let mut files = Vec::new();
                for name in &self.dirty {
                    if let Some(DbEntry {
                        backing: Backing::File(stored),
                        ..
                    }) = self.dbs.get_mut(name)
                    {
                        match stored.sync_handle() {
                            Ok(h) => files.push((name.clone(), h)),
                            Err(e) => Self::check_sync(Err(e)),
                        }
                    }
                }
                self.syncer.start(files);
            }
        }
        let mut ready = Vec::new();
        while self
            .held
            .front()
            .is_some_and(|(tag, _, _)| *tag <= self.durable_seq)
        {
            if let Some((_, conn, out)) = self.held.pop_front() {
                ready.push((conn, out));
            }
        }
        if !ready.is_empty() {
            self.deliver(ready);
        }
    }

    /// Whether one client has been committing alone for the last few syncs (the hand-off to
    /// the sync thread then only adds latency); updates the streak for the sync being started.
    fn committing_alone(&mut self) -> bool {
        match (self.committer.take(), self.several_committers) {
            (None, _) => {}
            (Some(c), false) if self.solo == Some(c) => {
                self.solo_streak = self.solo_streak.saturating_add(1)
            }
            (Some(c), false) => {
                self.solo = Some(c);
                self.solo_streak = 1;
            }
            (Some(_), true) => {
                self.solo = None;
                self.solo_streak = 0;
            }
        }
        self.several_committers = false;
        self.solo_streak >= 3
    }

    /// A sync that covers every write numbered up to `covered` has finished.
    fn sync_done(&mut self, covered: u64) {
        self.durable_seq = self.durable_seq.max(covered);
        if self.durable_seq >= self.write_seq {
            self.dirty.clear();
        }
        self.frozen = false;
        self.syncer.written(self.write_seq);
    }

    /// Writes and fsyncs every database's queued records. A failure here means transactions
    /// applied in memory may not be on disk: nothing of the batch may be acknowledged, so the
    /// server stops at once (under `--monitor` it restarts from the file, which holds exactly
    /// what was acknowledged before).
    fn sync_all(&mut self) {
        for entry in self.dbs.values_mut() {
            if let Backing::File(stored) = &mut entry.backing {
                Self::check_sync(stored.sync());
            }
        }
    }

    /// Queues `msgs` on their connections.
    fn deliver(&mut self, msgs: Vec<(ConnId, Out)>) {
        let mut slow = Vec::new();
        for (conn, out) in msgs {
            if let Some(s) = self.sessions.get(&conn) {
                let sent = match out {
                    Out::Message(msg) => s.sender.try_send(msg),
                    Out::Serialized(text) => s.sender.try_send_serialized(text),
                };
                if let Err(e) = sent {
                    slow.push((conn, e.to_string()));
                }
            }
        }
        for (conn, why) in slow {
            if let Some(s) = self.sessions.get(&conn) {
                log_warn(&format!("{}: dropping connection: {why}", s.name));
                s.closer.notify_one();
            }
            self.disconnect(conn);
        }
    }

    fn maybe_compact(&mut self, name: &str, now: i64) {
        if let Some(DbEntry {
            backing: Backing::File(stored),
            ..
        }) = self.dbs.get_mut(name)
        {
            if stored.wants_compaction(now) {
                // A sync in flight holds the file being replaced: it cannot vouch for later
                // writes.
                self.frozen |= self.syncer.in_flight();
                if let Err(e) = stored.sync().and_then(|_| stored.compact(now)) {
                    log_warn(&format!("compaction failed: {e}"));
                } else {
                    log_info(&format!("{}: compacted", stored.path().display()));
                }
            }
        }
    }

    fn publish_remotes(&mut self) {
        let dbs: BTreeMap<&str, &Database> =
            self.dbs.iter().map(|(n, e)| (n.as_str(), e.db())).collect();
        let resolved = self.remotes.resolve(&dbs);
        self.remote_tx.send_if_modified(|current| {
            if *current != resolved {
                *current = resolved;
                true
            } else {
                false
            }
        });
    }

    fn refresh_server_db(&mut self) {
        let served: Vec<(String, Value)> = self
            .dbs
            .iter()
            .map(|(n, e)| (n.clone(), e.db().schema().to_json()))
            .collect();
        let changes = {
            let entry = &self.dbs[server_db::NAME];
            server_db::sync_changes(entry.db(), &served)
        };
        if let Some(changes) = changes {
            if let Err(e) = self.commit(server_db::NAME, changes, None) {
                log_warn(&e);
            }
        }
    }

    // ----- ovs-appctl -----

    fn control(&mut self, cmd: Control) -> Result<String, String> {
        match cmd {
            Control::Exit => {
                self.exiting = true;
                Ok(String::new())
            }
            Control::ListDbs => Ok(self
                .dbs
                .keys()
                .filter(|n| n.as_str() != server_db::NAME)
                .map(|n| format!("{n}\n"))
                .collect()),
            Control::Compact(which) => {
                let now = self.now_ms();
                // A sync in flight holds the file being replaced: it cannot vouch for later
                // writes.
                self.frozen |= self.syncer.in_flight();
                let mut done = 0;
                for (name, entry) in self.dbs.iter_mut() {
                    if which.as_deref().is_some_and(|w| w != name) {
                        continue;
                    }
                    if let Backing::File(stored) = &mut entry.backing {
                        stored.sync()?;
                        stored
                            .compact(now)
                            .map_err(|e| format!("{name}: compaction failed ({e})"))?;
                        done += 1;
                    }
                }
                match (which, done) {
                    (Some(name), 0) => Err(format!("{name}: unknown database")),
                    _ => Ok(String::new()),
                }
            }
            Control::AddRemote(r) => {
                self.remotes.add(&r).map_err(|e| e.to_string())?;
                self.publish_remotes();
                Ok(String::new())
            }
            Control::RemoveRemote(r) => {
                if self.remotes.remove(&r) {
                    self.publish_remotes();
                    Ok(String::new())
                } else {
                    Err(format!("{r}: no such remote"))
                }
            }
            Control::ListRemotes => Ok(self
                .remotes
                .configured()
                .iter()
                .map(|r| format!("{r}\n"))
                .collect()),
        }
    }
}

/// Merges consecutive change sets (oldest first) into one that takes each row from its state
/// before the first to its state after the last, for `monitor_cond_since` replies that cover
/// several transactions. A row inserted and deleted within the span disappears.
fn merge_changes(db: &Database, sets: &[Arc<ChangeSet>]) -> ChangeSet {
    use ovsdb::changes::TableChanges;
    let schema = db.schema();
    let mut tables: BTreeMap<usize, TableChanges> = BTreeMap::new();
    for set in sets {
        for tc in &set.tables {
            let entry = tables.entry(tc.table).or_insert_with(|| TableChanges {
                table: tc.table,
                name: tc.name.clone(),
                rows: BTreeMap::new(),
            });
            for (uuid, rc) in &tc.rows {
                match entry.rows.get_mut(uuid) {
                    Some(prev) => prev.new = rc.new.clone(),
                    None => {
                        entry.rows.insert(*uuid, rc.clone());
                    }
                }
            }
        }
    }
    let mut out = ChangeSet::default();
    for (ti, mut tc) in tables {
        let Some(ts) = schema.tables.get(ti) else {
            continue;
        };
        tc.rows.retain(|_, rc| rc.old.is_some() || rc.new.is_some());
        for rc in tc.rows.values_mut() {
            rc.changed = match (&rc.old, &rc.new) {
                (Some(old), Some(new)) => ts
                    .user_columns()
                    .map(|(i, _)| i)
                    .filter(|&i| old.get(i) != new.get(i))
                    .collect(),
                (None, Some(new)) => ts
                    .user_columns()
                    .filter(|(i, c)| new.get(*i).is_some_and(|d| !d.is_default(&c.ty)))
                    .map(|(i, _)| i)
                    .collect(),
                _ => Vec::new(),
            };
        }
        tc.rows
            .retain(|_, rc| rc.new.is_none() || rc.old.is_none() || !rc.changed.is_empty());
        if !tc.rows.is_empty() {
            out.tables.push(tc);
        }
    }
    out
}
