//! `--detach`, `--monitor` and `--no-chdir`, without `fork`.
//!
//! A multi-threaded Rust process cannot safely `fork`, and the workspace forbids `unsafe` outside
//! packet I/O, so detaching re-executes the program with the same arguments and an environment
//! variable ([`STAGE_ENV`]) that tells the new process which role it plays:
//!
//! ```text
//!  launcher (foreground)          --detach: spawns the next stage, waits for "ready", exits 0
//!    └─ monitor  (STAGE=monitor)  --monitor: new session; restarts the daemon when it crashes
//!         └─ daemon (STAGE=daemon) the real daemon; says "ready" on stdout once initialised
//! ```
//!
//! Readiness travels over the child's stdout pipe: the daemon calls [`notify_ready`] after its
//! initialisation (database open, sockets listening, pidfile written); that writes one line and
//! then points stdin/stdout/stderr at `/dev/null`. If the daemon exits before that, the launcher
//! exits 1 and the daemon's own error message has already reached the user's terminal through the
//! inherited stderr. Without `--detach` and `--monitor` nothing here does anything.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

/// The environment variable naming a re-executed process's role.
pub const STAGE_ENV: &str = "FERRO_DAEMON_STAGE";

const READY: &str = "ready";

/// The role of the current process, as returned by [`start`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Running in the foreground: no `--detach`.
    Foreground,
    /// Running detached (or under a monitor): call [`notify_ready`] once initialised.
    Background,
}

/// Why the daemon could not be started in the background.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Re-executing the program failed.
    #[error("could not start background process: {0}")]
    Spawn(std::io::Error),
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct DetachOptions {
    /// `--detach`: run in the background.
    pub detach: bool,
    /// `--monitor`: restart the daemon when it crashes.
    pub monitor: bool,
    /// `--no-chdir`: do not change to `/` when detaching.
    pub no_chdir: bool,
}

/// Call first in `main`, before any thread is started. Returns the role this process plays; the
/// launcher and the monitor never return (they exit with the right status).
pub fn start(opts: &DetachOptions) -> Result<Stage, StartError> {
    match std::env::var(STAGE_ENV).as_deref() {
        Ok("daemon") => Ok(Stage::Background),
        Ok("monitor") => run_monitor(true),
        _ if opts.detach => {
            let next = if opts.monitor { "monitor" } else { "daemon" };
            run_launcher(next)
        }
        _ if opts.monitor => run_monitor(false),
        _ => Ok(Stage::Foreground),
    }
}

/// Tells the launcher (if any) that the daemon is initialised, then detaches from the terminal:
/// stdio to `/dev/null`, and the working directory to `/` unless `no_chdir`.
pub fn notify_ready(stage: Stage, opts: &DetachOptions) {
    if stage != Stage::Background {
        return;
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{READY}");
    let _ = out.flush();
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsRawFd;
        for fd in 0..=2 {
            let _ = nix::unistd::dup2(null.as_raw_fd(), fd);
        }
    }
    if !opts.no_chdir {
        let _ = std::env::set_current_dir("/");
    }
}

fn reexec(stage: &str) -> Command {
    let exe = std::env::current_exe()
        .unwrap_or_else(|_| std::env::args().next().unwrap_or_default().into());
    let mut cmd = Command::new(exe);
    cmd.args(std::env::args_os().skip(1))
        .env(STAGE_ENV, stage)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    cmd
}

/// Spawns `stage`, waits for its readiness line, and exits 0 (ready) or 1 (it died first).
fn run_launcher(stage: &str) -> ! {
    let mut child = match reexec(stage).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", StartError::Spawn(e));
            std::process::exit(1);
        }
    };
    let stdout = child.stdout.take();
    if let Some(stdout) = stdout {
        let mut line = String::new();
        if BufReader::new(stdout).read_line(&mut line).is_ok() && line.trim() == READY {
            std::process::exit(0);
        }
    }
    let status = child.wait().ok();
    std::process::exit(
        status
            .and_then(|s| s.code())
            .filter(|&c| c != 0)
            .unwrap_or(1),
    );
}

/// Whether a daemon that ended with `status` crashed (and so should be restarted).
pub fn crashed(status: ExitStatus) -> bool {
    match status.signal() {
        None => false,
        Some(sig) => !matches!(
            Signal::try_from(sig),
            Ok(Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP)
        ),
    }
}

/// The monitor: restarts the daemon whenever it crashes; relays its first readiness line to a
/// waiting launcher when `relay`.
fn run_monitor(relay: bool) -> ! {
    let _ = nix::unistd::setsid();
    let mut relayed = !relay;
    let mut backoff = Duration::from_secs(1);
    loop {
        let started = Instant::now();
        let mut child = match reexec("daemon").spawn() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{}", StartError::Spawn(e));
                std::process::exit(1);
            }
        };
        if let Some(stdout) = child.stdout.take() {
            let mut line = String::new();
            let ready = BufReader::new(stdout).read_line(&mut line).is_ok() && line.trim() == READY;
            if ready && !relayed {
                notify_ready(
                    Stage::Background,
                    &DetachOptions {
                        no_chdir: true,
                        ..Default::default()
                    },
                );
                relayed = true;
            }
        }
        let status = match child.wait() {
            Ok(s) => s,
            Err(_) => std::process::exit(1),
        };
        if !crashed(status) {
            std::process::exit(status.code().unwrap_or(1));
        }
        // Crash: restart, backing off if it keeps crashing right after start.
        if started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(10));
        } else {
            backoff = Duration::from_secs(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_classification() {
        assert!(!crashed(ExitStatus::from_raw(0)));
        assert!(!crashed(ExitStatus::from_raw(1 << 8)));
        assert!(crashed(ExitStatus::from_raw(Signal::SIGSEGV as i32)));
        assert!(crashed(ExitStatus::from_raw(Signal::SIGKILL as i32)));
        assert!(!crashed(ExitStatus::from_raw(Signal::SIGTERM as i32)));
    }
}
