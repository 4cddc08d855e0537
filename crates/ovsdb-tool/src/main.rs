//! `ovsdb-tool`: offline management of OVSDB database files, as a drop-in
//! for Open vSwitch 3.1's.
//!
//! Every command works directly on files: `create` writes a new standalone
//! database (byte for byte what Open vSwitch writes for the same schema),
//! `compact` and `convert` rewrite one as a schema plus a single snapshot,
//! `query` and `transact` run an RFC 7047 transaction against it, the
//! `db-*` and `schema-*` commands print facts about a database or schema
//! file, and `show-log` dumps its records.  Clustered databases are not
//! supported; the cluster commands answer as Open vSwitch does for a
//! standalone file or report that clustering is unsupported.  Options are
//! parsed with glibc's `getopt_long` rules and every message, output and
//! exit status follows Open vSwitch's.

mod commands;
mod files;
mod showlog;

use daemon::Dirs;
use getopt::{HasArg, Opt, Ordering};

use crate::files::ToolError;

const PROGRAM: &str = "ovsdb-tool";

const OPTIONS: &[Opt] = &[
    Opt::new("more", Some('m'), HasArg::No),
    Opt::new("verbose", Some('v'), HasArg::Optional),
    Opt::new("log-file", None, HasArg::Optional),
    Opt::new("syslog-method", None, HasArg::Required),
    Opt::new("syslog-target", None, HasArg::Required),
    Opt::new("rbac-role", None, HasArg::Required),
    Opt::new("election-timer", None, HasArg::Required),
    Opt::new("cid", None, HasArg::Required),
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("version", Some('V'), HasArg::No),
];

/// Global options that matter to the commands.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-m` count for `show-log`.
    pub more: usize,
}

fn usage(dirs: &Dirs) -> String {
    format!(
        "{PROGRAM}: Open vSwitch database management utility
usage: {PROGRAM} [OPTIONS] COMMAND [ARG...]
  create [DB [SCHEMA]]    create DB with the given SCHEMA
  [--election-timer=ms] create-cluster DB CONTENTS LOCAL
    create clustered DB with given CONTENTS and LOCAL address
  [--cid=UUID] join-cluster DB NAME LOCAL REMOTE...
    join clustered DB with given NAME and LOCAL and REMOTE addrs
  compact [DB [DST]]      compact DB in-place (or to DST)
  convert [DB [SCHEMA [DST]]]   convert DB to SCHEMA (to DST)
  db-name [DB]            report name of schema used by DB
  db-version [DB]         report version of schema used by DB
  db-cksum [DB]           report checksum of schema used by DB
  db-cid DB               report cluster ID of clustered DB
  db-sid DB               report server ID of clustered DB
  db-local-address DB     report local address of clustered DB
  db-is-clustered DB      test whether DB is clustered
  db-is-standalone DB     test whether DB is standalone
  schema-name [SCHEMA]    report SCHEMA's name
  schema-version [SCHEMA] report SCHEMA's schema version
  schema-cksum [SCHEMA]   report SCHEMA's checksum
  compare-versions A OP B  compare OVSDB schema version numbers
  query [DB] TRNS         execute read-only transaction on DB
  transact [DB] TRNS      execute read/write transaction on DB
  cluster-to-standalone DB DB    Convert clustered DB to
      standalone DB when cluster is down and cannot be
        revived
  [-m]... show-log [DB]   print DB's log entries
The default DB is {db}.
The default SCHEMA is {schema}.

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: {logdir}/{PROGRAM}.log)
  --syslog-method=(libc|unix:file|udp:ip:port)
                           specify how to send messages to syslog daemon
  --syslog-target=HOST:PORT  also send syslog msgs to HOST:PORT via UDP

Other options:
  -m, --more                  increase show-log verbosity
  --rbac-role=ROLE            RBAC role for transact and query commands
  -h, --help                  display this help message
  -V, --version               display version information
",
        db = dirs.default_db().display(),
        schema = dirs.pkgdatadir.join("vswitch.ovsschema").display(),
        logdir = dirs.logdir.display(),
    )
}

fn fatal(msg: &str) -> ! {
    eprintln!("{PROGRAM}: {msg}");
    std::process::exit(1);
}

fn main() {
    let dirs = Dirs::from_env();
    let args = match getopt::parse(std::env::args().skip(1), OPTIONS, Ordering::Permute) {
        Ok(a) => a,
        Err(e) => {
            // glibc names the program as it was invoked.
            let argv0 = std::env::args().next().unwrap_or_else(|| PROGRAM.into());
            eprintln!("{argv0}: {e}");
            std::process::exit(1);
        }
    };
    let mut opts = Options::default();
    for o in &args.opts {
        match o.name {
            "help" => {
                print!("{}", usage(&dirs));
                std::process::exit(0);
            }
            "version" => {
                println!(
                    "{PROGRAM} (Open vSwitch) 3.1.0 (ferroswitch {})",
                    env!("CARGO_PKG_VERSION")
                );
                std::process::exit(0);
            }
            "more" => opts.more += 1,
            _ => {}
        }
    }
    let Some((cmd, rest)) = args.operands.split_first() else {
        fatal("missing command name; use --help for help");
    };
    match commands::run(cmd, rest, &opts, &dirs) {
        Ok(code) => std::process::exit(code),
        Err(ToolError(msg)) => fatal(&msg),
    }
}
