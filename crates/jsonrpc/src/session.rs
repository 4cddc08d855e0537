//! A self-healing JSON-RPC client connection.
//!
//! [`Session`] ties the pieces together the way OVS's long-lived clients
//! (ovs-vswitchd's database connection, `ovsdb-client monitor`, ...) work:
//! it opens a connection through a caller-supplied *connector* (usually
//! `stream::connect` for some address), reconnects with backoff when the
//! connection fails or drops, and sends inactivity probes, all following
//! the [`Reconnect`] policy. The owner drives it by awaiting
//! [`Session::next_event`] in its main loop, which returns when something
//! the owner must know happens:
//!
//! * [`Event::Connected`] — a new connection is up (re-send monitors,
//!   locks, etc.);
//! * [`Event::Message`] — a message arrived (echo traffic is handled
//!   inside and never shows up);
//! * [`Event::Disconnected`] — the connection was lost, with the reason;
//! * [`Event::GaveUp`] — the session is disabled (max tries reached).
//!
//! Messages are sent with [`Session::send`], which fails fast when not
//! connected or when the bounded queue is full (the caller decides whether
//! to retry after the next `Connected`). The clock is tokio's monotonic
//! clock, converted to the millisecond timeline `Reconnect` expects.

use crate::connection::{AsyncReadWrite, Config, ConnError, Connection};
use crate::message::Message;
use crate::reconnect::{Action, Reconnect};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::time::Instant;

/// A boxed connected stream, as returned by a connector.
pub type BoxedIo = Box<dyn AsyncReadWrite>;

/// The future a connector returns.
pub type ConnectFuture = Pin<Box<dyn Future<Output = std::io::Result<BoxedIo>> + Send>>;

/// Opens one new connection per call.
pub trait Connector: Send {
    /// Starts a connection attempt.
    fn connect(&mut self) -> ConnectFuture;
}

impl<F> Connector for F
where
    F: FnMut() -> ConnectFuture + Send,
{
    fn connect(&mut self) -> ConnectFuture {
        self()
    }
}

/// What [`Session::next_event`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A connection was established.
    Connected,
    /// A message was received.
    Message(Message),
    /// The connection was lost (or could not be kept), with the reason.
    Disconnected(String),
    /// The session stopped trying (max tries reached or disabled).
    GaveUp,
}

/// A reconnecting JSON-RPC client (see the module docs).
pub struct Session<C: Connector> {
    connector: C,
    reconnect: Reconnect,
    conn: Option<Connection>,
    config: Config,
    epoch: Instant,
    seen_received: u64,
}

impl<C: Connector> std::fmt::Debug for Session<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.reconnect.state())
            .finish_non_exhaustive()
    }
}

impl<C: Connector> Session<C> {
    /// A session that starts connecting on the first `next_event`.
    pub fn new(connector: C, config: Config) -> Self {
        let epoch = Instant::now();
        let mut reconnect = Reconnect::new(0);
        reconnect.enable(0);
        Session {
            connector,
            reconnect,
            conn: None,
            config,
            epoch,
            seen_received: 0,
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The policy, for tuning backoff, probe interval or max tries.
    pub fn reconnect_mut(&mut self) -> &mut Reconnect {
        &mut self.reconnect
    }

    /// The policy's current state.
    pub fn reconnect(&self) -> &Reconnect {
        &self.reconnect
    }

    /// True while a connection is up.
    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Queues `msg` on the current connection.
    pub fn send(&self, msg: Message) -> Result<(), ConnError> {
        match &self.conn {
            Some(c) => c.try_send(msg),
            None => Err(ConnError::Closed),
        }
    }

    /// Drops the current connection and reconnects (after backoff).
    pub fn force_reconnect(&mut self) {
        let now = self.now();
        self.reconnect.force_reconnect(now);
    }

    fn drop_connection(&mut self, reason: String) -> Event {
        let now = self.now();
        self.conn = None;
        self.seen_received = 0;
        self.reconnect.disconnected(now, Some(reason.clone()));
        Event::Disconnected(reason)
    }

    /// Drives the session until something happens (see [`Event`]).
    pub async fn next_event(&mut self) -> Event {
        loop {
            let now = self.now();
            if let Some(c) = &self.conn {
                let received = c.received();
                if received != self.seen_received {
                    self.seen_received = received;
                    self.reconnect.activity(now);
                }
            }
            match self.reconnect.run(now) {
                Some(Action::Connect) => {
                    self.reconnect.connecting(now);
                    let limit = self.reconnect.timeout(now).unwrap_or(1000).max(1);
                    let attempt = self.connector.connect();
                    let result = tokio::time::timeout(Duration::from_millis(limit), attempt).await;
                    let now = self.now();
                    match result {
                        Ok(Ok(io)) => {
                            self.conn = Some(Connection::new(io, self.config.clone()));
                            self.seen_received = 0;
                            self.reconnect.connected(now);
                            return Event::Connected;
                        }
                        Ok(Err(e)) => self.reconnect.connect_failed(now, e.to_string()),
                        Err(_) => self.reconnect.connect_failed(now, "connection timed out"),
                    }
                    continue;
                }
                Some(Action::Disconnect) => {
                    let reason = self
                        .reconnect
                        .last_error()
                        .unwrap_or("connection dropped")
                        .to_string();
                    if self.conn.is_some() {
                        return self.drop_connection(reason);
                    }
                    self.reconnect.disconnected(now, Some(reason));
                    continue;
                }
                Some(Action::Probe) => {
                    if let Some(c) = &self.conn {
                        if c.send_probe().is_err() {
                            return self.drop_connection("cannot send inactivity probe".into());
                        }
                    }
                    continue;
                }
                None => {}
            }
            let wait = self.reconnect.timeout(now).map(Duration::from_millis);
            let outcome = match (&mut self.conn, wait) {
                (Some(conn), wait) => {
                    let sleep = async {
                        match wait {
                            Some(w) => tokio::time::sleep(w).await,
                            None => std::future::pending::<()>().await,
                        }
                    };
                    tokio::select! {
                        r = conn.recv() => Some((r, conn.received())),
                        _ = sleep => None,
                    }
                }
                (None, Some(w)) => {
                    tokio::time::sleep(w).await;
                    None
                }
                (None, None) => return Event::GaveUp,
            };
            match outcome {
                None => {}
                Some((Ok(Some(m)), received)) => {
                    let now = self.now();
                    self.seen_received = received;
                    self.reconnect.activity(now);
                    return Event::Message(m);
                }
                Some((Ok(None), _)) => return self.drop_connection("End of file".into()),
                Some((Err(e), _)) => return self.drop_connection(e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};
    use tokio::io::DuplexStream;
    use tokio::sync::mpsc;

    /// A connector that fails `failures` times, then hands out duplex pipes
    /// whose far ends go to the test.
    fn connector(
        failures: usize,
    ) -> (
        impl Connector,
        mpsc::UnboundedReceiver<DuplexStream>,
        Arc<Mutex<usize>>,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let attempts = Arc::new(Mutex::new(0usize));
        let counter = attempts.clone();
        let c = move || -> ConnectFuture {
            let tx = tx.clone();
            let n = {
                let mut a = counter.lock().unwrap();
                *a += 1;
                *a
            };
            Box::pin(async move {
                if n <= failures {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        "refused",
                    ));
                }
                let (ours, theirs) = tokio::io::duplex(4096);
                let _ = tx.send(theirs);
                Ok(Box::new(ours) as BoxedIo)
            })
        };
        (c, rx, attempts)
    }

    #[tokio::test]
    async fn connects_after_failures_receives_and_reconnects() {
        let (c, mut peers, attempts) = connector(2);
        let mut s = Session::new(c, Config::default());
        s.reconnect_mut().set_backoff(5, 20);
        assert_eq!(s.next_event().await, Event::Connected);
        assert_eq!(*attempts.lock().unwrap(), 3);
        let mut peer = Connection::new(peers.recv().await.unwrap(), Config::default());
        peer.send(Message::notify("update", vec![json!(1)]))
            .await
            .unwrap();
        assert_eq!(
            s.next_event().await,
            Event::Message(Message::notify("update", vec![json!(1)]))
        );
        s.send(Message::request("list_dbs", vec![], json!(1)))
            .unwrap();
        assert_eq!(
            peer.recv().await.unwrap(),
            Some(Message::request("list_dbs", vec![], json!(1)))
        );
        drop(peer);
        assert_eq!(
            s.next_event().await,
            Event::Disconnected("End of file".into())
        );
        assert!(s.send(Message::notify("x", vec![])).is_err());
        assert_eq!(s.next_event().await, Event::Connected);
        assert!(s.is_connected());
    }

    #[tokio::test]
    async fn probes_an_idle_peer_then_gives_up_on_it() {
        let (c, mut peers, _) = connector(0);
        let mut s = Session::new(c, Config::default());
        s.reconnect_mut().set_probe_interval(1000);
        assert_eq!(s.next_event().await, Event::Connected);
        let mut peer = Connection::new(
            peers.recv().await.unwrap(),
            Config {
                handle_echo: false,
                ..Config::default()
            },
        );
        let session = tokio::spawn(async move { (s.next_event().await, s) });
        // After ~1 s of silence the session probes...
        assert_eq!(
            peer.recv().await.unwrap(),
            Some(Message::request("echo", vec![], json!("echo")))
        );
        // ...and, unanswered, drops the connection ~1 s later.
        let (event, _s) = session.await.unwrap();
        assert_eq!(
            event,
            Event::Disconnected("inactivity probe timeout".into())
        );
    }

    #[tokio::test]
    async fn gives_up_after_max_tries() {
        let (c, _peers, attempts) = connector(usize::MAX);
        let mut s = Session::new(c, Config::default());
        s.reconnect_mut().set_backoff(1, 2);
        s.reconnect_mut().set_max_tries(Some(3));
        assert_eq!(s.next_event().await, Event::GaveUp);
        assert_eq!(*attempts.lock().unwrap(), 3);
    }
}
