//! An OVSDB client connection that keeps a [`Replica`] current.
//!
//! [`Client::connect`] opens the remote and performs the start-up sequence
//! Open vSwitch clients use: it first monitors the `_Server` database's
//! `Database` table (to learn that the wanted database exists and is
//! connected; servers without `_Server` are tolerated), then fetches the
//! schema with `get_schema`, then sends `monitor_cond` for the wanted
//! tables and columns and loads the initial contents into the replica.
//! While any later request is outstanding, `update2` notifications that
//! arrive are applied, so the replica never lags behind a reply.
//!
//! [`Client::commit`] sends a [`Txn`] and returns its [`CommitStatus`];
//! [`Client::wait_for_update`] blocks until the next notification changes
//! the replica (used to retry after "try again" and to wait for `cur_cfg`
//! in `--wait` mode).

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonrpc::{Config, Connection, Message};
use ovsdb::DatabaseSchema;
use serde_json::{json, Value};

use crate::{CommitStatus, IdlError, Replica, Txn};

/// What to monitor: table name to column names (an empty list means every
/// column).  `None` monitors every table and column.
pub type MonitorSpec = Option<BTreeMap<String, Vec<String>>>;

/// A connected client with a live replica.
pub struct Client {
    conn: Connection,
    db: String,
    replica: Replica,
    next_id: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

const MONITOR_ID: &str = "monid";
const SERVER_MONITOR_ID: &str = "server-monid";

/// The `monitor_cond` requests for `spec` (see [`MonitorSpec`]): column names the schema
/// does not know are left out (asking for them would fail the whole request); a table left
/// with no known column is monitored by its first user column, which is enough to know its
/// rows.
fn monitor_requests(schema: &DatabaseSchema, spec: &MonitorSpec) -> serde_json::Map<String, Value> {
    let mut requests = serde_json::Map::new();
    for ts in &schema.tables {
        let all = || -> Vec<String> { ts.user_columns().map(|(_, c)| c.name.clone()).collect() };
        let cols: Vec<String> = match spec {
            None => all(),
            Some(m) => match m.get(&ts.name) {
                None => continue,
                Some(c) if c.is_empty() => all(),
                Some(c) => {
                    let mut known: Vec<String> = c
                        .iter()
                        .filter(|n| ts.user_columns().any(|(_, uc)| uc.name == **n))
                        .cloned()
                        .collect();
                    known.sort();
                    known.dedup();
                    if known.is_empty() {
                        known.extend(all().into_iter().take(1));
                    }
                    known
                }
            },
        };
        requests.insert(ts.name.clone(), json!([{"columns": cols}]));
    }
    requests
}

impl Client {
    /// Connects to `addr` and replicates database `db` (see module docs).
    pub async fn connect(
        addr: &stream::Address,
        ctx: &stream::Context,
        db: &str,
        spec: &MonitorSpec,
    ) -> Result<Client, IdlError> {
        let io = stream::connect(addr, ctx)
            .await
            .map_err(IdlError::Connect)?;
        Client::over(Connection::new(io, Config::default()), db, spec).await
    }

    /// Like [`Client::connect`], but the monitored tables and columns are chosen once the
    /// schema is known: `spec` gets the server's schema (a command-line tool can then resolve
    /// abbreviated table and column names and ask only for what its commands read).
    pub async fn connect_with(
        addr: &stream::Address,
        ctx: &stream::Context,
        db: &str,
        spec: impl FnOnce(&DatabaseSchema) -> MonitorSpec,
    ) -> Result<Client, IdlError> {
        let io = stream::connect(addr, ctx)
            .await
            .map_err(IdlError::Connect)?;
        Client::over_with(Connection::new(io, Config::default()), db, spec).await
    }

    /// Runs the start-up sequence over an established connection.
    pub async fn over(conn: Connection, db: &str, spec: &MonitorSpec) -> Result<Client, IdlError> {
        Client::over_with(conn, db, |_| spec.clone()).await
    }

    /// [`Client::over`] with the monitor spec chosen from the schema (see
    /// [`Client::connect_with`]).
    pub async fn over_with(
        conn: Connection,
        db: &str,
        spec: impl FnOnce(&DatabaseSchema) -> MonitorSpec,
    ) -> Result<Client, IdlError> {
        let mut client = Client {
            conn,
            db: db.to_string(),
            replica: Replica::new(Arc::new(
                DatabaseSchema::from_json(&json!({"name": db, "tables": {}}))
                    .map_err(|e| IdlError::Protocol(e.to_message()))?,
            )),
            next_id: 0,
        };
        let server_req = json!(["_Server", SERVER_MONITOR_ID, {"Database": [{
            "columns": ["name", "model", "connected", "leader", "schema", "cid", "index"],
            "where": [["name", "==", db]]}]}]);
        let mut schema_json = None;
        if let Ok(reply) = client
            .call(
                "monitor_cond",
                server_req.as_array().cloned().unwrap_or_default(),
            )
            .await?
        {
            let rows = reply.get("Database").and_then(Value::as_object);
            for row in rows.into_iter().flat_map(|r| r.values()) {
                let r = row.get("initial").unwrap_or(row);
                if r.get("connected") == Some(&Value::Bool(false)) {
                    return Err(IdlError::Protocol(format!(
                        "database {db} is not connected"
                    )));
                }
                if let Some(s) = r.get("schema").and_then(Value::as_str) {
                    schema_json = serde_json::from_str::<Value>(s).ok();
                }
            }
        }
        let schema_json = match schema_json {
            Some(s) => s,
            None => match client.call("get_schema", vec![json!(db)]).await? {
                Ok(s) => s,
                Err(e) => return Err(IdlError::Server(e)),
            },
        };
        let schema = DatabaseSchema::from_json(&schema_json)
            .map_err(|e| IdlError::Protocol(e.to_message()))?;
        let spec = spec(&schema);
        client.replica = Replica::new(Arc::new(schema));
        let requests = monitor_requests(client.replica.schema(), &spec);
        let params = vec![json!(db), json!(MONITOR_ID), Value::Object(requests)];
        match client.call("monitor_cond", params).await? {
            Ok(initial) => client.replica.apply_update2(&initial)?,
            Err(e) => return Err(IdlError::Server(e)),
        }
        Ok(client)
    }

    /// The replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// What the updates applied since the last call changed (see
    /// [`crate::replica::Changes`]); resets it.
    pub fn take_changes(&mut self) -> crate::replica::Changes {
        self.replica.take_changes()
    }

    /// The database name.
    pub fn db(&self) -> &str {
        &self.db
    }

    fn handle_notification(&mut self, method: &str, params: &[Value]) -> Result<bool, IdlError> {
        if method == "update2" && params.first().and_then(Value::as_str) == Some(MONITOR_ID) {
            if let Some(u) = params.get(1) {
                self.replica.apply_update2(u)?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Sends a request and waits for its answer: `Ok(result)` or
    /// `Err(error)` from the server.  Notifications that arrive meanwhile
    /// are applied.
    pub async fn call(
        &mut self,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Result<Value, Value>, IdlError> {
        self.next_id += 1;
        let id = json!(self.next_id);
        self.conn
            .send(Message::request(method, params, id.clone()))
            .await
            .map_err(IdlError::Conn)?;
        loop {
            match self.conn.recv().await.map_err(IdlError::Conn)? {
                None => return Err(IdlError::Conn(jsonrpc::ConnError::Eof)),
                Some(Message::Reply { result, id: rid }) if rid == id => return Ok(Ok(result)),
                Some(Message::Error { error, id: rid }) if rid == id => return Ok(Err(error)),
                Some(Message::Notify { method, params }) => {
                    self.handle_notification(&method, &params)?;
                }
                Some(_) => {}
            }
        }
    }

    /// Waits until a notification changes the replica.
    pub async fn wait_for_update(&mut self) -> Result<(), IdlError> {
        loop {
            match self.conn.recv().await.map_err(IdlError::Conn)? {
                None => return Err(IdlError::Conn(jsonrpc::ConnError::Eof)),
                Some(Message::Notify { method, params }) => {
                    if self.handle_notification(&method, &params)? {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// Waits until the replica has changed since it had sequence number
    /// `seqno` (returns at once if it already has).  After
    /// [`CommitStatus::TryAgain`], pass the seqno of the snapshot the
    /// transaction was built from (`txn.base().seqno()`): the update that
    /// caused the failure has usually arrived already.
    pub async fn wait_for_change_since(&mut self, seqno: u64) -> Result<(), IdlError> {
        while self.replica.seqno() == seqno {
            self.wait_for_update().await?;
        }
        Ok(())
    }

    /// Waits until `done` holds for the replica, re-checking after every
    /// update (e.g. `cur_cfg >= next_cfg` for `--wait`).  Callers bound the
    /// wait with their own timeout.
    pub async fn wait_until(
        &mut self,
        mut done: impl FnMut(&Replica) -> bool,
    ) -> Result<(), IdlError> {
        while !done(&self.replica) {
            self.wait_for_update().await?;
        }
        Ok(())
    }

    /// Commits `txn` (nothing is sent if it has no changes).
    pub async fn commit(&mut self, txn: &Txn) -> Result<CommitStatus, IdlError> {
        if !txn.has_changes() {
            return Ok(CommitStatus::Unchanged);
        }
        let (params, layout) = txn.build(&self.db);
        let reply = self.call("transact", params).await?;
        Ok(txn.parse_reply(&layout, reply.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_requests_keep_known_columns_only() {
        let schema = DatabaseSchema::from_json(&json!({"name": "D", "tables": {
            "A": {"columns": {"x": {"type": "string"}, "y": {"type": "integer"}}},
            "B": {"columns": {"z": {"type": "string"}}},
            "C": {"columns": {"w": {"type": "string"}}}}}))
        .unwrap();
        let all = monitor_requests(&schema, &None);
        assert_eq!(all.len(), 3);
        assert_eq!(all["A"], json!([{"columns": ["x", "y"]}]));
        let spec: MonitorSpec = Some(
            [
                (
                    "A".to_string(),
                    vec!["y".to_string(), "nope".to_string(), "y".to_string()],
                ),
                ("B".to_string(), vec!["nope".to_string()]),
                ("C".to_string(), vec![]),
                ("Nope".to_string(), vec!["x".to_string()]),
            ]
            .into_iter()
            .collect(),
        );
        let some = monitor_requests(&schema, &spec);
        assert_eq!(some.len(), 3);
        assert_eq!(some["A"], json!([{"columns": ["y"]}]));
        // No known column left: the table's rows are still followed.
        assert_eq!(some["B"], json!([{"columns": ["z"]}]));
        // An empty list means every column.
        assert_eq!(some["C"], json!([{"columns": ["w"]}]));
    }
}
