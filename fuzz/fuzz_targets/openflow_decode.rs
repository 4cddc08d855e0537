//! Any bytes through the OpenFlow decoder and printer: no panic; what decodes re-encodes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = openflow::print::ofp_to_string(data);
    if let Ok(msg) = openflow::OfpMsg::decode(data) {
        let _ = msg.encode();
    }
});
