//! A JSON-RPC connection over any tokio byte stream.
//!
//! [`Connection`] wraps anything that is `AsyncRead + AsyncWrite` (a unix or
//! TCP socket, a TLS stream, an in-memory duplex pipe in tests). It is split
//! into two halves:
//!
//! * **Receiving** stays with the `Connection`: [`Connection::recv`] reads
//!   bytes, feeds them to a [`Framer`] and returns validated [`Message`]s.
//!   It is cancel-safe (bytes are only consumed once they are in the
//!   framer), so it can sit in a `tokio::select!`.
//! * **Sending** goes through a bounded queue drained by a writer task.
//!   [`Sender`] handles (cheap clones) can be given to other tasks. The queue
//!   holds at most [`Config::queue_len`] messages, so a peer that stops
//!   reading cannot make this process buffer without bound. Two policies are
//!   offered: [`Sender::send`] waits for room (backpressure onto the
//!   producer), while [`Sender::try_send`] fails at once with
//!   [`ConnError::QueueFull`], letting a server drop the slow client instead,
//!   which is what OVS servers do with a client whose backlog grows.
//!
//! Echo (keep-alive) handling is built in when [`Config::handle_echo`] is
//! set, as in OVS's JSON-RPC sessions: an incoming `echo` request is
//! answered with a reply carrying the same params and id without being
//! returned to the caller, and replies to our own probes (id `"echo"`, sent
//! by [`Connection::send_probe`]) are swallowed. Either way the caller is
//! expected to treat every `recv` return as "activity" for the
//! [`crate::Reconnect`] machine. unixctl servers turn echo handling off,
//! because OVS's unixctl answers `echo` like any unknown command.

use crate::framer::{FrameError, Framer, DEFAULT_MAX_MESSAGE_SIZE};
use crate::message::Message;
use serde_json::Value;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf};
use tokio::sync::mpsc;

/// Queued messages are coalesced into writes of up to about this many bytes.
const WRITE_BATCH_BYTES: usize = 256 * 1024;

/// Connection tuning.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest incoming JSON value accepted, bytes.
    pub max_message_size: usize,
    /// Outgoing queue capacity, messages.
    pub queue_len: usize,
    /// Answer `echo` requests and swallow replies to our probes.
    pub handle_echo: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            queue_len: 256,
            handle_echo: true,
        }
    }
}

/// Connection failures.
#[derive(Debug, Error)]
pub enum ConnError {
    /// Reading or writing the stream failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The peer sent something that is not a valid JSON-RPC stream.
    #[error("{0}")]
    Frame(#[from] FrameError),
    /// The outgoing queue is full (the peer is not reading).
    #[error("outgoing message queue is full")]
    QueueFull,
    /// The connection (or its writer) has shut down.
    #[error("connection closed")]
    Closed,
    /// The peer closed the stream before answering.
    #[error("End of file")]
    Eof,
}

/// What the writer task sends: a message, or the wire text of one already serialised (a
/// server sending the same notification to many clients serialises it once).
#[derive(Debug)]
enum Outgoing {
    Message(Message),
    Raw(std::sync::Arc<str>),
}

impl Outgoing {
    fn write_to(&self, out: &mut String) {
        match self {
            Outgoing::Message(m) => m.write_to(out),
            Outgoing::Raw(text) => out.push_str(text),
        }
    }
}

/// A cloneable handle that queues messages for sending.
#[derive(Debug, Clone)]
pub struct Sender {
    tx: mpsc::Sender<Outgoing>,
}

impl Sender {
    /// Queues `msg`, waiting while the queue is full (backpressure).
    pub async fn send(&self, msg: Message) -> Result<(), ConnError> {
        self.tx
            .send(Outgoing::Message(msg))
            .await
            .map_err(|_| ConnError::Closed)
    }

    /// Queues `msg` or fails at once if the queue is full.
    pub fn try_send(&self, msg: Message) -> Result<(), ConnError> {
        self.try_send_outgoing(Outgoing::Message(msg))
    }

    /// Queues the wire text of a message serialised by the caller with
    /// [`Message::write_to`] (shared, so one serialisation serves many connections), or
    /// fails at once if the queue is full.
    pub fn try_send_serialized(&self, text: std::sync::Arc<str>) -> Result<(), ConnError> {
        self.try_send_outgoing(Outgoing::Raw(text))
    }

    fn try_send_outgoing(&self, out: Outgoing) -> Result<(), ConnError> {
        self.tx.try_send(out).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => ConnError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => ConnError::Closed,
        })
    }

    /// Messages that can still be queued without waiting.
    pub fn capacity(&self) -> usize {
        self.tx.capacity()
    }

    /// True once the writer has stopped (stream error or shutdown).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

type BoxedIo = Box<dyn AsyncReadWrite>;

/// Object-safe union of the stream traits.
pub trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncReadWrite for T {}

/// A JSON-RPC connection (see the module docs). Must be created inside a
/// tokio runtime, since it spawns its writer task.
#[derive(Debug)]
pub struct Connection {
    reader: ReadHalfDebug,
    framer: Framer,
    /// Read buffer, reused for every read (no allocation per message).
    rbuf: Box<[u8]>,
    sender: Sender,
    handle_echo: bool,
    eof: bool,
    received: u64,
    writer: tokio::task::JoinHandle<()>,
}

struct ReadHalfDebug(ReadHalf<BoxedIo>);

impl std::fmt::Debug for ReadHalfDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadHalf")
    }
}

impl Connection {
    /// Wraps `io` and starts the writer task.
    pub fn new<S>(io: S, config: Config) -> Connection
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let boxed: BoxedIo = Box::new(io);
        let (reader, mut writer) = tokio::io::split(boxed);
        let (tx, mut rx) = mpsc::channel::<Outgoing>(config.queue_len.max(1));
        let writer = tokio::spawn(async move {
            // Everything queued by the time the writer runs goes out in one write: a burst of
            // replies and updates costs one system call, not one per message.
            let mut out = String::new();
            while let Some(msg) = rx.recv().await {
                out.clear();
                msg.write_to(&mut out);
                while out.len() < WRITE_BATCH_BYTES {
                    match rx.try_recv() {
                        Ok(more) => more.write_to(&mut out),
                        Err(_) => break,
                    }
                }
                if writer.write_all(out.as_bytes()).await.is_err() || writer.flush().await.is_err()
                {
                    // Closing the receiver makes every Sender see `Closed`.
                    rx.close();
                    return;
                }
                if out.capacity() > 4 * WRITE_BATCH_BYTES {
                    out = String::new();
                }
            }
            let _ = writer.shutdown().await;
        });
        Connection {
            reader: ReadHalfDebug(reader),
            framer: Framer::new(config.max_message_size),
            rbuf: vec![0u8; 64 * 1024].into_boxed_slice(),
            sender: Sender { tx },
            handle_echo: config.handle_echo,
            eof: false,
            received: 0,
            writer,
        }
    }

    /// A handle for queuing outgoing messages from any task.
    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }

    /// Queues `msg`, waiting for room (see [`Sender::send`]).
    pub fn send(
        &self,
        msg: Message,
    ) -> impl std::future::Future<Output = Result<(), ConnError>> + Send + 'static {
        let sender = self.sender.clone();
        async move { sender.send(msg).await }
    }

    /// Queues `msg` or fails if the queue is full (see [`Sender::try_send`]).
    pub fn try_send(&self, msg: Message) -> Result<(), ConnError> {
        self.sender.try_send(msg)
    }

    /// Number of messages received so far, including echo traffic handled
    /// internally (for inactivity tracking).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Queues an inactivity probe: an `echo` request with id `"echo"`.
    pub fn send_probe(&self) -> Result<(), ConnError> {
        self.sender.try_send(Message::request(
            "echo",
            Vec::new(),
            Value::String("echo".into()),
        ))
    }

    /// Receives the next message. `Ok(None)` means the peer closed the
    /// stream cleanly between messages. Cancel-safe.
    pub async fn recv(&mut self) -> Result<Option<Message>, ConnError> {
        loop {
            while let Some(msg) = self.framer.next_message()? {
                self.received += 1;
                if let Some(msg) = self.filter_echo(msg)? {
                    return Ok(Some(msg));
                }
            }
            if self.eof {
                self.framer.finish()?;
                return Ok(None);
            }
            let n = self.reader.0.read(&mut self.rbuf).await?;
            match self.rbuf.get(..n) {
                Some(data) if n > 0 => self.framer.push(data),
                _ => self.eof = true,
            }
        }
    }

    /// Sends `request` and waits for the reply or error with the same id.
    /// Other messages received meanwhile are discarded (echo is still
    /// answered when enabled). Intended for simple clients such as
    /// `ovs-appctl`.
    pub async fn transact(&mut self, request: Message) -> Result<Message, ConnError> {
        let id = request.id().cloned();
        self.send(request).await?;
        loop {
            match self.recv().await? {
                None => return Err(ConnError::Eof),
                Some(reply @ (Message::Reply { .. } | Message::Error { .. }))
                    if reply.id() == id.as_ref() =>
                {
                    return Ok(reply)
                }
                Some(_) => {}
            }
        }
    }

    fn filter_echo(&mut self, msg: Message) -> Result<Option<Message>, ConnError> {
        if !self.handle_echo {
            return Ok(Some(msg));
        }
        match msg {
            Message::Request { method, params, id } if method == "echo" => {
                self.sender
                    .try_send(Message::reply(Value::Array(params), id))?;
                Ok(None)
            }
            Message::Reply { id, .. } if id == Value::String("echo".into()) => Ok(None),
            other => Ok(Some(other)),
        }
    }
}

impl Connection {
    /// Stops accepting new messages from this handle, waits until
    /// everything already queued has been written (and the write side shut
    /// down), then closes the connection. Other [`Sender`] clones must have
    /// been dropped for this to finish.
    pub async fn close(mut self) {
        let (tx, _) = mpsc::channel(1);
        drop(std::mem::replace(&mut self.sender, Sender { tx }));
        let _ = (&mut self.writer).await;
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Dropping a connection closes it at once, even if a peer that does
        // not read has left the writer blocked. Use `close` to flush first.
        self.writer.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn exchanges_messages_and_answers_echo() {
        let (a, b) = tokio::io::duplex(64);
        let mut ca = Connection::new(a, Config::default());
        let mut cb = Connection::new(b, Config::default());
        ca.send(Message::request("echo", vec![json!(1)], json!(9)))
            .await
            .unwrap();
        ca.send(Message::request("list", vec![], json!(1)))
            .await
            .unwrap();
        // The echo is answered by b's connection and never surfaces.
        assert_eq!(
            cb.recv().await.unwrap(),
            Some(Message::request("list", vec![], json!(1)))
        );
        assert_eq!(
            ca.recv().await.unwrap(),
            Some(Message::reply(json!([1]), json!(9)))
        );
        // Probe replies are swallowed.
        ca.send_probe().unwrap();
        cb.send(Message::reply(json!("x"), json!(1))).await.unwrap();
        assert_eq!(
            ca.recv().await.unwrap(),
            Some(Message::reply(json!("x"), json!(1)))
        );
        drop(cb);
        assert_eq!(ca.recv().await.unwrap(), None);
    }

    #[tokio::test]
    async fn transact_matches_ids() {
        let (a, b) = tokio::io::duplex(1024);
        let mut client = Connection::new(a, Config::default());
        let mut server = Connection::new(b, Config::default());
        let srv = tokio::spawn(async move {
            let Some(Message::Request { id, .. }) = server.recv().await.unwrap() else {
                panic!("expected request");
            };
            server
                .send(Message::reply(json!("other"), json!(12345)))
                .await
                .unwrap();
            server.send(Message::error(json!("no"), id)).await.unwrap();
            server
        });
        let reply = client
            .transact(Message::request("x", vec![], json!(0)))
            .await
            .unwrap();
        assert_eq!(reply, Message::error(json!("no"), json!(0)));
        drop(srv.await.unwrap());
        assert!(matches!(
            client
                .transact(Message::request("x", vec![], json!(1)))
                .await,
            Err(ConnError::Eof | ConnError::Closed | ConnError::Io(_))
        ));
    }

    #[tokio::test]
    async fn bounded_queue_reports_full_when_peer_does_not_read() {
        let (a, _b) = tokio::io::duplex(16);
        let conn = Connection::new(
            a,
            Config {
                queue_len: 4,
                ..Config::default()
            },
        );
        let big = Message::notify("n", vec![json!("x".repeat(100))]);
        let mut full = false;
        for _ in 0..100 {
            match conn.try_send(big.clone()) {
                Ok(()) => tokio::task::yield_now().await,
                Err(ConnError::QueueFull) => {
                    full = true;
                    break;
                }
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert!(full, "queue never filled");
        // A blocking send waits rather than growing the queue.
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(50), conn.send(big)).await;
        assert!(waited.is_err());
    }

    #[tokio::test]
    async fn garbage_is_an_error() {
        let (a, mut b) = tokio::io::duplex(64);
        let mut conn = Connection::new(a, Config::default());
        b.write_all(b"{\"method\":\"x\",\"params\":{},\"id\":1}")
            .await
            .unwrap();
        assert!(matches!(conn.recv().await, Err(ConnError::Frame(_))));

        let (a, mut b) = tokio::io::duplex(64);
        let mut conn = Connection::new(a, Config::default());
        b.write_all(b"{\"method\":").await.unwrap();
        drop(b);
        assert!(matches!(
            conn.recv().await,
            Err(ConnError::Frame(FrameError::Truncated))
        ));
    }
}
