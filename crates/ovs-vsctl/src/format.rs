//! Tabular output of `list` and `find`, byte-compatible with Open vSwitch.
//!
//! A [`Table`] is a list of headings and rows of cells; each cell keeps the
//! column's [`Datum`] and [`Type`] so it can be rendered in any of the cell
//! notations (`--data=string|bare|json`).  [`Table::render`] produces the
//! five output formats (`--format=list|table|html|csv|json`) exactly as
//! ovs-vsctl and ovsdb-client print them (column padding, `--no-headings`,
//! HTML and CSV quoting, OVS's pretty-printed JSON).

use ovsdb::{Atom, Datum, Type};
use serde_json::Value;

/// Output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `NAME : VALUE` blocks.
    List,
    /// Aligned columns.
    Table,
    /// An HTML table.
    Html,
    /// Comma-separated values.
    Csv,
    /// `{"data": ..., "headings": ...}`.
    Json,
}

impl Format {
    /// Parses a `--format` argument.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "list" => Format::List,
            "table" => Format::Table,
            "html" => Format::Html,
            "csv" => Format::Csv,
            "json" => Format::Json,
            _ => return None,
        })
    }
}

/// Cell notation (`--data`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellFormat {
    /// ovs-vsctl's string notation.
    String,
    /// Elements separated by spaces, no brackets or quotes.
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

/// Table rendering options.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Output format.
    pub format: Format,
    /// Cell notation.
    pub cell: CellFormat,
    /// Print headings.
    pub headings: bool,
    /// Pretty-print JSON.
    pub pretty: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            format: Format::List,
            cell: CellFormat::String,
            headings: true,
            pretty: false,
        }
    }
}

/// One cell: a value and its type.
#[derive(Debug, Clone)]
pub struct Cell {
    /// The value.
    pub datum: Datum,
    /// Its column type.
    pub ty: Type,
}

/// Headings and rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column headings.
    pub headings: Vec<String>,
    /// Rows of cells (one per heading).
    pub rows: Vec<Vec<Cell>>,
}

fn bare(d: &Datum) -> String {
    let mut s = String::new();
    for (i, (k, v)) in d.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&bare_atom(k));
        if let Some(v) = v {
            s.push('=');
            s.push_str(&bare_atom(v));
        }
    }
    s
}

fn bare_atom(a: &Atom) -> String {
    match a {
        Atom::String(s) => s.clone(),
        other => other.to_ovs_string(),
    }
}

/// The JSON notation of a datum as ovs-vsctl prints it in tables.
pub fn datum_json(d: &Datum) -> Value {
    d.to_json()
}

impl Cell {
    fn text(&self, cell: CellFormat) -> String {
        match cell {
            CellFormat::String => self.datum.to_ovs_string(&self.ty),
            CellFormat::Bare => bare(&self.datum),
            CellFormat::Json => ovsdb::json::to_string(&datum_json(&self.datum)),
        }
    }
}

fn html_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            _ => o.push(c),
        }
    }
    o
}

fn csv_escape(s: &str) -> String {
    if s.contains(['"', ',', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Open vSwitch's pretty JSON: every array/object element on its own
/// line, closing brackets directly after the last element.
pub fn pretty_json(v: &Value) -> String {
    let mut out = String::new();
    pretty(v, 0, &mut out);
    out
}

fn pretty(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            out.push('[');
            for (i, e) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                out.push_str(&" ".repeat((depth + 1) * 2));
                pretty(e, depth + 1, out);
            }
            out.push(']');
        }
        Value::Object(m) if !m.is_empty() => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                out.push_str(&" ".repeat((depth + 1) * 2));
                out.push_str(&ovsdb::json::to_string(&Value::String((*k).clone())));
                out.push_str(": ");
                if let Some(x) = m.get(*k) {
                    pretty(x, depth + 1, out);
                }
            }
            out.push('}');
        }
        other => out.push_str(&ovsdb::json::to_string(other)),
    }
}

impl Table {
    /// Renders the table in `style`.
    pub fn render(&self, style: &Style) -> String {
        let mut out = String::new();
        match style.format {
            Format::List => {
                for (r, row) in self.rows.iter().enumerate() {
                    if r > 0 {
                        out.push('\n');
                    }
                    for (h, c) in self.headings.iter().zip(row) {
                        if style.headings {
                            out.push_str(&format!("{h:<20}: "));
                        }
                        out.push_str(&c.text(style.cell));
                        out.push('\n');
                    }
                }
            }
            Format::Table => {
                let texts: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|c| c.text(style.cell)).collect())
                    .collect();
                let mut widths: Vec<usize> = self
                    .headings
                    .iter()
                    .map(|h| if style.headings { h.chars().count() } else { 0 })
                    .collect();
                for r in &texts {
                    for (w, t) in widths.iter_mut().zip(r) {
                        *w = (*w).max(t.chars().count());
                    }
                }
                let line = |cells: &[String], out: &mut String| {
                    let n = cells.len();
                    for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        out.push_str(c);
                        if i + 1 < n {
                            out.push_str(&" ".repeat(w.saturating_sub(c.chars().count())));
                        }
                    }
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\n');
                };
                if style.headings {
                    line(&self.headings, &mut out);
                    let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                    line(&dashes, &mut out);
                }
                for r in &texts {
                    line(r, &mut out);
                }
            }
            Format::Html => {
                out.push_str("<table border=1>\n");
                if style.headings {
                    out.push_str("  <tr>\n");
                    for h in &self.headings {
                        out.push_str(&format!("    <th>{}</th>\n", html_escape(h)));
                    }
                    out.push_str("  </tr>\n");
                }
                for r in &self.rows {
                    out.push_str("  <tr>\n");
                    for c in r {
                        out.push_str(&format!(
                            "    <td>{}</td>\n",
                            html_escape(&c.text(style.cell))
                        ));
                    }
                    out.push_str("  </tr>\n");
                }
                out.push_str("</table>\n");
            }
            Format::Csv => {
                if style.headings {
                    let h: Vec<String> = self.headings.iter().map(|h| csv_escape(h)).collect();
                    out.push_str(&h.join(","));
                    out.push('\n');
                }
                for r in &self.rows {
                    let cells: Vec<String> =
                        r.iter().map(|c| csv_escape(&c.text(style.cell))).collect();
                    out.push_str(&cells.join(","));
                    out.push('\n');
                }
            }
            Format::Json => {
                let data: Vec<Value> = self
                    .rows
                    .iter()
                    .map(|r| Value::Array(r.iter().map(|c| datum_json(&c.datum)).collect()))
                    .collect();
                let mut m = serde_json::Map::new();
                m.insert("data".into(), Value::Array(data));
                if style.headings {
                    m.insert(
                        "headings".into(),
                        Value::Array(
                            self.headings
                                .iter()
                                .map(|h| Value::String(h.clone()))
                                .collect(),
                        ),
                    );
                }
                let v = Value::Object(m);
                if style.pretty {
                    out.push_str(&pretty_json(&v));
                } else {
                    out.push_str(&ovsdb::json::to_string(&v));
                }
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ovsdb::AtomicType;

    fn table() -> Table {
        let s = Type::scalar(AtomicType::String);
        let mut m = Type::scalar(AtomicType::String);
        m.value = Some(ovsdb::BaseType::new(AtomicType::String));
        m.min = 0;
        m.max = ovsdb::types::UNLIMITED;
        Table {
            headings: vec!["name".into(), "ids".into()],
            rows: vec![vec![
                Cell {
                    datum: Datum::scalar(Atom::String("br0".into())),
                    ty: s,
                },
                Cell {
                    datum: Datum::map(vec![(Atom::String("k".into()), Atom::String("v".into()))]),
                    ty: m,
                },
            ]],
        }
    }

    #[test]
    fn formats() {
        let t = table();
        let mut st = Style {
            format: Format::Table,
            ..Style::default()
        };
        assert_eq!(t.render(&st), "name ids\n---- -----\nbr0  {k=v}\n");
        st.format = Format::Csv;
        st.cell = CellFormat::Json;
        assert_eq!(
            t.render(&st),
            "name,ids\n\"\"\"br0\"\"\",\"[\"\"map\"\",[[\"\"k\"\",\"\"v\"\"]]]\"\n"
        );
        st.format = Format::List;
        st.cell = CellFormat::Bare;
        assert_eq!(
            t.render(&st),
            "name                : br0\nids                 : k=v\n"
        );
        st.format = Format::Json;
        st.pretty = true;
        assert_eq!(
            t.render(&st),
            "{\n  \"data\": [\n    [\n      \"br0\",\n      [\n        \"map\",\n        [\n          [\n            \"k\",\n            \"v\"]]]]],\n  \"headings\": [\n    \"name\",\n    \"ids\"]}\n"
        );
    }
}
