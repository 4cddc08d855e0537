//! Connections to an OpenFlow switch, the way `ovs-ofctl` makes them.
//!
//! A *target* is what the user typed as the command's first argument:
//!
//! * `unix:PATH` and `tcp:IP[:PORT]` (port 6653 by default, with the warning OVS logs when the
//!   port is left out) are opened directly; any other `TYPE:` prefix (including `ssl:`, which
//!   this implementation does not offer yet) fails like an unsupported stream type in OVS;
//! * anything else is tried, in order, as a Unix socket path, as `$OVS_RUNDIR/NAME.mgmt`
//!   (rundir `/var/run/openvswitch` by default) and as the same for the datapath part of a
//!   `TYPE@NAME` name; a missing file moves on to the next candidate, any other error is fatal,
//!   and when every candidate is missing the error is OVS's `NAME is not a bridge or a socket`.
//!
//! Once the stream is open, hellos are exchanged: ours advertises the versions allowed by
//! `-O` (a version bitmap, header version = the highest one) and the agreed version is the
//! highest both sides allow ([`openflow::msgs::hello::negotiate`]); failure is reported as
//! `NAME: failed to connect to socket (Protocol error)`.
//!
//! Transaction ids come from one counter per process ([`Xids`]) shared by every connection,
//! starting at 1 with the first hello, exactly as OVS allocates them, because `ovs-ofctl`
//! prints the ids of the replies and scripts (and our differential test) see them.
//!
//! Receiving answers echo requests on the spot and otherwise returns whole messages; callers
//! match transaction ids ([`Vconn::transact`], [`Vconn::transact_noreply`],
//! [`Vconn::recv_xid`]).

use crate::Fatal;
use openflow::msgs::hello::{self, Hello};
use openflow::{Header, Message, OfpMsg, Version};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;

/// The process-wide transaction id counter.
#[derive(Debug, Clone)]
pub struct Xids {
    next: u32,
}

impl Default for Xids {
    fn default() -> Self {
        Xids { next: 1 }
    }
}

impl Xids {
    /// The next transaction id.
    pub fn alloc(&mut self) -> u32 {
        let x = self.next;
        self.next = self.next.wrapping_add(1);
        x
    }
}

/// The byte stream under a connection.
enum Io {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Io {
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Io::Unix(s) => s.write_all(b),
            Io::Tcp(s) => s.write_all(b),
        }
    }

    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Io::Unix(s) => s.read(b),
            Io::Tcp(s) => s.read(b),
        }
    }
}

/// An open, negotiated OpenFlow connection.
pub struct Vconn {
    /// The connection's name as OVS shows it (`unix:/run/br0.mgmt`).
    pub name: String,
    /// The negotiated version.
    pub version: Version,
    io: Io,
    buf: Vec<u8>,
}

/// The C library's text for an I/O error.
pub fn strerror(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return "End of file".into();
    }
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// One log line in OVS's format (`2026-01-02T03:04:05Z|00001|module|LEVEL|text`), written to
/// standard error.
pub fn log(seq: &mut u32, module: &str, level: &str, text: &str) {
    *seq += 1;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    eprintln!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z|{:05}|{module}|{level}|{text}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        *seq
    );
}

/// Where a target leads.
enum Open {
    Stream(Io, String),
    Missing,
}

fn open_unix(path: &str) -> Result<Open, std::io::Error> {
    match UnixStream::connect(path) {
        Ok(s) => Ok(Open::Stream(Io::Unix(s), format!("unix:{path}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Open::Missing),
        Err(e) => Err(e),
    }
}

/// Opens `name` as an explicit `TYPE:ARGS` connection string.
fn open_explicit(name: &str, logseq: &mut u32) -> Result<(Io, String), Fatal> {
    let fail = |e: std::io::Error| Fatal(format!("connecting to {name} ({})", strerror(&e)));
    let unsupported = || {
        Fatal(format!(
            "connecting to {name} (Address family not supported by protocol)"
        ))
    };
    let (kind, rest) = name.split_once(':').unwrap_or((name, ""));
    match kind {
        "unix" => UnixStream::connect(rest)
            .map(|s| (Io::Unix(s), name.to_string()))
            .map_err(fail),
        "tcp" => {
            let (host, port) = split_host_port(rest);
            let port = match port {
                Some(p) => p
                    .parse::<u16>()
                    .map_err(|_| Fatal(format!("connecting to {name} (Invalid argument)")))?,
                None => {
                    log(
                        logseq,
                        "stream",
                        "WARN",
                        "The default OpenFlow port number has changed from 6633 to 6653",
                    );
                    6653
                }
            };
            let ip: std::net::IpAddr = host
                .parse()
                .map_err(|_| Fatal(format!("connecting to {name} (Invalid argument)")))?;
            TcpStream::connect((ip, port))
                .map(|s| {
                    let _ = s.set_nodelay(true);
                    (Io::Tcp(s), name.to_string())
                })
                .map_err(fail)
        }
        "ssl" => {
            log(
                logseq,
                "stream_ssl",
                "ERR",
                "Private key must be configured to use SSL",
            );
            log(
                logseq,
                "stream_ssl",
                "ERR",
                "Certificate must be configured to use SSL",
            );
            log(
                logseq,
                "stream_ssl",
                "ERR",
                "CA certificate must be configured to use SSL",
            );
            Err(Fatal(format!(
                "connecting to {name} (Protocol not available)"
            )))
        }
        _ => Err(unsupported()),
    }
}

/// Splits `IP[:PORT]` (IPv6 in brackets).
fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(r) = s.strip_prefix('[') {
        if let Some((h, p)) = r.split_once(']') {
            return (h, p.strip_prefix(':'));
        }
    }
    match s.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    }
}

/// The run directory (`$OVS_RUNDIR`, default `/var/run/openvswitch`).
pub fn rundir() -> String {
    std::env::var("OVS_RUNDIR").unwrap_or_else(|_| "/var/run/openvswitch".into())
}

impl Vconn {
    /// Opens `target` (see the module docs) for `suffix` (`mgmt` or `snoop`) and negotiates
    /// a version among `versions`.
    pub fn open(
        target: &str,
        suffix: &str,
        versions: &[Version],
        xids: &mut Xids,
        logseq: &mut u32,
    ) -> Result<Vconn, Fatal> {
        let (io, name) = if target.contains(':') {
            open_explicit(target, logseq)?
        } else {
            let dp = target.split_once('@').map_or(target, |(_, n)| n);
            let candidates = [
                target.to_string(),
                format!("{}/{target}.{suffix}", rundir()),
                format!("{}/{dp}.{suffix}", rundir()),
            ];
            let mut found = None;
            for c in &candidates {
                match open_unix(c) {
                    Ok(Open::Stream(io, n)) => {
                        found = Some((io, n));
                        break;
                    }
                    Ok(Open::Missing) => {}
                    Err(e) => {
                        return Err(Fatal(format!(
                            "{c}: failed to open socket ({})",
                            strerror(&e)
                        )))
                    }
                }
            }
            found.ok_or_else(|| Fatal(format!("{target} is not a bridge or a socket")))?
        };
        let top = versions.iter().copied().max().unwrap_or(Version::Of10);
        let mut v = Vconn {
            name,
            version: top,
            io,
            buf: Vec::new(),
        };
        let connect_err = |e: &str| Fatal(format!("{target}: failed to connect to socket ({e})"));
        let hello = OfpMsg::new(
            top,
            xids.alloc(),
            Message::Hello(Hello::with_versions(versions)),
        );
        v.send(&hello).map_err(|e| connect_err(&e))?;
        let reply = v.recv_raw().map_err(|e| connect_err(&e))?;
        let h = Header::parse(&reply).map_err(|_| connect_err("Protocol error"))?;
        let peer = match OfpMsg::decode(&reply) {
            Ok(OfpMsg {
                body: Message::Hello(p),
                ..
            }) => p,
            _ => return Err(connect_err("Protocol error")),
        };
        let ours = versions.iter().fold(0u32, |b, x| b | (1 << x.wire()));
        match hello::negotiate(ours, &peer, h.version) {
            Ok(ver) => v.version = ver,
            Err(_) => return Err(connect_err("Protocol error")),
        }
        Ok(v)
    }

    /// Sends one message.
    pub fn send(&mut self, m: &OfpMsg) -> Result<(), String> {
        let bytes = m.encode().map_err(|e| e.to_string())?;
        self.send_bytes(&bytes)
    }

    /// Sends encoded bytes.
    pub fn send_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.io.write_all(bytes).map_err(|e| strerror(&e))
    }

    /// Receives the next message's bytes, whatever it is.
    fn recv_raw(&mut self) -> Result<Vec<u8>, String> {
        loop {
            match openflow::frame(&self.buf, openflow::MAX_MSG_LEN) {
                Ok(Some(n)) => {
                    let rest = self.buf.split_off(n);
                    return Ok(std::mem::replace(&mut self.buf, rest));
                }
                Ok(None) => {}
                Err(_) => return Err("Protocol error".into()),
            }
            let mut chunk = [0u8; 65536];
            match self.io.read(&mut chunk) {
                Ok(0) => return Err("End of file".into()),
                Ok(n) => self
                    .buf
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(strerror(&e)),
            }
        }
    }

    /// Receives the next message that is not an echo request (those are answered).
    pub fn recv(&mut self) -> Result<Vec<u8>, String> {
        loop {
            let m = self.recv_raw()?;
            if let Ok(msg) = OfpMsg::decode(&m) {
                if let Some(reply) = msg.echo_reply() {
                    self.send(&reply)?;
                    continue;
                }
            }
            return Ok(m);
        }
    }

    /// Receives until a message with transaction id `xid` arrives.
    pub fn recv_xid(&mut self, xid: u32) -> Result<Vec<u8>, String> {
        loop {
            let m = self.recv()?;
            if Header::parse(&m).is_ok_and(|h| h.xid == xid) {
                return Ok(m);
            }
        }
    }

    /// Sends `m` and waits for the message with its transaction id.
    pub fn transact(&mut self, m: &OfpMsg) -> Result<Vec<u8>, String> {
        self.send(m)?;
        self.recv_xid(m.xid)
    }

    /// Sends `m` and a barrier request; returns the reply to `m` if one arrives before the
    /// barrier reply (normally an error), as OVS's `vconn_transact_noreply`.
    pub fn transact_noreply(
        &mut self,
        m: &OfpMsg,
        xids: &mut Xids,
    ) -> Result<Option<Vec<u8>>, String> {
        self.send(m)?;
        let barrier = OfpMsg::new(self.version, xids.alloc(), Message::BarrierRequest);
        self.send(&barrier)?;
        let mut reply = None;
        loop {
            let got = self.recv()?;
            let x = Header::parse(&got).map_or(0, |h| h.xid);
            if x == m.xid {
                reply = Some(got);
            } else if x == barrier.xid {
                return Ok(reply);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port() {
        assert_eq!(split_host_port("1.2.3.4:99"), ("1.2.3.4", Some("99")));
        assert_eq!(split_host_port("1.2.3.4"), ("1.2.3.4", None));
        assert_eq!(split_host_port("[::1]:5"), ("::1", Some("5")));
    }

    #[test]
    fn xids_count_from_one() {
        let mut x = Xids::default();
        assert_eq!((x.alloc(), x.alloc()), (1, 2));
    }
}
