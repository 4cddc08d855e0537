//! Any JSON as a transaction on a database of the Open_vSwitch schema: no panic, and a
//! committed change applies cleanly.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SCHEMA: OnceLock<ovsdb::schema::DatabaseSchema> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(params) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let schema = SCHEMA.get_or_init(|| {
        let text = include_str!("../../schemas/vswitch.ovsschema");
        let json: serde_json::Value = serde_json::from_str(text).expect("schema JSON");
        ovsdb::schema::DatabaseSchema::from_json(&json).expect("schema")
    });
    let mut db = ovsdb::db::Database::new(schema.clone());
    let mut gen = uuid::Uuid::new_v4;
    let mut env = ovsdb::txn::TxnEnv::new(0, &mut gen, &ovsdb::txn::NoLocks);
    let _ = db.transact(&params, &mut env);
});
