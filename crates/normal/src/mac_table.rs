//! The MAC learning table (Open vSwitch's forwarding database, `fdb/show`).
//!
//! Entries map a (VLAN, MAC) pair to the port the address was last seen on. The table is
//! bounded (`other_config:mac-table-size`, default 8192, forced into 10..=1,000,000) and
//! entries age out (`other_config:mac-aging-time`, default 300 s, forced into 15..=3600).
//!
//! Time is whole seconds derived from the millisecond clock the caller passes in (the table
//! never reads a clock): an entry learned at second `t` has age `now - t` and expires when its
//! age reaches the idle time. Re-learning an address on the same port refreshes it only once
//! its age is at least one second, exactly as Open vSwitch avoids rewriting an entry on every
//! packet.
//!
//! Bookkeeping mirrors Open vSwitch so that `fdb/show` lists entries in the same order (least
//! recently refreshed first) and `fdb/stats-show` shows the same counters:
//!
//! * a global LRU list (by a monotonically increasing sequence number) drives aging and the
//!   listing order;
//! * a per-port LRU list gives **fair eviction**: when the table is full, the entry evicted to
//!   make room is the least recently refreshed entry *of the port that holds the most
//!   entries*, so a port flooding the table with source addresses cannot push out everybody
//!   else's (ties between equally loaded ports go to the port whose oldest entry is oldest);
//! * **moves**: when an address shows up on another port the entry is re-pointed and the
//!   "port moved" counter increases;
//! * **gratuitous-ARP locking**: learning from a gratuitous ARP locks the entry for 5 s; while
//!   locked, a gratuitous ARP arriving on a *bond* cannot move it (that is a reflection of the
//!   original announcement coming back over another bond member). Non-bond ports move the
//!   entry as usual;
//! * `flood_vlans`: no learning (and no lookups) on those VLANs; changing the set flushes
//!   the table;
//! * flushes (all, per VLAN, per port) remove entries without counting them as expired;
//!   aging in [`MacTable::run`] counts them as expired, overflow evictions as evicted.
//!
//! [`MacTable::revision`] increases whenever a change could alter a forwarding decision (an
//! address learned, moved, expired, evicted or flushed, flood VLANs changed), so a caller that
//! caches decisions (a megaflow cache) knows when it must revalidate them. Refreshing an
//! entry in place does not change the revision.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

use crate::mac::{format_mac, is_multicast};

/// Default `mac-aging-time` in seconds.
pub const DEFAULT_IDLE_TIME: u32 = 300;
/// Default `mac-table-size`.
pub const DEFAULT_MAX_ENTRIES: usize = 8192;
/// How long (seconds) a gratuitous ARP locks an entry against bond reflections.
pub const GRAT_ARP_LOCK_SECS: i64 = 5;

/// Forces an idle time into Open vSwitch's accepted range (15..=3600 seconds).
pub fn normalize_idle_time(secs: u32) -> u32 {
    secs.clamp(15, 3600)
}

/// Forces a table size into Open vSwitch's accepted range (10..=1,000,000).
pub fn normalize_max_entries(n: usize) -> usize {
    n.clamp(10, 1_000_000)
}

fn secs(now_ms: u64) -> i64 {
    i64::try_from(now_ms / 1000).unwrap_or(i64::MAX)
}

#[derive(Clone, Debug)]
struct Entry<P> {
    port: P,
    /// Second at which the entry expires (`None` for a static entry).
    expires: Option<i64>,
    /// Gratuitous-ARP lock end (seconds).
    grat_arp_lock: i64,
    lru_seq: u64,
    port_seq: u64,
}

/// One entry as reported by [`MacTable::entries`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacEntryInfo<P> {
    /// VLAN.
    pub vlan: u16,
    /// MAC address (low 48 bits).
    pub mac: u64,
    /// Port.
    pub port: P,
    /// Age in seconds (`None` for a static entry).
    pub age: Option<i64>,
}

/// `fdb/stats-show` counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MacStats {
    /// Entries ever learned (new entries, not refreshes or moves).
    pub learned: u64,
    /// Entries aged out (or dropped by [`MacTable::run`] after the size shrank).
    pub expired: u64,
    /// Entries evicted to make room for a new one.
    pub evicted: u64,
    /// Entries moved to another port.
    pub moved: u64,
}

/// What [`MacTable::learn`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LearnOutcome {
    /// Not learnable (multicast source or flood VLAN).
    NotLearnable,
    /// Already known on this port and recent; nothing changed.
    Unchanged,
    /// A new entry.
    Learned,
    /// Existing entry refreshed on the same port.
    Refreshed,
    /// Existing entry moved from another port.
    Moved,
    /// Gratuitous ARP on a bond while the entry is locked: ignored.
    Locked,
}

/// The MAC learning table, generic over the caller's port identifier.
#[derive(Clone, Debug)]
pub struct MacTable<P> {
    entries: HashMap<(u16, u64), Entry<P>>,
    lru: BTreeMap<u64, (u16, u64)>,
    port_lru: BTreeMap<(P, u64), (u16, u64)>,
    port_counts: HashMap<P, usize>,
    seq: u64,
    idle_time: u32,
    max_entries: usize,
    flood_vlans: BTreeSet<u16>,
    stats: MacStats,
    revision: u64,
}

impl<P: Copy + Eq + Ord + Hash> Default for MacTable<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Copy + Eq + Ord + Hash> MacTable<P> {
    /// An empty table with the default size and aging time.
    pub fn new() -> Self {
        MacTable {
            entries: HashMap::new(),
            lru: BTreeMap::new(),
            port_lru: BTreeMap::new(),
            port_counts: HashMap::new(),
            seq: 0,
            idle_time: DEFAULT_IDLE_TIME,
            max_entries: DEFAULT_MAX_ENTRIES,
            flood_vlans: BTreeSet::new(),
            stats: MacStats::default(),
            revision: 0,
        }
    }

    /// The aging time in seconds.
    pub fn idle_time(&self) -> u32 {
        self.idle_time
    }

    /// Sets the aging time (normalised with [`normalize_idle_time`]); existing entries keep
    /// their age.
    pub fn set_idle_time(&mut self, secs: u32) {
        let new = normalize_idle_time(secs);
        let delta = i64::from(new) - i64::from(self.idle_time);
        if delta != 0 {
            for e in self.entries.values_mut() {
                if let Some(x) = e.expires.as_mut() {
                    *x = x.saturating_add(delta);
                }
            }
            self.idle_time = new;
        }
    }

    /// The maximum number of entries.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Sets the maximum size (normalised with [`normalize_max_entries`]); excess entries go at
    /// the next [`MacTable::run`].
    pub fn set_max_entries(&mut self, n: usize) {
        self.max_entries = normalize_max_entries(n);
    }

    /// Sets the flood VLANs; returns true (and flushes the table) if the set changed.
    pub fn set_flood_vlans(&mut self, vlans: &[u16]) -> bool {
        let set: BTreeSet<u16> = vlans.iter().copied().filter(|v| *v <= 4095).collect();
        if set == self.flood_vlans {
            return false;
        }
        self.flood_vlans = set;
        self.flush();
        self.revision += 1;
        true
    }

    /// Whether learning is enabled on `vlan` (not a flood VLAN).
    pub fn is_learning_vlan(&self, vlan: u16) -> bool {
        !self.flood_vlans.contains(&vlan)
    }

    /// Whether `mac` on `vlan` may be learned at all.
    pub fn may_learn(&self, mac: u64, vlan: u16) -> bool {
        self.is_learning_vlan(vlan) && !is_multicast(mac)
    }

    /// Counter that changes whenever cached forwarding decisions may be stale.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The counters.
    pub fn stats(&self) -> MacStats {
        self.stats
    }

    /// Resets the counters (`fdb/stats-clear`).
    pub fn clear_stats(&mut self) {
        self.stats = MacStats::default();
    }

    fn age_of(&self, e: &Entry<P>, now: i64) -> Option<i64> {
        e.expires
            .map(|x| i64::from(self.idle_time) - x.saturating_sub(now))
    }

    fn is_expired(e: &Entry<P>, now: i64) -> bool {
        e.expires.is_some_and(|x| now >= x)
    }

    /// The port `mac` was learned on in `vlan`. Multicast destinations and flood VLANs never
    /// have one; entries past their aging time are treated as gone even before
    /// [`MacTable::run`] removes them.
    pub fn lookup(&self, mac: u64, vlan: u16, now_ms: u64) -> Option<P> {
        if is_multicast(mac) || !self.is_learning_vlan(vlan) {
            return None;
        }
        let e = self.entries.get(&(vlan, mac & 0xffff_ffff_ffff))?;
        (!Self::is_expired(e, secs(now_ms))).then_some(e.port)
    }

    /// Whether the entry for (`mac`, `vlan`) is under a gratuitous-ARP lock.
    pub fn is_grat_arp_locked(&self, mac: u64, vlan: u16, now_ms: u64) -> bool {
        self.entries
            .get(&(vlan, mac & 0xffff_ffff_ffff))
            .is_some_and(|e| secs(now_ms) < e.grat_arp_lock)
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn detach_port(&mut self, port: P, port_seq: u64) {
        self.port_lru.remove(&(port, port_seq));
        if let Some(c) = self.port_counts.get_mut(&port) {
            *c = c.saturating_sub(1);
            if *c == 0 {
                self.port_counts.remove(&port);
            }
        }
    }

    fn attach_port(&mut self, key: (u16, u64), port: P) -> u64 {
        let s = self.next_seq();
        self.port_lru.insert((port, s), key);
        *self.port_counts.entry(port).or_insert(0) += 1;
        s
    }

    fn remove(&mut self, key: (u16, u64)) -> bool {
        match self.entries.remove(&key) {
            Some(e) => {
                self.lru.remove(&e.lru_seq);
                self.detach_port(e.port, e.port_seq);
                true
            }
            None => false,
        }
    }

    fn evict_fairly(&mut self) {
        // The most loaded port; ties go to the port whose oldest entry is oldest.
        let victim = self
            .port_counts
            .iter()
            .filter_map(|(p, c)| {
                let oldest = self
                    .port_lru
                    .range((*p, 0)..=(*p, u64::MAX))
                    .next()
                    .map(|(_, k)| *k)?;
                let lru_seq = self.entries.get(&oldest).map(|e| e.lru_seq)?;
                Some((*c, std::cmp::Reverse(lru_seq), oldest))
            })
            .max()
            .map(|(_, _, k)| k);
        if let Some(k) = victim {
            if self.remove(k) {
                self.stats.evicted += 1;
                self.revision += 1;
            }
        }
    }

    /// Learns that `mac` (a source address) is on `port` in `vlan` at `now_ms`, following
    /// Open vSwitch's rules: nothing for multicast sources or flood VLANs; an entry younger
    /// than a second on the same port is left alone; a gratuitous ARP (`grat_arp`) locks the
    /// entry for [`GRAT_ARP_LOCK_SECS`] unless it arrived on a bond (`bond`), and a bond's
    /// gratuitous ARP cannot move a locked entry.
    pub fn learn(
        &mut self,
        mac: u64,
        vlan: u16,
        port: P,
        grat_arp: bool,
        bond: bool,
        now_ms: u64,
    ) -> LearnOutcome {
        let mac = mac & 0xffff_ffff_ffff;
        if !self.may_learn(mac, vlan) {
            return LearnOutcome::NotLearnable;
        }
        let now = secs(now_ms);
        let key = (vlan, mac);
        // Is an update needed at all?
        if let Some(e) = self.entries.get(&key) {
            if e.expires.is_none() {
                // Static entries are configuration, not learned state.
                return LearnOutcome::Unchanged;
            }
            let age = self.age_of(e, now);
            let locked = now < e.grat_arp_lock;
            let needed = age != Some(0)
                || (grat_arp && !locked)
                || (!(grat_arp && locked && bond) && e.port != port);
            if !needed {
                return LearnOutcome::Unchanged;
            }
        }
        // Insert or refresh (moves the entry to the back of the LRU lists).
        let mut outcome = LearnOutcome::Refreshed;
        if let Some(e) = self.entries.get(&key).cloned() {
            self.lru.remove(&e.lru_seq);
            let s = self.next_seq();
            self.lru.insert(s, key);
            self.port_lru.remove(&(e.port, e.port_seq));
            let ps = self.next_seq();
            self.port_lru.insert((e.port, ps), key);
            if let Some(x) = self.entries.get_mut(&key) {
                x.lru_seq = s;
                x.port_seq = ps;
                if x.expires.is_some() {
                    x.expires = Some(now.saturating_add(i64::from(self.idle_time)));
                }
            }
        } else {
            if self.entries.len() >= self.max_entries {
                self.evict_fairly();
            }
            let s = self.next_seq();
            self.lru.insert(s, key);
            let ps = self.attach_port(key, port);
            self.entries.insert(
                key,
                Entry {
                    port,
                    expires: Some(now.saturating_add(i64::from(self.idle_time))),
                    grat_arp_lock: i64::MIN,
                    lru_seq: s,
                    port_seq: ps,
                },
            );
            self.stats.learned += 1;
            self.revision += 1;
            outcome = LearnOutcome::Learned;
        }
        if grat_arp {
            if !bond {
                if let Some(x) = self.entries.get_mut(&key) {
                    x.grat_arp_lock = now.saturating_add(GRAT_ARP_LOCK_SECS);
                }
            } else if self.is_grat_arp_locked(mac, vlan, now_ms) {
                return LearnOutcome::Locked;
            }
        }
        let (old_port, old_seq) = match self.entries.get(&key) {
            Some(e) => (e.port, e.port_seq),
            None => return outcome,
        };
        if old_port != port {
            self.detach_port(old_port, old_seq);
            let ps = self.attach_port(key, port);
            if let Some(x) = self.entries.get_mut(&key) {
                x.port = port;
                x.port_seq = ps;
            }
            self.stats.moved += 1;
            self.revision += 1;
            outcome = LearnOutcome::Moved;
        }
        outcome
    }

    /// Adds (or re-points) a static entry that never ages (`fdb/add`).
    pub fn add_static(&mut self, mac: u64, vlan: u16, port: P) {
        let key = (vlan, mac & 0xffff_ffff_ffff);
        self.remove(key);
        if self.entries.len() >= self.max_entries {
            self.evict_fairly();
        }
        let s = self.next_seq();
        self.lru.insert(s, key);
        let ps = self.attach_port(key, port);
        self.entries.insert(
            key,
            Entry {
                port,
                expires: None,
                grat_arp_lock: i64::MIN,
                lru_seq: s,
                port_seq: ps,
            },
        );
        self.revision += 1;
    }

    /// Deletes the entry for (`mac`, `vlan`) (`fdb/del`); returns whether one existed.
    pub fn delete(&mut self, mac: u64, vlan: u16) -> bool {
        let gone = self.remove((vlan, mac & 0xffff_ffff_ffff));
        if gone {
            self.revision += 1;
        }
        gone
    }

    /// Ages out expired entries and trims the table to its maximum size, least recently
    /// refreshed first (both counted as expired). Returns true if anything was removed.
    pub fn run(&mut self, now_ms: u64) -> bool {
        let now = secs(now_ms);
        let mut changed = false;
        let mut cursor = 0u64;
        while let Some((&seq, &key)) = self.lru.range(cursor..).next() {
            cursor = seq.saturating_add(1);
            let Some(e) = self.entries.get(&key) else {
                continue;
            };
            if e.expires.is_none() {
                continue;
            }
            if self.entries.len() > self.max_entries || Self::is_expired(e, now) {
                self.remove(key);
                self.stats.expired += 1;
                changed = true;
            } else {
                break;
            }
        }
        if changed {
            self.revision += 1;
        }
        changed
    }

    /// Seconds until the next entry could expire (`None` when there is none), for a caller
    /// that wants to schedule [`MacTable::run`].
    pub fn next_expiry_ms(&self, now_ms: u64) -> Option<u64> {
        let now = secs(now_ms);
        self.entries
            .values()
            .filter_map(|e| e.expires)
            .min()
            .map(|x| u64::try_from(x.saturating_sub(now).max(0)).unwrap_or(0) * 1000)
    }

    fn remove_where(&mut self, pred: impl Fn(&(u16, u64), &Entry<P>) -> bool) -> usize {
        let keys: Vec<(u16, u64)> = self
            .entries
            .iter()
            .filter(|(k, e)| pred(k, e))
            .map(|(k, _)| *k)
            .collect();
        for k in &keys {
            self.remove(*k);
        }
        if !keys.is_empty() {
            self.revision += 1;
        }
        keys.len()
    }

    /// Removes every entry (`fdb/flush`); returns how many were removed.
    pub fn flush(&mut self) -> usize {
        self.remove_where(|_, _| true)
    }

    /// Removes the entries of one VLAN.
    pub fn flush_vlan(&mut self, vlan: u16) -> usize {
        self.remove_where(|k, _| k.0 == vlan)
    }

    /// Removes the entries learned on `port` (port deleted or reconfigured).
    pub fn flush_port(&mut self, port: P) -> usize {
        self.remove_where(|_, e| e.port == port)
    }

    /// Every entry, least recently refreshed first (the `fdb/show` order).
    pub fn entries(&self, now_ms: u64) -> Vec<MacEntryInfo<P>> {
        let now = secs(now_ms);
        self.lru
            .values()
            .filter_map(|k| {
                self.entries.get(k).map(|e| MacEntryInfo {
                    vlan: k.0,
                    mac: k.1,
                    port: e.port,
                    age: self.age_of(e, now),
                })
            })
            .collect()
    }

    /// `fdb/show` output; `port_name` renders a port the way Open vSwitch prints its
    /// OpenFlow port number (`1`, `LOCAL`, ...).
    pub fn format_show(&self, now_ms: u64, port_name: impl Fn(P) -> String) -> String {
        let mut out = String::from(" port  VLAN  MAC                Age\n");
        for e in self.entries(now_ms) {
            out.push_str(&format!(
                "{:>5}  {:>4}  {}  ",
                port_name(e.port),
                e.vlan,
                format_mac(e.mac)
            ));
            match e.age {
                Some(a) => out.push_str(&format!("{a:>3}\n")),
                None => out.push_str("static\n"),
            }
        }
        out
    }

    /// `fdb/stats-show` output for bridge `bridge`.
    pub fn format_stats(&self, bridge: &str) -> String {
        let statics = self
            .entries
            .values()
            .filter(|e| e.expires.is_none())
            .count();
        format!(
            "Statistics for bridge \"{bridge}\":\n\
             \x20 Current/maximum MAC entries in the table: {}/{}\n\
             \x20 Current static MAC entries in the table : {}\n\
             \x20 Total number of learned MAC entries     : {}\n\
             \x20 Total number of expired MAC entries     : {}\n\
             \x20 Total number of evicted MAC entries     : {}\n\
             \x20 Total number of port moved MAC entries  : {}\n",
            self.entries.len(),
            self.max_entries,
            statics,
            self.stats.learned,
            self.stats.expired,
            self.stats.evicted,
            self.stats.moved
        )
    }
}
