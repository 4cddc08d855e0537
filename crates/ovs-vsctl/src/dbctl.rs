//! The generic database commands (`list`, `find`, `get`, `set`, `add`,
//! `remove`, `clear`, `create`, `destroy`, `wait-until`, `comment`) and
//! Open vSwitch's rules for naming tables, columns and records.
//!
//! * Tables and columns may be abbreviated: a name scores by how many
//!   leading characters match case-insensitively (`-` and `_` equal), an
//!   exact match wins, ties are ambiguous.
//! * A record is named by UUID, by a unique UUID prefix (4+ hex digits), or
//!   by the table's "row ids" (see [`ROW_IDS`]): a name column, `.` for the
//!   single Open_vSwitch row, or a column of another table's row found by
//!   name ("via `controller` of Bridge with matching `name`").
//! * `COLUMN[:KEY]OP VALUE` arguments use the plain-text value notation of
//!   [`ovsdb::text`].

use std::cmp::Ordering;

use ovsdb::schema::TableSchema;
use ovsdb::{Atom, AtomicType, Datum, Type};
use uuid::Uuid;

use crate::cmd::{fatal, Command, Ctx, Error};
use crate::format::{Cell, Table};

/// How records of a table can be named (besides UUIDs).
pub struct RowId {
    /// Table to search.
    pub table: &'static str,
    /// Column holding the name (`None`: the table's single row, as ".").
    pub name_col: Option<&'static str>,
    /// Column of the found row that points to the record.
    pub uuid_col: Option<&'static str>,
}

/// Row ids per table, as ovs-vsctl's `--help` lists them.
pub const ROW_IDS: &[(&str, RowId)] = &[
    (
        "AutoAttach",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: Some("auto_attach"),
        },
    ),
    (
        "Bridge",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: None,
        },
    ),
    (
        "Controller",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: Some("controller"),
        },
    ),
    (
        "Flow_Sample_Collector_Set",
        RowId {
            table: "Flow_Sample_Collector_Set",
            name_col: Some("id"),
            uuid_col: None,
        },
    ),
    (
        "Flow_Table",
        RowId {
            table: "Flow_Table",
            name_col: Some("name"),
            uuid_col: None,
        },
    ),
    (
        "IPFIX",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: Some("ipfix"),
        },
    ),
    (
        "Interface",
        RowId {
            table: "Interface",
            name_col: Some("name"),
            uuid_col: None,
        },
    ),
    (
        "Manager",
        RowId {
            table: "Manager",
            name_col: Some("target"),
            uuid_col: None,
        },
    ),
    (
        "Mirror",
        RowId {
            table: "Mirror",
            name_col: Some("name"),
            uuid_col: None,
        },
    ),
    (
        "NetFlow",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: Some("netflow"),
        },
    ),
    (
        "Open_vSwitch",
        RowId {
            table: "Open_vSwitch",
            name_col: None,
            uuid_col: None,
        },
    ),
    (
        "Port",
        RowId {
            table: "Port",
            name_col: Some("name"),
            uuid_col: None,
        },
    ),
    (
        "QoS",
        RowId {
            table: "Port",
            name_col: Some("name"),
            uuid_col: Some("qos"),
        },
    ),
    (
        "SSL",
        RowId {
            table: "Open_vSwitch",
            name_col: None,
            uuid_col: Some("ssl"),
        },
    ),
    (
        "sFlow",
        RowId {
            table: "Bridge",
            name_col: Some("name"),
            uuid_col: Some("sflow"),
        },
    ),
];

fn norm(c: u8) -> u8 {
    if c == b'-' {
        b'_'
    } else {
        c.to_ascii_lowercase()
    }
}

/// Open vSwitch's partial-name score (see module docs).
fn score(name: &str, s: &str) -> u32 {
    if name == s {
        return u32::MAX;
    }
    let (a, b) = (name.as_bytes(), s.as_bytes());
    let mut i = 0;
    loop {
        let (x, y) = (a.get(i).copied(), b.get(i).copied());
        if x.map(norm) != y.map(norm) {
            break;
        }
        if x.is_none() {
            return u32::MAX - 1;
        }
        i += 1;
    }
    if i == b.len() {
        i as u32
    } else {
        0
    }
}

/// The tables (in name order) whose names score best against `name`.
fn table_hits<'a>(schema: &'a ovsdb::DatabaseSchema, name: &str) -> Vec<&'a TableSchema> {
    let mut tables: Vec<&TableSchema> = schema.tables.iter().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let best = tables
        .iter()
        .map(|t| score(&t.name, name))
        .max()
        .unwrap_or(0);
    tables
        .into_iter()
        .filter(|t| best > 0 && score(&t.name, name) == best)
        .collect()
}

/// The table `name` (possibly abbreviated) designates, if exactly one.
pub fn find_table<'a>(schema: &'a ovsdb::DatabaseSchema, name: &str) -> Option<&'a TableSchema> {
    match table_hits(schema, name).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Finds a table by (abbreviated) name.
pub fn get_table(ctx: &Ctx, name: &str) -> Result<TableSchema, Error> {
    let schema = ctx.txn.view().schema().clone();
    match table_hits(&schema, name).as_slice() {
        [one] => Ok((*one).clone()),
        [] => fatal(format!("unknown table \"{name}\"")),
        many => {
            let names: Vec<&str> = many.iter().map(|t| t.name.as_str()).collect();
            fatal(format!(
                "\"{name}\" matches multiple table names: {}",
                names.join(", ")
            ))
        }
    }
}

/// The user columns (in name order, with their indexes) whose names score
/// best against `name`.
fn column_hits<'a>(t: &'a TableSchema, name: &str) -> Vec<(&'a str, usize)> {
    let best = t
        .user_columns()
        .map(|(_, c)| score(&c.name, name))
        .max()
        .unwrap_or(0);
    let mut hits: Vec<(&str, usize)> = t
        .user_columns()
        .filter(|(_, c)| best > 0 && score(&c.name, name) == best)
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    hits.sort();
    hits
}

/// The name of the user column `name` (possibly abbreviated) designates,
/// if exactly one.
pub fn find_column(t: &TableSchema, name: &str) -> Option<String> {
    match column_hits(t, name).as_slice() {
        [(n, _)] => Some(n.to_string()),
        _ => None,
    }
}

/// Finds a user column by (abbreviated) name; returns its index.
pub fn get_column(t: &TableSchema, name: &str) -> Result<usize, Error> {
    let hits = column_hits(t, name);
    match hits.as_slice() {
        [(_, i)] => Ok(*i),
        [_, ..] => {
            let names: Vec<&str> = hits.iter().map(|(n, _)| *n).collect();
            fatal(format!(
                "{} contains more than one column whose name matches \"{name}\": {}",
                t.name,
                names.join(", ")
            ))
        }
        [] => fatal(format!(
            "{} does not contain a column whose name matches \"{name}\"",
            t.name
        )),
    }
}

fn col_name(t: &TableSchema, i: usize) -> String {
    t.columns.get(i).map(|c| c.name.clone()).unwrap_or_default()
}

fn col_type(t: &TableSchema, i: usize) -> Type {
    t.columns
        .get(i)
        .map(|c| c.ty.clone())
        .unwrap_or_else(|| Type::scalar(AtomicType::String))
}

fn row_by_id(ctx: &mut Ctx, t: &TableSchema, id: &RowId, rec: &str) -> Result<Option<Uuid>, Error> {
    let referrer = match id.name_col {
        None => {
            if rec != "." {
                return Ok(None);
            }
            let rows = ctx.rows(id.table);
            if rows.len() == 1 {
                rows.first().copied()
            } else {
                None
            }
        }
        Some(nc) => {
            let Some(rt) = ctx.txn.view().table_schema(id.table).cloned() else {
                return Ok(None);
            };
            let Some(ty) = rt.column(nc).map(|c| c.ty.clone()) else {
                return Ok(None);
            };
            let Ok(want) = ovsdb::text::atom_from_string(&ty.key, rec, None) else {
                return Ok(None);
            };
            let mut found = None;
            for r in ctx.rows(id.table) {
                let d = ctx.get(id.table, &r, nc);
                if d.len() == 1 && d.first() == Some(&want) {
                    if found.is_some() {
                        return fatal(format!("multiple rows in {} match \"{rec}\"", t.name));
                    }
                    found = Some(r);
                }
            }
            found
        }
    };
    let Some(referrer) = referrer else {
        return Ok(None);
    };
    match id.uuid_col {
        None => Ok(Some(referrer)),
        Some(uc) => {
            ctx.verify(id.table, &referrer, uc);
            let us = ctx.get_uuids(id.table, &referrer, uc);
            Ok(match us.as_slice() {
                [u] if ctx.txn.view().row(&t.name, u).is_some() => Some(*u),
                _ => None,
            })
        }
    }
}

/// Finds record `rec` of table `t` (see module docs).
pub fn get_row(
    ctx: &mut Ctx,
    t: &TableSchema,
    rec: &str,
    must: bool,
) -> Result<Option<Uuid>, Error> {
    let mut row = None;
    if let Ok(u) = Uuid::parse_str(rec) {
        if rec.len() == 36 && ctx.txn.view().row(&t.name, &u).is_some() {
            row = Some(u);
        }
    }
    if row.is_none() {
        if let Some((_, id)) = ROW_IDS.iter().find(|(n, _)| *n == t.name) {
            row = row_by_id(ctx, t, id, rec)?;
        }
    }
    let partial = rec.len() >= 4
        && rec.len() <= 36
        && rec.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if row.is_none() && partial {
        let lower = rec.to_ascii_lowercase();
        for r in ctx.rows(&t.name) {
            if r.to_string().starts_with(&lower) {
                if let Some(prev) = row {
                    return fatal(format!(
                        "{} contains 2 or more rows whose UUIDs begin with {rec}: at least {prev} and {r}",
                        t.name
                    ));
                }
                row = Some(r);
            }
        }
    }
    if must && row.is_none() {
        return fatal(format!("no row \"{rec}\" in table {}", t.name));
    }
    Ok(row)
}

/// `--columns` (or all columns): `None` entries stand for `_uuid`.
fn parse_columns(t: &TableSchema, spec: Option<&str>) -> Result<Vec<Option<usize>>, Error> {
    match spec {
        None => {
            let mut cols: Vec<(String, usize)> =
                t.user_columns().map(|(i, c)| (c.name.clone(), i)).collect();
            cols.sort();
            let mut out = vec![None];
            out.extend(cols.into_iter().map(|(_, i)| Some(i)));
            Ok(out)
        }
        Some(s) => {
            let mut out = Vec::new();
            for name in s.split([',', ' ', '\t']).filter(|n| !n.is_empty()) {
                if name.eq_ignore_ascii_case("_uuid") || name.eq_ignore_ascii_case("-uuid") {
                    out.push(None);
                } else {
                    out.push(Some(get_column(t, name)?));
                }
            }
            Ok(out)
        }
    }
}

fn make_table(ctx: &Ctx, t: &TableSchema, cols: &[Option<usize>], rows: &[Uuid]) -> Table {
    let headings = cols
        .iter()
        .map(|c| c.map_or_else(|| "_uuid".to_string(), |i| col_name(t, i)))
        .collect();
    let rows = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| match c {
                    None => Cell {
                        datum: Datum::scalar(Atom::Uuid(*r)),
                        ty: Type::scalar(AtomicType::Uuid),
                    },
                    Some(i) => Cell {
                        datum: ctx.get(&t.name, r, &col_name(t, *i)),
                        ty: col_type(t, *i),
                    },
                })
                .collect()
        })
        .collect();
    Table { headings, rows }
}

const FIND_OPS: &[&str] = &[
    "=", "!=", "<", ">", "<=", ">=", "{=}", "{!=}", "{<}", "{>}", "{<=}", "{>=}", "{in}",
    "{not-in}",
];

/// A parsed `COLUMN[:KEY]OP VALUE`.
struct Cond {
    col: usize,
    key: Option<String>,
    op: &'static str,
    value: String,
}

fn parse_ckv(t: &TableSchema, arg: &str, ops: &[&'static str]) -> Result<Cond, Error> {
    let mut pos = 0;
    let name = ovsdb::text::token(arg, &mut pos)?;
    if name.is_empty() {
        return fatal(format!("{arg}: missing column name"));
    }
    let col = get_column(t, &name)?;
    let mut key = None;
    if arg.get(pos..).is_some_and(|r| r.starts_with(':')) {
        pos += 1;
        key = Some(ovsdb::text::token(arg, &mut pos)?);
    }
    let rest = arg.get(pos..).unwrap_or("");
    let mut best: Option<&'static str> = None;
    for op in ops {
        if op.len() > best.map_or(0, str::len) && rest.starts_with(op) && rest.len() > op.len() {
            best = Some(op);
        }
    }
    let Some(op) = best else {
        let mut m = format!(
            "{arg}: argument does not end in \"{}\"",
            ops.first().unwrap_or(&"=")
        );
        if ops.len() == 2 {
            m.push_str(&format!(" or \"{}\"", ops[1]));
        } else if ops.len() > 2 {
            for o in &ops[1..ops.len() - 1] {
                m.push_str(&format!(", \"{o}\""));
            }
            m.push_str(&format!(", or \"{}\"", ops[ops.len() - 1]));
        }
        m.push_str(" followed by a value.");
        return fatal(m);
    };
    Ok(Cond {
        col,
        key,
        op,
        value: rest.get(op.len()..).unwrap_or("").to_string(),
    })
}

fn check_mutable(ctx: &Ctx, t: &TableSchema, row: &Uuid, col: usize) -> Result<(), Error> {
    let mutable = t.columns.get(col).is_some_and(|c| c.mutable);
    if !mutable && !ctx.txn.is_inserted(&t.name, row) {
        return fatal(format!(
            "cannot modify read-only column {} in table {}",
            col_name(t, col),
            t.name
        ));
    }
    Ok(())
}

fn union_replace(d: &Datum, add: &Datum) -> Datum {
    if d.is_map() {
        let mut pairs: Vec<(Atom, Atom)> = d
            .iter()
            .filter(|(k, _)| !add.contains_key(k))
            .filter_map(|(k, v)| v.map(|v| (k.clone(), v.clone())))
            .collect();
        pairs.extend(
            add.iter()
                .filter_map(|(k, v)| v.map(|v| (k.clone(), v.clone()))),
        );
        Datum::map(pairs)
    } else {
        let mut x = d.clone();
        x.union(add);
        x
    }
}

/// `COLUMN[:KEY]=VALUE` on row `row` of `table` (used by `set`, `create`
/// and `add-port`'s column settings).
pub fn set_column(ctx: &mut Ctx, table: &str, row: &Uuid, arg: &str) -> Result<(), Error> {
    let Some(t) = ctx.txn.view().table_schema(table).cloned() else {
        return Ok(());
    };
    let c = parse_ckv(&t, arg, &["="])?;
    check_mutable(ctx, &t, row, c.col)?;
    let ty = col_type(&t, c.col);
    let name = col_name(&t, c.col);
    let d = match &c.key {
        Some(k) => {
            let Some(vt) = ty.value.clone() else {
                return fatal(format!(
                    "cannot specify key to set for non-map column {name}"
                ));
            };
            let ka = ctx.parse_atom(&ty.key, k)?;
            let va = ctx.parse_atom(&vt, &c.value)?;
            let new = Datum::map(vec![(ka, va)]);
            ctx.note_refs(&ty, &new);
            ctx.verify(table, row, &name);
            union_replace(&ctx.get(table, row, &name), &new)
        }
        None => ctx.parse_datum(&ty, &c.value)?,
    };
    ctx.write(table, row, &name, d);
    Ok(())
}

fn evaluate(op: &str, a: &Datum, b: &Datum) -> bool {
    let cmp = || a.len().cmp(&b.len()).then_with(|| a.iter().cmp(b.iter()));
    match op {
        "=" | "{=}" => cmp() == Ordering::Equal,
        "!=" | "{!=}" => cmp() != Ordering::Equal,
        "<" => cmp() == Ordering::Less,
        ">" => cmp() == Ordering::Greater,
        "<=" => cmp() != Ordering::Greater,
        ">=" => cmp() != Ordering::Less,
        "{<}" => b.len() > a.len() && b.includes(a),
        "{>}" => a.len() > b.len() && a.includes(b),
        "{<=}" | "{in}" => b.includes(a),
        "{>=}" => a.includes(b),
        "{not-in}" => b.excludes(a),
        _ => false,
    }
}

fn satisfied(ctx: &mut Ctx, t: &TableSchema, row: &Uuid, c: &Cond) -> Result<bool, Error> {
    let ty = col_type(t, c.col);
    let have = ctx.get(&t.name, row, &col_name(t, c.col));
    match &c.key {
        Some(k) => {
            let Some(vt) = ty.value.clone() else {
                return fatal(format!(
                    "cannot specify key to check for non-map column {}",
                    col_name(t, c.col)
                ));
            };
            let want = ctx.parse_atom(&ty.key, k)?;
            let st = Type {
                key: vt,
                value: None,
                min: 0,
                max: ovsdb::types::UNLIMITED,
            };
            let b = ctx.parse_datum(&st, &c.value)?;
            let is_set_op = c.op.starts_with('{');
            match have.get(&want) {
                None if !is_set_op => Ok(false),
                v => {
                    let a = Datum::set(v.cloned().into_iter().collect());
                    Ok(evaluate(c.op, &a, &b))
                }
            }
        }
        None => {
            let b = ctx.parse_datum(&ty, &c.value)?;
            Ok(evaluate(c.op, &have, &b))
        }
    }
}

/// Runs a database command; `Ok(false)` if `cmd` is not one.
pub fn run(ctx: &mut Ctx, cmd: &mut Command) -> Result<bool, Error> {
    let name = cmd.syntax.name;
    if name == "comment" {
        return Ok(true);
    }
    if !matches!(
        name,
        "list"
            | "find"
            | "get"
            | "set"
            | "add"
            | "remove"
            | "clear"
            | "create"
            | "destroy"
            | "wait-until"
    ) {
        return Ok(false);
    }
    let t = get_table(ctx, cmd.arg(1))?;
    let must = !cmd.has("--if-exists");
    match name {
        "list" => {
            let cols = parse_columns(&t, cmd.opt("--columns"))?;
            let mut rows = Vec::new();
            if cmd.argv.len() > 2 {
                for rec in cmd.argv.iter().skip(2).cloned().collect::<Vec<_>>() {
                    if let Some(r) = get_row(ctx, &t, &rec, must)? {
                        rows.push(r);
                    }
                }
            } else {
                rows = ctx.rows(&t.name);
            }
            cmd.table = Some(make_table(ctx, &t, &cols, &rows));
        }
        "find" => {
            let cols = parse_columns(&t, cmd.opt("--columns"))?;
            let conds: Vec<Cond> = cmd
                .argv
                .iter()
                .skip(2)
                .map(|a| parse_ckv(&t, a, FIND_OPS))
                .collect::<Result<_, _>>()?;
            let mut rows = Vec::new();
            for r in ctx.rows(&t.name) {
                let mut ok = true;
                for c in &conds {
                    if !satisfied(ctx, &t, &r, c)? {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    rows.push(r);
                }
            }
            cmd.table = Some(make_table(ctx, &t, &cols, &rows));
        }
        "get" => {
            let Some(row) = get_row(ctx, &t, cmd.arg(2), must)? else {
                return Ok(true);
            };
            if let Some(id) = cmd.opt("--id").map(str::to_string) {
                let sym = ctx.symtab.create(&id)?;
                sym.uuid = row;
                sym.strong = true;
            }
            for arg in cmd.argv.iter().skip(3).cloned().collect::<Vec<_>>() {
                if arg.eq_ignore_ascii_case("_uuid") || arg.eq_ignore_ascii_case("-uuid") {
                    cmd.output.push_str(&format!("{row}\n"));
                    continue;
                }
                let mut pos = 0;
                let cname = ovsdb::text::token(&arg, &mut pos)?;
                if cname.is_empty() {
                    return fatal(format!("{arg}: missing column name"));
                }
                let col = get_column(&t, &cname)?;
                let mut key = None;
                if arg.get(pos..).is_some_and(|r| r.starts_with(':')) {
                    pos += 1;
                    key = Some(ovsdb::text::token(&arg, &mut pos)?);
                }
                if pos < arg.len() {
                    return fatal(format!(
                        "{arg}: trailing garbage \"{}\" in argument",
                        arg.get(pos..).unwrap_or("")
                    ));
                }
                let cn = col_name(&t, col);
                let ty = col_type(&t, col);
                ctx.verify(&t.name, &row, &cn);
                let d = ctx.get(&t.name, &row, &cn);
                match key {
                    Some(k) => {
                        let Some(vt) = ty.value.clone() else {
                            return fatal(format!(
                                "cannot specify key to get for non-map column {cn}"
                            ));
                        };
                        let ka = ctx.parse_atom(&ty.key, &k)?;
                        match d.get(&ka) {
                            Some(v) => {
                                let vty = Type {
                                    key: vt,
                                    value: None,
                                    min: 1,
                                    max: 1,
                                };
                                cmd.output
                                    .push_str(&Datum::scalar(v.clone()).to_ovs_string(&vty));
                            }
                            None if must => {
                                return fatal(format!(
                                    "no key \"{k}\" in {} record \"{}\" column {cn}",
                                    t.name,
                                    cmd.arg(2)
                                ))
                            }
                            None => {}
                        }
                    }
                    None => cmd.output.push_str(&d.to_ovs_string(&ty)),
                }
                cmd.output.push('\n');
            }
        }
        "set" => {
            let Some(row) = get_row(ctx, &t, cmd.arg(2), must)? else {
                return Ok(true);
            };
            for arg in cmd.argv.iter().skip(3).cloned().collect::<Vec<_>>() {
                set_column(ctx, &t.name, &row, &arg)?;
            }
        }
        "add" | "remove" => {
            let Some(row) = get_row(ctx, &t, cmd.arg(2), must)? else {
                return Ok(true);
            };
            let col = get_column(&t, cmd.arg(3))?;
            check_mutable(ctx, &t, &row, col)?;
            let cn = col_name(&t, col);
            let ty = col_type(&t, col);
            let mut d = ctx.get(&t.name, &row, &cn);
            let mut loose = ty.clone();
            loose.min = 1;
            loose.max = ovsdb::types::UNLIMITED;
            for arg in cmd.argv.iter().skip(4).cloned().collect::<Vec<_>>() {
                if name == "add" {
                    let x = ctx.parse_datum(&loose, &arg)?;
                    d = union_replace(&d, &x);
                } else {
                    let x = match ctx.parse_datum(&loose, &arg) {
                        Ok(x) => x,
                        Err(_) if loose.is_map() => {
                            let keys = Type {
                                key: loose.key.clone(),
                                value: None,
                                min: 1,
                                max: loose.max,
                            };
                            ctx.parse_datum(&keys, &arg)?
                        }
                        Err(e) => return Err(e),
                    };
                    d.subtract(&x);
                }
            }
            if name == "remove" && (d.len() as u64) < u64::from(ty.min) {
                return fatal(format!(
                    "\"remove\" operation would put {} {} in column {cn} of table {} but the minimum number is {}",
                    d.len(),
                    if d.len() == 1 { "value" } else { "values" },
                    t.name,
                    ty.min
                ));
            }
            ctx.verify(&t.name, &row, &cn);
            ctx.write(&t.name, &row, &cn, d);
        }
        "clear" => {
            let Some(row) = get_row(ctx, &t, cmd.arg(2), must)? else {
                return Ok(true);
            };
            for arg in cmd.argv.iter().skip(3).cloned().collect::<Vec<_>>() {
                let col = get_column(&t, &arg)?;
                check_mutable(ctx, &t, &row, col)?;
                let ty = col_type(&t, col);
                let cn = col_name(&t, col);
                if ty.min > 0 {
                    return fatal(format!(
                        "\"clear\" operation cannot be applied to column {cn} of table {}, which is not allowed to be empty",
                        t.name
                    ));
                }
                ctx.write(&t.name, &row, &cn, Datum::empty(&ty));
            }
        }
        "create" => {
            let uuid = match cmd.opt("--id").map(str::to_string) {
                Some(id) => {
                    let root = t.is_root;
                    let sym = ctx.symtab.create(&id)?;
                    if root {
                        sym.strong = true;
                    }
                    Some(sym.uuid)
                }
                None => {
                    if !t.is_root {
                        ctx.log.warn(
                            "db_ctl_base",
                            &format!(
                                "applying \"create\" command to table {} without --id option will have no effect",
                                t.name
                            ),
                        );
                    }
                    None
                }
            };
            let row = ctx.txn.insert(&t.name, uuid);
            for arg in cmd.argv.iter().skip(2).cloned().collect::<Vec<_>>() {
                set_column(ctx, &t.name, &row, &arg)?;
            }
            cmd.created = Some(row);
        }
        "destroy" => {
            let all = cmd.has("--all");
            if all && cmd.argv.len() > 2 {
                return fatal("--all and records argument should not be specified together");
            }
            if !all && cmd.argv.len() < 3 {
                ctx.log.warn(
                    "db_ctl_base",
                    "either --all or records argument should be specified",
                );
                return Ok(true);
            }
            if all {
                for r in ctx.rows(&t.name) {
                    ctx.delete(&t.name, &r);
                }
            } else {
                for rec in cmd.argv.iter().skip(2).cloned().collect::<Vec<_>>() {
                    if let Some(r) = get_row(ctx, &t, &rec, must)? {
                        ctx.delete(&t.name, &r);
                    }
                }
            }
        }
        _ => {
            // wait-until
            let conds: Vec<Cond> = cmd
                .argv
                .iter()
                .skip(3)
                .map(|a| parse_ckv(&t, a, FIND_OPS))
                .collect::<Result<_, _>>()?;
            let Some(row) = get_row(ctx, &t, cmd.arg(2), false)? else {
                return Err(Error::TryAgain);
            };
            for c in &conds {
                if !satisfied(ctx, &t, &row, c)? {
                    return Err(Error::TryAgain);
                }
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_name_scores() {
        assert_eq!(score("name", "name"), u32::MAX);
        assert_eq!(score("other_config", "other-config"), u32::MAX - 1);
        assert_eq!(score("Open_vSwitch", "open"), 4);
        assert_eq!(score("targets", "target"), 6);
        assert_eq!(score("name", "nom"), 0);
        assert_eq!(score("name", "name~x"), 0);
    }

    #[test]
    fn relational_operators() {
        let set = |v: &[i64]| Datum::set(v.iter().map(|i| Atom::Integer(*i)).collect());
        assert!(evaluate("<", &set(&[]), &set(&[7])));
        assert!(evaluate("<", &set(&[5]), &set(&[7])));
        assert!(!evaluate(">=", &set(&[5]), &set(&[7])));
        assert!(evaluate("{>=}", &set(&[1, 2, 3]), &set(&[2])));
        assert!(evaluate("{<}", &set(&[2]), &set(&[1, 2, 3])));
        assert!(!evaluate("{<}", &set(&[1, 2, 3]), &set(&[1, 2, 3])));
        assert!(evaluate("{<=}", &set(&[]), &set(&[1, 2, 3])));
        assert!(evaluate("{not-in}", &set(&[4]), &set(&[1, 2, 3])));
        assert!(evaluate("{!=}", &set(&[1, 2, 3]), &set(&[2])));
    }

    #[test]
    fn union_replaces_map_values() {
        let m = |v: &[(&str, &str)]| {
            Datum::map(
                v.iter()
                    .map(|(k, x)| (Atom::String(k.to_string()), Atom::String(x.to_string())))
                    .collect(),
            )
        };
        let d = union_replace(&m(&[("a", "1"), ("b", "2")]), &m(&[("a", "9")]));
        assert_eq!(d, m(&[("a", "9"), ("b", "2")]));
    }
}
