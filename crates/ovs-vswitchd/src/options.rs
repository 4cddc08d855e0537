//! ovs-vswitchd's command line, accepted as Open vSwitch's ovs-vswitchd accepts it.

use std::path::PathBuf;

use daemon::detach::DetachOptions;
use daemon::Dirs;
use getopt::{HasArg, Opt, Ordering};

/// `--enable-dummy[=override|system]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DummyMode {
    /// Dummy ports and datapaths are not available.
    #[default]
    Off,
    /// `type=dummy` ports and `datapath_type=dummy` bridges are available.
    On,
    /// `override`: every port is a dummy (internal ports `dummy-internal`).
    Override,
}

/// Everything the command line configures.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The database remote (default `unix:$OVS_RUNDIR/db.sock`).
    pub remote: String,
    /// `--detach`, `--monitor`, `--no-chdir`.
    pub detach: DetachOptions,
    /// `--pidfile[=FILE]`.
    pub pidfile: Option<PathBuf>,
    /// `--overwrite-pidfile`.
    pub overwrite_pidfile: bool,
    /// `--log-file[=FILE]`.
    pub log_file: Option<PathBuf>,
    /// `-v` specs.
    pub verbose: Vec<Option<String>>,
    /// `--unixctl=SOCKET`.
    pub unixctl: Option<PathBuf>,
    /// `--enable-dummy`.
    pub dummy: DummyMode,
    /// `--disable-system`: no `system` ports.
    pub disable_system: bool,
    /// `--mlockall` (accepted; has no effect).
    pub mlockall: bool,
    /// `--private-key`/`--certificate`/`--ca-cert` (OpenFlow controllers over SSL).
    pub private_key: Option<String>,
    /// See `private_key`.
    pub certificate: Option<String>,
    /// See `private_key`.
    pub ca_cert: Option<String>,
}

/// What `main` should do.
#[derive(Debug)]
pub enum Command {
    /// Run the switch.
    Run(Box<Options>),
    /// Print this text and exit 0.
    Print(String),
}

const PROGRAM: &str = "ovs-vswitchd";

const OPTS: &[Opt] = &[
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("version", Some('V'), HasArg::No),
    Opt::new("mlockall", None, HasArg::No),
    Opt::new("unixctl", None, HasArg::Required),
    Opt::new("disable-system", None, HasArg::No),
    Opt::new("disable-system-route", None, HasArg::No),
    Opt::new("enable-dummy", None, HasArg::Optional),
    Opt::new("dpdk", None, HasArg::Optional),
    Opt::new("detach", None, HasArg::No),
    Opt::new("monitor", None, HasArg::No),
    Opt::new("no-chdir", None, HasArg::No),
    Opt::new("user", None, HasArg::Required),
    Opt::new("pidfile", None, HasArg::Optional),
    Opt::new("overwrite-pidfile", None, HasArg::No),
    Opt::new("verbose", Some('v'), HasArg::Optional),
    Opt::new("log-file", None, HasArg::Optional),
    Opt::new("syslog-method", None, HasArg::Required),
    Opt::new("syslog-target", None, HasArg::Required),
    Opt::new("private-key", Some('p'), HasArg::Required),
    Opt::new("certificate", Some('c'), HasArg::Required),
    Opt::new("ca-cert", Some('C'), HasArg::Required),
    Opt::new("bootstrap-ca-cert", None, HasArg::Required),
    Opt::new("peer-ca-cert", None, HasArg::Required),
    Opt::new("ssl-protocols", None, HasArg::Required),
    Opt::new("ssl-ciphers", None, HasArg::Required),
];

/// Parses the arguments (without the program name).
pub fn parse(args: Vec<String>, dirs: &Dirs) -> Result<Command, String> {
    let parsed = getopt::parse(args, OPTS, Ordering::Permute).map_err(|e| e.message(PROGRAM))?;
    let mut o = Options::default();
    for opt in &parsed.opts {
        let v = opt.value.clone();
        match opt.name {
            "help" => return Ok(Command::Print(usage(dirs))),
            "version" => return Ok(Command::Print(version())),
            "mlockall" => o.mlockall = true,
            "unixctl" => o.unixctl = v.map(PathBuf::from),
            "disable-system" => o.disable_system = true,
            "disable-system-route" => {}
            "enable-dummy" => {
                o.dummy = match v.as_deref() {
                    None | Some("") | Some("system") => DummyMode::On,
                    Some("override") => DummyMode::Override,
                    Some(other) => {
                        return Err(format!("{PROGRAM}: unknown dummy level \"{other}\""))
                    }
                }
            }
            "dpdk" => return Err(format!("{PROGRAM}: DPDK is not supported")),
            "detach" => o.detach.detach = true,
            "monitor" => o.detach.monitor = true,
            "no-chdir" => o.detach.no_chdir = true,
            "user" => {
                return Err(format!(
                    "{PROGRAM}: --user is not supported (run as the intended user)"
                ))
            }
            "pidfile" => {
                o.pidfile = Some(match v {
                    Some(f) => Dirs::resolve(&dirs.rundir, f.as_ref()),
                    None => dirs.pidfile(PROGRAM),
                })
            }
            "overwrite-pidfile" => o.overwrite_pidfile = true,
            "verbose" => o.verbose.push(v),
            "log-file" => {
                o.log_file = Some(match v {
                    Some(f) => Dirs::resolve(&dirs.logdir, f.as_ref()),
                    None => dirs.logfile(PROGRAM),
                })
            }
            "private-key" => o.private_key = v,
            "certificate" => o.certificate = v,
            "ca-cert" => o.ca_cert = v,
            "syslog-method" | "syslog-target" | "bootstrap-ca-cert" | "peer-ca-cert"
            | "ssl-protocols" | "ssl-ciphers" => {}
            other => return Err(format!("{PROGRAM}: unhandled option --{other}")),
        }
    }
    match parsed.operands.as_slice() {
        [] => o.remote = dirs.default_db_remote(),
        [one] => o.remote = one.clone(),
        _ => {
            return Err(format!(
                "{PROGRAM}: at most one non-option argument accepted; use --help for usage"
            ))
        }
    }
    Ok(Command::Run(Box::new(o)))
}

/// `ovs-vswitchd --version`.
pub fn version() -> String {
    format!(
        "{PROGRAM} (Open vSwitch) 3.1.0 (ferroswitch {})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `ovs-vswitchd --help`.
pub fn usage(dirs: &Dirs) -> String {
    format!(
        "{PROGRAM}: Open vSwitch daemon (ferroswitch)
usage: {PROGRAM} [OPTIONS] [DATABASE]
where DATABASE is a socket on which ovsdb-server is listening
      (default: \"{remote}\").

Active DATABASE connection methods:
  tcp:HOST:PORT           PORT at remote HOST
  ssl:HOST:PORT           SSL PORT at remote HOST
  unix:FILE               Unix domain socket named FILE
Passive DATABASE connection methods:
  ptcp:PORT[:IP]          listen to TCP PORT on IP
  pssl:PORT[:IP]          listen for SSL on PORT on IP
  punix:FILE              listen on Unix domain socket FILE
PKI configuration (required to use SSL):
  -p, --private-key=FILE  file with private key
  -c, --certificate=FILE  file with certificate for private key
  -C, --ca-cert=FILE      file with peer CA certificate

Daemon options:
  --detach                run in background as daemon
  --monitor               creates a process to monitor this daemon
  --no-chdir              do not chdir to '/'
  --pidfile[=FILE]        create pidfile (default: {pidfile})
  --overwrite-pidfile     with --pidfile, start even if already running

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: {logfile})

Other options:
  --unixctl=SOCKET          override default control socket name
  --enable-dummy[=override] enable dummy ports (override: every port is a dummy)
  --disable-system          disable system (kernel-backed) ports
  -h, --help                display this help message
  -V, --version             display version information
",
        remote = dirs.default_db_remote(),
        pidfile = dirs.pidfile(PROGRAM).display(),
        logfile = dirs.logfile(PROGRAM).display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs() -> Dirs {
        Dirs::from_lookup(|_| Some(PathBuf::from("/r")))
    }

    fn run(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(|s| s.to_string()).collect(), &dirs())? {
            Command::Run(o) => Ok(*o),
            Command::Print(_) => Err("printed".into()),
        }
    }

    #[test]
    fn remote_and_dummy() {
        let o = run(&["unix:/x/db.sock", "--enable-dummy=override", "--pidfile"]).unwrap();
        assert_eq!(o.remote, "unix:/x/db.sock");
        assert_eq!(o.dummy, DummyMode::Override);
        assert_eq!(o.pidfile, Some(PathBuf::from("/r/ovs-vswitchd.pid")));
        let o = run(&["--enable-dummy"]).unwrap();
        assert_eq!(o.dummy, DummyMode::On);
        assert_eq!(o.remote, "unix:/r/db.sock");
    }

    #[test]
    fn errors() {
        assert!(run(&["a", "b"]).unwrap_err().contains("at most one"));
        assert!(run(&["--enable-dummy=bogus"]).is_err());
        assert!(run(&["--bogus"]).is_err());
    }
}
