//! ovsdb-log (placeholder: being written).
