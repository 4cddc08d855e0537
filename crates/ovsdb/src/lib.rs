//! ovsdb (placeholder: being written).
