//! Open vSwitch's plain-text notation for values, as `ovs-vsctl` reads it.
//!
//! Command-line tools take column values in a compact syntax rather than
//! JSON: `{a=b, c="x y"}` for maps, `[1, 2, 3]` (or just `1,2,3`) for sets,
//! bare words for strings, `true`/`yes`/`on`/`1` for booleans, `1-5` for a
//! range of integers, and `@name` for a UUID to be created in the same
//! command.  This module parses that notation ([`atom_from_string`],
//! [`datum_from_string`]) with Open vSwitch's rules and error messages; the
//! printing side is [`Atom::to_ovs_string`] and [`Datum::to_ovs_string`].
//!
//! Tokenising: a token runs until one of the delimiters `:=, []{}!<>` (so
//! values containing them, such as MAC addresses, must be quoted); inside
//! double quotes delimiters are ordinary characters and the quoted text is
//! decoded as a JSON string; outside quotes a backslash escapes the next
//! character.  Elements may be separated by commas or spaces.

use crate::atom::{parse_uuid_text, Atom, AtomicType, SymbolTable};
use crate::datum::Datum;
use crate::types::{BaseType, Type};

/// A value that could not be parsed; `Display` is the message ovs-vsctl
/// prints (after its `ovs-vsctl: ` prefix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

type Result<T> = std::result::Result<T, TextError>;

/// Resolves `@name` references to UUIDs (ovs-vsctl's `--id` symbols).
pub trait Symbols {
    /// The UUID for symbol `name` (including its `@`), allocating one on
    /// first use.
    fn resolve(&mut self, name: &str) -> uuid::Uuid;
}

impl Symbols for SymbolTable<'_> {
    fn resolve(&mut self, name: &str) -> uuid::Uuid {
        self.lookup_or_insert(name)
    }
}

fn err<T>(msg: String) -> Result<T> {
    Err(TextError(msg))
}

/// Largest number of integers one `a-b` range may produce.
pub const MAX_RANGE_SIZE: i64 = 4096;

/// Whether `c` ends a bare token.
pub fn is_delimiter(c: char) -> bool {
    ":=, []{}!<>".contains(c)
}

/// Reads one token starting at byte `*pos` of `s` (see module docs); quotes
/// are kept, backslash escapes outside quotes are decoded.
pub fn token(s: &str, pos: &mut usize) -> Result<String> {
    let start = *pos;
    let rest = s.get(start..).unwrap_or("");
    let mut out = String::new();
    let mut in_quotes = false;
    let mut chars = rest.char_indices().peekable();
    let mut end = rest.len();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if in_quotes {
                out.push('\\');
            }
            match chars.next() {
                Some((_, n)) => out.push(n),
                None => return err(format!("{rest}: backslash at end of argument")),
            }
        } else if !in_quotes && is_delimiter(c) {
            end = i;
            break;
        } else {
            out.push(c);
            if c == '"' {
                in_quotes = !in_quotes;
            }
        }
    }
    if in_quotes {
        return err(format!(
            "{rest}: quoted string extends past end of argument"
        ));
    }
    *pos = start + end;
    Ok(out)
}

/// Decodes the inside of a JSON string literal.
fn json_unescape(s: &str) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("quoted string may not end with backslash".to_string());
        };
        match e {
            '"' | '\\' | '/' => out.push(e),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hex = |chars: &mut std::str::Chars<'_>| -> Option<u32> {
                    let h: String = chars.by_ref().take(4).collect();
                    if h.len() == 4 {
                        u32::from_str_radix(&h, 16).ok()
                    } else {
                        None
                    }
                };
                let Some(mut cp) = hex(&mut chars) else {
                    return Err("malformed \\u escape".to_string());
                };
                if (0xd800..0xdc00).contains(&cp) {
                    let mut look = chars.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        if let Some(lo) = hex(&mut look).filter(|lo| (0xdc00..0xe000).contains(lo))
                        {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                            chars = look;
                        }
                    }
                }
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
            }
            other => return Err(format!("bad escape \\{other}")),
        }
    }
    Ok(out)
}

fn parse_range(s: &str) -> Option<(i64, i64)> {
    let idx = s.get(1..)?.find('-')? + 1;
    let a = s.get(..idx)?.parse::<i64>().ok()?;
    let b = s.get(idx + 1..)?.parse::<i64>().ok()?;
    Some((a, b))
}

/// Parses one atom of type `base` from a token, checking constraints.
/// With `allow_range`, an integer token `a-b` yields every integer from `a`
/// to `b`.
pub fn atoms_from_token(
    base: &BaseType,
    s: &str,
    allow_range: bool,
    symtab: Option<&mut (dyn Symbols + '_)>,
) -> Result<Vec<Atom>> {
    let atoms = match base.atomic {
        AtomicType::Integer => {
            if let Some((a, b)) = parse_range(s).filter(|_| allow_range) {
                if b < a {
                    return err(format!(
                        "\"{s}\" is not a valid range. Range end cannot be before start."
                    ));
                }
                for x in [a, b] {
                    Atom::Integer(x)
                        .check_constraints(base)
                        .map_err(|e| TextError(e.to_message()))?;
                }
                if b.saturating_sub(a) >= MAX_RANGE_SIZE {
                    return err(format!(
                        "\"{s}\" is not a valid range. Range size cannot exceed {MAX_RANGE_SIZE}."
                    ));
                }
                return Ok((a..=b).map(Atom::Integer).collect());
            }
            match s.parse::<i64>() {
                Ok(i) => vec![Atom::Integer(i)],
                Err(_) => {
                    let suffix = if allow_range { " or range" } else { "" };
                    return err(format!("\"{s}\" is not a valid integer{suffix}"));
                }
            }
        }
        AtomicType::Real => match s.parse::<f64>() {
            Ok(f) if f.is_finite() && !s.is_empty() => {
                vec![Atom::Real(if f == 0.0 { 0.0 } else { f })]
            }
            _ => return err(format!("\"{s}\" is not a valid real number")),
        },
        AtomicType::Boolean => match s {
            "true" | "yes" | "on" | "1" => vec![Atom::Boolean(true)],
            "false" | "no" | "off" | "0" => vec![Atom::Boolean(false)],
            _ => {
                return err(format!(
                    "\"{s}\" is not a valid boolean (use \"true\" or \"false\")"
                ))
            }
        },
        AtomicType::String => {
            if s.is_empty() {
                return err(
                    "An empty string is not valid as input; use \"\" to represent the empty string"
                        .to_string(),
                );
            }
            if let Some(inner) = s.strip_prefix('"') {
                let Some(inner) = inner.strip_suffix('"') else {
                    return err(format!("{s}: missing quote at end of quoted string"));
                };
                match json_unescape(inner) {
                    Ok(v) => vec![Atom::String(v)],
                    Err(e) => return err(format!("{s}: {e}")),
                }
            } else {
                vec![Atom::String(s.to_string())]
            }
        }
        AtomicType::Uuid => match (s.strip_prefix('@'), symtab) {
            (Some(name), Some(st)) if !name.is_empty() => vec![Atom::Uuid(st.resolve(s))],
            _ => match parse_uuid_text(s) {
                Some(u) => vec![Atom::Uuid(u)],
                None => return err(format!("\"{s}\" is not a valid UUID")),
            },
        },
    };
    for a in &atoms {
        a.check_constraints(base)
            .map_err(|e| TextError(e.to_message()))?;
    }
    Ok(atoms)
}

/// Parses a single atom of type `base` from a whole argument (no ranges, no
/// tokenising: an unquoted string is taken literally, as in `KEY=VALUE`).
pub fn atom_from_string(
    base: &BaseType,
    s: &str,
    symtab: Option<&mut (dyn Symbols + '_)>,
) -> Result<Atom> {
    let mut atoms = atoms_from_token(base, s, false, symtab)?;
    Ok(atoms.pop().unwrap_or_else(|| base.atomic.default_atom()))
}

fn skip_spaces(s: &str, mut pos: usize) -> usize {
    while let Some(c) = s.get(pos..).and_then(|r| r.chars().next()) {
        if !c.is_whitespace() {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

fn char_at(s: &str, pos: usize) -> Option<char> {
    s.get(pos..).and_then(|r| r.chars().next())
}

/// Parses a datum of type `ty` in plain-text notation (see module docs).
/// `@name` UUIDs are resolved through `symtab` under the name `@name`.
pub fn datum_from_string(
    ty: &Type,
    s: &str,
    mut symtab: Option<&mut (dyn Symbols + '_)>,
) -> Result<Datum> {
    let is_map = ty.is_map();
    let mut p = skip_spaces(s, 0);
    let (open, close) = if is_map { ('{', '}') } else { ('[', ']') };
    let end_delim = if char_at(s, p) == Some(open) {
        p = skip_spaces(s, p + 1);
        Some(close)
    } else if p >= s.len() {
        return err(if is_map {
            "use \"{}\" to specify the empty map".to_string()
        } else {
            "use \"[]\" to specify the empty set".to_string()
        });
    } else {
        None
    };
    let mut keys: Vec<Atom> = Vec::new();
    let mut values: Vec<Atom> = Vec::new();
    while let Some(c) = char_at(s, p) {
        if Some(c) == end_delim {
            break;
        }
        if is_delimiter(c) {
            return err(format!(
                "{s}: unexpected \"{c}\" parsing {}",
                ty.to_english()
            ));
        }
        let start = p;
        let kt = token(s, &mut p)?;
        let ks = atoms_from_token(
            &ty.key,
            &kt,
            ty.key.atomic == AtomicType::Integer,
            symtab.as_deref_mut(),
        )?;
        if let Some(vt) = &ty.value {
            p = skip_spaces(s, p);
            if char_at(s, p) != Some('=') {
                let rest = s.get(start..).unwrap_or("");
                let c = char_at(s, p).map(String::from).unwrap_or_default();
                return err(format!("{rest}: syntax error at \"{c}\" expecting \"=\""));
            }
            p = skip_spaces(s, p + 1);
            let vtok = token(s, &mut p)?;
            let v = atoms_from_token(vt, &vtok, false, symtab.as_deref_mut())?;
            for k in ks {
                keys.push(k);
                values.extend(v.iter().cloned());
            }
        } else {
            keys.extend(ks);
        }
        p = skip_spaces(s, p);
        if char_at(s, p) == Some(',') {
            p = skip_spaces(s, p + 1);
        }
    }
    if let Some(close) = end_delim {
        if char_at(s, p) != Some(close) {
            return err(format!("{s}: missing \"{close}\" at end of data"));
        }
        p = skip_spaces(s, p + 1);
        if p < s.len() {
            return err(format!("{s}: trailing garbage after \"{close}\""));
        }
    }
    let n = keys.len() as u64;
    if n < u64::from(ty.min) {
        return err(format!(
            "{s}: {n} value(s) specified but the minimum number is {}",
            ty.min
        ));
    }
    if n > u64::from(ty.max) {
        return err(format!(
            "{s}: {n} value(s) specified but the maximum number is {}",
            ty.max
        ));
    }
    let d = if is_map {
        Datum::map(keys.into_iter().zip(values).collect())
    } else {
        Datum::set(keys)
    };
    if d.len() as u64 != n {
        return err(if is_map {
            format!("{s}: map contains duplicate key")
        } else {
            format!("{s}: set contains duplicate value")
        });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ty(v: serde_json::Value) -> Type {
        Type::from_json(&v).unwrap()
    }

    fn parse(t: &Type, s: &str) -> std::result::Result<String, String> {
        datum_from_string(t, s, None)
            .map(|d| d.to_ovs_string(t))
            .map_err(|e| e.0)
    }

    #[test]
    fn matches_ovs_vsctl() {
        // Inputs and outputs observed with Debian's ovs-vsctl 3.1 (`set`
        // then `get`) on the vswitch schema's column types.
        let map = ty(json!({"key":"string","value":"string","min":0,"max":"unlimited"}));
        let vlans = ty(
            json!({"key":{"type":"integer","minInteger":0,"maxInteger":4095},"min":0,"max":4096}),
        );
        let opt_int =
            ty(json!({"key":{"type":"integer","minInteger":0,"maxInteger":4095},"min":0,"max":1}));
        let boolean = ty(json!("boolean"));
        let string = ty(json!("string"));
        let uuid_opt = ty(json!({"key":"uuid","min":0,"max":1}));
        let ok = |t: &Type, s: &str| parse(t, s).unwrap();
        let bad = |t: &Type, s: &str| parse(t, s).unwrap_err();
        assert_eq!(
            ok(&map, "{a=b, c=\"x y\", \"d\"=e}"),
            "{a=b, c=\"x y\", d=e}"
        );
        assert_eq!(ok(&map, "{a=b c=d}"), "{a=b, c=d}");
        assert_eq!(ok(&map, "a=b,c=d"), "{a=b, c=d}");
        assert_eq!(bad(&map, "{a=b"), "{a=b: missing \"}\" at end of data");
        assert_eq!(bad(&map, "{a=b}x"), "{a=b}x: trailing garbage after \"}\"");
        assert_eq!(
            bad(&map, "{a}"),
            "a}: syntax error at \"}\" expecting \"=\""
        );
        assert_eq!(
            bad(&map, "{a=00:11}"),
            "{a=00:11}: unexpected \":\" parsing map of (string, string) pairs"
        );
        assert_eq!(
            bad(&map, "{a=b, a=c}"),
            "{a=b, a=c}: map contains duplicate key"
        );
        assert_eq!(ok(&vlans, "[1, 2, 3]"), "[1, 2, 3]");
        assert_eq!(ok(&vlans, "1,2,3 4"), "[1, 2, 3, 4]");
        assert_eq!(bad(&vlans, "[1,1]"), "[1,1]: set contains duplicate value");
        assert_eq!(bad(&vlans, "[x]"), "\"x\" is not a valid integer or range");
        assert_eq!(
            bad(&vlans, "[5000]"),
            "constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert_eq!(ok(&vlans, "[]"), "[]");
        assert_eq!(ok(&vlans, "1-5,9"), "[1, 2, 3, 4, 5, 9]");
        assert_eq!(
            bad(&vlans, "5-1"),
            "\"5-1\" is not a valid range. Range end cannot be before start."
        );
        assert_eq!(
            bad(&vlans, "1-9000"),
            "constraint violation: 9000 is not in the valid range 0 to 4095 (inclusive)"
        );
        assert_eq!(parse(&vlans, "0-4095").map(|s| s.len() > 10), Ok(true));
        assert_eq!(
            bad(&vlans, "1-5-6"),
            "\"1-5-6\" is not a valid integer or range"
        );
        assert_eq!(
            bad(&opt_int, "1-5"),
            "1-5: 5 value(s) specified but the maximum number is 1"
        );
        assert_eq!(
            bad(&opt_int, "\"5\""),
            "\"\"5\"\" is not a valid integer or range"
        );
        assert_eq!(ok(&boolean, "yes"), "true");
        assert_eq!(
            bad(&boolean, "maybe"),
            "\"maybe\" is not a valid boolean (use \"true\" or \"false\")"
        );
        assert_eq!(ok(&string, "\"\""), "\"\"");
        assert_eq!(
            bad(&string, "\"abc"),
            "\"abc: quoted string extends past end of argument"
        );
        assert_eq!(
            bad(&string, "a b"),
            "a b: 2 value(s) specified but the maximum number is 1"
        );
        assert_eq!(ok(&string, "[a]"), "a");
        assert_eq!(
            bad(&string, "[a, b]"),
            "[a, b]: 2 value(s) specified but the maximum number is 1"
        );
        assert_eq!(bad(&uuid_opt, "zz"), "\"zz\" is not a valid UUID");
        assert_eq!(ok(&uuid_opt, "[]"), "[]");
        assert_eq!(ok(&map, "{x=\"q=r\"}"), "{x=\"q=r\"}");
        assert_eq!(ok(&map, "{x=a-b.c_d/e+f@g}"), "{x=\"a-b.c_d/e+f@g\"}");
        assert_eq!(
            bad(&map, "{x=a!b}"),
            "{x=a!b}: unexpected \"!\" parsing map of (string, string) pairs"
        );
        assert_eq!(
            bad(&map, "{x=<b>}"),
            "An empty string is not valid as input; use \"\" to represent the empty string"
        );
        assert_eq!(ok(&map, r#"{"a\"b"="c\\d"}"#), r#"{"a\"b"="c\\d"}"#);
        assert_eq!(ok(&map, r"{a\ b=c}"), "{\"a b\"=c}");
        assert_eq!(
            bad(&map, "{\"a}"),
            "\"a}: quoted string extends past end of argument"
        );
        assert_eq!(bad(&map, "{a=b\\"), "b\\: backslash at end of argument");
        assert_eq!(bad(&map, r#"{a="\q"}"#), r#""\q": bad escape \q"#);
        assert_eq!(
            bad(&map, "{a=\"b\"c}"),
            "\"b\"c: missing quote at end of quoted string"
        );
        assert_eq!(
            bad(&map, "{=c}"),
            "{=c}: unexpected \"=\" parsing map of (string, string) pairs"
        );
        assert_eq!(
            bad(&map, "{,}"),
            "{,}: unexpected \",\" parsing map of (string, string) pairs"
        );
        assert_eq!(ok(&map, "{}"), "{}");
        assert_eq!(bad(&map, ""), "use \"{}\" to specify the empty map");
        assert_eq!(bad(&vlans, " "), "use \"[]\" to specify the empty set");
    }

    #[test]
    fn whole_argument_atoms() {
        // `COLUMN:KEY=VALUE` values are atoms taken whole, not tokenised.
        let s = BaseType::new(AtomicType::String);
        assert_eq!(
            atom_from_string(&s, "aa:bb:cc:dd:ee:ff", None).unwrap(),
            Atom::String("aa:bb:cc:dd:ee:ff".into())
        );
        assert_eq!(
            atom_from_string(&s, "\"a b\"", None).unwrap(),
            Atom::String("a b".into())
        );
        assert!(atom_from_string(&s, "", None).is_err());
        let i = BaseType::new(AtomicType::Integer);
        assert_eq!(
            atom_from_string(&i, "1-2", None).unwrap_err().0,
            "\"1-2\" is not a valid integer"
        );
        // Any `Symbols` implementation resolves `@name`.
        struct Fixed;
        impl Symbols for Fixed {
            fn resolve(&mut self, _name: &str) -> uuid::Uuid {
                uuid::Uuid::from_u128(7)
            }
        }
        let u = BaseType::new(AtomicType::Uuid);
        assert_eq!(
            atom_from_string(&u, "@x", Some(&mut Fixed)).unwrap(),
            Atom::Uuid(uuid::Uuid::from_u128(7))
        );
    }

    #[test]
    fn named_uuids_and_atoms() {
        let t = ty(json!({"key":"uuid","min":0,"max":"unlimited"}));
        let mut st = SymbolTable::default();
        let d = datum_from_string(&t, "[@a, @b]", Some(&mut st)).unwrap();
        assert_eq!(d.len(), 2);
        assert!(st.get("@a").is_some());
        let r = BaseType::new(AtomicType::Real);
        assert_eq!(atom_from_string(&r, "-0.0", None).unwrap(), Atom::Real(0.0));
        assert!(atom_from_string(&r, "inf", None).is_err());
        assert_eq!(
            atom_from_string(
                &BaseType::new(AtomicType::String),
                "\"\\u00e9\\ud83d\\ude00\"",
                None
            )
            .unwrap(),
            Atom::String("é😀".into())
        );
    }
}
