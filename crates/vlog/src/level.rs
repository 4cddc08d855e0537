//! Log levels and destinations, and the `vlog/set` / `-v` spec language.
//!
//! Open vSwitch has six levels, from "log nothing" to "log everything":
//! `off`, `emer`, `err`, `warn`, `info`, `dbg`; and three destinations:
//! `console`, `syslog` and `file`. Each (module, destination) pair has its
//! own level; a message is written to a destination when its severity is
//! at least as important as that pair's level.
//!
//! A *spec* (the argument of `vlog/set` and of `-v`/`--verbose`) is a list
//! of words separated by spaces, commas, colons or tabs. Each word is
//! matched, case-insensitively, first as a destination, then as a level,
//! then as a module name; at most one of each category may appear; the
//! word `any` is accepted anywhere and means nothing. Missing parts default
//! to "every module", "every destination" and `dbg`. Two special forms
//! exist: `PATTERN:destination:pattern` sets a destination's line format
//! (destination may be `any`; everything after the second separator,
//! verbatim, is the pattern), and `FACILITY:facility` sets the syslog
//! facility. The error texts are the ones OVS sends back to `ovs-appctl`.

use thiserror::Error;

/// A log level (also used as a message severity; `Off` is only a level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Log nothing.
    Off,
    /// Emergency: the process cannot continue.
    Emer,
    /// Error.
    Err,
    /// Warning.
    Warn,
    /// Informational.
    Info,
    /// Debugging.
    Dbg,
}

impl Level {
    /// All levels, least to most verbose.
    pub const ALL: [Level; 6] = [
        Level::Off,
        Level::Emer,
        Level::Err,
        Level::Warn,
        Level::Info,
        Level::Dbg,
    ];

    /// Lower-case name used in specs (`"warn"`).
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Emer => "emer",
            Level::Err => "err",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Dbg => "dbg",
        }
    }

    /// Upper-case name used in log lines and `vlog/list` (`"WARN"`).
    pub fn upper(self) -> &'static str {
        match self {
            Level::Off => "OFF",
            Level::Emer => "EMER",
            Level::Err => "ERR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Dbg => "DBG",
        }
    }

    /// Parses a level name, case-insensitively.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s))
    }

    /// Syslog severity number for this level.
    pub fn syslog_severity(self) -> u8 {
        match self {
            Level::Off | Level::Emer => 0,
            Level::Err => 3,
            Level::Warn => 4,
            Level::Info => 6,
            Level::Dbg => 7,
        }
    }
}

/// Where log messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Destination {
    /// Standard error.
    Console,
    /// The system log.
    Syslog,
    /// The `--log-file`.
    File,
}

impl Destination {
    /// All destinations in OVS's column order.
    pub const ALL: [Destination; 3] =
        [Destination::Console, Destination::Syslog, Destination::File];

    /// Lower-case name (`"console"`).
    pub fn name(self) -> &'static str {
        match self {
            Destination::Console => "console",
            Destination::Syslog => "syslog",
            Destination::File => "file",
        }
    }

    /// Index into per-destination arrays.
    pub fn index(self) -> usize {
        match self {
            Destination::Console => 0,
            Destination::Syslog => 1,
            Destination::File => 2,
        }
    }

    /// Parses a destination name, case-insensitively.
    pub fn parse(s: &str) -> Option<Destination> {
        Destination::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
    }
}

/// Syslog facility names and numbers (RFC 5424).
pub const FACILITIES: [(&str, u8); 24] = [
    ("kern", 0),
    ("user", 1),
    ("mail", 2),
    ("daemon", 3),
    ("auth", 4),
    ("syslog", 5),
    ("lpr", 6),
    ("news", 7),
    ("uucp", 8),
    ("clock", 9),
    ("authpriv", 10),
    ("ftp", 11),
    ("ntp", 12),
    ("audit", 13),
    ("alert", 14),
    ("clock2", 15),
    ("local0", 16),
    ("local1", 17),
    ("local2", 18),
    ("local3", 19),
    ("local4", 20),
    ("local5", 21),
    ("local6", 22),
    ("local7", 23),
];

/// A parsed spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// Set `level` for `module` (None = all) at `destination` (None = all).
    Levels {
        /// Module name, canonical spelling.
        module: Option<String>,
        /// Destination.
        destination: Option<Destination>,
        /// Level.
        level: Level,
    },
    /// Set the line pattern of `destination` (None = all).
    Pattern {
        /// Destination.
        destination: Option<Destination>,
        /// The pattern text.
        pattern: String,
    },
    /// Set the syslog facility.
    Facility(u8),
}

/// Spec errors; Display is OVS's reply text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    /// `PATTERN` without a destination.
    #[error("missing destination")]
    MissingDestination,
    /// `PATTERN:xx`.
    #[error("unknown destination \"{0}\"")]
    UnknownDestination(String),
    /// `FACILITY` without a name, or an unknown one.
    #[error("invalid facility")]
    InvalidFacility,
    /// Two destinations in one spec.
    #[error("cannot specify multiple destinations")]
    MultipleDestinations,
    /// Two levels in one spec.
    #[error("cannot specify multiple levels")]
    MultipleLevels,
    /// Two modules in one spec.
    #[error("cannot specify multiple modules")]
    MultipleModules,
    /// A word that is nothing known.
    #[error("no destination, level, or module \"{0}\"")]
    UnknownWord(String),
}

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | ',' | ':' | '\t')
}

/// Splits off the first word of `s`; returns (word, rest after the single
/// separator that ended the word).
fn next_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(is_sep);
    if s.is_empty() {
        return None;
    }
    match s.find(is_sep) {
        Some(i) => {
            let word = s.get(..i).unwrap_or(s);
            let rest = s.get(i + 1..).unwrap_or("");
            Some((word, rest))
        }
        None => Some((s, "")),
    }
}

/// Parses a spec. `module_lookup` maps a word to the canonical module name
/// if such a module exists.
pub fn parse_spec(
    spec: &str,
    module_lookup: impl Fn(&str) -> Option<String>,
) -> Result<Spec, SpecError> {
    let first = next_word(spec);
    if let Some((word, rest)) = first {
        if word.eq_ignore_ascii_case("PATTERN") {
            let (dest, pattern) = next_word(rest).ok_or(SpecError::MissingDestination)?;
            let destination = if dest.eq_ignore_ascii_case("any") {
                None
            } else {
                Some(
                    Destination::parse(dest)
                        .ok_or_else(|| SpecError::UnknownDestination(dest.to_string()))?,
                )
            };
            return Ok(Spec::Pattern {
                destination,
                pattern: pattern.to_string(),
            });
        }
        if word.eq_ignore_ascii_case("FACILITY") {
            let (name, _) = next_word(rest).ok_or(SpecError::InvalidFacility)?;
            let n = FACILITIES
                .iter()
                .find(|(f, _)| f.eq_ignore_ascii_case(name))
                .map(|(_, n)| *n)
                .ok_or(SpecError::InvalidFacility)?;
            return Ok(Spec::Facility(n));
        }
    }
    let mut module = None;
    let mut destination = None;
    let mut level = None;
    let mut rest = spec;
    while let Some((word, r)) = next_word(rest) {
        rest = r;
        if word.eq_ignore_ascii_case("any") {
            continue;
        }
        if let Some(d) = Destination::parse(word) {
            if destination.replace(d).is_some() {
                return Err(SpecError::MultipleDestinations);
            }
        } else if let Some(l) = Level::parse(word) {
            if level.replace(l).is_some() {
                return Err(SpecError::MultipleLevels);
            }
        } else if let Some(m) = module_lookup(word) {
            if module.replace(m).is_some() {
                return Err(SpecError::MultipleModules);
            }
        } else {
            return Err(SpecError::UnknownWord(word.to_string()));
        }
    }
    Ok(Spec::Levels {
        module,
        destination,
        level: level.unwrap_or(Level::Dbg),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(w: &str) -> Option<String> {
        ["vlog", "jsonrpc", "stream"]
            .into_iter()
            .find(|m| m.eq_ignore_ascii_case(w))
            .map(String::from)
    }

    fn p(s: &str) -> Result<Spec, String> {
        parse_spec(s, lookup).map_err(|e| e.to_string())
    }

    #[test]
    fn level_specs() {
        let all = |module: Option<&str>, destination, level| Spec::Levels {
            module: module.map(String::from),
            destination,
            level,
        };
        assert_eq!(p(""), Ok(all(None, None, Level::Dbg)));
        assert_eq!(p("ANY"), Ok(all(None, None, Level::Dbg)));
        assert_eq!(p("ANY:ANY:ANY"), Ok(all(None, None, Level::Dbg)));
        assert_eq!(p("vlog:dbg"), Ok(all(Some("vlog"), None, Level::Dbg)));
        assert_eq!(
            p("console:off"),
            Ok(all(None, Some(Destination::Console), Level::Off))
        );
        assert_eq!(
            p("JSONRPC,syslog,Warn"),
            Ok(all(Some("jsonrpc"), Some(Destination::Syslog), Level::Warn))
        );
        assert_eq!(p(":info"), Ok(all(None, None, Level::Info)));
        assert_eq!(p("vlog:"), Ok(all(Some("vlog"), None, Level::Dbg)));
    }

    #[test]
    fn level_spec_errors_match_ovs() {
        assert_eq!(
            p("foo:bar"),
            Err("no destination, level, or module \"foo\"".into())
        );
        assert_eq!(
            p("vlog:console:dbg:extra"),
            Err("no destination, level, or module \"extra\"".into())
        );
        assert_eq!(
            p("vlog:console:warn:info"),
            Err("cannot specify multiple levels".into())
        );
        assert_eq!(
            p("jsonrpc:file:emer, stream:syslog:err"),
            Err("cannot specify multiple modules".into())
        );
        assert_eq!(
            p("file:console"),
            Err("cannot specify multiple destinations".into())
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_specs_never_panic(spec in "\\PC{0,40}") {
            let _ = parse_spec(&spec, lookup);
        }
    }

    #[test]
    fn pattern_and_facility_specs() {
        assert_eq!(
            p("PATTERN:console:%d %m|x"),
            Ok(Spec::Pattern {
                destination: Some(Destination::Console),
                pattern: "%d %m|x".into()
            })
        );
        assert_eq!(
            p("pattern:any:xyz"),
            Ok(Spec::Pattern {
                destination: None,
                pattern: "xyz".into()
            })
        );
        assert_eq!(
            p("PATTERN:console"),
            Ok(Spec::Pattern {
                destination: Some(Destination::Console),
                pattern: String::new()
            })
        );
        assert_eq!(p("PATTERN"), Err("missing destination".into()));
        assert_eq!(p("PATTERN:xx:%m"), Err("unknown destination \"xx\"".into()));
        assert_eq!(p("FACILITY:local3"), Ok(Spec::Facility(19)));
        assert_eq!(p("FACILITY"), Err("invalid facility".into()));
        assert_eq!(p("FACILITY:foo"), Err("invalid facility".into()));
    }
}
