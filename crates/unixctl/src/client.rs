//! unixctl client: one command, one reply.
//!
//! [`Client::connect`] opens the daemon's control socket and
//! [`Client::transact`] sends a request (ids count up from 0, as
//! `ovs-appctl`'s do) and waits for the reply with the same id, ignoring
//! anything else. The reply must carry a string: a string `result` is the
//! command's output, a string `error` its error text; any other type is a
//! protocol violation reported as [`ClientError::BadReply`] with the text
//! OVS logs (e.g. "unexpected result type in JSON rpc reply: number").

use jsonrpc::{Config, ConnError, Connection, Message, Value};
use std::path::Path;
use thiserror::Error;
use tokio::net::UnixStream;

/// Client failures.
#[derive(Debug, Error)]
pub enum ClientError {
    /// Connecting to the socket failed.
    #[error("{0}")]
    Connect(std::io::Error),
    /// The exchange failed (EOF, I/O error, malformed stream).
    #[error("{0}")]
    Transaction(ConnError),
    /// The reply was well-formed JSON-RPC but not a string result/error.
    #[error("{0}")]
    BadReply(String),
}

impl ClientError {
    /// The `strerror`-style text OVS prints in parentheses after
    /// "transaction error" / "cannot connect to".
    pub fn errno_text(&self) -> String {
        match self {
            ClientError::Connect(e) => io_error_text(e),
            ClientError::Transaction(ConnError::Io(e)) => io_error_text(e),
            ClientError::Transaction(ConnError::Eof)
            | ClientError::Transaction(ConnError::Closed) => "End of file".to_string(),
            ClientError::Transaction(ConnError::Frame(_)) => "Protocol error".to_string(),
            ClientError::Transaction(ConnError::QueueFull) => {
                "No buffer space available".to_string()
            }
            ClientError::BadReply(_) => "Invalid argument".to_string(),
        }
    }
}

/// Text like C's `strerror` for an I/O error (without Rust's " (os error
/// N)" suffix).
pub fn io_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s.get(..i).unwrap_or(&s).to_string(),
        None => s,
    }
}

/// A connection to a unixctl server.
#[derive(Debug)]
pub struct Client {
    conn: Connection,
    next_id: u64,
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(false) => "false",
        Value::Bool(true) => "true",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Number(_) => "number",
        Value::String(_) => "string",
    }
}

impl Client {
    /// Connects to the socket at `path`.
    pub async fn connect(path: &Path) -> Result<Client, ClientError> {
        let sock = UnixStream::connect(path)
            .await
            .map_err(ClientError::Connect)?;
        Ok(Client::from_stream(sock))
    }

    /// Wraps an already-connected stream.
    pub fn from_stream<S>(io: S) -> Client
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        Client {
            conn: Connection::new(
                io,
                Config {
                    handle_echo: false,
                    ..Config::default()
                },
            ),
            next_id: 0,
        }
    }

    /// Runs `command` with `args`: `Ok(Ok(output))`, `Ok(Err(error_text))`
    /// when the server reported an error, or `Err` on a transport or
    /// protocol failure.
    pub async fn transact(
        &mut self,
        command: &str,
        args: &[String],
    ) -> Result<Result<String, String>, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let params = args.iter().cloned().map(Value::String).collect();
        let reply = self
            .conn
            .transact(Message::request(command, params, Value::from(id)))
            .await
            .map_err(ClientError::Transaction)?;
        match reply {
            Message::Reply { result, .. } => match result {
                Value::String(s) => Ok(Ok(s)),
                other => Err(ClientError::BadReply(format!(
                    "unexpected result type in JSON rpc reply: {}",
                    json_type_name(&other)
                ))),
            },
            Message::Error { error, .. } => match error {
                Value::String(s) => Ok(Err(s)),
                other => Err(ClientError::BadReply(format!(
                    "unexpected error type in JSON RPC reply: {}",
                    json_type_name(&other)
                ))),
            },
            _ => Err(ClientError::BadReply("unexpected reply".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Server;

    #[tokio::test]
    async fn client_and_server_over_a_real_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.ctl");
        let server = Server::new("t (Open vSwitch) 3.1.0");
        server.register("echo-args", "ARG...", 1, 3, |a| Ok(a.join(" ")));
        let bound = server.bind(&path).unwrap();
        let task = tokio::spawn(async move { bound.run().await });

        let mut c = Client::connect(&path).await.unwrap();
        assert_eq!(
            c.transact("version", &[]).await.unwrap(),
            Ok("t (Open vSwitch) 3.1.0\n".into())
        );
        assert_eq!(
            c.transact("echo-args", &["a".into(), "b c".into()])
                .await
                .unwrap(),
            Ok("a b c\n".into())
        );
        assert_eq!(
            c.transact("echo", &[]).await.unwrap(),
            Err("\"echo\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n".into())
        );
        task.abort();
        let _ = task.await;
        // Dropping the server removed the socket.
        assert!(!path.exists());
        let e = Client::connect(&path).await.unwrap_err();
        assert_eq!(e.errno_text(), "No such file or directory");
    }

    #[tokio::test]
    async fn server_closes_connection_on_non_requests_and_garbage() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let server = Server::new("t");
        for input in [
            &b"{\"method\":\"version\",\"params\":[],\"id\":null}"[..],
            b"{\"result\":\"x\",\"id\":1}",
            b"{\"method\":\"version\",\"params\":{},\"id\":1}",
            b"[1,2]",
            b"}",
        ] {
            let (mut a, b) = tokio::io::duplex(1024);
            let s = server.clone();
            let task = tokio::spawn(async move { s.serve_connection(b).await });
            a.write_all(input).await.unwrap();
            let mut out = Vec::new();
            // The server answers nothing and closes: read hits EOF.
            a.read_to_end(&mut out).await.unwrap();
            assert!(out.is_empty(), "{}", String::from_utf8_lossy(input));
            task.await.unwrap();
        }
    }

    #[tokio::test]
    async fn bad_reply_types_are_rejected() {
        let (a, b) = tokio::io::duplex(1024);
        let mut c = Client::from_stream(a);
        let peer = tokio::spawn(async move {
            let mut conn = Connection::new(b, Config::default());
            let Ok(Some(Message::Request { id, .. })) = conn.recv().await else {
                return;
            };
            let _ = conn.send(Message::reply(Value::from(5), id)).await;
            conn.close().await;
        });
        let e = c.transact("x", &[]).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "unexpected result type in JSON rpc reply: number"
        );
        assert_eq!(e.errno_text(), "Invalid argument");
        peer.await.unwrap();
    }
}
