//! Any text through the ovs-ofctl match and action parsers: no panic; what parses, prints and
//! parses back to the same thing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(m) = flow::parse::parse_match(text, None) {
        let printed = flow::format::format_match(&m, None);
        let again = flow::parse::parse_match(&printed, None).expect("printed match parses");
        assert_eq!(again, m, "{printed}");
    }
    let _ = ofp_actions::parse_actions(text, None);
});
