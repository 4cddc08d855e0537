//! `ovs-appctl`: send one unixctl command to a running daemon.
//!
//! ```text
//! ovs-appctl [-t|--target TARGET] [-T|--timeout SECS] COMMAND [ARG...]
//! ```
//!
//! This is a drop-in for Open vSwitch's tool, so everything a script can
//! observe matches it: option parsing (getopt-style, stopping at the first
//! non-option so command arguments may start with `-`), the target
//! resolution, the texts on stdout and stderr, and the exit codes:
//!
//! * **Target.** A target starting with `/` is the control socket itself.
//!   Anything else is a program name: `$OVS_RUNDIR/<target>.pid` (rundir
//!   default `/var/run/openvswitch`) is read for the pid, and the socket is
//!   `$OVS_RUNDIR/<target>.<pid>.ctl`. The default target is `ovs-vswitchd`.
//!   A missing pidfile is reported as "No such file or directory" (with a
//!   `daemon_unix` warning); one that no running daemon holds locked is
//!   stale, "No such process".
//! * **Output.** A successful reply is written to stdout exactly as
//!   received (exit 0). An error reply is written to stderr, followed by
//!   `ovs-appctl: TARGET: server returned an error` (exit 2). Connection
//!   and protocol failures print a `unixctl` warning and a one-line fatal
//!   message (exit 1).
//! * **Timeout.** `-T SECS` bounds the whole run; on expiry OVS dies of
//!   SIGALRM after logging "terminating with signal 14 (Alarm clock)". We
//!   log the same line and exit with status 142, which is what a shell
//!   reports for death by SIGALRM.
//!
//! Log messages go to stderr in vlog's console format (default levels),
//! adjustable with `-v`/`--verbose`, and to a file with `--log-file`, like
//! the original. `--option` lists the options; `-e`/`--execute`,
//! `--syslog-method` and `--syslog-target` are accepted and ignored.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use unixctl::Client;
use vlog::{Level, Vlog};

const PROGRAM: &str = "ovs-appctl";
const VERSION_LINE: &str = "ovs-appctl (Open vSwitch) 3.1.0";
const DEFAULT_RUNDIR: &str = "/var/run/openvswitch";

/// Exit status for a fatal error.
const EXIT_FAILURE: u8 = 1;
/// Exit status when the server answered with an error.
const EXIT_SERVER_ERROR: u8 = 2;
/// Exit status equivalent to death by SIGALRM.
const EXIT_ALARM: i32 = 128 + 14;

const USAGE: &str = "\
ovs-appctl, for querying and controlling Open vSwitch daemon
usage: ovs-appctl [TARGET] COMMAND [ARG...]
Targets:
  -t, --target=TARGET  pidfile or socket to contact
Common commands:
  list-commands      List commands supported by the target
  version            Print version of the target
  vlog/list          List current logging levels
  vlog/list-pattern  List logging patterns for each destination.
  vlog/set [SPEC]
      Set log levels as detailed in SPEC, which may include:
      A valid module name (all modules, by default)
      'syslog', 'console', 'file' (all destinations, by default))
      'off', 'emer', 'err', 'warn', 'info', or 'dbg' ('dbg', bydefault)
  vlog/reopen        Make the program reopen its log file
Other options:
  --timeout=SECS     wait at most SECS seconds for a response
  -h, --help         Print this helpful information
  -V, --version      Display ovs-appctl version information
";

/// Parsed command line.
#[derive(Debug, Default, PartialEq)]
struct Options {
    target: Option<String>,
    timeout: Option<u64>,
    verbose: Vec<String>,
    /// `--log-file[=FILE]`: Some(None) means the default file.
    log_file: Option<Option<String>>,
    help: bool,
    version: bool,
    list_options: bool,
    command: Vec<String>,
}

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq)]
enum HasArg {
    No,
    Required,
    Optional,
}

/// The long options, in the order getopt reports ambiguities and
/// `--option` lists them, with their short equivalents.
const LONG_OPTIONS: [(&str, HasArg, Option<char>); 10] = [
    ("target", HasArg::Required, Some('t')),
    ("execute", HasArg::No, Some('e')),
    ("help", HasArg::No, Some('h')),
    ("option", HasArg::No, Some('o')),
    ("version", HasArg::No, Some('V')),
    ("timeout", HasArg::Required, Some('T')),
    ("verbose", HasArg::Optional, Some('v')),
    ("log-file", HasArg::Optional, None),
    ("syslog-method", HasArg::Required, None),
    ("syslog-target", HasArg::Required, None),
];

/// The `--option` listing.
fn option_list() -> String {
    let mut s = String::new();
    for (name, has_arg, short) in LONG_OPTIONS {
        let (long_suffix, short_suffix) = match has_arg {
            HasArg::No => ("", " "),
            HasArg::Required => ("=ARG", " ARG"),
            HasArg::Optional => ("=[ARG]", " [ARG]"),
        };
        s.push_str(&format!("--{name}{long_suffix}\n"));
        if let Some(c) = short {
            s.push_str(&format!("-{c}{short_suffix}\n"));
        }
    }
    s
}

/// Prints `ovs-appctl: MSG` and returns the failure status.
fn fatal(msg: &str) -> ExitCode {
    eprintln!("{PROGRAM}: {msg}");
    ExitCode::from(EXIT_FAILURE)
}

/// Applies one recognised option (by its long name).
fn apply_option(o: &mut Options, name: &str, value: Option<String>) -> Result<(), String> {
    match name {
        "target" => o.target = value,
        "timeout" => o.timeout = Some(parse_timeout(value.as_deref().unwrap_or(""))?),
        "verbose" => o.verbose.push(value.unwrap_or_default()),
        "log-file" => o.log_file = Some(value),
        "help" => o.help = true,
        "version" => o.version = true,
        "option" => o.list_options = true,
        // `--execute` is a no-op kept for compatibility; syslog settings
        // have no effect on a one-shot client.
        _ => {}
    }
    Ok(())
}

/// getopt_long-compatible parsing (stops at the first non-option).
fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let exact = LONG_OPTIONS.iter().find(|(n, _, _)| *n == name);
            let candidates: Vec<_> = LONG_OPTIONS
                .iter()
                .filter(|(n, _, _)| n.starts_with(name))
                .collect();
            let &(full, has_arg, _) = match (exact, candidates.as_slice()) {
                (Some(e), _) => e,
                (None, [one]) => *one,
                (None, []) => return Err(format!("unrecognized option '--{name}'")),
                (None, many) => {
                    let list: Vec<String> =
                        many.iter().map(|(n, _, _)| format!("'--{n}'")).collect();
                    return Err(format!(
                        "option '--{name}' is ambiguous; possibilities: {}",
                        list.join(" ")
                    ));
                }
            };
            let value = match (has_arg, inline) {
                (HasArg::No, Some(_)) => {
                    return Err(format!("option '--{full}' doesn't allow an argument"))
                }
                (HasArg::No, None) | (HasArg::Optional, None) => None,
                (_, Some(v)) => Some(v.to_string()),
                (HasArg::Required, None) => {
                    i += 1;
                    Some(
                        args.get(i)
                            .cloned()
                            .ok_or_else(|| format!("option '--{full}' requires an argument"))?,
                    )
                }
            };
            apply_option(&mut o, full, value)?;
            i += 1;
            continue;
        }
        let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) else {
            break; // first non-option: the command
        };
        for (pos, c) in shorts.char_indices() {
            let rest = shorts
                .get(pos + c.len_utf8()..)
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            let Some(&(full, has_arg, _)) = LONG_OPTIONS.iter().find(|(_, _, s)| *s == Some(c))
            else {
                return Err(format!("invalid option -- '{c}'"));
            };
            match has_arg {
                HasArg::No => apply_option(&mut o, full, None)?,
                HasArg::Optional => {
                    apply_option(&mut o, full, rest)?;
                    break;
                }
                HasArg::Required => {
                    let value = match rest {
                        Some(v) => v,
                        None => {
                            i += 1;
                            args.get(i)
                                .cloned()
                                .ok_or_else(|| format!("option requires an argument -- '{c}'"))?
                        }
                    };
                    apply_option(&mut o, full, Some(value))?;
                    break;
                }
            }
        }
        i += 1;
    }
    o.command = args.get(i..).map(<[String]>::to_vec).unwrap_or_default();
    Ok(o)
}

fn parse_timeout(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("value {v} on -T or --timeout is invalid"))
}

/// Reads a pidfile; `Err(strerror text)` as OVS reports it. Like OVS, a
/// pidfile counts only while its daemon holds a lock on it.
fn read_pidfile(log: &Vlog, path: &Path) -> Result<u32, String> {
    daemon::pidfile::read_live_pid(path).map_err(|e| {
        let err = unixctl::client::io_error_text(&e);
        if e.kind() == std::io::ErrorKind::NotFound {
            log.log(
                "daemon_unix",
                Level::Warn,
                &format!("{}: open: {err}", path.display()),
            );
        }
        err
    })
}

/// Resolves the target to a socket path.
fn socket_for_target(log: &Vlog, target: &str) -> Result<PathBuf, String> {
    if target.starts_with('/') {
        return Ok(PathBuf::from(target));
    }
    let rundir = std::env::var_os("OVS_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_RUNDIR));
    let pidfile = rundir.join(format!("{target}.pid"));
    let pid = read_pidfile(log, &pidfile)
        .map_err(|e| format!("cannot read pidfile \"{}\" ({e})", pidfile.display()))?;
    Ok(unixctl::default_socket_path(&rundir, target, pid))
}

async fn run(log: &Vlog, target: &str, command: &[String]) -> ExitCode {
    let socket = match socket_for_target(log, target) {
        Ok(s) => s,
        Err(e) => return fatal(&e),
    };
    let mut client = match Client::connect(&socket).await {
        Ok(c) => c,
        Err(e) => {
            log.log(
                "unixctl",
                Level::Warn,
                &format!("failed to connect to {}", socket.display()),
            );
            return fatal(&format!(
                "cannot connect to \"{}\" ({})",
                socket.display(),
                e.errno_text()
            ));
        }
    };
    let (name, args) = match command.split_first() {
        Some((n, a)) => (n.as_str(), a),
        None => return fatal("at least one non-option argument is required (use --help for help)"),
    };
    match client.transact(name, args).await {
        Ok(Ok(output)) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(output.as_bytes());
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprint!("{error}");
            eprintln!("{PROGRAM}: {target}: server returned an error");
            ExitCode::from(EXIT_SERVER_ERROR)
        }
        Err(e) => {
            let warning = match &e {
                unixctl::ClientError::BadReply(msg) => {
                    format!("unix:{}: {msg}", socket.display())
                }
                _ => format!(
                    "error communicating with unix:{}: {}",
                    socket.display(),
                    e.errno_text()
                ),
            };
            log.log("unixctl", Level::Warn, &warning);
            fatal(&format!("{target}: transaction error ({})", e.errno_text()))
        }
    }
}

fn main() -> ExitCode {
    let log = vlog::init(PROGRAM);
    log.register_modules(&["daemon_unix", "fatal_signal", "unixctl", "jsonrpc"]);

    let argv0 = std::env::args()
        .next()
        .unwrap_or_else(|| PROGRAM.to_string());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(e) => {
            // getopt prefixes its messages with argv[0] exactly as invoked
            // (OVS's own messages use the program's base name).
            let invalid_value = e.starts_with("value ");
            if invalid_value {
                return fatal(&e);
            }
            eprintln!("{argv0}: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if let Some(file) = &opts.log_file {
        let path = file
            .clone()
            .unwrap_or_else(|| format!("/var/log/openvswitch/{PROGRAM}.log"));
        if let Err(e) = log.set_log_file(Path::new(&path)) {
            log.log(
                "vlog",
                Level::Warn,
                &format!(
                    "failed to open {path} for logging: {}",
                    unixctl::client::io_error_text(&e)
                ),
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    for spec in &opts.verbose {
        if let Err(e) = log.set_spec(spec) {
            return fatal(&format!("processing \"{spec}\": {e}"));
        }
    }
    if opts.list_options {
        print!("{}", option_list());
        return ExitCode::SUCCESS;
    }
    if opts.help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if opts.version {
        println!("{VERSION_LINE}");
        return ExitCode::SUCCESS;
    }
    if opts.command.is_empty() {
        return fatal("at least one non-option argument is required (use --help for help)");
    }
    let target = opts
        .target
        .clone()
        .unwrap_or_else(|| "ovs-vswitchd".to_string());

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fatal(&format!("cannot start runtime ({e})")),
    };
    runtime.block_on(async {
        let work = run(log, &target, &opts.command);
        match opts.timeout.filter(|&t| t > 0) {
            None => work.await,
            Some(secs) => match tokio::time::timeout(Duration::from_secs(secs), work).await {
                Ok(code) => code,
                Err(_) => {
                    log.log(
                        "fatal_signal",
                        Level::Warn,
                        "terminating with signal 14 (Alarm clock)",
                    );
                    std::process::exit(EXIT_ALARM);
                }
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, String> {
        parse_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_like_getopt() {
        let o = p(&["-t", "/x.ctl", "-T5", "vlog/set", "-v", "a"]).unwrap();
        assert_eq!(o.target.as_deref(), Some("/x.ctl"));
        assert_eq!(o.timeout, Some(5));
        assert_eq!(o.command, vec!["vlog/set", "-v", "a"]);
        let o = p(&["--target=foo", "--time", "3", "--", "-x"]).unwrap();
        assert_eq!(o.target.as_deref(), Some("foo"));
        assert_eq!(o.timeout, Some(3));
        assert_eq!(o.command, vec!["-x"]);
        let o = p(&["-tfoo", "-vANY:dbg", "version"]).unwrap();
        assert_eq!(o.target.as_deref(), Some("foo"));
        assert_eq!(o.verbose, vec!["ANY:dbg"]);
    }

    #[test]
    fn option_errors_match_getopt_texts() {
        assert_eq!(
            p(&["--bogus"]).unwrap_err(),
            "unrecognized option '--bogus'"
        );
        assert_eq!(
            p(&["-T"]).unwrap_err(),
            "option requires an argument -- 'T'"
        );
        assert_eq!(
            p(&["-t"]).unwrap_err(),
            "option requires an argument -- 't'"
        );
        assert_eq!(
            p(&["--target"]).unwrap_err(),
            "option '--target' requires an argument"
        );
        assert_eq!(p(&["-x"]).unwrap_err(), "invalid option -- 'x'");
        assert_eq!(
            p(&["-T", "abc", "version"]).unwrap_err(),
            "value abc on -T or --timeout is invalid"
        );
        assert_eq!(
            p(&["--t", "x"]).unwrap_err(),
            "option '--t' is ambiguous; possibilities: '--target' '--timeout'"
        );
        assert_eq!(
            p(&["--help=3"]).unwrap_err(),
            "option '--help' doesn't allow an argument"
        );
    }
}
