//! `ovs-vsctl show`: the configuration as an indented tree.
//!
//! Starting from the Open_vSwitch row (printed as its UUID), each table in
//! [`SHOW`] prints a header line (`Table name`, with the name in value
//! notation), then for each listed column either the referenced rows one
//! level deeper (when the column refers to another shown table) or
//! `column: value` when the value is not the column's default.

use ovsdb::Atom;
use uuid::Uuid;

use crate::cmd::Ctx;

/// (table, name column, columns shown).
const SHOW: &[(&str, Option<&str>, &[&str])] = &[
    (
        "Open_vSwitch",
        None,
        &["manager_options", "bridges", "ovs_version"],
    ),
    (
        "Bridge",
        Some("name"),
        &["controller", "fail_mode", "datapath_type", "ports"],
    ),
    ("Port", Some("name"), &["tag", "trunks", "interfaces"]),
    ("Interface", Some("name"), &["type", "options", "error"]),
    ("Controller", Some("target"), &["is_connected"]),
    ("Manager", Some("target"), &["is_connected"]),
];

fn show_row(
    ctx: &Ctx,
    table: &str,
    row: &Uuid,
    level: usize,
    out: &mut String,
    seen: &mut Vec<Uuid>,
) {
    let Some((_, name_col, cols)) = SHOW.iter().find(|(t, _, _)| *t == table) else {
        return;
    };
    if seen.contains(row) {
        return;
    }
    seen.push(*row);
    let indent = " ".repeat(level * 4);
    out.push_str(&indent);
    match name_col {
        Some(nc) => {
            let ty = ctx.col_type(table, nc);
            let d = ctx.get(table, row, nc);
            let name = ty.map(|t| d.to_ovs_string(&t)).unwrap_or_default();
            out.push_str(&format!("{table} {name}\n"));
        }
        None => out.push_str(&format!("{row}\n")),
    }
    for c in cols.iter() {
        let Some(ty) = ctx.col_type(table, c) else {
            continue;
        };
        let d = ctx.get(table, row, c);
        if let Some(rt) = ty
            .key
            .ref_table
            .as_deref()
            .filter(|rt| SHOW.iter().any(|(t, _, _)| t == rt))
        {
            for u in d.keys().iter().filter_map(Atom::as_uuid) {
                if ctx.txn.view().row(rt, &u).is_some() {
                    show_row(ctx, rt, &u, level + 1, out, seen);
                }
            }
            continue;
        }
        if !d.is_default(&ty) {
            out.push_str(&format!(
                "{}{c}: {}\n",
                " ".repeat((level + 1) * 4),
                d.to_ovs_string(&ty)
            ));
        }
    }
}

/// The `show` output.
pub fn show(ctx: &Ctx) -> String {
    let mut out = String::new();
    let mut seen = Vec::new();
    for r in ctx.rows("Open_vSwitch") {
        show_row(ctx, "Open_vSwitch", &r, 0, &mut out, &mut seen);
    }
    out
}
