//! `ovs-ofctl`: administration of OpenFlow switches, a drop-in for Open vSwitch's tool.
//!
//! The command line is parsed the way OVS parses it (glibc `getopt_long` through the
//! `getopt` crate, options and operands permuted), then the first operand names a command
//! looked up in [`commands::COMMANDS`], a table of name, argument counts and handler, exactly
//! like OVS's command table: argument-count errors, unknown commands and a missing command are
//! reported with OVS's wording, and every fatal error is printed as `ovs-ofctl: MESSAGE` on
//! standard error with exit status 1.
//!
//! What the options mean for the commands lives in [`Context`]: the OpenFlow versions
//! (`-O`) and flow formats (`-F`) combine, as in OVS, into the set of allowed protocols, which
//! is checked for consistency before any command runs.
//!
//! Offline commands (`parse-flow`, `parse-flows`, `ofp-print`) are in [`offline`]. Commands
//! that talk to a switch connect through [`vconn`] (targets, hello negotiation, transaction
//! ids) inside a [`session::Session`] (port/table name fetches, dumps, barriers, bundles) and
//! live in [`online`] (switch, port, table and queue commands, `monitor`, `snoop`),
//! [`flows`] (flow tables, with `--sort`/`--rsort`/`--no-stats`/`--bundle`), [`groups`],
//! [`meters`] and [`packet_out`]. Commands still missing are in the table with a handler that
//! says so.

mod commands;
mod compose;
mod flows;
mod groups;
mod meters;
mod offline;
mod online;
mod packet_out;
mod session;
mod vconn;

use getopt::{HasArg, Opt, Ordering};
use openflow::protocol::{parse_versions, version_name, ProtocolSet};
use openflow::Version;
use std::io::Write as _;
use std::process::ExitCode;

const PROGRAM: &str = "ovs-ofctl";
const VERSION_TEXT: &str = "ovs-ofctl (Open vSwitch) 3.1.0\nOpenFlow versions 0x1:0x6\n";

/// A fatal error: the message printed after `ovs-ofctl: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

impl<T: std::fmt::Display> From<T> for Fatal {
    fn from(e: T) -> Fatal {
        Fatal(e.to_string())
    }
}

/// Settings from the command line that commands consult.
#[derive(Debug, Clone)]
pub struct Context {
    /// Protocols allowed by `-O` and `-F` together.
    pub allowed: ProtocolSet,
    /// `--strict`.
    pub strict: bool,
    /// `--names` (`Some(true)`), `--no-names` (`Some(false)`), or the default.
    pub names: Option<bool>,
    /// ofp-print verbosity (`-m` raises it).
    pub verbosity: u32,
    /// OpenFlow versions allowed by `-O` (default: OpenFlow 1.0).
    pub versions: Vec<Version>,
    /// `--sort`/`--rsort` criteria, in order.
    pub sort: Vec<flows::SortKey>,
    /// Statistics in flow dumps (`--no-stats` clears it).
    pub stats: bool,
    /// `--bundle`: send modifications as one atomic bundle.
    pub bundle: bool,
}

const OPTIONS: &[Opt] = &[
    Opt::new("timeout", Some('t'), HasArg::Required),
    Opt::new("strict", None, HasArg::No),
    Opt::new("readd", None, HasArg::No),
    Opt::new("flow-format", Some('F'), HasArg::Required),
    Opt::new("packet-in-format", Some('P'), HasArg::Required),
    Opt::new("more", Some('m'), HasArg::No),
    Opt::new("timestamp", None, HasArg::No),
    Opt::new("sort", None, HasArg::Optional),
    Opt::new("rsort", None, HasArg::Optional),
    Opt::new("names", None, HasArg::No),
    Opt::new("no-names", None, HasArg::No),
    Opt::new("no-stats", None, HasArg::No),
    Opt::new("unixctl", None, HasArg::Required),
    Opt::new("help", Some('h'), HasArg::No),
    Opt::new("option", None, HasArg::No),
    Opt::new("bundle", None, HasArg::No),
    Opt::new("color", None, HasArg::Optional),
    Opt::new("may-create", None, HasArg::No),
    Opt::new("read-only", None, HasArg::No),
    Opt::new("detach", None, HasArg::No),
    Opt::new("no-chdir", None, HasArg::No),
    Opt::new("no-self-confinement", None, HasArg::No),
    Opt::new("pidfile", None, HasArg::Optional),
    Opt::new("overwrite-pidfile", None, HasArg::No),
    Opt::new("monitor", None, HasArg::No),
    Opt::new("user", None, HasArg::Required),
    Opt::new("verbose", Some('v'), HasArg::Optional),
    Opt::new("log-file", None, HasArg::Optional),
    Opt::new("syslog-method", None, HasArg::Required),
    Opt::new("syslog-target", None, HasArg::Required),
    Opt::new("version", Some('V'), HasArg::No),
    Opt::new("protocols", Some('O'), HasArg::Required),
    Opt::new("private-key", Some('p'), HasArg::Required),
    Opt::new("certificate", Some('c'), HasArg::Required),
    Opt::new("ca-cert", Some('C'), HasArg::Required),
    Opt::new("peer-ca-cert", None, HasArg::Required),
    Opt::new("bootstrap-ca-cert", None, HasArg::Required),
    Opt::new("ssl-protocols", None, HasArg::Required),
    Opt::new("ssl-ciphers", None, HasArg::Required),
];

const USAGE: &str = "\
ovs-ofctl: OpenFlow switch management utility
usage: ovs-ofctl [OPTIONS] COMMAND [ARG...]

Commands that need no switch:
  parse-flow FLOW             print FLOW as the flow_mod ovs-ofctl would send
  parse-flows FILE            likewise for each flow in FILE (- for stdin)
  ofp-print HEX [VERBOSITY]   decode and print an OpenFlow message given in hex

Commands for a SWITCH (a bridge name, unix:PATH or tcp:IP[:PORT]):
  show, dump-desc, dump-tables, dump-table-features, dump-table-desc, mod-table,
  dump-ports [PORT], dump-ports-desc [PORT], mod-port PORT ACTION, get-frags,
  set-frags MODE, dump-flows [FLOW], dump-aggregate [FLOW], queue-stats [PORT [QUEUE]],
  queue-get-config [PORT], add-flow FLOW, add-flows FILE, mod-flows FLOW,
  del-flows [FLOW], add-group GROUP, add-groups FILE, mod-group GROUP,
  del-groups [GROUP], dump-groups [GROUP], dump-group-stats [GROUP],
  dump-group-features, add-meter METER, mod-meter METER, del-meters [METER],
  dump-meters [METER], meter-stats [METER], meter-features, packet-out ...,
  probe, monitor [MISS-LEN] [invalid_ttl], snoop

OpenFlow version and flow format options:
  -O, --protocols=VERSIONS    allowed OpenFlow versions (default: OpenFlow10)
  -F, --flow-format=FORMAT    allowed flow formats (OpenFlow10, NXM, OXM, ...)

Other options:
  --strict                    use strict match for flow commands
  --bundle                    send flow and group changes as one atomic bundle
  --sort[=FIELD], --rsort[=FIELD]  sort dump-flows output
  --no-stats                  dump-flows without statistics
  -t, --timeout=SECS          give up after SECS seconds
  --names                     show port names instead of numbers
  --no-names                  show port numbers, but not names
  -m, --more                  be more verbose printing OpenFlow
  -h, --help                  display this help message
  -V, --version               display version information
";

fn fatal(msg: &str) -> ExitCode {
    let _ = std::io::stdout().flush();
    eprintln!("{PROGRAM}: {msg}");
    ExitCode::from(1)
}

fn main() -> ExitCode {
    let mut args = std::env::args();
    let argv0 = args.next().unwrap_or_else(|| PROGRAM.to_string());
    let parsed = match getopt::parse(args, OPTIONS, Ordering::Permute) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}", e.message(&argv0));
            return ExitCode::from(1);
        }
    };
    let mut versions: Vec<Version> = Vec::new();
    let mut formats = ProtocolSet::ANY;
    let mut timeout: Option<u32> = None;
    let mut cx = Context {
        allowed: ProtocolSet::ANY,
        strict: false,
        names: None,
        verbosity: 0,
        versions: Vec::new(),
        sort: Vec::new(),
        stats: true,
        bundle: false,
    };
    for o in &parsed.opts {
        let value = o.value.as_deref().unwrap_or("");
        match o.name {
            "help" => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "version" => {
                print!("{VERSION_TEXT}");
                return ExitCode::SUCCESS;
            }
            "option" => {
                for opt in OPTIONS {
                    let suffix = match opt.has_arg {
                        HasArg::No => "",
                        HasArg::Required => "=ARG",
                        HasArg::Optional => "=[ARG]",
                    };
                    println!("--{}{suffix}", opt.long);
                    if let Some(c) = opt.short {
                        let suffix = match opt.has_arg {
                            HasArg::No => "",
                            HasArg::Required => " ARG",
                            HasArg::Optional => " [ARG]",
                        };
                        println!("-{c}{suffix}");
                    }
                }
                return ExitCode::SUCCESS;
            }
            "protocols" => match parse_versions(value) {
                Ok(v) => versions = v,
                Err(e) => return fatal(&e),
            },
            "flow-format" => match ProtocolSet::parse_flow_formats(value) {
                Ok(f) => formats = f,
                Err(e) => return fatal(&e),
            },
            "strict" => cx.strict = true,
            "names" => cx.names = Some(true),
            "no-names" => cx.names = Some(false),
            "more" => cx.verbosity += 1,
            "no-stats" => cx.stats = false,
            "bundle" => cx.bundle = true,
            "sort" | "rsort" => {
                let field = match o.value.as_deref() {
                    None | Some("priority") => None,
                    Some(name) => match flow::FieldId::from_name(name) {
                        Some(f) => Some(f),
                        None => return fatal(&format!("{name}: unknown field name")),
                    },
                };
                cx.sort.push((field, o.name == "rsort"));
            }
            "timeout" => match value.parse::<u32>() {
                Ok(t) if t > 0 => timeout = Some(t),
                Ok(_) => timeout = None,
                Err(_) => return fatal(&format!("value {value} on -t or --timeout is invalid")),
            },
            _ => {}
        }
    }
    if versions.is_empty() {
        // Bundles need OpenFlow 1.4, which `--bundle` then uses by default.
        versions.push(if cx.bundle {
            Version::Of14
        } else {
            Version::Of10
        });
    }
    let version_protocols = ProtocolSet::of_versions(&versions);
    if formats.intersect(version_protocols).is_empty() {
        let names: Vec<&str> = versions.iter().map(|v| version_name(*v)).collect();
        return fatal(&format!(
            "None of the enabled OpenFlow versions ({}) supports any of the enabled flow \
             formats ({}).  (Use -O to enable additional OpenFlow versions or -F to enable \
             additional flow formats.)",
            names.join(", "),
            formats.to_ovs_string()
        ));
    }
    cx.allowed = formats.intersect(version_protocols);
    cx.versions = versions;
    let Some((name, rest)) = parsed.operands.split_first() else {
        return fatal("missing command name; use --help for help");
    };
    if let Some(secs) = timeout {
        // As OVS: the whole run is limited, and the process dies of SIGALRM when it is over.
        nix::unistd::alarm::set(secs);
    }
    let mut session = session::Session::new(cx);
    match commands::run(&mut session, name, rest) {
        Ok(()) => {
            let _ = std::io::stdout().flush();
            ExitCode::SUCCESS
        }
        Err(Fatal(msg)) if msg.is_empty() => ExitCode::from(1),
        Err(Fatal(msg)) => fatal(&msg),
    }
}
