//! Log-line patterns: turning a message into the text a destination gets.
//!
//! Each destination has a pattern, a string whose `%` escapes are expanded
//! for every message (see ovs-appctl(8)): `%A` program, `%B` syslog PRI,
//! `%c` module, `%d`/`%d{fmt}` local time, `%D`/`%D{fmt}` UTC time, `%E`
//! hostname, `%m` message, `%N` serial number, `%n` newline, `%p` level,
//! `%P` pid, `%r` ms since start, `%t` subprogram (thread) name, `%T` the
//! subprogram name in parentheses (empty for the main thread), `%%`. An
//! escape may carry `-` (left-justify), `0` (zero-pad) and a field width,
//! as in `%05N`.
//!
//! Time formats are a strftime subset implemented here (`%Y %y %m %d %e
//! %H %M %S %T %F %j %a %b %h %s %z %Z %%`), plus OVS's extension that
//! each `#` becomes one digit of fractional seconds (milliseconds, then
//! zeros). Times are computed from a Unix timestamp with a civil-calendar
//! conversion, so no time-zone database is needed; local time is taken to
//! be UTC (see the crate docs).
//!
//! Everything here is pure: the caller supplies the [`Record`].

use crate::level::Level;

/// Default console pattern.
pub const DEFAULT_CONSOLE_PATTERN: &str = "%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m";
/// Default syslog pattern.
pub const DEFAULT_SYSLOG_PATTERN: &str = "ovs|%05N|%c%T|%p|%m";
/// Default file pattern.
pub const DEFAULT_FILE_PATTERN: &str = "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m";
/// The syslog prefix shown by `vlog/list-pattern` (RFC 3164 style).
pub const SYSLOG_PREFIX: &str = "<%B> %D{%h %e %T} %E %A:";

/// Everything a pattern can refer to.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Milliseconds since the Unix epoch.
    pub unix_ms: i64,
    /// Milliseconds since program start.
    pub uptime_ms: u64,
    /// Serial number of the message.
    pub seq: u32,
    /// Module name.
    pub module: &'a str,
    /// Message severity.
    pub level: Level,
    /// The message.
    pub message: &'a str,
    /// Program name.
    pub program: &'a str,
    /// Subprogram (thread) name; empty or "main" for the main thread.
    pub subprogram: &'a str,
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub hostname: &'a str,
    /// Syslog facility number.
    pub facility: u8,
}

/// Expands `pattern` for `rec`.
pub fn format(pattern: &str, rec: &Record<'_>) -> String {
    let mut out = String::with_capacity(pattern.len() + rec.message.len() + 32);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut zero = false;
        let mut width = 0usize;
        if chars.peek() == Some(&'-') {
            left = true;
            chars.next();
        }
        if chars.peek() == Some(&'0') {
            zero = true;
            chars.next();
        }
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = width
                .saturating_mul(10)
                .saturating_add(d as usize)
                .min(1000);
            chars.next();
        }
        let Some(spec) = chars.next() else {
            break;
        };
        let mut arg = None;
        if matches!(spec, 'd' | 'D') && chars.peek() == Some(&'{') {
            chars.next();
            let mut s = String::new();
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
                s.push(c);
            }
            arg = Some(s);
        }
        let text: String = match spec {
            'A' => rec.program.to_string(),
            'B' => {
                (u32::from(rec.facility) * 8 + u32::from(rec.level.syslog_severity())).to_string()
            }
            'c' => rec.module.to_string(),
            'd' | 'D' => {
                let fmt = arg.as_deref().unwrap_or("%Y-%m-%d %H:%M:%S.###");
                format_time(fmt, rec.unix_ms)
            }
            'E' => rec.hostname.to_string(),
            'm' => rec.message.to_string(),
            'N' => rec.seq.to_string(),
            'n' => "\n".to_string(),
            'p' => rec.level.upper().to_string(),
            'P' => rec.pid.to_string(),
            'r' => rec.uptime_ms.to_string(),
            't' => {
                if rec.subprogram.is_empty() {
                    "main".to_string()
                } else {
                    rec.subprogram.to_string()
                }
            }
            'T' => {
                if rec.subprogram.is_empty() || rec.subprogram == "main" {
                    String::new()
                } else {
                    format!("({})", rec.subprogram)
                }
            }
            '%' => "%".to_string(),
            other => {
                // Unknown escapes are copied through.
                let mut s = String::from('%');
                s.push(other);
                s
            }
        };
        pad(&mut out, &text, width, left, zero);
    }
    out
}

fn pad(out: &mut String, text: &str, width: usize, left: bool, zero: bool) {
    let fill_len = width.saturating_sub(text.chars().count());
    let fill = if zero && !left { '0' } else { ' ' };
    if left {
        out.push_str(text);
    }
    for _ in 0..fill_len {
        out.push(fill);
    }
    if !left {
        out.push_str(text);
    }
}

/// Calendar fields of a Unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month, 1-12.
    pub month: u32,
    /// Day of month, 1-31.
    pub day: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
    /// Millisecond.
    pub milli: u32,
    /// Day of week, 0 = Sunday.
    pub weekday: u32,
    /// Day of year, 1-366.
    pub yday: u32,
}

/// Converts milliseconds since the epoch to UTC calendar fields.
pub fn civil(unix_ms: i64) -> Civil {
    let secs = unix_ms.div_euclid(1000);
    let milli = unix_ms.rem_euclid(1000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Days-to-civil (proleptic Gregorian), era-based.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let yday = CUM
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or(0)
        + day
        + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        hour: (sod / 3600) as u32,
        minute: ((sod % 3600) / 60) as u32,
        second: (sod % 60) as u32,
        milli,
        weekday: (days + 4).rem_euclid(7) as u32,
        yday,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// strftime-like formatting (subset, see module docs) with `#` for
/// fractional seconds.
pub fn format_time(fmt: &str, unix_ms: i64) -> String {
    let c = civil(unix_ms);
    let mut out = String::new();
    let mut frac_digits = 0u32;
    let mut chars = fmt.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '#' => {
                let digit = match frac_digits {
                    0 => c.milli / 100,
                    1 => (c.milli / 10) % 10,
                    2 => c.milli % 10,
                    _ => 0,
                };
                frac_digits += 1;
                out.push(char::from_digit(digit, 10).unwrap_or('0'));
            }
            '%' => match chars.next() {
                Some('Y') => out.push_str(&c.year.to_string()),
                Some('y') => out.push_str(&format!("{:02}", c.year.rem_euclid(100))),
                Some('m') => out.push_str(&format!("{:02}", c.month)),
                Some('d') => out.push_str(&format!("{:02}", c.day)),
                Some('e') => out.push_str(&format!("{:2}", c.day)),
                Some('H') => out.push_str(&format!("{:02}", c.hour)),
                Some('M') => out.push_str(&format!("{:02}", c.minute)),
                Some('S') => out.push_str(&format!("{:02}", c.second)),
                Some('T') => {
                    out.push_str(&format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second))
                }
                Some('F') => out.push_str(&format!("{}-{:02}-{:02}", c.year, c.month, c.day)),
                Some('j') => out.push_str(&format!("{:03}", c.yday)),
                Some('a') => out.push_str(DAYS.get(c.weekday as usize).copied().unwrap_or("")),
                Some('b') | Some('h') => out.push_str(
                    MONTHS
                        .get((c.month as usize).wrapping_sub(1))
                        .copied()
                        .unwrap_or(""),
                ),
                Some('s') => out.push_str(&unix_ms.div_euclid(1000).to_string()),
                Some('z') => out.push_str("+0000"),
                Some('Z') => out.push_str("UTC"),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(msg: &str) -> Record<'_> {
        Record {
            // 2026-11-25T23:37:22.123Z
            unix_ms: 1_795_649_842_123,
            uptime_ms: 42,
            seq: 1,
            module: "vlog",
            level: Level::Info,
            message: msg,
            program: "ovsdb-server",
            subprogram: "",
            pid: 77,
            hostname: "host",
            facility: 3,
        }
    }

    #[test]
    fn civil_conversion() {
        let c = civil(0);
        assert_eq!(
            (c.year, c.month, c.day, c.weekday, c.yday),
            (1970, 1, 1, 4, 1)
        );
        let c = civil(951_782_400_000); // 2000-02-29 00:00:00
        assert_eq!((c.year, c.month, c.day, c.yday), (2000, 2, 29, 60));
        let c = civil(-1); // 1969-12-31 23:59:59.999
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.second, c.milli),
            (1969, 12, 31, 23, 59, 999)
        );
    }

    #[test]
    fn default_patterns() {
        let r = rec("opened log file /tmp/x");
        assert_eq!(
            format(DEFAULT_FILE_PATTERN, &r),
            "2026-11-25T23:37:22.123Z|00001|vlog|INFO|opened log file /tmp/x"
        );
        assert_eq!(
            format(DEFAULT_CONSOLE_PATTERN, &r),
            "2026-11-25T23:37:22Z|00001|vlog|INFO|opened log file /tmp/x"
        );
        assert_eq!(
            format(DEFAULT_SYSLOG_PATTERN, &r),
            "ovs|00001|vlog|INFO|opened log file /tmp/x"
        );
        assert_eq!(
            format(SYSLOG_PREFIX, &r),
            "<30> Nov 25 23:37:22 host ovsdb-server:"
        );
        assert_eq!(
            format("%d %m", &r),
            "2026-11-25 23:37:22.123 opened log file /tmp/x"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_patterns_never_panic(pattern in "\\PC{0,40}", ms in proptest::prelude::any::<i64>()) {
            let mut r = rec("m");
            r.unix_ms = ms;
            let _ = format(&pattern, &r);
            let _ = format_time(&pattern, ms);
        }
    }

    #[test]
    fn escapes_and_padding() {
        let mut r = rec("m");
        r.subprogram = "monitor";
        assert_eq!(
            format("%A|%P|%r|%t|%T|%-6c|%6p|%%|%n|%q|%", &r),
            "ovsdb-server|77|42|monitor|(monitor)|vlog  |  INFO|%|\n|%q|"
        );
        assert_eq!(
            format("%D{%j %a %y %s %z %Z #####}", &r),
            "329 Wed 26 1795649842 +0000 UTC 12300"
        );
    }
}
