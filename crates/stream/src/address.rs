//! Open vSwitch connection-address syntax.
//!
//! Daemons and clients name their connections with strings such as
//! `unix:/var/run/openvswitch/db.sock`, `tcp:192.0.2.1:6640` or
//! `pssl:6640:[::1]`. Active forms (`unix:`, `tcp:`, `ssl:`) connect to a
//! peer; passive forms (`punix:`, `ptcp:`, `pssl:`) listen:
//!
//! | form | meaning |
//! |---|---|
//! | `unix:PATH` / `punix:PATH` | unix socket; a relative PATH is resolved against the run directory |
//! | `tcp:HOST[:PORT]` / `ssl:HOST[:PORT]` | connect; HOST is a name, IPv4 address or `[IPv6]` |
//! | `ptcp:[PORT][:IP]` / `pssl:[PORT][:IP]` | listen on PORT (0 = any free port), optionally only on IP (`[IPv6]` or bare IPv6) |
//!
//! A missing port takes the caller's default (6640 for OVSDB, 6653 for
//! OpenFlow); without a default it is an error. `ptcp:` without an IP
//! listens on all IPv4 addresses (`0.0.0.0`), as OVS does.
//!
//! [`Address`] parses (`FromStr`-like [`Address::parse`]) and prints
//! (`Display`) these forms; printing always writes the port and brackets
//! IPv6 addresses, so `Display` output parses back to the same value.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Default OVSDB port.
pub const OVSDB_PORT: u16 = 6640;
/// Default OpenFlow port.
pub const OPENFLOW_PORT: u16 = 6653;

/// A parsed connection address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `unix:PATH`
    Unix(PathBuf),
    /// `punix:PATH`
    PUnix(PathBuf),
    /// `tcp:HOST:PORT`
    Tcp {
        /// Host name or IP address (without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// `ssl:HOST:PORT`
    Ssl {
        /// Host name or IP address (without brackets).
        host: String,
        /// Port.
        port: u16,
    },
    /// `ptcp:PORT[:IP]`
    PTcp {
        /// Port (0 = ephemeral).
        port: u16,
        /// Bind address; None = all IPv4 addresses.
        ip: Option<IpAddr>,
    },
    /// `pssl:PORT[:IP]`
    PSsl {
        /// Port (0 = ephemeral).
        port: u16,
        /// Bind address; None = all IPv4 addresses.
        ip: Option<IpAddr>,
    },
}

/// Why an address string is not valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    /// The part before the first colon is not a known method.
    #[error("{0}: unknown connection method")]
    UnknownMethod(String),
    /// `unix:` / `punix:` with an empty path.
    #[error("{0}: missing socket path")]
    EmptyPath(String),
    /// No host in an active TCP/SSL address.
    #[error("{0}: host must be specified")]
    MissingHost(String),
    /// No port and no default.
    #[error("{0}: port must be specified")]
    MissingPort(String),
    /// Port is not a number in 0..=65535 (or 0 for an active address).
    #[error("{0}: bad port number \"{1}\"")]
    BadPort(String, String),
    /// Malformed host part (unbalanced brackets, bad IPv6).
    #[error("{0}: bad host \"{1}\"")]
    BadHost(String, String),
    /// Malformed IP address in a passive address.
    #[error("{0}: bad IP address \"{1}\"")]
    BadIp(String, String),
}

fn parse_port(
    whole: &str,
    s: Option<&str>,
    default: Option<u16>,
    allow_zero: bool,
) -> Result<u16, AddressError> {
    match s.filter(|p| !p.is_empty()) {
        None => default.ok_or_else(|| AddressError::MissingPort(whole.to_string())),
        Some(p) => match p.parse::<u16>() {
            Ok(0) if !allow_zero => Err(AddressError::BadPort(whole.to_string(), p.to_string())),
            Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(AddressError::BadPort(whole.to_string(), p.to_string())),
        },
    }
}

/// Splits `HOST[:PORT]` where HOST may be `[v6]`.
fn split_host_port<'a>(
    whole: &str,
    s: &'a str,
) -> Result<(&'a str, Option<&'a str>), AddressError> {
    if let Some(rest) = s.strip_prefix('[') {
        let close = rest
            .find(']')
            .ok_or_else(|| AddressError::BadHost(whole.to_string(), s.to_string()))?;
        let host = rest.get(..close).unwrap_or("");
        let after = rest.get(close + 1..).unwrap_or("");
        if after.is_empty() {
            return Ok((host, None));
        }
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| AddressError::BadHost(whole.to_string(), s.to_string()))?;
        return Ok((host, Some(port)));
    }
    match s.split_once(':') {
        Some((h, p)) => Ok((h, Some(p))),
        None => Ok((s, None)),
    }
}

fn parse_active(
    whole: &str,
    rest: &str,
    default: Option<u16>,
) -> Result<(String, u16), AddressError> {
    let (host, port) = split_host_port(whole, rest)?;
    if host.is_empty() {
        return Err(AddressError::MissingHost(whole.to_string()));
    }
    if rest.starts_with('[') && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(AddressError::BadHost(whole.to_string(), host.to_string()));
    }
    let port = parse_port(whole, port, default, false)?;
    Ok((host.to_string(), port))
}

fn parse_passive(
    whole: &str,
    rest: &str,
    default: Option<u16>,
) -> Result<(u16, Option<IpAddr>), AddressError> {
    let (port, ip) = match rest.split_once(':') {
        Some((p, ip)) => (p, Some(ip)),
        None => (rest, None),
    };
    let port = parse_port(whole, Some(port), default, true)?;
    let ip = match ip.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let bare = s
                .strip_prefix('[')
                .and_then(|x| x.strip_suffix(']'))
                .unwrap_or(s);
            Some(
                bare.parse::<IpAddr>()
                    .map_err(|_| AddressError::BadIp(whole.to_string(), s.to_string()))?,
            )
        }
    };
    Ok((port, ip))
}

impl Address {
    /// Parses `s`, using `default_port` where a port may be omitted.
    pub fn parse(s: &str, default_port: Option<u16>) -> Result<Address, AddressError> {
        let (method, rest) = s
            .split_once(':')
            .ok_or_else(|| AddressError::UnknownMethod(s.to_string()))?;
        match method {
            "unix" | "punix" => {
                if rest.is_empty() {
                    return Err(AddressError::EmptyPath(s.to_string()));
                }
                let p = PathBuf::from(rest);
                Ok(if method == "unix" {
                    Address::Unix(p)
                } else {
                    Address::PUnix(p)
                })
            }
            "tcp" => {
                let (host, port) = parse_active(s, rest, default_port)?;
                Ok(Address::Tcp { host, port })
            }
            "ssl" => {
                let (host, port) = parse_active(s, rest, default_port)?;
                Ok(Address::Ssl { host, port })
            }
            "ptcp" => {
                let (port, ip) = parse_passive(s, rest, default_port)?;
                Ok(Address::PTcp { port, ip })
            }
            "pssl" => {
                let (port, ip) = parse_passive(s, rest, default_port)?;
                Ok(Address::PSsl { port, ip })
            }
            _ => Err(AddressError::UnknownMethod(s.to_string())),
        }
    }

    /// True for the listening forms.
    pub fn is_passive(&self) -> bool {
        matches!(
            self,
            Address::PUnix(_) | Address::PTcp { .. } | Address::PSsl { .. }
        )
    }

    /// True for `ssl:` and `pssl:`.
    pub fn is_ssl(&self) -> bool {
        matches!(self, Address::Ssl { .. } | Address::PSsl { .. })
    }

    /// The socket path for unix forms, resolved against `run_dir` when
    /// relative.
    pub fn unix_path(&self, run_dir: &Path) -> Option<PathBuf> {
        match self {
            Address::Unix(p) | Address::PUnix(p) => Some(if p.is_absolute() {
                p.clone()
            } else {
                run_dir.join(p)
            }),
            _ => None,
        }
    }
}

fn fmt_host(f: &mut fmt::Formatter<'_>, host: &str) -> fmt::Result {
    if host.contains(':') {
        write!(f, "[{host}]")
    } else {
        f.write_str(host)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "unix:{}", p.display()),
            Address::PUnix(p) => write!(f, "punix:{}", p.display()),
            Address::Tcp { host, port } | Address::Ssl { host, port } => {
                f.write_str(if matches!(self, Address::Tcp { .. }) {
                    "tcp:"
                } else {
                    "ssl:"
                })?;
                fmt_host(f, host)?;
                write!(f, ":{port}")
            }
            Address::PTcp { port, ip } | Address::PSsl { port, ip } => {
                let m = if matches!(self, Address::PTcp { .. }) {
                    "ptcp"
                } else {
                    "pssl"
                };
                write!(f, "{m}:{port}")?;
                match ip {
                    None => Ok(()),
                    Some(IpAddr::V4(a)) => write!(f, ":{a}"),
                    Some(IpAddr::V6(a)) => write!(f, ":[{a}]"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Address, String> {
        Address::parse(s, Some(OVSDB_PORT)).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(
            p("unix:/run/db.sock"),
            Ok(Address::Unix("/run/db.sock".into()))
        );
        assert_eq!(p("punix:db.sock"), Ok(Address::PUnix("db.sock".into())));
        assert_eq!(
            p("tcp:192.0.2.1:6641"),
            Ok(Address::Tcp {
                host: "192.0.2.1".into(),
                port: 6641
            })
        );
        assert_eq!(
            p("tcp:192.0.2.1"),
            Ok(Address::Tcp {
                host: "192.0.2.1".into(),
                port: 6640
            })
        );
        assert_eq!(
            p("ssl:[::1]:6653"),
            Ok(Address::Ssl {
                host: "::1".into(),
                port: 6653
            })
        );
        assert_eq!(
            p("ssl:[fe80::1]"),
            Ok(Address::Ssl {
                host: "fe80::1".into(),
                port: 6640
            })
        );
        assert_eq!(
            p("tcp:ovsdb.example:1"),
            Ok(Address::Tcp {
                host: "ovsdb.example".into(),
                port: 1
            })
        );
        assert_eq!(
            p("ptcp:"),
            Ok(Address::PTcp {
                port: 6640,
                ip: None
            })
        );
        assert_eq!(p("ptcp:0"), Ok(Address::PTcp { port: 0, ip: None }));
        assert_eq!(
            p("ptcp:6640:127.0.0.1"),
            Ok(Address::PTcp {
                port: 6640,
                ip: Some("127.0.0.1".parse().unwrap())
            })
        );
        assert_eq!(
            p("pssl:6640:[::1]"),
            Ok(Address::PSsl {
                port: 6640,
                ip: Some("::1".parse().unwrap())
            })
        );
        assert_eq!(
            p("pssl::::1"),
            Ok(Address::PSsl {
                port: 6640,
                ip: Some("::1".parse().unwrap())
            })
        );
        assert_eq!(
            p("ptcp::10.0.0.1"),
            Ok(Address::PTcp {
                port: 6640,
                ip: Some("10.0.0.1".parse().unwrap())
            })
        );
    }

    #[test]
    fn rejects_bad_addresses() {
        assert_eq!(
            p("foo:bar"),
            Err("foo:bar: unknown connection method".into())
        );
        assert_eq!(
            p("nocolon"),
            Err("nocolon: unknown connection method".into())
        );
        assert_eq!(p("unix:"), Err("unix:: missing socket path".into()));
        assert_eq!(p("tcp:"), Err("tcp:: host must be specified".into()));
        assert_eq!(
            p("tcp::6640"),
            Err("tcp::6640: host must be specified".into())
        );
        assert_eq!(
            p("tcp:1.2.3.4:99999"),
            Err("tcp:1.2.3.4:99999: bad port number \"99999\"".into())
        );
        assert_eq!(
            p("tcp:1.2.3.4:0"),
            Err("tcp:1.2.3.4:0: bad port number \"0\"".into())
        );
        assert_eq!(
            p("tcp:1.2.3.4:+5"),
            Err("tcp:1.2.3.4:+5: bad port number \"+5\"".into())
        );
        assert_eq!(p("tcp:[::1"), Err("tcp:[::1: bad host \"[::1\"".into()));
        assert_eq!(
            p("tcp:[nothex]:1"),
            Err("tcp:[nothex]:1: bad host \"nothex\"".into())
        );
        assert_eq!(p("ptcp:x"), Err("ptcp:x: bad port number \"x\"".into()));
        assert_eq!(
            p("ptcp:1:999.1.1.1"),
            Err("ptcp:1:999.1.1.1: bad IP address \"999.1.1.1\"".into())
        );
        assert_eq!(
            Address::parse("tcp:1.2.3.4", None).unwrap_err().to_string(),
            "tcp:1.2.3.4: port must be specified"
        );
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "unix:/a/b",
            "punix:rel.sock",
            "tcp:127.0.0.1:6640",
            "ssl:[::1]:6653",
            "tcp:host.example:1",
            "ptcp:6640",
            "ptcp:0:127.0.0.1",
            "pssl:6653:[::1]",
        ] {
            let a = Address::parse(s, None).unwrap();
            assert_eq!(a.to_string(), s);
            assert_eq!(Address::parse(&a.to_string(), None).unwrap(), a);
        }
        assert_eq!(p("pssl::::1").unwrap().to_string(), "pssl:6640:[::1]");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_strings_never_panic_and_round_trip(
            s in "(unix|punix|tcp|ptcp|ssl|pssl|x)?:?[\\[\\]:0-9a-f.]{0,24}",
            default in proptest::option::of(proptest::prelude::any::<u16>()),
        ) {
            if let Ok(a) = Address::parse(&s, default) {
                let printed = a.to_string();
                proptest::prop_assert_eq!(Address::parse(&printed, None), Ok(a));
            }
        }
    }

    #[test]
    fn unix_paths_resolve_against_run_dir() {
        let rd = Path::new("/run/ovs");
        assert_eq!(
            p("unix:db.sock").unwrap().unix_path(rd),
            Some(PathBuf::from("/run/ovs/db.sock"))
        );
        assert_eq!(
            p("punix:/abs.sock").unwrap().unix_path(rd),
            Some(PathBuf::from("/abs.sock"))
        );
        assert_eq!(p("tcp:a:1").unwrap().unix_path(rd), None);
    }
}
