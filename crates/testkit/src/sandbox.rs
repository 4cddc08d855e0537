//! Isolated daemon instances for tests.
//!
//! A [`Sandbox`] is a private temporary directory with the four directories Open vSwitch's tools
//! take from the environment (`OVS_RUNDIR`, `OVS_DBDIR`, `OVS_LOGDIR`, `OVS_SYSCONFDIR`), so two
//! instances (ours and the reference, or two switches) run side by side without seeing each
//! other. Commands made with [`Sandbox::command`] carry that environment.
//!
//! Cleanup is the sandbox's job, not the test's: every child it spawned and every pid read from a
//! pidfile it was told about is sent SIGTERM, then SIGKILL if it has not exited within a deadline,
//! when the sandbox is dropped, including while a failing test unwinds. Only processes started
//! through the sandbox are ever signalled.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::wait::wait_until;

/// A daemon started in the foreground by a sandbox (it is the sandbox's child).
#[derive(Debug)]
pub struct Daemon {
    /// A short name used in log file names and messages.
    pub name: String,
    child: Child,
    /// Where the daemon's stdout and stderr go.
    pub output_log: PathBuf,
}

impl Daemon {
    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the daemon has exited (reaping it if so).
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The daemon's output so far.
    pub fn output(&self) -> String {
        fs::read_to_string(&self.output_log).unwrap_or_default()
    }

    /// Sends `signal` to the daemon.
    pub fn signal(&self, signal: Signal) {
        let _ = kill(Pid::from_raw(self.child.id() as i32), signal);
    }

    /// Stops the daemon: SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        if self.exited().is_some() {
            return;
        }
        self.signal(Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if self.exited().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private directory tree for one or more daemons, cleaned up on drop.
#[derive(Debug)]
pub struct Sandbox {
    dir: tempfile::TempDir,
    daemons: Vec<Daemon>,
    pidfiles: Vec<PathBuf>,
}

impl Sandbox {
    /// Creates a sandbox; `label` appears in the directory name to ease debugging.
    pub fn new(label: &str) -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix(&format!("ferro-{label}-"))
            .tempdir()
            .expect("create sandbox dir");
        for sub in ["run", "db", "log", "etc"] {
            fs::create_dir_all(dir.path().join(sub)).expect("create sandbox subdir");
        }
        Sandbox {
            dir,
            daemons: Vec::new(),
            pidfiles: Vec::new(),
        }
    }

    /// The sandbox's root directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `OVS_RUNDIR` of this sandbox (sockets, pidfiles).
    pub fn rundir(&self) -> PathBuf {
        self.root().join("run")
    }

    /// `OVS_DBDIR` of this sandbox (database files).
    pub fn dbdir(&self) -> PathBuf {
        self.root().join("db")
    }

    /// `OVS_LOGDIR` of this sandbox.
    pub fn logdir(&self) -> PathBuf {
        self.root().join("log")
    }

    /// `OVS_SYSCONFDIR` of this sandbox.
    pub fn sysconfdir(&self) -> PathBuf {
        self.root().join("etc")
    }

    /// The environment that points Open vSwitch-style tools at this sandbox.
    pub fn env(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("OVS_RUNDIR", self.rundir()),
            ("OVS_DBDIR", self.dbdir()),
            ("OVS_LOGDIR", self.logdir()),
            ("OVS_SYSCONFDIR", self.sysconfdir()),
        ]
    }

    /// A command for `program` with this sandbox's environment, run from its root.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.root()).envs(self.env());
        cmd
    }

    /// Runs `cmd` to completion, killing it if it runs longer than `timeout`.
    pub fn run(&self, cmd: &mut Command, timeout: Duration) -> io::Result<Output> {
        run_with_timeout(cmd, timeout)
    }

    /// Starts a foreground daemon; its output goes to `<logdir>/<name>.out`. It is stopped when
    /// the sandbox is dropped.
    pub fn spawn(&mut self, name: &str, mut cmd: Command) -> io::Result<&mut Daemon> {
        let output_log = self.logdir().join(format!("{name}.out"));
        let out = fs::File::create(&output_log)?;
        let err = out.try_clone()?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()?;
        self.daemons.push(Daemon {
            name: name.to_string(),
            child,
            output_log,
        });
        Ok(self.daemons.last_mut().expect("just pushed"))
    }

    /// Registers the pidfile of a daemon this test started with `--detach`, so that the process
    /// it names is killed on drop.
    pub fn track_pidfile(&mut self, pidfile: impl Into<PathBuf>) {
        self.pidfiles.push(pidfile.into());
    }

    /// Waits until `path` exists (a socket or pidfile a daemon creates once ready).
    pub fn wait_for_path(&self, path: &Path, timeout: Duration) -> Result<(), crate::WaitError> {
        wait_until(&format!("{} to exist", path.display()), timeout, || {
            path.exists()
        })
    }

    /// The daemons started so far.
    pub fn daemons(&mut self) -> &mut [Daemon] {
        &mut self.daemons
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for d in self.daemons.iter_mut().rev() {
            d.stop(Duration::from_secs(3));
        }
        for pidfile in &self.pidfiles {
            if let Some(pid) = read_pidfile(pidfile) {
                stop_pid(pid, Duration::from_secs(3));
            }
        }
        if std::thread::panicking() || std::env::var_os("FERRO_KEEP_SANDBOX").is_some() {
            // Keep the directory so the failure can be investigated.
            let path = self.dir.path().to_path_buf();
            eprintln!("sandbox kept for inspection: {}", path.display());
            let _ = std::mem::replace(
                &mut self.dir,
                tempfile::Builder::new()
                    .prefix("ferro-empty-")
                    .tempdir()
                    .expect("tempdir"),
            )
            .keep();
        }
    }
}

/// Reads a pid from an OVS-style pidfile (the pid on the first line).
pub fn read_pidfile(path: &Path) -> Option<i32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// SIGTERM `pid`, then SIGKILL after `grace` if it still exists.
pub fn stop_pid(pid: i32, grace: Duration) {
    let pid = Pid::from_raw(pid);
    if kill(pid, Signal::SIGTERM).is_err() {
        return;
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if kill(pid, None).is_err() || is_zombie(pid) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = kill(pid, Signal::SIGKILL);
}

fn is_zombie(pid: Pid) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(true)
}

/// Runs `cmd` with captured output, killing it if it exceeds `timeout`.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> io::Result<Output> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drain the pipes on threads so a chatty child cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = io::Read::read_to_end(&mut stdout, &mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = io::Read::read_to_end(&mut stderr, &mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("command {cmd:?} did not finish within {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Ok(Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_points_into_sandbox() {
        let sb = Sandbox::new("envtest");
        let out = sb
            .run(
                sb.command("sh").args(["-c", "echo $OVS_RUNDIR"]),
                Duration::from_secs(10),
            )
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed.trim(), sb.rundir().to_str().unwrap());
    }

    #[test]
    fn spawned_daemon_killed_on_drop() {
        let pid;
        {
            let mut sb = Sandbox::new("killtest");
            let mut cmd = sb.command("sleep");
            cmd.arg("1000");
            pid = sb.spawn("sleeper", cmd).unwrap().pid();
            assert!(kill(Pid::from_raw(pid as i32), None).is_ok());
        }
        // The child was reaped by Daemon::stop, so the pid no longer exists (or was reused by an
        // unrelated process, which is not a zombie sleeper of ours).
        let cmdline = fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(!cmdline.starts_with("sleep\u{0}1000"), "daemon survived");
    }

    #[test]
    fn run_times_out() {
        let sb = Sandbox::new("timeout");
        let err = sb
            .run(sb.command("sleep").arg("5"), Duration::from_millis(50))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
