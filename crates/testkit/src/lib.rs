//! testkit (placeholder: being written).
