//! jsonrpc (placeholder: being written).
