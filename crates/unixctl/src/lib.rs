//! unixctl (placeholder: being written).
