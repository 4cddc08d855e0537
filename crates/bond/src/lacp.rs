//! One bond's LACP instance: per-member receive machine, periodic transmission, selection
//! logic, and the `lacp/show` / `lacp/show-stats` texts.
//!
//! # Model (what Open vSwitch does, restated)
//! Each member has a receive status:
//! - **current**: a LACPDU arrived within the last 3 transmission periods of *our* requested
//!   rate (3 s fast, 90 s slow; the partner sends at the rate our actor TIMEOUT bit asks for);
//! - **expired**: the current timer ran out, or the carrier changed on an active bond; the
//!   partner information is kept but marked out of sync with a fast timeout, and another 3 s
//!   are given;
//! - **defaulted**: still nothing; the partner information is cleared.
//!
//! A new member starts defaulted; on an active bond it expires at once if its carrier is up.
//!
//! Selection: every non-defaulted member is a candidate; the *lead* is the candidate whose
//! partner is in sync, then the one with the best port priority (taken from whichever of the
//! two systems has the better system priority/ID). The bond is *negotiated* when there is a
//! lead. Candidates whose partner system ID, system priority or key differ from the lead's
//! are detached; the others are attached. Defaulted members are attached only with
//! `lacp-fallback-ab`. A member **may be enabled** when attached and its partner says
//! in-sync (or, with fallback, when defaulted).
//!
//! Transmission: active bonds send on every member with carrier; passive ones only on
//! members that are not defaulted. A PDU goes out when the member's transmit timer runs out
//! (1 s if the partner asked for fast timeouts, else 30 s) or when what we would say changed
//! since the last PDU.
//!
//! Actor state: ACTIVITY when active, TIMEOUT when fast, AGGREGATION always, SYNC when
//! attached (unless the partner is our own system: loopback), COLLECTING and DISTRIBUTING
//! always (as Open vSwitch does), DEFAULTED/EXPIRED from the receive status.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::pdu::{
    format_mac, parse_slow_protocol, state_words, LacpInfo, LacpPdu, PduError, SlowProtocol,
    STATE_ACTIVITY, STATE_AGGREGATION, STATE_COLLECTING, STATE_DEFAULTED, STATE_DISTRIBUTING,
    STATE_EXPIRED, STATE_SYNC, STATE_TIMEOUT,
};

/// Transmission period with fast timeouts (ms).
pub const FAST_TX_MS: u64 = 1_000;
/// Transmission period with slow timeouts (ms).
pub const SLOW_TX_MS: u64 = 30_000;
/// A partner is expired after this many of its transmission periods without a PDU.
pub const RX_MULTIPLIER: u64 = 3;

/// Bond-wide LACP settings (Port columns `lacp`, `other_config:lacp-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LacpSettings {
    /// Port name (shown by `lacp/show`).
    pub name: String,
    /// `lacp=active` (true) or `lacp=passive`.
    pub active: bool,
    /// `lacp-time=fast`.
    pub fast: bool,
    /// System ID: `lacp-system-id`, else the bridge's MAC.
    pub sys_id: [u8; 6],
    /// `lacp-system-priority` (Open vSwitch's default is 65534).
    pub sys_priority: u16,
    /// `lacp-fallback-ab`.
    pub fallback_ab: bool,
}

impl LacpSettings {
    /// Settings with Open vSwitch's defaults: active, slow, system priority 65534.
    pub fn new(name: &str, sys_id: [u8; 6]) -> LacpSettings {
        LacpSettings {
            name: name.to_string(),
            active: true,
            fast: false,
            sys_id,
            sys_priority: 65534,
            fallback_ab: false,
        }
    }
}

/// Per-member LACP settings (Interface `other_config:lacp-*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberSettings {
    /// `lacp-port-id`, else the OpenFlow port number.
    pub port_id: u16,
    /// `lacp-port-priority` (default 65535).
    pub port_priority: u16,
    /// `lacp-aggregation-key`. As in Open vSwitch, only the first member added (the "key
    /// member") counts: every member sends the bond's key, which is the key member's
    /// `lacp-aggregation-key` if set, else its port ID.
    pub key: Option<u16>,
}

impl MemberSettings {
    /// Settings for port `port_id` with default priority and key.
    pub fn new(port_id: u16) -> MemberSettings {
        MemberSettings {
            port_id,
            port_priority: 65535,
            key: None,
        }
    }
}

/// A member's receive status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxStatus {
    /// Partner information is fresh.
    Current,
    /// Partner went quiet; waiting a little longer.
    Expired,
    /// No partner.
    Defaulted,
}

impl RxStatus {
    /// The word `lacp/show` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RxStatus::Current => "current",
            RxStatus::Expired => "expired",
            RxStatus::Defaulted => "defaulted",
        }
    }
}

/// The bond-level LACP result, as `bond/show` reports it in `lacp_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LacpStatus {
    /// LACP is not configured on the bond (`off`).
    Disabled,
    /// Configured but no partner agrees (`configured`).
    Configured,
    /// At least one member has a partner (`negotiated`).
    Negotiated,
}

impl LacpStatus {
    /// The word `bond/show` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            LacpStatus::Disabled => "off",
            LacpStatus::Configured => "configured",
            LacpStatus::Negotiated => "negotiated",
        }
    }
}

/// Per-member counters (`lacp/show-stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberStats {
    /// PDUs handed out for transmission.
    pub tx_pdus: u64,
    /// Valid LACPDUs received.
    pub rx_pdus: u64,
    /// Malformed slow-protocols PDUs received.
    pub rx_bad: u64,
    /// Marker PDUs received.
    pub rx_marker: u64,
    /// Transitions current -> expired.
    pub link_expired: u64,
    /// Transitions expired -> defaulted.
    pub link_defaulted: u64,
    /// Carrier changes.
    pub carrier_changed: u64,
}

#[derive(Debug, Clone)]
struct Member {
    settings: MemberSettings,
    order: u64,
    status: RxStatus,
    partner: LacpInfo,
    attached: bool,
    carrier: bool,
    rx_deadline: Option<u64>,
    tx_deadline: u64,
    last_sent: Option<LacpInfo>,
    stats: MemberStats,
}

/// One bond's LACP state machine. See the module docs.
#[derive(Debug, Clone)]
pub struct Lacp {
    settings: LacpSettings,
    members: BTreeMap<String, Member>,
    next_order: u64,
    negotiated: bool,
}

impl Lacp {
    /// A LACP instance without members.
    pub fn new(settings: LacpSettings) -> Lacp {
        Lacp {
            settings,
            members: BTreeMap::new(),
            next_order: 0,
            negotiated: false,
        }
    }

    /// The current settings.
    pub fn settings(&self) -> &LacpSettings {
        &self.settings
    }

    /// Replaces the bond-wide settings. A change of system, mode or timing is announced at
    /// the next [`Lacp::run`].
    pub fn reconfigure(&mut self, settings: LacpSettings) {
        self.settings = settings;
        self.update_selection();
    }

    /// Adds member `name` (or reconfigures it if present), with its current carrier state.
    pub fn add_member(&mut self, name: &str, settings: MemberSettings, carrier: bool, now_ms: u64) {
        if let Some(m) = self.members.get_mut(name) {
            m.settings = settings;
            self.update_selection();
            return;
        }
        let order = self.next_order;
        self.next_order += 1;
        self.members.insert(
            name.to_string(),
            Member {
                settings,
                order,
                status: RxStatus::Defaulted,
                partner: LacpInfo::default(),
                attached: false,
                carrier,
                rx_deadline: None,
                tx_deadline: now_ms,
                last_sent: None,
                stats: MemberStats::default(),
            },
        );
        if carrier && self.settings.active {
            self.set_expired(name, now_ms);
        }
        self.update_selection();
    }

    /// Removes member `name` (no-op if unknown).
    pub fn remove_member(&mut self, name: &str) {
        self.members.remove(name);
        self.update_selection();
    }

    /// Member names, sorted.
    pub fn member_names(&self) -> Vec<String> {
        self.members.keys().cloned().collect()
    }

    /// The member's carrier went up or down.
    pub fn carrier_changed(&mut self, name: &str, up: bool, now_ms: u64) {
        let active = self.settings.active;
        let Some(m) = self.members.get_mut(name) else {
            return;
        };
        if m.carrier != up {
            m.carrier = up;
            m.stats.carrier_changed += 1;
        }
        if m.status == RxStatus::Current || active {
            self.set_expired(name, now_ms);
        }
        self.update_selection();
    }

    /// Handles a slow-protocols payload (the bytes after the EtherType) received on `name`.
    /// Bad PDUs are counted and returned as errors; nothing else changes.
    pub fn process_packet(
        &mut self,
        name: &str,
        payload: &[u8],
        now_ms: u64,
    ) -> Result<(), PduError> {
        let parsed = parse_slow_protocol(payload);
        let Some(m) = self.members.get_mut(name) else {
            return parsed.map(|_| ());
        };
        match parsed {
            Err(e) => {
                m.stats.rx_bad += 1;
                Err(e)
            }
            Ok(SlowProtocol::Marker) => {
                m.stats.rx_marker += 1;
                Ok(())
            }
            Ok(SlowProtocol::Lacp(pdu)) => {
                self.process_pdu(name, &pdu, now_ms);
                Ok(())
            }
        }
    }

    /// Handles a decoded LACPDU received on `name`.
    pub fn process_pdu(&mut self, name: &str, pdu: &LacpPdu, now_ms: u64) {
        let rx_period = if self.settings.fast {
            FAST_TX_MS
        } else {
            SLOW_TX_MS
        };
        let Some(m) = self.members.get_mut(name) else {
            return;
        };
        m.stats.rx_pdus += 1;
        m.status = RxStatus::Current;
        m.rx_deadline = Some(now_ms.saturating_add(RX_MULTIPLIER * rx_period));
        m.partner = pdu.actor;
        self.update_selection();
        // If the partner's view of us is stale, tell it now.
        let actor = self.actor_info(name);
        if let Some(m) = self.members.get_mut(name) {
            if actor.is_some_and(|a| a != pdu.partner) {
                m.last_sent = None;
            }
        }
    }

    /// Advances timers to `now_ms` and returns the PDUs to send now, per member name. The
    /// caller frames each with [`LacpPdu::to_frame`] and the member's MAC.
    pub fn run(&mut self, now_ms: u64) -> Vec<(String, LacpPdu)> {
        let names: Vec<String> = self.members.keys().cloned().collect();
        for name in &names {
            let Some(m) = self.members.get_mut(name) else {
                continue;
            };
            if m.rx_deadline.is_some_and(|d| now_ms >= d) {
                match m.status {
                    RxStatus::Current => {
                        m.stats.link_expired += 1;
                        self.set_expired(name, now_ms);
                    }
                    _ => {
                        m.stats.link_defaulted += 1;
                        m.status = RxStatus::Defaulted;
                        m.partner = LacpInfo::default();
                        m.rx_deadline = None;
                    }
                }
            }
        }
        self.update_selection();

        let mut out = Vec::new();
        for name in &names {
            let Some(actor) = self.actor_info(name) else {
                continue;
            };
            let active = self.settings.active;
            let Some(m) = self.members.get_mut(name) else {
                continue;
            };
            let may_tx = m.carrier && (active || m.status != RxStatus::Defaulted);
            if !may_tx {
                continue;
            }
            if now_ms >= m.tx_deadline || m.last_sent != Some(actor) {
                let period = if m.partner.state & STATE_TIMEOUT != 0 {
                    FAST_TX_MS
                } else {
                    SLOW_TX_MS
                };
                m.tx_deadline = now_ms.saturating_add(period);
                m.last_sent = Some(actor);
                m.stats.tx_pdus += 1;
                out.push((
                    name.clone(),
                    LacpPdu {
                        actor,
                        partner: m.partner,
                        collector_max_delay: 0,
                    },
                ));
            }
        }
        out
    }

    /// The earliest time [`Lacp::run`] has something to do (a timer runs out).
    pub fn next_wake(&self) -> Option<u64> {
        let active = self.settings.active;
        self.members
            .values()
            .flat_map(|m| {
                let tx = (m.carrier && (active || m.status != RxStatus::Defaulted))
                    .then_some(m.tx_deadline);
                [m.rx_deadline, tx]
            })
            .flatten()
            .min()
    }

    /// Whether LACP allows enabling `name` (unknown members: false).
    pub fn may_enable(&self, name: &str) -> bool {
        self.members
            .get(name)
            .is_some_and(|m| self.member_may_enable(m))
    }

    /// [`LacpStatus::Negotiated`] or [`LacpStatus::Configured`].
    pub fn status(&self) -> LacpStatus {
        if self.negotiated {
            LacpStatus::Negotiated
        } else {
            LacpStatus::Configured
        }
    }

    /// A member's receive status.
    pub fn member_status(&self, name: &str) -> Option<RxStatus> {
        self.members.get(name).map(|m| m.status)
    }

    /// Whether a member is attached to the bond's aggregator.
    pub fn is_attached(&self, name: &str) -> bool {
        self.members.get(name).is_some_and(|m| m.attached)
    }

    /// What we last learned about a member's partner.
    pub fn partner(&self, name: &str) -> Option<LacpInfo> {
        self.members.get(name).map(|m| m.partner)
    }

    /// A member's counters.
    pub fn stats(&self, name: &str) -> Option<MemberStats> {
        self.members.get(name).map(|m| m.stats)
    }

    /// The actor information we would send on `name` now.
    pub fn actor_info(&self, name: &str) -> Option<LacpInfo> {
        let m = self.members.get(name)?;
        let s = &self.settings;
        let mut state = STATE_AGGREGATION | STATE_COLLECTING | STATE_DISTRIBUTING;
        if s.active {
            state |= STATE_ACTIVITY;
        }
        if s.fast {
            state |= STATE_TIMEOUT;
        }
        if m.attached && m.partner.sys_id != s.sys_id {
            state |= STATE_SYNC;
        }
        match m.status {
            RxStatus::Current => {}
            RxStatus::Expired => state |= STATE_EXPIRED,
            RxStatus::Defaulted => state |= STATE_DEFAULTED,
        }
        Some(LacpInfo {
            sys_priority: s.sys_priority,
            sys_id: s.sys_id,
            key: self.bond_key(),
            port_priority: m.settings.port_priority,
            port_id: m.settings.port_id,
            state,
        })
    }

    /// The bond's aggregation key: that of the first member added (its configured key, else
    /// its port ID), 0 without members.
    pub fn bond_key(&self) -> u16 {
        self.members
            .values()
            .min_by_key(|m| m.order)
            .map(|m| m.settings.key.unwrap_or(m.settings.port_id))
            .unwrap_or(0)
    }

    fn set_expired(&mut self, name: &str, now_ms: u64) {
        if let Some(m) = self.members.get_mut(name) {
            m.status = RxStatus::Expired;
            m.partner.state |= STATE_TIMEOUT;
            m.partner.state &= !STATE_SYNC;
            m.rx_deadline = Some(now_ms.saturating_add(RX_MULTIPLIER * FAST_TX_MS));
        }
    }

    fn member_may_enable(&self, m: &Member) -> bool {
        m.attached
            && (m.partner.state & STATE_SYNC != 0
                || (self.settings.fallback_ab && m.status == RxStatus::Defaulted))
    }

    /// The (port priority, port ID) that orders this member for lead selection: the one of
    /// whichever system (ours or the partner's) has the better system priority and ID.
    fn selection_priority(&self, m: &Member) -> (u16, u16) {
        let ours = (self.settings.sys_priority, self.settings.sys_id);
        let theirs = (m.partner.sys_priority, m.partner.sys_id);
        if ours <= theirs {
            (m.settings.port_priority, m.settings.port_id)
        } else {
            (m.partner.port_priority, m.partner.port_id)
        }
    }

    fn update_selection(&mut self) {
        let fallback = self.settings.fallback_ab;
        for m in self.members.values_mut() {
            m.attached = m.status != RxStatus::Defaulted || fallback;
        }
        let lead = self
            .members
            .values()
            .filter(|m| m.status != RxStatus::Defaulted)
            .min_by_key(|m| {
                (
                    m.partner.state & STATE_SYNC == 0,
                    self.selection_priority(m),
                )
            })
            .map(|m| (m.partner.sys_id, m.partner.sys_priority, m.partner.key));
        self.negotiated = lead.is_some();
        if let Some((sys_id, sys_priority, key)) = lead {
            for m in self.members.values_mut() {
                if m.status != RxStatus::Defaulted
                    && (m.partner.sys_id != sys_id
                        || m.partner.sys_priority != sys_priority
                        || m.partner.key != key)
                {
                    m.attached = false;
                }
            }
        }
    }

    /// Appends this bond's `lacp/show` section.
    pub fn show(&self, out: &mut String) {
        let s = &self.settings;
        let _ = writeln!(out, "---- {} ----", s.name);
        let _ = writeln!(
            out,
            "  status: {}{}",
            if s.active { "active" } else { "passive" },
            if self.negotiated { " negotiated" } else { "" }
        );
        let _ = writeln!(out, "  sys_id: {}", format_mac(s.sys_id));
        let _ = writeln!(out, "  sys_priority: {}", s.sys_priority);
        let _ = writeln!(out, "  aggregation key: {}", self.bond_key());
        let _ = writeln!(out, "  lacp_time: {}", if s.fast { "fast" } else { "slow" });
        for (name, m) in &self.members {
            let Some(actor) = self.actor_info(name) else {
                continue;
            };
            let _ = writeln!(
                out,
                "\nmember: {}: {} {}",
                name,
                m.status.as_str(),
                if m.attached { "attached" } else { "detached" }
            );
            let _ = writeln!(out, "  port_id: {}", m.settings.port_id);
            let _ = writeln!(out, "  port_priority: {}", m.settings.port_priority);
            let _ = writeln!(out, "  may_enable: {}", self.member_may_enable(m));
            for (label, info) in [("actor", actor), ("partner", m.partner)] {
                out.push('\n');
                let _ = writeln!(out, "  {label} sys_id: {}", format_mac(info.sys_id));
                let _ = writeln!(out, "  {label} sys_priority: {}", info.sys_priority);
                let _ = writeln!(out, "  {label} port_id: {}", info.port_id);
                let _ = writeln!(out, "  {label} port_priority: {}", info.port_priority);
                let _ = writeln!(out, "  {label} key: {}", info.key);
                let words = state_words(info.state);
                let sep = if words.is_empty() { "" } else { " " };
                let _ = writeln!(out, "  {label} state:{sep}{words}");
            }
        }
    }

    /// Appends this bond's `lacp/show-stats` section.
    pub fn show_stats(&self, out: &mut String) {
        let _ = writeln!(out, "---- {} statistics ----", self.settings.name);
        for (name, m) in &self.members {
            let st = &m.stats;
            let _ = writeln!(out, "\nmember: {name}:");
            let _ = writeln!(out, "  TX PDUs: {}", st.tx_pdus);
            let _ = writeln!(out, "  RX PDUs: {}", st.rx_pdus);
            let _ = writeln!(out, "  RX Bad PDUs: {}", st.rx_bad);
            let _ = writeln!(out, "  RX Marker Request PDUs: {}", st.rx_marker);
            let _ = writeln!(out, "  Link Expired: {}", st.link_expired);
            let _ = writeln!(out, "  Link Defaulted: {}", st.link_defaulted);
            let _ = writeln!(out, "  Carrier Status Changed: {}", st.carrier_changed);
        }
    }
}
