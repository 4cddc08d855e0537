//! ovsdb-server's command line, accepted exactly as Open vSwitch's ovsdb-server accepts it.

use std::path::PathBuf;

use daemon::detach::DetachOptions;
use daemon::Dirs;
use getopt::{HasArg, Opt, Ordering};

/// Everything the command line configures.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Database files to serve, in order (default `$OVS_DBDIR/conf.db`).
    pub databases: Vec<PathBuf>,
    /// `--remote` values, in order.
    pub remotes: Vec<String>,
    /// `--private-key`, `--certificate`, `--ca-cert`, `--bootstrap-ca-cert` (file names or
    /// `db:` references).
    pub private_key: Option<String>,
    /// See `private_key`.
    pub certificate: Option<String>,
    /// See `private_key`.
    pub ca_cert: Option<String>,
    /// See `private_key`.
    pub bootstrap_ca_cert: Option<String>,
    /// `--ssl-protocols`.
    pub ssl_protocols: Option<String>,
    /// `--ssl-ciphers`.
    pub ssl_ciphers: Option<String>,
    /// `--detach`, `--monitor`, `--no-chdir`.
    pub detach: DetachOptions,
    /// `--pidfile[=FILE]`, resolved against the run dir.
    pub pidfile: Option<PathBuf>,
    /// `--overwrite-pidfile`.
    pub overwrite_pidfile: bool,
    /// `--log-file[=FILE]`, resolved against the log dir.
    pub log_file: Option<PathBuf>,
    /// `-v`/`--verbose` specs, in order (`None` for a bare `-v`).
    pub verbose: Vec<Option<String>>,
    /// `--unixctl=SOCKET`.
    pub unixctl: Option<PathBuf>,
    /// `--run=COMMAND`.
    pub run: Option<String>,
    /// `--disable-file-column-diff`.
    pub disable_file_column_diff: bool,
}

/// What `main` should do.
#[derive(Debug)]
pub enum Command {
    /// Run the server.
    Run(Box<Options>),
    /// Print this text to stdout and exit 0 (`--help`, `--version`).
    Print(String),
}

const OPTS: &[Opt] = &[
    Opt::new("remote", None, HasArg::Required),
    Opt::new("run", None, HasArg::Required),
    Opt::new("unixctl", None, HasArg::Required),
    Opt::new("private-key", Some('p'), HasArg::Required),
    Opt::new("certificate", Some('c'), HasArg::Required),
    Opt::new("ca-cert", Some('C'), HasArg::Required),
    Opt::new("bootstrap-ca-cert", None, HasArg::Required),
    Opt::new("peer-ca-cert", None, HasArg::Required),
    Opt::new("ssl-protocols", None, HasArg::Required),
    Opt::new("ssl-ciphers", None, HasArg::Required),
    Opt::new("detach", None, HasArg::No),
    Opt::new("monitor", None, HasArg::No),
    Opt::new("user", None, HasArg::Required),
    Opt::new("no-chdir", None, HasArg::No),
    Opt::new("pidfile", None, HasArg::Optional),
    Opt::new("overwrite-pidfile", None, HasArg::No),
    Opt::new("verbose", Some('v'), HasArg::Optional),
    Opt::new("log-file", None, HasArg::Optional),
    Opt::new("syslog-method", None, HasArg::Required),
    Opt::new("syslog-target", None, HasArg::Required),
    Opt::new("sync-from", None, HasArg::Required),
    Opt::new("sync-exclude-tables", None, HasArg::Required),
    Opt::new("active", None, HasArg::No),
    Opt::new("record", None, HasArg::Optional),
    Opt::new("replay", None, HasArg::Optional),
    Opt::new("disable-file-column-diff", None, HasArg::No),
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("version", Some('V'), HasArg::No),
];

/// Parses ovsdb-server's arguments (without the program name). Errors are the one-line messages
/// the program prints (already prefixed with `ovsdb-server: `); the exit status is then 1.
pub fn parse(args: Vec<String>, dirs: &Dirs) -> Result<Command, String> {
    let parsed =
        getopt::parse(args, OPTS, Ordering::Permute).map_err(|e| e.message("ovsdb-server"))?;
    let mut o = Options::default();
    for opt in &parsed.opts {
        let v = opt.value.clone();
        match opt.name {
            "help" => return Ok(Command::Print(usage(dirs))),
            "version" => return Ok(Command::Print(version())),
            "remote" => o.remotes.extend(v),
            "run" => o.run = v,
            "unixctl" => o.unixctl = v.map(PathBuf::from),
            "private-key" => o.private_key = v,
            "certificate" => o.certificate = v,
            "ca-cert" => o.ca_cert = v,
            "bootstrap-ca-cert" => o.bootstrap_ca_cert = v,
            "peer-ca-cert" => {}
            "ssl-protocols" => o.ssl_protocols = v,
            "ssl-ciphers" => o.ssl_ciphers = v,
            "detach" => o.detach.detach = true,
            "monitor" => o.detach.monitor = true,
            "no-chdir" => o.detach.no_chdir = true,
            "user" => {
                return Err(
                    "ovsdb-server: --user is not supported (run as the intended user)".into(),
                )
            }
            "pidfile" => {
                o.pidfile = Some(match v {
                    Some(f) => Dirs::resolve(&dirs.rundir, f.as_ref()),
                    None => dirs.pidfile("ovsdb-server"),
                })
            }
            "overwrite-pidfile" => o.overwrite_pidfile = true,
            "verbose" => o.verbose.push(v),
            "log-file" => {
                o.log_file = Some(match v {
                    Some(f) => Dirs::resolve(&dirs.logdir, f.as_ref()),
                    None => dirs.logfile("ovsdb-server"),
                })
            }
            "syslog-method" | "syslog-target" => {}
            "sync-from" | "sync-exclude-tables" | "active" => {
                return Err(format!(
                    "ovsdb-server: --{} (active-backup replication) is not supported",
                    opt.name
                ))
            }
            "record" | "replay" => {
                return Err(format!("ovsdb-server: --{} is not supported", opt.name))
            }
            "disable-file-column-diff" => o.disable_file_column_diff = true,
            other => return Err(format!("ovsdb-server: unhandled option --{other}")),
        }
    }
    o.databases = parsed.operands.iter().map(PathBuf::from).collect();
    if o.databases.is_empty() {
        o.databases.push(dirs.default_db());
    }
    Ok(Command::Run(Box::new(o)))
}

/// `ovsdb-server --version`.
pub fn version() -> String {
    format!(
        "ovsdb-server (Open vSwitch) 3.1.0 (ferroswitch {})\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// `ovsdb-server --help`.
pub fn usage(dirs: &Dirs) -> String {
    format!(
        "ovsdb-server: Open vSwitch database server (ferroswitch)
usage: ovsdb-server [OPTIONS] [DATABASE...]
where each DATABASE is a database file in ovsdb format.
The default DATABASE, if none is given, is
{default_db}.

JSON-RPC options (may be specified any number of times):
  --remote=REMOTE         connect or listen to REMOTE

Active JSON-RPC connection methods:
  tcp:HOST:PORT           PORT at remote HOST
  ssl:HOST:PORT           SSL PORT at remote HOST
  unix:FILE               Unix domain socket named FILE
Passive JSON-RPC connection methods:
  ptcp:PORT[:IP]          listen to TCP PORT on IP
  pssl:PORT[:IP]          listen for SSL on PORT on IP
  punix:FILE              listen on Unix domain socket FILE
  db:DB,TABLE,COLUMN      read remotes from COLUMN of TABLE in DB
PKI configuration (required to use SSL):
  -p, --private-key=FILE  file with private key
  -c, --certificate=FILE  file with certificate for private key
  -C, --ca-cert=FILE      file with peer CA certificate
  --bootstrap-ca-cert=FILE  file with peer CA certificate to read or create

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
  --run COMMAND           run COMMAND as subprocess then exit
  --unixctl=SOCKET        override default control socket name
  -h, --help              display this help message
  -V, --version           display version information
",
        default_db = dirs.default_db().display(),
        pidfile = dirs.pidfile("ovsdb-server").display(),
        logfile = dirs.logfile("ovsdb-server").display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs() -> Dirs {
        Dirs::from_lookup(|k| match k {
            "OVS_RUNDIR" => Some("/r".into()),
            "OVS_DBDIR" => Some("/d".into()),
            "OVS_LOGDIR" => Some("/l".into()),
            _ => None,
        })
    }

    fn run(args: &[&str]) -> Options {
        match parse(args.iter().map(|s| s.to_string()).collect(), &dirs()).unwrap() {
            Command::Run(o) => *o,
            Command::Print(p) => panic!("unexpected print {p}"),
        }
    }

    #[test]
    fn seed_command_line() {
        let o = run(&[
            "/etc/openvswitch/conf.db",
            "--remote=punix:/var/run/openvswitch/db.sock",
            "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
            "--private-key=db:Open_vSwitch,SSL,private_key",
            "--certificate=db:Open_vSwitch,SSL,certificate",
            "--bootstrap-ca-cert=db:Open_vSwitch,SSL,ca_cert",
            "--pidfile",
            "--detach",
        ]);
        assert_eq!(o.databases, vec![PathBuf::from("/etc/openvswitch/conf.db")]);
        assert_eq!(o.remotes.len(), 2);
        assert_eq!(o.pidfile, Some(PathBuf::from("/r/ovsdb-server.pid")));
        assert!(o.detach.detach);
        assert_eq!(
            o.private_key.as_deref(),
            Some("db:Open_vSwitch,SSL,private_key")
        );
    }

    #[test]
    fn defaults_and_relative_names() {
        let o = run(&["--pidfile=x.pid", "--log-file", "-vconsole:off"]);
        assert_eq!(o.databases, vec![PathBuf::from("/d/conf.db")]);
        assert_eq!(o.pidfile, Some(PathBuf::from("/r/x.pid")));
        assert_eq!(o.log_file, Some(PathBuf::from("/l/ovsdb-server.log")));
        assert_eq!(o.verbose, vec![Some("console:off".to_string())]);
    }

    #[test]
    fn errors() {
        let e = parse(vec!["--nonsense".into()], &dirs()).unwrap_err();
        assert_eq!(e, "ovsdb-server: unrecognized option '--nonsense'");
    }
}
