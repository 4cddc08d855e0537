//! Interoperability with Debian's Open vSwitch over every transport:
//!
//! * our `stream::connect` + `jsonrpc::Connection` talk to a private
//!   Debian `ovsdb-server` over `unix:`, `tcp:` and `ssl:` (mutual TLS with
//!   certificates generated here), issuing `list_dbs` and `echo`;
//! * Debian's `ovsdb-client` talks to our `stream::listen` + `jsonrpc`
//!   over `ptcp:` and `pssl:`.
//!
//! Skipped, with a note, when the reference binaries are not installed.

mod common;

use common::Pki;
use jsonrpc::{Config, Connection, Message};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use stream::{connect, listen, Address, Context, TlsFiles};

fn reference_available() -> bool {
    [
        "/usr/sbin/ovsdb-server",
        "/usr/bin/ovsdb-tool",
        "/usr/bin/ovsdb-client",
        "/usr/share/openvswitch/vswitch.ovsschema",
    ]
    .iter()
    .all(|p| Path::new(p).exists())
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

struct Daemon {
    pid: u32,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

fn start_ovsdb_server(dir: &Path, remotes: &[String], tls: &TlsFiles) -> Daemon {
    let db = dir.join("conf.db");
    assert!(Command::new("/usr/bin/ovsdb-tool")
        .arg("create")
        .arg(&db)
        .arg("/usr/share/openvswitch/vswitch.ovsschema")
        .status()
        .unwrap()
        .success());
    let pidfile = dir.join("ovsdb-server.pid");
    let mut cmd = Command::new("/usr/sbin/ovsdb-server");
    cmd.env("OVS_RUNDIR", dir)
        .arg(&db)
        .arg(format!("--pidfile={}", pidfile.display()))
        .arg(format!("--unixctl={}", dir.join("ctl").display()))
        .arg(format!("--log-file={}", dir.join("log").display()))
        .arg(format!("--private-key={}", tls.private_key.display()))
        .arg(format!("--certificate={}", tls.certificate.display()))
        .arg(format!("--ca-cert={}", tls.ca_cert.display()))
        .arg("--no-chdir")
        .arg("--detach");
    for r in remotes {
        cmd.arg(format!("--remote={r}"));
    }
    assert!(cmd.status().unwrap().success());
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    Daemon { pid }
}

async fn connect_with_retry(addr: &Address, ctx: &Context) -> stream::BoxedStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match connect(addr, ctx).await {
            Ok(s) => return s,
            Err(e) => {
                assert!(Instant::now() < deadline, "cannot connect to {addr}: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

#[tokio::test]
async fn our_client_talks_to_debian_ovsdb_server() {
    if !reference_available() {
        eprintln!("skipping: Open vSwitch reference binaries not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("interop CA");
    let server_files = pki.issue(dir.path(), "server");
    let client_files = pki.issue(dir.path(), "client");
    let tcp_port = free_port();
    let ssl_port = free_port();
    let _daemon = start_ovsdb_server(
        dir.path(),
        &[
            "punix:db.sock".to_string(),
            format!("ptcp:{tcp_port}:127.0.0.1"),
            format!("pssl:{ssl_port}:127.0.0.1"),
        ],
        &server_files,
    );
    let ctx = Context {
        run_dir: dir.path().to_path_buf(),
        tls: Some(client_files),
    };
    for addr in [
        "unix:db.sock".to_string(),
        format!("tcp:127.0.0.1:{tcp_port}"),
        format!("ssl:127.0.0.1:{ssl_port}"),
    ] {
        let addr = Address::parse(&addr, None).unwrap();
        let io = connect_with_retry(&addr, &ctx).await;
        let mut conn = Connection::new(io, Config::default());
        let reply = conn
            .transact(Message::request("list_dbs", vec![], json!(1)))
            .await
            .unwrap();
        assert_eq!(
            reply,
            Message::reply(json!(["Open_vSwitch", "_Server"]), json!(1)),
            "{addr}"
        );
        // OVSDB's echo returns its params.
        let reply = conn
            .transact(Message::request(
                "echo",
                vec![json!("x"), json!(2)],
                json!("e1"),
            ))
            .await
            .unwrap();
        assert_eq!(
            reply,
            Message::reply(json!(["x", 2]), json!("e1")),
            "{addr}"
        );
        // A method OVSDB does not know gets an error reply.
        let reply = conn
            .transact(Message::request("no_such_method", vec![], json!(3)))
            .await
            .unwrap();
        assert!(matches!(reply, Message::Error { .. }), "{addr}: {reply}");
    }
}

/// Serves `list_dbs` on one accepted connection.
async fn serve_list_dbs(listener: &mut stream::Listener) {
    let incoming = listener.accept().await.unwrap();
    let io = incoming.establish().await.unwrap();
    let mut conn = Connection::new(io, Config::default());
    while let Ok(Some(msg)) = conn.recv().await {
        if let Message::Request { method, id, .. } = msg {
            let reply = if method == "list_dbs" {
                Message::reply(json!(["Ferro_DB", "Other"]), id)
            } else {
                Message::error(json!({"error": "unknown method"}), id)
            };
            conn.send(reply).await.unwrap();
        }
    }
}

#[tokio::test]
async fn debian_ovsdb_client_talks_to_our_listener() {
    if !reference_available() {
        eprintln!("skipping: Open vSwitch reference binaries not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new("interop CA");
    let server_files = pki.issue(dir.path(), "server");
    let client_files = pki.issue(dir.path(), "client");
    let ctx = Context {
        run_dir: dir.path().to_path_buf(),
        tls: Some(server_files),
    };
    for passive in ["ptcp:0:127.0.0.1", "pssl:0:127.0.0.1"] {
        let mut listener = listen(&Address::parse(passive, None).unwrap(), &ctx)
            .await
            .unwrap();
        let active = match listener.local_address() {
            Address::PTcp { port, .. } => format!("tcp:127.0.0.1:{port}"),
            Address::PSsl { port, .. } => format!("ssl:127.0.0.1:{port}"),
            other => panic!("{other}"),
        };
        let server = tokio::spawn(async move { serve_list_dbs(&mut listener).await });
        let files = client_files.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("/usr/bin/ovsdb-client")
                .arg(format!("--private-key={}", files.private_key.display()))
                .arg(format!("--certificate={}", files.certificate.display()))
                .arg(format!("--ca-cert={}", files.ca_cert.display()))
                .arg("--timeout=10")
                .arg("list-dbs")
                .arg(&active)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "Ferro_DB\nOther\n",
            "{passive}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success());
        server.await.unwrap();
    }
}
