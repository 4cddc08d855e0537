//! vlog (placeholder: being written).
