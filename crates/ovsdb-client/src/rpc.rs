//! A small synchronous JSON-RPC client for command-line tools.
//!
//! [`Rpc`] owns a single-threaded tokio runtime and one
//! [`jsonrpc::Connection`] opened with [`stream::connect`], and offers
//! blocking calls: [`Rpc::call`] sends a request and waits for the answer
//! with the same id, keeping any notifications that arrive meanwhile for
//! [`Rpc::next_notification`].  Echo requests from the server are answered
//! by the connection itself.  Errors carry the text Open vSwitch's tools
//! print (`failed to connect to "unix:/x" (No such file or directory)`).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use jsonrpc::{Config, Connection, Message};
use serde_json::Value;
use stream::{Address, Context};

/// Client failures.  Display is what the tool prints after its name.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The connection could not be opened.
    #[error("failed to connect to \"{remote}\" ({reason})")]
    Connect {
        /// The remote as given.
        remote: String,
        /// Why.
        reason: String,
    },
    /// The connection failed or closed while waiting.
    #[error("{remote}: {what} failed ({reason})")]
    Transport {
        /// The remote.
        remote: String,
        /// What was being done (`transaction`, `receive`).
        what: String,
        /// Why.
        reason: String,
    },
    /// The server answered with an error.
    #[error("{0}")]
    Server(Value),
    /// No answer in time.
    #[error("timed out")]
    Timeout,
}

fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// A connected client.
#[derive(Debug)]
pub struct Rpc {
    rt: tokio::runtime::Runtime,
    conn: Connection,
    remote: String,
    next_id: u64,
    notifications: VecDeque<Message>,
}

impl Rpc {
    /// Connects to `remote` (`unix:PATH`, `tcp:HOST:PORT`); relative unix
    /// paths are resolved against `run_dir`.
    pub fn connect(remote: &str, run_dir: PathBuf) -> Result<Rpc, RpcError> {
        Self::connect_with(remote, run_dir, None)
    }

    /// Like [`Rpc::connect`], with SSL files for `ssl:` remotes.
    pub fn connect_with(
        remote: &str,
        run_dir: PathBuf,
        tls: Option<stream::TlsFiles>,
    ) -> Result<Rpc, RpcError> {
        let connect_err = |reason: String| RpcError::Connect {
            remote: remote.to_string(),
            reason,
        };
        let addr = Address::parse(remote, Some(stream::OVSDB_PORT))
            .map_err(|e| connect_err(e.to_string()))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| connect_err(strerror(&e)))?;
        let mut ctx = Context::new(run_dir);
        ctx.tls = tls;
        let io = rt
            .block_on(stream::connect(&addr, &ctx))
            .map_err(|e| match e {
                stream::StreamError::Io(io) => connect_err(strerror(&io)),
                other => connect_err(other.to_string()),
            })?;
        let conn = {
            let _guard = rt.enter();
            Connection::new(io, Config::default())
        };
        Ok(Rpc {
            rt,
            conn,
            remote: remote.to_string(),
            next_id: 0,
            notifications: VecDeque::new(),
        })
    }

    /// The remote this client is connected to.
    pub fn remote(&self) -> &str {
        &self.remote
    }

    fn transport(&self, what: &str, reason: String) -> RpcError {
        RpcError::Transport {
            remote: self.remote.clone(),
            what: what.to_string(),
            reason,
        }
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Vec<Value>) -> Result<Value, RpcError> {
        let id = Value::from(self.next_id);
        self.next_id += 1;
        let msg = Message::request(method, params, id.clone());
        let fut = self.conn.send(msg);
        self.rt
            .block_on(fut)
            .map_err(|e| self.transport("send", e.to_string()))?;
        Ok(id)
    }

    /// Sends a notification.
    pub fn notify(&mut self, method: &str, params: Vec<Value>) -> Result<(), RpcError> {
        let fut = self.conn.send(Message::notify(method, params));
        self.rt
            .block_on(fut)
            .map_err(|e| self.transport("send", e.to_string()))
    }

    fn recv(&mut self, timeout: Option<Duration>) -> Result<Message, RpcError> {
        let conn = &mut self.conn;
        let res = self.rt.block_on(async {
            match timeout {
                Some(t) => tokio::time::timeout(t, conn.recv()).await.ok(),
                None => Some(conn.recv().await),
            }
        });
        match res {
            None => Err(RpcError::Timeout),
            Some(Ok(Some(m))) => Ok(m),
            Some(Ok(None)) => Err(self.transport("receive", "End of file".into())),
            Some(Err(e)) => Err(self.transport("receive", e.to_string())),
        }
    }

    /// Waits for the reply to request `id`.
    pub fn wait_reply(&mut self, id: &Value) -> Result<Value, RpcError> {
        loop {
            match self.recv(None)? {
                Message::Reply { result, id: rid } if &rid == id => return Ok(result),
                Message::Error { error, id: rid } if &rid == id => {
                    return Err(RpcError::Server(error))
                }
                m @ (Message::Notify { .. } | Message::Request { .. }) => {
                    self.notifications.push_back(m)
                }
                _ => {}
            }
        }
    }

    /// Calls `method` and waits for its result.
    pub fn call(&mut self, method: &str, params: Vec<Value>) -> Result<Value, RpcError> {
        let id = self.send_request(method, params)?;
        self.wait_reply(&id)
    }

    /// The next notification (or request) from the server, waiting at most
    /// `timeout` (forever if `None`).
    pub fn next_notification(&mut self, timeout: Option<Duration>) -> Result<Message, RpcError> {
        if let Some(m) = self.notifications.pop_front() {
            return Ok(m);
        }
        loop {
            match self.recv(timeout)? {
                m @ (Message::Notify { .. } | Message::Request { .. }) => return Ok(m),
                _ => continue,
            }
        }
    }
}
