//! Command-line structure and the per-transaction context.
//!
//! ovs-vsctl's arguments after the global options are one or more commands
//! separated by `--`; each command is `[--OPTION[=VALUE]]... NAME [ARG]...`.
//! [`parse_commands`] splits and validates them against [`SYNTAXES`] (name,
//! argument counts, allowed options, whether it may write), producing the
//! error messages Open vSwitch prints.  [`Ctx`] is what a command runs
//! against: the transaction (whose view includes earlier commands'
//! changes), the `--id` symbol table, the cached bridge/port/interface
//! topology, and the console logger.

use std::collections::BTreeMap;

use ovsdb::text::Symbols;
use ovsdb::{Atom, Datum, Type};
use ovsdb_idl::Txn;
use uuid::Uuid;

use crate::format::Table;

/// Why a command (or the whole run) stops.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Print `ovs-vsctl: MESSAGE` and exit 1.
    #[error("{0}")]
    Fatal(String),
    /// Exit with this status silently.
    #[error("exit {0}")]
    Exit(i32),
    /// Abort this attempt, wait for the database to change and re-run.
    #[error("try again")]
    TryAgain,
}

/// Shorthand for a fatal error.
pub fn fatal<T>(msg: impl Into<String>) -> Result<T, Error> {
    Err(Error::Fatal(msg.into()))
}

impl From<ovsdb::text::TextError> for Error {
    fn from(e: ovsdb::text::TextError) -> Error {
        Error::Fatal(e.0)
    }
}

/// What a command does to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only reads.
    Ro,
    /// May write.
    Rw,
}

/// One command's syntax.
#[derive(Debug, Clone, Copy)]
pub struct Syntax {
    /// Command name.
    pub name: &'static str,
    /// Minimum number of arguments.
    pub min: usize,
    /// Maximum number of arguments.
    pub max: usize,
    /// Allowed options, comma separated, `=` for those taking a value.
    pub options: &'static str,
    /// Read-only or read-write.
    pub mode: Mode,
}

const MANY: usize = usize::MAX;

macro_rules! syn {
    ($n:expr, $min:expr, $max:expr, $o:expr, $m:ident) => {
        Syntax {
            name: $n,
            min: $min,
            max: $max,
            options: $o,
            mode: Mode::$m,
        }
    };
}

/// Every command ovs-vsctl knows.
pub const SYNTAXES: &[Syntax] = &[
    syn!("init", 0, 0, "", Rw),
    syn!("show", 0, 0, "", Ro),
    syn!("emer-reset", 0, 0, "", Rw),
    syn!("add-br", 1, 3, "--may-exist", Rw),
    syn!("del-br", 1, 1, "--if-exists", Rw),
    syn!("list-br", 0, 0, "--real,--fake", Ro),
    syn!("br-exists", 1, 1, "", Ro),
    syn!("br-to-vlan", 1, 1, "", Ro),
    syn!("br-to-parent", 1, 1, "", Ro),
    syn!("br-set-external-id", 2, 3, "", Rw),
    syn!("br-get-external-id", 1, 2, "", Ro),
    syn!("list-ports", 1, 1, "", Ro),
    syn!("add-port", 2, MANY, "--may-exist", Rw),
    syn!("add-bond", 4, MANY, "--may-exist,--fake-iface", Rw),
    syn!("add-bond-iface", 2, 2, "--may-exist", Rw),
    syn!("del-bond-iface", 1, 2, "--if-exists", Rw),
    syn!("del-port", 1, 2, "--if-exists,--with-iface", Rw),
    syn!("port-to-br", 1, 1, "", Ro),
    syn!("list-ifaces", 1, 1, "", Ro),
    syn!("iface-to-br", 1, 1, "", Ro),
    syn!("get-controller", 1, 1, "", Ro),
    syn!("del-controller", 1, 1, "", Rw),
    syn!("set-controller", 1, MANY, "--inactivity-probe=", Rw),
    syn!("get-fail-mode", 1, 1, "", Ro),
    syn!("del-fail-mode", 1, 1, "", Rw),
    syn!("set-fail-mode", 2, 2, "", Rw),
    syn!("get-manager", 0, 0, "", Ro),
    syn!("del-manager", 0, 0, "", Rw),
    syn!("set-manager", 1, MANY, "--inactivity-probe=", Rw),
    syn!("get-ssl", 0, 0, "", Ro),
    syn!("del-ssl", 0, 0, "", Rw),
    syn!("set-ssl", 3, 3, "--bootstrap", Rw),
    syn!("add-aa-mapping", 3, 3, "", Rw),
    syn!("del-aa-mapping", 3, 3, "", Rw),
    syn!("get-aa-mapping", 1, 1, "", Ro),
    syn!("comment", 0, MANY, "", Ro),
    syn!("get", 2, MANY, "--if-exists,--id=", Ro),
    syn!("list", 1, MANY, "--if-exists,--columns=", Ro),
    syn!("find", 1, MANY, "--columns=", Ro),
    syn!("set", 3, MANY, "--if-exists", Rw),
    syn!("add", 4, MANY, "--if-exists", Rw),
    syn!("remove", 4, MANY, "--if-exists", Rw),
    syn!("clear", 3, MANY, "--if-exists", Rw),
    syn!("create", 2, MANY, "--id=", Rw),
    syn!("destroy", 1, MANY, "--if-exists,--all", Rw),
    syn!("wait-until", 2, MANY, "", Ro),
];

/// Command options that may also appear among the global options (they
/// then apply to the first command), with whether they take a value.
pub const COMMAND_OPTIONS: &[(&str, bool)] = &[
    ("may-exist", false),
    ("if-exists", false),
    ("real", false),
    ("fake", false),
    ("fake-iface", false),
    ("with-iface", false),
    ("inactivity-probe", true),
    ("bootstrap", false),
    ("id", true),
    ("columns", true),
    ("all", false),
];

/// One parsed command.
#[derive(Debug, Clone)]
pub struct Command {
    /// Its syntax.
    pub syntax: Syntax,
    /// Options, in order, as `--name` and value.
    pub options: Vec<(String, Option<String>)>,
    /// `argv[0]` is the command name, then its arguments.
    pub argv: Vec<String>,
    /// Text output.
    pub output: String,
    /// Table output (list/find), printed instead of `output`.
    pub table: Option<Table>,
    /// Provisional UUID of a row created, printed after commit.
    pub created: Option<Uuid>,
}

impl Command {
    /// Whether option `name` (with dashes) was given.
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    /// The value of option `name`.
    pub fn opt(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Argument `i` (`argv[i]`), empty if absent.
    pub fn arg(&self, i: usize) -> &str {
        self.argv.get(i).map_or("", String::as_str)
    }

    /// The command as typed (options without values, then arguments).
    pub fn to_text(&self) -> String {
        let mut words: Vec<String> = self.options.iter().map(|(n, _)| n.clone()).collect();
        words.extend(self.argv.iter().cloned());
        words.join(" ")
    }
}

fn parse_one(
    args: &[String],
    mut options: Vec<(String, Option<String>)>,
) -> Result<Command, Error> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if !a.starts_with('-') {
            break;
        }
        let (k, v) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        if options.iter().any(|(n, _)| *n == k) {
            return fatal(format!("'{a}' option specified multiple times"));
        }
        options.push((k, v));
        i += 1;
    }
    let Some(name) = args.get(i) else {
        return fatal("missing command name (use --help for help)");
    };
    let Some(syntax) = SYNTAXES.iter().find(|s| s.name == name) else {
        return fatal(format!("unknown command '{name}'; use --help for help"));
    };
    for (k, v) in &options {
        let allowed = syntax.options.split(',').find_map(|o| {
            let (n, eq) = match o.strip_suffix('=') {
                Some(n) => (n, true),
                None => (o, false),
            };
            (n == k).then_some(eq)
        });
        match allowed {
            None => return fatal(format!("'{name}' command has no '{k}' option")),
            Some(false) if v.is_some() => {
                return fatal(format!(
                    "'{k}' option on '{name}' does not accept an argument"
                ))
            }
            Some(true) if v.is_none() => {
                return fatal(format!(
                    "missing argument to '{k}' option on '{name}' command"
                ))
            }
            _ => {}
        }
    }
    let argv: Vec<String> = args.get(i..).unwrap_or_default().to_vec();
    let n = argv.len() - 1;
    if n < syntax.min {
        return fatal(format!(
            "'{name}' command requires at least {} arguments",
            syntax.min
        ));
    }
    if n > syntax.max {
        let note = if argv.iter().skip(1).any(|a| a.starts_with('-')) {
            " (note that options must precede command names and follow a \"--\" argument)"
        } else {
            ""
        };
        return fatal(format!(
            "'{name}' command takes at most {} arguments{note}",
            syntax.max
        ));
    }
    Ok(Command {
        syntax: *syntax,
        options,
        argv,
        output: String::new(),
        table: None,
        created: None,
    })
}

/// Splits `args` on `--` and parses each command.  `local` are command
/// options given among the global options; they go to the first command.
pub fn parse_commands(
    args: &[String],
    local: Vec<(String, Option<String>)>,
) -> Result<Vec<Command>, Error> {
    let mut out = Vec::new();
    let mut local = Some(local);
    for seg in args.split(|a| a == "--") {
        if seg.is_empty() {
            continue;
        }
        out.push(parse_one(seg, local.take().unwrap_or_default())?);
    }
    if out.is_empty() {
        return fatal("missing command name (use --help for help)");
    }
    Ok(out)
}

/// One `--id` symbol.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// Its UUID (provisional if the row is created in this transaction).
    pub uuid: Uuid,
    /// Defined by `--id`.
    pub created: bool,
    /// Referenced from a strong reference column.
    pub strong: bool,
    /// Referenced from a weak reference column.
    pub weak: bool,
}

/// The `@name` symbols of one transaction.
#[derive(Debug, Default)]
pub struct Symtab {
    /// Symbols by name (with the `@`).
    pub syms: BTreeMap<String, Symbol>,
}

impl Symbols for Symtab {
    fn resolve(&mut self, name: &str) -> Uuid {
        self.syms
            .entry(name.to_string())
            .or_insert_with(|| Symbol {
                uuid: Uuid::new_v4(),
                created: false,
                strong: false,
                weak: false,
            })
            .uuid
    }
}

impl Symtab {
    /// Defines `id` (from `--id`) as naming a row; errors as Open vSwitch.
    pub fn create(&mut self, id: &str) -> Result<&mut Symbol, Error> {
        if !id.starts_with('@') {
            return fatal(format!("row id \"{id}\" does not begin with \"@\""));
        }
        self.resolve(id);
        let Some(sym) = self.syms.get_mut(id) else {
            return fatal(format!("row id \"{id}\" is invalid"));
        };
        if sym.created {
            return fatal(format!(
                "row id \"{id}\" may only be specified on one --id option"
            ));
        }
        sym.created = true;
        Ok(sym)
    }
}

/// The console logger: Open vSwitch's `TIME|SEQ|MODULE|LEVEL|MESSAGE`.
#[derive(Debug)]
pub struct Logger {
    /// Whether warnings reach the console.
    pub console: bool,
}

/// Next log sequence number (messages counted by any destination).
pub static LOG_SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Formats the current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

impl Logger {
    /// Logs a warning from `module`.
    pub fn warn(&self, module: &str, msg: &str) {
        let seq = LOG_SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.console {
            eprintln!("{}|{seq:05}|{module}|WARN|{msg}", utc_now());
        }
    }
}

/// Everything a command runs against.
///
/// `topo` holds the topology cache of [`crate::vswitch`]: built once per
/// transaction attempt by the first command that needs it, kept up to date by
/// the commands that add or delete bridges, ports and interfaces, and dropped
/// by any other write that could change the topology (see
/// [`Ctx::write`]/[`Ctx::delete`]), so the next user rebuilds it.
pub struct Ctx {
    /// The transaction (its view includes earlier commands' changes).
    pub txn: Txn,
    /// `--id` symbols.
    pub symtab: Symtab,
    /// The Open_vSwitch row.
    pub ovs: Uuid,
    /// Logger.
    pub log: Logger,
    /// Interfaces created by this run (checked after `--wait` reloads).
    pub new_ifaces: Vec<Uuid>,
    /// The topology cache, if currently valid.
    pub topo: Option<crate::vswitch::Cache>,
}

/// Whether writing `col` of `table` can change the topology cache.
fn topo_column(table: &str, col: &str) -> bool {
    matches!(
        (table, col),
        ("Open_vSwitch", "bridges")
            | ("Bridge", "name" | "ports")
            | ("Port", "name" | "interfaces" | "tag" | "fake_bridge")
            | ("Interface", "name")
    )
}

impl Ctx {
    /// The value of `col` in row `uuid` of `table` (default if unknown).
    pub fn get(&self, table: &str, uuid: &Uuid, col: &str) -> Datum {
        if let Some(d) = self.txn.view().get(table, uuid, col) {
            return d.clone();
        }
        self.col_type(table, col)
            .map(|t| Datum::default_for(&t))
            .unwrap_or_else(Datum::empty_set)
    }

    /// The type of `col` in `table`.
    pub fn col_type(&self, table: &str, col: &str) -> Option<Type> {
        self.txn
            .view()
            .table_schema(table)
            .and_then(|t| t.column(col))
            .map(|c| c.ty.clone())
    }

    /// The value of `col` in row `uuid` of `table`, borrowed (`None` for an
    /// unknown row or column, whose value is the column's default: for
    /// the scalar readers below, absent or empty).
    fn peek(&self, table: &str, uuid: &Uuid, col: &str) -> Option<&Datum> {
        self.txn.view().get(table, uuid, col)
    }

    /// The string value of `col` (first element).
    pub fn get_str(&self, table: &str, uuid: &Uuid, col: &str) -> Option<String> {
        match self.peek(table, uuid, col) {
            Some(d) => d.first().and_then(Atom::as_str).map(str::to_string),
            None => self
                .get(table, uuid, col)
                .first()
                .and_then(Atom::as_str)
                .map(str::to_string),
        }
    }

    /// The integer value of `col` (first element).
    pub fn get_int(&self, table: &str, uuid: &Uuid, col: &str) -> Option<i64> {
        match self.peek(table, uuid, col) {
            Some(d) => d.first().and_then(Atom::as_integer),
            None => self
                .get(table, uuid, col)
                .first()
                .and_then(Atom::as_integer),
        }
    }

    /// The boolean value of `col`.
    pub fn get_bool(&self, table: &str, uuid: &Uuid, col: &str) -> bool {
        match self.peek(table, uuid, col) {
            Some(d) => matches!(d.first(), Some(Atom::Boolean(true))),
            None => matches!(
                self.get(table, uuid, col).first(),
                Some(Atom::Boolean(true))
            ),
        }
    }

    /// The UUIDs in `col`.
    pub fn get_uuids(&self, table: &str, uuid: &Uuid, col: &str) -> Vec<Uuid> {
        match self.peek(table, uuid, col) {
            Some(d) => d.keys().iter().filter_map(Atom::as_uuid).collect(),
            None => self
                .get(table, uuid, col)
                .keys()
                .iter()
                .filter_map(Atom::as_uuid)
                .collect(),
        }
    }

    /// Writes `col`.
    pub fn write(&mut self, table: &str, uuid: &Uuid, col: &str, d: Datum) {
        if topo_column(table, col) {
            self.topo = None;
        }
        self.txn.write(table, uuid, col, d);
    }

    /// Writes a set of UUIDs.
    pub fn write_uuids(&mut self, table: &str, uuid: &Uuid, col: &str, u: &[Uuid]) {
        self.write(
            table,
            uuid,
            col,
            Datum::set(u.iter().map(|u| Atom::Uuid(*u)).collect()),
        );
    }

    /// Records a read the command's result depends on.
    pub fn verify(&mut self, table: &str, uuid: &Uuid, col: &str) {
        self.txn.verify(table, uuid, col);
    }

    /// Inserts a row.
    pub fn insert(&mut self, table: &str) -> Uuid {
        self.txn.insert(table, None)
    }

    /// Deletes a row.
    pub fn delete(&mut self, table: &str, uuid: &Uuid) {
        if matches!(table, "Open_vSwitch" | "Bridge" | "Port" | "Interface") {
            self.topo = None;
        }
        self.txn.delete(table, uuid);
    }

    /// Every row UUID of `table`, in UUID order.
    pub fn rows(&self, table: &str) -> Vec<Uuid> {
        self.txn.view().rows(table).map(|r| r.uuid()).collect()
    }

    /// Parses a datum of `ty` (a column of `table`), resolving and noting
    /// `@name` references.
    pub fn parse_datum(&mut self, ty: &Type, s: &str) -> Result<Datum, Error> {
        let d = ovsdb::text::datum_from_string(ty, s, Some(&mut self.symtab))?;
        self.note_refs(ty, &d);
        Ok(d)
    }

    /// Marks symbols referenced from a column of type `ty`.
    pub fn note_refs(&mut self, ty: &Type, d: &Datum) {
        let mut mark = |base: &ovsdb::BaseType, a: &Atom| {
            if let (Some((_, rt)), Some(u)) = (base.reference(), a.as_uuid()) {
                for s in self.symtab.syms.values_mut() {
                    if s.uuid == u {
                        match rt {
                            ovsdb::RefType::Strong => s.strong = true,
                            ovsdb::RefType::Weak => s.weak = true,
                        }
                    }
                }
            }
        };
        for (k, v) in d.iter() {
            mark(&ty.key, k);
            if let (Some(v), Some(vt)) = (v, &ty.value) {
                mark(vt, v);
            }
        }
    }

    /// Parses one atom of `base`.
    pub fn parse_atom(&mut self, base: &ovsdb::BaseType, s: &str) -> Result<Atom, Error> {
        Ok(ovsdb::text::atom_from_string(
            base,
            s,
            Some(&mut self.symtab),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn err(s: &str, local: Vec<(String, Option<String>)>) -> String {
        match parse_commands(&args(s), local) {
            Err(Error::Fatal(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn splits_and_validates_commands() {
        let cmds = parse_commands(
            &args("add-br br0 -- -- --may-exist add-port br0 p1 tag=1"),
            vec![],
        )
        .unwrap();
        assert_eq!(cmds.len(), 2);
        assert!(cmds[1].has("--may-exist"));
        assert_eq!(cmds[1].to_text(), "--may-exist add-port br0 p1 tag=1");
        let local = vec![("--id".to_string(), Some("@b".to_string()))];
        let cmds = parse_commands(&args("get bridge br0"), local).unwrap();
        assert_eq!(cmds[0].opt("--id"), Some("@b"));
        assert_eq!(
            err("frob", vec![]),
            "unknown command 'frob'; use --help for help"
        );
        assert_eq!(
            err("add-br", vec![]),
            "'add-br' command requires at least 1 arguments"
        );
        assert_eq!(
            err("list-br --real", vec![]),
            "'list-br' command takes at most 0 arguments (note that options must precede command names and follow a \"--\" argument)"
        );
        assert_eq!(
            err("list-br x", vec![]),
            "'list-br' command takes at most 0 arguments"
        );
        assert_eq!(
            err("list-br", vec![("--may-exist".into(), None)]),
            "'list-br' command has no '--may-exist' option"
        );
        assert_eq!(
            err("--if-exists --if-exists del-br x", vec![]),
            "'--if-exists' option specified multiple times"
        );
        assert_eq!(
            err("-- --", vec![]),
            "missing command name (use --help for help)"
        );
        assert_eq!(
            err("--id create qos", vec![]),
            "missing argument to '--id' option on 'create' command"
        );
    }

    #[test]
    fn symbols() {
        let mut st = Symtab::default();
        let u = st.resolve("@a");
        assert_eq!(st.resolve("@a"), u);
        assert!(st.create("@a").is_ok());
        assert!(
            matches!(st.create("@a"), Err(Error::Fatal(m)) if m == "row id \"@a\" may only be specified on one --id option")
        );
        assert!(
            matches!(st.create("a"), Err(Error::Fatal(m)) if m == "row id \"a\" does not begin with \"@\"")
        );
    }

    #[test]
    fn utc_format() {
        let t = utc_now();
        assert_eq!(t.len(), 20);
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T');
    }
}
