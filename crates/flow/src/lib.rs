//! flow (placeholder: being written).
