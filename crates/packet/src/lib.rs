//! packet (placeholder: being written).
