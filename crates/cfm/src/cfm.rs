//! One interface's CFM instance: CCM transmission, reception, fault detection, health and the
//! `cfm/show` text, behaving as Open vSwitch 3.1's does.
//!
//! Two timers drive it, both in caller-supplied milliseconds (`now`, monotonic):
//! - the **transmit timer**: a CCM is due right after (re)configuration of the interval and
//!   then every interval; [`Cfm::run`] composes it (sequence numbers start at 1).
//! - the **fault timer**, every 3.5 intervals (3.5 x max(interval, 500 ms) in demand mode).
//!   Between checks, [`Cfm::process`] records every remote MP heard from (`recv since check`)
//!   and accumulates faults seen in received CCMs (rdi, maid, loopback). At each
//!   check the accumulated faults become the current ones, remote MPs not heard from since
//!   the previous check are forgotten (unless demand mode saw other traffic), and `recv` is
//!   added when none remain. A change of the fault set from or to "none" is a flap.
//!
//! Health: every 6th fault check from the 7th on (so every 21 intervals) the health becomes
//! undefined with several remote MPs, 0 with none, and otherwise the number of fault-free
//! CCMs received from the remote MP since the previous computation, in percent of 21, capped
//! at 100.
//!
//! Quirks kept from Open vSwitch (each observed with Debian's ovs-vswitchd 3.1):
//! - a CCM whose interval differs from ours raises no fault (it is only logged);
//! - the first CCM from a new remote MP is never taken as a loopback, so a looped-back CCM
//!   stream faults from its second CCM on (and that first CCM counts towards health);
//! - CCMs from more than [`MAX_REMOTE_MPS`] remote MPs are dropped (logged) without the
//!   `overflow` fault;
//! - from the first fault check on, our CCMs carry RDI exactly while no remote MP is known:
//!   RDI follows the remote MP list, not the `recv` fault (a CCM arriving between checks
//!   clears RDI at once, while `recv` stays until the next check).
//!
//! Remote MPs are listed (in `cfm/show` and the status) in Open vSwitch's hash-map order
//! (see [`crate::hmap`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use thiserror::Error;

use crate::hmap::{hash_uint64, HmapOrder};
use crate::pdu::{
    extended_mpid_hash, interval_code_to_ms, ms_to_interval_code, ovs_maid, Ccm, CcmFrame,
    PduError, VlanTag, CCM_DST_EXTENDED, CCM_DST_STANDARD, CCM_TLV_OFFSET, ETH_TYPE_CFM,
    ETH_TYPE_VLAN, MAID_LEN,
};

/// Most remote MPs one instance tracks; CCMs from more raise the `overflow` fault.
pub const MAX_REMOTE_MPS: usize = 256;
/// Fault checks per health computation.
const HEALTH_INTERVAL: u32 = 6;
/// CCMs expected from a healthy peer per health computation (6 x 3.5).
const HEALTH_EXPECTED_CCMS: u64 = 21;

/// A set of fault reasons (a bit set in Open vSwitch's order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Faults(pub u8);

impl Faults {
    /// No CCM received from any remote MP within 3.5 intervals.
    pub const RECV: Faults = Faults(1 << 0);
    /// A remote MP signalled RDI.
    pub const RDI: Faults = Faults(1 << 1);
    /// A CCM with another MAID arrived.
    pub const MAID: Faults = Faults(1 << 2);
    /// A CCM with our own MPID arrived.
    pub const LOOPBACK: Faults = Faults(1 << 3);
    /// More than [`MAX_REMOTE_MPS`] remote MPs (defined but never raised by Open vSwitch 3.1:
    /// CCMs from further MPs are dropped and logged only).
    pub const OVERFLOW: Faults = Faults(1 << 4);
    /// Forced by `cfm/set-fault`.
    pub const OVERRIDE: Faults = Faults(1 << 5);
    /// A CCM with an unexpected interval (defined but never raised by Open vSwitch 3.1).
    pub const INTERVAL: Faults = Faults(1 << 6);

    const NAMES: [&'static str; 7] = [
        "recv", "rdi", "maid", "loopback", "overflow", "override", "interval",
    ];

    /// True if no reason is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if every reason of `other` is set.
    pub fn contains(self, other: Faults) -> bool {
        self.0 & other.0 == other.0
    }

    /// The reasons' names in bit order (the values of `cfm_fault_status`).
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// The names separated by spaces, as in `cfm/show` and the log.
    pub fn to_text(self) -> String {
        self.names().join(" ")
    }
}

impl std::ops::BitOr for Faults {
    type Output = Faults;
    fn bitor(self, rhs: Faults) -> Faults {
        Faults(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Faults {
    fn bitor_assign(&mut self, rhs: Faults) {
        self.0 |= rhs.0;
    }
}

/// VLAN tagging of transmitted CCMs (`other_config:cfm_ccm_vlan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CcmVlan {
    /// VLAN 0 (no tag unless a PCP is set).
    #[default]
    None,
    /// This VLAN ID (12 bits).
    Vid(u16),
    /// A different pseudo-random VLAN ID for every CCM.
    Random,
}

/// An instance's configuration (the Interface's `cfm_mpid` and `other_config:cfm_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfmSettings {
    /// Our MPID.
    pub mpid: u64,
    /// Requested transmission interval in ms (non-positive values mean 1000).
    pub interval_ms: i64,
    /// Extended mode.
    pub extended: bool,
    /// Demand mode (only effective in extended mode).
    pub demand: bool,
    /// Our operational state (sent only in extended mode).
    pub opup: bool,
    /// VLAN of transmitted CCMs.
    pub ccm_vlan: CcmVlan,
    /// PCP of transmitted CCMs (0..=7).
    pub ccm_pcp: u8,
    /// The MAID we send and accept.
    pub maid: [u8; MAID_LEN],
}

impl CfmSettings {
    /// Defaults for `mpid`: 1000 ms, standard mode, opstate up, untagged, Open vSwitch's MAID.
    pub fn new(mpid: u64) -> CfmSettings {
        CfmSettings {
            mpid,
            interval_ms: 1000,
            extended: false,
            demand: false,
            opup: true,
            ccm_vlan: CcmVlan::None,
            ccm_pcp: 0,
            maid: ovs_maid(),
        }
    }

    /// The same settings with another requested interval.
    pub fn with_interval(mut self, interval_ms: i64) -> CfmSettings {
        self.interval_ms = interval_ms;
        self
    }

    /// Settings from an Interface's `cfm_mpid` and `other_config` (looked up through `get`),
    /// parsed as ovs-vswitchd does: unparsable integers count as unset, booleans are true only
    /// for "true", `cfm_opstate` is up unless "down"-ish (anything but "up"), `cfm_ccm_vlan`
    /// may be "random", VLAN and PCP are masked to 12 and 3 bits.
    pub fn from_other_config<'a>(mpid: u64, get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let int = |k: &str| get(k).and_then(|v| v.trim().parse::<i64>().ok());
        let boolean = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let ccm_vlan = match get("cfm_ccm_vlan") {
            None => CcmVlan::None,
            Some(v) if v.eq_ignore_ascii_case("random") => CcmVlan::Random,
            Some(v) => match leading_int(v) & 0xfff {
                0 => CcmVlan::None,
                vid => CcmVlan::Vid(vid as u16),
            },
        };
        CfmSettings {
            mpid,
            interval_ms: int("cfm_interval").unwrap_or(0),
            extended: boolean("cfm_extended"),
            demand: boolean("cfm_demand"),
            opup: get("cfm_opstate").is_none_or(|v| v.eq_ignore_ascii_case("up")),
            ccm_vlan,
            ccm_pcp: (int("cfm_ccm_pcp").unwrap_or(0) & 7) as u8,
            maid: ovs_maid(),
        }
    }
}

/// C `atoi`: optional sign and leading digits, 0 if none.
fn leading_int(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let n = digits
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |acc, c| {
            acc.saturating_mul(10)
                .saturating_add(i64::from(c.to_digit(10).unwrap_or(0)))
        });
    if neg {
        -n
    } else {
        n
    }
}

/// What `cfm/set-fault` and `cfm/show` errors say.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CfmError {
    /// `cfm/set-fault` status other than true/false/normal.
    #[error("unknown fault string")]
    UnknownFaultString,
    /// No CFM instance by that name.
    #[error("no such CFM object")]
    NoSuchObject,
}

/// Parses `cfm/set-fault`'s status: "true" -> `Some(true)`, "false" -> `Some(false)`,
/// "normal" -> `None` (case-insensitive).
pub fn parse_fault_override(s: &str) -> Result<Option<bool>, CfmError> {
    if s.eq_ignore_ascii_case("true") {
        Ok(Some(true))
    } else if s.eq_ignore_ascii_case("false") {
        Ok(Some(false))
    } else if s.eq_ignore_ascii_case("normal") {
        Ok(None)
    } else {
        Err(CfmError::UnknownFaultString)
    }
}

/// The values of the Interface's `cfm_*` status columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfmStatus {
    /// Current faults (override applied): `cfm_fault` is `!faults.is_empty()`,
    /// `cfm_fault_status` is `faults.names()`.
    pub faults: Faults,
    /// `cfm_remote_opstate` (extended mode only): true = "up".
    pub remote_opstate: Option<bool>,
    /// `cfm_flap_count`.
    pub flap_count: u64,
    /// `cfm_health` (empty when undefined).
    pub health: Option<u8>,
    /// `cfm_remote_mpids`: the remote MPs heard from in the last fault interval.
    pub remote_mpids: Vec<u64>,
}

/// Severity of a [`LogLine`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Debug.
    Dbg,
    /// Informational.
    Info,
    /// Warning (Open vSwitch rate-limits these).
    Warn,
}

/// A message for the `cfm` log module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Severity.
    pub level: LogLevel,
    /// Text, already prefixed with the interface name.
    pub text: String,
}

#[derive(Debug, Clone)]
struct RemoteMp {
    mpid: u64,
    recv: bool,
    seq: u32,
    opup: bool,
    last_rx: u64,
    num_health_ccm: u64,
}

/// One interface's CFM instance.
#[derive(Debug, Clone)]
pub struct Cfm {
    name: String,
    s: CfmSettings,
    demand: bool,
    interval_code: u8,
    interval_ms: u32,
    seq: u32,
    /// `None`: a CCM is due now.
    tx_at: Option<u64>,
    fault_at: u64,
    remotes: BTreeMap<u64, RemoteMp>,
    /// The remote MPs in Open vSwitch's hash-map order.
    order: HmapOrder<u64>,
    fault: Faults,
    recv_fault: Faults,
    fault_override: Option<bool>,
    health: Option<u8>,
    health_interval: u32,
    flap_count: u64,
    rmps: Vec<u64>,
    remote_opup: bool,
    booted: bool,
    demand_rx_ccm_at: u64,
    rx_packets: u64,
    rx_packets_seen: u64,
    last_tx: Option<u64>,
    status_changed: bool,
    rng: u64,
    log: Vec<LogLine>,
}

fn mac_text(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

impl Cfm {
    /// A new instance for interface `name`, configured at time `now`: the first CCM is due
    /// immediately, the first fault check 3.5 intervals later; no fault, health undefined.
    pub fn new(name: &str, settings: CfmSettings, now: u64) -> Cfm {
        let mut cfm = Cfm {
            name: name.to_string(),
            s: settings.clone(),
            demand: false,
            interval_code: 0,
            interval_ms: 0,
            seq: 0,
            tx_at: None,
            fault_at: now,
            remotes: BTreeMap::new(),
            order: HmapOrder::new(),
            fault: Faults::default(),
            recv_fault: Faults::default(),
            fault_override: None,
            health: None,
            health_interval: 0,
            flap_count: 0,
            rmps: Vec::new(),
            remote_opup: true,
            booted: false,
            demand_rx_ccm_at: now,
            rx_packets: 0,
            rx_packets_seen: 0,
            last_tx: None,
            status_changed: true,
            rng: settings.mpid ^ 0x9e37_79b9_7f4a_7c15,
            log: Vec::new(),
        };
        cfm.reconfigure(settings, now);
        cfm
    }

    /// Applies new settings. A changed interval makes a CCM due now and restarts the fault
    /// timer; everything else (remote MPs, faults, counters) is kept.
    pub fn reconfigure(&mut self, settings: CfmSettings, now: u64) {
        let requested = if settings.interval_ms <= 0 {
            1000
        } else {
            u32::try_from(settings.interval_ms).unwrap_or(u32::MAX)
        };
        let mut code = ms_to_interval_code(requested);
        let mut ms = interval_code_to_ms(code).unwrap_or(1000);
        if settings.extended && ms != requested {
            code = 0;
            ms = requested.min(u32::from(u16::MAX));
        }
        self.demand = settings.demand && settings.extended;
        self.s = settings;
        if code != self.interval_code || ms != self.interval_ms {
            self.interval_code = code;
            self.interval_ms = ms;
            self.tx_at = None;
            self.fault_at = now.saturating_add(self.fault_interval());
        }
        self.status_changed = true;
    }

    /// The settings in effect.
    pub fn settings(&self) -> &CfmSettings {
        &self.s
    }

    /// The effective transmission interval in ms (after rounding to a standard interval).
    pub fn interval_ms(&self) -> u32 {
        self.interval_ms
    }

    fn fault_interval(&self) -> u64 {
        let mut i = u64::from(self.interval_ms);
        if self.demand {
            i = i.max(500);
        }
        i * 7 / 2
    }

    /// The destination address our CCMs use and we accept (depends on extended mode).
    pub fn ccm_dst(&self) -> [u8; 6] {
        if self.s.extended {
            CCM_DST_EXTENDED
        } else {
            CCM_DST_STANDARD
        }
    }

    /// True if a received frame is for this instance: destination [`Cfm::ccm_dst`] and
    /// EtherType 0x8902 (after VLAN tags). Such frames are consumed, never switched.
    pub fn should_process(&self, frame: &[u8]) -> bool {
        matches!(crate::pdu::ethernet_header(frame),
            Ok((dst, _, et, _)) if dst == self.ccm_dst() && et == ETH_TYPE_CFM)
    }

    /// Demand mode: the interface's received-packets counter, to be set before each
    /// [`Cfm::run`]; traffic keeps a single silent remote MP alive for up to 100 intervals
    /// after its last good CCM.
    pub fn set_rx_packets(&mut self, count: u64) {
        self.rx_packets = count;
    }

    /// Processes one received CFM frame (one [`Cfm::should_process`] accepted). Errors are
    /// for the log (Open vSwitch logs them at INFO, rate-limited) and change nothing.
    pub fn process(&mut self, frame: &[u8], now: u64) -> Result<(), PduError> {
        let f = CcmFrame::decode(frame)?;
        let ccm = &f.ccm;
        if ccm.maid != self.s.maid {
            self.recv_fault |= Faults::MAID;
            self.warn(format!(
                "{}: Received unexpected remote MAID from MAC {}",
                self.name,
                mac_text(&f.src)
            ));
            return Ok(());
        }
        let (mpid, opdown) = if self.s.extended {
            (ccm.mpid64, ccm.opdown)
        } else {
            (u64::from(ccm.mpid), false)
        };
        let mut fault = Faults::default();
        if ccm.interval != self.interval_code {
            self.warn(format!(
                "{}: received a CCM with an unexpected interval ({}) from RMP {}",
                self.name, ccm.interval, mpid
            ));
        }
        if self.s.extended && ccm.interval == 0 && u32::from(ccm.interval_ms_x) != self.interval_ms
        {
            self.warn(format!(
                "{}: received a CCM with an unexpected extended interval ({}ms) from RMP {}",
                self.name, ccm.interval_ms_x, mpid
            ));
        }
        let known = self.remotes.contains_key(&mpid);
        if !known {
            if self.remotes.len() < MAX_REMOTE_MPS {
                // Open vSwitch checks loopback before recording the new MP's MPID.
                self.order.insert(hash_uint64(mpid), mpid);
                self.remotes.insert(
                    mpid,
                    RemoteMp {
                        mpid: 0,
                        recv: false,
                        seq: 0,
                        opup: true,
                        last_rx: now,
                        num_health_ccm: 0,
                    },
                );
            } else {
                fault |= Faults::OVERFLOW;
                self.warn(format!(
                    "{}: dropped CCM with MPID {} from MAC {}",
                    self.name,
                    mpid,
                    mac_text(&f.src)
                ));
            }
        }
        if ccm.rdi {
            fault |= Faults::RDI;
            self.push(
                LogLevel::Dbg,
                format!("{}: RDI bit flagged from RMP {}", self.name, mpid),
            );
        }
        self.push(
            LogLevel::Dbg,
            format!(
                "{}: received CCM (seq {}) (mpid {}) (interval {}) (RDI {})",
                self.name, ccm.seq, mpid, ccm.interval, ccm.rdi
            ),
        );
        let my_mpid = self.s.mpid;
        let demand = self.demand;
        let interval_ms = u64::from(self.interval_ms);
        let name = self.name.clone();
        let mut lines = Vec::new();
        if let Some(rmp) = self.remotes.get_mut(&mpid) {
            if rmp.mpid == my_mpid {
                fault |= Faults::LOOPBACK;
                lines.push(format!("{name}: received CCM with local MPID {}", rmp.mpid));
            }
            if rmp.seq != 0 && ccm.seq != rmp.seq.wrapping_add(1) {
                lines.push(format!(
                    "{name}: (mpid {mpid}) detected sequence numbers which indicate possible \
                     connectivity problems (previous {}) (current {})",
                    rmp.seq, ccm.seq
                ));
            }
            rmp.mpid = mpid;
            if fault.is_empty() {
                rmp.num_health_ccm += 1;
                if demand {
                    self.demand_rx_ccm_at = now.saturating_add(100 * interval_ms);
                }
            }
            rmp.recv = true;
            self.recv_fault |= fault;
            rmp.seq = ccm.seq;
            rmp.opup = !opdown;
            rmp.last_rx = now;
        }
        for l in lines {
            self.warn(l);
        }
        Ok(())
    }

    /// Runs the fault check when due, then returns the CCM frame to send from `src_mac` when
    /// one is due (sending it is the caller's job).
    pub fn run(&mut self, now: u64, src_mac: [u8; 6]) -> Option<Vec<u8>> {
        if now >= self.fault_at {
            self.fault_check(now);
        }
        if self.tx_at.is_none_or(|t| now >= t) {
            return Some(self.compose_ccm(now, src_mac).encode());
        }
        None
    }

    fn fault_check(&mut self, now: u64) {
        let old_fault = self.fault;
        let old_flaps = self.flap_count;
        let old_health = self.health;
        let old_rmps_len = self.rmps.len();
        let old_remote_opup = self.remote_opup;
        let mut rmps_deleted = false;

        self.fault = self.recv_fault;
        self.recv_fault = Faults::default();
        self.rmps.clear();

        if self.health_interval == HEALTH_INTERVAL {
            self.health = match self.remotes.len() {
                0 => Some(0),
                1 => self.remotes.values_mut().next().map(|r| {
                    let h = (r.num_health_ccm * 100 / HEALTH_EXPECTED_CCMS).min(100);
                    r.num_health_ccm = 0;
                    h as u8
                }),
                _ => None,
            };
            self.health_interval = 0;
        }
        self.health_interval += 1;

        let mut demand_override = false;
        if self.demand {
            demand_override = self.remotes.len() == 1
                && self.rx_packets > self.rx_packets_seen
                && now < self.demand_rx_ccm_at;
            self.rx_packets_seen = self.rx_packets;
        }

        let (mut set_up, mut set_down) = (false, false);
        let mut expired = Vec::new();
        for key in self.order.iter() {
            let Some(rmp) = self.remotes.get_mut(key) else {
                continue;
            };
            if !rmp.recv {
                expired.push((*key, now.saturating_sub(rmp.last_rx)));
            } else {
                rmp.recv = false;
                if rmp.opup {
                    set_up = true;
                } else {
                    set_down = true;
                }
                self.rmps.push(rmp.mpid);
            }
        }
        for (key, ago) in expired {
            let mpid = self.remotes.get(&key).map_or(key, |r| r.mpid);
            self.push(
                LogLevel::Info,
                format!(
                    "{}: Received no CCM from RMP {} in the last {}ms",
                    self.name, mpid, ago
                ),
            );
            if !demand_override {
                rmps_deleted = true;
                self.remotes.remove(&key);
                self.order.remove(&key);
            }
        }
        if set_down {
            self.remote_opup = false;
        } else if set_up {
            self.remote_opup = true;
        }
        if self.remotes.is_empty() {
            self.fault |= Faults::RECV;
        }
        if old_fault != self.fault {
            self.push(
                LogLevel::Info,
                format!(
                    "{}: CFM faults changed from [{}] to [{}].",
                    self.name,
                    old_fault.to_text(),
                    self.fault.to_text()
                ),
            );
            if old_fault.is_empty() || self.fault.is_empty() {
                self.flap_count += 1;
            }
        }
        if old_health != self.health
            || old_remote_opup != self.remote_opup
            || old_rmps_len != self.rmps.len()
            || rmps_deleted
            || old_fault != self.fault
            || old_flaps != self.flap_count
        {
            self.status_changed = true;
        }
        self.booted = true;
        self.fault_at = now.saturating_add(self.fault_interval());
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough for picking VLAN IDs.
        let mut x = self.rng.max(1);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn compose_ccm(&mut self, now: u64, src: [u8; 6]) -> CcmFrame {
        self.tx_at = Some(now.saturating_add(u64::from(self.interval_ms)));
        let vid = match self.s.ccm_vlan {
            CcmVlan::None => 0,
            CcmVlan::Vid(v) => v & 0xfff,
            CcmVlan::Random => (self.next_random() >> 32) as u16 & 0xfff,
        };
        let vlan = (vid != 0 || self.s.ccm_pcp != 0).then(|| VlanTag {
            tpid: ETH_TYPE_VLAN,
            tci: vid | u16::from(self.s.ccm_pcp & 7) << 13,
        });
        self.seq = self.seq.wrapping_add(1);
        let (mpid, mpid64, opdown) = if self.s.extended {
            (extended_mpid_hash(self.s.mpid), self.s.mpid, !self.s.opup)
        } else {
            (self.s.mpid as u16, 0, false)
        };
        let ccm = Ccm {
            md_level: 0,
            version: 0,
            rdi: self.booted && self.remotes.is_empty(),
            interval: self.interval_code,
            tlv_offset: CCM_TLV_OFFSET,
            seq: self.seq,
            mpid,
            maid: self.s.maid,
            interval_ms_x: if self.interval_code == 0 {
                self.interval_ms as u16
            } else {
                0
            },
            mpid64,
            opdown,
        };
        if let Some(last) = self.last_tx {
            let delay = now.saturating_sub(last);
            if delay > u64::from(self.interval_ms) * 3 / 2 {
                self.push(
                    LogLevel::Info,
                    format!(
                        "{}: long delay of {}ms (expected {}ms) sending CCM seq {}",
                        self.name, delay, self.interval_ms, self.seq
                    ),
                );
            }
        }
        self.last_tx = Some(now);
        CcmFrame {
            dst: self.ccm_dst(),
            src,
            vlan,
            ccm,
        }
    }

    /// When [`Cfm::run`] next has something to do.
    pub fn next_wake(&self) -> u64 {
        match self.tx_at {
            None => 0,
            Some(t) => t.min(self.fault_at),
        }
    }

    /// Current faults, `cfm/set-fault` override applied.
    pub fn faults(&self) -> Faults {
        match self.fault_override {
            Some(true) => Faults::OVERRIDE,
            Some(false) => Faults::default(),
            None => self.fault,
        }
    }

    /// True if faulted (a bonded interface with a fault is disabled).
    pub fn is_faulted(&self) -> bool {
        !self.faults().is_empty()
    }

    /// Extended mode: the remote MPs' operational state (false if any is down);
    /// `None` in standard mode.
    pub fn remote_opup(&self) -> Option<bool> {
        self.s.extended.then_some(self.remote_opup)
    }

    /// `cfm/set-fault`: `Some(fault)` forces the fault state, `None` ("normal") reverts.
    pub fn set_fault_override(&mut self, value: Option<bool>) {
        self.fault_override = value;
        self.status_changed = true;
    }

    /// The values of the Interface's `cfm_*` columns.
    pub fn status(&self) -> CfmStatus {
        CfmStatus {
            faults: self.faults(),
            remote_opstate: self.remote_opup(),
            flap_count: self.flap_count,
            health: self.health,
            remote_mpids: self.rmps.clone(),
        }
    }

    /// True (once) if the status changed since the last call: time to rewrite the columns.
    pub fn take_status_changed(&mut self) -> bool {
        std::mem::take(&mut self.status_changed)
    }

    /// Log lines produced since the last call.
    pub fn take_log(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.log)
    }

    fn push(&mut self, level: LogLevel, text: String) {
        self.log.push(LogLine { level, text });
    }

    fn warn(&mut self, text: String) {
        self.push(LogLevel::Warn, text);
    }

    /// This instance's block of `cfm/show` (Open vSwitch's format) at time `now`.
    pub fn show(&self, now: u64) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "---- {} ----", self.name);
        let _ = writeln!(
            s,
            "MPID {}:{}{}",
            self.s.mpid,
            if self.s.extended { " extended" } else { "" },
            if self.fault_override.is_some() {
                " fault_override"
            } else {
                ""
            }
        );
        let f = self.faults();
        if !f.is_empty() {
            let _ = writeln!(s, "  fault: {}", f.to_text());
        }
        match self.health {
            None => s.push_str("  average health: undefined\n"),
            Some(h) => {
                let _ = writeln!(s, "  average health: {h}");
            }
        }
        let updown = |b: bool| if b { "up" } else { "down" };
        let _ = writeln!(s, "  opstate: {}", updown(self.s.opup));
        let _ = writeln!(s, "  remote_opstate: {}", updown(self.remote_opup));
        let _ = writeln!(s, "  interval: {}ms", self.interval_ms);
        let tx = self.tx_at.map_or(0, |t| t.saturating_sub(now));
        let _ = writeln!(s, "  next CCM tx: {tx}ms");
        let _ = writeln!(
            s,
            "  next fault check: {}ms",
            self.fault_at.saturating_sub(now)
        );
        for r in self.order.iter().filter_map(|k| self.remotes.get(k)) {
            let _ = writeln!(s, "Remote MPID {}", r.mpid);
            let _ = writeln!(s, "  recv since check: {}", r.recv);
            let _ = writeln!(s, "  opstate: {}", updown(r.opup));
        }
        s
    }
}
