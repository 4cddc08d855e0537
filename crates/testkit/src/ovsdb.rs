//! OVSDB servers for tests: ours or the reference, each in its own sandbox, and a small blocking
//! JSON-RPC client to drive them.
//!
//! The client is deliberately independent of ferroswitch's own `jsonrpc` crate, so a bug there
//! cannot hide itself in the tests that exercise it.

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::sandbox::Sandbox;

/// Which implementation to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// ferroswitch's binaries from the cargo target dir.
    Ours,
    /// Debian's Open vSwitch binaries.
    Reference,
}

impl Impl {
    /// The path of `program` for this implementation.
    pub fn program(self, program: &str) -> PathBuf {
        match self {
            Impl::Ours => crate::bins::bin_path(program),
            Impl::Reference => crate::reference::path(program),
        }
    }
}

/// A running ovsdb-server in a sandbox.
#[derive(Debug)]
pub struct ServerHandle {
    /// The unix socket it listens on.
    pub socket: PathBuf,
    /// Its control socket.
    pub unixctl: PathBuf,
    /// Its database file.
    pub db: PathBuf,
    /// Its pid.
    pub pid: u32,
}

/// Creates `db` from `schema` with `which`'s ovsdb-tool; panics with the tool's output on failure.
///
/// `FERRO_CREATE_DB_WITH=reference` makes every database be created by the reference tool (a
/// development aid for testing a server before our own ovsdb-tool exists; CI never sets it).
pub fn create_db(sb: &Sandbox, which: Impl, db: &Path, schema: &Path) {
    let which = match std::env::var("FERRO_CREATE_DB_WITH").as_deref() {
        Ok("reference") => Impl::Reference,
        _ => which,
    };
    let out = sb
        .run(
            sb.command(which.program("ovsdb-tool"))
                .arg("create")
                .arg(db)
                .arg(schema),
            Duration::from_secs(30),
        )
        .expect("run ovsdb-tool create");
    assert!(
        out.status.success(),
        "ovsdb-tool create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts `which`'s ovsdb-server in the foreground on `db`, listening on `<rundir>/<name>.sock`,
/// and waits until it accepts connections.
pub fn start_server(
    sb: &mut Sandbox,
    which: Impl,
    name: &str,
    db: &Path,
    extra: &[&str],
) -> ServerHandle {
    let socket = sb.rundir().join(format!("{name}.sock"));
    let unixctl = sb.rundir().join(format!("{name}.ctl"));
    let mut cmd = sb.command(which.program("ovsdb-server"));
    cmd.arg(db)
        .arg(format!("--remote=punix:{}", socket.display()))
        .arg(format!("--unixctl={}", unixctl.display()))
        .arg(format!(
            "--log-file={}",
            sb.logdir().join(format!("{name}.log")).display()
        ))
        .arg("--no-chdir")
        .args(extra);
    let daemon = sb.spawn(name, cmd).expect("spawn ovsdb-server");
    let pid = daemon.pid();
    let sock = socket.clone();
    let ready = crate::wait::wait_until(
        "ovsdb-server to accept connections",
        Duration::from_secs(20),
        || UnixStream::connect(&sock).is_ok(),
    );
    if let Err(e) = ready {
        let out = sb
            .daemons()
            .iter()
            .find(|d| d.pid() == pid)
            .map(|d| d.output())
            .unwrap_or_default();
        panic!("{e}; server output:\n{out}");
    }
    ServerHandle {
        socket,
        unixctl,
        db: db.to_path_buf(),
        pid,
    }
}

/// A blocking JSON-RPC 1.0 client over a unix socket.
pub struct RpcClient {
    writer: UnixStream,
    reader: serde_json::StreamDeserializer<
        'static,
        serde_json::de::IoRead<BufReader<UnixStream>>,
        Value,
    >,
    next_id: u64,
    /// Notifications received while waiting for replies.
    pub notifications: VecDeque<Value>,
}

impl std::fmt::Debug for RpcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcClient")
            .field("next_id", &self.next_id)
            .finish()
    }
}

/// What went wrong talking to a server.
#[derive(Debug)]
pub enum RpcError {
    /// Socket error (including a timeout).
    Io(std::io::Error),
    /// The server closed the connection.
    Closed,
    /// The server sent something that is not JSON.
    BadJson(String),
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RpcError::Io(e) => write!(f, "I/O error: {e}"),
            RpcError::Closed => write!(f, "connection closed by server"),
            RpcError::BadJson(e) => write!(f, "server sent bad JSON: {e}"),
        }
    }
}

impl std::error::Error for RpcError {}

impl RpcClient {
    /// Connects to `socket`; every read gives up after `timeout`.
    pub fn connect(socket: &Path, timeout: Duration) -> Result<RpcClient, RpcError> {
        let stream = UnixStream::connect(socket).map_err(RpcError::Io)?;
        stream
            .set_read_timeout(Some(timeout))
            .map_err(RpcError::Io)?;
        let reader = stream.try_clone().map_err(RpcError::Io)?;
        Ok(RpcClient {
            writer: stream,
            reader: serde_json::Deserializer::from_reader(BufReader::new(reader)).into_iter(),
            next_id: 0,
            notifications: VecDeque::new(),
        })
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), RpcError> {
        self.writer.write_all(bytes).map_err(RpcError::Io)
    }

    /// Sends one JSON message.
    pub fn send(&mut self, msg: &Value) -> Result<(), RpcError> {
        let text = serde_json::to_vec(msg).expect("serialise");
        self.send_raw(&text)
    }

    /// Receives the next message.
    pub fn recv(&mut self) -> Result<Value, RpcError> {
        match self.reader.next() {
            None => Err(RpcError::Closed),
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) if e.is_io() => Err(RpcError::Io(e.into())),
            Some(Err(e)) if e.is_eof() => Err(RpcError::Closed),
            Some(Err(e)) => Err(RpcError::BadJson(e.to_string())),
        }
    }

    /// Sends a request and returns the whole reply message (`result`/`error`/`id`). Requests
    /// from the server (echo) are answered; notifications are queued in `notifications`.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"method": method, "params": params, "id": id}))?;
        self.wait_reply(&json!(id))
    }

    /// Waits for the reply with `id`.
    pub fn wait_reply(&mut self, id: &Value) -> Result<Value, RpcError> {
        loop {
            let msg = self.recv()?;
            if msg.get("method").is_some() {
                if msg["method"] == "echo" && !msg["id"].is_null() {
                    let reply = json!({"result": msg["params"], "error": null, "id": msg["id"]});
                    self.send(&reply)?;
                } else {
                    self.notifications.push_back(msg);
                }
                continue;
            }
            if &msg["id"] == id {
                return Ok(msg);
            }
        }
    }

    /// Sends `transact` on `db` with `ops` and returns the `result` (or the whole reply when it
    /// is an error reply).
    pub fn transact(&mut self, db: &str, ops: &[Value]) -> Result<Value, RpcError> {
        let mut params = vec![json!(db)];
        params.extend(ops.iter().cloned());
        let reply = self.call("transact", Value::Array(params))?;
        if reply["error"].is_null() {
            Ok(reply["result"].clone())
        } else {
            Ok(reply)
        }
    }

    /// Waits for the next notification (queued or new).
    pub fn next_notification(&mut self) -> Result<Value, RpcError> {
        if let Some(n) = self.notifications.pop_front() {
            return Ok(n);
        }
        loop {
            let msg = self.recv()?;
            if msg["method"] == "echo" && !msg["id"].is_null() {
                let reply = json!({"result": msg["params"], "error": null, "id": msg["id"]});
                self.send(&reply)?;
                continue;
            }
            return Ok(msg);
        }
    }
}

/// Replaces every UUID in `v` (in `["uuid", ...]` values and inside strings) by `<uuid>`, and
/// sorts the rows of select results, so two servers' answers can be compared.
pub fn normalise(v: &Value) -> Value {
    fn mask_str(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            if i + 36 <= s.len() && is_uuid(&bytes[i..i + 36]) {
                out.push_str("<uuid>");
                i += 36;
            } else {
                let ch = s[i..].chars().next().expect("char boundary");
                out.push(ch);
                i += ch.len_utf8();
            }
        }
        out
    }
    fn is_uuid(b: &[u8]) -> bool {
        b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
    }
    match v {
        Value::String(s) => Value::String(mask_str(s)),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            // Masking can make several keys equal (rows keyed by UUID in monitor updates): such
            // entries are ordered by their canonical text and numbered, so nothing is lost.
            let mut entries: Vec<(String, Value)> = o
                .iter()
                .map(|(k, val)| {
                    let mut nv = normalise(val);
                    if k == "rows" {
                        if let Value::Array(rows) = &mut nv {
                            rows.sort_by_key(canonical);
                        }
                    }
                    (mask_str(k), nv)
                })
                .collect();
            entries.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| canonical(&a.1).cmp(&canonical(&b.1)))
            });
            let mut out = serde_json::Map::new();
            let mut i = 0;
            while i < entries.len() {
                let same = entries[i..]
                    .iter()
                    .take_while(|e| e.0 == entries[i].0)
                    .count();
                for (n, (k, v)) in entries[i..i + same].iter().enumerate() {
                    let key = if same > 1 {
                        format!("{k}#{n}")
                    } else {
                        k.clone()
                    };
                    out.insert(key, v.clone());
                }
                i += same;
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// `v` as text with object members sorted, so that equal values compare equal as strings.
fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_masked_keys_are_kept() {
        let v = json!({"Root": {
            "b3a22c96-59b8-44cb-95cc-8872a562badb": {"insert": {"name": "b"}},
            "03a22c96-59b8-44cb-95cc-8872a562badb": {"delete": null}
        }});
        let n = normalise(&v);
        assert_eq!(n["Root"].as_object().unwrap().len(), 2, "{n}");
    }

    #[test]
    fn normalise_masks_uuids_and_sorts_rows() {
        let v = json!({"rows": [
            {"_uuid": ["uuid", "b3a22c96-59b8-44cb-95cc-8872a562badb"], "n": 2},
            {"_uuid": ["uuid", "03a22c96-59b8-44cb-95cc-8872a562badb"], "n": 1}
        ], "details": "row 03a22c96-59b8-44cb-95cc-8872a562badb gone"});
        let n = normalise(&v);
        assert_eq!(
            n,
            json!({"rows": [
                {"_uuid": ["uuid", "<uuid>"], "n": 1},
                {"_uuid": ["uuid", "<uuid>"], "n": 2}
            ], "details": "row <uuid> gone"})
        );
    }
}
