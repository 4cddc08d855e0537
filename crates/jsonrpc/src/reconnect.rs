//! Connection-management state machine with backoff and inactivity probes.
//!
//! Every long-lived Open vSwitch connection (ovs-vswitchd to ovsdb-server,
//! an OVSDB client to its server, a switch to its controller, a passive
//! listener) is driven by the same policy; this module implements it without
//! doing any I/O. The owner reports events (`connecting`, `connected`,
//! `connect_failed`, `disconnected`, `activity`, ...) and regularly calls
//! [`Reconnect::run`], which says what to do now: start a connection
//! attempt, send an inactivity probe, or drop the connection. Time is a
//! monotonic millisecond count supplied by the caller, which makes the
//! machine fully deterministic and testable.
//!
//! The policy, as Open vSwitch documents and behaves:
//!
//! * **Backoff.** The first attempt happens immediately. After a failed
//!   attempt (or a connection that did not last), the next attempt waits
//!   `backoff` ms, starting at `min_backoff` (1 s) and doubling on every
//!   further failure up to `max_backoff` (8 s). A connection that stayed up
//!   at least as long as the current backoff resets it to `min_backoff`
//!   (to zero for a passive listener, which should simply listen again).
//! * **Connect timeout.** An attempt still in progress after
//!   `max(1 s, backoff)` is abandoned ([`Action::Disconnect`]).
//! * **Inactivity probe.** While connected, if nothing has been received for
//!   `probe_interval` ms (default 5 s) the owner is told to send a probe
//!   ([`Action::Probe`], an `echo` request in JSON-RPC) and the machine
//!   becomes idle; if another `probe_interval` passes with still nothing
//!   received, it asks for a disconnect. Any received data
//!   ([`Reconnect::activity`]) returns it to active. An interval of 0
//!   disables probing; non-zero intervals below 1 s are raised to 1 s.
//! * **Passive mode.** For a listener, "connect" means "start listening";
//!   [`Reconnect::listening`] records success and the machine then waits
//!   indefinitely.
//! * **Max tries.** Optionally the machine gives up (becomes disabled) after
//!   a number of attempts.

/// Default minimum backoff, ms.
pub const DEFAULT_MIN_BACKOFF: u64 = 1000;
/// Default maximum backoff, ms.
pub const DEFAULT_MAX_BACKOFF: u64 = 8000;
/// Default inactivity probe interval, ms.
pub const DEFAULT_PROBE_INTERVAL: u64 = 5000;

/// The machine's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not enabled (or gave up after `max_tries`).
    Void,
    /// Waiting before the next attempt.
    Backoff,
    /// An attempt is in progress.
    ConnectInProgress,
    /// Passive: listening for connections.
    Listening,
    /// Connected, traffic seen recently.
    Active,
    /// Connected, probe sent, waiting for any traffic.
    Idle,
    /// Connected, but a reconnect was requested; the owner must disconnect.
    Reconnect,
}

impl State {
    /// Name as OVS prints it in status output.
    pub fn name(self) -> &'static str {
        match self {
            State::Void => "VOID",
            State::Backoff => "BACKOFF",
            State::ConnectInProgress => "CONNECTING",
            State::Listening => "LISTENING",
            State::Active => "ACTIVE",
            State::Idle => "IDLE",
            State::Reconnect => "RECONNECT",
        }
    }

    fn is_connected(self) -> bool {
        matches!(self, State::Active | State::Idle | State::Reconnect)
    }
}

/// What the owner should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start connecting (active) or listening (passive).
    Connect,
    /// Close the connection / abandon the attempt, then report
    /// `disconnected` or `connect_failed`.
    Disconnect,
    /// Send an inactivity probe (JSON-RPC `echo`).
    Probe,
}

/// The reconnect state machine (see the module docs).
#[derive(Debug, Clone)]
pub struct Reconnect {
    state: State,
    state_entered: u64,
    min_backoff: u64,
    max_backoff: u64,
    probe_interval: u64,
    passive: bool,
    backoff: u64,
    last_activity: u64,
    last_connected: Option<u64>,
    last_disconnected: Option<u64>,
    max_tries: Option<u32>,
    tries_left: Option<u32>,
    n_attempted: u64,
    n_successful: u64,
    last_error: Option<String>,
}

impl Reconnect {
    /// A disabled machine with OVS's defaults (1 s / 8 s backoff, 5 s probe).
    pub fn new(now: u64) -> Self {
        Reconnect {
            state: State::Void,
            state_entered: now,
            min_backoff: DEFAULT_MIN_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            probe_interval: DEFAULT_PROBE_INTERVAL,
            passive: false,
            backoff: 0,
            last_activity: now,
            last_connected: None,
            last_disconnected: None,
            max_tries: None,
            tries_left: None,
            n_attempted: 0,
            n_successful: 0,
            last_error: None,
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Current backoff, ms.
    pub fn backoff(&self) -> u64 {
        self.backoff
    }

    /// Probe interval in ms (0 = disabled).
    pub fn probe_interval(&self) -> u64 {
        self.probe_interval
    }

    /// True when a connection is up.
    pub fn is_connected(&self) -> bool {
        self.state.is_connected()
    }

    /// True in passive (listening) mode.
    pub fn is_passive(&self) -> bool {
        self.passive
    }

    /// Number of connection attempts started.
    pub fn attempts(&self) -> u64 {
        self.n_attempted
    }

    /// Number of successful connections.
    pub fn successes(&self) -> u64 {
        self.n_successful
    }

    /// Last error reported by the owner, if any.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Time the current connection was established.
    pub fn last_connected(&self) -> Option<u64> {
        self.last_connected
    }

    /// Sets the backoff bounds in ms. `min` is raised to at least 1 ms and
    /// `max` to at least `min`.
    pub fn set_backoff(&mut self, min: u64, max: u64) {
        self.min_backoff = min.max(1);
        self.max_backoff = max.max(self.min_backoff);
        if self.state == State::Backoff && self.backoff > self.max_backoff {
            self.backoff = self.max_backoff;
        }
    }

    /// Sets the inactivity probe interval, ms (0 disables; otherwise at
    /// least 1000).
    pub fn set_probe_interval(&mut self, ms: u64) {
        self.probe_interval = if ms == 0 { 0 } else { ms.max(1000) };
    }

    /// Selects passive (listening) or active mode.
    pub fn set_passive(&mut self, passive: bool, now: u64) {
        if self.passive != passive {
            self.passive = passive;
            if matches!(
                self.state,
                State::ConnectInProgress | State::Listening | State::Active | State::Idle
            ) || (passive && self.state == State::Backoff)
            {
                self.enter(State::Backoff, now);
                self.backoff = 0;
            }
        }
    }

    /// Limits the number of attempts (`None` = unlimited).
    pub fn set_max_tries(&mut self, tries: Option<u32>) {
        self.max_tries = tries;
        self.tries_left = tries;
    }

    /// Starts managing the connection: the next `run` asks to connect.
    pub fn enable(&mut self, now: u64) {
        if self.state == State::Void && self.may_retry() {
            self.backoff = 0;
            self.enter(State::Backoff, now);
        }
    }

    /// Stops managing the connection.
    pub fn disable(&mut self, now: u64) {
        if self.state != State::Void {
            self.enter(State::Void, now);
        }
    }

    /// Asks for the current connection to be dropped and re-established.
    pub fn force_reconnect(&mut self, now: u64) {
        if matches!(
            self.state,
            State::ConnectInProgress | State::Active | State::Idle
        ) {
            self.enter(State::Reconnect, now);
        }
    }

    /// The owner started an attempt (active connect or passive listen).
    pub fn connecting(&mut self, now: u64) {
        if self.state != State::ConnectInProgress {
            if self.passive {
                self.enter(State::Listening, now);
            } else {
                self.enter(State::ConnectInProgress, now);
            }
            self.n_attempted += 1;
            if let Some(t) = self.tries_left.as_mut() {
                *t = t.saturating_sub(1);
            }
        }
    }

    /// Passive: listening started successfully.
    pub fn listening(&mut self, now: u64) {
        if self.state != State::Listening {
            self.enter(State::Listening, now);
        }
    }

    /// Passive: listening failed.
    pub fn listen_error(&mut self, now: u64, error: impl Into<String>) {
        if self.state == State::Listening {
            self.disconnected(now, Some(error.into()));
        }
    }

    /// The connection is established (active connect, or a passive accept).
    pub fn connected(&mut self, now: u64) {
        if !self.is_connected() {
            self.connecting(now);
            self.enter(State::Active, now);
            self.last_connected = Some(now);
            self.last_activity = now;
            self.n_successful += 1;
        }
    }

    /// The attempt failed.
    pub fn connect_failed(&mut self, now: u64, error: impl Into<String>) {
        self.connecting(now);
        self.disconnected(now, Some(error.into()));
    }

    /// The connection was closed (or an attempt failed); schedules the next
    /// attempt according to the backoff policy.
    pub fn disconnected(&mut self, now: u64, error: Option<String>) {
        if let Some(e) = error {
            self.last_error = Some(e);
        }
        if matches!(self.state, State::Void | State::Backoff) {
            return;
        }
        let was_connected = self.is_connected();
        if was_connected {
            self.last_disconnected = Some(now);
        }
        let stable = match self.last_connected {
            Some(c) if was_connected => self.last_activity.saturating_sub(c) >= self.backoff,
            _ => false,
        };
        if was_connected && (stable || self.passive) {
            self.backoff = if self.passive { 0 } else { self.min_backoff };
        } else if self.backoff < self.min_backoff {
            self.backoff = self.min_backoff;
        } else if self.backoff < self.max_backoff / 2 {
            self.backoff *= 2;
        } else {
            self.backoff = self.max_backoff;
        }
        if self.may_retry() {
            self.enter(State::Backoff, now);
        } else {
            self.enter(State::Void, now);
        }
    }

    /// Data was received on the connection.
    pub fn activity(&mut self, now: u64) {
        if self.state == State::Idle {
            self.enter(State::Active, now);
        }
        self.last_activity = self.last_activity.max(now);
    }

    /// What to do at time `now`, if anything.
    pub fn run(&mut self, now: u64) -> Option<Action> {
        let deadline = self.deadline()?;
        if now < deadline {
            return None;
        }
        match self.state {
            State::Void | State::Listening => None,
            State::Backoff => Some(Action::Connect),
            State::ConnectInProgress | State::Reconnect => Some(Action::Disconnect),
            State::Active => {
                self.enter(State::Idle, now);
                Some(Action::Probe)
            }
            State::Idle => {
                self.last_error = Some("inactivity probe timeout".into());
                Some(Action::Disconnect)
            }
        }
    }

    /// Milliseconds from `now` until `run` will have something to do
    /// (`Some(0)` if it already has, `None` if never on its own).
    pub fn timeout(&self, now: u64) -> Option<u64> {
        self.deadline().map(|d| d.saturating_sub(now))
    }

    fn deadline(&self) -> Option<u64> {
        match self.state {
            State::Void | State::Listening => None,
            State::Backoff => Some(self.state_entered.saturating_add(self.backoff)),
            State::ConnectInProgress => Some(
                self.state_entered
                    .saturating_add(self.backoff.max(DEFAULT_MIN_BACKOFF)),
            ),
            State::Active => (self.probe_interval > 0).then(|| {
                self.last_activity
                    .max(self.state_entered)
                    .saturating_add(self.probe_interval)
            }),
            State::Idle => (self.probe_interval > 0)
                .then(|| self.state_entered.saturating_add(self.probe_interval)),
            State::Reconnect => Some(self.state_entered),
        }
    }

    fn may_retry(&self) -> bool {
        self.tries_left != Some(0)
    }

    fn enter(&mut self, state: State, now: u64) {
        self.state = state;
        self.state_entered = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_max_then_resets_after_stable_connection() {
        let mut r = Reconnect::new(0);
        r.enable(0);
        assert_eq!(r.run(0), Some(Action::Connect));
        let mut now = 0;
        let mut waits = Vec::new();
        for _ in 0..6 {
            r.connect_failed(now, "refused");
            let wait = r.timeout(now).unwrap();
            waits.push(wait);
            assert_eq!(r.run(now + wait - 1), None);
            now += wait;
            assert_eq!(r.run(now), Some(Action::Connect));
        }
        assert_eq!(waits, vec![1000, 2000, 4000, 8000, 8000, 8000]);

        r.connecting(now);
        r.connected(now + 10);
        assert!(r.is_connected());
        // Stays up (with traffic) longer than the 8 s backoff.
        for t in (now..=now + 9000).step_by(1000) {
            r.activity(t);
            assert_eq!(r.run(t), None);
        }
        r.disconnected(now + 9500, Some("EOF".into()));
        assert_eq!(r.state(), State::Backoff);
        assert_eq!(r.timeout(now + 9500), Some(1000));
        assert_eq!(r.last_error(), Some("EOF"));
    }

    #[test]
    fn short_lived_connection_keeps_backing_off() {
        let mut r = Reconnect::new(0);
        r.enable(0);
        r.connect_failed(0, "x"); // backoff 1000
        r.connected(1000);
        r.disconnected(1100, None); // lasted < backoff
        assert_eq!(r.backoff(), 2000);
    }

    #[test]
    fn inactivity_probe_then_disconnect() {
        let mut r = Reconnect::new(0);
        r.enable(0);
        r.connected(0);
        assert_eq!(r.timeout(0), Some(5000));
        assert_eq!(r.run(4999), None);
        assert_eq!(r.run(5000), Some(Action::Probe));
        assert_eq!(r.state(), State::Idle);
        // Data arrives: back to active, probe rescheduled from that time.
        r.activity(6000);
        assert_eq!(r.state(), State::Active);
        assert_eq!(r.run(10999), None);
        assert_eq!(r.run(11000), Some(Action::Probe));
        assert_eq!(r.run(15999), None);
        assert_eq!(r.run(16000), Some(Action::Disconnect));
        assert_eq!(r.last_error(), Some("inactivity probe timeout"));
        r.disconnected(16000, None);
        assert_eq!(r.state(), State::Backoff);
    }

    #[test]
    fn probe_interval_zero_disables_and_small_values_are_raised() {
        let mut r = Reconnect::new(0);
        r.set_probe_interval(0);
        r.enable(0);
        r.connected(0);
        assert_eq!(r.timeout(0), None);
        assert_eq!(r.run(1_000_000), None);
        r.set_probe_interval(10);
        assert_eq!(r.probe_interval(), 1000);
    }

    #[test]
    fn connect_timeout() {
        let mut r = Reconnect::new(0);
        r.enable(0);
        assert_eq!(r.run(0), Some(Action::Connect));
        r.connecting(0);
        assert_eq!(r.run(999), None);
        assert_eq!(r.run(1000), Some(Action::Disconnect));
    }

    #[test]
    fn passive_listens_and_waits() {
        let mut r = Reconnect::new(0);
        r.set_passive(true, 0);
        r.enable(0);
        assert_eq!(r.run(0), Some(Action::Connect));
        r.connecting(0);
        r.listening(0);
        assert_eq!(r.state(), State::Listening);
        assert_eq!(r.timeout(0), None);
        r.listen_error(5, "address in use");
        assert_eq!(r.state(), State::Backoff);
        assert_eq!(r.timeout(5), Some(1000));
    }

    #[test]
    fn max_tries_gives_up() {
        let mut r = Reconnect::new(0);
        r.set_max_tries(Some(2));
        r.enable(0);
        r.connect_failed(0, "a");
        assert_eq!(r.state(), State::Backoff);
        r.connect_failed(1000, "b");
        assert_eq!(r.state(), State::Void);
        assert_eq!(r.run(100_000), None);
    }

    #[test]
    fn force_reconnect() {
        let mut r = Reconnect::new(0);
        r.enable(0);
        r.connected(0);
        r.force_reconnect(10);
        assert_eq!(r.run(10), Some(Action::Disconnect));
        r.disconnected(10, None);
        assert_eq!(r.state(), State::Backoff);
    }
}
