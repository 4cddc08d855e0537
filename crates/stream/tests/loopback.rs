//! Real sockets: unix sockets in temp dirs, TCP and TLS on 127.0.0.1/::1
//! with certificates generated at test time (rcgen).

mod common;

use common::Pki;
use std::path::PathBuf;
use stream::{connect, listen, Address, Context, StreamError, TlsFiles};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn ping_pong(
    listen_addr: &Address,
    server_ctx: Context,
    client_ctx: Context,
) -> Result<(), StreamError> {
    let mut listener = listen(listen_addr, &server_ctx).await?;
    let bound = listener.local_address();
    let target = match &bound {
        Address::PUnix(p) => Address::Unix(p.clone()),
        Address::PTcp { port, ip } => Address::Tcp {
            host: ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "127.0.0.1".into()),
            port: *port,
        },
        Address::PSsl { port, ip } => Address::Ssl {
            host: ip
                .map(|i| i.to_string())
                .unwrap_or_else(|| "127.0.0.1".into()),
            port: *port,
        },
        other => panic!("unexpected {other}"),
    };
    let server = tokio::spawn(async move {
        let incoming = listener.accept().await?;
        let peer = incoming.peer().to_string();
        let mut s = incoming.establish().await?;
        let mut buf = [0u8; 4];
        s.read_exact(&mut buf).await?;
        s.write_all(b"pong").await?;
        s.flush().await?;
        assert_eq!(&buf, b"ping");
        Ok::<String, StreamError>(peer)
    });
    let client = async {
        let mut c = connect(&target, &client_ctx).await?;
        c.write_all(b"ping").await?;
        c.flush().await?;
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"pong");
        Ok::<(), StreamError>(())
    };
    let client_result = client.await;
    let server_result = server.await.expect("server task");
    client_result?;
    let peer = server_result?;
    assert!(!peer.is_empty());
    Ok(())
}

#[tokio::test]
async fn unix_relative_to_run_dir() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::new(dir.path());
    let addr = Address::parse("punix:test.sock", None).unwrap();
    ping_pong(&addr, ctx.clone(), ctx).await.unwrap();
    // The listener removed its socket on drop.
    assert!(!dir.path().join("test.sock").exists());
}

#[tokio::test]
async fn tcp_ipv4_and_ipv6_loopback() {
    let ctx = Context::new("/nonexistent");
    let v4 = Address::parse("ptcp:0:127.0.0.1", None).unwrap();
    ping_pong(&v4, ctx.clone(), ctx.clone()).await.unwrap();
    let v6 = Address::parse("ptcp:0:[::1]", None).unwrap();
    match ping_pong(&v6, ctx.clone(), ctx).await {
        Ok(()) => {}
        // Hosts without IPv6 loopback cannot run this half.
        Err(StreamError::Io(e)) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {}
        Err(e) => panic!("{e}"),
    }
}

#[tokio::test]
async fn connect_errors_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = Context::new(dir.path());
    let e = connect(&Address::parse("unix:missing.sock", None).unwrap(), &ctx)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StreamError::Io(ref io) if io.kind() == std::io::ErrorKind::NotFound));
    let e = connect(&Address::parse("ssl:127.0.0.1:1", None).unwrap(), &ctx)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StreamError::TlsNotConfigured));
    let e = listen(&Address::parse("tcp:127.0.0.1:1", None).unwrap(), &ctx)
        .await
        .err()
        .unwrap();
    assert!(matches!(e, StreamError::WrongKind(_)));
}

fn tls_ctx(files: TlsFiles) -> Context {
    Context {
        run_dir: PathBuf::from("/nonexistent"),
        tls: Some(files),
    }
}

#[tokio::test]
async fn ssl_mutual_authentication_succeeds_without_hostname_match() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("test CA");
    let server = pki.issue(dir.path(), "server");
    let client = pki.issue(dir.path(), "client");
    // Connecting to 127.0.0.1 while the certificate names server.example:
    // OVS checks the CA, not the name.
    let addr = Address::parse("pssl:0:127.0.0.1", None).unwrap();
    ping_pong(&addr, tls_ctx(server), tls_ctx(client))
        .await
        .unwrap();
}

#[tokio::test]
async fn ssl_rejects_client_from_another_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("good CA");
    let rogue = Pki::new("rogue CA");
    let server = pki.issue(dir.path(), "server");
    let mut client = rogue.issue(dir.path(), "client");
    // The client trusts the right CA but presents a rogue certificate.
    client.ca_cert = server.ca_cert.clone();
    let addr = Address::parse("pssl:0:127.0.0.1", None).unwrap();
    assert!(ping_pong(&addr, tls_ctx(server), tls_ctx(client))
        .await
        .is_err());
}

#[tokio::test]
async fn ssl_rejects_server_from_another_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("good CA");
    let rogue = Pki::new("rogue CA");
    let mut server = rogue.issue(dir.path(), "server");
    let client = pki.issue(dir.path(), "client");
    server.ca_cert = client.ca_cert.clone();
    let addr = Address::parse("pssl:0:127.0.0.1", None).unwrap();
    match ping_pong(&addr, tls_ctx(server), tls_ctx(client)).await {
        Err(StreamError::Handshake(_)) => {}
        other => panic!("expected handshake failure, got {other:?}"),
    }
}

#[tokio::test]
async fn ssl_without_client_certificate_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("CA");
    let server = pki.issue(dir.path(), "server");
    let mut listener = listen(
        &Address::parse("pssl:0:127.0.0.1", None).unwrap(),
        &tls_ctx(server),
    )
    .await
    .unwrap();
    let port = match listener.local_address() {
        Address::PSsl { port, .. } => port,
        other => panic!("{other}"),
    };
    let srv = tokio::spawn(async move {
        listener
            .accept()
            .await
            .unwrap()
            .establish()
            .await
            .map(|_| ())
    });
    // A plain TCP client speaking garbage instead of TLS.
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    raw.write_all(b"{\"method\":\"echo\"}").await.unwrap();
    assert!(srv.await.unwrap().is_err());
}

#[tokio::test]
async fn bootstrap_ca_cert_on_first_connection() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("bootstrap CA");
    let mut server = pki.issue(dir.path(), "server");
    // The server sends its CA in its chain, as OVS's --peer-ca-cert does.
    server.peer_ca_cert = Some(server.ca_cert.clone());
    let mut client = pki.issue(dir.path(), "client");
    let ca_path = dir.path().join("bootstrapped-cacert.pem");
    client.ca_cert = ca_path.clone();
    client.bootstrap_ca_cert = true;
    let addr = Address::parse("pssl:0:127.0.0.1", None).unwrap();

    ping_pong(&addr, tls_ctx(server.clone()), tls_ctx(client.clone()))
        .await
        .unwrap();
    let saved = std::fs::read_to_string(&ca_path).unwrap();
    assert_eq!(saved.trim(), pki.ca_pem().trim());
    // Second connection verifies against the saved CA.
    ping_pong(&addr, tls_ctx(server), tls_ctx(client.clone()))
        .await
        .unwrap();

    // A server that does not send its CA cannot be bootstrapped from.
    let other = pki.issue(dir.path(), "other");
    let fresh_ca = dir.path().join("fresh-cacert.pem");
    client.ca_cert = fresh_ca.clone();
    match ping_pong(&addr, tls_ctx(other), tls_ctx(client)).await {
        Err(StreamError::Tls(e)) => {
            assert!(
                e.to_string().contains("did not send its CA certificate"),
                "{e}"
            )
        }
        other => panic!("expected bootstrap failure, got {other:?}"),
    }
    assert!(!fresh_ca.exists());
}
