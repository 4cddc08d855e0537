//! brctl's command line: option scanning, the command table and the usage texts.
//!
//! bridge-utils' `brctl` reads its options with GNU `getopt_long` (short `-h` and `-V`, long
//! `--help` and `--version`), which permutes the argument vector: an option is recognised
//! anywhere on the line, not only before the command, until a `--` ends option scanning (or,
//! with `POSIXLY_CORRECT` set, the first non-option does). Whatever is not an option is the
//! command and its arguments. The first option decides: `-h` prints the usage and succeeds, `-V`
//! prints the version and succeeds, anything else is reported the way glibc's getopt reports it
//! (`brctl: invalid option -- 'x'`), followed by brctl's own `Unknown option '?'` and the usage,
//! and fails.
//!
//! A command is looked up by its exact name. Too few arguments print `Incorrect number of
//! arguments for command` and the command's own usage line on stdout (status 1); extra arguments
//! are ignored, except by `show`, `addif` and `delif`, which act on every one of them.
//!
//! Everything here is pure: [`parse`] turns the argument vector into an [`Invocation`], whose
//! texts the caller prints.

/// One brctl command: its name, its argument synopsis (with the tabs brctl aligns its usage
/// columns with), its one-line description and how many arguments it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// The command word (`addbr`).
    pub name: &'static str,
    /// The argument synopsis, tabs included (`"<bridge>\t\t"`).
    pub args: &'static str,
    /// The description (`"add bridge"`).
    pub help: &'static str,
    /// The number of arguments the command needs at least.
    pub nargs: usize,
}

/// bridge-utils' commands, in the order its usage lists them.
pub const COMMANDS: &[CommandSpec] = &[
    spec("addbr", "<bridge>\t\t", "add bridge", 1),
    spec("delbr", "<bridge>\t\t", "delete bridge", 1),
    spec("addif", "<bridge> <device>\t", "add interface to bridge", 2),
    spec(
        "delif",
        "<bridge> <device>\t",
        "delete interface from bridge",
        2,
    ),
    spec(
        "hairpin",
        "<bridge> <port> {on|off}\t",
        "turn hairpin on/off",
        3,
    ),
    spec("setageing", "<bridge> <time>\t\t", "set ageing time", 2),
    spec(
        "setbridgeprio",
        "<bridge> <prio>\t\t",
        "set bridge priority",
        2,
    ),
    spec(
        "setfd",
        "<bridge> <time>\t\t",
        "set bridge forward delay",
        2,
    ),
    spec("sethello", "<bridge> <time>\t\t", "set hello time", 2),
    spec("setmaxage", "<bridge> <time>\t\t", "set max message age", 2),
    spec(
        "setpathcost",
        "<bridge> <port> <cost>\t",
        "set path cost",
        3,
    ),
    spec(
        "setportprio",
        "<bridge> <port> <prio>\t",
        "set port priority",
        3,
    ),
    spec("show", "[ <bridge> ]\t\t", "show a list of bridges", 0),
    spec("showmacs", "<bridge>\t\t", "show a list of mac addrs", 1),
    spec("showstp", "<bridge>\t\t", "show bridge stp info", 1),
    spec("stp", "<bridge> {on|off}\t", "turn stp on/off", 2),
];

const fn spec(
    name: &'static str,
    args: &'static str,
    help: &'static str,
    nargs: usize,
) -> CommandSpec {
    CommandSpec {
        name,
        args,
        help,
        nargs,
    }
}

/// What `brctl -V` prints. brctl's version line names bridge-utils; ours names the
/// bridge-utils release whose interface it follows, and itself.
pub const VERSION_LINE: &str = concat!(
    "bridge-utils, 1.7 (ferroswitch brctl ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// The full usage text (`brctl -h`), newline-terminated.
pub fn usage() -> String {
    let mut s = String::from("Usage: brctl [commands]\ncommands:\n");
    for c in COMMANDS {
        s.push_str(&format!("\t{:<10}\t{}{}\n", c.name, c.args, c.help));
    }
    s
}

/// One command's usage line, as printed after "Incorrect number of arguments for command".
pub fn command_usage(c: &CommandSpec) -> String {
    format!("Usage: brctl {} {}{}\n", c.name, c.args, c.help)
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Print `stdout` and `stderr` and exit with `status` (help, version, usage errors).
    Done {
        /// Text for standard output.
        stdout: String,
        /// Text for standard error.
        stderr: String,
        /// Exit status.
        status: i32,
    },
    /// Run `command` with `args` (at least `command.nargs` of them).
    Run {
        /// The command.
        command: CommandSpec,
        /// Its arguments (the words after the command name).
        args: Vec<String>,
    },
}

fn done(stdout: String, stderr: String, status: i32) -> Invocation {
    Invocation::Done {
        stdout,
        stderr,
        status,
    }
}

/// The long options brctl knows.
const LONG: &[(&str, char)] = &[("help", 'h'), ("version", 'V')];

/// Parses brctl's argument vector. `argv0` is the program name as invoked (getopt's messages
/// start with it); `args` are the words after it; `posixly_correct` stops option scanning at the
/// first non-option, as `POSIXLY_CORRECT` does for getopt.
pub fn parse(argv0: &str, args: &[String], posixly_correct: bool) -> Invocation {
    let mut words: Vec<String> = Vec::new();
    let mut scanning = true;
    for arg in args {
        if !scanning || arg == "-" || !arg.starts_with('-') {
            if posixly_correct {
                scanning = false;
            }
            words.push(arg.clone());
            continue;
        }
        if arg == "--" {
            scanning = false;
            continue;
        }
        let option = match arg.strip_prefix("--") {
            Some(long) => long_option(argv0, long),
            None => {
                // A cluster of short options: the first one decides (each either exits or fails).
                let c = arg.chars().nth(1).unwrap_or('-');
                match c {
                    'h' | 'V' => Ok(c),
                    _ => Err(format!("{argv0}: invalid option -- '{c}'\n")),
                }
            }
        };
        return match option {
            Ok('V') => done(format!("{VERSION_LINE}\n"), String::new(), 0),
            Ok(_) => done(usage(), String::new(), 0),
            Err(msg) => done(usage(), format!("{msg}Unknown option '?'\n"), 1),
        };
    }
    let Some((name, rest)) = words.split_first() else {
        return done(usage(), String::new(), 1);
    };
    let Some(command) = COMMANDS.iter().find(|c| c.name == name) else {
        return done(usage(), format!("never heard of command [{name}]\n"), 1);
    };
    if rest.len() < command.nargs {
        return done(
            format!(
                "Incorrect number of arguments for command\n{}",
                command_usage(command)
            ),
            String::new(),
            1,
        );
    }
    Invocation::Run {
        command: *command,
        args: rest.to_vec(),
    }
}

/// Resolves a long option (without its `--`) as getopt_long does: exact name or unambiguous
/// prefix; neither option takes an argument.
fn long_option(argv0: &str, long: &str) -> Result<char, String> {
    let (name, value) = match long.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (long, None),
    };
    let matches: Vec<&(&str, char)> = LONG
        .iter()
        .filter(|(full, _)| !name.is_empty() && full.starts_with(name))
        .collect();
    match matches.as_slice() {
        [(full, c)] => match value {
            None => Ok(*c),
            Some(_) => Err(format!(
                "{argv0}: option '--{full}' doesn't allow an argument\n"
            )),
        },
        _ => Err(format!("{argv0}: unrecognized option '--{long}'\n")),
    }
}

/// Parses brctl's on/off argument (`stp`, `hairpin`): `on`, `yes` or `1`; `off`, `no` or `0`.
pub fn on_off(word: &str) -> Option<bool> {
    match word {
        "on" | "yes" | "1" => Some(true),
        "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Invocation {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse("brctl", &v, false)
    }

    fn status(i: &Invocation) -> i32 {
        match i {
            Invocation::Done { status, .. } => *status,
            Invocation::Run { .. } => -1,
        }
    }

    #[test]
    fn usage_lines_align_like_bridge_utils() {
        let u = usage();
        assert!(u.starts_with("Usage: brctl [commands]\ncommands:\n"));
        assert!(u.contains("\taddbr     \t<bridge>\t\tadd bridge\n"));
        assert!(u.contains("\tsetbridgeprio\t<bridge> <prio>\t\tset bridge priority\n"));
        assert!(u.contains("\tstp       \t<bridge> {on|off}\tturn stp on/off\n"));
        assert_eq!(u.lines().count(), 2 + COMMANDS.len());
    }

    #[test]
    fn no_command_is_usage_and_failure() {
        let i = p(&[]);
        assert_eq!(status(&i), 1);
        let Invocation::Done { stdout, stderr, .. } = i else {
            panic!("not done")
        };
        assert_eq!(stdout, usage());
        assert!(stderr.is_empty());
    }

    #[test]
    fn options_anywhere_first_one_decides() {
        assert_eq!(
            p(&["show", "-V"]),
            done(format!("{VERSION_LINE}\n"), String::new(), 0)
        );
        assert_eq!(p(&["--vers"]), p(&["-V"]));
        assert_eq!(p(&["-h"]), done(usage(), String::new(), 0));
        assert_eq!(p(&["--help"]), done(usage(), String::new(), 0));
        assert_eq!(
            p(&["-x", "-V"]),
            done(
                usage(),
                "brctl: invalid option -- 'x'\nUnknown option '?'\n".into(),
                1
            )
        );
        assert_eq!(
            p(&["--foo=1"]),
            done(
                usage(),
                "brctl: unrecognized option '--foo=1'\nUnknown option '?'\n".into(),
                1
            )
        );
        assert_eq!(
            p(&["--help=1"]),
            done(
                usage(),
                "brctl: option '--help' doesn't allow an argument\nUnknown option '?'\n".into(),
                1
            )
        );
    }

    #[test]
    fn double_dash_ends_options() {
        assert_eq!(
            p(&["--", "show", "-x"]),
            Invocation::Run {
                command: COMMANDS[12],
                args: vec!["-x".into()]
            }
        );
    }

    #[test]
    fn posixly_correct_stops_at_first_word() {
        let v: Vec<String> = ["show", "-V"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            parse("brctl", &v, true),
            Invocation::Run {
                command: COMMANDS[12],
                args: vec!["-V".into()]
            }
        );
    }

    #[test]
    fn unknown_and_short_commands() {
        assert_eq!(
            p(&["foo"]),
            done(usage(), "never heard of command [foo]\n".into(), 1)
        );
        assert_eq!(
            p(&["addif", "br0"]),
            done(
                "Incorrect number of arguments for command\n\
                 Usage: brctl addif <bridge> <device>\tadd interface to bridge\n"
                    .into(),
                String::new(),
                1
            )
        );
        assert!(matches!(p(&["show"]), Invocation::Run { .. }));
        assert!(matches!(
            p(&["addbr", "a", "b"]),
            Invocation::Run { ref args, .. } if args.len() == 2
        ));
    }

    #[test]
    fn on_off_words() {
        assert_eq!(on_off("yes"), Some(true));
        assert_eq!(on_off("0"), Some(false));
        assert_eq!(on_off("ON"), None);
    }
}
