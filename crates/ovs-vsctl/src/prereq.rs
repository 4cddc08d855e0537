//! What the commands read: the tables and columns to replicate.
//!
//! Open vSwitch's ovs-vsctl does not copy the whole database: each command
//! declares the columns it will read ("prerequisites") and only those are
//! monitored.  On a switch with many ports this matters: the `Interface`
//! table carries statistics, status and link columns that ovs-vswitchd keeps
//! rewriting, and fetching and parsing all of them for every call dominates
//! the cost of a small change.
//!
//! [`monitor_spec`] computes the same kind of selection from the parsed
//! commands and the server's schema:
//!
//! * always the `Open_vSwitch` row's `bridges` (and `cur_cfg` when waiting
//!   for ovs-vswitchd);
//! * the bridge/port/interface topology (names, `ports`, `interfaces`,
//!   `tag`, `fake_bridge`, plus `controller`/`fail_mode`) for the commands
//!   that work on it, and each new interface's `ofport`/`error` when
//!   waiting (to report interfaces ovs-vswitchd could not set up);
//! * for the generic database commands, the table they name with the
//!   columns their arguments name (`get`, `set`, `add`, `remove`, `clear`,
//!   `create`) or every column (`list`, `find`, `destroy`, `wait-until`),
//!   plus the columns that identify its records by name;
//! * every table and column for any other command (`show`, `emer-reset`,
//!   manager and SSL commands...), and for arguments that do not parse (the
//!   command then reports the error as before).
//!
//! Columns that are not replicated read as their default values; the
//! selection must therefore cover every column a command reads, verifies,
//! or rewrites from its current value.  Writes of other columns are fine.

use std::collections::{BTreeMap, BTreeSet};

use ovsdb::schema::TableSchema;
use ovsdb::DatabaseSchema;
use ovsdb_idl::MonitorSpec;

use crate::cmd::Command;
use crate::dbctl::{find_column, find_table, ROW_IDS};

/// Columns of the bridge/port/interface topology (what Open vSwitch's
/// `pre_get_info` asks for).
const TOPOLOGY: &[(&str, &[&str])] = &[
    ("Open_vSwitch", &["bridges"]),
    ("Bridge", &["name", "controller", "fail_mode", "ports"]),
    ("Port", &["name", "fake_bridge", "tag", "interfaces"]),
    ("Interface", &["name"]),
];

/// Commands that only need [`TOPOLOGY`] (and their own arguments).
const TOPOLOGY_COMMANDS: &[&str] = &[
    "init",
    "comment",
    "add-br",
    "del-br",
    "list-br",
    "br-exists",
    "br-to-vlan",
    "br-to-parent",
    "list-ports",
    "add-port",
    "add-bond",
    "add-bond-iface",
    "del-bond-iface",
    "del-port",
    "port-to-br",
    "list-ifaces",
    "iface-to-br",
    "get-fail-mode",
    "del-fail-mode",
    "set-fail-mode",
];

/// The selection being built: `None` once something needs everything.
struct Spec<'a> {
    schema: &'a DatabaseSchema,
    tables: Option<BTreeMap<String, BTreeSet<String>>>,
}

impl Spec<'_> {
    fn add(&mut self, table: &str, cols: &[&str]) {
        if let Some(t) = &mut self.tables {
            let set = t.entry(table.to_string()).or_default();
            set.extend(cols.iter().map(|c| c.to_string()));
        }
    }

    fn add_all(&mut self, ts: &TableSchema) {
        let cols: Vec<&str> = ts.user_columns().map(|(_, c)| c.name.as_str()).collect();
        self.add(&ts.name, &cols);
    }

    fn everything(&mut self) {
        self.tables = None;
    }

    /// The columns `table`'s records are found by (name column, or a
    /// reference from another table's named row).
    fn row_ids(&mut self, table: &str) {
        self.add(table, &[]);
        if let Some((_, id)) = ROW_IDS.iter().find(|(n, _)| *n == table) {
            let cols: Vec<&str> = id.name_col.into_iter().chain(id.uuid_col).collect();
            self.add(id.table, &cols);
        }
    }

    /// The column named at the start of `arg` (`COLUMN[:KEY]...`); every
    /// column if it does not parse.
    fn named_column(&mut self, ts: &TableSchema, arg: &str) {
        let mut pos = 0;
        let col = ovsdb::text::token(arg, &mut pos)
            .ok()
            .and_then(|name| find_column(ts, &name));
        match col {
            Some(c) => self.add(&ts.name, &[c.as_str()]),
            None => self.add_all(ts),
        }
    }
}

/// Commands' generic-database arguments: which table, and which of its
/// columns ([`Cols::Named`]: the columns at the start of the arguments from
/// that index on).
enum Cols {
    All,
    Named(usize),
    Column(usize),
}

fn generic(name: &str) -> Option<Cols> {
    Some(match name {
        "list" | "find" | "wait-until" | "destroy" => Cols::All,
        "get" | "set" | "clear" => Cols::Named(3),
        "create" => Cols::Named(2),
        "add" | "remove" => Cols::Column(3),
        _ => return None,
    })
}

/// The tables and columns `commands` read (see module docs).
pub fn monitor_spec(schema: &DatabaseSchema, commands: &[Command], wait: bool) -> MonitorSpec {
    let mut spec = Spec {
        schema,
        tables: Some(BTreeMap::new()),
    };
    spec.add("Open_vSwitch", &["bridges"]);
    if wait {
        spec.add("Open_vSwitch", &["cur_cfg"]);
    }
    for c in commands {
        let name = c.syntax.name;
        if TOPOLOGY_COMMANDS.contains(&name) {
            for (t, cols) in TOPOLOGY {
                spec.add(t, cols);
            }
            if wait {
                spec.add("Interface", &["ofport", "error"]);
            }
            if matches!(name, "add-port" | "add-bond") && c.argv.iter().any(|a| a.contains('=')) {
                // Column settings for the new port.
                if let Some(ts) = spec.schema.table("Port") {
                    spec.add_all(ts);
                }
            }
            continue;
        }
        let Some(cols) = generic(name) else {
            spec.everything();
            continue;
        };
        let Some(ts) = find_table(spec.schema, c.arg(1)) else {
            spec.everything();
            continue;
        };
        spec.row_ids(&ts.name);
        match cols {
            Cols::All => spec.add_all(ts),
            Cols::Named(from) => {
                for a in c.argv.iter().skip(from) {
                    if name == "get"
                        && (a.eq_ignore_ascii_case("_uuid") || a.eq_ignore_ascii_case("-uuid"))
                    {
                        continue;
                    }
                    spec.named_column(ts, a);
                }
            }
            Cols::Column(i) => spec.named_column(ts, c.arg(i)),
        }
    }
    spec.tables.map(|t| {
        t.into_iter()
            .map(|(k, v)| (k, v.into_iter().collect()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::parse_commands;

    fn schema() -> DatabaseSchema {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../schemas/vswitch.ovsschema"
        ))
        .unwrap();
        DatabaseSchema::from_json(&serde_json::from_str(&text).unwrap()).unwrap()
    }

    fn spec(args: &[&str], wait: bool) -> MonitorSpec {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let cmds = parse_commands(&args, Vec::new()).unwrap();
        monitor_spec(&schema(), &cmds, wait)
    }

    fn cols(s: &MonitorSpec, t: &str) -> Vec<String> {
        s.as_ref().unwrap().get(t).cloned().unwrap_or_default()
    }

    #[test]
    fn add_port_reads_the_topology_only() {
        let s = spec(
            &[
                "add-port",
                "br0",
                "p1",
                "--",
                "set",
                "interface",
                "p1",
                "type=internal",
            ],
            true,
        );
        assert_eq!(cols(&s, "Open_vSwitch"), ["bridges", "cur_cfg"]);
        assert_eq!(cols(&s, "Interface"), ["error", "name", "ofport", "type"]);
        assert_eq!(
            cols(&s, "Port"),
            ["fake_bridge", "interfaces", "name", "tag"]
        );
        assert_eq!(
            cols(&s, "Bridge"),
            ["controller", "fail_mode", "name", "ports"]
        );
        assert!(s.as_ref().unwrap().get("Mirror").is_none());
        let s = spec(&["add-port", "br0", "p1"], false);
        assert_eq!(cols(&s, "Interface"), ["name"]);
        assert_eq!(cols(&s, "Open_vSwitch"), ["bridges"]);
    }

    #[test]
    fn generic_commands_read_what_they_name() {
        // Abbreviated names, map keys, row ids through another table.
        let s = spec(
            &["set", "br", "br0", "other-config:x=1", "fail=secure"],
            false,
        );
        assert_eq!(cols(&s, "Bridge"), ["fail_mode", "name", "other_config"]);
        let s = spec(&["get", "controller", "br0", "target", "_uuid"], false);
        assert_eq!(cols(&s, "Controller"), ["target"]);
        assert_eq!(cols(&s, "Bridge"), ["controller", "name"]);
        let s = spec(&["add", "port", "p1", "trunks", "1"], false);
        assert_eq!(cols(&s, "Port"), ["name", "trunks"]);
        let s = spec(&["list", "interface"], false);
        assert!(cols(&s, "Interface").contains(&"statistics".to_string()));
        // What cannot be resolved, or any other command, reads everything.
        assert!(spec(&["set", "nosuchtable", "x", "a=b"], false).is_none());
        assert!(
            spec(&["set", "bridge", "br0", "nosuchcol=1"], false).is_some_and(|m| m
                .get("Bridge")
                .is_some_and(|c| c.contains(&"stp_enable".into())))
        );
        assert!(spec(&["show"], false).is_none());
        assert!(spec(&["add-br", "b", "--", "emer-reset"], false).is_none());
        // Settings of a new port need the whole Port row.
        let s = spec(&["add-port", "br0", "p1", "tag=5"], false);
        assert!(cols(&s, "Port").contains(&"vlan_mode".to_string()));
    }
}
