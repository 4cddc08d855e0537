//! stream (placeholder: being written).
