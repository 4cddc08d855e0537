//! `ovsdb-tool show-log`: a readable dump of a database file's records.
//!
//! Record 0 is the schema (`"NAME" schema, version="V", cksum="C"`); every
//! later record shows its `_date` (UTC, milliseconds; values that look like
//! seconds are scaled as Open vSwitch does) and `_comment`.  With `-m` each
//! record also lists the rows it touches (`insert row`, `row ... diff`,
//! `delete row`), naming rows by their `name` column when they have one and
//! otherwise by the first 8 digits of their UUID; with `-mm` the changed
//! columns follow, in Open vSwitch's plain-text value syntax.  Tables, rows
//! and columns come out in the order Open vSwitch iterates the parsed record
//! (see [`ovsdb_storage::shash`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use ovsdb::datum::Datum;
use ovsdb::json::to_string_sorted;
use ovsdb::schema::DatabaseSchema;
use ovsdb_log::OpenMode;
use ovsdb_storage::shash;
use serde_json::{Map, Value};

use crate::files::{decode_error_message, open_log, ToolError};

/// Formats `ms` since the epoch as ` YYYY-MM-DD HH:MM:SS.mmm` (UTC).
pub fn format_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{millis:03}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn print_changes(
    out: &mut String,
    record: &Map<String, Value>,
    names: &mut HashMap<String, String>,
    schema: Option<&DatabaseSchema>,
    verbosity: usize,
) {
    let is_diff = record.get("_is_diff").and_then(Value::as_bool) == Some(true);
    let mut first = true;
    for (table, rows) in shash::reorder(record.clone()) {
        let Value::Object(rows) = rows else { continue };
        if table.starts_with('_') {
            continue;
        }
        if first {
            out.push('\n');
            first = false;
        }
        let ts = schema.and_then(|s| s.table(&table));
        for (uuid, columns) in shash::reorder(rows) {
            let old_name = names.get(&uuid).cloned();
            let new_name = match &columns {
                Value::Object(c) => c.get("name").map(to_string_sorted),
                _ => None,
            };
            let short: String = uuid.chars().take(8).collect();
            let _ = write!(out, "  table {table}");
            match (&old_name, &new_name) {
                (None, Some(n)) => {
                    let _ = writeln!(out, " insert row {n} ({short}):");
                }
                (None, None) => {
                    let _ = writeln!(out, " insert row {short}:");
                }
                (Some(o), _) => {
                    let _ = writeln!(
                        out,
                        " row {o} ({short}){}:",
                        if is_diff { " diff" } else { "" }
                    );
                }
            }
            match columns {
                Value::Object(cols) => {
                    if verbosity > 1 {
                        for (col, value) in shash::reorder(cols) {
                            let text = ts
                                .and_then(|t| t.column(&col))
                                .and_then(|c| {
                                    Datum::from_json(&c.ty, &value, None)
                                        .ok()
                                        .map(|d| d.to_ovs_string(&c.ty))
                                })
                                .unwrap_or_else(|| to_string_sorted(&value));
                            let _ = writeln!(out, "    {col}={text}");
                        }
                    }
                    match (new_name, &old_name) {
                        (Some(n), Some(o)) if &n != o => {
                            names.insert(uuid, n);
                        }
                        (Some(n), None) => {
                            names.insert(uuid, n);
                        }
                        (_, None) => {
                            names.insert(uuid, short);
                        }
                        _ => {}
                    }
                }
                Value::Null => {
                    out.push_str("    delete row\n");
                    names.remove(&uuid);
                }
                _ => {}
            }
        }
    }
}

/// Runs `show-log` on `path` with `verbosity` (`-m` count), writing to
/// stdout as it goes (so that records before a bad one are still printed).
pub fn show_log(path: &Path, verbosity: usize) -> Result<(), ToolError> {
    use std::io::Write;
    let opened = open_log(path, OpenMode::ReadOnly)?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let mut names = HashMap::new();
    let mut schema: Option<DatabaseSchema> = None;
    for (i, rec) in opened.records.iter().enumerate() {
        let mut out = format!("record {i}:");
        if i == 0 {
            let s = DatabaseSchema::from_json(&Value::Object(rec.value.clone()))?;
            let _ = writeln!(
                out,
                " \"{}\" schema, version=\"{}\", cksum=\"{}\"",
                s.name,
                s.version.as_deref().unwrap_or(""),
                s.cksum.as_deref().unwrap_or("")
            );
            schema = Some(s);
        } else {
            if let Some(mut t) = rec.value.get("_date").and_then(ovsdb::json::as_integer) {
                if t < i64::from(i32::MAX) {
                    t = t.saturating_mul(1000);
                }
                out.push(' ');
                out.push_str(&format_date(t));
            }
            if let Some(Value::String(c)) = rec.value.get("_comment") {
                let _ = write!(out, " \"{c}\"");
            }
            if verbosity > 0 {
                print_changes(&mut out, &rec.value, &mut names, schema.as_ref(), verbosity);
            }
        }
        out.push('\n');
        let _ = lock.write_all(out.as_bytes());
    }
    let _ = lock.flush();
    if let Some(e) = &opened.tail_error {
        return Err(ToolError(decode_error_message(path, e)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(format_date(0), "1970-01-01 00:00:00.000");
        assert_eq!(format_date(1795651538168), "2026-11-26 00:05:38.168");
        assert_eq!(format_date(951782400123), "2000-02-29 00:00:00.123");
    }
}
