//! Which remotes the server listens on or connects to, including `db:` references.
//!
//! `--remote` values are either addresses (`punix:FILE`, `ptcp:PORT`, `tcp:IP:PORT`, ...) or
//! `db:DB,TABLE,COLUMN` references (also the older `db:TABLE,COLUMN`, meaning the first served
//! database): every row of TABLE contributes the remotes in COLUMN, which holds either target
//! strings or references to rows with a `target` column (Open_vSwitch's `manager_options`
//! points at Manager rows, whose `inactivity_probe` and `max_backoff` are honoured). The same
//! `db:` syntax names SSL files (`--private-key=db:Open_vSwitch,SSL,private_key`).
//!
//! Resolution is pure: [`RemoteConfig::resolve`] reads the databases and returns the remotes in
//! force; the core re-resolves after every commit to a database a reference points into and
//! publishes the result to the network side, which starts and stops listeners to match.

use std::collections::{BTreeMap, BTreeSet};

use ovsdb::atom::Atom;
use ovsdb::db::Database;

/// One remote in force.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Remote {
    /// The address (`punix:...`, `ptcp:...`, `tcp:...`).
    pub target: String,
    /// Inactivity probe interval, milliseconds (0 disables; `None` = the default).
    pub inactivity_probe: Option<u64>,
    /// Maximum reconnection backoff for active remotes, milliseconds.
    pub max_backoff: Option<u64>,
}

/// A `db:` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbRef {
    /// The database (`None`: the first served database).
    pub db: Option<String>,
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
}

impl DbRef {
    /// Parses `db:DB,TABLE,COLUMN` or `db:TABLE,COLUMN`; `None` for other strings.
    pub fn parse(s: &str) -> Option<Result<DbRef, String>> {
        let body = s.strip_prefix("db:")?;
        let parts: Vec<&str> = body.split(',').collect();
        Some(match parts.as_slice() {
            [db, table, column] => Ok(DbRef {
                db: Some(db.to_string()),
                table: table.to_string(),
                column: column.to_string(),
            }),
            [table, column] => Ok(DbRef {
                db: None,
                table: table.to_string(),
                column: column.to_string(),
            }),
            _ => Err(format!("\"{s}\": invalid syntax")),
        })
    }

    fn database<'a>(&self, dbs: &BTreeMap<&str, &'a Database>) -> Option<&'a Database> {
        match &self.db {
            Some(name) => dbs.get(name.as_str()).copied(),
            None => dbs
                .iter()
                .find(|(n, _)| **n != crate::server_db::NAME)
                .map(|(_, d)| *d),
        }
    }

    /// The string values of the column across all rows (for SSL file references).
    pub fn strings(&self, dbs: &BTreeMap<&str, &Database>) -> Vec<String> {
        let mut out = Vec::new();
        let Some(db) = self.database(dbs) else {
            return out;
        };
        let (Some(table), Some(ts)) = (db.table(&self.table), db.schema().table(&self.table))
        else {
            return out;
        };
        let Some(ci) = ts.column_index(&self.column) else {
            return out;
        };
        for row in table.rows() {
            if let Some(d) = row.get(ci) {
                for (k, _) in d.iter() {
                    if let Atom::String(s) = k {
                        out.push(s.clone());
                    }
                }
            }
        }
        out
    }

    /// The remotes named by the column across all rows.
    fn remotes(&self, dbs: &BTreeMap<&str, &Database>) -> Vec<Remote> {
        let mut out = Vec::new();
        let Some(db) = self.database(dbs) else {
            return out;
        };
        let (Some(table), Some(ts)) = (db.table(&self.table), db.schema().table(&self.table))
        else {
            return out;
        };
        let Some(ci) = ts.column_index(&self.column) else {
            return out;
        };
        let ref_table = ts
            .column(&self.column)
            .and_then(|c| c.ty.key.ref_table.clone());
        for row in table.rows() {
            let Some(d) = row.get(ci) else { continue };
            for (k, _) in d.iter() {
                match (k, &ref_table) {
                    (Atom::String(s), _) => out.push(Remote {
                        target: s.clone(),
                        inactivity_probe: None,
                        max_backoff: None,
                    }),
                    (Atom::Uuid(u), Some(rt)) => {
                        if let Some(r) = referenced_remote(db, rt, u) {
                            out.push(r);
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

fn referenced_remote(db: &Database, table: &str, uuid: &uuid::Uuid) -> Option<Remote> {
    let ts = db.schema().table(table)?;
    let row = db.table(table)?.get(uuid)?;
    let int = |col: &str| -> Option<u64> {
        let ci = ts.column_index(col)?;
        match row.get(ci)?.first()? {
            Atom::Integer(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    };
    let target = match row.get(ts.column_index("target")?)?.first()? {
        Atom::String(s) => s.clone(),
        _ => return None,
    };
    Some(Remote {
        target,
        inactivity_probe: int("inactivity_probe"),
        max_backoff: int("max_backoff"),
    })
}

/// SSL options: each a file name or a `db:` reference (`--private-key=db:Open_vSwitch,SSL,
/// private_key`, as Open vSwitch's start scripts pass them), resolved like the remotes so that
/// `ovs-vsctl set-ssl` takes effect without a restart.
#[derive(Debug, Clone, Default)]
pub struct SslConfig {
    /// `--private-key`.
    pub private_key: Option<String>,
    /// `--certificate`.
    pub certificate: Option<String>,
    /// `--ca-cert`.
    pub ca_cert: Option<String>,
    /// `--bootstrap-ca-cert` (used when `--ca-cert` is not given).
    pub bootstrap_ca_cert: Option<String>,
}

impl SslConfig {
    fn options(&self) -> impl Iterator<Item = &String> {
        [
            &self.private_key,
            &self.certificate,
            &self.ca_cert,
            &self.bootstrap_ca_cert,
        ]
        .into_iter()
        .flatten()
    }

    fn resolve_one(value: &Option<String>, dbs: &BTreeMap<&str, &Database>) -> Option<String> {
        let v = value.as_ref()?;
        match DbRef::parse(v) {
            None => Some(v.clone()),
            Some(Err(_)) => None,
            Some(Ok(r)) => r.strings(dbs).into_iter().next(),
        }
    }

    /// The SSL files in force, when all three are known.
    pub fn resolve(&self, dbs: &BTreeMap<&str, &Database>) -> Option<stream::TlsFiles> {
        let key = Self::resolve_one(&self.private_key, dbs)?;
        let cert = Self::resolve_one(&self.certificate, dbs)?;
        let (ca, bootstrap) = match Self::resolve_one(&self.ca_cert, dbs) {
            Some(ca) => (ca, false),
            None => (Self::resolve_one(&self.bootstrap_ca_cert, dbs)?, true),
        };
        Some(stream::TlsFiles {
            private_key: key.into(),
            certificate: cert.into(),
            ca_cert: ca.into(),
            bootstrap_ca_cert: bootstrap,
            peer_ca_cert: None,
        })
    }
}

/// What the network side must run: the remotes and the SSL files in force.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolved {
    /// Remotes, sorted and de-duplicated.
    pub remotes: Vec<Remote>,
    /// SSL files, when configured.
    pub tls: Option<stream::TlsFiles>,
}

/// The configured remotes (addresses and `db:` references, in the order given) and SSL options.
#[derive(Debug, Clone, Default)]
pub struct RemoteConfig {
    configured: Vec<String>,
    ssl: SslConfig,
}

/// A `--remote` or `add-remote` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError(pub String);

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a remote string's syntax.
pub fn validate(remote: &str) -> Result<(), RemoteError> {
    if let Some(r) = DbRef::parse(remote) {
        return r.map(|_| ()).map_err(RemoteError);
    }
    stream::Address::parse(remote, Some(stream::OVSDB_PORT))
        .map(|_| ())
        .map_err(|e| RemoteError(format!("{remote}: {e}")))
}

impl RemoteConfig {
    /// The configuration from `--remote` and SSL options.
    pub fn new(remotes: &[String], ssl: SslConfig) -> Result<RemoteConfig, RemoteError> {
        for v in ssl.options() {
            if let Some(Err(e)) = DbRef::parse(v) {
                return Err(RemoteError(e));
            }
        }
        let mut c = RemoteConfig {
            configured: Vec::new(),
            ssl,
        };
        for r in remotes {
            c.add(r)?;
        }
        Ok(c)
    }

    /// Adds a remote (`ovsdb-server/add-remote`).
    pub fn add(&mut self, remote: &str) -> Result<(), RemoteError> {
        validate(remote)?;
        if !self.configured.iter().any(|r| r == remote) {
            self.configured.push(remote.to_string());
        }
        Ok(())
    }

    /// Removes a remote; false when it was not configured.
    pub fn remove(&mut self, remote: &str) -> bool {
        let before = self.configured.len();
        self.configured.retain(|r| r != remote);
        self.configured.len() != before
    }

    /// The configured strings, sorted as `ovsdb-server/list-remotes` prints them.
    pub fn configured(&self) -> Vec<String> {
        let mut v = self.configured.clone();
        v.sort();
        v
    }

    /// Whether a commit to any of `changed` may change the remotes in force.
    pub fn depends_on(&self, changed: &BTreeSet<String>) -> bool {
        self.configured
            .iter()
            .chain(self.ssl.options())
            .any(|r| match DbRef::parse(r) {
                Some(Ok(dbref)) => dbref.db.as_ref().is_none_or(|d| changed.contains(d)),
                _ => false,
            })
    }

    /// The remotes and SSL files in force given the databases' contents.
    pub fn resolve(&self, dbs: &BTreeMap<&str, &Database>) -> Resolved {
        Resolved {
            remotes: self.resolve_remotes(dbs),
            tls: self.ssl.resolve(dbs),
        }
    }

    /// The remotes in force given the databases' contents, sorted and de-duplicated.
    fn resolve_remotes(&self, dbs: &BTreeMap<&str, &Database>) -> Vec<Remote> {
        let mut out: Vec<Remote> = Vec::new();
        for r in &self.configured {
            match DbRef::parse(r) {
                Some(Ok(dbref)) => out.extend(dbref.remotes(dbs)),
                Some(Err(_)) => {}
                None => out.push(Remote {
                    target: r.clone(),
                    inactivity_probe: None,
                    max_backoff: None,
                }),
            }
        }
        out.sort();
        out.dedup_by(|a, b| a.target == b.target);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_db_references() {
        assert_eq!(
            DbRef::parse("db:Open_vSwitch,Open_vSwitch,manager_options"),
            Some(Ok(DbRef {
                db: Some("Open_vSwitch".into()),
                table: "Open_vSwitch".into(),
                column: "manager_options".into()
            }))
        );
        assert_eq!(
            DbRef::parse("db:Open_vSwitch,manager_options"),
            Some(Ok(DbRef {
                db: None,
                table: "Open_vSwitch".into(),
                column: "manager_options".into()
            }))
        );
        assert!(matches!(DbRef::parse("db:x"), Some(Err(_))));
        assert_eq!(DbRef::parse("punix:/x"), None);
    }

    #[test]
    fn validates_addresses() {
        assert!(validate("punix:/tmp/x.sock").is_ok());
        assert!(validate("ptcp:6640:127.0.0.1").is_ok());
        assert!(validate("bogus:1").is_err());
    }
}
