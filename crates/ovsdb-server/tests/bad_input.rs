//! Bad input never takes the server down: malformed JSON, wrong types, huge and deeply nested
//! messages, unknown methods and tables, clients that vanish mid-request, and random bytes.
//! Each gets an error reply or a closed connection, and a well-behaved client connected the
//! whole time keeps getting correct answers.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use testkit::ovsdb::{create_db, start_server, Impl, RpcClient, ServerHandle};
use testkit::Sandbox;

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/test.ovsschema")
}

/// Sends `bytes` on a fresh connection, then reads until the server closes or goes quiet.
/// Returns what came back.
fn poke(server: &ServerHandle, bytes: &[u8], half_close: bool) -> Vec<u8> {
    let mut s = UnixStream::connect(&server.socket).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    // The server may hang up before everything is written (too large, garbage): fine.
    let _ = s.write_all(bytes);
    if half_close {
        let _ = s.shutdown(std::net::Shutdown::Write);
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

fn healthy(client: &mut RpcClient, n: usize) {
    let r = client
        .transact(
            "Test",
            &[json!({"op": "insert", "table": "Root", "row": {"name": format!("ok{n}")}})],
        )
        .expect("healthy client still served");
    assert!(r[0].get("uuid").is_some(), "{r}");
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}

#[test]
fn garbage_never_hurts_the_server_or_other_clients() {
    let mut sb = Sandbox::new("bad");
    let db = sb.dbdir().join("bad.db");
    create_db(&sb, Impl::Ours, &db, &schema());
    let server = start_server(&mut sb, Impl::Ours, "db", &db, &[]);
    let mut good = RpcClient::connect(&server.socket, Duration::from_secs(20)).unwrap();
    let mut n = 0;

    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!(
        r#"{{"method":"echo","params":["{}"],"id":1}}"#,
        "x".repeat(70 << 20)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bad json", b"{bad json".to_vec()),
        ("not an object", b"[1,2,3]".to_vec()),
        ("params not array", br#"{"method":"transact","params":{},"id":1}"#.to_vec()),
        ("invalid utf-8", b"{\"method\":\"echo\",\"params\":[\"\xff\xfe\"],\"id\":1}".to_vec()),
        ("deep nesting", deep.into_bytes()),
        ("huge message", huge.into_bytes()),
        ("unknown method", br#"{"method":"frob","params":[],"id":1}"#.to_vec()),
        ("unknown table", br#"{"method":"transact","params":["Test",{"op":"select","table":"Nope","where":[]}],"id":1}"#.to_vec()),
        ("wrong types", br#"{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"i":"x"}}],"id":1}"#.to_vec()),
        ("half a message then close", br#"{"method":"transact","params":["Test",{"op":"ins"#.to_vec()),
        ("number overflow", br#"{"method":"transact","params":["Test",{"op":"insert","table":"Root","row":{"i":99999999999999999999999}}],"id":1}"#.to_vec()),
        ("nul bytes", vec![0u8; 1000]),
    ];
    for (what, bytes) in &cases {
        let reply = poke(&server, bytes, true);
        // Whatever came back is valid JSON-RPC or nothing at all.
        if !reply.is_empty() {
            let text = String::from_utf8_lossy(&reply);
            let mut de = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
            assert!(de.all(|v| v.is_ok()), "{what}: reply is not JSON: {text}");
        }
        assert!(alive(server.pid), "server died on {what}");
        n += 1;
        healthy(&mut good, n);
    }

    // Random bytes, deterministic seed.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        let len = (state % 512) as usize + 1;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(if state % 3 == 0 {
                b"{[\"]}:,"[(state % 7) as usize]
            } else {
                state as u8
            });
        }
        poke(&server, &bytes, state % 2 == 0);
    }
    assert!(alive(server.pid), "server died on random bytes");
    n += 1;
    healthy(&mut good, n);

    // The good client's rows are all there, and nothing from the bad ones.
    let r = good
        .transact(
            "Test",
            &[json!({"op": "select", "table": "Root", "where": [], "columns": ["name"]})],
        )
        .unwrap();
    assert_eq!(r[0]["rows"].as_array().unwrap().len(), n);
}
