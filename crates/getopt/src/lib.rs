//! GNU `getopt_long`-compatible command-line parsing.
//!
//! Open vSwitch's programs parse their options with glibc's `getopt_long`, and scripts depend on
//! its exact behaviour: `--opt=value` and `--opt value` for required arguments, `--opt=value`
//! only for optional ones, unambiguous abbreviations of long options (`--pidf` for
//! `--pidfile`), bundled short options (`-vp key.pem`), `--` ending the options, and either
//! permutation of options and operands (the default) or stopping at the first operand (what
//! `ovs-vsctl`, whose commands have options of their own, needs). Errors use glibc's wording,
//! prefixed by the program name, so a drop-in tool prints the same message and exits the same
//! way. Parsing is pure: it takes the arguments and returns options and operands in order.

use std::fmt;

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    /// `--flag`
    No,
    /// `--opt=value` or `--opt value` (`-o value`, `-ovalue`)
    Required,
    /// `--opt` or `--opt=value` (`-o` or `-ovalue`)
    Optional,
}

/// One option a program accepts.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    /// The long name, without `--`; for a short-only option, just the name results carry.
    pub long: &'static str,
    /// Whether `--long` is accepted on the command line (false for short-only options).
    pub long_ok: bool,
    /// The short letter, if any.
    pub short: Option<char>,
    /// Whether it takes an argument.
    pub has_arg: HasArg,
}

impl Opt {
    /// A long option with an optional short letter.
    pub const fn new(long: &'static str, short: Option<char>, has_arg: HasArg) -> Opt {
        Opt {
            long,
            long_ok: true,
            short,
            has_arg,
        }
    }

    /// A short-only option `-c`, reported under `name`.
    pub const fn short_only(name: &'static str, short: char, has_arg: HasArg) -> Opt {
        Opt {
            long: name,
            long_ok: false,
            short: Some(short),
            has_arg,
        }
    }
}

/// How operands (non-option arguments) are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    /// Options and operands may be interleaved (GNU default).
    Permute,
    /// The first operand ends option parsing (`+` in the optstring, or POSIXLY_CORRECT).
    RequireOrder,
}

/// A parsed option: its name (see [`Opt::long`]) and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The option's long name (the `name` of a short-only option).
    pub name: &'static str,
    /// The argument, if one was given.
    pub value: Option<String>,
}

/// The result of parsing: options in order, and operands in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    /// Options in the order given.
    pub opts: Vec<Parsed>,
    /// Operands (non-option arguments) in order.
    pub operands: Vec<String>,
}

impl Args {
    /// Whether option `name` was given at least once.
    pub fn has(&self, name: &str) -> bool {
        self.opts.iter().any(|o| o.name == name)
    }

    /// The last value given for `name` (`Some(None)` when given without a value).
    pub fn last(&self, name: &str) -> Option<Option<&str>> {
        self.opts
            .iter()
            .rev()
            .find(|o| o.name == name)
            .map(|o| o.value.as_deref())
    }

    /// Every value given for `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.opts
            .iter()
            .filter(|o| o.name == name)
            .filter_map(|o| o.value.as_deref())
            .collect()
    }
}

/// A usage error, worded as glibc's getopt words it (without the program-name prefix; use
/// [`GetoptError::message`] for the full line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetoptError {
    /// `unrecognized option '--foo'`
    UnrecognizedLong(String),
    /// `invalid option -- 'Z'`
    InvalidShort(char),
    /// `option '--remote' requires an argument`
    LongRequiresArg(String),
    /// `option requires an argument -- 'p'`
    ShortRequiresArg(char),
    /// `option '--no-chdir' doesn't allow an argument`
    LongNoArg(String),
    /// `option '--p' is ambiguous; possibilities: '--pidfile' '--private-key'`
    Ambiguous(String, Vec<String>),
}

impl fmt::Display for GetoptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetoptError::UnrecognizedLong(o) => write!(f, "unrecognized option '{o}'"),
            GetoptError::InvalidShort(c) => write!(f, "invalid option -- '{c}'"),
            GetoptError::LongRequiresArg(o) => write!(f, "option '{o}' requires an argument"),
            GetoptError::ShortRequiresArg(c) => {
                write!(f, "option requires an argument -- '{c}'")
            }
            GetoptError::LongNoArg(o) => write!(f, "option '{o}' doesn't allow an argument"),
            GetoptError::Ambiguous(o, poss) => {
                write!(f, "option '{o}' is ambiguous; possibilities:")?;
                for p in poss {
                    write!(f, " '--{p}'")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for GetoptError {}

impl GetoptError {
    /// The full line a program prints: `PROGRAM: MESSAGE`.
    pub fn message(&self, program: &str) -> String {
        format!("{program}: {self}")
    }
}

fn find_long<'a>(opts: &'a [Opt], name: &str) -> Result<&'a Opt, GetoptError> {
    if let Some(o) = opts.iter().find(|o| o.long_ok && o.long == name) {
        return Ok(o);
    }
    let matches: Vec<&Opt> = opts
        .iter()
        .filter(|o| o.long_ok && !name.is_empty() && o.long.starts_with(name))
        .collect();
    match matches.len() {
        0 => Err(GetoptError::UnrecognizedLong(format!("--{name}"))),
        1 => Ok(matches[0]),
        _ => Err(GetoptError::Ambiguous(
            format!("--{name}"),
            matches.iter().map(|o| o.long.to_string()).collect(),
        )),
    }
}

/// Parses `args` (without the program name) against `opts`.
pub fn parse<I, S>(args: I, opts: &[Opt], ordering: Ordering) -> Result<Args, GetoptError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let args: Vec<String> = args.into_iter().map(Into::into).collect();
    let mut out = Args::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            out.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let opt = find_long(opts, name)?;
            let value = match (opt.has_arg, inline) {
                (HasArg::No, Some(_)) => {
                    return Err(GetoptError::LongNoArg(format!("--{}", opt.long)))
                }
                (HasArg::No, None) => None,
                (HasArg::Optional, v) => v,
                (HasArg::Required, Some(v)) => Some(v),
                (HasArg::Required, None) => {
                    if i < args.len() {
                        i += 1;
                        Some(args[i - 1].clone())
                    } else {
                        return Err(GetoptError::LongRequiresArg(format!("--{}", opt.long)));
                    }
                }
            };
            out.opts.push(Parsed {
                name: opt.long,
                value,
            });
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                let opt = opts
                    .iter()
                    .find(|o| o.short == Some(c))
                    .ok_or(GetoptError::InvalidShort(c))?;
                let rest: String = chars[j..].iter().collect();
                let value = match opt.has_arg {
                    HasArg::No => None,
                    HasArg::Optional => {
                        j = chars.len();
                        (!rest.is_empty()).then_some(rest)
                    }
                    HasArg::Required => {
                        j = chars.len();
                        if !rest.is_empty() {
                            Some(rest)
                        } else if i < args.len() {
                            i += 1;
                            Some(args[i - 1].clone())
                        } else {
                            return Err(GetoptError::ShortRequiresArg(c));
                        }
                    }
                };
                out.opts.push(Parsed {
                    name: opt.long,
                    value,
                });
            }
        } else {
            out.operands.push(arg.clone());
            if ordering == Ordering::RequireOrder {
                out.operands.extend(args[i..].iter().cloned());
                break;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[
        Opt::new("remote", None, HasArg::Required),
        Opt::new("pidfile", None, HasArg::Optional),
        Opt::new("private-key", Some('p'), HasArg::Required),
        Opt::new("no-chdir", None, HasArg::No),
        Opt::new("verbose", Some('v'), HasArg::Optional),
        Opt::new("detach", None, HasArg::No),
        Opt::short_only("h", 'h', HasArg::No),
    ];

    fn p(args: &[&str]) -> Result<Args, GetoptError> {
        parse(args.iter().copied(), OPTS, Ordering::Permute)
    }

    #[test]
    fn long_forms() {
        let a = p(&[
            "--remote=punix:x",
            "db",
            "--remote",
            "ptcp:1",
            "--pidfile",
            "--pidf=f",
        ])
        .unwrap();
        assert_eq!(a.all("remote"), vec!["punix:x", "ptcp:1"]);
        assert_eq!(a.last("pidfile"), Some(Some("f")));
        assert_eq!(a.operands, vec!["db"]);
    }

    #[test]
    fn optional_arg_never_takes_next_word() {
        let a = p(&["--pidfile", "db"]).unwrap();
        assert_eq!(a.last("pidfile"), Some(None));
        assert_eq!(a.operands, vec!["db"]);
    }

    #[test]
    fn short_forms() {
        let a = p(&["-vconsole:off", "-p", "key.pem", "-hpk2", "-v"]).unwrap();
        assert_eq!(a.opts[0].value.as_deref(), Some("console:off"));
        assert_eq!(a.all("private-key"), vec!["key.pem", "k2"]);
        assert!(a.has("h"));
        assert_eq!(a.last("verbose"), Some(None));
    }

    #[test]
    fn errors_use_glibc_wording() {
        assert_eq!(
            p(&["--nonsense"]).unwrap_err().message("ovsdb-server"),
            "ovsdb-server: unrecognized option '--nonsense'"
        );
        assert_eq!(
            p(&["--remote"]).unwrap_err().to_string(),
            "option '--remote' requires an argument"
        );
        assert_eq!(
            p(&["--no-chdir=3"]).unwrap_err().to_string(),
            "option '--no-chdir' doesn't allow an argument"
        );
        assert_eq!(p(&["-Z"]).unwrap_err().to_string(), "invalid option -- 'Z'");
        assert_eq!(
            p(&["-p"]).unwrap_err().to_string(),
            "option requires an argument -- 'p'"
        );
        assert_eq!(
            p(&["--p"]).unwrap_err().to_string(),
            "option '--p' is ambiguous; possibilities: '--pidfile' '--private-key'"
        );
    }

    #[test]
    fn require_order_and_double_dash() {
        let a = parse(
            ["--detach", "add-br", "--may-exist", "br0"],
            OPTS,
            Ordering::RequireOrder,
        )
        .unwrap();
        assert_eq!(a.operands, vec!["add-br", "--may-exist", "br0"]);
        let a = p(&["--", "--detach"]).unwrap();
        assert_eq!(a.operands, vec!["--detach"]);
        assert!(!a.has("detach"));
    }

    #[test]
    fn lone_dash_is_operand() {
        let a = p(&["-"]).unwrap();
        assert_eq!(a.operands, vec!["-"]);
    }
}
