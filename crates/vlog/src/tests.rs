//! Tests of the logger state and its tables.

use super::*;
use std::sync::Arc;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn logger() -> (Vlog, Capture) {
    let v = Vlog::new("test-prog");
    v.register_modules(&["reconnect", "dpif_lookup_autovalidator", "backtrace"]);
    let cap = Capture::default();
    v.set_console(Box::new(cap.clone()));
    (v, cap)
}

#[test]
fn list_matches_ovs_table_layout() {
    let (v, _) = logger();
    v.set_spec("vlog:console:emer").unwrap();
    v.set_spec("reconnect:file:off").unwrap();
    v.set_rate_limit(&["vlog".to_string()], false).unwrap();
    // Layout observed from Open vSwitch 3.1's vlog/list.
    let expected = "                 console    syslog    file\n\
                    \x20                -------    ------    ------\n\
                    backtrace         INFO       INFO       INFO\n\
                    dpif_lookup_autovalidator  INFO       INFO       INFO\n\
                    reconnect         INFO       INFO        OFF\n\
                    vlog              EMER       INFO       INFO    (rate limiting disabled)\n";
    assert_eq!(v.list(), expected);
}

#[test]
fn list_patterns_matches_ovs_layout() {
    let (v, _) = logger();
    v.set_spec("PATTERN:console:%m").unwrap();
    v.set_spec("PATTERN:file:%d %m").unwrap();
    let expected = "         prefix                            format\n\
                    \x20        ------                            ------\n\
                    SYSLOG   <%B> %D{%h %e %T} %E %A:          ovs|%05N|%c%T|%p|%m\n\
                    CONSOLE  none                              %m\n\
                    FILE     none                              %d %m\n";
    assert_eq!(v.list_patterns(), expected);
}

#[test]
fn levels_filter_console_output_and_serials_increase() {
    let (v, cap) = logger();
    v.set_pattern(Some(Destination::Console), "%05N|%c|%p|%m");
    v.log("reconnect", Level::Dbg, "hidden");
    v.log("reconnect", Level::Info, "shown");
    v.set_spec("reconnect:warn").unwrap();
    v.log("reconnect", Level::Info, "hidden too");
    v.log("reconnect", Level::Err, "error");
    v.log("newmod", Level::Warn, "auto-registered");
    assert_eq!(
        cap.text(),
        "00001|reconnect|INFO|shown\n00002|reconnect|ERR|error\n00003|newmod|WARN|auto-registered\n"
    );
    assert!(v.find_module("NEWMOD").is_some());
}

#[test]
fn set_all_modules_changes_defaults() {
    let (v, _) = logger();
    v.set_spec("console:off").unwrap();
    v.register_module("later");
    assert_eq!(v.level("later", Destination::Console), Some(Level::Off));
    assert_eq!(v.level("later", Destination::File), Some(Level::Info));
    v.set_spec("").unwrap();
    assert_eq!(v.level("vlog", Destination::Syslog), Some(Level::Dbg));
}

#[test]
fn spec_errors_do_not_change_anything() {
    let (v, _) = logger();
    let before = v.list();
    assert_eq!(
        v.set_spec("vlog:nosuch").unwrap_err().to_string(),
        "no destination, level, or module \"nosuch\""
    );
    assert_eq!(v.list(), before);
    assert_eq!(
        v.set_rate_limit(&["nosuch".into()], false).unwrap_err(),
        "unknown module"
    );
    assert_eq!(v.list(), before);
}

#[test]
fn file_logging_reopen_and_close() {
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = logger();
    assert_eq!(v.reopen().unwrap_err(), "Logging to file not configured");
    let path = dir.path().join("x.log");
    v.set_log_file(&path).unwrap();
    v.log("reconnect", Level::Warn, "hello");
    let rotated = dir.path().join("x.log.1");
    std::fs::rename(&path, &rotated).unwrap();
    v.reopen().unwrap();
    v.log("reconnect", Level::Warn, "after");
    v.close();
    v.log("reconnect", Level::Warn, "lost");

    let old = std::fs::read_to_string(&rotated).unwrap();
    let new = std::fs::read_to_string(&path).unwrap();
    let old: Vec<&str> = old.lines().collect();
    assert_eq!(old.len(), 2);
    assert!(old[0].ends_with(&format!(
        "|00001|vlog|INFO|opened log file {}",
        path.display()
    )));
    assert!(old[1].ends_with("|00002|reconnect|WARN|hello"));
    // 2026-11-25T23:37:22.123Z is 24 characters.
    assert_eq!(old[1].find('|'), Some(24));
    assert_eq!(old[1].as_bytes()[10], b'T');
    let new: Vec<&str> = new.lines().collect();
    assert_eq!(new.len(), 2);
    assert!(new[1].ends_with("|00004|reconnect|WARN|after"));
}

#[test]
fn rate_limited_logging() {
    let (v, cap) = logger();
    v.set_pattern(Some(Destination::Console), "%m");
    let rl = Mutex::new(RateLimit::new(1, 2));
    for i in 0..5 {
        v.log_rl(&rl, "reconnect", Level::Warn, &format!("m{i}"));
    }
    assert_eq!(cap.text(), "m0\nm1\n");
    v.set_rate_limit(&[], false).unwrap();
    v.log_rl(&rl, "reconnect", Level::Warn, "unlimited");
    assert_eq!(cap.text(), "m0\nm1\nunlimited\n");
}
