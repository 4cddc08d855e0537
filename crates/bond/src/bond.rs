//! Bond logic: which members are enabled, which one is active, where a flow goes, what a
//! received frame's fate is, and the `bond/show` / `bond/list` texts and `bond/*` commands.
//!
//! # Enabling members
//! The caller tells the bond, per member, whether it *may* be enabled
//! ([`Bond::set_may_enable`]: carrier up, and with LACP also [`crate::Lacp::may_enable`]).
//! [`Bond::run`] turns that into *enabled* with the configured delays: a member whose
//! `may_enable` differs from `enabled` starts a delay (`bond_updelay` going up,
//! `bond_downdelay` going down); going back cancels it; at its end the member flips. When
//! no member is enabled, the active-member choice cuts short the up-delay of one member
//! (see below): the first member up is taken at once and the others wait.
//! `bond/enable-member` and `bond/disable-member` flip a member immediately; the delays
//! then apply again from that state.
//!
//! # The active member
//! Every bond has one active member (it takes multicast and is the only member used by
//! active-backup): the `bond-primary` member when enabled, else the current one while it
//! stays enabled, else the first enabled member by name. If nothing is enabled but some
//! member is in its up-delay, the one closest to the end of its delay is enabled at once.
//! `bond/set-active-member` overrides the choice until that member is disabled.
//!
//! # Output
//! [`Bond::choose_output`] maps a flow to a member: active-backup (and balance modes that
//! fell back to active-backup because LACP is configured but not negotiated and
//! `lacp-fallback-ab` is set) use the active member; balance-slb and balance-tcp hash the
//! flow into one of 256 buckets ([`crate::hash`]) and give each bucket an enabled member,
//! round-robin on first use and again when its member is disabled. A bond whose LACP is
//! configured but not negotiated, without fallback, sends nothing. `bond/migrate` moves a
//! bucket; [`Bond::account`] records bytes per bucket, which `bond/show` reports and the
//! periodic rebalance (every `bond-rebalance-interval` ms) evens out by moving buckets from
//! the most to the least loaded member.
//!
//! # Input
//! [`Bond::admissibility`] gives the `normal` crate's [`BondVerdict`] for a frame received
//! on a member. It reuses [`normal::bond_admissibility`] and adds what that function does not
//! model: LACP configured but not negotiated drops everything unless `lacp-fallback-ab`
//! (balance-tcp then behaves as active-backup), and with LACP negotiated a member that may
//! be enabled but is not yet enabled still takes frames.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use normal::{BondMode, BondVerdict};
use thiserror::Error;

use crate::hash::{hash_mac, hash_tcp, parse_mac, TcpHashFields, BUCKETS, BUCKET_MASK};
use crate::lacp::LacpStatus;
use crate::pdu::format_mac;

/// Errors of the `bond/*` commands; the Display text is what `ovs-appctl` prints.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BondError {
    /// Unknown member name.
    #[error("no such member")]
    NoSuchMember,
    /// `bond/set-active-member` on a disabled member.
    #[error("cannot make disabled member active")]
    MemberDisabled,
    /// `bond/migrate` on a bond that is not balance-slb.
    #[error("not an SLB bond")]
    NotSlb,
    /// `bond/migrate` with a bad hash.
    #[error("bad hash")]
    BadHash,
    /// `bond/migrate` to a disabled member.
    #[error("cannot migrate to disabled member")]
    MigrateToDisabled,
    /// `bond/hash` with a bad MAC.
    #[error("invalid mac")]
    InvalidMac,
    /// `bond/hash` with a bad VLAN.
    #[error("invalid vlan")]
    InvalidVlan,
    /// `bond/hash` with a bad basis.
    #[error("invalid basis")]
    InvalidBasis,
}

/// The name `bond/show` and `bond/list` print for a mode.
pub fn mode_name(mode: BondMode) -> &'static str {
    match mode {
        BondMode::ActiveBackup => "active-backup",
        BondMode::BalanceSlb => "balance-slb",
        BondMode::BalanceTcp => "balance-tcp",
    }
}

/// Parses a `bond_mode` value.
pub fn parse_mode(s: &str) -> Option<BondMode> {
    match s {
        "active-backup" => Some(BondMode::ActiveBackup),
        "balance-slb" => Some(BondMode::BalanceSlb),
        "balance-tcp" => Some(BondMode::BalanceTcp),
        _ => None,
    }
}

/// A bond's settings (Port columns `bond_mode`, `bond_updelay`, `bond_downdelay`,
/// `other_config:bond-*`, `lacp`, `lacp-fallback-ab`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BondSettings {
    /// Port name.
    pub name: String,
    /// `bond_mode`.
    pub mode: BondMode,
    /// `bond-hash-basis`.
    pub basis: u32,
    /// `bond_updelay` (ms).
    pub updelay_ms: u64,
    /// `bond_downdelay` (ms).
    pub downdelay_ms: u64,
    /// `bond-rebalance-interval` (ms; 0 disables, below 1000 means 1000). Default 10000.
    pub rebalance_interval_ms: u64,
    /// `bond-primary`. Like Open vSwitch, it is ignored (and `bond/show` says `<none>`)
    /// unless the mode is active-backup or `lacp-fallback-ab` is set.
    pub primary: Option<String>,
    /// Whether LACP is configured on the port (`lacp` active or passive).
    pub lacp: bool,
    /// `lacp-fallback-ab`.
    pub lacp_fallback_ab: bool,
    /// `all-members-active`.
    pub all_members_active: bool,
}

impl BondSettings {
    /// Settings with Open vSwitch's defaults (active-backup, no delays, no LACP).
    pub fn new(name: &str) -> BondSettings {
        BondSettings {
            name: name.to_string(),
            mode: BondMode::ActiveBackup,
            basis: 0,
            updelay_ms: 0,
            downdelay_ms: 0,
            rebalance_interval_ms: 10_000,
            primary: None,
            lacp: false,
            lacp_fallback_ab: false,
            all_members_active: false,
        }
    }

    fn rebalance_interval(&self) -> u64 {
        match self.rebalance_interval_ms {
            0 => 0,
            n => n.max(1000),
        }
    }
}

/// Datapath facts `bond/show` prints that the bond logic does not own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShowExtras {
    /// The recirculation ID when the bond uses recirculation (balance-tcp).
    pub recirc_id: Option<u32>,
    /// The datapath bond ID when the `lb_output` action is in use.
    pub lb_output_bond_id: Option<u32>,
}

#[derive(Debug, Clone)]
struct Member {
    mac: [u8; 6],
    may_enable: bool,
    enabled: bool,
    delay_expires: Option<u64>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    member: Option<usize>,
    tx_bytes: u64,
}

/// One bond. See the module docs.
#[derive(Debug, Clone)]
pub struct Bond {
    settings: BondSettings,
    members: BTreeMap<String, Member>,
    /// Member names in bucket assignment order (indices into this are stored in buckets).
    slots: Vec<Option<String>>,
    buckets: Vec<Bucket>,
    next_rr: usize,
    active: Option<String>,
    lacp_status: LacpStatus,
    next_rebalance: Option<u64>,
    changed: bool,
    log: Vec<String>,
}

impl Bond {
    /// A bond without members, configured at `now_ms`.
    pub fn new(settings: BondSettings, now_ms: u64) -> Bond {
        let lacp_status = if settings.lacp {
            LacpStatus::Configured
        } else {
            LacpStatus::Disabled
        };
        let mut b = Bond {
            settings,
            members: BTreeMap::new(),
            slots: Vec::new(),
            buckets: vec![Bucket::default(); BUCKETS],
            next_rr: 0,
            active: None,
            lacp_status,
            next_rebalance: None,
            changed: true,
            log: Vec::new(),
        };
        b.reset_rebalance(now_ms);
        b
    }

    /// The settings.
    pub fn settings(&self) -> &BondSettings {
        &self.settings
    }

    /// Replaces the settings (members keep their state).
    pub fn reconfigure(&mut self, settings: BondSettings, now_ms: u64) {
        let interval_changed = settings.rebalance_interval() != self.settings.rebalance_interval();
        if !settings.lacp {
            self.lacp_status = LacpStatus::Disabled;
        } else if self.lacp_status == LacpStatus::Disabled {
            self.lacp_status = LacpStatus::Configured;
        }
        self.settings = settings;
        if interval_changed || self.next_rebalance.is_none() {
            self.reset_rebalance(now_ms);
        }
        self.choose_active(now_ms);
        self.changed = true;
    }

    fn reset_rebalance(&mut self, now_ms: u64) {
        let i = self.settings.rebalance_interval();
        self.next_rebalance = (i > 0).then(|| now_ms.saturating_add(i));
    }

    /// Adds (disabled, may not enable) or updates member `name` with its MAC.
    pub fn add_member(&mut self, name: &str, mac: [u8; 6]) {
        if let Some(m) = self.members.get_mut(name) {
            m.mac = mac;
            return;
        }
        self.members.insert(
            name.to_string(),
            Member {
                mac,
                may_enable: false,
                enabled: false,
                delay_expires: None,
            },
        );
        self.slots.push(Some(name.to_string()));
        self.changed = true;
    }

    /// Removes member `name`.
    pub fn remove_member(&mut self, name: &str, now_ms: u64) {
        if self.members.remove(name).is_none() {
            return;
        }
        if let Some(slot) = self.slot_of(name) {
            if let Some(s) = self.slots.get_mut(slot) {
                *s = None;
            }
            for b in &mut self.buckets {
                if b.member == Some(slot) {
                    b.member = None;
                }
            }
        }
        if self.active.as_deref() == Some(name) {
            self.active = None;
        }
        self.choose_active(now_ms);
        self.changed = true;
    }

    fn slot_of(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.as_deref() == Some(name))
    }

    /// Sets whether `name` may be enabled (carrier up and, with LACP, LACP agrees).
    pub fn set_may_enable(&mut self, name: &str, may_enable: bool) {
        if let Some(m) = self.members.get_mut(name) {
            m.may_enable = may_enable;
        }
    }

    /// Advances delays and the active-member choice to `now_ms`, with the LACP instance's
    /// status (ignored when LACP is not configured). Returns true when anything that affects
    /// forwarding changed since the last call (the caller should revalidate flows).
    pub fn run(&mut self, now_ms: u64, lacp_status: LacpStatus) -> bool {
        self.lacp_status = if self.settings.lacp {
            lacp_status
        } else {
            LacpStatus::Disabled
        };
        let (up_ms, down_ms) = (self.settings.updelay_ms, self.settings.downdelay_ms);
        let mut flips = Vec::new();
        let word = |up: bool| if up { "up" } else { "down" };
        let verb = |up: bool| if up { "enabled" } else { "disabled" };
        for (name, m) in self.members.iter_mut() {
            let up = m.may_enable;
            if up == m.enabled {
                if m.delay_expires.take().is_some() {
                    self.log
                        .push(format!("member {name}: link state {}", word(up)));
                    self.log
                        .push(format!("member {name}: will not be {}", verb(!up)));
                }
                continue;
            }
            if m.delay_expires.is_none() {
                let delay = if up { up_ms } else { down_ms };
                m.delay_expires = Some(now_ms.saturating_add(delay));
                self.log
                    .push(format!("member {name}: link state {}", word(up)));
                if delay > 0 {
                    self.log.push(format!(
                        "member {name}: will be {} if it stays {} for {delay} ms",
                        verb(up),
                        word(up)
                    ));
                }
            }
            if m.delay_expires.is_some_and(|d| now_ms >= d) {
                flips.push((name.clone(), up));
            }
        }
        for (name, up) in flips {
            self.set_enabled(&name, up);
        }
        self.choose_active(now_ms);
        if self.next_rebalance.is_some_and(|t| now_ms >= t) {
            if self.is_balanced() {
                self.rebalance();
            }
            self.reset_rebalance(now_ms);
        }
        std::mem::take(&mut self.changed)
    }

    /// The earliest time [`Bond::run`] has something to do.
    pub fn next_wake(&self) -> Option<u64> {
        self.members
            .values()
            .filter_map(|m| m.delay_expires)
            .chain(self.next_rebalance)
            .min()
    }

    fn set_enabled(&mut self, name: &str, enabled: bool) {
        let slot = self.slot_of(name);
        if let Some(m) = self.members.get_mut(name) {
            m.delay_expires = None;
            if m.enabled == enabled {
                return;
            }
            m.enabled = enabled;
            self.changed = true;
            self.log.push(format!(
                "member {name}: {}",
                if enabled { "enabled" } else { "disabled" }
            ));
        }
        if !enabled {
            if let Some(slot) = slot {
                for b in &mut self.buckets {
                    if b.member == Some(slot) {
                        b.member = None;
                    }
                }
            }
        }
    }

    fn choose_active(&mut self, now_ms: u64) {
        let enabled = |b: &Bond, n: &str| b.members.get(n).is_some_and(|m| m.enabled);
        if let Some(p) = self.primary().map(str::to_string) {
            if enabled(self, &p) {
                self.set_active(Some(p));
                return;
            }
        }
        if let Some(a) = self.active.clone() {
            if enabled(self, &a) {
                return;
            }
        }
        let first = self
            .members
            .iter()
            .find(|(_, m)| m.enabled)
            .map(|(n, _)| n.clone());
        if first.is_some() {
            self.set_active(first);
            return;
        }
        // Nothing enabled: cut short the up-delay of the member closest to coming up.
        let soonest = self
            .members
            .iter()
            .filter(|(_, m)| m.may_enable && m.delay_expires.is_some())
            .min_by_key(|(_, m)| m.delay_expires.unwrap_or(u64::MAX))
            .map(|(n, _)| n.clone());
        if let Some(n) = soonest {
            let remaining = self
                .members
                .get(&n)
                .and_then(|m| m.delay_expires)
                .map_or(0, |d| d.saturating_sub(now_ms));
            self.log.push(format!(
                "bond {}: active member is now {n}, skipping remaining {remaining} ms updelay \
                 (since no member was enabled)",
                self.settings.name
            ));
            self.active = Some(n.clone());
            self.changed = true;
            self.set_enabled(&n, true);
            return;
        }
        self.set_active(None);
    }

    fn set_active(&mut self, name: Option<String>) {
        if self.active != name {
            match &name {
                Some(n) => self.log.push(format!(
                    "bond {}: active member is now {n}",
                    self.settings.name
                )),
                None => self
                    .log
                    .push(format!("bond {}: all members disabled", self.settings.name)),
            }
            self.active = name;
            self.changed = true;
        }
    }

    /// Takes the log messages produced since the last call: what Open vSwitch logs at INFO
    /// level in its `bond` module ("member p1: link state up", "member p1: will be enabled
    /// if it stays up for 5000 ms", "member p1: enabled", "bond bond0: active member is now
    /// p1", "bond bond0: all members disabled", ...).
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// The `bond-primary` member name in effect (see [`BondSettings::primary`]).
    pub fn primary(&self) -> Option<&str> {
        let s = &self.settings;
        if s.mode == BondMode::ActiveBackup || s.lacp_fallback_ab {
            s.primary.as_deref()
        } else {
            None
        }
    }

    /// The active member.
    pub fn active_member(&self) -> Option<&str> {
        self.active.as_deref()
    }

    /// Whether `name` is enabled.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.members.get(name).is_some_and(|m| m.enabled)
    }

    /// The LACP status last given to [`Bond::run`] (`Disabled` without LACP).
    pub fn lacp_status(&self) -> LacpStatus {
        self.lacp_status
    }

    /// `bond/set-active-member`: "done" or "no change".
    pub fn set_active_member(&mut self, name: &str) -> Result<&'static str, BondError> {
        let m = self.members.get(name).ok_or(BondError::NoSuchMember)?;
        if !m.enabled {
            return Err(BondError::MemberDisabled);
        }
        if self.active.as_deref() == Some(name) {
            return Ok("no change");
        }
        self.set_active(Some(name.to_string()));
        Ok("done")
    }

    /// `bond/enable-member` / `bond/disable-member`: flips the member now, skipping any
    /// delay. As in Open vSwitch, the next [`Bond::run`] then treats a member whose
    /// `may_enable` disagrees like any other (a disabled member that may be enabled comes
    /// back after the up-delay). Returns "enabled" or "disabled".
    pub fn enable_member(
        &mut self,
        name: &str,
        enable: bool,
        now_ms: u64,
    ) -> Result<&'static str, BondError> {
        if !self.members.contains_key(name) {
            return Err(BondError::NoSuchMember);
        }
        self.set_enabled(name, enable);
        self.choose_active(now_ms);
        Ok(if enable { "enabled" } else { "disabled" })
    }

    /// `bond/migrate`: assigns bucket `hash` (decimal; only its low 8 bits count) to `name`.
    pub fn migrate(&mut self, hash: &str, name: &str) -> Result<&'static str, BondError> {
        if self.settings.mode != BondMode::BalanceSlb {
            return Err(BondError::NotSlb);
        }
        let h: u32 = hash.parse().map_err(|_| BondError::BadHash)?;
        let m = self.members.get(name).ok_or(BondError::NoSuchMember)?;
        if !m.enabled {
            return Err(BondError::MigrateToDisabled);
        }
        let slot = self.slot_of(name);
        if let Some(b) = self.buckets.get_mut((h & BUCKET_MASK) as usize) {
            b.member = slot;
        }
        self.changed = true;
        Ok("migrated")
    }

    /// The mode actually in use: balance modes fall back to active-backup while LACP is
    /// configured but not negotiated and `lacp-fallback-ab` is set.
    pub fn effective_mode(&self) -> BondMode {
        if self.lacp_status == LacpStatus::Configured && self.settings.lacp_fallback_ab {
            BondMode::ActiveBackup
        } else {
            self.settings.mode
        }
    }

    fn is_balanced(&self) -> bool {
        self.settings.rebalance_interval() > 0
            && self.settings.mode != BondMode::ActiveBackup
            && (!self.settings.lacp_fallback_ab || self.lacp_status == LacpStatus::Negotiated)
    }

    /// The bucket a flow hashes to in this bond's mode (None for active-backup).
    pub fn bucket(&self, dl_src: u64, vlan: u16, tcp: Option<&TcpHashFields>) -> Option<u8> {
        let h = match self.effective_mode() {
            BondMode::ActiveBackup => return None,
            BondMode::BalanceSlb => hash_mac(dl_src, vlan, self.settings.basis),
            BondMode::BalanceTcp => match tcp {
                Some(f) => hash_tcp(f, self.settings.basis),
                None => hash_mac(dl_src, vlan, self.settings.basis),
            },
        };
        Some((h & BUCKET_MASK) as u8)
    }

    /// The member to send a flow on (`dl_src`, `vlan` for balance-slb; `tcp` for
    /// balance-tcp), or None when the bond may not send.
    pub fn choose_output(
        &mut self,
        dl_src: u64,
        vlan: u16,
        tcp: Option<&TcpHashFields>,
    ) -> Option<String> {
        if self.lacp_status == LacpStatus::Configured && !self.settings.lacp_fallback_ab {
            return None;
        }
        let Some(bucket) = self.bucket(dl_src, vlan, tcp) else {
            return self.active.clone();
        };
        let idx = usize::from(bucket);
        let current = self.buckets.get(idx).and_then(|b| b.member);
        let usable = |slot: usize| {
            self.slots
                .get(slot)
                .and_then(|s| s.as_deref())
                .is_some_and(|n| self.is_enabled(n))
        };
        let slot = match current {
            Some(s) if usable(s) => s,
            _ => {
                let n = self.slots.len();
                let pick = (0..n)
                    .map(|k| (self.next_rr + k) % n)
                    .find(|&s| usable(s))?;
                self.next_rr = (pick + 1) % n.max(1);
                if let Some(b) = self.buckets.get_mut(idx) {
                    b.member = Some(pick);
                }
                pick
            }
        };
        self.slots.get(slot).cloned().flatten()
    }

    /// Records `bytes` sent through bucket `bucket` (for `bond/show` and rebalancing).
    pub fn account(&mut self, bucket: u8, bytes: u64) {
        if let Some(b) = self.buckets.get_mut(usize::from(bucket)) {
            b.tx_bytes = b.tx_bytes.saturating_add(bytes);
        }
    }

    fn rebalance(&mut self) {
        let enabled: Vec<usize> = (0..self.slots.len())
            .filter(|&s| {
                self.slots
                    .get(s)
                    .and_then(|n| n.as_deref())
                    .is_some_and(|n| self.is_enabled(n))
            })
            .collect();
        if enabled.len() >= 2 {
            for _ in 0..BUCKETS {
                let load = |s: usize| -> u64 {
                    self.buckets
                        .iter()
                        .filter(|b| b.member == Some(s))
                        .map(|b| b.tx_bytes)
                        .sum()
                };
                let (Some(&from), Some(&to)) = (
                    enabled.iter().max_by_key(|&&s| load(s)),
                    enabled.iter().min_by_key(|&&s| load(s)),
                ) else {
                    break;
                };
                let diff = load(from) - load(to);
                // Move the biggest bucket that narrows the gap.
                let best = self
                    .buckets
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| b.member == Some(from) && b.tx_bytes > 0)
                    .filter(|(_, b)| b.tx_bytes < diff)
                    .max_by_key(|(_, b)| b.tx_bytes)
                    .map(|(i, _)| i);
                let Some(i) = best else {
                    break;
                };
                if let Some(b) = self.buckets.get_mut(i) {
                    b.member = Some(to);
                }
                self.changed = true;
            }
        }
        for b in &mut self.buckets {
            b.tx_bytes /= 2;
        }
    }

    /// The admissibility verdict for a frame to `dl_dst` (48-bit MAC value) received on
    /// member `name` (see the module docs).
    pub fn admissibility(&self, name: &str, dl_dst: u64) -> BondVerdict {
        let Some(m) = self.members.get(name) else {
            return BondVerdict::Drop;
        };
        let is_active = self.active.as_deref() == Some(name);
        match self.lacp_status {
            LacpStatus::Negotiated => normal::bond_admissibility(
                self.settings.mode,
                true,
                m.enabled || m.may_enable,
                is_active,
                dl_dst,
            ),
            LacpStatus::Configured if !self.settings.lacp_fallback_ab => BondVerdict::Drop,
            LacpStatus::Configured => normal::bond_admissibility(
                self.effective_mode(),
                false,
                m.enabled,
                is_active,
                dl_dst,
            ),
            LacpStatus::Disabled => {
                // all-members-active lets balance-slb take multicast on every member.
                let active = is_active
                    || (self.settings.all_members_active
                        && self.settings.mode == BondMode::BalanceSlb);
                normal::bond_admissibility(self.settings.mode, false, m.enabled, active, dl_dst)
            }
        }
    }

    /// Appends this bond's `bond/show` section as of `now_ms`.
    pub fn show(&self, out: &mut String, now_ms: u64, extras: ShowExtras) {
        let s = &self.settings;
        let _ = writeln!(out, "---- {} ----", s.name);
        let _ = writeln!(out, "bond_mode: {}", mode_name(s.mode));
        match extras.recirc_id {
            Some(id) => {
                let _ = writeln!(out, "bond may use recirculation: yes, Recirc-ID : {id}");
            }
            None => out.push_str("bond may use recirculation: no, Recirc-ID : -1\n"),
        }
        let _ = writeln!(out, "bond-hash-basis: {}", s.basis);
        match extras.lb_output_bond_id {
            Some(id) => {
                let _ = writeln!(out, "lb_output action: enabled, bond-id: {id}");
            }
            None => out.push_str("lb_output action: disabled, bond-id: -1\n"),
        }
        if s.mode == BondMode::BalanceSlb {
            let _ = writeln!(out, "all members active: {}", s.all_members_active);
        }
        let _ = writeln!(out, "updelay: {} ms", s.updelay_ms);
        let _ = writeln!(out, "downdelay: {} ms", s.downdelay_ms);
        if self.is_balanced() {
            if let Some(t) = self.next_rebalance {
                let _ = writeln!(out, "next rebalance: {} ms", t.saturating_sub(now_ms));
            }
        }
        let _ = writeln!(out, "lacp_status: {}", self.lacp_status.as_str());
        let _ = writeln!(out, "lacp_fallback_ab: {}", s.lacp_fallback_ab);
        match self.primary() {
            None => out.push_str("active-backup primary: <none>\n"),
            Some(p) if self.members.contains_key(p) => {
                let _ = writeln!(out, "active-backup primary: {p}");
            }
            Some(p) => {
                let _ = writeln!(out, "active-backup primary: {p} (no such member)");
            }
        }
        match self
            .active
            .as_deref()
            .and_then(|a| self.members.get(a).map(|m| (a, m)))
        {
            Some((a, m)) => {
                let _ = writeln!(out, "active member mac: {}({a})", format_mac(m.mac));
            }
            None => out.push_str("active member mac: 00:00:00:00:00:00(none)\n"),
        }
        out.push('\n');
        for (name, m) in &self.members {
            let _ = writeln!(
                out,
                "member {name}: {}",
                if m.enabled { "enabled" } else { "disabled" }
            );
            if self.active.as_deref() == Some(name) {
                out.push_str("  active member\n");
            }
            if let Some(t) = m.delay_expires {
                let _ = writeln!(
                    out,
                    "  {} expires in {} ms",
                    if m.enabled { "downdelay" } else { "updelay" },
                    t.saturating_sub(now_ms)
                );
            }
            let _ = writeln!(out, "  may_enable: {}", m.may_enable);
            if self.is_balanced() {
                let slot = self.slot_of(name);
                for (h, b) in self.buckets.iter().enumerate() {
                    if slot.is_some() && b.member == slot && b.tx_bytes / 1024 > 0 {
                        let _ = writeln!(out, "  hash {h}: {} kB load", b.tx_bytes / 1024);
                    }
                }
            }
            out.push('\n');
        }
    }

    /// This bond's `bond/list` row (after the header [`BOND_LIST_HEADER`]).
    pub fn list_row(&self, recirc_id: u32) -> String {
        let names: Vec<&str> = self.members.keys().map(String::as_str).collect();
        format!(
            "{}\t{}\t{}\t{}\n",
            self.settings.name,
            mode_name(self.settings.mode),
            recirc_id,
            names.join(", ")
        )
    }
}

/// The header line of `bond/list`.
pub const BOND_LIST_HEADER: &str = "bond\ttype\trecircID\tmembers\n";

/// `bond/hash mac [vlan] [basis]`: the bucket of `mac`/`vlan` with `basis`, as text.
pub fn bond_hash_command(args: &[&str]) -> Result<String, BondError> {
    let mac = args
        .first()
        .and_then(|m| parse_mac(m))
        .ok_or(BondError::InvalidMac)?;
    let vlan = match args.get(1) {
        Some(v) => v.parse::<u16>().map_err(|_| BondError::InvalidVlan)?,
        None => 0,
    };
    let basis = match args.get(2) {
        Some(b) => b.parse::<u32>().map_err(|_| BondError::InvalidBasis)?,
        None => 0,
    };
    Ok(format!("{}", hash_mac(mac, vlan, basis) & BUCKET_MASK))
}
