//! Logging the way Open vSwitch's "vlog" does it.
//!
//! Operators script against OVS's log format and its `vlog/*` unixctl
//! commands, so ferroswitch reproduces them: per-module, per-destination
//! levels; the exact line format (`2026-11-25T23:37:22.123Z|00001|vlog|INFO|
//! opened log file ...`); the `vlog/set` spec language; `vlog/list` and
//! `vlog/list-pattern` tables byte for byte; `vlog/reopen` / `vlog/close`
//! for log rotation; and rate limiting.
//!
//! **Why self-contained rather than built on `tracing`.** vlog's model is a
//! flat registry of named modules whose levels change at run time per
//! destination, plus a global serial number shared by every line. `tracing`
//! filters by target/span with a different level set (no `emer`/`off`
//! distinction per destination) and its fmt layers cannot produce OVS's
//! lines or tables without re-implementing all of this anyway. A small
//! dedicated logger is simpler, has no global-subscriber surprises, and is
//! what the unixctl commands need to manipulate.
//!
//! Structure:
//! * [`level`] — levels, destinations, the spec parser (pure);
//! * [`pattern`] — `%` pattern expansion and time formatting (pure);
//! * [`ratelimit`] — token-bucket limiting (pure, time passed in);
//! * this module — [`Vlog`], the logger state (modules, levels, patterns,
//!   open log file, console and syslog sinks) behind a mutex, and a process
//!   global ([`global`]) with `vlog_*!` macros.
//!
//! Known simplifications: local time (`%d`) is printed as UTC; syslog goes
//! straight to the `/dev/log` datagram socket (when present) rather than
//! through libc's `syslog()`.

pub mod level;
pub mod pattern;
pub mod ratelimit;

pub use level::{parse_spec, Destination, Level, Spec, SpecError};
pub use ratelimit::{Decision, RateLimit};

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Levels of one module, indexed by [`Destination::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ModuleState {
    levels: [Level; 3],
    rate_limited: bool,
}

struct Inner {
    program: String,
    modules: BTreeMap<String, ModuleState>,
    defaults: [Level; 3],
    patterns: [String; 3],
    seq: u32,
    facility: u8,
    log_path: Option<PathBuf>,
    log_file: Option<File>,
    console: Box<dyn Write + Send>,
    syslog: Option<UnixDatagram>,
    hostname: String,
}

/// A logger instance. Daemons normally use the process-wide [`global`] one;
/// tests can create their own.
pub struct Vlog {
    inner: Mutex<Inner>,
    start: Instant,
}

impl std::fmt::Debug for Vlog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vlog").finish_non_exhaustive()
    }
}

impl Vlog {
    /// A logger for `program` with OVS's defaults: every module at `info`
    /// for every destination, default patterns, no log file, console on
    /// stderr, no syslog until [`Vlog::enable_syslog`].
    pub fn new(program: &str) -> Vlog {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let v = Vlog {
            inner: Mutex::new(Inner {
                program: program.to_string(),
                modules: BTreeMap::new(),
                defaults: [Level::Info; 3],
                patterns: [
                    pattern::DEFAULT_CONSOLE_PATTERN.to_string(),
                    pattern::DEFAULT_SYSLOG_PATTERN.to_string(),
                    pattern::DEFAULT_FILE_PATTERN.to_string(),
                ],
                seq: 0,
                facility: 3,
                log_path: None,
                log_file: None,
                console: Box::new(std::io::stderr()),
                syslog: None,
                hostname,
            }),
            start: Instant::now(),
        };
        v.register_module("vlog");
        v
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the state invalid in a
        // way that matters for logging, so recover from poisoning.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Program name used by `%A`.
    pub fn program(&self) -> String {
        self.lock().program.clone()
    }

    /// Registers a module (idempotent); it starts at the current defaults.
    pub fn register_module(&self, name: &str) {
        let mut inner = self.lock();
        let defaults = inner.defaults;
        inner
            .modules
            .entry(name.to_string())
            .or_insert(ModuleState {
                levels: defaults,
                rate_limited: true,
            });
    }

    /// Registers several modules.
    pub fn register_modules(&self, names: &[&str]) {
        for n in names {
            self.register_module(n);
        }
    }

    /// Canonical name of a registered module matching `name`
    /// case-insensitively.
    pub fn find_module(&self, name: &str) -> Option<String> {
        self.lock()
            .modules
            .keys()
            .find(|m| m.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// Current level of `module` at `destination`.
    pub fn level(&self, module: &str, destination: Destination) -> Option<Level> {
        self.lock()
            .modules
            .get(module)
            .and_then(|m| m.levels.get(destination.index()).copied())
    }

    /// True if a message of `level` from `module` would go anywhere.
    pub fn is_enabled(&self, module: &str, level: Level) -> bool {
        if level == Level::Off {
            return false;
        }
        let inner = self.lock();
        let [lc, ls, lf] = inner
            .modules
            .get(module)
            .map_or(inner.defaults, |m| m.levels);
        level <= lc || level <= ls || (inner.log_file.is_some() && level <= lf)
    }

    /// Sets `level` for `module` (all if None) at `destination` (all if
    /// None). Setting all modules also changes the defaults for modules
    /// registered later.
    pub fn set_levels(&self, module: Option<&str>, destination: Option<Destination>, level: Level) {
        let mut inner = self.lock();
        let apply = |levels: &mut [Level; 3]| match destination {
            Some(d) => {
                if let Some(slot) = levels.get_mut(d.index()) {
                    *slot = level;
                }
            }
            None => *levels = [level; 3],
        };
        match module {
            Some(name) => {
                let defaults = inner.defaults;
                let m = inner
                    .modules
                    .entry(name.to_string())
                    .or_insert(ModuleState {
                        levels: defaults,
                        rate_limited: true,
                    });
                apply(&mut m.levels);
            }
            None => {
                apply(&mut inner.defaults);
                for m in inner.modules.values_mut() {
                    apply(&mut m.levels);
                }
            }
        }
    }

    /// Sets the pattern of `destination` (all if None).
    pub fn set_pattern(&self, destination: Option<Destination>, pattern: &str) {
        let mut inner = self.lock();
        match destination {
            Some(d) => {
                if let Some(p) = inner.patterns.get_mut(d.index()) {
                    *p = pattern.to_string();
                }
            }
            None => {
                inner.patterns = [
                    pattern.to_string(),
                    pattern.to_string(),
                    pattern.to_string(),
                ]
            }
        }
    }

    /// Parses and applies one `vlog/set` / `-v` spec.
    pub fn set_spec(&self, spec: &str) -> Result<(), SpecError> {
        match parse_spec(spec, |w| self.find_module(w))? {
            Spec::Levels {
                module,
                destination,
                level,
            } => self.set_levels(module.as_deref(), destination, level),
            Spec::Pattern {
                destination,
                pattern,
            } => self.set_pattern(destination, &pattern),
            Spec::Facility(f) => self.lock().facility = f,
        }
        Ok(())
    }

    /// Enables or disables rate limiting for the named modules; an empty
    /// list or the word `any` means every module. Unknown names fail with
    /// OVS's text, `unknown module`.
    pub fn set_rate_limit(&self, modules: &[String], enabled: bool) -> Result<(), String> {
        let all = modules.is_empty() || modules.iter().any(|m| m.eq_ignore_ascii_case("any"));
        let names: Vec<String> = if all {
            Vec::new()
        } else {
            modules
                .iter()
                .map(|m| {
                    self.find_module(m)
                        .ok_or_else(|| "unknown module".to_string())
                })
                .collect::<Result<_, _>>()?
        };
        let mut inner = self.lock();
        for (name, state) in inner.modules.iter_mut() {
            if all || names.contains(name) {
                state.rate_limited = enabled;
            }
        }
        Ok(())
    }

    /// True if rate limiting applies to `module`.
    pub fn is_rate_limited(&self, module: &str) -> bool {
        match self.lock().modules.get(module) {
            Some(m) => m.rate_limited,
            None => true,
        }
    }

    /// Replaces the console sink (stderr by default); for tests and for
    /// daemons that detach (pass `std::io::sink()`).
    pub fn set_console(&self, w: Box<dyn Write + Send>) {
        self.lock().console = Box::new(w);
    }

    /// Starts sending syslog-destination messages to `/dev/log` (or the
    /// given datagram socket path).
    pub fn enable_syslog(&self, socket: Option<&Path>) -> std::io::Result<()> {
        let sock = UnixDatagram::unbound()?;
        sock.connect(socket.unwrap_or(Path::new("/dev/log")))?;
        self.lock().syslog = Some(sock);
        Ok(())
    }

    /// Opens `path` as the log file (appending), closing any previous one,
    /// and logs "opened log file PATH" at info level as OVS does.
    pub fn set_log_file(&self, path: &Path) -> std::io::Result<()> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        {
            let mut inner = self.lock();
            inner.log_path = Some(path.to_path_buf());
            inner.log_file = Some(file);
        }
        self.log(
            "vlog",
            Level::Info,
            &format!("opened log file {}", path.display()),
        );
        Ok(())
    }

    /// The configured log file name, if any.
    pub fn log_file(&self) -> Option<PathBuf> {
        self.lock().log_path.clone()
    }

    /// Closes and reopens the log file (`vlog/reopen`). Error text as OVS.
    pub fn reopen(&self) -> Result<(), String> {
        let path = self
            .lock()
            .log_path
            .clone()
            .ok_or_else(|| "Logging to file not configured".to_string())?;
        self.lock().log_file = None;
        self.set_log_file(&path)
            .map_err(|e| format!("could not reopen log file \"{}\": {e}", path.display()))
    }

    /// Closes the log file (`vlog/close`); `reopen` opens it again.
    pub fn close(&self) {
        self.lock().log_file = None;
    }

    /// The `vlog/list` table, exactly as OVS prints it.
    pub fn list(&self) -> String {
        let inner = self.lock();
        let mut s = String::new();
        s.push_str("                 console    syslog    file\n");
        s.push_str("                 -------    ------    ------\n");
        for (name, m) in &inner.modules {
            let [c, y, f] = m.levels;
            s.push_str(&format!(
                "{:<16}  {:>4}       {:>4}       {:>4}",
                name,
                c.upper(),
                y.upper(),
                f.upper()
            ));
            if !m.rate_limited {
                s.push_str("    (rate limiting disabled)");
            }
            s.push('\n');
        }
        s
    }

    /// The `vlog/list-pattern` table, exactly as OVS prints it.
    pub fn list_patterns(&self) -> String {
        let inner = self.lock();
        let [console, syslog, file] = &inner.patterns;
        let mut s = String::new();
        s.push_str("         prefix                            format\n");
        s.push_str("         ------                            ------\n");
        s.push_str(&format!(
            "{:<9}{:<34}{}\n",
            "SYSLOG",
            pattern::SYSLOG_PREFIX,
            syslog
        ));
        s.push_str(&format!("{:<9}{:<34}{}\n", "CONSOLE", "none", console));
        s.push_str(&format!("{:<9}{:<34}{}\n", "FILE", "none", file));
        s
    }

    /// Logs `message` from `module` at `level` to every destination whose
    /// level admits it. Unknown modules are registered on first use.
    pub fn log(&self, module: &str, level: Level, message: &str) {
        if level == Level::Off {
            return;
        }
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let uptime_ms = self.start.elapsed().as_millis() as u64;
        let subprogram = SUBPROGRAM.with(|s| s.borrow().clone());
        let subprogram = subprogram.as_str();
        let mut inner = self.lock();
        let defaults = inner.defaults;
        let levels = inner
            .modules
            .entry(module.to_string())
            .or_insert(ModuleState {
                levels: defaults,
                rate_limited: true,
            })
            .levels;
        let [lc, ls, lf] = levels;
        let to_file = inner.log_file.is_some() && level <= lf;
        if !(level <= lc || level <= ls || to_file) {
            return;
        }
        inner.seq = inner.seq.wrapping_add(1);
        let inner = &mut *inner;
        let rec = pattern::Record {
            unix_ms,
            uptime_ms,
            seq: inner.seq,
            module,
            level,
            message,
            program: &inner.program,
            subprogram,
            pid: std::process::id(),
            hostname: &inner.hostname,
            facility: inner.facility,
        };
        let [pc, ps, pf] = &inner.patterns;
        if level <= lc {
            let line = pattern::format(pc, &rec);
            let _ = writeln!(inner.console, "{line}");
            let _ = inner.console.flush();
        }
        if level <= ls {
            if let Some(sock) = &inner.syslog {
                let line = format!(
                    "{} {}",
                    pattern::format(pattern::SYSLOG_PREFIX, &rec),
                    pattern::format(ps, &rec)
                );
                let _ = sock.send(line.as_bytes());
            }
        }
        if to_file {
            if let Some(f) = inner.log_file.as_mut() {
                let line = pattern::format(pf, &rec);
                let _ = writeln!(f, "{line}");
            }
        }
    }

    /// Logs through a rate limiter (unless the module's rate limiting is
    /// disabled), emitting the "Dropped N log messages" summary when due.
    pub fn log_rl(&self, limit: &Mutex<RateLimit>, module: &str, level: Level, message: &str) {
        if !self.is_enabled(module, level) {
            return;
        }
        if self.is_rate_limited(module) {
            let now = self.start.elapsed().as_millis() as u64;
            let decision = limit.lock().unwrap_or_else(|e| e.into_inner()).check(now);
            match decision {
                Decision::Suppress => return,
                Decision::Allow(Some(summary)) => self.log(module, level, &summary),
                Decision::Allow(None) => {}
            }
        }
        self.log(module, level, message);
    }
}

static GLOBAL: OnceLock<Vlog> = OnceLock::new();

thread_local! {
    static SUBPROGRAM: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Names the calling thread for `%t`/`%T` (OVS shows e.g. `(monitor)` or
/// `(urcu2)`); the main thread should leave it empty.
pub fn set_subprogram_name(name: &str) {
    SUBPROGRAM.with(|s| *s.borrow_mut() = name.to_string());
}

/// Initialises the process-wide logger with `program`'s name. Later calls
/// (and [`global`] before any call) keep the first instance.
pub fn init(program: &str) -> &'static Vlog {
    GLOBAL.get_or_init(|| Vlog::new(program))
}

/// The process-wide logger (created on first use, named after argv\[0\]).
pub fn global() -> &'static Vlog {
    GLOBAL.get_or_init(|| {
        let program = std::env::args()
            .next()
            .and_then(|a| {
                Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "ferroswitch".to_string());
        Vlog::new(&program)
    })
}

/// Logs through [`global`]: `vlog_log!(module, Level::Info, "x {}", y)`.
#[macro_export]
macro_rules! vlog_log {
    ($module:expr, $level:expr, $($arg:tt)+) => {{
        let v = $crate::global();
        if v.is_enabled($module, $level) {
            v.log($module, $level, &format!($($arg)+));
        }
    }};
}

/// `vlog_err!(module, fmt, ...)`
#[macro_export]
macro_rules! vlog_err {
    ($module:expr, $($arg:tt)+) => { $crate::vlog_log!($module, $crate::Level::Err, $($arg)+) };
}

/// `vlog_warn!(module, fmt, ...)`
#[macro_export]
macro_rules! vlog_warn {
    ($module:expr, $($arg:tt)+) => { $crate::vlog_log!($module, $crate::Level::Warn, $($arg)+) };
}

/// `vlog_info!(module, fmt, ...)`
#[macro_export]
macro_rules! vlog_info {
    ($module:expr, $($arg:tt)+) => { $crate::vlog_log!($module, $crate::Level::Info, $($arg)+) };
}

/// `vlog_dbg!(module, fmt, ...)`
#[macro_export]
macro_rules! vlog_dbg {
    ($module:expr, $($arg:tt)+) => { $crate::vlog_log!($module, $crate::Level::Dbg, $($arg)+) };
}

#[cfg(test)]
mod tests;
