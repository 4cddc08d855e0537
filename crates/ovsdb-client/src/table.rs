//! Open vSwitch's table printer, shared by `ovsdb-client` and `ovs-vsctl`.
//!
//! A [`Table`] is an optional caption and timestamp, column headings and
//! rows of [`Cell`]s.  A cell is either plain text or an OVSDB value (its
//! JSON plus its [`Type`]), which is rendered according to the
//! [`CellFormat`] (`--data`): Open vSwitch's string syntax (`[a, b]`,
//! `{k=v}`, quoted strings when needed), the bare form (`a b`, `k=v`,
//! strings never quoted) or the JSON itself.  [`Printer::print`] renders
//! a table in one of the [`Format`]s (`--format`):
//!
//! * `table`: caption line, headings, a line of dashes, then one line per
//!   row; every column is as wide as its widest entry (in bytes), columns
//!   are separated by one space and trailing spaces are removed;
//! * `list`: one `heading : value` line per column (headings padded to 20),
//!   rows separated by blank lines;
//! * `html`: a `<table border=1>`; `_uuid` cells become anchors and cells
//!   holding a UUID become links to them;
//! * `csv`: comma-separated with quotes around fields that need them;
//! * `json`: `{"caption":...,"data":[...],"headings":[...]}`, compact or
//!   pretty-printed the way Open vSwitch pretty-prints.
//!
//! Like Open vSwitch, consecutive tables printed in the `table`, `list` and
//! `csv` formats are separated by a blank line; the [`Printer`] remembers
//! how many it has printed.
//!
//! Typical use:
//!
//! ```
//! use ovsdb_client::table::{Cell, Printer, Style, Table};
//! let mut t = Table::new(vec!["name".into(), "n".into()]);
//! t.caption = Some("T table".into());
//! t.rows.push(vec![Cell::text("x"), Cell::text("1")]);
//! let out = Printer::default().print(&t, &Style::default());
//! assert_eq!(out, "T table\nname n\n---- -\nx    1\n");
//! ```

use ovsdb::datum::Datum;
use ovsdb::json::to_string_sorted;
use ovsdb::types::Type;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Output layout (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Aligned columns.
    #[default]
    Table,
    /// `heading : value` lines.
    List,
    /// An HTML table.
    Html,
    /// Comma-separated values.
    Csv,
    /// A JSON object.
    Json,
}

impl Format {
    /// Parses a `--format` argument.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "table" => Format::Table,
            "list" => Format::List,
            "html" => Format::Html,
            "csv" => Format::Csv,
            "json" => Format::Json,
            _ => return None,
        })
    }
}

/// How values are rendered (`--data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellFormat {
    /// Open vSwitch's string syntax.
    #[default]
    String,
    /// Bare values: no brackets, no quotes.
    Bare,
    /// RFC 7047 JSON.
    Json,
}

impl CellFormat {
    /// Parses a `--data` argument.
    pub fn parse(s: &str) -> Option<CellFormat> {
        Some(match s {
            "string" => CellFormat::String,
            "bare" => CellFormat::Bare,
            "json" => CellFormat::Json,
            _ => return None,
        })
    }
}

/// Printing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// `--format`.
    pub format: Format,
    /// `--data`.
    pub cell_format: CellFormat,
    /// Print headings (`--no-headings` clears it).
    pub headings: bool,
    /// Pretty-print JSON output (`--pretty`).
    pub pretty: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            format: Format::Table,
            cell_format: CellFormat::String,
            headings: true,
            pretty: false,
        }
    }
}

/// One cell: text, or an OVSDB value with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Literal text.
    Text(String),
    /// An OVSDB value in JSON form and the column type to read it with.
    Value(Value, Box<Type>),
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A value cell: `json` read with column type `ty`.
    pub fn value(json: Value, ty: &Type) -> Cell {
        Cell::Value(json, Box::new(ty.clone()))
    }

    /// The cell rendered as text in `format`.
    pub fn to_text(&self, format: CellFormat) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Value(json, ty) => match format {
                CellFormat::Json => to_string_sorted(json),
                CellFormat::String | CellFormat::Bare => match Datum::from_json(ty, json, None) {
                    Ok(d) if format == CellFormat::String => d.to_ovs_string(ty),
                    Ok(d) => bare(&d),
                    Err(_) => to_string_sorted(json),
                },
            },
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Value(j, _) => j.clone(),
        }
    }
}

/// A datum in the bare form: elements separated by spaces, maps as `k=v`,
/// strings never quoted.
pub fn bare(d: &Datum) -> String {
    let atom = |a: &ovsdb::atom::Atom| match a {
        ovsdb::atom::Atom::String(s) => s.clone(),
        other => other.to_ovs_string(),
    };
    let mut out = String::new();
    for (i, (k, v)) in d.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&atom(k));
        if let Some(v) = v {
            out.push('=');
            out.push_str(&atom(v));
        }
    }
    out
}

/// A table to print.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Printed above the table.
    pub caption: Option<String>,
    /// Milliseconds since the epoch, printed above the caption (`--timestamp`).
    pub timestamp_ms: Option<i64>,
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows of cells (one per heading).
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these headings.
    pub fn new(headings: Vec<String>) -> Table {
        Table {
            headings,
            ..Table::default()
        }
    }
}

/// Formats `ms` since the epoch as `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
pub fn format_timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{millis:03}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Prints tables, separating consecutive ones as Open vSwitch does.
#[derive(Debug, Clone, Default)]
pub struct Printer {
    printed: usize,
}

impl Printer {
    /// How many tables have been printed since creation or [`Printer::reset`].
    pub fn printed(&self) -> usize {
        self.printed
    }

    /// Forgets earlier tables: the next one gets no separating blank line.
    pub fn reset(&mut self) {
        self.printed = 0;
    }

    /// Renders `t` in `style`.
    pub fn print(&mut self, t: &Table, style: &Style) -> String {
        let mut out = String::new();
        match style.format {
            Format::Table | Format::List | Format::Csv => {
                if self.printed > 0 {
                    out.push('\n');
                }
                if style.format != Format::Csv {
                    if let Some(ts) = t.timestamp_ms {
                        out.push_str(&format_timestamp(ts));
                        out.push('\n');
                    }
                }
                if let Some(c) = &t.caption {
                    out.push_str(c);
                    out.push('\n');
                }
            }
            _ => {}
        }
        self.printed += 1;
        match style.format {
            Format::Table => print_table(&mut out, t, style),
            Format::List => print_list(&mut out, t, style),
            Format::Html => print_html(&mut out, t, style),
            Format::Csv => print_csv(&mut out, t, style),
            Format::Json => {
                out.push_str(&json_text(&table_json(t), style.pretty));
                out.push('\n');
            }
        }
        out
    }
}

fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end_matches(' '));
    out.push('\n');
}

fn print_table(out: &mut String, t: &Table, style: &Style) {
    let texts: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(|c| c.to_text(style.cell_format)).collect())
        .collect();
    let mut widths: Vec<usize> = t
        .headings
        .iter()
        .map(|h| if style.headings { h.len() } else { 0 })
        .collect();
    for r in &texts {
        for (i, s) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(s.len());
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = String>| -> String {
        let mut l = String::new();
        for (i, s) in cells.enumerate() {
            if i > 0 {
                l.push(' ');
            }
            let w = widths.get(i).copied().unwrap_or(0);
            let _ = write!(l, "{s:<w$}");
        }
        l
    };
    if style.headings {
        push_line(out, &line(&mut t.headings.iter().cloned()));
        push_line(out, &line(&mut widths.iter().map(|w| "-".repeat(*w))));
    }
    for r in texts {
        push_line(out, &line(&mut r.into_iter()));
    }
}

fn print_list(out: &mut String, t: &Table, style: &Style) {
    for (y, row) in t.rows.iter().enumerate() {
        if y > 0 {
            out.push('\n');
        }
        for (x, cell) in row.iter().enumerate() {
            let text = cell.to_text(style.cell_format);
            if style.headings {
                let h = t.headings.get(x).map(String::as_str).unwrap_or("");
                let _ = writeln!(out, "{h:<20}: {text}");
            } else {
                let _ = writeln!(out, "{text}");
            }
        }
    }
}

fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

fn is_uuid_text(s: &str) -> bool {
    s.len() == 36 && ovsdb::atom::parse_uuid_text(s).is_some()
}

/// The byte length of a UUID at the start of `s`, if there is one.
fn uuid_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let ok = b.len() >= 36
        && (0..36).all(|k| {
            let c = b[k];
            if [8, 13, 18, 23].contains(&k) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    ok.then_some(36)
}

/// Escapes `text` for HTML, turning every UUID in it into a link to the
/// row anchor of that UUID.
fn html_with_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(n) = uuid_at(rest) {
            let (u, tail) = rest.split_at(n);
            let short = u.get(..8).unwrap_or(u);
            let _ = write!(out, "<a href=\"#{u}\">{short}</a>");
            rest = tail;
            continue;
        }
        let mut chars = rest.chars();
        let c = chars.next().unwrap_or(' ');
        out.push_str(&html_escape(&c.to_string()));
        rest = chars.as_str();
    }
    out
}

fn print_html(out: &mut String, t: &Table, style: &Style) {
    out.push_str("<table border=1>\n");
    if let Some(c) = &t.caption {
        let _ = writeln!(out, "    <caption>{}</caption>", html_escape(c));
    }
    if style.headings {
        out.push_str("  <tr>\n");
        for h in &t.headings {
            let _ = writeln!(out, "    <th>{}</th>", html_escape(h));
        }
        out.push_str("  </tr>\n");
    }
    for row in &t.rows {
        out.push_str("  <tr>\n");
        for (x, cell) in row.iter().enumerate() {
            let text = cell.to_text(style.cell_format);
            if t.headings.get(x).map(String::as_str) == Some("_uuid") && is_uuid_text(&text) {
                let short = text.get(..8).unwrap_or(&text);
                let _ = writeln!(
                    out,
                    "    <td><a name=\"{}\">{}</a></td>",
                    html_escape(&text),
                    html_escape(short)
                );
            } else {
                let _ = writeln!(out, "    <td>{}</td>", html_with_links(&text));
            }
        }
        out.push_str("  </tr>\n");
    }
    out.push_str("</table>\n");
}

fn csv_field(s: &str) -> String {
    if s.contains(['\n', '"', ',']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn print_csv(out: &mut String, t: &Table, style: &Style) {
    let mut line = |cells: Vec<String>| {
        let l: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
        out.push_str(&l.join(","));
        out.push('\n');
    };
    if style.headings {
        line(t.headings.clone());
    }
    for row in &t.rows {
        line(row.iter().map(|c| c.to_text(style.cell_format)).collect());
    }
}

fn table_json(t: &Table) -> Value {
    let mut m = Map::new();
    if let Some(c) = &t.caption {
        m.insert("caption".into(), Value::String(c.clone()));
    }
    m.insert(
        "data".into(),
        Value::Array(
            t.rows
                .iter()
                .map(|r| Value::Array(r.iter().map(Cell::to_json).collect()))
                .collect(),
        ),
    );
    m.insert(
        "headings".into(),
        Value::Array(t.headings.iter().cloned().map(Value::String).collect()),
    );
    Value::Object(m)
}

/// JSON text with sorted object members, compact or in Open vSwitch's
/// pretty style (two-space indentation, closing brackets on the last line
/// of their content).
pub fn json_text(v: &Value, pretty: bool) -> String {
    if !pretty {
        return to_string_sorted(v);
    }
    let mut out = String::new();
    write_pretty(v, 0, &mut out);
    out
}

fn indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Array(a) => {
            out.push('[');
            if !a.is_empty() {
                indent(out, depth + 1);
                for (i, e) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                        indent(out, depth + 1);
                    }
                    write_pretty(e, depth + 1, out);
                }
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            // Open vSwitch starts a new line even for an empty object.
            indent(out, depth + 1);
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    indent(out, depth + 1);
                }
                out.push_str(&to_string_sorted(&Value::String(k.clone())));
                out.push_str(": ");
                if let Some(e) = m.get(k) {
                    write_pretty(e, depth + 1, out);
                }
            }
            out.push('}');
        }
        other => out.push_str(&to_string_sorted(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovsdb::atom::AtomicType;
    use serde_json::json;

    fn sample() -> Table {
        let set = Type {
            min: 0,
            max: ovsdb::types::UNLIMITED,
            ..Type::scalar(AtomicType::Integer)
        };
        let mut t = Table::new(vec!["name".into(), "tags".into()]);
        t.caption = Some("T table".into());
        t.rows.push(vec![
            Cell::value(json!("a b"), &Type::scalar(AtomicType::String)),
            Cell::value(json!(["set", [1, 2]]), &set),
        ]);
        t.rows.push(vec![
            Cell::value(json!("x"), &Type::scalar(AtomicType::String)),
            Cell::value(json!(["set", []]), &set),
        ]);
        t
    }

    #[test]
    fn table_and_list_layouts() {
        let t = sample();
        let mut p = Printer::default();
        assert_eq!(
            p.print(&t, &Style::default()),
            "T table\nname  tags\n----- ------\n\"a b\" [1, 2]\nx     []\n"
        );
        let list = Style {
            format: Format::List,
            ..Style::default()
        };
        assert_eq!(
            p.print(&t, &list),
            "\nT table\nname                : \"a b\"\ntags                : [1, 2]\n\nname                : x\ntags                : []\n"
        );
    }

    #[test]
    fn csv_bare_and_json() {
        let t = sample();
        let csv = Style {
            format: Format::Csv,
            ..Style::default()
        };
        assert_eq!(
            Printer::default().print(&t, &csv),
            "T table\nname,tags\n\"\"\"a b\"\"\",\"[1, 2]\"\nx,[]\n"
        );
        let bare = Style {
            format: Format::List,
            cell_format: CellFormat::Bare,
            headings: false,
            pretty: false,
        };
        assert_eq!(
            Printer::default().print(&t, &bare),
            "T table\na b\n1 2\n\nx\n\n"
        );
        assert_eq!(
            json_text(&json!({"b": [1, ["x"]], "a": {}}), true),
            "{\n  \"a\": {\n    },\n  \"b\": [\n    1,\n    [\n      \"x\"]]}"
        );
    }
}
