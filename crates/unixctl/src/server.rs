//! unixctl server: command registry, dispatch and the socket listener.
//!
//! [`Server`] holds the registry (shared behind a mutex, so commands can be
//! added while serving). [`Server::dispatch`] is the pure part: given a
//! method and params it checks, in OVS's order, that the command exists,
//! that the argument count is within bounds and that every argument is a
//! string, then runs the handler. Handler output gets a newline appended
//! when it is non-empty and lacks one, as OVS does for both results and
//! errors.
//!
//! [`Server::bind`] creates the listening socket (removing a stale socket
//! file first) and [`BoundServer::run`] accepts connections, each served
//! by its own task: requests are answered in order; any other message
//! kind, or a protocol error, closes that connection. The socket file is
//! removed when the [`BoundServer`] is dropped.

use jsonrpc::{Config, Connection, Message, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::net::UnixListener;
use vlog::Vlog;

/// A command handler: receives the arguments, returns the reply text or an
/// error text.
pub type Handler = Arc<dyn Fn(&[String]) -> Result<String, String> + Send + Sync>;

struct Command {
    usage: String,
    min_args: usize,
    max_args: usize,
    handler: Handler,
    /// Run once the (successful) reply has been written and the connection closed: how `exit`
    /// makes sure `ovs-appctl exit` gets its answer before the daemon goes away.
    after_reply: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// The unixctl command registry (cheap to clone; clones share it).
#[derive(Clone)]
pub struct Server {
    commands: Arc<Mutex<BTreeMap<String, Command>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").finish_non_exhaustive()
    }
}

/// `<rundir>/<program>.<pid>.ctl`, the default socket name.
pub fn default_socket_path(rundir: &Path, program: &str, pid: u32) -> PathBuf {
    rundir.join(format!("{program}.{pid}.ctl"))
}

/// Appends a newline to non-empty text lacking one.
fn with_newline(mut s: String) -> String {
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

impl Server {
    /// A registry with `list-commands` and `version` (which replies
    /// `version_line`, e.g. `"ovsdb-server (Open vSwitch) 3.1.0"`).
    pub fn new(version_line: &str) -> Server {
        let server = Server {
            commands: Arc::new(Mutex::new(BTreeMap::new())),
        };
        let registry = server.clone();
        server.register("list-commands", "", 0, 0, move |_| {
            Ok(registry.list_commands())
        });
        let version = version_line.to_string();
        server.register("version", "", 0, 0, move |_| Ok(version.clone()));
        server
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Command>> {
        self.commands.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers (or replaces) a command. `usage` is shown by
    /// `list-commands`; `max_args` may be `usize::MAX` for "unlimited".
    pub fn register<F>(&self, name: &str, usage: &str, min_args: usize, max_args: usize, handler: F)
    where
        F: Fn(&[String]) -> Result<String, String> + Send + Sync + 'static,
    {
        self.lock().insert(
            name.to_string(),
            Command {
                usage: usage.to_string(),
                min_args,
                max_args,
                handler: Arc::new(handler),
                after_reply: None,
            },
        );
    }

    /// Registers a command without arguments that replies with an empty success and then, once
    /// that reply is written and the connection closed, runs `then` (for `exit`).
    pub fn register_exit<F>(&self, name: &str, then: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.lock().insert(
            name.to_string(),
            Command {
                usage: String::new(),
                min_args: 0,
                max_args: 0,
                handler: Arc::new(|_| Ok(String::new())),
                after_reply: Some(Arc::new(then)),
            },
        );
    }

    fn after_reply(&self, method: &str) -> Option<Arc<dyn Fn() + Send + Sync>> {
        self.lock().get(method).and_then(|c| c.after_reply.clone())
    }

    /// Registers the `vlog/*` commands operating on `vlog`.
    pub fn register_vlog_commands(&self, vlog: &'static Vlog) {
        vlog.register_module("unixctl");
        self.register(
            "vlog/set",
            "{spec | PATTERN:destination:pattern}",
            0,
            usize::MAX,
            move |args| {
                if args.is_empty() {
                    vlog.set_spec("").map_err(|e| e.to_string())?;
                }
                for a in args {
                    vlog.set_spec(a).map_err(|e| e.to_string())?;
                }
                Ok(String::new())
            },
        );
        self.register("vlog/list", "", 0, 0, move |_| Ok(vlog.list()));
        self.register("vlog/list-pattern", "", 0, 0, move |_| {
            Ok(vlog.list_patterns())
        });
        self.register("vlog/reopen", "", 0, 0, move |_| {
            vlog.reopen().map(|()| String::new())
        });
        self.register("vlog/close", "", 0, 0, move |_| {
            vlog.close();
            Ok(String::new())
        });
        self.register(
            "vlog/disable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            move |args| vlog.set_rate_limit(args, false).map(|()| String::new()),
        );
        self.register(
            "vlog/enable-rate-limit",
            "[module]...",
            0,
            usize::MAX,
            move |args| vlog.set_rate_limit(args, true).map(|()| String::new()),
        );
    }

    /// The `list-commands` text.
    pub fn list_commands(&self) -> String {
        let mut s = String::from("The available commands are:\n");
        for (name, cmd) in self.lock().iter() {
            s.push_str(&format!("  {:<23} {}\n", name, cmd.usage));
        }
        s
    }

    /// Runs one request: `Ok(result)` or `Err(error)`, both already
    /// newline-terminated as sent on the wire.
    pub fn dispatch(&self, method: &str, params: &[Value]) -> Result<String, String> {
        let (min, max, handler) = {
            let commands = self.lock();
            let Some(cmd) = commands.get(method) else {
                return Err(with_newline(format!(
                    "\"{method}\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
                )));
            };
            (cmd.min_args, cmd.max_args, cmd.handler.clone())
        };
        if params.len() < min {
            return Err(with_newline(format!(
                "\"{method}\" command requires at least {min} arguments"
            )));
        }
        if params.len() > max {
            return Err(with_newline(format!(
                "\"{method}\" command takes at most {max} arguments"
            )));
        }
        let mut args = Vec::with_capacity(params.len());
        for p in params {
            match p {
                Value::String(s) => args.push(s.clone()),
                _ => {
                    return Err(with_newline(format!(
                        "\"{method}\" command has non-string argument"
                    )))
                }
            }
        }
        handler(&args).map(with_newline).map_err(with_newline)
    }

    /// Binds the listening socket at `path` (a stale socket file is
    /// replaced). Must be called inside a tokio runtime.
    pub fn bind(&self, path: &Path) -> std::io::Result<BoundServer> {
        if path.exists() {
            let _ = std::fs::remove_file(path);
        }
        let listener = UnixListener::bind(path)?;
        Ok(BoundServer {
            server: self.clone(),
            listener,
            path: path.to_path_buf(),
        })
    }

    /// Serves one accepted connection until the peer closes it or breaks
    /// the protocol.
    pub async fn serve_connection<S>(&self, io: S)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        let mut conn = Connection::new(
            io,
            Config {
                handle_echo: false,
                ..Config::default()
            },
        );
        loop {
            let msg = match conn.recv().await {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => {
                    vlog::vlog_dbg!("unixctl", "closing connection: {e}");
                    break;
                }
            };
            let Message::Request { method, params, id } = msg else {
                vlog::vlog_dbg!("unixctl", "closing connection: received non-request");
                break;
            };
            vlog::vlog_dbg!(
                "unixctl",
                "received request {}{}, id={}",
                method,
                Value::Array(params.clone()),
                id
            );
            let result = self.dispatch(&method, &params);
            let then = if result.is_ok() {
                self.after_reply(&method)
            } else {
                None
            };
            let reply = match result {
                Ok(text) => {
                    vlog::vlog_dbg!("unixctl", "replying with success, id={id}: \"{text}\"");
                    Message::reply(Value::String(text), id)
                }
                Err(text) => {
                    vlog::vlog_dbg!("unixctl", "replying with error, id={id}: \"{text}\"");
                    Message::error(Value::String(text), id)
                }
            };
            if conn.send(reply).await.is_err() {
                break;
            }
            if let Some(then) = then {
                conn.close().await;
                then();
                return;
            }
        }
        conn.close().await;
    }
}

/// A server bound to its socket; see [`BoundServer::run`].
#[derive(Debug)]
pub struct BoundServer {
    server: Server,
    listener: UnixListener,
    path: PathBuf,
}

impl BoundServer {
    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts and serves connections forever (until the future is dropped
    /// or accepting fails).
    pub async fn run(&self) -> std::io::Result<()> {
        loop {
            let (sock, _) = self.listener.accept().await?;
            let server = self.server.clone();
            tokio::spawn(async move { server.serve_connection(sock).await });
        }
    }
}

impl Drop for BoundServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn server() -> Server {
        let s = Server::new("test (Open vSwitch) 3.1.0");
        s.register("exit", "", 0, 0, |_| Ok(String::new()));
        s.register("ovsdb-server/add-db", "DB", 1, 1, |a| {
            Ok(format!("added {}", a[0]))
        });
        s.register("fail", "", 0, 0, |_| Err("it failed".into()));
        s
    }

    #[test]
    fn dispatch_errors_match_ovs_texts() {
        let s = server();
        assert_eq!(
            s.dispatch("nosuch", &[]),
            Err("\"nosuch\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n".into())
        );
        assert_eq!(
            s.dispatch("version", &[json!(1)]),
            Err("\"version\" command takes at most 0 arguments\n".into())
        );
        assert_eq!(
            s.dispatch("ovsdb-server/add-db", &[]),
            Err("\"ovsdb-server/add-db\" command requires at least 1 arguments\n".into())
        );
        assert_eq!(
            s.dispatch("ovsdb-server/add-db", &[json!(1)]),
            Err("\"ovsdb-server/add-db\" command has non-string argument\n".into())
        );
        assert_eq!(s.dispatch("fail", &[]), Err("it failed\n".into()));
    }

    #[test]
    fn dispatch_results() {
        let s = server();
        assert_eq!(
            s.dispatch("version", &[]),
            Ok("test (Open vSwitch) 3.1.0\n".into())
        );
        assert_eq!(s.dispatch("exit", &[]), Ok(String::new()));
        assert_eq!(
            s.dispatch("ovsdb-server/add-db", &[json!("x")]),
            Ok("added x\n".into())
        );
        assert_eq!(
            s.dispatch("list-commands", &[]),
            Ok("The available commands are:\n  exit                    \n  fail                    \n  list-commands           \n  ovsdb-server/add-db     DB\n  version                 \n".into())
        );
    }

    #[test]
    fn vlog_commands() {
        let v: &'static Vlog = Box::leak(Box::new(Vlog::new("t")));
        v.set_console(Box::new(std::io::sink()));
        let s = server();
        s.register_vlog_commands(v);
        assert_eq!(
            s.dispatch("vlog/set", &[json!("foo:bar")]),
            Err("no destination, level, or module \"foo\"\n".into())
        );
        assert_eq!(
            s.dispatch("vlog/set", &[json!("unixctl:file:warn")]),
            Ok(String::new())
        );
        assert_eq!(
            v.level("unixctl", vlog::Destination::File),
            Some(vlog::Level::Warn)
        );
        assert_eq!(
            s.dispatch("vlog/reopen", &[]),
            Err("Logging to file not configured\n".into())
        );
        assert_eq!(
            s.dispatch("vlog/reopen", &[json!("x")]),
            Err("\"vlog/reopen\" command takes at most 0 arguments\n".into())
        );
        assert_eq!(
            s.dispatch("vlog/disable-rate-limit", &[json!("nosuch")]),
            Err("unknown module\n".into())
        );
        assert_eq!(s.dispatch("vlog/list", &[]), Ok(v.list()));
        assert!(s
            .list_commands()
            .contains("  vlog/set                {spec | PATTERN:destination:pattern}\n"));
    }
}
