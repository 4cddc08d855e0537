//! Compact JSON serialisation in the exact style Open vSwitch writes: see the `ovs-json` crate,
//! re-exported here for the log's users.

pub use ovs_json::{
    format_real, to_string, to_string_sorted, write_real, write_string, write_value,
};
