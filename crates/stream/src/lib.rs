//! Byte streams for Open vSwitch connection addresses.
//!
//! * [`address`] — parsing and printing `unix:`, `punix:`, `tcp:`, `ptcp:`,
//!   `ssl:` and `pssl:` addresses;
//! * [`tls`] — rustls configuration with OVS's mutual-authentication,
//!   CA-only trust model and CA bootstrap;
//! * this module — [`connect`] (active) and [`listen`] / [`Listener::accept`]
//!   (passive) on tokio, yielding a [`BoxedStream`]
//!   (`AsyncRead + AsyncWrite + Unpin + Send`) whatever the transport, so
//!   JSON-RPC and OpenFlow code never care which one they run over.
//!
//! Relative unix socket paths are resolved against the caller's run
//! directory ([`Context::run_dir`]). `ssl:`/`pssl:` need
//! [`Context::tls`]. Accepting is split in two steps: [`Listener::accept`]
//! returns as soon as a socket is accepted, and [`Incoming::establish`]
//! runs the (possibly slow) TLS handshake, so a server can spawn it and
//! keep accepting. A `punix:` listener removes a stale socket file before
//! binding and deletes its socket when dropped.

pub mod address;
pub mod tls;

pub use address::{Address, AddressError, OPENFLOW_PORT, OVSDB_PORT};
pub use tls::{TlsError, TlsFiles};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Object-safe union of the traits a connection needs.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A connected byte stream of any transport.
pub type BoxedStream = Box<dyn Io>;

/// Environment for opening streams.
#[derive(Debug, Clone)]
pub struct Context {
    /// Directory against which relative unix socket paths are resolved.
    pub run_dir: PathBuf,
    /// SSL files, required for `ssl:` and `pssl:`.
    pub tls: Option<TlsFiles>,
}

impl Context {
    /// A context with `run_dir` and no SSL.
    pub fn new(run_dir: impl Into<PathBuf>) -> Self {
        Context {
            run_dir: run_dir.into(),
            tls: None,
        }
    }
}

/// Connection errors. Display is what a log line says.
#[derive(Debug, Error)]
pub enum StreamError {
    /// System call failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// TLS configuration or bootstrap problem.
    #[error("{0}")]
    Tls(#[from] TlsError),
    /// TLS handshake failure.
    #[error("SSL handshake failed: {0}")]
    Handshake(std::io::Error),
    /// `ssl:`/`pssl:` without SSL files.
    #[error("Private key, certificate and CA certificate must be configured to use SSL")]
    TlsNotConfigured,
    /// Host name did not resolve.
    #[error("{0}: host name lookup failed")]
    Resolve(String),
    /// An active address passed to `listen` or vice versa.
    #[error("{0}: wrong kind of address for this operation")]
    WrongKind(String),
}

fn ensure_tls(ctx: &Context) -> Result<&TlsFiles, StreamError> {
    ctx.tls.as_ref().ok_or(StreamError::TlsNotConfigured)
}

async fn tcp_connect(host: &str, port: u16) -> Result<TcpStream, StreamError> {
    let stream = match host.parse::<IpAddr>() {
        Ok(ip) => TcpStream::connect(SocketAddr::new(ip, port)).await?,
        Err(_) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| StreamError::Resolve(host.to_string()))?
                .collect();
            let mut last = None;
            let mut found = None;
            for a in addrs {
                match TcpStream::connect(a).await {
                    Ok(s) => {
                        found = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match (found, last) {
                (Some(s), _) => s,
                (None, Some(e)) => return Err(e.into()),
                (None, None) => return Err(StreamError::Resolve(host.to_string())),
            }
        }
    };
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Opens an active connection (`unix:`, `tcp:`, `ssl:`).
pub async fn connect(addr: &Address, ctx: &Context) -> Result<BoxedStream, StreamError> {
    match addr {
        Address::Unix(_) => {
            let path = addr.unix_path(&ctx.run_dir).unwrap_or_default();
            Ok(Box::new(UnixStream::connect(path).await?))
        }
        Address::Tcp { host, port } => Ok(Box::new(tcp_connect(host, *port).await?)),
        Address::Ssl { host, port } => {
            let files = ensure_tls(ctx)?;
            let setup = tls::client_config(files)?;
            let tcp = tcp_connect(host, *port).await?;
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .or_else(|_| rustls::pki_types::ServerName::try_from("ovs".to_string()))
                .map_err(|e| StreamError::Resolve(e.to_string()))?;
            match setup {
                tls::ClientSetup::Verified(config) => {
                    let s = TlsConnector::from(config)
                        .connect(name, tcp)
                        .await
                        .map_err(StreamError::Handshake)?;
                    Ok(Box::new(s))
                }
                tls::ClientSetup::Bootstrap(config, captured) => {
                    let s = TlsConnector::from(config)
                        .connect(name, tcp)
                        .await
                        .map_err(StreamError::Handshake)?;
                    let chain = captured.lock().map(|c| c.clone()).unwrap_or_default();
                    tls::finish_bootstrap(files, &chain)?;
                    Ok(Box::new(s))
                }
            }
        }
        other => Err(StreamError::WrongKind(other.to_string())),
    }
}

enum ListenerKind {
    Unix(UnixListener, PathBuf),
    Tcp(TcpListener),
    Ssl(TcpListener, TlsAcceptor),
}

/// A passive (listening) endpoint.
pub struct Listener {
    kind: ListenerKind,
    n_accepted: u64,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Listener({})", self.local_address())
    }
}

/// Binds a passive address (`punix:`, `ptcp:`, `pssl:`).
pub async fn listen(addr: &Address, ctx: &Context) -> Result<Listener, StreamError> {
    let kind = match addr {
        Address::PUnix(_) => {
            let path = addr.unix_path(&ctx.run_dir).unwrap_or_default();
            if std::fs::symlink_metadata(&path).is_ok() {
                let _ = std::fs::remove_file(&path);
            }
            ListenerKind::Unix(UnixListener::bind(&path)?, path)
        }
        Address::PTcp { port, ip } => ListenerKind::Tcp(
            TcpListener::bind(SocketAddr::new(
                ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                *port,
            ))
            .await?,
        ),
        Address::PSsl { port, ip } => {
            let config = tls::server_config(ensure_tls(ctx)?)?;
            let l = TcpListener::bind(SocketAddr::new(
                ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                *port,
            ))
            .await?;
            ListenerKind::Ssl(l, TlsAcceptor::from(config))
        }
        other => return Err(StreamError::WrongKind(other.to_string())),
    };
    Ok(Listener {
        kind,
        n_accepted: 0,
    })
}

/// An accepted connection whose (TLS) set-up may still be pending.
pub struct Incoming {
    inner: IncomingKind,
    peer: String,
}

enum IncomingKind {
    Ready(BoxedStream),
    Tls(TcpStream, TlsAcceptor),
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Incoming({})", self.peer)
    }
}

impl Incoming {
    /// Peer name as OVS logs it: `unix#N`, `tcp:IP:PORT` or `ssl:IP:PORT`.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Completes set-up (the TLS handshake for `pssl:`).
    pub async fn establish(self) -> Result<BoxedStream, StreamError> {
        match self.inner {
            IncomingKind::Ready(s) => Ok(s),
            IncomingKind::Tls(tcp, acceptor) => {
                let s = acceptor.accept(tcp).await.map_err(StreamError::Handshake)?;
                Ok(Box::new(s))
            }
        }
    }
}

fn peer_name(method: &str, addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => format!("{method}:{ip}:{}", addr.port()),
        IpAddr::V6(ip) => format!("{method}:[{ip}]:{}", addr.port()),
    }
}

impl Listener {
    /// Waits for the next connection.
    pub async fn accept(&mut self) -> Result<Incoming, StreamError> {
        let n = self.n_accepted;
        let incoming = match &self.kind {
            ListenerKind::Unix(l, _) => {
                let (s, _) = l.accept().await?;
                Incoming {
                    inner: IncomingKind::Ready(Box::new(s)),
                    peer: format!("unix#{n}"),
                }
            }
            ListenerKind::Tcp(l) => {
                let (s, a) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Incoming {
                    inner: IncomingKind::Ready(Box::new(s)),
                    peer: peer_name("tcp", a),
                }
            }
            ListenerKind::Ssl(l, acceptor) => {
                let (s, a) = l.accept().await?;
                let _ = s.set_nodelay(true);
                Incoming {
                    inner: IncomingKind::Tls(s, acceptor.clone()),
                    peer: peer_name("ssl", a),
                }
            }
        };
        self.n_accepted += 1;
        Ok(incoming)
    }

    /// The address actually bound (with the real port for `ptcp:0`).
    pub fn local_address(&self) -> Address {
        let inet = |l: &TcpListener| {
            l.local_addr()
                .map(|a| (a.port(), Some(a.ip())))
                .unwrap_or((0, None))
        };
        match &self.kind {
            ListenerKind::Unix(_, p) => Address::PUnix(p.clone()),
            ListenerKind::Tcp(l) => {
                let (port, ip) = inet(l);
                Address::PTcp { port, ip }
            }
            ListenerKind::Ssl(l, _) => {
                let (port, ip) = inet(l);
                Address::PSsl { port, ip }
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let ListenerKind::Unix(_, path) = &self.kind {
            let _ = std::fs::remove_file(path);
        }
    }
}
