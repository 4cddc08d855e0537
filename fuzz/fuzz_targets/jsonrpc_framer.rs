//! Any byte stream through the JSON-RPC framer, in two chunks: no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut f = jsonrpc::Framer::new(1 << 16);
    let mid = data.len() / 2;
    f.push(&data[..mid]);
    while let Ok(Some(_)) = f.next_message() {}
    f.push(&data[mid..]);
    while let Ok(Some(_)) = f.next_message() {}
    let _ = f.finish();
});
