//! `ovsdb-client`: a command-line OVSDB client, as a drop-in for Open
//! vSwitch 3.1's.
//!
//! `main` parses the options with glibc's `getopt_long` rules, then works
//! out the server and database arguments exactly as Open vSwitch does: the
//! first operand is taken as the server when there are more operands than
//! the command needs and it looks like a connection method (`unix:...`,
//! `tcp:...`); the next is taken as the database when there are still
//! spare operands and the server has a database by that name; otherwise
//! the database defaults to `Open_vSwitch`, or to the server's only
//! database.  The commands themselves live in `commands` (one-shot
//! requests), `monitor` (`monitor`, `monitor-cond`) and `dump` (`dump`,
//! `backup`).

mod commands;
mod dump;
mod monitor;
mod restore;

use daemon::Dirs;
use getopt::{HasArg, Opt, Ordering};
use ovsdb_client::rpc::Rpc;
use ovsdb_client::table::{CellFormat, Format, Style};

const PROGRAM: &str = "ovsdb-client";

const OPTIONS: &[Opt] = &[
    Opt::new("verbose", Some('v'), HasArg::Optional),
    Opt::new("log-file", None, HasArg::Optional),
    Opt::new("syslog-method", None, HasArg::Required),
    Opt::new("syslog-target", None, HasArg::Required),
    Opt::new("format", Some('f'), HasArg::Required),
    Opt::new("data", Some('d'), HasArg::Required),
    Opt::new("no-headings", None, HasArg::No),
    Opt::new("pretty", None, HasArg::No),
    Opt::new("bare", None, HasArg::No),
    Opt::new("timestamp", None, HasArg::No),
    Opt::new("force", None, HasArg::No),
    Opt::new("db-change-aware", None, HasArg::No),
    Opt::new("no-db-change-aware", None, HasArg::No),
    Opt::new("timeout", Some('t'), HasArg::Required),
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("version", Some('V'), HasArg::No),
    Opt::new("detach", None, HasArg::No),
    Opt::new("monitor", None, HasArg::No),
    Opt::new("user", None, HasArg::Required),
    Opt::new("no-chdir", None, HasArg::No),
    Opt::new("pidfile", None, HasArg::Optional),
    Opt::new("overwrite-pidfile", None, HasArg::No),
    Opt::new("private-key", Some('p'), HasArg::Required),
    Opt::new("certificate", Some('c'), HasArg::Required),
    Opt::new("ca-cert", Some('C'), HasArg::Required),
    Opt::new("bootstrap-ca-cert", None, HasArg::Required),
    Opt::new("ssl-protocols", None, HasArg::Required),
    Opt::new("ssl-ciphers", None, HasArg::Required),
    Opt::new("record", None, HasArg::Optional),
    Opt::new("replay", None, HasArg::Optional),
];

/// Global settings the commands use.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Table output style.
    pub style: Style,
    /// `--timestamp`.
    pub timestamp: bool,
    /// `--force` (restore).
    pub force: bool,
    /// Directories (default socket).
    pub dirs: Dirs,
    /// SSL files (`-p`, `-c`, `-C`/`--bootstrap-ca-cert`), when all given.
    pub tls: Option<stream::TlsFiles>,
}

/// A fatal error: the text after `ovsdb-client: `.
#[derive(Debug)]
pub struct Fatal(pub String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Fatal(e.to_string())
    }
}

/// What a command needs before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    None,
    Rpc,
    Database,
}

struct Spec {
    name: &'static str,
    need: Need,
    min: usize,
    max: usize,
}

const COMMANDS: &[Spec] = &[
    Spec {
        name: "list-dbs",
        need: Need::Rpc,
        min: 0,
        max: 0,
    },
    Spec {
        name: "get-schema",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "get-schema-version",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "get-schema-cksum",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "list-tables",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "list-columns",
        need: Need::Database,
        min: 0,
        max: 1,
    },
    Spec {
        name: "transact",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "query",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "monitor",
        need: Need::Database,
        min: 1,
        max: usize::MAX,
    },
    Spec {
        name: "monitor-cond",
        need: Need::Database,
        min: 2,
        max: 3,
    },
    Spec {
        name: "monitor-cond-since",
        need: Need::Database,
        min: 2,
        max: 4,
    },
    Spec {
        name: "wait",
        need: Need::None,
        min: 2,
        max: 3,
    },
    Spec {
        name: "convert",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "needs-conversion",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "dump",
        need: Need::Database,
        min: 0,
        max: usize::MAX,
    },
    Spec {
        name: "backup",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "restore",
        need: Need::Database,
        min: 0,
        max: 0,
    },
    Spec {
        name: "lock",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "steal",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "unlock",
        need: Need::Rpc,
        min: 1,
        max: 1,
    },
    Spec {
        name: "help",
        need: Need::None,
        min: 0,
        max: usize::MAX,
    },
];

fn fatal(msg: &str) -> ! {
    eprintln!("{PROGRAM}: {msg}");
    std::process::exit(1);
}

/// Whether `s` looks like a connection method, as Open vSwitch checks it.
pub fn looks_like_server(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && s.contains(':')
}

/// Connects or dies with Open vSwitch's message.
pub fn open_rpc(server: &str, ctx: &Ctx) -> Rpc {
    match Rpc::connect_with(server, ctx.dirs.rundir.clone(), ctx.tls.clone()) {
        Ok(r) => r,
        Err(e) => fatal(&e.to_string()),
    }
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
    let mut ctx = Ctx {
        style: Style::default(),
        timestamp: false,
        force: false,
        dirs,
        tls: None,
    };
    let mut timeout: Option<u32> = None;
    for o in &args.opts {
        let v = o.value.as_deref().unwrap_or("");
        match o.name {
            "help" => {
                print!("{}", commands::usage(&ctx.dirs));
                std::process::exit(0);
            }
            "version" => {
                println!(
                    "{PROGRAM} (Open vSwitch) 3.1.0 (ferroswitch {})",
                    env!("CARGO_PKG_VERSION")
                );
                std::process::exit(0);
            }
            "format" => match Format::parse(v) {
                Some(f) => ctx.style.format = f,
                None => fatal(&format!("unknown output format \"{v}\"")),
            },
            "data" => match CellFormat::parse(v) {
                Some(f) => ctx.style.cell_format = f,
                None => fatal(&format!("unknown data format \"{v}\"")),
            },
            "no-headings" => ctx.style.headings = false,
            "pretty" => ctx.style.pretty = true,
            "bare" => {
                ctx.style.format = Format::List;
                ctx.style.cell_format = CellFormat::Bare;
                ctx.style.headings = false;
            }
            "timestamp" => ctx.timestamp = true,
            "force" => ctx.force = true,
            "timeout" => match v.parse::<u32>() {
                Ok(t) => timeout = Some(t),
                Err(_) => fatal(&format!("value {v} on -t or --timeout is invalid")),
            },
            _ => {}
        }
    }
    let key = args.last("private-key").flatten();
    let cert = args.last("certificate").flatten();
    let ca = args.last("ca-cert").flatten();
    let bootstrap = args.last("bootstrap-ca-cert").flatten();
    if let (Some(k), Some(c), Some(ca)) = (key, cert, ca.or(bootstrap)) {
        ctx.tls = Some(stream::TlsFiles {
            private_key: k.into(),
            certificate: c.into(),
            ca_cert: ca.into(),
            bootstrap_ca_cert: bootstrap.is_some() && args.last("ca-cert").is_none(),
            peer_ca_cert: None,
        });
    }
    if let Some(t) = timeout.filter(|t| *t > 0) {
        // Like Open vSwitch: SIGALRM ends the process when time is up.
        let _ = nix::unistd::alarm::set(t);
    }
    let Some((cmd, operands)) = args.operands.split_first() else {
        fatal("missing command name; use --help for help");
    };
    let Some(spec) = COMMANDS.iter().find(|c| c.name == cmd.as_str()) else {
        fatal(&format!("unknown command '{cmd}'; use --help for help"));
    };
    let mut rest: &[String] = operands;
    let mut rpc = None;
    let mut database = None;
    if spec.need != Need::None {
        let server = match rest.first() {
            Some(s) if rest.len() > spec.min && looks_like_server(s) => {
                rest = &rest[1..];
                s.clone()
            }
            _ => ctx.dirs.default_db_remote(),
        };
        let mut r = open_rpc(&server, &ctx);
        if spec.need == Need::Database {
            let dbs = match commands::fetch_dbs(&mut r) {
                Ok(d) => d,
                Err(e) => fatal(&e.0),
            };
            database = Some(match rest.first() {
                Some(d) if rest.len() > spec.min && dbs.contains(d) => {
                    rest = &rest[1..];
                    d.clone()
                }
                _ if dbs.iter().any(|d| d == "Open_vSwitch") => "Open_vSwitch".to_string(),
                _ => {
                    let others: Vec<&String> = dbs.iter().filter(|d| *d != "_Server").collect();
                    match others.as_slice() {
                        [only] => (*only).clone(),
                        _ => fatal(&format!(
                            "no default database for `{}' command, please specify one",
                            spec.name
                        )),
                    }
                }
            });
        }
        rpc = Some(r);
    }
    if rest.len() < spec.min || rest.len() > spec.max {
        fatal(&format!(
            "invalid syntax for '{}' (use --help for help)",
            spec.name
        ));
    }
    let result = commands::run(spec.name, rpc, database.as_deref(), rest, &ctx);
    match result {
        Ok(code) => std::process::exit(code),
        Err(Fatal(msg)) => fatal(&msg),
    }
}
