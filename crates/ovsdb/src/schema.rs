//! Database schemas (RFC 7047 section 3.2 plus Open vSwitch extensions).
//!
//! A [`DatabaseSchema`] names the database, carries an optional `version`
//! (`x.y.z`) and `cksum`, and holds [`TableSchema`]s in the order they were
//! given.  Each table lists [`ColumnSchema`]s and may be a root table
//! (`isRoot`), cap its row count (`maxRows`) and declare unique `indexes`.
//! Columns may be immutable (`"mutable": false`) or ephemeral (not written to
//! disk).
//!
//! Every table also has the two reserved columns `_uuid` and `_version`
//! (scalar UUIDs, immutable).  They are stored as column 0 and 1 of the
//! table's column list so that conditions, selects and monitors can treat
//! them like any other column; [`TableSchema::user_columns`] skips them.
//!
//! Parsing follows Open vSwitch's checks and messages (names beginning with
//! `_` are reserved, identifiers must be valid, references must name existing
//! tables, indexes may not be empty or name ephemeral columns, ...).  For
//! compatibility with schemas older than `isRoot`, a schema where no table is
//! marked as root treats every table as a root table.

use crate::atom::AtomicType;
use crate::error::{OvsdbError, Result};
use crate::parser::{is_valid_id, Kind, ObjParser};
use crate::types::Type;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Index of the reserved `_uuid` column in every table.
pub const UUID_COLUMN: usize = 0;
/// Index of the reserved `_version` column in every table.
pub const VERSION_COLUMN: usize = 1;
/// Number of reserved columns that precede the user columns.
pub const N_RESERVED: usize = 2;

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// Column type.
    pub ty: Type,
    /// Whether updates and mutations may change it after insertion.
    pub mutable: bool,
    /// Whether it is kept only in memory (not logged to disk).
    pub ephemeral: bool,
}

impl ColumnSchema {
    /// Whether this column is written to the on-disk log.
    pub fn persistent(&self) -> bool {
        !self.ephemeral
    }

    fn from_json(name: &str, json: &Value) -> Result<ColumnSchema> {
        let mut p = ObjParser::new(json, format!("schema for column {name}"));
        let ty = p.required("type", Kind::Any);
        let mutable = p.optional("mutable", Kind::Bool);
        let ephemeral = p.optional("ephemeral", Kind::Bool);
        p.finish()?;
        let ty = match ty {
            Some(t) => Type::from_json(t)?,
            None => return Err(OvsdbError::syntax(json, "missing type")),
        };
        Ok(ColumnSchema {
            name: name.to_string(),
            ty,
            mutable: mutable.and_then(Value::as_bool).unwrap_or(true),
            ephemeral: ephemeral.and_then(Value::as_bool).unwrap_or(false),
        })
    }

    /// The column in schema JSON notation.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), self.ty.to_json());
        if self.ephemeral {
            m.insert("ephemeral".into(), Value::Bool(true));
        }
        if !self.mutable {
            m.insert("mutable".into(), Value::Bool(false));
        }
        Value::Object(m)
    }
}

/// One table of a database.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// All columns: `_uuid`, `_version`, then the user columns in order.
    pub columns: Vec<ColumnSchema>,
    by_name: HashMap<String, usize>,
    /// Whether rows live without being referenced (effective value).
    pub is_root: bool,
    /// Whether `isRoot: true` was written in the schema.
    pub is_root_declared: bool,
    /// Maximum number of rows, if limited.
    pub max_rows: Option<u32>,
    /// The table-level `mutable` flag (kept and printed; like Open vSwitch,
    /// not enforced on transactions).
    pub mutable: bool,
    /// Unique indexes, as lists of column indexes.
    pub indexes: Vec<Vec<usize>>,
}

impl TableSchema {
    /// Builds a table from user columns (reserved columns are added here).
    pub fn new(name: impl Into<String>, user_columns: Vec<ColumnSchema>) -> Self {
        let mut columns = vec![
            ColumnSchema {
                name: "_uuid".into(),
                ty: Type::scalar(AtomicType::Uuid),
                mutable: false,
                ephemeral: false,
            },
            ColumnSchema {
                name: "_version".into(),
                ty: Type::scalar(AtomicType::Uuid),
                mutable: false,
                ephemeral: false,
            },
        ];
        columns.extend(user_columns);
        let by_name = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        TableSchema {
            name: name.into(),
            columns,
            by_name,
            is_root: false,
            is_root_declared: false,
            max_rows: None,
            mutable: true,
            indexes: Vec::new(),
        }
    }

    /// The index of column `name` (including `_uuid`/`_version`).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.get(self.column_index(name)?)
    }

    /// The user-defined columns with their indexes.
    pub fn user_columns(&self) -> impl Iterator<Item = (usize, &ColumnSchema)> + '_ {
        self.columns.iter().enumerate().skip(N_RESERVED)
    }

    fn from_json(name: &str, json: &Value) -> Result<TableSchema> {
        let mut p = ObjParser::new(json, format!("table schema for table {name}"));
        let columns = p.required("columns", Kind::Object);
        let mutable = p.optional("mutable", Kind::Bool);
        let max_rows = p.optional("maxRows", Kind::Integer);
        let is_root = p.optional("isRoot", Kind::Bool);
        let indexes = p.optional("indexes", Kind::Array);
        p.finish()?;
        let max_rows = match max_rows.and_then(crate::json::as_integer) {
            None => None,
            Some(n) if n >= 1 => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            Some(_) => return Err(OvsdbError::syntax(json, "maxRows must be at least 1")),
        };
        let mut user = Vec::new();
        if let Some(Value::Object(cols)) = columns {
            if cols.is_empty() {
                return Err(OvsdbError::syntax(
                    json,
                    "table must have at least one column",
                ));
            }
            for (cname, cjson) in cols {
                if cname.starts_with('_') {
                    return Err(OvsdbError::syntax(
                        json,
                        "names beginning with \"_\" are reserved",
                    ));
                }
                if !is_valid_id(cname) {
                    return Err(OvsdbError::syntax(json, "name must be a valid id"));
                }
                user.push(ColumnSchema::from_json(cname, cjson)?);
            }
        }
        let mut t = TableSchema::new(name, user);
        t.max_rows = max_rows;
        t.mutable = mutable.and_then(Value::as_bool).unwrap_or(true);
        t.is_root_declared = is_root.and_then(Value::as_bool).unwrap_or(false);
        t.is_root = t.is_root_declared;
        if let Some(Value::Array(idxs)) = indexes {
            for ij in idxs {
                let Some(names) = ij.as_array() else {
                    return Err(OvsdbError::syntax(
                        ij,
                        "array of distinct column names expected",
                    ));
                };
                if names.is_empty() {
                    return Err(OvsdbError::syntax(
                        json,
                        "index must have at least one column",
                    ));
                }
                let mut cols = Vec::new();
                for n in names {
                    let idx = n.as_str().and_then(|s| t.column_index(s)).ok_or_else(|| {
                        OvsdbError::syntax(
                            ij,
                            format!("{} is not a valid column name", n.as_str().unwrap_or("?")),
                        )
                    })?;
                    if cols.contains(&idx) {
                        return Err(OvsdbError::syntax(
                            ij,
                            "array of distinct column names expected",
                        ));
                    }
                    cols.push(idx);
                }
                if let Some(c) = cols
                    .iter()
                    .filter_map(|i| t.columns.get(*i))
                    .find(|c| c.ephemeral)
                {
                    return Err(OvsdbError::syntax(
                        json,
                        format!("ephemeral columns (such as {}) may not be indexed", c.name),
                    ));
                }
                t.indexes.push(cols);
            }
        }
        Ok(t)
    }

    /// The table in schema JSON notation.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut cols = Map::new();
        for (_, c) in self.user_columns() {
            cols.insert(c.name.clone(), c.to_json());
        }
        m.insert("columns".into(), Value::Object(cols));
        if self.is_root_declared {
            m.insert("isRoot".into(), Value::Bool(true));
        }
        if let Some(n) = self.max_rows {
            m.insert("maxRows".into(), n.into());
        }
        if !self.mutable {
            m.insert("mutable".into(), Value::Bool(false));
        }
        if !self.indexes.is_empty() {
            let idx = self
                .indexes
                .iter()
                .map(|cols| {
                    Value::Array(
                        cols.iter()
                            .filter_map(|i| self.columns.get(*i))
                            .map(|c| Value::String(c.name.clone()))
                            .collect(),
                    )
                })
                .collect();
            m.insert("indexes".into(), Value::Array(idx));
        }
        Value::Object(m)
    }
}

/// A whole database schema.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseSchema {
    /// Database name.
    pub name: String,
    /// Schema version (`x.y.z`), if given.
    pub version: Option<String>,
    /// Schema checksum, if given.
    pub cksum: Option<String>,
    /// Tables in schema order.
    pub tables: Vec<TableSchema>,
    by_name: HashMap<String, usize>,
}

/// Whether `v` has the form `x.y.z` with decimal numbers.
pub fn is_valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 10
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok()
        })
}

impl DatabaseSchema {
    /// Builds a schema from tables, applying the root-table compatibility
    /// rule and checking references.
    pub fn new(
        name: impl Into<String>,
        version: Option<String>,
        tables: Vec<TableSchema>,
    ) -> Result<Self> {
        let mut s = DatabaseSchema {
            name: name.into(),
            version,
            cksum: None,
            by_name: tables
                .iter()
                .enumerate()
                .map(|(i, t)| (t.name.clone(), i))
                .collect(),
            tables,
        };
        if !s.tables.iter().any(|t| t.is_root) {
            for t in &mut s.tables {
                t.is_root = true;
            }
        }
        s.check_references()?;
        Ok(s)
    }

    fn check_references(&self) -> Result<()> {
        for t in &self.tables {
            for (_, c) in t.user_columns() {
                let bases = [("key", Some(&c.ty.key)), ("value", c.ty.value.as_ref())];
                for (what, base) in bases {
                    if let Some(rt) = base.and_then(|b| b.ref_table.as_deref()) {
                        if self.table(rt).is_none() {
                            return Err(OvsdbError::new(
                                "syntax error",
                                format!(
                                    "column {} {} refers to undefined table {}",
                                    c.name, what, rt
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Parses and validates a schema.
    pub fn from_json(json: &Value) -> Result<DatabaseSchema> {
        let mut p = ObjParser::new(json, "database schema");
        let name = p.required("name", Kind::Id);
        let version = p.optional("version", Kind::String);
        let cksum = p.optional("cksum", Kind::String);
        let tables = p.required("tables", Kind::Object);
        p.finish()?;
        let name = name.and_then(Value::as_str).unwrap_or_default().to_string();
        let version = version.and_then(Value::as_str).map(str::to_string);
        if let Some(v) = &version {
            if !is_valid_version(v) {
                return Err(OvsdbError::syntax(
                    json,
                    format!("schema version \"{v}\" not in format x.y.z"),
                ));
            }
        }
        let mut ts = Vec::new();
        if let Some(Value::Object(tables)) = tables {
            for (tname, tjson) in tables {
                if tname.starts_with('_') {
                    return Err(OvsdbError::syntax(
                        json,
                        "names beginning with \"_\" are reserved",
                    ));
                }
                if !is_valid_id(tname) {
                    return Err(OvsdbError::syntax(json, "name must be a valid id"));
                }
                ts.push(TableSchema::from_json(tname, tjson)?);
            }
        }
        let mut s = DatabaseSchema::new(name, version, ts)?;
        s.cksum = cksum.and_then(Value::as_str).map(str::to_string);
        Ok(s)
    }

    /// The schema in JSON notation (as `get_schema` returns it).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name.clone()));
        if let Some(v) = &self.version {
            m.insert("version".into(), Value::String(v.clone()));
        }
        if let Some(c) = &self.cksum {
            m.insert("cksum".into(), Value::String(c.clone()));
        }
        let mut tables = Map::new();
        for t in &self.tables {
            tables.insert(t.name.clone(), t.to_json());
        }
        m.insert("tables".into(), Value::Object(tables));
        Value::Object(m)
    }

    /// The index of table `name`.
    pub fn table_index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.get(self.table_index(name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> OvsdbError {
        DatabaseSchema::from_json(&v).unwrap_err()
    }

    fn tbl(cols: Value) -> Value {
        json!({"name":"E","version":"1.0.0","tables":{"T":{"columns":cols}}})
    }

    #[test]
    fn errors_match_ovs() {
        // Observed with Debian's `ovsdb-tool create` 3.1 (its own
        // "failed to parse ... as ovsdb schema" prefix is the tool's).
        let e = err(json!({"name":"E","version":"1.0","tables":{}}));
        assert_eq!(
            e.details.as_deref(),
            Some("schema version \"1.0\" not in format x.y.z")
        );
        let e = err(tbl(json!({"_x":{"type":"integer"}})));
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"names beginning with \"_\" are reserved","syntax":"{\"columns\":{\"_x\":{\"type\":\"integer\"}}}"})
        );
        let e = err(tbl(json!({"a b":{"type":"integer"}})));
        assert_eq!(e.details.as_deref(), Some("name must be a valid id"));
        let e = err(tbl(
            json!({"c":{"type":{"key":{"type":"uuid","refTable":"Nope"}}}}),
        ));
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"column c key refers to undefined table Nope"})
        );
        let e = err(tbl(json!({"c":{"type":"integer","foo":1}})));
        assert_eq!(
            e.details.as_deref(),
            Some(
                "Parsing schema for column c failed: Member 'foo' is present but not allowed here."
            )
        );
        let e = err(tbl(json!({"c":{}})));
        assert_eq!(
            e.details.as_deref(),
            Some("Parsing schema for column c failed: Required 'type' member is missing.")
        );
        let e = err(
            json!({"name":"E","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[["b"]]}}}),
        );
        assert_eq!(
            e.to_json(),
            json!({"error":"syntax error","details":"b is not a valid column name","syntax":"[\"b\"]"})
        );
        let e = err(
            json!({"name":"E","tables":{"T":{"columns":{"a":{"type":"integer"}},"indexes":[[]]}}}),
        );
        assert_eq!(
            e.details.as_deref(),
            Some("index must have at least one column")
        );
        let e = err(
            json!({"name":"E","tables":{"T":{"columns":{"a":{"type":"integer","ephemeral":true}},"indexes":[["a"]]}}}),
        );
        assert_eq!(
            e.details.as_deref(),
            Some("ephemeral columns (such as a) may not be indexed")
        );
        let e = err(
            json!({"name":"E","tables":{"T":{"columns":{"a":{"type":"integer"}},"maxRows":0}}}),
        );
        assert_eq!(e.details.as_deref(), Some("maxRows must be at least 1"));
        let e =
            err(json!({"name":"E","tables":{"T":{"columns":{"a":{"type":"integer"}},"isRoot":1}}}));
        assert_eq!(
            e.details.as_deref(),
            Some("Parsing table schema for table T failed: Type mismatch for member 'isRoot'.")
        );
        let e = err(json!({"name":"1E","tables":{}}));
        assert_eq!(
            e.details.as_deref(),
            Some("Parsing database schema failed: Type mismatch for member 'name'.")
        );
        let e = err(json!({"name":"E","tables":{"T":{}}}));
        assert_eq!(
            e.details.as_deref(),
            Some("Parsing table schema for table T failed: Required 'columns' member is missing.")
        );
        let e = err(json!({"name":"E","tables":{"_T":{"columns":{"a":{"type":"integer"}}}}}));
        assert_eq!(
            e.details.as_deref(),
            Some("names beginning with \"_\" are reserved")
        );
    }

    #[test]
    fn round_trip_and_roots() {
        let v = json!({"name":"T","version":"1.2.3","cksum":"1 2","tables":{
            "A":{"columns":{"i":{"type":"integer","mutable":false},"e":{"type":"string","ephemeral":true}},"isRoot":true,"indexes":[["i"]]},
            "B":{"columns":{"n":{"type":"integer"}},"maxRows":3,"mutable":false}}});
        let s = DatabaseSchema::from_json(&v).unwrap();
        assert_eq!(s.to_json(), v);
        assert!(s.table("A").unwrap().is_root);
        assert!(!s.table("B").unwrap().is_root);
        assert_eq!(
            s.table("A").unwrap().column_index("_uuid"),
            Some(UUID_COLUMN)
        );
        assert_eq!(
            s.table("A").unwrap().column_index("_version"),
            Some(VERSION_COLUMN)
        );
        // No isRoot anywhere: every table is a root table.
        let s = DatabaseSchema::from_json(
            &json!({"name":"T","tables":{"B":{"columns":{"n":{"type":"integer"}}}}}),
        )
        .unwrap();
        assert!(s.table("B").unwrap().is_root);
        assert_eq!(
            s.to_json(),
            json!({"name":"T","tables":{"B":{"columns":{"n":{"type":"integer"}}}}})
        );
    }

    #[test]
    fn real_vswitch_schema_parses() {
        // The installed reference schema, when present, must parse and
        // round-trip through our serialiser.
        let Ok(text) = std::fs::read_to_string("/usr/share/openvswitch/vswitch.ovsschema") else {
            return;
        };
        let v: Value = serde_json::from_str(&text).unwrap();
        let s = DatabaseSchema::from_json(&v).unwrap();
        assert_eq!(s.name, "Open_vSwitch");
        let again = DatabaseSchema::from_json(&s.to_json()).unwrap();
        assert_eq!(again, s);
    }
}
