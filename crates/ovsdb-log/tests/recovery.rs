//! File-level behaviour of `Log`: torn tails at every byte offset, corrupt
//! hashes, clustered and unrecognised files, compaction, locking, and a
//! property test that the decoder never panics.

use ovsdb_log::codec::{self, DecodeErrorKind, Magic};
use ovsdb_log::{Log, LogError, OpenMode};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;

fn sample_records() -> Vec<Value> {
    vec![
        json!({"name": "T", "version": "1.0.0", "tables": {"R": {"columns": {"s": {"type": "string"}}}}}),
        json!({"_date": 1_795_650_037_349_i64, "R": {"b0814c1d-7ff4-42b9-980e-f12eebee27af": {"s": "héllo\n"}}, "_is_diff": true}),
        json!({"_date": 1_795_650_037_350_i64, "R": {"b0814c1d-7ff4-42b9-980e-f12eebee27af": {"s": "x"}}, "_is_diff": true, "_comment": "c"}),
        json!({"_date": 1_795_650_037_351_i64, "R": {"b0814c1d-7ff4-42b9-980e-f12eebee27af": null}, "_is_diff": true}),
    ]
}

fn write_log(path: &Path, records: &[Value]) {
    let mut log = Log::open(path, OpenMode::CreateExcl).expect("create").log;
    for r in records {
        log.append(r, false).expect("append");
    }
    log.sync().expect("sync");
}

#[test]
fn truncation_at_every_offset_of_last_record_keeps_earlier_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let full_path = dir.path().join("full");
    let records = sample_records();
    write_log(&full_path, &records);
    let full = std::fs::read(&full_path).expect("read");
    let decoded = codec::decode_all(&full);
    assert!(decoded.tail_error.is_none());
    let last = decoded.records.last().expect("records");
    let last_start = last.offset;
    assert_eq!(last.end(), full.len() as u64);

    let path = dir.path().join("cut");
    for cut in last_start..=full.len() as u64 {
        let prefix = full.get(..cut as usize).expect("prefix");
        std::fs::write(&path, prefix).expect("write prefix");
        let opened = Log::open(&path, OpenMode::ReadWrite).expect("open cut file");
        let expect_n = if cut == full.len() as u64 {
            records.len()
        } else {
            records.len() - 1
        };
        assert_eq!(opened.records.len(), expect_n, "cut at {cut}");
        for (got, want) in opened.records.iter().zip(&records) {
            assert_eq!(&Value::Object(got.value.clone()), want, "cut at {cut}");
        }
        if cut == last_start || cut == full.len() as u64 {
            assert!(opened.tail_error.is_none(), "cut at {cut}");
            assert_eq!(opened.discarded_bytes, 0);
        } else {
            let err = opened.tail_error.as_ref().expect("torn tail reported");
            assert_eq!(err.record_offset, last_start, "cut at {cut}");
            assert!(err.is_truncation(), "cut at {cut}: {err}");
            assert_eq!(opened.discarded_bytes, cut - last_start);
        }
        // The file was cut back to the last good record ...
        let size = std::fs::metadata(&path).expect("stat").len();
        let good_end = if expect_n == records.len() {
            full.len() as u64
        } else {
            last_start
        };
        assert_eq!(size, good_end, "cut at {cut}");
        assert_eq!(opened.log.size(), good_end);
        // ... so a new record lands right after it and reads back.
        let mut log = opened.log;
        log.append(&json!({"after": cut}), true)
            .expect("append after recovery");
        drop(log);
        let again = Log::open(&path, OpenMode::ReadOnly).expect("reopen");
        assert!(again.tail_error.is_none(), "cut at {cut}");
        assert_eq!(again.records.len(), expect_n + 1);
        assert_eq!(
            again.records.last().map(|r| Value::Object(r.value.clone())),
            Some(json!({"after": cut}))
        );
    }
}

#[test]
fn read_only_open_reports_but_keeps_torn_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    write_log(&path, &sample_records());
    let len = std::fs::metadata(&path).expect("stat").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(len - 3).expect("truncate");
    let opened = Log::open(&path, OpenMode::ReadOnly).expect("open");
    assert_eq!(opened.records.len(), 3);
    assert!(opened.tail_error.is_some());
    assert_eq!(std::fs::metadata(&path).expect("stat").len(), len - 3);
    let mut log = opened.log;
    assert!(matches!(
        log.append(&json!({}), false),
        Err(LogError::ReadOnly { .. })
    ));
}

#[test]
fn corrupt_sha1_stops_at_the_damaged_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    write_log(&path, &sample_records());
    let mut bytes = std::fs::read(&path).expect("read");
    let decoded = codec::decode_all(&bytes);
    let victim = decoded.records.get(2).expect("third record").clone();
    // Change one character inside the body of the third record.
    let body_start = victim.offset as usize + 60;
    let byte = bytes.get_mut(body_start).expect("in range");
    *byte = if *byte == b'a' { b'b' } else { b'a' };
    std::fs::write(&path, &bytes).expect("write");

    let opened = Log::open(&path, OpenMode::ReadWrite).expect("open");
    assert_eq!(opened.records.len(), 2);
    let err = opened.tail_error.expect("error reported");
    assert_eq!(err.record_offset, victim.offset);
    assert!(!err.is_truncation());
    assert!(matches!(err.kind, DecodeErrorKind::BadSha1 { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("have SHA-1 hash"), "{text}");
    assert!(
        text.contains(&format!("starting at offset {}", err.body_offset)),
        "{text}"
    );
    assert_eq!(std::fs::metadata(&path).expect("stat").len(), victim.offset);
}

#[test]
fn clustered_empty_and_foreign_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clustered = dir.path().join("clustered");
    let bytes =
        codec::encode_record_with_magic(Magic::Clustered, &json!({"name": "x"})).expect("encode");
    std::fs::write(&clustered, &bytes).expect("write");
    for mode in [OpenMode::ReadOnly, OpenMode::ReadWrite, OpenMode::Create] {
        let err = Log::open(&clustered, mode).expect_err("clustered");
        assert!(matches!(err, LogError::Clustered { .. }));
        assert!(
            err.to_string()
                .contains("clustered databases not supported"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read(&clustered).expect("read"),
        bytes,
        "file untouched"
    );

    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").expect("write");
    let err = Log::open(&empty, OpenMode::ReadWrite).expect_err("empty");
    assert!(
        err.to_string().ends_with("cannot identify file type"),
        "{err}"
    );
    let opened = Log::open(&empty, OpenMode::Create).expect("empty file is new with Create");
    assert!(opened.records.is_empty());
    drop(opened);

    let foreign = dir.path().join("foreign");
    std::fs::write(&foreign, b"xyz\nOVSDB JSON 2 0000\n{}").expect("write");
    let err = Log::open(&foreign, OpenMode::ReadWrite).expect_err("foreign");
    assert!(err.to_string().ends_with("unexpected file format"), "{err}");

    let bad_schema = dir.path().join("bad_schema");
    let mut bytes = codec::encode_record(&json!({"name": "T"})).expect("encode");
    let last = bytes.len() - 3;
    if let Some(b) = bytes.get_mut(last) {
        *b = b'U';
    }
    std::fs::write(&bad_schema, &bytes).expect("write");
    let err = Log::open(&bad_schema, OpenMode::ReadWrite).expect_err("bad first record");
    assert!(matches!(err, LogError::Corrupt { .. }), "{err}");
    assert_eq!(
        std::fs::read(&bad_schema).expect("read"),
        bytes,
        "file untouched"
    );

    let missing = dir.path().join("missing");
    let err = Log::open(&missing, OpenMode::ReadOnly).expect_err("missing");
    assert!(err.to_string().contains("open failed"), "{err}");
    write_log(&missing, &[json!({})]);
    let err = Log::open(&missing, OpenMode::CreateExcl).expect_err("exists");
    assert!(err.to_string().contains("open failed"), "{err}");
}

#[test]
fn replace_is_atomic_compaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    write_log(&path, &sample_records());
    let mut log = Log::open(&path, OpenMode::ReadWrite).expect("open").log;
    assert_eq!(log.record_count(), 4);
    assert_eq!(log.records_since_compaction(), 4);
    let snapshot = vec![
        sample_records().remove(0),
        json!({"_date": 1, "R": {}, "_comment": "compacting database online"}),
    ];
    log.replace(&snapshot).expect("replace");
    assert_eq!(log.record_count(), 2);
    assert_eq!(log.records_since_compaction(), 0);
    assert_eq!(log.base_size(), log.size());
    assert!(!dir.path().join("db.tmp").exists());
    assert!(dir.path().join(".db.tmp.~lock~").exists());
    // Appends go to the new file.
    log.append(&json!({"next": 1}), true).expect("append");
    assert_eq!(log.records_since_compaction(), 1);
    let stats = log.stats();
    assert_eq!(stats.size, log.size());
    drop(log);
    let mut expected = Vec::new();
    for r in snapshot.iter().chain(std::iter::once(&json!({"next": 1}))) {
        expected.extend(codec::encode_record(r).expect("encode"));
    }
    assert_eq!(std::fs::read(&path).expect("read"), expected);
    // Non-object records are refused before anything is written.
    let mut log = Log::open(&path, OpenMode::ReadWrite).expect("open").log;
    assert!(matches!(
        log.replace(&[json!([1])]),
        Err(LogError::Encode { .. })
    ));
    assert_eq!(std::fs::read(&path).expect("read"), expected);
}

#[test]
fn writers_exclude_each_other_readers_do_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    write_log(&path, &sample_records());
    let writer = Log::open(&path, OpenMode::ReadWrite).expect("first writer");
    assert!(dir.path().join(".db.~lock~").exists());
    let err = Log::open(&path, OpenMode::ReadWrite).expect_err("second writer");
    assert!(matches!(err, LogError::Lock(_)), "{err}");
    let reader = Log::open(&path, OpenMode::ReadOnly).expect("reader");
    assert_eq!(reader.records.len(), 4);
    drop(reader);
    drop(writer);
    Log::open(&path, OpenMode::ReadWrite).expect("writer after release");
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<String>().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn decoder_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let d = codec::decode_all(&bytes);
        prop_assert!(d.good_len <= bytes.len() as u64);
    }

    #[test]
    fn decoder_never_panics_on_damaged_records(
        values in prop::collection::vec(json_value(), 1..4),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = Vec::new();
        for v in &values {
            let obj = json!({"v": v});
            bytes.extend(codec::encode_record(&obj).expect("object"));
        }
        for (idx, b) in &flips {
            let i = idx.index(bytes.len());
            if let Some(slot) = bytes.get_mut(i) { *slot = *b; }
        }
        let cut = cut.index(bytes.len() + 1);
        bytes.truncate(cut);
        let d = codec::decode_all(&bytes);
        prop_assert!(d.good_len <= bytes.len() as u64);
        prop_assert_eq!(d.tail_error.is_none(), d.good_len == bytes.len() as u64);
    }

    #[test]
    fn encode_decode_round_trip(value in json_value()) {
        let obj = json!({"v": value});
        let bytes = codec::encode_record(&obj).expect("object");
        let d = codec::decode_all(&bytes);
        prop_assert!(d.tail_error.is_none());
        prop_assert_eq!(d.records.len(), 1);
        prop_assert_eq!(Value::Object(d.records[0].value.clone()), obj.clone());
        // serde_json's reading of our text agrees with the value.
        let text = ovsdb_log::json::to_string(&obj);
        let reparsed: Value = serde_json::from_str(&text).expect("valid JSON");
        prop_assert_eq!(reparsed, obj);
    }

    #[test]
    fn reals_reparse_to_fifteen_digits(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let mut s = String::new();
        ovsdb_log::json::write_real(x, &mut s);
        let back: f64 = s.parse().expect("parses");
        let tolerance = x.abs() * 1e-14;
        prop_assert!((back - x).abs() <= tolerance, "{x:e} -> {s}");
    }
}
